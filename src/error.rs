//! The crate's one error type.

use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Input rejected locally, before any request was sent.
    Validation,
    /// The service answered with an error status.
    Service,
    /// The request could not be sent or the connection failed.
    Transport,
    /// A per-attempt or total timeout elapsed.
    Timeout,
    /// A credential could not produce a token.
    Credential,
    /// The service answered with something that could not be understood.
    InvalidResponse,
    /// The call cannot run where it was made: a `blocking` client called
    /// inside an async runtime, a proactive refresh started outside one.
    /// Nothing was sent.
    Usage,
    /// The operation is not in the spec this crate was built from; nothing
    /// was sent (rebuild from a spec that has it: see REGENERATING.md).
    Unsupported,
}

/// An error from this crate: what went wrong, and where the service said so,
/// its status, error code, target and request id.
///
/// Secrets never appear in its message or `Debug` output.
///
/// ```
/// use azure_user_tokens::Error;
/// let e = Error::validation("expires_in_minutes", "59 is outside 60..=1440 minutes");
/// assert!(e.is_validation());
/// assert_eq!(e.field(), Some("expires_in_minutes"));
/// ```
#[derive(Debug)]
pub struct Error(Box<Details>);

/// Boxed so `Result<T, Error>` stays one pointer wide.
#[derive(Debug)]
struct Details {
    kind: ErrorKind,
    message: String,
    field: Option<&'static str>,
    status: Option<u16>,
    code: Option<String>,
    target: Option<String>,
    request_id: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error(Box::new(Details {
            kind,
            message: message.into(),
            field: None,
            status: None,
            code: None,
            target: None,
            request_id: None,
            source: None,
        }))
    }

    /// Local input rejected: `field` names the input, `message` says why and
    /// what the limit is.
    pub fn validation(field: &'static str, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Validation, message);
        e.0.field = Some(field);
        e
    }

    /// A credential failure caused by `source`: what a token refresher (or a
    /// [`TokenCredential`](crate::credential::TokenCredential) of your own)
    /// returns when its own call fails. The message includes `source`'s
    /// text, so keep secrets out of it; [`source`](std::error::Error::source)
    /// returns it.
    ///
    /// ```
    /// use azure_user_tokens::{Error, ErrorKind, Secret};
    /// fn from_my_backend() -> Result<String, std::io::Error> {
    ///     Err(std::io::Error::other("backend unreachable"))
    /// }
    /// let token: azure_user_tokens::Result<Secret> =
    ///     from_my_backend().map(Secret::new).map_err(Error::credential);
    /// let error = token.unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::Credential);
    /// assert!(error.is_unauthorized());
    /// assert!(error.to_string().contains("backend unreachable"));
    /// assert!(std::error::Error::source(&error).is_some());
    /// ```
    pub fn credential(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        let source = source.into();
        let mut error = Error::new(
            ErrorKind::Credential,
            format!("the credential failed: {source}"),
        );
        error.0.source = Some(source);
        error
    }

    /// `operation` is not in the spec this crate was built from; `detail`
    /// says which spec and api-version.
    pub fn unsupported(operation: &str, detail: impl fmt::Display) -> Self {
        Error::new(
            ErrorKind::Unsupported,
            format!("{operation} is not supported by this build: {detail}"),
        )
    }

    /// An error status from the service.
    pub fn service(status: u16, message: impl Into<String>) -> Self {
        let mut e = Error::new(ErrorKind::Service, message);
        e.0.status = Some(status);
        e
    }

    /// Adds the service's error code.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.0.code = Some(code.into());
        self
    }

    /// Adds the service's error target.
    pub fn with_target(mut self, target: impl Into<String>) -> Self {
        self.0.target = Some(target.into());
        self
    }

    /// Adds the request id the service or client used.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// Adds the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Adds the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The input a validation error is about.
    pub fn field(&self) -> Option<&'static str> {
        self.0.field
    }

    /// The HTTP status, when the service answered.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The service's error code (`ValidationError`, `ResourceNotFound`, …).
    pub fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }

    /// The service's error target.
    pub fn target(&self) -> Option<&str> {
        self.0.target.as_deref()
    }

    /// The request id, for support cases.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// Rejected locally; nothing was sent.
    pub fn is_validation(&self) -> bool {
        self.0.kind == ErrorKind::Validation
    }

    /// The service says the resource does not exist (404).
    pub fn is_not_found(&self) -> bool {
        self.0.status == Some(404)
    }

    /// Authentication or authorization failed (401 or 403), or no token could be had.
    pub fn is_unauthorized(&self) -> bool {
        matches!(self.0.status, Some(401 | 403)) || self.0.kind == ErrorKind::Credential
    }

    /// The operation is not in the spec this crate was built from; nothing
    /// was sent and no credential was used.
    pub fn is_unsupported(&self) -> bool {
        self.0.kind == ErrorKind::Unsupported
    }

    /// The service asked us to slow down (429).
    pub fn is_throttled(&self) -> bool {
        self.0.status == Some(429)
    }

    /// The call cannot run where it was made (a `blocking` client inside an
    /// async runtime); nothing was sent.
    pub fn is_usage(&self) -> bool {
        self.0.kind == ErrorKind::Usage
    }

    /// A timeout elapsed.
    pub fn is_timeout(&self) -> bool {
        self.0.kind == ErrorKind::Timeout
    }

    /// The service rejected the request as invalid (400).
    pub fn is_bad_request(&self) -> bool {
        self.0.status == Some(400)
    }

    /// A precondition such as `If-Match` failed (412), or a conflict (409).
    pub fn is_conflict(&self) -> bool {
        matches!(self.0.status, Some(409 | 412))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.0.kind, self.0.field) {
            (ErrorKind::Validation, Some(field)) => {
                write!(f, "invalid {field}: {}", self.0.message)?
            }
            _ => f.write_str(&self.0.message)?,
        }
        if let Some(status) = self.0.status {
            write!(f, " (status {status}")?;
            if let Some(code) = &self.0.code {
                write!(f, ", code {code}")?;
            }
            if let Some(id) = &self.0.request_id {
                write!(f, ", request id {id}")?;
            }
            f.write_str(")")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn predicates_follow_status_and_kind() {
        let e = Error::service(404, "gone").with_code("IdentityNotFound");
        assert!(e.is_not_found() && !e.is_unauthorized() && !e.is_validation());
        assert!(Error::service(401, "x").is_unauthorized());
        assert!(Error::new(ErrorKind::Credential, "no token").is_unauthorized());
        assert!(Error::service(429, "slow").is_throttled());
        assert!(Error::new(ErrorKind::Timeout, "t").is_timeout());
        assert!(Error::service(412, "etag").is_conflict());
        let e = Error::new(ErrorKind::Usage, "blocking inside a runtime");
        assert!(e.is_usage() && !e.is_validation() && !e.is_unauthorized());
        let e = Error::unsupported(
            "get_user",
            "api-version 2025-06-30 has no GET /identities/{id}",
        );
        assert!(e.is_unsupported() && !e.is_validation() && e.status().is_none());
        assert_eq!(
            e.to_string(),
            "get_user is not supported by this build: api-version 2025-06-30 has no GET /identities/{id}"
        );
    }

    #[test]
    fn display_names_field_status_code_and_request_id() {
        let e = Error::validation("scopes", "at least one scope is required");
        assert_eq!(
            e.to_string(),
            "invalid scopes: at least one scope is required"
        );
        let e = Error::service(400, "bad")
            .with_code("ValidationError")
            .with_request_id("r-1");
        assert_eq!(
            e.to_string(),
            "bad (status 400, code ValidationError, request id r-1)"
        );
    }
}
