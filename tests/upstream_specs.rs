//! Built against the official Azure specs: every upstream operation has a
//! generated method, and upstream example bodies parse into generated types.
//!
//! Needs `AZURE_REST_API_SPECS` pointing at `../shared/upstream-specs` (or a
//! checkout of azure-rest-api-specs) when the crate is built; `.ci/run` does
//! `AZURE_REST_API_SPECS=../shared/upstream-specs cargo test --features
//! upstream-specs --test upstream_specs`.

use std::path::{Path, PathBuf};

use azure_user_tokens::codegen::bindings::{self, template_shape};
use azure_user_tokens::codegen::{Manifest, fixups::method_name};
use azure_user_tokens::{adapters, generated};
use serde_json::Value;

/// The spec root the library was generated from; a build without it fails here.
const SPEC_ROOT: &str = env!(
    "AZURE_REST_API_SPECS",
    "build this test with AZURE_REST_API_SPECS=../shared/upstream-specs"
);

fn root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(SPEC_ROOT);
    assert!(
        root.join("specification").is_dir(),
        "no upstream specs at {} (is ../shared missing?)",
        root.display()
    );
    root
}

fn entry(module: &str) -> PathBuf {
    let manifest =
        Manifest::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/manifest.toml")).unwrap();
    let module = manifest.module(module).unwrap();
    module.entry_paths(&root()).remove(0)
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap()
}

/// Every operation of a spec: `(operationId, method, path)`.
fn operations(spec: &Value) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for section in ["paths", "x-ms-paths"] {
        for (path, item) in spec[section].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                    found.push((id.to_string(), method.clone(), path.clone()));
                }
            }
        }
    }
    found.sort();
    found
}

/// Every upstream operation has a generated method: the facade's canonical
/// name for the operations it binds (by method + path), the upstream name
/// for the others. Returns the number of operations.
fn assert_every_operation_generated(
    module: &str,
    generated_methods: &[&str],
    bound: &[&str],
) -> usize {
    let spec = read(&entry(module));
    let operations = operations(&spec);
    assert!(
        !operations.is_empty(),
        "{module}: the upstream spec has no operations"
    );
    let mut expected_bound = Vec::new();
    let mut missing = Vec::new();
    for (id, method, path) in &operations {
        let binding = bindings::for_module(module)
            .iter()
            .find(|b| b.method == method && template_shape(b.path).0 == template_shape(path).0);
        let name = match binding {
            Some(binding) => {
                expected_bound.push(binding.name);
                binding.name.to_string()
            }
            None => method_name(id),
        };
        if !generated_methods.contains(&name.as_str()) {
            missing.push(format!("{id} ({method} {path}) as {name}"));
        }
    }
    assert!(
        missing.is_empty(),
        "{module}: upstream operations without a generated method: {missing:?} (generated: {generated_methods:?})"
    );
    let mut bound_operations: Vec<&str> =
        bound.iter().copied().filter(|b| !b.contains('.')).collect();
    bound_operations.sort();
    expected_bound.sort();
    assert_eq!(
        bound_operations, expected_bound,
        "{module}: BOUND_OPERATIONS"
    );
    operations.len()
}

#[test]
fn every_upstream_apim_users_operation_has_a_generated_method() {
    let count = assert_every_operation_generated(
        "apim_users",
        generated::apim_users::OPERATION_METHODS,
        generated::apim_users::BOUND_OPERATIONS,
    );
    assert_eq!(count, 13, "apimusers.json 2024-05-01 has 13 operations");
}

#[test]
fn every_upstream_acs_identity_operation_has_a_generated_method() {
    let count = assert_every_operation_generated(
        "acs_identity",
        generated::acs_identity::OPERATION_METHODS,
        generated::acs_identity::BOUND_OPERATIONS,
    );
    assert!(
        count >= 5,
        "ACS identity has at least 5 operations, found {count}"
    );
}

#[test]
fn the_api_version_sent_is_the_upstream_specs_info_version() {
    for (module, version) in [
        ("apim_users", adapters::apim_users::default_api_version()),
        (
            "acs_identity",
            adapters::acs_identity::default_api_version(),
        ),
    ] {
        let spec = read(&entry(module));
        assert_eq!(spec["info"]["version"].as_str(), Some(version), "{module}");
    }
}

fn example(module: &str, name: &str) -> Value {
    let path = entry(module).parent().unwrap().join("examples").join(name);
    read(&path)
}

#[test]
fn upstream_apim_examples_parse_into_generated_types() {
    use generated::apim_users::types;
    let token = example("apim_users", "ApiManagementUserToken.json");
    let result: types::UserTokenResult =
        serde_json::from_value(token["responses"]["200"]["body"].clone()).unwrap();
    assert!(
        result
            .value
            .unwrap()
            .starts_with("userId1718&201904210044&")
    );
    let request: types::UserTokenParameters =
        serde_json::from_value(token["parameters"]["parameters"].clone()).unwrap();
    let echoed = serde_json::to_value(&request).unwrap();
    assert_eq!(echoed["properties"]["keyType"], "primary");

    let list = example("apim_users", "ApiManagementListUsers.json");
    let users: types::UserCollection =
        serde_json::from_value(list["responses"]["200"]["body"].clone()).unwrap();
    assert_eq!(users.value.len(), 3);

    let user = example("apim_users", "ApiManagementGetUser.json");
    let _: types::UserContract =
        serde_json::from_value(user["responses"]["200"]["body"].clone()).unwrap();
}

#[test]
fn upstream_acs_examples_parse_into_generated_types() {
    use generated::acs_identity::types;
    let created = example("acs_identity", "CreateIdentity.json");
    let result: types::CommunicationIdentityAccessTokenResult =
        serde_json::from_value(created["responses"]["201"]["body"].clone()).unwrap();
    assert!(result.identity.id.starts_with("8:acs:"));
    let issued = example("acs_identity", "IssueAccessToken.json");
    let _: types::CommunicationIdentityAccessToken =
        serde_json::from_value(issued["responses"]["200"]["body"].clone()).unwrap();
}
