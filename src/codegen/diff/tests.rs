//! The diff engine on small inline documents.

use serde_json::{Value, json};

use super::report::{Change, ChangeKind, ModuleDiff, Side, SpecDiff};
use super::{diff_documents, text};
use ChangeKind::*;

/// An OpenAPI 3.0 document with `paths` and `schemas`.
pub(super) fn doc(version: &str, paths: Value, schemas: Value) -> Value {
    json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": version},
        "servers": [{"url": "{endpoint}"}],
        "paths": paths,
        "components": {"schemas": schemas}
    })
}

/// `POST /things` taking `body` and answering 200 with `response`.
pub(super) fn post(body: Value, response: Value) -> Value {
    json!({"/things": {"post": {
        "operationId": "Things_Create",
        "requestBody": {"required": true, "content": {"application/json": {"schema": body}}},
        "responses": {
            "200": {"description": "ok", "content": {"application/json": {"schema": response}}},
            "default": {"description": "error"}
        }
    }}})
}

/// `GET /things/{id}` with `parameters`.
pub(super) fn get(parameters: Value) -> Value {
    json!({"/things/{id}": {"get": {
        "operationId": "Things_Get",
        "parameters": parameters,
        "responses": {"204": {"description": "none"}}
    }}})
}

pub(super) fn id_param() -> Value {
    json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}})
}

/// (kind, breaking, location, schema path) of each change.
pub(super) fn summary(changes: &[Change]) -> Vec<(ChangeKind, bool, String, String)> {
    changes
        .iter()
        .map(|c| {
            (
                c.kind,
                c.breaking,
                c.location.clone(),
                c.schema_path.clone(),
            )
        })
        .collect()
}

pub(super) fn one(
    kind: ChangeKind,
    breaking: bool,
    location: &str,
    path: &str,
) -> Vec<(ChangeKind, bool, String, String)> {
    vec![(kind, breaking, location.to_string(), path.to_string())]
}

pub(super) fn object(properties: Value, required: &[&str]) -> Value {
    json!({"type": "object", "properties": properties, "required": required})
}

#[test]
fn identical_documents_have_no_changes() {
    let d = doc(
        "2024-01-01",
        post(
            json!({"$ref": "#/components/schemas/A"}),
            json!({"type": "string"}),
        ),
        json!({"A": object(json!({"x": {"type": "string"}}), &["x"])}),
    );
    assert_eq!(diff_documents(&d, &d), vec![]);
}

#[test]
fn the_api_version_change_is_reported_and_not_breaking() {
    let old = doc("2023-10-01", json!({}), json!({}));
    let new = doc("2025-06-30", json!({}), json!({}));
    let changes = diff_documents(&old, &new);
    assert_eq!(summary(&changes), one(ApiVersionChanged, false, "", ""));
    assert_eq!(changes[0].old, Some(json!("2023-10-01")));
    assert_eq!(changes[0].new, Some(json!("2025-06-30")));
    assert!(changes[0].operation.is_none());
}

#[test]
fn added_and_removed_operations_carry_method_and_path() {
    let a = doc("v", get(json!([id_param()])), json!({}));
    let b = doc(
        "v",
        post(json!({"type": "string"}), json!({"type": "string"})),
        json!({}),
    );
    let changes = diff_documents(&a, &b);
    assert_eq!(changes.len(), 2);
    let added = &changes[0];
    assert_eq!((added.kind, added.breaking), (OperationAdded, false));
    let op = added.operation.as_ref().unwrap();
    assert_eq!(
        (op.id.as_str(), op.method.as_str(), op.path.as_str()),
        ("Things_Create", "POST", "/things")
    );
    let removed = &changes[1];
    assert_eq!((removed.kind, removed.breaking), (OperationRemoved, true));
    assert_eq!(
        removed.operation.as_ref().unwrap().endpoint(),
        "GET /things/{id}"
    );
}

