//! Unit tests of `smtp` (kept beside it, in its own file).

use super::*;

#[test]
fn paths() {
    assert_eq!(
        split_path("<a@b.test> SIZE=10 BODY=8BITMIME"),
        Some((
            "a@b.test".into(),
            vec!["SIZE=10".into(), "BODY=8BITMIME".into()]
        ))
    );
    assert_eq!(split_path("<>"), Some((String::new(), vec![])));
    assert_eq!(split_path("a@b.test"), Some(("a@b.test".into(), vec![])));
    assert_eq!(
        split_path("<\"x>y\"@b.test>"),
        Some(("\"x>y\"@b.test".into(), vec![]))
    );
    assert_eq!(split_path("<a@b.test"), None);
    assert_eq!(split_path("<a@b.test>X"), None);
    assert_eq!(split_path("<not an address>"), None);
    assert_eq!(strip_keyword("from: <a@b>", "FROM:"), Some("<a@b>"));
    assert_eq!(strip_keyword("TO:<a@b>", "FROM:"), None);
}

#[test]
fn challenges_differ() {
    use crate::session::smtp::sasl::cram_challenge;
    let a = cram_challenge("mx.test");
    assert!(a.starts_with('<') && a.ends_with("@mx.test>"));
    assert_ne!(a, cram_challenge("mx.test"));
}
