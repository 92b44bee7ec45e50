//! Simulated lookups: a scripted peer answers the core's transmits, time is passed in.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use hickory_proto::op::{Message, ResponseCode};
use hickory_proto::rr::rdata::{A, CNAME, MX, SOA, TLSA, TXT};
use hickory_proto::rr::{Name, RData, Record};
use proptest::prelude::*;

use super::*;

const S1: &str = "192.0.2.1:53";
const S2: &str = "192.0.2.2:53";
const S3: &str = "[2001:db8::3]:53";

fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn n(s: &str) -> Name {
    Name::from_ascii(s).unwrap()
}

fn config(servers: &[&str]) -> ResolverConfig {
    ResolverConfig::new(servers.iter().map(|s| sa(s))).with_timeout(Duration::from_secs(1))
}

/// The response skeleton for a transmit: same id and question, QR set, AD cleared.
fn reply_to(tx: &Transmit) -> Message {
    let q = Message::from_vec(&tx.payload).unwrap();
    let mut r = q.into_response();
    r.metadata.recursion_available = true;
    r.metadata.authentic_data = false;
    r
}

fn with_rcode(tx: &Transmit, rcode: ResponseCode) -> Vec<u8> {
    let mut r = reply_to(tx);
    r.metadata.response_code = rcode;
    r.to_vec().unwrap()
}

fn a_answer(tx: &Transmit, owner: &str, ip: [u8; 4]) -> Vec<u8> {
    let mut r = reply_to(tx);
    r.add_answer(Record::from_rdata(
        n(owner),
        120,
        RData::A(A(Ipv4Addr::from(ip))),
    ));
    r.to_vec().unwrap()
}

fn soa() -> Record {
    let soa = SOA::new(
        n("ns.example."),
        n("hostmaster.example."),
        1,
        3600,
        600,
        86400,
        45,
    );
    Record::from_rdata(n("example."), 300, RData::SOA(soa))
}

