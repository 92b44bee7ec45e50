//! Resolver configuration: nameservers, timeout, attempts, and a pure `resolv.conf` parser.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::time::Duration;

/// The DNS port used when an address names none.
pub const DNS_PORT: u16 = 53;

/// Default time to wait for one answer from one server (glibc's `RES_TIMEOUT`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// Default number of rounds over the server list (glibc's `RES_DFLRETRY`).
pub const DEFAULT_ATTEMPTS: u8 = 2;

/// Upper bound on [`ResolverConfig::attempts`] (glibc's `RES_MAXRETRY`).
pub const MAX_ATTEMPTS: u8 = 5;

/// Upper bound on [`ResolverConfig::timeout`]; longer values are clamped.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(60);

/// Lower bound on [`ResolverConfig::timeout`]; shorter values are clamped.
pub const MIN_TIMEOUT: Duration = Duration::from_millis(10);

/// Upper bound on the number of nameservers a lookup uses; extra servers are ignored.
pub const MAX_NAMESERVERS: usize = 8;

/// Nameservers read from `resolv.conf` (glibc's `MAXNS`): later `nameserver` lines are
/// ignored, with a note.
pub const RESOLV_CONF_MAX_NAMESERVERS: usize = 3;

/// Default EDNS(0) UDP payload size advertised in queries (the DNS Flag Day 2020 value).
pub const DEFAULT_EDNS_PAYLOAD: u16 = 1232;

/// Upper bound on the number of notes [`ResolverConfig::from_resolv_conf`] keeps.
const MAX_NOTES: usize = 16;

/// Upper bound on search domains kept from `resolv.conf` (glibc keeps 6; newer ones more).
const MAX_SEARCH: usize = 8;

/// Longest input echoed back in an error or note.
const MAX_ECHO: usize = 80;

/// How a stub resolver talks to its nameservers.
///
/// Built with [`ResolverConfig::new`] for explicit servers or parsed with
/// [`ResolverConfig::from_resolv_conf`]. The values are clamped to sane bounds when a
/// [`Lookup`](super::Lookup) starts ([`MIN_TIMEOUT`]..=[`MAX_TIMEOUT`],
/// 1..=[`MAX_ATTEMPTS`], at most [`MAX_NAMESERVERS`] servers).
///
/// Retry semantics follow `resolv.conf(5)`: each lookup makes up to `attempts` rounds over
/// the server list, waiting `timeout` for each server; `rotate` starts each lookup at a
/// different server.
///
/// ```
/// use smtping_proto::dns::ResolverConfig;
/// use std::time::Duration;
///
/// let conf = "nameserver 192.0.2.53\nnameserver 2001:db8::53\noptions timeout:2 attempts:3 rotate\n";
/// let config = ResolverConfig::from_resolv_conf(conf);
/// assert_eq!(config.nameservers.len(), 2);
/// assert_eq!(config.nameservers[1].to_string(), "[2001:db8::53]:53");
/// assert_eq!(config.timeout, Duration::from_secs(2));
/// assert_eq!(config.attempts, 3);
/// assert!(config.rotate);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolverConfig {
    /// Nameservers, in order of use (port 53 unless given).
    pub nameservers: Vec<SocketAddr>,
    /// Time to wait for one answer from one server (`options timeout:N`).
    pub timeout: Duration,
    /// Rounds over the server list (`options attempts:N`).
    pub attempts: u8,
    /// Start each lookup at a different server (`options rotate`); the start is derived
    /// from the lookup's seed, so it stays deterministic.
    pub rotate: bool,
    /// Query over TCP from the start (`options use-vc`).
    pub use_tcp: bool,
    /// `options ndots:N`. Parsed and kept for display; not applied, because SMTPing
    /// resolves fully qualified names only.
    pub ndots: u8,
    /// `search`/`domain` list. Parsed and kept for display; not applied (every name is
    /// treated as fully qualified).
    pub search: Vec<String>,
    /// `options trust-ad`: the administrator says the path to the resolver is trusted, so
    /// its AD (authenticated data) bit may be believed. DANE checks use this.
    pub trust_ad: bool,
    /// EDNS(0) UDP payload size to advertise, or `None` to send plain DNS queries.
    pub edns_payload: Option<u16>,
    /// Set the AD bit in queries, asking a validating resolver to report whether the
    /// answer was DNSSEC-validated (RFC 6840 §5.7). On by default.
    pub request_authentic_data: bool,
    /// Human-readable notes about what parsing skipped or assumed (bounded).
    pub notes: Vec<String>,
}

