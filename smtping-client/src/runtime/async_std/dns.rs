//! DNS over async-std sockets: the twin of the tokio transport in
//! [`net::dns`](crate::net::dns). It moves the datagrams of a sans-IO [`Lookup`] and
//! nothing else:
//!
//! 1. send every [`Transmit`]: UDP over a socket connected to that server (one per
//!    server, created on first use, so the kernel drops datagrams from other addresses
//!    and reports ICMP "port unreachable" as an error), or TCP: connect, write the 2-byte
//!    length and the message, read one length-prefixed answer (at most 65 535 bytes by
//!    construction);
//! 2. wait for whichever comes first: a `recv` on any of those sockets (async-std has no
//!    readiness API, so each socket's `recv` is raced, into its own buffer), the TCP
//!    answer, or the core's [`poll_timeout`](Lookup::poll_timeout) deadline;
//! 3. hand it to `handle_udp` / `handle_tcp` / `handle_transport_error` (a `recv` error,
//!    such as the ICMP one, drops that socket), then always `handle_timeout(now)`;
//!    repeat until the lookup has a result.
//!
//! ```no_run
//! use smtping_client::net::dns::Resolver;
//! use smtping_client::runtime::async_std::AsyncStdDns;
//! use smtping_client::net::dns::system_config;
//!
//! # async fn demo() -> Result<(), smtping_proto::dns::DnsError> {
//! let resolver = Resolver::with_transport(system_config(), AsyncStdDns);
//! let routing = resolver.lookup_mx("example.org").await?;
//! println!("{routing:?}");
//! # Ok(()) }
//! ```

use std::future::{Future, poll_fn};
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::pin::Pin;
use std::task::Poll;
use std::time::Instant;

use async_std::net::{TcpStream, UdpSocket};
use futures_lite::future::or;
use futures_util::io::{AsyncReadExt, AsyncWriteExt};
use smtping_proto::dns::{Lookup, Protocol, Transmit};

use super::sleep_until;
use crate::net::dns::{DnsTransport, LookupOutcome};

/// Receive buffer for UDP answers: above the 1232-byte EDNS size we advertise; a larger
/// (non-compliant) datagram arrives cut and is reported as malformed.
const UDP_BUFFER: usize = 4096;

/// The async-std (and smol) [`DnsTransport`]; give it to
/// [`Resolver::with_transport`](crate::net::dns::Resolver::with_transport), or let
/// [`AsyncStd`](super::AsyncStd) do it for a check.
#[derive(Clone, Copy, Debug, Default)]
pub struct AsyncStdDns;

