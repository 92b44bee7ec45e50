//! [`Pair`]: a client [`Session`] of `smtping-proto` against a [`ServerSession`], in
//! simulated time, with no sockets (the quinn-proto way of testing a protocol).
//!
//! Both sides are sans-IO, so the pair just hands one side's bytes to the other and, when
//! both wait, moves a virtual clock to the earliest deadline. A 30-second silence costs
//! nothing; a greeting trickled one byte per second is as fast as any other. TLS is
//! simulated: when both sides ask for the handshake they are told it succeeded (with the
//! version and verification verdict of [`SimulatedTls`]) or failed. When only the client
//! asks, the server receives a few ClientHello-like bytes, and whatever it answers is
//! "not valid TLS" for the client — which is what happens on a real socket.
//!
//! Every run is bounded: at most [`max_steps`](Pair::max_steps) exchanges and
//! [`max_duration`](Pair::max_duration) of simulated time, or it returns a
//! [`PairError`] instead of looping.
//!
//! ```
//! use std::time::Duration;
//! use smtping_proto::session::{DeliveryStatus, Envelope, Message, Plan};
//! use smtping_proto::{Address, Domain};
//! use smtping_testkit::pair::Pair;
//! use smtping_testkit::server::{Behaviour, TestServer};
//!
//! let plan = Plan::new(Domain::ehlo_name("client.test")?)
//!     .envelope(Envelope::new(Address::new("a@client.test")?, vec![Address::new("b@mx.test")?]))
//!     .message(Message::Raw(b"Subject: hi\r\n\r\nHello\r\n".to_vec()));
//! // The server thinks for 20 seconds before accepting the message.
//! let server = TestServer::builder()
//!     .on(smtping_testkit::ServerStage::DataEnd, Behaviour::delay(Duration::from_secs(20)));
//! let run = Pair::new(plan, server.plan()?).run()?;
//! assert_eq!(run.outcome.delivery.status, DeliveryStatus::Accepted);
//! assert_eq!(run.server.transactions[0].message.as_ref().unwrap().text(), "Subject: hi\r\n\r\nHello\r\n");
//! assert!(run.elapsed >= Duration::from_secs(20)); // simulated: the test took milliseconds
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::time::{Duration, Instant};

use smtping_proto::session::{Event, Outcome, Output, Plan, Session, TlsEstablished};

use crate::server::{ReceivedSession, ReceivedTls, ServerPlan, SessionEnd};
use crate::session::{ServerOutput, ServerSession};

/// Default [`Pair::max_steps`].
pub const DEFAULT_MAX_STEPS: usize = 100_000;
/// Default [`Pair::max_duration`] (simulated time).
pub const DEFAULT_MAX_DURATION: Duration = Duration::from_secs(3600);
/// Most bytes kept per direction when [`Pair::capture`] is on.
pub const MAX_CAPTURED_BYTES: usize = 1 << 20;
/// Outputs taken from one side before the pair lets the other act (a bound on every
/// inner loop).
const MAX_DRAIN: usize = 4096;
/// What the server reads when the client starts a TLS handshake the server did not ask
/// for: the start of a TLS record holding a ClientHello.
const CLIENT_HELLO: &[u8] = b"\x16\x03\x01\x00\x2a\x01\x00\x00\x26\x03\x03simulated-client-hello";

/// How the simulated TLS handshake ends.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SimulatedTls {
    /// Both sides are told the handshake succeeded.
    Established {
        /// The version both sides report, e.g. `"TLSv1.3"`.
        version: String,
        /// What the client is told about the certificate chain.
        verified: bool,
    },
    /// Both sides are told it failed, with this reason.
    Fail(String),
}

impl Default for SimulatedTls {
    /// `Established { version: "TLSv1.3", verified: true }`.
    fn default() -> Self {
        Self::Established {
            version: "TLSv1.3".into(),
            verified: true,
        }
    }
}

/// A client session and a server session wired together in simulated time.
///
/// See the [module docs](self) for an example.
#[derive(Debug)]
#[must_use = "a Pair does nothing until run() is called"]
pub struct Pair {
    plan: Plan,
    server: ServerPlan,
    start: Instant,
    tls: SimulatedTls,
    max_steps: usize,
    max_duration: Duration,
    capture: bool,
}

