//! Spec tooling: Swagger 2.0 → OpenAPI 3.0.3 → what progenitor accepts.
//!
//! The stages, in order:
//! 1. [`manifest`]: which entry files make which generated module;
//! 2. [`bundle`]: the entry files and everything their `$ref`s reach, as one
//!    self-contained Swagger 2.0 document;
//! 3. [`swagger`]: a faithful conversion to OpenAPI 3.0.3 (what `specs diff`
//!    compares);
//! 4. [`bind`]: the operations the facade uses ([`bindings`]) found by
//!    method + path and given canonical names;
//! 5. [`fixups`]: the lossy adjustments progenitor 0.15 needs.
//!
//! This module uses no `crate::` paths: `build.rs` compiles it with
//! `#[path = "src/codegen/mod.rs"]`, so the build and the library share it.

pub mod bind;
pub mod bindings;
pub mod bundle;
pub mod diff;
mod error;
pub mod fixups;
pub mod loader;
pub mod manifest;
pub mod pointer;
pub mod schema;
pub mod swagger;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use error::SpecError;
pub use manifest::{Manifest, ModuleSpec};

/// One module's spec, converted.
#[derive(Debug, Clone)]
pub struct ConvertedSpec {
    /// The faithful OpenAPI 3.0.3 document (before progenitor fix-ups).
    pub openapi: Value,
    /// The (first) entry file, named in errors.
    pub entry: PathBuf,
    /// Every spec file read.
    pub files: Vec<PathBuf>,
}

/// A module's document as the build hands it to progenitor.
#[derive(Debug, Clone)]
pub struct ModuleDocument {
    /// The document: bindings applied, then the fix-ups.
    pub document: Value,
    /// The module's bindings the spec has ([`bind::bind`]).
    pub bound: Vec<String>,
}

impl ConvertedSpec {
    /// The api-version the spec describes (`info.version`).
    pub fn api_version(&self) -> &str {
        self.openapi["info"]["version"].as_str().unwrap_or_default()
    }

    /// The document adjusted for progenitor, without bindings.
    pub fn for_progenitor(&self) -> Value {
        let mut document = self.openapi.clone();
        fixups::for_progenitor(&mut document);
        document
    }

    /// The document the build generates `module` from: the module's
    /// bindings applied (canonical names for the operations the facade
    /// uses), then the progenitor fix-ups.
    pub fn for_module(&self, module: &str) -> Result<ModuleDocument, SpecError> {
        let mut document = self.openapi.clone();
        let bound = bind::bind(&mut document, module, &self.entry)?;
        fixups::for_progenitor(&mut document);
        Ok(ModuleDocument { document, bound })
    }
}

/// Bundles and converts one module's entry files found under `root`.
pub fn convert_module(root: &Path, module: &ModuleSpec) -> Result<ConvertedSpec, SpecError> {
    convert_entries(&module.entry_paths(root))
}

/// Bundles and converts the given entry files.
pub fn convert_entries(entries: &[PathBuf]) -> Result<ConvertedSpec, SpecError> {
    let bundled = bundle::bundle(entries)?;
    let first = entries
        .first()
        .map(PathBuf::as_path)
        .unwrap_or(Path::new(""));
    let openapi = swagger::to_openapi3(&bundled.document, first)?;
    Ok(ConvertedSpec {
        openapi,
        entry: first.to_path_buf(),
        files: bundled.files,
    })
}
