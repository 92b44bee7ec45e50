//! The async-std (and smol) adapter: the same short driver loop as the tokio adapter,
//! written against the [`futures_io`] traits with [`futures_rustls`].
//!
//! Enable it with the `async-std` feature (additive: tokio and async-std can both be on):
//!
//! ```toml
//! [dependencies]
//! smtping-client = { version = "0.1", default-features = false, features = ["async-std"] }
//! ```
//!
//! [`AsyncStd`] is the [`Runtime`]: there is no `Check::run` shortcut for it, pass it to
//! [`Check::run_on`](crate::Check::run_on):
//!
//! ```no_run
//! use smtping_client::Check;
//! use smtping_client::runtime::async_std::AsyncStd;
//!
//! fn main() -> Result<(), smtping_client::TargetError> {
//!     let check = Check::parse("mx.example.org:25")?;
//!     let report = async_std::task::block_on(check.run_on(&AsyncStd));
//!     println!("{}: {}", report.verdict.as_str(), report.summary);
//!     std::process::exit(report.exit_code());
//! }
//! ```
//!
//! # smol and other executors
//!
//! async-std's sockets and timers are `async-io` types: their reactor runs on a
//! background thread (or inside `smol::block_on` / `async_io::block_on`, which drive it
//! directly), so they work from any executor. The same check runs under smol unchanged:
//!
//! ```text
//! let report = smol::block_on(check.run_on(&AsyncStd));
//! ```
//!
//! `examples/smol_check.rs` in the repository runs a whole check that way against the
//! loopback test server.
//!
//! # Same as tokio, and different
//!
//! Identical: the protocol (all of it lives in the sans-IO
//! [`Session`]), the [`Check`](crate::Check) orchestration, the report, and both loops
//! ([`drive_session`](super::drive_session) and [`drive_lookup`](super::drive_lookup) are
//! shared): deadlines, TLS verdicts and the DNS protocol behave the same.
//!
//! Different: the stream bound is `futures_io::AsyncRead + AsyncWrite` instead of
//! tokio's traits (wrap a tokio stream with `tokio_util::compat` if you must mix); time
//! is [`std::time::Instant`] (async-std has no paused clock); and a datagram is awaited
//! with a plain `recv`, because async-std has no readiness API: an ICMP "port
//! unreachable" surfaces as a `recv` error (async-io treats the socket error condition as
//! readable).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use async_std::net::{TcpStream, UdpSocket};
use futures_io::{AsyncRead, AsyncWrite};
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;
use smtping_proto::dns::Lookup;
use smtping_proto::session::Session;

use super::{
    Clock, Connection, DnsTransport, LookupOutcome, Runtime, SessionRun, TlsHandshake, TlsUpgrade,
};

/// The async-std (and smol) [`Runtime`].
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd;

/// Any `futures-io` byte stream as a [`Connection`].
#[derive(Debug)]
pub struct FuturesIo<S>(pub S);

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Connection for FuturesIo<S> {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes).await?;
        self.0.flush().await
    }

    async fn shutdown(&mut self) -> io::Result<()> {
        self.0.close().await
    }
}

impl Clock for AsyncStd {
    fn now(&self) -> Instant {
        Instant::now()
    }

    async fn sleep_until(&self, deadline: Instant) {
        let left = deadline.saturating_duration_since(Instant::now());
        if !left.is_zero() {
            async_std::task::sleep(left).await;
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> TlsUpgrade<FuturesIo<S>> for AsyncStd {
    type Tls = FuturesIo<TlsStream<S>>;

    async fn upgrade(
        &self,
        plain: FuturesIo<S>,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> io::Result<Self::Tls> {
        TlsConnector::from(config)
            .connect(name, plain.0)
            .await
            .map(FuturesIo)
    }

    fn state(tls: &Self::Tls) -> &ClientConnection {
        tls.0.get_ref().1
    }
}

impl Runtime for AsyncStd {
    type Stream = FuturesIo<TcpStream>;
    type TlsStream = FuturesIo<TlsStream<TcpStream>>;
    type Udp = UdpSocket;
    type Dns = AsyncStdDns;

    fn dns(&self) -> AsyncStdDns {
        AsyncStdDns
    }

    async fn tcp_connect(&self, addr: SocketAddr) -> io::Result<(Self::Stream, SocketAddr)> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?;
        Ok((FuturesIo(stream), local))
    }

    fn tls_connect(
        &self,
        stream: Self::Stream,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> impl Future<Output = io::Result<Self::TlsStream>> + Send {
        self.upgrade(stream, config, name)
    }

    fn tls_state(stream: &Self::TlsStream) -> &ClientConnection {
        <Self as TlsUpgrade<Self::Stream>>::state(stream)
    }

    async fn udp_connect(&self, server: SocketAddr) -> io::Result<UdpSocket> {
        let socket = UdpSocket::bind(super::any_port_for(server)).await?;
        socket.connect(server).await?;
        Ok(socket)
    }

    async fn udp_send(&self, socket: &UdpSocket, payload: &[u8]) -> io::Result<()> {
        socket.send(payload).await.map(|_| ())
    }

    async fn udp_recv(&self, socket: &UdpSocket, buf: &mut [u8]) -> io::Result<usize> {
        socket.recv(buf).await
    }
}

/// The async-std [`DnsTransport`]: [`drive_lookup`](super::drive_lookup) over
/// [`AsyncStd`]'s sockets (usable from any executor).
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStdDns;

impl DnsTransport for AsyncStdDns {
    fn drive(&self, lookup: Lookup) -> impl Future<Output = LookupOutcome> + Send {
        super::drive_lookup(&AsyncStd, lookup)
    }
}

/// Drives `session` over any `futures-io` stream until it is done (the async-std twin of
/// [`runtime::tokio::drive_session`](crate::runtime)).
pub async fn drive_session<S>(session: Session, stream: S, tls: Option<TlsHandshake>) -> SessionRun
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    super::drive_session(
        &AsyncStd,
        &AsyncStd,
        session,
        FuturesIo(stream),
        tls.as_ref(),
    )
    .await
}

/// Drives a DNS lookup to its result over async-std sockets.
pub async fn drive(lookup: Lookup) -> LookupOutcome {
    super::drive_lookup(&AsyncStd, lookup).await
}

#[cfg(test)]
#[path = "async_std_tests.rs"]
mod tests;
