//! The report card as a new user meets it (issue 12): the Extensions line, areas not
//! reached, several recipients, long replies, and `--redact` of an address target.
//! Loopback only: the binary against the scripted test server.

use std::time::Duration;

use assert_cmd::Command;
use smtping_testkit::server::{Behaviour, TestServer};

mod common;

use common::{Lab, NAME};

const SPAMHAUS: &str = "5.7.1 Service unavailable; Client host [192.0.2.77] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.77";

fn stdout(cmd: &mut Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    println!("{text}");
    assert_eq!(out.status.code(), Some(code), "{text}");
    text
}

fn three_recipients(lab: &Lab) -> TestServer {
    lab.server(|b| {
        b.extensions([
            "PIPELINING",
            "ENHANCEDSTATUSCODES",
            "SIZE 36700160",
            "8BITMIME",
            "SMTPUTF8",
            "DSN",
            "CHUNKING",
            "XCLIENT NAME ADDR",
            "ETRN",
            "X-EXPS GSSAPI NTLM",
        ])
        .recipient("bob@example.test", Behaviour::reply(550, "5.1.1 <bob@example.test>: Recipient address rejected: User unknown in virtual mailbox table"))
        .recipient("carol@example.test", Behaviour::reply(554, SPAMHAUS))
    })
}

fn three_rcpt_args(cmd: &mut Command) -> &mut Command {
    cmd.args([
        "--from",
        "probe@client.test",
        "--to",
        "alice@example.test",
        "--to",
        "bob@example.test",
        "--to",
        "carol@example.test",
        "--quit-after",
        "rcpt",
    ])
}

/// Two of three refused: the Delivery line says so (not "accepted"), every recipient has
/// its address, outcome, reason and whole reply (the Spamhaus list name was cut before).
#[test]
fn three_recipients_two_refused() {
    let lab = Lab::new();
    let server = three_recipients(&lab);
    let text = stdout(three_rcpt_args(&mut lab.check(&server)), 1);
    let delivery = text.lines().find(|l| l.contains("Delivery")).unwrap();
    assert!(
        delivery.contains("2 of 3 refused at rcpt, 1 accepted"),
        "{text}"
    );
    assert!(!delivery.contains("accepted at"), "{text}");
    for want in [
        "1. alice@example.test  accepted: 250 2.1.5",
        "2. bob@example.test  bounced [mailbox_unknown]: 550 5.1.1",
        "3. carol@example.test  bounced [blocklisted]: 554 5.7.1",
        "blocked using zen.spamhaus.org;",
        "https://www.spamhaus.org/query/ip/192.0.2.77",
        "virtual mailbox table",
    ] {
        assert!(text.contains(want), "{want:?} missing:\n{text}");
    }
    assert!(!text.contains('…'), "nothing is cut:\n{text}");
    assert!(
        text.lines().all(|l| l.chars().count() <= 100),
        "long lines wrap:\n{text}"
    );
}

