//! Malformed answers from a scripted server: invalid JSON, missing or
//! mistyped fields, a 10 MB body, a stall mid-body, an early close.

use std::sync::Arc;
use std::time::Duration;

use azure_user_tokens::apim::{ApiManagementClient, ApimUserRef, KeyType};
use azure_user_tokens::credential::{ClientSecretCredential, MANAGEMENT_SCOPE, TokenCredential};
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, Scope,
};
use azure_user_tokens::pipeline::{ClientOptions, RetryOptions};
use azure_user_tokens::{AccessToken, ErrorKind};
use chrono::{Duration as Span, Utc};

use crate::expect::Expect;
use crate::raw_server::{RawServer, Script};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
/// Ten megabytes, as the issue asks.
const TEN_MB: usize = 10 * 1000 * 1000;

/// The operation a case calls against the scripted server.
#[derive(Debug, Clone, Copy)]
pub enum Op {
    IssueToken,
    CreateUser,
    CreateUserAndToken,
    RevokeTokens,
    ApimToken,
    ApimGetUser,
    ApimList,
    EntraToken,
    ManagedIdentity,
}

/// One row: what the server sends, which call meets it, what the error must be.
pub struct ServerCase {
    pub name: &'static str,
    pub script: Script,
    pub op: Op,
    pub expect: Expect,
}

fn row(name: &'static str, script: Script, op: Op, expect: Expect) -> ServerCase {
    ServerCase {
        name,
        script,
        op,
        expect,
    }
}

fn invalid(says: &'static str) -> Expect {
    Expect::kind(ErrorKind::InvalidResponse, says)
}

/// A JSON body of `size` bytes that would parse as an access token.
fn huge_token_body(size: usize) -> Vec<u8> {
    let head = br#"{"expiresOn":"2030-01-01T00:00:00+00:00","token":""#;
    let tail = br#""}"#;
    let mut body = head.to_vec();
    body.resize(size - tail.len(), b'a');
    body.extend_from_slice(tail);
    body
}

