//! The sans-IO server core: [`ServerSession`] plays one connection of the test server —
//! the SMTP dialogue, or a byte-level [`Script`](crate::server::Script) — without sockets,
//! tasks or a clock.
//!
//! The caller pushes bytes and time in and pulls instructions out, exactly like the
//! client's `smtping_proto::session::Session`:
//!
//! ```
//! use std::time::{Duration, Instant};
//! use smtping_testkit::session::{ServerOutput, ServerSession};
//! use smtping_testkit::server::{Behaviour, ServerStage, TestServer};
//!
//! let plan = TestServer::builder()
//!     .on(ServerStage::Rcpt, Behaviour::delay(Duration::from_secs(5)))
//!     .plan()?;
//! let start = Instant::now();
//! let mut server = ServerSession::new(&plan, start);
//! let ServerOutput::Transmit(greeting) = server.poll_output() else { panic!() };
//! assert!(greeting.starts_with(b"220 mx.test"));
//! server.handle_input(b"EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n", start);
//! let ServerOutput::Transmit(replies) = server.poll_output() else { panic!() };
//! assert!(replies.ends_with(b"250 2.1.0 Ok\r\n")); // EHLO and MAIL answered, RCPT delayed
//! // The scripted delay is data: the core asks to be woken when it ends.
//! let ServerOutput::Wait { deadline: Some(at) } = server.poll_output() else { panic!() };
//! assert_eq!(at, start + Duration::from_secs(5));
//! server.handle_timeout(at);
//! let ServerOutput::Transmit(rcpt) = server.poll_output() else { panic!() };
//! assert_eq!(rcpt, b"250 2.1.5 Ok\r\n");
//! assert_eq!(server.record().transactions[0].recipients[0].code, 250);
//! # Ok::<(), smtping_testkit::server::ServerError>(())
//! ```

mod input;
mod script;
mod smtp;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::server::{MAX_RECORDED_BYTES, ReceivedSession, ReceivedTls, ServerPlan, SessionEnd};
use crate::server::{ServerReply, Settings};

pub(crate) use input::{DataRead, Input, Line, recorded_line};

/// Most pieces of work one [`ServerSession::poll_output`] call does before it hands out
/// what it has (a bound on every loop of the core).
const MAX_PUMP_STEPS: usize = 4096;
/// Received bytes a session holds before it stops asking for more
/// ([`ServerSession::wants_input`]).
const INPUT_HIGH_WATER: usize = 64 * 1024;

/// What the driver of a [`ServerSession`] must do next.
#[derive(Debug, PartialEq, Eq)]
#[must_use]
pub enum ServerOutput {
    /// Write these bytes to the client, in order, all of them.
    Transmit(Vec<u8>),
    /// Perform the server side of a TLS handshake now (the bytes transmitted before went
    /// out in plaintext), then call [`ServerSession::handle_tls_established`] or
    /// [`ServerSession::handle_tls_failed`].
    StartTls {
        /// `true` for implicit TLS (before the greeting), `false` after STARTTLS.
        implicit: bool,
    },
    /// Nothing to do until input arrives or `deadline` passes (then call
    /// [`ServerSession::handle_timeout`]). `None` only once the session is over.
    Wait {
        /// When to call [`ServerSession::handle_timeout`].
        deadline: Option<Instant>,
    },
    /// Close the connection gracefully (TLS close_notify, TCP FIN). `Done` follows.
    Close,
    /// Drop the connection at once (no TLS close_notify). `Done` follows.
    Disconnect,
    /// The session is over; how it ended. Returned once.
    Done(SessionEnd),
}

/// One connection of the test server as a sans-IO state machine: bytes and time in,
/// [`ServerOutput`]s out. No sockets, no async, no clock: every `handle_*` call says what
/// time it is. Made from a [`ServerPlan`] (a compiled [`TestServerBuilder`](crate::server::TestServerBuilder));
/// [`TestServer`](crate::server::TestServer) runs one per accepted connection, and
/// [`Pair`](crate::pair::Pair) runs one against a client session in simulated time.
///
/// See the [module docs](self) for an example.
#[derive(Debug)]
pub struct ServerSession {
    conn: Conn,
    machine: Machine,
}

#[derive(Debug)]
enum Machine {
    Smtp(smtp::Smtp),
    Script(script::Runner),
}

impl ServerSession {
    /// A session of `plan` starting at `now`, recorded on its own (its
    /// [`record`](Self::record) has id 0 and no peer).
    #[must_use]
    pub fn new(plan: &ServerPlan, now: Instant) -> Self {
        let budget = Arc::new(AtomicUsize::new(0));
        Self::recorded(
            plan.settings(),
            now,
            ReceivedSession::default(),
            true,
            budget,
        )
    }

