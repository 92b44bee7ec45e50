//! MTA-STS (RFC 8461): the `_mta-sts` TXT record, the policy file, MX host matching, and
//! the assessment of a domain's deployment.
//!
//! The work splits in three steps, the middle one being I/O the driver performs:
//!
//! 1. [`MtaStsEvaluator`] asks `_mta-sts.<domain>` TXT and yields a [`StsDiscovery`]:
//!    exactly one `v=STSv1` record with a valid `id` means a policy is announced.
//! 2. The driver fetches [`policy_url`] over HTTPS with strict certificate verification
//!    (`smtping-client`'s `net::https`), reading the response with the sans-IO
//!    [`http::ResponseReader`] and judging it with [`check_policy_response`] (200 only,
//!    no redirects, `text/plain`, 64 KiB).
//! 3. [`MtaStsReport::assess`] parses the policy ([`parse_policy`]), matches every MX host
//!    against its `mx:` patterns and combines what the TLS checks found about each MX
//!    host's certificate, giving the report's `mta_sts` section and its problems.
//!
//! ```
//! use smtping_signals::evaluate_with;
//! use smtping_signals::mta_sts::{MtaStsEvaluator, MtaStsReport, MxHostCheck, StsMode};
//! use smtping_signals::dkim::Status;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let dns = MemoryDns::new(Zone::new().txt("_mta-sts.example.test", "v=STSv1; id=2024a"))?;
//! let discovery = evaluate_with(MtaStsEvaluator::new("example.test"), |q| dns.resolve(q))?;
//! assert_eq!(discovery.policy_host().as_deref(), Some("mta-sts.example.test"));
//!
//! // The driver fetched the policy body:
//! let body = b"version: STSv1\nmode: enforce\nmx: *.example.test\nmax_age: 1209600\n";
//! let hosts = [MxHostCheck::new("mx1.example.test", Some(true))];
//! let report = MtaStsReport::assess(discovery, Some(Ok(body)), &hosts);
//! assert_eq!(report.mode, Some(StsMode::Enforce));
//! assert!(report.hosts[0].matched);
//! assert_eq!(report.status, Status::Green);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod http;
mod policy;
mod txt;

use std::fmt;

use serde::Serialize;
use smtping_proto::dns::Question;

pub use policy::{MAX_MAX_AGE, MxPattern, PolicyError, StsMode, StsPolicy, parse_policy};
pub use txt::{MAX_ID_LEN, StsRecord, StsRecordError, is_sts_record, parse_sts_record};

use crate::dkim::{Severity, Status, is_dns_name, status_of};
use crate::query::TxtQuestion;
use crate::{Evaluator, Response};
use http::{HttpResponse, is_text_plain};

/// The path of the policy file (RFC 8461 §3.3).
pub const POLICY_PATH: &str = "/.well-known/mta-sts.txt";

/// Largest policy body read (RFC 8461 §3.3 suggests 64 KiB).
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// A `max_age` below this (one week) is reported: RFC 8461 §3.2 recommends "weeks or
/// greater", so that a policy survives an attacker blocking its refresh.
pub const SHORT_MAX_AGE: u32 = 7 * 86_400;

/// The policy host of a domain: `mta-sts.<domain>`.
///
/// ```
/// assert_eq!(smtping_signals::mta_sts::policy_host("Example.COM."), "mta-sts.example.com");
/// ```
#[must_use]
pub fn policy_host(domain: &str) -> String {
    format!("mta-sts.{}", normalise(domain))
}

/// The policy URL of a domain: `https://mta-sts.<domain>/.well-known/mta-sts.txt`.
///
/// ```
/// assert_eq!(
///     smtping_signals::mta_sts::policy_url("example.com"),
///     "https://mta-sts.example.com/.well-known/mta-sts.txt"
/// );
/// ```
#[must_use]
pub fn policy_url(domain: &str) -> String {
    format!("https://{}{POLICY_PATH}", policy_host(domain))
}

fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The step of the policy fetch that failed (the driver's errors map onto these).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchFailureKind {
    /// The policy host does not resolve (or the lookup failed).
    Dns,
    /// No TCP connection (refused, unreachable, reset).
    Connect,
    /// The whole fetch took longer than its time limit.
    Timeout,
    /// The TLS handshake failed for another reason than the certificate.
    Tls,
    /// The certificate is not valid for the policy host (strict PKIX verification).
    Certificate,
    /// A 3xx answer: redirects must not be followed (RFC 8461 §3.3).
    Redirect,
    /// A status other than 200.
    HttpStatus,
    /// The `Content-Type` is not `text/plain`.
    ContentType,
    /// The body is larger than [`MAX_POLICY_BYTES`].
    TooLarge,
    /// The response is not valid HTTP/1.1.
    Http,
    /// Another I/O error.
    Io,
}

/// Why the policy could not be fetched.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FetchFailure {
    /// Which step failed.
    pub kind: FetchFailureKind,
    /// What happened, in words.
    pub message: String,
    /// The HTTP status, when one was received.
    pub status: Option<u16>,
}

impl FetchFailure {
    /// A failure of `kind` described by `message`.
    #[must_use]
    pub fn new(kind: FetchFailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
        }
    }

    /// The same failure, with the HTTP status received.
    #[must_use]
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }
}

impl fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FetchFailure {}

/// Judges a response head as RFC 8461 §3.3 asks: 200 only (a 3xx is a redirect that
/// must not be followed), `Content-Type: text/plain` (parameters allowed). Drivers call
/// it as soon as the head is read, to stop early.
///
/// ```
/// use smtping_signals::mta_sts::http::{HttpLimits, ResponseReader};
/// use smtping_signals::mta_sts::{check_policy_head, FetchFailureKind};
/// let mut r = ResponseReader::new(HttpLimits::default());
/// r.push(b"HTTP/1.1 301 Moved\r\nLocation: https://elsewhere/\r\n\r\n")?;
/// let failure = check_policy_head(r.head().unwrap()).unwrap_err();
/// assert_eq!(failure.kind, FetchFailureKind::Redirect);
/// # Ok::<(), smtping_signals::mta_sts::http::HttpError>(())
/// ```
pub fn check_policy_head(head: &http::ResponseHead) -> Result<(), FetchFailure> {
    match head.status {
        200 => {}
        300..=399 => {
            let to = head
                .location()
                .map(|l| format!(" to {}", l.chars().take(200).collect::<String>()))
                .unwrap_or_default();
            return Err(FetchFailure::new(
                FetchFailureKind::Redirect,
                format!(
                    "HTTP {} redirect{to}: MTA-STS policy fetches must not follow redirects",
                    head.status
                ),
            )
            .with_status(head.status));
        }
        s => {
            return Err(FetchFailure::new(
                FetchFailureKind::HttpStatus,
                format!("HTTP {s} {} (only 200 serves a policy)", head.reason),
            )
            .with_status(s));
        }
    }
    match head.content_type() {
        Some(t) if is_text_plain(&t) => Ok(()),
        Some(t) => Err(FetchFailure::new(
            FetchFailureKind::ContentType,
            format!(
                "Content-Type {:?} is not text/plain",
                t.chars().take(100).collect::<String>()
            ),
        )
        .with_status(200)),
        None => Err(FetchFailure::new(
            FetchFailureKind::ContentType,
            "no Content-Type header (text/plain is required)",
        )
        .with_status(200)),
    }
}

/// [`check_policy_head`] on a complete response, giving its body.
pub fn check_policy_response(response: &HttpResponse) -> Result<&[u8], FetchFailure> {
    check_policy_head(&response.head)?;
    if response.body.len() > MAX_POLICY_BYTES {
        return Err(FetchFailure::new(
            FetchFailureKind::TooLarge,
            format!("the policy is larger than {MAX_POLICY_BYTES} bytes"),
        ));
    }
    Ok(&response.body)
}

