//! Runtime adapters: each one moves bytes between a socket and the sans-IO
//! `Session` (`smtping_proto::session::Session`), performs the TLS handshake it asks for,
//! connects, sleeps and drives DNS lookups. All protocol logic lives in `smtping-proto`;
//! the [`Check`](crate::Check) orchestration is shared and generic over [`Runtime`].

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ClientConfig;
use rustls_pki_types::ServerName;
use smtping_proto::session::{Outcome, Session};

use crate::net::dns::DnsTransport;
use crate::tls::{HandshakeFailure, TlsDetails, VerificationHandle};

#[cfg(feature = "async-std")]
pub mod async_std;
#[cfg(feature = "tokio")]
pub mod tokio;

/// An I/O error in the words the session's error message uses (shared by the adapters).
pub(crate) fn io_reason(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::ConnectionReset => "the connection was reset by the peer".into(),
        io::ErrorKind::BrokenPipe => "the peer closed the connection while we were writing".into(),
        _ => e.to_string(),
    }
}

/// Everything an adapter needs to perform the handshake a session asks for.
#[derive(Clone, Debug)]
pub struct TlsHandshake {
    /// The rustls configuration (with SMTPing's diagnosing verifier).
    pub config: Arc<ClientConfig>,
    /// The name to verify (and send as SNI when it is a DNS name).
    pub server_name: ServerName<'static>,
    /// The SNI sent, for the report.
    pub sni: Option<String>,
    /// Where the verifier leaves its verdict.
    pub verification: VerificationHandle,
}

/// What driving one session produced.
#[derive(Debug)]
#[non_exhaustive]
pub struct SessionRun {
    /// The session's outcome.
    pub outcome: Box<Outcome>,
    /// The TLS facts, when a handshake completed.
    pub tls: Option<TlsDetails>,
    /// Why the handshake failed, when it did.
    pub tls_failure: Option<HandshakeFailure>,
}

impl SessionRun {
    /// A run from its parts (for adapters written outside this crate).
    #[must_use]
    pub fn new(
        outcome: Box<Outcome>,
        tls: Option<TlsDetails>,
        tls_failure: Option<HandshakeFailure>,
    ) -> Self {
        Self {
            outcome,
            tls,
            tls_failure,
        }
    }
}

/// An async runtime that can run a [`Check`](crate::Check): tokio ([`tokio::Tokio`]) or
/// async-std/smol (`async_std::AsyncStd`).
pub trait Runtime: Send + Sync {
    /// A connected TCP stream.
    type Stream: Send + 'static;
    /// The DNS transport.
    type Dns: DnsTransport;

    /// The DNS transport to resolve with.
    fn dns(&self) -> Self::Dns;

    /// Opens a TCP connection within `timeout`; returns the stream and its local address.
    /// A timeout is an error of kind [`io::ErrorKind::TimedOut`].
    fn connect(
        &self,
        addr: SocketAddr,
        timeout: Duration,
    ) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send;

    /// Drives `session` over `stream` to its end.
    fn run_session(
        &self,
        stream: Self::Stream,
        session: Session,
        tls: Option<TlsHandshake>,
    ) -> impl Future<Output = SessionRun> + Send;

    /// The current time as this runtime's timers see it.
    fn now(&self) -> Instant {
        Instant::now()
    }
}
