//! The low-level clients progenitor generates from `specs/` at build time
//! (see `build.rs`). Nothing is written by hand here: each module only
//! includes its generated file. Their shape follows the spec's api-version;
//! the facade reaches them only through `crate::adapters`.

/// Includes `$OUT_DIR/<name>.rs` as module `name`, under the lints generated
/// code trips, so `clippy -D warnings` stays strict for hand-written code.
macro_rules! generated_module {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
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
        pub mod $name {
            include!(concat!(env!("OUT_DIR"), "/", stringify!($name), ".rs"));
        }
    };
}

generated_module!(
    /// Azure Communication Services identity (data plane).
    acs_identity
);

generated_module!(
    /// API Management users, over Azure Resource Manager.
    apim_users
);
