//! Unit tests of the DANE verdict with rcgen certificates and real TLSA digests.

use rustls_pki_types::CertificateDer;
use smtping_proto::dns::Tlsa;
use smtping_testkit::certs::{Scenario, ServerCert, TestPki};

use super::*;

const HOST: &str = "mx.example.test";

fn record(usage: u8, selector: u8, matching: u8, cert: &[u8]) -> Tlsa {
    Tlsa {
        usage,
        selector,
        matching,
        data: association_data(cert, selector, matching).unwrap(),
    }
}

fn setup(scenario: Scenario) -> (TestPki, ServerCert, u64) {
    let pki = TestPki::new().unwrap();
    let server = pki.server_cert(scenario, &[HOST]).unwrap();
    let now = unix_seconds(pki.reference_time());
    (pki, server, now)
}

fn leaf(server: &ServerCert) -> &[u8] {
    server.chain[0].as_ref()
}

fn ids(v: &DaneVerdict) -> Vec<&'static str> {
    v.problems.iter().map(DaneProblem::finding_id).collect()
}

#[test]
fn dane_ee_matches_every_selector_and_matching_type() {
    let (_pki, server, now) = setup(Scenario::Valid);
    for selector in 0..=1 {
        for matching in 0..=2 {
            let tlsa = [record(3, selector, matching, leaf(&server))];
            let v = verdict(&tlsa, &server.chain, HOST, now);
            assert_eq!(
                v.outcome,
                DaneOutcome::Authenticated,
                "3 {selector} {matching}"
            );
            assert_eq!(v.matched, Some(0));
            assert_eq!(v.records[0].matched_depth, Some(0));
            assert_eq!(v.matched_flag(), Some(true));
        }
    }
}

#[test]
fn dane_ee_ignores_names_and_dates() {
    // RFC 7672 §3.1.1: the key is what counts.
    for scenario in [
        Scenario::HostnameMismatch,
        Scenario::Expired,
        Scenario::SelfSigned,
    ] {
        let (_pki, server, now) = setup(scenario);
        let tlsa = [record(3, 1, 1, leaf(&server))];
        let v = verdict(&tlsa, &server.chain, "other.example.test", now);
        assert_eq!(v.outcome, DaneOutcome::Authenticated, "{scenario:?}");
    }
}

#[test]
fn dane_ee_does_not_match_the_issuer_or_another_key() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let (_, other, _) = setup(Scenario::Valid);
    let issuer = server.chain[1].as_ref();
    for tlsa in [record(3, 1, 1, issuer), record(3, 1, 1, leaf(&other))] {
        let v = verdict(&[tlsa], &server.chain, HOST, now);
        assert_eq!(v.outcome, DaneOutcome::Failed);
        assert_eq!(v.matched_flag(), Some(false));
        assert!(ids(&v).contains(&"dane.mismatch"), "{:?}", ids(&v));
    }
}

#[test]
fn a_flipped_digest_byte_fails() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let mut tlsa = record(3, 0, 2, leaf(&server));
    tlsa.data[10] ^= 1;
    assert_eq!(
        verdict(&[tlsa], &server.chain, HOST, now).outcome,
        DaneOutcome::Failed
    );
}

#[test]
fn dane_ta_matches_the_issuer_and_checks_names_and_dates() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let issuer = server.chain[1].as_ref();
    for (selector, matching) in [(0, 0), (0, 1), (1, 1), (1, 2)] {
        let tlsa = [record(2, selector, matching, issuer)];
        let v = verdict(&tlsa, &server.chain, HOST, now);
        assert_eq!(
            v.outcome,
            DaneOutcome::Authenticated,
            "2 {selector} {matching}"
        );
        assert_eq!(v.records[0].matched_depth, Some(1));
        // Case and a trailing dot do not matter.
        let v = verdict(&tlsa, &server.chain, "MX.Example.Test.", now);
        assert_eq!(v.outcome, DaneOutcome::Authenticated);
    }
    let tlsa = [record(2, 1, 1, issuer)];
    let v = verdict(&tlsa, &server.chain, "other.example.test", now);
    assert_eq!(v.outcome, DaneOutcome::Failed);
    assert_eq!(v.records[0].matched_depth, Some(1));
    let failure = v.records[0].failure.as_deref().unwrap();
    assert!(failure.contains("not other.example.test"), "{failure}");
    assert!(ids(&v).contains(&"dane.ta_chain_invalid"));

    // The MX/TLSA base domain or the next-hop domain may be the reference name.
    let v = verdict_for_names(&tlsa, &server.chain, &["example.test", HOST], now);
    assert_eq!(v.outcome, DaneOutcome::Authenticated);
}

