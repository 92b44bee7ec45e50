//! DANE end to end without sockets: TLSA records in a signed in-memory zone, the
//! evaluator's lookups, then the verdict on the chain a client would have seen.

use std::net::Ipv4Addr;

use smtping_proto::dns::RecordType;
use smtping_signals::dane::{DaneProblem, TlsaLookup, association_data, unix_seconds};
use smtping_signals::dkim::Status;
use smtping_signals::dnssec::{AdTrust, DnssecEvaluator, DnssecOutcome};
use smtping_signals::evaluate_with;
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

const MX: &str = "mx.example.test";
const TLSA: &str = "_25._tcp.mx.example.test";

fn zone() -> Zone {
    Zone::new()
        .authentic_data(true)
        .mx("example.test", 10, MX)
        .a(MX, Ipv4Addr::new(192, 0, 2, 25))
}

fn run(zone: Zone) -> DnssecOutcome {
    let dns = MemoryDns::new(zone).unwrap();
    evaluate_with(
        DnssecEvaluator::for_domain("example.test", AdTrust::Trusted),
        |q| dns.resolve(q),
    )
    .unwrap()
}

fn ids(problems: &[DaneProblem]) -> Vec<&'static str> {
    problems.iter().map(DaneProblem::finding_id).collect()
}

#[test]
fn matching_record_turns_green_after_the_handshake() {
    let pki = TestPki::new().unwrap();
    let server = pki.server_cert(Scenario::Valid, &[MX]).unwrap();
    let now = unix_seconds(pki.reference_time());
    let key = association_data(server.chain[0].as_ref(), 1, 1).unwrap();
    let issuer = association_data(server.chain[1].as_ref(), 1, 1).unwrap();
    let mut out = run(zone()
        .tlsa(TLSA, 3, 1, 1, &key)
        .tlsa(TLSA, 2, 1, 1, &issuer));
    let host = &mut out.dane.hosts[0];
    assert!(host.usable && host.tls_required());
    assert_eq!(host.matched, None);
    let v = host.apply(&server.chain, now);
    assert_eq!(host.matched, Some(true));
    assert_eq!(v.rollover, smtping_signals::dane::Rollover::DaneEeAndDaneTa);
    out.dane.refresh_status();
    assert_eq!(out.dane.status, Status::Green);
    let json = serde_json::to_value(&out.dane).unwrap();
    assert_eq!(json["hosts"][0]["tlsa"][0]["usage"], 3);
    assert_eq!(json["hosts"][0]["matched"], true);
    assert_eq!(json["status"], "green");
}

#[test]
fn mismatching_record_turns_red() {
    let pki = TestPki::new().unwrap();
    let server = pki.server_cert(Scenario::Valid, &[MX]).unwrap();
    let other = pki.server_cert(Scenario::Valid, &[MX]).unwrap();
    let now = unix_seconds(pki.reference_time());
    let key = association_data(other.chain[0].as_ref(), 1, 1).unwrap();
    let mut out = run(zone().tlsa(TLSA, 3, 1, 1, &key));
    let host = &mut out.dane.hosts[0];
    host.apply(&server.chain, now);
    assert_eq!(host.matched, Some(false));
    assert!(ids(&host.problems).contains(&"dane.mismatch"));
    out.dane.refresh_status();
    assert_eq!(out.dane.status, Status::Red);
}

#[test]
fn only_pkix_records_are_unusable_but_keep_tls_mandatory() {
    let mut out = run(zone()
        .tlsa(TLSA, 1, 1, 1, &[5; 32])
        .tlsa(TLSA, 0, 0, 1, &[6; 32]));
    let host = &out.dane.hosts[0];
    assert!(!host.usable);
    assert!(host.tls_required());
    assert_eq!(
        ids(&host.problems),
        ["dane.pkix_usage", "dane.no_usable_tlsa"]
    );
    out.dane.refresh_status();
    assert_eq!(out.dane.status, Status::Amber);
}

#[test]
fn tlsa_lookup_failure_is_a_failure_not_no_dane() {
    for fault in [Fault::ServFail, Fault::ServFailEde(6, "bogus"), Fault::Drop] {
        let out = run(zone().fault_for(TLSA, RecordType::Tlsa, fault));
        let host = &out.dane.hosts[0];
        assert_eq!(host.lookup, TlsaLookup::Failed, "{fault:?}");
        assert!(host.error.is_some());
        assert!(host.tls_required());
        assert_eq!(ids(&host.problems), ["dane.tlsa_lookup_failed"]);
        assert_eq!(out.dane.status, Status::Red);
    }
}

#[test]
fn insecure_tlsa_records_are_ignored() {
    let out = run(zone()
        .tlsa(TLSA, 3, 1, 1, &[1; 32])
        .authentic_data_at(TLSA, false));
    let host = &out.dane.hosts[0];
    assert_eq!(host.lookup, TlsaLookup::Insecure);
    assert!(host.tlsa.is_empty() && !host.usable && !host.tls_required());
    assert_eq!(ids(&host.problems), ["dane.tlsa_insecure"]);
}

#[test]
fn no_tlsa_is_grey() {
    let out = run(zone());
    assert_eq!(out.dane.hosts[0].lookup, TlsaLookup::None);
    assert_eq!(out.dane.status, Status::Grey);
    let json = serde_json::to_value(&out.dane).unwrap();
    assert_eq!(json["hosts"][0]["matched"], serde_json::Value::Null);
    assert_eq!(json["hosts"][0]["usable"], false);
}

#[test]
fn tlsa_base_domain_follows_a_secure_cname() {
    // RFC 7672 §2.2.3: the MX host is an alias; TLSA at the expanded name wins, and a
    // DANE-TA certificate may name either.
    let pki = TestPki::new().unwrap();
    let server = pki
        .server_cert(Scenario::Valid, &["host.provider.test"])
        .unwrap();
    let now = unix_seconds(pki.reference_time());
    let issuer = association_data(server.chain[1].as_ref(), 1, 1).unwrap();
    let zone = Zone::new()
        .authentic_data(true)
        .mx("example.test", 10, MX)
        .cname(MX, "host.provider.test")
        .a("host.provider.test", Ipv4Addr::new(192, 0, 2, 25))
        .tlsa("_25._tcp.host.provider.test", 2, 1, 1, &issuer);
    let mut out = run(zone);
    let host = &mut out.dane.hosts[0];
    assert_eq!(host.tlsa_base, "host.provider.test");
    assert_eq!(host.lookup, TlsaLookup::Records);
    host.apply(&server.chain, now);
    assert_eq!(host.matched, Some(true));

    // No TLSA at the expanded name: the MX host's own records are used.
    let zone = Zone::new()
        .authentic_data(true)
        .mx("example.test", 10, MX)
        .cname(MX, "host.provider.test")
        .a("host.provider.test", Ipv4Addr::new(192, 0, 2, 25))
        .tlsa(TLSA, 3, 1, 1, &[9; 32]);
    let out = run(zone);
    assert_eq!(out.dane.hosts[0].tlsa_base, MX);
    assert_eq!(out.dane.hosts[0].lookup, TlsaLookup::Records);
}
