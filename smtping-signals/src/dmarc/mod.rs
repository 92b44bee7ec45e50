//! DMARC posture: record discovery and parsing, the organisational domain both ways,
//! external report authorisation and identifier alignment.
//!
//! [`DmarcEvaluator`] asks, in one round, the `_dmarc` TXT record of the domain and of
//! every name of its RFC 9989 tree walk (at most eight, which include the RFC 7489
//! organisational domain; that one is added when a very long name would skip it). From
//! the answers it computes:
//!
//! - **RFC 7489 discovery** (§6.6.3), which gives the report's `record` and `policy`:
//!   the domain's record; if there is none, the record of its organisational domain
//!   (public suffix list). Several `v=DMARC1` records at the name that answers mean no
//!   policy ([`DmarcProblem::MultipleRecords`]).
//! - **RFC 9989 discovery** (§4.10): the domain's record, else its tree-walk
//!   organisational domain's, else a public suffix domain's (`psd=y`); names with several
//!   records are skipped. Where it finds another record, or another organisational
//!   domain, than RFC 7489, the report says so.
//!
//! Then, in a second round, for each `rua`/`ruf` `mailto:` destination outside the
//! policy domain's organisation (at most [`MAX_EXTERNAL_DESTINATIONS`]), it asks
//! `<policy-domain>._report._dmarc.<destination>` TXT ([`report_auth`]).
//!
//! ```
//! use smtping_signals::dmarc::{DmarcEvaluator, Policy};
//! use smtping_signals::dkim::Status;
//! use smtping_signals::evaluate_with;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let dns = MemoryDns::new(
//!     Zone::new()
//!         .txt("_dmarc.example.test", "v=DMARC1; p=reject; rua=mailto:agg@reports.test")
//!         .txt("example.test._report._dmarc.reports.test", "v=DMARC1"),
//! )?;
//! let report = evaluate_with(DmarcEvaluator::new("mail.example.test"), |q| dns.resolve(q))?;
//! assert_eq!(report.record_domain.as_deref(), Some("example.test")); // inherited
//! assert_eq!(report.policy, Some(Policy::Reject));
//! assert_eq!(report.org_domain.as_deref(), Some("example.test"));
//! assert!(report.external_rua[0].authorized);
//! assert_eq!(report.status, Status::Green);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod alignment;
pub mod org_domain;
pub mod record;
pub mod report_auth;

use std::collections::{HashMap, VecDeque};

use serde::Serialize;
use smtping_proto::dns::{Question, RecordType};

pub use alignment::{AlignmentReport, IdentifierAlignment, alignment_psl, check_alignment};
pub use org_domain::{MAX_WALK_QUERIES, org_domain_from_walk, org_domain_psl, tree_walk_names};
pub use record::{
    AlignmentMode, DmarcRecord, DmarcRecordError, Policy, PsdFlag, RecordProblem, ReportUri,
    is_dmarc_record, parse_record,
};
pub use report_auth::{ExternalDestination, MAX_EXTERNAL_DESTINATIONS};

use crate::dkim::{Severity, Status, is_dns_name, status_of};
use crate::{Evaluator, Response};
use org_domain::normalise;

