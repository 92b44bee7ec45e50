//! The official RFC 7208 test suite (openspf 2014.04, `rfc7208-tests.yml` from the pyspf
//! 2.0.14 sdist), every test of every scenario, each zone served by the testkit's
//! `MemoryDns`. Each test also runs with the answers handed back in reverse order: the
//! result must not depend on the order answers arrive in.

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::time::Duration;

use serde_yaml_ng::Value;
use smtping_proto::dns::{Mx, Question, RecordData, RecordType, ResolverConfig, Txt};
use smtping_signals::spf::{SpfEvaluator, SpfOutput, SpfRequest, default_explanation};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

const SUITE: &str = include_str!("data/rfc7208-tests.yml");

fn strings(v: &Value) -> Vec<Vec<u8>> {
    match v {
        // A TXT record without strings cannot be sent (RFC 1035 §3.3.14: one or more);
        // the suite's `[ ]` ("null text … SPF should not crash") is served as one empty
        // string, the nearest record the wire can carry.
        Value::Sequence(items) if items.is_empty() => vec![Vec::new()],
        Value::Sequence(items) => items
            .iter()
            .map(|s| s.as_str().unwrap_or_default().as_bytes().to_vec())
            .collect(),
        other => vec![scalar(other).into_bytes()],
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The pyspf driver's reading of `zonedata`: SPF (type 99) records are served as TXT
/// when the name has no TXT entry at all (`TXT: NONE` included), `NONE` adds nothing, and
/// `TIMEOUT` drops the queries of every type not listed before it.
fn zone(data: Option<&Value>) -> Zone {
    let mut zone = Zone::new();
    let Some(Value::Mapping(names)) = data else {
        return zone;
    };
    for (name, entries) in names {
        let name = scalar(name);
        let entries = entries.as_sequence().cloned().unwrap_or_default();
        let has_txt = entries
            .iter()
            .any(|e| e.as_mapping().is_some_and(|m| m.contains_key("TXT")));
        let mut seen: HashSet<RecordType> = HashSet::new();
        let mut generated = Vec::new();
        for entry in &entries {
            if entry.as_str() == Some("TIMEOUT") {
                for t in [
                    RecordType::A,
                    RecordType::Aaaa,
                    RecordType::Mx,
                    RecordType::Txt,
                    RecordType::Ptr,
                    RecordType::Cname,
                ] {
                    if !seen.contains(&t) {
                        zone = zone.fault_for(&name, t, Fault::Drop);
                    }
                }
                continue;
            }
            let Some(map) = entry.as_mapping() else {
                panic!("unknown zonedata entry {entry:?} at {name}");
            };
            for (kind, value) in map {
                let kind = scalar(kind);
                if value.as_str() == Some("NONE") {
                    continue;
                }
                let data = match kind.as_str() {
                    "A" => RecordData::A(scalar(value).parse().expect("A")),
                    "AAAA" => RecordData::Aaaa(scalar(value).parse().expect("AAAA")),
                    "MX" => {
                        let pair = value.as_sequence().expect("MX pair");
                        let exchange = scalar(&pair[1]);
                        RecordData::Mx(Mx {
                            preference: pair[0].as_u64().unwrap_or(0) as u16,
                            exchange: if exchange.is_empty() {
                                ".".into()
                            } else {
                                exchange
                            },
                        })
                    }
                    "TXT" => RecordData::Txt(Txt {
                        strings: strings(value),
                    }),
                    "PTR" => RecordData::Ptr(scalar(value)),
                    "CNAME" => RecordData::Cname(scalar(value)),
                    "SPF" => {
                        if !has_txt {
                            generated.push(Txt {
                                strings: strings(value),
                            });
                        }
                        continue;
                    }
                    other => panic!("unknown zonedata type {other} at {name}"),
                };
                seen.insert(data.record_type());
                zone = zone.record(&name, data);
            }
        }
        for txt in generated {
            zone = zone.record(&name, RecordData::Txt(txt));
        }
    }
    zone
}

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
