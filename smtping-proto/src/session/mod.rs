//! The sans-IO SMTP client session: a whole check or delivery test as a deterministic
//! state machine.
//!
//! The driver pushes bytes, end-of-file, TLS results and time in, and pulls
//! [`Output`]s: bytes to write, a request to start TLS, events, and finally the
//! [`Outcome`]. The session never blocks, never reads a clock and owns no socket, so the
//! same code runs under tokio, async-std, a test harness or a fuzzer.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use smtping_proto::session::{Output, Plan, Session, TlsPolicy};
//! use smtping_proto::Domain;
//!
//! let t0 = Instant::now();
//! let plan = Plan::new(Domain::ehlo_name("client.example").unwrap()).tls(TlsPolicy::None);
//! let mut session = Session::new(plan, t0);
//! let mut written = Vec::new();
//! let mut server = vec![
//!     &b"220 mx.example.org ESMTP\r\n"[..],
//!     b"250-mx.example.org\r\n250 PIPELINING\r\n",
//!     b"221 2.0.0 Bye\r\n",
//! ]
//! .into_iter();
//! let outcome = loop {
//!     match session.poll_output() {
//!         Output::Transmit(bytes) => written.extend_from_slice(&bytes),
//!         Output::Event(_) => {}
//!         Output::StartTls => unreachable!("no TLS in this plan"),
//!         Output::Wait { .. } => match server.next() {
//!             Some(bytes) => session.handle_input(bytes, t0 + Duration::from_millis(5)),
//!             None => session.handle_eof(t0 + Duration::from_millis(6)),
//!         },
//!         Output::Done(outcome) => break outcome,
//!     }
//! };
//! assert_eq!(written, b"EHLO client.example\r\nQUIT\r\n");
//! assert!(outcome.error.is_none());
//! assert!(outcome.extensions.unwrap().pipelining());
//! ```
//!
//! # Order of outputs
//!
//! [`Session::poll_output`] returns, in this order: queued events, then pending bytes to
//! transmit (coalesced: a pipelined MAIL/RCPT/DATA group is one `Transmit`; the message
//! after the 354 is one `Transmit` of at most 64 KiB per poll, so writing each before
//! polling again is the back-pressure), then `StartTls` when a handshake is due, then
//! `Done` once the session is over, else `Wait` with the current deadline. Drain it after
//! every `handle_*` call.
//!
//! # Which replies are believed
//!
//! A command counts as sent once the `Transmit` holding it has been returned. A reply
//! answers a command only if it arrives after that:
//!
//! - Bytes that arrive while the command they would answer has not been handed out (still
//!   waiting for the next poll, or the message still streaming) are **unsolicited** — a
//!   `250` glued to the greeting, a `250 queued` glued to the `354`. This generalises the
//!   STARTTLS response-injection rule: the session sends nothing more and stops with
//!   [`ErrorKind::Protocol`] naming the step, noting [`Observation::UnsolicitedReply`]. The
//!   reply is evidence (transcript, [`SessionError::reply`]), never a verdict: an open
//!   delivery becomes [`DeliveryStatus::Unknown`]. While quitting it is only noted.
//! - In a transaction, one reply more than a pipelined group had commands, or a reply of
//!   the wrong kind for its command (a 2xx to DATA, a 354 to MAIL or RCPT), with or
//!   without PIPELINING, means the replies **cannot be matched**: the delivery and every
//!   recipient are `Unknown`, no reply is attributed to a command, and the session stops
//!   with `Protocol`, noting [`Observation::RepliesUnmatched`].
//!
//! So an accepted delivery only ever comes from a reply that arrived after the final dot
//! was handed out (or from MAIL/RCPT when the plan stops there).
//!
//! Every reply is also cleaned, where it is parsed, of the plan's AUTH secret in all the
//! forms it was or could be sent in (see [`Outcome`]), before anything stores it.
//!
//! # Layout
//!
//! The state machine is split by concern; every file is an `impl Session` block over the
//! same private fields:
//!
//! - `mod.rs`: the [`Session`] type, its `State` enum (each variant carries the data that
//!   only means something in that state), the public `poll_output`/`handle_*` entry
//!   points, the reply dispatcher (the unsolicited-reply, 421 and stray 3xx rules) and
//!   the phase clock;
//! - `greeting.rs`: the greeting, EHLO with its HELO fallback, and the route taken once
//!   the capabilities are known (STARTTLS, AUTH, the transaction or QUIT);
//! - `tls.rs`: STARTTLS, the handshake hand-over to the adapter and the
//!   response-injection rule (plaintext after the 220 to STARTTLS drops the connection);
//! - `auth.rs`: the mechanism choice, the safety rules for credentials and the SASL
//!   rounds;
//! - `transaction.rs`: MAIL, RCPT, DATA (pipelined or one command at a time), the
//!   message, RSET and QUIT;
//! - `body.rs`: the message as a stream of bounded, dot-stuffed chunks;
//! - `redact.rs`: secrets removed from server text;
//! - `record.rs`: what the session produces (bytes, events, transcript, observations,
//!   the delivery result) and how it ends (`finish`, `fail`, `fail_then_quit`).

