//! Delivery status notifications (RFC 3464, RFC 3462/6522 `multipart/report`).
//!
//! [`parse`] reads a whole bounce message (`multipart/report;
//! report-type=delivery-status`, possibly nested in another multipart) or just the body of
//! a `message/delivery-status` part, and returns a [`Report`]: per-message fields, one
//! [`Recipient`] record per recipient, and the original `Message-ID` from the returned
//! message (`message/rfc822` or `text/rfc822-headers`) for correlation. Each record
//! classifies itself with [`Recipient::classify`].
//!
//! Header folding, case-insensitive field names, CRLF or bare LF line ends, quoted
//! boundaries and `message/global-delivery-status` (RFC 6533) are handled. Input size,
//! nesting depth and recipient count are bounded; bad MIME is a typed [`DsnError`].
//!
//! ```
//! use smtping_classify::{dsn, Context, Outcome, Reason};
//!
//! let bounce = b"From: MAILER-DAEMON@mx.example.net\r\n\
//! Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"B1\"\r\n\
//! \r\n\
//! --B1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n\
//! --B1\r\nContent-Type: message/delivery-status\r\n\r\n\
//! Reporting-MTA: dns; mx.example.net\r\nOriginal-Envelope-Id: 7f3a\r\n\r\n\
//! Final-Recipient: rfc822; bob@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\
//! Remote-MTA: dns; mail.example.org\r\n\
//! Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected:\r\n\
//! \tUser unknown in local recipient table\r\n\
//! --B1\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <abc@example.com>\r\nSubject: hi\r\n\
//! --B1--\r\n";
//! let report = dsn::parse(bounce).unwrap();
//! assert_eq!(report.original_envelope_id.as_deref(), Some("7f3a"));
//! assert_eq!(report.message_id.as_deref(), Some("<abc@example.com>"));
//! let rcpt = &report.recipients[0];
//! assert_eq!(rcpt.address(), Some("bob@example.org"));
//! let c = rcpt.classify(&Context::default());
//! assert_eq!((c.outcome, c.reason, c.hard), (Outcome::Bounced, Reason::MailboxUnknown, true));
//! ```

use core::fmt;

use serde::{Deserialize, Serialize};
use smtping_proto::EnhancedCode;

use crate::model::{Classification, Context, Outcome, Reason};

/// Default largest input: 1 MiB.
pub const DEFAULT_MAX_INPUT: usize = 1024 * 1024;
/// Default most recipient records: 1000.
pub const DEFAULT_MAX_RECIPIENTS: usize = 1000;
/// Default deepest multipart nesting: 8.
pub const DEFAULT_MAX_DEPTH: usize = 8;

/// Why input is not a usable delivery status notification. Every message names the DSN
/// step that failed and the cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DsnError {
    /// The input is larger than the configured limit.
    #[error("DSN input is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// The input size.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// More recipient records than the configured limit.
    #[error("DSN has more than {limit} recipient records")]
    TooManyRecipients {
        /// The limit.
        limit: usize,
    },
    /// Multiparts nested deeper than the configured limit.
    #[error("DSN MIME structure is nested deeper than {limit} levels")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The message is neither a report nor a delivery-status body.
    #[error(
        "not a delivery status notification: the content type is {content_type} (expected multipart/report; report-type=delivery-status, or message/delivery-status)"
    )]
    NotAReport {
        /// The content type found (lowercase), or a description.
        content_type: String,
    },
    /// A `multipart/report` of another kind (feedback report, read receipt).
    #[error(
        "multipart/report of type {report_type:?} is not a delivery status notification (report-type=delivery-status expected)"
    )]
    WrongReportType {
        /// The report-type parameter.
        report_type: String,
    },
    /// A multipart without a boundary parameter.
    #[error("DSN MIME: {content_type} has no boundary parameter")]
    MissingBoundary {
        /// The multipart content type.
        content_type: String,
    },
    /// A multipart whose boundary never appears in the body.
    #[error("DSN MIME: the boundary {boundary:?} never appears in the multipart body")]
    BoundaryNotFound {
        /// The boundary declared.
        boundary: String,
    },
    /// A report without a `message/delivery-status` part.
    #[error("DSN MIME: no message/delivery-status part found in the report")]
    NoDeliveryStatus,
    /// The delivery-status part uses a transfer encoding this parser does not decode.
    #[error(
        "DSN delivery-status part uses Content-Transfer-Encoding {encoding}, which is not supported (RFC 3464 requires 7bit)"
    )]
    UnsupportedEncoding {
        /// The encoding named.
        encoding: String,
    },
    /// The delivery-status part has no per-recipient fields.
    #[error(
        "DSN delivery-status part has no per-recipient fields (Final-Recipient, Action, Status)"
    )]
    NoRecipients,
}

