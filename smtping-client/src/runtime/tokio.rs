//! The tokio adapter: a short driver loop over the sans-IO session.
//!
//! [`drive_session`] is the low-level entry: give it a [`Session`] and any tokio stream
//! you already have (a `TcpStream`, a Unix socket, an in-memory duplex in tests) and it
//! moves bytes, performs the TLS handshake when the session asks, and returns the
//! outcome. [`Tokio`] is the [`Runtime`] that [`Check::run`](crate::Check::run) uses.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use smtping_proto::session::{Output, Session, TlsEstablished};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep_until, timeout, timeout_at};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{Runtime, SessionRun, TlsHandshake};
use crate::net::dns::TokioDns;
use crate::tls::{HandshakeFailure, classify_handshake_error, tls_details};

/// Bytes read per `read` call; the session bounds what it keeps.
const READ_CHUNK: usize = 16 * 1024;
/// How long a polite TLS close_notify / TCP shutdown may take.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// The tokio [`Runtime`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Tokio;

impl Runtime for Tokio {
    type Stream = TcpStream;
    type Dns = TokioDns;

    fn dns(&self) -> TokioDns {
        TokioDns
    }

    async fn connect(
        &self,
        addr: SocketAddr,
        limit: Duration,
    ) -> io::Result<(TcpStream, SocketAddr)> {
        let stream = timeout(limit, TcpStream::connect(addr))
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
        tokio::time::Instant::now().into_std()
    }
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
        let _ = timeout(SHUTDOWN_GRACE, async {
            match self {
                Self::Plain(s) => s.shutdown().await,
                Self::Tls(s) => s.shutdown().await,
                Self::Gone => Ok(()),
            }
        })
        .await;
    }
}

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

/// Drives `session` over `stream` until it is done: writes what it transmits, feeds it
/// what arrives, performs the TLS handshake it asks for (with `tls`; without it the
/// handshake fails with a clear reason), and enforces its deadlines with tokio timers.
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
                let deadline = session
                    .deadline()
                    .unwrap_or_else(|| now() + Duration::from_secs(5));
                let deadline = tokio::time::Instant::from_std(deadline);
                match timeout_at(deadline, conn.write_all(&bytes)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => session.handle_io_error(&super::io_reason(&e), now()),
                    Err(_) => session.handle_timeout(now()),
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
                    .unwrap_or_else(|| now() + Duration::from_secs(15));
                let connector = TlsConnector::from(tls.config.clone());
                let handshake = connector.connect(tls.server_name.clone(), plain);
                match timeout_at(tokio::time::Instant::from_std(deadline), handshake).await {
                    Ok(Ok(stream)) => {
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
                    Ok(Err(e)) => {
                        let f = classify_handshake_error(&e);
                        session.handle_tls_failed(&f.message, now());
                        failure = Some(f);
                    }
                    Err(_) => session.handle_timeout(now()),
                }
            }
            Output::Event(_) => {}
            Output::Wait { deadline } => {
                // A server that always has bytes ready must not hold off a deadline.
                if deadline.is_some_and(|d| now() >= d) {
                    session.handle_timeout(now());
                    continue;
                }
                let sleep = async {
                    match deadline {
                        Some(d) => sleep_until(tokio::time::Instant::from_std(d)).await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    read = conn.read(&mut buf) => match read {
                        Ok(0) => session.handle_eof(now()),
                        Ok(n) => session.handle_input(&buf[..n], now()),
                        // A TLS peer that closes without close_notify has closed all the same.
                        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => session.handle_eof(now()),
                        Err(e) => session.handle_io_error(&super::io_reason(&e), now()),
                    },
                    () = sleep => session.handle_timeout(now()),
                }
            }
            Output::Done(outcome) => {
                conn.shutdown().await;
                return SessionRun {
                    outcome,
                    tls: details,
                    tls_failure: failure,
                };
            }
        }
    }
}
