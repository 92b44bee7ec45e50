//! SMTP reply parsing (RFC 5321 §4.2): streaming, zero-copy and bounded.
//!
//! A reply is one or more lines. Every line but the last is `NNN-text`; the last is
//! `NNN text` or a bare `NNN`. All lines carry the same three-digit code. The parser
//! never allocates: a [`Reply`] borrows the caller's buffer, and [`Reply::lines`]
//! walks it lazily.
//!
//! ```
//! use smtping_proto::parse_reply;
//!
//! let buf = b"250-mx.example.org Hello\r\n250-PIPELINING\r\n250 SIZE 10240000\r\n354 go";
//! let (reply, used) = parse_reply(buf).unwrap().unwrap();
//! assert_eq!(reply.code(), 250);
//! assert_eq!(reply.lines().count(), 3);
//! assert_eq!(&buf[used..], b"354 go"); // the next reply is not complete yet
//! assert!(parse_reply(&buf[used..]).unwrap().is_none());
//! ```

use core::fmt;

use crate::enhanced::EnhancedCode;

/// Default longest reply line accepted, terminator excluded (4 KiB; RFC 5321 §4.5.3.1.5
/// promises 512 octets, real servers exceed it).
pub const DEFAULT_MAX_LINE_LEN: usize = 4096;
/// Default most lines in one reply.
pub const DEFAULT_MAX_LINES: usize = 512;
/// Default largest reply in bytes, terminators included (64 KiB).
pub const DEFAULT_MAX_REPLY_LEN: usize = 64 * 1024;

/// Limits that bound the memory a reply can make the caller hold.
///
/// While a reply is incomplete the parser only asks for more bytes when the reply so far
/// is within these limits, so a caller that appends to a buffer and calls the parser after
/// each read never holds more than `max_reply_len` plus one read.
///
/// ```
/// use smtping_proto::ReplyLimits;
/// let limits = ReplyLimits::default().max_line_len(512).max_lines(64);
/// assert_eq!(limits.line_len(), 512);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyLimits {
    max_line_len: usize,
    max_lines: usize,
    max_reply_len: usize,
}

impl Default for ReplyLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl ReplyLimits {
    /// 4 KiB lines, 512 lines, 64 KiB replies.
    pub const DEFAULT: Self = Self {
        max_line_len: DEFAULT_MAX_LINE_LEN,
        max_lines: DEFAULT_MAX_LINES,
        max_reply_len: DEFAULT_MAX_REPLY_LEN,
    };

    /// Sets the longest line, terminator excluded (at least 3, the code itself).
    #[must_use]
    pub const fn max_line_len(mut self, n: usize) -> Self {
        self.max_line_len = if n < 3 { 3 } else { n };
        self
    }

    /// Sets the most lines in one reply (at least 1).
    #[must_use]
    pub const fn max_lines(mut self, n: usize) -> Self {
        self.max_lines = if n == 0 { 1 } else { n };
        self
    }

    /// Sets the largest reply in bytes, terminators included (at least 5, `250\r\n`).
    #[must_use]
    pub const fn max_reply_len(mut self, n: usize) -> Self {
        self.max_reply_len = if n < 5 { 5 } else { n };
        self
    }

    /// The longest line accepted.
    #[must_use]
    pub const fn line_len(&self) -> usize {
        self.max_line_len
    }

    /// The most lines accepted.
    #[must_use]
    pub const fn lines(&self) -> usize {
        self.max_lines
    }

    /// The largest reply accepted.
    #[must_use]
    pub const fn reply_len(&self) -> usize {
        self.max_reply_len
    }
}

/// What to do with a line ended by a bare LF instead of CRLF.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum BareLfPolicy {
    /// Accept it and flag the reply ([`Reply::has_bare_lf`]); the default, because real
    /// servers do it and a diagnostic tool should report rather than fail.
    #[default]
    Tolerate,
    /// Refuse it with [`ReplyError::BareLf`] (RFC 5321 §2.3.8 requires CRLF).
    Refuse,
}

/// Up to four bytes of offending input, shown escaped in error messages.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Snippet {
    bytes: [u8; 4],
    len: u8,
}

