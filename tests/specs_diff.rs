//! `specs diff` on the official specs and on mutated copies of them.
//!
//! Needs ../shared/upstream-specs (feature `upstream-specs`); fails loudly
//! when it is missing. The copies are made at test time under
//! `CARGO_TARGET_TMPDIR`, so the fixtures are always today's upstream files.

#![cfg(feature = "upstream-specs")]

mod spec_mutations;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use azure_user_tokens::codegen::Manifest;
use azure_user_tokens::codegen::diff::{self, ChangeKind, ModuleDiff, SpecDiff};
use serde_json::{Value, json};
use spec_mutations::*;

const BIN: &str = env!("CARGO_BIN_EXE_azure-user-tokens");

/// Runs the CLI from the package root.
fn cli(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(package())
        .env_remove("AZURE_REST_API_SPECS")
        .output()
        .unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The report's JSON Schema, as `specs diff --schema` prints it.
fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let output = cli(&["specs", "diff", "--schema"]);
        assert!(output.status.success());
        serde_json::from_slice(&output.stdout).unwrap()
    })
}

/// Checks a report (as printed, or as the library builds it) against the schema.
fn assert_valid(report: &Value) {
    let validator = jsonschema::validator_for(schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?} in {report}");
}

/// `specs diff --output json`, checked against the schema and parsed;
/// asserts the exit code.
fn diff_json(old: &Path, new: &Path, extra: &[&str], code: i32) -> SpecDiff {
    let mut args = vec!["specs", "diff", path(old), path(new), "--output", "json"];
    args.extend_from_slice(extra);
    let output = cli(&args);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_valid(&report);
    serde_json::from_value(report).unwrap()
}

/// The library's diff of two entry files, its JSON checked against the schema.
fn diff_files(old: &Path, new: &Path) -> SpecDiff {
    let report = diff::diff_paths(old, new, Path::new("unused")).unwrap();
    assert_valid(&serde_json::to_value(&report).unwrap());
    report
}

fn module<'a>(diff: &'a SpecDiff, name: &str) -> &'a ModuleDiff {
    diff.modules
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("no module {name} in {diff:?}"))
}

/// The ids of the operations added (or removed) in a module.
fn operations(module: &ModuleDiff, kind: diff::ChangeKind) -> BTreeSet<String> {
    module
        .changes
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| c.operation.as_ref().unwrap().id.clone())
        .collect()
}

/// A kind as the JSON report spells it.
fn kind_name(kind: diff::ChangeKind) -> String {
    serde_json::to_value(kind)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string()
}

/// Every change as `(kind, breaking, operation, location, schema path)`, sorted.
fn found(module: &ModuleDiff) -> Vec<(String, bool, String, String, String)> {
    let mut found: Vec<_> = module
        .changes
        .iter()
        .map(|c| {
            (
                kind_name(c.kind),
                c.breaking,
                c.operation
                    .as_ref()
                    .map(|o| o.id.clone())
                    .unwrap_or_default(),
                c.location.clone(),
                c.schema_path.clone(),
            )
        })
        .collect();
    found.sort();
    found
}

fn expected(
    list: Vec<(&str, bool, &str, &str, &str)>,
) -> Vec<(String, bool, String, String, String)> {
    let mut list: Vec<_> = list
        .into_iter()
        .map(|(k, b, o, l, p)| (k.into(), b, o.into(), l.into(), p.into()))
        .collect();
    list.sort();
    list
}

#[test]
fn acs_2023_10_01_to_2025_06_30_adds_the_teams_extension_operations() {
    let root = upstream();
    let report = diff_json(&root.join(ACS_2023), &root.join(ACS_2025), &[], 0);
    let acs = &report.modules[0];
    assert_eq!(
        (acs.old.api_version.as_str(), acs.new.api_version.as_str()),
        ("2023-10-01", "2025-06-30")
    );
    assert_eq!(
        operations(acs, diff::ChangeKind::OperationAdded),
        BTreeSet::from(
            [
                "TeamsExtensionAssignment_Delete",
                "TeamsExtensionAssignment_Get",
                "TeamsExtensionAssignment_Upsert",
                "TeamsExtensionToken_Exchange",
            ]
            .map(String::from)
        )
    );
    assert!(operations(acs, diff::ChangeKind::OperationRemoved).is_empty());
    assert!(
        acs.changes
            .iter()
            .any(|c| c.kind == diff::ChangeKind::ApiVersionChanged)
    );
    let get = acs
        .changes
        .iter()
        .find(|c| {
            c.operation
                .as_ref()
                .is_some_and(|o| o.id == "TeamsExtensionAssignment_Get")
        })
        .unwrap();
    let op = get.operation.as_ref().unwrap();
    assert_eq!(
        (op.method.as_str(), op.path.as_str()),
        (
            "GET",
            "/access/teamsExtension/tenants/{tenantId}/assignments/{objectId}"
        )
    );
    assert!(!get.breaking);
}