impl Default for ResolverConfig {
    /// The glibc fallback: `127.0.0.1:53`, 5 s timeout, 2 attempts.
    fn default() -> Self {
        Self::new([SocketAddr::from((Ipv4Addr::LOCALHOST, DNS_PORT))])
    }
}

impl ResolverConfig {
    /// A configuration with the given servers and default options.
    ///
    /// ```
    /// use smtping_proto::dns::ResolverConfig;
    /// let config = ResolverConfig::new(["127.0.0.1:5353".parse().unwrap()]);
    /// assert_eq!(config.attempts, 2);
    /// ```
    #[must_use]
    pub fn new(nameservers: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self {
            nameservers: nameservers.into_iter().collect(),
            timeout: DEFAULT_TIMEOUT,
            attempts: DEFAULT_ATTEMPTS,
            rotate: false,
            use_tcp: false,
            ndots: 1,
            search: Vec::new(),
            trust_ad: false,
            edns_payload: Some(DEFAULT_EDNS_PAYLOAD),
            request_authentic_data: true,
            notes: Vec::new(),
        }
    }

    /// Sets the per-server timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the number of rounds over the server list.
    #[must_use]
    pub fn with_attempts(mut self, attempts: u8) -> Self {
        self.attempts = attempts;
        self
    }

    /// Sets `rotate`.
    #[must_use]
    pub fn with_rotate(mut self, rotate: bool) -> Self {
        self.rotate = rotate;
        self
    }

    /// Sets `use-vc` (TCP from the start).
    #[must_use]
    pub fn with_tcp(mut self, use_tcp: bool) -> Self {
        self.use_tcp = use_tcp;
        self
    }

    /// Sets the EDNS(0) payload size, or `None` for plain DNS.
    #[must_use]
    pub fn with_edns_payload(mut self, payload: Option<u16>) -> Self {
        self.edns_payload = payload;
        self
    }

    /// The timeout clamped to [`MIN_TIMEOUT`]..=[`MAX_TIMEOUT`].
    #[must_use]
    pub fn effective_timeout(&self) -> Duration {
        self.timeout.clamp(MIN_TIMEOUT, MAX_TIMEOUT)
    }

    /// The attempts clamped to 1..=[`MAX_ATTEMPTS`].
    #[must_use]
    pub fn effective_attempts(&self) -> u8 {
        self.attempts.clamp(1, MAX_ATTEMPTS)
    }

    /// The servers a lookup uses: the first [`MAX_NAMESERVERS`].
    #[must_use]
    pub fn effective_nameservers(&self) -> &[SocketAddr] {
        let n = self.nameservers.len().min(MAX_NAMESERVERS);
        &self.nameservers[..n]
    }