/// A DSN parser with limits.
///
/// ```
/// use smtping_classify::dsn::{DsnError, DsnParser};
/// let err = DsnParser::new().max_input(10).parse(b"Reporting-MTA: dns; x\r\n\r\nAction: failed\r\n").unwrap_err();
/// assert!(matches!(err, DsnError::TooLarge { limit: 10, .. }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DsnParser {
    max_input: usize,
    max_recipients: usize,
    max_depth: usize,
}

impl Default for DsnParser {
    fn default() -> Self {
        Self::new()
    }
}

/// A `type; value` field such as `rfc822; bob@example.org` or `dns; mx.example.org`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TypedValue {
    /// The type (lowercase): `rfc822`, `dns`, `smtp`, `x-postfix`, … (empty when absent).
    pub kind: String,
    /// The value, unfolded and trimmed.
    pub value: String,
}

impl TypedValue {
    fn parse(raw: &str) -> Self {
        match raw.split_once(';') {
            Some((k, v)) if !k.trim().contains(char::is_whitespace) && !k.trim().is_empty() => {
                Self {
                    kind: k.trim().to_ascii_lowercase(),
                    value: v.trim().to_owned(),
                }
            }
            _ => Self {
                kind: String::new(),
                value: raw.trim().to_owned(),
            },
        }
    }
}

impl fmt::Display for TypedValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind.is_empty() {
            f.write_str(&self.value)
        } else {
            write!(f, "{}; {}", self.kind, self.value)
        }
    }
}

/// The `Action` of a recipient record (RFC 3464 §2.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Action {
    /// Delivery failed; no more attempts.
    Failed,
    /// Delivery is delayed; attempts continue.
    Delayed,
    /// Delivered.
    Delivered,
    /// Relayed to a system that does not send DSNs.
    Relayed,
    /// Delivered and forwarded to several addresses (a list or alias).
    Expanded,
    /// A value RFC 3464 does not define.
    Other,
}

impl Action {
    fn parse(raw: &str) -> Self {
        let word = raw
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match word.as_str() {
            "failed" => Action::Failed,
            "delayed" => Action::Delayed,
            "delivered" => Action::Delivered,
            "relayed" => Action::Relayed,
            "expanded" => Action::Expanded,
            _ => Action::Other,
        }
    }

    /// The outcome this action means, if it settles one.
    #[must_use]
    pub const fn outcome(self) -> Option<Outcome> {
        match self {
            Action::Failed => Some(Outcome::Bounced),
            Action::Delayed => Some(Outcome::Deferred),
            Action::Delivered | Action::Relayed | Action::Expanded => Some(Outcome::Accepted),
            Action::Other => None,
        }
    }
}

/// One per-recipient record of a DSN.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Recipient {
    /// `Final-Recipient`.
    pub final_recipient: Option<TypedValue>,
    /// `Original-Recipient`.
    pub original_recipient: Option<TypedValue>,
    /// `Action`.
    pub action: Option<Action>,
    /// `Status`: the enhanced code, when it parses.
    #[serde(with = "crate::model::enhanced_serde")]
    pub status: Option<EnhancedCode>,
    /// `Remote-MTA`.
    pub remote_mta: Option<TypedValue>,
    /// `Diagnostic-Code`, unfolded (`smtp; 550 5.1.1 …`).
    pub diagnostic_code: Option<TypedValue>,
    /// `Last-Attempt-Date`, as written.
    pub last_attempt_date: Option<String>,
    /// `Will-Retry-Until`, as written.
    pub will_retry_until: Option<String>,
}

impl Recipient {
    /// The recipient address: `Final-Recipient`, else `Original-Recipient`.
    #[must_use]
    pub fn address(&self) -> Option<&str> {
        self.final_recipient
            .as_ref()
            .or(self.original_recipient.as_ref())
            .map(|t| t.value.trim_start_matches('<').trim_end_matches('>'))
    }

