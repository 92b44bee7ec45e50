//! In-memory handshakes between the diagnosing client configuration and rustls servers
//! serving the test PKI's certificates. No sockets: bytes move with `write_tls`/`read_tls`
//! in a bounded loop.

use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{SystemTime, UNIX_EPOCH};

use rustls::client::ClientConnectionData;
use rustls::server::ServerConnectionData;
use rustls::{ClientConnection, ConnectionCommon, ServerConnection, SideData};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use super::inspect::{rfc3339, sha256_hex};
use super::*;
use smtping_testkit::certs::{KeyKind, MISMATCH_NAME, Scenario, ServerCert, TestPki};

const NAME: &str = "mx.test";
const MAX_ROUNDS: usize = 32;

fn pki() -> &'static TestPki {
    static PKI: OnceLock<TestPki> = OnceLock::new();
    PKI.get_or_init(|| TestPki::new().expect("test PKI"))
}

fn served(scenario: Scenario) -> &'static ServerCert {
    static CERTS: OnceLock<Vec<ServerCert>> = OnceLock::new();
    let all = CERTS.get_or_init(|| {
        Scenario::ALL
            .iter()
            .map(|scenario| pki().server_cert(*scenario, &[NAME]).expect("server cert"))
            .collect()
    });
    all.iter()
        .find(|cert| cert.scenario == scenario)
        .expect("every scenario is made")
}

/// Client options trusting only the test root, at the PKI's reference time.
fn options() -> TlsOptions {
    TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false)
        .root(pki().ca_cert_der())
        .fixed_time(pki().reference_time())
}

#[derive(Debug, Default)]
struct Pumped {
    client: Option<rustls::Error>,
    server: Option<rustls::Error>,
}

/// Feeds `bytes` into a connection, processing as it goes.
fn feed<D: SideData>(conn: &mut ConnectionCommon<D>, bytes: &[u8]) -> Result<(), rustls::Error> {
    let mut rest = bytes;
    for _ in 0..MAX_ROUNDS * 4 {
        if rest.is_empty() {
            break;
        }
        let read = conn
            .read_tls(&mut rest)
            .map_err(|error| rustls::Error::General(error.to_string()))?;
        conn.process_new_packets()?;
        if read == 0 {
            break;
        }
    }
    Ok(())
}

fn drain<D: SideData>(conn: &mut ConnectionCommon<D>) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..MAX_ROUNDS {
        if !conn.wants_write() {
            break;
        }
        conn.write_tls(&mut out)
            .expect("writing to a Vec cannot fail");
    }
    out
}

/// Moves bytes both ways until both sides are done or one fails (and its alert is delivered).
fn pump(client: &mut ClientConnection, server: &mut ServerConnection) -> Pumped {
    let mut pumped = Pumped::default();
    for _ in 0..MAX_ROUNDS {
        let to_server = drain::<ClientConnectionData>(client);
        if !to_server.is_empty()
            && pumped.server.is_none()
            && let Err(error) = feed::<ServerConnectionData>(server, &to_server)
        {
            pumped.server = Some(error);
        }
        let to_client = drain::<ServerConnectionData>(server);
        if !to_client.is_empty()
            && pumped.client.is_none()
            && let Err(error) = feed::<ClientConnectionData>(client, &to_client)
        {
            pumped.client = Some(error);
        }
        let idle = to_server.is_empty() && to_client.is_empty();
        let done = !client.is_handshaking() && !server.is_handshaking();
        if idle && (done || pumped.client.is_some() || pumped.server.is_some()) {
            break;
        }
        if idle && !client.wants_write() && !server.wants_write() {
            break;
        }
    }
    pumped
}

struct Run {
    setup: TlsSetup,
    name: TargetName,
    client: ClientConnection,
    server: ServerConnection,
    pumped: Pumped,
}

impl Run {
    fn completed(&self) -> bool {
        self.pumped.client.is_none()
            && self.pumped.server.is_none()
            && !self.client.is_handshaking()
            && !self.server.is_handshaking()
    }

    fn record(&self) -> VerificationRecord {
        self.setup.verification.get().expect("the verifier ran")
    }

    fn details(&self) -> TlsDetails {
        tls_details(&self.client, self.name.sni.as_deref(), Some(&self.record()))
    }
}

