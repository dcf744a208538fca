//! Which changes are breaking.
//!
//! One principle, applied by direction: a client *sends* requests and
//! *receives* responses. A change breaks it when what it may send shrinks
//! (request: narrowed constraint, new required field, removed enum value) or
//! what it may receive grows (response: widened constraint, new value of a
//! closed enum, a field that may now be missing). A `format` counts as a
//! constraint (added: narrowed, removed: widened). Removed operations,
//! parameters and properties, and changed types or formats, break either way
//! (generated code stops compiling or values stop parsing).
//!
//! What is specific to this crate's client (progenitor's builder style, the
//! build binding operations by method and path) decides the rest: names that
//! never go on the wire (operation ids, path parameter names) and the order
//! parameters are declared in break nothing.

use serde_json::Value;

/// Which way the data in a schema flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client (parameters, request bodies).
    Request,
    /// Received by the client (response bodies and headers).
    Response,
}

/// How a constraint change moves the set of valid values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Fewer values are valid.
    Narrowed,
    /// More values are valid.
    Widened,
    /// Some other set (e.g. a different pattern).
    Changed,
}

impl Effect {
    /// `narrowed`, `widened` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Narrowed => "narrowed",
            Effect::Widened => "widened",
            Effect::Changed => "changed",
        }
    }
}

/// Whether a change with `effect` on the valid values breaks a client.
pub fn constraint(direction: Direction, effect: Effect) -> bool {
    match effect {
        Effect::Narrowed => direction == Direction::Request,
        Effect::Widened => direction == Direction::Response,
        Effect::Changed => true,
    }
}

/// A new property: breaks requests only when it is required.
pub fn property_added(direction: Direction, required: bool) -> bool {
    direction == Direction::Request && required
}

/// A property (or parameter, or header) became required: breaks senders.
pub fn became_required(direction: Direction) -> bool {
    direction == Direction::Request
}

/// A property became optional: breaks receivers, who may now miss it.
pub fn became_optional(direction: Direction) -> bool {
    direction == Direction::Response
}

/// A new enum value: breaks receivers of a closed enum.
pub fn enum_value_added(direction: Direction, open: bool) -> bool {
    direction == Direction::Response && !open
}

/// A removed enum value: breaks senders.
pub fn enum_value_removed(direction: Direction) -> bool {
    direction == Direction::Request
}

/// An enum became open (`now_open`) or closed.
pub fn enum_extensibility(direction: Direction, now_open: bool) -> bool {
    constraint(
        direction,
        if now_open {
            Effect::Widened
        } else {
            Effect::Narrowed
        },
    )
}

/// `nullable` added (`now_nullable`) or removed.
pub fn nullable(direction: Direction, now_nullable: bool) -> bool {
    enum_extensibility(direction, now_nullable)
}

/// A response status code added or removed: success codes change what the
/// generated method returns; error codes are all handled alike.
pub fn status(code: &str) -> bool {
    code.starts_with('2')
}

/// An operation id changed on the same method and path: the build binds the
/// facade's operations by method and path, and the id is not on the wire.
pub fn operation_renamed() -> bool {
    false
}

/// A path parameter renamed at the same position: the name is not on the
/// wire, and the build binds path parameters by position.
pub fn path_parameter_renamed() -> bool {
    false
}

/// Parameters declared in another order: progenitor orders them itself
/// (path ones as in the path, query and header ones by name, the body
/// last), in the builder style and the positional one alike.
pub fn parameter_order() -> bool {
    false
}

/// An array parameter serialized another way (`csv` → `multi`, …): the
/// service reads what the client sends differently.
pub fn parameter_style() -> bool {
    true
}

/// An operation became long-running (`now_long_running`) or stopped being
/// one. Becoming one breaks callers that take the first answer as the
/// result; a caller that polls handles an operation that no longer needs it.
pub fn long_running(now_long_running: bool) -> bool {
    now_long_running
}

/// `final-state-via` changed: the result is read from another place.
pub fn long_running_options() -> bool {
    true
}

/// A media type removed from a body: breaking when it is the one the
/// client uses (JSON when offered, else the first: what progenitor keeps).
/// An added one never breaks: the client keeps sending, and asking for, its own.
pub fn media_type_removed(used_by_the_client: bool) -> bool {
    used_by_the_client
}

/// A `default` changed. In requests, an old default that changed or went
/// away changes what the service does when the client leaves the value out
/// (the generated client never sends defaults); a new one only documents.
/// Response defaults are documentation (stripped before generation).
pub fn default_changed(direction: Direction, had_default: bool) -> bool {
    direction == Direction::Request && had_default
}

/// Another discriminator property: payloads select their subtype differently.
pub fn discriminator_changed() -> bool {
    true
}

/// `additionalProperties` added: more may be sent, and extra response
/// properties were ignored before. Removed: the extra properties can no
/// longer be sent, nor read.
pub fn additional_properties(added: bool) -> bool {
    !added
}

/// A body's model renamed (same contents): the generated type is renamed.
/// Breaks senders, whose code names the body type it builds; receivers read
/// the value without naming its type.
pub fn model_renamed(direction: Direction) -> bool {
    direction == Direction::Request
}

/// How a `format` change moves the valid values: adding one narrows,
/// removing one widens, and a wider number format (`int32` → `int64`,
/// `float` → `double`) widens.
pub fn format_effect(old: Option<&str>, new: Option<&str>) -> Effect {
    const WIDER: [(&str, &str); 2] = [("int32", "int64"), ("float", "double")];
    match (old, new) {
        (None, Some(_)) => Effect::Narrowed,
        (Some(_), None) => Effect::Widened,
        (Some(a), Some(b)) if WIDER.contains(&(a, b)) => Effect::Widened,
        (Some(a), Some(b)) if WIDER.contains(&(b, a)) => Effect::Narrowed,
        _ => Effect::Changed,
    }
}

