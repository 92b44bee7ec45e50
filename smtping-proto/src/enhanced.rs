//! Enhanced mail system status codes (RFC 3463, RFC 2034).
//!
//! An enhanced status code has the form `class.subject.detail`, for example `5.7.606`.
//! The class is one digit (`2` success, `4` persistent transient failure, `5` permanent
//! failure); subject and detail are one to three digits each (RFC 3463 §2), so
//! Microsoft's `5.7.606` and the IANA registry's `4.7.30` are both valid.

use core::fmt;
use core::str::FromStr;

use nom::combinator::map;
use nom::{IResult, Parser};

use crate::grammar::{byte, byte_of, digits_up_to};

/// An enhanced mail system status code such as `5.1.1` (RFC 3463).
///
/// ```
/// use smtping_proto::EnhancedCode;
///
/// let code: EnhancedCode = "5.7.606".parse().unwrap();
/// assert_eq!((code.class(), code.subject(), code.detail()), (5, 7, 606));
/// assert_eq!(code.to_string(), "5.7.606");
/// assert!(code.is_permanent());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    class: u8,
    subject: u16,
    detail: u16,
}

/// Why a string is not an enhanced status code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnhancedCodeError {
    /// The text is not `class.subject.detail` with class 2, 4 or 5 and
    /// one to three digits for subject and detail.
    #[error(
        "not an enhanced status code: expected class.subject.detail such as 5.1.1 (class 2, 4 or 5; subject and detail of 1-3 digits)"
    )]
    Syntax,
}

impl EnhancedCode {
    /// Builds a code from its parts. Returns `None` when the class is not 2, 4 or 5 or
    /// when subject or detail exceed three digits.
    ///
    /// ```
    /// # use smtping_proto::EnhancedCode;
    /// assert_eq!(EnhancedCode::new(4, 7, 1).unwrap().to_string(), "4.7.1");
    /// assert!(EnhancedCode::new(3, 0, 0).is_none());
    /// assert!(EnhancedCode::new(5, 1000, 0).is_none());
    /// ```
    #[must_use]
    pub const fn new(class: u8, subject: u16, detail: u16) -> Option<Self> {
        if !matches!(class, 2 | 4 | 5) || subject > 999 || detail > 999 {
            return None;
        }
        Some(Self {
            class,
            subject,
            detail,
        })
    }

    /// The class digit: 2, 4 or 5.
    #[must_use]
    pub const fn class(self) -> u8 {
        self.class
    }

    /// The subject (second part), e.g. `7` for security or policy status.
    #[must_use]
    pub const fn subject(self) -> u16 {
        self.subject
    }

    /// The detail (third part).
    #[must_use]
    pub const fn detail(self) -> u16 {
        self.detail
    }

    /// `true` for class 2 (success).
    #[must_use]
    pub const fn is_success(self) -> bool {
        self.class == 2
    }

    /// `true` for class 4 (persistent transient failure: retrying may succeed).
    #[must_use]
    pub const fn is_transient(self) -> bool {
        self.class == 4
    }

    /// `true` for class 5 (permanent failure).
    #[must_use]
    pub const fn is_permanent(self) -> bool {
        self.class == 5
    }

    /// Parses an enhanced code at the very start of `text` (RFC 2034 puts it first in each
    /// reply line) and returns it with the number of bytes it used, separator excluded.
    ///
    /// The code must be followed by a space, a tab or the end of `text`; `5.7.1.2` and
    /// `2.0.0abc` are not codes, and neither is a host name like `100.example.org`.
    ///
    /// ```
    /// # use smtping_proto::EnhancedCode;
    /// let (code, used) = EnhancedCode::parse_prefix(b"5.1.1 <x@example.org>: unknown").unwrap();
    /// assert_eq!((code.to_string().as_str(), used), ("5.1.1", 5));
    /// assert!(EnhancedCode::parse_prefix(b"100.example.org ESMTP").is_none());
    /// assert!(EnhancedCode::parse_prefix(b"192.0.2.1 said").is_none());
    /// ```
    #[must_use]
    pub fn parse_prefix(text: &[u8]) -> Option<(Self, usize)> {
        let (code, used) = enhanced_code(text)?;
        match text.get(used) {
            None | Some(b' ' | b'\t') => Some((code, used)),
            _ => None,
        }
    }

