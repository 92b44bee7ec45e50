//! `smtping check` and `smtping demo` as a user runs them: the binary against the scripted
//! test server on loopback, every output mode and every exit code.

use std::io::Write;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use smtping_testkit::server::{AuthConfig, Behaviour, SaslMechanism, ServerStage, TestServer};

mod common;

use common::{Lab, NAME};

/// A lab server advertising the extensions these tests expect.
fn server(
    lab: &Lab,
    configure: impl FnOnce(
        smtping_testkit::server::TestServerBuilder,
    ) -> smtping_testkit::server::TestServerBuilder,
) -> TestServer {
    lab.server(|b| configure(b.extensions(["PIPELINING", "ENHANCEDSTATUSCODES"])))
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(out)))
}

#[test]
fn green_check_exits_0_with_the_json_contract() {
    let lab = Lab::new();
    let server = server(&lab, |b| b);
    let out = lab
        .check(&server)
        .args([
            "--from",
            "probe@client.test",
            "--to",
            "alice@example.test",
            "--json",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["verdict"], "green");
    assert_eq!(v["tls"]["certificate"]["verification"], "valid");
    assert_eq!(v["tls"]["sni"], NAME);
    assert_eq!(v["delivery"]["outcome"], "accepted");
    assert_eq!(v["delivery"]["reply"]["code"], 250);
    assert_eq!(v["connectivity"]["attempts"][0]["outcome"], "connected");
    assert!(v["error"].is_null());
    assert!(v["transcript"].as_array().unwrap().len() > 10);
    assert_eq!(server.delivered().len(), 1);
}

#[test]
fn amber_and_red_exit_1_and_2() {
    let lab = Lab::new();
    let greylist = server(&lab, |b| {
        b.on(
            ServerStage::Rcpt,
            Behaviour::reply(451, "4.7.1 Greylisted, please try again later"),
        )
    });
    lab.check(&greylist)
        .args([
            "--from",
            "p@client.test",
            "--to",
            "a@example.test",
            "--quit-after",
            "rcpt",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("AMBER").and(predicate::str::contains("greylisted")));
    let unknown = server(&lab, |b| {
        b.recipient(
            "a@example.test",
            Behaviour::reply(550, "5.1.1 no such user"),
        )
    });
    lab.check(&unknown)
        .args([
            "--from",
            "p@client.test",
            "--to",
            "a@example.test",
            "--quit-after",
            "rcpt",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::contains("RED").and(predicate::str::contains("mailbox_unknown")));
    // Nothing listening: red, and the message names the step, the cause and what to try.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", &format!("127.0.0.1:{port}"), "--json"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("\"kind\": \"refused\"")
                .and(predicate::str::contains("nothing listens")),
        );
}

#[test]
fn bad_arguments_exit_3_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (&["check"], "TARGET"),
        (&["check", "exa mple.org"], "not a valid host name"),
        (&["check", "mx.example.org:99999"], "port"),
        (
            &["check", "mx.example.org:25", "--tls", "sometimes"],
            "unknown TLS mode",
        ),
        (
            &[
                "check",
                "mx.example.org:25",
                "--from",
                "a@b.c",
                "--to",
                "x@y.z\r\nRSET",
            ],
            "forbidden",
        ),
        (
            &["check", "mx.example.org:25", "--helo", "bad name"],
            "--helo",
        ),
        (
            &["check", "mx.example.org:25", "--auth-user", "alice"],
            "never taken on the command line",
        ),
        (
            &[
                "check",
                "mx.example.org:25",
                "--auth-user",
                "alice",
                "--auth-password-env",
                "SMTPING_TEST_UNSET_VAR",
            ],
            "not set",
        ),
        (
            &["check", "mx.example.org:25", "--quit-after", "lunch"],
            "unknown step",
        ),
        (
            &["check", "mx.example.org:25", "--connect-timeout", "5h"],
            "unknown unit",
        ),
        (
            &["check", "mx.example.org:25", "--connect-timeout", "90m"],
            "out of range",
        ),
        (
            &["check", "mx.example.org:25", "--targets", "x"],
            "cannot be used with",
        ),
    ];
    for (args, says) in cases {
        Command::cargo_bin("smtping")
            .unwrap()
            .args(*args)
            .env_remove("SMTPING_TEST_UNSET_VAR")
            .timeout(Duration::from_secs(30))
            .assert()
            .code(3)
            .stderr(predicate::str::contains(*says));
    }
}

