//! The pure comparison behind `smtping diff`: two JSON reports in, a list of typed changes out.
//!
//! It works on `serde_json::Value` rather than `smtping_client::Report` so that a report written
//! by an older or newer SMTPing (fields added, enumerations grown) still compares: a field that
//! is missing or of an unexpected type reads as `null`, and unknown words compare as neutral.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

/// Whether a change is good news, bad news or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Direction {
    /// Something got worse (the diff exits 1).
    Worse,
    /// Something got better.
    Better,
    /// Changed, but neither better nor worse.
    Neutral,
}

impl Direction {
    /// The marker of the human output: `-` worse, `+` better, `~` neutral.
    pub(crate) fn marker(self) -> char {
        match self {
            Self::Worse => '-',
            Self::Better => '+',
            Self::Neutral => '~',
        }
    }
}

/// One difference between the two reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Change {
    /// `verdict`, `connectivity`, `ehlo`, `tls`, `auth`, `delivery`, `signals` or `findings`.
    pub area: &'static str,
    /// The field that changed, dotted (`certificate.verification`, `extensions.PIPELINING`).
    pub field: String,
    /// Its value in the first report.
    pub before: Value,
    /// Its value in the second report.
    pub after: Value,
    /// Better, worse or neutral.
    pub direction: Direction,
    /// One line for people.
    pub text: String,
}

/// Every change, in area order then worse, better, neutral.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Diff {
    /// The changes.
    pub changes: Vec<Change>,
    /// At least one change is worse.
    pub worse: bool,
}

/// The areas in the order the human output lists them when equally bad.
pub(crate) const AREAS: [&str; 8] = [
    "verdict",
    "connectivity",
    "ehlo",
    "tls",
    "auth",
    "delivery",
    "signals",
    "findings",
];

/// A short display of a JSON value: strings without quotes, `null` as "none".
fn show(v: &Value) -> String {
    match v {
        Value::Null => "none".to_owned(),
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(show).collect();
            if items.is_empty() {
                "none".to_owned()
            } else {
                items.join(", ")
            }
        }
        other => other.to_string(),
    }
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .fold(v, |v, k| v.get(k).unwrap_or(&Value::Null))
}

struct Builder {
    changes: Vec<Change>,
}

impl Builder {
    fn push(
        &mut self,
        area: &'static str,
        field: impl Into<String>,
        before: Value,
        after: Value,
        direction: Direction,
        text: String,
    ) {
        self.changes.push(Change {
            area,
            field: field.into(),
            before,
            after,
            direction,
            text,
        });
    }

    /// A plain "field: before → after" change when the values differ.
    fn simple(&mut self, area: &'static str, field: &str, b: &Value, a: &Value, d: Direction) {
        if b != a {
            let text = format!("{area} {field}: {} → {}", show(b), show(a));
            self.push(area, field, b.clone(), a.clone(), d, text);
        }
    }
}

/// Rank of a traffic light; `None` for grey (not tested) and unknown words.
fn status_rank(v: &Value) -> Option<u8> {
    match v.as_str()? {
        "green" => Some(0),
        "amber" => Some(1),
        "red" => Some(2),
        _ => None,
    }
}

/// Higher rank after = worse, lower = better, grey or unknown on either side = neutral.
fn by_rank(b: Option<u8>, a: Option<u8>) -> Direction {
    match (b, a) {
        (Some(b), Some(a)) if a > b => Direction::Worse,
        (Some(b), Some(a)) if a < b => Direction::Better,
        _ => Direction::Neutral,
    }
}

fn tls_rank(v: &Value) -> Option<u8> {
    match v.as_str()? {
        "SSLv3" => Some(0),
        "TLSv1.0" | "TLSv1" => Some(1),
        "TLSv1.1" => Some(2),
        "TLSv1.2" => Some(3),
        "TLSv1.3" => Some(4),
        _ => None,
    }
}

fn delivery_rank(v: &Value) -> Option<u8> {
    match v.as_str()? {
        "accepted" => Some(0),
        "deferred" | "unknown" => Some(1),
        "bounced" => Some(2),
        _ => None,
    }
}

fn severity_rank(v: &Value) -> u8 {
    match v.as_str() {
        Some("error") => 2,
        Some("warning") => 1,
        _ => 0,
    }
}

