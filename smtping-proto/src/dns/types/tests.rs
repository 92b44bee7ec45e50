//! Unit tests of `types` (kept beside it, in its own file).

use super::*;

#[test]
fn record_type_names_round_trip() {
    for t in [
        RecordType::A,
        RecordType::Aaaa,
        RecordType::Mx,
        RecordType::Txt,
        RecordType::Ptr,
        RecordType::Tlsa,
        RecordType::Cname,
    ] {
        assert_eq!(t.as_str().to_lowercase().parse::<RecordType>(), Ok(t));
        assert_eq!(u16::from(t.to_hickory()), t.code());
    }
    assert!("SOA".parse::<RecordType>().is_err());
}

#[test]
fn txt_joins_strings() {
    let t = Txt {
        strings: vec![b"v=spf1 ".to_vec(), b"-all".to_vec()],
    };
    assert_eq!(t.to_string_lossy(), "v=spf1 -all");
}
