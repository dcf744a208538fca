//! Azure Communication Services identity: users and their access tokens.

mod client;
mod connection_string;
mod scope;
mod teams_extension;
mod token_credential;
mod user;

pub use client::{CommunicationIdentityClient, MAX_TOKEN_MINUTES, MIN_TOKEN_MINUTES};
pub use connection_string::ConnectionString;
pub use scope::Scope;
pub use teams_extension::{TeamsExtensionAssignment, TeamsExtensionPrincipalType};
pub use token_credential::{
    Clock, CommunicationTokenCredential, ON_DEMAND_MARGIN, PROACTIVE_MARGIN, SystemClock,
    TokioClock,
};
pub use user::{CommunicationUser, CommunicationUserIdentifier, MAX_CUSTOM_ID_LENGTH};
