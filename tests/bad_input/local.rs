//! Input the client refuses before sending anything: connection strings,
//! endpoints, keys, scopes, lifetimes, ids, names, expiries, JWTs and SAS
//! tokens. Each row names the field its error must name.

use std::sync::Arc;

use azure_user_tokens::apim::{
    ApiManagementClient, ApimService, ApimUserRef, KeyType, ListUsersOptions, NewApimUser,
    SharedAccessToken,
};
use azure_user_tokens::credential::ClientSecretCredential;
use azure_user_tokens::identity::{
    CommunicationIdentityClient, CommunicationUserIdentifier, ConnectionString, Scope,
};
use azure_user_tokens::{Secret, jwt};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Duration, Utc};

use crate::expect::{Case, Expect};

const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
const SUB: &str = "00000000-0000-0000-0000-000000000000";

/// Valid clients and ids pointed at the emulator; each case spoils one input.
pub struct Ready {
    pub identity: CommunicationIdentityClient,
    pub apim: ApiManagementClient,
    pub user: CommunicationUserIdentifier,
    pub apim_user: ApimUserRef,
}

fn connection_string(body: &'static str) -> Expect {
    Expect::validation("connection_string", body)
}

async fn cs(text: String) -> azure_user_tokens::Result<()> {
    ConnectionString::parse(&text).map(|_| ())
}

async fn client_cs(text: String) -> azure_user_tokens::Result<()> {
    CommunicationIdentityClient::from_connection_string(&azure_user_tokens::Secret::new(text), None)
        .map(|_| ())
}

/// A JWT with this payload (header and signature do not matter).
fn jwt_with(payload: &str) -> String {
    format!("e30.{}.c2ln", URL_SAFE_NO_PAD.encode(payload))
}

async fn jwt_case(token: String) -> azure_user_tokens::Result<()> {
    jwt::expiry(&token).map(|_| ())
}

async fn sas_case(token: &'static str) -> azure_user_tokens::Result<()> {
    SharedAccessToken::parse(token).map(|_| ())
}

async fn names(
    subscription: &'static str,
    group: String,
    service: String,
    user: String,
) -> azure_user_tokens::Result<()> {
    ApimUserRef::new(subscription, &group, &service, &user).map(|_| ())
}

