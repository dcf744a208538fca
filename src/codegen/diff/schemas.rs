//! Structural comparison of two schemas (request or response side).

use serde_json::Value;

use super::report::{Change, ChangeKind};
use super::rules::{self, Direction, Effect, constraint_effect};
use super::scope::Scope;
use super::view::{CONSTRAINTS, View, model_name};

/// How deep nested schemas are compared (models are rarely deeper than ten).
const MAX_DEPTH: usize = 48;

/// Compares `old` (in `old_doc`) with `new` (in `new_doc`), appending what
/// differs to `out`.
pub struct SchemaDiff<'d, 'o> {
    /// The old document, for `$ref`s in `old`.
    old_doc: &'d Value,
    /// The new document, for `$ref`s in `new`.
    new_doc: &'d Value,
    /// Which way the data flows (decides what breaks).
    direction: Direction,
    /// Where the schemas are.
    scope: &'o Scope,
    /// Where changes go.
    out: &'o mut Vec<Change>,
    /// The (old, new) named models on the current descent path: recursion guard.
    stack: Vec<(String, String)>,
}

impl<'d, 'o> SchemaDiff<'d, 'o> {
    /// A comparison of schemas at `scope`.
    pub fn new(
        old_doc: &'d Value,
        new_doc: &'d Value,
        direction: Direction,
        scope: &'o Scope,
        out: &'o mut Vec<Change>,
    ) -> Self {
        SchemaDiff {
            old_doc,
            new_doc,
            direction,
            scope,
            out,
            stack: Vec::new(),
        }
    }

    /// Compares two schemas found at the scope's location.
    pub fn compare(&mut self, old: &'d Value, new: &'d Value) {
        self.schema(old, new, "");
    }

    /// Compares two body schemas: as [`compare`](Self::compare), and the
    /// names of the models they are (the generated types' names).
    pub fn compare_body(&mut self, old: &'d Value, new: &'d Value) {
        if let (Some(old_name), Some(new_name)) = (model_name(old), model_name(new))
            && old_name != new_name
        {
            let change = Change::new(
                ChangeKind::ModelRenamed,
                rules::model_renamed(self.direction),
                format!("model {old_name} → {new_name} (the generated type is renamed)"),
            )
            .values(Some(old_name.into()), Some(new_name.into()));
            self.push(change, "");
        }
        self.schema(old, new, "");
    }

    fn push(&mut self, change: Change, path: &str) {
        self.out.push(self.scope.place(change, path));
    }

    fn schema(&mut self, old: &'d Value, new: &'d Value, path: &str) {
        let o = View::of(self.old_doc, old);
        let n = View::of(self.new_doc, new);
        let key = (o.identity(), n.identity());
        let named = !key.0.is_empty() || !key.1.is_empty();
        if (named && self.stack.contains(&key)) || self.stack.len() >= MAX_DEPTH {
            return;
        }
        self.stack.push(key);
        self.views(&o, &n, path);
        self.stack.pop();
    }

