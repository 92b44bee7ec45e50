//! DANE for SMTP (RFC 7672): which TLSA records an SMTP client can use, and whether the
//! certificate chain a server presented matches them.
//!
//! Two halves:
//! - [`verdict`]: a pure function of (TLSA records, presented chain, host, time), for the
//!   client to call after its TLS handshake with the chain it saw;
//! - the TLSA lookups themselves, asked by [`DnssecEvaluator`](crate::dnssec::DnssecEvaluator)
//!   only for MX hosts whose addresses are DNSSEC-secure (RFC 7672 §2.2.2), giving a
//!   [`DaneResult`] whose hosts' `matched` the client fills in with [`DaneHost::apply`].
//!
//! ```
//! use smtping_proto::dns::Tlsa;
//! use smtping_signals::dane::{association_data, verdict, DaneOutcome, Rollover};
//! use smtping_testkit::certs::{Scenario, TestPki};
//!
//! let pki = TestPki::new()?;
//! let server = pki.server_cert(Scenario::Valid, &["mx.example.test"])?;
//! let leaf = server.chain[0].as_ref();
//! // `3 1 1`: the SHA-256 of the server's public key.
//! let tlsa = [Tlsa { usage: 3, selector: 1, matching: 1, data: association_data(leaf, 1, 1).unwrap() }];
//! let now = smtping_signals::dane::unix_seconds(pki.reference_time());
//! let v = verdict(&tlsa, &server.chain, "mx.example.test", now);
//! assert_eq!(v.outcome, DaneOutcome::Authenticated);
//! assert_eq!(v.rollover, Rollover::None); // one record: no key rollover prepared
//! assert_eq!(v.problems[0].finding_id(), "dane.no_rollover");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cert;
mod verdict;

use serde::Serialize;
use smtping_proto::dns::Tlsa;

pub use verdict::{
    DaneOutcome, DaneVerdict, MAX_CHAIN, MAX_TLSA_RECORDS, RecordCheck, Unusable, Usage,
    association_data, unix_seconds, usability, verdict, verdict_for_names,
};

use crate::dkim::Severity;

/// The key-rollover scheme the usable TLSA records allow (RFC 7671 §8.1, RFC 7672 §3.1):
/// publishing the next key (or the issuer) beside the current one lets a certificate be
/// replaced without a window where DANE fails.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollover {
    /// One usable association only: replacing the certificate (or its issuer) breaks
    /// DANE until the TLSA record is updated and old copies expire from caches.
    None,
    /// Two or more distinct `3 x x` records: current and next key.
    TwoDaneEe,
    /// A `3 x x` record and a `2 x x` record: the key, and its issuer as a fallback.
    DaneEeAndDaneTa,
    /// Two or more distinct `2 x x` records (e.g. current and next issuing CA).
    MultipleDaneTa,
}

impl Rollover {
    /// The scheme of a set of usable records.
    #[must_use]
    pub fn of(usable: &[&Tlsa]) -> Self {
        let distinct = |usage: u8| {
            let mut seen: Vec<&Tlsa> = Vec::new();
            for t in usable.iter().filter(|t| t.usage == usage) {
                if !seen.contains(t) {
                    seen.push(t);
                }
            }
            seen.len()
        };
        match (distinct(3), distinct(2)) {
            (ee, ta) if ee >= 1 && ta >= 1 => Self::DaneEeAndDaneTa,
            (ee, _) if ee >= 2 => Self::TwoDaneEe,
            (_, ta) if ta >= 2 => Self::MultipleDaneTa,
            _ => Self::None,
        }
    }
}

/// What is wrong with a server's DANE setup, or worth knowing.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DaneProblem {
    /// TLSA records exist but none is usable by an SMTP client.
    NoUsableRecords {
        /// Records published.
        count: usize,
    },
    /// Records with PKIX usages (0, 1), which SMTP clients ignore.
    PkixUsage {
        /// How many.
        count: usize,
    },
    /// Records with an unknown usage, selector or matching type, or a digest of the
    /// wrong length.
    UnknownParameters {
        /// How many.
        count: usize,
    },
    /// Usable records exist, and none matches the presented chain.
    Mismatch {
        /// Usable records.
        usable: usize,
    },
    /// A DANE-TA record matched a certificate of the chain, but the chain from it, the
    /// names or the dates did not validate.
    TrustAnchorChainInvalid {
        /// The record's index.
        index: usize,
        /// The step and the cause.
        detail: String,
    },
    /// The server presented no certificate to match.
    NoCertificate,
    /// Only one usable association: no rollover scheme.
    NoRollover,
    /// More records than are examined.
    TooManyRecords {
        /// Records published.
        count: usize,
        /// Records examined.
        limit: usize,
    },
    /// The TLSA lookup failed (SERVFAIL, bogus, timeout): RFC 7672 §2.2 says not to
    /// deliver to this host, since "no TLSA" cannot be told from an attack.
    LookupFailed {
        /// The TLSA name.
        name: String,
        /// The DNS error.
        detail: String,
    },
    /// TLSA records answered without DNSSEC validation: ignored (RFC 7672 §2.2.2).
    InsecureRecords {
        /// The TLSA name.
        name: String,
    },
}

