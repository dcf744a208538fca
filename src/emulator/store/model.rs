//! What the emulator remembers: ACS identities and APIM users.

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
}

impl State {
    /// Every collection, by its name in the file. A new collection is a
    /// `Table` field plus one line here (a test checks none is missing).
    pub(crate) fn collections_mut(&mut self) -> Vec<(&'static str, &mut dyn Journaled)> {
        vec![
            ("identities", &mut self.identities),
            ("apimUsers", &mut self.apim_users),
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
}
