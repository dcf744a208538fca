//! The emulator's well-known defaults, in one place (like Azurite's
//! `devstoreaccount1` key).
//!
//! They are public on purpose: anyone can point an official SDK at an emulator
//! started without flags. Never use them for anything but local testing.

/// Where the emulator listens unless told otherwise: loopback, a free port.
pub const LISTEN: &str = "127.0.0.1:0";

/// The ACS access key (base64) that HMAC-signed requests must use.
pub const ACS_ACCESS_KEY: &str =
    "9vSewR58fJZ89PhrFbrX10jWXg4GVZvUVvcTobZkIjKVFasU3UAaPaR6cqBWKzPVLxfbk9vVE3JuZztNyCU+jw==";

/// The ACS resource id; user ids are `8:acs:<resource id>_<uuid>`.
pub const ACS_RESOURCE_ID: &str = "084c2c1b-b21d-4a6c-996a-19ca84a9863f";

/// The Entra tenant whose token endpoint the emulator serves.
pub const TENANT_ID: &str = "370e69cc-4f48-4cd9-8174-ffb4395d9b6f";

/// The application (client) id accepted by the client-credentials grant.
pub const CLIENT_ID: &str = "a45a0d55-c960-49bd-b773-94060e7d3929";

/// The client secret accepted by the client-credentials grant.
pub const CLIENT_SECRET: &str = "emu8Q~well-known-emulator-client-secret";

/// The Entra user the password grant accepts (as a Teams user), besides those
/// added with `--user NAME:PASSWORD`.
pub const USER_NAME: &str = "alice@contoso.com";

/// The password of [`USER_NAME`].
pub const USER_PASSWORD: &str = "emu8Q~well-known-emulator-user-password";

/// The APIM service's primary key (signs `keyType: primary` user tokens).
pub const APIM_PRIMARY_KEY: &str =
    "NYcGgSCbr05YQraQ77enzBP8wEUQuxRvtfnGccCDtNSRfHzTWUfDtoNaV+4Fh0R/";

/// The APIM service's secondary key (signs `keyType: secondary` user tokens).
pub const APIM_SECONDARY_KEY: &str =
    "05FI7LDn6acJMFFWTAfySK4ikdEI203EFjBcA+3q0WV30fQZ4oD3OuDFdTRGXBSl";

/// Communication Services' documented limit on identity creations and token
/// issues per resource in [`ACS_THROTTLE_WINDOW`] (the emulator models it
/// only when asked: `--acs-throttle-limit`).
pub const ACS_THROTTLE_LIMIT: u32 = 1000;

/// The window [`ACS_THROTTLE_LIMIT`] counts over.
pub const ACS_THROTTLE_WINDOW: std::time::Duration = std::time::Duration::from_secs(30);

/// The delay faults ask clients to wait, in milliseconds.
pub const FAULT_RETRY_AFTER_MS: u64 = 1000;

/// How long a client may take to send a request's head, its body, or its
/// first request after connecting.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a kept-alive connection may idle between requests.
pub const IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The most connections served at once (fewer under a lower open-file limit).
pub const MAX_CONNECTIONS: usize = 1024;

/// The ARM subscription that exists at start.
pub const SUBSCRIPTION_ID: &str = "00000000-0000-0000-0000-000000000000";

/// The resource group that exists at start.
pub const RESOURCE_GROUP: &str = "rg1";

/// The APIM service that exists at start.
pub const APIM_SERVICE: &str = "apimService1";

/// The APIM users that exist at start: the administrator and the spec example's user.
pub const APIM_SEED_USERS: [&str; 2] = ["1", "userId1718"];