fn ms(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

#[test]
fn simple_a_answer_with_ttl_and_ad() {
    let t0 = Instant::now();
    let mut l = Lookup::new("Mail.Example.", RecordType::A, &config(&[S1]), t0, 1);
    assert_eq!(l.question().name, "mail.example");
    let tx = l.poll_transmit().unwrap();
    assert!(l.poll_transmit().is_none());
    let mut r = reply_to(&tx);
    r.metadata.authentic_data = true;
    r.add_answer(Record::from_rdata(
        n("MAIL.example."),
        77,
        RData::A(A::new(192, 0, 2, 25)),
    ));
    r.add_answer(Record::from_rdata(
        n("mail.example."),
        99,
        RData::A(A::new(192, 0, 2, 26)),
    ));
    assert_eq!(
        l.handle_udp(sa(S1), &r.to_vec().unwrap(), ms(t0, 5)),
        Received::Used
    );
    let ans = l.result().unwrap().as_ref().unwrap();
    assert!(ans.authentic_data);
    assert_eq!(ans.rcode, 0);
    assert_eq!(ans.server, sa(S1));
    assert_eq!(ans.protocol, Protocol::Udp);
    assert_eq!(
        ans.ip_addrs().collect::<Vec<_>>(),
        [Ipv4Addr::new(192, 0, 2, 25), Ipv4Addr::new(192, 0, 2, 26)]
    );
    assert_eq!(ans.min_ttl(), 77);
    assert_eq!(l.poll_timeout(), None);
    assert_eq!(l.elapsed(), Some(Duration::from_millis(5)));
    assert_eq!(l.stats().transmissions, 1);
}

#[test]
fn typed_records_mx_txt_tlsa_ptr_cname() {
    let t0 = Instant::now();
    let cfg = config(&[S1]);

    let mut l = Lookup::new("example.", RecordType::Txt, &cfg, t0, 2);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    let txt = TXT::from_bytes(vec![b"v=spf1 ".as_slice(), b"-all".as_slice()]);
    r.add_answer(Record::from_rdata(n("example."), 60, RData::TXT(txt)));
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let ans = l.result().unwrap().as_ref().unwrap();
    assert_eq!(ans.txt().next().unwrap().to_string_lossy(), "v=spf1 -all");
    assert_eq!(ans.txt().next().unwrap().strings.len(), 2);

    let mut l = Lookup::new("_25._tcp.mx.example", RecordType::Tlsa, &cfg, t0, 3);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    let tlsa = TLSA::new(3.into(), 1.into(), 1.into(), vec![0xab; 32]);
    r.add_answer(Record::from_rdata(
        n("_25._tcp.mx.example."),
        60,
        RData::TLSA(tlsa),
    ));
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let t = l
        .result()
        .unwrap()
        .as_ref()
        .unwrap()
        .tlsa()
        .next()
        .unwrap()
        .clone();
    assert_eq!((t.usage, t.selector, t.matching), (3, 1, 1));
    assert_eq!(t.data, vec![0xab; 32]);

    let ptr_name = reverse_name("192.0.2.25".parse().unwrap());
    let mut l = Lookup::new(&ptr_name, RecordType::Ptr, &cfg, t0, 4);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    let ptr = hickory_proto::rr::rdata::PTR(n("mail.example."));
    r.add_answer(Record::from_rdata(n(&ptr_name), 60, RData::PTR(ptr)));
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let ans = l.result().unwrap().as_ref().unwrap();
    assert_eq!(ans.ptr().collect::<Vec<_>>(), ["mail.example"]);

    let mut l = Lookup::new("example.", RecordType::Mx, &cfg, t0, 5);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    r.add_answer(Record::from_rdata(
        n("example."),
        60,
        RData::MX(MX::new(0, Name::root())),
    ));
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let routing = MxResolution::from_lookup(l.result().unwrap(), None).unwrap();
    assert!(routing.is_null_mx());

    let mut l = Lookup::new("www.example.", RecordType::Cname, &cfg, t0, 6);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    r.add_answer(Record::from_rdata(
        n("www.example."),
        60,
        RData::CNAME(CNAME(n("web.example."))),
    ));
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let ans = l.result().unwrap().as_ref().unwrap();
    assert_eq!(ans.cname().collect::<Vec<_>>(), ["web.example"]);
}

#[test]
fn cname_chain_is_followed_in_one_answer() {
    let t0 = Instant::now();
    let mut l = Lookup::new("www.example.", RecordType::A, &config(&[S1]), t0, 7);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    r.add_answer(Record::from_rdata(
        n("www.example."),
        30,
        RData::CNAME(CNAME(n("edge.cdn.example."))),
    ));
    r.add_answer(Record::from_rdata(
        n("edge.cdn.example."),
        90,
        RData::A(A::new(192, 0, 2, 80)),
    ));
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let ans = l.result().unwrap().as_ref().unwrap();
    assert_eq!(ans.canonical_name, "edge.cdn.example");
    assert_eq!(ans.cname_chain.len(), 1);
    assert_eq!(ans.min_ttl(), 30);
}

#[test]
fn nxdomain_is_final_with_negative_ttl() {
    let t0 = Instant::now();
    let mut l = Lookup::new("nope.example", RecordType::A, &config(&[S1, S2]), t0, 8);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    r.metadata.response_code = ResponseCode::NXDomain;
    r.add_authority(soa());
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    assert!(
        l.poll_transmit().is_none(),
        "NXDOMAIN must not try the next server"
    );
    match l.result().unwrap() {
        Err(DnsError::NxDomain {
            server,
            negative_ttl,
            ..
        }) => {
            assert_eq!(*server, sa(S1));
            assert_eq!(*negative_ttl, Some(45));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn empty_noerror_is_no_data() {
    let t0 = Instant::now();
    let mut l = Lookup::new("example", RecordType::Aaaa, &config(&[S1]), t0, 9);
    let tx = l.poll_transmit().unwrap();
    let mut r = reply_to(&tx);
    r.add_authority(soa());
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::NoData);
    assert!(err.is_definitive());
    assert_eq!(
        err.to_string(),
        "DNS example AAAA: no AAAA record (NOERROR, empty answer from 192.0.2.1:53)"
    );
}

#[test]
fn timeouts_rotate_through_servers_and_attempts() {
    let t0 = Instant::now();
    let cfg = config(&[S1, S2]).with_attempts(2);
    let mut l = Lookup::new("slow.example", RecordType::A, &cfg, t0, 10);
    let mut order = Vec::new();
    let mut now = t0;
    for _ in 0..10 {
        if let Some(tx) = l.poll_transmit() {
            order.push(tx.server);
        }
        match l.poll_timeout() {
            Some(deadline) => {
                assert_eq!(deadline, now + Duration::from_secs(1));
                // Early calls change nothing.
                l.handle_timeout(deadline - Duration::from_millis(1));
                assert!(l.poll_transmit().is_none());
                now = deadline;
                l.handle_timeout(now);
            }
            None => break,
        }
    }
    assert_eq!(order, [sa(S1), sa(S2), sa(S1), sa(S2)]);
    match l.result().unwrap() {
        Err(DnsError::Timeout {
            servers,
            transmissions,
            ..
        }) => {
            assert_eq!(servers, &[sa(S1), sa(S2)]);
            assert_eq!(*transmissions, 4);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(l.elapsed(), Some(Duration::from_secs(4)));
}

#[test]
fn rotate_starts_at_a_seed_derived_server() {
    let t0 = Instant::now();
    let cfg = config(&[S1, S2, S3]).with_rotate(true);
    let firsts: std::collections::HashSet<SocketAddr> = (0..32u64)
        .map(|seed| {
            let mut l = Lookup::new("x.example", RecordType::A, &cfg, t0, seed);
            let order = l.servers().to_vec();
            let tx = l.poll_transmit().unwrap();
            assert_eq!(tx.server, order[0]);
            tx.server
        })
        .collect();
    assert_eq!(firsts.len(), 3, "every server gets to be first");
    let fixed = Lookup::new("x.example", RecordType::A, &config(&[S1, S2, S3]), t0, 99);
    assert_eq!(fixed.servers(), &[sa(S1), sa(S2), sa(S3)]);
}

#[test]
fn truncation_retries_the_same_server_over_tcp() {
    let t0 = Instant::now();
    let mut l = Lookup::new("big.example", RecordType::Txt, &config(&[S1, S2]), t0, 11);
    let udp = l.poll_transmit().unwrap();
    let mut r = reply_to(&udp);
    r.metadata.truncation = true;
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), ms(t0, 3));
    let tcp = l.poll_transmit().unwrap();
    assert_eq!((tcp.server, tcp.protocol), (sa(S1), Protocol::Tcp));
    assert_eq!(l.poll_timeout(), Some(ms(t0, 1003)));
    // The same datagram again is a duplicate now.
    assert!(matches!(
        l.handle_udp(sa(S1), &r.to_vec().unwrap(), ms(t0, 4)),
        Received::Ignored(IgnoreReason::IdMismatch)
    ));
    let mut full = reply_to(&tcp);
    let txt = TXT::new(vec!["x".repeat(200); 10]);
    full.add_answer(Record::from_rdata(n("big.example."), 60, RData::TXT(txt)));
    assert_eq!(
        l.handle_tcp(sa(S1), &full.to_vec().unwrap(), ms(t0, 9)),
        Received::Used
    );
    let ans = l.result().unwrap().as_ref().unwrap();
    assert_eq!(ans.protocol, Protocol::Tcp);
    assert_eq!(ans.txt().next().unwrap().strings.len(), 10);
    assert_eq!(l.stats().tcp_transmissions, 1);
}

#[test]
fn tcp_connect_failure_moves_to_the_next_server() {
    let t0 = Instant::now();
    let mut l = Lookup::new(
        "big.example",
        RecordType::A,
        &config(&[S1, S2]).with_attempts(1),
        t0,
        12,
    );
    let udp = l.poll_transmit().unwrap();
    let mut r = reply_to(&udp);
    r.metadata.truncation = true;
    let _ = l.handle_udp(sa(S1), &r.to_vec().unwrap(), t0);
    let tcp = l.poll_transmit().unwrap();
    assert_eq!(
        l.handle_transport_error(sa(S1), Protocol::Tcp, "connection refused", t0),
        Received::Used
    );
    let next = l.poll_transmit().unwrap();
    assert_eq!((next.server, next.protocol), (sa(S2), Protocol::Udp));
    let _ = tcp;
    l.handle_timeout(ms(t0, 1000));
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Transport, "{err}");
    assert!(
        err.to_string()
            .contains("tcp to 192.0.2.1:53 failed: connection refused")
    );
}

#[test]
fn servfail_falls_through_to_the_next_server() {
    let t0 = Instant::now();
    let mut l = Lookup::new("flaky.example", RecordType::A, &config(&[S1, S2]), t0, 13);
    let tx1 = l.poll_transmit().unwrap();
    let _ = l.handle_udp(sa(S1), &with_rcode(&tx1, ResponseCode::ServFail), ms(t0, 2));
    let tx2 = l.poll_transmit().unwrap();
    assert_eq!(tx2.server, sa(S2));
    let _ = l.handle_udp(
        sa(S2),
        &a_answer(&tx2, "flaky.example.", [192, 0, 2, 7]),
        ms(t0, 4),
    );
    assert_eq!(l.result().unwrap().as_ref().unwrap().server, sa(S2));
}

#[test]
fn all_servfail_reports_servfail_not_timeout() {
    let t0 = Instant::now();
    let mut l = Lookup::new("broken.example", RecordType::Mx, &config(&[S1, S2]), t0, 14);
    let mut sent = 0;
    for _ in 0..10 {
        let Some(tx) = l.poll_transmit() else { break };
        sent += 1;
        let _ = l.handle_udp(tx.server, &with_rcode(&tx, ResponseCode::ServFail), t0);
    }
    assert_eq!(sent, 4, "2 servers x 2 attempts");
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::ServFail);
    assert_eq!(err.server(), Some(sa(S2)));
    // An error from the MX lookup is not "no MX".
    assert!(MxResolution::from_lookup(l.result().unwrap(), None).is_err());
}

#[test]
fn refused_server_is_not_asked_again() {
    let t0 = Instant::now();
    let mut l = Lookup::new(
        "x.example",
        RecordType::A,
        &config(&[S1, S2]).with_attempts(3),
        t0,
        15,
    );
    let mut order = Vec::new();
    let mut now = t0;
    for _ in 0..10 {
        let Some(tx) = l.poll_transmit() else { break };
        order.push(tx.server);
        if tx.server == sa(S1) {
            let _ = l.handle_udp(tx.server, &with_rcode(&tx, ResponseCode::Refused), now);
        } else {
            now += Duration::from_secs(1);
            l.handle_timeout(now);
        }
    }
    assert_eq!(order, [sa(S1), sa(S2), sa(S2), sa(S2)]);
    assert_eq!(
        l.result().unwrap().as_ref().unwrap_err().kind(),
        DnsErrorKind::Refused
    );
}

#[test]
fn formerr_to_edns_retries_without_edns_once() {
    let t0 = Instant::now();
    let mut l = Lookup::new("old.example", RecordType::A, &config(&[S1]), t0, 16);
    let tx = l.poll_transmit().unwrap();
    assert!(Message::from_vec(&tx.payload).unwrap().edns.is_some());
    let _ = l.handle_udp(sa(S1), &with_rcode(&tx, ResponseCode::FormErr), t0);
    let retry = l.poll_transmit().unwrap();
    assert_eq!(retry.server, sa(S1));
    assert!(Message::from_vec(&retry.payload).unwrap().edns.is_none());
    let _ = l.handle_udp(sa(S1), &with_rcode(&retry, ResponseCode::FormErr), t0);
    // No third plain retry on the same try; the next round asks again without EDNS.
    let round2 = l.poll_transmit().unwrap();
    assert!(Message::from_vec(&round2.payload).unwrap().edns.is_none());
    let _ = l.handle_udp(sa(S1), &with_rcode(&round2, ResponseCode::NotImp), t0);
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert!(
        matches!(err, DnsError::ServerError { rcode: 4, .. }),
        "{err}"
    );
}

#[test]
fn spoofed_and_foreign_datagrams_are_ignored() {
    let t0 = Instant::now();
    let mut l = Lookup::new("bank.example", RecordType::A, &config(&[S1]), t0, 17);
    let tx = l.poll_transmit().unwrap();
    let good = a_answer(&tx, "bank.example.", [192, 0, 2, 1]);

    // Wrong id.
    let mut wrong_id = Message::from_vec(&good).unwrap();
    wrong_id.metadata.id = wrong_id.metadata.id.wrapping_add(1);
    assert_eq!(
        l.handle_udp(sa(S1), &wrong_id.to_vec().unwrap(), t0),
        Received::Ignored(IgnoreReason::IdMismatch)
    );
    // Right id from the wrong address.
    assert_eq!(
        l.handle_udp(sa("198.51.100.66:53"), &good, t0),
        Received::Ignored(IgnoreReason::UnknownSource)
    );
    assert_eq!(
        l.handle_udp(sa("192.0.2.1:5353"), &good, t0),
        Received::Ignored(IgnoreReason::UnknownSource)
    );
    // Another question with our id.
    let mut other = Message::from_vec(&good).unwrap();
    other.queries[0].set_name(n("evil.example."));
    assert_eq!(
        l.handle_udp(sa(S1), &other.to_vec().unwrap(), t0),
        Received::Ignored(IgnoreReason::QuestionMismatch)
    );
    let mut other_type = Message::from_vec(&good).unwrap();
    other_type.queries[0].set_query_type(hickory_proto::rr::RecordType::AAAA);
    assert_eq!(
        l.handle_udp(sa(S1), &other_type.to_vec().unwrap(), t0),
        Received::Ignored(IgnoreReason::QuestionMismatch)
    );
    // Our own query echoed back.
    assert_eq!(
        l.handle_udp(sa(S1), &tx.payload, t0),
        Received::Ignored(IgnoreReason::NotAResponse)
    );
    assert_eq!(
        l.handle_udp(sa(S1), &[0u8; 5], t0),
        Received::Ignored(IgnoreReason::TooShort)
    );
    // Unsolicited TCP.
    assert_eq!(
        l.handle_tcp(sa(S1), &good, t0),
        Received::Ignored(IgnoreReason::NotExpected)
    );
    assert!(l.result().is_none());
    assert_eq!(l.stats().ignored, 8);

    // The question name may come back in any case.
    let mut upper = Message::from_vec(&good).unwrap();
    upper.queries[0].set_name(n("BANK.EXAMPLE."));
    assert_eq!(
        l.handle_udp(sa(S1), &upper.to_vec().unwrap(), t0),
        Received::Used
    );
    assert!(l.result().unwrap().is_ok());
    assert_eq!(
        l.handle_udp(sa(S1), &good, t0),
        Received::Ignored(IgnoreReason::Finished)
    );
}

#[test]
fn late_answer_to_an_earlier_try_is_accepted() {
    let t0 = Instant::now();
    let mut l = Lookup::new("slow.example", RecordType::A, &config(&[S1, S2]), t0, 18);
    let tx1 = l.poll_transmit().unwrap();
    l.handle_timeout(ms(t0, 1000));
    let tx2 = l.poll_transmit().unwrap();
    assert_eq!(tx2.server, sa(S2));
    let _ = l.handle_udp(
        sa(S1),
        &a_answer(&tx1, "slow.example.", [192, 0, 2, 9]),
        ms(t0, 1500),
    );
    let ans = l.result().unwrap().as_ref().unwrap();
    assert_eq!(ans.server, sa(S1));
    assert!(l.poll_transmit().is_none() && l.poll_timeout().is_none());
}

#[test]
fn undecodable_datagram_with_our_id_fails_that_try() {
    let t0 = Instant::now();
    let mut l = Lookup::new(
        "x.example",
        RecordType::A,
        &config(&[S1]).with_attempts(1),
        t0,
        19,
    );
    let tx = l.poll_transmit().unwrap();
    let mut junk = tx.payload[..12].to_vec();
    junk[2] |= 0x80; // QR
    junk[5] = 9; // QDCOUNT 9 with no questions
    assert_eq!(l.handle_udp(sa(S1), &junk, t0), Received::Used);
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Malformed, "{err}");
}

