//! Wire tests of the generated clients against a server the test starts on
//! 127.0.0.1.
//!
//! Each test starts a [`capture::CaptureServer`] that records every request
//! exactly as it arrived (method, raw request target, headers, body bytes)
//! and answers with one canned status and JSON body. The generated clients
//! are built through `azure_user_tokens::adapters`, with a plain pipeline, so
//! what is checked here is what progenitor's code puts on the wire and how it
//! reads the answers.
//!
//! The api-version is never written down as a literal: it comes from
//! `adapters::<service>::default_api_version()`, so these tests keep passing
//! when the build is pointed at another api-version of the specs.

// The capture server is axum, an optional dependency enabled by the default
// `emulator` feature.
#![cfg(feature = "emulator")]

mod capture {
    //! A tiny HTTP server that records requests and answers with a canned reply.

    use std::sync::{Arc, Mutex};

    use axum::Router;
    use axum::body::{Body, Bytes};
    use axum::extract::{Request, State};
    use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
    use axum::response::Response;
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    /// One request, as the server received it.
    #[derive(Clone, Debug)]
    pub struct Captured {
        pub method: Method,
        /// Path and query exactly as they were on the request line, not decoded.
        pub target: String,
        pub headers: HeaderMap,
        pub body: Bytes,
    }

    impl Captured {
        /// The raw path (the target up to `?`).
        pub fn path(&self) -> &str {
            self.target
                .split_once('?')
                .map_or(self.target.as_str(), |(path, _)| path)
        }

        /// The raw query (after `?`), if there was one.
        pub fn raw_query(&self) -> Option<&str> {
            self.target.split_once('?').map(|(_, query)| query)
        }

        /// The query, decoded into name/value pairs in the order sent.
        pub fn query_pairs(&self) -> Vec<(String, String)> {
            url::form_urlencoded::parse(self.raw_query().unwrap_or("").as_bytes())
                .into_owned()
                .collect()
        }

        /// Every decoded value sent for the query parameter `name`.
        pub fn query_values(&self, name: &str) -> Vec<String> {
            self.query_pairs()
                .into_iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v)
                .collect()
        }

        /// Every value of header `name`, as text.
        pub fn header_values(&self, name: &str) -> Vec<&str> {
            self.headers
                .get_all(name)
                .iter()
                .map(|v| v.to_str().expect("header value is text"))
                .collect()
        }

        /// The single value of header `name`; panics when it was sent more than once.
        pub fn header(&self, name: &str) -> Option<&str> {
            let values = self.header_values(name);
            assert!(
                values.len() <= 1,
                "header {name} sent {} times",
                values.len()
            );
            values.first().copied()
        }