    /// A session sharing the server's recording budget; `recording` is `false` past
    /// [`MAX_RECORDED_SESSIONS`](crate::server::MAX_RECORDED_SESSIONS).
    pub(crate) fn recorded(
        settings: &Arc<Settings>,
        now: Instant,
        record: ReceivedSession,
        recording: bool,
        budget: Arc<AtomicUsize>,
    ) -> Self {
        let machine = match &settings.script {
            Some(script) => Machine::Script(script::Runner::new(script.byte_budget())),
            None => Machine::Smtp(smtp::Smtp::default()),
        };
        let (lifetime, idle) = match &settings.script {
            Some(script) => (script.time_budget(), None),
            None => (settings.session_timeout, Some(settings.idle_timeout)),
        };
        let conn = Conn {
            settings: Arc::clone(settings),
            input: Input::new(settings.max_line_length),
            out: Vec::new(),
            control: None,
            end: None,
            done: false,
            now,
            deadline: later(now, lifetime),
            idle,
            idle_from: now,
            wake: None,
            eof: false,
            tls: false,
            awaiting_tls: false,
            commands: 0,
            rec: Record {
                session: record,
                enabled: recording,
                budget,
                changed: false,
            },
        };
        Self { conn, machine }
    }

    /// The next thing to do. Drain it until [`ServerOutput::Wait`] (or `Done`).
    pub fn poll_output(&mut self) -> ServerOutput {
        let conn = &mut self.conn;
        if conn.out.is_empty() && conn.control.is_none() && conn.end.is_none() {
            conn.wake = None;
            if !conn.awaiting_tls {
                match &mut self.machine {
                    Machine::Smtp(smtp) => smtp.pump(conn),
                    Machine::Script(runner) => runner.pump(conn),
                }
            }
        }
        if !conn.out.is_empty() {
            return ServerOutput::Transmit(std::mem::take(&mut conn.out));
        }
        if let Some(control) = conn.control.take() {
            return control;
        }
        if let Some(end) = &conn.end {
            if conn.done {
                return ServerOutput::Wait { deadline: None };
            }
            conn.done = true;
            return ServerOutput::Done(end.clone());
        }
        let deadline = conn.wake.map_or(conn.deadline, |w| w.min(conn.deadline));
        ServerOutput::Wait {
            deadline: Some(deadline),
        }
    }

    /// Bytes from the client, any amount, split anywhere.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.conn.now = now;
        if self.conn.end.is_some() || bytes.is_empty() {
            return;
        }
        self.conn.idle_from = now;
        self.conn.input.push(bytes);
    }

    /// The client closed its side of the connection (or left).
    pub fn handle_eof(&mut self, now: Instant) {
        self.conn.now = now;
        self.conn.eof = true;
    }

    /// Time passed: call with the current time when the `Wait` deadline is reached
    /// (calling early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.conn.now = self.conn.now.max(now);
    }

    /// The handshake asked for by [`ServerOutput::StartTls`] completed.
    pub fn handle_tls_established(&mut self, info: ReceivedTls, now: Instant) {
        self.conn.now = now;
        if !self.conn.awaiting_tls || self.conn.end.is_some() {
            return;
        }
        self.conn.awaiting_tls = false;
        self.conn.tls = true;
        self.conn.idle_from = now;
        self.conn.rec.update(|s| s.tls = Some(info));
        if let Machine::Smtp(smtp) = &mut self.machine {
            smtp.tls_established();
        }
    }

    /// The handshake asked for by [`ServerOutput::StartTls`] failed; `reason` says why.
    pub fn handle_tls_failed(&mut self, reason: &str, now: Instant) {
        self.conn.now = now;
        if self.conn.awaiting_tls {
            self.conn.awaiting_tls = false;
            self.conn.finish(
                SessionEnd::TlsHandshake(reason.to_owned()),
                Closing::Disconnect,
            );
        }
    }

    /// A write or the TLS handshake did not finish by [`io_deadline`](Self::io_deadline):
    /// the client stopped reading. The session ends (idle or session timeout).
    pub fn handle_stalled(&mut self, now: Instant) {
        self.conn.now = now;
        let end = if now >= self.conn.deadline || self.conn.idle.is_none() {
            SessionEnd::SessionTimeout
        } else {
            SessionEnd::IdleTimeout
        };
        self.conn.awaiting_tls = false;
        self.conn.finish(end, Closing::Disconnect);
    }

    /// How long a write or a TLS handshake started at `now` may take: the idle timeout
    /// (SMTP sessions) or the session's own deadline, whichever comes first.
    #[must_use]
    pub fn io_deadline(&self, now: Instant) -> Instant {
        self.conn.idle.map_or(self.conn.deadline, |idle| {
            later(now, idle).min(self.conn.deadline)
        })
    }

    /// `false` while the session does not consume input (a scripted delay, a TLS
    /// handshake, or enough bytes already held): a driver stops reading then, so memory
    /// stays bounded whatever the client sends.
    #[must_use]
    pub fn wants_input(&self) -> bool {
        let busy = match &self.machine {
            Machine::Smtp(smtp) => smtp.is_delayed(),
            Machine::Script(_) => false,
        };
        self.conn.end.is_none()
            && !self.conn.eof
            && !self.conn.awaiting_tls
            && !busy
            && self.conn.input.len() < INPUT_HIGH_WATER
    }

    /// `true` once the session has ended (its `Done` returned or about to be).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.conn.end.is_some()
    }

    /// What the session recorded so far.
    #[must_use]
    pub fn record(&self) -> &ReceivedSession {
        &self.conn.rec.session
    }

    /// The record, consuming the session.
    #[must_use]
    pub fn into_record(self) -> ReceivedSession {
        self.conn.rec.session
    }

    /// `true` (once) when the record changed since the last call.
    pub(crate) fn take_record_changed(&mut self) -> bool {
        std::mem::take(&mut self.conn.rec.changed)
    }
}

