//! Reading an ARM request path, with segment names compared case-insensitively
//! as ARM does (`resourceGroups`, `providers`, `Microsoft.ApiManagement`, …).

use crate::emulator::http::percent_decode;

/// What an ARM path names, as far as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ArmPath {
    /// `/subscriptions/{id}`.
    pub subscription: Option<String>,
    /// `/resourceGroups/{name}`.
    pub resource_group: Option<String>,
    /// `/providers/Microsoft.ApiManagement/service/{name}`.
    pub service: Option<String>,
    /// What follows the service.
    pub resource: ApimResource,
}

/// The APIM resources served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApimResource {
    /// `…/users`.
    Users,
    /// `…/users/{userId}`.
    User(String),
    /// `…/users/{userId}/token`.
    UserToken(String),
    /// `…/operationStatuses/{id}`: a long-running operation's status
    /// (what `Azure-AsyncOperation` points at).
    OperationStatus(String),
    /// `…/operationResults/{id}`: a long-running operation's result (what
    /// `Location` points at).
    OperationResult(String),
    /// Anything else (including a path that stops early).
    Unsupported,
}

/// Whether the path is under `/subscriptions/`.
pub(crate) fn is_arm(path: &str) -> bool {
    path.get(..15)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("/subscriptions/"))
}

/// Splits and decodes an ARM path.
pub(crate) fn parse(path: &str) -> ArmPath {
    let segments: Vec<String> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .map(|s| percent_decode(s).unwrap_or_else(|| s.to_string()))
        .collect();
    let is = |index: usize, name: &str| {
        segments
            .get(index)
            .is_some_and(|s| s.eq_ignore_ascii_case(name))
    };
    let value = |index: usize| segments.get(index).filter(|s| !s.is_empty()).cloned();
    let mut parsed = ArmPath {
        subscription: None,
        resource_group: None,
        service: None,
        resource: ApimResource::Unsupported,
    };
    if !is(0, "subscriptions") {
        return parsed;
    }
    parsed.subscription = value(1);
    if !is(2, "resourceGroups") {
        return parsed;
    }
    parsed.resource_group = value(3);
    if !(is(4, "providers") && is(5, "Microsoft.ApiManagement") && is(6, "service")) {
        return parsed;
    }
    parsed.service = value(7);
    let rest = segments.get(8..).unwrap_or(&[]);
    parsed.resource = match rest {
        [users] if users.eq_ignore_ascii_case("users") => ApimResource::Users,
        [users, user] if users.eq_ignore_ascii_case("users") && !user.is_empty() => {
            ApimResource::User(user.clone())
        }
        [kind, id] if kind.eq_ignore_ascii_case("operationStatuses") && !id.is_empty() => {
            ApimResource::OperationStatus(id.clone())
        }
        [kind, id] if kind.eq_ignore_ascii_case("operationResults") && !id.is_empty() => {
            ApimResource::OperationResult(id.clone())
        }
        [users, user, token]
            if users.eq_ignore_ascii_case("users")
                && !user.is_empty()
                && token.eq_ignore_ascii_case("token") =>
        {
            ApimResource::UserToken(user.clone())
        }
        _ => ApimResource::Unsupported,
    };
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ApiManagement/service/svc";

    #[test]
    fn users_paths() {
        let users = parse(&format!("{BASE}/users"));
        assert_eq!(users.subscription.as_deref(), Some("s"));
        assert_eq!(users.resource_group.as_deref(), Some("rg1"));
        assert_eq!(users.service.as_deref(), Some("svc"));
        assert_eq!(users.resource, ApimResource::Users);
        assert_eq!(
            parse(&format!("{BASE}/users/u%201/")).resource,
            ApimResource::User("u 1".into())
        );
        assert_eq!(
            parse(&format!("{BASE}/users/u/token")).resource,
            ApimResource::UserToken("u".into())
        );
        assert_eq!(
            parse(&format!("{BASE}/apis")).resource,
            ApimResource::Unsupported
        );
        assert_eq!(
            parse(&format!("{BASE}/operationStatuses/op")).resource,
            ApimResource::OperationStatus("op".into())
        );
        assert_eq!(
            parse(&format!("{BASE}/operationresults/op")).resource,
            ApimResource::OperationResult("op".into())
        );
    }

    #[test]
    fn segment_names_are_case_insensitive() {
        let lower = BASE
            .replace("resourceGroups", "resourcegroups")
            .replace("providers", "PROVIDERS")
            .replace("Microsoft.ApiManagement", "microsoft.apimanagement");
        assert_eq!(
            parse(&format!("{lower}/Users/x")).resource,
            ApimResource::User("x".into())
        );
        assert!(is_arm("/SUBSCRIPTIONS/x"));
        assert!(!is_arm("/identities"));
    }

    #[test]
    fn short_paths_keep_what_they_name() {
        let p = parse("/subscriptions/s/resourceGroups/other");
        assert_eq!(p.resource_group.as_deref(), Some("other"));
        assert_eq!(p.service, None);
        assert_eq!(p.resource, ApimResource::Unsupported);
    }
}