/// Connection strings, endpoints, keys and credentials: rejected at construction.
pub fn construction<'a>() -> Vec<Case<'a>> {
    let secret_credential = |tenant: &'static str,
                             client: &'static str,
                             secret: &'static str,
                             authority: &'static str| async move {
        ClientSecretCredential::new(
            tenant,
            client,
            azure_user_tokens::Secret::from(secret),
            Some(
                azure_user_tokens::credential::ClientSecretCredentialOptions::default()
                    .with_authority_host(authority),
            ),
        )
        .map(|_| ())
    };
    vec![
        case!(
            "cs: empty",
            connection_string("missing endpoint"),
            cs(String::new())
        ),
        case!(
            "cs: only endpoint",
            connection_string("missing accesskey"),
            cs("endpoint=https://x.communication.azure.com/".into())
        ),
        case!(
            "cs: only key",
            connection_string("missing endpoint"),
            cs(format!("accesskey={KEY}"))
        ),
        case!(
            "cs: empty endpoint",
            connection_string("missing endpoint"),
            cs(format!("endpoint=;accesskey={KEY}"))
        ),
        case!(
            "cs: empty key",
            connection_string("missing accesskey"),
            cs("endpoint=https://x.com/;accesskey=".into())
        ),
        case!(
            "cs: key not base64",
            Expect::validation("access_key", "not valid base64").never_says("not*base64"),
            cs("endpoint=https://x.com/;accesskey=not*base64".into())
        ),
        case!(
            "cs: endpoint not a URL",
            connection_string("not an absolute URL"),
            cs(format!("endpoint=not a url;accesskey={KEY}"))
        ),
        case!(
            "cs: plain http to a remote host",
            connection_string("plain http"),
            cs(format!("endpoint=http://x.com/;accesskey={KEY}"))
        ),
        case!(
            "cs: endpoint twice",
            connection_string("twice"),
            cs(format!(
                "endpoint=https://x.com/;endpoint=https://y.com/;accesskey={KEY}"
            ))
        ),
        case!(
            "cs: unknown key",
            connection_string("does not start with endpoint=").never_says(KEY),
            cs(format!("endpoint=https://x.com/;accesskey={KEY};extra=1"))
        ),
        case!(
            "cs: part without =",
            connection_string("has no '='").never_says(KEY),
            cs(format!("endpoint https://x.com/;accesskey={KEY}"))
        ),
        case!(
            "cs: a bare key pasted after the endpoint",
            connection_string("part 2").never_says("aaecawqfbgcicqol"),
            cs(format!("endpoint=https://x.com/;{KEY}"))
        ),
        case!(
            "cs: a bare key pasted, upper case kept",
            connection_string("part 2").never_says("AAECAwQFBgcICQoL"),
            cs(format!("endpoint=https://x.com/;{KEY}"))
        ),
        case!(
            "cs: accesskey:KEY",
            connection_string("does not start with").never_says("aaecawqfbgcicqol"),
            cs(format!("endpoint=https://x.com/;accesskey:{KEY}"))
        ),
        case!(
            "cs: the key pasted as the endpoint's host",
            connection_string("plain http").never_says("aaecawqfbgcicqol"),
            cs(format!(
                "endpoint=http://AAECAwQFBgcICQoLDA0/;accesskey={KEY}"
            ))
        ),
        case!(
            "cs: the key pasted in the endpoint's query",
            connection_string("query").never_says("AAECAwQFBgcICQoL"),
            cs(format!("endpoint=https://x.com/?{KEY};accesskey={KEY}"))
        ),
        case!(
            "cs: endpoint with a query",
            connection_string("query"),
            cs(format!("endpoint=https://x.com/?a=1;accesskey={KEY}"))
        ),
        case!(
            "cs: ftp endpoint",
            connection_string("https"),
            cs(format!("endpoint=ftp://x.com/;accesskey={KEY}"))
        ),
        case!(
            "cs: endpoint with a fragment",
            connection_string("fragment"),
            cs(format!("endpoint=https://x.com/#f;accesskey={KEY}"))
        ),
        case!(
            "cs: client from a bad string",
            connection_string("missing accesskey"),
            client_cs("endpoint=https://x.com/".into())
        ),
        case!(
            "endpoint: empty",
            Expect::validation("endpoint", "not an absolute URL"),
            async { CommunicationIdentityClient::from_access_key("", &Secret::new(KEY), None) }
        ),
        case!(
            "endpoint: relative",
            Expect::validation("endpoint", "not an absolute URL"),
            async {
                CommunicationIdentityClient::from_access_key(
                    "relative/path",
                    &Secret::new(KEY),
                    None,
                )
            }
        ),
        case!(
            "endpoint: plain http remote with a key",
            Expect::validation("endpoint", "plain http"),
            async {
                CommunicationIdentityClient::from_access_key(
                    "http://example.com",
                    &Secret::new(KEY),
                    None,
                )
            }
        ),
        case!(
            "endpoint: no host",
            Expect::validation("endpoint", "URL"),
            async {
                CommunicationIdentityClient::from_access_key("http://", &Secret::new(KEY), None)
            }
        ),
        case!(
            "management endpoint: not a URL",
            Expect::validation("management_endpoint", "not an absolute URL"),
            async { ApiManagementClient::new("not a url", static_credential(), None) }
        ),
        case!(
            "management endpoint: plain http remote",
            Expect::validation("management_endpoint", "plain http"),
            async {
                ApiManagementClient::new("http://management.example.com", static_credential(), None)
            }
        ),
        case!(
            "management endpoint: ftp",
            Expect::validation("management_endpoint", "https"),
            async {
                ApiManagementClient::new("ftp://management.example.com", static_credential(), None)
            }
        ),
        case!(
            "key: empty",
            Expect::validation("access_key", "empty"),
            async {
                CommunicationIdentityClient::from_access_key(
                    "https://x.com",
                    &Secret::new(""),
                    None,
                )
            }
        ),
        case!(
            "key: not base64",
            Expect::validation("access_key", "not valid base64").never_says("s3cret"),
            async {
                CommunicationIdentityClient::from_access_key(
                    "https://x.com",
                    &Secret::new("s3cret!!"),
                    None,
                )
            }
        ),
        case!(
            "key: whitespace",
            Expect::validation("access_key", "empty"),
            async {
                CommunicationIdentityClient::from_access_key(
                    "https://x.com",
                    &Secret::new("   "),
                    None,
                )
            }
        ),
        case!(
            "credential: empty secret",
            Expect::validation("client_secret", "empty"),
            secret_credential("t", "c", "", "https://login.example.com")
        ),
        case!(
            "credential: empty client id",
            Expect::validation("client_id", "empty"),
            secret_credential("t", " ", "s", "https://login.example.com")
        ),
        case!(
            "credential: tenant with /",
            Expect::validation("tenant_id", "GUID"),
            secret_credential("a/b", "c", "s", "https://login.example.com")
        ),
        case!(
            "credential: plain http authority",
            Expect::validation("authority_host", "plain http"),
            secret_credential("t", "c", "s", "http://login.example.com")
        ),
        case!(
            "key type: unknown",
            Expect::validation("key_type", "primary or secondary"),
            async { "tertiary".parse::<KeyType>() }
        ),
    ]
}