/// What is wrong with a domain's DMARC posture.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DmarcProblem {
    /// The domain is not a valid DNS name.
    InvalidDomain {
        /// The domain as given (shortened).
        domain: String,
    },
    /// No DMARC record at the domain nor at its organisational domain.
    Missing {
        /// The domain.
        domain: String,
    },
    /// The lookup of a `_dmarc` name failed: the policy is unknown.
    LookupFailed {
        /// The name asked.
        name: String,
        /// The DNS error, as text.
        error: String,
    },
    /// Several `v=DMARC1` records at one name: no policy applies.
    MultipleRecords {
        /// The name.
        name: String,
        /// How many.
        count: usize,
    },
    /// A TXT record at `_dmarc` mentions DMARC1 but does not start with `v=DMARC1`, so
    /// it is ignored.
    VersionNotFirst {
        /// The name.
        name: String,
    },
    /// The record starts with `v=DMARC1` but its tag list is broken (syntax, duplicate
    /// tag): no policy applies.
    Syntax {
        /// The name.
        name: String,
        /// Why.
        error: DmarcRecordError,
    },
    /// A problem inside a record that still applies.
    Record {
        /// The name.
        name: String,
        /// The problem.
        problem: RecordProblem,
    },
    /// The policy that applies is `none` (monitoring only).
    PolicyNone,
    /// `p` enforces but `sp=none` leaves subdomains open.
    SubdomainPolicyNone,
    /// `pct` below 100: the policy applies to part of the failing mail (RFC 7489).
    PctPartial {
        /// The percentage.
        pct: u8,
    },
    /// `t=y` (RFC 9989 testing mode): receivers apply one level less.
    Testing,
    /// No `rua`: the owner gets no aggregate reports.
    NoAggregateReports,
    /// An external report destination did not authorise the reports.
    ExternalRuaUnauthorized {
        /// The destination domain.
        destination: String,
        /// The name that should hold `v=DMARC1`.
        name: String,
    },
    /// The authorisation lookup failed: unknown whether the destination agreed.
    ExternalRuaUnverified {
        /// The destination domain.
        destination: String,
        /// The DNS error.
        error: String,
    },
    /// More external destinations than [`MAX_EXTERNAL_DESTINATIONS`]; the rest were not
    /// verified.
    TooManyExternalDestinations {
        /// How many.
        count: usize,
    },
    /// RFC 7489 and RFC 9989 disagree on the organisational domain.
    OrgDomainDiffers {
        /// Public suffix list.
        rfc7489: Option<String>,
        /// DNS tree walk.
        rfc9989: String,
    },
    /// RFC 7489 and RFC 9989 discovery find the policy at different names.
    DiscoveryDiffers {
        /// Where RFC 7489 found it.
        rfc7489: Option<String>,
        /// Where RFC 9989 found it.
        rfc9989: Option<String>,
    },
}

impl DmarcProblem {
    /// The proposed stable finding id, e.g. `"dmarc.policy_none"`.
    #[must_use]
    pub fn finding_id(&self) -> &'static str {
        match self {
            Self::InvalidDomain { .. } => "dmarc.invalid_domain",
            Self::Missing { .. } => "dmarc.missing",
            Self::LookupFailed { .. } => "dmarc.lookup_failed",
            Self::MultipleRecords { .. } => "dmarc.multiple_records",
            Self::VersionNotFirst { .. } => "dmarc.version_not_first",
            Self::Syntax { .. } => "dmarc.syntax",
            Self::Record { problem, .. } => match problem {
                RecordProblem::UnknownTag { .. } => "dmarc.unknown_tag",
                RecordProblem::InvalidValue { .. } => "dmarc.invalid_value",
                RecordProblem::MissingPolicy { .. } => "dmarc.missing_policy",
                RecordProblem::RemovedTag { .. } => "dmarc.removed_tag",
                RecordProblem::InvalidReportUri { .. } => "dmarc.invalid_report_uri",
                RecordProblem::TooManyReportUris { .. } => "dmarc.too_many_report_uris",
            },
            Self::PolicyNone => "dmarc.policy_none",
            Self::SubdomainPolicyNone => "dmarc.subdomain_policy_none",
            Self::PctPartial { .. } => "dmarc.pct_partial",
            Self::Testing => "dmarc.testing",
            Self::NoAggregateReports => "dmarc.no_rua",
            Self::ExternalRuaUnauthorized { .. } => "dmarc.external_rua_unauthorized",
            Self::ExternalRuaUnverified { .. } => "dmarc.external_rua_unverified",
            Self::TooManyExternalDestinations { .. } => "dmarc.too_many_external_destinations",
            Self::OrgDomainDiffers { .. } => "dmarc.org_domain_differs",
            Self::DiscoveryDiffers { .. } => "dmarc.discovery_differs",
        }
    }

    /// How bad it is.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Self::InvalidDomain { .. }
            | Self::Missing { .. }
            | Self::MultipleRecords { .. }
            | Self::Syntax { .. }
            | Self::Record {
                problem:
                    RecordProblem::MissingPolicy {
                        treated_as_none: false,
                    },
                ..
            } => Severity::Error,
            Self::LookupFailed { .. }
            | Self::VersionNotFirst { .. }
            | Self::PolicyNone
            | Self::PctPartial { .. }
            | Self::Testing
            | Self::ExternalRuaUnauthorized { .. }
            | Self::Record {
                problem:
                    RecordProblem::MissingPolicy { .. }
                    | RecordProblem::InvalidValue { .. }
                    | RecordProblem::UnknownTag { .. }
                    | RecordProblem::InvalidReportUri { .. },
                ..
            } => Severity::Warning,
            Self::Record { .. }
            | Self::SubdomainPolicyNone
            | Self::NoAggregateReports
            | Self::ExternalRuaUnverified { .. }
            | Self::TooManyExternalDestinations { .. }
            | Self::OrgDomainDiffers { .. }
            | Self::DiscoveryDiffers { .. } => Severity::Info,
        }
    }
}

