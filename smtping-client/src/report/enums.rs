//! The report's enumerations: every JSON field that holds one of a fixed set of words is
//! one of these types, serialised in snake_case exactly as design.md §6 spells it.
//!
//! Each type has `as_str()` (the JSON word), `Display`, `FromStr`, and compares equal to
//! its word (`report.delivery.outcome == "accepted"`), so callers that matched strings
//! keep working while the compiler now knows every value.

use std::fmt;

use serde::{Deserialize, Serialize};
use smtping_proto::session::{
    DeliveryStatus, Direction as ProtoDirection, ErrorKind as ProtoErrorKind, Phase, TlsPolicy,
};

use crate::net::connect::AttemptOutcome;

/// Defines a serde enum whose JSON form is a fixed word per variant, with `as_str`,
/// `Display`, `FromStr`, `ALL` and comparisons with `&str`.
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The word used in the JSON report.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::report::UnknownWord;
            fn from_str(s: &str) -> Result<Self, $crate::report::UnknownWord> {
                match s {
                    $($word => Ok(Self::$variant),)+
                    _ => Err($crate::report::UnknownWord { kind: stringify!($name), word: s.to_owned() }),
                }
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.as_str()
            }
        }
    };
}
pub(crate) use word_enum;

/// A word that is not one of an enumeration's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not a valid {kind}")]
pub struct UnknownWord {
    /// The enumeration.
    pub kind: &'static str,
    /// What was given.
    pub word: String,
}

word_enum! {
    /// How the connection was secured, as attempted (`target.tls_mode`, `tls.mode`).
    ///
    /// ```
    /// use smtping_client::report::TlsModeUsed;
    /// assert_eq!(TlsModeUsed::StartTls.as_str(), "starttls");
    /// assert_eq!("implicit".parse::<TlsModeUsed>(), Ok(TlsModeUsed::Implicit));
    /// ```
    #[derive(Default)]
    pub enum TlsModeUsed {
        /// STARTTLS after the plaintext EHLO (opportunistic or required).
        #[default]
        StartTls => "starttls",
        /// TLS from the first byte (port 465).
        Implicit => "implicit",
        /// Plaintext only.
        None => "none",
    }
}

impl TlsModeUsed {
    /// The mode a session policy attempts.
    #[must_use]
    pub const fn of(policy: TlsPolicy) -> Self {
        match policy {
            TlsPolicy::Implicit => Self::Implicit,
            TlsPolicy::None => Self::None,
            _ => Self::StartTls,
        }
    }
}

word_enum! {
    /// How one connection attempt ended (`connectivity.attempts[].outcome`).
    #[derive(Default)]
    pub enum AttemptResult {
        /// The TCP handshake completed.
        Connected => "connected",
        /// Nothing listens there (RST).
        Refused => "refused",
        /// No answer before the deadline.
        Timeout => "timeout",
        /// No route.
        Unreachable => "unreachable",
        /// Reset while opening.
        Reset => "reset",
        /// Anything else (the attempt's `error` says what).
        #[default]
        Error => "error",
    }
}

impl From<AttemptOutcome> for AttemptResult {
    fn from(o: AttemptOutcome) -> Self {
        match o {
            AttemptOutcome::Connected => Self::Connected,
            AttemptOutcome::Refused => Self::Refused,
            AttemptOutcome::Timeout => Self::Timeout,
            AttemptOutcome::Unreachable => Self::Unreachable,
            AttemptOutcome::Reset => Self::Reset,
            _ => Self::Error,
        }
    }
}

word_enum! {
    /// The outcome of the whole transaction or of one recipient (`delivery.outcome`,
    /// `delivery.recipients[].outcome`).
    #[derive(Default)]
    pub enum DeliveryOutcome {
        /// The server took it (2xx).
        Accepted => "accepted",
        /// Temporarily refused (4xx): retry later.
        Deferred => "deferred",
        /// Permanently refused (5xx).
        Bounced => "bounced",
        /// The transaction broke off without a final answer.
        Unknown => "unknown",
        /// No transaction was asked for or reached.
        #[default]
        NotTested => "not_tested",
    }
}

impl From<DeliveryStatus> for DeliveryOutcome {
    fn from(s: DeliveryStatus) -> Self {
        match s {
            DeliveryStatus::Accepted => Self::Accepted,
            DeliveryStatus::Deferred => Self::Deferred,
            DeliveryStatus::Bounced => Self::Bounced,
            DeliveryStatus::NotTested => Self::NotTested,
            _ => Self::Unknown,
        }
    }
}

