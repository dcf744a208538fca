//! `POST /{tenant}/oauth2/v2.0/token`: the client-credentials grant of
//! DESIGN §6, plus the password grant for minting Teams-user-like tokens,
//! for the configured users only (the well-known default user and `--user`).

use std::collections::HashMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::error::AadError;
use super::tokens::{self, EntraTokenClaims, TOKEN_LIFETIME};
use crate::emulator::app::SharedApp;

/// Scopes MSAL may add that name no resource.
const OIDC_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// Issues an access token for a client-credentials or password grant.
pub(crate) async fn token(
    State(app): State<SharedApp>,
    Path(tenant): Path<String>,
    body: Bytes,
) -> Response {
    match grant(&app, &tenant, &body) {
        Ok(claims) => {
            let access_token = tokens::mint(&app, &claims);
            app.counters.token_issued();
            let expires_in = TOKEN_LIFETIME.num_seconds();
            Json(json!({
                "token_type": "Bearer",
                "expires_in": expires_in,
                "ext_expires_in": expires_in,
                "access_token": access_token,
            }))
            .into_response()
        }
        Err(error) => error.into_response(),
    }
}

/// Checks the form and decides what the token asserts.
fn grant(app: &SharedApp, tenant: &str, body: &[u8]) -> Result<EntraTokenClaims, AadError> {
    if !app.is_tenant(tenant) {
        return Err(AadError::unknown_tenant(tenant));
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let grant_type =
        field("grant_type").ok_or_else(|| AadError::missing_parameter("grant_type"))?;
    let client_id = field("client_id").ok_or_else(|| AadError::missing_parameter("client_id"))?;
    let scope = field("scope").ok_or_else(|| AadError::missing_parameter("scope"))?;
    let (app_id, object_id) = match grant_type {
        "client_credentials" => {
            let secret = field("client_secret")
                .ok_or_else(|| AadError::missing_parameter("client_secret"))?;
            check_client(app, client_id, secret)?;
            (client_id, tokens::object_id_for(client_id))
        }
        "password" => {
            let username =
                field("username").ok_or_else(|| AadError::missing_parameter("username"))?;
            let password =
                field("password").ok_or_else(|| AadError::missing_parameter("password"))?;
            let user = check_user(app, username, password)?;
            (client_id, tokens::object_id_for(&user))
        }
        other => {
            return Err(AadError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            ));
        }
    };
    let audience = audience_of(scope, grant_type == "client_credentials")?;
    Ok(EntraTokenClaims::new(
        audience,
        app_id,
        object_id,
        TOKEN_LIFETIME,
    ))
}

/// The configured client id and secret, the secret compared in constant time.
fn check_client(app: &SharedApp, client_id: &str, secret: &str) -> Result<(), AadError> {
    let expected = app.config.client_secret().expose().as_bytes();
    let secret_matches: bool = secret.as_bytes().ct_eq(expected).into();
    if !client_id.eq_ignore_ascii_case(app.config.client_id()) {
        app.counters.auth_failure();
        return Err(AadError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                app.config.tenant_id()
            ),
        ));
    }
    if !secret_matches {
        app.counters.auth_failure();
        return Err(AadError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            7000215,
            format!("Invalid client secret provided for app '{client_id}'."),
        ));
    }
    Ok(())
}

/// The configured user's name (as configured, so its object id does not
/// depend on the case typed) when the password matches (compared in constant
/// time), else `invalid_grant`, whichever of the two is wrong.
fn check_user(app: &SharedApp, username: &str, password: &str) -> Result<String, AadError> {
    let known = app.config.users().iter().find(|(name, expected)| {
        let password_matches: bool = password
            .as_bytes()
            .ct_eq(expected.expose().as_bytes())
            .into();
        name.eq_ignore_ascii_case(username) & password_matches
    });
    if let Some((name, _)) = known {
        return Ok(name.clone());
    }
    app.counters.auth_failure();
    Err(AadError::new(
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        50126,
        "Error validating credentials due to invalid username or password.",
    ))
}

/// The audience a scope asks for: `<resource>/.default` (or, for user grants,
/// `<resource>/<permission>`) minus the suffix, trailing `/` trimmed.
pub(crate) fn audience_of(scope: &str, require_default: bool) -> Result<String, AadError> {
    let resources: Vec<&str> = scope
        .split_whitespace()
        .filter(|s| !OIDC_SCOPES.contains(s))
        .collect();
    let invalid = || {
        AadError::new(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            1002012,
            format!(
                "The provided value for scope {scope} is not valid. Client credential flows \
                 must have a scope value with /.default suffixed to the resource identifier \
                 (application ID URI)."
            ),
        )
    };
    let [resource] = resources.as_slice() else {
        return Err(invalid());
    };
    let base = match resource.strip_suffix("/.default") {
        Some(base) => base,
        None if !require_default => resource
            .rsplit_once('/')
            .map(|(base, _)| base)
            .unwrap_or(""),
        None => return Err(invalid()),
    };
    let audience = base.trim_end_matches('/');
    if audience.is_empty() {
        return Err(invalid());
    }
    Ok(audience.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audience_from_scope() {
        assert_eq!(
            audience_of("https://communication.azure.com//.default", true).unwrap(),
            "https://communication.azure.com"
        );
        assert_eq!(
            audience_of("https://management.azure.com/.default openid", true).unwrap(),
            "https://management.azure.com"
        );
        assert_eq!(
            audience_of(
                "https://auth.msft.communication.azure.com/Teams.ManageCalls",
                false
            )
            .unwrap(),
            "https://auth.msft.communication.azure.com"
        );
        for bad in [
            "https://management.azure.com",
            "a/.default b/.default",
            "/.default",
            "openid",
        ] {
            assert!(audience_of(bad, true).is_err(), "{bad}");
        }
    }
}
