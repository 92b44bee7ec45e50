//! Unit tests of `reply` (kept beside it, in its own file).

use super::*;

fn one(buf: &[u8]) -> Reply<'_> {
    let (r, used) = parse_reply(buf).unwrap().unwrap();
    assert_eq!(used, buf.len(), "consumed count for {buf:?}");
    r
}

fn lines(r: &Reply<'_>) -> Vec<String> {
    r.lines()
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect()
}

#[test]
fn find_lf_agrees_with_memchr() {
    let mut buf = vec![b'a'; 200];
    assert_eq!(find_lf(&buf), None);
    for i in 0..buf.len() {
        buf[i] = b'\n';
        for start in 0..=i.min(20) {
            assert_eq!(
                find_lf(&buf[start..]),
                Some(i - start),
                "lf at {i}, from {start}"
            );
        }
        buf[i] = 0x8a; // a byte that differs from LF only in the high bit
        assert_eq!(find_lf(&buf), memchr::memchr(b'\n', &buf));
        buf[i] = b'a';
    }
    assert_eq!(find_lf(b""), None);
    assert_eq!(find_lf(b"\x0b\x09\n"), Some(2));
}

#[test]
fn single_and_multi_line() {
    let r = one(b"220 mx.example.org ESMTP Postfix\r\n");
    assert_eq!(r.code(), 220);
    assert_eq!(lines(&r), ["mx.example.org ESMTP Postfix"]);
    let r = one(b"250-mx Hello\r\n250-PIPELINING\r\n250 8BITMIME\r\n");
    assert_eq!(lines(&r), ["mx Hello", "PIPELINING", "8BITMIME"]);
    assert_eq!(r.line_count(), 3);
}

#[test]
fn bare_code_and_empty_text() {
    let r = one(b"250\r\n");
    assert_eq!(lines(&r), [""]);
    let r = one(b"250 \r\n");
    assert_eq!(lines(&r), [""]);
    let r = one(b"250-\r\n250\r\n");
    assert_eq!(lines(&r), ["", ""]);
    assert_eq!(r.to_string(), "250-\n250");
}

#[test]
fn text_starting_with_digits_is_not_an_enhanced_code() {
    let r = one(b"250 100.example.org\r\n");
    assert_eq!(r.enhanced(), None);
    assert_eq!(r.enhanced_mismatch(), None);
    assert_eq!(lines(&r), ["100.example.org"]);
    let r = one(b"250 2.0.0.1 Ok\r\n");
    assert_eq!(r.enhanced(), None);
}

#[test]
fn enhanced_codes() {
    let r = one(b"550 5.7.606 Access denied, banned sending IP [192.0.2.1]\r\n");
    assert_eq!(r.enhanced().unwrap().to_string(), "5.7.606");
    let r = one(b"250 5.0.0 Ok\r\n");
    assert_eq!(r.enhanced(), None);
    assert_eq!(r.enhanced_mismatch().unwrap().to_string(), "5.0.0");
    let r = one(b"451 4.7.1\r\n");
    assert_eq!(r.enhanced().unwrap().to_string(), "4.7.1");
}

#[test]
fn mismatched_continuation_code_is_an_error() {
    assert_eq!(
        parse_reply(b"250-first\r\n251 second\r\n"),
        Err(ReplyError::CodeMismatch {
            line: 2,
            expected: 250,
            found: 251
        })
    );
}

#[test]
fn codes_outside_range() {
    for (buf, code) in [
        (&b"199 no\r\n"[..], 199),
        (b"600 no\r\n", 600),
        (b"000 x\r\n", 0),
        (b"260 x\r\n", 260),
    ] {
        assert_eq!(
            parse_reply(buf),
            Err(ReplyError::CodeOutOfRange { line: 1, code })
        );
    }
    assert!(matches!(
        parse_reply(b"25a ok\r\n"),
        Err(ReplyError::InvalidCode { line: 1, .. })
    ));
    assert!(matches!(
        parse_reply(b"\x16\x03\x01"),
        Err(ReplyError::InvalidCode { .. })
    ));
    assert!(matches!(parse_reply(b"2"), Ok(None)));
    assert!(matches!(
        parse_reply(b"HTTP/1.1 400"),
        Err(ReplyError::InvalidCode { .. })
    ));
}

