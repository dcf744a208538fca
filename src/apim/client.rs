//! `ApiManagementClient`: APIM users and their shared access tokens over ARM.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use url::Url;

use super::{
    ApiManagementClientOptions, ApimService, ApimUser, ApimUserRef, KeyType, ListUsersOptions,
    NewApimUser, SharedAccessToken, TokenExpiry,
};
use crate::Pager;
use crate::adapters::apim_users::{self as adapter, ServicePath};
use crate::credential::{MANAGEMENT_SCOPE, TokenCredential};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{parse_endpoint, require_https_unless_loopback};
use crate::pipeline::{
    Authentication, CallContext, ClientOptions, Pipeline, check_api_version, lro,
};

/// Azure Resource Manager's public endpoint.
pub const DEFAULT_MANAGEMENT_ENDPOINT: &str = "https://management.azure.com";
/// The longest a user token may live (APIM's limit): 30 days.
pub const MAX_TOKEN_LIFETIME: std::time::Duration =
    std::time::Duration::from_secs(30 * 24 * 60 * 60);

/// API Management users and their shared access tokens, over Azure Resource
/// Manager with an Entra ID credential.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_user_tokens::Result<()> {
/// # let emulator = azure_user_tokens::emulator::Emulator::start(Default::default()).await.unwrap();
/// # let settings = emulator.settings();
/// # let management_endpoint = settings.endpoint();
/// # let credential = std::sync::Arc::new(settings.credential(None)?);
/// use std::time::Duration;
/// use azure_user_tokens::apim::{ApiManagementClient, ApimUserRef, KeyType};
///
/// // management_endpoint: apim::DEFAULT_MANAGEMENT_ENDPOINT;
/// // credential: Arc::new(DefaultAzureCredential::new(None)?)
/// let client = ApiManagementClient::new(management_endpoint, credential, None)?;
/// let user = ApimUserRef::new("00000000-0000-0000-0000-000000000000", "rg1", "apimService1", "userId1718")?;
/// let token = client
///     .get_shared_access_token(&user, KeyType::Primary, Duration::from_secs(24 * 3600))
///     .await?;
/// println!("Authorization: {}", token.to_header());
///
/// let details = client.get_user(&user).await?;
/// let mut users = client.list_users(user.service(), None);
/// while let Some(listed) = users.next().await {
///     println!("{} ({:?})", listed?.user_id, details.state);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ApiManagementClient {
    endpoint: Url,
    credential: Arc<dyn TokenCredential>,
    options: ClientOptions,
    api_version: String,
    generated: adapter::Client,
    /// The generated client's transport, for following long-running operations.
    http: reqwest::Client,
    pipeline: Pipeline,
}

impl ApiManagementClient {
    /// A client for the management `endpoint`
    /// ([`DEFAULT_MANAGEMENT_ENDPOINT`], a sovereign cloud's, or the
    /// emulator's) authenticated with an Entra ID credential. The token
    /// scope stays `https://management.azure.com/.default`.
    pub fn new(
        endpoint: &str,
        credential: Arc<dyn TokenCredential>,
        options: Option<ApiManagementClientOptions>,
    ) -> Result<Self> {
        let endpoint = parse_endpoint(endpoint, "management_endpoint")?;
        require_https_unless_loopback(&endpoint, "management_endpoint")?;
        let options = options.unwrap_or_default();
        let api_version = options.api_version().to_string();
        check_api_version(&api_version)?;
        let transport = options
            .client_options()
            .transport(Authentication::Bearer, options.api_version_override())?;
        Ok(ApiManagementClient {
            generated: adapter::client(
                endpoint.as_str(),
                transport.http.clone(),
                transport.pipeline.clone(),
            ),
            http: transport.http,
            pipeline: transport.pipeline,
            endpoint,
            credential,
            options: options.client_options().clone(),
            api_version,
        })
    }

    /// The management endpoint.
    pub fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The api-version sent.
    pub fn api_version(&self) -> &str {
        &self.api_version
    }

