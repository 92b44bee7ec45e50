//! The ClientHello, built byte by byte for the version being probed.

use alloc::vec::Vec;

use thiserror::Error;

/// A protocol version a probe can offer.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProbeVersion {
    /// SSL 3.0 (RFC 6101; prohibited by RFC 7568).
    Ssl3,
    /// TLS 1.0 (RFC 2246; deprecated by RFC 8996).
    Tls10,
    /// TLS 1.1 (RFC 4346; deprecated by RFC 8996).
    Tls11,
    /// TLS 1.2 (RFC 5246).
    Tls12,
    /// TLS 1.3 (RFC 8446): offered through `supported_versions`.
    Tls13,
}

impl ProbeVersion {
    /// Every version, oldest first.
    pub const ALL: [ProbeVersion; 5] = [
        Self::Ssl3,
        Self::Tls10,
        Self::Tls11,
        Self::Tls12,
        Self::Tls13,
    ];

    /// The two-byte wire value (`0x0303` for TLS 1.2).
    #[must_use]
    pub const fn wire(self) -> u16 {
        match self {
            Self::Ssl3 => 0x0300,
            Self::Tls10 => 0x0301,
            Self::Tls11 => 0x0302,
            Self::Tls12 => 0x0303,
            Self::Tls13 => 0x0304,
        }
    }

    /// The version with this wire value.
    #[must_use]
    pub const fn from_wire(wire: u16) -> Option<Self> {
        match wire {
            0x0300 => Some(Self::Ssl3),
            0x0301 => Some(Self::Tls10),
            0x0302 => Some(Self::Tls11),
            0x0303 => Some(Self::Tls12),
            0x0304 => Some(Self::Tls13),
            _ => None,
        }
    }

    /// The conventional name: `"SSLv3"`, `"TLSv1.0"`, `"TLSv1.1"`, `"TLSv1.2"`, `"TLSv1.3"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
            Self::Tls13 => "TLSv1.3",
        }
    }
}

impl core::fmt::Display for ProbeVersion {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Named groups (RFC 8422, RFC 7919, RFC 8446).
pub mod group {
    /// secp224r1 (phase out).
    pub const SECP224R1: u16 = 21;
    /// secp256r1 (P-256).
    pub const SECP256R1: u16 = 23;
    /// secp384r1 (P-384).
    pub const SECP384R1: u16 = 24;
    /// secp521r1 (P-521).
    pub const SECP521R1: u16 = 25;
    /// X25519.
    pub const X25519: u16 = 29;
    /// X448.
    pub const X448: u16 = 30;
    /// ffdhe2048 (RFC 7919).
    pub const FFDHE2048: u16 = 256;
    /// ffdhe3072 (RFC 7919).
    pub const FFDHE3072: u16 = 257;

    /// The group's usual name (`"x25519"`, `"secp256r1"`), or `None` for a code this crate
    /// does not name.
    #[must_use]
    pub const fn name(code: u16) -> Option<&'static str> {
        Some(match code {
            19 => "secp192r1",
            SECP224R1 => "secp224r1",
            SECP256R1 => "secp256r1",
            SECP384R1 => "secp384r1",
            SECP521R1 => "secp521r1",
            26 => "brainpoolP256r1",
            27 => "brainpoolP384r1",
            28 => "brainpoolP512r1",
            X25519 => "x25519",
            X448 => "x448",
            FFDHE2048 => "ffdhe2048",
            FFDHE3072 => "ffdhe3072",
            258 => "ffdhe4096",
            259 => "ffdhe6144",
            260 => "ffdhe8192",
            0x11EC => "X25519MLKEM768",
            _ => return None,
        })
    }
}

/// The groups offered by default: the ones NCSC-NL rates good, strongest-by-habit first.
pub const DEFAULT_GROUPS: &[u16] = &[
    group::X25519,
    group::SECP256R1,
    group::SECP384R1,
    group::SECP521R1,
    group::X448,
];

/// The signature algorithms offered in TLS 1.2 and 1.3 hellos (RFC 8446 §4.2.3 code points):
/// modern ones first, SHA-1 last so that old servers still answer.
pub const SIGNATURE_ALGORITHMS: &[u16] = &[
    0x0403, 0x0503, 0x0603, // ecdsa_secp256r1_sha256, secp384r1_sha384, secp521r1_sha512
    0x0807, 0x0808, // ed25519, ed448
    0x0804, 0x0805, 0x0806, // rsa_pss_rsae_sha256/384/512
    0x0809, 0x080A, 0x080B, // rsa_pss_pss_sha256/384/512
    0x0401, 0x0501, 0x0601, // rsa_pkcs1_sha256/384/512
    0x0402, // dsa_sha256
    0x0303, 0x0301, // ecdsa_sha224, rsa_sha224
    0x0203, 0x0201, 0x0202, // ecdsa_sha1, rsa_pkcs1_sha1, dsa_sha1
];

