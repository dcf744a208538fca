//! The APIM users API's JSON bodies (2022-08-01 to 2024-05-01), owned by the emulator.

use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};

use crate::emulator::store::{ApimUser, ApimUserIdentity};

/// `User_CreateOrUpdate` / `User_Update` body.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserParameters {
    pub properties: Option<UserProperties>,
}

/// The writable user properties; the password is accepted and dropped.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserProperties {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub state: Option<String>,
    pub note: Option<String>,
    pub identities: Option<Vec<UserIdentity>>,
}

impl std::fmt::Debug for UserProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserProperties")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

/// A sign-in identity, on the wire.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserIdentity {
    pub provider: Option<String>,
    pub id: Option<String>,
}

/// `UserContract`.
#[derive(Debug, Serialize)]
pub(crate) struct UserContract {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub name: String,
    pub properties: UserContractProperties,
}

/// `UserContractProperties`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserContractProperties {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub state: String,
    pub note: Option<String>,
    pub registration_date: String,
    pub identities: Vec<UserIdentity>,
    pub groups: Vec<serde_json::Value>,
}

/// `UserCollection`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserCollection {
    pub value: Vec<UserContract>,
    pub count: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_link: Option<String>,
}

/// `User_GetSharedAccessToken` body.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct UserTokenParameters {
    pub properties: Option<UserTokenProperties>,
}

/// `{"keyType","expiry"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserTokenProperties {
    pub key_type: Option<String>,
    pub expiry: Option<String>,
}

/// `{"value": "<token>"}`.
#[derive(Serialize)]
pub(crate) struct UserTokenResult {
    pub value: String,
}

impl UserContract {
    /// The contract of a stored user, under the ARM id prefix `service_id`.
    pub(crate) fn of(user: &ApimUser, service_id: &str) -> Self {
        UserContract {
            id: format!("{service_id}/users/{}", user.name),
            kind: "Microsoft.ApiManagement/service/users",
            name: user.name.clone(),
            properties: UserContractProperties {
                first_name: user.first_name.clone(),
                last_name: user.last_name.clone(),
                email: user.email.clone(),
                state: user.state.clone(),
                note: user.note.clone(),
                registration_date: user
                    .registration_date
                    .to_rfc3339_opts(SecondsFormat::AutoSi, true),
                identities: user
                    .identities
                    .iter()
                    .map(|i| UserIdentity {
                        provider: Some(i.provider.clone()),
                        id: Some(i.id.clone()),
                    })
                    .collect(),
                groups: Vec::new(),
            },
        }
    }
}

impl UserIdentity {
    /// The stored form; both fields required.
    pub(crate) fn to_stored(&self) -> Option<ApimUserIdentity> {
        Some(ApimUserIdentity {
            provider: self.provider.clone().filter(|p| !p.is_empty())?,
            id: self.id.clone().filter(|i| !i.is_empty())?,
        })
    }
}
