//! `--ports`: every port of the target host in its natural TLS mode, side by side.

use std::net::{IpAddr, SocketAddr};

use smtping_proto::session::{Plan, QuitAfter, Session, TlsPolicy};

use super::run::failed_attempt;
use super::{Check, MAX_SWEEP_PORTS, SUBMISSIONS_PORT};
use crate::facts::{AttemptFacts, Facts, PortFacts, PortRun};
use crate::net::connect::AttemptOutcome;
use crate::net::dns::Resolver;
use crate::progress::{ProgressEvent, Wait, WaitKind};
use crate::runtime::Runtime;
use crate::target::ConnectTo;
use crate::tls::TrustStore;

/// `--ports submission`: 465 (implicit TLS) and 587 (STARTTLS).
pub const SUBMISSION_PORTS: [u16; 2] = [465, 587];
/// `--ports all`: 25, 465, 587 and 2525.
pub const ALL_PORTS: [u16; 4] = [25, 465, 587, 2525];

/// Why a `--ports` list is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PortListError {
    /// Nothing in it.
    #[error("--ports is empty: give ports (25,465,587,2525), submission or all")]
    Empty,
    /// An item is neither a port nor a known set.
    #[error(
        "--ports: {0:?} is not a port from 1 to 65535, submission (465,587) or all (25,465,587,2525)"
    )]
    BadItem(String),
    /// More ports than one sweep checks.
    #[error("--ports: {0} ports given, at most {MAX_SWEEP_PORTS} are checked in one sweep")]
    TooMany(usize),
}

/// Parses a `--ports` list: comma-separated port numbers and the sets `submission`
/// (465,587) and `all` (25,465,587,2525), duplicates dropped, order kept.
///
/// ```
/// use smtping_client::parse_port_list;
///
/// assert_eq!(parse_port_list("25,submission").unwrap(), [25, 465, 587]);
/// assert_eq!(parse_port_list("all").unwrap(), [25, 465, 587, 2525]);
/// assert!(parse_port_list("25,smtp").is_err());
/// ```
pub fn parse_port_list(s: &str) -> Result<Vec<u16>, PortListError> {
    let mut out: Vec<u16> = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let ports: Vec<u16> = match item.to_ascii_lowercase().as_str() {
            "submission" => SUBMISSION_PORTS.to_vec(),
            "all" => ALL_PORTS.to_vec(),
            n => match n.parse::<u16>() {
                Ok(p) if p > 0 => vec![p],
                _ => return Err(PortListError::BadItem(item.to_owned())),
            },
        };
        for p in ports {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(PortListError::Empty);
    }
    if out.len() > MAX_SWEEP_PORTS {
        return Err(PortListError::TooMany(out.len()));
    }
    Ok(out)
}

impl Check {
    /// Sweeps the ports of `host` (the address `ip` unless a `--connect-to` rule says
    /// otherwise). The check's own port reuses the main session (`main_ran`) or its
    /// first failed attempt.
    pub(super) async fn observe_sweep<R: Runtime>(
        &self,
        rt: &R,
        host: &str,
        ip: IpAddr,
        main_ran: bool,
        trust: Option<&TrustStore>,
        facts: &mut Facts,
    ) {
        let main_port = self.context().port;
        // The sweep always speaks TLS in its natural mode: load the anchors if the main
        // check did not need them.
        let loaded;
        let trust = match trust {
            Some(t) => Some(t),
            None => {
                loaded = TrustStore::shared(&self.tls_options).ok();
                loaded.as_ref()
            }
        };
        let resolver = Resolver::with_transport(self.resolver_config(), rt.dns());
        let mut out = Vec::new();
        for (index, &port) in self.ports.iter().enumerate() {
            let implicit_tls = port == SUBMISSIONS_PORT;
            if port == main_port {
                let reuse = if main_ran {
                    facts.connected.as_ref().map(|c| (c.address, PortRun::Main))
                } else {
                    facts
                        .attempts
                        .first()
                        .map(|a| (a.address, PortRun::Failed(a.clone())))
                };
                if let Some((address, run)) = reuse {
                    out.push(PortFacts {
                        port,
                        address,
                        implicit_tls,
                        run,
                    });
                    continue;
                }
            }
            let address = match ConnectTo::first_match(&self.connect_to, host, port) {
                None => Ok(SocketAddr::new(ip, port)),
                Some((to_host, to_port)) => self
                    .addresses_of(&resolver, &to_host, true)
                    .await
                    .and_then(|l| {
                        l.first()
                            .map(|ip| SocketAddr::new(*ip, to_port))
                            .ok_or_else(|| format!("{to_host} has no address"))
                    })
                    .map_err(|e| {
                        format!("address lookup for {to_host} (--connect-to for {host}:{port}) failed: {e}")
                    }),
            };
            let (address, run) = match address {
                Ok(a) => {
                    Self::pause(rt).await;
                    // The connect is what may take long (a filtered port times out).
                    self.progress(ProgressEvent::Waiting(Wait::new(
                        WaitKind::PortSweep {
                            port,
                            index: index + 1,
                            of: self.ports.len(),
                        },
                        self.connect_timeout,
                    )));
                    let run = self.observe_port(rt, a, host, implicit_tls, trust).await;
                    self.progress(ProgressEvent::Done);
                    (a, run)
                }
                Err(e) => {
                    let a = SocketAddr::new(ip, port);
                    let attempt = AttemptFacts::new(
                        a,
                        AttemptOutcome::Error,
                        std::time::Duration::ZERO,
                        Some(e),
                    );
                    (a, PortRun::Failed(attempt))
                }
            };
            out.push(PortFacts {
                port,
                address,
                implicit_tls,
                run,
            });
        }
        facts.sweep = Some(out);
    }

    /// One port: connect, then a session in the port's TLS mode that stops after TLS.
    async fn observe_port<R: Runtime>(
        &self,
        rt: &R,
        addr: SocketAddr,
        host: &str,
        implicit_tls: bool,
        trust: Option<&TrustStore>,
    ) -> PortRun {
        let t = rt.now();
        let result = rt.connect(addr, self.connect_timeout).await;
        let elapsed = rt.now().saturating_duration_since(t);
        let (stream, local) = match result {
            Ok(ok) => ok,
            Err(e) => return PortRun::Failed(failed_attempt(addr, &e, elapsed)),
        };
        let attempt = AttemptFacts::new(addr, AttemptOutcome::Connected, elapsed, None);
        let tls = self.tls_handshake(trust, host).ok().flatten();
        let policy = match (implicit_tls, tls.is_some()) {
            (true, _) => TlsPolicy::Implicit,
            (false, true) => TlsPolicy::Opportunistic,
            (false, false) => TlsPolicy::None,
        };
        let mut plan = Plan::new(self.ehlo_name(local.ip()))
            .tls(policy)
            .pipelining(self.pipelining)
            .quit_after(QuitAfter::Tls);
        if let Some(d) = self.command_timeout {
            plan = plan.timeouts(super::plan::command_timeouts(d));
        }
        let run = rt
            .run_session(stream, Session::new(plan, rt.now()), tls)
            .await;
        let total = rt.now().saturating_duration_since(t);
        PortRun::Ran(attempt, Box::new(run), total)
    }
}
