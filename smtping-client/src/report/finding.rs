//! Findings: the one catalogue of finding ids ([`FindingId`]), each with its default
//! severity and remediation beside it, and the [`Finding`] a report carries.
//!
//! Ids are dotted and stable (a contract, documented in `docs/checks.md`; a test checks
//! that every id here is documented there and every documented id exists here).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::enums::word_enum;

/// Severity of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Breaks mail.
    Error,
}

impl Severity {
    /// `"info"`, `"warning"` or `"error"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

word_enum! {
    /// Every finding a check can report.
    ///
    /// ```
    /// use smtping_client::report::{FindingId, Severity};
    /// let id: FindingId = "tls.not_offered".parse()?;
    /// assert_eq!(id, FindingId::TlsNotOffered);
    /// assert_eq!(id.severity(), Severity::Warning);
    /// assert!(id.remediation().contains("STARTTLS"));
    /// # Ok::<(), smtping_client::report::UnknownWord>(())
    /// ```
    pub enum FindingId {
        /// The domain publishes a null MX (RFC 7505).
        DnsNullMx => "dns.null_mx",
        /// No MX records: mail goes to the domain's own address.
        DnsImplicitMx => "dns.implicit_mx",
        /// A null MX among real MX records.
        DnsNullMxMixed => "dns.null_mx_mixed",
        /// An MX exchange that is an IP address.
        DnsMxAddressLiteral => "dns.mx_address_literal",
        /// A public name that resolves to a loopback address.
        DnsLoopbackAddress => "dns.loopback_address",
        /// A name that resolves to 0.0.0.0 or ::.
        DnsUnspecifiedAddress => "dns.unspecified_address",
        /// Some connection attempts failed before one answered.
        ConnectPartialFailure => "connect.partial_failure",
        /// EHLO was refused and HELO used.
        SmtpEhloRefused => "smtp.ehlo_refused",
        /// Reply lines ended with a bare LF.
        SmtpBareLf => "smtp.bare_lf",
        /// An enhanced code of another class than its reply code.
        SmtpEnhancedCodeMismatch => "smtp.enhanced_code_mismatch",
        /// The test message is larger than the advertised SIZE.
        SmtpMessageExceedsSize => "smtp.message_exceeds_size",
        /// A 354 to DATA although every recipient was refused.
        SmtpDataWithoutRecipients => "smtp.data_without_recipients",
        /// QUIT got no 221.
        SmtpQuitNotAcknowledged => "smtp.quit_not_acknowledged",
        /// A reply arrived before the command it would answer.
        SmtpUnsolicitedReply => "smtp.unsolicited_reply",
        /// The transaction's replies cannot be matched to its commands.
        SmtpRepliesUnmatched => "smtp.replies_unmatched",
        /// No STARTTLS in the plaintext EHLO.
        TlsNotOffered => "tls.not_offered",
        /// STARTTLS response injection.
        TlsInjection => "tls.injection",
        /// STARTTLS advertised but refused.
        TlsStarttlsRefused => "tls.starttls_refused",
        /// The TLS handshake failed.
        TlsHandshakeFailed => "tls.handshake_failed",
        /// No TLS version SMTPing accepts (1.2 or 1.3).
        TlsWeakVersion => "tls.weak_version",
        /// TLS 1.2 negotiated: no TLS 1.3.
        TlsNoTls13 => "tls.no_tls13",
        /// The certificate does not verify.
        TlsCertificateInvalid => "tls.certificate_invalid",
        /// The certificate expires soon.
        TlsCertificateExpiring => "tls.certificate_expiring",
        /// AUTH PLAIN/LOGIN offered before TLS.
        AuthPlaintextOffered => "auth.plaintext_offered",
        /// A submission port relays without AUTH.
        AuthRequiredNotEnforced => "auth.required_not_enforced",
        /// Some recipients were refused.
        DeliveryPartial => "delivery.partial",
        /// An open relay.
        RelayOpen => "relay.open",
    }
}

impl FindingId {
    /// The severity this finding usually has (a few are raised by context, such as
    /// `tls.not_offered` with `--require-tls`).
    #[must_use]
    pub const fn severity(self) -> Severity {
        use Severity::{Error, Info, Warning};
        match self {
            Self::DnsImplicitMx
            | Self::SmtpMessageExceedsSize
            | Self::SmtpQuitNotAcknowledged
            | Self::TlsNoTls13 => Info,
            Self::ConnectPartialFailure
            | Self::DnsNullMxMixed
            | Self::DnsMxAddressLiteral
            | Self::DnsLoopbackAddress
            | Self::DnsUnspecifiedAddress
            | Self::SmtpEhloRefused
            | Self::SmtpBareLf
            | Self::SmtpEnhancedCodeMismatch
            | Self::SmtpDataWithoutRecipients
            | Self::TlsNotOffered
            | Self::TlsStarttlsRefused
            | Self::TlsCertificateExpiring
            | Self::AuthPlaintextOffered
            | Self::DeliveryPartial => Warning,
            Self::DnsNullMx
            | Self::SmtpUnsolicitedReply
            | Self::SmtpRepliesUnmatched
            | Self::TlsInjection
            | Self::TlsHandshakeFailed
            | Self::TlsWeakVersion
            | Self::TlsCertificateInvalid
            | Self::AuthRequiredNotEnforced
            | Self::RelayOpen => Error,
        }
    }

