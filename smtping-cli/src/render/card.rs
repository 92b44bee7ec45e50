//! The human report card: one line per area with a traffic-light word, the delivery
//! outcome with its codes and explanation, findings with remediation, timings, and the
//! transcript on request.

use std::fmt::Write as _;

use smtping_client::report::{ReplyInfo, Report, Severity, Status};

use super::term;

/// How to draw the card.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct CardStyle {
    /// ANSI colours (a terminal without NO_COLOR).
    pub(crate) color: bool,
    /// Append the dialogue.
    pub(crate) transcript: bool,
    /// An envelope was given (`--from`/`--to`): a delivery not tested was not reached.
    pub(crate) envelope: bool,
}

pub(crate) struct Paint {
    pub(crate) on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    pub(super) fn status(&self, s: Status) -> String {
        self.light(s, &format!("{:<5}", s.as_str().to_uppercase()))
    }

    fn light(&self, s: Status, word: &str) -> String {
        let code = match s {
            Status::Green => "1;32",
            Status::Amber => "1;33",
            Status::Red => "1;31",
            _ => "2",
        };
        self.wrap(code, word)
    }

    /// The status word without padding (for the heading).
    pub(super) fn verdict(&self, s: Status) -> String {
        self.light(s, &s.as_str().to_uppercase())
    }

    pub(super) fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    pub(super) fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    pub(super) fn severity(&self, s: Severity) -> String {
        let word = format!("{:<7}", s.as_str());
        let code = match s {
            Severity::Error => "31",
            Severity::Warning => "33",
            _ => "2",
        };
        self.wrap(code, &word)
    }
}

/// Continuation lines line up under the area text.
const INDENT: &str = "                       ";
/// Width the card's lines are wrapped to (long replies wrap; they are never cut).
pub(super) const WIDTH: usize = 100;

/// A reply as one line: code, enhanced code and every text line (joined with ` / `).
fn reply(r: &ReplyInfo) -> String {
    let text = r
        .text
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" / ");
    match &r.enhanced {
        Some(e) => format!("{} {e} {text}", r.code),
        None => format!("{} {text}", r.code),
    }
}

/// Cuts `s` to `n` characters with an ellipsis (for names, never for replies).
pub(super) fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Splits `text` into lines of at most `width` characters, at spaces when it can (a word
/// longer than a line is split where the line ends). Nothing is dropped.
pub(super) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let sep = usize::from(len > 0);
            if len + sep + word.len() <= width {
                if sep == 1 {
                    line.push(' ');
                }
                line.extend(word.iter());
                len += sep + word.len();
                break;
            }
            if len > 0 {
                lines.push(std::mem::take(&mut line));
                len = 0;
                continue;
            }
            // A word longer than a whole line.
            let rest = word.split_off(width);
            lines.push(word.iter().collect());
            word = rest;
        }
    }
    if len > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes `text` after `first` (already written, `first_len` characters wide), wrapped,
/// continuation lines under `indent`.
pub(super) fn write_wrapped(
    out: &mut String,
    first: &str,
    first_len: usize,
    indent: &str,
    text: &str,
) {
    let room = WIDTH.saturating_sub(first_len);
    let lines = wrap(text, room);
    let mut it = lines.iter();
    let _ = writeln!(out, "{first}{}", it.next().map_or("", String::as_str));
    let rest: Vec<&str> = it.map(String::as_str).collect();
    if !rest.is_empty() {
        let again = wrap(
            &rest.join(" "),
            WIDTH.saturating_sub(indent.chars().count()),
        );
        for l in again {
            let _ = writeln!(out, "{indent}{l}");
        }
    }
}

/// One area line: name, traffic light, text (wrapped under the text).
pub(super) fn area(out: &mut String, p: &Paint, name: &str, status: Option<Status>, text: &str) {
    let light = status.map_or_else(|| " ".repeat(5), |s| p.status(s));
    let first = format!("  {name:<13} {light}  ");
    write_wrapped(out, &first, INDENT.len(), INDENT, text);
}

