//! Adapter over the generated API Management users client.

use progenitor_client::ClientInfo;

use crate::generated::apim_users as generated;
use crate::pipeline::Pipeline;

pub use generated::Client;

super::pipeline_hooks!(generated::Client);

/// A generated client for the management `endpoint` that sends through `pipeline`.
pub fn client(endpoint: &str, http: reqwest::Client, pipeline: Pipeline) -> Client {
    Client::new_with_client(endpoint.trim_end_matches('/'), http, pipeline)
}

/// The api-version of the spec the build used (`info.version`).
pub fn default_api_version() -> &'static str {
    <Client as ClientInfo<Pipeline>>::api_version()
}
