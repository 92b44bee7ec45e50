//! Unit tests of `input` (kept beside it, in its own file).

use super::*;
use smtping_proto::data::encode_body;

#[test]
fn scanner_finds_terminators() {
    for (input, end) in [
        (&b".\r\n"[..], Some(3)),
        (b".\n", Some(2)),
        (b"a\r\n.\r\nrest", Some(6)),
        (b"a\n.\nrest", Some(4)),
        (b"a\r\n..\r\n", None),
        (b"a\r\n.x\r\n", None),
        (b"a.\r\n", None),
        (b".\r\r\n", None),
    ] {
        assert_eq!(DataScanner::default().feed(input), end, "{input:?}");
    }
}

#[test]
fn scanner_agrees_with_the_encoder_at_any_split() {
    let wire = encode_body(b"one\r\n.two\r\n.\r\n..\r\nlast");
    for split in 0..wire.len() {
        let mut s = DataScanner::default();
        let first = s.feed(&wire[..split]);
        assert_eq!(first, None, "split {split}");
        assert_eq!(
            s.feed(&wire[split..]),
            Some(wire.len() - split),
            "split {split}"
        );
    }
}

#[test]
fn auth_lines_are_redacted() {
    assert_eq!(
        recorded_line(b"AUTH PLAIN AGFsaWNlAHNlY3JldA=="),
        "AUTH PLAIN [redacted]"
    );
    assert_eq!(recorded_line(b"auth login"), "auth login");
    assert_eq!(recorded_line(b"MAIL FROM:<a@b>"), "MAIL FROM:<a@b>");
    assert_eq!(recorded_line(&[b'x'; 600]).len(), RECORDED_LINE_MAX);
}

#[test]
fn long_lines_are_dropped_as_they_arrive() {
    let mut input = Input::new(64);
    input.push(b"EHLO a\r\n");
    input.push(&[b'x'; 100]);
    assert!(matches!(input.read_line(), Some(Line::Complete(l)) if l == b"EHLO a"));
    assert!(input.read_line().is_none());
    assert_eq!(input.len(), 0, "the over-long line is not kept");
    input.push(b"xx\r\nNOOP\n");
    assert!(matches!(input.read_line(), Some(Line::TooLong)));
    assert!(matches!(input.read_line(), Some(Line::Complete(l)) if l == b"NOOP"));
}

#[test]
fn data_is_read_to_its_final_dot_and_capped() {
    let mut input = Input::new(64);
    let mut read = DataRead::new(8);
    input.push(b"a\r\n");
    assert!(!input.read_data(&mut read));
    input.push(b".\r\nQUIT\r\n");
    assert!(input.read_data(&mut read));
    assert_eq!(read.wire.as_deref(), Some(&b"a\r\n.\r\n"[..]));
    assert!(matches!(input.read_line(), Some(Line::Complete(l)) if l == b"QUIT"));
    let mut capped = DataRead::new(2);
    input.push(b"abc\r\n.\r\n");
    assert!(input.read_data(&mut capped));
    assert_eq!((capped.wire, capped.wire_len), (None, 8));
}
