//! The typed result of an SPF evaluation and its JSON shape (design.md §10, `smtping spf`).

use std::fmt;
use std::net::IpAddr;

use serde::{Serialize, Serializer};

/// The result of `check_host()` (RFC 7208 §2.6).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpfResult {
    /// The client is authorised.
    Pass,
    /// The client is not authorised (`-`).
    Fail,
    /// Probably not authorised (`~`).
    #[serde(rename = "softfail")]
    SoftFail,
    /// No assertion (`?`, or no mechanism matched).
    Neutral,
    /// No record, or no valid domain to check.
    None,
    /// A transient DNS failure: try again later.
    #[serde(rename = "temperror")]
    TempError,
    /// The record(s) cannot be interpreted: a syntax error, a limit exceeded, …
    #[serde(rename = "permerror")]
    PermError,
}

impl SpfResult {
    /// The RFC spelling: `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror`,
    /// `permerror`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::Neutral => "neutral",
            Self::None => "none",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
        }
    }
}

impl fmt::Display for SpfResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which identity was checked (RFC 7208 §2.3, §2.4).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The MAIL FROM identity (`postmaster@HELO` when MAIL FROM is empty).
    MailFrom,
    /// The HELO/EHLO identity.
    Helo,
}

/// Why an evaluation ended in `temperror` or `permerror` (or `none` for a bad domain).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SpfError {
    /// A DNS query failed without a definitive answer (SERVFAIL, timeout, …).
    #[error("DNS lookup of {name} ({record_type}) failed: {kind}")]
    Dns {
        /// The queried name.
        name: String,
        /// The queried type, e.g. `TXT`.
        record_type: String,
        /// The failure, e.g. `timeout`.
        kind: String,
    },
    /// More than 10 DNS-querying terms (RFC 7208 §4.6.4).
    #[error(
        "more than {limit} DNS-querying terms (include, a, mx, ptr, exists, redirect); the {count}th was {term:?} in {domain}"
    )]
    TooManyLookups {
        /// The limit (10).
        limit: u32,
        /// The count reached.
        count: u32,
        /// The term that went over.
        term: String,
        /// The record it is in.
        domain: String,
    },
    /// More than 2 lookups returned no answer (NXDOMAIN or NODATA).
    #[error("more than {limit} void DNS lookups; the last was {name} for {term:?}")]
    TooManyVoidLookups {
        /// The limit (2).
        limit: u32,
        /// The name that came back void.
        name: String,
        /// The term that asked it.
        term: String,
    },
    /// An `mx` term met more than 10 MX records.
    #[error("{name} has {count} MX records; an mx term may examine at most {limit}")]
    TooManyMxNames {
        /// The MX owner.
        name: String,
        /// How many MX records it has.
        count: usize,
        /// The limit (10).
        limit: usize,
    },
    /// More than one `v=spf1` record at a domain.
    #[error("{domain} publishes {count} SPF records (exactly one is allowed)")]
    MultipleRecords {
        /// The domain.
        domain: String,
        /// How many.
        count: usize,
    },
    /// The record does not parse.
    #[error("SPF record of {domain}: {error}")]
    Syntax {
        /// The domain.
        domain: String,
        /// What and where.
        error: super::record::ParseError,
    },
    /// A macro could not be expanded (e.g. `c`, `r` or `t` outside `exp`).
    #[error("SPF record of {domain}: {detail}")]
    Macro {
        /// The domain.
        domain: String,
        /// What went wrong.
        detail: String,
    },
    /// An `include` target has no SPF record (RFC 7208 §5.2: permerror).
    #[error("include:{target} (in {domain}): the target has no SPF record")]
    IncludeNone {
        /// The record holding the include.
        domain: String,
        /// The included domain.
        target: String,
    },
    /// A `redirect` target has no SPF record (RFC 7208 §6.1: permerror).
    #[error("redirect={target} (in {domain}): the target has no SPF record")]
    RedirectNone {
        /// The record holding the redirect.
        domain: String,
        /// The target domain.
        target: String,
    },
    /// The checked domain is not a valid multi-label domain name (RFC 7208 §4.3: none).
    #[error("{domain:?} is not a valid domain name to check: {reason}")]
    InvalidDomain {
        /// The domain as given.
        domain: String,
        /// Why.
        reason: String,
    },
    /// The domain has no SPF record (result none).
    #[error("{domain} publishes no SPF record")]
    NoRecord {
        /// The domain.
        domain: String,
    },
    /// An include/redirect chain of the tree comes back to a domain already on it.
    #[error("{domain} includes or redirects to itself (a loop)")]
    Loop {
        /// The domain met again.
        domain: String,
    },
    /// The display tree was cut (too deep or too many records).
    #[error("the include/redirect tree is cut here: more than {limit} records or levels")]
    TreeLimit {
        /// The bound that was hit.
        limit: usize,
    },
    /// The evaluator hit its own safety bound on DNS questions.
    #[error("the evaluation needed more than {limit} DNS questions")]
    TooManyQuestions {
        /// The bound.
        limit: usize,
    },
}

