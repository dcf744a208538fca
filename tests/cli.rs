//! The `azure-user-tokens` binary end to end, against an emulator started
//! in-process: every command, its JSON (checked against the documented
//! schema), errors and exit codes.

#![cfg(all(feature = "cli", feature = "emulator"))]

mod common;

use std::process::Output;

use azure_user_tokens::emulator::{Emulator, EntraTokenClaims};
use common::*;
use serde_json::Value;

/// Runs the binary with a clean environment plus `env`, feeding `stdin`.
fn run_with(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    output_of(cli_command(args, env), stdin)
}

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    run_with(args, env, None)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Parses stdout as JSON and checks it against the command's schema.
fn json(output: &Output, schema_key: &str) -> Value {
    assert!(
        output.status.success() || schema_key == "apim sas verify",
        "{}",
        stderr(output)
    );
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(output)));
    assert_shape(&value, schema_key);
    value
}

fn acs_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    vec![(
        "COMMUNICATION_SERVICES_CONNECTION_STRING",
        emulator.connection_string().expose().to_string(),
    )]
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn apim_env(emulator: &Emulator) -> Vec<(&'static str, String)> {
    let config = emulator.config();
    vec![
        ("AZURE_TENANT_ID", config.tenant_id().to_string()),
        ("AZURE_CLIENT_ID", config.client_id().to_string()),
        (
            "AZURE_CLIENT_SECRET",
            config.client_secret().expose().to_string(),
        ),
        ("AZURE_AUTHORITY_HOST", emulator.base_url().to_string()),
        (
            "AZURE_RESOURCE_MANAGER_ENDPOINT",
            emulator.base_url().to_string(),
        ),
    ]
}

