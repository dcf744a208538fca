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

pub mod adapters;
pub mod apim;
pub mod auth;
#[cfg(feature = "cli")]
pub mod cli;
pub mod codegen;
mod error;
pub mod generated;
pub mod pipeline;
mod secret;

pub use error::{Error, ErrorKind, Result};
pub use secret::Secret;
