//! Unit tests of `dsn` (kept beside it, in its own file).

use super::*;
use crate::{Provider, Stage};

const POSTFIX: &str = "Return-Path: <>\n\
From: MAILER-DAEMON@mx.sender.example (Mail Delivery System)\n\
To: alice@sender.example\n\
Subject: Undelivered Mail Returned to Sender\n\
Message-Id: <20250101.DSN@mx.sender.example>\n\
MIME-Version: 1.0\n\
Content-Type: multipart/report; report-type=delivery-status;\n\
\tboundary=\"4Zx550abc.1735689600/mx.sender.example\"\n\
\n\
This is a MIME-encapsulated message.\n\
\n\
--4Zx550abc.1735689600/mx.sender.example\n\
Content-Description: Notification\n\
Content-Type: text/plain; charset=us-ascii\n\
\n\
<bob@gmail.com>: host gmail-smtp-in.l.google.com[192.0.2.26] said: 550-5.1.1\n\
    The email account that you tried to reach does not exist. - gsmtp (in reply to RCPT TO command)\n\
\n\
--4Zx550abc.1735689600/mx.sender.example\n\
Content-Description: Delivery report\n\
Content-Type: message/delivery-status\n\
\n\
Reporting-MTA: dns; mx.sender.example\n\
X-Postfix-Queue-ID: 4Zx550abc\n\
X-Postfix-Sender: rfc822; alice@sender.example\n\
Arrival-Date: Wed,  1 Jan 2025 00:00:00 +0000 (UTC)\n\
\n\
Final-Recipient: rfc822; bob@gmail.com\n\
Original-Recipient: rfc822;bob@gmail.com\n\
Action: failed\n\
Status: 5.1.1\n\
Remote-MTA: dns; gmail-smtp-in.l.google.com\n\
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does\n\tnot exist. Please try double-checking the recipient's email address for\n\
\ttypos or unnecessary spaces. - gsmtp\n\
\n\
Final-Recipient: rfc822; carol@example.org\n\
Action: delayed\n\
Status: 4.4.1\n\
Diagnostic-Code: X-Postfix; connect to mx.example.org[192.0.2.9]:25: Connection timed out\n\
Will-Retry-Until: Wed,  6 Jan 2025 00:00:00 +0000 (UTC)\n\
\n\
--4Zx550abc.1735689600/mx.sender.example\n\
Content-Description: Undelivered Message Headers\n\
Content-Type: text/rfc822-headers\n\
\n\
From: alice@sender.example\n\
Message-ID: <original-1@sender.example>\n\
Subject: hello\n\
\n\
--4Zx550abc.1735689600/mx.sender.example--\n";

#[test]
fn postfix_bounce() {
    let r = parse(POSTFIX.as_bytes()).unwrap();
    assert_eq!(r.reporting_mta.as_ref().unwrap().value, "mx.sender.example");
    assert_eq!(r.reporting_mta.as_ref().unwrap().kind, "dns");
    assert_eq!(
        r.arrival_date.as_deref(),
        Some("Wed,  1 Jan 2025 00:00:00 +0000 (UTC)")
    );
    assert_eq!(r.message_id.as_deref(), Some("<original-1@sender.example>"));
    assert_eq!(r.recipients.len(), 2);
    let bob = &r.recipients[0];
    assert_eq!(bob.address(), Some("bob@gmail.com"));
    assert_eq!(
        bob.original_recipient.as_ref().unwrap().value,
        "bob@gmail.com"
    );
    assert_eq!(bob.action, Some(Action::Failed));
    assert_eq!(bob.status.unwrap().to_string(), "5.1.1");
    assert!(
        bob.diagnostic_code
            .as_ref()
            .unwrap()
            .value
            .contains("does not exist. Please try")
    );
    let c = bob.classify(&Context::default());
    assert_eq!(
        (c.outcome, c.reason, c.hard),
        (Outcome::Bounced, Reason::MailboxUnknown, true)
    );
    assert_eq!(c.provider, Some(Provider::Google));
    assert_eq!(c.matched_rule.as_deref(), Some("google.mailbox_unknown"));
    let carol = &r.recipients[1];
    assert_eq!(carol.action, Some(Action::Delayed));
    assert!(carol.will_retry_until.is_some());
    let c = carol.classify(&Context::default());
    assert_eq!(
        (c.outcome, c.reason, c.code),
        (Outcome::Deferred, Reason::SystemError, None)
    );
    assert_eq!(c.enhanced.unwrap().to_string(), "4.4.1");
    assert_eq!(r.classify(&Context::new().stage(Stage::Rcpt)).len(), 2);
}

