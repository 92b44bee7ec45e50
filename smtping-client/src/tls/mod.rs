//! TLS glue: rustls configuration, certificate verification verdicts and inspection.
//!
//! Everything here is socket-free; the runtime adapters use it like this:
//!
//! 1. **Configure** once: [`TlsOptions`] → [`TrustStore::load`] (webpki roots, the OS store,
//!    `--ca-file`s). Per connection: [`client_config`] → [`TlsSetup`] holding an
//!    `Arc<rustls::ClientConfig>` (ring provider, TLS 1.2+1.3, no resumption) and a
//!    [`VerificationHandle`].
//! 2. **Name** the server: [`TlsOptions::server_name`] / [`server_name_for`] → [`TargetName`]
//!    (trailing dot stripped, lowercased, IP literals without SNI, `--sni` honoured).
//! 3. **Handshake** with tokio-rustls or futures-rustls using `setup.config` and
//!    `name.server_name`. In [`VerifyMode::Diagnose`] (default) a bad certificate does not
//!    abort the handshake; in [`VerifyMode::Strict`] it does.
//! 4. **Read** the result: on success [`tls_details`] (version, suite, SNI, verdict, problems,
//!    the inspected chain; [`TlsDetails::certificate`] gives the report's `certificate`
//!    object). On failure [`classify_handshake_error`] → [`HandshakeFailure`]; the handle still
//!    holds the verdict if the certificate was the cause.
//!
//! ```
//! use std::sync::Arc;
//! use smtping_client::tls::{client_config, TlsOptions, TrustStore};
//!
//! let options = TlsOptions::default().use_native_roots(false).sni("mx.example.org");
//! let trust = TrustStore::load(&options)?;
//! let setup = client_config(&options, &trust)?;
//! let name = options.server_name("192.0.2.25")?;
//! let conn = rustls::ClientConnection::new(Arc::clone(&setup.config), name.server_name)
//!     .expect("client connection");
//! assert!(conn.is_handshaking());
//! # Ok::<(), smtping_client::tls::TlsError>(())
//! ```

mod config;
mod details;
mod error;
mod failure;
pub mod inspect;
mod name;
mod options;
pub mod scan;
mod trust;
pub mod verify;

#[cfg(test)]
mod tests;

pub use config::{TlsSetup, build_client_config, client_config};
pub use details::{CertificateSummary, TlsDetails, tls_details};
pub use error::TlsError;
pub use failure::{
    HandshakeFailure, HandshakeFailureKind, classify_handshake_error, classify_tls_error,
};
pub use inspect::{CertificateInfo, inspect_certificate, inspect_chain};
pub use name::{TargetName, server_name_for};
pub use options::{TlsOptions, TlsVersion, VerifyMode};
pub use trust::{MAX_CA_FILE_BYTES, SHARED_TRUST_STORES, TrustStore};
pub use verify::{DiagnosingVerifier, Verification, VerificationHandle, VerificationRecord};
