//! One bad-input case and what its error must look like: a typed
//! `azure_user_tokens::Error` of the right kind (and field, status or
//! predicate), with a message that says what is wrong, and never a panic.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use azure_user_tokens::{Error, ErrorKind};
use futures_util::FutureExt;

/// A case's call, boxed so a table can hold cases of every shape.
pub type Call<'a> = Pin<Box<dyn Future<Output = azure_user_tokens::Result<()>> + 'a>>;

/// One row of a table.
pub struct Case<'a> {
    pub name: String,
    pub expect: Expect,
    pub call: Call<'a>,
}

/// Builds a [`Case`] from a name, an [`Expect`] and an async block whose
/// value is any `Result<T>`.
macro_rules! case {
    ($name:expr, $expect:expr, $body:expr) => {
        $crate::expect::Case {
            name: $name.to_string(),
            expect: $expect,
            call: Box::pin(async move { $body.await.map(|_| ()) }),
        }
    };
}

/// A named predicate on an error (`is_not_found`, …).
type Predicate = (&'static str, fn(&Error) -> bool);

/// What the error must be.
#[derive(Debug, Clone)]
pub struct Expect {
    kind: ErrorKind,
    field: Option<&'static str>,
    status: Option<u16>,
    says: &'static str,
    predicate: Option<Predicate>,
    never_says: Option<&'static str>,
}

impl Expect {
    /// A validation error about `field` whose message contains `says`.
    pub fn validation(field: &'static str, says: &'static str) -> Expect {
        Expect::kind(ErrorKind::Validation, says).field(field)
    }

    /// An error of `kind` whose message contains `says`.
    pub fn kind(kind: ErrorKind, says: &'static str) -> Expect {
        Expect {
            kind,
            field: None,
            status: None,
            says,
            predicate: None,
            never_says: None,
        }
    }

    /// The field the error must name.
    pub fn field(mut self, field: &'static str) -> Expect {
        self.field = Some(field);
        self
    }

    /// The HTTP status the error must carry.
    pub fn status(mut self, status: u16) -> Expect {
        self.status = Some(status);
        self
    }

    /// A predicate (`is_not_found`, `is_timeout`, …) that must hold.
    pub fn holds(mut self, name: &'static str, predicate: fn(&Error) -> bool) -> Expect {
        self.predicate = Some((name, predicate));
        self
    }

    /// Text the message (and `Debug`) must not contain, e.g. a value from a body.
    pub fn never_says(mut self, text: &'static str) -> Expect {
        self.never_says = Some(text);
        self
    }

    /// Checks an outcome; `Err` describes the mismatch.
    pub fn check(
        &self,
        outcome: Result<azure_user_tokens::Result<()>, String>,
    ) -> Result<(), String> {
        let error = match outcome {
            Err(panic) => return Err(format!("panicked: {panic}")),
            Ok(Ok(())) => return Err("succeeded".into()),
            Ok(Err(error)) => error,
        };
        let text = error.to_string();
        let mut problems = Vec::new();
        if error.kind() != self.kind {
            problems.push(format!("kind {:?}, expected {:?}", error.kind(), self.kind));
        }
        if self.field.is_some() && error.field() != self.field {
            problems.push(format!(
                "field {:?}, expected {:?}",
                error.field(),
                self.field
            ));
        }
        if self.status.is_some() && error.status() != self.status {
            problems.push(format!(
                "status {:?}, expected {:?}",
                error.status(),
                self.status
            ));
        }
        if let Some((name, predicate)) = self.predicate
            && !predicate(&error)
        {
            problems.push(format!("{name} is false"));
        }
        if !text.to_lowercase().contains(&self.says.to_lowercase()) {
            problems.push(format!("the message does not say {:?}", self.says));
        }
        if text.trim().len() < 12 {
            problems.push("the message is too short to help".into());
        }
        if let Some(secret) = self.never_says
            && (text.contains(secret) || format!("{error:?}").contains(secret))
        {
            problems.push(format!("the error repeats {secret:?}"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{} — error was: {text}", problems.join("; ")))
        }
    }
}

/// Runs a case, turning a panic into a described failure.
pub async fn run(case: Case<'_>) -> Option<String> {
    let outcome = AssertUnwindSafe(case.call)
        .catch_unwind()
        .await
        .map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic".into())
        });
    case.expect
        .check(outcome)
        .err()
        .map(|problem| format!("{}: {problem}", case.name))
}
