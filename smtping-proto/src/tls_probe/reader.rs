//! The server's answer to a probe hello, read from bytes in any split.

use alloc::vec::Vec;

use thiserror::Error;

use super::hello::{ClientHelloSpec, ProbeVersion};
use super::suites::{KeyExchange, SuiteClass, suite};

/// Hard caps on what the reader keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReaderLimits {
    /// Most bytes read from the server before the flight must be complete (default 64 KiB:
    /// a ServerHello, a chain of a few certificates and the key exchange fit easily).
    pub max_total: usize,
    /// Longest record accepted (default 2^14 + 2048, the TLS ciphertext limit).
    pub max_record: usize,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        Self {
            max_total: 64 * 1024,
            max_record: 16_384 + 2_048,
        }
    }
}

/// An alert's level.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertLevel {
    /// Level 1.
    Warning,
    /// Level 2.
    Fatal,
    /// Any other value (a broken server).
    Other(u8),
}

/// An alert's description (RFC 8446 §6 names).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AlertDescription {
    /// 0.
    CloseNotify,
    /// 10.
    UnexpectedMessage,
    /// 20.
    BadRecordMac,
    /// 22.
    RecordOverflow,
    /// 40: no suite (or other parameter) in common.
    HandshakeFailure,
    /// 42.
    BadCertificate,
    /// 47.
    IllegalParameter,
    /// 50.
    DecodeError,
    /// 51.
    DecryptError,
    /// 70: the version is not supported.
    ProtocolVersion,
    /// 71: the version or suites are below the server's minimum.
    InsufficientSecurity,
    /// 80.
    InternalError,
    /// 86 (RFC 7507).
    InappropriateFallback,
    /// 90.
    UserCanceled,
    /// 109.
    MissingExtension,
    /// 110.
    UnsupportedExtension,
    /// 112.
    UnrecognizedName,
    /// Any other code.
    Other(u8),
}

impl AlertDescription {
    /// The description for a wire code.
    #[must_use]
    pub const fn from_wire(code: u8) -> Self {
        match code {
            0 => Self::CloseNotify,
            10 => Self::UnexpectedMessage,
            20 => Self::BadRecordMac,
            22 => Self::RecordOverflow,
            40 => Self::HandshakeFailure,
            42 => Self::BadCertificate,
            47 => Self::IllegalParameter,
            50 => Self::DecodeError,
            51 => Self::DecryptError,
            70 => Self::ProtocolVersion,
            71 => Self::InsufficientSecurity,
            80 => Self::InternalError,
            86 => Self::InappropriateFallback,
            90 => Self::UserCanceled,
            109 => Self::MissingExtension,
            110 => Self::UnsupportedExtension,
            112 => Self::UnrecognizedName,
            other => Self::Other(other),
        }
    }

    /// The RFC name in snake_case (`"handshake_failure"`), or `"alert_N"`.
    #[must_use]
    pub fn name(self) -> alloc::borrow::Cow<'static, str> {
        use alloc::borrow::Cow::Borrowed;
        match self {
            Self::CloseNotify => Borrowed("close_notify"),
            Self::UnexpectedMessage => Borrowed("unexpected_message"),
            Self::BadRecordMac => Borrowed("bad_record_mac"),
            Self::RecordOverflow => Borrowed("record_overflow"),
            Self::HandshakeFailure => Borrowed("handshake_failure"),
            Self::BadCertificate => Borrowed("bad_certificate"),
            Self::IllegalParameter => Borrowed("illegal_parameter"),
            Self::DecodeError => Borrowed("decode_error"),
            Self::DecryptError => Borrowed("decrypt_error"),
            Self::ProtocolVersion => Borrowed("protocol_version"),
            Self::InsufficientSecurity => Borrowed("insufficient_security"),
            Self::InternalError => Borrowed("internal_error"),
            Self::InappropriateFallback => Borrowed("inappropriate_fallback"),
            Self::UserCanceled => Borrowed("user_canceled"),
            Self::MissingExtension => Borrowed("missing_extension"),
            Self::UnsupportedExtension => Borrowed("unsupported_extension"),
            Self::UnrecognizedName => Borrowed("unrecognized_name"),
            Self::Other(code) => alloc::borrow::Cow::Owned(alloc::format!("alert_{code}")),
        }
    }
}

/// One alert record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Alert {
    /// Warning or fatal.
    pub level: AlertLevel,
    /// What it says.
    pub description: AlertDescription,
}

