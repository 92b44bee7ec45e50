//! Unit tests of `time` (kept beside it, in its own file).

use std::time::{Duration, UNIX_EPOCH};

use super::*;

#[test]
fn rfc3339_known_instants() {
    assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(rfc3339(1_709_251_199), "2024-02-29T23:59:59Z");
    assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
}

#[test]
fn days_round_down() {
    assert_eq!(days_between(0, SECONDS_PER_DAY * 90), 90);
    assert_eq!(days_between(0, SECONDS_PER_DAY * 90 - 1), 89);
    assert_eq!(days_between(0, -1), -1);
    assert_eq!(days_between(0, -SECONDS_PER_DAY), -1);
    assert_eq!(days_between(0, -SECONDS_PER_DAY - 1), -2);
    assert_eq!(
        days_between(i64::MIN, i64::MAX),
        i64::MAX.div_euclid(SECONDS_PER_DAY)
    );
}

#[test]
fn dates() {
    assert_eq!(rfc5322_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 +0000");
    let t = UNIX_EPOCH + Duration::from_secs(1_795_843_800);
    assert_eq!(rfc5322_date(t), "Sat, 28 Nov 2026 05:30:00 +0000");
    let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
    assert!(rfc5322_date(leap).starts_with("Tue, 29 Feb 2000"));
}