    /// What to do about it, in one sentence.
    #[must_use]
    pub const fn remediation(self) -> &'static str {
        match self {
            Self::DnsNullMx => {
                "If this domain should receive mail, replace the null MX (MX 0 .) with real MX records."
            }
            Self::DnsImplicitMx => "Publish an MX record so that the mail route is explicit.",
            Self::DnsNullMxMixed => {
                "Remove the MX 0 . record if the domain receives mail, or remove the other MX records if it does not."
            }
            Self::DnsMxAddressLiteral => {
                "Point the MX at a host name with A/AAAA records (mx.example.org), never at an address."
            }
            Self::DnsLoopbackAddress => {
                "Publish the server's public address; if you are testing a new server, use a .test name or --resolver with a lab zone."
            }
            Self::DnsUnspecifiedAddress => {
                "Publish the server's real address in the A/AAAA record (0.0.0.0 and :: are placeholders, not hosts)."
            }
            Self::ConnectPartialFailure => {
                "Check the addresses that failed: other senders may try them first."
            }
            Self::SmtpEhloRefused => {
                "Enable ESMTP on the server or on the firewall/proxy in front of it."
            }
            Self::SmtpBareLf => {
                "Fix the server (or proxy) to send CRLF line endings; strict clients refuse bare LF."
            }
            Self::SmtpEnhancedCodeMismatch => {
                "Fix the server's reply texts so that the enhanced code's class matches the reply code (RFC 3463)."
            }
            Self::SmtpMessageExceedsSize => {
                "Expected when testing the size limit; otherwise send a smaller --body-size."
            }
            Self::SmtpDataWithoutRecipients => {
                "Report it to the server's vendor: a pipelining client could send content that is then dropped."
            }
            Self::SmtpUnsolicitedReply => {
                "Fix the server (or the proxy or filter in front of it) so that it answers each command once, after the command; never trust a server that talks ahead."
            }
            Self::SmtpRepliesUnmatched => {
                "Fix the server's PIPELINING support (RFC 2920: one reply per command, in order); test again with --no-pipelining to see each reply on its own."
            }
            Self::SmtpQuitNotAcknowledged => {
                "Nothing to do unless the server's logs show lost sessions."
            }
            Self::TlsNotOffered => {
                "Enable STARTTLS with a certificate for the MX host name (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files)."
            }
            Self::TlsInjection => {
                "Upgrade the server (or the proxy in front of it) so that it discards pipelined plaintext at STARTTLS."
            }
            Self::TlsStarttlsRefused => {
                "Check the server's TLS certificate and key files and its TLS log lines."
            }
            Self::TlsHandshakeFailed => {
                "Check the server's TLS configuration (protocol versions, ciphers, certificate and key)."
            }
            Self::TlsWeakVersion => {
                "Enable TLS 1.2 and 1.3 on the server (OpenSSL: MinProtocol = TLSv1.2; Postfix: smtpd_tls_protocols = >=TLSv1.2)."
            }
            Self::TlsNoTls13 => {
                "Enable TLS 1.3 (OpenSSL 1.1.1 or newer) for faster, safer handshakes."
            }
            Self::TlsCertificateInvalid => {
                "Install a certificate that a public CA issued for the server's name, with the whole chain."
            }
            Self::TlsCertificateExpiring => {
                "Renew the certificate now (and check that automatic renewal works)."
            }
            Self::AuthPlaintextOffered => {
                "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}})."
            }
            Self::AuthRequiredNotEnforced => {
                "Require authentication before relaying on submission ports (Postfix: smtpd_relay_restrictions = permit_sasl_authenticated, reject)."
            }
            Self::DeliveryPartial => {
                "See each recipient's reply and reason in the delivery area (recipients[] in the JSON)."
            }
            Self::RelayOpen => {
                "Restrict relaying to your own networks and authenticated users (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination)."
            }
        }
    }
}

/// Something worth telling, with a stable dotted id (`tls.not_offered`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// Stable id.
    pub id: FindingId,
    /// Severity.
    pub severity: Severity,
    /// What was found.
    pub message: String,
    /// How to fix it.
    pub remediation: String,
}

impl Finding {
    /// A finding with the id's own severity and remediation.
    ///
    /// ```
    /// use smtping_client::report::{Finding, FindingId, Severity};
    /// let f = Finding::new(FindingId::SmtpBareLf, "bare LF after EHLO");
    /// assert_eq!(f.severity, Severity::Warning);
    /// assert_eq!(f.id, "smtp.bare_lf");
    /// ```
    #[must_use]
    pub fn new(id: FindingId, message: impl Into<String>) -> Self {
        Self {
            id,
            severity: id.severity(),
            message: message.into(),
            remediation: id.remediation().to_owned(),
        }
    }

    /// The same finding with another severity (raised or lowered by context).
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same finding with a more specific remediation.
    #[must_use]
    pub fn remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = remediation.into();
        self
    }
}

#[cfg(test)]
mod tests;
