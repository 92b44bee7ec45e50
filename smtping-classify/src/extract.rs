//! Finding the reply in free text, and normalising text for pattern matching.
//!
//! Only a code in a reply position counts: at the start of the text or of a line, right
//! after a marker such as `said:`, `smtp;` or `<<<`, or followed by a matching enhanced
//! code. Digits inside IP addresses (`192.0.2.550`), dates, times and queue ids
//! (`4Zx550abc`) are never taken for a reply code.

use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use smtping_proto::EnhancedCode;

use crate::model::Stage;

fn automaton(patterns: &[&str]) -> AhoCorasick {
    AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::LeftmostFirst)
        .build(patterns)
        // Built from constant, non-empty ASCII patterns; failure would be a bug caught by
        // every test.
        .unwrap_or_else(|e| panic!("built-in text markers do not compile: {e}"))
}

static MARKER_AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(MARKERS));
static STAGE_AC: LazyLock<AhoCorasick> =
    LazyLock::new(|| automaton(&STAGE_HINTS.iter().map(|(h, _)| *h).collect::<Vec<_>>()));

/// Longest text examined; longer input is cut (at a character boundary).
pub(crate) const MAX_TEXT: usize = 64 * 1024;

/// What free text says.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) code: Option<u16>,
    pub(crate) enhanced: Option<EnhancedCode>,
    pub(crate) stage: Option<Stage>,
}

/// Markers after which a reply code follows (matched ASCII case-insensitively).
const MARKERS: &[&str] = &[
    "said:",
    "smtp;",
    "x-postfix;",
    "x-unix;",
    "returned '",
    "returned \"",
    "refused to talk to me:",
    "<<<",
    "reason:",
    "response:",
    "response was:",
    "error:",
    "diagnostic-code:",
];

