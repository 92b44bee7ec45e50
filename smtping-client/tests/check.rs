//! The Check engine over real sockets on loopback, against the scripted test server: healthy
//! and hostile dialogues, every certificate verdict, AUTH, a refusal at each stage, silent and
//! closing servers, DNS through the loopback responder, and the driver over tokio-test mocks.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use smtping_classify::Reason;
use smtping_client::net::dns::IpFamilies;
use smtping_client::runtime::tokio::drive_session;
use smtping_client::tls::{TlsOptions, Verification};
use smtping_client::{Check, Report, Status, TlsMode};
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{Plan, QuitAfter, Session, TlsPolicy};
use smtping_proto::{Address, Domain};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{
    AuthConfig, Behaviour, Hostile, SaslMechanism, ServerStage, ServerTls, TestServer,
};

const NAME: &str = "mx.test";

fn addr(a: &str) -> Address {
    Address::new(a).unwrap()
}

/// A check of `server` that trusts only the test PKI and verifies the name mx.test.
fn check(server: &TestServer, pki: &TestPki) -> Check {
    Check::new(server.addr().to_string().parse().unwrap())
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der())
                .sni(NAME),
        )
        .command_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(3))
}

fn deliver(c: Check) -> Check {
    c.envelope(addr("probe@client.test"), vec![addr("alice@example.test")])
}

async fn starttls_server(pki: &TestPki) -> TestServer {
    TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &[NAME]).unwrap(),
        ))
        .extensions(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"])
        .start()
        .await
        .unwrap()
}

fn finding_ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[tokio::test]
async fn healthy_starttls_delivery_is_green_and_the_message_arrives() {
    let pki = TestPki::new().unwrap();
    let server = starttls_server(&pki).await;
    let r = deliver(check(&server, &pki)).run().await;
    assert_eq!(r.verdict, Status::Green, "{}\n{:?}", r.summary, r.error);
    assert_eq!(r.connectivity.status, Status::Green);
    assert_eq!(r.connectivity.greeting.as_ref().unwrap().code, 220);
    assert_eq!(r.connectivity.attempts[0].outcome, "connected");
    assert!(r.tls.established && r.tls.offered);
    assert_eq!(r.tls.version.map(|v| v.as_str()), Some("TLSv1.3"));
    assert_eq!(r.tls.sni.as_deref(), Some(NAME));
    let cert = r.tls.certificate.as_ref().unwrap();
    assert_eq!(cert.verification, Verification::Valid);
    assert!(cert.sans.iter().any(|s| s == NAME));
    assert_eq!(r.delivery.outcome, "accepted");
    assert_eq!(r.delivery.stage.map(|s| s.as_str()), Some("data_end"));
    assert_eq!(r.delivery.reason, Some(Reason::Accepted));
    let ehlo = r.ehlo.as_ref().unwrap();
    assert!(ehlo.pipelining && ehlo.starttls && ehlo.eightbitmime);
    assert!(r.error.is_none());
    // The server got exactly one message, carrying the report's Message-ID.
    let delivered = server.delivered();
    assert_eq!(delivered.len(), 1);
    let text = delivered[0].message.as_ref().unwrap().text();
    let id = r.delivery.message_id.as_deref().unwrap();
    assert!(text.contains(&format!("Message-ID: {id}")), "{text}");
    assert!(text.contains("Auto-Submitted: auto-generated"));
    // The dialogue went MAIL+RCPT+DATA in one pipelined write inside TLS.
    let tls_lines: Vec<_> = r
        .transcript
        .iter()
        .filter(|l| l.tls && l.dir == "client")
        .collect();
    assert!(
        tls_lines
            .iter()
            .any(|l| l.line.starts_with("MAIL FROM:<probe@client.test>"))
    );
    assert!(r.timings_ms.tls_handshake.is_some() && r.timings_ms.data.is_some());
    assert!(r.timings_ms.total >= r.timings_ms.connect.unwrap());
}

