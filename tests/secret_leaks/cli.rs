//! Every CLI command with `RUST_LOG=trace` and `--verbose`, against an
//! emulator holding this suite's secrets: stderr never shows a secret, and
//! stdout shows only the token the command was asked to print.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use azure_user_tokens::emulator::{Emulator, EntraTokenClaims};

use crate::common::APIM_SERVICE_ARGS;
use crate::scan::{self, Secrets};

/// What one command printed, for the scan.
pub struct Printed {
    pub command: String,
    pub stdout: String,
    pub stderr: String,
}

pub fn command(args: &[&str], env: &[(&str, String)]) -> Command {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut command = crate::common::cli_command(args, &env);
    command
        .arg("--verbose")
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(args: &[&str], env: &[(&str, String)], stdin: Option<&str>) -> Printed {
    printed(args, crate::common::output_of(command(args, env), stdin))
}

pub fn printed(args: &[&str], output: Output) -> Printed {
    Printed {
        command: args.join(" "),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The JSON field `name` of a command's stdout.
fn field(printed: &Printed, name: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(&printed.stdout).unwrap_or_else(|e| {
        panic!(
            "{}: stdout is not JSON ({e}): {}\n{}",
            printed.command, printed.stdout, printed.stderr
        )
    });
    value[name].as_str().unwrap_or_default().to_string()
}

/// Runs every command; returns what each printed, with the tokens it was
/// asked to print registered as secrets (allowed on its own stdout only).
pub fn run_all(emulator: &Emulator, secrets: &Secrets) -> Vec<(Printed, Vec<String>)> {
    let config = emulator.config();
    let acs = vec![(
        "COMMUNICATION_SERVICES_CONNECTION_STRING",
        emulator.connection_string().expose().to_string(),
    )];
    let entra = vec![
        ("AZURE_TENANT_ID", config.tenant_id().to_string()),
        ("AZURE_CLIENT_ID", config.client_id().to_string()),
        ("AZURE_CLIENT_SECRET", scan::CLIENT_SECRET.to_string()),
        ("AZURE_AUTHORITY_HOST", emulator.base_url().to_string()),
        (
            "AZURE_RESOURCE_MANAGER_ENDPOINT",
            emulator.base_url().to_string(),
        ),
    ];
    let endpoint_and_key = vec![("AZURE_COMMUNICATION_ACCESS_KEY", scan::access_key())];
    let sas = vec![("APIM_SAS_KEY", scan::SAS_KEY.to_string())];
    let mut all = Vec::new();
    let mut plain = |printed: Printed| all.push((printed, Vec::new()));

    let created = run(&["identity", "user", "create"], &acs, None);
    let user_id = field(&created, "user_id");
    plain(created);
    let mut with_token = Vec::new();
    for (args, env) in [
        (
            vec![
                "identity",
                "user",
                "create",
                "--scope",
                "voip",
                "--expires-in-minutes",
                "60",
            ],
            &acs,
        ),
        (
            vec![
                "identity",
                "token",
                "issue",
                "--user-id",
                &user_id,
                "--scope",
                "chat",
            ],
            &acs,
        ),
        (
            vec![
                "identity",
                "token",
                "issue",
                "--scope",
                "voip",
                "--endpoint",
                emulator.base_url(),
            ],
            &endpoint_and_key,
        ),
    ] {
        let printed = run(&args, env, None);
        let token = field(&printed, "token");
        secrets.add("a token a command printed", &token);
        with_token.push((printed, vec![token]));
    }
    let teams_app = "11111111-2222-3333-4444-555555555555";
    let teams_user = "66666666-7777-8888-9999-000000000000";
    let aad = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        teams_app,
        teams_user,
        chrono::Duration::hours(1),
    ));
    secrets.add("a Teams user's Entra token", aad.expose());
    let exchanged = run(
        &[
            "identity",
            "token",
            "get-for-teams-user",
            "--aad-token",
            aad.expose(),
            "--client-id",
            teams_app,
            "--user-object-id",
            teams_user,
        ],
        &acs,
        None,
    );
    let token = field(&exchanged, "token");
    secrets.add("an exchanged token", &token);
    with_token.push((exchanged, vec![token]));
    let refused = run(
        &[
            "identity",
            "token",
            "get-for-teams-user",
            "--aad-token",
            aad.expose(),
            "--client-id",
            teams_app,
            "--user-object-id",
            teams_app,
        ],
        &acs,
        None,
    );
    plain(refused);
    plain(run(
        &["identity", "token", "revoke", "--user-id", &user_id],
        &acs,
        None,
    ));
    plain(run(
        &["identity", "user", "delete", "--user-id", &user_id],
        &acs,
        None,
    ));
    plain(run(
        &["identity", "user", "delete", "--user-id", &user_id],
        &acs,
        None,
    ));
    plain(run(
        &[
            "identity",
            "token",
            "issue",
            "--user-id",
            &user_id,
            "--scope",
            "voip",
            "--expires-in-minutes",
            "5",
        ],
        &acs,
        None,
    ));
    let wrong = vec![(
        "COMMUNICATION_SERVICES_CONNECTION_STRING",
        format!(
            "endpoint={}/;accesskey={}x",
            emulator.base_url(),
            scan::access_key()
        ),
    )];
    plain(run(&["identity", "user", "create"], &wrong, None));
    let as_flag = format!(
        "endpoint={}/;accesskey={}",
        emulator.base_url(),
        scan::access_key()
    );
    plain(run(
        &[
            "identity",
            "user",
            "create",
            "--connection-string",
            &as_flag,
        ],
        &[],
        None,
    ));
    let wrong_key = format!(
        "endpoint={}/;accesskey=d3Jvbmcta2V5LXdyb25nLWtleQ==",
        emulator.base_url()
    );
    plain(run(
        &[
            "identity",
            "user",
            "create",
            "--connection-string",
            &wrong_key,
        ],
        &[],
        None,
    ));

    let apim = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["apim", "user"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&APIM_SERVICE_ARGS);
        args
    };
    for key_type in ["primary", "secondary"] {
        let mut args = apim(&["token", "--user-id", "userId1718", "--expires-in", "8h"]);
        args.extend(["--key-type", key_type]);
        let printed = run(&args, &entra, None);
        let token = field(&printed, "token");
        secrets.add("an APIM token a command printed", &token);
        with_token.push((printed, vec![token]));
    }
    plain(run(&apim(&["show", "--user-id", "1"]), &entra, None));
    plain(run(&apim(&["list"]), &entra, None));
    plain(run(
        &apim(&[
            "create",
            "--user-id",
            "ada",
            "--email",
            "ada@example.com",
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
        ]),
        &entra,
        None,
    ));
    plain(run(&apim(&["delete", "--user-id", "ada"]), &entra, None));
    plain(run(&apim(&["show", "--user-id", "ada"]), &entra, None));
    let mut wrong_secret = entra.clone();
    wrong_secret[2].1 = format!("{}-wrong", scan::CLIENT_SECRET);
    plain(run(&apim(&["show", "--user-id", "1"]), &wrong_secret, None));

    let minted = run(
        &[
            "apim",
            "sas",
            "mint",
            "--user-id",
            "userId1718",
            "--expires-in",
            "2h",
        ],
        &sas,
        None,
    );
    let token = field(&minted, "token");
    secrets.add("a minted SAS token", &token);
    with_token.push((minted, vec![token.clone()]));
    plain(run(&["apim", "sas", "verify", &token], &sas, None));
    plain(run(
        &["apim", "sas", "verify", &token, "--key-stdin"],
        &[],
        Some(&format!("{}\n", scan::SAS_KEY)),
    ));
    plain(run(
        &["apim", "sas", "verify", &token],
        &[("APIM_SAS_KEY", "other".into())],
        None,
    ));
    plain(run(
        &[
            "apim",
            "sas",
            "mint",
            "--user-id",
            "u",
            "--expires-in",
            "1h",
            "--key-stdin",
        ],
        &[],
        Some(scan::SAS_KEY),
    ));
    plain(run(&["token", "inspect", &token], &[], None));
    plain(run(
        &["token", "inspect", &format!("{token}garbage&")],
        &[],
        None,
    ));
    plain(run(&["token", "inspect", aad.expose()], &[], None));
    plain(run(&["quickstart"], &acs, None));
    plain(emulator_banner());
    all.extend(with_token);
    all
}

/// `azure-user-tokens emulator` with this suite's secrets: its banner up to
/// `ready:`, then it is stopped.
fn emulator_banner() -> Printed {
    let env = vec![
        ("AZURE_USER_TOKENS_EMULATOR_ACCESS_KEY", scan::access_key()),
        (
            "AZURE_USER_TOKENS_EMULATOR_CLIENT_SECRET",
            scan::CLIENT_SECRET.to_string(),
        ),
        (
            "AZURE_USER_TOKENS_EMULATOR_APIM_PRIMARY_KEY",
            scan::APIM_PRIMARY_KEY.to_string(),
        ),
        (
            "AZURE_USER_TOKENS_EMULATOR_APIM_SECONDARY_KEY",
            scan::APIM_SECONDARY_KEY.to_string(),
        ),
    ];
    let args = ["emulator", "--listen", "127.0.0.1:0"];
    let mut child: Child = command(&args, &env)
        .stdin(Stdio::null())
        .spawn()
        .expect("the emulator starts");
    let mut banner = String::new();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("ready:") {
            break;
        }
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let output = child.wait_with_output().unwrap();
    let mut printed = printed(&args, output);
    printed.stdout.insert_str(0, &banner);
    printed
}