fn handshake_with(
    options: &TlsOptions,
    host: &str,
    server_config: Arc<rustls::ServerConfig>,
) -> Run {
    let setup = build_client_config(options).expect("client config");
    let name = options.server_name(host).expect("server name");
    let mut client =
        ClientConnection::new(Arc::clone(&setup.config), name.server_name.clone()).expect("client");
    let mut server = ServerConnection::new(server_config).expect("server");
    let pumped = pump(&mut client, &mut server);
    Run {
        setup,
        name,
        client,
        server,
        pumped,
    }
}

fn handshake(options: &TlsOptions, host: &str, cert: &ServerCert) -> Run {
    handshake_with(options, host, cert.server_config().expect("server config"))
}

fn wrapped(error: &rustls::Error) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, error.clone())
}

#[test]
fn every_verdict_in_diagnose_mode_completes_and_is_named() {
    for scenario in Scenario::ALL {
        let cert = served(scenario);
        let run = handshake(&options(), NAME, cert);
        assert!(run.completed(), "{scenario:?}: {:?}", run.pumped);
        let record = run.record();
        // The testkit names the verdict; the same name in the report's spelling.
        let expected: Verification =
            serde_json::from_value(serde_json::Value::from(scenario.expected())).unwrap();
        assert_eq!(
            record.verification, expected,
            "{scenario:?}: {}",
            record.detail
        );
        assert!(record.accepted, "{scenario:?}");
        assert_eq!(record.mode, VerifyMode::Diagnose);
        assert_eq!(record.server_name, NAME);
        assert_eq!(
            record.chain, cert.chain,
            "{scenario:?}: chain captured as presented"
        );
        if expected.is_valid() {
            assert!(record.problems.is_empty(), "{scenario:?}");
            assert!(record.verifier_error.is_none());
            assert!(record.is_trusted());
        } else {
            assert_eq!(
                record.problems,
                vec![expected],
                "{scenario:?}: {}",
                record.detail
            );
            assert!(record.verifier_error.is_some(), "{scenario:?}");
            assert!(!record.is_trusted());
        }

        let details = run.details();
        assert_eq!(details.version, "TLSv1.3");
        assert!(
            details.cipher_suite.starts_with("TLS13_"),
            "{}",
            details.cipher_suite
        );
        assert_eq!(details.sni.as_deref(), Some(NAME));
        assert_eq!(details.alpn, None);
        assert_eq!(details.verification, expected);
        assert_eq!(details.problems, record.problems);
        assert_eq!(details.verification_detail, record.detail);
        assert_eq!(details.chain.len(), cert.chain.len());
        let summary = details.certificate().expect("leaf present");
        assert_eq!(summary.verification, expected);
        assert_eq!(summary.chain_length, cert.chain.len());
        let expected_cn = if scenario == Scenario::HostnameMismatch {
            MISMATCH_NAME
        } else {
            NAME
        };
        assert!(
            summary.subject.contains(&format!("CN={expected_cn}")),
            "{}",
            summary.subject
        );
        assert_eq!(run.server.server_name(), Some(NAME));
    }
}

#[test]
fn every_bad_verdict_in_strict_mode_fails_the_handshake() {
    for scenario in Scenario::ALL {
        let options = options().verify_mode(VerifyMode::Strict);
        let run = handshake(&options, NAME, served(scenario));
        let record = run.record();
        assert_eq!(
            record.verification.as_str(),
            scenario.expected(),
            "{scenario:?}"
        );
        assert_eq!(record.mode, VerifyMode::Strict);
        if scenario == Scenario::Valid {
            assert!(run.completed(), "{:?}", run.pumped);
            assert!(record.accepted);
            continue;
        }
        assert!(!record.accepted, "{scenario:?}");
        let error = run.pumped.client.as_ref().expect("strict client refuses");
        assert!(
            matches!(error, rustls::Error::InvalidCertificate(_)),
            "{scenario:?}: {error:?}"
        );
        let failure = classify_handshake_error(&wrapped(error));
        assert_eq!(
            failure.kind,
            HandshakeFailureKind::Certificate,
            "{scenario:?}"
        );
        assert!(
            failure.message.contains("certificate"),
            "{}",
            failure.message
        );
        // The server hears about it as an alert.
        assert!(run.pumped.server.is_some(), "{scenario:?}");
    }
}

