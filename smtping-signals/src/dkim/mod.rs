//! DKIM key records: what `selector._domainkey.domain` publishes, per selector.
//!
//! [`DkimEvaluator`] asks, all at once, the TXT record of every selector given (or, when
//! none is given, of the [`COMMON_SELECTORS`]) plus the RFC 8020 existence test of
//! `_domainkey.<domain>`: NXDOMAIN there means no selector below it exists; NOERROR (with
//! or without data) means something does. Each key is parsed ([`record`]), its type and
//! size read from the DER ([`key`]), and judged: RSA under 1024 bits is invalid
//! (RFC 8301 §3.2), under 2048 a warning, Ed25519 fine; `t=y` testing, an empty `p=`
//! revoked. CNAME-delegated selectors work: the DNS core follows the alias and the
//! answer's canonical name is reported.
//!
//! ```
//! use smtping_signals::dkim::{DkimEvaluator, KeyType, Status};
//! use smtping_signals::evaluate_with;
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwzMu4LzBVMqwatfwlyM5atu4FLBTlEqjdwW1ap5QN5kHd1M+BHGuCTtTcCsVun1mUPivILKEPNi0jPfp7WoMjpsLtrVFYibTrNz55/+webmUKPSWzsLpAZlxMsWDAjx40MZtHS5TUgI9p2jEUpQJe589/7KeBLw1ra+inNXiGriiFRtgQLZMJ2HVnrYMMnOqbXOUpl6imVvLFjvQfi0GOtCS4aSVnjH2ernWj726Nhw/duNjOs4VbuUBVfVYQq9jelNNoqDKu+e3+hAuqI7FmxaHbicH4FTh5tduEf7amhu8/CgzzYA8E1r1HZo2P0hOtmOFjjAr48E1lmIhRc/FCwIDAQAB";
//! let dns = MemoryDns::new(
//!     Zone::new().txt("mail._domainkey.example.test", &format!("v=DKIM1; k=rsa; p={key}")),
//! )?;
//! let report = evaluate_with(DkimEvaluator::new("example.test", &["mail"]), |q| dns.resolve(q))?;
//! assert_eq!(report.status, Status::Green);
//! assert_eq!(report.domainkey_exists, Some(true));
//! let sel = &report.selectors[0];
//! assert_eq!((sel.found, sel.key_type, sel.key_bits), (true, Some(KeyType::Rsa), Some(2048)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod key;
pub mod record;

use std::collections::VecDeque;

use serde::Serialize;
use smtping_proto::dns::{DnsError, Question, RecordType};

pub use key::{KeyEncoding, KeyError, KeyInfo, KeyType, analyse_key};
pub use record::{DkimKeyRecord, DkimRecordError, TagListError, parse_key_record};

use crate::{Evaluator, Response};

/// Selectors tried when none is given, in this order. Each is a name a widely used
/// signer or control panel picks by default: `default` (cPanel, OpenDKIM examples),
/// `selector1`/`selector2` (Microsoft 365), `google` (Google Workspace), `k1`/`k2`/`k3`
/// (Mailchimp/Mandrill), `s1`/`s2` (SendGrid, many others), `dkim`, `mail`, `smtp`,
/// `mx` and `everlytickey1`. A domain signing with any other selector is found only by
/// naming it; the RFC 8020 test still tells whether something exists below
/// `_domainkey`.
pub const COMMON_SELECTORS: &[&str] = &[
    "default",
    "selector1",
    "selector2",
    "google",
    "k1",
    "k2",
    "k3",
    "s1",
    "s2",
    "dkim",
    "mail",
    "smtp",
    "mx",
    "everlytickey1",
];

/// At most this many selectors are asked (later ones are reported as skipped).
pub const MAX_SELECTORS: usize = 32;

/// RSA keys shorter than this are invalid (RFC 8301 §3.2).
pub const RSA_MIN_BITS: u32 = 1024;

/// RSA keys shorter than this are weak (RFC 8301 §3.2: signers SHOULD use 2048).
pub const RSA_RECOMMENDED_BITS: u32 = 2048;