        /// The body parsed as JSON; panics when it is not JSON.
        pub fn json(&self) -> serde_json::Value {
            serde_json::from_slice(&self.body).unwrap_or_else(|e| {
                panic!(
                    "request body is not JSON ({e}): {:?}",
                    String::from_utf8_lossy(&self.body)
                )
            })
        }
    }

    /// What the server answers to every request.
    #[derive(Clone, Debug)]
    pub struct Reply {
        status: StatusCode,
        headers: Vec<(HeaderName, HeaderValue)>,
        body: Option<serde_json::Value>,
    }

    impl Reply {
        /// `status` with `body` as `application/json`.
        pub fn json(status: u16, body: serde_json::Value) -> Self {
            Reply {
                status: StatusCode::from_u16(status).expect("valid status"),
                headers: Vec::new(),
                body: Some(body),
            }
        }

        /// `status` with no body (e.g. 204).
        pub fn empty(status: u16) -> Self {
            Reply {
                status: StatusCode::from_u16(status).expect("valid status"),
                headers: Vec::new(),
                body: None,
            }
        }

        /// Adds a response header.
        pub fn header(mut self, name: &'static str, value: &str) -> Self {
            self.headers.push((
                HeaderName::from_static(name),
                HeaderValue::from_str(value).expect("valid header value"),
            ));
            self
        }

        fn to_response(&self) -> Response {
            let mut builder = Response::builder().status(self.status);
            for (name, value) in &self.headers {
                builder = builder.header(name, value);
            }
            let body = match &self.body {
                Some(json) => {
                    builder = builder.header(header::CONTENT_TYPE, "application/json");
                    Body::from(serde_json::to_vec(json).expect("reply serializes"))
                }
                None => Body::empty(),
            };
            builder.body(body).expect("valid response")
        }
    }

    struct Shared {
        reply: Reply,
        requests: Mutex<Vec<Captured>>,
    }

    /// The running server; it stops when dropped.
    pub struct CaptureServer {
        base_url: String,
        shared: Arc<Shared>,
        task: JoinHandle<()>,
    }

    impl CaptureServer {
        /// Starts on `127.0.0.1:0`, answering every request with `reply`.
        pub async fn start(reply: Reply) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind 127.0.0.1:0");
            let address = listener.local_addr().expect("local address");
            let shared = Arc::new(Shared {
                reply,
                requests: Mutex::new(Vec::new()),
            });
            let app = Router::new()
                .fallback(record)
                .with_state(Arc::clone(&shared));
            let task = tokio::spawn(async move {
                axum::serve(listener, app).await.expect("capture server");
            });
            CaptureServer {
                base_url: format!("http://{address}"),
                shared,
                task,
            }
        }

        /// `http://127.0.0.1:<port>`, without a trailing slash.
        pub fn base_url(&self) -> &str {
            &self.base_url
        }

        /// Every request received so far, in order.
        pub fn requests(&self) -> Vec<Captured> {
            self.shared.requests.lock().expect("lock").clone()
        }

        /// The one request received; panics unless exactly one arrived.
        pub fn only_request(&self) -> Captured {
            let mut requests = self.requests();
            assert_eq!(requests.len(), 1, "expected exactly one request");
            requests.remove(0)
        }
    }

    impl Drop for CaptureServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    async fn record(State(shared): State<Arc<Shared>>, request: Request) -> Response {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .expect("read request body");
        // No nesting, so the request's URI is the origin-form target of the
        // request line, kept as received (http::Uri does not decode).
        let target = parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.to_string(), |pq| pq.as_str().to_owned());
        shared.requests.lock().expect("lock").push(Captured {
            method: parts.method,
            target,
            headers: parts.headers,
            body,
        });
        shared.reply.to_response()
    }
}

use azure_user_tokens::adapters;
use azure_user_tokens::generated::{acs_identity, apim_users};
use azure_user_tokens::pipeline::Pipeline;
use capture::{CaptureServer, Captured, Reply};
use progenitor_client::Error;
use serde_json::json;

// ----------------------------------------------------------------------------
// Shared fixtures and checks
// ----------------------------------------------------------------------------

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-000000000000";
const RESOURCE_GROUP: &str = "rg1";
const SERVICE: &str = "apimService1";
const USER: &str = "userId1718";
const USER_PATH: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/users/userId1718";
const USERS_PATH: &str = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/users";

const ACS_ID: &str =
    "8:acs:00000000-1111-2222-3333-444444444444_00000000-0000-0000-0000-000000000001";

/// The token of the upstream `ApiManagementUserToken` example.
const APIM_TOKEN: &str =
    "userId1718&201904210044&9A1GR1f5WIhFvFmzQG+xxxxxxxxxxx/kBeu87DWad3tkasUXuvPL+MgzlwUHyg==";

fn apim_client(server: &CaptureServer) -> adapters::apim_users::Client {
    adapters::apim_users::client(
        server.base_url(),
        azure_user_tokens::http::default_client().unwrap(),
        Pipeline::plain(),
    )
}

fn acs_client(server: &CaptureServer) -> adapters::acs_identity::Client {
    adapters::acs_identity::client(
        server.base_url(),
        azure_user_tokens::http::default_client().unwrap(),
        Pipeline::plain(),
    )
}

fn subscription() -> uuid::Uuid {
    SUBSCRIPTION.parse().expect("subscription id is a UUID")
}

/// The api-version goes out once in the query and, as progenitor adds it,
/// once as an `api-version` header.
fn assert_api_version(request: &Captured, expected: &str) {
    assert_eq!(request.query_values("api-version"), [expected]);
    let raw = format!("api-version={expected}");
    assert!(
        request
            .raw_query()
            .is_some_and(|q| q.split('&').any(|pair| pair == raw)),
        "raw query {:?} lacks {raw}",
        request.raw_query()
    );
    assert_eq!(request.header("api-version"), Some(expected));
}