/// What is wrong with a domain's MTA-STS deployment.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MtaStsProblem {
    /// The domain is not a valid DNS name.
    InvalidDomain {
        /// The domain (shortened).
        domain: String,
    },
    /// No `v=STSv1` TXT record at `_mta-sts.<domain>`: MTA-STS is not deployed.
    NoTxt {
        /// The name asked.
        name: String,
    },
    /// The TXT lookup failed: unknown whether a policy is announced.
    LookupFailed {
        /// The name asked.
        name: String,
        /// The DNS error.
        error: String,
    },
    /// Several `v=STSv1` records: senders assume there is no policy.
    MultipleRecords {
        /// The name.
        name: String,
        /// How many.
        count: usize,
    },
    /// The `v=STSv1` record is malformed: senders assume there is no policy.
    TxtInvalid {
        /// The name.
        name: String,
        /// Why.
        error: StsRecordError,
    },
    /// The record announces a policy that cannot be fetched.
    PolicyFetchFailed {
        /// The policy URL.
        url: String,
        /// Why.
        failure: FetchFailure,
    },
    /// The policy file is invalid: senders treat the domain as having no policy.
    PolicyInvalid {
        /// The policy URL.
        url: String,
        /// Why.
        error: PolicyError,
    },
    /// `mode: testing`: failures are reported, not enforced.
    ModeTesting,
    /// `mode: none`: the policy protects nothing.
    ModeNone,
    /// `max_age` below [`SHORT_MAX_AGE`].
    MaxAgeShort {
        /// The value.
        max_age: u32,
    },
    /// An MX host matches no `mx:` pattern: enforcing senders will not deliver there.
    MxNotCovered {
        /// The MX host.
        host: String,
        /// The policy enforces (`mode: enforce`).
        enforced: bool,
    },
    /// A matching MX host did not present a PKIX-valid certificate: enforcing senders
    /// will not deliver there.
    MxCertificateInvalid {
        /// The MX host.
        host: String,
        /// The policy enforces.
        enforced: bool,
    },
}

impl MtaStsProblem {
    /// The proposed stable finding id, e.g. `"mta_sts.mx_not_covered"`.
    #[must_use]
    pub fn finding_id(&self) -> &'static str {
        match self {
            Self::InvalidDomain { .. } => "mta_sts.invalid_domain",
            Self::NoTxt { .. } => "mta_sts.no_txt",
            Self::LookupFailed { .. } => "mta_sts.lookup_failed",
            Self::MultipleRecords { .. } => "mta_sts.multiple_records",
            Self::TxtInvalid { .. } => "mta_sts.txt_invalid",
            Self::PolicyFetchFailed { .. } => "mta_sts.policy_fetch_failed",
            Self::PolicyInvalid { .. } => "mta_sts.policy_invalid",
            Self::ModeTesting => "mta_sts.mode_testing",
            Self::ModeNone => "mta_sts.mode_none",
            Self::MaxAgeShort { .. } => "mta_sts.max_age_short",
            Self::MxNotCovered { .. } => "mta_sts.mx_not_covered",
            Self::MxCertificateInvalid { .. } => "mta_sts.mx_certificate_invalid",
        }
    }

    /// How bad it is.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Self::InvalidDomain { .. }
            | Self::MultipleRecords { .. }
            | Self::TxtInvalid { .. }
            | Self::PolicyFetchFailed { .. }
            | Self::PolicyInvalid { .. }
            | Self::MxNotCovered { enforced: true, .. }
            | Self::MxCertificateInvalid { enforced: true, .. } => Severity::Error,
            Self::LookupFailed { .. }
            | Self::ModeNone
            | Self::MxNotCovered { .. }
            | Self::MxCertificateInvalid { .. } => Severity::Warning,
            Self::NoTxt { .. } | Self::ModeTesting | Self::MaxAgeShort { .. } => Severity::Info,
        }
    }
}

