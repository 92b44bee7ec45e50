//! The DNSSEC evaluator against in-memory zones answered through the real DNS core.

use std::net::{Ipv4Addr, Ipv6Addr};

use smtping_proto::dns::RecordType;
use smtping_signals::dane::TlsaLookup;
use smtping_signals::dnssec::{AdTrust, DnssecEvaluator, DnssecOutcome, DnssecStatus};
use smtping_signals::evaluate_with;
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

fn run(zone: Zone, trust: AdTrust) -> (DnssecOutcome, Vec<String>) {
    let dns = MemoryDns::new(zone).unwrap();
    let out = evaluate_with(DnssecEvaluator::for_domain("example.test", trust), |q| {
        dns.resolve(q)
    })
    .unwrap();
    let asked = dns
        .queries()
        .iter()
        .map(|q| format!("{} {}", q.name, q.record_type))
        .collect();
    (out, asked)
}

fn ids(out: &DnssecOutcome) -> Vec<&'static str> {
    out.dnssec.problems.iter().map(|p| p.finding_id()).collect()
}

fn signed() -> Zone {
    Zone::new()
        .authentic_data(true)
        .mx("example.test", 10, "mx1.example.test")
        .mx("example.test", 20, "mx2.example.test")
        .a("mx1.example.test", Ipv4Addr::new(192, 0, 2, 1))
        .aaaa("mx1.example.test", Ipv6Addr::LOCALHOST)
        .a("mx2.example.test", Ipv4Addr::new(192, 0, 2, 2))
}

#[test]
fn signed_domain_is_secure_and_tlsa_is_asked_for_each_host() {
    let (out, asked) = run(
        signed().tlsa("_25._tcp.mx1.example.test", 3, 1, 1, &[1; 32]),
        AdTrust::Trusted,
    );
    let d = &out.dnssec;
    assert_eq!(d.status, DnssecStatus::Secure);
    assert_eq!(
        (d.domain, d.mx),
        (Some(DnssecStatus::Secure), Some(DnssecStatus::Secure))
    );
    let hosts: Vec<(&str, DnssecStatus)> = d
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h.status))
        .collect();
    assert_eq!(
        hosts,
        [
            ("mx1.example.test", DnssecStatus::Secure),
            ("mx2.example.test", DnssecStatus::Secure)
        ]
    );
    assert!(d.problems.is_empty(), "{:?}", d.problems);
    assert!(
        asked
            .iter()
            .any(|q| q.ends_with("_25._tcp.mx1.example.test. TLSA")
                || q.ends_with("_25._tcp.mx1.example.test TLSA")),
        "{asked:?}"
    );
    assert_eq!(out.dane.hosts[0].lookup, TlsaLookup::Records);
    assert_eq!(out.dane.hosts[0].tlsa[0].data, "01".repeat(32));
    // mx2 has no TLSA: a secure denial, no DANE.
    assert_eq!(out.dane.hosts[1].lookup, TlsaLookup::None);
    assert_eq!(out.dane.hosts[1].error, None);
}

#[test]
fn unsigned_domain_is_insecure_and_no_tlsa_is_asked() {
    let (out, asked) = run(
        signed()
            .authentic_data(false)
            .tlsa("_25._tcp.mx1.example.test", 3, 1, 1, &[1; 32]),
        AdTrust::Trusted,
    );
    assert_eq!(out.dnssec.status, DnssecStatus::Insecure);
    assert_eq!(out.dnssec.domain, Some(DnssecStatus::Insecure));
    assert!(ids(&out).contains(&"dnssec.insecure"));
    assert!(asked.iter().all(|q| !q.contains("TLSA")), "{asked:?}");
    assert!(matches!(
        out.dane.hosts[0].lookup,
        TlsaLookup::NotAsked { .. }
    ));
    assert_eq!(out.dane.status, smtping_signals::dkim::Status::Grey);
}

