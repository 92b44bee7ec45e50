//! The DNS loop, written once for every runtime: it moves the datagrams of a sans-IO
//! [`Lookup`] over a [`Runtime`]'s sockets.
//!
//! 1. send every [`Transmit`]: UDP over a socket connected to that server (one per
//!    server, created on first use, so the kernel drops datagrams from other addresses
//!    and reports ICMP "port unreachable" as an error at once), or TCP: connect, write
//!    the 2-byte length and the message, read one length-prefixed answer (at most
//!    65 535 bytes by construction);
//! 2. wait for whichever comes first: a datagram on any of those sockets (polled from a
//!    rotating start so a chatty one cannot starve the others), the TCP answer, or the
//!    core's [`poll_timeout`](Lookup::poll_timeout) deadline;
//! 3. hand it to `handle_udp` / `handle_tcp` / `handle_transport_error`, then always
//!    `handle_timeout(now)`; repeat until the lookup has a result.

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::{Pin, pin};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_util::future::{Either, select};
use smtping_proto::dns::{Lookup, Protocol, Transmit};

use smtping_proto::dns::{Answer, DnsError, LookupStats};

use super::{Connection, Runtime};

/// Receive buffer for UDP answers: above the 1232-byte EDNS size we advertise; a larger
/// (non-compliant) datagram arrives cut and is reported as malformed.
const UDP_BUFFER: usize = 4096;

/// Moves the datagrams of a sans-IO [`Lookup`] for one async runtime. The tokio one is
/// `TokioDns`; the async-std/smol one is `AsyncStdDns`.
pub trait DnsTransport: Clone + Send + Sync + 'static {
    /// Drives `lookup` to its result.
    fn drive(&self, lookup: Lookup) -> impl Future<Output = LookupOutcome> + Send;

    /// The current time as the transport's timers see it.
    fn now(&self) -> Instant {
        Instant::now()
    }

    /// Runs two lookups concurrently.
    fn join<A, B>(&self, a: A, b: B) -> impl Future<Output = (A::Output, B::Output)> + Send
    where
        A: Future + Send,
        B: Future + Send,
        A::Output: Send,
        B::Output: Send,
    {
        futures_util::future::join(a, b)
    }
}

/// The outcome of one lookup with its cost.
#[non_exhaustive]
#[derive(Clone, Debug)]
pub struct LookupOutcome {
    /// The answer or the error (naming the query and server).
    pub result: Result<Answer, DnsError>,
    /// From the first query to the result.
    pub elapsed: Duration,
    /// Queries sent, over TCP, messages ignored.
    pub stats: LookupStats,
}

impl LookupOutcome {
    /// The outcome of a driven lookup; `waited` is used when the lookup never sent a query.
    /// Every [`DnsTransport`] ends its loop with this.
    pub(crate) fn from_lookup(lookup: Lookup, waited: Duration) -> Self {
        let elapsed = lookup.elapsed().unwrap_or(waited);
        let stats = lookup.stats();
        let question = lookup.question().clone();
        let result = lookup.into_result().unwrap_or_else(|| {
            // Unreachable in practice: drivers only stop once the lookup has a result.
            Err(DnsError::Timeout {
                question,
                servers: Vec::new(),
                transmissions: stats.transmissions,
            })
        });
        Self {
            result,
            elapsed,
            stats,
        }
    }
}

/// A DNS message framed for TCP: its 16-bit big-endian length, then the message
/// (RFC 1035 §4.2.2). Shared by every [`DnsTransport`].
pub(crate) fn tcp_frame(payload: &[u8]) -> std::io::Result<Vec<u8>> {
    let len = u16::try_from(payload.len()).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "query longer than 65535 bytes",
        )
    })?;
    let mut framed = Vec::with_capacity(payload.len() + 2);
    framed.extend_from_slice(&len.to_be_bytes());
    framed.extend_from_slice(payload);
    Ok(framed)
}

/// One connected UDP socket with the buffer its `recv` fills.
struct Peer<U> {
    server: SocketAddr,
    socket: U,
    buf: Vec<u8>,
}

type TcpExchange<'a> = Pin<Box<dyn Future<Output = io::Result<Vec<u8>>> + Send + 'a>>;

enum Event {
    Udp(usize, io::Result<usize>),
    Tcp(SocketAddr, io::Result<Vec<u8>>),
    Deadline,
}

