//! Arbitrary names, addresses and answers never panic the reputation evaluators, and
//! their results keep their invariants.

use std::net::{IpAddr, Ipv4Addr};

use proptest::prelude::*;
use smtping_proto::dns::{RecordData, Txt};
use smtping_signals::dnsbl::{DnsblEvaluator, DnsblProblem, DnsblTarget, parse_zones, query_name};
use smtping_signals::evaluate_with;
use smtping_signals::helo::HeloEvaluator;
use smtping_signals::reverse::{MAX_PTR_NAMES, PtrEvaluator, address_scope, generic_hint};
use smtping_testkit::dns::{MemoryDns, Zone};

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_.-]{0,80}",
        "\\PC{0,40}",
        "\\[[0-9a-fA-FIPv:.]{0,45}\\]?",
        "([a-z0-9]{1,63}\\.){1,5}[a-z]{2,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn helo_never_panics(helo in name(), ip in any::<IpAddr>(), answer in any::<IpAddr>()) {
        let zone = match answer {
            IpAddr::V4(a) => Zone::new().a("mail.example.test", a),
            IpAddr::V6(a) => Zone::new().aaaa("mail.example.test", a),
        };
        let dns = MemoryDns::new(zone).unwrap();
        let r = evaluate_with(HeloEvaluator::new(&helo, ip), |q| dns.resolve(q)).unwrap();
        prop_assert!(r.name.chars().count() <= 256);
        if r.matches_ip == Some(true) {
            prop_assert!(r.problems.is_empty());
        }
        prop_assert!(dns.queries().len() <= 2);
    }

    #[test]
    fn ptr_never_panics(
        ip in any::<IpAddr>(),
        targets in prop::collection::vec(prop_oneof![
            8 => "[a-z0-9_][a-z0-9_-]{0,19}(\\.[a-zA-Z0-9_][a-zA-Z0-9_-]{0,19}){0,3}",
            1 => name(),
        ], 0..14),
        forward in prop::collection::vec(any::<Ipv4Addr>(), 0..4),
    ) {
        let mut zone = Zone::new();
        for t in &targets {
            zone = zone.ptr(ip, t);
            for a in &forward {
                zone = zone.a(t, *a);
            }
        }
        let Ok(dns) = MemoryDns::new(zone) else {
            return Ok(()); // a name the test server cannot serve
        };
        let r = evaluate_with(PtrEvaluator::new(ip), |q| dns.resolve(q)).unwrap();
        prop_assert!(r.forward.len() <= MAX_PTR_NAMES);
        prop_assert_eq!(r.fcrdns, r.forward.iter().any(|f| f.matches));
        prop_assert!(dns.queries().len() <= 1 + 2 * MAX_PTR_NAMES);
        for p in &r.problems {
            prop_assert!(p.finding_id().starts_with("dns."));
        }
    }

    #[test]
    fn dnsbl_answers_never_panic(
        codes in prop::collection::vec(any::<Ipv4Addr>(), 0..20),
        txt in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..4),
        zone_pick in 0usize..4,
        v6 in any::<bool>(),
    ) {
        let zone_name = ["zen.spamhaus.org", "rbl.example.test", "bl.spamcop.net", "b.barracudacentral.org"][zone_pick];
        let ip: IpAddr = if v6 { "2001:db8::1".parse().unwrap() } else { "192.0.2.1".parse().unwrap() };
        let target = DnsblTarget::Ip(ip);
        let q = query_name(&target, zone_name).unwrap();
        let mut zone = Zone::new();
        for c in &codes {
            zone = zone.a(&q, *c);
        }
        let strings: Vec<Vec<u8>> = txt.into_iter().map(|s| s.into_iter().take(255).collect()).collect();
        if !strings.is_empty() {
            zone = zone.record(&q, RecordData::Txt(Txt { strings }));
        }
        let dns = MemoryDns::new(zone).unwrap();
        let zones = parse_zones([zone_name]).unwrap();
        let results = evaluate_with(DnsblEvaluator::new(target, &zones), |q| dns.resolve(q)).unwrap();
        prop_assert_eq!(results.len(), 1);
        let r = &results[0];
        if r.listed {
            prop_assert!(r.codes.iter().all(|c| c.octets()[0] == 127));
            prop_assert!(!r.codes.iter().any(|c| c.octets()[1..] == [255, 255, 254]) || zone_name != "zen.spamhaus.org");
            let only_listed = matches!(r.problems[..], [DnsblProblem::Listed { .. }]);
            prop_assert!(only_listed, "{:?}", r.problems);
            prop_assert!(r.reason.as_ref().is_none_or(|t| t.chars().count() <= 513 && !t.chars().any(char::is_control)));
        }
        if r.codes.iter().any(|c| c.octets()[0] != 127) {
            prop_assert!(!r.listed);
            prop_assert!(r.error.is_some());
        }
    }

    #[test]
    fn dnsbl_inputs_never_panic(domain in name(), specs in prop::collection::vec(name(), 0..4)) {
        let _ = parse_zones(specs.iter().map(String::as_str));
        let zones = parse_zones(["dbl.spamhaus.org", "multi.surbl.org"]).unwrap();
        let dns = MemoryDns::new(Zone::new()).unwrap();
        let target = DnsblTarget::Domain(domain);
        let results = evaluate_with(DnsblEvaluator::new(target, &zones), |q| dns.resolve(q)).unwrap();
        prop_assert_eq!(results.len(), 2);
        for r in &results {
            prop_assert!(r.query.len() <= 253);
            prop_assert!(!r.listed);
        }
    }

    #[test]
    fn classifiers_never_panic(text in "\\PC{0,80}", ip in any::<IpAddr>()) {
        let _ = generic_hint(&text, ip);
        let scope = address_scope(ip);
        prop_assert!(!(scope.is_public() && scope.is_private_or_loopback()));
    }
}
