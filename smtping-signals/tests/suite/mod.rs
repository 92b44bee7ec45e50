//! The official RFC 7208 test suite's data, read the way pyspf's own driver reads it:
//! shared by `smtping-signals/tests/rfc7208.rs` (answered in memory by `MemoryDns`) and
//! `smtping-client/tests/rfc7208_udp.rs` (served over loopback by the testkit's
//! `DnsResponder` and asked by the client's resolver).

#![allow(dead_code, unreachable_pub)]

use std::collections::HashSet;

use serde_yaml_ng::Value;
use smtping_proto::dns::{Mx, RecordData, RecordType, Txt};
use smtping_testkit::dns::{Fault, Zone};

/// `rfc7208-tests.yml` from the pyspf 2.0.14 sdist (openspf release 2014.04).
pub const SUITE: &str = include_str!("../data/rfc7208-tests.yml");

pub fn strings(v: &Value) -> Vec<Vec<u8>> {
    match v {
        // A TXT record without strings cannot be sent (RFC 1035 §3.3.14: one or more);
        // the suite's `[ ]` ("null text … SPF should not crash") is served as one empty
        // string, the nearest record the wire can carry.
        Value::Sequence(items) if items.is_empty() => vec![Vec::new()],
        Value::Sequence(items) => items
            .iter()
            .map(|s| s.as_str().unwrap_or_default().as_bytes().to_vec())
            .collect(),
        other => vec![scalar(other).into_bytes()],
    }
}

pub fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The pyspf driver's reading of `zonedata`: SPF (type 99) records are served as TXT
/// when the name has no TXT entry at all (`TXT: NONE` included), `NONE` adds nothing, and
/// `TIMEOUT` drops the queries of every type not listed before it.
pub fn zone(data: Option<&Value>) -> Zone {
    let mut zone = Zone::new();
    let Some(Value::Mapping(names)) = data else {
        return zone;
    };
    for (name, entries) in names {
        let name = scalar(name);
        let entries = entries.as_sequence().cloned().unwrap_or_default();
        let has_txt = entries
            .iter()
            .any(|e| e.as_mapping().is_some_and(|m| m.contains_key("TXT")));
        let mut seen: HashSet<RecordType> = HashSet::new();
        let mut generated = Vec::new();
        for entry in &entries {
            if entry.as_str() == Some("TIMEOUT") {
                for t in [
                    RecordType::A,
                    RecordType::Aaaa,
                    RecordType::Mx,
                    RecordType::Txt,
                    RecordType::Ptr,
                    RecordType::Cname,
                ] {
                    if !seen.contains(&t) {
                        zone = zone.fault_for(&name, t, Fault::Drop);
                    }
                }
                continue;
            }
            let Some(map) = entry.as_mapping() else {
                panic!("unknown zonedata entry {entry:?} at {name}");
            };
            for (kind, value) in map {
                let kind = scalar(kind);
                if value.as_str() == Some("NONE") {
                    continue;
                }
                let data = match kind.as_str() {
                    "A" => RecordData::A(scalar(value).parse().expect("A")),
                    "AAAA" => RecordData::Aaaa(scalar(value).parse().expect("AAAA")),
                    "MX" => {
                        let pair = value.as_sequence().expect("MX pair");
                        let exchange = scalar(&pair[1]);
                        RecordData::Mx(Mx {
                            preference: pair[0].as_u64().unwrap_or(0) as u16,
                            exchange: if exchange.is_empty() {
                                ".".into()
                            } else {
                                exchange
                            },
                        })
                    }
                    "TXT" => RecordData::Txt(Txt {
                        strings: strings(value),
                    }),
                    "PTR" => RecordData::Ptr(scalar(value)),
                    "CNAME" => RecordData::Cname(scalar(value)),
                    "SPF" => {
                        if !has_txt {
                            generated.push(Txt {
                                strings: strings(value),
                            });
                        }
                        continue;
                    }
                    other => panic!("unknown zonedata type {other} at {name}"),
                };
                seen.insert(data.record_type());
                zone = zone.record(&name, data);
            }
        }
        for txt in generated {
            zone = zone.record(&name, RecordData::Txt(txt));
        }
    }
    zone
}