#[test]
fn separators() {
    assert!(matches!(
        parse_reply(b"250x\r\n"),
        Err(ReplyError::InvalidSeparator { line: 1, .. })
    ));
    assert!(matches!(
        parse_reply(b"250\rx\r\n"),
        Err(ReplyError::InvalidSeparator { line: 1, .. })
    ));
    assert!(matches!(parse_reply(b"250\r"), Ok(None)));
    assert!(matches!(
        parse_reply(b"2500\r\n"),
        Err(ReplyError::InvalidSeparator { .. })
    ));
}

#[test]
fn bad_cr_separator_is_found_whatever_the_length() {
    // Found by the reply fuzz target: a long line after `NNN\r` was reported as too
    // long in one shot but as a bad separator when fed byte by byte.
    let p = ReplyParser::new().limits(ReplyLimits::default().max_line_len(64));
    let mut input = b"222\r\0".to_vec();
    input.extend_from_slice(&[b'{'; 70]);
    assert!(matches!(
        p.parse(&input),
        Err(ReplyError::InvalidSeparator { line: 1, .. })
    ));
    let mut progress = ReplyProgress::default();
    let first_error =
        (0..=input.len()).find_map(|end| p.parse_resumable(&input[..end], &mut progress).err());
    assert!(matches!(
        first_error,
        Some(ReplyError::InvalidSeparator { .. })
    ));
}

#[test]
fn bare_lf_policy() {
    let r = one(b"250-a\n250 b\r\n");
    assert!(r.has_bare_lf());
    assert_eq!(lines(&r), ["a", "b"]);
    let r = one(b"250\n");
    assert!(r.has_bare_lf());
    assert!(!one(b"250 x\r\n").has_bare_lf());
    let strict = ReplyParser::new().bare_lf(BareLfPolicy::Refuse);
    assert_eq!(
        strict.parse(b"250-a\r\n250 b\n"),
        Err(ReplyError::BareLf { line: 2 })
    );
}

#[test]
fn nul_and_eight_bit_are_kept() {
    let r = one(b"250 caf\xe9 \x00 ok\r\n");
    assert_eq!(r.first_line(), b"caf\xe9 \x00 ok");
    assert_eq!(r.text_lossy(), "caf\u{fffd} \u{0} ok");
}

#[test]
fn limits() {
    let p = ReplyParser::new().limits(
        ReplyLimits::default()
            .max_line_len(10)
            .max_lines(3)
            .max_reply_len(30),
    );
    assert!(p.parse(b"250 012345\r\n").unwrap().is_some()); // 10 bytes of content
    assert!(p.parse(b"250 012345\n").unwrap().is_some());
    assert_eq!(
        p.parse(b"250 0123456\r\n"),
        Err(ReplyError::LineTooLong { line: 1, limit: 10 })
    );
    assert_eq!(
        p.parse(b"250 0123456\n"),
        Err(ReplyError::LineTooLong { line: 1, limit: 10 })
    );
    assert_eq!(
        p.parse(b"250 01234567"),
        Err(ReplyError::LineTooLong { line: 1, limit: 10 })
    );
    assert_eq!(p.parse(b"250 012345\r"), Ok(None));
    assert_eq!(
        p.parse(b"250-a\r\n250-b\r\n250-c\r\n"),
        Err(ReplyError::TooManyLines { limit: 3 })
    );
    assert_eq!(
        p.parse(b"250-aaaaaa\r\n250-bbbbbb\r\n250 cccccc\r\n"),
        Err(ReplyError::ReplyTooLarge { limit: 30 })
    );
    assert_eq!(p.parse(b"250-aaaaaa\r\n250-bbbbbb\r\n250 cc"), Ok(None));
    assert_eq!(
        p.parse(b"250-aaaaaa\r\n250-bbbbbb\r\n250 cccccc"),
        Err(ReplyError::ReplyTooLarge { limit: 30 })
    );
    assert!(
        ReplyError::ReplyTooLarge { limit: 1 }.is_limit()
            && !ReplyError::BareLf { line: 1 }.is_limit()
    );
}

#[test]
fn several_replies_in_one_buffer() {
    let buf = b"250 a\r\n251-b\r\n251 c\r\n354 go ahead\r\n";
    let mut rest = &buf[..];
    let mut got = Vec::new();
    while let Some((r, used)) = parse_reply(rest).unwrap() {
        got.push((r.code(), used));
        rest = &rest[used..];
    }
    assert_eq!(got, [(250, 7), (251, 14), (354, 14)]);
    assert!(rest.is_empty());
}

