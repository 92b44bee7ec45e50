//! Unit tests of `prometheus` (kept beside it, in its own file).

use super::*;

#[test]
fn escapes_and_types() {
    let mut r = Report::default();
    r.target.input = "a\"b".into();
    r.timings_ms.total = 5.0;
    r.delivery.outcome = smtping_client::report::DeliveryOutcome::NotTested;
    let text = exposition(&r);
    assert!(text.contains("smtping_success{target=\"a\\\"b\"} 1"));
    assert!(text.contains("# TYPE smtping_phase_duration_seconds gauge"));
    assert!(text.contains("phase=\"total\"} 0.005000"));
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}

#[test]
fn label_values_hold_no_raw_control() {
    let mut r = Report::default();
    r.target.input = "mx\x1b[2J\r.test\n".into();
    let text = exposition(&r);
    assert!(text.contains(r#"target="mx\\e[2J\\r.test\n""#), "{text}");
    assert!(!text.chars().any(|c| c != '\n' && c.is_control()));
}

fn followed() -> Report {
    use smtping_client::report::follow::{BounceInfo, DsnInfo, FollowThroughInfo, SeedInfo};
    let mut r = Report::default();
    r.target.input = "mx.test".into();
    let mut f = FollowThroughInfo::default();
    let mut seed = SeedInfo::default();
    seed.mailbox = "imaps://alice%40example.org@imap.example.org:993/INBOX,Junk".into();
    seed.found = true;
    seed.folder = Some("Junk".into());
    seed.latency_ms = Some(1250);
    f.seeds.push(seed);
    let mut missing = SeedInfo::default();
    missing.mailbox = "imap://bob@127.0.0.1:1143".into();
    f.seeds.push(missing);
    let mut b = BounceInfo::default();
    b.watched = true;
    b.found = true;
    let mut d = DsnInfo::default();
    d.hard = true;
    b.dsn = Some(d);
    f.bounce = Some(b);
    r.follow_through = Some(f);
    r
}

#[test]
fn follow_through_series_label_host_and_folder_never_the_user() {
    let text = exposition(&followed());
    assert!(text.contains("# TYPE smtping_follow_found gauge"));
    assert!(text.contains(
        "smtping_follow_found{target=\"mx.test\",mailbox=\"imap.example.org:993/Junk\"} 1"
    ));
    assert!(
        text.contains("smtping_follow_found{target=\"mx.test\",mailbox=\"127.0.0.1:1143/auto\"} 0")
    );
    assert!(text.contains(
        "smtping_follow_latency_seconds{target=\"mx.test\",mailbox=\"imap.example.org:993/Junk\"} 1.250"
    ));
    assert!(text.contains("smtping_follow_bounce{target=\"mx.test\",hard=\"true\"} 1"));
    assert!(!text.contains("alice") && !text.contains("bob"), "{text}");
    // Without a follow-through, no such series.
    assert!(!exposition(&Report::default()).contains("smtping_follow"));
}
