//! `--connect-to` over loopback: a host target and a mail domain's MX host reached at
//! another address and port, while the host name stays the name for SNI and the
//! certificate check.

use std::net::Ipv4Addr;
use std::time::Duration;

use smtping_client::net::dns::IpFamilies;
use smtping_client::tls::{TlsOptions, Verification};
use smtping_client::{Check, ConnectTo, Status};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{ServerTls, TestServer};

const NAME: &str = "mx.test";

fn trust(pki: &TestPki) -> TlsOptions {
    TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false)
        .root(pki.ca_cert_der())
}

async fn server(pki: &TestPki) -> TestServer {
    TestServer::builder()
        .hostname(NAME)
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &[NAME]).unwrap(),
        ))
        .start()
        .await
        .unwrap()
}

fn rule(s: &str) -> ConnectTo {
    s.parse().unwrap()
}

#[tokio::test]
async fn a_host_target_is_reached_elsewhere_and_keeps_its_name_for_tls() {
    let pki = TestPki::new().unwrap();
    let s = server(&pki).await;
    let port = s.addr().port();
    // No --sni: the certificate for mx.test verifies only because the name is kept.
    let r = Check::parse("mx.test:25")
        .unwrap()
        .connect_to(rule(&format!("mx.test:25:127.0.0.1:{port}")))
        .tls_options(trust(&pki))
        .command_timeout(Duration::from_secs(3))
        .quit_after(smtping_client::QuitAfter::Tls)
        .run()
        .await;
    assert_eq!(r.verdict, Status::Green, "{} {:?}", r.summary, r.error);
    assert_eq!(
        r.connectivity.connected_to.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(r.target.port, 25, "the report names the logical port");
    assert_eq!(r.tls.sni.as_deref(), Some(NAME));
    assert_eq!(
        r.tls.certificate.as_ref().unwrap().verification,
        Verification::Valid
    );
    assert!(
        !r.has(smtping_client::FindingId::DnsLoopbackAddress),
        "a chosen redirect is not a DNS oddity"
    );
    assert_eq!(s.connections(), 1);
}

#[tokio::test]
async fn a_rule_for_another_port_or_host_does_not_apply() {
    let pki = TestPki::new().unwrap();
    let s = server(&pki).await;
    let port = s.addr().port();
    let r = Check::parse(&format!("127.0.0.1:{port}"))
        .unwrap()
        .connect_to(rule("127.0.0.1:1:127.0.0.2:2"))
        .connect_to(rule(&format!("other.test:{port}:127.0.0.2:1")))
        .tls_options(trust(&pki).sni(NAME))
        .command_timeout(Duration::from_secs(3))
        .quit_after(smtping_client::QuitAfter::Ehlo)
        .run()
        .await;
    assert_eq!(
        r.connectivity.connected_to.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str()),
        "{}",
        r.summary
    );
}

#[tokio::test]
async fn an_mx_host_is_reached_elsewhere_and_an_empty_host_matches_any() {
    let pki = TestPki::new().unwrap();
    let s = server(&pki).await;
    let port = s.addr().port();
    // The MX host's own address has nothing listening: only the rule can reach the server.
    let zone = Zone::new()
        .mx("example.test", 10, NAME)
        .a(NAME, Ipv4Addr::new(127, 0, 0, 9));
    let dns = DnsResponder::start(zone).await.unwrap();
    for r in [
        format!("{NAME}:25:127.0.0.1:{port}"),
        format!(":25:127.0.0.1:{port}"),
        format!("::127.0.0.1:{port}"),
    ] {
        let report = Check::parse("example.test")
            .unwrap()
            .resolver(dns.addr())
            .ip_families(IpFamilies::V4Only)
            .connect_to(rule(&r))
            .tls_options(trust(&pki))
            .command_timeout(Duration::from_secs(3))
            .quit_after(smtping_client::QuitAfter::Tls)
            .run()
            .await;
        assert_eq!(report.verdict, Status::Green, "{r}: {}", report.summary);
        assert_eq!(report.connectivity.dns.mx[0].host, NAME);
        assert_eq!(
            report.connectivity.connected_to.as_deref(),
            Some(format!("127.0.0.1:{port}").as_str()),
            "{r}"
        );
        assert_eq!(report.tls.sni.as_deref(), Some(NAME), "{r}");
    }
}

#[test]
fn bad_rules_are_refused_with_the_field_named() {
    let e = "mx.test:25:127.0.0.1".parse::<ConnectTo>().unwrap_err();
    assert!(e.to_string().contains("four fields"), "{e}");
    let e = "mx.test:70000:127.0.0.1:25"
        .parse::<ConnectTo>()
        .unwrap_err();
    assert!(e.to_string().contains("PORT \"70000\""), "{e}");
}
