//! Unit tests of `verify` (kept beside it, in its own file).

use super::*;

#[test]
fn a_poisoned_record_lock_does_not_panic_the_reader() {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let handle = VerificationHandle::new();
    let verifier = DiagnosingVerifier::new(
        Arc::new(RootCertStore::empty()),
        &provider,
        VerifyMode::Diagnose,
        handle.clone(),
    );
    let poisoner = handle.clone();
    let joined = std::thread::spawn(move || {
        let _guard = poisoner.0.lock();
        panic!("poisoning the record lock on purpose");
    })
    .join();
    assert!(joined.is_err());
    assert!(handle.0.is_poisoned());
    assert!(handle.get().is_none());

    let name = ServerName::try_from("mx.test").unwrap();
    let garbage = CertificateDer::from(vec![0x30, 0x00]);
    let accepted = verifier.verify_server_cert(&garbage, &[], &name, &[], UnixTime::now());
    assert!(accepted.is_ok(), "diagnose mode lets the handshake go on");
    let record = handle
        .get()
        .expect("record written through the poisoned lock");
    assert_eq!(record.verification, Verification::Invalid);
    assert!(record.accepted);
    assert!(handle.take().is_some());
    assert!(handle.get().is_none());
}

#[test]
fn precedence_is_a_total_order_over_problems() {
    let mut ranks: Vec<u8> = Verification::ALL.iter().map(|v| v.precedence()).collect();
    ranks.sort_unstable();
    ranks.dedup();
    assert_eq!(ranks.len(), Verification::ALL.len());
    assert_eq!(Verification::Valid.precedence(), 7);
    for verdict in Verification::ALL {
        assert!(!verdict.remediation().is_empty());
        assert_eq!(verdict.to_string(), verdict.as_str());
    }
}
