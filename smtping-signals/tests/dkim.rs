//! DKIM key evaluation against in-memory zones (the real DNS core, no sockets).

use smtping_signals::dkim::{DkimEvaluator, DkimProblem, DkimReport, KeyType, Status};
use smtping_signals::evaluate_with;
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

// Made with openssl genrsa / rsa -pubout -outform DER / -RSAPublicKey_out, and
// genpkey -algorithm ed25519 (raw key: the SPKI's last 32 bytes).
const RSA512_SPKI: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANaZd85T3mzIaycsQWfSGFdaFGd3Ioamvv3Pho3gKTd3TihgJYCSUbc4e6PdUaL37sVkRcjF6X7smLFUGtwW3CECAwEAAQ==";
const RSA1024_PKCS1: &str = "MIGJAoGBANGlO4zIQmEmSoxdqOJuMtgpnrwnYbxeMdSMbdqsKx30H9j1OR51tgD/9RsAkm2Jm3EO7RLH4DIO3P4lxtzWvk6J6NEJP2iAyMJLYwwAj5X2DLdvzc8h0HxdnB+28aTPHL48T1kj8UQiTmDzPPkNSkL+svRnu4Eb5qZexqf/6loVAgMBAAE=";
const RSA2048_SPKI: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwzMu4LzBVMqwatfwlyM5atu4FLBTlEqjdwW1ap5QN5kHd1M+BHGuCTtTcCsVun1mUPivILKEPNi0jPfp7WoMjpsLtrVFYibTrNz55/+webmUKPSWzsLpAZlxMsWDAjx40MZtHS5TUgI9p2jEUpQJe589/7KeBLw1ra+inNXiGriiFRtgQLZMJ2HVnrYMMnOqbXOUpl6imVvLFjvQfi0GOtCS4aSVnjH2ernWj726Nhw/duNjOs4VbuUBVfVYQq9jelNNoqDKu+e3+hAuqI7FmxaHbicH4FTh5tduEf7amhu8/CgzzYA8E1r1HZo2P0hOtmOFjjAr48E1lmIhRc/FCwIDAQAB";
const ED25519_RAW: &str = "ksqPxJ3QwjTy9S8JjmD3ip2d6afh88ooUOAIQJItkyY=";

fn run(zone: Zone, domain: &str, selectors: &[&str]) -> (DkimReport, usize) {
    let dns = MemoryDns::new(zone).unwrap();
    let report = evaluate_with(DkimEvaluator::new(domain, selectors), |q| dns.resolve(q)).unwrap();
    (report, dns.queries().len())
}

fn ids(report: &DkimReport) -> Vec<&'static str> {
    report
        .problems
        .iter()
        .map(DkimProblem::finding_id)
        .collect()
}

#[test]
fn named_selectors_with_every_key_shape() {
    let zone = Zone::new()
        .txt(
            "strong._domainkey.example.test",
            &format!("v=DKIM1; k=rsa; p={RSA2048_SPKI}"),
        )
        .txt(
            "weak._domainkey.example.test",
            &format!("v=DKIM1; p={RSA1024_PKCS1}"),
        )
        .txt(
            "tiny._domainkey.example.test",
            &format!("v=DKIM1; p={RSA512_SPKI}"),
        )
        .txt(
            "ed._domainkey.example.test",
            &format!("v=DKIM1; k=ed25519; p={ED25519_RAW}"),
        )
        .txt("gone._domainkey.example.test", "v=DKIM1; p=")
        .txt(
            "test._domainkey.example.test",
            &format!("v=DKIM1; t=y:s; h=sha256; s=email; p={RSA2048_SPKI}"),
        );
    let (report, _) = run(
        zone,
        "example.test",
        &["strong", "weak", "tiny", "ed", "gone", "test", "missing"],
    );
    let by = |s: &str| report.selectors.iter().find(|r| r.selector == s).unwrap();
    assert_eq!(
        (by("strong").key_type, by("strong").key_bits),
        (Some(KeyType::Rsa), Some(2048))
    );
    assert_eq!(by("weak").key_bits, Some(1024));
    assert_eq!(by("tiny").key_bits, Some(512));
    assert!(by("tiny").error.as_deref().unwrap().contains("RFC 8301"));
    assert_eq!(
        (by("ed").key_type, by("ed").key_bits),
        (Some(KeyType::Ed25519), Some(256))
    );
    assert!(by("gone").revoked && by("gone").found);
    let t = by("test");
    assert!(t.testing && t.strict);
    assert_eq!(t.hash_algorithms, ["sha256"]);
    assert_eq!(t.service_types, ["email"]);
    assert!(!by("missing").found && by("missing").error.is_none());
    let mut got = ids(&report);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "dkim.key_too_short",
            "dkim.key_weak",
            "dkim.revoked",
            "dkim.selector_not_found",
            "dkim.testing",
        ]
    );
    assert_eq!(report.status, Status::Red);
    assert_eq!(report.domainkey_exists, Some(true));
    assert!(!report.guessed);
}