/// `now + d`, saturating far in the future instead of overflowing (a configured
/// `Duration::MAX` means "never").
pub(crate) fn later(now: Instant, d: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 86_400);
    now.checked_add(d.min(CENTURY))
        .or_else(|| now.checked_add(Duration::from_secs(86_400)))
        .unwrap_or(now)
}

/// How the server leaves a connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Closing {
    Close,
    Disconnect,
}

/// The connection state shared by the SMTP dialogue and the script runner.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) settings: Arc<Settings>,
    pub(crate) input: Input,
    pub(crate) out: Vec<u8>,
    control: Option<ServerOutput>,
    end: Option<SessionEnd>,
    done: bool,
    /// The time of the last `handle_*` call.
    pub(crate) now: Instant,
    /// When the session must end.
    pub(crate) deadline: Instant,
    idle: Option<Duration>,
    idle_from: Instant,
    /// When the machine wants to be woken (before the session deadline).
    pub(crate) wake: Option<Instant>,
    /// The client closed the connection.
    pub(crate) eof: bool,
    pub(crate) tls: bool,
    awaiting_tls: bool,
    /// Command (and SASL) lines read.
    pub(crate) commands: usize,
    pub(crate) rec: Record,
}

impl Conn {
    pub(crate) fn queue(&mut self, reply: &ServerReply) {
        reply.render_into(&mut self.out);
    }

    /// Ends the session (the first end counts).
    pub(crate) fn finish(&mut self, end: SessionEnd, how: Closing) {
        if self.end.is_some() {
            return;
        }
        self.rec.update(|s| s.end = Some(end.clone()));
        self.end = Some(end);
        self.input.discard();
        self.control = Some(match how {
            Closing::Close => ServerOutput::Close,
            Closing::Disconnect => ServerOutput::Disconnect,
        });
    }

    /// `true` when the machine must stop and let the driver act first.
    pub(crate) fn blocked(&self) -> bool {
        self.end.is_some() || self.awaiting_tls || self.control.is_some()
    }

    pub(crate) fn start_tls(&mut self, implicit: bool) {
        self.awaiting_tls = true;
        self.control = Some(ServerOutput::StartTls { implicit });
    }

    /// The session's time is up.
    pub(crate) fn expired(&self) -> bool {
        self.now >= self.deadline
    }

    /// Waiting for client input: sets the wake-up time; `true` when the idle timeout has
    /// passed.
    pub(crate) fn await_input(&mut self) -> bool {
        match self.idle {
            Some(idle) => {
                let at = later(self.idle_from, idle);
                self.wake = Some(at);
                self.now >= at
            }
            None => false,
        }
    }

    /// Starts the idle clock again (after a delay or a handshake).
    pub(crate) fn touch(&mut self) {
        self.idle_from = self.now;
    }

    /// Counts a command line; `false` past the limit.
    pub(crate) fn count_command(&mut self) -> bool {
        self.commands += 1;
        self.commands <= self.settings.max_commands
    }
}

/// The session's record, charged to the server's recording budget.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) session: ReceivedSession,
    enabled: bool,
    budget: Arc<AtomicUsize>,
    changed: bool,
}

impl Record {
    /// Changes the record (no-op when the session is not recorded).
    pub(crate) fn update(&mut self, f: impl FnOnce(&mut ReceivedSession)) {
        if self.enabled {
            f(&mut self.session);
            self.changed = true;
        }
    }

    /// Reserves `bytes` of the recording budget; `false` when it is spent.
    pub(crate) fn charge(&self, bytes: usize) -> bool {
        self.enabled
            && self
                .budget
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                    used.checked_add(bytes).filter(|&n| n <= MAX_RECORDED_BYTES)
                })
                .is_ok()
    }

    /// Records a command line, within the budget.
    pub(crate) fn command(&mut self, line: String) {
        if self.charge(line.len()) {
            self.update(|s| s.commands.push(line));
        }
    }
}

#[cfg(test)]
mod tests;

impl ServerPlan {
    /// A new session of this plan starting at `now` (the same as
    /// [`ServerSession::new`](ServerSession::new)).
    #[must_use]
    pub fn session(&self, now: std::time::Instant) -> ServerSession {
        ServerSession::new(self, now)
    }
}
