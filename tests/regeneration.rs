//! Regeneration from other spec versions: the build is pointed at another
//! manifest and specs root (`AZURE_USER_TOKENS_MANIFEST`,
//! `AZURE_REST_API_SPECS`) and cargo runs as a subprocess in a target folder
//! of its own, so the main build is not invalidated:
//!
//! - `cargo check --lib` (`target/regeneration`) from upstream and mutated
//!   versions: the generated modules are what the specs say;
//! - the spec matrix (`target/spec-matrix`): the facade tests
//!   (`tests/identity_client.rs`, `tests/apim_client.rs`, unchanged) against
//!   the emulator, built from each upstream ACS Identity version the facade
//!   supports (2023-10-01, 2025-06-30, 2025-03-02-preview, each with APIM
//!   2024-05-01) and from churned copies of them, in which every
//!   operationId and path-parameter name is renamed, error definitions are
//!   inlined and the api-version parameter is renamed, as Azure's own
//!   conversions do. No spec file is edited by hand for any of them.
//!
//! Needs ../shared/upstream-specs (feature `upstream-specs`). The first run
//! compiles the dependencies once per folder; later runs only redo the
//! generation and this crate.

#![cfg(feature = "upstream-specs")]

mod spec_mutations;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use spec_mutations::*;

/// One build at a time (two cores; the builds share target folders).
static BUILD: Mutex<()> = Mutex::new(());

/// What a regeneration produced.
struct Regenerated {
    /// `$OUT_DIR` of the package's build script.
    out_dir: PathBuf,
}

impl Regenerated {
    /// A generated module's source.
    fn module(&self, name: &str) -> String {
        let path = self.out_dir.join(format!("{name}.rs"));
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }
}

/// `cargo check --lib` of this package generated from `manifest` and `specs`.
fn regenerate(manifest: &Path, specs: &Path) -> Regenerated {
    let _serial = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "check",
            "--lib",
            "--no-default-features",
            "--offline",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(package())
        .env("CARGO_TARGET_DIR", package().join("target/regeneration"))
        // Each build regenerates the crate: nothing to reuse incrementally.
        .env("CARGO_INCREMENTAL", "0")
        .env("AZURE_USER_TOKENS_MANIFEST", manifest)
        .env("AZURE_REST_API_SPECS", specs)
        .output()
        .unwrap();
    eprintln!(
        "cargo check from {} took {:.1?}",
        manifest.display(),
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "the build from {} failed:\n{}",
        manifest.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    Regenerated {
        out_dir: out_dir(&String::from_utf8_lossy(&output.stdout)),
    }
}

/// `$OUT_DIR` of this package's build script, from cargo's JSON messages.
fn out_dir(messages: &str) -> PathBuf {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "build-script-executed"
                && message["package_id"]
                    .as_str()
                    .is_some_and(|id| id.contains("azure-user-tokens"))
        })
        .find_map(|message| message["out_dir"].as_str().map(PathBuf::from))
        .expect("cargo reported no build script output for azure-user-tokens")
}

/// The generated `OPERATION_METHODS` list.
fn methods(module: &str) -> Vec<String> {
    list_constant(module, "OPERATION_METHODS")
}

