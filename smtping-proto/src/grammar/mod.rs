//! Shared grammar pieces, written with [`nom`] 8.
//!
//! Every parser here is an ordinary nom parser over bytes (`fn(&[u8]) -> IResult<&[u8], O>`)
//! so that grammars compose them with nom's combinators. Where a combinator formulation was
//! measurably slower on a hot loop (the line-end scan of every reply line), the primitive is
//! written by hand with the same signature; the grammar that uses it still reads as nom.
//!
//! - [`line()`], [`byte`], [`byte_of`], [`fixed_digits`], [`digits_up_to`]: the primitives of the reply,
//!   enhanced-code and EHLO grammars.
//! - [`tag_value`]: RFC 6376 §3.2 tag-value lists (DKIM, DMARC, MTA-STS, TLS-RPT records).
//! - [`rfc5322`]: folding whitespace, comments, atoms, dot-atoms, quoted strings.
//! - [`domain`]: domain names and their labels.
//! - [`auth_results`]: `Authentication-Results` (RFC 8601); [`received_spf`]:
//!   `Received-SPF` (RFC 7208 §9.1).
//! - [`headers`]: a raw header block split into unfolded fields; [`received`]: `Received`
//!   trace fields.
//!
//! ```
//! use smtping_proto::grammar::{line, Line};
//!
//! let (rest, l) = line(4096)(&b"250 ok\r\n354 go"[..]).unwrap();
//! assert_eq!(l, Line { content: &b"250 ok"[..], bare_lf: false });
//! assert_eq!(rest, b"354 go");
//! ```

pub mod auth_results;
pub mod domain;
pub mod headers;
pub mod received;
pub mod received_spf;
pub mod rfc5322;
pub mod tag_value;

use nom::error::{Error, ErrorKind};
use nom::{Err, IResult, Needed};

/// One line as [`line()`] returns it: the bytes before the terminator, and whether that
/// terminator was a bare LF rather than CRLF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line without its terminator (a CR before the LF is removed; a CR elsewhere kept).
    pub content: &'a [u8],
    /// `true` when the line ended with LF alone.
    pub bare_lf: bool,
}

/// A streaming line: everything up to and including the first LF, looking no further
/// than `max_len` content bytes plus the two terminator bytes.
///
/// Returns `Err::Incomplete` while no LF has arrived and the line could still fit, and
/// `Err::Error` with [`ErrorKind::TooLarge`] as soon as it cannot: either no LF within
/// `max_len + 2` bytes, or an LF after more than `max_len` content bytes. Hand-written with
/// `memchr` (faster than `take_till` and than a SWAR loop on 40-byte lines, measured with
/// callgrind on the benchmark corpus).
///
/// ```
/// use nom::{Err, error::ErrorKind};
/// use smtping_proto::grammar::line;
///
/// assert!(matches!(line(8)(&b"250 o"[..]), Err(Err::Incomplete(_))));
/// assert!(matches!(line(3)(&b"250 ok\r\n"[..]), Err(Err::Error(e)) if e.code == ErrorKind::TooLarge));
/// let (_, l) = line(8)(&b"250 ok\n"[..]).unwrap();
/// assert!(l.bare_lf);
/// ```
#[inline]
pub fn line(max_len: usize) -> impl Fn(&[u8]) -> IResult<&[u8], Line<'_>> {
    move |input: &[u8]| line_within(input, max_len)
}

/// [`line()`] as a plain function, inlined into the reply grammar's loop (the closure was
/// a call per line).
#[inline(always)]
pub(crate) fn line_within(input: &[u8], max_len: usize) -> IResult<&[u8], Line<'_>> {
    {
        let window = input.len().min(max_len.saturating_add(2));
        let Some(lf) = find_lf(&input[..window]) else {
            if input.len() >= max_len.saturating_add(2) {
                return Err(Err::Error(Error::new(input, ErrorKind::TooLarge)));
            }
            return Err(Err::Incomplete(Needed::Unknown));
        };
        let bare_lf = lf == 0 || input[lf - 1] != b'\r';
        let content_len = if bare_lf { lf } else { lf - 1 };
        if content_len > max_len {
            return Err(Err::Error(Error::new(input, ErrorKind::TooLarge)));
        }
        Ok((
            &input[lf + 1..],
            Line {
                content: &input[..content_len],
                bare_lf,
            },
        ))
    }
}

/// One byte of `set`, streaming: `Incomplete` on empty input, `Err::Error` with
/// [`ErrorKind::OneOf`] otherwise. A hand-tuned [`nom::character::streaming::one_of`] for
/// bytes (no `char` decoding; measured 5× fewer instructions on a reply separator).
///
/// ```
/// use smtping_proto::grammar::byte_of;
///
/// assert_eq!(byte_of(b" -")(&b"-x"[..]), Ok((&b"x"[..], b'-')));
/// assert!(byte_of(b" -")(&b"x"[..]).is_err());
/// ```
#[inline]
pub fn byte_of(set: &'static [u8]) -> impl Fn(&[u8]) -> IResult<&[u8], u8> {
    move |i: &[u8]| match i.first() {
        None => Err(Err::Incomplete(Needed::new(1))),
        // `any` over the (inlined, constant) set unrolls to comparisons; `contains`
        // calls a `memchr` on it.
        Some(b) if set.iter().any(|s| s == b) => Ok((&i[1..], *b)),
        Some(_) => Err(Err::Error(Error::new(i, ErrorKind::OneOf))),
    }
}