/// The extension names of an `ehlo` object, upper-case, STARTTLS from its own flag.
fn extensions(ehlo: &Value) -> BTreeSet<String> {
    let mut set: BTreeSet<String> = ehlo
        .get("keywords")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(|k| k.split([' ', '=']).next())
        .filter(|k| !k.is_empty())
        .map(str::to_ascii_uppercase)
        .collect();
    if ehlo.get("starttls").and_then(Value::as_bool) == Some(true) {
        set.insert("STARTTLS".to_owned());
    } else {
        set.remove("STARTTLS");
    }
    set
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

fn statuses(out: &mut Builder, b: &Value, a: &Value) {
    let (vb, va) = (at(b, "verdict"), at(a, "verdict"));
    if vb != va {
        let d = by_rank(status_rank(vb), status_rank(va));
        out.push(
            "verdict",
            "verdict",
            vb.clone(),
            va.clone(),
            d,
            format!("verdict: {} → {}", show(vb), show(va)),
        );
    }
    for area in ["connectivity", "tls", "auth", "delivery", "signals"] {
        let (sb, sa) = (at(b, area), at(a, area));
        if sb.is_null() && sa.is_null() {
            continue;
        }
        let (sb, sa) = (at(sb, "status"), at(sa, "status"));
        if sb != sa {
            let d = by_rank(status_rank(sb), status_rank(sa));
            out.push(
                area,
                "status",
                sb.clone(),
                sa.clone(),
                d,
                format!("{area} status: {} → {}", show(sb), show(sa)),
            );
        }
    }
}

fn connectivity(out: &mut Builder, b: &Value, a: &Value) {
    let reached = |r: &Value| !at(r, "connectivity.connected_to").is_null();
    let (rb, ra) = (reached(b), reached(a));
    if rb != ra {
        let d = if ra {
            Direction::Better
        } else {
            Direction::Worse
        };
        let text = if ra {
            "connectivity: the server is reached again".to_owned()
        } else {
            "connectivity: the server is no longer reached".to_owned()
        };
        out.push("connectivity", "reached", rb.into(), ra.into(), d, text);
    }
    let (gb, ga) = (
        at(b, "connectivity.greeting.code"),
        at(a, "connectivity.greeting.code"),
    );
    if gb != ga && !gb.is_null() && !ga.is_null() {
        let ok = |c: &Value| c.as_u64().is_some_and(|c| (200..300).contains(&c));
        let d = match (ok(gb), ok(ga)) {
            (true, false) => Direction::Worse,
            (false, true) => Direction::Better,
            _ => Direction::Neutral,
        };
        out.push(
            "connectivity",
            "greeting.code",
            gb.clone(),
            ga.clone(),
            d,
            format!("connectivity: greeting {} → {}", show(gb), show(ga)),
        );
    }
}

fn ehlo(out: &mut Builder, b: &Value, a: &Value) {
    let (eb, ea) = (at(b, "ehlo"), at(a, "ehlo"));
    match (eb.is_null(), ea.is_null()) {
        (true, true) => return,
        (false, true) | (true, false) => {
            let lost = ea.is_null();
            let (d, text) = if lost {
                (Direction::Worse, "ehlo: no EHLO succeeded any more")
            } else {
                (Direction::Better, "ehlo: EHLO succeeds again")
            };
            out.push(
                "ehlo",
                "available",
                (!eb.is_null()).into(),
                (!ea.is_null()).into(),
                d,
                text.to_owned(),
            );
            return;
        }
        (false, false) => {}
    }
    let (xb, xa) = (extensions(eb), extensions(ea));
    for name in xb.union(&xa) {
        let (had, has) = (xb.contains(name), xa.contains(name));
        if had == has {
            continue;
        }
        let important = matches!(name.as_str(), "PIPELINING" | "STARTTLS" | "SIZE");
        let d = match (important, has) {
            (false, _) => Direction::Neutral,
            (true, true) => Direction::Better,
            (true, false) => Direction::Worse,
        };
        let text = if has {
            format!("ehlo: {name} is now advertised")
        } else {
            format!("ehlo: {name} is no longer advertised")
        };
        out.push(
            "ehlo",
            format!("extensions.{name}"),
            had.into(),
            has.into(),
            d,
            text,
        );
    }
    out.simple(
        "ehlo",
        "size",
        at(eb, "size"),
        at(ea, "size"),
        Direction::Neutral,
    );
}

fn tls(out: &mut Builder, b: &Value, a: &Value) {
    let (tb, ta) = (at(b, "tls"), at(a, "tls"));
    let (eb, ea) = (at(tb, "established"), at(ta, "established"));
    if eb != ea {
        let d = match (eb.as_bool(), ea.as_bool()) {
            (Some(true), Some(false)) => Direction::Worse,
            (Some(false), Some(true)) => Direction::Better,
            _ => Direction::Neutral,
        };
        let text = if ea.as_bool() == Some(true) {
            "tls: the handshake completes again".to_owned()
        } else {
            "tls: no TLS session any more".to_owned()
        };
        out.push("tls", "established", eb.clone(), ea.clone(), d, text);
    }
    let (vb, va) = (at(tb, "version"), at(ta, "version"));
    if vb != va && !vb.is_null() && !va.is_null() {
        // Lower version = higher rank of risk: compare reversed.
        let d = by_rank(tls_rank(va), tls_rank(vb));
        out.push(
            "tls",
            "version",
            vb.clone(),
            va.clone(),
            d,
            format!("tls: version {} → {}", show(vb), show(va)),
        );
    }
    let (cb, ca) = (at(tb, "certificate"), at(ta, "certificate"));
    if cb.is_null() || ca.is_null() {
        return;
    }
    let (xb, xa) = (at(cb, "verification"), at(ca, "verification"));
    if xb != xa {
        let valid = |v: &Value| v.as_str() == Some("valid");
        let d = match (valid(xb), valid(xa)) {
            (true, false) => Direction::Worse,
            (false, true) => Direction::Better,
            _ => Direction::Neutral,
        };
        out.push(
            "tls",
            "certificate.verification",
            xb.clone(),
            xa.clone(),
            d,
            format!("tls: certificate {} → {}", show(xb), show(xa)),
        );
    }
    let (db, da) = (at(cb, "days_remaining"), at(ca, "days_remaining"));
    if let (Some(nb), Some(na)) = (db.as_i64(), da.as_i64())
        && nb != na
    {
        let renewed = na.saturating_sub(nb) > 20;
        let (d, text) = if renewed {
            (
                Direction::Better,
                format!("tls: certificate renewed ({nb} → {na} days left)"),
            )
        } else {
            (
                Direction::Neutral,
                format!("tls: certificate days left {nb} → {na}"),
            )
        };
        out.push(
            "tls",
            "certificate.days_remaining",
            db.clone(),
            da.clone(),
            d,
            text,
        );
    }
    let (ib, ia) = (at(cb, "issuer"), at(ca, "issuer"));
    if ib != ia {
        out.push(
            "tls",
            "certificate.issuer",
            ib.clone(),
            ia.clone(),
            Direction::Neutral,
            format!("tls: certificate issuer {} → {}", show(ib), show(ia)),
        );
    }
}

fn auth(out: &mut Builder, b: &Value, a: &Value) {
    let (ob, oa) = (at(b, "auth.login.outcome"), at(a, "auth.login.outcome"));
    if ob != oa {
        let d = match (ob.as_str(), oa.as_str()) {
            (Some("success"), Some("failure")) => Direction::Worse,
            (Some("failure"), Some("success")) => Direction::Better,
            _ => Direction::Neutral,
        };
        out.push(
            "auth",
            "login.outcome",
            ob.clone(),
            oa.clone(),
            d,
            format!("auth: login {} → {}", show(ob), show(oa)),
        );
    }
    for field in ["mechanisms_before_tls", "mechanisms_after_tls"] {
        let (mb, ma) = (at(b, "auth").get(field), at(a, "auth").get(field));
        let (mb, ma) = (mb.unwrap_or(&Value::Null), ma.unwrap_or(&Value::Null));
        if strings(mb) != strings(ma) {
            out.push(
                "auth",
                field,
                mb.clone(),
                ma.clone(),
                Direction::Neutral,
                format!(
                    "auth: {} {} → {}",
                    field.replace('_', " "),
                    show(mb),
                    show(ma)
                ),
            );
        }
    }
}

fn delivery(out: &mut Builder, b: &Value, a: &Value) {
    let (ob, oa) = (at(b, "delivery.outcome"), at(a, "delivery.outcome"));
    if ob != oa {
        let d = by_rank(delivery_rank(ob), delivery_rank(oa));
        out.push(
            "delivery",
            "outcome",
            ob.clone(),
            oa.clone(),
            d,
            format!("delivery: {} → {}", show(ob), show(oa)),
        );
    }
    out.simple(
        "delivery",
        "reason",
        at(b, "delivery.reason"),
        at(a, "delivery.reason"),
        Direction::Neutral,
    );
    out.simple(
        "delivery",
        "reply.code",
        at(b, "delivery.reply.code"),
        at(a, "delivery.reply.code"),
        Direction::Neutral,
    );
}

fn finding_map(r: &Value) -> BTreeMap<String, Value> {
    at(r, "findings")
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("id")?.as_str()?.to_owned(), at(f, "severity").clone())))
        .collect()
}