/// Drives `lookup` to its result over `rt`'s sockets and timers.
pub async fn drive_lookup<R: Runtime>(rt: &R, mut lookup: Lookup) -> LookupOutcome {
    let started = rt.now();
    let mut peers: Vec<Peer<R::Udp>> = Vec::new();
    let mut tcp: Option<(SocketAddr, TcpExchange<'_>)> = None;
    let mut first = 0usize;
    loop {
        while let Some(tx) = lookup.poll_transmit() {
            if tx.protocol == Protocol::Tcp {
                tcp = Some((tx.server, Box::pin(tcp_exchange(rt, tx))));
            } else if let Err(e) = send_udp(rt, &mut peers, &tx).await {
                let _ = lookup.handle_transport_error(
                    tx.server,
                    Protocol::Udp,
                    &e.to_string(),
                    rt.now(),
                );
            }
        }
        if lookup.is_finished() {
            break;
        }
        let Some(deadline) = lookup.poll_timeout() else {
            break;
        };
        first = first.wrapping_add(1);
        let event = next_event(rt, &mut peers, tcp.as_mut(), first, deadline).await;
        match event {
            Event::Udp(index, Ok(n)) => {
                let peer = &peers[index];
                let _ = lookup.handle_udp(peer.server, &peer.buf[..n], rt.now());
            }
            Event::Udp(index, Err(e)) => {
                // Drop the socket so a persistent error cannot spin this loop; a later
                // query to that server opens a new one.
                let peer = peers.swap_remove(index);
                let _ = lookup.handle_transport_error(
                    peer.server,
                    Protocol::Udp,
                    &e.to_string(),
                    rt.now(),
                );
            }
            Event::Tcp(server, result) => {
                tcp = None;
                let _ = match result {
                    Ok(message) => lookup.handle_tcp(server, &message, rt.now()),
                    Err(e) => lookup.handle_transport_error(
                        server,
                        Protocol::Tcp,
                        &e.to_string(),
                        rt.now(),
                    ),
                };
            }
            Event::Deadline => {}
        }
        lookup.handle_timeout(rt.now());
    }
    LookupOutcome::from_lookup(lookup, rt.now().saturating_duration_since(started))
}

/// The first of: a datagram on any peer, the TCP answer, the deadline.
async fn next_event<R: Runtime>(
    rt: &R,
    peers: &mut [Peer<R::Udp>],
    tcp: Option<&mut (SocketAddr, TcpExchange<'_>)>,
    first: usize,
    deadline: Instant,
) -> Event {
    let mut receives: Vec<_> = peers
        .iter_mut()
        .enumerate()
        .map(|(i, peer)| {
            let Peer { socket, buf, .. } = peer;
            Box::pin(async move { (i, rt.udp_recv(socket, buf).await) })
        })
        .collect();
    let udp = poll_fn(|cx| {
        let n = receives.len();
        for k in 0..n {
            if let Poll::Ready((i, r)) = receives[(first + k) % n].as_mut().poll(cx) {
                return Poll::Ready(Event::Udp(i, r));
            }
        }
        Poll::Pending
    });
    let tcp_answer = async {
        match tcp {
            Some((server, fut)) => Event::Tcp(*server, fut.await),
            None => std::future::pending().await,
        }
    };
    let timer = async {
        rt.sleep_until(deadline).await;
        Event::Deadline
    };
    let network = pin!(async {
        match select(pin!(udp), pin!(tcp_answer)).await {
            Either::Left((ev, _)) | Either::Right((ev, _)) => ev,
        }
    });
    match select(network, pin!(timer)).await {
        Either::Left((ev, _)) | Either::Right((ev, _)) => ev,
    }
}

/// Sends over the socket connected to `tx.server`, creating it on first use.
async fn send_udp<R: Runtime>(
    rt: &R,
    peers: &mut Vec<Peer<R::Udp>>,
    tx: &Transmit,
) -> io::Result<()> {
    let index = match peers.iter().position(|p| p.server == tx.server) {
        Some(i) => i,
        None => {
            let socket = rt.udp_connect(tx.server).await?;
            peers.push(Peer {
                server: tx.server,
                socket,
                buf: vec![0u8; UDP_BUFFER],
            });
            peers.len() - 1
        }
    };
    rt.udp_send(&peers[index].socket, &tx.payload).await
}

/// One query over TCP: connect, write length + message, read one length-prefixed
/// message (bounded by the 16-bit length). The loop bounds it in time.
async fn tcp_exchange<R: Runtime>(rt: &R, tx: Transmit) -> io::Result<Vec<u8>> {
    let framed = tcp_frame(&tx.payload)?;
    let (mut stream, _) = rt.tcp_connect(tx.server).await?;
    stream.write_all(&framed).await?;
    let mut prefix = [0u8; 2];
    read_exact(&mut stream, &mut prefix).await?;
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    read_exact(&mut stream, &mut message).await?;
    Ok(message)
}

async fn read_exact<C: Connection>(stream: &mut C, mut buf: &mut [u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match stream.read(buf).await? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => buf = &mut buf[n..],
        }
    }
    Ok(())
}
