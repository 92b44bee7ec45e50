//! The diagnosing certificate verifier.
//!
//! [`DiagnosingVerifier`] wraps rustls' [`WebPkiServerVerifier`]: the verdict that decides
//! *valid or not* is always webpki's. When webpki refuses a certificate, the verifier works
//! out *everything* that is wrong, not just the first thing webpki tripped over, so a report
//! can say "expired **and** issued by an untrusted CA **and** for another name":
//!
//! - **trust**: webpki's `UnknownIssuer`, told apart by the shape of the presented chain into
//!   [`Verification::SelfSigned`] (the server's own certificate is self-issued),
//!   [`Verification::IncompleteChain`] (the last certificate sent is not self-issued, so its
//!   issuer is neither sent nor trusted: usually missing intermediates) and
//!   [`Verification::UntrustedIssuer`] (the chain ends at a self-signed root nobody trusts).
//!   When webpki stops at a date problem first, trust is checked again at an instant inside
//!   the certificates' validity, so an expired certificate from an unknown CA shows both.
//! - **dates**: the leaf's validity against `now` (and the other certificates' when webpki
//!   named a date problem the leaf does not have).
//! - **name**: the leaf's subject alternative names against the server name, with webpki's own
//!   matching rules (`verify_server_name`), also when the chain is untrusted.
//! - anything else webpki refuses (bad signature, malformed, wrong key usage, unsupported
//!   algorithm) is [`Verification::Invalid`].
//!
//! # Which problem comes first
//!
//! [`VerificationRecord::verification`] is the most important problem, by this precedence:
//! `invalid` > `self_signed` > `incomplete_chain` > `untrusted_issuer` > `expired` >
//! `not_yet_valid` > `hostname_mismatch`. The order follows what a mail admin must fix first:
//! a broken or untrusted certificate is worthless to every verifying client whatever its dates
//! and names, and the fix (a CA-issued certificate, or sending the intermediates) comes before
//! renewing; an expired certificate fails for every client, while a name mismatch only fails
//! for clients that use that name (many MTAs connect by MX name, some do not check names at
//! all for opportunistic TLS). Every problem found is in
//! [`VerificationRecord::problems`], most important first.
//!
//! Handshake signatures (`CertificateVerify`, `ServerKeyExchange`) are always verified with
//! the provider's algorithms, in both modes: diagnosis never turns into accepting a server
//! that does not hold the certificate's private key.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    WebPkiServerVerifier, verify_server_cert_signed_by_trust_anchor, verify_server_name,
};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use serde::{Deserialize, Serialize};
use x509_parser::certificate::X509Certificate;

use super::inspect::{clean, days_between, ip_text, is_self_issued, rfc3339, short_name};
use super::options::VerifyMode;

/// Most SANs quoted in a hostname-mismatch detail.
const SANS_IN_DETAIL: usize = 8;

/// The verdict on a server certificate (design.md §4/§6 `tls.certificate.verification`).
///
/// Serialised as snake_case strings: `valid`, `hostname_mismatch`, `expired`, `not_yet_valid`,
/// `untrusted_issuer`, `self_signed`, `incomplete_chain`, `invalid`.
///
/// ```
/// use smtping_client::tls::Verification;
/// assert_eq!(Verification::IncompleteChain.as_str(), "incomplete_chain");
/// assert!(Verification::SelfSigned.precedence() < Verification::Expired.precedence());
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// Trusted, in date, and valid for the server name.
    Valid,
    /// Valid certificate, but not for the name the client connected with.
    HostnameMismatch,
    /// Past its `not_after` date.
    Expired,
    /// Before its `not_before` date.
    NotYetValid,
    /// The chain ends at a root that is not trusted.
    UntrustedIssuer,
    /// The server's certificate is self-signed.
    SelfSigned,
    /// The issuer of the last certificate sent is neither sent nor trusted (missing
    /// intermediates, or a private CA sent without its root).
    IncompleteChain,
    /// Anything else: bad signature, malformed, wrong key usage, unsupported algorithm, revoked.
    Invalid,
}

impl Verification {
    /// All verdicts, in declaration order.
    pub const ALL: [Self; 8] = [
        Self::Valid,
        Self::HostnameMismatch,
        Self::Expired,
        Self::NotYetValid,
        Self::UntrustedIssuer,
        Self::SelfSigned,
        Self::IncompleteChain,
        Self::Invalid,
    ];

