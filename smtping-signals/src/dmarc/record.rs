//! The DMARC record grammar: RFC 7489 §6.3–6.4 tags (`v p sp pct adkim aspf rua ruf fo
//! ri rf`) and the RFC 9989 additions (`np`, `psd`, `t`; `pct`, `ri` and `rf` removed).
//!
//! Fatal errors ([`DmarcRecordError`]) make the record unusable: it does not start with
//! `v=DMARC1`, the tag list is broken, or a tag appears twice (RFC 6376 §3.2, which DMARC
//! records follow). Everything else is a [`RecordProblem`] on a record that still applies:
//! an unknown tag (ignored, as both RFCs say), an invalid value (the default is used), a
//! missing `p=` (with a valid `rua`, the record acts as `p=none`; without one, DMARC does
//! not apply — RFC 7489 §6.6.3, RFC 9989 §4.10.1).
//!
//! ```
//! use smtping_signals::dmarc::record::{parse_record, Policy, AlignmentMode};
//!
//! let r = parse_record(b"v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:d@example.org").unwrap();
//! assert_eq!(r.policy, Some(Policy::Reject));
//! assert_eq!(r.effective_subdomain_policy(), Some(Policy::Quarantine));
//! assert_eq!(r.adkim, AlignmentMode::Strict);
//! assert_eq!(r.rua[0].domain.as_deref(), Some("example.org"));
//! assert!(parse_record(b"v=DMARC1; p=none; p=reject").is_err());
//! ```

use serde::Serialize;

use crate::dkim::record::{TagListError, split_tags, strip_ws};

/// At most this many URIs are read from one `rua` or `ruf`.
pub const MAX_REPORT_URIS: usize = 16;

/// A requested handling policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// No specific action (monitoring).
    None,
    /// Treat failing mail as suspicious (spam folder).
    Quarantine,
    /// Reject failing mail.
    Reject,
}

impl Policy {
    fn parse(v: &str) -> Option<Self> {
        match v.to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "quarantine" => Some(Self::Quarantine),
            "reject" => Some(Self::Reject),
            _ => None,
        }
    }

    /// `"none"`, `"quarantine"`, `"reject"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Quarantine => "quarantine",
            Self::Reject => "reject",
        }
    }
}

/// `adkim` / `aspf`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlignmentMode {
    /// Same organisational domain (`r`, the default).
    #[default]
    Relaxed,
    /// Identical domains (`s`).
    Strict,
}

impl AlignmentMode {
    /// The tag value: `"r"` or `"s"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Relaxed => "r",
            Self::Strict => "s",
        }
    }
}

/// RFC 9989 `psd=`: is the domain a public suffix domain?
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PsdFlag {
    /// `psd=y`: a public suffix; its organisational domains are one label below.
    Yes,
    /// `psd=n`: the domain is an organisational domain.
    No,
    /// `psd=u` or absent: the tree walk decides.
    #[default]
    Unknown,
}

/// One `fo=` option.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureOption {
    /// `0`: report when all mechanisms fail to align (default).
    AllFail,
    /// `1`: report when any mechanism fails to align.
    AnyFail,
    /// `d`: report DKIM signature failures.
    Dkim,
    /// `s`: report SPF failures.
    Spf,
}

/// A reporting URI of `rua` / `ruf`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReportUri {
    /// The URI as written (without the size limit).
    pub uri: String,
    /// The scheme, lower case (`mailto` is the one receivers must support).
    pub scheme: String,
    /// For `mailto:`, the address.
    pub address: Option<String>,
    /// For `mailto:`, the address's domain, lower case: where reports go.
    pub domain: Option<String>,
    /// The `!size` limit as written (RFC 7489; obsolete in RFC 9989).
    pub size_limit: Option<String>,
}