#[test]
fn card_nagios_prometheus_and_transcript() {
    let lab = Lab::new();
    let server = server(&lab, |b| b);
    lab.check(&server)
        .arg("--transcript")
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("Connectivity  GREEN")
                .and(predicate::str::contains("TLS           GREEN"))
                .and(predicate::str::contains("Transcript"))
                .and(predicate::str::contains("S: 220 mx.test"))
                .and(predicate::str::contains("C: [tls] EHLO"))
                .and(predicate::str::contains("\x1b[").not()),
        );
    lab.check(&server)
        .args(["--format", "nagios"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::starts_with("SMTP OK - ")
                .and(predicate::str::contains("'tls_handshake'="))
                .and(predicate::str::contains("'cert_days_remaining'=")),
        );
    let out = lab
        .check(&server)
        .args(["--format", "prometheus"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("smtping_success{target=\""));
    assert!(text.contains("smtping_phase_duration_seconds{"));
    assert!(text.contains("smtping_tls_version_info{") && text.contains("version=\"TLSv1.3\""));
    assert!(text.contains("smtping_tls_certificate_days_remaining{"));
    assert!(text.contains("smtping_delivery_outcome{") && text.contains("outcome=\"not_tested\""));
}

#[test]
fn auth_from_env_and_file_never_leaks_the_password() {
    let lab = Lab::new();
    let server = server(&lab, |b| {
        b.auth(
            AuthConfig::new()
                .user("alice", "hunter2-secret")
                .mechanisms([SaslMechanism::Plain, SaslMechanism::Login])
                .require_tls(true),
        )
    });
    let out = lab
        .check(&server)
        .args([
            "--auth-user",
            "alice",
            "--auth-password-env",
            "SMTPING_PW",
            "--json",
            "--transcript",
        ])
        .env("SMTPING_PW", "hunter2-secret")
        .assert()
        .code(0)
        .get_output()
        .clone();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"outcome\": \"success\""), "{stdout}");
    for form in [
        "hunter2-secret",
        "aHVudGVyMi1zZWNyZXQ",
        "AGFsaWNlAGh1bnRlcjItc2VjcmV0",
    ] {
        assert!(!stdout.contains(form) && !String::from_utf8_lossy(&out.stderr).contains(form));
    }
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "wrong-password").unwrap();
    lab.check(&server)
        .args(["--auth-user", "alice", "--auth-password-file"])
        .arg(file.path())
        .assert()
        .code(2)
        .stdout(
            predicate::str::contains("login failed")
                .and(predicate::str::contains("wrong-password").not()),
        );
}

#[test]
fn redact_masks_local_parts() {
    let lab = Lab::new();
    let server = server(&lab, |b| b);
    lab.check(&server)
        .args([
            "--from",
            "probe@client.test",
            "--to",
            "alice@example.test",
            "--quit-after",
            "rcpt",
            "--redact",
            "--transcript",
        ])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("***@example.test")
                .and(predicate::str::contains("alice@").not())
                .and(predicate::str::contains("probe@").not()),
        );
}

#[test]
fn batch_with_jsonl_and_summary_table() {
    let lab = Lab::new();
    let ok = server(&lab, |b| b);
    let bad = server(&lab, |b| b.greeting(Behaviour::reply(554, "5.7.1 go away")));
    let mut list = tempfile::NamedTempFile::new().unwrap();
    writeln!(
        list,
        "# two servers\n{}\n\n{}  # the bad one",
        ok.addr(),
        bad.addr()
    )
    .unwrap();
    let out = Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", "--targets"])
        .arg(list.path())
        .args(["--jsonl", "--concurrency", "2", "--tls", "none"])
        .timeout(Duration::from_secs(60))
        .assert()
        .code(2)
        .get_output()
        .clone();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| json(l.as_bytes()))
        .collect();
    assert_eq!(lines.len(), 2);
    let mut verdicts: Vec<&str> = lines
        .iter()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    verdicts.sort_unstable();
    assert_eq!(verdicts, ["green", "red"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("2 targets in") && stderr.contains("1 green, 0 amber, 1 red"),
        "{stderr}"
    );
    // A bad line is a usage error naming the line.
    let mut bad_list = tempfile::NamedTempFile::new().unwrap();
    writeln!(bad_list, "{}\nnot a host!", ok.addr()).unwrap();
    Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", "--targets"])
        .arg(bad_list.path())
        .timeout(Duration::from_secs(60))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("line 2"));
}

#[cfg(feature = "demo")]
#[test]
fn demo_plays_every_scene() {
    let out = Command::cargo_bin("smtping")
        .unwrap()
        .arg("demo")
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(120))
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    for title in [
        "A healthy mail server",
        "A certificate for the wrong name",
        "An unknown mailbox",
        "Greylisting",
        "A size limit",
        "Authentication required",
        "Rate limited",
        "A STARTTLS response-injection attack",
        "Port 25 filtered on this network",
        "A submission port that takes mail before STARTTLS",
        "A TLS scan: versions and ciphers",
        "Every MX host, not just the first",
        "15/17 Did it land?",
        "found in INBOX after",
        "receiver: spf=pass dkim=none dmarc=pass (by mx.demo.test)",
        "16/17 Watched over time: history, diff, Prometheus, the HTML card",
        "mx.demo.test:25: 5 runs,",
        "- ehlo: PIPELINING is no longer advertised",
        "$ smtping diff mx.demo.test:25   # exit 1",
        "probe_success 1",
        "wrote the SMTP Health card (",
        "17/17 A mail domain's posture",
        "Every scene behaved as expected",
    ] {
        assert!(text.contains(title), "{title} missing");
    }
    let out = Command::cargo_bin("smtping")
        .unwrap()
        .args(["demo", "--jsonl", "--only", "3"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(
        String::from_utf8(out)
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .as_bytes(),
    );
    assert_eq!(v["delivery"]["reason"], "mailbox_unknown");
}

/// Without the `demo` feature the subcommand exists but says the demo is not built in.
#[cfg(not(feature = "demo"))]
#[test]
fn demo_without_the_feature_exits_3_with_a_clear_message() {
    Command::cargo_bin("smtping")
        .unwrap()
        .arg("demo")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("without the `demo` feature"));
}

