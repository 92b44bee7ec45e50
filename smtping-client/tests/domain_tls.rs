//! `smtping domain`'s TLS section over loopback: every MX address gets one short
//! session (EHLO, STARTTLS, a verified handshake, QUIT) through the check engine; its
//! chain decides DANE's `matched` (TLSA records computed from the test certificate,
//! served with the AD bit) and MTA-STS's `certificate_valid` (the policy over HTTPS).

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use smtping_client::domain::{DomainCheck, DomainReport};
use smtping_client::net::dns::Resolver;
use smtping_client::tls::{TlsOptions, Verification};
use smtping_client::{ConnectTo, Status};
use smtping_signals::dane::association_data;
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::https::{HttpsResponse, HttpsServer};
use smtping_testkit::server::{ServerTls, TestServer};

const DOMAIN: &str = "example.test";
const MX: &str = "mx1.example.test";
const TLSA_NAME: &str = "_25._tcp.mx1.example.test";

fn trust(pki: &TestPki) -> TlsOptions {
    TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false)
        .root(pki.ca_cert_der())
}

/// A STARTTLS server for [`MX`] on 127.0.0.1 with a certificate of `scenario`; returns
/// it and the leaf's `3 1 1` association data.
async fn mx_server(pki: &TestPki, scenario: Scenario) -> (TestServer, Vec<u8>) {
    let cert = pki.server_cert(scenario, &[MX]).unwrap();
    let digest = association_data(cert.chain[0].as_ref(), 1, 1).unwrap();
    let server = TestServer::builder()
        .hostname(MX)
        .tls(ServerTls::starttls(cert))
        .start()
        .await
        .unwrap();
    (server, digest)
}

/// The MX zone: `example.test MX mx1.example.test`, its address 127.0.0.1, SPF and
/// DMARC so that the other areas stay quiet.
fn zone() -> Zone {
    Zone::new()
        .mx(DOMAIN, 10, MX)
        .a(MX, Ipv4Addr::LOCALHOST)
        .txt(DOMAIN, "v=spf1 -all")
        .txt("_dmarc.example.test", "v=DMARC1; p=reject")
}

/// The check: the MX host's own addresses, port 25 redirected to the server's port.
fn check(pki: &TestPki, port: u16) -> DomainCheck {
    let rule: ConnectTo = format!("{MX}:25::{port}").parse().unwrap();
    DomainCheck::new(DOMAIN)
        .unwrap()
        .dkim_selector("s1")
        .tls_options(trust(pki))
        .connect_to(rule)
        .connect_timeout(Duration::from_secs(3))
        .command_timeout(Duration::from_secs(3))
}

async fn run(check: &DomainCheck, dns: &DnsResponder) -> DomainReport {
    check.run(&Resolver::new(dns.resolver_config())).await
}

