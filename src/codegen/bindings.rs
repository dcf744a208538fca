//! The binding table: every operation the facade uses, found in a spec by
//! what goes on the wire (HTTP method + path template), not by operationId.
//!
//! Azure renames operationIds (a TypeSpec conversion renamed all of ACS
//! Identity's) and path-parameter names without changing a byte on the wire.
//! The converter ([`super::bind`]) finds each binding's operation by method
//! and path — path-parameter *names* ignored — and gives it the canonical
//! operationId, path-parameter names and body schema names below, so the
//! adapters name only these. A binding the spec lacks is reported to the
//! build (`cfg(bound_operation = "<module>::<name>")`, `BOUND_OPERATIONS`),
//! and the facade method answers `Unsupported` instead of failing to compile.

/// One operation the facade uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    /// Canonical name: the generated method, and `<module>::<name>` in the
    /// `bound_operation` cfg.
    pub name: &'static str,
    /// HTTP method, lower case.
    pub method: &'static str,
    /// Path template with the canonical path-parameter names (the generated
    /// builder's setters). Matched with the names ignored and the literal
    /// parts compared case-insensitively.
    pub path: &'static str,
    /// The facade sends a JSON body: the spec's operation must have one.
    pub request_body: bool,
    /// The facade reads the success body as the generated type
    /// (`<Name>Result`): every 2xx answer must carry the same JSON schema.
    pub typed_result: bool,
    /// Request-body properties the facade uses only where the spec has them
    /// (a preview's `customId`): each is bound on its own, as
    /// `<name>.<property>`.
    pub optional_properties: &'static [&'static str],
}

impl Binding {
    /// The canonical schema name of the request body (`CreateIdentityRequest`).
    pub fn request_schema(&self) -> String {
        format!("{}Request", pascal_case(self.name))
    }

    /// The canonical schema name of the success body (`CreateIdentityResult`).
    pub fn response_schema(&self) -> String {
        format!("{}Result", pascal_case(self.name))
    }

    /// `METHOD /path`, for messages.
    pub fn describe(&self) -> String {
        format!("{} {}", self.method.to_ascii_uppercase(), self.path)
    }
}

/// `create_identity` → `CreateIdentity`. Written here, not with heck,
/// because the library compiles this table without the spec tooling's
/// dependencies (the names are ASCII snake case; a test checks heck agrees).
fn pascal_case(snake: &str) -> String {
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + &chars.as_str().to_ascii_lowercase()
            })
        })
        .collect()
}

/// The bindings of one generated module.
#[derive(Debug, Clone, Copy)]
pub struct ModuleBindings {
    /// The manifest's module name.
    pub module: &'static str,
    /// Its bindings.
    pub bindings: &'static [Binding],
}

const fn op(name: &'static str, method: &'static str, path: &'static str) -> Binding {
    Binding {
        name,
        method,
        path,
        request_body: false,
        typed_result: false,
        optional_properties: &[],
    }
}

const fn with_body(name: &'static str, method: &'static str, path: &'static str) -> Binding {
    Binding {
        request_body: true,
        ..op(name, method, path)
    }
}

const TEAMS_EXTENSION_ASSIGNMENT: &str =
    "/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}";

/// Communication Services identity (data plane).
pub const ACS_IDENTITY: ModuleBindings = ModuleBindings {
    module: "acs_identity",
    bindings: &[
        Binding {
            optional_properties: &["customId"],
            ..with_body("create_identity", "post", "/identities")
        },
        op("get_identity", "get", "/identities/{id}"),
        op("delete_identity", "delete", "/identities/{id}"),
        with_body(
            "issue_access_token",
            "post",
            "/identities/{id}/:issueAccessToken",
        ),
        op(
            "revoke_access_tokens",
            "post",
            "/identities/{id}/:revokeAccessTokens",
        ),
        with_body(
            "exchange_teams_user_access_token",
            "post",
            "/teamsUser/:exchangeAccessToken",
        ),
        with_body(
            "exchange_teams_extension_access_token",
            "post",
            "/access/teamsExtension/:exchangeAccessToken",
        ),
        op(
            "get_teams_extension_assignment",
            "get",
            TEAMS_EXTENSION_ASSIGNMENT,
        ),
        with_body(
            "upsert_teams_extension_assignment",
            "put",
            TEAMS_EXTENSION_ASSIGNMENT,
        ),
        op(
            "delete_teams_extension_assignment",
            "delete",
            TEAMS_EXTENSION_ASSIGNMENT,
        ),
    ],
};

