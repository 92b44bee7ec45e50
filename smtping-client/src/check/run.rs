//! Running a [`Check`]: trust anchors, DNS, connection attempts, the session and the relay
//! probe, each observed into [`Facts`]; then the pure [`assemble`] makes the report.

use std::net::SocketAddr;

use smtping_proto::dns::{MxResolution, ResolverConfig};
use smtping_proto::session::{Session, TlsPolicy};

use super::{Check, MAX_ATTEMPTS, MAX_MX_HOSTS, RELAY_PROBE_FROM, RELAY_PROBE_TO};
use crate::assemble::assemble;
use crate::facts::{AttemptFacts, Connected, DnsFacts, Facts, RelayFacts};
use crate::net::connect::AttemptOutcome;
use crate::net::dns::{IpFamilies, Resolver, system_config};
use crate::net::hosts::HOSTS_FILE;
use crate::progress::{ProgressEvent, Wait, WaitKind};
use crate::report::Report;
use crate::runtime::{Runtime, TlsHandshake};
use crate::target::{ConnectTo, TargetKind};
use crate::tls::scan::{ScanOptions, ScanTransport, scan};
use crate::tls::{TrustStore, client_config};

impl Check {
    /// Runs the check on tokio.
    #[cfg(feature = "tokio")]
    pub async fn run(self) -> Report {
        self.run_on(&crate::runtime::tokio::Tokio).await
    }

    /// Runs the check on any [`Runtime`].
    pub async fn run_on<R: Runtime>(self, rt: &R) -> Report {
        self.run_keeping_chain(rt).await.0
    }

    /// Runs the check and also returns the chain (DER, the server's own certificate
    /// first) the main session's handshake presented, which the report does not carry:
    /// `smtping domain` matches it against the MX host's TLSA records.
    pub(crate) async fn run_keeping_chain<R: Runtime>(
        self,
        rt: &R,
    ) -> (Report, Vec<rustls_pki_types::CertificateDer<'static>>) {
        let started = rt.now();
        let mut facts = Facts::default();
        // Boxed: the whole check is one large future; on the heap it cannot overflow a
        // small runtime thread's stack (async-std's, a test thread's).
        Box::pin(self.observe(rt, &mut facts)).await;
        facts.total = rt.now().saturating_duration_since(started);
        let chain = facts
            .session
            .as_ref()
            .and_then(|s| s.tls.as_ref())
            .map(|d| d.chain_der.clone())
            .unwrap_or_default();
        (assemble(&self.context(), facts), chain)
    }

    /// Runs every step it can, recording what it saw; stops at the first step that
    /// leaves nothing more to do.
    async fn observe<R: Runtime>(&self, rt: &R, facts: &mut Facts) {
        // Trust anchors first: a bad --ca-file is found before any connection.
        let trust = if self.uses_tls() {
            match TrustStore::shared(&self.tls_options) {
                Ok(t) => Some(t),
                Err(e) => {
                    facts.setup_error = Some(e.to_string());
                    return;
                }
            }
        } else {
            None
        };
        let candidates = self.resolve(rt, &mut facts.dns).await;
        let main = Box::pin(self.observe_main(rt, &candidates, trust.as_ref(), facts)).await;
        if facts.setup_error.is_some() {
            return; // the TLS set-up failed (a bad --sni): every other session would too
        }
        if let (Some(policy), Some(address), Some((plan, tls))) =
            (&self.retry, main, facts.retry_with.take())
        {
            Box::pin(self.observe_retries(rt, policy, address, plan, tls, facts)).await;
            // The follow-through starts from the attempt that ended the retries.
            if self.follow.is_some()
                && facts.retries.len() > 1
                && let (Some(start), Some(last)) = (facts.session_started, facts.retries.last())
            {
                let session_start = start + last.at + last.attempt.elapsed;
                facts.follow_through = Some(self.follow_start(rt, session_start, facts));
            }
        }
        Box::pin(self.observe_more(rt, &candidates, main, trust.as_ref(), facts)).await;
        // Last: the follow-through waits for the mail to land (its own deadline).
        if let Some(follow) = &self.follow {
            let polls = facts
                .follow_through
                .as_ref()
                .is_some_and(|f| f.skipped.is_none() && f.message_id.is_some());
            if polls {
                self.progress(ProgressEvent::Waiting(Wait::new(
                    WaitKind::FollowThrough {
                        mailboxes: follow.mailboxes().len(),
                    },
                    follow.timeout_value(),
                )));
            }
            Box::pin(self.observe_follow(rt, facts)).await;
            if polls {
                self.progress(ProgressEvent::Done);
            }
        }
    }

