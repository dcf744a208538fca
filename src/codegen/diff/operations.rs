//! Operations: matched by `operationId`, then compared part by part.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::report::{Change, ChangeKind, OperationRef};
use super::scope::Scope;
use super::{bodies, parameters, security};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One operation of a document.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The operation object.
    pub value: &'a Value,
    /// Its path item (for path-level parameters).
    pub item: &'a Value,
}

/// A document's operations keyed by their reference (id, method, path).
pub fn index(doc: &Value) -> BTreeMap<OperationRef, Operation<'_>> {
    let mut operations = BTreeMap::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return operations;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(value) = item.get(method) else {
                continue;
            };
            let method = method.to_ascii_uppercase();
            let id = value
                .get("operationId")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("{method} {path}"));
            let reference = OperationRef {
                id,
                method,
                path: path.clone(),
            };
            operations.insert(reference, Operation { value, item });
        }
    }
    operations
}

/// Appends the operation-level changes between two documents.
pub fn diff(old_doc: &Value, new_doc: &Value, out: &mut Vec<Change>) {
    let old = by_id(index(old_doc));
    let new = by_id(index(new_doc));
    let renamed = renames(&old, &new);
    let renamed_new: BTreeSet<&str> = renamed.values().map(String::as_str).collect();
    let ids: BTreeSet<&str> = old.keys().chain(new.keys()).map(String::as_str).collect();

    for id in ids {
        match (old.get(id), new.get(id)) {
            (Some((old_ref, old_op)), Some((new_ref, new_op))) => {
                compare(old_doc, new_doc, (old_ref, old_op), (new_ref, new_op), out);
            }
            (Some((old_ref, old_op)), None) if renamed.contains_key(id) => {
                let (new_ref, new_op) = &new[&renamed[id]];
                let change = Change::new(
                    ChangeKind::OperationRenamed,
                    true,
                    format!("operation id {} → {}", old_ref.id, new_ref.id),
                )
                .values(
                    Some(old_ref.id.clone().into()),
                    Some(new_ref.id.clone().into()),
                );
                out.push(Scope::operation(new_ref).place(change, ""));
                compare(old_doc, new_doc, (old_ref, old_op), (new_ref, new_op), out);
            }
            (Some((old_ref, _)), None) => {
                let change = Change::new(ChangeKind::OperationRemoved, true, "operation removed");
                out.push(Scope::operation(old_ref).place(change, ""));
            }
            (None, Some(_)) if renamed_new.contains(id) => {}
            (None, Some((new_ref, _))) => {
                let change = Change::new(ChangeKind::OperationAdded, false, "operation added");
                out.push(Scope::operation(new_ref).place(change, ""));
            }
            (None, None) => {}
        }
    }
}

type ById<'a> = BTreeMap<String, (OperationRef, Operation<'a>)>;

fn by_id(operations: BTreeMap<OperationRef, Operation<'_>>) -> ById<'_> {
    operations
        .into_iter()
        .map(|(reference, op)| (reference.id.clone(), (reference, op)))
        .collect()
}

/// Old ids missing from `new` whose method and path now carry another id
/// that is missing from `old`: old id → new id.
fn renames(old: &ById<'_>, new: &ById<'_>) -> BTreeMap<String, String> {
    let mut renamed = BTreeMap::new();
    for (old_id, (old_ref, _)) in old.iter().filter(|(id, _)| !new.contains_key(*id)) {
        let candidate = new.iter().find(|(new_id, (new_ref, _))| {
            !old.contains_key(*new_id)
                && new_ref.method == old_ref.method
                && new_ref.path == old_ref.path
        });
        if let Some((new_id, _)) = candidate {
            renamed.insert(old_id.clone(), new_id.clone());
        }
    }
    renamed
}

fn compare(
    old_doc: &Value,
    new_doc: &Value,
    (old_ref, old_op): (&OperationRef, &Operation<'_>),
    (new_ref, new_op): (&OperationRef, &Operation<'_>),
    out: &mut Vec<Change>,
) {
    let scope = Scope::operation(new_ref);
    if old_ref.endpoint() != new_ref.endpoint() {
        let change = Change::new(
            ChangeKind::OperationMoved,
            true,
            format!(
                "moved from {} to {}",
                old_ref.endpoint(),
                new_ref.endpoint()
            ),
        )
        .values(
            Some(old_ref.endpoint().into()),
            Some(new_ref.endpoint().into()),
        );
        out.push(scope.place(change, ""));
    }
    let docs = (old_doc, new_doc);
    security::diff_operation(docs, (old_op.value, new_op.value), &scope, out);
    parameters::diff(docs, (old_op, new_op), &scope, out);
    bodies::diff_request(docs, (old_op.value, new_op.value), &scope, out);
    bodies::diff_responses(docs, (old_op.value, new_op.value), &scope, out);
}
