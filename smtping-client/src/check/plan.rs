//! From a [`Check`]'s options to what the session is asked to do: the TLS policy, the
//! timeouts, the main session's [`Plan`] with its test message, the relay probe's plan,
//! and the [`Context`] the assembler judges the facts against.

use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtping_proto::command::{Notify, Ret};
use smtping_proto::session::{
    AuthPlan, DsnRequest, Envelope, MechanismChoice, Message, Plan, QuitAfter, TestMessage,
    Timeouts, TlsPolicy,
};
use smtping_proto::{Address, Domain};

use super::{Check, MessageSpec, RELAY_PROBE_FROM, RELAY_PROBE_TO, SUBMISSIONS_PORT, TlsMode};
use crate::assemble::Context;
use crate::time::rfc5322_date;

impl Check {
    /// The TLS policy this check will use.
    pub(super) fn tls_policy(&self) -> TlsPolicy {
        match self.tls_mode {
            TlsMode::Auto if self.target.port() == SUBMISSIONS_PORT => TlsPolicy::Implicit,
            TlsMode::Auto => TlsPolicy::Opportunistic,
            TlsMode::StartTls => TlsPolicy::RequireStartTls,
            TlsMode::Implicit => TlsPolicy::Implicit,
            TlsMode::None => TlsPolicy::None,
        }
    }

    /// What the assembler needs to know about what was asked.
    pub(super) fn context(&self) -> Context {
        Context {
            input: self.target.input().to_owned(),
            host: self.target.host().to_owned(),
            // With --mx-port a mail domain's MX hosts are reached on that port: say so.
            port: match (self.target.kind(), self.mx_port) {
                (crate::target::TargetKind::MailDomain, Some(p)) => p,
                _ => self.target.port(),
            },
            policy: self.tls_policy(),
            redact: self.redact,
            recipient_domain: self
                .to
                .first()
                .and_then(|a| a.domain())
                .map(|d| d.as_str().to_owned()),
            login_requested: self.credentials.is_some(),
        }
    }

    /// `true` when this check may need TLS (its trust anchors are loaded up front).
    pub(super) fn uses_tls(&self) -> bool {
        let stops_before_tls = self.quit_after.is_some_and(|q| q <= QuitAfter::Ehlo)
            && self.tls_policy() != TlsPolicy::Implicit;
        self.tls_policy() != TlsPolicy::None && !stops_before_tls
    }

    /// The EHLO name: `--helo`, or our address as a literal (`[192.0.2.1]`).
    pub(super) fn ehlo_name(&self, local: IpAddr) -> Domain {
        self.helo.clone().unwrap_or_else(|| Domain::literal(local))
    }

    /// The one meaning of `--command-timeout` in every plan: the deadline for the
    /// greeting, each reply, the TLS handshake and the reply after the final dot (plus the
    /// default allowance per MiB of message); QUIT keeps its short default.
    fn timeouts(&self) -> Option<Timeouts> {
        self.command_timeout.map(command_timeouts)
    }

    /// The main session's plan and the Message-ID of the built-in message it carries.
    pub(super) fn plan(&self, local: IpAddr) -> (Plan, Option<String>) {
        let ehlo = self.ehlo_name(local);
        let mut message_id = None;
        let mut plan = Plan::new(ehlo.clone())
            .tls(self.tls_policy())
            .pipelining(self.pipelining)
            .redact_addresses(self.redact);
        if let Some(t) = self.timeouts() {
            plan = plan.timeouts(t);
        }
        if let Some(creds) = &self.credentials {
            let mut a = AuthPlan::new(creds.clone());
            if let Some(m) = &self.mechanism {
                a.mechanism = MechanismChoice::Exactly(m.clone());
            }
            a.allow_plaintext_without_tls = self.allow_plaintext_auth;
            a.allow_unverified_tls = self.allow_unverified_auth;
            plan = plan.auth(a);
        }
        if let Some(from) = &self.from
            && !self.to.is_empty()
        {
            let mut envelope = Envelope::new(from.clone(), self.to.clone());
            envelope.options.announce_size = self.announce_size;
            // The message is planned even when the check stops before sending it: its size
            // is declared with SIZE= at MAIL ("would you take this message?").
            let (message, id) = self.test_message(&ehlo);
            // A watched bounce mailbox: ask for failure and delay notices (headers only)
            // carrying an ENVID, so a later DSN is tied to this message by its
            // Original-Envelope-Id (RFC 3461); sent only when the server offers DSN.
            if let Some(envid) = id.as_deref().and_then(|id| self.bounce_envid(id)) {
                envelope.options.dsn = Some(DsnRequest {
                    notify: Some(Notify::FAILURE | Notify::DELAY),
                    ret: Some(Ret::Hdrs),
                    envid: Some(envid),
                });
            }
            plan = plan.envelope(envelope);
            if self.quit_after.is_none_or(|q| q >= QuitAfter::Deliver) {
                message_id = id;
            }
            plan = plan.message(message);
        }
        if let Some(q) = self.quit_after {
            plan = plan.quit_after(q);
        }
        (plan, message_id)
    }

