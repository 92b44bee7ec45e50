//! The controlled test message SMTPing sends when asked to deliver.
//!
//! The core never reads a clock or a random source, so the date and the Message-ID come
//! from the caller; everything else is fixed, so a receiving system (and a person reading
//! it) recognises the message as a probe.

use crate::address::Address;

use super::plan::Message;

/// The largest filler a [`Message::Generated`] may carry: 16 GiB.
///
/// A size test only has to exceed what the server advertises: real SIZE limits are 10 MB
/// (Postfix's default) to a few hundred MB, and the largest seen are below 4 GiB; 16 GiB
/// is past every one of them and past the 32-bit boundary (to catch servers counting in
/// 32 bits), yet a mistyped `--body-size` with extra zeros is refused instead of streaming
/// terabytes (at the default 10 s/MiB, 16 GiB already allows 45 hours for the final
/// reply). The session refuses a larger generated message before MAIL
/// ([`ErrorKind::Refused`](super::ErrorKind::Refused)); the CLI refuses it with exit 3.
pub const MAX_GENERATED_BODY: u64 = 16 << 30;

/// One line of the size-test filler: 76 printable characters and CRLF.
pub(super) const FILLER_LINE: &[u8] =
    b"SMTPing size test filler: 0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJK\r\n";

/// Builder for the built-in test message.
///
/// ```
/// use smtping_proto::Address;
/// use smtping_proto::session::TestMessage;
///
/// let from = Address::new("probe@example.org").unwrap();
/// let to = vec![Address::new("alice@example.net").unwrap()];
/// let msg = TestMessage::new(&from, &to, "Sat, 28 Nov 2026 05:30:00 +0000", "<1@smtping.example.org>")
///     .body_size(2000)
///     .build();
/// let text = String::from_utf8(msg.clone()).unwrap();
/// assert!(text.starts_with("From: <probe@example.org>\r\n"));
/// assert!(text.contains("\r\nMessage-ID: <1@smtping.example.org>\r\n"));
/// assert!(msg.len() >= 2000 && msg.len() < 2100);
/// ```
#[derive(Clone, Debug)]
pub struct TestMessage<'a> {
    from: &'a Address,
    to: &'a [Address],
    date: &'a str,
    message_id: &'a str,
    subject: Option<&'a str>,
    body_size: Option<usize>,
}

impl<'a> TestMessage<'a> {
    /// A message from `from` to `to`, dated `date` (RFC 5322 date-time) with `message_id`
    /// (`<unique@domain>`).
    #[must_use]
    pub fn new(from: &'a Address, to: &'a [Address], date: &'a str, message_id: &'a str) -> Self {
        Self {
            from,
            to,
            date,
            message_id,
            subject: None,
            body_size: None,
        }
    }

    /// Overrides the subject.
    #[must_use]
    pub fn subject(mut self, subject: &'a str) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Pads the message to about `n` octets in all (for size-limit tests); the message is
    /// never smaller than its headers and the explanatory text.
    #[must_use]
    pub fn body_size(mut self, n: usize) -> Self {
        self.body_size = Some(n);
        self
    }

    /// The message for [`Plan::message`](super::Plan::message), in constant memory
    /// whatever [`body_size`](Self::body_size): the headers and explanatory text as
    /// [`Message::Generated`]'s header, the padding as its filler, generated while it is
    /// sent. Without padding (or when the text alone is as large) it is
    /// [`Message::Raw`]. The bytes sent are exactly those of [`build`](Self::build).
    ///
    /// ```
    /// use smtping_proto::Address;
    /// use smtping_proto::session::{Message, TestMessage};
    ///
    /// let from = Address::new("probe@example.org").unwrap();
    /// let to = vec![Address::new("alice@example.net").unwrap()];
    /// let msg = TestMessage::new(&from, &to, "Sat, 28 Nov 2026 05:30:00 +0000", "<1@x>")
    ///     .body_size(1 << 30)
    ///     .message();
    /// assert!(matches!(msg, Message::Generated { .. }));
    /// assert_eq!(msg.len(), 1 << 30);
    /// ```
    #[must_use]
    pub fn message(&self) -> Message {
        let text = self.text();
        match self.body_size {
            Some(n) if n > text.len() => Message::Generated {
                filler: (n - text.len()) as u64,
                header: text,
            },
            _ => Message::Raw(text),
        }
    }

    /// The message bytes, CRLF line endings, 7-bit unless an address is UTF-8. Header
    /// values that could carry CR or LF come from validated [`Address`]es; the date, id
    /// and subject have CR and LF replaced with spaces.
    ///
    /// This holds the whole message in memory: for a large
    /// [`body_size`](Self::body_size) use [`message`](Self::message).
    #[must_use]
    pub fn build(&self) -> Vec<u8> {
        let mut m = self.text();
        if let Some(n) = self.body_size
            && n > m.len()
        {
            m.extend_from_slice(&generated_body(n - m.len()));
        }
        m
    }

    /// The headers and the explanatory text, without padding.
    fn text(&self) -> Vec<u8> {
        let clean = |s: &str| s.replace(['\r', '\n'], " ");
        let from = if self.from.is_null() {
            "<mailer-daemon>".to_owned()
        } else {
            self.from.to_string()
        };
        let to = self
            .to
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",\r\n ");
        let subject = self.subject.map_or_else(
            || format!("SMTPing test message {}", clean(self.message_id)),
            clean,
        );
        format!(
            "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: 7bit\r\nAuto-Submitted: auto-generated\r\nX-Mailer: SMTPing\r\n\r\nThis is a test message sent by SMTPing to check that this server accepts mail.\r\nIt needs no reply and can be deleted.\r\n",
            clean(self.date),
            clean(self.message_id),
        )
        .into_bytes()
    }
}

/// Filler text of exactly `n` octets: lines of 76 printable characters ending in CRLF
/// (the last one possibly shorter), no line starting with a dot.
///
/// ```
/// use smtping_proto::session::generated_body;
/// let b = generated_body(200);
/// assert_eq!(b.len(), 200);
/// assert!(b.split(|c| *c == b'\n').all(|l| l.len() <= 79));
/// ```
#[must_use]
pub fn generated_body(n: usize) -> Vec<u8> {
    const LINE: &[u8] = FILLER_LINE;
    let mut out = Vec::with_capacity(n);
    while out.len() + LINE.len() <= n {
        out.extend_from_slice(LINE);
    }
    let rest = n - out.len();
    match rest {
        0 => {}
        1 => out.push(b'\n'),
        _ => {
            out.extend_from_slice(&LINE[..rest - 2]);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.truncate(n);
    out
}

#[cfg(test)]
mod tests;
