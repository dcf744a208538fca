//! API Management user shared access tokens (DESIGN §5), minted and verified offline.
//!
//! A token signs `<userId>\n<expiry as yyyy-MM-ddTHH:mm:ss.fffffffZ>` (expiry
//! truncated to the minute) with HMAC-SHA512 keyed by the UTF-8 bytes of the
//! service key. The API returns the compact form `<userId>&<yyyyMMddHHmm>&<sig>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha512;

use super::TokenExpiry;
use crate::Secret;
use crate::error::{Error, Result};

/// The scheme word in `Authorization` headers.
pub const SCHEME: &str = "SharedAccessSignature";

/// An APIM user shared access token.
///
/// ```
/// use azure_user_tokens::Secret;
/// use azure_user_tokens::apim::SharedAccessToken;
/// use chrono::{TimeZone, Utc};
///
/// let expiry = Utc.with_ymd_and_hms(2019, 4, 21, 0, 44, 24).unwrap();
/// let key = Secret::new("service-key");
/// let token = SharedAccessToken::mint("userId1718", &key, expiry).unwrap();
/// assert_eq!(token.expires_at(), Utc.with_ymd_and_hms(2019, 4, 21, 0, 44, 0).unwrap());
/// assert!(token.verify(&key));
/// assert!(!token.verify(&Secret::new("another key")));
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
    /// Signs a token for `user_id` with a service key, expiring at an
    /// instant or a lifetime from now (see [`TokenExpiry`]), truncated to the
    /// minute as APIM does. Any instant from year 1 to 9999 is accepted
    /// (tests mint expired tokens); the service's 30-day limit applies to
    /// what it issues, not here.
    pub fn mint(user_id: &str, key: &Secret, expiry: impl Into<TokenExpiry>) -> Result<Self> {
        let expiry = expiry.into().resolve(Utc::now())?;
        check_user_id(user_id)?;
        let key = key.expose();
        if key.is_empty() {
            return Err(Error::validation("key", "the signing key is empty"));
        }
        if !(1..=9999).contains(&expiry.year()) {
            return Err(Error::validation(
                "expiry",
                format!(
                    "{expiry} is outside the years 0001–9999 the token's yyyyMMddHHmm form can carry"
                ),
            ));
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
        // The scheme is a word of its own: `SharedAccessSignaturex&…` is a
        // compact token for the user `SharedAccessSignaturex`.
        let body = match body.strip_prefix(SCHEME) {
            Some(rest) if rest.is_empty() || rest.starts_with(char::is_whitespace) => {
                rest.trim_start()
            }
            _ => body,
        };
        if body.is_empty() {
            return Err(invalid("the token is empty"));
        }
        let token = if body.starts_with("uid=") {
            parse_uid_form(body)?
        } else {
            parse_compact(body)?
        };
        check_user_id(&token.user_id).map_err(|e| invalid(e.message()))?;
        if !(1..=9999).contains(&token.expires_at.year()) {
            return Err(invalid("the expiry is outside the years 0001–9999"));
        }
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
    pub fn verify(&self, key: &Secret) -> bool {
        let Ok(signature) = STANDARD.decode(&self.signature) else {
            return false;
        };
        mac(
            key.expose(),
            &string_to_sign(&self.user_id, self.expires_at),
        )
        .verify_slice(&signature)
        .is_ok()
    }

    /// `<uid>&<yyyyMMddHHmm>&<sig>`, as the API returns it.
    pub fn to_compact(&self) -> String {
        let mut out = String::with_capacity(self.user_id.len() + self.signature.len() + 14);
        out.push_str(&self.user_id);
        out.push('&');
        push_compact_expiry(&mut out, self.expires_at);
        out.push('&');
        out.push_str(&self.signature);
        out
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
pub(crate) fn string_to_sign(user_id: &str, expiry: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(user_id.len() + 29);
    out.push_str(user_id);
    out.push('\n');
    push_expiry(&mut out, expiry);
    out
}

/// .NET's round-trip format: seven fractional digits (100 ns ticks).
fn format_expiry(expiry: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(28);
    push_expiry(&mut out, expiry);
    out
}

// The token formats are written digit by digit: chrono's `format` re-parses
// its pattern on every call, and with `format!` they were about a third of
// the cost of minting a token.

/// `yyyy-MM-ddTHH:mm:ss.fffffffZ`.
fn push_expiry(out: &mut String, expiry: DateTime<Utc>) {
    let time = expiry.naive_utc();
    push_year(out, time.year());
    for (separator, value) in [('-', time.month()), ('-', time.day()), ('T', time.hour())] {
        out.push(separator);
        push_padded(out, value, 2);
    }
    for (separator, value) in [(':', time.minute()), (':', time.second())] {
        out.push(separator);
        push_padded(out, value, 2);
    }
    out.push('.');
    push_padded(out, time.nanosecond() % 1_000_000_000 / 100, 7);
    out.push('Z');
}

/// `yyyyMMddHHmm`, the compact form's expiry.
fn push_compact_expiry(out: &mut String, expiry: DateTime<Utc>) {
    let time = expiry.naive_utc();
    push_year(out, time.year());
    for value in [time.month(), time.day(), time.hour(), time.minute()] {
        push_padded(out, value, 2);
    }
}

fn push_year(out: &mut String, year: i32) {
    match u32::try_from(year) {
        Ok(year) if year <= 9999 => push_padded(out, year, 4),
        _ => out.push_str(&format!("{year:04}")),
    }
}

/// `value` in exactly `width` (at most 10) decimal digits, zero-padded.
fn push_padded(out: &mut String, mut value: u32, width: usize) {
    let mut digits = [b'0'; 10];
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
    out.extend(digits[..width].iter().map(|&d| d as char));
}

fn truncate_to_minute(time: DateTime<Utc>) -> DateTime<Utc> {
    // From the timestamp, so a leap second (:60) truncates like :59 does.
    let seconds = time.timestamp();
    DateTime::from_timestamp(seconds - seconds.rem_euclid(60), 0).unwrap_or(time)
}

fn mac(key: &str, string_to_sign: &str) -> Hmac<Sha512> {
    let mut mac =
        Hmac::<Sha512>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(string_to_sign.as_bytes());
    mac
}

/// A user id every form of the token carries unchanged: no `&` (the field
/// separator), no whitespace or control characters (the forms are trimmed
/// and split on them), and no leading `uid=` (the other form's marker).
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
    if let Some(c) = user_id
        .chars()
        .find(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::validation(
            "user_id",
            format!("the user id must not contain whitespace or control characters ({c:?})"),
        ));
    }
    if user_id.starts_with("uid=") {
        return Err(Error::validation(
            "user_id",
            "the user id must not start with \"uid=\" (it would read as the uid=…&ex=…&sn=… form)",
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

    fn secret(key: &str) -> Secret {
        Secret::new(key)
    }

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
            let token = SharedAccessToken::mint(v.user_id, &secret(KEY), v.expiry).unwrap();
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
                assert!(token.verify(&secret(KEY)), "{text}");
                assert!(!token.verify(&secret("another key")), "{text}");
            }
        }
    }

    #[test]
    fn tampering_fails_verification() {
        let v = &vectors()[2];
        let later = v.compact_form.replace("201904210044", "201904210045");
        assert!(
            !SharedAccessToken::parse(&later)
                .unwrap()
                .verify(&secret(KEY))
        );
        let other = v.compact_form.replace("userId1718", "userId1719");
        assert!(
            !SharedAccessToken::parse(&other)
                .unwrap()
                .verify(&secret(KEY))
        );
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
            "uid=u&ex=0001-01-01T00:00:00+01:00&sn=c2ln",
        ] {
            let err = SharedAccessToken::parse(bad).unwrap_err();
            assert!(err.is_validation(), "{bad:?}: {err}");
            assert_eq!(err.field(), Some("token"), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_the_signature() {
        let token = SharedAccessToken::mint("u", &secret(KEY), Utc::now()).unwrap();
        let debug = format!("{token:?}");
        assert!(!debug.contains(&token.signature), "{debug}");
    }

    /// Inputs the `sas_token` fuzz target found: each minted token must parse
    /// back, in every form, to itself.
    #[test]
    fn fuzzer_findings_round_trip_or_are_refused() {
        let expiry = Utc.with_ymd_and_hms(1970, 1, 1, 0, 4, 15).unwrap();
        for user_id in [
            " [\0",
            "u ",
            "a\tb",
            "uid=x",
            "SharedAccessSignature x",
            "\u{7f}",
        ] {
            let err = SharedAccessToken::mint(user_id, &secret("\0"), expiry).unwrap_err();
            assert_eq!(err.field(), Some("user_id"), "{user_id:?}");
        }
        for seconds in [-467_709_090_742i64, -62_135_596_801, 253_402_300_800] {
            let far = DateTime::from_timestamp(seconds, 0).unwrap();
            let err = SharedAccessToken::mint("u", &secret("k"), far).unwrap_err();
            assert_eq!(err.field(), Some("expiry"), "{far}");
        }
        for user_id in [
            "SharedAccessSignaturex",
            "SharedAccessSignature",
            "[\u{e9}]",
        ] {
            let token = SharedAccessToken::mint(user_id, &secret("\0"), expiry).unwrap();
            for form in [token.to_compact(), token.to_header(), token.to_uid_header()] {
                let parsed = SharedAccessToken::parse(&form).unwrap();
                assert_eq!(parsed, token, "{form:?}");
                assert!(parsed.verify(&secret("\0")));
            }
        }
    }

    #[test]
    fn expiries_are_written_with_padding_and_ticks() {
        let time = Utc.with_ymd_and_hms(7, 1, 2, 3, 4, 5).unwrap()
            + chrono::Duration::nanoseconds(1_234_567);
        assert_eq!(format_expiry(time), "0007-01-02T03:04:05.0012345Z");
        let mut compact = String::new();
        push_compact_expiry(&mut compact, time);
        assert_eq!(compact, "000701020304");
        let leap = Utc.with_ymd_and_hms(2016, 12, 31, 23, 59, 59).unwrap()
            + chrono::Duration::nanoseconds(999_999_999);
        assert_eq!(format_expiry(leap), "2016-12-31T23:59:59.9999999Z");
    }

    #[test]
    fn a_relative_expiry_counts_from_now() {
        let before = Utc::now();
        let token =
            SharedAccessToken::mint("u", &secret(KEY), std::time::Duration::from_secs(3600))
                .unwrap();
        let expected = truncate_to_minute(before + chrono::Duration::hours(1));
        assert!(token.expires_at() >= expected, "{}", token.expires_at());
        assert!(token.expires_at() <= expected + chrono::Duration::minutes(1));
        let err = SharedAccessToken::mint("u", &secret(KEY), std::time::Duration::MAX).unwrap_err();
        assert_eq!(err.field(), Some("expiry"));
    }

    #[test]
    fn mint_rejects_bad_input() {
        assert!(
            SharedAccessToken::mint("", &secret(KEY), Utc::now())
                .unwrap_err()
                .is_validation()
        );
        assert!(
            SharedAccessToken::mint("a&b", &secret(KEY), Utc::now())
                .unwrap_err()
                .is_validation()
        );
        assert!(
            SharedAccessToken::mint("u", &secret(""), Utc::now())
                .unwrap_err()
                .is_validation()
        );
    }
}
