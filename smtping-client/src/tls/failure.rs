//! Classifying failed TLS handshakes in plain words.

use std::fmt;
use std::io;

use rustls::{AlertDescription, Error, PeerIncompatible};
use serde::{Deserialize, Serialize};

/// How deep to look through `io::Error`s wrapping `io::Error`s.
const MAX_WRAPPING: usize = 4;

/// Why a handshake failed.
///
/// ```
/// use smtping_client::tls::HandshakeFailureKind;
/// assert_eq!(
///     serde_json::to_string(&HandshakeFailureKind::NotTls).unwrap(),
///     "\"not_tls\""
/// );
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandshakeFailureKind {
    /// No TLS version in common (e.g. a server limited to TLS 1.0/1.1).
    ProtocolVersion,
    /// No cipher suite, key exchange group or signature scheme in common (or the server's
    /// `handshake_failure` alert, which usually means that).
    NoCommonCipher,
    /// The server closed or reset the connection during the handshake.
    PeerClosed,
    /// The server answered with something that is not TLS (e.g. a plain SMTP reply).
    NotTls,
    /// The certificate was refused ([`VerifyMode::Strict`](super::VerifyMode::Strict) only).
    Certificate,
    /// The server sent another TLS alert (named in the message).
    Alert,
    /// The server sent a handshake message larger than TLS allows (a huge certificate
    /// chain, usually).
    TooLarge,
    /// The server's TLS messages are malformed (a broken TLS stack or a middlebox).
    Malformed,
    /// The handshake timed out.
    Timeout,
    /// Anything else.
    Other,
}

impl HandshakeFailureKind {
    /// The JSON string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ProtocolVersion => "protocol_version",
            Self::NoCommonCipher => "no_common_cipher",
            Self::PeerClosed => "peer_closed",
            Self::NotTls => "not_tls",
            Self::Certificate => "certificate",
            Self::Alert => "alert",
            Self::TooLarge => "too_large",
            Self::Malformed => "malformed",
            Self::Timeout => "timeout",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for HandshakeFailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A classified handshake failure: the kind, and a message naming the cause and what to try.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandshakeFailure {
    /// The class of failure.
    pub kind: HandshakeFailureKind,
    /// The cause in plain words, and what to try.
    pub message: String,
    /// The TLS alert received, by its RFC name (`handshake_failure`), if the server sent one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
}

impl HandshakeFailure {
    fn new(kind: HandshakeFailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            alert: None,
        }
    }
}

impl fmt::Display for HandshakeFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TLS handshake failed ({}): {}", self.kind, self.message)
    }
}

/// A TLS message rustls could not decode: plain text where a TLS record should start, a
/// handshake message over the protocol's size limits, or otherwise malformed TLS.
fn classify_invalid_message(invalid: &rustls::InvalidMessage) -> HandshakeFailure {
    use rustls::InvalidMessage as M;
    match invalid {
        // The bytes do not even start a TLS record: an SMTP reply, a banner, HTTP.
        M::InvalidContentType | M::UnknownProtocolVersion => HandshakeFailure::new(
            HandshakeFailureKind::NotTls,
            "the server's answer is not valid TLS; it probably sent plain text such as an SMTP \
             reply: use STARTTLS on ports 25/587 and implicit TLS only where the server \
             expects it (port 465)",
        ),
        M::HandshakePayloadTooLarge | M::CertificatePayloadTooLarge | M::MessageTooLarge => {
            HandshakeFailure::new(
                HandshakeFailureKind::TooLarge,
                "the server sent a TLS handshake message larger than TLS clients accept (64 KiB): \
                 its certificate chain is far too big; configure the server to send only its \
                 certificate and the intermediate CA certificates, not a whole CA bundle",
            )
        }
        other => HandshakeFailure::new(
            HandshakeFailureKind::Malformed,
            format!(
                "the server's TLS messages are malformed ({}): a broken TLS library on the \
                 server or a middlebox rewriting the connection; check the server's TLS \
                 configuration and anything in front of it",
                malformed_detail(other)
            ),
        ),
    }
}

/// A malformed-message cause in words (never a Rust type name).
fn malformed_detail(invalid: &rustls::InvalidMessage) -> String {
    use rustls::InvalidMessage as M;
    match invalid {
        M::MessageTooShort | M::MissingData(_) => "a message ended too early".into(),
        M::TrailingData(what) => format!("extra bytes after {what}"),
        M::UnexpectedMessage(what) => format!("an unexpected {what}"),
        M::InvalidCcs => "an invalid ChangeCipherSpec".into(),
        M::InvalidEmptyPayload => "an empty message where content was required".into(),
        M::DuplicateExtension(code) => format!("extension {code} sent twice"),
        _ => "a message that does not follow the TLS specification".into(),
    }
}

