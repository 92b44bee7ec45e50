//! `follow_through` in the report (design.md §10): did the test message land in the seed
//! mailboxes, where, how long after the final dot, and what did the receiver record.

use serde::{Deserialize, Serialize};

use super::{Severity, Status};

/// The follow-through of the test message (`--seed`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FollowThroughInfo {
    /// Green: found in INBOX in every seed; amber: found in a junk folder (or the receiver's
    /// verdict has warnings); red: not found by the deadline, or a seed error; grey: not run.
    pub status: Status,
    /// The Message-ID looked for (or the search criteria in words, `smtping inbox`).
    pub message_id: Option<String>,
    /// When the server accepted the message at the final dot (RFC 3339, UTC).
    pub accepted_at: Option<String>,
    /// One per seed mailbox, in the order given.
    pub seeds: Vec<SeedInfo>,
    /// The watch of `--bounce-mailbox` (absent when none was given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounce: Option<BounceInfo>,
    /// What happened, in order, from the final dot.
    pub timeline: Vec<TimelineEntry>,
    /// The follow-through's findings (`follow_through.*`, `receiver.*`).
    pub findings: Vec<FollowFinding>,
    /// Why the follow-through did not run (the delivery was not accepted, no Message-ID).
    pub skipped: Option<String>,
    /// How long the follow-through took.
    pub elapsed_ms: u64,
}

/// One seed mailbox.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SeedInfo {
    /// The mailbox URL (never a password).
    pub mailbox: String,
    /// Whether the message was found.
    pub found: bool,
    /// The folder it was found in.
    pub folder: Option<String>,
    /// Whether that folder is a junk folder.
    pub junk: bool,
    /// From the final dot to the poll that found it (an upper bound within one poll).
    pub latency_ms: Option<u64>,
    /// What the receiver recorded (`Authentication-Results`).
    pub authentication_results: AuthenticationResultsInfo,
    /// The `Received` hops, the last first.
    pub received: Vec<ReceivedInfo>,
    /// Polls made.
    pub attempts: u32,
    /// Whether the IMAP connection ran under TLS.
    pub tls: bool,
    /// The cleanup, when `--seed-cleanup` was given and the message was found.
    pub cleanup: Option<crate::follow::CleanupResult>,
    /// Why the seed failed, when it did: `step: message`.
    pub error: Option<String>,
}

/// The receiver's verdict, from its trusted `Authentication-Results` fields.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthenticationResultsInfo {
    /// The authserv-id trusted.
    pub authserv_id: Option<String>,
    /// The SPF result word (`pass`, `fail`, `softfail`, …; open-ended per RFC 8601).
    pub spf: Option<String>,
    /// One per DKIM signature.
    pub dkim: Vec<DkimResultInfo>,
    /// The DMARC result word.
    pub dmarc: Option<String>,
    /// The ARC result word.
    pub arc: Option<String>,
    /// The trusted fields, unfolded, as written.
    pub raw: Vec<String>,
}

/// One DKIM result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DkimResultInfo {
    /// The result word.
    pub result: String,
    /// `header.d`.
    pub domain: Option<String>,
    /// `header.s`.
    pub selector: Option<String>,
}

/// One `Received` hop.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReceivedInfo {
    /// The `from` clause (the client's HELO name).
    pub from: Option<String>,
    /// The client's IP as the receiver saw it.
    pub from_ip: Option<String>,
    /// The receiving host.
    pub by: Option<String>,
    /// The protocol (`ESMTPS`, …).
    pub with: Option<String>,
    /// The receiver's queue id.
    pub id: Option<String>,
    /// The date, as written.
    pub date: Option<String>,
    /// The whole value.
    pub raw: String,
}

