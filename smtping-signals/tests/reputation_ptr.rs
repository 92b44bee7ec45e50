//! PTR / FCrDNS evaluation against in-memory zones.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use smtping_proto::dns::{RecordData, RecordType};
use smtping_signals::reverse::{MAX_PTR_NAMES, PtrEvaluator, PtrProblem, PtrResult};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 25));
const V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 25);

fn run(zone: Zone, ip: IpAddr) -> (PtrResult, MemoryDns) {
    let dns = MemoryDns::new(zone).unwrap();
    let result = evaluate_with(PtrEvaluator::new(ip), |q| dns.resolve(q)).unwrap();
    (result, dns)
}

fn ids(result: &PtrResult) -> Vec<&'static str> {
    result.problems.iter().map(PtrProblem::finding_id).collect()
}

#[test]
fn forward_confirmed_ipv4() {
    let (r, dns) = run(
        Zone::new()
            .ptr(IP, "Mail.Example.Test.")
            .a("mail.example.test", V4),
        IP,
    );
    assert!(r.fcrdns);
    assert_eq!(r.names, ["mail.example.test"]);
    assert_eq!(r.forward[0].addresses, [IP]);
    assert!(r.forward[0].matches);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.error, None);
    // PTR, then A and AAAA of the name.
    let asked: Vec<String> = dns
        .queries()
        .iter()
        .map(|q| q.record_type.clone())
        .collect();
    assert_eq!(asked, ["PTR", "A", "AAAA"]);
    assert_eq!(dns.queries()[0].name, "25.2.0.192.in-addr.arpa");
}

#[test]
fn forward_confirmed_ipv6_nibbles() {
    let ip6: Ipv6Addr = "2001:db8::25".parse().unwrap();
    let (r, dns) = run(
        Zone::new()
            .ptr(IpAddr::V6(ip6), "mx6.example.test")
            .aaaa("mx6.example.test", ip6),
        IpAddr::V6(ip6),
    );
    assert!(r.fcrdns, "{r:?}");
    assert!(dns.queries()[0].name.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"));
    assert!(dns.queries()[0].name.starts_with("5.2.0.0."));
}

#[test]
fn ipv4_mapped_is_treated_as_ipv4() {
    let mapped: IpAddr = "::ffff:192.0.2.25".parse().unwrap();
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "mail.example.test")
            .a("mail.example.test", V4),
        mapped,
    );
    assert_eq!(r.ip, IP);
    assert!(r.fcrdns);
}

#[test]
fn no_ptr() {
    let (r, _) = run(Zone::new().a("unrelated.example.test", V4), IP);
    assert!(!r.fcrdns);
    assert!(r.names.is_empty());
    assert_eq!(ids(&r), ["dns.no_ptr"]);
    assert_eq!(r.error, None, "no PTR is an answer, not an error");
}

#[test]
fn ptr_does_not_resolve_back() {
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "mail.example.test")
            .a("mail.example.test", Ipv4Addr::new(198, 51, 100, 1)),
        IP,
    );
    assert!(!r.fcrdns);
    assert_eq!(
        r.forward[0].addresses,
        [IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1))]
    );
    assert_eq!(ids(&r), ["dns.fcrdns_mismatch"]);
    let (r, _) = run(Zone::new().ptr(IP, "gone.example.test"), IP);
    assert_eq!(ids(&r), ["dns.fcrdns_mismatch"]);
    assert!(r.forward[0].addresses.is_empty());
}

#[test]
fn cnamed_ptr_name_and_cnamed_reverse_name() {
    // The PTR target is an alias: the forward lookup follows it.
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "alias.example.test")
            .cname("alias.example.test", "real.example.test")
            .a("real.example.test", V4),
        IP,
    );
    assert!(r.fcrdns, "{r:?}");
    // Classless delegation (RFC 2317): the reverse name is an alias of another PTR owner.
    let (r, _) = run(
        Zone::new()
            .cname("25.2.0.192.in-addr.arpa", "25.sub.2.0.192.in-addr.arpa")
            .record(
                "25.sub.2.0.192.in-addr.arpa",
                RecordData::Ptr("mail.example.test".into()),
            )
            .a("mail.example.test", V4),
        IP,
    );
    assert!(r.fcrdns, "{r:?}");
    assert_eq!(r.names, ["mail.example.test"]);
}

#[test]
fn one_matching_name_of_several_is_enough() {
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "a.example.test")
            .ptr(IP, "b.example.test")
            .a("a.example.test", Ipv4Addr::new(198, 51, 100, 1))
            .a("b.example.test", V4)
            .fault("a.example.test", Fault::Drop),
        IP,
    );
    assert!(r.fcrdns);
    assert!(
        r.problems.is_empty(),
        "a failure elsewhere does not matter: {:?}",
        r.problems
    );
    assert!(r.forward[0].error.is_some());
}

