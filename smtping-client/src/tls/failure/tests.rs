//! Unit tests of `failure` (kept beside it, in its own file).

use super::*;

#[test]
fn alert_names_follow_the_rfc() {
    assert_eq!(
        alert_name(AlertDescription::HandshakeFailure),
        "handshake_failure"
    );
    assert_eq!(alert_name(AlertDescription::UnknownCA), "unknown_ca");
    assert_eq!(
        alert_name(AlertDescription::UnrecognisedName),
        "unrecognized_name"
    );
    assert_eq!(
        alert_name(AlertDescription::ProtocolVersion),
        "protocol_version"
    );
    assert_eq!(
        alert_name(AlertDescription::Unknown(200)),
        "unknown alert 200"
    );
}

#[test]
fn io_errors() {
    let cases = [
        (
            io::ErrorKind::UnexpectedEof,
            HandshakeFailureKind::PeerClosed,
        ),
        (
            io::ErrorKind::ConnectionReset,
            HandshakeFailureKind::PeerClosed,
        ),
        (io::ErrorKind::BrokenPipe, HandshakeFailureKind::PeerClosed),
        (io::ErrorKind::TimedOut, HandshakeFailureKind::Timeout),
        (io::ErrorKind::PermissionDenied, HandshakeFailureKind::Other),
        (io::ErrorKind::InvalidData, HandshakeFailureKind::Other),
    ];
    for (kind, expected) in cases {
        let failure = classify_handshake_error(&io::Error::new(kind, "x"));
        assert_eq!(failure.kind, expected, "{kind:?}");
        assert!(!failure.message.is_empty());
    }
}

#[test]
fn wrapped_rustls_errors() {
    let cases = [
        (
            Error::AlertReceived(AlertDescription::HandshakeFailure),
            HandshakeFailureKind::NoCommonCipher,
        ),
        (
            Error::AlertReceived(AlertDescription::DecodeError),
            HandshakeFailureKind::Alert,
        ),
        (
            Error::PeerIncompatible(PeerIncompatible::ServerDoesNotSupportTls12Or13),
            HandshakeFailureKind::ProtocolVersion,
        ),
        (
            Error::PeerIncompatible(PeerIncompatible::NoCipherSuitesInCommon),
            HandshakeFailureKind::NoCommonCipher,
        ),
        (
            Error::InvalidMessage(rustls::InvalidMessage::UnknownProtocolVersion),
            HandshakeFailureKind::NotTls,
        ),
        (
            Error::InvalidCertificate(rustls::CertificateError::Expired),
            HandshakeFailureKind::Certificate,
        ),
        (Error::DecryptError, HandshakeFailureKind::Other),
    ];
    for (error, expected) in cases {
        let wrapped = io::Error::new(io::ErrorKind::InvalidData, error.clone());
        assert_eq!(
            classify_handshake_error(&wrapped).kind,
            expected,
            "{error:?}"
        );
        let twice = io::Error::other(io::Error::new(io::ErrorKind::InvalidData, error.clone()));
        assert_eq!(classify_handshake_error(&twice).kind, expected, "{error:?}");
        assert_eq!(classify_tls_error(&error).kind, expected);
    }
    let alert = classify_tls_error(&Error::AlertReceived(AlertDescription::DecodeError));
    assert_eq!(alert.alert.as_deref(), Some("decode_error"));
    assert!(alert.message.contains("decode_error"), "{}", alert.message);
}

#[test]
fn a_huge_certificate_chain_is_not_called_plain_text() {
    for invalid in [
        rustls::InvalidMessage::HandshakePayloadTooLarge,
        rustls::InvalidMessage::CertificatePayloadTooLarge,
        rustls::InvalidMessage::MessageTooLarge,
    ] {
        let f = classify_tls_error(&rustls::Error::InvalidMessage(invalid));
        assert_eq!(f.kind, HandshakeFailureKind::TooLarge, "{invalid:?}");
        assert!(f.message.contains("certificate chain"), "{}", f.message);
        assert!(!f.message.contains("plain text"), "{}", f.message);
    }
    let f = classify_tls_error(&rustls::Error::InvalidMessage(
        rustls::InvalidMessage::TrailingData("ServerHello"),
    ));
    assert_eq!(f.kind, HandshakeFailureKind::Malformed);
    assert!(
        !f.message.contains("TrailingData"),
        "no Rust names: {}",
        f.message
    );
    let f = classify_tls_error(&rustls::Error::InvalidMessage(
        rustls::InvalidMessage::InvalidContentType,
    ));
    assert_eq!(f.kind, HandshakeFailureKind::NotTls);
    assert!(!f.message.contains("InvalidContentType"), "{}", f.message);
}
