//! `smtping check --connect-to/--ports/--probe-enforcement/--all-mx` as a user runs them:
//! the binary against test servers (and the DNS responder) on loopback.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{Hostile, TestServer};

mod common;

use common::{Lab, NAME};

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

/// `smtping check mx.test:25` trusting the lab CA, with these extra arguments.
fn check(lab: &Lab, args: &[String]) -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.args(["check", &format!("{NAME}:25"), "--no-signals"])
        .arg("--ca-file")
        .arg(lab.ca.path())
        .args(["--command-timeout", "1s", "--connect-timeout", "2s"])
        .args(args)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    cmd
}

fn to(port: u16, server: SocketAddr) -> String {
    format!("--connect-to={NAME}:{port}:127.0.0.1:{}", server.port())
}

#[test]
fn a_sweep_with_port_25_silent_concludes_a_local_block_in_json_and_on_the_card() {
    let lab = Lab::new();
    let silent = lab
        .rt
        .block_on(TestServer::hostile(Hostile::Silent))
        .unwrap();
    let s587 = lab.server(|b| b);
    let args = [
        to(25, silent.addr()),
        to(587, s587.addr()),
        "--ports".into(),
        "25,587".into(),
    ];
    let mut json_args = args.to_vec();
    json_args.push("--json".into());
    let out = check(&lab, &json_args)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let v = json(&out.stdout);
    assert_eq!(v["sweep"]["ports"][0]["port"], 25);
    assert_eq!(v["sweep"]["ports"][0]["outcome"], "timeout");
    assert_eq!(v["sweep"]["ports"][1]["outcome"], "connected");
    assert_eq!(v["sweep"]["ports"][1]["tls_mode"], "starttls");
    assert!(
        v["sweep"]["conclusion"]
            .as_str()
            .unwrap()
            .starts_with("25 timed out while 587 answered: outbound port 25 is probably blocked"),
        "{v}"
    );
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "sweep.port25_blocked")
    );
    check(&lab, &args).assert().code(2).stdout(
        predicate::str::contains("Ports")
            .and(predicate::str::contains("probably blocked"))
            .and(predicate::str::contains("timeout")),
    );
}

#[test]
fn probe_enforcement_reports_tls_enforced() {
    let lab = Lab::new();
    let s = lab.server(|b| b);
    let out = check(
        &lab,
        &[
            to(25, s.addr()),
            "--probe-enforcement".into(),
            "--quit-after".into(),
            "tls".into(),
            "--json".into(),
        ],
    )
    .assert()
    .get_output()
    .clone();
    let v = json(&out.stdout);
    assert_eq!(v["tls"]["enforced"], false, "{v}");
    // Port 25: information only (RFC 3207 §4), so the check stays green.
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "tls.not_enforced")
        .unwrap()
        .clone();
    assert_eq!(f["severity"], "info");
    assert_eq!(v["verdict"], "green", "{v}");

    // On another port (a submission port) the same server is a warning.
    let out = lab
        .check(&s)
        .args(["--probe-enforcement", "--quit-after", "tls", "--json"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let v = json(&out.stdout);
    assert_eq!(v["tls"]["enforced"], false);
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["id"] == "tls.not_enforced" && f["severity"] == "warning"),
        "{v}"
    );

    let strict = lab.server(|b| b.require_tls(true));
    let out = check(
        &lab,
        &[
            to(25, strict.addr()),
            "--probe-enforcement".into(),
            "--quit-after".into(),
            "tls".into(),
            "--json".into(),
        ],
    )
    .assert()
    .code(0)
    .get_output()
    .clone();
    assert_eq!(json(&out.stdout)["tls"]["enforced"], true);
}

#[test]
fn all_mx_lists_every_address() {
    let lab = Lab::new();
    let s1 = lab.server(|b| b.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0)));
    let port = s1.addr().port();
    let zone = Zone::new()
        .mx("example.test", 10, NAME)
        .a(NAME, Ipv4Addr::LOCALHOST)
        .a(NAME, Ipv4Addr::new(127, 0, 0, 5));
    let dns = lab.rt.block_on(DnsResponder::start(zone)).unwrap();
    let out = Command::cargo_bin("smtping")
        .unwrap()
        .args([
            "check",
            "example.test",
            "--all-mx",
            "-4",
            "--no-signals",
            "--json",
        ])
        .args(["--mx-port", &port.to_string()])
        .args(["--resolver", &dns.addr().to_string()])
        .arg("--ca-file")
        .arg(lab.ca.path())
        .args(["--command-timeout", "2s", "--quit-after", "tls"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let v = json(&out.stdout);
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 2, "{v}");
    assert!(hosts.iter().all(|h| h["name"] == NAME));
    assert!(
        hosts
            .iter()
            .any(|h| h["verdict"] == "red" && h["error"]["kind"] == "refused"),
        "{v}"
    );
    assert!(hosts.iter().any(|h| h["verdict"] == "green"), "{v}");
    assert_eq!(s1.connections(), 1);
}

#[test]
fn bad_transport_options_exit_3_with_one_line() {
    for (args, says) in [
        (&["--connect-to", "mx.test:25"][..], "four fields"),
        (&["--connect-to", "mx.test:25::"][..], "changes nothing"),
        (&["--ports", "25,smtp"][..], "\"smtp\""),
        (&["--ports", ""][..], "empty"),
    ] {
        Command::cargo_bin("smtping")
            .unwrap()
            .args(["check", "mx.example.org:25"])
            .args(args)
            .timeout(Duration::from_secs(30))
            .assert()
            .code(3)
            .stderr(predicate::str::contains(says));
    }
    Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", "example.org", "--all-mx", "--port", "587"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot be used with"));
}
