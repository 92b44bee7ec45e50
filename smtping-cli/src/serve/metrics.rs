//! The `/probe` exposition (blackbox's `probe_*` and the probe-only `smtping_*` series) and
//! the exporter's own `/metrics`.
//!
//! The `smtping_*` series `smtping check --format prometheus` writes come from
//! [`crate::render::prometheus`], without their `target` label: Prometheus labels a probe by
//! its `instance`, and a target may be an address whose local part must not become a label.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use smtping_client::{Report, Status};

use crate::render::prometheus::{braces, esc, exposition_unlabelled, status_value};

/// `probe_success`: 1 when the verdict is green or amber (it works, possibly with
/// warnings), 0 when red, grey or timed out; `smtping_verdict` carries the detail.
pub(crate) fn success(report: Option<&Report>) -> bool {
    report.is_some_and(|r| matches!(r.verdict, Status::Green | Status::Amber))
}

/// Unix seconds of an RFC 3339 time.
fn unix_seconds(rfc3339: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|t| t.timestamp())
}

/// The earliest `notAfter` of the chain the server sent (the leaf's when no chain was
/// recorded), only when TLS was established: blackbox's `probe_ssl_earliest_cert_expiry`.
pub(crate) fn earliest_expiry(r: &Report) -> Option<i64> {
    if !r.tls.established {
        return None;
    }
    let chain = r
        .tls
        .chain
        .iter()
        .filter_map(|c| unix_seconds(&c.not_after));
    let leaf = r
        .tls
        .certificate
        .as_ref()
        .and_then(|c| unix_seconds(&c.not_after));
    chain.chain(leaf).min()
}

/// One metric family.
fn family(out: &mut String, name: &str, help: &str, kind: &str, rows: &[(Vec<String>, String)]) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
    for (labels, value) in rows {
        let _ = writeln!(out, "{name}{} {value}", braces(labels));
    }
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl ToString) {
    family(out, name, help, "gauge", &[(Vec::new(), value.to_string())]);
}

/// The answer to `/probe`: `report` is `None` when the probe ran out of time.
pub(crate) fn probe(report: Option<&Report>, timed_out: bool, elapsed: Duration) -> String {
    let mut out = String::new();
    gauge(
        &mut out,
        "probe_success",
        "1 when the check is green or amber, 0 when red or out of time.",
        u8::from(success(report)),
    );
    gauge(
        &mut out,
        "probe_duration_seconds",
        "How long the probe took.",
        format!("{:.6}", elapsed.as_secs_f64()),
    );
    if let Some(t) = report.and_then(earliest_expiry) {
        gauge(
            &mut out,
            "probe_ssl_earliest_cert_expiry",
            "Unix time of the earliest notAfter of the server's certificate chain.",
            t,
        );
    }
    gauge(
        &mut out,
        "smtping_probe_timeout",
        "1 when the probe ran out of its deadline (scrape timeout minus the offset).",
        u8::from(timed_out),
    );
    let Some(r) = report else {
        return out;
    };
    out.push_str(&exposition_unlabelled(r));
    let mut areas = vec![
        ("connectivity", r.connectivity.status),
        ("tls", r.tls.status),
        ("auth", r.auth.status),
        ("delivery", r.delivery.status),
    ];
    if let Some(s) = &r.signals {
        areas.push(("signals", s.status));
    }
    if let Some(f) = &r.follow_through {
        areas.push(("follow_through", f.status));
    }
    family(
        &mut out,
        "smtping_area_status",
        "Each area's traffic light: 0 green, 1 amber, 2 red, 3 grey (not tested).",
        "gauge",
        &areas
            .iter()
            .map(|(a, s)| (vec![format!("area=\"{a}\"")], status_value(*s).to_string()))
            .collect::<Vec<_>>(),
    );
    if let Some(reason) = r.delivery.reason {
        family(
            &mut out,
            "smtping_delivery_reason",
            "1 for the reason the delivery test's outcome was classified with.",
            "gauge",
            &[(
                vec![
                    format!("outcome=\"{}\"", r.delivery.outcome),
                    format!("reason=\"{}\"", esc(reason.as_str())),
                ],
                "1".into(),
            )],
        );
    }
    gauge(
        &mut out,
        "smtping_tls_established",
        "1 when a TLS session was established.",
        u8::from(r.tls.established),
    );
    let mut counts: BTreeMap<&str, usize> = ["info", "warning", "error"]
        .into_iter()
        .map(|s| (s, 0))
        .collect();
    for f in &r.findings {
        *counts.entry(f.severity.as_str()).or_default() += 1;
    }
    family(
        &mut out,
        "smtping_findings",
        "Findings of the check, by severity.",
        "gauge",
        &counts
            .iter()
            .map(|(s, n)| (vec![format!("severity=\"{s}\"")], n.to_string()))
            .collect::<Vec<_>>(),
    );
    if let Some(f) = r.follow_through.as_ref().filter(|f| !f.seeds.is_empty()) {
        // Seeds are numbered in the module's order: their URLs hold a user name.
        family(
            &mut out,
            "smtping_follow_through_found",
            "1 when the test message was found in this seed mailbox (numbered in the module's order).",
            "gauge",
            &f.seeds
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    (
                        vec![
                            format!("seed=\"{}\"", i + 1),
                            format!("junk=\"{}\"", s.junk),
                        ],
                        u8::from(s.found).to_string(),
                    )
                })
                .collect::<Vec<_>>(),
        );
        let latencies: Vec<_> = f
            .seeds
            .iter()
            .enumerate()
            .filter_map(|(i, s)| {
                s.latency_ms.filter(|_| s.found).map(|ms| {
                    (
                        vec![format!("seed=\"{}\"", i + 1)],
                        format!("{:.3}", ms as f64 / 1000.0),
                    )
                })
            })
            .collect();
        if !latencies.is_empty() {
            family(
                &mut out,
                "smtping_follow_through_latency_seconds",
                "From the final dot to the poll that found the message in this seed.",
                "gauge",
                &latencies,
            );
        }
    }
    out
}