#[test]
fn our_specs_against_upstream_list_the_apim_operations_we_do_not_vendor() {
    let report = diff_json(&package().join("specs"), &upstream(), &[], 0);
    let apim = module(&report, "apim_users");
    assert_eq!(
        operations(apim, diff::ChangeKind::OperationAdded),
        BTreeSet::from(
            [
                "UserConfirmationPassword_Send",
                "UserGroup_List",
                "UserIdentities_List",
                "UserSubscription_Get",
                "UserSubscription_List",
                "User_GenerateSsoUrl",
                "User_GetEntityTag",
                "User_Update",
            ]
            .map(String::from)
        )
    );
    assert!(operations(apim, diff::ChangeKind::OperationRemoved).is_empty());
    let acs = module(&report, "acs_identity");
    assert!(operations(acs, diff::ChangeKind::OperationAdded).is_empty());
    assert!(operations(acs, diff::ChangeKind::OperationRemoved).is_empty());
}

#[test]
fn a_renamed_preview_version_finds_exactly_the_mutations() {
    let root = upstream_copy("diff-preview");
    let entry = new_version(&root, ACS_2025, "preview", "2099-01-01-preview");
    mutate_acs(&root.join(&entry));
    let module = diff_files(&upstream().join(ACS_2025), &root.join(&entry))
        .modules
        .remove(0);
    assert_eq!(module.new.api_version, "2099-01-01-preview");
    assert_eq!(found(&module), expected(acs_expected()));
}

#[test]
fn a_mutated_specs_root_finds_exactly_the_mutations_module_by_module() {
    let root = upstream_copy("diff-root");
    let manifest_path = root.join("manifest.toml");
    write_manifest(&manifest_path, ACS_2025, APIM);
    mutate_acs(&root.join(ACS_2025));
    edit_json(&root.join(ACS_2025), |spec| {
        spec["info"]["version"] = "2099-01-01".into()
    });
    mutate_apim(&root.join(APIM));
    edit_json(&root.join(APIM), |spec| {
        spec["info"]["version"] = "2099-01-01".into()
    });

    let report = diff_json(&upstream(), &root, &["--manifest", path(&manifest_path)], 0);
    assert_eq!(
        found(module(&report, "acs_identity")),
        expected(acs_expected())
    );
    assert_eq!(
        found(module(&report, "apim_users")),
        expected(apim_expected())
    );
    assert_eq!(
        report.summary.changes,
        acs_expected().len() + apim_expected().len()
    );
    assert_eq!(report.summary.breaking, 5);

    // The library and the CLI agree.
    let manifest = Manifest::load(&manifest_path).unwrap();
    let library = diff::diff_roots(&upstream(), &root, &manifest).unwrap();
    assert_valid(&serde_json::to_value(&library).unwrap());
    assert_eq!(library, report);
}

type Mutation = fn(&mut Value);

/// One mutation of one upstream entry file, and the (kind, breaking) pairs
/// it must produce: nothing else.
struct Case {
    entry: &'static str,
    mutate: Mutation,
    expected: &'static [(&'static str, bool)],
}

/// Renames a definition and every `$ref` to it.
fn rename_definition(spec: &mut Value, from: &str, to: &str) {
    let model = spec["definitions"]
        .as_object_mut()
        .unwrap()
        .remove(from)
        .unwrap();
    spec["definitions"][to] = model;
    let text = serde_json::to_string(spec).unwrap().replace(
        &format!("\"#/definitions/{from}\""),
        &format!("\"#/definitions/{to}\""),
    );
    *spec = serde_json::from_str(&text).unwrap();
}

