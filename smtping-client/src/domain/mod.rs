//! `smtping domain`: the posture of a mail domain as receivers judge it — MX (null MX),
//! SPF (record, include tree, lookup count, the verdict for given sending IPs), DKIM
//! keys, DMARC (policy, organisational domain both ways, external report
//! authorisation), PTR/FCrDNS of every MX address and, when asked, DNS blocklists.
//!
//! Every question goes through the sans-IO evaluators of [`smtping_signals`], driven
//! over a [`Resolver`](crate::net::dns::Resolver): the MX, SPF, DKIM and DMARC lookups
//! start together; reverse DNS and blocklists of the MX addresses follow the MX answer.
//! Then (unless [`DomainCheck::connect`] is off) every MX address is connected to on
//! port 25 for its TLS (`tls.hosts[]`), whose chains decide DANE's `matched` and
//! MTA-STS's `certificate_valid`.
//!
//! ```no_run
//! use smtping_client::domain::DomainCheck;
//! use smtping_client::net::dns::Resolver;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let check = DomainCheck::new("example.org")?
//!     .dkim_selector("selector1")
//!     .sending_ip("192.0.2.7".parse()?);
//! let report = check.run(&Resolver::from_system()).await; // tokio; run_on for others
//! println!("{}: {}", report.verdict.as_str(), report.summary);
//! for f in &report.findings {
//!     println!("{} {}: {}", f.severity, f.id, f.message);
//! }
//! // One session per MX address (EHLO, STARTTLS, verified handshake, QUIT):
//! for h in report.tls.iter().flat_map(|t| &t.hosts) {
//!     println!("{} {} {:?} DANE {:?}", h.name, h.address, h.version, h.dane_matched);
//! }
//! # Ok(()) }
//! ```

use std::net::IpAddr;
use std::time::Duration;

use smtping_proto::Domain;

mod report;
mod run;

pub use report::{
    DaneHost, DaneSection, DkimSection, DkimSelectorInfo, DmarcSection, DnsblInfo, DnssecHost,
    DnssecSection, DomainReport, DomainTimings, ExternalDestination, MtaStsHost, MtaStsSection,
    MxHostInfo, MxSection, PtrInfo, ReputationSection, SpfIpResult, SpfNode, SpfSection, TlsHost,
    TlsRptSection, TlsSection, TlsaInfo,
};

/// MX hosts whose addresses are looked up (and reverse-checked): the RFC 7208 cap on MX
/// names, which is also more than any real domain publishes.
pub const MAX_MX_HOSTS_CHECKED: usize = 10;

/// Addresses of one MX host whose TLS is checked (in the order DNS gave them, IPv4 and
/// IPv6 alike): at most 40 connections for the whole domain.
pub const MAX_TLS_ADDRESSES_PER_HOST: usize = 4;

/// MX hosts whose TLS is checked at the same time (the addresses of one host are
/// connected to one after another, [`POLITE_PAUSE`](crate::POLITE_PAUSE) apart).
pub const MAX_CONCURRENT_TLS_HOSTS: usize = 3;

/// The posture check of one mail domain (builder). Run it with [`DomainCheck::run`].
#[derive(Clone, Debug)]
pub struct DomainCheck {
    domain: String,
    selectors: Vec<String>,
    sending_ips: Vec<IpAddr>,
    dnsbl_zones: Vec<smtping_signals::DnsblZone>,
    dnsbl_default: bool,
    trust_ad: bool,
    tls_options: crate::tls::TlsOptions,
    connect_to: Vec<crate::target::ConnectTo>,
    connect: bool,
    tls_scan: bool,
    connect_timeout: Duration,
    command_timeout: Option<Duration>,
}

/// The domain given to [`DomainCheck::new`] is not a domain name.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a mail domain: {reason}")]
pub struct DomainError {
    /// What was given (shortened).
    pub input: String,
    /// Why it is refused.
    pub reason: String,
}

