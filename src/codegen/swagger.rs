//! A bundled Swagger 2.0 document → an OpenAPI 3.0.3 document.
//!
//! The conversion is faithful (nothing progenitor-specific): `specs diff`
//! compares documents at this stage, and `fixups` adapts them for progenitor.

use serde_json::{Map, Value, json};

use super::SpecError;
use super::pointer;
use super::schema::{convert_schema, lift_inline_schema, local_ref};
use std::path::Path;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];
const JSON: &str = "application/json";

/// Converts a bundled Swagger 2.0 document. `file` is used in error messages.
pub fn to_openapi3(swagger: &Value, file: &Path) -> Result<Value, SpecError> {
    let Some(doc) = swagger.as_object() else {
        return Err(SpecError::new(file, "", "a spec must be a JSON object"));
    };
    match doc.get("swagger").and_then(Value::as_str) {
        Some("2.0") => {}
        other => {
            return Err(SpecError::new(
                file,
                "/swagger",
                format!("expected a Swagger 2.0 document, found swagger = {other:?}"),
            ));
        }
    }
    let info = doc
        .get("info")
        .cloned()
        .ok_or_else(|| SpecError::new(file, "/info", "missing info"))?;
    if info.get("version").and_then(Value::as_str).is_none() {
        return Err(SpecError::new(
            file,
            "/info/version",
            "missing info.version (the api-version)",
        ));
    }
    let mut info = info;
    if info.get("title").is_none() {
        info["title"] = json!("API");
    }

    let context = Context {
        file,
        consumes: media_types(doc.get("consumes")),
        produces: media_types(doc.get("produces")),
        parameters: doc
            .get("parameters")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
    };

    let mut out = Map::new();
    out.insert("openapi".into(), json!("3.0.3"));
    out.insert("info".into(), info);
    out.insert("servers".into(), Value::Array(servers(doc)));
    for key in ["tags", "security", "externalDocs"] {
        if let Some(value) = doc.get(key) {
            out.insert(key.into(), value.clone());
        }
    }

    let mut paths = Map::new();
    if let Some(items) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in items {
            let at = pointer::push("/paths", path);
            paths.insert(path.clone(), context.path_item(item, &at)?);
        }
    }
    out.insert("paths".into(), Value::Object(paths));
    out.insert("components".into(), context.components(doc)?);
    Ok(Value::Object(out))
}

struct Context<'a> {
    file: &'a Path,
    consumes: Vec<String>,
    produces: Vec<String>,
    /// The document's shared parameters, to tell body refs from the rest.
    parameters: Map<String, Value>,
}

