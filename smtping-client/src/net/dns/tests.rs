//! Unit tests of `dns` (kept beside it, in its own file).

use super::*;
use smtping_proto::dns::DnsErrorKind;
use smtping_proto::dns::Protocol;
use smtping_testkit::dns::{DnsResponder, Fault, Zone};
use std::net::Ipv6Addr;
use std::net::{Ipv4Addr, SocketAddr};

fn quick(config: ResolverConfig) -> Resolver {
    // Generous: loopback answers take microseconds, but CI machines are busy.
    Resolver::new(config.with_timeout(Duration::from_secs(1)).with_attempts(2))
}

fn zone() -> Zone {
    Zone::new()
        .mx("example.test", 20, "mx2.example.test")
        .mx("example.test", 10, "mx1.example.test")
        .a("mx1.example.test", Ipv4Addr::new(127, 0, 0, 10))
        .aaaa("mx1.example.test", Ipv6Addr::LOCALHOST)
        .a("mx2.example.test", Ipv4Addr::new(127, 0, 0, 20))
        .a("nomx.example.test", Ipv4Addr::new(127, 0, 0, 30))
        .null_mx("null.example.test")
        .txt("example.test", "v=spf1 -all")
        .ptr(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10)), "mx1.example.test")
        .tlsa("_25._tcp.mx1.example.test", 3, 1, 1, &[0xab; 32])
        .cname("alias.example.test", "mx1.example.test")
}

#[tokio::test]
async fn typed_lookups_against_the_responder() {
    let dns = DnsResponder::start(zone()).await.unwrap();
    let r = quick(dns.resolver_config());

    let mx = r.lookup_mx("Example.Test.").await.unwrap();
    let hosts: Vec<_> = mx
        .hosts()
        .into_iter()
        .map(|h| (h.preference, h.host))
        .collect();
    assert_eq!(
        hosts,
        [
            (10, "mx1.example.test".to_string()),
            (20, "mx2.example.test".to_string())
        ]
    );

    let ips = r.lookup_ip("mx1.example.test", IpFamilies::Both).await;
    assert_eq!(
        ips.addresses(),
        [
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10))
        ]
    );
    assert!(ips.error().is_none());

    let txt = r.lookup_txt("example.test").await.unwrap();
    assert_eq!(txt[0].to_string_lossy(), "v=spf1 -all");

    let ptr = r
        .lookup_ptr(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10)))
        .await
        .unwrap();
    assert_eq!(ptr, ["mx1.example.test"]);

    let tlsa = r
        .lookup("_25._tcp.mx1.example.test", RecordType::Tlsa)
        .await
        .unwrap();
    assert_eq!(tlsa.tlsa().next().unwrap().usage, 3);

    let alias = r.lookup("alias.example.test", RecordType::A).await.unwrap();
    assert_eq!(alias.canonical_name, "mx1.example.test");
    assert_eq!(alias.cname_chain.len(), 1);

    let null = r.lookup_mx("null.example.test").await.unwrap();
    assert!(null.is_null_mx());

    let implicit = r.lookup_mx("nomx.example.test").await.unwrap();
    assert_eq!(
        implicit,
        MxResolution::Implicit {
            host: "nomx.example.test".into()
        }
    );

    assert!(dns.udp_queries() >= 9);
    assert_eq!(dns.tcp_queries(), 0);
}

#[tokio::test]
async fn per_family_outcome_says_no_aaaa() {
    let dns = DnsResponder::start(zone()).await.unwrap();
    let r = quick(dns.resolver_config());
    let ips = r.lookup_ip("mx2.example.test", IpFamilies::Both).await;
    assert_eq!(ips.ipv4(), [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 20))]);
    let v6 = ips.v6.as_ref().unwrap().as_ref().unwrap_err();
    assert_eq!(v6.kind(), DnsErrorKind::NoData);
    assert!(ips.error().is_none());

    let only4 = r.lookup_ip("mx1.example.test", IpFamilies::V4Only).await;
    assert!(only4.v6.is_none());
    assert_eq!(
        only4.addresses(),
        [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 10))]
    );

    let missing = r.lookup_ip("nothing.example.test", IpFamilies::Both).await;
    assert_eq!(missing.error().unwrap().kind(), DnsErrorKind::NxDomain);
    assert!(missing.into_result().is_err());

    let literal = r.lookup_ip("[::1]", IpFamilies::Both).await;
    assert_eq!(literal.addresses(), [IpAddr::V6(Ipv6Addr::LOCALHOST)]);
    assert!(literal.v4.is_none() && literal.v6.is_none());
}