#[test]
fn dane_ta_refuses_expired_and_forged_leaves() {
    for scenario in [
        Scenario::Expired,
        Scenario::NotYetValid,
        Scenario::BadSignature,
    ] {
        let (_pki, server, now) = setup(scenario);
        let tlsa = [record(2, 1, 1, server.chain[1].as_ref())];
        let v = verdict(&tlsa, &server.chain, HOST, now);
        assert_eq!(v.outcome, DaneOutcome::Failed, "{scenario:?}");
        let failure = v.records[0].failure.as_deref().unwrap();
        assert!(
            failure.contains("does not validate"),
            "{scenario:?}: {failure}"
        );
    }
}

#[test]
fn dane_ta_is_never_the_leaf_itself() {
    // A `2 x x` record for the leaf does not make the leaf its own trust anchor.
    let (_pki, server, now) = setup(Scenario::SelfSigned);
    let tlsa = [record(2, 1, 1, leaf(&server))];
    let v = verdict(&tlsa, &server.chain, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::Failed);
    assert_eq!(v.records[0].matched_depth, None);
}

#[test]
fn dane_ta_full_certificate_may_be_absent_from_the_chain() {
    // `2 0 0` carries the whole anchor: the root the server does not send.
    let (pki, server, now) = setup(Scenario::Valid);
    let root: CertificateDer<'static> = pki.ca_cert_der();
    let tlsa = [record(2, 0, 0, root.as_ref())];
    let v = verdict(&tlsa, &server.chain, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::Authenticated, "{:?}", v.records);
    assert_eq!(v.records[0].matched_depth, Some(2));
    // A digest of the absent root cannot be matched.
    let tlsa = [record(2, 0, 1, root.as_ref())];
    assert_eq!(
        verdict(&tlsa, &server.chain, HOST, now).outcome,
        DaneOutcome::Failed
    );
    // The root sent in the chain matches at depth 2 by digest.
    let mut chain = server.chain.clone();
    chain.push(root.clone());
    let v = verdict(&tlsa, &chain, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::Authenticated);
    assert_eq!(v.records[0].matched_depth, Some(2));
}

#[test]
fn pkix_and_unknown_parameters_are_unusable() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let l = leaf(&server);
    let tlsa = [
        record(1, 1, 1, l),
        record(0, 1, 1, server.chain[1].as_ref()),
        Tlsa {
            usage: 3,
            selector: 2,
            matching: 1,
            data: vec![0; 32],
        },
        Tlsa {
            usage: 3,
            selector: 1,
            matching: 9,
            data: vec![0; 32],
        },
        Tlsa {
            usage: 4,
            selector: 1,
            matching: 1,
            data: vec![0; 32],
        },
        Tlsa {
            usage: 3,
            selector: 1,
            matching: 2,
            data: vec![0; 32],
        },
    ];
    let v = verdict(&tlsa, &server.chain, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::NoUsableRecords);
    assert_eq!(v.matched_flag(), None);
    assert!(!v.usable());
    let reasons: Vec<Option<Unusable>> = v.records.iter().map(|r| r.unusable).collect();
    assert_eq!(
        reasons,
        [
            Some(Unusable::PkixUsage),
            Some(Unusable::PkixUsage),
            Some(Unusable::UnknownSelector),
            Some(Unusable::UnknownMatching),
            Some(Unusable::UnknownUsage),
            Some(Unusable::BadDigestLength),
        ]
    );
    // A PKIX-EE record matching the leaf still does not authenticate it.
    assert!(v.records.iter().all(|r| r.matched_depth.is_none()));
    assert_eq!(
        ids(&v),
        [
            "dane.pkix_usage",
            "dane.unknown_parameters",
            "dane.no_usable_tlsa"
        ]
    );
}

#[test]
fn unusable_records_beside_a_usable_one_do_not_hide_a_match() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let tlsa = [
        record(1, 1, 1, leaf(&server)),
        record(3, 1, 1, leaf(&server)),
    ];
    let v = verdict(&tlsa, &server.chain, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::Authenticated);
    assert_eq!(v.matched, Some(1));
}

#[test]
fn rollover_schemes_are_noted() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let (_, next, _) = setup(Scenario::Valid);
    let l = leaf(&server);
    let issuer = server.chain[1].as_ref();
    let cases: [(Vec<Tlsa>, Rollover); 5] = [
        (vec![record(3, 1, 1, l)], Rollover::None),
        (vec![record(3, 1, 1, l), record(3, 1, 1, l)], Rollover::None),
        (
            vec![record(3, 1, 1, l), record(3, 1, 1, leaf(&next))],
            Rollover::TwoDaneEe,
        ),
        (
            vec![record(3, 1, 1, l), record(2, 1, 1, issuer)],
            Rollover::DaneEeAndDaneTa,
        ),
        (
            vec![
                record(2, 1, 1, issuer),
                record(2, 1, 1, next.chain[1].as_ref()),
            ],
            Rollover::MultipleDaneTa,
        ),
    ];
    for (tlsa, want) in cases {
        let v = verdict(&tlsa, &server.chain, HOST, now);
        assert_eq!(v.rollover, want);
        assert_eq!(v.outcome, DaneOutcome::Authenticated);
        assert_eq!(
            ids(&v).contains(&"dane.no_rollover"),
            want == Rollover::None
        );
    }
}