    /// The JSON string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::HostnameMismatch => "hostname_mismatch",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::UntrustedIssuer => "untrusted_issuer",
            Self::SelfSigned => "self_signed",
            Self::IncompleteChain => "incomplete_chain",
            Self::Invalid => "invalid",
        }
    }

    /// Whether this is [`Verification::Valid`].
    #[must_use]
    pub const fn is_valid(self) -> bool {
        matches!(self, Self::Valid)
    }

    /// Rank used to pick the primary verdict: lower is reported first (see the module docs).
    #[must_use]
    pub const fn precedence(self) -> u8 {
        match self {
            Self::Invalid => 0,
            Self::SelfSigned => 1,
            Self::IncompleteChain => 2,
            Self::UntrustedIssuer => 3,
            Self::Expired => 4,
            Self::NotYetValid => 5,
            Self::HostnameMismatch => 6,
            Self::Valid => 7,
        }
    }

    /// One sentence on what to do about it.
    #[must_use]
    pub const fn remediation(self) -> &'static str {
        match self {
            Self::Valid => "Nothing to do.",
            Self::HostnameMismatch => {
                "Issue a certificate whose subject alternative names include the name clients use (the MX host name)."
            }
            Self::Expired => "Renew the certificate and reload the mail server.",
            Self::NotYetValid => {
                "Check the clocks of the server and the client, or install a certificate that is already valid."
            }
            Self::UntrustedIssuer => {
                "Use a certificate from a publicly trusted CA, or give verifying clients the private root (--ca-file)."
            }
            Self::SelfSigned => {
                "Replace the self-signed certificate with one from a trusted CA (e.g. Let's Encrypt)."
            }
            Self::IncompleteChain => {
                "Configure the server to send the intermediate certificate(s) after its own (the full chain file)."
            }
            Self::Invalid => "Replace the certificate: it cannot be verified at all.",
        }
    }
}

impl fmt::Display for Verification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the verifier saw during one handshake.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationRecord {
    /// The name verified against (DNS name or IP address, as text).
    pub server_name: String,
    /// The certificates as presented, the server's own first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The primary verdict.
    pub verification: Verification,
    /// Every problem found, most important first; empty when valid.
    pub problems: Vec<Verification>,
    /// Plain-words explanation of every problem (or of validity), `; `-separated.
    pub detail: String,
    /// webpki's own error, when it refused the certificate.
    pub verifier_error: Option<String>,
    /// The mode in force.
    pub mode: VerifyMode,
    /// Whether the verifier let the handshake continue (always in Diagnose mode).
    pub accepted: bool,
    /// The instant certificates were checked against.
    pub checked_at: SystemTime,
}

impl VerificationRecord {
    /// Whether the certificate was trusted (and so the session authenticated).
    #[must_use]
    pub fn is_trusted(&self) -> bool {
        self.verification.is_valid()
    }
}

/// Shared slot where a [`DiagnosingVerifier`] leaves its [`VerificationRecord`].
///
/// Cloning shares the slot. A poisoned lock is recovered, never propagated as a panic.
///
/// ```
/// use smtping_client::tls::VerificationHandle;
/// let handle = VerificationHandle::new();
/// assert!(handle.get().is_none());
/// ```
#[derive(Debug, Clone, Default)]
pub struct VerificationHandle(Arc<Mutex<Option<VerificationRecord>>>);

impl VerificationHandle {
    /// An empty slot.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the latest record, if a certificate was verified.
    #[must_use]
    pub fn get(&self) -> Option<VerificationRecord> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Takes the latest record out, leaving the slot empty.
    #[must_use]
    pub fn take(&self) -> Option<VerificationRecord> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }

    fn set(&self, record: VerificationRecord) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(record);
    }
}

