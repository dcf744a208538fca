//! Extractors: the validated caller (checked before the body is read), an
//! admin caller, and a JSON body whose failures answer in the broker's
//! error shape.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::SharedService;
use crate::broker::app_user::Caller;
use crate::broker::error::ApiError;

/// A caller whose bearer token is valid.
pub(crate) struct Authenticated(pub Arc<Caller>);

impl FromRequestParts<SharedService> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &SharedService,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok());
        match service.auth.authenticate(header).await {
            Ok(caller) => Ok(Authenticated(caller)),
            Err(error) => {
                service.metrics.auth_refused(error.label());
                tracing::debug!(reason = error.label(), "bearer token refused");
                Err(ApiError::Auth(error))
            }
        }
    }
}

/// A caller whose token carries the configured admin role.
pub(crate) struct Admin(#[allow(dead_code)] pub Arc<Caller>);

impl FromRequestParts<SharedService> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        service: &SharedService,
    ) -> Result<Self, Self::Rejection> {
        let Authenticated(caller) = Authenticated::from_request_parts(parts, service).await?;
        let Some(role) = &service.config.admin_role else {
            return Err(ApiError::Forbidden(
                "no admin role is configured on this broker",
            ));
        };
        if caller.has_role(&service.config.roles_claim, role) {
            Ok(Admin(caller))
        } else {
            Err(ApiError::Forbidden(
                "the token does not carry the admin role",
            ))
        }
    }
}

/// A JSON body of type `T`.
pub(crate) struct JsonBody<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(JsonBody(value)),
            Err(rejection) => Err(body_error(rejection)),
        }
    }
}

fn body_error(rejection: JsonRejection) -> ApiError {
    let mut status = rejection.status();
    let message = match &rejection {
        JsonRejection::JsonDataError(_) => {
            // 400 like every other bad input (axum says 422).
            status = axum::http::StatusCode::BAD_REQUEST;
            // serde's text may quote input: keep only what is wrong.
            let text = rejection.body_text();
            format!(
                "the body does not match the expected shape: {}",
                redact_quotes(&text)
            )
        }
        JsonRejection::JsonSyntaxError(_) => "the body is not valid JSON".to_string(),
        JsonRejection::MissingJsonContentType(_) => {
            "send the body as JSON (Content-Type: application/json)".to_string()
        }
        _ if status == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
            "the body is larger than the broker accepts".to_string()
        }
        _ => "the body could not be read".to_string(),
    };
    ApiError::Body(status, message)
}

/// Replaces quoted strings (which may hold input) with `"…"`, keeping field
/// names in backquotes.
fn redact_quotes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_quote = false;
    for c in text.chars() {
        if c == '"' {
            if !in_quote {
                out.push_str("\"…\"");
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(c);
        }
    }
    out.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_input_is_not_echoed() {
        assert_eq!(
            redact_quotes(
                r#"invalid type: string "eyJsecret", expected u32 at `expiresInMinutes`"#
            ),
            r#"invalid type: string "…", expected u32 at `expiresInMinutes`"#
        );
    }
}
