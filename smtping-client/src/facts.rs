//! What running a check saw, before any judgement: plain data, the input of the pure
//! [`assemble`](crate::assemble::assemble) step.
//!
//! The engine runs one way: [`Check`](crate::Check) (options) → session
//! [`Plan`](smtping_proto::session::Plan) → the runtime runs DNS, connections and the
//! session → [`Facts`] → `assemble(context, facts)` → [`Report`](crate::Report). Nothing in
//! the facts is classified, coloured or worded for people; that is the assembler's job.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::net::connect::AttemptOutcome;
use crate::runtime::SessionRun;

/// Everything a check observed.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Facts {
    /// The TLS set-up failed before any connection (an unreadable `--ca-file`, a bad
    /// `--sni`): the check stopped there.
    pub setup_error: Option<String>,
    /// DNS resolution.
    pub dns: DnsFacts,
    /// Every connection attempt, in order.
    pub attempts: Vec<AttemptFacts>,
    /// The address that answered and the host name it belongs to.
    pub connected: Option<Connected>,
    /// The Message-ID of the built-in test message, when one was planned.
    pub message_id: Option<String>,
    /// The SMTP session on that connection.
    pub session: Option<SessionRun>,
    /// How long that session took (from the connection to its end).
    pub session_elapsed: Option<Duration>,
    /// The open-relay probe, when asked for.
    pub relay: Option<RelayFacts>,
    /// The TLS version and cipher scan (`--tls-scan`).
    pub tls_scan: Option<crate::tls::scan::TlsScan>,
    /// How a receiver sees this probe (when signals are on).
    pub signals: Option<SignalFacts>,
    /// The STARTTLS enforcement probe (`--probe-enforcement`): same shape as the relay
    /// probe, a plaintext session stopped at RCPT.
    pub enforcement: Option<RelayFacts>,
    /// Every MX address with `--all-mx`, in the order tried (`None` without it).
    pub hosts: Option<Vec<HostFacts>>,
    /// The port sweep with `--ports` (`None` without it).
    pub sweep: Option<Vec<PortFacts>>,
    /// DANE for the host reached by name (`None` when not asked, the AD bit is not
    /// trusted or the host's addresses are not DNSSEC-secure).
    pub dane: Option<DaneFacts>,
    /// The follow-through with `--seed` (`None` without seeds).
    pub follow_through: Option<FollowFacts>,
    /// When the main session started (the origin of `delivery.attempts[].t_ms`).
    pub session_started: Option<std::time::Instant>,
    /// Every attempt of a deferred delivery with `--retry-deferred` (the main session
    /// first), in order; empty when there was nothing to retry.
    pub retries: Vec<RetryFacts>,
    /// Time from the start of the check to its end.
    pub total: Duration,
    /// What a retry needs to send the same message again: the main session's plan and
    /// TLS set-up (only with `--retry-deferred`).
    pub(crate) retry_with: Option<(
        smtping_proto::session::Plan,
        Option<crate::runtime::TlsHandshake>,
    )>,
}

/// One retry of a deferred delivery.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryFacts {
    /// When it started, from the start of the main session.
    pub at: Duration,
    /// Its connection.
    pub attempt: AttemptFacts,
    /// The delivery status it ended with (`None` when it could not connect).
    pub status: Option<smtping_proto::session::DeliveryStatus>,
    /// The deciding reply.
    pub reply: Option<smtping_proto::OwnedReply>,
    /// Why it stopped, when it failed.
    pub error: Option<String>,
}

/// The follow-through of the test message (issue 16).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FollowFacts {
    /// The Message-ID looked for.
    pub message_id: Option<String>,
    /// When the server accepted the message at the final dot (wall clock).
    pub accepted_at: Option<std::time::SystemTime>,
    /// The seeds' answers (`None` when it did not run).
    pub result: Option<crate::follow::FollowResult>,
    /// Why it did not run.
    pub skipped: Option<String>,
    /// The seed mailboxes (no passwords).
    pub mailboxes: Vec<String>,
    /// The `d=` the test message was signed for, if it was.
    pub signed_domain: Option<String>,
    /// The end of DATA on the runtime's clock (the latency's start).
    pub(crate) sent: Option<std::time::Instant>,
}

/// What DNS said.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DnsFacts {
    /// Time spent resolving (`None` when no lookup was needed, e.g. an IP target).
    pub elapsed: Option<Duration>,
    /// MX records `(preference, exchange)` in preference order.
    pub mx: Vec<(u16, String)>,
    /// The domain publishes a null MX (RFC 7505).
    pub null_mx: bool,
    /// The domain has no MX records; its own address is used (RFC 5321 §5.1).
    pub implicit_mx: bool,
    /// A `"."` exchange sat among real MX records (RFC 7505 says a null MX stands alone);
    /// it was ignored.
    pub null_mx_mixed: bool,
    /// MX exchanges that are address literals (`127.0.0.1`), which RFC 5321 §5.1 does
    /// not allow and MTAs such as Postfix skip: they were not tried.
    pub literal_mx: Vec<String>,
    /// Names that resolved to a loopback address although they are not local names
    /// (`localhost`, `*.localhost`, `*.test`): the check would test this machine.
    pub loopback: Vec<(String, IpAddr)>,
    /// Names that resolved to the unspecified address (`0.0.0.0`, `::`): never connected
    /// to.
    pub unspecified: Vec<(String, IpAddr)>,
    /// The addresses to try, in order.
    pub addresses: Vec<SocketAddr>,
    /// Why resolution failed.
    pub error: Option<String>,
}