/// The signaling suite `TLS_EMPTY_RENEGOTIATION_INFO_SCSV` (RFC 5746), appended to every
/// pre-1.3 suite list so that servers insisting on secure renegotiation still answer.
pub const RENEGOTIATION_SCSV: u16 = 0x00FF;

/// Longest SNI host name sent (RFC 6066 bounds it by the DNS: 253 octets).
pub const MAX_SERVER_NAME: usize = 253;
/// Most cipher suites in one hello.
pub const MAX_SUITES: usize = 256;

/// What the caller wants offered.
///
/// ```
/// use smtping_proto::tls_probe::{ClientHelloSpec, ProbeVersion};
/// let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0xC02F, 0x009C])
///     .server_name("mx.example.org");
/// let bytes = spec.build(&[7; 32]).unwrap();
/// assert_eq!(bytes[0], 22); // a handshake record
/// assert_eq!(&bytes[9..11], &[0x03, 0x03]); // client_version TLS 1.2
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloSpec {
    version: ProbeVersion,
    suites: Vec<u16>,
    server_name: Option<alloc::string::String>,
    groups: Vec<u16>,
}

/// Why a hello could not be built.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HelloError {
    /// The suite list is empty.
    #[error("building the ClientHello: no cipher suite to offer")]
    NoSuites,
    /// More than [`MAX_SUITES`] suites.
    #[error("building the ClientHello: {count} cipher suites is more than {MAX_SUITES}")]
    TooManySuites {
        /// How many were asked for.
        count: usize,
    },
    /// The SNI name is empty, too long, or not an ASCII host name.
    #[error("building the ClientHello: {0:?} is not a host name to send as SNI")]
    InvalidServerName(alloc::string::String),
    /// TLS 1.3 needs a key share in one of the offered groups, and X25519 is the one this
    /// builder can fill.
    #[error("building the ClientHello: a TLS 1.3 hello needs x25519 among the groups")]
    NoKeyShareGroup,
}

impl ClientHelloSpec {
    /// A hello for `version` offering `suites` in this order (the signaling SCSV is added
    /// below TLS 1.3), the [`DEFAULT_GROUPS`] and no SNI.
    #[must_use]
    pub fn new(version: ProbeVersion, suites: Vec<u16>) -> Self {
        Self {
            version,
            suites,
            server_name: None,
            groups: DEFAULT_GROUPS.to_vec(),
        }
    }

    /// Sends `name` as SNI (a trailing dot is dropped; IP literals must not be given).
    #[must_use]
    pub fn server_name(mut self, name: &str) -> Self {
        self.server_name = Some(name.trim_end_matches('.').into());
        self
    }

    /// Offers these named groups instead of the defaults.
    #[must_use]
    pub fn groups(mut self, groups: Vec<u16>) -> Self {
        self.groups = groups;
        self
    }

    /// The version offered.
    #[must_use]
    pub const fn version(&self) -> ProbeVersion {
        self.version
    }

    /// The suites offered (without the SCSV), in order.
    #[must_use]
    pub fn suites(&self) -> &[u16] {
        &self.suites
    }

    /// The record bytes to send: one handshake record holding the ClientHello.
    ///
    /// `seed` fills the random, the session id and the TLS 1.3 key share (this crate has no
    /// RNG; pass fresh random bytes). Nothing secret is derived from it: a probe never
    /// completes a handshake.
    ///
    /// # Errors
    /// [`HelloError`] when the suite list or the SNI name cannot be sent.
    pub fn build(&self, seed: &[u8; 32]) -> Result<Vec<u8>, HelloError> {
        if self.suites.is_empty() {
            return Err(HelloError::NoSuites);
        }
        if self.suites.len() > MAX_SUITES {
            return Err(HelloError::TooManySuites {
                count: self.suites.len(),
            });
        }
        if let Some(name) = self.server_name.as_ref().filter(|n| !valid_sni(n)) {
            return Err(HelloError::InvalidServerName(name.clone()));
        }
        let tls13 = self.version == ProbeVersion::Tls13;
        if tls13 && !self.groups.contains(&group::X25519) {
            return Err(HelloError::NoKeyShareGroup);
        }
        let mut stream = Expand::new(seed);

        let mut body = Vec::with_capacity(512);
        let client_version = if tls13 { 0x0303 } else { self.version.wire() };
        put_u16(&mut body, client_version);
        body.extend_from_slice(&stream.take32());
        // Session id: empty before 1.3; 32 bytes in 1.3 (middlebox compatibility mode).
        if tls13 {
            body.push(32);
            body.extend_from_slice(&stream.take32());
        } else {
            body.push(0);
        }
        let mut suites: Vec<u16> = self.suites.clone();
        if !tls13 && !suites.contains(&RENEGOTIATION_SCSV) {
            suites.push(RENEGOTIATION_SCSV);
        }
        put_u16(&mut body, (suites.len() * 2) as u16);
        for code in &suites {
            put_u16(&mut body, *code);
        }
        body.extend_from_slice(&[1, 0]); // compression: null only

        if self.version != ProbeVersion::Ssl3 {
            let extensions = self.extensions(&mut stream, body.len());
            put_u16(&mut body, extensions.len() as u16);
            body.extend_from_slice(&extensions);
        }

        let mut handshake = Vec::with_capacity(body.len() + 4);
        handshake.push(1); // client_hello
        put_u24(&mut handshake, body.len());
        handshake.extend_from_slice(&body);

        let mut record = Vec::with_capacity(handshake.len() + 5);
        record.push(22);
        // The record version: SSL 3.0 for an SSLv3 hello, TLS 1.0 otherwise (what browsers
        // and OpenSSL send: servers that only know old versions still read the record).
        let record_version = if self.version == ProbeVersion::Ssl3 {
            0x0300
        } else {
            0x0301
        };
        put_u16(&mut record, record_version);
        put_u16(&mut record, handshake.len() as u16);
        record.extend_from_slice(&handshake);
        Ok(record)
    }

