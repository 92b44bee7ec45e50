//! DSN parsing: robustness and realistic bounces.

use proptest::prelude::*;
use smtping_classify::dsn::{self, Action, DsnError, DsnParser};
use smtping_classify::{Context, Outcome, Provider, Reason};

const EXIM: &str = "From: Mail Delivery System <Mailer-Daemon@mx.sender.example>\r
To: alice@sender.example\r
Subject: Mail delivery failed: returning message to sender\r
Content-Type: multipart/report; report-type=delivery-status; boundary=1735689600-eximdsn-1804289383\r
MIME-Version: 1.0\r
\r
--1735689600-eximdsn-1804289383\r
Content-type: text/plain; charset=us-ascii\r
\r
This message was created automatically by mail delivery software.\r
\r
  nataline@rci.example\r
    host rci-example.mail.protection.outlook.com [192.0.2.10]\r
    SMTP error from remote mail server after RCPT TO:<nataline@rci.example>:\r
    550 5.7.606 Access denied, banned sending IP [198.51.100.182].\r
\r
--1735689600-eximdsn-1804289383\r
Content-type: message/delivery-status\r
\r
Reporting-MTA: dns; mx.sender.example\r
\r
Action: failed\r
Final-Recipient: rfc822;nataline@rci.example\r
Status: 5.0.0\r
Remote-MTA: dns; rci-example.mail.protection.outlook.com\r
Diagnostic-Code: smtp; 550 5.7.606 Access denied, banned sending IP [198.51.100.182]. To\r
 request removal from this list please visit https://sender.office.com/ and\r
 follow the directions. (AS16012609)\r
\r
--1735689600-eximdsn-1804289383\r
Content-type: message/rfc822\r
\r
Return-path: <alice@sender.example>\r
Message-Id: <E1abc-0001@sender.example>\r
From: alice@sender.example\r
\r
Hello\r
--1735689600-eximdsn-1804289383--\r
";

#[test]
fn exim_bounce_to_microsoft() {
    let r = dsn::parse(EXIM.as_bytes()).unwrap();
    assert_eq!(r.message_id.as_deref(), Some("<E1abc-0001@sender.example>"));
    assert_eq!(r.recipients.len(), 1);
    let rc = &r.recipients[0];
    assert_eq!(rc.action, Some(Action::Failed));
    assert_eq!(rc.address(), Some("nataline@rci.example"));
    let c = rc.classify(&Context::default());
    assert_eq!(
        (c.outcome, c.reason, c.provider),
        (
            Outcome::Bounced,
            Reason::Blocklisted,
            Some(Provider::Microsoft)
        )
    );
    // The Diagnostic-Code's enhanced code wins over the vaguer Status: 5.0.0.
    assert_eq!(c.enhanced.unwrap().to_string(), "5.7.606");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["recipients"][0]["action"], "failed");
    assert_eq!(json["recipients"][0]["status"], "5.0.0");
}

#[test]
fn limits() {
    let big = vec![b'a'; dsn::DEFAULT_MAX_INPUT + 1];
    assert!(matches!(dsn::parse(&big), Err(DsnError::TooLarge { .. })));
    assert!(
        DsnParser::new()
            .max_input(EXIM.len())
            .parse(EXIM.as_bytes())
            .is_ok()
    );
    let many: String = (0..1001)
        .map(|i| {
            format!("Final-Recipient: rfc822; u{i}@example.org\nAction: failed\nStatus: 5.1.1\n\n")
        })
        .collect();
    assert_eq!(
        dsn::parse(many.as_bytes()),
        Err(DsnError::TooManyRecipients { limit: 1000 })
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        if let Ok(r) = dsn::parse(&bytes) {
            let _ = r.classify(&Context::default());
        }
    }

    #[test]
    fn mutated_bounces_never_panic(cut in 0usize..EXIM.len(), flip in 0usize..EXIM.len(), byte in any::<u8>()) {
        let mut b = EXIM.as_bytes().to_vec();
        b[flip] = byte;
        b.truncate(cut.max(1));
        if let Ok(r) = dsn::parse(&b) {
            for c in r.classify(&Context::default()) {
                prop_assert!(!c.explanation.is_empty());
            }
        }
    }

    #[test]
    fn structured_fields_never_panic(lines in proptest::collection::vec("[A-Za-z-]{1,20}: [ -~]{0,60}|[ \\t][ -~]{0,40}|", 0..40)) {
        let body = lines.join("\r\n");
        if let Ok(r) = dsn::parse(body.as_bytes()) {
            prop_assert!(!r.recipients.is_empty());
        }
    }
}
