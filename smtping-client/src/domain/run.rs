//! Running a [`DomainCheck`]: MX, SPF, DKIM and DMARC evaluations start together; the
//! addresses of the MX hosts, then their reverse DNS and blocklist entries, follow the
//! MX answer. The evaluators' results are turned into the report's areas and findings.

use std::net::IpAddr;
use std::time::Instant;

use futures_util::future::{join, join_all, join3, join4};
use smtping_proto::dns::MxResolution;
use smtping_signals::dkim::DkimEvaluator;
use smtping_signals::dmarc::DmarcEvaluator;
use smtping_signals::dnsbl::{DEFAULT_LISTS, DnsblZone, ListKind};
use smtping_signals::spf::{SpfEvaluator, SpfOutput, SpfPolicy, SpfPolicyEvaluator, SpfRequest};
use smtping_signals::{DnsblEvaluator, DnsblTarget, PtrEvaluator};

use super::report::{DomainReport, DomainTimings, MxHostInfo, MxSection};
use super::{DomainCheck, MAX_MX_HOSTS_CHECKED};
use crate::net::dns::{DnsTransport, IpFamilies, Resolver};
use crate::runtime::Runtime;

mod areas;
mod tls;
mod transport;

/// Addresses per MX host that are reverse-checked (and looked up in blocklists).
const ADDRESSES_PER_HOST: usize = 4;

/// What the evaluators returned, before judgement.
pub(super) struct Observed {
    pub(super) mx: MxSection,
    pub(super) spf_policy: Result<SpfPolicy, String>,
    pub(super) spf: Vec<(IpAddr, Result<SpfOutput, String>)>,
    pub(super) dkim: Result<smtping_signals::dkim::DkimReport, String>,
    pub(super) dmarc: Result<smtping_signals::dmarc::DmarcReport, String>,
    pub(super) ptr: Vec<Result<smtping_signals::PtrResult, String>>,
    pub(super) dnsbl: Vec<smtping_signals::DnsblResult>,
    pub(super) dnsbl_errors: Vec<String>,
    pub(super) transport: transport::TransportObserved,
    /// Every MX address's TLS (`None` with `connect(false)`).
    pub(super) tls: Option<Vec<tls::HostTls>>,
    pub(super) timings: DomainTimings,
}

fn ms_since(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 10_000.0).round() / 10.0
}

impl DomainCheck {
    /// Runs the check on tokio over `resolver`.
    #[cfg(feature = "tokio")]
    pub async fn run(&self, resolver: &Resolver) -> DomainReport {
        self.run_on(&crate::runtime::tokio::Tokio, resolver).await
    }

    /// Runs the check on any [`Runtime`] (DNS over its transport, the MTA-STS policy over
    /// its TLS).
    pub async fn run_on<R: Runtime>(&self, rt: &R, resolver: &Resolver<R::Dns>) -> DomainReport {
        let started = Instant::now();
        let observed = self.observe(rt, resolver, started).await;
        let mut report = self.assemble(observed);
        report.timings_ms.total = ms_since(started);
        report
    }

    /// The blocklist zones asked: `--dnsbl ZONE`s and, with `default`, the built-in list.
    fn zones(&self) -> Vec<DnsblZone> {
        let mut zones: Vec<DnsblZone> = Vec::new();
        if self.dnsbl_default {
            for list in DEFAULT_LISTS {
                if let Ok(z) = DnsblZone::new(list.zone, list.kind) {
                    zones.push(z);
                }
            }
        }
        for z in &self.dnsbl_zones {
            if !zones.contains(z) {
                zones.push(z.clone());
            }
        }
        zones
    }

