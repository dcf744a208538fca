//! APIM shared access tokens: parsing any text never panics, and whatever
//! parses — or is minted from any user id, key and expiry — renders to forms
//! that parse back to the same token and verify with the same key.
#![no_main]

use arbitrary::Arbitrary;
use azure_user_tokens::Secret;
use azure_user_tokens::apim::SharedAccessToken;
use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    text: &'a str,
    user_id: &'a str,
    key: &'a str,
    expiry_seconds: i64,
}

fuzz_target!(|input: Input<'_>| {
    match SharedAccessToken::parse(input.text) {
        Ok(token) => {
            let again =
                SharedAccessToken::parse(&token.to_uid_header()).expect("the uid form parses");
            assert_eq!(again.user_id(), token.user_id());
            let compact =
                SharedAccessToken::parse(&token.to_header()).expect("the compact form parses");
            assert_eq!(compact.user_id(), token.user_id());
            let _ = token.verify(&Secret::new(input.key));
        }
        Err(error) => assert!(
            error.is_validation() && error.field() == Some("token"),
            "{error}"
        ),
    }
    let Some(expiry) = DateTime::<Utc>::from_timestamp(input.expiry_seconds % 253_402_300_800, 0)
    else {
        return;
    };
    if let Ok(minted) = SharedAccessToken::mint(input.user_id, &Secret::new(input.key), expiry) {
        for form in [
            minted.to_compact(),
            minted.to_header(),
            minted.to_uid_header(),
        ] {
            let parsed = SharedAccessToken::parse(&form)
                .unwrap_or_else(|e| panic!("{form:?} does not parse: {e}"));
            assert_eq!(parsed, minted, "{form:?}");
            assert!(parsed.verify(&Secret::new(input.key)), "{form:?}");
        }
    }
});