#[tokio::test]
async fn every_certificate_verdict_over_implicit_tls() {
    let pki = TestPki::new().unwrap();
    for scenario in [
        Scenario::Valid,
        Scenario::HostnameMismatch,
        Scenario::Expired,
        Scenario::NotYetValid,
        Scenario::SelfSigned,
        Scenario::UntrustedIssuer,
        Scenario::IncompleteChain,
    ] {
        let server = TestServer::builder()
            .hostname(NAME)
            .tls(ServerTls::implicit(
                pki.server_cert(scenario, &[NAME]).unwrap(),
            ))
            .start()
            .await
            .unwrap();
        let r = check(&server, &pki).tls(TlsMode::Implicit).run().await;
        let cert = r
            .tls
            .certificate
            .as_ref()
            .unwrap_or_else(|| panic!("{scenario:?}: {:?}", r.error));
        assert_eq!(
            cert.verification.as_str(),
            scenario.expected(),
            "{scenario:?}"
        );
        assert_eq!(r.tls.mode, "implicit");
        assert!(
            r.tls.established,
            "{scenario:?}: diagnose mode completes the handshake"
        );
        if scenario == Scenario::Valid {
            assert_eq!(r.verdict, Status::Green, "{}", r.summary);
        } else {
            assert_eq!(r.tls.status, Status::Red, "{scenario:?}");
            assert_eq!(r.verdict, Status::Red, "{scenario:?}");
            assert!(
                finding_ids(&r).contains(&"tls.certificate_invalid"),
                "{scenario:?}"
            );
        }
    }
}

#[tokio::test]
async fn strict_mode_refuses_a_bad_certificate_with_a_classified_error() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Expired, &[NAME]).unwrap(),
        ))
        .start()
        .await
        .unwrap();
    let r = check(&server, &pki).strict_certificates(true).run().await;
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        ("tls_handshake", "tls_handshake")
    );
    assert!(!r.tls.established);
    assert_eq!(r.verdict, Status::Red);
    assert!(finding_ids(&r).contains(&"tls.handshake_failed"));
}

#[tokio::test]
async fn auth_success_failure_and_refusal() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &[NAME]).unwrap(),
        ))
        .auth(
            AuthConfig::new()
                .user("alice", "s3cret")
                .mechanisms([SaslMechanism::Plain, SaslMechanism::Login])
                .require_tls(true),
        )
        .start()
        .await
        .unwrap();
    let ok = check(&server, &pki)
        .auth(Credentials::new("alice", "s3cret"))
        .run()
        .await;
    assert_eq!(ok.auth.login.outcome, "success", "{:?}", ok.error);
    assert_eq!(ok.auth.status, Status::Green);
    assert_eq!(ok.auth.mechanisms_after_tls, ["PLAIN", "LOGIN"]);
    assert!(ok.auth.mechanisms_before_tls.is_empty());
    let bad = check(&server, &pki)
        .auth(Credentials::new("alice", "wrong"))
        .run()
        .await;
    assert_eq!(bad.auth.login.outcome, "failure");
    assert_eq!(bad.auth.login.reply.as_ref().unwrap().code, 535);
    assert_eq!(bad.verdict, Status::Red);
    assert_eq!(bad.error.as_ref().unwrap().stage, "auth");
    // LOGIN when asked for.
    let login = check(&server, &pki)
        .auth(Credentials::new("alice", "s3cret"))
        .auth_mechanism(smtping_proto::AuthMechanism::Login)
        .run()
        .await;
    assert_eq!(login.auth.login.mechanism.as_deref(), Some("LOGIN"));
    assert_eq!(login.auth.login.outcome, "success");
    // The password appears nowhere in any report.
    for r in [&ok, &bad, &login] {
        let json = serde_json::to_string(r).unwrap();
        assert!(
            !json.contains("s3cret") && !json.contains("wrong\""),
            "secret leaked"
        );
    }
    // The server recorded the user, never the password.
    assert!(
        server
            .received()
            .iter()
            .any(|s| s.auth_user.as_deref() == Some("alice"))
    );
}

#[tokio::test]
async fn plaintext_auth_offered_before_tls_is_a_finding_and_is_not_used() {
    let server = TestServer::builder()
        .auth(
            AuthConfig::new()
                .user("alice", "pw")
                .mechanisms([SaslMechanism::Plain])
                .require_tls(false),
        )
        .start()
        .await
        .unwrap();
    let pki = TestPki::new().unwrap();
    let r = check(&server, &pki)
        .auth(Credentials::new("alice", "pw"))
        .run()
        .await;
    assert!(finding_ids(&r).contains(&"auth.plaintext_offered"));
    assert!(finding_ids(&r).contains(&"tls.not_offered"));
    assert_eq!(r.auth.login.outcome, "refused_by_client");
    assert_eq!(r.error.as_ref().unwrap().kind, "refused_by_client");
    // The hint names the flag that lifts the guard.
    let message = &r.error.as_ref().unwrap().message;
    assert!(message.contains("--auth-plaintext"), "{message}");
    assert!(server.received().iter().all(|s| s.auth_user.is_none()));
    // Explicitly allowed, it runs.
    let r = check(&server, &pki)
        .auth(Credentials::new("alice", "pw"))
        .allow_plaintext_auth(true)
        .run()
        .await;
    assert_eq!(r.auth.login.outcome, "success");
    assert_eq!(
        r.auth.status,
        Status::Amber,
        "still amber: AUTH before TLS is exposed"
    );
}

