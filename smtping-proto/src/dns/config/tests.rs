//! Unit tests of `config` (kept beside it, in its own file).

use super::*;

#[test]
fn parses_a_typical_file() {
    let conf = "# generated\n\
                nameserver 10.0.0.2\n\
                nameserver fe80::1%2   # link-local\n\
                search corp.example. example.com\n\
                options ndots:2 timeout:3 attempts:4 rotate trust-ad edns0\n";
    let c = ResolverConfig::from_resolv_conf(conf);
    assert_eq!(c.nameservers.len(), 2);
    assert_eq!(c.nameservers[0], "10.0.0.2:53".parse().unwrap());
    match c.nameservers[1] {
        SocketAddr::V6(v6) => {
            assert_eq!(v6.scope_id(), 2);
            assert_eq!(v6.port(), 53);
        }
        SocketAddr::V4(_) => panic!("expected v6"),
    }
    assert_eq!(c.search, vec!["corp.example", "example.com"]);
    assert_eq!(c.ndots, 2);
    assert_eq!(c.timeout, Duration::from_secs(3));
    assert_eq!(c.attempts, 4);
    assert!(c.rotate && c.trust_ad && !c.use_tcp);
    assert!(c.notes.is_empty(), "{:?}", c.notes);
}

#[test]
fn empty_file_falls_back_to_loopback_with_a_note() {
    let c = ResolverConfig::from_resolv_conf("; nothing here\n\n");
    assert_eq!(c.nameservers, vec!["127.0.0.1:53".parse().unwrap()]);
    assert_eq!(c.notes.len(), 1);
    assert!(c.notes[0].contains("127.0.0.1"));
}

#[test]
fn only_three_nameservers_like_glibc() {
    let conf =
        "nameserver 192.0.2.1\nnameserver 192.0.2.2\nnameserver 192.0.2.3\nnameserver 192.0.2.4\n";
    let c = ResolverConfig::from_resolv_conf(conf);
    assert_eq!(c.nameservers.len(), 3);
    assert!(c.notes.iter().any(|n| n.contains("1 more ignored")));
}

#[test]
fn bad_lines_are_noted_not_fatal() {
    let conf = "nameserver\nnameserver fe80::1%eth0\nnameserver dns.example\nfrobnicate 1\n\
                options timeout:x attempts:99 weird use-vc\nnameserver 192.0.2.9\n";
    let c = ResolverConfig::from_resolv_conf(conf);
    assert_eq!(c.nameservers, vec!["192.0.2.9:53".parse().unwrap()]);
    assert_eq!(c.attempts, MAX_ATTEMPTS);
    assert!(c.use_tcp);
    assert_eq!(c.timeout, DEFAULT_TIMEOUT);
    assert_eq!(c.notes.len(), 6, "{:#?}", c.notes);
    assert!(c.notes.iter().any(|n| n.contains("numeric IPv6 zones")));
}

#[test]
fn timeout_is_clamped_like_glibc() {
    let c = ResolverConfig::from_resolv_conf("nameserver ::1\noptions timeout:0\n");
    assert_eq!(c.timeout, Duration::from_secs(1));
    let c = ResolverConfig::from_resolv_conf("nameserver ::1\noptions timeout:3600\n");
    assert_eq!(c.timeout, Duration::from_secs(30));
}

#[test]
fn last_search_or_domain_wins() {
    let c = ResolverConfig::from_resolv_conf("search a.example b.example\ndomain c.example\n");
    assert_eq!(c.search, vec!["c.example"]);
}

#[test]
fn server_address_forms() {
    let ok = [
        ("127.0.0.1", "127.0.0.1:53"),
        (" 127.0.0.1:5353 ", "127.0.0.1:5353"),
        ("::1", "[::1]:53"),
        ("[::1]", "[::1]:53"),
        ("[2001:db8::1]:853", "[2001:db8::1]:853"),
        ("[fe80::1%3]:53", "[fe80::1%3]:53"),
        ("fe80::1%3", "[fe80::1%3]:53"),
    ];
    for (input, want) in ok {
        let got = ResolverConfig::parse_server(input).unwrap();
        assert_eq!(got.to_string(), want, "{input}");
    }
    let bad = [
        "",
        "dns.example",
        "127.0.0.1:0",
        "127.0.0.1:65536",
        "127.0.0.1:+53",
        "[::1",
        "[::1]53",
        "[::1]:x",
        "::1:53:zz",
        "2001:db8::1:53x",
        "[1.2.3.4]:53",
        "fe80::1%eth0",
    ];
    for input in bad {
        assert!(ResolverConfig::parse_server(input).is_err(), "{input:?}");
    }
}

#[test]
fn error_names_input_and_cause() {
    let e = ResolverConfig::parse_server("127.0.0.1:0").unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid resolver address \"127.0.0.1:0\": port 0 is not usable"
    );
}

#[test]
fn clamps() {
    let c = ResolverConfig::new([])
        .with_timeout(Duration::ZERO)
        .with_attempts(0);
    assert_eq!(c.effective_timeout(), MIN_TIMEOUT);
    assert_eq!(c.effective_attempts(), 1);
    let many: Vec<SocketAddr> = (1..=20u8)
        .map(|i| SocketAddr::from(([192, 0, 2, i], 53)))
        .collect();
    let c = ResolverConfig::new(many);
    assert_eq!(c.effective_nameservers().len(), MAX_NAMESERVERS);
}
