//! Unit tests of `mod` (kept beside it, in its own file).

use super::*;
use crate::{Context, classify_text};
use std::collections::HashSet;

#[test]
fn rules_compile() {
    let c = &*COMPILED;
    let patterns = all().filter(|r| r.pattern.is_some()).count();
    assert_eq!(c.set.len(), patterns + PROVIDER_MARKERS.len());
    assert!(patterns > 100);
}

#[test]
fn ids_are_unique_and_well_formed() {
    let mut seen = HashSet::new();
    for t in TABLES {
        for r in t.rules {
            assert!(seen.insert(r.id), "duplicate rule id {}", r.id);
            assert!(r.id.contains('.'), "{}", r.id);
            assert!(
                r.pattern.is_some() || r.code.is_some(),
                "{} matches nothing",
                r.id
            );
            assert!(!r.example.is_empty(), "{} has no example", r.id);
            for s in [r.explanation, r.remediation] {
                assert!(s.is_empty() || s.ends_with('.'), "{}: {s:?}", r.id);
            }
            if let Some(p) = r.pattern {
                assert_eq!(
                    p,
                    p.to_ascii_lowercase(),
                    "{}: patterns are lowercase",
                    r.id
                );
            }
            if t.phase == Phase::Provider {
                assert_eq!(r.provider, t.provider, "{}", r.id);
            }
        }
    }
}

/// Every rule classifies its own example text, and the rule that decides is that rule.
#[test]
fn every_rule_matches_its_example() {
    for t in TABLES {
        for r in t.rules {
            let c = classify_text(r.example, &Context::default());
            assert_eq!(
                c.matched_rule.as_deref(),
                Some(r.id),
                "example of {} decided by {:?}: {:?}",
                r.id,
                c.matched_rule,
                r.example
            );
            assert_eq!(c.reason, r.reason, "{}", r.id);
            if r.provider.is_some() {
                assert_eq!(c.provider, r.provider, "{}", r.id);
            }
        }
    }
}

#[test]
fn host_recognition() {
    let g = Provider::Google.bit();
    assert_eq!(providers_for_host("gmail-smtp-in.l.google.com."), g);
    assert_eq!(providers_for_host("alice@GMail.com"), g);
    assert_eq!(providers_for_host("notgoogle.com"), 0);
    assert_eq!(
        providers_for_host("contoso-com.mail.protection.outlook.com"),
        Provider::Microsoft.bit()
    );
    assert_eq!(
        providers_for_host("hotmail.co.uk"),
        Provider::Microsoft.bit()
    );
    assert_eq!(
        providers_for_host("mta7.am0.yahoodns.net"),
        Provider::Yahoo.bit()
    );
    assert_eq!(providers_for_host("aol.com"), Provider::Yahoo.bit());
    assert_eq!(
        providers_for_host("mx01.mail.icloud.com"),
        Provider::Apple.bit()
    );
    assert_eq!(
        providers_for_host("mx0a-001.pphosted.com"),
        Provider::Proofpoint.bit()
    );
    assert_eq!(
        providers_for_host("eu-smtp-inbound-1.mimecast.com"),
        Provider::Mimecast.bit()
    );
    assert_eq!(providers_for_host("acme.com"), 0);
    assert_eq!(providers_for_host("live"), 0);
}
