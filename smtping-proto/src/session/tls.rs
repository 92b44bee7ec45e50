//! STARTTLS (RFC 3207) and implicit TLS: asking the adapter for a handshake, the
//! response-injection rule, and forgetting the plaintext dialogue once TLS is up.

use crate::command::Command;
use crate::reply::{OwnedReply, ReplyProgress};

use super::output::{ErrorKind, Event, Observation, Phase, TlsEstablished};
use super::plan::{QuitAfter, TlsPolicy};
use super::{Session, State};

impl Session {
    /// Implicit TLS: the handshake comes before the greeting.
    pub(super) fn start_implicit_tls(&mut self) {
        self.state = State::ImplicitTls;
        self.enter_phase(Phase::TlsHandshake, self.plan.timeouts.tls_handshake);
        self.start_tls = true;
    }

    /// `true` while the adapter owns the connection for a handshake.
    pub(super) fn awaiting_handshake(&self) -> bool {
        matches!(self.state, State::TlsHandshake | State::ImplicitTls)
    }

    /// After the plaintext EHLO: STARTTLS if the policy wants it and the server offers it.
    /// Returns `false` when TLS will not happen (the caller goes on without it).
    pub(super) fn maybe_start_tls(&mut self) -> bool {
        let offered = self.rec.extensions().is_some_and(|e| e.starttls());
        if self.rec.in_tls || self.quit_after <= QuitAfter::Ehlo {
            return false;
        }
        match self.plan.tls {
            TlsPolicy::Opportunistic | TlsPolicy::RequireStartTls if offered => {
                self.state = State::StartTls;
                self.rec.send(Command::StartTls);
                self.enter_phase(Phase::StartTls, self.plan.timeouts.command);
                true
            }
            TlsPolicy::RequireStartTls => {
                self.phase = Phase::StartTls;
                self.fail_then_quit(
                    ErrorKind::TlsUnavailable,
                    None,
                    "TLS is required but the server does not offer STARTTLS: refusing to go on in plaintext (a downgrade, or a server without TLS)".into(),
                );
                true
            }
            _ => false,
        }
    }

    pub(super) fn on_starttls(&mut self, reply: OwnedReply) {
        self.close_phase();
        let code = reply.code();
        if let Some(o) = self.rec.outcome_mut() {
            o.starttls_reply = Some(reply.clone());
        }
        self.rec.reply_event(Phase::StartTls, &reply);
        if code == 220 {
            // Anything already buffered behind the 220 was sent before the handshake.
            if !self.inbuf.is_empty() {
                self.fail_injection(self.inbuf.len());
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
        self.rec.observe(Observation::StartTlsRefused { code });
        if self.quit_after <= QuitAfter::Tls {
            self.quit();
        } else {
            self.start_auth_or_transaction();
        }
    }

    /// Input while the adapter should be doing the handshake.
    pub(super) fn plaintext_during_handshake(&mut self, n: usize) {
        if matches!(self.state, State::TlsHandshake) {
            // Plaintext after the 220 to STARTTLS and before the handshake.
            self.fail_injection(n);
        } else {
            self.fail(
                ErrorKind::Protocol,
                None,
                "plaintext bytes were passed to the session before the implicit TLS handshake (adapter bug)".into(),
            );
        }
    }

    /// The response-injection rule (CVE-2011-0411 class): drop the connection.
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

    /// TLS is up: greet (implicit TLS) or, after STARTTLS, forget the plaintext dialogue
    /// and EHLO again.
    pub(super) fn tls_established(&mut self, info: TlsEstablished) {
        self.close_phase();
        self.rec.in_tls = true;
        let note = format!(
            "TLS established ({}, certificate {})",
            info.version,
            if info.verified {
                "verified"
            } else {
                "NOT verified"
            }
        );
        self.rec.info(&note);
        if let Some(o) = self.rec.outcome_mut() {
            o.tls = Some(info);
            o.reached = Some(Phase::TlsHandshake);
        }
        self.rec.event(Event::TlsEstablished);
        if matches!(self.state, State::ImplicitTls) {
            self.state = State::Greeting;
            self.enter_phase(Phase::Greeting, self.plan.timeouts.greeting);
        } else {
            // RFC 3207 §4.2: forget everything learned before TLS and greet again.
            self.inbuf.clear();
            self.progress = ReplyProgress::default();
            self.send_ehlo(false);
        }
    }
}
