//! What to check: a host, `host:port`, `[v6]:port`, an IP, or a mail domain.

use core::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use smtping_proto::Domain;

/// The SMTP port MX hosts listen on.
pub const SMTP_PORT: u16 = 25;

/// How the target is reached.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TargetKind {
    /// A mail domain: its MX records decide the hosts (null MX and implicit MX handled).
    MailDomain,
    /// A host name: its A/AAAA records.
    Host,
    /// An IP address: no DNS at all.
    Ip(IpAddr),
}

/// A parsed target.
///
/// ```
/// use smtping_client::{Target, TargetKind};
///
/// let t: Target = "example.org".parse().unwrap();
/// assert_eq!((t.host(), t.port(), t.kind()), ("example.org", 25, &TargetKind::MailDomain));
/// let t: Target = "smtp.example.org:587".parse().unwrap();
/// assert_eq!((t.port(), t.kind()), (587, &TargetKind::Host));
/// let t: Target = "[2001:db8::25]:2525".parse().unwrap();
/// assert_eq!(t.port(), 2525);
/// assert!(matches!(t.kind(), TargetKind::Ip(_)));
/// let t: Target = "postmaster@example.net".parse().unwrap();
/// assert_eq!(t.host(), "example.net");
/// assert!("bad host!".parse::<Target>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    input: String,
    host: String,
    port: u16,
    port_given: bool,
    kind: TargetKind,
}

/// Why a target string is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Empty.
    #[error("the target is empty: give a host, host:port, [IPv6]:port, an IP or a mail domain")]
    Empty,
    /// The port is not a number from 1 to 65535.
    #[error("port {0:?} in the target is not a number from 1 to 65535")]
    BadPort(String),
    /// The host part is not a valid name or address.
    #[error("{host:?} is not a valid host name, IP address or mail domain: {reason}")]
    BadHost {
        /// The host part.
        host: String,
        /// Why.
        reason: String,
    },
}

impl Target {
    /// The target as given.
    #[must_use]
    pub fn input(&self) -> &str {
        &self.input
    }

    /// The host, IP or mail domain (no brackets, no trailing dot).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (25 unless given).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `true` when the port was part of the target or set with [`Target::with_port`].
    #[must_use]
    pub fn port_given(&self) -> bool {
        self.port_given
    }

    /// How it is reached.
    #[must_use]
    pub fn kind(&self) -> &TargetKind {
        &self.kind
    }

    /// The same target on another port (a mail domain becomes a host: `--port` means "this
    /// machine, this port", not "its MX").
    #[must_use]
    pub fn with_port(mut self, port: u16) -> Self {
        self.port = port;
        self.port_given = true;
        if self.kind == TargetKind::MailDomain {
            self.kind = TargetKind::Host;
        }
        self
    }
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(input: &str) -> Result<Self, TargetError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(TargetError::Empty);
        }
        // An e-mail address: check its domain.
        let s = match s.rsplit_once('@') {
            Some((_, domain)) if !domain.contains(':') || domain.starts_with('[') => domain,
            _ => s,
        };
        let parse_port = |p: &str| -> Result<u16, TargetError> {
            match p.parse::<u16>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(TargetError::BadPort(p.to_owned())),
            }
        };
        let (host, port) = if let Some(rest) = s.strip_prefix('[') {
            let (inner, after) = rest.split_once(']').ok_or_else(|| TargetError::BadHost {
                host: s.to_owned(),
                reason: "'[' without ']'".into(),
            })?;
            let port = match after {
                "" => None,
                p => Some(parse_port(p.strip_prefix(':').ok_or_else(|| {
                    TargetError::BadHost {
                        host: s.to_owned(),
                        reason: "expected ':port' after ']'".into(),
                    }
                })?)?),
            };
            (inner.strip_prefix("IPv6:").unwrap_or(inner), port)
        } else if s.matches(':').count() > 1 {
            (s, None) // a bare IPv6 address
        } else if let Some((h, p)) = s.split_once(':') {
            (h, Some(parse_port(p)?))
        } else {
            (s, None)
        };
        if let Ok(ip) = host.parse::<IpAddr>() {
            if ip.is_unspecified() {
                return Err(TargetError::BadHost {
                    host: host.to_owned(),
                    reason: "the unspecified address names no host (connecting to it reaches this machine); give the server's address".into(),
                });
            }
            return Ok(Self {
                input: input.to_owned(),
                host: ip.to_string(),
                port: port.unwrap_or(SMTP_PORT),
                port_given: port.is_some(),
                kind: TargetKind::Ip(ip),
            });
        }
        let domain = Domain::new(host).map_err(|e| TargetError::BadHost {
            host: host.to_owned(),
            reason: e.to_string(),
        })?;
        if domain.is_literal() || !host.contains('.') && host != "localhost" && port.is_none() {
            return Err(TargetError::BadHost {
                host: host.to_owned(),
                reason:
                    "a mail domain has at least one dot (use host:port for a single-label host)"
                        .into(),
            });
        }
        Ok(Self {
            input: input.to_owned(),
            host: domain.as_str().to_ascii_lowercase(),
            port: port.unwrap_or(SMTP_PORT),
            port_given: port.is_some(),
            kind: if port.is_some() || host == "localhost" {
                TargetKind::Host
            } else {
                TargetKind::MailDomain
            },
        })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TargetKind::Ip(IpAddr::V6(_)) => write!(f, "[{}]:{}", self.host, self.port),
            _ => write!(f, "{}:{}", self.host, self.port),
        }
    }
}

#[cfg(test)]
mod tests;
