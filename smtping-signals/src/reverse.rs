//! Reverse DNS: the PTR names of an address and whether they resolve back to it
//! (forward-confirmed reverse DNS, "FCrDNS"), plus the scope of an address (public,
//! private, loopback, …).
//!
//! The [`PtrEvaluator`] asks, in two rounds:
//! 1. `PTR` of the reverse name (`d.c.b.a.in-addr.arpa` or the `ip6.arpa` nibble form);
//! 2. `A` **and** `AAAA` of every PTR name (at most [`MAX_PTR_NAMES`]), all at once.
//!
//! FCrDNS holds when the forward addresses of at least one PTR name contain the address
//! (IPv4-mapped IPv6 addresses count as the IPv4 address they carry).
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use smtping_signals::evaluate_with;
//! use smtping_signals::reverse::PtrEvaluator;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 25));
//! let dns = MemoryDns::new(
//!     Zone::new().ptr(ip, "mail.example.test").a("mail.example.test", Ipv4Addr::new(192, 0, 2, 25)),
//! )?;
//! let result = evaluate_with(PtrEvaluator::new(ip), |q| dns.resolve(q))?;
//! assert!(result.fcrdns);
//! assert_eq!(result.names, ["mail.example.test"]);
//! assert!(result.problems.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;
use smtping_proto::dns::{Question, RecordType, reverse_name};

use crate::Evaluator;
use crate::helo::{HostnameSyntax, hostname_syntax};
use crate::query::Response;

/// At most this many PTR names are checked (RFC 7208 §5.5 uses the same bound for the
/// `ptr` mechanism); more are reported as [`PtrProblem::TooManyNames`] and ignored.
pub const MAX_PTR_NAMES: usize = 10;

/// Longest name kept in a result or a problem (longer ones are shortened with `…`).
const MAX_SHOWN: usize = 255;

/// Words that mark a PTR name as generic (an ISP's name for a dynamic or residential
/// address rather than a mail server's name). Matched against whole words of the name
/// (split on `.`, `-` and `_`), ignoring trailing digits (`pool12`, `dsl3`).
pub const GENERIC_WORDS: &[&str] = &[
    "dynamic",
    "dyn",
    "dhcp",
    "pool",
    "dsl",
    "adsl",
    "vdsl",
    "xdsl",
    "cable",
    "ppp",
    "pppoe",
    "dialup",
    "dial",
    "broadband",
    "residential",
    "cust",
    "customer",
    "client",
    "cpe",
    "unassigned",
    "nat",
];

/// The scope of an address: whether a receiver on the Internet could see it as a
/// sender.
///
/// ```
/// use smtping_signals::reverse::{address_scope, AddressScope};
/// assert_eq!(address_scope("10.1.2.3".parse().unwrap()), AddressScope::Private);
/// assert_eq!(address_scope("100.64.0.1".parse().unwrap()), AddressScope::SharedCgnat);
/// assert_eq!(address_scope("::ffff:127.0.0.1".parse().unwrap()), AddressScope::Loopback);
/// assert!(address_scope("8.8.8.8".parse().unwrap()).is_public());
/// assert!(address_scope("fd00::1".parse().unwrap()).is_private_or_loopback());
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressScope {
    /// A globally routable unicast address: what receivers see and look up.
    Public,
    /// `0.0.0.0` or `::`: no address at all.
    Unspecified,
    /// `127.0.0.0/8` or `::1`: this host only.
    Loopback,
    /// RFC 1918 private IPv4 space (`10/8`, `172.16/12`, `192.168/16`): behind NAT.
    Private,
    /// RFC 6598 shared address space `100.64.0.0/10`: carrier-grade NAT.
    SharedCgnat,
    /// Link-local `169.254.0.0/16` or `fe80::/10`: valid on one link only.
    LinkLocal,
    /// IPv6 unique local addresses `fc00::/7` (RFC 4193): the IPv6 private space.
    UniqueLocal,
    /// Documentation ranges (RFC 5737 `192.0.2/24`, `198.51.100/24`, `203.0.113/24`;
    /// RFC 3849 `2001:db8::/32`; RFC 9637 `3fff::/20`): examples, never on the Internet.
    Documentation,
    /// Benchmarking ranges (RFC 2544 `198.18.0.0/15`, RFC 5180 `2001:2::/48`).
    Benchmarking,
    /// Multicast (`224.0.0.0/4`, `ff00::/8`): never a sender.
    Multicast,
    /// Other special-purpose space: `0/8`, `192.0.0.0/24`, `240.0.0.0/4` and the
    /// broadcast address, the IPv6 discard prefix `100::/64`.
    Reserved,
}

