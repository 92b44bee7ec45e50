//! `--format html` for a batch (`--targets FILE`): one self-contained page with a table, one
//! row per target — verdict, each area's light, the delivery's final reply, the TLS version and
//! the certificate's days left, the findings — worst first.
//!
//! The table is complete and ordered without scripts (worst verdict first, then the targets
//! file's order); a small inline script makes the column headers sort on click (progressive
//! enhancement: nothing is hidden behind it). Every text that came from a server or the targets
//! file is escaped.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;
use smtping_client::Report;

use super::{CSS, at, class, esc, reply_line, s, word};

/// The areas shown as lights, in column order.
const AREAS: [(&str, &str); 6] = [
    ("connectivity", "Connectivity"),
    ("tls", "TLS"),
    ("auth", "Auth"),
    ("delivery", "Delivery"),
    ("signals", "Signals"),
    ("follow_through", "Follow-through"),
];

/// What the page keeps of one report (small: a batch may hold 100,000 targets).
#[derive(Clone, Debug)]
pub(crate) struct BatchRow {
    index: usize,
    target: String,
    verdict: String,
    areas: [String; 6],
    delivery: String,
    tls_version: String,
    cert_days: Option<i64>,
    findings: Vec<String>,
    total_ms: f64,
}

/// Severity rank of a status word for sorting (worst first).
fn rank(status: &str) -> u8 {
    match status {
        "red" => 0,
        "amber" => 1,
        "green" => 2,
        _ => 3,
    }
}

/// At most this many finding ids per row (the page links nothing; the JSON has them all).
const MAX_FINDINGS: usize = 6;
/// Text kept per cell that came from a server.
const MAX_CELL: usize = 160;

fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(MAX_CELL).collect();
    if text.chars().count() > MAX_CELL {
        out.push('…');
    }
    out
}

impl BatchRow {
    /// The row of one report; `index` is its line in the targets file.
    pub(crate) fn of(index: usize, report: &Report) -> Self {
        let v = serde_json::to_value(report).unwrap_or(Value::Null);
        Self::of_value(index, &v)
    }

    fn of_value(index: usize, v: &Value) -> Self {
        let areas = AREAS.map(|(key, _)| {
            if at(v, key).is_object() {
                s(v, &format!("{key}.status")).to_owned()
            } else {
                String::new()
            }
        });
        let d = at(v, "delivery");
        let outcome = s(d, "outcome").replace('_', " ");
        // The deciding reply, else what stopped the check, else the outcome word.
        let delivery = match (reply_line(at(d, "reply")), at(v, "error.message").as_str()) {
            (Some(line), _) => format!("{outcome}: {line}"),
            (None, Some(e)) => e.to_owned(),
            (None, None) => outcome,
        };
        let input = s(v, "target.input");
        let target = if input.is_empty() {
            format!("{}:{}", s(v, "target.host"), at(v, "target.port"))
        } else {
            input.to_owned()
        };
        Self {
            index,
            target: clip(&target),
            verdict: s(v, "verdict").to_owned(),
            areas,
            delivery: clip(&delivery),
            tls_version: s(v, "tls.version").to_owned(),
            cert_days: at(v, "tls.certificate.days_remaining").as_i64(),
            findings: at(v, "findings")
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default()
                .iter()
                .take(MAX_FINDINGS)
                .map(|f| clip(s(f, "id")))
                .collect(),
            total_ms: at(v, "timings_ms.total").as_f64().unwrap_or(0.0),
        }
    }
}

/// A status cell: the light and its word (never colour alone); `data-sort` ranks it.
fn status_cell(out: &mut String, status: &str) {
    if status.is_empty() {
        out.push_str("<td data-sort=\"9\" class=\"na\">—</td>");
        return;
    }
    let _ = write!(
        out,
        "<td data-sort=\"{r}\" class=\"{c}\"><span class=\"dot\" aria-hidden=\"true\"></span> \
<span class=\"word\">{w}</span></td>",
        r = rank(status),
        c = class(status),
        w = word(status),
    );
}

const TABLE_CSS: &str = "\
main{max-width:none}table{border-collapse:collapse;width:100%;font-size:.92rem}\
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#f0f0f0;position:sticky;top:0}th button{font:inherit;font-weight:700;\
background:none;border:0;padding:0;cursor:pointer;color:#1a1a1a}\
td.na{color:#4a4a4a}td .dot{vertical-align:middle}td,th[scope=row]{white-space:nowrap}\
td:nth-child(9),td:nth-child(12){white-space:normal;min-width:14rem}.wrap{overflow-x:auto}.counts span{margin-right:1rem}\
.mono{font-family:ui-monospace,monospace}";

/// Sorts the table by a column on a header click; the page is whole without it.
const SORT_SCRIPT: &str = "\
document.querySelectorAll('th button').forEach(function(b,i){b.addEventListener('click',\
function(){var th=b.parentNode,tb=document.querySelector('tbody'),asc=th.getAttribute(\
'aria-sort')!=='ascending';document.querySelectorAll('th').forEach(function(h){\
h.removeAttribute('aria-sort')});th.setAttribute('aria-sort',asc?'ascending':'descending');\
var rows=Array.prototype.slice.call(tb.rows);rows.sort(function(x,y){var a=x.cells[i],\
c=y.cells[i],p=a.getAttribute('data-sort'),q=c.getAttribute('data-sort');var r=(p!==null&&\
q!==null)?(parseFloat(p)-parseFloat(q)):a.textContent.localeCompare(c.textContent);\
return asc?r:-r});rows.forEach(function(r){tb.appendChild(r)})})});";