impl fmt::Display for MtaStsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidDomain { domain } => write!(f, "{domain:?} is not a valid domain name"),
            Self::NoTxt { name } => write!(
                f,
                "no v=STSv1 TXT record at {name}: MTA-STS is not deployed"
            ),
            Self::LookupFailed { name, error } => write!(f, "{name}: {error}"),
            Self::MultipleRecords { name, count } => write!(
                f,
                "{name}: {count} v=STSv1 records; senders assume there is no policy"
            ),
            Self::TxtInvalid { name, error } => {
                write!(f, "{name}: {error}; senders assume there is no policy")
            }
            Self::PolicyFetchFailed { url, failure } => {
                write!(f, "the policy at {url} could not be fetched: {failure}")
            }
            Self::PolicyInvalid { url, error } => {
                write!(f, "the policy at {url} is invalid: {error}")
            }
            Self::ModeTesting => {
                f.write_str("mode: testing: senders report failures but deliver anyway")
            }
            Self::ModeNone => f.write_str("mode: none: the policy protects nothing"),
            Self::MaxAgeShort { max_age } => write!(
                f,
                "max_age {max_age} s is shorter than a week; senders forget the policy quickly"
            ),
            Self::MxNotCovered { host, enforced } => write!(
                f,
                "MX host {host} matches no mx: pattern of the policy{}",
                if *enforced {
                    "; enforcing senders will not deliver to it"
                } else {
                    ""
                }
            ),
            Self::MxCertificateInvalid { host, enforced } => write!(
                f,
                "MX host {host} does not present a valid certificate for its name{}",
                if *enforced {
                    "; enforcing senders will not deliver to it"
                } else {
                    ""
                }
            ),
        }
    }
}

/// What the `_mta-sts` TXT lookup found.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscoveryOutcome {
    /// Exactly one valid `v=STSv1` record: a policy is announced.
    Found,
    /// No `v=STSv1` record.
    NoRecord,
    /// Several `v=STSv1` records.
    MultipleRecords,
    /// One `v=STSv1` record, malformed.
    Invalid,
    /// The lookup failed.
    LookupFailed,
    /// The domain is not a DNS name (nothing asked).
    InvalidDomain,
}

/// The result of [`MtaStsEvaluator`]: the TXT record and whether a policy is announced.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StsDiscovery {
    /// The domain.
    pub domain: String,
    /// What the lookup found.
    pub outcome: DiscoveryOutcome,
    /// The `v=STSv1` record text (the first one when there are several).
    pub record: Option<String>,
    /// The parsed record.
    pub parsed: Option<StsRecord>,
    /// What is wrong so far.
    pub problems: Vec<MtaStsProblem>,
}

impl StsDiscovery {
    /// The host to fetch the policy from, when a policy is announced.
    #[must_use]
    pub fn policy_host(&self) -> Option<String> {
        (self.outcome == DiscoveryOutcome::Found).then(|| policy_host(&self.domain))
    }

    /// The URL to fetch, when a policy is announced.
    #[must_use]
    pub fn policy_url(&self) -> Option<String> {
        (self.outcome == DiscoveryOutcome::Found).then(|| policy_url(&self.domain))
    }
}

/// Asks `_mta-sts.<domain>` TXT (RFC 8461 §3.1) and yields a [`StsDiscovery`].
#[derive(Debug)]
pub struct MtaStsEvaluator {
    domain: String,
    question: TxtQuestion,
    result: Option<StsDiscovery>,
}

impl MtaStsEvaluator {
    /// Evaluates `domain` (a mail domain).
    #[must_use]
    pub fn new(domain: &str) -> Self {
        let domain = normalise(domain);
        let name = format!("_mta-sts.{domain}");
        let mut evaluator = Self {
            domain: domain.clone(),
            question: TxtQuestion::none(),
            result: None,
        };
        if is_dns_name(&domain) && is_dns_name(&name) {
            evaluator.question = TxtQuestion::new(name);
        } else {
            evaluator.result = Some(StsDiscovery {
                domain: domain.clone(),
                outcome: DiscoveryOutcome::InvalidDomain,
                record: None,
                parsed: None,
                problems: vec![MtaStsProblem::InvalidDomain {
                    domain: domain.chars().take(64).collect(),
                }],
            });
        }
        evaluator
    }

