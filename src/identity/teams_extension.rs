//! Teams Phone extension assignments: which Entra principal of which tenant
//! may exchange its Teams token for a Communication Services token, and from
//! which client applications (ACS Identity 2025-06-30 and later).

use std::fmt;

use serde::Serialize;
use serde_json::{Value, json};

use crate::error::{Error, ErrorKind, Result};

/// What kind of Entra principal an assignment is for. The set is open: the
/// service may add kinds, kept in [`TeamsExtensionPrincipalType::Other`].
///
/// ```
/// use azure_user_tokens::identity::TeamsExtensionPrincipalType as P;
/// assert_eq!(P::from("resourceAccount"), P::ResourceAccount);
/// assert_eq!(P::User.as_str(), "user");
/// assert_eq!(P::from("group"), P::Other("group".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TeamsExtensionPrincipalType {
    /// `user`: a Teams user.
    User,
    /// `resourceAccount`: a Teams resource account (an auto attendant or call queue).
    ResourceAccount,
    /// A kind this version of the crate does not know.
    Other(String),
}

impl TeamsExtensionPrincipalType {
    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            TeamsExtensionPrincipalType::User => "user",
            TeamsExtensionPrincipalType::ResourceAccount => "resourceAccount",
            TeamsExtensionPrincipalType::Other(other) => other,
        }
    }
}

impl From<&str> for TeamsExtensionPrincipalType {
    fn from(wire: &str) -> Self {
        match wire {
            "user" => TeamsExtensionPrincipalType::User,
            "resourceAccount" => TeamsExtensionPrincipalType::ResourceAccount,
            other => TeamsExtensionPrincipalType::Other(other.to_string()),
        }
    }
}

impl fmt::Display for TeamsExtensionPrincipalType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TeamsExtensionPrincipalType {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A Teams Phone extension assignment.
///
/// ```
/// use azure_user_tokens::identity::{TeamsExtensionAssignment, TeamsExtensionPrincipalType};
/// let assignment = TeamsExtensionAssignment::new(
///     "c70d068c-2f32-484d-9455-73070cd5aadd",
///     "b27b64b9-39d2-44a3-869d-67700b74e805",
///     TeamsExtensionPrincipalType::User,
/// )
/// .with_client_ids(["07474a86-625a-452f-977b-db4e13f21260"]);
/// assert_eq!(assignment.client_ids.as_ref().map(Vec::len), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct TeamsExtensionAssignment {
    /// The Entra tenant (a GUID).
    pub tenant_id: String,
    /// The principal's Entra object id (a GUID).
    pub object_id: String,
    /// `user` or `resourceAccount` (or a kind added later).
    #[schemars(with = "String")]
    pub principal_type: TeamsExtensionPrincipalType,
    /// The Entra applications (client ids, GUIDs) the principal may exchange
    /// from; `None` leaves it to the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ids: Option<Vec<String>>,
}

impl TeamsExtensionAssignment {
    /// An assignment of `principal_type` for `object_id` in `tenant_id`.
    pub fn new(
        tenant_id: impl Into<String>,
        object_id: impl Into<String>,
        principal_type: TeamsExtensionPrincipalType,
    ) -> Self {
        TeamsExtensionAssignment {
            tenant_id: tenant_id.into(),
            object_id: object_id.into(),
            principal_type,
            client_ids: None,
        }
    }

    /// The client applications the principal may exchange from.
    pub fn with_client_ids<I, S>(mut self, client_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.client_ids = Some(client_ids.into_iter().map(Into::into).collect());
        self
    }

    /// Checks what the service requires before anything is sent: GUID ids,
    /// a non-empty principal type.
    pub(crate) fn check(&self) -> Result<()> {
        check_ids(&self.tenant_id, &self.object_id)?;
        if self.principal_type.as_str().trim().is_empty() {
            return Err(Error::validation("principal_type", "must not be empty"));
        }
        for client_id in self.client_ids.iter().flatten() {
            check_guid("client_ids", client_id)?;
        }
        Ok(())
    }

    /// The upsert request body: `{"principalType", "clientIds"?}`.
    pub(crate) fn to_wire(&self) -> Value {
        let mut body = json!({ "principalType": self.principal_type.as_str() });
        if let Some(client_ids) = &self.client_ids {
            body["clientIds"] = json!(client_ids);
        }
        body
    }