    /// Parses the text of a `resolv.conf(5)` file. Never fails: unusable lines are
    /// skipped and described in [`notes`](Self::notes).
    ///
    /// - `nameserver ADDR`: IPv4 or IPv6, an IPv6 zone only in numeric form
    ///   (`fe80::1%2`; interface names need the OS and are skipped with a note). As an
    ///   extension, `[v6]:port` and `v4:port` are accepted. Only the first three are used,
    ///   like glibc.
    /// - `options timeout:N attempts:N rotate ndots:N use-vc trust-ad edns0`; other
    ///   options are ignored (unknown ones with a note).
    /// - `search`/`domain`: the last one wins; kept, not applied.
    /// - `#` and `;` start comments; `sortlist` and unknown keywords are ignored.
    ///
    /// No nameserver at all gives `127.0.0.1:53`, as glibc does, with a note. The
    /// `RES_OPTIONS` environment variable is not read (this is a pure function).
    #[must_use]
    pub fn from_resolv_conf(text: &str) -> Self {
        let mut config = Self::new([]);
        let mut dropped_servers = 0usize;
        for raw_line in text.lines() {
            let line = match raw_line.find(['#', ';']) {
                Some(i) => &raw_line[..i],
                None => raw_line,
            };
            let mut words = line.split_ascii_whitespace();
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword {
                "nameserver" => {
                    let Some(addr) = words.next() else {
                        config.note("a `nameserver` line without an address was skipped".into());
                        continue;
                    };
                    match parse_nameserver(addr) {
                        Ok(sa) if config.nameservers.len() < RESOLV_CONF_MAX_NAMESERVERS => {
                            config.nameservers.push(sa);
                        }
                        Ok(_) => dropped_servers += 1,
                        Err(e) => config.note(format!("nameserver skipped: {e}")),
                    }
                }
                "domain" | "search" => {
                    config.search = words
                        .take(MAX_SEARCH)
                        .map(|w| w.trim_end_matches('.').to_ascii_lowercase())
                        .filter(|w| !w.is_empty())
                        .collect();
                }
                "options" => {
                    for opt in words {
                        config.apply_option(opt);
                    }
                }
                "sortlist" | "lookup" | "family" => {}
                other => config.note(format!("unknown keyword {:?} ignored", echo(other))),
            }
        }
        if dropped_servers > 0 {
            config.note(format!(
                "only the first {RESOLV_CONF_MAX_NAMESERVERS} nameservers are used; \
                 {dropped_servers} more ignored"
            ));
        }
        if config.nameservers.is_empty() {
            config
                .nameservers
                .push(SocketAddr::from((Ipv4Addr::LOCALHOST, DNS_PORT)));
            config.note("no usable nameserver: using 127.0.0.1:53 (as glibc does)".into());
        }
        config
    }

    fn apply_option(&mut self, opt: &str) {
        let (name, value) = match opt.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (opt, None),
        };
        let number = |v: Option<&str>| v.and_then(|v| v.parse::<u32>().ok());
        match (name, value) {
            ("timeout", v) => match number(v) {
                // glibc clamps to RES_MAXRETRANS (30 s); 0 means "the minimum".
                Some(n) => self.timeout = Duration::from_secs(u64::from(n.clamp(1, 30))),
                None => self.note(format!("option {:?} has no valid number", echo(opt))),
            },
            ("attempts", v) => match number(v) {
                Some(n) => {
                    self.attempts =
                        u8::try_from(n.clamp(1, u32::from(MAX_ATTEMPTS))).unwrap_or(MAX_ATTEMPTS);
                }
                None => self.note(format!("option {:?} has no valid number", echo(opt))),
            },
            ("ndots", v) => match number(v) {
                Some(n) => self.ndots = u8::try_from(n.min(15)).unwrap_or(15),
                None => self.note(format!("option {:?} has no valid number", echo(opt))),
            },
            ("rotate", None) => self.rotate = true,
            ("use-vc" | "usevc", None) => self.use_tcp = true,
            ("trust-ad", None) => self.trust_ad = true,
            // EDNS(0) is on by default here; these glibc options change nothing for us.
            (
                "edns0"
                | "single-request"
                | "single-request-reopen"
                | "no-aaaa"
                | "inet6"
                | "debug"
                | "no-tld-query"
                | "no-check-names"
                | "no-reload"
                | "ip6-bytestring"
                | "ip6-dotint"
                | "no-ip6-dotint"
                | "insecure1"
                | "insecure2",
                _,
            ) => {}
            _ => self.note(format!("option {:?} ignored", echo(opt))),
        }
    }

    fn note(&mut self, note: String) {
        if self.notes.len() < MAX_NOTES {
            self.notes.push(note);
        }
    }

    /// Parses a user-given resolver address (`--resolver`): `IP`, `IPv4:PORT`,
    /// `[IPv6]:PORT`, `[IPv6]` or a bare IPv6 address, with an optional numeric zone
    /// (`fe80::1%2`). Host names are refused: a resolver must be an address.
    ///
    /// ```
    /// use smtping_proto::dns::ResolverConfig;
    /// assert_eq!(ResolverConfig::parse_server("192.0.2.1").unwrap().to_string(), "192.0.2.1:53");
    /// assert_eq!(ResolverConfig::parse_server("[::1]:5353").unwrap().to_string(), "[::1]:5353");
    /// assert!(ResolverConfig::parse_server("dns.example").is_err());
    /// ```
    pub fn parse_server(input: &str) -> Result<SocketAddr, ResolverConfigError> {
        parse_nameserver(input)
    }
}

