//! The DANE verdict (RFC 7672 §3): a pure function of the TLSA records, the certificate
//! chain the server presented, the reference names and the time.

use std::time::{SystemTime, UNIX_EPOCH};

use ring::digest;
use rustls_pki_types::{CertificateDer, UnixTime};
use serde::Serialize;
use smtping_proto::dns::Tlsa;
use webpki::{EndEntityCert, KeyUsage, anchor_from_trusted_cert};

use super::cert::{self, CertInfo};
use super::{DaneProblem, Rollover};

/// At most this many TLSA records are examined (more are ignored and reported).
pub const MAX_TLSA_RECORDS: usize = 32;

/// At most this many certificates of a chain are examined.
pub const MAX_CHAIN: usize = 16;

/// TLSA certificate usage (RFC 6698 §2.1.1).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// 0 PKIX-TA: unusable in SMTP (RFC 7672 §3.1.3).
    PkixTa,
    /// 1 PKIX-EE: unusable in SMTP (RFC 7672 §3.1.3).
    PkixEe,
    /// 2 DANE-TA: a trust anchor in the chain; names and validity are checked.
    DaneTa,
    /// 3 DANE-EE: the server's own certificate or key; names and dates are not checked.
    DaneEe,
    /// Any other value: unusable.
    Unknown,
}

impl Usage {
    /// The usage of a field value.
    #[must_use]
    pub const fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::PkixTa,
            1 => Self::PkixEe,
            2 => Self::DaneTa,
            3 => Self::DaneEe,
            _ => Self::Unknown,
        }
    }
}

/// Why a TLSA record cannot be used by an SMTP client.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unusable {
    /// Usage 0 or 1 (PKIX-TA, PKIX-EE): SMTP clients do not use them (RFC 7672 §3.1.3).
    PkixUsage,
    /// A usage other than 0..=3.
    UnknownUsage,
    /// A selector other than 0 (certificate) or 1 (SubjectPublicKeyInfo).
    UnknownSelector,
    /// A matching type other than 0 (exact), 1 (SHA-256) or 2 (SHA-512).
    UnknownMatching,
    /// A digest of the wrong length (not 32 bytes for SHA-256, 64 for SHA-512), or empty
    /// data: it can never match.
    BadDigestLength,
}

impl Unusable {
    /// One phrase for a human.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::PkixUsage => "PKIX usage (0 or 1), not used for SMTP (RFC 7672 §3.1.3)",
            Self::UnknownUsage => "unknown certificate usage",
            Self::UnknownSelector => "unknown selector",
            Self::UnknownMatching => "unknown matching type",
            Self::BadDigestLength => "association data of the wrong length for its matching type",
        }
    }
}

/// Whether an SMTP client can use `tlsa` (RFC 7672 §3.1), and if not, why.
///
/// ```
/// use smtping_proto::dns::Tlsa;
/// use smtping_signals::dane::{usability, Unusable};
///
/// let ee = Tlsa { usage: 3, selector: 1, matching: 1, data: vec![0; 32] };
/// assert_eq!(usability(&ee), Ok(()));
/// let pkix = Tlsa { usage: 1, ..ee.clone() };
/// assert_eq!(usability(&pkix), Err(Unusable::PkixUsage));
/// let short = Tlsa { data: vec![0; 20], ..ee };
/// assert_eq!(usability(&short), Err(Unusable::BadDigestLength));
/// ```
pub fn usability(tlsa: &Tlsa) -> Result<(), Unusable> {
    match Usage::from_u8(tlsa.usage) {
        Usage::PkixTa | Usage::PkixEe => return Err(Unusable::PkixUsage),
        Usage::Unknown => return Err(Unusable::UnknownUsage),
        Usage::DaneTa | Usage::DaneEe => {}
    }
    if tlsa.selector > 1 {
        return Err(Unusable::UnknownSelector);
    }
    match (tlsa.matching, tlsa.data.len()) {
        (0, 0) | (1, 0..=31 | 33..) | (2, 0..=63 | 65..) => Err(Unusable::BadDigestLength),
        (0..=2, _) => Ok(()),
        _ => Err(Unusable::UnknownMatching),
    }
}

