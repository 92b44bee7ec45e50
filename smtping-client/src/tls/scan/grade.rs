//! Grades in the words of Internet.nl's mail TLS test, which applies the NCSC-NL "IT
//! Security Guidelines for TLS" (v2.1): good, sufficient, phase out, insufficient.
//!
//! The tables are Internet.nl's as they stood for NCSC-NL 2.1 (its `tls_constants.py`):
//! TLS 1.3 good, TLS 1.2 sufficient, TLS 1.1/1.0 phase out, SSLv3 insufficient; TLS 1.3
//! suites good; ECDHE and DHE-RSA with AES or ChaCha20 sufficient; 3DES with an ephemeral
//! key exchange and RSA key transport with AES or 3DES phase out; everything else
//! insufficient. Pure functions, no I/O.

use serde::Serialize;
use smtping_proto::tls_probe::{
    Authentication, BulkCipher, KeyExchange, KeyExchangeParams, ProbeVersion, SuiteInfo, group,
};

/// A grade. Ordered from the best to the worst, so the worst of several is their `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Strength {
    /// Good: the recommended choice.
    Good,
    /// Sufficient: acceptable.
    Sufficient,
    /// Phase out: acceptable for now, to be removed.
    PhaseOut,
    /// Insufficient: to be removed now.
    Insufficient,
}

impl Strength {
    /// `"good"`, `"sufficient"`, `"phase_out"` or `"insufficient"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Sufficient => "sufficient",
            Self::PhaseOut => "phase_out",
            Self::Insufficient => "insufficient",
        }
    }
}

/// The grade of a protocol version.
///
/// ```
/// use smtping_client::tls::scan::{Strength, version_strength};
/// use smtping_proto::tls_probe::ProbeVersion;
/// assert_eq!(version_strength(ProbeVersion::Tls10), Strength::PhaseOut);
/// ```
#[must_use]
pub const fn version_strength(version: ProbeVersion) -> Strength {
    match version {
        ProbeVersion::Tls13 => Strength::Good,
        ProbeVersion::Tls12 => Strength::Sufficient,
        ProbeVersion::Tls11 | ProbeVersion::Tls10 => Strength::PhaseOut,
        _ => Strength::Insufficient,
    }
}

/// The grade of a cipher suite.
///
/// ```
/// use smtping_client::tls::scan::{Strength, suite_strength};
/// use smtping_proto::tls_probe::suite;
/// assert_eq!(suite_strength(suite(0xC02F).unwrap()), Strength::Sufficient);
/// assert_eq!(suite_strength(suite(0x000A).unwrap()), Strength::PhaseOut);
/// assert_eq!(suite_strength(suite(0x0005).unwrap()), Strength::Insufficient);
/// ```
#[must_use]
pub fn suite_strength(info: &SuiteInfo) -> Strength {
    use BulkCipher as C;
    let aes_or_chacha = matches!(
        info.cipher,
        C::Aes128Gcm
            | C::Aes256Gcm
            | C::Aes128Ccm
            | C::Aes256Ccm
            | C::Chacha20Poly1305
            | C::Aes128Cbc
            | C::Aes256Cbc
    );
    match (info.key_exchange, info.authentication) {
        (KeyExchange::Tls13, _) => match info.cipher {
            C::Aes256Gcm | C::Aes128Gcm | C::Chacha20Poly1305 => Strength::Good,
            C::Aes128Ccm => Strength::Sufficient,
            _ => Strength::PhaseOut,
        },
        (KeyExchange::Ecdhe, Authentication::Ecdsa | Authentication::Rsa)
        | (KeyExchange::Dhe, Authentication::Rsa) => {
            if aes_or_chacha {
                Strength::Sufficient
            } else if info.cipher == C::TripleDes {
                Strength::PhaseOut
            } else {
                Strength::Insufficient
            }
        }
        (KeyExchange::Rsa, Authentication::Rsa)
            if matches!(
                info.cipher,
                C::Aes128Gcm | C::Aes256Gcm | C::Aes128Cbc | C::Aes256Cbc | C::TripleDes
            ) =>
        {
            Strength::PhaseOut
        }
        _ => Strength::Insufficient,
    }
}

