//! `CommunicationIdentityClient`: users and their access tokens.

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::connection_string::{decode_access_key, endpoint_url};
use super::teams_extension::check_ids;
use super::user::check_custom_id;
use super::{
    CommunicationUser, CommunicationUserIdentifier, ConnectionString, Scope,
    TeamsExtensionAssignment,
};
use crate::adapters::acs_identity as adapter;
use crate::credential::{COMMUNICATION_SCOPE, TokenCredential};
use crate::error::{Error, Result};
use crate::pipeline::{Authentication, CallContext, ClientOptions};
use crate::{AccessToken, Secret};

/// The shortest token lifetime the service accepts, in minutes.
pub const MIN_TOKEN_MINUTES: u32 = 60;
/// The longest token lifetime the service accepts, in minutes (24 hours).
pub const MAX_TOKEN_MINUTES: u32 = 1440;

/// Creates and deletes Communication Services users and issues and revokes
/// their access tokens.
///
/// ```no_run
/// # async fn demo() -> azure_user_tokens::Result<()> {
/// use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};
/// let client = CommunicationIdentityClient::from_connection_string(
///     &std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING").unwrap(),
/// )?;
/// let user = client.create_user().await?;
/// let token = client.get_token(&user, &[Scope::VoIp], None).await?;
/// println!("expires at {}", token.expires_on);
/// client.revoke_tokens(&user).await?;
/// client.delete_user(&user).await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct CommunicationIdentityClient {
    endpoint: Url,
    auth: Auth,
    options: ClientOptions,
    api_version: String,
    generated: adapter::Client,
}

/// How the client proves who it is.
#[derive(Clone)]
enum Auth {
    AccessKey(Vec<u8>),
    Credential(Arc<dyn TokenCredential>),
}

impl CommunicationIdentityClient {
    /// From `endpoint=https://…/;accesskey=…` (HMAC-SHA256 signing).
    pub fn from_connection_string(connection_string: &str) -> Result<Self> {
        let parsed = ConnectionString::parse(connection_string)?;
        Self::build(
            parsed.endpoint().clone(),
            Auth::AccessKey(parsed.access_key().to_vec()),
            ClientOptions::default(),
        )
    }

    /// From an endpoint and its base64 access key (HMAC-SHA256 signing).
    pub fn with_access_key(endpoint: &str, access_key: &Secret) -> Result<Self> {
        let endpoint = endpoint_url(endpoint, "endpoint")?;
        let key = decode_access_key(access_key.expose())?;
        Self::build(endpoint, Auth::AccessKey(key), ClientOptions::default())
    }

    /// From an endpoint and an Entra ID credential (bearer tokens for
    /// `https://communication.azure.com//.default`).
    pub fn with_credential(endpoint: &str, credential: Arc<dyn TokenCredential>) -> Result<Self> {
        let endpoint = endpoint_url(endpoint, "endpoint")?;
        Self::build(
            endpoint,
            Auth::Credential(credential),
            ClientOptions::default(),
        )
    }

    /// The same client with other transport options.
    pub fn with_options(self, options: ClientOptions) -> Result<Self> {
        Self::build(self.endpoint, self.auth, options)
    }

