//! Every [`Hostile`] scenario played against the client session of `smtping-proto` in a
//! [`Pair`]: simulated time, no sockets. The same properties `smtping-client`'s
//! `tests/hostile.rs` checks through the whole Check engine over loopback — the phase and
//! kind of the error (the report's `error.stage`/`error.kind` are these names), the
//! delivery status, the scenario's specifics — plus what the server recorded. The
//! silences, the trickled greeting and the unanswered final dot wait 2 s each on the
//! virtual clock, so the suite takes milliseconds.
//!
//! Run: `cargo test -p smtping-testkit --test pair_hostile`.

use std::time::{Duration, Instant};

use smtping_proto::session::{
    DeliveryStatus, Envelope, Message, Observation, Outcome, Phase, Plan, Session, Timeouts,
    TlsPolicy,
};
use smtping_proto::{Address, Domain};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::pair::{Pair, PairRun};
use smtping_testkit::server::{Hostile, ServerTls, SessionEnd, TestServer};

/// Every reply deadline of the client, as in `tests/hostile.rs`.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

fn addr(a: &str) -> Address {
    Address::new(a).unwrap()
}

/// The plan every scenario gets: STARTTLS when offered (implicit TLS for the scenarios
/// that ask for it), a full transaction, 2 s reply deadlines.
fn plan_for(scenario: Hostile) -> Plan {
    let tls = if scenario.implicit_tls() {
        TlsPolicy::Implicit
    } else {
        TlsPolicy::Opportunistic
    };
    Plan::new(Domain::ehlo_name("client.example").unwrap())
        .tls(tls)
        .timeouts(Timeouts::all(COMMAND_TIMEOUT))
        .envelope(Envelope::new(
            addr("probe@example.com"),
            vec![addr("rcpt@example.org")],
        ))
        .message(Message::Raw(b"Subject: test\r\n\r\nHello\r\n".to_vec()))
}

fn run(scenario: Hostile) -> PairRun {
    let plan = TestServer::builder().hostile(scenario).plan().unwrap();
    Pair::new(plan_for(scenario), plan)
        .capture(true)
        .run()
        .unwrap_or_else(|e| panic!("{scenario}: {e}"))
}

/// `(phase, kind)` of the error, as the report names them, or `None`.
fn error(o: &Outcome) -> Option<(&'static str, &'static str)> {
    o.error
        .as_ref()
        .map(|e| (e.phase.as_str(), e.kind.as_str()))
}

fn message(o: &Outcome) -> &str {
    o.error.as_ref().map_or("", |e| e.message.as_str())
}

/// What a scenario must end with: the error and the delivery status.
fn expected(scenario: Hostile) -> (Option<(&'static str, &'static str)>, DeliveryStatus) {
    use DeliveryStatus::{Accepted, Deferred, NotTested, Unknown};
    match scenario {
        Hostile::Silent | Hostile::TrickleGreeting => (Some(("greeting", "timeout")), NotTested),
        Hostile::EndlessReply | Hostile::LongLine => {
            (Some(("greeting", "limit_exceeded")), NotTested)
        }
        Hostile::ManyEhloKeywords => (Some(("ehlo", "limit_exceeded")), NotTested),
        Hostile::MismatchedContinuation => (Some(("ehlo", "protocol")), NotTested),
        Hostile::InvalidCode | Hostile::NonNumericCode => {
            (Some(("greeting", "protocol")), NotTested)
        }
        Hostile::BareLf | Hostile::NulAndLatin1 | Hostile::StartTlsNotOffered => (None, Accepted),
        Hostile::StartTlsInjection => (Some(("starttls", "tls_injection")), NotTested),
        Hostile::ImplicitTlsBanner | Hostile::ImplicitTlsGarbage | Hostile::StartTlsGarbage => {
            (Some(("tls_handshake", "tls_handshake")), NotTested)
        }
        Hostile::CloseAfterEhlo => (Some(("ehlo", "closed")), NotTested),
        Hostile::TempFailAfterRcpt => (Some(("rcpt", "rejected")), Deferred),
        Hostile::NoReplyToFinalDot => (Some(("data_end", "timeout")), Unknown),
        other => panic!("no expectation for the new scenario {other}: add one here"),
    }
}

fn check(scenario: Hostile) {
    let wall = Instant::now();
    let r = run(scenario);
    let o = &r.outcome;
    let what = format!("{scenario}: {r}");
    let (want_error, want_delivery) = expected(scenario);
    assert_eq!(error(o), want_error, "{what}");
    assert_eq!(o.delivery.status, want_delivery, "{what}");
    assert!(o.transcript.lines().len() <= 2_100, "{what}");
    assert!(r.server.end.is_some(), "{what}: the server session ended");
    specifics(scenario, &r);
    assert!(
        wall.elapsed() < Duration::from_secs(20),
        "{what}: simulated time must not be waited for ({:?})",
        wall.elapsed()
    );
}

