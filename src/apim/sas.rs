//! API Management user shared access tokens (DESIGN §5), minted and verified offline.
//!
//! A token signs `<userId>\n<expiry as yyyy-MM-ddTHH:mm:ss.fffffffZ>` (expiry
//! truncated to the minute) with HMAC-SHA512 keyed by the UTF-8 bytes of the
//! service key. The API returns the compact form `<userId>&<yyyyMMddHHmm>&<sig>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDateTime, SubsecRound, Timelike, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha512;

use crate::error::{Error, Result};

/// The scheme word in `Authorization` headers.
pub const SCHEME: &str = "SharedAccessSignature";

/// An APIM user shared access token.
///
/// ```
/// use azure_user_tokens::apim::SharedAccessToken;
/// use chrono::{TimeZone, Utc};
///
/// let expiry = Utc.with_ymd_and_hms(2019, 4, 21, 0, 44, 24).unwrap();
/// let token = SharedAccessToken::mint("userId1718", "service-key", expiry).unwrap();
/// assert_eq!(token.expires_at(), Utc.with_ymd_and_hms(2019, 4, 21, 0, 44, 0).unwrap());
/// assert!(token.verify("service-key"));
/// let parsed = SharedAccessToken::parse(&token.to_compact()).unwrap();
/// assert_eq!(parsed, token);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SharedAccessToken {
    user_id: String,
    expires_at: DateTime<Utc>,
    signature: String,
}

impl SharedAccessToken {
    /// Signs a token for `user_id` with a service key; the expiry is truncated
    /// to the minute, as APIM does.
    pub fn mint(user_id: &str, key: &str, expiry: DateTime<Utc>) -> Result<Self> {
        check_user_id(user_id)?;
        if key.is_empty() {
            return Err(Error::validation("key", "the signing key is empty"));
        }
        let expires_at = truncate_to_minute(expiry);
        let signature = STANDARD.encode(
            mac(key, &string_to_sign(user_id, expires_at))
                .finalize()
                .into_bytes(),
        );
        Ok(SharedAccessToken {
            user_id: user_id.to_string(),
            expires_at,
            signature,
        })
    }

    /// Parses any form: compact `<uid>&<yyyyMMddHHmm>&<sig>` or
    /// `uid=…&ex=…&sn=…`, each with or without the `SharedAccessSignature ` prefix.
    pub fn parse(text: &str) -> Result<Self> {
        let body = text.trim();
        let body = body
            .strip_prefix(SCHEME)
            .map(str::trim_start)
            .unwrap_or(body);
        if body.is_empty() {
            return Err(invalid("the token is empty"));
        }
        let token = if body.starts_with("uid=") {
            parse_uid_form(body)?
        } else {
            parse_compact(body)?
        };
        check_user_id(&token.user_id).map_err(|e| invalid(e.message()))?;
        STANDARD
            .decode(&token.signature)
            .map_err(|_| invalid("the signature is not base64"))?;
        Ok(token)
    }

    /// The APIM user id the token is for.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// When the token stops being valid.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }

    /// Whether `now` is past the expiry.
    pub fn is_expired_at(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }

    /// Whether the signature was made with `key`; compared in constant time.
    /// The expiry is not checked: see [`is_expired_at`](Self::is_expired_at).
    pub fn verify(&self, key: &str) -> bool {
        let Ok(signature) = STANDARD.decode(&self.signature) else {
            return false;
        };
        mac(key, &string_to_sign(&self.user_id, self.expires_at))
            .verify_slice(&signature)
            .is_ok()
    }

    /// `<uid>&<yyyyMMddHHmm>&<sig>`, as the API returns it.
    pub fn to_compact(&self) -> String {
        format!(
            "{}&{}&{}",
            self.user_id,
            self.expires_at.format("%Y%m%d%H%M"),
            self.signature
        )
    }

    /// `SharedAccessSignature <compact>`.
    pub fn to_header(&self) -> String {
        format!("{SCHEME} {}", self.to_compact())
    }

    /// `SharedAccessSignature uid=<id>&ex=<expiry>&sn=<sig>`.
    pub fn to_uid_header(&self) -> String {
        format!(
            "{SCHEME} uid={}&ex={}&sn={}",
            self.user_id,
            format_expiry(self.expires_at),
            self.signature
        )
    }
}

// The signature is the secret part of a token.
impl fmt::Debug for SharedAccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedAccessToken")
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("signature", &"***")
            .finish()
    }
}

/// `<userId>\n<yyyy-MM-ddTHH:mm:ss.fffffffZ>`.
pub fn string_to_sign(user_id: &str, expiry: DateTime<Utc>) -> String {
    format!("{user_id}\n{}", format_expiry(expiry))
}

