//! `azure-user-tokens apim …`: APIM users over ARM, and tokens offline.

use std::io::Read;

use chrono::Utc;
use clap::{Args, Subcommand};

use super::expiry::ExpiryArgs;
use super::failure::{CommandResult, Failure};
use super::global::GlobalArgs;
use super::output::print;
use super::shapes::{ApimToken, Done, SasMinted, SasVerified};
use crate::Secret;
use crate::apim::{ApimService, ApimUserRef, KeyType, NewApimUser, SharedAccessToken};

/// The environment variable holding the key for `apim sas`.
pub const SAS_KEY_VAR: &str = "APIM_SAS_KEY";

#[derive(Debug, Subcommand)]
pub(super) enum ApimCommand {
    /// APIM users (Azure Resource Manager).
    #[command(subcommand)]
    User(UserCommand),
    /// Shared access tokens, offline. The key comes from $APIM_SAS_KEY or,
    /// with --key-stdin, from standard input; never from the command line.
    #[command(subcommand)]
    Sas(SasCommand),
}

/// The service a user belongs to.
#[derive(Debug, Args)]
pub(super) struct ServiceArgs {
    /// Azure subscription id.
    #[arg(long, env = "AZURE_SUBSCRIPTION_ID")]
    subscription_id: String,
    /// Resource group.
    #[arg(long)]
    resource_group: String,
    /// APIM service name.
    #[arg(long)]
    service_name: String,
}

impl ServiceArgs {
    fn service(&self) -> CommandResult<ApimService> {
        Ok(ApimService::new(
            &self.subscription_id,
            &self.resource_group,
            &self.service_name,
        )?)
    }

