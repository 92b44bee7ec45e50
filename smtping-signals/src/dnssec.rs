//! DNSSEC status of a mail domain and its MX hosts, and the TLSA lookups of DANE.
//!
//! SMTPing does not validate DNSSEC itself: it reads the AD bit of a validating resolver
//! **the user trusts** (on loopback, or `--trust-ad`; see [`ad_trust`]) and the RFC 8914
//! Extended DNS Errors that explain a SERVFAIL. [`status_of`] maps one response to
//! `secure | insecure | bogus | unknown`; the [`DnssecEvaluator`] asks, in rounds:
//! 1. `MX` of the domain (its answer or authenticated denial gives the domain's status);
//! 2. `A` and `AAAA` of every MX host (or of the implicit MX);
//! 3. `TLSA` of `_25._tcp.<host>`, **only** for hosts whose addresses are secure (RFC
//!    7672 §2.2.2). A failed TLSA lookup is a DANE failure, not "no TLSA"; a secure
//!    NXDOMAIN or no-data is "no DANE".
//!
//! ```
//! use std::net::Ipv4Addr;
//! use smtping_signals::dnssec::{AdTrust, DnssecEvaluator, DnssecStatus};
//! use smtping_signals::dane::TlsaLookup;
//! use smtping_signals::evaluate_with;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let dns = MemoryDns::new(
//!     Zone::new()
//!         .authentic_data(true)
//!         .mx("example.test", 10, "mx.example.test")
//!         .a("mx.example.test", Ipv4Addr::new(192, 0, 2, 25))
//!         .tlsa("_25._tcp.mx.example.test", 3, 1, 1, &[0xab; 32]),
//! )?;
//! let out = evaluate_with(DnssecEvaluator::for_domain("example.test", AdTrust::Trusted), |q| {
//!     dns.resolve(q)
//! })?;
//! assert_eq!(out.dnssec.status, DnssecStatus::Secure);
//! assert_eq!(out.dane.hosts[0].lookup, TlsaLookup::Records);
//! assert!(out.dane.hosts[0].usable);
//! assert_eq!(out.dane.hosts[0].matched, None); // the client fills it in after TLS
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::VecDeque;
use std::net::SocketAddr;

use serde::Serialize;
use smtping_proto::dns::{DnsError, MxResolution, Question, RecordType, Tlsa};

use crate::Evaluator;
use crate::dane::{DaneHost, DaneProblem, DaneResult, TlsaLookup, TlsaView, usability};
use crate::dkim::{Severity, Status};
use crate::query::Response;

/// At most this many MX hosts are examined (more are reported and ignored).
pub const MAX_HOSTS: usize = 10;

/// The DNSSEC status of an answer.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DnssecStatus {
    /// Validated by the trusted resolver (AD bit), answer or denial.
    Secure,
    /// Answered without the AD bit: unsigned (or an unsigned delegation).
    Insecure,
    /// The resolver says validation failed (SERVFAIL with an RFC 8914 DNSSEC code).
    Bogus,
    /// Not known: the AD bit is not trusted, or the lookup failed for another reason.
    Unknown,
}

impl DnssecStatus {
    fn rank(self) -> u8 {
        match self {
            Self::Secure => 0,
            Self::Insecure => 1,
            Self::Unknown => 2,
            Self::Bogus => 3,
        }
    }

