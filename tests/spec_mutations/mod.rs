//! Spec fixtures made at test time from a copy of ../shared/upstream-specs:
//! the same mutations a new api-version brings (renamed version, an added
//! operation, a removed property, a new enum value, a tightened constraint),
//! shared by tests/specs_diff.rs and tests/regeneration.rs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// ACS Identity 2023-10-01, relative to a specs root.
pub const ACS_2023: &str =
    "specification/communication/data-plane/Identity/stable/2023-10-01/CommunicationIdentity.json";
/// ACS Identity 2025-06-30, relative to a specs root.
pub const ACS_2025: &str =
    "specification/communication/data-plane/Identity/stable/2025-06-30/CommunicationIdentity.json";
/// APIM users 2024-05-01, relative to a specs root.
pub const APIM: &str = "specification/apimanagement/resource-manager/Microsoft.ApiManagement/stable/2024-05-01/apimusers.json";

/// The package root.
pub fn package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// ../shared/upstream-specs; fails loudly when it is missing.
pub fn upstream() -> PathBuf {
    let root = package().join("../shared/upstream-specs");
    assert!(
        root.join("specification").is_dir(),
        "{} is missing: these tests need the official upstream specs beside the clone",
        root.display()
    );
    root.canonicalize().unwrap()
}

/// A fresh, empty folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies a folder recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the upstream specs under a fresh scratch folder.
pub fn upstream_copy(name: &str) -> PathBuf {
    let root = scratch(name);
    copy_tree(&upstream(), &root);
    root
}

