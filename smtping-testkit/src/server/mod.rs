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
//! Each connection is a sans-IO [`ServerSession`] (the
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
pub mod hostile;
mod record;
mod reply;
mod script;
mod shell;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, Semaphore, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, timeout_at};

use crate::session::ServerSession;

pub use auth::{AuthConfig, SaslMechanism};
pub use behaviour::{Behaviour, ServerStage};
pub use builder::{
    DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_COMMANDS, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_DATA_BYTES,
    DEFAULT_MAX_LINE_LENGTH, DEFAULT_SESSION_TIMEOUT, ServerPlan, ServerTls, TestServerBuilder,
    TlsIdentity,
};
pub use hostile::Hostile;
pub use record::{
    AuthAttempt, ReceivedMessage, ReceivedRecipient, ReceivedSession, ReceivedTls,
    ReceivedTransaction, SessionEnd,
};
pub use reply::{ServerReply, ServerReplyError};
pub use script::{DEFAULT_SCRIPT_MAX_BYTES, DEFAULT_SCRIPT_MAX_DURATION, Script, Step};

pub(crate) use builder::Settings;

/// Sessions kept in [`TestServer::received`]; later ones are served but not recorded.
pub const MAX_RECORDED_SESSIONS: usize = 1024;
/// Bytes of command lines and message bodies the server keeps in all (beyond, bodies are
/// marked not stored and command lines are no longer recorded).
pub const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;

/// The test server could not start.
///
/// ```
/// use smtping_testkit::server::ServerError;
/// let e = ServerError::NotLoopback { addr: "192.0.2.1:25".parse()? };
/// assert!(e.to_string().contains("only loopback"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// The address is not a loopback address.
    #[error(
        "test SMTP server: refusing to listen on {addr}: only loopback addresses (127.0.0.1, ::1) are allowed"
    )]
    NotLoopback {
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Binding the listener failed.
    #[error("test SMTP server: cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A configured reply has a bad code or a line break in a line.
    #[error("test SMTP server: the reply configured for {at} is invalid: {source}")]
    InvalidReply {
        /// Where it was configured (`stage RCPT`, `recipient "bob@x"`, …).
        at: String,
        /// What is wrong.
        #[source]
        source: ServerReplyError,
    },
    /// The TLS certificate could not be turned into a rustls configuration.
    #[error("test SMTP server: cannot use the TLS certificate: {source}")]
    Tls {
        /// rustls' error.
        #[source]
        source: rustls::Error,
    },
    /// Another setting is unusable; the text says which.
    #[error("test SMTP server: {0}")]
    InvalidSetting(String),
}

/// State shared by the accept loop, the sessions and the handle.
#[derive(Debug, Default)]
struct Shared {
    sessions: Mutex<Vec<ReceivedSession>>,
    accepted: AtomicUsize,
    refused: AtomicUsize,
    recorded_bytes: Arc<AtomicUsize>,
    ended: Notify,
}

impl Shared {
    fn sessions(&self) -> std::sync::MutexGuard<'_, Vec<ReceivedSession>> {
        self.sessions.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A session's handle on its slot in [`TestServer::received`].
pub(crate) struct Recorder {
    shared: Arc<Shared>,
    index: Option<usize>,
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
    fn finish(&self, end: SessionEnd) {
        if let Some(index) = self.index
            && let Some(slot) = self.shared.sessions().get_mut(index)
        {
            slot.end = Some(end);
        }
        self.shared.ended.notify_waiters();
    }
}

/// A running test SMTP server. Dropping it (or [`shutdown`](TestServer::shutdown)) stops
/// it: the listener closes and every connection is cut.
///
/// ```
/// use smtping_testkit::server::TestServer;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let server = TestServer::start().await?; // a healthy server with the defaults
/// let addr = server.addr();
/// assert!(addr.ip().is_loopback() && addr.port() != 0);
/// server.shutdown().await;
/// assert!(tokio::net::TcpStream::connect(addr).await.is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use = "the server stops when this handle is dropped"]
pub struct TestServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl TestServer {
    /// A builder with the defaults (see [`TestServerBuilder`]).
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().hostname("mx.example.test");
    /// # let _ = builder;
    /// ```
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    /// Starts a healthy server with the defaults.
    ///
    /// # Errors
    ///
    /// See [`TestServerBuilder::start`].
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// # let _ = server;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn start() -> Result<Self, ServerError> {
        Self::builder().start().await
    }