/// The traffic light of an area (design.md §6): green good, amber works with warnings,
/// red broken, grey not tested or not known.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// All good.
    Green,
    /// Works, with warnings.
    Amber,
    /// Broken.
    Red,
    /// Not tested, or the answer is unknown (DNS failure).
    Grey,
}

/// How bad a problem is (the report's finding severities).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Works, but should be fixed.
    Warning,
    /// Broken.
    Error,
}

/// What is wrong with a domain's DKIM keys, each naming the selector.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DkimProblem {
    /// No key at any selector tried (no selector given: the common list).
    NoneFound {
        /// The RFC 8020 test: `Some(true)` something exists under `_domainkey`.
        domainkey_exists: Option<bool>,
    },
    /// A selector that was named has no key record.
    SelectorNotFound {
        /// The selector.
        selector: String,
    },
    /// A selector name that cannot be a DNS label sequence.
    InvalidSelector {
        /// The selector as given (shortened).
        selector: String,
    },
    /// More selectors than [`MAX_SELECTORS`]; the rest were not asked.
    TooManySelectors {
        /// How many were given.
        given: usize,
    },
    /// RSA key under 1024 bits (RFC 8301: verifiers must not accept it).
    KeyTooShort {
        /// The selector.
        selector: String,
        /// Modulus length.
        bits: u32,
    },
    /// RSA key of at least 1024 but under 2048 bits.
    KeyWeak {
        /// The selector.
        selector: String,
        /// Modulus length.
        bits: u32,
    },
    /// `t=y`: the domain is testing DKIM.
    Testing {
        /// The selector.
        selector: String,
    },
    /// `p=` is empty: the key was revoked.
    Revoked {
        /// The selector.
        selector: String,
    },
    /// The record is not a valid tag list / key record.
    Syntax {
        /// The selector.
        selector: String,
        /// Why.
        error: DkimRecordError,
    },
    /// `p=` is not a usable key.
    BadKey {
        /// The selector.
        selector: String,
        /// Why.
        error: KeyError,
    },
    /// `k=` names an algorithm this crate does not know.
    UnknownKeyType {
        /// The selector.
        selector: String,
        /// The `k=` value.
        key_type: String,
    },
    /// `h=` allows only SHA-1, which RFC 8301 forbids.
    Sha1Only {
        /// The selector.
        selector: String,
    },
    /// `s=` does not include `email` or `*`: the key may not sign mail.
    NotForEmail {
        /// The selector.
        selector: String,
    },
    /// More than one TXT record at the selector (verifiers may pick any).
    MultipleRecords {
        /// The selector.
        selector: String,
        /// How many.
        count: usize,
    },
    /// The lookup failed (SERVFAIL, timeout, …): the key's state is unknown.
    LookupFailed {
        /// The name asked.
        name: String,
        /// The DNS error, as text.
        error: String,
    },
    /// `_domainkey.<domain>` answered NXDOMAIN although a key exists below it: the
    /// server breaks RFC 8020 (some verifiers then stop looking).
    NxDomainAboveKeys {
        /// The `_domainkey` name.
        name: String,
    },
}

