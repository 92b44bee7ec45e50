//! Blocklist lookups against in-memory zones: listings, every error code, IPv6 nibble
//! names, domain lists, timeouts and politeness.

use std::net::{IpAddr, Ipv4Addr};

use smtping_proto::dns::RecordType;
use smtping_signals::dnsbl::{
    DnsblEvaluator, DnsblProblem, DnsblResult, DnsblTarget, RefusalCause, ZoneErrorCause,
    parse_zones,
};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

const IP: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 99));

fn code(last3: [u8; 3]) -> Ipv4Addr {
    Ipv4Addr::new(127, last3[0], last3[1], last3[2])
}

fn run(zone: Zone, target: DnsblTarget, zones: &[&str]) -> (Vec<DnsblResult>, MemoryDns) {
    let dns = MemoryDns::new(zone).unwrap();
    let zones = parse_zones(zones.iter().copied()).unwrap();
    let results = evaluate_with(DnsblEvaluator::new(target, &zones), |q| dns.resolve(q)).unwrap();
    (results, dns)
}

fn one(zone: Zone, target: DnsblTarget, list: &str) -> DnsblResult {
    let (mut results, _) = run(zone, target, &[list]);
    assert_eq!(results.len(), 1);
    results.remove(0)
}

#[test]
fn not_listed() {
    let (results, dns) = run(Zone::new(), DnsblTarget::Ip(IP), &["default"]);
    assert_eq!(results.len(), 3, "the three IP lists of the default set");
    for r in &results {
        assert!(!r.listed);
        assert!(r.codes.is_empty());
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert_eq!(r.error, None);
    }
    assert_eq!(results[0].query, "99.2.0.192.zen.spamhaus.org");
    // A and TXT per zone at most once each; the driver stops once the last A answer
    // (NXDOMAIN) ends the evaluation, so the last TXT is never sent.
    let seen: Vec<(String, String)> = dns
        .queries()
        .into_iter()
        .map(|q| (q.name, q.record_type))
        .collect();
    assert_eq!(seen.len(), 5, "{seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len());
}

#[test]
fn zen_listing_with_codes_and_reason() {
    let q = "99.2.0.192.zen.spamhaus.org";
    let r = one(
        Zone::new()
            .a(q, code([0, 0, 2]))
            .a(q, code([0, 0, 10]))
            .txt(q, "https://check.spamhaus.org/sbl/query/SBL1\n"),
        DnsblTarget::Ip(IP),
        "zen.spamhaus.org",
    );
    assert!(r.listed);
    assert_eq!(r.codes, [code([0, 0, 2]), code([0, 0, 10])]);
    let meaning = r.meaning.clone().unwrap();
    assert!(
        meaning.starts_with("SBL") && meaning.contains("PBL"),
        "{meaning}"
    );
    assert_eq!(
        r.reason.as_deref(),
        Some("https://check.spamhaus.org/sbl/query/SBL1")
    );
    assert_eq!(r.problems.len(), 1);
    assert_eq!(r.problems[0].finding_id(), "dnsbl.listed");
    assert_eq!(r.error, None);
}

#[test]
fn every_error_code_is_an_error_not_a_listing() {
    let cases: [(&str, DnsblTarget, Ipv4Addr, &str); 6] = [
        (
            "zen.spamhaus.org",
            DnsblTarget::Ip(IP),
            code([255, 255, 252]),
            "dnsbl.zone_error",
        ),
        (
            "zen.spamhaus.org",
            DnsblTarget::Ip(IP),
            code([255, 255, 254]),
            "dnsbl.query_refused",
        ),
        (
            "zen.spamhaus.org",
            DnsblTarget::Ip(IP),
            code([255, 255, 255]),
            "dnsbl.query_refused",
        ),
        (
            "dbl.spamhaus.org",
            DnsblTarget::Domain("example.com".into()),
            code([0, 1, 255]),
            "dnsbl.zone_error",
        ),
        (
            "multi.surbl.org",
            DnsblTarget::Domain("example.com".into()),
            code([0, 0, 1]),
            "dnsbl.query_refused",
        ),
        (
            "rbl.example.test",
            DnsblTarget::Ip(IP),
            Ipv4Addr::new(203, 0, 113, 80),
            "dnsbl.zone_error",
        ),
    ];
    for (list, target, answer, id) in cases {
        let name = smtping_signals::dnsbl::query_name(&target, list).unwrap();
        let r = one(
            Zone::new().a(&name, answer).txt(&name, "not a reason"),
            target,
            list,
        );
        assert!(!r.listed, "{list} {answer}");
        assert_eq!(r.codes, [answer]);
        assert_eq!(r.meaning, None);
        assert_eq!(r.reason, None, "no reason for a non-listing");
        assert!(
            r.error.as_deref().unwrap().contains(&answer.to_string()),
            "{:?}",
            r.error
        );
        assert_eq!(r.problems.len(), 1);
        assert_eq!(r.problems[0].finding_id(), id, "{list} {answer}");
    }
}

#[test]
fn error_causes_are_typed() {
    let q = "99.2.0.192.zen.spamhaus.org";
    let r = one(
        Zone::new().a(q, code([255, 255, 254])),
        DnsblTarget::Ip(IP),
        "zen.spamhaus.org",
    );
    assert_eq!(
        r.problems[0],
        DnsblProblem::QueryRefused {
            zone: "zen.spamhaus.org".into(),
            code: Some(code([255, 255, 254])),
            cause: RefusalCause::PublicResolver,
        }
    );
    // A refusal code next to a listing code still is no listing.
    let r = one(
        Zone::new()
            .a(q, code([0, 0, 2]))
            .a(q, code([255, 255, 252])),
        DnsblTarget::Ip(IP),
        "zen.spamhaus.org",
    );
    assert!(!r.listed);
    assert!(matches!(
        r.problems[0],
        DnsblProblem::ZoneError {
            cause: ZoneErrorCause::TypoInZone,
            ..
        }
    ));
}

#[test]
fn ipv6_nibble_query() {
    let ip6: IpAddr = "2001:db8::567:89ab".parse().unwrap();
    let q = "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.rbl.example.test";
    let r = one(
        Zone::new().a(q, code([0, 0, 2])),
        DnsblTarget::Ip(ip6),
        "rbl.example.test",
    );
    assert_eq!(r.query, q);
    assert!(r.listed);
    assert_eq!(r.reason, None, "no TXT published");
    assert!(r.meaning.unwrap().contains("127.0.0.2"));
}

#[test]
fn domain_lists() {
    let target = DnsblTarget::Domain("Spam.Example".into());
    let (results, dns) = run(
        Zone::new()
            .a("spam.example.dbl.spamhaus.org", code([0, 1, 4]))
            .a("spam.example.multi.surbl.org", code([0, 0, 24]))
            .txt(
                "spam.example.multi.surbl.org",
                "Blocked, see https://www.surbl.org/",
            ),
        target,
        &["default"],
    );
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.listed));
    assert_eq!(results[0].meaning.as_deref(), Some("DBL: phishing domain"));
    let surbl = results[1].meaning.as_deref().unwrap();
    assert!(surbl.contains("PH") && surbl.contains("MW"), "{surbl}");
    assert_eq!(
        results[1].reason.as_deref(),
        Some("Blocked, see https://www.surbl.org/")
    );
    assert!(
        dns.queries()
            .iter()
            .all(|q| !q.name.contains("zen.spamhaus"))
    );
}

