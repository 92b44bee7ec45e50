//! The organisational domain, two ways.
//!
//! - **RFC 7489 §3.2**: the public suffix of the name (from the public suffix list
//!   compiled into the `psl` crate) plus one label: [`org_domain_psl`].
//! - **RFC 9989 §4.10**: a DNS tree walk over `_dmarc.<name>` TXT records. The names to
//!   ask are [`tree_walk_names`] (at most [`MAX_WALK_QUERIES`]: the name itself, then —
//!   when it has eight labels or more — its last seven labels, then one label less at a
//!   time down to the top-level domain); [`org_domain_from_walk`] then picks the
//!   organisational domain from the records found (§4.10.2): scanning from the longest
//!   name to the shortest, a record with `psd=n` makes its name the organisational
//!   domain; a record with `psd=y` (not at the starting name) makes the name one label
//!   below it the organisational domain; otherwise the name with the fewest labels that
//!   has a record; with no record at all, the starting name itself.
//!
//! ```
//! use smtping_signals::dmarc::org_domain::{org_domain_psl, tree_walk_names};
//!
//! assert_eq!(org_domain_psl("mail.example.co.uk").as_deref(), Some("example.co.uk"));
//! assert_eq!(tree_walk_names("a.mail.example.com"),
//!            ["a.mail.example.com", "mail.example.com", "example.com", "com"]);
//! ```

use crate::dmarc::record::PsdFlag;

/// The RFC 9989 tree walk asks at most this many names.
pub const MAX_WALK_QUERIES: usize = 8;

/// The labels a name is shortened to after the first query when it has eight or more.
const SHORTENED_LABELS: usize = 7;

/// Lower case, no trailing dot.
pub(crate) fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// RFC 7489 §3.2: the public suffix plus one label. `None` when the name is itself a
/// public suffix (or empty). Names under a TLD the list does not know (`example.test`)
/// count that TLD as the suffix (the list's `*` rule).
#[must_use]
pub fn org_domain_psl(domain: &str) -> Option<String> {
    let domain = normalise(domain);
    if domain.is_empty() {
        return None;
    }
    psl::domain_str(&domain).map(str::to_owned)
}

/// RFC 9989 §4.10: the names whose `_dmarc` records the tree walk reads, in order (the
/// domain names, without the `_dmarc.` prefix).
#[must_use]
pub fn tree_walk_names(domain: &str) -> Vec<String> {
    let domain = normalise(domain);
    let labels: Vec<&str> = domain.split('.').filter(|l| !l.is_empty()).collect();
    if labels.is_empty() {
        return Vec::new();
    }
    let mut names = vec![labels.join(".")];
    let next = if labels.len() > SHORTENED_LABELS {
        labels.len() - SHORTENED_LABELS
    } else {
        1
    };
    for start in next..labels.len() {
        names.push(labels[start..].join("."));
    }
    names.truncate(MAX_WALK_QUERIES);
    names
}

/// RFC 9989 §4.10.2: the organisational domain of `start`, given the names of the walk
/// that hold exactly one DMARC record and each record's `psd=` (any order; names not
/// in the walk are ignored).
#[must_use]
pub fn org_domain_from_walk(start: &str, found: &[(String, PsdFlag)]) -> String {
    let start = normalise(start);
    let walk = tree_walk_names(&start);
    let mut with_record: Vec<(usize, &str, PsdFlag)> = walk
        .iter()
        .enumerate()
        .filter_map(|(i, name)| {
            found
                .iter()
                .find(|(n, _)| normalise(n) == *name)
                .map(|(_, psd)| (i, name.as_str(), *psd))
        })
        .collect();
    // Longest name first: the walk order.
    with_record.sort_by_key(|(i, _, _)| *i);
    for (i, name, psd) in &with_record {
        match psd {
            PsdFlag::No => return (*name).to_string(),
            PsdFlag::Yes if *i > 0 => return one_label_below(&start, name),
            _ => {}
        }
    }
    with_record
        .last()
        .map_or(start.clone(), |(_, name, _)| (*name).to_string())
}

