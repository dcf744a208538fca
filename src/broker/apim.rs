//! API Management user tokens: the caller's APIM user (created on first
//! sight with an idempotent PUT under an id derived from `(iss, sub)`) gets a
//! shared access token through the facade.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::app_user::Caller;
use super::error::ApiError;
use super::metrics::Metrics;
use super::store::Store;
use crate::apim::{ApiManagementClient, ApimService, KeyType, NewApimUser, SharedAccessToken};

/// Where APIM users live and how they are named.
///
/// ```
/// use azure_user_tokens::apim::{ApimService, KeyType};
/// use azure_user_tokens::broker::ApimSettings;
/// let service = ApimService::new("00000000-0000-0000-0000-000000000000", "rg", "apis")?;
/// let settings = ApimSettings::new(service)
///     .with_email_claim("preferred_username")
///     .with_key_type(KeyType::Secondary);
/// assert_eq!(settings.email_claim(), "preferred_username");
/// # Ok::<(), azure_user_tokens::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ApimSettings {
    service: ApimService,
    email_claim: String,
    key_type: KeyType,
    placeholder_email: bool,
}

impl ApimSettings {
    /// `service`, the `email` claim, the primary key, no placeholder email.
    pub fn new(service: ApimService) -> Self {
        ApimSettings {
            service,
            email_claim: "email".to_string(),
            key_type: KeyType::Primary,
            placeholder_email: false,
        }
    }

    /// The claim holding the user's email (APIM requires one).
    pub fn with_email_claim(mut self, claim: impl Into<String>) -> Self {
        self.email_claim = claim.into();
        self
    }

    /// Which service key signs the tokens.
    pub fn with_key_type(mut self, key_type: KeyType) -> Self {
        self.key_type = key_type;
        self
    }

    /// When the token has no email claim: `false` (the default) refuses
    /// the request (403); `true` creates the user with
    /// `<apim user id>@users.invalid` (the `--emulator` flow, whose tokens
    /// carry no email).
    pub fn with_placeholder_email(mut self, placeholder: bool) -> Self {
        self.placeholder_email = placeholder;
        self
    }

    /// The service.
    pub fn service(&self) -> &ApimService {
        &self.service
    }

    /// The claim holding the user's email.
    pub fn email_claim(&self) -> &str {
        &self.email_claim
    }

    /// Which service key signs the tokens.
    pub fn key_type(&self) -> KeyType {
        self.key_type
    }

    /// Whether a missing email claim gets a placeholder address.
    pub fn placeholder_email(&self) -> bool {
        self.placeholder_email
    }
}

/// Parses `/subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.ApiManagement/service/{name}`
/// (segment names case-insensitive, leading `/` optional), checked as the facade checks it.
pub fn parse_apim_service(text: &str) -> crate::Result<ApimService> {
    let segments: Vec<&str> = text.trim().trim_matches('/').split('/').collect();
    let shape = "expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ApiManagement/service/<name>";
    let [s, subscription, g, group, p, provider, v, name] = segments.as_slice() else {
        return Err(crate::Error::validation("apim_service", shape));
    };
    let names_match = s.eq_ignore_ascii_case("subscriptions")
        && g.eq_ignore_ascii_case("resourceGroups")
        && p.eq_ignore_ascii_case("providers")
        && provider.eq_ignore_ascii_case("Microsoft.ApiManagement")
        && v.eq_ignore_ascii_case("service");
    if !names_match {
        return Err(crate::Error::validation("apim_service", shape));
    }
    ApimService::new(subscription, group, name)
}

/// The APIM client and the broker's settings for it.
pub(crate) struct Apim {
    client: ApiManagementClient,
    settings: ApimSettings,
    metrics: Arc<Metrics>,
}

impl Apim {
    pub(crate) fn new(
        client: ApiManagementClient,
        settings: ApimSettings,
        metrics: Arc<Metrics>,
    ) -> Self {
        Apim {
            client,
            settings,
            metrics,
        }
    }

    /// A token for the caller's APIM user, valid until `expiry`.
    pub(crate) async fn token(
        &self,
        store: &Store,
        caller: &Caller,
        expiry: DateTime<Utc>,
    ) -> Result<SharedAccessToken, ApiError> {
        let user_id = self.user_for(store, caller).await?;
        let user = self
            .settings
            .service
            .user(&user_id)
            .map_err(ApiError::Upstream)?;
        let result = self
            .client
            .get_shared_access_token(&user, self.settings.key_type, expiry)
            .await;
        self.metrics
            .apim_call("user_token", outcome(result.as_ref().err()));
        result.map_err(ApiError::Upstream)
    }

    /// The caller's APIM user id, creating the user on first sight.
    async fn user_for(&self, store: &Store, caller: &Caller) -> Result<String, ApiError> {
        if let Some(id) = store.apim_user(&caller.user).await? {
            return Ok(id);
        }
        let user_id = caller.user.apim_user_id();
        let email = match caller.claim_str(&self.settings.email_claim) {
            Some(email) => email.to_string(),
            None if self.settings.placeholder_email => format!("{user_id}@users.invalid"),
            None => return Err(ApiError::MissingClaim(self.settings.email_claim.clone())),
        };
        let user = self
            .settings
            .service
            .user(&user_id)
            .map_err(ApiError::Upstream)?;
        let (first, last) = names(caller);
        let details =
            NewApimUser::new(email, first, last).with_note("created by azure-user-tokens broker");
        let result = self
            .client
            .create_or_update_user(&user, &details, None)
            .await;
        self.metrics
            .apim_call("create_user", outcome(result.as_ref().err()));
        result.map_err(ApiError::Upstream)?;
        store.record_apim_user(&caller.user, &user_id).await?;
        Ok(user_id)
    }
}

/// First and last name from `given_name`/`family_name`, else `name`, else
/// placeholders (APIM requires both).
fn names(caller: &Caller) -> (String, String) {
    let given = caller.claim_str("given_name");
    let family = caller.claim_str("family_name");
    match (given, family, caller.claim_str("name")) {
        (Some(g), Some(f), _) => (truncate(g), truncate(f)),
        (_, _, Some(name)) => match name.split_once(' ') {
            Some((g, f)) => (truncate(g), truncate(f.trim())),
            None => (truncate(name), "-".to_string()),
        },
        _ => ("App".to_string(), "User".to_string()),
    }
}

/// APIM names are at most 100 characters.
fn truncate(text: &str) -> String {
    text.chars().take(100).collect()
}

fn outcome(error: Option<&crate::Error>) -> &'static str {
    match error {
        None => "ok",
        Some(e) if e.is_throttled() => "throttled",
        Some(e) if e.is_validation() => "invalid",
        Some(_) => "error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_paths_parse() {
        let service = parse_apim_service(
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1",
        )
        .unwrap();
        assert_eq!(service.service_name(), "apimService1");
        assert!(
            parse_apim_service(
                "subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/microsoft.apimanagement/service/s"
            )
            .is_ok()
        );
        for bad in [
            "",
            "/subscriptions/x",
            "/subscriptions/not-a-uuid/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/s",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.Web/service/s",
        ] {
            assert!(parse_apim_service(bad).is_err(), "{bad}");
        }
    }
}
