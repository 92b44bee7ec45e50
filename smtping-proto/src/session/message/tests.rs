//! Unit tests of `message` (kept beside it, in its own file).

use super::*;

#[test]
fn generated_sizes() {
    for n in [0, 1, 2, 3, 77, 78, 79, 1000, 65_536] {
        let b = generated_body(n);
        assert_eq!(b.len(), n, "{n}");
        assert!(!b.starts_with(b"."));
    }
}

#[test]
fn headers_cannot_be_injected() {
    let from = Address::null();
    let to = [Address::new("a@b.example").unwrap()];
    let m = TestMessage::new(&from, &to, "now\r\nBcc: x@y", "<id\n@x>")
        .subject("s\r\nX-Evil: 1")
        .build();
    let text = String::from_utf8(m).unwrap();
    assert!(text.contains("Date: now  Bcc: x@y\r\n"));
    assert!(!text.contains("\r\nX-Evil"));
    assert!(text.starts_with("From: <mailer-daemon>\r\n"));
}
