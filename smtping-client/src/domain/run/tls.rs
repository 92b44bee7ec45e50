//! The TLS half of `smtping domain`: one short session (EHLO, STARTTLS, a verified
//! handshake, QUIT) at every MX address, through the [`Check`] engine; then the chains
//! it saw decide DANE's `matched` and MTA-STS's `certificate_valid`.

use std::net::{IpAddr, SocketAddr};
use std::time::SystemTime;

use futures_util::stream::{self, StreamExt};
use rustls_pki_types::CertificateDer;
use smtping_proto::session::QuitAfter;
use smtping_signals::dane::{DaneResult, TlsaLookup, unix_seconds};

use crate::check::{Check, POLITE_PAUSE, TlsMode};
use crate::domain::report::{MxSection, TlsHost};
use crate::domain::{
    DomainCheck, MAX_CONCURRENT_TLS_HOSTS, MAX_MX_HOSTS_CHECKED, MAX_TLS_ADDRESSES_PER_HOST,
};
use crate::net::dns::{IpFamilies, Resolver};
use crate::report::{Finding, FindingId, Report, Severity, Status};
use crate::runtime::Runtime;
use crate::target::{ConnectTo, SMTP_PORT};
use crate::tls::Verification;

/// What one MX address showed.
pub(in crate::domain) struct AddressTls {
    /// The report entry.
    pub(in crate::domain) host: TlsHost,
    /// Its findings (the check's TLS findings, or the failed connection).
    pub(in crate::domain) findings: Vec<Finding>,
    /// The presented chain (DER), for DANE.
    pub(in crate::domain) chain: Vec<CertificateDer<'static>>,
}

impl AddressTls {
    /// PKIX-valid for the MX name (`None`: no TCP connection, nothing tested). A server
    /// that answered without STARTTLS or whose handshake failed presents no valid
    /// certificate: `Some(false)` (RFC 8461 §4.2 senders do not deliver there).
    pub(in crate::domain) fn certificate_valid(&self) -> Option<bool> {
        if !self.host.connected {
            return None;
        }
        Some(
            self.host.established
                && self
                    .host
                    .certificate
                    .as_ref()
                    .is_some_and(|c| c.verification == Verification::Valid),
        )
    }
}

/// Every address of one MX host.
pub(in crate::domain) struct HostTls {
    /// The MX host.
    pub(in crate::domain) name: String,
    /// Its addresses, in the order connected to.
    pub(in crate::domain) addresses: Vec<AddressTls>,
}

impl HostTls {
    /// The host's certificate verdict over its addresses: any invalid one makes it
    /// invalid; `None` when no address answered.
    pub(in crate::domain) fn certificate_valid(&self) -> Option<bool> {
        combine(self.addresses.iter().map(AddressTls::certificate_valid))
    }
}

/// `false` wins over `true`, which wins over `None`.
fn combine(flags: impl Iterator<Item = Option<bool>>) -> Option<bool> {
    flags.fold(None, |acc, f| match (acc, f) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), _) | (_, Some(true)) => Some(true),
        _ => None,
    })
}

/// Host names compare without case and trailing dot.
fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

/// `host:port` with brackets for IPv6, as `--connect-to` writes addresses.
fn connect_to_field(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) => format!("[{v6}]"),
        IpAddr::V4(v4) => v4.to_string(),
    }
}

impl DomainCheck {
    /// Connects to every MX address (at most [`MAX_MX_HOSTS_CHECKED`] hosts,
    /// [`MAX_TLS_ADDRESSES_PER_HOST`] addresses each); hosts run at most
    /// [`MAX_CONCURRENT_TLS_HOSTS`] at a time, the addresses of one host one after
    /// another.
    pub(super) async fn observe_tls<R: Runtime>(
        &self,
        rt: &R,
        resolver: &Resolver<R::Dns>,
        mx: &MxSection,
    ) -> Vec<HostTls> {
        let mut plans = Vec::new();
        for h in mx.hosts.iter().take(MAX_MX_HOSTS_CHECKED) {
            plans.push((h.name.clone(), self.addresses_for(resolver, h).await));
        }
        stream::iter(plans.into_iter().map(|(name, addresses)| async move {
            let mut out = Vec::new();
            for (i, addr) in addresses.into_iter().enumerate() {
                if i > 0 {
                    rt.sleep_until(rt.now() + POLITE_PAUSE).await;
                }
                out.push(Box::pin(self.observe_address(rt, &name, addr)).await);
            }
            HostTls {
                name,
                addresses: out,
            }
        }))
        .buffered(MAX_CONCURRENT_TLS_HOSTS)
        .collect()
        .await
    }

