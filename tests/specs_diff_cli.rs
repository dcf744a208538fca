//! `specs diff` on our vendored specs (no ../shared needed): the JSON report
//! against the JSON Schema `specs diff --schema` prints, `--fail-on`, and
//! renames (operation ids, path parameter names) reported as such.

#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use azure_user_tokens::cli::shapes;
use azure_user_tokens::codegen::Manifest;
use azure_user_tokens::codegen::diff::{ChangeKind, SpecDiff};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_azure-user-tokens");

fn package() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the CLI from the package root.
fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(package())
        .env_remove("AZURE_REST_API_SPECS")
        .output()
        .unwrap()
}

fn schema() -> Value {
    let output = cli(&["specs", "diff", "--schema"]);
    assert!(output.status.success());
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Checks `report` against the report's JSON Schema.
fn assert_valid(report: &Value) {
    let schema = schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?} in {report}");
}

/// A copy of `specs/` under the test's scratch folder, returned with the
/// path of the ACS Identity entry file in it.
fn specs_copy(name: &str) -> (PathBuf, PathBuf) {
    fn copy_tree(from: &Path, to: &Path) {
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
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&root);
    copy_tree(&package().join("specs"), &root);
    let manifest = Manifest::load(&package().join("specs/manifest.toml")).unwrap();
    let acs = manifest
        .module("acs_identity")
        .unwrap()
        .entry_paths(&root)
        .remove(0);
    (root, acs)
}

fn edit_json(path: &Path, edit: impl FnOnce(&mut Value)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut value: Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
    edit(&mut value);
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

/// Renames every operation id (`X` → `XRenamed`) and every inline path
/// parameter (`{id}` → `{idRenamed}`): what a TypeSpec conversion does.
fn rename_everything(spec: &mut Value) {
    let paths = spec["paths"].as_object_mut().unwrap();
    let old: Vec<(String, Value)> = std::mem::take(paths).into_iter().collect();
    for (path, mut item) in old {
        let names: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        let mut new_path = path.clone();
        for name in &names {
            new_path = new_path.replace(&format!("{{{name}}}"), &format!("{{{name}Renamed}}"));
        }
        for operation in item.as_object_mut().unwrap().values_mut() {
            if let Some(id) = operation["operationId"].as_str() {
                operation["operationId"] = json!(format!("{id}Renamed"));
            }
            for parameter in operation["parameters"].as_array_mut().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let name = parameter["name"].as_str().unwrap().to_string();
                    parameter["name"] = json!(format!("{name}Renamed"));
                }
            }
        }
        paths.insert(new_path, item);
    }
}

