//! The lookup state machine: one question, retries over servers and transports.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::Name;

use super::config::ResolverConfig;
use super::ede::extended_errors;
use super::error::DnsError;
use super::rng::SplitMix64;
use super::types::{Answer, Protocol, Question, RecordType};
use super::wire::{
    self, Mismatch, build_query, check_matches, display_name, extract_answer, negative_ttl,
    normalise_name, peek_header,
};

/// Hard cap on the queries one lookup sends, whatever the configuration.
pub const MAX_TRANSMISSIONS: usize = 64;

/// A query the adapter must send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it.
    pub server: SocketAddr,
    /// UDP datagram, or a TCP connection to `server`.
    pub protocol: Protocol,
    /// The DNS message. For TCP the adapter writes the 2-byte big-endian length first
    /// (RFC 1035 §4.2.2); the payload never contains that prefix.
    pub payload: Vec<u8>,
}

/// What the lookup made of a message handed to it.
#[must_use]
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// The message was for this lookup and moved it on (answer, failure, retry).
    Used,
    /// The message was dropped without effect.
    Ignored(IgnoreReason),
}

/// Why a message was ignored.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IgnoreReason {
    /// The lookup already has its result.
    Finished,
    /// Shorter than a DNS header.
    TooShort,
    /// The QR bit says it is a query, or the opcode is not QUERY.
    NotAResponse,
    /// From an address no query went to.
    UnknownSource,
    /// The id matches no outstanding query to that server (possible spoofing).
    IdMismatch,
    /// The question section is not ours (possible spoofing).
    QuestionMismatch,
    /// A TCP message while no TCP query to that server is in flight.
    NotExpected,
}

#[derive(Clone, Copy, Debug, Default)]
struct ServerState {
    /// Answered REFUSED: not asked again.
    refused: bool,
    /// Answered FORMERR to an EDNS query: asked without EDNS from then on.
    no_edns: bool,
}

#[derive(Clone, Debug)]
struct Sent {
    server_index: usize,
    server: SocketAddr,
    protocol: Protocol,
    id: u16,
    edns: bool,
    /// A response was taken (or the try failed); later copies are ignored.
    done: bool,
}

#[derive(Clone, Copy, Debug)]
struct Current {
    sent: usize,
    deadline: Instant,
}

/// Counters of one lookup.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupStats {
    /// Queries sent (UDP and TCP).
    pub transmissions: u32,
    /// Of which over TCP.
    pub tcp_transmissions: u32,
    /// Messages ignored (spoofed, late duplicates, foreign).
    pub ignored: u32,
}

/// One DNS question driven to a result, sans-IO (quinn/str0m style).
///
/// The caller moves bytes and time; the lookup decides. Drive it like this, in this
/// order, until [`result`](Self::result) is `Some`:
///
/// 1. send every [`poll_transmit`](Self::poll_transmit) (UDP datagram to `server`, or a
///    TCP connection to `server` with the 2-byte length prefix added);
/// 2. wait for a datagram, a TCP message (prefix stripped) or the instant of
///    [`poll_timeout`](Self::poll_timeout);
/// 3. pass what happened in with [`handle_udp`](Self::handle_udp),
///    [`handle_tcp`](Self::handle_tcp), [`handle_transport_error`](Self::handle_transport_error)
///    or [`handle_timeout`](Self::handle_timeout), with the current time.
///
/// Behaviour (resolv.conf semantics, bounded):
/// - up to `attempts` rounds over the servers (rotated by the seed with `rotate`), each
///   try waiting `timeout`; answers to earlier tries are still accepted while waiting;
/// - TC=1 over UDP → the same server again over TCP (does not use up a try);
/// - SERVFAIL, an unknown rcode, a malformed answer or a transport error → the next
///   server at once; REFUSED → the next server, and that one is not asked again;
///   FORMERR to an EDNS query → the same server again without EDNS (once);
/// - NOERROR and NXDOMAIN are final;
/// - after the last try: the last failure response if there was one, else
///   [`DnsError::Timeout`];
/// - UDP responses must come from the server asked, carry the id of a query sent to it
///   and repeat the question (name case-insensitively, type, class IN); others are
///   ignored as possible spoofing. Over TCP a mismatch fails that try (the stream is
///   dedicated, so nothing better will follow).
///
/// Query ids come from `seed` (SplitMix64): the same inputs give the same bytes.
/// Give each lookup a fresh unpredictable seed in production.
///
/// An invalid name or an empty server list does not panic or return early: the lookup
/// starts finished, with the error as its result, so a driver has a single path.
#[derive(Debug)]
pub struct Lookup {
    question: Question,
    qname: Name,
    record_type: RecordType,
    servers: Vec<SocketAddr>,
    state: Vec<ServerState>,
    attempts: u8,
    timeout: Duration,
    edns_payload: Option<u16>,
    request_ad: bool,
    use_tcp: bool,
    rng: SplitMix64,
    started: Instant,
    round: u8,
    next_server: usize,
    sent: Vec<Sent>,
    current: Option<Current>,
    pending: Option<Transmit>,
    last_failure: Option<DnsError>,
    result: Option<Result<Answer, DnsError>>,
    finished_at: Option<Instant>,
    stats: LookupStats,
}

