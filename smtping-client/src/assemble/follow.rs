//! `follow_through` from [`FollowFacts`]: each seed's answer, the receiver's verdict read
//! from the delivered copy's header block, the timeline and the status.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtping_classify::bounce::DsnVerdict;
use smtping_classify::dsn::Action;
use smtping_classify::receiver::{ReceiverVerdict, Severity as ReceiverSeverity};

use crate::facts::FollowFacts;
use crate::follow::{BounceResult, FollowProblem, FollowResult, SeedErrorKind, SeedResult};
use crate::report::follow::{
    AuthenticationResultsInfo, BounceInfo, DkimResultInfo, DsnInfo, FollowEvent, FollowFinding,
    FollowThroughInfo, ReceivedInfo, SeedInfo, TimelineEntry,
};
use crate::report::{Severity, Status};

/// The report's `follow_through` for what a follow-through saw. Pure: the same facts give
/// the same section (`smtping inbox` uses it too).
///
/// ```
/// use smtping_client::assemble::follow_through_info;
/// use smtping_client::facts::FollowFacts;
///
/// let mut facts = FollowFacts::default();
/// facts.skipped = Some("the delivery was not accepted at the final dot".into());
/// let info = follow_through_info(&facts);
/// assert_eq!(info.status.as_str(), "grey");
/// ```
#[must_use]
pub fn follow_through_info(facts: &FollowFacts) -> FollowThroughInfo {
    let mut info = FollowThroughInfo {
        message_id: facts.message_id.clone(),
        accepted_at: facts.accepted_at.map(rfc3339),
        skipped: facts.skipped.clone(),
        ..FollowThroughInfo::default()
    };
    let Some(result) = &facts.result else {
        info.status = Status::Grey;
        return info;
    };
    fill(&mut info, result, facts.signed_domain.as_deref());
    if let Some(watch) = &result.bounce {
        let status = bounce_info(&mut info, watch, facts.accepted_at);
        info.status = info.status.worst(status);
        info.timeline.sort_by_key(|e| e.t_ms);
    }
    info
}

/// The bounce watch's section, findings and timeline entries, and its status: red for a
/// hard bounce after acceptance, amber for a delayed one or a failed watch, green when
/// watched and nothing came.
fn bounce_info(
    info: &mut FollowThroughInfo,
    watch: &BounceResult,
    accepted_at: Option<SystemTime>,
) -> Status {
    let mailbox = watch.mailbox.clone();
    let notice = watch.notice();
    let at = |t_ms: u64| {
        accepted_at
            .and_then(|a| a.checked_add(Duration::from_millis(t_ms)))
            .map(rfc3339)
    };
    for p in watch.problems() {
        let detail = match p {
            FollowProblem::Bounced | FollowProblem::BounceDelayed => {
                notice.map(|n| n.dsn.to_string())
            }
            FollowProblem::BounceWatchFailed => watch.error.as_ref().map(ToString::to_string),
            FollowProblem::BounceOversized => watch.notes.first().cloned(),
            _ => None,
        };
        info.findings.push(FollowFinding {
            id: p.finding_id().to_owned(),
            severity: p.severity(),
            mailbox: Some(mailbox.clone()),
            message: match detail {
                Some(d) => format!("{mailbox}: {p} ({d})"),
                None => format!("{mailbox}: {p}"),
            },
        });
    }
    for n in &watch.delayed {
        info.timeline.push(TimelineEntry {
            t_ms: n.t_ms,
            event: FollowEvent::BounceDelayed,
            mailbox: Some(mailbox.clone()),
            detail: format!("delayed: {} (UID {} in {})", n.dsn, n.uid, n.folder),
        });
    }
    if let Some(n) = &watch.final_notice {
        info.timeline.push(TimelineEntry {
            t_ms: n.t_ms,
            event: FollowEvent::BounceFound,
            mailbox: Some(mailbox.clone()),
            detail: format!(
                "{}: {} (UID {} in {})",
                if n.dsn.hard { "bounced" } else { "reported" },
                n.dsn,
                n.uid,
                n.folder
            ),
        });
    }
    if let Some(e) = &watch.error {
        info.timeline.push(TimelineEntry {
            t_ms: watch.ended_ms,
            event: FollowEvent::BounceError,
            mailbox: Some(mailbox.clone()),
            detail: e.to_string(),
        });
    }
    info.bounce = Some(BounceInfo {
        watched: true,
        found: watch.found,
        latency_ms: notice.map(|n| n.t_ms),
        dsn: notice.map(|n| dsn_info(&n.dsn)),
        mailbox: Some(mailbox),
        bounced_at: notice.and_then(|n| at(n.t_ms)),
        matched_by: notice.map(|n| n.matched_by),
        delayed: u32::try_from(watch.delayed.len()).unwrap_or(u32::MAX),
        attempts: watch.attempts,
        error: watch.error.as_ref().map(ToString::to_string),
        notes: watch.notes.clone(),
    });
    if watch.bounced() {
        Status::Red
    } else if !watch.delayed.is_empty() || watch.error.is_some() {
        Status::Amber
    } else {
        Status::Green
    }
}

