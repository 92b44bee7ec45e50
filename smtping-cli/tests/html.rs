//! `smtping check --format html` against testkit servers: one self-contained, escaped page.

mod common;

use common::Lab;
use smtping_testkit::server::Behaviour;

fn page(lab: &Lab, server: &smtping_testkit::server::TestServer, extra: &[&str]) -> String {
    let out = lab
        .check(server)
        .args(["--format", "html"])
        .args(extra)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn hostile_banner_is_escaped_and_the_page_is_self_contained() {
    let lab = Lab::new();
    let server = lab.server(|b| b.greeting(Behaviour::reply(220, "<script>alert(1)</script>")));
    let html = page(&lab, &server, &["--quit-after", "tls"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.ends_with("</html>\n"));
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    for area in ["connectivity", "tls", "auth", "delivery"] {
        assert!(html.contains(&format!("data-area=\"{area}\"")), "{area}");
    }
    // Reached, no delivery tested: the envelope waits at the SMTP server.
    assert!(html.contains("data-stop=\"smtp\""));
    assert!(html.contains("<details class=\"transcript\">"));
}

#[test]
fn accepted_delivery_reaches_the_mailbox_and_a_refusal_stops_at_smtp() {
    let lab = Lab::new();
    let ok = lab.server(|b| b);
    let html = page(
        &lab,
        &ok,
        &["--from", "a@test.example", "--to", "b@test.example"],
    );
    assert!(html.contains("data-stop=\"mailbox\""), "{html}");
    assert!(html.contains("The message reached the mailbox: 250"));

    let bounce = lab.server(|b| {
        b.recipient(
            "nobody@test.example",
            Behaviour::reply(550, "5.1.1 <nobody@test.example>: no such user"),
        )
    });
    let html = page(
        &lab,
        &bounce,
        &["--from", "a@test.example", "--to", "nobody@test.example"],
    );
    assert!(html.contains("data-stop=\"smtp\""), "{html}");
    assert!(html.contains("<title>550 5.1.1 &lt;nobody@test.example&gt;: no such user</title>"));
}

#[test]
fn html_with_a_targets_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("t.txt");
    std::fs::write(&list, "127.0.0.1:1\n").unwrap();
    assert_cmd::Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", "--targets"])
        .arg(&list)
        .args(["--format", "html"])
        .assert()
        .code(3);
}
