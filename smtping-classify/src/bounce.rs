//! Does this bounce refer to our test message? (issue 16, follow-through: later bounces.)
//!
//! [`match_bounce`] takes a whole message found in the bounce mailbox and what identifies
//! the test message ([`TestMessage`]: the ENVID given at `MAIL FROM` when the server
//! offered DSN, and the `Message-ID`), and answers:
//!
//! - `Ok(None)`: not about our message (another bounce, or not a bounce at all);
//! - `Ok(Some(BounceMatch))`: it is, matched by the report's `Original-Envelope-Id`
//!   (compared raw and xtext-decoded, RFC 3461 §4) or by the `Message-ID` of the returned
//!   headers (`text/rfc822-headers` or `message/rfc822`, angle brackets and the case of
//!   the domain part ignored), with a [`DsnVerdict`] (design.md §10 `bounce.dsn{action,
//!   status, diagnostic_code, remote_mta, reason, hard}`) per recipient and the one that
//!   matters most in [`BounceMatch::dsn`];
//! - `Err(DsnError)` when it is a report but a broken one (limits, bad MIME) that does not
//!   quote our `Message-ID` either.
//!
//! A bounce that is not a `multipart/report` (old qmail, some appliances), or a broken
//! one, is matched when our `Message-ID` appears in a `Message-ID:` line of its body; its
//! verdict is then classified from the text alone.
//!
//! Hard means the delivery failed for good (`Action: failed`, or a `5.x.x` status); soft
//! means it is delayed (`Action: delayed`, or `4.x.x`) and the sender is still retrying, so
//! a watcher should keep watching until its deadline ([`BounceKind::is_final`]).
//!
//! ```
//! use smtping_classify::bounce::{match_bounce, BounceKind, MatchedBy, TestMessage};
//! use smtping_classify::Reason;
//!
//! let bounce = b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n\
//! --B\r\nContent-Type: message/delivery-status\r\n\r\n\
//! Reporting-MTA: dns; mail.example.com\r\nOriginal-Envelope-Id: smtping+7f3a\r\n\r\n\
//! Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
//! Remote-MTA: dns; mx.example.org\r\n\
//! Diagnostic-Code: smtp; 550 5.1.1 <nobody@example.org>: User unknown\r\n--B--\r\n";
//! let ours = TestMessage::new("<t1@example.com>").envelope_id("smtping+2B7f3a"); // sent as xtext
//! let m = match_bounce(bounce, &ours).unwrap().unwrap();
//! assert_eq!(m.matched_by, MatchedBy::EnvelopeId);
//! assert_eq!(m.dsn.kind, BounceKind::Hard);
//! assert!(m.dsn.hard);
//! assert_eq!(m.dsn.status.as_deref(), Some("5.1.1"));
//! assert_eq!(m.dsn.remote_mta.as_deref(), Some("mx.example.org"));
//! assert_eq!(m.dsn.reason, Reason::MailboxUnknown);
//! assert_eq!(m.dsn.to_string(), "550 5.1.1 <nobody@example.org>: User unknown (hard)");
//!
//! let other = TestMessage::new("<someone-else@example.com>");
//! assert_eq!(match_bounce(bounce, &other).unwrap(), None);
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::dsn::{Action, DsnError, DsnParser, Recipient, Report};
use crate::model::{Classification, Context, Outcome, Reason};

/// How much of a non-report bounce is searched for our `Message-ID` and classified.
const MAX_TEXT_SCAN: usize = 256 * 1024;

/// What identifies the test message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TestMessage<'a> {
    /// Our `Message-ID`, with or without angle brackets.
    pub message_id: &'a str,
    /// The ENVID given at `MAIL FROM` (as sent, xtext-encoded), when the server offered DSN.
    pub envelope_id: Option<&'a str>,
    /// Only these recipients count (any case); empty: every recipient in the report.
    pub recipients: &'a [&'a str],
}

impl<'a> TestMessage<'a> {
    /// A test message known by its `Message-ID`.
    #[must_use]
    pub const fn new(message_id: &'a str) -> Self {
        Self {
            message_id,
            envelope_id: None,
            recipients: &[],
        }
    }

