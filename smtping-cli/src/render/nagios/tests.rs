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

#[test]
fn summary_stays_one_clean_line() {
    let mut r = Report::default();
    r.summary = "greeting \x1b[32mOK\x1b[0m\rfake|x\nnext".into();
    let line = nagios(&r);
    assert_eq!(line.lines().count(), 1);
    assert!(!line.chars().any(char::is_control), "{line:?}");
    assert!(line.starts_with(r"SMTP OK - greeting \e[32mOK\e[0m\rfake/x next | "));
}