/// The bounce-mailbox watch (design.md §10 `bounce{watched, found, latency_ms, dsn}`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BounceInfo {
    /// A bounce mailbox was watched.
    pub watched: bool,
    /// A bounce of the test message was found.
    pub found: bool,
    /// From the final dot to the bounce.
    pub latency_ms: Option<u64>,
    /// The delivery status notification that tells the story: the final one (`failed`),
    /// else the latest `delayed` one.
    pub dsn: Option<DsnInfo>,
    /// The bounce mailbox (a URL without password; the user masked under `--redact`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailbox: Option<String>,
    /// When the notification was found (RFC 3339, UTC): the final dot plus `latency_ms`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounced_at: Option<String>,
    /// How it was tied to the test message (`envelope_id`, `message_id`,
    /// `message_id_in_text`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_by: Option<smtping_classify::bounce::MatchedBy>,
    /// `delayed` notifications seen before (or without) a final one.
    #[serde(default)]
    pub delayed: u32,
    /// Polls made.
    #[serde(default)]
    pub attempts: u32,
    /// Why the watch failed, when it did: `step: message`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What was skipped and why (oversized candidates, unreadable reports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl BounceInfo {
    /// The human line: `accepted at 14:02:07, bounced at 14:02:41: 550 5.1.1 … (hard)`,
    /// `accepted at 14:02:07, delayed at 14:02:20: 451 4.4.1 … (soft)`, `no bounce in
    /// bounces@… after 12 polls`, or the watch's error. `accepted_at` is RFC 3339.
    #[must_use]
    pub fn line(&self, accepted_at: Option<&str>) -> String {
        if !self.watched {
            return "no bounce mailbox watched".into();
        }
        let Some(dsn) = self.dsn.as_ref().filter(|_| self.found) else {
            if let Some(e) = &self.error {
                return format!("bounce mailbox not watched to the end: {e}");
            }
            let polls = self.attempts;
            return format!(
                "no bounce by the deadline ({polls} poll{})",
                if polls == 1 { "" } else { "s" }
            );
        };
        let word = match dsn.action.as_deref() {
            Some("failed") => "bounced",
            Some("delivered" | "relayed" | "expanded") => "delivery reported",
            _ if dsn.hard => "bounced",
            _ => "delayed",
        };
        let what = match (&dsn.diagnostic_code, &dsn.status) {
            (Some(d), _) => d.clone(),
            (None, Some(s)) => format!("status {s}"),
            (None, None) => dsn.reason.clone().unwrap_or_else(|| "no diagnostic".into()),
        };
        let kind = if dsn.hard { "hard" } else { "soft" };
        let clock = |t: &str| t.get(11..19).map(str::to_owned);
        let when = match (self.bounced_at.as_deref().and_then(clock), self.latency_ms) {
            (Some(t), _) => format!("{word} at {t}"),
            (None, Some(ms)) => format!("{word} after {ms} ms"),
            (None, None) => word.to_owned(),
        };
        match accepted_at.and_then(clock) {
            Some(a) => format!("accepted at {a}, {when}: {what} ({kind})"),
            None => format!("accepted, {when}: {what} ({kind})"),
        }
    }
}

/// A delivery status notification about the test message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DsnInfo {
    /// `failed`, `delayed`, …
    pub action: Option<String>,
    /// The status code (`5.1.1`).
    pub status: Option<String>,
    /// The diagnostic code (the remote server's reply).
    pub diagnostic_code: Option<String>,
    /// The server that refused it.
    pub remote_mta: Option<String>,
    /// The classified reason.
    pub reason: Option<String>,
    /// A permanent failure.
    pub hard: bool,
}

/// What happened at one moment of the follow-through.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FollowEvent {
    /// The server accepted the message at the final dot (t = 0).
    #[default]
    Accepted,
    /// A seed was polled (the detail says which poll).
    Polled,
    /// The message was found in a seed (the detail names the folder and the polls).
    Found,
    /// A seed did not find it before the deadline.
    NotFound,
    /// A seed failed.
    SeedError,
    /// A `delayed` DSN about the message arrived in the bounce mailbox (soft; watching
    /// went on).
    BounceDelayed,
    /// A final DSN (`failed`, or `delivered`) arrived in the bounce mailbox.
    BounceFound,
    /// The bounce-mailbox watch failed.
    BounceError,
}

impl FollowEvent {
    /// The snake_case word.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Polled => "polled",
            Self::Found => "found",
            Self::NotFound => "not_found",
            Self::SeedError => "seed_error",
            Self::BounceDelayed => "bounce_delayed",
            Self::BounceFound => "bounce_found",
            Self::BounceError => "bounce_error",
        }
    }
}

/// One timeline entry.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TimelineEntry {
    /// Milliseconds after the final dot.
    pub t_ms: u64,
    /// What happened.
    pub event: FollowEvent,
    /// The seed mailbox it concerns.
    pub mailbox: Option<String>,
    /// In words.
    pub detail: String,
}

/// A follow-through finding (ids of [`FollowProblem`](crate::follow::FollowProblem) and
/// [`ReceiverProblem`](smtping_classify::receiver::ReceiverProblem)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FollowFinding {
    /// The stable dotted id.
    pub id: String,
    /// Severity.
    pub severity: Severity,
    /// The seed mailbox it concerns.
    pub mailbox: Option<String>,
    /// What was found.
    pub message: String,
}

impl FollowThroughInfo {
    /// In a few words: `found in INBOX after 812 ms`, `found in Junk after 2 s`,
    /// `not found in 1 of 2 seeds`, the bounce line when the message bounced (or when
    /// only a bounce mailbox was watched), or `None` when it did not run.
    #[must_use]
    pub fn summary(&self) -> Option<String> {
        if let Some(b) = &self.bounce
            && b.found
            && b.dsn.as_ref().is_some_and(|d| d.hard)
        {
            return Some(b.line(self.accepted_at.as_deref()));
        }
        if self.seeds.is_empty() {
            return self
                .bounce
                .as_ref()
                .filter(|b| b.watched)
                .map(|b| b.line(self.accepted_at.as_deref()));
        }
        let missing = self.seeds.iter().filter(|s| !s.found).count();
        if missing > 0 {
            return Some(format!(
                "follow-through: not found in {missing} of {} seed{}",
                self.seeds.len(),
                if self.seeds.len() == 1 { "" } else { "s" }
            ));
        }
        let worst = self.seeds.iter().max_by_key(|s| (s.junk, s.latency_ms))?;
        let folder = worst.folder.as_deref().unwrap_or("?");
        Some(match worst.latency_ms {
            Some(ms) => format!("found in {folder} after {ms} ms"),
            None => format!("found in {folder}"),
        })
    }
}
