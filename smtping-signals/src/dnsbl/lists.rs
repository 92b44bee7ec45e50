//! The built-in list behind `--dnsbl default`, and how zones are named on the command
//! line.
//!
//! The default list is short on purpose: well-known lists with documented return codes
//! that are free for low-volume, non-commercial use (each operator's terms apply; large
//! users need a feed or a key, and some lists answer every query from public resolvers
//! with an error code, see [`codes`](super::codes)).
//!
//! | zone | kind | operator | what it lists |
//! |---|---|---|---|
//! | `zen.spamhaus.org` | IP | Spamhaus | SBL, CSS, XBL, DROP, PBL combined |
//! | `bl.spamcop.net` | IP | SpamCop (Cisco) | sources of spam reported by users |
//! | `b.barracudacentral.org` | IP | Barracuda | poor-reputation senders (BRBL) |
//! | `dbl.spamhaus.org` | domain | Spamhaus | low-reputation, phishing, malware, C&C domains |
//! | `multi.surbl.org` | domain | SURBL | domains in spam: phishing, malware, abuse, cracked sites |
//!
//! SORBS (`dnsbl.sorbs.net`) is not in the list: it was shut down in 2024.
//!
//! ```
//! use smtping_signals::dnsbl::{parse_zones, ListKind};
//!
//! let zones = parse_zones(["default", "rbl.example.test", "domain:rhsbl.example.test"])?;
//! assert_eq!(zones.len(), 5 + 2);
//! assert_eq!(zones[0].zone, "zen.spamhaus.org");
//! assert_eq!(zones[5].kind, ListKind::Ip);
//! assert_eq!(zones[6].kind, ListKind::Domain);
//! # Ok::<(), smtping_signals::dnsbl::ZoneSpecError>(())
//! ```

use serde::Serialize;

use crate::helo::{HostnameSyntax, hostname_syntax};
use crate::reverse::{normalise, shorten};

/// At most this many zones per evaluation (each costs two questions per item).
pub const MAX_ZONES: usize = 32;

/// What a list holds, and so what is looked up in it.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Addresses (a DNSBL): `4.3.2.1.zone` for `1.2.3.4`, the 32-nibble form for IPv6
    /// (RFC 5782 §2.1, §2.4).
    Ip,
    /// Domain names (an RHSBL / URI list): `example.com.zone` (RFC 5782 §2.3).
    Domain,
}

/// One built-in list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinList {
    /// The zone queried.
    pub zone: &'static str,
    /// Addresses or domains.
    pub kind: ListKind,
    /// Who runs it.
    pub operator: &'static str,
    /// One line on what it lists.
    pub description: &'static str,
}

/// The lists `--dnsbl default` expands to, IP lists first.
pub const DEFAULT_LISTS: &[BuiltinList] = &[
    BuiltinList {
        zone: "zen.spamhaus.org",
        kind: ListKind::Ip,
        operator: "Spamhaus",
        description: "SBL, CSS, XBL, DROP and PBL combined",
    },
    BuiltinList {
        zone: "bl.spamcop.net",
        kind: ListKind::Ip,
        operator: "SpamCop",
        description: "sources of spam reported by SpamCop users",
    },
    BuiltinList {
        zone: "b.barracudacentral.org",
        kind: ListKind::Ip,
        operator: "Barracuda",
        description: "Barracuda Reputation Block List (poor-reputation senders)",
    },
    BuiltinList {
        zone: "dbl.spamhaus.org",
        kind: ListKind::Domain,
        operator: "Spamhaus",
        description: "Domain Block List: spam, phishing, malware and botnet C&C domains",
    },
    BuiltinList {
        zone: "multi.surbl.org",
        kind: ListKind::Domain,
        operator: "SURBL",
        description: "domains seen in spam: phishing, malware, abuse and cracked sites",
    },
];

/// The built-in entry for `zone`, if it is one.
#[must_use]
pub fn builtin(zone: &str) -> Option<&'static BuiltinList> {
    let zone = normalise(zone);
    DEFAULT_LISTS.iter().find(|l| l.zone == zone)
}

/// A zone to query, and what it lists.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct DnsblZone {
    /// The zone, lower case, without trailing dot.
    pub zone: String,
    /// Addresses or domains.
    pub kind: ListKind,
}

