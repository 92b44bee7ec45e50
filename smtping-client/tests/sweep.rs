//! `--ports` and `--probe-enforcement` over loopback. The ports of one logical host are
//! mapped with `--connect-to` to test servers on loopback: one that answers STARTTLS, one
//! with implicit TLS, a silent one (accepts and never greets: a timeout) and a port with
//! nothing listening (refused).

use std::net::SocketAddr;
use std::time::Duration;

use smtping_client::tls::TlsOptions;
use smtping_client::{Address, Check, ConnectTo, FindingId, Severity, Status};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::server::{Hostile, ServerTls, TestServer};

const NAME: &str = "mx.test";

fn trust(pki: &TestPki) -> TlsOptions {
    TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false)
        .root(pki.ca_cert_der())
}

async fn starttls(pki: &TestPki) -> TestServer {
    TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &[NAME]).unwrap(),
        ))
        .start()
        .await
        .unwrap()
}

async fn implicit(pki: &TestPki) -> TestServer {
    TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::implicit(
            pki.server_cert(Scenario::Valid, &[NAME]).unwrap(),
        ))
        .start()
        .await
        .unwrap()
}

/// A loopback port with nothing listening (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// `mx.test:PORT` reached at `to`.
fn map(port: u16, to: SocketAddr) -> ConnectTo {
    format!("{NAME}:{port}:127.0.0.1:{}", to.port())
        .parse()
        .unwrap()
}

fn sweep_check(pki: &TestPki) -> Check {
    Check::parse(&format!("{NAME}:25"))
        .unwrap()
        .tls_options(trust(pki))
        .command_timeout(Duration::from_millis(800))
        .connect_timeout(Duration::from_secs(2))
        .signals(false)
}

#[tokio::test]
async fn port_25_timing_out_while_submission_answers_is_a_local_block() {
    let pki = TestPki::new().unwrap();
    let silent = TestServer::hostile(Hostile::Silent).await.unwrap();
    let s465 = implicit(&pki).await;
    let s587 = starttls(&pki).await;
    let refused = closed_port();
    let (sink, seen) = progress_log();
    let r = sweep_check(&pki)
        .on_progress(sink)
        .connect_to(map(25, silent.addr()))
        .connect_to(map(465, s465.addr()))
        .connect_to(map(587, s587.addr()))
        .connect_to(format!("{NAME}:2525:127.0.0.1:{refused}").parse().unwrap())
        .ports(smtping_client::ALL_PORTS)
        .run()
        .await;
    let sweep = r.sweep.as_ref().expect("sweep with --ports");
    let outcomes: Vec<(u16, &str, &str)> = sweep
        .ports
        .iter()
        .map(|p| (p.port, p.tls_mode.as_str(), p.outcome.as_str()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (25, "starttls", "timeout"),
            (465, "implicit", "connected"),
            (587, "starttls", "connected"),
            (2525, "starttls", "refused"),
        ],
        "{sweep:#?}"
    );
    assert!(sweep.ports[1].tls_established && sweep.ports[2].tls_established);
    assert_eq!(
        sweep.conclusion,
        "25 timed out while 465 and 587 answered: outbound port 25 is probably blocked on this network (common on cloud and residential networks); use the submission port or a relay"
    );
    assert_eq!(sweep.status, Status::Amber);
    assert!(r.has(FindingId::SweepPort25Blocked));
    // The main check ran on 25 and is not repeated by the sweep.
    assert_eq!(silent.connections(), 1);
    assert_eq!((s465.connections(), s587.connections()), (1, 1));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["sweep"]["ports"][0]["outcome"], "timeout");
    assert_eq!(json["sweep"]["ports"][1]["tls_mode"], "implicit");
    assert!(json["sweep"]["ports"][3]["elapsed_ms"].is_number());
    // A progress line before each port the sweep connects to itself (25 was the main
    // session), each bounded by the connect timeout, each closed by Done.
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "trying port 465 (2 of 4) up to 2 s",
            "done",
            "trying port 587 (3 of 4) up to 2 s",
            "done",
            "trying port 2525 (4 of 4) up to 2 s",
            "done",
        ]
    );
}

/// A progress sink that writes each event as a line.
fn progress_log() -> (
    smtping_client::progress::ProgressSink,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use smtping_client::progress::{ProgressEvent, ProgressSink};
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let sink = ProgressSink::new(move |e: &ProgressEvent| {
        let line = match e {
            ProgressEvent::Waiting(w) => format!("{w} up to {} s", w.up_to.as_secs()),
            _ => "done".to_owned(),
        };
        log.lock().unwrap().push(line);
    });
    (sink, seen)
}

#[tokio::test]
async fn every_port_timing_out_or_refused_has_its_own_conclusion() {
    let pki = TestPki::new().unwrap();
    let a = TestServer::hostile(Hostile::Silent).await.unwrap();
    let b = TestServer::hostile(Hostile::Silent).await.unwrap();
    let r = sweep_check(&pki)
        .connect_to(map(25, a.addr()))
        .connect_to(map(587, b.addr()))
        .ports([25, 587])
        .run()
        .await;
    let sweep = r.sweep.unwrap();
    assert_eq!(sweep.status, Status::Red);
    assert!(
        sweep
            .conclusion
            .starts_with("25 and 587 timed out: the host is down"),
        "{}",
        sweep.conclusion
    );

    let (p1, p2) = (closed_port(), closed_port());
    let r = sweep_check(&pki)
        .connect_to(format!("{NAME}:25:127.0.0.1:{p1}").parse().unwrap())
        .connect_to(format!("{NAME}:587:127.0.0.1:{p2}").parse().unwrap())
        .ports([25, 587])
        .run()
        .await;
    let sweep = r.sweep.clone().unwrap();
    assert!(
        sweep
            .conclusion
            .contains("refused the connection: the host is up but nothing listens"),
        "{}",
        sweep.conclusion
    );
    assert!(!r.has(FindingId::SweepPort25Blocked));
}

