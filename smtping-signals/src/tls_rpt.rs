//! SMTP TLS Reporting (RFC 8460): the `_smtp._tls.<domain>` TXT record and its `rua`
//! destinations.
//!
//! ```text
//! tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
//! field-delim      = *WSP ";" *WSP
//! tlsrpt-version   = %s"v=TLSRPTv1"
//! tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
//! tlsrpt-extension = tlsrpt-ext-name "=" tlsrpt-ext-value
//! ```
//!
//! Records that do not start with `v=TLSRPTv1` are discarded; if not exactly one is
//! left, senders assume the domain does not implement TLS-RPT (§3). Senders can deliver
//! reports by e-mail (`mailto:`) or HTTPS POST (`https:`); other schemes are unusable.
//!
//! ```
//! use smtping_signals::evaluate_with;
//! use smtping_signals::dkim::Status;
//! use smtping_signals::tls_rpt::TlsRptEvaluator;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let dns = MemoryDns::new(Zone::new().txt(
//!     "_smtp._tls.example.test",
//!     "v=TLSRPTv1; rua=mailto:tlsrpt@example.test,https://reports.example.test/v1",
//! ))?;
//! let report = evaluate_with(TlsRptEvaluator::new("example.test"), |q| dns.resolve(q))?;
//! assert_eq!(report.rua.len(), 2);
//! assert_eq!(report.status, Status::Green);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::Serialize;
use smtping_proto::dns::Question;

use crate::dkim::{Severity, Status, is_dns_name, status_of};
use crate::query::TxtQuestion;
use crate::{Evaluator, Response};

/// At most this many `rua` URIs are kept.
pub const MAX_RUA: usize = 32;

/// How a report destination receives reports.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RuaScheme {
    /// By e-mail.
    Mailto,
    /// By HTTPS POST.
    Https,
    /// Something senders cannot use.
    Unsupported,
}

/// One `rua` destination.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuaUri {
    /// The URI as written.
    pub uri: String,
    /// Its scheme.
    pub scheme: RuaScheme,
}

/// A parsed `v=TLSRPTv1` record.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsRptRecord {
    /// The `rua` destinations, in order.
    pub rua: Vec<RuaUri>,
    /// Other fields, in order (kept, ignored).
    pub extensions: Vec<(String, String)>,
}

/// Why a `v=TLSRPTv1` record is unusable.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TlsRptRecordError {
    /// Does not start with `v=TLSRPTv1`.
    #[error("the record does not start with v=TLSRPTv1")]
    NotTlsRpt,
    /// A field is not `name=value`.
    #[error("field {field:?} is not a valid name=value pair")]
    BadField {
        /// The field (shortened).
        field: String,
    },
    /// A field appears twice.
    #[error("field {name:?} appears more than once")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// No `rua=`.
    #[error("the record has no rua= field")]
    MissingRua,
    /// `rua=` holds an empty entry.
    #[error("rua= has an empty entry")]
    EmptyRua,
}

/// Whether a TXT record is a TLS-RPT record (starts with `v=TLSRPTv1` and then the end,
/// `;` or white space).
///
/// ```
/// assert!(smtping_signals::tls_rpt::is_tlsrpt_record(b"v=TLSRPTv1;rua=mailto:a@b"));
/// assert!(!smtping_signals::tls_rpt::is_tlsrpt_record(b"v=TLSRPTv10"));
/// ```
#[must_use]
pub fn is_tlsrpt_record(text: &[u8]) -> bool {
    text.strip_prefix(b"v=TLSRPTv1")
        .is_some_and(|rest| matches!(rest.first(), None | Some(b';' | b' ' | b'\t')))
}

fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

fn scheme_of(uri: &str) -> RuaScheme {
    let lower = uri.to_ascii_lowercase();
    if let Some(addr) = lower.strip_prefix("mailto:") {
        // An address with a local part and a domain (query parameters allowed).
        let addr = addr.split('?').next().unwrap_or("");
        match addr.rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && is_dns_name(domain) => RuaScheme::Mailto,
            _ => RuaScheme::Unsupported,
        }
    } else if let Some(rest) = lower.strip_prefix("https://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
            _ => host,
        };
        if is_dns_name(host) {
            RuaScheme::Https
        } else {
            RuaScheme::Unsupported
        }
    } else {
        RuaScheme::Unsupported
    }
}

