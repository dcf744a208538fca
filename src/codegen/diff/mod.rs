//! `specs diff`: what changed between two versions of a spec.
//!
//! Both sides go through the same bundler and converter as the build
//! ([`convert_entries`](super::convert_entries)), and the *faithful* OpenAPI
//! documents (before the progenitor fix-ups) are compared:
//!
//! - module level: api-version (`info.version`), servers, security;
//! - operations, matched by method + path (path parameter names aside: an
//!   operationId change there is a rename), then by `operationId` (a move):
//!   added, removed, renamed, moved, long-running or not;
//! - per operation: parameters (matched by location and name, path ones by
//!   position: renamed, reordered, re-serialized), request body and media
//!   types, response status codes, response bodies and headers;
//! - schemas, structurally: `$ref`s are followed and `allOf` flattened (so a
//!   renamed model with the same contents is no change), with a guard
//!   against recursive models. Types, formats, nullability, defaults,
//!   discriminators, enum values (open `x-ms-enum`s included), constraints
//!   (pattern, lengths, ranges, item counts), additional properties and
//!   properties (added, removed, required); a body's model name.
//!
//! Each change is marked breaking or not by the rules in [`rules`];
//! [`checklist`] maps them to Azure's openapi-diff rules. The
//! report ([`SpecDiff`]) serializes to a stable JSON structure; [`text`]
//! renders it for people.

mod bodies;
pub mod checklist;
mod document;
mod long_running;
mod operations;
mod parameters;
mod report;
pub mod rules;
mod schemas;
mod scope;
mod security;
mod sources;
pub mod text;
mod view;

#[cfg(test)]
mod rule_tests;
#[cfg(test)]
mod tests;

use serde_json::Value;

// build.rs compiles this module too, without using the diff.
#[allow(unused_imports)]
pub use report::{Change, ChangeKind, FORMAT, ModuleDiff, OperationRef, Side, SpecDiff, Summary};
#[allow(unused_imports)]
pub use sources::{diff_module, diff_paths, diff_roots};

/// Compares two converted (OpenAPI 3.0) documents.
///
/// Changes come in a stable order: api-version, servers, security, then
/// operations by id, each with its parameters, body and responses.
pub fn diff_documents(old: &Value, new: &Value) -> Vec<Change> {
    let mut changes = Vec::new();
    document::diff_api_version(old, new, &mut changes);
    document::diff_servers(old, new, &mut changes);
    security::diff_document(old, new, &mut changes);
    operations::diff(old, new, &mut changes);
    changes
}
