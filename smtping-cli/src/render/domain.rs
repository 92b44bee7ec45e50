//! The card of `smtping domain`: one line per area (MX, SPF, DKIM, DMARC, reverse DNS,
//! blocklists, DNSSEC, DANE, MTA-STS, TLS-RPT, then TLS with one line per MX address) in
//! the check card's style, then findings with remediation and timings.

use std::fmt::Write as _;

use smtping_client::domain::{DomainReport, SpfNode};
use smtping_client::report::Status;

use super::card::{Paint, WIDTH, area, cut, finding_list, more, ms, wrap};
use super::term;

/// Draws the card; every string is escaped first (DNS text cannot drive the terminal).
pub(crate) fn domain_card(r: &DomainReport, color: bool) -> String {
    match term::escaped(r) {
        Some(safe) => draw(&safe, color),
        None => term::escape(&draw(r, false)).into_owned(),
    }
}

fn draw(r: &DomainReport, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  {}",
        p.bold("smtping domain"),
        p.bold(&r.domain),
        p.verdict(r.verdict)
    );
    let _ = writeln!(out, "  {}", r.summary);
    let _ = writeln!(out);
    mx(&mut out, &p, r);
    spf(&mut out, &p, r);
    dkim(&mut out, &p, r);
    dmarc(&mut out, &p, r);
    reputation(&mut out, &p, r);
    transport(&mut out, &p, r);
    tls(&mut out, &p, r);
    finding_list(&mut out, &p, &r.findings);
    timings(&mut out, &p, r);
    out
}

fn mx(out: &mut String, p: &Paint, r: &DomainReport) {
    let m = &r.mx;
    let text = if let Some(e) = &m.error {
        e.clone()
    } else if m.null_mx {
        "null MX (RFC 7505): this domain accepts no mail".to_owned()
    } else if m.hosts.is_empty() {
        "no MX host".to_owned()
    } else {
        let implicit = if m.implicit_mx {
            "no MX record: mail goes to the domain's own address · "
        } else {
            ""
        };
        let hosts: Vec<String> = m
            .hosts
            .iter()
            .map(|h| {
                let addrs = if h.addresses.is_empty() {
                    h.error.clone().unwrap_or_else(|| "no address".into())
                } else {
                    h.addresses.join(", ")
                };
                format!("{} {} ({addrs})", h.preference, cut(&h.name, 60))
            })
            .collect();
        format!("{implicit}{}", hosts.join(" · "))
    };
    area(out, p, "MX", Some(m.status), &text);
}

fn spf(out: &mut String, p: &Paint, r: &DomainReport) {
    let s = &r.spf;
    let Some(record) = &s.record else {
        let text = s
            .error
            .clone()
            .unwrap_or_else(|| "no SPF record (v=spf1)".into());
        area(out, p, "SPF", Some(s.status), &text);
        return;
    };
    let text = format!(
        "{record} · {} of 10 DNS lookups{}",
        s.lookups,
        if s.void_lookups > 0 {
            format!(", {} void", s.void_lookups)
        } else {
            String::new()
        }
    );
    area(out, p, "SPF", Some(s.status), &text);
    if let Some(e) = &s.error {
        more(out, e);
    }
    for res in &s.results {
        let via = res
            .mechanism
            .as_deref()
            .map_or_else(String::new, |m| format!(" via {m}"));
        more(out, &format!("{}: {}{via}", res.ip, res.result));
    }
    if let Some(tree) = &s.tree
        && !tree.children.is_empty()
    {
        let mut lines = Vec::new();
        tree_lines(tree, 0, &mut lines);
        for l in lines.iter().take(24) {
            more(out, l);
        }
        if lines.len() > 24 {
            more(
                out,
                &format!("… {} more records (see --json)", lines.len() - 24),
            );
        }
    }
}

/// The include/redirect tree, indented two spaces per level.
fn tree_lines(node: &SpfNode, depth: usize, out: &mut Vec<String>) {
    let what = match (&node.record, &node.error) {
        (_, Some(e)) => format!("{} — {e}", node.domain),
        (Some(rec), None) => format!("{}: {}", node.domain, cut(rec, 70)),
        (None, None) => format!("{}: no record", node.domain),
    };
    // No-break spaces: the card's wrapping keeps them, so the tree stays indented.
    let indent = "\u{a0}\u{a0}".repeat(depth.saturating_sub(1));
    let arrow = if depth > 0 { "↳\u{a0}" } else { "" };
    out.push(format!("{indent}{arrow}{what}"));
    if depth < 10 {
        for c in &node.children {
            tree_lines(c, depth + 1, out);
        }
    }
}

