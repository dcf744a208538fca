//! API Management user shared access tokens.

mod sas;

pub use sas::{SCHEME, SharedAccessToken, string_to_sign};