/// Per-scenario facts beyond phase, kind and delivery.
fn specifics(scenario: Hostile, r: &PairRun) {
    let o = &r.outcome;
    let what = scenario.name();
    let message = message(o);
    match scenario {
        Hostile::Silent | Hostile::TrickleGreeting => {
            assert!(message.contains("greeting"), "{what}: {message}");
            assert!(o.greeting.is_none(), "{what}");
            // The client gave up at its own deadline, on the virtual clock.
            assert_eq!(r.client_elapsed, COMMAND_TIMEOUT, "{what}");
        }
        Hostile::EndlessReply => assert!(message.contains("512 lines"), "{what}: {message}"),
        Hostile::LongLine => assert!(message.contains("4096-byte"), "{what}: {message}"),
        Hostile::ManyEhloKeywords => {
            assert!(message.contains("512 lines"), "{what}: {message}");
            assert!(
                o.extensions.is_none(),
                "{what}: no capabilities from a refused reply"
            );
        }
        Hostile::MismatchedContinuation => {
            assert!(
                message.contains("550") && message.contains("250"),
                "{what}: {message}"
            );
        }
        Hostile::InvalidCode => assert!(message.contains("999"), "{what}: {message}"),
        Hostile::NonNumericCode => assert!(message.contains("three-digit"), "{what}: {message}"),
        Hostile::BareLf => {
            assert_eq!(o.greeting.as_ref().unwrap().code(), 220, "{what}");
            assert_eq!(
                o.delivery.recipients[0].status,
                DeliveryStatus::Accepted,
                "{what}"
            );
            let bare = |ob: &Observation| matches!(ob, Observation::BareLf { .. });
            assert!(
                o.observations.iter().any(bare),
                "{what}: {:?}",
                o.observations
            );
        }
        Hostile::NulAndLatin1 => {
            // Kept as bytes: the NUL and the Latin-1 byte reach the outcome untouched.
            let g = o.greeting.as_ref().unwrap().as_bytes();
            assert!(
                g.contains(&0) && g.iter().any(|&b| b >= 0x80),
                "{what}: {g:?}"
            );
            let ext = o.extensions.as_ref().unwrap();
            assert_eq!(ext.server_name(), "mx.test", "{what}");
        }
        Hostile::StartTlsInjection => {
            assert!(o.tls.is_none(), "{what}: no handshake after an injection");
            assert!(message.contains("CVE-2011-0411"), "{what}: {message}");
            let commands = &r.server.commands;
            assert_eq!(
                commands.last().map(String::as_str),
                Some("STARTTLS"),
                "{what}"
            );
        }
        Hostile::StartTlsNotOffered => {
            assert!(!o.starttls_offered && o.tls.is_none(), "{what}");
        }
        Hostile::ImplicitTlsBanner | Hostile::ImplicitTlsGarbage | Hostile::StartTlsGarbage => {
            assert!(o.tls.is_none(), "{what}");
            assert!(message.contains("not valid TLS"), "{what}: {message}");
        }
        Hostile::CloseAfterEhlo => assert!(message.contains("closed"), "{what}: {message}"),
        Hostile::TempFailAfterRcpt => {
            let d = &o.delivery;
            assert_eq!(d.phase, Some(Phase::Rcpt), "{what}");
            let reply = d.reply.as_ref().unwrap();
            let enhanced = reply.enhanced().map(|e| e.to_string());
            assert_eq!(
                (reply.code(), enhanced.as_deref()),
                (421, Some("4.7.0")),
                "{what}"
            );
        }
        Hostile::NoReplyToFinalDot => {
            let d = &o.delivery;
            assert_eq!(d.phase, Some(Phase::DataEnd), "{what}");
            assert!(d.reply.is_none(), "{what}: no reply to the final dot");
            assert!(d.message_bytes > 0, "{what}: the message was sent");
            assert_eq!(
                r.client_elapsed, COMMAND_TIMEOUT,
                "{what}: end-of-data deadline"
            );
            let body = r.client_bytes.windows(5).any(|w| w == b"Hello");
            assert!(body, "{what}: the body went out");
        }
        _ => {}
    }
}

macro_rules! scenario_tests {
    ($($name:ident => $scenario:expr),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check($scenario);
            }
        )*

        /// Every scenario of `Hostile::ALL` has a test above.
        #[test]
        fn every_scenario_is_covered() {
            let covered = [$($scenario),*];
            for s in Hostile::ALL {
                assert!(covered.contains(&s), "Hostile::{s:?} has no test in tests/pair_hostile.rs");
            }
        }
    };
}

