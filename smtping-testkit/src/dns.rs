//! An in-process authoritative DNS responder on loopback, for tests.
//!
//! [`DnsResponder::start`] serves a [`Zone`] over UDP **and** TCP on the same ephemeral
//! `127.0.0.1` port. The zone holds records (A, AAAA, MX incl. null MX, TXT, PTR, TLSA,
//! CNAME) and [`Fault`]s per name, per name and type, or for every query: NXDOMAIN,
//! SERVFAIL, REFUSED, truncation over UDP (forcing TCP), silence (forcing a timeout), a
//! wrong message id, a delay, or undecodable bytes. Counters and a bounded log of the
//! queries seen let a test assert, say, that the client fell back to TCP.
//!
//! Behaviour, like a real authoritative server:
//! - CNAMEs are followed inside the zone (up to 8 links) and the chain is put in the
//!   answer;
//! - a name with no records but with records below it (an empty non-terminal) answers
//!   NOERROR with no data; a name with nothing at or below it answers NXDOMAIN;
//!   negative answers carry a synthetic SOA (minimum = [`Zone::negative_ttl`]);
//! - over UDP a response larger than the client's EDNS size (512 bytes without EDNS) is
//!   sent truncated (TC=1, no records), so large TXT sets exercise the TCP fallback;
//! - queries are answered with RA=1 and AA=1; AD=1 when [`Zone::authentic_data`] is set
//!   (or [`Zone::authentic_data_at`] for a name and the names below it);
//! - [`Fault::ServFailEde`] answers SERVFAIL with an RFC 8914 Extended DNS Error, as a
//!   validating resolver does for a bogus answer.
//!
//! The responder stops when its [`DnsResponder`] handle is dropped.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use smtping_testkit::dns::{DnsResponder, Fault, Zone};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let zone = Zone::new()
//!     .mx("example.test", 10, "mx.example.test")
//!     .a("mx.example.test", Ipv4Addr::LOCALHOST)
//!     .null_mx("nomail.example.test")
//!     .fault("broken.example.test", Fault::ServFail);
//! let dns = DnsResponder::start(zone).await?;
//! let config = dns.resolver_config(); // point a smtping_client::net::dns::Resolver at it
//! assert_eq!(config.nameservers, vec![dns.addr()]);
//! assert_eq!(dns.udp_queries(), 0);
//! # Ok::<(), smtping_testkit::dns::ResponderError>(())
//! # }).unwrap();
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hickory_proto::op::{Edns, Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{self, A, AAAA, CNAME, MX, PTR, SOA, TLSA, TXT};
use hickory_proto::rr::{Name, RData, Record as HRecord, RecordType as HType};
use smtping_proto::dns::{
    Mx, Protocol, RecordData, RecordType, ResolverConfig, Tlsa, Txt, reverse_name,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::task::{JoinHandle, JoinSet};

/// Default TTL of records added to a [`Zone`].
pub const DEFAULT_TTL: u32 = 300;

/// Longest delay a [`Fault::Delay`] may ask for (longer ones are clamped).
pub const MAX_DELAY: Duration = Duration::from_secs(30);

/// Queries kept in the log ([`DnsResponder::queries`]); later ones are only counted.
pub const MAX_LOGGED_QUERIES: usize = 1024;

const MAX_CNAME_LINKS: usize = 8;
const MAX_PENDING_DELAYED: usize = 256;
const MAX_TCP_CONNECTIONS: usize = 64;
const MAX_MESSAGES_PER_TCP_CONNECTION: usize = 32;
const TCP_IDLE: Duration = Duration::from_secs(10);
const BIND_RETRIES: usize = 16;

/// A misbehaviour to play for matching queries.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer NXDOMAIN.
    NxDomain,
    /// Answer SERVFAIL.
    ServFail,
    /// Answer REFUSED.
    Refused,
    /// Over UDP: TC=1 with no records (the client must retry over TCP); over TCP:
    /// answer normally.
    TruncateUdp,
    /// Never answer (the client times out). Over TCP the connection stays open, silent.
    Drop,
    /// Answer normally, but with the message id off by one (a spoof-like mismatch the
    /// client must ignore).
    WrongId,
    /// Answer normally after this delay (at most [`MAX_DELAY`]).
    Delay(Duration),
    /// Send bytes that do not decode as a DNS message (the right id, QR set, then junk).
    Malformed,
    /// Answer SERVFAIL with an Extended DNS Error (RFC 8914, EDNS option 15): the
    /// INFO-CODE and the EXTRA-TEXT, e.g. `ServFailEde(6, "validation failure")` for a
    /// DNSSEC-bogus answer. The option is sent only when the query had EDNS.
    ServFailEde(u16, &'static str),
}

#[derive(Clone, Debug)]
struct FaultRule {
    name: String,
    record_type: Option<RecordType>,
    fault: Fault,
}

/// The records and faults a [`DnsResponder`] serves. Built with chained methods; names
/// are checked when the responder starts.
#[derive(Clone, Debug)]
pub struct Zone {
    records: Vec<(String, u32, RecordData)>,
    faults: Vec<FaultRule>,
    default_fault: Option<Fault>,
    authentic_data: bool,
    authentic_data_at: Vec<(String, bool)>,
    ttl: u32,
    negative_ttl: u32,
}

impl Default for Zone {
    fn default() -> Self {
        Self::new()
    }
}

impl Zone {
    /// An empty zone: every name is NXDOMAIN.
    #[must_use]
    pub fn new() -> Self {
        Self {
            records: Vec::new(),
            faults: Vec::new(),
            default_fault: None,
            authentic_data: false,
            authentic_data_at: Vec::new(),
            ttl: DEFAULT_TTL,
            negative_ttl: 60,
        }
    }

    /// TTL for the records added after this call.
    #[must_use]
    pub fn ttl(mut self, ttl: u32) -> Self {
        self.ttl = ttl;
        self
    }

    /// SOA MINIMUM of negative answers (default 60).
    #[must_use]
    pub fn negative_ttl(mut self, ttl: u32) -> Self {
        self.negative_ttl = ttl;
        self
    }

    /// Set the AD bit in every response (a validating resolver vouching for the data).
    #[must_use]
    pub fn authentic_data(mut self, on: bool) -> Self {
        self.authentic_data = on;
        self
    }

    /// Sets the AD bit of responses for `name` and every name below it, overriding
    /// [`authentic_data`](Self::authentic_data) (the longest matching name wins): a
    /// signed zone with an unsigned delegation, or the reverse.
    #[must_use]
    pub fn authentic_data_at(mut self, name: &str, on: bool) -> Self {
        self.authentic_data_at.push((name.to_owned(), on));
        self
    }

    /// Adds any record.
    #[must_use]
    pub fn record(mut self, name: &str, data: RecordData) -> Self {
        self.records.push((name.to_owned(), self.ttl, data));
        self
    }

    /// Adds an A record.
    #[must_use]
    pub fn a(self, name: &str, ip: Ipv4Addr) -> Self {
        self.record(name, RecordData::A(ip))
    }

    /// Adds an AAAA record.
    #[must_use]
    pub fn aaaa(self, name: &str, ip: Ipv6Addr) -> Self {
        self.record(name, RecordData::Aaaa(ip))
    }

    /// Adds an MX record.
    #[must_use]
    pub fn mx(self, name: &str, preference: u16, exchange: &str) -> Self {
        self.record(
            name,
            RecordData::Mx(Mx {
                preference,
                exchange: exchange.to_owned(),
            }),
        )
    }

    /// Adds the RFC 7505 null MX (`0 .`).
    #[must_use]
    pub fn null_mx(self, name: &str) -> Self {
        self.mx(name, 0, ".")
    }

    /// Adds a TXT record holding `text`, split into 255-byte strings as needed.
    #[must_use]
    pub fn txt(self, name: &str, text: &str) -> Self {
        let strings = text.as_bytes().chunks(255).map(<[u8]>::to_vec).collect();
        self.record(name, RecordData::Txt(Txt { strings }))
    }

    /// Adds a PTR record for `ip` (the reverse name is built for you).
    #[must_use]
    pub fn ptr(self, ip: IpAddr, target: &str) -> Self {
        self.record(&reverse_name(ip), RecordData::Ptr(target.to_owned()))
    }

    /// Adds a TLSA record.
    #[must_use]
    pub fn tlsa(self, name: &str, usage: u8, selector: u8, matching: u8, data: &[u8]) -> Self {
        self.record(
            name,
            RecordData::Tlsa(Tlsa {
                usage,
                selector,
                matching,
                data: data.to_vec(),
            }),
        )
    }

    /// Adds a CNAME record.
    #[must_use]
    pub fn cname(self, name: &str, target: &str) -> Self {
        self.record(name, RecordData::Cname(target.to_owned()))
    }

    /// Plays `fault` for every query of `name`.
    #[must_use]
    pub fn fault(mut self, name: &str, fault: Fault) -> Self {
        self.faults.push(FaultRule {
            name: name.to_owned(),
            record_type: None,
            fault,
        });
        self
    }

    /// Plays `fault` for queries of `name` with type `record_type` only (takes
    /// precedence over [`fault`](Self::fault)).
    #[must_use]
    pub fn fault_for(mut self, name: &str, record_type: RecordType, fault: Fault) -> Self {
        self.faults.push(FaultRule {
            name: name.to_owned(),
            record_type: Some(record_type),
            fault,
        });
        self
    }

    /// Plays `fault` for every query without a more specific rule (a broken server).
    #[must_use]
    pub fn default_fault(mut self, fault: Fault) -> Self {
        self.default_fault = Some(fault);
        self
    }

    fn compile(&self) -> Result<Compiled, ResponderError> {
        let mut records = Vec::with_capacity(self.records.len());
        for (name, ttl, data) in &self.records {
            let owner = parse_name(name)?;
            let rdata = to_rdata(data)?;
            records.push((key(&owner), HRecord::from_rdata(owner, *ttl, rdata)));
        }
        let mut faults = Vec::with_capacity(self.faults.len());
        for rule in &self.faults {
            let name = key(&parse_name(&rule.name)?);
            let rtype = rule.record_type.map(|t| HType::from(t.code()));
            faults.push((name, rtype, rule.fault));
        }
        let mut authentic_data_at = Vec::with_capacity(self.authentic_data_at.len());
        for (name, on) in &self.authentic_data_at {
            authentic_data_at.push((key(&parse_name(name)?), *on));
        }
        Ok(Compiled {
            records,
            faults,
            default_fault: self.default_fault,
            authentic_data: self.authentic_data,
            authentic_data_at,
            negative_ttl: self.negative_ttl,
        })
    }
}

/// The responder could not start.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ResponderError {
    /// A zone name does not parse as a DNS name.
    #[error("test DNS zone: invalid name {name:?}: {reason}")]
    InvalidName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// Binding UDP and TCP on one port failed.
    #[error("test DNS responder: cannot bind UDP and TCP on one port of {ip}: {source}")]
    Bind {
        /// The address tried.
        ip: IpAddr,
        /// The last error.
        source: std::io::Error,
    },
}

/// One query the responder saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeenQuery {
    /// UDP or TCP.
    pub protocol: Protocol,
    /// The name asked, lower case, no trailing dot (empty when undecodable).
    pub name: String,
    /// The type asked (`"A"`, `"MX"`, … or the number).
    pub record_type: String,
}