    async fn observe<R: Runtime>(
        &self,
        rt: &R,
        resolver: &Resolver<R::Dns>,
        started: Instant,
    ) -> Observed {
        let domain = self.domain.as_str();
        let mx = async {
            let t = Instant::now();
            let mx = self.mx(resolver).await;
            (mx, ms_since(t))
        };
        let spf = async {
            let t = Instant::now();
            // The published policy (TXT only), and the verdict for each sending IP
            // (without the tree, which the policy already holds).
            let policy = async {
                resolver
                    .evaluate(SpfPolicyEvaluator::new(domain))
                    .await
                    .map(|(o, _)| o)
                    .map_err(|e| e.to_string())
            };
            let runs = join_all(self.sending_ips.iter().map(|ip| async move {
                let request = SpfRequest::mail_from(*ip, &format!("postmaster@{domain}"), domain)
                    .with_tree(false);
                let out = resolver
                    .evaluate(SpfEvaluator::new(request))
                    .await
                    .map(|(o, _)| o)
                    .map_err(|e| e.to_string());
                (*ip, out)
            }));
            let (policy, runs) = join(policy, runs).await;
            (policy, runs, ms_since(t))
        };
        let dkim = async {
            let t = Instant::now();
            let selectors: Vec<&str> = self.selectors.iter().map(String::as_str).collect();
            let out = resolver
                .evaluate(DkimEvaluator::new(domain, &selectors))
                .await
                .map(|(o, _)| o)
                .map_err(|e| e.to_string());
            (out, ms_since(t))
        };
        let dmarc = async {
            let t = Instant::now();
            let out = resolver
                .evaluate(DmarcEvaluator::new(domain))
                .await
                .map(|(o, _)| o)
                .map_err(|e| e.to_string());
            (out, ms_since(t))
        };
        let t_transport = Instant::now();
        let (
            ((mx, mx_ms), (spf_policy, spf, spf_ms), (dkim, dkim_ms), (dmarc, dmarc_ms)),
            transport,
        ) = join(
            join4(mx, spf, dkim, dmarc),
            self.observe_transport(rt, resolver),
        )
        .await;
        let transport_ms = ms_since(t_transport);

        let t = Instant::now();
        let addresses: Vec<IpAddr> = mx
            .hosts
            .iter()
            .flat_map(|h| h.addresses.iter().take(ADDRESSES_PER_HOST))
            .filter_map(|a| a.parse().ok())
            .fold(Vec::new(), |mut v, ip| {
                if !v.contains(&ip) {
                    v.push(ip);
                }
                v
            });
        let zones = self.zones();
        let ip_zones: Vec<DnsblZone> = zones
            .iter()
            .filter(|z| z.kind == ListKind::Ip)
            .cloned()
            .collect();
        let domain_zones: Vec<DnsblZone> = zones
            .iter()
            .filter(|z| z.kind == ListKind::Domain)
            .cloned()
            .collect();
        let ptr = join_all(addresses.iter().map(|ip| async move {
            resolver
                .evaluate(PtrEvaluator::new(*ip))
                .await
                .map(|(o, _)| o)
                .map_err(|e| e.to_string())
        }));
        let mut targets: Vec<(DnsblTarget, &[DnsblZone])> = Vec::new();
        if !ip_zones.is_empty() {
            targets.extend(
                addresses
                    .iter()
                    .map(|ip| (DnsblTarget::Ip(*ip), ip_zones.as_slice())),
            );
        }
        if !domain_zones.is_empty() {
            targets.push((
                DnsblTarget::Domain(domain.to_owned()),
                domain_zones.as_slice(),
            ));
            for h in mx.hosts.iter().take(MAX_MX_HOSTS_CHECKED) {
                targets.push((DnsblTarget::Domain(h.name.clone()), domain_zones.as_slice()));
            }
        }
        let lists = join_all(targets.into_iter().map(|(target, zones)| async move {
            resolver.evaluate(DnsblEvaluator::new(target, zones)).await
        }));
        let t_tls = Instant::now();
        let connect = async {
            if self.connect && !mx.null_mx {
                let hosts = self.observe_tls(rt, resolver, &mx).await;
                Some((hosts, ms_since(t_tls)))
            } else {
                None
            }
        };
        let (ptr, lists, tls) = join3(ptr, lists, connect).await;
        let (mut tls, tls_ms) = match tls {
            Some((hosts, ms)) => (Some(hosts), Some(ms)),
            None => (None, None),
        };
        let mut transport = transport;
        if let Some(hosts) = tls.as_mut() {
            if let Ok(outcome) = transport.dnssec.as_mut() {
                tls::apply_dane(&mut outcome.dane, hosts, std::time::SystemTime::now());
            }
            transport.certificates = hosts
                .iter()
                .map(|h| (h.name.clone(), h.certificate_valid()))
                .collect();
        }
        let mut dnsbl = Vec::new();
        let mut dnsbl_errors = Vec::new();
        for l in lists {
            match l {
                Ok((results, _)) => dnsbl.extend(results),
                Err(e) => dnsbl_errors.push(e.to_string()),
            }
        }
        let reputation_ms = ms_since(t);
        Observed {
            mx,
            spf_policy,
            spf,
            dkim,
            dmarc,
            ptr,
            dnsbl,
            dnsbl_errors,
            transport,
            tls,
            timings: DomainTimings {
                mx: Some(mx_ms),
                spf: Some(spf_ms),
                dkim: Some(dkim_ms),
                dmarc: Some(dmarc_ms),
                reputation: Some(reputation_ms),
                transport: Some(transport_ms),
                tls: tls_ms,
                total: ms_since(started),
            },
        }
    }

    /// MX hosts and their addresses (A and AAAA of every host at once).
    async fn mx<T: DnsTransport>(&self, resolver: &Resolver<T>) -> MxSection {
        let mut section = MxSection::default();
        let routing: MxResolution = match resolver.lookup_mx(&self.domain).await {
            Ok(r) => r,
            Err(e) => {
                section.error = Some(e.to_string());
                return section;
            }
        };
        if routing.is_null_mx() {
            section.null_mx = true;
            return section;
        }
        section.implicit_mx = routing.is_implicit();
        let hosts = routing.hosts();
        let lookups = hosts.iter().take(MAX_MX_HOSTS_CHECKED).map(|h| async move {
            let ips = resolver.lookup_ip(&h.host, IpFamilies::Both).await;
            let addresses: Vec<String> = ips.addresses().iter().map(ToString::to_string).collect();
            let error = if addresses.is_empty() {
                ips.error()
                    .map(ToString::to_string)
                    .or_else(|| Some("no A or AAAA record".into()))
            } else {
                None
            };
            MxHostInfo {
                name: h.host.clone(),
                preference: h.preference,
                addresses,
                dnssec: None,
                error,
            }
        });
        section.hosts = join_all(lookups).await;
        section
    }
}
