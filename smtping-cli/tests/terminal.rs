//! Server-provided text never reaches the terminal raw: control bytes in a greeting or an
//! EHLO reply are escaped in the card, the transcript and the batch table, while `--json`
//! keeps the text exact (serde escapes it) and Nagios/Prometheus stay one clean line/label.

use std::io::Write;
use std::time::Duration;

use assert_cmd::Command;
use smtping_testkit::server::{Script, TestServer};

/// A greeting with a colour sequence, BEL, BS, CR, DEL and a C1 control (CSI, U+009B),
/// and an EHLO reply with a title-setting OSC sequence.
const GREETING: &[u8] =
    b"220 mx.test \x1b[31mred\x1b[0m ring\x07 back\x08\x08 cr\rdel\x7f c1\xc2\x9b2J ESMTP\r\n";
const EHLO: &[u8] = b"250-mx.test \x1b]0;pwned\x07 hi\r\n250 PIPELINING\r\n";

fn server(rt: &tokio::runtime::Runtime) -> TestServer {
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO)
        .answer_all("\r\n");
    rt.block_on(TestServer::builder().script(script).start())
        .unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn smtping() -> Command {
    let mut cmd = Command::cargo_bin("smtping").unwrap();
    cmd.env("NO_COLOR", "1").timeout(Duration::from_secs(60));
    cmd
}

/// No C0 control but LF, no DEL, no C1 control.
fn assert_no_controls(what: &str, text: &str) {
    for c in text.chars() {
        assert!(
            c == '\n' || !(c.is_control()),
            "{what}: raw control {c:?} in\n{text}"
        );
    }
}

#[test]
fn card_and_transcript_escape_server_control_bytes() {
    let rt = runtime();
    let s = server(&rt);
    let out = smtping()
        .arg("check")
        .arg(s.addr().to_string())
        .args(["--tls", "none", "--quit-after", "ehlo", "--transcript"])
        .assert()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert_no_controls("card", &text);
    // The escapes are visible, so the reader sees what the server sent.
    assert!(text.contains(r"\e[31mred\e[0m"), "{text}");
    assert!(text.contains(r"ring\a back\b\b"), "{text}");
    assert!(text.contains(r"\e]0;pwned\a"), "{text}");
    assert!(text.contains(r"\u{9b}2J"), "{text}");
}

#[test]
fn json_keeps_the_text_exact_and_machine_formats_stay_clean() {
    let rt = runtime();
    let s = server(&rt);
    let out = smtping()
        .arg("check")
        .arg(s.addr().to_string())
        .args(["--tls", "none", "--quit-after", "ehlo", "--json"])
        .assert()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let greeting = v["connectivity"]["greeting"]["text"].as_str().unwrap();
    assert!(
        greeting.contains("\x1b[31mred\x1b[0m ring\x07"),
        "{greeting:?}"
    );
    // Raw output bytes hold no control either: serde wrote \u001b.
    assert_no_controls("json", &String::from_utf8(out).unwrap());

    for format in ["nagios", "prometheus"] {
        let out = smtping()
            .arg("check")
            .arg(s.addr().to_string())
            .args(["--tls", "none", "--quit-after", "ehlo", "--format", format])
            .assert()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert_no_controls(format, &text);
        if format == "nagios" {
            assert_eq!(text.lines().count(), 1, "{text}");
        }
    }
}

#[test]
fn batch_table_escapes_server_text() {
    let rt = runtime();
    let s = server(&rt);
    let mut list = tempfile::NamedTempFile::new().unwrap();
    writeln!(list, "{}", s.addr()).unwrap();
    let out = smtping()
        .args([
            "check",
            "--tls",
            "none",
            "--quit-after",
            "ehlo",
            "--targets",
        ])
        .arg(list.path())
        .assert()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("1 targets in"), "{stdout}");
    assert_no_controls("table", &stdout);
    assert_no_controls("stderr", &String::from_utf8_lossy(&out.stderr));
}
