//! Generated-client errors → the crate's [`Error`].
//!
//! Both ACS and ARM error bodies are `{"error": {"code", "message", "target"}}`,
//! so one mapping serves every service.

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, ErrorKind};

/// Converts a generated client's error; `request_id` is ours, used when the
/// service's own is absent.
pub fn from_generated<E: Serialize>(error: progenitor_client::Error<E>, request_id: &str) -> Error {
    use progenitor_client::Error as G;
    match error {
        G::ErrorResponse(response) => {
            let status = response.status().as_u16();
            let service_id = service_request_id(response.headers());
            let body = serde_json::to_value(response.into_inner()).unwrap_or(Value::Null);
            service_error(status, &body)
                .with_request_id(service_id.unwrap_or_else(|| request_id.into()))
        }
        G::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let service_id = service_request_id(response.headers());
            if crate::http::is_redirect(status) {
                return crate::http::redirect_refused(ErrorKind::Service, "the service", status)
                    .with_request_id(service_id.unwrap_or_else(|| request_id.into()));
            }
            // The body is not read: it may be large, and the status says enough.
            let message = match status {
                200..=299 => {
                    format!("the service answered {status}, which the spec does not describe")
                }
                _ => format!("the service answered {status}"),
            };
            let kind = if (200..300).contains(&status) {
                ErrorKind::InvalidResponse
            } else {
                ErrorKind::Service
            };
            Error::new(kind, message)
                .with_status(status)
                .with_request_id(service_id.unwrap_or_else(|| request_id.into()))
        }
        G::CommunicationError(e) | G::ResponseBodyError(e) | G::InvalidUpgrade(e) => {
            transport(e, request_id)
        }
        G::InvalidResponsePayload(_, e) => Error::new(
            ErrorKind::InvalidResponse,
            // Never the body itself, nor a value quoted from it: it may hold a token.
            format!(
                "the service's answer could not be read: {}",
                json_problem(&e)
            ),
        )
        .with_request_id(request_id),
        G::InvalidRequest(message) => Error::validation("request", message),
        G::Custom(message) => Error::new(ErrorKind::Transport, message).with_request_id(request_id),
    }
}

/// A transport failure, classified.
pub fn transport(error: reqwest::Error, request_id: &str) -> Error {
    if let Some(too_large) = super::limits::too_large(&error) {
        return Error::new(
            ErrorKind::InvalidResponse,
            format!(
                "the service's answer is larger than the {}-byte limit (ClientOptions::with_max_response_bytes)",
                too_large.limit
            ),
        )
        .with_request_id(request_id);
    }
    let kind = if error.is_timeout() {
        ErrorKind::Timeout
    } else {
        ErrorKind::Transport
    };
    let what = if error.is_timeout() {
        "the request timed out"
    } else if error.is_connect() {
        "cannot connect to the service"
    } else {
        "the connection to the service failed"
    };
    let error = error.without_url();
    Error::new(kind, format!("{what}: {}", root_cause(&error)))
        .with_request_id(request_id)
        .with_source(error)
}

/// The innermost cause's text ("invalid peer certificate: UnknownIssuer",
/// "Connection refused"), which says more than the outer layers.
pub(super) fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// What is wrong with a JSON answer, without any value quoted from it
/// (serde quotes strings it cannot use: `invalid type: string "…"`).
pub(crate) fn json_problem(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..=start]);
        match rest[start + 1..].find('"') {
            Some(end) => {
                out.push('…');
                out.push('"');
                rest = &rest[start + 1 + end + 1..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    if let Some(at) = out.find("unknown variant `")
        && let Some(end) = out[at + 17..].find('`')
    {
        out.replace_range(at + 17..at + 17 + end, "…");
    }
    out
}

/// `{"error": {"code", "message", "target"}}` → an error with those fields.
pub fn service_error(status: u16, body: &Value) -> Error {
    let detail = &body["error"];
    let message = detail["message"]
        .as_str()
        .filter(|m| !m.is_empty())
        .map(str::to_string)
        .unwrap_or_else(|| format!("the service answered {status}"));
    let mut error = Error::service(status, message);
    if let Some(code) = detail["code"].as_str() {
        error = error.with_code(code);
    }
    if let Some(target) = detail["target"].as_str() {
        error = error.with_target(target);
    }
    error
}

fn service_request_id(headers: &reqwest::header::HeaderMap) -> Option<String> {
    ["x-ms-request-id", "x-ms-client-request-id", "request-id"]
        .iter()
        .find_map(|name| headers.get(*name)?.to_str().ok().map(str::to_string))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn service_errors_carry_code_message_and_target() {
        let e = service_error(
            400,
            &json!({"error": {"code": "ValidationError", "message": "ExpiresInMinutes value 59 is invalid.", "target": "ExpiresInMinutes"}}),
        );
        assert!(e.is_bad_request());
        assert_eq!(e.code(), Some("ValidationError"));
        assert_eq!(e.target(), Some("ExpiresInMinutes"));
        assert_eq!(e.message(), "ExpiresInMinutes value 59 is invalid.");
        let bare = service_error(503, &Value::Null);
        assert_eq!(bare.message(), "the service answered 503");
    }

    #[test]
    fn json_problems_never_quote_the_body() {
        let problem = |body: &str| {
            let e =
                serde_json::from_str::<std::collections::HashMap<String, u32>>(body).unwrap_err();
            json_problem(&e)
        };
        let text = problem(r#"{"token": "eyJ-secret"}"#);
        assert!(
            !text.contains("eyJ-secret") && text.contains("invalid type: string"),
            "{text}"
        );
        #[derive(Debug, serde::Deserialize)]
        enum Kind {
            A,
        }
        let e = serde_json::from_str::<Kind>(r#""tok-secret""#).unwrap_err();
        let text = json_problem(&e);
        assert!(
            !text.contains("tok-secret") && text.contains("expected `A`"),
            "{text}"
        );
        assert_eq!(
            json_problem(&serde_json::from_str::<u32>("").unwrap_err()),
            "EOF while parsing a value at line 1 column 0"
        );
    }
}