impl Lookup {
    /// Starts a lookup of `name`/`record_type`; the first query is ready in
    /// [`poll_transmit`](Self::poll_transmit).
    ///
    /// `name` is treated as fully qualified (a trailing dot is optional; IDNs are
    /// converted to punycode). `seed` makes query ids and rotation deterministic.
    #[must_use]
    pub fn new(
        name: &str,
        record_type: RecordType,
        config: &ResolverConfig,
        now: Instant,
        seed: u64,
    ) -> Self {
        let mut rng = SplitMix64::new(seed);
        let mut servers = config.effective_nameservers().to_vec();
        if config.rotate && servers.len() > 1 {
            let len = servers.len() as u64;
            let start = usize::try_from(rng.next_u64() % len).unwrap_or(0);
            servers.rotate_left(start);
        }
        let normalised = normalise_name(name);
        let (qname, display) = match &normalised {
            Ok((n, d)) => (n.clone(), d.clone()),
            Err(_) => (Name::root(), wire::echo(name)),
        };
        let mut lookup = Self {
            question: wire::question(&display, record_type),
            qname,
            record_type,
            state: vec![ServerState::default(); servers.len()],
            servers,
            attempts: config.effective_attempts(),
            timeout: config.effective_timeout(),
            edns_payload: config.edns_payload,
            request_ad: config.request_authentic_data,
            use_tcp: config.use_tcp,
            rng,
            started: now,
            round: 0,
            next_server: 0,
            sent: Vec::new(),
            current: None,
            pending: None,
            last_failure: None,
            result: None,
            finished_at: None,
            stats: LookupStats::default(),
        };
        if let Err(reason) = normalised {
            let err = DnsError::InvalidName {
                name: wire::echo(name),
                record_type,
                reason,
            };
            lookup.finish(Err(err), now);
        } else if lookup.servers.is_empty() {
            let err = DnsError::NoNameservers {
                question: lookup.question.clone(),
            };
            lookup.finish(Err(err), now);
        } else {
            lookup.start_next(now);
        }
        lookup
    }

    /// The question (name normalised: ASCII, no trailing dot).
    #[must_use]
    pub fn question(&self) -> &Question {
        &self.question
    }

    /// The servers in the order this lookup tries them (after `rotate`).
    #[must_use]
    pub fn servers(&self) -> &[SocketAddr] {
        &self.servers
    }

