//! Bounded socket I/O shared by the SMTP sessions and the scripts: a plain or TLS stream,
//! an input buffer with line reading, an output buffer, deadlines.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use super::record::{ReceivedTls, SessionEnd};

/// Bytes read from the socket per call.
const READ_CHUNK: usize = 16 * 1024;
/// How long a graceful close may take.
const CLOSE_GRACE: Duration = Duration::from_millis(500);
/// Longest command line kept in the session record.
pub(crate) const RECORDED_LINE_MAX: usize = 512;

/// Why I/O stopped.
#[derive(Debug)]
pub(crate) enum IoEnd {
    /// The peer closed the connection or it broke.
    Closed,
    /// Nothing arrived (or could be written) for the idle timeout.
    Idle,
    /// The session's overall deadline passed.
    Deadline,
}

impl IoEnd {
    pub(crate) fn into_session_end(self) -> SessionEnd {
        match self {
            Self::Closed => SessionEnd::ClientClosed,
            Self::Idle => SessionEnd::IdleTimeout,
            Self::Deadline => SessionEnd::SessionTimeout,
        }
    }
}

/// A line read from the client.
#[derive(Debug)]
pub(crate) enum Line {
    /// The line without its LF (and without the CR before it).
    Complete(Vec<u8>),
    /// The line was longer than the limit; it was discarded.
    TooLong,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    Closed,
}

/// A connection with buffers and deadlines.
pub(crate) struct Io {
    stream: Stream,
    /// Received bytes not consumed yet.
    pub(crate) input: Vec<u8>,
    /// Prefix of `input` already searched for LF.
    scanned: usize,
    /// Dropping the rest of an over-long line.
    discarding: bool,
    /// Bytes waiting to be written.
    pub(crate) output: Vec<u8>,
    /// When the session must end.
    pub(crate) deadline: Instant,
    /// Longest wait for one read or write (`None`: only the session deadline).
    idle: Option<Duration>,
    /// Longest line accepted.
    max_line: usize,
}

impl Io {
    pub(crate) fn new(
        tcp: TcpStream,
        deadline: Instant,
        idle: Option<Duration>,
        max_line: usize,
    ) -> Self {
        Self {
            stream: Stream::Plain(tcp),
            input: Vec::new(),
            scanned: 0,
            discarding: false,
            output: Vec::new(),
            deadline,
            idle,
            max_line,
        }
    }

    /// The deadline for the next read or write, and what passing it means.
    fn next_deadline(&self) -> (Instant, IoEnd) {
        match self.idle {
            Some(idle) => {
                let idle_at = Instant::now() + idle;
                if idle_at < self.deadline {
                    (idle_at, IoEnd::Idle)
                } else {
                    (self.deadline, IoEnd::Deadline)
                }
            }
            None => (self.deadline, IoEnd::Deadline),
        }
    }

    /// Reads once into `input`.
    pub(crate) async fn fill(&mut self) -> Result<usize, IoEnd> {
        let (at, on_timeout) = self.next_deadline();
        self.fill_until(at, on_timeout).await
    }

    async fn fill_until(&mut self, at: Instant, on_timeout: IoEnd) -> Result<usize, IoEnd> {
        let start = self.input.len();
        self.input.resize(start + READ_CHUNK, 0);
        let buf = &mut self.input[start..];
        let read = match &mut self.stream {
            Stream::Plain(s) => timeout_at(at, s.read(buf)).await,
            Stream::Tls(s) => timeout_at(at, s.read(buf)).await,
            Stream::Closed => Ok(Ok(0)),
        };
        let n = match read {
            Ok(Ok(n)) => n,
            Ok(Err(_)) => 0,
            Err(_) => {
                self.input.truncate(start);
                return Err(on_timeout);
            }
        };
        self.input.truncate(start + n);
        if n == 0 {
            return Err(IoEnd::Closed);
        }
        Ok(n)
    }

    /// Reads one line (LF-terminated; a CR before the LF is removed). Pending output is
    /// flushed before waiting for input, so pipelined replies go out in one write.
    pub(crate) async fn read_line(&mut self) -> Result<Line, IoEnd> {
        loop {
            if let Some(i) = self.input[self.scanned..].iter().position(|&b| b == b'\n') {
                let end = self.scanned + i;
                self.scanned = 0;
                if self.discarding {
                    self.input.drain(..=end);
                    self.discarding = false;
                    return Ok(Line::TooLong);
                }
                let mut line: Vec<u8> = self.input.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                if line.len() > self.max_line {
                    return Ok(Line::TooLong);
                }
                return Ok(Line::Complete(line));
            }
            self.scanned = self.input.len();
            if self.input.len() > self.max_line {
                // Keep memory bounded: forget the line, remember to skip to its end.
                self.input.clear();
                self.scanned = 0;
                self.discarding = true;
            }
            self.flush().await?;
            self.fill().await?;
        }
    }

    /// Forgets buffered input; returns how many bytes were dropped.
    pub(crate) fn discard_input(&mut self) -> usize {
        let n = self.input.len();
        self.input.clear();
        self.scanned = 0;
        self.discarding = false;
        n
    }

