//! # azure-user-tokens
//!
//! Azure user access tokens from Rust: Communication Services identities and
//! their tokens, and API Management user shared access tokens.
//!
//! The crate is a pipeline, and its modules follow it:
//! spec ([`codegen`]) → generated client ([`generated`], built by `build.rs`)
//! → [`adapters`] (the only code that names generated items) → facade.
//! See `ARCHITECTURE.md`.

#![warn(missing_docs)]

mod access_token;
pub mod adapters;
pub mod apim;
pub mod auth;
#[cfg(feature = "broker")]
pub mod broker;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codegen;
pub mod credential;
// Always compiled for its well-known settings; the server needs the `emulator` feature.
pub mod emulator;
mod error;
pub mod generated;
pub mod http;
pub mod identity;
pub mod jwt;
pub mod lifetime;
pub mod pipeline;
mod secret;

pub use access_token::AccessToken;
pub use error::{Error, ErrorKind, Result};
pub use secret::Secret;