#[derive(Debug, Default)]
struct Stats {
    udp: AtomicU64,
    tcp: AtomicU64,
    log: Mutex<Vec<SeenQuery>>,
}

impl Stats {
    fn total(&self) -> u64 {
        self.udp.load(Ordering::Relaxed) + self.tcp.load(Ordering::Relaxed)
    }

    fn record(&self, protocol: Protocol, query: Option<&Message>) {
        let counter = match protocol {
            Protocol::Tcp => &self.tcp,
            _ => &self.udp,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let (name, record_type) = match query.and_then(|m| m.queries.first()) {
            Some(q) => (key(q.name()), q.query_type().to_string()),
            None => (String::new(), String::new()),
        };
        if let Ok(mut log) = self.log.lock()
            && log.len() < MAX_LOGGED_QUERIES
        {
            log.push(SeenQuery {
                protocol,
                name,
                record_type,
            });
        }
    }
}

/// A running responder. Dropping it stops the UDP and TCP tasks.
#[derive(Debug)]
pub struct DnsResponder {
    addr: SocketAddr,
    stats: Arc<Stats>,
    tasks: Vec<JoinHandle<()>>,
}

impl DnsResponder {
    /// Starts serving `zone` on `127.0.0.1`, UDP and TCP on the same ephemeral port.
    pub async fn start(zone: Zone) -> Result<Self, ResponderError> {
        Self::start_on(zone, IpAddr::V4(Ipv4Addr::LOCALHOST)).await
    }

