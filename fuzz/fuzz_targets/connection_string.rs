//! `endpoint=…;accesskey=…` parsing: any text is a connection string or a
//! validation error about it, never a panic; what parses is usable. And no
//! error ever repeats the key: a key pasted anywhere in a malformed string
//! (bare, after `accesskey:`, as the endpoint, under another name) does not
//! appear in the message, in any case.
#![no_main]

use arbitrary::Arbitrary;
use azure_user_tokens::identity::ConnectionString;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    text: &'a str,
    layout: u8,
    key: [u8; 18],
    filler: &'a str,
}

fuzz_target!(|input: Input<'_>| {
    check(input.text);
    // A key-like secret (24 base64 characters) placed by `layout`.
    let key: String = input
        .key
        .iter()
        .map(|b| {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            ALPHABET[*b as usize % 64] as char
        })
        .chain("Zq9".chars())
        .collect();
    let filler = input.filler;
    let text = match input.layout % 8 {
        0 => format!("endpoint=https://x.com/;{key}"),
        1 => format!("endpoint=https://x.com/;accesskey:{key}"),
        2 => format!("endpoint={key};accesskey={key}"),
        3 => format!("{filler};{key}={filler}"),
        4 => format!("endpoint=http://{key}/;accesskey={filler}"),
        5 => format!("endpoint=https://x.com/?{key};accesskey={filler}"),
        6 => format!("{key}{filler};endpoint=https://x.com/"),
        _ => format!("endpoint={filler}{key};accesskey=*"),
    };
    if let Err(error) = ConnectionString::parse(&text) {
        let shown = format!("{error} {error:?}").to_lowercase();
        let key = key.to_lowercase();
        let head = &key[..12];
        assert!(!shown.contains(head), "{shown} repeats the key");
    }
});

fn check(text: &str) {
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
}