impl AddressScope {
    /// A globally routable unicast address.
    #[must_use]
    pub const fn is_public(self) -> bool {
        matches!(self, Self::Public)
    }

    /// Private, loopback, link-local, CGNAT or unspecified: the address a program sees
    /// is not the one receivers see (the check says "a private or loopback address").
    #[must_use]
    pub const fn is_private_or_loopback(self) -> bool {
        matches!(
            self,
            Self::Unspecified
                | Self::Loopback
                | Self::Private
                | Self::SharedCgnat
                | Self::LinkLocal
                | Self::UniqueLocal
        )
    }

    /// snake_case name, as serialised (`"public"`, `"private"`, `"shared_cgnat"`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private",
            Self::SharedCgnat => "shared_cgnat",
            Self::LinkLocal => "link_local",
            Self::UniqueLocal => "unique_local",
            Self::Documentation => "documentation",
            Self::Benchmarking => "benchmarking",
            Self::Multicast => "multicast",
            Self::Reserved => "reserved",
        }
    }
}

/// The scope of `ip` (IPv4-mapped IPv6 addresses are classified as their IPv4 address).
#[must_use]
pub fn address_scope(ip: IpAddr) -> AddressScope {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4_scope(v4),
        IpAddr::V6(v6) => v6_scope(v6),
    }
}

fn v4_scope(ip: Ipv4Addr) -> AddressScope {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        _ if ip.is_unspecified() => AddressScope::Unspecified,
        (127, _, _) => AddressScope::Loopback,
        (10, _, _) | (192, 168, _) => AddressScope::Private,
        (172, 16..=31, _) => AddressScope::Private,
        (100, 64..=127, _) => AddressScope::SharedCgnat,
        (169, 254, _) => AddressScope::LinkLocal,
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => AddressScope::Documentation,
        (198, 18..=19, _) => AddressScope::Benchmarking,
        (224..=239, _, _) => AddressScope::Multicast,
        (0, _, _) | (192, 0, 0) | (240..=255, _, _) => AddressScope::Reserved,
        _ => AddressScope::Public,
    }
}

fn v6_scope(ip: Ipv6Addr) -> AddressScope {
    let s = ip.segments();
    if ip.is_unspecified() {
        AddressScope::Unspecified
    } else if ip.is_loopback() {
        AddressScope::Loopback
    } else if s[0] & 0xfe00 == 0xfc00 {
        AddressScope::UniqueLocal
    } else if s[0] & 0xffc0 == 0xfe80 {
        AddressScope::LinkLocal
    } else if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] & 0xf000 == 0) {
        AddressScope::Documentation
    } else if s[0] == 0x2001 && s[1] == 0x0002 && s[2] == 0 {
        AddressScope::Benchmarking
    } else if s[0] & 0xff00 == 0xff00 {
        AddressScope::Multicast
    } else if s[0] == 0x0100 && s[1] == 0 && s[2] == 0 && s[3] == 0 {
        AddressScope::Reserved
    } else if s[0] & 0xe000 != 0x2000 {
        // Outside 2000::/3, the only global unicast space allocated.
        AddressScope::Reserved
    } else {
        AddressScope::Public
    }
}

