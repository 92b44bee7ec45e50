//! The pure half of the engine: `assemble(context, facts) -> Report`.
//!
//! It turns what a check saw ([`Facts`]: DNS, attempts, the session's outcome, TLS facts,
//! the relay probe) into a [`Report`]: classified replies, traffic lights, findings with
//! stable ids, timings and the transcript. No I/O, no clock, no callbacks: the same facts
//! always give the same report, so it is unit-tested from hand-built facts.
//!
//! - `mod.rs`: the entry point, DNS and connection facts;
//! - `session.rs`: greeting, EHLO, TLS, AUTH, delivery, observations, transcript;
//! - `verdict.rs`: each area's status, the verdict and the summary.

use std::time::Duration;

use smtping_classify::{Classification, Reason, classify};
use smtping_proto::OwnedReply;
use smtping_proto::session::{Phase, TlsPolicy, redact_addresses};

use crate::facts::{Facts, RelayFacts};
use crate::report::{
    Attempt, ErrorInfo, ErrorKind, Finding, FindingId, MxInfo, ReplyInfo, Report, Severity, Stage,
    Status, TargetInfo, TlsModeUsed,
};

mod follow;
mod retry;
mod session;
mod signals;
mod transport;
mod verdict;

pub use follow::follow_through_info;

/// Certificates expiring within this many days get a warning.
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// What the check asked for: the yardstick the facts are judged against.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context {
    /// The target as given.
    pub input: String,
    /// The host or mail domain.
    pub host: String,
    /// The port the report names.
    pub port: u16,
    /// The TLS policy the session used.
    pub policy: TlsPolicy,
    /// Mask address local parts.
    pub redact: bool,
    /// The first recipient's domain (for provider rules).
    pub recipient_domain: Option<String>,
    /// A login test was asked for.
    pub login_requested: bool,
}

impl Context {
    /// A context for `host:port` with the given policy and nothing else asked.
    #[must_use]
    pub fn new(
        input: impl Into<String>,
        host: impl Into<String>,
        port: u16,
        policy: TlsPolicy,
    ) -> Self {
        Self {
            input: input.into(),
            host: host.into(),
            port,
            policy,
            redact: false,
            recipient_domain: None,
            login_requested: false,
        }
    }

    /// TLS is required: a server without it fails the check.
    fn require_tls(&self) -> bool {
        matches!(
            self.policy,
            TlsPolicy::RequireStartTls | TlsPolicy::Implicit
        )
    }
}

/// Builds the report of a check from what it saw.
///
/// ```
/// use smtping_client::assemble::{assemble, Context};
/// use smtping_client::facts::Facts;
/// use smtping_proto::session::TlsPolicy;
///
/// let mut facts = Facts::default();
/// facts.dns.error = Some("MX lookup for gone.test failed: NXDOMAIN".into());
/// let report = assemble(&Context::new("gone.test", "gone.test", 25, TlsPolicy::Opportunistic), facts);
/// assert_eq!(report.verdict.as_str(), "red");
/// assert_eq!(report.error.unwrap().kind, "dns");
/// ```
#[must_use]
pub fn assemble(context: &Context, mut facts: Facts) -> Report {
    let hosts = facts.hosts.take();
    let mut b = Builder::new(context);
    b.dns(&facts);
    b.attempts(&facts);
    if let Some(e) = &facts.setup_error {
        b.tls_setup_error(e);
    }
    if let Some(c) = &facts.connected {
        b.connected(c.address, &c.host);
    }
    if let Some(run) = &facts.session {
        b.session(run, facts.message_id.as_deref());
    }
    match &facts.relay {
        Some(RelayFacts::Ran {
            run,
            from,
            to,
            local,
        }) => b.relay(run, from, to, *local),
        Some(RelayFacts::Failed { from, to, error }) => b.relay_error(from, to, error),
        None => {}
    }
    if let Some(s) = &facts.signals {
        b.signals(s);
    }
    if let Some(scan) = &facts.tls_scan {
        b.tls_scan(scan);
    }
    if let Some(d) = &facts.dane {
        b.dane(d);
    }
    if let Some(e) = &facts.enforcement {
        b.enforcement(e);
    }
    if let Some(p) = &facts.sweep {
        b.sweep(&facts, p);
    }
    if let Some(f) = &facts.follow_through {
        b.follow_through(f);
    }
    let mut report = b.finish(facts.total);
    retry::attempts(&mut report, &facts.retries);
    if let Some(hosts) = hosts {
        transport::merge_hosts(context, &mut report, hosts);
    }
    report
}

