//! What the session produces and keeps: the bytes to write, the events, and the
//! [`Outcome`] under construction (transcript, observations, timings, delivery).
//!
//! [`Record`] is a field of the session, apart from the state, so a handler can borrow the
//! plan (an address, the credentials) and write a command in the same breath, without
//! cloning either. The `impl Session` block below settles how a session ends: `finish`,
//! `fail` (drop the connection) and `fail_then_quit` (say goodbye first).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crate::command::Command;
use crate::ehlo::Extensions;
use crate::reply::OwnedReply;

use super::output::{
    Delivery, DeliveryStatus, ErrorKind, Event, Observation, Outcome, Phase, RecipientResult,
    SessionError, Timings,
};
use super::plan::Plan;
use super::transcript::{Direction, Transcript};
use super::{Session, State};

/// Output buffers and the outcome of one session.
#[derive(Debug)]
pub(super) struct Record {
    /// When the session started: transcript offsets count from here.
    start: Instant,
    /// The time of the call being handled.
    pub(super) now: Instant,
    /// `true` once TLS is up (transcript lines are marked with it).
    pub(super) in_tls: bool,
    /// Bytes to transmit, coalesced until the driver polls.
    out: Vec<u8>,
    events: VecDeque<Event>,
    /// Owned by the session until [`Output::Done`](super::Output::Done) moves it out, once;
    /// `None` only afterwards, when every handler has stopped touching it.
    outcome: Option<Box<Outcome>>,
}