/// A problem with the reverse DNS of an address; each maps to a proposed finding id.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PtrProblem {
    /// The address has no PTR record (NXDOMAIN or no data).
    NoPtr {
        /// The reverse name asked.
        reverse_name: String,
    },
    /// No PTR name resolves back to the address.
    FcrdnsMismatch {
        /// The PTR names checked.
        names: Vec<String>,
    },
    /// More than [`MAX_PTR_NAMES`] PTR names; only the first were checked.
    TooManyNames {
        /// How many distinct names the answer held.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// A PTR target is not a host name (bad characters, empty or over-long labels); it
    /// was not looked up.
    InvalidName {
        /// The name (shortened when long).
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A lookup failed (timeout, SERVFAIL, …): the result is unknown, not negative.
    TempFailure {
        /// The name whose lookup failed.
        name: String,
        /// The record type asked.
        record_type: String,
        /// The DNS error.
        detail: String,
    },
    /// The PTR name looks generic (dynamic/residential pool naming, or the address's own
    /// octets in the name): receivers often score such senders as end-user machines.
    GenericName {
        /// The name.
        name: String,
        /// What made it look generic (`"contains the address"` or the matched word).
        hint: String,
    },
}

impl std::fmt::Display for PtrProblem {
    /// One sentence for a human.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoPtr { reverse_name } => write!(
                f,
                "the address has no reverse DNS (no PTR at {reverse_name}); many receivers refuse or score down mail from such addresses"
            ),
            Self::FcrdnsMismatch { names } => write!(
                f,
                "the PTR name{} {} do{} not resolve back to the address (no forward-confirmed reverse DNS)",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                if names.len() == 1 { "es" } else { "" }
            ),
            Self::TooManyNames { count, limit } => write!(
                f,
                "the address has {count} PTR names; only the first {limit} were checked"
            ),
            Self::InvalidName { name, reason } => {
                write!(f, "the PTR target {name:?} is not a host name: {reason}")
            }
            Self::TempFailure {
                name,
                record_type,
                detail,
            } => write!(
                f,
                "the {record_type} lookup of {name} failed ({detail}): reverse DNS is unknown, not missing"
            ),
            Self::GenericName { name, hint } => write!(
                f,
                "the PTR name {name} looks generic ({hint}): receivers often treat such senders as end-user machines"
            ),
        }
    }
}

impl PtrProblem {
    /// The proposed stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::NoPtr { .. } => "dns.no_ptr",
            Self::FcrdnsMismatch { .. } => "dns.fcrdns_mismatch",
            Self::TooManyNames { .. } => "dns.ptr_too_many_names",
            Self::InvalidName { .. } => "dns.ptr_invalid_name",
            Self::TempFailure { .. } => "dns.ptr_temp_failure",
            Self::GenericName { .. } => "dns.ptr_generic",
        }
    }
}

/// The forward lookups of one PTR name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ForwardLookup {
    /// The PTR name.
    pub name: String,
    /// Its A and AAAA addresses (after CNAMEs), in answer order.
    pub addresses: Vec<IpAddr>,
    /// Whether `addresses` contains the address looked up.
    pub matches: bool,
    /// A lookup of this name that failed (not NXDOMAIN / no data), as text.
    pub error: Option<String>,
}

/// The reverse DNS of one address.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PtrResult {
    /// The address.
    pub ip: IpAddr,
    /// The address's scope (public, private, …).
    pub scope: AddressScope,
    /// The PTR names, lower case, without trailing dot, deduplicated, in answer order
    /// (all of them, even past [`MAX_PTR_NAMES`]).
    pub names: Vec<String>,
    /// Forward-confirmed: a PTR name resolves back to the address.
    pub fcrdns: bool,
    /// The forward lookups of the checked names.
    pub forward: Vec<ForwardLookup>,
    /// The failed PTR lookup, as text (temporary failures only; no PTR is not an error).
    pub error: Option<String>,
    /// What is wrong, each with a finding id.
    pub problems: Vec<PtrProblem>,
}

#[derive(Debug)]
enum Stage {
    Start,
    AwaitPtr,
    AwaitForward,
    Done,
}

/// Evaluates the PTR names of an address and whether they resolve back (FCrDNS).
#[derive(Debug)]
pub struct PtrEvaluator {
    ip: IpAddr,
    reverse: String,
    stage: Stage,
    queue: Vec<Question>,
    names: Vec<String>,
    forward: Vec<ForwardLookup>,
    /// Outstanding forward questions, by (name, type).
    pending: HashMap<(String, RecordType), usize>,
    error: Option<String>,
    problems: Vec<PtrProblem>,
    result: Option<PtrResult>,
}

