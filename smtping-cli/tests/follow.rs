//! `smtping check --seed …` and `smtping inbox` against the testkit SMTP and IMAP servers
//! (STARTTLS, trusted through --ca-file): the card's follow-through area, the JSON, the
//! exit codes, the usage errors, and that the seed password appears nowhere.

mod common;

use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use common::Lab;
use smtping_testkit::certs::Scenario;
use smtping_testkit::imap::{ImapServer, ImapServerTls};
use smtping_testkit::server::TestServer;

const PW: &str = "seed-pw-5d1e0a";
const IMAP_NAME: &str = "imap.test";

fn imap(lab: &Lab) -> Arc<ImapServer> {
    let cert = lab.pki.server_cert(Scenario::Valid, &[IMAP_NAME]).unwrap();
    let server = lab
        .rt
        .block_on(
            ImapServer::builder()
                .user("seed@example.test", PW)
                .junk_folder("Junk")
                .tls(ImapServerTls::StartTls(cert.server_config().unwrap()))
                .start(),
        )
        .unwrap();
    Arc::new(server)
}

/// Copies what the SMTP server accepts into `folder` of the IMAP server, with the
/// receiver's verdict on top.
fn copier(lab: &Lab, smtp: Arc<TestServer>, imap: Arc<ImapServer>, folder: &'static str) {
    lab.rt.spawn(async move {
        let mut copied = 0;
        loop {
            let delivered = smtp.delivered();
            for t in delivered.iter().skip(copied) {
                if let Some(m) = &t.message {
                    let mut raw = b"Authentication-Results: mx.test; spf=pass smtp.mailfrom=client.test; dkim=none; dmarc=pass header.from=client.test\r\n".to_vec();
                    raw.extend_from_slice(&m.body);
                    imap.deliver_after(folder, &raw, Duration::from_millis(200));
                }
                copied += 1;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

fn seed_args(imap: &ImapServer) -> Vec<String> {
    let port = imap.addr().port();
    vec![
        "--seed".into(),
        format!("imap://seed%40example.test@{IMAP_NAME}:{port}"),
        "--connect-to".into(),
        format!("{IMAP_NAME}:{port}:127.0.0.1:{port}"),
        "--seed-password-env".into(),
        "SEED_PW".into(),
    ]
}

fn check_with_seed(lab: &Lab, smtp: &TestServer, imap: &ImapServer, extra: &[&str]) -> Command {
    let mut cmd = lab.check(smtp);
    cmd.args(["--from", "probe@client.test", "--to", "seed@example.test"])
        .arg("--no-signals")
        .args(seed_args(imap))
        .args(extra)
        .env("SEED_PW", PW);
    cmd
}

fn output(cmd: &mut Command) -> (i32, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn check_with_a_seed_shows_where_the_message_landed() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b));
    let imap = imap(&lab);
    copier(&lab, smtp.clone(), imap.clone(), "INBOX");
    let (code, card, err) = output(&mut check_with_seed(
        &lab,
        &smtp,
        &imap,
        &["--seed-timeout", "10s"],
    ));
    println!("{card}");
    assert_eq!(code, 0, "{card}{err}");
    let line = card
        .lines()
        .find(|l| l.trim_start().starts_with("Follow-thru"))
        .unwrap_or_else(|| panic!("no follow-through area:\n{card}"));
    assert!(line.contains("GREEN"), "{line}");
    assert!(line.contains("found in INBOX after"), "{line}");
    assert!(
        card.contains("receiver: spf=pass dkim=none dmarc=pass (by mx.test)"),
        "{card}"
    );
    assert!(card.contains("timeline: +0 ms accepted · "), "{card}");
    assert!(card.contains(" polls · +"), "{card}");
    assert!(!card.contains(PW) && !err.contains(PW));

    let (code, json, err) = output(&mut check_with_seed(
        &lab,
        &smtp,
        &imap,
        &["--json", "--seed-timeout", "10s"],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(!json.contains(PW) && !err.contains(PW));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = &v["follow_through"];
    assert_eq!(f["status"], "green");
    assert_eq!(f["message_id"], v["delivery"]["message_id"]);
    assert_eq!(f["seeds"][0]["found"], true);
    assert_eq!(f["seeds"][0]["folder"], "INBOX");
    assert_eq!(f["seeds"][0]["tls"], true);
    assert_eq!(f["seeds"][0]["authentication_results"]["spf"], "pass");
    assert_eq!(f["timeline"][0]["event"], "accepted");
    assert_eq!(f["timeline"][1]["event"], "polled");
    let timeline = f["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["event"], "found");
    assert!(f["seeds"][0]["latency_ms"].as_u64().unwrap() >= 200);
}

#[test]
fn check_with_a_seed_that_never_sees_the_message_is_red() {
    let lab = Lab::new();
    let smtp = lab.server(|b| b);
    let imap = imap(&lab);
    let (code, card, _) = output(&mut check_with_seed(
        &lab,
        &smtp,
        &imap,
        &["--seed-timeout", "1s"],
    ));
    assert_eq!(code, 2, "{card}");
    assert!(card.contains("NOT found"), "{card}");
    assert!(
        card.contains("follow-through: not found in 1 of 1 seed"),
        "{card}"
    );
}

#[test]
fn a_wrong_seed_password_never_appears() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b));
    let imap = imap(&lab);
    copier(&lab, smtp.clone(), imap.clone(), "INBOX");
    let wrong = "wrong-pw-3b8c";
    let (code, json, err) = output(
        check_with_seed(&lab, &smtp, &imap, &["--json", "--seed-timeout", "5s"])
            .env("SEED_PW", wrong),
    );
    assert_eq!(code, 2, "{json}{err}");
    assert!(!json.contains(wrong) && !err.contains(wrong));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v["follow_through"]["findings"][0]["id"],
        "follow_through.seed_auth"
    );
}

#[test]
fn seed_options_are_validated_before_any_connection() {
    let run = |args: &[&str], env: Option<&str>| {
        let mut cmd = Command::cargo_bin("smtping").unwrap();
        cmd.args(args).env_remove("SEED_PW");
        if let Some(v) = env {
            cmd.env("SEED_PW", v);
        }
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let seed = "imap://u@127.0.0.1:1";
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (
            &["check", "127.0.0.1:1", "--seed", seed],
            None,
            "give --from and --to",
        ),
        (
            &[
                "check",
                "127.0.0.1:1",
                "--from",
                "a@b.test",
                "--to",
                "c@d.test",
                "--seed",
                seed,
            ],
            None,
            "--seed needs --seed-password-env",
        ),
        (
            &[
                "check",
                "127.0.0.1:1",
                "--from",
                "a@b.test",
                "--to",
                "c@d.test",
                "--seed",
                seed,
                "--seed-password-env",
                "SEED_PW",
            ],
            None,
            "SEED_PW",
        ),
        (
            &[
                "check",
                "127.0.0.1:1",
                "--from",
                "a@b.test",
                "--to",
                "c@d.test",
                "--seed",
                "http://x",
                "--seed-password-env",
                "SEED_PW",
            ],
            Some("x"),
            "--seed:",
        ),
        (
            &[
                "check",
                "127.0.0.1:1",
                "--from",
                "a@b.test",
                "--to",
                "c@d.test",
                "--quit-after",
                "rcpt",
                "--seed",
                seed,
                "--seed-password-env",
                "SEED_PW",
            ],
            Some("x"),
            "drop --quit-after",
        ),
        (
            &["inbox", "--message-id", "<a@b>"],
            None,
            "give a seed mailbox",
        ),
        (
            &["inbox", "--seed", seed, "--seed-password-env", "SEED_PW"],
            Some("x"),
            "--message-id",
        ),
    ];
    for (args, env, want) in cases {
        let (code, err) = run(args, *env);
        assert_eq!(code, Some(3), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {want:?} not in {err}");
    }
}

fn inbox(lab: &Lab, imap: &ImapServer, extra: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.arg("inbox")
        .args(seed_args(imap))
        .arg("--ca-file")
        .arg(lab.ca.path())
        .args(["--seed-timeout", "2s"])
        .args(extra)
        .env("SEED_PW", PW)
        .env("NO_COLOR", "1")
        .timeout(Duration::from_secs(60));
    cmd
}

const OTHER: &[u8] = b"Authentication-Results: mx.test; spf=fail smtp.mailfrom=app.test; dmarc=fail header.from=app.test\r\nDate: Tue, 1 Dec 2026 14:02:07 +0000\r\nMessage-ID: <reset-1@app.test>\r\nFrom: App <noreply@app.test>\r\nSubject: Password reset\r\n\r\nbody\r\n";

#[test]
fn inbox_finds_a_message_it_did_not_send() {
    let lab = Lab::new();
    let imap = imap(&lab);
    // Filed 3.5 s after its Date.
    let arrived = std::time::UNIX_EPOCH + Duration::from_millis(1_796_133_727_000 + 3_500);
    imap.deliver_at("INBOX", OTHER, arrived);
    let (code, card, err) = output(&mut inbox(
        &lab,
        &imap,
        &["--message-id", "<reset-1@app.test>"],
    ));
    println!("{card}");
    assert_eq!(code, 0, "{card}{err}");
    assert!(
        card.starts_with("smtping inbox <reset-1@app.test>"),
        "{card}"
    );
    assert!(card.contains("found in INBOX after 3000 ms"), "{card}");
    assert!(card.contains("receiver: spf=fail dmarc=fail"), "{card}");
    assert!(card.contains("receiver.spf_not_pass"), "{card}");
    assert!(!card.contains(PW) && !err.contains(PW));

    let (code, json, _) = output(&mut inbox(
        &lab,
        &imap,
        &[
            "--subject",
            "Password reset",
            "--from",
            "noreply@app.test",
            "--json",
        ],
    ));
    assert_eq!(code, 0, "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["seeds"][0]["found"], true);
    assert_eq!(v["seeds"][0]["authentication_results"]["dmarc"], "fail");
    assert!(!json.contains(PW));
}

#[test]
fn inbox_exit_codes_say_junk_and_not_found() {
    let lab = Lab::new();
    let imap = imap(&lab);
    imap.deliver("Junk", OTHER);
    let (code, card, _) = output(&mut inbox(
        &lab,
        &imap,
        &["--message-id", "reset-1@app.test"],
    ));
    assert_eq!(code, 1, "{card}");
    assert!(card.contains("found in Junk"), "{card}");
    let (code, card, _) = output(&mut inbox(
        &lab,
        &imap,
        &["--message-id", "<never@app.test>"],
    ));
    assert_eq!(code, 2, "{card}");
    assert!(card.contains("NOT found"), "{card}");
}

#[test]
fn dkim_options_sign_the_test_message_and_never_print_the_key() {
    let lab = Lab::new();
    let smtp = lab.server(|b| b);
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../smtping-client/tests/data/dkim/ed25519.pem"
    );
    let (code, json, err) = output(
        lab.check(&smtp)
            .args(["--from", "probe@client.test", "--to", "seed@example.test"])
            .args([
                "--no-signals",
                "--json",
                "--dkim-key",
                key,
                "--dkim-selector",
                "s1",
            ]),
    );
    assert_eq!(code, 0, "{json}{err}");
    let pem = std::fs::read_to_string(key).unwrap();
    let secret_line = pem.lines().nth(1).unwrap();
    assert!(!json.contains(secret_line) && !err.contains(secret_line));
    let sent = lab.rt.block_on(async { smtp.delivered() })[0]
        .message
        .clone()
        .unwrap()
        .body;
    let sent = String::from_utf8_lossy(&sent);
    assert!(
        sent.starts_with("DKIM-Signature: v=1; a=ed25519-sha256;"),
        "{sent}"
    );
    assert!(sent.contains("d=client.test; s=s1;"), "{sent}");

    let mut cmd = Command::cargo_bin("smtping").unwrap();
    let out = cmd
        .args([
            "check",
            "127.0.0.1:1",
            "--from",
            "a@b.test",
            "--to",
            "c@d.test",
        ])
        .args([
            "--dkim-key",
            "/nonexistent/key.pem",
            "--dkim-selector",
            "s1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--dkim-key"));
}

#[test]
fn redact_masks_the_seed_mailbox_and_the_receivers_addresses() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b));
    let imap = imap(&lab);
    copier(&lab, smtp.clone(), imap.clone(), "INBOX");
    let (code, json, err) = output(&mut check_with_seed(
        &lab,
        &smtp,
        &imap,
        &["--json", "--redact", "--seed-timeout", "10s"],
    ));
    assert_eq!(code, 0, "{json}{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = v["follow_through"].to_string();
    assert!(!f.contains("seed%40example.test"), "{f}");
    assert!(!f.contains("seed@example.test"), "{f}");
    assert!(f.contains("***@imap.test:"), "{f}");
    assert_eq!(v["follow_through"]["seeds"][0]["found"], true);
}

#[test]
fn redact_in_a_batch_masks_the_seed_mailbox_too() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b));
    let imap = imap(&lab);
    copier(&lab, smtp.clone(), imap.clone(), "INBOX");
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("targets.txt");
    std::fs::write(&list, format!("{}\n", smtp.addr())).unwrap();
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.args(["check", "--targets"])
        .arg(&list)
        .args(["--sni", common::NAME, "--ca-file"])
        .arg(lab.ca.path())
        .args(["--from", "probe@client.test", "--to", "seed@example.test"])
        .arg("--no-signals")
        .args(seed_args(&imap))
        .args(["--jsonl", "--redact", "--seed-timeout", "10s"])
        .env("SEED_PW", PW)
        .timeout(std::time::Duration::from_secs(60));
    let (code, jsonl, err) = output(&mut cmd);
    assert_eq!(code, 0, "{jsonl}{err}");
    let v: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    let f = v["follow_through"].to_string();
    assert_eq!(v["follow_through"]["seeds"][0]["found"], true, "{f}");
    assert!(
        !f.contains("seed%40example.test") && !f.contains("seed@example.test"),
        "{f}"
    );
    assert!(f.contains("***@imap.test:"), "{f}");
}
