//! Domain names as SMTP and DNS records write them (RFC 5321 §4.1.2, RFC 1035 §2.3.1):
//! `Domain = sub-domain *("." sub-domain)`, `sub-domain = Let-dig [Ldh-str]`, labels of at
//! most 63 octets and a name of at most 253 (without the root dot).
//!
//! ```
//! use smtping_proto::grammar::domain::domain;
//!
//! assert_eq!(domain(&b"mx1.example.org>"[..]), Ok((&b">"[..], &b"mx1.example.org"[..])));
//! assert!(domain(&b"-bad.example"[..]).is_err());
//! ```

use nom::bytes::complete::take_while1;
use nom::character::complete::char;
use nom::combinator::{recognize, verify};
use nom::multi::many0_count;
use nom::sequence::pair;
use nom::{IResult, Parser};

/// One label: letters, digits and hyphens, neither starting nor ending with a hyphen,
/// 1 to 63 octets.
pub fn label(i: &[u8]) -> IResult<&[u8], &[u8]> {
    verify(
        take_while1(|b: u8| b.is_ascii_alphanumeric() || b == b'-'),
        |l: &[u8]| l.len() <= 63 && l[0] != b'-' && l[l.len() - 1] != b'-',
    )
    .parse(i)
}

/// A dotted name of [`label`]s, at most 253 octets. A trailing dot is left unparsed.
pub fn domain(i: &[u8]) -> IResult<&[u8], &[u8]> {
    verify(
        recognize(pair(label, many0_count(pair(char('.'), label)))),
        |d: &[u8]| d.len() <= 253,
    )
    .parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_lengths() {
        assert!(label(b"a-b").is_ok());
        assert!(label(b"a-").is_err());
        assert!(label(&[b'a'; 64]).is_err());
        let long = [
            b"a".repeat(63),
            b"a".repeat(63),
            b"a".repeat(63),
            b"a".repeat(61),
        ]
        .join(&b'.');
        assert_eq!(long.len(), 253);
        assert!(domain(&long).is_ok());
        let too_long = [long.as_slice(), b"a"].concat();
        assert!(domain(&too_long).is_err());
    }

    #[test]
    fn stops_at_a_bad_label() {
        assert_eq!(domain(b"a.b..c"), Ok((&b"..c"[..], &b"a.b"[..])));
        assert_eq!(
            domain(b"example.org."),
            Ok((&b"."[..], &b"example.org"[..]))
        );
    }
}
