//! A test PKI made with rcgen: a root CA, an intermediate, an unrelated "untrusted" root, and
//! server certificates for every verification verdict.
//!
//! ```
//! use smtping_testkit::certs::{Scenario, TestPki};
//!
//! let pki = TestPki::new()?;
//! let served = pki.server_cert(Scenario::Expired, &["mx.test"])?;
//! let server_config = served.server_config()?; // for a rustls ServerConnection / acceptor
//! let client_root = pki.ca_cert_der(); // what the client must trust
//! let ca_file = std::env::temp_dir().join(format!("smtping-doc-ca-{}.pem", std::process::id()));
//! std::fs::write(&ca_file, pki.ca_cert_pem())?; // for --ca-file
//! # std::fs::remove_file(&ca_file)?;
//! # let _ = (server_config, client_root);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Key types: ECDSA P-256 (default), ECDSA P-384 and Ed25519 keys are generated with ring.
//! ring cannot generate RSA keys, so [`KeyKind::Rsa2048`] uses one fixed RSA-2048 test key
//! embedded in this file (for tests only; it is public and worthless). The CAs always use
//! ECDSA P-256.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::{RootCertStore, ServerConfig, SupportedProtocolVersion};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

const DAY: Duration = Duration::from_secs(86_400);

/// Name used in the certificate for [`Scenario::HostnameMismatch`].
pub const MISMATCH_NAME: &str = "wrong-host.invalid";

/// Public, worthless RSA-2048 test key (ring cannot generate RSA keys).
const TEST_RSA_2048_PKCS8: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQChiy702YknBq02
/WslovaL2S5co90nceF0vcy6CRebEi5TIoxnUvNWI1EseGxSLUuqoH2uXteE1+zR
R+OlnLFEOuBhNzEUoHI7lPC3VWR0vfvCy3TryPxsQSvcLGAtkgZRGuY3mhSlHLWC
4q5ASldaMVa4FtXhq/kPicmKM98ts7AI1/H9SMRqSAqbEp+FztYA9znR5jBFAZi+
FoSEIAHFECSppTWpjZYnv+VZgY8qYVVlpbo5NB4/bJQGkQApNaerbWuOL+uhPEyy
Naud2kMKJgq3XMNvK8yC9Fop0UvJI6ihf/HnlywUJqyXWvMFImk0csQUj8sEorTi
o+GgG5OVAgMBAAECggEABNUdj/yL8ktsVhdJo8QWvQM/tEzAmmP5Ox1MaQpJlv15
vknrylF8bwi6bmqhzumE+HM5n0Q+DT7KWk5cvIEN+n0KZk4Y3UWZdTfU5Z8b1LQ0
OlUMx9ro1jIy5jC7pdFW+AkmduZYlMHhmis+zDSNHWkZb4NbXZdf6XuVOFmp5PuN
b1ACcmNedBEo72Lpeduj+ug+usoJLiAqV2vqoJ3mo8C3QOwfKKwnLopPXzyuxf1n
EVAh2Wx9ds9y0wd74hvngQBp09TsFNoFz/SQ//T292JYcWX+81VHReG/M/wGtSXr
Vf4R66bVWBthrcmt90DIc/HanFRY58ucGGiyNQXBoQKBgQDLo0xnQeDtXY3t7F3y
gJM6sSPv8oZigu3g13g2t+mS3zSxSPdSYfopmBUQC0kSNTPeBPxqAM9P6OjHX9TS
q/wVl70RUX/u/I0iK/OnUIGQ/Grk7vNf7kIShsIW6VNUHCU6rbVe+mk62abvpUaG
xlN9zo3XiAPu+m8jlIeLhGjN0QKBgQDLFPwymsjyN+8Pv8Qq3P/SmxMfsOszZImR
9NFalxA0kwYVeS3YNQ7nzW6l1X5H/EVriDNhH3ljBzMVhGr4Eftmec/5k57TvIBV
B9+Q7r8lDFG6SNgS9Wy/pPeOb2e+dZygwlBtv3GVLZuDmW9nOhMvdxcwjoKwNkUU
VrDa0CnGhQKBgQCmqKrrBxuSqDJ0OjJZOalFK5yB0DbzgLw2e6HDBpl+vnZdcZ4Y
Kl+WkwUJ8HKJGEmutt3t02PXvoJkSaXgFSlmcp0mA1F0wfSvttDeaiDgC/VgD7/X
DyO8DdXi8mpkN/SwJWJ+rOpaY68gCl/CBaZnHBkx//tYJlW3BOQ55s/vQQKBgAUy
U0XEOjIghkiD4rQqFY3BFBsyfsJA51hJyHWl+e8ud/Bium6W5Pu/gP5TWTjkVq5q
vM3WbVfAXmlFiysv4pv7r/u18FGAuFP0sJ7XzSJYj1rR9F1/1DmPMhp99UylW82t
SzuTs4datGkIqxYcIVOMm5ZNf0CdEuVzVnEy9G61AoGARi05wbv07Fl0DkXy414c
QfUD2TIZ39VuSyBq8DWBxIAns/XNiWqrJyARmEVvJ77G+jFMWGmaSdXRO4gy5PFI
L/9a9ky0XgCnUZM0FtrNFBl94vxkTge0dG/eho2EMMNrdaMZMMRSoU7+FXt6vuD9
niU3gLYZHNl11Fij4iquoNA=
-----END PRIVATE KEY-----
";

