//! Unit tests of `mod` (kept beside it, in its own file).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use smtping_proto::Domain;
use smtping_proto::session::{ErrorKind, Plan, TlsPolicy};

use super::*;

/// An in-memory peer: hands out its chunks in order, then EOF; records what it got.
struct Scripted {
    chunks: VecDeque<&'static [u8]>,
    written: Arc<Mutex<Vec<u8>>>,
}

impl Scripted {
    fn new(chunks: &[&'static [u8]]) -> (Self, Arc<Mutex<Vec<u8>>>) {
        let written = Arc::new(Mutex::new(Vec::new()));
        let peer = Self {
            chunks: chunks.iter().copied().collect(),
            written: Arc::clone(&written),
        };
        (peer, written)
    }
}

impl AsyncRead for Scripted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let Some(next) = self.chunks.pop_front() else {
            return Poll::Ready(Ok(0));
        };
        let n = next.len().min(buf.len());
        buf[..n].copy_from_slice(&next[..n]);
        Poll::Ready(Ok(n))
    }
}

impl AsyncWrite for Scripted {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.lock().unwrap().extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }
    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
    fn poll_close(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn run(policy: TlsPolicy, chunks: &[&'static [u8]]) -> (SessionRun, Vec<u8>) {
    let plan = Plan::new(Domain::ehlo_name("client.example").unwrap()).tls(policy);
    let (peer, written) = Scripted::new(chunks);
    let run = futures_lite::future::block_on(drive_session(
        Session::new(plan, Instant::now()),
        peer,
        None,
    ));
    let bytes = written.lock().unwrap().clone();
    (run, bytes)
}

#[test]
fn drives_a_plain_session_over_any_futures_io_stream() {
    let (run, written) = run(
        TlsPolicy::None,
        &[
            b"220 mx.example.org ESMTP\r\n",
            b"250-mx.example.org\r\n250 PIPELINING\r\n",
            b"221 2.0.0 Bye\r\n",
        ],
    );
    assert!(run.outcome.error.is_none(), "{:?}", run.outcome.error);
    assert!(run.outcome.extensions.as_ref().unwrap().pipelining());
    assert!(run.tls.is_none() && run.tls_failure.is_none());
    assert_eq!(written, b"EHLO client.example\r\nQUIT\r\n");
}

#[test]
fn early_eof_is_reported_not_hung() {
    let (run, written) = run(TlsPolicy::None, &[b"220 mx.example.org ESMTP\r\n"]);
    let error = run.outcome.error.expect("the peer closed");
    assert_eq!(error.kind, ErrorKind::Closed, "{error}");
    assert_eq!(written, b"EHLO client.example\r\n");
}

#[test]
fn starttls_without_a_configuration_fails_clearly() {
    let (run, written) = run(
        TlsPolicy::RequireStartTls,
        &[
            b"220 mx.example.org ESMTP\r\n",
            b"250-mx.example.org\r\n250 STARTTLS\r\n",
            b"220 2.0.0 Ready to start TLS\r\n",
        ],
    );
    let error = run.outcome.error.expect("TLS failure");
    assert_eq!(error.kind, ErrorKind::TlsHandshake, "{error}");
    assert!(error.message.contains("no TLS configuration"), "{error}");
    assert!(written.ends_with(b"STARTTLS\r\n"));
}

#[test]
fn sleep_until_a_past_deadline_returns_at_once() {
    futures_lite::future::block_on(AsyncStd.sleep_until(Instant::now()));
}