fn findings(out: &mut Builder, b: &Value, a: &Value) {
    let (fb, fa) = (finding_map(b), finding_map(a));
    let ids: BTreeSet<&String> = fb.keys().chain(fa.keys()).collect();
    for id in ids {
        let (sb, sa) = (fb.get(id), fa.get(id));
        let (d, text) = match (sb, sa) {
            (None, Some(s)) => (
                if severity_rank(s) > 0 {
                    Direction::Worse
                } else {
                    Direction::Neutral
                },
                format!("findings: new {} {id}", show(s)),
            ),
            (Some(s), None) => (
                if severity_rank(s) > 0 {
                    Direction::Better
                } else {
                    Direction::Neutral
                },
                format!("findings: {id} ({}) resolved", show(s)),
            ),
            (Some(x), Some(y)) if x != y => (
                match severity_rank(y).cmp(&severity_rank(x)) {
                    std::cmp::Ordering::Greater => Direction::Worse,
                    std::cmp::Ordering::Less => Direction::Better,
                    std::cmp::Ordering::Equal => Direction::Neutral,
                },
                format!("findings: {id} {} → {}", show(x), show(y)),
            ),
            _ => continue,
        };
        out.push(
            "findings",
            id.clone(),
            sb.cloned().unwrap_or(Value::Null),
            sa.cloned().unwrap_or(Value::Null),
            d,
            text,
        );
    }
}

