//! The tokio adapter: tokio's primitives for the shared loops, nothing else.
//!
//! [`drive_session`] is the low-level entry: give it a [`Session`] and any tokio stream
//! you already have (a `TcpStream`, a Unix socket, an in-memory duplex in tests) and it
//! moves bytes, performs the TLS handshake when the session asks, and returns the
//! outcome. [`Tokio`] is the [`Runtime`] that [`Check::run`](crate::Check::run) uses.
//! Time comes from `tokio::time::Instant`, so paused-clock tests work.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;
use smtping_proto::dns::Lookup;
use smtping_proto::session::Session;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, Interest};
use tokio::net::{TcpStream, UdpSocket};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{Clock, Connection, Runtime, SessionRun, TlsHandshake, TlsUpgrade};
use super::{DnsTransport, LookupOutcome};

/// The tokio [`Runtime`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokio;

/// Any tokio byte stream as a [`Connection`].
#[derive(Debug)]
pub struct TokioIo<S>(pub S);

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Connection for TokioIo<S> {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).await
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.0.write_all(bytes).await?;
        self.0.flush().await
    }

    async fn shutdown(&mut self) -> io::Result<()> {
        self.0.shutdown().await
    }
}

impl Clock for Tokio {
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }

    async fn sleep_until(&self, deadline: Instant) {
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> TlsUpgrade<TokioIo<S>> for Tokio {
    type Tls = TokioIo<TlsStream<S>>;

    async fn upgrade(
        &self,
        plain: TokioIo<S>,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> io::Result<Self::Tls> {
        TlsConnector::from(config)
            .connect(name, plain.0)
            .await
            .map(TokioIo)
    }

    fn state(tls: &Self::Tls) -> &ClientConnection {
        tls.0.get_ref().1
    }
}

impl Runtime for Tokio {
    type Stream = TokioIo<TcpStream>;
    type TlsStream = TokioIo<TlsStream<TcpStream>>;
    type Udp = UdpSocket;
    type Dns = TokioDns;

    fn dns(&self) -> TokioDns {
        TokioDns
    }

    async fn tcp_connect(&self, addr: SocketAddr) -> io::Result<(Self::Stream, SocketAddr)> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?;
        Ok((TokioIo(stream), local))
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
        // Readable *or error*: on Linux an ICMP "port unreachable" on a connected UDP
        // socket only raises the error condition, not readability.
        loop {
            let ready = socket.ready(Interest::READABLE | Interest::ERROR).await?;
            match socket.try_recv(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
            if ready.is_error() {
                return Err(match socket.take_error() {
                    Ok(Some(e)) | Err(e) => e,
                    Ok(None) => io::Error::other("socket error"),
                });
            }
        }
    }
}

/// The tokio [`DnsTransport`]: [`drive_lookup`](crate::runtime::drive_lookup) over
/// [`Tokio`]'s sockets.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioDns;

impl DnsTransport for TokioDns {
    fn drive(&self, lookup: Lookup) -> impl Future<Output = LookupOutcome> + Send {
        drive(lookup)
    }

    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// Drives `session` over any tokio `stream` until it is done: writes what it transmits,
/// feeds it what arrives, performs the TLS handshake it asks for (with `tls`; without it
/// the handshake fails with a clear reason), and enforces its deadlines with tokio timers.
///
/// ```no_run
/// use smtping_client::runtime::tokio::drive_session;
/// use smtping_proto::session::{Plan, Session, TlsPolicy};
/// use smtping_proto::Domain;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = tokio::net::TcpStream::connect("127.0.0.1:2525").await?;
/// let plan = Plan::new(Domain::ehlo_name("client.example")?).tls(TlsPolicy::None);
/// let run = drive_session(Session::new(plan, std::time::Instant::now()), stream, None).await;
/// println!("{:?}", run.outcome.error);
/// # Ok(()) }
/// ```
pub async fn drive_session<S>(session: Session, stream: S, tls: Option<TlsHandshake>) -> SessionRun
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    super::drive_session(&Tokio, &Tokio, session, TokioIo(stream), tls.as_ref()).await
}

/// Drives a DNS lookup to its result over tokio sockets.
pub async fn drive(lookup: Lookup) -> LookupOutcome {
    super::drive_lookup(&Tokio, lookup).await
}
