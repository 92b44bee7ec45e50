//! The check's follow-through (`--seed`): the check delivers its test message to the
//! testkit SMTP server, a copier puts what that server received into the testkit IMAP
//! server (INBOX or Junk, with an `Authentication-Results` field, after a delay), and the
//! report's `follow_through` says where it landed.

use std::sync::Arc;
use std::time::Duration;

use smtping_client::follow::{CleanupResult, FollowThrough, Password, PollSchedule, SeedUrl};
use smtping_client::report::follow::FollowEvent;
use smtping_client::{Address, Check, QuitAfter, Report, Status, TlsMode};
use smtping_testkit::imap::ImapServer;
use smtping_testkit::server::TestServer;

const PW: &str = "seed-secret-9f2c";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Copies each message the SMTP server accepts into `folder`, with the receiver's
/// verdict on top, `delay` later.
fn copier(smtp: Arc<TestServer>, imap: Arc<ImapServer>, folder: &'static str, delay: Duration) {
    tokio::spawn(async move {
        let mut copied = 0;
        loop {
            let delivered = smtp.delivered();
            for t in delivered.iter().skip(copied) {
                if let Some(m) = &t.message {
                    let mut raw = b"Authentication-Results: mx.test; spf=pass smtp.mailfrom=client.test; dkim=none; dmarc=pass header.from=client.test\r\nReceived: from [127.0.0.1] (localhost [127.0.0.1]) by mx.test with ESMTP id Q1; Tue, 1 Dec 2026 14:02:07 +0000\r\n".to_vec();
                    raw.extend_from_slice(&m.body);
                    imap.deliver_after(folder, &raw, delay);
                }
                copied += 1;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

async fn servers() -> (Arc<TestServer>, Arc<ImapServer>) {
    let smtp = TestServer::builder()
        .hostname("mx.test")
        .start()
        .await
        .unwrap();
    let imap = ImapServer::builder()
        .user("seed@example.test", PW)
        .junk_folder("Junk")
        .start()
        .await
        .unwrap();
    (Arc::new(smtp), Arc::new(imap))
}

fn follow(imap: &ImapServer, password: &str, timeout: Duration) -> FollowThrough {
    let url = SeedUrl::parse(&format!("imap://seed%40example.test@{}", imap.addr())).unwrap();
    FollowThrough::for_check()
        .seed(url, Password::new(password))
        .allow_cleartext_auth(true)
        .poll_schedule(PollSchedule {
            first: Duration::from_millis(100),
            max: Duration::from_millis(300),
        })
        .timeout(timeout)
}

fn check(smtp: &TestServer, follow: FollowThrough) -> Check {
    Check::new(smtp.addr().to_string().parse().unwrap())
        .tls(TlsMode::None)
        .signals(false)
        .command_timeout(Duration::from_secs(3))
        .envelope(
            Address::new("probe@client.test").unwrap(),
            vec![Address::new("seed@example.test").unwrap()],
        )
        .follow_through(follow)
}

fn ids(r: &Report) -> Vec<String> {
    r.follow_through
        .as_ref()
        .unwrap()
        .findings
        .iter()
        .map(|f| f.id.clone())
        .collect()
}

#[test]
fn found_in_inbox_is_green_with_the_receivers_verdict() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        copier(
            smtp.clone(),
            imap.clone(),
            "INBOX",
            Duration::from_millis(300),
        );
        let report = check(&smtp, follow(&imap, PW, Duration::from_secs(10)))
            .run()
            .await;
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.status, Status::Green, "{f:#?}");
        assert_eq!(report.verdict, Status::Green, "{}", report.summary);
        assert_eq!(f.message_id, report.delivery.message_id);
        assert!(f.accepted_at.is_some());
        let seed = &f.seeds[0];
        assert!(seed.found);
        assert_eq!(seed.folder.as_deref(), Some("INBOX"));
        assert!(!seed.junk);
        assert!(seed.latency_ms.unwrap() >= 300, "{:?}", seed.latency_ms);
        let ar = &seed.authentication_results;
        assert_eq!(ar.authserv_id.as_deref(), Some("mx.test"));
        assert_eq!(ar.spf.as_deref(), Some("pass"));
        assert_eq!(ar.dmarc.as_deref(), Some("pass"));
        assert_eq!(ar.dkim[0].result, "none");
        assert_eq!(seed.received[0].by.as_deref(), Some("mx.test"));
        let events: Vec<_> = f.timeline.iter().map(|e| e.event).collect();
        assert_eq!(events[0], FollowEvent::Accepted);
        assert_eq!(*events.last().unwrap(), FollowEvent::Found);
        let polls = events.iter().filter(|e| **e == FollowEvent::Polled).count();
        assert_eq!(polls, usize::try_from(seed.attempts).unwrap());
        assert!(polls >= 2, "the message came 300 ms later: polled again");
        assert!(f.timeline.windows(2).all(|w| w[0].t_ms <= w[1].t_ms));
        assert!(ids(&report).is_empty(), "{:?}", ids(&report));
        assert!(
            report.summary.contains("found in INBOX after"),
            "{}",
            report.summary
        );
        assert_eq!(
            imap.messages("INBOX").len(),
            1,
            "not deleted without cleanup"
        );
        let json = serde_json::to_string(&report).unwrap();
        assert!(!json.contains(PW));
    });
}

#[test]
fn found_in_junk_is_amber() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        copier(
            smtp.clone(),
            imap.clone(),
            "Junk",
            Duration::from_millis(100),
        );
        let report = check(&smtp, follow(&imap, PW, Duration::from_secs(10)))
            .run()
            .await;
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.status, Status::Amber);
        assert_eq!(report.verdict, Status::Amber);
        assert_eq!(f.seeds[0].folder.as_deref(), Some("Junk"));
        assert_eq!(ids(&report), ["follow_through.junk"]);
        // The catalogue knows the id, so it is one of the report's findings too.
        assert!(
            report
                .findings
                .iter()
                .any(|x| x.id.as_str() == "follow_through.junk"
                    && x.severity == smtping_client::Severity::Warning),
            "{:?}",
            report.findings
        );
    });
}