/// The mutations of tests/spec_mutations (first three), then one per
/// openapi-diff rule `specs diff` covers beyond them (see REGENERATING.md).
fn single_mutations() -> Vec<(&'static str, Case)> {
    vec![
        (
            "api-version",
            Case {
                entry: ACS_2025,
                mutate: |s| s["info"]["version"] = "2026-01-01".into(),
                expected: &[("api_version_changed", false)],
            },
        ),
        (
            "open enum value",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["TeamsExtensionPrincipalType"]["enum"]
                        .as_array_mut()
                        .unwrap()
                        .push("group".into())
                },
                expected: &[("enum_value_added", false)],
            },
        ),
        (
            "required request property",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["CommunicationIdentityCreateRequest"]["required"] =
                        json!(["expiresInMinutes"])
                },
                expected: &[("property_became_required", true)],
            },
        ),
        (
            "1008 ModifiedOperationId",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["paths"]["/identities"]["post"]["operationId"] = json!("Identities_Create")
                },
                expected: &[("operation_renamed", false)],
            },
        ),
        (
            "path parameter renamed",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    let paths = s["paths"].as_object_mut().unwrap();
                    let mut item = paths.remove("/identities/{id}").unwrap();
                    item["delete"]["parameters"][0]["name"] = json!("identityId");
                    paths.insert("/identities/{identityId}".into(), item);
                },
                expected: &[("parameter_renamed", false)],
            },
        ),
        (
            "1042 ChangedParameterOrder",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["paths"]["/identities/{id}/:issueAccessToken"]["post"]["parameters"]
                        .as_array_mut()
                        .unwrap()
                        .reverse()
                },
                expected: &[("parameter_order_changed", false)],
            },
        ),
        (
            "1044 XmsLongRunningOperationChanged (on)",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["paths"]["/identities/{id}"]["delete"]["x-ms-long-running-operation"] =
                        json!(true)
                },
                expected: &[("long_running_changed", true)],
            },
        ),
        (
            "1044 XmsLongRunningOperationChanged (off)",
            Case {
                entry: APIM,
                mutate: |s| {
                    let (_, item) = s["paths"]
                        .as_object_mut()
                        .unwrap()
                        .iter_mut()
                        .find(|(_, item)| item["delete"]["operationId"] == "User_Delete")
                        .unwrap();
                    item["delete"]["x-ms-long-running-operation"] = json!(false);
                },
                expected: &[("long_running_changed", false)],
            },
        ),
        (
            "1044 final-state-via",
            Case {
                entry: APIM,
                mutate: |s| {
                    let (_, item) = s["paths"]
                        .as_object_mut()
                        .unwrap()
                        .iter_mut()
                        .find(|(_, item)| item["delete"]["operationId"] == "User_Delete")
                        .unwrap();
                    let options = &mut item["delete"]["x-ms-long-running-operation-options"];
                    assert_eq!(
                        options["final-state-via"], "location",
                        "the fixture expects location upstream"
                    );
                    options["final-state-via"] = json!("azure-async-operation");
                },
                expected: &[("long_running_options_changed", true)],
            },
        ),
        (
            "1047 XmsEnumChanged (closed)",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["CommunicationIdentityTokenScope"]["x-ms-enum"]["modelAsString"] =
                        json!(false)
                },
                // Scopes are only sent.
                expected: &[("enum_extensibility_changed", true)],
            },
        ),
        (
            "1049 RemovedXmsEnum",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["TeamsExtensionPrincipalType"]
                        .as_object_mut()
                        .unwrap()
                        .remove("x-ms-enum");
                },
                // Sent in the upsert (now only listed values), received in the answers.
                expected: &[
                    ("enum_extensibility_changed", true),
                    ("enum_extensibility_changed", false),
                ],
            },
        ),
        (
            "1027 DefaultValueChanged",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    let minutes = &mut s["definitions"]["CommunicationIdentityAccessTokenRequest"]
                        ["properties"]["expiresInMinutes"];
                    assert_eq!(
                        minutes["default"], 1440,
                        "the fixture expects a 1440 default upstream"
                    );
                    minutes["default"] = json!(60);
                },
                expected: &[("default_changed", true)],
            },
        ),
        (
            "1003 RequestBodyFormatNoLongerSupported",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["paths"]["/identities/{id}/:issueAccessToken"]["post"]["consumes"] =
                        json!(["text/json"])
                },
                expected: &[("media_type_removed", true), ("media_type_added", false)],
            },
        ),
        (
            "1004 ResponseBodyFormatNowSupported",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["paths"]["/identities/{id}/:issueAccessToken"]["post"]["produces"] =
                        json!(["application/json", "text/json"])
                },
                expected: &[("media_type_added", false)],
            },
        ),
        (
            "1017 ReferenceRedirection",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    rename_definition(
                        s,
                        "CommunicationIdentityAccessTokenRequest",
                        "IssueTokenRequest",
                    );
                    rename_definition(s, "CommunicationIdentityAccessToken", "AccessToken");
                },
                // The request body's type breaks its builders; the response's (and
                // the nested one in other answers) is read without naming it.
                expected: &[("model_renamed", true), ("model_renamed", false)],
            },
        ),
        (
            "1021 AddedAdditionalProperties",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["TeamsExtensionExchangeTokenRequest"]["additionalProperties"] =
                        json!({"type": "string"})
                },
                expected: &[("additional_properties_added", false)],
            },
        ),
        (
            "1023 TypeFormatChanged",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["CommunicationIdentityAccessTokenRequest"]["properties"]["expiresInMinutes"]
                        ["format"] = json!("int64")
                },
                // Wider, and only sent.
                expected: &[("format_changed", false)],
            },
        ),
        (
            "1029 ReadonlyPropertyChanged",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["CommunicationIdentityCreateRequest"]["properties"]["expiresInMinutes"]
                        ["readOnly"] = json!(true)
                },
                expected: &[("property_removed", true)],
            },
        ),
        (
            "1030 DifferentDiscriminator",
            Case {
                entry: ACS_2025,
                mutate: |s| {
                    s["definitions"]["TeamsExtensionAssignmentResponse"]["discriminator"] =
                        json!("principalType")
                },
                expected: &[("discriminator_changed", true)],
            },
        ),
    ]
}