/// A continuation line under the area text, wrapped.
pub(super) fn more(out: &mut String, text: &str) {
    write_wrapped(out, INDENT, INDENT.len(), INDENT, text);
}

pub(super) fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else {
        format!("{v:.1} ms")
    }
}

/// A size in bytes in human units (binary: what MTAs configure), `35 MiB`, `9.8 MiB`.
pub(crate) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    #[allow(clippy::cast_precision_loss)] // display only
    let mut v = bytes as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if (v - v.round()).abs() < 0.05 || v >= 100.0 {
        format!("{:.0} {}", v, UNITS[unit])
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}

/// Draws the card. Every string of the report is shown through [`term::escape`] (and
/// transcript lines through [`term::escape_line`]): server text cannot drive the terminal.
pub(crate) fn card(r: &Report, style: CardStyle) -> String {
    match term::report(r) {
        Some(safe) => draw(&safe, style),
        // Cannot happen for plain data; stay safe anyway: no colour, everything escaped.
        None => term::escape(&draw(
            r,
            CardStyle {
                color: false,
                ..style
            },
        ))
        .into_owned(),
    }
}

/// Draws the card of a report whose strings are already escaped: one function per area.
fn draw(r: &Report, style: CardStyle) -> String {
    let p = Paint { on: style.color };
    let mut out = String::new();
    header(&mut out, &p, r);
    connectivity(&mut out, &p, r);
    extensions(&mut out, &p, r);
    tls(&mut out, &p, r);
    auth(&mut out, &p, r);
    delivery(&mut out, &p, r, style);
    relay(&mut out, &p, r);
    enforcement(&mut out, &p, r);
    hosts(&mut out, &p, r);
    sweep(&mut out, &p, r);
    signals(&mut out, &p, r);
    if let Some(f) = &r.follow_through {
        super::follow::section(&mut out, &p, f);
    }
    error(&mut out, &p, r);
    findings(&mut out, &p, r);
    timings(&mut out, &p, r);
    if style.transcript {
        transcript(&mut out, &p, r);
    }
    out
}

/// Target, verdict and the one-line summary.
fn header(out: &mut String, p: &Paint, r: &Report) {
    let target = if r.target.input.is_empty() {
        format!("{}:{}", r.target.host, r.target.port)
    } else {
        r.target.input.clone()
    };
    let _ = writeln!(
        out,
        "{} {}  {}",
        p.bold("smtping"),
        p.bold(&target),
        p.verdict(r.verdict)
    );
    write_wrapped(out, "  ", 2, "  ", &r.summary);
    let _ = writeln!(out);
}

/// DNS, the connection, the greeting; the failed attempts under it.
fn connectivity(out: &mut String, p: &Paint, r: &Report) {
    let c = &r.connectivity;
    let mut line = String::new();
    if let Some(addr) = &c.connected_to {
        let _ = write!(line, "connected to {addr}");
        if let Some(t) = r.timings_ms.connect {
            let _ = write!(line, " in {}", ms(t));
        }
        if let Some(g) = &c.greeting {
            let _ = write!(line, "; greeting {}", reply(g));
        }
    } else if let Some(e) = &c.dns.error {
        line.push_str(e);
    } else if let Some(a) = c.attempts.last() {
        let _ = write!(line, "{} {}", a.address, a.outcome);
    } else {
        line.push_str("not reached");
    }
    if !c.dns.mx.is_empty() {
        let mx: Vec<String> = c
            .dns
            .mx
            .iter()
            .take(3)
            .map(|m| format!("{} {}", m.preference, m.host))
            .collect();
        let _ = write!(line, " (MX {})", mx.join(", "));
    }
    area(out, p, "Connectivity", Some(c.status), &line);
    for a in c.attempts.iter().filter(|a| a.outcome != "connected") {
        more(
            out,
            &format!("{} {} after {}", a.address, a.outcome, ms(a.elapsed_ms)),
        );
    }
}