#[test]
fn validity_dates_and_days_remaining_are_exact() {
    let reference = UNIX_EPOCH
        .elapsed()
        .map(|since| i64::try_from(since.as_secs()).unwrap())
        .unwrap();
    let pki_reference = i64::try_from(
        pki()
            .reference_time()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    assert!((reference - pki_reference).abs() < 3600 * 24);
    let day = 86_400;
    for (scenario, from, to, remaining) in [
        (Scenario::Valid, -day, 90 * day, 90),
        (Scenario::Expired, -400 * day, -10 * day, -10),
        (Scenario::NotYetValid, 10 * day, 400 * day, 400),
    ] {
        let run = handshake(&options(), NAME, served(scenario));
        let leaf = run.details().chain[0].clone();
        assert_eq!(
            leaf.not_before,
            rfc3339(pki_reference + from),
            "{scenario:?}"
        );
        assert_eq!(leaf.not_after, rfc3339(pki_reference + to), "{scenario:?}");
        assert_eq!(leaf.days_remaining, remaining, "{scenario:?}");
    }
    let expired = handshake(&options(), NAME, served(Scenario::Expired)).record();
    assert!(expired.detail.contains("expired on"), "{}", expired.detail);
    assert!(
        expired.detail.contains("10 day(s) ago"),
        "{}",
        expired.detail
    );
}

/// Runs the verifier directly on a served chain.
fn diagnose(
    roots: rustls::RootCertStore,
    chain: &[CertificateDer<'static>],
    name: &str,
) -> VerificationRecord {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = DiagnosingVerifier::new(
        Arc::new(roots),
        &provider,
        VerifyMode::Diagnose,
        VerificationHandle::new(),
    );
    let name = ServerName::try_from(name.to_owned()).unwrap();
    let now =
        UnixTime::since_unix_epoch(pki().reference_time().duration_since(UNIX_EPOCH).unwrap());
    let (record, result) = verifier.diagnose(&chain[0], &chain[1..], &name, now);
    assert_eq!(result.is_ok(), record.verification.is_valid());
    record
}

#[test]
fn several_problems_are_all_reported_in_precedence_order() {
    let expired = &served(Scenario::Expired).chain;
    let record = diagnose(pki().root_store(), expired, "other.test");
    assert_eq!(
        record.problems,
        vec![Verification::Expired, Verification::HostnameMismatch]
    );
    assert!(
        record.detail.contains("not for the server name other.test"),
        "{}",
        record.detail
    );
    assert!(record.detail.contains(NAME), "{}", record.detail);

    // webpki stops at the date; trust is checked again inside the validity window.
    let mut foreign = rustls::RootCertStore::empty();
    foreign.add(pki().untrusted_root_der()).unwrap();
    let record = diagnose(foreign, expired, NAME);
    assert_eq!(
        record.problems,
        vec![Verification::IncompleteChain, Verification::Expired]
    );
    assert_eq!(record.verification, Verification::IncompleteChain);

    let record = diagnose(
        pki().root_store(),
        &served(Scenario::SelfSigned).chain,
        "other.test",
    );
    assert_eq!(
        record.problems,
        vec![Verification::SelfSigned, Verification::HostnameMismatch]
    );

    let record = diagnose(
        pki().root_store(),
        &served(Scenario::UntrustedIssuer).chain,
        "other.test",
    );
    assert_eq!(
        record.problems,
        vec![
            Verification::UntrustedIssuer,
            Verification::HostnameMismatch
        ]
    );
    assert!(
        record.detail.contains("SMTPing Untrusted Root CA"),
        "{}",
        record.detail
    );

    let record = diagnose(
        pki().root_store(),
        &served(Scenario::NotYetValid).chain,
        NAME,
    );
    assert_eq!(record.problems, vec![Verification::NotYetValid]);
}

#[test]
fn no_trust_anchors_means_untrusted_not_an_error() {
    let options = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false)
        .fixed_time(pki().reference_time());
    let trust = TrustStore::load(&options).unwrap();
    assert!(trust.is_empty());
    assert!(
        trust
            .notes()
            .iter()
            .any(|note| note.contains("no trust anchors"))
    );
    let run = handshake(&options, NAME, served(Scenario::Valid));
    assert!(run.completed());
    let record = run.record();
    assert_eq!(record.verification, Verification::IncompleteChain);
    assert!(
        record.detail.contains("no trust anchors"),
        "{}",
        record.detail
    );
}

#[test]
fn ip_address_targets_send_no_sni_and_match_ip_sans() {
    for host in ["127.0.0.1", "::1", "[::1]"] {
        let run = handshake(&options(), host, served(Scenario::Valid));
        assert!(run.completed(), "{host}");
        assert_eq!(
            run.server.server_name(),
            None,
            "{host}: no SNI for IP addresses"
        );
        assert_eq!(run.name.sni, None);
        let details = run.details();
        assert_eq!(details.sni, None);
        assert_eq!(
            details.verification,
            Verification::Valid,
            "{host}: {}",
            details.verification_detail
        );
        assert!(details.chain[0].sans.contains(&"127.0.0.1".to_owned()));
        assert!(details.chain[0].sans.contains(&"::1".to_owned()));
    }
    let run = handshake(&options(), "127.0.0.1", served(Scenario::HostnameMismatch));
    let record = run.record();
    assert_eq!(record.verification, Verification::HostnameMismatch);
    assert!(record.detail.contains("127.0.0.1"), "{}", record.detail);
}

#[test]
fn trailing_dot_and_case_are_normalised() {
    let run = handshake(&options(), "MX.Test.", served(Scenario::Valid));
    assert!(run.completed());
    assert_eq!(run.server.server_name(), Some(NAME));
    assert_eq!(run.record().server_name, NAME);
    assert_eq!(run.details().sni.as_deref(), Some(NAME));
    assert_eq!(run.details().verification, Verification::Valid);
}

#[test]
fn sni_override_is_sent_and_verified() {
    let run = handshake(
        &options().sni("MX.test."),
        "127.0.0.1",
        served(Scenario::Valid),
    );
    assert!(run.completed());
    assert_eq!(run.server.server_name(), Some(NAME));
    assert_eq!(run.details().sni.as_deref(), Some(NAME));
    assert_eq!(run.record().server_name, NAME);
    assert_eq!(run.record().verification, Verification::Valid);

    let run = handshake(
        &options().sni("elsewhere.test"),
        NAME,
        served(Scenario::Valid),
    );
    assert_eq!(run.server.server_name(), Some("elsewhere.test"));
    assert_eq!(run.record().verification, Verification::HostnameMismatch);
}

#[test]
fn server_names_are_validated() {
    let name = server_name_for("mx.example.org.", None).unwrap();
    assert_eq!(name.sni.as_deref(), Some("mx.example.org"));
    assert_eq!(name.verified_as, "mx.example.org");
    assert!(matches!(name.server_name, ServerName::DnsName(_)));
    let ip = server_name_for(" 2001:db8::25 ", None).unwrap();
    assert!(matches!(ip.server_name, ServerName::IpAddress(_)));
    assert_eq!(ip.sni, None);
    for bad in [
        "",
        " ",
        ".",
        "mx.example.org..",
        "bad name",
        "exa mple.org",
        "mx_.ex!ample",
        "bücher.de",
    ] {
        let error = server_name_for(bad, None).unwrap_err();
        assert!(
            matches!(error, TlsError::InvalidServerName { .. }),
            "{bad:?}"
        );
        assert!(
            error.to_string().contains("not a valid TLS server name"),
            "{error}"
        );
    }
    let long = format!("{}.org", "a".repeat(260));
    assert!(server_name_for(&long, None).is_err());
    // The override wins even when the host is invalid.
    assert!(server_name_for("not valid", Some("mx.test")).is_ok());
    assert!(server_name_for("mx.test", Some("not valid")).is_err());
}

/// A temporary file removed on drop; unique per process and call.
struct TempFile(PathBuf);

impl TempFile {
    fn new(contents: &[u8]) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|since| since.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "smtping-tls-test-{}-{}-{}.pem",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            nanos
        ));
        std::fs::write(&path, contents).expect("write temp file");
        Self(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn ca_file_from_disk_is_trusted() {
    let file = TempFile::new(pki().ca_cert_pem().as_bytes());
    let options = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false)
        .ca_file(&file.0)
        .fixed_time(pki().reference_time());
    let trust = TrustStore::load(&options).unwrap();
    assert_eq!(trust.len(), 1);
    let run = handshake(&options, NAME, served(Scenario::Valid));
    assert!(run.completed());
    assert_eq!(run.record().verification, Verification::Valid);

    // A bundle with several certificates (and text around them) works too.
    let bundle = format!(
        "# test bundle\n{}\n{}",
        pki().ca_cert_pem(),
        pki().intermediate_cert_pem()
    );
    let file = TempFile::new(bundle.as_bytes());
    let trust = TrustStore::load(
        &TlsOptions::default()
            .use_webpki_roots(false)
            .use_native_roots(false)
            .ca_file(&file.0),
    )
    .unwrap();
    assert_eq!(trust.len(), 2);
}