    /// The enhanced code at the start of a reply's first line, read from the reply's raw
    /// bytes (`NNN-` or `NNN ` then the text): what [`EnhancedCode::parse_prefix`] finds in
    /// the first line's text (the code ends at a space, a tab or the line end), whatever
    /// its class. A `const fn` over bytes so that [`Reply::enhanced`](crate::Reply::enhanced)
    /// can read it lazily and stay `const`.
    #[inline]
    pub(crate) const fn at_line_start(raw: &[u8]) -> Option<Self> {
        // A bare `NNN` (or anything shorter than a head) has no text.
        if raw.len() < 4 || matches!(raw[3], b'\r' | b'\n') {
            return None;
        }
        let class = match at(raw, 4) {
            Some(c @ (b'2' | b'4' | b'5')) => c - b'0',
            _ => return None,
        };
        if !matches!(at(raw, 5), Some(b'.')) {
            return None;
        }
        let Some((subject, i)) = digits3(raw, 6) else {
            return None;
        };
        if !matches!(at(raw, i), Some(b'.')) {
            return None;
        }
        let Some((detail, i)) = digits3(raw, i + 1) else {
            return None;
        };
        // The code ends the text, or a space or tab follows it; a CR ends the text only
        // as part of the line's CRLF (elsewhere it is text).
        let ends = match at(raw, i) {
            None | Some(b' ' | b'\t' | b'\n') => true,
            Some(b'\r') => i + 1 == raw.len() || raw[i + 1] == b'\n',
            Some(_) => false,
        };
        if ends {
            Some(Self {
                class,
                subject,
                detail,
            })
        } else {
            None
        }
    }
}

/// One to three digits at `raw[i..]` as a number and the index after them; `None` on no
/// digit or a fourth one ([`digits_up_to`]`(3)` as a `const fn`, unrolled).
#[inline(always)]
const fn digits3(raw: &[u8], i: usize) -> Option<(u16, usize)> {
    let a = digit_at(raw, i);
    if a > 9 {
        return None;
    }
    let b = digit_at(raw, i + 1);
    if b > 9 {
        return Some((a as u16, i + 1));
    }
    let c = digit_at(raw, i + 2);
    if c > 9 {
        return Some(((a * 10 + b) as u16, i + 2));
    }
    if digit_at(raw, i + 3) <= 9 {
        return None;
    }
    Some((a as u16 * 100 + (b * 10 + c) as u16, i + 3))
}

/// The digit's value at `raw[i]`, above 9 for anything else or past the end.
#[inline(always)]
const fn digit_at(raw: &[u8], i: usize) -> u8 {
    if i < raw.len() {
        raw[i].wrapping_sub(b'0')
    } else {
        u8::MAX
    }
}

/// `raw[i]`, `None` past the end (`<[u8]>::get` as a `const fn`).
#[inline(always)]
const fn at(raw: &[u8], i: usize) -> Option<u8> {
    if i < raw.len() { Some(raw[i]) } else { None }
}

/// `status-code = class "." subject "." detail`, with `class = "2" / "4" / "5"` and
/// `subject`, `detail` of one to three digits (RFC 3463 §2).
#[inline]
fn status_code(t: &[u8]) -> IResult<&[u8], EnhancedCode> {
    map(
        (
            byte_of(b"245"),
            byte(b'.'),
            digits_up_to(3),
            byte(b'.'),
            digits_up_to(3),
        ),
        |(class, _, subject, _, detail)| EnhancedCode {
            class: class - b'0',
            subject,
            detail,
        },
    )
    .parse(t)
}

/// [`status_code`] and the number of bytes it used.
#[inline]
fn enhanced_code(t: &[u8]) -> Option<(EnhancedCode, usize)> {
    let (rest, code) = status_code(t).ok()?;
    Some((code, t.len() - rest.len()))
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl FromStr for EnhancedCode {
    type Err = EnhancedCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match enhanced_code(s.as_bytes()) {
            Some((code, used)) if used == s.len() => Ok(code),
            _ => Err(EnhancedCodeError::Syntax),
        }
    }
}

#[cfg(test)]
mod tests;