/// How one probe ended, for `smtping_exporter_probes_total{result}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ProbeResult {
    /// `probe_success` 1.
    Success,
    /// `probe_success` 0.
    Failure,
    /// Out of time.
    Timeout,
}

impl ProbeResult {
    /// The label value.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
            Self::Timeout => "timeout",
        }
    }
}

/// Why a request was refused, for `smtping_exporter_rejected_total{reason}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Rejection {
    /// A missing or bad parameter or target (400).
    BadRequest,
    /// `module=` names no module (400).
    UnknownModule,
    /// The target is outside `allow_targets` (400).
    NotAllowed,
    /// Probed again within `min_interval` (429).
    RateLimited,
    /// `max_in_flight` probes already running (503).
    OverCapacity,
    /// The query is over 4 KiB (414).
    QueryTooLong,
    /// A path the exporter does not serve (404).
    NotFound,
    /// A method the path does not take (405).
    MethodNotAllowed,
}

impl Rejection {
    /// The label value.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::UnknownModule => "unknown_module",
            Self::NotAllowed => "not_allowed",
            Self::RateLimited => "rate_limited",
            Self::OverCapacity => "over_capacity",
            Self::QueryTooLong => "query_too_long",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
        }
    }
}

/// The exporter's own counters.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    /// Probes run, by module and result (module names come from the config: bounded).
    pub(crate) probes: BTreeMap<(String, ProbeResult), u64>,
    /// Requests refused, by reason.
    pub(crate) rejected: BTreeMap<Rejection, u64>,
    /// Reloads, by result (`true` success).
    pub(crate) reloads: BTreeMap<bool, u64>,
}

/// The answer to `/metrics`.
pub(crate) fn exporter(c: &Counters, in_flight: usize, max_in_flight: usize) -> String {
    let mut out = String::new();
    family(
        &mut out,
        "smtping_exporter_build_info",
        "The exporter's version.",
        "gauge",
        &[(
            vec![format!("version=\"{}\"", esc(env!("CARGO_PKG_VERSION")))],
            "1".into(),
        )],
    );
    family(
        &mut out,
        "smtping_exporter_probes_total",
        "Probes run, by module and result (success, failure, timeout).",
        "counter",
        &c.probes
            .iter()
            .map(|((m, r), n)| {
                (
                    vec![
                        format!("module=\"{}\"", esc(m)),
                        format!("result=\"{}\"", r.as_str()),
                    ],
                    n.to_string(),
                )
            })
            .collect::<Vec<_>>(),
    );
    gauge(
        &mut out,
        "smtping_exporter_in_flight",
        "Probes running now.",
        in_flight,
    );
    gauge(
        &mut out,
        "smtping_exporter_max_in_flight",
        "The limit of probes running at once ([limits] max_in_flight).",
        max_in_flight,
    );
    family(
        &mut out,
        "smtping_exporter_rejected_total",
        "Requests refused, by reason.",
        "counter",
        &c.rejected
            .iter()
            .map(|(r, n)| (vec![format!("reason=\"{}\"", r.as_str())], n.to_string()))
            .collect::<Vec<_>>(),
    );
    family(
        &mut out,
        "smtping_exporter_config_reload_total",
        "Configuration reloads (SIGHUP or POST /-/reload), by result.",
        "counter",
        &[true, false]
            .iter()
            .map(|ok| {
                (
                    vec![format!(
                        "result=\"{}\"",
                        if *ok { "success" } else { "failure" }
                    )],
                    c.reloads.get(ok).copied().unwrap_or(0).to_string(),
                )
            })
            .collect::<Vec<_>>(),
    );
    out
}

#[cfg(test)]
mod tests;
