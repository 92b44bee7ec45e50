//! The fault suite: every [`Hostile`] scenario of the scripted test server, run through
//! the whole Check engine ([`Check::run`]), must end with the right `error.stage`,
//! `error.kind`, findings and verdict, within its deadline, without a panic; and no secret
//! may ever appear in a report, its JSON, its transcript or a `Debug` print.
//!
//! The same scenarios run against the client session alone, in simulated time, in
//! `smtping-testkit/tests/pair_hostile.rs`; the ones that only wait (the trickled
//! greeting, the core's own end-of-data deadline) run there only, and `silent` and
//! `no_reply_to_final_dot` stay here so that real sockets and real deadlines stay covered.
//!
//! Each check runs in its own task under a hang guard (`tokio::time::timeout` at the
//! check's own deadline plus slack): the guard only catches a hang, it is not a
//! performance assertion. Commands get a 2 s timeout so that the silent and trickling
//! servers cost seconds, not minutes.
//!
//! Run: `cargo test -p smtping-client --test hostile`.
#![forbid(unsafe_code)]

use std::time::Duration;

use smtping_classify::Reason;
use smtping_client::tls::TlsOptions;
use smtping_client::{Check, Report, Severity, Status, TlsMode};
use smtping_proto::sasl::Credentials;
use smtping_proto::{Address, AuthMechanism, Domain};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::server::{AuthConfig, Hostile, SaslMechanism, ServerTls, TestServer};

/// Every reply deadline of the checks in this suite.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);
/// Added to a check's own deadline to make the hang guard.
const SLACK: Duration = Duration::from_secs(15);

fn addr(a: &str) -> Address {
    Address::new(a).unwrap()
}

/// The check every scenario gets: STARTTLS when offered (implicit TLS for the scenarios
/// that ask for it), a full transaction, 2 s reply deadlines.
fn check_for(server: &TestServer, scenario: Hostile) -> Check {
    let mut check = Check::parse(&server.addr().to_string())
        .unwrap()
        .connect_timeout(COMMAND_TIMEOUT)
        .command_timeout(COMMAND_TIMEOUT)
        .tls_options(test_tls_options(None))
        .envelope(addr("probe@example.com"), vec![addr("rcpt@example.org")]);
    if scenario.implicit_tls() {
        check = check.tls(TlsMode::Implicit);
    }
    check
}

/// TLS options without the system's trust store (faster, and these servers are not
/// trusted anyway), optionally trusting a test PKI.
fn test_tls_options(pki: Option<&TestPki>) -> TlsOptions {
    let mut o = TlsOptions::default();
    o.use_native_roots = false;
    o.use_webpki_roots = false;
    if let Some(pki) = pki {
        o.extra_roots.push(pki.ca_cert_der());
        o.sni = Some("mx.test".into());
    }
    o
}

/// Runs `check` in its own task: fails the test if it panics or outlives `guard`.
async fn run_guarded(check: Check, guard: Duration, what: &str) -> Report {
    let task = tokio::spawn(check.run());
    match tokio::time::timeout(guard, task).await {
        Err(_) => panic!("{what}: the check hung past its guard of {guard:?}"),
        Ok(Err(e)) if e.is_panic() => panic!("{what}: the check panicked: {e}"),
        Ok(Err(e)) => panic!("{what}: the check task failed: {e}"),
        Ok(Ok(report)) => report,
    }
}

/// The report survives a JSON round trip, and the transcript stays small whatever the
/// server sent.
fn assert_well_formed(r: &Report, what: &str) {
    let json = serde_json::to_string(r).unwrap();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back.verdict, r.verdict, "{what}");
    assert_eq!(back.error, r.error, "{what}");
    let bytes: usize = r.transcript.iter().map(|t| t.line.len()).sum();
    assert!(
        r.transcript.len() <= 2_100,
        "{what}: {} transcript lines",
        r.transcript.len()
    );
    assert!(bytes <= 1 << 20, "{what}: {bytes} transcript bytes");
    assert!(
        json.len() <= 2 << 20,
        "{what}: {} bytes of JSON",
        json.len()
    );
    assert!(!r.summary.is_empty(), "{what}");
    if let Some(e) = &r.error {
        assert!(!e.message.is_empty(), "{what}");
        assert_eq!(
            r.verdict == Status::Red,
            e.kind != "rejected" || r.delivery.outcome != "deferred",
            "{what}: {r:?}"
        );
    }
}