scenario_tests! {
    silent => Hostile::Silent,
    trickle_greeting => Hostile::TrickleGreeting,
    endless_reply => Hostile::EndlessReply,
    long_line => Hostile::LongLine,
    many_ehlo_keywords => Hostile::ManyEhloKeywords,
    mismatched_continuation => Hostile::MismatchedContinuation,
    invalid_code => Hostile::InvalidCode,
    non_numeric_code => Hostile::NonNumericCode,
    bare_lf => Hostile::BareLf,
    nul_and_latin1 => Hostile::NulAndLatin1,
    starttls_injection => Hostile::StartTlsInjection,
    starttls_not_offered => Hostile::StartTlsNotOffered,
    implicit_tls_banner => Hostile::ImplicitTlsBanner,
    implicit_tls_garbage => Hostile::ImplicitTlsGarbage,
    starttls_garbage => Hostile::StartTlsGarbage,
    close_after_ehlo => Hostile::CloseAfterEhlo,
    temp_fail_after_rcpt => Hostile::TempFailAfterRcpt,
    no_reply_to_final_dot => Hostile::NoReplyToFinalDot,
}

/// Moved from `smtping-client/tests/hostile.rs` (it drove the core over loopback and
/// waited 2 real seconds): the core's own end-of-data deadline, with 2 s deadlines,
/// against the stock final-dot script (which holds the connection for 30 s): `timeout` at
/// `data_end`, the outcome `unknown`, the message sent.
#[test]
fn no_reply_to_final_dot_times_out_at_data_end() {
    let server = TestServer::builder()
        .hostile(Hostile::NoReplyToFinalDot)
        .plan()
        .unwrap();
    let plan = Plan::new(Domain::ehlo_name("client.example").unwrap())
        .tls(TlsPolicy::None)
        .timeouts(Timeouts::all(COMMAND_TIMEOUT))
        .envelope(Envelope::new(
            addr("probe@example.com"),
            vec![addr("rcpt@example.org")],
        ))
        .message(Message::Raw(b"Subject: test\r\n\r\nHello\r\n".to_vec()));
    let run = Pair::new(plan, server).run().unwrap();
    let o = &run.outcome;
    let e = o.error.as_ref().unwrap();
    assert_eq!(
        (e.phase, e.kind),
        (Phase::DataEnd, smtping_proto::session::ErrorKind::Timeout),
        "{e:?}"
    );
    assert_eq!(o.delivery.status, DeliveryStatus::Unknown);
    assert_eq!(o.delivery.phase, Some(Phase::DataEnd));
    assert!(o.delivery.message_bytes > 0);
    // The client left at its deadline; the script saw it go.
    assert_eq!(run.client_elapsed, COMMAND_TIMEOUT);
    assert_eq!(run.server_end, SessionEnd::ClientClosed);
}

/// The injection scenario on a server that would complete the handshake: the client
/// still drops the connection at the injected bytes and never starts TLS (the server
/// records no TLS and nothing after STARTTLS).
#[test]
fn starttls_injection_with_a_certificate_is_still_refused() {
    let pki = TestPki::new().unwrap();
    let cert = pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap();
    let server = TestServer::builder()
        .tls(ServerTls::starttls(cert))
        .hostile(Hostile::StartTlsInjection)
        .plan()
        .unwrap();
    let r = Pair::new(plan_for(Hostile::StartTlsInjection), server)
        .run()
        .unwrap();
    assert_eq!(error(&r.outcome), Some(("starttls", "tls_injection")));
    assert!(r.server.tls.is_none(), "the client must not start TLS");
    assert_eq!(
        r.server.commands.last().map(String::as_str),
        Some("STARTTLS")
    );
    assert_eq!(r.server.plaintext_after_starttls, 0);
}

/// A check that never gives up still ends: a session with week-long deadlines against the
/// silent server is closed by the script's 30 s budget (simulated).
#[test]
fn the_script_budget_ends_a_patient_client() {
    let server = TestServer::builder()
        .hostile(Hostile::Silent)
        .plan()
        .unwrap();
    let patient = plan_for(Hostile::Silent).timeouts(Timeouts::all(Duration::from_secs(604_800)));
    let r = Pair::new(patient, server).run().unwrap();
    assert_eq!(r.server_end, SessionEnd::SessionTimeout);
    assert_eq!(error(&r.outcome), Some(("greeting", "closed")));
    assert_eq!(r.elapsed, Duration::from_secs(30));
}

/// `Session` is what `Pair` drives: its public API is all the pair needs.
#[test]
fn the_client_side_is_the_real_session() {
    let session = Session::new(plan_for(Hostile::Silent), Instant::now());
    assert_eq!(session.phase(), Phase::Greeting);
}
