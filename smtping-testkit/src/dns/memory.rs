//! The responder without sockets: a [`Zone`] answered through the real sans-IO DNS core
//! in simulated time, for `Pair`-style tests of the DNS evaluators (SPF, DKIM, DMARC,
//! PTR, DNSBL).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use smtping_proto::dns::{
    Answer, DnsError, Lookup, MAX_TRANSMISSIONS, Protocol, Question, ResolverConfig,
};

use super::{Action, Compiled, ResponderError, SeenQuery, Stats, Zone, respond};

/// The address the simulated server answers from (TEST-NET-1, never contacted).
const SIMULATED_SERVER: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 53)), 53);

/// A [`Zone`] answered in memory: every [`resolve`](Self::resolve) builds a
/// [`Lookup`] (the same core the runtimes drive), hands its datagrams to the
/// responder's answering code and advances a simulated clock, so faults behave as on
/// the wire — [`Fault::Drop`](super::Fault::Drop) ends in a timeout after the
/// configured attempts, [`Fault::TruncateUdp`](super::Fault::TruncateUdp) falls back to
/// TCP, [`Fault::Delay`](super::Fault::Delay) costs simulated time only.
///
/// ```
/// use std::net::Ipv4Addr;
/// use smtping_proto::dns::{Question, RecordType};
/// use smtping_testkit::dns::{Fault, MemoryDns, Zone};
///
/// let dns = MemoryDns::new(
///     Zone::new()
///         .txt("example.test", "v=spf1 -all")
///         .a("mx.example.test", Ipv4Addr::new(192, 0, 2, 25))
///         .fault("slow.example.test", Fault::Drop),
/// )?;
/// let txt = dns.resolve(&Question { name: "example.test".into(), record_type: RecordType::Txt });
/// assert_eq!(txt.unwrap().txt().next().unwrap().to_string_lossy(), "v=spf1 -all");
/// let lost = dns.resolve(&Question { name: "slow.example.test".into(), record_type: RecordType::A });
/// assert!(lost.is_err());
/// assert_eq!(dns.queries().len(), 1 + 2); // one for the TXT, two attempts for the timeout
/// # Ok::<(), smtping_testkit::dns::ResponderError>(())
/// ```
#[derive(Clone, Debug)]
pub struct MemoryDns {
    zone: Arc<Compiled>,
    stats: Arc<Stats>,
    config: ResolverConfig,
}

impl MemoryDns {
    /// Compiles `zone`; fails on a name that cannot be served, like
    /// [`DnsResponder::start`](super::DnsResponder::start).
    pub fn new(zone: Zone) -> Result<Self, ResponderError> {
        Ok(Self {
            zone: Arc::new(zone.compile()?),
            stats: Arc::new(Stats::default()),
            config: ResolverConfig::new([SIMULATED_SERVER])
                .with_timeout(Duration::from_millis(500))
                .with_attempts(2),
        })
    }

    /// Replaces the resolver configuration the lookups use (timeout, attempts, EDNS);
    /// its nameservers are ignored: every query goes to the zone.
    #[must_use]
    pub fn with_config(mut self, config: ResolverConfig) -> Self {
        self.config = config;
        self.config.nameservers = vec![SIMULATED_SERVER];
        self
    }

    /// Answers `question` from the zone through a real [`Lookup`].
    pub fn resolve(&self, question: &Question) -> Result<Answer, DnsError> {
        let t0 = Instant::now();
        let mut now = t0;
        let seed = self.stats.total().wrapping_add(0x5eed);
        let mut lookup = Lookup::new(
            &question.name,
            question.record_type,
            &self.config,
            now,
            seed,
        );
        for _ in 0..=MAX_TRANSMISSIONS * 2 {
            if let Some(result) = lookup.result() {
                return result.clone();
            }
            match lookup.poll_transmit() {
                Some(tx) => {
                    let action = respond(&self.zone, &self.stats, &tx.payload, tx.protocol);
                    let (delay, bytes) = match action {
                        Action::Reply(bytes) => (Duration::ZERO, Some(bytes)),
                        Action::Later(delay, bytes) => (delay, Some(bytes)),
                        Action::Silence => (Duration::MAX, None),
                    };
                    let deadline = lookup.poll_timeout();
                    let arrives = now.checked_add(delay);
                    match (bytes, arrives) {
                        (Some(bytes), Some(at)) if deadline.is_none_or(|d| at < d) => {
                            now = at;
                            let _ = match tx.protocol {
                                Protocol::Tcp => lookup.handle_tcp(tx.server, &bytes, now),
                                _ => lookup.handle_udp(tx.server, &bytes, now),
                            };
                        }
                        _ => {
                            if let Some(d) = deadline {
                                now = now.max(d);
                            }
                        }
                    }
                }
                None => {
                    if let Some(d) = lookup.poll_timeout() {
                        now = now.max(d);
                    }
                }
            }
            lookup.handle_timeout(now);
        }
        lookup.result().cloned().unwrap_or_else(|| {
            Err(DnsError::Timeout {
                question: question.clone(),
                servers: vec![SIMULATED_SERVER],
                transmissions: u32::try_from(MAX_TRANSMISSIONS).unwrap_or(u32::MAX),
            })
        })
    }

    /// The first [`MAX_LOGGED_QUERIES`](super::MAX_LOGGED_QUERIES) queries the zone
    /// received, in order.
    #[must_use]
    pub fn queries(&self) -> Vec<SeenQuery> {
        self.stats.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}