impl Context<'_> {
    fn error(&self, at: &str, message: impl Into<String>) -> SpecError {
        SpecError::new(self.file, at, message)
    }

    fn path_item(&self, item: &Value, at: &str) -> Result<Value, SpecError> {
        let Some(item) = item.as_object() else {
            return Err(self.error(at, "a path item must be an object"));
        };
        let shared = item
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut out = Map::new();
        for (key, value) in item {
            if METHODS.contains(&key.as_str()) {
                let op_at = pointer::push(at, key);
                out.insert(key.clone(), self.operation(value, &shared, &op_at)?);
            } else if key.starts_with("x-") || key == "summary" || key == "description" {
                out.insert(key.clone(), value.clone());
            }
        }
        Ok(Value::Object(out))
    }

    fn operation(&self, op: &Value, shared: &[Value], at: &str) -> Result<Value, SpecError> {
        let Some(op) = op.as_object() else {
            return Err(self.error(at, "an operation must be an object"));
        };
        let consumes = op
            .get("consumes")
            .map(|v| media_types(Some(v)))
            .unwrap_or_else(|| self.consumes.clone());
        let produces = op
            .get("produces")
            .map(|v| media_types(Some(v)))
            .unwrap_or_else(|| self.produces.clone());

        let mut out = Map::new();
        for (key, value) in op {
            match key.as_str() {
                "parameters" | "responses" | "consumes" | "produces" | "schemes" => {}
                _ => {
                    out.insert(key.clone(), value.clone());
                }
            }
        }

        // Operation parameters override path-level ones with the same name and location.
        let own = op
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut parameters = Vec::new();
        let mut form_fields = Vec::new();
        let mut body = None;
        let all = own
            .iter()
            .enumerate()
            .map(|(i, p)| (p, format!("{at}/parameters/{i}")))
            .chain(shared.iter().map(|p| (p, format!("{at}/../parameters"))));
        let mut seen = std::collections::BTreeSet::new();
        for (param, param_at) in all {
            let resolved = self.resolve_parameter(param, &param_at)?;
            let name = resolved.get("name").and_then(Value::as_str).unwrap_or("");
            let location = resolved.get("in").and_then(Value::as_str).unwrap_or("");
            if !seen.insert((name.to_string(), location.to_string())) {
                continue;
            }
            match location {
                "body" => body = Some(resolved.clone()),
                "formData" => form_fields.push(resolved.clone()),
                "" => return Err(self.error(&param_at, "parameter without `in`")),
                _ => parameters.push(self.parameter(param, &param_at)?),
            }
        }
        if !parameters.is_empty() {
            out.insert("parameters".into(), Value::Array(parameters));
        }
        if let Some(body) = body {
            out.insert("requestBody".into(), request_body(&body, &consumes));
        } else if !form_fields.is_empty() {
            out.insert("requestBody".into(), form_body(&form_fields, &consumes));
        }

        let responses = op
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| self.error(at, "operation without responses"))?;
        let mut converted = Map::new();
        for (status, response) in responses {
            let response_at = pointer::push(&format!("{at}/responses"), status);
            converted.insert(
                status.clone(),
                self.response(response, &produces, &response_at)?,
            );
        }
        out.insert("responses".into(), Value::Object(converted));
        Ok(Value::Object(out))
    }

    /// Follows a `#/parameters/X` ref to the parameter it names.
    fn resolve_parameter<'p>(&'p self, param: &'p Value, at: &str) -> Result<&'p Value, SpecError> {
        match param.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference
                    .strip_prefix("#/parameters/")
                    .map(pointer::unescape)
                    .ok_or_else(|| {
                        self.error(at, format!("unexpected parameter $ref {reference:?}"))
                    })?;
                self.parameters
                    .get(&name)
                    .ok_or_else(|| self.error(at, format!("parameter {name:?} does not exist")))
            }
            None => Ok(param),
        }
    }

    /// A non-body parameter: a ref to the shared one, or converted inline.
    fn parameter(&self, param: &Value, at: &str) -> Result<Value, SpecError> {
        if let Some(reference) = param.get("$ref").and_then(Value::as_str) {
            return Ok(json!({ "$ref": local_ref(reference) }));
        }
        convert_parameter(param).ok_or_else(|| self.error(at, "a parameter must be an object"))
    }

    fn response(
        &self,
        response: &Value,
        produces: &[String],
        at: &str,
    ) -> Result<Value, SpecError> {
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            return Ok(json!({ "$ref": local_ref(reference) }));
        }
        let Some(response) = response.as_object() else {
            return Err(self.error(at, "a response must be an object"));
        };
        Ok(convert_response(response, produces))
    }

    fn components(&self, doc: &Map<String, Value>) -> Result<Value, SpecError> {
        let mut components = Map::new();
        if let Some(definitions) = doc.get("definitions").and_then(Value::as_object) {
            let mut schemas = definitions.clone();
            schemas.values_mut().for_each(convert_schema);
            components.insert("schemas".into(), Value::Object(schemas));
        }
        // Body and form parameters became request bodies where they were used.
        let parameters: Map<String, Value> = self
            .parameters
            .iter()
            .filter(|(_, p)| {
                !matches!(
                    p.get("in").and_then(Value::as_str),
                    Some("body" | "formData")
                )
            })
            .filter_map(|(name, p)| convert_parameter(p).map(|p| (name.clone(), p)))
            .collect();
        if !parameters.is_empty() {
            components.insert("parameters".into(), Value::Object(parameters));
        }
        if let Some(responses) = doc.get("responses").and_then(Value::as_object) {
            let mut converted = Map::new();
            for (name, response) in responses {
                let at = pointer::push("/responses", name);
                converted.insert(name.clone(), self.response(response, &self.produces, &at)?);
            }
            components.insert("responses".into(), Value::Object(converted));
        }
        if let Some(definitions) = doc.get("securityDefinitions").and_then(Value::as_object) {
            let schemes = definitions
                .iter()
                .map(|(name, scheme)| (name.clone(), security_scheme(scheme)))
                .collect();
            components.insert("securitySchemes".into(), Value::Object(schemes));
        }
        Ok(Value::Object(components))
    }
}

