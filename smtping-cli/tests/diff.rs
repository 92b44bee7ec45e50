//! `smtping diff` on reports made by `smtping check --json` against testkit servers that differ.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{Lab, NAME};
use predicates::prelude::*;
use smtping_testkit::certs::Scenario;
use smtping_testkit::server::{ServerTls, TestServer};

fn report(lab: &Lab, server: &TestServer, dir: &Path, name: &str) -> PathBuf {
    let out = lab
        .check(server)
        .arg("--json")
        .arg("--quit-after")
        .arg("tls")
        .output()
        .unwrap();
    let path = dir.join(name);
    std::fs::write(&path, &out.stdout).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert!(v["verdict"].is_string());
    path
}

fn diff() -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.arg("diff").env("NO_COLOR", "1");
    cmd
}

#[test]
fn lost_pipelining_and_an_expired_certificate_are_worse() {
    let lab = Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let good = lab.server(|b| b.extensions(["PIPELINING", "SIZE 10000"]));
    let before = report(&lab, &good, dir.path(), "before.json");
    let expired = lab.pki.server_cert(Scenario::Expired, &[NAME]).unwrap();
    let bad = lab
        .rt
        .block_on(
            TestServer::builder()
                .hostname(NAME)
                .tls(ServerTls::starttls(expired))
                .extensions(["SIZE 10000"])
                .start(),
        )
        .unwrap();
    let after = report(&lab, &bad, dir.path(), "after.json");

    // The same report twice: no change, exit 0.
    diff()
        .arg(&before)
        .arg(&before)
        .assert()
        .code(0)
        .stdout("no change\n");

    let out = diff().arg(&before).arg(&after).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  - ehlo: PIPELINING is no longer advertised"),
        "{text}"
    );
    assert!(
        text.contains("  - tls: certificate valid → expired"),
        "{text}"
    );

    let out = diff()
        .arg(&before)
        .arg(&after)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["worse"], true);
    let changes = v["changes"].as_array().unwrap();
    let find = |field: &str| {
        changes
            .iter()
            .find(|c| c["field"] == field)
            .unwrap_or_else(|| panic!("{field} in {changes:#?}"))
    };
    let p = find("extensions.PIPELINING");
    assert_eq!(
        (&p["area"], &p["before"], &p["after"], &p["direction"]),
        (&"ehlo".into(), &true.into(), &false.into(), &"worse".into())
    );
    let c = find("certificate.verification");
    assert_eq!(c["before"], "valid");
    assert_eq!(c["after"], "expired");
    assert_eq!(c["direction"], "worse");

    // And back: better, exit 0.
    let out = diff().arg(&after).arg(&before).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("  + ehlo: PIPELINING is now advertised"),
        "{text}"
    );
    assert!(
        text.contains("  + tls: certificate expired → valid"),
        "{text}"
    );
}

#[test]
fn bad_input_exits_3_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ok = dir.path().join("ok.json");
    std::fs::write(&ok, r#"{"verdict":"green","target":{}}"#).unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"verdict\": \"green\",").unwrap();
    diff()
        .arg(&ok)
        .arg(&broken)
        .assert()
        .code(3)
        .stdout("")
        .stderr(predicate::str::contains("broken.json: invalid JSON: EOF"));
    diff()
        .arg(dir.path().join("nope.json"))
        .arg(&ok)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("nope.json: cannot read"));
    let jsonl = dir.path().join("runs.jsonl");
    std::fs::write(
        &jsonl,
        "{\"verdict\":\"green\",\"target\":{}}\n{\"verdict\":\"red\",\"target\":{}}\n",
    )
    .unwrap();
    diff()
        .arg(&ok)
        .arg(&jsonl)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("  - verdict: green → red"));
}