    /// The worse of two statuses (bogus > unknown > insecure > secure).
    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// Whether the resolver's AD bit may be believed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "trust", rename_all = "snake_case")]
pub enum AdTrust {
    /// The path to the resolver is trusted.
    Trusted,
    /// Not trusted: every status is `unknown`, no TLSA is asked.
    Untrusted {
        /// Why (for the report).
        reason: String,
    },
}

/// The AD bit is believed when the user said so (`--trust-ad`, `options trust-ad`) or
/// every nameserver is on loopback (a local validating resolver: nobody on the path can
/// forge the bit).
///
/// ```
/// use smtping_signals::dnssec::{ad_trust, AdTrust};
/// assert_eq!(ad_trust(&["127.0.0.1:53".parse().unwrap()], false), AdTrust::Trusted);
/// assert_eq!(ad_trust(&["192.0.2.53:53".parse().unwrap()], true), AdTrust::Trusted);
/// assert!(matches!(ad_trust(&["192.0.2.53:53".parse().unwrap()], false), AdTrust::Untrusted { .. }));
/// ```
#[must_use]
pub fn ad_trust(nameservers: &[SocketAddr], trust_ad: bool) -> AdTrust {
    if trust_ad {
        return AdTrust::Trusted;
    }
    if !nameservers.is_empty() && nameservers.iter().all(|s| s.ip().is_loopback()) {
        return AdTrust::Trusted;
    }
    AdTrust::Untrusted {
        reason: "the resolver is not on loopback and --trust-ad was not given: its AD bit could be forged on the path".into(),
    }
}

/// The DNSSEC status of one response.
///
/// ```
/// use smtping_proto::dns::{DnsError, ExtendedDnsError, Question, RecordType};
/// use smtping_signals::dnssec::{status_of, DnssecStatus};
///
/// let bogus: smtping_signals::Response = Err(DnsError::ServFail {
///     question: Question { name: "x.test".into(), record_type: RecordType::A },
///     server: "127.0.0.1:53".parse().unwrap(),
///     extended_errors: vec![ExtendedDnsError::new(7, "")].into(),
/// });
/// assert_eq!(status_of(&bogus, true), DnssecStatus::Bogus);
/// assert_eq!(status_of(&bogus, false), DnssecStatus::Unknown);
/// ```
#[must_use]
pub fn status_of(response: &Response, trusted: bool) -> DnssecStatus {
    if !trusted {
        return DnssecStatus::Unknown;
    }
    let ad = match response {
        Ok(answer) => answer.authentic_data,
        Err(
            DnsError::NxDomain { authentic_data, .. } | DnsError::NoData { authentic_data, .. },
        ) => *authentic_data,
        Err(e) if e.is_dnssec_bogus() => return DnssecStatus::Bogus,
        Err(_) => return DnssecStatus::Unknown,
    };
    if ad {
        DnssecStatus::Secure
    } else {
        DnssecStatus::Insecure
    }
}

/// What is wrong with the DNSSEC of a domain, or worth knowing.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DnssecProblem {
    /// A validating resolver found the answer bogus.
    Bogus {
        /// The name asked.
        name: String,
        /// The type asked.
        record_type: String,
        /// The Extended DNS Errors, as text.
        detail: String,
    },
    /// The AD bit is not trusted: the status is unknown.
    UntrustedResolver {
        /// Why.
        reason: String,
    },
    /// The domain is not signed.
    Insecure {
        /// The domain.
        domain: String,
    },
    /// An MX host's addresses are not signed (while the domain is): no DANE for it.
    HostInsecure {
        /// The host.
        host: String,
    },
    /// A lookup failed (not bogus): the status is unknown.
    LookupFailed {
        /// The name asked.
        name: String,
        /// The DNS error.
        detail: String,
    },
    /// More MX hosts than are examined.
    TooManyHosts {
        /// MX hosts.
        count: usize,
        /// Examined.
        limit: usize,
    },
}

impl DnssecProblem {
    /// The proposed stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::Bogus { .. } => "dnssec.bogus",
            Self::UntrustedResolver { .. } => "dnssec.untrusted_resolver",
            Self::Insecure { .. } => "dnssec.insecure",
            Self::HostInsecure { .. } => "dnssec.mx_host_insecure",
            Self::LookupFailed { .. } => "dnssec.lookup_failed",
            Self::TooManyHosts { .. } => "dnssec.too_many_hosts",
        }
    }

    /// How bad it is.
    #[must_use]
    pub const fn severity(&self) -> Severity {
        match self {
            Self::Bogus { .. } => Severity::Error,
            Self::LookupFailed { .. } | Self::HostInsecure { .. } => Severity::Warning,
            Self::UntrustedResolver { .. } | Self::Insecure { .. } | Self::TooManyHosts { .. } => {
                Severity::Info
            }
        }
    }

    /// What to do about it.
    #[must_use]
    pub const fn remediation(&self) -> &'static str {
        match self {
            Self::Bogus { .. } => {
                "re-sign the zone (expired or missing signatures) or fix the DS record at the parent: validating resolvers refuse the answer, so mail to the domain fails"
            }
            Self::UntrustedResolver { .. } => {
                "run against a validating resolver on loopback (--resolver 127.0.0.1) or pass --trust-ad if the path to the resolver is secure"
            }
            Self::Insecure { .. } => {
                "sign the zone with DNSSEC and publish its DS at the parent; DANE needs it"
            }
            Self::HostInsecure { .. } => {
                "host the MX in a signed zone (or sign its zone) so senders can use DANE for it"
            }
            Self::LookupFailed { .. } => "check the authoritative servers of the name",
            Self::TooManyHosts { .. } => "publish fewer MX hosts",
        }
    }
}

