//! Mail routing from an MX lookup: preference order, null MX, implicit MX.

use super::error::DnsError;
use super::rng::SplitMix64;
use super::types::Answer;

/// Upper bound on MX hosts kept (RFC 5321 gives no limit; real domains list a handful).
pub const MAX_MX_HOSTS: usize = 32;

/// One host to try for mail, in order.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MxHost {
    /// MX preference (0 for the implicit MX).
    pub preference: u16,
    /// Host name, no trailing dot.
    pub host: String,
}

/// Where mail for a domain goes, decided from its MX lookup (RFC 5321 §5.1, RFC 7505).
///
/// Built with [`MxResolution::from_lookup`], a pure function over the lookup result.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MxResolution {
    /// MX records: hosts in the order to try them.
    Hosts {
        /// Sorted by preference, duplicates removed (lowest preference kept), at most
        /// [`MAX_MX_HOSTS`].
        hosts: Vec<MxHost>,
        /// A `"."` exchange sat among real hosts: a broken null MX (RFC 7505 §3 forbids
        /// it); the `"."` entry was dropped.
        null_mx_mixed: bool,
    },
    /// RFC 7505 null MX: a single MX whose exchange is `"."`. The domain accepts no mail.
    NullMx {
        /// The domain.
        domain: String,
        /// The preference published (RFC 7505 says 0).
        preference: u16,
    },
    /// No MX records (NOERROR, empty answer): the domain itself is the mail host
    /// (implicit MX, RFC 5321 §5.1).
    Implicit {
        /// The domain, to be resolved to A/AAAA.
        host: String,
    },
}

impl MxResolution {
    /// Decides mail routing from an MX lookup.
    ///
    /// - an answer with MX records → [`Hosts`](Self::Hosts) in preference order, or
    ///   [`NullMx`](Self::NullMx) when the only record's exchange is `"."`;
    /// - [`DnsError::NoData`] → [`Implicit`](Self::Implicit) with the queried domain;
    /// - any other error (NXDOMAIN, SERVFAIL, timeout, …) is returned: the implicit MX
    ///   rule applies only to a definitive "no MX", never to a failed lookup.
    ///
    /// Equal preferences: with `tie_seed = None` the order received is kept; with
    /// `Some(seed)` hosts of equal preference are shuffled deterministically from the
    /// seed, spreading load as RFC 5321 §5.1 asks of senders.
    ///
    /// ```
    /// use smtping_proto::dns::{DnsError, MxResolution, Question, RecordType};
    ///
    /// let no_mx: Result<_, DnsError> = Err(DnsError::NoData {
    ///     question: Question { name: "example.org".into(), record_type: RecordType::Mx },
    ///     server: "127.0.0.1:53".parse().unwrap(),
    ///     authentic_data: false,
    ///     negative_ttl: None,
    ///     canonical_name: "example.org".into(),
    /// });
    /// let routing = MxResolution::from_lookup(&no_mx, None).unwrap();
    /// assert_eq!(routing, MxResolution::Implicit { host: "example.org".into() });
    /// assert_eq!(routing.hosts()[0].host, "example.org");
    /// ```
    pub fn from_lookup(
        lookup: &Result<Answer, DnsError>,
        tie_seed: Option<u64>,
    ) -> Result<Self, DnsError> {
        let answer = match lookup {
            Ok(answer) => answer,
            Err(DnsError::NoData { question, .. }) => {
                return Ok(Self::Implicit {
                    host: question.name.clone(),
                });
            }
            Err(e) => return Err(e.clone()),
        };
        let records: Vec<_> = answer.mx().collect();
        if let [only] = records.as_slice()
            && only.exchange == "."
        {
            return Ok(Self::NullMx {
                domain: answer.question.name.clone(),
                preference: only.preference,
            });
        }
        let mut null_mx_mixed = false;
        let mut hosts: Vec<MxHost> = Vec::with_capacity(records.len().min(MAX_MX_HOSTS));
        let mut sorted = records;
        sorted.sort_by_key(|m| m.preference);
        for mx in sorted {
            if mx.exchange == "." {
                null_mx_mixed = true;
                continue;
            }
            if hosts.len() >= MAX_MX_HOSTS {
                break;
            }
            if hosts
                .iter()
                .any(|h| h.host.eq_ignore_ascii_case(&mx.exchange))
            {
                continue;
            }
            hosts.push(MxHost {
                preference: mx.preference,
                host: mx.exchange.clone(),
            });
        }
        if let Some(seed) = tie_seed {
            shuffle_ties(&mut hosts, seed);
        }
        if hosts.is_empty() {
            // Only "." entries, more than one: still a null MX in effect.
            return Ok(Self::NullMx {
                domain: answer.question.name.clone(),
                preference: 0,
            });
        }
        Ok(Self::Hosts {
            hosts,
            null_mx_mixed,
        })
    }

    /// The hosts to try, in order: the MX hosts, the domain itself for the implicit MX,
    /// none for a null MX.
    #[must_use]
    pub fn hosts(&self) -> Vec<MxHost> {
        match self {
            Self::Hosts { hosts, .. } => hosts.clone(),
            Self::Implicit { host } => vec![MxHost {
                preference: 0,
                host: host.clone(),
            }],
            Self::NullMx { .. } => Vec::new(),
        }
    }

    /// True for an RFC 7505 null MX.
    #[must_use]
    pub fn is_null_mx(&self) -> bool {
        matches!(self, Self::NullMx { .. })
    }