impl std::fmt::Display for DmarcProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::InvalidDomain { domain } => write!(f, "{domain:?} is not a valid domain name"),
            Self::Missing { domain } => write!(
                f,
                "no DMARC record at _dmarc.{domain} nor at its organisational domain"
            ),
            Self::LookupFailed { error, .. } => write!(f, "{error}"),
            Self::MultipleRecords { name, count } => write!(
                f,
                "{name}: {count} v=DMARC1 records; receivers apply no policy"
            ),
            Self::VersionNotFirst { name } => write!(
                f,
                "{name}: a record mentions DMARC1 but does not start with v=DMARC1 (ignored)"
            ),
            Self::Syntax { name, error } => write!(f, "{name}: {error}"),
            Self::Record { name, problem } => match problem {
                RecordProblem::UnknownTag { tag } => {
                    write!(f, "{name}: unknown tag {tag:?} (ignored)")
                }
                RecordProblem::InvalidValue {
                    tag,
                    value,
                    expected,
                } => write!(
                    f,
                    "{name}: {tag}={value:?} is invalid (expected {expected}); the default applies"
                ),
                RecordProblem::MissingPolicy {
                    treated_as_none: true,
                } => write!(
                    f,
                    "{name}: no valid p=; with a valid rua the record acts as p=none"
                ),
                RecordProblem::MissingPolicy {
                    treated_as_none: false,
                } => write!(
                    f,
                    "{name}: no valid p= and no valid rua: receivers apply no DMARC"
                ),
                RecordProblem::RemovedTag { tag } => {
                    write!(
                        f,
                        "{name}: {tag}= is removed in RFC 9989 (older receivers still read it)"
                    )
                }
                RecordProblem::InvalidReportUri { tag, uri } => {
                    write!(f, "{name}: {tag} entry {uri:?} is not a usable report URI")
                }
                RecordProblem::TooManyReportUris { tag } => {
                    write!(f, "{name}: too many {tag} URIs; only the first were read")
                }
            },
            Self::PolicyNone => f.write_str("the policy is p=none: failing mail is not acted on"),
            Self::SubdomainPolicyNone => {
                f.write_str("sp=none: subdomains are not protected although p enforces")
            }
            Self::PctPartial { pct } => {
                write!(f, "pct={pct}: the policy applies to {pct}% of failing mail")
            }
            Self::Testing => f.write_str("t=y: receivers apply one policy level less"),
            Self::NoAggregateReports => f.write_str("no rua: no aggregate reports are requested"),
            Self::ExternalRuaUnauthorized { destination, name } => write!(
                f,
                "reports go to {destination}, which does not authorise them (no v=DMARC1 at {name})"
            ),
            Self::ExternalRuaUnverified { destination, error } => {
                write!(f, "authorisation by {destination} unknown: {error}")
            }
            Self::TooManyExternalDestinations { count } => write!(
                f,
                "{count} external report destinations; only {MAX_EXTERNAL_DESTINATIONS} were verified"
            ),
            Self::OrgDomainDiffers { rfc7489, rfc9989 } => write!(
                f,
                "organisational domain: {} by the public suffix list (RFC 7489), {rfc9989} by the DNS tree walk (RFC 9989)",
                rfc7489.as_deref().unwrap_or("none")
            ),
            Self::DiscoveryDiffers { rfc7489, rfc9989 } => write!(
                f,
                "policy record: at {} by RFC 7489, at {} by RFC 9989",
                rfc7489.as_deref().unwrap_or("none"),
                rfc9989.as_deref().unwrap_or("none")
            ),
        }
    }
}

