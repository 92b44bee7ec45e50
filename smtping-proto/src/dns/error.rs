//! Lookup failures, each naming the query and the server.

use std::fmt::Write as _;
use std::net::SocketAddr;

use super::ede::{ExtendedDnsError, ExtendedErrors, suffix};
use super::types::{Protocol, Question, RecordType};

/// Why a lookup produced no records.
///
/// Definitive answers ([`NxDomain`](Self::NxDomain), [`NoData`](Self::NoData)) are told
/// apart from failures to get an answer ([`ServFail`](Self::ServFail),
/// [`Refused`](Self::Refused), [`Timeout`](Self::Timeout), …): only the former may be
/// used for decisions such as the implicit MX rule.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    /// NXDOMAIN: the name does not exist. Final.
    #[error(
        "DNS {question}: the name does not exist (NXDOMAIN from {server}{})",
        suffix(extended_errors)
    )]
    NxDomain {
        /// What was asked.
        question: Question,
        /// Who said so.
        server: SocketAddr,
        /// The AD bit of the response (authenticated denial when believed).
        authentic_data: bool,
        /// How long the denial may be cached (SOA in the authority section, RFC 2308).
        negative_ttl: Option<u32>,
        /// The Extended DNS Errors of the response (RFC 8914), e.g. 19 "Stale NXDomain
        /// Answer".
        extended_errors: ExtendedErrors,
    },
    /// NOERROR with no record of the asked type (NODATA, RFC 2308). Final.
    #[error("DNS {question}: no {} record (NOERROR, empty answer from {server}{})", question.record_type, suffix(extended_errors))]
    NoData {
        /// What was asked.
        question: Question,
        /// Who said so.
        server: SocketAddr,
        /// The AD bit of the response.
        authentic_data: bool,
        /// How long the denial may be cached (SOA in the authority section, RFC 2308).
        negative_ttl: Option<u32>,
        /// The end of the CNAME chain (the question's name without aliases).
        canonical_name: String,
        /// The Extended DNS Errors of the response (RFC 8914).
        extended_errors: ExtendedErrors,
    },
    /// SERVFAIL from the last server that answered with it; other servers were tried.
    #[error(
        "DNS {question}: server failure (SERVFAIL from {server}{})",
        suffix(extended_errors)
    )]
    ServFail {
        /// What was asked.
        question: Question,
        /// The server.
        server: SocketAddr,
        /// The Extended DNS Errors of the response (RFC 8914): 6..=12 mean the answer is
        /// DNSSEC-bogus ([`ExtendedDnsError::is_dnssec_bogus`]), 22 that no authority
        /// answered, ….
        extended_errors: ExtendedErrors,
    },
    /// REFUSED: the server will not answer this client; other servers were tried.
    #[error(
        "DNS {question}: query refused (REFUSED from {server}{})",
        suffix(extended_errors)
    )]
    Refused {
        /// What was asked.
        question: Question,
        /// The server.
        server: SocketAddr,
        /// The Extended DNS Errors of the response (RFC 8914), e.g. 18 "Prohibited".
        extended_errors: ExtendedErrors,
    },
    /// Another error response code (FORMERR, NOTIMP, …); other servers were tried.
    #[error("DNS {question}: server answered {} (rcode {rcode}) from {server}", rcode_name(*rcode))]
    ServerError {
        /// What was asked.
        question: Question,
        /// The server.
        server: SocketAddr,
        /// The response code.
        rcode: u16,
    },
    /// No answer from any server within the timeouts, after every attempt.
    #[error(
        "DNS {question}: no answer from {} after {transmissions} queries (timeout)",
        server_list(servers)
    )]
    Timeout {
        /// What was asked.
        question: Question,
        /// The servers tried.
        servers: Vec<SocketAddr>,
        /// Queries sent in all.
        transmissions: u32,
    },
    /// A response that could not be decoded or made no sense (e.g. a CNAME loop).
    #[error("DNS {question}: malformed response from {server}: {reason}")]
    Malformed {
        /// What was asked.
        question: Question,
        /// The server.
        server: SocketAddr,
        /// What was wrong.
        reason: String,
    },
    /// The adapter could not send or receive (socket error, TCP connect refused, …).
    #[error("DNS {question}: {protocol} to {server} failed: {detail}")]
    Transport {
        /// What was asked.
        question: Question,
        /// The server.
        server: SocketAddr,
        /// UDP or TCP.
        protocol: Protocol,
        /// The I/O error, as text.
        detail: String,
    },
    /// The name cannot be put in a query (empty, label over 63 bytes, name over 255, …).
    #[error("DNS query for {name:?} ({record_type}): invalid name: {reason}")]
    InvalidName {
        /// The name as given (shortened when long).
        name: String,
        /// The type that was to be asked.
        record_type: RecordType,
        /// What is wrong with it.
        reason: String,
    },
    /// The configuration has no nameserver.
    #[error("DNS {question}: no nameserver configured")]
    NoNameservers {
        /// What was asked.
        question: Question,
    },
}

/// The kind of a [`DnsError`], for reports and matching.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DnsErrorKind {
    /// [`DnsError::NxDomain`]
    NxDomain,
    /// [`DnsError::NoData`]
    NoData,
    /// [`DnsError::ServFail`]
    ServFail,
    /// [`DnsError::Refused`]
    Refused,
    /// [`DnsError::ServerError`]
    ServerError,
    /// [`DnsError::Timeout`]
    Timeout,
    /// [`DnsError::Malformed`]
    Malformed,
    /// [`DnsError::Transport`]
    Transport,
    /// [`DnsError::InvalidName`]
    InvalidName,
    /// [`DnsError::NoNameservers`]
    NoNameservers,
}

