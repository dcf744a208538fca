//! The path that names an APIM service and user, checked against the spec's
//! constraints before anything is sent.

use std::fmt;

use crate::error::{Error, Result};

/// Longest resource group name.
pub const MAX_RESOURCE_GROUP: usize = 90;
/// Longest APIM service name.
pub const MAX_SERVICE_NAME: usize = 50;
/// Longest APIM user id.
pub const MAX_USER_ID: usize = 80;

/// An API Management service: subscription, resource group and name.
///
/// ```
/// use azure_user_tokens::apim::ApimService;
/// let service = ApimService::new("00000000-0000-0000-0000-000000000000", "rg1", "apimService1").unwrap();
/// let user = service.user("userId1718").unwrap();
/// assert_eq!(user.user_id(), "userId1718");
/// let err = ApimService::new("not-a-uuid", "rg1", "apimService1").unwrap_err();
/// assert_eq!(err.field(), Some("subscription_id"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApimService {
    subscription_id: String,
    resource_group: String,
    service_name: String,
}

impl ApimService {
    /// Checks each part: the subscription id is a UUID; the resource group
    /// 1–90 characters matching `^[-\w\._\(\)]+$`; the service name 1–50
    /// characters matching `^[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$`.
    pub fn new(subscription_id: &str, resource_group: &str, service_name: &str) -> Result<Self> {
        let subscription = uuid::Uuid::parse_str(subscription_id).map_err(|_| {
            Error::validation(
                "subscription_id",
                format!("{subscription_id:?} is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)"),
            )
        })?;
        check_length("resource_group", resource_group, MAX_RESOURCE_GROUP)?;
        check_resource_group(resource_group)?;
        check_length("service_name", service_name, MAX_SERVICE_NAME)?;
        check_service_name(service_name)?;
        Ok(ApimService {
            subscription_id: subscription.hyphenated().to_string(),
            resource_group: resource_group.to_string(),
            service_name: service_name.to_string(),
        })
    }

    /// A user of this service; the id is 1–80 characters.
    pub fn user(&self, user_id: &str) -> Result<ApimUserRef> {
        check_length("user_id", user_id, MAX_USER_ID)?;
        check_path_safe("user_id", user_id)?;
        Ok(ApimUserRef {
            service: self.clone(),
            user_id: user_id.to_string(),
        })
    }

    /// The subscription id.
    pub fn subscription_id(&self) -> &str {
        &self.subscription_id
    }

    /// The resource group.
    pub fn resource_group(&self) -> &str {
        &self.resource_group
    }

    /// The service name.
    pub fn service_name(&self) -> &str {
        &self.service_name
    }
}

impl fmt::Display for ApimService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ApiManagement/service/{}",
            self.subscription_id, self.resource_group, self.service_name
        )
    }
}

/// One user of an APIM service: built once, reused for every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApimUserRef {
    service: ApimService,
    user_id: String,
}

impl ApimUserRef {
    /// Checks all four parts (see [`ApimService::new`] and [`ApimService::user`]).
    pub fn new(
        subscription_id: &str,
        resource_group: &str,
        service_name: &str,
        user_id: &str,
    ) -> Result<Self> {
        ApimService::new(subscription_id, resource_group, service_name)?.user(user_id)
    }

    /// The service the user belongs to.
    pub fn service(&self) -> &ApimService {
        &self.service
    }

    /// The user id.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl fmt::Display for ApimUserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/users/{}", self.service, self.user_id)
    }
}

fn check_length(field: &'static str, value: &str, max: usize) -> Result<()> {
    let length = value.chars().count();
    if length == 0 {
        return Err(Error::validation(
            field,
            format!("must be 1–{max} characters; it is empty"),
        ));
    }
    if length > max {
        return Err(Error::validation(
            field,
            format!("must be 1–{max} characters; it has {length}"),
        ));
    }
    Ok(())
}