fn convert_parameter(param: &Value) -> Option<Value> {
    let mut map = param.as_object()?.clone();
    let collection_format = map
        .get("collectionFormat")
        .and_then(Value::as_str)
        .map(str::to_string);
    let schema = lift_inline_schema(&mut map);
    map.insert("schema".into(), schema);
    if map.get("in").and_then(Value::as_str) == Some("path") {
        // OpenAPI (and progenitor) require path parameters to be required.
        map.insert("required".into(), Value::Bool(true));
    }
    match collection_format.as_deref() {
        Some("multi") => {
            map.insert("style".into(), json!("form"));
            map.insert("explode".into(), json!(true));
        }
        // Swagger's default is csv; OpenAPI's default for a query array is
        // `form` exploded (Swagger's multi), so csv must be spelled out.
        Some("csv") | None if is_query_array(&map) => {
            map.insert("style".into(), json!("form"));
            map.insert("explode".into(), json!(false));
        }
        Some("ssv") => {
            map.insert("style".into(), json!("spaceDelimited"));
        }
        Some("pipes") => {
            map.insert("style".into(), json!("pipeDelimited"));
        }
        _ => {}
    }
    Some(Value::Object(map))
}

/// A query parameter whose (lifted) schema is an array.
fn is_query_array(map: &Map<String, Value>) -> bool {
    map.get("in").and_then(Value::as_str) == Some("query")
        && map
            .get("schema")
            .and_then(|s| s.get("type"))
            .and_then(Value::as_str)
            == Some("array")
}

fn request_body(body: &Value, consumes: &[String]) -> Value {
    let mut schema = body.get("schema").cloned().unwrap_or_else(|| json!({}));
    convert_schema(&mut schema);
    let mut content = Map::new();
    for media_type in if consumes.is_empty() {
        vec![JSON.to_string()]
    } else {
        consumes.to_vec()
    } {
        content.insert(media_type, json!({ "schema": schema.clone() }));
    }
    let mut out = Map::new();
    if let Some(description) = body.get("description") {
        out.insert("description".into(), description.clone());
    }
    out.insert("content".into(), Value::Object(content));
    out.insert(
        "required".into(),
        Value::Bool(
            body.get("required")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
    );
    if let Some(name) = body.get("name") {
        out.insert("x-ms-body-name".into(), name.clone());
    }
    Value::Object(out)
}

fn form_body(fields: &[Value], consumes: &[String]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for field in fields {
        let Some(mut map) = field.as_object().cloned() else {
            continue;
        };
        let name = map
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if map.get("required").and_then(Value::as_bool) == Some(true) {
            required.push(Value::String(name.clone()));
        }
        properties.insert(name, lift_inline_schema(&mut map));
    }
    let media_type = consumes
        .iter()
        .find(|m| m.contains("form"))
        .cloned()
        .unwrap_or_else(|| "application/x-www-form-urlencoded".into());
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = Value::Array(required);
    }
    json!({ "content": { media_type: { "schema": schema } } })
}

fn convert_response(response: &Map<String, Value>, produces: &[String]) -> Value {
    let mut out = Map::new();
    out.insert(
        "description".into(),
        response
            .get("description")
            .cloned()
            .unwrap_or_else(|| json!("")),
    );
    if let Some(schema) = response.get("schema") {
        let mut schema = schema.clone();
        convert_schema(&mut schema);
        let mut content = Map::new();
        for media_type in if produces.is_empty() {
            vec![JSON.to_string()]
        } else {
            produces.to_vec()
        } {
            content.insert(media_type, json!({ "schema": schema.clone() }));
        }
        out.insert("content".into(), Value::Object(content));
    }
    if let Some(Value::Object(headers)) = response.get("headers") {
        let converted: Map<String, Value> = headers
            .iter()
            .map(|(name, header)| {
                let mut header = header.as_object().cloned().unwrap_or_default();
                let schema = lift_inline_schema(&mut header);
                header.insert("schema".into(), schema);
                (name.clone(), Value::Object(header))
            })
            .collect();
        out.insert("headers".into(), Value::Object(converted));
    }
    for (key, value) in response {
        if key.starts_with("x-") {
            out.insert(key.clone(), value.clone());
        }
    }
    Value::Object(out)
}

