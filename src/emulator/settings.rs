//! How a client reaches an emulator: its endpoint and the identities and keys
//! it accepts. Compiled without the `emulator` feature, so a library user
//! can point clients at an emulator run elsewhere (`azure-user-tokens
//! emulator`, a container) without hand-copying GUIDs and keys.

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::defaults;
use crate::Secret;
use crate::apim::{ApiManagementClient, ApiManagementClientOptions, ApimService};
use crate::credential::{ClientSecretCredential, ClientSecretCredentialOptions};
use crate::error::Result;
use crate::identity::{CommunicationIdentityClient, CommunicationIdentityClientOptions};

/// An emulator's endpoint with the well-known defaults of [`defaults`]
/// (or the values it was started with), and the clients that go with them.
///
/// One endpoint serves everything: ACS identity, APIM over ARM, and the
/// Entra token endpoint (the authority host).
///
/// ```
/// # fn demo() -> azure_user_tokens::Result<()> {
/// use azure_user_tokens::emulator::{EmulatorSettings, defaults};
///
/// // An emulator started with `azure-user-tokens emulator --listen 127.0.0.1:10000`.
/// let emulator = EmulatorSettings::new("http://127.0.0.1:10000")?;
/// let identity = emulator.identity_client(None)?; // HMAC with the well-known access key
/// let apim = emulator.apim_client(None)?; // bearer tokens from the emulator's Entra
/// let credential = emulator.credential(None)?; // ClientSecretCredential, emulator authority
/// let service = emulator.apim_service()?; // 00000000-…/rg1/apimService1
///
/// assert_eq!(
///     emulator.connection_string().expose(),
///     format!("endpoint=http://127.0.0.1:10000/;accesskey={}", defaults::ACS_ACCESS_KEY),
/// );
/// assert_eq!(emulator.tenant_id(), defaults::TENANT_ID);
/// assert_eq!(service.service_name(), defaults::APIM_SERVICE);
/// # let _ = (identity, apim, credential);
/// # Ok(()) }
/// # demo().unwrap();
/// ```
///
/// With the `emulator` feature, [`Emulator::settings`](super::Emulator::settings)
/// gives the settings of an in-process emulator, its configured keys included.
///
/// An emulator serving `--tls` uses its own CA: give the clients an HTTP
/// client that trusts it ([`ClientOptions::with_http_client`](crate::ClientOptions::with_http_client)
/// in their options).
#[derive(Clone, PartialEq, Eq)]
pub struct EmulatorSettings {
    endpoint: String,
    access_key: Secret,
    tenant_id: String,
    client_id: String,
    client_secret: Secret,
    apim_primary_key: Secret,
    apim_secondary_key: Secret,
}

impl EmulatorSettings {
    /// The emulator at `endpoint` (`http://127.0.0.1:PORT` or `https://…`),
    /// with the well-known keys, tenant and client.
    pub fn new(endpoint: &str) -> Result<Self> {
        let url = crate::http::parse_endpoint(endpoint, "endpoint")?;
        Ok(EmulatorSettings {
            endpoint: base(&url),
            access_key: Secret::new(defaults::ACS_ACCESS_KEY),
            tenant_id: defaults::TENANT_ID.to_string(),
            client_id: defaults::CLIENT_ID.to_string(),
            client_secret: Secret::new(defaults::CLIENT_SECRET),
            apim_primary_key: Secret::new(defaults::APIM_PRIMARY_KEY),
            apim_secondary_key: Secret::new(defaults::APIM_SECONDARY_KEY),
        })
    }

    /// For an emulator started with `--access-key`.
    pub fn with_access_key(mut self, access_key: impl Into<Secret>) -> Self {
        self.access_key = access_key.into();
        self
    }

    /// For an emulator started with `--tenant-id`.
    pub fn with_tenant_id(mut self, tenant_id: impl Into<String>) -> Self {
        self.tenant_id = tenant_id.into();
        self
    }

