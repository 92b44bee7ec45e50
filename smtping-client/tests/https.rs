//! The MTA-STS policy fetch end to end: a tokio-rustls HTTPS server on 127.0.0.1 with a
//! certificate from the test PKI, and `fetch_mta_sts_policy` over the tokio runtime
//! with strict verification.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use smtping_client::net::dns::Resolver;
use smtping_client::net::https::{HttpsError, HttpsOptions, fetch_mta_sts_policy};
use smtping_client::runtime::tokio::Tokio;
use smtping_client::tls::{TlsOptions, TrustStore};
use smtping_signals::dkim::Status;
use smtping_signals::mta_sts::{FetchFailureKind, MtaStsReport, MxHostCheck, StsDiscovery};
use smtping_signals::{MtaStsEvaluator, evaluate_with};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, MemoryDns, Zone};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

const DOMAIN: &str = "example.test";
const HOST: &str = "mta-sts.example.test";
const POLICY: &str = "version: STSv1\r\nmode: enforce\r\nmx: mx1.example.test\r\nmx: *.mail.example.test\r\nmax_age: 1209600\r\n";

/// What the server answers.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Policy,
    PolicyChunked,
    NotFound,
    Redirect,
    Html,
    Oversized,
    OversizedClose,
    Silent,
    /// Close-delimited, ended with close_notify.
    PolicyClose,
    /// Close-delimited, the TCP connection cut without close_notify.
    PolicyCut,
}

fn response(answer: Answer) -> Vec<u8> {
    let with = |status: &str, headers: &str, body: &[u8]| {
        let mut out = format!(
            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        out
    };
    match answer {
        Answer::Policy => with(
            "200 OK",
            "Content-Type: text/plain; charset=utf-8\r\n",
            POLICY.as_bytes(),
        ),
        Answer::PolicyChunked => {
            let (a, b) = POLICY.split_at(20);
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{a}\r\n{:x}\r\n{b}\r\n0\r\n\r\n",
                a.len(),
                b.len()
            )
            .into_bytes()
        }
        Answer::NotFound => with("404 Not Found", "Content-Type: text/plain\r\n", b"none"),
        Answer::Redirect => with(
            "301 Moved Permanently",
            "Location: https://elsewhere.example.test/.well-known/mta-sts.txt\r\nContent-Type: text/plain\r\n",
            b"",
        ),
        Answer::Html => with("200 OK", "Content-Type: text/html\r\n", POLICY.as_bytes()),
        Answer::Oversized => with(
            "200 OK",
            "Content-Type: text/plain\r\n",
            &vec![b'#'; 100_000],
        ),
        Answer::OversizedClose => {
            let mut out =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                    .to_vec();
            out.extend_from_slice(&vec![b'#'; 100_000]);
            out
        }
        Answer::Silent => Vec::new(),
        Answer::PolicyClose | Answer::PolicyCut => {
            let mut out =
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                    .to_vec();
            out.extend_from_slice(POLICY.as_bytes());
            out
        }
    }
}

/// Serves `answer` over TLS with a certificate of `scenario` for [`HOST`]; returns the
/// address.
async fn serve(pki: &TestPki, scenario: Scenario, answer: Answer) -> SocketAddr {
    let cert = pki.server_cert(scenario, &[HOST]).expect("certificate");
    let acceptor = TlsAcceptor::from(cert.server_config().expect("server config"));
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                    if request.len() > 16 * 1024 {
                        return;
                    }
                }
                let text = String::from_utf8_lossy(&request);
                assert!(
                    text.starts_with("GET /.well-known/mta-sts.txt HTTP/1.1\r\n"),
                    "{text}"
                );
                assert!(
                    text.contains("\r\nHost: mta-sts.example.test\r\n"),
                    "{text}"
                );
                if matches!(answer, Answer::Silent) {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    return;
                }
                // The client may stop reading early (a refused head); errors are fine.
                let _ = tls.write_all(&response(answer)).await;
                let _ = tls.flush().await;
                if matches!(answer, Answer::PolicyCut) {
                    let (mut tcp, _) = tls.into_inner();
                    let _ = tcp.shutdown().await;
                    return;
                }
                let _ = tls.shutdown().await;
            });
        }
    });
    addr
}

fn trusting(pki: &TestPki) -> (TlsOptions, TrustStore) {
    let tls = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false)
        .root(pki.ca_cert_der());
    let trust = TrustStore::load(&tls).expect("trust store");
    (tls, trust)
}

