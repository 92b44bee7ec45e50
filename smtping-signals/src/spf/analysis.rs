//! A static look at a published record and its tree, for `smtping domain`: the `all`
//! qualifier, discouraged and unknown terms, the lookup count of the whole tree, and the
//! errors of included records — each a typed [`SpfProblem`] with a stable finding id.

use std::fmt;

use serde::Serialize;

use super::record::{Mechanism, Modifier, Qualifier, Record, Term};
use super::result::{SpfError, TreeNode};
use super::{MAX_DNS_TERMS, SpfOutput};

/// RFC 7208 §3.4: records above this size may not fit a 512-byte UDP answer.
pub const RECOMMENDED_MAX_RECORD_LEN: usize = 450;

/// Modifiers from pre-RFC drafts and vendor dialects that receivers ignore.
const DEPRECATED_MODIFIERS: &[&str] = &["default", "match_subdomains", "scope", "accredit"];

/// Modifiers registered besides `redirect` and `exp` (RFC 6652: `ra`, `rp`, `rr`).
const REGISTERED_MODIFIERS: &[&str] = &["ra", "rp", "rr"];

/// How bad a problem is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Weakens the policy or risks errors.
    Warning,
    /// Breaks evaluation or authorises everyone.
    Error,
}

/// Something wrong or weak in a published SPF policy.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SpfProblem {
    /// The domain publishes no SPF record.
    NoRecord,
    /// More than one `v=spf1` record (every check is a permerror).
    MultipleRecords {
        /// How many.
        count: usize,
    },
    /// The record does not parse (every check is a permerror).
    Syntax {
        /// The parse error, as text.
        error: String,
    },
    /// `+all` (or `all`): any host on the Internet passes.
    PassAll,
    /// `?all`: the record asserts nothing about other hosts.
    NeutralAll,
    /// Neither `all` nor `redirect=`: unlisted hosts get `neutral`.
    NoAll,
    /// Terms after `all` are never evaluated.
    TermsAfterAll {
        /// The first ignored term.
        term: String,
    },
    /// `redirect=` with an `all` in the record: the redirect is never used.
    RedirectIgnored,
    /// `ptr` is used (slow, unreliable, discouraged by RFC 7208 §5.5).
    PtrUsed,
    /// A pre-RFC modifier receivers ignore (`default=`, `match_subdomains=`, …): what
    /// its author meant has no effect.
    DeprecatedModifier {
        /// Its name.
        name: String,
    },
    /// An included or redirected record ends in `+all`: it authorises every host for
    /// every domain that includes it.
    IncludePassAll {
        /// The domain of that record.
        domain: String,
    },
    /// The evaluation for a sending IP hit a processing limit (void lookups, MX names).
    LimitExceeded {
        /// What was exceeded, as text.
        error: String,
    },
    /// A modifier SPF does not define (ignored by receivers; often a typo).
    UnknownModifier {
        /// Its name.
        name: String,
    },
    /// The whole tree has more DNS-querying terms than the 10 allowed (§4.6.4).
    TooManyLookups {
        /// The static count over the tree.
        count: u32,
    },
    /// The record is longer than 450 bytes (§3.4).
    RecordTooLong {
        /// Its length.
        length: usize,
    },
    /// An `ip4`/`ip6` network has bits set below its prefix (`192.0.2.1/24`).
    HostBitsSet {
        /// The term.
        term: String,
    },
    /// An included or redirected record is missing or broken.
    BrokenInclude {
        /// The domain of that record.
        domain: String,
        /// What is wrong.
        error: String,
    },
}

impl SpfProblem {
    /// The proposed stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::NoRecord => "spf.no_record",
            Self::MultipleRecords { .. } => "spf.multiple_records",
            Self::Syntax { .. } => "spf.syntax_error",
            Self::PassAll => "spf.pass_all",
            Self::NeutralAll => "spf.neutral_all",
            Self::NoAll => "spf.no_all",
            Self::TermsAfterAll { .. } => "spf.terms_after_all",
            Self::RedirectIgnored => "spf.redirect_ignored",
            Self::PtrUsed => "spf.ptr_used",
            Self::UnknownModifier { .. } => "spf.unknown_modifier",
            Self::DeprecatedModifier { .. } => "spf.deprecated_modifier",
            Self::IncludePassAll { .. } => "spf.include_pass_all",
            Self::LimitExceeded { .. } => "spf.limit_exceeded",
            Self::TooManyLookups { .. } => "spf.too_many_lookups",
            Self::RecordTooLong { .. } => "spf.record_too_long",
            Self::HostBitsSet { .. } => "spf.host_bits_set",
            Self::BrokenInclude { .. } => "spf.broken_include",
        }
    }

    /// How bad it is.
    #[must_use]
    pub const fn severity(&self) -> Severity {
        match self {
            Self::MultipleRecords { .. }
            | Self::Syntax { .. }
            | Self::PassAll
            | Self::TooManyLookups { .. }
            | Self::BrokenInclude { .. }
            | Self::IncludePassAll { .. }
            | Self::LimitExceeded { .. } => Severity::Error,
            Self::NoRecord
            | Self::NeutralAll
            | Self::NoAll
            | Self::PtrUsed
            | Self::TermsAfterAll { .. }
            | Self::DeprecatedModifier { .. } => Severity::Warning,
            Self::RedirectIgnored
            | Self::UnknownModifier { .. }
            | Self::RecordTooLong { .. }
            | Self::HostBitsSet { .. } => Severity::Info,
        }
    }
}