    fn views(&mut self, o: &View<'d>, n: &View<'d>, path: &str) {
        if o.ty != n.ty {
            let change = Change::new(
                ChangeKind::TypeChanged,
                true,
                format!("type {} → {}", show(o.ty), show(n.ty)),
            )
            .values(o.ty.map(Value::from), n.ty.map(Value::from));
            self.push(change, path);
            // Nothing below compares meaningfully across types.
            return;
        }
        if o.format != n.format {
            let effect = rules::format_effect(o.format, n.format);
            let change = Change::new(
                ChangeKind::FormatChanged,
                rules::constraint(self.direction, effect),
                format!(
                    "format {} → {} ({})",
                    show(o.format),
                    show(n.format),
                    effect.as_str()
                ),
            )
            .values(o.format.map(Value::from), n.format.map(Value::from));
            self.push(change, path);
        }
        if o.nullable != n.nullable {
            let change = Change::new(
                ChangeKind::NullableChanged,
                rules::nullable(self.direction, n.nullable),
                if n.nullable {
                    "now nullable"
                } else {
                    "no longer nullable"
                },
            )
            .values(Some(o.nullable.into()), Some(n.nullable.into()));
            self.push(change, path);
        }
        if o.default != n.default {
            let change = Change::new(
                ChangeKind::DefaultChanged,
                rules::default_changed(self.direction, o.default.is_some()),
                format!(
                    "default {} → {}",
                    show_value(o.default),
                    show_value(n.default)
                ),
            )
            .values(o.default.cloned(), n.default.cloned());
            self.push(change, path);
        }
        if o.discriminator != n.discriminator {
            let change = Change::new(
                ChangeKind::DiscriminatorChanged,
                rules::discriminator_changed(),
                format!(
                    "discriminator {} → {}",
                    show(o.discriminator),
                    show(n.discriminator)
                ),
            )
            .values(
                o.discriminator.map(Value::from),
                n.discriminator.map(Value::from),
            );
            self.push(change, path);
        }
        self.enums(o, n, path);
        self.constraints(o, n, path);
        self.properties(o, n, path);
        if let (Some(old), Some(new)) = (o.items, n.items) {
            self.schema(old, new, &format!("{path}[]"));
        }
        self.additional(o, n, path);
    }

    fn enums(&mut self, o: &View<'d>, n: &View<'d>, path: &str) {
        let (old, new) = match (o.enum_values, n.enum_values) {
            (Some(old), Some(new)) => (old, new),
            (None, None) => return,
            (old, new) => {
                // A whole enum appeared or went: a constraint on the values.
                let effect = if new.is_some() {
                    Effect::Narrowed
                } else {
                    Effect::Widened
                };
                let change = Change::new(
                    ChangeKind::ConstraintChanged,
                    rules::constraint(self.direction, effect),
                    format!(
                        "enum {} ({})",
                        if new.is_some() { "added" } else { "removed" },
                        effect.as_str()
                    ),
                )
                .constraint("enum")
                .values(
                    old.cloned().map(Value::Array),
                    new.cloned().map(Value::Array),
                );
                self.push(change, path);
                return;
            }
        };
        for value in new.iter().filter(|v| !old.contains(v)) {
            let change = Change::new(
                ChangeKind::EnumValueAdded,
                rules::enum_value_added(self.direction, n.open_enum),
                format!(
                    "enum value {value} added{}",
                    if n.open_enum { " (open enum)" } else { "" }
                ),
            )
            .values(None, Some(value.clone()));
            self.push(change, path);
        }
        for value in old.iter().filter(|v| !new.contains(v)) {
            let change = Change::new(
                ChangeKind::EnumValueRemoved,
                rules::enum_value_removed(self.direction),
                format!("enum value {value} removed"),
            )
            .values(Some(value.clone()), None);
            self.push(change, path);
        }
        if o.open_enum != n.open_enum {
            let change = Change::new(
                ChangeKind::EnumExtensibilityChanged,
                rules::enum_extensibility(self.direction, n.open_enum),
                match (self.direction, n.open_enum) {
                    (Direction::Request, true) => {
                        "enum is now open (x-ms-enum modelAsString): any value may be sent"
                    }
                    (Direction::Request, false) => {
                        "enum is now closed: only the listed values may be sent"
                    }
                    (Direction::Response, true) => {
                        "enum is now open (x-ms-enum modelAsString): unlisted values may come back"
                    }
                    (Direction::Response, false) => {
                        "enum is now closed: only the listed values come back"
                    }
                },
            )
            .values(Some(o.open_enum.into()), Some(n.open_enum.into()));
            self.push(change, path);
        }
    }

    fn constraints(&mut self, o: &View<'d>, n: &View<'d>, path: &str) {
        for keyword in CONSTRAINTS {
            let (old, new) = (o.constraints.get(keyword), n.constraints.get(keyword));
            let Some(effect) = constraint_effect(keyword, old.copied(), new.copied()) else {
                continue;
            };
            let change = Change::new(
                ChangeKind::ConstraintChanged,
                rules::constraint(self.direction, effect),
                format!(
                    "{keyword} {} → {} ({})",
                    show_value(old.copied()),
                    show_value(new.copied()),
                    effect.as_str()
                ),
            )
            .constraint(keyword)
            .values(old.map(|v| (*v).clone()), new.map(|v| (*v).clone()));
            self.push(change, path);
        }
    }