/// A rustls [`ServerCertVerifier`] that records the presented chain and a detailed verdict,
/// and (in [`VerifyMode::Diagnose`]) lets the handshake finish whatever the certificate.
///
/// Usually built by [`client_config`](super::client_config); build it yourself to plug it
/// into another configuration.
///
/// ```
/// use std::sync::Arc;
/// use smtping_client::tls::{DiagnosingVerifier, VerificationHandle, VerifyMode};
///
/// let provider = Arc::new(rustls::crypto::ring::default_provider());
/// let roots = Arc::new(rustls::RootCertStore::from_iter(
///     webpki_roots::TLS_SERVER_ROOTS.iter().cloned(),
/// ));
/// let handle = VerificationHandle::new();
/// let verifier = DiagnosingVerifier::new(roots, &provider, VerifyMode::Diagnose, handle.clone());
/// let config = rustls::ClientConfig::builder_with_provider(provider)
///     .with_safe_default_protocol_versions()
///     .unwrap()
///     .dangerous()
///     .with_custom_certificate_verifier(Arc::new(verifier))
///     .with_no_client_auth();
/// # let _ = config;
/// ```
#[derive(Debug)]
pub struct DiagnosingVerifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    roots: Arc<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
    mode: VerifyMode,
    record: VerificationHandle,
}

/// One problem and its explanation.
struct Finding {
    kind: Verification,
    detail: String,
}

impl Finding {
    fn new(kind: Verification, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
}

impl DiagnosingVerifier {
    /// A verifier trusting `roots`, using `provider`'s signature algorithms, writing records
    /// to `record`. With no roots at all every certificate is reported untrusted.
    #[must_use]
    pub fn new(
        roots: Arc<RootCertStore>,
        provider: &Arc<CryptoProvider>,
        mode: VerifyMode,
        record: VerificationHandle,
    ) -> Self {
        let webpki = if roots.is_empty() {
            None
        } else {
            WebPkiServerVerifier::builder_with_provider(Arc::clone(&roots), Arc::clone(provider))
                .build()
                .ok()
        };
        Self {
            webpki,
            roots,
            algorithms: provider.signature_verification_algorithms,
            mode,
            record,
        }
    }

    /// The handle records are written to.
    #[must_use]
    pub fn handle(&self) -> &VerificationHandle {
        &self.record
    }