impl Record {
    pub(super) fn new(plan: &Plan, now: Instant) -> Self {
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
            transcript: Transcript::new(plan.transcript_limit, plan.redact_addresses),
        };
        Self {
            start: now,
            now,
            in_tls: false,
            out: Vec::new(),
            events: VecDeque::new(),
            outcome: Some(Box::new(outcome)),
        }
    }

    // ----- what the driver drains ------------------------------------------------------

    pub(super) fn next_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The pending bytes, if any.
    pub(super) fn take_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.out.is_empty()).then(|| std::mem::take(&mut self.out))
    }

    /// Moves the outcome out (the first call only).
    pub(super) fn take_outcome(&mut self) -> Option<Box<Outcome>> {
        self.outcome.take()
    }

    pub(super) fn buffered(&self) -> usize {
        self.out.len()
    }

    /// Drops the bytes not yet taken by the driver (they will never be sent).
    pub(super) fn discard_output(&mut self) {
        self.out.clear();
    }

    // ----- the wire and the transcript -------------------------------------------------

    fn offset(&self) -> Duration {
        self.now.saturating_duration_since(self.start)
    }

    /// Since the session started, for `timings.total`.
    pub(super) fn elapsed(&self) -> Duration {
        self.offset()
    }

    pub(super) fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_deref()
    }

    pub(super) fn outcome_mut(&mut self) -> Option<&mut Outcome> {
        self.outcome.as_deref_mut()
    }

    /// Writes a command and transcribes it (AUTH payloads are redacted by the transcript).
    pub(super) fn send(&mut self, cmd: Command<'_>) {
        cmd.encode(&mut self.out);
        let offset = self.offset();
        let tls = self.in_tls;
        if let Some(o) = self.outcome.as_deref_mut() {
            o.transcript
                .push(offset, Direction::Client, tls, cmd.to_string().as_bytes());
        }
    }

    /// Writes bytes that are not a command (the message, the lone final dot); the caller
    /// transcribes a summary with [`Record::info`].
    pub(super) fn send_raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    /// A note in the transcript (not sent).
    pub(super) fn info(&mut self, text: &str) {
        let offset = self.offset();
        let tls = self.in_tls;
        if let Some(o) = self.outcome.as_deref_mut() {
            o.transcript
                .push(offset, Direction::Info, tls, text.as_bytes());
        }
    }

    /// Transcribes a server reply and notes what is odd about its form.
    pub(super) fn reply(&mut self, reply: &OwnedReply, phase: Phase) {
        let offset = self.offset();
        let tls = self.in_tls;
        if let Some(o) = self.outcome.as_deref_mut() {
            o.transcript.push_reply(offset, tls, reply.as_bytes());
        }
        let r = reply.as_reply();
        if r.has_bare_lf() {
            self.observe(Observation::BareLf { phase });
        }
        if let Some(enhanced) = r.enhanced_mismatch() {
            self.observe(Observation::EnhancedCodeMismatch {
                phase,
                code: r.code(),
                enhanced,
            });
        }
    }

    pub(super) fn event(&mut self, ev: Event) {
        self.events.push_back(ev);
    }

    /// The reply event for `phase`.
    pub(super) fn reply_event(&mut self, phase: Phase, reply: &OwnedReply) {
        self.events.push_back(Event::Reply {
            phase,
            reply: reply.clone(),
        });
    }

    /// Notes an observation once (the first time it is seen) and reports it.
    pub(super) fn observe(&mut self, o: Observation) {
        if let Some(outcome) = self.outcome.as_deref_mut()
            && !outcome.observations.contains(&o)
        {
            outcome.observations.push(o.clone());
            self.events.push_back(Event::Observation(o));
        }
    }

    // ----- the outcome -----------------------------------------------------------------

    /// The capabilities in force: those read inside TLS once it is up.
    pub(super) fn extensions(&self) -> Option<&Extensions> {
        let o = self.outcome.as_deref()?;
        if self.in_tls {
            o.extensions_tls.as_ref()
        } else {
            o.extensions.as_ref()
        }
    }

    pub(super) fn reached(&mut self, phase: Phase) {
        if let Some(o) = self.outcome.as_deref_mut() {
            o.reached = Some(phase);
        }
    }

    pub(super) fn add_timing(&mut self, phase: Phase, d: Duration) {
        if let Some(o) = self.outcome.as_deref_mut() {
            o.timings.add(phase, d);
        }
    }

    fn recipients(&self) -> &[RecipientResult] {
        self.outcome
            .as_deref()
            .map_or(&[], |o| o.delivery.recipients.as_slice())
    }

    pub(super) fn accepted_recipients(&self) -> usize {
        self.recipients()
            .iter()
            .filter(|r| r.rcpt_reply.as_ref().is_some_and(|x| x.code() / 100 == 2))
            .count()
    }

    /// The first 2xx RCPT reply.
    pub(super) fn first_accepted(&self) -> Option<OwnedReply> {
        self.recipients()
            .iter()
            .filter_map(|r| r.rcpt_reply.as_ref())
            .find(|x| x.code() / 100 == 2)
            .cloned()
    }

    /// Overall status when every recipient was refused: deferred if any refusal was
    /// temporary (a retry may work), else bounced; with the first such reply.
    pub(super) fn refusal_summary(&self) -> (DeliveryStatus, Option<OwnedReply>) {
        let mut replies = self
            .recipients()
            .iter()
            .filter_map(|r| r.rcpt_reply.as_ref());
        let first = replies.clone().next().cloned();
        match replies.find(|r| r.code() / 100 == 4) {
            Some(r) => (DeliveryStatus::Deferred, Some(r.clone())),
            None => (DeliveryStatus::Bounced, first),
        }
    }

    /// Sets the overall delivery result (once; later calls keep the first decision).
    pub(super) fn decide(
        &mut self,
        status: DeliveryStatus,
        phase: Phase,
        reply: Option<OwnedReply>,
    ) {
        let Some(o) = self.outcome.as_deref_mut() else {
            return;
        };
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

    /// The transaction's replies cannot be matched to its commands: whatever was decided,
    /// the delivery and every recipient are unknown, and no reply is attributed to a
    /// command (the transcript keeps them all).
    pub(super) fn unmatched(&mut self, phase: Phase) {
        let Some(o) = self.outcome.as_deref_mut() else {
            return;
        };
        let d = &mut o.delivery;
        d.status = DeliveryStatus::Unknown;
        d.phase = Some(phase);
        d.reply = None;
        d.mail_reply = None;
        d.data_reply = None;
        for r in &mut d.recipients {
            r.status = DeliveryStatus::Unknown;
            r.rcpt_reply = None;
        }
    }

    /// When the session stops mid-transaction, the delivery's status reflects it: the
    /// refusal `reply` (4xx/5xx) when one caused it, else unknown with no deciding reply
    /// (a 2xx or 3xx that ends the session decides nothing).
    fn settle_delivery_on_error(
        &mut self,
        phase: Phase,
        kind: ErrorKind,
        reply: Option<&OwnedReply>,
    ) {
        if kind == ErrorKind::Refused {
            return; // the client chose not to go on: nothing was tested
        }
        let Some(o) = self.outcome.as_deref_mut() else {
            return;
        };
        if !matches!(
            phase,
            Phase::Mail | Phase::Rcpt | Phase::Data | Phase::DataEnd
        ) || o.delivery.status != DeliveryStatus::NotTested
        {
            return;
        }
        let reply = reply.filter(|r| matches!(r.code() / 100, 4 | 5));
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
}

impl Session {
    /// The session is over (idempotent); the first error recorded stays.
    pub(super) fn finish(&mut self, error: Option<SessionError>) {
        if matches!(self.state, State::Finished) {
            return;
        }
        self.state = State::Finished;
        self.deadline = None;
        // The rest of the message is not sent into a finished session.
        self.body = None;
        let total = self.rec.elapsed();
        if let Some(o) = self.rec.outcome_mut() {
            if o.error.is_none() {
                o.error = error;
            }
            o.timings.total = total;
        }
    }

    fn error(
        &mut self,
        kind: ErrorKind,
        reply: Option<OwnedReply>,
        message: String,
    ) -> SessionError {
        self.error_with(kind, reply, message, true)
    }

    /// `believe`: the reply answers a command of this phase and may settle the delivery
    /// (a refusal); `false` for evidence only (an unsolicited or unmatched reply).
    fn error_with(
        &mut self,
        kind: ErrorKind,
        reply: Option<OwnedReply>,
        message: String,
        believe: bool,
    ) -> SessionError {
        let phase = self.phase;
        let deciding = reply.as_ref().filter(|_| believe);
        self.rec.settle_delivery_on_error(phase, kind, deciding);
        SessionError {
            phase,
            kind,
            reply,
            message,
        }
    }

    /// Ends the session at once (no QUIT) with an error.
    pub(super) fn fail(&mut self, kind: ErrorKind, reply: Option<OwnedReply>, message: String) {
        let error = self.error(kind, reply, message);
        self.finish(Some(error));
    }

    /// Ends the session at once (no QUIT) with an error whose reply is evidence, never a
    /// verdict: the delivery, if still open, is unknown.
    pub(super) fn fail_unbelieved(
        &mut self,
        kind: ErrorKind,
        reply: Option<OwnedReply>,
        message: String,
    ) {
        let error = self.error_with(kind, reply, message, false);
        self.finish(Some(error));
    }

    /// Records an error and says goodbye politely (QUIT, wait for 221, then done).
    pub(super) fn fail_then_quit(
        &mut self,
        kind: ErrorKind,
        reply: Option<OwnedReply>,
        message: String,
    ) {
        let error = self.error(kind, reply, message);
        if let Some(o) = self.rec.outcome_mut() {
            o.error = Some(error);
        }
        self.quit();
    }
}
