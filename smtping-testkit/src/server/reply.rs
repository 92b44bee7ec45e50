//! [`ServerReply`]: a reply the test server sends, rendered byte-exactly.

use std::fmt;

/// Why a [`ServerReply`] cannot be sent.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ServerReplyError {
    /// The code is outside 200–599 (SMTP replies are 2xx, 3xx, 4xx or 5xx).
    #[error("reply code {0} is outside 200-599")]
    Code(u16),
    /// A line holds CR or LF, which would end the reply early or inject another one.
    #[error("reply line {line} contains a {} byte; use ServerReply::line for more lines", if *.byte == b'\r' { "CR" } else { "LF" })]
    LineBreak {
        /// The line's index (0 = first).
        line: usize,
        /// The offending byte.
        byte: u8,
    },
}

/// An SMTP reply the test server sends: a code and one or more lines of text.
///
/// [`render`](ServerReply::render) writes it exactly as RFC 5321 §4.2 says: every line but the
/// last as `NNN-text\r\n`, the last as `NNN text\r\n` (a bare `NNN\r\n` when its text is
/// empty). The code must be 200–599 and no line may hold CR or LF; a server refuses to
/// [`start`](super::TestServerBuilder::start) with an invalid reply, and
/// [`try_new`](ServerReply::try_new) checks at once.
///
/// ```
/// use smtping_testkit::server::ServerReply;
///
/// let reply = ServerReply::new(550, "5.1.1 <bob@example.test>: Recipient address rejected")
///     .line("5.1.1 see https://example.test/bounce");
/// assert_eq!(
///     reply.render(),
///     b"550-5.1.1 <bob@example.test>: Recipient address rejected\r\n\
///       550 5.1.1 see https://example.test/bounce\r\n"
/// );
/// assert!(ServerReply::try_new(999, "nope").is_err());
/// assert!(ServerReply::try_new(250, "two\r\nlines").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServerReply {
    code: u16,
    lines: Vec<String>,
}

impl ServerReply {
    /// A one-line reply. Checked when the server starts (or call
    /// [`validate`](ServerReply::validate)).
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// assert_eq!(ServerReply::new(250, "2.1.5 Ok").render(), b"250 2.1.5 Ok\r\n");
    /// assert_eq!(ServerReply::new(221, "").render(), b"221\r\n");
    /// ```
    #[must_use]
    pub fn new(code: u16, text: impl Into<String>) -> Self {
        Self {
            code,
            lines: vec![text.into()],
        }
    }

    /// Like [`new`](ServerReply::new), validated now.
    ///
    /// ```
    /// use smtping_testkit::server::{ServerReply, ServerReplyError};
    /// assert!(ServerReply::try_new(451, "4.7.1 Greylisted, try again later").is_ok());
    /// assert_eq!(ServerReply::try_new(199, "x"), Err(ServerReplyError::Code(199)));
    /// ```
    pub fn try_new(code: u16, text: impl Into<String>) -> Result<Self, ServerReplyError> {
        let reply = Self::new(code, text);
        reply.validate()?;
        Ok(reply)
    }

    /// A reply with one line per item (an empty iterator gives one empty line).
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// let ehlo = ServerReply::multiline(250, ["mx.test", "PIPELINING", "SIZE 10240"]);
    /// assert_eq!(ehlo.render(), b"250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10240\r\n");
    /// ```
    #[must_use]
    pub fn multiline<I, S>(code: u16, lines: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut lines: Vec<String> = lines.into_iter().map(Into::into).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        Self { code, lines }
    }

    /// Appends a line.
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// let r = ServerReply::new(421, "4.7.0 Too busy").line("4.7.0 Try again in 5 minutes");
    /// assert_eq!(r.lines().count(), 2);
    /// ```
    #[must_use]
    pub fn line(mut self, text: impl Into<String>) -> Self {
        self.lines.push(text.into());
        self
    }

    /// The reply code.
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// assert_eq!(ServerReply::new(552, "5.3.4 Too big").code(), 552);
    /// ```
    #[must_use]
    pub const fn code(&self) -> u16 {
        self.code
    }

    /// The text of each line (without code and separator).
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// let r = ServerReply::new(250, "a").line("b");
    /// assert_eq!(r.lines().collect::<Vec<_>>(), ["a", "b"]);
    /// ```
    pub fn lines(&self) -> impl ExactSizeIterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// Checks the code (200–599) and that no line holds CR or LF.
    ///
    /// ```
    /// use smtping_testkit::server::{ServerReply, ServerReplyError};
    /// assert_eq!(
    ///     ServerReply::new(250, "ok").line("bad\n").validate(),
    ///     Err(ServerReplyError::LineBreak { line: 1, byte: b'\n' })
    /// );
    /// ```
    pub fn validate(&self) -> Result<(), ServerReplyError> {
        if !(200..=599).contains(&self.code) {
            return Err(ServerReplyError::Code(self.code));
        }
        for (line, text) in self.lines.iter().enumerate() {
            if let Some(&byte) = text.as_bytes().iter().find(|b| matches!(b, b'\r' | b'\n')) {
                return Err(ServerReplyError::LineBreak { line, byte });
            }
        }
        Ok(())
    }

    /// `true` for a 2xx code.
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// assert!(ServerReply::new(250, "ok").is_positive());
    /// assert!(!ServerReply::new(354, "go on").is_positive());
    /// ```
    #[must_use]
    pub const fn is_positive(&self) -> bool {
        self.code / 100 == 2
    }

    /// The exact bytes sent.
    ///
    /// ```
    /// use smtping_testkit::server::ServerReply;
    /// assert_eq!(ServerReply::new(250, "a").line("").render(), b"250-a\r\n250\r\n");
    /// ```
    #[must_use]
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.lines.iter().map(|l| l.len() + 6).sum());
        self.render_into(&mut out);
        out
    }

    /// Appends [`render`](ServerReply::render)'s bytes to `out`.
    pub(crate) fn render_into(&self, out: &mut Vec<u8>) {
        let code = self.code.to_string();
        let last = self.lines.len().saturating_sub(1);
        for (i, text) in self.lines.iter().enumerate() {
            out.extend_from_slice(code.as_bytes());
            if i < last {
                out.push(b'-');
                out.extend_from_slice(text.as_bytes());
            } else if !text.is_empty() {
                out.push(b' ');
                out.extend_from_slice(text.as_bytes());
            }
            out.extend_from_slice(b"\r\n");
        }
    }
}

impl fmt::Debug for ServerReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerReply")
            .field("code", &self.code)
            .field("lines", &self.lines)
            .finish()
    }
}

/// The reply as sent, lines separated by `\n` (no CR).
///
/// ```
/// use smtping_testkit::server::ServerReply;
/// assert_eq!(ServerReply::new(250, "a").line("b").to_string(), "250-a\n250 b");
/// ```
impl fmt::Display for ServerReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rendered = self.render();
        let text = String::from_utf8_lossy(&rendered);
        let text = text.trim_end_matches("\r\n").replace("\r\n", "\n");
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests;