#[test]
fn no_records_no_chain_and_garbage() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let v = verdict(&[], &server.chain, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::NoRecords);
    assert!(v.problems.is_empty());
    let tlsa = [record(3, 1, 1, leaf(&server))];
    let none: [&[u8]; 0] = [];
    let v = verdict(&tlsa, &none, HOST, now);
    assert_eq!(v.outcome, DaneOutcome::Failed);
    assert!(ids(&v).contains(&"dane.no_certificate"));
    let junk: [&[u8]; 2] = [b"\x30\x82\xff\xff", b""];
    let tlsa = [
        record(3, 1, 1, leaf(&server)),
        record(2, 1, 1, leaf(&server)),
    ];
    assert_eq!(
        verdict(&tlsa, &junk, HOST, now).outcome,
        DaneOutcome::Failed
    );
}

#[test]
fn too_many_records_are_bounded() {
    let (_pki, server, now) = setup(Scenario::Valid);
    let mut tlsa = vec![
        Tlsa {
            usage: 3,
            selector: 1,
            matching: 1,
            data: vec![0; 32],
        };
        MAX_TLSA_RECORDS + 5
    ];
    tlsa.push(record(3, 1, 1, leaf(&server)));
    let v = verdict(&tlsa, &server.chain, HOST, now);
    assert_eq!(v.records.len(), MAX_TLSA_RECORDS);
    assert_eq!(
        v.outcome,
        DaneOutcome::Failed,
        "the match past the limit is not examined"
    );
    assert!(ids(&v).contains(&"dane.too_many_records"));
}

#[test]
fn finding_ids_are_dotted_and_problems_speak() {
    let all = [
        DaneProblem::NoUsableRecords { count: 1 },
        DaneProblem::PkixUsage { count: 1 },
        DaneProblem::UnknownParameters { count: 1 },
        DaneProblem::Mismatch { usable: 1 },
        DaneProblem::TrustAnchorChainInvalid {
            index: 0,
            detail: "x".into(),
        },
        DaneProblem::NoCertificate,
        DaneProblem::NoRollover,
        DaneProblem::TooManyRecords {
            count: 40,
            limit: 32,
        },
        DaneProblem::LookupFailed {
            name: "_25._tcp.mx".into(),
            detail: "SERVFAIL".into(),
        },
        DaneProblem::InsecureRecords {
            name: "_25._tcp.mx".into(),
        },
    ];
    let mut seen = std::collections::HashSet::new();
    for p in &all {
        assert!(p.finding_id().starts_with("dane."));
        assert!(seen.insert(p.finding_id()), "duplicate {}", p.finding_id());
        assert!(!p.to_string().is_empty() && !p.remediation().is_empty());
        let _ = p.severity();
    }
}

#[test]
fn tlsa_view_is_hex() {
    let v = TlsaView::from(&Tlsa {
        usage: 3,
        selector: 1,
        matching: 1,
        data: vec![0x0a, 0xff],
    });
    assert_eq!(v.data, "0aff");
}

mod hostile {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Any records and any bytes as a chain: a verdict, never a panic, and never
        /// "authenticated" without a usable record.
        #[test]
        fn arbitrary_input_never_panics(
            records in proptest::collection::vec(
                (0u8..6, 0u8..3, 0u8..4, proptest::collection::vec(any::<u8>(), 0..80)),
                0..6,
            ),
            chain in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..4),
            now in any::<u64>(),
        ) {
            let tlsa: Vec<Tlsa> = records
                .into_iter()
                .map(|(usage, selector, matching, data)| Tlsa { usage, selector, matching, data })
                .collect();
            let v = verdict(&tlsa, &chain, "mx.example.test", now);
            if v.outcome == DaneOutcome::Authenticated {
                prop_assert!(v.usable());
            }
            prop_assert_eq!(v.records.len(), tlsa.len());
        }
    }

    #[test]
    fn exact_match_of_arbitrary_bytes_as_a_leaf() {
        // `3 0 0` compares bytes, even when they are not a certificate.
        let tlsa = [Tlsa {
            usage: 3,
            selector: 0,
            matching: 0,
            data: b"opaque".to_vec(),
        }];
        let chain: [&[u8]; 1] = [b"opaque"];
        assert_eq!(
            verdict(&tlsa, &chain, HOST, 0).outcome,
            DaneOutcome::Authenticated
        );
    }
}
