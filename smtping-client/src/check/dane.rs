//! `tls.dane`: for a host the check reached by name, the DNSSEC status of its address
//! answer from a trusted validating resolver and, when secure, its `_PORT._tcp` TLSA
//! records matched against the chain the session saw (RFC 7672 §3, RFC 6698).

use std::time::SystemTime;

use smtping_signals::dane::unix_seconds;
use smtping_signals::dnssec::{AdTrust, DnssecEvaluator, DnssecStatus, ad_trust};

use super::Check;
use crate::facts::DaneFacts;
use crate::net::dns::Resolver;
use crate::runtime::{Runtime, SessionRun};
use crate::target::TargetKind;

impl Check {
    /// `true` when the check asks for DANE: on, TLS used, and a target reached by name.
    pub(super) fn asks_dane(&self, host: &str) -> bool {
        self.dane
            && self.uses_tls()
            && !matches!(self.target.kind(), TargetKind::Ip(_))
            && host
                .trim_matches(['[', ']'])
                .parse::<std::net::IpAddr>()
                .is_err()
    }

    /// The DNSSEC and TLSA lookups of `host` and the match of the session's chain; `None`
    /// when the AD bit is not trusted or the host's addresses are not secure (nothing
    /// to report: DANE does not apply).
    pub(super) async fn observe_dane<R: Runtime>(
        &self,
        rt: &R,
        host: &str,
        session: Option<&SessionRun>,
    ) -> Option<DaneFacts> {
        let resolver = Resolver::with_transport(self.resolver_config(), rt.dns());
        let trust = ad_trust(resolver.config().effective_nameservers(), self.trust_ad);
        if trust != AdTrust::Trusted {
            return None;
        }
        let port = self.context().port;
        let tlsa_name = format!("_{port}._tcp.{}", host.trim_end_matches('.'));
        let outcome = match resolver
            .evaluate(DnssecEvaluator::for_host(host, trust).port(port))
            .await
        {
            Ok((o, _)) => o,
            Err(e) => {
                return Some(DaneFacts {
                    tlsa_name,
                    host: None,
                    error: Some(format!("the DNSSEC/TLSA lookup of {host} failed: {e}")),
                });
            }
        };
        let secure = outcome
            .dnssec
            .hosts
            .first()
            .is_some_and(|h| h.status == DnssecStatus::Secure);
        if !secure {
            return None;
        }
        let mut dane = outcome.dane.hosts.into_iter().next()?;
        if dane.lookup == smtping_signals::dane::TlsaLookup::Records && dane.usable {
            let now = unix_seconds(SystemTime::now());
            let empty: [&[u8]; 0] = [];
            match session.and_then(|s| s.tls.as_ref()) {
                // No TLS where DANE requires it: nothing matched.
                None => {
                    dane.apply(&empty, now);
                }
                Some(d) => {
                    dane.apply(d.chain_der.as_slice(), now);
                }
            }
        }
        Some(DaneFacts {
            tlsa_name,
            host: Some(dane),
            error: None,
        })
    }
}
