use serde_json::{Value, json};

use super::*;

fn report(outcome: &str, connected: bool) -> Value {
    json!({
        "version": "0.1.0",
        "target": {"input": "mx.test", "host": "mx.test", "port": 25, "tls_mode": "starttls"},
        "verdict": "amber",
        "summary": "mx.test:25: greeting 220",
        "connectivity": {"status": if connected { "green" } else { "red" },
            "connected_to": if connected { json!("127.0.0.1:25") } else { Value::Null },
            "dns": {"error": null},
            "greeting": if connected {
                json!({"code": 220, "enhanced": null, "text": "<script>alert(1)</script>"})
            } else { Value::Null }},
        "tls": {"status": "green", "established": true, "offered": true, "version": "TLSv1.3",
                "certificate": {"verification": "valid", "days_remaining": 40,
                                "issuer": "CN=<b>CA</b>"}},
        "auth": {"status": "grey", "mechanisms_before_tls": [], "mechanisms_after_tls": ["PLAIN"],
                 "login": {"outcome": "not_tested"}},
        "delivery": {"status": "amber", "outcome": outcome, "reason": "greylisted",
                     "reply": {"code": 451, "enhanced": "4.7.1", "text": "try \"later\" & <again>"}},
        "findings": [{"id": "delivery.deferred", "severity": "warning",
                      "message": "451 <i>x</i>", "remediation": "Retry & wait."}],
        "error": if connected { Value::Null } else {
            json!({"stage": "connect", "kind": "refused", "message": "connection refused"})
        },
        "transcript": [
            {"t_ms": 0.4, "dir": "server", "tls": false, "line": "220 <script>alert(1)</script>"},
            {"t_ms": 1.0, "dir": "client", "tls": false, "line": "EHLO probe\u{1b}[31m"}
        ]
    })
}

fn without_reply(mut v: Value) -> Value {
    v["delivery"]["reply"] = Value::Null;
    v
}

#[test]
fn escapes_every_server_text() {
    let page = page_from_value(&report("deferred", true));
    assert!(!page.contains("<script"), "no live script tag");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!page.contains("<i>x</i>"));
    assert!(page.contains("try &quot;later&quot; &amp; &lt;again&gt;"));
    assert!(!page.contains('\u{1b}'), "control bytes replaced");
    assert_eq!(esc("a'b\"<>&\u{7}"), "a&#39;b&quot;&lt;&gt;&amp;\u{FFFD}");
}

#[test]
fn self_contained_without_network_or_script() {
    let page = page_from_value(&report("accepted", true));
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.ends_with("</html>\n"));
    assert!(!page.contains("http://") && !page.contains("https://"));
    assert!(!page.contains("<link") && !page.contains("src=") && !page.contains("url("));
    assert!(!page.contains("<script"));
    assert!(page.contains("<style>"));
    assert!(page.contains("<svg role=\"img\" aria-label=\""));
}

#[test]
fn every_area_is_a_light_with_its_word() {
    let page = page_from_value(&report("deferred", true));
    assert!(page.contains("<h1 id=\"card-title\">SMTP Health</h1>"));
    for (area, class, w) in [
        ("connectivity", "green", "OK"),
        ("tls", "green", "OK"),
        ("auth", "grey", "NOT TESTED"),
        ("delivery", "amber", "WARN"),
    ] {
        let li = format!("<li class=\"light {class}\" data-area=\"{area}\">");
        let start = page.find(&li).unwrap_or_else(|| panic!("{li}"));
        let end = start + page[start..].find("</li>").unwrap();
        assert!(
            page[start..end].contains(&format!("<span class=\"word\">{w}</span>")),
            "{}",
            &page[start..end]
        );
    }
    assert!(!page.contains("data-area=\"signals\""));
    let mut with_signals = report("deferred", true);
    with_signals["signals"] =
        json!({"status": "amber", "sending_ip": "127.0.0.1", "address_scope": "loopback"});
    let page = page_from_value(&with_signals);
    assert!(page.contains("<li class=\"light amber\" data-area=\"signals\">"));
    assert!(page.contains("sending IP 127.0.0.1 (loopback)"));
}

