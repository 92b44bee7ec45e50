//! Unit tests of `address` (kept beside it, in its own file).

use super::*;

#[test]
fn good_addresses() {
    for s in [
        "a@b.c",
        "alice.smith+tag@example.org",
        "<bob@example.org>",
        "x@[192.0.2.1]",
        "x@[IPv6:2001:db8::1]",
        "\"john doe\"@example.org",
        "\"a\\\"b\"@example.org",
        "user@mx.example.org.",
        "o'brien@example.ie",
        "postmaster@localhost",
    ] {
        let a = Address::new(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert!(!a.is_null());
        assert!(!a.needs_smtputf8(), "{s}");
    }
    assert_eq!(
        Address::new("user@mx.example.org.").unwrap().as_str(),
        "user@mx.example.org"
    );
}

#[test]
fn utf8_addresses_need_smtputf8() {
    let a = Address::new("jöran@bücher.example").unwrap();
    assert!(a.needs_smtputf8());
    assert!(a.domain().unwrap().is_utf8());
    assert_eq!(a.local_part(), "jöran");
}

#[test]
fn null_path() {
    for s in ["", "<>"] {
        let a = Address::new(s).unwrap();
        assert!(a.is_null());
        assert_eq!(a.to_string(), "<>");
        assert!(a.domain().is_none());
        assert_eq!(a.redacted(), "");
    }
}

#[test]
fn injection_is_refused() {
    for (s, byte) in [
        ("a@b.c\r\nRSET", b'\r'),
        ("a@b.c\nRSET", b'\n'),
        ("a\0@b.c", 0),
    ] {
        match Address::new(s) {
            Err(AddressError::ForbiddenByte { byte: b, .. }) => assert_eq!(b, byte),
            other => panic!("{s:?}: {other:?}"),
        }
    }
    let e = Address::new("a@b.c\r\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "address contains a forbidden CR at byte 5: CR, LF and NUL could inject SMTP commands"
    );
}

#[test]
fn bad_addresses() {
    for s in [
        "noat",
        "@example.org",
        ".a@example.org",
        "a.@example.org",
        "a..b@example.org",
        "a b@example.org",
        "a@",
        "a@-x.org",
        "a@x..org",
        "<a@b.c",
        "a@[300.1.1.1]",
        "a@[IPv6:zz]",
        "\"unterminated@example.org",
        "\"\"@example.org",
        "a@exa mple.org",
    ] {
        assert!(Address::new(s).is_err(), "{s:?} accepted");
    }
    let long_local = format!("{}@example.org", "a".repeat(65));
    assert!(matches!(
        Address::new(&long_local),
        Err(AddressError::TooLong { .. })
    ));
    let long_label = format!("a@{}.org", "b".repeat(64));
    assert!(Address::new(&long_label).is_err());
}

#[test]
fn domains() {
    assert!(Domain::ehlo_name("client.example").is_ok());
    assert!(Domain::ehlo_name("[127.0.0.1]").unwrap().is_literal());
    assert!(Domain::ehlo_name("").is_err());
    assert!(Domain::ehlo_name(".").is_err());
    assert!(Domain::ehlo_name("a b").is_err());
    assert_eq!(
        Domain::new("MX.Example.ORG.").unwrap().as_str(),
        "MX.Example.ORG"
    );
    let e = Domain::ehlo_name("x\ny").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("EHLO name contains a forbidden LF")
    );
}

#[test]
fn redaction() {
    assert_eq!(
        Address::new("alice@example.org").unwrap().redacted(),
        "***@example.org"
    );
}
