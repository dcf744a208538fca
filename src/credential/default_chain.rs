//! The default credential chain.

use super::managed_identity::UNAVAILABLE;
use super::{
    AzureCliCredential, ClientSecretCredentialOptions, EnvironmentCredential,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, TokenCredential,
};
use crate::AccessToken;
use crate::ClientOptions;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;

/// Tries, in order: the [`EnvironmentCredential`] (when its variables are
/// set, it is the only one used, and its failures are reported), the
/// [`ManagedIdentityCredential`], then the [`AzureCliCredential`]. A
/// credential that is merely *unavailable* (no IMDS endpoint, no `az`) passes
/// to the next; one that answers with an error stops the chain.
///
/// ```
/// use std::sync::Arc;
/// use azure_user_tokens::credential::{DefaultAzureCredential, TokenCredential};
/// let credential: Arc<dyn TokenCredential> = Arc::new(DefaultAzureCredential::new(None)?);
/// # Ok::<(), azure_user_tokens::Error>(())
/// ```
#[derive(Debug)]
pub struct DefaultAzureCredential {
    environment: Option<EnvironmentCredential>,
    managed_identity: Option<ManagedIdentityCredential>,
    azure_cli: AzureCliCredential,
}

/// Options for a [`DefaultAzureCredential`], passed on to the credentials of
/// the chain.
#[derive(Debug, Clone, Default)]
pub struct DefaultAzureCredentialOptions {
    authority_host: Option<String>,
    client_options: ClientOptions,
}

impl DefaultAzureCredentialOptions {
    /// The Entra authority host of the environment credential (default:
    /// `$AZURE_AUTHORITY_HOST`, else the public cloud's).
    pub fn with_authority_host(mut self, authority_host: impl Into<String>) -> Self {
        self.authority_host = Some(authority_host.into());
        self
    }

    /// Retries, timeouts and the HTTP client of the token requests.
    pub fn with_client_options(mut self, client_options: ClientOptions) -> Self {
        self.client_options = client_options;
        self
    }
}

impl DefaultAzureCredential {
    /// Configured from the process environment; `options` adjust it.
    pub fn new(options: Option<DefaultAzureCredentialOptions>) -> Result<Self> {
        let options = options.unwrap_or_default();
        let mut environment = ClientSecretCredentialOptions::default()
            .with_client_options(options.client_options.clone());
        if let Some(authority) = options.authority_host {
            environment = environment.with_authority_host(authority);
        }
        Ok(DefaultAzureCredential {
            environment: EnvironmentCredential::from_env(Some(environment))?,
            managed_identity: Some(ManagedIdentityCredential::new(Some(
                ManagedIdentityCredentialOptions::default()
                    .with_client_options(options.client_options),
            ))?),
            azure_cli: AzureCliCredential::new(None)?,
        })
    }

    /// A chain of explicit parts (tests, or custom configuration).
    pub fn from_parts(
        environment: Option<EnvironmentCredential>,
        managed_identity: Option<ManagedIdentityCredential>,
        azure_cli: AzureCliCredential,
    ) -> Self {
        DefaultAzureCredential {
            environment,
            managed_identity,
            azure_cli,
        }
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken> {
        if let Some(environment) = &self.environment {
            return environment.get_token(scope).await;
        }
        let mut tried = Vec::new();
        if let Some(managed_identity) = &self.managed_identity {
            match managed_identity.get_token(scope).await {
                Err(e) if e.code() == Some(UNAVAILABLE) => tried.push(e.to_string()),
                other => return other,
            }
        }
        match self.azure_cli.get_token(scope).await {
            Err(e) if e.code() == Some(UNAVAILABLE) => tried.push(e.to_string()),
            other => return other,
        }
        Err(Error::new(
            ErrorKind::Credential,
            format!(
                "no credential is available: set AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, \
                 run on a machine with a managed identity, or run 'az login' (tried: {})",
                tried.join("; ")
            ),
        )
        .with_code(UNAVAILABLE))
    }
}

impl TokenCredential for DefaultAzureCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.fetch(scope))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing_cli() -> AzureCliCredential {
        AzureCliCredential::new(Some(
            super::super::AzureCliCredentialOptions::default()
                .with_program("/nonexistent/az-for-tests"),
        ))
        .unwrap()
    }

    fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    }

    #[tokio::test]
    async fn nothing_available_lists_what_was_tried() {
        let mi = ManagedIdentityCredential::new(Some(
            ManagedIdentityCredentialOptions::default()
                .with_endpoint(format!("http://127.0.0.1:{}", closed_port())),
        ))
        .unwrap();
        let cli = missing_cli();
        let chain = DefaultAzureCredential::from_parts(None, Some(mi), cli);
        let err = chain
            .get_token(super::super::MANAGEMENT_SCOPE)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(UNAVAILABLE));
        assert!(err.message().contains("managed identity"), "{err}");
        assert!(err.message().contains("az-for-tests"), "{err}");
    }

    #[tokio::test]
    async fn a_configured_environment_credential_reports_its_own_failure() {
        let env = EnvironmentCredential::from_lookup(
            |name| {
                Some(match name {
                    "AZURE_AUTHORITY_HOST" => format!("http://127.0.0.1:{}", closed_port()),
                    _ => "x".to_string(),
                })
            },
            None,
        )
        .unwrap()
        .unwrap();
        // Managed identity would be unavailable too; the chain must not fall through.
        let cli = missing_cli();
        let chain = DefaultAzureCredential::from_parts(Some(env), None, cli);
        let err = chain
            .get_token(super::super::MANAGEMENT_SCOPE)
            .await
            .unwrap_err();
        assert!(err.message().contains("Entra token endpoint"), "{err}");
        assert_ne!(err.code(), Some(UNAVAILABLE));
    }
}
