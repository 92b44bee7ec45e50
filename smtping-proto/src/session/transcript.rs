//! The dialogue as it happened: every line in and out, with direction, TLS state and
//! time offset. AUTH payloads are always redacted; address local parts optionally.

use core::fmt;
use core::time::Duration;

/// Who wrote a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Direction {
    /// The client (us).
    Client,
    /// The server.
    Server,
    /// A note from the session (TLS started, message body sent, …).
    Info,
}

impl Direction {
    /// `"client"`, `"server"` or `"info"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Server => "server",
            Self::Info => "info",
        }
    }
}

/// One transcript line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptLine {
    /// Time since the session started.
    pub offset: Duration,
    /// Who wrote it.
    pub direction: Direction,
    /// `true` when it travelled inside TLS.
    pub tls: bool,
    /// The line without its terminator (lossy UTF-8, redactions applied).
    pub text: String,
}

/// The whole dialogue, bounded: beyond the limit lines are counted, not kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    lines: Vec<TranscriptLine>,
    dropped: usize,
    limit: usize,
    redact_addresses: bool,
}

/// Longest transcript line kept, in characters; longer ones are cut with a note.
const MAX_LINE_CHARS: usize = 1000;

impl Transcript {
    pub(crate) fn new(limit: usize, redact_addresses: bool) -> Self {
        Self {
            lines: Vec::new(),
            dropped: 0,
            limit,
            redact_addresses,
        }
    }

    /// The lines kept.
    #[must_use]
    pub fn lines(&self) -> &[TranscriptLine] {
        &self.lines
    }

    /// Lines not kept because the limit was reached.
    #[must_use]
    pub const fn dropped(&self) -> usize {
        self.dropped
    }

    pub(crate) fn push(&mut self, offset: Duration, direction: Direction, tls: bool, raw: &[u8]) {
        if self.lines.len() >= self.limit {
            self.dropped += 1;
            return;
        }
        let mut text = String::from_utf8_lossy(raw).into_owned();
        if text.chars().count() > MAX_LINE_CHARS {
            let cut: String = text.chars().take(MAX_LINE_CHARS).collect();
            text = format!("{cut}… [{} bytes in all]", raw.len());
        }
        if self.redact_addresses && direction != Direction::Info {
            text = redact_addresses(&text);
        }
        self.lines.push(TranscriptLine {
            offset,
            direction,
            tls,
            text,
        });
    }

    /// Records each line of a server reply.
    pub(crate) fn push_reply(&mut self, offset: Duration, tls: bool, raw: &[u8]) {
        for line in raw.split(|b| *b == b'\n') {
            if line.is_empty() {
                continue;
            }
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            self.push(offset, Direction::Server, tls, line);
        }
    }
}

impl fmt::Display for Transcript {
    /// `S: …` / `C: …` / `*  …` lines; TLS lines are marked with `[tls]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for l in &self.lines {
            let prefix = match l.direction {
                Direction::Client => "C:",
                Direction::Server => "S:",
                Direction::Info => "* ",
            };
            let tls = if l.tls { " [tls]" } else { "" };
            writeln!(f, "{prefix}{tls} {}", l.text)?;
        }
        if self.dropped > 0 {
            writeln!(f, "*  … {} more lines not kept", self.dropped)?;
        }
        Ok(())
    }
}

/// Replaces the local part of everything that looks like `local@domain` with `***`,
/// keeping the domain (`<alice@example.org>` → `<***@example.org>`).
///
/// ```
/// use smtping_proto::session::redact_addresses;
/// assert_eq!(
///     redact_addresses("550 5.1.1 <alice.b+x@example.org>: unknown; cc bob@ex.net"),
///     "550 5.1.1 <***@example.org>: unknown; cc ***@ex.net"
/// );
/// assert_eq!(redact_addresses("MAIL FROM:<>"), "MAIL FROM:<>");
/// ```
#[must_use]
pub fn redact_addresses(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(at) = memchr::memchr(b'@', &b[i..]).map(|p| p + i) {
        // Walk back over the local part: a quoted string, or dot-atom characters.
        let mut start = at;
        if at > copied
            && b[at - 1] == b'"'
            && let Some(open) = memchr::memrchr(b'"', &b[copied..at - 1])
        {
            start = copied + open;
        }
        while start > copied && is_local_char(b[start - 1]) {
            start -= 1;
        }
        let domain_ok = b
            .get(at + 1)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'[' || *c >= 0x80);
        if start < at && domain_ok {
            out.push_str(&text[copied..start]);
            out.push_str("***");
            copied = at;
        }
        i = at + 1;
    }
    out.push_str(&text[copied..]);
    out
}

fn is_local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.\"".contains(&c) || c >= 0x80
}

#[cfg(test)]
mod tests;
