//! The `--tls-scan` driver against scripted TLS servers on 127.0.0.1: each connection gets
//! the SMTP preamble (when STARTTLS), then a hand-built ServerHello flight or alert chosen
//! from the ClientHello it received, exactly as a real server of that configuration would.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use smtping_client::runtime::tokio::Tokio;
use smtping_client::tls::scan::{
    Preference, ProbeOutcome, ScanOptions, ScanTransport, ScanVersion, Strength, TlsScan, scan,
};
use smtping_proto::tls_probe::{KeyExchange, suite};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How a scripted server behaves.
#[derive(Clone)]
struct Policy {
    starttls: bool,
    offer_starttls: bool,
    /// Bytes sent right after STARTTLS's 220 (response injection).
    inject: bool,
    /// Wire versions accepted (0x0300..=0x0304).
    versions: Vec<u16>,
    /// Suites accepted, in the server's order.
    suites: Vec<u16>,
    server_order: bool,
    /// DH prime size for DHE suites.
    dh_bits: usize,
    /// Close the connection on the hello instead of answering.
    close_on_hello: bool,
    /// Never send anything.
    stall: bool,
    /// Send the answer one byte per write (and a multi-line greeting).
    dribble: bool,
}

impl Policy {
    fn modern() -> Self {
        Self {
            starttls: true,
            offer_starttls: true,
            inject: false,
            versions: vec![0x0303, 0x0304],
            suites: vec![0x1302, 0x1301, 0xC030, 0xC02F],
            server_order: true,
            dh_bits: 2048,
            close_on_hello: false,
            stall: false,
            dribble: false,
        }
    }
}

struct Hello {
    version: u16,
    suites: Vec<u16>,
    tls13: bool,
}

fn parse_hello(record: &[u8]) -> Hello {
    let b = &record[9..];
    let version = u16::from_be_bytes([b[0], b[1]]);
    let mut at = 34;
    at += 1 + usize::from(b[at]);
    let n = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    let suites = b[at + 2..at + 2 + n]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    at += 2 + n;
    at += 1 + usize::from(b[at]);
    let mut tls13 = false;
    if at + 2 <= b.len() {
        at += 2;
        while at + 4 <= b.len() {
            let kind = u16::from_be_bytes([b[at], b[at + 1]]);
            let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
            if kind == 43 && b[at + 4..at + 4 + len].windows(2).any(|w| w == [3, 4]) {
                tls13 = true;
            }
            at += 4 + len;
        }
    }
    Hello {
        version,
        suites,
        tls13,
    }
}

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn record(kind: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    payload
        .chunks(16_000)
        .flat_map(|c| {
            let mut out = vec![kind];
            out.extend_from_slice(&version.to_be_bytes());
            out.extend_from_slice(&(c.len() as u16).to_be_bytes());
            out.extend_from_slice(c);
            out
        })
        .collect()
}

fn alert(code: u8) -> Vec<u8> {
    record(21, 0x0301, &[2, code])
}

fn server_hello(version: u16, suite: u16, exts: &[u8]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&[0x42; 32]);
    b.push(0);
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    b.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    b.extend_from_slice(exts);
    handshake(2, &b)
}

