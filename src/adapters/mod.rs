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

use crate::error::{Error, ErrorKind, Result};

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