impl DaneProblem {
    /// The proposed stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::NoUsableRecords { .. } => "dane.no_usable_tlsa",
            Self::PkixUsage { .. } => "dane.pkix_usage",
            Self::UnknownParameters { .. } => "dane.unknown_parameters",
            Self::Mismatch { .. } => "dane.mismatch",
            Self::TrustAnchorChainInvalid { .. } => "dane.ta_chain_invalid",
            Self::NoCertificate => "dane.no_certificate",
            Self::NoRollover => "dane.no_rollover",
            Self::TooManyRecords { .. } => "dane.too_many_records",
            Self::LookupFailed { .. } => "dane.tlsa_lookup_failed",
            Self::InsecureRecords { .. } => "dane.tlsa_insecure",
        }
    }

    /// How bad it is.
    #[must_use]
    pub const fn severity(&self) -> Severity {
        match self {
            Self::Mismatch { .. }
            | Self::TrustAnchorChainInvalid { .. }
            | Self::NoCertificate
            | Self::LookupFailed { .. } => Severity::Error,
            Self::NoUsableRecords { .. }
            | Self::PkixUsage { .. }
            | Self::UnknownParameters { .. }
            | Self::InsecureRecords { .. } => Severity::Warning,
            Self::NoRollover | Self::TooManyRecords { .. } => Severity::Info,
        }
    }

    /// What to do about it.
    #[must_use]
    pub const fn remediation(&self) -> &'static str {
        match self {
            Self::NoUsableRecords { .. } => {
                "publish a DANE-EE (3 1 1) or DANE-TA (2 1 1) record; SMTP clients ignore PKIX usages and unknown parameters"
            }
            Self::PkixUsage { .. } => {
                "replace usage 0/1 records with 3 1 1 (the server's key) or 2 1 1 (its issuer)"
            }
            Self::UnknownParameters { .. } => {
                "use selector 0 or 1 and matching type 0, 1 or 2 with a digest of the right length (32 bytes for SHA-256, 64 for SHA-512)"
            }
            Self::Mismatch { .. } => {
                "update the TLSA records to the certificate the server presents (or install the certificate they name): DANE senders will not deliver"
            }
            Self::TrustAnchorChainInvalid { .. } => {
                "serve a chain that validates from the DANE-TA certificate, with the MX host name and current dates in the server certificate"
            }
            Self::NoCertificate => "configure a certificate on the server",
            Self::NoRollover => {
                "publish the next key's 3 1 1 record (or a 2 1 1 for the issuer) beside the current one before replacing the certificate"
            }
            Self::TooManyRecords { .. } => "publish fewer TLSA records (two or three are enough)",
            Self::LookupFailed { .. } => {
                "fix the DNS (DNSSEC signatures, authoritative servers) of the TLSA name: DANE senders defer mail while it fails"
            }
            Self::InsecureRecords { .. } => {
                "sign the zone of the TLSA records (DNSSEC): unsigned TLSA records are ignored"
            }
        }
    }
}

impl std::fmt::Display for DaneProblem {
    /// One sentence for a human.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoUsableRecords { count } => write!(
                f,
                "{count} TLSA record(s) published but none usable for SMTP: senders cannot authenticate the server (they still require STARTTLS)"
            ),
            Self::PkixUsage { count } => write!(
                f,
                "{count} TLSA record(s) use a PKIX usage (0 or 1), which SMTP clients ignore (RFC 7672 §3.1.3)"
            ),
            Self::UnknownParameters { count } => write!(
                f,
                "{count} TLSA record(s) have an unknown selector or matching type, or a digest of the wrong length"
            ),
            Self::Mismatch { usable } => write!(
                f,
                "none of the {usable} usable TLSA record(s) matches the certificate chain the server presented"
            ),
            Self::TrustAnchorChainInvalid { index, detail } => write!(
                f,
                "TLSA record #{} (DANE-TA) matched a certificate of the chain, but {detail}",
                index + 1
            ),
            Self::NoCertificate => write!(f, "the server presented no certificate to match"),
            Self::NoRollover => write!(
                f,
                "only one usable TLSA association: replacing the certificate will break DANE until the record is updated"
            ),
            Self::TooManyRecords { count, limit } => write!(
                f,
                "{count} TLSA records published; only the first {limit} were examined"
            ),
            Self::LookupFailed { name, detail } => write!(
                f,
                "the TLSA lookup of {name} failed ({detail}); DANE senders treat this as a failure, not as no DANE"
            ),
            Self::InsecureRecords { name } => write!(
                f,
                "TLSA records at {name} are not DNSSEC-validated and are ignored"
            ),
        }
    }
}

