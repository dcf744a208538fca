//! `azure-user-tokens identity teams-extension …`: the Teams Phone extension
//! (ACS Identity 2025-06-30 and later).

use clap::{Subcommand, ValueEnum};

use super::failure::CommandResult;
use super::output::{OutputFormat, print};
use super::shapes::{AssignmentDeleted, TokenIssued};
use crate::Secret;
use crate::identity::{
    CommunicationIdentityClient, TeamsExtensionAssignment, TeamsExtensionPrincipalType,
};

#[derive(Debug, Subcommand)]
pub(super) enum TeamsExtensionCommand {
    /// Exchange a Teams Phone extension user's Entra ID token (audience
    /// https://communication.azure.com) for a Communication Services identity
    /// and token. The token itself authenticates the request.
    Exchange {
        /// The Teams user's Entra ID access token.
        #[arg(long, value_name = "TOKEN", hide_env_values = true)]
        token: Secret,
    },
    /// Who may exchange: assignments of Entra principals.
    #[command(subcommand)]
    Assignment(AssignmentCommand),
}

#[derive(Debug, Subcommand)]
pub(super) enum AssignmentCommand {
    /// Show a principal's assignment.
    Show {
        #[command(flatten)]
        principal: Principal,
    },
    /// Create or replace a principal's assignment.
    Set {
        #[command(flatten)]
        principal: Principal,
        /// What the principal is.
        #[arg(long, value_enum, default_value_t = PrincipalType::User)]
        principal_type: PrincipalType,
        /// An Entra application (client) id the principal may exchange from; repeatable.
        #[arg(long = "client-id", value_name = "CLIENT_ID")]
        client_ids: Vec<String>,
    },
    /// Remove a principal's assignment.
    Delete {
        #[command(flatten)]
        principal: Principal,
    },
}

/// The Entra principal an assignment is for.
#[derive(Debug, clap::Args)]
pub(super) struct Principal {
    /// The principal's Entra ID tenant (a GUID).
    #[arg(long)]
    tenant_id: String,
    /// The principal's Entra ID object id (a GUID).
    #[arg(long)]
    object_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum PrincipalType {
    /// A Teams user.
    User,
    /// A Teams resource account.
    ResourceAccount,
}

impl From<PrincipalType> for TeamsExtensionPrincipalType {
    fn from(value: PrincipalType) -> Self {
        match value {
            PrincipalType::User => TeamsExtensionPrincipalType::User,
            PrincipalType::ResourceAccount => TeamsExtensionPrincipalType::ResourceAccount,
        }
    }
}

pub(super) async fn run(
    command: TeamsExtensionCommand,
    client: &CommunicationIdentityClient,
    format: OutputFormat,
) -> CommandResult {
    match command {
        TeamsExtensionCommand::Exchange { token } => {
            let (user, token) = client.exchange_teams_extension_token(&token).await?;
            print(
                format,
                &TokenIssued {
                    user_id: user.raw_id().to_string(),
                    token: token.token.expose().to_string(),
                    expires_on: token.expires_on,
                },
            )
        }
        TeamsExtensionCommand::Assignment(AssignmentCommand::Show { principal }) => {
            let assignment = client
                .get_teams_extension_assignment(&principal.tenant_id, &principal.object_id)
                .await?;
            print(format, &assignment)
        }
        TeamsExtensionCommand::Assignment(AssignmentCommand::Set {
            principal,
            principal_type,
            client_ids,
        }) => {
            let mut assignment = TeamsExtensionAssignment::new(
                principal.tenant_id,
                principal.object_id,
                principal_type.into(),
            );
            if !client_ids.is_empty() {
                assignment = assignment.with_client_ids(client_ids);
            }
            let stored = client
                .upsert_teams_extension_assignment(&assignment)
                .await?;
            print(format, &stored)
        }
        TeamsExtensionCommand::Assignment(AssignmentCommand::Delete { principal }) => {
            client
                .delete_teams_extension_assignment(&principal.tenant_id, &principal.object_id)
                .await?;
            print(
                format,
                &AssignmentDeleted {
                    tenant_id: principal.tenant_id,
                    object_id: principal.object_id,
                    result: "deleted".into(),
                },
            )
        }
    }
}
