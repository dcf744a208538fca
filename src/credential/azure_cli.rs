//! Tokens from the Azure CLI (`az account get-access-token`).

use std::path::PathBuf;

use chrono::{NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use super::managed_identity::UNAVAILABLE;
use super::{TokenCache, TokenCredential, scope_to_resource};
use crate::AccessToken;
use crate::error::{Error, ErrorKind, Result};
use crate::pipeline::BoxFuture;

/// Runs `az account get-access-token --output json --resource <r> [--tenant T]`.
///
/// ```
/// use azure_user_tokens::credential::{AzureCliCredential, AzureCliCredentialOptions};
/// let credential = AzureCliCredential::new(None)?; // `az` from PATH, the CLI's tenant
/// let in_tenant = AzureCliCredential::new(Some(
///     AzureCliCredentialOptions::default().with_tenant_id("contoso.onmicrosoft.com"),
/// ))?;
/// # Ok::<(), azure_user_tokens::Error>(())
/// ```
#[derive(Debug)]
pub struct AzureCliCredential {
    program: PathBuf,
    tenant_id: Option<String>,
    cache: TokenCache,
}

/// Options for an [`AzureCliCredential`].
#[derive(Debug, Clone, Default)]
pub struct AzureCliCredentialOptions {
    tenant_id: Option<String>,
    program: Option<PathBuf>,
}

impl AzureCliCredentialOptions {
    /// Asks for a token in this tenant (a GUID or domain name).
    pub fn with_tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = Some(tenant_id.into());
        self
    }

    /// Runs this program instead of `az` from `PATH` (tests, or a CLI
    /// installed elsewhere).
    pub fn with_program(mut self, program: impl Into<PathBuf>) -> Self {
        self.program = Some(program.into());
        self
    }
}

impl AzureCliCredential {
    /// A credential asking the Azure CLI; `None` means `az` from `PATH` and
    /// the CLI's current tenant.
    pub fn new(options: Option<AzureCliCredentialOptions>) -> Result<Self> {
        let options = options.unwrap_or_default();
        if let Some(tenant) = &options.tenant_id {
            // It becomes a command-line argument: no options or oddities.
            let tenant_ok = !tenant.is_empty()
                && tenant
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && !tenant.starts_with('-');
            if !tenant_ok {
                return Err(Error::validation(
                    "tenant_id",
                    "a tenant id is a GUID or domain name (letters, digits, '-' and '.')",
                ));
            }
        }
        Ok(AzureCliCredential {
            program: options.program.unwrap_or_else(|| PathBuf::from("az")),
            tenant_id: options.tenant_id,
            cache: TokenCache::new(),
        })
    }

    async fn fetch(&self, scope: &str) -> Result<AccessToken> {
        let mut command = tokio::process::Command::new(&self.program);
        command.args([
            "account",
            "get-access-token",
            "--output",
            "json",
            "--resource",
            scope_to_resource(scope),
        ]);
        if let Some(tenant) = &self.tenant_id {
            command.args(["--tenant", tenant]);
        }
        let output = command.kill_on_drop(true).output().await.map_err(|e| {
            let error = Error::new(
                ErrorKind::Credential,
                format!("cannot run {}: {e}", self.program.display()),
            );
            if e.kind() == std::io::ErrorKind::NotFound {
                error.with_code(UNAVAILABLE)
            } else {
                error
            }
        })?;
        if !output.status.success() {
            // The CLI's own message (e.g. "Please run 'az login'"); it holds no token.
            let stderr = String::from_utf8_lossy(&output.stderr);
            let first_line = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            return Err(Error::new(
                ErrorKind::Credential,
                format!("az account get-access-token failed: {}", first_line.trim()),
            ));
        }
        parse_cli_output(&output.stdout)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CliToken {
    access_token: String,
    #[serde(rename = "expires_on")]
    expires_on_epoch: Option<i64>,
    expires_on: Option<String>,
}

fn parse_cli_output(stdout: &[u8]) -> Result<AccessToken> {
    let token: CliToken = serde_json::from_slice(stdout).map_err(|_| {
        Error::new(
            ErrorKind::Credential,
            "az account get-access-token printed unexpected output",
        )
    })?;
    // `expires_on` (epoch) in newer CLIs; `expiresOn` is local time.
    let expires_on = match (token.expires_on_epoch, token.expires_on.as_deref()) {
        (Some(epoch), _) => crate::lifetime::at_epoch(epoch),
        (None, Some(local)) => NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S%.f")
            .ok()
            .and_then(|naive| chrono::Local.from_local_datetime(&naive).earliest())
            .map(|t| t.with_timezone(&Utc)),
        (None, None) => None,
    }
    .ok_or_else(|| {
        Error::new(
            ErrorKind::Credential,
            "the Azure CLI token has no readable expiry",
        )
    })?;
    Ok(AccessToken::new(token.access_token, expires_on))
}

impl TokenCredential for AzureCliCredential {
    fn get_token<'a>(&'a self, scope: &'a str) -> BoxFuture<'a, Result<AccessToken>> {
        Box::pin(self.cache.get_or_fetch(scope, || self.fetch(scope)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_output_with_epoch_expiry_is_read() {
        let out = br#"{"accessToken":"tok","expiresOn":"2024-01-01 12:00:00.000000","expires_on":1704110400,"subscription":"s","tenant":"t","tokenType":"Bearer"}"#;
        let token = parse_cli_output(out).unwrap();
        assert_eq!(token.token.expose(), "tok");
        assert_eq!(token.expires_on.timestamp(), 1_704_110_400);
    }

    #[test]
    fn a_tenant_that_could_be_an_option_is_refused() {
        for bad in ["", "--query", "a b", "t;rm"] {
            let options = AzureCliCredentialOptions::default().with_tenant_id(bad);
            let err = AzureCliCredential::new(Some(options)).unwrap_err();
            assert_eq!(err.field(), Some("tenant_id"), "{bad:?}");
        }
    }

    #[test]
    fn older_cli_output_uses_local_time() {
        let out = br#"{"accessToken":"tok","expiresOn":"2024-01-01 12:00:00.000000"}"#;
        assert!(parse_cli_output(out).is_ok());
        assert!(parse_cli_output(b"garbage").is_err());
        assert!(parse_cli_output(br#"{"accessToken":"t"}"#).is_err());
    }

    #[tokio::test]
    async fn a_missing_cli_is_unavailable() {
        let credential = AzureCliCredential::new(Some(
            AzureCliCredentialOptions::default().with_program("/nonexistent/az-cli-for-tests"),
        ))
        .unwrap();
        let err = credential
            .get_token(super::super::MANAGEMENT_SCOPE)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Some(UNAVAILABLE));
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn the_cli_is_asked_for_the_resource() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("aut-fake-az-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("az");
        std::fs::write(
            &script,
            "#!/bin/sh\nprintf '{\"accessToken\":\"%s\",\"expires_on\":4102444800}' \"$6\"\n",
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        let credential = AzureCliCredential::new(Some(
            AzureCliCredentialOptions::default().with_program(&script),
        ))
        .unwrap();
        let token = credential
            .get_token(super::super::MANAGEMENT_SCOPE)
            .await
            .unwrap();
        assert_eq!(token.token.expose(), "https://management.azure.com");
    }
}
