//! `CommunicationIdentityClient`: users and their access tokens.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::connection_string::{decode_access_key, endpoint_url};
use super::{
    CommunicationIdentityClientOptions, CommunicationUserIdentifier, ConnectionString, Scope,
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
/// ```no_run
/// # async fn demo() -> azure_user_tokens::Result<()> {
/// use azure_user_tokens::Secret;
/// use azure_user_tokens::identity::{CommunicationIdentityClient, Scope};
/// let connection_string = Secret::new(
///     std::env::var("COMMUNICATION_SERVICES_CONNECTION_STRING").unwrap(),
/// );
/// let client = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;
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
        let context = self.context(false).await?;
        let (id, _) =
            adapter::create_identity(&self.generated, context, &self.api_version, &[], None)
                .await?;
        CommunicationUserIdentifier::new(id)
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
        let scopes = scope_names(scopes)?;
        let expires_in_minutes = lifetime_minutes(token_expires_in)?;
        let context = self.context(false).await?;
        let (id, token) = adapter::create_identity(
            &self.generated,
            context,
            &self.api_version,
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
        let context = self.context(true).await?;
        adapter::revoke_access_tokens(&self.generated, context, &self.api_version, user.raw_id())
            .await
    }

    /// Deletes `user` and revokes its tokens.
    pub async fn delete_user(&self, user: &CommunicationUserIdentifier) -> Result<()> {
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
