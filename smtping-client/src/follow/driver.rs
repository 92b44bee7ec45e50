//! One IMAP connection to a seed: connect (honouring `--connect-to`), implicit TLS or
//! STARTTLS through the project's rustls setup, and the sans-IO [`SeedSession`] driven to
//! its end within a deadline.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use smtping_proto::imap::{
    ImapError, ImapErrorKind, ImapOutput, ImapStep, SeedOutcome, SeedSession,
};

use crate::ConnectTo;
use crate::net::dns::{DnsTransport, IpFamilies, Resolver};
use crate::runtime::{Clock, Connection, Runtime, io_reason, within};
use crate::tls::{TlsOptions, TrustStore, VerifyMode, classify_handshake_error, client_config};

use super::seed::{SeedScheme, SeedUrl};

/// Why an attempt could not even start a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ConnectFailure {
    /// The host has no usable address.
    Resolve(String),
    /// No address accepted the connection.
    Connect(String),
    /// The TLS setup or handshake failed (the certificate verdict included).
    Tls(String),
    /// The deadline passed while connecting.
    Timeout,
}

pub(crate) struct Endpoint<'a, T: DnsTransport> {
    pub(crate) resolver: &'a Resolver<T>,
    pub(crate) tls: &'a TlsOptions,
    pub(crate) trust: &'a TrustStore,
    pub(crate) connect_to: &'a [ConnectTo],
}

enum Pumped {
    Done(Box<SeedOutcome>),
    StartTls,
}

/// Drives `session` over `conn` until it ends or asks for TLS. `deadline` bounds it.
async fn pump<K: Clock, C: Connection>(
    clock: &K,
    conn: &mut C,
    session: &mut SeedSession,
    deadline: Instant,
) -> Pumped {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match session.poll_output() {
            ImapOutput::Transmit(bytes) => {
                let write = within(clock, deadline, conn.write_all(&bytes)).await;
                drop(bytes); // zeroized
                match write {
                    Some(Ok(())) => {}
                    Some(Err(e)) => session.handle_io_error(&io_reason(&e), clock.now()),
                    None => {
                        session.handle_timeout(Instant::now() + Duration::from_secs(86_400 * 365))
                    }
                }
            }
            ImapOutput::StartTls => return Pumped::StartTls,
            ImapOutput::Event(_) => {}
            ImapOutput::Wait { deadline: step } => {
                let until = step.min(deadline);
                match within(clock, until, conn.read(&mut buf)).await {
                    Some(Ok(0)) => session.handle_eof(clock.now()),
                    Some(Ok(n)) => session.handle_input(&buf[..n], clock.now()),
                    Some(Err(e)) => session.handle_io_error(&io_reason(&e), clock.now()),
                    // Either the step's or the whole poll's deadline: both end the step.
                    None => session.handle_timeout(step),
                }
            }
            ImapOutput::Done(outcome) => {
                let _ = within(clock, deadline, conn.shutdown()).await;
                return Pumped::Done(outcome);
            }
        }
    }
}

/// One attempt against `url`: `Ok` with the session's outcome (which may hold an error
/// naming its step), `Err` when no session could start.
pub(crate) async fn attempt<R: Runtime, T: DnsTransport>(
    rt: &R,
    endpoint: &Endpoint<'_, T>,
    url: &SeedUrl,
    mut session: SeedSession,
    deadline: Instant,
) -> Result<SeedOutcome, ConnectFailure> {
    let (host, port) = ConnectTo::first_match(endpoint.connect_to, url.host(), url.port())
        .unwrap_or_else(|| (url.host().to_owned(), url.port()));
    let addresses: Vec<SocketAddr> = match within(
        rt,
        deadline,
        endpoint.resolver.lookup_ip(&host, IpFamilies::Both),
    )
    .await
    {
        None => return Err(ConnectFailure::Timeout),
        Some(lookup) => match lookup.into_result() {
            Ok(ips) if !ips.is_empty() => ips
                .into_iter()
                .map(|ip| SocketAddr::new(ip, port))
                .collect(),
            Ok(_) => {
                return Err(ConnectFailure::Resolve(format!(
                    "{host} has no A or AAAA record"
                )));
            }
            Err(e) => return Err(ConnectFailure::Resolve(format!("resolving {host}: {e}"))),
        },
    };
    let mut stream = None;
    let mut last = String::new();
    for address in &addresses {
        let left = deadline.saturating_duration_since(rt.now());
        if left.is_zero() {
            return Err(ConnectFailure::Timeout);
        }
        match rt
            .connect(*address, left.min(Duration::from_secs(10)))
            .await
        {
            Ok((s, _)) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = format!("connecting to {address}: {}", io_reason(&e)),
        }
    }
    let Some(stream) = stream else {
        return Err(ConnectFailure::Connect(last));
    };

    // The certificate is checked against the URL's host, whatever --connect-to says.
    let mut strict = endpoint.tls.clone();
    strict.verify_mode = VerifyMode::Strict;
    let name = strict
        .server_name(url.host())
        .map_err(|e| ConnectFailure::Tls(e.to_string()))?;
    let setup =
        client_config(&strict, endpoint.trust).map_err(|e| ConnectFailure::Tls(e.to_string()))?;
    let handshake = |plain: R::Stream| {
        let config = setup.config.clone();
        let server_name = name.server_name.clone();
        let verification = setup.verification.clone();
        async move {
            match within(rt, deadline, rt.tls_connect(plain, config, server_name)).await {
                None => Err("the TLS handshake did not finish before the deadline".to_owned()),
                Some(Ok(tls)) => Ok(tls),
                Some(Err(e)) => {
                    let mut failure = classify_handshake_error(&e);
                    if let Some(record) = verification.get()
                        && !record.is_trusted()
                    {
                        failure.message = format!(
                            "the certificate is not valid for {} ({}): {}",
                            record.server_name, record.verification, record.detail
                        );
                    }
                    Err(failure.message)
                }
            }
        }
    };

    match url.scheme() {
        SeedScheme::Imaps => {
            let mut tls = handshake(stream).await.map_err(ConnectFailure::Tls)?;
            match pump(rt, &mut tls, &mut session, deadline).await {
                Pumped::Done(o) => Ok(*o),
                Pumped::StartTls => Ok(protocol_end(&mut session)),
            }
        }
        SeedScheme::Imap => {
            let mut plain = stream;
            match pump(rt, &mut plain, &mut session, deadline).await {
                Pumped::Done(o) => Ok(*o),
                Pumped::StartTls => match handshake(plain).await {
                    Err(reason) => {
                        session.handle_tls_failed(&reason, rt.now());
                        Ok(finish(&mut session))
                    }
                    Ok(mut tls) => {
                        session.handle_tls_established(rt.now());
                        match pump(rt, &mut tls, &mut session, deadline).await {
                            Pumped::Done(o) => Ok(*o),
                            Pumped::StartTls => Ok(protocol_end(&mut session)),
                        }
                    }
                },
            }
        }
    }
}

/// A second STARTTLS request cannot happen (the session asks once); end cleanly anyway.
fn protocol_end(session: &mut SeedSession) -> SeedOutcome {
    session.handle_tls_failed("TLS asked for twice", Instant::now());
    finish(session)
}

fn finish(session: &mut SeedSession) -> SeedOutcome {
    for _ in 0..16 {
        if let ImapOutput::Done(o) = session.poll_output() {
            return *o;
        }
    }
    SeedOutcome {
        error: Some(ImapError {
            step: ImapStep::Starttls,
            kind: ImapErrorKind::Protocol("the session did not end".into()),
            folder: None,
        }),
        ..SeedOutcome::default()
    }
}