#[test]
fn tcp_id_mismatch_fails_the_try() {
    let t0 = Instant::now();
    let cfg = config(&[S1]).with_tcp(true).with_attempts(1);
    let mut l = Lookup::new("x.example", RecordType::A, &cfg, t0, 20);
    let tx = l.poll_transmit().unwrap();
    assert_eq!(tx.protocol, Protocol::Tcp);
    let mut r = Message::from_vec(&a_answer(&tx, "x.example.", [192, 0, 2, 1])).unwrap();
    r.metadata.id ^= 1;
    let _ = l.handle_tcp(sa(S1), &r.to_vec().unwrap(), t0);
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert!(matches!(err, DnsError::Malformed { .. }), "{err}");
    assert!(err.to_string().contains("does not match"));
}

#[test]
fn invalid_name_and_no_servers_finish_at_once() {
    let t0 = Instant::now();
    let mut l = Lookup::new("bad..name", RecordType::A, &config(&[S1]), t0, 0);
    assert!(l.poll_transmit().is_none());
    assert_eq!(l.poll_timeout(), None);
    let err = l.result().unwrap().as_ref().unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::InvalidName);
    assert!(err.to_string().contains("\"bad..name\""));
    let mut l = Lookup::new("ok.example", RecordType::A, &ResolverConfig::new([]), t0, 0);
    assert!(l.poll_transmit().is_none());
    assert_eq!(
        l.result().unwrap().as_ref().unwrap_err().kind(),
        DnsErrorKind::NoNameservers
    );
}