#[test]
fn an_mx_host_in_an_unsigned_zone_gets_no_tlsa_lookup() {
    let (out, asked) = run(
        signed().authentic_data_at("mx2.example.test", false).tlsa(
            "_25._tcp.mx2.example.test",
            3,
            1,
            1,
            &[1; 32],
        ),
        AdTrust::Trusted,
    );
    assert_eq!(out.dnssec.hosts[1].status, DnssecStatus::Insecure);
    assert_eq!(out.dnssec.status, DnssecStatus::Insecure);
    assert!(ids(&out).contains(&"dnssec.mx_host_insecure"));
    assert!(
        !asked
            .iter()
            .any(|q| q.contains("mx2") && q.contains("TLSA")),
        "{asked:?}"
    );
    match &out.dane.hosts[1].lookup {
        TlsaLookup::NotAsked { reason } => assert!(reason.contains("insecure"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn servfail_with_ede_is_bogus_and_explained() {
    let (out, _) = run(
        signed().fault_for(
            "mx2.example.test",
            RecordType::A,
            Fault::ServFailEde(7, "signature expired"),
        ),
        AdTrust::Trusted,
    );
    assert_eq!(out.dnssec.hosts[1].status, DnssecStatus::Bogus);
    assert_eq!(out.dnssec.status, DnssecStatus::Bogus);
    let bogus = out
        .dnssec
        .problems
        .iter()
        .find(|p| p.finding_id() == "dnssec.bogus")
        .unwrap();
    assert!(
        bogus
            .to_string()
            .contains("EDE 7 (Signature Expired): signature expired"),
        "{bogus}"
    );
    assert!(matches!(
        out.dane.hosts[1].lookup,
        TlsaLookup::NotAsked { .. }
    ));
}

#[test]
fn a_bogus_mx_answer_makes_the_domain_and_the_mx_bogus() {
    let (out, _) = run(
        signed().fault_for(
            "example.test",
            RecordType::Mx,
            Fault::ServFailEde(6, "validation failure"),
        ),
        AdTrust::Trusted,
    );
    assert_eq!(
        (out.dnssec.domain, out.dnssec.mx),
        (Some(DnssecStatus::Bogus), Some(DnssecStatus::Bogus))
    );
    assert!(ids(&out).contains(&"dnssec.bogus"));
    // A plain SERVFAIL of the MX lookup says nothing about the MX answer.
    let (out, _) = run(
        signed().fault_for("example.test", RecordType::Mx, Fault::ServFail),
        AdTrust::Trusted,
    );
    assert_eq!(out.dnssec.mx, None);
}

#[test]
fn plain_servfail_is_unknown_not_bogus() {
    let (out, _) = run(
        signed().fault_for("mx2.example.test", RecordType::A, Fault::ServFail),
        AdTrust::Trusted,
    );
    assert_eq!(out.dnssec.hosts[1].status, DnssecStatus::Unknown);
    assert!(ids(&out).contains(&"dnssec.lookup_failed"));
    assert!(!ids(&out).contains(&"dnssec.bogus"));
}

#[test]
fn untrusted_ad_is_unknown_with_a_reason_and_asks_only_mx() {
    let (out, asked) = run(
        signed().tlsa("_25._tcp.mx1.example.test", 3, 1, 1, &[1; 32]),
        AdTrust::Untrusted {
            reason: "not loopback".into(),
        },
    );
    assert_eq!(out.dnssec.status, DnssecStatus::Unknown);
    assert_eq!(out.dnssec.reason.as_deref(), Some("not loopback"));
    assert!(
        out.dnssec
            .hosts
            .iter()
            .all(|h| h.status == DnssecStatus::Unknown)
    );
    assert_eq!(ids(&out), ["dnssec.untrusted_resolver"]);
    assert_eq!(asked.len(), 1, "{asked:?}");
}

#[test]
fn implicit_mx_and_null_mx() {
    let zone = Zone::new()
        .authentic_data(true)
        .a("example.test", Ipv4Addr::new(192, 0, 2, 9));
    let (out, _) = run(zone, AdTrust::Trusted);
    assert_eq!(out.dnssec.mx, None, "no MX records");
    assert_eq!(
        out.dnssec.domain,
        Some(DnssecStatus::Secure),
        "a secure no-data"
    );
    assert_eq!(out.dnssec.hosts[0].name, "example.test");

    let (out, _) = run(
        Zone::new().authentic_data(true).null_mx("example.test"),
        AdTrust::Trusted,
    );
    assert!(out.dnssec.hosts.is_empty());
    assert_eq!(out.dnssec.status, DnssecStatus::Secure);
}

#[test]
fn host_mode_checks_one_host() {
    let dns =
        MemoryDns::new(signed().tlsa("_25._tcp.mx1.example.test", 2, 1, 1, &[2; 32])).unwrap();
    let out = evaluate_with(
        DnssecEvaluator::for_host("MX1.example.test.", AdTrust::Trusted),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(out.dnssec.domain, None);
    assert_eq!(out.dnssec.hosts.len(), 1);
    assert_eq!(out.dane.hosts[0].lookup, TlsaLookup::Records);
}
