//! Flags every command takes, and the clients they configure.

use std::sync::Arc;

use clap::Args;

use super::failure::{CommandResult, Failure};
use super::output::OutputFormat;
use crate::Secret;
use crate::apim::{ApiManagementClient, DEFAULT_MANAGEMENT_ENDPOINT};
use crate::credential::{DefaultAzureCredential, DefaultAzureCredentialOptions, TokenCredential};
use crate::identity::{CommunicationIdentityClient, CommunicationIdentityClientOptions};

/// The connection-string variables, in the order they are read.
pub const CONNECTION_STRING_VARS: [&str; 2] = [
    "COMMUNICATION_SERVICES_CONNECTION_STRING",
    "AZURE_COMMUNICATION_CONNECTION_STRING",
];

/// The variable holding the access key that goes with `--endpoint`.
pub const ACCESS_KEY_VAR: &str = "AZURE_COMMUNICATION_ACCESS_KEY";

/// The variable `--management-endpoint` falls back to.
pub const MANAGEMENT_ENDPOINT_VAR: &str = "AZURE_RESOURCE_MANAGER_ENDPOINT";

/// Global flags (accepted before or after the subcommand).
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Communication Services connection string (else
    /// $COMMUNICATION_SERVICES_CONNECTION_STRING or
    /// $AZURE_COMMUNICATION_CONNECTION_STRING). Prefer the variables: a
    /// command line is visible to other users of the machine.
    #[arg(long, global = true, value_name = "CONNECTION_STRING")]
    pub connection_string: Option<Secret>,

    /// Communication Services endpoint; the key comes from
    /// $AZURE_COMMUNICATION_ACCESS_KEY, else Entra ID credentials are used.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,

    // The variables below are read by the methods, not by clap: a value clap
    // took from the environment would look given to `emulator`, which
    // rejects these flags (see `cli::emulator::ClientFlags`).
    /// Azure Resource Manager endpoint (else $AZURE_RESOURCE_MANAGER_ENDPOINT,
    /// else https://management.azure.com).
    #[arg(long, global = true, value_name = "URL")]
    pub management_endpoint: Option<String>,

    /// Entra ID authority host (else $AZURE_AUTHORITY_HOST, else
    /// https://login.microsoftonline.com).
    #[arg(long, global = true, value_name = "URL")]
    pub authority_host: Option<String>,

    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = OutputFormat::Json)]
    pub output: OutputFormat,

    /// Log what happens (tracing) on stderr; secrets are never logged.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// The identity client these flags describe.
    pub fn identity_client(&self) -> CommandResult<CommunicationIdentityClient> {
        self.identity_client_with(None)
    }

    /// The identity client these flags describe, with `options` (the broker
    /// caps each call's total time).
    pub fn identity_client_with(
        &self,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> CommandResult<CommunicationIdentityClient> {
        if let Some(connection_string) = self
            .connection_string
            .clone()
            .or_else(|| connection_string_from_env().map(Secret::new))
        {
            return Ok(CommunicationIdentityClient::from_connection_string(
                &connection_string,
                options,
            )?);
        }
        let Some(endpoint) = &self.endpoint else {
            return Err(Failure::input(format!(
                "no Communication Services resource configured: set {} (or pass --connection-string), \
                 or pass --endpoint with {ACCESS_KEY_VAR} or Entra ID credentials",
                CONNECTION_STRING_VARS[0]
            )));
        };
        match std::env::var(ACCESS_KEY_VAR) {
            Ok(key) if !key.is_empty() => Ok(CommunicationIdentityClient::from_access_key(
                endpoint,
                &Secret::new(key),
                options,
            )?),
            _ => Ok(CommunicationIdentityClient::new(
                endpoint,
                self.credential()?,
                options,
            )?),
        }
    }

    /// The APIM client these flags describe.
    pub fn apim_client(&self) -> CommandResult<ApiManagementClient> {
        let endpoint = self
            .management_endpoint
            .clone()
            .or_else(|| non_empty_var(MANAGEMENT_ENDPOINT_VAR))
            .unwrap_or_else(|| DEFAULT_MANAGEMENT_ENDPOINT.into());
        Ok(ApiManagementClient::new(
            &endpoint,
            self.credential()?,
            None,
        )?)
    }

    /// The default credential chain, with `--authority-host` applied.
    pub fn credential(&self) -> CommandResult<Arc<dyn TokenCredential>> {
        // Without the flag the credentials read $AZURE_AUTHORITY_HOST themselves.
        let mut options = DefaultAzureCredentialOptions::default();
        if let Some(authority) = &self.authority_host {
            options = options.with_authority_host(authority);
        }
        Ok(Arc::new(DefaultAzureCredential::new(Some(options))?))
    }
}

/// The first connection-string variable that is set.
pub fn connection_string_from_env() -> Option<String> {
    CONNECTION_STRING_VARS
        .iter()
        .find_map(|name| non_empty_var(name))
}

/// A variable's value, unless it is unset or blank.
fn non_empty_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}