#[tokio::test]
async fn every_port_answering_is_green_and_other_patterns_list_the_failures() {
    let pki = TestPki::new().unwrap();
    let s25 = starttls(&pki).await;
    let s587 = starttls(&pki).await;
    let refused = closed_port();
    let r = sweep_check(&pki)
        .connect_to(map(25, s25.addr()))
        .connect_to(map(587, s587.addr()))
        .ports([25, 587])
        .run()
        .await;
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    let sweep = r.sweep.unwrap();
    assert_eq!(sweep.status, Status::Green);
    assert_eq!(sweep.conclusion, "every port answered (25 and 587)");

    let r = sweep_check(&pki)
        .connect_to(map(25, s25.addr()))
        .connect_to(format!("{NAME}:2525:127.0.0.1:{refused}").parse().unwrap())
        .ports([25, 2525])
        .run()
        .await;
    let sweep = r.sweep.unwrap();
    assert_eq!(
        sweep.conclusion,
        "25 answered; 2525 refused the connection (nothing listening)"
    );
}

#[test]
fn port_lists_parse_and_refuse_nonsense() {
    use smtping_client::parse_port_list;
    assert_eq!(parse_port_list("submission").unwrap(), [465, 587]);
    assert_eq!(parse_port_list("2525, all").unwrap(), [2525, 25, 465, 587]);
    assert!(parse_port_list("").is_err());
    assert!(parse_port_list("0").is_err());
    assert!(
        parse_port_list("25,x")
            .unwrap_err()
            .to_string()
            .contains("\"x\"")
    );
}

// --probe-enforcement

async fn enforcement_check(server: &TestServer, pki: &TestPki) -> smtping_client::Report {
    Check::new(server.addr().to_string().parse().unwrap())
        .tls_options(trust(pki).sni(NAME))
        .command_timeout(Duration::from_secs(3))
        .quit_after(smtping_client::QuitAfter::Tls)
        .signals(false)
        .probe_enforcement(true)
        .run()
        .await
}

#[tokio::test]
async fn a_server_that_takes_mail_before_starttls_is_not_enforced() {
    let pki = TestPki::new().unwrap();
    let s = starttls(&pki).await;
    let r = enforcement_check(&s, &pki).await;
    assert_eq!(r.tls.enforced, Some(false), "{:?}", r.tls.enforcement);
    let e = r.tls.enforcement.as_ref().unwrap();
    assert_eq!(
        e.envelope,
        format!(
            "{} -> {}",
            smtping_client::ENFORCEMENT_PROBE_FROM,
            smtping_client::ENFORCEMENT_PROBE_TO
        )
    );
    assert_eq!(e.stage.map(|s| s.as_str()), Some("rcpt"));
    // Not port 25: a warning.
    let f = r.finding("tls.not_enforced").unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(r.verdict, Status::Amber);
    // Two connections: the check and the probe; the probe sent no message.
    assert_eq!(s.connections(), 2);
    assert!(s.delivered().is_empty());
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["tls"]["enforced"], false);
}

#[tokio::test]
async fn a_server_that_requires_starttls_is_enforced() {
    let pki = TestPki::new().unwrap();
    let s = TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &[NAME]).unwrap(),
        ))
        .require_tls(true)
        .start()
        .await
        .unwrap();
    let r = Check::new(s.addr().to_string().parse().unwrap())
        .tls_options(trust(&pki).sni(NAME))
        .command_timeout(Duration::from_secs(3))
        .signals(false)
        .envelope(
            Address::new("probe@client.test").unwrap(),
            vec![Address::new("alice@example.test").unwrap()],
        )
        .quit_after(smtping_client::QuitAfter::Rcpt)
        .probe_enforcement(true)
        .run()
        .await;
    assert_eq!(r.tls.enforced, Some(true), "{:?}", r.tls.enforcement);
    let e = r.tls.enforcement.as_ref().unwrap();
    assert_eq!(e.stage.map(|s| s.as_str()), Some("mail"));
    assert_eq!(e.envelope, "probe@client.test -> alice@example.test");
    assert!(!r.has(FindingId::TlsNotEnforced));
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
}

#[tokio::test]
async fn without_the_flag_enforced_is_null_and_implicit_tls_is_not_probed() {
    let pki = TestPki::new().unwrap();
    let s = starttls(&pki).await;
    let r = Check::new(s.addr().to_string().parse().unwrap())
        .tls_options(trust(&pki).sni(NAME))
        .quit_after(smtping_client::QuitAfter::Tls)
        .signals(false)
        .run()
        .await;
    assert_eq!(r.tls.enforced, None);
    assert!(r.tls.enforcement.is_none());
    assert!(serde_json::to_value(&r).unwrap()["tls"]["enforced"].is_null());

    let s = implicit(&pki).await;
    let r = Check::new(s.addr().to_string().parse().unwrap())
        .tls(smtping_client::TlsMode::Implicit)
        .tls_options(trust(&pki).sni(NAME))
        .quit_after(smtping_client::QuitAfter::Tls)
        .signals(false)
        .probe_enforcement(true)
        .run()
        .await;
    assert!(r.tls.enforcement.is_none());
    assert_eq!(s.connections(), 1);
}
