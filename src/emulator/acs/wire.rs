//! The ACS identity API's JSON bodies (DESIGN §4), owned by the emulator.

use serde::{Deserialize, Serialize};

/// `POST /identities` body; every field optional, `null` accepted.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateIdentityRequest {
    pub create_token_with_scopes: Option<Vec<String>>,
    pub expires_in_minutes: Option<i64>,
}

/// `POST /identities/{id}/:issueAccessToken` body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IssueTokenRequest {
    pub scopes: Option<Vec<String>>,
    pub expires_in_minutes: Option<i64>,
}

/// `POST /teamsUser/:exchangeAccessToken` body.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TeamsExchangeRequest {
    pub token: Option<String>,
    pub app_id: Option<String>,
    pub user_id: Option<String>,
}

/// `{"token","expiresOn"}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessToken {
    pub token: String,
    pub expires_on: String,
}

/// `{"id"}`.
#[derive(Debug, Serialize)]
pub(crate) struct CommunicationIdentity {
    pub id: String,
}

/// `POST /identities` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateIdentityResponse {
    pub identity: CommunicationIdentity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
}
