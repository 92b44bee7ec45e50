//! What a session should do: the [`Plan`].

use core::fmt;
use core::time::Duration;

use crate::address::{Address, Domain};
use crate::command::{Notify, Ret};
use crate::ehlo::AuthMechanism;
use crate::reply::{BareLfPolicy, ReplyLimits};
use crate::sasl::Credentials;

/// How the session uses TLS.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsPolicy {
    /// Never: stay in plaintext even when STARTTLS is offered.
    None,
    /// STARTTLS when the server offers it; plaintext otherwise (what MTAs do).
    #[default]
    Opportunistic,
    /// STARTTLS or fail: a server that does not offer it (or refuses it) ends the session
    /// with [`ErrorKind::TlsUnavailable`](crate::session::ErrorKind::TlsUnavailable).
    RequireStartTls,
    /// TLS from the first byte (port 465, RFC 8314): the session asks for the handshake
    /// before it reads the greeting.
    Implicit,
}

impl TlsPolicy {
    /// `"none"`, `"opportunistic"`, `"starttls"` or `"implicit"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Opportunistic => "opportunistic",
            Self::RequireStartTls => "starttls",
            Self::Implicit => "implicit",
        }
    }
}

/// The last step to perform before a polite `QUIT` (`--quit-after`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum QuitAfter {
    /// Stop as soon as the connection is up (the session sends nothing).
    Connect,
    /// After the greeting.
    Greeting,
    /// After the first successful EHLO (or HELO).
    Ehlo,
    /// After STARTTLS and the second EHLO (same as `Ehlo` without TLS).
    Tls,
    /// After AUTH (same as `Tls` without credentials).
    Auth,
    /// After `MAIL FROM`.
    Mail,
    /// After the `RCPT TO`s: asks "would you take it?" without sending a message (its
    /// size is still declared with `SIZE=` when known).
    Rcpt,
    /// After the server's `354` to DATA: the connection is closed without the final dot,
    /// so the server discards the unfinished message and nothing is delivered.
    Data,
    /// After the whole transaction, message included: a real delivery (the default when
    /// the plan has a message).
    Deliver,
}

impl QuitAfter {
    /// The lower-case name used on the command line.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Greeting => "greeting",
            Self::Ehlo => "ehlo",
            Self::Tls => "tls",
            Self::Auth => "auth",
            Self::Mail => "mail",
            Self::Rcpt => "rcpt",
            Self::Data => "data",
            Self::Deliver => "deliver",
        }
    }
}

impl core::str::FromStr for QuitAfter {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "connect" => Self::Connect,
            "greeting" | "banner" => Self::Greeting,
            "ehlo" | "helo" => Self::Ehlo,
            "tls" | "starttls" => Self::Tls,
            "auth" => Self::Auth,
            "mail" => Self::Mail,
            "rcpt" => Self::Rcpt,
            "data" => Self::Data,
            "deliver" => Self::Deliver,
            _ => return Err(UnknownName(s.to_owned())),
        })
    }
}

/// A name that is not one of the accepted values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown value {0:?}")]
pub struct UnknownName(pub String);

/// Which SASL mechanism to use.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MechanismChoice {
    /// The strongest suitable one the server offers (after TLS): PLAIN, LOGIN, then
    /// CRAM-MD5; without TLS only CRAM-MD5 unless plaintext is explicitly allowed.
    #[default]
    Auto,
    /// Exactly this one; the session fails if the server does not offer it.
    Exactly(AuthMechanism),
}

/// The AUTH step: credentials and rules for using them safely.
#[derive(Clone, Debug)]
pub struct AuthPlan {
    /// User name and secret (password, or an OAuth token for XOAUTH2).
    pub credentials: Credentials,
    /// Mechanism choice.
    pub mechanism: MechanismChoice,
    /// Send PLAIN or LOGIN over a connection without TLS. Off by default: it exposes the
    /// password to anyone on the path.
    pub allow_plaintext_without_tls: bool,
    /// Send credentials over TLS whose certificate did not verify. Off by default: an
    /// unverified peer may be an interceptor.
    pub allow_unverified_tls: bool,
}

impl AuthPlan {
    /// Automatic mechanism choice, plaintext only inside verified TLS.
    #[must_use]
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            mechanism: MechanismChoice::Auto,
            allow_plaintext_without_tls: false,
            allow_unverified_tls: false,
        }
    }
}

/// DSN requests (RFC 3461), sent only when the server advertises DSN or they are forced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DsnRequest {
    /// `NOTIFY=` for every recipient.
    pub notify: Option<Notify>,
    /// `RET=`.
    pub ret: Option<Ret>,
    /// `ENVID=` (printable ASCII).
    pub envid: Option<String>,
}

