//! Turning a target host into the rustls server name and the SNI actually sent.

use std::net::IpAddr;

use rustls_pki_types::{DnsName, ServerName};

use super::error::TlsError;

/// Longest DNS name accepted (RFC 1035: 253 characters in text form without the final dot).
const MAX_DNS_NAME: usize = 253;

/// The name a TLS client connects with.
///
/// `server_name` is what rustls verifies the certificate against; `sni` is what goes into the
/// ClientHello's server_name extension (`None` for IP addresses, which RFC 6066 forbids there).
///
/// ```
/// use smtping_client::tls::server_name_for;
/// let name = server_name_for("192.0.2.25", None).unwrap();
/// assert_eq!(name.sni, None);
/// assert_eq!(name.verified_as, "192.0.2.25");
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetName {
    /// Pass this to `ClientConnection::new` / `TlsConnector::connect`.
    pub server_name: ServerName<'static>,
    /// The SNI sent, for the report (`tls.sni`).
    pub sni: Option<String>,
    /// The name (or IP address) the certificate is checked against, in text form.
    pub verified_as: String,
}

/// Builds the rustls [`ServerName`] for `host`, or for `sni_override` when given (`--sni`).
///
/// - One trailing dot is removed (`mx.example.org.` from an MX record); two are an error.
/// - DNS names are lowercased and must be syntactically valid.
/// - IP literals (also `[v6]` in brackets) become [`ServerName::IpAddress`]: no SNI is sent
///   and the certificate must carry the address as an IP SAN.
/// - The override replaces the host completely: it is both sent as SNI and verified against.
///
/// ```
/// use smtping_client::tls::server_name_for;
/// let name = server_name_for("MX1.Example.ORG.", None).unwrap();
/// assert_eq!(name.sni.as_deref(), Some("mx1.example.org"));
///
/// let name = server_name_for("127.0.0.1", Some("mail.example.org")).unwrap();
/// assert_eq!(name.sni.as_deref(), Some("mail.example.org"));
///
/// assert!(server_name_for("bad name", None).is_err());
/// ```
pub fn server_name_for(host: &str, sni_override: Option<&str>) -> Result<TargetName, TlsError> {
    let raw = sni_override.unwrap_or(host);
    let invalid = |reason: &str| TlsError::InvalidServerName {
        name: raw.chars().take(300).collect(),
        reason: reason.to_owned(),
    };
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(invalid("the name is empty"));
    }
    let unbracketed = trimmed
        .strip_prefix('[')
        .and_then(|rest| rest.strip_suffix(']'))
        .unwrap_or(trimmed);
    if let Ok(ip) = unbracketed.parse::<IpAddr>() {
        return Ok(TargetName {
            server_name: ServerName::IpAddress(ip.into()),
            sni: None,
            verified_as: ip.to_string(),
        });
    }
    let without_dot = trimmed.strip_suffix('.').unwrap_or(trimmed);
    if without_dot.ends_with('.') {
        return Err(invalid("it ends with more than one dot"));
    }
    if without_dot.is_empty() {
        return Err(invalid("the name is only a dot"));
    }
    if without_dot.len() > MAX_DNS_NAME {
        return Err(invalid("it is longer than 253 characters"));
    }
    if !without_dot.is_ascii() {
        return Err(invalid(
            "it contains non-ASCII characters; give internationalised names in A-label (xn--) form",
        ));
    }
    let lower = without_dot.to_ascii_lowercase();
    let dns = DnsName::try_from(lower.clone())
        .map_err(|_| invalid("it is neither an IP address nor a valid DNS name"))?;
    Ok(TargetName {
        server_name: ServerName::DnsName(dns),
        sni: Some(lower.clone()),
        verified_as: lower,
    })
}