/// Parses a TLS-RPT TXT record (the joined strings of one record).
///
/// ```
/// use smtping_signals::tls_rpt::{parse_tlsrpt_record, RuaScheme, TlsRptRecordError};
/// let rec = parse_tlsrpt_record(b"v=TLSRPTv1; rua=mailto:a@example.org, ftp://x")?;
/// assert_eq!(rec.rua[0].scheme, RuaScheme::Mailto);
/// assert_eq!(rec.rua[1].scheme, RuaScheme::Unsupported);
/// assert_eq!(parse_tlsrpt_record(b"v=TLSRPTv1;"), Err(TlsRptRecordError::MissingRua));
/// # Ok::<(), TlsRptRecordError>(())
/// ```
pub fn parse_tlsrpt_record(text: &[u8]) -> Result<TlsRptRecord, TlsRptRecordError> {
    if !is_tlsrpt_record(text) {
        return Err(TlsRptRecordError::NotTlsRpt);
    }
    let text = String::from_utf8_lossy(text);
    let fields: Vec<&str> = text
        .split(';')
        .skip(1)
        .map(|f| f.trim_matches([' ', '\t']))
        .collect();
    let last = fields.len().saturating_sub(1);
    let mut rua: Option<Vec<RuaUri>> = None;
    let mut extensions: Vec<(String, String)> = Vec::new();
    for (i, field) in fields.into_iter().enumerate() {
        if field.is_empty() {
            if i == last {
                continue;
            }
            return Err(TlsRptRecordError::BadField {
                field: String::new(),
            });
        }
        let Some((name, value)) = field.split_once('=') else {
            return Err(TlsRptRecordError::BadField {
                field: shorten(field),
            });
        };
        match name {
            "rua" => {
                if rua.is_some() {
                    return Err(TlsRptRecordError::Duplicate { name: "rua".into() });
                }
                let mut list = Vec::new();
                for uri in value.split(',').map(|u| u.trim_matches([' ', '\t'])) {
                    if uri.is_empty() {
                        return Err(TlsRptRecordError::EmptyRua);
                    }
                    if list.len() < MAX_RUA {
                        list.push(RuaUri {
                            uri: uri.chars().take(512).collect(),
                            scheme: scheme_of(uri),
                        });
                    }
                }
                rua = Some(list);
            }
            "v" => return Err(TlsRptRecordError::Duplicate { name: "v".into() }),
            _ => {
                let name_ok = name.len() <= 32
                    && name
                        .bytes()
                        .next()
                        .is_some_and(|b| b.is_ascii_alphanumeric())
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
                let value_ok = !value.is_empty()
                    && value
                        .bytes()
                        .all(|c| matches!(c, 0x21..=0x3a | 0x3c | 0x3e..=0x7e));
                if !name_ok || !value_ok {
                    return Err(TlsRptRecordError::BadField {
                        field: shorten(field),
                    });
                }
                if extensions.iter().any(|(n, _)| n == name) {
                    return Err(TlsRptRecordError::Duplicate {
                        name: shorten(name),
                    });
                }
                if extensions.len() < 32 {
                    extensions.push((name.to_owned(), value.to_owned()));
                }
            }
        }
    }
    Ok(TlsRptRecord {
        rua: rua.ok_or(TlsRptRecordError::MissingRua)?,
        extensions,
    })
}

