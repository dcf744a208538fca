//! Adapts a faithful OpenAPI 3.0 document to what progenitor 0.15 can generate.
//!
//! Each fix-up is a separate function with the reason it exists; they run in
//! [`for_progenitor`]. Lossy on purpose: `specs diff` works on the document
//! before these run.

use std::collections::{BTreeMap, BTreeSet};

use heck::ToSnakeCase;
use serde_json::{Map, Value, json};

use super::schema::VALUE_CONSTRAINTS;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Runs every fix-up.
pub fn for_progenitor(doc: &mut Value) {
    // Schema-level fix-ups go first: the response fix-ups compare schemas.
    for_each_schema(doc, &mut |schema| {
        open_model_as_string_enums(schema);
        drop_closed_additional_properties(schema);
        strip_defaults(schema);
        strip_constraints(schema);
        dates_as_strings(schema);
    });
    for_each_operation(doc, &mut |method, operation| {
        default_response_to_error_ranges(operation);
        one_success_body_type(operation);
        if method == "head" {
            strip_head_bodies(operation);
        }
        single_request_media_type(operation);
        structured_json_body_as_json(operation);
        drop_cookie_parameters(operation);
    });
    unique_operation_ids(doc);
}

/// `default` responses → `4XX` + `5XX`.
///
/// progenitor counts `default` among success responses, so `200` + `default`
/// with two bodies panics (`assertion failed: response_types.len() <= 1`).
/// Azure uses `default` for its error model, which is what 4XX/5XX mean.
pub fn default_response_to_error_ranges(operation: &mut Value) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let Some(default) = responses.remove("default") else {
        return;
    };
    for range in ["4XX", "5XX"] {
        responses
            .entry(range.to_string())
            .or_insert_with(|| default.clone());
    }
}

