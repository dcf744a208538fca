//! The ACS Identity api-versions served, and the operations each one has.
//!
//! Source: the `CommunicationIdentity.json` of every version folder under
//! `specification/communication/data-plane/Identity/{stable,preview}/` in
//! Azure/azure-rest-api-specs (read 2026-12), cross-checked with the official
//! SDKs' service-version lists (.NET `CommunicationIdentityClientOptions`:
//! 2021-03-07 … 2023-10-01, 2025-03-02-preview, 2026-09-23). Left out on
//! purpose: `2020-07-20-preview2` (another surface: `PATCH /identities/{id}`,
//! `POST /identities/{id}/token`) and `2023-08-30-preview` (a roles API filed
//! under Identity, none of these operations).
//!
//! An operation a version lacks answers 404 (the service routes per version);
//! an unknown version answers 400.

use axum::http::{Method, StatusCode, Uri};

use super::error::AcsError;
use crate::emulator::http::query_param;

/// An operation of the ACS Identity API, named as in the specs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Operation {
    Create,
    Delete,
    Get,
    IssueAccessToken,
    RevokeAccessTokens,
    ExchangeTeamsUserAccessToken,
    ExchangeTeamsExtensionToken,
    GetTeamsExtensionAssignment,
    UpsertTeamsExtensionAssignment,
    DeleteTeamsExtensionAssignment,
}

/// One api-version: its name, its operations and the request fields that
/// changed meaning across versions.
#[derive(Debug)]
pub(crate) struct ApiVersion {
    /// The `api-version` value.
    pub name: &'static str,
    operations: &'static [Operation],
    /// `POST /identities` takes `customId` (idempotent creation).
    pub custom_id: bool,
    /// The Teams user exchange takes `appId` and `userId` (from 2022-06-01;
    /// the earlier previews took the token alone).
    pub teams_exchange_checks_ids: bool,
}

use Operation::*;

/// 2021-03-07 and its preview: identities and their tokens.
const IDENTITIES: &[Operation] = &[Create, Delete, IssueAccessToken, RevokeAccessTokens];
/// From 2021-03-31-preview1: plus the Teams user token exchange.
const WITH_TEAMS_USER: &[Operation] = &[
    Create,
    Delete,
    IssueAccessToken,
    RevokeAccessTokens,
    ExchangeTeamsUserAccessToken,
];
/// From 2025-06-30: plus the Teams Phone extension.
const WITH_TEAMS_EXTENSION: &[Operation] = &[
    Create,
    Delete,
    IssueAccessToken,
    RevokeAccessTokens,
    ExchangeTeamsUserAccessToken,
    ExchangeTeamsExtensionToken,
    GetTeamsExtensionAssignment,
    UpsertTeamsExtensionAssignment,
    DeleteTeamsExtensionAssignment,
];
/// 2025-03-02-preview: plus `GET /identities/{id}` (and `customId`). Its Entra
/// ID exchange and assignments (`/access/entra/…`) are not emulated.
const PREVIEW_2025_03_02: &[Operation] = &[
    Create,
    Delete,
    Get,
    IssueAccessToken,
    RevokeAccessTokens,
    ExchangeTeamsUserAccessToken,
    ExchangeTeamsExtensionToken,
    GetTeamsExtensionAssignment,
    UpsertTeamsExtensionAssignment,
    DeleteTeamsExtensionAssignment,
];

const fn version(
    name: &'static str,
    operations: &'static [Operation],
    teams_exchange_checks_ids: bool,
) -> ApiVersion {
    ApiVersion {
        name,
        operations,
        custom_id: false,
        teams_exchange_checks_ids,
    }
}

/// Every api-version served, oldest first.
pub(crate) const API_VERSIONS: &[ApiVersion] = &[
    version("2021-02-22-preview1", IDENTITIES, false),
    version("2021-03-07", IDENTITIES, false),
    version("2021-03-31-preview1", WITH_TEAMS_USER, false),
    version("2021-10-31-preview", WITH_TEAMS_USER, false),
    version("2022-06-01", WITH_TEAMS_USER, true),
    // 2022-09-01 and 2026-07-22 were published as stable folders and later
    // superseded (by 2022-10-01 and 2026-09-23); no SDK sends them.
    version("2022-09-01", WITH_TEAMS_USER, true),
    version("2022-10-01", WITH_TEAMS_USER, true),
    version("2023-08-01", WITH_TEAMS_USER, true),
    version("2023-10-01", WITH_TEAMS_USER, true),
    ApiVersion {
        custom_id: true,
        ..version("2025-03-02-preview", PREVIEW_2025_03_02, true)
    },
    // The folder's spec describes the 2023-10-01 surface (its info.version
    // even says 2023-10-01); drafts of its examples used `externalId`.
    version("2025-04-01-preview", WITH_TEAMS_USER, true),
    version("2025-06-30", WITH_TEAMS_EXTENSION, true),
    version("2026-07-22", WITH_TEAMS_EXTENSION, true),
    version("2026-09-23", WITH_TEAMS_EXTENSION, true),
];

