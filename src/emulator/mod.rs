//! A local emulator of Communication Services identity, API Management users
//! and the Entra token endpoint, on one loopback port (what Azurite is for
//! Storage). The server is behind the default-on `emulator` feature; how
//! clients reach an emulator — [`defaults`] and [`EmulatorSettings`] — is
//! always compiled, for library users whose tests talk to an emulator run
//! elsewhere (`azure-user-tokens emulator`, a container).
//!
//! The official Azure SDKs work against it unmodified, and it rejects what
//! Azure rejects: HMAC signatures and bearer tokens are really checked.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use azure_user_tokens::emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::start(EmulatorConfig::default()).await?; // 127.0.0.1, a free port
//! let settings = emulator.settings(); // its endpoint, keys, tenant and client
//! let identity = settings.identity_client(None)?;
//! let user = identity.create_user().await?;
//! let apim = settings.apim_client(None)?;
//! let users = apim.list_users(&settings.apim_service()?, None).collect_all().await?;
//! assert_eq!(emulator.stats().users, 1);
//! # let _ = (user, users);
//! emulator.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! # What it serves
//!
//! | Service | Routes | Authentication |
//! |---|---|---|
//! | ACS identity (every published api-version from 2021-02-22-preview1 to 2026-09-23, each with its own operations: see below) | `POST /identities`, `GET`/`DELETE /identities/{id}`, `POST /identities/{id}/:issueAccessToken`, `POST /identities/{id}/:revokeAccessTokens`, `POST /teamsUser/:exchangeAccessToken`, `GET`/`PUT`/`DELETE /access/teamsExtension/tenants/{tenantId}/assignments/{objectId}` | HMAC-SHA256 with the access key, or a bearer token for `https://communication.azure.com` |
//! | ACS Teams Phone extension exchange (2025-03-02-preview, 2025-06-30 and later) | `POST /access/teamsExtension/:exchangeAccessToken` | the Teams user's Entra token for `https://communication.azure.com` as the bearer |
//! | APIM users over ARM (the published api-versions: 2022-08-01, 2022-09-01-preview, 2023-03-01-preview, 2023-05-01-preview, 2023-09-01-preview, 2024-05-01, 2024-06-01-preview, 2024-10-01-preview, 2025-03-01-preview, 2025-09-01-preview, 2026-09-01-preview) | `GET`/`HEAD`/`PUT`/`PATCH`/`DELETE …/users/{userId}`, `GET …/users`, `POST …/users/{userId}/token`, and the long-running delete's `GET …/operationStatuses/{id}` and `GET …/operationResults/{id}`, under `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/apimService1` | a bearer token for `https://management.azure.com` |
//! | Entra | `GET /{tenant}/v2.0/.well-known/openid-configuration`, `GET /{tenant}/discovery/v2.0/keys` (JWKS), `POST /{tenant}/oauth2/v2.0/token`, `GET /metadata/identity/oauth2/token` (with `Metadata: true`) | client id and secret (client credentials) |
//! | The emulator | `GET /_emulator/stats` | none; no secrets in it |
//!
//! ACS api-versions and their operations (an operation a version lacks is a
//! 404 `NotFound`, an unknown version a 400 `UnsupportedApiVersion`):
//!
//! | api-versions | operations |
//! |---|---|
//! | 2021-02-22-preview1, 2021-03-07 | create, delete, issue token, revoke tokens |
//! | 2021-03-31-preview1, 2021-10-31-preview | the above and the Teams user exchange (the token alone) |
//! | 2022-06-01, 2022-09-01, 2022-10-01, 2023-08-01, 2023-10-01, 2025-04-01-preview | the above; the exchange also checks `appId` and `userId` |
//! | 2025-06-30, 2026-07-22, 2026-09-23 | the above and the Teams Phone extension (exchange, assignments) |
//! | 2025-03-02-preview | all of the above, `GET /identities/{id}` and `customId` on create |
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
//! client id; a configured user: the well-known [`defaults::USER_NAME`] with
//! [`defaults::USER_PASSWORD`], or one added with `--user NAME:PASSWORD` /
//! [`EmulatorConfig::with_user`]; anything else gets `invalid_grant`):
//!
//! ```text
//! POST /{tenant}/oauth2/v2.0/token
//! grant_type=password&client_id=<app id>&username=alice@contoso.com&password=<its password>
//!     &scope=https://auth.msft.communication.azure.com/Teams.ManageCalls
//! ```
//!
//! The token's `appid` is the client id; its `oid` is the username when that
//! is a UUID, else a UUID derived from the username (stable across runs).
//! In Rust tests, [`Emulator::mint_entra_token`] signs any claims directly.
//!
//! # Teams Phone extension and custom ids
//!
//! An exchange at `POST /access/teamsExtension/:exchangeAccessToken` is
//! accepted for a valid emulator token for `https://communication.azure.com`
//! (401 `InvalidAccessToken` otherwise) whose `tid` and `oid` have an
//! assignment listing the token's `azp` or `appid` in `clientIds`, whatever
//! its principal type (403 `Forbidden` otherwise); the password grant above
//! with `scope=https://communication.azure.com//.default` mints one. It answers the spec's
//! identity `8:acs:<resource id>_<tenant id>_<object id>`, the same every time.
//! Deleting a missing assignment answers 204. Under 2025-03-02-preview, a
//! `customId` (1 to 256 characters) names one identity until it is deleted;
//! creating with it again answers 201 with that identity (the version's spec
//! declares no other success).
//!
//! # Long-running deletes
//!
//! With [`EmulatorConfig::with_async_deletes`] (`--async-deletes`), an APIM
//! user delete under an api-version whose spec makes it long-running
//! (2023-05-01-preview and later) answers 202 with `Azure-AsyncOperation`,
//! `Location` and `Retry-After: 1`. The status URL answers 200
//! `{"status":"InProgress"|"Succeeded"|"Failed",…}`, the location 202 until
//! done, then 204 (or the failure's status and error). The configured status
//! check ([`EmulatorConfig::with_async_delete_polls`], default the second)
//! completes it: the user is deleted then, unless its ETag changed since the
//! delete's `If-Match` (the operation fails with `PreconditionFailed`).
//!
//! # Faults, stats and state
//!
//! With a fault rate, that fraction of requests (never `/_emulator/*`) is
//! answered, before any processing, with 429 or 503 carrying `retry-after-ms`
//! and `Retry-After`, or with a TCP reset; with
//! [`EmulatorConfig::with_fault_after_processing`], the request is processed
//! first and then the answer is lost (a reset, or a 500). The sequence is
//! reproducible from the seed.
//!
//! The real service's cost can be modelled, to test a client's latency and
//! 429 handling: [`EmulatorConfig::with_latency`] (`--latency-ms`) delays
//! every ACS and APIM answer (not Entra's), and
//! [`EmulatorConfig::with_acs_throttle`] (`--acs-throttle-limit`, per 30 s on
//! the command line) refuses identity creations and token issues beyond the
//! limit with ACS's 429 and `Retry-After` until the window ends, unprocessed
//! — Azure's documented limit is [`defaults::ACS_THROTTLE_LIMIT`] per
//! [`defaults::ACS_THROTTLE_WINDOW`] per resource. Both are off by default.
//!
//! `GET /_emulator/stats` counts requests,
//! authentication failures, faults, tokens issued, live ACS identities, APIM
//! users, Teams Phone extension assignments and replayed changes (a change
//! whose `x-ms-client-request-id` already changed state, also logged at warn
//! level). With a state file, identities (with their revocation times, custom
//! ids and last token times), assignments, APIM users and ARM long-running
//! operations are loaded at start; every change is appended to
//! `<state file>.journal` and fsynced before the response is sent (compacted
//! into the state file when the journal grows, and at a graceful stop); a
//! change that cannot be saved is answered 503 and changes nothing. The
//! journal is locked: a second emulator on the same file refuses to start.
//!
//! Connections: at most [`EmulatorConfig::with_max_connections`] at once
//! (below the open-file limit, which is raised to its hard limit at start);
//! a client must send each request head and body within the request timeout,
//! and a kept-alive connection is closed after the idle timeout.

