//! The [`Report`]: everything a check found, serde-serialisable with the field names and
//! enumerations of design.md §6 (a contract for JSON consumers).
//!
//! Each area (connectivity, TLS, AUTH, delivery) gets a traffic-light [`Status`]; the
//! overall [`Report::verdict`] is the worst of them and maps to the monitoring exit codes
//! (`0` green, `1` amber, `2` red; `3` is reserved for bad arguments and internal errors).

use serde::{Deserialize, Serialize};
use smtping_classify::{Outcome, Reason};

use crate::tls::{CertificateInfo, CertificateSummary, TlsVersion, Verification};

mod enums;
mod finding;
pub mod follow;
pub mod signals;

pub use enums::{
    AttemptResult, DeliveryOutcome, Direction, ErrorKind, LoginOutcome, Stage, TlsModeUsed,
    UnknownWord,
};
pub use finding::{Finding, FindingId, Severity};

/// A traffic light.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Not tested.
    #[default]
    Grey,
    /// All good.
    Green,
    /// Works, with warnings.
    Amber,
    /// Failed.
    Red,
}

impl Status {
    /// `"green"`, `"amber"`, `"red"` or `"grey"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Grey => "grey",
            Self::Green => "green",
            Self::Amber => "amber",
            Self::Red => "red",
        }
    }

    /// The monitoring-plugin exit code: 0 green (and grey), 1 amber, 2 red.
    #[must_use]
    pub const fn exit_code(self) -> i32 {
        match self {
            Self::Grey | Self::Green => 0,
            Self::Amber => 1,
            Self::Red => 2,
        }
    }

    /// The worse of two statuses (grey counts as nothing).
    #[must_use]
    pub fn worst(self, other: Self) -> Self {
        self.max(other)
    }
}

/// What was checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TargetInfo {
    /// The target as given.
    pub input: String,
    /// The host or mail domain.
    pub host: String,
    /// The port.
    pub port: u16,
    /// `"starttls"`, `"implicit"` or `"none"` (what was attempted).
    pub tls_mode: TlsModeUsed,
}

/// A server reply as the report shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReplyInfo {
    /// The basic code.
    pub code: u16,
    /// The enhanced code (`"5.1.1"`), when present and consistent.
    pub enhanced: Option<String>,
    /// The text, lines joined with `\n` (without codes).
    pub text: String,
}

/// One MX record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MxInfo {
    /// Preference (lower first).
    pub preference: u16,
    /// Exchange host.
    pub host: String,
}

/// DNS facts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DnsInfo {
    /// Addresses tried, in order.
    pub addresses: Vec<String>,
    /// MX records, in preference order (empty for a host target).
    pub mx: Vec<MxInfo>,
    /// `true` when the domain publishes a null MX (RFC 7505).
    pub null_mx: bool,
    /// `true` when the domain has no MX and its own address was used (RFC 5321 §5.1).
    pub implicit_mx: bool,
    /// Why resolution failed.
    pub error: Option<String>,
}

/// One connection attempt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Attempt {
    /// `ip:port`.
    pub address: String,
    /// `connected | refused | timeout | unreachable | reset | error`.
    pub outcome: AttemptResult,
    /// Time spent.
    pub elapsed_ms: f64,
    /// The error, when it failed.
    pub error: Option<String>,
}

/// Can we reach it?
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Connectivity {
    /// Traffic light.
    pub status: Status,
    /// DNS.
    pub dns: DnsInfo,
    /// Every attempt.
    pub attempts: Vec<Attempt>,
    /// The address that answered.
    pub connected_to: Option<String>,
    /// The greeting.
    pub greeting: Option<ReplyInfo>,
}

/// What EHLO announced (after TLS when TLS was used).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EhloInfo {
    /// The name the server gave.
    pub server_name: String,
    /// Every keyword line as advertised (`"SIZE 10240000"`).
    pub keywords: Vec<String>,
    /// Fixed size limit, if any.
    pub size: Option<u64>,
    /// PIPELINING.
    pub pipelining: bool,
    /// STARTTLS (in the plaintext EHLO).
    pub starttls: bool,
    /// SMTPUTF8.
    pub smtputf8: bool,
    /// 8BITMIME.
    pub eightbitmime: bool,
    /// CHUNKING.
    pub chunking: bool,
    /// DSN.
    pub dsn: bool,
    /// AUTH mechanisms.
    pub auth_mechanisms: Vec<String>,
    /// `true` when EHLO was refused and HELO used.
    pub helo_fallback: bool,
}

