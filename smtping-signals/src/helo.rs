//! The HELO/EHLO name a client announces, as a receiver judges it (RFC 5321 §4.1.1.1,
//! §4.1.3): a fully qualified domain name that resolves to the sending address, or an
//! address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`) equal to it.
//!
//! [`HeloEvaluator`] checks the syntax first; a name that could be an FQDN is looked up
//! with `A` **and** `AAAA` asked together. `localhost`, single-label names, bare
//! addresses and literals ask nothing.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use smtping_signals::evaluate_with;
//! use smtping_signals::helo::HeloEvaluator;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 25));
//! let dns = MemoryDns::new(Zone::new().a("mail.example.test", Ipv4Addr::new(192, 0, 2, 25)))?;
//! let helo = evaluate_with(HeloEvaluator::new("mail.example.test", ip), |q| dns.resolve(q))?;
//! assert!(helo.fqdn);
//! assert_eq!((helo.resolves, helo.matches_ip), (Some(true), Some(true)));
//!
//! let literal = evaluate_with(HeloEvaluator::new("[192.0.2.26]", ip), |q| dns.resolve(q))?;
//! assert_eq!(literal.matches_ip, Some(false));
//! assert_eq!(literal.problems[0].finding_id(), "helo.literal_mismatch");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use smtping_proto::dns::{Question, RecordType};
use smtping_proto::grammar::domain::domain;

use crate::Evaluator;
use crate::query::Response;
use crate::reverse::{normalise, shorten};

/// A problem with a HELO name; each maps to a proposed finding id.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HeloProblem {
    /// Empty, or not a domain name nor an address literal (bad characters, empty or
    /// over-long labels, unbalanced brackets).
    InvalidSyntax {
        /// What is wrong.
        reason: String,
    },
    /// A single label (`mailhost`) or an all-numeric top-level label: not fully
    /// qualified.
    NotFqdn,
    /// `localhost` or a name under `localhost.` / `localdomain`: names every machine uses.
    Localhost,
    /// An address without brackets (`192.0.2.1`): RFC 5321 requires an address literal
    /// (`[192.0.2.1]`).
    BareAddress,
    /// An address literal that is not the sending address.
    LiteralMismatch {
        /// The address in the literal.
        literal: IpAddr,
        /// The sending address.
        ip: IpAddr,
    },
    /// The name has no A or AAAA record (NXDOMAIN or no data for both).
    DoesNotResolve,
    /// The name resolves, but not to the sending address.
    Mismatch {
        /// The addresses it resolves to.
        addresses: Vec<IpAddr>,
    },
    /// A lookup failed (timeout, SERVFAIL, …): whether the name resolves is unknown.
    TempFailure {
        /// The DNS error.
        detail: String,
    },
}

impl std::fmt::Display for HeloProblem {
    /// One sentence for a human.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidSyntax { reason } => {
                write!(f, "the HELO name is neither a domain name nor an address literal: {reason}")
            }
            Self::NotFqdn => f.write_str("the HELO name is not fully qualified (a single label or a numeric top-level label)"),
            Self::Localhost => f.write_str("the HELO name is localhost, which every machine calls itself"),
            Self::BareAddress => f.write_str("the HELO name is a bare IP address; RFC 5321 requires an address literal in brackets"),
            Self::LiteralMismatch { literal, ip } => write!(
                f,
                "the HELO address literal [{literal}] is not the sending address {ip}"
            ),
            Self::DoesNotResolve => f.write_str("the HELO name has no A or AAAA record"),
            Self::Mismatch { addresses } => write!(
                f,
                "the HELO name resolves to {}, not to the sending address",
                addresses
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::TempFailure { detail } => write!(
                f,
                "the HELO name's lookup failed ({detail}): whether it resolves is unknown"
            ),
        }
    }
}

