//! `smtping check`'s `tls.dane` over loopback: a host reached by name whose address answer
//! is secure (the testkit's DNS responder sets the AD bit; it is on loopback, so the bit
//! is trusted) gets its `_PORT._tcp` TLSA records matched against the presented chain.

use std::net::Ipv4Addr;
use std::time::Duration;

use smtping_client::tls::TlsOptions;
use smtping_client::{Check, ConnectTo, QuitAfter, Report, Status};
use smtping_signals::dane::association_data;
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{ServerTls, TestServer};

const NAME: &str = "mx.test";

async fn server(pki: &TestPki) -> (TestServer, Vec<u8>) {
    let cert = pki.server_cert(Scenario::Valid, &[NAME]).unwrap();
    let digest = association_data(cert.chain[0].as_ref(), 1, 1).unwrap();
    let s = TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(cert))
        .start()
        .await
        .unwrap();
    (s, digest)
}

async fn check(pki: &TestPki, s: &TestServer, dns: &DnsResponder, port: u16) -> Report {
    let rule: ConnectTo = format!("{NAME}:{port}:127.0.0.1:{}", s.addr().port())
        .parse()
        .unwrap();
    Check::parse(&format!("{NAME}:{port}"))
        .unwrap()
        .resolver(dns.addr())
        .connect_to(rule)
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der()),
        )
        .signals(false)
        .command_timeout(Duration::from_secs(3))
        .quit_after(QuitAfter::Tls)
        .run()
        .await
}

fn zone() -> Zone {
    Zone::new().a(NAME, Ipv4Addr::LOCALHOST)
}

#[tokio::test]
async fn a_matching_record_is_matched() {
    let pki = TestPki::new().unwrap();
    let (s, digest) = server(&pki).await;
    let zone = zone()
        .authentic_data(true)
        .tlsa("_25._tcp.mx.test", 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&pki, &s, &dns, 25).await;
    let d = r.tls.dane.as_ref().expect("tls.dane");
    assert_eq!(d.name, "_25._tcp.mx.test");
    assert_eq!(d.matched, Some(true), "{d:#?}");
    assert!(d.usable);
    assert_eq!(d.tlsa[0].usage, 3);
    assert_eq!(d.status, Status::Green);
    assert_eq!(r.tls.status, Status::Green, "{}", r.summary);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["tls"]["dane"]["matched"], true);
    assert!(
        json["tls"].get("chain_der").is_none(),
        "DER is not serialised"
    );
}

#[tokio::test]
async fn a_record_for_another_key_makes_tls_red() {
    let pki = TestPki::new().unwrap();
    let (s, _) = server(&pki).await;
    let zone = zone()
        .authentic_data(true)
        .tlsa("_25._tcp.mx.test", 3, 1, 1, &[0x11; 32]);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&pki, &s, &dns, 25).await;
    let d = r.tls.dane.as_ref().expect("tls.dane");
    assert_eq!(d.matched, Some(false));
    assert_eq!(d.status, Status::Red);
    assert_eq!(r.tls.status, Status::Red);
    assert_eq!(r.verdict, Status::Red);
    assert!(r.finding("dane.mismatch").is_some());
}

#[tokio::test]
async fn the_port_names_the_tlsa_records() {
    let pki = TestPki::new().unwrap();
    let (s, digest) = server(&pki).await;
    // A wrong record at port 25 must not be used for port 587.
    let zone = zone()
        .authentic_data(true)
        .tlsa("_25._tcp.mx.test", 3, 1, 1, &[0x11; 32])
        .tlsa("_587._tcp.mx.test", 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&pki, &s, &dns, 587).await;
    let d = r.tls.dane.as_ref().expect("tls.dane");
    assert_eq!(d.name, "_587._tcp.mx.test");
    assert_eq!(d.matched, Some(true), "{d:#?}");
}

#[tokio::test]
async fn an_insecure_answer_has_no_dane_and_asks_no_tlsa() {
    let pki = TestPki::new().unwrap();
    let (s, digest) = server(&pki).await;
    let zone = zone().tlsa("_25._tcp.mx.test", 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&pki, &s, &dns, 25).await;
    assert!(r.tls.dane.is_none());
    assert!(
        !dns.queries().iter().any(|q| q.record_type == "TLSA"),
        "{:?}",
        dns.queries()
    );
    assert_eq!(r.tls.status, Status::Green);
}

#[tokio::test]
async fn an_ip_target_has_no_dane() {
    let pki = TestPki::new().unwrap();
    let (s, digest) = server(&pki).await;
    let zone = zone()
        .authentic_data(true)
        .tlsa("_25._tcp.mx.test", 3, 1, 1, &digest);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = Check::parse(&s.addr().to_string())
        .unwrap()
        .resolver(dns.addr())
        .sni(NAME)
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der())
                .sni(NAME),
        )
        .signals(false)
        .command_timeout(Duration::from_secs(3))
        .quit_after(QuitAfter::Tls)
        .run()
        .await;
    assert!(r.tls.established);
    assert!(r.tls.dane.is_none());
    assert!(dns.queries().is_empty());
}