fn answer(policy: &Policy, hello: &Hello, cert: &[u8]) -> Vec<u8> {
    if hello.tls13 {
        if !policy.versions.contains(&0x0304) {
            return alert(70);
        }
        let Some(&chosen) = pick(policy, &hello.suites, 0x0304) else {
            return alert(40);
        };
        let mut exts = vec![0, 43, 0, 2, 3, 4, 0, 51, 0, 36, 0, 29, 0, 32];
        exts.extend_from_slice(&[9; 32]);
        let mut out = record(22, 0x0303, &server_hello(0x0303, chosen, &exts));
        out.extend(record(20, 0x0303, &[1]));
        return out;
    }
    let Some(version) = policy
        .versions
        .iter()
        .copied()
        .filter(|v| *v <= hello.version && *v < 0x0304)
        .max()
    else {
        return alert(70);
    };
    let Some(&chosen) = pick(policy, &hello.suites, version) else {
        return alert(40);
    };
    let info = suite(chosen).unwrap();
    let mut msgs = server_hello(version, chosen, &[0xFF, 0x01, 0, 1, 0]);
    let mut list = (cert.len() as u32).to_be_bytes()[1..].to_vec();
    list.extend_from_slice(cert);
    let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend_from_slice(&list);
    msgs.extend(handshake(11, &body));
    match info.key_exchange {
        KeyExchange::Ecdhe => {
            let mut ske = vec![3, 0, 29, 32];
            ske.extend_from_slice(&[5; 32]);
            ske.extend_from_slice(&[4, 3, 0, 2, 0, 0]);
            msgs.extend(handshake(12, &ske));
        }
        KeyExchange::Dhe => {
            let len = policy.dh_bits / 8;
            let mut ske = (len as u16).to_be_bytes().to_vec();
            ske.extend(std::iter::repeat_n(0xFF, len));
            ske.extend_from_slice(&[0, 1, 2, 0, 1, 7, 0, 2, 0, 0]);
            msgs.extend(handshake(12, &ske));
        }
        _ => {}
    }
    msgs.extend(handshake(14, &[]));
    record(22, version, &msgs)
}

fn pick<'a>(policy: &'a Policy, offered: &'a [u16], version: u16) -> Option<&'a u16> {
    let fits = |code: &u16| {
        let Some(info) = suite(*code) else {
            return false;
        };
        if version == 0x0304 {
            info.tls13_only()
        } else if version == 0x0303 {
            !info.tls13_only()
        } else {
            !info.needs_tls12()
        }
    };
    if policy.server_order {
        policy
            .suites
            .iter()
            .find(|s| offered.contains(s) && fits(s))
    } else {
        offered
            .iter()
            .find(|s| policy.suites.contains(s) && fits(s))
    }
}

async fn read_line(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while !line.ends_with(b"\r\n") {
        if stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        line.push(byte[0]);
    }
    Some(line)
}

async fn serve_one(mut stream: TcpStream, policy: Policy, cert: Arc<Vec<u8>>) -> Option<()> {
    if policy.stall {
        let mut sink = [0u8; 1024];
        while stream.read(&mut sink).await.ok()? > 0 {}
        return None;
    }
    if policy.starttls {
        let greeting: &[u8] = if policy.dribble {
            b"220-mx.test ESMTP\r\n220 welcome\r\n"
        } else {
            b"220 mx.test ESMTP\r\n"
        };
        stream.write_all(greeting).await.ok()?;
        let ehlo = read_line(&mut stream).await?;
        assert!(ehlo.starts_with(b"EHLO probe.test"));
        let caps: &[u8] = if policy.offer_starttls {
            b"250-mx.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
        } else {
            b"250-mx.test\r\n250 PIPELINING\r\n"
        };
        stream.write_all(caps).await.ok()?;
        let cmd = read_line(&mut stream).await?;
        if cmd != b"STARTTLS\r\n" {
            return None;
        }
        let go: &[u8] = if policy.inject {
            b"220 go ahead\r\n250 injected\r\n"
        } else {
            b"220 go ahead\r\n"
        };
        stream.write_all(go).await.ok()?;
    }
    let mut header = [0u8; 5];
    stream.read_exact(&mut header).await.ok()?;
    let len = usize::from(u16::from_be_bytes([header[3], header[4]]));
    let mut rec = header.to_vec();
    rec.resize(5 + len, 0);
    stream.read_exact(&mut rec[5..]).await.ok()?;
    if policy.close_on_hello {
        return None;
    }
    let hello = parse_hello(&rec);
    stream
        .write_all(&answer(&policy, &hello, &cert))
        .await
        .ok()?;
    let mut sink = [0u8; 256];
    while stream.read(&mut sink).await.ok()? > 0 {}
    Some(())
}

