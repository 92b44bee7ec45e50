//! Nagios/Icinga plugin output: one status line with perfdata for every phase timing
//! (monitoring-plugins guidelines: `'label'=value[UOM];warn;crit;min;max`).

use smtping_client::{Report, Status};

use super::term;

fn word(s: Status) -> &'static str {
    match s {
        Status::Green | Status::Grey => "OK",
        Status::Amber => "WARNING",
        _ => "CRITICAL",
    }
}

/// The plugin line (the exit code is the report's).
pub(crate) fn nagios(r: &Report) -> String {
    let mut perf: Vec<String> = r
        .timings_ms
        .phases()
        .into_iter()
        .map(|(k, v)| format!("'{k}'={:.3}s;;;0", v / 1000.0))
        .collect();
    if let Some(cert) = &r.tls.certificate {
        perf.push(format!(
            "'cert_days_remaining'={};14;0",
            cert.days_remaining
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
