//! `--all-mx` over loopback: every MX host and each of its addresses, one session each, the
//! worst deciding the verdict; the top-level areas stay those of the preferred address.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use smtping_client::net::dns::IpFamilies;
use smtping_client::tls::TlsOptions;
use smtping_client::{Address, Check, FindingId, Status};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{ServerTls, TestServer};

async fn server_at(pki: &TestPki, ip: Ipv4Addr, port: u16, name: &str) -> TestServer {
    TestServer::builder()
        .bind(SocketAddr::new(IpAddr::V4(ip), port))
        .hostname(name)
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &[name]).unwrap(),
        ))
        .start()
        .await
        .unwrap()
}

fn check(dns: &DnsResponder, pki: &TestPki, port: u16) -> Check {
    Check::parse("example.test")
        .unwrap()
        .resolver(dns.addr())
        .ip_families(IpFamilies::V4Only)
        .mx_port(port)
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der()),
        )
        .command_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(3))
        .all_mx(true)
}

#[tokio::test]
async fn every_address_gets_one_session_and_the_worst_decides() {
    let pki = TestPki::new().unwrap();
    let s1 = server_at(&pki, Ipv4Addr::new(127, 0, 0, 1), 0, "mx1.test").await;
    let port = s1.addr().port();
    let s2 = server_at(&pki, Ipv4Addr::new(127, 0, 0, 2), port, "mx2.test").await;
    // mx1 has a second address with nothing listening on the port.
    let zone = Zone::new()
        .mx("example.test", 20, "mx2.test")
        .mx("example.test", 10, "mx1.test")
        .a("mx1.test", Ipv4Addr::new(127, 0, 0, 1))
        .a("mx1.test", Ipv4Addr::new(127, 0, 0, 3))
        .a("mx2.test", Ipv4Addr::new(127, 0, 0, 2));
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&dns, &pki, port)
        .envelope(
            Address::new("probe@client.test").unwrap(),
            vec![Address::new("alice@example.test").unwrap()],
        )
        .run()
        .await;
    let hosts = r.hosts.as_ref().expect("hosts[] with --all-mx");
    assert_eq!(hosts.len(), 3, "{hosts:#?}");
    // Preference order: both mx1 addresses before mx2.
    let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["mx1.test", "mx1.test", "mx2.test"]);
    let dead = hosts
        .iter()
        .find(|h| h.address == format!("127.0.0.3:{port}"))
        .unwrap();
    assert_eq!(dead.verdict, Status::Red);
    assert_eq!(dead.connectivity, Status::Red);
    assert_eq!(dead.error.as_ref().unwrap().kind, "refused");
    let two = hosts.iter().find(|h| h.name == "mx2.test").unwrap();
    assert_eq!(two.verdict, Status::Green, "{}", two.summary);
    assert_eq!(two.tls, Status::Green);
    assert_eq!(two.port, port);
    // The worst decides, and a finding says which.
    assert_eq!(r.verdict, Status::Red, "{}", r.summary);
    let f = r.finding("mx.host_failed").unwrap();
    assert!(f.message.contains("127.0.0.3"), "{}", f.message);
    // The top-level areas describe the preferred address that answered.
    assert_eq!(
        r.connectivity.connected_to.as_deref(),
        Some(format!("127.0.0.1:{port}").as_str())
    );
    assert_eq!(r.delivery.outcome, "accepted");
    // Polite: one connection per address, and only one test message in all.
    assert_eq!(s1.connections(), 1);
    assert_eq!(s2.connections(), 1);
    assert_eq!(s1.delivered().len() + s2.delivered().len(), 1);
    assert!(
        r.summary.contains("MX addresses not green"),
        "{}",
        r.summary
    );
}

