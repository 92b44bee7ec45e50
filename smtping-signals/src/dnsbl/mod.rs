//! DNS-based blocklists (RFC 5782): is an address or a domain listed, and why.
//!
//! [`DnsblEvaluator`] looks one item ([`DnsblTarget`]) up in every configured zone of
//! the matching [`ListKind`]: `A` and `TXT` of the query name asked together for each
//! zone, every zone at once. NXDOMAIN (or no A record) means not listed; an A record in
//! `127.0.0.0/8` is a listing unless [`codes`] says it is an error code (a refused query
//! or a broken zone), which is reported as an error, never as a listing. The TXT record,
//! when the item is listed, is the list's reason text.
//!
//! Polite by construction: nothing is asked unless zones are given, each zone is asked
//! once per item (A and TXT), and at most [`MAX_ZONES`] zones are accepted.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use smtping_signals::dnsbl::{parse_zones, DnsblEvaluator, DnsblTarget};
//! use smtping_signals::evaluate_with;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let dns = MemoryDns::new(
//!     Zone::new()
//!         .a("2.0.0.127.rbl.example.test", Ipv4Addr::new(127, 0, 0, 2))
//!         .txt("2.0.0.127.rbl.example.test", "listed for testing"),
//! )?;
//! let zones = parse_zones(["rbl.example.test"])?;
//! let target = DnsblTarget::Ip(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2)));
//! let results = evaluate_with(DnsblEvaluator::new(target, &zones), |q| dns.resolve(q))?;
//! assert!(results[0].listed);
//! assert_eq!(results[0].query, "2.0.0.127.rbl.example.test");
//! assert_eq!(results[0].reason.as_deref(), Some("listed for testing"));
//! assert_eq!(results[0].problems[0].finding_id(), "dnsbl.listed");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod codes;
pub mod lists;

use std::net::{IpAddr, Ipv4Addr};

use serde::Serialize;
use smtping_proto::dns::{DnsErrorKind, Question, RecordType, reverse_name};

pub use codes::{CodeClass, RefusalCause, ZoneErrorCause, classify};
pub use lists::{
    BuiltinList, DEFAULT_LISTS, DnsblZone, ListKind, MAX_ZONES, ZoneSpecError, builtin, parse_zones,
};

use crate::Evaluator;
use crate::helo::{HostnameSyntax, hostname_syntax};
use crate::query::Response;
use crate::reverse::{normalise, shorten};

/// At most this many A records of one answer are kept (a list returns one per sub-list).
pub const MAX_CODES: usize = 16;

/// Longest TXT reason kept, in characters.
pub const MAX_REASON: usize = 512;

/// What is looked up.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DnsblTarget {
    /// An address, looked up in [`ListKind::Ip`] zones.
    Ip(IpAddr),
    /// A domain name, looked up in [`ListKind::Domain`] zones.
    Domain(String),
}

impl DnsblTarget {
    fn kind(&self) -> ListKind {
        match self {
            Self::Ip(_) => ListKind::Ip,
            Self::Domain(_) => ListKind::Domain,
        }
    }
}

/// The name to query for `target` in `zone`: reversed octets (IPv4), reversed nibbles
/// (IPv6, RFC 5782 §2.4), or the domain itself, followed by the zone. IPv4-mapped IPv6
/// addresses are looked up as IPv4.
///
/// ```
/// use smtping_signals::dnsbl::{query_name, DnsblTarget};
/// let v4 = DnsblTarget::Ip("192.0.2.99".parse().unwrap());
/// assert_eq!(query_name(&v4, "zen.spamhaus.org").unwrap(), "99.2.0.192.zen.spamhaus.org");
/// let v6 = DnsblTarget::Ip("2001:db8::1".parse().unwrap());
/// assert!(query_name(&v6, "rbl.test").unwrap().starts_with("1.0.0.0.0.0.0.0"));
/// let d = DnsblTarget::Domain("Example.COM.".into());
/// assert_eq!(query_name(&d, "dbl.spamhaus.org").unwrap(), "example.com.dbl.spamhaus.org");
/// ```
pub fn query_name(target: &DnsblTarget, zone: &str) -> Result<String, String> {
    let zone = normalise(zone);
    let name = match target {
        DnsblTarget::Ip(ip) => {
            let reverse = reverse_name(ip.to_canonical());
            let stem = reverse
                .strip_suffix("in-addr.arpa.")
                .or_else(|| reverse.strip_suffix("ip6.arpa."))
                .unwrap_or(&reverse);
            format!("{stem}{zone}")
        }
        DnsblTarget::Domain(domain) => {
            let domain = normalise(domain);
            match hostname_syntax(&domain) {
                HostnameSyntax::Invalid(reason) => {
                    return Err(format!(
                        "{:?} is not a domain name: {reason}",
                        shorten(&domain)
                    ));
                }
                _ => format!("{domain}.{zone}"),
            }
        }
    };
    if name.len() > 253 {
        return Err(format!(
            "the query name would be {} octets, over the 253 a DNS name may have",
            name.len()
        ));
    }
    Ok(name)
}

