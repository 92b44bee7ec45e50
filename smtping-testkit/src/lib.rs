//! # smtping-testkit
//!
//! SMTPing's test bench, for your test suites and SMTPing's own: a programmable SMTP
//! server on loopback, ready-made hostile servers, a DNS responder, a test PKI, and
//! [`Pair`], which runs a client session against the server in simulated time with no
//! sockets at all.
//!
//! | module | what |
//! |---|---|
//! | [`server`] | [`TestServer`] (tokio, loopback only), its [`TestServerBuilder`], [`Behaviour`]s per [`ServerStage`], recipient and sender; what it recorded ([`ReceivedSession`]); byte-level [`Script`]s and the [`Hostile`] scenarios |
//! | [`session`] | [`ServerSession`]: the server as a sans-IO state machine (bytes and time in, [`ServerOutput`] out) — what `TestServer` runs per connection |
//! | [`pair`] | [`Pair`]: `smtping_proto::session::Session` against a `ServerSession` on a virtual clock, TLS simulated |
//! | [`certs`] | [`TestPki`]: a root, an intermediate and server certificates for every verification verdict ([`Scenario`]) |
//! | [`imap`] | [`imap::ImapServer`]: a scripted IMAP4rev1 server (folders, users, STARTTLS or implicit TLS, delayed delivery, hostile modes) for seed mailboxes |
//! | [`dns`] | [`dns::DnsResponder`]: an authoritative DNS server on loopback (UDP and TCP) with faults |
//! | [`https`] | [`https::HttpsServer`]: fixed HTTPS responses by path on loopback (an MTA-STS policy, a redirect) |
//!
//! Add it as a dev-dependency (it never depends on `smtping-client`, so any SMTP client
//! can be tested with it):
//!
//! ```toml
//! [dev-dependencies]
//! smtping-testkit = "0.1"
//! ```
//!
//! Everything is bounded (line length, message size, commands, connections, idle and
//! session time, script bytes and duration, Pair steps and simulated time), and the server
//! listens on loopback only.
//!
//! # A server over real sockets
//!
//! Program what the server says, point your code at [`TestServer::addr`], then assert on
//! what the server received:
//!
//! ```
//! use smtping_testkit::{Behaviour, TestServer};
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let server = TestServer::builder()
//!     .recipient("bob@example.test", Behaviour::reply(550, "5.1.1 user unknown"))
//!     .start()
//!     .await?;
//! // The code under test, here a few raw lines of SMTP:
//! let mut smtp = BufReader::new(tokio::net::TcpStream::connect(server.addr()).await?);
//! let mut line = String::new();
//! smtp.read_line(&mut line).await?; // 220
//! smtp.write_all(b"HELO app.test\r\nMAIL FROM:<app@example.test>\r\nRCPT TO:<bob@example.test>\r\nQUIT\r\n").await?;
//! for _ in 0..4 {
//!     line.clear();
//!     smtp.read_line(&mut line).await?;
//! }
//! let sessions = server.wait_for_sessions(1, std::time::Duration::from_secs(5)).await.unwrap();
//! assert_eq!(sessions[0].transactions[0].recipients[0].code, 550);
//! assert!(sessions[0].quit());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Hostile servers and scripts
//!
//! [`Hostile`] lists ready-made broken servers (silence, a trickled greeting, endless
//! replies, a 10 MiB line, STARTTLS injection, garbage instead of TLS, …); a [`Script`]
//! writes your own, byte by byte:
//!
//! ```
//! use std::time::Duration;
//! use smtping_testkit::{Hostile, Script, TestServer};
//!
//! let hostile = TestServer::builder().hostile(Hostile::StartTlsInjection);
//! let custom = TestServer::builder().script(
//!     Script::new()
//!         .send("220 mx.test ESMTP\r\n")
//!         .expect_line("EHLO")
//!         .sleep(Duration::from_secs(10)) // then a reply the client must refuse
//!         .send("250-a\r\n550 b\r\n")
//!         .close(),
//! );
//! # let _ = (hostile, custom);
//! ```
//!
//! # Simulated time: `Pair`
//!
//! A test of timeouts over real sockets waits real seconds. [`Pair`] runs the client's
//! sans-IO `Session` (from `smtping-proto`) against a [`ServerSession`] made from the same
//! builder, with no sockets, and jumps a virtual clock to the next deadline whenever both
//! sides wait: a silent server costs microseconds.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use smtping_proto::session::{ErrorKind, Phase, Plan, Timeouts};
//! use smtping_proto::Domain;
//! use smtping_testkit::{Hostile, Pair, SessionEnd, TestServer};
//!
//! // One byte per second: the 29-byte greeting would take 28 s.
//! let plan = Plan::new(Domain::ehlo_name("client.test")?).timeouts(Timeouts::all(Duration::from_secs(10)));
//! let server = TestServer::builder().hostile(Hostile::TrickleGreeting).plan()?;
//! let wall = Instant::now();
//! let run = Pair::new(plan, server).run()?;
//! let error = run.outcome.error.as_ref().unwrap();
//! assert_eq!((error.phase, error.kind), (Phase::Greeting, ErrorKind::Timeout));
//! assert_eq!(run.client_elapsed, Duration::from_secs(10)); // simulated...
//! assert!(wall.elapsed() < Duration::from_secs(5)); // ...not waited for
//! assert_eq!(run.server_end, SessionEnd::ClientClosed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Your own driver: `ServerSession`
//!
//! The server core is sans-IO, like the client's: feed it bytes and time, do what
//! [`ServerOutput`] says (see the [`session`] module for an example). `TestServer` is one
//! such driver over tokio; `Pair` is another.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod certs;
pub mod dns;
pub mod https;
pub mod imap;
pub mod pair;
pub mod server;
pub mod session;

pub use certs::{Scenario, TestPki};
pub use pair::{Pair, PairError, PairRun, SimulatedTls};
/// The ready-made hostile [`Script`]s, also as functions with parameters
/// (`hostile::trickle_greeting(every)`, `hostile::long_line(bytes)`, …).
pub use server::hostile;
pub use server::{
    AuthConfig, Behaviour, Hostile, ReceivedSession, SaslMechanism, Script, ServerError,
    ServerPlan, ServerReply, ServerStage, ServerTls, SessionEnd, Step, TestServer,
    TestServerBuilder,
};
pub use session::{ServerOutput, ServerSession};