    /// Writes pending output.
    pub(crate) async fn flush(&mut self) -> Result<(), IoEnd> {
        if self.output.is_empty() {
            return Ok(());
        }
        let (at, on_timeout) = self.next_deadline();
        let out = std::mem::take(&mut self.output);
        let result = match &mut self.stream {
            Stream::Plain(s) => timeout_at(at, write_flush(s, &out)).await,
            Stream::Tls(s) => timeout_at(at, write_flush(s.as_mut(), &out)).await,
            Stream::Closed => Ok(Err(io::ErrorKind::NotConnected.into())),
        };
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(IoEnd::Closed),
            Err(_) => Err(on_timeout),
        }
    }

    /// Queues `bytes` and writes them now.
    pub(crate) async fn send(&mut self, bytes: &[u8]) -> Result<(), IoEnd> {
        self.output.extend_from_slice(bytes);
        self.flush().await
    }

    /// Reads and discards everything until the client closes or the session deadline
    /// (idle time does not count): a server that has fallen silent.
    pub(crate) async fn drain_until_closed(&mut self) -> IoEnd {
        let _ = self.flush().await;
        loop {
            self.discard_input();
            if let Err(end) = self.fill_until(self.deadline, IoEnd::Deadline).await {
                return end;
            }
        }
    }

    /// Performs the server side of a TLS handshake on the plain stream.
    pub(crate) async fn start_tls(
        &mut self,
        config: &Arc<ServerConfig>,
        implicit: bool,
    ) -> Result<ReceivedTls, SessionEnd> {
        let tcp = match std::mem::replace(&mut self.stream, Stream::Closed) {
            Stream::Plain(tcp) => tcp,
            other => {
                self.stream = other;
                return Err(SessionEnd::Misconfigured(
                    "TLS is already active on this connection".into(),
                ));
            }
        };
        let (at, on_timeout) = self.next_deadline();
        let accepted = timeout_at(at, TlsAcceptor::from(Arc::clone(config)).accept(tcp)).await;
        let tls = match accepted {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => return Err(SessionEnd::TlsHandshake(e.to_string())),
            Err(_) => return Err(on_timeout.into_session_end()),
        };
        let (_, conn) = tls.get_ref();
        let info = ReceivedTls {
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
        };
        self.stream = Stream::Tls(Box::new(tls));
        Ok(info)
    }

    /// `true` once a TLS handshake completed.
    pub(crate) fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// Flushes and closes gracefully (TLS close_notify, TCP FIN), bounded in time.
    pub(crate) async fn close(&mut self) {
        let _ = self.flush().await;
        let stream = std::mem::replace(&mut self.stream, Stream::Closed);
        let grace = Instant::now() + CLOSE_GRACE;
        match stream {
            Stream::Plain(mut s) => {
                let _ = timeout_at(grace, s.shutdown()).await;
            }
            Stream::Tls(mut s) => {
                let _ = timeout_at(grace, s.shutdown()).await;
            }
            Stream::Closed => {}
        }
    }

    /// Flushes what is owed, then drops the connection without a TLS close_notify.
    pub(crate) async fn abort(&mut self) {
        let _ = self.flush().await;
        self.stream = Stream::Closed;
    }
}

async fn write_flush<S: tokio::io::AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> io::Result<()> {
    s.write_all(bytes).await?;
    s.flush().await
}

/// Finds the end of DATA (a line holding only `.`, RFC 5321 §4.1.1.4) in a stream,
/// byte by byte, with the same line rules as [`smtping_proto::data::DataDecoder`]: lines
/// end at LF, a CR before the LF is part of the line ending.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DataScanner {
    state: ScanState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ScanState {
    #[default]
    LineStart,
    Dot,
    DotCr,
    Mid,
}

impl DataScanner {
    /// Feeds `bytes`; returns the offset just past the terminator if it ends inside them.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            self.state = match (self.state, b) {
                (ScanState::Dot | ScanState::DotCr, b'\n') => {
                    self.state = ScanState::LineStart;
                    return Some(i + 1);
                }
                (_, b'\n') => ScanState::LineStart,
                (ScanState::LineStart, b'.') => ScanState::Dot,
                (ScanState::Dot, b'\r') => ScanState::DotCr,
                _ => ScanState::Mid,
            };
        }
        None
    }
}

/// What reading DATA produced.
pub(crate) struct DataRead {
    /// The wire bytes up to and including the terminator, when they fit the cap.
    pub(crate) wire: Option<Vec<u8>>,
    /// Wire bytes read in all.
    pub(crate) wire_len: usize,
}

/// Reads message data up to its terminator, keeping at most `cap` wire bytes (beyond that
/// the data is read and dropped, so memory stays bounded).
pub(crate) async fn read_data(io: &mut Io, cap: usize) -> Result<DataRead, IoEnd> {
    let mut scanner = DataScanner::default();
    let mut wire = Some(Vec::new());
    let mut wire_len = 0usize;
    loop {
        let found = scanner.feed(&io.input);
        let take = found.unwrap_or(io.input.len());
        wire_len = wire_len.saturating_add(take);
        if let Some(kept) = wire.as_mut() {
            if kept.len() + take > cap {
                wire = None;
            } else {
                kept.extend_from_slice(&io.input[..take]);
            }
        }
        io.input.drain(..take);
        io.scanned = 0;
        if found.is_some() {
            return Ok(DataRead { wire, wire_len });
        }
        io.flush().await?;
        io.fill().await?;
    }
}

/// A command line as recorded: lossy UTF-8, cut to [`RECORDED_LINE_MAX`] bytes, AUTH
/// payloads replaced.
pub(crate) fn recorded_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(RECORDED_LINE_MAX)]).into_owned();
    let mut words = text.splitn(3, ' ');
    match (words.next(), words.next(), words.next()) {
        (Some(verb), Some(mechanism), Some(_)) if verb.eq_ignore_ascii_case("AUTH") => {
            format!("{verb} {mechanism} [redacted]")
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests;