impl HeloProblem {
    /// The proposed stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::InvalidSyntax { .. } => "helo.invalid_syntax",
            Self::NotFqdn => "helo.not_fqdn",
            Self::Localhost => "helo.localhost",
            Self::BareAddress => "helo.bare_address",
            Self::LiteralMismatch { .. } => "helo.literal_mismatch",
            Self::DoesNotResolve => "helo.does_not_resolve",
            Self::Mismatch { .. } => "helo.mismatch",
            Self::TempFailure { .. } => "helo.temp_failure",
        }
    }
}

/// How a receiver sees one HELO name (design.md §10 `signals.helo`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeloResult {
    /// The name as given (shortened when long).
    pub name: String,
    /// Syntactically a fully qualified domain name (at least two LDH labels, the last
    /// not all-numeric, not `localhost`).
    pub fqdn: bool,
    /// The address of an address literal (`[192.0.2.1]`, `[IPv6:2001:db8::1]`).
    pub address_literal: Option<IpAddr>,
    /// The name has A or AAAA records; `None` when not looked up (literal, not an FQDN)
    /// or when the lookups failed.
    pub resolves: Option<bool>,
    /// The literal, or one of the name's addresses, is the sending address; `None` when
    /// unknown (not looked up, or a lookup failed without a match).
    pub matches_ip: Option<bool>,
    /// The name's A and AAAA addresses.
    pub addresses: Vec<IpAddr>,
    /// A failed lookup, as text.
    pub error: Option<String>,
    /// What is wrong, each with a finding id.
    pub problems: Vec<HeloProblem>,
}

/// What a name is, syntactically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum HostnameSyntax {
    /// Two or more labels, the last not all-numeric.
    Fqdn,
    /// One label, or an all-numeric last label.
    NotFqdn,
    /// Not a host name.
    Invalid(String),
}

/// The syntax of a host name (RFC 5321 `Domain`, RFC 1123 §2.1 LDH labels, 253 octets),
/// a single trailing dot allowed.
pub(crate) fn hostname_syntax(name: &str) -> HostnameSyntax {
    let trimmed = name.strip_suffix('.').unwrap_or(name);
    if trimmed.is_empty() {
        return HostnameSyntax::Invalid("empty name".into());
    }
    match domain(trimmed.as_bytes()) {
        Ok(([], _)) => {}
        Ok((rest, _)) => {
            let at = trimmed.len() - rest.len();
            return HostnameSyntax::Invalid(format!(
                "not a host name at byte {at} (labels are letters, digits and inner hyphens, 1 to 63 octets; the name at most 253)"
            ));
        }
        Err(_) => {
            return HostnameSyntax::Invalid(
                "not a host name (labels are letters, digits and inner hyphens, 1 to 63 octets; the name at most 253)"
                    .into(),
            );
        }
    }
    let last = trimmed.rsplit('.').next().unwrap_or(trimmed);
    if !trimmed.contains('.') || last.bytes().all(|b| b.is_ascii_digit()) {
        HostnameSyntax::NotFqdn
    } else {
        HostnameSyntax::Fqdn
    }
}

/// Parses an RFC 5321 §4.1.3 address literal: `[a.b.c.d]` or `[IPv6:…]` (the tag
/// case-insensitive). `None` when `text` is not bracketed; `Some(Err(reason))` when it
/// is but does not hold an address.
pub(crate) fn parse_address_literal(text: &str) -> Option<Result<IpAddr, String>> {
    let inner = text.strip_prefix('[')?;
    let Some(inner) = inner.strip_suffix(']') else {
        return Some(Err("address literal without closing bracket".into()));
    };
    let tag = inner.get(..5);
    if tag.is_some_and(|t| t.eq_ignore_ascii_case("ipv6:")) {
        return Some(
            inner[5..]
                .parse::<Ipv6Addr>()
                .map(IpAddr::V6)
                .map_err(|_| "[IPv6:…] does not hold an IPv6 address".into()),
        );
    }
    Some(
        inner
            .parse::<Ipv4Addr>()
            .map(IpAddr::V4)
            .map_err(|_| "address literal is neither [a.b.c.d] nor [IPv6:…]".into()),
    )
}

