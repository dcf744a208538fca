//! The secrets a run must never show, and the scanner that looks for them.

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// The raw bytes of the ACS access key: printable on purpose, so its
/// decoded form can be searched for as text too.
pub const ACCESS_KEY_BYTES: &str = "leak-test-access-key-decoded-form-0123456789";
/// The Entra client secret.
pub const CLIENT_SECRET: &str = "leak-test-client-secret-Q7~x1";
/// The APIM service keys.
pub const APIM_PRIMARY_KEY: &str = "leak-test-apim-primary-key-ABCDEF0123456789";
pub const APIM_SECONDARY_KEY: &str = "leak-test-apim-secondary-key-FEDCBA9876543210";
/// A key used to mint SAS tokens offline.
pub const SAS_KEY: &str = "leak-test-offline-sas-key-55555";
/// A developer-portal password sent when creating an APIM user.
pub const PASSWORD: &str = "leak-test-portal-password-8888";

/// The ACS access key as a connection string carries it.
pub fn access_key() -> String {
    STANDARD.encode(ACCESS_KEY_BYTES)
}

/// Every secret known so far: the fixed ones plus tokens seen at run time.
pub struct Secrets {
    dynamic: Mutex<Vec<(String, String)>>,
}

impl Secrets {
    pub const fn new() -> Secrets {
        Secrets {
            dynamic: Mutex::new(Vec::new()),
        }
    }

    /// Remembers a secret (a token, a connection string) under a label.
    /// A JWT's or SAS token's signature is remembered on its own too, so a
    /// partial leak is caught.
    pub fn add(&self, label: &str, value: &str) {
        let mut dynamic = self.dynamic.lock().unwrap();
        dynamic.push((label.to_string(), value.to_string()));
        let signature = value.rsplit(['.', '&']).next().unwrap_or_default();
        if signature.len() >= 16 && signature != value {
            dynamic.push((format!("{label} (signature)"), signature.to_string()));
        }
    }

    fn all(&self) -> Vec<(String, String)> {
        let mut all = vec![
            ("access key (base64)".to_string(), access_key()),
            (
                "access key (decoded)".to_string(),
                ACCESS_KEY_BYTES.to_string(),
            ),
            ("client secret".to_string(), CLIENT_SECRET.to_string()),
            ("APIM primary key".to_string(), APIM_PRIMARY_KEY.to_string()),
            (
                "APIM secondary key".to_string(),
                APIM_SECONDARY_KEY.to_string(),
            ),
            ("SAS key".to_string(), SAS_KEY.to_string()),
            ("password".to_string(), PASSWORD.to_string()),
        ];
        all.extend(self.dynamic.lock().unwrap().iter().cloned());
        all
    }

    /// How many secrets are being looked for.
    pub fn count(&self) -> usize {
        self.all().len()
    }

    /// Every (where, which secret) found in `text`, except `allowed`.
    pub fn find_in(&self, place: &str, text: &str, allowed: &[&str]) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|(_, secret)| !allowed.iter().any(|a| a.contains(secret.as_str())))
            .filter(|(_, secret)| text.contains(secret.as_str()))
            .map(|(label, _)| format!("{place}: contains the {label}"))
            .collect()
    }
}
