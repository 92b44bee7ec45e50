//! `signals`: how a receiver sees this probe, from [`SignalFacts`]. Its findings describe
//! the probe's own sending identity, not the server under test, so in a check they are
//! information only (the area's status keeps their real weight; the verdict ignores
//! it). A refusal whose reason is `spf_failed`, `reverse_dns`, `blocklisted` or
//! `dmarc_failed` is tied to the matching signal (`signals.explains`).

use smtping_classify::Reason;
use smtping_signals::spf::SpfResult;

use super::Builder;
use crate::facts::SignalFacts;
use crate::report::signals::{
    DmarcSignal, DnsblSignal, HeloSignal, PtrSignal, SendingIpSource, ServerIdentity, SignalsInfo,
    SpfSignal,
};
use crate::report::{Finding, FindingId, Severity, Status};

impl Builder<'_> {
    /// Fills `signals` and its (informational) findings.
    pub(super) fn signals(&mut self, s: &SignalFacts) {
        let mut info = SignalsInfo {
            sending_ip: Some(s.sending_ip.to_string()),
            sending_ip_source: if s.from_option {
                SendingIpSource::Option
            } else {
                SendingIpSource::Socket
            },
            private_address: s.scope.is_private_or_loopback(),
            address_scope: Some(s.scope.as_str().to_owned()),
            ..SignalsInfo::default()
        };
        let mut status = Status::Green;
        let raise = |st: &mut Status, sev: Severity| {
            *st = st.worst(match sev {
                Severity::Error => Status::Red,
                Severity::Warning => Status::Amber,
                _ => Status::Green,
            });
        };
        let mut findings: Vec<Finding> = Vec::new();
        let mut note = |id: &str, message: String, st: &mut Status| {
            if let Ok(id) = id.parse::<FindingId>() {
                raise(st, id.severity());
                findings.push(Finding::new(id, message).severity(Severity::Info));
            }
        };
        if !s.looked_up {
            info.ptr = Some(PtrSignal {
                error: Some(format!(
                    "{} is a {} address: receivers on the Internet see another one (NAT); give --sending-ip to look up the address your mail leaves from",
                    s.sending_ip,
                    s.scope.as_str().replace('_', " ")
                )),
                ..PtrSignal::default()
            });
        }
        if let Some(p) = &s.ptr {
            info.ptr = Some(PtrSignal {
                names: p.names.clone(),
                fcrdns: p.fcrdns,
                error: p.error.clone(),
            });
            for problem in &p.problems {
                note(
                    problem.finding_id(),
                    format!("sending IP {}: {problem}", s.sending_ip),
                    &mut status,
                );
            }
        }
        if let Some(h) = &s.helo {
            info.helo = Some(HeloSignal {
                name: h.name.clone(),
                fqdn: h.fqdn,
                address_literal: h.address_literal.is_some(),
                resolves: h.resolves.unwrap_or(false),
                matches_ip: h.matches_ip.unwrap_or(false),
                error: h.error.clone(),
            });
            for problem in &h.problems {
                note(
                    problem.finding_id(),
                    format!("HELO {}: {problem}", h.name),
                    &mut status,
                );
            }
        }
        if let Some(spf) = &s.spf {
            info.spf = Some(SpfSignal {
                domain: spf.domain.clone(),
                result: spf.result.as_str().to_owned(),
                mechanism: spf.mechanism.clone(),
                explanation: spf
                    .explanation
                    .clone()
                    .or_else(|| spf.error.as_ref().map(ToString::to_string)),
            });
            match spf.result {
                SpfResult::Fail | SpfResult::SoftFail => note(
                    FindingId::SpfNotAuthorized.as_str(),
                    format!(
                        "SPF of {} gives {} for {}{}: receivers may refuse or junk this mail",
                        spf.domain,
                        spf.result,
                        s.sending_ip,
                        spf.mechanism
                            .as_deref()
                            .map_or_else(String::new, |m| format!(" (via {m})"))
                    ),
                    &mut status,
                ),
                SpfResult::TempError | SpfResult::PermError => note(
                    FindingId::SpfEvaluationError.as_str(),
                    format!(
                        "SPF of {} gives {}{}",
                        spf.domain,
                        spf.result,
                        spf.error
                            .as_ref()
                            .map_or_else(String::new, |e| format!(": {e}"))
                    ),
                    &mut status,
                ),
                _ => {}
            }
        }
        if let Some(d) = &s.dmarc {
            let policy = d.applied_policy.or(d.policy).map(|p| p.as_str().to_owned());
            let alignment = d.alignment.as_ref();
            let spf_aligned = alignment.is_some_and(|a| a.spf_aligned);
            let dkim_aligned = alignment.is_some_and(|a| a.dkim_aligned);
            if matches!(policy.as_deref(), Some("quarantine" | "reject"))
                && !spf_aligned
                && !dkim_aligned
            {
                note(
                    FindingId::DmarcWouldFail.as_str(),
                    format!(
                        "{} publishes DMARC p={} and this probe has neither an aligned SPF pass nor an aligned DKIM signature: receivers would {} it",
                        d.domain,
                        policy.as_deref().unwrap_or(""),
                        policy.as_deref().unwrap_or("")
                    ),
                    &mut status,
                );
            }
            info.dmarc = Some(DmarcSignal {
                domain: d.domain.clone(),
                policy,
                spf_aligned,
                dkim_aligned,
                error: d.error.clone(),
            });
        }
        for b in &s.dnsbl {
            info.dnsbl.push(DnsblSignal::from_result(b));
            for problem in &b.problems {
                note(problem.finding_id(), problem.to_string(), &mut status);
            }
        }
        let banner_name = self
            .report
            .connectivity
            .greeting
            .as_ref()
            .and_then(|g| g.text.split_whitespace().next().map(str::to_owned));
        let ehlo_name = self
            .report
            .ehlo
            .as_ref()
            .map(|e| e.server_name.clone())
            .filter(|n| !n.is_empty());
        info.server = ServerIdentity {
            banner_name,
            ehlo_name,
            fcrdns: s.server_ptr.as_ref().map(|p| p.fcrdns),
            ptr_names: s
                .server_ptr
                .as_ref()
                .map(|p| p.names.clone())
                .unwrap_or_default(),
        };
        for e in &s.errors {
            info.errors.push(e.clone());
        }
        info.status = status;
        info.explains = self.refusal_signal(&info);
        for f in findings {
            self.add(f);
        }
        self.report.signals = Some(info);
    }

    /// The signal that explains a refusal for an SPF, reverse-DNS, blocklist or DMARC
    /// reason, as one sentence.
    fn refusal_signal(&self, info: &SignalsInfo) -> Option<String> {
        let reason = self.report.delivery.reason?;
        let ip = info.sending_ip.as_deref().unwrap_or("the sending IP");
        match reason {
            Reason::SpfFailed => Some(match &info.spf {
                Some(spf) => format!(
                    "the server said SPF failed; SPF of {} for {ip}: {}{}",
                    spf.domain,
                    spf.result,
                    spf.mechanism
                        .as_deref()
                        .map_or_else(String::new, |m| format!(" via {m}"))
                ),
                None => format!(
                    "the server said SPF failed; SPF was not evaluated here (give --from, and --sending-ip when {ip} is not the address the server saw)"
                ),
            }),
            Reason::ReverseDns => Some(match &info.ptr {
                Some(p) if p.error.is_none() => format!(
                    "the server refused for reverse DNS; {ip}: {}",
                    if p.names.is_empty() {
                        "no PTR record".to_owned()
                    } else if p.fcrdns {
                        format!("PTR {} (forward-confirmed)", p.names.join(", "))
                    } else {
                        format!("PTR {} does not resolve back", p.names.join(", "))
                    }
                ),
                Some(p) => format!(
                    "the server refused for reverse DNS; {ip}: {}",
                    p.error.as_deref().unwrap_or("")
                ),
                None => format!("the server refused for reverse DNS of {ip}"),
            }),
            Reason::Blocklisted => {
                let listed: Vec<String> = info
                    .dnsbl
                    .iter()
                    .filter(|b| b.listed)
                    .map(|b| format!("{} ({})", b.zone, b.codes.join(", ")))
                    .collect();
                Some(if info.dnsbl.is_empty() {
                    format!("the server refused for a blocklist; look {ip} up with --dnsbl default")
                } else if listed.is_empty() {
                    format!(
                        "the server refused for a blocklist; {ip} is on none of the {} lists asked",
                        info.dnsbl.len()
                    )
                } else {
                    format!(
                        "the server refused for a blocklist; {ip} is listed on {}",
                        listed.join(", ")
                    )
                })
            }
            Reason::DmarcFailed => Some(match &info.dmarc {
                Some(d) => format!(
                    "the server said DMARC failed; {} has p={}, SPF aligned: {}, DKIM aligned: {}",
                    d.domain,
                    d.policy.as_deref().unwrap_or("none (no record)"),
                    if d.spf_aligned { "yes" } else { "no" },
                    if d.dkim_aligned {
                        "yes"
                    } else {
                        "no (the test message is unsigned)"
                    }
                ),
                None => "the server said DMARC failed; give --from to see the From domain's policy"
                    .into(),
            }),
            _ => None,
        }
    }
}