/// A resolver address that could not be parsed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolverConfigError {
    /// The text is not `IP`, `IP:PORT` or `[IPv6]:PORT`.
    #[error("invalid resolver address {input:?}: {reason}")]
    InvalidAddress {
        /// The input (shortened when long).
        input: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

fn invalid(input: &str, reason: &'static str) -> ResolverConfigError {
    ResolverConfigError::InvalidAddress {
        input: echo(input),
        reason,
    }
}

fn echo(s: &str) -> String {
    s.chars().take(MAX_ECHO).collect()
}

fn parse_port(input: &str, port: &str) -> Result<u16, ResolverConfigError> {
    match port.parse::<u16>() {
        Ok(0) => Err(invalid(input, "port 0 is not usable")),
        Ok(p) if port.bytes().all(|b| b.is_ascii_digit()) => Ok(p),
        _ => Err(invalid(input, "the port must be a number from 1 to 65535")),
    }
}

/// Parses `v6` or `v6%zone` (numeric zone only).
fn parse_v6_with_zone(input: &str, text: &str) -> Result<(Ipv6Addr, u32), ResolverConfigError> {
    let (addr, zone) = match text.split_once('%') {
        Some((a, z)) => (a, Some(z)),
        None => (text, None),
    };
    let ip: Ipv6Addr = addr
        .parse()
        .map_err(|_| invalid(input, "not an IPv6 address"))?;
    let scope = match zone {
        None => 0,
        Some(z) => z.parse::<u32>().map_err(|_| {
            invalid(
                input,
                "only numeric IPv6 zones are supported (use the interface index, e.g. %2)",
            )
        })?,
    };
    Ok((ip, scope))
}

fn parse_nameserver(input: &str) -> Result<SocketAddr, ResolverConfigError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(invalid(input, "empty"));
    }
    if let Some(rest) = text.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return Err(invalid(input, "missing `]`"));
        };
        let (ip, scope) = parse_v6_with_zone(input, inside)?;
        let port = match after {
            "" => DNS_PORT,
            _ => match after.strip_prefix(':') {
                Some(p) => parse_port(input, p)?,
                None => return Err(invalid(input, "expected `:PORT` after `]`")),
            },
        };
        return Ok(SocketAddr::V6(SocketAddrV6::new(ip, port, 0, scope)));
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, DNS_PORT));
    }
    if text.contains('%') {
        let (ip, scope) = parse_v6_with_zone(input, text)?;
        return Ok(SocketAddr::V6(SocketAddrV6::new(ip, DNS_PORT, 0, scope)));
    }
    if let Some((host, port)) = text.rsplit_once(':') {
        if let Ok(ip) = host.parse::<Ipv4Addr>() {
            let port = parse_port(input, port)?;
            return Ok(SocketAddr::V4(SocketAddrV4::new(ip, port)));
        }
        if host.contains(':') {
            return Err(invalid(
                input,
                "write an IPv6 address with a port as [ADDR]:PORT",
            ));
        }
    }
    Err(invalid(
        input,
        "not an IP address (a resolver must be given by address)",
    ))
}

#[cfg(test)]
mod tests;
