//! Turns what a check saw (DNS, attempts, the session's outcome, TLS facts) into a
//! [`Report`]: classified replies, traffic lights, findings with stable ids, timings and
//! the transcript.

use std::net::SocketAddr;
use std::time::Duration;

use smtping_classify::{Classification, Context, Reason, Stage, classify};
use smtping_proto::session::{
    DeliveryStatus, Direction, ErrorKind, Observation, Outcome, Phase, TlsPolicy, redact_addresses,
};
use smtping_proto::{Extensions, OwnedReply};

use crate::check::{Check, RELAY_PROBE_FROM, RELAY_PROBE_TO};
use crate::net::connect::AttemptOutcome;
use crate::report::{
    Attempt, DeliveryInfo, EhloInfo, ErrorInfo, Finding, MxInfo, RecipientInfo, RelayInfo,
    ReplyInfo, Report, Severity, Status, TargetInfo, TranscriptEntry,
};
use crate::runtime::SessionRun;
use crate::tls::{HandshakeFailureKind, Verification};

/// Certificates expiring within this many days get a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// [`reply_info`] with address local parts masked when `redact` is set.
fn redacted_reply(r: &OwnedReply, redact: bool) -> ReplyInfo {
    let mut info = reply_info(r);
    if redact {
        info.text = redact_addresses(&info.text);
    }
    info
}