/// Milliseconds with one decimal.
fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 10_000.0).round() / 10.0
}

/// A reply as the report shows it: code, enhanced code, the text without either.
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

/// The classifier's stage for a session phase.
fn classify_stage(phase: Phase) -> Option<smtping_classify::Stage> {
    use smtping_classify::Stage as S;
    Some(match phase {
        Phase::Connect => S::Connect,
        Phase::Greeting => S::Greeting,
        Phase::Ehlo => S::Ehlo,
        Phase::StartTls | Phase::TlsHandshake => S::Starttls,
        Phase::Auth => S::Auth,
        Phase::Mail => S::Mail,
        Phase::Rcpt => S::Rcpt,
        Phase::Data => S::Data,
        Phase::DataEnd => S::DataEnd,
        Phase::Quit => S::Quit,
        _ => return None,
    })
}

/// The report under construction, with what the steps need to know of each other.
struct Builder<'c> {
    report: Report,
    cx: &'c Context,
    /// The host connected to (the MX host for a domain target).
    host: String,
    connected: bool,
    failed_attempts: usize,
}

impl<'c> Builder<'c> {
    fn new(cx: &'c Context) -> Self {
        let mode = TlsModeUsed::of(cx.policy);
        let mut report = Report {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            target: TargetInfo {
                input: cx.input.clone(),
                host: cx.host.clone(),
                port: cx.port,
                tls_mode: mode,
            },
            ..Report::default()
        };
        report.tls.mode = mode;
        Self {
            report,
            cx,
            host: cx.host.clone(),
            connected: false,
            failed_attempts: 0,
        }
    }

    /// Adds a finding once (the first message for an id wins).
    fn add(&mut self, finding: Finding) {
        if !self.report.findings.iter().any(|f| f.id == finding.id) {
            self.report.findings.push(finding);
        }
    }

    /// The TLS scan and its findings.
    fn tls_scan(&mut self, scan: &crate::tls::scan::TlsScan) {
        self.report.tls.scan = serde_json::to_value(scan).ok();
        // One finding per id: the scan reports each legacy version and weak suite on its
        // own; they are joined, with the worst severity.
        let mut grouped: Vec<(FindingId, Severity, Vec<String>)> = Vec::new();
        for p in scan.problems() {
            let Ok(id) = p.finding_id().parse::<FindingId>() else {
                continue;
            };
            match grouped.iter_mut().find(|(g, _, _)| *g == id) {
                Some((_, severity, messages)) => {
                    *severity = (*severity).max(p.severity());
                    messages.push(p.to_string());
                }
                None => grouped.push((id, p.severity(), vec![p.to_string()])),
            }
        }
        for (id, severity, messages) in grouped {
            self.add(Finding::new(id, messages.join("; ")).severity(severity));
        }
    }

    /// `tls.dane` and the DANE findings (the ids of [`smtping_signals::dane::DaneProblem`]).
    fn dane(&mut self, d: &crate::facts::DaneFacts) {
        use smtping_signals::dane::TlsaLookup;
        let mut info = crate::report::DaneInfo {
            name: d.tlsa_name.clone(),
            error: d.error.clone(),
            ..crate::report::DaneInfo::default()
        };
        if let Some(h) = &d.host {
            info.tlsa = h
                .tlsa
                .iter()
                .map(|t| crate::domain::TlsaInfo {
                    usage: t.usage,
                    selector: t.selector,
                    matching: t.matching,
                    data: t.data.clone(),
                })
                .collect();
            info.usable = h.usable;
            info.matched = h.matched;
            info.error = info.error.take().or_else(|| h.error.clone());
            info.status = match (&h.lookup, h.usable, h.matched) {
                (TlsaLookup::Failed, ..) | (_, _, Some(false)) => Status::Red,
                (TlsaLookup::Records, false, _) => Status::Amber,
                (TlsaLookup::Records, true, _) => Status::Green,
                _ => Status::Grey,
            };
            for p in &h.problems {
                let Ok(id) = p.finding_id().parse::<FindingId>() else {
                    continue;
                };
                let severity = match p.severity() {
                    smtping_signals::dkim::Severity::Error => Severity::Error,
                    smtping_signals::dkim::Severity::Warning => Severity::Warning,
                    _ => Severity::Info,
                };
                self.add(Finding::new(id, format!("{}: {p}", d.tlsa_name)).severity(severity));
            }
        } else {
            info.status = Status::Grey;
        }
        self.report.tls.dane = Some(info);
    }

