//! HELO name evaluation against in-memory zones.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use smtping_proto::dns::RecordType;
use smtping_signals::helo::{HeloEvaluator, HeloProblem, HeloResult};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

const V4: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 25);
const IP: IpAddr = IpAddr::V4(V4);

fn run(zone: Zone, name: &str, ip: IpAddr) -> (HeloResult, MemoryDns) {
    let dns = MemoryDns::new(zone).unwrap();
    let result = evaluate_with(HeloEvaluator::new(name, ip), |q| dns.resolve(q)).unwrap();
    (result, dns)
}

fn ids(r: &HeloResult) -> Vec<&'static str> {
    r.problems.iter().map(HeloProblem::finding_id).collect()
}

#[test]
fn resolves_and_matches() {
    let (r, dns) = run(
        Zone::new().a("mail.example.test", V4),
        "Mail.Example.Test",
        IP,
    );
    assert!(r.fqdn);
    assert_eq!(r.name, "Mail.Example.Test");
    assert_eq!((r.resolves, r.matches_ip), (Some(true), Some(true)));
    assert_eq!(r.addresses, [IP]);
    assert!(r.problems.is_empty());
    let mut types: Vec<String> = dns
        .queries()
        .iter()
        .map(|q| q.record_type.clone())
        .collect();
    types.sort();
    assert_eq!(types, ["A", "AAAA"]);
}

#[test]
fn a_and_aaaa_are_asked_together() {
    let mut e = HeloEvaluator::new("mail.example.test", IP);
    let first = e.poll_query().unwrap();
    let second = e.poll_query().unwrap();
    assert_eq!(e.poll_query(), None);
    let mut types = [first.record_type, second.record_type];
    types.sort();
    assert_eq!(types, [RecordType::A, RecordType::Aaaa]);
    assert!(e.poll_result().is_none());
}

#[test]
fn resolves_elsewhere() {
    let other = Ipv4Addr::new(198, 51, 100, 7);
    let (r, _) = run(
        Zone::new().a("mail.example.test", other),
        "mail.example.test",
        IP,
    );
    assert_eq!((r.resolves, r.matches_ip), (Some(true), Some(false)));
    assert_eq!(ids(&r), ["helo.mismatch"]);
    assert_eq!(
        r.problems[0],
        HeloProblem::Mismatch {
            addresses: vec![IpAddr::V4(other)]
        }
    );
}

#[test]
fn does_not_resolve() {
    let (r, _) = run(Zone::new(), "mail.example.test", IP);
    assert!(r.fqdn);
    assert_eq!((r.resolves, r.matches_ip), (Some(false), Some(false)));
    assert_eq!(ids(&r), ["helo.does_not_resolve"]);
    assert_eq!(r.error, None);
}

#[test]
fn ipv6_sender_and_cname() {
    let ip6: Ipv6Addr = "2001:db8::25".parse().unwrap();
    let (r, _) = run(
        Zone::new()
            .cname("mail.example.test", "host.example.test")
            .aaaa("host.example.test", ip6)
            .a("host.example.test", V4),
        "mail.example.test",
        IpAddr::V6(ip6),
    );
    assert_eq!(r.matches_ip, Some(true), "{r:?}");
    assert_eq!(r.addresses.len(), 2);
}

#[test]
fn timeouts_leave_it_unknown() {
    let (r, _) = run(
        Zone::new().fault_for("mail.example.test", RecordType::A, Fault::Drop),
        "mail.example.test",
        IP,
    );
    assert_eq!((r.resolves, r.matches_ip), (None, None));
    assert_eq!(ids(&r), ["helo.temp_failure"]);
    assert!(r.error.as_deref().unwrap().contains("timeout"));
    // A failed A lookup does not hide an AAAA match.
    let ip6: Ipv6Addr = "2001:db8::25".parse().unwrap();
    let (r, _) = run(
        Zone::new().aaaa("mail.example.test", ip6).fault_for(
            "mail.example.test",
            RecordType::A,
            Fault::ServFail,
        ),
        "mail.example.test",
        IpAddr::V6(ip6),
    );
    assert_eq!((r.resolves, r.matches_ip), (Some(true), Some(true)));
    assert!(r.problems.is_empty());
    assert!(r.error.is_some());
}

#[test]
fn literals_ask_nothing() {
    let dns = MemoryDns::new(Zone::new()).unwrap();
    let ip6: IpAddr = "2001:db8::25".parse().unwrap();
    let r = evaluate_with(HeloEvaluator::new("[IPv6:2001:DB8::25]", ip6), |q| {
        dns.resolve(q)
    })
    .unwrap();
    assert_eq!(r.address_literal, Some(ip6));
    assert_eq!(r.matches_ip, Some(true));
    assert!(r.problems.is_empty());
    let r = evaluate_with(HeloEvaluator::new("[192.0.2.26]", IP), |q| dns.resolve(q)).unwrap();
    assert_eq!(ids(&r), ["helo.literal_mismatch"]);
    assert!(dns.queries().is_empty());
}

#[test]
fn serialises_to_the_contract() {
    let (r, _) = run(
        Zone::new().a("mail.example.test", V4),
        "mail.example.test",
        IP,
    );
    let json = serde_json::to_value(&r).unwrap();
    for key in [
        "name",
        "fqdn",
        "resolves",
        "matches_ip",
        "addresses",
        "error",
        "address_literal",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["matches_ip"], true);
    let (r, _) = run(Zone::new(), "localhost", IP);
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["problems"][0]["kind"], "localhost");
    assert_eq!(json["resolves"], serde_json::Value::Null);
}
