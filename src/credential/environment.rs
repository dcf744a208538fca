//! Client secret credentials configured through environment variables.

use super::{ClientSecretCredential, ClientSecretCredentialOptions, TokenCredential};
use crate::AccessToken;
use crate::Secret;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;

/// The variables read, in the official SDKs' names.
pub const VARIABLES: [&str; 3] = ["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"];

/// A [`ClientSecretCredential`] from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`,
/// `AZURE_CLIENT_SECRET` (and `AZURE_AUTHORITY_HOST`, unless the options name
/// an authority host).
///
/// ```
/// use azure_user_tokens::credential::EnvironmentCredential;
/// match EnvironmentCredential::from_env(None)? {
///     Some(credential) => println!("configured: {credential:?}"),
///     None => println!("AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET are not set"),
/// }
/// # Ok::<(), azure_user_tokens::Error>(())
/// ```
#[derive(Debug)]
pub struct EnvironmentCredential {
    inner: ClientSecretCredential,
}

impl EnvironmentCredential {
    /// Reads the process environment. `Ok(None)` when none of the variables
    /// is set; an error when only some are.
    pub fn from_env(options: Option<ClientSecretCredentialOptions>) -> Result<Option<Self>> {
        Self::from_lookup(|name| std::env::var(name).ok(), options)
    }

    /// Reads variables through `lookup` (tests, or another configuration source).
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        options: Option<ClientSecretCredentialOptions>,
    ) -> Result<Option<Self>> {
        let values: Vec<Option<String>> = VARIABLES
            .iter()
            .map(|name| lookup(name).filter(|v| !v.is_empty()))
            .collect();
        match values.as_slice() {
            [None, None, None] => Ok(None),
            [Some(tenant), Some(client), Some(secret)] => {
                let mut options = options.unwrap_or_default();
                if options.authority_host().is_none() {
                    if let Some(authority) =
                        lookup("AZURE_AUTHORITY_HOST").filter(|a| !a.trim().is_empty())
                    {
                        options = options.with_authority_host(authority);
                    } else {
                        options = options.with_authority_host(super::DEFAULT_AUTHORITY);
                    }
                }
                let inner = ClientSecretCredential::new(
                    tenant,
                    client,
                    Secret::new(secret.as_str()),
                    Some(options),
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
            EnvironmentCredential::from_lookup(lookup(&[]), None)
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
        let credential = EnvironmentCredential::from_lookup(env, None)
            .unwrap()
            .unwrap();
        assert!(!format!("{credential:?}").contains("s3cret"));
    }

    #[test]
    fn partial_configuration_names_what_is_missing() {
        let err = EnvironmentCredential::from_lookup(lookup(&[("AZURE_TENANT_ID", "t")]), None)
            .unwrap_err();
        assert!(err.message().contains("AZURE_CLIENT_ID"), "{err}");
        assert!(err.message().contains("AZURE_CLIENT_SECRET"), "{err}");
        assert!(!err.message().contains("AZURE_TENANT_ID"), "{err}");
    }
}