/// A blocklist finding; each maps to a proposed finding id.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DnsblProblem {
    /// The item is listed.
    Listed {
        /// The zone.
        zone: String,
        /// The listing codes.
        codes: Vec<Ipv4Addr>,
        /// Their meanings, joined.
        meaning: String,
    },
    /// The list refused the query (a code such as Spamhaus `127.255.255.254`, or DNS
    /// REFUSED): whether the item is listed is unknown.
    QueryRefused {
        /// The zone.
        zone: String,
        /// The code, when the refusal was an A record.
        code: Option<Ipv4Addr>,
        /// Why.
        cause: RefusalCause,
    },
    /// The answer shows the zone is misconfigured, mistyped or broken.
    ZoneError {
        /// The zone.
        zone: String,
        /// The code that shows it.
        code: Ipv4Addr,
        /// Why.
        cause: ZoneErrorCause,
    },
    /// The lookup failed (timeout, SERVFAIL, …): unknown, not "not listed".
    TempFailure {
        /// The zone.
        zone: String,
        /// The DNS error.
        detail: String,
    },
    /// No query could be built (the domain is not a host name, or the name too long).
    InvalidQuery {
        /// The zone.
        zone: String,
        /// Why.
        reason: String,
    },
}

impl std::fmt::Display for DnsblProblem {
    /// One sentence for a human.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Listed {
                zone,
                codes,
                meaning,
            } => write!(
                f,
                "listed on {zone} ({}): {meaning}",
                codes
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::QueryRefused { zone, code, cause } => write!(
                f,
                "{zone} did not answer the question{}: {}; this is not a listing",
                code.map_or_else(String::new, |c| format!(" ({c})")),
                cause.description()
            ),
            Self::ZoneError { zone, code, cause } => {
                write!(
                    f,
                    "{zone} answered {code}: {}; this is not a listing",
                    cause.description()
                )
            }
            Self::TempFailure { zone, detail } => {
                write!(f, "the {zone} lookup failed ({detail}): listing unknown")
            }
            Self::InvalidQuery { zone, reason } => {
                write!(f, "no {zone} query could be built: {reason}")
            }
        }
    }
}

impl DnsblProblem {
    /// The proposed stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::Listed { .. } => "dnsbl.listed",
            Self::QueryRefused { .. } => "dnsbl.query_refused",
            Self::ZoneError { .. } => "dnsbl.zone_error",
            Self::TempFailure { .. } => "dnsbl.temp_failure",
            Self::InvalidQuery { .. } => "dnsbl.invalid_query",
        }
    }
}

/// The answer of one zone for one item (design.md §10 `reputation.dnsbl[]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DnsblResult {
    /// The zone.
    pub zone: String,
    /// Addresses or domains.
    pub kind: ListKind,
    /// The name asked (empty when none could be built).
    pub query: String,
    /// Listed: at least one listing code and no error code.
    pub listed: bool,
    /// Every A record of the answer, in order (at most [`MAX_CODES`]), error codes
    /// included.
    pub codes: Vec<Ipv4Addr>,
    /// The meanings of the listing codes, joined with `"; "`.
    pub meaning: Option<String>,
    /// The TXT reason of a listing (control characters replaced, at most [`MAX_REASON`]
    /// characters).
    pub reason: Option<String>,
    /// Why the answer could not be used, as text (refusal, zone error, DNS failure).
    pub error: Option<String>,
    /// What to report, each with a finding id.
    pub problems: Vec<DnsblProblem>,
}