fn dsn_info(v: &DsnVerdict) -> DsnInfo {
    DsnInfo {
        action: v.action.map(|a| {
            match a {
                Action::Failed => "failed",
                Action::Delayed => "delayed",
                Action::Delivered => "delivered",
                Action::Relayed => "relayed",
                Action::Expanded => "expanded",
                _ => "other",
            }
            .to_owned()
        }),
        status: v.status.clone(),
        diagnostic_code: v.diagnostic_code.clone(),
        remote_mta: v.remote_mta.clone(),
        reason: Some(v.reason.as_str().to_owned()),
        hard: v.hard,
    }
}

fn fill(info: &mut FollowThroughInfo, result: &FollowResult, signed_domain: Option<&str>) {
    info.elapsed_ms = result.elapsed_ms;
    if info.message_id.is_none() {
        info.message_id = Some(result.query.clone());
    }
    info.timeline.push(TimelineEntry {
        t_ms: 0,
        event: FollowEvent::Accepted,
        mailbox: None,
        detail: "accepted at the final dot".into(),
    });
    let mut status = if result.seeds.is_empty() && result.bounce.is_none() {
        Status::Grey
    } else {
        Status::Green
    };
    for seed in &result.seeds {
        let (entry, seed_status) = seed_info(info, seed, signed_domain);
        status = status.worst(seed_status);
        info.seeds.push(entry);
    }
    info.timeline.sort_by_key(|e| e.t_ms);
    info.status = status;
}

