//! The only code that names generated items: one file per service.
//!
//! Each adapter wires the service's generated `Client` to the [`Pipeline`]
//! (its `ClientHooks`) and exposes what the facade uses by operation and
//! definition name, so the rest of the crate keeps compiling when the build
//! is pointed at another api-version of the spec.
//!
//! [`Pipeline`]: crate::pipeline::Pipeline

pub mod acs_identity;
pub mod apim_users;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codegen::bindings;
use crate::error::{Error, ErrorKind, Result};

/// `Ok` when this build's spec for `module` has `binding` (an entry of the
/// module's `BOUND_OPERATIONS`: an operation name, or `<operation>.<property>`),
/// else the `Unsupported` error naming the operation and the api-version.
fn require(
    module: &str,
    bound: &[&str],
    binding: &str,
    spec_api_version: &str,
    api_version: &str,
) -> Result<()> {
    if bound.contains(&binding) {
        return Ok(());
    }
    let (operation, property) = match binding.split_once('.') {
        Some((operation, property)) => (operation, Some(property)),
        None => (binding, None),
    };
    let route = bindings::for_module(module)
        .iter()
        .find(|b| b.name == operation)
        .map(|b| format!(" ({})", b.describe()))
        .unwrap_or_default();
    let what = match property {
        Some(property) => format!("`{property}` in the request of {operation}{route}"),
        None => format!("{operation}{route}"),
    };
    let sent = if api_version == spec_api_version {
        String::new()
    } else {
        format!(" (this client sends api-version {api_version})")
    };
    Err(Error::unsupported(
        &what,
        format!(
            "the {module} spec it was generated from, api-version {spec_api_version}, does not have it{sent}; \
             rebuild from a spec that does (see REGENERATING.md)"
        ),
    ))
}

/// Defines an adapter function twice: as written where the build's spec has
/// `$binding` (`cfg(bound_operation = …)`, set by build.rs), and as an
/// `Unsupported` error where it does not, so every build compiles and has one
/// API. The facade checks `require` first, before any credential or
/// request; the twin is the backstop.
macro_rules! bound {
    (
        $binding:literal;
        $(#[$attr:meta])*
        pub async fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
    ) => {
        $(#[$attr])*
        #[cfg(bound_operation = $binding)]
        pub async fn $name($($arg: $ty),*) -> $ret $body

        $(#[$attr])*
        #[cfg(not(bound_operation = $binding))]
        #[allow(unused_variables)]
        pub async fn $name($($arg: $ty),*) -> $ret {
            let (_, binding) = $binding.split_once("::").unwrap_or(("", $binding));
            Err(unsupported(binding))
        }
    };
}
use bound;

/// Builds a generated type from its JSON wire form (stable across api-versions,
/// unlike the generated field and variant names).
fn from_wire<T: DeserializeOwned>(value: serde_json::Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        Error::new(
            ErrorKind::Validation,
            format!("the request does not fit the generated model: {e}"),
        )
    })
}

/// A generated value in its JSON wire form.
fn to_wire<T: Serialize>(value: T) -> Result<serde_json::Value> {
    serde_json::to_value(value).map_err(|e| {
        Error::new(
            ErrorKind::InvalidResponse,
            format!("the response cannot be read: {e}"),
        )
    })
}

/// Implements `ClientHooks` for a generated client so every call goes
/// through its [`Pipeline`](crate::pipeline::Pipeline).
macro_rules! pipeline_hooks {
    ($client:ty) => {
        impl progenitor_client::ClientHooks<$crate::pipeline::Pipeline> for $client {
            async fn pre<E>(
                &self,
                request: &mut reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> Result<(), progenitor_client::Error<E>> {
                use progenitor_client::ClientInfo;
                self.inner().prepare(request, info.operation_id);
                Ok(())
            }

            async fn exec(
                &self,
                request: reqwest::Request,
                info: &progenitor_client::OperationInfo,
            ) -> reqwest::Result<reqwest::Response> {
                use progenitor_client::ClientInfo;
                self.inner()
                    .send(self.client(), request, info.operation_id)
                    .await
            }
        }
    };
}
use pipeline_hooks;
