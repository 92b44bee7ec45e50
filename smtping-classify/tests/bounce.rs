//! Bounce matching against real Postfix, Exim and qmail notifications.

use smtping_classify::Reason;
use smtping_classify::bounce::{BounceKind, MatchedBy, TestMessage, match_bounce};
use smtping_classify::dsn::Action;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/bounces/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn postfix_failed_by_envelope_id() {
    let msg = data("postfix-failed-5.1.1.eml");
    let ours =
        TestMessage::new("<not-the-returned-one@example.com>").envelope_id("smtping-7f3a9c01");
    let m = match_bounce(&msg, &ours).unwrap().unwrap();
    assert_eq!(m.matched_by, MatchedBy::EnvelopeId);
    let d = &m.dsn;
    assert_eq!(d.action, Some(Action::Failed));
    assert_eq!(d.status.as_deref(), Some("5.1.1"));
    assert_eq!(d.remote_mta.as_deref(), Some("mx.example.org"));
    assert_eq!(d.recipient.as_deref(), Some("nobody@example.org"));
    assert!(
        d.diagnostic_code
            .as_deref()
            .unwrap()
            .starts_with("550 5.1.1 <nobody@example.org>: Recipient address rejected")
    );
    assert_eq!(d.reason, Reason::MailboxUnknown);
    assert!(d.hard && d.kind.is_final());
    assert!(d.classification.hard);
    assert!(d.to_string().ends_with("(hard)"));
}

#[test]
fn postfix_failed_by_message_id_when_no_envid_was_given() {
    let msg = data("postfix-failed-5.1.1.eml");
    let m = match_bounce(&msg, &TestMessage::new("<smtping.7f3a9c01@example.com>"))
        .unwrap()
        .unwrap();
    assert_eq!(m.matched_by, MatchedBy::MessageId);
    // The bounce's own Message-Id is not ours.
    assert!(
        match_bounce(
            &msg,
            &TestMessage::new("<20261201140241.4Xyz2Q1TzNz9sRk@mail.example.com>")
        )
        .unwrap()
        .is_none()
    );
    // A different ENVID and Message-ID: not ours.
    assert!(
        match_bounce(
            &msg,
            &TestMessage::new("<x@example.com>").envelope_id("other")
        )
        .unwrap()
        .is_none()
    );
}

#[test]
fn postfix_delayed_is_soft_and_not_final() {
    let msg = data("postfix-delayed-4.4.1.eml");
    // Domain part of the Message-ID compared case-insensitively.
    let m = match_bounce(&msg, &TestMessage::new("<SMTPING.7f3a9c02@example.com>"))
        .unwrap()
        .unwrap();
    let d = &m.dsn;
    assert_eq!(d.action, Some(Action::Delayed));
    assert_eq!(d.status.as_deref(), Some("4.4.1"));
    assert_eq!(d.kind, BounceKind::Soft);
    assert!(!d.hard && !d.kind.is_final());
    assert_eq!(d.remote_mta, None);
    assert!(
        d.diagnostic_code
            .as_deref()
            .unwrap()
            .contains("Connection timed out")
    );
    assert!(d.to_string().ends_with("(soft)"));
}

#[test]
fn exim_failed_with_vague_status_is_classified_from_the_diagnostic() {
    let msg = data("exim-failed-5.1.1.eml");
    let m = match_bounce(&msg, &TestMessage::new("smtping.7f3a9c03@example.com"))
        .unwrap()
        .unwrap();
    assert_eq!(m.matched_by, MatchedBy::MessageId);
    let d = &m.dsn;
    assert_eq!(d.status.as_deref(), Some("5.0.0"));
    assert_eq!(d.reason, Reason::MailboxUnknown);
    assert_eq!(d.classification.enhanced.unwrap().to_string(), "5.1.1");
    assert!(d.hard);
}

