//! What a session tells its driver: [`Output`], [`Event`] and the final [`Outcome`].

use core::fmt;
use core::time::Duration;
use std::time::Instant;

use crate::address::Address;
use crate::ehlo::{AuthMechanism, Extensions};
use crate::enhanced::EnhancedCode;
use crate::reply::{OwnedReply, ReplyError};

use super::transcript::Transcript;

/// A step of the dialogue. Timeouts, errors and replies name the phase they belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Phase {
    /// Opening the TCP connection (the adapter's step, named here for reports).
    Connect,
    /// Waiting for the 220 greeting.
    Greeting,
    /// EHLO (or the HELO fallback).
    Ehlo,
    /// The STARTTLS command and its reply.
    StartTls,
    /// The TLS handshake (STARTTLS or implicit).
    TlsHandshake,
    /// AUTH and its challenges.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// The DATA command (its 354 reply).
    Data,
    /// The reply after the message's final dot.
    DataEnd,
    /// RSET after a failed transaction.
    Rset,
    /// QUIT.
    Quit,
}

impl Phase {
    /// The snake_case name used in reports (`"data_end"`, `"tls_handshake"`, …).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Greeting => "greeting",
            Self::Ehlo => "ehlo",
            Self::StartTls => "starttls",
            Self::TlsHandshake => "tls_handshake",
            Self::Auth => "auth",
            Self::Mail => "mail",
            Self::Rcpt => "rcpt",
            Self::Data => "data",
            Self::DataEnd => "data_end",
            Self::Rset => "rset",
            Self::Quit => "quit",
        }
    }

    /// What the step is, in words, for error messages ("the reply to RCPT TO").
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            Self::Connect => "the connection",
            Self::Greeting => "the greeting",
            Self::Ehlo => "EHLO",
            Self::StartTls => "STARTTLS",
            Self::TlsHandshake => "the TLS handshake",
            Self::Auth => "AUTH",
            Self::Mail => "MAIL FROM",
            Self::Rcpt => "RCPT TO",
            Self::Data => "DATA",
            Self::DataEnd => "the end of the message data",
            Self::Rset => "RSET",
            Self::Quit => "QUIT",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong, in the vocabulary of the report's `error.kind`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The peer closed the connection.
    Closed,
    /// No reply (or no handshake) before the phase's deadline.
    Timeout,
    /// The TLS handshake failed (reported by the adapter).
    TlsHandshake,
    /// Bytes arrived between the 220 to STARTTLS and the handshake: a response-injection
    /// attack or a broken middlebox (CVE-2011-0411 class). The connection is dropped.
    TlsInjection,
    /// TLS was required but the server does not offer STARTTLS, or refused it.
    TlsUnavailable,
    /// The server broke the protocol (malformed reply, unexpected reply, bad challenge).
    Protocol,
    /// A reply exceeded the configured limits.
    LimitExceeded,
    /// The server refused a step with a 4xx/5xx reply (the reply is attached).
    Rejected,
    /// The session refused to go on for the user's safety or because the server lacks
    /// something required (AUTH not offered, credentials would go out unprotected,
    /// SMTPUTF8 needed but not offered).
    Refused,
    /// The connection failed under the adapter (reset, broken pipe, …).
    Io,
}

impl ErrorKind {
    /// The report's `error.kind` string: `"closed"`, `"timeout"`, `"tls_handshake"`,
    /// `"tls_injection"`, `"tls_unavailable"`, `"protocol"`, `"limit_exceeded"`,
    /// `"rejected"`, `"refused_by_client"` or `"io"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Timeout => "timeout",
            Self::TlsHandshake => "tls_handshake",
            Self::TlsInjection => "tls_injection",
            Self::TlsUnavailable => "tls_unavailable",
            Self::Protocol => "protocol",
            Self::LimitExceeded => "limit_exceeded",
            Self::Rejected => "rejected",
            Self::Refused => "refused_by_client",
            Self::Io => "io",
        }
    }
}

/// Why a session ended before its plan was complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionError {
    /// The phase in progress.
    pub phase: Phase,
    /// The class of failure.
    pub kind: ErrorKind,
    /// The server's reply when one caused it.
    pub reply: Option<OwnedReply>,
    /// A sentence naming the step and the cause.
    pub message: String,
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for SessionError {}

/// The transaction's result as the protocol shows it (the reason behind it is
/// `smtping-classify`'s job).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// No transaction was attempted.
    #[default]
    NotTested,
    /// The server took it (or, when the plan stopped before DATA, accepted the steps).
    Accepted,
    /// A 4xx: try again later.
    Deferred,
    /// A 5xx: refused.
    Bounced,
    /// Cannot tell: the connection failed mid-transaction, no reply came after the final
    /// dot (the message may or may not have been taken), or the replies could not be
    /// trusted (unsolicited, or not matching their commands). Never "accepted".
    Unknown,
}

