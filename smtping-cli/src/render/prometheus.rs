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
    follow_series(reports, &mut metric);
    out
}

// --- The follow-through's series (`--seed`, `--bounce-mailbox`): only when a report has a
// follow-through. The mailbox label is `host/folder`, never the user.

/// `imaps://alice%40example.org@imap.example.org:993/INBOX,Junk` and the folder found →
/// `imap.example.org:993/Junk` (the URL's folders, or `auto`, when nothing was found).
fn mailbox_label(url: &str, folder: Option<&str>) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let (host, folders) = rest.split_once('/').unwrap_or((rest, ""));
    let folder = folder.unwrap_or(if folders.is_empty() { "auto" } else { folders });
    format!("{host}/{folder}")
}

fn follow_series(reports: &[Report], metric: &mut impl FnMut(&str, &str, &str, Vec<String>)) {
    let follows: Vec<_> = reports
        .iter()
        .filter_map(|r| Some((r, r.follow_through.as_ref()?)))
        .collect();
    if follows.is_empty() {
        return;
    }
    let label = |r: &Report| format!("target=\"{}\"", esc(&r.target.input));
    let mut found = Vec::new();
    let mut latency = Vec::new();
    let mut bounce = Vec::new();
    for (r, f) in &follows {
        for s in &f.seeds {
            let mailbox = esc(&mailbox_label(&s.mailbox, s.folder.as_deref()));
            found.push(format!(
                "smtping_follow_found{{{},mailbox=\"{mailbox}\"}} {}",
                label(r),
                u8::from(s.found)
            ));
            if let (true, Some(ms)) = (s.found, s.latency_ms) {
                latency.push(format!(
                    "smtping_follow_latency_seconds{{{},mailbox=\"{mailbox}\"}} {:.3}",
                    label(r),
                    ms as f64 / 1000.0
                ));
            }
        }
        if let Some(b) = f.bounce.as_ref().filter(|b| b.watched) {
            let hard = b.found && b.dsn.as_ref().is_some_and(|d| d.hard);
            bounce.push(format!(
                "smtping_follow_bounce{{{},hard=\"{hard}\"}} {}",
                label(r),
                u8::from(b.found)
            ));
        }
    }
    metric(
        "smtping_follow_found",
        "1 when the test message was found in the seed mailbox (host/folder) by the deadline.",
        "gauge",
        found,
    );
    metric(
        "smtping_follow_latency_seconds",
        "From the final dot to the poll that found the message in the seed mailbox.",
        "gauge",
        latency,
    );
    metric(
        "smtping_follow_bounce",
        "1 when a DSN about the test message arrived in the bounce mailbox (hard: failed for good).",
        "gauge",
        bounce,
    );
}

#[cfg(test)]
mod tests;
