//! Entra access tokens: minted by the emulator's token endpoints, checked on
//! ACS and ARM calls that bring a bearer token.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::emulator::app::App;
use crate::emulator::jwt::{self, JwtError};

/// The audience of bearer tokens for Communication Services.
pub(crate) const ACS_AUDIENCE: &str = "https://communication.azure.com";
/// The audience of bearer tokens for Azure Resource Manager.
pub(crate) const ARM_AUDIENCE: &str = "https://management.azure.com";
/// How long the token endpoints' tokens live.
pub(crate) const TOKEN_LIFETIME: Duration = Duration::hours(1);

/// What an Entra access token minted by the emulator asserts.
///
/// [`Emulator::mint_entra_token`](crate::emulator::Emulator::mint_entra_token)
/// signs any of these, expired or not yet valid ones included, for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntraTokenClaims {
    /// `aud`: the resource, e.g. `https://management.azure.com`.
    pub audience: String,
    /// `appid`: the application (client) id.
    pub app_id: String,
    /// `oid`: the object id of the user or service principal.
    pub object_id: String,
    /// `nbf`: not valid before.
    pub not_before: DateTime<Utc>,
    /// `exp`: not valid from.
    pub expires_at: DateTime<Utc>,
}

impl EntraTokenClaims {
    /// Claims valid from now for `lifetime` (negative for an expired token).
    pub fn new(
        audience: impl Into<String>,
        app_id: impl Into<String>,
        object_id: impl Into<String>,
        lifetime: Duration,
    ) -> Self {
        let now = Utc::now();
        EntraTokenClaims {
            audience: audience.into(),
            app_id: app_id.into(),
            object_id: object_id.into(),
            not_before: now.min(now + lifetime),
            expires_at: now + lifetime,
        }
    }
}

/// Why a bearer token was refused. The descriptions name no secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BearerRejection {
    Malformed,
    ForeignSignature,
    Expired,
    NotYetValid,
    WrongAudience,
    WrongTenant,
}

impl BearerRejection {
    /// A message for the error body.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            BearerRejection::Malformed => "The bearer token is malformed.",
            BearerRejection::ForeignSignature => {
                "The bearer token was not issued by this emulator's Entra endpoint."
            }
            BearerRejection::Expired => "The bearer token has expired.",
            BearerRejection::NotYetValid => "The bearer token is not valid yet.",
            BearerRejection::WrongAudience => "The bearer token is for another audience.",
            BearerRejection::WrongTenant => "The bearer token is for another tenant.",
        }
    }
}

/// Signs claims into a v2.0 token of the emulator's tenant (ES256, with the
/// `kid` of the key its JWKS publishes).
pub(crate) fn mint(app: &App, claims: &EntraTokenClaims) -> String {
    let tenant = app.config.tenant_id();
    let now = Utc::now().timestamp();
    jwt::encode(
        &json!({
            "aud": claims.audience,
            "iss": app.entra_issuer(),
            "iat": now.min(claims.expires_at.timestamp()),
            "nbf": claims.not_before.timestamp(),
            "exp": claims.expires_at.timestamp(),
            "appid": claims.app_id,
            "azp": claims.app_id,
            "oid": claims.object_id,
            "sub": claims.object_id,
            "tid": tenant,
            "ver": "2.0",
        }),
        &app.keys.entra,
    )
}

/// Checks signature, `nbf`, `exp` and tenant; returns the claims.
pub(crate) fn verify(app: &App, token: &str) -> Result<Map<String, Value>, BearerRejection> {
    let claims = jwt::decode(token, &app.keys.entra).map_err(|e| match e {
        JwtError::Malformed => BearerRejection::Malformed,
        JwtError::BadSignature => BearerRejection::ForeignSignature,
    })?;
    let now = Utc::now().timestamp();
    let exp = claims.get("exp").and_then(Value::as_i64);
    let nbf = claims
        .get("nbf")
        .and_then(Value::as_i64)
        .unwrap_or(i64::MIN);
    match exp {
        None => return Err(BearerRejection::Malformed),
        Some(exp) if exp <= now => return Err(BearerRejection::Expired),
        Some(_) if nbf > now => return Err(BearerRejection::NotYetValid),
        Some(_) => {}
    }
    let tenant = claims.get("tid").and_then(Value::as_str).unwrap_or("");
    if !tenant.eq_ignore_ascii_case(app.config.tenant_id()) {
        return Err(BearerRejection::WrongTenant);
    }
    Ok(claims)
}

/// [`verify`], and the audience must be `audience` (trailing `/` ignored).
pub(crate) fn verify_for(
    app: &App,
    token: &str,
    audience: &str,
) -> Result<Map<String, Value>, BearerRejection> {
    let claims = verify(app, token)?;
    let aud = claims.get("aud").and_then(Value::as_str).unwrap_or("");
    if normalize_audience(aud) != normalize_audience(audience) {
        return Err(BearerRejection::WrongAudience);
    }
    Ok(claims)
}

/// The token from an `Authorization: Bearer …` value.
pub(crate) fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// An audience compared without case or trailing `/`.
pub(crate) fn normalize_audience(audience: &str) -> String {
    audience.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// A stable object id for a name (a user name, a client id): the name itself
/// when it is a UUID, else a UUID derived from it.
pub(crate) fn object_id_for(name: &str) -> String {
    if let Ok(uuid) = uuid::Uuid::parse_str(name) {
        return uuid.hyphenated().to_string();
    }
    let digest = Sha256::digest(format!("azure-user-tokens emulator object id\0{name}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("HMAC-SHA256 x"), None);
    }

    #[test]
    fn audiences_ignore_trailing_slashes_and_case() {
        assert_eq!(
            normalize_audience("https://Communication.azure.com/"),
            normalize_audience(ACS_AUDIENCE)
        );
    }

    #[test]
    fn object_ids_are_stable_uuids() {
        let a = object_id_for("alice@contoso.com");
        assert_eq!(a, object_id_for("alice@contoso.com"));
        assert_ne!(a, object_id_for("bob@contoso.com"));
        assert!(uuid::Uuid::parse_str(&a).is_ok());
        let id = "11111111-2222-3333-4444-555555555555";
        assert_eq!(object_id_for(id), id);
    }
}