mod auth;
mod body;
mod greeting;
mod message;
mod output;
mod plan;
mod record;
mod redact;
mod tls;
mod transaction;
mod transcript;

use std::time::Instant;

use bytes::{Buf, BytesMut};

pub use message::{MAX_GENERATED_BODY, TestMessage, generated_body};
pub use output::{
    AuthOutcome, Delivery, DeliveryStatus, ErrorKind, Event, Observation, Outcome, Output, Phase,
    RecipientResult, SessionError, Timings, TlsEstablished,
};
pub use plan::{
    AuthPlan, DsnRequest, Envelope, EnvelopeOptions, MechanismChoice, Message, Plan, QuitAfter,
    Timeouts, TlsPolicy, UnknownName,
};
pub use transcript::{Direction, Transcript, TranscriptLine, redact_addresses};

use crate::reply::{OwnedReply, ReplyParser, ReplyProgress};
use auth::AuthRun;
use body::BodyStream;
use output::reply_error_kind;
use record::Record;
use redact::Redactor;
use transaction::Transaction;

/// Where the dialogue is. Data that only means something in one state lives in it.
#[derive(Debug)]
enum State {
    /// Implicit TLS: `StartTls` was emitted before anything else.
    ImplicitTls,
    Greeting,
    Ehlo {
        /// `true` once EHLO was refused and HELO sent instead.
        helo: bool,
    },
    StartTls,
    TlsHandshake,
    /// AUTH sent; the mechanism and the challenges answered so far.
    Auth(AuthRun),
    /// MAIL/RCPT/DATA: the replies still due, the RCPT parameters, the message.
    Transaction(Transaction),
    /// The message (or, with no recipient accepted, only the final dot) was sent.
    DataEnd {
        /// Only the dot was sent: the reply decides nothing.
        empty: bool,
        /// After that reply, RSET (a transaction is open) rather than QUIT at once (MAIL
        /// was refused: there is nothing to reset).
        rset: bool,
    },
    Rset,
    Quit,
    Finished,
}

/// The client side of one SMTP connection. See the [module docs](self).
#[derive(Debug)]
pub struct Session {
    plan: Plan,
    quit_after: QuitAfter,
    parser: ReplyParser,
    state: State,
    phase: Phase,
    phase_start: Instant,
    deadline: Option<Instant>,
    /// Unparsed server bytes; a parsed reply is cut off the front without moving the rest.
    inbuf: BytesMut,
    progress: ReplyProgress,
    /// A handshake is due: the next poll returns `StartTls`.
    start_tls: bool,
    /// The message still being handed out, chunk by chunk, after the 354.
    body: Option<BodyStream>,
    /// The bytes waiting in `rec` hold a pipelined MAIL/RCPT/DATA group.
    group_queued: bool,
    /// The last write handed out was such a group: a reply arriving before the next
    /// command went out is one more reply than the group had commands.
    group_handed: bool,
    /// Removes echoed secrets from every reply, where it is parsed.
    redactor: Redactor,
    rec: Record,
}

impl Session {
    /// A session that will carry out `plan`, started at `now` (the connection is up).
    #[must_use]
    pub fn new(plan: Plan, now: Instant) -> Self {
        let quit_after = plan.effective_quit_after();
        let parser = ReplyParser::new().limits(plan.limits).bare_lf(plan.bare_lf);
        let mut s = Self {
            quit_after,
            parser,
            state: State::Greeting,
            phase: Phase::Greeting,
            phase_start: now,
            deadline: Some(now + plan.timeouts.greeting),
            inbuf: BytesMut::new(),
            progress: ReplyProgress::default(),
            start_tls: false,
            body: None,
            group_queued: false,
            group_handed: false,
            redactor: Redactor::new(plan.auth.as_ref().map(|a| &a.credentials)),
            rec: Record::new(&plan, now),
            plan,
        };
        if quit_after == QuitAfter::Connect {
            s.finish(None);
        } else if s.plan.tls == TlsPolicy::Implicit {
            s.start_implicit_tls();
        }
        s
    }

