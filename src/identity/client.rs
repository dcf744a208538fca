//! `CommunicationIdentityClient`: users and their access tokens.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::connection_string::{decode_access_key, endpoint_url};
use super::teams_extension::check_ids;
use super::user::check_custom_id;
use super::{
    CommunicationIdentityClientOptions, CommunicationUser, CommunicationUserIdentifier,
    ConnectionString, Scope, TeamsExtensionAssignment,
};
use crate::adapters::acs_identity as adapter;
use crate::credential::{COMMUNICATION_SCOPE, TokenCredential};
use crate::error::{Error, Result};
use crate::pipeline::{Authentication, CallContext, ClientOptions, check_api_version};
use crate::{AccessToken, Secret};

/// The shortest token lifetime the service accepts: one hour.
pub const MIN_TOKEN_LIFETIME: Duration = Duration::from_secs(60 * 60);
/// The longest token lifetime the service accepts: 24 hours.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Creates and deletes Communication Services users and issues and revokes
/// their access tokens.
///
/// Build one from a connection string, an endpoint and its access key, or an
/// endpoint and an Entra ID credential; each takes
/// `Option<`[`CommunicationIdentityClientOptions`]`>` last.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_user_tokens::Result<()> {
/// # let emulator = azure_user_tokens::emulator::Emulator::start(Default::default()).await.unwrap();
/// # let connection_string = emulator.connection_string();
/// use std::time::Duration;
/// use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};
///
/// // connection_string: Secret::new(std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING")?)
/// let client = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;
/// let user = client.create_user().await?;
/// let token = client.get_token(&user, &[Scope::VoIp], Some(Duration::from_secs(3600))).await?;
/// println!("expires at {}", token.expires_on);
/// client.revoke_tokens(&user).await?;
/// client.delete_user(&user).await?;
///
/// // Lifetimes outside one to 24 hours are refused before anything is sent.
/// let err = client.get_token(&user, &[Scope::Chat], Some(Duration::from_secs(60))).await.unwrap_err();
/// assert!(err.is_validation());
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
    /// A client for `endpoint` (`https://<resource>.communication.azure.com`)
    /// authenticated with an Entra ID credential (bearer tokens for
    /// `https://communication.azure.com//.default`).
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        let endpoint = endpoint_url(endpoint, "endpoint")?;
        Self::build(endpoint, Auth::Credential(credential), options)
    }

    /// A client for `endpoint` signing with its base64 access key
    /// (HMAC-SHA256).
    pub fn from_access_key(
        endpoint: &str,
        access_key: &Secret,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        let endpoint = endpoint_url(endpoint, "endpoint")?;
        let key = decode_access_key(access_key.expose())?;
        Self::build(endpoint, Auth::AccessKey(key), options)
    }

    /// A client from `endpoint=https://…/;accesskey=…` (HMAC-SHA256 signing).
    pub fn from_connection_string(
        connection_string: &Secret,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        let parsed = ConnectionString::parse(connection_string.expose())?;
        Self::build(
            parsed.endpoint().clone(),
            Auth::AccessKey(parsed.access_key().to_vec()),
            options,
        )
    }

    fn build(
        endpoint: Url,
        auth: Auth,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        let options = options.unwrap_or_default();
        let api_version = options.api_version().to_string();
        check_api_version(&api_version)?;
        let authentication = match &auth {
            Auth::AccessKey(key) => Authentication::AccessKey(key.clone()),
            Auth::Credential(_) => Authentication::Bearer,
        };
        let transport = options
            .client_options()
            .transport(authentication, options.api_version_override())?;
        Ok(CommunicationIdentityClient {
            generated: adapter::client(endpoint.as_str(), transport.http, transport.pipeline),
            endpoint,
            auth,
            options: options.client_options().clone(),
            api_version,
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

    /// Creates a user and issues a token for it in one call. The token
    /// lives `token_expires_in` (whole minutes, from
    /// [`MIN_TOKEN_LIFETIME`] to [`MAX_TOKEN_LIFETIME`]; `None`: the
    /// service's default, 24 hours).
    pub async fn create_user_and_token(
        &self,
        scopes: &[Scope],
        token_expires_in: Option<Duration>,
    ) -> Result<(CommunicationUserIdentifier, AccessToken)> {
        self.require(adapter::CREATE_IDENTITY)?;
        let scopes = scope_names(scopes)?;
        let expires_in_minutes = lifetime_minutes(token_expires_in)?;
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

    /// Issues a token for `user` with `scopes`, living `token_expires_in`
    /// (whole minutes, from [`MIN_TOKEN_LIFETIME`] to
    /// [`MAX_TOKEN_LIFETIME`]; `None`: the service's default, 24 hours). A
    /// lifetime outside those bounds is a validation error and nothing is
    /// sent.
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[Scope],
        token_expires_in: Option<Duration>,
    ) -> Result<AccessToken> {
        self.require(adapter::ISSUE_ACCESS_TOKEN)?;
        let scopes = scope_names(scopes)?;
        let expires_in_minutes = lifetime_minutes(token_expires_in)?;
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

/// A token lifetime as the service takes it: whole minutes, 60–1440.
fn lifetime_minutes(token_expires_in: Option<Duration>) -> Result<Option<u32>> {
    let Some(lifetime) = token_expires_in else {
        return Ok(None);
    };
    let (min, max) = (
        MIN_TOKEN_LIFETIME.as_secs() / 60,
        MAX_TOKEN_LIFETIME.as_secs() / 60,
    );
    if lifetime.subsec_nanos() != 0 || lifetime.as_secs() % 60 != 0 {
        return Err(Error::validation(
            "token_expires_in",
            format!(
                "{lifetime:?} is not a whole number of minutes (the service takes {min}–{max} minutes)"
            ),
        ));
    }
    let minutes = lifetime.as_secs() / 60;
    if !(min..=max).contains(&minutes) {
        return Err(Error::validation(
            "token_expires_in",
            format!("{minutes} minutes is outside the allowed {min}–{max} minutes (1 to 24 hours)"),
        ));
    }
    // At most 1440: it fits.
    Ok(u32::try_from(minutes).ok())
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
    fn lifetimes_outside_60_to_1440_minutes_are_refused_with_the_limits() {
        let minutes = |m: u64| Some(Duration::from_secs(m * 60));
        for m in [0, 59, 1441, u64::from(u32::MAX) + 1, u64::MAX / 60] {
            let err = lifetime_minutes(minutes(m)).unwrap_err();
            assert_eq!(err.field(), Some("token_expires_in"));
            assert!(err.message().contains("60–1440"), "{err}");
        }
        assert_eq!(lifetime_minutes(None).unwrap(), None);
        assert_eq!(lifetime_minutes(minutes(60)).unwrap(), Some(60));
        assert_eq!(
            lifetime_minutes(Some(MAX_TOKEN_LIFETIME)).unwrap(),
            Some(1440)
        );
    }

    #[test]
    fn lifetimes_are_whole_minutes() {
        for odd in [
            Duration::from_secs(3601),
            Duration::from_millis(3_600_001),
            Duration::new(3600, 1),
        ] {
            let err = lifetime_minutes(Some(odd)).unwrap_err();
            assert!(err.message().contains("whole number of minutes"), "{err}");
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
            &Secret::new("endpoint=http://127.0.0.1:1/;accesskey=c2VjcmV0LWtleS1ieXRlcw=="),
            None,
        )
        .unwrap();
        let debug = format!("{client:?}");
        assert!(
            !debug.contains("c2VjcmV0") && !debug.contains("secret-key"),
            "{debug}"
        );
    }
}
