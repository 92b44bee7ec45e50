//! Unit tests of `error` (kept beside it, in its own file).

use super::*;

fn q() -> Question {
    Question {
        name: "example.com".into(),
        record_type: RecordType::Mx,
    }
}

#[test]
fn messages_name_query_and_server() {
    let server: SocketAddr = "192.0.2.53:53".parse().unwrap();
    let e = DnsError::NxDomain {
        question: q(),
        server,
        authentic_data: false,
        negative_ttl: None,
        extended_errors: Default::default(),
    };
    assert_eq!(
        e.to_string(),
        "DNS example.com MX: the name does not exist (NXDOMAIN from 192.0.2.53:53)"
    );
    assert!(e.is_definitive());
    let e = DnsError::Timeout {
        question: q(),
        servers: vec![server, "[::1]:53".parse().unwrap()],
        transmissions: 4,
    };
    assert_eq!(
        e.to_string(),
        "DNS example.com MX: no answer from 192.0.2.53:53, [::1]:53 after 4 queries (timeout)"
    );
    assert_eq!(e.kind().as_str(), "timeout");
    assert!(!e.is_definitive());
    let e = DnsError::ServerError {
        question: q(),
        server,
        rcode: 4,
    };
    assert!(e.to_string().contains("NOTIMP (rcode 4)"));
    assert_eq!(e.server(), Some(server));
}
