//! The blocking `ApiManagementClient` and its pager.

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::runtime::BlockingRuntime;
use crate::apim::{
    self, ApiManagementClientOptions, ApimService, ApimUser, ApimUserRef, KeyType,
    ListUsersOptions, NewApimUser, SharedAccessToken, TokenExpiry,
};
use crate::credential::TokenCredential;
use crate::error::Result;

/// [`apim::ApiManagementClient`] for code without an async runtime: the
/// same constructor, methods and arguments, each call blocking until it is
/// done; [`list_users`](Self::list_users) returns an [`Iterator`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use azure_user_tokens::apim::{ApimUserRef, KeyType};
/// use azure_user_tokens::blocking::ApiManagementClient;
///
/// # fn main() -> azure_user_tokens::Result<()> {
/// # let emulator_runtime = tokio::runtime::Runtime::new().unwrap();
/// # let emulator = emulator_runtime
/// #     .block_on(azure_user_tokens::emulator::Emulator::start(Default::default()))
/// #     .unwrap();
/// # let settings = emulator.settings();
/// # let (management_endpoint, credential) = (settings.endpoint(), Arc::new(settings.credential(None)?));
/// # let subscription_id = azure_user_tokens::emulator::defaults::SUBSCRIPTION_ID;
/// let client = ApiManagementClient::new(management_endpoint, credential, None)?;
/// let user = ApimUserRef::new(subscription_id, "rg1", "apimService1", "userId1718")?;
/// let token = client.get_shared_access_token(&user, KeyType::Primary, Duration::from_secs(8 * 3600))?;
/// println!("Authorization: {}", token.to_header());
/// for listed in client.list_users(user.service(), None) {
///     println!("{}", listed?.user_id);
/// }
/// # Ok(()) }
/// ```
///
/// Called inside a tokio runtime, every method fails with
/// [`Error::is_usage`](crate::Error::is_usage) and sends nothing: use the
/// async client there.
#[derive(Clone, Debug)]
pub struct ApiManagementClient {
    inner: apim::ApiManagementClient,
    runtime: BlockingRuntime,
}

impl ApiManagementClient {
    /// See [`apim::ApiManagementClient::new`].
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: Option<ApiManagementClientOptions>,
    ) -> Result<Self> {
        Ok(ApiManagementClient {
            inner: apim::ApiManagementClient::new(endpoint, credential, options)?,
            runtime: BlockingRuntime::current_thread()?,
        })
    }

    /// The management endpoint.
    pub fn endpoint(&self) -> &Url {
        self.inner.endpoint()
    }

    /// The api-version sent.
    pub fn api_version(&self) -> &str {
        self.inner.api_version()
    }

    /// See [`apim::ApiManagementClient::get_shared_access_token`].
    pub fn get_shared_access_token(
        &self,
        user: &ApimUserRef,
        key_type: KeyType,
        expiry: impl Into<TokenExpiry>,
    ) -> Result<SharedAccessToken> {
        self.runtime.run(
            "ApiManagementClient::get_shared_access_token",
            self.inner.get_shared_access_token(user, key_type, expiry),
        )
    }

    /// See [`apim::ApiManagementClient::get_user`].
    pub fn get_user(&self, user: &ApimUserRef) -> Result<ApimUser> {
        self.runtime
            .run("ApiManagementClient::get_user", self.inner.get_user(user))
    }

    /// See [`apim::ApiManagementClient::create_or_update_user`].
    pub fn create_or_update_user(
        &self,
        user: &ApimUserRef,
        details: &NewApimUser,
        if_match: Option<&str>,
    ) -> Result<ApimUser> {
        self.runtime.run(
            "ApiManagementClient::create_or_update_user",
            self.inner.create_or_update_user(user, details, if_match),
        )
    }

    /// See [`apim::ApiManagementClient::delete_user`].
    pub fn delete_user(&self, user: &ApimUserRef, etag: Option<&str>) -> Result<()> {
        self.runtime.run(
            "ApiManagementClient::delete_user",
            self.inner.delete_user(user, etag),
        )
    }

    /// See [`apim::ApiManagementClient::list_users`]: the users, fetched a
    /// page at a time as the iterator advances.
    pub fn list_users(
        &self,
        service: &ApimService,
        options: Option<ListUsersOptions>,
    ) -> Pager<ApimUser> {
        Pager {
            inner: Some(self.inner.list_users(service, options)),
            runtime: self.runtime.clone(),
            what: "ApiManagementClient::list_users",
        }
    }
}

/// A blocking [`crate::Pager`]: an [`Iterator`] over a paged list's items,
/// fetching a page when the previous one is used up. A failure is the last
/// item.
#[must_use = "a pager fetches nothing until it is iterated"]
pub struct Pager<T> {
    /// `None` once a failure (or misuse) has ended it.
    inner: Option<crate::Pager<T>>,
    runtime: BlockingRuntime,
    what: &'static str,
}

impl<T> Pager<T> {
    /// Every remaining item, in order; the first failure instead, if any.
    pub fn collect_all(self) -> Result<Vec<T>> {
        self.collect()
    }
}

impl<T> Iterator for Pager<T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let pager = self.inner.as_mut()?;
        let next = match self
            .runtime
            .run(self.what, async { Ok(pager.next().await) })
        {
            Ok(Some(item)) => item,
            Ok(None) => {
                self.inner = None;
                return None;
            }
            // Inside a runtime: said once, then the iterator ends.
            Err(misuse) => Err(misuse),
        };
        if next.is_err() {
            self.inner = None;
        }
        Some(next)
    }
}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("blocking::Pager { .. }")
    }
}