    /// Verifies and diagnoses a presented chain without a handshake: the record, and what
    /// webpki decided (`Ok` only for a valid certificate, whatever the mode).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
    /// use smtping_client::tls::{DiagnosingVerifier, Verification, VerificationHandle, VerifyMode};
    ///
    /// let provider = Arc::new(rustls::crypto::ring::default_provider());
    /// let verifier = DiagnosingVerifier::new(
    ///     Arc::new(rustls::RootCertStore::empty()),
    ///     &provider,
    ///     VerifyMode::Diagnose,
    ///     VerificationHandle::new(),
    /// );
    /// let name = ServerName::try_from("mx.example.org").unwrap();
    /// let garbage = CertificateDer::from(vec![0x30, 0x00]);
    /// let (record, result) = verifier.diagnose(&garbage, &[], &name, UnixTime::now());
    /// assert_eq!(record.verification, Verification::Invalid);
    /// assert!(result.is_err());
    /// ```
    pub fn diagnose(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> (VerificationRecord, Result<(), Error>) {
        let result = match &self.webpki {
            Some(webpki) => webpki
                .verify_server_cert(end_entity, intermediates, server_name, &[], now)
                .map(|_| ()),
            // No trust anchors: a parseable certificate is untrusted, garbage is invalid.
            None => ParsedCertificate::try_from(end_entity).and(Err(Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))),
        };
        let name = server_name.to_str().into_owned();
        let (verification, problems, detail) = match &result {
            Ok(()) => (
                Verification::Valid,
                Vec::new(),
                format!("the certificate chain is trusted, in date and valid for {name}"),
            ),
            Err(error) => {
                let findings = self.findings(end_entity, intermediates, server_name, now, error);
                let primary = findings
                    .first()
                    .map_or(Verification::Invalid, |finding| finding.kind);
                let problems = findings.iter().map(|finding| finding.kind).collect();
                let detail = findings
                    .iter()
                    .map(|finding| finding.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; ");
                (primary, problems, detail)
            }
        };
        let accepted = result.is_ok() || self.mode == VerifyMode::Diagnose;
        let record = VerificationRecord {
            server_name: name,
            chain: std::iter::once(end_entity)
                .chain(intermediates)
                .map(|der| der.clone().into_owned())
                .collect(),
            verification,
            problems,
            detail,
            verifier_error: result.as_ref().err().map(ToString::to_string),
            mode: self.mode,
            accepted,
            checked_at: UNIX_EPOCH + Duration::from_secs(now.as_secs()),
        };
        (record, result)
    }

    /// Everything wrong with a chain webpki refused, most important first, one per kind.
    fn findings(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
        error: &Error,
    ) -> Vec<Finding> {
        let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let leaf = x509_parser::parse_x509_certificate(end_entity.as_ref())
            .ok()
            .map(|(_, cert)| cert);
        let others: Vec<Option<X509Certificate<'_>>> = intermediates
            .iter()
            .map(|der| {
                x509_parser::parse_x509_certificate(der.as_ref())
                    .ok()
                    .map(|(_, cert)| cert)
            })
            .collect();
        let parsed = ParsedCertificate::try_from(end_entity);
        let mut findings = Vec::new();

        // 1. What webpki said, read in the light of the chain's shape: a lone self-issued
        // certificate is self-signed whatever webpki stumbled on while trying anchors.
        let lone_self_issued = others.is_empty() && leaf.as_ref().is_some_and(is_self_issued);
        let mut said = webpki_said(error, lone_self_issued, &mut findings);
        // 2. Trust, when webpki stopped at a date problem before looking for the issuer.
        if said.dates.is_some()
            && let (Ok(parsed), Some(at)) = (&parsed, instant_inside(leaf.as_ref(), &others))
        {
            let result = verify_server_cert_signed_by_trust_anchor(
                parsed,
                &self.roots,
                intermediates,
                at,
                self.algorithms.all,
            );
            said.untrusted |= trust_behind_dates(result, &mut findings);
        }
        if said.untrusted {
            findings.push(trust_finding(leaf.as_ref(), &others, self.roots.is_empty()));
        }
        // 3. Dates: the leaf always; the others when webpki named a date problem the leaf lacks.
        findings.extend(dates(leaf.as_ref(), &others, now_secs, said.dates));
        // 4. Name, checked with webpki's rules whether or not the chain is trusted.
        findings.extend(name(&parsed, leaf.as_ref(), server_name, said.name));

        if findings.is_empty() {
            findings.push(Finding::new(
                Verification::Invalid,
                format!("the certificate could not be verified: {error}"),
            ));
        }
        findings.sort_by_key(|finding| finding.kind.precedence());
        findings.dedup_by_key(|finding| finding.kind);
        findings
    }
}

/// What webpki's error named, before SMTPing looks further.
#[derive(Default)]
struct WebpkiSaid {
    /// No path to a trust anchor.
    untrusted: bool,
    /// A date problem (expired or not yet valid).
    dates: Option<Verification>,
    /// The name did not match.
    name: bool,
}

/// Reads webpki's error; anything it names that SMTPing does not re-check is a finding.
///
/// `lone_self_issued`: the server sent one certificate, issued by itself. webpki then
/// tries every trust anchor with that subject name: one with the same name and another
/// key (an OS store holding some `CN=localhost`, say) makes it report a bad or unsupported
/// signature, although the certificate only vouches for itself. That is self-signed.
fn webpki_said(error: &Error, lone_self_issued: bool, findings: &mut Vec<Finding>) -> WebpkiSaid {
    let mut said = WebpkiSaid::default();
    match error {
        Error::InvalidCertificate(
            CertificateError::BadSignature
            | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
            | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. },
        ) if lone_self_issued => said.untrusted = true,
        #[allow(deprecated)]
        Error::InvalidCertificate(CertificateError::UnsupportedSignatureAlgorithm)
            if lone_self_issued =>
        {
            said.untrusted = true;
        }
        Error::InvalidCertificate(cert_error) => match cert_error {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                said.dates = Some(Verification::Expired);
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                said.dates = Some(Verification::NotYetValid);
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                said.name = true;
            }
            CertificateError::UnknownIssuer => said.untrusted = true,
            other => findings.push(Finding::new(Verification::Invalid, invalid_detail(other))),
        },
        other => findings.push(Finding::new(
            Verification::Invalid,
            format!("the certificate could not be verified: {other}"),
        )),
    }
    said
}

/// The chain verified again at an instant inside every certificate's validity: `true`
/// when the issuer is unknown; other problems become findings.
fn trust_behind_dates(result: Result<(), Error>, findings: &mut Vec<Finding>) -> bool {
    match result {
        Err(Error::InvalidCertificate(CertificateError::UnknownIssuer)) => true,
        Err(Error::InvalidCertificate(
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. },
        ))
        | Ok(()) => false,
        Err(Error::InvalidCertificate(other)) => {
            findings.push(Finding::new(Verification::Invalid, invalid_detail(&other)));
            false
        }
        Err(other) => {
            findings.push(Finding::new(
                Verification::Invalid,
                format!("the certificate could not be verified: {other}"),
            ));
            false
        }
    }
}