/// Classifies the error a handshake returned. Handles a `rustls::Error` wrapped in an
/// `io::Error` (what tokio-rustls and futures-rustls return) and plain I/O errors.
///
/// ```
/// use std::io;
/// use smtping_client::tls::{classify_handshake_error, HandshakeFailureKind};
///
/// let eof = io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof");
/// assert_eq!(classify_handshake_error(&eof).kind, HandshakeFailureKind::PeerClosed);
///
/// let alert = io::Error::new(
///     io::ErrorKind::InvalidData,
///     rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion),
/// );
/// assert_eq!(classify_handshake_error(&alert).kind, HandshakeFailureKind::ProtocolVersion);
/// ```
#[must_use]
pub fn classify_handshake_error(error: &io::Error) -> HandshakeFailure {
    let mut current = error;
    for _ in 0..MAX_WRAPPING {
        let Some(inner) = current.get_ref() else {
            break;
        };
        if let Some(tls) = inner.downcast_ref::<Error>() {
            return classify_tls_error(tls);
        }
        match inner.downcast_ref::<io::Error>() {
            Some(wrapped) => current = wrapped,
            None => break,
        }
    }
    classify_io(error)
}

fn classify_io(error: &io::Error) -> HandshakeFailure {
    use HandshakeFailureKind as K;
    match error.kind() {
        io::ErrorKind::UnexpectedEof => HandshakeFailure::new(
            K::PeerClosed,
            "the server closed the connection during the TLS handshake; it may not speak TLS on \
             this port, reject this client, or allow no TLS version/cipher the client offers \
             (check its TLS log)",
        ),
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::NotConnected => HandshakeFailure::new(
            K::PeerClosed,
            format!(
                "the connection was reset during the TLS handshake ({error}); a firewall or the \
                 server dropped it; check the server's TLS log"
            ),
        ),
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => HandshakeFailure::new(
            K::Timeout,
            "the TLS handshake did not finish in time; the server may be overloaded or waiting \
             for something else (e.g. it expects STARTTLS rather than implicit TLS)",
        ),
        _ => HandshakeFailure::new(
            K::Other,
            format!("the TLS handshake failed with an I/O error: {error}"),
        ),
    }
}

/// Classifies a rustls error from a handshake (see [`classify_handshake_error`]).
///
/// ```
/// use smtping_client::tls::{classify_tls_error, HandshakeFailureKind};
/// let failure = classify_tls_error(&rustls::Error::InvalidMessage(
///     rustls::InvalidMessage::InvalidContentType,
/// ));
/// assert_eq!(failure.kind, HandshakeFailureKind::NotTls);
/// ```
#[must_use]
pub fn classify_tls_error(error: &Error) -> HandshakeFailure {
    use HandshakeFailureKind as K;
    match error {
        Error::AlertReceived(alert) => classify_alert(*alert),
        Error::PeerIncompatible(incompatible) => classify_incompatible(incompatible),
        Error::InvalidMessage(invalid) => classify_invalid_message(invalid),
        Error::PeerSentOversizedRecord => HandshakeFailure::new(
            K::NotTls,
            "the server's answer is not a TLS record (oversized record); it probably sent plain \
             text: check the port and the TLS mode (STARTTLS or implicit)",
        ),
        Error::InvalidCertificate(certificate) => HandshakeFailure::new(
            K::Certificate,
            format!(
                "the server's certificate was refused ({}); run without --strict-tls to see \
                 the full diagnosis, or trust the issuing CA with --ca-file if it is a private \
                 one",
                super::verify::invalid_detail(certificate)
            ),
        ),
        Error::NoCertificatesPresented => HandshakeFailure::new(
            K::Certificate,
            "the server presented no certificate; configure a certificate on the server",
        ),
        Error::InvalidCertRevocationList(crl) => HandshakeFailure::new(
            K::Certificate,
            format!(
                "a certificate revocation list was unusable ({}); check the CRL given to SMTPing",
                crl_detail(crl)
            ),
        ),
        Error::InappropriateMessage { .. } | Error::InappropriateHandshakeMessage { .. } => {
            HandshakeFailure::new(
                K::Other,
                format!(
                    "the server broke the TLS protocol ({error}); its TLS implementation or a \
                     middlebox in between is faulty"
                ),
            )
        }
        Error::PeerMisbehaved(misbehaved) => HandshakeFailure::new(
            K::Other,
            format!(
                "the server broke the TLS protocol ({}); its TLS implementation or a \
                 middlebox in between is faulty",
                misbehaved_detail(misbehaved)
            ),
        ),
        Error::DecryptError => HandshakeFailure::new(
            K::Other,
            "a TLS record could not be decrypted; the connection was corrupted or tampered with \
             (a middlebox rewriting traffic?)",
        ),
        other => HandshakeFailure::new(K::Other, format!("the TLS handshake failed: {other}")),
    }
}

/// A certificate revocation list problem in words.
fn crl_detail(crl: &rustls::CertRevocationListError) -> &'static str {
    use rustls::CertRevocationListError as C;
    match crl {
        C::BadSignature => "its signature does not verify",
        C::InvalidCrlNumber | C::InvalidRevokedCertSerialNumber => "it holds an invalid number",
        C::IssuerInvalidForCrl => "its issuer may not sign revocation lists",
        C::ParseError => "it cannot be parsed",
        C::UnsupportedCrlVersion => "its version is not supported",
        _ => "it is malformed or not supported",
    }
}

