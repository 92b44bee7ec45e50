//! `--all-mx`: one session at every address of every MX host, after the main one.

use std::net::{IpAddr, SocketAddr};

use smtping_proto::session::{Plan, QuitAfter, Session};

use super::run::failed_attempt;
use super::{Check, MAX_ALL_MX_ADDRESSES};
use crate::facts::{AttemptFacts, Facts, HostFacts, HostRun};
use crate::net::connect::AttemptOutcome;
use crate::runtime::Runtime;
use crate::tls::TrustStore;

impl Check {
    /// Observes every candidate address (at most [`MAX_ALL_MX_ADDRESSES`]) in order. The
    /// addresses the main check already connected to are not connected to again: the
    /// one that answered is [`HostRun::Main`], those that failed keep their attempt.
    pub(super) async fn observe_hosts<R: Runtime>(
        &self,
        rt: &R,
        candidates: &[(SocketAddr, String)],
        trust: Option<&TrustStore>,
        facts: &mut Facts,
    ) {
        let mut hosts = Vec::new();
        for (i, (addr, name)) in candidates.iter().take(MAX_ALL_MX_ADDRESSES).enumerate() {
            let run = match facts.attempts.get(i) {
                Some(a) if a.outcome == AttemptOutcome::Connected => HostRun::Main,
                Some(a) => HostRun::Failed(a.clone()),
                None => {
                    Self::pause(rt).await;
                    self.observe_host(rt, *addr, name, trust).await
                }
            };
            hosts.push(HostFacts {
                name: name.clone(),
                address: *addr,
                run,
            });
        }
        facts.hosts = Some(hosts);
    }

    /// One session at one address.
    async fn observe_host<R: Runtime>(
        &self,
        rt: &R,
        addr: SocketAddr,
        name: &str,
        trust: Option<&TrustStore>,
    ) -> HostRun {
        let t = rt.now();
        let result = rt.connect(addr, self.connect_timeout).await;
        let elapsed = rt.now().saturating_duration_since(t);
        match result {
            Ok((stream, local)) => {
                let attempt = AttemptFacts::new(addr, AttemptOutcome::Connected, elapsed, None);
                let tls = match self.tls_handshake(trust, name) {
                    Ok(tls) => tls,
                    Err(e) => {
                        return HostRun::Failed(AttemptFacts::new(
                            addr,
                            AttemptOutcome::Error,
                            elapsed,
                            Some(e),
                        ));
                    }
                };
                let session = Session::new(self.host_plan(local.ip()), rt.now());
                HostRun::Ran(
                    attempt,
                    Box::new(rt.run_session(stream, session, tls).await),
                )
            }
            Err(e) => HostRun::Failed(failed_attempt(addr, &e, elapsed)),
        }
    }

    /// The plan for the other addresses: the main plan, stopped after RCPT when the main
    /// one would deliver (one test message per check, not one per address).
    fn host_plan(&self, local: IpAddr) -> Plan {
        let (plan, _) = self.plan(local);
        if self.quit_after.is_none_or(|q| q > QuitAfter::Rcpt) {
            plan.quit_after(QuitAfter::Rcpt)
        } else {
            plan
        }
    }
}