/// The request carried a JSON body.
fn assert_json_request(request: &Captured) {
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
}

/// The request carried no body at all.
fn assert_no_body(request: &Captured) {
    assert!(
        request.body.is_empty(),
        "unexpected body {:?}",
        String::from_utf8_lossy(&request.body)
    );
    assert_eq!(request.header("content-type"), None);
}

/// The ARM error of the 404/500 tests.
fn arm_error() -> serde_json::Value {
    json!({
        "error": {
            "code": "ResourceNotFound",
            "message": "User not found.",
            "target": "userId",
            "details": [{"code": "Inner", "message": "m"}],
            "additionalInfo": [{"type": "PolicyViolation", "info": {"k": "v"}}]
        }
    })
}

/// A user as APIM returns it (upstream `ApiManagementGetUser`), with `state`
/// set by the caller.
fn apim_user(state: &str) -> serde_json::Value {
    json!({
        "id": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1/users/userId1718",
        "type": "Microsoft.ApiManagement/service/users",
        "name": "userId1718",
        "properties": {
            "firstName": "Foo",
            "lastName": "Bar",
            "email": "foobar@outlook.com",
            "state": state,
            "registrationDate": "2018-01-07T21:21:29.16Z",
            "identities": [{"provider": "Basic", "id": "foobar@outlook.com"}]
        }
    })
}

/// The user-creation parameters used by the create-or-update test.
///
/// The builders' optional setters take `TryInto<Option<T>>`, so a nested
/// builder or a known enum variant has to be turned into `T` first: neither
/// converts into the `Option` by itself.
fn user_create_parameters() -> apim_users::types::CreateOrUpdateUserRequest {
    use apim_users::types::{
        CreateOrUpdateUserRequest, UserCreateParameterProperties,
        UserCreateParameterPropertiesConfirmation,
        UserCreateParameterPropertiesConfirmationVariant0, UserCreateParameterPropertiesState,
        UserCreateParameterPropertiesStateVariant0,
    };
    let properties: UserCreateParameterProperties = UserCreateParameterProperties::builder()
        .email("foobar@outlook.com")
        .first_name("foo")
        .last_name("bar")
        .confirmation(UserCreateParameterPropertiesConfirmation::Variant0(
            UserCreateParameterPropertiesConfirmationVariant0::Signup,
        ))
        .state(UserCreateParameterPropertiesState::Variant0(
            UserCreateParameterPropertiesStateVariant0::Active,
        ))
        .try_into()
        .expect("complete user properties");
    CreateOrUpdateUserRequest::builder()
        .properties(properties)
        .try_into()
        .expect("complete user parameters")
}

/// Runs `get_shared_access_token` with the upstream example request.
async fn send_upstream_token_request(
    client: &adapters::apim_users::Client,
) -> Result<
    progenitor_client::ResponseValue<apim_users::types::GetSharedAccessTokenResult>,
    Error<apim_users::types::ErrorResponse>,
> {
    use apim_users::types::{
        GetSharedAccessTokenRequest, UserTokenParameterProperties,
        UserTokenParameterPropertiesKeyType,
    };
    let body = GetSharedAccessTokenRequest {
        properties: Some(UserTokenParameterProperties {
            key_type: UserTokenParameterPropertiesKeyType::Primary,
            expiry: "2019-04-21T00:44:24.2845269Z".into(),
        }),
    };
    client
        .get_shared_access_token()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(adapters::apim_users::default_api_version())
        .body(body)
        .send()
        .await
}

/// Checks the fields of the ARM error returned by the 404/500 tests.
fn assert_arm_error(error: Error<apim_users::types::ErrorResponse>, status: u16) {
    assert_eq!(error.status().map(|s| s.as_u16()), Some(status));
    let Error::ErrorResponse(response) = error else {
        panic!("expected Error::ErrorResponse, got {error:?}");
    };
    assert_eq!(response.status().as_u16(), status);
    let detail = response.into_inner().error.expect("error member");
    assert_eq!(detail.code.as_deref(), Some("ResourceNotFound"));
    assert_eq!(detail.message.as_deref(), Some("User not found."));
    assert_eq!(detail.target.as_deref(), Some("userId"));
    assert_eq!(detail.details.len(), 1);
    assert_eq!(detail.details[0].code.as_deref(), Some("Inner"));
    assert_eq!(detail.details[0].message.as_deref(), Some("m"));
    assert!(detail.details[0].target.is_none());
    assert_eq!(detail.additional_info.len(), 1);
    assert_eq!(
        detail.additional_info[0].type_.as_deref(),
        Some("PolicyViolation")
    );
    assert_eq!(
        serde_json::Value::Object(detail.additional_info[0].info.clone()),
        json!({"k": "v"})
    );
}