/// .NET's round-trip format: seven fractional digits (100 ns ticks).
fn format_expiry(expiry: DateTime<Utc>) -> String {
    let ticks = expiry.nanosecond() % 1_000_000_000 / 100;
    format!("{}.{ticks:07}Z", expiry.format("%Y-%m-%dT%H:%M:%S"))
}

fn truncate_to_minute(time: DateTime<Utc>) -> DateTime<Utc> {
    time.trunc_subsecs(0).with_second(0).unwrap_or(time)
}

fn mac(key: &str, string_to_sign: &str) -> Hmac<Sha512> {
    let mut mac =
        Hmac::<Sha512>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    mac
}

fn check_user_id(user_id: &str) -> Result<()> {
    if user_id.is_empty() {
        return Err(Error::validation("user_id", "the user id is empty"));
    }
    if user_id.contains(['\n', '&']) {
        return Err(Error::validation(
            "user_id",
            "the user id must not contain '&' or a line break",
        ));
    }
    Ok(())
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation("token", message)
}

fn parse_compact(body: &str) -> Result<SharedAccessToken> {
    let mut parts = body.splitn(3, '&');
    let (Some(user_id), Some(expiry), Some(signature)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid(
            "expected <userId>&<yyyyMMddHHmm>&<signature> or uid=…&ex=…&sn=…",
        ));
    };
    if expiry.len() != 12 || !expiry.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(format!(
            "the expiry {expiry:?} is not yyyyMMddHHmm (12 digits)"
        )));
    }
    let expires_at = NaiveDateTime::parse_from_str(expiry, "%Y%m%d%H%M")
        .map_err(|_| {
            invalid(format!(
                "the expiry {expiry:?} is not a valid date and time"
            ))
        })?
        .and_utc();
    Ok(SharedAccessToken {
        user_id: user_id.to_string(),
        expires_at,
        signature: signature.to_string(),
    })
}