word_enum! {
    /// A step of the check (`delivery.stage`, `relay.stage`, `error.stage`).
    pub enum Stage {
        /// Resolving the target.
        Dns => "dns",
        /// Opening the TCP connection.
        Connect => "connect",
        /// Waiting for the 220 greeting.
        Greeting => "greeting",
        /// EHLO (or HELO).
        Ehlo => "ehlo",
        /// The STARTTLS command.
        StartTls => "starttls",
        /// The TLS handshake (or its set-up).
        TlsHandshake => "tls_handshake",
        /// AUTH.
        Auth => "auth",
        /// MAIL FROM.
        Mail => "mail",
        /// RCPT TO.
        Rcpt => "rcpt",
        /// DATA (its 354).
        Data => "data",
        /// The reply after the final dot.
        DataEnd => "data_end",
        /// RSET.
        Rset => "rset",
        /// QUIT.
        Quit => "quit",
    }
}

impl From<Phase> for Stage {
    fn from(p: Phase) -> Self {
        match p {
            Phase::Connect => Self::Connect,
            Phase::Greeting => Self::Greeting,
            Phase::Ehlo => Self::Ehlo,
            Phase::StartTls => Self::StartTls,
            Phase::TlsHandshake => Self::TlsHandshake,
            Phase::Auth => Self::Auth,
            Phase::Mail => Self::Mail,
            Phase::Rcpt => Self::Rcpt,
            Phase::Data => Self::Data,
            Phase::DataEnd => Self::DataEnd,
            Phase::Rset => Self::Rset,
            _ => Self::Quit,
        }
    }
}

word_enum! {
    /// Why the check stopped before its end (`error.kind`).
    pub enum ErrorKind {
        /// DNS resolution failed (or a null MX).
        Dns => "dns",
        /// The connection was refused.
        Refused => "refused",
        /// A deadline passed (`error.stage` names the step).
        Timeout => "timeout",
        /// No route to the address.
        Unreachable => "unreachable",
        /// The connection was reset.
        Reset => "reset",
        /// The server closed the connection.
        Closed => "closed",
        /// The TLS handshake (or its set-up) failed.
        TlsHandshake => "tls_handshake",
        /// Plaintext arrived after the 220 to STARTTLS (response injection).
        TlsInjection => "tls_injection",
        /// TLS was required but not available.
        TlsUnavailable => "tls_unavailable",
        /// SMTPing itself refused a step (credentials over an unsafe channel, …).
        RefusedByClient => "refused_by_client",
        /// The server broke the protocol.
        Protocol => "protocol",
        /// The server exceeded a limit (line length, reply size, …).
        LimitExceeded => "limit_exceeded",
        /// The server refused a required step.
        Rejected => "rejected",
        /// Any other I/O error.
        Io => "io",
    }
}

impl From<ProtoErrorKind> for ErrorKind {
    fn from(k: ProtoErrorKind) -> Self {
        match k {
            ProtoErrorKind::Closed => Self::Closed,
            ProtoErrorKind::Timeout => Self::Timeout,
            ProtoErrorKind::TlsHandshake => Self::TlsHandshake,
            ProtoErrorKind::TlsInjection => Self::TlsInjection,
            ProtoErrorKind::Protocol => Self::Protocol,
            ProtoErrorKind::LimitExceeded => Self::LimitExceeded,
            ProtoErrorKind::Rejected => Self::Rejected,
            ProtoErrorKind::TlsUnavailable => Self::TlsUnavailable,
            ProtoErrorKind::Refused => Self::RefusedByClient,
            _ => Self::Io,
        }
    }
}

impl From<AttemptResult> for ErrorKind {
    /// The error kind of a check whose last connection attempt ended this way.
    fn from(a: AttemptResult) -> Self {
        match a {
            AttemptResult::Refused => Self::Refused,
            AttemptResult::Timeout => Self::Timeout,
            AttemptResult::Unreachable => Self::Unreachable,
            AttemptResult::Reset => Self::Reset,
            AttemptResult::Connected | AttemptResult::Error => Self::Io,
        }
    }
}

word_enum! {
    /// The login test's result (`auth.login.outcome`).
    #[derive(Default)]
    pub enum LoginOutcome {
        /// The server accepted the credentials.
        Success => "success",
        /// The server refused them.
        Failure => "failure",
        /// No login was asked for, or the check stopped before AUTH.
        #[default]
        NotTested => "not_tested",
        /// SMTPing refused to send the credentials (no TLS, unverified TLS, mechanism not
        /// offered).
        RefusedByClient => "refused_by_client",
        /// The exchange started but never got a final reply.
        Error => "error",
    }
}

word_enum! {
    /// Who said a transcript line (`transcript[].dir`).
    pub enum Direction {
        /// SMTPing.
        Client => "client",
        /// The server.
        Server => "server",
        /// A note from SMTPing (TLS established, lines dropped, …).
        Info => "info",
    }
}

impl From<ProtoDirection> for Direction {
    fn from(d: ProtoDirection) -> Self {
        match d {
            ProtoDirection::Client => Self::Client,
            ProtoDirection::Server => Self::Server,
            _ => Self::Info,
        }
    }
}

#[cfg(test)]
mod tests;