/// What a [`Pair`] run produced.
#[non_exhaustive]
#[derive(Debug)]
pub struct PairRun {
    /// The client session's outcome.
    pub outcome: Box<Outcome>,
    /// The client session's events, in order.
    pub events: Vec<Event>,
    /// What the server recorded (its `end` says how the server side ended).
    pub server: ReceivedSession,
    /// How the server session ended.
    pub server_end: SessionEnd,
    /// Simulated time from the start to the end of both sessions.
    pub elapsed: Duration,
    /// Simulated time when the client session finished, from the start.
    pub client_elapsed: Duration,
    /// Bytes the client sent (with [`Pair::capture`]; at most [`MAX_CAPTURED_BYTES`]).
    pub client_bytes: Vec<u8>,
    /// Bytes the server sent (with [`Pair::capture`]; at most [`MAX_CAPTURED_BYTES`]).
    pub server_bytes: Vec<u8>,
    /// Exchanges the run took.
    pub steps: usize,
}

/// A [`Pair`] run that did not finish.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairError {
    /// More than [`Pair::max_steps`] exchanges.
    #[error("the pair did not finish within {steps} steps")]
    TooManySteps {
        /// The limit.
        steps: usize,
    },
    /// The next deadline is past [`Pair::max_duration`].
    #[error("the pair did not finish within {limit:?} of simulated time")]
    TooLong {
        /// The limit.
        limit: Duration,
    },
    /// Both sides wait for each other with no deadline (a bug in one of them).
    #[error("both sides wait with no deadline after {elapsed:?}: {state}")]
    Stalled {
        /// Simulated time so far.
        elapsed: Duration,
        /// What each side was doing.
        state: String,
    },
}

impl Pair {
    /// A client running `plan` against a server made from `server`, starting now (the
    /// clock is only read here, to have an `Instant` to count from).
    pub fn new(plan: Plan, server: ServerPlan) -> Self {
        Self {
            plan,
            server,
            start: Instant::now(),
            tls: SimulatedTls::default(),
            max_steps: DEFAULT_MAX_STEPS,
            max_duration: DEFAULT_MAX_DURATION,
            capture: false,
        }
    }

    /// How simulated TLS handshakes end (default: established, TLS 1.3, verified).
    ///
    /// ```
    /// # use smtping_testkit::pair::{Pair, SimulatedTls};
    /// # fn f(pair: Pair) -> Pair {
    /// pair.tls(SimulatedTls::Fail("no shared cipher".into()))
    /// # }
    /// ```
    pub fn tls(mut self, tls: SimulatedTls) -> Self {
        self.tls = tls;
        self
    }

    /// The most exchanges before [`PairError::TooManySteps`] (default
    /// [`DEFAULT_MAX_STEPS`]).
    ///
    /// ```
    /// # use smtping_testkit::pair::Pair;
    /// # fn f(pair: Pair) -> Pair {
    /// pair.max_steps(1_000)
    /// # }
    /// ```
    pub fn max_steps(mut self, steps: usize) -> Self {
        self.max_steps = steps;
        self
    }

    /// The most simulated time before [`PairError::TooLong`] (default
    /// [`DEFAULT_MAX_DURATION`]).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use smtping_testkit::pair::Pair;
    /// # fn f(pair: Pair) -> Pair {
    /// pair.max_duration(Duration::from_secs(60))
    /// # }
    /// ```
    pub fn max_duration(mut self, limit: Duration) -> Self {
        self.max_duration = limit;
        self
    }

    /// Keeps the bytes exchanged in [`PairRun::client_bytes`] and
    /// [`PairRun::server_bytes`] (default off).
    ///
    /// ```
    /// # use smtping_testkit::pair::Pair;
    /// # fn f(pair: Pair) -> Pair {
    /// pair.capture(true)
    /// # }
    /// ```
    pub fn capture(mut self, on: bool) -> Self {
        self.capture = on;
        self
    }

    /// Runs both sessions to their end.
    ///
    /// # Errors
    ///
    /// [`PairError`] when the run exceeds its step or time bound, or stalls.
    pub fn run(self) -> Result<PairRun, PairError> {
        let mut run = Run::new(&self);
        for step in 0..self.max_steps {
            if run.exchange(&self.tls) {
                continue;
            }
            match (run.outcome.take(), run.server_end.take()) {
                (Some(outcome), Some(end)) => return Ok(run.finish(outcome, end, step)),
                (outcome, end) => (run.outcome, run.server_end) = (outcome, end),
            }
            run.advance_clock(self.start, self.max_duration)?;
        }
        Err(PairError::TooManySteps {
            steps: self.max_steps,
        })
    }
}