#[tokio::test]
async fn all_green_is_green_and_without_the_flag_there_is_no_hosts_list() {
    let pki = TestPki::new().unwrap();
    let s1 = server_at(&pki, Ipv4Addr::new(127, 0, 0, 1), 0, "mx1.test").await;
    let port = s1.addr().port();
    let s2 = server_at(&pki, Ipv4Addr::new(127, 0, 0, 2), port, "mx2.test").await;
    let zone = Zone::new()
        .mx("example.test", 10, "mx1.test")
        .mx("example.test", 20, "mx2.test")
        .a("mx1.test", Ipv4Addr::new(127, 0, 0, 1))
        .a("mx2.test", Ipv4Addr::new(127, 0, 0, 2));
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&dns, &pki, port).run().await;
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    let hosts = r.hosts.as_ref().unwrap();
    assert_eq!(hosts.len(), 2);
    assert!(hosts.iter().all(|h| h.verdict == Status::Green));
    assert!(!r.has(FindingId::MxHostFailed));
    assert!(
        r.summary.ends_with("all 2 MX addresses green"),
        "{}",
        r.summary
    );
    assert_eq!((s1.connections(), s2.connections()), (1, 1));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["hosts"][1]["name"], "mx2.test");
    assert_eq!(json["hosts"][1]["verdict"], "green");

    let r = check(&dns, &pki, port).all_mx(false).run().await;
    assert!(r.hosts.is_none());
    assert!(serde_json::to_value(&r).unwrap().get("hosts").is_none());
    // Without --all-mx only the preferred host is contacted.
    assert_eq!((s1.connections(), s2.connections()), (2, 1));
}

#[tokio::test]
async fn a_failing_backup_mx_turns_the_verdict_red_even_when_the_first_is_fine() {
    let pki = TestPki::new().unwrap();
    let s1 = server_at(&pki, Ipv4Addr::new(127, 0, 0, 1), 0, "mx1.test").await;
    let port = s1.addr().port();
    let zone = Zone::new()
        .mx("example.test", 10, "mx1.test")
        .mx("example.test", 20, "mx2.test")
        .a("mx1.test", Ipv4Addr::new(127, 0, 0, 1))
        .a("mx2.test", Ipv4Addr::new(127, 0, 0, 4));
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&dns, &pki, port).run().await;
    assert_eq!(r.connectivity.status, Status::Green, "top level: mx1");
    assert_eq!(r.verdict, Status::Red);
    let hosts = r.hosts.unwrap();
    assert_eq!(hosts[0].verdict, Status::Green);
    assert_eq!(hosts[1].verdict, Status::Red);
}

#[tokio::test]
async fn ipv4_and_ipv6_addresses_of_one_host_are_each_checked() {
    let pki = TestPki::new().unwrap();
    let v4 = server_at(&pki, Ipv4Addr::new(127, 0, 0, 1), 0, "mx1.test").await;
    let port = v4.addr().port();
    let v6 = TestServer::builder()
        .bind(SocketAddr::new(
            IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
            port,
        ))
        .hostname("mx1.test")
        .tls(ServerTls::starttls(
            pki.server_cert(Scenario::Valid, &["mx1.test"]).unwrap(),
        ))
        .start()
        .await
        .unwrap();
    let zone = Zone::new()
        .mx("example.test", 10, "mx1.test")
        .a("mx1.test", Ipv4Addr::new(127, 0, 0, 1))
        .aaaa("mx1.test", std::net::Ipv6Addr::LOCALHOST);
    let dns = DnsResponder::start(zone).await.unwrap();
    let r = check(&dns, &pki, port)
        .ip_families(IpFamilies::Both)
        .run()
        .await;
    let hosts = r.hosts.as_ref().unwrap();
    let addrs: Vec<&str> = hosts.iter().map(|h| h.address.as_str()).collect();
    assert_eq!(hosts.len(), 2, "{addrs:?}");
    assert!(
        addrs.contains(&format!("[::1]:{port}").as_str()),
        "{addrs:?}"
    );
    assert!(
        addrs.contains(&format!("127.0.0.1:{port}").as_str()),
        "{addrs:?}"
    );
    assert!(
        hosts.iter().all(|h| h.verdict == Status::Green),
        "{hosts:#?}"
    );
    assert_eq!((v4.connections(), v6.connections()), (1, 1));
}