impl DnsblZone {
    /// A zone of the given kind; the name must be a host name of two labels or more.
    pub fn new(zone: &str, kind: ListKind) -> Result<Self, ZoneSpecError> {
        let name = normalise(zone);
        match hostname_syntax(&name) {
            HostnameSyntax::Fqdn => Ok(Self { zone: name, kind }),
            HostnameSyntax::NotFqdn => Err(ZoneSpecError::NotAZone {
                spec: shorten(zone),
                reason: "a zone has at least two labels, e.g. zen.spamhaus.org".into(),
            }),
            HostnameSyntax::Invalid(reason) => Err(ZoneSpecError::NotAZone {
                spec: shorten(zone),
                reason,
            }),
        }
    }
}

/// A `--dnsbl` value that is not a zone.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ZoneSpecError {
    /// Not a zone name (or an unknown `KIND:` prefix).
    #[error("--dnsbl {spec:?}: {reason}")]
    NotAZone {
        /// The value given (shortened when long).
        spec: String,
        /// Why.
        reason: String,
    },
    /// More than [`MAX_ZONES`] zones.
    #[error("--dnsbl: {count} zones given, at most {limit} are queried")]
    TooMany {
        /// Zones after expansion.
        count: usize,
        /// The limit.
        limit: usize,
    },
}

/// Parses `--dnsbl` values, in order, duplicates removed: `default` expands to
/// [`DEFAULT_LISTS`]; `ip:ZONE` and `domain:ZONE` name the kind; a bare `ZONE` is the
/// built-in kind for a built-in zone and an IP list otherwise.
pub fn parse_zones<'a>(
    specs: impl IntoIterator<Item = &'a str>,
) -> Result<Vec<DnsblZone>, ZoneSpecError> {
    let mut out: Vec<DnsblZone> = Vec::new();
    let mut push = |zone: DnsblZone| {
        if !out.contains(&zone) {
            out.push(zone);
        }
    };
    for spec in specs {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("default") {
            for list in DEFAULT_LISTS {
                push(DnsblZone {
                    zone: list.zone.into(),
                    kind: list.kind,
                });
            }
            continue;
        }
        let (kind, zone) = match spec.split_once(':') {
            Some((k, z)) if k.eq_ignore_ascii_case("ip") => (Some(ListKind::Ip), z),
            Some((k, z)) if k.eq_ignore_ascii_case("domain") => (Some(ListKind::Domain), z),
            Some(_) => {
                return Err(ZoneSpecError::NotAZone {
                    spec: shorten(spec),
                    reason: "the prefix before ':' must be ip or domain".into(),
                });
            }
            None => (None, spec),
        };
        let kind = kind.unwrap_or_else(|| builtin(zone).map_or(ListKind::Ip, |l| l.kind));
        push(DnsblZone::new(zone, kind)?);
    }
    if out.len() > MAX_ZONES {
        return Err(ZoneSpecError::TooMany {
            count: out.len(),
            limit: MAX_ZONES,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let zones = parse_zones(["dbl.spamhaus.org", "ip:dbl.spamhaus.org", "Default"]).unwrap();
        assert_eq!(zones[0].kind, ListKind::Domain);
        assert_eq!(zones[1].kind, ListKind::Ip);
        // default adds the others, not dbl.spamhaus.org again.
        assert_eq!(zones.len(), 2 + DEFAULT_LISTS.len() - 1);
        assert_eq!(
            parse_zones(["RBL.Example.TEST."]).unwrap()[0].zone,
            "rbl.example.test"
        );
        assert!(parse_zones(["nodots"]).is_err());
        assert!(parse_zones(["bad zone.test"]).is_err());
        assert!(parse_zones(["txt:rbl.example.test"]).is_err());
        assert!(parse_zones([""]).is_err());
        let many: Vec<String> = (0..=MAX_ZONES)
            .map(|i| format!("z{i}.example.test"))
            .collect();
        assert!(matches!(
            parse_zones(many.iter().map(String::as_str)),
            Err(ZoneSpecError::TooMany { .. })
        ));
    }

    #[test]
    fn builtins_are_valid_zones() {
        for list in DEFAULT_LISTS {
            assert_eq!(
                DnsblZone::new(list.zone, list.kind).unwrap().zone,
                list.zone
            );
            assert_eq!(builtin(list.zone), Some(list));
        }
    }
}