/// The overall DANE outcome for one server.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DaneOutcome {
    /// A usable record matched: the server is DANE-authenticated.
    Authenticated,
    /// Usable records exist and none matched (or a matched trust anchor did not validate
    /// the chain, names or dates): RFC 7672 §2.2 says the client must not deliver to
    /// this server.
    Failed,
    /// TLSA records exist but none is usable. RFC 7672 §2.2: the client does not
    /// authenticate the server, but STARTTLS stays mandatory (no cleartext fallback:
    /// the published records still tell an active attacker's downgrade apart).
    NoUsableRecords,
    /// No TLSA records: DANE does not apply.
    NoRecords,
}

/// What happened to one TLSA record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecordCheck {
    /// The record's position in the set given.
    pub index: usize,
    /// Why it cannot be used, if so.
    pub unusable: Option<Unusable>,
    /// The certificate it matched (0 = the leaf), when it matched one.
    pub matched_depth: Option<usize>,
    /// For DANE-TA: it matched, but the chain from it to the leaf, the names or the
    /// dates failed (text naming the step and the cause).
    pub failure: Option<String>,
}

/// The verdict of [`verdict`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DaneVerdict {
    /// The outcome.
    pub outcome: DaneOutcome,
    /// The first record that authenticated the server.
    pub matched: Option<usize>,
    /// Every record examined, in order.
    pub records: Vec<RecordCheck>,
    /// The rollover scheme the usable records allow.
    pub rollover: Rollover,
    /// What is wrong (or worth knowing), each with a finding id.
    pub problems: Vec<DaneProblem>,
}

impl DaneVerdict {
    /// `Some(true)` authenticated, `Some(false)` failed, `None` when DANE did not apply
    /// (no records, or none usable): the report's `dane.hosts[].matched`.
    #[must_use]
    pub fn matched_flag(&self) -> Option<bool> {
        match self.outcome {
            DaneOutcome::Authenticated => Some(true),
            DaneOutcome::Failed => Some(false),
            DaneOutcome::NoUsableRecords | DaneOutcome::NoRecords => None,
        }
    }

    /// At least one record is usable.
    #[must_use]
    pub fn usable(&self) -> bool {
        self.records.iter().any(|r| r.unusable.is_none())
    }
}

