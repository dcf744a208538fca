//! Who is calling: the app's OIDC access token, validated as a resource
//! server does (signature RS256/ES256 with the issuer's published keys,
//! `iss` exact, `aud`, `exp`/`nbf` with a small leeway, `sub` present).

mod discovery;
mod keys;
mod rejection;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sha2::{Digest, Sha256};

use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, Validation};
use serde_json::{Map, Value};

pub use rejection::AuthError;

use super::app_user::{AppUser, Caller};
use discovery::KeyFetcher;
use keys::Keys;

/// The largest leeway accepted for `exp`/`nbf` (DESIGN §8: at most 5 minutes).
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// Tokens remembered as valid, at most.
const MAX_REMEMBERED: usize = 100_000;

/// Validated callers by SHA-256 of their token, with the token's `exp`.
type Remembered = HashMap<[u8; 32], (Arc<Caller>, i64)>;

/// Validates bearer tokens of one issuer for one audience.
pub struct Authenticator {
    issuer: String,
    audience: String,
    leeway: Duration,
    keys: Keys,
    /// Tokens already validated, by SHA-256 of the token (never the token
    /// itself), until their `exp`: an app sends the same token many times,
    /// and a signature check costs more than the rest of a cached request.
    remembered: Mutex<Remembered>,
}

impl Authenticator {
    /// For tokens of `issuer` (its discovery document is at
    /// `<issuer>/.well-known/openid-configuration`) whose `aud` names
    /// `audience`. `refetch_interval` bounds JWKS refetches for unknown
    /// `kid`s (30 s is usual).
    pub fn new(
        issuer: &str,
        audience: &str,
        leeway: Duration,
        refetch_interval: Duration,
    ) -> crate::Result<Self> {
        if audience.trim().is_empty() {
            return Err(crate::Error::validation("audience", "must not be empty"));
        }
        if leeway > MAX_LEEWAY {
            return Err(crate::Error::validation(
                "leeway",
                format!("{} s is more than the 300 s allowed", leeway.as_secs()),
            ));
        }
        // Another crate may have chosen a provider: keep it.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        Ok(Authenticator {
            issuer: issuer.to_string(),
            audience: audience.to_string(),
            leeway,
            keys: Keys::new(
                KeyFetcher::new(issuer)?,
                refetch_interval,
                Duration::from_secs(24 * 3600),
            ),
            remembered: Mutex::new(HashMap::new()),
        })
    }

    /// Fetches the keys now (at start, so the first request does not wait).
    pub async fn prefetch(&self) -> Result<usize, String> {
        self.keys.prefetch().await
    }

    /// Whether the issuer's keys are loaded.
    pub async fn keys_loaded(&self) -> bool {
        self.keys.loaded().await
    }

    /// The caller an `Authorization` header value proves, or why not.
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<Arc<Caller>, AuthError> {
        let token = authorization
            .and_then(bearer_token)
            .ok_or(AuthError::Missing)?;
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        let leeway = i64::try_from(self.leeway.as_secs()).unwrap_or(0);
        if let Some((caller, exp)) = self
            .remembered
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&digest)
            && now < exp.saturating_add(leeway)
        {
            return Ok(caller.clone());
        }
        let caller = Arc::new(self.validate(token).await?);
        if let Some(exp) = caller.claims.get("exp").and_then(Value::as_i64) {
            let mut remembered = self.remembered.lock().unwrap_or_else(|e| e.into_inner());
            if remembered.len() >= MAX_REMEMBERED {
                remembered.retain(|_, (_, exp)| now < exp.saturating_add(leeway));
                if remembered.len() >= MAX_REMEMBERED {
                    remembered.clear();
                }
            }
            remembered.insert(digest, (caller.clone(), exp));
        }
        Ok(caller)
    }

    /// The full check: algorithm, key, signature, claims.
    async fn validate(&self, token: &str) -> Result<Caller, AuthError> {
        // The algorithm is checked on the raw header first, so `none`, HMAC
        // and every other algorithm are refused as such, before any key is used.
        if !matches!(raw_algorithm(token)?.as_str(), "RS256" | "ES256") {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(AuthError::UnsupportedAlgorithm);
        }
        let kid = header.kid.as_deref().ok_or(AuthError::MissingKeyId)?;
        let key = self.keys.key(kid).await?;
        if key.algorithm != header.alg {
            return Err(AuthError::KeyMismatch);
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = self.leeway.as_secs();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.key, &validation)
            .map_err(|e| rejection_of(e.kind()))?;
        let claims = data.claims;
        // Belt and braces: the two claims that name the user are strings.
        let issuer = claims.get("iss").and_then(Value::as_str);
        let subject = claims.get("sub").and_then(Value::as_str);
        match (issuer, subject) {
            (Some(issuer), Some(subject)) if issuer == self.issuer && !subject.is_empty() => {
                Ok(Caller {
                    user: AppUser::new(issuer, subject),
                    claims,
                })
            }
            (Some(issuer), _) if issuer != self.issuer => Err(AuthError::WrongIssuer),
            _ => Err(AuthError::MissingClaim),
        }
    }
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

