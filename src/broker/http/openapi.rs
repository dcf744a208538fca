//! `/openapi.json`: OpenAPI 3.0 built from the route table and the Rust
//! types' JSON Schemas (schemars), never written by hand.

use schemars::r#gen::SchemaSettings;
use serde_json::{Map, Value, json};

use super::routes::{Access, Body, endpoints};

/// The broker's OpenAPI document.
pub fn document() -> Value {
    let mut generator = SchemaSettings::openapi3().into_generator();
    let mut paths = Map::new();
    for endpoint in endpoints() {
        let mut operation = Map::new();
        operation.insert("operationId".into(), json!(endpoint.operation_id));
        operation.insert("summary".into(), json!(endpoint.summary));
        let parameters: Vec<Value> = path_parameters(endpoint.path)
            .into_iter()
            .map(|name| {
                json!({"name": name, "in": "path", "required": true,
                       "description": "URL-encoded", "schema": {"type": "string"}})
            })
            .collect();
        if !parameters.is_empty() {
            operation.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(request) = endpoint.request {
            let schema = request(&mut generator);
            operation.insert(
                "requestBody".into(),
                json!({"required": true, "content": {"application/json": {"schema": schema}}}),
            );
        }
        let mut responses = Map::new();
        for (status, description, body) in endpoint.responses {
            let mut response = json!({"description": description});
            match body {
                Body::None => {}
                Body::Json(schema) => {
                    response["content"] =
                        json!({"application/json": {"schema": schema(&mut generator)}});
                }
                Body::Text(media) => {
                    response["content"] = json!({media: {"schema": {"type": "string"}}});
                }
            }
            responses.insert(status.to_string(), response);
        }
        operation.insert("responses".into(), Value::Object(responses));
        operation.insert(
            "security".into(),
            match endpoint.access {
                Access::Open => json!([]),
                Access::Bearer | Access::Admin => json!([{"bearer": []}]),
            },
        );
        let item = paths
            .entry(endpoint.path.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        item[endpoint.method.as_str().to_ascii_lowercase()] = Value::Object(operation);
    }
    let schemas: Map<String, Value> = generator
        .take_definitions()
        .into_iter()
        .map(|(name, schema)| (name, serde_json::to_value(schema).unwrap_or(Value::Null)))
        .collect();
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "azure-user-tokens broker",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Maps the app's users (OIDC access tokens) to Azure Communication Services identities and hands out their tokens.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
            }
        }
    })
}

fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .collect()
}
