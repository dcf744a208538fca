//! A schema seen through its `$ref`s and `allOf`s: what the diff compares.
//!
//! Comparing views instead of raw schemas makes the diff structural: a model
//! renamed between versions (or by the bundler's collision tags) compares
//! equal when its contents are, and `allOf` inheritance is flattened.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// The value-constraint keywords compared.
pub use super::super::schema::VALUE_CONSTRAINTS as CONSTRAINTS;

/// How many `$ref`/`allOf` links one schema may chain through.
const MAX_CHAIN: usize = 64;

/// A flattened schema.
#[derive(Debug, Default)]
pub struct View<'a> {
    /// The components passed through, in order (`$ref` targets and `allOf` bases).
    pub names: Vec<&'a str>,
    /// `type`, inferred as `object`/`array` when absent but implied.
    pub ty: Option<&'a str>,
    /// `format`.
    pub format: Option<&'a str>,
    /// `nullable: true`.
    pub nullable: bool,
    /// `readOnly: true` (never sent).
    pub read_only: bool,
    /// `writeOnly: true` (never received).
    pub write_only: bool,
    /// `default`.
    pub default: Option<&'a Value>,
    /// The discriminator's property name (polymorphic models).
    pub discriminator: Option<&'a str>,
    /// `enum`.
    pub enum_values: Option<&'a Vec<Value>>,
    /// `x-ms-enum.modelAsString: true`: the service may add values.
    pub open_enum: bool,
    /// Properties, bases first and overridden by derived models.
    pub properties: BTreeMap<&'a str, &'a Value>,
    /// Required property names.
    pub required: BTreeSet<&'a str>,
    /// `items`.
    pub items: Option<&'a Value>,
    /// `additionalProperties` (a schema or a boolean).
    pub additional: Option<&'a Value>,
    /// The [`CONSTRAINTS`] present.
    pub constraints: BTreeMap<&'static str, &'a Value>,
}

impl<'a> View<'a> {
    /// Flattens `schema`, resolving local `$ref`s in `doc`.
    pub fn of(doc: &'a Value, schema: &'a Value) -> View<'a> {
        let mut view = View::default();
        view.absorb(doc, schema, 0);
        if view.ty.is_none() {
            if !view.properties.is_empty() || view.additional.is_some() {
                view.ty = Some("object");
            } else if view.items.is_some() {
                view.ty = Some("array");
            }
        }
        view
    }

    /// The key that identifies this schema on a descent path (empty when inline).
    pub fn identity(&self) -> String {
        self.names.join("+")
    }

    fn absorb(&mut self, doc: &'a Value, schema: &'a Value, depth: usize) {
        let Some(map) = schema.as_object() else {
            return;
        };
        if depth > MAX_CHAIN {
            return;
        }
        if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next().unwrap_or(reference);
            // A cycle through `allOf` (or a ref to itself): already merged.
            if self.names.contains(&name) {
                return;
            }
            self.names.push(name);
            if let Some(target) = resolve_pointer(doc, reference) {
                self.absorb(doc, target, depth + 1);
            }
            // OpenAPI 3.0 ignores `$ref` siblings (the converter wraps them in allOf).
            return;
        }
        for base in map
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.absorb(doc, base, depth + 1);
        }
        let text = |key: &str| map.get(key).and_then(Value::as_str);
        let flag = |key: &str| map.get(key).and_then(Value::as_bool) == Some(true);
        if let Some(ty) = text("type") {
            self.ty = Some(ty);
        }
        if let Some(format) = text("format") {
            self.format = Some(format);
        }
        self.nullable |= flag("nullable");
        self.read_only |= flag("readOnly");
        self.write_only |= flag("writeOnly");
        if let Some(default) = map.get("default") {
            self.default = Some(default);
        }
        if let Some(property) = map
            .get("discriminator")
            .and_then(|d| d.get("propertyName"))
            .and_then(Value::as_str)
        {
            self.discriminator = Some(property);
        }
        if let Some(values) = map.get("enum").and_then(Value::as_array) {
            self.enum_values = Some(values);
        }
        if let Some(x_ms_enum) = map.get("x-ms-enum") {
            self.open_enum = x_ms_enum.get("modelAsString").and_then(Value::as_bool) == Some(true);
        }
        if let Some(properties) = map.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                self.properties.insert(name, property);
            }
        }
        for name in map
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(name) = name.as_str() {
                self.required.insert(name);
            }
        }
        if let Some(items) = map.get("items") {
            self.items = Some(items);
        }
        if let Some(additional) = map.get("additionalProperties") {
            self.additional = Some(additional);
        }
        for keyword in CONSTRAINTS {
            if let Some(value) = map.get(keyword) {
                self.constraints.insert(keyword, value);
            }
        }
    }
}

/// The model a schema names directly (`{"$ref": "#/components/schemas/X"}` → `X`).
pub fn model_name(schema: &Value) -> Option<&str> {
    let reference = schema.get("$ref")?.as_str()?;
    Some(reference.rsplit('/').next().unwrap_or(reference))
}

/// The value a local reference (`#/components/…`) points at.
pub fn resolve_pointer<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Follows `$ref`s (to parameters, responses, request bodies, headers) until
/// an object without one; `None` when a target is missing or the chain loops.
pub fn dereference<'a>(doc: &'a Value, value: &'a Value) -> Option<&'a Value> {
    let mut current = value;
    for _ in 0..MAX_CHAIN {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => current = resolve_pointer(doc, reference)?,
            None => return Some(current),
        }
    }
    None
}