#[tokio::test]
async fn nxdomain_nodata_servfail_refused_are_distinct() {
    let dns = DnsResponder::start(
        zone()
            .fault("sf.example.test", Fault::ServFail)
            .fault("rf.example.test", Fault::Refused)
            .fault("nx.example.test", Fault::NxDomain),
    )
    .await
    .unwrap();
    let r = quick(dns.resolver_config());
    let kind = |res: Result<Answer, DnsError>| res.unwrap_err().kind();
    assert_eq!(
        kind(r.lookup("nx.example.test", RecordType::A).await),
        DnsErrorKind::NxDomain
    );
    assert_eq!(
        kind(r.lookup("mx2.example.test", RecordType::Aaaa).await),
        DnsErrorKind::NoData
    );
    assert_eq!(
        kind(r.lookup("sf.example.test", RecordType::A).await),
        DnsErrorKind::ServFail
    );
    assert_eq!(
        kind(r.lookup("rf.example.test", RecordType::A).await),
        DnsErrorKind::Refused
    );
    // A SERVFAIL on MX is not "no MX": no implicit fallback.
    let err = r.lookup_mx("sf.example.test").await.unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::ServFail);
    assert!(err.to_string().contains("sf.example.test MX"), "{err}");
    assert!(err.to_string().contains(&dns.addr().to_string()), "{err}");
}

#[tokio::test]
async fn truncation_falls_back_to_tcp() {
    let dns = DnsResponder::start(zone().fault("example.test", Fault::TruncateUdp))
        .await
        .unwrap();
    let r = quick(dns.resolver_config());
    let outcome = r.query("example.test", RecordType::Mx).await;
    let answer = outcome.result.unwrap();
    assert_eq!(answer.protocol, Protocol::Tcp);
    assert_eq!(answer.mx().count(), 2);
    assert_eq!(dns.udp_queries(), 1);
    assert_eq!(dns.tcp_queries(), 1);
    assert_eq!(outcome.stats.tcp_transmissions, 1);
}

#[tokio::test]
async fn oversized_answer_is_truncated_naturally_and_fetched_over_tcp() {
    let mut z = zone();
    for i in 0..30 {
        z = z.txt("big.example.test", &format!("{i:02}{}", "t".repeat(120)));
    }
    let dns = DnsResponder::start(z).await.unwrap();
    let r = quick(dns.resolver_config());
    let txt = r.lookup_txt("big.example.test").await.unwrap();
    assert_eq!(txt.len(), 30);
    assert_eq!(dns.tcp_queries(), 1);
}

#[tokio::test]
async fn silent_server_times_out_after_all_attempts() {
    let dns = DnsResponder::start(zone().default_fault(Fault::Drop))
        .await
        .unwrap();
    let r = Resolver::new(
        dns.resolver_config()
            .with_timeout(Duration::from_millis(100))
            .with_attempts(2),
    );
    let outcome = r.query("example.test", RecordType::Mx).await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Timeout, "{err}");
    assert_eq!(outcome.stats.transmissions, 2);
    assert_eq!(dns.udp_queries(), 2);
    assert!(err.to_string().contains("after 2 queries"), "{err}");
}

#[tokio::test]
async fn wrong_id_is_ignored_then_times_out() {
    let dns = DnsResponder::start(zone().fault("example.test", Fault::WrongId))
        .await
        .unwrap();
    let r = Resolver::new(
        dns.resolver_config()
            .with_timeout(Duration::from_millis(100))
            .with_attempts(1),
    );
    let outcome = r.query("example.test", RecordType::Mx).await;
    assert_eq!(outcome.result.unwrap_err().kind(), DnsErrorKind::Timeout);
    assert_eq!(outcome.stats.ignored, 1);
}

#[tokio::test]
async fn malformed_answer_is_reported() {
    let dns = DnsResponder::start(zone().fault("example.test", Fault::Malformed))
        .await
        .unwrap();
    let r = quick(dns.resolver_config().with_attempts(1));
    let err = r.lookup("example.test", RecordType::Mx).await.unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Malformed, "{err}");
}

#[tokio::test]
async fn servfail_then_next_server_answers() {
    let broken = DnsResponder::start(Zone::new().default_fault(Fault::ServFail))
        .await
        .unwrap();
    let silent = DnsResponder::start(Zone::new().default_fault(Fault::Drop))
        .await
        .unwrap();
    let good = DnsResponder::start(zone()).await.unwrap();
    let r =
        quick(ResolverConfig::new([broken.addr(), silent.addr(), good.addr()]).with_attempts(1));
    let answer = r.lookup("mx1.example.test", RecordType::A).await.unwrap();
    assert_eq!(answer.server, good.addr());
    assert_eq!(broken.udp_queries(), 1);
    assert_eq!(silent.udp_queries(), 1);
    assert_eq!(good.udp_queries(), 1);
}

#[tokio::test]
async fn delayed_answer_from_first_server_still_counts() {
    // The first server answers after its try timed out; the second is silent. The
    // late answer to the first query is accepted.
    let slow = DnsResponder::start(zone().default_fault(Fault::Delay(Duration::from_millis(150))))
        .await
        .unwrap();
    let silent = DnsResponder::start(Zone::new().default_fault(Fault::Drop))
        .await
        .unwrap();
    let r = Resolver::new(
        ResolverConfig::new([slow.addr(), silent.addr()])
            .with_timeout(Duration::from_millis(100))
            .with_attempts(3),
    );
    let answer = r.lookup("mx1.example.test", RecordType::A).await.unwrap();
    assert_eq!(answer.server, slow.addr());
}

