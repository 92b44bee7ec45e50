//! Unit tests of `Pair` (kept beside it, in their own file).

use std::time::Duration;

use smtping_proto::session::{
    DeliveryStatus, Envelope, ErrorKind, Message, Phase, Plan, Timeouts, TlsPolicy,
};
use smtping_proto::{Address, Domain};

use super::*;
use crate::certs::{Scenario, TestPki};
use crate::server::{Behaviour, Hostile, ServerStage, ServerTls, TestServer, TestServerBuilder};

fn plan() -> Plan {
    Plan::new(Domain::ehlo_name("client.test").unwrap())
        .envelope(Envelope::new(
            Address::new("a@client.test").unwrap(),
            vec![Address::new("b@mx.test").unwrap()],
        ))
        .message(Message::Raw(b"Subject: t\r\n\r\nbody\r\n".to_vec()))
}

fn run(plan: Plan, server: TestServerBuilder) -> PairRun {
    Pair::new(plan, server.plan().unwrap())
        .capture(true)
        .run()
        .unwrap()
}

#[test]
fn a_healthy_dialogue_delivers_and_both_sides_agree() {
    let wall = Instant::now();
    let r = run(plan(), TestServer::builder());
    assert!(r.outcome.error.is_none(), "{r}");
    assert_eq!(r.outcome.delivery.status, DeliveryStatus::Accepted);
    let rcpt = &r.outcome.delivery.recipients[0];
    assert_eq!(
        (rcpt.address.as_str(), rcpt.status),
        ("b@mx.test", DeliveryStatus::Accepted)
    );
    assert!(r.outcome.delivery.pipelined, "the server offers PIPELINING");
    assert_eq!(r.server_end, SessionEnd::Quit);
    assert!(r.server.quit());
    assert_eq!(r.server.client_name.as_deref(), Some("client.test"));
    let t = &r.server.transactions[0];
    assert_eq!(t.mail_from, "a@client.test");
    assert_eq!(t.accepted_recipients().collect::<Vec<_>>(), ["b@mx.test"]);
    assert_eq!(
        t.message.as_ref().unwrap().text(),
        "Subject: t\r\n\r\nbody\r\n"
    );
    assert_eq!(r.elapsed, Duration::ZERO, "no delay: no simulated time");
    assert!(r.client_bytes.starts_with(b"EHLO client.test\r\n"));
    assert!(r.server_bytes.starts_with(b"220 mx.test"));
    assert!(r.events.iter().any(|e| matches!(e, Event::Greeting(_))));
    assert!(wall.elapsed() < Duration::from_secs(5));
}

#[test]
fn delays_cost_simulated_time_only() {
    let wall = Instant::now();
    let server = TestServer::builder()
        .on(ServerStage::Rcpt, Behaviour::delay(Duration::from_secs(25)))
        .on(
            ServerStage::DataEnd,
            Behaviour::delay(Duration::from_secs(40)),
        );
    let r = run(plan(), server);
    assert_eq!(r.outcome.delivery.status, DeliveryStatus::Accepted, "{r}");
    assert_eq!(r.elapsed, Duration::from_secs(65));
    assert!(wall.elapsed() < Duration::from_secs(5), "no real sleeping");
}

#[test]
fn a_silent_server_times_the_client_out_at_its_deadline() {
    let plan = plan().timeouts(Timeouts::all(Duration::from_secs(7)));
    let r = run(plan, TestServer::builder().hostile(Hostile::Silent));
    let e = r.outcome.error.as_ref().unwrap();
    assert_eq!((e.phase, e.kind), (Phase::Greeting, ErrorKind::Timeout));
    assert_eq!(r.client_elapsed, Duration::from_secs(7));
    // The client left; the silent script ends when it sees the connection close.
    assert_eq!(r.server_end, SessionEnd::ClientClosed);
}

#[test]
fn starttls_is_simulated_on_both_sides() {
    let pki = TestPki::new().unwrap();
    let cert = pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap();
    let server = TestServer::builder().tls(ServerTls::starttls(cert));
    let r = Pair::new(
        plan().tls(TlsPolicy::RequireStartTls),
        server.plan().unwrap(),
    )
    .tls(SimulatedTls::Established {
        version: "TLSv1.2".into(),
        verified: false,
    })
    .run()
    .unwrap();
    assert!(r.outcome.error.is_none(), "{r}");
    let tls = r.outcome.tls.as_ref().unwrap();
    assert_eq!((tls.version.as_str(), tls.verified), ("TLSv1.2", false));
    let seen = r.server.tls.as_ref().unwrap();
    assert!(!seen.implicit && seen.version == "TLSv1.2");
    assert!(r.outcome.extensions_tls.is_some(), "EHLO again after TLS");
    assert_eq!(r.outcome.delivery.status, DeliveryStatus::Accepted);
}

#[test]
fn a_configured_handshake_failure_ends_both_sides() {
    let pki = TestPki::new().unwrap();
    let cert = pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap();
    let server = TestServer::builder().tls(ServerTls::implicit(cert));
    let r = Pair::new(plan().tls(TlsPolicy::Implicit), server.plan().unwrap())
        .tls(SimulatedTls::Fail("no shared cipher".into()))
        .run()
        .unwrap();
    let e = r.outcome.error.as_ref().unwrap();
    assert_eq!(
        (e.phase, e.kind),
        (Phase::TlsHandshake, ErrorKind::TlsHandshake)
    );
    assert!(e.message.contains("no shared cipher"), "{}", e.message);
    assert_eq!(
        r.server_end,
        SessionEnd::TlsHandshake("no shared cipher".into())
    );
}

#[test]
fn a_client_handshake_against_a_plaintext_server_fails() {
    let r = run(plan().tls(TlsPolicy::Implicit), TestServer::builder());
    let e = r.outcome.error.as_ref().unwrap();
    assert_eq!(
        (e.phase, e.kind),
        (Phase::TlsHandshake, ErrorKind::TlsHandshake)
    );
    assert!(r.server.tls.is_none());
}

#[test]
fn runs_are_bounded_in_steps_and_time() {
    let server = || {
        TestServer::builder()
            .hostile(Hostile::Silent)
            .plan()
            .unwrap()
    };
    let slow = plan().timeouts(Timeouts::all(Duration::from_secs(600)));
    let too_long = Pair::new(slow.clone(), server())
        .max_duration(Duration::from_secs(10))
        .run();
    assert_eq!(
        too_long.unwrap_err(),
        PairError::TooLong {
            limit: Duration::from_secs(10)
        }
    );
    let too_many = Pair::new(slow, server()).max_steps(1).run();
    assert_eq!(too_many.unwrap_err(), PairError::TooManySteps { steps: 1 });
}

#[test]
fn the_server_idle_timeout_runs_on_the_virtual_clock() {
    // The client waits longer for the greeting than the server waits for a command:
    // the server is never the one waiting here, so the greeting delay decides.
    let server = TestServer::builder()
        .idle_timeout(Duration::from_secs(3))
        .on(ServerStage::Mail, Behaviour::delay(Duration::from_secs(10)));
    let r = run(plan(), server);
    // The delay is not idle time: the server answers after 10 s and mail goes through.
    assert_eq!(r.outcome.delivery.status, DeliveryStatus::Accepted, "{r}");
    assert_eq!(r.elapsed, Duration::from_secs(10));
}
