//! Unit tests of `assemble` (kept beside it, in its own file).

use std::time::Duration;

use smtping_classify::Reason;
use smtping_proto::Address;
use smtping_proto::session::QuitAfter;

use crate::check::{Check, TlsMode};
use smtping_testkit::server::{Behaviour, ServerStage, TestServer};

/// A refused MAIL decides every recipient's reason: the pipelined RCPTs' `503 need
/// MAIL` replies say nothing about them (seen against Postfix: `530 5.7.0` at MAIL
/// made each recipient `protocol_error`).
#[tokio::test]
async fn refused_mail_gives_its_reason_to_every_recipient() {
    let server = TestServer::builder()
        .extension("PIPELINING")
        .on(
            ServerStage::Mail,
            Behaviour::reply(530, "5.7.0 Authentication required"),
        )
        .start()
        .await
        .unwrap();
    let to = vec![
        Address::new("a@example.org").unwrap(),
        Address::new("b@example.org").unwrap(),
    ];
    let report = Check::parse(&server.addr().to_string())
        .unwrap()
        .tls(TlsMode::None)
        .command_timeout(Duration::from_secs(5))
        .envelope(Address::new("s@example.com").unwrap(), to)
        .quit_after(QuitAfter::Rcpt)
        .run()
        .await;
    let d = &report.delivery;
    assert_eq!(
        (d.outcome.as_str(), d.stage.as_deref()),
        ("bounced", Some("mail"))
    );
    assert_eq!(d.reason, Some(Reason::AuthRequired));
    assert_eq!(d.recipients.len(), 2);
    for r in &d.recipients {
        assert_eq!(r.outcome, "bounced", "{r:?}");
        assert_eq!(r.reason, Some(Reason::AuthRequired), "{r:?}");
    }
}
