//! [`HttpsServer`]: a small HTTPS server on loopback that answers fixed responses by path —
//! an MTA-STS policy at `/.well-known/mta-sts.txt`, a redirect, a wrong content type — over
//! the testkit's TLS ([`TestPki`](crate::certs::TestPki) certificates).
//!
//! It reads one request per connection (at most [`MAX_REQUEST_BYTES`] of request head, within
//! [`REQUEST_TIMEOUT`]), answers it with `Connection: close` and hangs up. Only `GET` is
//! served; an unknown path gets 404. It listens on 127.0.0.1 only.
//!
//! ```
//! use smtping_testkit::certs::{Scenario, TestPki};
//! use smtping_testkit::https::{HttpsResponse, HttpsServer};
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let pki = TestPki::new()?;
//! let cert = pki.server_cert(Scenario::Valid, &["mta-sts.example.test"])?;
//! let server = HttpsServer::builder(cert)
//!     .route("/.well-known/mta-sts.txt", HttpsResponse::mta_sts_policy(
//!         "version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 86400\n",
//!     ))
//!     .start()
//!     .await?;
//! assert!(server.addr().ip().is_loopback());
//! assert_eq!(server.requests(), 0);
//! server.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::server::{ServerError, TlsIdentity};

/// The longest request head read (request line and headers).
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;
/// How long a client has to send its request head.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// One fixed response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl HttpsResponse {
    /// A response with this status, content type and body.
    ///
    /// ```
    /// use smtping_testkit::https::HttpsResponse;
    /// let r = HttpsResponse::new(200, "text/html", "<p>not a policy</p>");
    /// assert_eq!(r.status(), 200);
    /// ```
    #[must_use]
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// An MTA-STS policy: 200, `text/plain`.
    #[must_use]
    pub fn mta_sts_policy(policy: &str) -> Self {
        Self::new(200, "text/plain", policy)
    }

    /// A redirect (`301` with `Location`).
    ///
    /// ```
    /// use smtping_testkit::https::HttpsResponse;
    /// assert_eq!(HttpsResponse::redirect("https://elsewhere.test/").status(), 301);
    /// ```
    #[must_use]
    pub fn redirect(location: &str) -> Self {
        let mut r = Self::new(301, "text/plain", "moved\n");
        r.headers.push(("Location".into(), location.into()));
        r
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            301 => "Moved Permanently",
            302 => "Found",
            404 => "Not Found",
            405 => "Method Not Allowed",
            _ => "Status",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\n", self.status);
        for (k, v) in &self.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str(&format!(
            "Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.body.len()
        ));
        let mut out = head.into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

/// Builds an [`HttpsServer`].
pub struct HttpsServerBuilder {
    identity: TlsIdentity,
    routes: Vec<(String, HttpsResponse)>,
}

impl HttpsServerBuilder {
    /// Answers `GET path` with `response`.
    #[must_use]
    pub fn route(mut self, path: &str, response: HttpsResponse) -> Self {
        self.routes.push((path.to_owned(), response));
        self
    }

    /// Binds 127.0.0.1 on a free port and starts serving.
    ///
    /// # Errors
    ///
    /// [`ServerError::Tls`] when the certificate cannot make a TLS configuration,
    /// [`ServerError::Bind`] when no port can be bound.
    pub async fn start(self) -> Result<HttpsServer, ServerError> {
        let config = self.identity.config()?;
        let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
        let listener = TcpListener::bind(bind)
            .await
            .map_err(|source| ServerError::Bind { addr: bind, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServerError::Bind { addr: bind, source })?;
        let requests = Arc::new(AtomicUsize::new(0));
        let routes = Arc::new(self.routes);
        let (stop, mut stopped) = oneshot::channel::<()>();
        let acceptor = TlsAcceptor::from(config);
        let counter = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    accepted = listener.accept() => {
                        let Ok((tcp, _)) = accepted else { continue };
                        let acceptor = acceptor.clone();
                        let routes = Arc::clone(&routes);
                        let counter = Arc::clone(&counter);
                        tokio::spawn(async move {
                            let _ = tokio::time::timeout(REQUEST_TIMEOUT, async move {
                                let mut tls = acceptor.accept(tcp).await.ok()?;
                                let head = read_head(&mut tls).await?;
                                counter.fetch_add(1, Ordering::Relaxed);
                                let response = respond(&head, &routes);
                                tls.write_all(&response.to_bytes()).await.ok()?;
                                tls.shutdown().await.ok()
                            })
                            .await;
                        });
                    }
                }
            }
        });
        Ok(HttpsServer {
            addr,
            requests,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

/// The request head (up to the blank line), or `None` when the client sent more than
/// [`MAX_REQUEST_BYTES`] or hung up first.
async fn read_head<S: AsyncReadExt + Unpin>(stream: &mut S) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let n = stream.read(&mut buf).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&buf[..n]);
        if head.windows(4).any(|w| w == b"\r\n\r\n") {
            return Some(head);
        }
        if head.len() > MAX_REQUEST_BYTES {
            return None;
        }
    }
}

fn respond(head: &[u8], routes: &[(String, HttpsResponse)]) -> HttpsResponse {
    let line = head.split(|&b| b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split(' ');
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    if method != "GET" {
        return HttpsResponse::new(405, "text/plain", "only GET\n");
    }
    routes.iter().find(|(p, _)| p == path).map_or_else(
        || HttpsResponse::new(404, "text/plain", "not found\n"),
        |(_, r)| r.clone(),
    )
}

/// A running HTTPS server (see the [module](self) documentation).
pub struct HttpsServer {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl HttpsServer {
    /// A server with this certificate and no routes yet.
    pub fn builder(identity: impl Into<TlsIdentity>) -> HttpsServerBuilder {
        HttpsServerBuilder {
            identity: identity.into(),
            routes: Vec::new(),
        }
    }

    /// The address it listens on (127.0.0.1).
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests it has read.
    #[must_use]
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// Stops accepting and waits for the accept loop to end.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_answer_their_path_and_everything_else_is_404_or_405() {
        let routes = vec![(
            "/.well-known/mta-sts.txt".to_owned(),
            HttpsResponse::mta_sts_policy("version: STSv1\n"),
        )];
        let ok = respond(b"GET /.well-known/mta-sts.txt HTTP/1.1\r\n\r\n", &routes);
        assert_eq!(ok.status(), 200);
        let bytes = String::from_utf8(ok.to_bytes()).unwrap();
        assert!(bytes.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"));
        assert!(bytes.contains("Content-Length: 15\r\n"));
        assert!(bytes.ends_with("\r\n\r\nversion: STSv1\n"));
        assert_eq!(
            respond(b"GET /other HTTP/1.1\r\n\r\n", &routes).status(),
            404
        );
        assert_eq!(
            respond(b"POST /.well-known/mta-sts.txt HTTP/1.1\r\n\r\n", &routes).status(),
            405
        );
        let moved =
            String::from_utf8(HttpsResponse::redirect("https://x.test/").to_bytes()).unwrap();
        assert!(moved.contains("Location: https://x.test/\r\n"));
    }

    #[tokio::test]
    async fn a_head_longer_than_the_limit_is_dropped() {
        let (mut client, mut server) = tokio::io::duplex(64 * 1024);
        let big = vec![b'a'; MAX_REQUEST_BYTES + 2048];
        tokio::spawn(async move {
            let _ = client.write_all(&big).await;
        });
        assert_eq!(read_head(&mut server).await, None);
    }
}
