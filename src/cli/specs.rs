//! `azure-user-tokens specs …`

use std::path::PathBuf;

use clap::{Subcommand, ValueEnum};

use super::failure::Failure;
use super::output::OutputFormat;
use crate::codegen::diff::{self, SpecDiff};
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
    /// Compare two versions of a spec: operations, parameters, models,
    /// enum values and status codes added, removed or changed, each marked
    /// breaking or not.
    ///
    /// OLD and NEW are both Swagger entry files, or both specs roots (a
    /// checkout of azure-rest-api-specs, or `specs`), compared module by
    /// module as the manifest lists them.
    Diff {
        /// The old side: an entry file or a specs root.
        #[arg(required_unless_present = "schema")]
        old: Option<PathBuf>,
        /// The new side: the same kind as OLD.
        #[arg(required_unless_present = "schema")]
        new: Option<PathBuf>,
        /// The manifest naming each module's entry files (for specs roots).
        #[arg(long, default_value = "specs/manifest.toml")]
        manifest: PathBuf,
        /// Exit with 1 when there are breaking changes (`breaking`) or any
        /// changes (`any`), else 0; unreadable specs exit with 2.
        #[arg(long, value_enum, value_name = "WHAT")]
        fail_on: Option<FailOn>,
        /// The same as `--fail-on any` (as `git diff --exit-code`).
        #[arg(long, conflicts_with = "fail_on")]
        exit_code: bool,
        /// Print the JSON Schema of the JSON report and exit.
        #[arg(long, conflicts_with_all = ["old", "new", "fail_on", "exit_code"])]
        schema: bool,
        /// Output format: json (the documented report) or text (grouped by
        /// module and operation). Same flag as the global `--output`.
        #[arg(long, short = 'o', value_enum, default_value_t = OutputFormat::Json)]
        output: OutputFormat,
    },
}

/// `specs diff --fail-on`: which differences make the command fail (exit 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum FailOn {
    /// Changes marked breaking.
    Breaking,
    /// Any change.
    Any,
}

impl FailOn {
    /// Why `report` fails this policy, if it does.
    fn failure(self, report: &SpecDiff) -> Option<String> {
        let counts = format!(
            "{} changes, {} breaking",
            report.summary.changes, report.summary.breaking
        );
        match self {
            FailOn::Any if report.summary.changes > 0 => {
                Some(format!("the specs differ: {counts}"))
            }
            FailOn::Breaking if report.summary.breaking > 0 => {
                Some(format!("breaking changes: {counts}"))
            }
            _ => None,
        }
    }
}

pub(super) fn run(command: SpecsCommand) -> Result<(), Failure> {
    match command {
        SpecsCommand::Openapi {
            targets,
            root,
            manifest,
            for_progenitor,
        } => {
            // A module gets its bindings applied, as the build does.
            let mut module_name = None;
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
                module_name = Some(module.name.clone());
                module.entry_paths(&root)
            } else {
                targets.iter().map(PathBuf::from).collect()
            };
            let spec =
                codegen::convert_entries(&entries).map_err(|e| Failure::input(e.to_string()))?;
            let document = match (for_progenitor, module_name) {
                (true, Some(module)) => {
                    spec.for_module(&module)
                        .map_err(|e| Failure::input(e.to_string()))?
                        .document
                }
                (true, None) => spec.for_progenitor(),
                (false, _) => spec.openapi,
            };
            let text = serde_json::to_string_pretty(&document)
                .map_err(|e| Failure::input(format!("cannot render the document: {e}")))?;
            println!("{text}");
            Ok(())
        }
        SpecsCommand::Diff {
            old,
            new,
            manifest,
            fail_on,
            exit_code,
            schema,
            output,
        } => {
            if schema {
                return print_json(&schemars::schema_for!(SpecDiff));
            }
            let (Some(old), Some(new)) = (old, new) else {
                return Err(Failure::input("specs diff needs OLD and NEW"));
            };
            let report = diff::diff_paths(&old, &new, &manifest)
                .map_err(|e| Failure::input(e.to_string()))?;
            print_diff(&report, output)?;
            let fail_on = fail_on.or(exit_code.then_some(FailOn::Any));
            match fail_on.and_then(|policy| policy.failure(&report)) {
                Some(message) => Err(Failure::failed(message)),
                None => Ok(()),
            }
        }
    }
}

/// Prints a diff report: the JSON structure of [`SpecDiff`], or the text rendering.
fn print_diff(report: &SpecDiff, output: OutputFormat) -> Result<(), Failure> {
    match output {
        OutputFormat::Json => print_json(report)?,
        OutputFormat::Text => print!("{}", diff::text::render(report)),
    }
    Ok(())
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::failed(format!("cannot render the report: {e}")))?;
    println!("{text}");
    Ok(())
}
