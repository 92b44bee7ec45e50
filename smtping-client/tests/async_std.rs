//! The same scenarios on tokio and on async-std: one `Check`, one loopback test server,
//! two runtimes; the reports must agree on everything but time.
//!
//! The test server is tokio-based: it runs on a multi-threaded tokio runtime whose
//! workers serve it in the background while the test thread runs the client, first with
//! `Runtime::block_on(check.run())`, then with `async_std::task::block_on(check.run_on(&AsyncStd))`.
//!
//! Run: `cargo test -p smtping-client --features async-std --test async_std`.
#![cfg(feature = "async-std")]

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use smtping_client::net::dns::{IpFamilies, Resolver, TokioDns};
use smtping_client::runtime::async_std::{AsyncStd, AsyncStdDns};
use smtping_client::tls::TlsOptions;
use smtping_client::{Check, Report, TlsMode};
use smtping_proto::dns::{DnsErrorKind, Protocol, RecordType, ResolverConfig};
use smtping_proto::sasl::Credentials;
use smtping_proto::{Address, AuthMechanism};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Fault, Zone};
use smtping_testkit::server::{
    AuthConfig, Behaviour, Hostile, SaslMechanism, ServerTls, TestServer, TestServerBuilder,
};

/// Upper bound for one check on one runtime; the check's own deadlines end it far sooner.
const CHECK_BUDGET: Duration = Duration::from_secs(15);
/// A fixed message, so both runs send identical bytes (no Date or Message-ID).
const MESSAGE: &[u8] = b"From: <probe@example.com>\r\nTo: <alice@example.test>\r\n\
Subject: SMTPing runtime parity\r\n\r\nHello from both runtimes.\r\n";

/// The tokio runtime that serves the test server (and runs the tokio side of each pair).
fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn start(rt: &tokio::runtime::Runtime, builder: TestServerBuilder) -> TestServer {
    rt.block_on(builder.start()).unwrap()
}

/// Trust only the test PKI (no OS or Mozilla roots: fast and hermetic).
fn trust(pki: &TestPki) -> TlsOptions {
    TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false)
        .root(pki.ca_cert_der())
}

fn addr(s: &str) -> Address {
    Address::new(s).unwrap()
}

/// A check of the server with an envelope and the fixed message.
fn delivery(server: &TestServer, to: &str) -> Check {
    Check::new(server.addr().to_string().parse().unwrap())
        .envelope(addr("probe@example.com"), vec![addr(to)])
        .message(MESSAGE.to_vec())
        .command_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
}

/// Runs `fut` on async-std's executor, bounded.
fn on_async_std<F: Future>(fut: F) -> F::Output {
    async_std::task::block_on(async_std::future::timeout(CHECK_BUDGET, fut))
        .expect("the async-std run stayed within its budget")
}

/// Runs `fut` on the tokio runtime, bounded.
fn on_tokio<F: Future>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output {
    rt.block_on(async { tokio::time::timeout(CHECK_BUDGET, fut).await })
        .expect("the tokio run stayed within its budget")
}

/// A server line with its per-session parts (queue ids) removed.
fn stable_line(line: &str) -> String {
    match line.find("queued as") {
        Some(i) => format!("{}queued as <id>", &line[..i]),
        None => line.to_owned(),
    }
}

/// Applies [`stable_line`] to every string in `v`.
fn stabilise(v: &mut Value) {
    match v {
        Value::String(s) => *s = stable_line(s),
        Value::Array(items) => items.iter_mut().for_each(stabilise),
        Value::Object(map) => map.values_mut().for_each(stabilise),
        _ => {}
    }
}

