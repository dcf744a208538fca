//! A cap on response bodies: a broken or hostile server cannot make a client
//! buffer without bound (the generated client reads whole bodies).

use std::error::Error as StdError;

use futures_util::StreamExt;
use reqwest::ResponseBuilderExt;

/// The default cap: the services' answers are a few kilobytes; a page of
/// APIM users is well under a megabyte.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// A response body went past the cap; reported as an invalid response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the response body is larger than the {limit}-byte limit")]
pub struct ResponseTooLarge {
    /// The cap, in bytes.
    pub limit: usize,
}

/// `response` with its body limited to `limit` bytes: reading past the limit
/// fails with [`ResponseTooLarge`]. A body whose declared length fits is
/// returned untouched (hyper never reads past a declared length).
pub(crate) fn cap(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let declared = response.content_length();
    if declared.is_some_and(|length| length <= limit as u64) {
        return response;
    }
    let mut builder = http::Response::builder()
        .status(response.status())
        .version(response.version())
        .url(response.url().clone());
    if let Some(headers) = builder.headers_mut() {
        *headers = response.headers().clone();
    }
    let mut read = 0usize;
    let body = response.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(|e| Box::new(e) as Box<dyn StdError + Send + Sync>)?;
        read = read.saturating_add(chunk.len());
        if declared.is_some() || read > limit {
            return Err(Box::new(ResponseTooLarge { limit }) as Box<dyn StdError + Send + Sync>);
        }
        Ok(chunk)
    });
    let limited = builder
        .body(reqwest::Body::wrap_stream(body))
        .expect("the parts of a response that was already valid");
    reqwest::Response::from(limited)
}

impl ResponseTooLarge {
    /// The [`ResponseTooLarge`] somewhere in `error`'s chain of causes.
    pub fn find(error: &(dyn StdError + 'static)) -> Option<ResponseTooLarge> {
        too_large(error)
    }
}

/// The [`ResponseTooLarge`] somewhere in `error`'s chain of causes.
pub(crate) fn too_large(error: &(dyn StdError + 'static)) -> Option<ResponseTooLarge> {
    let mut cause = Some(error);
    while let Some(current) = cause {
        if let Some(found) = current.downcast_ref::<ResponseTooLarge>() {
            return Some(*found);
        }
        cause = current.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(body: &'static [u8], declared: bool) -> reqwest::Response {
        let mut builder = http::Response::builder().status(200);
        if declared {
            builder = builder.header("content-length", body.len());
        }
        let stream = futures_util::stream::iter(
            body.chunks(3)
                .map(|c| Ok::<_, std::io::Error>(bytes::Bytes::from_static(c))),
        );
        let body = if declared {
            reqwest::Body::from(body)
        } else {
            reqwest::Body::wrap_stream(stream)
        };
        reqwest::Response::from(builder.body(body).unwrap())
    }

    #[tokio::test]
    async fn bodies_within_the_cap_are_read_whole() {
        for declared in [true, false] {
            let body = cap(response(b"0123456789", declared), 10).bytes().await;
            assert_eq!(body.unwrap().as_ref(), b"0123456789");
        }
    }

    #[tokio::test]
    async fn bodies_past_the_cap_fail_with_the_limit() {
        for declared in [true, false] {
            let error = cap(response(b"0123456789!", declared), 10)
                .bytes()
                .await
                .unwrap_err();
            assert_eq!(too_large(&error), Some(ResponseTooLarge { limit: 10 }));
        }
    }
}
