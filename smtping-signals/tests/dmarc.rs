//! DMARC discovery against in-memory zones (the real DNS core, no sockets).

use smtping_signals::dkim::Status;
use smtping_signals::dmarc::{DmarcEvaluator, DmarcProblem, DmarcReport, Policy, PsdFlag};
use smtping_signals::{Evaluator, evaluate_with};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

fn run(zone: Zone, domain: &str) -> DmarcReport {
    let dns = MemoryDns::new(zone).unwrap();
    evaluate_with(DmarcEvaluator::new(domain), |q| dns.resolve(q)).unwrap()
}

fn ids(report: &DmarcReport) -> Vec<&'static str> {
    let mut ids: Vec<_> = report
        .problems
        .iter()
        .map(DmarcProblem::finding_id)
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn own_record_enforcing() {
    let report = run(
        Zone::new().txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; sp=quarantine; adkim=s; rua=mailto:dmarc@example.com",
        ),
        "example.com",
    );
    assert_eq!(report.record_domain.as_deref(), Some("example.com"));
    assert_eq!(report.policy, Some(Policy::Reject));
    assert_eq!(report.subdomain_policy, Some(Policy::Quarantine));
    assert_eq!(report.applied_policy, Some(Policy::Reject));
    assert_eq!(report.pct, Some(100));
    assert_eq!(report.rua, ["mailto:dmarc@example.com"]);
    assert!(
        report.external_rua.is_empty(),
        "same organisation: no authorisation needed"
    );
    assert_eq!(report.org_domain.as_deref(), Some("example.com"));
    assert_eq!(report.org_domain_rfc9989, "example.com");
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.status, Status::Green);
}

#[test]
fn missing_everywhere() {
    let report = run(
        Zone::new().txt("example.com", "v=spf1 -all"),
        "mail.example.com",
    );
    assert_eq!(ids(&report), ["dmarc.missing"]);
    assert_eq!(report.status, Status::Red);
    assert!(report.error.is_some());
    assert_eq!(report.org_domain_rfc9989, "mail.example.com");
}

#[test]
fn falls_back_to_the_organisational_domain() {
    let report = run(
        Zone::new().txt(
            "_dmarc.example.co.uk",
            "v=DMARC1; p=quarantine; sp=none; pct=50",
        ),
        "a.b.example.co.uk",
    );
    assert_eq!(report.record_domain.as_deref(), Some("example.co.uk"));
    assert_eq!(
        report.record_domain_rfc9989.as_deref(),
        Some("example.co.uk")
    );
    assert_eq!(report.policy, Some(Policy::Quarantine));
    // Inherited: the subdomain policy is the one that applies here.
    assert_eq!(report.applied_policy, Some(Policy::None));
    assert_eq!(report.org_domain.as_deref(), Some("example.co.uk"));
    assert_eq!(
        ids(&report),
        [
            "dmarc.no_rua",
            "dmarc.pct_partial",
            "dmarc.policy_none",
            "dmarc.removed_tag",
            "dmarc.subdomain_policy_none",
        ]
    );
    assert_eq!(report.status, Status::Amber);
}

#[test]
fn multiple_records_mean_no_policy() {
    let report = run(
        Zone::new()
            .txt("_dmarc.example.com", "v=DMARC1; p=reject")
            .txt("_dmarc.example.com", "v=DMARC1; p=none")
            .txt("_dmarc.example.com", "some-verification=abc"),
        "example.com",
    );
    assert_eq!(report.policy, None);
    assert!(ids(&report).contains(&"dmarc.multiple_records"));
    assert_eq!(report.status, Status::Red);
}

#[test]
fn syntax_errors_duplicates_and_unknown_tags() {
    let report = run(
        Zone::new().txt("_dmarc.example.com", "v=DMARC1; p=reject; p=none"),
        "example.com",
    );
    assert_eq!(report.policy, None);
    assert_eq!(ids(&report), ["dmarc.syntax"]);
    assert_eq!(report.status, Status::Red);

    let report = run(
        Zone::new().txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; rau=mailto:x@example.com; aspf=q",
        ),
        "example.com",
    );
    assert_eq!(report.policy, Some(Policy::Reject));
    assert_eq!(
        ids(&report),
        ["dmarc.invalid_value", "dmarc.no_rua", "dmarc.unknown_tag"]
    );
    assert_eq!(report.status, Status::Amber);

    let report = run(
        Zone::new().txt("_dmarc.example.com", "p=reject; v=DMARC1"),
        "example.com",
    );
    assert!(ids(&report).contains(&"dmarc.version_not_first"));
    assert!(ids(&report).contains(&"dmarc.missing"));
}