#[test]
fn crlf_and_bare_status_body() {
    let crlf = POSTFIX.replace('\n', "\r\n");
    let r = parse(crlf.as_bytes()).unwrap();
    assert_eq!(r.recipients.len(), 2);
    assert_eq!(r.message_id.as_deref(), Some("<original-1@sender.example>"));
    let body = "Reporting-MTA: dns; mx.example\r\nOriginal-Envelope-Id: QQ123\r\n\r\nfinal-recipient: RFC822; x@example.org\r\nACTION: Failed\r\nSTATUS: 5.2.2 (mailbox full)\r\n";
    let r = parse(body.as_bytes()).unwrap();
    assert_eq!(r.original_envelope_id.as_deref(), Some("QQ123"));
    let x = &r.recipients[0];
    assert_eq!(x.final_recipient.as_ref().unwrap().kind, "rfc822");
    assert_eq!(x.status.unwrap().to_string(), "5.2.2");
    let c = x.classify(&Context::default());
    assert_eq!(
        (c.outcome, c.reason),
        (Outcome::Bounced, Reason::MailboxFull)
    );
}

#[test]
fn action_settles_outcome() {
    let body = "Final-Recipient: rfc822; y@example.org\nAction: failed\nStatus: 4.4.7\nDiagnostic-Code: smtp; 451 4.4.7 Message expired\n\nFinal-Recipient: rfc822; z@example.org\nAction: delivered\nStatus: 2.0.0\n";
    let r = parse(body.as_bytes()).unwrap();
    let c = r.recipients[0].classify(&Context::default());
    assert_eq!((c.outcome, c.code), (Outcome::Bounced, Some(451)));
    assert!(c.explanation.contains("gave up retrying"));
    let c = r.recipients[1].classify(&Context::default());
    assert_eq!((c.outcome, c.reason), (Outcome::Accepted, Reason::Accepted));
}

#[test]
fn nested_multipart_and_message_rfc822() {
    let msg = "Content-Type: multipart/mixed; boundary=outer\n\n--outer\nContent-Type: multipart/report; report-type=\"delivery-status\"; boundary=\"in;ner\"\n\n--in;ner\nContent-Type: message/global-delivery-status\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.7.1\nDiagnostic-Code: smtp; 554 5.7.1 <a@example.org>: Relay access denied\n--in;ner\nContent-Type: message/rfc822\n\nMessage-ID: <m1@example.com>\nFrom: x@example.com\n\nbody\n--in;ner--\n--outer--\n";
    let r = parse(msg.as_bytes()).unwrap();
    assert_eq!(r.message_id.as_deref(), Some("<m1@example.com>"));
    let c = r.recipients[0].classify(&Context::default());
    assert_eq!(c.reason, Reason::RelayDenied);
}

#[test]
fn typed_errors() {
    assert!(matches!(
        parse(b"Content-Type: text/plain\n\nhello"),
        Err(DsnError::NotAReport { content_type }) if content_type == "text/plain"
    ));
    assert!(matches!(
        parse(b"Subject: hi\n\nhello"),
        Err(DsnError::NotAReport { .. })
    ));
    assert!(matches!(
        parse(b"Content-Type: multipart/report; report-type=delivery-status\n\n--x\n"),
        Err(DsnError::MissingBoundary { .. })
    ));
    assert!(matches!(
        parse(b"Content-Type: multipart/report; report-type=delivery-status; boundary=zz\n\nno parts\n"),
        Err(DsnError::BoundaryNotFound { boundary }) if boundary == "zz"
    ));
    assert!(matches!(
        parse(b"Content-Type: multipart/report; report-type=feedback-report; boundary=zz\n\n--zz\n\n--zz--\n"),
        Err(DsnError::WrongReportType { report_type }) if report_type == "feedback-report"
    ));
    assert!(matches!(
            parse(b"Content-Type: multipart/report; report-type=delivery-status; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nhi\n--zz--\n"),
            Err(DsnError::NoDeliveryStatus)
        ));
    assert!(matches!(
        parse(b"Content-Type: multipart/report; report-type=delivery-status; boundary=zz\n\n--zz\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\nUmVwb3J0aW5n\n--zz--\n"),
        Err(DsnError::UnsupportedEncoding { encoding }) if encoding == "base64"
    ));
    assert!(matches!(
        parse(b"Content-Type: message/delivery-status\n\nReporting-MTA: dns; x\n"),
        Err(DsnError::NoRecipients)
    ));
    let many: String = (0..5)
        .map(|i| format!("Final-Recipient: rfc822; u{i}@x\nAction: failed\n\n"))
        .collect();
    assert!(matches!(
        DsnParser::new().max_recipients(3).parse(many.as_bytes()),
        Err(DsnError::TooManyRecipients { limit: 3 })
    ));
    let mut deep = String::new();
    for i in 0..12 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"
        ));
    }
    assert!(matches!(
        parse(deep.as_bytes()),
        Err(DsnError::TooDeep { limit: 8 })
    ));
    let msg = DsnError::TooLarge { size: 5, limit: 4 }.to_string();
    assert!(msg.starts_with("DSN input"));
}

#[test]
fn unterminated_multipart_is_tolerated() {
    let cut = &POSTFIX[..POSTFIX
        .find("Content-Description: Undelivered Message Headers")
        .unwrap()];
    let r = parse(cut.as_bytes()).unwrap();
    assert_eq!(r.recipients.len(), 2);
    assert_eq!(r.message_id, None);
}