/// What is wrong with a domain's TLS-RPT record.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TlsRptProblem {
    /// The domain is not a valid DNS name.
    InvalidDomain {
        /// The domain (shortened).
        domain: String,
    },
    /// No `v=TLSRPTv1` record: nobody hears about TLS failures.
    Missing {
        /// The name asked.
        name: String,
    },
    /// The lookup failed.
    LookupFailed {
        /// The name asked.
        name: String,
        /// The DNS error.
        error: String,
    },
    /// Several `v=TLSRPTv1` records: senders send no reports.
    MultipleRecords {
        /// The name.
        name: String,
        /// How many.
        count: usize,
    },
    /// The record is malformed: senders send no reports.
    Invalid {
        /// The name.
        name: String,
        /// Why.
        error: TlsRptRecordError,
    },
    /// A `rua` entry is neither a `mailto:` address nor an `https:` URL.
    UnsupportedUri {
        /// The URI (shortened).
        uri: String,
    },
}

impl TlsRptProblem {
    /// The proposed stable finding id, e.g. `"tls_rpt.missing"`.
    #[must_use]
    pub fn finding_id(&self) -> &'static str {
        match self {
            Self::InvalidDomain { .. } => "tls_rpt.invalid_domain",
            Self::Missing { .. } => "tls_rpt.missing",
            Self::LookupFailed { .. } => "tls_rpt.lookup_failed",
            Self::MultipleRecords { .. } => "tls_rpt.multiple_records",
            Self::Invalid { .. } => "tls_rpt.invalid",
            Self::UnsupportedUri { .. } => "tls_rpt.unsupported_uri",
        }
    }

    /// How bad it is.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Self::InvalidDomain { .. } | Self::MultipleRecords { .. } | Self::Invalid { .. } => {
                Severity::Error
            }
            Self::LookupFailed { .. } | Self::UnsupportedUri { .. } => Severity::Warning,
            Self::Missing { .. } => Severity::Info,
        }
    }
}

impl fmt::Display for TlsRptProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDomain { domain } => write!(f, "{domain:?} is not a valid domain name"),
            Self::Missing { name } => write!(
                f,
                "no v=TLSRPTv1 record at {name}: senders cannot report TLS failures"
            ),
            Self::LookupFailed { name, error } => write!(f, "{name}: {error}"),
            Self::MultipleRecords { name, count } => write!(
                f,
                "{name}: {count} v=TLSRPTv1 records; senders send no reports"
            ),
            Self::Invalid { name, error } => {
                write!(f, "{name}: {error}; senders send no reports")
            }
            Self::UnsupportedUri { uri } => write!(
                f,
                "rua entry {uri:?} is neither a mailto: address nor an https: URL"
            ),
        }
    }
}

/// A domain's TLS-RPT posture (design.md §10 `tls_rpt{status, record, rua[]}`).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TlsRptReport {
    /// The domain.
    pub domain: String,
    /// The traffic light: grey when there is no record or the lookup failed.
    pub status: Status,
    /// The record text (the first when there are several).
    pub record: Option<String>,
    /// The `rua` URIs of a valid record.
    pub rua: Vec<String>,
    /// The parsed record.
    pub parsed: Option<TlsRptRecord>,
    /// Why no record applies, as text.
    pub error: Option<String>,
    /// What is wrong.
    pub problems: Vec<TlsRptProblem>,
}

/// Asks `_smtp._tls.<domain>` TXT and yields a [`TlsRptReport`].
#[derive(Debug)]
pub struct TlsRptEvaluator {
    domain: String,
    question: TxtQuestion,
    result: Option<TlsRptReport>,
}

impl TlsRptEvaluator {
    /// Evaluates `domain` (a mail domain).
    #[must_use]
    pub fn new(domain: &str) -> Self {
        let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
        let name = format!("_smtp._tls.{domain}");
        let mut evaluator = Self {
            domain: domain.clone(),
            question: TxtQuestion::none(),
            result: None,
        };
        if is_dns_name(&domain) && is_dns_name(&name) {
            evaluator.question = TxtQuestion::new(name);
        } else {
            let problem = TlsRptProblem::InvalidDomain {
                domain: domain.chars().take(64).collect(),
            };
            evaluator.result = Some(TlsRptReport {
                domain,
                status: Status::Red,
                record: None,
                rua: Vec::new(),
                parsed: None,
                error: Some(problem.to_string()),
                problems: vec![problem],
            });
        }
        evaluator
    }

