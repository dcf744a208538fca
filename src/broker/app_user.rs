//! The app user a request comes from, `(iss, sub)` of its validated token,
//! and the ids derived from it (ACS `customId`, APIM user id).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The longest `customId` ACS accepts.
pub const MAX_CUSTOM_ID: usize = 256;

/// An app user: the issuer and subject of their access token.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AppUser {
    /// `iss`, exactly as in the token.
    pub issuer: String,
    /// `sub`.
    pub subject: String,
}

impl AppUser {
    /// A user of `issuer` known as `subject`.
    pub fn new(issuer: impl Into<String>, subject: impl Into<String>) -> Self {
        AppUser {
            issuer: issuer.into(),
            subject: subject.into(),
        }
    }

    /// SHA-256 of the length-prefixed issuer and subject: ids derived from
    /// it carry no personal data and cannot collide by concatenation.
    fn digest(&self) -> [u8; 32] {
        let mut digest = Sha256::new();
        for part in [&self.issuer, &self.subject] {
            digest.update((part.len() as u64).to_be_bytes());
            digest.update(part.as_bytes());
        }
        digest.finalize().into()
    }

    /// The ACS `customId` of this user's identity number `generation`
    /// (bumped by every delete, so a deleted identity's id is never reused):
    /// `aut1.<base64url SHA-256 of (iss, sub)>.<generation>`, 50–65 characters.
    pub fn custom_id(&self, generation: i64) -> String {
        let id = format!(
            "aut1.{}.{generation}",
            URL_SAFE_NO_PAD.encode(self.digest())
        );
        debug_assert!(id.len() <= MAX_CUSTOM_ID);
        id
    }

    /// The APIM user id of this user: `aut-` and 40 hex digits of the digest
    /// (APIM allows 1–80 characters, no `/`).
    pub fn apim_user_id(&self) -> String {
        let hex: String = self.digest()[..20]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("aut-{hex}")
    }
}

// Subjects are personal data: logs show a short digest, not the values.
impl fmt::Debug for AppUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AppUser({})", &self.apim_user_id()[4..16])
    }
}

/// A caller whose token was validated: who they are and the token's claims
/// (for the roles and APIM claims).
#[derive(Debug, Clone)]
pub struct Caller {
    /// `(iss, sub)`.
    pub user: AppUser,
    /// All claims of the token.
    pub claims: Map<String, Value>,
}

impl Caller {
    /// Whether the claim `claim` (an array of strings, or one string of
    /// space-separated values, as `scp` is) contains `role`.
    pub fn has_role(&self, claim: &str, role: &str) -> bool {
        match self.claims.get(claim) {
            Some(Value::Array(values)) => values.iter().any(|v| v.as_str() == Some(role)),
            Some(Value::String(text)) => text.split_whitespace().any(|v| v == role),
            _ => false,
        }
    }

    /// A string claim.
    pub fn claim_str(&self, claim: &str) -> Option<&str> {
        self.claims
            .get(claim)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn custom_ids_are_stable_bounded_and_change_with_generation() {
        let user = AppUser::new("https://idp.example/", "alice");
        let id = user.custom_id(0);
        assert_eq!(id, user.custom_id(0));
        assert_ne!(id, user.custom_id(1));
        assert!(id.starts_with("aut1.") && id.ends_with(".0"));
        assert!(user.custom_id(i64::MAX).len() <= MAX_CUSTOM_ID);
        // No concatenation collisions.
        assert_ne!(
            AppUser::new("ab", "c").custom_id(0),
            AppUser::new("a", "bc").custom_id(0)
        );
        assert!(!id.contains("alice"));
    }

    #[test]
    fn apim_ids_fit_apim() {
        let id = AppUser::new("https://idp.example/", "alice").apim_user_id();
        assert_eq!(id.len(), 44);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn debug_hides_the_subject() {
        let user = AppUser::new("https://idp.example/", "alice@example.com");
        assert!(!format!("{user:?}").contains("alice"));
    }

    #[test]
    fn roles_as_array_or_space_separated() {
        let caller = |claims: Value| Caller {
            user: AppUser::new("i", "s"),
            claims: claims.as_object().unwrap().clone(),
        };
        assert!(caller(json!({"roles": ["a", "admin"]})).has_role("roles", "admin"));
        assert!(caller(json!({"roles": "a admin"})).has_role("roles", "admin"));
        assert!(!caller(json!({"roles": ["administrator"]})).has_role("roles", "admin"));
        assert!(!caller(json!({"roles": 1})).has_role("roles", "admin"));
        assert!(!caller(json!({})).has_role("roles", "admin"));
    }
}