pub fn cases() -> Vec<ServerCase> {
    use Op::*;
    let expires = r#""expiresOn":"2030-01-01T00:00:00.1234567+00:00""#;
    vec![
        row(
            "token: invalid JSON",
            Script::json(200, "{not json"),
            IssueToken,
            invalid("could not be read").status(200),
        ),
        row(
            "token: empty body",
            Script::json(200, ""),
            IssueToken,
            invalid("could not be read"),
        ),
        row(
            "token: JSON null",
            Script::json(200, "null"),
            IssueToken,
            invalid("could not be read"),
        ),
        row(
            "token: missing token",
            Script::json(200, &format!("{{{expires}}}")),
            IssueToken,
            invalid("token"),
        ),
        row(
            "token: missing expiresOn",
            Script::json(200, r#"{"token":"a.b.c"}"#),
            IssueToken,
            invalid("expiresOn"),
        ),
        row(
            "token: token is a number",
            Script::json(200, &format!(r#"{{"token":5,{expires}}}"#)),
            IssueToken,
            invalid("invalid type"),
        ),
        row(
            "token: expiresOn is not a date",
            Script::json(200, r#"{"token":"a.b.c","expiresOn":"tomorrow"}"#),
            IssueToken,
            invalid("could not be read"),
        ),
        row(
            "token: empty token",
            Script::json(200, &format!(r#"{{"token":"",{expires}}}"#)),
            IssueToken,
            invalid("token is missing"),
        ),
        row(
            "token: an array",
            Script::json(200, "[]"),
            IssueToken,
            invalid("could not be read"),
        ),
        row(
            "create: identity without id",
            Script::json(201, r#"{"identity":{}}"#),
            CreateUser,
            invalid("id"),
        ),
        row(
            "create: identity is a string",
            Script::json(201, r#"{"identity":"SECRET-ECHO-aaaaaaaaaaaaaaaa"}"#),
            CreateUser,
            invalid("invalid type").never_says("SECRET-ECHO"),
        ),
        row(
            "create: empty id",
            Script::json(201, r#"{"identity":{"id":""}}"#),
            CreateUser,
            invalid("no id"),
        ),
        row(
            "create with token: no token",
            Script::json(201, r#"{"identity":{"id":"8:acs:x_y"}}"#),
            CreateUserAndToken,
            invalid("no token"),
        ),
        row(
            "token: 10 MB body with Content-Length",
            Script::bytes(200, &huge_token_body(TEN_MB)),
            IssueToken,
            invalid("larger than"),
        ),
        row(
            "token: 10 MB chunked body",
            Script::chunked(200, &huge_token_body(TEN_MB)),
            IssueToken,
            invalid("larger than"),
        ),
        row(
            "token: stalls mid-body",
            Script::stall_mid_body(200, r#"{"token":"a."#),
            IssueToken,
            Expect::kind(ErrorKind::Timeout, "timed out").holds("is_timeout", |e| e.is_timeout()),
        ),
        row(
            "token: closes mid-body",
            Script::close_early(200, r#"{"token":"a."#),
            IssueToken,
            Expect::kind(ErrorKind::Transport, "connection"),
        ),
        row(
            "token: closes without answering",
            Script::hang_up(),
            IssueToken,
            Expect::kind(ErrorKind::Transport, "connection"),
        ),
        row(
            "token: not HTTP at all",
            Script::Reply(Arc::new(b"HELLO\r\n\r\n".to_vec())),
            IssueToken,
            Expect::kind(ErrorKind::Transport, "connection"),
        ),
        row(
            "error: 404 with a non-JSON body",
            Script::json(404, "<html>gone</html>"),
            IssueToken,
            Expect::kind(ErrorKind::Service, "404")
                .status(404)
                .holds("is_not_found", |e| e.is_not_found()),
        ),
        row(
            "error: 401 with an empty body",
            Script::json(401, ""),
            RevokeTokens,
            Expect::kind(ErrorKind::Service, "401")
                .status(401)
                .holds("is_unauthorized", |e| e.is_unauthorized()),
        ),
        row(
            "error: 400 without an error object",
            Script::json(400, r#"{"message":"nope"}"#),
            IssueToken,
            Expect::kind(ErrorKind::Service, "answered 400")
                .status(400)
                .holds("is_bad_request", |e| e.is_bad_request()),
        ),
        row(
            "error: 400 with a mistyped code",
            Script::json(400, r#"{"error":{"code":5,"message":"bad scopes"}}"#),
            IssueToken,
            Expect::kind(ErrorKind::Service, "answered 400").status(400),
        ),
        row(
            "error: 10 MB error body",
            Script::bytes(403, &huge_token_body(TEN_MB)),
            IssueToken,
            Expect::kind(ErrorKind::Service, "403").status(403),
        ),
        row(
            "apim token: not a token",
            Script::json(200, r#"{"value":"garbage"}"#),
            ApimToken,
            invalid("cannot read"),
        ),
        row(
            "apim token: value is a number",
            Script::json(200, r#"{"value":5}"#),
            ApimToken,
            invalid("could not be read"),
        ),
        row(
            "apim token: no value",
            Script::json(200, "{}"),
            ApimToken,
            invalid("no value"),
        ),
        row(
            "apim user: no name",
            Script::json(200, r#"{"properties":{}}"#),
            ApimGetUser,
            invalid("no name"),
        ),
        row(
            "apim user: invalid JSON",
            Script::json(200, "{"),
            ApimGetUser,
            invalid("could not be read"),
        ),
        row(
            "apim list: nextLink to another origin",
            Script::json(
                200,
                r#"{"value":[],"nextLink":"http://other.example.com/next"}"#,
            ),
            ApimList,
            invalid("refusing to follow"),
        ),
        row(
            "apim list: nextLink not a URL",
            Script::json(200, r#"{"value":[],"nextLink":"::::"}"#),
            ApimList,
            invalid("not a URL"),
        ),
        row(
            "apim list: value is an object",
            Script::json(200, r#"{"value":{"name":"x"}}"#),
            ApimList,
            invalid("could not be read"),
        ),
        row(
            "entra: invalid JSON",
            Script::json(200, "{"),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "unreadable body"),
        ),
        row(
            "entra: no expires_in",
            Script::json(200, r#"{"access_token":"x"}"#),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "expires_in"),
        ),
        row(
            "entra: expires_in not a number",
            Script::json(200, r#"{"access_token":"x","expires_in":"soon"}"#),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "expires_in"),
        ),
        row(
            "entra: invalid_client",
            Script::json(
                401,
                r#"{"error":"invalid_client","error_description":"bad secret"}"#,
            ),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "invalid_client")
                .holds("is_unauthorized", |e| e.is_unauthorized()),
        ),
        row(
            "entra: expires_in past year 9999",
            Script::json(200, r#"{"access_token":"x","expires_in":99999999999999}"#),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "expires_in"),
        ),
        row(
            "entra: expires_in of i64::MAX, as a string",
            Script::json(
                200,
                r#"{"access_token":"x","expires_in":"9223372036854775807"}"#,
            ),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "expires_in"),
        ),
        row(
            "entra: a redirect to another origin",
            Script::redirect(307),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "redirect")
                .status(307)
                .never_says("from-the-redirect"),
        ),
        row(
            "managed identity: expires_on of i64::MAX",
            Script::json(
                200,
                r#"{"access_token":"x","expires_on":"9223372036854775807"}"#,
            ),
            ManagedIdentity,
            Expect::kind(ErrorKind::Credential, "expires_on"),
        ),
        row(
            "managed identity: a redirect",
            Script::redirect(302),
            ManagedIdentity,
            Expect::kind(ErrorKind::Credential, "redirect").status(302),
        ),
        row(
            "token: 503 asking to wait 1e20 seconds",
            Script::with_headers(503, "retry-after: 1e20\r\n", "{}"),
            IssueToken,
            Expect::kind(ErrorKind::Service, "503").status(503),
        ),
        row(
            "create: 503 asking to wait until year 9999",
            Script::with_headers(503, "retry-after: Fri, 31 Dec 9999 23:59:59 GMT\r\n", "{}"),
            CreateUser,
            Expect::kind(ErrorKind::Service, "503").status(503),
        ),
        row(
            "apim token: 429 asking to wait 1e30 ms",
            Script::with_headers(429, "retry-after-ms: 1e30\r\n", "{}"),
            ApimToken,
            Expect::kind(ErrorKind::Service, "429")
                .status(429)
                .holds("is_throttled", |e| e.is_throttled()),
        ),
        row(
            "apim user: 429 asking x-ms-retry-after-ms of 1e300",
            Script::with_headers(429, "x-ms-retry-after-ms: 1e300\r\n", "{}"),
            ApimGetUser,
            Expect::kind(ErrorKind::Service, "429").status(429),
        ),
        row(
            "token: a redirect to another origin (HMAC-signed)",
            Script::redirect(307),
            IssueToken,
            Expect::kind(ErrorKind::Service, "redirect")
                .status(307)
                .never_says("from-the-redirect"),
        ),
        row(
            "apim token: a redirect to another origin (bearer)",
            Script::redirect(308),
            ApimToken,
            Expect::kind(ErrorKind::Service, "redirect").status(308),
        ),
        row(
            "apim list: a redirect on the first page",
            Script::redirect(301),
            ApimList,
            Expect::kind(ErrorKind::Service, "redirect").status(301),
        ),
        row(
            "entra: 10 MB body",
            Script::bytes(200, &huge_token_body(TEN_MB)),
            EntraToken,
            Expect::kind(ErrorKind::Credential, "unreadable"),
        ),
    ]
}

/// Short timeouts and one retry, so every case ends in well under a second or two.
fn options() -> ClientOptions {
    ClientOptions::default()
        .with_retry(
            RetryOptions::default()
                .with_max_retries(1)
                .with_initial_delay(Duration::from_millis(1)),
        )
        .with_attempt_timeout(Duration::from_millis(800))
        .with_total_timeout(Duration::from_secs(10))
}

/// Runs `op` against `server`.
pub async fn call(op: Op, server: &RawServer) -> azure_user_tokens::Result<()> {
    let url = server.url();
    let identity = || {
        CommunicationIdentityClient::from_connection_string(
            &azure_user_tokens::Secret::new(format!("endpoint={url}/;accesskey={KEY}")),
            Some(
                azure_user_tokens::identity::CommunicationIdentityClientOptions::default()
                    .with_client_options(options()),
            ),
        )
    };
    let user = CommunicationUserIdentifier::new("8:acs:x_y")?;
    let apim = || {
        let credential = azure_user_tokens::credential::StaticTokenCredential::new(
            AccessToken::new("bearer-for-a-scripted-server", Utc::now() + Span::hours(1)),
        );
        ApiManagementClient::new(
            &url,
            Arc::new(credential),
            Some(
                azure_user_tokens::apim::ApiManagementClientOptions::default()
                    .with_client_options(options()),
            ),
        )
    };
    let apim_user = ApimUserRef::new("00000000-0000-0000-0000-000000000000", "rg1", "svc1", "u1")?;
    match op {
        Op::IssueToken => identity()?
            .get_token(&user, &[Scope::VoIp], None)
            .await
            .map(drop),
        Op::CreateUser => identity()?.create_user().await.map(drop),
        Op::CreateUserAndToken => identity()?
            .create_user_and_token(&[Scope::Chat], None)
            .await
            .map(drop),
        Op::RevokeTokens => identity()?.revoke_tokens(&user).await,
        Op::ApimToken => apim()?
            .get_shared_access_token(&apim_user, KeyType::Primary, Utc::now() + Span::hours(1))
            .await
            .map(drop),
        Op::ApimGetUser => apim()?.get_user(&apim_user).await.map(drop),
        Op::ApimList => {
            let client = apim()?;
            let mut users = client.list_users(apim_user.service(), None);
            while let Some(user) = users.next().await {
                user?;
            }
            Ok(())
        }
        Op::ManagedIdentity => {
            azure_user_tokens::credential::ManagedIdentityCredential::new(Some(
                azure_user_tokens::credential::ManagedIdentityCredentialOptions::default()
                    .with_endpoint(&url),
            ))?
            .get_token(MANAGEMENT_SCOPE)
            .await
            .map(drop)
        }
        Op::EntraToken => ClientSecretCredential::new(
            "tenant1",
            "client1",
            azure_user_tokens::Secret::from("client-secret-1"),
            Some(
                azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                    .with_authority_host(&url)
                    .with_client_options(options()),
            ),
        )?
        .get_token(MANAGEMENT_SCOPE)
        .await
        .map(drop),
    }
}
