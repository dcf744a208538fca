//! Communication Services HMAC-SHA256 request signing (DESIGN §4).
//!
//! The same functions sign requests in the client and check them in the
//! emulator, so both sides agree byte for byte.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The headers covered by the signature, in signing order.
pub const SIGNED_HEADERS: &str = "x-ms-date;host;x-ms-content-sha256";
/// The header carrying the request time.
pub const DATE_HEADER: &str = "x-ms-date";
/// The header carrying the body hash.
pub const CONTENT_HASH_HEADER: &str = "x-ms-content-sha256";

/// `base64(SHA-256(body))` of the exact bytes sent.
///
/// ```
/// use azure_user_tokens::auth::hmac::content_hash;
/// assert_eq!(content_hash(b""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
/// ```
pub fn content_hash(body: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(body))
}

/// The request time as `x-ms-date` carries it (RFC 1123, always GMT).
pub fn http_date(time: DateTime<Utc>) -> String {
    // httpdate writes the digits directly (chrono's `format` parses its
    // pattern on every call); it covers 1970 to 9999 without leap seconds,
    // chrono the rest.
    let in_range = (0..253_402_300_800).contains(&time.timestamp())
        && time.timestamp_subsec_nanos() < 1_000_000_000;
    if in_range {
        httpdate::fmt_http_date(time.into())
    } else {
        time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    }
}

/// `METHOD\n<path?query as sent>\n<date>;<host[:port]>;<content hash>`.
pub fn string_to_sign(
    method: &str,
    path_and_query: &str,
    date: &str,
    host: &str,
    content_hash: &str,
) -> String {
    let parts = [
        method,
        "\n",
        path_and_query,
        "\n",
        date,
        ";",
        host,
        ";",
        content_hash,
    ];
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    parts.iter().for_each(|part| out.push_str(part));
    out
}

/// `base64(HMAC-SHA256(key, string_to_sign))`; `key` is the decoded access key.
pub fn signature(key: &[u8], string_to_sign: &str) -> String {
    STANDARD.encode(mac(key, string_to_sign).finalize().into_bytes())
}

/// The `Authorization` header value for a signature.
pub fn authorization(signature: &str) -> String {
    format!("{AUTHORIZATION_PREFIX}{signature}")
}

/// An HMAC-SHA256 keyed once with an access key, cloned for each signature
/// (keying hashes two blocks that every signature with the key shares).
#[derive(Clone)]
pub(crate) struct KeyedMac(Hmac<Sha256>);

impl KeyedMac {
    /// `key` is the decoded access key (any length).
    pub(crate) fn new(key: &[u8]) -> Self {
        KeyedMac(mac(key, ""))
    }

    /// The `Authorization` header value signing `string_to_sign`: the same as
    /// `authorization(&signature(key, string_to_sign))`, in one buffer.
    pub(crate) fn authorization(&self, string_to_sign: &str) -> String {
        let mut mac = self.0.clone();
        mac.update(string_to_sign.as_bytes());
        let mut out = String::with_capacity(AUTHORIZATION_PREFIX.len() + 44);
        out.push_str(AUTHORIZATION_PREFIX);
        STANDARD.encode_string(mac.finalize().into_bytes(), &mut out);
        out
    }
}

/// `HMAC-SHA256 SignedHeaders=<SIGNED_HEADERS>&Signature=` (checked by a test).
const AUTHORIZATION_PREFIX: &str =
    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=";

/// Checks a base64 signature in constant time.
pub fn verify(key: &[u8], string_to_sign: &str, signature_b64: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature_b64) else {
        return false;
    };
    mac(key, string_to_sign).verify_slice(&expected).is_ok()
}

/// Splits an `Authorization: HMAC-SHA256 SignedHeaders=…&Signature=…` value
/// into (signed headers, signature).
pub fn parse_authorization(value: &str) -> Option<(&str, &str)> {
    let rest = value.strip_prefix("HMAC-SHA256 ")?;
    let (headers, signature) = rest.split_once('&')?;
    let headers = headers.strip_prefix("SignedHeaders=")?;
    let signature = signature.strip_prefix("Signature=")?;
    Some((headers, signature))
}