impl DkimProblem {
    /// The proposed stable finding id, e.g. `"dkim.key_too_short"`.
    #[must_use]
    pub fn finding_id(&self) -> &'static str {
        match self {
            Self::NoneFound { .. } => "dkim.none_found",
            Self::SelectorNotFound { .. } => "dkim.selector_not_found",
            Self::InvalidSelector { .. } => "dkim.invalid_selector",
            Self::TooManySelectors { .. } => "dkim.too_many_selectors",
            Self::KeyTooShort { .. } => "dkim.key_too_short",
            Self::KeyWeak { .. } => "dkim.key_weak",
            Self::Testing { .. } => "dkim.testing",
            Self::Revoked { .. } => "dkim.revoked",
            Self::Syntax { .. } => "dkim.syntax",
            Self::BadKey { .. } => "dkim.bad_key",
            Self::UnknownKeyType { .. } => "dkim.unknown_key_type",
            Self::Sha1Only { .. } => "dkim.sha1_only",
            Self::NotForEmail { .. } => "dkim.not_for_email",
            Self::MultipleRecords { .. } => "dkim.multiple_records",
            Self::LookupFailed { .. } => "dkim.lookup_failed",
            Self::NxDomainAboveKeys { .. } => "dkim.nxdomain_above_keys",
        }
    }

    /// How bad it is.
    #[must_use]
    pub fn severity(&self) -> Severity {
        match self {
            Self::NoneFound {
                domainkey_exists: Some(true),
            }
            | Self::Revoked { .. }
            | Self::TooManySelectors { .. }
            | Self::NxDomainAboveKeys { .. } => Severity::Info,
            Self::NoneFound { .. }
            | Self::KeyWeak { .. }
            | Self::Testing { .. }
            | Self::UnknownKeyType { .. }
            | Self::MultipleRecords { .. }
            | Self::LookupFailed { .. }
            | Self::NotForEmail { .. }
            | Self::InvalidSelector { .. } => Severity::Warning,
            Self::SelectorNotFound { .. }
            | Self::KeyTooShort { .. }
            | Self::Syntax { .. }
            | Self::BadKey { .. }
            | Self::Sha1Only { .. } => Severity::Error,
        }
    }
}

impl std::fmt::Display for DkimProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoneFound { domainkey_exists } => match domainkey_exists {
                Some(true) => f.write_str(
                    "no DKIM key at the selectors tried, but names exist under _domainkey (name the selector)",
                ),
                Some(false) => f.write_str("no DKIM key: _domainkey does not exist (NXDOMAIN)"),
                None => f.write_str("no DKIM key at the selectors tried"),
            },
            Self::SelectorNotFound { selector } => {
                write!(f, "selector {selector:?}: no DKIM key record")
            }
            Self::InvalidSelector { selector } => {
                write!(f, "selector {selector:?} is not a valid DNS name")
            }
            Self::TooManySelectors { given } => write!(
                f,
                "{given} selectors given; only the first {MAX_SELECTORS} were asked"
            ),
            Self::KeyTooShort { selector, bits } => write!(
                f,
                "selector {selector:?}: {bits}-bit RSA key, under the {RSA_MIN_BITS} bits verifiers accept (RFC 8301)"
            ),
            Self::KeyWeak { selector, bits } => write!(
                f,
                "selector {selector:?}: {bits}-bit RSA key, under the recommended {RSA_RECOMMENDED_BITS} bits"
            ),
            Self::Testing { selector } => write!(f, "selector {selector:?}: t=y (testing mode)"),
            Self::Revoked { selector } => {
                write!(f, "selector {selector:?}: key revoked (empty p=)")
            }
            Self::Syntax { selector, error } => write!(f, "selector {selector:?}: {error}"),
            Self::BadKey { selector, error } => write!(f, "selector {selector:?}: {error}"),
            Self::UnknownKeyType { selector, key_type } => {
                write!(f, "selector {selector:?}: unknown key type k={key_type}")
            }
            Self::Sha1Only { selector } => write!(
                f,
                "selector {selector:?}: h= allows only SHA-1, which RFC 8301 forbids"
            ),
            Self::NotForEmail { selector } => write!(
                f,
                "selector {selector:?}: s= does not include email or *"
            ),
            Self::MultipleRecords { selector, count } => {
                write!(f, "selector {selector:?}: {count} TXT records (one expected)")
            }
            Self::LookupFailed { error, .. } => write!(f, "{error}"),
            Self::NxDomainAboveKeys { name } => write!(
                f,
                "{name} answers NXDOMAIN although keys exist below it (RFC 8020)"
            ),
        }
    }
}

