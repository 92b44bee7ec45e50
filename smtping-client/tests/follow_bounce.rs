//! The bounce-mailbox watch against the testkit IMAP server: a hard bounce, delayed then
//! failed, an unrelated DSN, nothing by the deadline, an oversized candidate, a hostile
//! server, and the watch running alongside a seed into the report's follow-through.

use std::time::{Duration, Instant, SystemTime};

use smtping_classify::bounce::{BounceKind, MatchedBy};
use smtping_client::ConnectTo;
use smtping_client::assemble::follow_through_info;
use smtping_client::facts::FollowFacts;
use smtping_client::follow::{
    FollowProblem, FollowResult, FollowThrough, Password, PollSchedule, SeedErrorKind, SeedUrl,
    SentAt,
};
use smtping_client::report::Status;
use smtping_client::report::follow::FollowEvent;
use smtping_client::runtime::tokio::Tokio;
use smtping_client::tls::TrustStore;
use smtping_testkit::imap::{Dsn, ImapHostile, ImapServer, ImapServerTls};
use smtping_testkit::{Scenario, TestPki};

const MID: &str = "<t-77@probe.example.com>";
const PW: &str = "bounce pw 9";
const RCPT: &str = "nobody@rx.test";

struct Tls {
    pki: TestPki,
}

impl Tls {
    fn new() -> Self {
        Self {
            pki: TestPki::new().unwrap(),
        }
    }
    fn config(&self) -> std::sync::Arc<rustls::ServerConfig> {
        self.pki
            .server_cert(Scenario::Valid, &["imap.test"])
            .unwrap()
            .server_config()
            .unwrap()
    }
    fn trust(&self) -> TrustStore {
        TrustStore::from_roots(self.pki.root_store())
    }
}

async fn server(tls: &Tls, hostile: Option<ImapHostile>) -> ImapServer {
    let mut b = ImapServer::builder()
        .user("bounces@example.com", PW)
        .user("seed@rx.test", PW)
        .junk_folder("Junk")
        .tls(ImapServerTls::Implicit(tls.config()));
    if let Some(h) = hostile {
        b = b.hostile(h);
    }
    b.start().await.unwrap()
}

fn url(server: &ImapServer, user: &str) -> SeedUrl {
    SeedUrl::parse(&format!(
        "imaps://{user}@imap.test:{}/INBOX",
        server.addr().port()
    ))
    .unwrap()
}

fn watch(tls: &Tls, server: &ImapServer, timeout: Duration) -> FollowThrough {
    let rule: ConnectTo = format!(
        "imap.test:{}:127.0.0.1:{}",
        server.addr().port(),
        server.addr().port()
    )
    .parse()
    .unwrap();
    FollowThrough::new(MID)
        .bounce_mailbox(url(server, "bounces%40example.com"), Password::new(PW))
        .trust(tls.trust())
        .connect_to(vec![rule])
        .poll_schedule(PollSchedule {
            first: Duration::from_millis(100),
            max: Duration::from_millis(300),
        })
        .sent_at(SentAt::Instant(Instant::now()))
        .timeout(timeout)
}

async fn run(ft: FollowThrough) -> FollowResult {
    // A guard against a hang, far beyond any deadline used here.
    tokio::time::timeout(Duration::from_secs(60), ft.run(&Tokio))
        .await
        .expect("the watch ends")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn facts(result: FollowResult) -> FollowFacts {
    let mut f = FollowFacts::default();
    f.message_id = Some(MID.into());
    f.accepted_at = Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_133_727)); // 14:02:07
    f.result = Some(result);
    f
}

