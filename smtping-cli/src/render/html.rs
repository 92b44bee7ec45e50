//! `smtping check --format html`: one self-contained HTML5 page, the "SMTP Health" card.
//!
//! Inline CSS and inline SVG only: no external resource, no script. Every text that came from
//! a server (banner, replies, certificate names, transcript) goes through [`esc`]. Traffic
//! lights always carry their word (OK, WARN, FAIL, NOT TESTED), so colour is never the only
//! meaning, and every colour pair used for text has a contrast of at least 4.5:1.
//!
//! The page is built from the report's JSON value (the same object `--json` prints), so it
//! shows exactly what the JSON says.

use std::fmt::Write as _;

use serde_json::Value;
use smtping_client::Report;

/// Where the envelope of the picture stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Stop {
    /// The server was never reached.
    App,
    /// The server was reached but did not take the message (or no delivery was tested).
    Smtp,
    /// The message was accepted.
    Mailbox,
}

impl Stop {
    /// The word used in `data-stop`.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Self::App => "app",
            Self::Smtp => "smtp",
            Self::Mailbox => "mailbox",
        }
    }

    fn x(self) -> u32 {
        match self {
            Self::App => 70,
            Self::Smtp => 300,
            Self::Mailbox => 530,
        }
    }
}

/// Escapes text for HTML element content and quoted attribute values; control characters
/// (other than newline and tab) become U+FFFD.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

fn s<'a>(v: &'a Value, path: &str) -> &'a str {
    at(v, path).as_str().unwrap_or("")
}

/// `250 2.0.0 Ok` from a Reply object; `None` for null.
fn reply_line(r: &Value) -> Option<String> {
    let code = r.get("code")?.as_u64()?;
    let mut line = code.to_string();
    if let Some(e) = r.get("enhanced").and_then(Value::as_str) {
        line.push(' ');
        line.push_str(e);
    }
    let text = r.get("text").and_then(Value::as_str).unwrap_or("");
    if !text.is_empty() {
        line.push(' ');
        line.push_str(&text.replace('\n', " / "));
    }
    Some(line)
}

/// The word of a status: never colour alone.
fn word(status: &str) -> &'static str {
    match status {
        "green" => "OK",
        "amber" => "WARN",
        "red" => "FAIL",
        _ => "NOT TESTED",
    }
}

fn class(status: &str) -> &'static str {
    match status {
        "green" => "green",
        "amber" => "amber",
        "red" => "red",
        _ => "grey",
    }
}

/// Where the envelope stops for this report.
pub(crate) fn stop(v: &Value) -> Stop {
    match s(v, "delivery.outcome") {
        "accepted" => Stop::Mailbox,
        _ if at(v, "connectivity.connected_to").is_null() => Stop::App,
        _ => Stop::Smtp,
    }
}

/// The final reply, the envelope's tooltip.
fn final_reply(v: &Value) -> String {
    if let Some(r) = reply_line(at(v, "delivery.reply")) {
        return r;
    }
    if let Some(m) = at(v, "error.message").as_str() {
        return m.to_owned();
    }
    if let Some(r) = reply_line(at(v, "connectivity.greeting")) {
        return format!("greeting {r}");
    }
    "no reply".to_owned()
}

fn connectivity_detail(v: &Value) -> String {
    if let Some(to) = at(v, "connectivity.connected_to").as_str() {
        match at(v, "connectivity.greeting.code").as_u64() {
            Some(c) => format!("{to}, greeting {c}"),
            None => format!("{to}, no greeting"),
        }
    } else if let Some(e) = at(v, "connectivity.dns.error").as_str() {
        format!("DNS: {e}")
    } else if let Some(m) = at(v, "error.message").as_str() {
        m.to_owned()
    } else {
        "not reached".to_owned()
    }
}

fn tls_detail(v: &Value) -> String {
    let t = at(v, "tls");
    if at(t, "established").as_bool() == Some(true) {
        let mut d = s(t, "version").to_owned();
        if let Some(ver) = at(t, "certificate.verification").as_str() {
            let _ = write!(d, ", certificate {}", ver.replace('_', " "));
            if let Some(days) = at(t, "certificate.days_remaining").as_i64() {
                let _ = write!(d, " ({days} days left)");
            }
        }
        d
    } else if let Some(e) = at(t, "error").as_str() {
        e.to_owned()
    } else if at(t, "offered").as_bool() == Some(true) {
        "offered, not established".to_owned()
    } else {
        "not offered".to_owned()
    }
}

