//! Bad input to the command-line tool: hostile durations, dates, timeouts and
//! connection strings, and hostile answers from a scripted server. Every case
//! ends with exit code 2 (bad input, nothing sent) or 1 (the service or the
//! network failed) and a message saying why — never 101 (a panic), never
//! the secret it was given.

use std::time::{Duration, Instant};

use crate::common::{APIM_SERVICE_ARGS, cli_command, output_of};
use crate::raw_server::Script;

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// The key as the old parser echoed it (lower-cased).
const KEY_LOWER: &str = "aaecawqfbgcicqol";

/// One command line and what must come of it.
pub struct CliCase {
    pub name: &'static str,
    pub args: Vec<String>,
    pub env: Vec<(&'static str, String)>,
    pub exit_code: i32,
    pub says: &'static str,
    pub never_says: Option<&'static str>,
}

fn case(name: &'static str, args: &[&str], exit_code: i32, says: &'static str) -> CliCase {
    CliCase {
        name,
        args: args.iter().map(|a| a.to_string()).collect(),
        env: Vec::new(),
        exit_code,
        says,
        never_says: None,
    }
}

impl CliCase {
    fn env(mut self, name: &'static str, value: impl Into<String>) -> CliCase {
        self.env.push((name, value.into()));
        self
    }

