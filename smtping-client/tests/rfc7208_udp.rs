//! The official RFC 7208 test suite end to end: each scenario's zone served over loopback
//! UDP/TCP by the testkit's `DnsResponder`, every test evaluated by the SPF evaluator
//! through the client's `Resolver::evaluate` (sockets, concurrency, the per-evaluation
//! cache), the result compared with the suite's. The same suite runs in memory in
//! `smtping-signals/tests/rfc7208.rs`.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use serde::Deserialize as _;
use serde_yaml_ng::Value;
use smtping_client::net::dns::Resolver;
use smtping_signals::spf::{SpfEvaluator, SpfRequest};
use smtping_testkit::dns::DnsResponder;

#[path = "../../smtping-signals/tests/suite/mod.rs"]
mod suite;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rfc7208_suite_over_loopback_dns() {
    let mut total = 0;
    let mut failures = Vec::new();
    for doc in serde_yaml_ng::Deserializer::from_str(suite::SUITE) {
        let scenario = Value::deserialize(doc).expect("suite YAML");
        let description = suite::scalar(&scenario["description"]);
        let dns = DnsResponder::start(suite::zone(scenario.get("zonedata")))
            .await
            .unwrap_or_else(|e| panic!("zone of {description:?}: {e}"));
        // TIMEOUT entries are silent: a short timeout keeps the suite quick.
        let resolver = Resolver::new(
            dns.resolver_config()
                .with_timeout(Duration::from_millis(100))
                .with_attempts(1),
        );
        let tests: BTreeMap<String, Value> =
            serde_yaml_ng::from_value(scenario["tests"].clone()).expect("tests");
        for (name, t) in tests {
            total += 1;
            let ip: IpAddr = suite::scalar(&t["host"]).parse().expect("host");
            let request = SpfRequest::mail_from(
                ip,
                &suite::scalar(&t["mailfrom"]),
                &suite::scalar(&t["helo"]),
            );
            let (out, _) = resolver
                .evaluate(SpfEvaluator::new(request))
                .await
                .expect("evaluation");
            let wanted: Vec<String> = match &t["result"] {
                Value::Sequence(s) => s.iter().map(suite::scalar).collect(),
                v => vec![suite::scalar(v)],
            };
            if !wanted.iter().any(|w| w == out.result.as_str()) {
                failures.push(format!(
                    "[{description}] {name}: {} (wanted {}), mechanism {:?}",
                    out.result,
                    wanted.join("|"),
                    out.mechanism
                ));
            }
        }
    }
    println!(
        "rfc7208 over loopback DNS: {total} tests: {} passed, {} failed",
        total - failures.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(total > 200, "ran only {total} tests");
}
