//! `CommunicationIdentityClient`: users and their access tokens.

use std::fmt;
use std::sync::Arc;

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

/// The shortest token lifetime the service accepts, in minutes.
pub const MIN_TOKEN_MINUTES: u32 = 60;
/// The longest token lifetime the service accepts, in minutes (24 hours).
pub const MAX_TOKEN_MINUTES: u32 = 1440;

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

    /// Creates a user and issues a token for it in one call.
    /// `expires_in_minutes` is 60–1440 (default: the service's, 24 hours).
    pub async fn create_user_and_token(
        &self,
        scopes: &[Scope],
        expires_in_minutes: Option<u32>,
    ) -> Result<(CommunicationUserIdentifier, AccessToken)> {
        let scopes = scope_names(scopes)?;
        check_lifetime(expires_in_minutes)?;
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

    /// Issues a token for `user`. `expires_in_minutes` is 60–1440.
    pub async fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[Scope],
        expires_in_minutes: Option<u32>,
    ) -> Result<AccessToken> {
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