/// Which certificate problem a server certificate has.
///
/// Validity windows, relative to the PKI's reference time `T` ([`TestPki::at`]): valid
/// certificates run from `T - 1 day` to `T + 90 days`; expired ones ended at `T - 10 days`;
/// not-yet-valid ones start at `T + 10 days`.
///
/// ```
/// use smtping_testkit::certs::Scenario;
/// // The snake_case name of the verdict, as in SMTPing's report (`tls.verification`).
/// assert_eq!(Scenario::IncompleteChain.expected(), "incomplete_chain");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scenario {
    /// Leaf for the given names, 127.0.0.1 and ::1, signed by the intermediate; served with
    /// the intermediate.
    Valid,
    /// Like `Valid`, but the leaf is only for [`MISMATCH_NAME`] (no IP addresses either).
    HostnameMismatch,
    /// Like `Valid`, but the leaf expired 10 days before the reference time.
    Expired,
    /// Like `Valid`, but the leaf becomes valid 10 days after the reference time.
    NotYetValid,
    /// A self-signed leaf for the given names, served alone.
    SelfSigned,
    /// A leaf signed by the unrelated root (not in the client's roots), served with that root.
    UntrustedIssuer,
    /// A leaf signed by the intermediate, served without it.
    IncompleteChain,
    /// A leaf naming the intermediate as issuer but signed with another key; served with the
    /// intermediate.
    BadSignature,
}

impl Scenario {
    /// Every scenario.
    pub const ALL: [Self; 8] = [
        Self::Valid,
        Self::HostnameMismatch,
        Self::Expired,
        Self::NotYetValid,
        Self::SelfSigned,
        Self::UntrustedIssuer,
        Self::IncompleteChain,
        Self::BadSignature,
    ];

    /// The verdict a client trusting [`TestPki::ca_cert_der`] must reach, as the
    /// snake_case name SMTPing's report uses (`"valid"`, `"hostname_mismatch"`, …;
    /// compare it with `Verification::as_str()` of `smtping-client`).
    #[must_use]
    pub const fn expected(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::HostnameMismatch => "hostname_mismatch",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::SelfSigned => "self_signed",
            Self::UntrustedIssuer => "untrusted_issuer",
            Self::IncompleteChain => "incomplete_chain",
            Self::BadSignature => "invalid",
        }
    }
}

/// The server key type.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum KeyKind {
    /// ECDSA on P-256 with SHA-256 (generated).
    #[default]
    EcdsaP256,
    /// ECDSA on P-384 with SHA-384 (generated).
    EcdsaP384,
    /// Ed25519 (generated).
    Ed25519,
    /// RSA-2048 with SHA-256: the fixed embedded test key.
    Rsa2048,
}

impl KeyKind {
    fn key_pair(self) -> Result<KeyPair, TestPkiError> {
        let made = match self {
            Self::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
            Self::EcdsaP384 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384),
            Self::Ed25519 => KeyPair::generate_for(&rcgen::PKCS_ED25519),
            Self::Rsa2048 => KeyPair::from_pem(TEST_RSA_2048_PKCS8),
        };
        made.map_err(|source| TestPkiError::Rcgen {
            step: "making the server key",
            source,
        })
    }
}

/// Errors from the test PKI.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum TestPkiError {
    /// rcgen failed.
    #[error("test PKI: {step}: {source}")]
    Rcgen {
        /// What was being made.
        step: &'static str,
        /// rcgen's error.
        #[source]
        source: rcgen::Error,
    },
    /// A validity date is out of range for the reference time.
    #[error("test PKI: {0}: the date is out of range")]
    Time(&'static str),
    /// No server name was given.
    #[error("test PKI: a server certificate needs at least one name")]
    NoNames,
}

