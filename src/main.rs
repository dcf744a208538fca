//! The `azure-user-tokens` command-line tool.

use std::process::ExitCode;

fn main() -> ExitCode {
    azure_user_tokens::cli::main()
}
