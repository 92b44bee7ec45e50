//! What a scan found wrong, each with a finding id, a severity and a remediation.

use std::fmt;

use serde::Serialize;

use super::ScanVersion;
use super::Strength;
use crate::report::Severity;

/// One problem a [`TlsScan`](super::TlsScan) found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScanProblem {
    /// The server accepts SSLv3, TLS 1.0 or TLS 1.1.
    LegacyVersion {
        /// The version.
        version: ScanVersion,
    },
    /// The server accepts neither TLS 1.2 nor TLS 1.3.
    NoModernVersion,
    /// The server accepts a suite graded phase out or insufficient.
    WeakCipher {
        /// The version it was accepted with.
        version: ScanVersion,
        /// The suite's IANA name.
        name: String,
        /// Its grade.
        strength: Strength,
    },
    /// No forward-secret suite was accepted.
    NoForwardSecrecy,
    /// The server follows the client's order although it accepts suites that are not good.
    NoServerPreference,
    /// The server prefers the weaker of two suites it accepts.
    WeakCipherPreferred {
        /// The suite it prefers.
        preferred: String,
        /// The stronger one it passed over.
        passed_over: String,
    },
    /// The certificate's key is too small.
    WeakKey {
        /// `RSA`, `ECDSA`, …
        key_type: String,
        /// Its size in bits.
        bits: Option<u32>,
        /// Its grade.
        strength: Strength,
    },
    /// The certificate is signed with a weak hash.
    WeakSignature {
        /// The algorithm's name.
        algorithm: String,
        /// Its grade.
        strength: Strength,
    },
    /// The ephemeral key exchange uses a weak group or a small DH prime.
    WeakKeyExchange {
        /// The group (`secp224r1`, `DH 1024`).
        group: String,
        /// Its grade.
        strength: Strength,
    },
    /// Some probes gave no answer, so the scan may have missed something.
    ScanIncomplete {
        /// How many probes failed.
        failed: usize,
    },
}

impl ScanProblem {
    /// The dotted finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::LegacyVersion { .. } => "tls.legacy_version",
            Self::NoModernVersion => "tls.no_modern_version",
            Self::WeakCipher { .. } => "tls.weak_cipher",
            Self::NoForwardSecrecy => "tls.no_forward_secrecy",
            Self::NoServerPreference => "tls.no_server_preference",
            Self::WeakCipherPreferred { .. } => "tls.weak_cipher_preferred",
            Self::WeakKey { .. } => "tls.weak_key",
            Self::WeakSignature { .. } => "tls.weak_signature",
            Self::WeakKeyExchange { .. } => "tls.weak_key_exchange",
            Self::ScanIncomplete { .. } => "tls.scan_incomplete",
        }
    }

    /// How bad it is: insufficient things are warnings, phase-out things mostly info (a
    /// legacy version is a warning either way: RFC 8996 deprecates TLS 1.0 and 1.1).
    #[must_use]
    pub const fn severity(&self) -> Severity {
        match self {
            Self::LegacyVersion { .. }
            | Self::NoModernVersion
            | Self::NoForwardSecrecy
            | Self::WeakCipherPreferred { .. } => Severity::Warning,
            Self::WeakCipher { strength, .. }
            | Self::WeakKey { strength, .. }
            | Self::WeakSignature { strength, .. }
            | Self::WeakKeyExchange { strength, .. } => match strength {
                Strength::Insufficient => Severity::Warning,
                _ => Severity::Info,
            },
            Self::NoServerPreference | Self::ScanIncomplete { .. } => Severity::Info,
        }
    }

    /// What to do about it.
    #[must_use]
    pub const fn remediation(&self) -> &'static str {
        match self {
            Self::LegacyVersion { .. } => {
                "Disable SSLv3, TLS 1.0 and TLS 1.1 (Postfix: smtpd_tls_protocols = >=TLSv1.2) and offer TLS 1.2 and 1.3."
            }
            Self::NoModernVersion => {
                "Enable TLS 1.2 and TLS 1.3 (update the TLS library if it cannot)."
            }
            Self::WeakCipher { .. } => {
                "Remove NULL, anonymous, EXPORT, RC4, DES/3DES and static-RSA suites; keep ECDHE with AES-GCM or ChaCha20-Poly1305."
            }
            Self::NoForwardSecrecy => {
                "Enable ECDHE suites (and TLS 1.3) so that recorded mail cannot be decrypted later."
            }
            Self::NoServerPreference => {
                "Make the server choose by its own order (Postfix: tls_preempt_cipherlist = yes), strongest first."
            }
            Self::WeakCipherPreferred { .. } => {
                "Reorder the server's suites so that the strongest comes first."
            }
            Self::WeakKey { .. } => {
                "Issue the certificate for an RSA key of at least 3072 bits or an ECDSA P-256/P-384 key."
            }
            Self::WeakSignature { .. } => {
                "Replace the certificate with one signed with SHA-256 or better."
            }
            Self::WeakKeyExchange { .. } => {
                "Use X25519 or P-256/P-384 for ECDHE and DH primes of at least 3072 bits (RFC 7919 ffdhe3072)."
            }
            Self::ScanIncomplete { .. } => {
                "Run the scan again; a firewall or rate limit may have cut some probes short."
            }
        }
    }
}

impl fmt::Display for ScanProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LegacyVersion { version } => {
                write!(f, "the server still accepts {}", version.as_str())
            }
            Self::NoModernVersion => f.write_str("the server accepts neither TLS 1.2 nor TLS 1.3"),
            Self::WeakCipher {
                version,
                name,
                strength,
            } => write!(
                f,
                "the server accepts {name} with {} ({})",
                version.as_str(),
                strength.as_str().replace('_', " ")
            ),
            Self::NoForwardSecrecy => {
                f.write_str("the server accepted no forward-secret (ECDHE/DHE) suite")
            }
            Self::NoServerPreference => f.write_str(
                "the server follows the client's suite order although it accepts suites that are not good",
            ),
            Self::WeakCipherPreferred {
                preferred,
                passed_over,
            } => write!(f, "the server prefers {preferred} over {passed_over}"),
            Self::WeakKey {
                key_type,
                bits,
                strength,
            } => match bits {
                Some(bits) => write!(
                    f,
                    "the certificate's {key_type} key has {bits} bits ({})",
                    strength.as_str().replace('_', " ")
                ),
                None => write!(f, "the certificate's {key_type} key is weak"),
            },
            Self::WeakSignature {
                algorithm,
                strength,
            } => write!(
                f,
                "the certificate is signed with {algorithm} ({})",
                strength.as_str().replace('_', " ")
            ),
            Self::WeakKeyExchange { group, strength } => write!(
                f,
                "the key exchange uses {group} ({})",
                strength.as_str().replace('_', " ")
            ),
            Self::ScanIncomplete { failed } => {
                write!(f, "{failed} probe(s) of the TLS scan got no answer")
            }
        }
    }
}