    /// The plan being carried out.
    #[must_use]
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The phase in progress.
    #[must_use]
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The current phase's deadline (`None` once finished). Adapters also use it to bound
    /// writes and the TLS handshake.
    #[must_use]
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Bytes held by the session right now (unparsed input plus output not yet taken).
    /// Bounded by the reply limits plus the last input chunk, whatever the server sends,
    /// and independent of the message size (the message is produced chunk by chunk).
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.inbuf.len() + self.rec.buffered()
    }

    /// `true` once `Done` has been (or is about to be) returned.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        matches!(self.state, State::Finished)
    }

    /// The next thing for the driver to do. See the [module docs](self) for the order.
    pub fn poll_output(&mut self) -> Output {
        if let Some(ev) = self.rec.next_event() {
            return Output::Event(ev);
        }
        if let Some(bytes) = self.rec.take_transmit() {
            self.group_handed = std::mem::take(&mut self.group_queued);
            return Output::Transmit(bytes);
        }
        if let Some(stream) = self.body.as_mut() {
            let chunk = stream.next_chunk(self.plan.message.as_ref());
            if stream.is_done() {
                // The final dot is handed out: from now on a reply answers it.
                self.body = None;
            }
            self.group_handed = false;
            return Output::Transmit(chunk);
        }
        if self.start_tls {
            self.start_tls = false;
            return Output::StartTls;
        }
        if self.is_finished() {
            // The outcome leaves the session here, once; afterwards there is nothing left.
            return match self.rec.take_outcome() {
                Some(outcome) => Output::Done(outcome),
                None => Output::Wait { deadline: None },
            };
        }
        Output::Wait {
            deadline: self.deadline,
        }
    }

    /// Bytes from the server, any amount, split anywhere.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.rec.now = now;
        if self.is_finished() || bytes.is_empty() {
            return;
        }
        if self.awaiting_handshake() {
            self.plaintext_during_handshake(bytes.len());
            return;
        }
        self.inbuf.extend_from_slice(bytes);
        self.drain_replies();
    }

    /// The server closed the connection.
    pub fn handle_eof(&mut self, now: Instant) {
        self.rec.now = now;
        match self.state {
            State::Finished => {}
            State::Quit => self.quit_unacknowledged(),
            _ => {
                let partial = if self.inbuf.is_empty() {
                    String::new()
                } else {
                    format!(" after {} bytes of an unfinished reply", self.inbuf.len())
                };
                let phase = self.phase;
                let msg = if phase == Phase::DataEnd {
                    format!(
                        "the server closed the connection after the message was sent, before replying to the final dot{partial}: the message may or may not have been taken"
                    )
                } else {
                    format!(
                        "the server closed the connection during {}{partial}",
                        phase.describe()
                    )
                };
                self.fail(ErrorKind::Closed, None, msg);
            }
        }
    }

    /// Time passed: call with the current time when the `Wait` deadline is reached (calling
    /// early is harmless).
    pub fn handle_timeout(&mut self, now: Instant) {
        self.rec.now = now;
        let Some(deadline) = self.deadline else {
            return;
        };
        if now < deadline || self.is_finished() {
            return;
        }
        if matches!(self.state, State::Quit) {
            self.quit_unacknowledged();
            return;
        }
        let phase = self.phase;
        let waited = deadline.saturating_duration_since(self.phase_start);
        let msg = match phase {
            Phase::DataEnd => format!(
                "no reply to the final dot within {:.0?}: the message may or may not have been taken",
                waited
            ),
            Phase::TlsHandshake => format!("the TLS handshake did not finish within {waited:.0?}"),
            _ => format!("no reply to {} within {waited:.0?}", phase.describe()),
        };
        self.fail(ErrorKind::Timeout, None, msg);
    }

    /// The adapter finished the TLS handshake asked for by [`Output::StartTls`].
    pub fn handle_tls_established(&mut self, info: TlsEstablished, now: Instant) {
        self.rec.now = now;
        if self.awaiting_handshake() {
            self.tls_established(info);
        }
    }

    /// The adapter's TLS handshake failed; `reason` names the cause.
    pub fn handle_tls_failed(&mut self, reason: &str, now: Instant) {
        self.rec.now = now;
        if !self.awaiting_handshake() {
            return;
        }
        self.fail(
            ErrorKind::TlsHandshake,
            None,
            format!("the TLS handshake failed: {reason}"),
        );
    }

    /// The connection failed under the adapter (reset, broken pipe, …) during the current
    /// phase.
    pub fn handle_io_error(&mut self, reason: &str, now: Instant) {
        self.rec.now = now;
        match self.state {
            State::Finished => {}
            State::Quit => self.quit_unacknowledged(),
            _ => {
                let phase = self.phase;
                self.fail(
                    ErrorKind::Io,
                    None,
                    format!(
                        "the connection failed during {}: {reason}",
                        phase.describe()
                    ),
                );
            }
        }
    }

    // ----- replies ---------------------------------------------------------------------

    /// `true` while the command the next reply would answer has not been handed out in
    /// full (it waits in the output buffer, or the message is still being streamed).
    fn command_unsent(&self) -> bool {
        self.rec.buffered() > 0 || self.body.is_some()
    }

    /// The first complete reply in the input, cut off and cleaned of echoed secrets.
    fn next_reply(&mut self) -> Result<Option<OwnedReply>, crate::reply::ReplyError> {
        let parsed = self
            .parser
            .parse_resumable(&self.inbuf, &mut self.progress)?
            .map(|(r, used)| (self.redactor.reply(&r), used));
        Ok(parsed.map(|(reply, used)| {
            self.inbuf.advance(used);
            self.progress = ReplyProgress::default();
            reply
        }))
    }

    fn drain_replies(&mut self) {
        loop {
            if self.is_finished() {
                self.inbuf.clear();
                return;
            }
            if !self.inbuf.is_empty() && self.command_unsent() {
                self.unsolicited();
                return;
            }
            match self.next_reply() {
                Ok(Some(reply)) => {
                    self.rec.reply(&reply, self.phase);
                    self.on_reply(reply);
                    if matches!(self.state, State::TlsHandshake) {
                        return;
                    }
                }
                Ok(None) => return,
                Err(_) if matches!(self.state, State::Quit) => {
                    // A garbled goodbye changes nothing: the outcome is already decided.
                    self.inbuf.clear();
                    self.quit_unacknowledged();
                    return;
                }
                Err(e) => {
                    let kind = reply_error_kind(&e);
                    let phase = self.phase;
                    let msg = self.redactor.text(format!(
                        "the server's reply to {} is invalid: {e}",
                        phase.describe()
                    ));
                    self.fail(kind, None, msg);
                    return;
                }
            }
        }
    }

    /// Bytes arrived while the command they would answer had not been handed out: the
    /// STARTTLS response-injection rule, generalised. Nothing more is sent (not the
    /// message, not its final dot) on a dialogue that cannot be trusted, and the reply is
    /// never believed: it is transcribed and attached to the error as evidence only.
    ///
    /// Right after a pipelined group it is one reply more than the group had commands, so
    /// none of the group's replies can be matched. While quitting (the outcome decided by
    /// replies that did answer their commands) it is only noted. A `421` is the exception:
    /// a server may announce its closing at any time, so it ends the session as a 421
    /// always does (still sending nothing more).
    fn unsolicited(&mut self) {
        let phase = self.phase;
        let n = self.inbuf.len();
        let reply = match self.parser.parse(&self.inbuf) {
            Ok(Some((r, _))) => Some(self.redactor.reply(&r)),
            _ => None,
        };
        self.inbuf.clear();
        self.progress = ReplyProgress::default();
        if let Some(r) = &reply {
            self.rec.reply(r, phase);
        }
        if let Some(r) = reply.as_ref().filter(|r| r.code() == 421)
            && !matches!(self.state, State::Quit)
        {
            // A server may announce its closing at any time: it has the last word, as
            // everywhere else, but nothing more is sent.
            let r = r.clone();
            self.stop_sending();
            self.on_closing(r);
            return;
        }
        let what = reply.as_ref().map_or_else(
            || format!("{n} bytes"),
            |r| format!("{} {}", r.code(), r.text_lossy()),
        );
        if self.group_handed {
            self.replies_unmatched(
                reply,
                format!(
                    "the server sent more replies than the pipelined MAIL/RCPT/DATA group had commands (one more arrived during {}: {what})",
                    phase.describe()
                ),
            );
            return;
        }
        self.rec.observe(Observation::UnsolicitedReply { phase });
        if matches!(self.state, State::Quit) {
            // QUIT still goes out; whatever came early, the outcome is already decided.
            self.finish(None);
            return;
        }
        self.stop_sending();
        let msg = self.redactor.text(format!(
            "the server sent a reply before SMTPing sent the command it would answer (unsolicited reply at {}): {what}; a desynchronised or injected dialogue, so no reply from here on can be trusted and the connection was dropped",
            phase.describe()
        ));
        self.fail_unbelieved(ErrorKind::Protocol, reply, msg);
    }

    /// Nothing queued or still to stream goes out any more.
    fn stop_sending(&mut self) {
        self.rec.discard_output();
        self.body = None;
        self.group_queued = false;
    }

    /// The transaction's replies cannot be matched to its commands (`why`): the delivery
    /// and every recipient are unknown, whatever was decided so far, and the session
    /// stops.
    pub(super) fn replies_unmatched(&mut self, reply: Option<OwnedReply>, why: String) {
        let phase = self.phase;
        self.stop_sending();
        self.rec.observe(Observation::RepliesUnmatched { phase });
        self.rec.unmatched(phase);
        let msg = self.redactor.text(format!(
            "the server's replies cannot be matched to SMTPing's commands: {why}; the delivery and every recipient's result are unknown"
        ));
        self.fail_unbelieved(ErrorKind::Protocol, reply, msg);
    }

    /// The rules that hold in every state, then the state's own handler.
    fn on_reply(&mut self, reply: OwnedReply) {
        let code = reply.code();
        let quitting = matches!(self.state, State::Quit);
        // 421 at any point: the server is closing; it has the last word.
        if code == 421 && !quitting {
            self.on_closing(reply);
            return;
        }
        // 3xx only answers DATA (354) and AUTH (334): anywhere else the dialogue is broken.
        if code / 100 == 3 && !quitting && !self.expects_intermediate() {
            let phase = self.phase;
            let text = reply.text_lossy();
            if matches!(self.state, State::Transaction(_)) {
                // A 354 to MAIL or RCPT: the wrong kind of reply for its command.
                self.replies_unmatched(
                    Some(reply),
                    format!(
                        "{} was answered with {code} ({text}), an intermediate reply that only DATA may get",
                        phase.describe()
                    ),
                );
                return;
            }
            self.fail(
                ErrorKind::Protocol,
                Some(reply),
                format!(
                    "the server answered {} with {code} ({text}), an intermediate reply that only DATA and AUTH may get",
                    phase.describe()
                ),
            );
            return;
        }
        match self.state {
            State::Greeting => self.on_greeting(reply),
            State::Ehlo { helo } => self.on_ehlo(reply, helo),
            State::StartTls => self.on_starttls(reply),
            State::Auth(_) => self.on_auth(reply),
            State::Transaction(_) => self.on_transaction(reply),
            State::DataEnd { empty, rset } => self.on_data_end(reply, empty, rset),
            State::Rset => {
                self.close_phase();
                self.quit();
            }
            State::Quit => self.on_quit(code),
            State::ImplicitTls | State::TlsHandshake | State::Finished => {}
        }
    }

    /// `true` when a 3xx is a valid answer: to AUTH, or to a DATA that is the next reply due.
    fn expects_intermediate(&self) -> bool {
        match &self.state {
            State::Auth(_) => true,
            State::Transaction(tx) => tx.data_is_next(),
            _ => false,
        }
    }

    /// A 421: the session ends with it, without QUIT into a closing connection.
    fn on_closing(&mut self, reply: OwnedReply) {
        self.close_phase();
        if matches!(self.state, State::Greeting)
            && let Some(o) = self.rec.outcome_mut()
        {
            o.greeting = Some(reply.clone());
        }
        let phase = self.phase;
        self.rec.reply_event(phase, &reply);
        let msg = format!(
            "the server ended the session with 421 during {}: {}",
            phase.describe(),
            reply.text_lossy()
        );
        self.fail(ErrorKind::Rejected, Some(reply), msg);
    }

    // ----- the phase clock -------------------------------------------------------------

    fn enter_phase(&mut self, phase: Phase, timeout: core::time::Duration) {
        self.phase = phase;
        self.phase_start = self.rec.now;
        self.deadline = Some(self.rec.now + timeout);
    }

    /// Adds the time spent in the current phase to the outcome's timings.
    fn close_phase(&mut self) {
        let d = self.rec.now.saturating_duration_since(self.phase_start);
        self.rec.add_timing(self.phase, d);
    }
}
