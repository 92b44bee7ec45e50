//! What a blocklist's answer means: listing codes, and the codes that are errors.
//!
//! Sources: Spamhaus "Available zones" (docs.spamhaus.com, datasets/040-zones) and its
//! news post of 2019-09-30 on the `127.255.255.0/24` error range; SURBL's "lists"
//! page (bitmasked `multi`); SpamCop and Barracuda (a single code, `127.0.0.2`);
//! RFC 5782 §2.1 (answers are in `127.0.0.0/8`).
//!
//! Rules, in order, for each A record of an answer:
//! 1. outside `127.0.0.0/8`: the zone is broken or wildcarded (a parked domain, an
//!    expired list) — [`CodeClass::ZoneError`] with [`ZoneErrorCause::OutsideLoopback`];
//! 2. Spamhaus zones (`*.spamhaus.org`, `*.spamhaus.net`): `127.255.255.252` a typo in
//!    the zone name, `127.255.255.254` a query through a public/open resolver,
//!    `127.255.255.255` excessive queries, any other `127.255.255.x` an undocumented
//!    error; DBL `127.0.1.255` an IP address queried in a domain list;
//! 3. SURBL (`*.surbl.org`): bit 1 of the last octet (`127.0.0.1`) means the query was
//!    blocked (SpamAssassin's `SURBL_BLOCKED`);
//! 4. anything else in `127.0.0.0/8` is a listing, with the list's meaning when known.
//!
//! ```
//! use std::net::Ipv4Addr;
//! use smtping_signals::dnsbl::{classify, CodeClass, RefusalCause};
//!
//! let code = classify("zen.spamhaus.org", Ipv4Addr::new(127, 0, 0, 4));
//! assert_eq!(code, CodeClass::Listed { meaning: "XBL: compromised or infected host (exploits, botnets)".into() });
//! let refused = classify("zen.spamhaus.org", Ipv4Addr::new(127, 255, 255, 254));
//! assert_eq!(refused, CodeClass::Refused(RefusalCause::PublicResolver));
//! ```

use std::net::Ipv4Addr;

use serde::Serialize;

/// Why a list refused to answer (the answer says nothing about the item).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalCause {
    /// Spamhaus `127.255.255.254`: the query came through a public or open resolver (or
    /// one with generic, unattributable reverse DNS).
    PublicResolver,
    /// Spamhaus `127.255.255.255`: the resolver exceeded the free usage limit.
    ExcessiveQueries,
    /// SURBL `127.0.0.1` (bit 1): the query was blocked (public resolver or volume).
    Blocked,
    /// The DNS server answered REFUSED.
    DnsRefused,
}

impl RefusalCause {
    /// One sentence for a human.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::PublicResolver => {
                "the list refuses queries through public or open resolvers (Spamhaus 127.255.255.254)"
            }
            Self::ExcessiveQueries => {
                "the list refuses this resolver for excessive queries (Spamhaus 127.255.255.255)"
            }
            Self::Blocked => "the list blocked the query (SURBL 127.0.0.1)",
            Self::DnsRefused => "the DNS server answered REFUSED",
        }
    }
}

/// Why an answer shows the zone, not the item, is wrong.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneErrorCause {
    /// An address outside `127.0.0.0/8`: the zone is broken or answers every name
    /// (wildcard, parked or expired domain).
    OutsideLoopback,
    /// Spamhaus `127.255.255.252`: a typing error in the zone name.
    TypoInZone,
    /// Spamhaus DBL `127.0.1.255`: an IP address was queried in a domain list.
    IpInDomainList,
    /// Another code in Spamhaus's error range `127.255.255.0/24`.
    UndocumentedError,
}

impl ZoneErrorCause {
    /// One sentence for a human.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::OutsideLoopback => {
                "the answer is outside 127.0.0.0/8: the zone is broken or answers every name"
            }
            Self::TypoInZone => "the zone name has a typing error (Spamhaus 127.255.255.252)",
            Self::IpInDomainList => {
                "an IP address was queried in a domain list (Spamhaus DBL 127.0.1.255)"
            }
            Self::UndocumentedError => "an undocumented Spamhaus error code (127.255.255.0/24)",
        }
    }
}

/// What one returned address means.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "class", rename_all = "snake_case")]
pub enum CodeClass {
    /// The item is listed.
    Listed {
        /// The code's meaning for this list (a generic text for unknown lists).
        meaning: String,
    },
    /// The list refused the query: an error, never a listing.
    Refused(RefusalCause),
    /// The answer shows a configuration or zone problem: an error, never a listing.
    ZoneError(ZoneErrorCause),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    SpamhausIp,
    SpamhausDbl,
    SpamhausOther,
    Surbl,
    SpamCop,
    Barracuda,
    Other,
}