impl Snippet {
    fn new(src: &[u8]) -> Self {
        let mut bytes = [0u8; 4];
        let len = src.len().min(4);
        bytes[..len].copy_from_slice(&src[..len]);
        Self {
            bytes,
            len: len as u8,
        }
    }

    /// The bytes themselves.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

impl fmt::Display for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.as_bytes() {
            write!(f, "{}", core::ascii::escape_default(b))?;
        }
        Ok(())
    }
}

/// Why bytes from the server are not a valid reply. Each variant names the 1-based line
/// of the reply where the problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// The line does not start with three digits.
    #[error("reply line {line} does not start with a three-digit code (found \"{found}\")")]
    InvalidCode {
        /// 1-based line number within the reply.
        line: u32,
        /// The first bytes of the line.
        found: Snippet,
    },
    /// Three digits, but not a reply code RFC 5321 §4.2 allows (first digit 2-5, second 0-5).
    #[error("reply line {line}: {code} is not a valid SMTP reply code (2xx-5xx expected)")]
    CodeOutOfRange {
        /// 1-based line number within the reply.
        line: u32,
        /// The digits read.
        code: u16,
    },
    /// The code is followed by something other than `-`, a space or the line end.
    #[error(
        "reply line {line}: expected '-', ' ' or end of line after the code, found \"{found}\""
    )]
    InvalidSeparator {
        /// 1-based line number within the reply.
        line: u32,
        /// The bytes after the code.
        found: Snippet,
    },
    /// A continuation line carries a different code than the first line.
    #[error(
        "reply line {line} has code {found} but the reply began with {expected} (RFC 5321 §4.2.1 requires the same code on every line)"
    )]
    CodeMismatch {
        /// 1-based line number within the reply.
        line: u32,
        /// The first line's code.
        expected: u16,
        /// This line's code.
        found: u16,
    },
    /// A line ended with LF alone and the parser is in strict mode.
    #[error("reply line {line} ends with a bare LF instead of CRLF (refused in strict mode)")]
    BareLf {
        /// 1-based line number within the reply.
        line: u32,
    },
    /// A line is longer than the configured limit.
    #[error("reply line {line} is longer than the {limit}-byte limit")]
    LineTooLong {
        /// 1-based line number within the reply.
        line: u32,
        /// The limit in bytes.
        limit: usize,
    },
    /// The reply has more lines than the configured limit.
    #[error("reply has more than {limit} lines")]
    TooManyLines {
        /// The limit in lines.
        limit: usize,
    },
    /// The reply is larger than the configured limit.
    #[error("reply is larger than the {limit}-byte limit")]
    ReplyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

impl ReplyError {
    /// `true` when the error is a configured limit rather than a grammar violation.
    #[must_use]
    pub const fn is_limit(&self) -> bool {
        matches!(
            self,
            Self::LineTooLong { .. } | Self::TooManyLines { .. } | Self::ReplyTooLarge { .. }
        )
    }
}

const FLAG_BARE_LF: u8 = 1;

/// One complete SMTP reply, borrowed from the buffer it was parsed from.
///
/// ```
/// use smtping_proto::parse_reply;
///
/// let (reply, _) = parse_reply(b"550 5.1.1 <nobody@example.org>: User unknown\r\n")
///     .unwrap()
///     .unwrap();
/// assert_eq!(reply.code(), 550);
/// assert_eq!(reply.enhanced().unwrap().to_string(), "5.1.1");
/// assert_eq!(reply.text_lossy(), "5.1.1 <nobody@example.org>: User unknown");
/// assert!(reply.is_permanent());
/// ```
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Reply<'a> {
    raw: &'a [u8],
    code: u16,
    line_count: u32,
    flags: u8,
}

impl<'a> Reply<'a> {
    /// The three-digit reply code.
    #[must_use]
    pub const fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code at the start of the first line (RFC 2034), when there is
    /// one and its class agrees with the reply code's first digit. A disagreeing code is
    /// ignored here and reported by [`Reply::enhanced_mismatch`].
    #[must_use]
    #[inline]
    pub const fn enhanced(&self) -> Option<EnhancedCode> {
        // Read from the first line when asked (a few comparisons), not while parsing:
        // most callers of a reply in a hot loop need only its code.
        match EnhancedCode::at_line_start(self.raw) {
            Some(enh) if enh.class() as u16 == self.code / 100 => Some(enh),
            _ => None,
        }
    }