impl SpfError {
    /// A snake_case kind for JSON and matching.
    #[must_use]
    pub const fn kind(&self) -> &'static str {
        match self {
            Self::Dns { .. } => "dns",
            Self::TooManyLookups { .. } => "too_many_lookups",
            Self::TooManyVoidLookups { .. } => "too_many_void_lookups",
            Self::TooManyMxNames { .. } => "too_many_mx_names",
            Self::MultipleRecords { .. } => "multiple_records",
            Self::Syntax { .. } => "syntax",
            Self::Macro { .. } => "macro",
            Self::IncludeNone { .. } => "include_none",
            Self::RedirectNone { .. } => "redirect_none",
            Self::InvalidDomain { .. } => "invalid_domain",
            Self::NoRecord { .. } => "no_record",
            Self::TooManyQuestions { .. } => "too_many_questions",
            Self::Loop { .. } => "loop",
            Self::TreeLimit { .. } => "tree_limit",
        }
    }
}

impl Serialize for SpfError {
    /// `{kind, message}`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SpfError", 2)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.end()
    }
}

/// One record of the include/redirect tree, as published (not only the part the
/// evaluation reached).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TreeNode {
    /// The domain whose TXT record this is.
    pub domain: String,
    /// How the parent reached it: `None` for the root, else `include` or `redirect`.
    pub via: Option<&'static str>,
    /// The record text (`None` when there is none or it could not be fetched).
    pub record: Option<String>,
    /// Each term of the record as written (directives and modifiers).
    pub mechanisms: Vec<String>,
    /// DNS-querying terms in this record alone (include, a, mx, ptr, exists, redirect).
    pub lookups: u32,
    /// The included and redirected records, in order.
    pub children: Vec<TreeNode>,
    /// What is wrong with this node, when something is.
    pub error: Option<SpfError>,
}

impl TreeNode {
    /// DNS-querying terms in this node and every descendant: the static lookup count
    /// (what the whole published tree would cost if every term were evaluated).
    #[must_use]
    pub fn total_lookups(&self) -> u32 {
        self.children
            .iter()
            .fold(self.lookups, |n, c| n.saturating_add(c.total_lookups()))
    }
}

/// The outcome of one SPF check: the JSON of `smtping spf` (design.md §10).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SpfOutput {
    /// The client address checked.
    pub ip: IpAddr,
    /// The identity checked, as `local@domain` (`postmaster@HELO` for an empty MAIL FROM).
    pub identity: String,
    /// MAIL FROM or HELO.
    pub scope: Scope,
    /// The domain whose policy was evaluated.
    pub domain: String,
    /// The result.
    pub result: SpfResult,
    /// The term that decided it, as written (`"-all"`, `"include:_spf.example.com"`);
    /// `None` when no term matched (default neutral) or no record was evaluated.
    pub mechanism: Option<String>,
    /// The domain whose record holds [`mechanism`](Self::mechanism) (differs from
    /// `domain` after a redirect).
    pub mechanism_domain: Option<String>,
    /// The explanation of a `fail` (from `exp=`, or the default); `None` otherwise.
    pub explanation: Option<String>,
    /// DNS-querying terms evaluated (the RFC 7208 §4.6.4 count, at most 11).
    pub lookups: u32,
    /// Lookups that returned no answer (NXDOMAIN or NODATA).
    pub void_lookups: u32,
    /// The include/redirect tree rooted at [`domain`](Self::domain) (one root node;
    /// empty when no record was fetched).
    pub tree: Vec<TreeNode>,
    /// Why the result is `temperror`/`permerror` (or `none`), when it is.
    pub error: Option<SpfError>,
}