/// TLS health.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TlsInfo {
    /// Traffic light.
    pub status: Status,
    /// `"starttls"`, `"implicit"` or `"none"`.
    pub mode: TlsModeUsed,
    /// STARTTLS advertised (or implicit TLS on the port).
    pub offered: bool,
    /// The handshake completed.
    pub established: bool,
    /// `"TLSv1.2"` or `"TLSv1.3"`.
    pub version: Option<TlsVersion>,
    /// Cipher suite.
    pub cipher_suite: Option<String>,
    /// SNI sent.
    pub sni: Option<String>,
    /// The server certificate and the verdict.
    pub certificate: Option<CertificateSummary>,
    /// Every certificate problem (empty when valid).
    pub problems: Vec<Verification>,
    /// The verdict in plain words.
    pub verification_detail: Option<String>,
    /// The whole presented chain.
    pub chain: Vec<CertificateInfo>,
    /// Why TLS failed.
    pub error: Option<String>,
    /// Whether the server refuses a plaintext transaction (`--probe-enforcement`):
    /// `true` refused, `false` accepted MAIL (and RCPT) before STARTTLS, `null` not probed
    /// or not decidable.
    #[serde(default)]
    pub enforced: Option<bool>,
    /// The enforcement probe's details (absent when not run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforcement: Option<EnforcementInfo>,
    /// The version and cipher scan (`--tls-scan`; absent otherwise): `{versions[{version,
    /// accepted}], ciphers[{version, name, strength}], preference, group, grade, …}` as
    /// [`TlsScan`](crate::tls::scan::TlsScan) serialises it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<serde_json::Value>,
    /// DANE (RFC 7672) for the host the check reached by name, when its address answer
    /// is DNSSEC-secure from a trusted validating resolver (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneInfo>,
}

/// `tls.dane`: the TLSA records of `_PORT._tcp.<host>` and whether the presented chain
/// matched them (RFC 7672 §3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DaneInfo {
    /// Traffic light: green matched, amber records present but none usable, red a
    /// mismatch or a failed TLSA lookup, grey no TLSA records (DANE does not apply).
    pub status: Status,
    /// The TLSA name asked (`_25._tcp.mx.example.org`).
    pub name: String,
    /// The secure TLSA records.
    pub tlsa: Vec<crate::domain::TlsaInfo>,
    /// At least one record is usable for SMTP (DANE-TA or DANE-EE).
    pub usable: bool,
    /// The presented chain matched a usable record (`null` when there is nothing to
    /// match or no TLS session).
    pub matched: Option<bool>,
    /// Why the TLSA lookup or the match failed.
    pub error: Option<String>,
}

/// The STARTTLS enforcement probe (`--probe-enforcement`): a plaintext session that tries
/// MAIL FROM and RCPT TO before any STARTTLS and stops there (no DATA).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnforcementInfo {
    /// The envelope used (`from -> to`).
    pub envelope: String,
    /// The step that decided (`"mail"` or `"rcpt"`).
    pub stage: Option<Stage>,
    /// The deciding reply.
    pub reply: Option<ReplyInfo>,
    /// What it means, in words.
    pub detail: String,
    /// Why the probe could not finish.
    pub error: Option<String>,
}

/// One MX host address checked with `--all-mx` (`hosts[]`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HostResult {
    /// The MX host name.
    pub name: String,
    /// The address checked.
    pub address: String,
    /// The port.
    pub port: u16,
    /// This address's verdict.
    pub verdict: Status,
    /// Its connectivity light.
    pub connectivity: Status,
    /// Its TLS light.
    pub tls: Status,
    /// Its one-line summary.
    pub summary: String,
    /// Why its check stopped early.
    pub error: Option<ErrorInfo>,
}