    /// The next query to send, if any. Call until `None` after every `handle_*` and
    /// after [`new`](Self::new).
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.pending.take()
    }

    /// When to call [`handle_timeout`](Self::handle_timeout) next; `None` once finished.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.result.is_some() {
            return None;
        }
        self.current.map(|c| c.deadline)
    }

    /// Passes in the time; the current try fails when its deadline has passed. Calling it
    /// early is harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.result.is_some() {
            return;
        }
        if let Some(c) = self.current
            && now >= c.deadline
        {
            if let Some(s) = self.sent.get_mut(c.sent) {
                // Still accept a late UDP answer to this try; a TCP stream is abandoned.
                s.done = s.protocol == Protocol::Tcp;
            }
            self.current = None;
            self.start_next(now);
        }
    }

    /// Passes in a UDP datagram received from `from`.
    pub fn handle_udp(&mut self, from: SocketAddr, datagram: &[u8], now: Instant) -> Received {
        if self.result.is_some() {
            return self.ignore(IgnoreReason::Finished);
        }
        let Some((id, is_response)) = peek_header(datagram) else {
            return self.ignore(IgnoreReason::TooShort);
        };
        if !is_response {
            return self.ignore(IgnoreReason::NotAResponse);
        }
        let found = self.sent.iter().position(|s| {
            s.protocol == Protocol::Udp && !s.done && s.id == id && same_endpoint(s.server, from)
        });
        let Some(index) = found else {
            let known = self.sent.iter().any(|s| same_endpoint(s.server, from));
            return self.ignore(if known {
                IgnoreReason::IdMismatch
            } else {
                IgnoreReason::UnknownSource
            });
        };
        let msg = match Message::from_vec(datagram) {
            Ok(m) => m,
            Err(e) => {
                self.sent[index].done = true;
                let err = self.malformed(index, format!("undecodable response: {e}"));
                self.fail(index, err, now);
                return Received::Used;
            }
        };
        match check_matches(&msg, &self.qname, self.record_type) {
            Ok(()) => {}
            Err(Mismatch::NotAResponse | Mismatch::Opcode) => {
                return self.ignore(IgnoreReason::NotAResponse);
            }
            Err(Mismatch::Question) => return self.ignore(IgnoreReason::QuestionMismatch),
        }
        self.sent[index].done = true;
        self.process(index, &msg, now);
        Received::Used
    }

    /// Passes in one DNS message read from the TCP connection to `from`, without its
    /// 2-byte length prefix.
    pub fn handle_tcp(&mut self, from: SocketAddr, message: &[u8], now: Instant) -> Received {
        if self.result.is_some() {
            return self.ignore(IgnoreReason::Finished);
        }
        let Some(index) = self.current_matching(from, Protocol::Tcp) else {
            return self.ignore(IgnoreReason::NotExpected);
        };
        self.sent[index].done = true;
        let failure = match peek_header(message) {
            None => Some("response shorter than a DNS header".to_owned()),
            Some((id, _)) if id != self.sent[index].id => {
                Some(format!("response id {id} does not match the query"))
            }
            Some(_) => None,
        };
        let msg = match (failure, Message::from_vec(message)) {
            (Some(reason), _) => Err(reason),
            (None, Err(e)) => Err(format!("undecodable response: {e}")),
            (None, Ok(msg)) => match check_matches(&msg, &self.qname, self.record_type) {
                Ok(()) => Ok(msg),
                Err(_) => Err("the response answers another question".to_owned()),
            },
        };
        match msg {
            Ok(msg) => self.process(index, &msg, now),
            Err(reason) => {
                let err = self.malformed(index, reason);
                self.fail(index, err, now);
            }
        }
        Received::Used
    }

    /// Tells the lookup that sending to, connecting to or reading from `server` failed;
    /// the current try fails and the next server is asked at once.
    pub fn handle_transport_error(
        &mut self,
        server: SocketAddr,
        protocol: Protocol,
        detail: &str,
        now: Instant,
    ) -> Received {
        if self.result.is_some() {
            return self.ignore(IgnoreReason::Finished);
        }
        let Some(index) = self.current_matching(server, protocol) else {
            return self.ignore(IgnoreReason::NotExpected);
        };
        self.sent[index].done = true;
        let err = DnsError::Transport {
            question: self.question.clone(),
            server: self.sent[index].server,
            protocol,
            detail: wire::echo(detail),
        };
        self.fail(index, err, now);
        Received::Used
    }

    /// The outcome, once there is one.
    #[must_use]
    pub fn result(&self) -> Option<&Result<Answer, DnsError>> {
        self.result.as_ref()
    }

    /// True once the result is known.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.result.is_some()
    }

    /// Consumes the lookup, returning the outcome if finished.
    #[must_use]
    pub fn into_result(self) -> Option<Result<Answer, DnsError>> {
        self.result
    }

    /// Time from [`new`](Self::new) to the result, measured with the instants passed in.
    #[must_use]
    pub fn elapsed(&self) -> Option<Duration> {
        self.finished_at
            .map(|t| t.saturating_duration_since(self.started))
    }

    /// Counters so far.
    #[must_use]
    pub fn stats(&self) -> LookupStats {
        self.stats
    }

    fn ignore(&mut self, reason: IgnoreReason) -> Received {
        self.stats.ignored = self.stats.ignored.saturating_add(1);
        Received::Ignored(reason)
    }

    fn current_matching(&self, server: SocketAddr, protocol: Protocol) -> Option<usize> {
        let c = self.current?;
        let s = self.sent.get(c.sent)?;
        (s.protocol == protocol && same_endpoint(s.server, server)).then_some(c.sent)
    }

    fn is_current(&self, index: usize) -> bool {
        self.current.is_some_and(|c| c.sent == index)
    }

    fn malformed(&self, index: usize, reason: String) -> DnsError {
        DnsError::Malformed {
            question: self.question.clone(),
            server: self.sent[index].server,
            reason,
        }
    }

    fn process(&mut self, index: usize, msg: &Message, now: Instant) {
        let Sent {
            server_index,
            server,
            protocol,
            edns,
            ..
        } = self.sent[index].clone();
        if msg.metadata.truncation && protocol == Protocol::Udp {
            if self.is_current(index) {
                self.send(server_index, Protocol::Tcp, edns, now);
            }
            return;
        }
        let question = self.question.clone();
        let authentic_data = msg.metadata.authentic_data;
        let extended_errors = extended_errors(msg);
        match msg.metadata.response_code {
            ResponseCode::NoError => match extract_answer(msg, &self.qname, self.record_type) {
                Ok(x) if !x.records.is_empty() => {
                    let answer = Answer {
                        question,
                        server,
                        protocol,
                        rcode: 0,
                        authentic_data,
                        canonical_name: display_name(&x.canonical),
                        cname_chain: x.chain,
                        records: x.records,
                        extended_errors,
                    };
                    self.finish(Ok(answer), now);
                }
                Ok(x) => {
                    let err = DnsError::NoData {
                        question,
                        server,
                        authentic_data,
                        negative_ttl: negative_ttl(msg),
                        canonical_name: display_name(&x.canonical),
                        extended_errors,
                    };
                    self.finish(Err(err), now);
                }
                Err(reason) => {
                    let err = self.malformed(index, reason);
                    self.fail(index, err, now);
                }
            },
            ResponseCode::NXDomain => {
                let err = DnsError::NxDomain {
                    question,
                    server,
                    authentic_data,
                    negative_ttl: negative_ttl(msg),
                    extended_errors,
                };
                self.finish(Err(err), now);
            }
            ResponseCode::ServFail => {
                let err = DnsError::ServFail {
                    question,
                    server,
                    extended_errors,
                };
                self.fail(index, err, now)
            }
            ResponseCode::Refused => {
                self.state[server_index].refused = true;
                let err = DnsError::Refused {
                    question,
                    server,
                    extended_errors,
                };
                self.fail(index, err, now);
            }
            ResponseCode::FormErr if edns && !self.state[server_index].no_edns => {
                self.state[server_index].no_edns = true;
                if self.is_current(index) {
                    self.send(server_index, protocol, false, now);
                } else {
                    self.last_failure = Some(DnsError::ServerError {
                        question,
                        server,
                        rcode: 1,
                    });
                }
            }
            other => {
                let err = DnsError::ServerError {
                    question,
                    server,
                    rcode: u16::from(other),
                };
                self.fail(index, err, now);
            }
        }
    }

    /// Records a failed try; if it was the current one, moves to the next at once.
    fn fail(&mut self, index: usize, err: DnsError, now: Instant) {
        self.last_failure = Some(err);
        if self.is_current(index) {
            self.current = None;
            self.start_next(now);
        }
    }

    fn start_next(&mut self, now: Instant) {
        loop {
            if self.sent.len() >= MAX_TRANSMISSIONS || self.round >= self.attempts {
                return self.give_up(now);
            }
            if self.next_server >= self.servers.len() {
                self.round = self.round.saturating_add(1);
                self.next_server = 0;
                continue;
            }
            let index = self.next_server;
            self.next_server += 1;
            if self.state[index].refused {
                continue;
            }
            let protocol = if self.use_tcp {
                Protocol::Tcp
            } else {
                Protocol::Udp
            };
            let edns = self.edns_payload.is_some() && !self.state[index].no_edns;
            return self.send(index, protocol, edns, now);
        }
    }

    fn send(&mut self, server_index: usize, protocol: Protocol, edns: bool, now: Instant) {
        if self.sent.len() >= MAX_TRANSMISSIONS {
            return self.give_up(now);
        }
        let id = (self.rng.next_u64() >> 48) as u16;
        let payload = match build_query(
            id,
            &self.qname,
            self.record_type,
            if edns { self.edns_payload } else { None },
            self.request_ad,
        ) {
            Ok(p) => p,
            Err(reason) => {
                let err = DnsError::InvalidName {
                    name: self.question.name.clone(),
                    record_type: self.record_type,
                    reason,
                };
                return self.finish(Err(err), now);
            }
        };
        let server = self.servers[server_index];
        self.sent.push(Sent {
            server_index,
            server,
            protocol,
            id,
            edns,
            done: false,
        });
        self.current = Some(Current {
            sent: self.sent.len() - 1,
            deadline: now.checked_add(self.timeout).unwrap_or(now),
        });
        self.stats.transmissions = self.stats.transmissions.saturating_add(1);
        if protocol == Protocol::Tcp {
            self.stats.tcp_transmissions = self.stats.tcp_transmissions.saturating_add(1);
        }
        self.pending = Some(Transmit {
            server,
            protocol,
            payload,
        });
    }

    fn give_up(&mut self, now: Instant) {
        let err = self
            .last_failure
            .take()
            .unwrap_or_else(|| DnsError::Timeout {
                question: self.question.clone(),
                servers: self.servers.clone(),
                transmissions: self.stats.transmissions,
            });
        self.finish(Err(err), now);
    }

    fn finish(&mut self, result: Result<Answer, DnsError>, now: Instant) {
        self.result = Some(result);
        self.finished_at = Some(now);
        self.current = None;
        self.pending = None;
    }
}

/// Same IP (IPv4-mapped IPv6 folded) and port; flow info and scope ignored.
fn same_endpoint(a: SocketAddr, b: SocketAddr) -> bool {
    a.port() == b.port() && a.ip().to_canonical() == b.ip().to_canonical()
}
