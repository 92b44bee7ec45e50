//! Unit tests of `nagios` (kept beside it, in its own file).

use super::*;

#[test]
fn line_shape() {
    let mut r = Report::default();
    r.verdict = Status::Amber;
    r.summary = "a|b".into();
    r.timings_ms.total = 12.5;
    r.timings_ms.connect = Some(1.0);
    let line = nagios(&r);
    assert_eq!(
        line,
        "SMTP WARNING - a/b | 'connect'=0.001s;;;0 'total'=0.013s;;;0"
    );
}
