//! SPF evaluator behaviour beyond the RFC suite: the tree, the limits, prefetch, the JSON
//! shape, and robustness against arbitrary records.

use std::net::IpAddr;

use proptest::prelude::*;
use smtping_proto::dns::{Question, RecordType};
use smtping_signals::spf::{SpfEvaluator, SpfOutput, SpfRequest, SpfResult, analyze};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

fn run(zone: Zone, ip: &str, from: &str) -> SpfOutput {
    let dns = MemoryDns::new(zone).unwrap();
    let ip: IpAddr = ip.parse().unwrap();
    evaluate_with(
        SpfEvaluator::new(SpfRequest::mail_from(ip, from, "helo.example.org")),
        |q| dns.resolve(q),
    )
    .unwrap()
}

#[test]
fn the_whole_tree_is_shown_even_past_the_match_and_the_limit() {
    let mut zone = Zone::new().txt(
        "example.com",
        "v=spf1 ip4:192.0.2.1 include:a.example.com include:b.example.com -all",
    );
    zone = zone
        .txt("a.example.com", "v=spf1 include:c.example.com ~all")
        .txt("b.example.com", "v=spf1 a mx mx mx mx mx mx mx mx mx -all")
        .txt("c.example.com", "v=spf1 include:a.example.com");
    let out = run(zone, "192.0.2.1", "x@example.com");
    assert_eq!(out.result, SpfResult::Pass);
    assert_eq!(out.mechanism.as_deref(), Some("ip4:192.0.2.1"));
    assert_eq!(out.lookups, 0);
    let root = &out.tree[0];
    assert_eq!(root.children.len(), 2);
    assert_eq!(root.children[0].children[0].domain, "c.example.com");
    let looped = &root.children[0].children[0].children[0];
    assert_eq!(looped.error.as_ref().map(|e| e.kind()), Some("loop"));
    assert_eq!(root.total_lookups(), 2 + 1 + 10 + 1);
    let ids: Vec<_> = analyze(&out).iter().map(|p| p.finding_id()).collect();
    assert!(ids.contains(&"spf.too_many_lookups"), "{ids:?}");
}

#[test]
fn the_eleventh_term_is_a_permerror() {
    let mut zone = Zone::new().txt(
        "example.com",
        "v=spf1 a:a1.example.com a:a2.example.com a:a3.example.com a:a4.example.com \
         a:a5.example.com a:a6.example.com a:a7.example.com a:a8.example.com \
         a:a9.example.com a:a10.example.com a:a11.example.com -all",
    );
    for i in 1..=11 {
        zone = zone.a(
            &format!("a{i}.example.com"),
            "198.51.100.1".parse().unwrap(),
        );
    }
    let out = run(zone, "192.0.2.1", "x@example.com");
    assert_eq!(out.result, SpfResult::PermError);
    assert_eq!(out.lookups, 11);
    assert_eq!(out.mechanism.as_deref(), Some("a:a11.example.com"));
    assert_eq!(
        out.error.as_ref().map(|e| e.kind()),
        Some("too_many_lookups")
    );
}

#[test]
fn the_third_void_lookup_is_a_permerror() {
    let zone = Zone::new().txt(
        "example.com",
        "v=spf1 a:n1.example.com exists:n2.example.com mx:n3.example.com -all",
    );
    let out = run(zone, "192.0.2.1", "x@example.com");
    assert_eq!(out.result, SpfResult::PermError);
    assert_eq!(out.void_lookups, 3);
}

#[test]
fn servfail_is_a_temperror_and_nxdomain_is_none() {
    let zone = Zone::new().fault("broken.example.com", Fault::ServFail);
    assert_eq!(
        run(zone, "192.0.2.1", "x@broken.example.com").result,
        SpfResult::TempError
    );
    let out = run(Zone::new(), "192.0.2.1", "x@nowhere.example.com");
    assert_eq!(out.result, SpfResult::None);
    assert!(out.tree.is_empty());
}