    /// The relay probe's plan: same TLS policy (never required), no AUTH, outside to
    /// outside, stop at RCPT.
    pub(super) fn relay_plan(&self, local: IpAddr) -> Plan {
        let from = Address::new(RELAY_PROBE_FROM).unwrap_or_else(|_| Address::null());
        let to = Address::new(RELAY_PROBE_TO).map_or_else(|_| Vec::new(), |a| vec![a]);
        let mut plan = Plan::new(self.ehlo_name(local))
            .tls(match self.tls_policy() {
                TlsPolicy::RequireStartTls => TlsPolicy::Opportunistic,
                p => p,
            })
            .pipelining(self.pipelining)
            .envelope(Envelope::new(from, to))
            .quit_after(QuitAfter::Rcpt);
        if let Some(t) = self.timeouts() {
            plan = plan.timeouts(t);
        }
        plan
    }

    /// The message and, for the built-in one, its Message-ID. The padded test message is
    /// generated as it is sent, so memory does not grow with `--body-size`.
    fn test_message(&self, ehlo: &Domain) -> (Message, Option<String>) {
        let from = self.from.clone().unwrap_or_else(Address::null);
        let id = message_id(ehlo);
        let date = rfc5322_date(SystemTime::now());
        let base = TestMessage::new(&from, &self.to, &date, &id);
        match &self.message {
            MessageSpec::Builtin => match self.dkim.as_deref() {
                // Signed as built (a signing failure leaves it unsigned: the follow-through
                // then expects no signature, see `signed_domain`).
                Some(signer) => match signer.sign_message(&base.build()) {
                    Ok(bytes) => (Message::Raw(bytes), Some(id)),
                    Err(_) => (base.message(), Some(id)),
                },
                None => (base.message(), Some(id)),
            },
            MessageSpec::Sized(n) => (base.body_size(*n).message(), Some(id)),
            MessageSpec::Raw(b) => (Message::Raw(b.clone()), None),
        }
    }

    /// The ENVID sent with the built-in message `id` when a bounce mailbox is watched.
    pub(super) fn bounce_envid(&self, id: &str) -> Option<String> {
        self.follow
            .as_ref()
            .filter(|f| f.bounce_mailbox_url().is_some())
            .map(|_| envid_of(id))
    }

    /// The `d=` the built-in message is signed for (`None` when it is not signed).
    pub(super) fn signed_domain(&self) -> Option<String> {
        match (&self.dkim, &self.message) {
            (Some(signer), MessageSpec::Builtin) => Some(signer.domain().to_owned()),
            _ => None,
        }
    }
}

/// `--command-timeout d` as session timeouts (see [`Check::command_timeout`]).
pub(super) fn command_timeouts(d: Duration) -> Timeouts {
    Timeouts {
        greeting: d,
        command: d,
        tls_handshake: d,
        data_end_base: d,
        ..Timeouts::default()
    }
}

/// The ENVID of a built-in message: its Message-ID without the angle brackets (printable
/// ASCII, unique; xtext-encoded on the wire where needed).
pub(crate) fn envid_of(message_id: &str) -> String {
    message_id
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

/// A unique Message-ID: time, process and a counter, at the EHLO domain.
pub(crate) fn message_id(ehlo: &Domain) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let domain = if ehlo.is_literal() {
        "smtping.invalid".to_owned()
    } else {
        ehlo.as_str().to_owned()
    };
    format!("<smtping.{nanos:x}.{}.{n}@{domain}>", std::process::id())
}
