//! The transport half of `smtping domain`: DNSSEC status of the domain, its MX answer
//! and MX addresses, the TLSA records of the MX hosts (asked only on secure answers),
//! MTA-STS (the TXT record, then the policy over HTTPS with strict verification) and
//! TLS-RPT. The DNS parts run with the other evaluators; the policy fetch follows its
//! TXT record.

use std::net::{IpAddr, SocketAddr};

use futures_util::future::join3;
use smtping_signals::dnssec::{DnssecEvaluator, DnssecOutcome, ad_trust};
use smtping_signals::mta_sts::{FetchFailure, MtaStsEvaluator, StsDiscovery};
use smtping_signals::tls_rpt::{TlsRptEvaluator, TlsRptReport};

use crate::domain::DomainCheck;
use crate::net::dns::{IpFamilies, Resolver};
use crate::net::https::{HttpsOptions, fetch_mta_sts_policy};
use crate::runtime::Runtime;
use crate::target::ConnectTo;
use crate::tls::TrustStore;

/// What the transport evaluators returned.
pub(in crate::domain) struct TransportObserved {
    pub(in crate::domain) dnssec: Result<DnssecOutcome, String>,
    pub(in crate::domain) mta_sts: Result<StsDiscovery, String>,
    /// The policy body, or why it could not be fetched; `None` when there was nothing
    /// to fetch.
    pub(in crate::domain) policy: Option<Result<Vec<u8>, FetchFailure>>,
    pub(in crate::domain) tls_rpt: Result<TlsRptReport, String>,
    /// Each MX host's certificate verdict from the TLS section (PKIX-valid for its
    /// name; `None` not tested); empty without connections.
    pub(in crate::domain) certificates: Vec<(String, Option<bool>)>,
}

impl DomainCheck {
    /// DNSSEC and DANE lookups, MTA-STS and TLS-RPT.
    pub(super) async fn observe_transport<R: Runtime>(
        &self,
        rt: &R,
        resolver: &Resolver<R::Dns>,
    ) -> TransportObserved {
        let domain = self.domain.as_str();
        let trust = ad_trust(resolver.config().effective_nameservers(), self.trust_ad);
        let dnssec = async {
            resolver
                .evaluate(DnssecEvaluator::for_domain(domain, trust))
                .await
                .map(|(o, _)| o)
                .map_err(|e| e.to_string())
        };
        let sts = async {
            resolver
                .evaluate(MtaStsEvaluator::new(domain))
                .await
                .map(|(o, _)| o)
                .map_err(|e| e.to_string())
        };
        let rpt = async {
            resolver
                .evaluate(TlsRptEvaluator::new(domain))
                .await
                .map(|(o, _)| o)
                .map_err(|e| e.to_string())
        };
        let (dnssec, mta_sts, tls_rpt) = join3(dnssec, sts, rpt).await;
        let policy = match &mta_sts {
            Ok(discovery) if discovery.policy_url().is_some() => {
                Some(self.fetch_policy(rt, resolver, discovery).await)
            }
            _ => None,
        };
        TransportObserved {
            dnssec,
            mta_sts,
            policy,
            tls_rpt,
            certificates: Vec::new(),
        }
    }

    /// The policy over HTTPS: strict certificate verification with the check's trust
    /// anchors (`--ca-file`), `--connect-to` for `mta-sts.<domain>:443`.
    async fn fetch_policy<R: Runtime>(
        &self,
        rt: &R,
        resolver: &Resolver<R::Dns>,
        discovery: &StsDiscovery,
    ) -> Result<Vec<u8>, FetchFailure> {
        let Some(host) = discovery.policy_host() else {
            return Err(FetchFailure::new(
                smtping_signals::mta_sts::FetchFailureKind::Dns,
                "no policy host",
            ));
        };
        let trust = TrustStore::shared(&self.tls_options).map_err(|e| {
            FetchFailure::new(
                smtping_signals::mta_sts::FetchFailureKind::Certificate,
                e.to_string(),
            )
        })?;
        let mut options = HttpsOptions::default();
        if let Some((to_host, to_port)) = ConnectTo::first_match(&self.connect_to, &host, 443) {
            let ip = match to_host.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => resolver
                    .lookup_ip(&to_host, IpFamilies::Both)
                    .await
                    .addresses()
                    .first()
                    .copied(),
            };
            if let Some(ip) = ip {
                options = options.connect_to(SocketAddr::new(ip, to_port));
            }
        }
        fetch_mta_sts_policy(
            rt,
            resolver,
            &self.tls_options,
            &trust,
            &self.domain,
            &options,
        )
        .await
        .map(|r| r.body)
        .map_err(|e| e.failure())
    }
}
