//! `specs/manifest.toml`: which generated module comes from which entry files.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::SpecError;

/// The parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// One entry per generated module.
    #[serde(rename = "module")]
    pub modules: Vec<ModuleSpec>,
}

/// One generated module: a version-free name and the spec files its operations come from.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleSpec {
    /// Rust module name, e.g. `apim_users`.
    pub name: String,
    /// Entry files, relative to the specs root, version folder included.
    pub entries: Vec<String>,
}

impl Manifest {
    /// Reads and checks a manifest file.
    pub fn load(path: &Path) -> Result<Manifest, SpecError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::new(path, "", format!("cannot read manifest: {e}")))?;
        Manifest::parse(path, &text)
    }

    /// Parses manifest text; `path` is only used in error messages.
    pub fn parse(path: &Path, text: &str) -> Result<Manifest, SpecError> {
        let manifest: Manifest = toml::from_str(text)
            .map_err(|e| SpecError::new(path, "", format!("invalid manifest: {e}")))?;
        let mut seen = std::collections::BTreeSet::new();
        for module in &manifest.modules {
            let valid_name = module
                .name
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase())
                && module
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !valid_name {
                return Err(SpecError::new(
                    path,
                    "",
                    format!(
                        "module name {:?} must be a snake_case Rust identifier",
                        module.name
                    ),
                ));
            }
            if !seen.insert(module.name.as_str()) {
                return Err(SpecError::new(
                    path,
                    "",
                    format!("module {:?} is listed twice", module.name),
                ));
            }
            if module.entries.is_empty() {
                return Err(SpecError::new(
                    path,
                    "",
                    format!("module {:?} has no entry files", module.name),
                ));
            }
        }
        Ok(manifest)
    }

    /// The module called `name`, if listed.
    pub fn module(&self, name: &str) -> Option<&ModuleSpec> {
        self.modules.iter().find(|m| m.name == name)
    }
}

impl ModuleSpec {
    /// The entry files resolved under a specs root.
    pub fn entry_paths(&self, root: &Path) -> Vec<PathBuf> {
        self.entries.iter().map(|e| root.join(e)).collect()
    }
}
