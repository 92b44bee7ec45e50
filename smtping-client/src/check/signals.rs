//! The `signals` step: how a receiver sees this probe. After the session, the sending
//! IP's PTR/FCrDNS, the HELO name, SPF of the MAIL FROM domain for the sending IP, DMARC
//! of the From domain, blocklists (when asked) and the server's FCrDNS are evaluated
//! together over the check's resolver.

use std::net::IpAddr;

use futures_util::future::join4;
use smtping_signals::dmarc::DmarcEvaluator;
use smtping_signals::dnsbl::ListKind;
use smtping_signals::spf::{SpfEvaluator, SpfRequest};
use smtping_signals::{DnsblEvaluator, DnsblTarget, HeloEvaluator, PtrEvaluator, address_scope};

use super::Check;
use crate::facts::SignalFacts;
use crate::net::dns::Resolver;
use crate::runtime::Runtime;

impl Check {
    /// Evaluates the signals for a probe sent from `local` to `server` with `helo`.
    pub(super) async fn observe_signals<R: Runtime>(
        &self,
        rt: &R,
        local: IpAddr,
        server: IpAddr,
        helo: &str,
    ) -> SignalFacts {
        let from_option = self.sending_ip.is_some();
        let sending_ip = self.sending_ip.unwrap_or(local).to_canonical();
        let scope = address_scope(sending_ip);
        let lab = !self.resolvers.is_empty();
        let looked_up = scope.is_public() || from_option || lab;
        let server_lookup = address_scope(server).is_public() || lab;
        let resolver = Resolver::with_transport(self.resolver_config(), rt.dns());
        let mut errors = Vec::new();

        let mail_from = self.from.as_ref().map(|a| a.as_str().to_owned());
        let from_domain = self
            .from
            .as_ref()
            .and_then(|a| a.domain())
            .filter(|d| !d.is_literal())
            .map(|d| d.as_str().to_ascii_lowercase());

        let ptr = async {
            if looked_up {
                Some(resolver.evaluate(PtrEvaluator::new(sending_ip)).await)
            } else {
                None
            }
        };
        let helo_check = resolver.evaluate(HeloEvaluator::new(helo, sending_ip));
        let spf = async {
            match &mail_from {
                Some(m) if looked_up => {
                    let request = SpfRequest::mail_from(sending_ip, m, helo).with_tree(false);
                    Some(resolver.evaluate(SpfEvaluator::new(request)).await)
                }
                _ => None,
            }
        };
        let server_ptr = async {
            if server_lookup {
                Some(
                    resolver
                        .evaluate(PtrEvaluator::new(server.to_canonical()))
                        .await,
                )
            } else {
                None
            }
        };
        let (ptr, helo_result, spf, server_ptr) = join4(ptr, helo_check, spf, server_ptr).await;

        let spf = taken("SPF", spf, &mut errors);
        let spf_domain = spf
            .as_ref()
            .filter(|o| o.result == smtping_signals::spf::SpfResult::Pass)
            .map(|o| o.domain.clone());
        let dmarc = match &from_domain {
            Some(d) if looked_up || lab => {
                // The test message's own DKIM signature (`--dkim-key`) counts for alignment:
                // its d= is what a receiver verifies.
                let signed_domain = self.signed_domain();
                let signed: Vec<&str> = signed_domain.iter().map(String::as_str).collect();
                let evaluator =
                    DmarcEvaluator::new(d).with_identifiers(spf_domain.as_deref(), &signed);
                match resolver.evaluate(evaluator).await {
                    Ok((report, _)) => Some(report),
                    Err(e) => {
                        errors.push(format!("DMARC: {e}"));
                        None
                    }
                }
            }
            _ => None,
        };
        let mut dnsbl = Vec::new();
        if looked_up && !self.dnsbl.is_empty() {
            let ip_zones: Vec<_> = self
                .dnsbl
                .iter()
                .filter(|z| z.kind == ListKind::Ip)
                .cloned()
                .collect();
            let domain_zones: Vec<_> = self
                .dnsbl
                .iter()
                .filter(|z| z.kind == ListKind::Domain)
                .cloned()
                .collect();
            let by_ip =
                resolver.evaluate(DnsblEvaluator::new(DnsblTarget::Ip(sending_ip), &ip_zones));
            let by_domain = async {
                match &from_domain {
                    Some(d) if !domain_zones.is_empty() => Some(
                        resolver
                            .evaluate(DnsblEvaluator::new(
                                DnsblTarget::Domain(d.clone()),
                                &domain_zones,
                            ))
                            .await,
                    ),
                    _ => None,
                }
            };
            let (a, b) = futures_util::future::join(by_ip, by_domain).await;
            for r in [Some(a), b].into_iter().flatten() {
                match r {
                    Ok((list, _)) => dnsbl.extend(list),
                    Err(e) => errors.push(format!("DNSBL: {e}")),
                }
            }
        }
        let ptr = taken("PTR", ptr, &mut errors);
        let helo_out = taken("HELO", Some(helo_result), &mut errors);
        let server_ptr = taken("server PTR", server_ptr, &mut errors);
        SignalFacts {
            sending_ip,
            from_option,
            scope,
            looked_up,
            helo_name: helo.to_owned(),
            ptr,
            helo: helo_out,
            spf,
            dmarc,
            dnsbl,
            server_ptr,
            errors,
        }
    }
}

/// The output of an evaluation that ran, or `None` with its error noted.
fn taken<T, S>(
    name: &str,
    result: Option<Result<(T, S), smtping_signals::DriveError>>,
    errors: &mut Vec<String>,
) -> Option<T> {
    match result? {
        Ok((out, _)) => Some(out),
        Err(e) => {
            errors.push(format!("{name}: {e}"));
            None
        }
    }
}