#[test]
fn missing_p_with_and_without_rua() {
    let report = run(
        Zone::new().txt("_dmarc.example.com", "v=DMARC1; rua=mailto:d@example.com"),
        "example.com",
    );
    assert_eq!(report.policy, Some(Policy::None));
    assert_eq!(ids(&report), ["dmarc.missing_policy", "dmarc.policy_none"]);
    let report = run(
        Zone::new().txt("_dmarc.example.com", "v=DMARC1; sp=reject"),
        "example.com",
    );
    assert_eq!(report.policy, None);
    assert_eq!(report.status, Status::Red);
}

#[test]
fn external_report_authorisation() {
    let zone = Zone::new()
        .txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; rua=mailto:a@reports.example.com,mailto:b@good.test,mailto:c@bad.test; ruf=mailto:f@good.test,mailto:g@flaky.test",
        )
        .txt("example.com._report._dmarc.good.test", "v=DMARC1")
        .txt("example.com._report._dmarc.bad.test", "v=spf1 -all")
        .fault("example.com._report._dmarc.flaky.test", Fault::ServFail);
    let report = run(zone, "example.com");
    let by = |d: &str| {
        report
            .external_rua
            .iter()
            .find(|e| e.destination == d)
            .unwrap()
    };
    assert_eq!(
        report.external_rua.len(),
        3,
        "reports.example.com is in the organisation"
    );
    assert!(by("good.test").authorized);
    assert_eq!(by("good.test").tags, ["rua", "ruf"]);
    assert!(!by("bad.test").authorized && by("bad.test").error.is_none());
    assert!(!by("flaky.test").authorized && by("flaky.test").error.is_some());
    assert_eq!(
        ids(&report),
        [
            "dmarc.external_rua_unauthorized",
            "dmarc.external_rua_unverified"
        ]
    );
    assert_eq!(report.status, Status::Amber);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["external_rua"][0]["destination"], "good.test");
    assert_eq!(json["external_rua"][0]["authorized"], true);
}

#[test]
fn inherited_policy_is_authorised_for_the_org_domain() {
    let zone = Zone::new()
        .txt(
            "_dmarc.example.com",
            "v=DMARC1; p=reject; rua=mailto:a@vendor.test",
        )
        .txt("example.com._report._dmarc.vendor.test", "v=DMARC1;");
    let report = run(zone, "shop.example.com");
    assert_eq!(
        report.external_rua[0].name,
        "example.com._report._dmarc.vendor.test"
    );
    assert!(report.external_rua[0].authorized);
}

#[test]
fn tree_walk_and_psl_disagree() {
    // A PSD record at _dmarc.test with psd=y: the tree walk uses it, RFC 7489 cannot.
    let zone = Zone::new().txt("_dmarc.test", "v=DMARC1; p=reject; psd=y");
    let report = run(zone, "mail.example.test");
    assert_eq!(report.record_domain, None);
    assert_eq!(report.record_domain_rfc9989.as_deref(), Some("test"));
    assert_eq!(report.org_domain.as_deref(), Some("example.test"));
    assert_eq!(report.org_domain_rfc9989, "example.test");
    assert!(ids(&report).contains(&"dmarc.discovery_differs"));

    // psd=n at a deeper name: the walk stops there, the PSL does not know it.
    let zone = Zone::new()
        .txt("_dmarc.dept.example.com", "v=DMARC1; p=quarantine; psd=n")
        .txt("_dmarc.example.com", "v=DMARC1; p=reject");
    let report = run(zone, "x.dept.example.com");
    assert_eq!(report.org_domain.as_deref(), Some("example.com"));
    assert_eq!(report.org_domain_rfc9989, "dept.example.com");
    assert_eq!(report.record_domain.as_deref(), Some("example.com"));
    assert_eq!(
        report.record_domain_rfc9989.as_deref(),
        Some("dept.example.com")
    );
    assert!(report.problems.iter().any(|p| matches!(
        p,
        DmarcProblem::OrgDomainDiffers { rfc9989, .. } if rfc9989 == "dept.example.com"
    )));
    let parsed = report.parsed.as_ref().unwrap();
    assert_eq!(parsed.psd, PsdFlag::Unknown);
}