    /// `follow_through`; its findings join the report's when the catalogue knows their id.
    fn follow_through(&mut self, f: &crate::facts::FollowFacts) {
        let info = follow_through_info(f);
        for x in &info.findings {
            if let Ok(id) = x.id.parse::<FindingId>() {
                self.add(Finding::new(id, x.message.clone()).severity(x.severity));
            }
        }
        self.report.follow_through = Some(info);
    }

    fn finding(&mut self, id: FindingId, message: String) {
        self.add(Finding::new(id, message));
    }

    /// Records why the check stopped (the first error wins).
    fn error(&mut self, stage: Stage, kind: ErrorKind, message: String) {
        if self.report.error.is_none() {
            self.report.error = Some(ErrorInfo {
                stage,
                kind,
                message,
            });
        }
    }

    fn reply_info(&self, r: &OwnedReply) -> ReplyInfo {
        let mut info = reply_info(r);
        if self.cx.redact {
            info.text = redact_addresses(&info.text);
        }
        info
    }

    fn classify(&self, r: &OwnedReply, phase: Phase) -> Classification {
        let mut ctx = smtping_classify::Context::new().remote_host(&self.host);
        if let Some(s) = classify_stage(phase) {
            ctx = ctx.stage(s);
        }
        if let Some(d) = &self.cx.recipient_domain {
            ctx = ctx.recipient_domain(d);
        }
        classify(&r.as_reply(), &ctx)
    }

    fn dns(&mut self, facts: &Facts) {
        let f = &facts.dns;
        let dns = &mut self.report.connectivity.dns;
        self.report.timings_ms.dns = f.elapsed.map(ms);
        dns.addresses = f.addresses.iter().map(ToString::to_string).collect();
        dns.mx =
            f.mx.iter()
                .map(|(preference, host)| MxInfo {
                    preference: *preference,
                    host: host.clone(),
                })
                .collect();
        dns.implicit_mx = f.implicit_mx;
        dns.null_mx = f.null_mx;
        self.dns_oddities(f);
        if f.implicit_mx {
            let msg = format!(
                "{} has no MX records; mail goes to its own address (implicit MX, RFC 5321 §5.1)",
                self.cx.host
            );
            self.finding(FindingId::DnsImplicitMx, msg);
        }
        if f.null_mx {
            let msg = format!(
                "{} publishes a null MX (RFC 7505): it accepts no mail at all",
                self.cx.host
            );
            self.report.connectivity.dns.error = Some(msg.clone());
            self.report.delivery.reason = Some(Reason::NullMx);
            self.report.delivery.hard = true;
            self.finding(FindingId::DnsNullMx, msg.clone());
            self.error(Stage::Dns, ErrorKind::Dns, msg);
        } else if let Some(message) = &f.error {
            self.report.connectivity.dns.error = Some(message.clone());
            self.error(
                Stage::Dns,
                ErrorKind::Dns,
                format!("{message}; check the name, or try another resolver with --resolver"),
            );
        }
    }

