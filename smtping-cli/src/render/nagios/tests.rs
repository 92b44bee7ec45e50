//! Unit tests of `nagios` (kept beside it, in its own file).

use super::*;

#[test]
fn line_shape() {
    let mut r = Report::default();
    r.verdict = Status::Amber;
    r.summary = "a|b".into();
    r.timings_ms.total = 12.5;
    r.timings_ms.connect = Some(1.0);
    let line = nagios(&r, &Thresholds::default());
    assert_eq!(
        line,
        "SMTP WARNING - a/b | 'connect'=0.001s;;;0 'total'=0.013s;;;0"
    );
}

#[test]
fn summary_stays_one_clean_line() {
    let mut r = Report::default();
    r.summary = "greeting \x1b[32mOK\x1b[0m\rfake|x\nnext".into();
    let line = nagios(&r, &Thresholds::default());
    assert_eq!(line.lines().count(), 1);
    assert!(!line.chars().any(char::is_control), "{line:?}");
    assert!(line.starts_with(r"SMTP OK - greeting \e[32mOK\e[0m\rfake/x next | "));
}

#[test]
fn cert_days_are_an_alert_below_range() {
    let mut r = Report::default();
    r.tls.certificate = serde_json::from_value(serde_json::json!({
        "verification": "valid", "subject": "CN=mx", "issuer": "CN=ca", "sans": ["mx"],
        "not_before": "2026-01-01", "not_after": "2029-01-01", "days_remaining": 824,
        "chain_length": 2
    }))
    .unwrap();
    let t = Thresholds::new(
        crate::thresholds::parse_level("21,2s").ok(),
        crate::thresholds::parse_level("7,5s").ok(),
    )
    .unwrap();
    let line = nagios(&r, &t);
    assert!(
        line.ends_with("'total'=0.000s;2;5;0 'cert_days_remaining'=824;21:;7:;0"),
        "{line}"
    );
    let line = nagios(&r, &Thresholds::default());
    assert!(line.ends_with("'cert_days_remaining'=824;14:;;0"), "{line}");
}

#[test]
fn follow_through_perfdata() {
    use smtping_client::report::follow::{BounceInfo, DsnInfo, FollowThroughInfo, SeedInfo};
    let mut r = Report::default();
    let mut f = FollowThroughInfo::default();
    let mut seed = SeedInfo::default();
    seed.found = true;
    seed.latency_ms = Some(2500);
    f.seeds.push(seed);
    f.seeds.push(SeedInfo::default());
    let mut b = BounceInfo::default();
    b.watched = true;
    b.found = true;
    let mut d = DsnInfo::default();
    d.hard = true;
    b.dsn = Some(d);
    f.bounce = Some(b);
    r.follow_through = Some(f);
    let line = nagios(&r, &Thresholds::default());
    assert!(
        line.ends_with(
            "'follow_found'=1;;2:;0;2 'follow_latency'=2.500s;;;0 'follow_bounced'=1;;1;0;1"
        ),
        "{line}"
    );
}
