//! Unit tests of `hostile` (kept beside it, in its own file).

use super::*;

#[test]
fn names_are_unique_and_scripts_nonempty() {
    let mut names: Vec<&str> = Hostile::ALL.iter().map(|h| h.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Hostile::ALL.len());
    for h in Hostile::ALL {
        assert!(!h.script().steps().is_empty(), "{h}");
        assert!(!h.description().is_empty());
    }
}

#[test]
fn garbage_is_deterministic_and_not_tls() {
    let g = garbage(64);
    assert_eq!(g, garbage(64));
    assert!(g.iter().any(|&b| b != g[0]));
}
