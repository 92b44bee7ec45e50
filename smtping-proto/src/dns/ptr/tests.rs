//! Unit tests of `ptr` (kept beside it, in its own file).

use super::*;

#[test]
fn v4_v6_and_mapped() {
    assert_eq!(
        reverse_name("192.0.2.10".parse().unwrap()),
        "10.2.0.192.in-addr.arpa."
    );
    assert_eq!(
        reverse_name("::ffff:192.0.2.10".parse().unwrap()),
        "10.2.0.192.in-addr.arpa."
    );
    let v6 = reverse_name("::1".parse().unwrap());
    assert_eq!(v6, format!("1.{}ip6.arpa.", "0.".repeat(31)));
    assert_eq!(v6.len(), 73);
    // Cross-check with hickory-proto's own reverse names.
    for ip in ["2001:db8::567:89ab", "fe80::1", "198.51.100.7"] {
        let ip: IpAddr = ip.parse().unwrap();
        let theirs = hickory_proto::rr::Name::from(ip).to_ascii();
        assert!(theirs.eq_ignore_ascii_case(&reverse_name(ip)), "{theirs}");
    }
}
