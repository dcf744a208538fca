//! Why a bearer token was refused. Each reason has a fixed description (RFC
//! 6750 `error_description`): no part of the token is ever echoed, in the
//! answer or in logs.

/// A refused token (401), or keys that could not be had (503).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthError {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// Not a compact JWS with a readable JSON header and payload.
    Malformed,
    /// `alg` is not RS256 or ES256 (`none`, HMAC and the like are refused).
    UnsupportedAlgorithm,
    /// The header names no `kid`.
    MissingKeyId,
    /// No key with the token's `kid` in the issuer's JWKS (after a refetch,
    /// at most once per refetch interval).
    UnknownKey,
    /// The key's type or algorithm does not match the token's `alg`.
    KeyMismatch,
    /// The signature does not verify.
    BadSignature,
    /// `exp` has passed (beyond the leeway).
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    NotYetValid,
    /// `iss` is not the configured issuer.
    WrongIssuer,
    /// `aud` does not name the configured audience.
    WrongAudience,
    /// A required claim (`exp`, `iss`, `aud`, `sub`) is missing or not of its type.
    MissingClaim,
    /// The issuer's discovery document or JWKS could not be fetched or read.
    KeysUnavailable,
}

impl AuthError {
    /// The `error_description` (fixed text, safe to log).
    pub fn describe(self) -> &'static str {
        match self {
            AuthError::Missing => "no bearer token: send Authorization: Bearer <access token>",
            AuthError::Malformed => "the token is not a well-formed JWT",
            AuthError::UnsupportedAlgorithm => "the token's algorithm is not RS256 or ES256",
            AuthError::MissingKeyId => "the token's header has no kid",
            AuthError::UnknownKey => "the token's kid is not among the issuer's keys",
            AuthError::KeyMismatch => {
                "the issuer's key for this kid does not fit the token's algorithm"
            }
            AuthError::BadSignature => "the token's signature does not verify",
            AuthError::Expired => "the token has expired",
            AuthError::NotYetValid => "the token is not valid yet (nbf)",
            AuthError::WrongIssuer => "the token is from another issuer",
            AuthError::WrongAudience => "the token is for another audience",
            AuthError::MissingClaim => "the token lacks a required claim (exp, iss, aud or sub)",
            AuthError::KeysUnavailable => {
                "the identity provider's keys cannot be fetched right now"
            }
        }
    }

    /// A short label for metrics.
    pub fn label(self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Malformed => "malformed",
            AuthError::UnsupportedAlgorithm => "algorithm",
            AuthError::MissingKeyId => "no_kid",
            AuthError::UnknownKey => "unknown_kid",
            AuthError::KeyMismatch => "key_mismatch",
            AuthError::BadSignature => "signature",
            AuthError::Expired => "expired",
            AuthError::NotYetValid => "not_yet_valid",
            AuthError::WrongIssuer => "issuer",
            AuthError::WrongAudience => "audience",
            AuthError::MissingClaim => "claims",
            AuthError::KeysUnavailable => "keys_unavailable",
        }
    }

    /// Whether it is the server's problem (503) rather than the token's (401).
    pub fn is_unavailable(self) -> bool {
        self == AuthError::KeysUnavailable
    }

    /// The `WWW-Authenticate` value (RFC 6750 §3).
    pub fn www_authenticate(self) -> String {
        format!(
            r#"Bearer error="invalid_token", error_description="{}""#,
            self.describe()
        )
    }
}

impl std::fmt::Display for AuthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

impl std::error::Error for AuthError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_are_valid_quoted_strings() {
        for error in [
            AuthError::Missing,
            AuthError::Malformed,
            AuthError::UnsupportedAlgorithm,
            AuthError::MissingKeyId,
            AuthError::UnknownKey,
            AuthError::KeyMismatch,
            AuthError::BadSignature,
            AuthError::Expired,
            AuthError::NotYetValid,
            AuthError::WrongIssuer,
            AuthError::WrongAudience,
            AuthError::MissingClaim,
            AuthError::KeysUnavailable,
        ] {
            // RFC 6750: error_description is %x20-21 / %x23-5B / %x5D-7E.
            assert!(
                error
                    .describe()
                    .bytes()
                    .all(|b| (0x20..=0x7e).contains(&b) && b != b'"' && b != b'\\'),
                "{error:?}"
            );
        }
    }
}