impl DomainCheck {
    /// A check of `domain` (a name, an address's domain part is not stripped: give the
    /// domain). Trailing dot and case are normalised.
    pub fn new(domain: &str) -> Result<Self, DomainError> {
        let input: String = domain.chars().take(256).collect();
        let trimmed = domain.trim().trim_end_matches('.');
        let parsed = Domain::new(trimmed).map_err(|e| DomainError {
            input: input.clone(),
            reason: e.to_string(),
        })?;
        if parsed.is_literal() {
            return Err(DomainError {
                input,
                reason: "an address literal has no mail-domain posture; give a domain name".into(),
            });
        }
        if !parsed.as_str().contains('.') {
            return Err(DomainError {
                input,
                reason: "a single label is not a public mail domain (e.g. example.org)".into(),
            });
        }
        Ok(Self {
            domain: parsed.as_str().to_ascii_lowercase(),
            selectors: Vec::new(),
            sending_ips: Vec::new(),
            dnsbl_zones: Vec::new(),
            dnsbl_default: false,
            trust_ad: false,
            tls_options: crate::tls::TlsOptions::default(),
            connect_to: Vec::new(),
            connect: true,
            tls_scan: false,
            connect_timeout: Duration::from_secs(10),
            command_timeout: None,
        })
    }

    /// The domain checked.
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// A DKIM selector to look up (repeatable; without any, the common selectors of
    /// [`smtping_signals::dkim`] are tried).
    #[must_use]
    pub fn dkim_selector(mut self, selector: impl Into<String>) -> Self {
        self.selectors.push(selector.into());
        self
    }

    /// An IP the domain sends from: SPF is evaluated for it (repeatable).
    #[must_use]
    pub fn sending_ip(mut self, ip: IpAddr) -> Self {
        self.sending_ips.push(ip);
        self
    }

    /// A DNS blocklist zone to query the MX addresses (IP lists) or the domain and MX
    /// names (domain lists) in (repeatable; see [`smtping_signals::dnsbl::parse_zones`]).
    #[must_use]
    pub fn dnsbl_zone(mut self, zone: smtping_signals::DnsblZone) -> Self {
        if !self.dnsbl_zones.contains(&zone) {
            self.dnsbl_zones.push(zone);
        }
        self
    }

    /// Believe the resolver's AD bit although it is not on loopback (`--trust-ad`): the
    /// DNSSEC status, and with it DANE, is otherwise `unknown` for a remote resolver.
    #[must_use]
    pub fn trust_ad(mut self, on: bool) -> Self {
        self.trust_ad = on;
        self
    }

    /// Trust anchors and options for the TLS connections the check makes (the MTA-STS
    /// policy host; `--ca-file`). Verification of the policy host is always strict.
    #[must_use]
    pub fn tls_options(mut self, options: crate::tls::TlsOptions) -> Self {
        self.tls_options = options;
        self
    }

    /// Reach a host at another address (`--connect-to`, curl's meaning), e.g. the
    /// MTA-STS policy host `mta-sts.example.org:443` on a test server.
    #[must_use]
    pub fn connect_to(mut self, rule: crate::target::ConnectTo) -> Self {
        self.connect_to.push(rule);
        self
    }

    /// Connect to every MX address on port 25 (default on): EHLO, STARTTLS, a full
    /// handshake verified against the MX host name with the [`tls_options`](Self::tls_options)
    /// trust anchors, then QUIT — one connection per address (at most
    /// [`MAX_TLS_ADDRESSES_PER_HOST`] per host). It fills `tls`, DANE's `matched` and
    /// MTA-STS's `certificate_valid`. Off (`--no-connect`) the check is DNS only (and
    /// the HTTPS policy fetch).
    #[must_use]
    pub fn connect(mut self, on: bool) -> Self {
        self.connect = on;
        self
    }

    /// Also scan every MX address's TLS versions and ciphers (`--tls-scan`, see
    /// [`crate::tls::scan`]): at most 16 more connections per address, paced.
    #[must_use]
    pub fn tls_scan(mut self, on: bool) -> Self {
        self.tls_scan = on;
        self
    }

    /// The connect deadline per MX address (default 10 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The deadline of each reply (greeting, EHLO, STARTTLS, the handshake) at the MX
    /// addresses (default: the session's own defaults).
    #[must_use]
    pub fn command_timeout(mut self, timeout: Duration) -> Self {
        self.command_timeout = Some(timeout);
        self
    }

    /// Also query the built-in list of well-known blocklists (`--dnsbl default`).
    #[must_use]
    pub fn dnsbl_default(mut self, on: bool) -> Self {
        self.dnsbl_default = on;
        self
    }
}