    /// Starts serving `zone` on `ip` (use a loopback address, e.g. `::1`).
    pub async fn start_on(zone: Zone, ip: IpAddr) -> Result<Self, ResponderError> {
        let compiled = Arc::new(zone.compile()?);
        let (udp, tcp) = bind_pair(ip).await?;
        let addr = udp
            .local_addr()
            .map_err(|source| ResponderError::Bind { ip, source })?;
        let stats = Arc::new(Stats::default());
        let udp_task = tokio::spawn(serve_udp(udp, Arc::clone(&compiled), Arc::clone(&stats)));
        let tcp_task = tokio::spawn(serve_tcp(tcp, compiled, Arc::clone(&stats)));
        Ok(Self {
            addr,
            stats,
            tasks: vec![udp_task, tcp_task],
        })
    }

    /// The address (UDP and TCP).
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A resolver configuration pointing at this responder only, with a 500 ms timeout
    /// and 2 attempts (adjust with the `with_*` methods).
    #[must_use]
    pub fn resolver_config(&self) -> ResolverConfig {
        ResolverConfig::new([self.addr]).with_timeout(Duration::from_millis(500))
    }

    /// Queries received over UDP (including dropped and undecodable ones).
    #[must_use]
    pub fn udp_queries(&self) -> u64 {
        self.stats.udp.load(Ordering::Relaxed)
    }

