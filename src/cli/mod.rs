//! The command-line tool (`azure-user-tokens`), behind the `cli` feature.
//!
//! Output is JSON by default (as az), with shapes documented in `shapes`;
//! errors go to stderr with exit code 1 (service, network, auth) or 2 (bad
//! arguments or local validation: nothing was sent).

// Doc comments here are clap's `--help` text, written for a terminal
// (`<n>h`, bare URLs), not rustdoc markup.
#![allow(rustdoc::invalid_html_tags, rustdoc::bare_urls)]

mod apim;
#[cfg(feature = "broker")]
mod broker;
#[cfg(feature = "emulator")]
mod emulator;
pub mod expiry;
mod failure;
mod global;
mod identity;
mod output;
#[cfg(feature = "emulator")]
mod quickstart;
pub mod shapes;
#[cfg(any(feature = "emulator", feature = "broker"))]
mod signal;
mod specs;
mod teams_extension;
mod token;

use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use failure::CommandResult;
pub use failure::Failure;
use global::GlobalArgs;

/// Azure user access tokens: Communication Services identities, API Management
/// shared access tokens, a local emulator of both, and the specs they come from.
#[derive(Debug, Parser)]
#[command(name = "azure-user-tokens", version, about)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    /// Longest time a command may take in all, retries included: <n>s, <n>m
    /// or <n>h (the emulator and the broker run until stopped and ignore it).
    #[arg(long, global = true, value_name = "DURATION", default_value = "120s")]
    timeout: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the documented flow: create a user, issue a voip token, revoke,
    /// delete, then an APIM user token (on the embedded emulator unless
    /// COMMUNICATION_SERVICES_CONNECTION_STRING is set).
    #[cfg(feature = "emulator")]
    Quickstart,
    /// Run the local emulator of ACS identity, APIM users and Entra until Ctrl-C.
    #[cfg(feature = "emulator")]
    Emulator(Box<emulator::EmulatorArgs>),
    /// Run the token broker: app users (OIDC access tokens) get their own
    /// ACS identity and its tokens, until Ctrl-C.
    #[cfg(feature = "broker")]
    Broker(Box<broker::BrokerArgs>),
    /// Communication Services users and tokens (az communication user-identity).
    #[command(subcommand)]
    Identity(identity::IdentityCommand),
    /// API Management users and shared access tokens.
    #[command(subcommand)]
    Apim(apim::ApimCommand),
    /// Decode tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Work with the Swagger specs the clients are generated from.
    #[command(subcommand)]
    Specs(specs::SpecsCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Show an ACS JWT's claims and expiry, or an APIM token's fields.
    /// Signatures are NOT checked.
    Inspect {
        /// The token.
        token: crate::Secret,
    },
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run_within_timeout(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.exit_code)
        }
    }
}

/// Runs the command, ending it with exit code 1 when `--timeout` elapses (a
/// hostile or stalled server cannot hold a command for minutes).
async fn run_within_timeout(cli: Cli) -> CommandResult {
    let timeout = expiry::parse_timeout(&cli.timeout)?;
    // The servers run until stopped.
    #[cfg(feature = "emulator")]
    if matches!(cli.command, Command::Emulator(_)) {
        return run(cli).await;
    }
    #[cfg(feature = "broker")]
    if matches!(cli.command, Command::Broker(_)) {
        return run(cli).await;
    }
    tokio::time::timeout(timeout, run(cli))
        .await
        .unwrap_or_else(|_| {
            Err(Failure::failed(format!(
                "the command did not finish within --timeout {} s; it was stopped (a change it \
                 asked for may or may not have been made)",
                timeout.as_secs()
            )))
        })
}

async fn run(cli: Cli) -> CommandResult {
    let global = &cli.global;
    match cli.command {
        #[cfg(feature = "emulator")]
        Command::Quickstart => quickstart::run(global).await,
        #[cfg(feature = "emulator")]
        Command::Emulator(args) => emulator::run(*args).await,
        #[cfg(feature = "broker")]
        Command::Broker(args) => broker::run(*args, global).await,
        Command::Identity(command) => identity::run(command, global).await,
        Command::Apim(command) => apim::run(command, global).await,
        Command::Token(TokenCommand::Inspect { token }) => {
            token::inspect(token.expose(), global.output)
        }
        Command::Specs(command) => specs::run(command),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "azure-user-tokens",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

/// Tracing on stderr. With `--verbose`: `RUST_LOG` if set, else debug for
/// this crate. Without: warnings and errors only (a write the emulator could
/// not save, a replayed request).
fn init_tracing(verbose: bool) {
    let filter = if verbose {
        tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("azure_user_tokens=debug,info"))
    } else {
        tracing_subscriber::EnvFilter::new("warn")
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