fn ids(r: &DomainReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

#[tokio::test]
async fn a_matching_tlsa_record_is_matched_by_the_presented_chain() {
    let pki = TestPki::new().unwrap();
    let (server, digest) = mx_server(&pki, Scenario::Valid).await;
    let zone = zone()
        .authentic_data(true)
        .tlsa(TLSA_NAME, 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;

    let tls = r.tls.as_ref().expect("tls section");
    assert_eq!(tls.hosts.len(), 1, "{tls:#?}");
    let h = &tls.hosts[0];
    assert_eq!((h.name.as_str(), h.address.as_str()), (MX, "127.0.0.1"));
    assert_eq!(h.port, server.addr().port());
    assert!(h.connected && h.starttls && h.established, "{h:#?}");
    assert!(h.version.as_deref().unwrap().starts_with("TLSv1."));
    assert_eq!(
        h.certificate.as_ref().unwrap().verification,
        Verification::Valid
    );
    assert_eq!(h.dane_matched, Some(true));
    assert_eq!(tls.status, Status::Green, "{:?}", ids(&r));

    let dane = r.dane.as_ref().unwrap();
    assert_eq!(dane.hosts[0].matched, Some(true), "{dane:#?}");
    assert_eq!(r.mx.hosts[0].dnssec.as_deref(), Some("secure"));
    assert_ne!(dane.status, Status::Red);
    assert!(!ids(&r).contains(&"dane.mismatch"));
    assert!(
        r.summary.contains("verified TLS on 1/1 MX address"),
        "{}",
        r.summary
    );
    // One connection for the one address.
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_tlsa_record_for_another_key_is_a_red_mismatch() {
    let pki = TestPki::new().unwrap();
    let (server, _) = mx_server(&pki, Scenario::Valid).await;
    let zone = zone()
        .authentic_data(true)
        .tlsa(TLSA_NAME, 3, 1, 1, &[0xab; 32]);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;

    let dane = r.dane.as_ref().unwrap();
    assert_eq!(dane.hosts[0].matched, Some(false));
    assert_eq!(dane.status, Status::Red);
    assert_eq!(r.tls.as_ref().unwrap().hosts[0].dane_matched, Some(false));
    assert!(ids(&r).contains(&"dane.mismatch"), "{:?}", ids(&r));
    assert_eq!(r.verdict, Status::Red);
}

#[tokio::test]
async fn only_unusable_records_leave_matched_unknown_and_the_area_amber() {
    let pki = TestPki::new().unwrap();
    let (server, digest) = mx_server(&pki, Scenario::Valid).await;
    // PKIX-EE (1): SMTP clients do not use it, even though it names the right key.
    let zone = zone()
        .authentic_data(true)
        .tlsa(TLSA_NAME, 1, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;

    let dane = r.dane.as_ref().unwrap();
    assert!(!dane.hosts[0].usable);
    assert_eq!(dane.hosts[0].matched, None);
    assert_eq!(dane.status, Status::Amber, "{:?}", ids(&r));
    assert!(ids(&r).contains(&"dane.no_usable_tlsa"), "{:?}", ids(&r));
    assert_eq!(r.tls.as_ref().unwrap().hosts[0].dane_matched, None);
    assert!(r.tls.as_ref().unwrap().hosts[0].established);
}

#[tokio::test]
async fn insecure_answers_ask_no_tlsa_and_still_check_tls() {
    let pki = TestPki::new().unwrap();
    let (server, digest) = mx_server(&pki, Scenario::Valid).await;
    // Records exist, but nothing is validated: DANE does not apply (RFC 7672 §2.2.2).
    let zone = zone().tlsa(TLSA_NAME, 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;

    let dane = r.dane.as_ref().unwrap();
    assert!(
        dane.hosts
            .iter()
            .all(|h| h.tlsa.is_empty() && h.matched.is_none())
    );
    assert!(
        !dns.queries()
            .iter()
            .any(|q| q.name.trim_end_matches('.') == TLSA_NAME),
        "no TLSA question on an insecure answer"
    );
    let tls = r.tls.as_ref().unwrap();
    assert!(tls.hosts[0].established);
    assert_eq!(tls.hosts[0].dane_matched, None);
}

#[tokio::test]
async fn an_address_that_refuses_is_reported_beside_the_one_that_answers() {
    let pki = TestPki::new().unwrap();
    let (server, _) = mx_server(&pki, Scenario::Valid).await;
    // 127.0.0.2 is loopback too, but the server listens on 127.0.0.1 only.
    let zone = zone().a(MX, Ipv4Addr::new(127, 0, 0, 2));
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;

    let tls = r.tls.as_ref().unwrap();
    assert_eq!(tls.hosts.len(), 2, "{tls:#?}");
    let up = tls.hosts.iter().find(|h| h.address == "127.0.0.1").unwrap();
    let down = tls.hosts.iter().find(|h| h.address == "127.0.0.2").unwrap();
    assert!(up.established);
    assert!(!down.connected && !down.established);
    assert!(down.error.is_some());
    assert_eq!(down.status, Status::Amber);
    assert_eq!(tls.status, Status::Amber);
    let failed = r.finding("mx.host_failed").expect("mx.host_failed");
    assert!(failed.message.contains("127.0.0.2"), "{}", failed.message);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_certificate_for_another_name_is_reported_by_the_checks_finding() {
    let pki = TestPki::new().unwrap();
    let (server, _) = mx_server(&pki, Scenario::HostnameMismatch).await;
    let dns = DnsResponder::start(zone()).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;
    let h = &r.tls.as_ref().unwrap().hosts[0];
    assert!(h.established);
    assert_eq!(
        h.certificate.as_ref().unwrap().verification,
        Verification::HostnameMismatch
    );
    let f = r
        .finding("tls.certificate_invalid")
        .expect("tls.certificate_invalid");
    assert!(
        f.message.starts_with("mx1.example.test at 127.0.0.1"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn no_connect_is_dns_only() {
    let pki = TestPki::new().unwrap();
    let (server, digest) = mx_server(&pki, Scenario::Valid).await;
    let zone = zone()
        .authentic_data(true)
        .tlsa(TLSA_NAME, 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()).connect(false), &dns).await;
    assert!(r.tls.is_none());
    assert_eq!(r.dane.as_ref().unwrap().hosts[0].matched, None);
    assert!(r.dane.as_ref().unwrap().hosts[0].usable);
    assert_eq!(server.connections(), 0);
}

// MTA-STS

const STS_HOST: &str = "mta-sts.example.test";

/// The testkit's HTTPS server for the policy host, serving `policy` at the well-known path.
async fn policy_server(pki: &TestPki, policy: &'static str) -> HttpsServer {
    let cert = pki.server_cert(Scenario::Valid, &[STS_HOST]).unwrap();
    HttpsServer::builder(cert)
        .route(
            "/.well-known/mta-sts.txt",
            HttpsResponse::mta_sts_policy(policy),
        )
        .start()
        .await
        .unwrap()
}

async fn mta_sts(scenario: Scenario, policy: &'static str) -> DomainReport {
    let pki = TestPki::new().unwrap();
    let (server, _) = mx_server(&pki, scenario).await;
    let https = policy_server(&pki, policy).await;
    let zone = zone().txt("_mta-sts.example.test", "v=STSv1; id=20261201");
    let dns = DnsResponder::start(zone).await.unwrap();
    let rule: ConnectTo = format!("{STS_HOST}:443:127.0.0.1:{}", https.addr().port())
        .parse()
        .unwrap();
    run(&check(&pki, server.addr().port()).connect_to(rule), &dns).await
}

const ENFORCE: &str =
    "version: STSv1\r\nmode: enforce\r\nmx: *.example.test\r\nmax_age: 1209600\r\n";
const TESTING: &str =
    "version: STSv1\r\nmode: testing\r\nmx: *.example.test\r\nmax_age: 1209600\r\n";

#[tokio::test]
async fn mta_sts_sees_a_valid_mx_certificate() {
    let r = mta_sts(Scenario::Valid, ENFORCE).await;
    let sts = r.mta_sts.as_ref().unwrap();
    assert_eq!(sts.mode.as_deref(), Some("enforce"), "{sts:#?}");
    assert!(sts.hosts[0].matched);
    assert_eq!(sts.hosts[0].certificate_valid, Some(true));
    assert_eq!(sts.status, Status::Green, "{:?}", ids(&r));
}

#[tokio::test]
async fn mta_sts_enforce_with_an_invalid_mx_certificate_is_red() {
    let r = mta_sts(Scenario::SelfSigned, ENFORCE).await;
    let sts = r.mta_sts.as_ref().unwrap();
    assert_eq!(sts.hosts[0].certificate_valid, Some(false));
    assert_eq!(sts.status, Status::Red);
    assert!(ids(&r).contains(&"mta_sts.mx_certificate_invalid"));
    assert_eq!(r.verdict, Status::Red);
}

#[tokio::test]
async fn mta_sts_testing_with_an_invalid_mx_certificate_is_amber() {
    let r = mta_sts(Scenario::Expired, TESTING).await;
    let sts = r.mta_sts.as_ref().unwrap();
    assert_eq!(sts.hosts[0].certificate_valid, Some(false));
    assert_eq!(sts.status, Status::Amber, "{:?}", ids(&r));
}

#[tokio::test]
async fn ipv6_addresses_are_checked_too() {
    let pki = TestPki::new().unwrap();
    let cert = pki.server_cert(Scenario::Valid, &[MX]).unwrap();
    let server = TestServer::builder()
        .bind(SocketAddr::new(std::net::Ipv6Addr::LOCALHOST.into(), 0))
        .hostname(MX)
        .tls(ServerTls::starttls(cert))
        .start()
        .await
        .unwrap();
    // The IPv4 address has nothing listening on the server's port.
    let zone = zone().aaaa(MX, std::net::Ipv6Addr::LOCALHOST);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = run(&check(&pki, server.addr().port()), &dns).await;
    let tls = r.tls.as_ref().unwrap();
    assert_eq!(tls.hosts.len(), 2, "{tls:#?}");
    let v6 = tls.hosts.iter().find(|h| h.address == "::1").unwrap();
    assert!(v6.established, "{v6:#?}");
    assert_eq!(
        v6.certificate.as_ref().unwrap().verification,
        Verification::Valid
    );
    let v4 = tls.hosts.iter().find(|h| h.address == "127.0.0.1").unwrap();
    assert!(!v4.connected);
}

#[tokio::test]
async fn tls_scan_runs_per_address_into_scan() {
    let pki = TestPki::new().unwrap();
    let (server, _) = mx_server(&pki, Scenario::Valid).await;
    let dns = DnsResponder::start(zone()).await.unwrap();
    let r = run(&check(&pki, server.addr().port()).tls_scan(true), &dns).await;
    let h = &r.tls.as_ref().unwrap().hosts[0];
    let scan = h.scan.as_ref().expect("scan with tls_scan");
    assert!(scan["grade"].is_string(), "{scan:#}");
    assert!(scan["connections"].as_u64().unwrap() <= 16);
    // The session plus the scan's probes, all at this one address.
    assert!(server.connections() > 1);
}