// ----------------------------------------------------------------------------
// API Management users
// ----------------------------------------------------------------------------

#[tokio::test]
async fn apim_get_shared_access_token_sends_the_upstream_example() {
    let server = CaptureServer::start(Reply::json(200, json!({ "value": APIM_TOKEN }))).await;
    let client = apim_client(&server);

    let response = send_upstream_token_request(&client)
        .await
        .expect("token call succeeds");

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.into_inner().value.as_deref(), Some(APIM_TOKEN));

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), format!("{USER_PATH}/token"));
    assert_api_version(&request, adapters::apim_users::default_api_version());
    assert_eq!(
        request.query_pairs().len(),
        1,
        "only api-version in the query"
    );
    assert_json_request(&request);

    // Dates are the service's text in the generated types (the converter
    // drops `format: date-time`): the upstream expiry goes out as written.
    let body = request.json();
    assert_eq!(
        body,
        json!({
            "properties": {
                "keyType": "primary",
                "expiry": "2019-04-21T00:44:24.2845269Z"
            }
        })
    );
}

#[tokio::test]
async fn apim_get_shared_access_token_404_is_a_parsed_arm_error() {
    let server = CaptureServer::start(Reply::json(404, arm_error())).await;
    let client = apim_client(&server);

    let error = send_upstream_token_request(&client)
        .await
        .expect_err("404 is an error");

    assert_arm_error(error, 404);
    assert_eq!(server.only_request().path(), format!("{USER_PATH}/token"));
}

#[tokio::test]
async fn apim_get_shared_access_token_500_is_a_parsed_arm_error() {
    let server = CaptureServer::start(Reply::json(500, arm_error())).await;
    let client = apim_client(&server);

    let error = send_upstream_token_request(&client)
        .await
        .expect_err("500 is an error");

    assert_arm_error(error, 500);
    assert_eq!(server.only_request().path(), format!("{USER_PATH}/token"));
}

#[tokio::test]
async fn apim_user_get_returns_the_user_and_its_etag() {
    use apim_users::types::{UserContractPropertiesState, UserContractPropertiesStateVariant0};

    let server = CaptureServer::start(
        Reply::json(200, apim_user("active")).header("etag", "\"AAAAAAAAAAa=\""),
    )
    .await;
    let client = apim_client(&server);

    let response = client
        .get_user()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(adapters::apim_users::default_api_version())
        .send()
        .await
        .expect("user_get succeeds");

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("etag")
            .map(|v| v.to_str().expect("text")),
        Some("\"AAAAAAAAAAa=\"")
    );
    let user = response.into_inner();
    assert_eq!(user.name.as_deref(), Some(USER));
    assert_eq!(user.id.as_deref(), Some(USER_PATH));
    assert_eq!(
        user.type_.as_deref(),
        Some("Microsoft.ApiManagement/service/users")
    );
    let properties = user.properties.expect("properties");
    assert_eq!(properties.first_name.as_deref(), Some("Foo"));
    assert_eq!(properties.last_name.as_deref(), Some("Bar"));
    assert_eq!(properties.email.as_deref(), Some("foobar@outlook.com"));
    assert!(matches!(
        properties.state,
        Some(UserContractPropertiesState::Variant0(
            UserContractPropertiesStateVariant0::Active
        ))
    ));
    assert_eq!(
        properties.registration_date.as_deref(),
        Some("2018-01-07T21:21:29.16Z")
    );
    assert_eq!(properties.identities.len(), 1);
    assert_eq!(properties.identities[0].provider.as_deref(), Some("Basic"));
    assert_eq!(
        properties.identities[0].id.as_deref(),
        Some("foobar@outlook.com")
    );

    let request = server.only_request();
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), USER_PATH);
    assert_api_version(&request, adapters::apim_users::default_api_version());
    assert_eq!(
        request.query_pairs().len(),
        1,
        "only api-version in the query"
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_no_body(&request);
}

