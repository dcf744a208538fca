//! Applies the [binding table](super::bindings) to a converted document,
//! before the progenitor fix-ups: each bound operation gets its canonical
//! operationId, path-parameter names and body schema names.
//!
//! - The operation is found by method + path template, parameter names
//!   ignored. Two operations matching one binding fail the build.
//! - A path whose template a binding matched is renamed to the canonical
//!   parameter names, and so are the path parameters of *every* operation on
//!   it (a path template and its parameters must agree); a `$ref`ed
//!   parameter is replaced by a renamed inline copy, the shared one stays.
//! - The JSON request body and the (single) JSON success body are copied
//!   into `components/schemas` under canonical names, so other operations
//!   using the same schemas are untouched.
//! - Unbound operations keep their names; one whose generated method would
//!   take a canonical name fails the build, as does a canonical schema name
//!   the spec already uses.

use std::collections::BTreeMap;
use std::path::Path;

use heck::ToPascalCase;
use serde_json::{Map, Value, json};

use super::SpecError;
use super::bindings::{Binding, for_module, template_shape};
use super::fixups::method_name;
use super::pointer;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Applies `module`'s bindings to `doc` (from the spec `file`); returns the
/// bound entries: operation names, and `<name>.<property>` for each optional
/// request property the spec has.
pub fn bind(doc: &mut Value, module: &str, file: &Path) -> Result<Vec<String>, SpecError> {
    let bindings = for_module(module);
    if bindings.is_empty() {
        return Ok(Vec::new());
    }
    let matches = find_operations(doc, bindings, file)?;
    rename_paths(doc, bindings, &matches, file)?;
    let matches = find_operations(doc, bindings, file)?;
    check_operation_names(doc, &matches, file)?;

    let mut bound = Vec::new();
    for binding in bindings {
        let Some((path, method)) = matches.get(binding.name) else {
            continue;
        };
        let at = pointer::push(&pointer::push("/paths", path), method);
        doc["paths"][path.as_str()][method.as_str()]["operationId"] = json!(binding.name);
        canonical_request_body(doc, binding, path, method, &at, file)?;
        canonical_response_body(doc, binding, path, method, &at, file)?;
        bound.push(binding.name.to_string());
        let properties = request_properties(doc, path, method);
        for property in binding.optional_properties {
            if properties.iter().any(|p| p == property) {
                bound.push(format!("{}.{property}", binding.name));
            }
        }
    }
    Ok(bound)
}

/// Binding name → the `(path, method)` it matched.
type Matches = BTreeMap<&'static str, (String, String)>;

fn find_operations(
    doc: &Value,
    bindings: &'static [Binding],
    file: &Path,
) -> Result<Matches, SpecError> {
    let mut matches = Matches::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(matches);
    };
    for (path, item) in paths {
        let (shape, _) = template_shape(path);
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let Some(binding) = bindings
                .iter()
                .find(|b| b.method == method && template_shape(b.path).0 == shape)
            else {
                continue;
            };
            if let Some((other_path, other_method)) =
                matches.insert(binding.name, (path.clone(), method.to_string()))
            {
                let other = &paths[&other_path][&other_method];
                return Err(SpecError::new(
                    file,
                    pointer::push(&pointer::push("/paths", path), method),
                    format!(
                        "operations {} and {} both match the facade's {} ({}); the binding needs exactly one",
                        describe(operation, method, path),
                        describe(other, &other_method, &other_path),
                        binding.name,
                        binding.describe(),
                    ),
                ));
            }
        }
    }
    Ok(matches)
}

/// `Id (METHOD /path)`, for messages.
fn describe(operation: &Value, method: &str, path: &str) -> String {
    let id = operation
        .get("operationId")
        .and_then(Value::as_str)
        .unwrap_or("(no operationId)");
    format!("{id} ({} {path})", method.to_ascii_uppercase())
}