fn no_dns() -> Resolver {
    // Never asked: every fetch below connects to an explicit address.
    Resolver::with_servers(["127.0.0.1:9".parse().unwrap()])
}

async fn fetch(
    pki: &TestPki,
    scenario: Scenario,
    answer: Answer,
    timeout: Duration,
) -> Result<smtping_client::net::https::HttpsResponse, HttpsError> {
    let addr = serve(pki, scenario, answer).await;
    let (tls, trust) = trusting(pki);
    let options = HttpsOptions::default().connect_to(addr).timeout(timeout);
    fetch_mta_sts_policy(&Tokio, &no_dns(), &tls, &trust, DOMAIN, &options).await
}

fn discovery() -> StsDiscovery {
    let dns =
        MemoryDns::new(Zone::new().txt("_mta-sts.example.test", "v=STSv1; id=20240101")).unwrap();
    evaluate_with(MtaStsEvaluator::new(DOMAIN), |q| dns.resolve(q)).unwrap()
}

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn fetches_a_valid_policy_and_assesses_it() {
    let pki = TestPki::new().unwrap();
    let fetched = fetch(&pki, Scenario::Valid, Answer::Policy, LIMIT)
        .await
        .expect("fetched");
    assert_eq!(fetched.head.status, 200);
    assert_eq!(fetched.body, POLICY.as_bytes());

    let hosts = [
        MxHostCheck::new("mx1.example.test", Some(true)),
        MxHostCheck::new("eu.mail.example.test", Some(true)),
        MxHostCheck::new("mx9.example.test", Some(true)),
    ];
    let report = MtaStsReport::assess(discovery(), Some(Ok(&fetched.body)), &hosts);
    assert_eq!(report.status, Status::Red);
    assert!(report.hosts[0].matched && report.hosts[1].matched && !report.hosts[2].matched);
    assert_eq!(report.problems[0].finding_id(), "mta_sts.mx_not_covered");
}

#[tokio::test]
async fn chunked_policy() {
    let pki = TestPki::new().unwrap();
    let fetched = fetch(&pki, Scenario::Valid, Answer::PolicyChunked, LIMIT)
        .await
        .expect("fetched");
    assert_eq!(fetched.body, POLICY.as_bytes());
}

#[tokio::test]
async fn resolves_the_policy_host_through_dns() {
    let pki = TestPki::new().unwrap();
    let addr = serve(&pki, Scenario::Valid, Answer::Policy).await;
    let dns = DnsResponder::start(Zone::new().a(HOST, Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let resolver = Resolver::new(dns.resolver_config());
    let (tls, trust) = trusting(&pki);
    let options = HttpsOptions::default().port(addr.port()).timeout(LIMIT);
    let fetched = fetch_mta_sts_policy(&Tokio, &resolver, &tls, &trust, DOMAIN, &options)
        .await
        .expect("fetched");
    assert_eq!(fetched.address, addr);
    assert!(dns.udp_queries() >= 1);
}

#[tokio::test]
async fn unknown_host_is_a_dns_failure() {
    let pki = TestPki::new().unwrap();
    let dns = DnsResponder::start(Zone::new().a("other.example.test", Ipv4Addr::LOCALHOST))
        .await
        .unwrap();
    let resolver = Resolver::new(dns.resolver_config());
    let (tls, trust) = trusting(&pki);
    let err = fetch_mta_sts_policy(
        &Tokio,
        &resolver,
        &tls,
        &trust,
        DOMAIN,
        &HttpsOptions::default().timeout(LIMIT),
    )
    .await
    .unwrap_err();
    assert_eq!(err.failure().kind, FetchFailureKind::Dns, "{err}");
}

#[tokio::test]
async fn not_found_is_refused() {
    let pki = TestPki::new().unwrap();
    let err = fetch(&pki, Scenario::Valid, Answer::NotFound, LIMIT)
        .await
        .unwrap_err();
    let failure = err.failure();
    assert_eq!(failure.kind, FetchFailureKind::HttpStatus, "{err}");
    assert_eq!(failure.status, Some(404));
    let report = MtaStsReport::assess(discovery(), Some(Err(failure)), &[]);
    assert_eq!(
        report.problems[0].finding_id(),
        "mta_sts.policy_fetch_failed"
    );
    assert_eq!(report.status, Status::Red);
}

#[tokio::test]
async fn redirect_is_not_followed() {
    let pki = TestPki::new().unwrap();
    let err = fetch(&pki, Scenario::Valid, Answer::Redirect, LIMIT)
        .await
        .unwrap_err();
    let failure = err.failure();
    assert_eq!(failure.kind, FetchFailureKind::Redirect, "{err}");
    assert_eq!(failure.status, Some(301));
    assert!(
        failure.message.contains("elsewhere.example.test"),
        "{failure}"
    );
}

#[tokio::test]
async fn wrong_content_type_is_refused() {
    let pki = TestPki::new().unwrap();
    let err = fetch(&pki, Scenario::Valid, Answer::Html, LIMIT)
        .await
        .unwrap_err();
    assert_eq!(err.failure().kind, FetchFailureKind::ContentType, "{err}");
    assert!(err.to_string().contains("text/html"), "{err}");
}

#[tokio::test]
async fn oversized_body_is_refused() {
    let pki = TestPki::new().unwrap();
    for answer in [Answer::Oversized, Answer::OversizedClose] {
        let err = fetch(&pki, Scenario::Valid, answer, LIMIT)
            .await
            .unwrap_err();
        assert_eq!(
            err.failure().kind,
            FetchFailureKind::TooLarge,
            "{answer:?}: {err}"
        );
    }
}

#[tokio::test]
async fn slow_server_hits_the_time_limit() {
    let pki = TestPki::new().unwrap();
    let err = fetch(
        &pki,
        Scenario::Valid,
        Answer::Silent,
        Duration::from_millis(500),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, HttpsError::Timeout { .. }), "{err}");
    assert_eq!(err.failure().kind, FetchFailureKind::Timeout);
}

#[tokio::test]
async fn untrusted_certificate_is_refused() {
    let pki = TestPki::new().unwrap();
    for scenario in [
        Scenario::UntrustedIssuer,
        Scenario::HostnameMismatch,
        Scenario::Expired,
        Scenario::SelfSigned,
    ] {
        let err = fetch(&pki, scenario, Answer::Policy, LIMIT)
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpsError::Handshake { .. }),
            "{scenario:?}: {err}"
        );
        assert_eq!(
            err.failure().kind,
            FetchFailureKind::Certificate,
            "{scenario:?}: {err}"
        );
        assert!(
            err.to_string().contains(scenario.expected()),
            "{scenario:?}: {err}"
        );
    }
}