/// progenitor needs one success type per operation. When 2xx responses
/// disagree (a body on one, none on another, or two different bodies) every
/// 2xx response is made raw bytes, which the facade parses itself; nothing
/// the service can send is rejected.
pub fn one_success_body_type(operation: &mut Value) {
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let success: Vec<String> = responses
        .keys()
        .filter(|status| status.starts_with('2'))
        .cloned()
        .collect();
    let kinds: BTreeSet<String> = success
        .iter()
        .map(|status| body_kind(&responses[status]))
        .collect();
    if kinds.len() <= 1 {
        return;
    }
    for status in success {
        if let Some(response) = responses.get_mut(&status).and_then(Value::as_object_mut) {
            response.insert(
                "content".into(),
                json!({"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}),
            );
        }
    }
}

/// What a response decodes to, for comparing success responses.
fn body_kind(response: &Value) -> String {
    match response.get("content").and_then(Value::as_object) {
        None => "none".into(),
        Some(content) if content.is_empty() => "none".into(),
        Some(content) => match content
            .iter()
            .find(|(media_type, _)| media_type.starts_with("application/json"))
        {
            Some((_, media)) => format!("json:{}", media.get("schema").unwrap_or(&Value::Null)),
            None => "raw".into(),
        },
    }
}

/// HEAD responses have no body; a JSON error schema makes the client try to
/// parse the empty body (`EOF while parsing`).
pub fn strip_head_bodies(operation: &mut Value) {
    if let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    {
        for response in responses.values_mut() {
            if let Some(response) = response.as_object_mut() {
                response.remove("content");
            }
        }
    }
}

/// progenitor errors on more than one request media type: keep JSON if offered.
pub fn single_request_media_type(operation: &mut Value) {
    let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if content.len() <= 1 {
        return;
    }
    let keep = content
        .keys()
        .find(|m| m.starts_with("application/json"))
        .or_else(|| content.keys().next())
        .cloned()
        .unwrap_or_default();
    content.retain(|media_type, _| *media_type == keep);
}

/// A request body whose only media type is a structured-syntax JSON type
/// (`application/merge-patch+json`, RFC 7396, as the 2025-03-02-preview ACS
/// `EntraIdAssignments_Update` uses) becomes `application/json`: progenitor
/// 0.15 accepts only JSON, form, octet-stream and text bodies and fails the
/// whole build with `unexpected content type` otherwise.
///
/// On the wire, the generated method then sends `.json(&body)`: the body's
/// bytes are the same JSON document, but the `Content-Type` header says
/// `application/json`, not `application/merge-patch+json`; a service that
/// insists on the latter answers 415. No facade method uses such an
/// operation; binding one would need its adapter to send the right header.
pub fn structured_json_body_as_json(operation: &mut Value) {
    let Some(content) = operation
        .get_mut("requestBody")
        .and_then(|b| b.get_mut("content"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    if content.len() != 1 {
        return;
    }
    let Some(media_type) = content.keys().next().cloned() else {
        return;
    };
    let essence = media_type.split(';').next().unwrap_or("").trim();
    if !(essence.starts_with("application/") && essence.ends_with("+json")) {
        return;
    }
    if let Some(media) = content.remove(&media_type) {
        content.insert("application/json".into(), media);
    }
}

/// progenitor rejects cookie parameters; Azure specs do not use them.
pub fn drop_cookie_parameters(operation: &mut Value) {
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        parameters.retain(|p| p.get("in").and_then(Value::as_str) != Some("cookie"));
    }
}

/// `x-ms-enum.modelAsString: true` means the service may add values: make it
/// an open type (an untagged enum whose last variant carries unknown strings).
pub fn open_model_as_string_enums(schema: &mut Map<String, Value>) {
    let open = schema
        .get("x-ms-enum")
        .and_then(|e| e.get("modelAsString"))
        .and_then(Value::as_bool)
        == Some(true);
    if !open {
        return;
    }
    let Some(values) = schema.remove("enum") else {
        return;
    };
    let kind = schema.remove("type").unwrap_or_else(|| json!("string"));
    let known = json!({"type": kind, "enum": values});
    let other = json!({"type": kind});
    schema.insert("oneOf".into(), json!([known, other]));
}

/// `additionalProperties: false` becomes `deny_unknown_fields`, and a new
/// property in a response would then fail to parse.
pub fn drop_closed_additional_properties(schema: &mut Map<String, Value>) {
    if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
        schema.remove("additionalProperties");
    }
}

/// typify makes a defaulted field non-optional and sends it on every call
/// (ACS `expiresInMinutes: 1440` would always be sent), and fills missing
/// response fields with the default. The facade owns defaults.
pub fn strip_defaults(schema: &mut Map<String, Value>) {
    schema.remove("default");
}

/// Value constraints ([`VALUE_CONSTRAINTS`]) are kept in the spec for
/// `specs diff` and enforced by the facade; in generated code they make
/// responses brittle (one out-of-range server value fails a whole response)
/// and turn every constrained parameter into a per-operation newtype.
pub fn strip_constraints(schema: &mut Map<String, Value>) {
    for key in VALUE_CONSTRAINTS {
        schema.remove(key);
    }
}

/// `format: date-time` (and `date`) are dropped: the generated types keep
/// the service's text and the facade parses each date it uses once (an
/// access token's `expiresOn`, an identity's `lastTokenIssuedAt`). As
/// chrono types, every date was parsed by the generated client and formatted
/// back for the adapters' wire form (for an access token: two parses and a
/// format per call), and one date chrono cannot represent failed the whole
/// response.
pub fn dates_as_strings(schema: &mut Map<String, Value>) {
    if matches!(
        schema.get("format").and_then(Value::as_str),
        Some("date-time" | "date")
    ) {
        schema.remove("format");
    }
}

/// progenitor method names are the snake_case operationIds; two ids that
/// sanitize to one name (or a missing id) would fail generation.
pub fn unique_operation_ids(doc: &mut Value) {
    let mut taken: BTreeMap<String, usize> = BTreeMap::new();
    let mut rename = Vec::new();
    visit_operations(doc, &mut |path, method, operation| {
        let id = operation
            .get("operationId")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{method}{path}"));
        rename.push((path.to_string(), method.to_string(), id));
    });
    for (path, method, id) in rename {
        let base = method_name(&id);
        let count = taken.entry(base.clone()).or_insert(0);
        *count += 1;
        let unique = if *count == 1 {
            id
        } else {
            format!("{base}_{count}")
        };
        if let Some(operation) = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(&path))
            .and_then(|i| i.get_mut(&method))
        {
            operation["operationId"] = Value::String(unique);
        }
    }
}

/// The Rust method name progenitor derives from an operationId.
pub fn method_name(operation_id: &str) -> String {
    operation_id
        .replace('\'', "")
        .replace(|c: char| !(c.is_alphanumeric() || c == '_'), "-")
        .to_snake_case()
}

fn visit_operations(doc: &Value, f: &mut dyn FnMut(&str, &str, &Value)) {
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return;
    };
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                f(path, method, operation);
            }
        }
    }
}

fn for_each_operation(doc: &mut Value, f: &mut dyn FnMut(&str, &mut Value)) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(method) {
                f(method, operation);
            }
        }
    }
}

/// Calls `f` on every schema object in the document, nested ones included.
fn for_each_schema(doc: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let components = doc.get_mut("components");
    if let Some(components) = components {
        if let Some(schemas) = components.get_mut("schemas").and_then(Value::as_object_mut) {
            schemas.values_mut().for_each(|s| walk_schema(s, f));
        }
        for section in ["parameters", "responses"] {
            if let Some(items) = components.get_mut(section).and_then(Value::as_object_mut) {
                items.values_mut().for_each(|i| walk_container(i, f));
            }
        }
    }
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            if let Some(item) = item.as_object_mut() {
                for (key, value) in item.iter_mut() {
                    if key == "parameters" || METHODS.contains(&key.as_str()) {
                        walk_container(value, f);
                    }
                }
            }
        }
    }
}