/// How a constraint keyword's change moves the valid values; `None` when
/// nothing changed.
pub fn constraint_effect(
    keyword: &str,
    old: Option<&Value>,
    new: Option<&Value>,
) -> Option<Effect> {
    if old == new {
        return None;
    }
    let number = |v: Option<&Value>| v.and_then(Value::as_f64);
    let truthy = |v: Option<&Value>| v.and_then(Value::as_bool) == Some(true);
    Some(match keyword {
        "maxLength" | "maximum" | "maxItems" => match (number(old), number(new)) {
            // `5` and `5.0`: the same limit.
            (Some(a), Some(b)) if b == a => return None,
            (Some(a), Some(b)) if b < a => Effect::Narrowed,
            (Some(_), Some(_)) | (Some(_), None) => Effect::Widened,
            (None, Some(_)) => Effect::Narrowed,
            (None, None) => Effect::Changed,
        },
        "minLength" | "minimum" | "minItems" => match (number(old), number(new)) {
            (Some(a), Some(b)) if b == a => return None,
            (Some(a), Some(b)) if b > a => Effect::Narrowed,
            (Some(_), Some(_)) | (Some(_), None) => Effect::Widened,
            (None, Some(_)) => Effect::Narrowed,
            (None, None) => Effect::Changed,
        },
        "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" => {
            match (truthy(old), truthy(new)) {
                (false, true) => Effect::Narrowed,
                (true, false) => Effect::Widened,
                // `false` written out vs absent: same meaning.
                _ => return None,
            }
        }
        // pattern, multipleOf: added narrows, removed widens, else unknown.
        _ => match (old, new) {
            (None, Some(_)) => Effect::Narrowed,
            (Some(_), None) => Effect::Widened,
            _ => Effect::Changed,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn narrowing_breaks_requests_and_widening_breaks_responses() {
        assert!(constraint(Direction::Request, Effect::Narrowed));
        assert!(!constraint(Direction::Request, Effect::Widened));
        assert!(constraint(Direction::Response, Effect::Widened));
        assert!(!constraint(Direction::Response, Effect::Narrowed));
        assert!(constraint(Direction::Response, Effect::Changed));
    }

    #[test]
    fn open_enums_take_new_values_without_breaking() {
        assert!(enum_value_added(Direction::Response, false));
        assert!(!enum_value_added(Direction::Response, true));
        assert!(!enum_value_added(Direction::Request, false));
        assert!(enum_value_removed(Direction::Request));
        assert!(!enum_value_removed(Direction::Response));
    }

    #[test]
    fn wider_number_formats_widen() {
        let effect = format_effect;
        assert_eq!(effect(Some("int32"), Some("int64")), Effect::Widened);
        assert_eq!(effect(Some("int64"), Some("int32")), Effect::Narrowed);
        assert_eq!(effect(Some("float"), Some("double")), Effect::Widened);
        assert_eq!(effect(Some("uuid"), Some("date-time")), Effect::Changed);
        assert_eq!(effect(None, Some("uuid")), Effect::Narrowed);
        assert_eq!(effect(Some("uuid"), None), Effect::Widened);
        // openapi-diff 1023: int32 → int64 breaks no request, int64 → int32 no response.
        assert!(!constraint(
            Direction::Request,
            effect(Some("int32"), Some("int64"))
        ));
        assert!(!constraint(
            Direction::Response,
            effect(Some("int64"), Some("int32"))
        ));
        assert!(constraint(
            Direction::Response,
            effect(Some("int32"), Some("int64"))
        ));
    }

    #[test]
    fn names_and_order_that_never_reach_the_wire_break_nothing() {
        assert!(!operation_renamed());
        assert!(!path_parameter_renamed());
        assert!(!parameter_order());
        assert!(parameter_style());
    }

    #[test]
    fn defaults_break_requests_only_when_an_old_one_changes() {
        assert!(default_changed(Direction::Request, true));
        assert!(!default_changed(Direction::Request, false));
        assert!(!default_changed(Direction::Response, true));
    }

    #[test]
    fn only_success_status_changes_break() {
        assert!(status("200") && status("2XX"));
        assert!(!status("404") && !status("default"));
    }

    #[test]
    fn limits_narrow_and_widen() {
        let effect = |k, o: Value, n: Value| {
            constraint_effect(
                k,
                if o.is_null() { None } else { Some(&o) },
                if n.is_null() { None } else { Some(&n) },
            )
        };
        assert_eq!(
            effect("maximum", json!(1440), json!(720)),
            Some(Effect::Narrowed)
        );
        assert_eq!(
            effect("maximum", json!(720), json!(1440)),
            Some(Effect::Widened)
        );
        assert_eq!(
            effect("maxLength", json!(null), json!(5)),
            Some(Effect::Narrowed)
        );
        assert_eq!(
            effect("minLength", json!(1), json!(null)),
            Some(Effect::Widened)
        );
        assert_eq!(
            effect("minimum", json!(1), json!(2)),
            Some(Effect::Narrowed)
        );
        assert_eq!(
            effect("pattern", json!("^a$"), json!("^b$")),
            Some(Effect::Changed)
        );
        assert_eq!(
            effect("pattern", json!(null), json!("^b$")),
            Some(Effect::Narrowed)
        );
        assert_eq!(effect("uniqueItems", json!(null), json!(false)), None);
        assert_eq!(
            effect("uniqueItems", json!(false), json!(true)),
            Some(Effect::Narrowed)
        );
        assert_eq!(effect("maximum", json!(5), json!(5)), None);
        assert_eq!(effect("minimum", json!(5), json!(5.0)), None);
    }
}