/// Optional MAIL/RCPT parameters. Each is used only when the server advertises the
/// extension, unless the matching `force_*` flag is set (to test a server's refusal).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)]
pub struct EnvelopeOptions {
    /// Announce the message size with `SIZE=` (when SIZE is advertised). On by default in
    /// [`Envelope::new`].
    pub announce_size: bool,
    /// Send `SIZE=` even when SIZE is not advertised.
    pub force_size: bool,
    /// Send `BODY=8BITMIME` for 8-bit messages even when 8BITMIME is not advertised.
    pub force_8bitmime: bool,
    /// Send `SMTPUTF8` even when it is not advertised.
    pub force_smtputf8: bool,
    /// DSN parameters.
    pub dsn: Option<DsnRequest>,
    /// Send DSN parameters even when DSN is not advertised.
    pub force_dsn: bool,
    /// Ask for `REQUIRETLS` (RFC 8689); sent when advertised and the session is in TLS.
    pub requiretls: bool,
    /// Send `REQUIRETLS` even when not advertised.
    pub force_requiretls: bool,
}

/// Sender and recipients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse-path (`<>` allowed).
    pub from: Address,
    /// One or more forward-paths.
    pub to: Vec<Address>,
    /// Parameters.
    pub options: EnvelopeOptions,
}

impl Envelope {
    /// An envelope that announces its size when the server supports SIZE.
    #[must_use]
    pub fn new(from: Address, to: Vec<Address>) -> Self {
        Self {
            from,
            to,
            options: EnvelopeOptions {
                announce_size: true,
                ..EnvelopeOptions::default()
            },
        }
    }
}

/// The message sent after DATA. Either way the session sends it as a stream of chunks of
/// at most 64 KiB, dot-stuffed and CRLF-normalised, ending with `CRLF.CRLF`; it never
/// holds the encoded message.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// Bytes given by the caller, sent as they are (dot-stuffed and CRLF-normalised).
    Raw(Vec<u8>),
    /// A padded test message generated while it is sent, in constant memory: `header`
    /// (sent like `Raw`, then a CRLF if it does not end a line), followed by `filler`
    /// octets of [`generated_body`](super::generated_body) text. Made by
    /// [`TestMessage::message`](super::TestMessage::message); `filler` may not exceed
    /// [`MAX_GENERATED_BODY`](super::MAX_GENERATED_BODY).
    Generated {
        /// The headers and any fixed text before the filler.
        header: Vec<u8>,
        /// Octets of filler after the header.
        filler: u64,
    },
}

impl Message {
    /// The bytes held in memory: the whole message for `Raw`, the header for `Generated`
    /// (its filler is produced while it is sent).
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        match self {
            Self::Raw(b) | Self::Generated { header: b, .. } => b,
        }
    }

    /// Octets of the message before stuffing.
    #[must_use]
    pub fn len(&self) -> u64 {
        match self {
            Self::Raw(b) => b.len() as u64,
            Self::Generated { header, filler } => header.len() as u64 + filler,
        }
    }

    /// `true` for an empty message.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// `true` when a byte is 8-bit (the generated filler is 7-bit).
    #[must_use]
    pub fn is_8bit(&self) -> bool {
        self.bytes().iter().any(|b| *b >= 0x80)
    }
}

impl fmt::Debug for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Raw(b) => write!(f, "Message({} bytes)", b.len()),
            Self::Generated { header, filler } => write!(
                f,
                "Message({} bytes of header, {filler} generated)",
                header.len()
            ),
        }
    }
}

/// Per-phase deadlines. Defaults are far below RFC 5321 §4.5.3.2's (which are minutes,
/// for MTAs that must not give up); a diagnostic should answer quickly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Waiting for the greeting.
    pub greeting: Duration,
    /// Each command reply (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, RSET).
    pub command: Duration,
    /// The TLS handshake (measured between [`Output::StartTls`](crate::session::Output::StartTls)
    /// and `handle_tls_established`).
    pub tls_handshake: Duration,
    /// The reply after the final dot, for an empty message.
    pub data_end_base: Duration,
    /// Extra end-of-data time per MiB of message.
    pub data_end_per_mib: Duration,
    /// The reply to QUIT (its failure never changes the outcome).
    pub quit: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            greeting: Duration::from_secs(30),
            command: Duration::from_secs(30),
            tls_handshake: Duration::from_secs(15),
            data_end_base: Duration::from_secs(60),
            data_end_per_mib: Duration::from_secs(10),
            quit: Duration::from_secs(5),
        }
    }
}

