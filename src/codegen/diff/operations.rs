//! Operations: matched by what goes on the wire (method and path, path
//! parameter names aside), then by `operationId`, and compared part by part.

use std::collections::BTreeMap;

use serde_json::Value;

use super::report::{Change, ChangeKind, OperationRef};
use super::scope::Scope;
use super::{bodies, long_running, parameters, rules, security};

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

/// The path template with its parameter names left out:
/// `/identities/{id}` and `/identities/{identityId}` are one path on the wire.
pub fn wire_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_name = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_name = true;
                out.push_str("{}");
            }
            '}' => in_name = false,
            _ if in_name => {}
            _ => out.push(c),
        }
    }
    out
}

/// The parameter names of a path template, in order.
pub fn path_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// What happened to an operation between the two documents.
enum Fate<'r, 'a> {
    /// On both sides (same method and path, or same id).
    Kept(
        &'r (OperationRef, Operation<'a>),
        &'r (OperationRef, Operation<'a>),
    ),
    Removed(&'r OperationRef),
    Added(&'r OperationRef),
}

/// Appends the operation-level changes between two documents, in the order
/// of the (new, or for removed ones old) operation ids.
pub fn diff(old_doc: &Value, new_doc: &Value, out: &mut Vec<Change>) {
    let old: Vec<_> = index(old_doc).into_iter().collect();
    let new: Vec<_> = index(new_doc).into_iter().collect();
    let mut new_taken = vec![false; new.len()];
    let mut fates: Vec<(String, Fate<'_, '_>)> = Vec::new();
    let mut unmatched_old = Vec::new();

    // What goes on the wire first: the build binds operations the same way.
    let wire = |r: &OperationRef| (r.method.clone(), wire_path(&r.path));
    let new_wire: Vec<_> = new.iter().map(|(r, _)| wire(r)).collect();
    for o in &old {
        let o_wire = wire(&o.0);
        match (0..new.len()).find(|&i| !new_taken[i] && new_wire[i] == o_wire) {
            Some(i) => {
                new_taken[i] = true;
                fates.push((new[i].0.id.clone(), Fate::Kept(o, &new[i])));
            }
            None => unmatched_old.push(o),
        }
    }
    // Then the id: the same operation at another method or path.
    for o in unmatched_old {
        match (0..new.len()).find(|&i| !new_taken[i] && new[i].0.id == o.0.id) {
            Some(i) => {
                new_taken[i] = true;
                fates.push((new[i].0.id.clone(), Fate::Kept(o, &new[i])));
            }
            None => fates.push((o.0.id.clone(), Fate::Removed(&o.0))),
        }
    }
    for (n, _) in new.iter().zip(&new_taken).filter(|(_, taken)| !**taken) {
        fates.push((n.0.id.clone(), Fate::Added(&n.0)));
    }
    fates.sort_by(|a, b| a.0.cmp(&b.0));

    for (_, fate) in fates {
        match fate {
            Fate::Kept((old_ref, old_op), (new_ref, new_op)) => {
                let mut found = Vec::new();
                compare(
                    old_doc,
                    new_doc,
                    (old_ref, old_op),
                    (new_ref, new_op),
                    &mut found,
                );
                if old_ref.id != new_ref.id {
                    out.push(renamed(old_ref, new_ref, found.len()));
                }
                out.append(&mut found);
            }
            Fate::Removed(old_ref) => {
                let change = Change::new(ChangeKind::OperationRemoved, true, "operation removed");
                out.push(Scope::operation(old_ref).place(change, ""));
            }
            Fate::Added(new_ref) => {
                let change = Change::new(ChangeKind::OperationAdded, false, "operation added");
                out.push(Scope::operation(new_ref).place(change, ""));
            }
        }
    }
}

/// An `operation_renamed`, saying whether anything else changed (`others`).
fn renamed(old_ref: &OperationRef, new_ref: &OperationRef, others: usize) -> Change {
    let rest = match others {
        0 => "nothing else changed".to_string(),
        1 => "1 other change below".to_string(),
        n => format!("{n} other changes below"),
    };
    let change = Change::new(
        ChangeKind::OperationRenamed,
        rules::operation_renamed(),
        format!(
            "operation id {} → {} ({rest}; not breaking: operations are bound by method and path)",
            old_ref.id, new_ref.id
        ),
    )
    .values(
        Some(old_ref.id.clone().into()),
        Some(new_ref.id.clone().into()),
    );
    Scope::operation(new_ref).place(change, "")
}

fn compare(
    old_doc: &Value,
    new_doc: &Value,
    (old_ref, old_op): (&OperationRef, &Operation<'_>),
    (new_ref, new_op): (&OperationRef, &Operation<'_>),
    out: &mut Vec<Change>,
) {
    let scope = Scope::operation(new_ref);
    let same_wire =
        old_ref.method == new_ref.method && wire_path(&old_ref.path) == wire_path(&new_ref.path);
    if !same_wire {
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
    long_running::diff((old_op.value, new_op.value), &scope, out);
    security::diff_operation(docs, (old_op.value, new_op.value), &scope, out);
    // Path parameters pair up by position when the path is the same on the wire.
    let renamed_path_parameters: BTreeMap<&str, &str> = if same_wire {
        path_names(&old_ref.path)
            .into_iter()
            .zip(path_names(&new_ref.path))
            .collect()
    } else {
        BTreeMap::new()
    };
    parameters::diff(
        docs,
        (old_op, new_op),
        &renamed_path_parameters,
        &scope,
        out,
    );
    bodies::diff_request(docs, (old_op.value, new_op.value), &scope, out);
    bodies::diff_responses(docs, (old_op.value, new_op.value), &scope, out);
}
