//! A raw RFC 5322 header block split into fields (RFC 5322 §2.2, §2.2.3 unfolding).
//!
//! [`HeaderBlock::parse`] reads the header section of a message (or a whole message: it
//! stops at the first empty line), with CRLF or bare LF line ends, and returns each field
//! as a name and its unfolded value (the line breaks of folding removed, the whitespace
//! kept), decoded as lossy UTF-8. The number of fields and the bytes read are bounded
//! ([`HeaderLimits`]); past a bound the block is cut short and
//! [`HeaderBlock::truncated`] says so. Lines that are neither a field nor a
//! continuation (an mbox `From ` line, garbage) are counted in
//! [`HeaderBlock::malformed`] and skipped.
//!
//! ```
//! use smtping_proto::grammar::headers::HeaderBlock;
//!
//! let msg = b"Received: from a.example (a.example [192.0.2.1])\r\n\tby mx.example.org; Tue, 1 Dec 2026 14:02:07 +0000\r\n\
//! Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=a.example\r\n\
//! Message-ID: <t1@a.example>\r\n\r\nbody";
//! let h = HeaderBlock::parse(msg);
//! assert_eq!(h.get("message-id"), Some("<t1@a.example>"));
//! assert_eq!(h.fields[0].value, "from a.example (a.example [192.0.2.1])\tby mx.example.org; Tue, 1 Dec 2026 14:02:07 +0000");
//! assert_eq!(h.body_offset, Some(msg.len() - 4));
//! assert_eq!(h.received()[0].from_ip.as_deref(), Some("192.0.2.1"));
//! assert_eq!(h.authentication_results()[0].as_ref().unwrap().authserv_id, "mx.example.org");
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::auth_results::{AuthResultsError, AuthenticationResults};
use super::received::Received;
use super::received_spf::{ReceivedSpf, ReceivedSpfError};

/// Default most bytes read: 256 KiB.
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024;
/// Default most fields: 1000.
pub const DEFAULT_MAX_FIELDS: usize = 1000;
/// Default longest unfolded field value kept: 64 KiB (the rest of a longer value is dropped
/// and the block marked truncated).
pub const DEFAULT_MAX_VALUE: usize = 64 * 1024;

/// Bounds for [`HeaderBlock::parse_with`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeaderLimits {
    /// Most input bytes read; the header block is cut at the last whole line before it.
    pub max_bytes: usize,
    /// Most fields kept.
    pub max_fields: usize,
    /// Longest unfolded value kept, in bytes.
    pub max_value: usize,
}

impl Default for HeaderLimits {
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            max_fields: DEFAULT_MAX_FIELDS,
            max_value: DEFAULT_MAX_VALUE,
        }
    }
}

/// One header field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeaderField {
    /// The field name as written (compare case-insensitively).
    pub name: String,
    /// The unfolded value: the CRLF (or LF) of each fold removed, the whitespace after it
    /// kept, leading whitespace after the colon and trailing whitespace removed.
    pub value: String,
}

/// A split header block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderBlock {
    /// The fields, in order.
    pub fields: Vec<HeaderField>,
    /// Where the body starts (after the empty line), when the block ended with one.
    pub body_offset: Option<usize>,
    /// `true` when a limit cut the block short.
    pub truncated: bool,
    /// `true` when any line ended with a bare LF.
    pub bare_lf: bool,
    /// Lines that were neither a field nor a continuation.
    pub malformed: usize,
}

impl HeaderBlock {
    /// Splits with the default [`HeaderLimits`].
    #[must_use]
    pub fn parse(input: &[u8]) -> Self {
        Self::parse_with(input, HeaderLimits::default())
    }

    /// Splits with `limits`.
    ///
    /// ```
    /// use smtping_proto::grammar::headers::{HeaderBlock, HeaderLimits};
    ///
    /// let h = HeaderBlock::parse_with(b"A: 1\nB: 2\nC: 3\n", HeaderLimits { max_fields: 2, ..HeaderLimits::default() });
    /// assert_eq!(h.fields.len(), 2);
    /// assert!(h.truncated && h.bare_lf);
    /// ```
    #[must_use]
    pub fn parse_with(input: &[u8], limits: HeaderLimits) -> Self {
        let mut out = Self::default();
        let window = &input[..input.len().min(limits.max_bytes)];
        let mut pos = 0;
        // The raw bytes of the field being assembled (name included).
        let mut current: Option<Vec<u8>> = None;
        while pos < window.len() {
            let Some(lf) = super::find_lf(&window[pos..]) else {
                if input.len() > window.len() {
                    out.truncated = true;
                } else {
                    // The last line has no terminator: still part of the block.
                    out.line(&window[pos..], &mut current, limits);
                }
                pos = window.len();
                break;
            };
            let end = pos + lf;
            let mut line = &window[pos..end];
            if let Some(l) = line.strip_suffix(b"\r") {
                line = l;
            } else {
                out.bare_lf = true;
            }
            pos = end + 1;
            if line.is_empty() {
                out.finish(&mut current, limits);
                out.body_offset = Some(pos);
                return out;
            }
            out.line(line, &mut current, limits);
            if out.fields.len() >= limits.max_fields && current.is_none() {
                break;
            }
        }
        out.finish(&mut current, limits);
        if pos < input.len() && out.body_offset.is_none() {
            out.truncated = true;
        }
        out
    }

