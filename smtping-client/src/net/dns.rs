//! DNS for the engine: a stub [`Resolver`] over any [`DnsTransport`] (tokio by default),
//! which moves the datagrams of the sans-IO [`Lookup`].
//!
//! The protocol (query ids, retries, rotation, TC→TCP, spoofing checks, typed results)
//! lives in [`smtping_proto::dns`]; the transports only send, receive and sleep, with one
//! loop for every runtime ([`drive_lookup`](crate::runtime::drive_lookup)):
//!
//! The tokio transport takes its time from `tokio::time::Instant`, so paused-clock tests
//! work.
//!
//! ```no_run
//! use smtping_client::net::dns::Resolver;
//!
//! # async fn demo() -> Result<(), smtping_proto::dns::DnsError> {
//! let resolver = Resolver::from_system(); // /etc/resolv.conf, or 127.0.0.1:53 with a note
//! let routing = resolver.lookup_mx("example.org").await?;
//! for mx in routing.hosts() {
//!     let ips = resolver.lookup_ip(&mx.host, smtping_client::net::dns::IpFamilies::Both).await;
//!     println!("{} {} -> {:?}", mx.preference, mx.host, ips.addresses());
//! }
//! # Ok(()) }
//! ```

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::Read;
use std::net::IpAddr;
#[cfg(feature = "tokio")]
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use smtping_proto::dns::{
    Answer, DnsError, Lookup, MxResolution, RecordType, ResolverConfig, Txt, reverse_name,
};

#[cfg(feature = "tokio")]
pub use crate::runtime::tokio::{TokioDns, drive};
pub use crate::runtime::{DnsTransport, LookupOutcome};

/// Where the system resolver configuration is read from.
pub const RESOLV_CONF: &str = "/etc/resolv.conf";

/// Largest `resolv.conf` read; the rest is ignored.
const MAX_RESOLV_CONF: u64 = 64 * 1024;

/// A stub resolver over a [`DnsTransport`] (tokio by default).
///
/// Each lookup is an independent [`Lookup`] with a fresh random seed (query ids, rotation)
/// and its own sockets; lookups can run concurrently.
#[cfg(feature = "tokio")]
#[derive(Clone, Debug)]
pub struct Resolver<T: DnsTransport = TokioDns> {
    config: ResolverConfig,
    transport: T,
}

/// A stub resolver over a [`DnsTransport`].
#[cfg(not(feature = "tokio"))]
#[derive(Clone, Debug)]
pub struct Resolver<T: DnsTransport> {
    config: ResolverConfig,
    transport: T,
}

/// Which address families [`Resolver::lookup_ip`] asks for (`-4`, `-6`).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IpFamilies {
    /// A and AAAA, concurrently.
    #[default]
    Both,
    /// A only.
    V4Only,
    /// AAAA only.
    V6Only,
}

/// The addresses of a host, per family, so a report can say "no AAAA".
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct IpLookup {
    /// The host as given.
    pub host: String,
    /// The host was an IP literal: no DNS query was made.
    pub literal: Option<IpAddr>,
    /// The A lookup (`None` when not asked).
    pub v4: Option<Result<Answer, DnsError>>,
    /// The AAAA lookup (`None` when not asked).
    pub v6: Option<Result<Answer, DnsError>>,
    /// Wall time for both lookups (they run concurrently).
    pub elapsed: Duration,
}

impl IpLookup {
    /// IPv4 addresses found.
    #[must_use]
    pub fn ipv4(&self) -> Vec<IpAddr> {
        addrs(self.v4.as_ref())
    }

    /// IPv6 addresses found.
    #[must_use]
    pub fn ipv6(&self) -> Vec<IpAddr> {
        addrs(self.v6.as_ref())
    }

    /// All addresses, IPv6 and IPv4 interleaved starting with IPv6 (RFC 8305 §4); the
    /// literal alone for an IP literal.
    #[must_use]
    pub fn addresses(&self) -> Vec<IpAddr> {
        if let Some(ip) = self.literal {
            return vec![ip];
        }
        let (v6, v4) = (self.ipv6(), self.ipv4());
        let mut out = Vec::with_capacity(v6.len() + v4.len());
        let mut v6 = v6.into_iter();
        let mut v4 = v4.into_iter();
        loop {
            match (v6.next(), v4.next()) {
                (None, None) => break,
                (a, b) => out.extend(a.into_iter().chain(b)),
            }
        }
        out
    }

    /// Why there is no address, when there is none: NXDOMAIN first (the host does not
    /// exist), then a failure (SERVFAIL, timeout, … — the truth is unknown), then no
    /// data. `None` when some address was found.
    #[must_use]
    pub fn error(&self) -> Option<&DnsError> {
        if self.literal.is_some() || !self.addresses().is_empty() {
            return None;
        }
        let errors: Vec<&DnsError> = [self.v4.as_ref(), self.v6.as_ref()]
            .into_iter()
            .flatten()
            .filter_map(|r| r.as_ref().err())
            .collect();
        errors
            .iter()
            .find(|e| matches!(e, DnsError::NxDomain { .. }))
            .or_else(|| errors.iter().find(|e| !e.is_definitive()))
            .or_else(|| errors.first())
            .copied()
    }

    /// The addresses, or the error of [`error`](Self::error).
    pub fn into_result(self) -> Result<Vec<IpAddr>, DnsError> {
        match self.error() {
            Some(e) => Err(e.clone()),
            None => Ok(self.addresses()),
        }
    }
}