impl fmt::Display for SpfProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoRecord => f.write_str("no SPF record"),
            Self::MultipleRecords { count } => {
                write!(f, "{count} SPF records (exactly one allowed)")
            }
            Self::Syntax { error } => write!(f, "the SPF record does not parse: {error}"),
            Self::PassAll => f.write_str("+all lets any host pass SPF"),
            Self::NeutralAll => f.write_str("?all asserts nothing about unlisted hosts"),
            Self::NoAll => f.write_str("no all and no redirect: unlisted hosts get neutral"),
            Self::TermsAfterAll { term } => {
                write!(f, "{term:?} comes after all and is never evaluated")
            }
            Self::RedirectIgnored => f.write_str("redirect= is ignored because the record has all"),
            Self::PtrUsed => f.write_str("the ptr mechanism is discouraged (RFC 7208 §5.5)"),
            Self::UnknownModifier { name } => write!(f, "unknown modifier {name}="),
            Self::DeprecatedModifier { name } => {
                write!(f, "{name}= is a pre-RFC modifier that receivers ignore")
            }
            Self::IncludePassAll { domain } => {
                write!(f, "{domain} (included) ends in +all: every host passes")
            }
            Self::LimitExceeded { error } => write!(f, "processing limit exceeded: {error}"),
            Self::TooManyLookups { count } => {
                write!(
                    f,
                    "{count} DNS-querying terms in the tree (limit {MAX_DNS_TERMS})"
                )
            }
            Self::RecordTooLong { length } => {
                write!(
                    f,
                    "the record is {length} bytes (keep under {RECOMMENDED_MAX_RECORD_LEN})"
                )
            }
            Self::HostBitsSet { term } => write!(f, "{term}: address bits set below the prefix"),
            Self::BrokenInclude { domain, error } => write!(f, "{domain}: {error}"),
        }
    }
}

/// The qualifier of the record's `all`, if it has one.
#[must_use]
pub fn all_qualifier(record: &Record) -> Option<Qualifier> {
    record
        .directives()
        .find(|d| d.mechanism == Mechanism::All)
        .map(|d| d.qualifier)
}

/// The problems of one record on its own.
///
/// ```
/// use smtping_signals::spf::analysis::{analyze_record, SpfProblem};
/// use smtping_signals::spf::record::Record;
/// let text = "v=spf1 ptr +all";
/// let problems = analyze_record(&Record::parse(text)?, text);
/// assert!(problems.contains(&SpfProblem::PassAll));
/// assert_eq!(problems[0].finding_id(), "spf.pass_all");
/// # Ok::<(), smtping_signals::spf::record::ParseError>(())
/// ```
#[must_use]
pub fn analyze_record(record: &Record, text: &str) -> Vec<SpfProblem> {
    let mut out = Vec::new();
    match all_qualifier(record) {
        Some(Qualifier::Pass) => out.push(SpfProblem::PassAll),
        Some(Qualifier::Neutral) => out.push(SpfProblem::NeutralAll),
        Some(_) => {}
        None if record.redirect().is_none() => out.push(SpfProblem::NoAll),
        None => {}
    }
    if all_qualifier(record).is_some() && record.redirect().is_some() {
        out.push(SpfProblem::RedirectIgnored);
    }
    let mut seen_all = false;
    for term in &record.terms {
        match term {
            Term::Directive(d) => {
                if seen_all {
                    out.push(SpfProblem::TermsAfterAll {
                        term: d.to_string(),
                    });
                    seen_all = false; // once
                    continue;
                }
                match &d.mechanism {
                    Mechanism::All => seen_all = true,
                    Mechanism::Ptr(_) if !out.contains(&SpfProblem::PtrUsed) => {
                        out.push(SpfProblem::PtrUsed);
                    }
                    Mechanism::Ip4 {
                        addr,
                        prefix: Some(p),
                    } => {
                        let mask = if *p == 0 {
                            0
                        } else {
                            u32::MAX << (32 - u32::from(*p))
                        };
                        if u32::from(*addr) & !mask != 0 {
                            out.push(SpfProblem::HostBitsSet {
                                term: d.to_string(),
                            });
                        }
                    }
                    Mechanism::Ip6 {
                        addr,
                        prefix: Some(p),
                    } => {
                        let mask = if *p == 0 {
                            0
                        } else {
                            u128::MAX << (128 - u32::from(*p))
                        };
                        if u128::from(*addr) & !mask != 0 {
                            out.push(SpfProblem::HostBitsSet {
                                term: d.to_string(),
                            });
                        }
                    }
                    _ => {}
                }
            }
            Term::Modifier(Modifier::Unknown { name, .. }) => {
                let lower = name.to_ascii_lowercase();
                if DEPRECATED_MODIFIERS.contains(&lower.as_str()) {
                    out.push(SpfProblem::DeprecatedModifier { name: name.clone() });
                } else if !REGISTERED_MODIFIERS.contains(&lower.as_str()) {
                    out.push(SpfProblem::UnknownModifier { name: name.clone() });
                }
            }
            Term::Modifier(_) => {}
        }
    }
    if text.len() > RECOMMENDED_MAX_RECORD_LEN {
        out.push(SpfProblem::RecordTooLong { length: text.len() });
    }
    out.sort_by_key(|p| std::cmp::Reverse(p.severity()));
    out
}

