//! The cipher suites the probes offer, with what each is made of.
//!
//! Codes and names are the IANA registry's ("TLS Cipher Suites"); the two `EXPORT1024`
//! suites come from an expired draft that old OpenSSL builds still carry. Every suite has one
//! [`SuiteClass`], the weakest property it has (a NULL suite with anonymous key exchange is
//! [`SuiteClass::Null`]), so that one probe per class answers "does the server accept any of
//! these?".

/// How the premaster secret is agreed.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyExchange {
    /// Elliptic-curve Diffie-Hellman, ephemeral (forward secret).
    Ecdhe,
    /// Finite-field Diffie-Hellman, ephemeral (forward secret).
    Dhe,
    /// RSA key transport (no forward secrecy).
    Rsa,
    /// TLS 1.3: the key exchange is negotiated separately (always ephemeral).
    Tls13,
}

/// How the server proves who it is.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Authentication {
    /// An RSA certificate.
    Rsa,
    /// An ECDSA certificate.
    Ecdsa,
    /// A DSA certificate.
    Dss,
    /// Not at all (anonymous Diffie-Hellman): open to any man in the middle.
    Anonymous,
    /// TLS 1.3: negotiated by the signature algorithm, not the suite.
    Tls13,
}

/// The bulk cipher.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BulkCipher {
    /// No encryption at all.
    Null,
    /// RC4 with a 40-bit export key.
    Rc4Export40,
    /// RC4 with a 56-bit key (EXPORT1024).
    Rc4_56,
    /// RC4 with a 128-bit key.
    Rc4_128,
    /// RC2 with a 40-bit export key.
    Rc2Export40,
    /// DES with a 40-bit export key.
    DesExport40,
    /// Single DES (56-bit key).
    Des,
    /// Triple DES (EDE, 112-bit effective strength, 64-bit block).
    TripleDes,
    /// IDEA in CBC mode (64-bit block).
    Idea,
    /// SEED in CBC mode.
    Seed,
    /// Camellia-128 in CBC mode.
    Camellia128Cbc,
    /// Camellia-256 in CBC mode.
    Camellia256Cbc,
    /// AES-128 in CBC mode.
    Aes128Cbc,
    /// AES-256 in CBC mode.
    Aes256Cbc,
    /// AES-128 in GCM mode.
    Aes128Gcm,
    /// AES-256 in GCM mode.
    Aes256Gcm,
    /// AES-128 in CCM mode.
    Aes128Ccm,
    /// AES-128 in CCM mode with an 8-byte tag.
    Aes128Ccm8,
    /// AES-256 in CCM mode.
    Aes256Ccm,
    /// ChaCha20 with Poly1305.
    Chacha20Poly1305,
}

/// The record MAC (or, for AEAD suites, the PRF hash).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mac {
    /// HMAC-MD5.
    Md5,
    /// HMAC-SHA1.
    Sha1,
    /// HMAC-SHA256 (CBC suites) or the SHA-256 PRF (AEAD suites).
    Sha256,
    /// HMAC-SHA384 (CBC suites) or the SHA-384 PRF (AEAD suites).
    Sha384,
    /// AEAD suite whose PRF is fixed by the version (CCM without a hash in the name).
    Aead,
}

/// The weakest property of a suite: what a probe for weak suites groups by.
///
/// Ordered from the weakest to the strongest.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SuiteClass {
    /// No encryption.
    Null,
    /// No server authentication (anonymous Diffie-Hellman).
    Anonymous,
    /// 1990s export-grade keys (40 or 56 bits).
    Export,
    /// RC4 (RFC 7465 prohibits it).
    Rc4,
    /// Single DES.
    Des,
    /// Triple DES (64-bit block: Sweet32).
    TripleDes,
    /// A CBC cipher with an HMAC-SHA1 (or MD5) MAC.
    CbcSha1,
    /// A CBC cipher with an HMAC-SHA256/384 MAC.
    CbcSha2,
    /// An AEAD cipher (GCM, CCM, ChaCha20-Poly1305).
    Aead,
}

