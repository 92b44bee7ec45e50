//! Rules are data: one table per provider plus tables for blocklist texts and for the
//! default texts of common MTAs. Each [`Rule`] has a stable id, the reason it implies, a
//! text pattern and/or an enhanced-code range, one sentence each of explanation and
//! remediation, and a realistic example text that the test suite classifies.
//!
//! Patterns are regular expressions matched against a *normalised* copy of the reply
//! text: ASCII-lowercased, line breaks and whitespace runs collapsed to one space, and
//! the `550-5.7.1 ` prefixes of continuation lines removed. Write them in lowercase with
//! single spaces. They are compiled once, into one `RegexSet`, on first use.
//!
//! Provider tables apply only when the provider is recognised (from the text, the remote
//! host name or the recipient domain); the exact tables (named blocklists, MTA texts that
//! cannot mean anything else) always apply, before the enhanced code; the generic table
//! applies after specific enhanced codes — except its rules marked `decisive`,
//! whose text names the cause and beats a specific code's registry meaning when the two
//! disagree.

use std::sync::LazyLock;

use regex::bytes::{RegexSet, RegexSetBuilder, SetMatches};
use smtping_proto::EnhancedCode;

use crate::model::{Provider, Reason};

mod apple;
mod dnsbl;
mod generic;
mod google;
mod microsoft;
mod mimecast;
mod proofpoint;
mod yahoo;

/// An enhanced-code condition: `class.subject.detail` with the detail in a range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CodeMatch {
    /// The class required (2, 4 or 5), or `None` for any class.
    pub class: Option<u8>,
    /// The subject required.
    pub subject: u16,
    /// The lowest detail accepted.
    pub detail_min: u16,
    /// The highest detail accepted.
    pub detail_max: u16,
}

impl CodeMatch {
    /// `X.subject.detail` in any class.
    #[must_use]
    pub const fn any(subject: u16, detail: u16) -> Self {
        Self {
            class: None,
            subject,
            detail_min: detail,
            detail_max: detail,
        }
    }

    /// `class.subject.detail` exactly.
    #[must_use]
    pub const fn exact(class: u8, subject: u16, detail: u16) -> Self {
        Self {
            class: Some(class),
            subject,
            detail_min: detail,
            detail_max: detail,
        }
    }

    /// `X.subject.min` … `X.subject.max` in any class.
    #[must_use]
    pub const fn range(subject: u16, min: u16, max: u16) -> Self {
        Self {
            class: None,
            subject,
            detail_min: min,
            detail_max: max,
        }
    }

    /// `class.subject.min` … `class.subject.max`.
    #[must_use]
    pub const fn class_range(class: u8, subject: u16, min: u16, max: u16) -> Self {
        Self {
            class: Some(class),
            subject,
            detail_min: min,
            detail_max: max,
        }
    }

    /// `true` when `code` satisfies the condition.
    #[must_use]
    pub fn matches(&self, code: EnhancedCode) -> bool {
        self.class.is_none_or(|c| c == code.class())
            && self.subject == code.subject()
            && (self.detail_min..=self.detail_max).contains(&code.detail())
    }
}

/// A class condition on the reply (from the basic code, or the enhanced code's class).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClassMatch {
    /// Any class.
    Any,
    /// Only 4xx (temporary) replies.
    Transient,
    /// Only 5xx (permanent) replies.
    Permanent,
}

/// One classification rule. See the [module docs](self) and `docs/classification.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// Stable id for audit, `table.name` (e.g. `"google.spf_failed"`).
    pub id: &'static str,
    /// The provider the rule belongs to (set in the output when it matches).
    pub provider: Option<Provider>,
    /// The reason it implies.
    pub reason: Reason,
    /// A regular expression over the normalised text, if the rule looks at the text.
    pub pattern: Option<&'static str>,
    /// An enhanced-code condition, if the rule looks at the code.
    pub code: Option<CodeMatch>,
    /// A reply class condition.
    pub class: ClassMatch,
    /// One sentence: what it means (empty: the reason's default).
    pub explanation: &'static str,
    /// One sentence: what to do (empty: the reason's default).
    pub remediation: &'static str,
    /// A realistic reply text the rule must classify (checked by the tests).
    pub example: &'static str,
    /// The text names the cause so precisely (the failed check, a sending limit, a
    /// reputation judgement, a header defect) that it beats a *specific* enhanced code's
    /// registry meaning: a Gmail `5.7.30 … DKIM … didn't pass` is a DKIM failure, not the
    /// registry's REQUIRETLS. Only generic rules are decisive.
    pub decisive: bool,
}

impl Rule {
    pub(crate) const fn new(provider: Option<Provider>, id: &'static str, reason: Reason) -> Self {
        Self {
            id,
            provider,
            reason,
            pattern: None,
            code: None,
            class: ClassMatch::Any,
            explanation: "",
            remediation: "",
            example: "",
            decisive: false,
        }
    }