    /// Classifies the record: the diagnostic text decides the reason (with `Status` as
    /// the enhanced code when the diagnostic has none), `Remote-MTA` and the recipient's
    /// domain fill the context when `ctx` lacks them, and `Action` settles the outcome
    /// (`failed` bounced, `delayed` deferred, `delivered`/`relayed`/`expanded` accepted).
    #[must_use]
    pub fn classify(&self, ctx: &Context<'_>) -> Classification {
        let domain = self
            .address()
            .and_then(|a| a.rsplit_once('@'))
            .map(|(_, d)| d);
        let ctx = Context {
            stage: ctx.stage,
            remote_host: ctx
                .remote_host
                .or(self.remote_mta.as_ref().map(|t| t.value.as_str())),
            recipient_domain: ctx.recipient_domain.or(domain),
        };
        let mut text = String::new();
        if let Some(d) = &self.diagnostic_code {
            text.push_str(&d.value);
        }
        if let Some(s) = self.status {
            text.push_str("\nStatus: ");
            text.push_str(&s.to_string());
        }
        let mut c = crate::classify_text(&text, &ctx);
        let Some(outcome) = self.action.and_then(Action::outcome) else {
            return c;
        };
        if outcome == c.outcome {
            return c;
        }
        match outcome {
            Outcome::Accepted => {
                c.reason = Reason::Accepted;
                c.explanation =
                    "The reporting server delivered or relayed the message for this recipient."
                        .to_owned();
                c.remediation = Reason::Accepted.default_remediation().to_owned();
            }
            Outcome::Bounced if c.outcome == Outcome::Deferred => {
                if c.explanation.ends_with('.') {
                    c.explanation.pop();
                }
                c.explanation
                    .push_str(" (the reporting server kept getting this temporary failure, gave up retrying and returned the message).");
            }
            _ => {}
        }
        c.outcome = outcome;
        c.hard = crate::is_hard(c.outcome, c.reason);
        c
    }
}

/// A parsed delivery status notification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// `Reporting-MTA`.
    pub reporting_mta: Option<TypedValue>,
    /// `Received-From-MTA`.
    pub received_from_mta: Option<TypedValue>,
    /// `Arrival-Date`, as written.
    pub arrival_date: Option<String>,
    /// `Original-Envelope-Id` (the ENVID given at MAIL FROM).
    pub original_envelope_id: Option<String>,
    /// The `Message-ID` of the returned original message, when the report includes it.
    pub message_id: Option<String>,
    /// The per-recipient records, in order.
    pub recipients: Vec<Recipient>,
}

impl Report {
    /// Classifies every recipient record, in order.
    #[must_use]
    pub fn classify(&self, ctx: &Context<'_>) -> Vec<Classification> {
        self.recipients.iter().map(|r| r.classify(ctx)).collect()
    }
}

/// Parses a DSN with the default limits; see [`DsnParser`].
pub fn parse(input: &[u8]) -> Result<Report, DsnError> {
    DsnParser::new().parse(input)
}

