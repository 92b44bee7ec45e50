//! Nagios/Icinga plugin output: one status line with perfdata for every phase timing
//! (monitoring-plugins guidelines: `'label'=value[UOM];warn;crit;min;max`).

use smtping_client::{Report, Status};

use super::term;
use crate::thresholds::Thresholds;

fn word(s: Status) -> &'static str {
    match s {
        Status::Green | Status::Grey => "OK",
        Status::Amber => "WARNING",
        _ => "CRITICAL",
    }
}

/// The plugin line (the exit code is the report's, after [`Thresholds::apply`]).
/// Perfdata: `'label'=value[UOM];warn;crit;min;max` with Monitoring Plugins ranges: the
/// certificate's days alert below the threshold (`14:`), the total time above it (`2`).
pub(crate) fn nagios(r: &Report, t: &Thresholds) -> String {
    let mut perf: Vec<String> = r
        .timings_ms
        .phases()
        .into_iter()
        .map(|(k, v)| {
            let limits = if k == "total" {
                t.time_perf()
            } else {
                ";".into()
            };
            format!("'{k}'={:.3}s;{limits};0", v / 1000.0)
        })
        .collect();
    if let Some(cert) = &r.tls.certificate {
        perf.push(format!(
            "'cert_days_remaining'={};{};0",
            cert.days_remaining,
            t.cert_perf()
        ));
    }
    // One line, no control byte, no `|` (it starts the perfdata).
    let summary = term::escape(&r.summary)
        .replace('|', "/")
        .replace('\n', " ");
    format!("SMTP {} - {summary} | {}", word(r.verdict), perf.join(" "))
}

#[cfg(test)]
mod tests;