#[tokio::test]
async fn apim_user_list_by_service_sends_top_only_when_set() {
    let page = json!({
        "value": [apim_user("active")],
        "count": 1,
        "nextLink": "https://management.azure.com/next?page=2"
    });
    let server = CaptureServer::start(Reply::json(200, page)).await;
    let client = apim_client(&server);
    let api_version = adapters::apim_users::default_api_version();

    let with_top = client
        .list_users()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .api_version(api_version)
        .top(5)
        .send()
        .await
        .expect("list with $top succeeds")
        .into_inner();
    client
        .list_users()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .api_version(api_version)
        .send()
        .await
        .expect("list without $top succeeds");

    assert_eq!(with_top.count, Some(1));
    assert_eq!(
        with_top.next_link.as_deref(),
        Some("https://management.azure.com/next?page=2")
    );
    assert_eq!(with_top.value.len(), 1);
    assert_eq!(with_top.value[0].name.as_deref(), Some(USER));

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.method, "GET");
        assert_eq!(request.path(), USERS_PATH);
        assert_api_version(request, api_version);
        assert_no_body(request);
    }
    // The query serializer percent-encodes `$` (`%24top`), which decodes
    // back to `$top`.
    assert_eq!(requests[0].query_values("$top"), ["5"]);
    assert_eq!(
        requests[0].raw_query(),
        Some(format!("%24top=5&api-version={api_version}").as_str())
    );
    assert_eq!(requests[0].query_pairs().len(), 2);
    assert!(requests[1].query_values("$top").is_empty());
    assert_eq!(requests[1].query_pairs().len(), 1);
}

#[tokio::test]
async fn apim_user_create_or_update_sends_body_and_if_match_only_when_set() {
    let server = CaptureServer::start(
        Reply::json(201, apim_user("active")).header("etag", "\"AAAAAAAAAAb=\""),
    )
    .await;
    let client = apim_client(&server);
    let api_version = adapters::apim_users::default_api_version();

    let created = client
        .create_or_update_user()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(api_version)
        .body(user_create_parameters())
        .send()
        .await
        .expect("create succeeds");
    client
        .create_or_update_user()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(api_version)
        .if_match("*")
        .notify(true)
        .body(user_create_parameters())
        .send()
        .await
        .expect("replace succeeds");

    assert_eq!(created.status().as_u16(), 201);
    assert_eq!(
        created
            .headers()
            .get("etag")
            .map(|v| v.to_str().expect("text")),
        Some("\"AAAAAAAAAAb=\"")
    );
    assert_eq!(created.into_inner().name.as_deref(), Some(USER));

    let expected_body = json!({
        "properties": {
            "email": "foobar@outlook.com",
            "firstName": "foo",
            "lastName": "bar",
            "confirmation": "signup",
            "state": "active"
        }
    });
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        assert_eq!(request.method, "PUT");
        assert_eq!(request.path(), USER_PATH);
        assert_api_version(request, api_version);
        assert_json_request(request);
        assert_eq!(request.json(), expected_body);
    }
    assert_eq!(requests[0].header("if-match"), None);
    assert!(requests[0].query_values("notify").is_empty());
    assert_eq!(requests[1].header("if-match"), Some("*"));
    assert_eq!(requests[1].query_values("notify"), ["true"]);
}

#[tokio::test]
async fn apim_user_delete_sends_if_match_and_options() {
    use apim_users::types::{DeleteUserAppType, DeleteUserAppTypeVariant0};

    let server = CaptureServer::start(Reply::empty(204)).await;
    let client = apim_client(&server);
    let api_version = adapters::apim_users::default_api_version();

    let response = client
        .delete_user()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(api_version)
        .if_match("\"AAAAAAAAAAa=\"")
        .delete_subscriptions(true)
        .app_type(DeleteUserAppType::Variant0(
            DeleteUserAppTypeVariant0::DeveloperPortal,
        ))
        .send()
        .await
        .expect("delete succeeds");

    assert_eq!(response.status().as_u16(), 204);

    let request = server.only_request();
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.path(), USER_PATH);
    assert_api_version(&request, api_version);
    assert_eq!(request.header("if-match"), Some("\"AAAAAAAAAAa=\""));
    assert_eq!(request.query_values("deleteSubscriptions"), ["true"]);
    assert_eq!(request.query_values("appType"), ["developerPortal"]);
    assert!(request.query_values("notify").is_empty());
    assert_eq!(request.query_pairs().len(), 3);
    assert_no_body(&request);
}

