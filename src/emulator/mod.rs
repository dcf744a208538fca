//! A local emulator of Communication Services identity, API Management users
//! and the Entra token endpoint, on one loopback port (what Azurite is for
//! Storage). Behind the default-on `emulator` feature.
//!
//! The official Azure SDKs work against it unmodified, and it rejects what
//! Azure rejects: HMAC signatures and bearer tokens are really checked.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default()).await?;
//! // endpoint=http://127.0.0.1:PORT/;accesskey=…  (the well-known default key)
//! let connection_string = emulator.connection_string();
//! # let _ = connection_string;
//! println!("{:?}", emulator.stats());
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What it serves
//!
//! | Service | Routes | Authentication |
//! |---|---|---|
//! | ACS identity (api-versions 2021-03-07, 2022-06-01, 2022-10-01, 2023-10-01, 2025-06-30) | `POST /identities`, `DELETE /identities/{id}`, `POST /identities/{id}/:issueAccessToken`, `POST /identities/{id}/:revokeAccessTokens`, `POST /teamsUser/:exchangeAccessToken` | HMAC-SHA256 with the access key, or a bearer token for `https://communication.azure.com` |
//! | APIM users over ARM (api-versions 2022-08-01 to 2024-05-01, stable or `-preview`) | `GET`/`HEAD`/`PUT`/`PATCH`/`DELETE …/users/{userId}`, `GET …/users`, `POST …/users/{userId}/token` under `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1` | a bearer token for `https://management.azure.com` |
//! | Entra | `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /{tenant}/discovery/v2.0/keys` (JWKS), `POST /{tenant}/oauth2/v2.0/token`, `GET /metadata/identity/oauth2/token` (with `Metadata: true`) | client id and secret (client credentials) |
//! | The emulator | `GET /_emulator/stats` | none; no secrets in it |
//!
//! Ids and keys have well-known defaults in [`defaults`], each overridable in
//! [`EmulatorConfig`] and on the command line (`azure-user-tokens emulator --help`).
//!
//! Entra access tokens are JWTs signed ES256 (with a `kid`) by a key derived
//! from the configured access key and client secret, so they stay valid
//! across a restart with the same settings. The Entra side is a real OpenID
//! Connect issuer, `<base url>/<tenant>/v2.0`
//! ([`Emulator::entra_issuer`]): its discovery document names a `jwks_uri`
//! serving the public key, so any resource server (the token broker among
//! them) can verify the tokens. Their claims are `aud`, `iss`, `tid`,
//! `appid`, `azp`, `oid`, `sub`, `exp`, `iat`, `nbf`, `ver`. ACS access tokens
//! are JWTs (HS256, only the emulator checks them)
//! with `skypeid`, `scp`, `csi`, `exp`, `iat`, `acsScope`, `resourceId`.
//!
//! # Minting a Teams user's Entra token
//!
//! `POST /teamsUser/:exchangeAccessToken` accepts an Entra token from this
//! emulator whose `appid` and `oid` claims equal the request's `appId` and
//! `userId`. Get one from the token endpoint with the password grant (any
//! client id, any non-empty password):
//!
//! ```text
//! POST /{tenant}/oauth2/v2.0/token
//! grant_type=password&client_id=<app id>&username=<user>&password=x
//!     &scope=https://auth.msft.communication.azure.com/Teams.ManageCalls
//! ```
//!
//! The token's `appid` is the client id; its `oid` is the username when that
//! is a UUID, else a UUID derived from the username (stable across runs).
//! In Rust tests, [`Emulator::mint_entra_token`] signs any claims directly.
//!
//! # Faults, stats and state
//!
//! With a fault rate, that fraction of requests (never `/_emulator/*`) is
//! answered, before any processing, with 429 or 503 carrying `retry-after-ms`
//! and `Retry-After`, or with a TCP reset; the sequence is reproducible from
//! the seed. `GET /_emulator/stats` counts requests, authentication failures,
//! faults, tokens issued, live ACS identities and APIM users. With a state
//! file, identities (with their revocation times) and APIM users are loaded at
//! start and saved atomically (temporary file, then rename) after every change,
//! before the response is sent.

mod acs;
mod apim;
mod app;
mod config;
pub mod defaults;
mod entra;
mod error;
mod faults;
mod front;
mod http;
mod jwt;
mod reset;
mod serve;
mod server;
mod stats;
mod store;
mod tls;

pub use config::EmulatorConfig;
pub use entra::tokens::EntraTokenClaims;
pub use error::EmulatorError;
pub use server::Emulator;
pub use stats::Stats;
