//! [`TestServer`]: the loopback listener, its accept loop and the shared record of what
//! it served; each connection is a [`ServerSession`] driven by the thin tokio shell.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::{Instant, timeout_at};

use crate::session::ServerSession;

use super::shell::{self, Recorder, Shared};
use super::{
    Hostile, MAX_RECORDED_SESSIONS, ReceivedSession, ReceivedTransaction, ServerError, Settings,
};

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
    /// Starts a healthy server with the defaults.
    ///
    /// # Errors
    ///
    /// See [`TestServerBuilder::start`](super::TestServerBuilder::start).
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
    /// with [`ServerTls`](super::ServerTls) and [`hostile`](super::TestServerBuilder::hostile)).
    ///
    /// # Errors
    ///
    /// See [`TestServerBuilder::start`](super::TestServerBuilder::start).
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

    pub(crate) async fn launch(
        bind: SocketAddr,
        settings: Arc<Settings>,
    ) -> Result<Self, ServerError> {
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
