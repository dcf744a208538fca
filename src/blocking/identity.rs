//! The blocking `CommunicationIdentityClient`.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::runtime::BlockingRuntime;
use crate::credential::TokenCredential;
use crate::error::Result;
use crate::identity::{
    self, CommunicationIdentityClientOptions, CommunicationUser, CommunicationUserIdentifier,
    Scope, TeamsExtensionAssignment,
};
use crate::{AccessToken, Secret};

/// [`identity::CommunicationIdentityClient`] for code without an async
/// runtime: the same constructors, methods and arguments, each call blocking
/// until it is done.
///
/// ```
/// use azure_user_tokens::blocking::CommunicationIdentityClient;
/// use azure_user_tokens::identity::Scope;
/// use std::time::Duration;
///
/// # fn main() -> azure_user_tokens::Result<()> {
/// # let emulator_runtime = tokio::runtime::Runtime::new().unwrap();
/// # let emulator = emulator_runtime
/// #     .block_on(azure_user_tokens::emulator::Emulator::start(Default::default()))
/// #     .unwrap();
/// # let connection_string = emulator.connection_string();
/// let client = CommunicationIdentityClient::from_connection_string(&connection_string, None)?;
/// let user = client.create_user()?;
/// let token = client.get_token(&user, &[Scope::VoIp], Some(Duration::from_secs(3600)))?;
/// println!("{user}: a voip token until {}", token.expires_on);
/// client.revoke_tokens(&user)?;
/// client.delete_user(&user)?;
/// # Ok(()) }
/// ```
///
/// Called inside a tokio runtime, every method fails with
/// [`Error::is_usage`](crate::Error::is_usage) and sends nothing: use the
/// async client there.
#[derive(Clone, Debug)]
pub struct CommunicationIdentityClient {
    inner: identity::CommunicationIdentityClient,
    runtime: BlockingRuntime,
}

impl CommunicationIdentityClient {
    /// See [`identity::CommunicationIdentityClient::new`].
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        Self::wrap(identity::CommunicationIdentityClient::new(
            endpoint, credential, options,
        )?)
    }

    /// See [`identity::CommunicationIdentityClient::from_access_key`].
    pub fn from_access_key(
        endpoint: &str,
        access_key: &Secret,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        Self::wrap(identity::CommunicationIdentityClient::from_access_key(
            endpoint, access_key, options,
        )?)
    }

    /// See [`identity::CommunicationIdentityClient::from_connection_string`].
    pub fn from_connection_string(
        connection_string: &Secret,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<Self> {
        Self::wrap(
            identity::CommunicationIdentityClient::from_connection_string(
                connection_string,
                options,
            )?,
        )
    }

    fn wrap(inner: identity::CommunicationIdentityClient) -> Result<Self> {
        Ok(CommunicationIdentityClient {
            inner,
            runtime: BlockingRuntime::current_thread()?,
        })
    }

    /// The resource endpoint.
    pub fn endpoint(&self) -> &Url {
        self.inner.endpoint()
    }

    /// The api-version sent.
    pub fn api_version(&self) -> &str {
        self.inner.api_version()
    }

    /// See [`identity::CommunicationIdentityClient::create_user`].
    pub fn create_user(&self) -> Result<CommunicationUserIdentifier> {
        self.runtime.run(
            "CommunicationIdentityClient::create_user",
            self.inner.create_user(),
        )
    }

    /// See [`identity::CommunicationIdentityClient::create_user_with_custom_id`].
    pub fn create_user_with_custom_id(
        &self,
        custom_id: &str,
    ) -> Result<CommunicationUserIdentifier> {
        self.runtime.run(
            "CommunicationIdentityClient::create_user_with_custom_id",
            self.inner.create_user_with_custom_id(custom_id),
        )
    }

    /// See [`identity::CommunicationIdentityClient::get_user`].
    pub fn get_user(&self, user: &CommunicationUserIdentifier) -> Result<CommunicationUser> {
        self.runtime.run(
            "CommunicationIdentityClient::get_user",
            self.inner.get_user(user),
        )
    }

    /// See [`identity::CommunicationIdentityClient::create_user_and_token`].
    pub fn create_user_and_token(
        &self,
        scopes: &[Scope],
        token_expires_in: Option<Duration>,
    ) -> Result<(CommunicationUserIdentifier, AccessToken)> {
        self.runtime.run(
            "CommunicationIdentityClient::create_user_and_token",
            self.inner.create_user_and_token(scopes, token_expires_in),
        )
    }

    /// See [`identity::CommunicationIdentityClient::get_token`].
    pub fn get_token(
        &self,
        user: &CommunicationUserIdentifier,
        scopes: &[Scope],
        token_expires_in: Option<Duration>,
    ) -> Result<AccessToken> {
        self.runtime.run(
            "CommunicationIdentityClient::get_token",
            self.inner.get_token(user, scopes, token_expires_in),
        )
    }

    /// See [`identity::CommunicationIdentityClient::revoke_tokens`].
    pub fn revoke_tokens(&self, user: &CommunicationUserIdentifier) -> Result<()> {
        self.runtime.run(
            "CommunicationIdentityClient::revoke_tokens",
            self.inner.revoke_tokens(user),
        )
    }

    /// See [`identity::CommunicationIdentityClient::delete_user`].
    pub fn delete_user(&self, user: &CommunicationUserIdentifier) -> Result<()> {
        self.runtime.run(
            "CommunicationIdentityClient::delete_user",
            self.inner.delete_user(user),
        )
    }

    /// See [`identity::CommunicationIdentityClient::get_token_for_teams_user`].
    pub fn get_token_for_teams_user(
        &self,
        teams_user_aad_token: &Secret,
        client_id: &str,
        user_object_id: &str,
    ) -> Result<AccessToken> {
        self.runtime.run(
            "CommunicationIdentityClient::get_token_for_teams_user",
            self.inner
                .get_token_for_teams_user(teams_user_aad_token, client_id, user_object_id),
        )
    }

    /// See [`identity::CommunicationIdentityClient::exchange_teams_extension_token`].
    pub fn exchange_teams_extension_token(
        &self,
        teams_user_token: &Secret,
    ) -> Result<(CommunicationUserIdentifier, AccessToken)> {
        self.runtime.run(
            "CommunicationIdentityClient::exchange_teams_extension_token",
            self.inner.exchange_teams_extension_token(teams_user_token),
        )
    }

    /// See [`identity::CommunicationIdentityClient::get_teams_extension_assignment`].
    pub fn get_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<TeamsExtensionAssignment> {
        self.runtime.run(
            "CommunicationIdentityClient::get_teams_extension_assignment",
            self.inner
                .get_teams_extension_assignment(tenant_id, object_id),
        )
    }

    /// See [`identity::CommunicationIdentityClient::upsert_teams_extension_assignment`].
    pub fn upsert_teams_extension_assignment(
        &self,
        assignment: &TeamsExtensionAssignment,
    ) -> Result<TeamsExtensionAssignment> {
        self.runtime.run(
            "CommunicationIdentityClient::upsert_teams_extension_assignment",
            self.inner.upsert_teams_extension_assignment(assignment),
        )
    }

    /// See [`identity::CommunicationIdentityClient::delete_teams_extension_assignment`].
    pub fn delete_teams_extension_assignment(
        &self,
        tenant_id: &str,
        object_id: &str,
    ) -> Result<()> {
        self.runtime.run(
            "CommunicationIdentityClient::delete_teams_extension_assignment",
            self.inner
                .delete_teams_extension_assignment(tenant_id, object_id),
        )
    }
}
