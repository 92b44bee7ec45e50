//! [`ServerError`]: why the test server could not start.

use std::net::SocketAddr;

use super::ServerReplyError;

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
