//! The transport-in-depth parts of a report: the STARTTLS enforcement probe
//! (`tls.enforced`), the port sweep (`sweep`) and every MX address (`hosts[]`).

use smtping_proto::OwnedReply;
use smtping_proto::session::redact_addresses;

use super::{Builder, Context, assemble, ms};
use crate::facts::{Connected, Facts, HostFacts, HostRun, PortFacts, PortRun, RelayFacts};
use crate::report::{
    AttemptResult, EnforcementInfo, Finding, FindingId, HostResult, Report, Severity, Stage,
    Status, SweepInfo, SweepPort, TlsModeUsed,
};
use crate::runtime::SessionRun;

/// `true` when a refusal says TLS (or AUTH, which needs it) must come first: `530`,
/// the enhanced codes `x.7.10`/`x.7.11`, or words about TLS or encryption.
fn asks_for_tls(r: &OwnedReply) -> bool {
    let text = r.text_lossy().to_ascii_lowercase();
    let enhanced = r.enhanced().map(|e| e.to_string()).unwrap_or_default();
    r.code() == 530
        || enhanced.ends_with(".7.10")
        || enhanced.ends_with(".7.11")
        || text.contains("tls")
        || text.contains("encrypt")
}

impl Builder<'_> {
    /// `from -> to`, local parts masked with `--redact`.
    fn envelope_words(&self, from: &str, to: &str) -> String {
        let words = format!("{from} -> {to}");
        if self.cx.redact {
            redact_addresses(&words)
        } else {
            words
        }
    }

    /// The enforcement probe: `tls.enforced`, `tls.enforcement`, `tls.not_enforced`.
    pub(super) fn enforcement(&mut self, facts: &RelayFacts) {
        let (run, from, to) = match facts {
            RelayFacts::Failed { from, to, error } => {
                self.report.tls.enforcement = Some(EnforcementInfo {
                    envelope: self.envelope_words(from, to),
                    detail: "the enforcement probe could not run".into(),
                    error: Some(error.clone()),
                    ..EnforcementInfo::default()
                });
                return;
            }
            RelayFacts::Ran { run, from, to, .. } => (run, from, to),
        };
        let o = &run.outcome;
        let d = &o.delivery;
        let mail = d.mail_reply.as_ref();
        let rcpt = d.recipients.first().and_then(|r| r.rcpt_reply.as_ref());
        let (enforced, stage, reply, detail) = match (mail, rcpt) {
            (Some(m), _) if m.code() / 100 != 2 && asks_for_tls(m) => (
                Some(true),
                Stage::Mail,
                Some(m),
                "the server refused MAIL FROM before STARTTLS".to_owned(),
            ),
            (Some(m), _) if m.code() / 100 != 2 => (
                None,
                Stage::Mail,
                Some(m),
                "MAIL FROM was refused for another reason than TLS: enforcement unknown".to_owned(),
            ),
            (Some(_), Some(r)) if r.code() / 100 == 2 => (
                Some(false),
                Stage::Rcpt,
                Some(r),
                "the server accepted MAIL FROM and RCPT TO in plaintext, before STARTTLS".to_owned(),
            ),
            (Some(_), Some(r)) if asks_for_tls(r) => (
                Some(true),
                Stage::Rcpt,
                Some(r),
                "the server accepted MAIL FROM but refused RCPT TO before STARTTLS".to_owned(),
            ),
            (Some(m), r) => (
                Some(false),
                if r.is_some() { Stage::Rcpt } else { Stage::Mail },
                r.or(Some(m)),
                "the server accepted MAIL FROM in plaintext, before STARTTLS (the recipient was refused for another reason)".to_owned(),
            ),
            (None, _) => (
                None,
                o.error.as_ref().map_or(Stage::Mail, |e| Stage::from(e.phase)),
                None,
                "the probe stopped before MAIL FROM: enforcement unknown".to_owned(),
            ),
        };
        let info = EnforcementInfo {
            envelope: self.envelope_words(from, to),
            stage: Some(stage),
            reply: reply.map(|r| self.reply_info(r)),
            detail: detail.clone(),
            error: o.error.as_ref().map(|e| e.message.clone()),
        };
        self.report.tls.enforced = enforced;
        self.report.tls.enforcement = Some(info);
        if enforced == Some(false) {
            let port = self.cx.port;
            let mut f = Finding::new(FindingId::TlsNotEnforced, format!("port {port}: {detail}"));
            if port == crate::target::SMTP_PORT {
                f.message.push_str(
                    " (normal for a public MX: RFC 3207 §4 says a publicly referenced server must not require TLS)",
                );
                f = f.severity(Severity::Info);
            }
            self.add(f);
        }
    }

    /// The port sweep: `sweep` and `sweep.port25_blocked`.
    pub(super) fn sweep(&mut self, facts: &Facts, ports: &[PortFacts]) {
        let mut list = Vec::new();
        for p in ports {
            let (outcome, elapsed_ms, tls_established, error) = match &p.run {
                PortRun::Main => {
                    let (o, est, err) = port_outcome(facts.session.as_ref());
                    let t = &self.report.timings_ms;
                    // Answered: until the greeting; otherwise until the session gave up.
                    let after_connect = match (o, t.greeting, facts.session_elapsed) {
                        (AttemptResult::Connected, Some(g), _) => g,
                        (_, _, Some(s)) => ms(s),
                        _ => 0.0,
                    };
                    let elapsed = t.connect.unwrap_or(0.0) + after_connect;
                    (o, (elapsed * 10.0).round() / 10.0, est, err)
                }
                PortRun::Failed(a) => (a.outcome.into(), ms(a.elapsed), false, a.error.clone()),
                PortRun::Ran(_, run, total) => {
                    let (o, est, err) = port_outcome(Some(run));
                    (o, ms(*total), est, err)
                }
            };
            list.push(SweepPort {
                port: p.port,
                tls_mode: if p.implicit_tls {
                    TlsModeUsed::Implicit
                } else {
                    TlsModeUsed::StartTls
                },
                outcome,
                elapsed_ms,
                address: p.address.to_string(),
                tls_established,
                error,
            });
        }
        let (status, conclusion, blocked) = conclude(&list);
        if blocked {
            self.finding(FindingId::SweepPort25Blocked, conclusion.clone());
        }
        self.report.sweep = Some(SweepInfo {
            status,
            ports: list,
            conclusion,
        });
    }
}