/// Starts a scripted server; returns its address and a connection counter.
async fn server(policy: Policy) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["mx.test".to_owned()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let der = Arc::new(cert.der().to_vec());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(serve_one(stream, policy.clone(), Arc::clone(&der)));
        }
    });
    (addr, count)
}

fn options(transport: ScanTransport) -> ScanOptions {
    ScanOptions::new(transport, "probe.test")
        .sni("mx.test")
        .pace(Duration::from_millis(1))
        .probe_timeout(Duration::from_secs(5))
}

async fn run(policy: Policy, options: ScanOptions) -> (TlsScan, usize) {
    let (addr, count) = server(policy).await;
    let result = tokio::time::timeout(Duration::from_secs(60), scan(&Tokio, addr, &options))
        .await
        .expect("the scan ends");
    (result, count.load(Ordering::SeqCst))
}

fn accepted(result: &TlsScan, version: ScanVersion) -> Option<bool> {
    result
        .versions
        .iter()
        .find(|v| v.version == version)
        .and_then(|v| v.accepted)
}

fn ids(result: &TlsScan) -> Vec<&'static str> {
    result.problems().iter().map(|p| p.finding_id()).collect()
}

#[tokio::test]
async fn legacy_server_over_starttls() {
    let policy = Policy {
        versions: vec![0x0301, 0x0302, 0x0303],
        // Server order: strong first, then static RSA, 3DES, RC4, a DHE suite.
        suites: vec![0xC02F, 0x002F, 0x000A, 0x0005, 0x0033],
        dh_bits: 1024,
        ..Policy::modern()
    };
    let (result, connections) = run(policy, options(ScanTransport::StartTls)).await;
    assert_eq!(result.error, None);
    assert_eq!(accepted(&result, ScanVersion::Tls13), Some(false));
    assert_eq!(accepted(&result, ScanVersion::Tls12), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Tls11), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Tls10), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Ssl3), Some(false));
    let names: Vec<&str> = result.ciphers.iter().map(|c| c.name.as_str()).collect();
    for want in [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_RC4_128_SHA",
        "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
        "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    let rc4 = result
        .ciphers
        .iter()
        .find(|c| c.name.contains("RC4"))
        .unwrap();
    assert_eq!(rc4.strength, Strength::Insufficient);
    assert_eq!(result.preference, Preference::Server);
    assert_eq!(result.group.as_deref(), Some("x25519"));
    assert_eq!(result.dh_bits, Some(1024));
    assert_eq!(result.grade, Some(Strength::Insufficient));
    let cert = result.certificate.as_ref().unwrap();
    assert_eq!(cert.key_type, "ECDSA");
    assert_eq!(cert.key_strength, Some(Strength::Good));
    let ids = ids(&result);
    for want in [
        "tls.legacy_version",
        "tls.weak_cipher",
        "tls.weak_key_exchange",
    ] {
        assert!(ids.contains(&want), "{want} in {ids:?}");
    }
    assert!(!ids.contains(&"tls.no_forward_secrecy"));
    assert!(!ids.contains(&"tls.no_server_preference"));
    assert!(result.connections <= 16);
    assert_eq!(
        result.connections, connections,
        "one server connection per probe"
    );
    assert_eq!(result.probes.len(), result.connections);
    // The JSON contract.
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["versions"][0]["version"], "TLSv1.3");
    assert_eq!(json["grade"], "insufficient");
    assert_eq!(json["preference"], "server");
    assert!(json["ciphers"][0]["strength"].is_string());
}