impl DeliveryStatus {
    /// `"not_tested"`, `"accepted"`, `"deferred"`, `"bounced"` or `"unknown"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NotTested => "not_tested",
            Self::Accepted => "accepted",
            Self::Deferred => "deferred",
            Self::Bounced => "bounced",
            Self::Unknown => "unknown",
        }
    }

    /// The status a final reply code implies (3xx is not final: unknown).
    #[must_use]
    pub const fn from_code(code: u16) -> Self {
        match code / 100 {
            2 => Self::Accepted,
            4 => Self::Deferred,
            5 => Self::Bounced,
            _ => Self::Unknown,
        }
    }
}

/// One recipient's fate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecipientResult {
    /// The address.
    pub address: Address,
    /// The reply to its RCPT TO (`None` when the session ended before it came, or when the
    /// transaction's replies could not be matched to their commands).
    pub rcpt_reply: Option<OwnedReply>,
    /// Its status: the RCPT reply's when refused, the end-of-data reply's when accepted.
    pub status: DeliveryStatus,
}

/// The transaction as it went.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Overall status.
    pub status: DeliveryStatus,
    /// The phase that decided it.
    pub phase: Option<Phase>,
    /// The deciding reply: always a final one (2xx, 4xx or 5xx) that answered its command.
    /// `None` when nothing decided the status: the connection failed or the final dot got
    /// no reply, or the replies could not be trusted (an unsolicited reply, a 354 to MAIL
    /// or RCPT, a 2xx to DATA, an extra reply in a pipelined group) — the offending reply
    /// is then in [`SessionError::reply`], never here, so it cannot read as "accepted".
    pub reply: Option<OwnedReply>,
    /// Per recipient, in envelope order.
    pub recipients: Vec<RecipientResult>,
    /// Octets of message sent after DATA (stuffing and terminator included).
    pub message_bytes: u64,
    /// The MAIL reply (`None` when the replies could not be matched to their commands).
    pub mail_reply: Option<OwnedReply>,
    /// The reply to DATA (354 or a refusal; `None` when the replies could not be matched).
    pub data_reply: Option<OwnedReply>,
    /// `true` when MAIL, RCPT and DATA went out in one pipelined write.
    pub pipelined: bool,
}

/// How the AUTH step went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthOutcome {
    /// The mechanism used (`None` if none could be chosen).
    pub mechanism: Option<AuthMechanism>,
    /// `true` on 235.
    pub success: bool,
    /// The final reply.
    pub reply: Option<OwnedReply>,
}

/// What the adapter reports after a successful TLS handshake. Only facts the session
/// needs; the adapter keeps the details (certificates, suites) for its report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsEstablished {
    /// Protocol version, e.g. `"TLSv1.3"`.
    pub version: String,
    /// `true` when the certificate chain verified for the server name.
    pub verified: bool,
}

/// Protocol oddities worth reporting: none stops the session.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Observation {
    /// A reply line ended with a bare LF.
    BareLf {
        /// Where.
        phase: Phase,
    },
    /// A reply carried an enhanced code whose class disagrees with its reply code.
    EnhancedCodeMismatch {
        /// Where.
        phase: Phase,
        /// The reply code.
        code: u16,
        /// The enhanced code that was ignored.
        enhanced: EnhancedCode,
    },
    /// EHLO was refused and HELO was used instead.
    HeloFallback {
        /// The EHLO reply code.
        code: u16,
    },
    /// STARTTLS was offered but the server answered it with an error, and the policy let
    /// the session go on in plaintext.
    StartTlsRefused {
        /// The reply code.
        code: u16,
    },
    /// The message is larger than the SIZE the server advertised.
    MessageExceedsSize {
        /// Message octets.
        message: u64,
        /// Advertised limit.
        limit: u64,
    },
    /// The server answered 354 to a pipelined DATA although no recipient was accepted; the
    /// session sent an empty message (just the final dot) instead of the real one.
    DataWithoutRecipients,
    /// The QUIT reply was missing or not 221 (does not change the outcome).
    QuitNotAcknowledged,
    /// Bytes arrived while no command was outstanding: before SMTPing had handed out the
    /// command they would answer (a reply glued to the greeting before EHLO went out, a
    /// `250` glued to the `354` before the message and its final dot went out). Outside
    /// QUIT the session stops with [`ErrorKind::Protocol`]; the client reports it as
    /// `smtp.unsolicited_reply`.
    UnsolicitedReply {
        /// The step that was in progress (the one whose command was not yet sent).
        phase: Phase,
    },
    /// The replies to the transaction cannot be matched to its commands: more replies
    /// than a pipelined MAIL/RCPT/DATA group had commands, or a reply of the wrong kind
    /// for its command (a 2xx to DATA, a 354 to MAIL or RCPT), with or without
    /// PIPELINING. The delivery and every recipient are then
    /// [`DeliveryStatus::Unknown`] and the session stops with [`ErrorKind::Protocol`].
    RepliesUnmatched {
        /// The step at which the mismatch showed.
        phase: Phase,
    },
}

