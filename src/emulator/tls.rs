//! `--tls`: a fresh CA and a leaf certificate for `127.0.0.1` and `localhost`,
//! served with rustls (ring provider).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

use super::error::EmulatorError;

/// The names the leaf certificate is valid for.
pub(crate) const SUBJECT_ALT_NAMES: [&str; 2] = ["127.0.0.1", "localhost"];

/// A generated CA (clients trust its PEM) and the acceptor serving its leaf.
pub(crate) struct TlsSetup {
    /// The CA certificate, PEM encoded.
    pub ca_pem: String,
    /// Accepts TLS connections with the leaf certificate.
    pub acceptor: TlsAcceptor,
}

/// Makes a CA, a leaf signed by it, and a rustls server configuration.
pub(crate) fn generate() -> Result<TlsSetup, EmulatorError> {
    let tls_error = |e: &dyn std::fmt::Display| EmulatorError::Tls(e.to_string());

    let ca_key = KeyPair::generate().map_err(|e| tls_error(&e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| tls_error(&e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "azure-user-tokens emulator CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| tls_error(&e))?;
    let issuer = Issuer::from_params(&ca_params, &ca_key);

    let leaf_key = KeyPair::generate().map_err(|e| tls_error(&e))?;
    let names: Vec<String> = SUBJECT_ALT_NAMES.iter().map(|s| s.to_string()).collect();
    let mut leaf_params = CertificateParams::new(names).map_err(|e| tls_error(&e))?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    leaf_params.is_ca = IsCa::NoCa;
    leaf_params.use_authority_key_identifier_extension = true;
    leaf_params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf_params
        .signed_by(&leaf_key, &issuer)
        .map_err(|e| tls_error(&e))?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error(&e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf_cert.der().clone(), ca_cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der())),
        )
        .map_err(|e| tls_error(&e))?;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];

    Ok(TlsSetup {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(server)),
    })
}

/// Writes the CA certificate for clients to trust, and returns where.
///
/// - With `path` (`--ca-file`): a new file (mode 0600) is created next to it
///   with `O_EXCL` and renamed over it, so a symlink planted at `path` is
///   replaced, never followed, and a pre-existing file (perhaps writable by
///   others) is replaced by one only the user can write.
/// - Without: a fresh private directory (0700) in the temporary directory,
///   with a random name, holding `ca.pem` (0600); nobody else can plant or
///   change anything there. [`remove_default_ca_file`] removes both.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // only the CLI writes one
pub(crate) fn write_ca_file(pem: &str, path: Option<&Path>) -> std::io::Result<PathBuf> {
    match path {
        Some(path) => {
            let dir = match path.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let name = path.file_name().ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "no file name")
            })?;
            let temp = dir.join(format!(
                ".{}.{}.tmp",
                name.to_string_lossy(),
                uuid::Uuid::new_v4().simple()
            ));
            let written = create_private(&temp, pem).and_then(|()| std::fs::rename(&temp, path));
            if written.is_err() {
                let _ = std::fs::remove_file(&temp);
            }
            written.map(|()| path.to_path_buf())
        }
        None => {
            let dir = std::env::temp_dir().join(format!(
                "azure-user-tokens-emulator-{}",
                uuid::Uuid::new_v4().simple()
            ));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(&dir)?;
            let file = dir.join(DEFAULT_CA_FILE_NAME);
            create_private(&file, pem)?;
            Ok(file)
        }
    }
}

/// The file name of the CA certificate in its private directory.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // only the CLI writes one
const DEFAULT_CA_FILE_NAME: &str = "ca.pem";

/// Removes a CA file [`write_ca_file`] wrote without a path, and its directory.
#[cfg_attr(not(feature = "cli"), allow(dead_code))] // only the CLI writes one
pub(crate) fn remove_default_ca_file(file: &Path) {
    if file.file_name().is_some_and(|n| n == DEFAULT_CA_FILE_NAME) {
        let _ = std::fs::remove_file(file);
        if let Some(dir) = file.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Creates `path` (which must not exist: `O_EXCL`, so never through a
/// symlink) readable and writable by the owner only, holding `text`.
fn create_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("aut-tls-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn the_default_ca_file_is_private_and_unpredictable() {
        let a = write_ca_file("PEM-A", None).unwrap();
        let b = write_ca_file("PEM-B", None).unwrap();
        assert_ne!(a.parent(), b.parent());
        for (file, pem) in [(&a, "PEM-A"), (&b, "PEM-B")] {
            assert_eq!(std::fs::read_to_string(file).unwrap(), pem);
            assert_eq!(mode(file), 0o600, "{}", file.display());
            assert_eq!(mode(file.parent().unwrap()), 0o700);
            remove_default_ca_file(file);
            assert!(!file.parent().unwrap().exists());
        }
    }

    #[test]
    fn a_planted_symlink_is_replaced_never_followed() {
        let dir = scratch("symlink");
        let victim = dir.join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let planted = dir.join("ca.pem");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let written = write_ca_file("PEM", Some(&planted)).unwrap();
        assert_eq!(written, planted);
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(std::fs::symlink_metadata(&planted).unwrap().is_file());
        assert_eq!(std::fs::read_to_string(&planted).unwrap(), "PEM");
        assert_eq!(mode(&planted), 0o600);
    }

    #[test]
    fn a_world_writable_file_is_replaced_by_a_private_one() {
        let dir = scratch("writable");
        let path = dir.join("ca.pem");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
        write_ca_file("PEM", Some(&path)).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "PEM");
        let leftovers = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