/// A TLSA record as the report shows it (`data` in lower-case hex).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsaView {
    /// Certificate usage.
    pub usage: u8,
    /// Selector.
    pub selector: u8,
    /// Matching type.
    pub matching: u8,
    /// Association data, hex.
    pub data: String,
}

impl From<&Tlsa> for TlsaView {
    fn from(t: &Tlsa) -> Self {
        let mut data = String::with_capacity(t.data.len() * 2);
        for b in &t.data {
            data.push_str(&format!("{b:02x}"));
        }
        Self {
            usage: t.usage,
            selector: t.selector,
            matching: t.matching,
            data,
        }
    }
}

/// The TLSA lookup of one MX host.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum TlsaLookup {
    /// Not asked: the host's addresses are not DNSSEC-secure (RFC 7672 §2.2.2), or the
    /// AD bit is not trusted.
    NotAsked {
        /// Why.
        reason: String,
    },
    /// Secure records.
    Records,
    /// A secure denial (NXDOMAIN or no data): the host does not use DANE.
    None,
    /// Records (or a denial) without the AD bit: ignored.
    Insecure,
    /// SERVFAIL (bogus or not), timeout or another failure: a DANE failure.
    Failed,
}

/// DANE for one MX host: the JSON `dane.hosts[]` entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DaneHost {
    /// The MX host.
    pub name: String,
    /// The TLSA base domain (RFC 7672 §2.2.3): `name`, or its secure CNAME expansion
    /// when TLSA records were found there.
    pub tlsa_base: String,
    /// The reference names a DANE-TA certificate may carry (RFC 7672 §3.2.2): the TLSA
    /// base domain, then the MX host when they differ.
    #[serde(skip)]
    pub reference_names: Vec<String>,
    /// The secure TLSA records (empty when none or not asked).
    pub tlsa: Vec<TlsaView>,
    /// At least one record is usable for SMTP.
    pub usable: bool,
    /// Filled by the client after the TLS handshake ([`apply`](Self::apply)): `true`
    /// authenticated, `false` failed, `None` not tested or DANE does not apply.
    pub matched: Option<bool>,
    /// The failed TLSA lookup, as text.
    pub error: Option<String>,
    /// How the lookup went.
    pub lookup: TlsaLookup,
    /// The records as received (for [`verdict`]).
    #[serde(skip)]
    pub records: Vec<Tlsa>,
    /// What is wrong.
    pub problems: Vec<DaneProblem>,
}

impl DaneHost {
    /// Runs [`verdict`] on the chain the client saw from this host, records `matched`
    /// and the verdict's problems, and returns the verdict.
    pub fn apply<C: AsRef<[u8]>>(&mut self, chain: &[C], now: u64) -> DaneVerdict {
        let mut names: Vec<&str> = self.reference_names.iter().map(String::as_str).collect();
        if names.is_empty() {
            names.push(&self.name);
        }
        let v = verdict_for_names(&self.records, chain, &names, now);
        self.matched = v.matched_flag();
        for p in &v.problems {
            if !self.problems.contains(p) {
                self.problems.push(p.clone());
            }
        }
        v
    }

    /// The client must require TLS for this host (usable or unusable secure records, or
    /// a failed lookup: RFC 7672 §2.2).
    #[must_use]
    pub fn tls_required(&self) -> bool {
        matches!(self.lookup, TlsaLookup::Records | TlsaLookup::Failed)
    }
}

/// The `dane` section of `smtping domain`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DaneResult {
    /// Green: every host that has DANE is usable (and matched, once checked); amber:
    /// records present but unusable; red: a lookup failed or a match failed; grey: no
    /// host has DANE, or it could not be looked up (AD not trusted).
    pub status: crate::dkim::Status,
    /// One entry per MX host.
    pub hosts: Vec<DaneHost>,
}

impl DaneResult {
    /// Recomputes [`status`](Self::status) from the hosts (call after
    /// [`DaneHost::apply`]).
    pub fn refresh_status(&mut self) {
        use crate::dkim::Status;
        let mut status = Status::Grey;
        for h in &self.hosts {
            let host = match (&h.lookup, h.usable, h.matched) {
                (TlsaLookup::Failed, ..) | (_, _, Some(false)) => Status::Red,
                (TlsaLookup::Records, false, _) => Status::Amber,
                (TlsaLookup::Records, true, _) => Status::Green,
                _ => Status::Grey,
            };
            status = worst(status, host);
        }
        self.status = status;
    }
}

fn worst(a: crate::dkim::Status, b: crate::dkim::Status) -> crate::dkim::Status {
    use crate::dkim::Status;
    let rank = |s: Status| match s {
        Status::Grey => 0,
        Status::Green => 1,
        Status::Amber => 2,
        _ => 3,
    };
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests;