/// The DMARC posture of a domain (design.md §10 `dmarc{…}`).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DmarcReport {
    /// The domain evaluated.
    pub domain: String,
    /// The traffic light.
    pub status: Status,
    /// The record text (RFC 7489 discovery).
    pub record: Option<String>,
    /// The domain whose `_dmarc` holds it (the domain itself, or its organisational
    /// domain when inherited).
    pub record_domain: Option<String>,
    /// `p` (the effective value: `none` when missing with a valid `rua`).
    pub policy: Option<Policy>,
    /// `sp`, defaulting to `p`.
    pub subdomain_policy: Option<Policy>,
    /// `np` (RFC 9989), defaulting to `sp`.
    pub nonexistent_policy: Option<Policy>,
    /// The policy for this domain: `p` when the record is its own, `sp` when inherited.
    pub applied_policy: Option<Policy>,
    /// `pct` (default 100) when a record applies.
    pub pct: Option<u8>,
    /// `t=y`.
    pub testing: bool,
    /// `adkim` when a record applies.
    pub adkim: Option<AlignmentMode>,
    /// `aspf` when a record applies.
    pub aspf: Option<AlignmentMode>,
    /// The `rua` URIs.
    pub rua: Vec<String>,
    /// The `ruf` URIs.
    pub ruf: Vec<String>,
    /// Organisational domain by the public suffix list (RFC 7489 §3.2).
    pub org_domain: Option<String>,
    /// Organisational domain by the DNS tree walk (RFC 9989 §4.10.2).
    pub org_domain_rfc9989: String,
    /// Where RFC 9989 discovery found the policy record.
    pub record_domain_rfc9989: Option<String>,
    /// External report destinations and their authorisation.
    pub external_rua: Vec<ExternalDestination>,
    /// Alignment of the identifiers given with [`DmarcEvaluator::with_identifiers`].
    pub alignment: Option<AlignmentReport>,
    /// The parsed record.
    pub parsed: Option<DmarcRecord>,
    /// Why no policy is known, as text.
    pub error: Option<String>,
    /// What is wrong.
    pub problems: Vec<DmarcProblem>,
}

/// One `_dmarc` name's answer.
#[derive(Clone, Debug)]
enum Lookup {
    /// TXT texts (all of them).
    Texts(Vec<Vec<u8>>),
    /// NXDOMAIN or NODATA.
    Nothing,
    /// A temporary failure.
    Failed(String),
}

impl Lookup {
    fn from_response(response: &Response) -> Self {
        match response {
            Ok(answer) => Self::Texts(answer.txt().map(|t| t.joined()).take(32).collect()),
            Err(e) if e.is_definitive() => Self::Nothing,
            Err(e) => Self::Failed(e.to_string()),
        }
    }