    fn name(&self) -> String {
        format!("_mta-sts.{}", self.domain)
    }

    fn discover(&self, response: &Response) -> StsDiscovery {
        let name = self.name();
        let mut discovery = StsDiscovery {
            domain: self.domain.clone(),
            outcome: DiscoveryOutcome::NoRecord,
            record: None,
            parsed: None,
            problems: Vec::new(),
        };
        let texts: Vec<Vec<u8>> = match response {
            Ok(answer) => answer
                .txt()
                .map(|t| t.joined())
                .filter(|t| is_sts_record(t))
                .take(32)
                .collect(),
            Err(e) if e.is_definitive() => Vec::new(),
            Err(e) => {
                discovery.outcome = DiscoveryOutcome::LookupFailed;
                discovery.problems.push(MtaStsProblem::LookupFailed {
                    name,
                    error: e.to_string(),
                });
                return discovery;
            }
        };
        discovery.record = texts
            .first()
            .map(|t| String::from_utf8_lossy(t).chars().take(1024).collect());
        match texts.len() {
            0 => discovery.problems.push(MtaStsProblem::NoTxt { name }),
            1 => match parse_sts_record(&texts[0]) {
                Ok(rec) => {
                    discovery.outcome = DiscoveryOutcome::Found;
                    discovery.parsed = Some(rec);
                }
                Err(error) => {
                    discovery.outcome = DiscoveryOutcome::Invalid;
                    discovery
                        .problems
                        .push(MtaStsProblem::TxtInvalid { name, error });
                }
            },
            count => {
                discovery.outcome = DiscoveryOutcome::MultipleRecords;
                discovery
                    .problems
                    .push(MtaStsProblem::MultipleRecords { name, count });
            }
        }
        discovery
    }
}

impl Evaluator for MtaStsEvaluator {
    type Output = StsDiscovery;

    fn poll_query(&mut self) -> Option<Question> {
        self.question.poll()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        if self.result.is_some() || !self.question.is_answered_by(question) {
            return;
        }
        self.result = Some(self.discover(response));
    }

    fn poll_result(&mut self) -> Option<StsDiscovery> {
        self.result.take()
    }
}

/// What the TLS checks found about one MX host, the input of
/// [`MtaStsReport::assess`].
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MxHostCheck {
    /// The MX host name.
    pub name: String,
    /// Whether it presented a PKIX-valid certificate for its name (`None`: not tested).
    pub certificate_valid: Option<bool>,
}

impl MxHostCheck {
    /// An MX host and its certificate verdict.
    #[must_use]
    pub fn new(name: &str, certificate_valid: Option<bool>) -> Self {
        Self {
            name: normalise(name),
            certificate_valid,
        }
    }
}

/// One MX host in the report: `hosts[{name, matched, certificate_valid}]`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StsHost {
    /// The MX host name.
    pub name: String,
    /// It matches an `mx:` pattern.
    pub matched: bool,
    /// It presented a PKIX-valid certificate (`None`: not tested).
    pub certificate_valid: Option<bool>,
}

/// A domain's MTA-STS posture (design.md §10 `mta_sts{…}`).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MtaStsReport {
    /// The domain.
    pub domain: String,
    /// The traffic light: grey when MTA-STS is not deployed or the lookup failed.
    pub status: Status,
    /// The TXT record text.
    pub record: Option<String>,
    /// The record's `id`.
    pub txt_id: Option<String>,
    /// The policy URL, when a policy is announced.
    pub policy_url: Option<String>,
    /// `mode:` of a valid policy.
    pub mode: Option<StsMode>,
    /// `max_age:` of a valid policy, in seconds.
    pub max_age: Option<u32>,
    /// The `mx:` patterns of a valid policy.
    pub mx_patterns: Vec<MxPattern>,
    /// Every MX host, matched against the patterns.
    pub hosts: Vec<StsHost>,
    /// Why no policy applies, as text.
    pub error: Option<String>,
    /// What is wrong.
    pub problems: Vec<MtaStsProblem>,
}

