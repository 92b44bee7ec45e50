//! `smtping domain`'s TLS section as a user runs it: the binary against the testkit's DNS
//! responder (secure answers, a TLSA record computed from the test certificate) and a
//! STARTTLS test server on loopback reached with `--connect-to`, trusted with
//! `--ca-file`.

use std::net::Ipv4Addr;
use std::time::Duration;

use assert_cmd::Command;
use smtping_signals::dane::association_data;
use smtping_testkit::certs::Scenario;
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{ServerTls, TestServer};

#[allow(dead_code)] // `Lab::server` and `Lab::check` serve the other test files
mod common;

use common::{Lab, NAME};

/// A STARTTLS server for [`NAME`], the DNS of `example.test` (MX → [`NAME`] at
/// 127.0.0.1, secure, with the `3 1 1` TLSA record of the server's key when `tlsa`).
fn lab_with(lab: &Lab, tlsa: bool) -> (TestServer, DnsResponder) {
    let cert = lab.pki.server_cert(Scenario::Valid, &[NAME]).unwrap();
    let digest = association_data(cert.chain[0].as_ref(), 1, 1).unwrap();
    let server = lab
        .rt
        .block_on(
            TestServer::builder()
                .hostname(NAME)
                .tls(ServerTls::starttls(cert))
                .start(),
        )
        .unwrap();
    let mut zone = Zone::new()
        .authentic_data(true)
        .mx("example.test", 10, NAME)
        .a(NAME, Ipv4Addr::LOCALHOST)
        .txt("example.test", "v=spf1 -all")
        .txt("_dmarc.example.test", "v=DMARC1; p=reject");
    if tlsa {
        zone = zone.tlsa(&format!("_25._tcp.{NAME}"), 3, 1, 1, &digest);
    }
    let dns = lab.rt.block_on(DnsResponder::start(zone)).unwrap();
    (server, dns)
}

fn domain(lab: &Lab, server: &TestServer, dns: &DnsResponder) -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.args(["domain", "example.test", "--dkim-selector", "s1"])
        .arg("--resolver")
        .arg(dns.addr().to_string())
        .args(["--dns-timeout", "2s", "--command-timeout", "5s"])
        .arg("--connect-to")
        .arg(format!("{NAME}:25::{}", server.addr().port()))
        .arg("--ca-file")
        .arg(lab.ca.path())
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    cmd
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn domain_json_has_every_mx_address_tls_and_dane_matched() {
    let lab = Lab::new();
    let (server, dns) = lab_with(&lab, true);
    let out = domain(&lab, &server, &dns).arg("--json").output().unwrap();
    let v = json(&out.stdout);
    let hosts = v["tls"]["hosts"].as_array().expect("tls.hosts");
    assert_eq!(hosts.len(), 1, "{v:#}");
    let h = &hosts[0];
    assert_eq!(h["name"], NAME);
    assert_eq!(h["address"], "127.0.0.1");
    assert_eq!(h["port"], server.addr().port());
    assert_eq!(h["established"], true);
    assert!(
        h["version"].as_str().unwrap().starts_with("TLSv1."),
        "{h:#}"
    );
    assert_eq!(h["certificate"]["verification"], "valid");
    assert_eq!(h["dane_matched"], true);
    assert!(h.get("scan").is_none(), "no scan without --tls-scan");
    assert_eq!(v["dane"]["hosts"][0]["matched"], true, "{:#}", v["dane"]);
    assert_eq!(v["tls"]["status"], "green");
    assert_eq!(server.connections(), 1);

    let card = domain(&lab, &server, &dns).output().unwrap();
    let text = String::from_utf8_lossy(&card.stdout);
    assert!(text.contains("TLS "), "{text}");
    assert!(
        text.contains(&format!("{NAME} 127.0.0.1 TLSv1.")),
        "one line per address:\n{text}"
    );
    assert!(text.contains("DANE matched"), "{text}");
}

#[test]
fn domain_no_connect_makes_no_connection_and_has_no_tls_section() {
    let lab = Lab::new();
    let (server, dns) = lab_with(&lab, true);
    let out = domain(&lab, &server, &dns)
        .args(["--no-connect", "--json"])
        .output()
        .unwrap();
    let v = json(&out.stdout);
    assert!(v.get("tls").is_none(), "{v:#}");
    assert!(v["dane"]["hosts"][0]["matched"].is_null());
    assert_eq!(server.connections(), 0);
}

#[test]
fn check_card_and_json_show_the_dane_match() {
    let lab = Lab::new();
    let (server, dns) = lab_with(&lab, true);
    let run = |extra: &[&str]| {
        let mut cmd = Command::cargo_bin("smtping").unwrap();
        cmd.args(["check", &format!("{NAME}:25")])
            .arg("--resolver")
            .arg(dns.addr().to_string())
            .arg("--connect-to")
            .arg(format!("{NAME}:25:127.0.0.1:{}", server.addr().port()))
            .arg("--ca-file")
            .arg(lab.ca.path())
            .args([
                "--quit-after",
                "tls",
                "--no-signals",
                "--command-timeout",
                "5s",
            ])
            .args(extra)
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap()
    };
    let v = json(&run(&["--json"]).stdout);
    assert_eq!(v["tls"]["dane"]["matched"], true, "{:#}", v["tls"]);
    assert_eq!(v["tls"]["dane"]["name"], format!("_25._tcp.{NAME}"));
    let card = run(&[]);
    let text = String::from_utf8_lossy(&card.stdout);
    assert!(text.contains("DANE"), "{text}");
    assert!(text.contains("matched the presented chain"), "{text}");
}