    fn properties(&mut self, o: &View<'d>, n: &View<'d>, path: &str) {
        let old = self.visible(self.old_doc, o);
        let new = self.visible(self.new_doc, n);
        let names: std::collections::BTreeSet<&str> =
            old.keys().chain(new.keys()).copied().collect();
        for name in names {
            let at = format!("{path}.{name}");
            // Present on the other side but hidden by readOnly/writeOnly there.
            let hidden = match self.direction {
                Direction::Request => "read-only",
                Direction::Response => "write-only",
            };
            match (old.get(name), new.get(name)) {
                (Some(_), None) => {
                    let message = if n.properties.contains_key(name) {
                        format!("property became {hidden} (no longer travels this way)")
                    } else {
                        "property removed".to_string()
                    };
                    let change = Change::new(ChangeKind::PropertyRemoved, true, message);
                    self.push(change, &at);
                }
                (None, Some(_)) => {
                    let required = n.required.contains(name);
                    let what = if required { "required" } else { "optional" };
                    let message = if o.properties.contains_key(name) {
                        format!("{what} property no longer {hidden} (now travels this way)")
                    } else {
                        format!("{what} property added")
                    };
                    let change = Change::new(
                        ChangeKind::PropertyAdded,
                        rules::property_added(self.direction, required),
                        message,
                    );
                    self.push(change, &at);
                }
                (Some(old_schema), Some(new_schema)) => {
                    let (was, is) = (o.required.contains(name), n.required.contains(name));
                    if was != is {
                        let change = if is {
                            Change::new(
                                ChangeKind::PropertyBecameRequired,
                                rules::became_required(self.direction),
                                "property became required",
                            )
                        } else {
                            Change::new(
                                ChangeKind::PropertyBecameOptional,
                                rules::became_optional(self.direction),
                                "property became optional",
                            )
                        };
                        self.push(change, &at);
                    }
                    self.schema(old_schema, new_schema, &at);
                }
                (None, None) => {}
            }
        }
    }

    /// The properties that travel in this direction: requests never carry
    /// `readOnly` ones, responses never `writeOnly` ones.
    fn visible(
        &self,
        doc: &'d Value,
        view: &View<'d>,
    ) -> std::collections::BTreeMap<&'d str, &'d Value> {
        view.properties
            .iter()
            .filter(|(_, schema)| {
                let property = View::of(doc, schema);
                match self.direction {
                    Direction::Request => !property.read_only,
                    Direction::Response => !property.write_only,
                }
            })
            .map(|(name, schema)| (*name, *schema))
            .collect()
    }

    fn additional(&mut self, o: &View<'d>, n: &View<'d>, path: &str) {
        let at = format!("{path}{{*}}");
        // `false` (or nothing) takes no extra properties; `true` (a schema
        // with no constraints, as `{}`) takes any.
        let open = |additional: Option<&'d Value>| -> Option<&'d Value> {
            additional.filter(|a| a.is_object() || **a == Value::Bool(true))
        };
        match (open(o.additional), open(n.additional)) {
            (Some(old), Some(new)) => self.schema(old, new, &at),
            (None, None) => {}
            (_, new) => {
                let added = new.is_some();
                let change = Change::new(
                    if added {
                        ChangeKind::AdditionalPropertiesAdded
                    } else {
                        ChangeKind::AdditionalPropertiesRemoved
                    },
                    rules::additional_properties(added),
                    if added {
                        "additional properties now allowed"
                    } else {
                        "additional properties no longer allowed"
                    },
                )
                .values(o.additional.cloned(), n.additional.cloned());
                self.push(change, &at);
            }
        }
    }
}

fn show(value: Option<&str>) -> String {
    value.map_or_else(|| "(none)".to_string(), str::to_string)
}

fn show_value(value: Option<&Value>) -> String {
    value.map_or_else(|| "(none)".to_string(), Value::to_string)
}
