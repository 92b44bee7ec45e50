//! End-to-end tests of `smtping explain`.

use assert_cmd::Command;
use predicates::prelude::*;

fn smtping() -> Command {
    Command::cargo_bin("smtping").unwrap()
}

#[test]
fn human_output() {
    smtping()
        .args(["explain", "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in local recipient table"])
        .assert()
        .success()
        .stdout(predicate::str::contains("outcome:      bounced (hard"))
        .stdout(predicate::str::contains("reason:       mailbox_unknown"))
        .stdout(predicate::str::contains("550 (Requested action not taken: mailbox unavailable), 5.1.1 (IANA: Bad destination mailbox address, RFC 3463)"))
        .stdout(predicate::str::contains("explanation:  "))
        .stdout(predicate::str::contains("remediation:  "));
}

#[test]
fn words_are_joined_and_context_flags_apply() {
    smtping()
        .args([
            "explain",
            "--remote-host",
            "gmail-smtp-in.l.google.com",
            "--stage",
            "rcpt",
            "550",
            "5.7.27",
            "rejected",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("reason:       spf_failed"))
        .stdout(predicate::str::contains("provider:     Google (google)"))
        .stdout(predicate::str::contains("stage:        rcpt"));
}

#[test]
fn text_from_stdin() {
    smtping()
        .arg("explain")
        .write_stdin("host mx.example.org[192.0.2.1] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command)\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("outcome:      deferred"))
        .stdout(predicate::str::contains("reason:       mailbox_full"))
        .stdout(predicate::str::contains("stage:        rcpt"));
}

#[test]
fn json_output() {
    let out = smtping()
        .args([
            "explain",
            "--json",
            "--recipient-domain",
            "yahoo.com",
            "554 5.7.9 Message not accepted for policy reasons.",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["outcome"], "bounced");
    assert_eq!(v["reason"], "policy_rejected");
    assert_eq!(v["code"], 554);
    assert_eq!(v["enhanced"], "5.7.9");
    assert_eq!(v["hard"], false);
    assert_eq!(v["provider"], "yahoo");
    assert!(v["explanation"].as_str().unwrap().ends_with('.'));
    assert!(v["remediation"].as_str().unwrap().ends_with('.'));
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 1);
}

#[test]
fn jsonl_batch_in_order_with_errors() {
    let input = concat!(
        "\"250 2.0.0 Ok: queued as 4Zx550abc\"\n",
        "\n",
        "\"550-5.7.26 This mail has been blocked because the sender is\\r\\n550 5.7.26 unauthenticated. - gsmtp\"\n",
        "{\"not\": \"a string\"}\n",
        "   \n",
        "\"smtp; 421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints\"\n",
    );
    let assert = smtping()
        .args(["explain", "--jsonl"])
        .write_stdin(input)
        .assert();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert.code(3);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // One object per input line, blank lines included (they are errors).
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0]["outcome"], "accepted");
    assert_eq!(lines[1]["line"], 2);
    assert!(lines[1]["error"].as_str().unwrap().contains("blank line"));
    assert_eq!(lines[2]["reason"], "sender_unauthenticated");
    assert_eq!(lines[2]["provider"], "google");
    assert_eq!(lines[3]["line"], 4);
    assert!(
        lines[3]["error"]
            .as_str()
            .unwrap()
            .contains("not a JSON string")
    );
    assert_eq!(lines[4]["line"], 5);
    assert!(lines[4]["error"].as_str().unwrap().contains("blank line"));
    assert_eq!(lines[5]["outcome"], "deferred");
    assert_eq!(lines[5]["reason"], "bad_reputation");
}

#[test]
fn jsonl_blank_lines_get_an_error_object_in_order() {
    // CRLF input, a blank line in the middle and one at the end: three lines, three answers.
    let assert = smtping()
        .args(["explain", "--jsonl"])
        .write_stdin("\"550 5.1.1 no such user\"\r\n\r\n\"250 ok\"\r\n \t\r\n")
        .assert()
        .code(3);
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0]["reason"], "mailbox_unknown");
    assert_eq!(
        lines[1],
        serde_json::json!({"line": 2, "error": format!("blank line: expected {SHAPE}")})
    );
    assert_eq!(lines[2]["outcome"], "accepted");
    assert_eq!(lines[3]["line"], 4);
}

#[test]
fn jsonl_all_good_exits_zero() {
    smtping()
        .args(["explain", "--jsonl"])
        .write_stdin("\"550 5.1.1 no such user\"\n\"Status: 4.2.2\"")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("\"mailbox_unknown\"")
                .and(predicate::str::contains("\"mailbox_full\"")),
        );
}

#[test]
fn whole_bounce_on_stdin() {
    let bounce = "Content-Type: multipart/report; report-type=delivery-status; boundary=XX\n\n--XX\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.sender.example\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 user unknown\n\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.2.2\nDiagnostic-Code: smtp; 452 4.2.2 mailbox full\n--XX--\n";
    smtping()
        .arg("explain")
        .write_stdin(bounce)
        .assert()
        .success()
        .stdout(predicate::str::contains("2 recipient(s)"))
        .stdout(predicate::str::contains("recipient:    a@example.org"))
        .stdout(predicate::str::contains("reason:       mailbox_full"));
    let out = smtping()
        .args(["explain", "--json"])
        .write_stdin(bounce)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["report"]["reporting_mta"]["value"], "mx.sender.example");
    assert_eq!(v["recipients"][1]["recipient"], "b@example.org");
    assert_eq!(v["recipients"][1]["outcome"], "deferred");
}

#[test]
fn bad_arguments_exit_3() {
    smtping()
        .args(["explain", "--stage", "lunch", "550"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("stage"));
    smtping()
        .args(["explain", "--json", "--jsonl"])
        .assert()
        .code(3);
    smtping()
        .arg("explain")
        .write_stdin("")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no text"));
    smtping()
        .args(["explain", "--jsonl", "550 x"])
        .assert()
        .code(3);
}

/// What `--jsonl` expects, as its errors say it.
const SHAPE: &str = r#"one JSON string per line, e.g. "550 5.1.1 no such user" (quotes included; a multi-line reply joined with \r\n)"#;

/// A `--jsonl` line that is not a JSON string says the expected line shape, in the line's
/// error object and once on standard error.
#[test]
fn jsonl_errors_say_the_expected_line_shape() {
    let assert = smtping()
        .args(["explain", "--jsonl"])
        .write_stdin("550 5.1.1 no such user\n\"250 ok\"\n")
        .assert()
        .code(3)
        .stderr(predicates::str::contains(format!(
            "1 of 2 line(s) were not JSON strings (see their \"error\"); --jsonl expects {SHAPE}"
        )));
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let first: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let error = first["error"].as_str().unwrap();
    assert!(
        error.starts_with("not a JSON string (") && error.ends_with(SHAPE),
        "{error}"
    );
}

/// `smtping explain` with nothing on a terminal says it reads standard input (through
/// `script`, which gives it a terminal; skipped where util-linux `script` is missing).
#[test]
fn explain_on_a_terminal_says_it_reads_stdin() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("no `script`: skipped");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("smtping");
    // The pty's stdin ends at once (</dev/null is the outer stdin: script sends EOF).
    let out = std::process::Command::new("script")
        .args(["-qec", &format!("{} explain", bin.display()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("reading the reply, DSN diagnostic or bounce from standard input"),
        "{text}"
    );
}