#[test]
fn bad_ca_files_are_typed_errors_naming_the_file() {
    let base = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false);

    let empty = TempFile::new(b"this is not PEM at all\n");
    let error = TrustStore::load(&base.clone().ca_file(&empty.0)).unwrap_err();
    assert!(matches!(error, TlsError::CaFileEmpty { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&empty.0.display().to_string()),
        "{error}"
    );

    let broken = TempFile::new(b"-----BEGIN CERTIFICATE-----\nMIIB\n");
    let error = TrustStore::load(&base.clone().ca_file(&broken.0)).unwrap_err();
    assert!(matches!(error, TlsError::CaFileParse { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&broken.0.display().to_string()),
        "{error}"
    );

    let garbage_der = TempFile::new(
        b"-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n",
    );
    let error = TrustStore::load(&base.clone().ca_file(&garbage_der.0)).unwrap_err();
    assert!(
        matches!(error, TlsError::CaFileCertificate { index: 1, .. }),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains(&garbage_der.0.display().to_string()),
        "{error}"
    );

    let missing =
        std::env::temp_dir().join(format!("smtping-tls-missing-{}.pem", std::process::id()));
    let error = TrustStore::load(&base.clone().ca_file(&missing)).unwrap_err();
    assert!(matches!(error, TlsError::CaFileRead { .. }), "{error:?}");
    assert!(
        error.to_string().contains(&missing.display().to_string()),
        "{error}"
    );

    let error = TrustStore::load(&base.root(CertificateDer::from(vec![1, 2, 3]))).unwrap_err();
    assert!(
        matches!(error, TlsError::ExtraRoot { index: 1, .. }),
        "{error:?}"
    );
}

#[test]
fn default_trust_store_loads_without_error() {
    let trust = TrustStore::load(&TlsOptions::default()).expect("OS store problems are not fatal");
    assert!(trust.len() >= webpki_roots::TLS_SERVER_ROOTS.len());
    let only_webpki = TrustStore::load(&TlsOptions::default().use_native_roots(false)).unwrap();
    assert_eq!(only_webpki.len(), webpki_roots::TLS_SERVER_ROOTS.len());
    assert!(only_webpki.notes().is_empty());
}

#[test]
fn garbage_instead_of_server_hello_is_not_tls() {
    let setup = build_client_config(&options()).unwrap();
    for reply in [
        &b"220 mx.test ESMTP ready\r\n"[..],
        b"554 5.7.0 TLS not available\r\n",
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
    ] {
        let mut client = ClientConnection::new(
            Arc::clone(&setup.config),
            options().server_name(NAME).unwrap().server_name,
        )
        .unwrap();
        let hello = drain::<ClientConnectionData>(&mut client);
        assert!(!hello.is_empty());
        let error = feed::<ClientConnectionData>(&mut client, reply).expect_err("not TLS");
        let failure = classify_handshake_error(&wrapped(&error));
        assert_eq!(
            failure.kind,
            HandshakeFailureKind::NotTls,
            "{reply:?}: {error:?}"
        );
        assert!(failure.message.contains("STARTTLS"), "{}", failure.message);
    }
}

#[test]
fn tls12_only_server_and_tls13_only_client_is_protocol_version() {
    let server = served(Scenario::Valid)
        .server_config_with_versions(&[&rustls::version::TLS12])
        .unwrap();
    let run = handshake_with(&options().min_version(TlsVersion::Tls13), NAME, server);
    let error = run.pumped.client.as_ref().expect("client fails");
    let failure = classify_handshake_error(&wrapped(error));
    assert_eq!(
        failure.kind,
        HandshakeFailureKind::ProtocolVersion,
        "{error:?}"
    );
    assert!(failure.message.contains("TLS 1.2"), "{}", failure.message);
    assert!(
        run.setup.verification.get().is_none(),
        "no certificate was seen"
    );
}

#[test]
fn tls12_handshake_reports_tls12_suite() {
    let server = served(Scenario::Valid)
        .server_config_with_versions(&[&rustls::version::TLS12])
        .unwrap();
    let run = handshake_with(&options(), NAME, server);
    assert!(run.completed(), "{:?}", run.pumped);
    let details = run.details();
    assert_eq!(details.version, "TLSv1.2");
    assert!(
        details.cipher_suite.starts_with("TLS_ECDHE_ECDSA_WITH_"),
        "{}",
        details.cipher_suite
    );
    assert_eq!(details.verification, Verification::Valid);
    assert!(details.key_exchange.is_some());
}

#[test]
fn key_types_are_inspected_and_handshake() {
    for (kind, key_type, bits) in [
        (KeyKind::EcdsaP256, "ECDSA", Some(256)),
        (KeyKind::EcdsaP384, "ECDSA", Some(384)),
        (KeyKind::Ed25519, "Ed25519", None),
        (KeyKind::Rsa2048, "RSA", Some(2048)),
    ] {
        let cert = pki()
            .server_cert_with_key(Scenario::Valid, &[NAME], kind)
            .unwrap();
        let run = handshake(&options(), NAME, &cert);
        assert!(run.completed(), "{kind:?}: {:?}", run.pumped);
        let details = run.details();
        assert_eq!(details.verification, Verification::Valid, "{kind:?}");
        let leaf = &details.chain[0];
        assert_eq!(leaf.key_type, key_type, "{kind:?}");
        assert_eq!(leaf.key_bits, bits, "{kind:?}");
        assert_eq!(leaf.signature_algorithm, "ecdsa-with-SHA256", "{kind:?}");
        assert!(cert.key_pem.contains("PRIVATE KEY"));
        assert!(cert.chain_pem.matches("BEGIN CERTIFICATE").count() == 2);
    }
}

#[test]
fn chain_inspection_facts() {
    let cert = served(Scenario::Valid);
    let chain = inspect_chain(&cert.chain, pki().reference_time());
    assert_eq!(chain.len(), 2);
    let (leaf, intermediate) = (&chain[0], &chain[1]);
    assert_eq!(
        leaf.sans,
        vec![NAME.to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()]
    );
    assert!(
        leaf.issuer.contains("CN=SMTPing Test Intermediate CA"),
        "{}",
        leaf.issuer
    );
    assert_eq!(leaf.issuer, intermediate.subject);
    assert!(!leaf.self_signed);
    assert!(!intermediate.self_signed);
    assert_eq!(leaf.sha256, sha256_hex(cert.chain[0].as_ref()));
    assert_eq!(leaf.sha256.len(), 64);
    assert!(!leaf.serial.is_empty() && leaf.serial.chars().all(|c| c.is_ascii_hexdigit()));
    assert!(leaf.error.is_none());
    let root = inspect_certificate(pki().ca_cert_der().as_ref(), pki().reference_time());
    assert!(root.self_signed);
    assert_eq!(root.subject, root.issuer);
    assert_eq!(root.days_remaining, 3650);
    let self_signed = inspect_chain(&served(Scenario::SelfSigned).chain, pki().reference_time());
    assert!(self_signed[0].self_signed);

    // Garbage in the middle of a chain keeps its slot.
    let mixed = vec![
        cert.chain[0].clone(),
        CertificateDer::from(b"garbage".to_vec()),
    ];
    let infos = inspect_chain(&mixed, SystemTime::now());
    assert_eq!(infos.len(), 2);
    assert!(infos[0].error.is_none());
    assert!(infos[1].error.is_some());
    let json = serde_json::to_value(&infos[1]).unwrap();
    assert!(json["error"].is_string());
    assert!(
        serde_json::to_value(&infos[0])
            .unwrap()
            .get("error")
            .is_none()
    );
}

#[test]
fn json_shapes_match_the_design() {
    let run = handshake(&options(), NAME, served(Scenario::Expired));
    let details = run.details();
    let json = serde_json::to_value(&details).unwrap();
    for key in [
        "version",
        "cipher_suite",
        "sni",
        "alpn",
        "verification",
        "problems",
        "verification_detail",
        "chain",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    assert_eq!(json["verification"], "expired");
    assert_eq!(json["problems"], serde_json::json!(["expired"]));
    let certificate = serde_json::to_value(details.certificate().unwrap()).unwrap();
    let mut keys: Vec<&str> = certificate
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "chain_length",
            "days_remaining",
            "issuer",
            "not_after",
            "not_before",
            "sans",
            "subject",
            "verification"
        ]
    );
    assert_eq!(certificate["days_remaining"], -10);
    assert_eq!(certificate["chain_length"], 2);
    let names: Vec<String> = Verification::ALL
        .iter()
        .map(|verdict| {
            serde_json::to_value(verdict)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        names,
        [
            "valid",
            "hostname_mismatch",
            "expired",
            "not_yet_valid",
            "untrusted_issuer",
            "self_signed",
            "incomplete_chain",
            "invalid"
        ]
    );
    for verdict in Verification::ALL {
        assert_eq!(serde_json::to_value(verdict).unwrap(), verdict.as_str());
        let back: Verification =
            serde_json::from_value(serde_json::json!(verdict.as_str())).unwrap();
        assert_eq!(back, verdict);
    }
    // Round trip of the whole details object.
    // (The chain's DER is not serialised: it comes back empty.)
    let back: TlsDetails = serde_json::from_value(json).unwrap();
    let mut expected = details.clone();
    expected.chain_der.clear();
    assert_eq!(back, expected);
}

#[test]
fn handshake_signatures_are_verified_even_in_diagnose_mode() {
    // The server presents a valid certificate but signs with a different key.
    let cert = served(Scenario::Valid);
    let other = pki().server_cert(Scenario::Valid, &[NAME]).unwrap();
    let provider = rustls::crypto::ring::default_provider();
    let wrong_key = provider
        .key_provider
        .load_private_key(other.key.clone_key())
        .unwrap();
    let certified = Arc::new(rustls::sign::CertifiedKey::new(
        cert.chain.clone(),
        wrong_key,
    ));
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let server = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(rustls::sign::SingleCertAndKey::from(Arc::clone(
            &certified,
        ))));
        let run = handshake_with(&options(), NAME, Arc::new(server));
        assert!(
            run.pumped.client.is_some(),
            "{versions:?}: impostor accepted"
        );
        assert!(run.client.is_handshaking());
        // The certificate itself was fine; the signature was not.
        assert_eq!(run.record().verification, Verification::Valid);
    }
}

