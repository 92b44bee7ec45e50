//! The follow-through against the testkit IMAP server: polling, folders, TLS, cleanup,
//! credentials and hostile servers.

use std::time::{Duration, Instant};

use smtping_client::ConnectTo;
use smtping_client::follow::{
    CleanupResult, FollowProblem, FollowResult, FollowThrough, Password, PollSchedule,
    SeedErrorKind, SeedUrl, SentAt,
};
use smtping_client::runtime::tokio::Tokio;
use smtping_client::tls::TrustStore;
use smtping_testkit::imap::{ImapHostile, ImapServer, ImapServerBuilder, ImapServerTls};
use smtping_testkit::{Scenario, TestPki};

const MID: &str = "<reset-42@app.example.org>";
const PW: &str = "correct horse";

fn message(mid: &str) -> Vec<u8> {
    format!(
        "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=app.example.org;\r\n dkim=pass header.d=app.example.org header.s=s1\r\n\
Received: from relay.example.net by mx.example.org; Tue, 1 Dec 2026 10:00:01 +0000\r\n\
Received: from app.example.org by relay.example.net; Tue, 1 Dec 2026 10:00:00 +0000\r\n\
Message-ID: {mid}\r\nFrom: App <noreply@app.example.org>\r\nSubject: Password reset\r\n\r\nSECRET BODY TEXT\r\n"
    )
    .into_bytes()
}

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

fn builder() -> ImapServerBuilder {
    ImapServer::builder()
        .user("alice@example.org", PW)
        .junk_folder("Junk")
}

fn url(scheme: &str, server: &ImapServer, folders: &str) -> SeedUrl {
    SeedUrl::parse(&format!(
        "{scheme}://alice%40example.org@imap.test:{}{folders}",
        server.addr().port()
    ))
    .unwrap()
}

fn follow(tls: &Tls, server: &ImapServer, url: SeedUrl) -> FollowThrough {
    let rule: ConnectTo = format!(
        "imap.test:{}:127.0.0.1:{}",
        url.port(),
        server.addr().port()
    )
    .parse()
    .unwrap();
    FollowThrough::new(MID)
        .seed(url, Password::new(PW))
        .trust(tls.trust())
        .connect_to(vec![rule])
        .poll_schedule(PollSchedule {
            first: Duration::from_millis(100),
            max: Duration::from_millis(400),
        })
        .timeout(Duration::from_secs(10))
}

async fn run(ft: FollowThrough) -> FollowResult {
    ft.run(&Tokio).await
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn implicit_tls_polls_until_the_message_lands_in_junk() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = builder()
            .tls(ImapServerTls::Implicit(tls.config()))
            .start()
            .await
            .unwrap();
        server.deliver("INBOX", &message("<other@example.org>"));
        server.deliver_after("Junk", &message(MID), Duration::from_millis(700));
        let sent = Instant::now();
        let result =
            run(follow(&tls, &server, url("imaps", &server, "")).sent_at(SentAt::Instant(sent)))
                .await;
        let seed = &result.seeds[0];
        assert!(seed.found, "{:?}", seed.error);
        assert_eq!(seed.error, None);
        assert_eq!(seed.folder.as_deref(), Some("Junk"));
        assert!(seed.junk);
        assert!(seed.tls);
        assert!(seed.attempts > 1, "polled {} times", seed.attempts);
        assert!(seed.latency_ms.is_some());
        assert_eq!(
            seed.mailbox,
            format!(
                "imaps://alice%40example.org@imap.test:{}",
                server.addr().port()
            )
        );
        assert_eq!(seed.received.len(), 2);
        assert!(
            seed.received[1].starts_with("from app.example.org"),
            "oldest last"
        );
        assert_eq!(seed.authentication_results.len(), 1);
        assert!(
            seed.authentication_results[0]
                .contains("spf=pass smtp.mailfrom=app.example.org; dkim=pass")
        );
        assert!(!seed.header.as_deref().unwrap().contains("SECRET BODY"));
        assert_eq!(seed.problems(), vec![FollowProblem::LandedInJunk]);
        // Read-only: nothing selected, stored or expunged; the message is untouched.
        let commands = server.commands();
        assert!(commands.iter().any(|c| c.contains("EXAMINE")));
        assert!(commands.iter().any(|c| c.contains("BODY.PEEK[HEADER]")));
        for c in &commands {
            assert!(
                !c.contains("SELECT") && !c.contains("STORE") && !c.contains("EXPUNGE"),
                "{c}"
            );
            assert!(!c.contains(PW), "{c}");
        }
        assert_eq!(server.messages("Junk").len(), 1);
        assert!(server.messages("Junk")[0].flags.is_empty());
        // Serialises without secrets.
        let json = serde_json::to_string(&result).unwrap();
        assert!(!json.contains(PW) && json.contains("\"found\":true"));
    });
}

