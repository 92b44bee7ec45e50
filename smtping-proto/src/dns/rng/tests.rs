//! Unit tests of `rng` (kept beside it, in its own file).

use super::*;

#[test]
fn deterministic_and_spread() {
    let mut a = SplitMix64::new(42);
    let mut b = SplitMix64::new(42);
    let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    let mut ids: Vec<u16> = xs.iter().map(|x| (x >> 48) as u16).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    assert!((0..100).all(|_| a.below(3) < 3));
}