impl std::fmt::Display for DnssecProblem {
    /// One sentence for a human.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bogus {
                name,
                record_type,
                detail,
            } => write!(
                f,
                "the {record_type} answer for {name} is DNSSEC-bogus ({detail}): validating resolvers refuse it"
            ),
            Self::UntrustedResolver { reason } => write!(f, "DNSSEC status unknown: {reason}"),
            Self::Insecure { domain } => write!(
                f,
                "{domain} is not DNSSEC-signed (no AD bit from the validating resolver): DANE cannot be used"
            ),
            Self::HostInsecure { host } => write!(
                f,
                "the addresses of MX host {host} are not DNSSEC-signed: senders will not look up its TLSA records"
            ),
            Self::LookupFailed { name, detail } => {
                write!(
                    f,
                    "the lookup of {name} failed ({detail}): DNSSEC status unknown"
                )
            }
            Self::TooManyHosts { count, limit } => {
                write!(f, "{count} MX hosts; only the first {limit} were examined")
            }
        }
    }
}

/// The DNSSEC status of one MX host's addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostStatus {
    /// The host.
    pub name: String,
    /// The worse of its A and AAAA answers.
    pub status: DnssecStatus,
}

/// The `dnssec` section of `smtping domain`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DnssecResult {
    /// The worst of `domain` and the hosts.
    pub status: DnssecStatus,
    /// The domain's own status (its MX answer or denial); `None` for a host check.
    pub domain: Option<DnssecStatus>,
    /// The status of the MX RRset; `None` when the domain has no MX records (implicit
    /// MX) or for a host check.
    pub mx: Option<DnssecStatus>,
    /// Each MX host's addresses.
    pub hosts: Vec<HostStatus>,
    /// Why the status is unknown, when the AD bit is not trusted.
    pub reason: Option<String>,
    /// What is wrong.
    pub problems: Vec<DnssecProblem>,
}

/// Both sections, from one evaluation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DnssecOutcome {
    /// DNSSEC status.
    pub dnssec: DnssecResult,
    /// DANE lookups (their `matched` left to the client).
    pub dane: DaneResult,
}

#[derive(Clone, Debug)]
struct Host {
    name: String,
    a: Option<Response>,
    aaaa: Option<Response>,
    tlsa: Option<Response>,
    tlsa_asked: bool,
    /// The TLSA base domain (RFC 7672 §2.2.3): the CNAME expansion of the host when its
    /// address answer came through a (secure) alias, else the host.
    tlsa_base: String,
    /// The host itself, asked when the expanded base has no TLSA records.
    tlsa_fallback: Option<String>,
}

/// Asks MX, A/AAAA and (on secure hosts) TLSA; see the [module](self) documentation.
#[derive(Clone, Debug)]
pub struct DnssecEvaluator {
    domain: Option<String>,
    trust: AdTrust,
    queue: VecDeque<Question>,
    mx: Option<Response>,
    hosts: Vec<Host>,
    hosts_known: bool,
    too_many: Option<usize>,
    done: bool,
    /// The port whose TLSA records are asked (`_PORT._tcp.<host>`); 25 unless set.
    port: u16,
}

impl DnssecEvaluator {
    /// For a mail domain: its MX hosts are looked up first.
    #[must_use]
    pub fn for_domain(domain: &str, trust: AdTrust) -> Self {
        let domain = crate::dane_name(domain);
        let mut queue = VecDeque::new();
        queue.push_back(Question {
            name: domain.clone(),
            record_type: RecordType::Mx,
        });
        Self {
            domain: Some(domain),
            trust,
            queue,
            mx: None,
            hosts: Vec::new(),
            hosts_known: false,
            too_many: None,
            done: false,
            port: 25,
        }
    }