impl Timeouts {
    /// Every deadline set to `d` (handy for tests and for `--command-timeout`).
    #[must_use]
    pub fn all(d: Duration) -> Self {
        Self {
            greeting: d,
            command: d,
            tls_handshake: d,
            data_end_base: d,
            data_end_per_mib: Duration::ZERO,
            quit: d,
        }
    }

    /// The end-of-data deadline for a message of `bytes` octets.
    #[must_use]
    pub fn data_end(&self, bytes: u64) -> Duration {
        let mib = bytes as f64 / (1024.0 * 1024.0);
        self.data_end_base + self.data_end_per_mib.mul_f64(mib)
    }
}

/// Everything a [`Session`](crate::session::Session) needs to know before it starts.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Plan {
    /// The name sent with EHLO/HELO.
    pub ehlo_name: Domain,
    /// TLS use.
    pub tls: TlsPolicy,
    /// Optional AUTH.
    pub auth: Option<AuthPlan>,
    /// Optional transaction.
    pub envelope: Option<Envelope>,
    /// The message for DATA (the transaction stops after RCPT without one).
    pub message: Option<Message>,
    /// Where to stop. `None`: after the last configured step.
    pub quit_after: Option<QuitAfter>,
    /// Use PIPELINING (RFC 2920) when offered.
    pub pipelining: bool,
    /// Deadlines.
    pub timeouts: Timeouts,
    /// Reply limits.
    pub limits: ReplyLimits,
    /// Bare-LF policy for replies.
    pub bare_lf: BareLfPolicy,
    /// Replace address local parts with `***` in the transcript.
    pub redact_addresses: bool,
    /// Most transcript lines kept (memory bound); later lines are counted, not kept.
    pub transcript_limit: usize,
}

impl Plan {
    /// A plan that greets, does opportunistic STARTTLS and quits.
    #[must_use]
    pub fn new(ehlo_name: Domain) -> Self {
        Self {
            ehlo_name,
            tls: TlsPolicy::Opportunistic,
            auth: None,
            envelope: None,
            message: None,
            quit_after: None,
            pipelining: true,
            timeouts: Timeouts::default(),
            limits: ReplyLimits::default(),
            bare_lf: BareLfPolicy::Tolerate,
            redact_addresses: false,
            transcript_limit: 2000,
        }
    }

    /// Sets the TLS policy.
    #[must_use]
    pub fn tls(mut self, tls: TlsPolicy) -> Self {
        self.tls = tls;
        self
    }

    /// Sets the AUTH step.
    #[must_use]
    pub fn auth(mut self, auth: AuthPlan) -> Self {
        self.auth = Some(auth);
        self
    }

    /// Sets the envelope.
    #[must_use]
    pub fn envelope(mut self, envelope: Envelope) -> Self {
        self.envelope = Some(envelope);
        self
    }

    /// Sets the message.
    #[must_use]
    pub fn message(mut self, message: Message) -> Self {
        self.message = Some(message);
        self
    }

    /// Sets where to stop.
    #[must_use]
    pub fn quit_after(mut self, q: QuitAfter) -> Self {
        self.quit_after = Some(q);
        self
    }

    /// Sets the deadlines.
    #[must_use]
    pub fn timeouts(mut self, t: Timeouts) -> Self {
        self.timeouts = t;
        self
    }

    /// Enables or disables PIPELINING.
    #[must_use]
    pub fn pipelining(mut self, on: bool) -> Self {
        self.pipelining = on;
        self
    }

    /// Sets address redaction in the transcript.
    #[must_use]
    pub fn redact_addresses(mut self, on: bool) -> Self {
        self.redact_addresses = on;
        self
    }

    /// Sets the reply limits.
    #[must_use]
    pub fn limits(mut self, limits: ReplyLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Sets the bare-LF policy.
    #[must_use]
    pub fn bare_lf(mut self, policy: BareLfPolicy) -> Self {
        self.bare_lf = policy;
        self
    }

    /// The step the session stops after: `quit_after` if set, else the last configured
    /// step (Data with a message, Rcpt with an envelope only, Auth, Tls or Ehlo).
    #[must_use]
    pub fn effective_quit_after(&self) -> QuitAfter {
        if let Some(q) = self.quit_after {
            return q;
        }
        match (&self.envelope, &self.message) {
            (Some(_), Some(_)) => QuitAfter::Deliver,
            (Some(_), None) => QuitAfter::Rcpt,
            _ if self.auth.is_some() => QuitAfter::Auth,
            _ if self.tls != TlsPolicy::None => QuitAfter::Tls,
            _ => QuitAfter::Ehlo,
        }
    }
}
