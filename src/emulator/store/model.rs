//! What the emulator remembers: ACS identities and APIM users.

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
            apim_users: users
                .into_iter()
                .map(|user| (user.name.to_lowercase(), user))
                .collect(),
        }
    }
}
