//! Unit tests of `check` (kept beside it, in its own file).

use super::*;

#[test]
fn dates() {
    assert_eq!(rfc5322_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 +0000");
    let t = UNIX_EPOCH + Duration::from_secs(1_795_843_800);
    assert_eq!(rfc5322_date(t), "Sat, 28 Nov 2026 05:30:00 +0000");
    let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
    assert!(rfc5322_date(leap).starts_with("Tue, 29 Feb 2000"));
}

#[test]
fn tls_policy_by_port() {
    let c = Check::parse("mx.example.org:465").unwrap();
    assert_eq!(c.tls_policy(), TlsPolicy::Implicit);
    let c = Check::parse("mx.example.org:587").unwrap();
    assert_eq!(c.tls_policy(), TlsPolicy::Opportunistic);
    let c = c.require_tls(true);
    assert_eq!(c.tls_policy(), TlsPolicy::RequireStartTls);
    let c = Check::parse("mx.example.org:25")
        .unwrap()
        .tls(TlsMode::None);
    assert_eq!(c.tls_policy(), TlsPolicy::None);
}

#[test]
fn message_ids_are_unique() {
    let d = Domain::ehlo_name("client.example").unwrap();
    let a = message_id(&d);
    let b = message_id(&d);
    assert_ne!(a, b);
    assert!(a.ends_with("@client.example>"));
    assert!(
        message_id(&address_literal("127.0.0.1".parse().unwrap())).ends_with("@smtping.invalid>")
    );
}
