//! Unit tests of `dns` (kept beside it, in its own file).

use super::*;

fn compiled(zone: Zone) -> Compiled {
    zone.compile().unwrap()
}

fn query(name: &str, t: HType, edns: bool) -> Message {
    let mut m = Message::new(0x4242, MessageType::Query, OpCode::Query);
    m.metadata.recursion_desired = true;
    m.add_query(hickory_proto::op::Query::query(
        Name::from_ascii(name).unwrap(),
        t,
    ));
    if edns {
        let mut e = Edns::new();
        e.set_max_payload(1232);
        m.set_edns(e);
    }
    m
}

fn run(zone: &Compiled, q: &Message, protocol: Protocol) -> Option<Message> {
    let stats = Stats::default();
    match respond(zone, &stats, &q.to_vec().unwrap(), protocol) {
        Action::Reply(b) | Action::Later(_, b) => Message::from_vec(&b).ok(),
        Action::Silence => None,
    }
}

#[test]
fn answers_follow_cnames_and_tell_nxdomain_from_nodata() {
    let z = compiled(
        Zone::new()
            .cname("www.example.test", "host.example.test")
            .a("host.example.test", Ipv4Addr::new(127, 0, 0, 9))
            .a("deep.sub.example.test", Ipv4Addr::LOCALHOST),
    );
    let r = run(
        &z,
        &query("WWW.example.test.", HType::A, true),
        Protocol::Udp,
    )
    .unwrap();
    assert_eq!(r.metadata.id, 0x4242);
    assert_eq!(r.answers.len(), 2);
    assert!(r.metadata.authoritative && r.metadata.recursion_available);
    let r = run(
        &z,
        &query("nope.example.test.", HType::A, true),
        Protocol::Udp,
    )
    .unwrap();
    assert_eq!(r.metadata.response_code, ResponseCode::NXDomain);
    assert_eq!(r.authorities.len(), 1);
    let r = run(
        &z,
        &query("host.example.test.", HType::AAAA, true),
        Protocol::Udp,
    )
    .unwrap();
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
    assert!(r.answers.is_empty());
    // Empty non-terminal.
    let r = run(
        &z,
        &query("sub.example.test.", HType::A, true),
        Protocol::Udp,
    )
    .unwrap();
    assert_eq!(r.metadata.response_code, ResponseCode::NoError);
}

#[test]
fn faults_by_name_type_and_default() {
    let z = compiled(
        Zone::new()
            .a("x.test", Ipv4Addr::LOCALHOST)
            .fault("x.test", Fault::ServFail)
            .fault_for("x.test", RecordType::A, Fault::Refused)
            .fault("gone.test", Fault::Drop)
            .default_fault(Fault::NxDomain),
    );
    let rc =
        |n: &str, t| run(&z, &query(n, t, false), Protocol::Udp).map(|m| m.metadata.response_code);
    assert_eq!(rc("x.test.", HType::A), Some(ResponseCode::Refused));
    assert_eq!(rc("x.test.", HType::MX), Some(ResponseCode::ServFail));
    assert_eq!(rc("gone.test.", HType::A), None);
    assert_eq!(rc("other.test.", HType::A), Some(ResponseCode::NXDomain));
}

#[test]
fn oversized_udp_answers_are_truncated_but_not_over_tcp() {
    let mut zone = Zone::new();
    for i in 0..20 {
        zone = zone.txt("big.test", &format!("{i:02}{}", "x".repeat(100)));
    }
    let z = compiled(zone);
    let r = run(&z, &query("big.test.", HType::TXT, false), Protocol::Udp).unwrap();
    assert!(r.metadata.truncation);
    assert!(r.answers.is_empty());
    assert_eq!(r.metadata.id, 0x4242);
    let r = run(&z, &query("big.test.", HType::TXT, false), Protocol::Tcp).unwrap();
    assert!(!r.metadata.truncation);
    assert_eq!(r.answers.len(), 20);
}

#[test]
fn invalid_zone_names_are_reported() {
    let err = Zone::new()
        .a("bad name..test", Ipv4Addr::LOCALHOST)
        .compile()
        .unwrap_err();
    assert!(err.to_string().contains("bad name..test"), "{err}");
}

#[test]
fn authentic_data_per_name_and_servfail_with_ede() {
    let z = compiled(
        Zone::new()
            .authentic_data(true)
            .authentic_data_at("unsigned.example.test", false)
            .authentic_data_at("signed.unsigned.example.test", true)
            .a("example.test", Ipv4Addr::LOCALHOST)
            .a("host.unsigned.example.test", Ipv4Addr::LOCALHOST)
            .a("x.signed.unsigned.example.test", Ipv4Addr::LOCALHOST)
            .fault(
                "bogus.example.test",
                Fault::ServFailEde(6, "validation failure"),
            ),
    );
    let ad = |name: &str| {
        run(&z, &query(name, HType::A, true), Protocol::Udp)
            .unwrap()
            .metadata
            .authentic_data
    };
    assert!(ad("example.test."));
    assert!(!ad("host.unsigned.example.test."));
    assert!(!ad("unsigned.example.test."));
    assert!(ad("x.signed.unsigned.example.test."));
    let r = run(
        &z,
        &query("bogus.example.test.", HType::A, true),
        Protocol::Udp,
    )
    .unwrap();
    assert_eq!(r.metadata.response_code, ResponseCode::ServFail);
    let options = r.edns.unwrap().options().as_ref().to_vec();
    assert!(matches!(
        options.as_slice(),
        [(_, rdata::opt::EdnsOption::Unknown(15, data))] if data.as_slice() == b"\x00\x06validation failure"
    ));
    let plain = run(
        &z,
        &query("bogus.example.test.", HType::A, false),
        Protocol::Udp,
    )
    .unwrap();
    assert!(
        plain.edns.is_none(),
        "no OPT record without EDNS in the query"
    );
}
