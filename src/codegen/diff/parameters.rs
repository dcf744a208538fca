//! Parameters (path, query, header, cookie): matched by location and name.

use serde_json::Value;

use super::operations::Operation;
use super::report::{Change, ChangeKind};
use super::rules::{self, Direction};
use super::schemas::SchemaDiff;
use super::scope::Scope;
use super::view::dereference;

/// One parameter, its `$ref` followed.
#[derive(Debug, Clone, Copy)]
struct Parameter<'a> {
    name: &'a str,
    location: &'a str,
    required: bool,
    schema: Option<&'a Value>,
}

impl Parameter<'_> {
    /// Header names are case-insensitive.
    fn key(&self) -> (String, String) {
        let name = if self.location == "header" {
            self.name.to_ascii_lowercase()
        } else {
            self.name.to_string()
        };
        (self.location.to_string(), name)
    }

    fn label(&self) -> String {
        format!("parameter {} {}", self.location, self.name)
    }

    /// The api-version's value is reported once per module, not per operation.
    fn is_api_version(&self) -> bool {
        self.location == "query" && self.name == "api-version"
    }
}

/// The operation's parameters, path-level ones included (operation-level
/// ones win), in declaration order.
fn parameters<'a>(doc: &'a Value, op: &Operation<'a>) -> Vec<Parameter<'a>> {
    let own = op.value.get("parameters").and_then(Value::as_array);
    let shared = op.item.get("parameters").and_then(Value::as_array);
    let mut out: Vec<Parameter<'a>> = Vec::new();
    for value in own.into_iter().chain(shared).flatten() {
        let Some(param) = dereference(doc, value) else {
            continue;
        };
        let parameter = Parameter {
            name: param.get("name").and_then(Value::as_str).unwrap_or(""),
            location: param.get("in").and_then(Value::as_str).unwrap_or(""),
            required: param.get("required").and_then(Value::as_bool) == Some(true),
            schema: param.get("schema"),
        };
        if !out.iter().any(|p| p.key() == parameter.key()) {
            out.push(parameter);
        }
    }
    out
}

/// Appends the parameter changes of one operation.
pub fn diff(
    (old_doc, new_doc): (&Value, &Value),
    (old_op, new_op): (&Operation<'_>, &Operation<'_>),
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let old = parameters(old_doc, old_op);
    let mut new = parameters(new_doc, new_op);
    let mut unmatched_old = Vec::new();

    for o in old {
        if let Some(i) = new.iter().position(|n| n.key() == o.key()) {
            let n = new.remove(i);
            compare(old_doc, new_doc, &o, &n, scope, out);
        } else {
            unmatched_old.push(o);
        }
    }
    for o in unmatched_old {
        // Same name somewhere else: it moved (e.g. query → header).
        if let Some(i) = new.iter().position(|n| n.name.eq_ignore_ascii_case(o.name)) {
            let n = new.remove(i);
            let change = Change::new(
                ChangeKind::ParameterLocationChanged,
                true,
                format!("moved from {} to {}", o.location, n.location),
            )
            .values(Some(o.location.into()), Some(n.location.into()));
            out.push(scope.at(n.label()).place(change, ""));
            compare(old_doc, new_doc, &o, &n, scope, out);
            continue;
        }
        let change = Change::new(ChangeKind::ParameterRemoved, true, "parameter removed");
        out.push(scope.at(o.label()).place(change, ""));
    }
    for n in new {
        let change = Change::new(
            ChangeKind::ParameterAdded,
            n.required,
            if n.required {
                "required parameter added"
            } else {
                "optional parameter added"
            },
        );
        out.push(scope.at(n.label()).place(change, ""));
    }
}

fn compare(
    old_doc: &Value,
    new_doc: &Value,
    o: &Parameter<'_>,
    n: &Parameter<'_>,
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let scope = scope.at(n.label());
    if o.required != n.required {
        let change = if n.required {
            Change::new(
                ChangeKind::ParameterBecameRequired,
                rules::became_required(Direction::Request),
                "parameter became required",
            )
        } else {
            Change::new(
                ChangeKind::ParameterBecameOptional,
                rules::became_optional(Direction::Request),
                "parameter became optional",
            )
        };
        out.push(scope.place(change, ""));
    }
    if n.is_api_version() {
        return;
    }
    let empty = Value::Object(Default::default());
    let (old_schema, new_schema) = (o.schema.unwrap_or(&empty), n.schema.unwrap_or(&empty));
    SchemaDiff::new(old_doc, new_doc, Direction::Request, &scope, out)
        .compare(old_schema, new_schema);
}
