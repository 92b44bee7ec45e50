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
//! [`Session`]), the [`Check`](crate::Check) orchestration, the report, the deadlines
//! (writes and the TLS handshake are bounded by [`Session::deadline`], reads race the
//! deadline timer), the TLS verdicts ([`tls_details`], [`classify_handshake_error`]) and
//! the DNS protocol ([`smtping_proto::dns::Lookup`]).
//!
//! Different: the stream bound is `futures_io::AsyncRead + AsyncWrite` instead of
//! tokio's traits (wrap a tokio stream with `tokio_util::compat` if you must mix); time
//! is [`std::time::Instant`] (async-std has no paused clock); and the DNS transport
//! ([`AsyncStdDns`]) races a `recv` on each connected UDP socket against the timer,
//! because async-std has no readiness API: an ICMP "port unreachable" surfaces as a
//! `recv` error (async-io treats the socket error condition as readable). While waiting
//! for input the driver also checks the clock before each read, so a peer that always has
//! bytes ready cannot hold off a deadline.

pub mod dns;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use async_std::net::TcpStream;
use futures_io::{AsyncRead, AsyncWrite};
use futures_lite::future::or;
use futures_rustls::TlsConnector;
use futures_rustls::client::TlsStream;
use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use smtping_proto::session::{Output, Session, TlsEstablished};

pub use self::dns::AsyncStdDns;
use super::{Runtime, SessionRun, TlsHandshake};
use crate::tls::{HandshakeFailure, classify_handshake_error, tls_details};

/// Bytes read per `read` call; the session bounds what it keeps.
const READ_CHUNK: usize = 16 * 1024;
/// How long a polite TLS close_notify / TCP shutdown may take.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// Write deadline when the session has none (it always has one while running).
const FALLBACK_WRITE: Duration = Duration::from_secs(5);
/// Handshake deadline when the session has none.
const FALLBACK_HANDSHAKE: Duration = Duration::from_secs(15);

/// The async-std [`Runtime`]; it works under smol and other executors too (see the
/// [module docs](self)).
///
/// ```no_run
/// use smtping_client::Check;
/// use smtping_client::runtime::async_std::AsyncStd;
///
/// # async fn demo() -> Result<(), smtping_client::TargetError> {
/// let report = Check::parse("mx.example.org")?.run_on(&AsyncStd).await;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStd;

impl Runtime for AsyncStd {
    type Stream = TcpStream;
    type Dns = AsyncStdDns;

    fn dns(&self) -> AsyncStdDns {
        AsyncStdDns
    }

    async fn connect(
        &self,
        addr: SocketAddr,
        limit: Duration,
    ) -> io::Result<(TcpStream, SocketAddr)> {
        let stream = async_std::future::timeout(limit, TcpStream::connect(addr))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))??;
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?;
        Ok((stream, local))
    }

    fn run_session(
        &self,
        stream: TcpStream,
        session: Session,
        tls: Option<TlsHandshake>,
    ) -> impl Future<Output = SessionRun> + Send {
        drive_session(session, stream, tls)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Sleeps until `deadline` (at once when it has passed).
pub(crate) async fn sleep_until(deadline: Instant) {
    let left = deadline.saturating_duration_since(Instant::now());
    if !left.is_zero() {
        async_std::task::sleep(left).await;
    }
}

/// Runs `fut` until `deadline`: `None` when the deadline came first.
async fn within<F: Future>(deadline: Instant, fut: F) -> Option<F::Output> {
    or(async { Some(fut.await) }, async {
        sleep_until(deadline).await;
        None
    })
    .await
}

enum Conn<S> {
    Plain(S),
    Tls(Box<TlsStream<S>>),
    Gone,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf).await,
            Self::Tls(s) => s.read(buf).await,
            Self::Gone => Ok(0),
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            Self::Tls(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            Self::Gone => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }

    async fn shutdown(&mut self) {
        let _ = within(Instant::now() + SHUTDOWN_GRACE, async {
            match self {
                Self::Plain(s) => s.close().await,
                Self::Tls(s) => s.close().await,
                Self::Gone => Ok(()),
            }
        })
        .await;
    }
}

fn now() -> Instant {
    Instant::now()
}

/// What ended one wait for input.
enum Wake {
    Read(io::Result<usize>),
    Deadline,
}

