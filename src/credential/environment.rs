//! Client secret credentials configured through environment variables.

use super::{ClientSecretCredential, DEFAULT_AUTHORITY, TokenCredential};
use crate::AccessToken;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;

/// The variables read, in the official SDKs' names.
pub const VARIABLES: [&str; 3] = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"];

/// A [`ClientSecretCredential`] from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
/// `AZURE_CLIENT_SECRET` (and `AZURE_AUTHORITY_HOST`).
#[derive(Debug)]
pub struct EnvironmentCredential {
    inner: ClientSecretCredential,
}

impl EnvironmentCredential {
    /// Reads the process environment. `Ok(None)` when none of the variables
    /// is set; an error when only some are.
    pub fn from_env() -> Result<Option<Self>> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads variables through `lookup` (tests, or another configuration source).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>> {
        let values: Vec<Option<String>> = VARIABLES
            .iter()
            .map(|name| lookup(name).filter(|v| !v.is_empty()))
            .collect();
        match values.as_slice() {
            [None, None, None] => Ok(None),
            [Some(tenant), Some(client), Some(secret)] => {
                let authority =
                    lookup("AZURE_AUTHORITY_HOST").unwrap_or_else(|| DEFAULT_AUTHORITY.into());
                let inner = ClientSecretCredential::with_authority(
                    tenant.as_str(),
                    client.as_str(),
                    secret.as_str(),
                    &authority,
                )?;
                Ok(Some(EnvironmentCredential { inner }))
            }
            _ => {
                let missing: Vec<&str> = VARIABLES
                    .iter()
                    .zip(&values)
                    .filter(|(_, v)| v.is_none())
                    .map(|(name, _)| *name)
                    .collect();
                Err(Error::new(
                    ErrorKind::Credential,
                    format!(
                        "the environment credential is partly configured: set {}",
                        missing.join(", ")
                    ),
                ))
            }
        }
    }

    /// Uses this HTTP client for token requests.
    pub fn with_http_client(self, http: reqwest::Client) -> Self {
        EnvironmentCredential {
            inner: self.inner.with_http_client(http),
        }
    }
}

impl TokenCredential for EnvironmentCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        self.inner.get_token(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn nothing_set_means_not_configured() {
        assert!(
            EnvironmentCredential::from_lookup(lookup(&[]))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn all_set_builds_a_credential() {
        let env = lookup(&[
            ("AZURE_TENANT_ID", "t"),
            ("AZURE_CLIENT_ID", "c"),
            ("AZURE_CLIENT_SECRET", "s3cret"),
            ("AZURE_AUTHORITY_HOST", "http://127.0.0.1:1"),
        ]);
        let credential = EnvironmentCredential::from_lookup(env).unwrap().unwrap();
        assert!(!format!("{credential:?}").contains("s3cret"));
    }

    #[test]
    fn partial_configuration_names_what_is_missing() {
        let err =
            EnvironmentCredential::from_lookup(lookup(&[("AZURE_TENANT_ID", "t")])).unwrap_err();
        assert!(err.message().contains("AZURE_CLIENT_ID"), "{err}");
        assert!(err.message().contains("AZURE_CLIENT_SECRET"), "{err}");
        assert!(!err.message().contains("AZURE_TENANT_ID"), "{err}");
    }
}