fn finding_severity(r: &Report, id: &str) -> Option<Severity> {
    r.finding(id).map(|f| f.severity)
}

/// What a scenario must end with.
struct Expected {
    /// `error.stage` and `error.kind`, or `None` when the check ran to its end.
    error: Option<(&'static str, &'static str)>,
    /// Findings that must be present, with their severity.
    findings: &'static [(&'static str, Severity)],
    /// `delivery.outcome`.
    delivery: &'static str,
    /// `verdict`.
    verdict: Status,
    /// The check's own worst-case deadline (before the slack).
    deadline: Duration,
}

fn expected(scenario: Hostile) -> Expected {
    use Severity::{Error, Warning};
    let short = COMMAND_TIMEOUT * 3;
    let e = |error, findings, delivery, verdict, deadline| Expected {
        error,
        findings,
        delivery,
        verdict,
        deadline,
    };
    match scenario {
        Hostile::Silent | Hostile::TrickleGreeting => e(
            Some(("greeting", "timeout")),
            &[],
            "not_tested",
            Status::Red,
            short,
        ),
        Hostile::EndlessReply | Hostile::LongLine => e(
            Some(("greeting", "limit_exceeded")),
            &[],
            "not_tested",
            Status::Red,
            short,
        ),
        Hostile::ManyEhloKeywords => e(
            Some(("ehlo", "limit_exceeded")),
            &[],
            "not_tested",
            Status::Red,
            short,
        ),
        Hostile::MismatchedContinuation => e(
            Some(("ehlo", "protocol")),
            &[],
            "not_tested",
            Status::Red,
            short,
        ),
        Hostile::InvalidCode | Hostile::NonNumericCode => e(
            Some(("greeting", "protocol")),
            &[],
            "not_tested",
            Status::Red,
            short,
        ),
        // Tolerated and reported: the dialogue goes on (no STARTTLS offered, hence amber).
        Hostile::BareLf => e(
            None,
            &[("smtp.bare_lf", Warning), ("tls.not_offered", Warning)],
            "accepted",
            Status::Amber,
            short,
        ),
        Hostile::NulAndLatin1 => e(
            None,
            &[("tls.not_offered", Warning)],
            "accepted",
            Status::Amber,
            short,
        ),
        Hostile::StartTlsInjection => e(
            Some(("starttls", "tls_injection")),
            &[("tls.injection", Error)],
            "not_tested",
            Status::Red,
            short,
        ),
        // Opportunistic TLS: the downgrade is reported, mail still goes (the
        // --require-tls variant is its own test below).
        Hostile::StartTlsNotOffered => e(
            None,
            &[("tls.not_offered", Warning)],
            "accepted",
            Status::Amber,
            short,
        ),
        Hostile::ImplicitTlsBanner | Hostile::ImplicitTlsGarbage => e(
            Some(("tls_handshake", "tls_handshake")),
            &[("tls.handshake_failed", Error)],
            "not_tested",
            Status::Red,
            short,
        ),
        Hostile::StartTlsGarbage => e(
            Some(("tls_handshake", "tls_handshake")),
            &[("tls.handshake_failed", Error)],
            "not_tested",
            Status::Red,
            short,
        ),
        Hostile::CloseAfterEhlo => e(
            Some(("ehlo", "closed")),
            &[],
            "not_tested",
            Status::Red,
            short,
        ),
        // A 421 mid-transaction is a deferral: the delivery area (and the verdict) is
        // amber, the error names the stage.
        Hostile::TempFailAfterRcpt => e(
            Some(("rcpt", "rejected")),
            &[("tls.not_offered", Warning)],
            "deferred",
            Status::Amber,
            short,
        ),
        // The end-of-data deadline (the command timeout) passes while the server still
        // holds the connection: "timeout" at data_end, and the outcome is unknown (the
        // message may or may not have been taken), never "accepted".
        Hostile::NoReplyToFinalDot => e(
            Some(("data_end", "timeout")),
            &[("tls.not_offered", Warning)],
            "unknown",
            Status::Red,
            COMMAND_TIMEOUT,
        ),
        other => panic!("no expectation for the new scenario {other}: add one to tests/hostile.rs"),
    }
}