#[tokio::test]
async fn modern_server_with_implicit_tls_and_client_order() {
    let policy = Policy {
        starttls: false,
        server_order: false,
        ..Policy::modern()
    };
    let (result, _) = run(policy, options(ScanTransport::Implicit)).await;
    assert_eq!(result.error, None);
    assert_eq!(accepted(&result, ScanVersion::Tls13), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Tls12), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Tls10), Some(false));
    assert!(result.ciphers.iter().all(|c| c.forward_secrecy));
    assert_eq!(
        result.grade,
        Some(Strength::Sufficient),
        "TLS 1.2 is sufficient"
    );
    assert_eq!(result.group.as_deref(), Some("x25519"));
    assert_eq!(result.preference, Preference::Client);
    let ids = ids(&result);
    assert!(!ids.contains(&"tls.legacy_version"));
    assert!(!ids.contains(&"tls.weak_cipher"));
    assert!(ids.contains(&"tls.no_server_preference"), "{ids:?}");
}

#[tokio::test]
async fn answers_dribbled_one_byte_per_write_read_the_same() {
    let base = Policy {
        versions: vec![0x0301, 0x0303],
        suites: vec![0xC02F, 0x000A],
        ..Policy::modern()
    };
    let (whole, _) = run(base.clone(), options(ScanTransport::StartTls)).await;
    let dribbled_policy = Policy {
        dribble: true,
        ..base
    };
    let (dribbled, _) = run(dribbled_policy, options(ScanTransport::StartTls)).await;
    assert_eq!(dribbled.error, None);
    assert_eq!(dribbled.versions, whole.versions);
    assert_eq!(dribbled.ciphers, whole.ciphers);
    assert_eq!(dribbled.grade, whole.grade);
    assert_eq!(dribbled.certificate, whole.certificate);
    assert_eq!(accepted(&dribbled, ScanVersion::Tls10), Some(true));
}

#[tokio::test]
async fn static_rsa_only_server_has_no_forward_secrecy() {
    let policy = Policy {
        versions: vec![0x0303],
        suites: vec![0x009C, 0x002F],
        ..Policy::modern()
    };
    let (result, _) = run(policy, options(ScanTransport::StartTls)).await;
    let ids = ids(&result);
    assert!(ids.contains(&"tls.no_forward_secrecy"), "{ids:?}");
    assert_eq!(result.grade, Some(Strength::PhaseOut));
    assert_eq!(result.group, None);
}

#[tokio::test]
async fn server_that_closes_on_every_hello() {
    let policy = Policy {
        close_on_hello: true,
        ..Policy::modern()
    };
    let (result, connections) = run(policy, options(ScanTransport::StartTls)).await;
    assert_eq!(connections, 5, "the five version probes, nothing more");
    assert!(result.versions.iter().all(|v| v.accepted == Some(false)));
    assert!(
        result
            .probes
            .iter()
            .all(|p| p.outcome == ProbeOutcome::Closed)
    );
    assert_eq!(result.grade, None);
    assert!(result.ciphers.is_empty());
}

#[tokio::test]
async fn stalling_server_hits_the_deadline_and_the_scan_gives_up() {
    let policy = Policy {
        stall: true,
        ..Policy::modern()
    };
    let opts = options(ScanTransport::StartTls).probe_timeout(Duration::from_millis(200));
    let (result, connections) = run(policy, opts).await;
    assert_eq!(connections, 3, "three failures in a row end the scan");
    assert!(
        result
            .probes
            .iter()
            .all(|p| p.outcome == ProbeOutcome::Timeout)
    );
    assert!(result.error.as_deref().unwrap().contains("timed out"));
    assert!(result.versions.iter().all(|v| v.accepted.is_none()));
    assert!(ids(&result).contains(&"tls.scan_incomplete"));
}

#[tokio::test]
async fn no_starttls_offered_stops_after_one_connection() {
    let policy = Policy {
        offer_starttls: false,
        ..Policy::modern()
    };
    let (result, connections) = run(policy, options(ScanTransport::StartTls)).await;
    assert_eq!(connections, 1);
    assert!(result.error.as_deref().unwrap().contains("STARTTLS"));
}

#[tokio::test]
async fn bytes_after_the_starttls_220_are_injection() {
    let policy = Policy {
        inject: true,
        ..Policy::modern()
    };
    let (result, connections) = run(policy, options(ScanTransport::StartTls)).await;
    assert_eq!(connections, 1);
    assert!(result.error.as_deref().unwrap().contains("injection"));
}

