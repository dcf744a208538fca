//! `endpoint=…;accesskey=…` parsing: any text is a connection string or a
//! validation error about it, never a panic; what parses is usable.
#![no_main]

use azure_user_tokens::identity::ConnectionString;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match ConnectionString::parse(text) {
        Ok(parsed) => {
            let endpoint = parsed.endpoint();
            assert!(matches!(endpoint.scheme(), "http" | "https"), "{endpoint}");
            assert!(
                endpoint.host_str().is_some_and(|h| !h.is_empty()),
                "{endpoint}"
            );
            assert!(endpoint.query().is_none() && endpoint.fragment().is_none());
        }
        Err(error) => {
            assert!(error.is_validation(), "{error}");
            assert!(
                matches!(error.field(), Some("connection_string" | "access_key")),
                "{error}"
            );
        }
    }
});
