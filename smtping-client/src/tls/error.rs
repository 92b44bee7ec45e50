//! [`TlsError`]: what can go wrong setting TLS up, before any handshake.

use std::path::PathBuf;

/// Errors while building the trust store or the client configuration.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A CA file could not be read.
    #[error("TLS setup: cannot read CA file {}: {source}", path.display())]
    CaFileRead {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A CA file is larger than [`MAX_CA_FILE_BYTES`](super::MAX_CA_FILE_BYTES).
    #[error("TLS setup: CA file {} is larger than {limit} bytes; is it really a PEM bundle?", path.display())]
    CaFileTooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A CA file is not valid PEM.
    #[error("TLS setup: CA file {} is not valid PEM: {message}", path.display())]
    CaFileParse {
        /// The file.
        path: PathBuf,
        /// What the PEM parser said.
        message: String,
    },
    /// A CA file holds no `CERTIFICATE` block.
    #[error(
        "TLS setup: CA file {} contains no PEM \"BEGIN CERTIFICATE\" block (DER files must be converted to PEM)",
        path.display()
    )]
    CaFileEmpty {
        /// The file.
        path: PathBuf,
    },
    /// A certificate in a CA file cannot be used as a trust anchor.
    #[error("TLS setup: certificate #{index} in CA file {} cannot be used as a trust anchor: {message}", path.display())]
    CaFileCertificate {
        /// The file.
        path: PathBuf,
        /// Position of the certificate in the file, from 1.
        index: usize,
        /// Why.
        message: String,
    },
    /// An in-memory root certificate cannot be used as a trust anchor.
    #[error(
        "TLS setup: extra root certificate #{index} cannot be used as a trust anchor: {message}"
    )]
    ExtraRoot {
        /// Position in [`TlsOptions::extra_roots`](super::TlsOptions::extra_roots), from 1.
        index: usize,
        /// Why.
        message: String,
    },
    /// rustls refused the configuration.
    #[error("TLS setup: building the rustls client configuration failed: {0}")]
    Config(#[source] rustls::Error),
    /// A host or SNI override is not a usable TLS server name.
    #[error("TLS setup: {name:?} is not a valid TLS server name: {reason}")]
    InvalidServerName {
        /// The name as given.
        name: String,
        /// Why it was refused.
        reason: String,
    },
}