#[test]
fn starttls_then_cleanup_with_and_without_uidplus() {
    rt().block_on(async {
        for uidplus in [true, false] {
            let tls = Tls::new();
            let server = builder()
                .tls(ImapServerTls::StartTls(tls.config()))
                .uidplus(uidplus)
                .auth_plain(true, false)
                .start()
                .await
                .unwrap();
            let other = server.deliver("INBOX", &message("<keep@example.org>"));
            server.deliver("INBOX", &message(MID));
            let result = run(follow(&tls, &server, url("imap", &server, "/INBOX"))
                .require_tls(true)
                .cleanup(true))
            .await;
            let seed = &result.seeds[0];
            assert!(seed.found && seed.tls, "{:?}", seed.error);
            assert_eq!(seed.error, None);
            assert!(!seed.junk);
            let left = server.messages("INBOX");
            assert!(
                left.iter().any(|m| m.uid == other && m.flags.is_empty()),
                "the other message is untouched"
            );
            if uidplus {
                assert_eq!(seed.cleanup, Some(CleanupResult::Expunged));
                assert_eq!(left.len(), 1);
            } else {
                assert_eq!(seed.cleanup, Some(CleanupResult::FlaggedOnly));
                assert_eq!(left.len(), 2);
                assert!(seed.problems().contains(&FollowProblem::CleanupFlaggedOnly));
            }
            assert!(server.commands().iter().all(|c| !c.ends_with(" EXPUNGE")));
        }
    });
}

#[test]
fn search_by_subject_and_from() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = builder()
            .tls(ImapServerTls::Implicit(tls.config()))
            .start()
            .await
            .unwrap();
        server.deliver("INBOX", &message(MID));
        let u = url("imaps", &server, "");
        let rule: ConnectTo = format!("imap.test:{}:127.0.0.1:{}", u.port(), server.addr().port())
            .parse()
            .unwrap();
        let result = FollowThrough::search(
            Some("password reset".into()),
            Some("noreply@app".into()),
            Some((2000, 1, 1)),
        )
        .seed(u, Password::new(PW))
        .trust(tls.trust())
        .connect_to(vec![rule])
        .timeout(Duration::from_secs(5))
        .run(&Tokio)
        .await;
        assert!(result.seeds[0].found, "{:?}", result.seeds[0].error);
        assert_eq!(result.seeds[0].folder.as_deref(), Some("INBOX"));
    });
}

#[test]
fn never_arrives_ends_at_the_deadline() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = builder()
            .tls(ImapServerTls::Implicit(tls.config()))
            .start()
            .await
            .unwrap();
        let started = Instant::now();
        let result =
            run(follow(&tls, &server, url("imaps", &server, "")).timeout(Duration::from_secs(2)))
                .await;
        let seed = &result.seeds[0];
        assert!(!seed.found);
        assert!(seed.attempts >= 2);
        assert_eq!(seed.error.as_ref().unwrap().kind, SeedErrorKind::NotFound);
        assert_eq!(seed.problems(), vec![FollowProblem::NotFound]);
        assert!(started.elapsed() < Duration::from_secs(8));
    });
}

#[test]
fn wrong_password_is_an_auth_error_and_not_retried() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = builder()
            .tls(ImapServerTls::Implicit(tls.config()))
            .auth_plain(false, false)
            .start()
            .await
            .unwrap();
        let u = url("imaps", &server, "");
        let rule: ConnectTo = format!("imap.test:{}:127.0.0.1:{}", u.port(), server.addr().port())
            .parse()
            .unwrap();
        let result = FollowThrough::new(MID)
            .seed(u, Password::new("wrong"))
            .trust(tls.trust())
            .connect_to(vec![rule])
            .run(&Tokio)
            .await;
        let seed = &result.seeds[0];
        assert_eq!(seed.attempts, 1);
        let e = seed.error.as_ref().unwrap();
        assert_eq!((e.step.as_str(), e.kind), ("login", SeedErrorKind::Auth));
        assert_eq!(seed.problems(), vec![FollowProblem::SeedAuth]);
    });
}

#[test]
fn cleartext_is_refused_unless_allowed() {
    rt().block_on(async {
        let tls = Tls::new();
        let server = builder().start().await.unwrap();
        server.deliver("INBOX", &message(MID));
        let r = run(follow(&tls, &server, url("imap", &server, "")).require_tls(true)).await;
        assert_eq!(r.seeds[0].error.as_ref().unwrap().kind, SeedErrorKind::Tls);
        let r = run(follow(&tls, &server, url("imap", &server, ""))).await;
        let e = r.seeds[0].error.as_ref().unwrap();
        assert_eq!(e.kind, SeedErrorKind::Auth, "{e}");
        assert!(e.message.contains("cleartext"));
        assert!(
            server
                .commands()
                .iter()
                .all(|c| !c.contains("LOGIN") && !c.contains("AUTHENTICATE"))
        );
        let r =
            run(follow(&tls, &server, url("imap", &server, "")).allow_cleartext_auth(true)).await;
        assert!(r.seeds[0].found, "{:?}", r.seeds[0].error);
        assert!(!r.seeds[0].tls);
    });
}