/// Extension keywords shown by name (the others are counted).
const KNOWN: [&str; 9] = [
    "SIZE",
    "PIPELINING",
    "STARTTLS",
    "AUTH",
    "8BITMIME",
    "SMTPUTF8",
    "CHUNKING",
    "DSN",
    "REQUIRETLS",
];

/// What EHLO offered (the capabilities inside TLS when TLS was used).
fn extensions(out: &mut String, p: &Paint, r: &Report) {
    let Some(e) = &r.ehlo else {
        if r.connectivity.greeting.is_some() {
            area(out, p, "Extensions", Some(Status::Grey), "not reached");
        }
        return;
    };
    if e.helo_fallback {
        area(
            out,
            p,
            "Extensions",
            None,
            "none: EHLO was refused and HELO used (no ESMTP extension)",
        );
        return;
    }
    let keyword = |line: &str| {
        line.split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase()
    };
    let has = |k: &str| e.keywords.iter().any(|l| keyword(l) == k);
    let mut parts: Vec<String> = Vec::new();
    if has("SIZE") || e.size.is_some() {
        parts.push(match e.size {
            Some(n) if n > 0 => format!("SIZE {}", human_size(n)),
            _ => "SIZE (no limit)".into(),
        });
    }
    let flags = [
        ("PIPELINING", e.pipelining),
        // STARTTLS is only ever in the plaintext EHLO.
        (
            "STARTTLS",
            e.starttls || r.tls.offered && r.tls.mode == "starttls",
        ),
    ];
    parts.extend(flags.iter().filter(|f| f.1).map(|f| f.0.to_owned()));
    let mechanisms = if e.auth_mechanisms.is_empty() {
        let mut m = r.auth.mechanisms_after_tls.clone();
        if m.is_empty() {
            m.clone_from(&r.auth.mechanisms_before_tls);
        }
        m
    } else {
        e.auth_mechanisms.clone()
    };
    if !mechanisms.is_empty() {
        parts.push(format!("AUTH {}", mechanisms.join(" ")));
    }
    let flags = [
        ("8BITMIME", e.eightbitmime),
        ("SMTPUTF8", e.smtputf8),
        ("CHUNKING", e.chunking),
        ("DSN", e.dsn),
        ("REQUIRETLS", has("REQUIRETLS")),
    ];
    parts.extend(flags.iter().filter(|f| f.1).map(|f| f.0.to_owned()));
    let mut others: Vec<String> = e
        .keywords
        .iter()
        .map(|l| keyword(l))
        .filter(|k| !k.is_empty() && !KNOWN.contains(&k.as_str()))
        .collect();
    others.dedup();
    if !others.is_empty() {
        parts.push(format!("+{} more ({})", others.len(), others.join(" ")));
    }
    let text = if parts.is_empty() {
        "none offered".to_owned()
    } else {
        parts.join(" · ")
    };
    area(out, p, "Extensions", None, &text);
}

/// TLS: the session and the certificate, or why there is none.
fn tls(out: &mut String, p: &Paint, r: &Report) {
    let t = &r.tls;
    let line = if t.established {
        let mut s = format!(
            "{} {}",
            t.version.map_or("?", |v| v.as_str()),
            t.cipher_suite.as_deref().unwrap_or("")
        );
        if let Some(cert) = &t.certificate {
            let name = cert
                .sans
                .first()
                .map_or_else(|| cut(&cert.subject, 40), |n| cut(n, 40));
            let _ = write!(
                s,
                "; certificate {} for {name}, {} days left",
                cert.verification.as_str(),
                cert.days_remaining
            );
        }
        s
    } else if let Some(e) = &t.error {
        e.clone()
    } else if t.mode == "none" {
        "not requested (--tls none)".into()
    } else if r.ehlo.is_some() && !t.offered {
        "STARTTLS not offered".into()
    } else if r.ehlo.is_some() && r.error.is_none() {
        "not tried: the check stopped after EHLO (STARTTLS is offered; --quit-after tls tests it)"
            .into()
    } else {
        "not reached".into()
    };
    area(out, p, "TLS", Some(t.status), &line);
    if let Some(d) = &t.dane {
        area(out, p, "DANE", Some(d.status), &dane_line(d));
    }
    if let Some(scan) = &t.scan {
        more(out, &scan_line(scan));
    }
}