impl PtrEvaluator {
    /// Evaluates `ip` (IPv4, IPv6, or IPv4-mapped IPv6 treated as IPv4).
    #[must_use]
    pub fn new(ip: IpAddr) -> Self {
        let ip = ip.to_canonical();
        let reverse = reverse_name(ip).trim_end_matches('.').to_owned();
        Self {
            ip,
            reverse,
            stage: Stage::Start,
            queue: Vec::new(),
            names: Vec::new(),
            forward: Vec::new(),
            pending: HashMap::new(),
            error: None,
            problems: Vec::new(),
            result: None,
        }
    }

    /// The PTR question this evaluator asks first.
    #[must_use]
    pub fn reverse_question(&self) -> Question {
        Question {
            name: self.reverse.clone(),
            record_type: RecordType::Ptr,
        }
    }

    fn on_ptr(&mut self, response: &Response) {
        match response {
            Ok(answer) => {
                for target in answer.ptr() {
                    let name = normalise(target);
                    if !self.names.contains(&name) {
                        self.names.push(name);
                    }
                }
                if self.names.is_empty() {
                    self.problems.push(PtrProblem::NoPtr {
                        reverse_name: self.reverse.clone(),
                    });
                }
            }
            Err(e) if e.is_definitive() => self.problems.push(PtrProblem::NoPtr {
                reverse_name: self.reverse.clone(),
            }),
            Err(e) => {
                self.error = Some(e.to_string());
                self.problems.push(PtrProblem::TempFailure {
                    name: self.reverse.clone(),
                    record_type: RecordType::Ptr.as_str().into(),
                    detail: e.to_string(),
                });
            }
        }
        if self.names.len() > MAX_PTR_NAMES {
            self.problems.push(PtrProblem::TooManyNames {
                count: self.names.len(),
                limit: MAX_PTR_NAMES,
            });
        }
        for name in self.names.iter().take(MAX_PTR_NAMES) {
            if let HostnameSyntax::Invalid(reason) = hostname_syntax(name) {
                self.problems.push(PtrProblem::InvalidName {
                    name: shorten(name),
                    reason,
                });
                continue;
            }
            let index = self.forward.len();
            self.forward.push(ForwardLookup {
                name: name.clone(),
                addresses: Vec::new(),
                matches: false,
                error: None,
            });
            for record_type in [RecordType::A, RecordType::Aaaa] {
                self.pending.insert((name.clone(), record_type), index);
                self.queue.push(Question {
                    name: name.clone(),
                    record_type,
                });
            }
        }
        // Handed out in order: A and AAAA of the first name first.
        self.queue.reverse();
        self.stage = Stage::AwaitForward;
    }

    fn on_forward(&mut self, question: &Question, response: &Response) {
        let key = (normalise(&question.name), question.record_type);
        let Some(index) = self.pending.remove(&key) else {
            return;
        };
        let Some(lookup) = self.forward.get_mut(index) else {
            return;
        };
        match response {
            Ok(answer) => {
                for address in answer.ip_addrs() {
                    let address = address.to_canonical();
                    if !lookup.addresses.contains(&address) {
                        lookup.addresses.push(address);
                    }
                }
                lookup.matches = lookup.addresses.contains(&self.ip);
            }
            Err(e) if e.is_definitive() => {}
            Err(e) => {
                lookup.error.get_or_insert_with(|| e.to_string());
            }
        }
    }

    fn finish(&mut self) {
        let fcrdns = self.forward.iter().any(|f| f.matches);
        if !fcrdns {
            let failed: Vec<&ForwardLookup> =
                self.forward.iter().filter(|f| f.error.is_some()).collect();
            for f in &failed {
                self.problems.push(PtrProblem::TempFailure {
                    name: f.name.clone(),
                    record_type: "A/AAAA".into(),
                    detail: f.error.clone().unwrap_or_default(),
                });
            }
            if failed.is_empty() && !self.names.is_empty() {
                self.problems.push(PtrProblem::FcrdnsMismatch {
                    names: self
                        .names
                        .iter()
                        .take(MAX_PTR_NAMES)
                        .map(|n| shorten(n))
                        .collect(),
                });
            }
        }
        for f in &self.forward {
            if let Some(hint) = generic_hint(&f.name, self.ip) {
                self.problems.push(PtrProblem::GenericName {
                    name: f.name.clone(),
                    hint,
                });
            }
        }
        self.result = Some(PtrResult {
            ip: self.ip,
            scope: address_scope(self.ip),
            names: self.names.iter().map(|n| shorten(n)).collect(),
            fcrdns,
            forward: std::mem::take(&mut self.forward),
            error: self.error.take(),
            problems: std::mem::take(&mut self.problems),
        });
        self.stage = Stage::Done;
    }
}