impl SuiteClass {
    /// Every class, weakest first.
    pub const ALL: [SuiteClass; 9] = [
        Self::Null,
        Self::Anonymous,
        Self::Export,
        Self::Rc4,
        Self::Des,
        Self::TripleDes,
        Self::CbcSha1,
        Self::CbcSha2,
        Self::Aead,
    ];

    /// A short lowercase name (`"null"`, `"anonymous"`, `"export"`, `"rc4"`, `"des"`,
    /// `"3des"`, `"cbc_sha1"`, `"cbc_sha2"`, `"aead"`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Anonymous => "anonymous",
            Self::Export => "export",
            Self::Rc4 => "rc4",
            Self::Des => "des",
            Self::TripleDes => "3des",
            Self::CbcSha1 => "cbc_sha1",
            Self::CbcSha2 => "cbc_sha2",
            Self::Aead => "aead",
        }
    }
}

/// One cipher suite: its IANA code and name and what it is made of.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SuiteInfo {
    /// The IANA code point (`0xC02F`).
    pub code: u16,
    /// The IANA name (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`).
    pub name: &'static str,
    /// The key exchange.
    pub key_exchange: KeyExchange,
    /// The server authentication.
    pub authentication: Authentication,
    /// The bulk cipher.
    pub cipher: BulkCipher,
    /// The MAC or PRF hash.
    pub mac: Mac,
    /// The weakest property.
    pub class: SuiteClass,
}

impl SuiteInfo {
    /// Whether a recorded session stays secret if the server's key leaks later (ephemeral
    /// key exchange).
    #[must_use]
    pub const fn forward_secrecy(&self) -> bool {
        matches!(
            self.key_exchange,
            KeyExchange::Ecdhe | KeyExchange::Dhe | KeyExchange::Tls13
        )
    }

    /// Whether the suite exists only in TLS 1.3.
    #[must_use]
    pub const fn tls13_only(&self) -> bool {
        matches!(self.key_exchange, KeyExchange::Tls13)
    }

    /// Whether the suite needs TLS 1.2 (AEAD ciphers, SHA-256/384 MACs, TLS 1.3 suites).
    #[must_use]
    pub const fn needs_tls12(&self) -> bool {
        matches!(self.class, SuiteClass::Aead | SuiteClass::CbcSha2)
            || matches!(self.mac, Mac::Sha256 | Mac::Sha384)
            || self.tls13_only()
    }
}

use Authentication as Au;
use BulkCipher as C;
use KeyExchange as Kx;
use Mac as M;
use SuiteClass as Cl;

const fn s(
    code: u16,
    name: &'static str,
    key_exchange: KeyExchange,
    authentication: Authentication,
    cipher: BulkCipher,
    mac: Mac,
    class: SuiteClass,
) -> SuiteInfo {
    SuiteInfo {
        code,
        name,
        key_exchange,
        authentication,
        cipher,
        mac,
        class,
    }
}