/// The state of one run.
struct Run {
    client: Session,
    server: ServerSession,
    start: Instant,
    now: Instant,
    capture: bool,
    outcome: Option<Box<Outcome>>,
    client_done_at: Option<Instant>,
    server_end: Option<SessionEnd>,
    events: Vec<Event>,
    /// Client bytes the server does not take yet.
    to_server: Vec<u8>,
    /// The client left; the server sees EOF once `to_server` is delivered.
    client_left: bool,
    server_told_eof: bool,
    /// The server closed the connection.
    server_left: bool,
    client_wants_tls: bool,
    server_wants_tls: Option<bool>,
    hello_sent: bool,
    client_wait: Option<Instant>,
    server_wait: Option<Instant>,
    client_bytes: Vec<u8>,
    server_bytes: Vec<u8>,
}

impl Run {
    fn new(pair: &Pair) -> Self {
        let now = pair.start;
        Self {
            client: Session::new(pair.plan.clone(), now),
            server: ServerSession::new(&pair.server, now),
            start: now,
            now,
            capture: pair.capture,
            outcome: None,
            client_done_at: None,
            server_end: None,
            events: Vec::new(),
            to_server: Vec::new(),
            client_left: false,
            server_told_eof: false,
            server_left: false,
            client_wants_tls: false,
            server_wants_tls: None,
            hello_sent: false,
            client_wait: None,
            server_wait: None,
            client_bytes: Vec::new(),
            server_bytes: Vec::new(),
        }
    }

    /// Lets both sides act at the current time; `true` when anything happened.
    fn exchange(&mut self, tls: &SimulatedTls) -> bool {
        let mut progressed = self.drain_client();
        progressed |= self.deliver_to_server();
        progressed |= self.drain_server();
        progressed |= self.resolve_tls(tls);
        progressed
    }

    fn drain_client(&mut self) -> bool {
        let mut progressed = false;
        self.client_wait = None;
        for _ in 0..MAX_DRAIN {
            if self.outcome.is_some() {
                return progressed;
            }
            match self.client.poll_output() {
                Output::Transmit(bytes) => {
                    progressed = true;
                    self.client_sent(&bytes);
                }
                Output::StartTls => {
                    progressed = true;
                    self.client_wants_tls = true;
                }
                Output::Event(event) => {
                    progressed = true;
                    self.events.push(event);
                }
                Output::Wait { deadline } => {
                    self.client_wait = deadline;
                    return progressed;
                }
                Output::Done(outcome) => {
                    self.outcome = Some(outcome);
                    self.client_done_at = Some(self.now);
                    self.client_left = true;
                    return true;
                }
            }
        }
        true
    }

    fn client_sent(&mut self, bytes: &[u8]) {
        if self.server_left {
            return;
        }
        keep(self.capture, &mut self.client_bytes, bytes);
        if self.server_wants_tls.is_some() {
            // Plaintext where the server waits for a ClientHello.
            self.server_wants_tls = None;
            let why = "the client sent plaintext instead of a TLS ClientHello";
            self.server.handle_tls_failed(why, self.now);
            return;
        }
        self.to_server.extend_from_slice(bytes);
    }

    /// Hands the client's bytes (then its EOF) to the server when it takes input.
    fn deliver_to_server(&mut self) -> bool {
        if self.server_end.is_some() || self.server_left {
            return false;
        }
        let mut progressed = false;
        if !self.to_server.is_empty() && self.server.wants_input() {
            let bytes = std::mem::take(&mut self.to_server);
            self.server.handle_input(&bytes, self.now);
            progressed = true;
        }
        if self.client_left && self.to_server.is_empty() && !self.server_told_eof {
            self.server_told_eof = true;
            if self.server_wants_tls.take().is_some() {
                let why = "the client left before the TLS handshake";
                self.server.handle_tls_failed(why, self.now);
            }
            self.server.handle_eof(self.now);
            progressed = true;
        }
        progressed
    }

