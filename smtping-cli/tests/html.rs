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
fn a_batch_is_one_table_page_worst_first() {
    let lab = Lab::new();
    let ok = lab.server(|b| b);
    let bounce = lab.server(|b| {
        b.recipient(
            "b@test.example",
            Behaviour::reply(550, "5.1.1 <b@test.example>: no such user"),
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("t.txt");
    std::fs::write(&list, format!("{}\n{}\n", ok.addr(), bounce.addr())).unwrap();
    let out = assert_cmd::Command::cargo_bin("smtping")
        .unwrap()
        .args(["check", "--targets"])
        .arg(&list)
        .args(["--sni", common::NAME, "--ca-file"])
        .arg(lab.ca.path())
        .args(["--from", "a@test.example", "--to", "b@test.example"])
        .args(["--format", "html", "--per-host", "2"])
        .env("NO_COLOR", "1")
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    assert!(
        html.contains("Worst verdict: <strong>FAIL</strong>"),
        "{html}"
    );
    assert!(html.contains("2 targets checked in"));
    // The bounced target's row comes first, with its reply; the accepted one after it.
    let bad = html
        .find(&format!(">{}<", bounce.addr()))
        .expect("bounced row");
    let good = html
        .find(&format!(">{}<", ok.addr()))
        .expect("accepted row");
    assert!(bad < good);
    assert!(html.contains("bounced: 550 5.1.1 &lt;b@test.example&gt;: no such user"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    // The summary table goes to stderr, not into the page.
    assert!(!html.contains("checked,"));
}
