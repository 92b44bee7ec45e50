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

/// Every finding id an evaluator of smtping-signals (or the TLS scan) can propose (the `=> "area.name"`
/// arms of their `finding_id()`), read from their sources.
fn evaluator_ids() -> Vec<String> {
    let sources = [
        include_str!("../../../../smtping-signals/src/spf/analysis.rs"),
        include_str!("../../../../smtping-signals/src/dkim/mod.rs"),
        include_str!("../../../../smtping-signals/src/dmarc/mod.rs"),
        include_str!("../../../../smtping-signals/src/reverse.rs"),
        include_str!("../../../../smtping-signals/src/helo.rs"),
        include_str!("../../../../smtping-signals/src/dnsbl/mod.rs"),
        include_str!("../../../../smtping-signals/src/dane/mod.rs"),
        include_str!("../../../../smtping-signals/src/dnssec.rs"),
        include_str!("../../../../smtping-signals/src/mta_sts/mod.rs"),
        include_str!("../../../../smtping-signals/src/tls_rpt.rs"),
        include_str!("../../tls/scan/problem.rs"),
        include_str!("../../follow/mod.rs"),
        include_str!("../../dkim_sign.rs"),
        include_str!("../../../../smtping-classify/src/bounce.rs"),
        include_str!("../../../../smtping-classify/src/receiver.rs"),
    ];
    let mut ids = Vec::new();
    for src in sources {
        for part in src.split("=> \"").skip(1) {
            let Some((id, _)) = part.split_once('"') else {
                continue;
            };
            if id.contains('.')
                && id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'.' || b == b'_')
            {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

#[test]
fn every_evaluator_finding_id_is_in_the_catalogue() {
    let ids = evaluator_ids();
    assert!(ids.len() > 60, "the scan found only {} ids", ids.len());
    for id in ids {
        assert!(
            id.parse::<FindingId>().is_ok(),
            "smtping-signals proposes {id}, which FindingId does not know (add it with its severity, remediation and docs/checks.md row)"
        );
    }
}