#[tokio::test]
async fn closed_port_fails_fast_and_moves_on() {
    // Bind and release a UDP port: nothing listens there now.
    let closed = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    let good = DnsResponder::start(zone()).await.unwrap();
    let r = Resolver::new(
        ResolverConfig::new([closed, good.addr()])
            .with_timeout(Duration::from_secs(5))
            .with_attempts(1),
    );
    let outcome = r.query("mx1.example.test", RecordType::A).await;
    assert_eq!(outcome.result.unwrap().server, good.addr());
}

#[tokio::test]
async fn icmp_port_unreachable_is_a_transport_error_not_a_timeout() {
    let closed = {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.local_addr().unwrap()
    };
    let r = Resolver::new(
        ResolverConfig::new([closed])
            .with_timeout(Duration::from_secs(5))
            .with_attempts(1),
    );
    let err = r
        .lookup("mx1.example.test", RecordType::A)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Transport, "{err}");
    assert_eq!(err.server(), Some(closed));
    assert!(err.to_string().contains("udp to"), "{err}");
}

#[tokio::test]
async fn tcp_only_configuration_uses_tcp() {
    let dns = DnsResponder::start(zone()).await.unwrap();
    let r = quick(dns.resolver_config().with_tcp(true));
    let a = r.lookup("mx1.example.test", RecordType::A).await.unwrap();
    assert_eq!(a.protocol, Protocol::Tcp);
    assert_eq!((dns.udp_queries(), dns.tcp_queries()), (0, 1));
    let log = dns.queries();
    assert_eq!(log[0].name, "mx1.example.test");
    assert_eq!(log[0].record_type, "A");
}

#[tokio::test]
async fn responder_on_ipv6_loopback() {
    let Ok(dns) = DnsResponder::start_on(zone(), IpAddr::V6(Ipv6Addr::LOCALHOST)).await else {
        // No IPv6 loopback in this environment; nothing to test.
        return;
    };
    let r = quick(dns.resolver_config());
    let a = r.lookup("mx2.example.test", RecordType::A).await.unwrap();
    assert_eq!(a.server, dns.addr());
}

#[tokio::test]
async fn invalid_name_is_an_error_not_a_query() {
    let dns = DnsResponder::start(zone()).await.unwrap();
    let r = quick(dns.resolver_config());
    let err = r.lookup("bad..name", RecordType::A).await.unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::InvalidName);
    assert_eq!(dns.udp_queries(), 0);
}

#[tokio::test]
async fn responder_stops_on_drop() {
    let dns = DnsResponder::start(zone()).await.unwrap();
    let addr = dns.addr();
    let config = dns.resolver_config().with_attempts(1);
    drop(dns);
    // The port is released once the aborted tasks are gone (bounded wait).
    let mut released = false;
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        if std::net::UdpSocket::bind(addr).is_ok() && std::net::TcpListener::bind(addr).is_ok() {
            released = true;
            break;
        }
    }
    assert!(released, "the responder still holds {addr}");
    let err = Resolver::new(config)
        .lookup("mx1.example.test", RecordType::A)
        .await
        .unwrap_err();
    assert!(
        matches!(err.kind(), DnsErrorKind::Timeout | DnsErrorKind::Transport),
        "{err}"
    );
}

#[test]
fn lookup_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let r = Resolver::with_servers([]);
    assert_send(&r.lookup("x.test", RecordType::A));
    assert_send(&r.lookup_ip("x.test", IpFamilies::Both));
    assert_send(&r.lookup_mx("x.test"));
}

#[test]
fn missing_resolv_conf_falls_back_to_loopback_with_a_note() {
    let r = Resolver::from_resolv_conf_path("/nonexistent/smtping/resolv.conf");
    assert_eq!(
        r.config().nameservers,
        vec!["127.0.0.1:53".parse::<SocketAddr>().unwrap()]
    );
    assert_eq!(r.notes().len(), 1);
    assert!(r.notes()[0].contains("127.0.0.1:53"), "{:?}", r.notes());
}

#[test]
fn resolv_conf_file_is_read() {
    let dir = std::env::temp_dir().join(format!("smtping-dns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("resolv.conf");
    std::fs::write(
        &path,
        "nameserver 127.0.0.53\noptions timeout:1 attempts:1\n",
    )
    .unwrap();
    let r = Resolver::from_resolv_conf_path(&path);
    assert_eq!(
        r.config().nameservers,
        vec!["127.0.0.53:53".parse::<SocketAddr>().unwrap()]
    );
    assert_eq!(r.config().timeout, Duration::from_secs(1));
    let _ = std::fs::remove_dir_all(&dir);
}