/// The ServerHello (or TLS 1.3 HelloRetryRequest).
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// The `legacy_version`/`server_version` field.
    pub legacy_version: u16,
    /// The version negotiated: `supported_versions` when present, else the version field.
    pub version: u16,
    /// The chosen suite.
    pub cipher_suite: u16,
    /// The chosen compression method (anything but 0 is CRIME-prone).
    pub compression: u8,
    /// A TLS 1.3 HelloRetryRequest (the server wants another key share).
    pub hello_retry: bool,
    /// The random's last 8 bytes carry RFC 8446 §4.1.3's downgrade sentinel.
    pub downgrade_sentinel: bool,
    /// The group of the TLS 1.3 `key_share` (or of the HelloRetryRequest).
    pub key_share_group: Option<u16>,
    /// The extension types present, in order.
    pub extensions: Vec<u16>,
}

impl ServerHello {
    /// The negotiated version, when it is one this crate names.
    #[must_use]
    pub const fn probe_version(&self) -> Option<ProbeVersion> {
        ProbeVersion::from_wire(self.version)
    }

    /// Whether the server sent `renegotiation_info` (RFC 5746 secure renegotiation).
    #[must_use]
    pub fn secure_renegotiation(&self) -> bool {
        self.extensions.contains(&0xFF01)
    }
}

/// The server's key-exchange parameters (TLS ≤ 1.2 ServerKeyExchange).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyExchangeParams {
    /// ECDHE over a named group.
    NamedGroup(u16),
    /// ECDHE over explicit curve parameters (RFC 8422 deprecates them).
    ExplicitCurve,
    /// Finite-field DHE with a prime of this many bits.
    Dhe {
        /// Bits in the prime p.
        prime_bits: u32,
    },
    /// A temporary RSA key (EXPORT suites) of this many bits.
    RsaExport {
        /// Bits in the modulus.
        modulus_bits: u32,
    },
}

/// The Certificate message (TLS ≤ 1.2: in clear).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateMessage {
    /// The leaf certificate's DER, when the list was not empty.
    pub leaf: Option<Vec<u8>>,
    /// How many certificates the server sent.
    pub chain_length: usize,
}

/// What the reader has learned so far.
#[non_exhaustive]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServerFlight {
    /// The ServerHello, once read.
    pub server_hello: Option<ServerHello>,
    /// The Certificate message, once read.
    pub certificate: Option<CertificateMessage>,
    /// The ServerKeyExchange's parameters, once read and understood.
    pub key_exchange: Option<KeyExchangeParams>,
    /// The server asked for a client certificate.
    pub certificate_request: bool,
    /// ServerHelloDone arrived (the flight is whole).
    pub hello_done: bool,
    /// The alert that ended the flight (fatal, or close_notify).
    pub alert: Option<Alert>,
    /// Warning alerts that did not end it (`unrecognized_name` before the hello, …).
    pub warnings: Vec<Alert>,
}

/// What a probe learned about the version and suite it offered.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The server agreed to the offered version with one of the offered suites.
    Accepted {
        /// The version (the one offered).
        version: ProbeVersion,
        /// The suite it chose.
        suite: u16,
    },
    /// The server answered with another (lower) version than offered.
    OtherVersion {
        /// The version it chose (its wire value).
        version: u16,
        /// The suite it chose.
        suite: u16,
    },
    /// The server refused with an alert.
    Refused(Alert),
    /// The server's answer breaks the protocol (a suite or version that was not offered).
    Invalid(&'static str),
}

impl ServerFlight {
    /// What this flight says about the hello `offered`. `None` until a ServerHello or a
    /// terminating alert has arrived.
    ///
    /// ```
    /// use smtping_proto::tls_probe::{ClientHelloSpec, ProbeVersion, ServerFlight};
    /// let spec = ClientHelloSpec::new(ProbeVersion::Tls10, vec![0x002F]);
    /// assert!(ServerFlight::default().verdict(&spec).is_none());
    /// ```
    #[must_use]
    pub fn verdict(&self, offered: &ClientHelloSpec) -> Option<Verdict> {
        let Some(hello) = &self.server_hello else {
            return self.alert.map(Verdict::Refused);
        };
        let suite = hello.cipher_suite;
        if !offered.suites().contains(&suite) {
            return Some(Verdict::Invalid(
                "the server chose a suite that was not offered",
            ));
        }
        let offered_version = offered.version();
        if hello.version > offered_version.wire() {
            return Some(Verdict::Invalid(
                "the server chose a version above the one offered",
            ));
        }
        if hello.version == offered_version.wire() {
            Some(Verdict::Accepted {
                version: offered_version,
                suite,
            })
        } else {
            Some(Verdict::OtherVersion {
                version: hello.version,
                suite,
            })
        }
    }
}

