//! [`TrustStore`]: the trust anchors (Mozilla roots, the OS store, `--ca-file`s), loaded
//! once and shared.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use super::error::TlsError;
use super::options::TlsOptions;

/// Largest CA file read from disk (a full OS bundle is about 250 KiB).
pub const MAX_CA_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// The set of trust anchors, loaded once and shared by many connections.
///
/// Loading the OS store reads files, so load a `TrustStore` once per process (or per check) and
/// make a cheap per-connection configuration from it with [`client_config`](super::client_config).
///
/// ```
/// use smtping_client::tls::{TlsOptions, TrustStore};
/// let trust = TrustStore::load(&TlsOptions::default().use_native_roots(false)).unwrap();
/// assert!(trust.len() > 100); // the Mozilla roots
/// ```
#[derive(Debug, Clone)]
pub struct TrustStore {
    roots: Arc<RootCertStore>,
    notes: Vec<String>,
}

impl TrustStore {
    /// Loads the trust anchors the options ask for: webpki roots, the OS store, CA files and
    /// in-memory roots. Problems with the OS store are notes, problems with anything the user
    /// named explicitly are errors.
    pub fn load(options: &TlsOptions) -> Result<Self, TlsError> {
        let mut store = RootCertStore::empty();
        let mut notes = Vec::new();
        if options.use_webpki_roots {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if options.use_native_roots {
            let loaded = rustls_native_certs::load_native_certs();
            let (added, ignored) = store.add_parsable_certificates(loaded.certs);
            if added == 0 {
                notes.push(
                    "no certificates could be loaded from the operating system's trust store"
                        .to_owned(),
                );
            } else if ignored > 0 {
                notes.push(format!(
                    "{ignored} certificate(s) in the operating system's trust store were unusable and ignored"
                ));
            }
            for error in loaded.errors.iter().take(5) {
                notes.push(format!("operating system trust store: {error}"));
            }
            if loaded.errors.len() > 5 {
                notes.push(format!(
                    "operating system trust store: {} more error(s) not shown",
                    loaded.errors.len() - 5
                ));
            }
        }
        for path in &options.ca_files {
            for (index, der) in read_ca_file(path)?.into_iter().enumerate() {
                store
                    .add(der)
                    .map_err(|error| TlsError::CaFileCertificate {
                        path: path.clone(),
                        index: index + 1,
                        message: error.to_string(),
                    })?;
            }
        }
        for (index, der) in options.extra_roots.iter().enumerate() {
            store
                .add(der.clone())
                .map_err(|error| TlsError::ExtraRoot {
                    index: index + 1,
                    message: error.to_string(),
                })?;
        }
        if store.is_empty() {
            notes.push(
                "no trust anchors are configured: every certificate will be reported as untrusted"
                    .to_owned(),
            );
        }
        Ok(Self {
            roots: Arc::new(store),
            notes,
        })
    }

    /// [`load`](Self::load), shared: the first call with given options loads the anchors,
    /// later calls with the same options (and unchanged CA files) return the same store,
    /// so a batch of checks, or an exporter, holds one copy of the OS trust store instead
    /// of one per check (about 250 KiB each) and reads it from disk once.
    ///
    /// The cache keeps the last [`SHARED_TRUST_STORES`] option sets; a CA file is
    /// reloaded when its size or modification time changes. [`clear_shared`](Self::clear_shared)
    /// forgets them all (to pick up a changed OS store in a long-running process).
    ///
    /// ```
    /// use smtping_client::tls::{TlsOptions, TrustStore};
    /// let options = TlsOptions::default().use_native_roots(false);
    /// let a = TrustStore::shared(&options)?;
    /// let b = TrustStore::shared(&options)?;
    /// assert!(std::sync::Arc::ptr_eq(a.roots(), b.roots()));
    /// # Ok::<(), smtping_client::tls::TlsError>(())
    /// ```
    pub fn shared(options: &TlsOptions) -> Result<Self, TlsError> {
        let key = SharedKey::of(options);
        let mut cache = shared_cache();
        if let Some((_, store)) = cache.iter().find(|(k, _)| *k == key) {
            return Ok(store.clone());
        }
        drop(cache);
        let store = Self::load(options)?;
        cache = shared_cache();
        if cache.len() >= SHARED_TRUST_STORES {
            cache.remove(0);
        }
        cache.push((key, store.clone()));
        Ok(store)
    }

    /// Forgets every store [`shared`](Self::shared) kept.
    pub fn clear_shared() {
        shared_cache().clear();
    }

    /// A store holding exactly these roots (no webpki or OS roots).
    ///
    /// ```
    /// use smtping_client::tls::TrustStore;
    /// assert!(TrustStore::from_roots(rustls::RootCertStore::empty()).is_empty());
    /// ```
    #[must_use]
    pub fn from_roots(roots: RootCertStore) -> Self {
        Self {
            roots: Arc::new(roots),
            notes: Vec::new(),
        }
    }

    /// The anchors, for building other verifiers.
    #[must_use]
    pub fn roots(&self) -> &Arc<RootCertStore> {
        &self.roots
    }

    /// Number of trust anchors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether no trust anchor is configured.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Non-fatal remarks made while loading (e.g. the OS store could not be read).
    #[must_use]
    pub fn notes(&self) -> &[String] {
        &self.notes
    }
}

/// Reads a PEM bundle of CA certificates, bounded in size; every error names the file.
/// Option sets whose trust stores [`TrustStore::shared`] keeps.
pub const SHARED_TRUST_STORES: usize = 8;

/// What a shared store was loaded from.
#[derive(Debug, PartialEq, Eq)]
struct SharedKey {
    webpki: bool,
    native: bool,
    /// Each CA file with its size and modification time when loaded.
    ca_files: Vec<(std::path::PathBuf, Option<(u64, std::time::SystemTime)>)>,
    extra_roots: Vec<CertificateDer<'static>>,
}

impl SharedKey {
    fn of(options: &TlsOptions) -> Self {
        Self {
            webpki: options.use_webpki_roots,
            native: options.use_native_roots,
            ca_files: options
                .ca_files
                .iter()
                .map(|p| {
                    let stamp = std::fs::metadata(p)
                        .ok()
                        .and_then(|m| Some((m.len(), m.modified().ok()?)));
                    (p.clone(), stamp)
                })
                .collect(),
            extra_roots: options.extra_roots.clone(),
        }
    }
}

fn shared_cache() -> std::sync::MutexGuard<'static, Vec<(SharedKey, TrustStore)>> {
    static CACHE: std::sync::Mutex<Vec<(SharedKey, TrustStore)>> =
        std::sync::Mutex::new(Vec::new());
    CACHE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let read_error = |source| TlsError::CaFileRead {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(MAX_CA_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_CA_FILE_BYTES {
        return Err(TlsError::CaFileTooLarge {
            path: path.to_path_buf(),
            limit: MAX_CA_FILE_BYTES,
        });
    }
    let mut certs = Vec::new();
    for item in CertificateDer::pem_slice_iter(&bytes) {
        let der = item.map_err(|error| TlsError::CaFileParse {
            path: path.to_path_buf(),
            message: error.to_string(),
        })?;
        certs.push(der);
    }
    if certs.is_empty() {
        return Err(TlsError::CaFileEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(certs)
}