fn is_localhost(name: &str) -> bool {
    let n = normalise(name);
    n == "localhost"
        || n.ends_with(".localhost")
        || n == "localhost.localdomain"
        || n == "localdomain"
        || n.ends_with(".localdomain")
}

/// Evaluates a HELO/EHLO name against the sending address.
#[derive(Debug)]
pub struct HeloEvaluator {
    ip: IpAddr,
    lookup: Option<String>,
    queue: Vec<Question>,
    waiting: Vec<RecordType>,
    failure: Option<String>,
    definitive: usize,
    result: HeloResult,
    done: bool,
}

impl HeloEvaluator {
    /// Evaluates `name` (what the client sent after `EHLO`/`HELO`) for a client at `ip`.
    #[must_use]
    pub fn new(name: &str, ip: IpAddr) -> Self {
        let ip = ip.to_canonical();
        let mut result = HeloResult {
            name: shorten(name),
            fqdn: false,
            address_literal: None,
            resolves: None,
            matches_ip: None,
            addresses: Vec::new(),
            error: None,
            problems: Vec::new(),
        };
        let mut lookup = None;
        if let Some(literal) = parse_address_literal(name) {
            match literal {
                Ok(address) => {
                    let address = address.to_canonical();
                    result.address_literal = Some(address);
                    result.matches_ip = Some(address == ip);
                    if address != ip {
                        result.problems.push(HeloProblem::LiteralMismatch {
                            literal: address,
                            ip,
                        });
                    }
                }
                Err(reason) => result.problems.push(HeloProblem::InvalidSyntax { reason }),
            }
        } else if name.parse::<IpAddr>().is_ok() {
            result.problems.push(HeloProblem::BareAddress);
        } else {
            match hostname_syntax(name) {
                HostnameSyntax::Invalid(reason) => {
                    result.problems.push(HeloProblem::InvalidSyntax { reason });
                }
                _ if is_localhost(name) => result.problems.push(HeloProblem::Localhost),
                HostnameSyntax::NotFqdn => result.problems.push(HeloProblem::NotFqdn),
                HostnameSyntax::Fqdn => {
                    result.fqdn = true;
                    lookup = Some(normalise(name));
                }
            }
        }
        let queue = lookup
            .iter()
            .flat_map(|n| {
                [RecordType::Aaaa, RecordType::A].map(|record_type| Question {
                    name: n.clone(),
                    record_type,
                })
            })
            .collect();
        Self {
            ip,
            waiting: if lookup.is_some() {
                vec![RecordType::A, RecordType::Aaaa]
            } else {
                Vec::new()
            },
            lookup,
            queue,
            failure: None,
            definitive: 0,
            result,
            done: false,
        }
    }
}

impl Evaluator for HeloEvaluator {
    type Output = HeloResult;

    fn poll_query(&mut self) -> Option<Question> {
        self.queue.pop()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        if self.lookup.as_deref() != Some(normalise(&question.name).as_str()) {
            return;
        }
        let Some(at) = self.waiting.iter().position(|t| *t == question.record_type) else {
            return;
        };
        self.waiting.swap_remove(at);
        match response {
            Ok(answer) => {
                for address in answer.ip_addrs() {
                    let address = address.to_canonical();
                    if !self.result.addresses.contains(&address) {
                        self.result.addresses.push(address);
                    }
                }
            }
            Err(e) if e.is_definitive() => self.definitive += 1,
            Err(e) => {
                self.failure.get_or_insert_with(|| e.to_string());
            }
        }
    }

