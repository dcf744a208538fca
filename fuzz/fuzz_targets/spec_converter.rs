//! The spec converter on arbitrary JSON: bundling (from a file, as the build
//! does), Swagger 2.0 → OpenAPI 3.0.3 and the progenitor fix-ups either
//! succeed or return a `SpecError`, never panic.
#![no_main]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use azure_user_tokens::codegen::{self, fixups, swagger};
use libfuzzer_sys::fuzz_target;

/// A file of this process's own to hand to the bundler.
fn entry() -> &'static PathBuf {
    static ENTRY: OnceLock<PathBuf> = OnceLock::new();
    ENTRY.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("aut-fuzz-spec-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        dir.join("entry.json")
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return;
    };
    if let Ok(mut openapi) = swagger::to_openapi3(&value, Path::new("fuzz.json")) {
        fixups::for_progenitor(&mut openapi);
    }
    std::fs::write(entry(), bytes).expect("the scratch file is writable");
    if let Ok(converted) = codegen::convert_entries(std::slice::from_ref(entry())) {
        let _ = converted.for_progenitor();
        let _ = converted.api_version();
    }
});
