//! Unit tests of `wire` (kept beside it, in its own file).

use super::*;
use hickory_proto::rr::rdata::{A, CNAME};
use std::net::Ipv4Addr;

fn n(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

#[test]
fn names_are_normalised() {
    assert_eq!(normalise_name("Example.COM.").unwrap().1, "example.com");
    assert_eq!(normalise_name(" mx.example ").unwrap().1, "mx.example");
    assert_eq!(
        normalise_name("_25._tcp.mx.example").unwrap().1,
        "_25._tcp.mx.example"
    );
    assert_eq!(
        normalise_name("bücher.example").unwrap().1,
        "xn--bcher-kva.example"
    );
    assert!(normalise_name("").is_err());
    assert!(normalise_name("a..b").is_err());
    assert!(normalise_name(".a").is_err());
    // Labels are bytes (RFC 2181 §11): SPF macros build `a b` (`%_`) and `foo:bar/baz`
    // (RFC 7208 §7.1, the RFC 7208 suite asks for both); controls and `\\` stay refused.
    assert!(normalise_name("a b.example").is_ok());
    assert!(normalise_name("foo:bar/baz.example.com").is_ok());
    assert!(normalise_name("a\tb.example").is_err());
    assert!(normalise_name("a\\.example").is_err());
    assert!(normalise_name(&"a".repeat(64)).is_err());
    let long = vec!["abcdefghi"; 30].join(".");
    assert!(normalise_name(&long).is_err());
    assert!(
        normalise_name(&"a.".repeat(100_000))
            .unwrap_err()
            .contains("bytes long")
    );
    let (root, display) = normalise_name(".").unwrap();
    assert!(root.is_root());
    assert_eq!(display, ".");
}

#[test]
fn query_has_rd_ad_edns_and_the_question() {
    let name = n("example.com.");
    let bytes = build_query(0x1234, &name, RecordType::Mx, Some(1232), true).unwrap();
    let msg = Message::from_vec(&bytes).unwrap();
    assert_eq!(msg.metadata.id, 0x1234);
    assert!(msg.metadata.recursion_desired);
    assert!(msg.metadata.authentic_data);
    assert_eq!(msg.metadata.message_type, MessageType::Query);
    assert_eq!(msg.queries.len(), 1);
    assert_eq!(msg.queries[0].name(), &name);
    assert_eq!(
        msg.queries[0].query_type(),
        hickory_proto::rr::RecordType::MX
    );
    assert_eq!(msg.edns.as_ref().unwrap().max_payload(), 1232);
    let plain = build_query(1, &name, RecordType::A, None, false).unwrap();
    let msg = Message::from_vec(&plain).unwrap();
    assert!(msg.edns.is_none());
    assert!(!msg.metadata.authentic_data);
    assert_eq!(peek_header(&plain), Some((1, false)));
    assert_eq!(peek_header(&plain[..11]), None);
}

fn response(qname: &str) -> Message {
    let mut m = Message::response(7, OpCode::Query);
    m.add_query(Query::query(n(qname), hickory_proto::rr::RecordType::A));
    m
}

fn a(name: &str, ip: [u8; 4]) -> HRecord {
    HRecord::from_rdata(n(name), 60, RData::A(A(Ipv4Addr::from(ip))))
}

fn cname(name: &str, target: &str) -> HRecord {
    HRecord::from_rdata(n(name), 30, RData::CNAME(CNAME(n(target))))
}

#[test]
fn question_matching_is_case_insensitive_and_strict_otherwise() {
    let m = response("EXAMPLE.com.");
    assert_eq!(check_matches(&m, &n("example.COM."), RecordType::A), Ok(()));
    assert_eq!(
        check_matches(&m, &n("example.com."), RecordType::Aaaa),
        Err(Mismatch::Question)
    );
    assert_eq!(
        check_matches(&m, &n("other.com."), RecordType::A),
        Err(Mismatch::Question)
    );
    let mut q = m.clone();
    q.metadata.message_type = MessageType::Query;
    assert_eq!(
        check_matches(&q, &n("example.com."), RecordType::A),
        Err(Mismatch::NotAResponse)
    );
    // An empty question section is tolerated only on error rcodes.
    let mut empty = Message::response(7, OpCode::Query);
    assert_eq!(
        check_matches(&empty, &n("example.com."), RecordType::A),
        Err(Mismatch::Question)
    );
    empty.metadata.response_code = ResponseCode::FormErr;
    assert_eq!(
        check_matches(&empty, &n("example.com."), RecordType::A),
        Ok(())
    );
}

#[test]
fn follows_cname_chain_and_ignores_other_owners() {
    let mut m = response("www.example.com.");
    m.add_answer(cname("www.example.com.", "web.example.net."));
    m.add_answer(cname("web.example.net.", "edge.example.org."));
    m.add_answer(a("edge.example.org.", [192, 0, 2, 1]));
    m.add_answer(a("unrelated.example.", [192, 0, 2, 99]));
    let x = extract_answer(&m, &n("www.example.com."), RecordType::A).unwrap();
    assert_eq!(display_name(&x.canonical), "edge.example.org");
    assert_eq!(x.chain.len(), 2);
    assert_eq!(x.records.len(), 1);
    assert_eq!(x.records[0].data, RecordData::A([192, 0, 2, 1].into()));
    assert_eq!(x.records[0].ttl, 60);
}

#[test]
fn cname_loop_and_overlong_chain_are_errors() {
    let mut m = response("a.example.");
    m.add_answer(cname("a.example.", "b.example."));
    m.add_answer(cname("b.example.", "a.example."));
    assert!(
        extract_answer(&m, &n("a.example."), RecordType::A)
            .unwrap_err()
            .contains("loop")
    );
    let mut m = response("c0.example.");
    for i in 0..20 {
        m.add_answer(cname(
            &format!("c{i}.example."),
            &format!("c{}.example.", i + 1),
        ));
    }
    assert!(
        extract_answer(&m, &n("c0.example."), RecordType::A)
            .unwrap_err()
            .contains("longer")
    );
}

#[test]
fn dangling_cname_is_empty_and_cname_query_is_direct() {
    let mut m = response("www.example.");
    m.add_answer(cname("www.example.", "gone.example."));
    let x = extract_answer(&m, &n("www.example."), RecordType::A).unwrap();
    assert!(x.records.is_empty());
    assert_eq!(display_name(&x.canonical), "gone.example");
    let x = extract_answer(&m, &n("www.example."), RecordType::Cname).unwrap();
    assert_eq!(x.records[0].data, RecordData::Cname("gone.example".into()));
    assert!(x.chain.is_empty());
}
