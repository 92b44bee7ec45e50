//! `smtping check --record`, `smtping history` and `smtping diff TARGET` as a user runs them,
//! against testkit servers reached as `mx.test:25` with `--connect-to` (so that one target
//! can be served by a different server from one run to the next).

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use common::{Lab, NAME};
use predicates::prelude::*;
use smtping_testkit::server::TestServer;

const TARGET: &str = "mx.test:25";

fn smtping() -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.env("NO_COLOR", "1")
        .env_remove("XDG_DATA_HOME")
        .timeout(Duration::from_secs(60));
    cmd
}

/// `smtping check mx.test:25 --record --history FILE` served by `server`, with an envelope.
fn check(lab: &Lab, server: SocketAddr, history: &Path) -> Command {
    let mut cmd = smtping();
    cmd.args(["check", TARGET, "--no-signals", "--record"])
        .arg(format!(
            "--connect-to={NAME}:25:127.0.0.1:{}",
            server.port()
        ))
        .arg("--history")
        .arg(history)
        .arg("--ca-file")
        .arg(lab.ca.path())
        .args(["--command-timeout", "5s", "--connect-timeout", "5s"])
        .args(["--from", "alice@example.org", "--to", "bob@example.org"]);
    cmd
}

fn history(file: &Path) -> Command {
    let mut cmd = smtping();
    cmd.arg("history").arg("--history").arg(file);
    cmd
}

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| {
        panic!("not JSON ({e}): {}", String::from_utf8_lossy(out));
    })
}

fn servers(lab: &Lab) -> (TestServer, TestServer) {
    let with = lab.server(|b| b.extensions(["PIPELINING", "SIZE 100000"]));
    let without = lab.server(|b| b.extensions(["SIZE 100000"]));
    (with, without)
}