/// A refusal at each stage gives the right outcome, stage, code and reason.
#[tokio::test]
async fn a_refusal_at_each_stage() {
    let pki = TestPki::new().unwrap();
    let cases: Vec<(ServerStage, Behaviour, &str, &str, u16)> = vec![
        (
            ServerStage::Mail,
            Behaviour::reply(
                553,
                "5.7.1 <probe@client.test>: Sender address rejected: Access denied",
            ),
            "bounced",
            "mail",
            553,
        ),
        (
            ServerStage::Rcpt,
            Behaviour::reply(
                550,
                "5.1.1 <alice@example.test>: Recipient address rejected: User unknown in virtual mailbox table",
            ),
            "bounced",
            "rcpt",
            550,
        ),
        (
            ServerStage::Rcpt,
            Behaviour::reply(
                451,
                "4.7.1 <alice@example.test>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/example.test.html",
            ),
            "deferred",
            "rcpt",
            451,
        ),
        (
            ServerStage::Data,
            Behaviour::reply(451, "4.3.0 Error: queue file write error"),
            "deferred",
            "data",
            451,
        ),
        (
            ServerStage::DataEnd,
            Behaviour::reply(554, "5.7.1 Message rejected as spam by Content Filtering"),
            "bounced",
            "data_end",
            554,
        ),
        (
            ServerStage::DataEnd,
            Behaviour::reply(452, "4.3.1 Insufficient system storage"),
            "deferred",
            "data_end",
            452,
        ),
    ];
    for (stage, behaviour, outcome, at, code) in cases {
        let server = TestServer::builder()
            .extensions(["PIPELINING", "ENHANCEDSTATUSCODES"])
            .on(stage, behaviour)
            .start()
            .await
            .unwrap();
        let r = deliver(check(&server, &pki)).run().await;
        assert_eq!(r.delivery.outcome, outcome, "{stage:?}: {}", r.summary);
        assert_eq!(r.delivery.stage.map(|s| s.as_str()), Some(at), "{stage:?}");
        assert_eq!(r.delivery.reply.as_ref().unwrap().code, code, "{stage:?}");
        assert!(r.delivery.explanation.is_some() && r.delivery.remediation.is_some());
        let expected_status = if outcome == "bounced" {
            Status::Red
        } else {
            Status::Amber
        };
        assert_eq!(r.delivery.status, expected_status, "{stage:?}");
        assert!(
            r.error.is_none(),
            "{stage:?}: a refusal is a result, not an error"
        );
    }
    // Reasons where the text is unambiguous.
    let server = TestServer::builder()
        .recipient(
            "alice@example.test",
            Behaviour::reply(
                550,
                "5.1.1 <alice@example.test>: Recipient address rejected: User unknown",
            ),
        )
        .start()
        .await
        .unwrap();
    let r = deliver(check(&server, &pki))
        .quit_after(QuitAfter::Rcpt)
        .run()
        .await;
    assert_eq!(r.delivery.reason, Some(Reason::MailboxUnknown));
    assert!(r.delivery.hard);
    assert_eq!(
        r.delivery.recipients[0].reason,
        Some(Reason::MailboxUnknown)
    );
}

#[tokio::test]
async fn greeting_refusals_and_421_mid_transaction() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .greeting(Behaviour::reply(554, "5.7.1 No SMTP service here"))
        .start()
        .await
        .unwrap();
    let r = check(&server, &pki).run().await;
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        ("greeting", "rejected")
    );
    assert_eq!(r.connectivity.status, Status::Red);
    assert_eq!(r.verdict, Status::Red);

    let server = TestServer::builder()
        .recipient(
            "alice@example.test",
            Behaviour::reply(421, "4.7.28 Rate limited, try again later"),
        )
        .start()
        .await
        .unwrap();
    let r = deliver(check(&server, &pki)).run().await;
    assert_eq!(r.delivery.outcome, "deferred");
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.stage.as_str(), e.kind.as_str()), ("rcpt", "rejected"));
    assert_eq!(
        r.delivery.reason,
        Some(Reason::RateLimited),
        "{:?}",
        r.delivery
    );
}

