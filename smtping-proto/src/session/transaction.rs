//! The transaction: MAIL, RCPT and DATA, one command at a time or as one pipelined group
//! (RFC 2920), the message itself, and the way out (RSET, QUIT).
//!
//! Everything that only matters while the transaction runs (the replies still due, the
//! RCPT parameters, the encoded message) lives in [`Transaction`], the data of
//! [`State::Transaction`]; it is dropped with that state when the session moves on.

use std::collections::VecDeque;

use crate::command::{Body, Command, MailParams, RcptParams};
use crate::ehlo::{Extensions, SizeLimit};
use crate::reply::OwnedReply;

use super::body::BodyStream;
use super::message::MAX_GENERATED_BODY;
use super::output::{DeliveryStatus, Event, Observation, Phase};
use super::plan::{EnvelopeOptions, Message, QuitAfter};
use super::{ErrorKind, Session, State};

/// A reply the server still owes, in the order the commands went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pending {
    Mail,
    Rcpt(usize),
    Data,
}

/// The data of [`State::Transaction`].
#[derive(Debug, Default)]
pub(super) struct Transaction {
    /// Replies due, oldest first (several when pipelined).
    pending: VecDeque<Pending>,
    rcpt_params: RcptParams,
    /// MAIL, RCPT and DATA went out in one write.
    pipelined: bool,
    /// MAIL was refused: the replies still due (503s) are drained, then QUIT.
    mail_failed: bool,
    /// Octets of the encoded message (final dot included), sent as a stream after a 354
    /// (`None` when the plan stops before).
    body: Option<u64>,
}

impl Transaction {
    /// `true` when the next reply due answers DATA (a 354 is then valid).
    pub(super) fn data_is_next(&self) -> bool {
        self.pending.front() == Some(&Pending::Data)
    }
}

impl Session {
    pub(super) fn start_transaction(&mut self) {
        self.phase = Phase::Mail;
        if self.plan.envelope.is_none() {
            self.quit();
            return;
        }
        // The size is declared (SIZE=) whenever the message is known, even when the plan
        // stops before sending it: "would you take this message?".
        let message = self.plan.message.as_ref();
        if let Some(Message::Generated { filler, .. }) = message
            && *filler > MAX_GENERATED_BODY
        {
            let msg = format!(
                "the generated test message of {filler} octets is larger than SMTPing sends ({MAX_GENERATED_BODY} octets at most)"
            );
            self.fail_then_quit(ErrorKind::Refused, None, msg);
            return;
        }
        // Counted without being encoded: the message is produced while it is sent.
        let body = message.map(|m| BodyStream::new(m).total());
        match self.mail_params(body) {
            Ok((mail, rcpt)) => self.send_mail(&mail, rcpt, body),
            Err(msg) => self.fail_then_quit(ErrorKind::Refused, None, msg),
        }
    }

    /// `true` when the capabilities in force say so.
    fn offers(&self, has: impl Fn(&Extensions) -> bool) -> bool {
        self.rec.extensions().is_some_and(has)
    }

    /// The MAIL and RCPT parameters the envelope asks for and the server allows, or why
    /// the envelope cannot be sent.
    fn mail_params(&mut self, body: Option<u64>) -> Result<(MailParams, RcptParams), String> {
        let Some(env) = self.plan.envelope.as_ref() else {
            return Ok((MailParams::new(), RcptParams::new()));
        };
        let opts = &env.options;
        if env.to.is_empty() {
            return Err("the envelope has no recipient".into());
        }
        let needs_utf8 = env.from.needs_smtputf8() || env.to.iter().any(|a| a.needs_smtputf8());
        if needs_utf8 && !self.offers(Extensions::smtputf8) && !opts.force_smtputf8 {
            return Err("the envelope has non-ASCII addresses but the server does not offer SMTPUTF8 (RFC 6531); they cannot be sent".into());
        }
        let mut params = MailParams::new();
        if let Some(body) = body {
            let size = body.saturating_sub(3);
            if opts.announce_size && (self.offers(|e| e.size_limit().is_some()) || opts.force_size)
            {
                params = params.size(size);
            }
            let limit = self.rec.extensions().and_then(Extensions::size_limit);
            if let Some(SizeLimit::Max(limit)) = limit
                && size > limit
            {
                self.rec.observe(Observation::MessageExceedsSize {
                    message: size,
                    limit,
                });
            }
            let eight_bit = self.plan.message.as_ref().is_some_and(Message::is_8bit);
            if eight_bit && (self.offers(Extensions::eightbitmime) || opts.force_8bitmime) {
                params = params.body(Body::EightBitMime);
            }
        }
        if needs_utf8 {
            params = params.smtputf8();
        }
        let (mut params, rcpt) = self.dsn_params(params, opts)?;
        let requiretls = self.rec.in_tls && self.offers(Extensions::requiretls);
        if opts.force_requiretls || (opts.requiretls && requiretls) {
            params = params.requiretls();
        }
        Ok((params, rcpt))
    }

