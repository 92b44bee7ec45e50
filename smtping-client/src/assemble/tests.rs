//! Unit tests of `assemble`, from hand-built facts: no sockets, no clock. Sessions are
//! played against canned server replies in memory.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use smtping_classify::Reason;
use smtping_proto::session::{Envelope, Output, Plan, QuitAfter, Session, TlsPolicy};
use smtping_proto::{Address, Domain};

use super::*;
use crate::facts::{AttemptFacts, Connected, Facts, RelayFacts};
use crate::net::connect::AttemptOutcome;
use crate::report::{DeliveryOutcome, Status};
use crate::runtime::SessionRun;

/// Plays `plan` against a server that sends `greeting`, then one canned chunk per client
/// write, then closes.
fn play(plan: Plan, greeting: &str, answers: &[&str]) -> SessionRun {
    let t0 = Instant::now();
    let mut session = Session::new(plan, t0);
    session.handle_input(greeting.as_bytes(), t0);
    let mut answers = answers.iter();
    for _ in 0..1000 {
        match session.poll_output() {
            Output::Transmit(_) => {
                if let Some(a) = answers.next() {
                    session.handle_input(a.as_bytes(), t0);
                }
            }
            Output::Wait { .. } => session.handle_eof(t0),
            Output::Done(outcome) => return SessionRun::new(outcome, None, None),
            _ => {}
        }
    }
    panic!("the session did not end");
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn context(port: u16) -> Context {
    Context::new("mx.example.org", "mx.example.org", port, TlsPolicy::None)
}

fn plan_to(to: &[&str]) -> Plan {
    let to = to.iter().map(|a| Address::new(a).unwrap()).collect();
    Plan::new(Domain::ehlo_name("client.example").unwrap())
        .tls(TlsPolicy::None)
        .envelope(Envelope::new(Address::new("s@example.com").unwrap(), to))
        .quit_after(QuitAfter::Rcpt)
}

fn connected_facts(run: SessionRun) -> Facts {
    let a = addr("192.0.2.25:25");
    let mut facts = Facts::default();
    facts.dns.addresses = vec![a];
    facts.attempts = vec![AttemptFacts::new(
        a,
        AttemptOutcome::Connected,
        Duration::from_millis(3),
        None,
    )];
    facts.connected = Some(Connected::new(a, "mx.example.org"));
    facts.session = Some(run);
    facts
}

/// A refused MAIL decides every recipient's reason: the pipelined RCPTs' `503 need
/// MAIL` replies say nothing about them (seen against Postfix: `530 5.7.0` at MAIL
/// made each recipient `protocol_error`).
#[test]
fn refused_mail_gives_its_reason_to_every_recipient() {
    let run = play(
        plan_to(&["a@example.org", "b@example.org"]),
        "220 mx.example.org ESMTP\r\n",
        &[
            "250-mx.example.org\r\n250 PIPELINING\r\n",
            "530 5.7.0 Authentication required\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need MAIL\r\n",
            "221 bye\r\n",
        ],
    );
    let report = assemble(&context(25), connected_facts(run));
    let d = &report.delivery;
    assert_eq!(
        (d.outcome.as_str(), d.stage.map(|s| s.as_str())),
        ("bounced", Some("mail"))
    );
    assert_eq!(d.reason, Some(Reason::AuthRequired));
    assert_eq!(d.recipients.len(), 2);
    for r in &d.recipients {
        assert_eq!(r.outcome, "bounced", "{r:?}");
        assert_eq!(r.reason, Some(Reason::AuthRequired), "{r:?}");
    }
    assert_eq!(report.verdict, Status::Red);
}

#[test]
fn one_refused_recipient_of_two_is_a_partial_delivery() {
    let run = play(
        plan_to(&["a@example.org", "b@example.org"]),
        "220 mx.example.org ESMTP\r\n",
        &[
            "250 mx.example.org\r\n",
            "250 2.1.0 ok\r\n",
            "250 2.1.5 ok\r\n",
            "550 5.1.1 <b@example.org>: user unknown\r\n",
            "221 bye\r\n",
        ],
    );
    let report = assemble(&context(25), connected_facts(run));
    assert_eq!(report.delivery.outcome, DeliveryOutcome::Accepted);
    assert_eq!(report.delivery.status, Status::Amber);
    assert!(report.has(FindingId::DeliveryPartial));
    let reasons: Vec<_> = report
        .delivery
        .recipients
        .iter()
        .map(|r| r.reason)
        .collect();
    assert_eq!(
        reasons,
        [Some(Reason::Accepted), Some(Reason::MailboxUnknown)]
    );
    assert!(
        report
            .summary
            .contains("1 of 2 recipients refused, 1 accepted"),
        "{}",
        report.summary
    );
    assert!(
        !report.summary.contains("delivery accepted"),
        "{}",
        report.summary
    );
    let f = report.finding("delivery.partial").unwrap();
    assert!(!f.remediation.contains("below"), "{}", f.remediation);
}

#[test]
fn a_dns_failure_is_red_and_says_what_to_try() {
    let mut facts = Facts::default();
    facts.dns.elapsed = Some(Duration::from_millis(12));
    facts.dns.error = Some("MX lookup for gone.test failed: NXDOMAIN".into());
    let report = assemble(
        &Context::new("gone.test", "gone.test", 25, TlsPolicy::Opportunistic),
        facts,
    );
    let e = report.error.as_ref().unwrap();
    assert_eq!((e.stage, e.kind), (Stage::Dns, ErrorKind::Dns));
    assert!(e.message.contains("--resolver"), "{}", e.message);
    assert_eq!(report.connectivity.status, Status::Red);
    assert_eq!(report.verdict, Status::Red);
    assert!(report.summary.contains("cannot talk"), "{}", report.summary);
    assert_eq!(report.timings_ms.dns, Some(12.0));
}

#[test]
fn a_null_mx_bounces_hard() {
    let mut facts = Facts::default();
    facts.dns.elapsed = Some(Duration::from_millis(1));
    facts.dns.null_mx = true;
    let report = assemble(
        &Context::new("none.test", "none.test", 25, TlsPolicy::Opportunistic),
        facts,
    );
    assert_eq!(report.delivery.outcome, DeliveryOutcome::Bounced);
    assert_eq!(report.delivery.reason, Some(Reason::NullMx));
    assert!(report.delivery.hard);
    assert_eq!(report.delivery.status, Status::Red);
    assert!(report.has(FindingId::DnsNullMx));
    assert_eq!(report.error.as_ref().unwrap().kind, ErrorKind::Dns);
}

#[test]
fn every_attempt_failing_takes_the_last_ones_kind() {
    let mut facts = Facts::default();
    facts.dns.addresses = vec![addr("192.0.2.1:25"), addr("192.0.2.2:25")];
    facts.attempts = vec![
        AttemptFacts::new(
            addr("192.0.2.1:25"),
            AttemptOutcome::Timeout,
            Duration::from_secs(10),
            Some("timed out".into()),
        ),
        AttemptFacts::new(
            addr("192.0.2.2:25"),
            AttemptOutcome::Refused,
            Duration::from_millis(1),
            Some("refused".into()),
        ),
    ];
    let report = assemble(&context(25), facts);
    let e = report.error.as_ref().unwrap();
    assert_eq!((e.stage, e.kind), (Stage::Connect, ErrorKind::Refused));
    assert!(
        e.message
            .starts_with("all 2 addresses failed; the last: refused"),
        "{}",
        e.message
    );
    assert_eq!(report.connectivity.attempts[0].outcome, "timeout");
    assert_eq!(report.connectivity.status, Status::Red);
}

#[test]
fn a_later_address_answering_is_amber_with_a_finding() {
    let run = play(
        Plan::new(Domain::ehlo_name("client.example").unwrap())
            .tls(TlsPolicy::None)
            .quit_after(QuitAfter::Ehlo),
        "220 mx.example.org ESMTP\r\n",
        &["250 mx.example.org\r\n", "221 bye\r\n"],
    );
    let mut facts = connected_facts(run);
    facts.attempts.insert(
        0,
        AttemptFacts::new(
            addr("[2001:db8::25]:25"),
            AttemptOutcome::Unreachable,
            Duration::ZERO,
            Some("unreachable".into()),
        ),
    );
    let report = assemble(&context(25), facts);
    assert_eq!(report.connectivity.status, Status::Amber);
    assert!(report.has(FindingId::ConnectPartialFailure));
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(report.connectivity.dns.addresses.len(), 2);
}

#[test]
fn a_tls_setup_failure_before_connecting_leaves_connectivity_grey() {
    let facts = Facts {
        setup_error: Some("cannot read CA file /nope.pem: not found".into()),
        ..Facts::default()
    };
    let report = assemble(
        &Context::new(
            "mx.example.org:25",
            "mx.example.org",
            25,
            TlsPolicy::RequireStartTls,
        ),
        facts,
    );
    let e = report.error.as_ref().unwrap();
    assert_eq!(
        (e.stage, e.kind),
        (Stage::TlsHandshake, ErrorKind::TlsHandshake)
    );
    assert!(e.message.contains("--ca-file"), "{}", e.message);
    assert_eq!(report.connectivity.status, Status::Grey);
    assert_eq!(report.tls.status, Status::Red);
    assert_eq!(report.verdict, Status::Red);
}

/// A check that reached EHLO, and a relay probe from `local` that the server accepted.
fn open_relay_facts(local: std::net::IpAddr) -> Facts {
    let relay = play(
        plan_to(&["smtping-relay-probe@example.net"]),
        "220 mx.example.org ESMTP\r\n",
        &[
            "250 mx.example.org\r\n",
            "250 2.1.0 ok\r\n",
            "250 2.1.5 ok\r\n",
            "221 bye\r\n",
        ],
    );
    let main = play(
        Plan::new(Domain::ehlo_name("client.example").unwrap())
            .tls(TlsPolicy::None)
            .quit_after(QuitAfter::Ehlo),
        "220 mx.example.org ESMTP\r\n",
        &["250 mx.example.org\r\n", "221 bye\r\n"],
    );
    let mut facts = connected_facts(main);
    facts.relay = Some(RelayFacts::Ran {
        run: Box::new(relay),
        from: "p@example.com".into(),
        to: "smtping-relay-probe@example.net".into(),
        local,
    });
    facts
}

#[test]
fn an_accepted_relay_is_open_on_25_and_unenforced_auth_on_587() {
    for (port, id) in [
        (25, FindingId::RelayOpen),
        (587, FindingId::AuthRequiredNotEnforced),
    ] {
        let facts = open_relay_facts("192.0.2.99".parse().unwrap());
        let report = assemble(&context(port), facts);
        let relay = report.relay.as_ref().unwrap();
        assert!(relay.open && relay.tested);
        assert_eq!(relay.stage, Some(Stage::Rcpt));
        assert!(report.has(id), "{port}: {:?}", report.findings);
        assert_eq!(report.verdict, Status::Red);
    }
}

#[test]
fn the_report_names_the_policy_it_attempted() {
    let report = assemble(
        &Context::new("mx:465", "mx", 465, TlsPolicy::Implicit),
        Facts::default(),
    );
    assert_eq!(report.target.tls_mode, "implicit");
    assert_eq!(report.tls.mode, crate::report::TlsModeUsed::Implicit);
    assert_eq!(report.delivery.outcome, DeliveryOutcome::NotTested);
    assert_eq!(report.auth.login.outcome, "not_tested");
}

/// A 354 answering MAIL does not answer the final dot: whatever the session makes of it,
/// the delivery is never reported with reason "accepted" unless it was accepted.
#[test]
fn a_354_to_mail_never_reads_as_accepted() {
    let plan = Plan::new(Domain::ehlo_name("client.example").unwrap())
        .tls(TlsPolicy::None)
        .pipelining(false)
        .envelope(Envelope::new(
            Address::new("s@example.com").unwrap(),
            vec![Address::new("a@example.org").unwrap()],
        ))
        .message(smtping_proto::session::Message::Raw(
            b"Subject: x\r\n\r\nx\r\n".to_vec(),
        ));
    let run = play(
        plan,
        "220 mx.example.org ESMTP\r\n",
        &[
            "250 mx.example.org\r\n",
            "354 go ahead\r\n",
            "250 2.1.5 ok\r\n",
            "250 2.0.0 queued\r\n",
            "250 2.0.0 queued\r\n",
            "221 bye\r\n",
        ],
    );
    let report = assemble(&context(25), connected_facts(run));
    let d = &report.delivery;
    assert_eq!(d.outcome, DeliveryOutcome::Unknown);
    assert_eq!(d.reason, Some(Reason::ProtocolError), "{d:?}");
    for r in &d.recipients {
        assert_ne!(r.reason, Some(Reason::Accepted), "{r:?}");
    }
    let e = report.error.as_ref().unwrap();
    assert_eq!((e.stage, e.kind), (Stage::Mail, ErrorKind::Protocol));
    // The offending reply is not explained as if it answered its own command.
    assert!(
        !e.message.contains("waits for the message body"),
        "{}",
        e.message
    );
}

/// A relay accepted from loopback or a private address may be the server trusting its own
/// network (Postfix mynetworks): the finding says so and how to test from outside.
#[test]
fn an_open_relay_seen_from_a_trusted_network_says_so() {
    for (local, trusted) in [
        ("127.0.0.1", true),
        ("10.1.2.3", true),
        ("fd00::5", true),
        ("198.51.100.7", false),
    ] {
        let facts = open_relay_facts(local.parse().unwrap());
        let report = assemble(&context(25), facts);
        let f = report.finding("relay.open").unwrap();
        assert_eq!(f.severity, Severity::Error, "{local}");
        assert_eq!(
            f.message.contains("may trust"),
            trusted,
            "{local}: {}",
            f.message
        );
        assert_eq!(
            f.remediation.contains("outside"),
            trusted,
            "{}",
            f.remediation
        );
    }
}
