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