/// Drives `session` over `stream` until it is done: writes what it transmits, feeds it
/// what arrives, performs the TLS handshake it asks for with `futures-rustls` (with
/// `tls`; without it the handshake fails with a clear reason), and enforces its
/// deadlines with async-std timers. The twin of
/// `runtime::tokio::drive_session`, for any `futures-io` stream: an async-std or smol
/// `TcpStream`, a Unix socket, an in-memory pipe in tests.
///
/// ```no_run
/// use smtping_client::runtime::async_std::drive_session;
/// use smtping_proto::session::{Plan, Session, TlsPolicy};
/// use smtping_proto::Domain;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let stream = async_std::net::TcpStream::connect("127.0.0.1:2525").await?;
/// let plan = Plan::new(Domain::ehlo_name("client.example")?).tls(TlsPolicy::None);
/// let run = drive_session(Session::new(plan, std::time::Instant::now()), stream, None).await;
/// println!("{:?}", run.outcome.error);
/// # Ok(()) }
/// ```
pub async fn drive_session<S>(
    mut session: Session,
    stream: S,
    tls: Option<TlsHandshake>,
) -> SessionRun
where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let mut conn = Conn::Plain(stream);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut details = None;
    let mut failure: Option<HandshakeFailure> = None;
    loop {
        match session.poll_output() {
            Output::Transmit(bytes) => {
                let deadline = session.deadline().unwrap_or_else(|| now() + FALLBACK_WRITE);
                match within(deadline, conn.write_all(&bytes)).await {
                    Some(Ok(())) => {}
                    Some(Err(e)) => session.handle_io_error(&super::io_reason(&e), now()),
                    None => session.handle_timeout(now()),
                }
            }
            Output::StartTls => {
                let Some(tls) = tls.as_ref() else {
                    session.handle_tls_failed(
                        "TLS was requested but no TLS configuration was given to the adapter",
                        now(),
                    );
                    continue;
                };
                let Conn::Plain(plain) = std::mem::replace(&mut conn, Conn::Gone) else {
                    session.handle_tls_failed("TLS is already active", now());
                    continue;
                };
                let deadline = session
                    .deadline()
                    .unwrap_or_else(|| now() + FALLBACK_HANDSHAKE);
                let connector = TlsConnector::from(tls.config.clone());
                let handshake = connector.connect(tls.server_name.clone(), plain);
                match within(deadline, handshake).await {
                    Some(Ok(stream)) => {
                        let record = tls.verification.get();
                        let d =
                            tls_details(stream.get_ref().1, tls.sni.as_deref(), record.as_ref());
                        let established = TlsEstablished {
                            version: d.version.clone(),
                            verified: d.verification.is_valid(),
                        };
                        details = Some(d);
                        conn = Conn::Tls(Box::new(stream));
                        session.handle_tls_established(established, now());
                    }
                    Some(Err(e)) => {
                        let f = classify_handshake_error(&e);
                        session.handle_tls_failed(&f.message, now());
                        failure = Some(f);
                    }
                    None => session.handle_timeout(now()),
                }
            }
            Output::Event(_) => {}
            Output::Wait { deadline } => {
                // `or` polls the read first; check the clock too, so a peer that always
                // has bytes ready cannot keep the deadline from firing.
                if let Some(d) = deadline
                    && now() >= d
                {
                    session.handle_timeout(now());
                    continue;
                }
                let read = async { Wake::Read(conn.read(&mut buf).await) };
                let timer = async {
                    match deadline {
                        Some(d) => sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                    Wake::Deadline
                };
                match or(read, timer).await {
                    Wake::Read(Ok(0)) => session.handle_eof(now()),
                    Wake::Read(Ok(n)) => session.handle_input(&buf[..n], now()),
                    // A TLS peer that closes without close_notify has closed all the same.
                    Wake::Read(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => {
                        session.handle_eof(now());
                    }
                    Wake::Read(Err(e)) => session.handle_io_error(&super::io_reason(&e), now()),
                    Wake::Deadline => session.handle_timeout(now()),
                }
            }
            Output::Done(outcome) => {
                conn.shutdown().await;
                return SessionRun::new(outcome, details, failure);
            }
        }
    }
}

#[cfg(test)]
mod tests;