    /// Starts a server playing a [`Hostile`] scenario with the defaults (no TLS
    /// certificate: for [`Hostile::StartTlsInjection`] with a handshake, use the builder
    /// with [`ServerTls`] and [`hostile`](TestServerBuilder::hostile)).
    ///
    /// # Errors
    ///
    /// See [`TestServerBuilder::start`].
    ///
    /// ```
    /// use tokio::io::AsyncReadExt;
    /// use smtping_testkit::server::{Hostile, TestServer};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::hostile(Hostile::InvalidCode).await?;
    /// let mut client = tokio::net::TcpStream::connect(server.addr()).await?;
    /// let mut code = [0u8; 3];
    /// client.read_exact(&mut code).await?;
    /// assert_eq!(&code, b"999");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn hostile(scenario: Hostile) -> Result<Self, ServerError> {
        Self::builder().hostile(scenario).start().await
    }

    async fn launch(bind: SocketAddr, settings: Arc<Settings>) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| ServerError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr: bind, source })?;
        let shared = Arc::new(Shared::default());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(
            listener,
            settings,
            Arc::clone(&shared),
            stopped,
        ));
        Ok(Self {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address the server listens on.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::builder().ipv6().start().await?;
    /// assert_eq!(server.addr().ip(), std::net::Ipv6Addr::LOCALHOST);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A copy of every recorded session, in accept order (the first
    /// [`MAX_RECORDED_SESSIONS`]). Sessions still open are included as far as they got.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// assert!(server.received().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn received(&self) -> Vec<ReceivedSession> {
        self.shared.sessions().clone()
    }

    /// Every transaction whose message was accepted, across sessions, in order.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// assert!(server.delivered().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn delivered(&self) -> Vec<ReceivedTransaction> {
        self.shared
            .sessions()
            .iter()
            .flat_map(|s| s.delivered().cloned())
            .collect()
    }

    /// Connections accepted so far (recorded or not).
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// assert_eq!(server.connections(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn connections(&self) -> usize {
        self.shared.accepted.load(Ordering::Relaxed)
    }

    /// Connections turned away with `421` because too many were open.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// assert_eq!(server.refused_connections(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn refused_connections(&self) -> usize {
        self.shared.refused.load(Ordering::Relaxed)
    }

    /// Waits until at least `count` recorded sessions have ended (the client quit or
    /// left, or the server closed), for at most `timeout`; returns the sessions then, or
    /// `None` on timeout. Use it when the client side cannot tell that the server is done
    /// (e.g. the client just dropped the connection).
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// drop(tokio::net::TcpStream::connect(server.addr()).await?);
    /// let sessions = server.wait_for_sessions(1, Duration::from_secs(5)).await.unwrap();
    /// assert!(sessions[0].end.is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn wait_for_sessions(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Option<Vec<ReceivedSession>> {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.shared.ended.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let sessions = self.shared.sessions();
                if sessions.iter().filter(|s| s.end.is_some()).count() >= count {
                    return Some(sessions.clone());
                }
            }
            if timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Stops the server and waits until the listener and every connection are closed.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let server = TestServer::start().await?;
    /// let addr = server.addr();
    /// server.shutdown().await;
    /// let again = tokio::net::TcpListener::bind(addr).await; // the port is free
    /// assert!(again.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            // Aborting drops the listener and the set of connection tasks, which aborts
            // them all.
            task.abort();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    settings: Arc<Settings>,
    shared: Arc<Shared>,
    mut stop: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(settings.max_connections));
    let mut connections = JoinSet::new();
    let busy = format!(
        "421 4.7.0 {} Error: too many connections, try again later\r\n",
        settings.hostname
    );
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((tcp, peer)) = accepted else {
                    // Out of descriptors or a similar transient error: do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                    shared.refused.fetch_add(1, Ordering::Relaxed);
                    let _ = tcp.try_write(busy.as_bytes());
                    continue;
                };
                let id = shared.accepted.fetch_add(1, Ordering::Relaxed);
                let record = ReceivedSession { id, peer: Some(peer), ..ReceivedSession::default() };
                let index = {
                    let mut sessions = shared.sessions();
                    (sessions.len() < MAX_RECORDED_SESSIONS).then(|| {
                        sessions.push(record.clone());
                        sessions.len() - 1
                    })
                };
                let recorder = Recorder { shared: Arc::clone(&shared), index };
                let core = ServerSession::recorded(
                    &settings,
                    std::time::Instant::now(),
                    record,
                    index.is_some(),
                    Arc::clone(&shared.recorded_bytes),
                );
                let settings = Arc::clone(&settings);
                connections.spawn(async move {
                    let end = shell::serve(tcp, core, settings.tls_config.as_ref(), &recorder).await;
                    recorder.finish(end);
                    drop(permit);
                });
            }
        }
    }
    drop(listener);
    connections.shutdown().await;
}