/// One selector's key.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SelectorResult {
    /// The selector.
    pub selector: String,
    /// The name asked: `selector._domainkey.domain`.
    pub name: String,
    /// A TXT record was found there.
    pub found: bool,
    /// The key type (from the key itself when it decodes, else from `k=`).
    pub key_type: Option<KeyType>,
    /// The key size in bits.
    pub key_bits: Option<u32>,
    /// `t=y`.
    pub testing: bool,
    /// `t=s`.
    pub strict: bool,
    /// `p=` empty.
    pub revoked: bool,
    /// `h=` (empty: any).
    pub hash_algorithms: Vec<String>,
    /// `s=` (empty: `*`).
    pub service_types: Vec<String>,
    /// The record text.
    pub record: Option<String>,
    /// The end of the CNAME chain, when the selector is an alias (delegated signing).
    pub cname_target: Option<String>,
    /// Why the key cannot be used or looked up, as text.
    pub error: Option<String>,
}

impl SelectorResult {
    fn empty(selector: &str, name: &str) -> Self {
        Self {
            selector: selector.into(),
            name: name.into(),
            found: false,
            key_type: None,
            key_bits: None,
            testing: false,
            strict: false,
            revoked: false,
            hash_algorithms: Vec::new(),
            service_types: Vec::new(),
            record: None,
            cname_target: None,
            error: None,
        }
    }
}

/// The DKIM keys of a domain (design.md §10 `dkim{…}`).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DkimReport {
    /// The domain.
    pub domain: String,
    /// The traffic light.
    pub status: Status,
    /// RFC 8020: does `_domainkey.<domain>` exist? `None` when the lookup failed.
    pub domainkey_exists: Option<bool>,
    /// The selectors given, every one; when guessing, only those found.
    pub selectors: Vec<SelectorResult>,
    /// The selectors asked.
    pub selectors_tried: Vec<String>,
    /// `true` when no selector was given and [`COMMON_SELECTORS`] were tried.
    pub guessed: bool,
    /// What is wrong.
    pub problems: Vec<DkimProblem>,
}

/// Evaluates DKIM key records (see the [module documentation](self)).
///
/// Questions, all handed out at once: TXT `_domainkey.<domain>` (RFC 8020 test), then TXT
/// `<selector>._domainkey.<domain>` for each selector.
#[derive(Debug)]
pub struct DkimEvaluator {
    domain: String,
    guessed: bool,
    selectors: Vec<(String, String)>,
    answers: Vec<Option<SelectorOutcome>>,
    domainkey: Option<Option<bool>>,
    domainkey_name: String,
    queue: VecDeque<Question>,
    problems: Vec<DkimProblem>,
    finished: bool,
}

#[derive(Debug)]
struct SelectorOutcome {
    result: SelectorResult,
    problems: Vec<DkimProblem>,
}

fn lower_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// A DNS name of labels of letters, digits, `-` and `_` (1–63 bytes), at most 253.
pub(crate) fn is_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

impl DkimEvaluator {
    /// Evaluates `selectors` of `domain`; an empty list tries [`COMMON_SELECTORS`].
    pub fn new(domain: &str, selectors: &[&str]) -> Self {
        let domain = lower_name(domain);
        let guessed = selectors.is_empty();
        let given: Vec<&str> = if guessed {
            COMMON_SELECTORS.to_vec()
        } else {
            selectors.to_vec()
        };
        let mut problems = Vec::new();
        if given.len() > MAX_SELECTORS {
            problems.push(DkimProblem::TooManySelectors { given: given.len() });
        }
        let domain_ok = is_dns_name(&domain);
        let domainkey_name = format!("_domainkey.{domain}");
        let mut queue = VecDeque::new();
        if domain_ok {
            queue.push_back(Question {
                name: domainkey_name.clone(),
                record_type: RecordType::Txt,
            });
        }
        let mut list: Vec<(String, String)> = Vec::new();
        for s in given.into_iter().take(MAX_SELECTORS) {
            let selector = lower_name(s);
            if list.iter().any(|(have, _)| *have == selector) {
                continue;
            }
            let name = format!("{selector}.{domainkey_name}");
            if !domain_ok || !is_dns_name(&selector) || !is_dns_name(&name) {
                problems.push(DkimProblem::InvalidSelector {
                    selector: s.chars().take(64).collect(),
                });
                continue;
            }
            queue.push_back(Question {
                name: name.clone(),
                record_type: RecordType::Txt,
            });
            list.push((selector, name));
        }
        Self {
            answers: list.iter().map(|_| None).collect(),
            selectors: list,
            domainkey: if domain_ok { None } else { Some(None) },
            domainkey_name,
            domain,
            guessed,
            queue,
            problems,
            finished: false,
        }
    }
}