    /// Sets the ENVID given at `MAIL FROM`.
    #[must_use]
    pub const fn envelope_id(mut self, envid: &'a str) -> Self {
        self.envelope_id = Some(envid);
        self
    }

    /// Restricts the verdicts to these recipients.
    #[must_use]
    pub const fn recipients(mut self, recipients: &'a [&'a str]) -> Self {
        self.recipients = recipients;
        self
    }
}

/// How the bounce was tied to the test message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MatchedBy {
    /// The report's `Original-Envelope-Id` is our ENVID.
    EnvelopeId,
    /// The returned headers carry our `Message-ID`.
    MessageId,
    /// Not a delivery report, but its text quotes our `Message-ID`.
    MessageIdInText,
}

/// Hard, soft, or not a failure at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BounceKind {
    /// Failed for good: `Action: failed`, or a `5.x.x` status.
    Hard,
    /// Delayed, still being retried: `Action: delayed`, or a `4.x.x` status.
    Soft,
    /// A success notification (`delivered`, `relayed`, `expanded`).
    Delivered,
    /// Neither the action nor the status says.
    Unknown,
}

impl BounceKind {
    /// `true` when no later notification will change the story (hard or delivered); a
    /// soft bounce means the sender keeps retrying.
    #[must_use]
    pub const fn is_final(self) -> bool {
        matches!(self, Self::Hard | Self::Delivered)
    }

    /// `"hard"`, `"soft"`, `"delivered"` or `"unknown"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Hard => "hard",
            Self::Soft => "soft",
            Self::Delivered => "delivered",
            Self::Unknown => "unknown",
        }
    }
}

/// One recipient's verdict (design.md §10 `bounce.dsn`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DsnVerdict {
    /// The recipient (`Final-Recipient`, else `Original-Recipient`), when given.
    pub recipient: Option<String>,
    /// `Action`.
    pub action: Option<Action>,
    /// `Status`, as `"5.1.1"`.
    pub status: Option<String>,
    /// `Diagnostic-Code` without its type (`550 5.1.1 …`).
    pub diagnostic_code: Option<String>,
    /// `Remote-MTA` without its type.
    pub remote_mta: Option<String>,
    /// The reason, classified like any reply.
    pub reason: Reason,
    /// Failed for good (`5.x.x` / `failed`).
    pub hard: bool,
    /// Hard, soft, delivered or unknown.
    pub kind: BounceKind,
    /// The whole classification (explanation, remediation, provider, rule).
    pub classification: Classification,
}

impl fmt::Display for DsnVerdict {
    /// `550 5.1.1 <bob@example.org>: User unknown (hard)`: the diagnostic (else the
    /// status), and the kind.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.diagnostic_code, &self.status) {
            (Some(d), _) => f.write_str(d)?,
            (None, Some(s)) => write!(f, "status {s}")?,
            (None, None) => f.write_str(self.reason.as_str())?,
        }
        write!(f, " ({})", self.kind.as_str())
    }
}

/// A bounce that refers to the test message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BounceMatch {
    /// How it was tied to the test message.
    pub matched_by: MatchedBy,
    /// The verdict that matters most: the first hard one, else the first soft one, else
    /// the first.
    pub dsn: DsnVerdict,
    /// Every recipient's verdict, in report order (only ours when
    /// [`TestMessage::recipients`] was given).
    pub recipients: Vec<DsnVerdict>,
    /// The parsed report (`None` for a non-report bounce).
    pub report: Option<Report>,
}

/// Decides whether `message` is a bounce of the test message; see the [module docs](self).
pub fn match_bounce(
    message: &[u8],
    ours: &TestMessage<'_>,
) -> Result<Option<BounceMatch>, DsnError> {
    match_bounce_with(&DsnParser::new(), message, ours)
}