/// Finds schemas inside operations, parameters, responses and request bodies.
fn walk_container(value: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "schema" {
                    walk_schema(child, f);
                } else if !key.starts_with("x-") {
                    walk_container(child, f);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| walk_container(i, f)),
        _ => {}
    }
}

fn walk_schema(schema: &mut Value, f: &mut dyn FnMut(&mut Map<String, Value>)) {
    let Value::Object(map) = schema else {
        return;
    };
    f(map);
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            walk_schema(child, f);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            children.iter_mut().for_each(|c| walk_schema(c, f));
        }
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(|p| walk_schema(p, f));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(responses: Value) -> Value {
        json!({"operationId": "T", "responses": responses})
    }

    fn json_body(name: &str) -> Value {
        json!({"description": "", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}}})
    }

    #[test]
    fn dates_stay_text_and_other_formats_stay() {
        let mut date_time = json!({"type": "string", "format": "date-time", "description": "d"});
        let mut uuid = json!({"type": "string", "format": "uuid"});
        for schema in [&mut date_time, &mut uuid] {
            dates_as_strings(schema.as_object_mut().unwrap());
        }
        assert_eq!(date_time, json!({"type": "string", "description": "d"}));
        assert_eq!(uuid, json!({"type": "string", "format": "uuid"}));
    }

    #[test]
    fn default_becomes_4xx_and_5xx_for_200() {
        let mut o = op(json!({"200": json_body("U"), "default": json_body("E")}));
        default_response_to_error_ranges(&mut o);
        let keys: Vec<_> = o["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["200", "4XX", "5XX"]);
        assert_eq!(o["responses"]["4XX"], json_body("E"));
        assert_eq!(o["responses"]["5XX"], json_body("E"));
    }

    #[test]
    fn default_becomes_error_ranges_for_200_201() {
        let mut o =
            op(json!({"200": json_body("U"), "201": json_body("U"), "default": json_body("E")}));
        default_response_to_error_ranges(&mut o);
        one_success_body_type(&mut o);
        assert_eq!(o["responses"]["201"], json_body("U"));
        assert!(o["responses"].get("default").is_none());
        assert_eq!(o["responses"]["5XX"], json_body("E"));
    }

    #[test]
    fn default_becomes_error_ranges_for_204() {
        let mut o = op(json!({"204": {"description": ""}, "default": json_body("E")}));
        default_response_to_error_ranges(&mut o);
        one_success_body_type(&mut o);
        assert_eq!(o["responses"]["204"], json!({"description": ""}));
        assert_eq!(o["responses"]["4XX"], json_body("E"));
    }

    #[test]
    fn an_explicit_4xx_wins_over_default() {
        let mut o =
            op(json!({"200": json_body("U"), "4XX": json_body("X"), "default": json_body("E")}));
        default_response_to_error_ranges(&mut o);
        assert_eq!(o["responses"]["4XX"], json_body("X"));
        assert_eq!(o["responses"]["5XX"], json_body("E"));
    }

    #[test]
    fn mixed_success_bodies_become_raw() {
        let mut o = op(json!({"200": json_body("U"), "202": {"description": ""}}));
        one_success_body_type(&mut o);
        for status in ["200", "202"] {
            let content = o["responses"][status]["content"].as_object().unwrap();
            assert_eq!(
                content.keys().collect::<Vec<_>>(),
                ["application/octet-stream"]
            );
        }
        let mut o = op(json!({"200": json_body("U"), "201": json_body("V")}));
        one_success_body_type(&mut o);
        assert!(
            o["responses"]["201"]["content"]
                .get("application/octet-stream")
                .is_some()
        );
    }

    #[test]
    fn model_as_string_enums_become_open() {
        let mut s = json!({"type": "string", "enum": ["a", "b"], "default": "a",
                           "x-ms-enum": {"name": "E", "modelAsString": true}});
        let map = s.as_object_mut().unwrap();
        open_model_as_string_enums(map);
        strip_defaults(map);
        assert_eq!(
            s,
            json!({"oneOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "string"}],
                   "x-ms-enum": {"name": "E", "modelAsString": true}})
        );
    }

    #[test]
    fn closed_enums_stay_closed() {
        let mut s = json!({"type": "string", "enum": ["primary", "secondary"],
                           "x-ms-enum": {"name": "KeyType", "modelAsString": false}});
        let before = s.clone();
        open_model_as_string_enums(s.as_object_mut().unwrap());
        assert_eq!(s, before);
    }

    #[test]
    fn additional_properties_false_is_dropped() {
        let mut s = json!({"type": "object", "additionalProperties": false});
        drop_closed_additional_properties(s.as_object_mut().unwrap());
        assert_eq!(s, json!({"type": "object"}));
        let mut s = json!({"type": "object", "additionalProperties": {"type": "string"}});
        drop_closed_additional_properties(s.as_object_mut().unwrap());
        assert_eq!(s["additionalProperties"], json!({"type": "string"}));
    }

    #[test]
    fn operation_ids_that_sanitize_alike_are_made_unique() {
        let mut doc = json!({"paths": {
            "/a": {"get": {"operationId": "User_Get", "responses": {}}},
            "/b": {"get": {"operationId": "UserGet", "responses": {}}},
            "/c": {"get": {"operationId": "user-get", "responses": {}}},
            "/d": {"post": {"responses": {}}}
        }});
        unique_operation_ids(&mut doc);
        let ids: Vec<String> = ["/a", "/b", "/c"]
            .iter()
            .map(|p| {
                doc["paths"][p]["get"]["operationId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        assert_eq!(ids, ["User_Get", "user_get_2", "user_get_3"]);
        let names: BTreeSet<String> = ids.iter().map(|i| method_name(i)).collect();
        assert_eq!(names.len(), 3);
        assert_eq!(doc["paths"]["/d"]["post"]["operationId"], "post/d");
    }

    #[test]
    fn method_names_match_progenitor() {
        assert_eq!(
            method_name("User_GetSharedAccessToken"),
            "user_get_shared_access_token"
        );
        assert_eq!(
            method_name("CommunicationIdentity_ExchangeTeamsUserAccessToken"),
            "communication_identity_exchange_teams_user_access_token"
        );
    }

    #[test]
    fn head_responses_lose_their_bodies() {
        let mut o = op(json!({"200": {"description": ""}, "4XX": json_body("E")}));
        strip_head_bodies(&mut o);
        assert!(o["responses"]["4XX"].get("content").is_none());
    }

    #[test]
    fn for_progenitor_strips_defaults_and_constraints_everywhere() {
        let mut doc = json!({
            "paths": {"/u/{id}": {"post": {"operationId": "T",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 80}},
                               {"name": "api-version", "in": "query", "required": true, "schema": {"type": "string", "minLength": 1}}],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "expiresInMinutes": {"type": "integer", "default": 1440, "minimum": 60, "maximum": 1440}}}}}},
                "responses": {"204": {"description": ""}}}}},
            "components": {"schemas": {"A": {"type": "object", "properties": {"s": {"type": "string", "default": "active", "pattern": "x"}}}}}
        });
        for_progenitor(&mut doc);
        let op = &doc["paths"]["/u/{id}"]["post"];
        assert_eq!(op["parameters"][0]["schema"], json!({"type": "string"}));
        assert_eq!(op["parameters"][1]["schema"], json!({"type": "string"}));
        assert_eq!(
            op["requestBody"]["content"]["application/json"]["schema"]["properties"]["expiresInMinutes"],
            json!({"type": "integer"})
        );
        assert_eq!(
            doc["components"]["schemas"]["A"]["properties"]["s"],
            json!({"type": "string"})
        );
    }

    #[test]
    fn json_is_kept_when_a_body_has_several_media_types() {
        let mut o = json!({"requestBody": {"content": {"text/json": {}, "application/json": {}}}});
        single_request_media_type(&mut o);
        let content = o["requestBody"]["content"].as_object().unwrap();
        assert_eq!(content.keys().collect::<Vec<_>>(), ["application/json"]);
    }

    #[test]
    fn merge_patch_bodies_are_sent_as_json() {
        let schema = json!({"$ref": "#/components/schemas/Patch"});
        let mut o = json!({"requestBody": {"content": {"application/merge-patch+json": {"schema": schema}}}});
        structured_json_body_as_json(&mut o);
        assert_eq!(
            o["requestBody"]["content"],
            json!({"application/json": {"schema": schema}})
        );
        for other in [
            "text/plain",
            "application/octet-stream",
            "application/jsonx",
        ] {
            let mut o = json!({"requestBody": {"content": {other: {}}}});
            structured_json_body_as_json(&mut o);
            assert!(o["requestBody"]["content"].get(other).is_some(), "{other}");
        }
    }

    #[test]
    fn cookie_parameters_are_dropped() {
        let mut o =
            json!({"parameters": [{"name": "c", "in": "cookie"}, {"name": "q", "in": "query"}]});
        drop_cookie_parameters(&mut o);
        assert_eq!(o["parameters"], json!([{"name": "q", "in": "query"}]));
    }
}