    /// Queries received over TCP.
    #[must_use]
    pub fn tcp_queries(&self) -> u64 {
        self.stats.tcp.load(Ordering::Relaxed)
    }

    /// The first [`MAX_LOGGED_QUERIES`] queries, in arrival order.
    #[must_use]
    pub fn queries(&self) -> Vec<SeenQuery> {
        self.stats.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Stops the responder (same as dropping it).
    pub fn stop(self) {}
}

impl Drop for DnsResponder {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

async fn bind_pair(ip: IpAddr) -> Result<(UdpSocket, TcpListener), ResponderError> {
    let mut last = std::io::Error::other("no attempt made");
    for _ in 0..BIND_RETRIES {
        let udp = UdpSocket::bind(SocketAddr::new(ip, 0))
            .await
            .map_err(|source| ResponderError::Bind { ip, source })?;
        let port = udp
            .local_addr()
            .map_err(|source| ResponderError::Bind { ip, source })?
            .port();
        match TcpListener::bind(SocketAddr::new(ip, port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = e,
        }
    }
    Err(ResponderError::Bind { ip, source: last })
}

#[derive(Debug)]
struct Compiled {
    records: Vec<(String, HRecord)>,
    faults: Vec<(String, Option<HType>, Fault)>,
    default_fault: Option<Fault>,
    authentic_data: bool,
    authentic_data_at: Vec<(String, bool)>,
    negative_ttl: u32,
}

impl Compiled {
    /// The AD bit for a query of `qname` (a key): the longest `authentic_data_at` rule
    /// at or above it, else the zone's.
    fn authentic_data_for(&self, qname: &str) -> bool {
        self.authentic_data_at
            .iter()
            .filter(|(name, _)| {
                name.is_empty() || qname == name || qname.ends_with(&format!(".{name}"))
            })
            .max_by_key(|(name, _)| name.len())
            .map_or(self.authentic_data, |(_, on)| *on)
    }
}

/// What to do with a query.
enum Action {
    Reply(Vec<u8>),
    Later(Duration, Vec<u8>),
    Silence,
}

async fn serve_udp(socket: UdpSocket, zone: Arc<Compiled>, stats: Arc<Stats>) {
    let socket = Arc::new(socket);
    let mut buf = vec![0u8; 4096];
    let mut delayed = JoinSet::new();
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        while delayed.try_join_next().is_some() {}
        match respond(&zone, &stats, &buf[..n], Protocol::Udp) {
            Action::Reply(bytes) => {
                let _ = socket.send_to(&bytes, from).await;
            }
            Action::Later(delay, bytes) if delayed.len() < MAX_PENDING_DELAYED => {
                let socket = Arc::clone(&socket);
                delayed.spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = socket.send_to(&bytes, from).await;
                });
            }
            Action::Later(..) | Action::Silence => {}
        }
    }
}

async fn serve_tcp(listener: TcpListener, zone: Arc<Compiled>, stats: Arc<Stats>) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        while connections.try_join_next().is_some() {}
        if connections.len() >= MAX_TCP_CONNECTIONS {
            continue; // drops the stream: the client sees a closed connection
        }
        connections.spawn(serve_connection(
            stream,
            Arc::clone(&zone),
            Arc::clone(&stats),
        ));
    }
}