#[test]
fn timeouts_and_refusals() {
    let q = "99.2.0.192.rbl.example.test";
    let r = one(
        Zone::new().fault(q, Fault::Drop),
        DnsblTarget::Ip(IP),
        "rbl.example.test",
    );
    assert!(!r.listed);
    assert_eq!(r.problems[0].finding_id(), "dnsbl.temp_failure");
    assert!(r.error.as_deref().unwrap().contains("timeout"));
    let r = one(
        Zone::new().fault(q, Fault::Refused),
        DnsblTarget::Ip(IP),
        "rbl.example.test",
    );
    assert_eq!(
        r.problems[0],
        DnsblProblem::QueryRefused {
            zone: "rbl.example.test".into(),
            code: None,
            cause: RefusalCause::DnsRefused
        }
    );
    // A lost TXT does not hide the listing.
    let r = one(
        Zone::new()
            .a(q, code([0, 0, 2]))
            .fault_for(q, RecordType::Txt, Fault::Drop),
        DnsblTarget::Ip(IP),
        "rbl.example.test",
    );
    assert!(r.listed);
    assert_eq!(r.reason, None);
}

#[test]
fn questions_are_prefetched_and_txt_is_not_awaited_when_not_listed() {
    let zones = parse_zones(["a.example.test", "b.example.test"]).unwrap();
    let dns = MemoryDns::new(Zone::new().a("99.2.0.192.b.example.test", code([0, 0, 2]))).unwrap();
    let mut e = DnsblEvaluator::new(DnsblTarget::Ip(IP), &zones);
    let mut asked = Vec::new();
    while let Some(q) = e.poll_query() {
        asked.push(q);
    }
    assert_eq!(asked.len(), 4, "A and TXT of both zones at once");
    // Answer only the A questions.
    for q in asked.iter().filter(|q| q.record_type == RecordType::A) {
        e.handle_response(q, &dns.resolve(q));
    }
    assert!(
        e.poll_result().is_none(),
        "the listed zone waits for its reason"
    );
    let txt_b = asked
        .iter()
        .find(|q| q.record_type == RecordType::Txt && q.name.contains(".b."))
        .unwrap();
    e.handle_response(txt_b, &dns.resolve(txt_b));
    let results = e.poll_result().unwrap();
    assert!(!results[0].listed);
    assert!(results[1].listed);
}

#[test]
fn polite_nothing_without_zones() {
    let (results, dns) = run(Zone::new(), DnsblTarget::Ip(IP), &[]);
    assert!(results.is_empty());
    assert!(dns.queries().is_empty());
    // Domain zones are not asked about addresses (no DBL 127.0.1.255 mistake).
    let (results, dns) = run(Zone::new(), DnsblTarget::Ip(IP), &["dbl.spamhaus.org"]);
    assert!(results.is_empty());
    assert!(dns.queries().is_empty());
}

#[test]
fn serialises_to_the_contract() {
    let q = "99.2.0.192.zen.spamhaus.org";
    let r = one(
        Zone::new().a(q, code([0, 0, 4])),
        DnsblTarget::Ip(IP),
        "zen.spamhaus.org",
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["zone"], "zen.spamhaus.org");
    assert_eq!(json["query"], q);
    assert_eq!(json["listed"], true);
    assert_eq!(json["codes"][0], "127.0.0.4");
    assert!(json["meaning"].as_str().unwrap().starts_with("XBL"));
    assert_eq!(json["error"], serde_json::Value::Null);
    assert_eq!(json["kind"], "ip");
    assert_eq!(json["problems"][0]["kind"], "listed");
}