#[rustfmt::skip]
/// Every suite the probes know, strongest families first (the order the broad TLS 1.2
/// probe offers them in).
pub const SUITES: &[SuiteInfo] = &[
    // TLS 1.3
    s(0x1302, "TLS_AES_256_GCM_SHA384", Kx::Tls13, Au::Tls13, C::Aes256Gcm, M::Sha384, Cl::Aead),
    s(0x1303, "TLS_CHACHA20_POLY1305_SHA256", Kx::Tls13, Au::Tls13, C::Chacha20Poly1305, M::Sha256, Cl::Aead),
    s(0x1301, "TLS_AES_128_GCM_SHA256", Kx::Tls13, Au::Tls13, C::Aes128Gcm, M::Sha256, Cl::Aead),
    s(0x1304, "TLS_AES_128_CCM_SHA256", Kx::Tls13, Au::Tls13, C::Aes128Ccm, M::Sha256, Cl::Aead),
    s(0x1305, "TLS_AES_128_CCM_8_SHA256", Kx::Tls13, Au::Tls13, C::Aes128Ccm8, M::Sha256, Cl::Aead),
    // ECDHE AEAD
    s(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", Kx::Ecdhe, Au::Ecdsa, C::Aes256Gcm, M::Sha384, Cl::Aead),
    s(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", Kx::Ecdhe, Au::Rsa, C::Aes256Gcm, M::Sha384, Cl::Aead),
    s(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", Kx::Ecdhe, Au::Ecdsa, C::Chacha20Poly1305, M::Sha256, Cl::Aead),
    s(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Kx::Ecdhe, Au::Rsa, C::Chacha20Poly1305, M::Sha256, Cl::Aead),
    s(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", Kx::Ecdhe, Au::Ecdsa, C::Aes128Gcm, M::Sha256, Cl::Aead),
    s(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", Kx::Ecdhe, Au::Rsa, C::Aes128Gcm, M::Sha256, Cl::Aead),
    s(0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM", Kx::Ecdhe, Au::Ecdsa, C::Aes256Ccm, M::Aead, Cl::Aead),
    s(0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM", Kx::Ecdhe, Au::Ecdsa, C::Aes128Ccm, M::Aead, Cl::Aead),
    // DHE AEAD
    s(0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", Kx::Dhe, Au::Rsa, C::Aes256Gcm, M::Sha384, Cl::Aead),
    s(0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", Kx::Dhe, Au::Rsa, C::Chacha20Poly1305, M::Sha256, Cl::Aead),
    s(0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", Kx::Dhe, Au::Rsa, C::Aes128Gcm, M::Sha256, Cl::Aead),
    s(0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM", Kx::Dhe, Au::Rsa, C::Aes256Ccm, M::Aead, Cl::Aead),
    s(0xC09E, "TLS_DHE_RSA_WITH_AES_128_CCM", Kx::Dhe, Au::Rsa, C::Aes128Ccm, M::Aead, Cl::Aead),
    // ECDHE / DHE CBC with SHA-2
    s(0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", Kx::Ecdhe, Au::Ecdsa, C::Aes256Cbc, M::Sha384, Cl::CbcSha2),
    s(0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", Kx::Ecdhe, Au::Rsa, C::Aes256Cbc, M::Sha384, Cl::CbcSha2),
    s(0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", Kx::Ecdhe, Au::Ecdsa, C::Aes128Cbc, M::Sha256, Cl::CbcSha2),
    s(0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", Kx::Ecdhe, Au::Rsa, C::Aes128Cbc, M::Sha256, Cl::CbcSha2),
    s(0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", Kx::Dhe, Au::Rsa, C::Aes256Cbc, M::Sha256, Cl::CbcSha2),
    s(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", Kx::Dhe, Au::Rsa, C::Aes128Cbc, M::Sha256, Cl::CbcSha2),
    // ECDHE / DHE CBC with SHA-1
    s(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", Kx::Ecdhe, Au::Ecdsa, C::Aes256Cbc, M::Sha1, Cl::CbcSha1),
    s(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", Kx::Ecdhe, Au::Rsa, C::Aes256Cbc, M::Sha1, Cl::CbcSha1),
    s(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", Kx::Ecdhe, Au::Ecdsa, C::Aes128Cbc, M::Sha1, Cl::CbcSha1),
    s(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", Kx::Ecdhe, Au::Rsa, C::Aes128Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", Kx::Dhe, Au::Rsa, C::Aes256Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA", Kx::Dhe, Au::Rsa, C::Aes128Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA", Kx::Dhe, Au::Dss, C::Aes256Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA", Kx::Dhe, Au::Dss, C::Aes128Cbc, M::Sha1, Cl::CbcSha1),
    // RSA key transport
    s(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", Kx::Rsa, Au::Rsa, C::Aes256Gcm, M::Sha384, Cl::Aead),
    s(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", Kx::Rsa, Au::Rsa, C::Aes128Gcm, M::Sha256, Cl::Aead),
    s(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", Kx::Rsa, Au::Rsa, C::Aes256Cbc, M::Sha256, Cl::CbcSha2),
    s(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", Kx::Rsa, Au::Rsa, C::Aes128Cbc, M::Sha256, Cl::CbcSha2),
    s(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", Kx::Rsa, Au::Rsa, C::Aes256Cbc, M::Sha1, Cl::CbcSha1),
    s(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", Kx::Rsa, Au::Rsa, C::Aes128Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA", Kx::Rsa, Au::Rsa, C::Camellia256Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA", Kx::Rsa, Au::Rsa, C::Camellia128Cbc, M::Sha1, Cl::CbcSha1),
    s(0x0096, "TLS_RSA_WITH_SEED_CBC_SHA", Kx::Rsa, Au::Rsa, C::Seed, M::Sha1, Cl::CbcSha1),
    s(0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA", Kx::Rsa, Au::Rsa, C::Idea, M::Sha1, Cl::CbcSha1),
    // Triple DES
    s(0xC008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA", Kx::Ecdhe, Au::Ecdsa, C::TripleDes, M::Sha1, Cl::TripleDes),
    s(0xC012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", Kx::Ecdhe, Au::Rsa, C::TripleDes, M::Sha1, Cl::TripleDes),
    s(0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA", Kx::Dhe, Au::Rsa, C::TripleDes, M::Sha1, Cl::TripleDes),
    s(0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA", Kx::Dhe, Au::Dss, C::TripleDes, M::Sha1, Cl::TripleDes),
    s(0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA", Kx::Rsa, Au::Rsa, C::TripleDes, M::Sha1, Cl::TripleDes),
    // Single DES
    s(0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA", Kx::Dhe, Au::Rsa, C::Des, M::Sha1, Cl::Des),
    s(0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA", Kx::Dhe, Au::Dss, C::Des, M::Sha1, Cl::Des),
    s(0x0009, "TLS_RSA_WITH_DES_CBC_SHA", Kx::Rsa, Au::Rsa, C::Des, M::Sha1, Cl::Des),
    // RC4
    s(0xC011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA", Kx::Ecdhe, Au::Rsa, C::Rc4_128, M::Sha1, Cl::Rc4),
    s(0xC007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", Kx::Ecdhe, Au::Ecdsa, C::Rc4_128, M::Sha1, Cl::Rc4),
    s(0x0005, "TLS_RSA_WITH_RC4_128_SHA", Kx::Rsa, Au::Rsa, C::Rc4_128, M::Sha1, Cl::Rc4),
    s(0x0004, "TLS_RSA_WITH_RC4_128_MD5", Kx::Rsa, Au::Rsa, C::Rc4_128, M::Md5, Cl::Rc4),
    // EXPORT
    s(0x0064, "TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", Kx::Rsa, Au::Rsa, C::Rc4_56, M::Sha1, Cl::Export),
    s(0x0062, "TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", Kx::Rsa, Au::Rsa, C::Des, M::Sha1, Cl::Export),
    s(0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA", Kx::Dhe, Au::Rsa, C::DesExport40, M::Sha1, Cl::Export),
    s(0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA", Kx::Dhe, Au::Dss, C::DesExport40, M::Sha1, Cl::Export),
    s(0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA", Kx::Rsa, Au::Rsa, C::DesExport40, M::Sha1, Cl::Export),
    s(0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5", Kx::Rsa, Au::Rsa, C::Rc2Export40, M::Md5, Cl::Export),
    s(0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5", Kx::Rsa, Au::Rsa, C::Rc4Export40, M::Md5, Cl::Export),
    // Anonymous
    s(0x00A7, "TLS_DH_anon_WITH_AES_256_GCM_SHA384", Kx::Dhe, Au::Anonymous, C::Aes256Gcm, M::Sha384, Cl::Anonymous),
    s(0x00A6, "TLS_DH_anon_WITH_AES_128_GCM_SHA256", Kx::Dhe, Au::Anonymous, C::Aes128Gcm, M::Sha256, Cl::Anonymous),
    s(0x006D, "TLS_DH_anon_WITH_AES_256_CBC_SHA256", Kx::Dhe, Au::Anonymous, C::Aes256Cbc, M::Sha256, Cl::Anonymous),
    s(0x006C, "TLS_DH_anon_WITH_AES_128_CBC_SHA256", Kx::Dhe, Au::Anonymous, C::Aes128Cbc, M::Sha256, Cl::Anonymous),
    s(0x003A, "TLS_DH_anon_WITH_AES_256_CBC_SHA", Kx::Dhe, Au::Anonymous, C::Aes256Cbc, M::Sha1, Cl::Anonymous),
    s(0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA", Kx::Dhe, Au::Anonymous, C::Aes128Cbc, M::Sha1, Cl::Anonymous),
    s(0x001B, "TLS_DH_anon_WITH_3DES_EDE_CBC_SHA", Kx::Dhe, Au::Anonymous, C::TripleDes, M::Sha1, Cl::Anonymous),
    s(0x0018, "TLS_DH_anon_WITH_RC4_128_MD5", Kx::Dhe, Au::Anonymous, C::Rc4_128, M::Md5, Cl::Anonymous),
    s(0xC019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA", Kx::Ecdhe, Au::Anonymous, C::Aes256Cbc, M::Sha1, Cl::Anonymous),
    s(0xC018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA", Kx::Ecdhe, Au::Anonymous, C::Aes128Cbc, M::Sha1, Cl::Anonymous),
    s(0xC017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA", Kx::Ecdhe, Au::Anonymous, C::TripleDes, M::Sha1, Cl::Anonymous),
    s(0xC016, "TLS_ECDH_anon_WITH_RC4_128_SHA", Kx::Ecdhe, Au::Anonymous, C::Rc4_128, M::Sha1, Cl::Anonymous),
    // NULL encryption
    s(0xC010, "TLS_ECDHE_RSA_WITH_NULL_SHA", Kx::Ecdhe, Au::Rsa, C::Null, M::Sha1, Cl::Null),
    s(0xC006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA", Kx::Ecdhe, Au::Ecdsa, C::Null, M::Sha1, Cl::Null),
    s(0xC015, "TLS_ECDH_anon_WITH_NULL_SHA", Kx::Ecdhe, Au::Anonymous, C::Null, M::Sha1, Cl::Null),
    s(0x003B, "TLS_RSA_WITH_NULL_SHA256", Kx::Rsa, Au::Rsa, C::Null, M::Sha256, Cl::Null),
    s(0x0002, "TLS_RSA_WITH_NULL_SHA", Kx::Rsa, Au::Rsa, C::Null, M::Sha1, Cl::Null),
    s(0x0001, "TLS_RSA_WITH_NULL_MD5", Kx::Rsa, Au::Rsa, C::Null, M::Md5, Cl::Null),
];

/// The suite with this code, if the table knows it.
///
/// ```
/// use smtping_proto::tls_probe::{suite, SuiteClass};
/// let rc4 = suite(0x0005).unwrap();
/// assert_eq!(rc4.name, "TLS_RSA_WITH_RC4_128_SHA");
/// assert_eq!(rc4.class, SuiteClass::Rc4);
/// assert!(!rc4.forward_secrecy());
/// assert!(suite(0xFFFF).is_none());
/// ```
#[must_use]
pub fn suite(code: u16) -> Option<&'static SuiteInfo> {
    SUITES.iter().find(|s| s.code == code)
}

/// The codes of the suites matching `keep`, in table order (strongest families first).
#[must_use]
pub fn suite_codes(keep: impl Fn(&SuiteInfo) -> bool) -> Vec<u16> {
    SUITES.iter().filter(|s| keep(s)).map(|s| s.code).collect()
}

/// The name of a suite code: the table's IANA name, or `0xC0FF` style hex for a code the
/// table does not know.
#[must_use]
pub fn suite_name(code: u16) -> alloc::borrow::Cow<'static, str> {
    match suite(code) {
        Some(info) => alloc::borrow::Cow::Borrowed(info.name),
        None => alloc::borrow::Cow::Owned(alloc::format!("0x{code:04X}")),
    }
}