/// Renames each matched path (and its operations' path parameters) to the
/// binding's canonical parameter names.
fn rename_paths(
    doc: &mut Value,
    bindings: &[Binding],
    matches: &Matches,
    file: &Path,
) -> Result<(), SpecError> {
    let mut renames: BTreeMap<String, &'static str> = BTreeMap::new();
    for binding in bindings {
        if let Some((path, _)) = matches.get(binding.name) {
            renames.insert(path.clone(), binding.path);
        }
    }
    for (path, canonical) in renames {
        let (_, old_names) = template_shape(&path);
        let (_, new_names) = template_shape(canonical);
        if old_names == new_names {
            continue;
        }
        let new_path = with_parameter_names(&path, &new_names);
        let names: BTreeMap<String, String> = old_names.into_iter().zip(new_names).collect();
        let components = doc["components"]["parameters"].clone();
        let paths = doc["paths"].as_object_mut().expect("paths were read above");
        if paths.contains_key(&new_path) {
            return Err(SpecError::new(
                file,
                pointer::push("/paths", &path),
                format!(
                    "paths {path} and {new_path} are the same template; the facade cannot tell which to use"
                ),
            ));
        }
        let mut item = paths.remove(&path).expect("a matched path exists");
        // Path-level parameters too (the converter moves them into each
        // operation today, but OpenAPI allows them here).
        let mut lists: Vec<&mut Value> = Vec::new();
        for (key, value) in item.as_object_mut().into_iter().flatten() {
            if key == "parameters" {
                lists.push(value);
            } else if METHODS.contains(&key.as_str()) {
                lists.extend(value.get_mut("parameters"));
            }
        }
        for list in lists {
            for parameter in list.as_array_mut().into_iter().flatten() {
                rename_path_parameter(parameter, &components, &names);
            }
        }
        paths.insert(new_path, item);
    }
    Ok(())
}

