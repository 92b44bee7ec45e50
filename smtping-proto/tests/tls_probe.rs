//! The raw ClientHello builder and the server-flight reader of `tls_probe`.

use proptest::prelude::*;
use smtping_proto::tls_probe::{
    AlertDescription, AlertLevel, ClientHelloSpec, HelloError, KeyExchangeParams, ProbeVersion,
    ReadError, ReadStatus, ReaderLimits, SUITES, ServerFlight, ServerReader, SuiteClass, Verdict,
    suite, suite_codes,
};

// ---------------------------------------------------------------- hello layout

/// Walks a ClientHello record and returns (record version, client version, session id
/// length, suites, extensions as (type, data)).
#[allow(clippy::type_complexity)]
fn walk_hello(bytes: &[u8]) -> (u16, u16, usize, Vec<u16>, Vec<(u16, Vec<u8>)>) {
    assert_eq!(bytes[0], 22, "handshake record");
    let record_version = u16::from_be_bytes([bytes[1], bytes[2]]);
    let record_len = usize::from(u16::from_be_bytes([bytes[3], bytes[4]]));
    assert_eq!(record_len, bytes.len() - 5, "record length");
    let hs = &bytes[5..];
    assert_eq!(hs[0], 1, "client_hello");
    let hs_len = (usize::from(hs[1]) << 16) | (usize::from(hs[2]) << 8) | usize::from(hs[3]);
    assert_eq!(hs_len, hs.len() - 4, "handshake length");
    let b = &hs[4..];
    let client_version = u16::from_be_bytes([b[0], b[1]]);
    let mut at = 34;
    let sid = usize::from(b[at]);
    at += 1 + sid;
    let n = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
    at += 2;
    let suites = b[at..at + n]
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    at += n;
    assert_eq!(&b[at..at + 2], &[1, 0], "null compression only");
    at += 2;
    let mut exts = Vec::new();
    if at < b.len() {
        let total = usize::from(u16::from_be_bytes([b[at], b[at + 1]]));
        at += 2;
        assert_eq!(total, b.len() - at, "extensions length");
        while at < b.len() {
            let kind = u16::from_be_bytes([b[at], b[at + 1]]);
            let len = usize::from(u16::from_be_bytes([b[at + 2], b[at + 3]]));
            exts.push((kind, b[at + 4..at + 4 + len].to_vec()));
            at += 4 + len;
        }
    }
    (record_version, client_version, sid, suites, exts)
}

#[test]
fn sslv3_hello_is_byte_exact_apart_from_the_random() {
    let spec = ClientHelloSpec::new(ProbeVersion::Ssl3, vec![0x000A, 0x002F]);
    let bytes = spec.build(&[1; 32]).unwrap();
    assert_eq!(
        &bytes[..11],
        &[
            0x16, 0x03, 0x00, 0x00, 0x31, 0x01, 0x00, 0x00, 0x2d, 0x03, 0x00
        ]
    );
    assert_eq!(
        &bytes[43..],
        &[
            0x00, 0x00, 0x06, 0x00, 0x0a, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00
        ],
        "no session id, the suites and the SCSV, null compression, no extensions"
    );
    assert_eq!(bytes.len(), 54);
}

#[test]
fn tls12_hello_carries_sni_groups_point_formats_and_signature_algorithms() {
    let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0xC02F, 0x009C])
        .server_name("mx.example.org.");
    let bytes = spec.build(&[9; 32]).unwrap();
    let (record_version, version, sid, suites, exts) = walk_hello(&bytes);
    assert_eq!((record_version, version, sid), (0x0301, 0x0303, 0));
    assert_eq!(suites, vec![0xC02F, 0x009C, 0x00FF]);
    let kinds: Vec<u16> = exts.iter().map(|e| e.0).collect();
    assert_eq!(&kinds[..5], &[0, 10, 11, 13, 23]);
    // SNI: list length, host_name type, name length, the name without its trailing dot.
    let mut sni = vec![0, 17, 0, 0, 14];
    sni.extend_from_slice(b"mx.example.org");
    assert_eq!(exts[0].1, sni);
    assert_eq!(exts[1].1, [0, 10, 0, 29, 0, 23, 0, 24, 0, 25, 0, 30]);
    assert_eq!(exts[2].1, [1, 0]);
    assert_eq!(
        &exts[3].1[2..4],
        &[0x04, 0x03],
        "ecdsa_secp256r1_sha256 first"
    );
    let hs_len = bytes.len() - 5;
    assert!(
        !(256..512).contains(&hs_len),
        "padded out of the F5 range: {hs_len}"
    );
}

