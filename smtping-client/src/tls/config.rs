//! Trust anchors and the rustls client configuration.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::time_provider::TimeProvider;
use rustls::{ClientConfig, RootCertStore};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, UnixTime};
use serde::{Deserialize, Serialize};

use super::name::{TargetName, server_name_for};
use super::verify::{DiagnosingVerifier, VerificationHandle};

/// Largest CA file read from disk (a full OS bundle is about 250 KiB).
pub const MAX_CA_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What the certificate verifier does with a certificate it cannot trust.
///
/// ```
/// use smtping_client::tls::VerifyMode;
/// assert_eq!(VerifyMode::default(), VerifyMode::Diagnose);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyMode {
    /// Complete the handshake whatever the certificate looks like (like `posttls-finger`), and
    /// record what was wrong; the recorded verdict still says the session is untrusted.
    /// Handshake signatures are verified for real in this mode too.
    #[default]
    Diagnose,
    /// Abort the handshake when the certificate is not valid (what a verifying MTA does).
    Strict,
}

/// A TLS protocol version the client may negotiate.
///
/// rustls implements only TLS 1.2 and TLS 1.3, so a server that speaks nothing newer than
/// TLS 1.0 or 1.1 fails the handshake with
/// [`HandshakeFailureKind::ProtocolVersion`](super::HandshakeFailureKind::ProtocolVersion).
///
/// ```
/// use smtping_client::tls::TlsVersion;
/// assert_eq!(TlsVersion::Tls13.as_str(), "TLSv1.3");
/// assert!(TlsVersion::Tls12 < TlsVersion::Tls13);
/// ```
#[non_exhaustive]
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
pub enum TlsVersion {
    /// TLS 1.2 (RFC 5246).
    #[default]
    #[serde(rename = "TLSv1.2")]
    Tls12,
    /// TLS 1.3 (RFC 8446).
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl TlsVersion {
    /// The conventional name, as in the report: `"TLSv1.2"` or `"TLSv1.3"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }

    /// The version with this conventional name (`"TLSv1.3"`), if it is one SMTPing speaks.
    ///
    /// ```
    /// use smtping_client::tls::TlsVersion;
    /// assert_eq!(TlsVersion::from_name("TLSv1.2"), Some(TlsVersion::Tls12));
    /// assert_eq!(TlsVersion::from_name("SSLv3"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "TLSv1.2" => Some(Self::Tls12),
            "TLSv1.3" => Some(Self::Tls13),
            _ => None,
        }
    }

    fn rustls_versions(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static BOTH: [&rustls::SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static ONLY_13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            Self::Tls12 => &BOTH,
            Self::Tls13 => &ONLY_13,
        }
    }
}

impl PartialEq<&str> for TlsVersion {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the TLS client trusts and verifies servers.
///
/// Build it from [`TlsOptions::default()`] with the builder methods; every field is public
/// for reading.
///
/// ```
/// use smtping_client::tls::{TlsOptions, TlsVersion, VerifyMode};
///
/// let options = TlsOptions::default()
///     .ca_file("/etc/smtping/private-ca.pem")
///     .sni("mx.example.org")
///     .min_version(TlsVersion::Tls12)
///     .verify_mode(VerifyMode::Strict);
/// assert!(options.use_webpki_roots && options.use_native_roots);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM files whose certificates are added to the trust anchors (`--ca-file`).
    pub ca_files: Vec<PathBuf>,
    /// Extra trust anchors given in memory (DER).
    pub extra_roots: Vec<CertificateDer<'static>>,
    /// Trust the Mozilla roots compiled in from `webpki-roots` (default: yes).
    pub use_webpki_roots: bool,
    /// Trust the operating system's store via `rustls-native-certs` (default: yes). A store that
    /// cannot be loaded is not fatal: [`TrustStore::notes`] says so.
    pub use_native_roots: bool,
    /// Server name to send as SNI and verify against, instead of the target host (`--sni`).
    pub sni: Option<String>,
    /// Lowest protocol version offered (default TLS 1.2; TLS 1.0/1.1 are not available).
    pub min_version: TlsVersion,
    /// Whether a bad certificate aborts the handshake (default: [`VerifyMode::Diagnose`]).
    pub verify_mode: VerifyMode,
    /// Verify certificates as of this instant instead of the system clock (tests, reproducible
    /// reports).
    pub fixed_time: Option<SystemTime>,
}