fn diff(old: &Path, new: &Path, extra: &[&str]) -> (Output, SpecDiff) {
    let mut args = vec![
        "specs",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = cli(&args);
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    assert_valid(&report);
    (output, serde_json::from_value(report).unwrap())
}

#[test]
fn the_schema_is_the_one_the_cli_documents() {
    let (_, documented) = shapes::schemas()
        .into_iter()
        .find(|(command, _)| command.starts_with("specs diff"))
        .unwrap();
    assert_eq!(schema(), serde_json::to_value(documented).unwrap());
    // The schema is not vacuous: a report missing its summary, or with an
    // unknown kind of change, fails it.
    let validator = jsonschema::validator_for(&schema()).unwrap();
    assert!(!validator.is_valid(&json!({"format": 1, "modules": []})));
    let bad_kind = json!({"format": 1, "summary": {"changes": 1, "breaking": 0}, "modules": [{
        "name": "m", "old": {"api_version": "1", "entries": []}, "new": {"api_version": "1", "entries": []},
        "changes": [{"kind": "no_such_kind", "breaking": false, "operation": null, "message": ""}]}]});
    assert!(!validator.is_valid(&bad_kind));
}

#[test]
fn renamed_operations_and_path_parameters_are_renames_that_break_nothing() {
    let (root, acs) = specs_copy("specs-diff-renames");
    edit_json(&acs, rename_everything);
    let acs_original = package()
        .join("specs")
        .join(acs.strip_prefix(&root).unwrap());
    let (output, report) = diff(&acs_original, &acs, &["--fail-on", "breaking"]);
    assert_eq!(output.status.code(), Some(0), "{report:?}");
    let changes = &report.modules[0].changes;
    assert!(!changes.is_empty());
    assert_eq!(report.summary.breaking, 0, "{report:?}");
    let renames: Vec<_> = changes
        .iter()
        .filter(|c| c.kind == ChangeKind::OperationRenamed)
        .collect();
    let operations =
        azure_user_tokens::codegen::convert_entries(std::slice::from_ref(&acs_original))
            .unwrap()
            .openapi["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|item| item.as_object().unwrap().len())
            .sum::<usize>();
    assert_eq!(renames.len(), operations, "every operation is renamed");
    for rename in &renames {
        let id = rename.operation.as_ref().unwrap().id.clone();
        assert_eq!(rename.old, Some(json!(id.trim_end_matches("Renamed"))));
    }
    // Nothing but renames.
    assert!(
        changes.iter().all(|c| matches!(
            c.kind,
            ChangeKind::OperationRenamed | ChangeKind::ParameterRenamed
        )),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.kind == ChangeKind::ParameterRenamed
                && c.old == Some(json!("id"))
                && c.new == Some(json!("idRenamed")))
    );

    // They are differences all the same.
    let (output, _) = diff(&acs_original, &acs, &["--fail-on", "any"]);
    assert_eq!(output.status.code(), Some(1));
    let (output, _) = diff(&acs_original, &acs, &["--exit-code"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn fail_on_breaking_fails_only_on_breaking_changes() {
    let (root, acs) = specs_copy("specs-diff-fail-on");
    let original = package().join("specs");
    let manifest = package().join("specs/manifest.toml");
    let manifest = manifest.to_str().unwrap();

    // No differences: every policy passes.
    for policy in ["breaking", "any"] {
        let (output, report) = diff(
            &original,
            &root,
            &["--manifest", manifest, "--fail-on", policy],
        );
        assert_eq!(output.status.code(), Some(0));
        assert!(report.summary.changes == 0);
    }

    // A new optional property in a request: a difference, not a breaking one.
    edit_json(&acs, |spec| {
        let definitions = spec["definitions"].as_object_mut().unwrap();
        let (_, model) = definitions
            .iter_mut()
            .find(|(name, _)| name.ends_with("CreateRequest"))
            .unwrap();
        model["properties"]["note"] = json!({"type": "string"});
    });
    let (output, report) = diff(
        &original,
        &root,
        &["--manifest", manifest, "--fail-on", "breaking"],
    );
    assert_eq!(output.status.code(), Some(0), "{report:?}");
    assert_eq!(
        (report.summary.changes > 0, report.summary.breaking),
        (true, 0)
    );
    let (output, _) = diff(
        &original,
        &root,
        &["--manifest", manifest, "--fail-on", "any"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("the specs differ"));

    // The delete becomes long-running: breaking.
    edit_json(&acs, |spec| {
        let paths = spec["paths"].as_object_mut().unwrap();
        let delete = paths
            .values_mut()
            .find_map(|item| item.get_mut("delete"))
            .unwrap();
        delete["x-ms-long-running-operation"] = json!(true);
    });
    let (output, report) = diff(
        &original,
        &root,
        &[
            "--manifest",
            manifest,
            "--fail-on",
            "breaking",
            "-o",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("breaking changes: "));
    assert!(
        report.modules[0]
            .changes
            .iter()
            .any(|c| c.kind == ChangeKind::LongRunningChanged && c.breaking)
    );
}

#[test]
fn fail_on_and_exit_code_are_one_policy_and_schema_stands_alone() {
    let specs = package().join("specs");
    let specs = specs.to_str().unwrap();
    let both = cli(&[
        "specs",
        "diff",
        specs,
        specs,
        "--fail-on",
        "any",
        "--exit-code",
    ]);
    assert_eq!(both.status.code(), Some(2));
    let bad = cli(&["specs", "diff", specs, specs, "--fail-on", "sometimes"]);
    assert_eq!(bad.status.code(), Some(2));
    let schema_and_sides = cli(&["specs", "diff", "--schema", specs, specs]);
    assert_eq!(schema_and_sides.status.code(), Some(2));
    let no_sides = cli(&["specs", "diff"]);
    assert_eq!(no_sides.status.code(), Some(2));
}
