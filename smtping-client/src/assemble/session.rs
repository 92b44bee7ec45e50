//! The session's facts in the report: greeting, EHLO, TLS, AUTH, the transaction, the
//! relay probe, observations, timings and the transcript.

use std::net::IpAddr;

use smtping_classify::Reason;
use smtping_proto::Extensions;
use smtping_proto::session::{
    DeliveryStatus, Direction, ErrorKind as SessionErrorKind, Observation, Outcome, Phase,
    TlsPolicy,
};

use super::{Builder, EXPIRY_WARNING_DAYS, ms};
use crate::report::{
    DeliveryInfo, DeliveryOutcome, EhloInfo, ErrorKind, Finding, FindingId, LoginOutcome,
    RecipientInfo, RelayInfo, Severity, Stage, TranscriptEntry,
};
use crate::runtime::SessionRun;
use crate::tls::{HandshakeFailureKind, TlsVersion, Verification};

/// Loopback, private (RFC 1918, RFC 4193), link-local and shared (RFC 6598) addresses: a
/// server's own networks, which MTAs commonly allow to relay.
fn is_trusted_network(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

fn keywords(ext: &Extensions) -> Vec<String> {
    ext.keywords()
        .map(|(k, p)| {
            if p.is_empty() {
                k.to_owned()
            } else {
                format!("{k} {p}")
            }
        })
        .collect()
}

fn mechanisms(ext: Option<&Extensions>) -> Vec<String> {
    ext.map(|e| {
        e.auth_mechanisms()
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect()
    })
    .unwrap_or_default()
}

impl Builder<'_> {
    pub(super) fn session(&mut self, run: &SessionRun, message_id: Option<&str>) {
        let o = &run.outcome;
        if let Some(g) = &o.greeting {
            self.report.connectivity.greeting = Some(self.reply_info(g));
        }
        self.ehlo(o);
        self.tls(run);
        self.auth(o);
        self.delivery(o, message_id);
        self.observations(o);
        self.timings(o);
        self.transcript(o);
        self.session_error(o, run.io_error);
    }

    /// Why the session stopped, with the classified reply or the likely cause.
    fn session_error(&mut self, o: &Outcome, io_error: Option<std::io::ErrorKind>) {
        let Some(e) = &o.error else {
            return;
        };
        let mut message = e.message.clone();
        if let Some(r) = e
            .reply
            .as_ref()
            .filter(|_| e.kind != SessionErrorKind::Protocol)
        {
            // A refusal is explained by its reply; a protocol error's reply answered
            // nothing, so its classification would mislead.
            let c = self.classify(r, e.phase);
            message = format!("{message} — {} {}", c.explanation, c.remediation);
        } else if e.kind == SessionErrorKind::Timeout
            && e.phase == Phase::Greeting
            && self.cx.policy != TlsPolicy::Implicit
            && o.transcript
                .lines()
                .iter()
                .all(|l| l.direction != Direction::Server)
        {
            // Not a byte came: an implicit-TLS port waits for our ClientHello.
            message.push_str(": the server said nothing at all. If this port speaks TLS from the first byte (like 465), use --tls implicit; otherwise the server is overloaded or a filter is holding the connection (raise --command-timeout)");
        } else if e.kind == SessionErrorKind::Timeout {
            message.push_str(": the server is overloaded, or a filter is holding the connection; retry, or raise --command-timeout");
        } else if e.kind == SessionErrorKind::Closed {
            message.push_str(": the server (or a firewall) dropped the session; its logs say why");
        }
        if e.kind == SessionErrorKind::Refused && e.phase == Phase::Auth {
            // SMTPing kept the credentials to itself: name the flag that lifts the guard.
            message.push_str(match &o.tls {
                None => " — to send them anyway (lab servers only), add --auth-plaintext",
                Some(t) if !t.verified => {
                    " — trust the server's CA with --ca-file, or add --auth-insecure-tls to send them over this unverified TLS"
                }
                Some(_) => "",
            });
        }
        if e.kind == SessionErrorKind::TlsHandshake
            && let Some(hint) = self
                .report
                .tls
                .error
                .as_deref()
                .and_then(|t| t.split_once("; this port probably speaks plain SMTP"))
                .map(|(_, rest)| rest)
        {
            message.push_str("; this port probably speaks plain SMTP");
            message.push_str(hint);
        }
        let kind = match (e.kind, io_error) {
            // The session keeps only the words of an I/O error; the driver kept its kind.
            (
                SessionErrorKind::Io,
                Some(std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted),
            ) => ErrorKind::Reset,
            (kind, _) => ErrorKind::from(kind),
        };
        self.error(Stage::from(e.phase), kind, message);
    }

    fn ehlo(&mut self, o: &Outcome) {
        let main = o.extensions_tls.as_ref().or(o.extensions.as_ref());
        if let Some(ext) = main {
            self.report.ehlo = Some(EhloInfo {
                server_name: ext.server_name().to_owned(),
                keywords: keywords(ext),
                size: ext.size(),
                pipelining: ext.pipelining(),
                starttls: o.starttls_offered,
                smtputf8: ext.smtputf8(),
                eightbitmime: ext.eightbitmime(),
                chunking: ext.chunking(),
                dsn: ext.dsn(),
                auth_mechanisms: mechanisms(Some(ext)),
                helo_fallback: o.used_helo,
            });
        }
    }

    fn tls(&mut self, run: &SessionRun) {
        let o = &run.outcome;
        let policy = self.cx.policy;
        let t = &mut self.report.tls;
        t.offered = policy == TlsPolicy::Implicit || o.starttls_offered;
        t.established = o.tls.is_some();
        if let Some(d) = &run.tls {
            t.version = TlsVersion::from_name(&d.version);
            t.cipher_suite = Some(d.cipher_suite.clone());
            t.sni.clone_from(&d.sni);
            t.certificate = d.certificate();
            t.problems.clone_from(&d.problems);
            t.verification_detail = Some(d.verification_detail.clone());
            t.chain.clone_from(&d.chain);
        }
        if let Some(f) = &run.tls_failure {
            t.error = Some(
                if policy == TlsPolicy::Implicit && f.kind == HandshakeFailureKind::NotTls {
                    // The answer was an SMTP greeting, not a ServerHello.
                    format!(
                        "{}; this port probably speaks plain SMTP first, so use --tls starttls (or --tls none)",
                        f.message
                    )
                } else {
                    f.message.clone()
                },
            );
        }
        if let Some(e) = o
            .error
            .as_ref()
            .filter(|e| e.kind == SessionErrorKind::TlsInjection)
        {
            self.report.tls.error = Some(e.message.clone());
            self.finding(
                FindingId::TlsInjection,
                "bytes arrived between the 220 reply to STARTTLS and the TLS handshake: a STARTTLS response-injection attack or a broken middlebox (CVE-2011-0411 class)".into(),
            );
        }
        self.tls_offer(o);
        if let Some(f) = &run.tls_failure {
            if f.kind == HandshakeFailureKind::ProtocolVersion {
                self.finding(
                    FindingId::TlsWeakVersion,
                    "the server offers no TLS version SMTPing accepts (1.2 or 1.3): it probably supports only TLS 1.0/1.1, deprecated by RFC 8996".into(),
                );
            }
            let why = self
                .report
                .tls
                .error
                .clone()
                .unwrap_or_else(|| f.message.clone());
            self.finding(
                FindingId::TlsHandshakeFailed,
                format!("the TLS handshake failed: {why}"),
            );
        }
        if let Some(d) = &run.tls {
            self.certificate(d);
        }
    }

    /// STARTTLS not offered, or offered and refused.
    fn tls_offer(&mut self, o: &Outcome) {
        let policy = self.cx.policy;
        if policy != TlsPolicy::None
            && policy != TlsPolicy::Implicit
            && o.extensions.is_some()
            && !o.starttls_offered
        {
            let severity = if self.cx.require_tls() {
                Severity::Error
            } else {
                Severity::Warning
            };
            let msg = format!(
                "{} does not offer STARTTLS: mail to it travels in clear text",
                self.host
            );
            self.add(Finding::new(FindingId::TlsNotOffered, msg).severity(severity));
        }
        if let Some(code) = o.observations.iter().find_map(|x| match x {
            Observation::StartTlsRefused { code } => Some(*code),
            _ => None,
        }) {
            self.finding(
                FindingId::TlsStarttlsRefused,
                format!("STARTTLS is advertised but was refused with {code}; the session went on in clear text"),
            );
        }
    }

    /// The certificate's verdict, the version, and the expiry warning.
    fn certificate(&mut self, d: &crate::tls::TlsDetails) {
        if d.verification != Verification::Valid {
            let problems = d
                .problems
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            let msg = format!(
                "the certificate does not verify ({problems}): {}",
                d.verification_detail
            );
            self.add(
                Finding::new(FindingId::TlsCertificateInvalid, msg)
                    .remediation(d.verification.remediation()),
            );
        }
        if d.version == TlsVersion::Tls12.as_str() {
            self.finding(
                FindingId::TlsNoTls13,
                "TLS 1.2 was negotiated: the server does not offer TLS 1.3".into(),
            );
        }
        if let Some(leaf) = d.chain.first()
            && leaf.error.is_none()
            && leaf.days_remaining >= 0
            && leaf.days_remaining <= EXPIRY_WARNING_DAYS
        {
            self.finding(
                FindingId::TlsCertificateExpiring,
                format!(
                    "the certificate expires in {} days ({})",
                    leaf.days_remaining, leaf.not_after
                ),
            );
        }
    }

    fn auth(&mut self, o: &Outcome) {
        let implicit = self.cx.policy == TlsPolicy::Implicit;
        let before = if implicit {
            Vec::new()
        } else {
            mechanisms(o.extensions.as_ref())
        };
        let plaintext_before = !implicit
            && o.extensions
                .as_ref()
                .is_some_and(|e| e.auth_mechanisms().has_plaintext());
        self.report.auth.mechanisms_before_tls = before;
        self.report.auth.mechanisms_after_tls = mechanisms(o.extensions_tls.as_ref());
        if plaintext_before {
            self.finding(
                FindingId::AuthPlaintextOffered,
                "AUTH PLAIN/LOGIN is offered before TLS: a client may send its password in clear text".into(),
            );
        }
        let reply = o
            .auth
            .as_ref()
            .and_then(|a| a.reply.as_ref())
            .map(|r| self.reply_info(r));
        let login = &mut self.report.auth.login;
        if let Some(a) = &o.auth {
            login.tested = true;
            login.mechanism = a.mechanism.as_ref().map(|m| m.as_str().to_owned());
            login.outcome = if a.success {
                LoginOutcome::Success
            } else {
                LoginOutcome::Failure
            };
            login.reply = reply;
        } else if self.cx.login_requested
            && let Some(e) = o.error.as_ref().filter(|e| e.phase == Phase::Auth)
        {
            if e.kind == SessionErrorKind::Refused {
                login.outcome = LoginOutcome::RefusedByClient;
            } else {
                // The exchange started but never got a final reply (timeout, close, …).
                login.tested = true;
                login.outcome = LoginOutcome::Error;
            }
        }
    }

    fn delivery(&mut self, o: &Outcome, message_id: Option<&str>) {
        let d = &o.delivery;
        let phase = d.phase;
        let mut info = DeliveryInfo {
            outcome: d.status.into(),
            stage: phase.map(Stage::from),
            reply: d.reply.as_ref().map(|r| self.reply_info(r)),
            message_id: message_id
                .filter(|_| d.message_bytes > 0)
                .map(str::to_owned),
            ..DeliveryInfo::default()
        };
        match (&d.reply, d.status) {
            (_, DeliveryStatus::NotTested) => {}
            // A reply that does not answer the final dot (a 354 to MAIL, replies that cannot
            // be matched to their commands) decides nothing: its class must not leak into
            // the reason ("accepted" next to outcome unknown).
            (Some(r), status) if status != DeliveryStatus::Unknown => {
                let c = self.classify(r, phase.unwrap_or(Phase::DataEnd));
                info.reason = Some(c.reason);
                info.hard = c.hard && d.status == DeliveryStatus::Bounced;
                info.explanation = Some(c.explanation);
                info.remediation = Some(c.remediation);
            }
            (_, _) => {
                let protocol = o
                    .error
                    .as_ref()
                    .is_some_and(|e| e.kind == SessionErrorKind::Protocol);
                info.reason = Some(if protocol {
                    Reason::ProtocolError
                } else {
                    Reason::Unknown
                });
                info.explanation = Some(o.error.as_ref().map_or_else(
                    || "The transaction did not complete.".to_owned(),
                    |e| format!("{}.", e.message),
                ));
                info.remediation = Some(if phase == Some(Phase::DataEnd) {
                    "Check the recipient's mailbox (or the server's logs for the Message-ID) before sending again, to avoid a duplicate.".to_owned()
                } else {
                    "Retry; if it keeps failing, check the server's logs for this connection."
                        .to_owned()
                });
            }
        }
        info.recipients = self.recipients(o, info.reason);
        let refused = info
            .recipients
            .iter()
            .filter(|r| r.outcome != DeliveryOutcome::Accepted)
            .count();
        if d.status == DeliveryStatus::Accepted && refused > 0 {
            self.finding(
                FindingId::DeliveryPartial,
                format!(
                    "{refused} of {} recipients were refused; the others were accepted",
                    info.recipients.len()
                ),
            );
        }
        self.report.delivery = info;
    }

    /// Each recipient's outcome and reason (`transaction` is the delivery's reason).
    fn recipients(&self, o: &Outcome, transaction: Option<Reason>) -> Vec<RecipientInfo> {
        let d = &o.delivery;
        // After a refused MAIL the server answers the (pipelined) RCPTs with 503 "need
        // MAIL": that says nothing about the recipients, whose fate MAIL's reply decided.
        let refused_at_mail = d.phase == Some(Phase::Mail) && d.status != DeliveryStatus::Accepted;
        d.recipients
            .iter()
            .map(|r| {
                let address = if self.cx.redact {
                    r.address.redacted()
                } else {
                    r.address.as_str().to_owned()
                };
                let reason = match (&r.rcpt_reply, r.status) {
                    (_, DeliveryStatus::Accepted) => Some(Reason::Accepted),
                    (_, DeliveryStatus::Deferred | DeliveryStatus::Bounced) if refused_at_mail => {
                        transaction
                    }
                    (Some(reply), DeliveryStatus::Deferred | DeliveryStatus::Bounced)
                        if reply.code() / 100 != 2 =>
                    {
                        Some(self.classify(reply, Phase::Rcpt).reason)
                    }
                    (_, DeliveryStatus::NotTested) => None,
                    _ => transaction,
                };
                RecipientInfo {
                    address,
                    outcome: r.status.into(),
                    reply: r.rcpt_reply.as_ref().map(|x| self.reply_info(x)),
                    reason,
                }
            })
            .collect()
    }

    /// The relay probe's result.
    pub(super) fn relay(&mut self, run: &SessionRun, from: &str, to: &str, local: IpAddr) {
        let o = &run.outcome;
        let d = &o.delivery;
        let mut info = RelayInfo {
            tested: true,
            envelope: format!("{from} -> {to}"),
            stage: d.phase.map(Stage::from),
            reply: d.reply.as_ref().map(|r| self.reply_info(r)),
            ..RelayInfo::default()
        };
        info.open = d
            .recipients
            .iter()
            .any(|r| r.rcpt_reply.as_ref().is_some_and(|x| x.code() / 100 == 2));
        if d.status == DeliveryStatus::NotTested || d.status == DeliveryStatus::Unknown {
            info.error = o.error.as_ref().map(|e| e.message.clone());
        }
        if info.open {
            let port = self.cx.port;
            let (id, mut message) = if matches!(port, 587 | 465) {
                (
                    FindingId::AuthRequiredNotEnforced,
                    format!(
                        "the submission port {port} accepted mail for an outside domain without AUTH"
                    ),
                )
            } else {
                (
                    FindingId::RelayOpen,
                    format!(
                        "open relay: the server accepted {to} from {from} without AUTH; spammers will find and abuse it"
                    ),
                )
            };
            let mut finding = Finding::new(id, String::new());
            if is_trusted_network(local) {
                // Postfix's mynetworks, Exim's relay_from_hosts: relaying for the local
                // network is normal, so this may not be what outsiders get.
                message.push_str(&format!(
                    ", but the probe ran from {local}, an address the server may trust (loopback or a private network: Postfix mynetworks, Exim relay_from_hosts); the result may not hold for outside senders"
                ));
                // Still an error: from here SMTPing cannot tell a trusted network from an
                // open relay, and an open relay is the worse mistake to miss.
                finding = finding.remediation(
                    "Run the probe from a host outside the server's networks (a cloud VM, another site) to see what strangers get; if that relays too, restrict relaying to your own networks and authenticated users.",
                );
            }
            finding.message = message;
            self.add(finding);
        }
        self.report.relay = Some(info);
    }

    /// The relay probe could not run.
    pub(super) fn relay_error(&mut self, from: &str, to: &str, message: &str) {
        self.report.relay = Some(RelayInfo {
            tested: true,
            envelope: format!("{from} -> {to}"),
            error: Some(message.to_owned()),
            ..RelayInfo::default()
        });
    }

    fn observations(&mut self, o: &Outcome) {
        for ob in &o.observations {
            let (id, message) = match ob {
                Observation::BareLf { phase } => (
                    FindingId::SmtpBareLf,
                    format!("the server ended reply lines with a bare LF (first at {}); RFC 5321 requires CRLF", phase.as_str()),
                ),
                Observation::EnhancedCodeMismatch { phase, code, enhanced } => (
                    FindingId::SmtpEnhancedCodeMismatch,
                    format!("a {code} reply (at {}) carried enhanced code {enhanced} of another class; it was ignored", phase.as_str()),
                ),
                Observation::HeloFallback { code } => (
                    FindingId::SmtpEhloRefused,
                    format!("EHLO was refused with {code}; SMTPing fell back to HELO, which offers no ESMTP extension (TLS, SIZE, PIPELINING)"),
                ),
                Observation::MessageExceedsSize { message, limit } => (
                    FindingId::SmtpMessageExceedsSize,
                    format!("the test message ({message} octets) is larger than the advertised SIZE {limit}"),
                ),
                Observation::DataWithoutRecipients => (
                    FindingId::SmtpDataWithoutRecipients,
                    "the server answered 354 to DATA although it had refused every recipient (RFC 2920 says it should refuse DATA); only an empty message was sent".into(),
                ),
                Observation::UnsolicitedReply { phase } => (
                    FindingId::SmtpUnsolicitedReply,
                    format!("the server sent a reply at {} before SMTPing sent the command it would answer; such a reply cannot be believed (a broken server, a proxy, or an injection attempt), so the check stopped", phase.as_str()),
                ),
                Observation::RepliesUnmatched { phase } => (
                    FindingId::SmtpRepliesUnmatched,
                    format!("the replies to the transaction (at {}) cannot be matched to SMTPing's commands (an extra reply, or the wrong kind for its command), so no recipient's result can be trusted", phase.as_str()),
                ),
                Observation::QuitNotAcknowledged => (
                    FindingId::SmtpQuitNotAcknowledged,
                    "QUIT got no 221 reply (the outcome is not affected)".into(),
                ),
                _ => continue,
            };
            self.finding(id, message);
        }
    }

    fn timings(&mut self, o: &Outcome) {
        let t = &o.timings;
        let m = |d: Option<std::time::Duration>| d.map(ms);
        let ti = &mut self.report.timings_ms;
        ti.greeting = m(t.greeting);
        ti.ehlo = m(t.ehlo);
        ti.starttls = m(t.starttls);
        ti.tls_handshake = m(t.tls_handshake);
        ti.auth = m(t.auth);
        ti.mail = m(t.mail);
        ti.rcpt = m(t.rcpt);
        ti.data = m(t.data);
    }

    fn transcript(&mut self, o: &Outcome) {
        self.report.transcript = o
            .transcript
            .lines()
            .iter()
            .map(|l| TranscriptEntry {
                t_ms: ms(l.offset),
                dir: l.direction.into(),
                tls: l.tls,
                line: l.text.clone(),
            })
            .collect();
        if o.transcript.dropped() > 0 {
            self.report.transcript.push(TranscriptEntry {
                t_ms: ms(o.timings.total),
                dir: crate::report::Direction::Info,
                tls: false,
                line: format!("[{} more lines not kept]", o.transcript.dropped()),
            });
        }
    }
}