#[test]
fn findings_with_fixes_and_folded_transcript() {
    let page = page_from_value(&report("deferred", true));
    assert!(page.contains("<h2 id=\"findings-title\">Findings (1)</h2>"));
    assert!(page.contains("<span class=\"sev\">WARNING</span> <code>delivery.deferred</code>"));
    assert!(page.contains("<strong>Fix:</strong> Retry &amp; wait."));
    assert!(
        page.contains("<details class=\"transcript\">\n<summary>Transcript (2 lines)</summary>")
    );
    assert!(page.contains("S: 220 &lt;script&gt;"));
}

#[test]
fn envelope_stops_where_the_delivery_stopped() {
    let cases = [
        (report("accepted", true), Stop::Mailbox, "translate(530 0)"),
        (report("deferred", true), Stop::Smtp, "translate(300 0)"),
        (report("bounced", true), Stop::Smtp, "translate(300 0)"),
        (report("not_tested", true), Stop::Smtp, "translate(300 0)"),
        (report("not_tested", false), Stop::App, "translate(70 0)"),
    ];
    for (v, want, transform) in cases {
        assert_eq!(stop(&v), want);
        let page = page_from_value(&v);
        assert!(
            page.contains(&format!("data-stop=\"{}\"", want.word())),
            "{want:?}"
        );
        assert!(page.contains(transform), "{want:?}");
    }
    let page = page_from_value(&report("deferred", true));
    assert!(page.contains("<title>451 4.7.1 try &quot;later&quot; &amp; &lt;again&gt;</title>"));
    assert!(page.contains("aria-label=\"The message stopped at the SMTP server: 451 4.7.1"));
    let page = page_from_value(&without_reply(report("not_tested", false)));
    assert!(page.contains("<title>connection refused</title>"), "{page}");
    assert!(page.contains("The SMTP server was not reached"));
}

#[test]
fn odd_input_still_makes_a_page() {
    let page = page_from_value(&json!({"verdict": 3, "findings": "x", "transcript": {}}));
    assert!(page.contains("SMTP Health"));
    assert!(page.ends_with("</html>\n"));
    let mut v6 = report("accepted", true);
    v6["target"]["host"] = json!("::1");
    assert!(page_from_value(&v6).contains("<p class=\"target\">[::1]:25</p>"));
}

#[test]
fn follow_through_is_a_light_with_where_it_landed_and_a_later_bounce() {
    let mut v = report("accepted", true);
    let page = page_from_value(&v);
    assert!(!page.contains("data-area=\"follow_through\""));
    v["follow_through"] = json!({
        "status": "red",
        "seeds": [
            {"mailbox": "alice@<rx>.test/INBOX", "found": true, "folder": "Junk",
             "latency_ms": 2300, "authentication_results": {"dmarc": "fail"}},
            {"mailbox": "bob@rx.test", "found": false}
        ],
        "bounce": {"watched": true, "found": true,
                   "dsn": {"hard": true, "diagnostic_code": "smtp; 550 5.1.1 <x>"}}
    });
    let page = page_from_value(&v);
    let li = "<li class=\"light red\" data-area=\"follow_through\">";
    let start = page.find(li).expect(li);
    let end = start + page[start..].find("</li>").unwrap();
    let light = &page[start..end];
    assert!(
        light.contains("<span class=\"word\">FAIL</span>"),
        "{light}"
    );
    assert!(
        light.contains("alice@&lt;rx&gt;.test/INBOX: landed in Junk after 2.3 s, dmarc=fail"),
        "{light}"
    );
    assert!(light.contains("bob@rx.test: not found by the deadline"));
    assert!(light.contains("bounced later (hard): smtp; 550 5.1.1 &lt;x&gt;"));
}
