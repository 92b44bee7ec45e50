//! Unit tests of `extract` (kept beside it, in its own file).

use super::*;

fn f(text: &str) -> Found {
    find(text, &normalise(text))
}

#[test]
fn raw_replies() {
    let r = f("550 5.1.1 <bob@example.org>: User unknown");
    assert_eq!(
        (r.code, r.enhanced.map(|e| e.to_string())),
        (Some(550), Some("5.1.1".into()))
    );
    let r = f("550-5.7.26 This mail\r\n550-5.7.26 is blocked\r\n550 5.7.26 bye");
    assert_eq!(r.code, Some(550));
    assert_eq!(r.enhanced.unwrap().to_string(), "5.7.26");
    assert_eq!(f("421").code, Some(421));
    assert_eq!(f("  250 ok").code, Some(250));
}

#[test]
fn wrappers() {
    let r = f("Diagnostic-Code: smtp; 550 5.7.606 Access denied, banned sending IP [192.0.2.1]");
    assert_eq!(r.code, Some(550));
    assert_eq!(r.enhanced.unwrap().to_string(), "5.7.606");
    let r = f(
        "host mx.example.org[192.0.2.1] said: 452 4.2.2 Over quota (in reply to RCPT TO command)",
    );
    assert_eq!((r.code, r.stage), (Some(452), Some(Stage::Rcpt)));
    let r =
        f("SMTP error from remote mail server after RCPT TO:<a@b.example>:\n    550 5.1.1 nope");
    assert_eq!((r.code, r.stage), (Some(550), Some(Stage::Rcpt)));
    let r = f(
        "SMTP error from remote mail server after pipelined MAIL FROM:<x@y> SIZE=1655: 550 5.7.1 no",
    );
    assert_eq!((r.code, r.stage), (Some(550), Some(Stage::Mail)));
    let r = f("Remote Server returned '550 5.4.1 Recipient address rejected: Access denied'");
    assert_eq!(r.code, Some(550));
    let r = f(
        "... while talking to mx.example.org.:\n>>> RCPT To:<x@example.org>\n<<< 550 5.1.1 <x@example.org>... User unknown",
    );
    assert_eq!((r.code, r.stage), (Some(550), Some(Stage::Rcpt)));
    let r = f("host mx.example.org[192.0.2.9] refused to talk to me: 554 5.7.1 go away");
    assert_eq!((r.code, r.stage), (Some(554), Some(Stage::Greeting)));
}

#[test]
fn numbers_inside_text_are_not_codes() {
    for t in [
        "connection to 192.0.2.550 failed",
        "queued as 4Zx550abc",
        "Jun 12, 2018 12:12:53 PM delivery delayed",
        "date 2024-05-50 timeout",
        "message of 550kb refused",
        "id=550.abc",
        "see http://example.org/550",
        "port :550 closed",
    ] {
        assert_eq!(f(t).code, None, "{t}");
    }
    // A number in prose is a code only with a matching enhanced code after it.
    assert_eq!(f("limit of 500 recipients").code, None);
    assert_eq!(
        f("the server answered 550 5.1.1 no such user").code,
        Some(550)
    );
    assert_eq!(f("the server answered 550 4.1.1 no such user").code, None);
}

#[test]
fn enhanced_only() {
    let r = f("Status: 5.1.1 (bad destination mailbox)");
    assert_eq!(
        (r.code, r.enhanced.unwrap().to_string()),
        (None, "5.1.1".into())
    );
    assert_eq!(f("4.7.0").enhanced.unwrap().to_string(), "4.7.0");
    assert!(f("version 4.16.55.1").enhanced.is_none());
    assert!(f("ip 192.0.2.1").enhanced.is_none());
    assert!(f("Exim 4.91").enhanced.is_none());
    // qmail style, class must agree with the code.
    let r = f("550 sorry, no mailbox here by that name. (#5.1.1)");
    assert_eq!(r.enhanced.unwrap().to_string(), "5.1.1");
    let r = f("250 ok but odd (#5.1.1)");
    assert!(r.enhanced.is_none());
}

#[test]
fn normalisation() {
    assert_eq!(
        normalise(
            "550-5.7.26 This mail has been blocked because the sender is\r\n550-5.7.26 unauthenticated. Gmail\r\n550 5.7.26  requires"
        ),
        "this mail has been blocked because the sender is unauthenticated. gmail requires"
    );
    assert_eq!(
        normalise("host x said: 550 5.1.1\n    User\tUnknown"),
        "host x said: 550 5.1.1 user unknown"
    );
    let long = "x".repeat(MAX_TEXT + 10);
    assert_eq!(bounded(&long).len(), MAX_TEXT);
    let multi = "é".repeat(MAX_TEXT);
    assert!(bounded(&multi).len() <= MAX_TEXT);
}