// The server's items (linked above) exist only with the `emulator` feature.
#![cfg_attr(not(feature = "emulator"), allow(rustdoc::broken_intra_doc_links))]

// Without the `emulator` feature: the settings clients need.
pub mod defaults;
mod settings;

pub use settings::EmulatorSettings;

// With it: the server.
#[cfg(feature = "emulator")]
mod acs;
#[cfg(feature = "emulator")]
mod apim;
#[cfg(feature = "emulator")]
mod app;
#[cfg(feature = "emulator")]
mod config;
#[cfg(feature = "emulator")]
mod entra;
#[cfg(feature = "emulator")]
mod error;
#[cfg(feature = "emulator")]
mod faults;
#[cfg(feature = "emulator")]
mod front;
#[cfg(feature = "emulator")]
mod http;
#[cfg(feature = "emulator")]
mod jwt;
#[cfg(feature = "emulator")]
mod limits;
#[cfg(feature = "emulator")]
mod replays;
#[cfg(feature = "emulator")]
mod reset;
#[cfg(feature = "emulator")]
mod serve;
#[cfg(feature = "emulator")]
mod server;
#[cfg(feature = "emulator")]
mod service_model;
#[cfg(feature = "emulator")]
mod stats;
#[cfg(feature = "emulator")]
mod store;
#[cfg(feature = "emulator")]
mod tls;

#[cfg(feature = "emulator")]
pub use config::EmulatorConfig;
#[cfg(feature = "emulator")]
pub use entra::tokens::EntraTokenClaims;
#[cfg(feature = "emulator")]
pub use error::EmulatorError;
#[cfg(feature = "emulator")]
pub use server::Emulator;
#[cfg(feature = "emulator")]
pub use stats::Stats;

#[cfg(all(feature = "cli", feature = "emulator"))]
pub(crate) use tls::{remove_default_ca_file, write_ca_file};
