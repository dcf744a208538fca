//! APIM users as the facade shows them.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::Secret;
use crate::error::{Error, Result};

/// An API Management user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ApimUser {
    /// The user id (the resource name), e.g. `userId1718`.
    pub user_id: String,
    /// The full ARM resource id.
    pub resource_id: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// `active`, `blocked`, `pending`, `deleted`, or a state added later.
    pub state: Option<String>,
    /// Administrator's note.
    pub note: Option<String>,
    /// When the user registered.
    pub registration_date: Option<DateTime<Utc>>,
    /// The entity tag, for `If-Match` on updates and deletes.
    pub etag: Option<String>,
}

impl ApimUser {
    /// Reads a `UserContract` in its wire form.
    pub(crate) fn from_wire(value: &Value, etag: Option<String>) -> Result<Self> {
        let text = |v: &Value| v.as_str().map(str::to_string);
        let user_id = text(&value["name"]).ok_or_else(|| {
            Error::new(
                crate::ErrorKind::InvalidResponse,
                "a user in the answer has no name",
            )
        })?;
        let properties = &value["properties"];
        Ok(ApimUser {
            user_id,
            resource_id: text(&value["id"]),
            first_name: text(&properties["firstName"]),
            last_name: text(&properties["lastName"]),
            email: text(&properties["email"]),
            state: text(&properties["state"]),
            note: text(&properties["note"]),
            registration_date: properties["registrationDate"]
                .as_str()
                .and_then(|d| DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&Utc)),
            etag,
        })
    }
}

/// What `create_or_update_user` sends.
///
/// ```
/// use azure_user_tokens::apim::NewApimUser;
/// let user = NewApimUser::new("ada@example.com", "Ada", "Lovelace").with_note("first programmer");
/// ```
#[derive(Debug, Clone)]
pub struct NewApimUser {
    email: String,
    first_name: String,
    last_name: String,
    password: Option<Secret>,
    note: Option<String>,
    state: Option<String>,
}

impl NewApimUser {
    /// The three required fields.
    pub fn new(
        email: impl Into<String>,
        first_name: impl Into<String>,
        last_name: impl Into<String>,
    ) -> Self {
        NewApimUser {
            email: email.into(),
            first_name: first_name.into(),
            last_name: last_name.into(),
            password: None,
            note: None,
            state: None,
        }
    }

    /// A password for the developer portal.
    pub fn with_password(mut self, password: impl Into<Secret>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// An administrator's note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// `active` or `blocked` (or any state the service accepts).
    pub fn with_state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// Checks lengths and the email's shape; the service checks the rest.
    pub(crate) fn to_wire(&self) -> Result<Value> {
        for (field, value, max) in [
            ("email", &self.email, 254),
            ("first_name", &self.first_name, 100),
            ("last_name", &self.last_name, 100),
        ] {
            let length = value.trim().chars().count();
            if length == 0 || length > max {
                return Err(Error::validation(
                    field,
                    format!("must be 1–{max} characters"),
                ));
            }
        }
        if !self.email.contains('@') {
            return Err(Error::validation(
                "email",
                "is not an email address (no '@')",
            ));
        }
        let mut properties = Map::new();
        properties.insert("email".into(), json!(self.email));
        properties.insert("firstName".into(), json!(self.first_name));
        properties.insert("lastName".into(), json!(self.last_name));
        if let Some(password) = &self.password {
            properties.insert("password".into(), json!(password.expose()));
        }
        if let Some(note) = &self.note {
            properties.insert("note".into(), json!(note));
        }
        if let Some(state) = &self.state {
            properties.insert("state".into(), json!(state));
        }
        Ok(Value::Object(properties))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_read_from_the_wire_form() {
        let value = json!({"id": "/subscriptions/x/users/u1", "name": "u1", "properties": {
            "firstName": "Ada", "email": "a@x", "state": "someFutureState",
            "registrationDate": "2018-01-07T21:21:29.16Z"}});
        let user = ApimUser::from_wire(&value, Some("\"AAAA\"".into())).unwrap();
        assert_eq!(user.user_id, "u1");
        assert_eq!(user.state.as_deref(), Some("someFutureState"));
        assert_eq!(user.registration_date.unwrap().timestamp(), 1_515_360_089);
        assert!(ApimUser::from_wire(&json!({}), None).is_err());
    }

    #[test]
    fn new_users_are_checked_before_sending() {
        assert_eq!(
            NewApimUser::new("", "a", "b")
                .to_wire()
                .unwrap_err()
                .field(),
            Some("email")
        );
        assert_eq!(
            NewApimUser::new("nope", "a", "b")
                .to_wire()
                .unwrap_err()
                .field(),
            Some("email")
        );
        assert_eq!(
            NewApimUser::new("a@b", " ", "b")
                .to_wire()
                .unwrap_err()
                .field(),
            Some("first_name")
        );
        let wire = NewApimUser::new("a@b", "A", "B")
            .with_password("pw")
            .to_wire()
            .unwrap();
        assert_eq!(wire["password"], "pw");
        assert!(
            !format!(
                "{:?}",
                NewApimUser::new("a@b", "A", "B").with_password("pw-secret")
            )
            .contains("pw-secret")
        );
    }
}