#[tokio::test]
async fn per_recipient_results_and_partial_delivery() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .extensions(["PIPELINING"])
        .recipient(
            "nobody@example.test",
            Behaviour::reply(550, "5.1.1 user unknown"),
        )
        .start()
        .await
        .unwrap();
    let r = check(&server, &pki)
        .envelope(
            addr("probe@client.test"),
            vec![addr("alice@example.test"), addr("nobody@example.test")],
        )
        .run()
        .await;
    assert_eq!(r.delivery.outcome, "accepted");
    let outcomes: Vec<&str> = r
        .delivery
        .recipients
        .iter()
        .map(|x| x.outcome.as_str())
        .collect();
    assert_eq!(outcomes, ["accepted", "bounced"]);
    assert_eq!(
        r.delivery.recipients[1].reason,
        Some(Reason::MailboxUnknown)
    );
    assert!(finding_ids(&r).contains(&"delivery.partial"));
    assert_eq!(r.verdict, Status::Amber);
    assert_eq!(server.delivered()[0].recipients.len(), 2);
}

#[tokio::test]
async fn silent_closing_and_refused_servers() {
    let pki = TestPki::new().unwrap();
    // Silent: the greeting deadline names its phase.
    let server = TestServer::hostile(Hostile::Silent).await.unwrap();
    let t = Instant::now();
    let r = check(&server, &pki)
        .command_timeout(Duration::from_millis(500))
        .run()
        .await;
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "bounded by the deadline"
    );
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.stage.as_str(), e.kind.as_str()), ("greeting", "timeout"));
    // Closes after EHLO.
    let server = TestServer::hostile(Hostile::CloseAfterEhlo).await.unwrap();
    let r = deliver(check(&server, &pki)).run().await;
    assert_eq!(r.error.as_ref().unwrap().kind, "closed");
    // Nothing listens: refused, told apart.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let r = Check::new(format!("127.0.0.1:{port}").parse().unwrap())
        .run()
        .await;
    assert_eq!(r.connectivity.attempts[0].outcome, "refused");
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.stage.as_str(), e.kind.as_str()), ("connect", "refused"));
    assert!(e.message.contains("nothing listens"));
    assert_eq!(r.exit_code(), 2);
}

#[tokio::test]
async fn starttls_injection_and_downgrade() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::hostile(Hostile::StartTlsInjection)
        .await
        .unwrap();
    let r = check(&server, &pki).run().await;
    assert_eq!(r.error.as_ref().unwrap().kind, "tls_injection");
    assert!(finding_ids(&r).contains(&"tls.injection"));
    assert_eq!(r.verdict, Status::Red);

    let server = TestServer::hostile(Hostile::StartTlsNotOffered)
        .await
        .unwrap();
    let r = check(&server, &pki).require_tls(true).run().await;
    assert_eq!(r.error.as_ref().unwrap().kind, "tls_unavailable");
    let f = r.finding("tls.not_offered").unwrap();
    assert_eq!(f.severity, smtping_client::Severity::Error);
}