fn mac(key: &[u8], string_to_sign: &str) -> Hmac<Sha256> {
    // HMAC accepts keys of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The access key of `test-vectors/acs-hmac-sha256.json`.
    const KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const DATE: &str = "Mon, 01 Jan 2024 00:00:00 GMT";
    const ID_ENCODED: &str =
        "8%3Aacs%3A00000000-1111-2222-3333-444444444444_00000000-0000-0000-0000-000000000001";
    const ID_RAW: &str =
        "8:acs:00000000-1111-2222-3333-444444444444_00000000-0000-0000-0000-000000000001";

    struct Vector {
        method: &'static str,
        path_and_query: String,
        host: &'static str,
        body: &'static str,
        content_hash: &'static str,
        signature: &'static str,
    }

    /// Every vector of `../shared/test-vectors/acs-hmac-sha256.json`, produced
    /// by the official Python SDK; copied here so tests run without `../shared`.
    fn vectors() -> Vec<Vector> {
        let empty = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
        let azure = "contoso.communication.azure.com";
        vec![
            Vector {
                method: "POST",
                path_and_query: "/identities?api-version=2023-10-01".into(),
                host: azure,
                body: "",
                content_hash: empty,
                signature: "74BXjbxWUdZE6gFxhmIccoBsEEEchmFY/uAW9sz7AT4=",
            },
            Vector {
                method: "POST",
                path_and_query: "/identities?api-version=2023-10-01".into(),
                host: azure,
                body: "{\"createTokenWithScopes\": [\"chat\", \"voip\"], \"expiresInMinutes\": 60}",
                content_hash: "wvygNN5WpIfLXWP9MkgLzBwgE8R//ITGxsX6PuaRBUU=",
                signature: "eUYFY5gbVG2Zi9E2u212OzMaTJN7/uOLZAagzre8g3k=",
            },
            Vector {
                method: "POST",
                path_and_query: format!(
                    "/identities/{ID_ENCODED}/:issueAccessToken?api-version=2023-10-01"
                ),
                host: azure,
                body: "{\"scopes\": [\"voip\"]}",
                content_hash: "yHqHFVCkCet5I2S8l4rMDTBcoITg2aoD3GUebAeAKDU=",
                signature: "dTHGFe3rzyFEGIgnWYaJXtLJDYo8XSfVtaeBtEZdftM=",
            },
            Vector {
                method: "POST",
                path_and_query: format!(
                    "/identities/{ID_ENCODED}/:revokeAccessTokens?api-version=2023-10-01"
                ),
                host: azure,
                body: "",
                content_hash: empty,
                signature: "3vW0k9hoPTYaIlbH9cYUffEk3BqeZ8l+ZAo7B4HDrus=",
            },
            Vector {
                method: "DELETE",
                path_and_query: format!("/identities/{ID_ENCODED}?api-version=2023-10-01"),
                host: azure,
                body: "",
                content_hash: empty,
                signature: "JKchmtSQC5gbKUDrhr8opCFzTOvCVj9xewe2IIzQa2k=",
            },
            Vector {
                method: "GET",
                path_and_query: "/".into(),
                host: azure,
                body: "",
                content_hash: empty,
                signature: "X3OuIlgJ5xIKroOH4jEiPe9iIFu1aaPx8mqtmwiQsqg=",
            },
            Vector {
                method: "POST",
                path_and_query: "/identities?api-version=2023-10-01".into(),
                host: "127.0.0.1:8443",
                body: "",
                content_hash: empty,
                signature: "oWaPt2pZDc3YQ8R653tz3rQ0uTitV45pA35QijRXBls=",
            },
            Vector {
                method: "POST",
                path_and_query: format!(
                    "/identities/{ID_RAW}/:issueAccessToken?api-version=2023-10-01"
                ),
                host: "127.0.0.1:8443",
                body: "{\"scopes\":[\"voip\"],\"expiresInMinutes\":60}",
                content_hash: "GNtmihW0aWKrZ0DRV1+wUfLysZuegWcqHu8n9mgUyTE=",
                signature: "nqcSAvFooDmbGJwnKlCXrwOiFYAOqec38H8GsZ5b+jM=",
            },
            Vector {
                method: "POST",
                path_and_query: format!(
                    "/identities/{ID_RAW}/:revokeAccessTokens?api-version=2023-10-01"
                ),
                host: azure,
                body: "",
                content_hash: empty,
                signature: "kN1jYF6ggTUq2Afb0HUyhLR8AISQVr/z2BJpxdZVORk=",
            },
        ]
    }

    fn key() -> Vec<u8> {
        STANDARD.decode(KEY_B64).unwrap()
    }

    #[test]
    fn every_official_vector_is_reproduced() {
        for v in vectors() {
            let hash = content_hash(v.body.as_bytes());
            assert_eq!(hash, v.content_hash, "{} {}", v.method, v.path_and_query);
            let to_sign = string_to_sign(v.method, &v.path_and_query, DATE, v.host, &hash);
            let sig = signature(&key(), &to_sign);
            assert_eq!(sig, v.signature, "{} {}", v.method, v.path_and_query);
            assert_eq!(
                authorization(&sig),
                format!(
                    "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={}",
                    v.signature
                )
            );
            assert!(verify(&key(), &to_sign, &sig));
        }
    }

    #[test]
    fn raw_and_encoded_paths_sign_differently() {
        let v = vectors();
        assert_ne!(v[2].signature, v[7].signature);
    }

    #[test]
    fn verify_rejects_tampering() {
        let to_sign = string_to_sign("POST", "/identities", DATE, "h", &content_hash(b""));
        let sig = signature(&key(), &to_sign);
        assert!(!verify(&key(), &to_sign.replace("POST", "GET"), &sig));
        assert!(!verify(b"other key", &to_sign, &sig));
        assert!(!verify(&key(), &to_sign, "not base64!"));
    }

    #[test]
    fn http_date_is_rfc1123_gmt() {
        let time = DateTime::parse_from_rfc3339("2024-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(http_date(time), DATE);
    }

    #[test]
    fn http_date_agrees_with_chrono_everywhere_and_never_panics() {
        let chrono = |t: DateTime<Utc>| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
        for text in [
            "1970-01-01T00:00:00Z",
            "1999-12-31T23:59:59Z",
            "2000-02-29T12:00:00Z",
            "2024-02-29T07:08:09.999Z",
            "2100-03-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "1969-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
        ] {
            let time = DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc);
            assert_eq!(http_date(time), chrono(time), "{text}");
        }
        let leap_second = chrono::NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_milli_opt(23, 59, 59, 1_500))
            .unwrap()
            .and_utc();
        assert_eq!(http_date(leap_second), "Sat, 31 Dec 2016 23:59:60 GMT");
        for time in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            assert_eq!(http_date(time), chrono(time));
        }
    }

    #[test]
    fn a_keyed_mac_signs_as_the_key_does() {
        assert_eq!(AUTHORIZATION_PREFIX, authorization(""));
        assert_eq!(
            AUTHORIZATION_PREFIX,
            format!("HMAC-SHA256 SignedHeaders={SIGNED_HEADERS}&Signature=")
        );
        let keyed = KeyedMac::new(&key());
        for vector in vectors() {
            let to_sign = string_to_sign(
                vector.method,
                &vector.path_and_query,
                DATE,
                vector.host,
                vector.content_hash,
            );
            assert_eq!(
                keyed.authorization(&to_sign),
                authorization(&signature(&key(), &to_sign))
            );
            assert_eq!(
                keyed.authorization(&to_sign),
                authorization(vector.signature)
            );
        }
    }

    #[test]
    fn authorization_parses_back() {
        let header = authorization("abc=");
        assert_eq!(parse_authorization(&header), Some((SIGNED_HEADERS, "abc=")));
        assert_eq!(parse_authorization("Bearer x"), None);
    }
}