/// One port of the sweep (`--ports`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SweepPort {
    /// The port.
    pub port: u16,
    /// Its natural TLS mode (`"implicit"` on 465, `"starttls"` elsewhere).
    pub tls_mode: TlsModeUsed,
    /// `connected | refused | timeout | reset | unreachable | error`: `connected` means
    /// the server answered (a greeting, or the TLS handshake on 465).
    pub outcome: AttemptResult,
    /// Time until the outcome was known.
    pub elapsed_ms: f64,
    /// The address tried.
    pub address: String,
    /// The TLS handshake completed.
    pub tls_established: bool,
    /// What went wrong, when something did.
    pub error: Option<String>,
}

/// The port sweep (`--ports`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SweepInfo {
    /// Traffic light: green when every port answered, amber when some did, red when none.
    pub status: Status,
    /// Each port, in the order asked.
    pub ports: Vec<SweepPort>,
    /// What the pattern means, in one sentence.
    pub conclusion: String,
}

/// The login test.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LoginInfo {
    /// A login was attempted.
    pub tested: bool,
    /// The mechanism used.
    pub mechanism: Option<String>,
    /// `"success"`, `"failure"`, `"not_tested"`, `"refused_by_client"` or `"error"`.
    pub outcome: LoginOutcome,
    /// The final reply.
    pub reply: Option<ReplyInfo>,
}

/// AUTH exposure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AuthInfo {
    /// Traffic light.
    pub status: Status,
    /// Mechanisms in the plaintext EHLO.
    pub mechanisms_before_tls: Vec<String>,
    /// Mechanisms in the EHLO inside TLS.
    pub mechanisms_after_tls: Vec<String>,
    /// The login test.
    pub login: LoginInfo,
}

/// One recipient.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecipientInfo {
    /// The address (redacted with `--redact`).
    pub address: String,
    /// `"accepted" | "deferred" | "bounced" | "unknown" | "not_tested"`.
    pub outcome: DeliveryOutcome,
    /// Its RCPT reply.
    pub reply: Option<ReplyInfo>,
    /// Why, for a refusal.
    pub reason: Option<Reason>,
}

/// Will it take this?
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryInfo {
    /// Traffic light.
    pub status: Status,
    /// `"accepted" | "deferred" | "bounced" | "unknown" | "not_tested"`.
    pub outcome: DeliveryOutcome,
    /// The step that decided it (`"rcpt"`, `"data_end"`, …).
    pub stage: Option<Stage>,
    /// The deciding reply.
    pub reply: Option<ReplyInfo>,
    /// Why.
    pub reason: Option<Reason>,
    /// Retrying can never succeed.
    pub hard: bool,
    /// What it means.
    pub explanation: Option<String>,
    /// What to do.
    pub remediation: Option<String>,
    /// Per recipient.
    pub recipients: Vec<RecipientInfo>,
    /// The test message's Message-ID, when one was sent.
    pub message_id: Option<String>,
    /// With `--retry-deferred`: every attempt, the check's own first (empty otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<DeliveryAttempt>,
    /// With `--retry-deferred`: what the retries showed ("greylisted: accepted on attempt 2
    /// after 31 s", "still deferred after 4 attempts over 30 min").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_conclusion: Option<String>,
}

/// One delivery attempt of a `--retry-deferred` check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeliveryAttempt {
    /// When it started, in milliseconds from the first attempt.
    pub t_ms: u64,
    /// How it ended (`unknown` when it could not connect).
    pub outcome: DeliveryOutcome,
    /// The deciding reply.
    pub reply: Option<ReplyInfo>,
    /// Why it failed, when it did (a refused connection, a timeout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The open-relay probe (`--relay-probe`): MAIL from an outside domain to an outside
/// domain without AUTH, stopped at RCPT; no message is ever sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RelayInfo {
    /// The probe ran.
    pub tested: bool,
    /// The server accepted a recipient it should not relay to.
    pub open: bool,
    /// The envelope used (`from -> to`).
    pub envelope: String,
    /// The step that decided (`"mail"` or `"rcpt"`).
    pub stage: Option<Stage>,
    /// The deciding reply.
    pub reply: Option<ReplyInfo>,
    /// Why the probe could not finish.
    pub error: Option<String>,
}