    fn user(&self, user_id: &str) -> CommandResult<ApimUserRef> {
        Ok(self.service()?.user(user_id)?)
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Get a user's shared access token (User - Get Shared Access Token).
    Token {
        #[command(flatten)]
        service: ServiceArgs,
        /// The APIM user id.
        #[arg(long)]
        user_id: String,
        /// Which service key signs the token.
        #[arg(long, default_value = "primary", value_parser = parse_key_type)]
        key_type: KeyType,
        #[command(flatten)]
        expiry: ExpiryArgs,
    },
    /// Show a user.
    Show {
        #[command(flatten)]
        service: ServiceArgs,
        /// The APIM user id.
        #[arg(long)]
        user_id: String,
    },
    /// List every user of a service.
    List {
        #[command(flatten)]
        service: ServiceArgs,
    },
    /// Create or update a user.
    Create {
        #[command(flatten)]
        service: ServiceArgs,
        /// The APIM user id.
        #[arg(long)]
        user_id: String,
        /// Email address.
        #[arg(long)]
        email: String,
        /// First name.
        #[arg(long)]
        first_name: String,
        /// Last name.
        #[arg(long)]
        last_name: String,
        /// Administrator's note.
        #[arg(long)]
        note: Option<String>,
        /// Only if the user's ETag matches.
        #[arg(long, value_name = "ETAG")]
        if_match: Option<String>,
    },
    /// Delete a user (If-Match: * unless --if-match is given).
    Delete {
        #[command(flatten)]
        service: ServiceArgs,
        /// The APIM user id.
        #[arg(long)]
        user_id: String,
        /// Only if the user's ETag matches.
        #[arg(long, value_name = "ETAG")]
        if_match: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub(super) enum SasCommand {
    /// Mint a token offline.
    Mint {
        /// The APIM user id.
        #[arg(long)]
        user_id: String,
        #[command(flatten)]
        expiry: ExpiryArgs,
        /// Read the key from standard input instead of $APIM_SAS_KEY.
        #[arg(long)]
        key_stdin: bool,
    },
    /// Verify a token offline (exit code 1 when it is not valid).
    Verify {
        /// The token, in any form (with or without `SharedAccessSignature `).
        token: Secret,
        /// Read the key from standard input instead of $APIM_SAS_KEY.
        #[arg(long)]
        key_stdin: bool,
    },
}

fn parse_key_type(text: &str) -> Result<KeyType, String> {
    text.parse()
        .map_err(|e: crate::Error| e.message().to_string())
}

pub(super) async fn run(command: ApimCommand, global: &GlobalArgs) -> CommandResult {
    let format = global.output;
    match command {
        ApimCommand::User(command) => run_user(command, global).await,
        ApimCommand::Sas(SasCommand::Mint {
            user_id,
            expiry,
            key_stdin,
        }) => {
            let expiry = expiry.resolve(Utc::now())?;
            let key = sas_key(key_stdin)?;
            let token = SharedAccessToken::mint(&user_id, &key, expiry)?;
            print(
                format,
                &SasMinted {
                    token: token.to_compact(),
                    expiry: token.expires_at(),
                },
            )
        }
        ApimCommand::Sas(SasCommand::Verify { token, key_stdin }) => {
            let key = sas_key(key_stdin)?;
            let token = SharedAccessToken::parse(token.expose())?;
            let valid = token.verify(&key) && !token.is_expired_at(Utc::now());
            print(
                format,
                &SasVerified {
                    valid,
                    user_id: token.user_id().to_string(),
                    expiry: token.expires_at(),
                },
            )?;
            if valid {
                Ok(())
            } else {
                Err(Failure::failed(
                    "the token is not valid (wrong key, tampered, or expired)",
                ))
            }
        }
    }
}

async fn run_user(command: UserCommand, global: &GlobalArgs) -> CommandResult {
    let format = global.output;
    match command {
        UserCommand::Token {
            service,
            user_id,
            key_type,
            expiry,
        } => {
            let user = service.user(&user_id)?;
            let expiry = expiry.resolve(Utc::now())?;
            crate::apim::check_expiry(expiry, Utc::now())?;
            let token = global
                .apim_client()?
                .get_shared_access_token(&user, key_type, expiry)
                .await?;
            print(
                format,
                &ApimToken {
                    token: token.to_compact(),
                    user_id: token.user_id().to_string(),
                    key_type,
                    expiry: token.expires_at(),
                },
            )
        }
        UserCommand::Show { service, user_id } => {
            let user = service.user(&user_id)?;
            print(format, &global.apim_client()?.get_user(&user).await?)
        }
        UserCommand::List { service } => {
            let service = service.service()?;
            let client = global.apim_client()?;
            let users = client.list_users(&service, None).collect_all().await?;
            print(format, &users)
        }
        UserCommand::Create {
            service,
            user_id,
            email,
            first_name,
            last_name,
            note,
            if_match,
        } => {
            let user = service.user(&user_id)?;
            let mut details = NewApimUser::new(email, first_name, last_name);
            if let Some(note) = note {
                details = details.with_note(note);
            }
            let created = global
                .apim_client()?
                .create_or_update_user(&user, &details, if_match.as_deref())
                .await?;
            print(format, &created)
        }
        UserCommand::Delete {
            service,
            user_id,
            if_match,
        } => {
            let user = service.user(&user_id)?;
            global
                .apim_client()?
                .delete_user(&user, if_match.as_deref())
                .await?;
            print(
                format,
                &Done {
                    user_id,
                    result: "deleted".into(),
                },
            )
        }
    }
}

/// The signing key: standard input with `--key-stdin`, else $APIM_SAS_KEY.
fn sas_key(from_stdin: bool) -> CommandResult<Secret> {
    let key = if from_stdin {
        let mut key = String::new();
        std::io::stdin()
            .read_to_string(&mut key)
            .map_err(|e| Failure::input(format!("cannot read the key from standard input: {e}")))?;
        key.trim_end_matches(['\r', '\n']).to_string()
    } else {
        std::env::var(SAS_KEY_VAR).map_err(|_| {
            Failure::input(format!(
                "no key: set {SAS_KEY_VAR} or pipe the key in with --key-stdin (never on the command line)"
            ))
        })?
    };
    if key.is_empty() {
        return Err(Failure::input("the key is empty"));
    }
    Ok(Secret::new(key))
}