#[test]
fn more_than_ten_names() {
    let mut zone = Zone::new();
    for i in 0..12 {
        zone = zone.ptr(IP, &format!("n{i}.example.test"));
    }
    // Only the 11th name would resolve back: it is past the limit and never asked.
    zone = zone.a("n10.example.test", V4);
    let (r, dns) = run(zone, IP);
    assert_eq!(r.names.len(), 12);
    assert_eq!(r.forward.len(), MAX_PTR_NAMES);
    assert!(!r.fcrdns);
    assert!(r.problems.contains(&PtrProblem::TooManyNames {
        count: 12,
        limit: 10
    }));
    assert!(ids(&r).contains(&"dns.fcrdns_mismatch"));
    assert!(!dns.queries().iter().any(|q| q.name == "n10.example.test"));
    assert_eq!(dns.queries().len(), 1 + 2 * MAX_PTR_NAMES);
}

#[test]
fn all_forward_questions_are_prefetched() {
    let dns = MemoryDns::new(
        Zone::new()
            .ptr(IP, "a.example.test")
            .ptr(IP, "b.example.test")
            .ptr(IP, "c.example.test")
            .a("c.example.test", V4),
    )
    .unwrap();
    let mut e = PtrEvaluator::new(IP);
    let ptr = e.poll_query().unwrap();
    assert_eq!(ptr.record_type, RecordType::Ptr);
    assert_eq!(e.poll_query(), None, "nothing else before the PTR answer");
    assert!(e.poll_result().is_none());
    e.handle_response(&ptr, &dns.resolve(&ptr));
    let mut asked = Vec::new();
    while let Some(q) = e.poll_query() {
        asked.push(q);
    }
    assert_eq!(
        asked.len(),
        6,
        "A and AAAA of every name at once: {asked:?}"
    );
    assert_eq!(
        (asked[0].record_type, asked[1].record_type),
        (RecordType::A, RecordType::Aaaa)
    );
    // Answers in any order.
    for q in asked.iter().rev() {
        assert!(e.poll_result().is_none());
        e.handle_response(q, &dns.resolve(q));
    }
    let r = e.poll_result().unwrap();
    assert!(r.fcrdns);
    assert!(e.poll_result().is_none(), "the result is taken once");
}

#[test]
fn ptr_timeout_and_servfail_are_temporary() {
    let reverse = PtrEvaluator::new(IP).reverse_question().name;
    for fault in [Fault::Drop, Fault::ServFail] {
        let (r, _) = run(Zone::new().fault(&reverse, fault), IP);
        assert_eq!(ids(&r), ["dns.ptr_temp_failure"], "{fault:?}");
        assert!(r.error.is_some());
        assert!(!r.fcrdns);
    }
}

#[test]
fn forward_timeout_is_not_a_mismatch() {
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "mail.example.test")
            .aaaa("mail.example.test", "2001:db8::1".parse().unwrap())
            .fault_for("mail.example.test", RecordType::A, Fault::Drop),
        IP,
    );
    assert!(!r.fcrdns);
    assert_eq!(ids(&r), ["dns.ptr_temp_failure"]);
    assert!(r.forward[0].error.as_deref().unwrap().contains("timeout"));
}

#[test]
fn generic_names_are_noted() {
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "192-0-2-25.dyn.isp.example")
            .a("192-0-2-25.dyn.isp.example", V4),
        IP,
    );
    assert!(r.fcrdns);
    assert_eq!(ids(&r), ["dns.ptr_generic"]);
}

#[test]
fn invalid_ptr_targets_are_not_looked_up() {
    let (r, dns) = run(Zone::new().ptr(IP, "bad_name.example.test"), IP);
    assert_eq!(ids(&r), ["dns.ptr_invalid_name", "dns.fcrdns_mismatch"]);
    assert_eq!(dns.queries().len(), 1);
}

#[test]
fn serialises_to_the_contract() {
    let (r, _) = run(
        Zone::new()
            .ptr(IP, "mail.example.test")
            .a("mail.example.test", V4),
        IP,
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["ip"], "192.0.2.25");
    assert_eq!(json["names"][0], "mail.example.test");
    assert_eq!(json["fcrdns"], true);
    assert_eq!(json["scope"], "documentation");
    let (r, _) = run(Zone::new(), IP);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["problems"][0]["kind"], "no_ptr");
}