/// `path` with its `{…}` names replaced, in order, by `names`.
fn with_parameter_names(path: &str, names: &[String]) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    let mut names = names.iter();
    while let (Some(open), Some(close)) = (rest.find('{'), rest.find('}')) {
        if close < open {
            break;
        }
        out.push_str(&rest[..=open]);
        out.push_str(
            names
                .next()
                .map(String::as_str)
                .unwrap_or(&rest[open + 1..close]),
        );
        out.push('}');
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Replaces a path parameter named in `names` (inline, or a `$ref` into
/// `components`) by an inline copy carrying the new name.
fn rename_path_parameter(
    parameter: &mut Value,
    components: &Value,
    names: &BTreeMap<String, String>,
) {
    let resolved = match parameter.get("$ref").and_then(Value::as_str) {
        Some(reference) => match reference
            .strip_prefix("#/components/parameters/")
            .map(pointer::unescape)
            .and_then(|name| components.get(&name))
        {
            Some(shared) => shared.clone(),
            None => return,
        },
        None => parameter.clone(),
    };
    if resolved.get("in").and_then(Value::as_str) != Some("path") {
        return;
    }
    let Some(new_name) = resolved
        .get("name")
        .and_then(Value::as_str)
        .and_then(|name| names.get(name))
    else {
        return;
    };
    let mut renamed = resolved;
    renamed["name"] = json!(new_name);
    *parameter = renamed;
}

/// No unbound operation may be generated under a canonical name.
fn check_operation_names(doc: &Value, matches: &Matches, file: &Path) -> Result<(), SpecError> {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(());
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let bound = matches.values().any(|(p, m)| p == path && m == method);
            if bound {
                continue;
            }
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let generated = method_name(id);
            if let Some((name, (bound_path, bound_method))) =
                matches.iter().find(|(name, _)| **name == generated)
            {
                return Err(SpecError::new(
                    file,
                    pointer::push(&pointer::push("/paths", path), method),
                    format!(
                        "operation {} would be generated as `{generated}`, the facade's name for {name} ({} {bound_path})",
                        describe(operation, method, path),
                        bound_method.to_ascii_uppercase(),
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Copies the JSON request body schema to `<Name>Request`.
fn canonical_request_body(
    doc: &mut Value,
    binding: &Binding,
    path: &str,
    method: &str,
    at: &str,
    file: &Path,
) -> Result<(), SpecError> {
    let operation = &doc["paths"][path][method];
    let body = match operation.get("requestBody") {
        Some(body) => resolve(doc, body).cloned(),
        None => None,
    };
    let json_media = body.as_ref().and_then(json_media_type);
    let (Some(mut body), Some(media)) = (body, json_media) else {
        if binding.request_body {
            return Err(SpecError::new(
                file,
                at,
                format!(
                    "{} has no JSON request body, which the facade's {} sends",
                    describe(operation, method, path),
                    binding.name
                ),
            ));
        }
        return Ok(());
    };
    let Some(schema) = body["content"][media.as_str()].get("schema").cloned() else {
        return Ok(());
    };
    let name = binding.request_schema();
    add_schema(doc, &name, &schema, at, file)?;
    body["content"][media.as_str()]["schema"] = schema_ref(&name);
    doc["paths"][path][method]["requestBody"] = body;
    Ok(())
}

/// Copies the success body schema to `<Name>Result` when every 2xx response
/// carries the same JSON schema (otherwise the fix-ups make them raw bytes).
fn canonical_response_body(
    doc: &mut Value,
    binding: &Binding,
    path: &str,
    method: &str,
    at: &str,
    file: &Path,
) -> Result<(), SpecError> {
    let Some(success) = single_success_schema(doc, path, method) else {
        if binding.typed_result {
            return Err(SpecError::new(
                file,
                at,
                format!(
                    "{} does not answer every success with one JSON schema, which the facade's {} reads",
                    describe(&doc["paths"][path][method], method, path),
                    binding.name
                ),
            ));
        }
        return Ok(());
    };
    let (first, success) = success;
    let name = binding.response_schema();
    add_schema(doc, &name, &first, at, file)?;
    for (status, mut response, media) in success {
        response["content"][media.as_str()]["schema"] = schema_ref(&name);
        doc["paths"][path][method]["responses"][status.as_str()] = response;
    }
    Ok(())
}

/// `(status, response resolved, its JSON media type)` for each 2xx answer.
type SuccessResponses = Vec<(String, Value, String)>;

/// Every 2xx response with its JSON media type, and their one schema;
/// `None` when one has no JSON body or two schemas differ.
fn single_success_schema(
    doc: &Value,
    path: &str,
    method: &str,
) -> Option<(Value, SuccessResponses)> {
    let responses = doc["paths"][path][method].get("responses")?.as_object()?;
    let mut success = Vec::new();
    let mut schema: Option<&Value> = None;
    for (status, response) in responses {
        if !status.starts_with('2') {
            continue;
        }
        let response = resolve(doc, response)?;
        let media = json_media_type(response)?;
        let this = response["content"][media.as_str()].get("schema")?;
        if schema.is_some_and(|s| s != this) {
            return None;
        }
        schema = Some(this);
        success.push((status.clone(), response.clone(), media));
    }
    Some((schema?.clone(), success))
}

/// Adds `components/schemas/<name>`: a copy of what `schema` is (the target
/// of a `$ref`, or the inline schema itself).
fn add_schema(
    doc: &mut Value,
    name: &str,
    schema: &Value,
    at: &str,
    file: &Path,
) -> Result<(), SpecError> {
    let copy = resolve(doc, schema)
        .cloned()
        .unwrap_or_else(|| schema.clone());
    let Some(schemas) = components(doc)
        .entry("schemas")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    else {
        return Err(SpecError::new(
            file,
            "/components/schemas",
            "components.schemas must be an object",
        ));
    };
    let type_name = name.to_pascal_case();
    if let Some(existing) = schemas.keys().find(|k| k.to_pascal_case() == type_name) {
        return Err(SpecError::new(
            file,
            at,
            format!(
                "the spec already has a schema {existing:?}, the facade's canonical name for this operation's body ({name})"
            ),
        ));
    }
    schemas.insert(name.to_string(), copy);
    Ok(())
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{}", pointer::escape(name)) })
}

/// The JSON media type of a request body or response, if it has one.
fn json_media_type(body: &Value) -> Option<String> {
    body.get("content")
        .and_then(Value::as_object)?
        .keys()
        .find(|m| m.starts_with("application/json"))
        .cloned()
}

/// Follows local `$ref`s (a few hops at most); `None` for a dangling one.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> Option<&'a Value> {
    let mut current = value;
    for _ in 0..8 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => current = doc.pointer(reference.strip_prefix('#')?)?,
            None => return Some(current),
        }
    }
    None
}

/// Property names of the operation's JSON request body, through `$ref`s
/// and `allOf`.
fn request_properties(doc: &Value, path: &str, method: &str) -> Vec<String> {
    let Some(body) = doc["paths"][path][method]
        .get("requestBody")
        .and_then(|b| resolve(doc, b))
    else {
        return Vec::new();
    };
    let Some(media) = json_media_type(body) else {
        return Vec::new();
    };
    let mut names = Vec::new();
    if let Some(schema) = body["content"][media.as_str()].get("schema") {
        collect_properties(doc, schema, &mut names, 0);
    }
    names
}

fn collect_properties(doc: &Value, schema: &Value, names: &mut Vec<String>, depth: usize) {
    if depth > 16 {
        return;
    }
    let Some(schema) = resolve(doc, schema).and_then(Value::as_object) else {
        return;
    };
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        names.extend(properties.keys().cloned());
    }
    for parent in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_properties(doc, parent, names, depth + 1);
    }
}

/// The document's components (made empty where there are none).
fn components(doc: &mut Value) -> &mut Map<String, Value> {
    if !doc.get("components").is_some_and(Value::is_object) {
        doc["components"] = json!({});
    }
    doc["components"]
        .as_object_mut()
        .expect("just made an object")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_body() -> Value {
        json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    }

    /// A small ACS-like document with upstream names changed the way
    /// TypeSpec conversions change them.
    fn renamed_acs() -> Value {
        json!({
            "openapi": "3.0.3",
            "paths": {
                "/identities": {"post": {
                    "operationId": "Identity_CreateIt",
                    "parameters": [{"$ref": "#/components/parameters/Azure.Core.Foundations.ApiVersionParameter"}],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateReq"}}}},
                    "responses": {"201": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Created"}}}},
                                  "default": error_body()}
                }},
                "/identities/{identityId}": {
                    "delete": {
                        "operationId": "Identity_Remove",
                        "parameters": [{"$ref": "#/components/parameters/IdentityId"},
                                       {"$ref": "#/components/parameters/Azure.Core.Foundations.ApiVersionParameter"}],
                        "responses": {"204": {"description": ""}, "default": error_body()}
                    },
                    "patch": {
                        "operationId": "Identity_Patch",
                        "parameters": [{"name": "identityId", "in": "path", "required": true, "schema": {"type": "string"}}],
                        "responses": {"204": {"description": ""}}
                    }
                },
                "/access/teamsExtension/tenants/{tid}/assignments/{oid}": {"put": {
                    "operationId": "Assignments_Put",
                    "parameters": [{"name": "tid", "in": "path", "required": true, "schema": {"type": "string"}},
                                   {"name": "oid", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {"principalType": {"type": "string"}}}}}},
                    "responses": {
                        "200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Assignment"}}}},
                        "201": {"$ref": "#/components/responses/AssignmentCreated"}
                    }
                }}
            },
            "components": {
                "parameters": {
                    "IdentityId": {"name": "identityId", "in": "path", "required": true, "schema": {"type": "string"}},
                    "Azure.Core.Foundations.ApiVersionParameter": {"name": "api-version", "in": "query", "required": true, "schema": {"type": "string"}}
                },
                "responses": {
                    "AssignmentCreated": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Assignment"}}}}
                },
                "schemas": {
                    "CreateReq": {"type": "object", "properties": {"customId": {"type": "string"}, "expiresInMinutes": {"type": "integer"}}},
                    "Created": {"type": "object", "properties": {"identity": {"type": "object"}}},
                    "Assignment": {"type": "object", "properties": {"objectId": {"type": "string"}}},
                    "Error": {"type": "object"}
                }
            }
        })
    }

    fn bound(doc: &mut Value) -> Result<Vec<String>, SpecError> {
        bind(doc, "acs_identity", Path::new("spec.json"))
    }

    #[test]
    fn renamed_operations_get_their_canonical_names() {
        let mut doc = renamed_acs();
        let bound = bound(&mut doc).unwrap();
        assert_eq!(
            bound,
            [
                "create_identity",
                "create_identity.customId",
                "delete_identity",
                "upsert_teams_extension_assignment"
            ]
        );
        let paths = &doc["paths"];
        assert_eq!(
            paths["/identities"]["post"]["operationId"],
            "create_identity"
        );
        assert_eq!(
            paths["/identities/{id}"]["delete"]["operationId"],
            "delete_identity"
        );
        // Unbound operations keep their names, even on a renamed path.
        assert_eq!(
            paths["/identities/{id}"]["patch"]["operationId"],
            "Identity_Patch"
        );
        assert!(paths.get("/identities/{identityId}").is_none());
        assert_eq!(
            paths["/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}"]["put"]["operationId"],
            "upsert_teams_extension_assignment"
        );
    }

    #[test]
    fn path_parameters_are_renamed_by_position_refs_inlined_and_shared_ones_kept() {
        let mut doc = renamed_acs();
        bound(&mut doc).unwrap();
        let delete = &doc["paths"]["/identities/{id}"]["delete"]["parameters"];
        assert_eq!(
            delete[0],
            json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})
        );
        // Not a path parameter: the reference stays.
        assert_eq!(
            delete[1]["$ref"],
            "#/components/parameters/Azure.Core.Foundations.ApiVersionParameter"
        );
        assert_eq!(
            doc["components"]["parameters"]["IdentityId"]["name"],
            "identityId"
        );
        assert_eq!(
            doc["paths"]["/identities/{id}"]["patch"]["parameters"][0]["name"],
            "id"
        );
        let put = &doc["paths"]["/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}"]
            ["put"];
        assert_eq!(put["parameters"][0]["name"], "tenantId");
        assert_eq!(put["parameters"][1]["name"], "objectId");
    }

    #[test]
    fn bodies_are_copied_under_canonical_names_leaving_the_originals() {
        let mut doc = renamed_acs();
        bound(&mut doc).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["CreateIdentityRequest"], schemas["CreateReq"]);
        assert_eq!(schemas["CreateIdentityResult"], schemas["Created"]);
        let post = &doc["paths"]["/identities"]["post"];
        assert_eq!(
            post["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/CreateIdentityRequest"
        );
        assert_eq!(
            post["responses"]["201"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/CreateIdentityResult"
        );
        // An inline request body is moved in; both 2xx answers (one through
        // a shared response) point at one copy.
        let put = &doc["paths"]["/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}"]
            ["put"];
        assert_eq!(
            schemas["UpsertTeamsExtensionAssignmentRequest"]["properties"]["principalType"],
            json!({"type": "string"})
        );
        for status in ["200", "201"] {
            assert_eq!(
                put["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/UpsertTeamsExtensionAssignmentResult"
            );
        }
        assert!(doc["components"]["responses"]["AssignmentCreated"].is_object());
    }

    #[test]
    fn different_success_bodies_are_left_for_the_fixups() {
        let mut doc = renamed_acs();
        doc["paths"]["/identities"]["post"]["responses"]["200"] = json!({"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Assignment"}}}});
        bound(&mut doc).unwrap();
        assert!(
            doc["components"]["schemas"]
                .get("CreateIdentityResult")
                .is_none()
        );
    }

    #[test]
    fn two_operations_matching_one_binding_fail_naming_both() {
        let mut doc = renamed_acs();
        doc["paths"]["/Identities"] =
            json!({"post": {"operationId": "Other_Create", "responses": {}}});
        let err = bound(&mut doc).unwrap_err();
        assert!(err.message.contains("Other_Create"), "{err}");
        assert!(err.message.contains("Identity_CreateIt"), "{err}");
        assert!(err.message.contains("create_identity"), "{err}");
        assert_eq!(err.file, Path::new("spec.json"));
    }

    #[test]
    fn an_unbound_operation_taking_a_canonical_name_fails() {
        let mut doc = renamed_acs();
        doc["paths"]["/other"] = json!({"get": {"operationId": "CreateIdentity", "responses": {}}});
        let err = bound(&mut doc).unwrap_err();
        assert!(err.message.contains("CreateIdentity (GET /other)"), "{err}");
        assert_eq!(err.pointer, "/paths/~1other/get");
    }

    #[test]
    fn a_canonical_schema_name_the_spec_uses_fails() {
        let mut doc = renamed_acs();
        doc["components"]["schemas"]["create_identity_request"] = json!({"type": "object"});
        let err = bound(&mut doc).unwrap_err();
        assert!(err.message.contains("create_identity_request"), "{err}");
    }

    #[test]
    fn a_missing_request_body_the_facade_sends_fails() {
        let mut doc = renamed_acs();
        doc["paths"]["/identities"]["post"]
            .as_object_mut()
            .unwrap()
            .remove("requestBody");
        let err = bound(&mut doc).unwrap_err();
        assert!(err.message.contains("no JSON request body"), "{err}");
    }

    #[test]
    fn two_paths_of_one_template_fail() {
        let mut doc = renamed_acs();
        doc["paths"]["/identities/{id}"] = json!({"get": {"operationId": "Get", "responses": {}}});
        let err = bound(&mut doc).unwrap_err();
        assert!(err.message.contains("same template"), "{err}");
    }

    #[test]
    fn other_modules_and_absent_operations_are_left_alone() {
        let mut doc = renamed_acs();
        let before = doc.clone();
        assert!(bind(&mut doc, "other", Path::new("x")).unwrap().is_empty());
        assert_eq!(doc, before);
        let mut doc = json!({"paths": {}});
        assert!(bound(&mut doc).unwrap().is_empty());
    }

    #[test]
    fn path_level_parameters_are_renamed_too() {
        let mut doc = renamed_acs();
        let item = doc["paths"]["/identities/{identityId}"]
            .as_object_mut()
            .unwrap();
        item.insert(
            "parameters".into(),
            json!([{"$ref": "#/components/parameters/IdentityId"}]),
        );
        bound(&mut doc).unwrap();
        assert_eq!(
            doc["paths"]["/identities/{id}"]["parameters"][0]["name"],
            "id"
        );
    }

    #[test]
    fn parameter_names_are_replaced_in_order() {
        assert_eq!(
            with_parameter_names("/a/{x}/b{y}/:c", &["p".into(), "q".into()]),
            "/a/{p}/b{q}/:c"
        );
    }
}