async fn serve_connection(mut stream: TcpStream, zone: Arc<Compiled>, stats: Arc<Stats>) {
    for _ in 0..MAX_MESSAGES_PER_TCP_CONNECTION {
        let mut len = [0u8; 2];
        match tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut len)).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        match tokio::time::timeout(TCP_IDLE, stream.read_exact(&mut msg)).await {
            Ok(Ok(_)) => {}
            _ => return,
        }
        let bytes = match respond(&zone, &stats, &msg, Protocol::Tcp) {
            Action::Reply(bytes) => bytes,
            Action::Later(delay, bytes) => {
                tokio::time::sleep(delay).await;
                bytes
            }
            Action::Silence => continue,
        };
        let Ok(n) = u16::try_from(bytes.len()) else {
            return;
        };
        let mut framed = Vec::with_capacity(bytes.len() + 2);
        framed.extend_from_slice(&n.to_be_bytes());
        framed.extend_from_slice(&bytes);
        if stream.write_all(&framed).await.is_err() {
            return;
        }
    }
}

fn respond(zone: &Compiled, stats: &Stats, query: &[u8], protocol: Protocol) -> Action {
    let parsed = Message::from_vec(query).ok();
    stats.record(protocol, parsed.as_ref());
    let Some(query_msg) = parsed else {
        // Undecodable: FORMERR when there is at least a header to answer.
        return match query.get(..2) {
            Some(id) if query.len() >= 12 => {
                let id = u16::from_be_bytes([id[0], id[1]]);
                Message::error_msg(id, OpCode::Query, ResponseCode::FormErr)
                    .to_vec()
                    .map_or(Action::Silence, Action::Reply)
            }
            _ => Action::Silence,
        };
    };
    if query_msg.metadata.message_type != MessageType::Query {
        return Action::Silence;
    }
    let Some(question) = query_msg.queries.first().cloned() else {
        return reply(&query_msg, ResponseCode::FormErr, zone, protocol, |_| {});
    };
    let qname = key(question.name());
    let qtype = question.query_type();
    let fault = zone
        .faults
        .iter()
        .find(|(n, t, _)| *n == qname && *t == Some(qtype))
        .or_else(|| {
            zone.faults
                .iter()
                .find(|(n, t, _)| *n == qname && t.is_none())
        })
        .map(|(_, _, f)| *f)
        .or(zone.default_fault);
    match fault {
        Some(Fault::NxDomain) => reply(&query_msg, ResponseCode::NXDomain, zone, protocol, |_| {}),
        Some(Fault::ServFail) => reply(&query_msg, ResponseCode::ServFail, zone, protocol, |_| {}),
        Some(Fault::Refused) => reply(&query_msg, ResponseCode::Refused, zone, protocol, |_| {}),
        Some(Fault::ServFailEde(code, text)) => {
            reply(&query_msg, ResponseCode::ServFail, zone, protocol, |m| {
                if let Some(edns) = m.edns.as_mut() {
                    let mut data = code.to_be_bytes().to_vec();
                    data.extend_from_slice(text.as_bytes());
                    edns.options_mut()
                        .insert(rdata::opt::EdnsOption::Unknown(15, data));
                }
            })
        }
        Some(Fault::Drop) => Action::Silence,
        Some(Fault::Malformed) => {
            let mut junk = query.get(..12).map(<[u8]>::to_vec).unwrap_or_default();
            if let Some(flags) = junk.get_mut(2) {
                *flags |= 0x80;
            }
            if let Some(qdcount) = junk.get_mut(5) {
                *qdcount = 7;
            }
            junk.extend_from_slice(b"\xffnot a dns message");
            Action::Reply(junk)
        }
        Some(Fault::TruncateUdp) if protocol == Protocol::Udp => {
            reply(&query_msg, ResponseCode::NoError, zone, protocol, |m| {
                m.metadata.truncation = true;
            })
        }
        Some(Fault::WrongId) => answer(&query_msg, zone, protocol, |m| {
            m.metadata.id = m.metadata.id.wrapping_add(1);
        }),
        Some(Fault::Delay(d)) => match answer(&query_msg, zone, protocol, |_| {}) {
            Action::Reply(bytes) => Action::Later(d.min(MAX_DELAY), bytes),
            other => other,
        },
        _ => answer(&query_msg, zone, protocol, |_| {}),
    }
}