#[tokio::test]
async fn apim_open_enum_keeps_an_unknown_state_and_ignores_unknown_fields() {
    use apim_users::types::UserContractPropertiesState;

    let mut user = apim_user("someNewState");
    user["brandNewField"] = json!(1);
    user["properties"]["brandNewField"] = json!({"nested": true});
    let server = CaptureServer::start(Reply::json(200, user)).await;
    let client = apim_client(&server);

    let user = client
        .get_user()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(adapters::apim_users::default_api_version())
        .send()
        .await
        .expect("an unknown state and unknown fields parse")
        .into_inner();

    let properties = user.properties.expect("properties");
    match properties.state {
        Some(UserContractPropertiesState::Variant1(state)) => assert_eq!(state, "someNewState"),
        other => panic!("expected the unknown state to be kept, got {other:?}"),
    }
    assert_eq!(properties.email.as_deref(), Some("foobar@outlook.com"));
    assert_eq!(server.only_request().path(), USER_PATH);
}

#[tokio::test]
async fn apim_open_enum_reads_a_known_state_as_its_variant() {
    use apim_users::types::{UserContractPropertiesState, UserContractPropertiesStateVariant0};

    let server = CaptureServer::start(Reply::json(200, apim_user("blocked"))).await;
    let client = apim_client(&server);

    let user = client
        .get_user()
        .subscription_id(subscription())
        .resource_group_name(RESOURCE_GROUP)
        .service_name(SERVICE)
        .user_id(USER)
        .api_version(adapters::apim_users::default_api_version())
        .send()
        .await
        .expect("user_get succeeds")
        .into_inner();

    let state = user.properties.expect("properties").state;
    assert!(
        matches!(
            state,
            Some(UserContractPropertiesState::Variant0(
                UserContractPropertiesStateVariant0::Blocked
            ))
        ),
        "got {state:?}"
    );
}

// ----------------------------------------------------------------------------
// Communication Services identity
// ----------------------------------------------------------------------------

/// `2023-10-10T21:39:39.3244584+00:00`, the ACS sample `expiresOn`.
fn acs_expires_on() -> &'static str {
    "2023-10-10T21:39:39.3244584+00:00"
}

fn acs_token_json() -> serde_json::Value {
    json!({"token": "t", "expiresOn": acs_expires_on()})
}

#[tokio::test]
async fn acs_create_with_scopes_and_expiry() {
    use acs_identity::types::{CommunicationIdentityTokenScopeVariant0, CreateIdentityRequest};

    let server = CaptureServer::start(Reply::json(
        201,
        json!({"identity": {"id": ACS_ID}, "accessToken": acs_token_json()}),
    ))
    .await;
    let client = acs_client(&server);

    let response = client
        .create_identity()
        .api_version(adapters::acs_identity::default_api_version())
        .body(CreateIdentityRequest {
            create_token_with_scopes: vec![
                CommunicationIdentityTokenScopeVariant0::Chat.into(),
                CommunicationIdentityTokenScopeVariant0::Voip.into(),
            ],
            expires_in_minutes: Some(60),
        })
        .send()
        .await
        .expect("create succeeds");

    assert_eq!(response.status().as_u16(), 201);
    let result = response.into_inner();
    assert_eq!(result.identity.id, ACS_ID);
    let token = result.access_token.expect("access token");
    assert_eq!(token.token, "t");
    assert_eq!(token.expires_on, acs_expires_on());

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/identities");
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_eq!(
        request.query_pairs().len(),
        1,
        "only api-version in the query"
    );
    assert_json_request(&request);
    assert_eq!(
        request.json(),
        json!({"createTokenWithScopes": ["chat", "voip"], "expiresInMinutes": 60})
    );
}