pub(crate) fn reply_info(r: &OwnedReply) -> ReplyInfo {
    let enhanced = r.enhanced();
    let text = r
        .lines()
        .map(|l| {
            let l = String::from_utf8_lossy(l);
            match enhanced {
                Some(e) => {
                    let code = e.to_string();
                    l.strip_prefix(code.as_str())
                        .map_or_else(|| l.to_string(), |rest| rest.trim_start().to_owned())
                }
                None => l.into_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    ReplyInfo {
        code: r.code(),
        enhanced: enhanced.map(|e| e.to_string()),
        text,
    }
}

fn stage_of(phase: Phase) -> Option<Stage> {
    Some(match phase {
        Phase::Connect => Stage::Connect,
        Phase::Greeting => Stage::Greeting,
        Phase::Ehlo => Stage::Ehlo,
        Phase::StartTls | Phase::TlsHandshake => Stage::Starttls,
        Phase::Auth => Stage::Auth,
        Phase::Mail => Stage::Mail,
        Phase::Rcpt => Stage::Rcpt,
        Phase::Data => Stage::Data,
        Phase::DataEnd => Stage::DataEnd,
        Phase::Quit => Stage::Quit,
        _ => return None,
    })
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

/// Collects a check's results and builds the report.
pub(crate) struct Assembler {
    report: Report,
    policy: TlsPolicy,
    require_tls: bool,
    redact: bool,
    host: String,
    recipient_domain: Option<String>,
    connected: bool,
    message_planned: bool,
    message_id: Option<String>,
    login_requested: bool,
    failed_attempts: usize,
}

impl Assembler {
    pub(crate) fn new(check: &Check) -> Self {
        let policy = check.tls_policy();
        let mut report = Report {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            target: TargetInfo {
                input: check.target.input().to_owned(),
                host: check.target.host().to_owned(),
                port: check.target.port(),
                tls_mode: match policy {
                    TlsPolicy::Implicit => "implicit",
                    TlsPolicy::None => "none",
                    _ => "starttls",
                }
                .to_owned(),
            },
            ..Report::default()
        };
        report.tls.mode = report.target.tls_mode.clone();
        report.delivery.outcome = DeliveryStatus::NotTested.as_str().to_owned();
        report.auth.login.outcome = "not_tested".to_owned();
        Self {
            report,
            policy,
            require_tls: matches!(policy, TlsPolicy::RequireStartTls | TlsPolicy::Implicit),
            redact: check.redact,
            host: check.target.host().to_owned(),
            recipient_domain: check
                .to
                .first()
                .and_then(|a| a.domain())
                .map(|d| d.as_str().to_owned()),
            connected: false,
            message_planned: false,
            message_id: None,
            login_requested: check.credentials.is_some(),
            failed_attempts: 0,
        }
    }

    fn finding(&mut self, id: &str, severity: Severity, message: String, remediation: &str) {
        if self.report.findings.iter().any(|f| f.id == id) {
            return;
        }
        self.report
            .findings
            .push(Finding::new(id, severity, message, remediation));
    }

    fn error(&mut self, stage: &str, kind: &str, message: String) {
        if self.report.error.is_none() {
            self.report.error = Some(ErrorInfo {
                stage: stage.to_owned(),
                kind: kind.to_owned(),
                message,
            });
        }
    }

    pub(crate) fn dns_error(&mut self, message: String, elapsed: Duration) {
        self.report.timings_ms.dns = Some(ms(elapsed));
        self.report.connectivity.dns.error = Some(message.clone());
        self.error(
            "dns",
            "dns",
            format!("{message}; check the name, or try another resolver with --resolver"),
        );
    }

    pub(crate) fn null_mx(&mut self, elapsed: Duration) {
        self.report.timings_ms.dns = Some(ms(elapsed));
        self.report.connectivity.dns.null_mx = true;
        let msg = format!(
            "{} publishes a null MX (RFC 7505): it accepts no mail at all",
            self.host
        );
        self.report.connectivity.dns.error = Some(msg.clone());
        self.report.delivery.reason = Some(Reason::NullMx);
        self.report.delivery.hard = true;
        self.finding(
            "dns.null_mx",
            Severity::Error,
            msg.clone(),
            "If this domain should receive mail, replace the null MX (MX 0 .) with real MX records.",
        );
        self.error("dns", "dns", msg);
    }

    pub(crate) fn implicit_mx(&mut self) {
        self.report.connectivity.dns.implicit_mx = true;
        let msg = format!(
            "{} has no MX records; mail goes to its own address (implicit MX, RFC 5321 §5.1)",
            self.host
        );
        self.finding(
            "dns.implicit_mx",
            Severity::Info,
            msg,
            "Publish an MX record so that the mail route is explicit.",
        );
    }

    pub(crate) fn mx(&mut self, list: Vec<(u16, String)>) {
        self.report.connectivity.dns.mx = list
            .into_iter()
            .map(|(preference, host)| MxInfo { preference, host })
            .collect();
    }

    pub(crate) fn dns_done(&mut self, addresses: Vec<String>, elapsed: Duration) {
        self.report.timings_ms.dns = Some(ms(elapsed));
        self.report.connectivity.dns.addresses = addresses;
    }

    pub(crate) fn attempt(
        &mut self,
        addr: SocketAddr,
        outcome: AttemptOutcome,
        elapsed: Duration,
        error: Option<String>,
    ) {
        if outcome == AttemptOutcome::Connected {
            self.report.timings_ms.connect = Some(ms(elapsed));
        } else {
            self.failed_attempts += 1;
        }
        if self.report.connectivity.dns.addresses.is_empty()
            || !self
                .report
                .connectivity
                .dns
                .addresses
                .contains(&addr.to_string())
        {
            self.report
                .connectivity
                .dns
                .addresses
                .push(addr.to_string());
        }
        self.report.connectivity.attempts.push(Attempt {
            address: addr.to_string(),
            outcome: outcome.as_str().to_owned(),
            elapsed_ms: ms(elapsed),
            error,
        });
    }

    pub(crate) fn no_connection(&mut self) {
        let last = self.report.connectivity.attempts.last().cloned();
        let (kind, message) = match last {
            Some(a) => (
                a.outcome.clone(),
                a.error
                    .unwrap_or_else(|| format!("connection to {} failed", a.address)),
            ),
            None => ("io".to_owned(), "no address to connect to".to_owned()),
        };
        let kind = if kind == "error" {
            "io".to_owned()
        } else {
            kind
        };
        let n = self.report.connectivity.attempts.len();
        let message = if n > 1 {
            format!("all {n} addresses failed; the last: {message}")
        } else {
            message
        };
        self.error("connect", &kind, message);
    }

    pub(crate) fn tls_setup_error(&mut self, message: &str) {
        self.report.tls.error = Some(message.to_owned());
        self.error(
            "tls_handshake",
            "tls_handshake",
            format!("{message}; fix the --ca-file or --sni option"),
        );
    }

    pub(crate) fn connected(&mut self, addr: SocketAddr, host: &str, message_planned: bool) {
        self.connected = true;
        self.host = host.to_owned();
        self.message_planned = message_planned;
        self.report.connectivity.connected_to = Some(addr.to_string());
        if self.failed_attempts > 0 {
            self.finding(
                "connect.partial_failure",
                Severity::Warning,
                format!(
                    "{} of {} connection attempts failed before {addr} answered",
                    self.failed_attempts,
                    self.failed_attempts + 1
                ),
                "Check the addresses that failed: other senders may try them first.",
            );
        }
    }

    /// Records the Message-ID the built-in message carried.
    pub(crate) fn set_message_id(&mut self, id: Option<String>) {
        self.message_id = id;
    }

    pub(crate) fn session(&mut self, run: SessionRun) {
        let o = &run.outcome;
        if let Some(g) = &o.greeting {
            self.report.connectivity.greeting = Some(self.reply_info(g));
        }
        self.ehlo(o);
        self.tls(&run);
        self.auth(o);
        self.delivery(o);
        self.observations(o);
        self.timings(o);
        self.transcript(o);
        if let Some(e) = &o.error {
            let kind = match e.kind {
                ErrorKind::Closed => "closed",
                ErrorKind::Timeout => "timeout",
                ErrorKind::TlsHandshake => "tls_handshake",
                ErrorKind::TlsInjection => "tls_injection",
                ErrorKind::Protocol => "protocol",
                ErrorKind::LimitExceeded => "limit_exceeded",
                ErrorKind::Rejected => "rejected",
                ErrorKind::TlsUnavailable => "tls_unavailable",
                ErrorKind::Refused => "refused_by_client",
                _ => "io",
            };
            let mut message = e.message.clone();
            if let Some(r) = &e.reply {
                let c = self.classify(r, e.phase);
                message = format!("{message} — {} {}", c.explanation, c.remediation);
            } else if e.kind == ErrorKind::Timeout {
                message.push_str(": the server is overloaded, or a filter is holding the connection; retry, or raise --command-timeout");
            } else if e.kind == ErrorKind::Closed {
                message
                    .push_str(": the server (or a firewall) dropped the session; its logs say why");
            }
            self.error(e.phase.as_str(), kind, message);
        }
    }

    /// Records the relay probe's result.
    pub(crate) fn relay(&mut self, run: &SessionRun, port: u16) {
        let o = &run.outcome;
        let d = &o.delivery;
        let mut info = RelayInfo {
            tested: true,
            envelope: format!("{RELAY_PROBE_FROM} -> {RELAY_PROBE_TO}"),
            stage: d.phase.map(|p| p.as_str().to_owned()),
            reply: d.reply.as_ref().map(|r| self.reply_info(r)),
            ..RelayInfo::default()
        };
        let accepted_rcpt = d
            .recipients
            .iter()
            .any(|r| r.rcpt_reply.as_ref().is_some_and(|x| x.code() / 100 == 2));
        info.open = accepted_rcpt;
        if d.status == DeliveryStatus::NotTested || d.status == DeliveryStatus::Unknown {
            info.error = o.error.as_ref().map(|e| e.message.clone());
        }
        if info.open {
            let submission = matches!(port, 587 | 465);
            let (id, msg, fix) = if submission {
                (
                    "auth.required_not_enforced",
                    format!(
                        "the submission port {port} accepted mail for an outside domain without AUTH"
                    ),
                    "Require authentication before relaying on submission ports (Postfix: smtpd_relay_restrictions = permit_sasl_authenticated, reject).",
                )
            } else {
                (
                    "relay.open",
                    format!(
                        "open relay: the server accepted {RELAY_PROBE_TO} from {RELAY_PROBE_FROM} without AUTH; spammers will find and abuse it"
                    ),
                    "Restrict relaying to your own networks and authenticated users (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination).",
                )
            };
            self.finding(id, Severity::Error, msg, fix);
        }
        self.report.relay = Some(info);
    }

    /// The relay probe could not run.
    pub(crate) fn relay_error(&mut self, message: String) {
        self.report.relay = Some(RelayInfo {
            tested: true,
            envelope: format!("{RELAY_PROBE_FROM} -> {RELAY_PROBE_TO}"),
            error: Some(message),
            ..RelayInfo::default()
        });
    }

    fn reply_info(&self, r: &OwnedReply) -> ReplyInfo {
        redacted_reply(r, self.redact)
    }

    fn classify(&self, r: &OwnedReply, phase: Phase) -> Classification {
        let mut ctx = Context::new().remote_host(&self.host);
        if let Some(s) = stage_of(phase) {
            ctx = ctx.stage(s);
        }
        if let Some(d) = &self.recipient_domain {
            ctx = ctx.recipient_domain(d);
        }
        classify(&r.as_reply(), &ctx)
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
        let t = &mut self.report.tls;
        t.offered = self.policy == TlsPolicy::Implicit || o.starttls_offered;
        t.established = o.tls.is_some();
        if let Some(d) = &run.tls {
            t.version = Some(d.version.clone());
            t.cipher_suite = Some(d.cipher_suite.clone());
            t.sni.clone_from(&d.sni);
            t.certificate = d.certificate();
            t.problems.clone_from(&d.problems);
            t.verification_detail = Some(d.verification_detail.clone());
            t.chain.clone_from(&d.chain);
        }
        if let Some(f) = &run.tls_failure {
            t.error = Some(f.message.clone());
        }
        let injection = o
            .error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::TlsInjection);
        if injection {
            t.error = o.error.as_ref().map(|e| e.message.clone());
            self.finding(
                "tls.injection",
                Severity::Error,
                "bytes arrived between the 220 reply to STARTTLS and the TLS handshake: a STARTTLS response-injection attack or a broken middlebox (CVE-2011-0411 class)".into(),
                "Upgrade the server (or the proxy in front of it) so that it discards pipelined plaintext at STARTTLS.",
            );
        }
        if self.policy != TlsPolicy::None
            && self.policy != TlsPolicy::Implicit
            && o.extensions.is_some()
            && !o.starttls_offered
        {
            let severity = if self.require_tls {
                Severity::Error
            } else {
                Severity::Warning
            };
            self.finding(
                "tls.not_offered",
                severity,
                format!("{} does not offer STARTTLS: mail to it travels in clear text", self.host),
                "Enable STARTTLS with a certificate for the MX host name (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files).",
            );
        }
        if let Some(code) = o.observations.iter().find_map(|x| match x {
            Observation::StartTlsRefused { code } => Some(*code),
            _ => None,
        }) {
            self.finding(
                "tls.starttls_refused",
                Severity::Warning,
                format!("STARTTLS is advertised but was refused with {code}; the session went on in clear text"),
                "Check the server's TLS certificate and key files and its TLS log lines.",
            );
        }
        if let Some(f) = &run.tls_failure
            && f.kind == HandshakeFailureKind::ProtocolVersion
        {
            self.finding(
                "tls.weak_version",
                Severity::Error,
                "the server offers no TLS version SMTPing accepts (1.2 or 1.3): it probably supports only TLS 1.0/1.1, deprecated by RFC 8996".into(),
                "Enable TLS 1.2 and 1.3 on the server (OpenSSL: MinProtocol = TLSv1.2; Postfix: smtpd_tls_protocols = >=TLSv1.2).",
            );
        }
        if let Some(f) = &run.tls_failure {
            self.finding(
                "tls.handshake_failed",
                Severity::Error,
                format!("the TLS handshake failed: {}", f.message),
                "Check the server's TLS configuration (protocol versions, ciphers, certificate and key).",
            );
        }
        let Some(d) = &run.tls else {
            return;
        };
        if d.verification != Verification::Valid {
            let problems = d
                .problems
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            self.finding(
                "tls.certificate_invalid",
                Severity::Error,
                format!(
                    "the certificate does not verify ({problems}): {}",
                    d.verification_detail
                ),
                d.verification.remediation(),
            );
        }
        if d.version == "TLSv1.2" {
            self.finding(
                "tls.no_tls13",
                Severity::Info,
                "TLS 1.2 was negotiated: the server does not offer TLS 1.3".into(),
                "Enable TLS 1.3 (OpenSSL 1.1.1 or newer) for faster, safer handshakes.",
            );
        }
        if let Some(leaf) = d.chain.first()
            && leaf.error.is_none()
            && leaf.days_remaining >= 0
            && leaf.days_remaining <= EXPIRY_WARNING_DAYS
        {
            self.finding(
                "tls.certificate_expiring",
                Severity::Warning,
                format!(
                    "the certificate expires in {} days ({})",
                    leaf.days_remaining, leaf.not_after
                ),
                "Renew the certificate now (and check that automatic renewal works).",
            );
        }
    }

    fn auth(&mut self, o: &Outcome) {
        let before = if o.tls.is_some() || self.policy == TlsPolicy::Implicit {
            if self.policy == TlsPolicy::Implicit {
                Vec::new()
            } else {
                mechanisms(o.extensions.as_ref())
            }
        } else {
            mechanisms(o.extensions.as_ref())
        };
        let after = mechanisms(o.extensions_tls.as_ref());
        let plaintext_before = o.extensions.as_ref().is_some_and(|e| {
            self.policy != TlsPolicy::Implicit
                && e.auth_mechanisms().iter().any(|m| m.is_plaintext())
        });
        self.report.auth.mechanisms_before_tls = before;
        self.report.auth.mechanisms_after_tls = after;
        if plaintext_before {
            self.finding(
                "auth.plaintext_offered",
                Severity::Warning,
                "AUTH PLAIN/LOGIN is offered before TLS: a client may send its password in clear text".into(),
                "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}).",
            );
        }
        let redact = self.redact;
        let login = &mut self.report.auth.login;
        if let Some(a) = &o.auth {
            login.tested = true;
            login.mechanism = a.mechanism.as_ref().map(|m| m.as_str().to_owned());
            login.outcome = if a.success { "success" } else { "failure" }.to_owned();
            login.reply = a.reply.as_ref().map(|r| redacted_reply(r, redact));
        } else if self.login_requested {
            let refused = o
                .error
                .as_ref()
                .is_some_and(|e| e.phase == Phase::Auth && e.kind == ErrorKind::Refused);
            let broke_off = o
                .error
                .as_ref()
                .is_some_and(|e| e.phase == Phase::Auth && e.kind != ErrorKind::Refused);
            if refused {
                login.outcome = "refused_by_client".to_owned();
            } else if broke_off {
                // The exchange started but never got a final reply (timeout, close, …).
                login.tested = true;
                login.outcome = "error".to_owned();
            }
        }
    }

    fn delivery(&mut self, o: &Outcome) {
        let d = &o.delivery;
        let phase = d.phase;
        let rep_phase = phase.unwrap_or(Phase::DataEnd);
        let mut info = DeliveryInfo {
            outcome: d.status.as_str().to_owned(),
            stage: phase.map(|p| p.as_str().to_owned()),
            reply: d.reply.as_ref().map(|r| self.reply_info(r)),
            message_id: if d.message_bytes > 0 {
                self.message_id.clone()
            } else {
                None
            },
            ..DeliveryInfo::default()
        };
        match (&d.reply, d.status) {
            (_, DeliveryStatus::NotTested) => {}
            (Some(r), _) => {
                let c = self.classify(r, rep_phase);
                info.reason = Some(c.reason);
                info.hard = c.hard && d.status == DeliveryStatus::Bounced;
                info.explanation = Some(c.explanation);
                info.remediation = Some(c.remediation);
            }
            (None, _) => {
                info.reason = Some(Reason::Unknown);
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
        // After a refused MAIL the server answers the (pipelined) RCPTs with 503 "need
        // MAIL": that says nothing about the recipients, whose fate MAIL's reply decided.
        let refused_at_mail = phase == Some(Phase::Mail) && d.status != DeliveryStatus::Accepted;
        for r in &d.recipients {
            let address = if self.redact {
                r.address.redacted()
            } else {
                r.address.as_str().to_owned()
            };
            let reason = match (&r.rcpt_reply, r.status) {
                (_, DeliveryStatus::Accepted) => Some(Reason::Accepted),
                (_, DeliveryStatus::Deferred | DeliveryStatus::Bounced) if refused_at_mail => {
                    info.reason
                }
                (Some(reply), DeliveryStatus::Deferred | DeliveryStatus::Bounced)
                    if reply.code() / 100 != 2 =>
                {
                    Some(self.classify(reply, Phase::Rcpt).reason)
                }
                (_, DeliveryStatus::NotTested) => None,
                _ => info.reason,
            };
            info.recipients.push(RecipientInfo {
                address,
                outcome: r.status.as_str().to_owned(),
                reply: r.rcpt_reply.as_ref().map(|x| self.reply_info(x)),
                reason,
            });
        }
        let refused = info
            .recipients
            .iter()
            .filter(|r| r.outcome != "accepted")
            .count();
        if d.status == DeliveryStatus::Accepted && refused > 0 {
            self.finding(
                "delivery.partial",
                Severity::Warning,
                format!(
                    "{refused} of {} recipients were refused; the others were accepted",
                    info.recipients.len()
                ),
                "See each recipient's reply and reason below.",
            );
        }
        self.report.delivery = info;
    }

    fn observations(&mut self, o: &Outcome) {
        for ob in &o.observations {
            match ob {
                Observation::BareLf { phase } => self.finding(
                    "smtp.bare_lf",
                    Severity::Warning,
                    format!("the server ended reply lines with a bare LF (first at {}); RFC 5321 requires CRLF", phase.as_str()),
                    "Fix the server (or proxy) to send CRLF line endings; strict clients refuse bare LF.",
                ),
                Observation::EnhancedCodeMismatch { phase, code, enhanced } => self.finding(
                    "smtp.enhanced_code_mismatch",
                    Severity::Warning,
                    format!("a {code} reply (at {}) carried enhanced code {enhanced} of another class; it was ignored", phase.as_str()),
                    "Fix the server's reply texts so that the enhanced code's class matches the reply code (RFC 3463).",
                ),
                Observation::HeloFallback { code } => self.finding(
                    "smtp.ehlo_refused",
                    Severity::Warning,
                    format!("EHLO was refused with {code}; SMTPing fell back to HELO, which offers no ESMTP extension (TLS, SIZE, PIPELINING)"),
                    "Enable ESMTP on the server or on the firewall/proxy in front of it.",
                ),
                Observation::MessageExceedsSize { message, limit } => self.finding(
                    "smtp.message_exceeds_size",
                    Severity::Info,
                    format!("the test message ({message} octets) is larger than the advertised SIZE {limit}"),
                    "Expected when testing the size limit; otherwise send a smaller --body-size.",
                ),
                Observation::DataWithoutRecipients => self.finding(
                    "smtp.data_without_recipients",
                    Severity::Warning,
                    "the server answered 354 to DATA although it had refused every recipient (RFC 2920 says it should refuse DATA); only an empty message was sent".into(),
                    "Report it to the server's vendor: a pipelining client could send content that is then dropped.",
                ),
                Observation::QuitNotAcknowledged => self.finding(
                    "smtp.quit_not_acknowledged",
                    Severity::Info,
                    "QUIT got no 221 reply (the outcome is not affected)".into(),
                    "Nothing to do unless the server's logs show lost sessions.",
                ),
                _ => {}
            }
        }
    }

    fn timings(&mut self, o: &Outcome) {
        let t = &o.timings;
        let m = |d: Option<Duration>| d.map(ms);
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
                dir: match l.direction {
                    Direction::Client => "client",
                    Direction::Server => "server",
                    _ => "info",
                }
                .to_owned(),
                tls: l.tls,
                line: l.text.clone(),
            })
            .collect();
        if o.transcript.dropped() > 0 {
            self.report.transcript.push(TranscriptEntry {
                t_ms: ms(o.timings.total),
                dir: "info".into(),
                tls: false,
                line: format!("[{} more lines not kept]", o.transcript.dropped()),
            });
        }
    }

    /// Computes the statuses, verdict and summary.
    pub(crate) fn finish(mut self, total: Duration) -> Report {
        self.report.timings_ms.total = ms(total);
        let r = &mut self.report;
        let greeting_ok = r
            .connectivity
            .greeting
            .as_ref()
            .is_some_and(|g| g.code == 220);
        let error_stage = r.error.as_ref().map(|e| e.stage.clone());
        r.connectivity.status = if !self.connected
            && r.connectivity.attempts.is_empty()
            && r.connectivity.dns.error.is_none()
            && r.timings_ms.dns.is_none()
        {
            Status::Grey // stopped before DNS or any connection (e.g. a bad CA file)
        } else if !self.connected
            || matches!(error_stage.as_deref(), Some("greeting"))
            || !greeting_ok && r.error.is_some()
        {
            Status::Red
        } else if self.failed_attempts > 0 {
            Status::Amber
        } else {
            Status::Green
        };
        // TLS
        let cert_ok = r
            .tls
            .certificate
            .as_ref()
            .is_some_and(|c| c.verification == Verification::Valid);
        let tls_error = matches!(
            r.error.as_ref().map(|e| e.kind.as_str()),
            Some("tls_handshake" | "tls_injection" | "tls_unavailable")
        ) || r
            .error
            .as_ref()
            .is_some_and(|e| matches!(e.stage.as_str(), "starttls" | "tls_handshake"));
        r.tls.status = if tls_error || (r.tls.established && !cert_ok) {
            Status::Red
        } else if r.tls.established {
            if r.findings
                .iter()
                .any(|f| f.id == "tls.certificate_expiring")
            {
                Status::Amber
            } else {
                Status::Green
            }
        } else if r
            .findings
            .iter()
            .any(|f| f.id == "tls.not_offered" || f.id == "tls.starttls_refused")
        {
            Status::Amber
        } else {
            // Not requested, not reached, or the plan stopped before STARTTLS.
            Status::Grey
        };
        // AUTH
        r.auth.status = match r.auth.login.outcome.as_str() {
            "failure" => Status::Red,
            "refused_by_client" => Status::Amber,
            "success" if r.findings.iter().any(|f| f.id == "auth.plaintext_offered") => {
                Status::Amber
            }
            "success" => Status::Green,
            _ if r.findings.iter().any(|f| f.id == "auth.plaintext_offered") => Status::Amber,
            _ if !r.auth.mechanisms_after_tls.is_empty()
                || !r.auth.mechanisms_before_tls.is_empty() =>
            {
                Status::Green
            }
            _ => Status::Grey,
        };
        // Delivery
        r.delivery.status = match r.delivery.outcome.as_str() {
            "accepted" if r.findings.iter().any(|f| f.id == "delivery.partial") => Status::Amber,
            "accepted" => Status::Green,
            "deferred" => Status::Amber,
            "bounced" | "unknown" => Status::Red,
            _ => Status::Grey,
        };
        if r.connectivity.dns.null_mx {
            r.delivery.status = Status::Red;
            r.delivery.outcome = "bounced".into();
        }
        let mut verdict = r
            .connectivity
            .status
            .worst(r.tls.status)
            .worst(r.auth.status)
            .worst(r.delivery.status);
        // Findings weigh too: an error finding (open relay, injection) makes it red, a
        // warning at least amber.
        for f in &r.findings {
            verdict = verdict.worst(match f.severity {
                Severity::Error => Status::Red,
                Severity::Warning => Status::Amber,
                _ => Status::Grey,
            });
        }
        // An error makes the check red, except a 421 in the middle of a transaction: the
        // server talked and deferred the mail (the delivery area is amber).
        let deferred_by_421 = r
            .error
            .as_ref()
            .is_some_and(|e| e.kind == "rejected" && r.delivery.outcome == "deferred");
        if r.error.is_some() && !deferred_by_421 {
            verdict = Status::Red;
        }
        if verdict == Status::Grey {
            verdict = Status::Green;
        }
        r.verdict = verdict;
        r.findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        r.summary = summary(r);
        self.report
    }
}

fn summary(r: &Report) -> String {
    let target = format!("{}:{}", r.target.host, r.target.port);
    if let Some(e) = &r.error
        && (e.stage == "dns" || e.stage == "connect")
    {
        return format!("{target}: cannot talk — {}", e.message);
    }
    let mut parts = Vec::new();
    if let Some(g) = &r.connectivity.greeting {
        parts.push(format!("greeting {}", g.code));
    }
    if r.tls.established {
        let v = r
            .tls
            .certificate
            .as_ref()
            .map_or("unknown", |c| c.verification.as_str());
        parts.push(format!(
            "{} (certificate {v})",
            r.tls.version.as_deref().unwrap_or("TLS")
        ));
    } else if r.tls.error.is_some() {
        parts.push("TLS failed".into());
    } else if r.findings.iter().any(|f| f.id == "tls.not_offered") {
        parts.push("no TLS offered".into());
    }
    match r.auth.login.outcome.as_str() {
        "success" => parts.push("login ok".into()),
        "failure" => parts.push("login failed".into()),
        _ => {}
    }
    if r.delivery.outcome != "not_tested" {
        let code = r
            .delivery
            .reply
            .as_ref()
            .map(|x| match &x.enhanced {
                Some(e) => format!(" {} {e}", x.code),
                None => format!(" {}", x.code),
            })
            .unwrap_or_default();
        let reason = r
            .delivery
            .reason
            .filter(|x| *x != Reason::Accepted)
            .map(|x| format!(" ({x})"))
            .unwrap_or_default();
        parts.push(format!("delivery {}{code}{reason}", r.delivery.outcome));
    }
    if r.relay.as_ref().is_some_and(|x| x.open) {
        parts.push("OPEN RELAY".into());
    }
    if let Some(e) = &r.error {
        parts.push(format!("stopped at {}: {}", e.stage, e.kind));
    }
    if parts.is_empty()
        && let Some(to) = &r.connectivity.connected_to
    {
        parts.push(format!("connected to {to}"));
    }
    format!("{target}: {}", parts.join(", "))
}

#[cfg(test)]
mod tests;