/// Something wrong in a record that still applies.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordProblem {
    /// A tag neither RFC defines (ignored).
    UnknownTag {
        /// The tag name.
        tag: String,
    },
    /// A value outside the tag's grammar (the tag is ignored, its default applies).
    InvalidValue {
        /// The tag.
        tag: String,
        /// The value (shortened).
        value: String,
        /// What is allowed.
        expected: &'static str,
    },
    /// No valid `p=`.
    MissingPolicy {
        /// `true`: a valid `rua` exists, so the record acts as `p=none`; `false`: DMARC
        /// does not apply at all.
        treated_as_none: bool,
    },
    /// A tag RFC 9989 removed (`pct`, `ri`, `rf`): older receivers still read it.
    RemovedTag {
        /// The tag.
        tag: String,
    },
    /// A `rua`/`ruf` entry that is not a usable URI.
    InvalidReportUri {
        /// The tag.
        tag: String,
        /// The entry (shortened).
        uri: String,
    },
    /// More than [`MAX_REPORT_URIS`] URIs in a tag; the rest were not read.
    TooManyReportUris {
        /// The tag.
        tag: String,
    },
}

/// A parsed DMARC record.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DmarcRecord {
    /// `p=` as published; `None` when missing or invalid.
    pub policy: Option<Policy>,
    /// `sp=`.
    pub subdomain_policy: Option<Policy>,
    /// `np=` (RFC 9989): policy for non-existent subdomains.
    pub nonexistent_policy: Option<Policy>,
    /// `pct=` (RFC 7489; removed in RFC 9989), 0–100.
    pub pct: Option<u8>,
    /// `t=` (RFC 9989): `Some(true)` testing mode.
    pub testing: Option<bool>,
    /// `adkim=`.
    pub adkim: AlignmentMode,
    /// `aspf=`.
    pub aspf: AlignmentMode,
    /// `rua=`, the valid URIs.
    pub rua: Vec<ReportUri>,
    /// `ruf=`, the valid URIs.
    pub ruf: Vec<ReportUri>,
    /// `fo=` (empty: default `0`).
    pub fo: Vec<FailureOption>,
    /// `ri=` seconds (RFC 7489; removed in RFC 9989).
    pub ri: Option<u32>,
    /// `rf=` formats (RFC 7489; removed in RFC 9989).
    pub rf: Vec<String>,
    /// `psd=` (RFC 9989).
    pub psd: PsdFlag,
    /// Tags not defined by either RFC, `(name, value)`.
    pub unknown_tags: Vec<(String, String)>,
    /// What is wrong but not fatal.
    pub problems: Vec<RecordProblem>,
}

impl DmarcRecord {
    /// The policy a receiver applies to the domain itself: `p`, or `none` when `p` is
    /// missing but `rua` is valid; `None` means DMARC does not apply.
    #[must_use]
    pub fn effective_policy(&self) -> Option<Policy> {
        self.policy
            .or_else(|| (!self.rua.is_empty()).then_some(Policy::None))
    }

    /// The policy for existing subdomains: `sp`, else the effective `p`.
    #[must_use]
    pub fn effective_subdomain_policy(&self) -> Option<Policy> {
        self.effective_policy()
            .map(|p| self.subdomain_policy.unwrap_or(p))
    }

    /// The policy for non-existent subdomains: `np`, else `sp`, else `p` (RFC 9989).
    #[must_use]
    pub fn effective_nonexistent_policy(&self) -> Option<Policy> {
        self.effective_subdomain_policy()
            .map(|p| self.nonexistent_policy.unwrap_or(p))
    }

    /// `pct`, default 100.
    #[must_use]
    pub fn effective_pct(&self) -> u8 {
        self.pct.unwrap_or(100)
    }
}

/// A record that cannot be used at all.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DmarcRecordError {
    /// The first tag is not `v=DMARC1`: not a DMARC record (discarded in discovery).
    #[error("not a DMARC record: it must start with v=DMARC1")]
    NotDmarc,
    /// The tag list is broken (syntax, duplicate tag, too long).
    #[error(transparent)]
    TagList(#[from] TagListError),
}

/// `true` when `text` starts with `v=DMARC1` (spaces allowed around `=`), the test
/// discovery uses to keep or discard a TXT record.
#[must_use]
pub fn is_dmarc_record(text: &[u8]) -> bool {
    let t = trim_start(text);
    let Some(rest) = t.strip_prefix(b"v") else {
        return false;
    };
    let rest = trim_start(rest);
    let Some(rest) = rest.strip_prefix(b"=") else {
        return false;
    };
    let rest = trim_start(rest);
    rest.len() >= 6
        && rest[..6].eq_ignore_ascii_case(b"DMARC1")
        && rest[6..]
            .first()
            .is_none_or(|b| matches!(b, b';' | b' ' | b'\t' | b'\r' | b'\n'))
}