/// The name of `start` that has one label more than `suffix`.
fn one_label_below(start: &str, suffix: &str) -> String {
    let labels: Vec<&str> = start.split('.').collect();
    let suffix_labels = suffix.split('.').count();
    let take = (suffix_labels + 1).min(labels.len());
    labels[labels.len() - take..].join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(list: &[(&str, PsdFlag)]) -> Vec<(String, PsdFlag)> {
        list.iter().map(|(n, p)| ((*n).to_string(), *p)).collect()
    }

    #[test]
    fn psl_org_domains() {
        assert_eq!(
            org_domain_psl("Example.COM.").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            org_domain_psl("a.b.example.com").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            org_domain_psl("x.example.co.uk").as_deref(),
            Some("example.co.uk")
        );
        assert_eq!(
            org_domain_psl("mail.example.test").as_deref(),
            Some("example.test")
        );
        assert_eq!(org_domain_psl("co.uk"), None);
        assert_eq!(org_domain_psl("com"), None);
        assert_eq!(org_domain_psl(""), None);
    }

    #[test]
    fn walk_names_short_and_long() {
        assert_eq!(tree_walk_names("example.com"), ["example.com", "com"]);
        assert_eq!(tree_walk_names("com"), ["com"]);
        assert!(tree_walk_names("").is_empty());
        // The RFC's example: the name, then the last seven labels, down to the TLD.
        let long = tree_walk_names("a.b.c.d.e.f.g.h.i.j.mail.example.com");
        assert_eq!(
            long,
            [
                "a.b.c.d.e.f.g.h.i.j.mail.example.com",
                "g.h.i.j.mail.example.com",
                "h.i.j.mail.example.com",
                "i.j.mail.example.com",
                "j.mail.example.com",
                "mail.example.com",
                "example.com",
                "com",
            ]
        );
        // Exactly eight labels: shortened to seven, eight queries.
        assert_eq!(tree_walk_names("a.b.c.d.e.f.g.h").len(), 8);
        assert_eq!(tree_walk_names("b.c.d.e.f.g.h").len(), 7);
    }

    #[test]
    fn org_domain_selection_follows_the_rfc_examples() {
        use PsdFlag::{No, Unknown, Yes};
        let start = "a.mail.example.com";
        assert_eq!(
            org_domain_from_walk(
                start,
                &found(&[("mail.example.com", Unknown), ("example.com", Unknown)])
            ),
            "example.com"
        );
        assert_eq!(
            org_domain_from_walk(
                start,
                &found(&[("mail.example.com", No), ("example.com", Unknown)])
            ),
            "mail.example.com"
        );
        assert_eq!(
            org_domain_from_walk(start, &found(&[("com", Yes)])),
            "example.com"
        );
        assert_eq!(org_domain_from_walk(start, &[]), "a.mail.example.com");
        // §B.4.3: giant.bank.example has a record, bank.example says psd=y.
        assert_eq!(
            org_domain_from_walk(
                "giant.bank.example",
                &found(&[("giant.bank.example", Unknown), ("bank.example", Yes)])
            ),
            "giant.bank.example"
        );
        assert_eq!(
            org_domain_from_walk(
                "mail.giant.bank.example",
                &found(&[("giant.bank.example", Unknown), ("bank.example", Yes)])
            ),
            "giant.bank.example"
        );
        // psd=y at the starting name itself is not a boundary below it.
        assert_eq!(
            org_domain_from_walk("bank.example", &found(&[("bank.example", Yes)])),
            "bank.example"
        );
    }

    proptest::proptest! {
        #[test]
        fn walk_is_bounded(name in "[a-z.]{0,300}") {
            let names = tree_walk_names(&name);
            proptest::prop_assert!(names.len() <= MAX_WALK_QUERIES);
            let _ = org_domain_from_walk(&name, &[(name.clone(), PsdFlag::Yes)]);
        }
    }
}
