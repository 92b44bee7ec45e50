//! Identifier alignment (RFC 7489 §3.1, RFC 9989 §4.4): does the From domain match the
//! SPF-authenticated domain (MAIL FROM) or a DKIM `d=`? Strict: the names are equal;
//! relaxed: they have the same organisational domain. Names compare case-insensitively
//! and without a trailing dot.
//!
//! [`alignment_psl`] uses the RFC 7489 organisational domain (public suffix list, no DNS);
//! [`alignment_with`] takes organisational domains found another way (the RFC 9989 tree
//! walk of [`DmarcEvaluator`](super::DmarcEvaluator) reports them).
//!
//! ```
//! use smtping_signals::dmarc::alignment::{alignment_psl, check_alignment};
//! use smtping_signals::dmarc::record::AlignmentMode;
//!
//! let a = alignment_psl("news.example.com", "bounce.example.com");
//! assert!(a.relaxed && !a.strict);
//! let r = check_alignment("example.com", Some("mail.example.com"), &["example.com"],
//!                         AlignmentMode::Strict, AlignmentMode::Strict);
//! assert_eq!((r.spf_aligned, r.dkim_aligned), (false, true));
//! ```

use serde::Serialize;

use super::org_domain::{normalise, org_domain_psl};
use super::record::AlignmentMode;

/// How one identifier aligns with the From domain.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentifierAlignment {
    /// The identifier (SPF domain or DKIM `d=`), normalised.
    pub domain: String,
    /// Equal to the From domain.
    pub strict: bool,
    /// Same organisational domain as the From domain.
    pub relaxed: bool,
}

impl IdentifierAlignment {
    /// Aligned under `mode`.
    #[must_use]
    pub fn aligned(&self, mode: AlignmentMode) -> bool {
        match mode {
            AlignmentMode::Strict => self.strict,
            AlignmentMode::Relaxed => self.relaxed,
        }
    }
}

/// Alignment of `identifier` with `from`, with each name's organisational domain given
/// (`None`: unknown, e.g. a public suffix; then only equal names align relaxed).
#[must_use]
pub fn alignment_with(
    from: &str,
    identifier: &str,
    from_org: Option<&str>,
    identifier_org: Option<&str>,
) -> IdentifierAlignment {
    let (from, identifier) = (normalise(from), normalise(identifier));
    let strict = !from.is_empty() && from == identifier;
    let relaxed = strict
        || matches!((from_org, identifier_org), (Some(a), Some(b)) if normalise(a) == normalise(b));
    IdentifierAlignment {
        domain: identifier,
        strict,
        relaxed,
    }
}

/// Alignment with RFC 7489 organisational domains (the public suffix list).
#[must_use]
pub fn alignment_psl(from: &str, identifier: &str) -> IdentifierAlignment {
    alignment_with(
        from,
        identifier,
        org_domain_psl(from).as_deref(),
        org_domain_psl(identifier).as_deref(),
    )
}

/// The alignment of a message's identifiers with its From domain.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlignmentReport {
    /// The From domain, normalised.
    pub from_domain: String,
    /// The SPF identifier's alignment, when one was given.
    pub spf: Option<IdentifierAlignment>,
    /// Each DKIM `d=`'s alignment.
    pub dkim: Vec<IdentifierAlignment>,
    /// SPF aligns under `aspf`.
    pub spf_aligned: bool,
    /// At least one DKIM `d=` aligns under `adkim`.
    pub dkim_aligned: bool,
}

/// Alignment of an SPF domain and DKIM `d=` domains with `from` under the record's
/// modes, with RFC 7489 organisational domains. Whether SPF/DKIM *passed* is the
/// caller's business: only a passing identifier counts for DMARC.
#[must_use]
pub fn check_alignment(
    from: &str,
    spf_domain: Option<&str>,
    dkim_domains: &[&str],
    adkim: AlignmentMode,
    aspf: AlignmentMode,
) -> AlignmentReport {
    let spf = spf_domain.map(|d| alignment_psl(from, d));
    let dkim: Vec<IdentifierAlignment> = dkim_domains
        .iter()
        .take(32)
        .map(|d| alignment_psl(from, d))
        .collect();
    AlignmentReport {
        from_domain: normalise(from),
        spf_aligned: spf.as_ref().is_some_and(|a| a.aligned(aspf)),
        dkim_aligned: dkim.iter().any(|a| a.aligned(adkim)),
        spf,
        dkim,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_table() {
        // RFC 9989 §4.4 table 1.
        let a = alignment_psl("news.example.com", "foo.example.com");
        assert!(a.relaxed && !a.strict);
        let a = alignment_psl("news.example.com", "NEWS.example.com.");
        assert!(a.relaxed && a.strict);
        let a = alignment_psl("news.example.com", "foo.example.net");
        assert!(!a.relaxed && !a.strict);
    }

    #[test]
    fn public_suffixes_do_not_align_relaxed() {
        // Different registrants under co.uk.
        assert!(!alignment_psl("a.co.uk", "b.co.uk").relaxed);
        assert!(!alignment_psl("co.uk", "x.co.uk").relaxed);
        assert!(alignment_psl("co.uk", "co.uk").strict);
        assert!(!alignment_psl("", "").strict);
    }

    #[test]
    fn modes() {
        let r = check_alignment(
            "example.com",
            Some("bounce.example.com"),
            &["other.test", "mail.example.com"],
            AlignmentMode::Relaxed,
            AlignmentMode::Strict,
        );
        assert!(!r.spf_aligned);
        assert!(r.dkim_aligned);
        let none = check_alignment(
            "example.com",
            None,
            &[],
            AlignmentMode::Relaxed,
            AlignmentMode::Relaxed,
        );
        assert!(!none.spf_aligned && !none.dkim_aligned);
    }

    #[test]
    fn tree_walk_org_domains() {
        // RFC 9989 §B.4.3: giant.bank.example vs mega.bank.example under a psd=y parent.
        let a = alignment_with(
            "giant.bank.example",
            "mail.mega.bank.example",
            Some("giant.bank.example"),
            Some("mega.bank.example"),
        );
        assert!(!a.relaxed);
    }
}