#[test]
fn a_hard_bounce_is_found_and_an_unrelated_one_ignored() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = server(&tls, None).await;
        server.deliver_dsn("INBOX", &Dsn::failed("<someone-else@probe.example.com>", RCPT));
        // Quotes our Message-ID but is no report about it.
        server.deliver("INBOX", format!("Subject: about {MID}\r\n\r\nhi\r\n").as_bytes());
        server.deliver_after(
            "INBOX",
            &Dsn::failed(MID, RCPT).to_bytes(),
            Duration::from_millis(400),
        );
        let result = run(watch(&tls, &server, Duration::from_secs(10))).await;
        assert!(result.seeds.is_empty());
        let b = result.bounce.as_ref().unwrap();
        assert_eq!(b.error, None);
        assert!(b.found && b.bounced(), "{b:?}");
        assert!(b.attempts >= 2, "polled until it came: {}", b.attempts);
        let n = b.final_notice.as_ref().unwrap();
        eprintln!(
            "hard bounce delivered 400 ms after the start: found at +{} ms, poll {}",
            n.t_ms, b.attempts
        );
        assert_eq!(n.matched_by, MatchedBy::MessageId);
        assert_eq!(n.dsn.kind, BounceKind::Hard);
        assert_eq!(n.dsn.status.as_deref(), Some("5.1.1"));
        assert_eq!(n.dsn.remote_mta.as_deref(), Some("mx.example.org"));
        assert_eq!(n.dsn.reason.as_str(), "mailbox_unknown");
        // The message that only mentions the id is read once, then remembered. The other
        // bounce is no TEXT match at all.
        assert_eq!(b.ignored, 1);
        assert_eq!(b.problems(), vec![FollowProblem::Bounced]);
        // Read-only, never a plain BODY[] (it would set \Seen), never the password.
        let commands = server.commands();
        assert!(commands.iter().any(|c| c.contains("TEXT <t-77@probe.example.com>")));
        assert!(commands.iter().any(|c| c.contains("BODY.PEEK[]")));
        for c in &commands {
            assert!(!c.contains(" BODY[") && !c.contains("SELECT") && !c.contains("STORE"));
            assert!(!c.contains(PW));
        }
        assert!(server.messages("INBOX").iter().all(|m| m.flags.is_empty()));
        let json = serde_json::to_string(&result).unwrap();
        assert!(!json.contains(PW));

        let info = follow_through_info(&facts(result));
        assert_eq!(info.status, Status::Red);
        let ids: Vec<_> = info.findings.iter().map(|f| f.id.as_str()).collect();
        assert_eq!(ids, ["bounce.hard"]);
        let bi = info.bounce.as_ref().unwrap();
        assert!(bi.watched && bi.found);
        let dsn = bi.dsn.as_ref().unwrap();
        assert_eq!(dsn.action.as_deref(), Some("failed"));
        assert_eq!(dsn.reason.as_deref(), Some("mailbox_unknown"));
        assert!(dsn.hard);
        let line = bi.line(info.accepted_at.as_deref());
        assert!(
            line.starts_with("accepted at 14:02:07, bounced at 14:02:")
                && line.ends_with(
                    "550 5.1.1 <nobody@rx.test>: Recipient address rejected: User unknown in local recipient table (hard)"
                ),
            "{line}"
        );
        assert_eq!(info.summary().as_deref(), Some(line.as_str()));
        assert_eq!(
            info.timeline.last().map(|e| e.event),
            Some(FollowEvent::BounceFound)
        );
    });
}

#[test]
fn a_delayed_notice_is_soft_and_the_watch_goes_on_until_the_failure() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = server(&tls, None).await;
        server.deliver_dsn("INBOX", &Dsn::delayed(MID, RCPT));
        server.deliver_after(
            "INBOX",
            &Dsn::failed(MID, RCPT).to_bytes(),
            Duration::from_millis(700),
        );
        let result = run(watch(&tls, &server, Duration::from_secs(10))).await;
        let b = result.bounce.as_ref().unwrap();
        assert_eq!(b.delayed.len(), 1, "{b:?}");
        assert_eq!(b.delayed[0].dsn.kind, BounceKind::Soft);
        assert!(!b.delayed[0].dsn.hard);
        assert!(b.bounced());
        assert!(b.final_notice.as_ref().unwrap().t_ms >= b.delayed[0].t_ms);
        let info = follow_through_info(&facts(result.clone()));
        let events: Vec<_> = info.timeline.iter().map(|e| e.event).collect();
        let delayed = events.iter().position(|e| *e == FollowEvent::BounceDelayed);
        let found = events.iter().position(|e| *e == FollowEvent::BounceFound);
        assert!(delayed.is_some() && delayed < found, "{events:?}");
        assert_eq!(info.status, Status::Red);

        // Only the delayed one by the deadline: amber, still soft.
        let server = self::server(&tls, None).await;
        server.deliver_dsn("INBOX", &Dsn::delayed(MID, RCPT));
        let result = run(watch(&tls, &server, Duration::from_millis(800))).await;
        let b = result.bounce.as_ref().unwrap();
        assert!(b.found && !b.bounced());
        assert!(b.attempts > 1, "watching went on after the delay notice");
        assert_eq!(b.problems(), vec![FollowProblem::BounceDelayed]);
        let info = follow_through_info(&facts(result));
        assert_eq!(info.status, Status::Amber);
        let line = info
            .bounce
            .as_ref()
            .unwrap()
            .line(info.accepted_at.as_deref());
        assert!(
            line.contains(", delayed at 14:02:") && line.ends_with("(soft)"),
            "{line}"
        );
    });
}