/// [`match_bounce`] with a configured parser (limits).
pub fn match_bounce_with(
    parser: &DsnParser,
    message: &[u8],
    ours: &TestMessage<'_>,
) -> Result<Option<BounceMatch>, DsnError> {
    let report = match parser.parse(message) {
        Ok(r) => r,
        Err(e) => {
            // Not a (readable) report: it may still quote our Message-ID.
            if let Some(m) = text_bounce(message, ours) {
                return Ok(Some(m));
            }
            return match e {
                DsnError::NotAReport { .. } | DsnError::WrongReportType { .. } => Ok(None),
                e => Err(e),
            };
        }
    };
    let by_envid = match (ours.envelope_id, report.original_envelope_id.as_deref()) {
        (Some(envid), Some(theirs)) => envid_matches(envid, theirs),
        _ => false,
    };
    let matched_by = if by_envid {
        MatchedBy::EnvelopeId
    } else if report
        .message_id
        .as_deref()
        .is_some_and(|m| message_id_eq(m, ours.message_id))
    {
        MatchedBy::MessageId
    } else {
        return Ok(None);
    };
    let recipients: Vec<DsnVerdict> = report
        .recipients
        .iter()
        .filter(|r| {
            ours.recipients.is_empty()
                || r.address().is_some_and(|a| {
                    ours.recipients
                        .iter()
                        .any(|o| o.trim_matches(['<', '>']).eq_ignore_ascii_case(a))
                })
        })
        .map(verdict)
        .collect();
    let Some(dsn) = most_significant(&recipients) else {
        return Ok(None);
    };
    Ok(Some(BounceMatch {
        matched_by,
        dsn,
        recipients,
        report: Some(report),
    }))
}

fn most_significant(v: &[DsnVerdict]) -> Option<DsnVerdict> {
    v.iter()
        .find(|d| d.kind == BounceKind::Hard)
        .or_else(|| v.iter().find(|d| d.kind == BounceKind::Soft))
        .or_else(|| v.first())
        .cloned()
}

fn verdict(r: &Recipient) -> DsnVerdict {
    let c = r.classify(&Context::default());
    let status_class = r.status.map(|s| s.class());
    let kind = match (r.action, status_class) {
        (Some(Action::Failed), _) => BounceKind::Hard,
        (Some(Action::Delayed), _) => BounceKind::Soft,
        (Some(Action::Delivered | Action::Relayed | Action::Expanded), _) => BounceKind::Delivered,
        (_, Some(5)) => BounceKind::Hard,
        (_, Some(4)) => BounceKind::Soft,
        (_, Some(2)) => BounceKind::Delivered,
        _ => match c.outcome {
            Outcome::Bounced => BounceKind::Hard,
            Outcome::Deferred => BounceKind::Soft,
            Outcome::Accepted => BounceKind::Delivered,
            _ => BounceKind::Unknown,
        },
    };
    DsnVerdict {
        recipient: r.address().map(str::to_owned),
        action: r.action,
        status: r.status.map(|s| s.to_string()),
        diagnostic_code: r.diagnostic_code.as_ref().map(|d| d.value.clone()),
        remote_mta: r.remote_mta.as_ref().map(|d| d.value.clone()),
        reason: c.reason,
        hard: kind == BounceKind::Hard,
        kind,
        classification: c,
    }
}

/// A non-report bounce whose text quotes our `Message-ID` in a `Message-ID:` line.
fn text_bounce(message: &[u8], ours: &TestMessage<'_>) -> Option<BounceMatch> {
    let text = String::from_utf8_lossy(&message[..message.len().min(MAX_TEXT_SCAN)]);
    // The message's own Message-ID is in its header block; only look past it.
    let body_start = text
        .find("\r\n\r\n")
        .map(|n| n + 4)
        .or_else(|| text.find("\n\n").map(|n| n + 2))?;
    let body = &text[body_start..];
    let quoted = body.lines().any(|l| {
        let l = l.trim_start();
        l.len() > 11
            && l.is_char_boundary(11)
            && l[..11].eq_ignore_ascii_case("message-id:")
            && message_id_eq(l[11..].trim(), ours.message_id)
    });
    if !quoted {
        return None;
    }
    let c = crate::classify_text(body, &Context::default());
    let kind = match c.outcome {
        Outcome::Bounced => BounceKind::Hard,
        Outcome::Deferred => BounceKind::Soft,
        Outcome::Accepted => BounceKind::Delivered,
        _ => BounceKind::Unknown,
    };
    let dsn = DsnVerdict {
        recipient: None,
        action: None,
        status: c.enhanced.map(|e| e.to_string()),
        diagnostic_code: None,
        remote_mta: None,
        reason: c.reason,
        hard: kind == BounceKind::Hard,
        kind,
        classification: c,
    };
    Some(BounceMatch {
        matched_by: MatchedBy::MessageIdInText,
        recipients: vec![dsn.clone()],
        dsn,
        report: None,
    })
}