fn auth_detail(v: &Value) -> String {
    let a = at(v, "auth");
    let mechs: Vec<&str> = ["mechanisms_after_tls", "mechanisms_before_tls"]
        .iter()
        .filter_map(|f| a.get(*f).and_then(Value::as_array))
        .find(|m| !m.is_empty())
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let login = s(a, "login.outcome").replace('_', " ");
    let mechs = if mechs.is_empty() {
        "no AUTH offered".to_owned()
    } else {
        mechs.join(" ")
    };
    format!("login {login}; {mechs}")
}

fn delivery_detail(v: &Value) -> String {
    let d = at(v, "delivery");
    let outcome = s(d, "outcome").replace('_', " ");
    let reason = at(d, "reason").as_str().filter(|r| *r != s(d, "outcome"));
    match (reason, reply_line(at(d, "reply"))) {
        (Some(r), Some(line)) => format!("{outcome} ({r}): {line}"),
        (Some(r), None) => format!("{outcome} ({r})"),
        _ => outcome,
    }
}

/// The follow-through light's text: per seed mailbox where the message landed (or not),
/// after how long, the receiver's DMARC verdict; and a later bounce.
fn follow_detail(v: &Value) -> String {
    let f = at(v, "follow_through");
    let mut parts: Vec<String> = Vec::new();
    for seed in at(f, "seeds")
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let mailbox = s(seed, "mailbox");
        if at(seed, "found").as_bool() == Some(true) {
            let mut p = format!("{mailbox}: landed in {}", s(seed, "folder"));
            if let Some(ms) = at(seed, "latency_ms").as_u64() {
                let _ = write!(p, " after {:.1} s", ms as f64 / 1000.0);
            }
            if let Some(d) = at(seed, "authentication_results.dmarc").as_str() {
                let _ = write!(p, ", dmarc={d}");
            }
            parts.push(p);
        } else if let Some(e) = at(seed, "error.message").as_str() {
            parts.push(format!("{mailbox}: {e}"));
        } else {
            parts.push(format!("{mailbox}: not found by the deadline"));
        }
    }
    let bounce = at(f, "bounce");
    if at(bounce, "found").as_bool() == Some(true) {
        let dsn = at(bounce, "dsn");
        let kind = if at(dsn, "hard").as_bool() == Some(true) {
            "hard"
        } else {
            "soft"
        };
        let mut p = format!("bounced later ({kind})");
        if let Some(code) = at(dsn, "diagnostic_code")
            .as_str()
            .or(at(dsn, "status").as_str())
        {
            let _ = write!(p, ": {code}");
        }
        parts.push(p);
    } else if at(bounce, "watched").as_bool() == Some(true) {
        parts.push("no bounce by the deadline".to_owned());
    }
    if parts.is_empty() {
        "no seed mailbox".to_owned()
    } else {
        parts.join(" · ")
    }
}

fn light(out: &mut String, area: &str, name: &str, status: &str, detail: &str) {
    let _ = writeln!(
        out,
        "<li class=\"light {c}\" data-area=\"{area}\"><span class=\"dot\" aria-hidden=\"true\"></span>\
<span class=\"name\">{name}</span> <span class=\"word\">{w}</span> \
<span class=\"detail\">{d}</span></li>",
        c = class(status),
        w = word(status),
        d = esc(detail),
    );
}