#[test]
fn nothing_by_the_deadline_is_watched_and_neutral() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = server(&tls, None).await;
        server.deliver("INBOX", b"Subject: unrelated\r\n\r\nx\r\n");
        let result = run(watch(&tls, &server, Duration::from_millis(700))).await;
        let b = result.bounce.as_ref().unwrap();
        assert!(!b.found && b.error.is_none(), "{b:?}");
        assert!(b.attempts > 1);
        assert!(b.problems().is_empty());
        let info = follow_through_info(&facts(result));
        assert_eq!(info.status, Status::Green);
        let bi = info.bounce.as_ref().unwrap();
        assert!(bi.watched && !bi.found && bi.dsn.is_none());
        assert!(bi.line(None).starts_with("no bounce by the deadline"));
    });
}

#[test]
fn an_oversized_candidate_is_skipped_with_a_note() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = server(&tls, None).await;
        let mut big = Dsn::failed(MID, RCPT);
        big.padding = 300 * 1024;
        server.deliver_dsn("INBOX", &big);
        let result = run(watch(&tls, &server, Duration::from_millis(700))).await;
        let b = result.bounce.as_ref().unwrap();
        assert!(!b.found, "{b:?}");
        assert_eq!(b.oversized, 1, "noted once across polls");
        assert_eq!(b.notes.len(), 1);
        assert!(
            b.notes[0].contains("over the 262144 byte limit"),
            "{}",
            b.notes[0]
        );
        assert_eq!(b.problems(), vec![FollowProblem::BounceOversized]);
        assert!(
            server.commands().iter().all(|c| !c.contains("BODY.PEEK[]")),
            "never read"
        );
        let info = follow_through_info(&facts(result));
        assert!(
            info.findings
                .iter()
                .any(|f| f.id == "follow_through.bounce_oversized")
        );
    });
}

#[test]
fn a_hostile_server_with_a_huge_literal_ends_within_the_deadline() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = server(&tls, Some(ImapHostile::HugeLiteral)).await;
        server.deliver_dsn("INBOX", &Dsn::failed(MID, RCPT));
        let started = Instant::now();
        let result = run(watch(&tls, &server, Duration::from_secs(3))).await;
        let elapsed = started.elapsed();
        let b = result.bounce.as_ref().unwrap();
        eprintln!(
            "HugeLiteral: the watch ended after {elapsed:?}, {} poll(s): {:?}",
            b.attempts, b.error
        );
        assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
        let e = b.error.as_ref().expect("an error");
        assert_eq!(e.kind, SeedErrorKind::Protocol, "{e}");
        assert_eq!(e.step, "fetch");
        assert!(e.message.contains("limit"), "{e}");
        assert_eq!(b.attempts, 1, "a misbehaving server is not polled again");
        assert_eq!(b.problems(), vec![FollowProblem::BounceWatchFailed]);
        let info = follow_through_info(&facts(result));
        assert_eq!(info.status, Status::Amber);
    });
}

#[test]
fn the_seed_and_the_bounce_watch_run_together() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = server(&tls, None).await;
        server.deliver_after(
            "INBOX",
            format!("Message-ID: {MID}\r\nSubject: t\r\n\r\nx\r\n").as_bytes(),
            Duration::from_millis(300),
        );
        let ft = watch(&tls, &server, Duration::from_millis(1500))
            .seed(url(&server, "seed%40rx.test"), Password::new(PW));
        let result = run(ft).await;
        assert!(result.seeds[0].found, "{:?}", result.seeds[0].error);
        let b = result.bounce.as_ref().unwrap();
        assert!(!b.bounced());
        // The seed's copy quotes the Message-ID too: read, not a bounce.
        assert!(b.ignored >= 1);
        // The watch went on to the deadline after the seed found the message.
        assert!(b.ended_ms >= result.seeds[0].ended_ms);
        let info = follow_through_info(&facts(result));
        assert_eq!(info.status, Status::Green, "{:?}", info.findings);
        assert_eq!(info.seeds.len(), 1);
        assert!(info.bounce.is_some());
    });
}