/// The grade of the key exchange a server chose.
///
/// ```
/// use smtping_client::tls::scan::{Strength, key_exchange_strength};
/// use smtping_proto::tls_probe::KeyExchangeParams;
/// assert_eq!(key_exchange_strength(KeyExchangeParams::NamedGroup(29)), Strength::Good);
/// assert_eq!(key_exchange_strength(KeyExchangeParams::Dhe { prime_bits: 1024 }), Strength::Insufficient);
/// ```
#[must_use]
pub const fn key_exchange_strength(params: KeyExchangeParams) -> Strength {
    match params {
        KeyExchangeParams::NamedGroup(code) => group_strength(code),
        KeyExchangeParams::Dhe { prime_bits } => dh_strength(prime_bits),
        _ => Strength::Insufficient,
    }
}

/// The grade of a named group (ECDHE curves, and the RFC 7919 finite-field groups by size).
#[must_use]
pub const fn group_strength(code: u16) -> Strength {
    match code {
        group::SECP256R1 | group::SECP384R1 | group::SECP521R1 | group::X25519 | group::X448 => {
            Strength::Good
        }
        group::SECP224R1 => Strength::PhaseOut,
        group::FFDHE2048 => Strength::PhaseOut,
        257..=260 => Strength::Sufficient,
        _ => Strength::Insufficient,
    }
}

/// The grade of a finite-field DH prime: 3072 bits and more sufficient, 2048 phase out, less
/// insufficient.
#[must_use]
pub const fn dh_strength(prime_bits: u32) -> Strength {
    if prime_bits >= 3072 {
        Strength::Sufficient
    } else if prime_bits >= 2048 {
        Strength::PhaseOut
    } else {
        Strength::Insufficient
    }
}

/// The grade of a certificate key, from the inspector's `key_type` and `key_bits`
/// (`None` when the type is unknown).
///
/// RSA and DSA: 3072 bits good, 2048 sufficient, less insufficient; EC: 256 bits and more
/// good, 224 phase out, less insufficient; Ed25519 and Ed448 good.
///
/// ```
/// use smtping_client::tls::scan::{Strength, certificate_key_strength};
/// assert_eq!(certificate_key_strength("RSA", Some(2048)), Some(Strength::Sufficient));
/// assert_eq!(certificate_key_strength("RSA", Some(1024)), Some(Strength::Insufficient));
/// ```
#[must_use]
pub fn certificate_key_strength(key_type: &str, key_bits: Option<u32>) -> Option<Strength> {
    match (key_type, key_bits) {
        ("Ed25519" | "Ed448", _) => Some(Strength::Good),
        ("RSA" | "DSA", Some(bits)) => Some(if bits >= 3072 {
            Strength::Good
        } else if bits >= 2048 {
            Strength::Sufficient
        } else {
            Strength::Insufficient
        }),
        ("ECDSA", Some(bits)) => Some(if bits >= 256 {
            Strength::Good
        } else if bits >= 224 {
            Strength::PhaseOut
        } else {
            Strength::Insufficient
        }),
        _ => None,
    }
}

/// The grade of a certificate signature algorithm by its hash: SHA-256/384/512 and EdDSA
/// good, SHA-224 phase out, SHA-1, MD5 and MD2 insufficient (`None` when unrecognised).
///
/// ```
/// use smtping_client::tls::scan::{Strength, signature_strength};
/// assert_eq!(signature_strength("sha256WithRSAEncryption"), Some(Strength::Good));
/// assert_eq!(signature_strength("sha1WithRSAEncryption"), Some(Strength::Insufficient));
/// ```
#[must_use]
pub fn signature_strength(algorithm: &str) -> Option<Strength> {
    let name = algorithm.to_ascii_lowercase();
    if ["md2", "md5", "sha1"].iter().any(|h| name.contains(h)) {
        Some(Strength::Insufficient)
    } else if name.contains("sha224") {
        Some(Strength::PhaseOut)
    } else if ["sha256", "sha384", "sha512", "ed25519", "ed448", "pss"]
        .iter()
        .any(|h| name.contains(h))
    {
        Some(Strength::Good)
    } else {
        None
    }
}

/// A group's name for the report (`"x25519"`, `"ffdhe3072"`, or `"0x1234"`).
#[must_use]
pub fn group_name(code: u16) -> String {
    group::name(code).map_or_else(|| format!("0x{code:04x}"), str::to_owned)
}