#[test]
fn same_seed_same_bytes() {
    let t0 = Instant::now();
    let cfg = config(&[S1, S2]).with_rotate(true);
    let mut a = Lookup::new("det.example", RecordType::Mx, &cfg, t0, 4242);
    let mut b = Lookup::new("det.example", RecordType::Mx, &cfg, t0, 4242);
    assert_eq!(a.poll_transmit(), b.poll_transmit());
    let mut c = Lookup::new("det.example", RecordType::Mx, &cfg, t0, 4243);
    let (x, y) = (b.servers().to_vec(), c.servers().to_vec());
    let tb = Lookup::new("det.example", RecordType::Mx, &cfg, t0, 4242).poll_transmit();
    let tc = c.poll_transmit();
    assert!(
        x != y || tb != tc,
        "a different seed changes the id or the order"
    );
}

#[test]
fn transmissions_are_capped() {
    let t0 = Instant::now();
    let servers: Vec<String> = (1..=8).map(|i| format!("192.0.2.{i}:53")).collect();
    let refs: Vec<&str> = servers.iter().map(String::as_str).collect();
    let cfg = config(&refs).with_attempts(MAX_ATTEMPTS);
    let mut l = Lookup::new("x.example", RecordType::A, &cfg, t0, 1);
    let mut now = t0;
    let mut sent = 0usize;
    for _ in 0..1000 {
        let Some(tx) = l.poll_transmit() else { break };
        sent += 1;
        // Every UDP answer is truncated and every TCP connection fails.
        match tx.protocol {
            Protocol::Udp => {
                let mut r = reply_to(&tx);
                r.metadata.truncation = true;
                let _ = l.handle_udp(tx.server, &r.to_vec().unwrap(), now);
            }
            _ => {
                now += Duration::from_millis(1);
                let _ = l.handle_transport_error(tx.server, tx.protocol, "refused", now);
            }
        }
    }
    assert!(l.is_finished());
    assert_eq!(sent, MAX_TRANSMISSIONS);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..600), seed: u64) {
        let t0 = Instant::now();
        let mut l = Lookup::new("fuzz.example", RecordType::Mx, &config(&[S1]), t0, seed);
        let tx = l.poll_transmit().unwrap();
        // Raw bytes, and raw bytes behind our real id with QR set.
        let _ = l.handle_udp(sa(S1), &data, t0);
        let mut forged = data.clone();
        if forged.len() >= 12 {
            forged[0] = tx.payload[0];
            forged[1] = tx.payload[1];
            forged[2] |= 0x80;
        }
        let _ = l.handle_udp(sa(S1), &forged, t0);
        let _ = l.handle_tcp(sa(S1), &forged, t0);
        // Bounded: the lookup always ends within its capped number of tries.
        for k in 1..=(MAX_TRANSMISSIONS as u64 + 1) {
            l.handle_timeout(t0 + Duration::from_secs(2 * k));
        }
        prop_assert!(l.is_finished());
    }

    #[test]
    fn answer_records_with_mutations_never_panic(
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)
    ) {
        let t0 = Instant::now();
        let mut l = Lookup::new("m.example", RecordType::Mx, &config(&[S1]), t0, 3);
        let tx = l.poll_transmit().unwrap();
        let mut r = reply_to(&tx);
        r.add_answer(Record::from_rdata(n("m.example."), 60, RData::MX(MX::new(5, n("mx.m.example.")))));
        r.add_answer(Record::from_rdata(n("m.example."), 60, RData::CNAME(CNAME(n("m.example.")))));
        let mut bytes = r.to_vec().unwrap();
        for (pos, val) in flips {
            let i = 12 + pos % (bytes.len() - 12);
            bytes[i] = val;
        }
        let _ = l.handle_udp(sa(S1), &bytes, t0);
        for k in 1..=(MAX_TRANSMISSIONS as u64 + 1) {
            l.handle_timeout(t0 + Duration::from_secs(2 * k));
        }
        prop_assert!(l.is_finished());
    }

    #[test]
    fn parse_server_never_panics(s in "\\PC{0,64}") {
        let _ = ResolverConfig::parse_server(&s);
        let _ = ResolverConfig::from_resolv_conf(&s);
    }
}