fn addrs(r: Option<&Result<Answer, DnsError>>) -> Vec<IpAddr> {
    match r {
        Some(Ok(a)) => a.ip_addrs().collect(),
        _ => Vec::new(),
    }
}

/// The system resolver configuration: [`RESOLV_CONF`], or `127.0.0.1:53` when it is
/// missing or unreadable (as glibc does), with a note in `notes`.
#[must_use]
pub fn system_config() -> ResolverConfig {
    resolv_conf_at(RESOLV_CONF)
}

/// Like [`system_config`], reading another file (first 64 KiB).
#[must_use]
pub fn resolv_conf_at(path: impl AsRef<Path>) -> ResolverConfig {
    let path = path.as_ref();
    let read = std::fs::File::open(path).and_then(|f| {
        let mut text = String::new();
        f.take(MAX_RESOLV_CONF).read_to_string(&mut text)?;
        Ok(text)
    });
    match read {
        Ok(text) => ResolverConfig::from_resolv_conf(&text),
        Err(e) => {
            let mut config = ResolverConfig::default();
            config.notes.push(format!(
                "cannot read {}: {e}; using 127.0.0.1:53 (as glibc does)",
                path.display()
            ));
            config
        }
    }
}

#[cfg(feature = "tokio")]
impl Resolver<TokioDns> {
    /// A tokio resolver with this configuration.
    #[must_use]
    pub fn new(config: ResolverConfig) -> Self {
        Self::with_transport(config, TokioDns)
    }

    /// A tokio resolver asking these servers with default options (`--resolver`).
    #[must_use]
    pub fn with_servers(servers: impl IntoIterator<Item = SocketAddr>) -> Self {
        Self::new(ResolverConfig::new(servers))
    }

    /// The system resolver on tokio; see [`system_config`].
    #[must_use]
    pub fn from_system() -> Self {
        Self::new(system_config())
    }

    /// A tokio resolver configured from another `resolv.conf` file.
    #[must_use]
    pub fn from_resolv_conf_path(path: impl AsRef<Path>) -> Self {
        Self::new(resolv_conf_at(path))
    }
}

impl<T: DnsTransport> Resolver<T> {
    /// A resolver with this configuration over `transport`.
    #[must_use]
    pub fn with_transport(config: ResolverConfig, transport: T) -> Self {
        Self { config, transport }
    }

    /// The configuration in use.
    #[must_use]
    pub fn config(&self) -> &ResolverConfig {
        &self.config
    }

    /// The transport lookups run over.
    pub(crate) fn transport(&self) -> &T {
        &self.transport
    }

    /// What reading the configuration skipped or assumed.
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.config.notes
    }

    /// Runs one lookup and returns the result with its timing and counters.
    pub async fn query(&self, name: &str, record_type: RecordType) -> LookupOutcome {
        let lookup = Lookup::new(
            name,
            record_type,
            &self.config,
            self.transport.now(),
            fresh_seed(),
        );
        self.transport.drive(lookup).await
    }

    /// Looks up `name`/`record_type`.
    pub async fn lookup(&self, name: &str, record_type: RecordType) -> Result<Answer, DnsError> {
        self.query(name, record_type).await.result
    }

    /// The addresses of `host` (A and AAAA concurrently, or one family). An IP literal
    /// (`192.0.2.1`, `2001:db8::1`, `[2001:db8::1]`) is returned without a query.
    pub async fn lookup_ip(&self, host: &str, families: IpFamilies) -> IpLookup {
        let started = Instant::now();
        let literal = host
            .trim()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .ok();
        let (v4, v6) = if literal.is_some() {
            (None, None)
        } else {
            match families {
                IpFamilies::V4Only => (Some(self.lookup(host, RecordType::A).await), None),
                IpFamilies::V6Only => (None, Some(self.lookup(host, RecordType::Aaaa).await)),
                IpFamilies::Both => {
                    let (a, aaaa) = self
                        .transport
                        .join(
                            self.lookup(host, RecordType::A),
                            self.lookup(host, RecordType::Aaaa),
                        )
                        .await;
                    (Some(a), Some(aaaa))
                }
            }
        };
        IpLookup {
            host: host.to_owned(),
            literal,
            v4,
            v6,
            elapsed: started.elapsed(),
        }
    }

    /// Mail routing for `domain`: MX hosts by preference (equal preferences keep the
    /// order received), null MX, or the implicit MX when the domain has no MX records.
    /// Errors (NXDOMAIN, SERVFAIL, timeout, …) are returned, never turned into the
    /// implicit MX.
    pub async fn lookup_mx(&self, domain: &str) -> Result<MxResolution, DnsError> {
        let result = self.lookup(domain, RecordType::Mx).await;
        MxResolution::from_lookup(&result, None)
    }

    /// The PTR names of `ip` (IPv4-mapped IPv6 is looked up as IPv4).
    pub async fn lookup_ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let answer = self.lookup(&reverse_name(ip), RecordType::Ptr).await?;
        Ok(answer.ptr().map(str::to_owned).collect())
    }

    /// The TXT records of `name`.
    pub async fn lookup_txt(&self, name: &str) -> Result<Vec<Txt>, DnsError> {
        let answer = self.lookup(name, RecordType::Txt).await?;
        Ok(answer.txt().cloned().collect())
    }
}

/// An unpredictable seed for query ids: std's per-process random SipHash keys over a
/// counter and the time. Not cryptographic; DNS ids are 16 bits anyway, and the
/// connected, OS-chosen source port adds its own entropy.
fn fresh_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut h = RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}

#[cfg(all(test, feature = "tokio"))]
mod tests;