/// How a port's short session went: answered (a greeting, or the implicit TLS
/// handshake), timed out, reset, or failed otherwise.
fn port_outcome(run: Option<&SessionRun>) -> (AttemptResult, bool, Option<String>) {
    let Some(run) = run else {
        return (AttemptResult::Connected, false, None);
    };
    let established = run.tls.is_some();
    let error = run.outcome.error.as_ref();
    let message = error.map(|e| e.message.clone());
    if run.outcome.greeting.is_some() || established {
        return (AttemptResult::Connected, established, message);
    }
    let outcome = match error.map(|e| e.kind) {
        Some(smtping_proto::session::ErrorKind::Timeout) => AttemptResult::Timeout,
        Some(smtping_proto::session::ErrorKind::Io)
            if run.io_error == Some(std::io::ErrorKind::ConnectionReset) =>
        {
            AttemptResult::Reset
        }
        _ => AttemptResult::Error,
    };
    (outcome, established, message)
}

/// `25`, `465 and 587`, `25, 465 and 587`.
fn join_ports(ports: &[u16]) -> String {
    let words: Vec<String> = ports.iter().map(u16::to_string).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The sweep's status, its one-sentence conclusion, and whether it is the "port 25
/// blocked here" pattern.
fn conclude(ports: &[SweepPort]) -> (Status, String, bool) {
    let with = |o: AttemptResult| -> Vec<u16> {
        ports
            .iter()
            .filter(|p| p.outcome == o)
            .map(|p| p.port)
            .collect()
    };
    let answered = with(AttemptResult::Connected);
    let all: Vec<u16> = ports.iter().map(|p| p.port).collect();
    if answered.len() == ports.len() {
        return (
            Status::Green,
            format!("every port answered ({})", join_ports(&all)),
            false,
        );
    }
    let timed_out = with(AttemptResult::Timeout);
    let refused = with(AttemptResult::Refused);
    if answered.is_empty() {
        let sentence = if timed_out.len() == ports.len() {
            format!(
                "{} timed out: the host is down, or a firewall (on this network or at the server) drops all of these ports",
                join_ports(&all)
            )
        } else if refused.len() == ports.len() {
            format!(
                "{} refused the connection: the host is up but nothing listens on these ports",
                join_ports(&all)
            )
        } else {
            format!("no port answered: {}", describe_failures(ports))
        };
        return (Status::Red, sentence, false);
    }
    let blocked25 = ports.iter().find(|p| {
        p.port == crate::target::SMTP_PORT
            && matches!(
                p.outcome,
                AttemptResult::Timeout | AttemptResult::Unreachable
            )
    });
    let submission_answered = answered.iter().any(|p| [465, 587].contains(p));
    if let Some(p25) = blocked25
        && submission_answered
    {
        let how = if p25.outcome == AttemptResult::Timeout {
            "timed out"
        } else {
            "was unreachable"
        };
        return (
            Status::Amber,
            format!(
                "25 {how} while {} answered: outbound port 25 is probably blocked on this network (common on cloud and residential networks); use the submission port or a relay",
                join_ports(&answered)
            ),
            true,
        );
    }
    (
        Status::Amber,
        format!(
            "{} answered; {}",
            join_ports(&answered),
            describe_failures(ports)
        ),
        false,
    )
}

/// The failed ports grouped by outcome, in words.
fn describe_failures(ports: &[SweepPort]) -> String {
    let groups = [
        (AttemptResult::Timeout, "timed out (filtered or down)"),
        (
            AttemptResult::Refused,
            "refused the connection (nothing listening)",
        ),
        (AttemptResult::Reset, "reset the connection"),
        (AttemptResult::Unreachable, "had no route"),
        (AttemptResult::Error, "failed"),
    ];
    groups
        .iter()
        .filter_map(|(o, words)| {
            let list: Vec<u16> = ports
                .iter()
                .filter(|p| p.outcome == *o)
                .map(|p| p.port)
                .collect();
            (!list.is_empty()).then(|| format!("{} {words}", join_ports(&list)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Adds `hosts[]` to a finished report: the main address from the report itself, every
/// other one assembled from its own facts; the worst decides the verdict. Each address's
/// facts are consumed and dropped as it is summarised, so the report keeps only the summary
/// (the facts held before assembly are bounded: at most `MAX_ALL_MX_ADDRESSES` sessions).
pub(super) fn merge_hosts(cx: &Context, report: &mut Report, hosts: Vec<HostFacts>) {
    let own_verdict = report.verdict;
    let mut out = Vec::with_capacity(hosts.len());
    let mut not_green = 0;
    for h in hosts {
        let address = h.address.to_string();
        let port = h.address.port();
        let entry = match h.run {
            HostRun::Main => HostResult {
                name: h.name,
                address,
                port,
                verdict: own_verdict,
                connectivity: report.connectivity.status,
                tls: report.tls.status,
                summary: without_target(report, &report.summary),
                error: report.error.clone(),
            },
            run => {
                let facts = match run {
                    HostRun::Ran(attempt, session) => Facts {
                        attempts: vec![attempt],
                        connected: Some(Connected::new(h.address, h.name.clone())),
                        session: Some(*session),
                        ..Facts::default()
                    },
                    HostRun::Failed(attempt) => Facts {
                        attempts: vec![attempt],
                        ..Facts::default()
                    },
                    HostRun::Main => Facts::default(),
                };
                let sub = assemble(cx, facts);
                let entry = HostResult {
                    name: h.name,
                    address,
                    port,
                    verdict: sub.verdict,
                    connectivity: sub.connectivity.status,
                    tls: sub.tls.status,
                    summary: without_target(&sub, &sub.summary),
                    error: sub.error,
                };
                if entry.verdict > Status::Green {
                    let mut f = Finding::new(
                        FindingId::MxHostFailed,
                        format!(
                            "MX host {} ({}) is {}: {}",
                            entry.name,
                            entry.address,
                            entry.verdict.as_str(),
                            entry.summary
                        ),
                    );
                    if entry.verdict == Status::Amber {
                        f = f.severity(Severity::Warning);
                    }
                    report.findings.push(f);
                }
                entry
            }
        };
        if entry.verdict > Status::Green {
            not_green += 1;
        }
        report.verdict = report.verdict.worst(entry.verdict);
        out.push(entry);
    }
    let total = out.len();
    report.summary.push_str(&if not_green == 0 {
        format!(", all {total} MX addresses green")
    } else {
        format!(", {not_green} of {total} MX addresses not green")
    });
    report
        .findings
        .sort_by_key(|f| std::cmp::Reverse(f.severity));
    report.hosts = Some(out);
}

/// A per-address summary without the report's leading `host:port: ` (the host entry names
/// its own host and address; the report's target is the domain).
fn without_target(report: &Report, summary: &str) -> String {
    let prefix = format!("{}:{}: ", report.target.host, report.target.port);
    summary.strip_prefix(&prefix).unwrap_or(summary).to_owned()
}

#[cfg(test)]
mod tests;
