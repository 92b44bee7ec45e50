//! The follow-through over the async-std runtime (the testkit IMAP server runs on a tokio
//! runtime in its own thread): STARTTLS, AUTHENTICATE PLAIN, found in INBOX.

use std::time::Duration;

use smtping_client::ConnectTo;
use smtping_client::follow::{FollowThrough, Password, PollSchedule, SeedUrl};
use smtping_client::runtime::async_std::AsyncStd;
use smtping_client::tls::TrustStore;
use smtping_testkit::imap::{ImapServer, ImapServerTls};
use smtping_testkit::{Scenario, TestPki};

#[test]
fn async_std_finds_the_message_over_starttls() {
    let pki = TestPki::new().unwrap();
    let config = pki
        .server_cert(Scenario::Valid, &["imap.test"])
        .unwrap()
        .server_config()
        .unwrap();
    let tokio_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = tokio_rt.block_on(async {
        ImapServer::builder()
            .user("carol", "pw-carol")
            .tls(ImapServerTls::StartTls(config))
            .start()
            .await
            .unwrap()
    });
    let _guard = tokio_rt.enter();
    server.deliver_after(
        "INBOX",
        b"Message-ID: <as@example.org>\r\nReceived: from x by y\r\n\r\nbody\r\n",
        Duration::from_millis(300),
    );
    let port = server.addr().port();
    let url = SeedUrl::parse(&format!("imap://carol@imap.test:{port}")).unwrap();
    let rule: ConnectTo = format!("imap.test:{port}:127.0.0.1:{port}")
        .parse()
        .unwrap();
    let result = async_std::task::block_on(
        FollowThrough::new("as@example.org")
            .seed(url, Password::new("pw-carol"))
            .trust(TrustStore::from_roots(pki.root_store()))
            .connect_to(vec![rule])
            .require_tls(true)
            .poll_schedule(PollSchedule {
                first: Duration::from_millis(100),
                max: Duration::from_millis(200),
            })
            .timeout(Duration::from_secs(10))
            .run(&AsyncStd),
    );
    let seed = &result.seeds[0];
    assert!(seed.found, "{:?}", seed.error);
    assert!(seed.tls);
    assert_eq!(seed.received, vec!["from x by y"]);
}