/// Everything stored, raw: the file and (if any) its WAL.
fn raw(file: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(file).unwrap();
    let wal = file.with_extension("sqlite-wal");
    if let Ok(w) = std::fs::read(wal) {
        bytes.extend(w);
    }
    bytes
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[test]
fn five_recorded_runs_with_one_change_show_in_history_and_diff() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite");
    let (with, without) = servers(&lab);
    // Runs 1-3 and 5 with PIPELINING, run 4 without.
    for (i, s) in [&with, &with, &with, &without, &with].iter().enumerate() {
        let out = check(&lab, s.addr(), &file).arg("--json").output().unwrap();
        let report = json(&out.stdout);
        assert!(report["verdict"].is_string(), "run {i}: {report}");
        // Printed as usual: the printed report is not redacted.
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("bob@example.org"),
            "run {i}"
        );
        assert!(
            out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let out = history(&file).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out.stdout);
    let targets = v["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 1, "{v}");
    let t = &targets[0];
    assert_eq!(t["target"], TARGET);
    assert_eq!(t["runs"], 5);
    let verdicts = &t["verdicts"];
    let sum: u64 = ["green", "amber", "red"]
        .iter()
        .map(|k| verdicts[k].as_u64().unwrap())
        .sum();
    assert_eq!(sum, 5, "{verdicts}");
    assert_eq!(t["delivery"]["accepted"], 5, "{t}");
    assert_eq!(t["delivery"]["deferred"], 0);
    assert_eq!(t["delivery"]["bounced"], 0);
    assert_eq!(t["delivery"]["rates"]["accepted"], 1.0);
    assert_eq!(t["cert_days"].as_array().unwrap().len(), 5);
    assert!(t["cert_days"][0]["t"].is_i64());
    assert!(t["cert_days"][0]["days"].is_i64());
    let changes = t["changes"].as_array().unwrap();
    let pipelining: Vec<(&str, &str)> = changes
        .iter()
        .filter(|c| c["field"] == "extensions.PIPELINING")
        .map(|c| {
            (
                c["area"].as_str().unwrap(),
                c["direction"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pipelining,
        [("ehlo", "worse"), ("ehlo", "better")],
        "{changes:?}"
    );
    let lost = changes.iter().find(|c| c["direction"] == "worse").unwrap();
    assert_eq!(lost["what"], "ehlo: PIPELINING is no longer advertised");
    assert!(lost["t"].is_i64());
    // The run it happened at is the fourth one.
    assert_eq!(lost["t"], t["verdict_runs"][3]["t"]);

    // The human view, ASCII (no terminal).
    let out = history(&file).arg(TARGET).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("mx.test:25: 5 runs, "), "{text}");
    assert!(
        text.contains("  delivery    5 accepted (100%), 0 deferred (0%), 0 bounced (0%)"),
        "{text}"
    );
    assert!(
        text.contains("  - ehlo: PIPELINING is no longer advertised"),
        "{text}"
    );
    assert!(
        text.contains("  + ehlo: PIPELINING is now advertised"),
        "{text}"
    );
    assert!(text.contains("  cert days   "), "{text}");
    assert!(text.contains(" days left\n"), "{text}");
    let charts: String = text
        .lines()
        .filter(|l| l.starts_with("  per run") || l.starts_with("  cert days"))
        .collect();
    assert!(charts.is_ascii(), "{text}");
    assert!(text.lines().next().unwrap().is_ascii(), "{text}");

    // diff TARGET: run 4 (without) → run 5 (with): better only, exit 0.
    let mut diff = smtping();
    diff.args(["diff", TARGET, "--history"]).arg(&file);
    diff.assert().code(0).stdout(predicate::str::contains(
        "  + ehlo: PIPELINING is now advertised",
    ));
    let mut diff = smtping();
    let out = diff
        .args(["diff", "--last", TARGET, "--json", "--history"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let d = json(&out.stdout);
    assert_eq!(d["worse"], false);
    assert!(
        d["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "extensions.PIPELINING" && c["direction"] == "better")
    );

    // One more run without PIPELINING: the last two now differ for the worse, exit 1.
    check(&lab, without.addr(), &file).assert().success();
    let mut diff = smtping();
    diff.args(["diff", TARGET, "--history"]).arg(&file);
    diff.assert().code(1).stdout(predicate::str::contains(
        "  - ehlo: PIPELINING is no longer advertised",
    ));

    // --since keeps only recent runs; --purge removes them.
    history(&file)
        .args(["--since", "1h", "--json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"runs\": 6"));
    history(&file)
        .args(["--purge", "--older-than", "0s"])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(
            "removed 6 runs older than 0 days\n",
        ));
    history(&file)
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("no runs recorded in "));
}

#[test]
fn stored_runs_have_no_transcript_and_masked_local_parts_unless_full() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let (with, _) = servers(&lab);
    let masked = dir.path().join("masked.sqlite");
    check(&lab, with.addr(), &masked).assert().success();
    let out = history(&masked).arg("--reports").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let r = json(text.as_bytes());
    assert_eq!(r["transcript"], serde_json::json!([]));
    assert_eq!(r["delivery"]["outcome"], "accepted", "{r}");
    assert!(!text.contains("alice@") && !text.contains("bob@"), "{text}");
    assert!(text.contains("***@example.org"), "{text}");
    // Not in the file either (e.g. in an index or a transcript line).
    let bytes = raw(&masked);
    assert!(!contains(&bytes, "alice@example.org"));
    assert!(!contains(&bytes, "bob@example.org"));
    assert!(!contains(&bytes, "MAIL FROM"));

    let full = dir.path().join("full.sqlite");
    check(&lab, with.addr(), &full)
        .arg("--record-full")
        .assert()
        .success();
    let out = history(&full).arg("--reports").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let r = json(text.as_bytes());
    assert_eq!(r["transcript"], serde_json::json!([]));
    assert!(text.contains("bob@example.org"), "{text}");
    assert!(!contains(&raw(&full), "MAIL FROM"));
}

#[test]
fn every_report_of_a_batch_is_recorded() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let (with, _) = servers(&lab);
    let file = dir.path().join("h.sqlite");
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, format!("{TARGET}\n# a comment\n{TARGET}\n")).unwrap();
    let mut cmd = smtping();
    cmd.args(["check", "--no-signals", "--record", "--jsonl"])
        .arg("--targets")
        .arg(&targets)
        .arg(format!(
            "--connect-to={NAME}:25:127.0.0.1:{}",
            with.addr().port()
        ))
        .arg("--history")
        .arg(&file)
        .arg("--ca-file")
        .arg(lab.ca.path())
        .args(["--per-host-interval", "0", "--quit-after", "tls"]);
    cmd.assert().success();
    let v = json(&history(&file).arg("--json").output().unwrap().stdout);
    assert_eq!(v["targets"][0]["target"], TARGET);
    assert_eq!(v["targets"][0]["runs"], 2);
    assert_eq!(v["targets"][0]["delivery"]["not_tested"], 2);
}

#[test]
fn an_unusable_history_is_exit_3_before_any_connection() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let (with, _) = servers(&lab);
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not a database\n").unwrap();
    let out = check(&lab, with.addr(), &notes).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("notes.txt is not an SMTPing history (not an SQLite database)"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "not a database\n");
    // Nothing reached the server.
    assert_eq!(with.connections(), 0);

    // Reading: the same refusal, and a missing file is named too.
    history(&notes)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("is not an SMTPing history"));
    let missing = dir.path().join("none.sqlite");
    history(&missing)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("none.sqlite: no history yet"));
    assert!(!missing.exists());
    let mut diff = smtping();
    diff.args(["diff", TARGET, "--history"])
        .arg(&missing)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no history yet"));
}