/// Why the check stopped before its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorInfo {
    /// The step (`"dns"`, `"connect"`, `"greeting"`, `"rcpt"`, …).
    pub stage: Stage,
    /// `dns | refused | timeout | unreachable | reset | closed | tls_handshake |
    /// tls_injection | protocol | limit_exceeded | rejected | io` (and `tls_unavailable`,
    /// `refused_by_client` for the client's own refusals).
    pub kind: ErrorKind,
    /// The step, the cause and the next thing to try.
    pub message: String,
}

/// Per-phase times in milliseconds (`null` when the phase did not happen).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)]
pub struct TimingsMs {
    pub dns: Option<f64>,
    pub connect: Option<f64>,
    pub greeting: Option<f64>,
    pub ehlo: Option<f64>,
    pub starttls: Option<f64>,
    pub tls_handshake: Option<f64>,
    pub auth: Option<f64>,
    pub mail: Option<f64>,
    pub rcpt: Option<f64>,
    pub data: Option<f64>,
    pub total: f64,
}

impl TimingsMs {
    /// `(name, value)` for every phase that happened, in dialogue order (for perfdata).
    #[must_use]
    pub fn phases(&self) -> Vec<(&'static str, f64)> {
        [
            ("dns", self.dns),
            ("connect", self.connect),
            ("greeting", self.greeting),
            ("ehlo", self.ehlo),
            ("starttls", self.starttls),
            ("tls_handshake", self.tls_handshake),
            ("auth", self.auth),
            ("mail", self.mail),
            ("rcpt", self.rcpt),
            ("data", self.data),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .chain([("total", self.total)])
        .collect()
    }
}

/// One transcript line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TranscriptEntry {
    /// Milliseconds since the connection opened.
    pub t_ms: f64,
    /// `"client"`, `"server"` or `"info"`.
    pub dir: Direction,
    /// Inside TLS.
    pub tls: bool,
    /// The line (AUTH redacted; local parts too with `--redact`).
    pub line: String,
}

/// Everything a check found. See the [module docs](self).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Report {
    /// SMTPing's version.
    pub version: String,
    /// What was checked.
    pub target: TargetInfo,
    /// `"green"`, `"amber"` or `"red"`.
    pub verdict: Status,
    /// One sentence.
    pub summary: String,
    /// DNS and TCP.
    pub connectivity: Connectivity,
    /// Capabilities (null when EHLO was not reached).
    pub ehlo: Option<EhloInfo>,
    /// TLS.
    pub tls: TlsInfo,
    /// AUTH.
    pub auth: AuthInfo,
    /// The transaction.
    pub delivery: DeliveryInfo,
    /// The open-relay probe (null when not requested).
    pub relay: Option<RelayInfo>,
    /// How a receiver sees this probe (absent when signals were turned off or no
    /// connection was made).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signals: Option<signals::SignalsInfo>,
    /// Every MX host address with `--all-mx` (absent otherwise); the first is the one the
    /// top-level areas describe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosts: Option<Vec<HostResult>>,
    /// The port sweep with `--ports` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepInfo>,
    /// The follow-through with `--seed` (absent otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_through: Option<follow::FollowThroughInfo>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Why the check stopped early (null when it ran to its end).
    pub error: Option<ErrorInfo>,
    /// Per-phase times.
    pub timings_ms: TimingsMs,
    /// The dialogue.
    pub transcript: Vec<TranscriptEntry>,
}

impl Report {
    /// The monitoring exit code for this report: 0 green, 1 amber, 2 red.
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }

    /// The finding with this id (`"tls.not_offered"` or [`FindingId::TlsNotOffered`]), if
    /// any.
    #[must_use]
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }

    /// `true` when the report has this finding.
    #[must_use]
    pub fn has(&self, id: FindingId) -> bool {
        self.findings.iter().any(|f| f.id == id)
    }

    /// The delivery outcome as smtping-classify's [`Outcome`] (`None` when not tested).
    #[must_use]
    pub fn delivery_outcome(&self) -> Option<Outcome> {
        self.delivery.outcome.as_str().parse().ok()
    }
}
