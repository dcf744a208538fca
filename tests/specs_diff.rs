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

use azure_user_tokens::codegen::Manifest;
use azure_user_tokens::codegen::diff::{self, ModuleDiff, SpecDiff};
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

/// `specs diff --output json`, parsed; asserts the exit code.
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
    serde_json::from_slice(&output.stdout).unwrap()
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
    let module = diff::diff_paths(
        &upstream().join(ACS_2025),
        &root.join(&entry),
        Path::new("unused"),
    )
    .unwrap()
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
    assert_eq!(
        diff::diff_roots(&upstream(), &root, &manifest).unwrap(),
        report
    );
}

#[test]
fn each_mutation_alone_is_found_alone() {
    let original = upstream().join(ACS_2025);
    let copy = upstream_copy("diff-single").join(ACS_2025);
    type Mutation = fn(&mut serde_json::Value);
    let cases: [(&str, Mutation); 3] = [
        ("api_version_changed", |s| {
            s["info"]["version"] = "2026-01-01".into()
        }),
        ("enum_value_added", |s| {
            s["definitions"]["TeamsExtensionPrincipalType"]["enum"]
                .as_array_mut()
                .unwrap()
                .push("group".into())
        }),
        ("property_became_required", |s| {
            s["definitions"]["CommunicationIdentityCreateRequest"]["required"] =
                serde_json::json!(["expiresInMinutes"])
        }),
    ];
    for (kind, mutate) in cases {
        std::fs::copy(&original, &copy).unwrap();
        edit_json(&copy, mutate);
        let report = diff::diff_paths(&original, &copy, Path::new("unused")).unwrap();
        let kinds: BTreeSet<String> = report.modules[0]
            .changes
            .iter()
            .map(|c| kind_name(c.kind))
            .collect();
        assert_eq!(kinds, BTreeSet::from([kind.to_string()]), "{report:?}");
    }
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