#[tokio::test]
async fn the_connection_budget_is_a_hard_limit() {
    let policy = Policy {
        versions: vec![0x0301, 0x0302, 0x0303],
        suites: vec![0xC02F, 0x002F, 0x000A, 0x0005, 0x0033],
        ..Policy::modern()
    };
    let (result, connections) =
        run(policy, options(ScanTransport::StartTls).max_connections(3)).await;
    assert_eq!(connections, 3);
    assert_eq!(result.connections, 3);
    assert!(result.error.as_deref().unwrap().contains("budget"));
}

#[tokio::test]
async fn refused_connection_is_one_attempt() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let result = scan(&Tokio, addr, &options(ScanTransport::Implicit)).await;
    assert_eq!(result.connections, 1);
    assert!(result.error.as_deref().unwrap().starts_with("connecting"));
    assert_eq!(result.grade, None);
}

#[test]
fn grades_follow_internet_nl_for_ncsc_2_1() {
    use smtping_client::tls::scan::{
        certificate_key_strength, dh_strength, group_strength, signature_strength, suite_strength,
        version_strength,
    };
    use smtping_proto::tls_probe::{ProbeVersion, SUITES};
    let grade = |code| suite_strength(suite(code).unwrap());
    assert_eq!(grade(0x1302), Strength::Good);
    assert_eq!(grade(0xCCA8), Strength::Sufficient);
    assert_eq!(
        grade(0xC013),
        Strength::Sufficient,
        "ECDHE AES-CBC-SHA1 is sufficient in 2.1"
    );
    assert_eq!(grade(0x009E), Strength::Sufficient);
    assert_eq!(grade(0xC012), Strength::PhaseOut);
    assert_eq!(grade(0x009C), Strength::PhaseOut);
    assert_eq!(
        grade(0x0041),
        Strength::Insufficient,
        "Camellia is not in the lists"
    );
    assert_eq!(grade(0x0032), Strength::Insufficient, "DSS authentication");
    // Every NULL, anonymous, EXPORT, RC4 and DES suite is insufficient.
    for s in SUITES {
        if s.class <= smtping_proto::tls_probe::SuiteClass::Des {
            assert_eq!(suite_strength(s), Strength::Insufficient, "{}", s.name);
        }
    }
    assert_eq!(version_strength(ProbeVersion::Tls13), Strength::Good);
    assert_eq!(version_strength(ProbeVersion::Tls12), Strength::Sufficient);
    assert_eq!(version_strength(ProbeVersion::Tls11), Strength::PhaseOut);
    assert_eq!(version_strength(ProbeVersion::Ssl3), Strength::Insufficient);
    assert_eq!(group_strength(29), Strength::Good);
    assert_eq!(group_strength(21), Strength::PhaseOut);
    assert_eq!(group_strength(19), Strength::Insufficient);
    assert_eq!(dh_strength(4096), Strength::Sufficient);
    assert_eq!(dh_strength(2048), Strength::PhaseOut);
    assert_eq!(
        certificate_key_strength("RSA", Some(4096)),
        Some(Strength::Good)
    );
    assert_eq!(
        certificate_key_strength("ECDSA", Some(224)),
        Some(Strength::PhaseOut)
    );
    assert_eq!(
        certificate_key_strength("Ed25519", None),
        Some(Strength::Good)
    );
    assert_eq!(certificate_key_strength("X", None), None);
    assert_eq!(
        signature_strength("ecdsa-with-SHA384"),
        Some(Strength::Good)
    );
    assert_eq!(
        signature_strength("md5WithRSAEncryption"),
        Some(Strength::Insufficient)
    );
    assert_eq!(
        signature_strength("sha224WithRSAEncryption"),
        Some(Strength::PhaseOut)
    );
    assert!(Strength::Insufficient > Strength::PhaseOut && Strength::PhaseOut > Strength::Good);
}