/// A protocol violation in words (the rustls names are for developers).
fn misbehaved_detail(misbehaved: &rustls::PeerMisbehaved) -> String {
    let name = format!("{misbehaved:?}");
    // `SelectedUnofferedCipherSuite` → "selected unoffered cipher suite".
    let mut words = String::with_capacity(name.len() + 8);
    for (i, c) in name
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .enumerate()
    {
        if c.is_ascii_uppercase() && i > 0 {
            words.push(' ');
        }
        words.push(c.to_ascii_lowercase());
    }
    words
}

fn classify_incompatible(incompatible: &PeerIncompatible) -> HandshakeFailure {
    use HandshakeFailureKind as K;
    match incompatible {
        PeerIncompatible::ServerDoesNotSupportTls12Or13
        | PeerIncompatible::ServerTlsVersionIsDisabledByOurConfig
        | PeerIncompatible::SupportedVersionsExtensionRequired
        | PeerIncompatible::Tls12NotOffered
        | PeerIncompatible::Tls12NotOfferedOrEnabled => HandshakeFailure::new(
            K::ProtocolVersion,
            "no TLS version in common: this client speaks TLS 1.2 and 1.3 only (TLS 1.0/1.1 \
             are obsolete and unsupported); enable TLS 1.2 or 1.3 on the server, or allow TLS \
             1.2 on the client if it was limited to 1.3",
        ),
        PeerIncompatible::NoCipherSuitesInCommon
        | PeerIncompatible::NoKxGroupsInCommon
        | PeerIncompatible::NoSignatureSchemesInCommon
        | PeerIncompatible::NoEcPointFormatsInCommon
        | PeerIncompatible::UncompressedEcPointsRequired => HandshakeFailure::new(
            K::NoCommonCipher,
            format!(
                "no {} in common; enable modern AEAD suites (AES-GCM, ChaCha20-Poly1305) with \
                 ECDHE and ECDSA or RSA-PSS signatures on the server",
                match incompatible {
                    PeerIncompatible::NoCipherSuitesInCommon => "cipher suite",
                    PeerIncompatible::NoKxGroupsInCommon => "key exchange group",
                    PeerIncompatible::NoSignatureSchemesInCommon => "signature algorithm",
                    _ => "elliptic curve point format",
                }
            ),
        ),
        _ => HandshakeFailure::new(
            K::Other,
            "the server's TLS configuration is incompatible with this client (it requires a \
             feature TLS 1.2/1.3 clients need not offer); check the server's TLS settings",
        ),
    }
}

fn classify_alert(alert: AlertDescription) -> HandshakeFailure {
    use HandshakeFailureKind as K;
    let name = alert_name(alert);
    let mut failure = match alert {
        AlertDescription::ProtocolVersion => HandshakeFailure::new(
            K::ProtocolVersion,
            "the server refused every TLS version offered (alert protocol_version): it probably \
             speaks only TLS 1.0/1.1, which this client does not support, or it was limited to \
             a version the client does not offer; enable TLS 1.2 or 1.3 on the server",
        ),
        AlertDescription::HandshakeFailure | AlertDescription::InsufficientSecurity => {
            HandshakeFailure::new(
                K::NoCommonCipher,
                format!(
                    "the server aborted the handshake (alert {name}): usually no cipher suite, \
                     key exchange group or signature algorithm in common; enable modern \
                     ECDHE+AEAD suites on the server"
                ),
            )
        }
        AlertDescription::UnrecognisedName => HandshakeFailure::new(
            K::Alert,
            "the server does not know the name sent in SNI (alert unrecognized_name); connect by \
             the name the server is configured for, or set it with --sni",
        ),
        AlertDescription::CertificateRequired
        | AlertDescription::BadCertificate
        | AlertDescription::UnknownCA
        | AlertDescription::AccessDenied => HandshakeFailure::new(
            K::Alert,
            format!(
                "the server refused this client (alert {name}); it may require a client \
                 certificate or restrict who may connect"
            ),
        ),
        _ => HandshakeFailure::new(
            K::Alert,
            format!(
                "the server aborted the TLS handshake with the alert {name}; check the server's TLS log"
            ),
        ),
    };
    failure.alert = Some(name);
    failure
}

/// An alert's RFC 8446 name (`handshake_failure`), from rustls' variant name.
fn alert_name(alert: AlertDescription) -> String {
    match alert.as_str() {
        Some(camel) => {
            let mut snake = String::with_capacity(camel.len() + 4);
            for (index, c) in camel.chars().enumerate() {
                if c.is_ascii_uppercase() {
                    if index > 0 {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                } else {
                    snake.push(c);
                }
            }
            // rustls spells it the British way; RFC 6066 does not.
            snake
                .replace("unrecognised", "unrecognized")
                .replace("unknown_c_a", "unknown_ca")
        }
        None => format!("unknown alert {}", u8::from(alert)),
    }
}

#[cfg(test)]
mod tests;