#[tokio::test]
async fn acs_create_without_a_body_sends_an_empty_object() {
    let server = CaptureServer::start(Reply::json(201, json!({"identity": {"id": ACS_ID}}))).await;
    let client = acs_client(&server);

    // The generated API has no way to leave the (optional) body out: without
    // `.body(..)` the builder uses `CreateIdentityRequest::default()`,
    // which serializes to `{}` and goes out as `application/json`.
    let result = client
        .create_identity()
        .api_version(adapters::acs_identity::default_api_version())
        .send()
        .await
        .expect("create succeeds")
        .into_inner();

    assert_eq!(result.identity.id, ACS_ID);
    assert!(result.access_token.is_none());

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/identities");
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_json_request(&request);
    assert_eq!(request.json(), json!({}));
}

#[tokio::test]
async fn acs_create_leaves_out_expires_in_minutes_when_not_set() {
    use acs_identity::types::{CommunicationIdentityTokenScopeVariant0, CreateIdentityRequest};

    let server = CaptureServer::start(Reply::json(
        201,
        json!({"identity": {"id": ACS_ID}, "accessToken": acs_token_json()}),
    ))
    .await;
    let client = acs_client(&server);

    client
        .create_identity()
        .api_version(adapters::acs_identity::default_api_version())
        .body(
            CreateIdentityRequest::builder().create_token_with_scopes(vec![
                CommunicationIdentityTokenScopeVariant0::Chat.into(),
            ]),
        )
        .send()
        .await
        .expect("create succeeds");

    // The spec's `default: 1440` is stripped by the converter, so the field
    // is optional and not sent (the service applies its own default).
    let body = server.only_request().json();
    assert!(body.get("expiresInMinutes").is_none(), "sent {body}");
    assert_eq!(body, json!({"createTokenWithScopes": ["chat"]}));
}

#[tokio::test]
async fn acs_issue_access_token_keeps_the_identity_raw_in_the_path() {
    use acs_identity::types::{
        CommunicationIdentityTokenScope, CommunicationIdentityTokenScopeVariant0,
        IssueAccessTokenRequest,
    };

    let server = CaptureServer::start(Reply::json(200, acs_token_json())).await;
    let client = acs_client(&server);

    let token = client
        .issue_access_token()
        .id(ACS_ID)
        .api_version(adapters::acs_identity::default_api_version())
        .body(IssueAccessTokenRequest {
            scopes: vec![
                CommunicationIdentityTokenScopeVariant0::ChatJoinLimited.into(),
                CommunicationIdentityTokenScopeVariant0::VoipJoin.into(),
                // The scope set is open: an unknown scope goes out as given.
                CommunicationIdentityTokenScope::Variant1("voip.future".to_owned()),
            ],
            expires_in_minutes: None,
        })
        .send()
        .await
        .expect("issue succeeds")
        .into_inner();

    assert_eq!(token.token, "t");
    assert_eq!(token.expires_on, acs_expires_on());

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path(),
        "/identities/8:acs:00000000-1111-2222-3333-444444444444_00000000-0000-0000-0000-000000000001/:issueAccessToken"
    );
    assert!(
        !request.target.contains("%3A") && !request.target.contains("%3a"),
        "`:` was percent-encoded: {}",
        request.target
    );
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_json_request(&request);
    assert_eq!(
        request.json(),
        json!({"scopes": ["chat.join.limited", "voip.join", "voip.future"]})
    );
}

#[tokio::test]
async fn acs_revoke_access_tokens_answers_204() {
    let server = CaptureServer::start(Reply::empty(204)).await;
    let client = acs_client(&server);

    let response = client
        .revoke_access_tokens()
        .id(ACS_ID)
        .api_version(adapters::acs_identity::default_api_version())
        .send()
        .await
        .expect("revoke succeeds");

    assert_eq!(response.status().as_u16(), 204);
    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path(),
        format!("/identities/{ACS_ID}/:revokeAccessTokens")
    );
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_no_body(&request);
}

#[tokio::test]
async fn acs_delete_answers_204() {
    let server = CaptureServer::start(Reply::empty(204)).await;
    let client = acs_client(&server);

    let response = client
        .delete_identity()
        .id(ACS_ID)
        .api_version(adapters::acs_identity::default_api_version())
        .send()
        .await
        .expect("delete succeeds");

    assert_eq!(response.status().as_u16(), 204);
    let request = server.only_request();
    assert_eq!(request.method, "DELETE");
    assert_eq!(request.path(), format!("/identities/{ACS_ID}"));
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_no_body(&request);
}

