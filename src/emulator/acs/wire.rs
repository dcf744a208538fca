//! The ACS identity API's JSON bodies (DESIGN §4), owned by the emulator.

use serde::{Deserialize, Serialize};

/// `POST /identities` body; every field optional, `null` accepted.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateIdentityRequest {
    pub create_token_with_scopes: Option<Vec<String>>,
    pub expires_in_minutes: Option<i64>,
    /// Only read under api-versions that have it (2025-03-02-preview).
    pub custom_id: Option<String>,
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

/// `{"id"}`, plus `customId` and `lastTokenIssuedAt` under api-versions
/// that have them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommunicationIdentity {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_token_issued_at: Option<String>,
}

impl CommunicationIdentity {
    /// Just the id (what every version before 2025-03-02-preview returns).
    pub(crate) fn id_only(id: String) -> Self {
        CommunicationIdentity {
            id,
            custom_id: None,
            last_token_issued_at: None,
        }
    }
}

/// `PUT …/assignments/{objectId}` body. Unknown principal types are kept as
/// text so the check can name them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssignmentRequest {
    pub principal_type: Option<String>,
    pub client_ids: Option<Vec<String>>,
}

/// `{"objectId","tenantId","principalType","clientIds"?}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssignmentResponse {
    pub object_id: String,
    pub tenant_id: String,
    pub principal_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ids: Option<Vec<String>>,
}

/// `POST /identities` response.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreateIdentityResponse {
    pub identity: CommunicationIdentity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
}
