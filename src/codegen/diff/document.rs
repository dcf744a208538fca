//! Module-level differences: api-version and servers.

use std::collections::BTreeSet;

use serde_json::Value;

use super::report::{Change, ChangeKind};
use super::scope::Scope;

/// The spec's api-version (`info.version`).
pub fn api_version(doc: &Value) -> &str {
    doc.pointer("/info/version")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// Whether `new` is an older api-version than `old`. Azure api-versions
/// are dates (`2025-06-30`, `2025-03-02-preview`): the date decides, and a
/// preview comes before the stable version of the same day.
pub fn is_older(old: &str, new: &str) -> bool {
    let key = |v: &str| {
        let date = v.get(..10).unwrap_or(v);
        (date.to_string(), v.get(10..).unwrap_or("").is_empty())
    };
    key(new) < key(old)
}

/// Appends an `api_version_changed` when `info.version` differs (saying
/// when the new side is older: openapi-diff's "versions reversed").
pub fn diff_api_version(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let (old, new) = (api_version(old), api_version(new));
    if old != new {
        let change = Change::new(
            ChangeKind::ApiVersionChanged,
            false,
            format!(
                "api-version {old} → {new}{}",
                if is_older(old, new) { " (older)" } else { "" }
            ),
        )
        .values(Some(old.into()), Some(new.into()));
        out.push(Scope::module().place(change, ""));
    }
}

/// Appends a `servers_changed` when the server URLs differ; breaking when
/// an old URL is gone.
pub fn diff_servers(old: &Value, new: &Value, out: &mut Vec<Change>) {
    let urls = |doc: &Value| -> BTreeSet<String> {
        doc.get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("url").and_then(Value::as_str))
            .map(str::to_string)
            .collect()
    };
    let (old_urls, new_urls) = (urls(old), urls(new));
    if old_urls != new_urls {
        let list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(", ");
        let change = Change::new(
            ChangeKind::ServersChanged,
            old_urls.difference(&new_urls).next().is_some(),
            format!("servers {} → {}", list(&old_urls), list(&new_urls)),
        )
        .values(old.get("servers").cloned(), new.get("servers").cloned());
        out.push(Scope::module().place(change, ""));
    }
}
