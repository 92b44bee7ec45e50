use serde_json::{Value, json};

use super::*;

/// A green report with TLS 1.3, a valid certificate, PIPELINING/SIZE/STARTTLS and an accepted
/// delivery.
fn base() -> Value {
    json!({
        "version": "0.1.0",
        "target": {"input": "mx.test", "host": "mx.test", "port": 25, "tls_mode": "starttls"},
        "verdict": "green",
        "connectivity": {"status": "green", "connected_to": "127.0.0.1:25",
                          "greeting": {"code": 220, "enhanced": null, "text": "mx.test ESMTP"}},
        "ehlo": {"server_name": "mx.test", "keywords": ["PIPELINING", "SIZE 1000", "STARTTLS", "8BITMIME"],
                 "size": 1000, "starttls": true},
        "tls": {"status": "green", "established": true, "version": "TLSv1.3",
                "certificate": {"verification": "valid", "issuer": "CN=CA", "days_remaining": 30}},
        "auth": {"status": "grey", "mechanisms_before_tls": [], "mechanisms_after_tls": ["PLAIN"],
                 "login": {"outcome": "not_tested"}},
        "delivery": {"status": "green", "outcome": "accepted", "reason": "accepted",
                     "reply": {"code": 250, "enhanced": "2.0.0", "text": "ok"}},
        "findings": [{"id": "auth.x", "severity": "info", "message": "m", "remediation": "r"}]
    })
}

fn with(f: impl FnOnce(&mut Value)) -> Value {
    let mut v = base();
    f(&mut v);
    v
}

fn only(d: &Diff, field: &str) -> Change {
    let found: Vec<&Change> = d.changes.iter().filter(|c| c.field == field).collect();
    assert_eq!(found.len(), 1, "{field} in {:#?}", d.changes);
    found[0].clone()
}

#[test]
fn identical_reports_have_no_change() {
    let d = compare(&base(), &base());
    assert!(d.changes.is_empty());
    assert!(!d.worse);
    assert_eq!(human(&d), "no change\n");
}

#[test]
fn verdict_and_status_rank_green_amber_red() {
    let amber = with(|v| {
        v["verdict"] = json!("amber");
        v["tls"]["status"] = json!("red");
    });
    let d = compare(&base(), &amber);
    assert_eq!(only(&d, "verdict").direction, Direction::Worse);
    let tls = d
        .changes
        .iter()
        .find(|c| c.area == "tls" && c.field == "status")
        .unwrap();
    assert_eq!(tls.direction, Direction::Worse);
    assert_eq!(tls.before, json!("green"));
    assert_eq!(tls.after, json!("red"));
    assert!(d.worse);
    let back = compare(&amber, &base());
    assert_eq!(only(&back, "verdict").direction, Direction::Better);
    assert!(!back.worse);
    // grey (not tested) to green is neither.
    let auth = with(|v| v["auth"]["status"] = json!("green"));
    let d = compare(&base(), &auth);
    assert_eq!(d.changes[0].direction, Direction::Neutral);
}

#[test]
fn connectivity_reached_and_greeting() {
    let down = with(|v| {
        v["connectivity"]["connected_to"] = Value::Null;
        v["connectivity"]["greeting"] = Value::Null;
    });
    let d = compare(&base(), &down);
    assert_eq!(only(&d, "reached").direction, Direction::Worse);
    assert!(d.changes.iter().all(|c| c.field != "greeting.code"));
    assert_eq!(
        only(&compare(&down, &base()), "reached").direction,
        Direction::Better
    );
    let busy = with(|v| v["connectivity"]["greeting"]["code"] = json!(421));
    assert_eq!(
        only(&compare(&base(), &busy), "greeting.code").direction,
        Direction::Worse
    );
    assert_eq!(
        only(&compare(&busy, &base()), "greeting.code").direction,
        Direction::Better
    );
}