#[test]
fn moved_and_renamed_operations_are_recognised() {
    let old = doc("v", get(json!([id_param()])), json!({}));
    let mut moved = old.clone();
    let item = moved["paths"]["/things/{id}"].take();
    moved["paths"] = json!({"/items/{id}": item});
    let changes = diff_documents(&old, &moved);
    assert_eq!(summary(&changes), one(OperationMoved, true, "", ""));
    assert_eq!(changes[0].old, Some(json!("GET /things/{id}")));
    assert_eq!(changes[0].new, Some(json!("GET /items/{id}")));

    let mut renamed = old.clone();
    renamed["paths"]["/things/{id}"]["get"]["operationId"] = json!("Things_Read");
    let changes = diff_documents(&old, &renamed);
    // Not breaking: the build binds operations by method and path.
    assert_eq!(summary(&changes), one(OperationRenamed, false, "", ""));
    assert_eq!(changes[0].operation.as_ref().unwrap().id, "Things_Read");
    assert_eq!(changes[0].old, Some(json!("Things_Get")));
    assert!(
        changes[0].message.contains("nothing else changed"),
        "{}",
        changes[0].message
    );
}

#[test]
fn parameters_added_removed_and_required() {
    let old = doc(
        "v",
        get(json!([id_param(), {"name": "a", "in": "query", "schema": {"type": "string"}}])),
        json!({}),
    );
    let new = doc(
        "v",
        get(json!([
            id_param(),
            {"name": "a", "in": "query", "required": true, "schema": {"type": "string"}},
            {"name": "b", "in": "query", "schema": {"type": "string"}},
            {"name": "c", "in": "header", "required": true, "schema": {"type": "string"}}
        ])),
        json!({}),
    );
    assert_eq!(
        summary(&diff_documents(&old, &new)),
        vec![
            (
                ParameterBecameRequired,
                true,
                "parameter query a".into(),
                "".into()
            ),
            (ParameterAdded, false, "parameter query b".into(), "".into()),
            (ParameterAdded, true, "parameter header c".into(), "".into()),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&new, &old)),
        vec![
            (
                ParameterBecameOptional,
                false,
                "parameter query a".into(),
                "".into()
            ),
            (
                ParameterRemoved,
                true,
                "parameter query b".into(),
                "".into()
            ),
            (
                ParameterRemoved,
                true,
                "parameter header c".into(),
                "".into()
            ),
        ]
    );
}

#[test]
fn parameters_behind_refs_and_path_level_ones_are_compared() {
    let mut old = doc(
        "v",
        get(json!([{"$ref": "#/components/parameters/Id"}])),
        json!({}),
    );
    old["components"]["parameters"] = json!({"Id": id_param()});
    let mut new = doc(
        "v",
        json!({"/things/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 10}}],
            "get": {"operationId": "Things_Get", "responses": {"204": {"description": ""}}}
        }}),
        json!({}),
    );
    new["components"]["parameters"] = json!({});
    let changes = diff_documents(&old, &new);
    assert_eq!(
        summary(&changes),
        one(ConstraintChanged, true, "parameter path id", "")
    );
    assert_eq!(changes[0].constraint.as_deref(), Some("maxLength"));
    assert_eq!(changes[0].new, Some(json!(10)));
}

#[test]
fn a_parameter_moved_to_another_location_is_one_change() {
    let old = doc(
        "v",
        get(json!([id_param(), {"name": "x", "in": "query", "schema": {"type": "string"}}])),
        json!({}),
    );
    let new = doc(
        "v",
        get(json!([id_param(), {"name": "x", "in": "header", "schema": {"type": "string"}}])),
        json!({}),
    );
    let changes = diff_documents(&old, &new);
    assert_eq!(
        summary(&changes),
        one(ParameterLocationChanged, true, "parameter header x", "")
    );
    assert_eq!(changes[0].old, Some(json!("query")));
}