#[test]
fn tls10_hello_has_no_signature_algorithms() {
    let spec = ClientHelloSpec::new(ProbeVersion::Tls10, vec![0x002F]);
    let (_, version, _, _, exts) = walk_hello(&spec.build(&[0; 32]).unwrap());
    assert_eq!(version, 0x0301);
    assert!(exts.iter().all(|e| e.0 != 13));
    assert!(exts.iter().any(|e| e.0 == 10));
}

#[test]
fn tls13_hello_offers_supported_versions_and_an_x25519_key_share() {
    let spec = ClientHelloSpec::new(ProbeVersion::Tls13, vec![0x1301, 0x1302]);
    let (_, version, sid, suites, exts) = walk_hello(&spec.build(&[3; 32]).unwrap());
    assert_eq!((version, sid), (0x0303, 32));
    assert_eq!(suites, vec![0x1301, 0x1302], "no SCSV in 1.3");
    let sv = exts.iter().find(|e| e.0 == 43).unwrap();
    assert_eq!(sv.1, [2, 3, 4]);
    let ks = exts.iter().find(|e| e.0 == 51).unwrap();
    assert_eq!(&ks.1[..6], &[0, 36, 0, 29, 0, 32]);
    assert_eq!(ks.1.len(), 38);
}

#[test]
fn hellos_are_deterministic_per_seed() {
    let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0xC02F]);
    assert_eq!(spec.build(&[5; 32]).unwrap(), spec.build(&[5; 32]).unwrap());
    assert_ne!(spec.build(&[5; 32]).unwrap(), spec.build(&[6; 32]).unwrap());
}

#[test]
fn hello_errors() {
    assert_eq!(
        ClientHelloSpec::new(ProbeVersion::Tls12, vec![]).build(&[0; 32]),
        Err(HelloError::NoSuites)
    );
    for bad in ["192.0.2.1", "bad name", "a..b", ""] {
        let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0x002F]).server_name(bad);
        assert!(
            matches!(spec.build(&[0; 32]), Err(HelloError::InvalidServerName(_))),
            "{bad}"
        );
    }
    let many = ClientHelloSpec::new(ProbeVersion::Tls12, (0..300).collect());
    assert!(matches!(
        many.build(&[0; 32]),
        Err(HelloError::TooManySuites { count: 300 })
    ));
    let no_x25519 = ClientHelloSpec::new(ProbeVersion::Tls13, vec![0x1301]).groups(vec![23]);
    assert_eq!(no_x25519.build(&[0; 32]), Err(HelloError::NoKeyShareGroup));
}

#[test]
fn every_table_suite_fits_one_hello() {
    let spec = ClientHelloSpec::new(ProbeVersion::Tls12, suite_codes(|_| true));
    let (_, _, _, suites, _) = walk_hello(&spec.build(&[0; 32]).unwrap());
    assert_eq!(suites.len(), SUITES.len() + 1);
    let mut codes: Vec<u16> = SUITES.iter().map(|s| s.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), SUITES.len(), "no duplicate codes in the table");
}

#[test]
fn suite_table_classes() {
    assert_eq!(suite(0x0001).unwrap().class, SuiteClass::Null);
    assert_eq!(suite(0x0018).unwrap().class, SuiteClass::Anonymous);
    assert_eq!(suite(0x0003).unwrap().class, SuiteClass::Export);
    assert_eq!(suite(0x000A).unwrap().class, SuiteClass::TripleDes);
    assert_eq!(suite(0x002F).unwrap().class, SuiteClass::CbcSha1);
    assert_eq!(suite(0xC027).unwrap().class, SuiteClass::CbcSha2);
    let gcm = suite(0xC02F).unwrap();
    assert!(gcm.forward_secrecy() && gcm.needs_tls12() && gcm.class == SuiteClass::Aead);
    assert!(!suite(0x009C).unwrap().forward_secrecy());
    assert!(suite(0x1301).unwrap().tls13_only());
}

// ---------------------------------------------------------------- server answers

fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn record(kind: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn server_hello(version: u16, suite: u16, exts: &[(u16, Vec<u8>)], random: [u8; 32]) -> Vec<u8> {
    let mut b = version.to_be_bytes().to_vec();
    b.extend_from_slice(&random);
    b.push(32);
    b.extend_from_slice(&[0xAB; 32]);
    b.extend_from_slice(&suite.to_be_bytes());
    b.push(0);
    if !exts.is_empty() {
        let mut e = Vec::new();
        for (kind, data) in exts {
            e.extend_from_slice(&kind.to_be_bytes());
            e.extend_from_slice(&(data.len() as u16).to_be_bytes());
            e.extend_from_slice(data);
        }
        b.extend_from_slice(&(e.len() as u16).to_be_bytes());
        b.extend_from_slice(&e);
    }
    handshake(2, &b)
}

fn certificate(certs: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for c in certs {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
    }
    let mut b = (list.len() as u32).to_be_bytes()[1..].to_vec();
    b.extend_from_slice(&list);
    handshake(11, &b)
}

fn ecdhe_key_exchange(group: u16) -> Vec<u8> {
    let mut b = vec![3];
    b.extend_from_slice(&group.to_be_bytes());
    b.push(32);
    b.extend_from_slice(&[7; 32]);
    b.extend_from_slice(&[4, 3, 0, 2, 0, 0]); // signature (not checked)
    handshake(12, &b)
}

/// A TLS 1.2 ECDHE-RSA flight: hello, two certificates, key exchange, done; the messages
/// packed into records of at most `chunk` bytes.
fn tls12_flight(chunk: usize) -> Vec<u8> {
    let mut messages = server_hello(
        0x0303,
        0xC02F,
        &[(0xFF01, vec![0]), (11, vec![1, 0])],
        [1; 32],
    );
    messages.extend(certificate(&[b"leaf-der", b"intermediate-der"]));
    messages.extend(ecdhe_key_exchange(29));
    messages.extend(handshake(14, &[]));
    messages
        .chunks(chunk)
        .flat_map(|c| record(22, 0x0303, c))
        .collect()
}

fn read_all(bytes: &[u8], splits: &[usize]) -> Result<ServerFlight, ReadError> {
    let mut reader = ServerReader::new();
    let mut last = 0;
    for &at in splits.iter().chain(std::iter::once(&bytes.len())) {
        if reader.push(&bytes[last..at])? == ReadStatus::Complete {
            return Ok(reader.into_flight());
        }
        last = at;
    }
    reader.handle_eof()?;
    Ok(reader.into_flight())
}

fn check_tls12(flight: &ServerFlight) {
    let hello = flight.server_hello.as_ref().unwrap();
    assert_eq!((hello.version, hello.cipher_suite), (0x0303, 0xC02F));
    assert!(hello.secure_renegotiation());
    assert_eq!(hello.extensions, vec![0xFF01, 11]);
    let cert = flight.certificate.as_ref().unwrap();
    assert_eq!(cert.leaf.as_deref(), Some(&b"leaf-der"[..]));
    assert_eq!(cert.chain_length, 2);
    assert_eq!(flight.key_exchange, Some(KeyExchangeParams::NamedGroup(29)));
    assert!(flight.hello_done);
    let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0xC030, 0xC02F]);
    assert_eq!(
        flight.verdict(&spec),
        Some(Verdict::Accepted {
            version: ProbeVersion::Tls12,
            suite: 0xC02F
        })
    );
}

#[test]
fn tls12_flight_in_one_record_read_at_every_split() {
    let bytes = tls12_flight(usize::MAX >> 1);
    for at in 0..=bytes.len() {
        check_tls12(&read_all(&bytes, &[at]).unwrap());
    }
}

#[test]
fn tls12_flight_with_messages_split_across_records_read_byte_by_byte() {
    for chunk in [1, 7, 50] {
        let bytes = tls12_flight(chunk);
        let splits: Vec<usize> = (1..bytes.len()).collect();
        check_tls12(&read_all(&bytes, &splits).unwrap());
        for at in 0..=bytes.len() {
            check_tls12(&read_all(&bytes, &[at]).unwrap());
        }
    }
}