#[test]
fn exp_is_fetched_only_on_fail() {
    let zone = Zone::new()
        .txt(
            "example.com",
            "v=spf1 ip4:192.0.2.1 -all exp=why.example.com",
        )
        .txt("why.example.com", "%{i} is not one of %{d}'s servers");
    let dns = MemoryDns::new(zone).unwrap();
    let out = evaluate_with(
        SpfEvaluator::new(SpfRequest::mail_from(
            "192.0.2.1".parse().unwrap(),
            "a@example.com",
            "h.example.org",
        )),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(out.explanation, None);
    assert!(!dns.queries().iter().any(|q| q.name.starts_with("why")));
    let out = evaluate_with(
        SpfEvaluator::new(SpfRequest::mail_from(
            "192.0.2.9".parse().unwrap(),
            "a@example.com",
            "h.example.org",
        )),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(
        out.explanation.as_deref(),
        Some("192.0.2.9 is not one of example.com's servers")
    );
}

#[test]
fn independent_questions_are_handed_out_together() {
    // Blocked on the include's TXT, the evaluator already asks the MX of the next term
    // and the redirect's TXT; once the MX is known, every exchange's A at once.
    let req = SpfRequest::mail_from(
        "192.0.2.1".parse().unwrap(),
        "a@example.com",
        "h.example.org",
    )
    .with_tree(false);
    let mut e = SpfEvaluator::new(req);
    let first: Vec<Question> = std::iter::from_fn(|| e.poll_query()).collect();
    assert_eq!(first.len(), 1);
    let dns = MemoryDns::new(
        Zone::new()
            .txt(
                "example.com",
                "v=spf1 include:i.example.com mx:m.example.com redirect=r.example.com",
            )
            .txt("i.example.com", "v=spf1 -all")
            .txt("r.example.com", "v=spf1 -all")
            .mx("m.example.com", 10, "mx1.example.com")
            .mx("m.example.com", 20, "mx2.example.com")
            .a("mx1.example.com", "198.51.100.1".parse().unwrap())
            .a("mx2.example.com", "192.0.2.1".parse().unwrap()),
    )
    .unwrap();
    e.handle_response(&first[0], &dns.resolve(&first[0]));
    let second: Vec<String> = std::iter::from_fn(|| e.poll_query())
        .map(|q| q.to_string())
        .collect();
    assert_eq!(
        second,
        ["i.example.com TXT", "m.example.com MX", "r.example.com TXT"]
    );
    // Answer the MX first (out of order): both exchanges are asked together.
    let mx = Question {
        name: "m.example.com".into(),
        record_type: RecordType::Mx,
    };
    e.handle_response(&mx, &dns.resolve(&mx));
    let third: Vec<String> = std::iter::from_fn(|| e.poll_query())
        .map(|q| q.to_string())
        .collect();
    assert_eq!(third, ["mx1.example.com A", "mx2.example.com A"]);
    assert!(e.poll_result().is_none(), "the include comes first");
    for name in ["mx1.example.com", "mx2.example.com"] {
        let q = Question {
            name: name.into(),
            record_type: RecordType::A,
        };
        e.handle_response(&q, &dns.resolve(&q));
    }
    assert!(e.poll_result().is_none());
    let inc = Question {
        name: "i.example.com".into(),
        record_type: RecordType::Txt,
    };
    e.handle_response(&inc, &dns.resolve(&inc));
    let out = e.poll_result().expect("result");
    assert_eq!(out.result, SpfResult::Pass);
    assert_eq!(out.mechanism.as_deref(), Some("mx:m.example.com"));
    assert_eq!(out.lookups, 2);
}

#[test]
fn json_shape() {
    let out = run(
        Zone::new().txt("example.com", "v=spf1 -all"),
        "192.0.2.1",
        "",
    );
    assert_eq!(out.domain, "helo.example.org");
    let out = run(
        Zone::new().txt("example.com", "v=spf1 ~all"),
        "192.0.2.1",
        "a@example.com",
    );
    let v = serde_json::to_value(&out).unwrap();
    for key in [
        "ip",
        "identity",
        "domain",
        "result",
        "mechanism",
        "explanation",
        "lookups",
        "void_lookups",
        "tree",
        "error",
    ] {
        assert!(v.get(key).is_some(), "{key} missing in {v}");
    }
    assert_eq!(v["result"], "softfail");
    assert_eq!(v["identity"], "a@example.com");
    assert_eq!(v["tree"][0]["record"], "v=spf1 ~all");
    assert_eq!(v["tree"][0]["mechanisms"][0], "~all");
    assert!(v["tree"][0]["children"].as_array().unwrap().is_empty());
}

fn term() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("-all".to_owned()),
        "[+~?-]?(a|mx|ptr|exists|include)(:[a-z%{}.]{1,12}\\.com)?(/[0-9]{1,3}){0,2}",
        "ip[46]:[0-9a-f:./]{1,20}",
        "(redirect|exp|x)=[a-z%{}dl.]{1,12}",
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_records_never_panic_and_render_back(text in "[ -~\\t\\r\\n]{0,80}") {
        let text = format!("v=spf1 {text}");
        if let Ok(r) = smtping_signals::spf::record::Record::parse(&text) {
            let again = smtping_signals::spf::record::Record::parse(&r.to_string()).unwrap();
            prop_assert_eq!(again, r);
        }
    }

    #[test]
    fn arbitrary_policies_evaluate_without_panic(terms in proptest::collection::vec(term(), 0..8), v6 in any::<bool>()) {
        let record = format!("v=spf1 {}", terms.join(" "));
        let zone = Zone::new()
            .txt("example.com", &record)
            .txt("b.com", &record)
            .a("a.com", "192.0.2.1".parse().unwrap())
            .mx("b.com", 1, "a.com");
        let ip = if v6 { "2001:db8::1" } else { "192.0.2.1" };
        let out = run(zone, ip, "l@example.com");
        prop_assert!(out.lookups <= 11);
        prop_assert_eq!(out.explanation.is_some(), out.result == SpfResult::Fail);
    }
}

#[test]
fn helo_identity_and_the_p_macro() {
    let ip: IpAddr = "192.0.2.5".parse().unwrap();
    let dns = MemoryDns::new(
        Zone::new()
            .txt(
                "mx.example.org",
                "v=spf1 exists:%{p}.allowed.example.org -all",
            )
            .ptr(ip, "mx.example.org")
            .ptr(ip, "liar.example.net")
            .a("mx.example.org", ip.to_string().parse().unwrap())
            .a("liar.example.net", "198.51.100.1".parse().unwrap())
            .a(
                "mx.example.org.allowed.example.org",
                "127.0.0.2".parse().unwrap(),
            ),
    )
    .unwrap();
    let out = evaluate_with(
        SpfEvaluator::new(SpfRequest::helo(ip, "mx.example.org")),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(out.scope, smtping_signals::spf::Scope::Helo);
    assert_eq!(out.identity, "postmaster@mx.example.org");
    assert_eq!(out.result, SpfResult::Pass, "{out:?}");
    assert_eq!(
        out.mechanism.as_deref(),
        Some("exists:%{p}.allowed.example.org")
    );
    // Not a FQDN: none, without a query.
    let out = evaluate_with(SpfEvaluator::new(SpfRequest::helo(ip, "localhost")), |q| {
        dns.resolve(q)
    })
    .unwrap();
    assert_eq!(out.result, SpfResult::None);
    assert_eq!(out.error.as_ref().map(|e| e.kind()), Some("invalid_domain"));
}

#[test]
fn ptr_examines_ten_names_and_mx_more_than_ten_is_a_permerror() {
    let ip: IpAddr = "192.0.2.5".parse().unwrap();
    let mut zone = Zone::new()
        .txt("example.com", "v=spf1 ptr -all")
        .txt("mx.example.com", "v=spf1 mx -all");
    for i in 0..11 {
        zone = zone
            .ptr(ip, &format!("h{i}.example.com"))
            .a(
                &format!("h{i}.example.com"),
                ip.to_string().parse().unwrap(),
            )
            .mx("mx.example.com", i, &format!("h{i}.example.com"));
    }
    let dns = MemoryDns::new(zone).unwrap();
    let out = evaluate_with(
        SpfEvaluator::new(SpfRequest::mail_from(ip, "a@example.com", "h.example.org")),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(out.result, SpfResult::Pass);
    let asked_a = dns
        .queries()
        .iter()
        .filter(|q| q.record_type == "A" && q.name.starts_with('h'))
        .count();
    assert_eq!(asked_a, 10, "only the first 10 PTR names are examined");
    let out = evaluate_with(
        SpfEvaluator::new(SpfRequest::mail_from(
            ip,
            "a@mx.example.com",
            "h.example.org",
        )),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(out.result, SpfResult::PermError);
    assert_eq!(
        out.error.as_ref().map(|e| e.kind()),
        Some("too_many_mx_names")
    );
}

#[test]
fn policy_of_a_domain_with_broken_and_permissive_includes() {
    let dns = MemoryDns::new(
        Zone::new()
            .txt(
                "example.com",
                "v=spf1 include:open.example.net include:gone.example.net ~all",
            )
            .txt("open.example.net", "v=spf1 +all"),
    )
    .unwrap();
    let policy = evaluate_with(
        smtping_signals::spf::SpfPolicyEvaluator::new("example.com"),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(policy.lookups, 2);
    let ids: Vec<_> = policy.problems.iter().map(|p| p.finding_id()).collect();
    assert!(ids.contains(&"spf.include_pass_all"), "{ids:?}");
    assert!(ids.contains(&"spf.broken_include"), "{ids:?}");
    assert!(dns.queries().iter().all(|q| q.record_type == "TXT"));
    let none = evaluate_with(
        smtping_signals::spf::SpfPolicyEvaluator::new("nothing.example.org"),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(
        none.problems
            .iter()
            .map(|p| p.finding_id())
            .collect::<Vec<_>>(),
        ["spf.no_record"]
    );
    assert!(none.record.is_none() && none.tree.is_empty());
    let dns = MemoryDns::new(Zone::new().txt("bad.example", "v=spf1 a:1.2.3.4 -all")).unwrap();
    let bad = evaluate_with(
        smtping_signals::spf::SpfPolicyEvaluator::new("bad.example"),
        |q| dns.resolve(q),
    )
    .unwrap();
    assert_eq!(bad.record.as_deref(), Some("v=spf1 a:1.2.3.4 -all"));
    assert_eq!(
        bad.problems
            .iter()
            .map(|p| p.finding_id())
            .collect::<Vec<_>>(),
        ["spf.syntax_error"]
    );
    let e = bad.error.expect("syntax error").to_string();
    assert!(e.contains("byte 7") && e.contains("a:1.2.3.4"), "{e}");
}

/// Answers pending questions in an order picked by `picks`.
fn shuffled(mut e: SpfEvaluator, dns: &MemoryDns, picks: &[usize]) -> SpfOutput {
    let mut pending: Vec<Question> = Vec::new();
    let mut n = 0;
    loop {
        while let Some(q) = e.poll_query() {
            pending.push(q);
        }
        if let Some(out) = e.poll_result() {
            return out;
        }
        let i = picks.get(n).copied().unwrap_or(0) % pending.len();
        n += 1;
        let q = pending.swap_remove(i);
        let r = dns.resolve(&q);
        e.handle_response(&q, &r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn answer_order_does_not_change_the_result(picks in proptest::collection::vec(any::<usize>(), 0..64), host in 0u8..8) {
        let zone = Zone::new()
            .txt("example.com", "v=spf1 include:i1.example.com mx a:a.example.com ptr exists:%{i}.e.example.com include:i2.example.com redirect=r.example.com")
            .txt("i1.example.com", "v=spf1 ip4:192.0.2.1 mx:m.example.net -all")
            .txt("i2.example.com", "v=spf1 a:nx1.example.com a:nx2.example.com ~all")
            .txt("r.example.com", "v=spf1 ip4:192.0.2.7 -all exp=x.example.com")
            .txt("x.example.com", "not %{i}")
            .mx("example.com", 1, "mx1.example.com")
            .mx("example.com", 2, "mx2.example.com")
            .mx("m.example.net", 1, "mx2.example.com")
            .a("mx1.example.com", "192.0.2.2".parse().unwrap())
            .a("mx2.example.com", "192.0.2.3".parse().unwrap())
            .a("a.example.com", "192.0.2.4".parse().unwrap())
            .ptr("192.0.2.5".parse().unwrap(), "h.example.com")
            .a("h.example.com", "192.0.2.5".parse().unwrap())
            .a("192.0.2.6.e.example.com", "127.0.0.2".parse().unwrap())
            .fault("slow.example.com", Fault::Drop);
        let dns = MemoryDns::new(zone).unwrap();
        let ip: IpAddr = format!("192.0.2.{host}").parse().unwrap();
        let req = SpfRequest::mail_from(ip, "a@example.com", "h.example.org");
        let reference = evaluate_with(SpfEvaluator::new(req.clone()), |q| dns.resolve(q)).unwrap();
        let other = shuffled(SpfEvaluator::new(req), &dns, &picks);
        prop_assert_eq!(other, reference);
    }

    #[test]
    fn arbitrary_txt_bytes_never_panic(strings in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..40), 1..4), prefix in any::<bool>()) {
        let mut strings = strings;
        if prefix {
            strings.insert(0, b"v=spf1 ".to_vec());
        }
        let zone = Zone::new()
            .record("example.com", smtping_proto::dns::RecordData::Txt(smtping_proto::dns::Txt { strings: strings.clone() }))
            .record("e.example.com", smtping_proto::dns::RecordData::Txt(smtping_proto::dns::Txt { strings }))
            .txt("x.example.com", "v=spf1 include:example.com -all exp=e.example.com");
        let out = run(zone, "192.0.2.1", "a@x.example.com");
        prop_assert!(out.lookups <= 11);
    }
}
