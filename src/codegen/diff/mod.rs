//! `specs diff`: what changed between two versions of a spec.
//!
//! Both sides go through the same bundler and converter as the build
//! ([`convert_entries`](super::convert_entries)), and the *faithful* OpenAPI
//! documents (before the progenitor fix-ups) are compared:
//!
//! - module level: api-version (`info.version`), servers, security;
//! - operations, matched by `operationId` (renames and moves detected by
//!   method + path): added, removed;
//! - per operation: parameters (matched by location and name), request body,
//!   response status codes, response bodies and headers;
//! - schemas, structurally: `$ref`s are followed and `allOf` flattened (so a
//!   renamed model with the same contents is no change), with a guard
//!   against recursive models. Types, formats, nullability, enum values
//!   (open `x-ms-enum`s included), constraints (pattern, lengths, ranges,
//!   item counts) and properties (added, removed, required).
//!
//! Each change is marked breaking or not by the rules in [`rules`]. The
//! report ([`SpecDiff`]) serializes to a stable JSON structure; [`text`]
//! renders it for people.

mod bodies;
mod document;
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