#[test]
fn without_a_record_details_say_unverified() {
    let run = handshake(&options(), NAME, served(Scenario::Valid));
    let details = tls_details(&run.client, Some(NAME), None);
    assert_eq!(details.verification, Verification::Invalid);
    assert_eq!(details.chain.len(), 2, "chain from the connection");
    assert!(!details.is_trusted());
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn mutated_certificates_never_panic(position in any::<prop::sample::Index>(), byte in any::<u8>(), cut in any::<prop::sample::Index>()) {
            let chain = &served(Scenario::Valid).chain;
            let mut leaf = chain[0].as_ref().to_vec();
            let at = position.index(leaf.len());
            leaf[at] = byte;
            let keep = cut.index(leaf.len() + 1);
            let truncated = leaf[..keep.max(at.min(keep))].to_vec();
            for der in [leaf, truncated] {
                let info = inspect_certificate(&der, SystemTime::now());
                prop_assert_eq!(info.sha256.len(), 64);
                let presented = vec![CertificateDer::from(der), chain[1].clone()];
                let record = diagnose(pki().root_store(), &presented, NAME);
                prop_assert_eq!(record.problems.first().copied().unwrap_or(Verification::Valid), record.verification);
                prop_assert!(!record.detail.is_empty());
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let info = inspect_certificate(&bytes, SystemTime::now());
            prop_assert!(info.error.is_some() || !info.subject.is_empty() || info.sha256.len() == 64);
            let record = diagnose(pki().root_store(), &[CertificateDer::from(bytes)], NAME);
            prop_assert_eq!(record.verification, Verification::Invalid);
        }
    }
}