/// The byte `c`, streaming: `Incomplete` on empty input, `Err::Error` with
/// [`ErrorKind::Char`] otherwise. [`nom::character::streaming::char`] for bytes, without
/// the `char` decoding (one comparison).
///
/// ```
/// use smtping_proto::grammar::byte;
///
/// assert_eq!(byte(b'.')(&b".1"[..]), Ok((&b"1"[..], b'.')));
/// assert!(byte(b'.')(&b"1"[..]).is_err());
/// ```
#[inline]
pub fn byte(c: u8) -> impl Fn(&[u8]) -> IResult<&[u8], u8> {
    move |i: &[u8]| match i.first() {
        Some(&b) if b == c => Ok((&i[1..], b)),
        Some(_) => Err(Err::Error(Error::new(i, ErrorKind::Char))),
        None => Err(Err::Incomplete(Needed::new(1))),
    }
}

/// Exactly `N` ASCII digits as a number, streaming: `Incomplete` while fewer have arrived
/// and all are digits, `Err::Error` ([`ErrorKind::Digit`]) at the first non-digit. The
/// hand-tuned form of `take_while_m_n(N, N, is_digit)` (nom's generic version cost three
/// times the instructions of the whole reply head). `N` is at most 4.
///
/// ```
/// use smtping_proto::grammar::fixed_digits;
///
/// assert_eq!(fixed_digits::<3>(&b"250 ok"[..]), Ok((&b" ok"[..], 250)));
/// assert!(matches!(fixed_digits::<3>(&b"25"[..]), Err(nom::Err::Incomplete(_))));
/// assert!(matches!(fixed_digits::<3>(&b"2x"[..]), Err(nom::Err::Error(_))));
/// ```
#[inline]
pub fn fixed_digits<const N: usize>(i: &[u8]) -> IResult<&[u8], u16> {
    let mut value = 0u16;
    for n in 0..N {
        match i.get(n) {
            Some(b) if b.is_ascii_digit() => value = value * 10 + u16::from(b - b'0'),
            Some(_) => return Err(Err::Error(Error::new(i, ErrorKind::Digit))),
            None => return Err(Err::Incomplete(Needed::new(N - n))),
        }
    }
    Ok((&i[N..], value))
}

/// One to `max` ASCII digits as a number, complete input: fails on no digit or on more
/// than `max` (so `1234` is not read as `123` then `4`). `max` is at most 4.
///
/// ```
/// use smtping_proto::grammar::digits_up_to;
///
/// assert_eq!(digits_up_to(3)(&b"606 x"[..]), Ok((&b" x"[..], 606)));
/// assert!(digits_up_to(3)(&b"6060"[..]).is_err());
/// assert!(digits_up_to(3)(&b"x"[..]).is_err());
/// ```
#[inline]
pub fn digits_up_to(max: usize) -> impl Fn(&[u8]) -> IResult<&[u8], u16> {
    move |i: &[u8]| {
        let mut value = 0u16;
        let mut n = 0;
        while let Some(&b) = i.get(n) {
            let digit = b.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            if n == max {
                return Err(Err::Error(Error::new(i, ErrorKind::TooLarge)));
            }
            value = value * 10 + u16::from(digit);
            n += 1;
        }
        if n == 0 {
            return Err(Err::Error(Error::new(i, ErrorKind::Digit)));
        }
        Ok((&i[n..], value))
    }
}

/// Finds the first LF (`memchr`). On x86-64 the SSE2 searcher (part of the base
/// instruction set) is called directly: it inlines, where `memchr::memchr` goes through a
/// runtime-dispatched AVX2 routine whose call overhead dominates on reply-sized lines.
#[inline]
pub(crate) fn find_lf(h: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(searcher) = memchr::arch::x86_64::sse2::memchr::One::new(b'\n') {
        return searcher.find(h);
    }
    memchr::memchr(b'\n', h)
}

/// [`find_lf`] with its searcher set up once, for a loop over many lines.
#[derive(Clone, Copy)]
pub(crate) struct LfSearcher {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    sse2: Option<memchr::arch::x86_64::sse2::memchr::One>,
}

impl LfSearcher {
    #[inline]
    pub(crate) fn new() -> Self {
        Self {
            #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
            sse2: memchr::arch::x86_64::sse2::memchr::One::new(b'\n'),
        }
    }

    /// The first LF in `h`.
    #[inline]
    pub(crate) fn find(&self, h: &[u8]) -> Option<usize> {
        #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
        if let Some(searcher) = &self.sse2 {
            return searcher.find(h);
        }
        memchr::memchr(b'\n', h)
    }
}

/// Finds the first space or tab (`memchr2`, SSE2 directly on x86-64 as in [`find_lf`]).
#[inline]
pub(crate) fn find_blank(h: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(searcher) = memchr::arch::x86_64::sse2::memchr::Two::new(b' ', b'\t') {
        return searcher.find(h);
    }
    memchr::memchr2(b' ', b'\t', h)
}

/// Finds the first space, tab or LF (`memchr3`, SSE2 directly on x86-64 as in
/// [`find_lf`]): where a greeting's server name ends, or its line when it has no blank.
#[inline]
pub(crate) fn find_blank_or_lf(h: &[u8]) -> Option<usize> {
    #[cfg(all(target_arch = "x86_64", target_feature = "sse2"))]
    if let Some(searcher) = memchr::arch::x86_64::sse2::memchr::Three::new(b' ', b'\t', b'\n') {
        return searcher.find(h);
    }
    memchr::memchr3(b' ', b'\t', b'\n', h)
}

#[cfg(test)]
mod tests;
