//! Counters served at `GET /_emulator/stats`.

use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A snapshot of what the emulator has done. No secrets, only integers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests received, except `/_emulator/*` (Entra and managed-identity
    /// calls and faulted requests included).
    pub requests: u64,
    /// Requests rejected for missing or bad credentials (HMAC, bearer, client secret).
    pub auth_failures: u64,
    /// Requests answered with an injected fault.
    pub faults_injected: u64,
    /// Tokens minted: ACS access tokens, Entra and managed-identity tokens,
    /// APIM shared access tokens.
    pub tokens_issued: u64,
    /// ACS identities alive.
    pub users: u64,
    /// APIM users.
    pub apim_users: u64,
    /// Changes whose client request id had already changed state: replayed
    /// requests, or clients repeating a change (logged at warn level).
    #[serde(default)]
    pub replayed_changes: u64,
    /// Teams Phone extension assignments.
    #[serde(default)]
    pub teams_extension_assignments: u64,
    /// Creations and issues refused by the modelled ACS limit
    /// (`--acs-throttle-limit`), answered 429 and not processed.
    #[serde(default)]
    pub throttled: u64,
}

/// The live counters (the user and assignment counts come from the store).
#[derive(Debug, Default)]
pub(crate) struct Counters {
    requests: AtomicU64,
    auth_failures: AtomicU64,
    faults_injected: AtomicU64,
    tokens_issued: AtomicU64,
    throttled: AtomicU64,
}

impl Counters {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn fault(&self) {
        self.faults_injected.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn throttled(&self) {
        self.throttled.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_issued(&self) {
        self.tokens_issued.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self, users: u64, apim_users: u64, assignments: u64) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            auth_failures: self.auth_failures.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            tokens_issued: self.tokens_issued.load(Ordering::Relaxed),
            users,
            apim_users,
            replayed_changes: 0,
            teams_extension_assignments: assignments,
            throttled: self.throttled.load(Ordering::Relaxed),
        }
    }
}