/// The page for a batch: `rows` in any order, `counts` = green, amber, red.
pub(crate) fn page(rows: &[BatchRow], counts: [usize; 3], elapsed: Duration) -> String {
    let mut rows: Vec<&BatchRow> = rows.iter().collect();
    rows.sort_by_key(|r| (rank(&r.verdict), r.index));
    let worst = rows.first().map_or("grey", |r| r.verdict.as_str());
    let mut out = String::with_capacity(4096 + rows.len() * 600);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>SMTP Health: {n} targets ({w})</title>\n<style>{CSS}{TABLE_CSS}</style>\n</head>\n\
<body>\n<main>\n<h1>SMTP Health</h1>\n\
<p class=\"verdict {c}\">Worst verdict: <strong>{w}</strong></p>\n\
<p class=\"counts\"><span>{n} targets checked in {secs:.1} s</span>\
<span>{g} OK</span><span>{a} WARN</span><span>{r} FAIL</span></p>\n\
<div class=\"wrap\">\n<table>\n<caption class=\"summary\">One row per target, worst first; select a column \
heading to sort by it.</caption>\n<thead><tr>",
        n = rows.len(),
        w = word(worst),
        c = class(worst),
        secs = elapsed.as_secs_f64(),
        g = counts[0],
        a = counts[1],
        r = counts[2],
    );
    let mut headings = vec!["Target", "Verdict"];
    headings.extend(AREAS.iter().map(|(_, name)| *name));
    headings.extend([
        "Final reply",
        "TLS version",
        "Certificate",
        "Findings",
        "Time",
    ]);
    for h in headings {
        let _ = write!(
            out,
            "<th scope=\"col\"><button type=\"button\">{h}</button></th>"
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in rows {
        let _ = write!(
            out,
            "<tr data-verdict=\"{}\"><th scope=\"row\" class=\"mono\">{}</th>",
            class(&r.verdict),
            esc(&r.target)
        );
        status_cell(&mut out, &r.verdict);
        for status in &r.areas {
            status_cell(&mut out, status);
        }
        let _ = write!(out, "<td>{}</td>", esc(&r.delivery));
        let _ = write!(out, "<td>{}</td>", esc(&r.tls_version));
        match r.cert_days {
            Some(d) => {
                let _ = write!(out, "<td data-sort=\"{d}\">{d} days left</td>");
            }
            None => out.push_str("<td data-sort=\"99999\"></td>"),
        }
        let _ = write!(
            out,
            "<td data-sort=\"{}\" class=\"mono\">{}</td>",
            r.findings.len(),
            esc(&r.findings.join(" "))
        );
        let _ = writeln!(
            out,
            "<td data-sort=\"{ms:.0}\">{s:.1} s</td></tr>",
            ms = r.total_ms,
            s = r.total_ms / 1000.0
        );
    }
    let _ = write!(
        out,
        "</tbody>\n</table>\n</div>\n</main>\n<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n"
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(index: usize, target: &str, verdict: &str, tls: &str) -> BatchRow {
        BatchRow::of_value(
            index,
            &json!({
                "target": {"input": target, "host": target, "port": 25},
                "verdict": verdict,
                "connectivity": {"status": "green"},
                "tls": {"status": tls, "version": "TLSv1.3",
                        "certificate": {"days_remaining": 40}},
                "auth": {"status": "grey"},
                "delivery": {"status": verdict, "outcome": "bounced",
                             "reply": {"code": 550, "enhanced": "5.1.1", "text": "no <such> user"}},
                "findings": [{"id": "delivery.bounced"}],
                "timings_ms": {"total": 1234.0}
            }),
        )
    }

    #[test]
    fn rows_are_worst_first_then_in_file_order() {
        let rows = [
            row(0, "a.example", "green", "green"),
            row(1, "b.example", "red", "red"),
            row(2, "c.example", "amber", "green"),
            row(3, "d.example", "red", "green"),
        ];
        let page = page(&rows, [1, 1, 2], Duration::from_millis(2500));
        let order: Vec<usize> = ["b.example", "d.example", "c.example", "a.example"]
            .iter()
            .map(|t| page.find(&format!(">{t}<")).expect(t))
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
        assert!(page.contains("Worst verdict: <strong>FAIL</strong>"));
        assert!(page.contains("4 targets checked in 2.5 s"));
        assert!(page.contains("<span>2 FAIL</span>"));
    }

    #[test]
    fn every_status_has_its_word_and_absent_areas_a_dash() {
        let page = page(
            &[row(0, "a.example", "red", "red")],
            [0, 0, 1],
            Duration::ZERO,
        );
        assert!(page.contains("<span class=\"word\">FAIL</span>"));
        assert!(page.contains("<span class=\"word\">NOT TESTED</span>")); // auth grey
        // signals and follow_through were not in the report.
        assert_eq!(page.matches("class=\"na\">—</td>").count(), 2);
        assert!(page.contains("40 days left"));
        assert!(page.contains("bounced: 550 5.1.1 no &lt;such&gt; user"));
    }

    #[test]
    fn hostile_text_is_escaped_and_nothing_is_fetched() {
        let page = page(
            &[row(0, "<script>alert(1)</script>", "red", "red")],
            [0, 0, 1],
            Duration::ZERO,
        );
        assert!(!page.contains("<script>alert"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        // One script only: the sorter, inline.
        assert_eq!(page.matches("<script").count(), 1);
    }

    #[test]
    fn long_server_text_is_clipped() {
        let mut r = row(0, "a.example", "red", "red");
        r.delivery = clip(&"x".repeat(10_000));
        assert_eq!(r.delivery.chars().count(), MAX_CELL + 1);
    }
}
