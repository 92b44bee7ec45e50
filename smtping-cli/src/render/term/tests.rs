//! Unit tests of `term` (kept beside it, in its own file).

use super::*;

#[test]
fn controls_become_visible_escapes() {
    assert_eq!(
        escape("220 \x1b[31mred\x1b[0m\x07\x08\r\t\0\x0b\x0c end"),
        r"220 \e[31mred\e[0m\a\b\r\t\0\v\f end"
    );
    assert_eq!(escape("a\x7fb\u{9b}c\u{1f}"), r"a\u{7f}b\u{9b}c\u{1f}");
    assert_eq!(escape("abc\u{202e}fed"), r"abc\u{202e}fed");
    assert_eq!(escape("two\nlines"), "two\nlines");
    assert_eq!(escape_line("two\nlines"), r"two\nlines");
    // Plain text (Unicode included) is borrowed, untouched.
    assert!(matches!(escape("café ✓ ok"), Cow::Borrowed("café ✓ ok")));
}

#[test]
fn invalid_utf8_is_shown_byte_by_byte() {
    assert_eq!(
        escape_bytes(b"caf\xe9 \x1b ok\xff\xfe"),
        r"caf\xe9 \e ok\xff\xfe"
    );
    assert_eq!(escape_bytes("é".as_bytes()), "é");
}

#[test]
fn report_strings_are_escaped_everywhere() {
    let mut r = Report::default();
    r.summary = "s\x1b]0;x\x07".into();
    r.target.input = "ok".into();
    let safe = report(&r).unwrap();
    assert_eq!(safe.summary, r"s\e]0;x\a");
    assert_eq!(safe.target.input, "ok");
    let clean = Report::default();
    assert!(matches!(report(&clean), Some(Cow::Borrowed(_))));
}

#[test]
fn json_stays_exact_without_raw_controls() {
    let text = "a\x1b\x7f\u{85}\u{9b}\u{202e}é\n";
    for pretty in [false, true] {
        let json = json_string(&serde_json::json!({ "t": text }), pretty).unwrap();
        assert!(!json.chars().any(|c| c != '\n' && dangerous(c)), "{json:?}");
        let back: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(back["t"], text);
    }
    assert_eq!(
        json_string(&serde_json::json!(["\u{7f}"]), false).unwrap(),
        r#"["\u007f"]"#
    );
}

/// Real reports (TLS, delivery, findings, transcript) come back whole from their escaped
/// serde form, so the card never falls back to its colourless whole-output escaping.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn real_reports_round_trip_through_the_escaping() {
    use std::io::Write as _;

    use smtping_client::{Check, TlsMode};
    use smtping_proto::session::QuitAfter;
    use smtping_testkit::certs::{Scenario, TestPki};
    use smtping_testkit::server::{Script, ServerTls, TestServer};

    let pki = TestPki::new().unwrap();
    let cert = pki.server_cert(Scenario::Valid, &["mx.test"]).unwrap();
    let mut ca = tempfile::NamedTempFile::new().unwrap();
    ca.write_all(pki.ca_cert_pem().as_bytes()).unwrap();
    let healthy = TestServer::builder()
        .hostname("mx.test")
        .tls(ServerTls::starttls(cert))
        .extensions(["PIPELINING", "ENHANCEDSTATUSCODES"])
        .start()
        .await
        .unwrap();
    let report = Check::new(healthy.addr().to_string().parse().unwrap())
        .sni("mx.test".to_owned())
        .ca_file(ca.path().to_owned())
        .envelope(
            smtping_proto::Address::new("p@client.test").unwrap(),
            vec![smtping_proto::Address::new("a@example.test").unwrap()],
        )
        .run()
        .await;
    assert_eq!(report.delivery.outcome.as_str(), "accepted", "{report:?}");
    let back: Report = serde_json::from_value(serde_json::to_value(&report).unwrap()).unwrap();
    assert_eq!(back, report);

    let hostile = TestServer::builder()
        .script(
            Script::new()
                .send(b"220 mx.test \x1b[31mred\x07\r\n")
                .expect_line("EHLO")
                .send(b"250 mx.test \x1b]0;t\x07\r\n")
                .answer_all("\r\n"),
        )
        .start()
        .await
        .unwrap();
    let report = Check::new(hostile.addr().to_string().parse().unwrap())
        .tls(TlsMode::None)
        .quit_after(QuitAfter::Ehlo)
        .run()
        .await;
    let safe = super::report(&report).expect("the escaped report deserialises");
    assert!(matches!(safe, Cow::Owned(_)));
    let json = serde_json::to_string(&*safe).unwrap();
    assert!(
        !json.contains("\\u001b") && json.contains(r"\\e[31m"),
        "{json}"
    );
}
