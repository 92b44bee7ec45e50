//! Certificate inspection with x509-parser: the facts a mail admin needs, as plain strings.
//!
//! Inspection never fails and never panics: a certificate that cannot be parsed yields a
//! [`CertificateInfo`] whose [`error`](CertificateInfo::error) says why, with the SHA-256
//! fingerprint of the bytes still filled in, so positions in the chain stay aligned with what
//! the server sent.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::SupportedCipherSuite;

pub(crate) use crate::time::{days_between, rfc3339};
use rustls::crypto::hash::HashAlgorithm;
use rustls_pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use x509_parser::asn1_rs::Oid;
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::objects::{oid_registry, oid2sn};
use x509_parser::public_key::PublicKey;

/// Longest text kept for one name or SAN (longer values are cut and end with `…`).
pub const MAX_FIELD_CHARS: usize = 512;
/// Most SAN entries kept per certificate (a note is appended when more were present).
pub const MAX_SANS: usize = 500;

/// What one certificate says about itself.
///
/// Times are RFC 3339 UTC strings (`2026-03-01T12:00:00Z`); `serial` and `sha256` are lowercase
/// hex without separators.
///
/// ```
/// use smtping_client::tls::inspect_certificate;
/// let info = inspect_certificate(b"not a certificate", std::time::SystemTime::now());
/// assert!(info.error.is_some());
/// assert_eq!(info.sha256.len(), 64);
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// Subject distinguished name (`CN=mx.example.org, O=…`).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Subject alternative names: DNS names and IP addresses, in certificate order.
    pub sans: Vec<String>,
    /// Start of validity, RFC 3339 UTC.
    pub not_before: String,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    /// Whole days from the inspection time until `not_after`, rounded down; negative once
    /// expired (`-1` during the first day after expiry). 0 when `error` is set.
    pub days_remaining: i64,
    /// `"RSA"`, `"ECDSA"`, `"Ed25519"`, `"Ed448"`, `"DSA"` or the key algorithm's OID.
    pub key_type: String,
    /// RSA modulus size or EC curve size in bits; `None` for Ed25519/Ed448 and unknown keys.
    pub key_bits: Option<u32>,
    /// Signature algorithm by its usual short name (`sha256WithRSAEncryption`,
    /// `ecdsa-with-SHA256`, …) or OID.
    pub signature_algorithm: String,
    /// Serial number, lowercase hex.
    pub serial: String,
    /// SHA-256 fingerprint of the DER bytes, lowercase hex.
    pub sha256: String,
    /// Self-issued (issuer equals subject, and the key identifiers agree when both are present).
    pub self_signed: bool,
    /// Why the certificate could not be (fully) parsed; the other fields are empty when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Inspects every certificate of a chain, in the order given; one entry per certificate,
/// also for unparseable ones (see [`CertificateInfo::error`]).
///
/// `now` is the instant `days_remaining` is counted from.
///
/// ```
/// use rustls_pki_types::CertificateDer;
/// use smtping_client::tls::inspect_chain;
/// let chain = [CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01, 0x00])];
/// let infos = inspect_chain(&chain, std::time::SystemTime::now());
/// assert_eq!(infos.len(), 1);
/// assert!(infos[0].error.is_some());
/// ```
#[must_use]
pub fn inspect_chain(chain: &[CertificateDer<'_>], now: SystemTime) -> Vec<CertificateInfo> {
    chain
        .iter()
        .map(|der| inspect_certificate(der.as_ref(), now))
        .collect()
}

/// Inspects one DER certificate. Never panics; see [`CertificateInfo::error`].
#[must_use]
pub fn inspect_certificate(der: &[u8], now: SystemTime) -> CertificateInfo {
    let sha256 = sha256_hex(der);
    match x509_parser::parse_x509_certificate(der) {
        Ok((rest, cert)) => {
            let mut info = describe(&cert, now);
            info.sha256 = sha256;
            if !rest.is_empty() {
                info.error = Some(format!(
                    "{} unexpected byte(s) after the certificate",
                    rest.len()
                ));
            }
            info
        }
        Err(error) => CertificateInfo {
            sha256,
            error: Some(format!("not a parseable X.509 certificate: {error}")),
            ..CertificateInfo::default()
        },
    }
}

/// Facts from a parsed certificate (fingerprint filled by the caller).
fn describe(cert: &X509Certificate<'_>, now: SystemTime) -> CertificateInfo {
    let not_before = cert.validity().not_before.timestamp();
    let not_after = cert.validity().not_after.timestamp();
    let (key_type, key_bits) = key_facts(cert);
    CertificateInfo {
        subject: clean(&cert.subject().to_string()),
        issuer: clean(&cert.issuer().to_string()),
        sans: sans(cert),
        not_before: rfc3339(not_before),
        not_after: rfc3339(not_after),
        days_remaining: days_between(unix_seconds(now), not_after),
        key_type,
        key_bits,
        signature_algorithm: oid_name(&cert.signature_algorithm.algorithm),
        serial: hex(cert.raw_serial()),
        sha256: String::new(),
        self_signed: is_self_issued(cert),
        error: None,
    }
}

/// Seconds since the Unix epoch (negative before 1970).
pub(crate) fn unix_seconds(at: SystemTime) -> i64 {
    match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
        Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

/// Issuer equals subject and, when both key identifiers are present, they agree.
pub(crate) fn is_self_issued(cert: &X509Certificate<'_>) -> bool {
    if cert.subject().as_raw() != cert.issuer().as_raw() {
        return false;
    }
    let mut subject_key_id = None;
    let mut authority_key_id = None;
    for extension in cert.extensions() {
        match extension.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => subject_key_id = Some(id.0),
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                authority_key_id = aki.key_identifier.as_ref().map(|id| id.0);
            }
            _ => {}
        }
    }
    match (subject_key_id, authority_key_id) {
        (Some(ski), Some(aki)) => ski == aki,
        _ => true,
    }
}