/// The problems of an evaluated policy: the root record's own, the static lookup count
/// of the whole tree, and every broken node below the root.
#[must_use]
pub fn analyze(output: &SpfOutput) -> Vec<SpfProblem> {
    let mut out = Vec::new();
    if let Some(e @ (SpfError::TooManyVoidLookups { .. } | SpfError::TooManyMxNames { .. })) =
        &output.error
    {
        out.push(SpfProblem::LimitExceeded {
            error: e.to_string(),
        });
    }
    let Some(root) = output.tree.first() else {
        match &output.error {
            Some(SpfError::MultipleRecords { count, .. }) => {
                out.push(SpfProblem::MultipleRecords { count: *count });
            }
            Some(SpfError::Syntax { error, .. }) => {
                out.push(SpfProblem::Syntax {
                    error: error.to_string(),
                });
            }
            Some(SpfError::Dns { .. } | SpfError::InvalidDomain { .. }) => {}
            _ => out.push(SpfProblem::NoRecord),
        }
        return out;
    };
    match (&root.record, &root.error) {
        (_, Some(SpfError::MultipleRecords { count, .. })) => {
            out.push(SpfProblem::MultipleRecords { count: *count });
        }
        (_, Some(SpfError::Syntax { error, .. })) => {
            out.push(SpfProblem::Syntax {
                error: error.to_string(),
            });
        }
        (Some(text), _) => {
            if let Ok(r) = Record::parse(text) {
                out.extend(analyze_record(&r, text));
            }
        }
        _ => {}
    }
    let total = root.total_lookups();
    if total > MAX_DNS_TERMS {
        out.push(SpfProblem::TooManyLookups { count: total });
    }
    fn broken(node: &TreeNode, out: &mut Vec<SpfProblem>) {
        for child in &node.children {
            let pass_all = child
                .record
                .as_deref()
                .and_then(|t| Record::parse(t).ok())
                .is_some_and(|r| all_qualifier(&r) == Some(Qualifier::Pass));
            if pass_all {
                out.push(SpfProblem::IncludePassAll {
                    domain: child.domain.clone(),
                });
            }
            if let Some(e) = child
                .error
                .as_ref()
                .filter(|e| !matches!(e, SpfError::TreeLimit { .. }))
            {
                out.push(SpfProblem::BrokenInclude {
                    domain: child.domain.clone(),
                    error: e.to_string(),
                });
            }
            broken(child, out);
        }
    }
    broken(root, &mut out);
    out.sort_by_key(|p| std::cmp::Reverse(p.severity()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<&'static str> {
        analyze_record(&Record::parse(text).unwrap(), text)
            .iter()
            .map(SpfProblem::finding_id)
            .collect()
    }

    #[test]
    fn findings() {
        assert_eq!(problems("v=spf1 -all"), Vec::<&str>::new());
        assert_eq!(problems("v=spf1 +all"), ["spf.pass_all"]);
        assert_eq!(problems("v=spf1 a"), ["spf.no_all"]);
        assert_eq!(
            problems("v=spf1 redirect=_spf.example.com"),
            Vec::<&str>::new()
        );
        assert_eq!(problems("v=spf1 ?all"), ["spf.neutral_all"]);
        assert_eq!(problems("v=spf1 ptr -all"), ["spf.ptr_used"]);
        assert_eq!(problems("v=spf1 -all a"), ["spf.terms_after_all"]);
        assert_eq!(
            problems("v=spf1 ip4:192.0.2.1/24 -all foo=bar"),
            ["spf.host_bits_set", "spf.unknown_modifier"]
        );
        assert_eq!(
            problems("v=spf1 ~all redirect=x.example"),
            ["spf.redirect_ignored"]
        );
        assert_eq!(
            problems("v=spf1 -all default=deny ra=postmaster"),
            ["spf.deprecated_modifier"]
        );
        let long = format!("v=spf1 {} -all", "ip4:192.0.2.1 ".repeat(40));
        assert_eq!(problems(&long), ["spf.record_too_long"]);
    }
}
