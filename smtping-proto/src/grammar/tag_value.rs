//! Tag-value lists (RFC 6376 §3.2), the syntax of DKIM signatures and keys and, with the
//! same rules, of DMARC, MTA-STS and TLS-RPT records.
//!
//! ```text
//! tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
//! tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//! tag-name  = ALPHA *ALNUMPUNC                 ; ALNUMPUNC = ALPHA / DIGIT / "_"
//! tag-value = [ tval *( 1*(WSP / FWS) tval ) ] ; tval = 1*VALCHAR, %x21-3A / %x3C-7E
//! ```
//!
//! ```
//! use smtping_proto::grammar::tag_value::tag_list;
//!
//! let (rest, tags) = tag_list(&b"v=DMARC1; p=reject; rua=mailto:d@example.org;"[..]).unwrap();
//! assert!(rest.is_empty());
//! assert_eq!(tags[1], (&b"p"[..], &b"reject"[..]));
//! assert!(tag_list(&b"v=1; v=2"[..]).is_err()); // duplicate tags invalidate the list
//! ```

use alloc::vec::Vec;

use nom::bytes::complete::{take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::{opt, recognize};
use nom::error::{Error, ErrorKind};
use nom::multi::{many0_count, separated_list1};
use nom::sequence::{delimited, pair, preceded, separated_pair, terminated};
use nom::{Err, IResult, Parser};

use super::rfc5322::fws;

/// `VALCHAR = %x21-3A / %x3C-7E` (printable ASCII except `;`).
#[must_use]
pub const fn is_valchar(b: u8) -> bool {
    matches!(b, 0x21..=0x3A | 0x3C..=0x7E)
}

/// `tag-name = ALPHA *ALNUMPUNC`.
pub fn tag_name(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(pair(
        satisfy(|c| c.is_ascii_alphabetic()),
        take_while(|b: u8| b.is_ascii_alphanumeric() || b == b'_'),
    ))
    .parse(i)
}

/// `tag-value`: values separated by whitespace (folded or not), possibly empty; trailing
/// whitespace is not part of it.
pub fn tag_value(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(opt(pair(
        take_while1(is_valchar),
        many0_count(pair(fws, take_while1(is_valchar))),
    )))
    .parse(i)
}

/// One tag: (name, raw value).
pub type Tag<'a> = (&'a [u8], &'a [u8]);

/// `tag-spec = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]`: (name, value).
pub fn tag_spec(i: &[u8]) -> IResult<&[u8], Tag<'_>> {
    delimited(
        opt(fws),
        separated_pair(tag_name, (opt(fws), char('='), opt(fws)), tag_value),
        opt(fws),
    )
    .parse(i)
}

/// `tag-list = tag-spec *( ";" tag-spec ) [ ";" ]`, in order. A tag name that occurs twice
/// makes the whole list invalid (RFC 6376 §3.2), reported as [`ErrorKind::Verify`].
/// Trailing whitespace after a final `;` is accepted.
pub fn tag_list(i: &[u8]) -> IResult<&[u8], Vec<Tag<'_>>> {
    let (rest, tags) = terminated(
        separated_list1(char(';'), tag_spec),
        opt(preceded(char(';'), opt(fws))),
    )
    .parse(i)?;
    for (n, (name, _)) in tags.iter().enumerate() {
        if tags[..n].iter().any(|(other, _)| other == name) {
            return Err(Err::Error(Error::new(i, ErrorKind::Verify)));
        }
    }
    Ok((rest, tags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dkim_signature_with_folding() {
        let sig = b"v=1; a=rsa-sha256; d=example.net; s=brisbane;\r\n c=simple; q=dns/txt;\r\n\th=From:To; bh=MTIz\r\n NDU2=";
        let (rest, tags) = tag_list(sig).unwrap();
        assert!(rest.is_empty());
        let names: Vec<_> = tags.iter().map(|t| t.0).collect();
        assert_eq!(
            names,
            [&b"v"[..], b"a", b"d", b"s", b"c", b"q", b"h", b"bh"]
        );
        assert_eq!(tags[7].1, b"MTIz\r\n NDU2=");
    }

    #[test]
    fn empty_values_and_spaces_around_equals() {
        let (_, tags) = tag_list(b"p= ; t = y").unwrap();
        assert_eq!(tags, [(&b"p"[..], &b""[..]), (&b"t"[..], &b"y"[..])]);
    }

    #[test]
    fn bad_names_stop_the_list() {
        assert!(tag_list(b"1v=1").is_err());
        let (rest, tags) = tag_list(b"v=1; =x").unwrap();
        assert_eq!(tags.len(), 1);
        assert_eq!(rest, b"=x"); // the list ends at its last valid tag-spec and `;`
    }
}
