//! Regeneration from other spec versions compiles: the build is pointed at
//! another manifest and specs root (`AZURE_USER_TOKENS_MANIFEST`,
//! `AZURE_REST_API_SPECS`) and `cargo check --lib` runs as a subprocess in
//! its own target folder (`target/regeneration`), so the main build is not
//! invalidated.
//!
//! Needs ../shared/upstream-specs (feature `upstream-specs`). The first run
//! compiles the dependencies once for that folder; later runs only redo the
//! generation and the library check.

#![cfg(feature = "upstream-specs")]

mod spec_mutations;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use spec_mutations::*;

/// The two builds share one target folder: run them one after the other.
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
    let out_dir = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "build-script-executed"
                && message["package_id"]
                    .as_str()
                    .is_some_and(|id| id.contains("azure-user-tokens"))
        })
        .find_map(|message| message["out_dir"].as_str().map(PathBuf::from))
        .expect("cargo reported no build script output for azure-user-tokens");
    Regenerated { out_dir }
}

/// The generated `OPERATION_METHODS` list.
fn methods(module: &str) -> Vec<String> {
    let list = module
        .split("pub const OPERATION_METHODS: &[&str] = &[")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .expect("OPERATION_METHODS in the generated module");
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
    for method in [
        "communication_identity_create",
        "communication_identity_issue_access_token",
        "teams_extension_assignment_get",
        "teams_extension_assignment_upsert",
        "teams_extension_assignment_delete",
        "teams_extension_token_exchange",
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
    assert!(methods(&acs).contains(&"communication_identity_get".to_string()));
    assert!(acs.contains("ChatModerate"), "the new scope has a variant");
    let apim = build.module("apim_users");
    assert_eq!(api_version(&apim), "2099-01-01");
    assert!(apim.contains("Tertiary"), "the new key type has a variant");
}