/// One seed's section, its findings and timeline entries, and its status.
fn seed_info(
    info: &mut FollowThroughInfo,
    seed: &SeedResult,
    signed_domain: Option<&str>,
) -> (SeedInfo, Status) {
    let mailbox = seed.mailbox.clone();
    let mut status = Status::Green;
    for p in seed.problems() {
        info.findings.push(FollowFinding {
            id: p.finding_id().to_owned(),
            severity: p.severity(),
            mailbox: Some(mailbox.clone()),
            message: match &seed.error {
                Some(e) => format!("{mailbox}: {p} ({e})"),
                None => format!("{mailbox}: {p}"),
            },
        });
    }
    let mut out = SeedInfo {
        mailbox: mailbox.clone(),
        found: seed.found,
        folder: seed.folder.clone(),
        junk: seed.junk,
        latency_ms: seed.latency_ms,
        attempts: seed.attempts,
        tls: seed.tls,
        cleanup: seed.cleanup,
        error: seed.error.as_ref().map(ToString::to_string),
        ..SeedInfo::default()
    };
    for (i, t) in seed.polls_ms.iter().enumerate() {
        info.timeline.push(TimelineEntry {
            t_ms: *t,
            event: FollowEvent::Polled,
            mailbox: Some(mailbox.clone()),
            detail: format!("poll {}", i + 1),
        });
    }
    if seed.found {
        let folder = seed.folder.as_deref().unwrap_or("?");
        info.timeline.push(TimelineEntry {
            t_ms: seed.latency_ms.unwrap_or(seed.ended_ms),
            event: FollowEvent::Found,
            mailbox: Some(mailbox.clone()),
            detail: format!("found in {folder} (poll {})", seed.attempts),
        });
        if seed.junk {
            status = Status::Amber;
        }
        if let Some(header) = &seed.header {
            let verdict = ReceiverVerdict::from_message(header.as_bytes(), None);
            for p in verdict.problems(signed_domain) {
                let severity = match p.severity() {
                    ReceiverSeverity::Error => Severity::Error,
                    ReceiverSeverity::Warning => Severity::Warning,
                    _ => Severity::Info,
                };
                // The area's light agrees with its findings: a receiver that recorded a
                // failure (an error) is red even though the message landed, a softer
                // verdict (a warning) amber.
                status = status.worst(match severity {
                    Severity::Error => Status::Red,
                    Severity::Warning => Status::Amber,
                    _ => Status::Green,
                });
                info.findings.push(FollowFinding {
                    id: p.finding_id().to_owned(),
                    severity,
                    mailbox: Some(mailbox.clone()),
                    message: format!("{mailbox}: {p}"),
                });
            }
            out.authentication_results = auth_results(&verdict);
            out.received = verdict.received.iter().map(received).collect();
        }
    } else {
        status = Status::Red;
        let not_found = seed
            .error
            .as_ref()
            .is_none_or(|e| e.kind == SeedErrorKind::NotFound);
        info.timeline.push(TimelineEntry {
            t_ms: seed.ended_ms,
            event: if not_found {
                FollowEvent::NotFound
            } else {
                FollowEvent::SeedError
            },
            mailbox: Some(mailbox.clone()),
            detail: match &seed.error {
                Some(e) => e.to_string(),
                None => format!("not found after {} polls", seed.attempts),
            },
        });
    }
    (out, status)
}

fn auth_results(v: &ReceiverVerdict) -> AuthenticationResultsInfo {
    AuthenticationResultsInfo {
        authserv_id: v.authserv_id.clone(),
        spf: v.spf.as_ref().map(|r| r.as_str().to_owned()),
        dkim: v
            .dkim
            .iter()
            .map(|d| DkimResultInfo {
                result: d.result.as_str().to_owned(),
                domain: d.domain.clone(),
                selector: d.selector.clone(),
            })
            .collect(),
        dmarc: v.dmarc.as_ref().map(|d| d.result.as_str().to_owned()),
        arc: v.arc.as_ref().map(|r| r.as_str().to_owned()),
        raw: v.raw.clone(),
    }
}

fn received(r: &smtping_proto::grammar::received::Received) -> ReceivedInfo {
    ReceivedInfo {
        from: r.from.clone(),
        from_ip: r.from_ip.clone(),
        by: r.by.clone(),
        with: r.with.clone(),
        id: r.id.clone(),
        date: r.date.clone(),
        raw: r.raw.clone(),
    }
}

