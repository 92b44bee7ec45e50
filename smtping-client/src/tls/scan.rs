//! `--tls-scan`: which TLS versions and cipher suites a mail server accepts, probed with raw
//! ClientHellos ([`smtping_proto::tls_probe`]) because rustls speaks only TLS 1.2 and 1.3.
//!
//! One scan is at most [`MAX_CONNECTIONS`] (16) connections, one after another, started at
//! least [`ScanOptions::pace`] (default 200 ms) apart, each with its own deadline. Each
//! connection does the SMTP preamble when the port needs it (greeting, EHLO, STARTTLS), sends
//! one hello, reads the server's answer up to ServerHelloDone or the refusing alert, and hangs
//! up: no handshake is completed, no mail transaction is started.
//!
//! The probes, in order (a probe whose answer is already known is skipped):
//!
//! 1. versions: TLS 1.3, TLS 1.2, TLS 1.1, TLS 1.0, SSLv3, each offering every suite the
//!    version can use;
//! 2. suite classes, with the highest version accepted: NULL, anonymous, EXPORT, RC4,
//!    DES/3DES, CBC with SHA-1, static RSA key transport, forward-secret AEAD, DHE (for the
//!    DH prime size);
//! 3. preference: when only one suite was seen accepted, one probe offering every other
//!    suite; then the strongest and the weakest accepted suites offered in both orders.
//!
//! Grades follow Internet.nl's mail test (NCSC-NL TLS guidelines 2.1, see [`Strength`] and
//! functions such as [`suite_strength`]); the overall grade is the worst of the versions,
//! suites, key-exchange group, certificate key and signature.
//!
//! ```no_run
//! use std::net::SocketAddr;
//! use smtping_client::runtime::tokio::Tokio;
//! use smtping_client::tls::scan::{ScanOptions, ScanTransport, scan};
//!
//! # async fn demo() {
//! let addr: SocketAddr = "192.0.2.25:25".parse().unwrap();
//! let options = ScanOptions::new(ScanTransport::StartTls, "probe.example.org")
//!     .sni("mx.example.org");
//! let result = scan(&Tokio, addr, &options).await;
//! println!("{}", serde_json::to_string(&result).unwrap());
//! for problem in result.problems() {
//!     println!("{} {}: {problem}", problem.severity().as_str(), problem.finding_id());
//! }
//! # }
//! ```

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use smtping_proto::tls_probe::{
    ClientHelloSpec, KeyExchange, KeyExchangeParams, ProbeVersion, ReadError, ReadStatus,
    ServerFlight, ServerReader, SuiteClass, SuiteInfo, Verdict, suite, suite_codes,
};
use smtping_proto::{Domain, Extensions, parse_reply};
use thiserror::Error;

use crate::runtime::{Connection, Runtime, io_reason, within};
use crate::tls::inspect_certificate;

mod grade;
mod problem;

pub use grade::{
    Strength, certificate_key_strength, dh_strength, group_name, group_strength,
    key_exchange_strength, signature_strength, suite_strength, version_strength,
};
pub use problem::ScanProblem;

/// The most connections one scan opens.
pub const MAX_CONNECTIONS: usize = 16;
/// The default pause between the starts of two connections.
pub const DEFAULT_PACE: Duration = Duration::from_millis(200);
/// The default deadline of one probe connection (connect excluded): preamble, hello, answer.
pub const DEFAULT_PROBE_TIMEOUT: Duration = Duration::from_secs(10);
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The most bytes of SMTP preamble read before STARTTLS's 220.
pub const MAX_PREAMBLE_BYTES: usize = 64 * 1024;

/// How TLS starts on the scanned port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ScanTransport {
    /// Plain SMTP, then STARTTLS (ports 25, 587, 2525).
    StartTls,
    /// TLS from the first byte (port 465).
    Implicit,
}

/// What a scan needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanOptions {
    transport: ScanTransport,
    ehlo_name: String,
    sni: Option<String>,
    connect_timeout: Duration,
    probe_timeout: Duration,
    pace: Duration,
    max_connections: usize,
}

impl ScanOptions {
    /// Options for `transport`, greeting with `EHLO ehlo_name`; no SNI, the default
    /// timeouts, pace and connection budget.
    #[must_use]
    pub fn new(transport: ScanTransport, ehlo_name: &str) -> Self {
        Self {
            transport,
            ehlo_name: ehlo_name.to_owned(),
            sni: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            probe_timeout: DEFAULT_PROBE_TIMEOUT,
            pace: DEFAULT_PACE,
            max_connections: MAX_CONNECTIONS,
        }
    }

    /// Sends this host name as SNI in every hello.
    #[must_use]
    pub fn sni(mut self, name: &str) -> Self {
        self.sni = Some(name.to_owned());
        self
    }

    /// The connect timeout of each connection.
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The deadline of each connection after it is connected.
    #[must_use]
    pub fn probe_timeout(mut self, timeout: Duration) -> Self {
        self.probe_timeout = timeout;
        self
    }