/// Characters that would change the request path or cannot be sent.
fn check_path_safe(field: &'static str, value: &str) -> Result<()> {
    match value
        .chars()
        .find(|c| c.is_control() || matches!(c, '/' | '\\' | '?' | '#' | '%'))
    {
        Some(c) => Err(Error::validation(field, format!("must not contain {c:?}"))),
        None if value.trim() != value => Err(Error::validation(
            field,
            "must not start or end with whitespace",
        )),
        None => Ok(()),
    }
}

/// `^[-\w\._\(\)]+$`: letters and digits (any script), `_`, `-`, `.`, `(`, `)`.
fn check_resource_group(name: &str) -> Result<()> {
    match name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '(' | ')')))
    {
        Some(c) => Err(Error::validation(
            "resource_group",
            format!(
                "must contain only letters, digits, '_', '-', '.', '(' and ')' (pattern ^[-\\w\\._\\(\\)]+$); found {c:?}"
            ),
        )),
        None => Ok(()),
    }
}

/// `^[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$`
fn check_service_name(name: &str) -> Result<()> {
    let bytes = name.as_bytes();
    let ok = bytes.first().is_some_and(u8::is_ascii_alphabetic)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "service_name",
            format!(
                "{name:?} must start with a letter, end with a letter or digit, and contain only letters, digits and '-' (pattern ^[a-zA-Z](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$)"
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUB: &str = "00000000-0000-0000-0000-000000000000";

    #[test]
    fn the_spec_constraints_are_enforced_with_field_and_limit() {
        let long = |n: usize| "a".repeat(n);
        let cases: Vec<(String, String, String, String, &str, &str)> = vec![
            (
                "nope".into(),
                "rg".into(),
                "svc".into(),
                "u".into(),
                "subscription_id",
                "UUID",
            ),
            (
                SUB.into(),
                "".into(),
                "svc".into(),
                "u".into(),
                "resource_group",
                "1–90",
            ),
            (
                SUB.into(),
                long(91),
                "svc".into(),
                "u".into(),
                "resource_group",
                "1–90",
            ),
            (
                SUB.into(),
                "a/b".into(),
                "svc".into(),
                "u".into(),
                "resource_group",
                "'/'",
            ),
            (
                SUB.into(),
                "rg".into(),
                "".into(),
                "u".into(),
                "service_name",
                "1–50",
            ),
            (
                SUB.into(),
                "rg".into(),
                long(51),
                "u".into(),
                "service_name",
                "1–50",
            ),
            (
                SUB.into(),
                "rg".into(),
                "1svc".into(),
                "u".into(),
                "service_name",
                "pattern",
            ),
            (
                SUB.into(),
                "rg".into(),
                "svc-".into(),
                "u".into(),
                "service_name",
                "pattern",
            ),
            (
                SUB.into(),
                "rg".into(),
                "sv_c".into(),
                "u".into(),
                "service_name",
                "pattern",
            ),
            (
                SUB.into(),
                "rg".into(),
                "svc".into(),
                "".into(),
                "user_id",
                "1–80",
            ),
            (
                SUB.into(),
                "rg".into(),
                "svc".into(),
                long(81),
                "user_id",
                "1–80",
            ),
            (
                SUB.into(),
                "rg".into(),
                "svc".into(),
                "a?b".into(),
                "user_id",
                "'?'",
            ),
        ];
        for (sub, rg, svc, user, field, hint) in cases {
            let err = ApimUserRef::new(&sub, &rg, &svc, &user).unwrap_err();
            assert_eq!(err.field(), Some(field), "{sub} {rg} {svc} {user}");
            assert!(err.message().contains(hint), "{err}");
        }
    }

    #[test]
    fn limits_are_inclusive() {
        let ok = ApimUserRef::new(
            SUB,
            &"r".repeat(90),
            &format!("a{}", "b".repeat(49)),
            &"u".repeat(80),
        );
        assert!(ok.is_ok(), "{ok:?}");
        assert!(ApimUserRef::new(SUB, "rg", "a", "1").is_ok());
    }

    #[test]
    fn subscription_ids_are_normalised() {
        let service = ApimService::new("ABCDEF00-0000-0000-0000-000000000000", "rg", "s").unwrap();
        assert_eq!(
            service.subscription_id(),
            "abcdef00-0000-0000-0000-000000000000"
        );
    }
}
