//! Parameters (path, query, header, cookie): matched by location and name,
//! path parameters by their position in the path.

use std::collections::BTreeMap;

use serde_json::Value;

use super::operations::Operation;
use super::report::{Change, ChangeKind};
use super::rules::{self, Direction};
use super::schemas::SchemaDiff;
use super::scope::Scope;
use super::view::{View, dereference};

/// One parameter, its `$ref` followed.
#[derive(Debug, Clone, Copy)]
struct Parameter<'a> {
    name: &'a str,
    location: &'a str,
    required: bool,
    schema: Option<&'a Value>,
    style: Option<&'a str>,
    explode: Option<bool>,
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

    /// `in name`, for order listings.
    fn short(&self) -> String {
        format!("{} {}", self.location, self.name)
    }

    /// The api-version's value is reported once per module, not per operation.
    fn is_api_version(&self) -> bool {
        self.location == "query" && self.name == "api-version"
    }

    /// How an array or object goes on the wire: OpenAPI's `style` and
    /// `explode`, defaults filled in (Swagger's `collectionFormat` was
    /// converted to them).
    fn serialization(&self) -> (String, bool) {
        let style = self.style.unwrap_or(match self.location {
            "query" | "cookie" => "form",
            _ => "simple",
        });
        (style.to_string(), self.explode.unwrap_or(style == "form"))
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
            style: param.get("style").and_then(Value::as_str),
            explode: param.get("explode").and_then(Value::as_bool),
        };
        if !out.iter().any(|p| p.key() == parameter.key()) {
            out.push(parameter);
        }
    }
    out
}

/// Appends the parameter changes of one operation. `renamed_path` maps the
/// old path's parameter names to the new path's, position by position.
pub fn diff(
    (old_doc, new_doc): (&Value, &Value),
    (old_op, new_op): (&Operation<'_>, &Operation<'_>),
    renamed_path: &BTreeMap<&str, &str>,
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let old = parameters(old_doc, old_op);
    let new = parameters(new_doc, new_op);
    // The key an old parameter has on the new side.
    let new_key = |p: &Parameter<'_>| match renamed_path.get(p.name) {
        Some(name) if p.location == "path" => ("path".to_string(), name.to_string()),
        _ => p.key(),
    };
    let mut pairs: Vec<(Parameter<'_>, Parameter<'_>)> = Vec::new();
    let mut unmatched_old = Vec::new();
    let mut unmatched_new = new.clone();

    for o in &old {
        if let Some(i) = unmatched_new.iter().position(|n| n.key() == new_key(o)) {
            pairs.push((*o, unmatched_new.remove(i)));
        } else {
            unmatched_old.push(*o);
        }
    }
    order(&old, &new, &pairs, scope, out);
    for (o, n) in &pairs {
        if o.name != n.name {
            let change = Change::new(
                ChangeKind::ParameterRenamed,
                rules::path_parameter_renamed(),
                format!(
                    "path parameter {} renamed to {} (not breaking: the name is not on the wire)",
                    o.name, n.name
                ),
            )
            .values(Some(o.name.into()), Some(n.name.into()));
            out.push(scope.at(n.label()).place(change, ""));
        }
        compare(old_doc, new_doc, o, n, scope, out);
    }
    for o in unmatched_old {
        // Same name somewhere else: it moved (e.g. query → header).
        if let Some(i) = unmatched_new
            .iter()
            .position(|n| n.name.eq_ignore_ascii_case(o.name))
        {
            let n = unmatched_new.remove(i);
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
    for n in unmatched_new {
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

/// Reports a new declaration order of the parameters found on both sides
/// (added and removed ones aside).
fn order(
    old: &[Parameter<'_>],
    new: &[Parameter<'_>],
    pairs: &[(Parameter<'_>, Parameter<'_>)],
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let position = |list: &[Parameter<'_>], p: &Parameter<'_>| {
        list.iter().position(|q| q.key() == p.key()).unwrap_or(0)
    };
    let mut by_old: Vec<&(Parameter<'_>, Parameter<'_>)> = pairs.iter().collect();
    by_old.sort_by_key(|(o, _)| position(old, o));
    let mut by_new = by_old.clone();
    by_new.sort_by_key(|(_, n)| position(new, n));
    if by_old
        .iter()
        .zip(&by_new)
        .all(|(a, b)| a.1.key() == b.1.key())
    {
        return;
    }
    let list = |pairs: &[&(Parameter<'_>, Parameter<'_>)], old_side: bool| -> Vec<String> {
        pairs
            .iter()
            .map(|(o, n)| if old_side { o.short() } else { n.short() })
            .collect()
    };
    let (old_order, new_order) = (list(&by_old, true), list(&by_new, false));
    let change = Change::new(
        ChangeKind::ParameterOrderChanged,
        rules::parameter_order(),
        format!(
            "parameter order {} → {} (not breaking: progenitor orders parameters itself)",
            old_order.join(", "),
            new_order.join(", ")
        ),
    )
    .values(Some(old_order.into()), Some(new_order.into()));
    out.push(scope.place(change, ""));
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
    // Style only shapes arrays and objects; a scalar is sent the same way.
    let structured = |doc, schema| matches!(View::of(doc, schema).ty, Some("array" | "object"));
    if o.location == n.location
        && o.serialization() != n.serialization()
        && (structured(old_doc, old_schema) || structured(new_doc, new_schema))
    {
        let show = |(style, explode): (String, bool)| {
            format!("{style}{}", if explode { " exploded" } else { "" })
        };
        let change = Change::new(
            ChangeKind::ParameterStyleChanged,
            rules::parameter_style(),
            format!(
                "serialized as {} → {}",
                show(o.serialization()),
                show(n.serialization())
            ),
        )
        .values(
            Some(serialization_value(o.serialization())),
            Some(serialization_value(n.serialization())),
        );
        out.push(scope.place(change, ""));
    }
    SchemaDiff::new(old_doc, new_doc, Direction::Request, &scope, out)
        .compare(old_schema, new_schema);
}

fn serialization_value((style, explode): (String, bool)) -> Value {
    serde_json::json!({"style": style, "explode": explode})
}