/// The final-dot scenario's server budget in this suite (the stock script gives up after
/// 30 s): longer than the check's end-of-data deadline (the command timeout), so the check
/// times out at data_end while the server is still holding the connection.
const FINAL_DOT_BUDGET: Duration = Duration::from_secs(5);

async fn run_scenario(scenario: Hostile) -> Report {
    let server = if scenario == Hostile::NoReplyToFinalDot {
        TestServer::builder()
            .script(scenario.script().max_duration(FINAL_DOT_BUDGET))
            .start()
            .await
            .unwrap()
    } else {
        TestServer::hostile(scenario).await.unwrap()
    };
    let want = expected(scenario);
    let report = run_guarded(
        check_for(&server, scenario),
        want.deadline + SLACK,
        scenario.name(),
    )
    .await;
    let what = format!("{scenario}: {}", report.summary);
    assert_well_formed(&report, &what);
    let got_error = report
        .error
        .as_ref()
        .map(|e| (e.stage.as_str(), e.kind.as_str()));
    assert_eq!(got_error, want.error, "{what}: {:?}", report.error);
    for (id, severity) in want.findings {
        assert_eq!(
            finding_severity(&report, id),
            Some(*severity),
            "{what}: finding {id} in {:?}",
            report.findings
        );
    }
    assert_eq!(report.delivery.outcome, want.delivery, "{what}");
    assert_eq!(report.verdict, want.verdict, "{what}");
    assert_eq!(report.exit_code(), want.verdict.exit_code(), "{what}");
    assert_eq!(
        report.connectivity.attempts[0].outcome, "connected",
        "{what}"
    );
    report
}

/// Scenarios checked only against the client session in simulated time
/// (`smtping-testkit/tests/pair_hostile.rs`, phase, kind, delivery and specifics): the
/// trickled greeting waits out the whole greeting deadline, and its report is the one of
/// `silent` (same stage, kind, findings and verdict), which still runs here over
/// loopback. Every scenario also runs there.
const ON_PAIR: [Hostile; 1] = [Hostile::TrickleGreeting];

macro_rules! scenario_tests {
    ($($name:ident => $scenario:expr),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let report = run_scenario($scenario).await;
                scenario_specifics($scenario, &report);
            }
        )*

        /// Every scenario of `Hostile::ALL` has a test above, or runs only in simulated
        /// time (`ON_PAIR`).
        #[test]
        fn every_scenario_is_covered() {
            let covered = [$($scenario),*];
            for s in Hostile::ALL {
                assert!(
                    covered.contains(&s) || ON_PAIR.contains(&s),
                    "Hostile::{s:?} has no test in tests/hostile.rs"
                );
            }
        }
    };
}

