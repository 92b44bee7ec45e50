//! Unit tests of `transcript` (kept beside it, in its own file).

use super::*;

#[test]
fn redaction_edge_cases() {
    assert_eq!(redact_addresses("no address"), "no address");
    assert_eq!(redact_addresses("@domain only"), "@domain only");
    assert_eq!(redact_addresses("a@"), "a@");
    assert_eq!(redact_addresses("x a@b c@d"), "x ***@b ***@d");
    assert_eq!(
        redact_addresses("RCPT TO:<jö@bücher.example>"),
        "RCPT TO:<***@bücher.example>"
    );
    assert_eq!(redact_addresses("<\"j d\"@x.org>"), "<***@x.org>");
}

#[test]
fn bounded_and_cut() {
    let mut t = Transcript::new(2, false);
    for _ in 0..5 {
        t.push(Duration::ZERO, Direction::Client, false, b"NOOP");
    }
    assert_eq!((t.lines().len(), t.dropped()), (2, 3));
    let mut t = Transcript::new(10, false);
    t.push(Duration::ZERO, Direction::Server, false, &[b'x'; 5000]);
    assert!(t.lines()[0].text.ends_with("[5000 bytes in all]"));
    assert!(t.to_string().starts_with("S: xxx"));
}