    /// Where the MX host's port 25 is reached: its own addresses, or what a
    /// `--connect-to` rule says (an empty HOST2 keeps the host's addresses with the
    /// rule's port; a name is looked up with the check's resolver).
    async fn addresses_for<T: crate::net::dns::DnsTransport>(
        &self,
        resolver: &Resolver<T>,
        host: &crate::domain::MxHostInfo,
    ) -> Vec<SocketAddr> {
        let own = |port: u16| -> Vec<SocketAddr> {
            host.addresses
                .iter()
                .filter_map(|a| a.parse::<IpAddr>().ok())
                .filter(|ip| !ip.is_unspecified())
                .take(MAX_TLS_ADDRESSES_PER_HOST)
                .map(|ip| SocketAddr::new(ip, port))
                .collect()
        };
        let Some((to_host, to_port)) =
            ConnectTo::first_match(&self.connect_to, &host.name, SMTP_PORT)
        else {
            return own(SMTP_PORT);
        };
        if same_name(&to_host, &host.name) {
            return own(to_port);
        }
        if let Ok(ip) = to_host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return vec![SocketAddr::new(ip, to_port)];
        }
        resolver
            .lookup_ip(&to_host, IpFamilies::Both)
            .await
            .addresses()
            .iter()
            .take(MAX_TLS_ADDRESSES_PER_HOST)
            .map(|ip| SocketAddr::new(*ip, to_port))
            .collect()
    }

    /// One session at one address: the check engine, stopped after TLS, reaching the
    /// MX host name at this address (so SNI and the certificate name stay the host's).
    async fn observe_address<R: Runtime>(
        &self,
        rt: &R,
        name: &str,
        addr: SocketAddr,
    ) -> AddressTls {
        let rule = format!(
            "{name}:{SMTP_PORT}:{}:{}",
            connect_to_field(addr.ip()),
            addr.port()
        );
        let check = match (
            Check::parse(&format!("{name}:{SMTP_PORT}")),
            rule.parse::<ConnectTo>(),
        ) {
            (Ok(c), Ok(r)) => c.connect_to(r),
            (Err(e), _) => return Self::not_checked(name, addr, e.to_string()),
            (_, Err(e)) => return Self::not_checked(name, addr, e.to_string()),
        };
        let mut check = check
            .tls(TlsMode::Auto)
            .tls_options(self.tls_options.clone())
            .quit_after(QuitAfter::Tls)
            .signals(false)
            .dane(false)
            .tls_scan(self.tls_scan)
            .connect_timeout(self.connect_timeout);
        if let Some(t) = self.command_timeout {
            check = check.command_timeout(t);
        }
        let (report, chain) = Box::pin(check.run_keeping_chain(rt)).await;
        Self::address_result(name, addr, report, chain)
    }

    /// An address that could not even be tried (a host name the engine refuses).
    fn not_checked(name: &str, addr: SocketAddr, error: String) -> AddressTls {
        let message = format!("{name} at {addr}: {error}");
        AddressTls {
            host: TlsHost {
                name: name.to_owned(),
                address: addr.ip().to_string(),
                port: addr.port(),
                status: Status::Amber,
                error: Some(error),
                ..TlsHost::default()
            },
            findings: vec![
                Finding::new(FindingId::MxHostFailed, message).severity(Severity::Warning),
            ],
            chain: Vec::new(),
        }
    }

    /// The check's report of one address, as `tls.hosts[]` wants it.
    fn address_result(
        name: &str,
        addr: SocketAddr,
        report: Report,
        chain: Vec<CertificateDer<'static>>,
    ) -> AddressTls {
        let connected = report.connectivity.connected_to.is_some();
        let t = report.tls;
        let mut findings = Vec::new();
        let error = if connected {
            t.error
                .clone()
                .or_else(|| (!t.offered).then(|| "the server does not offer STARTTLS".to_owned()))
        } else {
            let why = report
                .connectivity
                .attempts
                .first()
                .and_then(|a| a.error.clone())
                .or_else(|| report.error.as_ref().map(|e| e.message.clone()))
                .unwrap_or_else(|| "no connection".to_owned());
            // A warning, not the check's error: senders try the next address, and a
            // port 25 blocked on this network looks the same from here.
            findings.push(
                Finding::new(FindingId::MxHostFailed, format!("{name} at {addr}: {why}"))
                    .severity(Severity::Warning),
            );
            Some(why)
        };
        for f in report.findings {
            if f.id.as_str().starts_with("tls.") {
                let mut f = f;
                f.message = format!("{name} at {}: {}", addr.ip(), f.message);
                findings.push(f);
            }
        }
        let status = if connected { t.status } else { Status::Amber };
        AddressTls {
            host: TlsHost {
                name: name.to_owned(),
                address: addr.ip().to_string(),
                port: addr.port(),
                established: t.established,
                version: t.version.map(|v| v.as_str().to_owned()),
                certificate: t.certificate,
                connected,
                starttls: t.offered,
                dane_matched: None,
                status,
                error,
                scan: t.scan,
            },
            findings,
            chain,
        }
    }
}

/// Matches every connected address's chain against its host's secure, usable TLSA
/// records (RFC 7672 §3): `matched` is `false` when any address fails (a server that
/// answered without TLS fails too: DANE requires it), `true` when all that answered
/// matched; the problems join the host's and the section's status is recomputed.
pub(in crate::domain) fn apply_dane(dane: &mut DaneResult, tls: &mut [HostTls], now: SystemTime) {
    let now = unix_seconds(now);
    for h in &mut dane.hosts {
        if h.lookup != TlsaLookup::Records || !h.usable {
            continue;
        }
        let Some(t) = tls.iter_mut().find(|t| same_name(&t.name, &h.name)) else {
            continue;
        };
        let mut flags = Vec::new();
        for a in &mut t.addresses {
            if !a.host.connected {
                continue;
            }
            let empty: [&[u8]; 0] = [];
            let v = if a.host.established {
                h.apply(a.chain.as_slice(), now)
            } else {
                h.apply(&empty, now)
            };
            a.host.dane_matched = v.matched_flag();
            if a.host.dane_matched == Some(false) {
                a.host.status = Status::Red;
            }
            flags.push(a.host.dane_matched);
        }
        h.matched = combine(flags.into_iter());
    }
    dane.refresh_status();
}

#[cfg(test)]
mod tests {
    use super::combine;

    #[test]
    fn a_failure_wins_and_nothing_tested_is_none() {
        assert_eq!(combine([Some(true), Some(false)].into_iter()), Some(false));
        assert_eq!(combine([None, Some(true)].into_iter()), Some(true));
        assert_eq!(combine([None, None].into_iter()), None);
        assert_eq!(combine(std::iter::empty()), None);
    }
}