#[test]
fn dns_failure_is_grey_not_missing() {
    let zone = Zone::new().fault("_dmarc.example.com", Fault::ServFail);
    let report = run(zone, "example.com");
    assert_eq!(ids(&report), ["dmarc.lookup_failed"]);
    assert_eq!(report.status, Status::Grey);
}

#[test]
fn discovery_questions_are_prefetched_and_bounded() {
    let mut ev = DmarcEvaluator::new("a.b.c.d.e.f.g.h.i.j.mail.example.com");
    let mut asked = Vec::new();
    while let Some(q) = ev.poll_query() {
        asked.push(q.name);
    }
    assert_eq!(
        asked,
        [
            "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com",
            "_dmarc.g.h.i.j.mail.example.com",
            "_dmarc.h.i.j.mail.example.com",
            "_dmarc.i.j.mail.example.com",
            "_dmarc.j.mail.example.com",
            "_dmarc.mail.example.com",
            "_dmarc.example.com",
            "_dmarc.com",
        ]
    );
    assert!(ev.poll_result().is_none());
}

#[test]
fn alignment_of_given_identifiers() {
    let zone = Zone::new().txt("_dmarc.example.com", "v=DMARC1; p=reject; aspf=s");
    let dns = MemoryDns::new(zone).unwrap();
    let ev = DmarcEvaluator::new("example.com").with_identifiers(
        Some("bounce.example.com"),
        &["mail.example.com", "esp.test"],
    );
    let report = evaluate_with(ev, |q| dns.resolve(q)).unwrap();
    let a = report.alignment.unwrap();
    assert!(
        !a.spf_aligned,
        "strict SPF alignment needs the exact domain"
    );
    assert!(a.dkim_aligned, "relaxed DKIM: same organisational domain");
    assert!(a.spf.unwrap().relaxed);
}

#[test]
fn invalid_domain() {
    let report = run(Zone::new(), "no spaces allowed");
    assert_eq!(ids(&report), ["dmarc.invalid_domain"]);
    assert_eq!(report.status, Status::Red);
}

#[test]
fn json_contract_fields() {
    let report = run(
        Zone::new().txt(
            "_dmarc.example.com",
            "v=DMARC1; p=none; rua=mailto:a@example.com",
        ),
        "example.com",
    );
    let json = serde_json::to_value(&report).unwrap();
    for field in [
        "status",
        "record",
        "policy",
        "subdomain_policy",
        "pct",
        "adkim",
        "aspf",
        "rua",
        "ruf",
        "org_domain",
        "org_domain_rfc9989",
        "external_rua",
        "error",
    ] {
        assert!(json.get(field).is_some(), "missing {field}");
    }
    assert_eq!(json["policy"], "none");
    assert_eq!(json["adkim"], "relaxed");
    assert_eq!(json["status"], "amber");
}

#[test]
fn sample_report_serialises() {
    // Also prints the sample used in the docs (run with --nocapture).
    let zone = Zone::new()
        .txt(
            "_dmarc.example.com",
            "v=DMARC1; p=quarantine; pct=50; rua=mailto:d@example.com,mailto:x@vendor.test",
        )
        .txt("example.com._report._dmarc.vendor.test", "v=DMARC1");
    let report = run(zone, "mail.example.com");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["record_domain"], "example.com");
    assert_eq!(json["pct"], 50);
    assert_eq!(json["external_rua"][0]["authorized"], true);
    assert_eq!(json["problems"][1]["kind"], "pct_partial");
    println!("{}", serde_json::to_string_pretty(&json).unwrap());
}