    /// An enhanced code that was present but whose class disagrees with the reply code
    /// (`250 5.0.0 Ok`): a server bug worth reporting, never trusted.
    #[must_use]
    #[inline]
    pub const fn enhanced_mismatch(&self) -> Option<EnhancedCode> {
        match EnhancedCode::at_line_start(self.raw) {
            Some(enh) if enh.class() as u16 != self.code / 100 => Some(enh),
            _ => None,
        }
    }

    /// `true` when at least one line ended with a bare LF (tolerated by default).
    #[must_use]
    pub const fn has_bare_lf(&self) -> bool {
        self.flags & FLAG_BARE_LF != 0
    }

    /// The number of lines.
    #[must_use]
    pub const fn line_count(&self) -> usize {
        self.line_count as usize
    }

    /// The exact bytes of the reply, terminators included.
    #[must_use]
    pub const fn as_bytes(&self) -> &'a [u8] {
        self.raw
    }

    /// The text of each line: what follows `NNN-` or `NNN `, without the line terminator
    /// (empty for a bare `NNN`). NUL and 8-bit bytes are kept as received.
    #[must_use]
    pub fn lines(&self) -> Lines<'a> {
        Lines::new(self.raw, self.line_count)
    }

    /// The text of the first line.
    #[must_use]
    pub fn first_line(&self) -> &'a [u8] {
        self.lines().next().unwrap_or_default()
    }

    /// `true` for 2xx (positive completion).
    #[must_use]
    pub const fn is_success(&self) -> bool {
        self.code / 100 == 2
    }

    /// `true` for 3xx (positive intermediate: 354 to DATA, 334 during AUTH).
    #[must_use]
    pub const fn is_intermediate(&self) -> bool {
        self.code / 100 == 3
    }

    /// `true` for 4xx (transient negative completion: try again later).
    #[must_use]
    pub const fn is_transient(&self) -> bool {
        self.code / 100 == 4
    }

    /// `true` for 5xx (permanent negative completion).
    #[must_use]
    pub const fn is_permanent(&self) -> bool {
        self.code / 100 == 5
    }

    /// The lines' text joined with `\n`, invalid UTF-8 replaced (allocates).
    #[must_use]
    pub fn text_lossy(&self) -> String {
        let mut out = String::with_capacity(self.raw.len());
        for (i, line) in self.lines().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(&String::from_utf8_lossy(line));
        }
        out
    }

    /// Copies the reply into an [`OwnedReply`] that outlives the buffer.
    #[must_use]
    #[allow(clippy::should_implement_trait)]
    pub fn to_owned(&self) -> OwnedReply {
        OwnedReply {
            raw: self.raw.to_vec(),
            code: self.code,
            line_count: self.line_count,
            flags: self.flags,
            enhanced: self.enhanced(),
            mismatched: self.enhanced_mismatch(),
        }
    }
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("code", &self.code)
            .field("enhanced", &self.enhanced())
            .field(
                "lines",
                &self
                    .lines()
                    .map(String::from_utf8_lossy)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// Writes the reply as received, one line per line, terminators replaced by `\n`
/// (invalid UTF-8 replaced).
impl fmt::Display for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.line_count();
        for (i, line) in self.lines().enumerate() {
            let sep = if i + 1 == n { ' ' } else { '-' };
            if i > 0 {
                f.write_str("\n")?;
            }
            if line.is_empty() && i + 1 == n {
                write!(f, "{}", self.code)?;
            } else {
                write!(f, "{}{}{}", self.code, sep, String::from_utf8_lossy(line))?;
            }
        }
        Ok(())
    }
}

/// Iterator over the text of a reply's lines; see [`Reply::lines`].
#[derive(Clone, Debug)]
pub struct Lines<'a> {
    rest: &'a [u8],
    /// Lines left, so that the last one is cut without scanning it again.
    left: u32,
}