#[derive(Debug)]
struct Slot {
    result: DnsblResult,
    a_done: bool,
    txt_done: bool,
    txt: Option<String>,
}

impl Slot {
    fn complete(&self) -> bool {
        self.result.query.is_empty() || (self.a_done && (self.txt_done || !self.result.listed))
    }
}

/// Looks one item up in blocklist zones.
#[derive(Debug)]
pub struct DnsblEvaluator {
    slots: Vec<Slot>,
    queue: Vec<Question>,
    done: bool,
}

impl DnsblEvaluator {
    /// Looks `target` up in those of `zones` that list its kind (address or domain);
    /// asks nothing when there are none.
    #[must_use]
    pub fn new(target: DnsblTarget, zones: &[DnsblZone]) -> Self {
        let mut slots: Vec<Slot> = Vec::new();
        let mut queue = Vec::new();
        for zone in zones
            .iter()
            .filter(|z| z.kind == target.kind())
            .take(MAX_ZONES)
        {
            if slots.iter().any(|s| s.result.zone == zone.zone) {
                continue;
            }
            let mut result = DnsblResult {
                zone: zone.zone.clone(),
                kind: zone.kind,
                query: String::new(),
                listed: false,
                codes: Vec::new(),
                meaning: None,
                reason: None,
                error: None,
                problems: Vec::new(),
            };
            match query_name(&target, &zone.zone) {
                Ok(name) => {
                    for record_type in [RecordType::A, RecordType::Txt] {
                        queue.push(Question {
                            name: name.clone(),
                            record_type,
                        });
                    }
                    result.query = name;
                }
                Err(reason) => {
                    result.error = Some(reason.clone());
                    result.problems.push(DnsblProblem::InvalidQuery {
                        zone: zone.zone.clone(),
                        reason,
                    });
                }
            }
            slots.push(Slot {
                result,
                a_done: false,
                txt_done: false,
                txt: None,
            });
        }
        queue.reverse();
        Self {
            slots,
            queue,
            done: false,
        }
    }

    fn on_a(slot: &mut Slot, response: &Response) {
        slot.a_done = true;
        let r = &mut slot.result;
        let answer = match response {
            Ok(answer) => answer,
            Err(e) if e.is_definitive() => return,
            Err(e) => {
                r.error = Some(e.to_string());
                r.problems.push(if e.kind() == DnsErrorKind::Refused {
                    DnsblProblem::QueryRefused {
                        zone: r.zone.clone(),
                        code: None,
                        cause: RefusalCause::DnsRefused,
                    }
                } else {
                    DnsblProblem::TempFailure {
                        zone: r.zone.clone(),
                        detail: e.to_string(),
                    }
                });
                return;
            }
        };
        for address in answer.ip_addrs().take(MAX_CODES) {
            if let IpAddr::V4(v4) = address
                && !r.codes.contains(&v4)
            {
                r.codes.push(v4);
            }
        }
        let mut meanings: Vec<String> = Vec::new();
        let mut failure: Option<DnsblProblem> = None;
        for code in &r.codes {
            match classify(&r.zone, *code) {
                CodeClass::Listed { meaning } => {
                    if !meanings.contains(&meaning) {
                        meanings.push(meaning);
                    }
                }
                CodeClass::Refused(cause) => {
                    failure.get_or_insert(DnsblProblem::QueryRefused {
                        zone: r.zone.clone(),
                        code: Some(*code),
                        cause,
                    });
                }
                CodeClass::ZoneError(cause) => {
                    failure.get_or_insert(DnsblProblem::ZoneError {
                        zone: r.zone.clone(),
                        code: *code,
                        cause,
                    });
                }
            }
        }
        if let Some(problem) = failure {
            r.error = Some(match &problem {
                DnsblProblem::QueryRefused { cause, code, .. } => {
                    format!("{}: {}", fmt_code(*code), cause.description())
                }
                DnsblProblem::ZoneError { cause, code, .. } => {
                    format!("{code}: {}", cause.description())
                }
                _ => String::new(),
            });
            r.problems.push(problem);
        } else if !meanings.is_empty() {
            let meaning = meanings.join("; ");
            r.listed = true;
            r.meaning = Some(meaning.clone());
            r.problems.push(DnsblProblem::Listed {
                zone: r.zone.clone(),
                codes: r.codes.clone(),
                meaning,
            });
        }
    }

