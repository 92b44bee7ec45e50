//! The opening: the greeting, EHLO with its HELO fallback (RFC 5321 §3.2), and the route
//! taken once the capabilities are known: STARTTLS, AUTH, the transaction or QUIT.

use crate::command::Command;
use crate::ehlo::Extensions;
use crate::reply::OwnedReply;

use super::output::{ErrorKind, Event, Observation, Phase};
use super::plan::QuitAfter;
use super::{Session, State};

impl Session {
    pub(super) fn on_greeting(&mut self, reply: OwnedReply) {
        self.close_phase();
        let code = reply.code();
        if let Some(o) = self.rec.outcome_mut() {
            o.greeting = Some(reply.clone());
        }
        self.rec.event(Event::Greeting(reply.clone()));
        if code == 220 {
            self.rec.reached(Phase::Greeting);
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

    pub(super) fn send_ehlo(&mut self, helo: bool) {
        self.state = State::Ehlo { helo };
        let name = &self.plan.ehlo_name;
        self.rec.send(if helo {
            Command::Helo(name)
        } else {
            Command::Ehlo(name)
        });
        self.enter_phase(Phase::Ehlo, self.plan.timeouts.command);
    }

    pub(super) fn on_ehlo(&mut self, reply: OwnedReply, helo: bool) {
        self.close_phase();
        let code = reply.code();
        self.rec.reply_event(Phase::Ehlo, &reply);
        if code / 100 != 2 {
            if !helo && code / 100 == 5 {
                self.rec.observe(Observation::HeloFallback { code });
                if let Some(o) = self.rec.outcome_mut() {
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
        let ext = Extensions::from_ehlo(&reply.as_reply())
            .unwrap_or_else(|_| Extensions::without_keywords(&reply.as_reply()));
        let in_tls = self.rec.in_tls;
        if let Some(o) = self.rec.outcome_mut() {
            if in_tls {
                o.extensions_tls = Some(ext);
            } else {
                o.starttls_offered = ext.starttls();
                o.extensions = Some(ext);
            }
        }
        self.rec.event(Event::Capabilities { tls: in_tls });
        self.rec.reached(Phase::Ehlo);
        self.after_ehlo();
    }

    fn after_ehlo(&mut self) {
        if self.maybe_start_tls() {
            return;
        }
        // Here TLS is up, or will not happen: stop if the plan ends with TLS.
        if self.quit_after <= QuitAfter::Tls {
            self.quit();
            return;
        }
        self.start_auth_or_transaction();
    }

    /// After the capabilities (and TLS, if any): AUTH if wanted, else the transaction.
    pub(super) fn start_auth_or_transaction(&mut self) {
        if self.quit_after >= QuitAfter::Auth && self.plan.auth.is_some() {
            self.start_auth();
        } else {
            self.quit_or_transaction();
        }
    }

    /// After AUTH (done or not wanted): stop if the plan ends there, else transact.
    pub(super) fn quit_or_transaction(&mut self) {
        if self.quit_after <= QuitAfter::Auth {
            self.quit();
        } else {
            self.start_transaction();
        }
    }
}