    fn never_says(mut self, text: &'static str) -> CliCase {
        self.never_says = Some(text);
        self
    }
}

fn mint(expiry_flag: &str, value: &str) -> Vec<String> {
    ["apim", "sas", "mint", "--user-id", "u", expiry_flag, value]
        .map(String::from)
        .to_vec()
}

fn user_token(expiry_flag: &str, value: &str) -> Vec<String> {
    let mut args: Vec<String> = ["apim", "user", "token", "--user-id", "u1"]
        .map(String::from)
        .to_vec();
    args.extend(APIM_SERVICE_ARGS.map(String::from));
    args.extend([expiry_flag.to_string(), value.to_string()]);
    args
}

/// Input the CLI must refuse before sending anything (exit code 2).
pub fn local_cases() -> Vec<CliCase> {
    let mut cases = Vec::new();
    for (name, value, says) in [
        ("mint: a multi-byte unit", "5é", "not <n>m"),
        ("mint: only a multi-byte character", "é", "not <n>m"),
        ("mint: an emoji unit", "5\u{1F600}", "not <n>m"),
        ("mint: 100000000 days", "100000000d", "after 9999"),
        (
            "mint: 9999999999999 minutes",
            "9999999999999m",
            "after 9999",
        ),
        (
            "mint: more days than i64 holds",
            "99999999999999999999d",
            "not <n>m",
        ),
        ("mint: a sign", "+5h", "not <n>m"),
    ] {
        cases.push(CliCase {
            args: mint("--expires-in", value),
            env: vec![("APIM_SAS_KEY", "k".into())],
            ..case(name, &[], 2, says)
        });
    }
    for (name, value, says) in [
        ("mint: a leap second", "2030-12-31T23:59:60Z", "leap second"),
        (
            "mint: year 10000",
            "10000-01-01T00:00:00Z",
            "not an RFC 3339",
        ),
        ("mint: a bare date", "2030-01-01", "not an RFC 3339"),
    ] {
        cases.push(CliCase {
            args: mint("--expiry", value),
            env: vec![("APIM_SAS_KEY", "k".into())],
            ..case(name, &[], 2, says)
        });
    }
    for (name, flag, value, says) in [
        (
            "user token: a multi-byte unit",
            "--expires-in",
            "5é",
            "not <n>m",
        ),
        (
            "user token: 100000000 days",
            "--expires-in",
            "100000000d",
            "after 9999",
        ),
        (
            "user token: a leap second",
            "--expiry",
            "2030-12-31T23:59:60Z",
            "leap second",
        ),
    ] {
        cases.push(CliCase {
            args: user_token(flag, value),
            ..case(name, &[], 2, says)
        });
    }
    for (name, value) in [
        ("timeout: zero", "0"),
        ("timeout: a multi-byte unit", "5é"),
        ("timeout: past a day", "25h"),
        (
            "timeout: more hours than u64 seconds",
            "18446744073709551615h",
        ),
    ] {
        cases.push(case(
            name,
            &["--timeout", value, "token", "inspect", "x"],
            2,
            "--timeout",
        ));
    }
    cases.extend([
        case(
            "connection string: a bare key, from the environment",
            &["identity", "user", "create"],
            2,
            "part 2",
        )
        .env(
            "COMMUNICATION_SERVICES_CONNECTION_STRING",
            format!("endpoint=https://x.com/;{KEY}"),
        )
        .never_says(KEY_LOWER),
        case(
            "connection string: accesskey:KEY, as a flag",
            &[
                "identity",
                "user",
                "create",
                "--connection-string",
                &format!("endpoint=https://x.com/;accesskey:{KEY}"),
            ],
            2,
            "does not start with",
        )
        .never_says(KEY_LOWER),
        case(
            "connection string: the key as the endpoint",
            &["identity", "user", "create"],
            2,
            "not an absolute URL",
        )
        .env(
            "AZURE_COMMUNICATION_CONNECTION_STRING",
            format!("endpoint={KEY};accesskey={KEY}"),
        )
        .never_says("AAECAwQFBgcICQoL"),
        case(
            "identity: minutes past u32",
            &[
                "identity",
                "token",
                "issue",
                "--scope",
                "voip",
                "--expires-in-minutes",
                "99999999999999",
            ],
            2,
            "invalid value",
        ),
    ]);
    cases
}

/// The CLI against hostile answers (exit code 1, quickly): `url` is the
/// scripted server, whose script each case names.
pub fn server_cases(url: &str, script: &str) -> Vec<CliCase> {
    let entra = |case: CliCase| {
        case.env("AZURE_TENANT_ID", "t")
            .env("AZURE_CLIENT_ID", "c")
            .env("AZURE_CLIENT_SECRET", "client-secret-for-bad-input")
            .env("AZURE_AUTHORITY_HOST", url)
            .env("AZURE_RESOURCE_MANAGER_ENDPOINT", url)
            .never_says("client-secret-for-bad-input")
    };
    let acs = format!("endpoint={url}/;accesskey={KEY}");
    let mut show = vec!["apim", "user", "show", "--user-id", "u1"];
    show.extend(APIM_SERVICE_ARGS);
    match script {
        "expires_in" => vec![entra(case(
            "entra answers expires_in past year 9999",
            &show,
            1,
            "expires_in",
        ))],
        "retry_after" => vec![
            case(
                "a 503 asking to wait 1e20 s, under --timeout",
                &[
                    "--timeout",
                    "3s",
                    "identity",
                    "user",
                    "create",
                    "--connection-string",
                    &acs,
                ],
                1,
                "--timeout",
            )
            .never_says(KEY),
        ],
        "redirect" => vec![
            entra(case(
                "entra answers 307 to another origin",
                &show,
                1,
                "redirect",
            )),
            case(
                "ACS answers 308 to another origin",
                &["identity", "user", "create", "--connection-string", &acs],
                1,
                "redirect",
            )
            .never_says("from-the-redirect"),
        ],
        _ => Vec::new(),
    }
}

/// The scripts [`server_cases`] meet, by name.
pub fn scripts() -> Vec<(&'static str, Script)> {
    vec![
        (
            "expires_in",
            Script::json(200, r#"{"access_token":"x","expires_in":99999999999999}"#),
        ),
        (
            "retry_after",
            Script::with_headers(503, "retry-after: 1e20\r\n", "{}"),
        ),
        ("redirect", Script::redirect(307)),
    ]
}

/// Runs a case; `Err` says what was wrong.
pub fn run(case: &CliCase) -> Result<(), String> {
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let env: Vec<(&str, &str)> = case.env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let started = Instant::now();
    let output = output_of(cli_command(&args, &env), None);
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let code = output.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if code != case.exit_code {
        problems.push(format!("exit code {code}, expected {}", case.exit_code));
    }
    if !stderr.to_lowercase().contains(&case.says.to_lowercase()) {
        problems.push(format!("stderr does not say {:?}", case.says));
    }
    if stderr.contains("panicked") {
        problems.push("it panicked".into());
    }
    if let Some(secret) = case.never_says
        && (stderr.contains(secret) || String::from_utf8_lossy(&output.stdout).contains(secret))
    {
        problems.push(format!("it printed {secret:?}"));
    }
    if elapsed > Duration::from_secs(20) {
        problems.push(format!("it took {elapsed:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}: {} — stderr: {}",
            case.name,
            problems.join("; "),
            stderr.trim()
        ))
    }
}