    fn build(endpoint: Url, auth: Auth, options: ClientOptions) -> Result<Self> {
        let authentication = match &auth {
            Auth::AccessKey(key) => Authentication::AccessKey(key.clone()),
            Auth::Credential(_) => Authentication::Bearer,
        };
        let transport = options.transport(authentication, adapter::default_api_version())?;
        Ok(CommunicationIdentityClient {
            generated: adapter::client(endpoint.as_str(), transport.http, transport.pipeline),
            endpoint,
            auth,
            options,
            api_version: transport.api_version,
        })
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The api-version sent.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// Creates a user.
    pub async fn create_user(&self) -> Result<CommunicationUserIdentifier> {
        self.require(adapter::CREATE_IDENTITY)?;
        let context = self.context(false).await?;
        let (id, _) =
            adapter::create_identity(&self.generated, context, &self.api_version, None, &[], None)
                .await?;
        CommunicationUserIdentifier::new(id)
    }

    /// Creates the user known by `custom_id` (your own id for it, 1–256
    /// characters), or returns the one created with it before: the same
    /// `custom_id` always gives the same user, so this is safe to repeat.
    ///
    /// Needs a build from a spec whose create request has `customId`
    /// (ACS Identity 2025-03-02-preview); otherwise it fails with
    /// [`Error::is_unsupported`] and sends nothing.
    pub async fn create_user_with_custom_id(
        &self,
        custom_id: &str,
    ) -> Result<CommunicationUserIdentifier> {
        self.require(adapter::CREATE_IDENTITY)?;
        self.require(adapter::CREATE_IDENTITY_CUSTOM_ID)?;
        check_custom_id(custom_id)?;
        // Idempotent by custom id: a retry after an ambiguous failure finds
        // the user the first attempt created.
        let context = self.context(true).await?;
        let (id, _) = adapter::create_identity(
            &self.generated,
            context,
            &self.api_version,
            Some(custom_id),
            &[],
            None,
        )
        .await?;
        CommunicationUserIdentifier::new(id)
    }

    /// Reads `user`: its custom id and when a token was last issued for it.
    ///
    /// Needs a build from a spec with `GET /identities/{id}` (ACS Identity
    /// 2025-03-02-preview); otherwise it fails with
    /// [`Error::is_unsupported`] and sends nothing.
    pub async fn get_user(&self, user: &CommunicationUserIdentifier) -> Result<CommunicationUser> {
        self.require(adapter::GET_IDENTITY)?;
        let context = self.context(true).await?;
        let value =
            adapter::get_identity(&self.generated, context, &self.api_version, user.raw_id())
                .await?;
        CommunicationUser::from_wire(&value)
    }

    /// Creates a user and issues a token for it in one call.
    /// `expires_in_minutes` is 60–1440 (default: the service's, 24 hours).
    pub async fn create_user_and_token(
        &self,
        scopes: &[Scope],
        expires_in_minutes: Option<u32>,
    ) -> Result<(CommunicationUserIdentifier, AccessToken)> {
        self.require(adapter::CREATE_IDENTITY)?;
        let scopes = scope_names(scopes)?;
        check_lifetime(expires_in_minutes)?;
        let context = self.context(false).await?;
        let (id, token) = adapter::create_identity(
            &self.generated,
            context,
            &self.api_version,
            None,
            &scopes,
            expires_in_minutes,
        )
        .await?;
        let token = token.ok_or_else(|| {
            Error::new(
                crate::ErrorKind::InvalidResponse,
                "the service created the user but returned no token",
            )
        })?;
        Ok((CommunicationUserIdentifier::new(id)?, token))
    }

    /// Issues a token for `user`. `expires_in_minutes` is 60–1440.
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[Scope],
        expires_in_minutes: Option<u32>,
    ) -> Result<AccessToken> {
        self.require(adapter::ISSUE_ACCESS_TOKEN)?;
        let scopes = scope_names(scopes)?;
        check_lifetime(expires_in_minutes)?;
        let context = self.context(true).await?;
        adapter::issue_access_token(
            &self.generated,
            context,
            &self.api_version,
            user.raw_id(),
            &scopes,
            expires_in_minutes,
        )
        .await
    }

    /// Revokes every token issued to `user` so far.
    pub async fn revoke_tokens(&self, user: &CommunicationUserIdentifier) -> Result<()> {
        self.require(adapter::REVOKE_ACCESS_TOKENS)?;
        let context = self.context(true).await?;
        adapter::revoke_access_tokens(&self.generated, context, &self.api_version, user.raw_id())
            .await
    }

    /// Deletes `user` and revokes its tokens.
    pub async fn delete_user(&self, user: &CommunicationUserIdentifier) -> Result<()> {
        self.require(adapter::DELETE_IDENTITY)?;
        let context = self.context(true).await?;
        adapter::delete_identity(&self.generated, context, &self.api_version, user.raw_id()).await
    }