#[test]
fn never_arriving_is_red_by_the_deadline() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        let t = std::time::Instant::now();
        let report = check(&smtp, follow(&imap, PW, Duration::from_millis(800)))
            .run()
            .await;
        assert!(
            t.elapsed() < Duration::from_secs(8),
            "bounded by its deadline"
        );
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.status, Status::Red);
        assert_eq!(report.verdict, Status::Red);
        assert!(!f.seeds[0].found);
        assert!(f.seeds[0].attempts >= 2);
        assert_eq!(ids(&report), ["follow_through.not_found"]);
        assert_eq!(f.timeline.last().unwrap().event, FollowEvent::NotFound);
    });
}

#[test]
fn a_refused_seed_login_is_red_and_never_shows_the_password() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        copier(smtp.clone(), imap.clone(), "INBOX", Duration::ZERO);
        let wrong = "not-the-password-77";
        let report = check(&smtp, follow(&imap, wrong, Duration::from_secs(5)))
            .run()
            .await;
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.status, Status::Red);
        assert_eq!(ids(&report), ["follow_through.seed_auth"]);
        assert_eq!(f.timeline.last().unwrap().event, FollowEvent::SeedError);
        let text = format!("{report:?} {}", serde_json::to_string(&report).unwrap());
        assert!(!text.contains(wrong));
        assert!(!text.contains(PW));
    });
}

#[test]
fn cleanup_deletes_only_the_test_message() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        imap.deliver(
            "INBOX",
            b"Message-ID: <other@example.test>\r\nSubject: keep\r\n\r\nx\r\n",
        );
        copier(
            smtp.clone(),
            imap.clone(),
            "INBOX",
            Duration::from_millis(100),
        );
        let report = check(
            &smtp,
            follow(&imap, PW, Duration::from_secs(10)).cleanup(true),
        )
        .run()
        .await;
        let f = report.follow_through.as_ref().unwrap();
        assert!(f.seeds[0].found);
        assert_eq!(f.seeds[0].cleanup, Some(CleanupResult::Expunged));
        let left = imap.messages("INBOX");
        assert_eq!(left.len(), 1);
        assert!(String::from_utf8_lossy(&left[0].raw).contains("<other@example.test>"));
    });
}

