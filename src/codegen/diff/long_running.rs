//! Long-running operations (`x-ms-long-running-operation` and its options).
//!
//! A long-running operation may answer before it is done (`201`/`202` with
//! `Azure-AsyncOperation`, `Location` or `Operation-Location`), and the
//! result is read where `final-state-via` says once it completes. The
//! generated client does not poll: the facade's pipeline does.

use serde_json::Value;

use super::report::{Change, ChangeKind};
use super::rules;
use super::scope::Scope;

const FLAG: &str = "x-ms-long-running-operation";
const OPTIONS: &str = "x-ms-long-running-operation-options";

fn is_long_running(op: &Value) -> bool {
    op.get(FLAG).and_then(Value::as_bool) == Some(true)
}

/// The options without their descriptions (documentation only).
fn options(op: &Value) -> Option<Value> {
    let mut options = op.get(OPTIONS)?.clone();
    if let Value::Object(map) = &mut options {
        map.retain(|key, _| !key.contains("description"));
    }
    Some(options)
}

/// Appends the long-running changes of one operation.
pub fn diff((old_op, new_op): (&Value, &Value), scope: &Scope, out: &mut Vec<Change>) {
    let (was, is) = (is_long_running(old_op), is_long_running(new_op));
    if was != is {
        let change = Change::new(
            ChangeKind::LongRunningChanged,
            rules::long_running(is),
            if is {
                "now long-running: it may answer before it is done, and the caller must poll"
            } else {
                "no longer long-running: it answers when it is done"
            },
        )
        .values(Some(was.into()), Some(is.into()));
        out.push(scope.place(change, ""));
    }
    let (old_options, new_options) = (options(old_op), options(new_op));
    // The options only mean something for a long-running operation.
    if was && is && old_options != new_options {
        let via = |options: &Option<Value>| {
            options
                .as_ref()
                .and_then(|o| o.get("final-state-via"))
                .and_then(Value::as_str)
                .unwrap_or("(default)")
                .to_string()
        };
        let change = Change::new(
            ChangeKind::LongRunningOptionsChanged,
            rules::long_running_options(),
            format!(
                "long-running options changed (final-state-via {} → {})",
                via(&old_options),
                via(&new_options)
            ),
        )
        .values(old_options, new_options);
        out.push(scope.place(change, ""));
    }
}