scenario_tests! {
    silent => Hostile::Silent,
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

/// Per-scenario facts beyond stage, kind, findings and verdict.
fn scenario_specifics(scenario: Hostile, r: &Report) {
    let what = scenario.name();
    let message = r.error.as_ref().map_or("", |e| e.message.as_str());
    match scenario {
        Hostile::Silent | Hostile::TrickleGreeting => {
            assert!(message.contains("greeting"), "{what}: {message}");
            assert!(r.connectivity.greeting.is_none(), "{what}");
            assert_eq!(r.connectivity.status, Status::Red, "{what}");
            if scenario == Hostile::Silent {
                // Not a byte: maybe an implicit-TLS port waiting for a ClientHello.
                assert!(message.contains("--tls implicit"), "{what}: {message}");
            }
        }
        Hostile::EndlessReply => assert!(message.contains("512 lines"), "{what}: {message}"),
        Hostile::LongLine => assert!(message.contains("4096-byte"), "{what}: {message}"),
        Hostile::ManyEhloKeywords => {
            assert!(message.contains("512 lines"), "{what}: {message}");
            assert!(
                r.ehlo.is_none(),
                "{what}: no capabilities from a refused EHLO reply"
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
            assert_eq!(
                r.connectivity.greeting.as_ref().unwrap().code,
                220,
                "{what}"
            );
        }
        Hostile::NulAndLatin1 => {
            // Kept as bytes, shown lossily: U+FFFD for the Latin-1 byte, the NUL kept.
            let g = &r.connectivity.greeting.as_ref().unwrap().text;
            assert!(g.contains('\u{fffd}') && g.contains('\0'), "{what}: {g:?}");
            let server_name = &r.ehlo.as_ref().unwrap().server_name;
            assert_eq!(server_name, "mx.test", "{what}");
        }
        Hostile::StartTlsInjection => {
            assert!(
                !r.tls.established,
                "{what}: no handshake after an injection"
            );
            assert!(message.contains("CVE-2011-0411"), "{what}: {message}");
            assert!(r.tls.error.is_some(), "{what}");
            assert_eq!(r.tls.status, Status::Red, "{what}");
        }
        Hostile::StartTlsNotOffered => {
            assert!(!r.tls.offered && !r.tls.established, "{what}");
            assert_eq!(r.tls.status, Status::Amber, "{what}");
        }
        Hostile::ImplicitTlsBanner | Hostile::ImplicitTlsGarbage | Hostile::StartTlsGarbage => {
            if scenario == Hostile::ImplicitTlsBanner {
                // An SMTP greeting where a ServerHello should be: say which mode works.
                assert!(message.contains("use --tls starttls"), "{what}: {message}");
            }
            assert!(!r.tls.established, "{what}");
            assert!(r.tls.error.is_some(), "{what}");
            assert_eq!(r.tls.status, Status::Red, "{what}");
            assert!(message.contains("not valid TLS"), "{what}: {message}");
        }
        Hostile::CloseAfterEhlo => assert!(message.contains("closed"), "{what}: {message}"),
        Hostile::TempFailAfterRcpt => {
            let d = &r.delivery;
            assert_eq!(d.stage.map(|s| s.as_str()), Some("rcpt"), "{what}");
            let reply = d.reply.as_ref().unwrap();
            assert_eq!(
                (reply.code, reply.enhanced.as_deref()),
                (421, Some("4.7.0")),
                "{what}"
            );
            assert_eq!(d.reason, Some(Reason::ServiceUnavailable), "{what}");
            assert!(!d.hard, "{what}");
            assert_eq!(d.status, Status::Amber, "{what}");
        }
        Hostile::NoReplyToFinalDot => {
            let d = &r.delivery;
            assert_eq!(d.stage.map(|s| s.as_str()), Some("data_end"), "{what}");
            assert!(d.reply.is_none(), "{what}");
            assert_eq!(d.reason, Some(Reason::Unknown), "{what}");
            assert!(d.message_id.is_some(), "{what}: the message was sent");
            assert!(
                d.remediation.as_deref().unwrap_or("").contains("duplicate"),
                "{what}: {:?}",
                d.remediation
            );
        }
        _ => {}
    }
}

/// `--require-tls` against a server that does not offer STARTTLS: the check stops before
/// MAIL (a downgrade is an error, not a warning) and nothing of the envelope goes out.
#[tokio::test]
async fn starttls_not_offered_with_require_tls_is_a_downgrade_error() {
    let server = TestServer::hostile(Hostile::StartTlsNotOffered)
        .await
        .unwrap();
    let check = check_for(&server, Hostile::StartTlsNotOffered)
        .require_tls(true)
        .auth(Credentials::new("alice", "downgrade-secret"));
    let r = run_guarded(check, COMMAND_TIMEOUT * 3 + SLACK, "downgrade").await;
    assert_well_formed(&r, "downgrade");
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        ("starttls", "tls_unavailable")
    );
    assert_eq!(
        finding_severity(&r, "tls.not_offered"),
        Some(Severity::Error)
    );
    assert_eq!((r.verdict, r.tls.status), (Status::Red, Status::Red));
    assert_eq!(r.delivery.outcome, "not_tested");
    let sessions = server
        .wait_for_sessions(1, Duration::from_secs(5))
        .await
        .unwrap();
    let sent = sessions[0].commands.join("\n");
    assert!(!sent.contains("MAIL") && !sent.contains("AUTH"), "{sent}");
}

/// The injection scenario on a server that would complete the handshake: the client
/// still drops the connection at the injected bytes and never starts TLS.
#[tokio::test]
async fn starttls_injection_with_a_real_certificate_is_still_refused() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
        ))
        .hostile(Hostile::StartTlsInjection)
        .start()
        .await
        .unwrap();
    let check = check_for(&server, Hostile::StartTlsInjection)
        .tls_options(test_tls_options(Some(&pki)))
        .auth(Credentials::new("alice", "injection-secret"));
    let r = run_guarded(check, COMMAND_TIMEOUT * 3 + SLACK, "injection").await;
    assert_well_formed(&r, "injection");
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        ("starttls", "tls_injection")
    );
    assert_eq!(finding_severity(&r, "tls.injection"), Some(Severity::Error));
    assert!(!r.tls.established);
    assert_eq!(r.verdict, Status::Red);
    let sessions = server
        .wait_for_sessions(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(sessions[0].tls.is_none(), "the client must not start TLS");
    assert!(sessions[0].auth_attempts.is_empty());
    // Nothing at all after STARTTLS: not even QUIT.
    assert_eq!(
        sessions[0].commands.last().map(String::as_str),
        Some("STARTTLS"),
        "{:?}",
        sessions[0].commands
    );
    assert_eq!(sessions[0].plaintext_after_starttls, 0);
}