fn security_scheme(scheme: &Value) -> Value {
    let get = |key: &str| scheme.get(key).cloned().unwrap_or(Value::Null);
    let scopes = scheme.get("scopes").cloned().unwrap_or_else(|| json!({}));
    let mut out = match scheme.get("type").and_then(Value::as_str) {
        Some("oauth2") => {
            let flow = match scheme.get("flow").and_then(Value::as_str) {
                Some("implicit") => {
                    json!({"implicit": {"authorizationUrl": get("authorizationUrl"), "scopes": scopes}})
                }
                Some("password") => {
                    json!({"password": {"tokenUrl": get("tokenUrl"), "scopes": scopes}})
                }
                Some("application") => {
                    json!({"clientCredentials": {"tokenUrl": get("tokenUrl"), "scopes": scopes}})
                }
                _ => {
                    json!({"authorizationCode": {"authorizationUrl": get("authorizationUrl"), "tokenUrl": get("tokenUrl"), "scopes": scopes}})
                }
            };
            json!({"type": "oauth2", "flows": flow})
        }
        Some("basic") => json!({"type": "http", "scheme": "basic"}),
        Some("apiKey") => json!({"type": "apiKey", "name": get("name"), "in": get("in")}),
        _ => scheme.clone(),
    };
    if let Some(description) = scheme.get("description") {
        out["description"] = description.clone();
    }
    out
}

/// `host` + `basePath` + `schemes`, or `x-ms-parameterized-host`, as OpenAPI servers.
fn servers(doc: &Map<String, Value>) -> Vec<Value> {
    let base_path = doc.get("basePath").and_then(Value::as_str).unwrap_or("");
    let base_path = base_path.trim_end_matches('/');
    if let Some(host) = doc.get("x-ms-parameterized-host") {
        let template = host
            .get("hostTemplate")
            .and_then(Value::as_str)
            .unwrap_or("");
        let use_scheme = host
            .get("useSchemePrefix")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let url = if use_scheme {
            format!("https://{template}{base_path}")
        } else {
            format!("{template}{base_path}")
        };
        let mut variables = Map::new();
        for param in host
            .get("parameters")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let param = match param.get("$ref").and_then(Value::as_str) {
                Some(reference) => reference
                    .strip_prefix("#/parameters/")
                    .and_then(|name| doc.get("parameters")?.get(pointer::unescape(name)))
                    .unwrap_or(param),
                None => param,
            };
            if let Some(name) = param.get("name").and_then(Value::as_str) {
                let mut variable = Map::new();
                variable.insert(
                    "default".into(),
                    param.get("default").cloned().unwrap_or_else(|| json!("")),
                );
                if let Some(description) = param.get("description") {
                    variable.insert("description".into(), description.clone());
                }
                variables.insert(name.to_string(), Value::Object(variable));
            }
        }
        return vec![json!({ "url": url, "variables": variables })];
    }
    let Some(host) = doc.get("host").and_then(Value::as_str) else {
        return vec![json!({ "url": if base_path.is_empty() { "/" } else { base_path } })];
    };
    let schemes: Vec<&str> = doc
        .get("schemes")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_else(|| vec!["https"]);
    schemes
        .iter()
        .map(|scheme| json!({ "url": format!("{scheme}://{host}{base_path}") }))
        .collect()
}