    /// `User - Get Shared Access Token`: a token for `user`, signed with the
    /// service's `key_type` key, valid until `expiry` — an instant
    /// (`DateTime<Utc>`) or a lifetime from now (`std::time::Duration`) —
    /// in the future and at most [`MAX_TOKEN_LIFETIME`] ahead (APIM
    /// truncates it to the minute). An expiry outside those bounds is a
    /// validation error and nothing is sent.
    pub async fn get_shared_access_token(
        &self,
        user: &ApimUserRef,
        key_type: KeyType,
        expiry: impl Into<TokenExpiry>,
    ) -> Result<SharedAccessToken> {
        adapter::require(adapter::GET_SHARED_ACCESS_TOKEN, &self.api_version)?;
        let now = Utc::now();
        let expiry = expiry.into().resolve(now)?;
        check_expiry(expiry, now)?;
        let context = self.context(true).await?;
        let expiry = expiry.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        let compact = adapter::get_shared_access_token(
            &self.generated,
            context,
            &self.api_version,
            path(user.service()),
            user.user_id(),
            key_type.as_str(),
            &expiry,
        )
        .await?;
        SharedAccessToken::parse(&compact).map_err(|e| {
            Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "the service returned a token this crate cannot read: {}",
                    e.message()
                ),
            )
        })
    }

    /// `User - Get`.
    pub async fn get_user(&self, user: &ApimUserRef) -> Result<ApimUser> {
        adapter::require(adapter::GET_USER, &self.api_version)?;
        let context = self.context(true).await?;
        let (value, etag) = adapter::get_user(
            &self.generated,
            context,
            &self.api_version,
            path(user.service()),
            user.user_id(),
        )
        .await?;
        ApimUser::from_wire(&value, etag)
    }

    /// `User - Create Or Update`; with `if_match`, only if the ETag matches.
    pub async fn create_or_update_user(
        &self,
        user: &ApimUserRef,
        details: &NewApimUser,
        if_match: Option<&str>,
    ) -> Result<ApimUser> {
        adapter::require(adapter::CREATE_OR_UPDATE_USER, &self.api_version)?;
        let properties = details.to_wire()?;
        let context = self.context(true).await?;
        let (value, etag) = adapter::create_or_update_user(
            &self.generated,
            context,
            &self.api_version,
            path(user.service()),
            user.user_id(),
            properties,
            if_match,
        )
        .await?;
        ApimUser::from_wire(&value, etag)
    }

    /// `User - Delete`, sending `If-Match: *` unless given an ETag. When the
    /// service answers 202 (a long-running delete), it returns once the
    /// operation succeeded, polling as [`ClientOptions::with_polling`] says
    /// (in [`ApiManagementClientOptions::with_client_options`]);
    /// an operation that fails or is canceled is an error carrying
    /// [`OperationFailed`](crate::OperationFailed), one that does
    /// not end in time a timeout.
    pub async fn delete_user(&self, user: &ApimUserRef, etag: Option<&str>) -> Result<()> {
        adapter::require(adapter::DELETE_USER, &self.api_version)?;
        let context = self.context(true).await?;
        let (status, headers) = adapter::delete_user(
            &self.generated,
            context.clone(),
            &self.api_version,
            path(user.service()),
            user.user_id(),
            etag.unwrap_or("*"),
            false,
        )
        .await?;
        lro::wait_for_completion(
            &self.http,
            &self.pipeline,
            context,
            &self.endpoint,
            status,
            &headers,
            &self.options.polling,
            adapter::DELETE_OPERATION,
        )
        .await
    }

    /// `User - List By Service`: every user of `service`, following
    /// `nextLink` pages as the [`Pager`] is iterated. A `nextLink` to another
    /// origin than the management endpoint is refused (the pager's last
    /// item is that error), so the bearer token never leaves it.
    pub fn list_users(
        &self,
        service: &ApimService,
        options: Option<ListUsersOptions>,
    ) -> Pager<ApimUser> {
        enum Page {
            First,
            Next(Url),
            /// The page's users come first; then this error ends the stream.
            Failed(Error),
            Done,
        }
        let page_size = options.unwrap_or_default().page_size;
        // The pager owns what it needs, so it can outlive this borrow.
        let list = Arc::new((self.clone(), service.clone()));
        let state = (Page::First, Vec::<ApimUser>::new().into_iter());
        Pager::new(futures_util::stream::unfold(
            state,
            move |(mut page, mut buffered)| {
                let list = list.clone();
                async move {
                    let (client, service) = &*list;
                    loop {
                        if let Some(user) = buffered.next() {
                            return Some((Ok(user), (page, buffered)));
                        }
                        let body = match std::mem::replace(&mut page, Page::Done) {
                            Page::Done => return None,
                            Page::Failed(error) => {
                                return Some((Err(error), (Page::Done, buffered)));
                            }
                            Page::First => client.first_page(service, page_size).await,
                            Page::Next(link) => client.next_page(link).await,
                        };
                        match body.and_then(|body| client.read_page(&body)) {
                            Ok((users, next)) => {
                                page = match next {
                                    Ok(Some(link)) => Page::Next(link),
                                    Ok(None) => Page::Done,
                                    Err(error) => Page::Failed(error),
                                };
                                buffered = users.into_iter();
                            }
                            Err(error) => return Some((Err(error), (Page::Done, buffered))),
                        }
                    }
                }
            },
        ))
    }

    async fn first_page(&self, service: &ApimService, page_size: Option<u32>) -> Result<Value> {
        if page_size == Some(0) {
            return Err(Error::validation("page_size", "must be at least 1"));
        }
        adapter::require(adapter::LIST_USERS, &self.api_version)?;
        let context = self.context(true).await?;
        adapter::list_users_first_page(
            &self.generated,
            context,
            &self.api_version,
            path(service),
            page_size,
        )
        .await
    }

    async fn next_page(&self, link: Url) -> Result<Value> {
        let context = self.context(true).await?;
        adapter::list_users_next_page(&self.generated, context, link).await
    }

    /// The users of a page and where the next one is (or why it is not followed).
    fn read_page(&self, body: &Value) -> Result<(Vec<ApimUser>, Result<Option<Url>>)> {
        let users = body["value"]
            .as_array()
            .map(|users| {
                users
                    .iter()
                    .map(|u| ApimUser::from_wire(u, None))
                    .collect::<Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        let next = match body["nextLink"].as_str().filter(|l| !l.is_empty()) {
            None => Ok(None),
            Some(link) => self.same_origin(link).map(Some),
        };
        Ok((users, next))
    }

    fn same_origin(&self, link: &str) -> Result<Url> {
        let url = Url::parse(link).map_err(|_| {
            Error::new(
                ErrorKind::InvalidResponse,
                "the service sent a nextLink that is not a URL",
            )
        })?;
        if url.origin() != self.endpoint.origin() {
            return Err(Error::new(
                ErrorKind::InvalidResponse,
                format!(
                    "refusing to follow a nextLink to {} (not the management endpoint {}): the bearer token stays on the management endpoint",
                    url.origin().ascii_serialization(),
                    self.endpoint.origin().ascii_serialization()
                ),
            ));
        }
        Ok(url)
    }

    async fn context(&self, safe_if_processed: bool) -> Result<CallContext> {
        let mut context = CallContext::new(safe_if_processed, self.options.total_timeout);
        context.bearer = Some(self.credential.get_token(MANAGEMENT_SCOPE).await?);
        Ok(context)
    }
}

fn path(service: &ApimService) -> ServicePath<'_> {
    ServicePath {
        subscription_id: service.subscription_id(),
        resource_group: service.resource_group(),
        service_name: service.service_name(),
    }
}