#[test]
fn error_messages_name_the_problem() {
    let e = parse_reply(b"250-a\r\n550 b\r\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "reply line 2 has code 550 but the reply began with 250 (RFC 5321 §4.2.1 requires the same code on every line)"
    );
    let e = parse_reply(b"\x16\x03\x01\x00").unwrap_err();
    assert_eq!(
        e.to_string(),
        "reply line 1 does not start with a three-digit code (found \"\\x16\\x03\\x01\\x00\")"
    );
}

#[test]
fn resumable_matches_one_shot() {
    let buf = b"250-a\r\n250-b\r\n250 c\r\n";
    let p = ReplyParser::new();
    let mut progress = ReplyProgress::default();
    for end in 0..buf.len() {
        assert_eq!(p.parse_resumable(&buf[..end], &mut progress), Ok(None));
    }
    let (r, used) = p.parse_resumable(buf, &mut progress).unwrap().unwrap();
    assert_eq!((r.line_count(), used), (3, buf.len()));
    assert_eq!(progress, ReplyProgress::default());
}

#[test]
fn owned_reply_round_trip() {
    let r = one(b"250-a\r\n250 2.0.0 b\r\n");
    let o = r.to_owned();
    assert_eq!(o.as_reply(), r);
    assert_eq!(o.code(), 250);
    assert_eq!(o.enhanced(), None); // first line has no enhanced code
    assert_eq!(o.to_string(), "250-a\n250 2.0.0 b");
}

/// The enhanced code as the eager parser read it before it became lazy: the first line's
/// text through [`EnhancedCode::parse_prefix`], split by whether its class agrees.
fn reference_enhanced(r: &Reply<'_>) -> (Option<EnhancedCode>, Option<EnhancedCode>) {
    match EnhancedCode::parse_prefix(r.first_line()) {
        Some((enh, _)) if u16::from(enh.class()) == r.code() / 100 => (Some(enh), None),
        Some((enh, _)) => (None, Some(enh)),
        None => (None, None),
    }
}

#[test]
fn lazy_enhanced_code_edge_cases() {
    for (buf, enhanced, mismatch) in [
        (&b"250 2.0.0\r\n"[..], Some("2.0.0"), None),
        (b"250 2.0.0\n", Some("2.0.0"), None),
        (b"250 2.0.0\r\r\n", None, None), // a CR inside the text is text
        (b"250 2.0.0\tok\r\n", Some("2.0.0"), None),
        (b"250 5.0.0 bug\r\n", None, Some("5.0.0")),
        (b"550 5.7.606 x\r\n", Some("5.7.606"), None),
        (b"550 5.7.6061 x\r\n", None, None),
        (b"550 5.1000.1 x\r\n", None, None),
        (b"550 5..1 x\r\n", None, None),
        (b"550 3.1.1 x\r\n", None, None),
        (b"550\r\n", None, None),
        (b"550 \r\n", None, None),
        (b"550-5.1.1 a\r\n550 4.1.1 b\r\n", Some("5.1.1"), None),
        (b"550-a\r\n550 5.1.1 b\r\n", None, None), // only the first line counts
    ] {
        let r = one(buf);
        assert_eq!(
            r.enhanced().map(|e| e.to_string()).as_deref(),
            enhanced,
            "{buf:?}"
        );
        assert_eq!(
            r.enhanced_mismatch().map(|e| e.to_string()).as_deref(),
            mismatch,
            "{buf:?}"
        );
        assert_eq!(
            (r.enhanced(), r.enhanced_mismatch()),
            reference_enhanced(&r)
        );
        let owned = r.to_owned();
        assert_eq!(owned.enhanced(), r.enhanced());
        assert_eq!(owned.as_reply().enhanced_mismatch(), r.enhanced_mismatch());
    }
}

proptest::proptest! {
    /// The lazy accessors agree with `parse_prefix` over the first line on replies whose
    /// text starts like an enhanced code (digits, dots, blanks, CR in any order).
    #[test]
    fn lazy_enhanced_code_agrees_with_parse_prefix(
        code in proptest::sample::select(vec![220u16, 250, 421, 450, 550, 554]),
        text in "[0-9.245 \t\r]{0,12}[a-z]{0,3}",
        sep in proptest::sample::select(vec![" ", "-"]),
    ) {
        let mut buf = format!("{code}{sep}{text}\r\n").into_bytes();
        if sep == "-" {
            buf.extend_from_slice(format!("{code} end\r\n").as_bytes());
        }
        if let Ok(Some((r, _))) = parse_reply(&buf) {
            proptest::prop_assert_eq!((r.enhanced(), r.enhanced_mismatch()), reference_enhanced(&r));
        }
    }
}
