use super::*;

/// The finding ids `docs/checks.md` documents: the first cell of its table rows.
fn documented_ids() -> Vec<String> {
    let doc = include_str!("../../../../docs/checks.md");
    let mut ids = Vec::new();
    for line in doc.lines() {
        let Some(rest) = line.strip_prefix("| `") else {
            continue;
        };
        let Some((id, tail)) = rest.split_once('`') else {
            continue;
        };
        let is_id = id.contains('.')
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
        // A finding row has a severity in its second column.
        let severity = tail.split('|').nth(1).map(str::trim).unwrap_or_default();
        if is_id && severity.starts_with(['i', 'w', 'e']) && !id.starts_with("example") {
            ids.push(id.to_owned());
        }
    }
    ids
}

#[test]
fn every_finding_id_is_documented_and_every_documented_id_exists() {
    let documented = documented_ids();
    for id in FindingId::ALL {
        assert!(
            documented.iter().any(|d| d == id.as_str()),
            "{id} is not documented in docs/checks.md"
        );
    }
    for d in &documented {
        assert!(
            d.parse::<FindingId>().is_ok(),
            "docs/checks.md documents {d}, which is not a FindingId"
        );
    }
}

#[test]
fn documented_severity_matches_the_default() {
    let doc = include_str!("../../../../docs/checks.md");
    for id in FindingId::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| `{id}` |")))
            .unwrap_or_else(|| panic!("{id} has no row"));
        let severity = row.split('|').nth(2).unwrap_or_default().trim();
        assert!(
            severity.starts_with(id.severity().as_str()),
            "{id}: docs say {severity:?}, code says {}",
            id.severity()
        );
    }
}

#[test]
fn ids_serialise_as_their_dotted_word() {
    let f = Finding::new(FindingId::TlsNotOffered, "m");
    let json = serde_json::to_value(&f).unwrap();
    assert_eq!(json["id"], "tls.not_offered");
    assert_eq!(json["severity"], "warning");
}