const APIM_USERS_PATH: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ApiManagement/service/{serviceName}/users";
const APIM_USER_PATH: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ApiManagement/service/{serviceName}/users/{userId}";
const APIM_USER_TOKEN_PATH: &str = "/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ApiManagement/service/{serviceName}/users/{userId}/token";

/// API Management users, over Azure Resource Manager.
pub const APIM_USERS: ModuleBindings = ModuleBindings {
    module: "apim_users",
    bindings: &[
        Binding {
            // Next pages are read as the first page's type.
            typed_result: true,
            ..op("list_users", "get", APIM_USERS_PATH)
        },
        op("get_user", "get", APIM_USER_PATH),
        with_body("create_or_update_user", "put", APIM_USER_PATH),
        op("delete_user", "delete", APIM_USER_PATH),
        with_body("get_shared_access_token", "post", APIM_USER_TOKEN_PATH),
    ],
};

/// Every module's bindings.
pub const MODULES: &[ModuleBindings] = &[ACS_IDENTITY, APIM_USERS];

/// The bindings of `module` (none for a module the facade does not use).
pub fn for_module(module: &str) -> &'static [Binding] {
    MODULES
        .iter()
        .find(|m| m.module == module)
        .map(|m| m.bindings)
        .unwrap_or(&[])
}

/// Every value a build may give `cfg(bound_operation)`:
/// `<module>::<operation>` and `<module>::<operation>.<property>`.
pub fn all_cfg_values() -> Vec<String> {
    let mut values = Vec::new();
    for module in MODULES {
        for binding in module.bindings {
            values.push(format!("{}::{}", module.module, binding.name));
            for property in binding.optional_properties {
                values.push(format!("{}::{}.{property}", module.module, binding.name));
            }
        }
    }
    values
}

/// A path template's shape: literal parts lower-cased, every `{name}` as
/// `{}`, and the parameter names in order.
pub fn template_shape(path: &str) -> (String, Vec<String>) {
    let mut shape = String::with_capacity(path.len());
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        shape.push_str(&rest[..open].to_ascii_lowercase());
        match rest[open..].find('}') {
            Some(close) => {
                names.push(rest[open + 1..open + close].to_string());
                shape.push_str("{}");
                rest = &rest[open + close + 1..];
            }
            None => {
                rest = &rest[open..];
                break;
            }
        }
    }
    shape.push_str(&rest.to_ascii_lowercase());
    (shape, names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    #[test]
    fn shapes_ignore_parameter_names_and_literal_case() {
        let (a, names) = template_shape("/identities/{identityId}/:issueAccessToken");
        let (b, _) = template_shape("/Identities/{id}/:issueAccessToken");
        assert_eq!(a, b);
        assert_eq!(names, ["identityId"]);
        assert_ne!(
            template_shape("/identities/{id}").0,
            template_shape("/identities").0
        );
        let (_, names) = template_shape(APIM_USER_TOKEN_PATH);
        assert_eq!(
            names,
            [
                "subscriptionId",
                "resourceGroupName",
                "serviceName",
                "userId"
            ]
        );
    }

    #[test]
    fn names_are_unique_and_paths_of_one_shape_name_their_parameters_alike() {
        for module in MODULES {
            let mut names = BTreeSet::new();
            let mut schemas = BTreeSet::new();
            let mut by_shape: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut routes = BTreeSet::new();
            for binding in module.bindings {
                assert!(names.insert(binding.name), "{} twice", binding.name);
                assert!(schemas.insert(binding.request_schema()));
                assert!(schemas.insert(binding.response_schema()));
                let (shape, params) = template_shape(binding.path);
                assert!(routes.insert((binding.method, shape.clone())));
                let known = by_shape.entry(shape).or_insert_with(|| params.clone());
                assert_eq!(*known, params, "{}", binding.name);
                assert_eq!(binding.method, binding.method.to_ascii_lowercase());
            }
        }
    }

    #[test]
    fn schema_names_are_what_heck_would_make() {
        use heck::ToPascalCase;
        for binding in MODULES.iter().flat_map(|m| m.bindings) {
            assert_eq!(pascal_case(binding.name), binding.name.to_pascal_case());
        }
    }

    #[test]
    fn cfg_values_name_module_operation_and_property() {
        let values = all_cfg_values();
        assert!(values.contains(&"acs_identity::get_identity".to_string()));
        assert!(values.contains(&"acs_identity::create_identity.customId".to_string()));
        assert!(values.contains(&"apim_users::get_shared_access_token".to_string()));
        assert_eq!(
            ACS_IDENTITY.bindings[0].request_schema(),
            "CreateIdentityRequest"
        );
        assert_eq!(for_module("nope"), &[]);
    }
}
