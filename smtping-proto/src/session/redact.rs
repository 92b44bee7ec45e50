//! Secrets a server echoes back: every reply is cleaned once, where it is parsed, before
//! anything stores it (transcript, outcome, events, error messages).
//!
//! The session's own AUTH lines are redacted by the transcript; this covers the other
//! direction. A server that repeats the AUTH payload in its `535` text (some do, to "help")
//! would otherwise put the password into the card, the JSON and the transcript.

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use zeroize::Zeroizing;

use crate::reply::{OwnedReply, Reply, ReplyLimits, ReplyParser};
use crate::sasl::{self, Credentials};

/// What replaces a secret in server text.
pub(super) const REDACTED: &[u8] = b"[redacted]";

/// The secret forms to remove from server text, each also in base64: the secret itself
/// (LOGIN sends its base64), the PLAIN message `authzid NUL user NUL secret`, the XOAUTH2
/// message `user=… ^A auth=Bearer … ^A ^A`, and each CRAM-MD5 response line once computed.
/// The patterns live in zeroized buffers, like the credentials they come from.
#[derive(Default)]
pub(super) struct Redactor {
    /// Longest first, so a longer form is removed before a shorter one inside it.
    patterns: Vec<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} patterns)", self.patterns.len())
    }
}

impl Redactor {
    /// The patterns for `creds` (none without credentials).
    pub(super) fn new(creds: Option<&Credentials>) -> Self {
        let mut r = Self::default();
        if let Some(c) = creds {
            r.add(c.secret().as_bytes());
            if let Ok(plain) = sasl::plain_response(c) {
                r.add(&plain);
            }
            r.add(&sasl::xoauth2_response(c));
        }
        r
    }

    /// Adds `secret` and its base64 form (empty secrets are ignored).
    pub(super) fn add(&mut self, secret: &[u8]) {
        if secret.is_empty() {
            return;
        }
        let b64 = Zeroizing::new(BASE64.encode(secret).into_bytes());
        for p in [Zeroizing::new(secret.to_vec()), b64] {
            if !self.patterns.iter().any(|q| **q == *p) {
                self.patterns.push(p);
            }
        }
        self.patterns.sort_by_key(|p| core::cmp::Reverse(p.len()));
    }

    fn found_in(&self, hay: &[u8]) -> bool {
        self.patterns
            .iter()
            .any(|p| memchr::memmem::find(hay, p).is_some())
    }

    /// `text` with every pattern replaced.
    fn clean(&self, text: &[u8]) -> Vec<u8> {
        let mut cur = text.to_vec();
        for p in &self.patterns {
            if memchr::memmem::find(&cur, p).is_none() {
                continue;
            }
            let mut out = Vec::with_capacity(cur.len());
            let mut rest = &cur[..];
            while let Some(i) = memchr::memmem::find(rest, p) {
                out.extend_from_slice(&rest[..i]);
                out.extend_from_slice(REDACTED);
                rest = &rest[i + p.len()..];
            }
            out.extend_from_slice(rest);
            cur = out;
        }
        cur
    }

    /// The reply to keep: `reply` itself, or a copy whose line texts (never the codes)
    /// have every secret replaced with `[redacted]`.
    pub(super) fn reply(&self, reply: &Reply<'_>) -> OwnedReply {
        let raw = reply.as_bytes();
        if self.patterns.is_empty() || !self.found_in(raw) {
            return reply.to_owned();
        }
        let mut cleaned = Vec::with_capacity(raw.len() + 16);
        for line in raw.split_inclusive(|b| *b == b'\n') {
            let (head, text) = line.split_at(line.len().min(4));
            cleaned.extend_from_slice(head);
            cleaned.extend_from_slice(&self.clean(text));
        }
        // The cleaned reply has the same lines and codes; only its length may grow past
        // the limits it was read under, so it is read again without them.
        let n = cleaned.len();
        let parser = ReplyParser::new().limits(
            ReplyLimits::default()
                .max_line_len(n)
                .max_lines(n)
                .max_reply_len(n),
        );
        match parser.parse(&cleaned) {
            Ok(Some((r, used))) if used == cleaned.len() => r.to_owned(),
            _ => {
                let fallback = format!("{} [redacted]\r\n", reply.code());
                match parser.parse(fallback.as_bytes()) {
                    Ok(Some((r, _))) => r.to_owned(),
                    _ => reply.to_owned(),
                }
            }
        }
    }

    /// `text` (an error message quoting server bytes) with every secret replaced.
    pub(super) fn text(&self, text: String) -> String {
        if self.patterns.is_empty() || !self.found_in(text.as_bytes()) {
            return text;
        }
        String::from_utf8_lossy(&self.clean(text.as_bytes())).into_owned()
    }
}
