//! The JSON each command prints: stable, documented shapes, each with a
//! JSON Schema (`schemars`). Times are RFC 3339 in UTC.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::apim::KeyType;

/// `identity user create`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserCreated {
    /// The new user's raw id.
    pub user_id: String,
    /// A token, when scopes were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// When that token expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_on: Option<DateTime<Utc>>,
}

/// `identity user show`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UserShown {
    /// The user's raw id.
    pub user_id: String,
    /// The custom id it was created with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// When a token was last issued for it, if ever.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_token_issued_at: Option<DateTime<Utc>>,
}

/// `identity teams-extension assignment delete`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AssignmentDeleted {
    /// The principal's tenant.
    pub tenant_id: String,
    /// The principal's object id.
    pub object_id: String,
    /// Always `deleted`.
    pub result: String,
}

/// `identity token issue`, `identity teams-extension exchange`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenIssued {
    /// The user the token is for.
    pub user_id: String,
    /// The access token.
    pub token: String,
    /// When it expires.
    pub expires_on: DateTime<Utc>,
}

/// `identity token get-for-teams-user`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TeamsToken {
    /// The Communication Services token.
    pub token: String,
    /// When it expires.
    pub expires_on: DateTime<Utc>,
}

/// `identity user delete`, `identity token revoke`, `apim user delete`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Done {
    /// The user acted on.
    pub user_id: String,
    /// What was done: `deleted` or `revoked`.
    pub result: String,
}

/// `apim user token`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ApimToken {
    /// The shared access token (compact form, as the API returns it).
    pub token: String,
    /// The APIM user id.
    pub user_id: String,
    /// The service key that signed it.
    pub key_type: KeyType,
    /// The token's own expiry (truncated to the minute).
    pub expiry: DateTime<Utc>,
}

/// `apim sas mint`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SasMinted {
    /// The token, compact form.
    pub token: String,
    /// Its expiry (truncated to the minute).
    pub expiry: DateTime<Utc>,
}

/// `apim sas verify`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SasVerified {
    /// Whether the signature matches the key and the token has not expired.
    pub valid: bool,
    /// The user id in the token.
    pub user_id: String,
    /// The expiry in the token.
    pub expiry: DateTime<Utc>,
}

/// `token inspect`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TokenInspection {
    /// `acs` (a JWT) or `apim` (a shared access token).
    pub kind: String,
    /// Always false: inspecting never checks signatures.
    pub signature_checked: bool,
    /// When the token expires.
    pub expires_on: DateTime<Utc>,
    /// Whether that is in the past.
    pub expired: bool,
    /// The APIM user id (APIM tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The JWT's claims (ACS tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claims: Option<serde_json::Value>,
}

/// `emulator --output json`: where the emulator serves and what it accepts,
/// printed on one line once it serves. Keys and secrets are printed when they
/// are the well-known defaults (public, like Azurite's account key); one set
/// with a flag or variable is `null`, never echoed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EmulatorStarted {
    /// `http://127.0.0.1:PORT` (`https://…` with `--tls`): ACS, ARM and Entra.
    pub endpoint: String,
    /// `endpoint=<endpoint>/;accesskey=<key>`, for ACS clients.
    pub connection_string: Option<String>,
    /// The ACS access key (base64).
    pub access_key: Option<String>,
    /// The ACS resource id, part of every user id.
    pub resource_id: String,
    /// The Entra token endpoint's settings.
    pub entra: EmulatorEntra,
    /// The APIM service that exists at start, and its keys.
    pub apim: EmulatorApim,
    /// `GET` it for the emulator's counters.
    pub stats_url: String,
    /// The state file, if any.
    pub state_file: Option<String>,
    /// The CA certificate (PEM) to trust, with `--tls`.
    pub tls_ca_certificate: Option<String>,
    /// Fault injection, when enabled.
    pub faults: Option<EmulatorFaults>,
}

/// The emulator's Entra settings (client credentials, and the password grant's default user).
#[derive(Debug, Serialize, JsonSchema)]
pub struct EmulatorEntra {
    /// The authority host: the emulator's endpoint.
    pub authority: String,
    /// The tenant.
    pub tenant_id: String,
    /// The client id the client-credentials grant accepts.
    pub client_id: String,
    /// Its client secret.
    pub client_secret: Option<String>,
    /// The well-known user the password grant always accepts (users added
    /// with `--user` are not listed: their passwords are secrets).
    pub user: String,
    /// That user's password (public, like the well-known client secret).
    pub user_password: String,
}

/// The emulator's APIM service.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EmulatorApim {
    /// The service's ARM resource URL on the emulator.
    pub resource_url: String,
    /// Its subscription.
    pub subscription_id: String,
    /// Its resource group.
    pub resource_group: String,
    /// Its name.
    pub service_name: String,
    /// The primary key (signs `primary` user tokens).
    pub primary_key: Option<String>,
    /// The secondary key (signs `secondary` user tokens).
    pub secondary_key: Option<String>,
}

/// The emulator's fault injection.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EmulatorFaults {
    /// Fraction of requests answered with a fault.
    pub rate: f64,
    /// Seed of the fault sequence.
    pub seed: u64,
    /// The delay faults ask for, in milliseconds.
    pub retry_after_ms: u64,
}

/// Every shape's JSON Schema, by command (documentation and tests).
pub fn schemas() -> Vec<(&'static str, schemars::schema::RootSchema)> {
    use schemars::schema_for;
    vec![
        ("identity user create", schema_for!(UserCreated)),
        ("identity user show", schema_for!(UserShown)),
        (
            "identity token issue / identity teams-extension exchange",
            schema_for!(TokenIssued),
        ),
        ("identity token get-for-teams-user", schema_for!(TeamsToken)),
        (
            "identity user delete / identity token revoke / apim user delete",
            schema_for!(Done),
        ),
        (
            "identity teams-extension assignment show / set",
            schema_for!(crate::identity::TeamsExtensionAssignment),
        ),
        (
            "identity teams-extension assignment delete",
            schema_for!(AssignmentDeleted),
        ),
        ("apim user token", schema_for!(ApimToken)),
        (
            "apim user show / create",
            schema_for!(crate::apim::ApimUser),
        ),
        ("apim user list", schema_for!(Vec<crate::apim::ApimUser>)),
        ("apim sas mint", schema_for!(SasMinted)),
        ("apim sas verify", schema_for!(SasVerified)),
        ("token inspect", schema_for!(TokenInspection)),
        ("emulator --output json", schema_for!(EmulatorStarted)),
        (
            "specs diff (also `specs diff --schema`)",
            schema_for!(crate::codegen::diff::SpecDiff),
        ),
    ]
}