/// The token from an `Authorization: Bearer …` value.
fn bearer_token(authorization: &str) -> Option<&str> {
    let (scheme, token) = authorization.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("Bearer")
        .then(|| token.trim())
        .filter(|token| !token.is_empty())
}

/// The `alg` of a compact JWS's header, read without trusting anything else.
fn raw_algorithm(token: &str) -> Result<String, AuthError> {
    use base64::Engine;
    let mut parts = token.split('.');
    let (Some(header), Some(_), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .map_err(|_| AuthError::Malformed)?;
    let header: Value = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    header
        .get("alg")
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(AuthError::Malformed)
}

fn rejection_of(kind: &JwtErrorKind) -> AuthError {
    match kind {
        JwtErrorKind::InvalidSignature => AuthError::BadSignature,
        JwtErrorKind::ExpiredSignature => AuthError::Expired,
        JwtErrorKind::ImmatureSignature => AuthError::NotYetValid,
        JwtErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        JwtErrorKind::InvalidAudience => AuthError::WrongAudience,
        JwtErrorKind::MissingRequiredClaim(_)
        | JwtErrorKind::InvalidClaimFormat(_)
        | JwtErrorKind::InvalidSubject => AuthError::MissingClaim,
        JwtErrorKind::InvalidAlgorithm
        | JwtErrorKind::InvalidAlgorithmName
        | JwtErrorKind::MissingAlgorithm
        | JwtErrorKind::UnsupportedAlgorithm => AuthError::UnsupportedAlgorithm,
        JwtErrorKind::InvalidEcdsaKey
        | JwtErrorKind::InvalidRsaKey(_)
        | JwtErrorKind::InvalidKeyFormat => AuthError::KeyMismatch,
        _ => AuthError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_header_parsing() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer  abc "), Some("abc"));
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("abc"), None);
    }

    #[test]
    fn settings_are_checked() {
        let refetch = Duration::from_secs(30);
        let ok = Authenticator::new("https://idp.example", "api://x", MAX_LEEWAY, refetch);
        assert!(ok.is_ok());
        let long = Authenticator::new(
            "https://idp.example",
            "api://x",
            MAX_LEEWAY + Duration::from_secs(1),
            refetch,
        );
        assert_eq!(long.unwrap_err().field(), Some("leeway"));
        let plain = Authenticator::new("http://idp.example", "api://x", MAX_LEEWAY, refetch);
        assert_eq!(plain.unwrap_err().field(), Some("issuer"));
        let empty = Authenticator::new("https://idp.example", " ", MAX_LEEWAY, refetch);
        assert_eq!(empty.unwrap_err().field(), Some("audience"));
    }
}