    /// `--all-mx` and the port sweep, after the main session (and its retries).
    async fn observe_more<R: Runtime>(
        &self,
        rt: &R,
        candidates: &[(SocketAddr, String)],
        main: Option<SocketAddr>,
        trust: Option<&TrustStore>,
        facts: &mut Facts,
    ) {
        if self.all_mx && *self.target.kind() == TargetKind::MailDomain {
            Box::pin(self.observe_hosts(rt, candidates, trust, facts)).await;
        }
        if !self.ports.is_empty() {
            let host = facts
                .connected
                .as_ref()
                .map(|c| (c.host.clone(), c.address.ip()))
                .or_else(|| candidates.first().map(|(a, h)| (h.clone(), a.ip())));
            if let Some((host, ip)) = host {
                Box::pin(self.observe_sweep(rt, &host, ip, main.is_some(), trust, facts)).await;
            }
        }
    }

    /// The main session on the first address that answers, then the signals and the
    /// probes on that address. Returns the address, when one answered.
    async fn observe_main<R: Runtime>(
        &self,
        rt: &R,
        candidates: &[(SocketAddr, String)],
        trust: Option<&TrustStore>,
        facts: &mut Facts,
    ) -> Option<SocketAddr> {
        let (stream, local, connected) = self.connect(rt, candidates, facts).await?;
        let (plan, message_id) = self.plan(local.ip());
        facts.message_id = message_id;
        let tls = match self.tls_handshake(trust, &connected.host) {
            Ok(tls) => tls,
            Err(e) => {
                facts.setup_error = Some(e);
                return None;
            }
        };
        let address = connected.address;
        facts.connected = Some(connected);
        if self.retry.is_some() {
            facts.retry_with = Some((plan.clone(), tls.clone()));
        }
        let session = Session::new(plan, rt.now());
        let t = rt.now();
        facts.session_started = Some(t);
        facts.session = Some(rt.run_session(stream, session, tls.clone()).await);
        facts.session_elapsed = Some(rt.now().saturating_duration_since(t));
        if self.follow.is_some() {
            facts.follow_through = Some(self.follow_start(rt, t, facts));
        }
        if let Some(host) = facts
            .connected
            .as_ref()
            .map(|c| c.host.clone())
            .filter(|h| self.asks_dane(h))
        {
            facts.dane = Box::pin(self.observe_dane(rt, &host, facts.session.as_ref())).await;
        }
        if self.signals {
            let helo = self.ehlo_name(local.ip());
            facts.signals = Some(
                Box::pin(self.observe_signals(rt, local.ip(), address.ip(), helo.as_str())).await,
            );
        }
        if self.relay_probe {
            facts.relay = Some(match rt.connect(address, self.connect_timeout).await {
                Ok((stream, local)) => {
                    let session = Session::new(self.relay_plan(local.ip()), rt.now());
                    RelayFacts::Ran {
                        run: Box::new(rt.run_session(stream, session, tls.clone()).await),
                        from: RELAY_PROBE_FROM.to_owned(),
                        to: RELAY_PROBE_TO.to_owned(),
                        local: local.ip(),
                    }
                }
                Err(e) => RelayFacts::Failed {
                    from: RELAY_PROBE_FROM.to_owned(),
                    to: RELAY_PROBE_TO.to_owned(),
                    error: format!("could not reconnect to {address}: {e}"),
                },
            });
        }
        if self.probe_enforcement && self.tls_policy() != TlsPolicy::Implicit {
            facts.enforcement = Some(Box::pin(self.observe_enforcement(rt, address)).await);
        }
        if self.tls_scan && self.tls_policy() != TlsPolicy::None {
            Self::pause(rt).await;
            let transport = if self.tls_policy() == TlsPolicy::Implicit {
                ScanTransport::Implicit
            } else {
                ScanTransport::StartTls
            };
            let helo = self.ehlo_name(local.ip());
            let host = facts
                .connected
                .as_ref()
                .map(|c| c.host.clone())
                .unwrap_or_default();
            let sni = self.tls_options.sni.clone().unwrap_or(host);
            let mut options =
                ScanOptions::new(transport, helo.as_str()).connect_timeout(self.connect_timeout);
            if !sni.is_empty() && sni.parse::<std::net::IpAddr>().is_err() {
                options = options.sni(&sni);
            }
            facts.tls_scan = Some(Box::pin(scan(rt, address, &options)).await);
        }
        Some(address)
    }

    /// Waits [`POLITE_PAUSE`](super::POLITE_PAUSE) before another connection to the same
    /// server.
    pub(super) async fn pause<R: Runtime>(rt: &R) {
        rt.sleep_until(rt.now() + super::POLITE_PAUSE).await;
    }