#[test]
fn parameter_constraints_narrowed_widened_and_changed() {
    let param = |schema: Value| {
        doc(
            "v",
            get(json!([id_param(), {"name": "n", "in": "query", "schema": schema}])),
            json!({}),
        )
    };
    let old =
        param(json!({"type": "string", "minLength": 1, "maxLength": 80, "pattern": "^[a-z]+$"}));
    let new =
        param(json!({"type": "string", "minLength": 0, "maxLength": 50, "pattern": "^[a-z0-9]+$"}));
    let changes = diff_documents(&old, &new);
    let found: Vec<(Option<&str>, bool)> = changes
        .iter()
        .map(|c| (c.constraint.as_deref(), c.breaking))
        .collect();
    assert_eq!(
        found,
        [
            (Some("pattern"), true),
            (Some("minLength"), false),
            (Some("maxLength"), true)
        ]
    );
    assert!(
        changes
            .iter()
            .all(|c| c.kind == ConstraintChanged && c.location == "parameter query n")
    );
    assert!(
        changes[2].message.contains("80 → 50 (narrowed)"),
        "{}",
        changes[2].message
    );
}

#[test]
fn the_api_version_parameter_schema_is_not_compared_per_operation() {
    let param = |schema: Value| {
        doc(
            "v",
            get(
                json!([id_param(), {"name": "api-version", "in": "query", "required": true, "schema": schema}]),
            ),
            json!({}),
        )
    };
    let old = param(json!({"type": "string", "enum": ["2023-10-01"]}));
    let new = param(json!({"type": "string", "enum": ["2025-06-30"], "minLength": 1}));
    assert_eq!(diff_documents(&old, &new), vec![]);
}

#[test]
fn request_properties_break_when_required_and_response_ones_when_removed() {
    let schemas = |required: &[&str], extra: bool| {
        let mut properties = json!({"keep": {"type": "string"}});
        if extra {
            properties["extra"] = json!({"type": "string"});
        }
        json!({"Req": object(properties.clone(), required), "Res": object(properties, &[])})
    };
    let op = post(
        json!({"$ref": "#/components/schemas/Req"}),
        json!({"$ref": "#/components/schemas/Res"}),
    );
    let old = doc("v", op.clone(), schemas(&[], false));
    let optional = doc("v", op.clone(), schemas(&[], true));
    let required = doc("v", op, schemas(&["extra"], true));
    assert_eq!(
        summary(&diff_documents(&old, &optional)),
        vec![
            (PropertyAdded, false, "request body".into(), ".extra".into()),
            (
                PropertyAdded,
                false,
                "response 200 body".into(),
                ".extra".into()
            ),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&old, &required)),
        vec![
            (PropertyAdded, true, "request body".into(), ".extra".into()),
            (
                PropertyAdded,
                false,
                "response 200 body".into(),
                ".extra".into()
            ),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&optional, &old)),
        vec![
            (
                PropertyRemoved,
                true,
                "request body".into(),
                ".extra".into()
            ),
            (
                PropertyRemoved,
                true,
                "response 200 body".into(),
                ".extra".into()
            ),
        ]
    );
}

#[test]
fn required_flips_break_by_direction() {
    let op = post(
        json!({"$ref": "#/components/schemas/M"}),
        json!({"$ref": "#/components/schemas/M"}),
    );
    let old = doc(
        "v",
        op.clone(),
        json!({"M": object(json!({"a": {"type": "string"}}), &[])}),
    );
    let new = doc(
        "v",
        op,
        json!({"M": object(json!({"a": {"type": "string"}}), &["a"])}),
    );
    assert_eq!(
        summary(&diff_documents(&old, &new)),
        vec![
            (
                PropertyBecameRequired,
                true,
                "request body".into(),
                ".a".into()
            ),
            (
                PropertyBecameRequired,
                false,
                "response 200 body".into(),
                ".a".into()
            ),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&new, &old)),
        vec![
            (
                PropertyBecameOptional,
                false,
                "request body".into(),
                ".a".into()
            ),
            (
                PropertyBecameOptional,
                true,
                "response 200 body".into(),
                ".a".into()
            ),
        ]
    );
}

