//! Prometheus text exposition (format 0.0.4), in the spirit of blackbox_exporter's
//! `probe_*` metrics, with the SMTP phases it lacks.

use std::fmt::Write as _;

use smtping_client::{Report, Status};

use super::term;

/// A label value: controls other than LF as visible escapes (see [`term`]), then the
/// exposition format's own escapes for `\`, `"` and LF.
pub(crate) fn esc(v: &str) -> String {
    term::escape(v)
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// The exposition for one report (several reports: concatenate with [`exposition_many`]).
pub(crate) fn exposition(r: &Report) -> String {
    exposition_many(std::slice::from_ref(r))
}

/// One exposition for several reports (batch mode), each series labelled by target.
pub(crate) fn exposition_many(reports: &[Report]) -> String {
    series(reports, &|r: &Report| {
        vec![format!("target=\"{}\"", esc(&r.target.input))]
    })
}

/// The same series for one report with no target label: `smtping serve` answers for the
/// one target Prometheus asked about (its `instance` label says which, as with blackbox),
/// so no address local part ever becomes a label.
pub(crate) fn exposition_unlabelled(r: &Report) -> String {
    series(std::slice::from_ref(r), &|_| Vec::new())
}

/// A traffic light as a number: `0` green, `1` amber, `2` red, `3` grey (not tested).
pub(crate) fn status_value(s: Status) -> u8 {
    match s {
        Status::Green => 0,
        Status::Amber => 1,
        Status::Red => 2,
        _ => 3,
    }
}

/// `{a="1",b="2"}`, or nothing for no labels.
pub(crate) fn braces(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", labels.join(","))
    }
}

/// Every `smtping_*` series of the reports, each row with `base(report)` labels first.
fn series(reports: &[Report], base: &dyn Fn(&Report) -> Vec<String>) -> String {
    let mut out = String::new();
    let label = |r: &Report, extra: &[String]| {
        let mut l = base(r);
        l.extend_from_slice(extra);
        braces(&l)
    };
    let mut metric = |name: &str, help: &str, kind: &str, rows: Vec<String>| {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for row in rows {
            let _ = writeln!(out, "{row}");
        }
    };
    metric(
        "smtping_success",
        "1 when the check is green or amber, 0 when red.",
        "gauge",
        reports
            .iter()
            .map(|r| {
                format!(
                    "smtping_success{} {}",
                    label(r, &[]),
                    u8::from(r.verdict != Status::Red)
                )
            })
            .collect(),
    );
    metric(
        "smtping_verdict",
        "Overall traffic light: 0 green, 1 amber, 2 red, 3 grey (not tested).",
        "gauge",
        reports
            .iter()
            .map(|r| {
                format!(
                    "smtping_verdict{} {}",
                    label(r, &[]),
                    status_value(r.verdict)
                )
            })
            .collect(),
    );
    metric(
        "smtping_phase_duration_seconds",
        "Time spent in each SMTP phase.",
        "gauge",
        reports
            .iter()
            .flat_map(|r| {
                r.timings_ms.phases().into_iter().map(move |(k, v)| {
                    format!(
                        "smtping_phase_duration_seconds{} {:.6}",
                        label(r, &[format!("phase=\"{k}\"")]),
                        v / 1000.0
                    )
                })
            })
            .collect(),
    );
    metric(
        "smtping_tls_version_info",
        "The negotiated TLS version (1 for the version in use).",
        "gauge",
        reports
            .iter()
            .filter_map(|r| {
                r.tls.version.as_ref().map(|v| {
                    format!(
                        "smtping_tls_version_info{} 1",
                        label(r, &[format!("version=\"{}\"", esc(v.as_str()))])
                    )
                })
            })
            .collect(),
    );
    metric(
        "smtping_tls_certificate_valid",
        "1 when the server certificate verified.",
        "gauge",
        reports
            .iter()
            .filter_map(|r| {
                r.tls.certificate.as_ref().map(|c| {
                    format!(
                        "smtping_tls_certificate_valid{} {}",
                        label(
                            r,
                            &[format!("verification=\"{}\"", c.verification.as_str())]
                        ),
                        u8::from(c.verification.is_valid())
                    )
                })
            })
            .collect(),
    );
    metric(
        "smtping_tls_certificate_days_remaining",
        "Whole days until the server certificate expires.",
        "gauge",
        reports
            .iter()
            .filter_map(|r| {
                r.tls.certificate.as_ref().map(|c| {
                    format!(
                        "smtping_tls_certificate_days_remaining{} {}",
                        label(r, &[]),
                        c.days_remaining
                    )
                })
            })
            .collect(),
    );
    metric(
        "smtping_delivery_outcome",
        "1 for the delivery outcome observed (accepted, deferred, bounced, unknown, not_tested).",
        "gauge",
        reports
            .iter()
            .map(|r| {
                let code = r.delivery.reply.as_ref().map_or(0, |x| x.code);
                format!(
                    "smtping_delivery_outcome{} 1",
                    label(
                        r,
                        &[
                            format!("outcome=\"{}\"", r.delivery.outcome),
                            format!("code=\"{code}\"")
                        ]
                    )
                )
            })
            .collect(),
    );
    out
}

#[cfg(test)]
mod tests;