/// One connection attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptFacts {
    /// Where.
    pub address: SocketAddr,
    /// How it ended.
    pub outcome: AttemptOutcome,
    /// How long it took.
    pub elapsed: Duration,
    /// The error in words (with advice), when it failed.
    pub error: Option<String>,
}

impl AttemptFacts {
    /// An attempt.
    #[must_use]
    pub fn new(
        address: SocketAddr,
        outcome: AttemptOutcome,
        elapsed: Duration,
        error: Option<String>,
    ) -> Self {
        Self {
            address,
            outcome,
            elapsed,
            error,
        }
    }
}

/// The connection the session ran on.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Connected {
    /// The address that answered.
    pub address: SocketAddr,
    /// The host name it belongs to (the MX host for a domain target): the name TLS
    /// verifies and the classifier's remote host.
    pub host: String,
}

impl Connected {
    /// A connection.
    #[must_use]
    pub fn new(address: SocketAddr, host: impl Into<String>) -> Self {
        Self {
            address,
            host: host.into(),
        }
    }
}

/// The open-relay probe's result.
#[derive(Debug)]
#[non_exhaustive]
pub enum RelayFacts {
    /// The probe's session ran with this envelope.
    Ran {
        /// The session.
        run: Box<SessionRun>,
        /// The envelope sender used.
        from: String,
        /// The recipient it asked to relay to.
        to: String,
        /// The address the probe connected from (a server may trust loopback and its
        /// own networks).
        local: IpAddr,
    },
    /// It could not run (the second connection failed).
    Failed {
        /// The envelope sender it would have used.
        from: String,
        /// The recipient it would have asked for.
        to: String,
        /// Why it could not run.
        error: String,
    },
}

/// What the signal evaluators found about this probe (`signals` in the report).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignalFacts {
    /// The address the mail comes from.
    pub sending_ip: IpAddr,
    /// Given with `--sending-ip` (else the socket's local address).
    pub from_option: bool,
    /// Its scope (public, private, loopback, …).
    pub scope: smtping_signals::AddressScope,
    /// The sending-IP lookups ran (public address, `--sending-ip`, or lab resolvers).
    pub looked_up: bool,
    /// The HELO name SMTPing used.
    pub helo_name: String,
    /// PTR/FCrDNS of the sending IP.
    pub ptr: Option<smtping_signals::PtrResult>,
    /// The HELO name check.
    pub helo: Option<smtping_signals::HeloResult>,
    /// SPF of the MAIL FROM domain (or HELO identity) for the sending IP.
    pub spf: Option<smtping_signals::spf::SpfOutput>,
    /// DMARC of the From domain.
    pub dmarc: Option<smtping_signals::dmarc::DmarcReport>,
    /// Blocklist answers about the sending IP and the MAIL FROM domain.
    pub dnsbl: Vec<smtping_signals::DnsblResult>,
    /// PTR/FCrDNS of the server's address.
    pub server_ptr: Option<smtping_signals::PtrResult>,
    /// An evaluation that could not finish (the driver's error).
    pub errors: Vec<String>,
}

/// One address of `--all-mx`.
#[derive(Debug)]
#[non_exhaustive]
pub struct HostFacts {
    /// The MX host name.
    pub name: String,
    /// The address.
    pub address: SocketAddr,
    /// What happened there.
    pub run: HostRun,
}

/// What happened at one `--all-mx` address.
#[derive(Debug)]
#[non_exhaustive]
pub enum HostRun {
    /// The main session ran here (the top-level facts describe it).
    Main,
    /// The connection failed (while looking for the main address, or later).
    Failed(AttemptFacts),
    /// A session of its own ran here.
    Ran(AttemptFacts, Box<SessionRun>),
}

/// One port of the sweep.
#[derive(Debug)]
#[non_exhaustive]
pub struct PortFacts {
    /// The port asked for.
    pub port: u16,
    /// The address tried (after `--connect-to`).
    pub address: SocketAddr,
    /// `true` for implicit TLS (465), else STARTTLS.
    pub implicit_tls: bool,
    /// What happened.
    pub run: PortRun,
}

/// What happened on one port of the sweep.
#[derive(Debug)]
#[non_exhaustive]
pub enum PortRun {
    /// The main session ran on this port (the top-level facts describe it).
    Main,
    /// The connection failed.
    Failed(AttemptFacts),
    /// A short session (to TLS) ran, taking this long from the connect on.
    Ran(AttemptFacts, Box<SessionRun>, Duration),
}

/// The DANE lookups of the check's host and the match of its chain (`tls.dane`).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DaneFacts {
    /// The TLSA name (`_25._tcp.mx.example.org`).
    pub tlsa_name: String,
    /// The host's DANE state, its `matched` filled from the session's chain (`None` when
    /// the lookups could not run).
    pub host: Option<smtping_signals::dane::DaneHost>,
    /// Why the lookups could not run.
    pub error: Option<String>,
}
