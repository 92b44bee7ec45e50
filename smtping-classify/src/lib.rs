//! # smtping-classify
//!
//! Pure decoding of SMTP outcomes: turn `550 5.7.26 …` into what a person needs —
//! *accepted*, *deferred* or *bounced*; **why** (one [`Reason`] from a fixed vocabulary);
//! whether retrying can ever work ([`Classification::hard`]); and one sentence each of
//! explanation and remediation. No I/O.
//!
//! - [`classify`] takes a parsed [`Reply`]; [`classify_text`] takes free text holding
//!   a reply: a raw reply (multi-line joined with CRLF), a DSN `Diagnostic-Code`
//!   (`smtp; 550 5.1.1 …`), Postfix's `host X said: 550 … (in reply to RCPT TO command)`,
//!   Exim's `SMTP error from remote mail server after RCPT TO:<…>: 550 …`, or text with
//!   only an enhanced code (`Status: 5.1.1`).
//! - [`registry`]: the full IANA enhanced status code registry and the basic reply codes,
//!   each with a plain-language explanation.
//! - [`rules`]: provider and MTA rule tables (Google, Microsoft, Yahoo, Apple, Proofpoint,
//!   Mimecast, blocklists, Postfix/Exim/Sendmail/Exchange/greylisting defaults).
//! - [`dsn`]: RFC 3464 delivery status notifications, parsed and classified per recipient.
//!
//! ```
//! use smtping_classify::{classify_text, Context, Outcome, Provider, Reason, Stage};
//!
//! let text = "host gmail-smtp-in.l.google.com[192.0.2.26] said: 550-5.7.26 This mail has been \
//!             blocked because the sender is unauthenticated. Gmail requires all senders to \
//!             authenticate with either SPF or DKIM. - gsmtp (in reply to end of DATA command)";
//! let c = classify_text(text, &Context::default());
//! assert_eq!(c.outcome, Outcome::Bounced);
//! assert_eq!(c.reason, Reason::SenderUnauthenticated);
//! assert_eq!(c.code, Some(550));
//! assert_eq!(c.enhanced.unwrap().to_string(), "5.7.26");
//! assert_eq!(c.provider, Some(Provider::Google));
//! assert_eq!(c.stage, Some(Stage::DataEnd));
//! assert!(!c.hard); // fixing SPF/DKIM makes a retry succeed
//!
//! // The same code means something else elsewhere: 5.1.10 is "null MX" in the registry,
//! // "recipient not found" at Microsoft.
//! let ctx = Context::new().remote_host("contoso-com.mail.protection.outlook.com");
//! let ms = classify_text("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found", &ctx);
//! assert_eq!((ms.reason, ms.hard), (Reason::MailboxUnknown, true));
//! let iana = classify_text("556 5.1.10 Recipient address has null MX", &Context::default());
//! assert_eq!(iana.reason, Reason::NullMx);
//! ```
//!
//! ## Decision order
//!
//! 1. **Outcome** from the basic reply code: 2xx and 3xx accepted (a 3xx such as `354`
//!    is a positive intermediate reply: the step was accepted), 4xx deferred, 5xx bounced.
//!    Text with only an enhanced code takes the outcome from its class; text with neither
//!    is [`Outcome::Unknown`]. An accepted outcome always has reason `accepted`.
//! 2. **Reason**, first that fits: a quoted inner reply (a `535` inside a `530`; a
//!    specific code quoted after a wrapper such as `5.4.7`) → provider rules (only for
//!    providers recognised from the text, the remote host or the recipient domain) →
//!    exact texts (named blocklists, MTA component-tagged texts) → a *specific*
//!    enhanced code from the registry, unless *decisive* text naming the cause (the
//!    failed SPF/DKIM/DMARC/PTR/TLS check, "recipient not found", a sending limit,
//!    reputation, a header defect) disagrees → generic MTA text patterns → a *generic*
//!    enhanced code (`X.7.1`, `X.Y.0`) → the basic code with the stage → `unknown`.
//!    At the MAIL stage an address problem is the sender's ([`Reason::SenderRejected`]).
//! 3. **hard** is `true` only for a bounce (5xx) whose reason means the address itself can
//!    never work: `mailbox_unknown`, `mailbox_moved`, `domain_unknown`, `null_mx`,
//!    `bad_address`. Blocks, policy, authentication, content and quota refusals are not
//!    hard: a fix on the sending side, or time, can make a later attempt succeed. A
//!    disabled mailbox is not hard either (accounts get re-enabled).
//!
//! A 5xx reply whose text speaks of a temporary condition ("try again later",
//! "permanently deferred") stays *bounced*, and the explanation says so; a 4xx whose text
//! says retrying will not help stays *deferred*, also with a note.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod bounce;
pub mod dsn;
mod extract;
mod model;
pub mod receiver;
pub mod registry;
pub mod rules;