impl DnsErrorKind {
    /// snake_case name: `nxdomain`, `no_data`, `servfail`, `refused`, `server_error`,
    /// `timeout`, `malformed`, `transport`, `invalid_name`, `no_nameservers`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NxDomain => "nxdomain",
            Self::NoData => "no_data",
            Self::ServFail => "servfail",
            Self::Refused => "refused",
            Self::ServerError => "server_error",
            Self::Timeout => "timeout",
            Self::Malformed => "malformed",
            Self::Transport => "transport",
            Self::InvalidName => "invalid_name",
            Self::NoNameservers => "no_nameservers",
        }
    }
}

impl std::fmt::Display for DnsErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl DnsError {
    /// The kind of error.
    #[must_use]
    pub fn kind(&self) -> DnsErrorKind {
        match self {
            Self::NxDomain { .. } => DnsErrorKind::NxDomain,
            Self::NoData { .. } => DnsErrorKind::NoData,
            Self::ServFail { .. } => DnsErrorKind::ServFail,
            Self::Refused { .. } => DnsErrorKind::Refused,
            Self::ServerError { .. } => DnsErrorKind::ServerError,
            Self::Timeout { .. } => DnsErrorKind::Timeout,
            Self::Malformed { .. } => DnsErrorKind::Malformed,
            Self::Transport { .. } => DnsErrorKind::Transport,
            Self::InvalidName { .. } => DnsErrorKind::InvalidName,
            Self::NoNameservers { .. } => DnsErrorKind::NoNameservers,
        }
    }

    /// True for a definitive answer: the name does not exist, or has no record of the
    /// type. False when the lookup failed and the truth is unknown.
    #[must_use]
    pub fn is_definitive(&self) -> bool {
        matches!(self, Self::NxDomain { .. } | Self::NoData { .. })
    }

    /// The question, when the name could be put in one.
    #[must_use]
    pub fn question(&self) -> Option<&Question> {
        match self {
            Self::NxDomain { question, .. }
            | Self::NoData { question, .. }
            | Self::ServFail { question, .. }
            | Self::Refused { question, .. }
            | Self::ServerError { question, .. }
            | Self::Timeout { question, .. }
            | Self::Malformed { question, .. }
            | Self::Transport { question, .. }
            | Self::NoNameservers { question } => Some(question),
            Self::InvalidName { .. } => None,
        }
    }

    /// The Extended DNS Errors (RFC 8914) the server sent with this answer; empty for
    /// errors without a response (timeout, transport, …) or without the option.
    ///
    /// ```
    /// use smtping_proto::dns::{DnsError, ExtendedDnsError, Question, RecordType};
    ///
    /// let e = DnsError::ServFail {
    ///     question: Question { name: "bogus.example".into(), record_type: RecordType::A },
    ///     server: "127.0.0.1:53".parse().unwrap(),
    ///     extended_errors: vec![ExtendedDnsError::new(6, "")].into(),
    /// };
    /// assert!(e.is_dnssec_bogus());
    /// assert_eq!(
    ///     e.to_string(),
    ///     "DNS bogus.example A: server failure (SERVFAIL from 127.0.0.1:53; EDE 6 (DNSSEC Bogus))"
    /// );
    /// ```
    #[must_use]
    pub fn extended_errors(&self) -> &[ExtendedDnsError] {
        match self {
            Self::NxDomain {
                extended_errors, ..
            }
            | Self::NoData {
                extended_errors, ..
            }
            | Self::ServFail {
                extended_errors, ..
            }
            | Self::Refused {
                extended_errors, ..
            } => extended_errors.as_slice(),
            _ => &[],
        }
    }

    /// A SERVFAIL whose Extended DNS Errors say DNSSEC validation failed (RFC 8914 codes
    /// 6..=12, 25): the data exists but is bogus, which is not the same as unreachable.
    #[must_use]
    pub fn is_dnssec_bogus(&self) -> bool {
        matches!(self, Self::ServFail { .. })
            && self
                .extended_errors()
                .iter()
                .any(ExtendedDnsError::is_dnssec_bogus)
    }

    /// The server the error came from, when one did.
    #[must_use]
    pub fn server(&self) -> Option<SocketAddr> {
        match self {
            Self::NxDomain { server, .. }
            | Self::NoData { server, .. }
            | Self::ServFail { server, .. }
            | Self::Refused { server, .. }
            | Self::ServerError { server, .. }
            | Self::Malformed { server, .. }
            | Self::Transport { server, .. } => Some(*server),
            Self::Timeout { .. } | Self::InvalidName { .. } | Self::NoNameservers { .. } => None,
        }
    }
}

/// The mnemonic of a DNS response code (`"NOERROR"`, `"SERVFAIL"`, …).
#[must_use]
pub fn rcode_name(rcode: u16) -> &'static str {
    match rcode {
        0 => "NOERROR",
        1 => "FORMERR",
        2 => "SERVFAIL",
        3 => "NXDOMAIN",
        4 => "NOTIMP",
        5 => "REFUSED",
        6 => "YXDOMAIN",
        7 => "YXRRSET",
        8 => "NXRRSET",
        9 => "NOTAUTH",
        10 => "NOTZONE",
        16 => "BADVERS",
        17 => "BADKEY",
        18 => "BADTIME",
        19 => "BADMODE",
        20 => "BADNAME",
        21 => "BADALG",
        22 => "BADTRUNC",
        23 => "BADCOOKIE",
        _ => "UNKNOWN",
    }
}

fn server_list(servers: &[SocketAddr]) -> String {
    if servers.is_empty() {
        return "no server".into();
    }
    let mut out = String::new();
    for (i, s) in servers.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{s}");
    }
    out
}

#[cfg(test)]
mod tests;