#[test]
fn read_only_properties_never_travel_in_requests() {
    let op = post(
        json!({"$ref": "#/components/schemas/M"}),
        json!({"type": "string"}),
    );
    let old = doc("v", op.clone(), json!({"M": object(json!({}), &[])}));
    let new = doc(
        "v",
        op,
        json!({"M": object(json!({"created": {"type": "string", "readOnly": true}}), &["created"])}),
    );
    assert_eq!(diff_documents(&old, &new), vec![]);
}

#[test]
fn enum_values_break_by_direction_and_openness() {
    let scope = |values: Value, open: bool| json!({"Scope": {"type": "string", "enum": values, "x-ms-enum": {"name": "Scope", "modelAsString": open}}});
    let op = post(
        json!({"type": "array", "items": {"$ref": "#/components/schemas/Scope"}}),
        json!({"type": "object", "properties": {"scope": {"$ref": "#/components/schemas/Scope"}}}),
    );
    let old = doc("v", op.clone(), scope(json!(["chat", "voip"]), false));
    let added_closed = doc("v", op.clone(), scope(json!(["chat", "voip", "x"]), false));
    let added_open = doc("v", op.clone(), scope(json!(["chat", "voip", "x"]), true));
    let removed = doc("v", op, scope(json!(["chat"]), false));
    assert_eq!(
        summary(&diff_documents(&old, &added_closed)),
        vec![
            (EnumValueAdded, false, "request body".into(), "[]".into()),
            (
                EnumValueAdded,
                true,
                "response 200 body".into(),
                ".scope".into()
            ),
        ]
    );
    let open = diff_documents(&old, &added_open);
    assert_eq!(
        summary(&open),
        vec![
            (EnumValueAdded, false, "request body".into(), "[]".into()),
            (
                EnumExtensibilityChanged,
                false,
                "request body".into(),
                "[]".into()
            ),
            (
                EnumValueAdded,
                false,
                "response 200 body".into(),
                ".scope".into()
            ),
            (
                EnumExtensibilityChanged,
                true,
                "response 200 body".into(),
                ".scope".into()
            ),
        ]
    );
    assert_eq!(open[0].new, Some(json!("x")));
    assert_eq!(
        summary(&diff_documents(&old, &removed)),
        vec![
            (EnumValueRemoved, true, "request body".into(), "[]".into()),
            (
                EnumValueRemoved,
                false,
                "response 200 body".into(),
                ".scope".into()
            ),
        ]
    );
}

#[test]
fn type_and_format_changes_break_and_stop_the_descent() {
    let op = |schema: Value| doc("v", post(json!({"type": "string"}), schema), json!({}));
    let old = op(
        json!({"type": "object", "properties": {"n": {"type": "integer", "format": "int32"}, "o": {"type": "object", "properties": {"x": {"type": "string"}}}}}),
    );
    let new = op(
        json!({"type": "object", "properties": {"n": {"type": "integer", "format": "int64"}, "o": {"type": "array", "items": {"type": "string"}}}}),
    );
    let changes = diff_documents(&old, &new);
    assert_eq!(
        summary(&changes),
        vec![
            (FormatChanged, true, "response 200 body".into(), ".n".into()),
            (TypeChanged, true, "response 200 body".into(), ".o".into()),
        ]
    );
    assert_eq!(changes[1].old, Some(json!("object")));
    assert_eq!(changes[1].new, Some(json!("array")));
}

#[test]
fn dropping_a_format_widens_and_adding_one_narrows() {
    let param = |schema: Value| {
        doc(
            "v",
            get(json!([id_param(), {"name": "s", "in": "query", "schema": schema}])),
            json!({}),
        )
    };
    let uuid = param(json!({"type": "string", "format": "uuid"}));
    let plain = param(json!({"type": "string"}));
    let breaking = |old: &Value, new: &Value| {
        let changes = diff_documents(old, new);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, FormatChanged);
        changes[0].breaking
    };
    assert!(!breaking(&uuid, &plain), "any string is now accepted");
    assert!(breaking(&plain, &uuid), "only uuids are accepted now");
}