/// What both runtimes must agree on: everything but time (and the server's queue ids).
fn essence(report: &Report) -> Value {
    let v = serde_json::to_value(report).unwrap();
    let at = |p: &str| v.pointer(p).cloned().unwrap_or(Value::Null);
    let transcript: Vec<Value> = report
        .transcript
        .iter()
        .map(|t| json!([t.dir, t.tls, stable_line(&t.line)]))
        .collect();
    let findings: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    let attempts: Vec<Value> = report
        .connectivity
        .attempts
        .iter()
        .map(|a| json!([a.address, a.outcome]))
        .collect();
    let mut essence = json!({
        "verdict": at("/verdict"),
        "connectivity": at("/connectivity/status"),
        "attempts": attempts,
        "dns": at("/connectivity/dns/addresses"),
        "greeting": at("/connectivity/greeting"),
        "ehlo": at("/ehlo"),
        "tls_status": at("/tls/status"),
        "tls_established": at("/tls/established"),
        "tls_version": at("/tls/version"),
        "tls_sni": at("/tls/sni"),
        "verification": at("/tls/certificate/verification"),
        "chain_length": at("/tls/certificate/chain_length"),
        "auth": at("/auth/status"),
        "login": at("/auth/login"),
        "delivery_status": at("/delivery/status"),
        "delivery_outcome": at("/delivery/outcome"),
        "delivery_stage": at("/delivery/stage"),
        "delivery_reply": at("/delivery/reply"),
        "reason": at("/delivery/reason"),
        "hard": at("/delivery/hard"),
        "recipients": at("/delivery/recipients"),
        "error_kind": at("/error/kind"),
        "error_stage": at("/error/stage"),
        "findings": findings,
        "transcript": transcript,
    });
    stabilise(&mut essence);
    essence
}

/// Runs `check` on tokio and on async-std against the same server; asserts the reports
/// agree and returns the async-std one.
fn both(rt: &tokio::runtime::Runtime, check: Check) -> Report {
    let tokio_report = on_tokio(rt, check.clone().run());
    let async_std_report = on_async_std(check.run_on(&AsyncStd));
    let (a, b) = (essence(&tokio_report), essence(&async_std_report));
    assert_eq!(
        a,
        b,
        "tokio and async-std disagree\ntokio:     {}\nasync-std: {}",
        serde_json::to_string_pretty(&a).unwrap(),
        serde_json::to_string_pretty(&b).unwrap()
    );
    async_std_report
}

fn error_of(r: &Report) -> (&str, &str) {
    let e = r.error.as_ref().expect("the check stopped with an error");
    (e.kind.as_str(), e.stage.as_str())
}

fn reason(r: &Report) -> &'static str {
    r.delivery.reason.map_or("", |reason| reason.as_str())
}

fn verification(r: &Report) -> String {
    r.tls
        .certificate
        .as_ref()
        .expect("a certificate was inspected")
        .verification
        .as_str()
        .to_owned()
}

/// A PEM file holding the test CA, removed on drop.
struct CaFile(PathBuf);

impl CaFile {
    fn new(pki: &TestPki, tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "smtping-async-std-{}-{tag}-ca.pem",
            std::process::id()
        ));
        std::fs::write(&path, pki.ca_cert_pem()).unwrap();
        Self(path)
    }
}

impl Drop for CaFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn healthy_starttls_delivery_with_ca_file() {
    let rt = server_runtime();
    let pki = TestPki::new().unwrap();
    let ca = CaFile::new(&pki, "healthy");
    let server = start(
        &rt,
        TestServer::builder()
            .tls(ServerTls::starttls(
                pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
            ))
            .require_tls(true),
    );
    let check = delivery(&server, "alice@example.test")
        .tls(TlsMode::StartTls)
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false),
        )
        .ca_file(&ca.0);
    let r = both(&rt, check);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.verdict.as_str(), "green", "{}", r.summary);
    assert!(r.tls.established);
    assert_eq!(verification(&r), "valid");
    assert_eq!(r.delivery.outcome, "accepted");
    assert_eq!(reason(&r), "accepted");
    assert!(
        r.transcript
            .iter()
            .any(|t| t.tls && t.line.starts_with("EHLO"))
    );
    // Both runs delivered the same message, over TLS.
    let delivered = server.delivered();
    assert_eq!(delivered.len(), 2);
    let texts: Vec<String> = delivered
        .iter()
        .map(|t| t.message.as_ref().unwrap().text())
        .collect();
    assert_eq!(texts[0], texts[1]);
    assert!(texts[0].contains("Hello from both runtimes."));
    assert!(server.received().iter().all(|s| s.tls.is_some()));
}

#[test]
fn implicit_tls() {
    let rt = server_runtime();
    let pki = TestPki::new().unwrap();
    let server = start(
        &rt,
        TestServer::builder().tls(ServerTls::implicit(
            pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
        )),
    );
    let check = delivery(&server, "alice@example.test")
        .tls(TlsMode::Implicit)
        .tls_options(trust(&pki));
    let r = both(&rt, check);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(r.tls.mode, "implicit");
    assert!(r.tls.established);
    assert_eq!(verification(&r), "valid");
    assert_eq!(r.delivery.outcome, "accepted");
    // Every line of the dialogue went inside TLS.
    assert!(
        r.transcript
            .iter()
            .filter(|t| t.dir != "info")
            .all(|t| t.tls)
    );
}

