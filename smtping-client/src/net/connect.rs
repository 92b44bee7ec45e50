//! TCP connection attempts, told apart by outcome: `connected | refused | timeout |
//! unreachable | reset | error` (design.md §6 `attempts[].outcome`).

use std::io;
use std::time::Duration;

/// How one connection attempt ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The TCP handshake completed.
    Connected,
    /// RST in answer to SYN: nothing listens on that port (or a firewall rejects).
    Refused,
    /// No answer before the connect deadline: packets are dropped on the way.
    Timeout,
    /// No route to the host or network (ICMP unreachable).
    Unreachable,
    /// The connection was reset while opening.
    Reset,
    /// Anything else (the error says what).
    Error,
}

impl AttemptOutcome {
    /// The report string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connected => "connected",
            Self::Refused => "refused",
            Self::Timeout => "timeout",
            Self::Unreachable => "unreachable",
            Self::Reset => "reset",
            Self::Error => "error",
        }
    }

    /// Classifies an I/O error from `connect`.
    ///
    /// ```
    /// use std::io;
    /// use smtping_client::net::connect::AttemptOutcome;
    /// let e = io::Error::from(io::ErrorKind::ConnectionRefused);
    /// assert_eq!(AttemptOutcome::from_error(&e), AttemptOutcome::Refused);
    /// ```
    #[must_use]
    pub fn from_error(e: &io::Error) -> Self {
        use io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => Self::Refused,
            K::TimedOut => Self::Timeout,
            K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => Self::Unreachable,
            K::ConnectionReset | K::ConnectionAborted => Self::Reset,
            _ => Self::Error,
        }
    }

    /// What it means and what to try, for error messages.
    #[must_use]
    pub fn advice(self, address: &str, port: u16, waited: Duration) -> String {
        match self {
            Self::Connected => format!("connected to {address}"),
            Self::Refused => format!(
                "connection to {address} was refused: nothing listens on port {port} there (or a firewall rejects it); check the port and that the mail server is running"
            ),
            Self::Timeout => format!(
                "connection to {address} timed out after {}: a firewall is probably dropping packets; try another network, or port 465/587 if port 25 is blocked by your provider",
                human_duration(waited)
            ),
            Self::Unreachable => format!(
                "{address} is unreachable: no route to that network from here; check the address and your connectivity (IPv6 on an IPv4-only network?)"
            ),
            Self::Reset => format!(
                "connection to {address} was reset while opening: a firewall or overloaded server dropped it; retry later"
            ),
            Self::Error => format!("connection to {address} failed"),
        }
    }
}

/// `10 s`, `1.5 s`, `250 ms`.
#[must_use]
pub fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests;