/// A response carrying Extended DNS Errors (RFC 8914, EDNS option 15).
fn with_ede(tx: &Transmit, rcode: ResponseCode, codes: &[(u16, &str)]) -> Vec<u8> {
    use hickory_proto::op::Edns;
    use hickory_proto::rr::rdata::opt::EdnsOption;
    let mut r = reply_to(tx);
    r.metadata.response_code = rcode;
    let mut edns = Edns::new();
    for (code, text) in codes {
        let mut data = code.to_be_bytes().to_vec();
        data.extend_from_slice(text.as_bytes());
        edns.options_mut().insert(EdnsOption::Unknown(15, data));
    }
    r.set_edns(edns);
    if rcode == ResponseCode::NoError {
        r.add_answer(Record::from_rdata(
            n("example.com."),
            60,
            RData::A(A(Ipv4Addr::new(192, 0, 2, 7))),
        ));
    }
    r.to_vec().unwrap()
}

#[test]
fn queries_ask_for_authentic_data_with_edns() {
    let t0 = Instant::now();
    let mut l = Lookup::new("example.com", RecordType::A, &config(&[S1]), t0, 3);
    let q = Message::from_vec(&l.poll_transmit().unwrap().payload).unwrap();
    assert!(
        q.metadata.authentic_data,
        "AD=1 asks a validating resolver for the AD bit (RFC 6840 §5.7)"
    );
    assert!(
        q.edns.is_some(),
        "EDNS(0) is needed for the resolver to send Extended DNS Errors"
    );
}

