//! Unit tests of `check` (kept beside it, in its own file).

use smtping_proto::Domain;
use smtping_proto::session::TlsPolicy;

use super::plan::message_id;
use super::*;

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
        message_id(&Domain::literal("127.0.0.1".parse().unwrap())).ends_with("@smtping.invalid>")
    );
}
