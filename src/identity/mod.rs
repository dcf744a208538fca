//! Azure Communication Services identity: users and their access tokens.

mod client;
mod connection_string;
mod options;
mod scope;
mod teams_extension;
mod token_credential;
mod user;

pub use client::{CommunicationIdentityClient, MAX_TOKEN_LIFETIME, MIN_TOKEN_LIFETIME};
pub use connection_string::ConnectionString;
pub use options::CommunicationIdentityClientOptions;
pub use scope::Scope;
pub use teams_extension::{TeamsExtensionAssignment, TeamsExtensionPrincipalType};
pub use token_credential::{
    Clock, CommunicationTokenCredential, CommunicationTokenRefreshOptions, ON_DEMAND_MARGIN,
    PROACTIVE_MARGIN, SystemClock, TokioClock,
};
pub use user::{CommunicationUser, CommunicationUserIdentifier, MAX_CUSTOM_ID_LENGTH};
