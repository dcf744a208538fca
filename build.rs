//! Generates the low-level clients:
//! `specs/manifest.toml` → `src/codegen` (Swagger 2.0 → OpenAPI 3.0 + fix-ups)
//! → progenitor → `$OUT_DIR/<module>.rs`, included by `src/generated.rs`.
//!
//! `AZURE_REST_API_SPECS=<dir>` reads the manifest's entry files under `<dir>`
//! (a checkout of azure-rest-api-specs) instead of `specs/`;
//! `AZURE_USER_TOKENS_MANIFEST=<file>` uses another manifest.

#[path = "src/codegen/mod.rs"]
#[allow(dead_code)]
mod codegen;

use std::env;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};

fn main() {
    if let Err(message) = run() {
        eprintln!("error: {message}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let package = PathBuf::from(env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?);
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(|e| e.to_string())?);
    println!("cargo:rerun-if-env-changed=AZURE_REST_API_SPECS");
    println!("cargo:rerun-if-env-changed=AZURE_USER_TOKENS_MANIFEST");
    // The crate's own targets derive schemars::JsonSchema on the `specs diff`
    // report; this script compiles src/codegen without schemars.
    println!("cargo:rustc-cfg=diff_report_schema");

    // Relative paths are taken relative to the package root.
    let manifest_path = env::var_os("AZURE_USER_TOKENS_MANIFEST")
        .map(|p| package.join(p))
        .unwrap_or_else(|| package.join("specs/manifest.toml"));
    let root = env::var_os("AZURE_REST_API_SPECS")
        .map(|dir| package.join(dir))
        .unwrap_or_else(|| package.join("specs"));
    println!("cargo:rerun-if-changed={}", manifest_path.display());

    // Every binding the facade knows is a possible `bound_operation` value;
    // the ones this build's specs have are set (see src/codegen/bindings.rs).
    let values: Vec<String> = codegen::bindings::all_cfg_values()
        .iter()
        .map(|v| format!("{v:?}"))
        .collect();
    println!(
        "cargo::rustc-check-cfg=cfg(bound_operation, values({}))",
        values.join(", ")
    );

    let manifest = codegen::Manifest::load(&manifest_path).map_err(|e| e.to_string())?;
    for module in &manifest.modules {
        let spec = codegen::convert_module(&root, module).map_err(|e| e.to_string())?;
        for file in &spec.files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        let entry = module.entry_paths(&root).remove(0);
        let prepared = spec.for_module(&module.name).map_err(|e| e.to_string())?;
        for bound in &prepared.bound {
            println!(
                "cargo::rustc-cfg=bound_operation={:?}",
                format!("{}::{bound}", module.name)
            );
        }
        let code = generate(prepared, &entry)?;
        let target = out_dir.join(format!("{}.rs", module.name));
        std::fs::write(&target, code).map_err(|e| format!("{}: {e}", target.display()))?;
    }
    Ok(())
}

/// Runs progenitor on one module's document and renders the module source.
fn generate(prepared: codegen::ModuleDocument, entry: &Path) -> Result<String, String> {
    let document = prepared.document;
    let openapi: openapiv3::OpenAPI = serde_path_to_error::deserialize(document).map_err(|e| {
        format!(
            "{}: the converted spec is not valid OpenAPI 3.0 at {}: {}",
            entry.display(),
            e.path(),
            e.inner()
        )
    })?;

    let mut settings = GenerationSettings::default();
    settings
        // Builder setters take `TryInto<T>`, so callers survive a parameter
        // whose type differs between api-versions.
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        // The facade signs, retries and traces through this inner type.
        .with_inner_type(quote_path("crate::pipeline::Pipeline"))
        .with_hooks(HooksMode::Expected)
        .with_derive("schemars::JsonSchema");

    // progenitor reports some unsupported constructs by panicking: turn the
    // panic into an error that names the spec.
    let previous_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let generated = catch_unwind(AssertUnwindSafe(|| {
        Generator::new(&settings).generate_tokens(&openapi)
    }));
    std::panic::set_hook(previous_hook);
    let tokens = match generated {
        Ok(Ok(tokens)) => tokens,
        Ok(Err(e)) => return Err(format!("{}: progenitor: {e}", entry.display())),
        Err(panic) => {
            let reason = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            return Err(format!(
                "{}: progenitor panicked: {reason}",
                entry.display()
            ));
        }
    };
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| format!("{}: generated code does not parse: {e}", entry.display()))?;
    let methods = client_methods(&file);
    Ok(format!(
        "{}\n/// The generated `Client` methods, one per operation.\npub const OPERATION_METHODS: &[&str] = &{methods:?};\n\
         /// The facade's bindings this spec has (`src/codegen/bindings.rs`).\npub const BOUND_OPERATIONS: &[&str] = &{:?};\n",
        prettyplease::unparse(&file),
        prepared.bound
    ))
}

/// Names of the methods of `impl Client { … }`, as generated.
fn client_methods(file: &syn::File) -> Vec<String> {
    let mut names = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || block.trait_.is_some() {
            continue;
        }
        for item in &block.items {
            if let syn::ImplItem::Fn(f) = item {
                let name = f.sig.ident.to_string();
                // Constructors are not operations.
                if name != "new" && name != "new_with_client" {
                    names.push(name);
                }
            }
        }
    }
    names.sort();
    names
}

fn quote_path(path: &str) -> proc_macro2::TokenStream {
    path.parse().expect("a Rust path")
}