impl<'a> Lines<'a> {
    const fn new(raw: &'a [u8], lines: u32) -> Self {
        Self {
            rest: raw,
            left: lines,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    #[inline]
    fn next(&mut self) -> Option<&'a [u8]> {
        if self.rest.is_empty() {
            return None;
        }
        let mut line;
        if self.left == 1 {
            // The last line ends the reply: no scan for its LF.
            line = self.rest;
            self.rest = &[];
            if let [head @ .., b'\n'] = line {
                line = head;
            }
        } else {
            let end = find_lf(self.rest).unwrap_or(self.rest.len());
            line = &self.rest[..end];
            self.rest = self.rest.get(end + 1..).unwrap_or_default();
        }
        self.left = self.left.saturating_sub(1);
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        Some(line.get(4..).unwrap_or_default())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = if self.rest.is_empty() {
            0
        } else {
            self.left as usize
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for Lines<'_> {}

/// A reply that owns its bytes; made by [`Reply::to_owned`].
///
/// ```
/// use smtping_proto::{parse_reply, OwnedReply};
///
/// let owned: OwnedReply = {
///     let buf = b"421 4.7.0 Try again later\r\n".to_vec();
///     parse_reply(&buf).unwrap().unwrap().0.to_owned()
/// };
/// assert_eq!(owned.code(), 421);
/// assert_eq!(owned.as_reply().text_lossy(), "4.7.0 Try again later");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct OwnedReply {
    raw: Vec<u8>,
    code: u16,
    line_count: u32,
    flags: u8,
    enhanced: Option<EnhancedCode>,
    mismatched: Option<EnhancedCode>,
}

impl OwnedReply {
    /// Borrows it as a [`Reply`] for every accessor.
    #[must_use]
    pub fn as_reply(&self) -> Reply<'_> {
        Reply {
            raw: &self.raw,
            code: self.code,
            line_count: self.line_count,
            flags: self.flags,
        }
    }

    /// The three-digit reply code.
    #[must_use]
    pub const fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code; see [`Reply::enhanced`].
    #[must_use]
    pub const fn enhanced(&self) -> Option<EnhancedCode> {
        self.enhanced
    }

    /// The text of each line; see [`Reply::lines`].
    #[must_use]
    pub fn lines(&self) -> Lines<'_> {
        Lines::new(&self.raw, self.line_count)
    }

    /// The exact bytes received.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        &self.raw
    }

    /// The lines' text joined with `\n`; see [`Reply::text_lossy`].
    #[must_use]
    pub fn text_lossy(&self) -> String {
        self.as_reply().text_lossy()
    }
}

impl fmt::Debug for OwnedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.as_reply(), f)
    }
}

impl fmt::Display for OwnedReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.as_reply(), f)
    }
}

impl<'a> From<Reply<'a>> for OwnedReply {
    fn from(r: Reply<'a>) -> Self {
        r.to_owned()
    }
}

/// Where an interrupted parse stopped, so that the next call over the same (grown) buffer
/// resumes instead of rescanning complete lines. See [`ReplyParser::parse_resumable`].
///
/// Reset it (`ReplyProgress::default()`) whenever the buffer's start moves, i.e. after
/// consuming a reply or discarding input.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplyProgress {
    pos: usize,
    lines: u32,
    code: u16,
    flags: u8,
}

/// A configurable reply parser: limits and bare-LF policy.
///
/// ```
/// use smtping_proto::{BareLfPolicy, ReplyError, ReplyLimits, ReplyParser};
///
/// let strict = ReplyParser::new().bare_lf(BareLfPolicy::Refuse);
/// assert_eq!(strict.parse(b"250 ok\n"), Err(ReplyError::BareLf { line: 1 }));
///
/// let tolerant = ReplyParser::new();
/// let (reply, _) = tolerant.parse(b"250 ok\n").unwrap().unwrap();
/// assert!(reply.has_bare_lf());
///
/// let small = ReplyParser::new().limits(ReplyLimits::default().max_lines(2));
/// assert_eq!(small.parse(b"250-a\r\n250-b\r\n250 c\r\n"), Err(ReplyError::TooManyLines { limit: 2 }));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReplyParser {
    limits: ReplyLimits,
    bare_lf: BareLfPolicy,
}

