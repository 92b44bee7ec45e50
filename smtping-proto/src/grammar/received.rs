//! `Received` trace fields (RFC 5321 §4.4, RFC 5322 §3.6.7), read tolerantly.
//!
//! ```text
//! Received: from mail.example.com (mail.example.com [192.0.2.1])
//!         by mx.example.org (Postfix) with ESMTPS id 4Xyz1 for <bob@example.org>;
//!         Tue, 1 Dec 2026 14:02:07 +0000 (UTC)
//! ```
//!
//! [`Received::parse`] takes the unfolded value and reads the `from`, `by`, `via`, `with`,
//! `id` and `for` clauses in any order (each one word, its comments kept), the address
//! literal of the `from` clause's comment (`[192.0.2.1]`, `[IPv6:2001:db8::1]`), and the
//! date after the last `;`. Anything it does not recognise is left alone; the whole value
//! stays in [`Received::raw`]. Values are bounded by the input (callers bound that, as
//! [`super::headers::HeaderBlock`] does).
//!
//! ```
//! use smtping_proto::grammar::received::Received;
//!
//! let r = Received::parse("from mail.example.com (mail.example.com [192.0.2.1]) by mx.example.org (Postfix) \
//!     with ESMTPS id 4Xyz1 for <bob@example.org>; Tue, 1 Dec 2026 14:02:07 +0000 (UTC)");
//! assert_eq!(r.from.as_deref(), Some("mail.example.com"));
//! assert_eq!(r.from_ip.as_deref(), Some("192.0.2.1"));
//! assert_eq!(r.by.as_deref(), Some("mx.example.org"));
//! assert_eq!(r.with.as_deref(), Some("ESMTPS"));
//! assert_eq!(r.id.as_deref(), Some("4Xyz1"));
//! assert_eq!(r.for_recipient.as_deref(), Some("bob@example.org"));
//! assert_eq!(r.date.as_deref(), Some("Tue, 1 Dec 2026 14:02:07 +0000 (UTC)"));
//! ```

use alloc::borrow::ToOwned;
use alloc::string::String;
use alloc::vec::Vec;

use super::auth_results::sp;

/// Most comments kept per field.
const MAX_COMMENTS: usize = 16;

/// One parsed `Received` field (serialisable with the `serde` feature; the report's
/// `received[]`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Received {
    /// The `from` clause: the name the sending client gave (its HELO/EHLO).
    pub from: Option<String>,
    /// The address literal in the `from` clause's comment (the client's IP as the
    /// receiver saw it), without brackets or the `IPv6:` tag.
    pub from_ip: Option<String>,
    /// The `by` clause: the receiving host.
    pub by: Option<String>,
    /// The `via` clause.
    pub via: Option<String>,
    /// The `with` clause: the protocol (`ESMTP`, `ESMTPS`, `ESMTPSA`, `LMTP`, …).
    pub with: Option<String>,
    /// The `id` clause: the receiver's queue id.
    pub id: Option<String>,
    /// The `for` clause, angle brackets removed.
    pub for_recipient: Option<String>,
    /// The date after the last `;`, as written.
    pub date: Option<String>,
    /// The comments, in order, without parentheses (TLS details, software names, …).
    pub comments: Vec<String>,
    /// The whole value.
    pub raw: String,
}

