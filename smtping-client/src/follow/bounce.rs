//! The bounce-mailbox watch (`--bounce-mailbox`): after the final dot, the sender's
//! mailbox is searched (`UID SEARCH SINCE <day> TEXT "<message-id>"`, read-only) for a
//! delivery status notification about the test message, with the seeds' backoff, until a
//! final one (`failed`, or `delivered`) arrives or the deadline passes. Each candidate is
//! fetched whole (`BODY.PEEK[]`, bounded by [`ImapLimits::max_message`]) and matched with
//! [`match_bounce`]: by the report's `Original-Envelope-Id` when an ENVID was sent
//! ([`FollowThrough::envelope_id`]), else by the `Message-ID` of the returned headers. A
//! `delayed` notice is soft: it is recorded and the watch goes on.

use std::time::Instant;

use serde::Serialize;
use smtping_classify::bounce::{BounceKind, DsnVerdict, MatchedBy, TestMessage, match_bounce};
use smtping_proto::imap::{ImapLimits, ImapTls, SearchQuery, SeedOutcome, SeedPlan, SeedSession};

use super::driver::{self, Endpoint};
use super::seed::SeedScheme;
use super::{
    FollowProblem, FollowThrough, MAX_POLLS_KEPT, Seed, SeedError, SentAt, connect_error, millis,
    seed_error,
};
use crate::net::dns::DnsTransport;
use crate::runtime::Runtime;

/// Notes kept per watch ([`BounceResult::notes`]).
pub const MAX_BOUNCE_NOTES: usize = 50;
/// Candidates remembered so a later poll does not read them again.
const MAX_SEEN: usize = 10_000;

/// One notification about the test message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BounceNotice {
    /// When the poll that found it started reading, in milliseconds after the final dot.
    pub t_ms: u64,
    /// The folder it is in.
    pub folder: String,
    /// Its UID there.
    pub uid: u32,
    /// How it was tied to the test message.
    pub matched_by: MatchedBy,
    /// Its verdict (action, status, diagnostic, remote MTA, reason, hard).
    pub dsn: DsnVerdict,
}

/// What the bounce-mailbox watch saw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BounceResult {
    /// The mailbox URL (no password).
    pub mailbox: String,
    /// A notification about the test message was found (final or delayed).
    pub found: bool,
    /// The final notification (`failed` or `delivered`), when one came.
    pub final_notice: Option<BounceNotice>,
    /// The `delayed` (soft) notifications, in the order found.
    pub delayed: Vec<BounceNotice>,
    /// Candidates that quoted the Message-ID but are not about the test message (another
    /// message's bounce, a reply).
    pub ignored: u32,
    /// What was skipped and why (oversized candidates, unreadable reports), in words; at
    /// most [`MAX_BOUNCE_NOTES`].
    pub notes: Vec<String>,
    /// Candidates larger than the whole-message limit, not read.
    pub oversized: u32,
    /// Polls made.
    pub attempts: u32,
    /// When each poll started, in milliseconds after the final dot.
    pub polls_ms: Vec<u64>,
    /// When the watch ended, on the same clock.
    pub ended_ms: u64,
    /// Whether the last connection ran under TLS.
    pub tls: bool,
    /// Why the watch failed, when it did (the last attempt's error).
    pub error: Option<SeedError>,
}

impl BounceResult {
    fn new(mailbox: String) -> Self {
        Self {
            mailbox,
            found: false,
            final_notice: None,
            delayed: Vec::new(),
            ignored: 0,
            notes: Vec::new(),
            oversized: 0,
            attempts: 0,
            polls_ms: Vec::new(),
            ended_ms: 0,
            tls: false,
            error: None,
        }
    }

    /// A watch that could not start.
    pub(super) fn failed(mailbox: String, error: SeedError) -> Self {
        let mut r = Self::new(mailbox);
        r.error = Some(error);
        r
    }

    /// The notification that tells the story: the final one, else the latest delayed one.
    #[must_use]
    pub fn notice(&self) -> Option<&BounceNotice> {
        self.final_notice.as_ref().or(self.delayed.last())
    }