    pub(crate) const fn decisive(mut self) -> Self {
        self.decisive = true;
        self
    }

    pub(crate) const fn text(mut self, pattern: &'static str) -> Self {
        self.pattern = Some(pattern);
        self
    }

    pub(crate) const fn code(mut self, code: CodeMatch) -> Self {
        self.code = Some(code);
        self
    }

    pub(crate) const fn transient(mut self) -> Self {
        self.class = ClassMatch::Transient;
        self
    }

    pub(crate) const fn permanent(mut self) -> Self {
        self.class = ClassMatch::Permanent;
        self
    }

    pub(crate) const fn explain(mut self, s: &'static str) -> Self {
        self.explanation = s;
        self
    }

    pub(crate) const fn fix(mut self, s: &'static str) -> Self {
        self.remediation = s;
        self
    }

    pub(crate) const fn example(mut self, s: &'static str) -> Self {
        self.example = s;
        self
    }
}

/// Where a table sits in the decision order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Phase {
    /// Provider rules: only when the provider is recognised; tried first.
    Provider,
    /// Exact texts: tried for every reply right after provider rules, before the enhanced
    /// code. Only for wording that cannot mean anything else: a named blocklist zone, or an
    /// MTA's component-tagged default text (Exchange's `STOREDRV.`/`RESOLVER.` texts).
    Exact,
    /// Generic MTA texts: tried after specific enhanced codes.
    Generic,
}

/// A table of rules.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Table {
    /// The table's name (`"google"`, `"dnsbl"`, `"generic"`).
    pub name: &'static str,
    /// The provider a provider table belongs to.
    pub provider: Option<Provider>,
    /// When the table is consulted.
    pub phase: Phase,
    /// The rules, first match wins.
    pub rules: &'static [Rule],
}

/// Every table, in the order they are consulted within their phase.
pub static TABLES: &[Table] = &[
    Table {
        name: "google",
        provider: Some(Provider::Google),
        phase: Phase::Provider,
        rules: google::RULES,
    },
    Table {
        name: "microsoft",
        provider: Some(Provider::Microsoft),
        phase: Phase::Provider,
        rules: microsoft::RULES,
    },
    Table {
        name: "yahoo",
        provider: Some(Provider::Yahoo),
        phase: Phase::Provider,
        rules: yahoo::RULES,
    },
    Table {
        name: "apple",
        provider: Some(Provider::Apple),
        phase: Phase::Provider,
        rules: apple::RULES,
    },
    Table {
        name: "proofpoint",
        provider: Some(Provider::Proofpoint),
        phase: Phase::Provider,
        rules: proofpoint::RULES,
    },
    Table {
        name: "mimecast",
        provider: Some(Provider::Mimecast),
        phase: Phase::Provider,
        rules: mimecast::RULES,
    },
    Table {
        name: "dnsbl",
        provider: None,
        phase: Phase::Exact,
        rules: dnsbl::RULES,
    },
    Table {
        name: "mta",
        provider: None,
        phase: Phase::Exact,
        rules: generic::EXACT_RULES,
    },
    Table {
        name: "generic",
        provider: None,
        phase: Phase::Generic,
        rules: generic::RULES,
    },
];

/// Every rule of every table, in evaluation order.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    TABLES.iter().flat_map(|t| t.rules.iter())
}

/// Text markers that recognise a provider in the reply itself.
const PROVIDER_MARKERS: &[(Provider, &str)] = &[
    (
        Provider::Google,
        r"\bgsmtp\b|support\.google\.com|\bgoogle\.com\b|\bgmail\b|googlemail",
    ),
    (
        Provider::Microsoft,
        r"protection\.outlook\.com|prod\.outlook\.com|\boutlook\b|\bhotmail\b|mail\.live\.com|postmaster\.live\.com|sender\.office\.com|\bmicrosoft\.com\b|exchange online|\b(?:office|microsoft) ?365\b|aka\.ms/|\(a?s\d{3,9}\)|\bas\(\d{3,9}\)|\b(?:sc|dy|ou|om)-00\d\b|\[name=protocol filter agent\]",
    ),
    (
        Provider::Yahoo,
        r"yahoo|\baol\.com\b|\[(?:tss?|ts|ph|bl)\d\d\]",
    ),
    (
        Provider::Apple,
        r"support\.apple\.com|\bicloud\b|\bme\.com\b|\bmac\.com\b|privaterelay\.appleid\.com|\[(?:cs\d\d|hme\d*)\]",
    ),
    (Provider::Proofpoint, r"proofpoint|pphosted|ppe-hosted"),
    (Provider::Mimecast, r"mimecast"),
];

pub(crate) struct Compiled {
    set: RegexSet,
    /// For each table, for each rule: its pattern index in `set`.
    pattern_index: Vec<Vec<Option<usize>>>,
    /// Index of the first provider marker in `set`.
    marker_base: usize,
}

