//! The card's follow-through area (`smtping check --seed`, `smtping inbox`): one line per
//! seed (found, folder, latency), the receiver's verdict, and the timeline folded.

use std::fmt::Write as _;

use smtping_client::report::Status;
use smtping_client::report::follow::{FollowEvent, FollowThroughInfo, SeedInfo};

use super::card::{Paint, area, more};
use super::term;

/// The area's name on the card.
const NAME: &str = "Follow-thru";

/// The follow-through area of a card whose strings are already escaped.
pub(crate) fn section(out: &mut String, p: &Paint, f: &FollowThroughInfo) {
    if let Some(why) = &f.skipped {
        area(out, p, NAME, Some(Status::Grey), &format!("not run: {why}"));
        return;
    }
    let summary = f.summary();
    // The bounce line names the acceptance itself.
    let head_is_bounce = summary
        .as_deref()
        .is_some_and(|s| s.starts_with("accepted"));
    let head = match (&f.accepted_at, summary) {
        (_, Some(s)) if head_is_bounce => s,
        (Some(at), Some(s)) => format!("accepted at {}, {s}", clock(at)),
        (None, Some(s)) => s,
        (_, None) => "no seed answered".into(),
    };
    area(out, p, NAME, Some(f.status), &head);
    for s in &f.seeds {
        more(out, &seed_line(s));
        if let Some(v) = verdict_line(s) {
            more(out, &format!("  {}", p.dim(&v)));
        }
    }
    if let Some(b) = f.bounce.as_ref().filter(|b| b.watched) {
        more(
            out,
            &bounce_line(b, f.accepted_at.as_deref(), head_is_bounce),
        );
        for n in &b.notes {
            more(out, &format!("  {}", p.dim(n)));
        }
    }
    for x in &f.findings {
        more(
            out,
            &format!(
                "{} {} {}",
                p.severity(x.severity),
                x.message,
                p.dim(&format!("[{}]", x.id))
            ),
        );
    }
    if !f.timeline.is_empty() {
        // Folded: the polls of each seed as one count, the other events as they came.
        let polls = f
            .timeline
            .iter()
            .filter(|e| e.event == FollowEvent::Polled)
            .count();
        let mut folded = f
            .timeline
            .iter()
            .filter(|e| e.event != FollowEvent::Polled)
            .map(|e| {
                let what = match e.event {
                    FollowEvent::Accepted => "accepted".to_owned(),
                    _ => e.detail.clone(),
                };
                format!("+{} ms {what}", e.t_ms)
            })
            .collect::<Vec<_>>();
        if polls > 0 {
            folded.insert(
                folded.len().min(1),
                format!("{polls} poll{}", if polls == 1 { "" } else { "s" }),
            );
        }
        more(out, &p.dim(&format!("timeline: {}", folded.join(" · "))));
    }
}

/// The bounce mailbox: `bounces <mailbox>: accepted at 14:02:07, bounced at 14:02:41: 550
/// 5.1.1 … (hard)`, with the remote MTA and the classified reason.
/// When the area's head already is that line, only where and how it was found.
fn bounce_line(
    b: &smtping_client::report::follow::BounceInfo,
    accepted_at: Option<&str>,
    head_is_bounce: bool,
) -> String {
    let mailbox = b.mailbox.as_deref().unwrap_or("bounce mailbox");
    let polls = format!(
        "{} poll{}",
        b.attempts,
        if b.attempts == 1 { "" } else { "s" }
    );
    let mut line = if head_is_bounce {
        let after = b
            .latency_ms
            .map(|ms| format!(" after {ms} ms"))
            .unwrap_or_default();
        let by = match b.matched_by {
            Some(smtping_classify::bounce::MatchedBy::EnvelopeId) => ", matched by ENVID",
            Some(smtping_classify::bounce::MatchedBy::MessageIdInText) => {
                ", matched by the Message-ID in its text"
            }
            Some(_) => ", matched by the returned Message-ID",
            None => "",
        };
        format!("bounces {mailbox}: DSN found{after} ({polls}{by})")
    } else {
        format!("bounces {mailbox}: {} ({polls})", b.line(accepted_at))
    };
    if let Some(d) = b.dsn.as_ref().filter(|_| b.found) {
        let mut extra = Vec::new();
        if let Some(r) = &d.reason {
            extra.push(format!("reason {r}"));
        }
        if let Some(m) = &d.remote_mta {
            extra.push(format!("by {m}"));
        }
        if b.delayed > 0 && d.action.as_deref() != Some("delayed") {
            extra.push(format!(
                "after {} delay notice{}",
                b.delayed,
                if b.delayed == 1 { "" } else { "s" }
            ));
        }
        if !extra.is_empty() {
            let _ = write!(line, " — {}", extra.join(", "));
        }
    }
    line
}

