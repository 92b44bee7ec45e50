//! Session facts after a handshake, in the shape of the report.

use std::time::SystemTime;

use rustls::CommonState;
use rustls_pki_types::CertificateDer;
use serde::{Deserialize, Serialize};

use super::inspect::{CertificateInfo, inspect_chain};
use super::verify::{Verification, VerificationRecord};

/// What a finished handshake established (design.md §6 `tls`).
///
/// ```
/// use smtping_client::tls::{TlsDetails, Verification};
/// let details = TlsDetails::default();
/// assert_eq!(details.verification, Verification::Invalid);
/// assert!(details.certificate().is_none());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsDetails {
    /// `"TLSv1.3"` or `"TLSv1.2"`.
    pub version: String,
    /// IANA-style suite name, e.g. `"TLS13_AES_256_GCM_SHA384"`.
    pub cipher_suite: String,
    /// Key exchange group, e.g. `"X25519"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_exchange: Option<String>,
    /// The SNI sent (`None` for IP-address targets).
    pub sni: Option<String>,
    /// The negotiated ALPN protocol, if any (SMTP normally has none).
    pub alpn: Option<String>,
    /// The primary certificate verdict.
    pub verification: Verification,
    /// Every certificate problem, most important first (empty when valid).
    pub problems: Vec<Verification>,
    /// Plain-words explanation of the verdict.
    pub verification_detail: String,
    /// The presented chain, the server's own certificate first.
    pub chain: Vec<CertificateInfo>,
    /// The presented chain as DER, in the same order (not serialised): what DANE
    /// (RFC 7672) matches TLSA records against.
    #[serde(skip)]
    pub chain_der: Vec<CertificateDer<'static>>,
}

impl Default for TlsDetails {
    fn default() -> Self {
        Self {
            version: String::new(),
            cipher_suite: String::new(),
            key_exchange: None,
            sni: None,
            alpn: None,
            verification: Verification::Invalid,
            problems: Vec::new(),
            verification_detail: String::new(),
            chain: Vec::new(),
            chain_der: Vec::new(),
        }
    }
}

/// The report's `tls.certificate` object: the server's own certificate plus the verdict and
/// the chain length, with exactly the field names of design.md §6.
///
/// ```
/// use smtping_client::tls::CertificateSummary;
/// let json = serde_json::to_value(CertificateSummary::default()).unwrap();
/// let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
/// assert_eq!(keys.len(), 8);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateSummary {
    /// The primary verdict.
    pub verification: Verification,
    /// Leaf subject.
    pub subject: String,
    /// Leaf issuer.
    pub issuer: String,
    /// Leaf DNS and IP subject alternative names.
    pub sans: Vec<String>,
    /// Leaf validity start, RFC 3339 UTC.
    pub not_before: String,
    /// Leaf validity end, RFC 3339 UTC.
    pub not_after: String,
    /// Whole days until the leaf expires (negative once expired).
    pub days_remaining: i64,
    /// Number of certificates the server presented.
    pub chain_length: usize,
}

impl Default for CertificateSummary {
    fn default() -> Self {
        Self {
            verification: Verification::Invalid,
            subject: String::new(),
            issuer: String::new(),
            sans: Vec::new(),
            not_before: String::new(),
            not_after: String::new(),
            days_remaining: 0,
            chain_length: 0,
        }
    }
}

impl TlsDetails {
    /// The report's `certificate` object, from the server's own certificate; `None` when no
    /// certificate was presented.
    #[must_use]
    pub fn certificate(&self) -> Option<CertificateSummary> {
        let leaf = self.chain.first()?;
        Some(CertificateSummary {
            verification: self.verification,
            subject: leaf.subject.clone(),
            issuer: leaf.issuer.clone(),
            sans: leaf.sans.clone(),
            not_before: leaf.not_before.clone(),
            not_after: leaf.not_after.clone(),
            days_remaining: leaf.days_remaining,
            chain_length: self.chain.len(),
        })
    }

    /// Whether the certificate was trusted.
    #[must_use]
    pub fn is_trusted(&self) -> bool {
        self.verification.is_valid()
    }
}

/// Collects the session facts after a successful handshake.
///
/// `conn` is the client connection (`&ClientConnection` coerces; with tokio-rustls use
/// `stream.get_ref().1`), `sni` the SNI that was sent ([`TargetName::sni`](super::TargetName)),
/// `record` what the verifier saw ([`VerificationHandle::get`](super::VerificationHandle::get)).
/// Without a record (the verifier did not run) the verdict is `invalid` and the chain comes
/// from the connection. Days remaining are counted from the record's check time.
///
/// ```
/// use std::sync::Arc;
/// use smtping_client::tls::{build_client_config, tls_details, TlsOptions};
///
/// let options = TlsOptions::default().use_native_roots(false);
/// let setup = build_client_config(&options)?;
/// let name = options.server_name("mx.example.org")?;
/// let conn = rustls::ClientConnection::new(Arc::clone(&setup.config), name.server_name.clone())
///     .unwrap();
/// // ... drive the handshake over a socket, then:
/// let details = tls_details(&conn, name.sni.as_deref(), setup.verification.get().as_ref());
/// println!("{}", serde_json::to_string(&details).unwrap());
/// # Ok::<(), smtping_client::tls::TlsError>(())
/// ```
#[must_use]
pub fn tls_details(
    conn: &CommonState,
    sni: Option<&str>,
    record: Option<&VerificationRecord>,
) -> TlsDetails {
    let version = conn.protocol_version().map_or_else(String::new, |version| {
        version
            .as_str()
            .map_or_else(|| format!("{version:?}"), |name| name.replace('_', "."))
    });
    let cipher_suite = conn
        .negotiated_cipher_suite()
        .map_or_else(String::new, |suite| {
            let suite = suite.suite();
            suite
                .as_str()
                .map_or_else(|| format!("{suite:?}"), ToOwned::to_owned)
        });
    let key_exchange = conn.negotiated_key_exchange_group().map(|group| {
        let name = group.name();
        name.as_str()
            .map_or_else(|| format!("{name:?}"), ToOwned::to_owned)
    });
    let alpn = conn
        .alpn_protocol()
        .map(|protocol| super::inspect::clean(&String::from_utf8_lossy(protocol)));
    let (verification, problems, verification_detail, chain, chain_der) = match record {
        Some(record) => (
            record.verification,
            record.problems.clone(),
            record.detail.clone(),
            inspect_chain(&record.chain, record.checked_at),
            record.chain.clone(),
        ),
        None => {
            let presented = conn.peer_certificates().unwrap_or_default();
            (
                Verification::Invalid,
                vec![Verification::Invalid],
                "the certificate was not verified during this handshake".to_owned(),
                inspect_chain(presented, SystemTime::now()),
                presented.iter().map(|c| c.clone().into_owned()).collect(),
            )
        }
    };
    TlsDetails {
        version,
        cipher_suite,
        key_exchange,
        sni: sni.map(ToOwned::to_owned),
        alpn,
        verification,
        problems,
        verification_detail,
        chain,
        chain_der,
    }
}