    /// Whether the message was returned for good (a hard bounce after acceptance).
    #[must_use]
    pub fn bounced(&self) -> bool {
        self.final_notice.as_ref().is_some_and(|n| n.dsn.hard)
    }

    /// The problems this watch shows (for findings).
    #[must_use]
    pub fn problems(&self) -> Vec<FollowProblem> {
        let mut out = Vec::new();
        if self.bounced() {
            out.push(FollowProblem::Bounced);
        } else if !self.delayed.is_empty() {
            out.push(FollowProblem::BounceDelayed);
        }
        if self.error.is_some() {
            out.push(FollowProblem::BounceWatchFailed);
        }
        if self.oversized > 0 {
            out.push(FollowProblem::BounceOversized);
        }
        out
    }

    fn note(&mut self, note: String) {
        if self.notes.len() < MAX_BOUNCE_NOTES {
            self.notes.push(note);
        }
    }
}

/// The UTC day before `sent` (SINCE compares the server's internal dates by day, in its
/// own time zone: one day earlier never misses the bounce).
fn since_day(sent_unix: i64) -> (i32, u32, u32) {
    let days = sent_unix.div_euclid(crate::time::SECONDS_PER_DAY) - 1;
    let (y, m, d) = crate::time::civil_from_days(days);
    (i32::try_from(y).unwrap_or(1970), m, d)
}

impl FollowThrough {
    fn bounce_plan(&self, seed: &Seed, query: SearchQuery, left: std::time::Duration) -> SeedPlan {
        let mut plan = SeedPlan::new(seed.url.user(), seed.password.secret(), query);
        plan.tls = match seed.url.scheme() {
            SeedScheme::Imaps => ImapTls::Implicit,
            SeedScheme::Imap => ImapTls::StartTls {
                require: self.require_tls,
            },
        };
        plan.allow_cleartext_auth = self.allow_cleartext_auth;
        plan.folders = seed.url.folder_choice();
        plan.cleanup = false;
        plan.limits = ImapLimits {
            step_timeout: self
                .limits
                .step_timeout
                .min(left.max(std::time::Duration::from_millis(1))),
            ..self.limits
        };
        plan
    }

    /// The search of a watch for `message_id`, or why there is none.
    fn bounce_query(&self, message_id: &str) -> Result<SearchQuery, String> {
        let sent_unix = match self.sent_at {
            Some(SentAt::System(t)) => t,
            // The instant is on the runtime's clock; the wall clock is close enough for a day.
            _ => std::time::SystemTime::now(),
        }
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
        // With an ENVID the DSN must carry it (Original-Envelope-Id, RFC 3461 §4.4) even if a
        // relay rewrote the returned headers: search for it. (SMTPing's ENVID is its
        // Message-ID without brackets, so that search finds either.)
        let text = match &self.envelope_id {
            Some(envid) => envid.trim().to_owned(),
            None => {
                let id = message_id.trim();
                if id.starts_with('<') {
                    id.to_owned()
                } else {
                    format!("<{id}>")
                }
            }
        };
        SearchQuery::text(text, Some(since_day(sent_unix))).map_err(|e| e.to_string())
    }