    /// Tries each candidate in order until one answers (at most [`MAX_ATTEMPTS`]).
    pub(super) async fn connect<R: Runtime>(
        &self,
        rt: &R,
        candidates: &[(SocketAddr, String)],
        facts: &mut Facts,
    ) -> Option<(R::Stream, SocketAddr, Connected)> {
        for (addr, host) in candidates.iter().take(MAX_ATTEMPTS) {
            let t = rt.now();
            let result = rt.connect(*addr, self.connect_timeout).await;
            let elapsed = rt.now().saturating_duration_since(t);
            match result {
                Ok((stream, local)) => {
                    facts.attempts.push(AttemptFacts::new(
                        *addr,
                        AttemptOutcome::Connected,
                        elapsed,
                        None,
                    ));
                    return Some((stream, local, Connected::new(*addr, host.clone())));
                }
                Err(e) => facts.attempts.push(failed_attempt(*addr, &e, elapsed)),
            }
        }
        None
    }

    /// A host's addresses from the hosts file, as the system resolver looks them up first;
    /// only without explicit `--resolver` servers (which are meant to decide).
    fn hosts_file_addresses(&self, host: &str) -> Vec<std::net::IpAddr> {
        if !self.resolvers.is_empty() {
            return Vec::new();
        }
        let path = self
            .hosts_file
            .as_deref()
            .unwrap_or(std::path::Path::new(HOSTS_FILE));
        crate::net::hosts::lookup(path, host)
            .into_iter()
            .filter(|ip| match self.families {
                IpFamilies::V4Only => ip.is_ipv4(),
                IpFamilies::V6Only => ip.is_ipv6(),
                _ => true,
            })
            .collect()
    }

    pub(super) fn resolver_config(&self) -> ResolverConfig {
        let config = if self.resolvers.is_empty() {
            system_config()
        } else {
            ResolverConfig::new(self.resolvers.iter().copied())
        };
        match self.dns_timeout {
            // The whole budget over every try: 2 rounds over the servers.
            Some(total) => {
                let servers =
                    u32::try_from(config.effective_nameservers().len().max(1)).unwrap_or(1);
                config.with_attempts(2).with_timeout(total / (2 * servers))
            }
            None => config,
        }
    }

    /// DNS: the addresses to try, each with the host name it belongs to (for SNI and
    /// certificate checks). Empty when resolution failed (`dns.error` says why) or the
    /// domain accepts no mail. A `--connect-to` rule that matches a host replaces its
    /// addresses (and port) with the rule's.
    async fn resolve<R: Runtime>(&self, rt: &R, dns: &mut DnsFacts) -> Vec<(SocketAddr, String)> {
        let port = match (self.target.kind(), self.mx_port) {
            (TargetKind::MailDomain, Some(p)) => p,
            _ => self.target.port(),
        };
        let host = self.target.host().to_owned();
        if let TargetKind::Ip(ip) = self.target.kind()
            && ConnectTo::first_match(&self.connect_to, &host, port).is_none()
        {
            let addr = SocketAddr::new(*ip, port);
            dns.addresses.push(addr);
            return vec![(addr, host)];
        }
        let resolver = Resolver::with_transport(self.resolver_config(), rt.dns());
        let t = rt.now();
        let hosts = if *self.target.kind() == TargetKind::MailDomain {
            self.mx_hosts(&resolver, &host, dns).await
        } else {
            vec![host.clone()]
        };
        let mut out = Vec::new();
        let mut last_error = None;
        for h in &hosts {
            if let Some((to_host, to_port)) = ConnectTo::first_match(&self.connect_to, h, port) {
                // The user chose where this host is reached: no loopback warning.
                match self.addresses_of(&resolver, &to_host, true).await {
                    Ok(list) => out.extend(
                        list.into_iter()
                            .filter(|ip| !ip.is_unspecified())
                            .map(|ip| (SocketAddr::new(ip, to_port), h.clone())),
                    ),
                    Err(e) => {
                        last_error = Some(format!(
                            "address lookup for {to_host} (--connect-to for {h}:{port}) failed: {e}"
                        ));
                    }
                }
                continue;
            }
            // A host the user named is looked up as the system does (hosts file first);
            // MX exchanges, like the MX lookup itself, are DNS names (as in Postfix).
            let looked_up = self
                .addresses_of(&resolver, h, *self.target.kind() == TargetKind::Host)
                .await;
            match looked_up {
                Ok(list) => {
                    for ip in list {
                        if ip.is_unspecified() {
                            dns.unspecified.push((h.clone(), ip));
                            continue;
                        }
                        if ip.is_loopback() && !is_local_name(h) {
                            dns.loopback.push((h.clone(), ip));
                        }
                        out.push((SocketAddr::new(ip, port), h.clone()));
                    }
                }
                Err(e) => last_error = Some(format!("address lookup for {h} failed: {e}")),
            }
        }
        dns.elapsed = Some(rt.now().saturating_duration_since(t));
        if out.is_empty() && dns.error.is_none() && !dns.null_mx {
            dns.error = Some(last_error.unwrap_or_else(|| no_usable_address(&host, dns)));
        }
        dns.addresses = out.iter().map(|(a, _)| *a).collect();
        out
    }