impl Received {
    /// Reads an unfolded `Received` value. Never fails: what is not understood is left
    /// out, and `raw` keeps everything.
    #[must_use]
    pub fn parse(value: &str) -> Self {
        let mut out = Self {
            raw: value.trim().to_owned(),
            ..Self::default()
        };
        let bytes = value.as_bytes();
        let (clauses, date) = match last_semicolon(bytes) {
            Some(n) => (&bytes[..n], Some(&bytes[n + 1..])),
            None => (bytes, None),
        };
        out.date = date
            .map(|d| String::from_utf8_lossy(d.trim_ascii()).into_owned())
            .filter(|d| !d.is_empty());
        let mut i = clauses;
        let mut last: Option<Clause> = None;
        loop {
            let (rest, comments) = sp(i);
            for c in comments {
                if matches!(last, Some(Clause::From)) && out.from_ip.is_none() {
                    out.from_ip = address_literal(c);
                }
                if out.comments.len() < MAX_COMMENTS {
                    out.comments
                        .push(String::from_utf8_lossy(c).trim().to_owned());
                }
            }
            i = rest;
            if i.is_empty() {
                break;
            }
            let (rest, w) = word(i);
            if w.is_empty() {
                // An unterminated comment or a stray `)`: skip one byte.
                i = &i[1..];
                continue;
            }
            i = rest;
            let Some(clause) = Clause::from_word(w) else {
                last = None;
                continue;
            };
            let (rest, comments) = sp(i);
            if !comments.is_empty() {
                // `from (comment)`: no word for this clause; let the loop keep the comments.
                last = Some(clause);
                continue;
            }
            let (rest, v) = word(rest);
            i = rest;
            last = Some(clause);
            if v.is_empty() {
                continue;
            }
            let v = String::from_utf8_lossy(v).into_owned();
            let slot = match clause {
                Clause::From => &mut out.from,
                Clause::By => &mut out.by,
                Clause::Via => &mut out.via,
                Clause::With => &mut out.with,
                Clause::Id => &mut out.id,
                Clause::For => &mut out.for_recipient,
            };
            if slot.is_none() {
                *slot = Some(match clause {
                    Clause::For => v.trim_start_matches('<').trim_end_matches('>').to_owned(),
                    _ => v,
                });
            }
        }
        out
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Clause {
    From,
    By,
    Via,
    With,
    Id,
    For,
}

impl Clause {
    fn from_word(w: &[u8]) -> Option<Self> {
        Some(match w.to_ascii_lowercase().as_slice() {
            b"from" => Self::From,
            b"by" => Self::By,
            b"via" => Self::Via,
            b"with" => Self::With,
            b"id" => Self::Id,
            b"for" => Self::For,
            _ => return None,
        })
    }
}

/// A run of bytes up to whitespace or `(`.
fn word(i: &[u8]) -> (&[u8], &[u8]) {
    let n = i
        .iter()
        .position(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'('))
        .unwrap_or(i.len());
    (&i[n..], &i[..n])
}

/// The last `;` outside comments: where the date starts.
fn last_semicolon(b: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut last = None;
    let mut n = 0;
    while n < b.len() {
        match b[n] {
            b'\\' => n += 1,
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => last = Some(n),
            _ => {}
        }
        n += 1;
    }
    last
}

/// The text of the first `[...]` in a comment, `IPv6:` removed.
fn address_literal(comment: &[u8]) -> Option<String> {
    let open = comment.iter().position(|&b| b == b'[')?;
    let len = comment[open + 1..].iter().position(|&b| b == b']')?;
    let lit = &comment[open + 1..open + 1 + len];
    let lit = if lit.len() > 5 && lit[..5].eq_ignore_ascii_case(b"ipv6:") {
        &lit[5..]
    } else {
        lit
    };
    (!lit.is_empty() && lit.len() <= 64).then(|| String::from_utf8_lossy(lit).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postfix_with_tls_comment() {
        let r = Received::parse(
            "from mail-wr1-f41.google.com (mail-wr1-f41.google.com [IPv6:2a00:1450:4864:20::441])\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\t key-exchange X25519 server-signature RSA-PSS (2048 bits))\t(No client certificate requested)\tby mx.example.org (Postfix) with ESMTPS id 4Xyz1\tfor <bob@example.org>; Tue,  1 Dec 2026 14:02:07 +0000 (UTC)",
        );
        assert_eq!(r.from.as_deref(), Some("mail-wr1-f41.google.com"));
        assert_eq!(r.from_ip.as_deref(), Some("2a00:1450:4864:20::441"));
        assert_eq!(r.by.as_deref(), Some("mx.example.org"));
        assert_eq!(r.with.as_deref(), Some("ESMTPS"));
        assert!(r.comments.iter().any(|c| c.starts_with("using TLSv1.3")));
        assert_eq!(
            r.date.as_deref(),
            Some("Tue,  1 Dec 2026 14:02:07 +0000 (UTC)")
        );
    }

    #[test]
    fn gmail_and_exim_forms() {
        let r = Received::parse(
            "by 2002:a05:6a10:a0d4:b0:5c5:e4b1:3c70 with SMTP id j20csp1234pxa;        Tue, 1 Dec 2026 06:02:07 -0800 (PST)",
        );
        assert_eq!(r.from, None);
        assert_eq!(r.with.as_deref(), Some("SMTP"));
        assert_eq!(r.id.as_deref(), Some("j20csp1234pxa"));
        let r = Received::parse(
            "from [198.51.100.7] (helo=client.example)\tby mx.example.net with esmtpsa  (TLS1.3) tls TLS_AES_256_GCM_SHA384\t(Exim 4.96)\t(envelope-from <alice@example.com>)\tid 1kABCD-0001Xy-2Z\tfor bob@example.net; Tue, 01 Dec 2026 14:02:07 +0000",
        );
        assert_eq!(r.from.as_deref(), Some("[198.51.100.7]"));
        assert_eq!(r.from_ip, None); // the literal is the from word itself, the comment is helo=
        assert_eq!(r.id.as_deref(), Some("1kABCD-0001Xy-2Z"));
        assert_eq!(r.for_recipient.as_deref(), Some("bob@example.net"));
    }

    #[test]
    fn garbage_is_kept_raw() {
        let r = Received::parse("(unterminated from x by");
        assert_eq!(r.raw, "(unterminated from x by");
        assert_eq!(r.from.as_deref(), Some("x"));
        let r = Received::parse("");
        assert_eq!(r, Received::default());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,200}") {
            let r = Received::parse(&s);
            proptest::prop_assert_eq!(r.raw, s.trim());
        }
    }
}
