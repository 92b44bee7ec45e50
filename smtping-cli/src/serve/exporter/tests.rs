//! Unit tests of `exporter` (kept beside it, in its own file).

use super::*;

#[test]
fn queries_are_decoded() {
    let q = parse_query("target=mx.example.org%3A587&module=start%2Btls&debug=true&x=1").unwrap();
    assert_eq!(q.target, "mx.example.org:587");
    assert_eq!(q.module, "start+tls");
    assert!(q.debug);
    let q = parse_query("target=a+b").unwrap();
    assert_eq!(q.target, "a b");
    assert_eq!(q.module, "default");
    assert!(!q.debug);
}

#[test]
fn bad_queries_say_why() {
    for (query, want) in [
        ("", "missing target"),
        ("module=x", "missing target"),
        ("target=", "missing target"),
        ("target=a&target=b", "twice"),
        ("target=%zz", "percent"),
        ("target=%ff", "percent"),
        ("target=a%0Ab", "control"),
        ("target=a&debug=maybe", "debug=true"),
    ] {
        let e = parse_query(query).unwrap_err();
        assert!(e.contains(want), "{query}: {e}");
        assert!(!e.contains('\n'));
    }
    let long = format!("target={}", "a".repeat(MAX_TARGET + 1));
    assert!(parse_query(&long).is_err());
}

#[test]
fn the_deadline_follows_the_scrape_timeout() {
    let half = Duration::from_millis(500);
    let s = Duration::from_secs;
    assert_eq!(deadline(None, half, None, None), DEFAULT_DEADLINE);
    assert_eq!(
        deadline(Some("4"), half, None, None),
        Duration::from_millis(3500)
    );
    assert_eq!(
        deadline(Some("0.3"), half, None, None),
        Duration::from_millis(300)
    );
    assert_eq!(deadline(Some("10"), half, Some(s(2)), None), s(2));
    assert_eq!(deadline(Some("10"), half, None, Some(s(3))), s(3));
    assert_eq!(deadline(None, half, Some(s(5)), Some(s(3))), s(3));
    assert_eq!(
        deadline(Some("nonsense"), half, None, None),
        DEFAULT_DEADLINE
    );
    assert_eq!(deadline(Some("-1"), half, None, None), DEFAULT_DEADLINE);
    assert_eq!(deadline(Some("inf"), half, None, None), DEFAULT_DEADLINE);
    assert_eq!(deadline(Some("1e9"), half, None, None), s(3600) - half);
    assert_eq!(
        deadline(Some("0.001"), Duration::ZERO, None, None),
        MIN_DEADLINE
    );
}

#[test]
fn log_lines_hide_local_parts() {
    assert_eq!(log_target("alice@example.org"), "***@example.org");
    assert_eq!(log_target("mx.example.org:25"), "mx.example.org:25");
    assert!(!log_target("a\x1b[2Jb").contains('\x1b'));
}