pub(crate) static COMPILED: LazyLock<Compiled> = LazyLock::new(compile);

fn compile() -> Compiled {
    let mut patterns: Vec<&'static str> = Vec::new();
    let mut pattern_index = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        let mut idx = Vec::with_capacity(table.rules.len());
        for rule in table.rules {
            idx.push(rule.pattern.map(|p| {
                patterns.push(p);
                patterns.len() - 1
            }));
        }
        pattern_index.push(idx);
    }
    let marker_base = patterns.len();
    patterns.extend(PROVIDER_MARKERS.iter().map(|(_, p)| *p));
    let set = RegexSetBuilder::new(&patterns)
        .unicode(false)
        .size_limit(64 << 20)
        .dfa_size_limit(16 << 20)
        .build()
        // The patterns are constants checked by the test suite; a bad one is a bug in
        // this crate, caught by `rules_compile` before any release.
        .unwrap_or_else(|e| panic!("built-in classification rules do not compile: {e}"));
    Compiled {
        set,
        pattern_index,
        marker_base,
    }
}

impl Compiled {
    pub(crate) fn scan(&self, normalised: &[u8]) -> SetMatches {
        self.set.matches(normalised)
    }

    pub(crate) fn providers_in_text(&self, m: &SetMatches) -> u16 {
        PROVIDER_MARKERS
            .iter()
            .enumerate()
            .filter(|(i, _)| m.matched(self.marker_base + i))
            .fold(0, |acc, (_, (p, _))| acc | p.bit())
    }

    /// The first rule of tables in `phase` that applies; with `decisive_only`, only
    /// rules marked [`Rule::decisive`].
    pub(crate) fn first_match(
        &self,
        phase: Phase,
        decisive_only: bool,
        m: &SetMatches,
        providers: u16,
        enhanced: Option<EnhancedCode>,
        class: Option<u8>,
    ) -> Option<&'static Rule> {
        for (t, table) in TABLES.iter().enumerate() {
            if table.phase != phase {
                continue;
            }
            if phase == Phase::Provider && table.provider.is_none_or(|p| providers & p.bit() == 0) {
                continue;
            }
            for (r, rule) in table.rules.iter().enumerate() {
                if decisive_only && !rule.decisive {
                    continue;
                }
                let text_ok = self.pattern_index[t][r].is_none_or(|i| m.matched(i));
                let code_ok = rule
                    .code
                    .is_none_or(|c| enhanced.is_some_and(|e| c.matches(e)));
                let class_ok = match rule.class {
                    ClassMatch::Any => true,
                    ClassMatch::Transient => class == Some(4),
                    ClassMatch::Permanent => class == Some(5),
                };
                if text_ok && code_ok && class_ok {
                    return Some(rule);
                }
            }
        }
        None
    }
}

/// Recognises providers from a host name (the remote MX) or a recipient domain.
pub(crate) fn providers_for_host(host: &str) -> u16 {
    let host = host.trim().trim_end_matches('.');
    let host = host.rsplit('@').next().unwrap_or(host).to_ascii_lowercase();
    let ends = |suffix: &str| host == suffix || host.ends_with(&format!(".{suffix}"));
    let first_label = host.split('.').next().unwrap_or("");
    let mut bits = 0;
    if ends("google.com") || ends("googlemail.com") || ends("gmail.com") {
        bits |= Provider::Google.bit();
    }
    if ends("outlook.com")
        || ends("hotmail.com")
        || ends("live.com")
        || ends("msn.com")
        || ends("office365.com")
        || ends("microsoft.com")
        || (host.contains('.')
            && matches!(
                first_label,
                "hotmail" | "outlook" | "live" | "msn" | "windowslive"
            ))
    {
        bits |= Provider::Microsoft.bit();
    }
    if ends("yahoodns.net")
        || ends("yahoo.com")
        || ends("yahoo.net")
        || ends("ymail.com")
        || ends("rocketmail.com")
        || ends("aol.com")
        || ends("aim.com")
        || (host.contains('.') && matches!(first_label, "yahoo" | "aol"))
    {
        bits |= Provider::Yahoo.bit();
    }
    if ends("icloud.com")
        || ends("me.com")
        || ends("mac.com")
        || ends("apple.com")
        || ends("privaterelay.appleid.com")
    {
        bits |= Provider::Apple.bit();
    }
    if ends("pphosted.com") || ends("ppe-hosted.com") || ends("proofpoint.com") {
        bits |= Provider::Proofpoint.bit();
    }
    if ends("mimecast.com") || ends("mimecast.co.za") || ends("mimecast-offshore.com") {
        bits |= Provider::Mimecast.bit();
    }
    bits
}

/// The first provider in a bit set, in table order.
pub(crate) fn first_provider(bits: u16) -> Option<Provider> {
    Provider::ALL.into_iter().find(|p| bits & p.bit() != 0)
}

#[cfg(test)]
mod tests;