fn envelope(out: &mut String, v: &Value) {
    let stop = stop(v);
    let reply = final_reply(v);
    let label = match stop {
        Stop::Mailbox => format!("The message reached the mailbox: {reply}"),
        Stop::Smtp if s(v, "delivery.outcome") == "not_tested" => {
            format!("The SMTP server was reached; no delivery was tested: {reply}")
        }
        Stop::Smtp => format!("The message stopped at the SMTP server: {reply}"),
        Stop::App => format!("The SMTP server was not reached: {reply}"),
    };
    let x = stop.x();
    let _ = write!(
        out,
        "<figure class=\"journey\">\n<svg role=\"img\" aria-label=\"{label}\" data-stop=\"{stop}\" \
viewBox=\"0 0 600 150\" width=\"600\" height=\"150\">\n\
<title>{reply}</title>\n\
<line x1=\"70\" y1=\"100\" x2=\"530\" y2=\"100\" class=\"wire\"/>\n",
        label = esc(&label),
        stop = stop.word(),
        reply = esc(&reply),
    );
    for (nx, name) in [(70, "App"), (300, "SMTP"), (530, "Mailbox")] {
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"82\" width=\"96\" height=\"36\" rx=\"6\" class=\"node\"/>\
<text x=\"{nx}\" y=\"106\" text-anchor=\"middle\" class=\"node-label\">{name}</text>",
            nx - 48
        );
    }
    let mark = match stop {
        Stop::Mailbox => "✓",
        _ if s(v, "delivery.outcome") == "not_tested" => "",
        _ => "✗",
    };
    let _ = write!(
        out,
        "<g class=\"envelope\" transform=\"translate({x} 0)\"><g class=\"travel travel-{stop}\">\
<rect x=\"-22\" y=\"22\" width=\"44\" height=\"30\" rx=\"3\" class=\"env-body\"/>\
<path d=\"M-22 22 L0 40 L22 22\" class=\"env-flap\"/>\
<text x=\"0\" y=\"72\" text-anchor=\"middle\" class=\"env-mark\">{mark}</text></g></g>\n\
</svg>\n<figcaption>{label}</figcaption>\n</figure>\n",
        stop = stop.word(),
        label = esc(&label),
    );
}

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1a1a1a;background:#fff;\
margin:0;padding:1.5rem;line-height:1.4}\
main{max-width:46rem;margin:0 auto}\
.card{border:1px solid #767676;border-radius:10px;padding:1rem 1.25rem}\
h1{margin:0 0 .25rem;font-size:1.5rem}h2{font-size:1.2rem}\
.target,.summary,figcaption{color:#4a4a4a}\
.lights{list-style:none;padding:0;margin:1rem 0}\
.light{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;padding:.35rem 0;\
border-bottom:1px solid #ddd}\
.dot{width:1rem;height:1rem;border-radius:50%;border:2px solid #1a1a1a;display:inline-block}\
.name{font-weight:600;min-width:7rem}\
.word,.verdict strong,.sev{color:#fff;border-radius:4px;padding:0 .4rem;font-weight:700}\
.detail{color:#4a4a4a;overflow-wrap:anywhere}\
.green .dot,.green .word,.verdict.green strong{background:#1b5e20}\
.amber .dot,.amber .word,.verdict.amber strong{background:#8a5a00}\
.red .dot,.red .word,.verdict.red strong{background:#b71c1c}\
.grey .dot,.grey .word{background:#4a4a4a}\
.sev-error .sev{background:#b71c1c}.sev-warning .sev{background:#8a5a00}\
.sev-info .sev{background:#0d47a1}\
.findings li{margin-bottom:.6rem}.fix{margin:.2rem 0 0;color:#1a1a1a}\
.journey{margin:1rem 0}.journey svg{max-width:100%;height:auto}\
.wire{stroke:#4a4a4a;stroke-width:3;stroke-dasharray:8 6}\
.node{fill:#f0f0f0;stroke:#1a1a1a;stroke-width:2}\
.node-label{font:600 15px system-ui,sans-serif;fill:#1a1a1a}\
.env-body{fill:#fff;stroke:#1a1a1a;stroke-width:2}.env-flap{fill:none;stroke:#1a1a1a;stroke-width:2}\
.env-mark{font:700 16px system-ui,sans-serif;fill:#1a1a1a}\
.travel-smtp{animation:to-smtp 1.2s ease-out}.travel-mailbox{animation:to-mailbox 1.8s ease-out}\
@keyframes to-smtp{from{transform:translateX(-230px)}to{transform:none}}\
@keyframes to-mailbox{from{transform:translateX(-460px)}to{transform:none}}\
@media print,(prefers-reduced-motion:reduce){.travel{animation:none}}\
details{margin-top:1rem}summary{cursor:pointer;font-weight:600}\
pre{background:#f6f6f6;color:#1a1a1a;padding:.75rem;overflow-x:auto;font-size:.85rem;\
white-space:pre-wrap;overflow-wrap:anywhere}\
code{font-size:.9em}";

/// The page for one report.
pub(crate) fn page(report: &Report) -> String {
    // A Report is plain data; if it ever failed to serialise, the page says so.
    let v = serde_json::to_value(report).unwrap_or(Value::Null);
    page_from_value(&v)
}

/// The page for one report given as its JSON value.
pub(crate) fn page_from_value(v: &Value) -> String {
    let host = s(v, "target.host");
    let target = if host.contains(':') {
        format!("[{host}]:{}", at(v, "target.port"))
    } else {
        format!("{host}:{}", at(v, "target.port"))
    };
    let verdict = s(v, "verdict");
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>SMTP Health: {t} ({w})</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n\
<section class=\"card\" aria-labelledby=\"card-title\">\n\
<h1 id=\"card-title\">SMTP Health</h1>\n<p class=\"target\">{t}</p>\n\
<p class=\"verdict {c}\">Verdict: <strong>{w}</strong></p>\n<ul class=\"lights\">\n",
        t = esc(&target),
        c = class(verdict),
        w = word(verdict),
    );
    light(
        &mut out,
        "connectivity",
        "Connectivity",
        s(v, "connectivity.status"),
        &connectivity_detail(v),
    );
    light(&mut out, "tls", "TLS", s(v, "tls.status"), &tls_detail(v));
    light(
        &mut out,
        "auth",
        "Auth",
        s(v, "auth.status"),
        &auth_detail(v),
    );
    light(
        &mut out,
        "delivery",
        "Delivery",
        s(v, "delivery.status"),
        &delivery_detail(v),
    );
    if at(v, "signals").is_object() {
        let detail = format!(
            "sending IP {} ({})",
            s(v, "signals.sending_ip"),
            s(v, "signals.address_scope").replace('_', " ")
        );
        light(
            &mut out,
            "signals",
            "Signals",
            s(v, "signals.status"),
            &detail,
        );
    }
    if at(v, "follow_through").is_object() {
        light(
            &mut out,
            "follow_through",
            "Follow-through",
            s(v, "follow_through.status"),
            &follow_detail(v),
        );
    }
    out.push_str("</ul>\n");
    envelope(&mut out, v);
    let _ = writeln!(
        out,
        "<p class=\"summary\">{}</p>\n</section>",
        esc(s(v, "summary"))
    );

    let findings = at(v, "findings").as_array().cloned().unwrap_or_default();
    out.push_str("<section class=\"findings\" aria-labelledby=\"findings-title\">\n");
    let _ = writeln!(
        out,
        "<h2 id=\"findings-title\">Findings ({})</h2>",
        findings.len()
    );
    if findings.is_empty() {
        out.push_str("<p>No findings.</p>\n");
    } else {
        out.push_str("<ul>\n");
        for f in &findings {
            let sev = s(f, "severity");
            let sev_class = match sev {
                "error" => "error",
                "warning" => "warning",
                _ => "info",
            };
            let _ = writeln!(
                out,
                "<li class=\"sev-{sev_class}\"><span class=\"sev\">{}</span> <code>{}</code> {}\
<p class=\"fix\"><strong>Fix:</strong> {}</p></li>",
                sev_class.to_ascii_uppercase(),
                esc(s(f, "id")),
                esc(s(f, "message")),
                esc(s(f, "remediation")),
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");

    let transcript = at(v, "transcript").as_array().cloned().unwrap_or_default();
    let _ = write!(
        out,
        "<details class=\"transcript\">\n<summary>Transcript ({} lines)</summary>\n<pre>",
        transcript.len()
    );
    for l in &transcript {
        let who = match s(l, "dir") {
            "client" => "C:",
            "server" => "S:",
            _ => "* ",
        };
        let tls = if at(l, "tls").as_bool() == Some(true) {
            " [tls]"
        } else {
            ""
        };
        let t = at(l, "t_ms").as_f64().unwrap_or(0.0);
        let _ = writeln!(out, "{t:>8.1} ms{tls} {who} {}", esc(s(l, "line")));
    }
    out.push_str("</pre>\n</details>\n</main>\n</body>\n</html>\n");
    out
}

pub(crate) mod batch;

#[cfg(test)]
mod tests;