impl Default for TlsOptions {
    fn default() -> Self {
        Self {
            ca_files: Vec::new(),
            extra_roots: Vec::new(),
            use_webpki_roots: true,
            use_native_roots: true,
            sni: None,
            min_version: TlsVersion::Tls12,
            verify_mode: VerifyMode::Diagnose,
            fixed_time: None,
        }
    }
}

impl TlsOptions {
    /// Adds a PEM file of trusted CA certificates.
    #[must_use]
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_files.push(path.into());
        self
    }

    /// Adds a trusted CA certificate given as DER.
    #[must_use]
    pub fn root(mut self, der: CertificateDer<'static>) -> Self {
        self.extra_roots.push(der);
        self
    }

    /// Whether to trust the compiled-in Mozilla roots.
    #[must_use]
    pub fn use_webpki_roots(mut self, yes: bool) -> Self {
        self.use_webpki_roots = yes;
        self
    }

    /// Whether to trust the operating system's certificate store.
    #[must_use]
    pub fn use_native_roots(mut self, yes: bool) -> Self {
        self.use_native_roots = yes;
        self
    }

    /// Sends (and verifies against) this server name instead of the target host.
    #[must_use]
    pub fn sni(mut self, name: impl Into<String>) -> Self {
        self.sni = Some(name.into());
        self
    }

    /// Sets the lowest TLS version offered.
    #[must_use]
    pub fn min_version(mut self, version: TlsVersion) -> Self {
        self.min_version = version;
        self
    }

    /// Sets the verification mode.
    #[must_use]
    pub fn verify_mode(mut self, mode: VerifyMode) -> Self {
        self.verify_mode = mode;
        self
    }

    /// Verifies certificates as of `now` instead of the system clock.
    #[must_use]
    pub fn fixed_time(mut self, now: SystemTime) -> Self {
        self.fixed_time = Some(now);
        self
    }

    /// The rustls server name and SNI for `host`, honouring the [`sni`](Self::sni) override.
    /// See [`server_name_for`].
    ///
    /// ```
    /// use smtping_client::tls::TlsOptions;
    /// let name = TlsOptions::default().server_name("MX.Example.org.").unwrap();
    /// assert_eq!(name.sni.as_deref(), Some("mx.example.org"));
    /// ```
    pub fn server_name(&self, host: &str) -> Result<TargetName, TlsError> {
        server_name_for(host, self.sni.as_deref())
    }
}

