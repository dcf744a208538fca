//! # azure-user-tokens
//!
//! Azure user access tokens from Rust: Communication Services identities and
//! their tokens, and API Management user shared access tokens.

#![warn(missing_docs)]

mod access_token;
// Internals: `pub` only because the project's own tests, benches and fuzz
// targets drive them directly (wire tests call the generated clients through
// the adapters, emulator tests sign raw requests, the secret-leak suite runs
// the pipeline's policies). Hidden from the docs; not part of the API.
#[doc(hidden)]
pub mod adapters;
pub mod apim;
#[doc(hidden)]
pub mod auth;
pub mod blocking;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod codegen;
pub mod credential;
// Always compiled for its well-known settings; the server needs the `emulator` feature.
pub mod emulator;
mod error;
#[doc(hidden)]
pub mod generated;
pub mod http;
pub mod identity;
#[doc(hidden)]
pub mod jwt;
mod pager;
#[doc(hidden)]
pub mod pipeline;
mod secret;

pub use access_token::AccessToken;
pub use error::{Error, ErrorKind, Result};
pub use pager::Pager;
pub use pipeline::{ClientOptions, OperationFailed, PollingOptions, RetryOptions};
pub use secret::Secret;