impl DsnParser {
    /// Default limits: 1 MiB input, 1000 recipients, 8 levels of nesting.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            max_input: DEFAULT_MAX_INPUT,
            max_recipients: DEFAULT_MAX_RECIPIENTS,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }

    /// Sets the largest input accepted, in bytes.
    #[must_use]
    pub const fn max_input(mut self, bytes: usize) -> Self {
        self.max_input = bytes;
        self
    }

    /// Sets the most recipient records accepted.
    #[must_use]
    pub const fn max_recipients(mut self, n: usize) -> Self {
        self.max_recipients = n;
        self
    }

    /// Sets the deepest multipart nesting accepted.
    #[must_use]
    pub const fn max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }

    /// Parses a whole DSN message, or the body of a `message/delivery-status` part.
    pub fn parse(&self, input: &[u8]) -> Result<Report, DsnError> {
        if input.len() > self.max_input {
            return Err(DsnError::TooLarge {
                size: input.len(),
                limit: self.max_input,
            });
        }
        let (headers, body) = split_headers(input);
        let content_type = header(&headers, "content-type");
        let mut found = Found::default();
        match content_type {
            Some(ct) => self.entity(
                &ct,
                header(&headers, "content-transfer-encoding"),
                body,
                0,
                &mut found,
            )?,
            None if headers.iter().any(|(n, _)| is_ds_field(n)) => found.status = Some(input),
            None => {
                return Err(DsnError::NotAReport {
                    content_type: "text/plain (no Content-Type header)".to_owned(),
                });
            }
        }
        let status = found.status.ok_or(DsnError::NoDeliveryStatus)?;
        let mut report = self.delivery_status(status)?;
        report.message_id = found.message_id;
        Ok(report)
    }

    fn entity<'a>(
        &self,
        content_type: &str,
        encoding: Option<String>,
        body: &'a [u8],
        depth: usize,
        found: &mut Found<'a>,
    ) -> Result<(), DsnError> {
        let ct = ContentType::parse(content_type);
        match ct.mime.as_str() {
            "message/delivery-status" | "message/global-delivery-status" => {
                if let Some(enc) = encoding {
                    let enc = enc.trim().to_ascii_lowercase();
                    if !matches!(enc.as_str(), "7bit" | "8bit" | "binary" | "") {
                        return Err(DsnError::UnsupportedEncoding { encoding: enc });
                    }
                }
                if found.status.is_none() {
                    found.status = Some(body);
                }
                Ok(())
            }
            "message/rfc822"
            | "message/global"
            | "text/rfc822-headers"
            | "message/global-headers" => {
                if found.message_id.is_none() {
                    let (h, _) = split_headers(body);
                    found.message_id = header(&h, "message-id").map(|v| v.trim().to_owned());
                }
                Ok(())
            }
            m if m.starts_with("multipart/") => {
                if depth >= self.max_depth {
                    return Err(DsnError::TooDeep {
                        limit: self.max_depth,
                    });
                }
                if m == "multipart/report"
                    && let Some(rt) = ct.param("report-type")
                    && !rt.eq_ignore_ascii_case("delivery-status")
                    && !rt.eq_ignore_ascii_case("global-delivery-status")
                {
                    return Err(DsnError::WrongReportType {
                        report_type: rt.to_owned(),
                    });
                }
                let boundary = ct
                    .param("boundary")
                    .ok_or_else(|| DsnError::MissingBoundary {
                        content_type: ct.mime.clone(),
                    })?;
                let parts = split_multipart(body, boundary.as_bytes()).ok_or_else(|| {
                    DsnError::BoundaryNotFound {
                        boundary: boundary.to_owned(),
                    }
                })?;
                for part in parts {
                    let (h, b) = split_headers(part);
                    // A part without Content-Type is text/plain (RFC 2045); skip it.
                    let Some(pct) = header(&h, "content-type") else {
                        continue;
                    };
                    match self.entity(
                        &pct,
                        header(&h, "content-transfer-encoding"),
                        b,
                        depth + 1,
                        found,
                    ) {
                        Ok(()) | Err(DsnError::NotAReport { .. }) => {}
                        // A nested multipart/report of another kind is not ours; skip it.
                        Err(DsnError::WrongReportType { .. })
                            if depth > 0 || m != "multipart/report" => {}
                        Err(e) => return Err(e),
                    }
                }
                if depth == 0 && found.status.is_none() {
                    return Err(DsnError::NoDeliveryStatus);
                }
                Ok(())
            }
            other => Err(DsnError::NotAReport {
                content_type: other.to_owned(),
            }),
        }
    }

    fn delivery_status(&self, body: &[u8]) -> Result<Report, DsnError> {
        let mut report = Report::default();
        let mut rest = body;
        while !rest.is_empty() {
            let (fields, next) = field_group(rest);
            rest = next;
            if fields.is_empty() {
                continue;
            }
            if fields.iter().any(|(n, _)| is_recipient_field(n)) {
                if report.recipients.len() >= self.max_recipients {
                    return Err(DsnError::TooManyRecipients {
                        limit: self.max_recipients,
                    });
                }
                report.recipients.push(recipient(&fields));
            } else {
                for (name, value) in &fields {
                    match name.as_str() {
                        "reporting-mta" => report.reporting_mta = Some(TypedValue::parse(value)),
                        "received-from-mta" => {
                            report.received_from_mta = Some(TypedValue::parse(value))
                        }
                        "arrival-date" => report.arrival_date = Some(value.trim().to_owned()),
                        "original-envelope-id" => {
                            report.original_envelope_id = Some(value.trim().to_owned())
                        }
                        _ => {}
                    }
                }
            }
        }
        if report.recipients.is_empty() {
            return Err(DsnError::NoRecipients);
        }
        Ok(report)
    }
}

#[derive(Default)]
struct Found<'a> {
    status: Option<&'a [u8]>,
    message_id: Option<String>,
}

fn recipient(fields: &[(String, String)]) -> Recipient {
    let mut r = Recipient::default();
    for (name, value) in fields {
        let v = value.trim();
        match name.as_str() {
            "final-recipient" => r.final_recipient = Some(TypedValue::parse(v)),
            "original-recipient" => r.original_recipient = Some(TypedValue::parse(v)),
            "action" => r.action = Some(Action::parse(v)),
            "status" => {
                r.status = EnhancedCode::parse_prefix(v.as_bytes()).map(|(c, _)| c);
            }
            "remote-mta" => r.remote_mta = Some(TypedValue::parse(v)),
            "diagnostic-code" => r.diagnostic_code = Some(TypedValue::parse(v)),
            "last-attempt-date" => r.last_attempt_date = Some(v.to_owned()),
            "will-retry-until" => r.will_retry_until = Some(v.to_owned()),
            _ => {}
        }
    }
    r
}