fn media_types(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|types| {
            types
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(doc: Value) -> Value {
        to_openapi3(&doc, Path::new("test.json")).unwrap()
    }

    fn doc(paths: Value) -> Value {
        json!({"swagger": "2.0", "info": {"title": "t", "version": "2024-05-01"}, "paths": paths})
    }

    #[test]
    fn rejects_documents_that_are_not_swagger_2() {
        let err = to_openapi3(&json!({"openapi": "3.0.0"}), Path::new("x.json")).unwrap_err();
        assert_eq!(err.pointer, "/swagger");
        let err = to_openapi3(
            &json!({"swagger": "2.0", "info": {"title": "t"}}),
            Path::new("x.json"),
        )
        .unwrap_err();
        assert_eq!(err.pointer, "/info/version");
    }

    #[test]
    fn body_parameter_becomes_request_body() {
        let out = convert(doc(
            json!({"/t": {"post": {"operationId": "T", "parameters": [
            {"name": "parameters", "in": "body", "required": true, "schema": {"$ref": "#/definitions/P"}}
        ], "responses": {"204": {"description": "none"}}}}}),
        ));
        let op = &out["paths"]["/t"]["post"];
        assert!(op.get("parameters").is_none());
        assert_eq!(
            op["requestBody"],
            json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/P"}}}, "required": true, "x-ms-body-name": "parameters"})
        );
    }

    #[test]
    fn body_parameter_behind_a_ref_becomes_request_body() {
        let mut d = doc(json!({"/t": {"post": {"operationId": "T",
            "parameters": [{"$ref": "#/parameters/Body"}, {"$ref": "#/parameters/ApiVersion"}],
            "responses": {"204": {"description": ""}}}}}));
        d["parameters"] = json!({
            "Body": {"name": "body", "in": "body", "schema": {"type": "object"}},
            "ApiVersion": {"name": "api-version", "in": "query", "required": true, "type": "string"}
        });
        let out = convert(d);
        let op = &out["paths"]["/t"]["post"];
        assert_eq!(
            op["parameters"],
            json!([{"$ref": "#/components/parameters/ApiVersion"}])
        );
        assert_eq!(op["requestBody"]["required"], false);
        let params = out["components"]["parameters"].as_object().unwrap();
        assert_eq!(params.keys().collect::<Vec<_>>(), ["ApiVersion"]);
        assert_eq!(params["ApiVersion"]["schema"], json!({"type": "string"}));
    }

    #[test]
    fn non_body_parameters_get_a_schema_and_path_ones_are_required() {
        let out = convert(doc(
            json!({"/u/{id}": {"get": {"operationId": "T", "parameters": [
            {"name": "id", "in": "path", "type": "string", "maxLength": 80},
            {"name": "$top", "in": "query", "type": "integer", "format": "int32", "minimum": 1},
            {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "csv"}
        ], "responses": {"204": {"description": ""}}}}}),
        ));
        let params = &out["paths"]["/u/{id}"]["get"]["parameters"];
        assert_eq!(
            params[0],
            json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string", "maxLength": 80}})
        );
        assert_eq!(
            params[1]["schema"],
            json!({"type": "integer", "format": "int32", "minimum": 1})
        );
        assert_eq!(params[2]["style"], "form");
        assert_eq!(params[2]["explode"], false);
    }

    #[test]
    fn query_arrays_default_to_csv_and_multi_stays_exploded() {
        let out = convert(doc(
            json!({"/u": {"get": {"operationId": "T", "parameters": [
            {"name": "ids", "in": "query", "type": "array", "items": {"type": "string"}},
            {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}, "collectionFormat": "multi"},
            {"name": "q", "in": "query", "type": "string"}
        ], "responses": {"204": {"description": ""}}}}}),
        ));
        let params = &out["paths"]["/u"]["get"]["parameters"];
        assert_eq!(
            (&params[0]["style"], &params[0]["explode"]),
            (&json!("form"), &json!(false))
        );
        assert_eq!(
            (&params[1]["style"], &params[1]["explode"]),
            (&json!("form"), &json!(true))
        );
        assert_eq!(params[2].get("explode"), None);
    }

    #[test]
    fn path_level_parameters_are_merged_and_overridable() {
        let out = convert(doc(json!({"/u/{id}": {
            "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"},
                           {"name": "x", "in": "query", "type": "string"}],
            "get": {"operationId": "T", "parameters": [{"name": "x", "in": "query", "type": "integer"}],
                    "responses": {"204": {"description": ""}}}}})));
        let params = out["paths"]["/u/{id}"]["get"]["parameters"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(params.len(), 2);
        assert_eq!(params[0]["schema"]["type"], "integer");
        assert_eq!(params[1]["name"], "id");
    }

    #[test]
    fn response_schema_moves_under_content_and_headers_get_schemas() {
        let out = convert(doc(
            json!({"/t": {"get": {"operationId": "T", "responses": {
                "200": {"description": "ok", "schema": {"$ref": "#/definitions/U"},
                        "headers": {"ETag": {"type": "string", "description": "tag"}}},
                "default": {"description": "err", "schema": {"$ref": "#/definitions/E"}}
            }}}}),
        ));
        let responses = &out["paths"]["/t"]["get"]["responses"];
        assert_eq!(
            responses["200"],
            json!({"description": "ok",
                   "content": {"application/json": {"schema": {"$ref": "#/components/schemas/U"}}},
                   "headers": {"ETag": {"description": "tag", "schema": {"type": "string"}}}})
        );
        assert_eq!(
            responses["default"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/E"
        );
    }

    #[test]
    fn produces_and_consumes_choose_media_types() {
        let mut d = doc(json!({"/t": {"post": {"operationId": "T",
            "consumes": ["text/plain"],
            "parameters": [{"name": "b", "in": "body", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "", "schema": {"type": "string"}}}}}}));
        d["produces"] = json!(["application/xml", "application/json"]);
        let out = convert(d);
        let op = &out["paths"]["/t"]["post"];
        assert!(op["requestBody"]["content"].get("text/plain").is_some());
        let content = op["responses"]["200"]["content"].as_object().unwrap();
        assert_eq!(
            content.keys().collect::<Vec<_>>(),
            ["application/json", "application/xml"]
        );
    }

    #[test]
    fn host_base_path_and_schemes_become_servers() {
        let mut d = doc(json!({}));
        d["host"] = json!("management.azure.com");
        d["basePath"] = json!("/");
        d["schemes"] = json!(["https"]);
        assert_eq!(
            convert(d)["servers"],
            json!([{"url": "https://management.azure.com"}])
        );
    }

    #[test]
    fn parameterized_host_becomes_a_server_with_variables() {
        let mut d = doc(json!({}));
        d["x-ms-parameterized-host"] = json!({"hostTemplate": "{endpoint}", "useSchemePrefix": false,
            "parameters": [{"$ref": "#/parameters/Endpoint"}]});
        d["parameters"] = json!({"Endpoint": {"name": "endpoint", "in": "path", "required": true,
            "type": "string", "x-ms-skip-url-encoding": true, "description": "resource"}});
        let out = convert(d);
        assert_eq!(
            out["servers"],
            json!([{"url": "{endpoint}", "variables": {"endpoint": {"default": "", "description": "resource"}}}])
        );
    }

    #[test]
    fn security_definitions_become_security_schemes() {
        let mut d = doc(json!({}));
        d["securityDefinitions"] = json!({"azure_auth": {"type": "oauth2", "flow": "implicit",
            "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/authorize",
            "scopes": {"user_impersonation": "act as you"}}});
        d["security"] = json!([{"azure_auth": ["user_impersonation"]}]);
        let out = convert(d);
        assert_eq!(
            out["components"]["securitySchemes"]["azure_auth"],
            json!({"type": "oauth2", "flows": {"implicit": {
                "authorizationUrl": "https://login.microsoftonline.com/common/oauth2/authorize",
                "scopes": {"user_impersonation": "act as you"}}}})
        );
        assert_eq!(
            out["security"],
            json!([{"azure_auth": ["user_impersonation"]}])
        );
    }

    #[test]
    fn form_data_parameters_become_a_form_body() {
        let out = convert(doc(
            json!({"/t": {"post": {"operationId": "T", "parameters": [
            {"name": "a", "in": "formData", "type": "string", "required": true}
        ], "responses": {"204": {"description": ""}}}}}),
        ));
        assert_eq!(
            out["paths"]["/t"]["post"]["requestBody"],
            json!({"content": {"application/x-www-form-urlencoded": {"schema": {
                "type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}}}})
        );
    }

    #[test]
    fn extensions_on_operations_are_kept() {
        let out = convert(doc(json!({"/t": {"get": {"operationId": "T",
            "x-ms-pageable": {"nextLinkName": "nextLink"},
            "responses": {"204": {"description": ""}}}}})));
        assert_eq!(
            out["paths"]["/t"]["get"]["x-ms-pageable"]["nextLinkName"],
            "nextLink"
        );
    }
}