    fn drain_server(&mut self) -> bool {
        let mut progressed = false;
        self.server_wait = None;
        for _ in 0..MAX_DRAIN {
            if self.server_end.is_some() {
                return progressed;
            }
            match self.server.poll_output() {
                ServerOutput::Transmit(bytes) => {
                    progressed = true;
                    self.server_sent(&bytes);
                }
                ServerOutput::StartTls { implicit } => {
                    progressed = true;
                    self.server_wants_tls = Some(implicit);
                }
                ServerOutput::Close | ServerOutput::Disconnect => {
                    progressed = true;
                    self.server_left = true;
                    if self.outcome.is_none() {
                        self.client.handle_eof(self.now);
                    }
                }
                ServerOutput::Wait { deadline } => {
                    self.server_wait = deadline;
                    return progressed;
                }
                ServerOutput::Done(end) => {
                    self.server_end = Some(end);
                    return true;
                }
            }
        }
        true
    }

    fn server_sent(&mut self, bytes: &[u8]) {
        if self.outcome.is_some() || self.server_left {
            return;
        }
        keep(self.capture, &mut self.server_bytes, bytes);
        if self.client_wants_tls {
            // Not a handshake: whatever the server says is not TLS.
            self.client_wants_tls = false;
            let why = "the server's answer is not valid TLS (simulated handshake)";
            self.client.handle_tls_failed(why, self.now);
            return;
        }
        self.client.handle_input(bytes, self.now);
    }

    /// Completes a handshake both sides asked for; sends a ClientHello to a server that
    /// did not ask.
    fn resolve_tls(&mut self, tls: &SimulatedTls) -> bool {
        if !self.client_wants_tls {
            return false;
        }
        let Some(implicit) = self.server_wants_tls else {
            if self.hello_sent || self.server_left {
                return false;
            }
            self.hello_sent = true;
            self.to_server.extend_from_slice(CLIENT_HELLO);
            return true;
        };
        self.client_wants_tls = false;
        self.server_wants_tls = None;
        match tls {
            SimulatedTls::Established { version, verified } => {
                let client = TlsEstablished {
                    version: version.clone(),
                    verified: *verified,
                };
                self.client.handle_tls_established(client, self.now);
                let server = ReceivedTls {
                    implicit,
                    version: version.clone(),
                    cipher_suite: "SIMULATED".into(),
                    sni: None,
                };
                self.server.handle_tls_established(server, self.now);
            }
            SimulatedTls::Fail(why) => {
                self.client.handle_tls_failed(why, self.now);
                self.server.handle_tls_failed(why, self.now);
            }
        }
        true
    }

    /// Both sides wait: jump to the earliest deadline.
    fn advance_clock(&mut self, start: Instant, limit: Duration) -> Result<(), PairError> {
        let client = self.outcome.is_none().then_some(self.client_wait).flatten();
        let server = self
            .server_end
            .is_none()
            .then_some(self.server_wait)
            .flatten();
        let next = match (client, server) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
            (None, None) => {
                return Err(PairError::Stalled {
                    elapsed: self.now - start,
                    state: format!(
                        "client {:?} (done: {}), server {:?}",
                        self.client.phase(),
                        self.outcome.is_some(),
                        self.server_end
                    ),
                });
            }
        };
        if next.saturating_duration_since(start) > limit {
            return Err(PairError::TooLong { limit });
        }
        self.now = self.now.max(next);
        if self.outcome.is_none() {
            self.client.handle_timeout(self.now);
        }
        if self.server_end.is_none() {
            self.server.handle_timeout(self.now);
        }
        Ok(())
    }

    fn finish(self, outcome: Box<Outcome>, server_end: SessionEnd, steps: usize) -> PairRun {
        let done_at = self.client_done_at.unwrap_or(self.now);
        PairRun {
            outcome,
            events: self.events,
            server_end,
            server: self.server.into_record(),
            elapsed: self.now - self.start,
            client_elapsed: done_at - self.start,
            client_bytes: self.client_bytes,
            server_bytes: self.server_bytes,
            steps,
        }
    }
}

/// Keeps bytes within [`MAX_CAPTURED_BYTES`].
fn keep(on: bool, into: &mut Vec<u8>, bytes: &[u8]) {
    if on {
        let room = MAX_CAPTURED_BYTES.saturating_sub(into.len());
        into.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }
}

impl fmt::Display for PairRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "client: {:?}; server: {}; {:?} simulated in {} steps",
            self.outcome.error, self.server_end, self.elapsed, self.steps
        )
    }
}

#[cfg(test)]
mod tests;