#[test]
fn a_self_signed_certificate_given_as_ca_file_is_trusted() {
    let cert = served(Scenario::SelfSigned);
    let file = TempFile::new(cert.chain_pem.as_bytes());
    let options = TlsOptions::default()
        .use_webpki_roots(false)
        .use_native_roots(false)
        .ca_file(&file.0)
        .fixed_time(pki().reference_time())
        .verify_mode(VerifyMode::Strict);
    let run = handshake(&options, NAME, cert);
    assert!(run.completed(), "{:?}", run.pumped);
    assert_eq!(run.record().verification, Verification::Valid);
}

/// Checks share one copy of the trust anchors; a changed CA file is loaded again.
#[test]
fn shared_trust_stores_are_reused_until_a_ca_file_changes() {
    let pki = TestPki::new().unwrap();
    let dir = std::env::temp_dir().join(format!("smtping-shared-trust-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ca.pem");
    std::fs::write(&path, pki.ca_cert_pem()).unwrap();
    let options = TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false)
        .ca_file(&path);
    let a = TrustStore::shared(&options).unwrap();
    let b = TrustStore::shared(&options).unwrap();
    assert!(Arc::ptr_eq(a.roots(), b.roots()));
    assert_eq!(a.len(), 1);
    // Another CA added to the file: a different size, so it is read again.
    let other = TestPki::new().unwrap();
    std::fs::write(&path, pki.ca_cert_pem() + &other.ca_cert_pem()).unwrap();
    let c = TrustStore::shared(&options).unwrap();
    assert!(!Arc::ptr_eq(a.roots(), c.roots()));
    assert_eq!(c.len(), 2);
    TrustStore::clear_shared();
    let d = TrustStore::shared(&options).unwrap();
    assert!(!Arc::ptr_eq(c.roots(), d.roots()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Self-signed ECDSA P-256 certificates made outside rcgen (openssl, Python's
/// `cryptography`: CA:FALSE critical, SANs localhost and 127.0.0.1, ecdsa-with-SHA256) are
/// self-signed, not "invalid".
#[test]
fn self_signed_p256_from_openssl_and_python_is_self_signed() {
    use rustls_pki_types::pem::PemObject;
    for pem in [
        include_str!("../../tests/data/selfsigned-p256-openssl.pem"),
        include_str!("../../tests/data/selfsigned-p256-python.pem"),
    ] {
        let der = CertificateDer::from_pem_slice(pem.as_bytes()).unwrap();
        let record = diagnose(pki().root_store(), &[der], "localhost");
        assert_eq!(record.verification, Verification::SelfSigned, "{record:?}");
    }
}

/// The same certificate in a real handshake, with the default trust (webpki roots and
/// the OS store): an anchor with the same subject name and another key must not turn the
/// verdict into "invalid: unsupported algorithm". A fake anchor named `CN=localhost`
/// stands in for whatever an OS store may hold.
#[test]
fn self_signed_p256_from_openssl_in_a_handshake_is_self_signed() {
    use rustls_pki_types::PrivateKeyDer;
    use rustls_pki_types::pem::PemObject;
    let cert = CertificateDer::from_pem_slice(
        include_str!("../../tests/data/selfsigned-p256-openssl.pem").as_bytes(),
    )
    .unwrap();
    let key = PrivateKeyDer::from_pem_slice(
        include_str!("../../tests/data/selfsigned-p256-openssl.key").as_bytes(),
    )
    .unwrap();
    // An unrelated root (an Ed25519 key) with the same subject name, as a trust anchor.
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let impostor_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let impostor = params.self_signed(&impostor_key).unwrap();
    for versions in [
        &[&rustls::version::TLS13][..],
        &[&rustls::version::TLS12][..],
    ] {
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_protocol_versions(versions)
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key.clone_key())
        .unwrap();
        let config = Arc::new(config);
        let with_impostor = options().root(impostor.der().clone());
        for (opts, host) in [
            (options(), "localhost"),
            (options(), "127.0.0.1"),
            (with_impostor, "localhost"),
            (TlsOptions::default().use_native_roots(false), "127.0.0.1"),
        ] {
            let run = handshake_with(&opts, host, Arc::clone(&config));
            let d = run.details();
            assert_eq!(
                d.verification,
                Verification::SelfSigned,
                "{versions:?} {host}: {}",
                d.verification_detail
            );
        }
    }
}
