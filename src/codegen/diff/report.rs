//! The diff report: plain serde structs, printed as JSON by
//! `azure-user-tokens specs diff --output json`.
//!
//! The structure is stable: keys are never renamed or removed within one
//! [`FORMAT`] number, and every change carries every key (`null` or `""` when
//! it does not apply), so consumers can rely on them.
//!
//! The crate's own targets also derive `schemars::JsonSchema` (the JSON
//! Schema `specs diff --schema` prints): `build.rs` sets `diff_report_schema`
//! for them, and compiles this module itself without it, so the build script
//! needs no schemars.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The report format's version; raised only on incompatible changes.
pub const FORMAT: u32 = 1;

/// What changed between two versions of a set of specs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
pub struct SpecDiff {
    /// The report format's version ([`FORMAT`]).
    pub format: u32,
    /// One entry per compared module (a manifest module, or the entry file).
    pub modules: Vec<ModuleDiff>,
    /// Totals over all modules.
    pub summary: Summary,
}

/// What changed in one module.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
pub struct ModuleDiff {
    /// The manifest module name, or the entry file's stem.
    pub name: String,
    /// The old side.
    pub old: Side,
    /// The new side.
    pub new: Side,
    /// The changes, in a stable order: module-level ones first, then by
    /// operation id.
    pub changes: Vec<Change>,
}

/// One side of a module's comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
pub struct Side {
    /// The spec's `info.version`.
    pub api_version: String,
    /// The entry files read, as given.
    pub entries: Vec<String>,
}

/// Totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
pub struct Summary {
    /// How many changes were found.
    pub changes: usize,
    /// How many of them are breaking.
    pub breaking: usize,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
pub struct Change {
    /// What kind of change this is.
    pub kind: ChangeKind,
    /// Whether a client written against the old version can break.
    pub breaking: bool,
    /// The operation it is in (`null` for module-level changes); the new
    /// side's, or the old side's for a removed operation.
    pub operation: Option<OperationRef>,
    /// Where in the operation: `parameter <in> <name>`, `request body`,
    /// `response <status>`, `response <status> body`,
    /// `response <status> header <name>`; `""` for the operation itself.
    #[serde(default)]
    pub location: String,
    /// Where inside that schema: `.identity.id`, `.scopes[]`, `{*}` (map
    /// values); `""` for the schema itself.
    #[serde(default)]
    pub schema_path: String,
    /// For `constraint_changed`: the keyword (`maxLength`, `pattern`, `enum`, …).
    #[serde(default)]
    pub constraint: Option<String>,
    /// The old value, where there is one (an api-version, a type, a limit, …).
    #[serde(default)]
    pub old: Option<Value>,
    /// The new value, where there is one.
    #[serde(default)]
    pub new: Option<Value>,
    /// A one-line description.
    pub message: String,
}

/// An operation: its id, method and path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
pub struct OperationRef {
    /// The `operationId` (or `METHOD path` when the spec gives none).
    pub id: String,
    /// The HTTP method, upper case.
    pub method: String,
    /// The path template.
    pub path: String,
}

/// The kinds of change, serialized in snake_case (`operation_added`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(diff_report_schema, derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// `info.version` differs.
    ApiVersionChanged,
    /// The server URLs differ.
    ServersChanged,
    /// The security requirements or schemes differ.
    SecurityChanged,
    /// A new operation.
    OperationAdded,
    /// An operation is gone.
    OperationRemoved,
    /// Same operation id, another method or path.
    OperationMoved,
    /// Same method and path (path-parameter names aside), another
    /// operation id. Not breaking: the build binds operations by method and
    /// path, and nothing about the wire changes.
    OperationRenamed,
    /// `x-ms-long-running-operation` was turned on or off.
    LongRunningChanged,
    /// `x-ms-long-running-operation-options` (`final-state-via`: where the
    /// result is read once the operation completes) differ.
    LongRunningOptionsChanged,
    /// A new parameter.
    ParameterAdded,
    /// A parameter is gone.
    ParameterRemoved,
    /// A path parameter has another name (same position in the path). Not
    /// breaking: the name never goes on the wire.
    ParameterRenamed,
    /// The parameters are declared in another order. Never breaking here:
    /// progenitor orders parameters itself.
    ParameterOrderChanged,
    /// A parameter moved (e.g. from the query to a header).
    ParameterLocationChanged,
    /// An array parameter is serialized differently (`collectionFormat`,
    /// OpenAPI `style`/`explode`).
    ParameterStyleChanged,
    /// An optional parameter became required.
    ParameterBecameRequired,
    /// A required parameter became optional.
    ParameterBecameOptional,
    /// The operation now takes a body.
    RequestBodyAdded,
    /// The operation no longer takes a body.
    RequestBodyRemoved,
    /// The body became required.
    RequestBodyBecameRequired,
    /// The body became optional.
    RequestBodyBecameOptional,
    /// A body accepts or offers a new media type (`consumes`, `produces`).
    MediaTypeAdded,
    /// A body no longer accepts or offers a media type.
    MediaTypeRemoved,
    /// A new response status code.
    ResponseAdded,
    /// A response status code is gone.
    ResponseRemoved,
    /// A response that had no body has one.
    ResponseBodyAdded,
    /// A response lost its body.
    ResponseBodyRemoved,
    /// A new response header.
    ResponseHeaderAdded,
    /// A response header is gone.
    ResponseHeaderRemoved,
    /// A body's model has another name (its contents are compared as usual).
    ModelRenamed,
    /// A new property in a model.
    PropertyAdded,
    /// A property is gone.
    PropertyRemoved,
    /// An optional property became required.
    PropertyBecameRequired,
    /// A required property became optional.
    PropertyBecameOptional,
    /// The JSON type differs (`string` → `integer`, object → array, …).
    TypeChanged,
    /// The `format` differs (`uuid`, `date-time`, `int32`, …).
    FormatChanged,
    /// `nullable` was added or removed.
    NullableChanged,
    /// The `default` differs: what the service assumes when the value is left out.
    DefaultChanged,
    /// A polymorphic model's `discriminator` property differs.
    DiscriminatorChanged,
    /// An object now takes properties beyond its named ones (`additionalProperties`).
    AdditionalPropertiesAdded,
    /// An object no longer takes properties beyond its named ones.
    AdditionalPropertiesRemoved,
    /// A new enum value.
    EnumValueAdded,
    /// An enum value is gone.
    EnumValueRemoved,
    /// An enum became open (`x-ms-enum.modelAsString: true`) or closed.
    EnumExtensibilityChanged,
    /// A value constraint (length, range, pattern, item count, whole enum)
    /// was added, removed, narrowed or widened.
    ConstraintChanged,
}

impl SpecDiff {
    /// A report over `modules`, with its summary.
    pub fn new(modules: Vec<ModuleDiff>) -> SpecDiff {
        let changes = modules.iter().flat_map(|m| &m.changes);
        let summary = Summary {
            changes: changes.clone().count(),
            breaking: changes.filter(|c| c.breaking).count(),
        };
        SpecDiff {
            format: FORMAT,
            modules,
            summary,
        }
    }

    /// Whether anything differs.
    pub fn is_empty(&self) -> bool {
        self.summary.changes == 0
    }
}

impl Change {
    /// A change of `kind`, not yet placed.
    pub fn new(kind: ChangeKind, breaking: bool, message: impl Into<String>) -> Change {
        Change {
            kind,
            breaking,
            operation: None,
            location: String::new(),
            schema_path: String::new(),
            constraint: None,
            old: None,
            new: None,
            message: message.into(),
        }
    }

    /// The old and new values.
    pub fn values(mut self, old: Option<Value>, new: Option<Value>) -> Change {
        self.old = old;
        self.new = new;
        self
    }

    /// The constraint keyword a `constraint_changed` is about.
    pub fn constraint(mut self, keyword: &str) -> Change {
        self.constraint = Some(keyword.to_string());
        self
    }
}

impl OperationRef {
    /// `GET /path`.
    pub fn endpoint(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}
