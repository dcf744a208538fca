//! A bearer token and when it expires.

use chrono::{DateTime, Utc};

use crate::Secret;

/// A token and its expiry: an ACS user access token or an Entra ID access token.
///
/// The token is a [`Secret`], so `Debug` never shows it.
///
/// ```
/// use azure_user_tokens::AccessToken;
/// use chrono::{Duration, Utc};
/// let token = AccessToken::new("eyJ…", Utc::now() + Duration::hours(1));
/// assert!(!format!("{token:?}").contains("eyJ"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    /// The token to send.
    pub token: Secret,
    /// When it stops being accepted.
    pub expires_on: DateTime<Utc>,
}

impl AccessToken {
    /// A token expiring at `expires_on`.
    pub fn new(token: impl Into<Secret>, expires_on: DateTime<Utc>) -> Self {
        AccessToken {
            token: token.into(),
            expires_on,
        }
    }

    /// Whether the token expires within `margin` of `now`.
    pub fn expires_within(&self, margin: chrono::Duration, now: DateTime<Utc>) -> bool {
        // Checked: an expiry at the edge of the calendar counts as expiring.
        self.expires_on
            .checked_sub_signed(margin)
            .is_none_or(|refresh_at| refresh_at <= now)
    }
}