/// DNS and IP subject alternative names, cleaned and bounded.
fn sans(cert: &X509Certificate<'_>) -> Vec<String> {
    let Ok(Some(extension)) = cert.subject_alternative_name() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut total = 0usize;
    for name in &extension.value.general_names {
        let text = match name {
            GeneralName::DNSName(dns) => clean(dns),
            GeneralName::IPAddress(bytes) => ip_text(bytes),
            _ => continue,
        };
        total += 1;
        if out.len() < MAX_SANS {
            out.push(text);
        }
    }
    if total > MAX_SANS {
        out.push(format!("… {} more not shown", total - MAX_SANS));
    }
    out
}

/// An IP SAN as text; odd lengths (e.g. name-constraint style address/mask) in hex.
pub(crate) fn ip_text(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        Ipv4Addr::from(v4).to_string()
    } else if let Ok(v6) = <[u8; 16]>::try_from(bytes) {
        Ipv6Addr::from(v6).to_string()
    } else {
        format!("ip:{}", hex(bytes))
    }
}

/// Key algorithm name and size in bits.
fn key_facts(cert: &X509Certificate<'_>) -> (String, Option<u32>) {
    let spki = cert.public_key();
    let algorithm = spki.algorithm.algorithm.to_id_string();
    match algorithm.as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => {
            let bits = match spki.parsed() {
                Ok(PublicKey::RSA(rsa)) => significant_bits(rsa.modulus),
                _ => None,
            };
            ("RSA".to_owned(), bits)
        }
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|any| Oid::try_from(any).ok())
                .map(|oid| oid.to_id_string());
            let bits = match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => Some(256),
                Some("1.3.132.0.34") => Some(384),
                Some("1.3.132.0.35") => Some(521),
                Some("1.3.132.0.10") => Some(256), // secp256k1
                Some("1.2.840.10045.3.1.1") => Some(192),
                Some("1.3.132.0.33") => Some(224),
                _ => None,
            };
            ("ECDSA".to_owned(), bits)
        }
        "1.3.101.112" => ("Ed25519".to_owned(), None),
        "1.3.101.113" => ("Ed448".to_owned(), None),
        "1.2.840.10040.4.1" => ("DSA".to_owned(), None),
        _ => (algorithm, None),
    }
}

/// Bit length of a big-endian unsigned integer (leading zero bytes ignored).
fn significant_bits(bytes: &[u8]) -> Option<u32> {
    let start = bytes.iter().position(|b| *b != 0)?;
    let significant = &bytes[start..];
    let whole = u32::try_from(significant.len().checked_sub(1)?).ok()?;
    let top = 8 - significant[0].leading_zeros();
    whole.checked_mul(8)?.checked_add(top)
}

/// A signature algorithm's short name, or its dotted OID.
fn oid_name(oid: &Oid<'_>) -> String {
    match oid2sn(oid, oid_registry()) {
        Ok(name) => name.to_owned(),
        Err(_) => oid.to_id_string(),
    }
}

/// Lowercase hex without separators.
#[must_use]
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// SHA-256 of `data` as hex, computed with the ring provider's hash (no extra dependency).
#[must_use]
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    match suite {
        SupportedCipherSuite::Tls13(tls13)
            if tls13.common.hash_provider.algorithm() == HashAlgorithm::SHA256 =>
        {
            hex(tls13.common.hash_provider.hash(data).as_ref())
        }
        _ => String::new(),
    }
}

/// Text from a certificate made safe to print: control characters escaped, length bounded.
#[must_use]
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_FIELD_CHARS));
    for (count, c) in text.chars().enumerate() {
        if count >= MAX_FIELD_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The leaf's subject common name, or the whole subject when it has none.
pub(crate) fn short_name(cert: &X509Certificate<'_>) -> Cow<'static, str> {
    match cert
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
    {
        Some(cn) => Cow::Owned(clean(cn)),
        None => Cow::Owned(clean(&cert.subject().to_string())),
    }
}

#[cfg(test)]
mod tests;