    /// DNS answers that work but mislead: a null MX among real ones, address literals as
    /// exchanges, names that resolve to this machine or to no machine.
    fn dns_oddities(&mut self, f: &crate::facts::DnsFacts) {
        let domain = &self.cx.host;
        if f.null_mx_mixed {
            self.finding(
                FindingId::DnsNullMxMixed,
                format!("{domain} publishes a null MX (\".\") next to real MX records; RFC 7505 says a null MX must stand alone, so senders may treat the domain as accepting no mail"),
            );
        }
        if !f.literal_mx.is_empty() {
            let usable = f.mx.len() > f.literal_mx.len();
            let msg = format!(
                "MX exchange(s) {} of {domain} are IP addresses, not host names (RFC 5321 §5.1); mail servers such as Postfix skip them{}",
                f.literal_mx.join(", "),
                if usable { "" } else { ", so no MX is usable" }
            );
            let severity = if usable {
                Severity::Warning
            } else {
                Severity::Error
            };
            self.add(Finding::new(FindingId::DnsMxAddressLiteral, msg).severity(severity));
        }
        if !f.loopback.is_empty() {
            let list = f
                .loopback
                .iter()
                .map(|(name, ip)| format!("{name} → {ip}"))
                .collect::<Vec<_>>()
                .join(", ");
            self.finding(
                FindingId::DnsLoopbackAddress,
                format!("{list}: a public name resolves to a loopback address, so this check tests the machine it runs on, and other senders cannot deliver to it"),
            );
        }
        if !f.unspecified.is_empty() {
            let list = f
                .unspecified
                .iter()
                .map(|(name, ip)| format!("{name} → {ip}"))
                .collect::<Vec<_>>()
                .join(", ");
            self.finding(
                FindingId::DnsUnspecifiedAddress,
                format!(
                    "{list}: the unspecified address names no server; SMTPing did not connect to it"
                ),
            );
        }
    }

    fn attempts(&mut self, facts: &Facts) {
        for a in &facts.attempts {
            let address = a.address.to_string();
            if a.outcome == crate::net::connect::AttemptOutcome::Connected {
                self.report.timings_ms.connect = Some(ms(a.elapsed));
            } else {
                self.failed_attempts += 1;
            }
            if !self.report.connectivity.dns.addresses.contains(&address) {
                self.report.connectivity.dns.addresses.push(address.clone());
            }
            self.report.connectivity.attempts.push(Attempt {
                address,
                outcome: a.outcome.into(),
                elapsed_ms: ms(a.elapsed),
                error: a.error.clone(),
            });
        }
        let tried = !facts.attempts.is_empty();
        if tried && facts.connected.is_none() && facts.setup_error.is_none() {
            self.no_connection();
        }
    }

    /// Every attempt failed: the last one says why.
    fn no_connection(&mut self) {
        let attempts = &self.report.connectivity.attempts;
        let n = attempts.len();
        let (kind, message) = match attempts.last() {
            Some(a) => (
                ErrorKind::from(a.outcome),
                a.error
                    .clone()
                    .unwrap_or_else(|| format!("connection to {} failed", a.address)),
            ),
            None => (ErrorKind::Io, "no address to connect to".to_owned()),
        };
        let message = if n > 1 {
            format!("all {n} addresses failed; the last: {message}")
        } else {
            message
        };
        self.error(Stage::Connect, kind, message);
    }

    fn tls_setup_error(&mut self, message: &str) {
        self.report.tls.error = Some(message.to_owned());
        self.error(
            Stage::TlsHandshake,
            ErrorKind::TlsHandshake,
            format!("{message}; fix the --ca-file or --sni option"),
        );
    }

    fn connected(&mut self, addr: std::net::SocketAddr, host: &str) {
        self.connected = true;
        host.clone_into(&mut self.host);
        self.report.connectivity.connected_to = Some(addr.to_string());
        if self.failed_attempts > 0 {
            let msg = format!(
                "{} of {} connection attempts failed before {addr} answered",
                self.failed_attempts,
                self.failed_attempts + 1
            );
            self.finding(FindingId::ConnectPartialFailure, msg);
        }
    }
}

/// A severity's weight in the verdict.
const fn severity_status(s: Severity) -> crate::report::Status {
    use crate::report::Status;
    match s {
        Severity::Error => Status::Red,
        Severity::Warning => Status::Amber,
        Severity::Info => Status::Grey,
    }
}

#[cfg(test)]
mod tests;