#[test]
fn diff_target_needs_two_runs_and_the_file_form_is_unchanged() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let (with, _) = servers(&lab);
    let file = dir.path().join("h.sqlite");
    check(&lab, with.addr(), &file)
        .args(["--quit-after", "tls"])
        .assert()
        .success();
    let mut diff = smtping();
    diff.args(["diff", TARGET, "--history"])
        .arg(&file)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "smtping diff: mx.test:25: 1 run(s) recorded in",
        ));
    // One argument that is a report file: asks for the second.
    let report = dir.path().join("r.json");
    let out = lab
        .check(&with)
        .args(["--json", "--quit-after", "tls"])
        .output()
        .unwrap();
    std::fs::write(&report, &out.stdout).unwrap();
    let mut diff = smtping();
    diff.arg("diff")
        .arg(&report)
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "is a report file: give a second one",
        ));
    let mut diff = smtping();
    diff.arg("diff")
        .arg(&report)
        .arg(&report)
        .assert()
        .code(0)
        .stdout("no change\n");
}

#[test]
fn the_default_file_lives_under_xdg_data_home_in_a_private_directory() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let (with, _) = servers(&lab);
    let mut cmd = smtping();
    cmd.env("XDG_DATA_HOME", dir.path())
        .args([
            "check",
            TARGET,
            "--no-signals",
            "--record",
            "--quit-after",
            "tls",
        ])
        .arg(format!(
            "--connect-to={NAME}:25:127.0.0.1:{}",
            with.addr().port()
        ))
        .arg("--ca-file")
        .arg(lab.ca.path());
    cmd.assert().success();
    let file = dir.path().join("smtping/history.sqlite");
    assert!(file.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("smtping"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
    }
    let mut h = smtping();
    h.env("XDG_DATA_HOME", dir.path())
        .args(["history", "--json"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("\"runs\": 1"));
}

#[test]
fn two_processes_recording_at_once_both_store_every_run() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let (with, _) = servers(&lab);
    let file = dir.path().join("h.sqlite");
    let targets = dir.path().join("targets.txt");
    std::fs::write(&targets, format!("{TARGET}\n").repeat(10)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("smtping");
    let spawn = || {
        std::process::Command::new(&bin)
            .args(["check", "--no-signals", "--record", "--jsonl"])
            .arg("--targets")
            .arg(&targets)
            .arg(format!(
                "--connect-to={NAME}:25:127.0.0.1:{}",
                with.addr().port()
            ))
            .arg("--history")
            .arg(&file)
            .arg("--ca-file")
            .arg(lab.ca.path())
            .args([
                "--per-host",
                "4",
                "--per-host-interval",
                "0",
                "--quit-after",
                "tls",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    // Both start before either has created the file.
    let (a, b) = (spawn(), spawn());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // No "not recorded" warning: a writer waits for the other.
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("not recorded"), "{err}");
        assert!(err.contains("10 targets"), "{err}");
    }
    let v = json(&history(&file).arg("--json").output().unwrap().stdout);
    assert_eq!(v["targets"][0]["runs"], 20, "{v}");
}