#[test]
fn fatal_alert_is_a_refusal() {
    let bytes = record(21, 0x0301, &[2, 70]);
    let flight = read_all(&bytes, &[3]).unwrap();
    let alert = flight.alert.unwrap();
    assert_eq!(alert.level, AlertLevel::Fatal);
    assert_eq!(alert.description, AlertDescription::ProtocolVersion);
    assert_eq!(alert.description.name(), "protocol_version");
    let spec = ClientHelloSpec::new(ProbeVersion::Tls11, vec![0x002F]);
    assert_eq!(flight.verdict(&spec), Some(Verdict::Refused(alert)));
}

#[test]
fn warning_alert_before_the_hello_does_not_end_the_flight() {
    let mut bytes = record(21, 0x0303, &[1, 112]);
    bytes.extend(tls12_flight(100));
    let flight = read_all(&bytes, &[]).unwrap();
    assert_eq!(flight.warnings.len(), 1);
    assert_eq!(
        flight.warnings[0].description,
        AlertDescription::UnrecognizedName
    );
    check_tls12(&flight);
}

#[test]
fn tls13_server_hello_completes_the_flight() {
    let mut ks = 29u16.to_be_bytes().to_vec();
    ks.extend_from_slice(&32u16.to_be_bytes());
    ks.extend_from_slice(&[9; 32]);
    let sh = server_hello(0x0303, 0x1301, &[(43, vec![3, 4]), (51, ks)], [2; 32]);
    let mut bytes = record(22, 0x0303, &sh);
    bytes.extend(record(20, 0x0303, &[1]));
    bytes.extend(record(23, 0x0303, &[0; 40]));
    let mut reader = ServerReader::new();
    assert_eq!(reader.push(&bytes).unwrap(), ReadStatus::Complete);
    let flight = reader.into_flight();
    let hello = flight.server_hello.as_ref().unwrap();
    assert_eq!((hello.version, hello.key_share_group), (0x0304, Some(29)));
    let spec = ClientHelloSpec::new(ProbeVersion::Tls13, vec![0x1301]);
    assert!(matches!(
        flight.verdict(&spec),
        Some(Verdict::Accepted { .. })
    ));
}

#[test]
fn hello_retry_request_is_recognised() {
    let hrr_random = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8,
        0x91, 0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8,
        0x33, 0x9C,
    ];
    let sh = server_hello(
        0x0303,
        0x1302,
        &[(43, vec![3, 4]), (51, vec![0, 23])],
        hrr_random,
    );
    let flight = read_all(&record(22, 0x0303, &sh), &[]).unwrap();
    let hello = flight.server_hello.unwrap();
    assert!(hello.hello_retry);
    assert_eq!(hello.key_share_group, Some(23));
}

#[test]
fn dhe_prime_size_and_rsa_export_key_size() {
    for (prime_len, first, bits) in [
        (256usize, 0xFFu8, 2048u32),
        (129, 0x00, 1024),
        (128, 0x01, 1017),
    ] {
        let mut ske = (prime_len as u16).to_be_bytes().to_vec();
        let mut prime = vec![0xAA; prime_len];
        prime[0] = first;
        if first == 0 {
            prime[1] = 0x80;
        }
        ske.extend_from_slice(&prime);
        ske.extend_from_slice(&[0, 1, 2, 0, 1, 5]); // g, Ys
        let mut msgs = server_hello(0x0301, 0x0039, &[], [3; 32]);
        msgs.extend(certificate(&[b"c"]));
        msgs.extend(handshake(12, &ske));
        msgs.extend(handshake(14, &[]));
        let flight = read_all(&record(22, 0x0301, &msgs), &[]).unwrap();
        assert_eq!(
            flight.key_exchange,
            Some(KeyExchangeParams::Dhe { prime_bits: bits })
        );
    }
    let mut ske = 64u16.to_be_bytes().to_vec();
    ske.extend_from_slice(&[0xC0; 64]);
    ske.extend_from_slice(&[0, 1, 3]);
    let mut msgs = server_hello(0x0300, 0x0003, &[], [3; 32]);
    msgs.extend(handshake(12, &ske));
    msgs.extend(handshake(14, &[]));
    let flight = read_all(&record(22, 0x0300, &msgs), &[]).unwrap();
    assert_eq!(
        flight.key_exchange,
        Some(KeyExchangeParams::RsaExport { modulus_bits: 512 })
    );
}