impl ReplyParser {
    /// Default limits, bare LF tolerated.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            limits: ReplyLimits::DEFAULT,
            bare_lf: BareLfPolicy::Tolerate,
        }
    }

    /// Sets the limits.
    #[must_use]
    pub const fn limits(mut self, limits: ReplyLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the bare-LF policy.
    #[must_use]
    pub const fn bare_lf(mut self, policy: BareLfPolicy) -> Self {
        self.bare_lf = policy;
        self
    }

    /// The limits in force.
    #[must_use]
    pub const fn current_limits(&self) -> ReplyLimits {
        self.limits
    }

    /// Parses the first complete reply in `buf`: `Ok(Some((reply, used)))` with the exact
    /// number of bytes it took, `Ok(None)` when more bytes are needed, or an error as soon
    /// as the bytes seen so far cannot become a valid reply within the limits.
    pub fn parse<'a>(&self, buf: &'a [u8]) -> Result<Option<(Reply<'a>, usize)>, ReplyError> {
        // A fresh progress the compiler can see: its loads fold to constants and its
        // stores vanish.
        self.parse_lines(buf, &mut ReplyProgress::default(), |_, _, _| {})
    }

    /// Like [`ReplyParser::parse`], but remembers in `progress` how far it validated, so
    /// that a caller feeding a slow stream does linear, not quadratic, work.
    ///
    /// ```
    /// use smtping_proto::{ReplyParser, ReplyProgress};
    ///
    /// let parser = ReplyParser::new();
    /// let mut progress = ReplyProgress::default();
    /// let mut buf = Vec::new();
    /// let mut got = None;
    /// for chunk in [&b"250-a\r\n25"[..], b"0-b\r\n", b"250 c\r\n"] {
    ///     buf.extend_from_slice(chunk);
    ///     if let Some((reply, used)) = parser.parse_resumable(&buf, &mut progress).unwrap() {
    ///         got = Some((reply.line_count(), used));
    ///     }
    /// }
    /// assert_eq!(got, Some((3, buf.len())));
    /// ```
    pub fn parse_resumable<'a>(
        &self,
        buf: &'a [u8],
        progress: &mut ReplyProgress,
    ) -> Result<Option<(Reply<'a>, usize)>, ReplyError> {
        self.parse_lines(buf, progress, |_, _, _| {})
    }

    /// The reply grammar, calling `on_line(code, offset, line)` with each line (terminator
    /// included) and its offset in `buf` once it is validated: the hook of the one-pass
    /// EHLO parser ([`Extensions::parse`](crate::Extensions::parse)).
    #[inline]
    pub(crate) fn parse_lines<'a>(
        &self,
        buf: &'a [u8],
        progress: &mut ReplyProgress,
        mut on_line: impl FnMut(u16, usize, &'a [u8]),
    ) -> Result<Option<(Reply<'a>, usize)>, ReplyError> {
        let limits = &self.limits;
        if progress.pos > buf.len() {
            // The caller moved the buffer without resetting: start over rather than panic.
            *progress = ReplyProgress::default();
        }
        let p = progress;
        loop {
            let line_no = p.lines + 1;
            let rest = &buf[p.pos..];
            if p.lines as usize >= limits.max_lines {
                return Err(ReplyError::TooManyLines {
                    limit: limits.max_lines,
                });
            }
            // The head, `Reply-code` then the separator, decided as soon as its bytes are
            // here so that garbage (a TLS record, an HTTP banner) fails at once.
            let (after_code, code) = match grammar::code(rest) {
                Ok(ok) => ok,
                Err(nom::Err::Incomplete(_)) => return Ok(None),
                Err(_) => {
                    return Err(ReplyError::InvalidCode {
                        line: line_no,
                        found: Snippet::new(rest),
                    });
                }
            };
            if !grammar::code_in_range(rest) {
                return Err(ReplyError::CodeOutOfRange {
                    line: line_no,
                    code,
                });
            }
            if after_code.is_empty() {
                return Ok(None);
            }
            if p.lines > 0 && code != p.code {
                return Err(ReplyError::CodeMismatch {
                    line: line_no,
                    expected: p.code,
                    found: code,
                });
            }
            let sep = match grammar::separator(after_code) {
                Ok((_, sep)) => sep,
                Err(nom::Err::Incomplete(_)) => return Ok(None),
                Err(_) => {
                    return Err(ReplyError::InvalidSeparator {
                        line: line_no,
                        found: Snippet::new(after_code),
                    });
                }
            };
            // The line itself, scanned no further than the limit allows.
            let line = match crate::grammar::line_within(rest, limits.max_line_len) {
                Ok((_, line)) => line,
                Err(nom::Err::Incomplete(_)) => {
                    if buf.len() > limits.max_reply_len {
                        return Err(ReplyError::ReplyTooLarge {
                            limit: limits.max_reply_len,
                        });
                    }
                    return Ok(None);
                }
                Err(_) => {
                    return Err(ReplyError::LineTooLong {
                        line: line_no,
                        limit: limits.max_line_len,
                    });
                }
            };
            let content_len = line.content.len();
            // `NNN\r` is only the start of a bare `NNN\r\n`.
            if sep == b'\r' && content_len != 3 {
                return Err(ReplyError::InvalidSeparator {
                    line: line_no,
                    found: Snippet::new(after_code),
                });
            }
            let end = p.pos + content_len + if line.bare_lf { 1 } else { 2 };
            if end > limits.max_reply_len {
                return Err(ReplyError::ReplyTooLarge {
                    limit: limits.max_reply_len,
                });
            }
            if line.bare_lf {
                if self.bare_lf == BareLfPolicy::Refuse {
                    return Err(ReplyError::BareLf { line: line_no });
                }
                p.flags |= FLAG_BARE_LF;
            }
            on_line(code, p.pos, &buf[p.pos..end]);
            if p.lines == 0 {
                p.code = code;
            }
            p.lines += 1;
            p.pos = end;
            if sep != b'-' {
                let reply = Reply {
                    raw: &buf[..end],
                    code,
                    line_count: p.lines,
                    flags: p.flags,
                };
                *p = ReplyProgress::default();
                return Ok(Some((reply, end)));
            }
        }
    }
}