#[test]
fn ehlo_extensions_lost_worse_gained_better_others_neutral() {
    let after = with(|v| {
        v["ehlo"]["keywords"] = json!(["SIZE 1000", "STARTTLS", "CHUNKING"]);
    });
    let d = compare(&base(), &after);
    let p = only(&d, "extensions.PIPELINING");
    assert_eq!(
        (p.direction, p.before, p.after),
        (Direction::Worse, json!(true), json!(false))
    );
    assert!(p.text.contains("PIPELINING is no longer advertised"));
    assert_eq!(
        only(&d, "extensions.8BITMIME").direction,
        Direction::Neutral
    );
    assert_eq!(
        only(&d, "extensions.CHUNKING").direction,
        Direction::Neutral
    );
    let back = compare(&after, &base());
    assert_eq!(
        only(&back, "extensions.PIPELINING").direction,
        Direction::Better
    );
    // STARTTLS follows its flag; SIZE lost is worse.
    let no_tls = with(|v| {
        v["ehlo"]["starttls"] = json!(false);
        v["ehlo"]["keywords"] = json!(["PIPELINING", "8BITMIME"]);
        v["ehlo"]["size"] = Value::Null;
    });
    let d = compare(&base(), &no_tls);
    assert_eq!(only(&d, "extensions.STARTTLS").direction, Direction::Worse);
    assert_eq!(only(&d, "extensions.SIZE").direction, Direction::Worse);
    assert_eq!(only(&d, "size").direction, Direction::Neutral);
    // No EHLO at all.
    let none = with(|v| v["ehlo"] = Value::Null);
    assert_eq!(
        only(&compare(&base(), &none), "available").direction,
        Direction::Worse
    );
}

#[test]
fn tls_rules() {
    let down = with(|v| v["tls"]["version"] = json!("TLSv1.2"));
    assert_eq!(
        only(&compare(&base(), &down), "version").direction,
        Direction::Worse
    );
    assert_eq!(
        only(&compare(&down, &base()), "version").direction,
        Direction::Better
    );
    let gone = with(|v| {
        v["tls"]["established"] = json!(false);
        v["tls"]["version"] = Value::Null;
        v["tls"]["certificate"] = Value::Null;
    });
    let d = compare(&base(), &gone);
    assert_eq!(only(&d, "established").direction, Direction::Worse);
    assert!(d.changes.iter().all(|c| c.field != "version"));
    let expired = with(|v| {
        v["tls"]["certificate"]["verification"] = json!("expired");
        v["tls"]["certificate"]["days_remaining"] = json!(-3);
    });
    let d = compare(&base(), &expired);
    assert_eq!(
        only(&d, "certificate.verification").direction,
        Direction::Worse
    );
    assert_eq!(
        only(&d, "certificate.days_remaining").direction,
        Direction::Neutral
    );
    let d = compare(&expired, &base());
    assert_eq!(
        only(&d, "certificate.verification").direction,
        Direction::Better
    );
    let r = only(&d, "certificate.days_remaining");
    assert_eq!(r.direction, Direction::Better, "-3 → 30 is a renewal");
    assert!(r.text.contains("renewed"));
    // Between two problems: neutral.
    let mismatch = with(|v| v["tls"]["certificate"]["verification"] = json!("hostname_mismatch"));
    let d = compare(&expired, &mismatch);
    assert_eq!(
        only(&d, "certificate.verification").direction,
        Direction::Neutral
    );
    // Growing by 20 exactly is not a renewal; the issuer changing is neutral.
    let later = with(|v| {
        v["tls"]["certificate"]["days_remaining"] = json!(50);
        v["tls"]["certificate"]["issuer"] = json!("CN=Other CA");
    });
    let d = compare(&base(), &later);
    assert_eq!(
        only(&d, "certificate.days_remaining").direction,
        Direction::Neutral
    );
    assert_eq!(only(&d, "certificate.issuer").direction, Direction::Neutral);
    assert!(!d.worse);
}