/// One seed: where it landed and how fast, or why not.
fn seed_line(s: &SeedInfo) -> String {
    let tls = if s.tls { ", TLS" } else { "" };
    let polls = format!(
        "{} poll{}",
        s.attempts,
        if s.attempts == 1 { "" } else { "s" }
    );
    if s.found {
        let folder = s.folder.as_deref().unwrap_or("?");
        let junk = if s.junk { " (junk)" } else { "" };
        let latency = s
            .latency_ms
            .map(|l| format!(" after {l} ms"))
            .unwrap_or_default();
        let cleanup = s
            .cleanup
            .map(|c| format!(", cleanup {}", cleanup_word(c)))
            .unwrap_or_default();
        format!(
            "{}: found in {folder}{junk}{latency} ({polls}{tls}{cleanup})",
            s.mailbox
        )
    } else {
        let why = s.error.as_deref().unwrap_or("not found");
        // The not-found error already counts its polls: say it once.
        let detail = if why.contains(" polls)") || why.contains(" poll)") {
            tls.trim_start_matches(", ").to_owned()
        } else {
            format!("{polls}{tls}")
        };
        if detail.is_empty() {
            format!("{}: NOT found — {why}", s.mailbox)
        } else {
            format!("{}: NOT found — {why} ({detail})", s.mailbox)
        }
    }
}

fn cleanup_word(c: smtping_client::follow::CleanupResult) -> &'static str {
    use smtping_client::follow::CleanupResult as C;
    match c {
        C::Expunged => "expunged",
        C::FlaggedOnly => "flagged \\Deleted only",
        C::Failed => "failed",
    }
}

/// The receiver's verdict in one line: `spf=pass dkim=none dmarc=pass (by mx.example.org)`.
fn verdict_line(s: &SeedInfo) -> Option<String> {
    if !s.found {
        return None;
    }
    let a = &s.authentication_results;
    if a.raw.is_empty() && a.spf.is_none() {
        return Some("receiver: no Authentication-Results".into());
    }
    let mut parts = Vec::new();
    if let Some(x) = &a.spf {
        parts.push(format!("spf={x}"));
    }
    for d in &a.dkim {
        match &d.domain {
            Some(dom) => parts.push(format!("dkim={} ({dom})", d.result)),
            None => parts.push(format!("dkim={}", d.result)),
        }
    }
    if let Some(x) = &a.dmarc {
        parts.push(format!("dmarc={x}"));
    }
    if let Some(x) = &a.arc {
        parts.push(format!("arc={x}"));
    }
    let by = a
        .authserv_id
        .as_ref()
        .map(|b| format!(" (by {b})"))
        .unwrap_or_default();
    let hops = if s.received.is_empty() {
        String::new()
    } else {
        format!(", {} Received hops", s.received.len())
    };
    Some(format!("receiver: {}{by}{hops}", parts.join(" ")))
}

/// `2026-12-01T14:02:07Z` → `14:02:07`.
fn clock(rfc3339: &str) -> &str {
    rfc3339
        .split_once('T')
        .map_or(rfc3339, |(_, t)| t.trim_end_matches('Z'))
}

/// The follow-through alone as a card (`smtping inbox`): every string escaped.
pub(crate) fn card(f: &FollowThroughInfo, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    let what = f.message_id.as_deref().unwrap_or("?");
    let _ = writeln!(
        out,
        "{} {}  {}",
        p.bold("smtping inbox"),
        p.bold(&term::escape_line(what)),
        p.verdict(f.status)
    );
    match term::escaped(f) {
        Some(safe) => section(&mut out, &p, &safe),
        None => out.push_str(&term::escape(&format!("{f:?}"))),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(error: Option<&str>) -> SeedInfo {
        let mut s = SeedInfo::default();
        s.mailbox = "imap://lost%40rx.test@imap.rx.test".into();
        s.attempts = 4;
        s.tls = true;
        s.error = error.map(str::to_owned);
        s
    }

    #[test]
    fn a_missing_message_counts_its_polls_once() {
        assert_eq!(
            seed_line(&missing(Some("search: not found within 15 s (4 polls)"))),
            "imap://lost%40rx.test@imap.rx.test: NOT found — search: not found within 15 s (4 polls) (TLS)"
        );
        assert_eq!(
            seed_line(&missing(Some("login: refused"))),
            "imap://lost%40rx.test@imap.rx.test: NOT found — login: refused (4 polls, TLS)"
        );
        let mut plain = missing(None);
        plain.tls = false;
        plain.error = Some("search: not found within 15 s (1 poll)".into());
        assert_eq!(
            seed_line(&plain),
            "imap://lost%40rx.test@imap.rx.test: NOT found — search: not found within 15 s (1 poll)"
        );
    }
}