fn parse_uid_form(body: &str) -> Result<SharedAccessToken> {
    let rest = &body["uid=".len()..];
    let (user_id, rest) = rest
        .split_once("&ex=")
        .ok_or_else(|| invalid("missing &ex= after uid="))?;
    let (expiry, signature) = rest
        .split_once("&sn=")
        .ok_or_else(|| invalid("missing &sn= after ex="))?;
    let expires_at = DateTime::parse_from_rfc3339(expiry)
        .map_err(|_| {
            invalid(format!(
                "the expiry {expiry:?} is not an RFC 3339 date-time"
            ))
        })?
        .with_timezone(&Utc);
    Ok(SharedAccessToken {
        user_id: user_id.to_string(),
        expires_at,
        signature: signature.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// The key of `test-vectors/apim-sas-hmac-sha512.json`.
    const KEY: &str =
        "pXeTVcmdbU9XxH6fPcPlq8Y9D9G3Cdo5Eh2nMSgKj/DWqeSFFXDdmpz5Trv+L2hQNM+nGa704Rf8Z22W9O1jdQ==";

    struct Vector {
        user_id: &'static str,
        expiry: DateTime<Utc>,
        string_to_sign: &'static str,
        signature: &'static str,
        uid_form: &'static str,
        compact_form: &'static str,
    }

    /// Every vector of `../shared/test-vectors/apim-sas-hmac-sha512.json`,
    /// copied so the tests run without `../shared`.
    fn vectors() -> Vec<Vector> {
        vec![
            Vector {
                user_id: "integration",
                expiry: Utc.with_ymd_and_hms(2018, 8, 2, 5, 0, 0).unwrap(),
                string_to_sign: "integration\n2018-08-02T05:00:00.0000000Z",
                signature: "djdXZ3p7GmXg93sbMAbrvN1PIqhqXi4P7KAu2qCBq18Zt1HFz8khkFgEhDKfnNxLlbseOB4iSszZ57dDCorGLQ==",
                uid_form: "SharedAccessSignature uid=integration&ex=2018-08-02T05:00:00.0000000Z&sn=djdXZ3p7GmXg93sbMAbrvN1PIqhqXi4P7KAu2qCBq18Zt1HFz8khkFgEhDKfnNxLlbseOB4iSszZ57dDCorGLQ==",
                compact_form: "SharedAccessSignature integration&201808020500&djdXZ3p7GmXg93sbMAbrvN1PIqhqXi4P7KAu2qCBq18Zt1HFz8khkFgEhDKfnNxLlbseOB4iSszZ57dDCorGLQ==",
            },
            Vector {
                user_id: "53d7e14aee681a0034030003",
                expiry: Utc.with_ymd_and_hms(2014, 8, 4, 22, 3, 0).unwrap(),
                string_to_sign: "53d7e14aee681a0034030003\n2014-08-04T22:03:00.0000000Z",
                signature: "jZpVO0S0oAy7QEiuefPUia9l2ijdkFjs2WvnbH68V6LSVEcjwBfyeG/YHdWQyT00LExwhkIrgXWIm3Sj2oYzzw==",
                uid_form: "SharedAccessSignature uid=53d7e14aee681a0034030003&ex=2014-08-04T22:03:00.0000000Z&sn=jZpVO0S0oAy7QEiuefPUia9l2ijdkFjs2WvnbH68V6LSVEcjwBfyeG/YHdWQyT00LExwhkIrgXWIm3Sj2oYzzw==",
                compact_form: "SharedAccessSignature 53d7e14aee681a0034030003&201408042203&jZpVO0S0oAy7QEiuefPUia9l2ijdkFjs2WvnbH68V6LSVEcjwBfyeG/YHdWQyT00LExwhkIrgXWIm3Sj2oYzzw==",
            },
            Vector {
                user_id: "userId1718",
                // The upstream example's expiry; minting truncates it to the minute.
                expiry: Utc.with_ymd_and_hms(2019, 4, 21, 0, 44, 24).unwrap()
                    + chrono::Duration::nanoseconds(284_526_900),
                string_to_sign: "userId1718\n2019-04-21T00:44:00.0000000Z",
                signature: "iMVkmZplHHsgQ/cmkwEocc4feKcIpuHVFh2uhFAuIb+xZn/YqTkyC/iNDyOhswdRukPdJ4pJ2HORviLJZepTTQ==",
                uid_form: "SharedAccessSignature uid=userId1718&ex=2019-04-21T00:44:00.0000000Z&sn=iMVkmZplHHsgQ/cmkwEocc4feKcIpuHVFh2uhFAuIb+xZn/YqTkyC/iNDyOhswdRukPdJ4pJ2HORviLJZepTTQ==",
                compact_form: "SharedAccessSignature userId1718&201904210044&iMVkmZplHHsgQ/cmkwEocc4feKcIpuHVFh2uhFAuIb+xZn/YqTkyC/iNDyOhswdRukPdJ4pJ2HORviLJZepTTQ==",
            },
        ]
    }

    #[test]
    fn every_official_vector_is_reproduced() {
        for v in vectors() {
            let token = SharedAccessToken::mint(v.user_id, KEY, v.expiry).unwrap();
            assert_eq!(
                string_to_sign(v.user_id, token.expires_at()),
                v.string_to_sign
            );
            assert_eq!(token.signature, v.signature, "{}", v.user_id);
            assert_eq!(token.to_uid_header(), v.uid_form);
            assert_eq!(token.to_header(), v.compact_form);
            assert_eq!(
                token.to_compact(),
                v.compact_form.trim_start_matches("SharedAccessSignature ")
            );
        }
    }

    #[test]
    fn every_form_parses_and_verifies() {
        for v in vectors() {
            let compact = v.compact_form.trim_start_matches("SharedAccessSignature ");
            let uid = v.uid_form.trim_start_matches("SharedAccessSignature ");
            for text in [v.compact_form, v.uid_form, compact, uid] {
                let token = SharedAccessToken::parse(text).unwrap();
                assert_eq!(token.user_id(), v.user_id, "{text}");
                assert!(token.verify(KEY), "{text}");
                assert!(!token.verify("another key"), "{text}");
            }
        }
    }

    #[test]
    fn tampering_fails_verification() {
        let v = &vectors()[2];
        let later = v.compact_form.replace("201904210044", "201904210045");
        assert!(!SharedAccessToken::parse(&later).unwrap().verify(KEY));
        let other = v.compact_form.replace("userId1718", "userId1719");
        assert!(!SharedAccessToken::parse(&other).unwrap().verify(KEY));
    }

    #[test]
    fn malformed_tokens_are_typed_errors() {
        for bad in [
            "",
            "SharedAccessSignature ",
            "justone",
            "a&b",
            "u&2019042100&sig",
            "u&20190421004x&sig",
            "u&201913410044&c2ln",
            "u&201904210044&not base64!",
            "&201904210044&c2ln",
            "uid=u&sn=c2ln",
            "uid=u&ex=yesterday&sn=c2ln",
            "uid=u&ex=2019-04-21T00:44:00Z",
        ] {
            let err = SharedAccessToken::parse(bad).unwrap_err();
            assert!(err.is_validation(), "{bad:?}: {err}");
            assert_eq!(err.field(), Some("token"), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_signature() {
        let token = SharedAccessToken::mint("u", KEY, Utc::now()).unwrap();
        let debug = format!("{token:?}");
        assert!(!debug.contains(&token.signature), "{debug}");
    }

    #[test]
    fn mint_rejects_bad_input() {
        assert!(
            SharedAccessToken::mint("", KEY, Utc::now())
                .unwrap_err()
                .is_validation()
        );
        assert!(
            SharedAccessToken::mint("a&b", KEY, Utc::now())
                .unwrap_err()
                .is_validation()
        );
        assert!(
            SharedAccessToken::mint("u", "", Utc::now())
                .unwrap_err()
                .is_validation()
        );
    }
}
