//! The session loop, written once for every runtime: drain the session's outputs, write
//! what it transmits, do the TLS handshake it asks for, and race reads against its
//! deadline.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};
use rustls::{ClientConfig, ClientConnection};
use rustls_pki_types::ServerName;
use smtping_proto::session::{Output, Session, TlsEstablished};

use super::{Clock, Connection, SessionRun, TlsHandshake, io_reason, within};
use crate::tls::{HandshakeFailure, TlsDetails, classify_handshake_error, tls_details};

/// Bytes read per `read` call; the session bounds what it keeps. SMTP replies are small
/// (an EHLO reply is a few hundred bytes): 4 KiB reads a whole reply in one call and
/// keeps a check's memory low; a larger (hostile) reply just takes more reads.
const READ_CHUNK: usize = 4 * 1024;
/// How long a polite TLS close_notify / TCP shutdown may take.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);
/// Write deadline when the session has none (it always has one while running).
const FALLBACK_WRITE: Duration = Duration::from_secs(5);
/// Handshake deadline when the session has none.
const FALLBACK_HANDSHAKE: Duration = Duration::from_secs(15);

/// Turns a plain connection into a TLS one (each runtime's rustls glue).
pub trait TlsUpgrade<C: Connection>: Send + Sync {
    /// The TLS stream.
    type Tls: Connection;

    /// Performs the handshake over `plain`.
    fn upgrade(
        &self,
        plain: C,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> impl Future<Output = io::Result<Self::Tls>> + Send;

    /// The rustls state of an established stream.
    fn state(tls: &Self::Tls) -> &ClientConnection;
}

/// The connection as the session sees it: plain, upgraded, or gone (mid-handshake).
enum Conn<C, T> {
    Plain(C),
    Tls(Box<T>),
    Gone,
}

impl<C: Connection, T: Connection> Conn<C, T> {
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf).await,
            Self::Tls(s) => s.read(buf).await,
            Self::Gone => Ok(0),
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.write_all(bytes).await,
            Self::Tls(s) => s.write_all(bytes).await,
            Self::Gone => Err(io::Error::from(io::ErrorKind::NotConnected)),
        }
    }

    async fn shutdown(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.shutdown().await,
            Self::Tls(s) => s.shutdown().await,
            Self::Gone => Ok(()),
        }
    }
}

/// Drives `session` over `stream` until it is done: writes what it transmits, feeds it
/// what arrives, performs the TLS handshake it asks for (with `tls` and `upgrade`;
/// without `tls` the handshake fails with a clear reason), and enforces its deadlines
/// with `clock`'s timers.
///
/// Each runtime module offers a shortcut with its own clock and TLS
/// (`runtime::tokio::drive_session(session, stream, tls)`).
pub async fn drive_session<K, C, U>(
    clock: &K,
    upgrade: &U,
    mut session: Session,
    stream: C,
    tls: Option<&TlsHandshake>,
) -> SessionRun
where
    K: Clock,
    C: Connection,
    U: TlsUpgrade<C>,
{
    let mut conn: Conn<C, U::Tls> = Conn::Plain(stream);
    let mut buf = vec![0u8; READ_CHUNK];
    let mut details = None;
    let mut failure: Option<HandshakeFailure> = None;
    let mut io_error = None;
    loop {
        match session.poll_output() {
            Output::Transmit(bytes) => {
                let deadline = session
                    .deadline()
                    .unwrap_or_else(|| clock.now() + FALLBACK_WRITE);
                match within(clock, deadline, conn.write_all(&bytes)).await {
                    Some(Ok(())) => {}
                    Some(Err(e)) => {
                        io_error.get_or_insert(e.kind());
                        session.handle_io_error(&io_reason(&e), clock.now());
                    }
                    None => session.handle_timeout(clock.now()),
                }
            }
            Output::StartTls => {
                conn = start_tls(
                    clock,
                    upgrade,
                    &mut session,
                    conn,
                    tls,
                    &mut details,
                    &mut failure,
                )
                .await;
            }
            Output::Event(_) => {}
            Output::Wait { deadline } => {
                if let Some(kind) = wait(clock, &mut session, &mut conn, &mut buf, deadline).await {
                    io_error.get_or_insert(kind);
                }
            }
            Output::Done(outcome) => {
                let grace = clock.now() + SHUTDOWN_GRACE;
                let _ = within(clock, grace, conn.shutdown()).await;
                return SessionRun::new(outcome, details, failure).with_io_error(io_error);
            }
        }
    }
}

/// Waits for input or the deadline, whichever comes first, and tells the session;
/// returns the kind of a read error handed to the session.
async fn wait<K: Clock, C: Connection, T: Connection>(
    clock: &K,
    session: &mut Session,
    conn: &mut Conn<C, T>,
    buf: &mut [u8],
    deadline: Option<std::time::Instant>,
) -> Option<io::ErrorKind> {
    // A server that always has bytes ready must not hold off a deadline.
    if deadline.is_some_and(|d| clock.now() >= d) {
        session.handle_timeout(clock.now());
        return None;
    }
    let read = match deadline {
        Some(d) => {
            let read = pin!(conn.read(buf));
            let timer = pin!(clock.sleep_until(d));
            match select(read, timer).await {
                Either::Left((r, _)) => Some(r),
                Either::Right(((), _)) => None,
            }
        }
        None => Some(conn.read(buf).await),
    };
    let now = clock.now();
    match read {
        None => session.handle_timeout(now),
        Some(Ok(0)) => session.handle_eof(now),
        Some(Ok(n)) => session.handle_input(&buf[..n], now),
        // A TLS peer that closes without close_notify has closed all the same.
        Some(Err(e)) if e.kind() == io::ErrorKind::UnexpectedEof => session.handle_eof(now),
        Some(Err(e)) => {
            session.handle_io_error(&io_reason(&e), now);
            return Some(e.kind());
        }
    }
    None
}

/// Performs the handshake the session asked for; returns the connection to go on with.
async fn start_tls<K, C, U>(
    clock: &K,
    upgrade: &U,
    session: &mut Session,
    conn: Conn<C, U::Tls>,
    tls: Option<&TlsHandshake>,
    details: &mut Option<TlsDetails>,
    failure: &mut Option<HandshakeFailure>,
) -> Conn<C, U::Tls>
where
    K: Clock,
    C: Connection,
    U: TlsUpgrade<C>,
{
    let Some(tls) = tls else {
        session.handle_tls_failed(
            "TLS was requested but no TLS configuration was given to the adapter",
            clock.now(),
        );
        return conn;
    };
    let Conn::Plain(plain) = conn else {
        session.handle_tls_failed("TLS is already active", clock.now());
        return conn;
    };
    let deadline = session
        .deadline()
        .unwrap_or_else(|| clock.now() + FALLBACK_HANDSHAKE);
    let handshake = upgrade.upgrade(plain, Arc::clone(&tls.config), tls.server_name.clone());
    match within(clock, deadline, handshake).await {
        Some(Ok(stream)) => {
            let record = tls.verification.get();
            let d = tls_details(U::state(&stream), tls.sni.as_deref(), record.as_ref());
            let established = TlsEstablished {
                version: d.version.clone(),
                verified: d.verification.is_valid(),
            };
            *details = Some(d);
            session.handle_tls_established(established, clock.now());
            Conn::Tls(Box::new(stream))
        }
        Some(Err(e)) => {
            let f = classify_handshake_error(&e);
            session.handle_tls_failed(&f.message, clock.now());
            *failure = Some(f);
            Conn::Gone
        }
        None => {
            session.handle_timeout(clock.now());
            Conn::Gone
        }
    }
}