/// Errors while building the trust store or the client configuration.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A CA file could not be read.
    #[error("TLS setup: cannot read CA file {}: {source}", path.display())]
    CaFileRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A CA file is larger than [`MAX_CA_FILE_BYTES`].
    #[error("TLS setup: CA file {} is larger than {limit} bytes; is it really a PEM bundle?", path.display())]
    CaFileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A CA file is not valid PEM.
    #[error("TLS setup: CA file {} is not valid PEM: {message}", path.display())]
    CaFileParse {
        /// The file.
        path: PathBuf,
        /// What the PEM parser said.
        message: String,
    },
    /// A CA file holds no `CERTIFICATE` block.
    #[error(
        "TLS setup: CA file {} contains no PEM \"BEGIN CERTIFICATE\" block (DER files must be converted to PEM)",
        path.display()
    )]
    CaFileEmpty {
        /// The file.
        path: PathBuf,
    },
    /// A certificate in a CA file cannot be used as a trust anchor.
    #[error("TLS setup: certificate #{index} in CA file {} cannot be used as a trust anchor: {message}", path.display())]
    CaFileCertificate {
        /// The file.
        path: PathBuf,
        /// Position of the certificate in the file, from 1.
        index: usize,
        /// Why.
        message: String,
    },
    /// An in-memory root certificate cannot be used as a trust anchor.
    #[error(
        "TLS setup: extra root certificate #{index} cannot be used as a trust anchor: {message}"
    )]
    ExtraRoot {
        /// Position in [`TlsOptions::extra_roots`], from 1.
        index: usize,
        /// Why.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("TLS setup: building the rustls client configuration failed: {0}")]
    Config(#[source] rustls::Error),
    /// A host or SNI override is not a usable TLS server name.
    #[error("TLS setup: {name:?} is not a valid TLS server name: {reason}")]
    InvalidServerName {
        /// The name as given.
        name: String,
        /// Why it was refused.
        reason: String,
    },
}

/// The set of trust anchors, loaded once and shared by many connections.
///
/// Loading the OS store reads files, so load a `TrustStore` once per process (or per check) and
/// make a cheap per-connection configuration from it with [`client_config`].
///
/// ```
/// use smtping_client::tls::{TlsOptions, TrustStore};
/// let trust = TrustStore::load(&TlsOptions::default().use_native_roots(false)).unwrap();
/// assert!(trust.len() > 100); // the Mozilla roots
/// ```
#[derive(Debug, Clone)]
pub struct TrustStore {
    roots: Arc<RootCertStore>,
    notes: Vec<String>,
}

impl TrustStore {
    /// Loads the trust anchors the options ask for: webpki roots, the OS store, CA files and
    /// in-memory roots. Problems with the OS store are notes, problems with anything the user
    /// named explicitly are errors.
    pub fn load(options: &TlsOptions) -> Result<Self, TlsError> {
        let mut store = RootCertStore::empty();
        let mut notes = Vec::new();
        if options.use_webpki_roots {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if options.use_native_roots {
            let loaded = rustls_native_certs::load_native_certs();
            let (added, ignored) = store.add_parsable_certificates(loaded.certs);
            if added == 0 {
                notes.push(
                    "no certificates could be loaded from the operating system's trust store"
                        .to_owned(),
                );
            } else if ignored > 0 {
                notes.push(format!(
                    "{ignored} certificate(s) in the operating system's trust store were unusable and ignored"
                ));
            }
            for error in loaded.errors.iter().take(5) {
                notes.push(format!("operating system trust store: {error}"));
            }
            if loaded.errors.len() > 5 {
                notes.push(format!(
                    "operating system trust store: {} more error(s) not shown",
                    loaded.errors.len() - 5
                ));
            }
        }
        for path in &options.ca_files {
            for (index, der) in read_ca_file(path)?.into_iter().enumerate() {
                store
                    .add(der)
                    .map_err(|error| TlsError::CaFileCertificate {
                        path: path.clone(),
                        index: index + 1,
                        message: error.to_string(),
                    })?;
            }
        }
        for (index, der) in options.extra_roots.iter().enumerate() {
            store
                .add(der.clone())
                .map_err(|error| TlsError::ExtraRoot {
                    index: index + 1,
                    message: error.to_string(),
                })?;
        }
        if store.is_empty() {
            notes.push(
                "no trust anchors are configured: every certificate will be reported as untrusted"
                    .to_owned(),
            );
        }
        Ok(Self {
            roots: Arc::new(store),
            notes,
        })
    }

    /// A store holding exactly these roots (no webpki or OS roots).
    ///
    /// ```
    /// use smtping_client::tls::TrustStore;
    /// assert!(TrustStore::from_roots(rustls::RootCertStore::empty()).is_empty());
    /// ```
    #[must_use]
    pub fn from_roots(roots: RootCertStore) -> Self {
        Self {
            roots: Arc::new(roots),
            notes: Vec::new(),
        }
    }

    /// The anchors, for building other verifiers.
    #[must_use]
    pub fn roots(&self) -> &Arc<RootCertStore> {
        &self.roots
    }

    /// Number of trust anchors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether no trust anchor is configured.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Non-fatal remarks made while loading (e.g. the OS store could not be read).
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Reads a PEM bundle of CA certificates, bounded in size; every error names the file.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read_error = |source| TlsError::CaFileRead {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(TlsError::CaFileTooLarge {
            path: path.to_path_buf(),
            limit: MAX_CA_FILE_BYTES,
        });
    }
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        let der = item.map_err(|error| TlsError::CaFileParse {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        certs.push(der);
    }
    if certs.is_empty() {
        return Err(TlsError::CaFileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}

/// A client configuration for one connection, and the handle to what its verifier saw.
///
/// Make one per connection: the handle holds the record of the latest handshake made with
/// this configuration.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// The configuration to give to `tokio-rustls`/`futures-rustls` (or a `ClientConnection`).
    pub config: Arc<ClientConfig>,
    /// Read after (or after a failed) handshake: the chain and the verdict.
    pub verification: VerificationHandle,
    /// Non-fatal remarks from loading the trust store.
    pub notes: Vec<String>,
}

/// A clock stuck at one instant, for [`TlsOptions::fixed_time`].
#[derive(Debug)]
struct FixedTime(UnixTime);

impl TimeProvider for FixedTime {
    fn current_time(&self) -> Option<UnixTime> {
        Some(self.0)
    }
}

/// Converts a [`SystemTime`] to a [`UnixTime`] (instants before 1970 become the epoch).
pub(crate) fn unix_time(at: SystemTime) -> UnixTime {
    UnixTime::since_unix_epoch(at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO))
}

/// The ring crypto provider, chosen explicitly so no process-wide default is needed.
pub(crate) fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds a per-connection client configuration from an already loaded [`TrustStore`].
///
/// The configuration uses the ring provider, offers the versions from
/// [`TlsOptions::min_version`] up to TLS 1.3, disables session resumption (so every handshake
/// shows the full certificate) and installs a [`DiagnosingVerifier`].
///
/// ```
/// use smtping_client::tls::{client_config, TlsOptions, TrustStore};
/// let options = TlsOptions::default().use_native_roots(false);
/// let trust = TrustStore::load(&options)?;
/// let setup = client_config(&options, &trust)?;
/// assert!(setup.verification.get().is_none()); // no handshake yet
/// # Ok::<(), smtping_client::tls::TlsError>(())
/// ```
pub fn client_config(options: &TlsOptions, trust: &TrustStore) -> Result<TlsSetup, TlsError> {
    let provider = ring_provider();
    let handle = VerificationHandle::new();
    let verifier = DiagnosingVerifier::new(
        Arc::clone(&trust.roots),
        &provider,
        options.verify_mode,
        handle.clone(),
    );
    let builder = match options.fixed_time {
        Some(at) => ClientConfig::builder_with_details(
            Arc::clone(&provider),
            Arc::new(FixedTime(unix_time(at))),
        ),
        None => ClientConfig::builder_with_provider(Arc::clone(&provider)),
    };
    let mut config = builder
        .with_protocol_versions(options.min_version.rustls_versions())
        .map_err(TlsError::Config)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    config.enable_sni = true;
    Ok(TlsSetup {
        config: Arc::new(config),
        verification: handle,
        notes: trust.notes.clone(),
    })
}

/// Loads the trust store and builds a client configuration in one step.
///
/// Prefer [`TrustStore::load`] once plus [`client_config`] per connection when making many
/// connections.
///
/// ```
/// use smtping_client::tls::{build_client_config, TlsOptions};
/// let setup = build_client_config(&TlsOptions::default())?;
/// // OS store problems are not fatal; they are listed here.
/// for note in &setup.notes {
///     eprintln!("note: {note}");
/// }
/// # Ok::<(), smtping_client::tls::TlsError>(())
/// ```
pub fn build_client_config(options: &TlsOptions) -> Result<TlsSetup, TlsError> {
    client_config(options, &TrustStore::load(options)?)
}