#[test]
fn other_version_and_invalid_answers() {
    let msgs = [
        server_hello(0x0301, 0x002F, &[], [4; 32]),
        handshake(14, &[]),
    ]
    .concat();
    let flight = read_all(&record(22, 0x0301, &msgs), &[]).unwrap();
    let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0x002F]);
    assert_eq!(
        flight.verdict(&spec),
        Some(Verdict::OtherVersion {
            version: 0x0301,
            suite: 0x002F
        })
    );
    let not_offered = ClientHelloSpec::new(ProbeVersion::Tls10, vec![0x0035]);
    assert!(matches!(
        flight.verdict(&not_offered),
        Some(Verdict::Invalid(_))
    ));
    let lower = ClientHelloSpec::new(ProbeVersion::Ssl3, vec![0x002F]);
    assert!(matches!(flight.verdict(&lower), Some(Verdict::Invalid(_))));
}

#[test]
fn garbage_and_protocol_violations_are_typed_errors() {
    let mut reader = ServerReader::new();
    assert!(matches!(
        reader.push(b"454 4.7.0 TLS not available\r\n"),
        Err(ReadError::NotTls { .. })
    ));
    let mut reader = ServerReader::new();
    assert!(matches!(
        reader.push(&[22, 3, 1, 0xFF, 0xFF]),
        Err(ReadError::RecordTooLong { len: 65535, .. })
    ));
    let mut reader = ServerReader::new();
    assert_eq!(
        reader.push(&record(23, 0x0303, &[0; 4])),
        Err(ReadError::UnexpectedRecord(23))
    );
    let mut reader = ServerReader::new();
    assert_eq!(
        reader.push(&record(22, 0x0303, &certificate(&[b"x"]))),
        Err(ReadError::UnexpectedMessage(11))
    );
    let mut reader = ServerReader::new();
    assert!(matches!(
        reader.push(&record(22, 0x0303, &handshake(2, &[3, 3, 0]))),
        Err(ReadError::Malformed(_))
    ));
    let mut reader = ServerReader::new();
    reader.push(&[22, 3, 3]).unwrap();
    assert_eq!(
        reader.handle_eof(),
        Err(ReadError::Truncated("before its ServerHello"))
    );
    // Records that never end the flight hit the byte cap.
    let mut reader = ServerReader::with_limits(ReaderLimits {
        max_total: 1000,
        ..ReaderLimits::default()
    });
    let hello = record(22, 0x0303, &server_hello(0x0303, 0xC02F, &[], [0; 32]));
    reader.push(&hello).unwrap();
    let status = (0..100).try_for_each(|_| {
        reader
            .push(&record(22, 0x0303, &handshake(22, &[0; 40])))
            .map(|_| ())
    });
    assert_eq!(status, Err(ReadError::LimitExceeded { limit: 1000 }));
    assert!(
        reader.flight().server_hello.is_some(),
        "what was read stays readable"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048), split in 0usize..2048) {
        let split = split.min(bytes.len());
        let mut reader = ServerReader::new();
        if reader.push(&bytes[..split]).is_ok() {
            let _ = reader.push(&bytes[split..]);
        }
        let _ = reader.handle_eof();
        let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0xC02F]);
        let _ = reader.flight().verdict(&spec);
    }

    #[test]
    fn handshake_records_with_random_bodies_never_panic(kind in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut bytes = record(22, 0x0303, &server_hello(0x0303, 0x0039, &[], [0; 32]));
        bytes.extend(record(22, 0x0303, &handshake(kind, &body)));
        let mut reader = ServerReader::new();
        let _ = reader.push(&bytes);
    }

    #[test]
    fn random_splits_read_the_same_flight(mut splits in proptest::collection::vec(0usize..600, 0..12), chunk in 1usize..120) {
        let bytes = tls12_flight(chunk);
        for s in &mut splits { *s = (*s).min(bytes.len()); }
        splits.sort_unstable();
        check_tls12(&read_all(&bytes, &splits).unwrap());
    }

    #[test]
    fn any_hello_spec_builds_a_well_formed_record(version in 0usize..5, n in 1usize..100, seed in any::<[u8; 32]>()) {
        let version = ProbeVersion::ALL[version];
        let suites: Vec<u16> = SUITES.iter().take(n).map(|s| s.code).collect();
        let bytes = ClientHelloSpec::new(version, suites).server_name("mx.example.org").build(&seed).unwrap();
        let _ = walk_hello(&bytes);
    }
}