pub(crate) use crate::grammar::find_lf;

/// The reply line's head in nom (RFC 5321 §4.2).
mod grammar {
    use nom::character::streaming::char;
    use nom::combinator::peek;
    use nom::{IResult, Parser};

    use crate::grammar::{byte_of, fixed_digits};

    /// Three digits, streaming: fewer is `Incomplete`, a non-digit among those present
    /// fails at once. The range is checked by [`code_in_range`] so that it has its own error.
    #[inline]
    pub(super) fn code(i: &[u8]) -> IResult<&[u8], u16> {
        fixed_digits::<3>(i)
    }

    /// `Reply-code = %x32-35 %x30-35 %x30-39`, checked on the digits [`code`] accepted
    /// (two byte comparisons instead of two divisions).
    #[inline]
    pub(super) fn code_in_range(digits: &[u8]) -> bool {
        matches!(digits, [b'2'..=b'5', b'0'..=b'5', ..])
    }

    /// `-` (more lines follow), a space (last line), or the line end of a bare `NNN`;
    /// a CR must be followed by LF, decided as soon as that byte is here (before any
    /// length check, so the verdict does not depend on how much has arrived).
    #[inline]
    pub(super) fn separator(i: &[u8]) -> IResult<&[u8], u8> {
        let (rest, sep) = byte_of(b" -\r\n")(i)?;
        if sep == b'\r' && !rest.is_empty() {
            peek(char('\n')).parse(rest)?;
        }
        Ok((rest, sep))
    }
}

/// Parses the first complete reply in `buf` with the default [`ReplyParser`].
///
/// Returns the reply and the exact number of bytes it used, `Ok(None)` when `buf` holds
/// only part of a reply, or a [`ReplyError`] as soon as the bytes cannot be a valid reply.
///
/// ```
/// use smtping_proto::{parse_reply, ReplyError};
///
/// let mut buf: &[u8] = b"220 mx.example.org ESMTP\r\n250 ok\r\n";
/// let mut codes = Vec::new();
/// while let Some((reply, used)) = parse_reply(buf).unwrap() {
///     codes.push(reply.code());
///     buf = &buf[used..];
/// }
/// assert_eq!(codes, [220, 250]);
/// assert!(matches!(parse_reply(b"250-a\r\n550 b\r\n"), Err(ReplyError::CodeMismatch { .. })));
/// ```
pub fn parse_reply(buf: &[u8]) -> Result<Option<(Reply<'_>, usize)>, ReplyError> {
    const PARSER: ReplyParser = ReplyParser::new();
    PARSER.parse(buf)
}

#[cfg(test)]
mod tests;