use smtping_proto::{EnhancedCode, Reply};

pub use model::{Classification, Context, Outcome, ParseNameError, Provider, Reason, Stage};

use crate::registry::Strength;
use crate::rules::{COMPILED, Phase, Rule};

/// Classifies a parsed reply.
///
/// ```
/// use smtping_classify::{classify, Context, Outcome, Reason, Stage};
/// use smtping_proto::parse_reply;
///
/// let (reply, _) = parse_reply(b"452 4.5.3 Too many recipients\r\n").unwrap().unwrap();
/// let c = classify(&reply, &Context::new().stage(Stage::Rcpt));
/// assert_eq!((c.outcome, c.reason), (Outcome::Deferred, Reason::TooManyRecipients));
/// ```
#[must_use]
pub fn classify(reply: &Reply<'_>, ctx: &Context<'_>) -> Classification {
    let mut norm = String::with_capacity(reply.as_bytes().len().min(extract::MAX_TEXT));
    for line in reply.lines() {
        if norm.len() >= extract::MAX_TEXT {
            break;
        }
        let line = String::from_utf8_lossy(line);
        extract::push_normalised_line(&mut norm, extract::bounded(&line), false);
    }
    let stage = ctx.stage.or_else(|| extract::stage_hint(&norm));
    decide(Some(reply.code()), reply.enhanced(), &norm, stage, ctx)
}

/// Classifies free text that holds a reply (see the [crate docs](crate) for the forms
/// recognised). Input beyond 64 KiB is ignored.
///
/// ```
/// use smtping_classify::{classify_text, Context, Outcome, Reason, Stage};
///
/// let c = classify_text(
///     "Diagnostic-Code: smtp; 552 5.2.2 <carol@example.org>: mailbox full",
///     &Context::default(),
/// );
/// assert_eq!((c.outcome, c.reason, c.hard), (Outcome::Bounced, Reason::MailboxFull, false));
///
/// let c = classify_text("Status: 5.1.1", &Context::default());
/// assert_eq!((c.outcome, c.reason, c.code), (Outcome::Bounced, Reason::MailboxUnknown, None));
/// ```
#[must_use]
pub fn classify_text(text: &str, ctx: &Context<'_>) -> Classification {
    let text = extract::bounded(text);
    let norm = extract::normalise(text);
    let found = extract::find(text, &norm);
    let stage = ctx.stage.or(found.stage);
    decide(found.code, found.enhanced, &norm, stage, ctx)
}

