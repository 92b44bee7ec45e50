//! Fuzz the DMARC and DKIM record grammars of smtping-signals: never panic, whatever the
//! TXT text; a record that parses starts with `v=DMARC1` and keeps its invariants
//! (effective policies follow p/sp/np, pct within 0–100, URIs bounded); the DKIM key
//! record and key analysis never panic either; the tree walk stays within its bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_signals::dkim::{analyse_key, parse_key_record};
use smtping_signals::dmarc::record::MAX_REPORT_URIS;
use smtping_signals::dmarc::{
    MAX_WALK_QUERIES, is_dmarc_record, org_domain_from_walk, org_domain_psl, parse_record,
    tree_walk_names, PsdFlag,
};

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = parse_record(data) {
        assert!(is_dmarc_record(data));
        assert!(record.pct.is_none_or(|p| p <= 100));
        assert!(record.rua.len() <= MAX_REPORT_URIS && record.ruf.len() <= MAX_REPORT_URIS);
        match record.effective_policy() {
            None => assert!(record.policy.is_none() && record.rua.is_empty()),
            Some(p) => {
                let sp = record.effective_subdomain_policy().unwrap();
                assert_eq!(sp, record.subdomain_policy.unwrap_or(p));
                let np = record.effective_nonexistent_policy().unwrap();
                assert_eq!(np, record.nonexistent_policy.unwrap_or(sp));
            }
        }
    }
    if let Ok(key) = parse_key_record(data) {
        let _ = analyse_key(key.key_type.as_deref(), &key.public_key);
    }
    let text = String::from_utf8_lossy(data);
    let _ = analyse_key(None, &text);
    let names = tree_walk_names(&text);
    assert!(names.len() <= MAX_WALK_QUERIES);
    let found: Vec<(String, PsdFlag)> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), [PsdFlag::Yes, PsdFlag::No, PsdFlag::Unknown][i % 3]))
        .collect();
    let _ = org_domain_from_walk(&text, &found);
    let _ = org_domain_psl(&text);
});