#[test]
fn models_compare_by_structure_not_by_name() {
    let error_body = |name: &str| {
        let mut op = post(json!({"type": "string"}), json!({"type": "string"}));
        op["/things"]["post"]["responses"]["default"]["content"] = json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}});
        op
    };
    let old = doc(
        "v",
        error_body("ErrorResponse"),
        json!({"ErrorResponse": object(json!({"code": {"type": "string"}, "message": {"type": "string"}}), &["code"])}),
    );
    // Renamed, and split into a base and a derived model through allOf.
    let new = doc(
        "v",
        error_body("ErrorResponseTypesV5"),
        json!({
            "Base": object(json!({"code": {"type": "string"}}), &["code"]),
            "ErrorResponseTypesV5": {"allOf": [{"$ref": "#/components/schemas/Base"}],
                "properties": {"message": {"type": "string"}}}
        }),
    );
    assert_eq!(diff_documents(&old, &new), vec![]);
}

#[test]
fn a_ref_with_siblings_wrapped_in_all_of_is_the_same_schema() {
    let schemas = json!({"Id": {"type": "string", "format": "uuid"}});
    let old = doc(
        "v",
        post(
            json!({"type": "string"}),
            json!({"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}}),
        ),
        schemas.clone(),
    );
    let new = doc(
        "v",
        post(
            json!({"type": "string"}),
            json!({"type": "object", "properties": {"id": {"allOf": [{"$ref": "#/components/schemas/Id"}], "description": "the id"}}}),
        ),
        schemas,
    );
    assert_eq!(diff_documents(&old, &new), vec![]);
}

#[test]
fn recursive_models_terminate_and_report_once() {
    let node = |leaf: &str| {
        json!({"Node": {"type": "object", "properties": {
            "name": {"type": leaf},
            "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
            "parent": {"$ref": "#/components/schemas/Node"}
        }}})
    };
    let op = post(
        json!({"type": "string"}),
        json!({"$ref": "#/components/schemas/Node"}),
    );
    let old = doc("v", op.clone(), node("string"));
    let new = doc("v", op, node("integer"));
    assert_eq!(
        summary(&diff_documents(&old, &new)),
        one(TypeChanged, true, "response 200 body", ".name")
    );
    // A cycle through allOf terminates too.
    let cyclic = json!({"A": {"allOf": [{"$ref": "#/components/schemas/B"}]}, "B": {"allOf": [{"$ref": "#/components/schemas/A"}]}});
    let d = doc(
        "v",
        post(
            json!({"type": "string"}),
            json!({"$ref": "#/components/schemas/A"}),
        ),
        cyclic,
    );
    assert_eq!(diff_documents(&d, &d), vec![]);
}

#[test]
fn status_codes_bodies_and_headers() {
    let op = |responses: Value| {
        doc(
            "v",
            json!({"/x": {"delete": {"operationId": "X_Delete", "responses": responses}}}),
            json!({}),
        )
    };
    let old = op(json!({
        "200": {"description": "", "content": {"application/json": {"schema": {"type": "string"}}},
                "headers": {"ETag": {"schema": {"type": "string"}}}},
        "default": {"description": ""}
    }));
    let new = op(json!({
        "200": {"description": "", "headers": {"Location": {"schema": {"type": "string"}}}},
        "202": {"description": ""},
        "404": {"description": ""}
    }));
    assert_eq!(
        summary(&diff_documents(&old, &new)),
        vec![
            (
                ResponseBodyRemoved,
                true,
                "response 200 body".into(),
                "".into()
            ),
            (
                ResponseHeaderRemoved,
                true,
                "response 200 header etag".into(),
                "".into()
            ),
            (
                ResponseHeaderAdded,
                false,
                "response 200 header location".into(),
                "".into()
            ),
            (ResponseAdded, true, "response 202".into(), "".into()),
            (ResponseAdded, false, "response 404".into(), "".into()),
            (ResponseRemoved, false, "response default".into(), "".into()),
        ]
    );
}

#[test]
fn request_bodies_added_removed_and_required() {
    let op = |body: Option<Value>| {
        let mut d = doc("v", get(json!([id_param()])), json!({}));
        if let Some(body) = body {
            d["paths"]["/things/{id}"]["get"]["requestBody"] = body;
        }
        d
    };
    let none = op(None);
    let optional = op(Some(
        json!({"content": {"application/json": {"schema": {"type": "object"}}}}),
    ));
    let required = op(Some(
        json!({"required": true, "content": {"application/json": {"schema": {"type": "object"}}}}),
    ));
    assert_eq!(
        summary(&diff_documents(&none, &optional)),
        one(RequestBodyAdded, false, "request body", "")
    );
    assert_eq!(
        summary(&diff_documents(&none, &required)),
        one(RequestBodyAdded, true, "request body", "")
    );
    assert_eq!(
        summary(&diff_documents(&optional, &required)),
        one(RequestBodyBecameRequired, true, "request body", "")
    );
    assert_eq!(
        summary(&diff_documents(&required, &none)),
        one(RequestBodyRemoved, true, "request body", "")
    );
}

#[test]
fn nullable_and_response_constraints_break_when_widened() {
    let op = |schema: Value| doc("v", post(json!({"type": "string"}), schema), json!({}));
    let old = op(json!({"type": "string", "maxLength": 10}));
    let new = op(json!({"type": "string", "maxLength": 20, "nullable": true}));
    assert_eq!(
        summary(&diff_documents(&old, &new)),
        vec![
            (NullableChanged, true, "response 200 body".into(), "".into()),
            (
                ConstraintChanged,
                true,
                "response 200 body".into(),
                "".into()
            ),
        ]
    );
    assert_eq!(
        summary(&diff_documents(&new, &old)),
        vec![
            (
                NullableChanged,
                false,
                "response 200 body".into(),
                "".into()
            ),
            (
                ConstraintChanged,
                false,
                "response 200 body".into(),
                "".into()
            ),
        ]
    );
}

#[test]
fn a_whole_enum_appearing_is_a_constraint() {
    let op = |schema: Value| doc("v", post(schema, json!({"type": "string"})), json!({}));
    let changes = diff_documents(
        &op(json!({"type": "string"})),
        &op(json!({"type": "string", "enum": ["a"]})),
    );
    assert_eq!(
        summary(&changes),
        one(ConstraintChanged, true, "request body", "")
    );
    assert_eq!(changes[0].constraint.as_deref(), Some("enum"));
}

#[test]
fn servers_and_security() {
    let old = json!({"openapi": "3.0.3", "info": {"version": "v"}, "servers": [{"url": "https://a"}],
        "security": [{"oauth": ["x"]}, {"key": []}], "paths": {}});
    let mut new = old.clone();
    new["servers"] = json!([{"url": "https://b"}]);
    new["security"] = json!([{"oauth": ["x"]}]);
    assert_eq!(
        summary(&diff_documents(&old, &new)),
        vec![
            (ServersChanged, true, "".into(), "".into()),
            (SecurityChanged, true, "".into(), "".into()),
        ]
    );
    // Scheme descriptions (and scope descriptions) are documentation.
    let schemes = |description: &str, scopes: Value| {
        let mut d = old.clone();
        d["components"] = json!({"securitySchemes": {"oauth": {"type": "oauth2", "description": description,
            "flows": {"implicit": {"authorizationUrl": "https://login", "scopes": scopes}}}}});
        d
    };
    let a = schemes("one", json!({"x": "act as you"}));
    assert_eq!(
        diff_documents(&a, &schemes("two", json!({"x": "impersonate"}))),
        vec![]
    );
    let changes = diff_documents(&a, &schemes("one", json!({"y": ""})));
    assert_eq!(
        summary(&changes),
        one(SecurityChanged, false, "security schemes", "")
    );
    assert_eq!(changes[0].message, "oauth changed");
    // Adding an alternative breaks no one.
    assert_eq!(
        summary(&diff_documents(&new, &old))[1],
        (SecurityChanged, false, "".into(), "".into())
    );
}

#[test]
fn swagger_documents_are_compared_after_the_faithful_conversion() {
    let swagger = |nullable: bool, values: Value| {
        json!({"swagger": "2.0", "info": {"title": "t", "version": "1"},
            "paths": {"/t": {"get": {"operationId": "T_Get", "parameters": [
                {"name": "kind", "in": "query", "type": "string", "enum": values,
                 "x-ms-enum": {"name": "Kind", "modelAsString": true}}],
                "responses": {"200": {"description": "", "schema": {"$ref": "#/definitions/T"}}}}}},
            "definitions": {"T": {"properties": {"v": {"type": "string", "x-nullable": nullable}}}}})
    };
    let convert =
        |d: Value| super::super::swagger::to_openapi3(&d, std::path::Path::new("t.json")).unwrap();
    let changes = diff_documents(
        &convert(swagger(false, json!(["a"]))),
        &convert(swagger(true, json!(["a", "b"]))),
    );
    assert_eq!(
        summary(&changes),
        vec![
            (
                EnumValueAdded,
                false,
                "parameter query kind".into(),
                "".into()
            ),
            (
                NullableChanged,
                true,
                "response 200 body".into(),
                ".v".into()
            ),
        ]
    );
}

#[test]
fn the_report_serializes_to_the_documented_json() {
    let old = doc("1", get(json!([id_param()])), json!({}));
    let new = doc("2", json!({}), json!({}));
    let side = |v: &str| Side {
        api_version: v.into(),
        entries: vec![format!("{v}.json")],
    };
    let report = SpecDiff::new(vec![ModuleDiff {
        name: "m".into(),
        old: side("1"),
        new: side("2"),
        changes: diff_documents(&old, &new),
    }]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["summary"], json!({"changes": 2, "breaking": 1}));
    assert_eq!(
        json["modules"][0]["old"],
        json!({"api_version": "1", "entries": ["1.json"]})
    );
    assert_eq!(
        json["modules"][0]["changes"][1],
        json!({"kind": "operation_removed", "breaking": true,
               "operation": {"id": "Things_Get", "method": "GET", "path": "/things/{id}"},
               "location": "", "schema_path": "", "constraint": null, "old": null, "new": null,
               "message": "operation removed"})
    );
    let back: SpecDiff = serde_json::from_value(json).unwrap();
    assert_eq!(back, report);
}

#[test]
fn the_text_report_groups_changes_by_module_and_operation() {
    let old = doc(
        "1",
        post(
            json!({"type": "object", "properties": {"a": {"type": "string", "maxLength": 9}}}),
            json!({"type": "string"}),
        ),
        json!({}),
    );
    let mut new = doc(
        "2",
        post(
            json!({"type": "object", "properties": {"a": {"type": "string", "maxLength": 5}}}),
            json!({"type": "string"}),
        ),
        json!({}),
    );
    new["paths"]["/other"] =
        json!({"get": {"operationId": "Other_Get", "responses": {"204": {"description": ""}}}});
    let side = |v: &str| Side {
        api_version: v.into(),
        entries: vec![],
    };
    let report = SpecDiff::new(vec![ModuleDiff {
        name: "m".into(),
        old: side("1"),
        new: side("2"),
        changes: diff_documents(&old, &new),
    }]);
    assert_eq!(
        text::render(&report),
        "module m (1 → 2): 3 changes, 1 breaking\n\
         \x20 ~ api-version 1 → 2\n\
         \x20 + Other_Get  GET /other\n\
         \x20 Things_Create  POST /things\n\
         \x20   ~ request body .a: maxLength 9 → 5 (narrowed)  [breaking]\n\
         total: 3 changes, 1 breaking\n"
    );
    let empty = SpecDiff::new(vec![ModuleDiff {
        name: "m".into(),
        old: side("1"),
        new: side("1"),
        changes: vec![],
    }]);
    assert_eq!(
        text::render(&empty),
        "module m (1): no differences\ntotal: 0 changes, 0 breaking\n"
    );
}