    fn extensions(&self, stream: &mut Expand, body_len: usize) -> Vec<u8> {
        let mut ext = Vec::with_capacity(256);
        if let Some(name) = &self.server_name {
            let name = name.as_bytes();
            let mut data = Vec::with_capacity(name.len() + 5);
            put_u16(&mut data, (name.len() + 3) as u16);
            data.push(0); // host_name
            put_u16(&mut data, name.len() as u16);
            data.extend_from_slice(name);
            put_ext(&mut ext, 0, &data);
        }
        if !self.groups.is_empty() {
            let mut data = Vec::with_capacity(self.groups.len() * 2 + 2);
            put_u16(&mut data, (self.groups.len() * 2) as u16);
            for g in &self.groups {
                put_u16(&mut data, *g);
            }
            put_ext(&mut ext, 10, &data); // supported_groups
            put_ext(&mut ext, 11, &[1, 0]); // ec_point_formats: uncompressed
        }
        if self.version >= ProbeVersion::Tls12 {
            let mut data = Vec::with_capacity(SIGNATURE_ALGORITHMS.len() * 2 + 2);
            put_u16(&mut data, (SIGNATURE_ALGORITHMS.len() * 2) as u16);
            for alg in SIGNATURE_ALGORITHMS {
                put_u16(&mut data, *alg);
            }
            put_ext(&mut ext, 13, &data); // signature_algorithms
        }
        put_ext(&mut ext, 23, &[]); // extended_master_secret
        if self.version == ProbeVersion::Tls13 {
            put_ext(&mut ext, 43, &[2, 0x03, 0x04]); // supported_versions: TLS 1.3 only
            put_ext(&mut ext, 45, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
            let key = stream.take32();
            let mut data = Vec::with_capacity(40);
            put_u16(&mut data, 36);
            put_u16(&mut data, group::X25519);
            put_u16(&mut data, 32);
            data.extend_from_slice(&key);
            put_ext(&mut ext, 51, &data); // key_share
        }
        // RFC 7685 padding: some servers hang on hellos of 256..=511 bytes (handshake
        // message length), so those are padded to 512.
        let hello_len = 4 + body_len + 2 + ext.len();
        if (256..512).contains(&hello_len) {
            let pad = (512 - hello_len).saturating_sub(4);
            put_ext(&mut ext, 21, &alloc::vec![0; pad]);
        }
        ext
    }
}

fn valid_sni(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_SERVER_NAME
        && name.parse::<core::net::IpAddr>().is_err()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    let v = v as u32;
    out.extend_from_slice(&v.to_be_bytes()[1..]);
}

fn put_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    put_u16(out, kind);
    put_u16(out, data.len() as u16);
    out.extend_from_slice(data);
}

/// Expands the caller's 32-byte seed into as many bytes as a hello needs (SplitMix64 over
/// the seed's words: not a cryptographic generator, and nothing here needs one).
struct Expand {
    state: [u64; 4],
    counter: u64,
}

impl Expand {
    fn new(seed: &[u8; 32]) -> Self {
        let mut state = [0u64; 4];
        for (i, chunk) in seed.chunks_exact(8).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            state[i] = u64::from_le_bytes(word);
        }
        Self { state, counter: 0 }
    }

    fn next(&mut self) -> u64 {
        let lane = (self.counter % 4) as usize;
        self.counter += 1;
        self.state[lane] = self.state[lane].wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state[lane] ^ self.counter.rotate_left(17);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn take32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for chunk in out.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        out
    }
}
