//! Where a change was found: an operation and a place in it.

use super::report::{Change, OperationRef};

/// The operation and location changes are being collected for.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The operation (`None` at module level).
    pub operation: Option<OperationRef>,
    /// The place in it (`parameter query x`, `request body`, …).
    pub location: String,
}

impl Scope {
    /// The module level.
    pub fn module() -> Scope {
        Scope::default()
    }

    /// The operation itself.
    pub fn operation(operation: &OperationRef) -> Scope {
        Scope {
            operation: Some(operation.clone()),
            location: String::new(),
        }
    }

    /// A place inside this scope's operation.
    pub fn at(&self, location: impl Into<String>) -> Scope {
        Scope {
            operation: self.operation.clone(),
            location: location.into(),
        }
    }

    /// `change`, placed here at `schema_path`.
    pub fn place(&self, mut change: Change, schema_path: &str) -> Change {
        change.operation = self.operation.clone();
        change.location = self.location.clone();
        change.schema_path = schema_path.to_string();
        change
    }
}