#[test]
fn each_mutation_alone_is_found_alone() {
    let copy_root = upstream_copy("diff-single");
    for (name, case) in single_mutations() {
        let original = upstream().join(case.entry);
        let copy = copy_root.join(case.entry);
        std::fs::copy(&original, &copy).unwrap();
        edit_json(&copy, case.mutate);
        let report = diff_files(&original, &copy);
        let found: BTreeSet<(String, bool)> = report.modules[0]
            .changes
            .iter()
            .map(|c| (kind_name(c.kind), c.breaking))
            .collect();
        let expected: BTreeSet<(String, bool)> = case
            .expected
            .iter()
            .map(|(kind, breaking)| (kind.to_string(), *breaking))
            .collect();
        assert_eq!(found, expected, "{name}: {report:#?}");
        std::fs::copy(&original, &copy).unwrap();
    }
}

/// Renames every operation id and every inline path parameter in a spec
/// (path parameters behind a `$ref` are shared: left alone).
fn rename_operations_and_path_parameters(spec: &mut Value) {
    let paths = spec["paths"].as_object_mut().unwrap();
    for (path, mut item) in std::mem::take(paths) {
        let mut new_path = path.clone();
        for operation in item.as_object_mut().unwrap().values_mut() {
            if let Some(id) = operation["operationId"].as_str() {
                operation["operationId"] = json!(format!("Renamed_{id}"));
            }
            for parameter in operation["parameters"].as_array_mut().into_iter().flatten() {
                if parameter["in"] == "path" {
                    let name = parameter["name"].as_str().unwrap().to_string();
                    parameter["name"] = json!(format!("{name}2"));
                    new_path = new_path.replace(&format!("{{{name}}}"), &format!("{{{name}2}}"));
                }
            }
        }
        paths.insert(new_path, item);
    }
}

#[test]
fn azure_renaming_every_operation_breaks_nothing() {
    let root = upstream_copy("diff-renames");
    let manifest_path = root.join("manifest.toml");
    write_manifest(&manifest_path, ACS_2025, APIM);
    edit_json(&root.join(ACS_2025), rename_operations_and_path_parameters);
    edit_json(&root.join(APIM), rename_operations_and_path_parameters);

    let args = ["--manifest", path(&manifest_path), "--fail-on", "breaking"];
    let report = diff_json(&upstream(), &root, &args, 0);
    assert_eq!(report.summary.breaking, 0, "{report:#?}");
    for module in &report.modules {
        let renamed = operations(module, ChangeKind::OperationRenamed);
        assert!(!renamed.is_empty());
        assert!(renamed.iter().all(|id| id.starts_with("Renamed_")));
        assert!(operations(module, ChangeKind::OperationAdded).is_empty());
        assert!(operations(module, ChangeKind::OperationRemoved).is_empty());
        assert!(
            module.changes.iter().all(|c| matches!(
                c.kind,
                ChangeKind::OperationRenamed | ChangeKind::ParameterRenamed
            )),
            "{module:#?}"
        );
    }
    let acs = module(&report, "acs_identity");
    assert_eq!(operations(acs, ChangeKind::OperationRenamed).len(), 9);
    assert!(
        acs.changes
            .iter()
            .any(|c| c.kind == ChangeKind::ParameterRenamed && c.location == "parameter path id2")
    );
    // A rename of nothing else says so.
    let create = acs
        .changes
        .iter()
        .find(|c| c.operation.as_ref().unwrap().id == "Renamed_CommunicationIdentity_Create")
        .unwrap();
    assert!(
        create.message.contains("nothing else changed"),
        "{}",
        create.message
    );

    // Still differences.
    let args = ["--manifest", path(&manifest_path), "--fail-on", "any"];
    diff_json(&upstream(), &root, &args, 1);
}