    /// True when the domain has no MX and is its own mail host.
    #[must_use]
    pub fn is_implicit(&self) -> bool {
        matches!(self, Self::Implicit { .. })
    }
}

/// Fisher–Yates within each run of equal preference (the list is sorted).
fn shuffle_ties(hosts: &mut [MxHost], seed: u64) {
    let mut rng = SplitMix64::new(seed);
    let mut start = 0;
    while start < hosts.len() {
        let pref = hosts[start].preference;
        let end = hosts[start..]
            .iter()
            .position(|h| h.preference != pref)
            .map_or(hosts.len(), |p| start + p);
        let group = &mut hosts[start..end];
        for i in (1..group.len()).rev() {
            let j = rng.below(i + 1);
            group.swap(i, j);
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dns::types::{Mx, Protocol, Question, Record, RecordData, RecordType};
    use std::net::SocketAddr;

    fn server() -> SocketAddr {
        "127.0.0.1:53".parse().unwrap()
    }

    fn question() -> Question {
        Question {
            name: "example.com".into(),
            record_type: RecordType::Mx,
        }
    }

    fn answer(mx: &[(u16, &str)]) -> Result<Answer, DnsError> {
        Ok(Answer {
            question: question(),
            server: server(),
            protocol: Protocol::Udp,
            rcode: 0,
            authentic_data: false,
            canonical_name: "example.com".into(),
            cname_chain: vec![],
            records: mx
                .iter()
                .map(|(p, h)| Record {
                    name: "example.com".into(),
                    ttl: 300,
                    data: RecordData::Mx(Mx {
                        preference: *p,
                        exchange: (*h).into(),
                    }),
                })
                .collect(),
        })
    }

    fn names(r: &MxResolution) -> Vec<String> {
        r.hosts().into_iter().map(|h| h.host).collect()
    }

    #[test]
    fn sorted_by_preference_stable_and_deduplicated() {
        let r = MxResolution::from_lookup(
            &answer(&[(20, "b"), (10, "a1"), (20, "c"), (10, "a2"), (30, "A1")]),
            None,
        )
        .unwrap();
        assert_eq!(names(&r), ["a1", "a2", "b", "c"]);
        assert!(!r.is_null_mx() && !r.is_implicit());
    }

    #[test]
    fn ties_shuffle_deterministically_within_groups_only() {
        let list: Vec<(u16, String)> = (0..6)
            .map(|i| (10, format!("h{i}")))
            .chain([(5, "first".to_string()), (50, "last".to_string())])
            .collect();
        let refs: Vec<(u16, &str)> = list.iter().map(|(p, h)| (*p, h.as_str())).collect();
        let a = MxResolution::from_lookup(&answer(&refs), Some(7)).unwrap();
        let b = MxResolution::from_lookup(&answer(&refs), Some(7)).unwrap();
        assert_eq!(a, b);
        let n = names(&a);
        assert_eq!(n.first().map(String::as_str), Some("first"));
        assert_eq!(n.last().map(String::as_str), Some("last"));
        let mut middle = n[1..7].to_vec();
        middle.sort();
        assert_eq!(middle, ["h0", "h1", "h2", "h3", "h4", "h5"]);
        // Some seed changes the order of the tie group.
        let unshuffled = names(&MxResolution::from_lookup(&answer(&refs), None).unwrap());
        assert!((0..16u64).any(|s| names(
            &MxResolution::from_lookup(&answer(&refs), Some(s)).unwrap()
        ) != unshuffled));
    }

    #[test]
    fn null_mx_alone_and_mixed() {
        let r = MxResolution::from_lookup(&answer(&[(0, ".")]), None).unwrap();
        assert_eq!(
            r,
            MxResolution::NullMx {
                domain: "example.com".into(),
                preference: 0
            }
        );
        assert!(r.hosts().is_empty());
        let r = MxResolution::from_lookup(&answer(&[(0, "."), (10, "mx")]), None).unwrap();
        match r {
            MxResolution::Hosts {
                hosts,
                null_mx_mixed,
            } => {
                assert!(null_mx_mixed);
                assert_eq!(hosts.len(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn implicit_only_on_no_data() {
        let nodata = Err(DnsError::NoData {
            question: question(),
            server: server(),
            authentic_data: false,
            negative_ttl: Some(60),
            canonical_name: "example.com".into(),
        });
        let r = MxResolution::from_lookup(&nodata, None).unwrap();
        assert!(r.is_implicit());
        assert_eq!(names(&r), ["example.com"]);
        for err in [
            DnsError::NxDomain {
                question: question(),
                server: server(),
                authentic_data: false,
                negative_ttl: None,
            },
            DnsError::ServFail {
                question: question(),
                server: server(),
            },
            DnsError::Timeout {
                question: question(),
                servers: vec![server()],
                transmissions: 2,
            },
        ] {
            let got = MxResolution::from_lookup(&Err(err.clone()), None).unwrap_err();
            assert_eq!(got, err);
        }
    }

    #[test]
    fn host_count_is_bounded() {
        let list: Vec<String> = (0..100).map(|i| format!("mx{i}")).collect();
        let refs: Vec<(u16, &str)> = list.iter().map(|h| (10, h.as_str())).collect();
        let r = MxResolution::from_lookup(&answer(&refs), None).unwrap();
        assert_eq!(r.hosts().len(), MAX_MX_HOSTS);
    }
}