impl MtaStsReport {
    /// Combines the TXT discovery, the fetched policy (`None` when it was not fetched:
    /// no policy announced, or fetching disabled) and the MX hosts' certificate verdicts.
    ///
    /// MX hosts are matched only under a valid policy in `enforce` or `testing` mode.
    #[must_use]
    pub fn assess(
        discovery: StsDiscovery,
        policy: Option<Result<&[u8], FetchFailure>>,
        hosts: &[MxHostCheck],
    ) -> Self {
        let fetched = policy.is_some();
        let mut report = Self {
            domain: discovery.domain.clone(),
            status: Status::Grey,
            record: discovery.record.clone(),
            txt_id: discovery.parsed.as_ref().map(|r| r.id.clone()),
            policy_url: discovery.policy_url(),
            mode: None,
            max_age: None,
            mx_patterns: Vec::new(),
            hosts: hosts
                .iter()
                .map(|h| StsHost {
                    name: h.name.clone(),
                    matched: false,
                    certificate_valid: h.certificate_valid,
                })
                .collect(),
            error: discovery.problems.first().map(ToString::to_string),
            problems: discovery.problems,
        };
        if let (DiscoveryOutcome::Found, Some(url)) = (discovery.outcome, report.policy_url.clone())
        {
            match policy {
                None => {
                    report.error = Some("the policy was not fetched".into());
                }
                Some(Err(failure)) => {
                    let problem = MtaStsProblem::PolicyFetchFailed { url, failure };
                    report.error = Some(problem.to_string());
                    report.problems.push(problem);
                }
                Some(Ok(body)) => match parse_policy(body) {
                    Err(error) => {
                        let problem = MtaStsProblem::PolicyInvalid { url, error };
                        report.error = Some(problem.to_string());
                        report.problems.push(problem);
                    }
                    Ok(parsed) => report.apply(parsed),
                },
            }
        }
        let unknown = matches!(
            discovery.outcome,
            DiscoveryOutcome::NoRecord | DiscoveryOutcome::LookupFailed
        ) || (discovery.outcome == DiscoveryOutcome::Found && !fetched);
        report.status = if unknown {
            Status::Grey
        } else {
            status_of(report.problems.iter().map(MtaStsProblem::severity), true)
        };
        report
    }

    fn apply(&mut self, policy: StsPolicy) {
        self.mode = Some(policy.mode);
        self.max_age = Some(policy.max_age);
        match policy.mode {
            StsMode::Testing => self.problems.push(MtaStsProblem::ModeTesting),
            StsMode::None => self.problems.push(MtaStsProblem::ModeNone),
            StsMode::Enforce => {}
        }
        if policy.mode != StsMode::None && policy.max_age < SHORT_MAX_AGE {
            self.problems.push(MtaStsProblem::MaxAgeShort {
                max_age: policy.max_age,
            });
        }
        let enforced = policy.mode == StsMode::Enforce;
        for host in &mut self.hosts {
            host.matched = policy.matches(&host.name);
            if policy.mode == StsMode::None {
                continue;
            }
            if !host.matched {
                self.problems.push(MtaStsProblem::MxNotCovered {
                    host: host.name.clone(),
                    enforced,
                });
            } else if host.certificate_valid == Some(false) {
                self.problems.push(MtaStsProblem::MxCertificateInvalid {
                    host: host.name.clone(),
                    enforced,
                });
            }
        }
        self.mx_patterns = policy.mx;
    }
}
