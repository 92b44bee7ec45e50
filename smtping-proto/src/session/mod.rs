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
//! transmit (coalesced: a pipelined MAIL/RCPT/DATA group is one `Transmit`), then
//! `StartTls` when a handshake is due, then `Done` once the session is over, else `Wait`
//! with the current deadline. Drain it after every `handle_*` call.

mod message;
mod output;
mod plan;
mod transcript;

use std::collections::VecDeque;
use std::time::Instant;

pub use message::{TestMessage, generated_body};
pub use output::{
    AuthOutcome, Delivery, DeliveryStatus, ErrorKind, Event, Observation, Outcome, Output, Phase,
    RecipientResult, SessionError, Timings, TlsEstablished,
};
pub use plan::{
    AuthPlan, DsnRequest, Envelope, EnvelopeOptions, MechanismChoice, Message, Plan, QuitAfter,
    Timeouts, TlsPolicy, UnknownName,
};
pub use transcript::{Direction, Transcript, TranscriptLine, redact_addresses};

use crate::command::{Body, Command, MailParams, RcptParams};
use crate::data::encode_body;
use crate::ehlo::{AuthMechanism, Extensions, SizeLimit};
use crate::reply::{OwnedReply, ReplyParser, ReplyProgress};
use crate::sasl;
use output::reply_error_kind;

/// Most 334 challenges answered in one AUTH exchange before giving up.
const MAX_AUTH_ROUNDS: u8 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Implicit TLS: `StartTls` was emitted before anything else.
    ImplicitTls,
    Greeting,
    Ehlo {
        helo: bool,
    },
    StartTls,
    TlsHandshake,
    Auth,
    Transaction,
    DataEnd,
    Rset,
    Quit,
    Finished,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Pending {
    Mail,
    Rcpt(usize),
    Data,
}

#[derive(Debug)]
struct AuthRun {
    mechanism: AuthMechanism,
    rounds: u8,
}

/// The client side of one SMTP connection. See the [module docs](self).
#[derive(Debug)]
pub struct Session {
    plan: Plan,
    quit_after: QuitAfter,
    parser: ReplyParser,
    state: State,
    start: Instant,
    now: Instant,
    phase: Phase,
    phase_start: Instant,
    deadline: Option<Instant>,
    inbuf: Vec<u8>,
    progress: ReplyProgress,
    out: Vec<u8>,
    events: VecDeque<Event>,
    start_tls: bool,
    in_tls: bool,
    pending: VecDeque<Pending>,
    rcpt_params: RcptParams,
    mail_failed: bool,
    empty_data: bool,
    auth_run: Option<AuthRun>,
    body: Option<Vec<u8>>,
    outcome: Option<Box<Outcome>>,
    done: bool,
}

impl Session {
    /// A session that will carry out `plan`, started at `now` (the connection is up).
    #[must_use]
    pub fn new(plan: Plan, now: Instant) -> Self {
        let quit_after = plan.effective_quit_after();
        let parser = ReplyParser::new().limits(plan.limits).bare_lf(plan.bare_lf);
        let transcript = Transcript::new(plan.transcript_limit, plan.redact_addresses);
        let recipients = plan.envelope.as_ref().map_or_else(Vec::new, |e| {
            e.to.iter()
                .map(|a| RecipientResult {
                    address: a.clone(),
                    rcpt_reply: None,
                    status: DeliveryStatus::NotTested,
                })
                .collect()
        });
        let outcome = Outcome {
            error: None,
            reached: None,
            greeting: None,
            extensions: None,
            extensions_tls: None,
            used_helo: false,
            tls: None,
            starttls_offered: false,
            starttls_reply: None,
            auth: None,
            delivery: Delivery {
                recipients,
                ..Delivery::default()
            },
            observations: Vec::new(),
            timings: Timings::default(),
            transcript,
        };
        let mut s = Self {
            quit_after,
            parser,
            state: State::Greeting,
            start: now,
            now,
            phase: Phase::Greeting,
            phase_start: now,
            deadline: Some(now + plan.timeouts.greeting),
            inbuf: Vec::new(),
            progress: ReplyProgress::default(),
            out: Vec::new(),
            events: VecDeque::new(),
            start_tls: false,
            in_tls: false,
            pending: VecDeque::new(),
            rcpt_params: RcptParams::new(),
            mail_failed: false,
            empty_data: false,
            auth_run: None,
            body: None,
            outcome: Some(Box::new(outcome)),
            done: false,
            plan,
        };
        if quit_after == QuitAfter::Connect {
            s.finish(None);
        } else if s.plan.tls == TlsPolicy::Implicit {
            s.state = State::ImplicitTls;
            s.enter_phase(Phase::TlsHandshake, s.plan.timeouts.tls_handshake);
            s.start_tls = true;
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
    /// Bounded by the reply limits plus the last input chunk, whatever the server sends.
    #[must_use]
    pub fn buffered(&self) -> usize {
        self.inbuf.len() + self.out.len()
    }

    /// `true` once `Done` has been (or is about to be) returned.
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.state == State::Finished
    }

    /// The next thing for the driver to do. See the [module docs](self) for the order.
    pub fn poll_output(&mut self) -> Output {
        if let Some(ev) = self.events.pop_front() {
            return Output::Event(ev);
        }
        if !self.out.is_empty() {
            return Output::Transmit(std::mem::take(&mut self.out));
        }
        if self.start_tls && !self.done {
            self.start_tls = false;
            return Output::StartTls;
        }
        if self.state == State::Finished {
            if let Some(outcome) = self.outcome.take() {
                self.done = true;
                return Output::Done(outcome);
            }
            return Output::Wait { deadline: None };
        }
        Output::Wait {
            deadline: self.deadline,
        }
    }

    /// Bytes from the server, any amount, split anywhere.
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.now = now;
        if self.state == State::Finished || bytes.is_empty() {
            return;
        }
        if matches!(self.state, State::TlsHandshake | State::ImplicitTls) {
            if self.state == State::TlsHandshake {
                // Plaintext after the 220 to STARTTLS and before the handshake.
                self.fail_injection(bytes.len());
            } else {
                self.fail(
                    ErrorKind::Protocol,
                    None,
                    "plaintext bytes were passed to the session before the implicit TLS handshake (adapter bug)".into(),
                );
            }
            return;
        }
        self.inbuf.extend_from_slice(bytes);
        self.drain_replies();
    }

