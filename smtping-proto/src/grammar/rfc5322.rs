//! RFC 5322 §3.2 lexical pieces: folding whitespace, comments, atoms, dot-atoms and
//! quoted strings, over complete input. Values are returned as the raw slices they span
//! (quoted pairs are not unescaped), so nothing allocates.
//!
//! ```
//! use smtping_proto::grammar::rfc5322::{cfws, dot_atom, quoted_string};
//!
//! assert_eq!(dot_atom(&b" (hi) mail.example.org rest"[..]), Ok((&b"rest"[..], &b"mail.example.org"[..])));
//! assert_eq!(quoted_string(&b"\"a \\\" b\";"[..]), Ok((&b";"[..], &b"a \\\" b"[..])));
//! assert_eq!(cfws(&b" (a (nested) comment)\r\n x"[..]), Ok((&b"x"[..], ())));
//! ```

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::{opt, recognize, value};
use nom::multi::{many0_count, many1_count};
use nom::sequence::{delimited, pair, preceded};
use nom::{IResult, Parser};

/// `WSP = SP / HTAB`.
#[must_use]
pub const fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
#[must_use]
pub const fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'/' | b'=' | b'?' | b'^'..=b'`' | b'{'..=b'~')
}

/// `FWS = ([*WSP CRLF] 1*WSP)`: whitespace, possibly folded onto a new line (the line
/// break must be followed by whitespace).
///
/// ```
/// use smtping_proto::grammar::rfc5322::fws;
/// assert_eq!(fws(&b" \r\n\tx"[..]), Ok((&b"x"[..], ())));
/// assert!(fws(&b"\r\nx"[..]).is_err());
/// ```
pub fn fws(i: &[u8]) -> IResult<&[u8], ()> {
    value(
        (),
        alt((
            (take_while(is_wsp), tag("\r\n"), take_while1(is_wsp)),
            (take_while1(is_wsp), tag(""), tag("")),
        )),
    )
    .parse(i)
}

/// `ctext`: printable ASCII except `(`, `)` and `\`.
const fn is_ctext(b: u8) -> bool {
    matches!(b, 33..=39 | 42..=91 | 93..=126)
}

/// `quoted-pair = "\" (VCHAR / WSP)`.
fn quoted_pair(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(preceded(
        char('\\'),
        nom::character::complete::satisfy(|c| c.is_ascii_graphic() || c == ' ' || c == '\t'),
    ))
    .parse(i)
}

/// How deeply comments may nest before [`comment`] refuses the input: each level is a
/// stack frame, so hostile input must not choose the depth.
pub const MAX_COMMENT_DEPTH: usize = 16;

/// `comment = "(" *([FWS] ccontent) [FWS] ")"`, with `ccontent = ctext / quoted-pair /
/// comment` (nested comments allowed, at most [`MAX_COMMENT_DEPTH`] deep).
///
/// ```
/// use smtping_proto::grammar::rfc5322::comment;
/// assert_eq!(comment(&b"(a (b) c)x"[..]).unwrap(), (&b"x"[..], &b"(a (b) c)"[..]));
/// // Ten thousand levels are refused, not recursed into.
/// let deep = [b"(".repeat(10_000), b")".repeat(10_000)].concat();
/// assert!(comment(&deep).is_err());
/// ```
pub fn comment(i: &[u8]) -> IResult<&[u8], &[u8]> {
    comment_at(i, 1)
}

fn comment_at(i: &[u8], depth: usize) -> IResult<&[u8], &[u8]> {
    if depth > MAX_COMMENT_DEPTH {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TooLarge,
        )));
    }
    recognize(delimited(
        char('('),
        many0_count(preceded(
            opt(fws),
            alt((take_while1(is_ctext), quoted_pair, |j| {
                comment_at(j, depth + 1)
            })),
        )),
        pair(opt(fws), char(')')),
    ))
    .parse(i)
}

/// `CFWS = (1*([FWS] comment) [FWS]) / FWS`.
pub fn cfws(i: &[u8]) -> IResult<&[u8], ()> {
    value(
        (),
        alt((
            value((), pair(many1_count(preceded(opt(fws), comment)), opt(fws))),
            fws,
        )),
    )
    .parse(i)
}

/// `dot-atom-text = 1*atext *("." 1*atext)`.
pub fn dot_atom_text(i: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(pair(
        take_while1(is_atext),
        many0_count(pair(char('.'), take_while1(is_atext))),
    ))
    .parse(i)
}

/// `dot-atom = [CFWS] dot-atom-text [CFWS]`; returns the dot-atom-text.
pub fn dot_atom(i: &[u8]) -> IResult<&[u8], &[u8]> {
    delimited(opt(cfws), dot_atom_text, opt(cfws)).parse(i)
}

/// `atom = [CFWS] 1*atext [CFWS]`; returns the atext.
pub fn atom(i: &[u8]) -> IResult<&[u8], &[u8]> {
    delimited(opt(cfws), take_while1(is_atext), opt(cfws)).parse(i)
}

/// `qtext`: printable ASCII except `"` and `\`.
const fn is_qtext(b: u8) -> bool {
    matches!(b, 33 | 35..=91 | 93..=126)
}

/// `quoted-string = [CFWS] DQUOTE *([FWS] qcontent) [FWS] DQUOTE [CFWS]`; returns the raw
/// bytes between the quotes (quoted pairs kept escaped).
pub fn quoted_string(i: &[u8]) -> IResult<&[u8], &[u8]> {
    delimited(
        pair(opt(cfws), char('"')),
        recognize(pair(
            many0_count(preceded(
                opt(fws),
                alt((take_while1(is_qtext), quoted_pair)),
            )),
            opt(fws),
        )),
        pair(char('"'), opt(cfws)),
    )
    .parse(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_nest_and_escape() {
        assert_eq!(
            comment(b"(a (b) \\) c)x"),
            Ok((&b"x"[..], &b"(a (b) \\) c)"[..]))
        );
        assert!(comment(b"(open").is_err());
    }

    #[test]
    fn dot_atoms_refuse_empty_labels() {
        assert_eq!(dot_atom_text(b"a.b.c"), Ok((&b""[..], &b"a.b.c"[..])));
        assert_eq!(dot_atom_text(b"a..b"), Ok((&b"..b"[..], &b"a"[..])));
        assert!(dot_atom_text(b".a").is_err());
    }

    #[test]
    fn quoted_strings_keep_escapes() {
        assert_eq!(quoted_string(b"\"\""), Ok((&b""[..], &b""[..])));
        assert_eq!(quoted_string(b" \"a b\" x"), Ok((&b"x"[..], &b"a b"[..])));
        assert!(quoted_string(b"\"unterminated").is_err());
    }

    #[test]
    fn folding_needs_whitespace_after_crlf() {
        assert!(fws(b"\r\n").is_err());
        assert_eq!(cfws(b"(c)\r\n (d) z"), Ok((&b"z"[..], ())));
    }
}