#[test]
fn certificate_mismatch_is_diagnosed() {
    let rt = server_runtime();
    let pki = TestPki::new().unwrap();
    let server = start(
        &rt,
        TestServer::builder().tls(ServerTls::starttls(
            pki.server_cert(Scenario::HostnameMismatch, &["mx.test"])
                .unwrap(),
        )),
    );
    let check = delivery(&server, "alice@example.test")
        .tls(TlsMode::StartTls)
        .tls_options(trust(&pki));
    let r = both(&rt, check);
    assert_eq!(verification(&r), "hostname_mismatch");
    assert_eq!(r.verdict.as_str(), "red", "{}", r.summary);
}

#[test]
fn unknown_mailbox_is_a_hard_bounce() {
    let rt = server_runtime();
    let server = start(
        &rt,
        TestServer::builder().recipient(
            "bob@example.test",
            Behaviour::reply(
                550,
                "5.1.1 <bob@example.test>: Recipient address rejected: User unknown",
            ),
        ),
    );
    let r = both(
        &rt,
        delivery(&server, "bob@example.test").tls(TlsMode::None),
    );
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(reason(&r), "mailbox_unknown");
    assert!(r.delivery.hard);
    let reply = r.delivery.reply.as_ref().unwrap();
    assert_eq!(
        (reply.code, reply.enhanced.as_deref()),
        (550, Some("5.1.1"))
    );
    assert!(server.delivered().is_empty());
}

#[test]
fn greylisting_is_deferred() {
    let rt = server_runtime();
    let server = start(
        &rt,
        TestServer::builder().recipient(
            "alice@example.test",
            Behaviour::reply(451, "4.7.1 <alice@example.test>: Recipient address rejected: Greylisted, try again later"),
        ),
    );
    let r = both(
        &rt,
        delivery(&server, "alice@example.test").tls(TlsMode::None),
    );
    assert_eq!(r.delivery.outcome, "deferred");
    assert_eq!(reason(&r), "greylisted");
    assert!(!r.delivery.hard);
}

fn auth_server(rt: &tokio::runtime::Runtime, pki: &TestPki) -> TestServer {
    start(
        rt,
        TestServer::builder()
            .tls(ServerTls::starttls(
                pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
            ))
            .auth(
                AuthConfig::new()
                    .user("alice", "correct horse")
                    .mechanisms([SaslMechanism::Plain, SaslMechanism::Login])
                    .require_tls(true),
            ),
    )
}

#[test]
fn auth_plain_success() {
    let rt = server_runtime();
    let pki = TestPki::new().unwrap();
    let server = auth_server(&rt, &pki);
    let check = delivery(&server, "alice@example.test")
        .tls(TlsMode::StartTls)
        .tls_options(trust(&pki))
        .auth(Credentials::new("alice", "correct horse"))
        .auth_mechanism(AuthMechanism::Plain);
    let r = both(&rt, check);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert!(r.auth.login.tested);
    assert_eq!(r.auth.login.mechanism.as_deref(), Some("PLAIN"));
    assert_eq!(r.auth.login.outcome, "success");
    assert_eq!(r.delivery.outcome, "accepted");
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("correct horse"));
    let users: Vec<_> = server
        .received()
        .iter()
        .map(|s| s.auth_user.clone())
        .collect();
    assert_eq!(users, [Some("alice".to_owned()), Some("alice".to_owned())]);
}

#[test]
fn auth_plain_failure() {
    let rt = server_runtime();
    let pki = TestPki::new().unwrap();
    let server = auth_server(&rt, &pki);
    let check = delivery(&server, "alice@example.test")
        .tls(TlsMode::StartTls)
        .tls_options(trust(&pki))
        .auth(Credentials::new("alice", "wrong password"))
        .auth_mechanism(AuthMechanism::Plain);
    let r = both(&rt, check);
    assert!(r.auth.login.tested);
    assert_eq!(r.auth.login.outcome, "failure");
    assert_eq!(r.auth.login.reply.as_ref().unwrap().code, 535);
    assert_eq!(r.verdict.as_str(), "red", "{}", r.summary);
    assert!(server.delivered().is_empty());
    let json = serde_json::to_string(&r).unwrap();
    assert!(!json.contains("wrong password"));
}

