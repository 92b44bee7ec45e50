//! Unit tests of `args` (kept beside it, in its own file).

use super::*;

#[test]
fn durations() {
    assert_eq!(parse_duration("10"), Ok(Duration::from_secs(10)));
    assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
    assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
    assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
    assert!(parse_duration("0").is_err());
    assert!(parse_duration("5h").is_err());
    assert!(parse_duration("abc").is_err());
}

#[test]
fn per_host_interval_allows_zero() {
    for zero in ["0", "0s", "0ms", "0.0", " 0m "] {
        assert_eq!(parse_interval(zero), Ok(Duration::ZERO), "{zero}");
    }
    assert_eq!(parse_interval("200ms"), Ok(Duration::from_millis(200)));
    assert!(parse_interval("0h").is_err());
    assert!(parse_interval("-1").is_err());
    assert!(parse_interval("2h").is_err());
}