/// A response with the zone's data for the question.
fn answer(
    query: &Message,
    zone: &Compiled,
    protocol: Protocol,
    tweak: impl FnOnce(&mut Message),
) -> Action {
    let Some(question) = query.queries.first() else {
        return Action::Silence;
    };
    let qtype = question.query_type();
    let mut current = key(question.name());
    let mut answers: Vec<HRecord> = Vec::new();
    for _ in 0..=MAX_CNAME_LINKS {
        let matching: Vec<&HRecord> = zone
            .records
            .iter()
            .filter(|(k, r)| *k == current && r.record_type() == qtype)
            .map(|(_, r)| r)
            .collect();
        if !matching.is_empty() {
            answers.extend(matching.into_iter().cloned());
            break;
        }
        let alias = zone.records.iter().find_map(|(k, r)| match &r.data {
            RData::CNAME(target) if *k == current && qtype != HType::CNAME => {
                Some((r.clone(), key(&target.0)))
            }
            _ => None,
        });
        match alias {
            Some((record, next)) => {
                answers.push(record);
                current = next;
            }
            None => break,
        }
    }
    let exists = !answers.is_empty()
        || zone.records.iter().any(|(k, _)| {
            *k == current || k.ends_with(&format!(".{current}")) || current.is_empty()
        });
    let rcode = if exists {
        ResponseCode::NoError
    } else {
        ResponseCode::NXDomain
    };
    reply(query, rcode, zone, protocol, move |m| {
        m.insert_answers(answers);
        tweak(m);
    })
}