fn rcgen_step(step: &'static str) -> impl FnOnce(rcgen::Error) -> TestPkiError {
    move |source| TestPkiError::Rcgen { step, source }
}

/// A certificate chain and private key for a test server.
pub struct ServerCert {
    /// What is wrong with it.
    pub scenario: Scenario,
    /// The chain as the server sends it, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The leaf's private key (PKCS#8).
    pub key: PrivateKeyDer<'static>,
    /// `chain` as concatenated PEM blocks.
    pub chain_pem: String,
    /// `key` as PEM.
    pub key_pem: String,
}

impl Clone for ServerCert {
    fn clone(&self) -> Self {
        Self {
            scenario: self.scenario,
            chain: self.chain.clone(),
            key: self.key.clone_key(),
            chain_pem: self.chain_pem.clone(),
            key_pem: self.key_pem.clone(),
        }
    }
}

impl fmt::Debug for ServerCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCert")
            .field("scenario", &self.scenario)
            .field("chain_length", &self.chain.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl ServerCert {
    /// A rustls server configuration (ring provider, TLS 1.2 and 1.3) serving this chain.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, rustls::Error> {
        self.server_config_with_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
    }

    /// Like [`server_config`](Self::server_config), limited to `versions`.
    pub fn server_config_with_versions(
        &self,
        versions: &[&'static SupportedProtocolVersion],
    ) -> Result<Arc<ServerConfig>, rustls::Error> {
        let config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(versions)?
                .with_no_client_auth()
                .with_single_cert(self.chain.clone(), self.key.clone_key())?;
        Ok(Arc::new(config))
    }
}

/// The test PKI: a root CA (give it to clients), an intermediate CA that signs server
/// certificates, and an unrelated root that clients do not trust.
#[derive(Debug)]
pub struct TestPki {
    reference: SystemTime,
    root: CertifiedIssuer<'static, KeyPair>,
    intermediate: CertifiedIssuer<'static, KeyPair>,
    intermediate_params: CertificateParams,
    untrusted_root: CertifiedIssuer<'static, KeyPair>,
}

impl TestPki {
    /// A PKI whose certificates are dated relative to now.
    pub fn new() -> Result<Self, TestPkiError> {
        Self::at(SystemTime::now())
    }

    /// A PKI whose certificates are dated relative to `reference` (truncated to whole
    /// seconds); verify with the same instant for exact `days_remaining`.
    pub fn at(reference: SystemTime) -> Result<Self, TestPkiError> {
        let seconds = reference
            .duration_since(UNIX_EPOCH)
            .map_err(|_| TestPkiError::Time("reference time before 1970"))?
            .as_secs();
        let reference = UNIX_EPOCH + Duration::from_secs(seconds);

        let root_params = ca_params("SMTPing Test Root CA", reference)?;
        let root = CertifiedIssuer::self_signed(root_params, ca_key()?)
            .map_err(rcgen_step("signing the root CA"))?;
        let intermediate_params = ca_params("SMTPing Test Intermediate CA", reference)?;
        let intermediate =
            CertifiedIssuer::signed_by(intermediate_params.clone(), ca_key()?, &root)
                .map_err(rcgen_step("signing the intermediate CA"))?;
        let untrusted_params = ca_params("SMTPing Untrusted Root CA", reference)?;
        let untrusted_root = CertifiedIssuer::self_signed(untrusted_params, ca_key()?)
            .map_err(rcgen_step("signing the untrusted root CA"))?;
        Ok(Self {
            reference,
            root,
            intermediate,
            intermediate_params,
            untrusted_root,
        })
    }

    /// The reference time the validity windows are relative to.
    #[must_use]
    pub fn reference_time(&self) -> SystemTime {
        self.reference
    }

    /// The root CA certificate clients should trust.
    #[must_use]
    pub fn ca_cert_der(&self) -> CertificateDer<'static> {
        self.root.der().clone()
    }

    /// The root CA certificate as PEM (for `--ca-file`).
    #[must_use]
    pub fn ca_cert_pem(&self) -> String {
        self.root.pem()
    }

    /// The intermediate CA certificate.
    #[must_use]
    pub fn intermediate_cert_der(&self) -> CertificateDer<'static> {
        self.intermediate.der().clone()
    }

    /// The intermediate CA certificate as PEM.
    #[must_use]
    pub fn intermediate_cert_pem(&self) -> String {
        self.intermediate.pem()
    }

    /// The root that clients do not trust ([`Scenario::UntrustedIssuer`]).
    #[must_use]
    pub fn untrusted_root_der(&self) -> CertificateDer<'static> {
        self.untrusted_root.der().clone()
    }

    /// A root store holding only the test root CA.
    #[must_use]
    pub fn root_store(&self) -> RootCertStore {
        let mut store = RootCertStore::empty();
        // The root was just made by rcgen; adding it cannot fail, and if it did the store
        // would simply be empty and every test verdict untrusted.
        let _ = store.add(self.ca_cert_der());
        store
    }

    /// A server certificate (ECDSA P-256) for `names` with the problem `scenario`.
    pub fn server_cert(
        &self,
        scenario: Scenario,
        names: &[&str],
    ) -> Result<ServerCert, TestPkiError> {
        self.server_cert_with_key(scenario, names, KeyKind::EcdsaP256)
    }

    /// A server certificate with the given key type.
    pub fn server_cert_with_key(
        &self,
        scenario: Scenario,
        names: &[&str],
        key_kind: KeyKind,
    ) -> Result<ServerCert, TestPkiError> {
        let first = names.first().ok_or(TestPkiError::NoNames)?;
        let mut sans: Vec<String> = Vec::new();
        if scenario == Scenario::HostnameMismatch {
            sans.push(MISMATCH_NAME.to_owned());
        } else {
            for name in names.iter().copied().chain(["127.0.0.1", "::1"]) {
                if !sans.iter().any(|known| known == name) {
                    sans.push(name.to_owned());
                }
            }
        }
        let mut params =
            CertificateParams::new(sans).map_err(rcgen_step("building the server certificate"))?;
        let common_name = if scenario == Scenario::HostnameMismatch {
            MISMATCH_NAME
        } else {
            first
        };
        params.distinguished_name = distinguished_name(common_name);
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = scenario != Scenario::SelfSigned;
        let (from, to) = match scenario {
            Scenario::Expired => (shift(self.reference, -400)?, shift(self.reference, -10)?),
            Scenario::NotYetValid => (shift(self.reference, 10)?, shift(self.reference, 400)?),
            _ => (shift(self.reference, -1)?, shift(self.reference, 90)?),
        };
        params.not_before = from.into();
        params.not_after = to.into();

        let key = key_kind.key_pair()?;
        let signing = "signing the server certificate";
        let (leaf, extra) = match scenario {
            Scenario::SelfSigned => (params.self_signed(&key).map_err(rcgen_step(signing))?, None),
            Scenario::UntrustedIssuer => (
                params
                    .signed_by(&key, &self.untrusted_root)
                    .map_err(rcgen_step(signing))?,
                Some(&self.untrusted_root),
            ),
            Scenario::IncompleteChain => (
                params
                    .signed_by(&key, &self.intermediate)
                    .map_err(rcgen_step(signing))?,
                None,
            ),
            Scenario::BadSignature => {
                let forger = Issuer::new(self.intermediate_params.clone(), ca_key()?);
                (
                    params
                        .signed_by(&key, &forger)
                        .map_err(rcgen_step(signing))?,
                    Some(&self.intermediate),
                )
            }
            _ => (
                params
                    .signed_by(&key, &self.intermediate)
                    .map_err(rcgen_step(signing))?,
                Some(&self.intermediate),
            ),
        };
        let mut chain = vec![leaf.der().clone()];
        let mut chain_pem = leaf.pem();
        if let Some(issuer) = extra {
            chain.push(issuer.der().clone());
            chain_pem.push_str(&issuer.pem());
        }
        Ok(ServerCert {
            scenario,
            chain,
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            chain_pem,
            key_pem: key.serialize_pem(),
        })
    }
}

fn ca_key() -> Result<KeyPair, TestPkiError> {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(rcgen_step("making a CA key"))
}

fn distinguished_name(common_name: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationName, "SMTPing test");
    name
}

fn ca_params(common_name: &str, reference: SystemTime) -> Result<CertificateParams, TestPkiError> {
    let mut params = CertificateParams::default();
    params.distinguished_name = distinguished_name(common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    params.use_authority_key_identifier_extension = true;
    params.not_before = shift(reference, -3650)?.into();
    params.not_after = shift(reference, 3650)?.into();
    Ok(params)
}

/// `reference` moved by `days` (negative: into the past).
fn shift(reference: SystemTime, days: i32) -> Result<SystemTime, TestPkiError> {
    let by = DAY
        .checked_mul(days.unsigned_abs())
        .ok_or(TestPkiError::Time("validity shift"))?;
    let moved = if days < 0 {
        reference.checked_sub(by)
    } else {
        reference.checked_add(by)
    };
    moved.ok_or(TestPkiError::Time("validity shift"))
}