#[test]
fn silent_server_times_out_at_the_greeting() {
    let rt = server_runtime();
    let server = rt.block_on(TestServer::hostile(Hostile::Silent)).unwrap();
    let check = Check::new(server.addr().to_string().parse().unwrap())
        .tls(TlsMode::None)
        .command_timeout(Duration::from_millis(300));
    let r = both(&rt, check);
    assert_eq!(error_of(&r), ("timeout", "greeting"));
    assert_eq!(r.verdict.as_str(), "red");
}

#[test]
fn server_closing_after_ehlo() {
    let rt = server_runtime();
    let server = rt
        .block_on(TestServer::hostile(Hostile::CloseAfterEhlo))
        .unwrap();
    let r = both(
        &rt,
        delivery(&server, "alice@example.test").tls(TlsMode::None),
    );
    assert_eq!(error_of(&r), ("closed", "ehlo"));
}

#[test]
fn starttls_injection_is_refused() {
    let rt = server_runtime();
    let pki = TestPki::new().unwrap();
    let server = start(
        &rt,
        TestServer::builder()
            .tls(ServerTls::starttls(
                pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap(),
            ))
            .hostile(Hostile::StartTlsInjection),
    );
    let check = delivery(&server, "alice@example.test")
        .tls(TlsMode::StartTls)
        .tls_options(trust(&pki));
    let r = both(&rt, check);
    assert_eq!(error_of(&r).0, "tls_injection");
    assert!(r.finding("tls.injection").is_some(), "{:?}", r.findings);
    assert!(!r.tls.established);
    assert_eq!(r.verdict.as_str(), "red");
}

#[test]
fn refused_port_is_told_apart() {
    let rt = server_runtime();
    // Bind and release a TCP port: nothing listens there now.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let check = Check::new(closed.to_string().parse().unwrap())
        .tls(TlsMode::None)
        .connect_timeout(Duration::from_secs(2));
    let r = both(&rt, check);
    assert_eq!(r.connectivity.attempts.len(), 1);
    assert_eq!(r.connectivity.attempts[0].outcome, "refused");
}

#[test]
fn runs_under_a_foreign_executor() {
    // Neither async-std's executor nor smol's: futures-lite's minimal block_on. The
    // sockets and timers are async-io's, whose reactor runs on its own thread.
    let rt = server_runtime();
    let server = start(&rt, TestServer::builder());
    let check = delivery(&server, "alice@example.test").tls(TlsMode::None);
    let expected = essence(&on_tokio(&rt, check.clone().run()));
    let r = futures_lite::future::block_on(async_std::future::timeout(
        CHECK_BUDGET,
        check.run_on(&AsyncStd),
    ))
    .unwrap();
    assert_eq!(essence(&r), expected);
    assert_eq!(r.delivery.outcome, "accepted");
}

// --- DNS through the async-std transport ---------------------------------------------

fn zone() -> Zone {
    Zone::new()
        .mx("example.test", 20, "mx2.example.test")
        .mx("example.test", 10, "mx1.example.test")
        .a("mx1.example.test", Ipv4Addr::new(127, 0, 0, 1))
        .a("mx2.example.test", Ipv4Addr::new(127, 0, 0, 2))
        .fault("nx.example.test", Fault::NxDomain)
        .fault("big.example.test", Fault::TruncateUdp)
        .mx("big.example.test", 5, "mx1.example.test")
}

fn quick(config: ResolverConfig) -> ResolverConfig {
    config.with_timeout(Duration::from_secs(1)).with_attempts(2)
}