#[tokio::test]
async fn acs_exchange_teams_user_access_token_sends_token_app_and_user() {
    use acs_identity::types::ExchangeTeamsUserAccessTokenRequest;

    let server = CaptureServer::start(Reply::json(200, acs_token_json())).await;
    let client = acs_client(&server);

    let token = client
        .exchange_teams_user_access_token()
        .api_version(adapters::acs_identity::default_api_version())
        .body(
            ExchangeTeamsUserAccessTokenRequest::builder()
                .token("entra-token")
                .app_id("11111111-1111-1111-1111-111111111111")
                .user_id("22222222-2222-2222-2222-222222222222"),
        )
        .send()
        .await
        .expect("exchange succeeds")
        .into_inner();

    assert_eq!(token.token, "t");
    assert_eq!(token.expires_on, acs_expires_on());

    let request = server.only_request();
    assert_eq!(request.method, "POST");
    assert_eq!(request.path(), "/teamsUser/:exchangeAccessToken");
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_json_request(&request);
    assert_eq!(
        request.json(),
        json!({
            "token": "entra-token",
            "appId": "11111111-1111-1111-1111-111111111111",
            "userId": "22222222-2222-2222-2222-222222222222"
        })
    );
}

#[tokio::test]
async fn acs_400_validation_error_is_parsed() {
    use acs_identity::types::{CommunicationIdentityTokenScopeVariant0, IssueAccessTokenRequest};

    let server = CaptureServer::start(Reply::json(
        400,
        json!({
            "error": {
                "code": "ValidationError",
                "message": "ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval.",
                "target": "ExpiresInMinutes"
            }
        }),
    ))
    .await;
    let client = acs_client(&server);

    let error = client
        .issue_access_token()
        .id(ACS_ID)
        .api_version(adapters::acs_identity::default_api_version())
        .body(IssueAccessTokenRequest {
            scopes: vec![CommunicationIdentityTokenScopeVariant0::Chat.into()],
            expires_in_minutes: Some(59),
        })
        .send()
        .await
        .expect_err("400 is an error");

    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let Error::ErrorResponse(response) = error else {
        panic!("expected Error::ErrorResponse, got {error:?}");
    };
    assert_eq!(response.status().as_u16(), 400);
    let error = response.into_inner().error;
    assert_eq!(error.code, "ValidationError");
    assert_eq!(
        error.message,
        "ExpiresInMinutes value 59 is invalid. Value must be within the [60, 1440] interval."
    );
    assert_eq!(error.target.as_deref(), Some("ExpiresInMinutes"));
    assert!(error.details.is_empty());
    assert!(error.innererror.is_none());

    // The client does not check the range itself: 59 went out as given.
    assert_eq!(
        server.only_request().json(),
        json!({"scopes": ["chat"], "expiresInMinutes": 59})
    );
}

#[cfg(bound_operation = "acs_identity::upsert_teams_extension_assignment")]
#[tokio::test]
async fn acs_teams_extension_assignment_upsert_puts_principal_type_and_client_ids() {
    use acs_identity::types::UpsertTeamsExtensionAssignmentRequest;

    let tenant = "c70d068c-2f32-484d-9455-73070cd5aadd";
    let object = "b27b64b9-39d2-44a3-869d-67700b74e805";
    let stored = json!({"objectId": object, "tenantId": tenant, "principalType": "user", "clientIds": ["a"]});
    let server = CaptureServer::start(Reply::json(201, stored.clone())).await;
    let client = acs_client(&server);
    let body: UpsertTeamsExtensionAssignmentRequest =
        serde_json::from_value(json!({"principalType": "user", "clientIds": ["a"]})).unwrap();

    let response = client
        .upsert_teams_extension_assignment()
        .tenant_id(tenant)
        .object_id(object)
        .api_version(adapters::acs_identity::default_api_version())
        .body(body)
        .send()
        .await
        .expect("upsert succeeds");

    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(serde_json::to_value(response.into_inner()).unwrap(), stored);
    let request = server.only_request();
    assert_eq!(request.method, "PUT");
    assert_eq!(
        request.path(),
        format!("/access/teamsExtension/tenants/{tenant}/assignments/{object}")
    );
    assert_api_version(&request, adapters::acs_identity::default_api_version());
    assert_json_request(&request);
    assert_eq!(
        request.json(),
        json!({"principalType": "user", "clientIds": ["a"]})
    );
}
