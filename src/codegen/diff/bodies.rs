//! Request bodies, responses (status codes, bodies, headers).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::report::{Change, ChangeKind};
use super::rules::{self, Direction};
use super::schemas::SchemaDiff;
use super::scope::Scope;
use super::view::dereference;

/// The media type the client uses: JSON when offered, else the first (what
/// the progenitor fix-ups keep).
fn used_media_type(holder: &Value) -> Option<&str> {
    let content = holder.get("content")?.as_object()?;
    content
        .keys()
        .find(|m| m.starts_with("application/json"))
        .or_else(|| content.keys().next())
        .map(String::as_str)
}

/// The schema of a request body or response, in the media type the client uses.
fn content_schema(holder: &Value) -> Option<&Value> {
    holder
        .get("content")?
        .get(used_media_type(holder)?)?
        .get("schema")
}

/// Appends the media types a body gained or lost (`consumes`, `produces`).
fn media_types(old: &Value, new: &Value, scope: &Scope, out: &mut Vec<Change>) {
    let types = |holder: &Value| -> BTreeSet<String> {
        holder
            .get("content")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(media_type, _)| media_type.clone())
            .collect()
    };
    let (old_types, new_types) = (types(old), types(new));
    let used = used_media_type(old);
    for removed in old_types.difference(&new_types) {
        let change = Change::new(
            ChangeKind::MediaTypeRemoved,
            rules::media_type_removed(used == Some(removed.as_str())),
            format!("media type {removed} removed"),
        )
        .values(Some(removed.as_str().into()), None);
        out.push(scope.place(change, ""));
    }
    for added in new_types.difference(&old_types) {
        let change = Change::new(
            ChangeKind::MediaTypeAdded,
            false,
            format!("media type {added} added"),
        )
        .values(None, Some(added.as_str().into()));
        out.push(scope.place(change, ""));
    }
}

fn request_body<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    dereference(doc, op.get("requestBody")?)
}

/// Appends the request body changes of one operation.
pub fn diff_request(
    (old_doc, new_doc): (&Value, &Value),
    (old_op, new_op): (&Value, &Value),
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let scope = scope.at("request body");
    let required = |b: &Value| b.get("required").and_then(Value::as_bool) == Some(true);
    match (request_body(old_doc, old_op), request_body(new_doc, new_op)) {
        (None, None) => {}
        (Some(_), None) => {
            let change = Change::new(ChangeKind::RequestBodyRemoved, true, "request body removed");
            out.push(scope.place(change, ""));
        }
        (None, Some(new)) => {
            let change = Change::new(
                ChangeKind::RequestBodyAdded,
                required(new),
                if required(new) {
                    "required request body added"
                } else {
                    "optional request body added"
                },
            );
            out.push(scope.place(change, ""));
        }
        (Some(old), Some(new)) => {
            if required(old) != required(new) {
                let change = if required(new) {
                    Change::new(
                        ChangeKind::RequestBodyBecameRequired,
                        rules::became_required(Direction::Request),
                        "request body became required",
                    )
                } else {
                    Change::new(
                        ChangeKind::RequestBodyBecameOptional,
                        rules::became_optional(Direction::Request),
                        "request body became optional",
                    )
                };
                out.push(scope.place(change, ""));
            }
            media_types(old, new, &scope, out);
            let body = Body::new(Direction::Request, true);
            schemas((old_doc, new_doc), (old, new), body, &scope, out);
        }
    }
}

/// Appends the response changes of one operation.
pub fn diff_responses(
    (old_doc, new_doc): (&Value, &Value),
    (old_op, new_op): (&Value, &Value),
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let responses = |doc, op: &Value| -> BTreeMap<String, Value> {
        op.get("responses")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(code, r)| Some((code.clone(), dereference(doc, r)?.clone())))
            .collect()
    };
    let old = responses(old_doc, old_op);
    let new = responses(new_doc, new_op);
    let codes: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for code in codes {
        let scope = scope.at(format!("response {code}"));
        match (old.get(code), new.get(code)) {
            (Some(_), None) => {
                let change = Change::new(
                    ChangeKind::ResponseRemoved,
                    rules::status(code),
                    format!("status {code} removed"),
                );
                out.push(scope.place(change, ""));
            }
            (None, Some(_)) => {
                let change = Change::new(
                    ChangeKind::ResponseAdded,
                    rules::status(code),
                    format!("status {code} added"),
                );
                out.push(scope.place(change, ""));
            }
            (Some(old), Some(new)) => {
                response((old_doc, new_doc), code, (old, new), &scope, out);
            }
            (None, None) => {}
        }
    }
}

fn response(
    (old_doc, new_doc): (&Value, &Value),
    code: &str,
    (old, new): (&Value, &Value),
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    let body_scope = scope.at(format!("{} body", scope.location));
    match (content_schema(old).is_some(), content_schema(new).is_some()) {
        (true, false) => {
            let change = Change::new(
                ChangeKind::ResponseBodyRemoved,
                true,
                "response body removed",
            );
            out.push(body_scope.place(change, ""));
        }
        (false, true) => {
            let change = Change::new(ChangeKind::ResponseBodyAdded, false, "response body added");
            out.push(body_scope.place(change, ""));
        }
        _ => {
            media_types(old, new, &body_scope, out);
            // Error bodies are all handled alike: their model names matter to no caller.
            let body = Body::new(Direction::Response, rules::status(code));
            schemas((old_doc, new_doc), (old, new), body, &body_scope, out);
        }
    }

    let headers = |doc, r: &Value| -> BTreeMap<String, Value> {
        r.get("headers")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .filter_map(|(name, h)| Some((name.to_ascii_lowercase(), dereference(doc, h)?.clone())))
            .collect()
    };
    let (old_headers, new_headers) = (headers(old_doc, old), headers(new_doc, new));
    let names: BTreeSet<&String> = old_headers.keys().chain(new_headers.keys()).collect();
    for name in names {
        let scope = scope.at(format!("{} header {name}", scope.location));
        match (old_headers.get(name), new_headers.get(name)) {
            (Some(_), None) => {
                let change = Change::new(
                    ChangeKind::ResponseHeaderRemoved,
                    true,
                    "response header removed",
                );
                out.push(scope.place(change, ""));
            }
            (None, Some(_)) => {
                let change = Change::new(
                    ChangeKind::ResponseHeaderAdded,
                    false,
                    "response header added",
                );
                out.push(scope.place(change, ""));
            }
            (Some(old), Some(new)) => {
                if let (Some(old), Some(new)) = (old.get("schema"), new.get("schema")) {
                    SchemaDiff::new(old_doc, new_doc, Direction::Response, &scope, out)
                        .compare(old, new);
                }
            }
            (None, None) => {}
        }
    }
}

/// A body: which way it flows, and whether its model's name is the name of
/// a type callers handle (request bodies and success responses).
#[derive(Debug, Clone, Copy)]
struct Body {
    direction: Direction,
    typed: bool,
}

impl Body {
    fn new(direction: Direction, typed: bool) -> Body {
        Body { direction, typed }
    }
}

/// Compares the content schemas of two bodies, when both have one.
fn schemas(
    (old_doc, new_doc): (&Value, &Value),
    (old, new): (&Value, &Value),
    body: Body,
    scope: &Scope,
    out: &mut Vec<Change>,
) {
    if let (Some(old), Some(new)) = (content_schema(old), content_schema(new)) {
        let mut diff = SchemaDiff::new(old_doc, new_doc, body.direction, scope, out);
        if body.typed {
            diff.compare_body(old, new);
        } else {
            diff.compare(old, new);
        }
    }
}
