//! The APIM api-versions served: 2022-08-01 to 2024-05-01, stable or `-preview`.

use axum::http::{StatusCode, Uri};

use super::error::ArmError;
use crate::emulator::http::query_param;

/// The oldest api-version served.
pub(crate) const OLDEST: &str = "2022-08-01";
/// The newest api-version served.
pub(crate) const NEWEST: &str = "2024-05-01";

/// The `api-version` query parameter must be a served version.
pub(crate) fn check(uri: &Uri) -> Result<(), ArmError> {
    let Some(version) = query_param(uri, "api-version") else {
        return Err(ArmError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    if is_served(&version) {
        Ok(())
    } else {
        Err(ArmError::new(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{version}' is invalid. The supported versions are {OLDEST} to \
                 {NEWEST}, stable or -preview."
            ),
        ))
    }
}

/// `YYYY-MM-DD` or `YYYY-MM-DD-preview`, a real date within the range.
pub(crate) fn is_served(version: &str) -> bool {
    let date = version.strip_suffix("-preview").unwrap_or(version);
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
        && date.len() == OLDEST.len()
        && (OLDEST..=NEWEST).contains(&date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_and_preview() {
        for ok in [
            "2022-08-01",
            "2023-03-01-preview",
            "2024-05-01",
            "2024-05-01-preview",
        ] {
            assert!(is_served(ok), "{ok}");
        }
        for bad in [
            "2022-04-01-preview",
            "2024-06-01",
            "2023-13-01",
            "latest",
            "",
            "2023-3-1",
            "2023-03-01-beta",
        ] {
            assert!(!is_served(bad), "{bad}");
        }
    }
}
