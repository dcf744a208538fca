//! What the emulator remembers: ACS identities (with their custom ids), Teams
//! Phone extension assignments and APIM users.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::emulator::defaults;

/// The version of the state file format.
pub(crate) const FORMAT_VERSION: u32 = 1;

/// Everything that survives a restart when a state file is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct State {
    /// The state file format version.
    pub version: u32,
    /// ACS identities alive, by full id (`8:acs:…`).
    pub identities: BTreeMap<String, Identity>,
    /// Users of the one APIM service, by lower-cased user id.
    pub apim_users: BTreeMap<String, ApimUser>,
    /// The identity each `customId` names (2025-03-02-preview), by custom id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub custom_ids: BTreeMap<String, String>,
    /// Teams Phone extension assignments, by [`TeamsExtensionAssignment::key`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub teams_extension_assignments: BTreeMap<String, TeamsExtensionAssignment>,
    /// ARM long-running operations (asynchronous APIM user deletes), by id;
    /// kept after they finish so their status can be asked again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub arm_operations: BTreeMap<String, ArmOperation>,
}

/// An ACS communication identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Identity {
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When its tokens were last revoked; tokens issued before are invalid.
    #[serde(default)]
    pub tokens_revoked_at: Option<DateTime<Utc>>,
    /// The `customId` it was created with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// When a token was last issued for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_token_issued_at: Option<DateTime<Utc>>,
}

/// An asynchronous delete of an APIM user, as ARM reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ArmOperation {
    /// The user to delete, by lower-cased id.
    pub user_key: String,
    /// The `If-Match` sent with the delete, checked again when it completes.
    pub if_match: String,
    /// Status checks still answered `InProgress`.
    pub polls_left: u32,
    /// Where it stands.
    pub status: ArmOperationStatus,
    /// When it was accepted.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// Why it failed: ARM error code and message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<(String, String)>,
}

/// The statuses ARM reports for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum ArmOperationStatus {
    /// Still running.
    InProgress,
    /// Done.
    Succeeded,
    /// Ended without doing it.
    Failed,
}

impl ArmOperationStatus {
    /// The wire name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ArmOperationStatus::InProgress => "InProgress",
            ArmOperationStatus::Succeeded => "Succeeded",
            ArmOperationStatus::Failed => "Failed",
        }
    }
}

/// Which Entra principal of which tenant may exchange its token for an ACS
/// token through the Teams Phone extension, and from which client apps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsExtensionAssignment {
    /// The principal's tenant (a lower-case UUID).
    pub tenant_id: String,
    /// The principal's object id (a lower-case UUID).
    pub object_id: String,
    /// `user` or `resourceAccount`.
    pub principal_type: String,
    /// The client (application) ids allowed to exchange, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_ids: Option<Vec<String>>,
}

impl TeamsExtensionAssignment {
    /// The map key of the assignment of `object_id` in `tenant_id` (both
    /// lower-case UUIDs).
    pub(crate) fn key(tenant_id: &str, object_id: &str) -> String {
        format!("{tenant_id}/{object_id}")
    }
}

/// An APIM user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApimUser {
    /// The user id as created (ARM names compare case-insensitively).
    pub name: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email address.
    pub email: String,
    /// `active`, `blocked`, `pending` or `deleted`.
    pub state: String,
    /// Optional note.
    #[serde(default)]
    pub note: Option<String>,
    /// When the user registered.
    pub registration_date: DateTime<Utc>,
    /// Sign-in identities.
    #[serde(default)]
    pub identities: Vec<ApimUserIdentity>,
    /// Bumped on every change; the ETag derives from it.
    pub version: u64,
}

/// An APIM user's sign-in identity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ApimUserIdentity {
    /// `Basic`, `Azure`, `AadB2C`, …
    pub provider: String,
    /// The identity's id in that provider.
    pub id: String,
}

impl State {
    /// The state at first start: no identities, and the APIM service's
    /// administrator `1` plus the spec example's `userId1718`.
    pub(crate) fn seed() -> Self {
        let [admin, example] = defaults::APIM_SEED_USERS;
        let registered = Utc
            .with_ymd_and_hms(2018, 1, 7, 21, 21, 29)
            .single()
            .unwrap_or_default();
        let users = [
            ApimUser {
                name: admin.to_string(),
                first_name: "Administrator".to_string(),
                last_name: String::new(),
                email: "admin@contoso.com".to_string(),
                state: "active".to_string(),
                note: None,
                registration_date: registered,
                identities: vec![ApimUserIdentity {
                    provider: "Azure".to_string(),
                    id: "admin@contoso.com".to_string(),
                }],
                version: 1,
            },
            ApimUser {
                name: example.to_string(),
                first_name: "foo".to_string(),
                last_name: "bar".to_string(),
                email: "foobar@outlook.com".to_string(),
                state: "active".to_string(),
                note: None,
                registration_date: registered,
                identities: vec![ApimUserIdentity {
                    provider: "Basic".to_string(),
                    id: "foobar@outlook.com".to_string(),
                }],
                version: 1,
            },
        ];
        State {
            version: FORMAT_VERSION,
            identities: BTreeMap::new(),
            custom_ids: BTreeMap::new(),
            teams_extension_assignments: BTreeMap::new(),
            arm_operations: BTreeMap::new(),
            apim_users: users
                .into_iter()
                .map(|user| (user.name.to_lowercase(), user))
                .collect(),
        }
    }
}
