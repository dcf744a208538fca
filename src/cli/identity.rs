//! `azure-user-tokens identity …`, after `az communication user-identity …`.

use clap::Subcommand;

use super::failure::CommandResult;
use super::global::GlobalArgs;
use super::output::print;
use super::shapes::{Done, TeamsToken, TokenIssued, UserCreated, UserShown};
use super::teams_extension::TeamsExtensionCommand;
use crate::Secret;
use crate::identity::{CommunicationUserIdentifier, Scope};

#[derive(Debug, Subcommand)]
pub(super) enum IdentityCommand {
    /// Communication users.
    #[command(subcommand)]
    User(UserCommand),
    /// Their access tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The Teams Phone extension: token exchange and who may use it.
    #[command(subcommand)]
    TeamsExtension(TeamsExtensionCommand),
}

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Create a user (and a token, with --scope).
    Create {
        /// A token scope (chat, voip, chat.join, chat.join.limited, voip.join, …); repeatable.
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<String>,
        /// Token lifetime, 60–1440 minutes (default 1440).
        #[arg(long, value_name = "N")]
        expires_in_minutes: Option<u32>,
        /// Your own id for the user (1–256 characters): the same custom id
        /// always gives the same user (needs a build from a spec with
        /// customId, such as 2025-03-02-preview).
        #[arg(long, value_name = "ID")]
        custom_id: Option<String>,
    },
    /// Show a user: its custom id and when a token was last issued (needs a
    /// build from a spec with GET /identities/{id}, such as 2025-03-02-preview).
    Show {
        /// The user's raw id (8:acs:…).
        #[arg(long)]
        user_id: String,
    },
    /// Delete a user and revoke its tokens.
    Delete {
        /// The user's raw id (8:acs:…).
        #[arg(long)]
        user_id: String,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum TokenCommand {
    /// Issue a token (for a new user unless --user-id is given, as az does).
    Issue {
        /// The user's raw id; without it a user is created.
        #[arg(long)]
        user_id: Option<String>,
        /// A token scope; repeatable, at least one.
        #[arg(long = "scope", value_name = "SCOPE", required = true)]
        scopes: Vec<String>,
        /// Token lifetime, 60–1440 minutes (default 1440).
        #[arg(long, value_name = "N")]
        expires_in_minutes: Option<u32>,
    },
    /// Revoke every token of a user.
    Revoke {
        /// The user's raw id.
        #[arg(long)]
        user_id: String,
    },
    /// Exchange a Teams user's Entra ID token for a Communication Services token.
    GetForTeamsUser {
        /// The Teams user's Entra ID access token.
        #[arg(long, value_name = "TOKEN", hide_env_values = true)]
        aad_token: Secret,
        /// The Entra application (client) id.
        #[arg(long)]
        client_id: String,
        /// The Teams user's object id.
        #[arg(long)]
        user_object_id: String,
    },
}

pub(super) async fn run(command: IdentityCommand, global: &GlobalArgs) -> CommandResult {
    let client = global.identity_client()?;
    let format = global.output;
    match command {
        IdentityCommand::User(UserCommand::Create {
            scopes,
            expires_in_minutes,
            custom_id: Some(custom_id),
        }) => {
            if scopes.is_empty() && expires_in_minutes.is_some() {
                return Err(super::Failure::input(
                    "--expires-in-minutes needs at least one --scope",
                ));
            }
            let scopes = parse_scopes(&scopes);
            let user = client.create_user_with_custom_id(&custom_id).await?;
            let token = match scopes.is_empty() {
                true => None,
                false => Some(
                    client
                        .get_token(&user, &scopes, minutes(expires_in_minutes))
                        .await?,
                ),
            };
            print(
                format,
                &UserCreated {
                    user_id: user.raw_id().to_string(),
                    expires_on: token.as_ref().map(|t| t.expires_on),
                    token: token.map(|t| t.token.expose().to_string()),
                },
            )
        }
        IdentityCommand::User(UserCommand::Create {
            scopes,
            expires_in_minutes,
            custom_id: None,
        }) => {
            let created = if scopes.is_empty() {
                if expires_in_minutes.is_some() {
                    return Err(super::Failure::input(
                        "--expires-in-minutes needs at least one --scope",
                    ));
                }
                let user = client.create_user().await?;
                UserCreated {
                    user_id: user.raw_id().to_string(),
                    token: None,
                    expires_on: None,
                }
            } else {
                let (user, token) = client
                    .create_user_and_token(&parse_scopes(&scopes), minutes(expires_in_minutes))
                    .await?;
                UserCreated {
                    user_id: user.raw_id().to_string(),
                    token: Some(token.token.expose().to_string()),
                    expires_on: Some(token.expires_on),
                }
            };
            print(format, &created)
        }
        IdentityCommand::User(UserCommand::Show { user_id }) => {
            let user = client
                .get_user(&CommunicationUserIdentifier::new(user_id)?)
                .await?;
            print(
                format,
                &UserShown {
                    user_id: user.id.raw_id().to_string(),
                    custom_id: user.custom_id,
                    last_token_issued_at: user.last_token_issued_at,
                },
            )
        }
        IdentityCommand::TeamsExtension(command) => {
            super::teams_extension::run(command, &client, format).await
        }
        IdentityCommand::User(UserCommand::Delete { user_id }) => {
            let user = CommunicationUserIdentifier::new(user_id)?;
            client.delete_user(&user).await?;
            print(format, &done(&user, "deleted"))
        }
        IdentityCommand::Token(TokenCommand::Issue {
            user_id,
            scopes,
            expires_in_minutes,
        }) => {
            let scopes = parse_scopes(&scopes);
            let (user, token) = match user_id {
                Some(id) => {
                    let user = CommunicationUserIdentifier::new(id)?;
                    let token = client
                        .get_token(&user, &scopes, minutes(expires_in_minutes))
                        .await?;
                    (user, token)
                }
                None => {
                    client
                        .create_user_and_token(&scopes, minutes(expires_in_minutes))
                        .await?
                }
            };
            print(
                format,
                &TokenIssued {
                    user_id: user.raw_id().to_string(),
                    token: token.token.expose().to_string(),
                    expires_on: token.expires_on,
                },
            )
        }
        IdentityCommand::Token(TokenCommand::Revoke { user_id }) => {
            let user = CommunicationUserIdentifier::new(user_id)?;
            client.revoke_tokens(&user).await?;
            print(format, &done(&user, "revoked"))
        }
        IdentityCommand::Token(TokenCommand::GetForTeamsUser {
            aad_token,
            client_id,
            user_object_id,
        }) => {
            let token = client
                .get_token_for_teams_user(&aad_token, &client_id, &user_object_id)
                .await?;
            print(
                format,
                &TeamsToken {
                    token: token.token.expose().to_string(),
                    expires_on: token.expires_on,
                },
            )
        }
    }
}

fn parse_scopes(scopes: &[String]) -> Vec<Scope> {
    scopes
        .iter()
        .flat_map(|s| s.split(','))
        .map(|s| Scope::from(s.trim()))
        .collect()
}

fn done(user: &CommunicationUserIdentifier, result: &str) -> Done {
    Done {
        user_id: user.raw_id().to_string(),
        result: result.to_string(),
    }
}

/// `--expires-in-minutes N` as the lifetime the client takes.
fn minutes(expires_in_minutes: Option<u32>) -> Option<std::time::Duration> {
    expires_in_minutes.map(|n| std::time::Duration::from_secs(u64::from(n) * 60))
}