/// Calls with a bad argument on a valid client: nothing may reach the emulator.
pub fn calls(ready: &Ready) -> Vec<Case<'_>> {
    let identity = &ready.identity;
    let user = &ready.user;
    let apim = &ready.apim;
    let apim_user = &ready.apim_user;
    let now = Utc::now();
    let lifetime = move |lifetime: std::time::Duration| async move {
        identity
            .get_token(user, &[Scope::VoIp], Some(lifetime))
            .await
    };
    let minutes = |n: u64| std::time::Duration::from_secs(n * 60);
    let apim_token = move |expiry| async move {
        apim.get_shared_access_token(apim_user, KeyType::Primary, expiry)
            .await
    };
    let between = "60–1440";
    vec![
        case!(
            "scopes: none",
            Expect::validation("scopes", "at least one scope"),
            identity.get_token(user, &[], None)
        ),
        case!(
            "scopes: an empty one",
            Expect::validation("scopes", "empty"),
            identity.get_token(user, &[Scope::Other(String::new())], None)
        ),
        case!(
            "scopes: a blank one",
            Expect::validation("scopes", "empty"),
            identity.get_token(user, &[Scope::VoIp, Scope::Other("  ".into())], None)
        ),
        case!(
            "scopes: none with a new user",
            Expect::validation("scopes", "at least one scope"),
            identity.create_user_and_token(&[], None)
        ),
        case!(
            "lifetime: 0",
            Expect::validation("token_expires_in", between),
            lifetime(minutes(0))
        ),
        case!(
            "lifetime: 59",
            Expect::validation("token_expires_in", between),
            lifetime(minutes(59))
        ),
        case!(
            "lifetime: 1441",
            Expect::validation("token_expires_in", between),
            lifetime(minutes(1441))
        ),
        case!(
            "lifetime: u32::MAX minutes",
            Expect::validation("token_expires_in", between),
            lifetime(minutes(u64::from(u32::MAX)))
        ),
        case!(
            "lifetime: Duration::MAX",
            Expect::validation("token_expires_in", "whole number of minutes"),
            lifetime(std::time::Duration::MAX)
        ),
        case!(
            "lifetime: an hour and a second",
            Expect::validation("token_expires_in", "whole number of minutes"),
            lifetime(std::time::Duration::from_secs(3601))
        ),
        case!(
            "lifetime: 59 with a new user",
            Expect::validation("token_expires_in", between),
            identity.create_user_and_token(&[Scope::Chat], Some(minutes(59)))
        ),
        case!(
            "teams: empty token",
            Expect::validation("teams_user_aad_token", "empty"),
            identity.get_token_for_teams_user(&Secret::new(""), "app", "oid")
        ),
        case!(
            "teams: blank app id",
            Expect::validation("client_id", "empty"),
            identity.get_token_for_teams_user(&Secret::new("t"), " ", "oid")
        ),
        case!(
            "teams: empty user id",
            Expect::validation("user_object_id", "empty"),
            identity.get_token_for_teams_user(&Secret::new("t"), "app", "")
        ),
        case!(
            "expiry: in the past",
            Expect::validation("expiry", "not in the future"),
            apim_token(now - Duration::minutes(1))
        ),
        case!(
            "expiry: now",
            Expect::validation("expiry", "not in the future"),
            apim_token(now)
        ),
        case!(
            "expiry: 31 days ahead",
            Expect::validation("expiry", "30 days"),
            apim_token(now + Duration::days(31))
        ),
        case!(
            "expiry: year 9999",
            Expect::validation("expiry", "30 days"),
            apim_token(chrono::DateTime::<Utc>::MAX_UTC)
        ),
        case!(
            "apim user: email without @",
            Expect::validation("email", "@"),
            apim.create_or_update_user(apim_user, &NewApimUser::new("nobody", "A", "B"), None)
        ),
        case!(
            "apim user: blank first name",
            Expect::validation("first_name", "1–100"),
            apim.create_or_update_user(apim_user, &NewApimUser::new("a@b.c", " ", "B"), None)
        ),
        case!(
            "apim user: 101-character last name",
            Expect::validation("last_name", "1–100"),
            apim.create_or_update_user(
                apim_user,
                &NewApimUser::new("a@b.c", "A", "x".repeat(101)),
                None
            )
        ),
        case!(
            "apim list: page size 0",
            Expect::validation("page_size", "at least 1"),
            async {
                let page_size = ListUsersOptions::default().with_page_size(0);
                let mut users = apim.list_users(apim_user.service(), Some(page_size));
                users.next().await.expect("one item").map(|_| ())
            }
        ),
    ]
}

