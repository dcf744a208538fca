//! The APIM api-versions served, and what each one's user operations are.
//!
//! Source: the `package-*` tags of
//! `specification/apimanagement/resource-manager/Microsoft.ApiManagement/ApiManagement/readme.md`
//! in Azure/azure-rest-api-specs (the file kept in `../shared/upstream-specs`),
//! from `package--2022-08` on, and each version's `apimusers.json`: every one
//! has the seven user operations served here; `User_Delete` answers 200/204
//! up to 2023-03-01-preview and is long-running (202 with `Location`, or 204)
//! from 2023-05-01-preview on.
//!
//! An unknown version answers 400 `InvalidApiVersionParameter`; an operation a
//! known version lacks would answer 404, as ARM does for a resource type the
//! version does not register (none is missing today).

use axum::http::{StatusCode, Uri};

use super::error::ArmError;
use crate::emulator::http::query_param;

/// A user operation of the APIM API, named as in the specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    ListByService,
    Get,
    GetEntityTag,
    CreateOrUpdate,
    Update,
    Delete,
    GetSharedAccessToken,
}

impl Operation {
    /// The spec's operationId.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Operation::ListByService => "User_ListByService",
            Operation::Get => "User_Get",
            Operation::GetEntityTag => "User_GetEntityTag",
            Operation::CreateOrUpdate => "User_CreateOrUpdate",
            Operation::Update => "User_Update",
            Operation::Delete => "User_Delete",
            Operation::GetSharedAccessToken => "User_GetSharedAccessToken",
        }
    }
}

/// How `User_Delete` answers in a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeleteStyle {
    /// 200 or 204, done.
    Immediate,
    /// 202 with `Location` (the emulator's async mode) or 204.
    LongRunning,
}

/// One api-version and its user operations.
#[derive(Debug)]
pub(crate) struct ApiVersion {
    /// The `api-version` value.
    pub name: &'static str,
    operations: &'static [Operation],
    /// How deletes answer.
    pub delete: DeleteStyle,
}

const USERS: &[Operation] = &[
    Operation::ListByService,
    Operation::Get,
    Operation::GetEntityTag,
    Operation::CreateOrUpdate,
    Operation::Update,
    Operation::Delete,
    Operation::GetSharedAccessToken,
];

const fn version(name: &'static str, delete: DeleteStyle) -> ApiVersion {
    ApiVersion {
        name,
        operations: USERS,
        delete,
    }
}

/// Every api-version served, oldest first.
pub(crate) const API_VERSIONS: &[ApiVersion] = &[
    version("2022-08-01", DeleteStyle::Immediate),
    version("2022-09-01-preview", DeleteStyle::Immediate),
    version("2023-03-01-preview", DeleteStyle::Immediate),
    version("2023-05-01-preview", DeleteStyle::LongRunning),
    version("2023-09-01-preview", DeleteStyle::LongRunning),
    version("2024-05-01", DeleteStyle::LongRunning),
    version("2024-06-01-preview", DeleteStyle::LongRunning),
    version("2024-10-01-preview", DeleteStyle::LongRunning),
    version("2025-03-01-preview", DeleteStyle::LongRunning),
    version("2025-09-01-preview", DeleteStyle::LongRunning),
    version("2026-09-01-preview", DeleteStyle::LongRunning),
];

/// The served version named by the `api-version` query parameter.
pub(crate) fn check(uri: &Uri) -> Result<&'static ApiVersion, ArmError> {
    let Some(name) = query_param(uri, "api-version") else {
        return Err(ArmError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    find(&name).ok_or_else(|| {
        let served: Vec<&str> = API_VERSIONS.iter().map(|v| v.name).collect();
        ArmError::new(
            StatusCode::BAD_REQUEST,
            "InvalidApiVersionParameter",
            format!(
                "The api-version '{name}' is invalid. The supported versions are '{}'.",
                served.join(",")
            ),
        )
    })
}

/// The api-version named `name`, if served.
pub(crate) fn find(name: &str) -> Option<&'static ApiVersion> {
    API_VERSIONS.iter().find(|version| version.name == name)
}

impl ApiVersion {
    /// `Ok` when this version has `operation`, else ARM's 404.
    pub(crate) fn require(&self, operation: Operation) -> Result<(), ArmError> {
        if self.operations.contains(&operation) {
            Ok(())
        } else {
            Err(ArmError::new(
                StatusCode::NOT_FOUND,
                "NoRegisteredProviderFound",
                format!(
                    "No registered resource provider found for api-version '{}' and operation {}.",
                    self.name,
                    operation.name()
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_versions_and_only_them() {
        for ok in [
            "2022-08-01",
            "2023-03-01-preview",
            "2024-05-01",
            "2025-03-01-preview",
            "2025-09-01-preview",
        ] {
            assert!(find(ok).is_some(), "{ok}");
        }
        for bad in [
            "2021-08-01",
            "2022-04-01-preview",
            "2024-05-01-preview",
            "2024-06-01",
            "2023-13-01",
            "latest",
            "",
        ] {
            assert!(find(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn deletes_are_long_running_from_2023_05_01_preview() {
        assert_eq!(
            find("2023-03-01-preview").unwrap().delete,
            DeleteStyle::Immediate
        );
        assert_eq!(
            find("2023-05-01-preview").unwrap().delete,
            DeleteStyle::LongRunning
        );
        assert_eq!(find("2024-05-01").unwrap().delete, DeleteStyle::LongRunning);
        let names: Vec<&str> = API_VERSIONS.iter().map(|v| v.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        for version in API_VERSIONS {
            assert!(version.require(Operation::GetSharedAccessToken).is_ok());
        }
    }
}
