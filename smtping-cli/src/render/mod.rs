//! Output formats for reports: the human card, JSON, Nagios plugin output, Prometheus
//! text exposition and the HTML page. Text for people goes through [`term`], which escapes control bytes.

pub(crate) mod card;
pub(crate) mod domain;
pub(crate) mod follow;
pub(crate) mod html;
pub(crate) mod nagios;
pub(crate) mod prometheus;
pub(crate) mod term;

use smtping_client::Report;

fn json_with(report: &Report, pretty: bool) -> String {
    term::json_string(report, pretty).unwrap_or_else(|e| {
        // A Report is plain data; serialisation cannot fail. Say so if it ever does.
        format!("{{\"error\":{{\"stage\":\"output\",\"kind\":\"internal\",\"message\":\"{e}\"}}}}")
    })
}

/// One JSON object, pretty-printed.
pub(crate) fn json(report: &Report) -> String {
    json_with(report, true)
}

/// One JSON object on one line (for --jsonl).
pub(crate) fn json_line(report: &Report) -> String {
    json_with(report, false)
}