impl DnsTransport for AsyncStdDns {
    fn drive(&self, lookup: Lookup) -> impl Future<Output = LookupOutcome> + Send {
        drive(lookup)
    }

    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// One connected UDP socket with the buffer its `recv` fills.
struct Peer {
    server: SocketAddr,
    socket: UdpSocket,
    buf: Vec<u8>,
}

type TcpExchange = Pin<Box<dyn Future<Output = io::Result<Vec<u8>>> + Send>>;
type Receive<'a> = Pin<Box<dyn Future<Output = (usize, io::Result<usize>)> + Send + 'a>>;

enum Event {
    Udp(usize, io::Result<usize>),
    Tcp(SocketAddr, io::Result<Vec<u8>>),
    Deadline,
}

/// Drives a lookup to its result over async-std sockets (usable from any executor).
///
/// The same shape as the tokio `drive` in [`net::dns`](crate::net::dns); only the
/// sockets, the timer and the way a datagram is awaited differ.
pub async fn drive(mut lookup: Lookup) -> LookupOutcome {
    let started = Instant::now();
    let mut peers: Vec<Peer> = Vec::new();
    let mut tcp: Option<(SocketAddr, TcpExchange)> = None;
    let mut first = 0usize;
    loop {
        while let Some(tx) = lookup.poll_transmit() {
            match tx.protocol {
                Protocol::Tcp => {
                    let server = tx.server;
                    tcp = Some((server, Box::pin(tcp_exchange(tx))));
                }
                _ => {
                    if let Err(e) = send_udp(&mut peers, &tx).await {
                        let _ = lookup.handle_transport_error(
                            tx.server,
                            Protocol::Udp,
                            &e.to_string(),
                            Instant::now(),
                        );
                    }
                }
            }
        }
        if lookup.is_finished() {
            break;
        }
        let Some(deadline) = lookup.poll_timeout() else {
            break;
        };
        first = first.wrapping_add(1);
        let event = {
            let mut receives: Vec<Receive<'_>> = peers
                .iter_mut()
                .enumerate()
                .map(|(i, peer)| {
                    let Peer { socket, buf, .. } = peer;
                    Box::pin(async move { (i, socket.recv(buf).await) }) as Receive<'_>
                })
                .collect();
            // Poll the sockets starting from a rotating index so a chatty one cannot
            // starve the others.
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
                match tcp.as_mut() {
                    Some((server, fut)) => Event::Tcp(*server, fut.await),
                    None => std::future::pending().await,
                }
            };
            let timer = async {
                sleep_until(deadline).await;
                Event::Deadline
            };
            or(udp, or(tcp_answer, timer)).await
        };
        match event {
            Event::Udp(index, Ok(n)) => {
                let peer = &peers[index];
                let _ = lookup.handle_udp(peer.server, &peer.buf[..n], Instant::now());
            }
            Event::Udp(index, Err(e)) => {
                // Drop the socket so a persistent error cannot spin this loop; a later
                // query to that server opens a new one.
                let peer = peers.swap_remove(index);
                let _ = lookup.handle_transport_error(
                    peer.server,
                    Protocol::Udp,
                    &e.to_string(),
                    Instant::now(),
                );
            }
            Event::Tcp(server, result) => {
                tcp = None;
                let _ = match result {
                    Ok(message) => lookup.handle_tcp(server, &message, Instant::now()),
                    Err(e) => lookup.handle_transport_error(
                        server,
                        Protocol::Tcp,
                        &e.to_string(),
                        Instant::now(),
                    ),
                };
            }
            Event::Deadline => {}
        }
        lookup.handle_timeout(Instant::now());
    }
    LookupOutcome::from_lookup(lookup, Instant::now().saturating_duration_since(started))
}

/// Sends over the socket connected to `tx.server`, creating it on first use.
async fn send_udp(peers: &mut Vec<Peer>, tx: &Transmit) -> io::Result<()> {
    let index = match peers.iter().position(|p| p.server == tx.server) {
        Some(i) => i,
        None => {
            let local: SocketAddr = match tx.server {
                SocketAddr::V4(_) => (Ipv4Addr::UNSPECIFIED, 0).into(),
                SocketAddr::V6(_) => (Ipv6Addr::UNSPECIFIED, 0).into(),
            };
            let socket = UdpSocket::bind(local).await?;
            socket.connect(tx.server).await?;
            peers.push(Peer {
                server: tx.server,
                socket,
                buf: vec![0u8; UDP_BUFFER],
            });
            peers.len() - 1
        }
    };
    peers[index].socket.send(&tx.payload).await.map(|_| ())
}

/// One query over TCP: connect, write length + message, read one length-prefixed
/// message (bounded by the 16-bit length). The caller bounds it in time.
async fn tcp_exchange(tx: Transmit) -> io::Result<Vec<u8>> {
    let framed = crate::net::dns::tcp_frame(&tx.payload)?;
    let mut stream = TcpStream::connect(tx.server).await?;
    stream.set_nodelay(true)?;
    stream.write_all(&framed).await?;
    stream.flush().await?;
    let mut prefix = [0u8; 2];
    stream.read_exact(&mut prefix).await?;
    let mut message = vec![0u8; usize::from(u16::from_be_bytes(prefix))];
    stream.read_exact(&mut message).await?;
    Ok(message)
}
