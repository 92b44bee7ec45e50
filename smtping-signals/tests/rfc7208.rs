//! The official RFC 7208 test suite (openspf 2014.04, `rfc7208-tests.yml` from the pyspf
//! 2.0.14 sdist), every test of every scenario, each zone served by the testkit's
//! `MemoryDns`. Each test also runs with the answers handed back in reverse order: the
//! result must not depend on the order answers arrive in.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use serde_yaml_ng::Value;
use smtping_proto::dns::{Question, ResolverConfig};
use smtping_signals::spf::{SpfEvaluator, SpfOutput, SpfRequest, default_explanation};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::MemoryDns;

mod suite;

use suite::{SUITE, scalar, zone};

/// Answers the evaluator's questions last-asked first.
fn reversed(mut e: SpfEvaluator, dns: &MemoryDns) -> SpfOutput {
    let mut pending: Vec<Question> = Vec::new();
    for _ in 0..10_000 {
        while let Some(q) = e.poll_query() {
            pending.push(q);
        }
        if let Some(out) = e.poll_result() {
            return out;
        }
        let q = pending.pop().expect("the evaluator stalled");
        let r = dns.resolve(&q);
        e.handle_response(&q, &r);
    }
    panic!("no result after 10000 answers");
}

#[test]
fn rfc7208_suite() {
    let mut scenarios = 0;
    let mut passed = 0;
    let mut failures = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(SUITE) {
        let scenario = Value::deserialize(doc).expect("suite YAML");
        scenarios += 1;
        let description = scalar(&scenario["description"]);
        let dns = MemoryDns::new(zone(scenario.get("zonedata")))
            .unwrap_or_else(|e| panic!("zone of {description:?}: {e}"))
            .with_config(
                ResolverConfig::new([])
                    .with_timeout(Duration::from_millis(10))
                    .with_attempts(1),
            );
        let tests: BTreeMap<String, Value> =
            serde_yaml_ng::from_value(scenario["tests"].clone()).expect("tests");
        for (name, t) in tests {
            let ip: IpAddr = scalar(&t["host"]).parse().expect("host");
            let request = SpfRequest::mail_from(ip, &scalar(&t["mailfrom"]), &scalar(&t["helo"]));
            let out = evaluate_with(SpfEvaluator::new(request.clone()), |q| dns.resolve(q))
                .expect("evaluation");
            let wanted: Vec<String> = match &t["result"] {
                Value::Sequence(s) => s.iter().map(scalar).collect(),
                v => vec![scalar(v)],
            };
            let mut problems = Vec::new();
            if !wanted.iter().any(|w| w == out.result.as_str()) {
                problems.push(format!(
                    "result {} (wanted {})",
                    out.result,
                    wanted.join("|")
                ));
            }
            if let Some(exp) = t.get("explanation").map(scalar) {
                let exp = if exp == "DEFAULT" {
                    default_explanation(&out.domain, ip)
                } else {
                    exp
                };
                // Case-insensitive: v-macro-ip6 expects the nibbles of %{ir} in upper case
                // (the host is written CAFE:BABE::1); RFC 7208 §7.3 writes them in lower case.
                let same = out
                    .explanation
                    .as_deref()
                    .is_some_and(|e| e.eq_ignore_ascii_case(&exp));
                if out.result.as_str() == "fail" && !same {
                    problems.push(format!(
                        "explanation {:?} (wanted {exp:?})",
                        out.explanation
                    ));
                }
            }
            let back = reversed(SpfEvaluator::new(request), &dns);
            if back.result != out.result
                || back.mechanism != out.mechanism
                || back.lookups != out.lookups
            {
                problems.push(format!(
                    "answers in reverse order gave {} via {:?} ({} lookups)",
                    back.result, back.mechanism, back.lookups
                ));
            }
            if problems.is_empty() {
                passed += 1;
            } else {
                failures.push(format!(
                    "[{description}] {name}: {} — mechanism {:?}, error {:?}",
                    problems.join("; "),
                    out.mechanism,
                    out.error.map(|e| e.to_string())
                ));
            }
        }
    }
    let total = passed + failures.len();
    println!(
        "rfc7208: {scenarios} scenarios, {total} tests: {passed} passed, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {total} RFC 7208 tests failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total > 200, "the suite has over 200 tests, ran {total}");
}

use serde::Deserialize as _;
