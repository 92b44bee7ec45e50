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

/// A `--connect-to HOST:PORT:HOST2:PORT2` rule (curl's meaning): a connection to
/// `HOST:PORT` goes to `HOST2:PORT2` instead, while `HOST` stays the name used for SNI,
/// certificate checks and everything else. An empty `HOST` or `PORT` matches any; an
/// empty `HOST2` or `PORT2` keeps the original. IPv6 addresses go in brackets.
///
/// ```
/// use smtping_client::ConnectTo;
///
/// let rule: ConnectTo = "mx.example.org:25:127.0.0.1:2525".parse().unwrap();
/// assert_eq!(rule.apply("mx.example.org", 25), Some(("127.0.0.1".to_owned(), 2525)));
/// assert_eq!(rule.apply("mx.example.org", 587), None);
/// let any: ConnectTo = "::[::1]:".parse().unwrap();
/// assert_eq!(any.apply("smtp.example.net", 587), Some(("::1".to_owned(), 587)));
/// assert!("mx.example.org:25".parse::<ConnectTo>().is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectTo {
    host: Option<String>,
    port: Option<u16>,
    to_host: Option<String>,
    to_port: Option<u16>,
}

/// Why a `--connect-to` rule is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConnectToError {
    /// Not four colon-separated fields.
    #[error(
        "--connect-to {0:?}: expected HOST:PORT:HOST2:PORT2 (four fields, IPv6 addresses in brackets), got {1} field(s)"
    )]
    Fields(String, usize),
    /// A port field is not a number from 1 to 65535.
    #[error("--connect-to {rule:?}: the {field} {value:?} is not a number from 1 to 65535")]
    BadPort {
        /// The rule.
        rule: String,
        /// `"PORT"` or `"PORT2"`.
        field: &'static str,
        /// The field's text.
        value: String,
    },
    /// A host field is not a valid name or address.
    #[error("--connect-to {rule:?}: the {field} {value:?} is not a host name or IP address")]
    BadHost {
        /// The rule.
        rule: String,
        /// `"HOST"` or `"HOST2"`.
        field: &'static str,
        /// The field's text.
        value: String,
    },
    /// HOST2 and PORT2 are both empty: the rule would change nothing.
    #[error("--connect-to {0:?}: HOST2 and PORT2 are both empty, so the rule changes nothing")]
    NoChange(String),
}

impl ConnectTo {
    /// Where a connection to `host:port` goes under this rule, or `None` when the rule
    /// does not match (host names compare without case and trailing dot).
    #[must_use]
    pub fn apply(&self, host: &str, port: u16) -> Option<(String, u16)> {
        let bare = normalize_host(host);
        let host_ok = self.host.as_deref().is_none_or(|h| h == bare);
        let port_ok = self.port.is_none_or(|p| p == port);
        (host_ok && port_ok).then(|| {
            (
                self.to_host.clone().unwrap_or(bare),
                self.to_port.unwrap_or(port),
            )
        })
    }

    /// The first rule of `rules` that matches `host:port`, applied.
    #[must_use]
    pub fn first_match(rules: &[Self], host: &str, port: u16) -> Option<(String, u16)> {
        rules.iter().find_map(|r| r.apply(host, port))
    }
}

/// Lower case, no trailing dot, no brackets.
fn normalize_host(h: &str) -> String {
    h.trim_end_matches('.')
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase()
}

/// Splits on `:` outside `[...]`.
fn split_fields(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

impl FromStr for ConnectTo {
    type Err = ConnectToError;

    fn from_str(input: &str) -> Result<Self, ConnectToError> {
        let rule = input.trim();
        let fields = split_fields(rule);
        let [host, port, to_host, to_port] = fields[..] else {
            return Err(ConnectToError::Fields(rule.to_owned(), fields.len()));
        };
        let port_field = |field: &'static str, v: &str| -> Result<Option<u16>, ConnectToError> {
            if v.is_empty() {
                return Ok(None);
            }
            match v.parse::<u16>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(ConnectToError::BadPort {
                    rule: rule.to_owned(),
                    field,
                    value: v.to_owned(),
                }),
            }
        };
        let host_field = |field: &'static str, v: &str| -> Result<Option<String>, ConnectToError> {
            if v.is_empty() {
                return Ok(None);
            }
            let bad = || ConnectToError::BadHost {
                rule: rule.to_owned(),
                field,
                value: v.to_owned(),
            };
            if let Some(inner) = v.strip_prefix('[') {
                let inner = inner.strip_suffix(']').ok_or_else(bad)?;
                let ip: std::net::Ipv6Addr = inner.parse().map_err(|_| bad())?;
                return Ok(Some(ip.to_string()));
            }
            if let Ok(ip) = v.parse::<IpAddr>() {
                return Ok(Some(ip.to_string()));
            }
            let name = v.trim_end_matches('.');
            Domain::new(name).map_err(|_| bad())?;
            if name.is_empty() || name.contains(['[', ']', '@']) {
                return Err(bad());
            }
            Ok(Some(name.to_ascii_lowercase()))
        };
        let parsed = Self {
            host: host_field("HOST", host)?,
            port: port_field("PORT", port)?,
            to_host: host_field("HOST2", to_host)?,
            to_port: port_field("PORT2", to_port)?,
        };
        if parsed.to_host.is_none() && parsed.to_port.is_none() {
            return Err(ConnectToError::NoChange(rule.to_owned()));
        }
        Ok(parsed)
    }
}

impl fmt::Display for ConnectTo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = |h: &Option<String>| match h {
            Some(h) if h.contains(':') => format!("[{h}]"),
            Some(h) => h.clone(),
            None => String::new(),
        };
        let port = |p: Option<u16>| p.map(|p| p.to_string()).unwrap_or_default();
        write!(
            f,
            "{}:{}:{}:{}",
            host(&self.host),
            port(self.port),
            host(&self.to_host),
            port(self.to_port)
        )
    }
}

#[cfg(test)]
mod tests;