    /// The least time between the starts of two connections.
    #[must_use]
    pub fn pace(mut self, pace: Duration) -> Self {
        self.pace = pace;
        self
    }

    /// At most this many connections (clamped to 1..=[`MAX_CONNECTIONS`]).
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.clamp(1, MAX_CONNECTIONS);
        self
    }
}

/// A protocol version as the report names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[non_exhaustive]
pub enum ScanVersion {
    /// SSL 3.0.
    #[serde(rename = "SSLv3")]
    Ssl3,
    /// TLS 1.0.
    #[serde(rename = "TLSv1.0")]
    Tls10,
    /// TLS 1.1.
    #[serde(rename = "TLSv1.1")]
    Tls11,
    /// TLS 1.2.
    #[serde(rename = "TLSv1.2")]
    Tls12,
    /// TLS 1.3.
    #[serde(rename = "TLSv1.3")]
    Tls13,
}

impl ScanVersion {
    /// `"SSLv3"`, `"TLSv1.0"`, `"TLSv1.1"`, `"TLSv1.2"` or `"TLSv1.3"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        self.probe().as_str()
    }

    const fn probe(self) -> ProbeVersion {
        match self {
            Self::Ssl3 => ProbeVersion::Ssl3,
            Self::Tls10 => ProbeVersion::Tls10,
            Self::Tls11 => ProbeVersion::Tls11,
            Self::Tls12 => ProbeVersion::Tls12,
            Self::Tls13 => ProbeVersion::Tls13,
        }
    }

    fn from_probe(version: ProbeVersion) -> Self {
        match version {
            ProbeVersion::Ssl3 => Self::Ssl3,
            ProbeVersion::Tls10 => Self::Tls10,
            ProbeVersion::Tls11 => Self::Tls11,
            ProbeVersion::Tls12 => Self::Tls12,
            _ => Self::Tls13,
        }
    }
}

/// Whether one version is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VersionResult {
    /// The version.
    pub version: ScanVersion,
    /// `true` accepted, `false` refused, `null` unknown (the probe got no answer).
    pub accepted: Option<bool>,
}

/// One suite the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CipherResult {
    /// The version it was accepted with.
    pub version: ScanVersion,
    /// The IANA name.
    pub name: String,
    /// The IANA code, `0xC02F`.
    pub code: String,
    /// Its grade.
    pub strength: Strength,
    /// Its weakest property (`"rc4"`, `"aead"`, …).
    pub class: &'static str,
    /// Ephemeral key exchange.
    pub forward_secrecy: bool,
}

/// Whose suite order decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Preference {
    /// The server's: it chose the stronger suite in both orders.
    Server,
    /// The server's, but it chose the weaker suite in both orders.
    ServerWeakFirst,
    /// The client's: it chose whichever came first.
    Client,
    /// Neither pattern (it chose whichever came last).
    Inconsistent,
    /// Fewer than two suites accepted: nothing to prefer.
    NotApplicable,
    /// The preference probes did not both answer (or the budget ran out).
    Unknown,
}

/// What the certificate (read in clear with TLS ≤ 1.2) says about its key and signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScanCertificate {
    /// `RSA`, `ECDSA`, `Ed25519`, …
    pub key_type: String,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// The signature algorithm's name.
    pub signature_algorithm: String,
    /// Grade of the key.
    pub key_strength: Option<Strength>,
    /// Grade of the signature.
    pub signature_strength: Option<Strength>,
    /// Certificates in the chain the server sent.
    pub chain_length: usize,
}

/// Which question a probe asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProbeKind {
    /// Is this version accepted (every suite it can use offered)?
    Version,
    /// Is any suite of this class accepted?
    Class,
    /// Static RSA key transport (no forward secrecy)?
    StaticRsa,
    /// Forward-secret AEAD suites?
    ForwardSecretAead,
    /// DHE suites (to read the DH prime)?
    Dhe,
    /// Any suite but the one already seen (so that preference can be tested).
    Alternative,
    /// The suite pair, weaker first.
    PreferenceWeakFirst,
    /// The suite pair, stronger first.
    PreferenceStrongFirst,
}

/// How a probe ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ProbeOutcome {
    /// A ServerHello with the offered version and an offered suite.
    Accepted,
    /// A ServerHello with a lower version.
    OtherVersion,
    /// An alert.
    Refused,
    /// The server closed the connection without answering the hello.
    Closed,
    /// The deadline passed.
    Timeout,
    /// Anything else (connect failure, preamble refused, garbage, protocol violation).
    Error,
}

/// One probe connection, for the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeRecord {
    /// What it asked.
    pub probe: ProbeKind,
    /// The suite class, for [`ProbeKind::Class`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<&'static str>,
    /// The version offered.
    pub version: ScanVersion,
    /// How many suites were offered.
    pub offered: usize,
    /// How it ended.
    pub outcome: ProbeOutcome,
    /// The version the server chose, when it answered with a hello.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chosen_version: Option<String>,
    /// The suite the server chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cipher: Option<String>,
    /// The alert, when refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// What went wrong, for [`ProbeOutcome::Error`], `Timeout` and `Closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Milliseconds from connect to the end of the probe.
    pub elapsed_ms: u64,
}