fn dkim(out: &mut String, p: &Paint, r: &DomainReport) {
    let d = &r.dkim;
    let found: Vec<String> = d
        .selectors
        .iter()
        .filter(|s| s.found || s.error.is_some())
        .map(|s| {
            let mut t = format!("{}: ", s.selector);
            if s.revoked {
                t.push_str("revoked (p= empty)");
            } else if s.found {
                t.push_str(s.key_type.as_deref().unwrap_or("unknown key"));
                if let Some(bits) = s.key_bits {
                    let _ = write!(t, " {bits} bits");
                }
                if s.testing {
                    t.push_str(", testing (t=y)");
                }
            }
            if let Some(e) = &s.error {
                if s.found {
                    t.push_str(" — ");
                }
                t.push_str(e);
            }
            t
        })
        .collect();
    let tried = d.selectors_tried.len().max(d.selectors.len());
    let text = if found.is_empty() {
        let how = if d.selectors_guessed {
            format!("none of {tried} common selectors has a key (name yours with --dkim-selector)")
        } else {
            format!("no key at the {tried} selector(s) given")
        };
        match d.domainkey_exists {
            Some(false) => format!("{how}; _domainkey does not exist (RFC 8020)"),
            _ => how,
        }
    } else {
        found.join(" · ")
    };
    area(out, p, "DKIM", Some(d.status), &text);
}

fn dmarc(out: &mut String, p: &Paint, r: &DomainReport) {
    let d = &r.dmarc;
    let Some(record) = &d.record else {
        let text = d
            .error
            .clone()
            .unwrap_or_else(|| "no DMARC record (_dmarc TXT v=DMARC1)".into());
        area(out, p, "DMARC", Some(d.status), &text);
        return;
    };
    area(out, p, "DMARC", Some(d.status), record);
    if let Some(e) = &d.error {
        more(out, e);
    }
    if let Some(at) = &d.record_domain
        && at.trim_start_matches("_dmarc.") != r.domain
    {
        more(
            out,
            &format!("found at {at} (the organisational domain's policy)"),
        );
    }
    match (&d.org_domain, &d.org_domain_rfc9989) {
        (Some(a), Some(b)) if a != b => more(
            out,
            &format!(
                "organisational domain: {a} (public suffix list, RFC 7489) but {b} (DNS tree walk, RFC 9989)"
            ),
        ),
        (Some(a), _) => more(out, &format!("organisational domain: {a}")),
        _ => {}
    }
    for e in &d.external_rua {
        let word = if e.authorized {
            "authorised"
        } else {
            "NOT authorised (reports will not be sent)"
        };
        more(out, &format!("reports to {}: {word}", e.destination));
    }
}

fn reputation(out: &mut String, p: &Paint, r: &DomainReport) {
    let rep = &r.reputation;
    let ptr: Vec<String> = rep
        .ptr
        .iter()
        .map(|x| match (&x.error, x.names.first()) {
            (Some(e), _) => format!("{}: {e}", x.ip),
            (None, None) => format!("{}: no PTR", x.ip),
            (None, Some(_)) => format!(
                "{} → {}{}",
                x.ip,
                x.names.join(", "),
                if x.fcrdns {
                    " (forward-confirmed)"
                } else {
                    " (does NOT resolve back)"
                }
            ),
        })
        .collect();
    let text = if ptr.is_empty() {
        "no MX address to check".to_owned()
    } else {
        ptr.join(" · ")
    };
    let light = if rep.ptr.is_empty() {
        Status::Grey
    } else {
        rep.status
    };
    area(out, p, "Reverse DNS", Some(light), &text);
    if rep.dnsbl.is_empty() {
        area(
            out,
            p,
            "Blocklists",
            Some(Status::Grey),
            "not asked (--dnsbl ZONE or --dnsbl default)",
        );
        return;
    }
    let listed: Vec<String> = rep
        .dnsbl
        .iter()
        .filter(|b| b.listed || b.error.is_some())
        .map(|b| match &b.error {
            Some(e) => format!("{}: {e}", b.query),
            None => match &b.meaning {
                Some(m) if !m.is_empty() => format!("{} listed: {m}", b.query),
                _ => format!("{} listed ({})", b.query, b.codes.join(", ")),
            },
        })
        .collect();
    let zones = {
        let mut z: Vec<&str> = rep.dnsbl.iter().map(|b| b.zone.as_str()).collect();
        z.dedup();
        z.len()
    };
    let text = if listed.is_empty() {
        format!("not listed ({} queries, {zones} lists)", rep.dnsbl.len())
    } else {
        listed.join(" · ")
    };
    area(out, p, "Blocklists", Some(rep.status), &text);
}

