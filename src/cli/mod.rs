//! The command-line tool (`azure-user-tokens`), behind the `cli` feature.

mod specs;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Azure user access tokens: Communication Services identities, API Management
/// shared access tokens, and the specs they are generated from.
#[derive(Debug, Parser)]
#[command(name = "azure-user-tokens", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with the Swagger specs the clients are generated from.
    #[command(subcommand)]
    Specs(specs::SpecsCommand),
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Specs(command) => specs::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.exit_code)
        }
    }
}

/// A failed command: what to print and the exit code (1: the work failed,
/// 2: bad arguments or input).
#[derive(Debug)]
struct Failure {
    message: String,
    exit_code: u8,
}

impl Failure {
    fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            exit_code: 2,
        }
    }
}