/// The result of a scan: `tls.scan` in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct TlsScan {
    /// Each version probed.
    pub versions: Vec<VersionResult>,
    /// Each suite seen accepted (one per accepting probe, deduplicated).
    pub ciphers: Vec<CipherResult>,
    /// Whose order decides.
    pub preference: Preference,
    /// The key-exchange group of the highest version accepted (`x25519`, `secp256r1`,
    /// `DH 2048`), when seen.
    pub group: Option<String>,
    /// Grade of that group.
    pub group_strength: Option<Strength>,
    /// The DH prime size, when a DHE suite was accepted.
    pub dh_bits: Option<u32>,
    /// The leaf certificate, when one was read in clear.
    pub certificate: Option<ScanCertificate>,
    /// The worst grade of all; `null` when no version was accepted.
    pub grade: Option<Strength>,
    /// Connections opened.
    pub connections: usize,
    /// Every probe.
    pub probes: Vec<ProbeRecord>,
    /// Why the scan stopped early, when it did.
    pub error: Option<String>,
    #[serde(skip)]
    problems: Vec<ScanProblem>,
}

impl TlsScan {
    /// What the scan found wrong.
    #[must_use]
    pub fn problems(&self) -> &[ScanProblem] {
        &self.problems
    }

    /// Whether `version` was seen accepted.
    #[must_use]
    pub fn accepts(&self, version: ScanVersion) -> bool {
        self.versions
            .iter()
            .any(|v| v.version == version && v.accepted == Some(true))
    }
}