#[test]
fn not_run_when_no_message_was_sent() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        let report = check(&smtp, follow(&imap, PW, Duration::from_secs(5)))
            .quit_after(QuitAfter::Rcpt)
            .run()
            .await;
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.status, Status::Grey);
        assert!(f.seeds.is_empty());
        assert!(f.skipped.is_some());
        assert!(imap.commands().is_empty(), "the seed was never contacted");
    });
}

#[test]
fn the_signed_test_message_expects_the_receivers_dkim_pass() {
    rt().block_on(async {
        let (smtp, imap) = servers().await;
        copier(smtp.clone(), imap.clone(), "INBOX", Duration::ZERO);
        let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dkim/ed25519.pem");
        let signer =
            smtping_client::dkim_sign::DkimSigner::from_pem_file(key, "s1", "client.test").unwrap();
        let report = check(&smtp, follow(&imap, PW, Duration::from_secs(10)))
            .dkim_signer(signer)
            .run()
            .await;
        let sent = smtp.delivered()[0].message.clone().unwrap().body;
        let sent = String::from_utf8_lossy(&sent);
        assert!(
            sent.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;"),
            "{sent}"
        );
        assert!(sent.contains("d=client.test; s=s1;"));
        assert!(!format!("{report:?}").contains("PRIVATE"));
        // The copier's receiver wrote dkim=none: the signature was not verified.
        assert_eq!(ids(&report), ["receiver.dkim_not_pass"]);
        assert_eq!(report.follow_through.unwrap().status, Status::Red);
    });
}

#[test]
fn not_run_when_the_server_cannot_be_reached() {
    rt().block_on(async {
        let (_smtp, imap) = servers().await;
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = closed.local_addr().unwrap();
        drop(closed);
        let report = Check::new(addr.to_string().parse().unwrap())
            .tls(TlsMode::None)
            .signals(false)
            .connect_timeout(Duration::from_secs(2))
            .envelope(
                Address::new("probe@client.test").unwrap(),
                vec![Address::new("seed@example.test").unwrap()],
            )
            .follow_through(follow(&imap, PW, Duration::from_secs(5)))
            .run()
            .await;
        assert_eq!(report.verdict, Status::Red);
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.status, Status::Grey);
        assert!(f.skipped.as_deref().unwrap().contains("no SMTP session"));
        assert!(imap.commands().is_empty());
    });
}

#[test]
fn a_greylisted_message_is_followed_from_the_retry_that_delivered_it() {
    rt().block_on(async {
        let smtp = TestServer::builder()
            .hostname("mx.test")
            .recipient(
                "seed@example.test",
                smtping_testkit::server::Behaviour::reply(451, "4.7.1 Greylisted, try again")
                    .times(1),
            )
            .start()
            .await
            .unwrap();
        let imap = ImapServer::builder()
            .user("seed@example.test", PW)
            .junk_folder("Junk")
            .start()
            .await
            .unwrap();
        let (smtp, imap) = (Arc::new(smtp), Arc::new(imap));
        copier(
            smtp.clone(),
            imap.clone(),
            "INBOX",
            Duration::from_millis(100),
        );
        let policy =
            smtping_client::RetryPolicy::new(vec![Duration::from_secs(1)], Duration::from_secs(30))
                .unwrap();
        let report = check(&smtp, follow(&imap, PW, Duration::from_secs(10)))
            .retry_deferred(policy)
            .run()
            .await;
        assert_eq!(report.delivery.outcome.as_str(), "accepted");
        let f = report.follow_through.as_ref().unwrap();
        assert_eq!(f.skipped, None, "followed after the accepted retry");
        assert_eq!(f.status, Status::Green, "{f:#?}");
        assert!(f.seeds[0].found);
        assert_eq!(report.verdict, Status::Green, "{}", report.summary);
    });
}
