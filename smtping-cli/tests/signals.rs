//! `smtping domain`, `smtping spf` and the check's `signals` as a user runs them: the
//! binary against the testkit's DNS responder (and test server) on loopback.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use assert_cmd::Command;
use smtping_testkit::dns::{DnsResponder, Fault, Zone};

mod common;

use common::{Lab, NAME};

/// A 2048-bit RSA public key (SubjectPublicKeyInfo, base64), made with openssl.
const RSA2048: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwzMu4LzBVMqwatfwlyM5atu4FLBTlEqjdwW1ap5QN5kHd1M+BHGuCTtTcCsVun1mUPivILKEPNi0jPfp7WoMjpsLtrVFYibTrNz55/+webmUKPSWzsLpAZlxMsWDAjx40MZtHS5TUgI9p2jEUpQJe589/7KeBLw1ra+inNXiGriiFRtgQLZMJ2HVnrYMMnOqbXOUpl6imVvLFjvQfi0GOtCS4aSVnjH2ernWj726Nhw/duNjOs4VbuUBVfVYQq9jelNNoqDKu+e3+hAuqI7FmxaHbicH4FTh5tduEf7amhu8/CgzzYA8E1r1HZo2P0hOtmOFjjAr48E1lmIhRc/FCwIDAQAB";

const MX_IP: Ipv4Addr = Ipv4Addr::new(192, 0, 2, 25);
const SENDER: Ipv4Addr = Ipv4Addr::new(198, 51, 100, 7);

/// A well-kept mail domain (`good.test`) and a neglected one (`weak.test`).
fn zone() -> Zone {
    Zone::new()
        .mx("good.test", 10, "mx.good.test")
        .a("mx.good.test", MX_IP)
        .ptr(IpAddr::V4(MX_IP), "mx.good.test")
        .txt(
            "good.test",
            "v=spf1 ip4:198.51.100.0/24 include:_spf.good.test -all",
        )
        .txt("_spf.good.test", "v=spf1 ip4:203.0.113.0/24 ~all")
        .txt(
            "s1._domainkey.good.test",
            &format!("v=DKIM1; k=rsa; p={RSA2048}"),
        )
        .txt(
            "_dmarc.good.test",
            "v=DMARC1; p=reject; rua=mailto:dmarc@good.test",
        )
        .mx("weak.test", 10, "mx.weak.test")
        .a("mx.weak.test", Ipv4Addr::new(192, 0, 2, 26))
        .txt("weak.test", "v=spf1 +all")
        .txt("_dmarc.weak.test", "v=DMARC1; p=none")
        .txt("soft.test", "v=spf1 ~all")
        .null_mx("nomail.test")
        .fault("slow.test", Fault::Drop)
}

fn start(rt: &tokio::runtime::Runtime) -> DnsResponder {
    rt.block_on(DnsResponder::start(zone())).unwrap()
}