    /// The addresses of `name`: itself when it is an IP address, else the hosts file
    /// (when `hosts_file` and no `--resolver` servers) and DNS.
    pub(super) async fn addresses_of<T: crate::net::dns::DnsTransport>(
        &self,
        resolver: &Resolver<T>,
        name: &str,
        hosts_file: bool,
    ) -> Result<Vec<std::net::IpAddr>, String> {
        if let Ok(ip) = name.parse::<std::net::IpAddr>() {
            return Ok(vec![ip]);
        }
        let from_file = if hosts_file {
            self.hosts_file_addresses(name)
        } else {
            Vec::new()
        };
        if from_file.is_empty() {
            resolver
                .lookup_ip(name, self.families)
                .await
                .into_result()
                .map_err(|e| e.to_string())
        } else {
            Ok(from_file)
        }
    }

    /// The MX hosts of a mail domain to try, in preference order (at most
    /// [`MAX_MX_HOSTS`]); records the MX answer, null MX and implicit MX in `dns`.
    async fn mx_hosts<T: crate::net::dns::DnsTransport>(
        &self,
        resolver: &Resolver<T>,
        domain: &str,
        dns: &mut DnsFacts,
    ) -> Vec<String> {
        match resolver.lookup_mx(domain).await {
            Ok(MxResolution::NullMx { .. }) => {
                dns.null_mx = true;
                Vec::new()
            }
            Ok(MxResolution::Implicit { host }) => {
                dns.implicit_mx = true;
                vec![host]
            }
            Ok(MxResolution::Hosts {
                hosts,
                null_mx_mixed,
            }) => {
                dns.null_mx_mixed = null_mx_mixed;
                dns.mx = hosts
                    .iter()
                    .map(|m| (m.preference, m.host.clone()))
                    .collect();
                let (literal, names): (Vec<_>, Vec<_>) = hosts
                    .into_iter()
                    .map(|m| m.host)
                    .partition(|h| is_address_literal(h));
                dns.literal_mx = literal;
                names.into_iter().take(MAX_MX_HOSTS).collect()
            }
            Ok(_) => Vec::new(),
            Err(e) => {
                dns.error = Some(format!("MX lookup for {domain} failed: {e}"));
                Vec::new()
            }
        }
    }

    /// What the adapter needs for the handshake the session may ask for (`None` when this
    /// check does not use TLS).
    pub(super) fn tls_handshake(
        &self,
        trust: Option<&TrustStore>,
        host: &str,
    ) -> Result<Option<TlsHandshake>, String> {
        let Some(trust) = trust else {
            return Ok(None);
        };
        let setup = client_config(&self.tls_options, trust).map_err(|e| e.to_string())?;
        let name = self
            .tls_options
            .server_name(host)
            .map_err(|e| e.to_string())?;
        Ok(Some(TlsHandshake {
            config: setup.config,
            server_name: name.server_name,
            sni: name.sni,
            verification: setup.verification,
        }))
    }
}

/// A failed connection attempt with its advice.
pub(super) fn failed_attempt(
    addr: SocketAddr,
    e: &std::io::Error,
    elapsed: std::time::Duration,
) -> AttemptFacts {
    let outcome = AttemptOutcome::from_error(e);
    let msg = outcome.advice(&addr.to_string(), addr.port(), elapsed);
    let detail = if outcome == AttemptOutcome::Error {
        format!("{msg}: {e}")
    } else {
        msg
    };
    AttemptFacts::new(addr, outcome, elapsed, Some(detail))
}

/// `true` for a name that is meant to resolve to this machine or a lab: `localhost`,
/// `*.localhost` (RFC 6761 §6.3) and the reserved testing names `*.test` (§6.2).
fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.ends_with(".test")
}

/// `true` for an MX exchange written as an address (`127.0.0.1`, `[192.0.2.1]`, `::1`).
fn is_address_literal(exchange: &str) -> bool {
    let bare = exchange
        .trim_end_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']');
    bare.parse::<std::net::IpAddr>().is_ok()
}

/// Why no address is left, when DNS itself answered.
fn no_usable_address(host: &str, dns: &DnsFacts) -> String {
    if !dns.literal_mx.is_empty() {
        format!(
            "{host}'s only MX exchanges are address literals ({}), which mail servers do not use",
            dns.literal_mx.join(", ")
        )
    } else if !dns.unspecified.is_empty() {
        format!("{host} resolves only to the unspecified address, which names no server")
    } else {
        format!("{host} has no usable address")
    }
}

#[cfg(test)]
mod tests;
