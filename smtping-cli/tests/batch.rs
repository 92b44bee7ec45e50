//! `smtping check --targets`: streamed input and output, limits that never cut a target,
//! and scheduling that keeps a busy host from holding back the others. Loopback only.

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use smtping_testkit::server::{Script, TestServer};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// A loopback port nothing listens on (connections are refused at once).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn smtping() -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.env("NO_COLOR", "1").timeout(Duration::from_secs(120));
    cmd
}

fn json_lines(out: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A server that answers EHLO after `delay` (the greeting comes at once).
fn server_at(rt: &tokio::runtime::Runtime, ip: &str, delay: Duration) -> TestServer {
    let script = Script::new()
        .send("220 mx.test ESMTP\r\n")
        .expect_line("EHLO")
        .sleep(delay)
        .send("250 mx.test\r\n")
        .answer_all("\r\n");
    rt.block_on(
        TestServer::builder()
            .bind(format!("{ip}:0").parse().unwrap())
            .script(script)
            .start(),
    )
    .unwrap()
}

#[test]
fn jsonl_results_stream_while_targets_are_still_being_read() {
    // The targets come on a pipe that stays open: the first result must be written
    // before the input ends (the batch neither slurps the file nor waits for the end).
    let bin = assert_cmd::cargo::cargo_bin("smtping");
    let mut child = std::process::Command::new(bin)
        .args(["check", "--targets", "-", "--jsonl", "--tls", "none"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "127.0.0.1:{}", closed_port()).unwrap();
    stdin.flush().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let first = rx.recv_timeout(Duration::from_secs(20));
    drop(stdin);
    let _ = child.kill();
    let _ = child.wait();
    let first = first.expect("no JSONL result while the targets file was still open");
    let v: serde_json::Value = serde_json::from_str(&first).unwrap();
    assert_eq!(v["verdict"], "red");
    assert_eq!(v["connectivity"]["attempts"][0]["outcome"], "refused");
}

#[test]
fn a_target_past_the_old_size_limit_is_read_whole() {
    // Comments fill the first 4 MiB so that the old limit fell inside the port.
    let rt = runtime();
    let s = server_at(&rt, "127.0.0.1", Duration::ZERO);
    let target = format!("{}", s.addr());
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let limit = 4 * 1024 * 1024;
    let cut_at = target.len() - 2; // two port digits past the limit
    let mut written = 0;
    let comment = format!("# {}\n", "x".repeat(997));
    while written + comment.len() <= limit - cut_at {
        file.write_all(comment.as_bytes()).unwrap();
        written += comment.len();
    }
    let pad = limit - cut_at - written;
    if pad > 0 {
        assert!(pad >= 2);
        file.write_all(format!("#{}\n", "y".repeat(pad - 2)).as_bytes())
            .unwrap();
    }
    writeln!(file, "{target}").unwrap();
    let out = smtping()
        .args(["check", "--tls", "none", "--quit-after", "ehlo", "--jsonl"])
        .arg("--targets")
        .arg(file.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["target"]["port"], s.addr().port());
}

#[test]
fn limits_are_exit_3_and_named() {
    // A line over the line limit: nothing is checked, the limit is named.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "127.0.0.1:{}", closed_port()).unwrap();
    writeln!(file, "127.0.0.1:25 # {}", "z".repeat(5000)).unwrap();
    smtping()
        .args(["check", "--jsonl", "--targets"])
        .arg(file.path())
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(
            predicate::str::contains("line 2")
                .and(predicate::str::contains("4096 bytes"))
                .and(predicate::function(|s: &str| s.lines().count() == 1)),
        );
    // More targets than the limit.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let port = closed_port();
    for _ in 0..100_001 {
        writeln!(file, "127.0.0.1:{port}").unwrap();
    }
    smtping()
        .args(["check", "--jsonl", "--targets"])
        .arg(file.path())
        .assert()
        .code(3)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains("100000"));
    // Not UTF-8: the bytes are shown escaped.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(b"127.0.0.1:25\nmx\xff\x1b.test\n").unwrap();
    smtping()
        .args(["check", "--targets"])
        .arg(file.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(r"line 2").and(predicate::str::contains(r"\xff\e")));
}

#[test]
fn a_host_at_its_limit_does_not_hold_back_other_hosts() {
    // 40 targets on a slow host A, then 4 on host B; --per-host 2 (the default).
    let rt = runtime();
    let a = server_at(&rt, "127.0.0.1", Duration::from_millis(150));
    let b = server_at(&rt, "127.0.0.2", Duration::ZERO);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for _ in 0..40 {
        writeln!(file, "{}", a.addr()).unwrap();
    }
    for _ in 0..4 {
        writeln!(file, "{}", b.addr()).unwrap();
    }
    let out = smtping()
        .args(["check", "--tls", "none", "--quit-after", "ehlo", "--jsonl"])
        .args(["--per-host", "2", "--concurrency", "8"])
        .arg("--targets")
        .arg(file.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 44);
    let hosts: Vec<&str> = lines
        .iter()
        .map(|v| v["target"]["host"].as_str().unwrap())
        .collect();
    let last_b = hosts.iter().rposition(|h| *h == "127.0.0.2").unwrap();
    let a_before = hosts[..last_b]
        .iter()
        .filter(|h| **h == "127.0.0.1")
        .count();
    assert!(
        a_before < 20,
        "B's last check ended after {a_before} of A's 40: {hosts:?}"
    );
}

#[test]
fn json_array_keeps_the_targets_file_order() {
    let rt = runtime();
    let slow = server_at(&rt, "127.0.0.1", Duration::from_millis(300));
    let fast = server_at(&rt, "127.0.0.3", Duration::ZERO);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "{}\n{}\n{}", slow.addr(), fast.addr(), fast.addr()).unwrap();
    let out = smtping()
        .args(["check", "--tls", "none", "--quit-after", "ehlo", "--json"])
        .args(["--per-host-interval", "0"])
        .arg("--targets")
        .arg(file.path())
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let hosts: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["target"]["host"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["127.0.0.1", "127.0.0.3", "127.0.0.3"]);
}

#[test]
fn per_host_interval_is_an_option() {
    let port = closed_port();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for _ in 0..3 {
        writeln!(file, "127.0.0.1:{port}").unwrap();
    }
    smtping()
        .args(["check", "--jsonl", "--per-host-interval", "0", "--targets"])
        .arg(file.path())
        .assert()
        .code(2);
    smtping()
        .args(["check", "--jsonl", "--per-host-interval", "2h", "--targets"])
        .arg(file.path())
        .assert()
        .code(3);
}