    fn poll_result(&mut self) -> Option<HeloResult> {
        if self.done || !self.waiting.is_empty() {
            return None;
        }
        self.done = true;
        if self.lookup.is_some() {
            let r = &mut self.result;
            let matched = r.addresses.contains(&self.ip);
            r.error.clone_from(&self.failure);
            if !r.addresses.is_empty() {
                r.resolves = Some(true);
            } else if self.failure.is_none() {
                r.resolves = Some(false);
                r.problems.push(HeloProblem::DoesNotResolve);
            }
            if matched {
                r.matches_ip = Some(true);
            } else if let Some(detail) = &self.failure {
                r.problems.push(HeloProblem::TempFailure {
                    detail: detail.clone(),
                });
            } else if !r.addresses.is_empty() {
                r.matches_ip = Some(false);
                r.problems.push(HeloProblem::Mismatch {
                    addresses: r.addresses.clone(),
                });
            } else {
                r.matches_ip = Some(false);
            }
        }
        Some(self.result.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        assert_eq!(hostname_syntax("mail.example.com"), HostnameSyntax::Fqdn);
        assert_eq!(hostname_syntax("mail.example.com."), HostnameSyntax::Fqdn);
        assert_eq!(hostname_syntax("mailhost"), HostnameSyntax::NotFqdn);
        assert_eq!(hostname_syntax("host.123"), HostnameSyntax::NotFqdn);
        assert!(matches!(hostname_syntax(""), HostnameSyntax::Invalid(_)));
        assert!(matches!(
            hostname_syntax("a..b"),
            HostnameSyntax::Invalid(_)
        ));
        assert!(matches!(
            hostname_syntax("-a.b"),
            HostnameSyntax::Invalid(_)
        ));
        assert!(matches!(
            hostname_syntax("a_b.c"),
            HostnameSyntax::Invalid(_)
        ));
        assert!(matches!(
            hostname_syntax("a b.c"),
            HostnameSyntax::Invalid(_)
        ));
        assert!(matches!(
            hostname_syntax("a.b.."),
            HostnameSyntax::Invalid(_)
        ));
        let long = ["a".repeat(63).as_str(); 5].join(".");
        assert!(matches!(hostname_syntax(&long), HostnameSyntax::Invalid(_)));
    }

    #[test]
    fn literals() {
        assert_eq!(
            parse_address_literal("[192.0.2.1]"),
            Some(Ok("192.0.2.1".parse().unwrap()))
        );
        assert_eq!(
            parse_address_literal("[ipv6:2001:db8::1]"),
            Some(Ok("2001:db8::1".parse().unwrap()))
        );
        assert!(matches!(parse_address_literal("[192.0.2.1"), Some(Err(_))));
        assert!(matches!(
            parse_address_literal("[2001:db8::1]"),
            Some(Err(_))
        ));
        assert!(matches!(
            parse_address_literal("[IPv6:192.0.2.1]"),
            Some(Err(_))
        ));
        assert!(matches!(parse_address_literal("[300.0.0.1]"), Some(Err(_))));
        assert!(matches!(parse_address_literal("[]"), Some(Err(_))));
        assert_eq!(parse_address_literal("mail.example"), None);
    }

    fn offline(name: &str) -> HeloResult {
        let mut e = HeloEvaluator::new(name, "192.0.2.1".parse().unwrap());
        assert_eq!(e.poll_query(), None, "{name} must ask nothing");
        e.poll_result().unwrap()
    }

    #[test]
    fn names_that_ask_nothing() {
        let ok = offline("[192.0.2.1]");
        assert!(ok.problems.is_empty());
        assert_eq!(ok.matches_ip, Some(true));
        assert_eq!(ok.resolves, None);
        let mapped = offline("[IPv6:::ffff:192.0.2.1]");
        assert_eq!(mapped.matches_ip, Some(true));
        for (name, id) in [
            ("localhost", "helo.localhost"),
            ("LOCALHOST.", "helo.localhost"),
            ("localhost.localdomain", "helo.localhost"),
            ("mailhost", "helo.not_fqdn"),
            ("192.0.2.1", "helo.bare_address"),
            ("", "helo.invalid_syntax"),
            ("bad name.example", "helo.invalid_syntax"),
            ("[nope]", "helo.invalid_syntax"),
            ("[198.51.100.1]", "helo.literal_mismatch"),
        ] {
            let r = offline(name);
            assert_eq!(r.problems.len(), 1, "{name}: {:?}", r.problems);
            assert_eq!(r.problems[0].finding_id(), id, "{name}");
            assert!(!r.fqdn);
        }
    }
}