// `no_reply_to_final_dot_times_out_at_data_end` (the core driven directly with 2 s
// deadlines) runs in simulated time: smtping-testkit/tests/pair_hostile.rs.

// ---------------------------------------------------------------------------------------
// Secrets

/// A password that appears nowhere else.
const PASSWORD: &str = "Tr0ub4dor&3-hostile-suite";
const USER: &str = "alice@example.test";

/// Standard base64 (RFC 4648) with padding, for the forbidden-string list.
fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(T[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The password and every encoding of it an SMTP client sends: PLAIN's
/// `\0user\0password` and LOGIN's base64 password (also without padding, and the
/// unpadded prefixes a line break could leave).
fn forbidden(password: &str) -> Vec<String> {
    let plain = format!("\0{USER}\0{password}");
    let mut v = vec![
        password.to_owned(),
        b64(password.as_bytes()),
        b64(plain.as_bytes()),
        b64(format!("{USER}\0{USER}\0{password}").as_bytes()),
    ];
    let more: Vec<String> = v
        .iter()
        .skip(1)
        .map(|s| s.trim_end_matches('=').to_owned())
        .collect();
    v.extend(more);
    v
}

/// Asserts that no form of `password` is in the report: its JSON, `Debug`, transcript,
/// summary and error.
fn assert_no_secret(r: &Report, password: &str, what: &str) {
    let json = serde_json::to_string(r).unwrap();
    let pretty = serde_json::to_string_pretty(r).unwrap();
    let debug = format!("{r:?}");
    let transcript: String = r
        .transcript
        .iter()
        .map(|t| format!("{} {}\n", t.dir, t.line))
        .collect();
    for secret in forbidden(password) {
        for (name, text) in [
            ("json", &json),
            ("pretty json", &pretty),
            ("debug", &debug),
            ("transcript", &transcript),
            ("summary", &r.summary),
        ] {
            assert!(
                !text.contains(&secret),
                "{what}: the secret {secret:?} appears in the {name}"
            );
        }
    }
}

async fn auth_server(pki: &TestPki, tls: bool) -> TestServer {
    let mut b = TestServer::builder().auth(
        AuthConfig::new()
            .user(USER, PASSWORD)
            .mechanisms([SaslMechanism::Plain, SaslMechanism::Login])
            .require_tls(tls),
    );
    if tls {
        b = b.tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
        ));
    }
    b.start().await.unwrap()
}

fn auth_check(server: &TestServer, pki: &TestPki, password: &str) -> Check {
    Check::parse(&server.addr().to_string())
        .unwrap()
        .tls_options(test_tls_options(Some(pki)))
        .command_timeout(COMMAND_TIMEOUT)
        .auth(Credentials::new(USER, password))
}