    /// Reads `{"objectId", "tenantId", "principalType", "clientIds"?}`.
    pub(crate) fn from_wire(value: &Value) -> Result<Self> {
        let text = |key: &str| {
            value[key]
                .as_str()
                .filter(|v| !v.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidResponse,
                        format!("the assignment in the answer has no {key}"),
                    )
                })
        };
        let client_ids = match &value["clientIds"] {
            Value::Null => None,
            Value::Array(ids) => Some(
                ids.iter()
                    .map(|id| id.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidResponse,
                            "the assignment's clientIds are not all strings",
                        )
                    })?,
            ),
            _ => {
                return Err(Error::new(
                    ErrorKind::InvalidResponse,
                    "the assignment's clientIds is not a list",
                ));
            }
        };
        Ok(TeamsExtensionAssignment {
            tenant_id: text("tenantId")?,
            object_id: text("objectId")?,
            principal_type: TeamsExtensionPrincipalType::from(text("principalType")?.as_str()),
            client_ids,
        })
    }
}

/// Tenant and object ids are Entra GUIDs (they also become path segments).
pub(crate) fn check_ids(tenant_id: &str, object_id: &str) -> Result<()> {
    check_guid("tenant_id", tenant_id)?;
    check_guid("object_id", object_id)
}

/// A GUID in its usual form, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
fn check_guid(field: &'static str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    let hyphenated = value.len() == 36 && uuid::Uuid::try_parse(value).is_ok();
    if !hyphenated {
        return Err(Error::validation(
            field,
            "must be an Entra ID GUID such as c70d068c-2f32-484d-9455-73070cd5aadd",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TENANT: &str = "c70d068c-2f32-484d-9455-73070cd5aadd";
    const OBJECT: &str = "b27b64b9-39d2-44a3-869d-67700b74e805";

    #[test]
    fn ids_must_be_guids() {
        for (tenant, object, field) in [
            ("", OBJECT, "tenant_id"),
            ("contoso.onmicrosoft.com", OBJECT, "tenant_id"),
            (TENANT, " ", "object_id"),
            (TENANT, "b27b64b9/39d2-44a3-869d-67700b74e805", "object_id"),
            (
                TENANT,
                "{b27b64b9-39d2-44a3-869d-67700b74e805}",
                "object_id",
            ),
            (TENANT, "b27b64b939d244a3869d67700b74e805", "object_id"),
        ] {
            let err = check_ids(tenant, object).unwrap_err();
            assert_eq!(err.field(), Some(field), "{tenant:?} {object:?}");
        }
        assert!(check_ids(TENANT, &OBJECT.to_uppercase()).is_ok());
        let bad_client =
            TeamsExtensionAssignment::new(TENANT, OBJECT, TeamsExtensionPrincipalType::User)
                .with_client_ids(["app"]);
        assert_eq!(bad_client.check().unwrap_err().field(), Some("client_ids"));
        let no_type = TeamsExtensionAssignment::new(
            TENANT,
            OBJECT,
            TeamsExtensionPrincipalType::Other(" ".into()),
        );
        assert_eq!(no_type.check().unwrap_err().field(), Some("principal_type"));
    }

    #[test]
    fn wire_forms_round_trip_and_keep_unknown_principal_types() {
        let assignment = TeamsExtensionAssignment::new(
            TENANT,
            OBJECT,
            TeamsExtensionPrincipalType::ResourceAccount,
        );
        assert_eq!(
            assignment.to_wire(),
            json!({"principalType": "resourceAccount"})
        );
        let with_clients = assignment.clone().with_client_ids([TENANT]);
        assert_eq!(
            with_clients.to_wire(),
            json!({"principalType": "resourceAccount", "clientIds": [TENANT]})
        );
        let read = TeamsExtensionAssignment::from_wire(&json!({
            "objectId": OBJECT, "tenantId": TENANT, "principalType": "group", "clientIds": []
        }))
        .unwrap();
        assert_eq!(
            read.principal_type,
            TeamsExtensionPrincipalType::Other("group".into())
        );
        assert_eq!(read.client_ids, Some(vec![]));
        let err = TeamsExtensionAssignment::from_wire(&json!({"objectId": OBJECT})).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidResponse);
        assert_eq!(
            serde_json::to_value(&assignment).unwrap(),
            json!({"tenant_id": TENANT, "object_id": OBJECT, "principal_type": "resourceAccount"})
        );
    }
}