/// `tls.dane` in one line: the TLSA records and whether the chain matched them.
fn dane_line(d: &smtping_client::report::DaneInfo) -> String {
    let records: Vec<String> = d
        .tlsa
        .iter()
        .map(|t| format!("{} {} {}", t.usage, t.selector, t.matching))
        .collect();
    let mut line = if records.is_empty() {
        format!("{}: no TLSA records", d.name)
    } else {
        format!("{}: TLSA {}", d.name, records.join(", "))
    };
    match d.matched {
        Some(true) => line.push_str(" · matched the presented chain"),
        Some(false) => line.push_str(" · MISMATCH: DANE senders will not deliver"),
        None if !d.tlsa.is_empty() && !d.usable => line.push_str(" · none usable for SMTP"),
        None => {}
    }
    if let Some(e) = &d.error {
        line.push_str(&format!(" · {e}"));
    }
    line
}

/// `--tls-scan` in one line: the versions accepted, the weakest cipher class, the grade.
fn scan_line(scan: &serde_json::Value) -> String {
    let word = |v: &serde_json::Value| v.as_str().unwrap_or("?").replace('_', " ");
    let versions: Vec<String> = scan["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| v["accepted"].as_bool() == Some(true))
        .map(|v| word(&v["version"]))
        .collect();
    let weak: Vec<String> = scan["ciphers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| matches!(c["strength"].as_str(), Some("insufficient" | "phase_out")))
        .map(|c| {
            format!(
                "{} ({})",
                c["name"].as_str().unwrap_or("?"),
                word(&c["strength"])
            )
        })
        .collect();
    let mut line = format!(
        "scan: accepts {}",
        if versions.is_empty() {
            "no version".to_owned()
        } else {
            versions.join(", ")
        }
    );
    if !weak.is_empty() {
        line.push_str(&format!("; weak suites {}", weak.join(", ")));
    }
    if let Some(g) = scan["group"].as_str() {
        line.push_str(&format!("; group {g}"));
    }
    line.push_str(&format!(
        "; grade {} ({} connections)",
        scan["grade"]
            .as_str()
            .map_or("none".into(), |g| g.replace('_', " ")),
        scan["connections"]
    ));
    line
}

/// AUTH: the login, or the mechanisms offered.
fn auth(out: &mut String, p: &Paint, r: &Report) {
    let a = &r.auth;
    let line = match a.login.outcome.as_str() {
        "success" => format!(
            "login ok with {}",
            a.login.mechanism.as_deref().unwrap_or("?")
        ),
        "failure" => format!(
            "login failed: {}",
            a.login.reply.as_ref().map(reply).unwrap_or_default()
        ),
        "refused_by_client" => "login not attempted (see the error below)".into(),
        _ => {
            let mut parts = Vec::new();
            if !a.mechanisms_before_tls.is_empty() {
                parts.push(format!("before TLS: {}", a.mechanisms_before_tls.join(" ")));
            }
            if !a.mechanisms_after_tls.is_empty() {
                parts.push(format!("after TLS: {}", a.mechanisms_after_tls.join(" ")));
            }
            if !parts.is_empty() {
                format!("offered {}", parts.join("; "))
            } else if r.ehlo.is_none() {
                "not reached".into()
            } else if t_offered_not_established(r) {
                // The EHLO inside TLS, where AUTH is usually offered, never happened.
                "not offered before TLS; after TLS not reached".into()
            } else {
                "not offered".into()
            }
        }
    };
    area(out, p, "Auth", Some(a.status), &line);
}

fn t_offered_not_established(r: &Report) -> bool {
    r.tls.offered && !r.tls.established && r.tls.mode != "none"
}

/// The transaction: the outcome, every recipient with its reply and reason.
fn delivery(out: &mut String, p: &Paint, r: &Report, style: CardStyle) {
    let d = &r.delivery;
    let total = d.recipients.len();
    let refused = d
        .recipients
        .iter()
        .filter(|x| x.outcome != "accepted")
        .count();
    let several = total > 1;
    let mut line = if d.outcome == "not_tested" {
        if r.error.is_some() || style.envelope {
            "not reached".to_owned()
        } else {
            "not tested (give --from and --to)".to_owned()
        }
    } else if several && refused > 0 {
        let mut s = format!("{refused} of {total} refused");
        if let Some(stage) = &d.stage {
            let _ = write!(s, " at {stage}");
        }
        if refused < total {
            let _ = write!(s, ", {} accepted", total - refused);
        } else {
            let _ = write!(s, ": {}", d.outcome);
        }
        s
    } else {
        let mut s = d.outcome.as_str().to_owned();
        if let Some(stage) = &d.stage {
            let _ = write!(s, " at {stage}");
        }
        if let Some(rep) = &d.reply {
            let _ = write!(s, ": {}", reply(rep));
        }
        s
    };
    if let Some(reason) = d.reason
        && d.outcome != "accepted"
    {
        let _ = write!(line, " [{reason}{}]", if d.hard { ", hard" } else { "" });
    }
    area(out, p, "Delivery", Some(d.status), &line);
    if let Some(c) = &d.retry_conclusion {
        more(out, c);
        let steps: Vec<String> = d
            .attempts
            .iter()
            .enumerate()
            .map(|(i, a)| {
                let code = a
                    .reply
                    .as_ref()
                    .map_or_else(String::new, |r| format!(" {}", r.code));
                format!(
                    "{}. +{:.0} s {}{code}",
                    i + 1,
                    a.t_ms as f64 / 1000.0,
                    a.outcome
                )
            })
            .collect();
        more(out, &steps.join(" · "));
    }
    if d.outcome != "not_tested" && d.outcome != "accepted" {
        if let Some(e) = &d.explanation {
            more(out, e);
        }
        if let Some(fix) = &d.remediation {
            let first = format!("{INDENT}{} ", p.bold("fix:"));
            write_wrapped(out, &first, INDENT.len() + 5, INDENT, fix);
        }
    }
    if several || d.recipients.iter().any(|x| x.outcome != d.outcome) {
        for (i, rc) in d.recipients.iter().enumerate() {
            let mut text = format!("{}. {}  {}", i + 1, rc.address, rc.outcome);
            if let Some(reason) = rc.reason
                && rc.outcome != "accepted"
            {
                let _ = write!(text, " [{reason}]");
            }
            if let Some(rep) = &rc.reply {
                let _ = write!(text, ": {}", reply(rep));
            }
            let under = format!("{INDENT}   ");
            write_wrapped(out, INDENT, INDENT.len(), &under, &text);
        }
    }
    if let Some(why) = r.signals.as_ref().and_then(|s| s.explains.as_deref()) {
        let first = format!("{INDENT}{} ", p.bold("signal:"));
        write_wrapped(out, &first, INDENT.len() + 8, INDENT, why);
    }
    if let Some(id) = &d.message_id {
        let _ = writeln!(out, "{INDENT}{}", p.dim(&format!("Message-ID {id}")));
    }
}

/// How a receiver sees this probe: sending IP and its PTR, HELO, SPF, DMARC, blocklists,
/// and the server's own names.
fn signals(out: &mut String, p: &Paint, r: &Report) {
    let Some(s) = &r.signals else { return };
    let ip = s.sending_ip.as_deref().unwrap_or("?");
    let mut first = format!("from {ip}");
    if s.sending_ip_source == smtping_client::report::signals::SendingIpSource::Option {
        first.push_str(" (--sending-ip)");
    }
    match &s.ptr {
        Some(ptr) if ptr.error.is_none() => {
            if ptr.names.is_empty() {
                first.push_str(", no PTR");
            } else {
                let _ = write!(
                    first,
                    ", PTR {}{}",
                    ptr.names.join(", "),
                    if ptr.fcrdns {
                        " (forward-confirmed)"
                    } else {
                        " (does not resolve back)"
                    }
                );
            }
        }
        Some(ptr) => {
            let _ = write!(first, ": {}", ptr.error.as_deref().unwrap_or(""));
        }
        None => {}
    }
    area(out, p, "Signals", Some(s.status), &first);
    let mut parts = Vec::new();
    if let Some(h) = &s.helo {
        let how = if h.address_literal {
            if h.matches_ip {
                "address literal, matches"
            } else {
                "address literal"
            }
        } else if !h.fqdn {
            "not an FQDN"
        } else if h.matches_ip {
            "resolves to the sending IP"
        } else if h.resolves {
            "resolves elsewhere"
        } else {
            "does not resolve"
        };
        parts.push(format!("HELO {} ({how})", h.name));
    }
    if let Some(spf) = &s.spf {
        parts.push(format!(
            "SPF {} {}{}",
            spf.domain,
            spf.result,
            spf.mechanism
                .as_deref()
                .map_or_else(String::new, |m| format!(" via {m}"))
        ));
    }
    if let Some(d) = &s.dmarc {
        parts.push(format!(
            "DMARC {} p={}, SPF {}aligned{}",
            d.domain,
            d.policy.as_deref().unwrap_or("none (no record)"),
            if d.spf_aligned { "" } else { "not " },
            if d.dkim_aligned {
                ", DKIM aligned (--dkim-key)"
            } else {
                ""
            }
        ));
    }
    let listed: Vec<&str> = s
        .dnsbl
        .iter()
        .filter(|b| b.listed)
        .map(|b| b.zone.as_str())
        .collect();
    if !s.dnsbl.is_empty() {
        parts.push(if listed.is_empty() {
            format!("on none of {} blocklists", s.dnsbl.len())
        } else {
            format!("LISTED on {}", listed.join(", "))
        });
    }
    if !parts.is_empty() {
        more(out, &parts.join(" · "));
    }
    let mut server = Vec::new();
    if let Some(b) = &s.server.banner_name {
        server.push(format!("banner {b}"));
    }
    if let Some(e) = &s.server.ehlo_name {
        server.push(format!("EHLO {e}"));
    }
    match s.server.fcrdns {
        Some(true) => server.push(format!("FCrDNS ok ({})", s.server.ptr_names.join(", "))),
        Some(false) if s.server.ptr_names.is_empty() => server.push("no PTR".into()),
        Some(false) => server.push("PTR does not resolve back".into()),
        None => {}
    }
    if !server.is_empty() {
        more(out, &format!("server: {}", server.join(" · ")));
    }
}

/// The open-relay probe, when asked for.
fn relay(out: &mut String, p: &Paint, r: &Report) {
    let Some(relay) = &r.relay else { return };
    let (status, text) = if relay.open {
        (Status::Red, format!("OPEN: accepted {}", relay.envelope))
    } else if let Some(e) = &relay.error {
        (Status::Grey, format!("probe failed: {e}"))
    } else {
        let how = relay.reply.as_ref().map(reply).unwrap_or_default();
        (
            Status::Green,
            format!(
                "refused at {}: {how}",
                relay.stage.map(|s| s.as_str()).unwrap_or("?"),
            ),
        )
    };
    area(out, p, "Relay", Some(status), &text);
}

/// The STARTTLS enforcement probe, when asked for.
fn enforcement(out: &mut String, p: &Paint, r: &Report) {
    let Some(e) = &r.tls.enforcement else { return };
    let how = e
        .reply
        .as_ref()
        .map(|x| format!(" ({})", reply(x)))
        .unwrap_or_default();
    let (status, text) = match r.tls.enforced {
        Some(true) => (Status::Green, format!("enforced: {}{how}", e.detail)),
        Some(false) if r.target.port == 25 => {
            (Status::Grey, format!("not enforced: {}{how}", e.detail))
        }
        Some(false) => (Status::Amber, format!("not enforced: {}{how}", e.detail)),
        None => (
            Status::Grey,
            match &e.error {
                Some(err) => format!("unknown: {}; {err}", e.detail),
                None => format!("unknown: {}{how}", e.detail),
            },
        ),
    };
    area(out, p, "Enforcement", Some(status), &text);
}

/// Every MX address (`--all-mx`), one line each.
fn hosts(out: &mut String, p: &Paint, r: &Report) {
    let Some(hosts) = &r.hosts else { return };
    let worst = hosts
        .iter()
        .map(|h| h.verdict)
        .fold(Status::Grey, Status::worst);
    area(
        out,
        p,
        "MX hosts",
        Some(worst),
        &format!("{} address(es) checked", hosts.len()),
    );
    for h in hosts {
        let what = h
            .error
            .as_ref()
            .map_or_else(|| h.summary.clone(), |e| e.message.clone());
        more(
            out,
            &format!(
                "{} {} {}: {}",
                p.status(h.verdict),
                cut(&h.name, 40),
                h.address,
                cut(&what, 160)
            ),
        );
    }
}

/// The port sweep (`--ports`): each port side by side, then the conclusion.
fn sweep(out: &mut String, p: &Paint, r: &Report) {
    let Some(s) = &r.sweep else { return };
    area(out, p, "Ports", Some(s.status), &s.conclusion);
    for port in &s.ports {
        let tls = if port.tls_established { ", TLS" } else { "" };
        more(
            out,
            &format!(
                "{:>5} {:<8} {:<11} {}{tls}",
                port.port,
                port.tls_mode.as_str(),
                port.outcome.as_str(),
                ms(port.elapsed_ms)
            ),
        );
    }
}

/// Why the check stopped early.
fn error(out: &mut String, p: &Paint, r: &Report) {
    let Some(e) = &r.error else { return };
    let _ = writeln!(out);
    let first = format!(
        "  {} at {} ({}): ",
        p.wrap("1;31", "Error"),
        e.stage,
        e.kind
    );
    let len = format!("  Error at {} ({}): ", e.stage, e.kind).len();
    write_wrapped(out, &first, len, "    ", &e.message);
}

/// Findings, most severe first, each with its fix.
fn findings(out: &mut String, p: &Paint, r: &Report) {
    finding_list(out, p, &r.findings);
}

/// A findings block (shared by the check and domain cards).
pub(super) fn finding_list(out: &mut String, p: &Paint, list: &[smtping_client::Finding]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  {}", p.bold("Findings"));
    let under = " ".repeat(12);
    for f in list {
        let first = format!("    {} {}  ", p.severity(f.severity), f.id);
        let len = 4 + 8 + f.id.as_str().len() + 2;
        write_wrapped(out, &first, len, &under, &f.message);
        let first = format!("{under}{} ", p.dim("fix:"));
        write_wrapped(out, &first, under.len() + 5, &under, &f.remediation);
    }
}

/// Per-phase times.
fn timings(out: &mut String, p: &Paint, r: &Report) {
    let phases: Vec<String> = r
        .timings_ms
        .phases()
        .into_iter()
        .map(|(k, v)| format!("{k} {}", ms(v)))
        .collect();
    let _ = writeln!(out);
    let lines = wrap(&phases.join(" · "), WIDTH - 10);
    for (i, l) in lines.iter().enumerate() {
        let head = if i == 0 { "Timings" } else { "       " };
        let _ = writeln!(out, "  {} {}", p.bold(head), p.dim(l));
    }
}

/// The dialogue (`--transcript`).
fn transcript(out: &mut String, p: &Paint, r: &Report) {
    if r.transcript.is_empty() {
        return;
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  {}", p.bold("Transcript"));
    for l in &r.transcript {
        let who = match l.dir.as_str() {
            "client" => "C:",
            "server" => "S:",
            _ => "* ",
        };
        let tls = if l.tls {
            p.dim("[tls] ")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "    {} {who} {tls}{}",
            p.dim(&format!("{:>8.1}", l.t_ms)),
            term::escape_line(&l.line)
        );
    }
}

#[cfg(test)]
mod tests;