    fn drain_replies(&mut self) {
        loop {
            if self.state == State::Finished {
                self.inbuf.clear();
                return;
            }
            let parsed = self
                .parser
                .parse_resumable(&self.inbuf, &mut self.progress)
                .map(|o| o.map(|(r, used)| (r.to_owned(), used)));
            match parsed {
                Ok(Some((reply, used))) => {
                    self.inbuf.drain(..used);
                    self.progress = ReplyProgress::default();
                    self.record_reply(&reply);
                    self.on_reply(reply);
                    if self.state == State::TlsHandshake {
                        return;
                    }
                }
                Ok(None) => return,
                Err(_) if self.state == State::Quit => {
                    // A garbled goodbye changes nothing: the outcome is already decided.
                    self.inbuf.clear();
                    self.observe(Observation::QuitNotAcknowledged);
                    self.finish(None);
                    return;
                }
                Err(e) => {
                    let kind = reply_error_kind(&e);
                    let phase = self.phase;
                    self.fail(
                        kind,
                        None,
                        format!("the server's reply to {} is invalid: {e}", phase.describe()),
                    );
                    return;
                }
            }
        }
    }

    fn record_reply(&mut self, reply: &OwnedReply) {
        let offset = self.now.saturating_duration_since(self.start);
        let tls = self.in_tls;
        let phase = self.phase;
        let r = reply.as_reply();
        let mut notes = Vec::new();
        if r.has_bare_lf() {
            notes.push(Observation::BareLf { phase });
        }
        if let Some(enhanced) = r.enhanced_mismatch() {
            notes.push(Observation::EnhancedCodeMismatch {
                phase,
                code: r.code(),
                enhanced,
            });
        }
        if let Some(o) = self.outcome.as_mut() {
            o.transcript.push_reply(offset, tls, reply.as_bytes());
        }
        for n in notes {
            self.observe(n);
        }
    }

    fn observe(&mut self, o: Observation) {
        if let Some(outcome) = self.outcome.as_mut()
            && !outcome.observations.contains(&o)
        {
            outcome.observations.push(o.clone());
            self.events.push_back(Event::Observation(o));
        }
    }

