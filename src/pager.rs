//! `Pager`: the items of a paged list, fetched a page at a time.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::Result;

/// The items of a paged list (such as
/// [`ApiManagementClient::list_users`](crate::apim::ApiManagementClient::list_users)),
/// fetched a page at a time as you iterate. Iterate with [`next`](Self::next)
/// — no pinning, no `futures` import — or take everything with
/// [`collect_all`](Self::collect_all). It is also a [`Stream`] (and `Unpin`)
/// for stream combinators.
///
/// A failure (a page that cannot be fetched or read) is the last item: the
/// items before it are yours, nothing after it is fetched.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> azure_user_tokens::Result<()> {
/// # let emulator = azure_user_tokens::emulator::Emulator::start(Default::default()).await.unwrap();
/// # let settings = emulator.settings();
/// # let (client, service) = (settings.apim_client(None)?, settings.apim_service()?);
/// let mut users = client.list_users(&service, None);
/// while let Some(user) = users.next().await {
///     println!("{}", user?.user_id);
/// }
///
/// let everyone = client.list_users(&service, None).collect_all().await?;
/// # assert_eq!(everyone.len(), 2);
/// # Ok(()) }
/// ```
#[must_use = "a pager fetches nothing until it is iterated"]
pub struct Pager<T> {
    items: Pin<Box<dyn Stream<Item = Result<T>> + Send>>,
}

impl<T> Pager<T> {
    /// Wraps the stream of a list's items.
    pub(crate) fn new(items: impl Stream<Item = Result<T>> + Send + 'static) -> Self {
        Pager {
            items: Box::pin(items),
        }
    }

    /// The next item, fetching the next page when this one is used up;
    /// `None` once the list (or a failure) has ended it.
    pub async fn next(&mut self) -> Option<Result<T>> {
        std::future::poll_fn(|cx| self.items.as_mut().poll_next(cx)).await
    }

    /// Every remaining item, in order; the first failure instead, if any.
    pub async fn collect_all(mut self) -> Result<Vec<T>> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }
}

impl<T> Stream for Pager<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.as_mut().poll_next(cx)
    }
}

impl<T> fmt::Debug for Pager<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pager { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn assert_unpin_send<P: Unpin + Send>(_: &P) {}

    #[tokio::test]
    async fn items_come_in_order_and_a_failure_ends_the_collection() {
        let pager = Pager::new(futures_util::stream::iter(vec![Ok(1), Ok(2)]));
        assert_unpin_send(&pager);
        assert_eq!(pager.collect_all().await.unwrap(), [1, 2]);

        let failing = futures_util::stream::iter(vec![
            Ok(1),
            Err(Error::validation("page_size", "must be at least 1")),
        ]);
        let mut pager = Pager::new(failing);
        assert_eq!(pager.next().await.unwrap().unwrap(), 1);
        assert!(pager.next().await.unwrap().is_err());
        assert!(pager.next().await.is_none());

        let failing = futures_util::stream::iter(vec![
            Ok(1),
            Err(Error::validation("page_size", "must be at least 1")),
        ]);
        let err = Pager::new(failing).collect_all().await.unwrap_err();
        assert_eq!(err.field(), Some("page_size"));
    }
}