    fn name(&self) -> String {
        format!("_smtp._tls.{}", self.domain)
    }

    fn assess(&self, response: &Response) -> TlsRptReport {
        let name = self.name();
        let mut report = TlsRptReport {
            domain: self.domain.clone(),
            status: Status::Grey,
            record: None,
            rua: Vec::new(),
            parsed: None,
            error: None,
            problems: Vec::new(),
        };
        let texts: Vec<Vec<u8>> = match response {
            Ok(answer) => answer
                .txt()
                .map(|t| t.joined())
                .filter(|t| is_tlsrpt_record(t))
                .take(32)
                .collect(),
            Err(e) if e.is_definitive() => Vec::new(),
            Err(e) => {
                let problem = TlsRptProblem::LookupFailed {
                    name,
                    error: e.to_string(),
                };
                report.error = Some(problem.to_string());
                report.problems.push(problem);
                return report;
            }
        };
        report.record = texts
            .first()
            .map(|t| String::from_utf8_lossy(t).chars().take(1024).collect());
        let mut known = true;
        match texts.len() {
            0 => {
                known = false;
                report.problems.push(TlsRptProblem::Missing { name });
            }
            1 => match parse_tlsrpt_record(&texts[0]) {
                Ok(rec) => {
                    for uri in &rec.rua {
                        if uri.scheme == RuaScheme::Unsupported {
                            report.problems.push(TlsRptProblem::UnsupportedUri {
                                uri: shorten(&uri.uri),
                            });
                        }
                    }
                    report.rua = rec.rua.iter().map(|u| u.uri.clone()).collect();
                    report.parsed = Some(rec);
                }
                Err(error) => report.problems.push(TlsRptProblem::Invalid { name, error }),
            },
            count => report
                .problems
                .push(TlsRptProblem::MultipleRecords { name, count }),
        }
        if report.parsed.is_none() {
            report.error = report.problems.first().map(ToString::to_string);
        }
        report.status = if known {
            status_of(report.problems.iter().map(TlsRptProblem::severity), true)
        } else {
            Status::Grey
        };
        report
    }
}

impl Evaluator for TlsRptEvaluator {
    type Output = TlsRptReport;

    fn poll_query(&mut self) -> Option<Question> {
        self.question.poll()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        if self.result.is_some() || !self.question.is_answered_by(question) {
            return;
        }
        self.result = Some(self.assess(response));
    }

    fn poll_result(&mut self) -> Option<TlsRptReport> {
        self.result.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_examples() {
        // RFC 8460 §3.1.
        let a = parse_tlsrpt_record(b"v=TLSRPTv1;rua=mailto:reports@example.com").unwrap();
        assert_eq!(a.rua[0].scheme, RuaScheme::Mailto);
        let b = parse_tlsrpt_record(b"v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt")
            .unwrap();
        assert_eq!(b.rua[0].scheme, RuaScheme::Https);
    }

    #[test]
    fn malformed() {
        assert_eq!(
            parse_tlsrpt_record(b"v=TLSRPTv1; rua=mailto:a@b.test,"),
            Err(TlsRptRecordError::EmptyRua)
        );
        assert!(matches!(
            parse_tlsrpt_record(b"v=TLSRPTv1; rua=mailto:a@b.test; rua=mailto:c@d.test"),
            Err(TlsRptRecordError::Duplicate { .. })
        ));
        assert!(matches!(
            parse_tlsrpt_record(b"v=TLSRPTv1; junk"),
            Err(TlsRptRecordError::BadField { .. })
        ));
        assert_eq!(
            parse_tlsrpt_record(b"rua=mailto:a@b.test; v=TLSRPTv1"),
            Err(TlsRptRecordError::NotTlsRpt)
        );
        assert_eq!(scheme_of("mailto:@example.com"), RuaScheme::Unsupported);
        assert_eq!(scheme_of("https://"), RuaScheme::Unsupported);
        assert_eq!(scheme_of("https://r.example:8443/x"), RuaScheme::Https);
    }
}
