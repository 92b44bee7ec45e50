//! Unit tests of `run` (kept beside it, in its own file).

use super::{is_address_literal, is_local_name};

#[test]
fn local_names_and_literals() {
    assert!(is_local_name("localhost") && is_local_name("mx.demo.test."));
    assert!(is_local_name("a.LOCALHOST") && !is_local_name("mx.example.org"));
    assert!(!is_local_name("testing.org") && !is_local_name("localhost.example"));
    assert!(is_address_literal("127.0.0.1") && is_address_literal("[192.0.2.1]"));
    assert!(is_address_literal("::1") && !is_address_literal("mx1.example.org"));
}