/// The api-version named `name`, if served.
pub(crate) fn find(name: &str) -> Option<&'static ApiVersion> {
    API_VERSIONS.iter().find(|version| version.name == name)
}

/// The served version named by the `api-version` query parameter (400
/// when it is missing or unknown).
pub(crate) fn resolve(uri: &Uri) -> Result<&'static ApiVersion, AcsError> {
    let Some(name) = query_param(uri, "api-version") else {
        return Err(AcsError::new(
            StatusCode::BAD_REQUEST,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        ));
    };
    find(&name).ok_or_else(|| {
        let served: Vec<&str> = API_VERSIONS.iter().map(|v| v.name).collect();
        AcsError::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedApiVersion",
            format!(
                "The api-version '{name}' is not supported. Supported versions: {}.",
                served.join(", ")
            ),
        )
    })
}

impl ApiVersion {
    /// `Ok` when this version has `operation`, else the service's 404.
    pub(crate) fn require(&self, operation: Operation) -> Result<(), AcsError> {
        if self.has(operation) {
            Ok(())
        } else {
            Err(AcsError::new(
                StatusCode::NOT_FOUND,
                "NotFound",
                format!(
                    "The api-version '{}' has no operation {}.",
                    self.name,
                    operation.name()
                ),
            ))
        }
    }

    /// Whether this version has `operation`.
    pub(crate) fn has(&self, operation: Operation) -> bool {
        self.operations.contains(&operation)
    }
}

impl Operation {
    /// The operation a route (as registered with axum) and method serve.
    pub(crate) fn of(method: &Method, route: &str) -> Option<Operation> {
        let operation = match (method.as_str(), route) {
            ("POST", "/identities") => Create,
            ("DELETE", "/identities/{id}") => Delete,
            ("GET", "/identities/{id}") => Get,
            ("POST", "/identities/{id}/:issueAccessToken") => IssueAccessToken,
            ("POST", "/identities/{id}/:revokeAccessTokens") => RevokeAccessTokens,
            ("POST", "/teamsUser/:exchangeAccessToken") => ExchangeTeamsUserAccessToken,
            ("POST", "/access/teamsExtension/:exchangeAccessToken") => ExchangeTeamsExtensionToken,
            ("GET", ASSIGNMENT_ROUTE) => GetTeamsExtensionAssignment,
            ("PUT", ASSIGNMENT_ROUTE) => UpsertTeamsExtensionAssignment,
            ("DELETE", ASSIGNMENT_ROUTE) => DeleteTeamsExtensionAssignment,
            _ => return None,
        };
        Some(operation)
    }

    /// What the specs call it (the hand-written Swagger's operationIds).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Create => "CommunicationIdentity_Create",
            Delete => "CommunicationIdentity_Delete",
            Get => "CommunicationIdentity_Get",
            IssueAccessToken => "CommunicationIdentity_IssueAccessToken",
            RevokeAccessTokens => "CommunicationIdentity_RevokeAccessTokens",
            ExchangeTeamsUserAccessToken => "CommunicationIdentity_ExchangeTeamsUserAccessToken",
            ExchangeTeamsExtensionToken => "TeamsExtensionToken_Exchange",
            GetTeamsExtensionAssignment => "TeamsExtensionAssignment_Get",
            UpsertTeamsExtensionAssignment => "TeamsExtensionAssignment_Upsert",
            DeleteTeamsExtensionAssignment => "TeamsExtensionAssignment_Delete",
        }
    }
}

/// The route of a Teams Phone extension assignment.
pub(crate) const ASSIGNMENT_ROUTE: &str =
    "/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_sorted() {
        let names: Vec<&str> = API_VERSIONS.iter().map(|v| v.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }

    #[test]
    fn every_version_can_create_and_only_the_preview_gets_or_takes_custom_ids() {
        for version in API_VERSIONS {
            assert!(version.has(Create), "{}", version.name);
            assert_eq!(version.has(Get), version.name == "2025-03-02-preview");
            assert_eq!(version.custom_id, version.name == "2025-03-02-preview");
        }
        let stable = find("2025-06-30").unwrap();
        assert!(stable.has(UpsertTeamsExtensionAssignment));
        assert!(!find("2023-10-01").unwrap().has(ExchangeTeamsExtensionToken));
        assert!(
            !find("2021-03-07")
                .unwrap()
                .has(ExchangeTeamsUserAccessToken)
        );
        assert!(find("2020-07-20-preview2").is_none());
    }

    #[test]
    fn routes_map_to_operations() {
        assert_eq!(
            Operation::of(&Method::GET, "/identities/{id}"),
            Some(Operation::Get)
        );
        assert_eq!(
            Operation::of(&Method::PUT, ASSIGNMENT_ROUTE),
            Some(Operation::UpsertTeamsExtensionAssignment)
        );
        assert_eq!(Operation::of(&Method::PATCH, "/identities/{id}"), None);
    }
}