    fn on_txt(slot: &mut Slot, response: &Response) {
        slot.txt_done = true;
        if let Ok(answer) = response {
            let texts: Vec<String> = answer
                .txt()
                .take(MAX_CODES)
                .map(|t| sanitise(&t.to_string_lossy()))
                .filter(|t| !t.is_empty())
                .collect();
            if !texts.is_empty() {
                let joined = texts.join(" / ");
                slot.txt = Some(if joined.chars().count() > MAX_REASON {
                    let mut cut: String = joined.chars().take(MAX_REASON).collect();
                    cut.push('…');
                    cut
                } else {
                    joined
                });
            }
        }
    }
}

fn fmt_code(code: Option<Ipv4Addr>) -> String {
    code.map_or_else(|| "REFUSED".into(), |c| c.to_string())
}

/// Control characters (and the rest of the C0/C1 sets) replaced by spaces, trimmed.
fn sanitise(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

impl Evaluator for DnsblEvaluator {
    type Output = Vec<DnsblResult>;

    fn poll_query(&mut self) -> Option<Question> {
        self.queue.pop()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        let name = normalise(&question.name);
        let Some(slot) = self
            .slots
            .iter_mut()
            .find(|s| !s.result.query.is_empty() && s.result.query == name)
        else {
            return;
        };
        match question.record_type {
            RecordType::A if !slot.a_done => Self::on_a(slot, response),
            RecordType::Txt if !slot.txt_done => Self::on_txt(slot, response),
            _ => {}
        }
    }

    fn poll_result(&mut self) -> Option<Vec<DnsblResult>> {
        if self.done || !self.slots.iter().all(Slot::complete) {
            return None;
        }
        self.done = true;
        Some(
            self.slots
                .drain(..)
                .map(|mut s| {
                    if s.result.listed {
                        s.result.reason = s.txt.take();
                    }
                    s.result
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_without_zones() {
        let mut e = DnsblEvaluator::new(DnsblTarget::Ip("192.0.2.1".parse().unwrap()), &[]);
        assert_eq!(e.poll_query(), None);
        assert_eq!(e.poll_result(), Some(vec![]));
        assert_eq!(e.poll_result(), None);
    }

    #[test]
    fn only_zones_of_the_kind_are_asked() {
        let zones = parse_zones(["default"]).unwrap();
        let mut e = DnsblEvaluator::new(DnsblTarget::Ip("192.0.2.1".parse().unwrap()), &zones);
        let mut asked = Vec::new();
        while let Some(q) = e.poll_query() {
            asked.push(q);
        }
        // Three IP lists, A and TXT each, in zone order.
        assert_eq!(asked.len(), 6);
        assert_eq!(asked[0].name, "1.2.0.192.zen.spamhaus.org");
        assert_eq!(asked[0].record_type, RecordType::A);
        assert_eq!(asked[1].record_type, RecordType::Txt);
        assert!(asked.iter().all(|q| !q.name.contains("dbl")));
    }

    #[test]
    fn invalid_domains_ask_nothing() {
        let zones = parse_zones(["dbl.spamhaus.org"]).unwrap();
        let mut e = DnsblEvaluator::new(DnsblTarget::Domain("bad domain".into()), &zones);
        assert_eq!(e.poll_query(), None);
        let r = e.poll_result().unwrap();
        assert_eq!(r[0].problems[0].finding_id(), "dnsbl.invalid_query");
        assert!(!r[0].listed);
        let long = format!("{}.example", ["a".repeat(60).as_str(); 4].join("."));
        assert!(query_name(&DnsblTarget::Domain(long), "dbl.spamhaus.org").is_err());
    }

    #[test]
    fn ipv6_nibbles() {
        let t = DnsblTarget::Ip("2001:db8::567:89ab".parse().unwrap());
        assert_eq!(
            query_name(&t, "rbl.example.test").unwrap(),
            "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.rbl.example.test"
        );
        let mapped = DnsblTarget::Ip("::ffff:192.0.2.1".parse().unwrap());
        assert_eq!(
            query_name(&mapped, "rbl.test").unwrap(),
            "1.2.0.192.rbl.test"
        );
    }

    #[test]
    fn sanitises_reasons() {
        assert_eq!(sanitise(" a\u{7}b\r\n"), "a b");
    }
}
