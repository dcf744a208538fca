//! Who may call the ACS identity API: an HMAC-SHA256 signature with the
//! access key (DESIGN §4, checked with [`crate::auth::hmac`]) or a bearer
//! token from the emulator's Entra endpoint for `https://communication.azure.com`.
//! Anything else is a 401 and the request is not processed.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, HOST};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};

use super::error::AcsError;
use crate::auth::hmac;
use crate::emulator::app::{App, SharedApp};
use crate::emulator::entra::tokens::{self, ACS_AUDIENCE};
use crate::emulator::http::{MAX_BODY_BYTES, header_str};

/// How far `x-ms-date` may be from the emulator's clock.
pub(crate) const MAX_CLOCK_SKEW: Duration = Duration::minutes(15);

/// Middleware: buffers the body, authenticates, then hands the same bytes on.
pub(crate) async fn require(
    State(app): State<SharedApp>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY_BYTES).await else {
        return AcsError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            format!("The request body is larger than {MAX_BODY_BYTES} bytes."),
        )
        .into_response();
    };
    if let Err(reason) = authenticate(&app, &parts, &body, Utc::now()) {
        app.counters.auth_failure();
        tracing::debug!(method = %parts.method, path = parts.uri.path(), reason, "ACS request denied");
        return AcsError::denied(reason).into_response();
    }
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// `Ok` when the request carries valid credentials; else why not.
fn authenticate(
    app: &App,
    parts: &Parts,
    body: &Bytes,
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    let authorization = header_str(&parts.headers, AUTHORIZATION.as_str())
        .ok_or("The Authorization header is missing.")?;
    if let Some(token) = tokens::bearer_token(authorization) {
        return tokens::verify_for(app, token, ACS_AUDIENCE)
            .map(drop)
            .map_err(|rejection| rejection.describe());
    }
    let (signed_headers, signature) = hmac::parse_authorization(authorization)
        .ok_or("The Authorization header is neither HMAC-SHA256 nor Bearer.")?;
    if !signed_headers.eq_ignore_ascii_case(hmac::SIGNED_HEADERS) {
        return Err("SignedHeaders must be x-ms-date;host;x-ms-content-sha256.");
    }
    let date =
        header_str(&parts.headers, hmac::DATE_HEADER).ok_or("The x-ms-date header is missing.")?;
    let sent_at: DateTime<Utc> = httpdate::parse_http_date(date)
        .map_err(|_| "The x-ms-date header is not an RFC 1123 date.")?
        .into();
    if (now - sent_at).abs() > MAX_CLOCK_SKEW {
        return Err("The x-ms-date header is more than 15 minutes from the server's clock.");
    }
    let content_hash = header_str(&parts.headers, hmac::CONTENT_HASH_HEADER)
        .ok_or("The x-ms-content-sha256 header is missing.")?;
    if content_hash != hmac::content_hash(body) {
        return Err("The x-ms-content-sha256 header does not match the request body.");
    }
    let host = header_str(&parts.headers, HOST.as_str()).ok_or("The Host header is missing.")?;
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let string_to_sign =
        hmac::string_to_sign(parts.method.as_str(), target, date, host, content_hash);
    if hmac::verify(&app.access_key, &string_to_sign, signature) {
        Ok(())
    } else {
        Err("The request signature does not match.")
    }
}
