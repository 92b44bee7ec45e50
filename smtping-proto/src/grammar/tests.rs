use nom::Err;
use nom::error::ErrorKind;

use super::*;

#[test]
fn line_splits_at_the_first_lf() {
    let (rest, l) = line(10)(b"250-a\r\n250 b\r\n").unwrap();
    assert_eq!(l.content, b"250-a");
    assert!(!l.bare_lf);
    assert_eq!(rest, b"250 b\r\n");
}

#[test]
fn line_limit_counts_content_only() {
    assert!(line(5)(b"250-a\r\n").is_ok());
    assert!(line(5)(b"250-ab\n").is_err());
    // Six bytes without an LF could still be 5 + CRLF... but seven cannot.
    assert!(matches!(line(5)(b"250-abc"), Err(Err::Error(e)) if e.code == ErrorKind::TooLarge));
    assert!(matches!(line(5)(b"250-a\r"), Err(Err::Incomplete(_))));
}

#[test]
fn a_lone_lf_is_an_empty_bare_line() {
    let (_, l) = line(5)(b"\n").unwrap();
    assert_eq!(l.content, b"");
    assert!(l.bare_lf);
}