#[tokio::test]
async fn mail_domain_through_dns_mx_null_mx_and_nxdomain() {
    let pki = TestPki::new().unwrap();
    let server = starttls_server(&pki).await;
    let zone = Zone::new()
        .mx("example.test", 10, "mx.test")
        .a("mx.test", Ipv4Addr::LOCALHOST)
        .null_mx("null.example.test")
        .a("nomx.example.test", Ipv4Addr::LOCALHOST);
    let dns = DnsResponder::start(zone).await.unwrap();
    let base = |target: &str| {
        Check::parse(target)
            .unwrap()
            .resolver(dns.addr())
            .mx_port(server.addr().port())
            .ip_families(IpFamilies::V4Only)
            .tls_options(
                TlsOptions::default()
                    .use_native_roots(false)
                    .use_webpki_roots(false)
                    .root(pki.ca_cert_der()),
            )
    };
    let r = base("example.test").run().await;
    // --mx-port: the report names the port it connected to, not 25.
    let port = server.addr().port();
    assert_eq!(r.target.port, port);
    assert!(
        r.summary.starts_with(&format!("example.test:{port}:")),
        "{}",
        r.summary
    );
    assert_eq!(r.connectivity.dns.mx.len(), 1);
    assert_eq!(r.connectivity.dns.mx[0].host, "mx.test");
    assert_eq!(
        r.connectivity.connected_to.as_deref(),
        Some(server.addr().to_string().as_str())
    );
    assert_eq!(
        r.tls.certificate.as_ref().unwrap().verification,
        Verification::Valid,
        "SNI = the MX host"
    );
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    assert!(r.timings_ms.dns.is_some());

    let r = base("null.example.test").run().await;
    assert!(r.connectivity.dns.null_mx);
    assert_eq!(r.delivery.reason, Some(Reason::NullMx));
    assert_eq!(r.error.as_ref().unwrap().stage, "dns");
    assert!(finding_ids(&r).contains(&"dns.null_mx"));

    let r = base("nomx.example.test").run().await;
    assert!(r.connectivity.dns.implicit_mx);
    assert!(r.connectivity.connected_to.is_some());

    let r = base("missing.example.test").run().await;
    let e = r.error.as_ref().unwrap();
    assert_eq!((e.stage.as_str(), e.kind.as_str()), ("dns", "dns"));
    assert!(e.message.contains("NXDOMAIN"), "{}", e.message);
    assert_eq!(r.verdict, Status::Red);
}

#[tokio::test]
async fn quit_after_rcpt_sends_no_message_and_redaction_masks_addresses() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder().start().await.unwrap();
    let r = deliver(check(&server, &pki))
        .quit_after(QuitAfter::Rcpt)
        .redact(true)
        .run()
        .await;
    assert_eq!(r.delivery.outcome, "accepted");
    assert_eq!(r.delivery.stage.map(|s| s.as_str()), Some("rcpt"));
    assert!(r.delivery.message_id.is_none());
    assert!(server.delivered().is_empty());
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        !json.contains("alice@") && !json.contains("probe@"),
        "{json}"
    );
    assert!(json.contains("***@example.test"));
}

#[tokio::test]
async fn open_relay_probe() {
    let pki = TestPki::new().unwrap();
    let open = TestServer::builder().start().await.unwrap();
    let r = check(&open, &pki).relay_probe(true).run().await;
    let relay = r.relay.as_ref().unwrap();
    assert!(relay.tested && relay.open);
    assert!(finding_ids(&r).contains(&"relay.open"));
    assert_eq!(r.verdict, Status::Red);
    assert!(
        open.delivered().is_empty(),
        "the probe never sends a message"
    );
    let closed = TestServer::builder()
        .recipient(
            "@example.net",
            Behaviour::reply(554, "5.7.1 Relay access denied"),
        )
        .start()
        .await
        .unwrap();
    let r = check(&closed, &pki).relay_probe(true).run().await;
    let relay = r.relay.as_ref().unwrap();
    assert!(relay.tested && !relay.open);
    assert_eq!(relay.reply.as_ref().unwrap().code, 554);
    assert!(r.finding("relay.open").is_none());
}

