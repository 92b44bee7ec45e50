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