impl Evaluator for PtrEvaluator {
    type Output = PtrResult;

    fn poll_query(&mut self) -> Option<Question> {
        match self.stage {
            Stage::Start => {
                self.stage = Stage::AwaitPtr;
                Some(self.reverse_question())
            }
            Stage::AwaitForward => self.queue.pop(),
            Stage::AwaitPtr | Stage::Done => None,
        }
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        match self.stage {
            Stage::AwaitPtr
                if question.record_type == RecordType::Ptr
                    && normalise(&question.name) == self.reverse =>
            {
                self.on_ptr(response);
            }
            Stage::AwaitForward => self.on_forward(question, response),
            _ => {}
        }
    }

    fn poll_result(&mut self) -> Option<PtrResult> {
        if matches!(self.stage, Stage::AwaitForward) && self.pending.is_empty() {
            self.finish();
        }
        self.result.take()
    }
}

/// Lower case, without the trailing dot.
pub(crate) fn normalise(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// At most [`MAX_SHOWN`] characters, `…` when cut.
pub(crate) fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_SHOWN {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(MAX_SHOWN).collect();
    out.push('…');
    out
}

/// Why `name` looks like an ISP's generic name for `ip`, if it does.
///
/// Two heuristics, both documented in docs/signals.md:
/// - the IPv4 address's four octets appear as four consecutive numeric words, forwards
///   or backwards (`192-0-2-1.pool.example`, `1.2.0.192.isp.example`), or as one word of
///   zero-padded decimal (`192000002001`) or hexadecimal (`c0000201`) digits;
/// - a word (split on `.`, `-`, `_`; trailing digits ignored) is one of
///   [`GENERIC_WORDS`] (`dynamic`, `dhcp`, `pool`, `dsl`, `cable`, `ppp`, …).
#[must_use]
pub fn generic_hint(name: &str, ip: IpAddr) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(['.', '-', '_'])
        .filter(|w| !w.is_empty())
        .collect();
    if let IpAddr::V4(v4) = ip.to_canonical() {
        let octets = v4.octets().map(|o| o.to_string());
        let forwards: Vec<&str> = octets.iter().map(String::as_str).collect();
        let backwards: Vec<&str> = forwards.iter().rev().copied().collect();
        let found = words
            .windows(4)
            .any(|w| w == forwards.as_slice() || w == backwards.as_slice());
        let [a, b, c, d] = v4.octets();
        let padded = format!("{a:03}{b:03}{c:03}{d:03}");
        let hex = format!("{a:02x}{b:02x}{c:02x}{d:02x}");
        let joined = words
            .iter()
            .any(|w| w.contains(&padded) || w.contains(&hex));
        if found || joined {
            return Some("contains the address".into());
        }
    }
    words.iter().find_map(|w| {
        let stem = w.trim_end_matches(|c: char| c.is_ascii_digit());
        GENERIC_WORDS
            .iter()
            .find(|g| **g == stem)
            .map(|g| format!("the word {g:?}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(s: &str) -> AddressScope {
        address_scope(s.parse().unwrap())
    }

    #[test]
    fn scopes_of_special_ranges() {
        assert_eq!(scope("0.0.0.0"), AddressScope::Unspecified);
        assert_eq!(scope("::"), AddressScope::Unspecified);
        assert_eq!(scope("127.3.4.5"), AddressScope::Loopback);
        assert_eq!(scope("::1"), AddressScope::Loopback);
        assert_eq!(scope("10.0.0.1"), AddressScope::Private);
        assert_eq!(scope("172.16.0.1"), AddressScope::Private);
        assert_eq!(scope("172.31.255.255"), AddressScope::Private);
        assert_eq!(scope("172.32.0.1"), AddressScope::Public);
        assert_eq!(scope("192.168.1.1"), AddressScope::Private);
        assert_eq!(scope("100.64.0.1"), AddressScope::SharedCgnat);
        assert_eq!(scope("100.127.255.255"), AddressScope::SharedCgnat);
        assert_eq!(scope("100.128.0.1"), AddressScope::Public);
        assert_eq!(scope("169.254.10.1"), AddressScope::LinkLocal);
        assert_eq!(scope("fe80::1"), AddressScope::LinkLocal);
        assert_eq!(scope("fc00::1"), AddressScope::UniqueLocal);
        assert_eq!(scope("fdff::1"), AddressScope::UniqueLocal);
        assert_eq!(scope("192.0.2.1"), AddressScope::Documentation);
        assert_eq!(scope("198.51.100.7"), AddressScope::Documentation);
        assert_eq!(scope("203.0.113.9"), AddressScope::Documentation);
        assert_eq!(scope("2001:db8::1"), AddressScope::Documentation);
        assert_eq!(scope("3fff:123::1"), AddressScope::Documentation);
        assert_eq!(scope("3fff:1000::1"), AddressScope::Public);
        assert_eq!(scope("198.18.0.1"), AddressScope::Benchmarking);
        assert_eq!(scope("2001:2::1"), AddressScope::Benchmarking);
        assert_eq!(scope("224.0.0.1"), AddressScope::Multicast);
        assert_eq!(scope("ff02::1"), AddressScope::Multicast);
        assert_eq!(scope("255.255.255.255"), AddressScope::Reserved);
        assert_eq!(scope("240.0.0.1"), AddressScope::Reserved);
        assert_eq!(scope("100::1"), AddressScope::Reserved);
        assert_eq!(scope("8.8.8.8"), AddressScope::Public);
        assert_eq!(scope("2a00:1450::1"), AddressScope::Public);
        assert_eq!(scope("::ffff:10.0.0.1"), AddressScope::Private);
        assert!(AddressScope::Loopback.is_private_or_loopback());
        assert!(!AddressScope::Documentation.is_private_or_loopback());
        assert!(!AddressScope::Public.is_private_or_loopback());
        assert_eq!(AddressScope::SharedCgnat.as_str(), "shared_cgnat");
    }

    #[test]
    fn generic_names() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(generic_hint("192-0-2-1.example.net", ip).is_some());
        assert!(generic_hint("1.2.0.192.in.example.net", ip).is_some());
        assert!(generic_hint("host192000002001.example.net", ip).is_some());
        assert!(generic_hint("c0000201.example.net", ip).is_some());
        assert_eq!(
            generic_hint("dsl12-x.example.net", ip).as_deref(),
            Some("the word \"dsl\"")
        );
        assert!(generic_hint("pool.example.net", ip).is_some());
        assert!(generic_hint("mail.example.net", ip).is_none());
        // Not the address's octets, and a generic word inside a longer one is fine.
        assert!(generic_hint("192-0-2-2.example.net", ip).is_none());
        assert!(generic_hint("poolside.example.net", ip).is_none());
        let v6: IpAddr = "2001:db8::1".parse().unwrap();
        assert!(generic_hint("dynamic-2001.example.net", v6).is_some());
        assert!(generic_hint("mx.example.net", v6).is_none());
    }

    #[test]
    fn finding_ids_are_dotted() {
        let problems = [
            PtrProblem::NoPtr {
                reverse_name: String::new(),
            },
            PtrProblem::FcrdnsMismatch { names: vec![] },
            PtrProblem::TooManyNames {
                count: 11,
                limit: 10,
            },
            PtrProblem::InvalidName {
                name: String::new(),
                reason: String::new(),
            },
            PtrProblem::TempFailure {
                name: String::new(),
                record_type: String::new(),
                detail: String::new(),
            },
            PtrProblem::GenericName {
                name: String::new(),
                hint: String::new(),
            },
        ];
        for p in problems {
            assert!(p.finding_id().starts_with("dns."));
        }
    }

    #[test]
    fn shortens_long_names() {
        assert_eq!(shorten("abc"), "abc");
        let long = "a".repeat(400);
        assert_eq!(shorten(&long).chars().count(), MAX_SHOWN + 1);
    }
}