/// The report has every field of the JSON contract (design.md §6).
#[tokio::test]
async fn json_contract_fields() {
    let pki = TestPki::new().unwrap();
    let server = starttls_server(&pki).await;
    let r = deliver(check(&server, &pki)).run().await;
    let v = serde_json::to_value(&r).unwrap();
    for key in [
        "version",
        "target",
        "verdict",
        "summary",
        "connectivity",
        "ehlo",
        "tls",
        "auth",
        "delivery",
        "findings",
        "error",
        "timings_ms",
        "transcript",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    let paths = [
        "/target/input",
        "/target/host",
        "/target/port",
        "/target/tls_mode",
        "/connectivity/status",
        "/connectivity/dns/addresses",
        "/connectivity/dns/mx",
        "/connectivity/dns/error",
        "/connectivity/attempts/0/address",
        "/connectivity/attempts/0/outcome",
        "/connectivity/attempts/0/elapsed_ms",
        "/connectivity/attempts/0/error",
        "/connectivity/connected_to",
        "/connectivity/greeting/code",
        "/connectivity/greeting/enhanced",
        "/connectivity/greeting/text",
        "/ehlo/server_name",
        "/ehlo/keywords",
        "/ehlo/size",
        "/ehlo/pipelining",
        "/ehlo/starttls",
        "/ehlo/smtputf8",
        "/ehlo/eightbitmime",
        "/ehlo/chunking",
        "/ehlo/dsn",
        "/ehlo/auth_mechanisms",
        "/tls/status",
        "/tls/mode",
        "/tls/offered",
        "/tls/established",
        "/tls/version",
        "/tls/cipher_suite",
        "/tls/sni",
        "/tls/certificate/verification",
        "/tls/certificate/subject",
        "/tls/certificate/issuer",
        "/tls/certificate/sans",
        "/tls/certificate/not_before",
        "/tls/certificate/not_after",
        "/tls/certificate/days_remaining",
        "/tls/certificate/chain_length",
        "/tls/error",
        "/auth/status",
        "/auth/mechanisms_before_tls",
        "/auth/mechanisms_after_tls",
        "/auth/login/tested",
        "/auth/login/mechanism",
        "/auth/login/outcome",
        "/auth/login/reply",
        "/delivery/status",
        "/delivery/outcome",
        "/delivery/stage",
        "/delivery/reply/code",
        "/delivery/reply/enhanced",
        "/delivery/reply/text",
        "/delivery/reason",
        "/delivery/hard",
        "/delivery/explanation",
        "/delivery/remediation",
        "/delivery/recipients/0/address",
        "/delivery/recipients/0/outcome",
        "/delivery/recipients/0/reply",
        "/delivery/recipients/0/reason",
        "/delivery/message_id",
        "/timings_ms/dns",
        "/timings_ms/connect",
        "/timings_ms/greeting",
        "/timings_ms/ehlo",
        "/timings_ms/starttls",
        "/timings_ms/tls_handshake",
        "/timings_ms/auth",
        "/timings_ms/mail",
        "/timings_ms/rcpt",
        "/timings_ms/data",
        "/timings_ms/total",
        "/transcript/0/t_ms",
        "/transcript/0/dir",
        "/transcript/0/tls",
        "/transcript/0/line",
    ];
    for p in paths {
        assert!(v.pointer(p).is_some(), "missing {p}");
    }
    assert_eq!(v["verdict"], "green");
    assert_eq!(v["delivery"]["outcome"], "accepted");
    assert_eq!(v["connectivity"]["attempts"][0]["outcome"], "connected");
    // It round-trips.
    let back: Report = serde_json::from_value(v).unwrap();
    assert_eq!(back.delivery.outcome, "accepted");
}

/// The low-level entry over a tokio-test mock stream: exact bytes both ways.
#[tokio::test]
async fn drive_session_over_a_mock_stream() {
    let mock = tokio_test::io::Builder::new()
        .read(b"220 mx.example ESMTP\r\n")
        .write(b"EHLO client.test\r\n")
        .read(b"250-mx.example\r\n250 8BITMIME\r\n")
        .write(b"QUIT\r\n")
        .read(b"221 bye\r\n")
        .build();
    let plan = Plan::new(Domain::ehlo_name("client.test").unwrap()).tls(TlsPolicy::None);
    let run = drive_session(Session::new(plan, Instant::now()), mock, None).await;
    assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
    assert!(run.outcome.extensions.as_ref().unwrap().eightbitmime());

    // A write error surfaces as an I/O error naming the phase.
    let mock = tokio_test::io::Builder::new()
        .read(b"220 mx.example ESMTP\r\n")
        .write_error(std::io::Error::from(std::io::ErrorKind::ConnectionReset))
        .build();
    let plan = Plan::new(Domain::ehlo_name("client.test").unwrap()).tls(TlsPolicy::None);
    let run = drive_session(Session::new(plan, Instant::now()), mock, None).await;
    let e = run.outcome.error.unwrap();
    assert_eq!(e.kind, smtping_proto::session::ErrorKind::Io);
    assert!(e.message.contains("reset"), "{}", e.message);
}

#[tokio::test]
async fn ipv6_loopback_target() {
    let pki = TestPki::new().unwrap();
    let Ok(server) = TestServer::builder().ipv6().start().await else {
        eprintln!("skipped: no IPv6 loopback on this machine");
        return;
    };
    assert!(matches!(server.addr().ip(), IpAddr::V6(_)));
    let target = SocketAddr::new(server.addr().ip(), server.addr().port());
    let r = check(&server, &pki).run().await;
    assert_eq!(
        r.connectivity.connected_to.as_deref(),
        Some(target.to_string().as_str())
    );
    assert!(r.error.is_none(), "{:?}", r.error);
}

/// DNS answers that work but mislead are findings: a null MX among real MX records, an
/// address literal as the exchange, a public name resolving to loopback, and the
/// unspecified address (never connected to).
#[tokio::test]
async fn misleading_dns_answers_are_findings() {
    let pki = TestPki::new().unwrap();
    let server = starttls_server(&pki).await;
    let zone = Zone::new()
        .null_mx("mixed.example.test")
        .mx("mixed.example.test", 10, "mx.test")
        .a("mx.test", Ipv4Addr::LOCALHOST)
        .mx("literal.example.test", 10, "127.0.0.1")
        .a("mx.example.org", Ipv4Addr::LOCALHOST)
        .a("zero.example.test", Ipv4Addr::UNSPECIFIED);
    let dns = DnsResponder::start(zone).await.unwrap();
    let base = |target: &str| {
        Check::parse(target)
            .unwrap()
            .resolver(dns.addr())
            .mx_port(server.addr().port())
            .ip_families(IpFamilies::V4Only)
            .tls_options(
                TlsOptions::default()
                    .use_native_roots(false)
                    .use_webpki_roots(false)
                    .root(pki.ca_cert_der()),
            )
    };
    let r = base("mixed.example.test").run().await;
    assert!(
        finding_ids(&r).contains(&"dns.null_mx_mixed"),
        "{:?}",
        r.findings
    );
    assert!(!r.connectivity.dns.null_mx);
    assert!(
        r.connectivity.connected_to.is_some(),
        "the real MX is still tried"
    );

    let r = base("literal.example.test").run().await;
    let f = r.finding("dns.mx_address_literal").expect("finding");
    assert_eq!(f.severity, smtping_client::Severity::Error, "no other MX");
    assert!(f.message.contains("127.0.0.1"), "{}", f.message);
    assert!(
        r.connectivity.attempts.is_empty(),
        "an address literal is never tried"
    );
    assert_eq!(r.error.as_ref().unwrap().kind, "dns");

    let port = server.addr().port();
    let r = base(&format!("mx.example.org:{port}")).run().await;
    let f = r.finding("dns.loopback_address").expect("finding");
    assert!(
        f.message.contains("mx.example.org → 127.0.0.1"),
        "{}",
        f.message
    );
    let r = base(&format!("mx.test:{port}")).run().await;
    assert!(
        r.finding("dns.loopback_address").is_none(),
        "a .test name may be local"
    );

    let r = base(&format!("zero.example.test:{port}")).run().await;
    assert!(finding_ids(&r).contains(&"dns.unspecified_address"));
    assert!(
        r.connectivity.attempts.is_empty(),
        "0.0.0.0 is never connected to"
    );
    assert_eq!(r.error.as_ref().unwrap().kind, "dns");
    assert!("0.0.0.0:25".parse::<smtping_client::Target>().is_err());
    assert!("[::]:25".parse::<smtping_client::Target>().is_err());
}

/// A server that resets the connection before its greeting: `error.kind` is `reset`
/// (the session keeps only the words of an I/O error; the driver keeps its kind).
#[tokio::test]
async fn reset_before_the_greeting_is_a_reset() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        // SO_LINGER 0: closing sends RST instead of FIN.
        #[allow(deprecated)]
        stream.set_linger(Some(Duration::ZERO)).unwrap();
        drop(stream);
    });
    let r = Check::parse(&addr.to_string())
        .unwrap()
        .tls(TlsMode::None)
        .command_timeout(Duration::from_secs(5))
        .run()
        .await;
    server.await.unwrap();
    let e = r.error.as_ref().expect("an error");
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        ("greeting", "reset"),
        "{}",
        e.message
    );
    assert_eq!(r.verdict, Status::Red);
}