/// Compares two reports (as JSON values): every change, ordered by area then direction.
pub(crate) fn compare(before: &Value, after: &Value) -> Diff {
    let mut out = Builder {
        changes: Vec::new(),
    };
    statuses(&mut out, before, after);
    connectivity(&mut out, before, after);
    ehlo(&mut out, before, after);
    tls(&mut out, before, after);
    auth(&mut out, before, after);
    delivery(&mut out, before, after);
    findings(&mut out, before, after);
    let area_index = |a: &str| AREAS.iter().position(|x| *x == a).unwrap_or(AREAS.len());
    let mut changes = out.changes;
    changes.sort_by_key(|c| (area_index(c.area), c.direction));
    let worse = changes.iter().any(|c| c.direction == Direction::Worse);
    Diff { changes, worse }
}

/// The human output: grouped by area (areas with something worse first), inside each area
/// worse, better, neutral; "no change" when the reports agree.
pub(crate) fn human(diff: &Diff) -> String {
    if diff.changes.is_empty() {
        return "no change\n".to_owned();
    }
    let mut areas: Vec<(&str, Direction)> = Vec::new();
    for c in &diff.changes {
        match areas.iter_mut().find(|(a, _)| *a == c.area) {
            Some((_, d)) => *d = (*d).min(c.direction),
            None => areas.push((c.area, c.direction)),
        }
    }
    // A stable sort keeps the area order among equals.
    areas.sort_by_key(|(_, d)| *d);
    let mut s = String::new();
    for (area, _) in areas {
        s.push_str(area);
        s.push('\n');
        for c in diff.changes.iter().filter(|c| c.area == area) {
            s.push_str(&format!("  {} {}\n", c.direction.marker(), c.text));
        }
    }
    let (w, b, n) = diff
        .changes
        .iter()
        .fold((0, 0, 0), |(w, b, n), c| match c.direction {
            Direction::Worse => (w + 1, b, n),
            Direction::Better => (w, b + 1, n),
            Direction::Neutral => (w, b, n + 1),
        });
    s.push_str(&format!("{w} worse, {b} better, {n} neutral\n"));
    s
}

#[cfg(test)]
mod tests;
