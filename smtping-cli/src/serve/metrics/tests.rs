//! Unit tests of `metrics` (kept beside it, in its own file).

use super::*;
use smtping_client::report::{Finding, FindingId};

fn value(text: &str, series: &str) -> Option<String> {
    text.lines()
        .find(|l| l.starts_with(series) && l[series.len()..].starts_with(' '))
        .map(|l| l[series.len() + 1..].to_owned())
}

fn well_formed(text: &str) {
    let mut families = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            assert!(
                families.insert(rest.split(' ').next().unwrap().to_owned()),
                "twice: {line}"
            );
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let v = line.rsplit(' ').next().unwrap();
        assert!(v.parse::<f64>().is_ok(), "{line}");
    }
}

#[test]
fn a_timeout_has_only_the_probe_series() {
    let text = probe(None, true, Duration::from_millis(1500));
    well_formed(&text);
    assert_eq!(value(&text, "probe_success").as_deref(), Some("0"));
    assert_eq!(value(&text, "smtping_probe_timeout").as_deref(), Some("1"));
    assert_eq!(
        value(&text, "probe_duration_seconds").as_deref(),
        Some("1.500000")
    );
    assert!(!text.contains("probe_ssl_earliest_cert_expiry"));
    assert!(!text.contains("smtping_verdict"));
}

fn report(verdict: Status) -> Report {
    let mut r = Report::default();
    r.target.input = "alice@example.org".into();
    r.verdict = verdict;
    r.connectivity.status = Status::Green;
    r.tls.status = Status::Amber;
    r.delivery.status = Status::Red;
    r
}

#[test]
fn success_is_green_or_amber() {
    assert!(success(Some(&report(Status::Green))));
    assert!(success(Some(&report(Status::Amber))));
    assert!(!success(Some(&report(Status::Red))));
    assert!(!success(Some(&report(Status::Grey))));
    assert!(!success(None));
}

#[test]
fn a_report_gives_areas_findings_and_no_target_label() {
    let mut r = report(Status::Amber);
    r.findings.push(Finding::new(FindingId::SmtpBareLf, "x"));
    r.findings.push(Finding::new(FindingId::SmtpBareLf, "y"));
    r.delivery.reason = Some(smtping_classify::Reason::Greylisted);
    let text = probe(Some(&r), false, Duration::from_millis(20));
    well_formed(&text);
    assert_eq!(value(&text, "probe_success").as_deref(), Some("1"));
    assert_eq!(value(&text, "smtping_probe_timeout").as_deref(), Some("0"));
    assert_eq!(value(&text, "smtping_verdict").as_deref(), Some("1"));
    assert_eq!(
        value(&text, "smtping_area_status{area=\"connectivity\"}").as_deref(),
        Some("0")
    );
    assert_eq!(
        value(&text, "smtping_area_status{area=\"tls\"}").as_deref(),
        Some("1")
    );
    assert_eq!(
        value(&text, "smtping_area_status{area=\"delivery\"}").as_deref(),
        Some("2")
    );
    assert_eq!(
        value(&text, "smtping_area_status{area=\"auth\"}").as_deref(),
        Some("3")
    );
    assert!(!text.contains("area=\"signals\""));
    assert_eq!(
        value(&text, "smtping_findings{severity=\"warning\"}").as_deref(),
        Some("2")
    );
    assert_eq!(
        value(&text, "smtping_findings{severity=\"error\"}").as_deref(),
        Some("0")
    );
    assert!(text.contains("reason=\"greylisted\""), "{text}");
    // The target is an address: it must not be a label anywhere.
    assert!(!text.contains("alice"), "{text}");
    assert!(!text.contains("target="), "{text}");
    // No TLS: no expiry series.
    assert!(!text.contains("probe_ssl_earliest_cert_expiry"));
    assert_eq!(
        value(&text, "smtping_tls_established").as_deref(),
        Some("0")
    );
}

#[test]
fn earliest_expiry_is_the_chains_minimum_when_tls_was_established() {
    let mut r = report(Status::Green);
    let mut leaf = smtping_client::tls::CertificateInfo::default();
    leaf.not_after = "2030-01-01T00:00:00Z".into();
    let mut ca = smtping_client::tls::CertificateInfo::default();
    ca.not_after = "2029-01-01T00:00:00Z".into();
    r.tls.chain = vec![leaf, ca];
    assert_eq!(earliest_expiry(&r), None, "not established");
    r.tls.established = true;
    assert_eq!(earliest_expiry(&r), Some(1_861_920_000));
    let text = probe(Some(&r), false, Duration::ZERO);
    assert_eq!(
        value(&text, "probe_ssl_earliest_cert_expiry").as_deref(),
        Some("1861920000")
    );
    r.tls.chain[1].not_after = "garbage".into();
    assert_eq!(earliest_expiry(&r), Some(1_893_456_000));
}

#[test]
fn the_exporter_series() {
    let mut c = Counters::default();
    c.probes.insert(("default".into(), ProbeResult::Success), 3);
    c.probes.insert(("default".into(), ProbeResult::Timeout), 1);
    c.rejected.insert(Rejection::RateLimited, 2);
    c.reloads.insert(false, 1);
    let text = exporter(&c, 1, 8);
    well_formed(&text);
    assert_eq!(
        value(
            &text,
            "smtping_exporter_probes_total{module=\"default\",result=\"success\"}"
        )
        .as_deref(),
        Some("3")
    );
    assert_eq!(
        value(
            &text,
            "smtping_exporter_probes_total{module=\"default\",result=\"timeout\"}"
        )
        .as_deref(),
        Some("1")
    );
    assert_eq!(
        value(&text, "smtping_exporter_in_flight").as_deref(),
        Some("1")
    );
    assert_eq!(
        value(
            &text,
            "smtping_exporter_rejected_total{reason=\"rate_limited\"}"
        )
        .as_deref(),
        Some("2")
    );
    assert_eq!(
        value(
            &text,
            "smtping_exporter_config_reload_total{result=\"failure\"}"
        )
        .as_deref(),
        Some("1")
    );
    assert_eq!(
        value(
            &text,
            "smtping_exporter_config_reload_total{result=\"success\"}"
        )
        .as_deref(),
        Some("0")
    );
    assert!(text.contains("# TYPE smtping_exporter_probes_total counter"));
}
