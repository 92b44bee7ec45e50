//! A test that asserts a mail server accepts mail for an address — the way to keep "our
//! relay takes mail for support@" in a test suite.
//!
//! By default it runs against SMTPing's scripted test server on loopback (so it runs
//! anywhere). Point it at a real server you own with environment variables:
//!
//! ```text
//! SMTPING_TARGET=mx.example.org:25 SMTPING_FROM=probe@example.com SMTPING_TO=support@example.org \
//!     cargo test -p smtping-examples --test accepts_mail
//! ```

use smtping_client::Address;
use smtping_client::QuitAfter;
use smtping_client::{Check, Report};
use smtping_testkit::server::{Behaviour, TestServer};

/// "Would you take mail for `to`?" — MAIL and RCPT only, no message is sent.
async fn would_accept(target: &str, from: &str, to: &str) -> Report {
    Check::parse(target)
        .expect("a valid target")
        .envelope(
            Address::new(from).expect("from"),
            vec![Address::new(to).expect("to")],
        )
        .quit_after(QuitAfter::Rcpt)
        .run()
        .await
}

#[tokio::test]
async fn support_address_is_accepted() {
    let env = |k: &str| std::env::var(k).ok();
    let local;
    let (target, from, to) = match (
        env("SMTPING_TARGET"),
        env("SMTPING_FROM"),
        env("SMTPING_TO"),
    ) {
        (Some(t), Some(f), Some(to)) => (t, f, to),
        _ => {
            local = TestServer::builder().start().await.expect("test server");
            (
                local.addr().to_string(),
                "probe@example.com".into(),
                "support@example.org".into(),
            )
        }
    };
    let report = would_accept(&target, &from, &to).await;
    assert_eq!(report.delivery.outcome, "accepted", "{}", report.summary);
}

#[tokio::test]
async fn an_unknown_mailbox_is_reported_as_a_hard_bounce() {
    let server = TestServer::builder()
        .recipient(
            "gone@example.org",
            Behaviour::reply(
                550,
                "5.1.1 <gone@example.org>: Recipient address rejected: User unknown",
            ),
        )
        .start()
        .await
        .expect("test server");
    let report = would_accept(
        &server.addr().to_string(),
        "probe@example.com",
        "gone@example.org",
    )
    .await;
    assert_eq!(report.delivery.outcome, "bounced");
    assert_eq!(
        report.delivery.reason.map(|r| r.as_str()),
        Some("mailbox_unknown")
    );
    assert!(report.delivery.hard, "retrying can never succeed");
    assert_eq!(report.exit_code(), 2);
}