/// Reads, edits and rewrites a JSON spec file.
pub fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
    edit(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

/// Copies the version folder of `entry` (relative to `root`) to
/// `<stage>/<version>` beside it (`stable/2025-06-30` → `preview/2099-01-01-preview`),
/// sets `info.version`, and returns the new entry path relative to `root`.
pub fn new_version(root: &Path, entry: &str, stage: &str, version: &str) -> String {
    let entry = Path::new(entry);
    let folder = entry.parent().unwrap();
    let service = folder.parent().unwrap().parent().unwrap();
    let moved = service.join(stage).join(version);
    copy_tree(&root.join(folder), &root.join(&moved));
    let new_entry = moved.join(entry.file_name().unwrap());
    edit_json(&root.join(&new_entry), |spec| {
        spec["info"]["version"] = json!(version)
    });
    new_entry.to_string_lossy().into_owned()
}

/// The ACS mutations, on the 2025-06-30 entry file at `file`:
/// - `CommunicationIdentity_Get` (`GET /identities/{id}`) added;
/// - `clientIds` removed from `TeamsExtensionAssignmentResponse`;
/// - scope `chat.moderate` added to the open enum `CommunicationIdentityTokenScope`;
/// - `expiresInMinutes` of `CommunicationIdentityAccessTokenRequest` capped at 720 (was 1440).
pub fn mutate_acs(file: &Path) {
    edit_json(file, |spec| {
        let error = spec["paths"]["/identities/{id}"]["delete"]["responses"]["default"].clone();
        spec["paths"]["/identities/{id}"]["get"] = json!({
            "operationId": "CommunicationIdentity_Get",
            "produces": ["application/json"],
            "parameters": [
                {"in": "path", "name": "id", "required": true, "type": "string"},
                {"$ref": "#/parameters/ApiVersionParameter"}
            ],
            "responses": {
                "200": {"description": "The identity.", "schema": {"$ref": "#/definitions/CommunicationIdentity"}},
                "default": error
            }
        });
        let definitions = &mut spec["definitions"];
        let removed = definitions["TeamsExtensionAssignmentResponse"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("clientIds");
        assert!(removed.is_some(), "the fixture expects clientIds upstream");
        definitions["CommunicationIdentityTokenScope"]["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("chat.moderate"));
        let minutes = &mut definitions["CommunicationIdentityAccessTokenRequest"]["properties"]["expiresInMinutes"];
        assert_eq!(
            minutes["maximum"], 1440,
            "the fixture expects a 1440 cap upstream"
        );
        minutes["maximum"] = json!(720);
    });
}

/// The changes [`mutate_acs`] (plus a new api-version) must produce, as
/// `(kind, breaking, operation, location, schema path)`.
pub fn acs_expected() -> Vec<(&'static str, bool, &'static str, &'static str, &'static str)> {
    vec![
        ("api_version_changed", false, "", "", ""),
        (
            "operation_added",
            false,
            "CommunicationIdentity_Get",
            "",
            "",
        ),
        (
            "enum_value_added",
            false,
            "CommunicationIdentity_Create",
            "request body",
            ".createTokenWithScopes[]",
        ),
        (
            "enum_value_added",
            false,
            "CommunicationIdentity_IssueAccessToken",
            "request body",
            ".scopes[]",
        ),
        (
            "constraint_changed",
            true,
            "CommunicationIdentity_IssueAccessToken",
            "request body",
            ".expiresInMinutes",
        ),
        (
            "property_removed",
            true,
            "TeamsExtensionAssignment_Get",
            "response 200 body",
            ".clientIds",
        ),
        (
            "property_removed",
            true,
            "TeamsExtensionAssignment_Upsert",
            "response 200 body",
            ".clientIds",
        ),
        (
            "property_removed",
            true,
            "TeamsExtensionAssignment_Upsert",
            "response 201 body",
            ".clientIds",
        ),
    ]
}

/// The APIM mutations, on the folder holding `apimusers.json` at `file`:
/// - key type `tertiary` added to the closed enum of `UserTokenParameterProperties.keyType`;
/// - `value` removed from `UserTokenResult`.
pub fn mutate_apim(file: &Path) {
    edit_json(&file.with_file_name("definitions.json"), |spec| {
        let definitions = &mut spec["definitions"];
        definitions["UserTokenParameterProperties"]["properties"]["keyType"]["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("tertiary"));
        let removed = definitions["UserTokenResult"]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("value");
        assert!(
            removed.is_some(),
            "the fixture expects UserTokenResult.value upstream"
        );
    });
}

/// The changes [`mutate_apim`] (plus a new api-version) must produce.
pub fn apim_expected() -> Vec<(&'static str, bool, &'static str, &'static str, &'static str)> {
    vec![
        ("api_version_changed", false, "", "", ""),
        (
            "enum_value_added",
            false,
            "User_GetSharedAccessToken",
            "request body",
            ".properties.keyType",
        ),
        (
            "property_removed",
            true,
            "User_GetSharedAccessToken",
            "response 200 body",
            ".value",
        ),
    ]
}

/// Points every `$ref` to common-types `v5` in the file at `file` to `v2`
/// (the older ARM common types: a string subscription id, another error model).
pub fn use_common_types_v2(file: &Path) {
    fn rewrite(value: &mut Value) {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    match child {
                        Value::String(s) if key == "$ref" => {
                            *s = s.replace("/resource-management/v5/", "/resource-management/v2/");
                        }
                        _ => rewrite(child),
                    }
                }
            }
            Value::Array(items) => items.iter_mut().for_each(rewrite),
            _ => {}
        }
    }
    edit_json(file, rewrite);
}

/// Writes a manifest naming the two modules' entry files.
pub fn write_manifest(path: &Path, acs_entry: &str, apim_entry: &str) {
    std::fs::write(
        path,
        format!(
            "[[module]]\nname = \"acs_identity\"\nentries = [{acs_entry:?}]\n\n\
             [[module]]\nname = \"apim_users\"\nentries = [{apim_entry:?}]\n"
        ),
    )
    .unwrap();
}

/// ACS Identity 2025-03-02-preview, relative to a specs root.
pub const ACS_PREVIEW: &str = "specification/communication/data-plane/Identity/preview/2025-03-02-preview/CommunicationIdentity.json";

/// The name TypeSpec conversions give the api-version parameter.
pub const TYPESPEC_API_VERSION: &str = "Azure.Core.Foundations.ApiVersionParameter";

/// Churns the entry file `entry` (relative to `root`, a copy of the upstream
/// tree) the way Azure's own conversions do, without changing a byte on the
/// wire:
/// - every operationId renamed (`CommunicationIdentity_Create` →
///   `CommunicationIdentityOperations_CreateChurned`);
/// - every path-parameter name renamed (`{id}` → `{idChurned}`), in the path
///   keys, inline parameters, local shared ones and those in other files
///   (`apimanagement.json`, common-types), the parameterized host's too;
/// - error definitions inlined instead of referenced from another file
///   (`Common/…/common.json`, common-types): the response schema is inline,
///   and what it needs is copied into the entry file under TypeSpec-style
///   names (`Azure.Core.Foundations.Error`);
/// - the api-version parameter defined in the entry file as
///   `Azure.Core.Foundations.ApiVersionParameter`.
pub fn churn(root: &Path, entry: &str) {
    let path = root.join(entry);
    let folder = path.parent().unwrap().to_path_buf();
    edit_json(&path, |spec| {
        rename_operation_ids(spec);
        rename_path_parameters(spec, &folder);
        inline_errors(spec, &folder);
        rename_api_version_parameter(spec, &folder);
    });
}

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];