/// In the future, and at most 30 days ahead.
pub(crate) fn check_expiry(expiry: DateTime<Utc>, now: DateTime<Utc>) -> Result<()> {
    if expiry <= now {
        return Err(Error::validation(
            "expiry",
            format!("{expiry} is not in the future (now is {now})"),
        ));
    }
    if expiry - now > Duration::days(30) {
        let ahead = expiry - now;
        return Err(Error::validation(
            "expiry",
            format!(
                "must be at most 30 days ahead (APIM's limit for user tokens); {expiry} is {} days {} hours ahead",
                ahead.num_days(),
                ahead.num_hours() % 24
            ),
        ));
    }
    Ok(())
}

impl fmt::Debug for ApiManagementClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiManagementClient")
            .field("endpoint", &self.endpoint.as_str())
            .field("credential", &self.credential)
            .field("api_version", &self.api_version)
            .field("options", &self.options)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_must_be_future_and_within_30_days() {
        let now = Utc::now();
        assert!(check_expiry(now + Duration::hours(1), now).is_ok());
        assert!(check_expiry(now + Duration::days(30), now).is_ok());
        let past = check_expiry(now - Duration::seconds(1), now).unwrap_err();
        assert!(past.message().contains("not in the future"), "{past}");
        let far = check_expiry(now + Duration::days(31), now).unwrap_err();
        assert_eq!(far.field(), Some("expiry"));
        assert!(
            far.message().contains("30 days") && far.message().contains("31 days"),
            "{far}"
        );
    }
}
