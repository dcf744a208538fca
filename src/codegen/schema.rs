//! Swagger 2.0 schema objects → OpenAPI 3.0 schema objects.
//!
//! Faithful conversion only; what progenitor needs on top lives in `fixups`.

use serde_json::{Map, Value};

/// Converts a schema in place (recursively).
pub fn convert_schema(schema: &mut Value) {
    let Value::Object(map) = schema else {
        return;
    };

    if let Some(Value::String(reference)) = map.get("$ref") {
        let reference = local_ref(reference);
        if map.len() == 1 {
            map.insert("$ref".into(), Value::String(reference));
            return;
        }
        // OpenAPI 3.0 ignores siblings of `$ref`: keep them by wrapping the
        // reference (descriptions become doc comments, readOnly stays visible).
        map.remove("$ref");
        let wrapped = serde_json::json!([{ "$ref": reference }]);
        match map.get_mut("allOf") {
            Some(Value::Array(all_of)) => all_of.insert(0, wrapped[0].clone()),
            _ => {
                map.insert("allOf".into(), wrapped);
            }
        }
    }

    if let Some(nullable) = map.remove("x-nullable") {
        map.insert("nullable".into(), nullable);
    }
    if map.get("type").and_then(Value::as_str) == Some("file") {
        map.insert("type".into(), "string".into());
        map.insert("format".into(), "binary".into());
    }
    // Swagger's discriminator is the property name; OpenAPI's is an object.
    if let Some(Value::String(property)) = map.get("discriminator") {
        let property = property.clone();
        map.insert(
            "discriminator".into(),
            serde_json::json!({ "propertyName": property }),
        );
    }
    // Swagger allows `required: []`; keep only non-empty lists.
    if map
        .get("required")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        map.remove("required");
    }

    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get_mut(key) {
            convert_schema(child);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(children)) = map.get_mut(key) {
            children.iter_mut().for_each(convert_schema);
        }
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(convert_schema);
    }
}

/// `#/definitions/X` → `#/components/schemas/X` (and parameters, responses).
pub fn local_ref(reference: &str) -> String {
    for (from, to) in [
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ] {
        if let Some(name) = reference.strip_prefix(from) {
            return format!("{to}{name}");
        }
    }
    reference.to_string()
}

/// The keywords that constrain a value (length, pattern, range, items):
/// compared by `specs diff`, stripped for progenitor by `fixups`.
pub const VALUE_CONSTRAINTS: [&str; 11] = [
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
];

/// Besides [`VALUE_CONSTRAINTS`], the schema keys a Swagger 2.0 non-body
/// parameter or header carries inline.
const INLINE_SHAPE_KEYS: [&str; 9] = [
    "type",
    "format",
    "items",
    "default",
    "enum",
    "x-ms-enum",
    "x-nullable",
    "readOnly",
    "x-ms-client-default",
];

/// Moves the inline schema keys of a parameter or header into a `schema` object.
pub fn lift_inline_schema(map: &mut Map<String, Value>) -> Value {
    let mut schema = Map::new();
    for key in INLINE_SHAPE_KEYS.iter().chain(&VALUE_CONSTRAINTS) {
        if let Some(value) = map.remove(*key) {
            schema.insert(key.to_string(), value);
        }
    }
    // `collectionFormat` describes the wire form, not the type.
    map.remove("collectionFormat");
    let mut schema = Value::Object(schema);
    if let Some(Value::Object(items)) = schema.get_mut("items") {
        items.remove("collectionFormat");
    }
    convert_schema(&mut schema);
    schema
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn converted(mut v: Value) -> Value {
        convert_schema(&mut v);
        v
    }

    #[test]
    fn refs_point_at_components() {
        assert_eq!(
            converted(json!({"$ref": "#/definitions/A"})),
            json!({"$ref": "#/components/schemas/A"})
        );
    }

    #[test]
    fn refs_with_siblings_are_wrapped_in_all_of() {
        assert_eq!(
            converted(
                json!({"$ref": "#/definitions/A", "readOnly": true, "description": "d", "x-ms-client-flatten": true})
            ),
            json!({"allOf": [{"$ref": "#/components/schemas/A"}], "readOnly": true, "description": "d", "x-ms-client-flatten": true})
        );
    }

    #[test]
    fn x_nullable_becomes_nullable() {
        assert_eq!(
            converted(json!({"type": "string", "x-nullable": true})),
            json!({"type": "string", "nullable": true})
        );
    }

    #[test]
    fn nested_schemas_are_converted() {
        let out = converted(json!({
            "properties": {"a": {"$ref": "#/definitions/A"}, "b": {"type": "array", "items": {"$ref": "#/definitions/B"}}},
            "additionalProperties": {"$ref": "#/definitions/C"},
            "allOf": [{"$ref": "#/definitions/D"}]
        }));
        assert_eq!(out["properties"]["a"]["$ref"], "#/components/schemas/A");
        assert_eq!(
            out["properties"]["b"]["items"]["$ref"],
            "#/components/schemas/B"
        );
        assert_eq!(
            out["additionalProperties"]["$ref"],
            "#/components/schemas/C"
        );
        assert_eq!(out["allOf"][0]["$ref"], "#/components/schemas/D");
    }

    #[test]
    fn discriminator_becomes_an_object() {
        assert_eq!(
            converted(json!({"discriminator": "kind"}))["discriminator"],
            json!({"propertyName": "kind"})
        );
    }

    #[test]
    fn file_type_becomes_binary_string() {
        assert_eq!(
            converted(json!({"type": "file"})),
            json!({"type": "string", "format": "binary"})
        );
    }

    #[test]
    fn inline_parameter_keys_move_into_a_schema() {
        let mut param = json!({
            "name": "serviceName", "in": "path", "required": true, "type": "string",
            "minLength": 1, "maxLength": 50, "pattern": "^[a-z]+$", "x-ms-parameter-location": "method"
        });
        let schema = lift_inline_schema(param.as_object_mut().unwrap());
        assert_eq!(
            schema,
            json!({"type": "string", "minLength": 1, "maxLength": 50, "pattern": "^[a-z]+$"})
        );
        assert_eq!(
            param,
            json!({"name": "serviceName", "in": "path", "required": true, "x-ms-parameter-location": "method"})
        );
    }
}
