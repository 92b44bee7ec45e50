//! `smtping check --bounce-mailbox …` against the testkit SMTP and IMAP servers: a message
//! accepted at the final dot and bounced later is red with the bounce line, the JSON's
//! `follow_through.bounce`, `--redact`, and the option's usage errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use assert_cmd::Command;
use common::Lab;
use smtping_testkit::certs::Scenario;
use smtping_testkit::imap::{Dsn, ImapServer, ImapServerTls};
use smtping_testkit::server::TestServer;

const PW: &str = "bounce-pw-77c1";
const IMAP_NAME: &str = "imap.test";

fn imap(lab: &Lab) -> Arc<ImapServer> {
    let cert = lab.pki.server_cert(Scenario::Valid, &[IMAP_NAME]).unwrap();
    let server = lab
        .rt
        .block_on(
            ImapServer::builder()
                .user("bounces@client.test", PW)
                .tls(ImapServerTls::StartTls(cert.server_config().unwrap()))
                .start(),
        )
        .unwrap();
    Arc::new(server)
}

/// Plays the later server: for each message the SMTP server accepts, a `failed` DSN
/// naming its Message-ID lands in the bounce mailbox a little later (after an unrelated
/// bounce).
fn bouncer(lab: &Lab, smtp: Arc<TestServer>, imap: Arc<ImapServer>) {
    lab.rt.spawn(async move {
        let mut seen = 0;
        loop {
            let delivered = smtp.delivered();
            for t in delivered.iter().skip(seen) {
                if let Some(m) = &t.message {
                    let text = String::from_utf8_lossy(&m.body).into_owned();
                    let mid = text
                        .lines()
                        .find_map(|l| {
                            l.strip_prefix("Message-ID:")
                                .or_else(|| l.strip_prefix("Message-Id:"))
                        })
                        .map(|v| v.trim().to_owned())
                        .unwrap_or_default();
                    imap.deliver_dsn("INBOX", &Dsn::failed("<other@client.test>", "x@rx.test"));
                    imap.deliver_after(
                        "INBOX",
                        &Dsn::failed(&mid, "nobody@rx.test").to_bytes(),
                        Duration::from_millis(300),
                    );
                }
                seen += 1;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

fn check(lab: &Lab, smtp: &TestServer, imap: &ImapServer, extra: &[&str]) -> Command {
    let port = imap.addr().port();
    let mut cmd = lab.check(smtp);
    cmd.args(["--from", "bounces@client.test", "--to", "nobody@rx.test"])
        .arg("--no-signals")
        .args([
            "--bounce-mailbox".to_owned(),
            format!("imap://bounces%40client.test@{IMAP_NAME}:{port}/INBOX"),
            "--connect-to".to_owned(),
            format!("{IMAP_NAME}:{port}:127.0.0.1:{port}"),
            "--seed-password-env".to_owned(),
            "BOUNCE_PW".to_owned(),
            "--seed-timeout".to_owned(),
            "10s".to_owned(),
        ])
        .args(extra)
        .env("BOUNCE_PW", PW);
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
fn accepted_then_bounced_is_red_with_the_bounce_line() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b));
    let imap = imap(&lab);
    bouncer(&lab, smtp.clone(), imap.clone());
    let (code, card, err) = output(&mut check(&lab, &smtp, &imap, &[]));
    println!("{card}");
    assert_eq!(code, 2, "{card}{err}");
    // The area, its wrapped lines joined.
    let area: String = card
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("Follow-thru"))
        .take_while(|l| !l.trim().is_empty())
        .flat_map(str::split_whitespace)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(area.starts_with("Follow-thru RED accepted at "), "{area}");
    assert!(
        area.contains(", bounced at ")
            && area.contains(
                ": 550 5.1.1 <nobody@rx.test>: Recipient address rejected: User unknown in local recipient table (hard) bounces imap://bounces%40client.test@imap.test:"
            ),
        "{area}"
    );
    assert!(
        area.contains("/INBOX: DSN found after ")
            && area.contains(
                "matched by the returned Message-ID) — reason mailbox_unknown, by mx.example.org"
            ),
        "{area}"
    );
    assert!(card.contains("[bounce.hard]"), "{card}");
    assert!(!card.contains(PW) && !err.contains(PW));

    let (code, json, err) = output(&mut check(&lab, &smtp, &imap, &["--json"]));
    assert_eq!(code, 2, "{err}");
    assert!(!json.contains(PW) && !err.contains(PW));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f = &v["follow_through"];
    assert_eq!(f["status"], "red");
    let b = &f["bounce"];
    assert_eq!(b["watched"], true);
    assert_eq!(b["found"], true);
    assert!(b["latency_ms"].as_u64().unwrap() >= 300);
    assert_eq!(b["matched_by"], "message_id");
    assert_eq!(b["dsn"]["action"], "failed");
    assert_eq!(b["dsn"]["status"], "5.1.1");
    assert_eq!(b["dsn"]["remote_mta"], "mx.example.org");
    assert_eq!(b["dsn"]["reason"], "mailbox_unknown");
    assert_eq!(b["dsn"]["hard"], true);
    let events: Vec<_> = f["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(events.first().map(String::as_str), Some("accepted"));
    assert_eq!(events.last().map(String::as_str), Some("bounce_found"));
    // Read-only: nothing flagged.
    assert!(imap.messages("INBOX").iter().all(|m| m.flags.is_empty()));

    let (_, json, _) = output(&mut check(&lab, &smtp, &imap, &["--json", "--redact"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let b = v["follow_through"]["bounce"].to_string();
    assert!(!b.contains("bounces%40client.test"), "{b}");
    assert!(b.contains("***@imap.test:"), "{b}");

    let (_, prom, _) = output(&mut check(&lab, &smtp, &imap, &["--format", "prometheus"]));
    assert!(prom.contains("smtping_follow_bounce{target="), "{prom}");
    assert!(prom.contains(",hard=\"true\"} 1"), "{prom}");
}

#[test]
fn the_bounce_mailbox_is_validated_before_any_connection() {
    let run = |args: &[&str]| {
        let mut cmd = Command::cargo_bin("smtping").unwrap();
        cmd.args(args).env_remove("BOUNCE_PW");
        let out = cmd.output().unwrap();
        (out.status.code(), String::from_utf8(out.stderr).unwrap())
    };
    let url = "imap://u@127.0.0.1:1";
    let env = ["--from", "a@b.test", "--to", "c@d.test"];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["check", "127.0.0.1:1", "--bounce-mailbox", url],
            "--bounce-mailbox looks for the test message SMTPing delivers",
        ),
        (
            [
                &["check", "127.0.0.1:1"][..],
                &env,
                &["--bounce-mailbox", url],
            ]
            .concat(),
            "--bounce-mailbox needs a password source",
        ),
        (
            [
                &["check", "127.0.0.1:1"][..],
                &env,
                &["--bounce-mailbox", url, "--seed-password-env", "BOUNCE_PW"],
            ]
            .concat(),
            "BOUNCE_PW",
        ),
        (
            [
                &["check", "127.0.0.1:1"][..],
                &env,
                &[
                    "--bounce-mailbox",
                    "pop3://x@y",
                    "--seed-password-env",
                    "BOUNCE_PW",
                ],
            ]
            .concat(),
            "--bounce-mailbox:",
        ),
        (
            [
                &["check", "127.0.0.1:1"][..],
                &env,
                &["--quit-after", "rcpt", "--bounce-mailbox", url],
            ]
            .concat(),
            "drop --quit-after",
        ),
    ];
    for (args, want) in cases {
        let (code, err) = run(&args);
        assert_eq!(code, Some(3), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {want:?} not in {err}");
    }
}

/// Plays a relay that rewrites the returned headers' Message-ID but keeps the ENVID, as
/// RFC 3461 asks: the DSN names the ENVID the check sent with MAIL.
fn envid_bouncer(lab: &Lab, smtp: Arc<TestServer>, imap: Arc<ImapServer>) {
    lab.rt.spawn(async move {
        let mut seen = 0;
        loop {
            let delivered = smtp.delivered();
            for t in delivered.iter().skip(seen) {
                let envid = t
                    .mail_params
                    .iter()
                    .find_map(|p| p.strip_prefix("ENVID="))
                    .map(str::to_owned);
                let mut dsn = Dsn::failed(
                    "<rewritten.by.the.relay@relay.example.net>",
                    "nobody@rx.test",
                );
                dsn.envelope_id = envid;
                imap.deliver_after("INBOX", &dsn.to_bytes(), Duration::from_millis(200));
                seen += 1;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

#[test]
fn with_dsn_offered_the_envid_ties_the_bounce_to_the_message() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b.extensions(["PIPELINING", "DSN", "ENHANCEDSTATUSCODES"])));
    let imap = imap(&lab);
    envid_bouncer(&lab, smtp.clone(), imap.clone());
    let (code, json, err) = output(&mut check(&lab, &smtp, &imap, &["--json"]));
    assert_eq!(code, 2, "{json}{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // MAIL carried RET=HDRS and an ENVID made of the Message-ID; RCPT asked for failure and
    // delay notices.
    let t = &smtp.delivered()[0];
    let mid = v["delivery"]["message_id"].as_str().unwrap();
    let envid = mid.trim_matches(['<', '>']);
    assert!(
        t.mail_params.iter().any(|p| p == "RET=HDRS"),
        "{:?}",
        t.mail_params
    );
    assert!(
        t.mail_params.iter().any(|p| *p == format!("ENVID={envid}")),
        "{:?}",
        t.mail_params
    );
    let rcpt = v["transcript"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["line"].as_str())
        .find(|l| l.starts_with("RCPT TO:"))
        .unwrap()
        .to_owned();
    assert!(rcpt.ends_with(" NOTIFY=FAILURE,DELAY"), "{rcpt}");
    let b = &v["follow_through"]["bounce"];
    assert_eq!(b["found"], true, "{b}");
    assert_eq!(b["matched_by"], "envelope_id", "{b}");
    assert_eq!(b["dsn"]["hard"], true);
}

#[test]
fn without_dsn_offered_no_dsn_parameter_is_sent() {
    let lab = Lab::new();
    let smtp = Arc::new(lab.server(|b| b.extensions(["PIPELINING", "ENHANCEDSTATUSCODES"])));
    let imap = imap(&lab);
    bouncer(&lab, smtp.clone(), imap.clone());
    let (code, json, err) = output(&mut check(&lab, &smtp, &imap, &["--json"]));
    assert_eq!(code, 2, "{json}{err}");
    let t = &smtp.delivered()[0];
    assert!(
        !t.mail_params
            .iter()
            .any(|p| p.starts_with("ENVID=") || p.starts_with("RET=")),
        "{:?}",
        t.mail_params
    );
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["follow_through"]["bounce"]["matched_by"], "message_id");
}