/// DNSSEC, DANE, MTA-STS and TLS-RPT.
fn transport(out: &mut String, p: &Paint, r: &DomainReport) {
    if let Some(d) = &r.dnssec {
        let mut text = format!("domain {}, MX answer {}", d.domain, d.mx);
        let hosts: Vec<String> = d
            .hosts
            .iter()
            .map(|h| format!("{} {}", h.name, h.status))
            .collect();
        if !hosts.is_empty() {
            text.push_str(&format!(" · {}", hosts.join(" · ")));
        }
        area(out, p, "DNSSEC", Some(d.status), &text);
        if let Some(e) = &d.error {
            more(out, e);
        }
    }
    if let Some(d) = &r.dane {
        let with: Vec<String> = d
            .hosts
            .iter()
            .filter(|h| !h.tlsa.is_empty() || h.error.is_some())
            .map(|h| {
                let records: Vec<String> = h
                    .tlsa
                    .iter()
                    .map(|t| format!("{} {} {}", t.usage, t.selector, t.matching))
                    .collect();
                let mut s = format!("{}: TLSA {}", h.name, records.join(", "));
                if !h.usable && !h.tlsa.is_empty() {
                    s.push_str(" (none usable)");
                }
                match h.matched {
                    Some(true) => s.push_str(" — matched"),
                    Some(false) => s.push_str(" — MISMATCH (DANE senders will not deliver)"),
                    None => {}
                }
                if let Some(e) = &h.error {
                    s.push_str(&format!(" — {e}"));
                }
                s
            })
            .collect();
        let text = if with.is_empty() {
            "no TLSA records (DANE does not apply)".to_owned()
        } else {
            with.join(" · ")
        };
        area(out, p, "DANE", Some(d.status), &text);
    }
    if let Some(m) = &r.mta_sts {
        let text = match (&m.mode, &m.error) {
            (Some(mode), _) => {
                let uncovered: Vec<&str> = m
                    .hosts
                    .iter()
                    .filter(|h| !h.matched)
                    .map(|h| h.name.as_str())
                    .collect();
                let mut t = format!(
                    "mode {mode}, max_age {} s, mx {}",
                    m.max_age.unwrap_or(0),
                    m.mx_patterns.join(", ")
                );
                if !uncovered.is_empty() {
                    t.push_str(&format!(" · not covered: {}", uncovered.join(", ")));
                }
                let invalid: Vec<&str> = m
                    .hosts
                    .iter()
                    .filter(|h| h.certificate_valid == Some(false))
                    .map(|h| h.name.as_str())
                    .collect();
                if !invalid.is_empty() {
                    t.push_str(&format!(" · no valid certificate: {}", invalid.join(", ")));
                } else if m.hosts.iter().any(|h| h.certificate_valid == Some(true)) {
                    t.push_str(" · MX certificates valid");
                }
                t
            }
            (None, Some(e)) => e.clone(),
            (None, None) => "no MTA-STS record (_mta-sts TXT)".to_owned(),
        };
        area(out, p, "MTA-STS", Some(m.status), &text);
    }
    if let Some(t) = &r.tls_rpt {
        let text = match &t.record {
            Some(_) => format!("reports to {}", t.rua.join(", ")),
            None => "no TLS-RPT record (_smtp._tls TXT)".to_owned(),
        };
        area(out, p, "TLS-RPT", Some(t.status), &text);
    }
}

/// The TLS of every MX address: a summary line, then one line per address (name,
/// address, version, certificate verdict, DANE).
fn tls(out: &mut String, p: &Paint, r: &DomainReport) {
    let Some(t) = &r.tls else {
        return;
    };
    let verified = t
        .hosts
        .iter()
        .filter(|h| {
            h.certificate
                .as_ref()
                .is_some_and(|c| c.verification.is_valid())
        })
        .count();
    let text = if t.hosts.is_empty() {
        "no MX address to connect to".to_owned()
    } else {
        format!(
            "{verified} of {} MX address{} with a verified certificate (port 25, STARTTLS)",
            t.hosts.len(),
            if t.hosts.len() == 1 { "" } else { "es" }
        )
    };
    area(out, p, "TLS", Some(t.status), &text);
    for h in &t.hosts {
        let mut line = format!("{} {}", cut(&h.name, 50), h.address);
        if h.established {
            line.push_str(&format!(" {}", h.version.as_deref().unwrap_or("TLS")));
            if let Some(c) = &h.certificate {
                line.push_str(&format!(
                    " · certificate {} ({} days left)",
                    c.verification.as_str().replace('_', " "),
                    c.days_remaining
                ));
            }
        } else if let Some(e) = &h.error {
            line.push_str(&format!(" · {}", cut(e, 120)));
        }
        match h.dane_matched {
            Some(true) => line.push_str(" · DANE matched"),
            Some(false) => line.push_str(" · DANE MISMATCH"),
            None => {}
        }
        if let Some(grade) = h
            .scan
            .as_ref()
            .and_then(|s| s.get("grade"))
            .and_then(|g| g.as_str())
        {
            line.push_str(&format!(" · scan {grade}"));
        }
        more(out, &line);
    }
}

fn timings(out: &mut String, p: &Paint, r: &DomainReport) {
    let t = &r.timings_ms;
    let phases: Vec<String> = [
        ("mx", t.mx),
        ("spf", t.spf),
        ("dkim", t.dkim),
        ("dmarc", t.dmarc),
        ("reputation", t.reputation),
        ("transport", t.transport),
        ("tls", t.tls),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k} {}", ms(v))))
    .chain([format!("total {}", ms(t.total))])
    .collect();
    let _ = writeln!(out);
    for (i, l) in wrap(&phases.join(" · "), WIDTH - 10).iter().enumerate() {
        let head = if i == 0 { "Timings" } else { "       " };
        let _ = writeln!(out, "  {} {}", p.bold(head), p.dim(l));
    }
}