fn operations(spec: &mut Value) -> Vec<&mut Value> {
    let mut found = Vec::new();
    for item in spec["paths"].as_object_mut().unwrap().values_mut() {
        for (key, operation) in item.as_object_mut().unwrap().iter_mut() {
            if METHODS.contains(&key.as_str()) {
                found.push(operation);
            }
        }
    }
    found
}

fn rename_operation_ids(spec: &mut Value) {
    for operation in operations(spec) {
        let id = operation["operationId"].as_str().unwrap().to_string();
        let churned = match id.split_once('_') {
            Some((group, verb)) => format!("{group}Operations_{verb}Churned"),
            None => format!("{id}Churned"),
        };
        operation["operationId"] = json!(churned);
    }
}

fn churned_name(name: &str) -> String {
    format!("{name}Churned")
}

/// Splits `file.json#/a/b` into the file (resolved against `folder`; `None`
/// for a local ref) and the pointer.
fn split_ref(reference: &str, folder: &Path) -> (Option<PathBuf>, String) {
    let (file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    let file = (!file.is_empty()).then(|| folder.join(file));
    (file, pointer.to_string())
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap()
}

fn rename_path_parameters(spec: &mut Value, folder: &Path) {
    // Parameters defined in other files: renamed there (the tree is a copy).
    let mut external: Vec<(PathBuf, String)> = Vec::new();
    let mut local: Vec<String> = Vec::new();
    let mut renamed_paths = Map::new();
    let paths = std::mem::take(spec["paths"].as_object_mut().unwrap());
    for (path, mut item) in paths {
        let mut new_path = path.clone();
        for (key, value) in item.as_object_mut().unwrap().iter_mut() {
            let list = if key == "parameters" {
                value
            } else if METHODS.contains(&key.as_str()) {
                &mut value["parameters"]
            } else {
                continue;
            };
            for parameter in list.as_array_mut().into_iter().flatten() {
                match parameter.get("$ref").and_then(Value::as_str) {
                    Some(reference) => match split_ref(reference, folder) {
                        (Some(file), pointer) => external.push((file, pointer)),
                        (None, pointer) => local.push(pointer),
                    },
                    None if parameter["in"] == "path" => {
                        let name = parameter["name"].as_str().unwrap().to_string();
                        parameter["name"] = json!(churned_name(&name));
                    }
                    None => {}
                }
            }
        }
        // Every {name} in the path is a path parameter: rename them all.
        let names: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        for name in names {
            new_path = new_path.replace(
                &format!("{{{name}}}"),
                &format!("{{{}}}", churned_name(&name)),
            );
        }
        renamed_paths.insert(new_path, item);
    }
    spec["paths"] = Value::Object(renamed_paths);
    local.sort();
    local.dedup();
    for pointer in local {
        if let Some(parameter) = spec
            .pointer_mut(&pointer)
            .filter(|parameter| parameter["in"] == "path")
        {
            let name = parameter["name"].as_str().unwrap().to_string();
            parameter["name"] = json!(churned_name(&name));
        }
    }
    external.sort();
    external.dedup();
    for (file, pointer) in external {
        edit_json(&file, |other| {
            let parameter = other.pointer_mut(&pointer).unwrap();
            let name = parameter["name"].as_str().unwrap().to_string();
            if parameter["in"] == "path" && !name.ends_with("Churned") {
                parameter["name"] = json!(churned_name(&name));
            }
        });
    }
    // The parameterized host's own path parameter.
    if let Some(host) = spec.get_mut("x-ms-parameterized-host") {
        let mut template = host["hostTemplate"].as_str().unwrap().to_string();
        for parameter in host["parameters"].as_array_mut().unwrap() {
            if let Some(name) = parameter["name"].as_str().map(str::to_string) {
                parameter["name"] = json!(churned_name(&name));
                template = template.replace(
                    &format!("{{{name}}}"),
                    &format!("{{{}}}", churned_name(&name)),
                );
            }
        }
        host["hostTemplate"] = json!(template);
    }
}

/// Replaces every response schema that references an error definition in
/// another file by an inline copy, its dependencies copied into the entry
/// file under TypeSpec-style names.
fn inline_errors(spec: &mut Value, folder: &Path) {
    let mut copies = Map::new();
    for operation in operations(spec) {
        for response in operation["responses"].as_object_mut().unwrap().values_mut() {
            let Some(reference) = response["schema"]["$ref"].as_str().map(str::to_string) else {
                continue;
            };
            let (Some(file), pointer) = split_ref(&reference, folder) else {
                continue;
            };
            let name = pointer.rsplit('/').next().unwrap().to_string();
            if !name.contains("Error") {
                continue;
            }
            let other = read_json(&file);
            let prefix = if file.to_string_lossy().contains("common-types") {
                "Azure.ResourceManager.CommonTypes."
            } else {
                "Azure.Core.Foundations."
            };
            let mut inline = other["definitions"][&name].clone();
            copy_dependencies(&mut inline, &other, prefix, &mut copies);
            response["schema"] = inline;
        }
    }
    let definitions = spec["definitions"].as_object_mut().unwrap();
    for (name, definition) in copies {
        assert!(definitions.insert(name, definition).is_none());
    }
}

/// Rewrites local refs in `schema` (from `file`) to `#/definitions/<prefix><name>`,
/// copying each referenced definition (recursively) into `copies`.
fn copy_dependencies(
    schema: &mut Value,
    file: &Value,
    prefix: &str,
    copies: &mut Map<String, Value>,
) {
    match schema {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                match (key.as_str(), child) {
                    ("$ref", Value::String(reference)) => {
                        let name = reference
                            .strip_prefix("#/definitions/")
                            .unwrap_or_else(|| {
                                panic!("unexpected ref {reference} in an error model")
                            })
                            .to_string();
                        let copy_name = format!("{prefix}{name}");
                        *reference = format!("#/definitions/{copy_name}");
                        if !copies.contains_key(&copy_name) {
                            copies.insert(copy_name.clone(), Value::Null);
                            let mut definition = file["definitions"][&name].clone();
                            copy_dependencies(&mut definition, file, prefix, copies);
                            copies.insert(copy_name, definition);
                        }
                    }
                    (_, child) => copy_dependencies(child, file, prefix, copies),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|item| copy_dependencies(item, file, prefix, copies)),
        _ => {}
    }
}

/// Points every reference to a parameter named `ApiVersionParameter` (local
/// or in another file) at a copy in the entry file named
/// [`TYPESPEC_API_VERSION`].
fn rename_api_version_parameter(spec: &mut Value, folder: &Path) {
    let mut definition = None;
    let local = format!("#/parameters/{TYPESPEC_API_VERSION}");
    for operation in operations(spec) {
        for parameter in operation["parameters"].as_array_mut().into_iter().flatten() {
            let Some(reference) = parameter["$ref"].as_str().map(str::to_string) else {
                continue;
            };
            if !reference.ends_with("/parameters/ApiVersionParameter") {
                continue;
            }
            if definition.is_none() {
                definition = Some(match split_ref(&reference, folder) {
                    (Some(file), pointer) => read_json(&file).pointer(&pointer).unwrap().clone(),
                    (None, _) => Value::Null,
                });
            }
            parameter["$ref"] = json!(local);
        }
    }
    let parameters = spec
        .as_object_mut()
        .unwrap()
        .entry("parameters")
        .or_insert_with(|| json!({}))
        .as_object_mut()
        .unwrap();
    let definition = match definition {
        Some(Value::Null) => parameters.remove("ApiVersionParameter").unwrap(),
        Some(external) => external,
        None => panic!("the spec has no api-version parameter"),
    };
    assert_eq!(definition["name"], "api-version");
    parameters.insert(TYPESPEC_API_VERSION.to_string(), definition);
}

/// Quirks met in real Azure specs, on the ACS preview entry file at `file`:
/// - the Teams Phone extension exchange body as TypeSpec writes an empty
///   record (`{"type": "object", "additionalProperties": {}}`), which the
///   facade sends as `{}`;
/// - a `{"ref": …}` typo (no `$`) in `EntraAssignment.principalType`.
pub fn add_quirks(file: &Path) {
    edit_json(file, |spec| {
        let definitions = &mut spec["definitions"];
        definitions["TeamsExtensionExchangeTokenRequest"] =
            json!({"type": "object", "additionalProperties": {}});
        let principal = &mut definitions["EntraAssignment"]["properties"]["principalType"];
        assert!(
            principal.get("$ref").is_some(),
            "the fixture expects a $ref upstream"
        );
        *principal = json!({"ref": principal["$ref"]});
    });
}

/// A copy of the upstream tree in which every entry file the facade builds
/// from (ACS 2023-10-01, 2025-06-30, 2025-03-02-preview; APIM 2024-05-01)
/// is [`churn`]ed, the preview with [`add_quirks`] too.
pub fn churned_upstream_copy(name: &str) -> PathBuf {
    let root = upstream_copy(name);
    for entry in [ACS_2023, ACS_2025, ACS_PREVIEW, APIM] {
        churn(&root, entry);
    }
    add_quirks(&root.join(ACS_PREVIEW));
    root
}