/// PLAIN and LOGIN, success and failure, over STARTTLS: the login works (the server saw
/// the password) and no output carries it. The transcript shows AUTH redacted.
#[tokio::test]
async fn auth_secrets_never_appear_in_any_output() {
    let pki = TestPki::new().unwrap();
    let server = auth_server(&pki, true).await;
    let wrong = "Wr0ng-but-still-secret";
    for (mechanism, password, outcome) in [
        (AuthMechanism::Plain, PASSWORD, "success"),
        (AuthMechanism::Login, PASSWORD, "success"),
        (AuthMechanism::Plain, wrong, "failure"),
        (AuthMechanism::Login, wrong, "failure"),
    ] {
        let what = format!("{mechanism} {outcome}");
        let check = auth_check(&server, &pki, password).auth_mechanism(mechanism.clone());
        let debug = format!("{check:?}");
        let r = run_guarded(check, COMMAND_TIMEOUT * 8 + SLACK, &what).await;
        assert_eq!(r.auth.login.outcome, outcome, "{what}: {:?}", r.error);
        assert_eq!(
            r.auth.login.mechanism.as_deref(),
            Some(mechanism.as_str()),
            "{what}"
        );
        assert!(r.tls.established, "{what}");
        assert_no_secret(&r, password, &what);
        for secret in forbidden(password) {
            assert!(
                !debug.contains(&secret),
                "{what}: Debug of the Check shows {secret:?}"
            );
        }
        let auth_lines: Vec<&str> = r
            .transcript
            .iter()
            .filter(|t| t.dir == "client")
            .map(|t| t.line.as_str())
            .filter(|l| {
                !l.starts_with("EHLO") && !l.starts_with("STARTTLS") && !l.starts_with("QUIT")
            })
            .collect();
        let expected: &[&str] = if mechanism == AuthMechanism::Plain {
            &["AUTH PLAIN [redacted]"]
        } else {
            &["AUTH LOGIN", "[redacted]", "[redacted]"]
        };
        assert_eq!(auth_lines, expected, "{what}");
    }
    let sessions = server.received();
    let successes = sessions
        .iter()
        .filter(|s| s.auth_user.as_deref() == Some(USER))
        .count();
    assert_eq!(successes, 2, "the two good logins reached the server");
}

/// Plain text: without `allow_plaintext_auth` the password is never sent (and the
/// finding says why); with it, the login works and the output still hides it.
#[tokio::test]
async fn plaintext_auth_is_refused_by_default_and_redacted_when_allowed() {
    let pki = TestPki::new().unwrap();
    let server = auth_server(&pki, false).await;

    let r = run_guarded(
        auth_check(&server, &pki, PASSWORD),
        COMMAND_TIMEOUT * 6 + SLACK,
        "plaintext refused",
    )
    .await;
    assert_eq!(r.auth.login.outcome, "refused_by_client");
    let e = r.error.as_ref().unwrap();
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        ("auth", "refused_by_client")
    );
    assert_eq!(
        finding_severity(&r, "auth.plaintext_offered"),
        Some(Severity::Warning)
    );
    assert_no_secret(&r, PASSWORD, "plaintext refused");
    let first = server
        .wait_for_sessions(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        first[0].auth_attempts.is_empty(),
        "no AUTH may be sent in clear"
    );

    let r = run_guarded(
        auth_check(&server, &pki, PASSWORD).allow_plaintext_auth(true),
        COMMAND_TIMEOUT * 6 + SLACK,
        "plaintext allowed",
    )
    .await;
    assert_eq!(r.auth.login.outcome, "success", "{:?}", r.error);
    assert!(!r.tls.established);
    assert_eq!(r.auth.status, Status::Amber, "AUTH in clear is never green");
    assert_no_secret(&r, PASSWORD, "plaintext allowed");
}