/// A `pub const NAME: &[&str] = &[…];` list of the generated module.
fn list_constant(module: &str, name: &str) -> Vec<String> {
    let list = module
        .split(&format!("pub const {name}: &[&str] = &["))
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .unwrap_or_else(|| panic!("{name} in the generated module"));
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The api-version a generated client sends by default.
fn api_version(module: &str) -> String {
    let after = module
        .split("fn api_version() -> &'static str {")
        .nth(1)
        .expect("ClientInfo::api_version in the generated module");
    after.split('"').nth(1).unwrap().to_string()
}

#[test]
fn acs_identity_2025_06_30_from_the_upstream_specs_compiles() {
    let manifest = package().join("tests/fixtures/manifest-acs-2025-06-30.toml");
    let build = regenerate(&manifest, &upstream());
    let acs = build.module("acs_identity");
    assert_eq!(api_version(&acs), "2025-06-30");
    let methods = methods(&acs);
    // The facade's operations under their canonical names; nothing else.
    for method in [
        "create_identity",
        "issue_access_token",
        "get_teams_extension_assignment",
        "upsert_teams_extension_assignment",
        "delete_teams_extension_assignment",
        "exchange_teams_extension_access_token",
    ] {
        assert!(
            methods.iter().any(|m| m == method),
            "{method} not in {methods:?}"
        );
    }
    assert_eq!(api_version(&build.module("apim_users")), "2024-05-01");
}

#[test]
fn a_mutated_upstream_tree_in_new_version_folders_compiles() {
    let root = upstream_copy("regeneration-mutated");
    // ACS: a preview folder with a renamed api-version, and the mutations.
    let acs = new_version(&root, ACS_2025, "preview", "2099-01-01-preview");
    mutate_acs(&root.join(&acs));
    // APIM: a renamed api-version, the mutations, and the older common-types v2.
    let apim = new_version(&root, APIM, "stable", "2099-01-01");
    mutate_apim(&root.join(&apim));
    use_common_types_v2(&root.join(&apim));
    let manifest = root.join("manifest.toml");
    write_manifest(&manifest, &acs, &apim);

    let build = regenerate(&manifest, &root);
    let acs = build.module("acs_identity");
    assert_eq!(api_version(&acs), "2099-01-01-preview");
    // The added GET /identities/{id} is the facade's get_identity.
    assert!(methods(&acs).contains(&"get_identity".to_string()));
    assert!(bound(&acs).contains(&"get_identity".to_string()));
    assert!(acs.contains("ChatModerate"), "the new scope has a variant");
    let apim = build.module("apim_users");
    assert_eq!(api_version(&apim), "2099-01-01");
    assert!(apim.contains("Tertiary"), "the new key type has a variant");
}

/// The generated `BOUND_OPERATIONS` list.
fn bound(module: &str) -> Vec<String> {
    list_constant(module, "BOUND_OPERATIONS")
}

// --- The spec matrix: the facade's tests from every supported version. ---

const ACS_OPERATIONS_2023: [&str; 5] = [
    "create_identity",
    "delete_identity",
    "issue_access_token",
    "revoke_access_tokens",
    "exchange_teams_user_access_token",
];
const TEAMS_EXTENSION: [&str; 4] = [
    "exchange_teams_extension_access_token",
    "get_teams_extension_assignment",
    "upsert_teams_extension_assignment",
    "delete_teams_extension_assignment",
];
const PREVIEW_ONLY: [&str; 2] = ["create_identity.customId", "get_identity"];
const APIM_OPERATIONS: [&str; 5] = [
    "list_users",
    "get_user",
    "create_or_update_user",
    "delete_user",
    "get_shared_access_token",
];

/// The ACS bindings each upstream version has.
fn acs_bound(version: &str) -> Vec<String> {
    let mut expected: Vec<&str> = ACS_OPERATIONS_2023.to_vec();
    if version != "2023-10-01" {
        expected.extend(TEAMS_EXTENSION);
    }
    if version == "2025-03-02-preview" {
        expected.extend(PREVIEW_ONLY);
    }
    sorted(expected)
}

fn sorted(items: impl IntoIterator<Item = impl ToString>) -> Vec<String> {
    let mut items: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    items.sort();
    items
}

/// `cargo test --test identity_client --test apim_client` of this package
/// generated from `manifest` and `specs`, in `target/spec-matrix`; checks the
/// tests ran and passed, and returns the generated modules.
fn facade_tests(manifest: &Path, specs: &Path) -> Regenerated {
    // The facade and the emulator; not the CLI (clap, the binary).
    matrix_tests(
        manifest,
        specs,
        "emulator",
        &["identity_client", "apim_client"],
    )
}

/// `cargo test` of the test binaries `tests` with `features`, generated from
/// `manifest` and `specs`, in `target/spec-matrix`; checks each ran tests and
/// passed, and returns the generated modules.
fn matrix_tests(manifest: &Path, specs: &Path, features: &str, tests: &[&str]) -> Regenerated {
    let _serial = BUILD.lock().unwrap_or_else(|e| e.into_inner());
    let started = Instant::now();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "test",
            "--offline",
            "--no-default-features",
            "--features",
            features,
            "--message-format=json-render-diagnostics",
        ])
        .args(tests.iter().flat_map(|test| ["--test", test]))
        .current_dir(package())
        .env("CARGO_TARGET_DIR", package().join("target/spec-matrix"))
        // Each build regenerates the crate: nothing to reuse incrementally.
        .env("CARGO_INCREMENTAL", "0")
        .env("AZURE_USER_TOKENS_MANIFEST", manifest)
        .env("AZURE_REST_API_SPECS", specs)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    eprintln!(
        "{tests:?} built from {} took {:.1?}",
        manifest.display(),
        started.elapsed()
    );
    assert!(
        output.status.success(),
        "{tests:?} built from {} failed:\n{}\n{}",
        manifest.display(),
        // The tests' own output, without cargo's JSON build messages (they
        // would bury the failure), then cargo's rendered diagnostics.
        stdout
            .lines()
            .filter(|line| !line.starts_with(r#"{"reason":"#))
            .collect::<Vec<_>>()
            .join("\n"),
        String::from_utf8_lossy(&output.stderr)
    );
    let results: Vec<&str> = stdout
        .lines()
        .filter(|line| line.starts_with("test result: "))
        .collect();
    assert_eq!(results.len(), tests.len(), "{tests:?} ran: {results:?}");
    for result in &results {
        assert!(
            result.starts_with("test result: ok.") && !result.contains(" 0 passed"),
            "{result}"
        );
    }
    Regenerated {
        out_dir: out_dir(&stdout),
    }
}

/// Runs the facade tests from `manifest` (upstream ACS `version`) and checks
/// which bindings the build found.
fn matrix_build(manifest: &Path, specs: &Path, version: &str) {
    let build = facade_tests(manifest, specs);
    let acs = build.module("acs_identity");
    assert_eq!(api_version(&acs), version);
    assert_eq!(sorted(bound(&acs)), acs_bound(version), "{version}");
    let apim = build.module("apim_users");
    assert_eq!(sorted(bound(&apim)), sorted(APIM_OPERATIONS));
    if version == "2025-03-02-preview" {
        // The merge-patch+json PATCH is generated, sending its JSON body as
        // `application/json` (src/codegen/fixups.rs says why).
        let patch = acs
            .split(".patch(url)")
            .nth(1)
            .and_then(|rest| rest.split(".build()").next())
            .expect("the preview has a PATCH operation");
        assert!(patch.contains(".json(&body)"), "{patch}");
    }
}

fn upstream_manifest(version: &str) -> PathBuf {
    package().join(format!("tests/fixtures/manifest-acs-{version}.toml"))
}

/// The churned copy of the upstream tree, made once for the three builds.
fn churned() -> &'static Path {
    static TREE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    TREE.get_or_init(|| churned_upstream_copy("spec-matrix-churned"))
}