/// The date finding: the leaf's own, else the first chain certificate's when webpki named
/// a date problem, else a general one.
fn dates(
    leaf: Option<&X509Certificate<'_>>,
    others: &[Option<X509Certificate<'_>>],
    now_secs: i64,
    webpki: Option<Verification>,
) -> Option<Finding> {
    if let Some(finding) =
        leaf.and_then(|cert| date_finding(cert, now_secs, "the server's certificate"))
    {
        return Some(finding);
    }
    let kind = webpki?;
    let from_chain = others.iter().enumerate().find_map(|(index, cert)| {
        cert.as_ref().and_then(|cert| {
            let what = format!(
                "the chain certificate #{} ('{}')",
                index + 2,
                short_name(cert)
            );
            date_finding(cert, now_secs, &what)
        })
    });
    Some(from_chain.unwrap_or_else(|| {
        let what = if kind == Verification::Expired {
            "has expired"
        } else {
            "is not yet valid"
        };
        Finding::new(
            kind,
            format!("a CA certificate on the path to the root {what}"),
        )
    }))
}

/// The name finding, with webpki's matching rules.
fn name(
    parsed: &Result<ParsedCertificate<'_>, Error>,
    leaf: Option<&X509Certificate<'_>>,
    server_name: &ServerName<'_>,
    webpki_name: bool,
) -> Option<Finding> {
    match parsed {
        Ok(parsed) => match verify_server_name(parsed, server_name) {
            Ok(()) => None,
            Err(Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Some(name_finding(leaf, server_name)),
            Err(other) => Some(Finding::new(
                Verification::HostnameMismatch,
                format!(
                    "the certificate cannot be matched against {}: {other}",
                    server_name.to_str()
                ),
            )),
        },
        Err(_) if webpki_name => Some(name_finding(leaf, server_name)),
        Err(_) => None,
    }
}

impl ServerCertVerifier for DiagnosingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        let (record, result) = self.diagnose(end_entity, intermediates, server_name, now);
        self.record.set(record);
        match (result, self.mode) {
            (Ok(()), _) | (Err(_), VerifyMode::Diagnose) => Ok(ServerCertVerified::assertion()),
            (Err(error), VerifyMode::Strict) => Err(error),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// An instant at which every parseable certificate is within its dates (the middle of the
/// overlap), or the middle of the leaf's validity when they do not overlap.
fn instant_inside(
    leaf: Option<&X509Certificate<'_>>,
    others: &[Option<X509Certificate<'_>>],
) -> Option<UnixTime> {
    let leaf = leaf?;
    let window = |cert: &X509Certificate<'_>| {
        (
            cert.validity().not_before.timestamp(),
            cert.validity().not_after.timestamp(),
        )
    };
    let (leaf_start, leaf_end) = window(leaf);
    let (start, end) = others
        .iter()
        .flatten()
        .map(window)
        .fold((leaf_start, leaf_end), |(start, end), (from, to)| {
            (start.max(from), end.min(to))
        });
    let (start, end) = if start <= end {
        (start, end)
    } else {
        (leaf_start, leaf_end)
    };
    let middle = start.saturating_add(end.saturating_sub(start) / 2);
    let seconds = u64::try_from(middle).ok()?;
    Some(UnixTime::since_unix_epoch(Duration::from_secs(seconds)))
}

/// Explains an unknown issuer by the shape of the presented chain.
fn trust_finding(
    leaf: Option<&X509Certificate<'_>>,
    others: &[Option<X509Certificate<'_>>],
    no_roots: bool,
) -> Finding {
    let suffix = if no_roots {
        " (no trust anchors are configured at all)"
    } else {
        ""
    };
    let Some(leaf) = leaf else {
        return Finding::new(
            Verification::UntrustedIssuer,
            format!("the certificate is not issued by a trusted CA{suffix}"),
        );
    };
    if is_self_issued(leaf) {
        return Finding::new(
            Verification::SelfSigned,
            format!(
                "the server's certificate for '{}' is self-signed: no trusted CA vouches for it{suffix}",
                short_name(leaf)
            ),
        );
    }
    let count = others.len() + 1;
    let last = match others.last() {
        None => Some(leaf),
        Some(last) => last.as_ref(),
    };
    match last {
        Some(last) if is_self_issued(last) => Finding::new(
            Verification::UntrustedIssuer,
            format!(
                "the chain ends at the root '{}', which is not a trusted CA{suffix}",
                clean(&last.subject().to_string())
            ),
        ),
        Some(last) => Finding::new(
            Verification::IncompleteChain,
            format!(
                "the server sent {count} certificate(s) and the last one, for '{}', is issued by '{}', \
                 which was not sent and is not a trusted root{suffix}: the server probably does not send \
                 its intermediate certificate(s), or the issuer is a private CA (trust it with --ca-file)",
                short_name(last),
                clean(&last.issuer().to_string())
            ),
        ),
        None => Finding::new(
            Verification::UntrustedIssuer,
            format!("the certificate is not issued by a trusted CA{suffix}"),
        ),
    }
}

/// The dates of one certificate against `now`, if they are wrong.
fn date_finding(cert: &X509Certificate<'_>, now: i64, what: &str) -> Option<Finding> {
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    if now > not_after {
        let days = days_between(not_after, now);
        Some(Finding::new(
            Verification::Expired,
            format!(
                "{what} expired on {} ({days} day(s) ago)",
                rfc3339(not_after)
            ),
        ))
    } else if now < not_before {
        let days = days_between(now, not_before);
        Some(Finding::new(
            Verification::NotYetValid,
            format!(
                "{what} is not valid before {} (in {days} day(s)); check the clocks and the certificate dates",
                rfc3339(not_before)
            ),
        ))
    } else {
        None
    }
}

/// Explains a name mismatch with the names the certificate does carry.
fn name_finding(leaf: Option<&X509Certificate<'_>>, server_name: &ServerName<'_>) -> Finding {
    let wanted = server_name.to_str();
    let names: Vec<String> = leaf
        .and_then(|cert| cert.subject_alternative_name().ok().flatten())
        .map(|extension| {
            extension
                .value
                .general_names
                .iter()
                .filter_map(|name| match name {
                    x509_parser::extensions::GeneralName::DNSName(dns) => Some(clean(dns)),
                    x509_parser::extensions::GeneralName::IPAddress(bytes) => match bytes.len() {
                        4 | 16 => Some(ip_text(bytes)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let detail = if names.is_empty() {
        format!(
            "the certificate carries no DNS or IP subject alternative names, so it is valid for no \
             name (clients ignore the subject CN); the server name is {wanted}"
        )
    } else {
        let shown: Vec<&str> = names
            .iter()
            .take(SANS_IN_DETAIL)
            .map(String::as_str)
            .collect();
        let more = names.len().saturating_sub(SANS_IN_DETAIL);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        format!(
            "the certificate is valid for {}{more}, not for the server name {wanted}",
            shown.join(", ")
        )
    };
    Finding::new(Verification::HostnameMismatch, detail)
}

/// Plain words for the webpki refusals that are neither trust, dates nor names.
#[allow(deprecated)] // `UnsupportedSignatureAlgorithm` is still produced by older paths.
pub(crate) fn invalid_detail(error: &CertificateError) -> String {
    match error {
        CertificateError::BadSignature => {
            "a certificate's signature does not verify with its issuer's key (corrupted or mis-assembled chain)"
                .to_owned()
        }
        CertificateError::BadEncoding => "a certificate is malformed (not valid DER/X.509)".to_owned(),
        CertificateError::UnsupportedSignatureAlgorithm
        | CertificateError::UnsupportedSignatureAlgorithmContext { .. }
        | CertificateError::UnsupportedSignatureAlgorithmForPublicKeyContext { .. } => {
            "a certificate is signed with an unsupported or insecure algorithm (e.g. SHA-1 or MD5)".to_owned()
        }
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. } => {
            "the certificate is not allowed for TLS server authentication (extended key usage)".to_owned()
        }
        CertificateError::UnhandledCriticalExtension => {
            "a certificate has a critical extension the verifier does not understand".to_owned()
        }
        CertificateError::Revoked => "the certificate has been revoked".to_owned(),
        other => format!("the certificate was refused: {}", Error::InvalidCertificate(other.clone())),
    }
}

#[cfg(test)]
mod tests;
