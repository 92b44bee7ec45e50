//! Unit tests of `enhanced` (kept beside it, in its own file).

use super::*;

#[test]
fn parses_three_digit_parts() {
    let c: EnhancedCode = "5.7.606".parse().unwrap();
    assert_eq!((c.class(), c.subject(), c.detail()), (5, 7, 606));
    let c: EnhancedCode = "4.7.30".parse().unwrap();
    assert_eq!(c.to_string(), "4.7.30");
    let c: EnhancedCode = "2.999.999".parse().unwrap();
    assert_eq!(c.to_string(), "2.999.999");
}

#[test]
fn refuses_bad_class_and_long_parts() {
    for bad in [
        "3.0.0", "1.1.1", "6.0.0", "5.1", "5..1", "5.1.", "5.1000.1", "5.1.1000", "25.1.1", "",
        "5.1.1 ", "a.b.c", "5.1.1.1",
    ] {
        assert!(bad.parse::<EnhancedCode>().is_err(), "{bad:?} accepted");
    }
}

#[test]
fn prefix_needs_a_separator() {
    assert_eq!(
        EnhancedCode::parse_prefix(b"2.0.0 Ok").map(|(c, n)| (c.to_string(), n)),
        Some(("2.0.0".into(), 5))
    );
    assert_eq!(
        EnhancedCode::parse_prefix(b"2.0.0\tOk").map(|(_, n)| n),
        Some(5)
    );
    assert_eq!(
        EnhancedCode::parse_prefix(b"2.0.0").map(|(_, n)| n),
        Some(5)
    );
    assert!(EnhancedCode::parse_prefix(b"2.0.0Ok").is_none());
    assert!(EnhancedCode::parse_prefix(b"5.7.1.2 text").is_none());
    assert!(EnhancedCode::parse_prefix(b"2.1.5.example.org").is_none());
    assert!(EnhancedCode::parse_prefix(b" 2.0.0 Ok").is_none());
    assert!(EnhancedCode::parse_prefix(b"").is_none());
}

#[test]
fn constructor_limits() {
    assert!(EnhancedCode::new(2, 999, 999).is_some());
    assert!(EnhancedCode::new(4, 0, 1000).is_none());
    assert!(EnhancedCode::new(0, 0, 0).is_none());
    assert!(EnhancedCode::new(5, 1, 1).unwrap().is_permanent());
    assert!(EnhancedCode::new(4, 1, 1).unwrap().is_transient());
    assert!(EnhancedCode::new(2, 1, 1).unwrap().is_success());
}