    /// DSN (RFC 3461): RET and ENVID on MAIL, NOTIFY on every RCPT.
    fn dsn_params(
        &self,
        mut params: MailParams,
        opts: &EnvelopeOptions,
    ) -> Result<(MailParams, RcptParams), String> {
        let Some(dsn) = &opts.dsn else {
            return Ok((params, RcptParams::new()));
        };
        if !(self.offers(Extensions::dsn) || opts.force_dsn) {
            return Ok((params, RcptParams::new()));
        }
        if let Some(ret) = dsn.ret {
            params = params.ret(ret);
        }
        if let Some(id) = &dsn.envid {
            params = params.envid(id).map_err(|e| format!("ENVID: {e}"))?;
        }
        let rcpt = dsn
            .notify
            .map_or_else(RcptParams::new, |n| RcptParams::new().notify(n));
        Ok((params, rcpt))
    }

    /// MAIL, and with PIPELINING every RCPT and DATA in the same write.
    fn send_mail(&mut self, mail: &MailParams, rcpt_params: RcptParams, body: Option<u64>) {
        let pipelining = self.plan.pipelining && self.offers(Extensions::pipelining);
        let Some(env) = self.plan.envelope.as_ref() else {
            return;
        };
        let send_data = body.is_some() && self.quit_after >= QuitAfter::Data;
        let mut tx = Transaction {
            rcpt_params,
            body,
            ..Transaction::default()
        };
        self.rec.send(Command::Mail {
            from: &env.from,
            params: mail,
        });
        tx.pending.push_back(Pending::Mail);
        if pipelining && self.quit_after >= QuitAfter::Rcpt {
            for (i, to) in env.to.iter().enumerate() {
                self.rec.send(Command::Rcpt {
                    to,
                    params: &tx.rcpt_params,
                });
                tx.pending.push_back(Pending::Rcpt(i));
            }
            if send_data {
                self.rec.send(Command::Data);
                tx.pending.push_back(Pending::Data);
            }
            tx.pipelined = true;
            self.group_queued = true;
            if let Some(o) = self.rec.outcome_mut() {
                o.delivery.pipelined = true;
            }
        }
        self.state = State::Transaction(tx);
        self.enter_phase(Phase::Mail, self.plan.timeouts.command);
    }

    fn send_rcpt(&mut self, tx: &mut Transaction, i: usize) {
        let Some(to) = self.plan.envelope.as_ref().and_then(|e| e.to.get(i)) else {
            return;
        };
        self.rec.send(Command::Rcpt {
            to,
            params: &tx.rcpt_params,
        });
        tx.pending.push_back(Pending::Rcpt(i));
    }

    fn recipient_count(&self) -> usize {
        self.plan.envelope.as_ref().map_or(0, |e| e.to.len())
    }

    /// A reply in [`State::Transaction`]. The handler works on the state's data moved
    /// out; the state keeps saying `Transaction` meanwhile, and gets its data back unless
    /// the handler moved on (DATA sent, RSET, QUIT, failure).
    pub(super) fn on_transaction(&mut self, reply: OwnedReply) {
        let State::Transaction(slot) = &mut self.state else {
            return;
        };
        let mut tx = std::mem::take(slot);
        self.on_transaction_reply(&mut tx, reply);
        if let State::Transaction(slot) = &mut self.state {
            *slot = tx;
        }
    }

