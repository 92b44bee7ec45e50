//! Output formats for reports: the human card, JSON, Nagios plugin output and Prometheus
//! text exposition.

pub(crate) mod card;
pub(crate) mod nagios;
pub(crate) mod prometheus;

use smtping_client::Report;

/// One JSON object, pretty-printed.
pub(crate) fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| {
        // A Report is plain data; serialisation cannot fail. Say so if it ever does.
        format!("{{\"error\":{{\"stage\":\"output\",\"kind\":\"internal\",\"message\":\"{e}\"}}}}")
    })
}

/// One JSON object on one line (for --jsonl).
pub(crate) fn json_line(report: &Report) -> String {
    serde_json::to_string(report).unwrap_or_else(|e| {
        format!("{{\"error\":{{\"stage\":\"output\",\"kind\":\"internal\",\"message\":\"{e}\"}}}}")
    })
}
