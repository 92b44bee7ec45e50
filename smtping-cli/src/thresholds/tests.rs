//! Unit tests of `thresholds` (kept beside it, in its own file).

use super::*;

#[test]
fn levels_parse_bare_and_named() {
    assert_eq!(
        parse_level("14"),
        Ok(Level {
            cert_days: Some(14),
            time: None
        })
    );
    assert_eq!(
        parse_level("cert=21,time=2s"),
        Ok(Level {
            cert_days: Some(21),
            time: Some(Duration::from_secs(2))
        })
    );
    assert_eq!(parse_level("7,500ms"), parse_level("time=500ms,cert=7"));
    for bad in [
        "", "x=1", "cert=-1", "cert=abc", "time=2", "time=5h", "soon",
    ] {
        assert!(parse_level(bad).is_err(), "{bad}");
    }
}

#[test]
fn perfdata_ranges_alert_below_days_and_above_time() {
    let t = Thresholds::new(parse_level("21,2s").ok(), parse_level("7,5s").ok()).unwrap();
    assert_eq!(t.cert_perf(), "21:;7:");
    assert_eq!(t.time_perf(), "2;5");
    let d = Thresholds::default();
    assert_eq!(d.cert_perf(), "14:;");
    assert_eq!(d.time_perf(), ";");
    assert!(Thresholds::new(parse_level("7").ok(), parse_level("14").ok()).is_err());
}
