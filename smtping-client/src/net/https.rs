//! One HTTPS GET over the project's runtime primitives, for the MTA-STS policy fetch
//! (RFC 8461 §3.3): strict certificate verification, no redirects, a time limit for the
//! whole fetch, a bounded body.
//!
//! The HTTP protocol is sans-IO in
//! [`smtping_signals::mta_sts::http`] (request bytes, a response reader); this module
//! only resolves the host ([`Resolver::lookup_ip`]), connects ([`Runtime::connect`]),
//! performs the TLS handshake ([`Runtime::tls_connect`], [`VerifyMode::Strict`] with the
//! caller's [`TrustStore`], so `--ca-file` anchors count), writes the request and feeds
//! what it reads to the reader.
//!
//! ```no_run
//! use smtping_client::net::dns::Resolver;
//! use smtping_client::net::https::{fetch_mta_sts_policy, HttpsOptions};
//! use smtping_client::runtime::tokio::Tokio;
//! use smtping_client::tls::{TlsOptions, TrustStore};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let resolver = Resolver::from_system();
//! let tls = TlsOptions::default();
//! let trust = TrustStore::load(&tls)?;
//! let fetched = fetch_mta_sts_policy(&Tokio, &resolver, &tls, &trust, "example.com",
//!     &HttpsOptions::default()).await?;
//! println!("{} bytes from {}", fetched.body.len(), fetched.address);
//! # Ok(()) }
//! ```

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use smtping_signals::mta_sts::http::{
    HttpError, HttpLimits, HttpResponse, Progress, ResponseHead, ResponseReader, get_request,
};
use smtping_signals::mta_sts::{
    FetchFailure, FetchFailureKind, MAX_POLICY_BYTES, POLICY_PATH, check_policy_head, policy_host,
};

use super::dns::{DnsTransport, IpFamilies, Resolver};
use crate::runtime::{Connection, Runtime, within};
use crate::tls::{
    HandshakeFailure, HandshakeFailureKind, TlsError, TlsOptions, TrustStore, VerifyMode,
    classify_handshake_error, client_config,
};

/// Default time limit of a whole fetch (DNS, connect, TLS, request and response).
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(20);

/// How to make one HTTPS GET.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsOptions {
    /// The time limit of the whole fetch (default [`DEFAULT_FETCH_TIMEOUT`]).
    pub timeout: Duration,
    /// The TCP port (default 443).
    pub port: u16,
    /// Connect here instead of resolving the host (`--connect-to`); the host name is
    /// still sent as SNI and verified against the certificate.
    pub connect_to: Option<SocketAddr>,
    /// Which address families to resolve.
    pub families: IpFamilies,
    /// Largest body accepted (default [`MAX_POLICY_BYTES`]).
    pub max_body: usize,
}

impl Default for HttpsOptions {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_FETCH_TIMEOUT,
            port: 443,
            connect_to: None,
            families: IpFamilies::Both,
            max_body: MAX_POLICY_BYTES,
        }
    }
}

impl HttpsOptions {
    /// Sets the time limit of the whole fetch.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects to `address` instead of resolving the host.
    #[must_use]
    pub fn connect_to(mut self, address: SocketAddr) -> Self {
        self.connect_to = Some(address);
        self
    }

    /// Sets the port used when resolving the host.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the address families resolved (`-4`, `-6`).
    #[must_use]
    pub fn families(mut self, families: IpFamilies) -> Self {
        self.families = families;
        self
    }

    /// Sets the largest body accepted.
    #[must_use]
    pub fn max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }
}

/// Why an HTTPS GET failed, naming the step.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// The host is not a name a certificate can be verified against.
    #[error("https://{host}: not a valid server name: {source}")]
    InvalidHost {
        /// The host.
        host: String,
        /// Why.
        source: TlsError,
    },
    /// The TLS configuration could not be built.
    #[error("https://{host}: cannot configure TLS: {source}")]
    TlsConfig {
        /// The host.
        host: String,
        /// Why.
        source: TlsError,
    },
    /// The request could not be built.
    #[error("https://{host}: {source}")]
    Request {
        /// The host.
        host: String,
        /// Why.
        source: HttpError,
    },
    /// The host has no address.
    #[error("resolving {host}: {message}")]
    Resolve {
        /// The host.
        host: String,
        /// The DNS error, in words.
        message: String,
    },
    /// No address accepted a TCP connection.
    #[error("connecting to {host} ({address}): {source}")]
    Connect {
        /// The host.
        host: String,
        /// The last address tried.
        address: SocketAddr,
        /// The I/O error.
        source: io::Error,
    },
    /// The TLS handshake failed (a certificate not valid for the host included).
    #[error("TLS with {host} ({address}): {failure}")]
    Handshake {
        /// The host.
        host: String,
        /// The address.
        address: SocketAddr,
        /// The classified failure; the certificate verdict is in its message.
        failure: HandshakeFailure,
    },
    /// Sending the request or reading the response failed.
    #[error("{step} https://{host}: {source}")]
    Io {
        /// `"sending the request to"` or `"reading the response from"`.
        step: &'static str,
        /// The host.
        host: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The response is not valid HTTP/1.1, or too large.
    #[error("reading the response from https://{host}: {source}")]
    Http {
        /// The host.
        host: String,
        /// Why.
        source: HttpError,
    },
    /// The response is not an acceptable policy response (status, redirect, type).
    #[error("https://{host}{path}: {failure}")]
    Rejected {
        /// The host.
        host: String,
        /// The path.
        path: String,
        /// Why.
        failure: FetchFailure,
    },
    /// The whole fetch took longer than its time limit.
    #[error("fetching https://{host}{path} took longer than {limit:?}")]
    Timeout {
        /// The host.
        host: String,
        /// The path.
        path: String,
        /// The limit.
        limit: Duration,
    },
}

