//! Unit tests of `mx` (kept beside it, in its own file).

use super::*;
use crate::dns::types::{Mx, Protocol, Question, Record, RecordData, RecordType};
use std::net::SocketAddr;

fn server() -> SocketAddr {
    "127.0.0.1:53".parse().unwrap()
}

fn question() -> Question {
    Question {
        name: "example.com".into(),
        record_type: RecordType::Mx,
    }
}

fn answer(mx: &[(u16, &str)]) -> Result<Answer, DnsError> {
    Ok(Answer {
        question: question(),
        server: server(),
        protocol: Protocol::Udp,
        rcode: 0,
        authentic_data: false,
        canonical_name: "example.com".into(),
        cname_chain: vec![],
        extended_errors: Default::default(),
        records: mx
            .iter()
            .map(|(p, h)| Record {
                name: "example.com".into(),
                ttl: 300,
                data: RecordData::Mx(Mx {
                    preference: *p,
                    exchange: (*h).into(),
                }),
            })
            .collect(),
    })
}

fn names(r: &MxResolution) -> Vec<String> {
    r.hosts().into_iter().map(|h| h.host).collect()
}

#[test]
fn sorted_by_preference_stable_and_deduplicated() {
    let r = MxResolution::from_lookup(
        &answer(&[(20, "b"), (10, "a1"), (20, "c"), (10, "a2"), (30, "A1")]),
        None,
    )
    .unwrap();
    assert_eq!(names(&r), ["a1", "a2", "b", "c"]);
    assert!(!r.is_null_mx() && !r.is_implicit());
}

#[test]
fn ties_shuffle_deterministically_within_groups_only() {
    let list: Vec<(u16, String)> = (0..6)
        .map(|i| (10, format!("h{i}")))
        .chain([(5, "first".to_string()), (50, "last".to_string())])
        .collect();
    let refs: Vec<(u16, &str)> = list.iter().map(|(p, h)| (*p, h.as_str())).collect();
    let a = MxResolution::from_lookup(&answer(&refs), Some(7)).unwrap();
    let b = MxResolution::from_lookup(&answer(&refs), Some(7)).unwrap();
    assert_eq!(a, b);
    let n = names(&a);
    assert_eq!(n.first().map(String::as_str), Some("first"));
    assert_eq!(n.last().map(String::as_str), Some("last"));
    let mut middle = n[1..7].to_vec();
    middle.sort();
    assert_eq!(middle, ["h0", "h1", "h2", "h3", "h4", "h5"]);
    // Some seed changes the order of the tie group.
    let unshuffled = names(&MxResolution::from_lookup(&answer(&refs), None).unwrap());
    assert!((0..16u64).any(|s| names(
        &MxResolution::from_lookup(&answer(&refs), Some(s)).unwrap()
    ) != unshuffled));
}

#[test]
fn null_mx_alone_and_mixed() {
    let r = MxResolution::from_lookup(&answer(&[(0, ".")]), None).unwrap();
    assert_eq!(
        r,
        MxResolution::NullMx {
            domain: "example.com".into(),
            preference: 0
        }
    );
    assert!(r.hosts().is_empty());
    let r = MxResolution::from_lookup(&answer(&[(0, "."), (10, "mx")]), None).unwrap();
    match r {
        MxResolution::Hosts {
            hosts,
            null_mx_mixed,
        } => {
            assert!(null_mx_mixed);
            assert_eq!(hosts.len(), 1);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn implicit_only_on_no_data() {
    let nodata = Err(DnsError::NoData {
        question: question(),
        server: server(),
        authentic_data: false,
        negative_ttl: Some(60),
        canonical_name: "example.com".into(),
        extended_errors: Default::default(),
    });
    let r = MxResolution::from_lookup(&nodata, None).unwrap();
    assert!(r.is_implicit());
    assert_eq!(names(&r), ["example.com"]);
    for err in [
        DnsError::NxDomain {
            question: question(),
            server: server(),
            authentic_data: false,
            negative_ttl: None,
            extended_errors: Default::default(),
        },
        DnsError::ServFail {
            question: question(),
            server: server(),
            extended_errors: Default::default(),
        },
        DnsError::Timeout {
            question: question(),
            servers: vec![server()],
            transmissions: 2,
        },
    ] {
        let got = MxResolution::from_lookup(&Err(err.clone()), None).unwrap_err();
        assert_eq!(got, err);
    }
}

#[test]
fn host_count_is_bounded() {
    let list: Vec<String> = (0..100).map(|i| format!("mx{i}")).collect();
    let refs: Vec<(u16, &str)> = list.iter().map(|h| (10, h.as_str())).collect();
    let r = MxResolution::from_lookup(&answer(&refs), None).unwrap();
    assert_eq!(r.hosts().len(), MAX_MX_HOSTS);
}