/// A 1 MB certificate chain is a chain that is too large, not "plain text".
#[tokio::test]
async fn a_one_megabyte_certificate_chain_is_called_too_large() {
    let pki = TestPki::new().unwrap();
    let mut cert = pki.server_cert(Scenario::Valid, &[NAME]).unwrap();
    let filler = pki.intermediate_cert_der();
    while cert.chain.iter().map(|c| c.len()).sum::<usize>() < 1024 * 1024 {
        cert.chain.push(filler.clone());
    }
    let server = TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(cert))
        .start()
        .await
        .unwrap();
    let r = check(&server, &pki).require_tls(true).run().await;
    let error = r.tls.error.as_deref().expect("the handshake fails");
    assert!(error.contains("certificate chain"), "{error}");
    assert!(!error.contains("plain text"), "{error}");
    assert_eq!(r.error.as_ref().unwrap().kind, "tls_handshake");
}

/// `--no-size` sends no SIZE=; a known body size is declared at MAIL even with
/// `--quit-after rcpt` (and an excess is said); `--quit-after data` stops after the 354
/// and closes without the final dot: nothing is delivered.
#[tokio::test]
async fn size_declaration_and_quit_after_data() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .extensions(["PIPELINING", "ENHANCEDSTATUSCODES"])
        .max_message_size(20_000)
        .start()
        .await
        .unwrap();
    let mail_lines = |server: &TestServer| -> Vec<String> {
        server
            .received()
            .iter()
            .flat_map(|s| s.commands.iter())
            .filter(|c| c.starts_with("MAIL FROM"))
            .cloned()
            .collect()
    };
    let base = || {
        deliver(check(&server, &pki))
            .tls(TlsMode::None)
            .body_size(30_000)
            .quit_after(QuitAfter::Rcpt)
    };
    let r = base().announce_size(false).run().await;
    let lines = mail_lines(&server);
    assert!(!lines.last().unwrap().contains("SIZE="), "{lines:?}");
    assert_eq!(r.delivery.outcome, "accepted", "{}", r.summary);

    let r = base().run().await;
    let lines = mail_lines(&server);
    // The padded message is about 30000 octets (its headers vary by a byte or two).
    let size: u64 = lines
        .last()
        .and_then(|l| l.split("SIZE=").nth(1))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no SIZE= in {lines:?}"));
    assert!((30_000..30_100).contains(&size), "{lines:?}");
    assert_eq!(r.delivery.outcome, "bounced", "{}", r.summary);
    assert!(r.finding("smtp.message_exceeds_size").is_some());

    let delivered_before = server.delivered().len();
    let r = deliver(check(&server, &pki))
        .tls(TlsMode::None)
        .quit_after(QuitAfter::Data)
        .run()
        .await;
    assert_eq!(
        (
            r.delivery.outcome.as_str(),
            r.delivery.stage.map(|s| s.as_str())
        ),
        ("accepted", Some("data")),
        "{}",
        r.summary
    );
    assert!(r.delivery.message_id.is_none(), "no message was sent");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        server.delivered().len(),
        delivered_before,
        "nothing is delivered"
    );
    assert!(r.error.is_none(), "{:?}", r.error);
}

