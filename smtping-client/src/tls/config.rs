//! The rustls client configuration for one connection: the diagnosing verifier, the
//! versions, no resumption.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::ClientConfig;
use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::time_provider::TimeProvider;
use rustls_pki_types::UnixTime;

use super::error::TlsError;
use super::options::TlsOptions;
use super::trust::TrustStore;
use super::verify::{DiagnosingVerifier, VerificationHandle};

/// A client configuration for one connection, and the handle to what its verifier saw.
///
/// Make one per connection: the handle holds the record of the latest handshake made with
/// this configuration.
#[non_exhaustive]
#[derive(Debug, Clone)]
pub struct TlsSetup {
    /// The configuration to give to `tokio-rustls`/`futures-rustls` (or a `ClientConnection`).
    pub config: Arc<ClientConfig>,
    /// Read after (or after a failed) handshake: the chain and the verdict.
    pub verification: VerificationHandle,
    /// Non-fatal remarks from loading the trust store.
    pub notes: Vec<String>,
}

/// A clock stuck at one instant, for [`TlsOptions::fixed_time`].
#[derive(Debug)]
struct FixedTime(UnixTime);

impl TimeProvider for FixedTime {
    fn current_time(&self) -> Option<UnixTime> {
        Some(self.0)
    }
}

/// Converts a [`SystemTime`] to a [`UnixTime`] (instants before 1970 become the epoch).
pub(crate) fn unix_time(at: SystemTime) -> UnixTime {
    UnixTime::since_unix_epoch(at.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO))
}

/// The ring crypto provider, chosen explicitly so no process-wide default is needed.
pub(crate) fn ring_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Builds a per-connection client configuration from an already loaded [`TrustStore`].
///
/// The configuration uses the ring provider, offers the versions from
/// [`TlsOptions::min_version`] up to TLS 1.3, disables session resumption (so every handshake
/// shows the full certificate) and installs a [`DiagnosingVerifier`].
///
/// ```
/// use smtping_client::tls::{client_config, TlsOptions, TrustStore};
/// let options = TlsOptions::default().use_native_roots(false);
/// let trust = TrustStore::load(&options)?;
/// let setup = client_config(&options, &trust)?;
/// assert!(setup.verification.get().is_none()); // no handshake yet
/// # Ok::<(), smtping_client::tls::TlsError>(())
/// ```
pub fn client_config(options: &TlsOptions, trust: &TrustStore) -> Result<TlsSetup, TlsError> {
    let provider = ring_provider();
    let handle = VerificationHandle::new();
    let verifier = DiagnosingVerifier::new(
        Arc::clone(trust.roots()),
        &provider,
        options.verify_mode,
        handle.clone(),
    );
    let builder = match options.fixed_time {
        Some(at) => ClientConfig::builder_with_details(
            Arc::clone(&provider),
            Arc::new(FixedTime(unix_time(at))),
        ),
        None => ClientConfig::builder_with_provider(Arc::clone(&provider)),
    };
    let mut config = builder
        .with_protocol_versions(options.min_version.rustls_versions())
        .map_err(TlsError::Config)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.resumption = Resumption::disabled();
    config.enable_sni = true;
    Ok(TlsSetup {
        config: Arc::new(config),
        verification: handle,
        notes: trust.notes().to_vec(),
    })
}

/// Loads the trust store and builds a client configuration in one step.
///
/// Prefer [`TrustStore::load`] once plus [`client_config`] per connection when making many
/// connections.
///
/// ```
/// use smtping_client::tls::{build_client_config, TlsOptions};
/// let setup = build_client_config(&TlsOptions::default())?;
/// // OS store problems are not fatal; they are listed here.
/// for note in &setup.notes {
///     eprintln!("note: {note}");
/// }
/// # Ok::<(), smtping_client::tls::TlsError>(())
/// ```
pub fn build_client_config(options: &TlsOptions) -> Result<TlsSetup, TlsError> {
    client_config(options, &TrustStore::load(options)?)
}