fn trim_start(b: &[u8]) -> &[u8] {
    let n = b
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        .count();
    &b[n..]
}

fn short(v: &str) -> String {
    v.chars().take(64).collect()
}

/// Parses one DMARC record (the TXT strings joined).
pub fn parse_record(text: &[u8]) -> Result<DmarcRecord, DmarcRecordError> {
    if !is_dmarc_record(text) {
        return Err(DmarcRecordError::NotDmarc);
    }
    let tags = split_tags(text)?;
    let mut r = DmarcRecord {
        policy: None,
        subdomain_policy: None,
        nonexistent_policy: None,
        pct: None,
        testing: None,
        adkim: AlignmentMode::Relaxed,
        aspf: AlignmentMode::Relaxed,
        rua: Vec::new(),
        ruf: Vec::new(),
        fo: Vec::new(),
        ri: None,
        rf: Vec::new(),
        psd: PsdFlag::Unknown,
        unknown_tags: Vec::new(),
        problems: Vec::new(),
    };
    for (name, raw) in tags.into_iter().skip(1) {
        let value = raw.trim().to_string();
        let invalid = |expected| RecordProblem::InvalidValue {
            tag: name.clone(),
            value: short(&value),
            expected,
        };
        match name.as_str() {
            "p" | "sp" | "np" => match Policy::parse(&value) {
                Some(p) if name == "p" => r.policy = Some(p),
                Some(p) if name == "sp" => r.subdomain_policy = Some(p),
                Some(p) => r.nonexistent_policy = Some(p),
                None => r.problems.push(invalid("none, quarantine or reject")),
            },
            "adkim" | "aspf" => {
                let mode = match value.as_str() {
                    "r" | "R" => Some(AlignmentMode::Relaxed),
                    "s" | "S" => Some(AlignmentMode::Strict),
                    _ => None,
                };
                match mode {
                    Some(m) if name == "adkim" => r.adkim = m,
                    Some(m) => r.aspf = m,
                    None => r.problems.push(invalid("r or s")),
                }
            }
            "pct" => {
                r.problems
                    .push(RecordProblem::RemovedTag { tag: name.clone() });
                match value.parse::<u8>() {
                    Ok(n) if n <= 100 && value.bytes().all(|b| b.is_ascii_digit()) => {
                        r.pct = Some(n);
                    }
                    _ => r.problems.push(invalid("an integer from 0 to 100")),
                }
            }
            "ri" => {
                r.problems
                    .push(RecordProblem::RemovedTag { tag: name.clone() });
                match value.parse::<u32>() {
                    Ok(n) if value.bytes().all(|b| b.is_ascii_digit()) => r.ri = Some(n),
                    _ => r.problems.push(invalid("a number of seconds")),
                }
            }
            "rf" => {
                r.problems
                    .push(RecordProblem::RemovedTag { tag: name.clone() });
                let formats: Vec<String> = value.split(':').map(strip_ws).collect();
                if formats.iter().all(|f| is_keyword(f)) {
                    r.rf = formats;
                } else {
                    r.problems
                        .push(invalid("a colon-separated list of formats (afrf)"));
                }
            }
            "fo" => {
                let mut options = Vec::new();
                for o in value.split(':').map(strip_ws) {
                    options.push(match o.as_str() {
                        "0" => FailureOption::AllFail,
                        "1" => FailureOption::AnyFail,
                        "d" => FailureOption::Dkim,
                        "s" => FailureOption::Spf,
                        _ => {
                            options.clear();
                            r.problems.push(invalid("0, 1, d or s, colon-separated"));
                            break;
                        }
                    });
                }
                r.fo = options;
            }
            "t" => match value.as_str() {
                "y" => r.testing = Some(true),
                "n" => r.testing = Some(false),
                _ => r.problems.push(invalid("y or n")),
            },
            "psd" => match value.as_str() {
                "y" => r.psd = PsdFlag::Yes,
                "n" => r.psd = PsdFlag::No,
                "u" => r.psd = PsdFlag::Unknown,
                _ => r.problems.push(invalid("y, n or u")),
            },
            "rua" | "ruf" => {
                let uris = report_uris(&name, &value, &mut r.problems);
                if name == "rua" {
                    r.rua = uris;
                } else {
                    r.ruf = uris;
                }
            }
            // The first tag (skipped above) is `v`; duplicates were refused.
            "v" => {}
            _ => {
                r.problems
                    .push(RecordProblem::UnknownTag { tag: short(&name) });
                r.unknown_tags.push((short(&name), short(&value)));
            }
        }
    }
    if r.policy.is_none() {
        r.problems.push(RecordProblem::MissingPolicy {
            treated_as_none: !r.rua.is_empty(),
        });
    }
    Ok(r)
}