/// `--quit-after ehlo`: the Extensions line shows what EHLO offered; TLS and AUTH say they
/// were not reached instead of "not offered".
#[test]
fn quit_after_ehlo_shows_extensions() {
    let lab = Lab::new();
    let server = three_recipients(&lab);
    let out = lab
        .check(&server)
        .args(["--quit-after", "ehlo"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    println!("{text}");
    let ext = text.lines().find(|l| l.contains("Extensions")).unwrap();
    for want in [
        "SIZE 35 MiB",
        "PIPELINING",
        "STARTTLS",
        "8BITMIME",
        "SMTPUTF8",
        "CHUNKING",
        "DSN",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(ext.contains("SIZE 35 MiB · PIPELINING · STARTTLS"), "{ext}");
    assert!(
        text.contains("+4 more (ENHANCEDSTATUSCODES XCLIENT ETRN X-EXPS)"),
        "{text}"
    );
    let tls = text.lines().find(|l| l.starts_with("  TLS")).unwrap();
    assert!(
        tls.contains("not tried: the check stopped after EHLO"),
        "{tls}"
    );
    let auth = text.lines().find(|l| l.starts_with("  Auth")).unwrap();
    assert!(auth.contains("after TLS not reached"), "{auth}");
}

/// An extension list with AUTH, REQUIRETLS and a SIZE without a limit.
#[test]
fn extensions_name_auth_requiretls_and_an_unlimited_size() {
    let lab = Lab::new();
    let server =
        lab.server(|b| b.extensions(["SIZE", "AUTH PLAIN LOGIN", "REQUIRETLS", "PIPELINING"]));
    let text = stdout(
        lab.check(&server)
            .args(["--quit-after", "ehlo", "--tls", "none"]),
        1,
    );
    let ext = text.lines().find(|l| l.contains("Extensions")).unwrap();
    assert!(
        ext.contains("SIZE (no limit) · PIPELINING · STARTTLS · AUTH PLAIN LOGIN · REQUIRETLS"),
        "{text}"
    );
    assert!(!ext.contains("more"), "{ext}");
}

/// Stopped at the greeting: every later area says `not reached`, grey.
#[test]
fn areas_never_reached_say_so() {
    let lab = Lab::new();
    let server = lab.server(|b| b);
    let text = stdout(lab.check(&server).args(["--quit-after", "greeting"]), 0);
    for area in ["Extensions", "TLS", "Auth"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(area))
            .unwrap_or_else(|| panic!("{area} missing:\n{text}"));
        assert!(line.contains("GREY   not reached"), "{line}");
    }
    assert!(!text.contains("not offered"), "{text}");
}

/// `--redact` with an address as the target and two recipients of one domain.
#[test]
fn redact_masks_an_address_target_and_numbers_recipients() {
    let lab = Lab::new();
    let server = three_recipients(&lab);
    let port = server.addr().port().to_string();
    let run = |extra: &[&str]| {
        let mut cmd = Command::cargo_bin("smtping").unwrap();
        cmd.args(["check", "postmaster@127.0.0.1", "-p", &port, "--sni", NAME])
            .arg("--ca-file")
            .arg(lab.ca.path())
            .args(["--redact", "--transcript"])
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(60));
        three_rcpt_args(&mut cmd).args(extra);
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let card = run(&[]);
    println!("{card}");
    assert!(card.starts_with("smtping p…@127.0.0.1  AMBER"), "{card}");
    for want in [
        "1. a…@example.test #1  accepted",
        "2. b…@example.test #2  bounced",
        "3. c…@example.test #3  bounced",
        "RCPT TO:<b…@example.test #2>",
    ] {
        assert!(card.contains(want), "{want:?} missing:\n{card}");
    }
    let json: serde_json::Value = serde_json::from_str(&run(&["--json"])).unwrap();
    assert_eq!(json["target"]["input"], "p…@127.0.0.1");
    assert_eq!(
        json["delivery"]["recipients"][1]["address"],
        "b…@example.test #2"
    );
    let nagios = run(&["--format", "nagios"]);
    let prometheus = run(&["--format", "prometheus"]);
    assert!(
        prometheus.contains("target=\"p…@127.0.0.1\""),
        "{prometheus}"
    );
    for text in [&card, &nagios, &prometheus, &json.to_string()] {
        for raw in ["postmaster@", "alice@", "bob@", "carol@", "probe@"] {
            assert!(!text.contains(raw), "{raw} leaked:\n{text}");
        }
    }
}

/// Nagios: the certificate days are an "alert below" range (the old `824;14;0` read as
/// critical), and -w/-c thresholds for days and response time change the plugin state.
#[test]
fn nagios_ranges_and_thresholds() {
    let lab = Lab::new();
    let server = lab.server(|b| b);
    let line = |extra: &[&str], code: i32| {
        let out = lab
            .check(&server)
            .args(["--format", "nagios"])
            .args(extra)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        println!("{text}");
        assert_eq!(out.status.code(), Some(code), "{text}");
        assert_eq!(text.lines().count(), 1, "{text}");
        text
    };
    // The test certificate has 90 days left (89 once the second the PKI was made has
    // passed by the time the days are counted: whole days, rounded down).
    let ok = line(&[], 0);
    assert!(ok.starts_with("SMTP OK - "), "{ok}");
    assert!(
        ok.contains("'cert_days_remaining'=90;") || ok.contains("'cert_days_remaining'=89;"),
        "{ok}"
    );
    assert!(ok.contains(";14:;;0"), "{ok}");
    let ok = line(&["-w", "30", "-c", "7,10s"], 0);
    assert!(
        ok.contains(";30:;7:;0") && ok.contains(";;10;0 'cert"),
        "{ok}"
    );
    let warn = line(&["-w", "cert=120"], 1);
    assert!(
        warn.starts_with("SMTP WARNING - ") && warn.contains("(warning: fewer than 120)"),
        "{warn}"
    );
    let crit = line(&["--warning", "cert=200", "--critical", "cert=100"], 2);
    assert!(
        crit.starts_with("SMTP CRITICAL - ") && crit.contains("(critical: fewer than 100)"),
        "{crit}"
    );
    let slow = line(&["-c", "time=1ms"], 2);
    assert!(
        slow.contains("response time") && slow.contains(";;0.001;0"),
        "{slow}"
    );
    // A bad threshold is a usage error (exit 3, one line).
    for bad in [
        &["-w", "cert=soon"][..],
        &["-w", "time=2"],
        &["-w", "7", "-c", "14"],
    ] {
        lab.check(&server)
            .args(bad)
            .assert()
            .code(3)
            .stderr(predicates::function::function(|s: &str| {
                s.lines().count() == 1
            }));
    }
}
