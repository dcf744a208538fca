//! Spec fixtures made at test time from a copy of ../shared/upstream-specs:
//! the same mutations a new api-version brings (renamed version, an added
//! operation, a removed property, a new enum value, a tightened constraint),
//! shared by tests/specs_diff.rs and tests/regeneration.rs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

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
