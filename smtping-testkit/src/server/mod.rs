//! A programmable SMTP server on loopback, for test suites: yours, SMTPing's own, and
//! `smtping demo`.
//!
//! [`TestServer`] speaks real SMTP over tokio on `127.0.0.1` or `::1` (never another
//! address), on an ephemeral port: EHLO/HELO, PIPELINING, STARTTLS with a real rustls
//! handshake, AUTH PLAIN/LOGIN/CRAM-MD5, MAIL/RCPT/DATA with proper sequencing, SIZE,
//! dot-unstuffing, RSET, NOOP, QUIT. You program what it says at each [`ServerStage`] and for
//! each recipient or sender with a [`Behaviour`]: a reply (any code, multi-line), a
//! delay, a disconnect, silence, or `421` and close. It records every session
//! ([`ReceivedSession`]): the client's EHLO name, TLS, the AUTH user (never the
//! password), the envelopes, the messages and the command lines (AUTH payloads
//! redacted), so your test can assert what your code sent.
//!
//! For fault injection, a [`Script`] replaces SMTP with raw bytes, and [`Hostile`] lists
//! ready-made hostile servers (silence, trickling, endless replies, 10 MB lines, STARTTLS
//! injection, garbage instead of TLS, …).
//!
//! Everything is bounded: line length, message size, commands per session, simultaneous
//! connections, idle time and session time; a misbehaving client gets an error reply or
//! a closed connection, never unbounded memory. The server stops, and its port is
//! released, on [`TestServer::shutdown`] or when the handle is dropped.
//!
//! Each connection is a sans-IO [`ServerSession`](crate::session::ServerSession) (the
//! dialogue and the behaviours) driven by a thin tokio shell (the socket, the sleeps, the
//! rustls handshake). [`TestServerBuilder::plan`] gives the same configuration without a
//! listener, for [`Pair`](crate::pair::Pair) and simulated time.
//!
//! # Example: assert that your code reports a bounce
//!
//! Suppose your application has a `send_welcome_mail` function talking SMTP to a
//! configurable relay. Point it at the test server, make the server refuse one recipient,
//! and check both what your code reports and what the server received:
//!
//! ```
//! use smtping_testkit::server::{Behaviour, TestServer};
//! use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
//!
//! /// The code under test (a minimal SMTP client): returns the RCPT reply code.
//! async fn send_welcome_mail(relay: std::net::SocketAddr, to: &str) -> std::io::Result<u16> {
//!     let mut smtp = BufReader::new(tokio::net::TcpStream::connect(relay).await?);
//!     reply(&mut smtp).await?; // 220
//!     for command in ["EHLO app.example", "MAIL FROM:<app@example.com>"] {
//!         smtp.write_all(format!("{command}\r\n").as_bytes()).await?;
//!         reply(&mut smtp).await?;
//!     }
//!     smtp.write_all(format!("RCPT TO:<{to}>\r\n").as_bytes()).await?;
//!     let code = reply(&mut smtp).await?;
//!     if code == 250 {
//!         smtp.write_all(b"DATA\r\n").await?;
//!         reply(&mut smtp).await?; // 354
//!         smtp.write_all(b"Subject: Welcome\r\n\r\nHello!\r\n.\r\n").await?;
//!         reply(&mut smtp).await?;
//!     }
//!     smtp.write_all(b"QUIT\r\n").await?;
//!     reply(&mut smtp).await?;
//!     Ok(code)
//! }
//!
//! /// Reads one (possibly multi-line) reply and returns its code.
//! async fn reply(smtp: &mut BufReader<tokio::net::TcpStream>) -> std::io::Result<u16> {
//!     let mut line = String::new();
//!     loop {
//!         line.clear();
//!         if smtp.read_line(&mut line).await? == 0 {
//!             return Err(std::io::ErrorKind::UnexpectedEof.into());
//!         }
//!         if line.as_bytes().get(3) != Some(&b'-') {
//!             return Ok(line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0));
//!         }
//!     }
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let server = TestServer::builder()
//!     .recipient("bob@example.test", Behaviour::reply(550, "5.1.1 <bob@example.test>: user unknown"))
//!     .start()
//!     .await?;
//!
//! assert_eq!(send_welcome_mail(server.addr(), "bob@example.test").await?, 550);
//! assert_eq!(send_welcome_mail(server.addr(), "alice@example.test").await?, 250);
//!
//! let sessions = server.received();
//! assert_eq!(sessions.len(), 2);
//! assert_eq!(sessions[0].client_name.as_deref(), Some("app.example"));
//! assert_eq!(sessions[0].transactions[0].recipients[0].code, 550);
//! assert!(sessions[0].delivered().next().is_none());
//! let delivered = server.delivered();
//! assert_eq!(delivered.len(), 1);
//! assert_eq!(delivered[0].mail_from, "app@example.com");
//! let message = delivered[0].message.as_ref().unwrap();
//! assert_eq!(message.text(), "Subject: Welcome\r\n\r\nHello!\r\n");
//! assert!(sessions.iter().all(|s| s.quit()));
//! server.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: STARTTLS and AUTH with the test PKI
//!
//! ```
//! use smtping_testkit::certs::{Scenario, TestPki};
//! use smtping_testkit::server::{AuthConfig, SaslMechanism, TestServer, ServerTls};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let pki = TestPki::new()?; // clients trust pki.ca_cert_der() / pki.root_store()
//! let server = TestServer::builder()
//!     .tls(ServerTls::starttls(pki.server_cert(Scenario::Valid, &["mx.test"])?))
//!     .auth(
//!         AuthConfig::new()
//!             .user("alice", "secret")
//!             .mechanisms([SaslMechanism::Plain, SaslMechanism::Login])
//!             .require_tls(true), // AUTH offered only after STARTTLS
//!     )
//!     .require_tls(true) // MAIL before STARTTLS gets 530 5.7.0
//!     .start()
//!     .await?;
//! // Run your client against server.addr(), trusting pki.root_store(), then assert on
//! // server.received(): each session's `tls`, `auth_user` and `transactions`.
//! assert!(server.received().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: a hostile server
//!
//! ```
//! use std::time::Duration;
//! use tokio::io::AsyncReadExt;
//! use smtping_testkit::server::{Hostile, TestServer};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let server = TestServer::hostile(Hostile::NonNumericCode).await?;
//! let mut client = tokio::net::TcpStream::connect(server.addr()).await?;
//! let mut first = [0u8; 4];
//! client.read_exact(&mut first).await?;
//! assert_eq!(&first, b"abc ");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod auth;
pub(crate) mod behaviour;
pub(crate) mod builder;
mod error;
pub mod hostile;
mod listener;
pub(crate) mod plan;
mod record;
mod reply;
mod script;
mod shell;

pub use auth::{AuthConfig, SaslMechanism};
pub use behaviour::{Behaviour, ServerStage};
pub use builder::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_COMMANDS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_DATA_BYTES,
    DEFAULT_MAX_LINE_LENGTH, DEFAULT_SESSION_TIMEOUT, ServerTls, TestServerBuilder, TlsIdentity,
};
pub use hostile::Hostile;
pub use record::{
    AuthAttempt, ReceivedMessage, ReceivedRecipient, ReceivedSession, ReceivedTls,
    ReceivedTransaction, SessionEnd,
};
pub use reply::{ServerReply, ServerReplyError};
pub use script::{DEFAULT_SCRIPT_MAX_BYTES, DEFAULT_SCRIPT_MAX_DURATION, Script, Step};

pub use error::ServerError;
pub use listener::TestServer;
pub use plan::ServerPlan;
pub(crate) use plan::Settings;
pub use record::{MAX_RECORDED_BYTES, MAX_RECORDED_SESSIONS};