/// A churned build really is churned: no upstream operationId, path
/// parameter name or error reference survives in the entry files.
fn assert_churned(root: &Path, entry: &str) {
    let text = std::fs::read_to_string(root.join(entry)).unwrap();
    for upstream in [
        "CommunicationIdentity_Create\"",
        "User_Get\"",
        "{id}",
        "{userId}",
    ] {
        assert!(!text.contains(upstream), "{entry} still has {upstream}");
    }
    assert!(!text.contains("common.json#/definitions"), "{entry}");
    assert!(
        !text.contains("types.json#/definitions/ErrorResponse"),
        "{entry}"
    );
    assert!(text.contains(TYPESPEC_API_VERSION), "{entry}");
}

#[test]
fn facade_tests_pass_built_from_upstream_acs_2023_10_01() {
    matrix_build(&upstream_manifest("2023-10-01"), &upstream(), "2023-10-01");
}

#[test]
fn facade_tests_pass_built_from_upstream_acs_2025_06_30() {
    matrix_build(&upstream_manifest("2025-06-30"), &upstream(), "2025-06-30");
}

#[test]
fn facade_tests_pass_built_from_upstream_acs_2025_03_02_preview() {
    let version = "2025-03-02-preview";
    matrix_build(&upstream_manifest(version), &upstream(), version);
}

/// The token broker's suite built from the preview: identities are created
/// with a `customId` (idempotent), the path the default build cannot take;
/// `tests/broker` checks the broker took it (`idempotent_creation`) and that a
/// crash between creating and mapping leaves no second identity.
#[test]
fn broker_tests_pass_built_from_upstream_acs_2025_03_02_preview_with_custom_ids() {
    let version = "2025-03-02-preview";
    let build = matrix_tests(
        &upstream_manifest(version),
        &upstream(),
        "emulator,broker,cli",
        &["broker"],
    );
    let acs = build.module("acs_identity");
    assert_eq!(api_version(&acs), version);
    assert!(
        bound(&acs)
            .iter()
            .any(|op| op == "create_identity.customId"),
        "{:?}",
        bound(&acs)
    );
}

#[test]
fn facade_tests_pass_built_from_churned_acs_2023_10_01() {
    assert_churned(churned(), ACS_2023);
    assert_churned(churned(), APIM);
    matrix_build(&upstream_manifest("2023-10-01"), churned(), "2023-10-01");
}

#[test]
fn facade_tests_pass_built_from_churned_acs_2025_06_30() {
    assert_churned(churned(), ACS_2025);
    matrix_build(&upstream_manifest("2025-06-30"), churned(), "2025-06-30");
}

#[test]
fn facade_tests_pass_built_from_churned_acs_2025_03_02_preview() {
    let version = "2025-03-02-preview";
    assert_churned(churned(), ACS_PREVIEW);
    matrix_build(&upstream_manifest(version), churned(), version);
}