    /// Exchanges a Teams user's Entra ID token for a Communication Services
    /// token. `client_id` is the Entra application id, `user_object_id` the
    /// Teams user's object id; both must match the token's claims.
    pub async fn get_token_for_teams_user(
        &self,
        teams_user_aad_token: &Secret,
        client_id: &str,
        user_object_id: &str,
    ) -> Result<AccessToken> {
        self.require(adapter::EXCHANGE_TEAMS_USER_ACCESS_TOKEN)?;
        for (field, value) in [
            ("teams_user_aad_token", teams_user_aad_token.expose()),
            ("client_id", client_id),
            ("user_object_id", user_object_id),
        ] {
            if value.trim().is_empty() {
                return Err(Error::validation(field, "must not be empty"));
            }
        }
        let context = self.context(true).await?;
        adapter::exchange_teams_user_access_token(
            &self.generated,
            context,
            &self.api_version,
            teams_user_aad_token.expose(),
            client_id,
            user_object_id,
        )
        .await
    }

    /// Exchanges a Teams Phone extension user's Entra ID token (audience
    /// `https://communication.azure.com`) for a Communication Services
    /// identity and token. The request carries that token as its bearer —
    /// not this client's key or credential, which are not used. The service
    /// accepts it only if an assignment lets the token's user exchange from
    /// the token's application ([`Self::upsert_teams_extension_assignment`]).
    ///
    /// Needs a build from a spec with the Teams Phone extension (ACS
    /// Identity 2025-06-30 and later); otherwise it fails with
    /// [`Error::is_unsupported`] and sends nothing.
    pub async fn exchange_teams_extension_token(
        &self,
        teams_user_token: &Secret,
    ) -> Result<(CommunicationUserIdentifier, AccessToken)> {
        self.require(adapter::EXCHANGE_TEAMS_EXTENSION_ACCESS_TOKEN)?;
        let token = teams_user_token.expose();
        if token.trim().is_empty() {
            return Err(Error::validation("teams_user_token", "must not be empty"));
        }
        if reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(Error::validation(
                "teams_user_token",
                "has characters an Authorization header cannot carry",
            ));
        }
        crate::http::require_https_unless_loopback(&self.endpoint, "endpoint")?;
        let mut context = CallContext::new(true, self.options.total_timeout);
        context.caller_bearer = Some(teams_user_token.clone());
        let (id, token) = adapter::exchange_teams_extension_access_token(
            &self.generated,
            context,
            &self.api_version,
        )
        .await?;
        let token = token.ok_or_else(|| {
            Error::new(
                crate::ErrorKind::InvalidResponse,
                "the exchange answered without a token",
            )
        })?;
        Ok((CommunicationUserIdentifier::new(id)?, token))
    }

    /// The Teams Phone extension assignment of `object_id` in `tenant_id`
    /// (both Entra GUIDs); [`Error::is_not_found`] when there is none.
    ///
    /// [`Error::is_unsupported`] (nothing sent) in a build without the Teams
    /// Phone extension (ACS Identity before 2025-06-30).
    pub async fn get_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<TeamsExtensionAssignment> {
        self.require(adapter::GET_TEAMS_EXTENSION_ASSIGNMENT)?;
        check_ids(tenant_id, object_id)?;
        let context = self.context(true).await?;
        let value = adapter::get_teams_extension_assignment(
            &self.generated,
            context,
            &self.api_version,
            tenant_id,
            object_id,
        )
        .await?;
        TeamsExtensionAssignment::from_wire(&value)
    }

    /// Creates or replaces an assignment; returns it as the service stored it.
    ///
    /// [`Error::is_unsupported`] (nothing sent) in a build without the Teams
    /// Phone extension (ACS Identity before 2025-06-30).
    pub async fn upsert_teams_extension_assignment(
        &self,
        assignment: &TeamsExtensionAssignment,
    ) -> Result<TeamsExtensionAssignment> {
        self.require(adapter::UPSERT_TEAMS_EXTENSION_ASSIGNMENT)?;
        assignment.check()?;
        let context = self.context(true).await?;
        let value = adapter::upsert_teams_extension_assignment(
            &self.generated,
            context,
            &self.api_version,
            &assignment.tenant_id,
            &assignment.object_id,
            assignment.to_wire(),
        )
        .await?;
        TeamsExtensionAssignment::from_wire(&value)
    }

    /// Removes the assignment of `object_id` in `tenant_id`.
    ///
    /// [`Error::is_unsupported`] (nothing sent) in a build without the Teams
    /// Phone extension (ACS Identity before 2025-06-30).
    pub async fn delete_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<()> {
        self.require(adapter::DELETE_TEAMS_EXTENSION_ASSIGNMENT)?;
        check_ids(tenant_id, object_id)?;
        let context = self.context(true).await?;
        adapter::delete_teams_extension_assignment(
            &self.generated,
            context,
            &self.api_version,
            tenant_id,
            object_id,
        )
        .await
    }

    /// `Unsupported` unless this build's spec has `binding`.
    fn require(&self, binding: &str) -> Result<()> {
        adapter::require(binding, &self.api_version)
    }

    /// A call context, with a bearer token when the client uses Entra ID.
    async fn context(&self, safe_if_processed: bool) -> Result<CallContext> {
        let mut context = CallContext::new(safe_if_processed, self.options.total_timeout);
        if let Auth::Credential(credential) = &self.auth {
            context.bearer = Some(credential.get_token(COMMUNICATION_SCOPE).await?);
        }
        Ok(context)
    }
}