fn smtping(dns: &DnsResponder, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.args(args);
    if args.first() == Some(&"domain") {
        // The MX addresses here are documentation addresses (192.0.2.0/24): tests talk
        // to loopback only, so `smtping domain` stays DNS only (tests/domain_tls.rs
        // connects to a loopback MX).
        cmd.arg("--no-connect");
    }
    cmd.arg("--resolver")
        .arg(dns.addr().to_string())
        .args(["--dns-timeout", "1s"])
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    cmd
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn spf_pass_via_ip4_exits_0_with_the_json_contract() {
    let rt = rt();
    let dns = start(&rt);
    let out = smtping(
        &dns,
        &["spf", &SENDER.to_string(), "alice@good.test", "--json"],
    )
    .output()
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json(&out.stdout);
    for key in [
        "ip",
        "identity",
        "domain",
        "result",
        "mechanism",
        "explanation",
        "lookups",
        "void_lookups",
        "tree",
        "error",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    assert_eq!(v["result"], "pass");
    assert_eq!(v["mechanism"], "ip4:198.51.100.0/24");
    assert_eq!(v["domain"], "good.test");
    // The tree shows the include although evaluation stopped before it.
    assert_eq!(v["tree"][0]["children"][0]["domain"], "_spf.good.test");
}

#[test]
fn spf_fail_and_softfail_and_bad_arguments_have_their_exit_codes() {
    let rt = rt();
    let dns = start(&rt);
    let fail = smtping(&dns, &["spf", "192.0.2.99", "good.test"])
        .output()
        .unwrap();
    assert_eq!(fail.status.code(), Some(2));
    let text = String::from_utf8_lossy(&fail.stdout);
    assert!(text.contains("SPF FAIL") && text.contains("-all"), "{text}");
    let soft = smtping(&dns, &["spf", "203.0.113.5", "bob@soft.test"])
        .output()
        .unwrap();
    assert_eq!(
        soft.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&soft.stdout)
    );
    let temp = smtping(&dns, &["spf", "192.0.2.1", "x@slow.test"])
        .output()
        .unwrap();
    assert_eq!(temp.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&temp.stdout).contains("TEMPERROR"));
    let bad = smtping(&dns, &["spf", "not-an-ip", "good.test"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(3));
    let null = smtping(&dns, &["spf", "192.0.2.1", "<>"]).output().unwrap();
    assert_eq!(null.status.code(), Some(3), "the null sender needs --helo");
}

#[test]
fn domain_card_and_json_for_a_well_kept_domain() {
    let rt = rt();
    let dns = start(&rt);
    let out = smtping(
        &dns,
        &[
            "domain",
            "good.test",
            "--dkim-selector",
            "s1",
            "--sending-ip",
            &SENDER.to_string(),
            "--json",
        ],
    )
    .output()
    .unwrap();
    let v = json(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    for key in [
        "version",
        "domain",
        "verdict",
        "summary",
        "mx",
        "spf",
        "dkim",
        "dmarc",
        "reputation",
        "findings",
        "timings_ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["verdict"], "green", "{v:#}");
    assert_eq!(v["mx"]["hosts"][0]["name"], "mx.good.test");
    assert_eq!(v["mx"]["hosts"][0]["addresses"][0], MX_IP.to_string());
    assert_eq!(v["spf"]["all"], "-all");
    assert_eq!(v["spf"]["lookups"], 1);
    assert_eq!(v["spf"]["results"][0]["result"], "pass");
    assert_eq!(v["dkim"]["selectors"][0]["key_bits"], 2048);
    assert_eq!(v["dmarc"]["policy"], "reject");
    assert_eq!(v["dmarc"]["org_domain"], "good.test");
    assert_eq!(v["reputation"]["ptr"][0]["fcrdns"], true);
    assert_eq!(
        v["reputation"]["dnsbl"].as_array().map(Vec::len),
        Some(0),
        "no blocklist unless asked"
    );

    let card = smtping(&dns, &["domain", "good.test", "--dkim-selector", "s1"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&card.stdout);
    for line in [
        "MX ",
        "SPF ",
        "DKIM ",
        "DMARC ",
        "Reverse DNS",
        "Blocklists",
        "not asked",
    ] {
        assert!(text.contains(line), "card lacks {line:?}:\n{text}");
    }
    assert!(text.contains("s1: rsa 2048 bits"), "{text}");
}

#[test]
fn domain_findings_for_a_neglected_domain_make_it_red() {
    let rt = rt();
    let dns = start(&rt);
    let out = smtping(&dns, &["domain", "weak.test", "--json"])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{v:#}");
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    for id in [
        "spf.pass_all",
        "dmarc.policy_none",
        "dkim.none_found",
        "dns.no_ptr",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for f in v["findings"].as_array().unwrap() {
        assert!(!f["remediation"].as_str().unwrap().is_empty(), "{f}");
    }
    let null = smtping(&dns, &["domain", "nomail.test", "--json"])
        .output()
        .unwrap();
    let v = json(&null.stdout);
    assert_eq!(v["mx"]["null_mx"], true);
    let bad = smtping(&dns, &["domain", "not a domain"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(3));
    let bad_zone = smtping(&dns, &["domain", "good.test", "--dnsbl", "bad zone!"])
        .output()
        .unwrap();
    assert_eq!(bad_zone.status.code(), Some(3));
}

#[test]
fn check_signals_describe_the_probe_and_explain_an_spf_refusal() {
    let lab = Lab::new();
    let dns = lab.rt.block_on(DnsResponder::start(zone())).unwrap();
    let server = lab.server(|b| {
        b.extensions(["PIPELINING", "ENHANCEDSTATUSCODES"]).on(
            smtping_testkit::server::ServerStage::Rcpt,
            smtping_testkit::server::Behaviour::reply(
                550,
                "5.7.23 The message was rejected because of Sender Policy Framework violation",
            ),
        )
    });
    let out = lab
        .check(&server)
        .args([
            "--resolver",
            &dns.addr().to_string(),
            "--sending-ip",
            "192.0.2.99",
        ])
        .args([
            "--from",
            "alice@good.test",
            "--to",
            "bob@example.test",
            "--quit-after",
            "rcpt",
            "--json",
        ])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    let s = &v["signals"];
    assert_eq!(s["sending_ip"], "192.0.2.99", "{v:#}");
    assert_eq!(s["sending_ip_source"], "option");
    assert_eq!(s["private_address"], false);
    assert_eq!(s["spf"]["domain"], "good.test");
    assert_eq!(s["spf"]["result"], "fail");
    assert_eq!(s["spf"]["mechanism"], "-all");
    assert_eq!(s["dmarc"]["policy"], "reject");
    assert_eq!(s["dmarc"]["spf_aligned"], false);
    assert_eq!(s["helo"]["name"], "[127.0.0.1]");
    assert_eq!(s["server"]["ehlo_name"], NAME);
    assert_eq!(v["delivery"]["reason"], "spf_failed");
    let explains = s["explains"].as_str().unwrap();
    assert!(
        explains.contains("SPF of good.test for 192.0.2.99: fail via -all"),
        "{explains}"
    );
    // Signals describe the probe, not the server: their findings are information.
    for f in v["findings"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        if id.starts_with("spf.") || id.starts_with("dmarc.") || id.starts_with("helo.") {
            assert_eq!(f["severity"], "info", "{f}");
        }
    }
}

#[test]
fn tls_scan_reports_versions_and_grade_of_a_modern_server() {
    let lab = Lab::new();
    let server = lab.server(|b| b.extensions(["PIPELINING"]));
    let out = lab
        .check(&server)
        .args([
            "--quit-after",
            "tls",
            "--tls-scan",
            "--no-signals",
            "--json",
        ])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    let scan = &v["tls"]["scan"];
    let accepted = |name: &str| {
        scan["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["version"] == name)
            .map(|x| x["accepted"].as_bool())
    };
    assert_eq!(accepted("TLSv1.3"), Some(Some(true)), "{scan:#}");
    assert_eq!(accepted("TLSv1.0"), Some(Some(false)), "{scan:#}");
    assert!(scan["grade"].is_string(), "{scan:#}");
    assert!(scan["connections"].as_u64().unwrap() <= 16);
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"tls.legacy_version"), "{ids:?}");
    // Without the flag there is no scan.
    let plain = lab
        .check(&server)
        .args(["--quit-after", "tls", "--no-signals", "--json"])
        .output()
        .unwrap();
    assert!(json(&plain.stdout)["tls"].get("scan").is_none());
}

#[test]
fn domain_reports_dnssec_dane_mta_sts_and_tls_rpt() {
    let rt = rt();
    let digest = [0xab_u8; 32];
    let zone = Zone::new()
        .authentic_data(true)
        .mx("signed.test", 10, "mx.signed.test")
        .a("mx.signed.test", MX_IP)
        .tlsa("_25._tcp.mx.signed.test", 3, 1, 1, &digest)
        .txt("_mta-sts.signed.test", "v=STSv1; id=20261201")
        .txt(
            "_smtp._tls.signed.test",
            "v=TLSRPTv1; rua=mailto:tlsrpt@signed.test",
        )
        .txt("signed.test", "v=spf1 -all")
        .txt("_dmarc.signed.test", "v=DMARC1; p=reject");
    let dns = rt.block_on(DnsResponder::start(zone)).unwrap();
    let out = smtping(&dns, &["domain", "signed.test", "--json"])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    // The resolver is on loopback: its AD bit is trusted.
    assert_eq!(v["dnssec"]["domain"], "secure", "{v:#}");
    assert_eq!(v["dnssec"]["hosts"][0]["status"], "secure");
    let tlsa = &v["dane"]["hosts"][0]["tlsa"][0];
    assert_eq!(
        (tlsa["usage"].as_u64(), tlsa["selector"].as_u64()),
        (Some(3), Some(1))
    );
    assert_eq!(v["dane"]["hosts"][0]["usable"], true);
    assert_eq!(v["mta_sts"]["txt_id"], "20261201");
    assert_eq!(v["tls_rpt"]["rua"][0], "mailto:tlsrpt@signed.test");
    // mta-sts.signed.test does not resolve: the policy cannot be fetched.
    let ids: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"mta_sts.policy_fetch_failed"), "{ids:?}");
    let card = smtping(&dns, &["domain", "signed.test"]).output().unwrap();
    let text = String::from_utf8_lossy(&card.stdout);
    for area in ["DNSSEC", "DANE", "MTA-STS", "TLS-RPT"] {
        assert!(text.contains(area), "card lacks {area}:\n{text}");
    }
}