fn rfc3339(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    crate::time::rfc3339(secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::follow::{SeedError, SeedErrorKind};

    fn seed(found: bool, folder: Option<&str>, junk: bool) -> SeedResult {
        let header = "Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=a.example; dkim=pass header.d=a.example header.s=s1; dmarc=pass header.from=a.example\r\nReceived: from a.example by mx.example.org with ESMTPS id Q; Tue, 1 Dec 2026 14:02:07 +0000\r\n\r\n";
        SeedResult {
            mailbox: "imaps://u@imap.example.org".into(),
            found,
            folder: folder.map(str::to_owned),
            junk,
            latency_ms: found.then_some(900),
            uid: None,
            internal_date: None,
            header: found.then(|| header.to_owned()),
            headers: Vec::new(),
            received: Vec::new(),
            authentication_results: Vec::new(),
            folders_searched: Vec::new(),
            attempts: 2,
            polls_ms: vec![100, 600],
            ended_ms: if found { 900 } else { 1100 },
            tls: true,
            cleanup: None,
            error: None,
        }
    }

    fn facts(seeds: Vec<SeedResult>) -> FollowFacts {
        FollowFacts {
            message_id: Some("<t@a.example>".into()),
            result: Some(FollowResult {
                query: "<t@a.example>".into(),
                seeds,
                bounce: None,
                elapsed_ms: 1000,
            }),
            ..FollowFacts::default()
        }
    }

    fn ids(info: &FollowThroughInfo) -> Vec<&str> {
        info.findings.iter().map(|f| f.id.as_str()).collect()
    }

    #[test]
    fn found_in_inbox_reads_the_receivers_verdict_and_orders_the_timeline() {
        let info = follow_through_info(&facts(vec![seed(true, Some("INBOX"), false)]));
        // spf=fail is an error-severity receiver finding: the light is red like the
        // finding, though the message landed.
        assert_eq!(info.status, Status::Red);
        assert_eq!(ids(&info), ["receiver.spf_not_pass"]);
        let s = &info.seeds[0];
        let ar = &s.authentication_results;
        assert_eq!(ar.spf.as_deref(), Some("fail"));
        assert_eq!(ar.dkim[0].domain.as_deref(), Some("a.example"));
        assert_eq!(ar.dkim[0].selector.as_deref(), Some("s1"));
        assert_eq!(ar.dmarc.as_deref(), Some("pass"));
        assert_eq!(s.received[0].with.as_deref(), Some("ESMTPS"));
        let events: Vec<_> = info.timeline.iter().map(|e| (e.t_ms, e.event)).collect();
        assert_eq!(
            events,
            [
                (0, FollowEvent::Accepted),
                (100, FollowEvent::Polled),
                (600, FollowEvent::Polled),
                (900, FollowEvent::Found)
            ]
        );
        assert_eq!(
            info.summary().as_deref(),
            Some("found in INBOX after 900 ms")
        );
    }

    #[test]
    fn signed_domain_without_dkim_pass_is_a_finding() {
        let mut f = facts(vec![seed(true, Some("INBOX"), false)]);
        f.signed_domain = Some("b.example".into());
        let info = follow_through_info(&f);
        assert!(ids(&info).contains(&"receiver.dkim_not_pass"));
    }

    #[test]
    fn junk_is_amber_and_not_found_or_errors_are_red() {
        // In Junk with a receiver verdict that failed nothing: amber.
        let mut clean = seed(true, Some("Junk"), true);
        clean.header = Some(
            "Authentication-Results: mx.a.example; spf=pass smtp.mailfrom=a.example\r\n".into(),
        );
        let junk = follow_through_info(&facts(vec![clean]));
        assert_eq!(junk.status, Status::Amber, "{:?}", junk.findings);
        assert!(ids(&junk).contains(&"follow_through.junk"));
        // In Junk because the receiver's SPF failed: red, as its error finding.
        let junk = follow_through_info(&facts(vec![seed(true, Some("Junk"), true)]));
        assert_eq!(junk.status, Status::Red);

        let mut missing = seed(false, None, false);
        missing.error = Some(SeedError {
            step: "search".into(),
            kind: SeedErrorKind::NotFound,
            message: "not found within 1 s (2 polls)".into(),
        });
        let info = follow_through_info(&facts(vec![seed(true, Some("INBOX"), false), missing]));
        assert_eq!(info.status, Status::Red);
        assert_eq!(info.timeline.last().unwrap().event, FollowEvent::NotFound);
        assert_eq!(
            info.summary().as_deref(),
            Some("follow-through: not found in 1 of 2 seeds")
        );

        let mut refused = seed(false, None, false);
        refused.error = Some(SeedError {
            step: "login".into(),
            kind: SeedErrorKind::Auth,
            message: "NO [AUTHENTICATIONFAILED]".into(),
        });
        let info = follow_through_info(&facts(vec![refused]));
        assert_eq!(info.status, Status::Red);
        assert_eq!(ids(&info), ["follow_through.seed_auth"]);
        assert_eq!(info.timeline.last().unwrap().event, FollowEvent::SeedError);
    }

    #[test]
    fn not_run_is_grey() {
        let f = FollowFacts {
            skipped: Some("the message was not accepted at the final dot".into()),
            ..FollowFacts::default()
        };
        let info = follow_through_info(&f);
        assert_eq!(info.status, Status::Grey);
        assert!(info.seeds.is_empty() && info.timeline.is_empty());
        assert_eq!(info.summary(), None);
    }
}
