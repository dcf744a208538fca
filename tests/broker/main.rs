//! The token broker against the in-process emulator and an OIDC issuer the
//! tests run on 127.0.0.1. Each test runs on SQLite, and on PostgreSQL too
//! when `AZURE_USER_TOKENS_TEST_POSTGRES` names a server (`.ci/run` does).

mod apim;
mod auth;
mod harness;
mod issuer;
mod lifecycle;
mod limits;
mod mapping;
mod ops;
mod processes;