#[test]
fn exim_delayed_by_xtext_envelope_id() {
    let msg = data("exim-delayed-4.4.1.eml");
    let ours = TestMessage::new("<nope@example.com>").envelope_id("smtping+2B7f3a9c04");
    let m = match_bounce(&msg, &ours).unwrap().unwrap();
    assert_eq!(m.matched_by, MatchedBy::EnvelopeId);
    assert_eq!(m.dsn.kind, BounceKind::Soft);
    assert_eq!(m.dsn.remote_mta.as_deref(), Some("mx.example.org"));
    assert_eq!(
        m.dsn.diagnostic_code.as_deref(),
        Some("451 4.4.1 Temporary lookup failure")
    );
}

#[test]
fn recipients_filter() {
    let msg = data("exim-failed-5.1.1.eml");
    let someone = ["someone@example.org"];
    let ours = TestMessage::new("<smtping.7f3a9c03@example.com>").recipients(&someone);
    assert!(match_bounce(&msg, &ours).unwrap().is_none());
    let nobody = ["<NOBODY@example.org>"];
    let ours = TestMessage::new("<smtping.7f3a9c03@example.com>").recipients(&nobody);
    assert_eq!(
        match_bounce(&msg, &ours).unwrap().unwrap().recipients.len(),
        1
    );
}

#[test]
fn qmail_text_bounce_quoting_our_message_id() {
    let msg = data("qmail-failed.eml");
    let m = match_bounce(&msg, &TestMessage::new("<smtping.7f3a9c05@example.com>"))
        .unwrap()
        .unwrap();
    assert_eq!(m.matched_by, MatchedBy::MessageIdInText);
    assert!(m.report.is_none());
    assert_eq!(m.dsn.kind, BounceKind::Hard);
    assert_eq!(m.dsn.reason, Reason::MailboxUnknown);
    assert!(
        match_bounce(&msg, &TestMessage::new("<other@example.com>"))
            .unwrap()
            .is_none()
    );
    // An ordinary message is not a bounce.
    let plain =
        b"From: a@example.com\r\nMessage-ID: <smtping.7f3a9c05@example.com>\r\n\r\nhello\r\n";
    assert!(
        match_bounce(plain, &TestMessage::new("<smtping.7f3a9c05@example.com>"))
            .unwrap()
            .is_none()
    );
}

#[test]
fn serialises_with_snake_case_words() {
    let msg = data("postfix-failed-5.1.1.eml");
    let m = match_bounce(&msg, &TestMessage::new("<smtping.7f3a9c01@example.com>"))
        .unwrap()
        .unwrap();
    let v = serde_json::to_value(&m.dsn).unwrap();
    assert_eq!(v["action"], "failed");
    assert_eq!(v["status"], "5.1.1");
    assert_eq!(v["hard"], true);
    assert_eq!(v["kind"], "hard");
    assert_eq!(v["reason"], "mailbox_unknown");
}

proptest::proptest! {
    #[test]
    fn mutated_bounces_never_panic(cut in 0usize..4000, flip in 0usize..4000, byte in proptest::prelude::any::<u8>()) {
        let mut msg = data("postfix-failed-5.1.1.eml");
        let flip = flip % msg.len();
        msg[flip] = byte;
        msg.truncate(cut.min(msg.len()));
        let _ = match_bounce(&msg, &TestMessage::new("<smtping.7f3a9c01@example.com>").envelope_id("smtping-7f3a9c01"));
    }
}

#[test]
fn broken_reports_quoting_our_message_id_still_match() {
    // A multipart/report whose delivery-status part is missing.
    let msg = b"Content-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\n550 5.1.1 user unknown\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <smtping.1@example.com>\r\n--B--\r\n";
    let m = match_bounce(msg, &TestMessage::new("<smtping.1@example.com>"))
        .unwrap()
        .unwrap();
    assert_eq!(m.matched_by, MatchedBy::MessageIdInText);
    assert_eq!(m.dsn.kind, BounceKind::Hard);
    // Not ours: the report's own error comes back.
    assert!(match_bounce(msg, &TestMessage::new("<other@example.com>")).is_err());
}
