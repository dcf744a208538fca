//! The two sides of a diff: entry files, or specs roots read through a manifest.

use std::path::{Path, PathBuf};

use super::super::{Manifest, SpecError, convert_entries};
use super::report::{ModuleDiff, Side, SpecDiff};

/// Compares `old` with `new`: two Swagger entry files, or two specs roots
/// whose modules `manifest` names (read only for roots).
pub fn diff_paths(old: &Path, new: &Path, manifest: &Path) -> Result<SpecDiff, SpecError> {
    match (old.is_dir(), new.is_dir()) {
        (true, true) => diff_roots(old, new, &Manifest::load(manifest)?),
        (false, false) => {
            let name = new
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let module = diff_module(&name, &[old.to_path_buf()], &[new.to_path_buf()])?;
            Ok(SpecDiff::new(vec![module]))
        }
        (old_is_dir, _) => Err(SpecError::new(
            if old_is_dir { new } else { old },
            "",
            "compare two entry files or two specs roots, not one of each",
        )),
    }
}

/// Compares every module of `manifest` between two specs roots.
pub fn diff_roots(old: &Path, new: &Path, manifest: &Manifest) -> Result<SpecDiff, SpecError> {
    let modules = manifest
        .modules
        .iter()
        .map(|module| {
            diff_module(
                &module.name,
                &module.entry_paths(old),
                &module.entry_paths(new),
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SpecDiff::new(modules))
}

/// Bundles and converts both sides as the build does (the faithful OpenAPI
/// document, before the progenitor fix-ups) and compares them.
pub fn diff_module(
    name: &str,
    old_entries: &[PathBuf],
    new_entries: &[PathBuf],
) -> Result<ModuleDiff, SpecError> {
    let old = convert_entries(old_entries)?;
    let new = convert_entries(new_entries)?;
    let side = |spec: &super::super::ConvertedSpec, entries: &[PathBuf]| Side {
        api_version: spec.api_version().to_string(),
        entries: entries.iter().map(|p| p.display().to_string()).collect(),
    };
    Ok(ModuleDiff {
        name: name.to_string(),
        old: side(&old, old_entries),
        new: side(&new, new_entries),
        changes: super::diff_documents(&old.openapi, &new.openapi),
    })
}