    /// For an emulator started with `--client-id`.
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = client_id.into();
        self
    }

    /// For an emulator started with `--client-secret`.
    pub fn with_client_secret(mut self, client_secret: impl Into<Secret>) -> Self {
        self.client_secret = client_secret.into();
        self
    }

    /// For an emulator started with `--apim-primary-key` and `--apim-secondary-key`.
    pub fn with_apim_keys(
        mut self,
        primary: impl Into<Secret>,
        secondary: impl Into<Secret>,
    ) -> Self {
        self.apim_primary_key = primary.into();
        self.apim_secondary_key = secondary.into();
        self
    }

    /// `http://127.0.0.1:PORT` (or `https://…`), without a trailing `/`: the
    /// ACS endpoint and the ARM endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The Entra authority host: the endpoint too.
    pub fn authority_host(&self) -> &str {
        &self.endpoint
    }

    /// The ACS access key (base64).
    pub fn access_key(&self) -> &Secret {
        &self.access_key
    }

    /// `endpoint=<endpoint>/;accesskey=<access key>`.
    pub fn connection_string(&self) -> Secret {
        Secret::new(format!(
            "endpoint={}/;accesskey={}",
            self.endpoint,
            self.access_key.expose()
        ))
    }

    /// The Entra tenant.
    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// The client id the client-credentials grant accepts.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The client secret the client-credentials grant accepts.
    pub fn client_secret(&self) -> &Secret {
        &self.client_secret
    }

    /// The APIM primary key (signs `primary` user tokens).
    pub fn apim_primary_key(&self) -> &Secret {
        &self.apim_primary_key
    }

    /// The APIM secondary key (signs `secondary` user tokens).
    pub fn apim_secondary_key(&self) -> &Secret {
        &self.apim_secondary_key
    }

    /// The APIM service that exists at start: [`defaults::SUBSCRIPTION_ID`],
    /// [`defaults::RESOURCE_GROUP`], [`defaults::APIM_SERVICE`].
    pub fn apim_service(&self) -> Result<ApimService> {
        ApimService::new(
            defaults::SUBSCRIPTION_ID,
            defaults::RESOURCE_GROUP,
            defaults::APIM_SERVICE,
        )
    }

    /// A client-secret credential against the emulator's Entra token
    /// endpoint, with its tenant, client id and secret. The authority host
    /// is always the emulator's; the rest of `options` applies.
    pub fn credential(
        &self,
        options: Option<ClientSecretCredentialOptions>,
    ) -> Result<ClientSecretCredential> {
        ClientSecretCredential::new(
            &self.tenant_id,
            &self.client_id,
            self.client_secret.clone(),
            Some(
                options
                    .unwrap_or_default()
                    .with_authority_host(self.endpoint.as_str()),
            ),
        )
    }

    /// An identity client signing with the access key (HMAC-SHA256).
    pub fn identity_client(
        &self,
        options: Option<CommunicationIdentityClientOptions>,
    ) -> Result<CommunicationIdentityClient> {
        CommunicationIdentityClient::from_access_key(&self.endpoint, &self.access_key, options)
    }

    /// An APIM client for the emulator's ARM endpoint, authenticated with
    /// [`credential`](Self::credential) (which gets the same transport
    /// options).
    pub fn apim_client(
        &self,
        options: Option<ApiManagementClientOptions>,
    ) -> Result<ApiManagementClient> {
        let options = options.unwrap_or_default();
        let credential = self.credential(Some(
            ClientSecretCredentialOptions::default()
                .with_client_options(options.client_options().clone()),
        ))?;
        ApiManagementClient::new(&self.endpoint, Arc::new(credential), Some(options))
    }
}

impl fmt::Debug for EmulatorSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmulatorSettings")
            .field("endpoint", &self.endpoint)
            .field("tenant_id", &self.tenant_id)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

// Kept beside the settings (not in server.rs) so that the server's file stays
// about serving.
#[cfg(feature = "emulator")]
impl super::Emulator {
    /// How clients reach this emulator: its base URL with the keys, tenant
    /// and client it was configured with.
    pub fn settings(&self) -> EmulatorSettings {
        let config = self.config();
        EmulatorSettings {
            endpoint: self.base_url().to_string(),
            access_key: config.access_key().clone(),
            tenant_id: config.tenant_id().to_string(),
            client_id: config.client_id().to_string(),
            client_secret: config.client_secret().clone(),
            apim_primary_key: config.apim_primary_key().clone(),
            apim_secondary_key: config.apim_secondary_key().clone(),
        }
    }
}

/// `scheme://host[:port][/path]` without a trailing `/`, query or fragment.
fn base(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.as_str().trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_normalised_and_checked() {
        let settings = EmulatorSettings::new(" http://127.0.0.1:10000/ ").unwrap();
        assert_eq!(settings.endpoint(), "http://127.0.0.1:10000");
        assert_eq!(settings.authority_host(), "http://127.0.0.1:10000");
        for bad in ["", "127.0.0.1:10000", "ftp://127.0.0.1/"] {
            let err = EmulatorSettings::new(bad).unwrap_err();
            assert_eq!(err.field(), Some("endpoint"), "{bad}");
        }
    }

    #[test]
    fn overrides_reach_the_connection_string_and_clients() {
        let settings = EmulatorSettings::new("http://localhost:1")
            .unwrap()
            .with_access_key("a2V5")
            .with_tenant_id("tenant1")
            .with_client_id("client1")
            .with_client_secret("secret1")
            .with_apim_keys("p", "s");
        assert_eq!(
            settings.connection_string().expose(),
            "endpoint=http://localhost:1/;accesskey=a2V5"
        );
        assert_eq!(settings.apim_primary_key().expose(), "p");
        assert_eq!(settings.apim_secondary_key().expose(), "s");
        let debug = format!("{:?}", settings.credential(None).unwrap());
        assert!(
            debug.contains("tenant1") && debug.contains("client1"),
            "{debug}"
        );
        assert!(settings.identity_client(None).is_ok());
        assert!(settings.apim_client(None).is_ok());
    }

    #[test]
    fn a_bad_key_or_remote_http_fails_as_validation() {
        let bad_key = EmulatorSettings::new("http://127.0.0.1:1")
            .unwrap()
            .with_access_key("%%%");
        assert!(bad_key.identity_client(None).unwrap_err().is_validation());
        // Credentials never go over plain http to another machine.
        let remote = EmulatorSettings::new("http://emulator.example:10000").unwrap();
        assert!(remote.credential(None).unwrap_err().is_validation());
        assert!(remote.apim_client(None).unwrap_err().is_validation());
    }

    #[test]
    fn debug_shows_no_secret() {
        let settings = EmulatorSettings::new("http://127.0.0.1:1").unwrap();
        let debug = format!("{settings:?}");
        for secret in [
            defaults::ACS_ACCESS_KEY,
            defaults::CLIENT_SECRET,
            defaults::APIM_PRIMARY_KEY,
            defaults::APIM_SECONDARY_KEY,
        ] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
