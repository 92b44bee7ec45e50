//! The tokio shell around [`ServerSession`]: reads the socket into the core, writes what
//! it transmits, sleeps until its deadline and performs the rustls handshake it asks for.
//! Nothing here decides anything about SMTP.

use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep_until, timeout_at};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, PoisonError};

use tokio::sync::Notify;

use super::{ReceivedSession, ReceivedTls, SessionEnd};
use crate::session::{ServerOutput, ServerSession};

/// State shared by the accept loop, the sessions and the handle.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) sessions: Mutex<Vec<ReceivedSession>>,
    pub(crate) accepted: AtomicUsize,
    pub(crate) refused: AtomicUsize,
    pub(crate) recorded_bytes: Arc<AtomicUsize>,
    pub(crate) ended: Notify,
}

impl Shared {
    pub(crate) fn sessions(&self) -> std::sync::MutexGuard<'_, Vec<ReceivedSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session's handle on its slot in [`TestServer::received`].
pub(crate) struct Recorder {
    pub(crate) shared: Arc<Shared>,
    pub(crate) index: Option<usize>,
}

impl Recorder {
    /// Copies the session's record into its slot (no-op when the session is not
    /// recorded).
    pub(crate) fn publish(&self, record: &ReceivedSession) {
        if let Some(index) = self.index
            && let Some(slot) = self.shared.sessions().get_mut(index)
        {
            slot.clone_from(record);
        }
    }

    /// Records how the session ended and wakes waiters.
    pub(crate) fn finish(&self, end: SessionEnd) {
        if let Some(index) = self.index
            && let Some(slot) = self.shared.sessions().get_mut(index)
        {
            slot.end = Some(end);
        }
        self.shared.ended.notify_waiters();
    }
}

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 16 * 1024;
/// How long a graceful close may take.
const CLOSE_GRACE: Duration = Duration::from_millis(500);
/// Most driver iterations per connection (each one is a read, a write, a handshake or a
/// deadline, so the session's own time limit ends it long before).
const MAX_ITERATIONS: usize = 10_000_000;

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    Closed,
}

/// Serves one connection with `core`; returns how it ended.
pub(crate) async fn serve(
    tcp: TcpStream,
    mut core: ServerSession,
    tls: Option<&Arc<ServerConfig>>,
    rec: &Recorder,
) -> SessionEnd {
    let _ = tcp.set_nodelay(true);
    let mut stream = Stream::Plain(tcp);
    let mut buf = vec![0u8; READ_CHUNK];
    for _ in 0..MAX_ITERATIONS {
        if core.take_record_changed() {
            rec.publish(core.record());
        }
        match core.poll_output() {
            ServerOutput::Transmit(bytes) => write(&mut stream, &mut core, &bytes).await,
            ServerOutput::StartTls { implicit } => {
                stream = handshake(stream, &mut core, tls, implicit).await;
            }
            ServerOutput::Close => close(&mut stream).await,
            ServerOutput::Disconnect => stream = Stream::Closed,
            ServerOutput::Done(end) => {
                rec.publish(core.record());
                return end;
            }
            ServerOutput::Wait { deadline } => {
                let deadline = deadline.unwrap_or_else(|| core.io_deadline(Instant::now()));
                wait(&mut stream, &mut core, &mut buf, deadline).await;
            }
        }
    }
    rec.publish(core.record());
    SessionEnd::LimitExceeded("driver iterations".into())
}

/// Reads until input arrives or `deadline` passes (only sleeps when the core takes no
/// input now).
async fn wait(stream: &mut Stream, core: &mut ServerSession, buf: &mut [u8], deadline: Instant) {
    let at = tokio::time::Instant::from_std(deadline);
    if !core.wants_input() || matches!(stream, Stream::Closed) {
        sleep_until(at).await;
        core.handle_timeout(Instant::now());
        return;
    }
    let read = match stream {
        Stream::Plain(s) => timeout_at(at, s.read(buf)).await,
        Stream::Tls(s) => timeout_at(at, s.read(buf)).await,
        Stream::Closed => Ok(Ok(0)),
    };
    let now = Instant::now();
    match read {
        Ok(Ok(0) | Err(_)) => core.handle_eof(now),
        Ok(Ok(n)) => core.handle_input(&buf[..n], now),
        Err(_) => core.handle_timeout(now),
    }
}

async fn write(stream: &mut Stream, core: &mut ServerSession, bytes: &[u8]) {
    let at = tokio::time::Instant::from_std(core.io_deadline(Instant::now()));
    let result = match stream {
        Stream::Plain(s) => timeout_at(at, write_flush(s, bytes)).await,
        Stream::Tls(s) => timeout_at(at, write_flush(s.as_mut(), bytes)).await,
        Stream::Closed => Ok(Err(io::ErrorKind::NotConnected.into())),
    };
    match result {
        Ok(Ok(())) => {}
        Ok(Err(_)) => core.handle_eof(Instant::now()),
        Err(_) => core.handle_stalled(Instant::now()),
    }
}

async fn write_flush<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> io::Result<()> {
    s.write_all(bytes).await?;
    s.flush().await
}

/// The server side of a TLS handshake on the plain stream.
async fn handshake(
    stream: Stream,
    core: &mut ServerSession,
    tls: Option<&Arc<ServerConfig>>,
    implicit: bool,
) -> Stream {
    let (Stream::Plain(tcp), Some(config)) = (stream, tls) else {
        core.handle_tls_failed("TLS is not available on this connection", Instant::now());
        return Stream::Closed;
    };
    let at = tokio::time::Instant::from_std(core.io_deadline(Instant::now()));
    let accepted = timeout_at(at, TlsAcceptor::from(Arc::clone(config)).accept(tcp)).await;
    let now = Instant::now();
    match accepted {
        Ok(Ok(tls)) => {
            core.handle_tls_established(tls_info(&tls, implicit), now);
            Stream::Tls(Box::new(tls))
        }
        Ok(Err(e)) => {
            core.handle_tls_failed(&e.to_string(), now);
            Stream::Closed
        }
        Err(_) => {
            core.handle_stalled(now);
            Stream::Closed
        }
    }
}

fn tls_info(tls: &TlsStream<TcpStream>, implicit: bool) -> ReceivedTls {
    let (_, conn) = tls.get_ref();
    ReceivedTls {
        implicit,
        version: conn
            .protocol_version()
            .map(|v| match v {
                rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_owned(),
                rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_owned(),
                other => format!("{other:?}"),
            })
            .unwrap_or_default(),
        cipher_suite: conn
            .negotiated_cipher_suite()
            .map(|s| format!("{:?}", s.suite()))
            .unwrap_or_default(),
        sni: conn.server_name().map(str::to_owned),
    }
}

/// Closes gracefully (TLS close_notify, TCP FIN), bounded in time.
async fn close(stream: &mut Stream) {
    let grace = tokio::time::Instant::now() + CLOSE_GRACE;
    match std::mem::replace(stream, Stream::Closed) {
        Stream::Plain(mut s) => {
            let _ = timeout_at(grace, s.shutdown()).await;
        }
        Stream::Tls(mut s) => {
            let _ = timeout_at(grace, s.shutdown()).await;
        }
        Stream::Closed => {}
    }
}