fn is_keyword(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]`, comma-separated.
fn report_uris(tag: &str, value: &str, problems: &mut Vec<RecordProblem>) -> Vec<ReportUri> {
    let mut out = Vec::new();
    for (n, entry) in value.split(',').enumerate() {
        if n == MAX_REPORT_URIS {
            problems.push(RecordProblem::TooManyReportUris { tag: tag.into() });
            break;
        }
        let entry = strip_ws(entry);
        match report_uri(&entry) {
            Some(uri) => out.push(uri),
            None => problems.push(RecordProblem::InvalidReportUri {
                tag: tag.into(),
                uri: short(&entry),
            }),
        }
    }
    out
}

fn report_uri(entry: &str) -> Option<ReportUri> {
    let (uri, size_limit) = match entry.rsplit_once('!') {
        Some((u, size)) if valid_size(size) => (u, Some(size.to_string())),
        Some(_) => return None,
        None => (entry, None),
    };
    let (scheme, rest) = uri.split_once(':')?;
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || rest.is_empty() {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let (address, domain) = if scheme == "mailto" {
        // The address ends at a `?` (mailto: header fields, RFC 6068).
        let address = rest.split('?').next().unwrap_or_default();
        let address = percent_decode_at(address);
        let (local, domain) = address.rsplit_once('@')?;
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if local.is_empty() || !crate::dkim::is_dns_name(&domain) {
            return None;
        }
        (Some(address), Some(domain))
    } else {
        (None, None)
    };
    Some(ReportUri {
        uri: uri.to_string(),
        scheme,
        address,
        domain,
        size_limit,
    })
}

/// `%40` is sometimes written for `@`; nothing else is decoded.
fn percent_decode_at(s: &str) -> String {
    s.replace("%40", "@")
}

fn valid_size(s: &str) -> bool {
    let digits = s.trim_end_matches(['k', 'm', 'g', 't', 'K', 'M', 'G', 'T']);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && s.len() - digits.len() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_record() {
        let r = parse_record(
            b"v=DMARC1; p=quarantine; sp=reject; np=reject; pct=50; adkim=s; aspf=r; \
              rua=mailto:agg@example.org,mailto:x@reports.test!10m; ruf=mailto:f@example.org; \
              fo=1:d; ri=3600; rf=afrf; t=y; psd=n",
        )
        .unwrap();
        assert_eq!(r.policy, Some(Policy::Quarantine));
        assert_eq!(r.subdomain_policy, Some(Policy::Reject));
        assert_eq!(r.nonexistent_policy, Some(Policy::Reject));
        assert_eq!(r.pct, Some(50));
        assert_eq!(
            (r.adkim, r.aspf),
            (AlignmentMode::Strict, AlignmentMode::Relaxed)
        );
        assert_eq!(r.rua.len(), 2);
        assert_eq!(r.rua[1].domain.as_deref(), Some("reports.test"));
        assert_eq!(r.rua[1].size_limit.as_deref(), Some("10m"));
        assert_eq!(r.ruf[0].address.as_deref(), Some("f@example.org"));
        assert_eq!(r.fo, [FailureOption::AnyFail, FailureOption::Dkim]);
        assert_eq!(r.ri, Some(3600));
        assert_eq!(r.rf, ["afrf"]);
        assert_eq!(r.testing, Some(true));
        assert_eq!(r.psd, PsdFlag::No);
        // pct, ri and rf are RFC 9989 removals; nothing else is wrong.
        assert_eq!(
            r.problems,
            ["pct", "ri", "rf"].map(|t| RecordProblem::RemovedTag { tag: t.into() })
        );
    }

    #[test]
    fn defaults() {
        let r = parse_record(b"v=DMARC1; p=none").unwrap();
        assert_eq!(r.effective_pct(), 100);
        assert_eq!(r.effective_subdomain_policy(), Some(Policy::None));
        assert_eq!(r.effective_nonexistent_policy(), Some(Policy::None));
        assert_eq!(r.adkim, AlignmentMode::Relaxed);
        assert!(r.problems.is_empty());
    }

    #[test]
    fn version_first() {
        assert_eq!(
            parse_record(b"p=reject; v=DMARC1"),
            Err(DmarcRecordError::NotDmarc)
        );
        assert_eq!(
            parse_record(b"v=spf1 -all"),
            Err(DmarcRecordError::NotDmarc)
        );
        assert_eq!(
            parse_record(b"v=DMARC10; p=none"),
            Err(DmarcRecordError::NotDmarc)
        );
        assert!(parse_record(b" v = DMARC1 ; p=none").is_ok());
        assert!(is_dmarc_record(b"v=DMARC1"));
    }

    #[test]
    fn duplicate_and_syntax_are_fatal() {
        assert_eq!(
            parse_record(b"v=DMARC1; p=none; p=reject"),
            Err(DmarcRecordError::TagList(TagListError::DuplicateTag {
                tag: "p".into()
            }))
        );
        assert!(matches!(
            parse_record(b"v=DMARC1; p=none; rua mailto:x@y.test"),
            Err(DmarcRecordError::TagList(TagListError::Syntax { .. }))
        ));
    }

    #[test]
    fn missing_policy_with_and_without_rua() {
        let with = parse_record(b"v=DMARC1; rua=mailto:d@example.org").unwrap();
        assert_eq!(with.effective_policy(), Some(Policy::None));
        assert!(with.problems.contains(&RecordProblem::MissingPolicy {
            treated_as_none: true
        }));
        let without = parse_record(b"v=DMARC1; sp=reject").unwrap();
        assert_eq!(without.effective_policy(), None);
        assert_eq!(without.effective_subdomain_policy(), None);
        let invalid = parse_record(b"v=DMARC1; p=block; rua=mailto:d@example.org").unwrap();
        assert_eq!(invalid.effective_policy(), Some(Policy::None));
        assert!(matches!(
            invalid.problems[0],
            RecordProblem::InvalidValue { .. }
        ));
    }

    #[test]
    fn unknown_tags_and_bad_values_are_problems() {
        let r = parse_record(
            b"v=DMARC1; p=reject; rau=mailto:a@b.test; adkim=x; pct=101; fo=2; t=maybe; psd=q",
        )
        .unwrap();
        assert_eq!(r.unknown_tags, [("rau".into(), "mailto:a@b.test".into())]);
        let invalid: Vec<&str> = r
            .problems
            .iter()
            .filter_map(|p| match p {
                RecordProblem::InvalidValue { tag, .. } => Some(tag.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(invalid, ["adkim", "pct", "fo", "t", "psd"]);
        assert_eq!(r.adkim, AlignmentMode::Relaxed);
        assert_eq!(r.pct, None);
    }

    #[test]
    fn report_uris() {
        let r = parse_record(
            b"v=DMARC1; p=none; rua=mailto:a@EXAMPLE.org, https://r.test/x, mailto:nodomain, mailto:b@c.test!big",
        )
        .unwrap();
        assert_eq!(r.rua.len(), 2);
        assert_eq!(r.rua[0].domain.as_deref(), Some("example.org"));
        assert_eq!(r.rua[1].scheme, "https");
        assert_eq!(
            r.problems
                .iter()
                .filter(|p| matches!(p, RecordProblem::InvalidReportUri { .. }))
                .count(),
            2
        );
        let many = format!(
            "v=DMARC1; p=none; rua={}",
            vec!["mailto:a@b.test"; 20].join(",")
        );
        let r = parse_record(many.as_bytes()).unwrap();
        assert_eq!(r.rua.len(), MAX_REPORT_URIS);
        assert!(
            r.problems
                .contains(&RecordProblem::TooManyReportUris { tag: "rua".into() })
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_record(&text);
        }

        #[test]
        fn never_panics_on_dmarc_like_text(tail in "[a-z=;:,@!. \t0-9%?/_-]{0,200}") {
            let text = format!("v=DMARC1;{tail}");
            let _ = parse_record(text.as_bytes());
        }
    }
}
