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
    ///     extended_errors: Default::default(),
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
mod tests;