/// Why one probe connection failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ProbeError {
    /// TCP connect failed.
    #[error("connecting: {0}")]
    Connect(String),
    /// A deadline passed.
    #[error("{0}: timed out")]
    Timeout(&'static str),
    /// The server closed the connection.
    #[error("{0}: the server closed the connection")]
    Closed(&'static str),
    /// An I/O error.
    #[error("{stage}: {message}")]
    Io {
        /// The step.
        stage: &'static str,
        /// The cause.
        message: String,
    },
    /// The server's SMTP reply was not the expected one.
    #[error("{stage}: the server answered {code}")]
    Reply {
        /// The step.
        stage: &'static str,
        /// The reply code.
        code: u16,
    },
    /// The SMTP reply could not be parsed (or was too long).
    #[error("{stage}: {message}")]
    BadReply {
        /// The step.
        stage: &'static str,
        /// The cause.
        message: String,
    },
    /// EHLO did not offer STARTTLS.
    #[error("EHLO: the server does not offer STARTTLS")]
    StartTlsNotOffered,
    /// Bytes followed STARTTLS's 220 before the hello (response injection).
    #[error("STARTTLS: bytes followed the 220 before TLS started (response injection)")]
    Injection,
    /// The EHLO name is not a valid domain.
    #[error("EHLO: {0}")]
    EhloName(String),
    /// The hello could not be built.
    #[error("{0}")]
    Hello(String),
    /// The TLS answer could not be read.
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl ProbeError {
    fn outcome(&self) -> ProbeOutcome {
        match self {
            Self::Timeout(_) => ProbeOutcome::Timeout,
            Self::Read(ReadError::Truncated(_)) => ProbeOutcome::Closed,
            Self::Closed(stage) if *stage == "TLS" => ProbeOutcome::Closed,
            _ => ProbeOutcome::Error,
        }
    }

    /// Whether no further probe can do better (the preamble itself fails).
    const fn is_fatal(&self) -> bool {
        matches!(
            self,
            Self::Connect(_)
                | Self::StartTlsNotOffered
                | Self::Reply { .. }
                | Self::EhloName(_)
                | Self::Injection
        )
    }
}

/// One planned probe.
#[derive(Debug, Clone)]
struct Probe {
    kind: ProbeKind,
    class: Option<SuiteClass>,
    spec: ClientHelloSpec,
}

/// A class probe: its kind, its class, and which suites it offers.
type ClassProbe = (ProbeKind, Option<SuiteClass>, fn(&SuiteInfo) -> bool);

/// The suites `version` can negotiate.
fn usable(info: &SuiteInfo, version: ProbeVersion) -> bool {
    match version {
        ProbeVersion::Tls13 => info.tls13_only(),
        ProbeVersion::Tls12 => !info.tls13_only(),
        _ => !info.needs_tls12(),
    }
}

/// Runs the scan of `addr`. Never fails: problems end up in [`TlsScan::error`] and the
/// probe records.
pub async fn scan<R: Runtime>(rt: &R, addr: SocketAddr, options: &ScanOptions) -> TlsScan {
    let mut state = State::new(options);
    // 1. Versions.
    for version in [
        ProbeVersion::Tls13,
        ProbeVersion::Tls12,
        ProbeVersion::Tls11,
        ProbeVersion::Tls10,
        ProbeVersion::Ssl3,
    ] {
        let suites = suite_codes(|s| usable(s, version));
        let probe = Probe {
            kind: ProbeKind::Version,
            class: None,
            spec: state.spec(version, suites),
        };
        if !state.run(rt, addr, probe).await {
            return state.finish();
        }
    }
    // 2. Classes, with the highest version accepted below 1.3.
    let Some(version) = [
        ProbeVersion::Tls12,
        ProbeVersion::Tls11,
        ProbeVersion::Tls10,
        ProbeVersion::Ssl3,
    ]
    .into_iter()
    .find(|v| state.version_accepted(*v)) else {
        return state.finish();
    };
    let classes: [ClassProbe; 9] = [
        (ProbeKind::Class, Some(SuiteClass::Null), |s| {
            s.class == SuiteClass::Null
        }),
        (ProbeKind::Class, Some(SuiteClass::Anonymous), |s| {
            s.class == SuiteClass::Anonymous
        }),
        (ProbeKind::Class, Some(SuiteClass::Export), |s| {
            s.class == SuiteClass::Export
        }),
        (ProbeKind::Class, Some(SuiteClass::Rc4), |s| {
            s.class == SuiteClass::Rc4
        }),
        (ProbeKind::Class, Some(SuiteClass::TripleDes), |s| {
            matches!(s.class, SuiteClass::Des | SuiteClass::TripleDes)
        }),
        (ProbeKind::Class, Some(SuiteClass::CbcSha1), |s| {
            s.class == SuiteClass::CbcSha1
        }),
        (ProbeKind::StaticRsa, None, |s| {
            s.key_exchange == KeyExchange::Rsa && s.class >= SuiteClass::CbcSha1
        }),
        (ProbeKind::ForwardSecretAead, None, |s| {
            s.forward_secrecy() && s.class == SuiteClass::Aead
        }),
        (ProbeKind::Dhe, None, |s| {
            s.key_exchange == KeyExchange::Dhe && s.class >= SuiteClass::TripleDes
        }),
    ];
    for (kind, class, keep) in classes {
        let suites = suite_codes(|s| keep(s) && usable(s, version));
        if suites.is_empty() || state.already_accepted(version, &suites, kind) {
            continue;
        }
        let probe = Probe {
            kind,
            class,
            spec: state.spec(version, suites),
        };
        if !state.run(rt, addr, probe).await {
            return state.finish();
        }
    }
    // 3. Preference, which needs two accepted suites: when the probes above saw only one,
    // ask once for any other.
    if state.preference_pair(version).is_none() {
        let known: Vec<u16> = state
            .accepted
            .iter()
            .filter(|(v, _)| *v == version)
            .map(|(_, s)| *s)
            .collect();
        if known.len() == 1 {
            let suites = suite_codes(|s| usable(s, version) && !known.contains(&s.code));
            let probe = Probe {
                kind: ProbeKind::Alternative,
                class: None,
                spec: state.spec(version, suites),
            };
            if !state.run(rt, addr, probe).await {
                return state.finish();
            }
        }
    }
    if let Some((strong, weak)) = state.preference_pair(version) {
        let first = state.spec(version, vec![weak, strong]);
        let second = state.spec(version, vec![strong, weak]);
        let a = state
            .run_choice(rt, addr, ProbeKind::PreferenceWeakFirst, first)
            .await;
        let b = match a {
            Some(_) => {
                state
                    .run_choice(rt, addr, ProbeKind::PreferenceStrongFirst, second)
                    .await
            }
            None => None,
        };
        state.preference = match (a, b) {
            (Some(a), Some(b)) if a == strong && b == strong => Preference::Server,
            (Some(a), Some(b)) if a == weak && b == weak => Preference::ServerWeakFirst,
            (Some(a), Some(b)) if a == weak && b == strong => Preference::Client,
            (Some(_), Some(_)) => Preference::Inconsistent,
            _ => Preference::Unknown,
        };
        state.pair = Some((strong, weak));
    } else {
        state.preference = Preference::NotApplicable;
    }
    state.finish()
}

struct State<'o> {
    options: &'o ScanOptions,
    versions: Vec<VersionResult>,
    /// (version, suite) accepted, in the order seen.
    accepted: Vec<(ProbeVersion, u16)>,
    probes: Vec<ProbeRecord>,
    connections: usize,
    last_start: Option<Instant>,
    /// Key exchange per version, from the first accepting probe that showed one.
    key_exchange: Vec<(ProbeVersion, KeyExchangeParams)>,
    tls13_group: Option<u16>,
    dh_bits: Option<u32>,
    certificate: Option<ScanCertificate>,
    preference: Preference,
    pair: Option<(u16, u16)>,
    error: Option<String>,
    failed: usize,
}

impl<'o> State<'o> {
    fn new(options: &'o ScanOptions) -> Self {
        Self {
            options,
            versions: Vec::new(),
            accepted: Vec::new(),
            probes: Vec::new(),
            connections: 0,
            last_start: None,
            key_exchange: Vec::new(),
            tls13_group: None,
            dh_bits: None,
            certificate: None,
            preference: Preference::Unknown,
            pair: None,
            error: None,
            failed: 0,
        }
    }

    fn spec(&self, version: ProbeVersion, suites: Vec<u16>) -> ClientHelloSpec {
        let spec = ClientHelloSpec::new(version, suites);
        match &self.options.sni {
            Some(name) if name.parse::<std::net::IpAddr>().is_err() => spec.server_name(name),
            _ => spec,
        }
    }

    fn version_accepted(&self, version: ProbeVersion) -> bool {
        self.accepted.iter().any(|(v, _)| *v == version)
    }

    fn already_accepted(&self, version: ProbeVersion, suites: &[u16], kind: ProbeKind) -> bool {
        // The DHE probe is also there to read the prime: skip it only once that is known.
        if kind == ProbeKind::Dhe && self.dh_bits.is_none() {
            return false;
        }
        self.accepted
            .iter()
            .any(|(v, s)| *v == version && suites.contains(s))
    }

    fn preference_pair(&self, version: ProbeVersion) -> Option<(u16, u16)> {
        let mut seen: Vec<(Strength, usize, u16)> = self
            .accepted
            .iter()
            .filter(|(v, _)| *v == version)
            .filter_map(|(_, code)| {
                let info = suite(*code)?;
                let rank = smtping_proto::tls_probe::SUITES
                    .iter()
                    .position(|s| s.code == *code)?;
                Some((suite_strength(info), rank, *code))
            })
            .collect();
        seen.sort_unstable();
        seen.dedup_by_key(|e| e.2);
        let strong = seen.first()?;
        let weak = seen.last()?;
        (strong.2 != weak.2).then_some((strong.2, weak.2))
    }

    /// Runs one probe and records it; `false` when the scan must stop.
    async fn run<R: Runtime>(&mut self, rt: &R, addr: SocketAddr, probe: Probe) -> bool {
        if self.connections >= self.options.max_connections {
            self.error
                .get_or_insert_with(|| "the connection budget of the scan ran out".into());
            return false;
        }
        if let Some(last) = self.last_start {
            rt.sleep_until(last + self.options.pace).await;
        }
        let started = rt.now();
        self.last_start = Some(started);
        self.connections += 1;
        let result = probe_once(rt, addr, self.options, &probe.spec).await;
        let elapsed_ms =
            u64::try_from(rt.now().duration_since(started).as_millis()).unwrap_or(u64::MAX);
        let version = probe.spec.version();
        let mut record = ProbeRecord {
            probe: probe.kind,
            class: probe.class.map(SuiteClass::as_str),
            version: ScanVersion::from_probe(version),
            offered: probe.spec.suites().len(),
            outcome: ProbeOutcome::Error,
            chosen_version: None,
            cipher: None,
            alert: None,
            error: None,
            elapsed_ms,
        };
        let mut keep_going = true;
        match result {
            Ok(flight) => self.learn(&probe, &flight, &mut record),
            Err(e) => {
                record.outcome = e.outcome();
                record.error = Some(e.to_string());
                if record.outcome == ProbeOutcome::Closed {
                    // Closing on a hello is how some servers refuse a version.
                    if probe.kind == ProbeKind::Version {
                        self.set_version(version, false);
                    }
                } else {
                    self.failed += 1;
                    if probe.kind == ProbeKind::Version {
                        self.set_version(version, None);
                    }
                    if e.is_fatal() || self.failed >= 3 {
                        self.error = Some(e.to_string());
                        keep_going = false;
                    }
                }
            }
        }
        self.probes.push(record);
        keep_going
    }

    async fn run_choice<R: Runtime>(
        &mut self,
        rt: &R,
        addr: SocketAddr,
        kind: ProbeKind,
        spec: ClientHelloSpec,
    ) -> Option<u16> {
        let version = spec.version();
        let probe = Probe {
            kind,
            class: None,
            spec,
        };
        if !self.run(rt, addr, probe).await {
            return None;
        }
        let last = self.probes.last()?;
        if last.outcome != ProbeOutcome::Accepted
            || last.version != ScanVersion::from_probe(version)
        {
            return None;
        }
        let name = last.cipher.as_deref()?;
        smtping_proto::tls_probe::SUITES
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.code)
    }

    fn set_version(&mut self, version: ProbeVersion, accepted: impl Into<Option<bool>>) {
        let accepted = accepted.into();
        let version = ScanVersion::from_probe(version);
        match self.versions.iter_mut().find(|v| v.version == version) {
            Some(existing) => {
                if accepted == Some(true) || existing.accepted.is_none() {
                    existing.accepted = accepted;
                }
            }
            None => self.versions.push(VersionResult { version, accepted }),
        }
    }

    fn learn(&mut self, probe: &Probe, flight: &ServerFlight, record: &mut ProbeRecord) {
        let offered = probe.spec.version();
        if let Some(hello) = &flight.server_hello {
            record.chosen_version = Some(ProbeVersion::from_wire(hello.version).map_or_else(
                || format!("0x{:04x}", hello.version),
                |v| v.as_str().to_owned(),
            ));
            record.cipher =
                Some(smtping_proto::tls_probe::suite_name(hello.cipher_suite).into_owned());
        }
        match flight.verdict(&probe.spec) {
            Some(Verdict::Accepted {
                version,
                suite: code,
            }) => {
                record.outcome = ProbeOutcome::Accepted;
                if probe.kind == ProbeKind::Version {
                    self.set_version(version, true);
                }
                if !self.accepted.contains(&(version, code)) {
                    self.accepted.push((version, code));
                }
                self.learn_key_exchange(version, code, flight);
            }
            Some(Verdict::OtherVersion {
                version,
                suite: code,
            }) => {
                record.outcome = ProbeOutcome::OtherVersion;
                if probe.kind == ProbeKind::Version {
                    self.set_version(offered, false);
                }
                if let Some(other) = ProbeVersion::from_wire(version) {
                    self.set_version(other, true);
                    if !self.accepted.contains(&(other, code)) {
                        self.accepted.push((other, code));
                    }
                }
            }
            Some(Verdict::Refused(alert)) => {
                record.outcome = ProbeOutcome::Refused;
                record.alert = Some(alert.description.name().into_owned());
                if probe.kind == ProbeKind::Version {
                    self.set_version(offered, false);
                }
            }
            Some(other) => {
                record.outcome = ProbeOutcome::Error;
                record.error = Some(match other {
                    Verdict::Invalid(why) => why.to_owned(),
                    _ => "the server's answer could not be judged".to_owned(),
                });
                self.failed += 1;
                if probe.kind == ProbeKind::Version {
                    self.set_version(offered, None);
                }
            }
            None => {
                record.outcome = ProbeOutcome::Error;
                record.error = Some("the server's answer ended without a hello or an alert".into());
                self.failed += 1;
            }
        }
    }

    fn learn_key_exchange(&mut self, version: ProbeVersion, code: u16, flight: &ServerFlight) {
        if version == ProbeVersion::Tls13 {
            if let Some(group) = flight.server_hello.as_ref().and_then(|h| h.key_share_group) {
                self.tls13_group.get_or_insert(group);
            }
            return;
        }
        if let Some(params) = flight.key_exchange {
            if let KeyExchangeParams::Dhe { prime_bits } = params {
                self.dh_bits.get_or_insert(prime_bits);
            }
            if !self.key_exchange.iter().any(|(v, _)| *v == version) {
                self.key_exchange.push((version, params));
            }
        }
        let is_anon = suite(code).is_some_and(|s| s.class == SuiteClass::Anonymous);
        let leaf = flight.certificate.as_ref().and_then(|c| c.leaf.as_deref());
        if let Some(leaf) = leaf.filter(|_| self.certificate.is_none() && !is_anon) {
            let info = inspect_certificate(leaf, SystemTime::now());
            if info.error.is_none() {
                self.certificate = Some(ScanCertificate {
                    key_strength: certificate_key_strength(&info.key_type, info.key_bits),
                    signature_strength: signature_strength(&info.signature_algorithm),
                    key_type: info.key_type,
                    key_bits: info.key_bits,
                    signature_algorithm: info.signature_algorithm,
                    chain_length: flight.certificate.as_ref().map_or(0, |c| c.chain_length),
                });
            }
        }
    }

    fn finish(mut self) -> TlsScan {
        // Versions never probed (the scan stopped early) are unknown.
        for version in [
            ProbeVersion::Tls13,
            ProbeVersion::Tls12,
            ProbeVersion::Tls11,
            ProbeVersion::Tls10,
            ProbeVersion::Ssl3,
        ] {
            if !self
                .versions
                .iter()
                .any(|v| v.version == ScanVersion::from_probe(version))
            {
                self.set_version(version, None);
            }
        }
        self.versions.sort_by_key(|v| std::cmp::Reverse(v.version));
        let ciphers: Vec<CipherResult> = self
            .accepted
            .iter()
            .filter_map(|(version, code)| {
                let info = suite(*code)?;
                Some(CipherResult {
                    version: ScanVersion::from_probe(*version),
                    name: info.name.to_owned(),
                    code: format!("0x{code:04X}"),
                    strength: suite_strength(info),
                    class: info.class.as_str(),
                    forward_secrecy: info.forward_secrecy(),
                })
            })
            .collect();
        // The group: TLS 1.3's key share when 1.3 is accepted, else the highest version's
        // ServerKeyExchange.
        let top_kx = [
            ProbeVersion::Tls12,
            ProbeVersion::Tls11,
            ProbeVersion::Tls10,
            ProbeVersion::Ssl3,
        ]
        .into_iter()
        .find_map(|v| {
            self.key_exchange
                .iter()
                .find(|(kv, _)| *kv == v)
                .map(|(_, p)| *p)
        });
        let (group, group_strength) = match (self.tls13_group, top_kx) {
            (Some(code), _) => (Some(group_name(code)), Some(grade::group_strength(code))),
            (None, Some(params)) => (
                Some(match params {
                    KeyExchangeParams::NamedGroup(code) => group_name(code),
                    KeyExchangeParams::Dhe { prime_bits } => format!("DH {prime_bits}"),
                    KeyExchangeParams::RsaExport { modulus_bits } => {
                        format!("RSA export {modulus_bits}")
                    }
                    _ => "explicit curve".to_owned(),
                }),
                Some(key_exchange_strength(params)),
            ),
            (None, None) => (None, None),
        };

        let mut problems = Vec::new();
        for v in &self.versions {
            if v.accepted == Some(true) && v.version <= ScanVersion::Tls11 {
                problems.push(ScanProblem::LegacyVersion { version: v.version });
            }
        }
        let any_accepted = self.versions.iter().any(|v| v.accepted == Some(true));
        if any_accepted
            && !self.accepts_version(ScanVersion::Tls12)
            && !self.accepts_version(ScanVersion::Tls13)
        {
            problems.push(ScanProblem::NoModernVersion);
        }
        for c in &ciphers {
            if c.strength >= Strength::PhaseOut {
                problems.push(ScanProblem::WeakCipher {
                    version: c.version,
                    name: c.name.clone(),
                    strength: c.strength,
                });
            }
        }
        if any_accepted && !ciphers.is_empty() && !ciphers.iter().any(|c| c.forward_secrecy) {
            problems.push(ScanProblem::NoForwardSecrecy);
        }
        if let Some((strong, weak)) = self.pair {
            let name = |code| smtping_proto::tls_probe::suite_name(code).into_owned();
            match self.preference {
                Preference::Client | Preference::Inconsistent
                    if suite(weak).is_some_and(|s| suite_strength(s) > Strength::Good) =>
                {
                    problems.push(ScanProblem::NoServerPreference);
                }
                Preference::ServerWeakFirst
                    if suite(weak).map(suite_strength) > suite(strong).map(suite_strength) =>
                {
                    problems.push(ScanProblem::WeakCipherPreferred {
                        preferred: name(weak),
                        passed_over: name(strong),
                    });
                }
                _ => {}
            }
        }
        if let Some(cert) = &self.certificate {
            if let Some(strength) = cert.key_strength.filter(|s| *s > Strength::Sufficient) {
                problems.push(ScanProblem::WeakKey {
                    key_type: cert.key_type.clone(),
                    bits: cert.key_bits,
                    strength,
                });
            }
            if let Some(strength) = cert
                .signature_strength
                .filter(|s| *s > Strength::Sufficient)
            {
                problems.push(ScanProblem::WeakSignature {
                    algorithm: cert.signature_algorithm.clone(),
                    strength,
                });
            }
        }
        let mut kx_grades: Vec<Strength> = group_strength.into_iter().collect();
        if let Some(bits) = self.dh_bits {
            kx_grades.push(dh_strength(bits));
        }
        if let Some(worst) = kx_grades
            .iter()
            .copied()
            .max()
            .filter(|s| *s > Strength::Sufficient)
        {
            let group = match self.dh_bits {
                Some(bits) if dh_strength(bits) == worst => format!("DH {bits}"),
                _ => group.clone().unwrap_or_default(),
            };
            problems.push(ScanProblem::WeakKeyExchange {
                group,
                strength: worst,
            });
        }
        if self.failed > 0 {
            problems.push(ScanProblem::ScanIncomplete {
                failed: self.failed,
            });
        }

        let grade = any_accepted.then(|| {
            let mut worst = Strength::Good;
            for v in &self.versions {
                if v.accepted == Some(true) {
                    worst = worst.max(version_strength(v.version.probe()));
                }
            }
            for c in &ciphers {
                worst = worst.max(c.strength);
            }
            for g in &kx_grades {
                worst = worst.max(*g);
            }
            if let Some(cert) = &self.certificate {
                worst = worst
                    .max(cert.key_strength.unwrap_or(Strength::Good))
                    .max(cert.signature_strength.unwrap_or(Strength::Good));
            }
            worst
        });

        TlsScan {
            versions: self.versions,
            ciphers,
            preference: self.preference,
            group,
            group_strength,
            dh_bits: self.dh_bits,
            certificate: self.certificate,
            grade,
            connections: self.connections,
            probes: self.probes,
            error: self.error,
            problems,
        }
    }

    fn accepts_version(&self, version: ScanVersion) -> bool {
        self.versions
            .iter()
            .any(|v| v.version == version && v.accepted == Some(true))
    }
}

