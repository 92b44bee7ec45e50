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
    if let Some(f) = &r.follow_through {
        follow_perf(&mut perf, f);
    }
    // One line, no control byte, no `|` (it starts the perfdata).
    let summary = term::escape(&r.summary)
        .replace('|', "/")
        .replace('\n', " ");
    format!("SMTP {} - {summary} | {}", word(r.verdict), perf.join(" "))
}

/// The follow-through's perfdata: seeds found out of all (critical below all), the
/// slowest arrival, and whether the message bounced (critical at 1).
fn follow_perf(perf: &mut Vec<String>, f: &smtping_client::report::follow::FollowThroughInfo) {
    if !f.seeds.is_empty() {
        let n = f.seeds.len();
        let found = f.seeds.iter().filter(|s| s.found).count();
        perf.push(format!("'follow_found'={found};;{n}:;0;{n}"));
        if let Some(ms) = f.seeds.iter().filter_map(|s| s.latency_ms).max() {
            perf.push(format!("'follow_latency'={:.3}s;;;0", ms as f64 / 1000.0));
        }
    }
    if let Some(b) = f.bounce.as_ref().filter(|b| b.watched) {
        let hard = b.found && b.dsn.as_ref().is_some_and(|d| d.hard);
        perf.push(format!("'follow_bounced'={};;1;0;1", u8::from(hard)));
    }
}

#[cfg(test)]
mod tests;