/// Ids, APIM names, JWTs and SAS tokens: parsed locally.
pub fn parsing<'a>() -> Vec<Case<'a>> {
    let id = |raw: &'static str| async move { CommunicationUserIdentifier::new(raw) };
    let long = |n: usize| "a".repeat(n);
    let ok = || "x".to_string();
    vec![
        case!("id: empty", Expect::validation("user_id", "empty"), id("")),
        case!(
            "id: blank",
            Expect::validation("user_id", "empty"),
            id("  ")
        ),
        case!(
            "id: slash",
            Expect::validation("user_id", "'/'"),
            id("8:acs:a/b")
        ),
        case!(
            "id: question mark",
            Expect::validation("user_id", "'?'"),
            id("8:acs:a?b")
        ),
        case!(
            "id: hash",
            Expect::validation("user_id", "'#'"),
            id("8:acs:a#b")
        ),
        case!(
            "id: space",
            Expect::validation("user_id", "' '"),
            id("8:acs:a b")
        ),
        case!(
            "id: control character",
            Expect::validation("user_id", r"'\0'"),
            id("8:acs:\u{0}")
        ),
        case!(
            "name: subscription not a UUID",
            Expect::validation("subscription_id", "UUID"),
            names("nope", ok(), ok(), ok())
        ),
        case!(
            "name: empty resource group",
            Expect::validation("resource_group", "1–90"),
            names(SUB, String::new(), ok(), ok())
        ),
        case!(
            "name: 91-character resource group",
            Expect::validation("resource_group", "1–90"),
            names(SUB, long(91), ok(), ok())
        ),
        case!(
            "name: resource group with /",
            Expect::validation("resource_group", "'/'"),
            names(SUB, "a/b".into(), ok(), ok())
        ),
        case!(
            "name: service starting with a digit",
            Expect::validation("service_name", "start with a letter"),
            names(SUB, ok(), "1svc".into(), ok())
        ),
        case!(
            "name: service ending with -",
            Expect::validation("service_name", "end with a letter or digit"),
            names(SUB, ok(), "svc-".into(), ok())
        ),
        case!(
            "name: 51-character service",
            Expect::validation("service_name", "1–50"),
            names(SUB, ok(), long(51), ok())
        ),
        case!(
            "name: service with _",
            Expect::validation("service_name", "only letters, digits and '-'"),
            names(SUB, ok(), "a_b".into(), ok())
        ),
        case!(
            "name: empty user id",
            Expect::validation("user_id", "1–80"),
            names(SUB, ok(), ok(), String::new())
        ),
        case!(
            "name: 81-character user id",
            Expect::validation("user_id", "1–80"),
            names(SUB, ok(), ok(), long(81))
        ),
        case!(
            "name: user id with ?",
            Expect::validation("user_id", "'?'"),
            names(SUB, ok(), ok(), "a?b".into())
        ),
        case!(
            "jwt: empty",
            Expect::validation("token", "three dot-separated parts"),
            jwt_case(String::new())
        ),
        case!(
            "jwt: two parts",
            Expect::validation("token", "three dot-separated parts"),
            jwt_case("a.b".into())
        ),
        case!(
            "jwt: four parts",
            Expect::validation("token", "three dot-separated parts"),
            jwt_case("a.b.c.d".into())
        ),
        case!(
            "jwt: payload not base64url",
            Expect::validation("token", "not base64url"),
            jwt_case("a.!!!.c".into())
        ),
        case!(
            "jwt: payload not JSON",
            Expect::validation("token", "not a JSON object"),
            jwt_case(jwt_with("not json"))
        ),
        case!(
            "jwt: no exp",
            Expect::validation("token", "no numeric exp"),
            jwt_case(jwt_with(r#"{"iat":1}"#))
        ),
        case!(
            "jwt: exp is a string",
            Expect::validation("token", "no numeric exp"),
            jwt_case(jwt_with(r#"{"exp":"soon"}"#))
        ),
        case!(
            "jwt: exp negative",
            Expect::validation("token", "out of range"),
            jwt_case(jwt_with(r#"{"exp":-5}"#))
        ),
        case!(
            "jwt: exp past year 9999",
            Expect::validation("token", "out of range"),
            jwt_case(jwt_with(r#"{"exp":1e300}"#))
        ),
        case!(
            "jwt: payload is an array",
            Expect::validation("token", "no numeric exp"),
            jwt_case(jwt_with("[1,2]"))
        ),
        case!(
            "sas: empty",
            Expect::validation("token", "empty"),
            sas_case("")
        ),
        case!(
            "sas: scheme only",
            Expect::validation("token", "empty"),
            sas_case("SharedAccessSignature ")
        ),
        case!(
            "sas: one part",
            Expect::validation("token", "expected <userId>&<yyyyMMddHHmm>&<signature>"),
            sas_case("justone")
        ),
        case!(
            "sas: two parts",
            Expect::validation("token", "expected <userId>"),
            sas_case("a&b")
        ),
        case!(
            "sas: 10-digit expiry",
            Expect::validation("token", "12 digits"),
            sas_case("u&2019042100&c2ln")
        ),
        case!(
            "sas: letter in expiry",
            Expect::validation("token", "12 digits"),
            sas_case("u&20190421004x&c2ln")
        ),
        case!(
            "sas: month 13",
            Expect::validation("token", "not a valid date"),
            sas_case("u&201913410044&c2ln")
        ),
        case!(
            "sas: signature not base64",
            Expect::validation("token", "not base64"),
            sas_case("u&201904210044&not base64!")
        ),
        case!(
            "sas: empty user id",
            Expect::validation("token", "user id is empty"),
            sas_case("&201904210044&c2ln")
        ),
        case!(
            "sas: uid form without ex",
            Expect::validation("token", "missing &ex="),
            sas_case("uid=u&sn=c2ln")
        ),
        case!(
            "sas: uid form with a bad date",
            Expect::validation("token", "RFC 3339"),
            sas_case("uid=u&ex=yesterday&sn=c2ln")
        ),
        case!(
            "sas: uid form without sn",
            Expect::validation("token", "missing &sn="),
            sas_case("uid=u&ex=2019-04-21T00:44:00Z")
        ),
        case!(
            "sas mint: & in user id",
            Expect::validation("user_id", "'&'"),
            async { SharedAccessToken::mint("a&b", &Secret::new("k"), Utc::now()) }
        ),
        case!(
            "sas mint: line break in user id",
            Expect::validation("user_id", "line break"),
            async { SharedAccessToken::mint("a\nb", &Secret::new("k"), Utc::now()) }
        ),
        case!(
            "sas mint: empty key",
            Expect::validation("key", "empty"),
            async { SharedAccessToken::mint("u", &Secret::new(""), Utc::now()) }
        ),
        case!(
            "service: valid names, bad user",
            Expect::validation("user_id", "1–80"),
            async { ApimService::new(SUB, "rg1", "apimService1")?.user("") }
        ),
    ]
}

fn static_credential() -> Arc<dyn azure_user_tokens::credential::TokenCredential> {
    Arc::new(azure_user_tokens::credential::StaticTokenCredential::new(
        azure_user_tokens::AccessToken::new("not-a-real-token", Utc::now() + Duration::hours(1)),
    ))
}