/// A host target is looked up in the hosts file first, as the system does
/// (`smtping check localhost` failed with NXDOMAIN); explicit `--resolver` servers decide
/// alone.
#[tokio::test]
async fn host_targets_are_looked_up_in_the_hosts_file_first() {
    let server = TestServer::builder().start().await.unwrap();
    let dir = std::env::temp_dir().join(format!("smtping-hosts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let hosts = dir.join("hosts");
    std::fs::write(
        &hosts,
        "# test\n127.0.0.1 localhost mx.only-in-hosts.example\n",
    )
    .unwrap();
    let port = server.addr().port();
    let r = Check::parse(&format!("mx.only-in-hosts.example:{port}"))
        .unwrap()
        .hosts_file(&hosts)
        .tls(TlsMode::None)
        .run()
        .await;
    assert_eq!(
        r.connectivity.connected_to.as_deref(),
        Some(server.addr().to_string().as_str()),
        "{}",
        r.summary
    );
    assert!(r.error.is_none(), "{:?}", r.error);
    // With --resolver, the resolver decides (here: the name does not exist there).
    let dns = DnsResponder::start(Zone::new()).await.unwrap();
    let r = Check::parse(&format!("mx.only-in-hosts.example:{port}"))
        .unwrap()
        .hosts_file(&hosts)
        .resolver(dns.addr())
        .tls(TlsMode::None)
        .run()
        .await;
    assert_eq!(r.error.as_ref().unwrap().kind, "dns");
    let _ = std::fs::remove_dir_all(&dir);
}