impl fmt::Debug for CommunicationIdentityClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.auth {
            Auth::AccessKey(_) => "access key (***)",
            Auth::Credential(_) => "Entra ID credential",
        };
        f.debug_struct("CommunicationIdentityClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("auth", &auth)
            .field("api_version", &self.api_version)
            .field("options", &self.options)
            .finish()
    }
}

/// 60–1440 minutes, as the service requires.
fn check_lifetime(expires_in_minutes: Option<u32>) -> Result<()> {
    match expires_in_minutes {
        Some(minutes) if !(MIN_TOKEN_MINUTES..=MAX_TOKEN_MINUTES).contains(&minutes) => {
            Err(Error::validation(
                "expires_in_minutes",
                format!(
                    "{minutes} minutes is outside the allowed {MIN_TOKEN_MINUTES}–{MAX_TOKEN_MINUTES} minutes (1 to 24 hours)"
                ),
            ))
        }
        _ => Ok(()),
    }
}

fn scope_names(scopes: &[Scope]) -> Result<Vec<String>> {
    if scopes.is_empty() {
        return Err(Error::validation(
            "scopes",
            "at least one scope is required (e.g. voip or chat)",
        ));
    }
    scopes
        .iter()
        .map(|scope| match scope.as_str().trim() {
            "" => Err(Error::validation("scopes", "a scope is empty")),
            name => Ok(name.to_string()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_outside_60_to_1440_are_refused_with_the_limits() {
        for minutes in [0, 59, 1441, u32::MAX] {
            let err = check_lifetime(Some(minutes)).unwrap_err();
            assert!(err.message().contains("60–1440"), "{err}");
        }
        for minutes in [None, Some(60), Some(1440)] {
            assert!(check_lifetime(minutes).is_ok());
        }
    }

    #[test]
    fn scopes_must_be_given() {
        assert_eq!(scope_names(&[]).unwrap_err().field(), Some("scopes"));
        assert!(scope_names(&[Scope::Other(" ".into())]).is_err());
        assert_eq!(
            scope_names(&[Scope::VoIp, Scope::ChatJoin]).unwrap(),
            ["voip", "chat.join"]
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let client = CommunicationIdentityClient::from_connection_string(
            "endpoint=http://127.0.0.1:1/;accesskey=c2VjcmV0LWtleS1ieXRlcw==",
        )
        .unwrap();
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("c2VjcmV0") && !debug.contains("secret-key"),
            "{debug}"
        );
    }
}