    fn dmarc_texts(&self) -> Vec<&[u8]> {
        match self {
            Self::Texts(t) => t
                .iter()
                .map(Vec::as_slice)
                .filter(|t| is_dmarc_record(t))
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Stage {
    Discovery,
    Authorisation,
    Done,
}

/// Evaluates a domain's DMARC posture (see the [module documentation](self)).
#[derive(Debug)]
pub struct DmarcEvaluator {
    domain: String,
    walk: Vec<String>,
    psl_org: Option<String>,
    lookups: HashMap<String, Option<Lookup>>,
    external: Vec<(ExternalDestination, bool)>,
    identifiers: Option<(Option<String>, Vec<String>)>,
    queue: VecDeque<Question>,
    stage: Stage,
    report: Option<DmarcReport>,
}

fn dmarc_name(domain: &str) -> String {
    format!("_dmarc.{domain}")
}

impl DmarcEvaluator {
    /// Evaluates the DMARC posture of `domain` (a From domain).
    pub fn new(domain: &str) -> Self {
        let domain = normalise(domain);
        let valid = is_dns_name(&domain) && is_dns_name(&dmarc_name(&domain));
        let (walk, psl_org) = if valid {
            (tree_walk_names(&domain), org_domain_psl(&domain))
        } else {
            (Vec::new(), None)
        };
        let mut names: Vec<String> = walk.clone();
        if let Some(org) = &psl_org
            && !names.contains(org)
        {
            names.push(org.clone());
        }
        let queue = names
            .iter()
            .map(|n| Question {
                name: dmarc_name(n),
                record_type: RecordType::Txt,
            })
            .collect();
        let mut evaluator = Self {
            lookups: names.into_iter().map(|n| (n, None)).collect(),
            walk,
            psl_org,
            domain,
            external: Vec::new(),
            identifiers: None,
            queue,
            stage: Stage::Discovery,
            report: None,
        };
        if evaluator.lookups.is_empty() {
            // Nothing to ask (invalid name): the report is ready.
            evaluator.discover();
        }
        evaluator
    }

    /// Also reports the alignment of an SPF-authenticated domain (MAIL FROM) and DKIM
    /// `d=` domains with the From domain, under the record's `aspf`/`adkim` (RFC 7489
    /// organisational domains).
    #[must_use]
    pub fn with_identifiers(mut self, spf_domain: Option<&str>, dkim_domains: &[&str]) -> Self {
        self.identifiers = Some((
            spf_domain.map(normalise),
            dkim_domains.iter().take(32).map(|d| normalise(d)).collect(),
        ));
        self
    }

    fn lookup(&self, name: &str) -> Option<&Lookup> {
        self.lookups.get(name).and_then(Option::as_ref)
    }

    /// Discovery is complete: build the report and the authorisation questions.
    fn discover(&mut self) {
        let mut problems = Vec::new();
        let mut error = None;
        if self.walk.is_empty() {
            problems.push(DmarcProblem::InvalidDomain {
                domain: self.domain.chars().take(64).collect(),
            });
            error = Some("not a valid domain name".to_string());
        }
        let own = self.domain.clone();
        if let Some(Lookup::Texts(texts)) = self.lookup(&own)
            && texts.iter().any(|t| {
                !is_dmarc_record(t)
                    && String::from_utf8_lossy(t)
                        .to_ascii_uppercase()
                        .contains("DMARC1")
            })
        {
            problems.push(DmarcProblem::VersionNotFirst {
                name: dmarc_name(&own),
            });
        }

        // RFC 7489 §6.6.3: the domain, then its organisational domain.
        let mut candidates = vec![own.clone()];
        if let Some(org) = &self.psl_org
            && *org != own
        {
            candidates.push(org.clone());
        }
        let mut found: Option<(String, Vec<u8>)> = None;
        for name in &candidates {
            match self.lookup(name) {
                Some(Lookup::Failed(e)) => {
                    problems.push(DmarcProblem::LookupFailed {
                        name: dmarc_name(name),
                        error: e.clone(),
                    });
                    error = Some(e.clone());
                    break;
                }
                Some(l) => {
                    let texts = l.dmarc_texts();
                    match texts.len() {
                        0 => continue,
                        1 => found = Some((name.clone(), texts[0].to_vec())),
                        count => {
                            problems.push(DmarcProblem::MultipleRecords {
                                name: dmarc_name(name),
                                count,
                            });
                            error = Some(format!("{count} DMARC records at {}", dmarc_name(name)));
                        }
                    }
                    break;
                }
                None => continue,
            }
        }
        if found.is_none() && error.is_none() && !self.walk.is_empty() {
            problems.push(DmarcProblem::Missing {
                domain: own.clone(),
            });
            error = Some(format!("no DMARC record for {own}"));
        }

        // RFC 9989 §4.10: the tree walk.
        let mut walk_found: Vec<(String, PsdFlag)> = Vec::new();
        for (i, name) in self.walk.iter().enumerate() {
            if let Some(l) = self.lookup(name) {
                let texts = l.dmarc_texts();
                if texts.len() == 1 {
                    let psd = parse_record(texts[0]).map_or(PsdFlag::Unknown, |r| r.psd);
                    walk_found.push((name.clone(), psd));
                    // A record with psd=y or psd=n ends the walk.
                    if psd != PsdFlag::Unknown {
                        break;
                    }
                } else if let Lookup::Failed(e) = l
                    && i > 0
                    && !problems
                        .iter()
                        .any(|p| matches!(p, DmarcProblem::LookupFailed { name: n, .. } if *n == dmarc_name(name)))
                {
                    problems.push(DmarcProblem::LookupFailed {
                        name: dmarc_name(name),
                        error: e.clone(),
                    });
                }
            }
        }
        let org_9989 = if self.walk.is_empty() {
            own.clone()
        } else {
            org_domain_from_walk(&own, &walk_found)
        };
        let has = |n: &str| walk_found.iter().any(|(w, _)| w == n);
        let record_9989 = if has(&own) {
            Some(own.clone())
        } else if has(&org_9989) {
            Some(org_9989.clone())
        } else {
            walk_found
                .iter()
                .find(|(_, psd)| *psd == PsdFlag::Yes)
                .map(|(n, _)| n.clone())
        };
        // Without any record the walk's answer is the name itself: no disagreement worth
        // reporting.
        if !walk_found.is_empty() && self.psl_org.as_deref() != Some(org_9989.as_str()) {
            problems.push(DmarcProblem::OrgDomainDiffers {
                rfc7489: self.psl_org.clone(),
                rfc9989: org_9989.clone(),
            });
        }
        let record_7489 = found.as_ref().map(|(n, _)| n.clone());
        if record_7489 != record_9989 && error.as_deref().is_none_or(|_| record_9989.is_some()) {
            problems.push(DmarcProblem::DiscoveryDiffers {
                rfc7489: record_7489.clone(),
                rfc9989: record_9989.clone(),
            });
        }

        let mut report = DmarcReport {
            domain: own.clone(),
            status: Status::Grey,
            record: None,
            record_domain: None,
            policy: None,
            subdomain_policy: None,
            nonexistent_policy: None,
            applied_policy: None,
            pct: None,
            testing: false,
            adkim: None,
            aspf: None,
            rua: Vec::new(),
            ruf: Vec::new(),
            org_domain: self.psl_org.clone(),
            org_domain_rfc9989: org_9989,
            record_domain_rfc9989: record_9989,
            external_rua: Vec::new(),
            alignment: None,
            parsed: None,
            error,
            problems: Vec::new(),
        };
        if let Some((name, text)) = found {
            report.record = Some(String::from_utf8_lossy(&text).into_owned());
            report.record_domain = Some(name.clone());
            match parse_record(&text) {
                Ok(rec) => {
                    self.apply(&mut report, &mut problems, &name, rec);
                }
                Err(e) => {
                    report.error = Some(e.to_string());
                    problems.push(DmarcProblem::Syntax {
                        name: dmarc_name(&name),
                        error: e,
                    });
                }
            }
        }
        report.problems = problems;
        self.report = Some(report);
        self.stage = if self.queue.is_empty() {
            Stage::Done
        } else {
            Stage::Authorisation
        };
    }

    /// Fills the report from a record found at `name` and queues the authorisation
    /// questions.
    fn apply(
        &mut self,
        report: &mut DmarcReport,
        problems: &mut Vec<DmarcProblem>,
        name: &str,
        rec: DmarcRecord,
    ) {
        let own = name == report.domain;
        problems.extend(rec.problems.iter().map(|p| DmarcProblem::Record {
            name: dmarc_name(name),
            problem: p.clone(),
        }));
        report.policy = rec.effective_policy();
        report.subdomain_policy = rec.effective_subdomain_policy();
        report.nonexistent_policy = rec.effective_nonexistent_policy();
        report.applied_policy = if own {
            report.policy
        } else {
            report.subdomain_policy
        };
        if report.policy.is_none() {
            report.error = Some("the record has no valid p= and no valid rua".into());
        }
        report.pct = report.policy.map(|_| rec.effective_pct());
        report.testing = rec.testing == Some(true);
        report.adkim = Some(rec.adkim);
        report.aspf = Some(rec.aspf);
        report.rua = rec.rua.iter().map(|u| u.uri.clone()).collect();
        report.ruf = rec.ruf.iter().map(|u| u.uri.clone()).collect();
        if report.applied_policy == Some(Policy::None) {
            problems.push(DmarcProblem::PolicyNone);
        }
        if report.policy.is_some_and(|p| p != Policy::None)
            && rec.subdomain_policy == Some(Policy::None)
        {
            problems.push(DmarcProblem::SubdomainPolicyNone);
        }
        if report.policy.is_some() && rec.effective_pct() < 100 {
            problems.push(DmarcProblem::PctPartial {
                pct: rec.effective_pct(),
            });
        }
        if report.testing {
            problems.push(DmarcProblem::Testing);
        }
        if report.policy.is_some() && rec.rua.is_empty() {
            problems.push(DmarcProblem::NoAggregateReports);
        }
        if let Some((spf, dkim)) = &self.identifiers {
            let dkim: Vec<&str> = dkim.iter().map(String::as_str).collect();
            report.alignment = Some(check_alignment(
                &report.domain,
                spf.as_deref(),
                &dkim,
                rec.adkim,
                rec.aspf,
            ));
        }
        // External destinations, once each, in record order.
        let mut destinations: Vec<(String, Vec<String>)> = Vec::new();
        for (tag, uris) in [("rua", &rec.rua), ("ruf", &rec.ruf)] {
            for d in uris.iter().filter_map(|u| u.domain.as_deref()) {
                if !report_auth::needs_authorization(name, d) {
                    continue;
                }
                match destinations.iter_mut().find(|(have, _)| have == d) {
                    Some((_, tags)) if !tags.iter().any(|t| t == tag) => tags.push(tag.into()),
                    Some(_) => {}
                    None => destinations.push((d.to_string(), vec![tag.into()])),
                }
            }
        }
        if destinations.len() > MAX_EXTERNAL_DESTINATIONS {
            problems.push(DmarcProblem::TooManyExternalDestinations {
                count: destinations.len(),
            });
        }
        for (destination, tags) in destinations.into_iter().take(MAX_EXTERNAL_DESTINATIONS) {
            let Some(auth_name) = report_auth::authorization_name(name, &destination) else {
                continue;
            };
            self.queue.push_back(Question {
                name: auth_name.clone(),
                record_type: RecordType::Txt,
            });
            self.external.push((
                ExternalDestination {
                    destination,
                    name: auth_name,
                    authorized: false,
                    tags,
                    error: None,
                },
                false,
            ));
        }
        report.parsed = Some(rec);
    }

    fn finish(&mut self) -> Option<DmarcReport> {
        let mut report = self.report.take()?;
        for (dest, _) in self.external.drain(..) {
            if !dest.authorized {
                report.problems.push(match &dest.error {
                    Some(error) => DmarcProblem::ExternalRuaUnverified {
                        destination: dest.destination.clone(),
                        error: error.clone(),
                    },
                    None => DmarcProblem::ExternalRuaUnauthorized {
                        destination: dest.destination.clone(),
                        name: dest.name.clone(),
                    },
                });
            }
            report.external_rua.push(dest);
        }
        let lookup_failed_only = report.policy.is_none()
            && report
                .problems
                .iter()
                .any(|p| matches!(p, DmarcProblem::LookupFailed { .. }))
            && !report
                .problems
                .iter()
                .any(|p| p.severity() == Severity::Error);
        report.status = if lookup_failed_only {
            Status::Grey
        } else {
            status_of(report.problems.iter().map(DmarcProblem::severity), true)
        };
        self.stage = Stage::Done;
        Some(report)
    }
}

impl Evaluator for DmarcEvaluator {
    type Output = DmarcReport;

    fn poll_query(&mut self) -> Option<Question> {
        self.queue.pop_front()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        if question.record_type != RecordType::Txt {
            return;
        }
        let name = normalise(&question.name);
        match self.stage {
            Stage::Discovery => {
                if let Some(domain) = name.strip_prefix("_dmarc.")
                    && let Some(slot) = self.lookups.get_mut(domain)
                    && slot.is_none()
                {
                    *slot = Some(Lookup::from_response(response));
                }
                // Discovery ends with the last answer; the authorisation questions it
                // makes are handed out by the next `poll_query`.
                if self.lookups.values().all(Option::is_some) {
                    self.discover();
                }
            }
            Stage::Authorisation => {
                for (dest, answered) in &mut self.external {
                    if dest.name == name && !*answered {
                        *answered = true;
                        match Lookup::from_response(response) {
                            Lookup::Texts(texts) => {
                                dest.authorized =
                                    report_auth::authorizes(texts.iter().map(Vec::as_slice));
                            }
                            Lookup::Nothing => {}
                            Lookup::Failed(e) => dest.error = Some(e),
                        }
                    }
                }
            }
            Stage::Done => {}
        }
    }

    fn poll_result(&mut self) -> Option<DmarcReport> {
        match self.stage {
            Stage::Authorisation if self.external.iter().all(|(_, answered)| *answered) => {
                self.finish()
            }
            Stage::Done => self.finish(),
            _ => None,
        }
    }
}
