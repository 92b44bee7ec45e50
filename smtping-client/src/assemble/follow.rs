//! `follow_through` from [`FollowFacts`]: each seed's answer, the receiver's verdict read
//! from the delivered copy's header block, the timeline and the status.

use std::time::{SystemTime, UNIX_EPOCH};

use smtping_classify::receiver::{ReceiverVerdict, Severity as ReceiverSeverity};

use crate::facts::FollowFacts;
use crate::follow::{FollowResult, SeedErrorKind, SeedResult};
use crate::report::follow::{
    AuthenticationResultsInfo, DkimResultInfo, FollowEvent, FollowFinding, FollowThroughInfo,
    ReceivedInfo, SeedInfo, TimelineEntry,
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
    info
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
    let mut status = if result.seeds.is_empty() {
        Status::Grey
    } else {
        Status::Green
    };
    for seed in &result.seeds {
        let (entry, seed_status) = seed_info(info, seed, signed_domain, result.elapsed_ms);
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
    elapsed_ms: u64,
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
            t_ms: seed.latency_ms.unwrap_or(elapsed_ms),
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
                if severity == Severity::Error {
                    status = status.worst(Status::Amber);
                }
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
            t_ms: elapsed_ms,
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