/// Fresh random bytes for a hello (ring's system RNG through rustls; the clock as a last
/// resort — the bytes protect nothing, a probe never completes a handshake).
fn seed() -> [u8; 32] {
    let mut seed = [0u8; 32];
    let provider = rustls::crypto::ring::default_provider();
    if provider.secure_random.fill(&mut seed).is_err() {
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        seed[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    seed
}

/// One connection: connect, preamble, hello, answer, hang up.
async fn probe_once<R: Runtime>(
    rt: &R,
    addr: SocketAddr,
    options: &ScanOptions,
    spec: &ClientHelloSpec,
) -> Result<ServerFlight, ProbeError> {
    let hello = spec
        .build(&seed())
        .map_err(|e| ProbeError::Hello(e.to_string()))?;
    let (mut conn, _) = rt
        .connect(addr, options.connect_timeout)
        .await
        .map_err(|e| ProbeError::Connect(io_reason(&e)))?;
    let deadline = rt.now() + options.probe_timeout;
    let result = async {
        if options.transport == ScanTransport::StartTls {
            starttls_preamble(rt, &mut conn, &options.ehlo_name, deadline).await?;
        }
        write(rt, &mut conn, &hello, deadline, "TLS").await?;
        read_flight(rt, &mut conn, deadline).await
    }
    .await;
    // Hang up politely but never wait past the deadline for it.
    let _ = within(rt, deadline, conn.shutdown()).await;
    result
}

async fn write<R: Runtime, C: Connection>(
    rt: &R,
    conn: &mut C,
    bytes: &[u8],
    deadline: Instant,
    stage: &'static str,
) -> Result<(), ProbeError> {
    match within(rt, deadline, conn.write_all(bytes)).await {
        None => Err(ProbeError::Timeout(stage)),
        Some(Err(e)) => Err(ProbeError::Io {
            stage,
            message: io_reason(&e),
        }),
        Some(Ok(())) => Ok(()),
    }
}

async fn read_some<R: Runtime, C: Connection>(
    rt: &R,
    conn: &mut C,
    buf: &mut [u8],
    deadline: Instant,
    stage: &'static str,
) -> Result<usize, ProbeError> {
    match within(rt, deadline, conn.read(buf)).await {
        None => Err(ProbeError::Timeout(stage)),
        Some(Err(e)) => Err(ProbeError::Io {
            stage,
            message: io_reason(&e),
        }),
        Some(Ok(n)) => Ok(n),
    }
}

/// Reads one SMTP reply; returns its code, its EHLO extensions when asked for, and whether
/// bytes followed it.
async fn read_reply<R: Runtime, C: Connection>(
    rt: &R,
    conn: &mut C,
    buf: &mut Vec<u8>,
    deadline: Instant,
    stage: &'static str,
) -> Result<(u16, Option<Extensions>), ProbeError> {
    let mut chunk = [0u8; 4096];
    loop {
        match parse_reply(buf) {
            Ok(Some((reply, used))) => {
                let code = reply.code();
                let ext = if stage == "EHLO" && code == 250 {
                    Extensions::from_ehlo(&reply).ok()
                } else {
                    None
                };
                buf.drain(..used);
                return Ok((code, ext));
            }
            Ok(None) => {}
            Err(e) => {
                return Err(ProbeError::BadReply {
                    stage,
                    message: e.to_string(),
                });
            }
        }
        if buf.len() > MAX_PREAMBLE_BYTES {
            return Err(ProbeError::BadReply {
                stage,
                message: format!("more than {MAX_PREAMBLE_BYTES} bytes without a complete reply"),
            });
        }
        let n = read_some(rt, conn, &mut chunk, deadline, stage).await?;
        if n == 0 {
            return Err(ProbeError::Closed(stage));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Greeting, EHLO, STARTTLS: bounded, every step under the connection's deadline.
async fn starttls_preamble<R: Runtime, C: Connection>(
    rt: &R,
    conn: &mut C,
    ehlo_name: &str,
    deadline: Instant,
) -> Result<(), ProbeError> {
    let domain = Domain::ehlo_name(ehlo_name).map_err(|e| ProbeError::EhloName(e.to_string()))?;
    let mut buf = Vec::new();
    let (code, _) = read_reply(rt, conn, &mut buf, deadline, "greeting").await?;
    if code != 220 {
        return Err(ProbeError::Reply {
            stage: "greeting",
            code,
        });
    }
    let ehlo = smtping_proto::Command::Ehlo(&domain).to_bytes();
    write(rt, conn, &ehlo, deadline, "EHLO").await?;
    let (code, ext) = read_reply(rt, conn, &mut buf, deadline, "EHLO").await?;
    if code != 250 {
        return Err(ProbeError::Reply {
            stage: "EHLO",
            code,
        });
    }
    if !ext.is_some_and(|e| e.starttls()) {
        return Err(ProbeError::StartTlsNotOffered);
    }
    write(
        rt,
        conn,
        &smtping_proto::Command::StartTls.to_bytes(),
        deadline,
        "STARTTLS",
    )
    .await?;
    let (code, _) = read_reply(rt, conn, &mut buf, deadline, "STARTTLS").await?;
    if code != 220 {
        return Err(ProbeError::Reply {
            stage: "STARTTLS",
            code,
        });
    }
    if !buf.is_empty() {
        return Err(ProbeError::Injection);
    }
    Ok(())
}

async fn read_flight<R: Runtime, C: Connection>(
    rt: &R,
    conn: &mut C,
    deadline: Instant,
) -> Result<ServerFlight, ProbeError> {
    let mut reader = ServerReader::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = read_some(rt, conn, &mut chunk, deadline, "TLS").await?;
        if n == 0 {
            reader.handle_eof()?;
            return Ok(reader.into_flight());
        }
        if reader.push(&chunk[..n])? == ReadStatus::Complete {
            return Ok(reader.into_flight());
        }
    }
}