    /// For one host (`smtping check HOST`): its addresses, then its TLSA.
    #[must_use]
    pub fn for_host(host: &str, trust: AdTrust) -> Self {
        let mut e = Self {
            domain: None,
            trust,
            queue: VecDeque::new(),
            mx: None,
            hosts: Vec::new(),
            hosts_known: false,
            too_many: None,
            done: false,
            port: 25,
        };
        e.set_hosts(vec![crate::dane_name(host)]);
        e
    }

    /// Asks the TLSA records of this port (`_PORT._tcp.<host>`, RFC 6698 §3) instead of
    /// SMTP's 25, e.g. for a submission server checked by `smtping check host:587`.
    ///
    /// ```
    /// use smtping_signals::dnssec::{AdTrust, DnssecEvaluator};
    /// use smtping_signals::Evaluator;
    ///
    /// let mut e = DnssecEvaluator::for_host("smtp.example.test", AdTrust::Trusted).port(587);
    /// assert_eq!(e.poll_query().unwrap().name, "smtp.example.test");
    /// ```
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    fn trusted(&self) -> bool {
        self.trust == AdTrust::Trusted
    }

    fn set_hosts(&mut self, names: Vec<String>) {
        self.hosts_known = true;
        if names.len() > MAX_HOSTS {
            self.too_many = Some(names.len());
        }
        for name in names.into_iter().take(MAX_HOSTS) {
            if self.hosts.iter().any(|h| h.name == name) {
                continue;
            }
            if self.trusted() {
                for record_type in [RecordType::A, RecordType::Aaaa] {
                    self.queue.push_back(Question {
                        name: name.clone(),
                        record_type,
                    });
                }
            }
            self.hosts.push(Host {
                tlsa_base: name.clone(),
                name,
                a: None,
                aaaa: None,
                tlsa: None,
                tlsa_asked: false,
                tlsa_fallback: None,
            });
        }
    }

    fn host_status(&self, h: &Host) -> DnssecStatus {
        let trusted = self.trusted();
        [&h.a, &h.aaaa]
            .into_iter()
            .flatten()
            .map(|r| status_of(r, trusted))
            .fold(DnssecStatus::Secure, DnssecStatus::worst)
    }

    fn host_has_addresses(h: &Host) -> bool {
        [&h.a, &h.aaaa].into_iter().flatten().any(|r| r.is_ok())
    }

    fn finished(&self) -> bool {
        if !self.hosts_known {
            return false;
        }
        if !self.trusted() {
            return true;
        }
        self.hosts
            .iter()
            .all(|h| h.a.is_some() && h.aaaa.is_some() && (!h.tlsa_asked || h.tlsa.is_some()))
    }