#[test]
fn problems_have_ids_severities_and_words() {
    use smtping_client::Severity;
    use smtping_client::tls::scan::ScanProblem;
    let legacy = ScanProblem::LegacyVersion {
        version: ScanVersion::Tls10,
    };
    assert_eq!(legacy.finding_id(), "tls.legacy_version");
    assert_eq!(legacy.severity(), Severity::Warning);
    assert_eq!(legacy.to_string(), "the server still accepts TLSv1.0");
    assert!(legacy.remediation().contains("TLS 1.2"));
    let phase_out = ScanProblem::WeakCipher {
        version: ScanVersion::Tls12,
        name: "TLS_RSA_WITH_AES_128_GCM_SHA256".into(),
        strength: Strength::PhaseOut,
    };
    assert_eq!(phase_out.severity(), Severity::Info);
    assert!(phase_out.to_string().contains("phase out"));
}

/// A real TLS implementation on the other end: rustls's server, fed our raw hellos over a
/// loopback socket (implicit TLS). It proves the hellos are well formed and that the reader
/// understands what a real server sends.
async fn rustls_server(
    config: Arc<rustls::ServerConfig>,
) -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&count);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let config = Arc::clone(&config);
            tokio::spawn(async move {
                let mut conn = rustls::ServerConnection::new(config).unwrap();
                let mut buf = vec![0u8; 16 * 1024];
                loop {
                    let Ok(n) = stream.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    let mut input = &buf[..n];
                    while !input.is_empty() {
                        if conn.read_tls(&mut input).is_err() {
                            return;
                        }
                    }
                    let failed = conn.process_new_packets().is_err();
                    let mut out = Vec::new();
                    while conn.wants_write() {
                        if conn.write_tls(&mut out).is_err() {
                            break;
                        }
                    }
                    if stream.write_all(&out).await.is_err() || failed {
                        return;
                    }
                }
            });
        }
    });
    (addr, count)
}

#[tokio::test]
async fn against_rustls_with_an_rsa_certificate() {
    use smtping_testkit::certs::{KeyKind, Scenario, TestPki};
    let pki = TestPki::new().unwrap();
    let served = pki
        .server_cert_with_key(Scenario::Valid, &["mx.test"], KeyKind::Rsa2048)
        .unwrap();
    let (addr, count) = rustls_server(served.server_config().unwrap()).await;
    let result = tokio::time::timeout(
        Duration::from_secs(60),
        scan(&Tokio, addr, &options(ScanTransport::Implicit)),
    )
    .await
    .unwrap();
    assert_eq!(result.error, None, "{:#?}", result.probes);
    assert_eq!(accepted(&result, ScanVersion::Tls13), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Tls12), Some(true));
    assert_eq!(accepted(&result, ScanVersion::Tls11), Some(false));
    assert_eq!(accepted(&result, ScanVersion::Tls10), Some(false));
    assert_eq!(accepted(&result, ScanVersion::Ssl3), Some(false));
    assert!(
        result
            .ciphers
            .iter()
            .all(|c| c.forward_secrecy && c.class == "aead")
    );
    assert!(
        result
            .ciphers
            .iter()
            .any(|c| c.name == "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
    );
    assert_eq!(result.group.as_deref(), Some("x25519"));
    let cert = result
        .certificate
        .as_ref()
        .expect("the TLS 1.2 certificate, in clear");
    assert_eq!((cert.key_type.as_str(), cert.key_bits), ("RSA", Some(2048)));
    assert_eq!(cert.key_strength, Some(Strength::Sufficient));
    assert_eq!(cert.chain_length, 2);
    assert_eq!(result.grade, Some(Strength::Sufficient));
    let ids = ids(&result);
    assert!(
        !ids.contains(&"tls.legacy_version") && !ids.contains(&"tls.weak_cipher"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"tls.scan_incomplete"), "{ids:?}");
    assert_eq!(result.connections, count.load(Ordering::SeqCst));
    assert!(result.connections <= 16);
}
