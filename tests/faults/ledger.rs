//! What the client believes after each call: users alive, tokens issued,
//! and every failure with its kind, so the emulator's state can be compared.

use std::collections::{BTreeMap, BTreeSet};

use azure_user_tokens::Error;

/// One worker's beliefs; workers' ledgers are merged at the end.
#[derive(Debug, Default)]
pub struct Ledger {
    /// ACS users created and not deleted (by successful calls).
    pub acs_alive: BTreeSet<String>,
    /// ACS users deleted by a successful call.
    pub acs_deleted: BTreeSet<String>,
    /// Every id a successful create returned; a repeat is a duplicate user.
    pub acs_created: usize,
    /// Tokens the service returned: ACS access tokens and APIM user tokens.
    pub tokens: u64,
    /// APIM users this run created and did not delete (lower-cased ids).
    pub apim_alive: BTreeSet<String>,
    /// Calls that succeeded.
    pub succeeded: u64,
    /// Calls reported as failed, by operation and error class.
    pub failed: BTreeMap<String, u64>,
    /// Anything that contradicts the model: a failure of a kind faults
    /// cannot cause, a duplicate id, a hang, a user missing that should exist.
    pub anomalies: Vec<String>,
}

impl Ledger {
    /// Records a failed call; only throttling, unavailability and dropped
    /// connections are explained by the injected faults.
    pub fn failure(&mut self, operation: &str, error: &Error) {
        let class = match (error.status(), error.kind()) {
            (Some(429), _) => "429",
            (Some(503), _) => "503",
            (None, azure_user_tokens::ErrorKind::Transport) => "connection dropped",
            _ => {
                self.anomalies
                    .push(format!("{operation}: unexpected error {error}"));
                "other"
            }
        };
        *self
            .failed
            .entry(format!("{operation}: {class}"))
            .or_default() += 1;
    }

    /// Records a newly created ACS user.
    pub fn created(&mut self, id: String) {
        self.acs_created += 1;
        if !self.acs_alive.insert(id.clone()) || self.acs_deleted.contains(&id) {
            self.anomalies
                .push(format!("the id {id} was returned twice"));
        }
    }

    /// Adds another worker's ledger.
    pub fn merge(&mut self, other: Ledger) {
        for id in &other.acs_alive {
            if self.acs_alive.contains(id) || self.acs_deleted.contains(id) {
                self.anomalies
                    .push(format!("the id {id} was returned to two workers"));
            }
        }
        self.acs_alive.extend(other.acs_alive);
        self.acs_deleted.extend(other.acs_deleted);
        self.acs_created += other.acs_created;
        self.tokens += other.tokens;
        self.apim_alive.extend(other.apim_alive);
        self.succeeded += other.succeeded;
        for (key, n) in other.failed {
            *self.failed.entry(key).or_default() += n;
        }
        self.anomalies.extend(other.anomalies);
    }

    /// Calls made, succeeded or failed.
    pub fn calls(&self) -> u64 {
        self.succeeded + self.failed.values().sum::<u64>()
    }
}
