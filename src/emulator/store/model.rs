//! What the emulator remembers: ACS identities (with their custom ids), Teams
//! Phone extension assignments, APIM users and ARM long-running operations.

use chrono::{DateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use super::table::{Journaled, Table};
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
    pub identities: Table<Identity>,
    /// Users of the one APIM service, by lower-cased user id.
    pub apim_users: Table<ApimUser>,
    // The collections below came after the first state files: `default`
    // loads a file written without them.
    /// The identity each `customId` names (2025-03-02-preview), by custom id.
    #[serde(default)]
    pub custom_ids: Table<String>,
    /// Teams Phone extension assignments, by [`TeamsExtensionAssignment::key`].
    #[serde(default)]
    pub teams_extension_assignments: Table<TeamsExtensionAssignment>,
    /// ARM long-running operations (asynchronous APIM user deletes), by id;
    /// kept after they finish so their status can be asked again.
    #[serde(default)]
    pub arm_operations: Table<ArmOperation>,
}

impl State {
    /// Every collection, by its name in the file. A new collection is a
    /// `Table` field plus one line here (a test checks none is missing).
    pub(crate) fn collections_mut(&mut self) -> Vec<(&'static str, &mut dyn Journaled)> {
        vec![
            ("identities", &mut self.identities),
            ("apimUsers", &mut self.apim_users),
            ("customIds", &mut self.custom_ids),
            (
                "teamsExtensionAssignments",
                &mut self.teams_extension_assignments,
            ),
            ("armOperations", &mut self.arm_operations),
        ]
    }
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
            identities: Table::default(),
            custom_ids: Table::default(),
            teams_extension_assignments: Table::default(),
            arm_operations: Table::default(),
            apim_users: users
                .into_iter()
                .map(|user| (user.name.to_lowercase(), user))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A collection added to `State` but not to `collections_mut` would be
    /// saved only by compaction, and lost on a crash: this catches it.
    #[test]
    fn every_collection_is_journaled() {
        let mut state = State::seed();
        let on_disk = serde_json::to_value(&state).unwrap();
        let mut fields: Vec<&str> = on_disk
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|field| *field != "version")
            .collect();
        fields.sort_unstable();
        let mut journaled: Vec<&str> = state
            .collections_mut()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        journaled.sort_unstable();
        assert_eq!(
            fields, journaled,
            "add the new collection to State::collections_mut"
        );
    }

    /// A state file from before custom ids, assignments and ARM operations
    /// (and an identity without their fields) still loads.
    #[test]
    fn an_older_state_file_loads() {
        let older = serde_json::json!({
            "version": FORMAT_VERSION,
            "identities": {"8:acs:a": {"createdAt": "2024-01-01T00:00:00Z"}},
            "apimUsers": {},
        });
        let state: State = serde_json::from_value(older).unwrap();
        let identity = &state.identities["8:acs:a"];
        assert_eq!(identity.custom_id, None);
        assert_eq!(identity.last_token_issued_at, None);
        assert!(state.custom_ids.is_empty());
        assert!(state.teams_extension_assignments.is_empty());
        assert!(state.arm_operations.is_empty());
    }
}