/// Where the time went, per phase (sums when a phase repeats, e.g. the two EHLOs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timings {
    /// Session start to greeting.
    pub greeting: Option<Duration>,
    /// EHLO/HELO round trips.
    pub ehlo: Option<Duration>,
    /// STARTTLS round trip.
    pub starttls: Option<Duration>,
    /// TLS handshake.
    pub tls_handshake: Option<Duration>,
    /// AUTH exchange.
    pub auth: Option<Duration>,
    /// MAIL round trip.
    pub mail: Option<Duration>,
    /// First RCPT sent to last RCPT reply.
    pub rcpt: Option<Duration>,
    /// DATA sent to the reply after the final dot.
    pub data: Option<Duration>,
    /// QUIT round trip.
    pub quit: Option<Duration>,
    /// Session start to end.
    pub total: Duration,
}

impl Timings {
    pub(crate) fn add(&mut self, phase: Phase, d: Duration) {
        let slot = match phase {
            Phase::Greeting => &mut self.greeting,
            Phase::Ehlo => &mut self.ehlo,
            Phase::StartTls => &mut self.starttls,
            Phase::TlsHandshake => &mut self.tls_handshake,
            Phase::Auth => &mut self.auth,
            Phase::Mail => &mut self.mail,
            Phase::Rcpt => &mut self.rcpt,
            Phase::Data | Phase::DataEnd => &mut self.data,
            Phase::Quit => &mut self.quit,
            Phase::Connect | Phase::Rset => return,
        };
        *slot = Some(slot.unwrap_or_default() + d);
    }
}

/// Everything the session learned, handed over once with [`Output::Done`].
///
/// Every reply in it (greeting, capabilities' source, STARTTLS, AUTH, error, delivery and
/// recipient replies, the transcript's server lines — and the events) was cleaned, where
/// it was parsed, of the plan's AUTH secret: the secret, the PLAIN and XOAUTH2 messages,
/// the CRAM-MD5 response lines sent, and the base64 form of each appear as `[redacted]` in
/// the text (codes and lines unchanged).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Outcome {
    /// `None` when the plan ran to its end (a refused recipient or a bounced message is a
    /// result, not an error); otherwise why it stopped.
    pub error: Option<SessionError>,
    /// The last phase completed.
    pub reached: Option<Phase>,
    /// The greeting reply.
    pub greeting: Option<OwnedReply>,
    /// Capabilities before TLS (or the only ones, without TLS).
    pub extensions: Option<Extensions>,
    /// Capabilities after STARTTLS (or with implicit TLS).
    pub extensions_tls: Option<Extensions>,
    /// `true` when HELO replaced a refused EHLO.
    pub used_helo: bool,
    /// The TLS facts the adapter reported.
    pub tls: Option<TlsEstablished>,
    /// `true` when STARTTLS was offered in the plaintext EHLO.
    pub starttls_offered: bool,
    /// The STARTTLS reply.
    pub starttls_reply: Option<OwnedReply>,
    /// The AUTH step.
    pub auth: Option<AuthOutcome>,
    /// The transaction.
    pub delivery: Delivery,
    /// Oddities observed.
    pub observations: Vec<Observation>,
    /// Per-phase times.
    pub timings: Timings,
    /// The dialogue.
    pub transcript: Transcript,
}

/// Something the session reports while it runs (the same facts end up in the
/// [`Outcome`]; events let a driver show progress).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The greeting arrived.
    Greeting(OwnedReply),
    /// Capabilities from EHLO; `tls` tells whether they were read inside TLS.
    Capabilities {
        /// Read inside TLS.
        tls: bool,
    },
    /// A reply to a command.
    Reply {
        /// The phase.
        phase: Phase,
        /// The reply.
        reply: OwnedReply,
    },
    /// TLS is up.
    TlsEstablished,
    /// AUTH finished.
    Authenticated {
        /// 235 or not.
        success: bool,
    },
    /// A recipient's RCPT reply arrived.
    Recipient {
        /// Index in the envelope.
        index: usize,
        /// `true` for 2xx.
        accepted: bool,
    },
    /// A protocol observation.
    Observation(Observation),
}

/// What the driver must do next; drain with
/// [`Session::poll_output`](crate::session::Session::poll_output) until `Wait` or `Done`.
#[derive(Debug)]
#[must_use]
pub enum Output {
    /// Write these bytes to the connection (in order, all of them). They may hold
    /// credentials: never log them.
    Transmit(Vec<u8>),
    /// Start the TLS handshake on the connection now, then call
    /// `handle_tls_established` (or `handle_tls_failed`). Nothing else is written before.
    StartTls,
    /// Something happened.
    Event(Event),
    /// Nothing to do until input arrives or the deadline passes (then call
    /// `handle_timeout`).
    Wait {
        /// The current phase's deadline.
        deadline: Option<Instant>,
    },
    /// The session is over: close the connection.
    Done(Box<Outcome>),
}

pub(crate) fn reply_error_kind(e: &ReplyError) -> ErrorKind {
    if e.is_limit() {
        ErrorKind::LimitExceeded
    } else {
        ErrorKind::Protocol
    }
}