#[test]
fn an_untrusted_certificate_is_a_tls_error() {
    rt().block_on(async {
        let tls = Tls::new();
        let other = Tls::new();
        let server = builder()
            .tls(ImapServerTls::Implicit(other.config()))
            .start()
            .await
            .unwrap();
        let r = run(follow(&tls, &server, url("imaps", &server, ""))).await;
        let e = r.seeds[0].error.as_ref().unwrap();
        assert_eq!(e.kind, SeedErrorKind::Tls, "{e}");
        assert_eq!(r.seeds[0].problems(), vec![FollowProblem::SeedTls]);
    });
}

#[test]
fn hostile_servers_end_within_the_deadline() {
    rt().block_on(async {
        for hostile in [
            ImapHostile::HugeLiteral,
            ImapHostile::EndlessUntagged,
            ImapHostile::StallAfterGreeting,
            ImapHostile::StallMidFetch,
            ImapHostile::EchoPasswordInNo,
            ImapHostile::InjectAfterStarttls,
        ] {
            let tls = Tls::new();
            let mode = if hostile == ImapHostile::InjectAfterStarttls {
                ImapServerTls::StartTls(tls.config())
            } else {
                ImapServerTls::Implicit(tls.config())
            };
            let server = builder().tls(mode).hostile(hostile).start().await.unwrap();
            server.deliver("INBOX", &message(MID));
            let scheme = if hostile == ImapHostile::InjectAfterStarttls {
                "imap"
            } else {
                "imaps"
            };
            let started = Instant::now();
            let r = run(
                follow(&tls, &server, url(scheme, &server, "")).timeout(Duration::from_secs(3))
            )
            .await;
            let elapsed = started.elapsed();
            let seed = &r.seeds[0];
            eprintln!(
                "{hostile:?}: ended after {elapsed:?}, {} poll(s): {:?}",
                seed.attempts, seed.error
            );
            assert!(!seed.found, "{hostile:?}");
            let e = seed.error.as_ref().unwrap();
            assert!(
                elapsed < Duration::from_secs(10),
                "{hostile:?} took {elapsed:?}"
            );
            let shown = format!("{e} {}", serde_json::to_string(&r).unwrap());
            assert!(!shown.contains(PW), "{hostile:?}: {shown}");
            match hostile {
                ImapHostile::HugeLiteral
                | ImapHostile::EndlessUntagged
                | ImapHostile::InjectAfterStarttls => {
                    assert_eq!(e.kind, SeedErrorKind::Protocol, "{hostile:?}: {e}");
                    assert_eq!(
                        seed.attempts, 1,
                        "{hostile:?}: a misbehaving server is not polled again"
                    );
                }
                ImapHostile::StallAfterGreeting | ImapHostile::StallMidFetch => {
                    assert_eq!(e.kind, SeedErrorKind::Timeout, "{hostile:?}: {e}");
                    let step = if hostile == ImapHostile::StallMidFetch {
                        "fetch"
                    } else {
                        "capability"
                    };
                    assert_eq!(e.step, step, "{hostile:?}: {e}");
                    assert_eq!(seed.problems(), vec![FollowProblem::SeedUnreachable]);
                }
                ImapHostile::EchoPasswordInNo => {
                    assert_eq!(e.kind, SeedErrorKind::Auth, "{hostile:?}: {e}");
                    assert!(e.message.contains("****"), "{e}");
                }
            }
        }
    });
}

#[test]
fn login_with_a_password_that_needs_a_literal() {
    rt().block_on(async {
        let tls = Tls::new();
        let pw = "pässwörd \"quoted\" ok";
        let server = ImapServer::builder()
            .user("alice@example.org", pw)
            .auth_plain(false, false)
            .tls(ImapServerTls::Implicit(tls.config()))
            .start()
            .await
            .unwrap();
        server.deliver("INBOX", &message(MID));
        let u = url("imaps", &server, "");
        let rule: ConnectTo = format!("imap.test:{}:127.0.0.1:{}", u.port(), server.addr().port())
            .parse()
            .unwrap();
        let r = FollowThrough::new(MID)
            .seed(u, Password::new(pw))
            .trust(tls.trust())
            .connect_to(vec![rule])
            .timeout(Duration::from_secs(5))
            .run(&Tokio)
            .await;
        assert!(r.seeds[0].found, "{:?}", r.seeds[0].error);
        assert!(
            server
                .commands()
                .iter()
                .any(|c| c.ends_with("LOGIN alice@example.org ****")),
            "{:?}",
            server.commands()
        );
        assert!(server.commands().iter().all(|c| !c.contains("pässwörd")));
    });
}