fn is_recipient_field(name: &str) -> bool {
    matches!(
        name,
        "final-recipient" | "original-recipient" | "action" | "status"
    )
}

fn is_ds_field(name: &str) -> bool {
    is_recipient_field(name)
        || matches!(
            name,
            "reporting-mta" | "arrival-date" | "original-envelope-id" | "received-from-mta"
        )
}

/// Splits at the end of the line starting at `start`: (line without terminator, next start).
fn line_at(b: &[u8], start: usize) -> (&[u8], usize) {
    match memchr::memchr(b'\n', &b[start..]) {
        Some(n) => {
            let line = &b[start..start + n];
            (line.strip_suffix(b"\r").unwrap_or(line), start + n + 1)
        }
        None => (&b[start..], b.len()),
    }
}

/// Reads a block of header lines (with folding) up to a blank line or a line that is not a
/// header. Returns lowercase names with unfolded values, and the rest.
fn header_block(b: &[u8], stop_at_non_header: bool) -> (Vec<(String, String)>, &[u8]) {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut pos = 0;
    while pos < b.len() {
        let (line, next) = line_at(b, pos);
        if line.iter().all(|c| *c == b' ' || *c == b'\t') {
            return (fields, &b[next..]);
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(String::from_utf8_lossy(line).trim());
            }
            pos = next;
            continue;
        }
        let colon = line.iter().position(|c| *c == b':');
        let name_ok =
            colon.is_some_and(|c| c > 0 && line[..c].iter().all(|ch| ch.is_ascii_graphic()));
        match colon {
            Some(c) if name_ok => {
                let name = String::from_utf8_lossy(&line[..c]).to_ascii_lowercase();
                let value = String::from_utf8_lossy(&line[c + 1..]).trim().to_owned();
                fields.push((name, value));
            }
            _ if stop_at_non_header => return (fields, &b[pos..]),
            _ => {}
        }
        pos = next;
    }
    (fields, &b[b.len()..])
}

fn split_headers(b: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    header_block(b, true)
}

/// One group of delivery-status fields, up to a blank line.
fn field_group(b: &[u8]) -> (Vec<(String, String)>, &[u8]) {
    header_block(b, false)
}

fn header(fields: &[(String, String)], name: &str) -> Option<String> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

struct ContentType {
    mime: String,
    params: Vec<(String, String)>,
}

impl ContentType {
    fn parse(raw: &str) -> Self {
        let mut parts = split_params(raw).into_iter();
        let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let params = parts
            .filter_map(|p| {
                let (n, v) = p.split_once('=')?;
                Some((n.trim().to_ascii_lowercase(), unquote(v.trim())))
            })
            .collect();
        Self { mime, params }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Splits `a; b="x;y"; c` at semicolons outside quotes.
fn split_params(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for ch in raw.chars() {
        if escaped {
            cur.push(ch);
            escaped = false;
            continue;
        }
        match ch {
            '\\' if quoted => {
                cur.push(ch);
                escaped = true;
            }
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            ';' if !quoted => out.push(core::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

fn unquote(v: &str) -> String {
    let Some(inner) = v.strip_prefix('"') else {
        return v.to_owned();
    };
    let inner = inner.strip_suffix('"').unwrap_or(inner);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The body parts of a multipart body, or `None` when the boundary never appears. A
/// missing closing delimiter ends the last part at the end of the input.
fn split_multipart<'a>(body: &'a [u8], boundary: &[u8]) -> Option<Vec<&'a [u8]>> {
    let mut parts = Vec::new();
    let mut current: Option<usize> = None;
    let mut pos = 0;
    let mut seen = false;
    while pos < body.len() {
        let (line, next) = line_at(body, pos);
        if let Some(rest) = line
            .strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(boundary))
        {
            let closing = rest.starts_with(b"--");
            let tail = if closing { &rest[2..] } else { rest };
            if tail.iter().all(|c| *c == b' ' || *c == b'\t') {
                seen = true;
                if let Some(start) = current.take() {
                    // The line break before the delimiter belongs to the delimiter.
                    let mut end = pos;
                    if end > start && body[end - 1] == b'\n' {
                        end -= 1;
                        if end > start && body[end - 1] == b'\r' {
                            end -= 1;
                        }
                    }
                    parts.push(&body[start..end.max(start)]);
                }
                if closing {
                    return Some(parts);
                }
                current = Some(next);
            }
        }
        pos = next;
    }
    if let Some(start) = current {
        parts.push(&body[start.min(body.len())..]);
    }
    seen.then_some(parts)
}

#[cfg(test)]
mod tests;
