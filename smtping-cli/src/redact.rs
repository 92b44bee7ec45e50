//! `--redact`, the CLI's part: what the engine's `Check::redact` cannot know.
//!
//! The engine masks local parts in the transcript, the reply texts and the recipients
//! (`***@example.org`). The CLI then also masks the target when it is an e-mail address
//! (`a…@example.org` in the card header, JSON `target.input`, the Nagios line and the
//! Prometheus `target` label, and wherever the engine quoted it), and numbers the masked
//! recipients in `--to` order (`a…@example.org #1`, `b…@example.org #2`) so that two
//! recipients of one domain stay apart in every output.

use smtping_client::Report;
use smtping_client::report::Direction;

/// `alice@example.org` → `a…@example.org`; `None` for text that is not an address.
pub(crate) fn mask_address(address: &str) -> Option<String> {
    let a = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (local, domain) = a.rsplit_once('@')?;
    let first = local.chars().next()?;
    if domain.is_empty() {
        return None;
    }
    Some(format!("{first}…@{domain}"))
}

/// The masked form of the `n`-th recipient (0-based) of `to`.
fn recipient_mask(to: &[String], n: usize) -> Option<String> {
    let m = mask_address(&to[n])?;
    Some(if to.len() > 1 {
        format!("{m} #{}", n + 1)
    } else {
        m
    })
}

fn replace_all(v: &mut serde_json::Value, pairs: &[(String, String)]) {
    match v {
        serde_json::Value::String(s) => {
            for (from, to) in pairs {
                if s.contains(from.as_str()) {
                    *s = s.replace(from.as_str(), to);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| replace_all(x, pairs)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| replace_all(x, pairs)),
        _ => {}
    }
}

/// Applies the CLI's masking to a report made with `Check::redact(true)`. `to` is the
/// `--to` list, `from` the `--from` address.
pub(crate) fn apply(r: &mut Report, from: Option<&str>, to: &[String]) {
    // Every raw address we were given, longest first (so no mask eats into another).
    let mut pairs: Vec<(String, String)> = Vec::new();
    let input = r.target.input.trim().to_owned();
    if let Some(m) = mask_address(&input) {
        pairs.push((input, m));
    }
    for (i, t) in to.iter().enumerate() {
        if let Some(m) = recipient_mask(to, i) {
            pairs.push((t.trim().to_owned(), m));
        }
    }
    if let Some(f) = from
        && let Some(m) = mask_address(f)
    {
        pairs.push((f.trim().to_owned(), m));
    }
    pairs.retain(|(raw, _)| raw.contains('@'));
    pairs.sort_by_key(|(raw, _)| std::cmp::Reverse(raw.len()));
    if !pairs.is_empty()
        && let Ok(mut v) = serde_json::to_value(&*r)
    {
        replace_all(&mut v, &pairs);
        if let Ok(masked) = serde_json::from_value(v) {
            *r = masked;
        }
    }
    // The recipients (and their RCPT lines) in --to order, numbered.
    if r.delivery.recipients.len() == to.len() {
        for (i, rc) in r.delivery.recipients.iter_mut().enumerate() {
            if let Some(m) = recipient_mask(to, i) {
                rc.address = m;
            }
        }
    }
    let rcpt_lines: Vec<usize> = r
        .transcript
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            l.dir == Direction::Client && l.line.to_ascii_uppercase().starts_with("RCPT TO:<***@")
        })
        .map(|(i, _)| i)
        .collect();
    if to.len() > 1 && rcpt_lines.len() == to.len() {
        for (n, i) in rcpt_lines.into_iter().enumerate() {
            if let Some(m) = recipient_mask(to, n) {
                let line = &mut r.transcript[i].line;
                if let (Some(open), Some(close)) = (line.find('<'), line.find('>')) {
                    line.replace_range(open + 1..close, &m);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_domain_and_the_first_character() {
        assert_eq!(
            mask_address("alice@example.org").as_deref(),
            Some("a…@example.org")
        );
        assert_eq!(mask_address("example.org"), None);
        assert_eq!(mask_address("@example.org"), None);
        let to = ["a1@x.test".to_owned(), "a2@x.test".to_owned()];
        assert_eq!(recipient_mask(&to, 1).as_deref(), Some("a…@x.test #2"));
    }
}
