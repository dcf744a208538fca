//! `azure-user-tokens specs …`

use std::path::PathBuf;

use clap::Subcommand;

use super::Failure;
use crate::codegen::{self, Manifest};

#[derive(Debug, Subcommand)]
pub(super) enum SpecsCommand {
    /// Print the OpenAPI 3.0 document the build makes from a module's specs
    /// (or from the given Swagger 2.0 entry files).
    Openapi {
        /// A module name from the manifest, or one or more Swagger entry files.
        #[arg(required = true)]
        targets: Vec<String>,
        /// The specs root (a checkout of azure-rest-api-specs works too).
        #[arg(long, env = "AZURE_REST_API_SPECS", default_value = "specs")]
        root: PathBuf,
        /// The manifest naming each module's entry files.
        #[arg(long, default_value = "specs/manifest.toml")]
        manifest: PathBuf,
        /// Print the document after the progenitor fix-ups, as generated.
        #[arg(long)]
        for_progenitor: bool,
    },
}

pub(super) fn run(command: SpecsCommand) -> Result<(), Failure> {
    match command {
        SpecsCommand::Openapi {
            targets,
            root,
            manifest,
            for_progenitor,
        } => {
            let entries = if targets.len() == 1 && !targets[0].ends_with(".json") {
                let manifest =
                    Manifest::load(&manifest).map_err(|e| Failure::input(e.to_string()))?;
                let module = manifest.module(&targets[0]).ok_or_else(|| {
                    let known: Vec<&str> =
                        manifest.modules.iter().map(|m| m.name.as_str()).collect();
                    Failure::input(format!(
                        "no module {:?} in the manifest (known: {})",
                        targets[0],
                        known.join(", ")
                    ))
                })?;
                module.entry_paths(&root)
            } else {
                targets.iter().map(PathBuf::from).collect()
            };
            let spec =
                codegen::convert_entries(&entries).map_err(|e| Failure::input(e.to_string()))?;
            let document = if for_progenitor {
                spec.for_progenitor()
            } else {
                spec.openapi
            };
            let text = serde_json::to_string_pretty(&document)
                .map_err(|e| Failure::input(format!("cannot render the document: {e}")))?;
            println!("{text}");
            Ok(())
        }
    }
}
