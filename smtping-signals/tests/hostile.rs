//! Arbitrary record text and answers in any order never panic the DKIM and DMARC
//! evaluators, and the order of answers does not change the result.

use proptest::prelude::*;
use smtping_signals::dkim::DkimEvaluator;
use smtping_signals::dmarc::DmarcEvaluator;
use smtping_signals::{Evaluator, Response, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

/// Drives `ev` answering every question of a round in reverse order.
fn drive_reversed<E: Evaluator>(mut ev: E, dns: &MemoryDns) -> E::Output {
    for _ in 0..64 {
        let mut round = Vec::new();
        while let Some(q) = ev.poll_query() {
            round.push(q);
        }
        if let Some(out) = ev.poll_result() {
            return out;
        }
        assert!(!round.is_empty(), "stalled");
        for q in round.iter().rev() {
            let r: Response = dns.resolve(q);
            ev.handle_response(q, &r);
        }
    }
    panic!("no result after 64 rounds");
}

fn hostile_zone(a: &str, b: &str, c: &str) -> Zone {
    Zone::new()
        .txt("_dmarc.x.example.com", a)
        .txt("_dmarc.example.com", b)
        .txt("_dmarc.example.com", c)
        .txt("_dmarc.com", &format!("v=DMARC1;{b}"))
        .txt("example.com._report._dmarc.r.test", c)
        .txt("default._domainkey.example.com", a)
        .txt("s1._domainkey.example.com", &format!("v=DKIM1; p={b}"))
        .txt("s2._domainkey.example.com", c)
        .cname("s3._domainkey.example.com", "s3.esp.test")
        .txt("s3.esp.test", b)
        .fault("selector1._domainkey.example.com", Fault::ServFail)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_records_never_panic(
        a in "[ -~]{0,120}",
        b in "(v=DMARC1;)?[a-z=;:,@!. 0-9+/]{0,120}",
        c in "v=DMARC1; p=(none|reject|x); rua=mailto:[a-z]{1,5}@r\\.test[,;a-z=:@.]{0,40}",
    ) {
        let dns = MemoryDns::new(hostile_zone(&a, &b, &c)).unwrap();
        let dmarc = evaluate_with(DmarcEvaluator::new("x.example.com"), |q| dns.resolve(q)).unwrap();
        let reversed = drive_reversed(DmarcEvaluator::new("x.example.com"), &dns);
        prop_assert_eq!(dmarc, reversed);
        let dkim = evaluate_with(DkimEvaluator::new("example.com", &[]), |q| dns.resolve(q)).unwrap();
        let reversed = drive_reversed(DkimEvaluator::new("example.com", &[]), &dns);
        prop_assert_eq!(dkim, reversed);
        let named = evaluate_with(
            DkimEvaluator::new("example.com", &["s1", "s2", "s3", "default"]),
            |q| dns.resolve(q),
        ).unwrap();
        prop_assert_eq!(named.selectors.len(), 4);
    }

    #[test]
    fn arbitrary_domains_never_panic(domain in "[a-z0-9._ -]{0,80}") {
        let dns = MemoryDns::new(Zone::new()).unwrap();
        let _ = evaluate_with(DmarcEvaluator::new(&domain), |q| dns.resolve(q)).unwrap();
        let _ = evaluate_with(DkimEvaluator::new(&domain, &[&domain]), |q| dns.resolve(q)).unwrap();
    }
}