#[test]
fn auth_rules() {
    let ok = with(|v| v["auth"]["login"]["outcome"] = json!("success"));
    let bad = with(|v| v["auth"]["login"]["outcome"] = json!("failure"));
    assert_eq!(
        only(&compare(&ok, &bad), "login.outcome").direction,
        Direction::Worse
    );
    assert_eq!(
        only(&compare(&bad, &ok), "login.outcome").direction,
        Direction::Better
    );
    assert_eq!(
        only(&compare(&base(), &ok), "login.outcome").direction,
        Direction::Neutral
    );
    let mech = with(|v| v["auth"]["mechanisms_after_tls"] = json!(["PLAIN", "LOGIN"]));
    let c = only(&compare(&base(), &mech), "mechanisms_after_tls");
    assert_eq!(c.direction, Direction::Neutral);
    assert_eq!(c.after, json!(["PLAIN", "LOGIN"]));
}

#[test]
fn delivery_rules() {
    let deferred = with(|v| {
        v["delivery"]["outcome"] = json!("deferred");
        v["delivery"]["reason"] = json!("greylisted");
        v["delivery"]["reply"]["code"] = json!(450);
    });
    let d = compare(&base(), &deferred);
    assert_eq!(only(&d, "outcome").direction, Direction::Worse);
    assert_eq!(only(&d, "reason").direction, Direction::Neutral);
    let code = only(&d, "reply.code");
    assert_eq!((code.before, code.after), (json!(250), json!(450)));
    assert_eq!(
        only(&compare(&deferred, &base()), "outcome").direction,
        Direction::Better
    );
    let bounced = with(|v| v["delivery"]["outcome"] = json!("bounced"));
    assert_eq!(
        only(&compare(&deferred, &bounced), "outcome").direction,
        Direction::Worse
    );
    let untested = with(|v| v["delivery"]["outcome"] = json!("not_tested"));
    assert_eq!(
        only(&compare(&base(), &untested), "outcome").direction,
        Direction::Neutral
    );
}

#[test]
fn findings_rules() {
    let after = with(|v| {
        v["findings"] = json!([
            {"id": "tls.expired", "severity": "error"},
            {"id": "ehlo.note", "severity": "info"}
        ]);
    });
    let d = compare(&base(), &after);
    assert_eq!(only(&d, "tls.expired").direction, Direction::Worse);
    assert_eq!(only(&d, "ehlo.note").direction, Direction::Neutral);
    // The resolved info finding is neutral.
    assert_eq!(only(&d, "auth.x").direction, Direction::Neutral);
    let back = compare(&after, &base());
    let r = only(&back, "tls.expired");
    assert_eq!(
        (r.direction, r.before, r.after),
        (Direction::Better, json!("error"), Value::Null)
    );
    assert!(r.text.contains("resolved"));
    let warn = with(|v| v["findings"] = json!([{"id": "auth.x", "severity": "warning"}]));
    assert_eq!(
        only(&compare(&base(), &warn), "auth.x").direction,
        Direction::Worse
    );
}

#[test]
fn human_output_groups_by_area_worse_first() {
    let after = with(|v| {
        v["tls"]["certificate"]["issuer"] = json!("CN=New");
        v["ehlo"]["keywords"] = json!(["SIZE 1000", "STARTTLS", "8BITMIME"]);
        v["delivery"]["reason"] = json!("other");
    });
    let d = compare(&base(), &after);
    let text = human(&d);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "ehlo");
    assert_eq!(lines[1], "  - ehlo: PIPELINING is no longer advertised");
    let tls = lines.iter().position(|l| *l == "tls").unwrap();
    assert!(lines[tls + 1].starts_with("  ~ tls: certificate issuer CN=CA → CN=New"));
    assert_eq!(*lines.last().unwrap(), "1 worse, 0 better, 2 neutral");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["worse"], json!(true));
    assert_eq!(json["changes"][0]["direction"], json!("worse"));
    assert_eq!(json["changes"][0]["area"], json!("ehlo"));
}

#[test]
fn odd_values_do_not_panic() {
    let strange = json!({"verdict": 7, "target": {}, "tls": [], "ehlo": "x", "findings": {}});
    let d = compare(&base(), &strange);
    assert!(!d.changes.is_empty());
    let _ = compare(&strange, &strange);
}