    fn result(&self) -> DnssecOutcome {
        let trusted = self.trusted();
        let mut problems = Vec::new();
        let reason = match &self.trust {
            AdTrust::Untrusted { reason } => {
                problems.push(DnssecProblem::UntrustedResolver {
                    reason: reason.clone(),
                });
                Some(reason.clone())
            }
            AdTrust::Trusted => None,
        };
        let domain = self.mx.as_ref().map(|r| status_of(r, trusted));
        let mx = self
            .mx
            .as_ref()
            // A failed MX lookup says nothing about the MX answer, unless the validator
            // failed it for DNSSEC: then the MX answer is bogus, as the domain is.
            .filter(|r| r.as_ref().map_or_else(|e| e.is_dnssec_bogus(), |_| true))
            .map(|r| status_of(r, trusted));
        if let (Some(name), Some(response)) = (&self.domain, &self.mx) {
            note(&mut problems, name, RecordType::Mx, response, trusted);
            if trusted && domain == Some(DnssecStatus::Insecure) {
                problems.push(DnssecProblem::Insecure {
                    domain: name.clone(),
                });
            }
        }
        if let Some(count) = self.too_many {
            problems.push(DnssecProblem::TooManyHosts {
                count,
                limit: MAX_HOSTS,
            });
        }
        let mut hosts = Vec::new();
        let mut dane_hosts = Vec::new();
        let mut status = domain.unwrap_or(if trusted {
            DnssecStatus::Secure
        } else {
            DnssecStatus::Unknown
        });
        for h in &self.hosts {
            let host_status = if trusted {
                self.host_status(h)
            } else {
                DnssecStatus::Unknown
            };
            for (rt, r) in [(RecordType::A, &h.a), (RecordType::Aaaa, &h.aaaa)] {
                if let Some(r) = r {
                    note(&mut problems, &h.name, rt, r, trusted);
                }
            }
            if trusted
                && host_status == DnssecStatus::Insecure
                && domain == Some(DnssecStatus::Secure)
            {
                problems.push(DnssecProblem::HostInsecure {
                    host: h.name.clone(),
                });
            }
            status = status.worst(host_status);
            hosts.push(HostStatus {
                name: h.name.clone(),
                status: host_status,
            });
            dane_hosts.push(self.dane_host(h, host_status));
        }
        let mut dane = DaneResult {
            status: Status::Grey,
            hosts: dane_hosts,
        };
        dane.refresh_status();
        DnssecOutcome {
            dnssec: DnssecResult {
                status: if trusted {
                    status
                } else {
                    DnssecStatus::Unknown
                },
                domain,
                mx,
                hosts,
                reason,
                problems,
            },
            dane,
        }
    }

    fn dane_host(&self, h: &Host, host_status: DnssecStatus) -> DaneHost {
        let name = tlsa_name_on(self.port, &h.tlsa_base);
        let mut reference_names = vec![h.tlsa_base.clone()];
        if h.tlsa_base != h.name {
            reference_names.push(h.name.clone());
        }
        let mut host = DaneHost {
            name: h.name.clone(),
            tlsa_base: h.tlsa_base.clone(),
            reference_names,
            tlsa: Vec::new(),
            usable: false,
            matched: None,
            error: None,
            lookup: TlsaLookup::NotAsked {
                reason: String::new(),
            },
            records: Vec::new(),
            problems: Vec::new(),
        };
        let Some(response) = h.tlsa.as_ref().filter(|_| h.tlsa_asked) else {
            let reason = match &self.trust {
                AdTrust::Untrusted { .. } => "the resolver's AD bit is not trusted".to_owned(),
                AdTrust::Trusted if !Self::host_has_addresses(h) => {
                    "the host has no address".to_owned()
                }
                AdTrust::Trusted => format!(
                    "the host's addresses are {} (RFC 7672 §2.2.2: TLSA only for secure hosts)",
                    serde_plain(host_status)
                ),
            };
            host.lookup = TlsaLookup::NotAsked { reason };
            return host;
        };
        match response {
            Ok(answer) if answer.authentic_data => {
                let records: Vec<Tlsa> = answer.tlsa().cloned().collect();
                host.tlsa = records.iter().map(TlsaView::from).collect();
                host.usable = records.iter().any(|t| usability(t).is_ok());
                host.lookup = TlsaLookup::Records;
                // Usability problems are known before the handshake.
                let v = crate::dane::verdict::<&[u8]>(&records, &[], &h.name, 0);
                host.problems.extend(v.problems.into_iter().filter(|p| {
                    !matches!(p, DaneProblem::NoCertificate | DaneProblem::Mismatch { .. })
                }));
                host.records = records;
            }
            Ok(_) => {
                host.lookup = TlsaLookup::Insecure;
                host.problems.push(DaneProblem::InsecureRecords { name });
            }
            Err(e) if e.is_definitive() => host.lookup = TlsaLookup::None,
            Err(e) => {
                host.lookup = TlsaLookup::Failed;
                host.error = Some(e.to_string());
                host.problems.push(DaneProblem::LookupFailed {
                    name,
                    detail: e.to_string(),
                });
            }
        }
        host
    }
}

fn serde_plain(s: DnssecStatus) -> &'static str {
    match s {
        DnssecStatus::Secure => "secure",
        DnssecStatus::Insecure => "insecure",
        DnssecStatus::Bogus => "bogus",
        DnssecStatus::Unknown => "unknown",
    }
}