/// Judges one selector's response.
fn judge(selector: &str, name: &str, response: &Response) -> SelectorOutcome {
    let mut result = SelectorResult::empty(selector, name);
    let mut problems = Vec::new();
    let answer = match response {
        Ok(answer) => answer,
        Err(e) if e.is_definitive() => return SelectorOutcome { result, problems },
        Err(e) => {
            result.error = Some(e.to_string());
            problems.push(DkimProblem::LookupFailed {
                name: name.into(),
                error: e.to_string(),
            });
            return SelectorOutcome { result, problems };
        }
    };
    if !answer.cname_chain.is_empty() {
        result.cname_target = Some(answer.canonical_name.clone());
    }
    let texts: Vec<Vec<u8>> = answer.txt().map(|t| t.joined()).collect();
    let Some(first) = texts.first() else {
        return SelectorOutcome { result, problems };
    };
    result.found = true;
    if texts.len() > 1 {
        problems.push(DkimProblem::MultipleRecords {
            selector: selector.into(),
            count: texts.len(),
        });
    }
    // The first record that parses is the key (RFC 6376 §3.6.2.2 lets verifiers pick).
    let parsed = texts
        .iter()
        .map(|t| (t, parse_key_record(t)))
        .find(|(_, r)| r.is_ok());
    let (text, rec) = match parsed {
        Some((text, Ok(rec))) => (text, rec),
        _ => {
            let error = parse_key_record(first)
                .err()
                .unwrap_or(DkimRecordError::MissingKey);
            result.record = Some(lossy(first));
            result.error = Some(error.to_string());
            problems.push(DkimProblem::Syntax {
                selector: selector.into(),
                error,
            });
            return SelectorOutcome { result, problems };
        }
    };
    result.record = Some(lossy(text));
    result.testing = rec.testing();
    result.strict = rec.strict();
    result.revoked = rec.revoked();
    result.hash_algorithms = rec.hash_algorithms.clone();
    result.service_types = rec.service_types.clone();
    let declared = rec.key_type.as_deref();
    result.key_type = Some(match declared {
        None => KeyType::Rsa,
        Some(k) if k.eq_ignore_ascii_case("rsa") => KeyType::Rsa,
        Some(k) if k.eq_ignore_ascii_case("ed25519") => KeyType::Ed25519,
        Some(_) => KeyType::Unknown,
    });
    if result.testing {
        problems.push(DkimProblem::Testing {
            selector: selector.into(),
        });
    }
    if !rec.for_email() {
        problems.push(DkimProblem::NotForEmail {
            selector: selector.into(),
        });
    }
    if !rec.hash_algorithms.is_empty()
        && !rec
            .hash_algorithms
            .iter()
            .any(|h| h.eq_ignore_ascii_case("sha256"))
        && rec
            .hash_algorithms
            .iter()
            .any(|h| h.eq_ignore_ascii_case("sha1"))
    {
        problems.push(DkimProblem::Sha1Only {
            selector: selector.into(),
        });
    }
    if result.revoked {
        problems.push(DkimProblem::Revoked {
            selector: selector.into(),
        });
        return SelectorOutcome { result, problems };
    }
    match analyse_key(declared, &rec.public_key) {
        Ok(info) => {
            result.key_type = Some(info.key_type);
            result.key_bits = info.bits;
            match (info.key_type, info.bits) {
                (KeyType::Rsa, Some(bits)) if bits < RSA_MIN_BITS => {
                    result.error = Some(format!(
                        "{bits}-bit RSA key: verifiers must refuse keys under {RSA_MIN_BITS} bits (RFC 8301)"
                    ));
                    problems.push(DkimProblem::KeyTooShort {
                        selector: selector.into(),
                        bits,
                    });
                }
                (KeyType::Rsa, Some(bits)) if bits < RSA_RECOMMENDED_BITS => {
                    problems.push(DkimProblem::KeyWeak {
                        selector: selector.into(),
                        bits,
                    });
                }
                (KeyType::Unknown, _) => problems.push(DkimProblem::UnknownKeyType {
                    selector: selector.into(),
                    key_type: declared.unwrap_or_default().chars().take(32).collect(),
                }),
                _ => {}
            }
        }
        Err(error) => {
            result.error = Some(error.to_string());
            problems.push(DkimProblem::BadKey {
                selector: selector.into(),
                error,
            });
        }
    }
    SelectorOutcome { result, problems }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Green/amber/red/grey from the problems (and whether anything was learned).
pub(crate) fn status_of(severities: impl Iterator<Item = Severity>, known: bool) -> Status {
    let worst = severities.max();
    match worst {
        Some(Severity::Error) => Status::Red,
        Some(Severity::Warning) => Status::Amber,
        _ if !known => Status::Grey,
        _ => Status::Green,
    }
}

impl Evaluator for DkimEvaluator {
    type Output = DkimReport;

    fn poll_query(&mut self) -> Option<Question> {
        self.queue.pop_front()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        let name = lower_name(&question.name);
        if question.record_type != RecordType::Txt {
            return;
        }
        if name == self.domainkey_name && self.domainkey.is_none() {
            self.domainkey = Some(match response {
                Ok(_) | Err(DnsError::NoData { .. }) => Some(true),
                Err(DnsError::NxDomain { .. }) => Some(false),
                Err(_) => None,
            });
            return;
        }
        if let Some(i) = self.selectors.iter().position(|(_, n)| *n == name)
            && self.answers[i].is_none()
        {
            self.answers[i] = Some(judge(&self.selectors[i].0, &name, response));
        }
    }

    fn poll_result(&mut self) -> Option<DkimReport> {
        if self.finished || self.domainkey.is_none() || self.answers.iter().any(Option::is_none) {
            return None;
        }
        self.finished = true;
        let domainkey_exists = self.domainkey.flatten();
        let mut problems = std::mem::take(&mut self.problems);
        let mut selectors = Vec::new();
        let mut any_found = false;
        let mut any_failed = false;
        for outcome in self.answers.drain(..).flatten() {
            any_found |= outcome.result.found;
            any_failed |= outcome.result.error.is_some() && !outcome.result.found;
            if !outcome.result.found && outcome.result.error.is_none() && !self.guessed {
                problems.push(DkimProblem::SelectorNotFound {
                    selector: outcome.result.selector.clone(),
                });
            }
            problems.extend(outcome.problems);
            if outcome.result.found || !self.guessed {
                selectors.push(outcome.result);
            }
        }
        if self.guessed && !any_found && !any_failed {
            problems.push(DkimProblem::NoneFound { domainkey_exists });
        }
        if any_found && domainkey_exists == Some(false) {
            problems.push(DkimProblem::NxDomainAboveKeys {
                name: self.domainkey_name.clone(),
            });
        }
        let known = any_found || (!any_failed && domainkey_exists.is_some());
        let worst = problems.iter().map(DkimProblem::severity).max();
        let status = if !any_found
            && (any_failed || self.guessed && domainkey_exists == Some(true))
            && worst != Some(Severity::Error)
        {
            // Nothing found, and either the lookups failed or the keys hide under
            // selectors not tried: the state of DKIM is unknown.
            Status::Grey
        } else {
            status_of(problems.iter().map(DkimProblem::severity), known)
        };
        Some(DkimReport {
            domain: std::mem::take(&mut self.domain),
            status,
            domainkey_exists,
            selectors,
            selectors_tried: self.selectors.iter().map(|(s, _)| s.clone()).collect(),
            guessed: self.guessed,
            problems,
        })
    }
}