#[test]
fn common_selectors_and_the_rfc8020_test() {
    let zone = Zone::new().txt(
        "selector1._domainkey.example.test",
        &format!("v=DKIM1; k=rsa; p={RSA2048_SPKI}"),
    );
    let (report, queries) = run(zone, "example.test", &[]);
    assert!(report.guessed);
    assert_eq!(report.status, Status::Green);
    assert_eq!(
        report.selectors.len(),
        1,
        "only found selectors are listed when guessing"
    );
    assert_eq!(report.selectors[0].selector, "selector1");
    assert_eq!(
        report.selectors_tried.len(),
        smtping_signals::dkim::COMMON_SELECTORS.len()
    );
    assert_eq!(queries, 1 + smtping_signals::dkim::COMMON_SELECTORS.len());

    // Nothing under _domainkey at all: NXDOMAIN there.
    let (report, _) = run(
        Zone::new().txt("example.test", "v=spf1 -all"),
        "example.test",
        &[],
    );
    assert_eq!(report.domainkey_exists, Some(false));
    assert_eq!(ids(&report), ["dkim.none_found"]);
    assert_eq!(report.status, Status::Amber);

    // A key under an unguessable selector: _domainkey is an empty non-terminal.
    let zone = Zone::new().txt("x7f2._domainkey.example.test", &format!("p={RSA2048_SPKI}"));
    let (report, _) = run(zone, "example.test", &[]);
    assert_eq!(report.domainkey_exists, Some(true));
    assert_eq!(
        report.problems,
        [DkimProblem::NoneFound {
            domainkey_exists: Some(true)
        }]
    );
    assert_eq!(report.status, Status::Grey);
}

#[test]
fn cname_delegated_selector() {
    let zone = Zone::new()
        .cname("s1._domainkey.example.test", "s1.domainkey.esp.test")
        .txt(
            "s1.domainkey.esp.test",
            &format!("v=DKIM1; p={RSA2048_SPKI}"),
        );
    let (report, _) = run(zone, "example.test", &["s1"]);
    let s = &report.selectors[0];
    assert!(s.found);
    assert_eq!(s.key_bits, Some(2048));
    assert_eq!(s.cname_target.as_deref(), Some("s1.domainkey.esp.test"));
    assert_eq!(report.status, Status::Green);
}

#[test]
fn broken_records_and_dns_failures_are_findings() {
    let zone = Zone::new()
        .txt("dup._domainkey.example.test", "v=DKIM1; p=AAAA; p=BBBB")
        .txt("junk._domainkey.example.test", "v=DKIM1; p=!!!!")
        .txt("two._domainkey.example.test", &format!("p={RSA2048_SPKI}"))
        .txt("two._domainkey.example.test", &format!("p={RSA1024_PKCS1}"))
        .txt(
            "sha1._domainkey.example.test",
            &format!("h=sha1; p={RSA2048_SPKI}"),
        )
        .fault("down._domainkey.example.test", Fault::ServFail);
    let (report, _) = run(
        zone,
        "example.test",
        &["dup", "junk", "two", "sha1", "down"],
    );
    let mut got = ids(&report);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "dkim.bad_key",
            "dkim.lookup_failed",
            "dkim.multiple_records",
            "dkim.sha1_only",
            "dkim.syntax",
        ]
    );
    let down = report
        .selectors
        .iter()
        .find(|s| s.selector == "down")
        .unwrap();
    assert!(!down.found && down.error.as_deref().unwrap().contains("SERVFAIL"));
    assert_eq!(report.status, Status::Red);
}

#[test]
fn invalid_names_ask_nothing() {
    let (report, queries) = run(Zone::new(), "example.test", &["bad selector", "ok"]);
    assert!(report.problems.contains(&DkimProblem::InvalidSelector {
        selector: "bad selector".into()
    }));
    assert_eq!(report.selectors_tried, ["ok"]);
    assert_eq!(queries, 2);
    let (report, queries) = run(Zone::new(), "not a domain", &["s"]);
    assert_eq!(queries, 0);
    assert_eq!(report.domainkey_exists, None);
}

#[test]
fn every_question_is_asked_before_any_answer() {
    use smtping_signals::Evaluator;
    let mut ev = DkimEvaluator::new("example.test", &["a", "b", "c"]);
    let mut asked = Vec::new();
    while let Some(q) = ev.poll_query() {
        asked.push(q.name);
    }
    assert_eq!(
        asked,
        [
            "_domainkey.example.test",
            "a._domainkey.example.test",
            "b._domainkey.example.test",
            "c._domainkey.example.test",
        ]
    );
    assert!(ev.poll_result().is_none());
}

#[test]
fn json_shape() {
    let zone = Zone::new().txt("mail._domainkey.example.test", &format!("p={RSA2048_SPKI}"));
    let (report, _) = run(zone, "example.test", &["mail"]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["status"], "green");
    assert_eq!(json["domainkey_exists"], true);
    let s = &json["selectors"][0];
    for field in [
        "selector", "found", "key_type", "key_bits", "testing", "revoked", "error",
    ] {
        assert!(s.get(field).is_some(), "missing {field}");
    }
    assert_eq!(s["key_type"], "rsa");
}

#[test]
fn failed_lookups_alone_leave_the_state_unknown() {
    let zone = Zone::new().fault("s1._domainkey.example.test", Fault::Drop);
    let (report, _) = run(zone, "example.test", &["s1"]);
    assert_eq!(ids(&report), ["dkim.lookup_failed"]);
    assert_eq!(report.status, Status::Grey);
}