fn is_code_at(b: &[u8], i: usize) -> Option<u16> {
    let d = b.get(i..i + 3)?;
    if !(matches!(d[0], b'2'..=b'5') && matches!(d[1], b'0'..=b'5') && d[2].is_ascii_digit()) {
        return None;
    }
    if i > 0 {
        let prev = b[i - 1];
        if prev.is_ascii_alphanumeric()
            || matches!(prev, b'.' | b':' | b'-' | b'/' | b'#' | b'_' | b'+' | b'=')
        {
            return None;
        }
    }
    match b.get(i + 3) {
        None | Some(b' ' | b'-' | b'\t' | b'\r' | b'\n') => {}
        _ => return None,
    }
    Some(u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0'))
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// An enhanced code right after the reply code at `i` (`550 5.1.1`, `550-5.7.26`).
fn enhanced_after(b: &[u8], i: usize, code: u16) -> Option<EnhancedCode> {
    let j = skip_ws(b, i + 4);
    let (e, _) = EnhancedCode::parse_prefix(trim_token_end(&b[j.min(b.len())..]))?;
    (u16::from(e.class()) == code / 100).then_some(e)
}

/// Cuts `b` at the end of a leading `[0-9.]` token, minus one trailing dot, so that
/// `5.1.1.` and `5.1.1)` parse like `5.1.1`.
fn trim_token_end(b: &[u8]) -> &[u8] {
    let end = b
        .iter()
        .position(|c| !(c.is_ascii_digit() || *c == b'.'))
        .unwrap_or(b.len());
    let tok = &b[..end];
    tok.strip_suffix(b".").unwrap_or(tok)
}

/// Finds the reply code (and its offset) in a text.
fn find_code(hay: &[u8]) -> Option<(u16, usize)> {
    // 1. Right after a marker (the earliest marker followed by a code wins).
    let mut best: Option<(usize, u16, usize)> = None;
    for m in MARKER_AC.find_iter(hay) {
        let at = skip_ws(hay, m.end());
        if let Some(code) = is_code_at(hay, at) {
            best = Some((m.start(), code, at));
            break;
        }
    }
    // Exim: "SMTP error from remote mail server after RCPT TO:<a@b>:" then the reply.
    if let Some(pos) = find_ci(hay, b"remote mail server after")
        && let Some(colon) = find_exim_colon(&hay[pos..])
    {
        let at = skip_ws(hay, pos + colon + 1);
        if let Some(code) = is_code_at(hay, at)
            && best.is_none_or(|(p, _, _)| pos < p)
        {
            best = Some((pos, code, at));
        }
    }
    // 2. At the start of the text or of a line.
    let mut line_start = None;
    let mut i = 0;
    while i < hay.len() {
        let at = skip_ws_inline(hay, i);
        if let Some(code) = is_code_at(hay, at) {
            line_start = Some((code, at));
            break;
        }
        match memchr::memchr(b'\n', &hay[i..]) {
            Some(n) => i += n + 1,
            None => break,
        }
    }
    match (best, line_start) {
        (Some((_, code, at)), Some((_, ls))) if at <= ls => return Some((code, at)),
        (Some((_, code, at)), None) => return Some((code, at)),
        (_, Some((code, at))) => return Some((code, at)),
        (None, None) => {}
    }
    // 3. Anywhere, but only when followed by an enhanced code of the same class.
    let mut from = 0;
    while from + 3 <= hay.len() {
        let at = from + hay[from..].iter().position(|c| matches!(c, b'2'..=b'5'))?;
        if let Some(code) = is_code_at(hay, at)
            && enhanced_after(hay, at, code).is_some()
        {
            return Some((code, at));
        }
        from = at + 1;
    }
    None
}

fn skip_ws_inline(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r') {
        i += 1;
    }
    i
}

/// In `after RCPT TO:<a@b>: 550 …` finds the colon that ends the command part.
fn find_exim_colon(b: &[u8]) -> Option<usize> {
    let window = &b[..b.len().min(600)];
    let mut depth = 0u32;
    for (i, c) in window.iter().enumerate() {
        match c {
            b'<' => depth += 1,
            b'>' => depth = depth.saturating_sub(1),
            // The colon of "TO:<…>" / "FROM:<…>" is followed by '<'.
            b':' if depth == 0 && window.get(i + 1) != Some(&b'<') => return Some(i),
            _ => {}
        }
    }
    None
}

/// The first enhanced code that stands alone as a token (`Status: 5.1.1`, `(#5.1.1)`),
/// preferring one after `status:`; with `class`, only codes of that class.
fn find_enhanced(hay: &[u8], class: Option<u8>) -> Option<EnhancedCode> {
    if let Some(pos) = find_ci(hay, b"status:") {
        let at = skip_ws(hay, pos + 7);
        if let Some((e, _)) = EnhancedCode::parse_prefix(trim_token_end(&hay[at..]))
            && class.is_none_or(|c| c == e.class())
        {
            return Some(e);
        }
    }
    let mut from = 0;
    while from < hay.len() {
        let at = from
            + hay[from..]
                .iter()
                .position(|c| matches!(c, b'2' | b'4' | b'5'))?;
        let boundary = at == 0
            || matches!(
                hay[at - 1],
                b' ' | b'\t' | b'\n' | b'\r' | b'(' | b'[' | b'#' | b'"' | b'\'' | b';'
            );
        if boundary {
            let tok = trim_token_end(&hay[at..]);
            let next = hay.get(at + tok.len()).copied();
            let ends = matches!(
                next,
                None | Some(
                    b' ' | b'\t' | b'\r' | b'\n' | b')' | b']' | b';' | b',' | b'.' | b'"' | b'\''
                )
            );
            if ends
                && let Ok(e) = core::str::from_utf8(tok)
                    .unwrap_or("")
                    .parse::<EnhancedCode>()
                && class.is_none_or(|c| c == e.class())
            {
                return Some(e);
            }
        }
        from = at + 1;
    }
    None
}

const STAGE_HINTS: &[(&str, Stage)] = &[
    ("in reply to rcpt to command", Stage::Rcpt),
    ("in reply to mail from command", Stage::Mail),
    ("in reply to end of data command", Stage::DataEnd),
    ("in reply to data command", Stage::Data),
    ("in reply to ehlo command", Stage::Ehlo),
    ("in reply to helo command", Stage::Ehlo),
    ("in reply to starttls command", Stage::Starttls),
    ("in reply to auth command", Stage::Auth),
    ("in reply to quit command", Stage::Quit),
    ("in reply to initial greeting", Stage::Greeting),
    ("refused to talk to me", Stage::Greeting),
    ("sasl authentication failed", Stage::Auth),
    ("remote mail server after rcpt to", Stage::Rcpt),
    ("remote mail server after pipelined rcpt to", Stage::Rcpt),
    ("remote mail server after mail from", Stage::Mail),
    ("remote mail server after pipelined mail from", Stage::Mail),
    ("remote mail server after end of data", Stage::DataEnd),
    ("remote mail server after pipelined data", Stage::Data),
    ("remote mail server after data", Stage::Data),
    (
        "remote mail server after initial connection",
        Stage::Greeting,
    ),
    ("remote mail server after ehlo", Stage::Ehlo),
    ("remote mail server after helo", Stage::Ehlo),
    ("remote mail server after starttls", Stage::Starttls),
    ("remote mail server after auth", Stage::Auth),
    (">>> rcpt to:", Stage::Rcpt),
    (">>> mail from:", Stage::Mail),
    (">>> data", Stage::Data),
    (">>> . <<<", Stage::DataEnd),
];

/// Stage hints in a normalised (single-spaced) text: the earliest hint wins.
pub(crate) fn stage_hint(norm: &str) -> Option<Stage> {
    STAGE_AC
        .find(norm)
        .map(|m| STAGE_HINTS[m.pattern().as_usize()].1)
}

/// ASCII case-insensitive substring search.
fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Cuts text to at most [`MAX_TEXT`] bytes at a character boundary.
pub(crate) fn bounded(text: &str) -> &str {
    if text.len() <= MAX_TEXT {
        return text;
    }
    let mut end = MAX_TEXT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Finds code, enhanced code and stage in free text.
pub(crate) fn find(text: &str, norm: &str) -> Found {
    let hay = text.as_bytes();
    let code = find_code(hay);
    let enhanced = match code {
        Some((c, at)) => enhanced_after(hay, at, c).or_else(|| {
            // A code elsewhere (DSN `Status:`, qmail `(#5.1.1)`) counts only in the same class.
            find_enhanced(hay, u8::try_from(c / 100).ok())
        }),
        None => find_enhanced(hay, None),
    };
    Found {
        code: code.map(|(c, _)| c),
        enhanced,
        stage: stage_hint(norm),
    }
}

/// A reply quoted inside another one: `… last error: 550 5.1.1 …`, `Error: 535 5.7.139 …`,
/// `-> 550 5.2.2 …`, `responded with: "550 5.1.1 …"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Inner {
    pub(crate) code: u16,
    pub(crate) enhanced: Option<EnhancedCode>,
}

/// Finds the first quoted inner reply in a *normalised* text (whose own leading code is
/// already removed). Only a code right after a quoting character (`:`, `'`, `"`, `>`,
/// `(`) and at most one space counts, and it must carry an enhanced code of its class —
/// except `535`, which says enough alone. The outer reply (same code and enhanced code)
/// is skipped. A DSN's `smtp; 550 …` is not quoted (`;`), and
/// digits in addresses, times and ports are not followed by an enhanced code.
pub(crate) fn inner_reply(
    norm: &str,
    outer_code: Option<u16>,
    outer_enhanced: Option<EnhancedCode>,
) -> Option<Inner> {
    let b = norm.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let q = i + b[i..]
            .iter()
            .position(|c| matches!(c, b':' | b'\'' | b'"' | b'>' | b'('))?;
        let mut j = q + 1;
        if b.get(j) == Some(&b' ') {
            j += 1;
        }
        if let Some(d) = b.get(j..j + 3)
            && matches!(d[0], b'4' | b'5')
            && matches!(d[1], b'0'..=b'5')
            && d[2].is_ascii_digit()
            && matches!(b.get(j + 3), Some(b' ' | b'-'))
        {
            let code =
                u16::from(d[0] - b'0') * 100 + u16::from(d[1] - b'0') * 10 + u16::from(d[2] - b'0');
            let enhanced = enhanced_after(b, j, code);
            // The outer reply itself may stand after a marker (`said: 550 5.1.1`).
            let is_outer = Some(code) == outer_code && enhanced == outer_enhanced;
            if !is_outer && (enhanced.is_some() || code == 535) {
                return Some(Inner { code, enhanced });
            }
        }
        i = q + 1;
    }
    None
}

/// Appends one line of reply text to `out`, normalised: leading reply code and enhanced
/// code removed, whitespace collapsed, ASCII lowercased.
pub(crate) fn push_normalised_line(out: &mut String, line: &str, strip_code: bool) {
    let mut s = line.trim_start_matches([' ', '\t']);
    let b = s.as_bytes();
    if strip_code && is_code_at(b, 0).is_some() {
        s = s.get(4.min(s.len())..).unwrap_or("");
    }
    let t = s.trim_start_matches([' ', '\t']);
    if let Some((_, n)) = EnhancedCode::parse_prefix(t.as_bytes()) {
        s = &t[n..];
    }
    for word in s.split_ascii_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for ch in word.chars() {
            out.push(ch.to_ascii_lowercase());
        }
    }
}

/// Normalises free text for matching: every line through [`push_normalised_line`].
pub(crate) fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        push_normalised_line(&mut out, line, true);
    }
    out
}

#[cfg(test)]
mod tests;