#[test]
fn exit_code_reports_differences_like_git_diff() {
    let root = upstream();
    let same = cli(&[
        "specs",
        "diff",
        path(&root.join(ACS_2025)),
        path(&root.join(ACS_2025)),
        "--exit-code",
    ]);
    assert_eq!(same.status.code(), Some(0));
    let different = diff_json(
        &root.join(ACS_2023),
        &root.join(ACS_2025),
        &["--exit-code"],
        1,
    );
    assert_eq!(different.summary.changes, 5);
    // Without --exit-code, differences are not a failure.
    diff_json(&root.join(ACS_2023), &root.join(ACS_2025), &[], 0);
}

#[test]
fn unreadable_or_mismatched_sides_exit_with_2() {
    let root = upstream();
    let missing = cli(&[
        "specs",
        "diff",
        "no/such/spec.json",
        path(&root.join(ACS_2025)),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no/such/spec.json"));
    let mixed = cli(&[
        "specs",
        "diff",
        path(&root),
        path(&root.join(ACS_2025)),
        "--exit-code",
    ]);
    assert_eq!(mixed.status.code(), Some(2));
    let bad_manifest = cli(&[
        "specs",
        "diff",
        "specs",
        path(&root),
        "--manifest",
        "no/manifest.toml",
    ]);
    assert_eq!(bad_manifest.status.code(), Some(2));

    let scratch = scratch("diff-invalid");
    let broken = scratch.join("broken.json");
    std::fs::write(&broken, "{ not json").unwrap();
    let invalid = cli(&["specs", "diff", path(&root.join(ACS_2025)), path(&broken)]);
    assert_eq!(invalid.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&invalid.stderr).contains("line 1"));
}

#[test]
fn text_output_groups_by_module_and_operation() {
    let root = upstream_copy("diff-text");
    mutate_acs(&root.join(ACS_2025));
    let output = cli(&[
        "specs",
        "diff",
        path(&upstream().join(ACS_2025)),
        path(&root.join(ACS_2025)),
        "-o",
        "text",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("module CommunicationIdentity (2025-06-30): 7 changes, 4 breaking\n"),
        "{text}"
    );
    assert!(
        text.contains("\n  + CommunicationIdentity_Get  GET /identities/{id}\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\n  CommunicationIdentity_IssueAccessToken  POST /identities/{id}/:issueAccessToken\n    \
             ~ request body .expiresInMinutes: maximum 1440 → 720 (narrowed)  [breaking]\n    \
             + request body .scopes[]: enum value \"chat.moderate\" added (open enum)\n"
        ),
        "{text}"
    );
    assert!(text.ends_with("total: 7 changes, 4 breaking\n"), "{text}");
}

#[test]
fn the_preview_before_a_stable_version_is_older_and_only_adds() {
    let root = upstream();
    let preview = "specification/communication/data-plane/Identity/preview/2025-03-02-preview/CommunicationIdentity.json";
    let report = diff_json(
        &root.join(ACS_2025),
        &root.join(preview),
        &["--fail-on", "breaking"],
        0,
    );
    let acs = &report.modules[0];
    let version = acs
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::ApiVersionChanged)
        .unwrap();
    assert_eq!(
        version.message,
        "api-version 2025-06-30 → 2025-03-02-preview (older)"
    );
    assert!(operations(acs, ChangeKind::OperationAdded).contains("CommunicationIdentity_Get"));
    assert_eq!(report.summary.breaking, 0);
}