    fn line(&mut self, line: &[u8], current: &mut Option<Vec<u8>>, limits: HeaderLimits) {
        if matches!(line.first(), Some(b' ' | b'\t')) {
            match current {
                Some(buf) => {
                    if buf.len() + line.len() <= limits.max_value + 1024 {
                        buf.extend_from_slice(line);
                    } else {
                        self.truncated = true;
                    }
                }
                None => self.malformed += 1,
            }
            return;
        }
        self.finish(current, limits);
        let name_end = line.iter().position(|&b| b == b':');
        let name_ok = name_end.is_some_and(|c| {
            c > 0
                && line[..c]
                    .iter()
                    .all(|&b| b.is_ascii_graphic() || b == b' ' || b == b'\t')
                && !line[..c].trim_ascii().is_empty()
        });
        if !name_ok {
            self.malformed += 1;
            return;
        }
        if self.fields.len() >= limits.max_fields {
            self.truncated = true;
            return;
        }
        let mut buf = Vec::with_capacity(line.len());
        buf.extend_from_slice(line);
        *current = Some(buf);
    }

    fn finish(&mut self, current: &mut Option<Vec<u8>>, limits: HeaderLimits) {
        let Some(buf) = current.take() else {
            return;
        };
        let colon = buf.iter().position(|&b| b == b':').unwrap_or(buf.len());
        let name = String::from_utf8_lossy(buf[..colon].trim_ascii()).into_owned();
        let mut value = buf.get(colon + 1..).unwrap_or_default().trim_ascii();
        if value.len() > limits.max_value {
            value = &value[..limits.max_value];
            self.truncated = true;
        }
        self.fields.push(HeaderField {
            name,
            value: String::from_utf8_lossy(value).into_owned(),
        });
    }

    /// The first value of field `name` (case-insensitive).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.get_all(name).next()
    }

    /// Every value of field `name` (case-insensitive), in order.
    pub fn get_all<'a, 'n>(&'a self, name: &'n str) -> impl Iterator<Item = &'a str> + use<'a, 'n> {
        self.fields
            .iter()
            .filter(move |f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value.as_str())
    }

    /// Every `Authentication-Results` field, parsed, in order (topmost, the last receiver's,
    /// first).
    #[must_use]
    pub fn authentication_results(&self) -> Vec<Result<AuthenticationResults, AuthResultsError>> {
        self.get_all("authentication-results")
            .map(|v| AuthenticationResults::parse(v.as_bytes()))
            .collect()
    }

    /// Every `Received-SPF` field, parsed, in order.
    #[must_use]
    pub fn received_spf(&self) -> Vec<Result<ReceivedSpf, ReceivedSpfError>> {
        self.get_all("received-spf")
            .map(|v| ReceivedSpf::parse(v.as_bytes()))
            .collect()
    }

    /// Every `Received` field, parsed, in order (the last hop first).
    #[must_use]
    pub fn received(&self) -> Vec<Received> {
        self.get_all("received").map(Received::parse).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfolds_and_stops_at_the_empty_line() {
        let h = HeaderBlock::parse(b"Subject: a\r\n b\r\n\tc\r\nX-Empty:\r\n\r\nNot: a header\r\n");
        assert_eq!(h.fields.len(), 2);
        assert_eq!(h.fields[0].value, "a b\tc");
        assert_eq!(h.fields[1].value, "");
        assert_eq!(h.body_offset, Some(32));
        assert!(!h.truncated && !h.bare_lf);
    }

    #[test]
    fn bare_lf_mbox_line_and_lossy_utf8() {
        let h = HeaderBlock::parse(
            b"From alice Tue Dec  1\n continuation-of-nothing\nSubject: caf\xc3\xa9 \xff\n",
        );
        assert_eq!(h.malformed, 2);
        assert_eq!(h.get("SUBJECT"), Some("caf\u{e9} \u{fffd}"));
        assert!(h.bare_lf);
        assert_eq!(h.body_offset, None);
        assert!(!h.truncated);
    }

    #[test]
    fn a_last_line_without_terminator_counts() {
        let h = HeaderBlock::parse(b"A: 1\r\nB: 2");
        assert_eq!(h.get("b"), Some("2"));
    }

    #[test]
    fn limits_cut_the_block() {
        let big = [b"A: ".as_slice(), &[b'x'; 100], b"\r\n"].concat();
        let h = HeaderBlock::parse_with(
            &big,
            HeaderLimits {
                max_value: 10,
                ..HeaderLimits::default()
            },
        );
        assert_eq!(h.fields[0].value.len(), 10);
        assert!(h.truncated);
        let h = HeaderBlock::parse_with(
            &big,
            HeaderLimits {
                max_bytes: 50,
                ..HeaderLimits::default()
            },
        );
        assert!(h.fields.is_empty());
        assert!(h.truncated);
        let many: Vec<u8> = (0..5000).flat_map(|_| *b"X: y\r\n").collect();
        let h = HeaderBlock::parse(&many);
        assert_eq!(h.fields.len(), DEFAULT_MAX_FIELDS);
        assert!(h.truncated);
        // Endless folding is bounded too.
        let fold: Vec<u8> = [b"A: 1\r\n".as_slice()]
            .into_iter()
            .chain(core::iter::repeat_n(
                b" more folded text\r\n".as_slice(),
                10_000,
            ))
            .flatten()
            .copied()
            .collect();
        let h = HeaderBlock::parse(&fold);
        assert!(h.fields[0].value.len() <= DEFAULT_MAX_VALUE);
        assert!(h.truncated);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_stays_bounded(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let limits = HeaderLimits { max_bytes: 1024, max_fields: 8, max_value: 64 };
            let h = HeaderBlock::parse_with(&bytes, limits);
            proptest::prop_assert!(h.fields.len() <= 8);
            proptest::prop_assert!(h.fields.iter().all(|f| f.value.len() <= 64 * 3));
            if let Some(off) = h.body_offset {
                proptest::prop_assert!(off <= bytes.len());
            }
        }
    }
}