    fn on_transaction_reply(&mut self, tx: &mut Transaction, reply: OwnedReply) {
        let Some(pending) = tx.pending.pop_front() else {
            let code = reply.code();
            let text = reply.text_lossy();
            self.fail(
                ErrorKind::Protocol,
                Some(reply),
                format!("the server sent a reply nobody asked for ({code} {text})"),
            );
            return;
        };
        self.close_phase();
        match pending {
            Pending::Mail => self.on_mail_reply(tx, reply),
            Pending::Rcpt(i) => self.on_rcpt_reply(tx, i, reply),
            Pending::Data => self.on_data_reply(tx, reply),
        }
    }

    fn on_mail_reply(&mut self, tx: &mut Transaction, reply: OwnedReply) {
        let code = reply.code();
        self.rec.reply_event(Phase::Mail, &reply);
        if let Some(o) = self.rec.outcome_mut() {
            o.delivery.mail_reply = Some(reply.clone());
        }
        if code / 100 != 2 {
            tx.mail_failed = true;
            self.rec
                .decide(DeliveryStatus::from_code(code), Phase::Mail, Some(reply));
            if tx.pending.is_empty() {
                self.quit();
            } else {
                // Drain the pipelined RCPT/DATA replies (503s) before QUIT.
                self.enter_phase(Phase::Rcpt, self.plan.timeouts.command);
            }
            return;
        }
        self.rec.reached(Phase::Mail);
        if self.quit_after == QuitAfter::Mail {
            self.rec
                .decide(DeliveryStatus::Accepted, Phase::Mail, Some(reply));
            self.quit();
            return;
        }
        if !tx.pipelined {
            self.send_rcpt(tx, 0);
        }
        self.enter_phase(Phase::Rcpt, self.plan.timeouts.command);
    }

    fn on_rcpt_reply(&mut self, tx: &mut Transaction, i: usize, reply: OwnedReply) {
        let code = reply.code();
        let accepted = code / 100 == 2;
        self.rec.event(Event::Recipient { index: i, accepted });
        if let Some(o) = self.rec.outcome_mut()
            && let Some(r) = o.delivery.recipients.get_mut(i)
        {
            r.rcpt_reply = Some(reply);
            // After a refused MAIL the 503s say nothing about the recipient.
            if !tx.mail_failed {
                r.status = if accepted {
                    DeliveryStatus::Accepted
                } else {
                    DeliveryStatus::from_code(code)
                };
            }
        }
        if i + 1 < self.recipient_count() {
            if !tx.pipelined && !tx.mail_failed {
                self.send_rcpt(tx, i + 1);
            }
            self.enter_phase(Phase::Rcpt, self.plan.timeouts.command);
        } else {
            self.after_last_rcpt(tx);
        }
    }

    /// Every RCPT reply is in: DATA, RSET or QUIT.
    fn after_last_rcpt(&mut self, tx: &mut Transaction) {
        let data_pending = tx.data_is_next();
        if tx.mail_failed {
            if data_pending {
                self.enter_phase(Phase::Data, self.plan.timeouts.command);
            } else {
                self.quit();
            }
            return;
        }
        if self.rec.accepted_recipients() == 0 {
            let (status, first) = self.rec.refusal_summary();
            self.rec.decide(status, Phase::Rcpt, first);
            if data_pending {
                self.enter_phase(Phase::Data, self.plan.timeouts.command);
            } else {
                self.rset_then_quit();
            }
            return;
        }
        self.rec.reached(Phase::Rcpt);
        if self.quit_after <= QuitAfter::Rcpt || tx.body.is_none() {
            let first_ok = self.rec.first_accepted();
            self.rec
                .decide(DeliveryStatus::Accepted, Phase::Rcpt, first_ok);
            self.quit();
            return;
        }
        if !data_pending {
            self.rec.send(Command::Data);
            tx.pending.push_back(Pending::Data);
        }
        self.enter_phase(Phase::Data, self.plan.timeouts.command);
    }

