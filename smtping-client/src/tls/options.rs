//! What the TLS client is asked to do: [`TlsOptions`] (trust anchors, SNI, versions,
//! verification mode), [`VerifyMode`] and [`TlsVersion`].

use std::fmt;
use std::path::PathBuf;
use std::time::SystemTime;

use rustls_pki_types::CertificateDer;
use serde::{Deserialize, Serialize};

use super::error::TlsError;
use super::name::{TargetName, server_name_for};

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

    pub(crate) fn rustls_versions(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
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
    /// cannot be loaded is not fatal: [`TrustStore::notes`](super::TrustStore::notes) says so.
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