/// Why the server's answer could not be read.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReadError {
    /// The first byte is no TLS record type (a plaintext SMTP reply, an SSLv2 answer, …).
    #[error("reading the server's TLS answer: it is not TLS (first bytes {first:02x?})")]
    NotTls {
        /// Up to 8 of the first bytes.
        first: Vec<u8>,
    },
    /// A record of a type that cannot come before the handshake is done.
    #[error("reading the server's TLS answer: unexpected record type {0}")]
    UnexpectedRecord(u8),
    /// A record longer than the limit.
    #[error("reading the server's TLS answer: a record of {len} bytes is longer than {max}")]
    RecordTooLong {
        /// Its declared length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The server sent more than [`ReaderLimits::max_total`] bytes before its flight ended.
    #[error("reading the server's TLS answer: more than {limit} bytes before the flight ended")]
    LimitExceeded {
        /// The limit.
        limit: usize,
    },
    /// A message or record is malformed.
    #[error("reading the server's TLS answer: malformed {0}")]
    Malformed(&'static str),
    /// A handshake message out of order.
    #[error("reading the server's TLS answer: unexpected handshake message {0}")]
    UnexpectedMessage(u8),
    /// The connection ended before the flight did.
    #[error("reading the server's TLS answer: the server closed the connection {0}")]
    Truncated(&'static str),
}

/// Whether the flight is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadStatus {
    /// Push more bytes (or call [`ServerReader::handle_eof`]).
    NeedMore,
    /// The flight is complete: ServerHelloDone, a TLS 1.3 ServerHello, or a final alert.
    Complete,
}

/// The HelloRetryRequest random (RFC 8446 §4.1.3).
const HRR_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// A streaming reader of the server's first flight.
///
/// ```
/// use smtping_proto::tls_probe::{ReadStatus, ServerReader};
/// let mut reader = ServerReader::new();
/// // A fatal protocol_version alert, in two reads.
/// assert_eq!(reader.push(&[21, 3, 1]).unwrap(), ReadStatus::NeedMore);
/// assert_eq!(reader.push(&[0, 2, 2, 70]).unwrap(), ReadStatus::Complete);
/// assert!(reader.flight().alert.is_some());
/// ```
#[derive(Debug, Clone, Default)]
pub struct ServerReader {
    limits: ReaderLimits,
    record: Vec<u8>,
    handshake: Vec<u8>,
    total: usize,
    flight: ServerFlight,
    complete: bool,
}

impl ServerReader {
    /// A reader with the default [`ReaderLimits`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A reader with these limits.
    #[must_use]
    pub fn with_limits(limits: ReaderLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// What has been read so far (also after an error).
    #[must_use]
    pub const fn flight(&self) -> &ServerFlight {
        &self.flight
    }

    /// The flight, consuming the reader.
    #[must_use]
    pub fn into_flight(self) -> ServerFlight {
        self.flight
    }

    /// Whether the flight is complete.
    #[must_use]
    pub const fn is_complete(&self) -> bool {
        self.complete
    }

    /// Feeds bytes from the server, in any split. Bytes after the flight is complete are
    /// ignored.
    ///
    /// # Errors
    /// [`ReadError`] when the answer is not TLS, breaks the protocol or a limit.
    pub fn push(&mut self, bytes: &[u8]) -> Result<ReadStatus, ReadError> {
        if self.complete {
            return Ok(ReadStatus::Complete);
        }
        if self.total == 0 && !bytes.is_empty() && !matches!(bytes[0], 20..=23) {
            return Err(ReadError::NotTls {
                first: bytes[..bytes.len().min(8)].to_vec(),
            });
        }
        self.total = self.total.saturating_add(bytes.len());
        if self.total > self.limits.max_total {
            return Err(ReadError::LimitExceeded {
                limit: self.limits.max_total,
            });
        }
        self.record.extend_from_slice(bytes);
        let mut at = 0;
        let result = loop {
            let rest = &self.record[at..];
            if rest.len() < 5 {
                break Ok(ReadStatus::NeedMore);
            }
            let kind = rest[0];
            if !matches!(kind, 20..=23) || rest[1] != 3 {
                break Err(ReadError::NotTls {
                    first: rest[..8.min(rest.len())].to_vec(),
                });
            }
            let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
            if len > self.limits.max_record {
                break Err(ReadError::RecordTooLong {
                    len,
                    max: self.limits.max_record,
                });
            }
            if rest.len() < 5 + len {
                break Ok(ReadStatus::NeedMore);
            }
            let fragment = rest[5..5 + len].to_vec();
            at += 5 + len;
            match self.record_in(kind, &fragment) {
                Ok(ReadStatus::Complete) => {
                    self.complete = true;
                    break Ok(ReadStatus::Complete);
                }
                Ok(ReadStatus::NeedMore) => {}
                Err(e) => break Err(e),
            }
        };
        self.record.drain(..at);
        if self.complete {
            self.record = Vec::new();
            self.handshake = Vec::new();
        }
        result
    }

    /// The server closed the connection.
    ///
    /// # Errors
    /// [`ReadError::Truncated`] unless the flight was complete.
    pub fn handle_eof(&mut self) -> Result<(), ReadError> {
        if self.complete {
            Ok(())
        } else if self.flight.server_hello.is_none() {
            Err(ReadError::Truncated("before its ServerHello"))
        } else {
            Err(ReadError::Truncated("in the middle of its flight"))
        }
    }

    fn record_in(&mut self, kind: u8, fragment: &[u8]) -> Result<ReadStatus, ReadError> {
        match kind {
            21 => {
                if !self.handshake.is_empty() {
                    return Err(ReadError::Malformed(
                        "alert inside a split handshake message",
                    ));
                }
                if fragment.len() < 2 {
                    return Err(ReadError::Malformed("alert record"));
                }
                let alert = Alert {
                    level: match fragment[0] {
                        1 => AlertLevel::Warning,
                        2 => AlertLevel::Fatal,
                        other => AlertLevel::Other(other),
                    },
                    description: AlertDescription::from_wire(fragment[1]),
                };
                if alert.level == AlertLevel::Warning
                    && alert.description != AlertDescription::CloseNotify
                {
                    if self.flight.warnings.len() < 8 {
                        self.flight.warnings.push(alert);
                        return Ok(ReadStatus::NeedMore);
                    }
                    return Err(ReadError::Malformed("flood of warning alerts"));
                }
                self.flight.alert = Some(alert);
                Ok(ReadStatus::Complete)
            }
            22 => {
                if fragment.is_empty() {
                    return Err(ReadError::Malformed("empty handshake record"));
                }
                self.handshake.extend_from_slice(fragment);
                self.handshake_in()
            }
            other => Err(ReadError::UnexpectedRecord(other)),
        }
    }

    fn handshake_in(&mut self) -> Result<ReadStatus, ReadError> {
        let mut at = 0;
        let result = loop {
            let rest = &self.handshake[at..];
            if rest.len() < 4 {
                break Ok(ReadStatus::NeedMore);
            }
            let len =
                (usize::from(rest[1]) << 16) | (usize::from(rest[2]) << 8) | usize::from(rest[3]);
            if len > self.limits.max_total {
                break Err(ReadError::LimitExceeded {
                    limit: self.limits.max_total,
                });
            }
            if rest.len() < 4 + len {
                break Ok(ReadStatus::NeedMore);
            }
            let kind = rest[0];
            let body = rest[4..4 + len].to_vec();
            at += 4 + len;
            match self.message(kind, &body) {
                Ok(ReadStatus::Complete) => break Ok(ReadStatus::Complete),
                Ok(ReadStatus::NeedMore) => {}
                Err(e) => break Err(e),
            }
        };
        self.handshake.drain(..at);
        result
    }

    fn message(&mut self, kind: u8, body: &[u8]) -> Result<ReadStatus, ReadError> {
        if kind == 0 {
            return Ok(ReadStatus::NeedMore); // HelloRequest: ignored
        }
        let Some(hello) = &self.flight.server_hello else {
            if kind != 2 {
                return Err(ReadError::UnexpectedMessage(kind));
            }
            let hello = parse_server_hello(body)?;
            let done = hello.version >= 0x0304 || hello.hello_retry;
            self.flight.server_hello = Some(hello);
            return Ok(if done {
                ReadStatus::Complete
            } else {
                ReadStatus::NeedMore
            });
        };
        let suite_code = hello.cipher_suite;
        match kind {
            11 if self.flight.certificate.is_none() => {
                self.flight.certificate = Some(parse_certificate(body)?);
                Ok(ReadStatus::NeedMore)
            }
            12 if self.flight.key_exchange.is_none() => {
                self.flight.key_exchange = parse_key_exchange(suite_code, body)?;
                Ok(ReadStatus::NeedMore)
            }
            13 => {
                self.flight.certificate_request = true;
                Ok(ReadStatus::NeedMore)
            }
            22 => Ok(ReadStatus::NeedMore), // CertificateStatus (OCSP stapling)
            14 => {
                self.flight.hello_done = true;
                Ok(ReadStatus::Complete)
            }
            other => Err(ReadError::UnexpectedMessage(other)),
        }
    }
}

/// A cursor over a message body; every read is bounds-checked.
struct Cursor<'a> {
    rest: &'a [u8],
    what: &'static str,
}

impl<'a> Cursor<'a> {
    fn new(rest: &'a [u8], what: &'static str) -> Self {
        Self { rest, what }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ReadError> {
        if self.rest.len() < n {
            return Err(ReadError::Malformed(self.what));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, ReadError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, ReadError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u24(&mut self) -> Result<usize, ReadError> {
        let b = self.take(3)?;
        Ok((usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2]))
    }
}

fn parse_server_hello(body: &[u8]) -> Result<ServerHello, ReadError> {
    let mut c = Cursor::new(body, "ServerHello");
    let legacy_version = c.u16()?;
    let random = c.take(32)?;
    let sid_len = usize::from(c.u8()?);
    if sid_len > 32 {
        return Err(ReadError::Malformed("ServerHello session id"));
    }
    c.take(sid_len)?;
    let cipher_suite = c.u16()?;
    let compression = c.u8()?;
    let hello_retry = random == HRR_RANDOM;
    let downgrade_sentinel = &random[24..31] == b"DOWNGRD" && matches!(random[31], 0 | 1);
    let mut hello = ServerHello {
        legacy_version,
        version: legacy_version,
        cipher_suite,
        compression,
        hello_retry,
        downgrade_sentinel,
        key_share_group: None,
        extensions: Vec::new(),
    };
    if c.rest.is_empty() {
        return Ok(hello);
    }
    let ext_len = usize::from(c.u16()?);
    let mut exts = Cursor::new(c.take(ext_len)?, "ServerHello extensions");
    if !c.rest.is_empty() {
        return Err(ReadError::Malformed(
            "ServerHello (bytes after the extensions)",
        ));
    }
    while !exts.rest.is_empty() {
        let kind = exts.u16()?;
        let len = usize::from(exts.u16()?);
        let data = exts.take(len)?;
        if hello.extensions.contains(&kind) {
            return Err(ReadError::Malformed("ServerHello (a repeated extension)"));
        }
        hello.extensions.push(kind);
        match kind {
            43 => {
                let mut d = Cursor::new(data, "supported_versions");
                hello.version = d.u16()?;
            }
            51 => {
                let mut d = Cursor::new(data, "key_share");
                hello.key_share_group = Some(d.u16()?);
            }
            _ => {}
        }
    }
    Ok(hello)
}

fn parse_certificate(body: &[u8]) -> Result<CertificateMessage, ReadError> {
    let mut c = Cursor::new(body, "Certificate");
    let list_len = c.u24()?;
    let mut list = Cursor::new(c.take(list_len)?, "Certificate list");
    let mut leaf = None;
    let mut chain_length = 0;
    while !list.rest.is_empty() {
        let len = list.u24()?;
        let der = list.take(len)?;
        if leaf.is_none() {
            leaf = Some(der.to_vec());
        }
        chain_length += 1;
    }
    Ok(CertificateMessage { leaf, chain_length })
}

fn parse_key_exchange(
    suite_code: u16,
    body: &[u8],
) -> Result<Option<KeyExchangeParams>, ReadError> {
    let Some(info) = suite(suite_code) else {
        return Ok(None);
    };
    let mut c = Cursor::new(body, "ServerKeyExchange");
    Ok(match info.key_exchange {
        KeyExchange::Ecdhe => match c.u8()? {
            3 => Some(KeyExchangeParams::NamedGroup(c.u16()?)),
            1 | 2 => Some(KeyExchangeParams::ExplicitCurve),
            _ => return Err(ReadError::Malformed("ServerKeyExchange curve type")),
        },
        KeyExchange::Dhe => {
            let len = usize::from(c.u16()?);
            let prime = c.take(len)?;
            Some(KeyExchangeParams::Dhe {
                prime_bits: bit_length(prime),
            })
        }
        KeyExchange::Rsa if info.class == SuiteClass::Export => {
            let len = usize::from(c.u16()?);
            let modulus = c.take(len)?;
            Some(KeyExchangeParams::RsaExport {
                modulus_bits: bit_length(modulus),
            })
        }
        _ => None,
    })
}

/// Bits in a big-endian unsigned integer, leading zeros not counted.
fn bit_length(bytes: &[u8]) -> u32 {
    let Some(first) = bytes.iter().position(|b| *b != 0) else {
        return 0;
    };
    let significant = (bytes.len() - first) as u32;
    significant * 8 - bytes[first].leading_zeros()
}