#[test]
fn dns_lookups_agree_with_tokio() {
    let rt = server_runtime();
    let dns = rt.block_on(DnsResponder::start(zone())).unwrap();
    let config = quick(dns.resolver_config());
    let on_std = Resolver::with_transport(config.clone(), AsyncStdDns);
    let on_tk = Resolver::with_transport(config, TokioDns);

    // A
    let a = on_async_std(on_std.lookup("mx1.example.test", RecordType::A)).unwrap();
    let ips: Vec<IpAddr> = a.ip_addrs().collect();
    assert_eq!(ips, [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))]);
    assert_eq!(a.protocol, Protocol::Udp);
    assert_eq!(a.server, dns.addr());
    let a_tk = on_tokio(&rt, on_tk.lookup("mx1.example.test", RecordType::A)).unwrap();
    assert_eq!(a_tk.ip_addrs().collect::<Vec<_>>(), ips);

    // MX, in preference order
    let mx = on_async_std(on_std.lookup_mx("example.test")).unwrap();
    let hosts: Vec<(u16, String)> = mx
        .hosts()
        .into_iter()
        .map(|h| (h.preference, h.host))
        .collect();
    assert_eq!(
        hosts,
        [
            (10, "mx1.example.test".to_owned()),
            (20, "mx2.example.test".to_owned())
        ]
    );
    assert_eq!(on_tokio(&rt, on_tk.lookup_mx("example.test")).unwrap(), mx);

    // NXDOMAIN
    let nx = on_async_std(on_std.lookup("nx.example.test", RecordType::A)).unwrap_err();
    assert_eq!(nx.kind(), DnsErrorKind::NxDomain, "{nx}");
    let nx_tk = on_tokio(&rt, on_tk.lookup("nx.example.test", RecordType::A)).unwrap_err();
    assert_eq!(nx_tk.kind(), nx.kind());

    // TC=1 over UDP, then the same query over TCP
    let tcp_before = dns.tcp_queries();
    let big = on_async_std(on_std.query("big.example.test", RecordType::Mx));
    assert_eq!(big.stats.tcp_transmissions, 1);
    let answer = big.result.unwrap();
    assert_eq!(answer.protocol, Protocol::Tcp);
    assert_eq!(answer.mx().count(), 1);
    assert_eq!(dns.tcp_queries(), tcp_before + 1);

    // Both families concurrently through the transport's join
    let both_families = on_async_std(on_std.lookup_ip("mx2.example.test", IpFamilies::Both));
    assert_eq!(
        both_families.addresses(),
        [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))]
    );
}

#[test]
fn dns_closed_port_is_a_transport_error_not_a_timeout() {
    // Bind and release a UDP port: the kernel answers ICMP port unreachable, which the
    // connected socket's recv reports as an error.
    let closed = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    let resolver = Resolver::with_transport(
        ResolverConfig::new([closed])
            .with_timeout(Duration::from_secs(5))
            .with_attempts(1),
        AsyncStdDns,
    );
    let err = on_async_std(resolver.lookup("mx1.example.test", RecordType::A)).unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Transport, "{err}");
    assert_eq!(err.server(), Some(closed));
}

#[test]
fn dns_silent_server_times_out() {
    let rt = server_runtime();
    let dns = rt
        .block_on(DnsResponder::start(Zone::new().default_fault(Fault::Drop)))
        .unwrap();
    let resolver = Resolver::with_transport(
        dns.resolver_config()
            .with_timeout(Duration::from_millis(100))
            .with_attempts(2),
        AsyncStdDns,
    );
    let outcome = on_async_std(resolver.query("example.test", RecordType::Mx));
    assert_eq!(outcome.result.unwrap_err().kind(), DnsErrorKind::Timeout);
    assert_eq!(outcome.stats.transmissions, 2);
}

#[test]
fn check_by_host_name_resolves_through_the_runtime() {
    let rt = server_runtime();
    let server = start(&rt, TestServer::builder());
    let dns = rt
        .block_on(DnsResponder::start(
            Zone::new().a("mx.example.test", Ipv4Addr::LOCALHOST),
        ))
        .unwrap();
    let target = format!("mx.example.test:{}", server.addr().port());
    let check = Check::parse(&target)
        .unwrap()
        .resolver(dns.addr())
        .ip_families(IpFamilies::V4Only)
        .tls(TlsMode::None)
        .envelope(addr("probe@example.com"), vec![addr("alice@example.test")])
        .message(MESSAGE.to_vec())
        .command_timeout(Duration::from_secs(5));
    let r = both(&rt, check);
    assert!(r.error.is_none(), "{:?}", r.error);
    assert_eq!(
        r.connectivity.dns.addresses,
        [SocketAddr::from((Ipv4Addr::LOCALHOST, server.addr().port())).to_string()]
    );
    assert_eq!(r.delivery.outcome, "accepted");
    assert!(dns.udp_queries() >= 2);
}