impl HttpsError {
    /// The failure in the words of the MTA-STS assessment
    /// ([`MtaStsReport::assess`](smtping_signals::mta_sts::MtaStsReport::assess)).
    #[must_use]
    pub fn failure(&self) -> FetchFailure {
        let message = self.to_string();
        let kind = match self {
            Self::InvalidHost { .. } | Self::Resolve { .. } => FetchFailureKind::Dns,
            Self::TlsConfig { .. } => FetchFailureKind::Tls,
            Self::Request { .. } | Self::Io { .. } => FetchFailureKind::Io,
            Self::Connect { .. } => FetchFailureKind::Connect,
            Self::Handshake { failure, .. } => match failure.kind {
                HandshakeFailureKind::Certificate => FetchFailureKind::Certificate,
                HandshakeFailureKind::Timeout => FetchFailureKind::Timeout,
                _ => FetchFailureKind::Tls,
            },
            Self::Http {
                source: HttpError::BodyTooLarge { .. },
                ..
            } => FetchFailureKind::TooLarge,
            Self::Http { .. } => FetchFailureKind::Http,
            Self::Rejected { failure, .. } => return failure.clone(),
            Self::Timeout { .. } => FetchFailureKind::Timeout,
        };
        FetchFailure::new(kind, message)
    }
}

/// A response received.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpsResponse {
    /// The address that answered.
    pub address: SocketAddr,
    /// The status line and headers.
    pub head: ResponseHead,
    /// The body.
    pub body: Vec<u8>,
}

/// What an HTTPS GET is made with: the runtime, the resolver for the host, the TLS
/// options (versions, verification time) and the trust anchors (`--ca-file` included).
#[derive(Debug)]
pub struct HttpsClient<'a, R, T: DnsTransport> {
    /// The runtime to connect with.
    pub runtime: &'a R,
    /// The resolver the host is looked up with (unless `connect_to` is given).
    pub resolver: &'a Resolver<T>,
    /// Versions and verification time; the verification mode and SNI override are
    /// ignored (always strict, always the host).
    pub tls: &'a TlsOptions,
    /// The trust anchors.
    pub trust: &'a TrustStore,
}

impl<'a, R: Runtime, T: DnsTransport> HttpsClient<'a, R, T> {
    /// A client from its parts.
    #[must_use]
    pub fn new(
        runtime: &'a R,
        resolver: &'a Resolver<T>,
        tls: &'a TlsOptions,
        trust: &'a TrustStore,
    ) -> Self {
        Self {
            runtime,
            resolver,
            tls,
            trust,
        }
    }

    /// Makes one `GET path` to `host` over TLS with strict verification, within
    /// `options.timeout`. `judge_head` sees the head as soon as it is read and may
    /// refuse the response (the body is then not read).
    pub async fn get(
        &self,
        host: &str,
        path: &str,
        options: &HttpsOptions,
        judge_head: impl Fn(&ResponseHead) -> Result<(), FetchFailure> + Send + Sync,
    ) -> Result<HttpsResponse, HttpsError> {
        let deadline = self.runtime.now() + options.timeout;
        let fetch = self.get_within(host, path, options, &judge_head);
        match within(self.runtime, deadline, fetch).await {
            Some(result) => result,
            None => Err(HttpsError::Timeout {
                host: host.to_owned(),
                path: path.to_owned(),
                limit: options.timeout,
            }),
        }
    }

    /// Fetches the MTA-STS policy of `domain`; see [`fetch_mta_sts_policy`].
    pub async fn fetch_mta_sts_policy(
        &self,
        domain: &str,
        options: &HttpsOptions,
    ) -> Result<HttpsResponse, HttpsError> {
        self.get(
            &policy_host(domain),
            POLICY_PATH,
            options,
            check_policy_head,
        )
        .await
    }

