//! Runtime adapters: the primitives an async runtime lends the engine, and the two loops
//! written once over them.
//!
//! A runtime is a short list of primitives ([`Runtime`]: a clock and timers, TCP
//! connect, the TLS handshake over its streams, connected UDP sockets) plus the
//! [`Connection`] byte-stream trait for its streams. Everything else is shared:
//!
//! - [`drive_session`] (in `driver.rs`) moves bytes between a [`Connection`] and the
//!   sans-IO [`Session`], performs the handshake it asks for and enforces its deadlines;
//! - [`drive_lookup`] (in `lookup.rs`) moves the datagrams of a sans-IO DNS
//!   [`Lookup`](smtping_proto::dns::Lookup).
//!
//! All protocol logic lives in `smtping-proto`; the [`Check`](crate::Check) orchestration is
//! generic over [`Runtime`]. To add a runtime, implement [`Clock`], [`Connection`] for its
//! TCP and TLS streams, and [`Runtime`]'s primitives (the tokio file is the model: about a
//! hundred lines, no protocol).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::{Either, select};
use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;
use smtping_proto::session::{Outcome, Session};

use crate::tls::{HandshakeFailure, TlsDetails, VerificationHandle};

mod driver;
mod lookup;

#[cfg(feature = "async-std")]
pub mod async_std;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use driver::{TlsUpgrade, drive_session};
pub use lookup::{DnsTransport, LookupOutcome, drive_lookup};

/// An I/O error in the words the session's error message uses.
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
    /// The kind of the I/O error that ended the session, when one did (the session only
    /// keeps its words): tells a reset from other failures.
    pub io_error: Option<io::ErrorKind>,
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
            io_error: None,
        }
    }

    /// The same run, recording the I/O error kind that ended it.
    #[must_use]
    pub fn with_io_error(mut self, kind: Option<io::ErrorKind>) -> Self {
        self.io_error = kind;
        self
    }
}

/// A runtime's clock and timers.
pub trait Clock: Send + Sync {
    /// The current time as this runtime's timers see it (tokio's paused clock in tests).
    fn now(&self) -> Instant;

    /// Completes at `deadline` (at once when it has passed).
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> + Send;
}

/// A connected byte stream (plain TCP, TLS, or anything a test provides).
pub trait Connection: Send {
    /// Reads what is available into `buf`; `Ok(0)` is end of stream.
    fn read(&mut self, buf: &mut [u8]) -> impl Future<Output = io::Result<usize>> + Send;

    /// Writes all of `bytes` and flushes them.
    fn write_all(&mut self, bytes: &[u8]) -> impl Future<Output = io::Result<()>> + Send;

    /// Closes the sending side politely (TLS close_notify, TCP FIN).
    fn shutdown(&mut self) -> impl Future<Output = io::Result<()>> + Send;
}

/// The local address a UDP socket to `server` binds: any address of the same family, an
/// ephemeral port.
pub(crate) fn any_port_for(server: SocketAddr) -> SocketAddr {
    match server {
        SocketAddr::V4(_) => (std::net::Ipv4Addr::UNSPECIFIED, 0).into(),
        SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    }
}

/// Runs `fut` until `deadline`; `None` when the deadline came first.
pub(crate) async fn within<K: Clock + ?Sized, F: Future>(
    clock: &K,
    deadline: Instant,
    fut: F,
) -> Option<F::Output> {
    let fut = pin!(fut);
    let timer = pin!(clock.sleep_until(deadline));
    match select(fut, timer).await {
        Either::Left((out, _)) => Some(out),
        Either::Right(((), _)) => None,
    }
}

/// An async runtime that can run a [`Check`](crate::Check): tokio ([`tokio::Tokio`]) or
/// async-std/smol (`async_std::AsyncStd`). Only primitives: the loops are shared.
pub trait Runtime: Clock {
    /// A connected TCP stream.
    type Stream: Connection + 'static;
    /// A TLS stream over [`Runtime::Stream`].
    type TlsStream: Connection + 'static;
    /// A UDP socket connected to one DNS server.
    type Udp: Send + Sync + 'static;
    /// The DNS transport (usually [`drive_lookup`] over this runtime).
    type Dns: DnsTransport;

    /// The DNS transport to resolve with.
    fn dns(&self) -> Self::Dns;

    /// Opens a TCP connection (no deadline: [`Runtime::connect`] adds it); returns the
    /// stream and its local address. `TCP_NODELAY` is set.
    fn tcp_connect(
        &self,
        addr: SocketAddr,
    ) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send;

    /// Performs the TLS handshake over `stream`.
    fn tls_connect(
        &self,
        stream: Self::Stream,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> impl Future<Output = io::Result<Self::TlsStream>> + Send;

    /// The rustls state of an established TLS stream (version, suite, certificates).
    fn tls_state(stream: &Self::TlsStream) -> &ClientConnection;

    /// A UDP socket bound to an ephemeral port and connected to `server`.
    fn udp_connect(&self, server: SocketAddr)
    -> impl Future<Output = io::Result<Self::Udp>> + Send;

    /// Sends one datagram.
    fn udp_send(
        &self,
        socket: &Self::Udp,
        payload: &[u8],
    ) -> impl Future<Output = io::Result<()>> + Send;

    /// Receives one datagram; an ICMP error on the connected socket is an `Err`.
    fn udp_recv(
        &self,
        socket: &Self::Udp,
        buf: &mut [u8],
    ) -> impl Future<Output = io::Result<usize>> + Send;

    /// Opens a TCP connection within `timeout`; a timeout is an error of kind
    /// [`io::ErrorKind::TimedOut`].
    fn connect(
        &self,
        addr: SocketAddr,
        timeout: Duration,
    ) -> impl Future<Output = io::Result<(Self::Stream, SocketAddr)>> + Send {
        async move {
            let deadline = self.now() + timeout;
            within(self, deadline, self.tcp_connect(addr))
                .await
                .unwrap_or_else(|| {
                    Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))
                })
        }
    }

    /// Drives `session` over `stream` to its end ([`drive_session`] with this runtime's
    /// TLS).
    fn run_session(
        &self,
        stream: Self::Stream,
        session: Session,
        tls: Option<TlsHandshake>,
    ) -> impl Future<Output = SessionRun> + Send
    where
        Self: Sized,
    {
        async move { drive_session(self, &RuntimeTls(self), session, stream, tls.as_ref()).await }
    }
}

/// A [`Runtime`]'s own TLS handshake as a [`TlsUpgrade`] of its TCP streams.
pub(crate) struct RuntimeTls<'r, R>(pub(crate) &'r R);

impl<R: Runtime> TlsUpgrade<R::Stream> for RuntimeTls<'_, R> {
    type Tls = R::TlsStream;

    fn upgrade(
        &self,
        plain: R::Stream,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> impl Future<Output = io::Result<R::TlsStream>> + Send {
        self.0.tls_connect(plain, config, name)
    }

    fn state(tls: &R::TlsStream) -> &ClientConnection {
        R::tls_state(tls)
    }
}