/// Where the reason came from.
enum Source {
    Rule(&'static Rule),
    Registry(EnhancedCode, &'static registry::Entry),
    /// The enhanced code of a reply quoted inside this one (`554 5.4.7 … last error: 550
    /// 5.1.1 …`), when the outer code only says "it failed on the way".
    Inner(EnhancedCode, &'static registry::Entry),
    /// A `535` quoted inside a `530`: authentication was tried and refused.
    InnerBasic(u16),
    Basic(u16),
    Nothing,
}

const HARD: &[Reason] = &[
    Reason::MailboxUnknown,
    Reason::MailboxMoved,
    Reason::DomainUnknown,
    Reason::NullMx,
    Reason::BadAddress,
];

fn decide(
    code: Option<u16>,
    enhanced: Option<EnhancedCode>,
    norm: &str,
    stage: Option<Stage>,
    ctx: &Context<'_>,
) -> Classification {
    let outcome = match (code, enhanced) {
        (Some(c), _) => Outcome::from_code(c),
        (None, Some(e)) => Outcome::from_class(e.class()),
        (None, None) => Outcome::Unknown,
    };
    let class: Option<u8> = match (code, enhanced) {
        (Some(c), _) => u8::try_from(c / 100).ok(),
        (None, Some(e)) => Some(e.class()),
        (None, None) => None,
    };

    let compiled = &*COMPILED;
    let matches = compiled.scan(norm.as_bytes());
    let mut providers = compiled.providers_in_text(&matches);
    if let Some(h) = ctx.remote_host {
        providers |= rules::providers_for_host(h);
    }
    if let Some(d) = ctx.recipient_domain {
        providers |= rules::providers_for_host(d);
    }

    let (reason, source) = if outcome == Outcome::Accepted {
        let src = match (enhanced, code) {
            (Some(e), _) if registry::lookup(e).is_some_and(|x| x.reason == Reason::Accepted) => {
                registry::lookup(e).map_or(Source::Nothing, |x| Source::Registry(e, x))
            }
            (_, Some(c)) => Source::Basic(c),
            _ => Source::Nothing,
        };
        (Reason::Accepted, src)
    } else {
        let inner = extract::inner_reply(norm, code, enhanced);
        // A quoted inner code decides instead of an outer one that only says the delivery
        // failed on the way (X.4.x, X.0.x, a catch-all, or none).
        let inner_entry = inner
            .and_then(|i| i.enhanced)
            .filter(|ei| Some(*ei) != enhanced && is_wrapper(enhanced))
            .and_then(|ei| registry::lookup(ei).map(|x| (ei, x)))
            .filter(|(_, x)| {
                x.strength == Strength::Specific
                    && !matches!(x.reason, Reason::Accepted | Reason::Unknown)
            });
        let enhanced_for_reason = inner_entry.map_or(enhanced, |(ei, _)| Some(ei));
        let registry_entry = match inner_entry {
            Some(found) => Some(found),
            None => enhanced
                .and_then(|e| registry::lookup(e).map(|x| (e, x)))
                .filter(|(_, x)| !matches!(x.reason, Reason::Accepted | Reason::Unknown)),
        };
        let registry_source = |e, x| {
            if inner_entry.is_some() {
                Source::Inner(e, x)
            } else {
                Source::Registry(e, x)
            }
        };
        let first = |phase, decisive_only| {
            compiled.first_match(
                phase,
                decisive_only,
                &matches,
                providers,
                enhanced_for_reason,
                class,
            )
        };
        // Text that names the cause (the failed check, a sending limit, reputation, a
        // header defect) beats a code's meaning when the two disagree.
        let decisive = |code_reason: Reason| {
            first(Phase::Generic, true).filter(|r: &&Rule| r.reason != code_reason)
        };
        if code == Some(530) && inner.is_some_and(|i| i.code == 535) {
            (Reason::AuthFailed, Source::InnerBasic(535))
        } else if let Some(rule) = first(Phase::Provider, false) {
            // A provider's bare "policy" code (Yahoo's 5.7.9) says less than text naming
            // the failed check.
            let bare_policy = rule.pattern.is_none() && rule.reason == Reason::PolicyRejected;
            match bare_policy.then(|| decisive(rule.reason)).flatten() {
                Some(d) => (d.reason, Source::Rule(d)),
                None => (rule.reason, Source::Rule(rule)),
            }
        } else if let Some(rule) = first(Phase::Exact, false) {
            (rule.reason, Source::Rule(rule))
        } else if let Some((e, x)) =
            registry_entry.filter(|(_, x)| x.strength == Strength::Specific)
        {
            match decisive(x.reason) {
                Some(d) => (d.reason, Source::Rule(d)),
                None => (x.reason, registry_source(e, x)),
            }
        } else if let Some(rule) = first(Phase::Generic, false) {
            (rule.reason, Source::Rule(rule))
        } else if let Some((e, x)) = registry_entry {
            (x.reason, registry_source(e, x))
        } else if let Some(r) = code.and_then(|c| basic_reason(c, stage)) {
            (r, Source::Basic(code.unwrap_or_default()))
        } else {
            (Reason::Unknown, code.map_or(Source::Nothing, Source::Basic))
        }
    };

    // At MAIL FROM, an address problem is the sender's, whatever wording says "mailbox".
    let from_provider = matches!(source, Source::Rule(r) if r.provider.is_some());
    let reason = if stage == Some(Stage::Mail)
        && !from_provider
        && matches!(
            reason,
            Reason::MailboxUnknown | Reason::DomainUnknown | Reason::BadAddress | Reason::NullMx
        ) {
        Reason::SenderRejected
    } else {
        reason
    };
    let sender_override = matches!(&source, Source::Rule(r) if r.reason != reason)
        || matches!(&source, Source::Registry(_, x) | Source::Inner(_, x) if x.reason != reason)
        || (matches!(source, Source::Basic(_)) && reason == Reason::SenderRejected);

    let (mut explanation, remediation, matched_rule, provider) = match &source {
        _ if sender_override => (
            reason.default_explanation().to_owned(),
            reason.default_remediation().to_owned(),
            source_id(&source),
            rules::first_provider(providers),
        ),
        Source::Rule(r) => (
            nonempty(r.explanation, reason.default_explanation()),
            nonempty(r.remediation, reason.default_remediation()),
            Some(r.id.to_owned()),
            r.provider.or_else(|| rules::first_provider(providers)),
        ),
        Source::Registry(_, x) | Source::Inner(_, x) => (
            x.explanation.to_owned(),
            reason.default_remediation().to_owned(),
            source_id(&source),
            rules::first_provider(providers),
        ),
        Source::Basic(c) | Source::InnerBasic(c) => (
            registry::basic(*c)
                .map_or_else(|| basic_class_explanation(*c), |b| b.explanation.to_owned()),
            reason.default_remediation().to_owned(),
            source_id(&source),
            rules::first_provider(providers),
        ),
        Source::Nothing => (
            match enhanced {
                Some(e) => registry::describe(e),
                None => reason.default_explanation().to_owned(),
            },
            reason.default_remediation().to_owned(),
            None,
            rules::first_provider(providers),
        ),
    };
    add_honesty_note(&mut explanation, outcome, norm);

    Classification {
        outcome,
        reason,
        code,
        enhanced,
        hard: is_hard(outcome, reason),
        provider,
        explanation,
        remediation,
        stage,
        matched_rule,
    }
}

/// `true` when an outer enhanced code only says that delivery failed on the way
/// (network and routing X.4.x, X.0.x, a registered catch-all such as X.7.1, or none), so
/// a reply quoted inside it says more.
fn is_wrapper(outer: Option<EnhancedCode>) -> bool {
    outer.is_none_or(|e| {
        matches!(e.subject(), 0 | 4)
            || registry::lookup(e).is_some_and(|x| x.strength == Strength::Generic)
    })
}

/// `true` when `outcome` and `reason` mean the address itself can never work.
pub(crate) fn is_hard(outcome: Outcome, reason: Reason) -> bool {
    outcome == Outcome::Bounced && HARD.contains(&reason)
}

fn source_id(source: &Source) -> Option<String> {
    match source {
        Source::Rule(r) => Some(r.id.to_owned()),
        Source::Registry(e, x) => {
            Some(format!("registry.{}.{}.{}", e.class(), x.subject, x.detail))
        }
        Source::Inner(e, x) => Some(format!("inner.{}.{}.{}", e.class(), x.subject, x.detail)),
        Source::Basic(c) => Some(format!("basic.{c}")),
        Source::InnerBasic(c) => Some(format!("inner.{c}")),
        Source::Nothing => None,
    }
}

fn nonempty(s: &str, default: &str) -> String {
    if s.is_empty() { default } else { s }.to_owned()
}

fn basic_class_explanation(code: u16) -> String {
    match code / 100 {
        2 => "The server accepted this step.".to_owned(),
        3 => "The server accepted this step and waits for more input.".to_owned(),
        4 => format!(
            "The server refused for now with {code}, a temporary failure code; a later retry may succeed."
        ),
        5 => format!("The server refused with {code}, a permanent failure code."),
        _ => format!("{code} is not a standard SMTP reply code."),
    }
}

/// The reason the basic code implies on its own, given the stage.
fn basic_reason(code: u16, stage: Option<Stage>) -> Option<Reason> {
    use Reason::*;
    let data = matches!(stage, Some(Stage::Data | Stage::DataEnd));
    Some(match code {
        421 => ServiceUnavailable,
        451 | 453 | 454 => SystemError,
        452 if stage == Some(Stage::Rcpt) => TooManyRecipients,
        452 => SystemError,
        455 | 458 | 459 | 500..=503 | 555 => ProtocolError,
        504 if stage == Some(Stage::Auth) => AuthFailed,
        504 => ProtocolError,
        521 => ServiceUnavailable,
        523 | 524 | 538 => TlsRequired,
        525 if stage == Some(Stage::Auth) => AuthFailed,
        525 => MailboxDisabled,
        530 => AuthRequired,
        432 | 534 | 535 => AuthFailed,
        551 => MailboxMoved,
        552 if stage == Some(Stage::Rcpt) => MailboxFull,
        552 => MessageTooLarge,
        553 if stage == Some(Stage::Mail) => SenderRejected,
        553 => BadAddress,
        554 if matches!(stage, Some(Stage::Connect | Stage::Greeting)) => ServiceUnavailable,
        554 if data => ContentRejected,
        556 => NullMx,
        _ => return None,
    })
}

const TEMPORARY_WORDS: &[&str] = &[
    "deferred",
    "try again later",
    "please try again",
    "temporarily",
    "temporary",
    "retry later",
];
const PERMANENT_WORDS: &[&str] = &[
    "permanently deferred",
    "will not succeed",
    "permanent failure",
    "permanently rejected",
    "do not retry",
    "don't retry",
    "not be retried",
];

static TEMPORARY_AC: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| word_automaton(TEMPORARY_WORDS));
static PERMANENT_AC: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| word_automaton(PERMANENT_WORDS));

fn word_automaton(words: &[&str]) -> aho_corasick::AhoCorasick {
    aho_corasick::AhoCorasick::new(words)
        // Constant, non-empty ASCII words: building cannot fail short of a bug that every
        // test would catch.
        .unwrap_or_else(|e| panic!("built-in word list does not compile: {e}"))
}

/// Adds a note when the code and the words disagree about retrying.
fn add_honesty_note(explanation: &mut String, outcome: Outcome, norm: &str) {
    let note = match outcome {
        Outcome::Bounced if TEMPORARY_AC.is_match(norm) => {
            " (the text speaks of a deferral or a temporary condition, but the 5xx code makes this a permanent failure: the server will refuse the same attempt again)"
        }
        Outcome::Deferred if PERMANENT_AC.is_match(norm) => {
            " (the 4xx code is temporary, but the text says retrying will not help until the cause is fixed)"
        }
        _ => return,
    };
    if explanation.ends_with('.') {
        explanation.pop();
    }
    explanation.push_str(note);
    explanation.push('.');
}