#[test]
fn quickstart_runs_on_the_embedded_emulator_from_a_clean_home() {
    let output = run(&["quickstart"], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let out = stdout(&output);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "Azure Communication Services - User Access Tokens Quickstart"
    );
    assert!(
        lines[1].starts_with("Created a user with ID: 8:acs:"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("Issued a token with 'voip' scope that expires at "),
        "{out}"
    );
    // dd/mm/yy hh:mm ss AM/PM
    let when = lines[2]
        .trim_start_matches("Issued a token with 'voip' scope that expires at ")
        .trim_end_matches(':');
    assert!(
        chrono::NaiveDateTime::parse_from_str(when, "%d/%m/%y %I:%M %S %p").is_ok(),
        "{when}"
    );
    assert_eq!(lines[3].matches('.').count(), 2, "a JWT");
    assert!(lines[4].starts_with("Successfully revoked all tokens for user with ID: 8:acs:"));
    assert!(lines[5].starts_with("Deleted the user with ID: 8:acs:"));
    assert!(
        out.contains("userId1718") && out.contains("apimService1"),
        "{out}"
    );
    assert!(out.contains("SharedAccessSignature userId1718&"), "{out}");
    assert!(out.contains("Verified the token offline"), "{out}");
    assert!(
        stderr(&output).contains("embedded emulator"),
        "{}",
        stderr(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_commands_print_their_documented_json() {
    let emulator = emulator().await;
    let env = acs_env(&emulator);
    let env = env_refs(&env);

    let created = json(
        &run(&["identity", "user", "create"], &env),
        "identity user create",
    );
    let user_id = created["user_id"].as_str().unwrap().to_string();
    assert!(user_id.starts_with("8:acs:"));
    assert!(created.get("token").is_none());

    let with_token = json(
        &run(
            &[
                "identity",
                "user",
                "create",
                "--scope",
                "voip",
                "--scope",
                "chat",
                "--expires-in-minutes",
                "60",
            ],
            &env,
        ),
        "identity user create",
    );
    assert!(with_token["token"].as_str().unwrap().contains('.'));
    assert!(with_token["expires_on"].as_str().unwrap().ends_with('Z'));

    let issued = json(
        &run(
            &[
                "identity",
                "token",
                "issue",
                "--user-id",
                &user_id,
                "--scope",
                "voip",
            ],
            &env,
        ),
        "identity token issue",
    );
    assert_eq!(issued["user_id"], user_id.as_str());
    let fresh = json(
        &run(&["identity", "token", "issue", "--scope", "chat"], &env),
        "identity token issue",
    );
    assert_ne!(
        fresh["user_id"],
        user_id.as_str(),
        "without --user-id a user is created"
    );

    let revoked = json(
        &run(
            &["identity", "token", "revoke", "--user-id", &user_id],
            &env,
        ),
        "revoke",
    );
    assert_eq!(revoked["result"], "revoked");
    // Global flags work after the subcommand too.
    let deleted = json(
        &run(
            &[
                "identity",
                "user",
                "delete",
                "--user-id",
                &user_id,
                "--output",
                "json",
            ],
            &env,
        ),
        "delete",
    );
    assert_eq!(deleted["result"], "deleted");

    let gone = run(
        &[
            "identity",
            "token",
            "issue",
            "--user-id",
            &user_id,
            "--scope",
            "voip",
        ],
        &env,
    );
    assert_eq!(gone.status.code(), Some(1));
    assert!(stderr(&gone).contains("404"), "{}", stderr(&gone));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_exchange_prints_token_and_expiry() {
    let emulator = emulator().await;
    let env = acs_env(&emulator);
    let app = "11111111-2222-3333-4444-555555555555";
    let oid = "66666666-7777-8888-9999-000000000000";
    let aad = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://auth.msft.communication.azure.com",
        app,
        oid,
        chrono::Duration::hours(1),
    ));
    let out = run(
        &[
            "identity",
            "token",
            "get-for-teams-user",
            "--aad-token",
            aad.expose(),
            "--client-id",
            app,
            "--user-object-id",
            oid,
        ],
        &env_refs(&env),
    );
    let value = json(&out, "get-for-teams-user");
    assert!(value["token"].as_str().unwrap().contains('.'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_extension_assignments_and_exchange_print_their_documented_json() {
    use azure_user_tokens::adapters::acs_identity::{
        BOUND_OPERATIONS, EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN,
    };
    let emulator = emulator().await;
    let env = acs_env(&emulator);
    let env = env_refs(&env);
    let tenant = emulator.config().tenant_id().to_string();
    let object = "b27b64b9-39d2-44a3-869d-67700b74e805";
    let app = "2c3e1e83-8fd7-4615-ad2b-b8c1229845ac";
    let principal = ["--tenant-id", tenant.as_str(), "--object-id", object];
    let assignment = |verb: &str, extra: &[&str]| {
        let mut args = vec!["identity", "teams-extension", "assignment", verb];
        args.extend(principal);
        args.extend(extra);
        run(&args, &env)
    };
    let teams_token = emulator.mint_entra_token(&EntraTokenClaims::new(
        "https://communication.azure.com",
        app,
        object,
        chrono::Duration::hours(1),
    ));
    let exchange = || {
        run(
            &[
                "identity",
                "teams-extension",
                "exchange",
                "--token",
                teams_token.expose(),
            ],
            &env,
        )
    };
    if !BOUND_OPERATIONS.contains(&EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN) {
        let before = requests(&emulator);
        for out in [assignment("show", &[]), exchange()] {
            assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
            assert!(stderr(&out).contains("not supported by this build"));
        }
        assert_eq!(requests(&emulator), before);
        return;
    }

    let set = json(
        &assignment("set", &["--client-id", app]),
        "teams-extension assignment show / set",
    );
    assert_eq!(
        set,
        serde_json::json!({"tenant_id": tenant, "object_id": object, "principal_type": "user", "client_ids": [app]})
    );
    let shown = json(
        &assignment("show", &[]),
        "teams-extension assignment show / set",
    );
    assert_eq!(shown, set);

    let exchanged = json(&exchange(), "teams-extension exchange");
    assert!(exchanged["user_id"].as_str().unwrap().starts_with("8:acs:"));
    assert!(exchanged["token"].as_str().unwrap().contains('.'));

    let account = json(
        &assignment("set", &["--principal-type", "resource-account"]),
        "teams-extension assignment show / set",
    );
    assert_eq!(account["principal_type"], "resourceAccount");
    assert!(account.get("client_ids").is_none(), "{account}");
    let deleted = json(
        &assignment("delete", &[]),
        "teams-extension assignment delete",
    );
    assert_eq!(deleted["result"], "deleted");
    let gone = assignment("show", &[]);
    assert_eq!(gone.status.code(), Some(1));
    assert!(stderr(&gone).contains("404"), "{}", stderr(&gone));
    // Refused without an assignment, and the token never echoed.
    let refused = exchange();
    assert_eq!(refused.status.code(), Some(1));
    assert!(!stderr(&refused).contains(teams_token.expose()));

    let before = requests(&emulator);
    let bad = run(
        &[
            "identity",
            "teams-extension",
            "assignment",
            "show",
            "--tenant-id",
            "contoso",
            "--object-id",
            object,
        ],
        &env,
    );
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("tenant_id"), "{}", stderr(&bad));
    assert_eq!(requests(&emulator), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_ids_and_user_show_work_or_exit_2_as_the_build_allows() {
    use azure_user_tokens::adapters::acs_identity::{
        BOUND_OPERATIONS, CREATE_IDENTITY_CUSTOM_ID, GET_IDENTITY,
    };
    let emulator = emulator().await;
    let env = acs_env(&emulator);
    let env = env_refs(&env);
    let create = || {
        run(
            &["identity", "user", "create", "--custom-id", "alice"],
            &env,
        )
    };
    let show = |user: &str| run(&["identity", "user", "show", "--user-id", user], &env);

    let before = requests(&emulator);
    if BOUND_OPERATIONS.contains(&CREATE_IDENTITY_CUSTOM_ID) {
        let first = json(&create(), "identity user create");
        let again = json(&create(), "identity user create");
        assert_eq!(first["user_id"], again["user_id"]);
    } else {
        let out = create();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let message = stderr(&out);
        assert!(
            message.contains("customId") && message.contains("not supported"),
            "{message}"
        );
        assert_eq!(requests(&emulator), before);
    }

    let user = json(
        &run(&["identity", "user", "create"], &env),
        "identity user create",
    );
    let user_id = user["user_id"].as_str().unwrap();
    let before = requests(&emulator);
    if BOUND_OPERATIONS.contains(&GET_IDENTITY) {
        let shown = json(&show(user_id), "identity user show");
        assert_eq!(shown["user_id"], user_id);
    } else {
        let out = show(user_id);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("GET /identities/{id}"),
            "{}",
            stderr(&out)
        );
        assert_eq!(requests(&emulator), before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_validation_exits_2_and_sends_nothing() {
    let emulator = emulator().await;
    let env = acs_env(&emulator);
    let env = env_refs(&env);
    let before = requests(&emulator);
    for args in [
        vec![
            "identity",
            "user",
            "create",
            "--scope",
            "voip",
            "--expires-in-minutes",
            "59",
        ],
        vec![
            "identity",
            "token",
            "issue",
            "--user-id",
            "8:acs:x",
            "--scope",
            "voip",
            "--expires-in-minutes",
            "1441",
        ],
        vec!["identity", "user", "delete", "--user-id", " "],
        vec!["identity", "token", "issue"],
    ] {
        let out = run(&args, &env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert_eq!(requests(&emulator), before);

    let nothing = run(&["identity", "user", "create"], &[]);
    assert_eq!(nothing.status.code(), Some(2));
    assert!(stderr(&nothing).contains("COMMUNICATION_SERVICES_CONNECTION_STRING"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_exits_1_and_never_echoes_the_key() {
    let emulator = emulator().await;
    let key = "d3Jvbmcta2V5LXdyb25nLWtleS1ub3QtdGhpcy1vbmU=";
    let cs = format!("endpoint={};accesskey={key}", emulator.base_url());
    let out = run(
        &["identity", "user", "create", "-v"],
        &[("COMMUNICATION_SERVICES_CONNECTION_STRING", &cs)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("401"), "{err}");
    assert!(!err.contains(key) && !stdout(&out).contains(key), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apim_commands_work_against_the_emulator() {
    let emulator = emulator().await;
    let env = apim_env(&emulator);
    let env = env_refs(&env);
    let args = |extra: &[&'static str]| -> Vec<&'static str> {
        let mut args = vec!["apim", "user"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&APIM_SERVICE_ARGS);
        args
    };

    let mut token_args = args(&["token", "--user-id", "userId1718", "--expires-in", "8h"]);
    token_args.extend(["--key-type", "secondary"]);
    let token = json(&run(&token_args, &env), "apim user token");
    assert_eq!(token["user_id"], "userId1718");
    assert_eq!(token["key_type"], "secondary");
    assert!(token["token"].as_str().unwrap().starts_with("userId1718&"));
    assert!(
        token["expiry"].as_str().unwrap().ends_with(":00Z"),
        "truncated to the minute"
    );

    let shown = json(
        &run(&args(&["show", "--user-id", "1"]), &env),
        "apim user show",
    );
    assert_eq!(shown["user_id"], "1");

    let created = json(
        &run(
            &args(&[
                "create",
                "--user-id",
                "grace",
                "--email",
                "grace@example.com",
                "--first-name",
                "Grace",
                "--last-name",
                "Hopper",
            ]),
            &env,
        ),
        "apim user show",
    );
    assert_eq!(created["email"], "grace@example.com");
    let listed = json(&run(&args(&["list"]), &env), "apim user list");
    assert_eq!(listed.as_array().unwrap().len(), 3);
    let deleted = json(
        &run(&args(&["delete", "--user-id", "grace"]), &env),
        "apim user delete",
    );
    assert_eq!(deleted["result"], "deleted");

    let missing = run(&args(&["show", "--user-id", "nobody"]), &env);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("404"), "{}", stderr(&missing));

    let too_far = run(
        &args(&["token", "--user-id", "userId1718", "--expires-in", "31d"]),
        &env,
    );
    assert_eq!(too_far.status.code(), Some(2), "{}", stderr(&too_far));
    assert!(stderr(&too_far).contains("30 days"));
    let both = run(
        &args(&[
            "token",
            "--user-id",
            "u",
            "--expires-in",
            "1h",
            "--expiry",
            "2030-01-01T00:00:00Z",
        ]),
        &env,
    );
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn sas_mint_and_verify_offline() {
    let key = "emulator-like-key";
    let minted = json(
        &run(
            &[
                "apim",
                "sas",
                "mint",
                "--user-id",
                "userId1718",
                "--expires-in",
                "2h",
            ],
            &[("APIM_SAS_KEY", key)],
        ),
        "apim sas mint",
    );
    let token = minted["token"].as_str().unwrap().to_string();

    let verified = json(
        &run(&["apim", "sas", "verify", &token], &[("APIM_SAS_KEY", key)]),
        "apim sas verify",
    );
    assert_eq!(verified["valid"], true);
    assert_eq!(verified["user_id"], "userId1718");

    let from_stdin = run_with(
        &["apim", "sas", "verify", &token, "--key-stdin"],
        &[],
        Some(&format!("{key}\n")),
    );
    assert!(from_stdin.status.success(), "{}", stderr(&from_stdin));

    let wrong = run(
        &["apim", "sas", "verify", &token],
        &[("APIM_SAS_KEY", "other")],
    );
    assert_eq!(wrong.status.code(), Some(1));
    let wrong = json(&wrong, "apim sas verify");
    assert_eq!(wrong["valid"], false);

    let no_key = run(
        &[
            "apim",
            "sas",
            "mint",
            "--user-id",
            "u",
            "--expires-in",
            "1h",
        ],
        &[],
    );
    assert_eq!(no_key.status.code(), Some(2));
    assert!(stderr(&no_key).contains("APIM_SAS_KEY"));
    let malformed = run(
        &["apim", "sas", "verify", "garbage"],
        &[("APIM_SAS_KEY", key)],
    );
    assert_eq!(malformed.status.code(), Some(2));
    assert!(!stderr(&malformed).contains(key));
}

#[test]
fn token_inspect_decodes_without_checking() {
    let sas = "SharedAccessSignature userId1718&201904210044&iMVkmZplHHsgQ/cmkwEocc4feKcIpuHVFh2uhFAuIb+xZn/YqTkyC/iNDyOhswdRukPdJ4pJ2HORviLJZepTTQ==";
    let out = run(&["token", "inspect", sas], &[]);
    let value = json(&out, "token inspect");
    assert_eq!(value["kind"], "apim");
    assert_eq!(value["user_id"], "userId1718");
    assert_eq!(value["expired"], true);
    assert_eq!(value["signature_checked"], false);
    assert!(stderr(&out).contains("does not check signatures"));

    // {"alg":"none"}.{"exp":4102444800,"skypeid":"acs:x"}.sig
    let jwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjQxMDI0NDQ4MDAsInNreXBlaWQiOiJhY3M6eCJ9.c2ln";
    let value = json(&run(&["token", "inspect", jwt], &[]), "token inspect");
    assert_eq!(value["kind"], "acs");
    assert_eq!(value["claims"]["skypeid"], "acs:x");
    assert_eq!(value["expires_on"], "2100-01-01T00:00:00Z");

    let bad = run(&["token", "inspect", "nonsense"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn text_output_and_completions() {
    let out = run(
        &[
            "apim",
            "sas",
            "mint",
            "--user-id",
            "u1",
            "--expires-in",
            "1h",
            "-o",
            "text",
        ],
        &[("APIM_SAS_KEY", "k")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.lines().any(|l| l.starts_with("token: u1&")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("expiry: ")), "{text}");

    let completions = run(&["completions", "bash"], &[]);
    assert!(completions.status.success());
    assert!(stdout(&completions).contains("azure-user-tokens"));

    let bad = run(&["identity", "user", "frobnicate"], &[]);
    assert_eq!(bad.status.code(), Some(2));
}
