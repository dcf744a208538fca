//! The low-level clients progenitor generates from `specs/` at build time
//! (see `build.rs`). Nothing is written by hand here: each module only
//! includes its generated file. Their shape follows the spec's api-version;
//! the facade reaches them only through `crate::adapters`.

/// Azure Communication Services identity (data plane).
#[allow(
    clippy::all,
    clippy::pedantic,
    unused,
    unused_comparisons,
    missing_docs,
    rustdoc::all,
    irrefutable_let_patterns,
    mismatched_lifetime_syntaxes
)]
pub mod acs_identity {
    include!(concat!(env!("OUT_DIR"), "/acs_identity.rs"));
}

/// API Management users, over Azure Resource Manager.
#[allow(
    clippy::all,
    clippy::pedantic,
    unused,
    unused_comparisons,
    missing_docs,
    rustdoc::all,
    irrefutable_let_patterns,
    mismatched_lifetime_syntaxes
)]
pub mod apim_users {
    include!(concat!(env!("OUT_DIR"), "/apim_users.rs"));
}
