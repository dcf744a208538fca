//! The human-readable report: grouped by module, then by operation.

use std::fmt::Write;

use super::report::{Change, ChangeKind, ModuleDiff, OperationRef, SpecDiff};

/// Renders `diff` as text, one line per change:
///
/// ```text
/// module acs_identity (2023-10-01 → 2025-06-30): 2 changes, 1 breaking
///   ~ api-version 2023-10-01 → 2025-06-30
///   - CommunicationIdentity_Get  GET /identities/{id}  [breaking]
/// total: 2 changes, 1 breaking
/// ```
///
/// `+` marks something added, `-` something removed, `~` a change. A renamed
/// operation is headed `New_Id (was Old_Id)`, or is one `~ Old_Id → New_Id`
/// line when nothing else about it changed.
pub fn render(diff: &SpecDiff) -> String {
    let mut text = String::new();
    for module in &diff.modules {
        render_module(&mut text, module);
    }
    let _ = writeln!(
        text,
        "total: {} changes, {} breaking",
        diff.summary.changes, diff.summary.breaking
    );
    text
}

fn render_module(text: &mut String, module: &ModuleDiff) {
    let versions = if module.old.api_version == module.new.api_version {
        module.new.api_version.clone()
    } else {
        format!("{} → {}", module.old.api_version, module.new.api_version)
    };
    if module.changes.is_empty() {
        let _ = writeln!(text, "module {} ({versions}): no differences", module.name);
        return;
    }
    let breaking = module.changes.iter().filter(|c| c.breaking).count();
    let _ = writeln!(
        text,
        "module {} ({versions}): {} changes, {breaking} breaking",
        module.name,
        module.changes.len()
    );
    for (operation, changes) in groups(&module.changes) {
        match operation {
            None => changes.iter().for_each(|c| line(text, "  ", c)),
            Some(op) => match changes.as_slice() {
                [only]
                    if matches!(
                        only.kind,
                        ChangeKind::OperationAdded | ChangeKind::OperationRemoved
                    ) =>
                {
                    let _ = writeln!(
                        text,
                        "  {} {}  {}{}",
                        marker(only.kind),
                        op.id,
                        op.endpoint(),
                        flag(only)
                    );
                }
                [only] if only.kind == ChangeKind::OperationRenamed => {
                    let _ = writeln!(
                        text,
                        "  ~ {} → {}  {}  (renamed only){}",
                        old_id(only),
                        op.id,
                        op.endpoint(),
                        flag(only)
                    );
                }
                _ => {
                    let rename = changes
                        .iter()
                        .find(|c| c.kind == ChangeKind::OperationRenamed);
                    let was = rename.map_or_else(String::new, |r| format!(" (was {})", old_id(r)));
                    let _ = writeln!(text, "  {}{was}  {}", op.id, op.endpoint());
                    changes
                        .iter()
                        .filter(|c| c.kind != ChangeKind::OperationRenamed)
                        .for_each(|c| line(text, "    ", c));
                }
            },
        }
    }
}

/// Consecutive changes of one operation (or of the module), in report order.
fn groups(changes: &[Change]) -> Vec<(Option<&OperationRef>, Vec<&Change>)> {
    let mut groups: Vec<(Option<&OperationRef>, Vec<&Change>)> = Vec::new();
    for change in changes {
        let operation = change.operation.as_ref();
        match groups.last_mut() {
            Some((last, members)) if *last == operation => members.push(change),
            _ => groups.push((operation, vec![change])),
        }
    }
    groups
}

/// The old id of an `operation_renamed`.
fn old_id(change: &Change) -> &str {
    change.old.as_ref().and_then(|v| v.as_str()).unwrap_or("?")
}

fn line(text: &mut String, indent: &str, change: &Change) {
    let place = [change.location.as_str(), change.schema_path.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let place = if place.is_empty() {
        String::new()
    } else {
        format!("{place}: ")
    };
    let _ = writeln!(
        text,
        "{indent}{} {place}{}{}",
        marker(change.kind),
        change.message,
        flag(change)
    );
}

fn marker(kind: ChangeKind) -> char {
    use ChangeKind::*;
    match kind {
        OperationAdded
        | ParameterAdded
        | RequestBodyAdded
        | MediaTypeAdded
        | ResponseAdded
        | ResponseBodyAdded
        | ResponseHeaderAdded
        | PropertyAdded
        | AdditionalPropertiesAdded
        | EnumValueAdded => '+',
        OperationRemoved
        | ParameterRemoved
        | RequestBodyRemoved
        | MediaTypeRemoved
        | AdditionalPropertiesRemoved
        | ResponseRemoved
        | ResponseBodyRemoved
        | ResponseHeaderRemoved
        | PropertyRemoved
        | EnumValueRemoved => '-',
        _ => '~',
    }
}

fn flag(change: &Change) -> &'static str {
    if change.breaking { "  [breaking]" } else { "" }
}