#[tokio::test]
async fn ca_file_anchors_are_trusted() {
    let pki = TestPki::new().unwrap();
    let addr = serve(&pki, Scenario::Valid, Answer::Policy).await;
    let path = std::env::temp_dir().join(format!("smtping-https-ca-{}.pem", std::process::id()));
    std::fs::write(&path, pki.ca_cert_pem()).unwrap();
    let tls = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false)
        .ca_file(&path);
    let trust = TrustStore::load(&tls).unwrap();
    let _ = std::fs::remove_file(&path);
    let options = HttpsOptions::default().connect_to(addr).timeout(LIMIT);
    let fetched = fetch_mta_sts_policy(&Tokio, &no_dns(), &tls, &trust, DOMAIN, &options)
        .await
        .expect("fetched");
    assert_eq!(fetched.body, POLICY.as_bytes());

    // Without the anchor the same server is untrusted.
    let bare = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false);
    let empty = TrustStore::load(&bare).unwrap();
    let err = fetch_mta_sts_policy(&Tokio, &no_dns(), &bare, &empty, DOMAIN, &options)
        .await
        .unwrap_err();
    assert_eq!(err.failure().kind, FetchFailureKind::Certificate, "{err}");
}

#[tokio::test]
async fn refused_connection_is_a_connect_failure() {
    // A port nothing listens on: bind, note it, close.
    let port = {
        let l = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let pki = TestPki::new().unwrap();
    let (tls, trust) = trusting(&pki);
    let options = HttpsOptions::default()
        .connect_to(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .timeout(LIMIT);
    let err = fetch_mta_sts_policy(&Tokio, &no_dns(), &tls, &trust, DOMAIN, &options)
        .await
        .unwrap_err();
    assert_eq!(err.failure().kind, FetchFailureKind::Connect, "{err}");
}

#[tokio::test]
async fn close_delimited_policy_needs_close_notify() {
    let pki = TestPki::new().unwrap();
    let fetched = fetch(&pki, Scenario::Valid, Answer::PolicyClose, LIMIT)
        .await
        .expect("fetched");
    assert_eq!(fetched.body, POLICY.as_bytes());
    // Cut without close_notify: possibly truncated, so refused.
    let err = fetch(&pki, Scenario::Valid, Answer::PolicyCut, LIMIT)
        .await
        .unwrap_err();
    assert!(matches!(err, HttpsError::Io { .. }), "{err}");
}