#[test]
fn body_size_over_the_cap_is_exit_3_with_one_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let target = format!("127.0.0.1:{port}");
    for (size, says) in [
        ("1000000000000", "17179869184"),
        ("17179869185", "17179869184"),
        ("99999999999999999999999999", "17179869184"),
        ("12kb", "whole number of bytes"),
        ("-5", "whole number of bytes"),
    ] {
        Command::cargo_bin("smtping")
            .unwrap()
            .args(["check", &target, "--from", "a@b.test", "--to", "c@d.test"])
            .args(["--body-size", size])
            .timeout(Duration::from_secs(30))
            .assert()
            .code(3)
            .stdout(predicate::str::is_empty())
            .stderr(
                predicate::str::contains("--body-size")
                    .and(predicate::str::contains(says))
                    .and(predicate::function(|s: &str| s.lines().count() == 1)),
            );
    }
    // At the cap is allowed (the check runs: nothing listens, so red).
    Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", &target, "--from", "a@b.test", "--to", "c@d.test"])
        .args(["--body-size", "17179869184"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2);
}

/// Every bad argument exits 3 (never clap's 2, which monitoring reads as "critical") with
/// one clear line naming the command and where help is; an unreadable or invalid
/// --ca-file is a bad argument too, found before any connection.
#[test]
fn every_bad_argument_is_exit_3_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "garbage\n").unwrap();
    let not_pem = not_pem.to_str().unwrap().to_owned();
    let missing = dir.path().join("missing.pem").to_str().unwrap().to_owned();
    let cases: &[(&[&str], &str)] = &[
        (
            &["check"],
            "smtping check: the following required arguments were not provided: <TARGET>",
        ),
        (
            &["check", "x.test", "--too", "a@b.c"],
            "a similar argument exists: '--to'",
        ),
        (&["check", "x.test", "--port", "0"], "'--port <PORT>'"),
        (&["check", "x.test", "--format", "xml"], "possible values"),
        (&["check", "x.test", "--concurrency", "0"], "1..=256"),
        (
            &["check", "x.test", "-w", "cert=soon"],
            "whole number of days",
        ),
        (&["check", "x.test", "-c", "time=3"], "give the unit"),
        (
            &["check", "127.0.0.1:1", "--ca-file", &missing],
            "--ca-file",
        ),
        (&["check", "127.0.0.1:1", "--ca-file", &not_pem], "no PEM"),
        (
            &[
                "check",
                "127.0.0.1:1",
                "--body-size",
                "1e9",
                "--from",
                "a@b.c",
                "--to",
                "d@e.f",
            ],
            "--body-size",
        ),
        (
            &["explain", "--bad"],
            "smtping explain: unexpected argument '--bad'",
        ),
        (&["nonsense"], "smtping: unrecognized subcommand 'nonsense'"),
    ];
    for (args, says) in cases {
        Command::cargo_bin("smtping")
            .unwrap()
            .args(*args)
            .timeout(Duration::from_secs(30))
            .assert()
            .code(3)
            .stdout(predicate::str::is_empty())
            .stderr(
                predicate::str::contains(*says)
                    .and(predicate::function(|s: &str| s.lines().count() == 1)),
            );
    }
}

/// `smtping check --help` groups its options and ends with examples; TARGET says an
/// address works; --to says what `--quit-after data` does.
#[test]
fn check_help_is_grouped_with_examples() {
    let out = Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", "--help"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    let mut at = 0;
    for heading in [
        "\nTarget:\n",
        "\nTLS:\n",
        "\nAuth:\n",
        "\nEnvelope:\n",
        "\nTimeouts:\n",
        "\nOutput:\n",
        "\nBatch:\n",
        "\nExamples:\n",
    ] {
        let i = help[at..]
            .find(heading)
            .unwrap_or_else(|| panic!("{heading:?} missing or out of order:\n{help}"));
        at += i;
    }
    assert!(help.contains("an e-mail address (its"), "{help}");
    assert!(
        help.contains("smtping check postmaster@example.org"),
        "{help}"
    );
    assert!(help.contains("-w, --warning <THRESHOLDS>"), "{help}");
    assert!(
        help.contains("closes without the final dot: nothing is delivered"),
        "{help}"
    );
    assert!(
        help.trim_end().ends_with("docs/checks.md."),
        "examples end the help"
    );
}