#[test]
fn servfail_with_extended_errors_is_bogus_and_names_them() {
    let t0 = Instant::now();
    let mut l = Lookup::new(
        "example.com",
        RecordType::A,
        &config(&[S1]).with_attempts(1),
        t0,
        3,
    );
    let tx = l.poll_transmit().unwrap();
    let bytes = with_ede(
        &tx,
        ResponseCode::ServFail,
        &[(6, "validation failure <example.com. A IN>"), (22, "")],
    );
    let _ = l.handle_udp(sa(S1), &bytes, t0);
    let err = l.result().unwrap().clone().unwrap_err();
    assert!(err.is_dnssec_bogus());
    let codes: Vec<(u16, &str)> = err
        .extended_errors()
        .iter()
        .map(|e| (e.code, e.name))
        .collect();
    assert_eq!(codes, [(6, "DNSSEC Bogus"), (22, "No Reachable Authority")]);
    assert!(
        err.to_string()
            .contains("EDE 6 (DNSSEC Bogus): validation failure"),
        "{err}"
    );
}

#[test]
fn servfail_without_dnssec_codes_is_not_bogus() {
    let t0 = Instant::now();
    let mut l = Lookup::new(
        "example.com",
        RecordType::A,
        &config(&[S1]).with_attempts(1),
        t0,
        3,
    );
    let tx = l.poll_transmit().unwrap();
    let _ = l.handle_udp(
        sa(S1),
        &with_ede(&tx, ResponseCode::ServFail, &[(22, "")]),
        t0,
    );
    let err = l.result().unwrap().clone().unwrap_err();
    assert!(!err.is_dnssec_bogus());
    assert_eq!(err.extended_errors().len(), 1);
}

#[test]
fn extended_errors_kept_on_answers_and_refusals() {
    let t0 = Instant::now();
    let mut l = Lookup::new("example.com", RecordType::A, &config(&[S1]), t0, 3);
    let tx = l.poll_transmit().unwrap();
    let _ = l.handle_udp(
        sa(S1),
        &with_ede(&tx, ResponseCode::NoError, &[(3, "stale")]),
        t0,
    );
    let answer = l.result().unwrap().clone().unwrap();
    assert_eq!(answer.extended_errors[0].name, "Stale Answer");

    let mut l = Lookup::new("example.com", RecordType::A, &config(&[S1]), t0, 3);
    let tx = l.poll_transmit().unwrap();
    let _ = l.handle_udp(
        sa(S1),
        &with_ede(&tx, ResponseCode::Refused, &[(18, "")]),
        t0,
    );
    let err = l.result().unwrap().clone().unwrap_err();
    assert_eq!(err.kind(), DnsErrorKind::Refused);
    assert_eq!(err.extended_errors()[0].name, "Prohibited");
}