    /// The server closed the connection.
    pub fn handle_eof(&mut self, now: Instant) {
        self.now = now;
        match self.state {
            State::Finished => {}
            State::Quit => {
                self.observe(Observation::QuitNotAcknowledged);
                self.finish(None);
            }
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
        self.now = now;
        let Some(deadline) = self.deadline else {
            return;
        };
        if now < deadline || self.state == State::Finished {
            return;
        }
        if self.state == State::Quit {
            self.observe(Observation::QuitNotAcknowledged);
            self.finish(None);
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
        self.now = now;
        if !matches!(self.state, State::TlsHandshake | State::ImplicitTls) {
            return;
        }
        self.close_phase();
        self.in_tls = true;
        let offset = now.saturating_duration_since(self.start);
        let note = format!(
            "TLS established ({}, certificate {})",
            info.version,
            if info.verified {
                "verified"
            } else {
                "NOT verified"
            }
        );
        if let Some(o) = self.outcome.as_mut() {
            o.transcript
                .push(offset, Direction::Info, true, note.as_bytes());
            o.tls = Some(info);
            o.reached = Some(Phase::TlsHandshake);
        }
        self.events.push_back(Event::TlsEstablished);
        if self.state == State::ImplicitTls {
            self.state = State::Greeting;
            self.enter_phase(Phase::Greeting, self.plan.timeouts.greeting);
        } else {
            // RFC 3207 §4.2: forget everything learned before TLS and greet again.
            self.inbuf.clear();
            self.progress = ReplyProgress::default();
            self.send_ehlo(false);
        }
    }

    /// The adapter's TLS handshake failed; `reason` names the cause.
    pub fn handle_tls_failed(&mut self, reason: &str, now: Instant) {
        self.now = now;
        if !matches!(self.state, State::TlsHandshake | State::ImplicitTls) {
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
        self.now = now;
        if self.state == State::Finished {
            return;
        }
        if self.state == State::Quit {
            self.observe(Observation::QuitNotAcknowledged);
            self.finish(None);
            return;
        }
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

    // ----- internals -------------------------------------------------------------------

    fn enter_phase(&mut self, phase: Phase, timeout: core::time::Duration) {
        self.phase = phase;
        self.phase_start = self.now;
        self.deadline = Some(self.now + timeout);
    }

    fn close_phase(&mut self) {
        let d = self.now.saturating_duration_since(self.phase_start);
        let phase = self.phase;
        if let Some(o) = self.outcome.as_mut() {
            o.timings.add(phase, d);
        }
    }

    fn reached(&mut self, phase: Phase) {
        if let Some(o) = self.outcome.as_mut() {
            o.reached = Some(phase);
        }
    }

    fn send(&mut self, cmd: Command<'_>) {
        cmd.encode(&mut self.out);
        let offset = self.now.saturating_duration_since(self.start);
        let line = cmd.to_string();
        let tls = self.in_tls;
        if let Some(o) = self.outcome.as_mut() {
            o.transcript
                .push(offset, Direction::Client, tls, line.as_bytes());
        }
    }

    fn info(&mut self, text: &str) {
        let offset = self.now.saturating_duration_since(self.start);
        let tls = self.in_tls;
        if let Some(o) = self.outcome.as_mut() {
            o.transcript
                .push(offset, Direction::Info, tls, text.as_bytes());
        }
    }

    fn extensions(&self) -> Option<&Extensions> {
        let o = self.outcome.as_ref()?;
        if self.in_tls {
            o.extensions_tls.as_ref()
        } else {
            o.extensions.as_ref()
        }
    }

    fn finish(&mut self, error: Option<SessionError>) {
        if self.state == State::Finished {
            return;
        }
        self.state = State::Finished;
        self.deadline = None;
        let total = self.now.saturating_duration_since(self.start);
        if let Some(o) = self.outcome.as_mut() {
            if o.error.is_none() {
                o.error = error;
            }
            o.timings.total = total;
        }
    }

    /// Ends the session at once (no QUIT) with an error.
    fn fail(&mut self, kind: ErrorKind, reply: Option<OwnedReply>, message: String) {
        let phase = self.phase;
        self.settle_delivery_on_error(phase, kind, reply.as_ref());
        let error = SessionError {
            phase,
            kind,
            reply,
            message,
        };
        self.finish(Some(error));
    }

    /// Records an error and says goodbye politely (QUIT, wait for 221, then done).
    fn fail_then_quit(&mut self, kind: ErrorKind, reply: Option<OwnedReply>, message: String) {
        let phase = self.phase;
        self.settle_delivery_on_error(phase, kind, reply.as_ref());
        if let Some(o) = self.outcome.as_mut() {
            o.error = Some(SessionError {
                phase,
                kind,
                reply,
                message,
            });
        }
        self.quit();
    }

    fn fail_injection(&mut self, n: usize) {
        self.phase = Phase::StartTls;
        self.fail(
            ErrorKind::TlsInjection,
            None,
            format!(
                "{n} bytes of plaintext arrived after the server's 220 to STARTTLS and before the TLS handshake: a response-injection attack or a broken middlebox (CVE-2011-0411 class); the connection was dropped"
            ),
        );
    }

    /// When the session stops mid-transaction, the delivery's status reflects it.
    fn settle_delivery_on_error(
        &mut self,
        phase: Phase,
        kind: ErrorKind,
        reply: Option<&OwnedReply>,
    ) {
        if kind == ErrorKind::Refused {
            return; // the client chose not to go on: nothing was tested
        }
        let Some(o) = self.outcome.as_mut() else {
            return;
        };
        if !matches!(
            phase,
            Phase::Mail | Phase::Rcpt | Phase::Data | Phase::DataEnd
        ) || o.delivery.status != DeliveryStatus::NotTested
        {
            return;
        }
        let status = reply.map_or(DeliveryStatus::Unknown, |r| {
            DeliveryStatus::from_code(r.code())
        });
        o.delivery.status = status;
        o.delivery.phase = Some(phase);
        o.delivery.reply = reply.cloned();
        for r in &mut o.delivery.recipients {
            if r.status == DeliveryStatus::NotTested
                || (r.status == DeliveryStatus::Accepted && phase == Phase::DataEnd)
            {
                r.status = if r.rcpt_reply.as_ref().is_some_and(|x| x.code() / 100 != 2) {
                    r.status
                } else {
                    status
                };
            }
        }
    }

    fn quit(&mut self) {
        self.pending.clear();
        self.state = State::Quit;
        self.send(Command::Quit);
        self.enter_phase(Phase::Quit, self.plan.timeouts.quit);
    }

    fn rset_then_quit(&mut self) {
        self.pending.clear();
        self.state = State::Rset;
        self.send(Command::Rset);
        self.enter_phase(Phase::Rset, self.plan.timeouts.command);
    }

    fn send_ehlo(&mut self, helo: bool) {
        self.state = State::Ehlo { helo };
        let name = self.plan.ehlo_name.clone();
        if helo {
            self.send(Command::Helo(&name));
        } else {
            self.send(Command::Ehlo(&name));
        }
        self.enter_phase(Phase::Ehlo, self.plan.timeouts.command);
    }

    fn on_reply(&mut self, reply: OwnedReply) {
        let code = reply.code();
        // 421 at any point: the server is closing; it has the last word.
        if code == 421 && self.state != State::Quit {
            self.close_phase();
            if self.state == State::Greeting
                && let Some(o) = self.outcome.as_mut()
            {
                o.greeting = Some(reply.clone());
            }
            let phase = self.phase;
            self.events.push_back(Event::Reply {
                phase,
                reply: reply.clone(),
            });
            let msg = format!(
                "the server ended the session with 421 during {}: {}",
                phase.describe(),
                reply.text_lossy()
            );
            self.fail(ErrorKind::Rejected, Some(reply), msg);
            return;
        }
        // 3xx only answers DATA (354) and AUTH (334): anywhere else the dialogue is broken.
        let expects_3xx = self.state == State::Auth
            || (self.state == State::Transaction && self.pending.front() == Some(&Pending::Data));
        if code / 100 == 3 && !expects_3xx && self.state != State::Quit {
            let phase = self.phase;
            let text = reply.text_lossy();
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
            State::Auth => self.on_auth(reply),
            State::Transaction => self.on_transaction(reply),
            State::DataEnd => self.on_data_end(reply),
            State::Rset => {
                self.close_phase();
                self.quit();
            }
            State::Quit => {
                self.close_phase();
                if code != 221 {
                    self.observe(Observation::QuitNotAcknowledged);
                }
                self.finish(None);
            }
            State::ImplicitTls | State::TlsHandshake | State::Finished => {}
        }
    }

    fn on_greeting(&mut self, reply: OwnedReply) {
        self.close_phase();
        let code = reply.code();
        if let Some(o) = self.outcome.as_mut() {
            o.greeting = Some(reply.clone());
        }
        self.events.push_back(Event::Greeting(reply.clone()));
        if code == 220 {
            self.reached(Phase::Greeting);
            if self.quit_after == QuitAfter::Greeting {
                self.quit();
            } else {
                self.send_ehlo(false);
            }
            return;
        }
        let text = reply.text_lossy();
        if code / 100 == 5 || code / 100 == 4 {
            // RFC 5321 §3.1: after a 554 greeting the client should still send QUIT.
            self.fail_then_quit(
                ErrorKind::Rejected,
                Some(reply),
                format!("the server refused the connection with {code} in its greeting: {text}"),
            );
        } else {
            self.fail_then_quit(
                ErrorKind::Protocol,
                Some(reply),
                format!("the greeting should be 220 or 554, the server sent {code}: {text}"),
            );
        }
    }

    fn on_ehlo(&mut self, reply: OwnedReply, helo: bool) {
        self.close_phase();
        let code = reply.code();
        self.events.push_back(Event::Reply {
            phase: Phase::Ehlo,
            reply: reply.clone(),
        });
        if code / 100 != 2 {
            if !helo && code / 100 == 5 {
                self.observe(Observation::HeloFallback { code });
                if let Some(o) = self.outcome.as_mut() {
                    o.used_helo = true;
                }
                self.send_ehlo(true);
                return;
            }
            let text = reply.text_lossy();
            let verb = if helo { "HELO" } else { "EHLO" };
            self.fail_then_quit(
                ErrorKind::Rejected,
                Some(reply),
                format!("the server refused {verb} with {code}: {text}"),
            );
            return;
        }
        // HELO (or an EHLO reply that is not exactly 250) carries no extensions.
        let ext = Extensions::from_ehlo(&reply.as_reply()).ok();
        let in_tls = self.in_tls;
        if let Some(o) = self.outcome.as_mut() {
            let ext = ext.unwrap_or_else(|| Extensions::without_keywords(&reply.as_reply()));
            if in_tls {
                o.extensions_tls = Some(ext);
            } else {
                o.starttls_offered = ext.starttls();
                o.extensions = Some(ext);
            }
        }
        self.events.push_back(Event::Capabilities { tls: in_tls });
        self.reached(Phase::Ehlo);
        self.after_ehlo();
    }

    fn after_ehlo(&mut self) {
        let offered = self.extensions().is_some_and(Extensions::starttls);
        if !self.in_tls && self.quit_after > QuitAfter::Ehlo {
            match self.plan.tls {
                TlsPolicy::Opportunistic | TlsPolicy::RequireStartTls if offered => {
                    self.state = State::StartTls;
                    self.send(Command::StartTls);
                    self.enter_phase(Phase::StartTls, self.plan.timeouts.command);
                    return;
                }
                TlsPolicy::RequireStartTls => {
                    self.phase = Phase::StartTls;
                    self.fail_then_quit(
                        ErrorKind::TlsUnavailable,
                        None,
                        "TLS is required but the server does not offer STARTTLS: refusing to go on in plaintext (a downgrade, or a server without TLS)".into(),
                    );
                    return;
                }
                _ => {}
            }
        }
        // Here TLS is up, or will not happen: stop if the plan ends with TLS.
        if self.quit_after <= QuitAfter::Tls {
            self.quit();
            return;
        }
        self.start_auth_or_transaction();
    }

    fn on_starttls(&mut self, reply: OwnedReply) {
        self.close_phase();
        let code = reply.code();
        if let Some(o) = self.outcome.as_mut() {
            o.starttls_reply = Some(reply.clone());
        }
        self.events.push_back(Event::Reply {
            phase: Phase::StartTls,
            reply: reply.clone(),
        });
        if code == 220 {
            if !self.inbuf.is_empty() {
                let n = self.inbuf.len();
                self.fail_injection(n);
                return;
            }
            self.state = State::TlsHandshake;
            self.start_tls = true;
            self.enter_phase(Phase::TlsHandshake, self.plan.timeouts.tls_handshake);
            return;
        }
        let text = reply.text_lossy();
        if self.plan.tls == TlsPolicy::RequireStartTls {
            self.fail_then_quit(
                ErrorKind::TlsUnavailable,
                Some(reply),
                format!("TLS is required but the server refused STARTTLS with {code}: {text}"),
            );
            return;
        }
        self.observe(Observation::StartTlsRefused { code });
        if self.quit_after <= QuitAfter::Tls {
            self.quit();
        } else {
            self.start_auth_or_transaction();
        }
    }

    fn start_auth_or_transaction(&mut self) {
        if self.quit_after >= QuitAfter::Auth && self.plan.auth.is_some() {
            self.start_auth();
        } else {
            self.quit_or_transaction();
        }
    }

    /// After AUTH (done or not wanted): stop if the plan ends there, else transact.
    fn quit_or_transaction(&mut self) {
        if self.quit_after <= QuitAfter::Auth {
            self.quit();
        } else {
            self.start_transaction();
        }
    }

    fn start_auth(&mut self) {
        self.phase = Phase::Auth;
        let Some(plan) = self.plan.auth.clone() else {
            self.quit();
            return;
        };
        let offered: Vec<AuthMechanism> = self
            .extensions()
            .map(|e| e.auth_mechanisms().to_vec())
            .unwrap_or_default();
        let in_tls = self.in_tls;
        let verified = self
            .outcome
            .as_ref()
            .and_then(|o| o.tls.as_ref())
            .is_some_and(|t| t.verified);
        if offered.is_empty() {
            let where_ = if in_tls { " after TLS" } else { "" };
            self.fail_then_quit(
                ErrorKind::Refused,
                None,
                format!("the server does not offer AUTH{where_}, so the login cannot be tested"),
            );
            return;
        }
        let choice = match &plan.mechanism {
            MechanismChoice::Exactly(m) => {
                if !offered.contains(m) {
                    let list = mechanism_list(&offered);
                    self.fail_then_quit(
                        ErrorKind::Refused,
                        None,
                        format!("AUTH {m} was asked for but the server offers only {list}"),
                    );
                    return;
                }
                m.clone()
            }
            MechanismChoice::Auto => {
                let plaintext_ok = in_tls || plan.allow_plaintext_without_tls;
                let mut pick = None;
                for m in [
                    AuthMechanism::Plain,
                    AuthMechanism::Login,
                    AuthMechanism::CramMd5,
                ] {
                    if offered.contains(&m) && (plaintext_ok || !m.is_plaintext()) {
                        pick = Some(m);
                        break;
                    }
                }
                let Some(m) = pick else {
                    let list = mechanism_list(&offered);
                    let why = if offered.iter().any(AuthMechanism::is_plaintext) && !plaintext_ok {
                        " without TLS (PLAIN and LOGIN would expose the password; allow plaintext AUTH explicitly to test it anyway)"
                    } else {
                        ""
                    };
                    self.fail_then_quit(
                        ErrorKind::Refused,
                        None,
                        format!("no usable AUTH mechanism{why}: the server offers {list}"),
                    );
                    return;
                };
                m
            }
        };
        if choice.is_plaintext() && !in_tls && !plan.allow_plaintext_without_tls {
            self.fail_then_quit(
                ErrorKind::Refused,
                None,
                format!("AUTH {choice} would send the password without TLS; refused (allow plaintext AUTH explicitly to test it anyway)"),
            );
            return;
        }
        if in_tls && !verified && !plan.allow_unverified_tls {
            self.fail_then_quit(
                ErrorKind::Refused,
                None,
                "the server's TLS certificate did not verify, so the credentials were not sent (allow unverified TLS explicitly, or pass the right CA)".into(),
            );
            return;
        }
        self.state = State::Auth;
        self.enter_phase(Phase::Auth, self.plan.timeouts.command);
        let creds = &plan.credentials;
        match choice {
            AuthMechanism::Plain => match sasl::plain_response(creds) {
                Ok(ir) => self.send(Command::Auth {
                    mechanism: &choice,
                    initial_response: Some(&ir),
                }),
                Err(e) => {
                    self.fail_then_quit(ErrorKind::Refused, None, format!("AUTH PLAIN: {e}"));
                    return;
                }
            },
            AuthMechanism::XOAuth2 => {
                let ir = sasl::xoauth2_response(creds);
                self.send(Command::Auth {
                    mechanism: &choice,
                    initial_response: Some(&ir),
                });
            }
            AuthMechanism::Login | AuthMechanism::CramMd5 => self.send(Command::Auth {
                mechanism: &choice,
                initial_response: None,
            }),
            other => {
                self.fail_then_quit(
                    ErrorKind::Refused,
                    None,
                    format!("AUTH {other} is not supported by SMTPing (PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 are)"),
                );
                return;
            }
        }
        self.auth_run = Some(AuthRun {
            mechanism: choice,
            rounds: 0,
        });
    }

    fn on_auth(&mut self, reply: OwnedReply) {
        let code = reply.code();
        let Some(mut run) = self.auth_run.take() else {
            return;
        };
        if code == 334 {
            run.rounds += 1;
            if run.rounds > MAX_AUTH_ROUNDS {
                self.send(Command::AuthCancel);
                self.close_phase();
                self.fail_then_quit(
                    ErrorKind::Protocol,
                    Some(reply),
                    format!("the server sent more than {MAX_AUTH_ROUNDS} AUTH challenges"),
                );
                return;
            }
            let Some(plan) = self.plan.auth.clone() else {
                return;
            };
            let creds = &plan.credentials;
            let challenge = reply.lines().next().unwrap_or_default().to_vec();
            let response: Result<zeroize::Zeroizing<Vec<u8>>, sasl::SaslError> =
                match &run.mechanism {
                    AuthMechanism::Login => Ok(zeroize::Zeroizing::new(if run.rounds == 1 {
                        creds.username().as_bytes().to_vec()
                    } else {
                        creds.secret().as_bytes().to_vec()
                    })),
                    AuthMechanism::CramMd5 => sasl::cram_md5_response(creds, &challenge),
                    AuthMechanism::Plain => sasl::plain_response(creds),
                    // XOAUTH2 sends its error as a 334 challenge; an empty line ends it.
                    _ => Ok(zeroize::Zeroizing::new(Vec::new())),
                };
            match response {
                Ok(r) => {
                    self.send(Command::AuthResponse(&r));
                    self.auth_run = Some(run);
                }
                Err(e) => {
                    self.send(Command::AuthCancel);
                    self.auth_run = Some(run);
                    let msg = format!(
                        "AUTH {}: {e}",
                        self.auth_run.as_ref().map_or("", |r| r.mechanism.as_str())
                    );
                    self.auth_run = None;
                    self.close_phase();
                    self.fail_then_quit(ErrorKind::Protocol, Some(reply), msg);
                }
            }
            return;
        }
        self.close_phase();
        let success = code == 235;
        let mechanism = run.mechanism.clone();
        if let Some(o) = self.outcome.as_mut() {
            o.auth = Some(AuthOutcome {
                mechanism: Some(run.mechanism),
                success,
                reply: Some(reply.clone()),
            });
        }
        self.events.push_back(Event::Authenticated { success });
        if !success {
            let text = reply.text_lossy();
            self.fail_then_quit(
                ErrorKind::Rejected,
                Some(reply),
                format!("AUTH {mechanism} was refused with {code}: {text}"),
            );
            return;
        }
        self.reached(Phase::Auth);
        self.quit_or_transaction();
    }

    fn start_transaction(&mut self) {
        self.phase = Phase::Mail;
        let Some(env) = self.plan.envelope.clone() else {
            self.quit();
            return;
        };
        if env.to.is_empty() {
            self.fail_then_quit(
                ErrorKind::Refused,
                None,
                "the envelope has no recipient".into(),
            );
            return;
        }
        let ext = self.extensions().cloned();
        let supports = |k: &str| ext.as_ref().is_some_and(|e| e.supports(k));
        let opts = &env.options;
        let needs_utf8 = env.from.needs_smtputf8() || env.to.iter().any(|a| a.needs_smtputf8());
        if needs_utf8 && !supports("SMTPUTF8") && !opts.force_smtputf8 {
            self.fail_then_quit(
                ErrorKind::Refused,
                None,
                "the envelope has non-ASCII addresses but the server does not offer SMTPUTF8 (RFC 6531); they cannot be sent".into(),
            );
            return;
        }
        let send_data = self.quit_after >= QuitAfter::Data && self.plan.message.is_some();
        if send_data {
            let msg = self
                .plan
                .message
                .as_ref()
                .map(Message::bytes)
                .unwrap_or_default();
            self.body = Some(encode_body(msg));
        }
        let mut params = MailParams::new();
        if let Some(body) = &self.body {
            let size = (body.len() as u64).saturating_sub(3);
            if opts.announce_size && (supports("SIZE") || opts.force_size) {
                params = params.size(size);
            }
            if let Some(SizeLimit::Max(limit)) = ext.as_ref().and_then(Extensions::size_limit)
                && size > limit
            {
                self.observe(Observation::MessageExceedsSize {
                    message: size,
                    limit,
                });
            }
            let eight_bit = self
                .plan
                .message
                .as_ref()
                .is_some_and(|m| m.bytes().iter().any(|b| *b >= 0x80));
            if eight_bit && (supports("8BITMIME") || opts.force_8bitmime) {
                params = params.body(Body::EightBitMime);
            }
        }
        if needs_utf8 {
            params = params.smtputf8();
        }
        let mut notify = None;
        if let Some(dsn) = &opts.dsn
            && (supports("DSN") || opts.force_dsn)
        {
            if let Some(ret) = dsn.ret {
                params = params.ret(ret);
            }
            if let Some(id) = &dsn.envid {
                match params.clone().envid(id) {
                    Ok(p) => params = p,
                    Err(e) => {
                        self.fail_then_quit(ErrorKind::Refused, None, format!("ENVID: {e}"));
                        return;
                    }
                }
            }
            notify = dsn.notify;
        }
        if opts.force_requiretls || (opts.requiretls && self.in_tls && supports("REQUIRETLS")) {
            params = params.requiretls();
        }
        let rcpt_params = notify.map_or_else(RcptParams::new, |n| RcptParams::new().notify(n));
        let pipelining = self.plan.pipelining && ext.as_ref().is_some_and(Extensions::pipelining);
        self.state = State::Transaction;
        self.send(Command::Mail {
            from: &env.from,
            params: &params,
        });
        self.pending.push_back(Pending::Mail);
        self.enter_phase(Phase::Mail, self.plan.timeouts.command);
        if pipelining && self.quit_after >= QuitAfter::Rcpt {
            for (i, to) in env.to.iter().enumerate() {
                self.send(Command::Rcpt {
                    to,
                    params: &rcpt_params,
                });
                self.pending.push_back(Pending::Rcpt(i));
            }
            if send_data {
                self.send(Command::Data);
                self.pending.push_back(Pending::Data);
            }
            if let Some(o) = self.outcome.as_mut() {
                o.delivery.pipelined = true;
            }
        }
        self.rcpt_params = rcpt_params;
    }

    fn recipient_count(&self) -> usize {
        self.plan.envelope.as_ref().map_or(0, |e| e.to.len())
    }

    fn accepted_recipients(&self) -> usize {
        self.outcome.as_ref().map_or(0, |o| {
            o.delivery
                .recipients
                .iter()
                .filter(|r| r.rcpt_reply.as_ref().is_some_and(|x| x.code() / 100 == 2))
                .count()
        })
    }

    /// Sets the overall delivery result (once; later calls keep the first decision).
    fn decide(&mut self, status: DeliveryStatus, phase: Phase, reply: Option<OwnedReply>) {
        if let Some(o) = self.outcome.as_mut() {
            if o.delivery.status != DeliveryStatus::NotTested {
                return;
            }
            o.delivery.status = status;
            o.delivery.phase = Some(phase);
            o.delivery.reply = reply;
            for r in &mut o.delivery.recipients {
                let accepted = r.rcpt_reply.as_ref().is_some_and(|x| x.code() / 100 == 2);
                if accepted || r.rcpt_reply.is_none() {
                    r.status = status;
                }
            }
        }
    }

    fn on_transaction(&mut self, reply: OwnedReply) {
        let code = reply.code();
        let Some(pending) = self.pending.pop_front() else {
            let text = reply.text_lossy();
            self.fail(
                ErrorKind::Protocol,
                Some(reply),
                format!("the server sent a reply nobody asked for ({code} {text})"),
            );
            return;
        };
        let pipelined = self.outcome.as_ref().is_some_and(|o| o.delivery.pipelined);
        self.close_phase();
        match pending {
            Pending::Mail => {
                self.events.push_back(Event::Reply {
                    phase: Phase::Mail,
                    reply: reply.clone(),
                });
                if let Some(o) = self.outcome.as_mut() {
                    o.delivery.mail_reply = Some(reply.clone());
                }
                if code / 100 != 2 {
                    self.mail_failed = true;
                    self.decide(DeliveryStatus::from_code(code), Phase::Mail, Some(reply));
                    if self.pending.is_empty() {
                        self.quit();
                    } else {
                        // Drain the pipelined RCPT/DATA replies (503s) before QUIT.
                        self.enter_phase(Phase::Rcpt, self.plan.timeouts.command);
                    }
                    return;
                }
                self.reached(Phase::Mail);
                if self.quit_after == QuitAfter::Mail {
                    self.decide(DeliveryStatus::Accepted, Phase::Mail, Some(reply));
                    self.quit();
                    return;
                }
                if !pipelined {
                    self.send_rcpt(0);
                }
                self.enter_phase(Phase::Rcpt, self.plan.timeouts.command);
            }
            Pending::Rcpt(i) => {
                let accepted = code / 100 == 2;
                self.events
                    .push_back(Event::Recipient { index: i, accepted });
                let mail_failed = self.mail_failed;
                if let Some(o) = self.outcome.as_mut()
                    && let Some(r) = o.delivery.recipients.get_mut(i)
                {
                    r.rcpt_reply = Some(reply.clone());
                    // After a refused MAIL the 503s say nothing about the recipient.
                    r.status = if mail_failed {
                        r.status
                    } else if accepted {
                        DeliveryStatus::Accepted
                    } else {
                        DeliveryStatus::from_code(code)
                    };
                }
                let last = i + 1 >= self.recipient_count();
                if !last {
                    if !pipelined && !self.mail_failed {
                        self.send_rcpt(i + 1);
                    }
                    self.enter_phase(Phase::Rcpt, self.plan.timeouts.command);
                    return;
                }
                let data_pending = self.pending.front() == Some(&Pending::Data);
                if self.mail_failed {
                    if data_pending {
                        self.enter_phase(Phase::Data, self.plan.timeouts.command);
                    } else {
                        self.quit();
                    }
                    return;
                }
                if self.accepted_recipients() == 0 {
                    let (status, first) = self.refusal_summary();
                    self.decide(status, Phase::Rcpt, first);
                    if data_pending {
                        self.enter_phase(Phase::Data, self.plan.timeouts.command);
                    } else {
                        self.rset_then_quit();
                    }
                    return;
                }
                self.reached(Phase::Rcpt);
                if self.quit_after <= QuitAfter::Rcpt || self.body.is_none() {
                    let first_ok = self.outcome.as_ref().and_then(|o| {
                        o.delivery
                            .recipients
                            .iter()
                            .filter_map(|r| r.rcpt_reply.clone())
                            .find(|x| x.code() / 100 == 2)
                    });
                    self.decide(DeliveryStatus::Accepted, Phase::Rcpt, first_ok);
                    self.quit();
                    return;
                }
                if !data_pending {
                    self.send(Command::Data);
                    self.pending.push_back(Pending::Data);
                }
                self.enter_phase(Phase::Data, self.plan.timeouts.command);
            }
            Pending::Data => {
                self.events.push_back(Event::Reply {
                    phase: Phase::Data,
                    reply: reply.clone(),
                });
                if let Some(o) = self.outcome.as_mut() {
                    o.delivery.data_reply = Some(reply.clone());
                }
                if self.mail_failed {
                    self.quit();
                    return;
                }
                if self.accepted_recipients() == 0 {
                    if code == 354 {
                        // RFC 2920 §3.1: end the empty message rather than send content.
                        self.observe(Observation::DataWithoutRecipients);
                        self.out.extend_from_slice(b".\r\n");
                        self.info("[empty message: no recipient was accepted]");
                        self.empty_data = true;
                        self.state = State::DataEnd;
                        self.enter_phase(Phase::DataEnd, self.plan.timeouts.command);
                    } else {
                        self.rset_then_quit();
                    }
                    return;
                }
                if code != 354 {
                    self.decide(DeliveryStatus::from_code(code), Phase::Data, Some(reply));
                    self.rset_then_quit();
                    return;
                }
                let body = self.body.take().unwrap_or_default();
                let n = body.len() as u64;
                self.out.extend_from_slice(&body);
                self.info(&format!(
                    "[message: {n} bytes sent, dot-stuffed, ending with CRLF.CRLF]"
                ));
                if let Some(o) = self.outcome.as_mut() {
                    o.delivery.message_bytes = n;
                }
                self.state = State::DataEnd;
                let timeout = self.plan.timeouts.data_end(n);
                self.enter_phase(Phase::DataEnd, timeout);
            }
        }
    }

    /// Overall status when every recipient was refused: deferred if any refusal was
    /// temporary (a retry may work), else bounced; with the first such reply.
    fn refusal_summary(&self) -> (DeliveryStatus, Option<OwnedReply>) {
        let replies: Vec<&OwnedReply> = self.outcome.as_ref().map_or_else(Vec::new, |o| {
            o.delivery
                .recipients
                .iter()
                .filter_map(|r| r.rcpt_reply.as_ref())
                .collect()
        });
        if let Some(r) = replies.iter().find(|r| r.code() / 100 == 4) {
            return (DeliveryStatus::Deferred, Some((*r).clone()));
        }
        (
            DeliveryStatus::Bounced,
            replies.first().map(|r| (*r).clone()),
        )
    }

    fn send_rcpt(&mut self, i: usize) {
        let Some(to) = self
            .plan
            .envelope
            .as_ref()
            .and_then(|e| e.to.get(i))
            .cloned()
        else {
            return;
        };
        let params = self.rcpt_params.clone();
        self.send(Command::Rcpt {
            to: &to,
            params: &params,
        });
        self.pending.push_back(Pending::Rcpt(i));
    }

    fn on_data_end(&mut self, reply: OwnedReply) {
        self.close_phase();
        self.events.push_back(Event::Reply {
            phase: Phase::DataEnd,
            reply: reply.clone(),
        });
        if self.empty_data {
            self.rset_then_quit();
            return;
        }
        let status = DeliveryStatus::from_code(reply.code());
        self.decide(status, Phase::DataEnd, Some(reply));
        self.reached(Phase::DataEnd);
        self.quit();
    }
}

fn mechanism_list(m: &[AuthMechanism]) -> String {
    m.iter()
        .map(AuthMechanism::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
