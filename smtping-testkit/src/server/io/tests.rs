//! Unit tests of `io` (kept beside it, in its own file).

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