    /// Watches the bounce mailbox until a final notification or the deadline.
    pub(super) async fn poll_bounce<R: Runtime, T: DnsTransport>(
        &self,
        rt: &R,
        endpoint: &Endpoint<'_, T>,
        seed: &Seed,
        deadline: Instant,
    ) -> BounceResult {
        let mut result = BounceResult::new(seed.url.to_string());
        let base = match self.sent_at {
            Some(SentAt::Instant(i)) => i,
            _ => rt.now(),
        };
        let SearchQuery::MessageId(message_id) = &self.query else {
            result.error = Some(SeedError {
                step: "search".into(),
                kind: super::SeedErrorKind::Rejected,
                message: "a bounce watch needs the test message's Message-ID".into(),
            });
            return result;
        };
        let query = match self.bounce_query(message_id) {
            Ok(q) => q,
            Err(e) => {
                result.error = Some(SeedError {
                    step: "search".into(),
                    kind: super::SeedErrorKind::Rejected,
                    message: format!("the Message-ID cannot be searched for: {e}"),
                });
                return result;
            }
        };
        let ours = TestMessage {
            message_id,
            envelope_id: self.envelope_id.as_deref(),
            recipients: &[],
        };
        let mut seen: Vec<(String, u32)> = Vec::new();
        loop {
            let now = rt.now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                result.ended_ms = millis(now.saturating_duration_since(base));
                return result;
            }
            result.attempts += 1;
            if result.polls_ms.len() < MAX_POLLS_KEPT {
                result
                    .polls_ms
                    .push(millis(now.saturating_duration_since(base)));
            }
            let session = SeedSession::new(self.bounce_plan(seed, query.clone(), left), now);
            let retry = match driver::attempt(rt, endpoint, &seed.url, session, deadline).await {
                Err(failure) => {
                    let (error, retry) = connect_error(failure);
                    result.error = Some(error);
                    retry
                }
                Ok(outcome) => {
                    let t_ms = millis(rt.now().saturating_duration_since(base));
                    absorb(
                        &mut result,
                        outcome,
                        &ours,
                        &mut seen,
                        (t_ms, self.limits.max_message),
                    )
                }
            };
            if result.final_notice.is_some() || !retry {
                result.ended_ms = millis(rt.now().saturating_duration_since(base));
                return result;
            }
            let wait = self.schedule.wait(result.attempts);
            let next = (rt.now() + wait).min(deadline);
            rt.sleep_until(next).await;
        }
    }
}

/// Folds one session into the watch; returns whether polling should go on.
fn absorb(
    result: &mut BounceResult,
    outcome: SeedOutcome,
    ours: &TestMessage<'_>,
    seen: &mut Vec<(String, u32)>,
    (t_ms, max_message): (u64, u64),
) -> bool {
    result.tls = outcome.tls;
    let fresh = |folder: &str, uid: u32, seen: &mut Vec<(String, u32)>| {
        if seen.iter().any(|(f, u)| f == folder && *u == uid) {
            return false;
        }
        if seen.len() < MAX_SEEN {
            seen.push((folder.to_owned(), uid));
        }
        true
    };
    for s in &outcome.skipped {
        if fresh(&s.folder, s.uid, seen) {
            result.oversized += 1;
            result.note(format!(
                "skipped UID {} in {}: {} bytes, over the {} byte limit for one message",
                s.uid, s.folder, s.size, max_message
            ));
        }
    }
    for c in outcome.candidates {
        if !fresh(&c.folder, c.uid, seen) {
            continue;
        }
        match match_bounce(&c.message, ours) {
            Ok(None) => result.ignored += 1,
            Err(e) => result.note(format!(
                "UID {} in {}: an unreadable delivery report ({e})",
                c.uid, c.folder
            )),
            Ok(Some(m)) => {
                result.found = true;
                let notice = BounceNotice {
                    t_ms,
                    folder: c.folder,
                    uid: c.uid,
                    matched_by: m.matched_by,
                    dsn: m.dsn,
                };
                match notice.dsn.kind {
                    BounceKind::Hard | BounceKind::Delivered => {
                        // The first final notice ends the story.
                        if result.final_notice.is_none() {
                            result.final_notice = Some(notice);
                        }
                    }
                    _ => {
                        if result.delayed.len() < MAX_BOUNCE_NOTES {
                            result.delayed.push(notice);
                        }
                    }
                }
            }
        }
    }
    match &outcome.error {
        None => {
            result.error = None;
            true
        }
        Some(e) => {
            let (error, retry) = seed_error(e);
            result.error = Some(error);
            retry
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_is_the_utc_day_before() {
        // 2026-12-01T00:30:00Z
        assert_eq!(since_day(1_796_085_000), (2026, 11, 30));
        assert_eq!(since_day(0), (1969, 12, 31));
    }
}