/// Message-IDs compare without angle brackets and surrounding space, the part after the
/// last `@` case-insensitively.
fn message_id_eq(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim();
        let s = s.strip_prefix('<').unwrap_or(s);
        let s = s.split('>').next().unwrap_or(s).trim();
        s.to_owned()
    };
    let (a, b) = (norm(a), norm(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => a == b,
    }
}

/// The report's `Original-Envelope-Id` against our ENVID: raw, or either side
/// xtext-decoded (RFC 3461 §4: `+HH` escapes).
fn envid_matches(ours: &str, theirs: &str) -> bool {
    let theirs = theirs.trim();
    let ours = ours.trim();
    !ours.is_empty()
        && (ours == theirs
            || xtext_decode(ours) == theirs
            || xtext_decode(theirs) == xtext_decode(ours))
}

fn xtext_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut n = 0;
    while n < b.len() {
        if b[n] == b'+'
            && n + 3 <= b.len()
            && let Some(v) = core::str::from_utf8(&b[n + 1..n + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            n += 3;
            continue;
        }
        out.push(b[n]);
        n += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A problem a matched bounce reveals, with its finding id.
///
/// ```
/// use smtping_classify::bounce::{BounceKind, BounceProblem, Severity};
/// assert_eq!(BounceProblem::from_kind(BounceKind::Hard).unwrap().finding_id(), "bounce.hard");
/// assert_eq!(BounceProblem::from_kind(BounceKind::Soft).unwrap().severity(), Severity::Warning);
/// assert!(BounceProblem::from_kind(BounceKind::Delivered).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum BounceProblem {
    /// Accepted at the final dot, then returned for good.
    Hard,
    /// Accepted at the final dot, then reported delayed (still being retried).
    Delayed,
}

/// How bad a [`BounceProblem`] is (the report's finding severities).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be looked at.
    Warning,
    /// Mail did not arrive.
    Error,
}

impl BounceProblem {
    /// The problem a verdict of `kind` reveals, if any.
    #[must_use]
    pub const fn from_kind(kind: BounceKind) -> Option<Self> {
        match kind {
            BounceKind::Hard => Some(Self::Hard),
            BounceKind::Soft => Some(Self::Delayed),
            BounceKind::Delivered | BounceKind::Unknown => None,
        }
    }

    /// The stable finding id.
    #[must_use]
    pub const fn finding_id(self) -> &'static str {
        match self {
            Self::Hard => "bounce.hard",
            Self::Delayed => "bounce.delayed",
        }
    }

    /// How bad it is.
    #[must_use]
    pub const fn severity(self) -> Severity {
        match self {
            Self::Hard => Severity::Error,
            Self::Delayed => Severity::Warning,
        }
    }
}

impl fmt::Display for BounceProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Hard => "the message was accepted, then returned by a later server: it was not delivered",
            Self::Delayed => "the message was accepted, then reported delayed: a later server is still retrying it",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_compare_without_brackets_and_domain_case() {
        assert!(message_id_eq("<a.b@Example.COM>", "a.b@example.com"));
        assert!(message_id_eq(" <a@x> (comment)", "<a@x>"));
        assert!(!message_id_eq("<A@x>", "<a@x>"));
        assert!(!message_id_eq("<>", "<>"));
        assert!(!message_id_eq("<a@x>", "<a@y>"));
    }

    #[test]
    fn envids_compare_raw_or_xtext_decoded() {
        assert!(envid_matches("smtping+2B7f", "smtping+7f"));
        assert!(envid_matches("smtping+2B7f", "smtping+2B7f"));
        assert!(envid_matches("abc", " abc "));
        assert!(!envid_matches("", ""));
        assert!(!envid_matches("abc", "abd"));
        assert_eq!(xtext_decode("a+2"), "a+2");
        assert_eq!(xtext_decode("+3D+zz"), "=+zz");
    }
}