    async fn get_within(
        &self,
        host: &str,
        path: &str,
        options: &HttpsOptions,
        judge_head: &(impl Fn(&ResponseHead) -> Result<(), FetchFailure> + Send + Sync),
    ) -> Result<HttpsResponse, HttpsError> {
        let (runtime, resolver, tls, trust) = (self.runtime, self.resolver, self.tls, self.trust);
        let mut strict = tls.clone();
        strict.verify_mode = VerifyMode::Strict;
        strict.sni = None;
        let name = strict
            .server_name(host)
            .map_err(|source| HttpsError::InvalidHost {
                host: host.to_owned(),
                source,
            })?;
        let request =
            get_request(&name.verified_as, path).map_err(|source| HttpsError::Request {
                host: host.to_owned(),
                source,
            })?;

        let addresses: Vec<SocketAddr> = match options.connect_to {
            Some(address) => vec![address],
            None => {
                let lookup = resolver.lookup_ip(host, options.families).await;
                let ips = lookup.into_result().map_err(|e| HttpsError::Resolve {
                    host: host.to_owned(),
                    message: e.to_string(),
                })?;
                if ips.is_empty() {
                    return Err(HttpsError::Resolve {
                        host: host.to_owned(),
                        message: "no A or AAAA record".into(),
                    });
                }
                ips.into_iter()
                    .map(|ip| SocketAddr::new(ip, options.port))
                    .collect()
            }
        };

        // The first address that accepts a connection; the time limit covers them all,
        // and each gets its share so one silent address does not use it up.
        let count = u32::try_from(addresses.len()).unwrap_or(u32::MAX).max(1);
        let per_address = (options.timeout / count).max(Duration::from_secs(1));
        let mut connected = None;
        let mut last_error = None;
        for address in &addresses {
            match runtime.connect(*address, per_address).await {
                Ok((stream, _local)) => {
                    connected = Some((stream, *address));
                    break;
                }
                Err(e) => last_error = Some((*address, e)),
            }
        }
        let Some((stream, address)) = connected else {
            return Err(match last_error {
                Some((address, source)) => HttpsError::Connect {
                    host: host.to_owned(),
                    address,
                    source,
                },
                None => HttpsError::Resolve {
                    host: host.to_owned(),
                    message: "no address to connect to".into(),
                },
            });
        };

        let setup = client_config(&strict, trust).map_err(|source| HttpsError::TlsConfig {
            host: host.to_owned(),
            source,
        })?;
        let mut tls_stream = runtime
            .tls_connect(stream, setup.config, name.server_name)
            .await
            .map_err(|e| {
                let mut failure = classify_handshake_error(&e);
                if let Some(record) = setup.verification.get()
                    && !record.is_trusted()
                {
                    failure.kind = HandshakeFailureKind::Certificate;
                    failure.message = format!(
                        "the certificate is not valid for {} ({}): {}",
                        record.server_name, record.verification, record.detail
                    );
                }
                HttpsError::Handshake {
                    host: host.to_owned(),
                    address,
                    failure,
                }
            })?;

        tls_stream
            .write_all(&request)
            .await
            .map_err(|source| HttpsError::Io {
                step: "sending the request to",
                host: host.to_owned(),
                source,
            })?;

        let mut limits = HttpLimits::default();
        limits.max_body = options.max_body;
        let mut reader = ResponseReader::new(limits);
        let mut buf = vec![0u8; 8192];
        let http = |source| HttpsError::Http {
            host: host.to_owned(),
            source,
        };
        let mut judged = false;
        loop {
            let n = tls_stream
                .read(&mut buf)
                .await
                .map_err(|source| HttpsError::Io {
                    step: "reading the response from",
                    host: host.to_owned(),
                    source,
                })?;
            let progress = if n == 0 {
                reader.push_eof().map_err(http)?
            } else {
                reader.push(&buf[..n]).map_err(http)?
            };
            if !judged && let Some(head) = reader.head() {
                judged = true;
                judge_head(head).map_err(|failure| HttpsError::Rejected {
                    host: host.to_owned(),
                    path: path.to_owned(),
                    failure,
                })?;
            }
            if progress == Progress::Complete {
                break;
            }
        }
        // Polite close; the response is already complete.
        let _ = tls_stream.shutdown().await;
        let HttpResponse { head, body, .. } = reader
            .take_response()
            .ok_or_else(|| http(HttpError::Truncated { stage: "body" }))?;
        Ok(HttpsResponse {
            address,
            head,
            body,
        })
    }
}

/// Fetches `https://mta-sts.<domain>/.well-known/mta-sts.txt` as RFC 8461 §3.3 asks:
/// strict PKIX verification for `mta-sts.<domain>`, 200 only, no redirects (3xx is a
/// failure), `Content-Type: text/plain`, at most [`MAX_POLICY_BYTES`], within
/// `options.timeout`. Judge the body with
/// [`MtaStsReport::assess`](smtping_signals::mta_sts::MtaStsReport::assess).
pub async fn fetch_mta_sts_policy<R, T>(
    runtime: &R,
    resolver: &Resolver<T>,
    tls: &TlsOptions,
    trust: &TrustStore,
    domain: &str,
    options: &HttpsOptions,
) -> Result<HttpsResponse, HttpsError>
where
    R: Runtime,
    T: DnsTransport,
{
    HttpsClient::new(runtime, resolver, tls, trust)
        .fetch_mta_sts_policy(domain, options)
        .await
}