/// Builds, encodes and (over UDP) size-limits a response.
fn reply(
    query: &Message,
    rcode: ResponseCode,
    zone: &Compiled,
    protocol: Protocol,
    fill: impl FnOnce(&mut Message),
) -> Action {
    let mut m = Message::response(query.metadata.id, OpCode::Query);
    m.metadata.recursion_desired = query.metadata.recursion_desired;
    m.metadata.recursion_available = true;
    m.metadata.authoritative = true;
    m.metadata.authentic_data = query.queries.first().map_or(zone.authentic_data, |q| {
        zone.authentic_data_for(&key(q.name()))
    });
    m.metadata.response_code = rcode;
    m.add_queries(query.queries.iter().cloned());
    let limit = match &query.edns {
        Some(edns) => {
            let mut e = Edns::new();
            e.set_max_payload(1232);
            m.set_edns(e);
            usize::from(edns.max_payload().max(512))
        }
        None => 512,
    };
    fill(&mut m);
    if m.answers.is_empty() && matches!(rcode, ResponseCode::NoError | ResponseCode::NXDomain) {
        let soa = SOA::new(
            Name::from_ascii("ns.test.").unwrap_or_else(|_| Name::root()),
            Name::from_ascii("hostmaster.test.").unwrap_or_else(|_| Name::root()),
            1,
            3600,
            600,
            86_400,
            zone.negative_ttl,
        );
        m.add_authority(HRecord::from_rdata(
            Name::root(),
            zone.negative_ttl,
            RData::SOA(soa),
        ));
    }
    let Ok(bytes) = m.to_vec() else {
        return Action::Silence;
    };
    if protocol == Protocol::Udp && bytes.len() > limit {
        // `truncate` keeps the header (id, tweaks) and the question, drops the records.
        return m.truncate().to_vec().map_or(Action::Silence, Action::Reply);
    }
    Action::Reply(bytes)
}

/// Lower-case ASCII key of a name, no trailing dot (the root is empty).
fn key(name: &Name) -> String {
    let mut s = name.to_lowercase().to_ascii();
    if s.ends_with('.') {
        s.pop();
    }
    s
}

fn parse_name(name: &str) -> Result<Name, ResponderError> {
    let invalid = |reason: String| ResponderError::InvalidName {
        name: name.chars().take(300).collect(),
        reason,
    };
    if name.trim() == "." {
        return Ok(Name::root());
    }
    // Any printable bytes make a label (the RFC 7208 suite serves `foo:bar/baz.example.com`
    // and names with spaces), as on the wire.
    let mut parsed = match Name::from_str_relaxed(name.trim()) {
        Ok(n) => n,
        Err(e) => Name::from_labels(
            name.trim()
                .trim_end_matches('.')
                .split('.')
                .map(str::as_bytes),
        )
        .map_err(|_| invalid(e.to_string()))?,
    };
    if parsed.is_root() || name.trim().is_empty() {
        return Err(invalid("empty name".into()));
    }
    parsed.set_fqdn(true);
    Ok(parsed)
}

fn to_rdata(data: &RecordData) -> Result<RData, ResponderError> {
    Ok(match data {
        RecordData::A(ip) => RData::A(A(*ip)),
        RecordData::Aaaa(ip) => RData::AAAA(AAAA(*ip)),
        RecordData::Mx(mx) => RData::MX(MX::new(mx.preference, parse_name(&mx.exchange)?)),
        RecordData::Txt(t) => RData::TXT(TXT::from_bytes(
            t.strings.iter().map(Vec::as_slice).collect(),
        )),
        RecordData::Ptr(target) => RData::PTR(PTR(parse_name(target)?)),
        RecordData::Tlsa(t) => RData::TLSA(TLSA::new(
            rdata::tlsa::CertUsage::from(t.usage),
            rdata::tlsa::Selector::from(t.selector),
            rdata::tlsa::Matching::from(t.matching),
            t.data.clone(),
        )),
        RecordData::Cname(target) => RData::CNAME(CNAME(parse_name(target)?)),
        other => {
            return Err(ResponderError::InvalidName {
                name: format!("{:?}", other.record_type()),
                reason: "record type not supported by the test responder".into(),
            });
        }
    })
}

mod memory;
pub use memory::MemoryDns;

#[cfg(test)]
mod tests;