fn family(zone: &str) -> Family {
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let labels: Vec<&str> = zone.split('.').collect();
    let under = |suffix: &str| zone == suffix || zone.ends_with(&format!(".{suffix}"));
    if under("spamhaus.org") || under("spamhaus.net") {
        if labels.contains(&"dbl") {
            Family::SpamhausDbl
        } else if labels
            .iter()
            .any(|l| ["zen", "sbl", "xbl", "pbl", "sbl-xbl", "authbl"].contains(l))
        {
            Family::SpamhausIp
        } else {
            Family::SpamhausOther
        }
    } else if under("surbl.org") {
        Family::Surbl
    } else if under("spamcop.net") {
        Family::SpamCop
    } else if under("barracudacentral.org") {
        Family::Barracuda
    } else {
        Family::Other
    }
}

/// What `code`, one A record of the answer for a query in `zone`, means.
#[must_use]
pub fn classify(zone: &str, code: Ipv4Addr) -> CodeClass {
    let [a, b, c, d] = code.octets();
    if a != 127 {
        return CodeClass::ZoneError(ZoneErrorCause::OutsideLoopback);
    }
    let fam = family(zone);
    // Spamhaus's error codes are the convention other lists (and mirrors under other
    // names) follow: no list uses them as listing codes, so they are errors everywhere.
    {
        match (b, c, d) {
            (255, 255, 252) => return CodeClass::ZoneError(ZoneErrorCause::TypoInZone),
            (255, 255, 254) => return CodeClass::Refused(RefusalCause::PublicResolver),
            (255, 255, 255) => return CodeClass::Refused(RefusalCause::ExcessiveQueries),
            (255, 255, _) => return CodeClass::ZoneError(ZoneErrorCause::UndocumentedError),
            (0, 1, 255) => return CodeClass::ZoneError(ZoneErrorCause::IpInDomainList),
            _ => {}
        }
    }
    if fam == Family::Surbl && d & 1 == 1 {
        return CodeClass::Refused(RefusalCause::Blocked);
    }
    CodeClass::Listed {
        meaning: meaning(fam, code),
    }
}