fn note(
    problems: &mut Vec<DnssecProblem>,
    name: &str,
    record_type: RecordType,
    response: &Response,
    trusted: bool,
) {
    let Err(e) = response else { return };
    if !trusted || e.is_definitive() {
        return;
    }
    if e.is_dnssec_bogus() {
        let detail = e
            .extended_errors()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        problems.push(DnssecProblem::Bogus {
            name: name.to_owned(),
            record_type: record_type.to_string(),
            detail,
        });
    } else {
        problems.push(DnssecProblem::LookupFailed {
            name: name.to_owned(),
            detail: e.to_string(),
        });
    }
}

/// `_25._tcp.<host>`: where SMTP's TLSA records live (RFC 7672 §2.2.3).
#[must_use]
pub fn tlsa_name(host: &str) -> String {
    tlsa_name_on(25, host)
}

/// `_PORT._tcp.<host>` (RFC 6698 §3).
fn tlsa_name_on(port: u16, host: &str) -> String {
    format!("_{port}._tcp.{}", crate::dane_name(host))
}

impl Evaluator for DnssecEvaluator {
    type Output = DnssecOutcome;

    fn poll_query(&mut self) -> Option<Question> {
        self.queue.pop_front()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        let qname = crate::dane_name(&question.name);
        if question.record_type == RecordType::Mx
            && self.domain.as_deref() == Some(qname.as_str())
            && self.mx.is_none()
        {
            self.mx = Some(response.clone());
            let names = match MxResolution::from_lookup(response, None) {
                Ok(res) => res
                    .hosts()
                    .into_iter()
                    .map(|h| crate::dane_name(&h.host))
                    .collect(),
                Err(_) => Vec::new(),
            };
            self.set_hosts(names);
            return;
        }
        let trusted = self.trusted();
        let port = self.port;
        let mut tlsa_to_ask = None;
        for h in &mut self.hosts {
            match question.record_type {
                RecordType::A if h.name == qname && h.a.is_none() => h.a = Some(response.clone()),
                RecordType::Aaaa if h.name == qname && h.aaaa.is_none() => {
                    h.aaaa = Some(response.clone());
                }
                RecordType::Tlsa if tlsa_name_on(port, &h.tlsa_base) == qname && h.tlsa_asked => {
                    match (response, h.tlsa_fallback.take()) {
                        // RFC 7672 §2.2.3: no TLSA at the expanded name, try the host's.
                        (Err(e), Some(fallback)) if e.is_definitive() => {
                            tlsa_to_ask = Some(tlsa_name_on(port, &fallback));
                            h.tlsa_base = fallback;
                        }
                        _ => h.tlsa = Some(response.clone()),
                    }
                    continue;
                }
                _ => continue,
            }
            if matches!(question.record_type, RecordType::A | RecordType::Aaaa)
                && h.a.is_some()
                && h.aaaa.is_some()
                && !h.tlsa_asked
            {
                let secure = [&h.a, &h.aaaa]
                    .into_iter()
                    .flatten()
                    .map(|r| status_of(r, trusted))
                    .all(|s| s == DnssecStatus::Secure);
                let has_address = [&h.a, &h.aaaa].into_iter().flatten().any(|r| r.is_ok());
                if trusted && secure && has_address {
                    h.tlsa_asked = true;
                    let expanded = [&h.a, &h.aaaa]
                        .into_iter()
                        .flatten()
                        .find_map(|r| r.as_ref().ok())
                        .map(|a| crate::dane_name(&a.canonical_name))
                        .filter(|c| *c != h.name && !c.is_empty());
                    if let Some(expanded) = expanded {
                        h.tlsa_fallback = Some(h.name.clone());
                        h.tlsa_base = expanded;
                    }
                    tlsa_to_ask = Some(tlsa_name_on(port, &h.tlsa_base));
                }
            }
        }
        if let Some(name) = tlsa_to_ask {
            self.queue.push_back(Question {
                name,
                record_type: RecordType::Tlsa,
            });
        }
    }

    fn poll_result(&mut self) -> Option<DnssecOutcome> {
        if self.done || !self.queue.is_empty() || !self.finished() {
            return None;
        }
        self.done = true;
        Some(self.result())
    }
}
