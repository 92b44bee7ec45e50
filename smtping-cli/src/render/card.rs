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
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }

    fn status(&self, s: Status) -> String {
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
    fn verdict(&self, s: Status) -> String {
        self.light(s, &s.as_str().to_uppercase())
    }

    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }

    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    fn severity(&self, s: Severity) -> String {
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

fn reply(r: &ReplyInfo) -> String {
    let first = r.text.lines().next().unwrap_or("");
    let more = if r.text.lines().count() > 1 {
        " …"
    } else {
        ""
    };
    match &r.enhanced {
        Some(e) => format!("{} {e} {first}{more}", r.code),
        None => format!("{} {first}{more}", r.code),
    }
}

/// Cuts `s` to `n` characters with an ellipsis.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

fn ms(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.2} s", v / 1000.0)
    } else {
        format!("{v:.1} ms")
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

/// Draws the card of a report whose strings are already escaped.
fn draw(r: &Report, style: CardStyle) -> String {
    let p = Paint { on: style.color };
    let mut out = String::new();
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
    let _ = writeln!(out, "  {}", r.summary);
    let _ = writeln!(out);

    // Connectivity
    let c = &r.connectivity;
    let mut line = String::new();
    if let Some(addr) = &c.connected_to {
        let _ = write!(line, "connected to {addr}");
        if let Some(t) = r.timings_ms.connect {
            let _ = write!(line, " in {}", ms(t));
        }
        if let Some(g) = &c.greeting {
            let _ = write!(line, "; greeting {}", cut(&reply(g), 70));
        }
    } else if let Some(e) = &c.dns.error {
        line.push_str(&cut(e, 110));
    } else if let Some(a) = c.attempts.last() {
        let _ = write!(line, "{} {}", a.address, a.outcome);
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
    let _ = writeln!(
        out,
        "  {:<13} {}  {}",
        "Connectivity",
        p.status(c.status),
        line
    );
    let failed: Vec<_> = c
        .attempts
        .iter()
        .filter(|a| a.outcome != "connected")
        .collect();
    for a in failed {
        let _ = writeln!(
            out,
            "{INDENT}{} {} after {}",
            a.address,
            a.outcome,
            ms(a.elapsed_ms)
        );
    }

    // TLS
    let t = &r.tls;
    let tls_line = if t.established {
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
        cut(e, 110)
    } else if t.mode == "none" {
        "not requested".into()
    } else if r.ehlo.is_some() && !t.offered {
        "STARTTLS not offered".into()
    } else {
        "not reached".into()
    };
    let _ = writeln!(out, "  {:<13} {}  {}", "TLS", p.status(t.status), tls_line);

    // Auth
    let a = &r.auth;
    let auth_line = match a.login.outcome.as_str() {
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
            if parts.is_empty() {
                "not offered".into()
            } else {
                format!("offered {}", parts.join("; "))
            }
        }
    };
    let _ = writeln!(
        out,
        "  {:<13} {}  {}",
        "Auth",
        p.status(a.status),
        auth_line
    );

    // Delivery
    let d = &r.delivery;
    let mut del = if d.outcome == "not_tested" && r.error.is_some() {
        "not reached".to_owned()
    } else if d.outcome == "not_tested" {
        "not tested (give --from and --to)".to_owned()
    } else {
        let mut s = d.outcome.as_str().to_owned();
        if let Some(stage) = &d.stage {
            let _ = write!(s, " at {stage}");
        }
        if let Some(rep) = &d.reply {
            let _ = write!(s, ": {}", cut(&reply(rep), 80));
        }
        s
    };
    if let Some(reason) = d.reason
        && d.outcome != "accepted"
    {
        let _ = write!(del, " [{reason}{}]", if d.hard { ", hard" } else { "" });
    }
    let _ = writeln!(out, "  {:<13} {}  {}", "Delivery", p.status(d.status), del);
    if d.outcome != "not_tested" && d.outcome != "accepted" {
        if let Some(e) = &d.explanation {
            let _ = writeln!(out, "{INDENT}{e}");
        }
        if let Some(fix) = &d.remediation {
            let _ = writeln!(out, "{INDENT}{} {fix}", p.bold("fix:"));
        }
    }
    if d.recipients.len() > 1 || d.recipients.iter().any(|x| x.outcome != d.outcome) {
        for rc in &d.recipients {
            let rep = rc.reply.as_ref().map(reply).unwrap_or_default();
            let _ = writeln!(
                out,
                "{INDENT}{} {} {}",
                rc.address,
                rc.outcome,
                cut(&rep, 70)
            );
        }
    }
    if let Some(id) = &d.message_id {
        let _ = writeln!(out, "{INDENT}{}", p.dim(&format!("Message-ID {id}")));
    }

    if let Some(relay) = &r.relay {
        let (status, text) = if relay.open {
            (Status::Red, format!("OPEN: accepted {}", relay.envelope))
        } else if let Some(e) = &relay.error {
            (Status::Grey, format!("probe failed: {}", cut(e, 90)))
        } else {
            let how = relay.reply.as_ref().map(reply).unwrap_or_default();
            (
                Status::Green,
                format!(
                    "refused at {}: {}",
                    relay.stage.map(|s| s.as_str()).unwrap_or("?"),
                    cut(&how, 80)
                ),
            )
        };
        let _ = writeln!(out, "  {:<13} {}  {}", "Relay", p.status(status), text);
    }

    if let Some(e) = &r.error {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "  {} at {} ({}): {}",
            p.wrap("1;31", "Error"),
            e.stage,
            e.kind,
            e.message
        );
    }

    if !r.findings.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "  {}", p.bold("Findings"));
        for f in &r.findings {
            let _ = writeln!(
                out,
                "    {} {}  {}",
                p.severity(f.severity),
                f.id,
                f.message
            );
            let _ = writeln!(
                out,
                "    {}  {} {}",
                " ".repeat(7),
                p.dim("fix:"),
                f.remediation
            );
        }
    }

    let phases: Vec<String> = r
        .timings_ms
        .phases()
        .into_iter()
        .map(|(k, v)| format!("{k} {}", ms(v)))
        .collect();
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {} {}",
        p.bold("Timings"),
        p.dim(&phases.join(" · "))
    );

    if style.transcript && !r.transcript.is_empty() {
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
    out
}

#[cfg(test)]
mod tests;