/// Credentials are not sent over TLS whose certificate did not verify, unless allowed.
#[tokio::test]
async fn credentials_are_withheld_from_an_unverified_certificate() {
    let pki = TestPki::new().unwrap();
    let server = TestServer::builder()
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::SelfSigned, &["mx.test"]).unwrap(),
        ))
        .auth(AuthConfig::new().user(USER, PASSWORD).require_tls(true))
        .start()
        .await
        .unwrap();
    let r = run_guarded(
        auth_check(&server, &pki, PASSWORD),
        COMMAND_TIMEOUT * 6 + SLACK,
        "unverified",
    )
    .await;
    assert!(r.tls.established);
    assert_eq!(r.auth.login.outcome, "refused_by_client");
    assert_eq!(
        finding_severity(&r, "tls.certificate_invalid"),
        Some(Severity::Error)
    );
    assert_no_secret(&r, PASSWORD, "unverified");
    let s = server
        .wait_for_sessions(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(s[0].auth_attempts.is_empty(), "no AUTH over unverified TLS");

    let r = run_guarded(
        auth_check(&server, &pki, PASSWORD).allow_unverified_tls_auth(true),
        COMMAND_TIMEOUT * 6 + SLACK,
        "unverified allowed",
    )
    .await;
    assert_eq!(r.auth.login.outcome, "success", "{:?}", r.error);
    assert_no_secret(&r, PASSWORD, "unverified allowed");
}

/// A server that drops the connection after AUTH (at MAIL): the error message and the
/// transcript still hold no secret, in clear text (`allow_plaintext_auth`) and in TLS.
#[tokio::test]
async fn secrets_stay_hidden_when_the_session_fails_after_auth() {
    use smtping_testkit::server::{Behaviour, ServerStage};
    let pki = TestPki::new().unwrap();
    for tls in [false, true] {
        let what = if tls {
            "closed after auth (TLS)"
        } else {
            "closed after auth (clear)"
        };
        let mut b = TestServer::builder()
            .auth(AuthConfig::new().user(USER, PASSWORD).require_tls(tls))
            .on(ServerStage::Mail, Behaviour::disconnect());
        if tls {
            b = b.tls(ServerTls::starttls(
                pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
            ));
        }
        let server = b.start().await.unwrap();
        let check = auth_check(&server, &pki, PASSWORD)
            .allow_plaintext_auth(!tls)
            .envelope(addr("probe@example.com"), vec![addr("rcpt@example.org")]);
        let r = run_guarded(check, COMMAND_TIMEOUT * 8 + SLACK, what).await;
        assert_eq!(r.auth.login.outcome, "success", "{what}");
        assert_eq!(r.tls.established, tls, "{what}");
        let e = r.error.as_ref().unwrap();
        assert_eq!(e.stage, "mail", "{what}: {e:?}");
        // A dropped connection is "closed", in clear text and inside TLS alike (a TLS peer
        // that closes without close_notify surfaces as UnexpectedEof, mapped to EOF).
        assert_eq!(e.kind, "closed", "{what}: {e:?}");
        assert_no_secret(&r, PASSWORD, what);
        assert_eq!(r.verdict, Status::Red, "{what}");
    }
}

/// The secret check itself can fail: a report holding the PLAIN response is caught.
#[test]
fn the_secret_check_catches_a_leak() {
    let mut r = Report::default();
    r.summary = format!(
        "AUTH PLAIN {}",
        b64(format!("\0{USER}\0{PASSWORD}").as_bytes())
    );
    let caught = std::panic::catch_unwind(|| assert_no_secret(&r, PASSWORD, "leak"));
    assert!(caught.is_err());
    r.summary = "clean".into();
    assert_no_secret(&r, PASSWORD, "clean");
}

#[test]
fn base64_helper_matches_rfc4648_vectors() {
    for (input, output) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(b64(input.as_bytes()), output);
    }
}

/// User input cannot smuggle commands: CR, LF or NUL in an address, an EHLO name, a
/// target or a PLAIN credential is refused before anything is sent.
#[test]
fn user_input_cannot_inject_commands() {
    for bad in [
        "a@example.org>\r\nRCPT TO:<victim@example.net",
        "a\n@example.org",
        "a\0b@example.org",
    ] {
        assert!(Address::new(bad).is_err(), "{bad:?}");
    }
    for bad in [
        "client.example\r\nMAIL FROM:<x@y>",
        "client\n.example",
        "client\0.example",
    ] {
        assert!(Domain::ehlo_name(bad).is_err(), "{bad:?}");
    }
    assert!(Check::parse("mx.example.org\r\nQUIT").is_err());
    let nul = Credentials::new("alice\0admin", "secret");
    assert!(smtping_proto::sasl::plain_response(&nul).is_err());
}