    fn on_data_reply(&mut self, tx: &mut Transaction, reply: OwnedReply) {
        let code = reply.code();
        self.rec.reply_event(Phase::Data, &reply);
        if let Some(o) = self.rec.outcome_mut() {
            o.delivery.data_reply = Some(reply.clone());
        }
        // DATA gets 354 or a refusal; a 2xx (or another 3xx) answers some other command.
        if code / 100 == 2 || (code / 100 == 3 && code != 354) {
            let text = reply.text_lossy();
            self.replies_unmatched(
                Some(reply),
                format!("DATA was answered with {code} ({text}), but DATA gets 354 or a refusal"),
            );
            return;
        }
        if tx.mail_failed {
            if code == 354 {
                // End the data phase before QUIT: inside it, QUIT would be message text.
                self.send_empty_message(false);
            } else {
                self.quit();
            }
        } else if self.rec.accepted_recipients() == 0 {
            if code == 354 {
                self.send_empty_message(true);
            } else {
                self.rset_then_quit();
            }
        } else if code != 354 {
            self.rec
                .decide(DeliveryStatus::from_code(code), Phase::Data, Some(reply));
            self.rset_then_quit();
        } else if self.quit_after < QuitAfter::Deliver {
            // --quit-after data: the server would take the message; stop here. Inside the
            // data phase QUIT would be message text, so the connection is closed without
            // the final dot and the server discards the unfinished message.
            self.rec
                .decide(DeliveryStatus::Accepted, Phase::Data, Some(reply));
            self.rec.reached(Phase::Data);
            self.rec
                .info("[stopped after 354: closing without the final dot, nothing is delivered]");
            self.finish(None);
        } else if tx.body.take().is_some() {
            self.send_message();
        } else {
            self.send_empty_message(true);
        }
    }

    /// A 354 that must not get the message (no recipient accepted, or MAIL refused):
    /// RFC 2920 §3.1, end the empty message rather than send content; its reply decides
    /// nothing. Then RSET (`rset`) or, after a refused MAIL, QUIT.
    fn send_empty_message(&mut self, rset: bool) {
        self.rec.observe(Observation::DataWithoutRecipients);
        self.rec.send_raw(b".\r\n");
        self.rec.info("[empty message: no recipient was accepted]");
        self.state = State::DataEnd { empty: true, rset };
        self.enter_phase(Phase::DataEnd, self.plan.timeouts.command);
    }

    /// The message, handed out chunk by chunk by `poll_output` from here on.
    fn send_message(&mut self) {
        let Some(message) = self.plan.message.as_ref() else {
            self.send_empty_message(true);
            return;
        };
        let stream = BodyStream::new(message);
        let n = stream.total();
        self.body = Some(stream);
        self.rec.info(&format!(
            "[message: {n} bytes sent, dot-stuffed, ending with CRLF.CRLF]"
        ));
        if let Some(o) = self.rec.outcome_mut() {
            o.delivery.message_bytes = n;
        }
        self.state = State::DataEnd {
            empty: false,
            rset: true,
        };
        self.enter_phase(Phase::DataEnd, self.plan.timeouts.data_end(n));
    }

    /// The reply to the final dot. Only here can a delivery be accepted, and only because
    /// this reply arrived after the dot was handed out (anything earlier is unsolicited).
    pub(super) fn on_data_end(&mut self, reply: OwnedReply, empty: bool, rset: bool) {
        self.close_phase();
        self.rec.reply_event(Phase::DataEnd, &reply);
        if empty {
            if rset {
                self.rset_then_quit();
            } else {
                self.quit();
            }
            return;
        }
        let status = DeliveryStatus::from_code(reply.code());
        self.rec.decide(status, Phase::DataEnd, Some(reply));
        self.rec.reached(Phase::DataEnd);
        self.quit();
    }

    // ----- the way out -----------------------------------------------------------------

    pub(super) fn quit(&mut self) {
        self.state = State::Quit;
        self.rec.send(Command::Quit);
        self.enter_phase(Phase::Quit, self.plan.timeouts.quit);
    }

    pub(super) fn rset_then_quit(&mut self) {
        self.state = State::Rset;
        self.rec.send(Command::Rset);
        self.enter_phase(Phase::Rset, self.plan.timeouts.command);
    }

    /// The reply to QUIT: whatever it is, the outcome is already decided.
    pub(super) fn on_quit(&mut self, code: u16) {
        self.close_phase();
        if code != 221 {
            self.rec.observe(Observation::QuitNotAcknowledged);
        }
        self.finish(None);
    }

    /// No 221 (timeout, close, garbled reply, I/O error): noted, never an error.
    pub(super) fn quit_unacknowledged(&mut self) {
        self.rec.observe(Observation::QuitNotAcknowledged);
        self.finish(None);
    }
}
