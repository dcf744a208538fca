//! Security requirements: which ways of authenticating are accepted.
//!
//! A requirement list is a set of alternatives; a client uses one of them.
//! Removing an alternative breaks its users; so does requiring one where
//! none was needed. Adding an alternative does not.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::report::{Change, ChangeKind};
use super::scope::Scope;

/// The alternatives of a `security` list, each rendered canonically
/// (`scheme[scope,…]` joined by `&`).
fn alternatives(security: Option<&Value>) -> Option<BTreeSet<String>> {
    let list = security?.as_array()?;
    Some(
        list.iter()
            .filter_map(Value::as_object)
            .map(|requirement| {
                let mut schemes: Vec<String> = requirement
                    .iter()
                    .map(|(scheme, scopes)| {
                        let mut scopes: Vec<&str> = scopes
                            .as_array()
                            .into_iter()
                            .flatten()
                            .filter_map(Value::as_str)
                            .collect();
                        scopes.sort_unstable();
                        format!("{scheme}[{}]", scopes.join(","))
                    })
                    .collect();
                schemes.sort();
                schemes.join("&")
            })
            .collect(),
    )
}

/// Compares two `security` values found at `scope`.
fn compare(old: Option<&Value>, new: Option<&Value>, scope: &Scope, out: &mut Vec<Change>) {
    let old_set = alternatives(old).unwrap_or_default();
    let new_set = alternatives(new).unwrap_or_default();
    if old_set == new_set {
        return;
    }
    // `[]` or absent, or an empty requirement `{}`: no authentication needed.
    let open = |set: &BTreeSet<String>| set.is_empty() || set.contains("");
    let removed: Vec<&String> = old_set.difference(&new_set).collect();
    let breaking = if open(&old_set) {
        !open(&new_set)
    } else {
        !removed.is_empty()
    };
    let render = |set: &BTreeSet<String>| {
        if set.is_empty() {
            "(none)".to_string()
        } else {
            set.iter().cloned().collect::<Vec<_>>().join(" | ")
        }
    };
    let change = Change::new(
        ChangeKind::SecurityChanged,
        breaking,
        format!("security {} → {}", render(&old_set), render(&new_set)),
    )
    .values(old.cloned(), new.cloned());
    out.push(scope.place(change, ""));
}

/// The document-wide requirements and the schemes they name.
pub fn diff_document(old_doc: &Value, new_doc: &Value, out: &mut Vec<Change>) {
    let scope = Scope::module();
    compare(
        old_doc.get("security"),
        new_doc.get("security"),
        &scope,
        out,
    );
    let (old, new) = (schemes(old_doc), schemes(new_doc));
    if old == new {
        return;
    }
    let names: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut parts = Vec::new();
    for name in names {
        match (old.get(name), new.get(name)) {
            (Some(_), None) => parts.push(format!("{name} removed")),
            (None, Some(_)) => parts.push(format!("{name} added")),
            (Some(a), Some(b)) if a != b => parts.push(format!("{name} changed")),
            _ => {}
        }
    }
    let change = Change::new(ChangeKind::SecurityChanged, false, parts.join(", ")).values(
        old_doc.pointer("/components/securitySchemes").cloned(),
        new_doc.pointer("/components/securitySchemes").cloned(),
    );
    out.push(scope.at("security schemes").place(change, ""));
}

/// The security schemes without their descriptions (scope descriptions included).
fn schemes(doc: &Value) -> BTreeMap<String, Value> {
    fn strip(value: &mut Value) {
        if let Value::Object(map) = value {
            map.remove("description");
            for (key, child) in map.iter_mut() {
                if key == "scopes" {
                    if let Value::Object(scopes) = child {
                        scopes.values_mut().for_each(|v| *v = Value::Null);
                    }
                } else {
                    strip(child);
                }
            }
        }
    }
    doc.pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, scheme)| {
            let mut scheme = scheme.clone();
            strip(&mut scheme);
            (name.clone(), scheme)
        })
        .collect()
}

/// An operation's requirements, when either side declares its own (they
/// override the document's).
pub fn diff_operation(
    (old_doc, new_doc): (&Value, &Value),
    (old_op, new_op): (&Value, &Value),
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let (old, new) = (old_op.get("security"), new_op.get("security"));
    if old.is_some() || new.is_some() {
        let old = old.or(old_doc.get("security"));
        let new = new.or(new_doc.get("security"));
        compare(old, new, &scope.at("security"), out);
    }
}
