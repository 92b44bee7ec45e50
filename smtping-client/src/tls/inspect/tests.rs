//! Unit tests of `inspect` (kept beside it, in its own file).

use super::*;

#[test]
fn bit_lengths() {
    assert_eq!(significant_bits(&[0x00, 0x80, 0x00]), Some(16));
    assert_eq!(significant_bits(&[0x01]), Some(1));
    assert_eq!(significant_bits(&[0x00]), None);
    assert_eq!(significant_bits(&[]), None);
    let mut modulus = vec![0x00];
    modulus.extend([0xc5; 256]);
    assert_eq!(significant_bits(&modulus), Some(2048));
}

#[test]
fn sha256_matches_known_vector() {
    assert_eq!(
        sha256_hex(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn clean_escapes_controls_and_bounds_length() {
    assert_eq!(clean("a\u{1b}[31mb\r\n"), "a\\u{1b}[31mb\\r\\n");
    let long = "x".repeat(MAX_FIELD_CHARS + 10);
    let cleaned = clean(&long);
    assert_eq!(cleaned.chars().count(), MAX_FIELD_CHARS + 1);
    assert!(cleaned.ends_with('…'));
}

#[test]
fn ip_sans_render() {
    assert_eq!(ip_text(&[127, 0, 0, 1]), "127.0.0.1");
    let mut v6 = [0u8; 16];
    v6[15] = 1;
    assert_eq!(ip_text(&v6), "::1");
    assert_eq!(ip_text(&[1, 2, 3]), "ip:010203");
}

#[test]
fn garbage_never_panics() {
    let now = SystemTime::now();
    for garbage in [
        &b""[..],
        b"\x30",
        b"\x30\x80",
        b"\x30\x82\xff\xff",
        b"-----BEGIN CERTIFICATE-----",
        &[0u8; 64],
        &[0xffu8; 64],
    ] {
        let info = inspect_certificate(garbage, now);
        assert!(info.error.is_some(), "{garbage:?}");
        assert_eq!(info.sha256, sha256_hex(garbage));
        assert!(info.subject.is_empty());
    }
}