fn meaning(fam: Family, code: Ipv4Addr) -> String {
    let [_, b, c, d] = code.octets();
    let known: Option<&str> = match (fam, b, c, d) {
        (Family::SpamhausIp, 0, 0, 2) => Some("SBL: spam source or spam operation"),
        (Family::SpamhausIp, 0, 0, 3) => {
            Some("SBL CSS: low-reputation sender (snowshoe or automated detection)")
        }
        (Family::SpamhausIp, 0, 0, 4) => {
            Some("XBL: compromised or infected host (exploits, botnets)")
        }
        (Family::SpamhausIp, 0, 0, 5..=7) => Some("XBL (a code Spamhaus marks unused)"),
        (Family::SpamhausIp, 0, 0, 9) => {
            Some("SBL DROP: hijacked or criminal network (Don't Route Or Peer)")
        }
        (Family::SpamhausIp, 0, 0, 10) => {
            Some("PBL (ISP-maintained): end-user range that should not send mail directly")
        }
        (Family::SpamhausIp, 0, 0, 11) => {
            Some("PBL (Spamhaus-maintained): end-user range that should not send mail directly")
        }
        (Family::SpamhausIp, 0, 0, 20) => Some("AuthBL: host seen abusing SMTP AUTH"),
        (Family::SpamhausIp, 0, 0, 30) => Some("BCL: botnet controller"),
        (Family::SpamhausDbl, 0, 1, 2) => Some("DBL: low-reputation (spam) domain"),
        (Family::SpamhausDbl, 0, 1, 4) => Some("DBL: phishing domain"),
        (Family::SpamhausDbl, 0, 1, 5) => Some("DBL: malware domain"),
        (Family::SpamhausDbl, 0, 1, 6) => Some("DBL: botnet C&C domain"),
        (Family::SpamhausDbl, 0, 1, 102) => Some("DBL: abused legitimate domain (spam)"),
        (Family::SpamhausDbl, 0, 1, 103) => Some("DBL: abused legitimate redirector"),
        (Family::SpamhausDbl, 0, 1, 104) => Some("DBL: abused legitimate domain (phishing)"),
        (Family::SpamhausDbl, 0, 1, 105) => Some("DBL: abused legitimate domain (malware)"),
        (Family::SpamhausDbl, 0, 1, 106) => Some("DBL: abused legitimate domain (botnet C&C)"),
        (Family::SpamCop, 0, 0, 2) => Some("SpamCop: source of spam reported by users"),
        (Family::Barracuda, 0, 0, 2) => Some("Barracuda BRBL: poor-reputation sender"),
        _ => None,
    };
    if let Some(text) = known {
        return text.to_owned();
    }
    if fam == Family::Surbl {
        let bits: Vec<&str> = [
            (8u8, "PH (phishing)"),
            (16, "MW (malware)"),
            (64, "ABUSE (spam and abuse)"),
            (128, "CR (cracked sites)"),
        ]
        .iter()
        .filter(|(bit, _)| d & bit != 0)
        .map(|(_, name)| *name)
        .collect();
        let other = d & !(8 | 16 | 64 | 128 | 1);
        let mut text = format!("SURBL: {}", bits.join(", "));
        if bits.is_empty() {
            text = "SURBL: listed".into();
        }
        if other != 0 {
            text.push_str(&format!(" (and retired or unassigned bits {other:#04x})"));
        }
        return text;
    }
    format!("listed (return code {code}, meaning not documented here)")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(d: [u8; 4]) -> Ipv4Addr {
        Ipv4Addr::from(d)
    }

    #[test]
    fn spamhaus_zen() {
        for (last, word) in [
            (2, "SBL"),
            (3, "CSS"),
            (4, "XBL"),
            (9, "DROP"),
            (10, "PBL"),
            (11, "PBL"),
        ] {
            match classify("zen.spamhaus.org", ip([127, 0, 0, last])) {
                CodeClass::Listed { meaning } => assert!(meaning.contains(word), "{meaning}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            classify("zen.spamhaus.org", ip([127, 255, 255, 252])),
            CodeClass::ZoneError(ZoneErrorCause::TypoInZone)
        );
        assert_eq!(
            classify("zen.spamhaus.org", ip([127, 255, 255, 254])),
            CodeClass::Refused(RefusalCause::PublicResolver)
        );
        assert_eq!(
            classify("zen.spamhaus.org.", ip([127, 255, 255, 255])),
            CodeClass::Refused(RefusalCause::ExcessiveQueries)
        );
        assert_eq!(
            classify("zen.spamhaus.org", ip([127, 255, 255, 1])),
            CodeClass::ZoneError(ZoneErrorCause::UndocumentedError)
        );
        // The DQS form of the zone is Spamhaus too.
        assert_eq!(
            classify("key123.zen.dq.spamhaus.net", ip([127, 255, 255, 254])),
            CodeClass::Refused(RefusalCause::PublicResolver)
        );
    }

    #[test]
    fn spamhaus_dbl() {
        for (last, word) in [
            (2, "spam"),
            (4, "phishing"),
            (5, "malware"),
            (6, "C&C"),
            (102, "abused"),
        ] {
            match classify("dbl.spamhaus.org", ip([127, 0, 1, last])) {
                CodeClass::Listed { meaning } => assert!(meaning.contains(word), "{meaning}"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(
            classify("dbl.spamhaus.org", ip([127, 0, 1, 255])),
            CodeClass::ZoneError(ZoneErrorCause::IpInDomainList)
        );
    }

    #[test]
    fn surbl_bitmask() {
        assert_eq!(
            classify("multi.surbl.org", ip([127, 0, 0, 1])),
            CodeClass::Refused(RefusalCause::Blocked)
        );
        match classify("multi.surbl.org", ip([127, 0, 0, 80])) {
            CodeClass::Listed { meaning } => {
                assert!(
                    meaning.contains("MW") && meaning.contains("ABUSE"),
                    "{meaning}"
                );
                assert!(!meaning.contains("PH"), "{meaning}");
            }
            other => panic!("{other:?}"),
        }
        match classify("multi.surbl.org", ip([127, 0, 0, 4])) {
            CodeClass::Listed { meaning } => assert!(meaning.contains("0x04"), "{meaning}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn generic_and_broken() {
        assert_eq!(
            classify("rbl.example.test", ip([192, 0, 2, 1])),
            CodeClass::ZoneError(ZoneErrorCause::OutsideLoopback)
        );
        // Spamhaus's error codes are errors on every list (mirrors and lists that follow
        // the convention), never listings.
        assert_eq!(
            classify("rbl.example.test", ip([127, 255, 255, 254])),
            CodeClass::Refused(RefusalCause::PublicResolver)
        );
        assert_eq!(
            classify("dbl.example.test", ip([127, 0, 1, 255])),
            CodeClass::ZoneError(ZoneErrorCause::IpInDomainList)
        );
        match classify("rbl.example.test", ip([127, 0, 0, 9])) {
            CodeClass::Listed { meaning } => assert!(meaning.contains("127.0.0.9")),
            other => panic!("{other:?}"),
        }
        match classify("bl.spamcop.net", ip([127, 0, 0, 2])) {
            CodeClass::Listed { meaning } => assert!(meaning.starts_with("SpamCop")),
            other => panic!("{other:?}"),
        }
        assert!(!RefusalCause::DnsRefused.description().is_empty());
        assert!(!ZoneErrorCause::OutsideLoopback.description().is_empty());
    }
}
