//! Unit tests of `registry` (kept beside it, in its own file).

use super::*;

#[test]
fn tables_are_sorted_and_unique() {
    for w in ENTRIES.windows(2) {
        assert!(
            (w[0].subject, w[0].detail) < (w[1].subject, w[1].detail),
            "{:?}",
            w[1].code()
        );
    }
    for w in BASIC.windows(2) {
        assert!(w[0].code < w[1].code, "{}", w[1].code);
    }
}

#[test]
fn every_entry_is_reachable_and_explained() {
    for e in ENTRIES {
        for class in [2u8, 4, 5] {
            let code = EnhancedCode::new(class, e.subject, e.detail).unwrap();
            let found = lookup(code).unwrap();
            assert_eq!(found.code(), e.code());
            assert!(describe(code).ends_with('.'));
        }
        assert!(!e.title.is_empty() && !e.reference.is_empty());
        assert!(e.explanation.ends_with('.'), "{}", e.code());
        assert!(e.explanation.len() > 20, "{}", e.code());
    }
    assert_eq!(ENTRIES.len(), 81);
}

#[test]
fn unregistered_codes_are_none() {
    assert!(lookup("5.7.606".parse().unwrap()).is_none());
    assert!(lookup("5.1.11".parse().unwrap()).is_none());
    assert!(lookup("5.8.0".parse().unwrap()).is_none());
    assert!(basic(599).is_none());
    assert!(class_title(3).is_none());
    assert!(subject_title(8).is_none());
}

#[test]
fn basic_codes_cover_rfc5321() {
    for code in [
        211, 214, 220, 221, 250, 251, 252, 354, 421, 450, 451, 452, 455, 500, 501, 502, 503, 504,
        550, 551, 552, 553, 554, 555,
    ] {
        let b = basic(code).unwrap();
        assert_eq!(b.code, code);
        assert!(b.explanation.ends_with('.'));
    }
}

/// Compares the table with the IANA registry copy in `shared/reference`, row by row.
#[test]
fn matches_the_iana_tsv() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/reference/iana-enhanced-status-codes.tsv"
    );
    let Ok(tsv) = std::fs::read_to_string(path) else {
        println!("skipping: {path} is absent");
        return;
    };
    let mut rows = 0;
    for line in tsv.lines() {
        if line.starts_with('#') || line.starts_with("code\t") || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols.len(), 4, "bad TSV row {line:?}");
        let mut parts = cols[0].trim_start_matches("X.").split('.');
        let subject: u16 = parts.next().unwrap().parse().unwrap();
        let detail: u16 = parts.next().unwrap().parse().unwrap();
        let e = lookup_parts(subject, detail)
            .unwrap_or_else(|| panic!("{} missing from the table", cols[0]));
        assert_eq!(e.title, cols[1], "title of {}", cols[0]);
        assert_eq!(e.basic, cols[2], "basic codes of {}", cols[0]);
        assert_eq!(e.reference, cols[3], "reference of {}", cols[0]);
        rows += 1;
    }
    assert_eq!(rows, ENTRIES.len(), "table has rows the TSV lacks");
}