/// Seconds since the Unix epoch of `time` (0 before the epoch).
#[must_use]
pub fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The DANE verdict (RFC 7672 §3) for a server that presented `chain` (DER, leaf
/// first), given its TLSA records, the name it was reached by (`host`: the MX host, the
/// TLSA base domain) and the time (`now`, Unix seconds).
///
/// - DANE-EE (3) matches the leaf only; its names and dates are not checked (§3.1.1).
/// - DANE-TA (2) matches a certificate of the chain that issued the one before it (or,
///   for `2 0 0`, the full certificate in the record, even if the server did not send
///   it); the leaf must then chain to it (signatures, basic constraints, validity of
///   the leaf and intermediates) and name `host` (§3.1.2, §3.2.3).
/// - PKIX-TA/PKIX-EE (0/1), and unknown selectors or matching types, are unusable
///   (§3.1.3); when every record is, the outcome is [`DaneOutcome::NoUsableRecords`].
///
/// Bounded: at most [`MAX_TLSA_RECORDS`] records and [`MAX_CHAIN`] certificates.
///
/// ```
/// use smtping_proto::dns::Tlsa;
/// use smtping_signals::dane::{verdict, DaneOutcome};
///
/// // A record for a certificate the server did not present.
/// let tlsa = [Tlsa { usage: 3, selector: 0, matching: 1, data: vec![7; 32] }];
/// let chain: [&[u8]; 1] = [b"not even a certificate"];
/// let v = verdict(&tlsa, &chain, "mx.example.test", 1_700_000_000);
/// assert_eq!(v.outcome, DaneOutcome::Failed);
/// assert_eq!(v.matched_flag(), Some(false));
/// assert_eq!(v.problems[0].finding_id(), "dane.mismatch");
/// ```
pub fn verdict<C: AsRef<[u8]>>(tlsa: &[Tlsa], chain: &[C], host: &str, now: u64) -> DaneVerdict {
    verdict_for_names(tlsa, chain, &[host], now)
}

/// [`verdict`] with several reference names for DANE-TA (RFC 7672 §3.2.2: the TLSA base
/// domain, and optionally the MX host before CNAME expansion or the next-hop domain).
pub fn verdict_for_names<C: AsRef<[u8]>>(
    tlsa: &[Tlsa],
    chain: &[C],
    names: &[&str],
    now: u64,
) -> DaneVerdict {
    let mut problems = Vec::new();
    if tlsa.len() > MAX_TLSA_RECORDS {
        problems.push(DaneProblem::TooManyRecords {
            count: tlsa.len(),
            limit: MAX_TLSA_RECORDS,
        });
    }
    let tlsa = &tlsa[..tlsa.len().min(MAX_TLSA_RECORDS)];
    let certs: Vec<CertInfo<'_>> = chain
        .iter()
        .take(MAX_CHAIN)
        .map(|c| cert::read(c.as_ref()))
        .collect();

    let mut records = Vec::with_capacity(tlsa.len());
    let mut matched = None;
    for (index, record) in tlsa.iter().enumerate() {
        let mut check = RecordCheck {
            index,
            unusable: usability(record).err(),
            matched_depth: None,
            failure: None,
        };
        if check.unusable.is_none() {
            match Usage::from_u8(record.usage) {
                Usage::DaneEe => {
                    check.matched_depth = certs
                        .first()
                        .filter(|leaf| matches(record, leaf))
                        .map(|_| 0);
                }
                Usage::DaneTa => check_trust_anchor(record, &certs, names, now, &mut check),
                _ => {}
            }
        }
        if matched.is_none() && check.matched_depth.is_some() && check.failure.is_none() {
            matched = Some(index);
        }
        records.push(check);
    }

    let usable: Vec<&Tlsa> = tlsa.iter().filter(|t| usability(t).is_ok()).collect();
    let rollover = Rollover::of(&usable);
    let pkix = tlsa
        .iter()
        .filter(|t| usability(t) == Err(Unusable::PkixUsage))
        .count();
    if pkix > 0 {
        problems.push(DaneProblem::PkixUsage { count: pkix });
    }
    let unknown = tlsa
        .iter()
        .filter(|t| matches!(usability(t), Err(u) if u != Unusable::PkixUsage))
        .count();
    if unknown > 0 {
        problems.push(DaneProblem::UnknownParameters { count: unknown });
    }

    let outcome = if tlsa.is_empty() {
        DaneOutcome::NoRecords
    } else if usable.is_empty() {
        problems.push(DaneProblem::NoUsableRecords { count: tlsa.len() });
        DaneOutcome::NoUsableRecords
    } else if matched.is_some() {
        DaneOutcome::Authenticated
    } else {
        if certs.is_empty() {
            problems.push(DaneProblem::NoCertificate);
        } else {
            for check in records.iter().filter(|r| r.failure.is_some()) {
                problems.push(DaneProblem::TrustAnchorChainInvalid {
                    index: check.index,
                    detail: check.failure.clone().unwrap_or_default(),
                });
            }
            problems.push(DaneProblem::Mismatch {
                usable: usable.len(),
            });
        }
        DaneOutcome::Failed
    };
    if !usable.is_empty() && rollover == Rollover::None {
        problems.push(DaneProblem::NoRollover);
    }
    DaneVerdict {
        outcome,
        matched,
        records,
        rollover,
        problems,
    }
}

/// DANE-TA: find the trust anchor in the chain (depth ≥ 1, issuer of the certificate
/// below it) or, for `2 0 0`, in the record itself; then validate the leaf from it.
fn check_trust_anchor(
    record: &Tlsa,
    certs: &[CertInfo<'_>],
    names: &[&str],
    now: u64,
    check: &mut RecordCheck,
) {
    let anchor_depth = (1..certs.len()).find(|&depth| {
        let issued = match (&certs[depth].parsed, &certs[depth - 1].parsed) {
            (Ok(ca), Ok(below)) => ca.subject == below.issuer,
            _ => false,
        };
        issued && matches(record, &certs[depth])
    });
    let (anchor_der, intermediates_end, depth) = match anchor_depth {
        Some(depth) => (certs[depth].der, depth, depth),
        // `2 0 0`: the record is the whole anchor certificate; the server may omit it.
        None if record.selector == 0 && record.matching == 0 && !certs.is_empty() => {
            let issued = match (cert::read(&record.data).parsed, certs.last()) {
                (
                    Ok(ta),
                    Some(CertInfo {
                        parsed: Ok(top), ..
                    }),
                ) => ta.subject == top.issuer,
                _ => false,
            };
            if !issued {
                return;
            }
            (record.data.as_slice(), certs.len(), certs.len())
        }
        None => return,
    };
    check.matched_depth = Some(depth);
    if let Err(detail) = validate_from_anchor(anchor_der, certs, intermediates_end, names, now) {
        check.failure = Some(detail);
    }
}

fn validate_from_anchor(
    anchor_der: &[u8],
    certs: &[CertInfo<'_>],
    intermediates_end: usize,
    names: &[&str],
    now: u64,
) -> Result<(), String> {
    let Some(leaf) = certs.first() else {
        return Err("no certificate was presented".into());
    };
    let leaf_fields = leaf.parsed.as_ref().map_err(Clone::clone)?;
    let anchor_cert = CertificateDer::from(anchor_der);
    let anchor = anchor_from_trusted_cert(&anchor_cert)
        .map_err(|e| format!("the trust anchor certificate is not usable: {e}"))?;
    let leaf_der = CertificateDer::from(leaf.der);
    let ee = EndEntityCert::try_from(&leaf_der)
        .map_err(|e| format!("the server certificate cannot be checked: {e}"))?;
    let intermediates: Vec<CertificateDer<'_>> = certs[1..intermediates_end.max(1)]
        .iter()
        .map(|c| CertificateDer::from(c.der))
        .collect();
    let anchors = [anchor];
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        UnixTime::since_unix_epoch(std::time::Duration::from_secs(now)),
        KeyUsage::server_auth(),
        None,
        None,
    )
    .map_err(|e| format!("the chain does not validate from the trust anchor: {e}"))?;
    if !leaf_fields.matches_any(names) {
        return Err(format!(
            "the server certificate names {} but not {}",
            shown(leaf_fields.names()),
            names.join(" or ")
        ));
    }
    Ok(())
}

fn shown(names: &[String]) -> String {
    if names.is_empty() {
        return "no DNS name".into();
    }
    let mut s = names.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > 5 {
        s.push_str(", …");
    }
    s
}

/// Does `record` match `cert` (selector, then matching type)?
fn matches(record: &Tlsa, cert: &CertInfo<'_>) -> bool {
    let selected = match record.selector {
        0 => cert.der,
        1 => match &cert.parsed {
            Ok(p) => p.spki,
            Err(_) => return false,
        },
        _ => return false,
    };
    match record.matching {
        0 => selected == record.data.as_slice(),
        1 => digest::digest(&digest::SHA256, selected).as_ref() == record.data.as_slice(),
        2 => digest::digest(&digest::SHA512, selected).as_ref() == record.data.as_slice(),
        _ => false,
    }
}

/// The association data a record with `selector`/`matching` would carry for `cert_der`
/// (to publish a record, or to show what the server's certificate would need); `None`
/// for unknown values or an unparsable certificate with selector 1.
///
/// ```
/// use smtping_signals::dane::association_data;
/// assert_eq!(association_data(b"abc", 0, 0), Some(b"abc".to_vec()));
/// assert_eq!(association_data(b"abc", 0, 1).map(|d| d.len()), Some(32));
/// assert_eq!(association_data(b"abc", 1, 1), None); // not a certificate
/// ```
#[must_use]
pub fn association_data(cert_der: &[u8], selector: u8, matching: u8) -> Option<Vec<u8>> {
    let info = cert::read(cert_der);
    let selected = match selector {
        0 => cert_der,
        1 => info.parsed.as_ref().ok()?.spki,
        _ => return None,
    };
    match matching {
        0 => Some(selected.to_vec()),
        1 => Some(digest::digest(&digest::SHA256, selected).as_ref().to_vec()),
        2 => Some(digest::digest(&digest::SHA512, selected).as_ref().to_vec()),
        _ => None,
    }
}
