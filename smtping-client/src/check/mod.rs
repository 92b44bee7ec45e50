//! The [`Check`] builder: one target in, one [`Report`](crate::Report) out.
//!
//! `check` holds the options (private fields, builder methods); [`plan`] turns them
//! into what the session is asked to do, and [`run`] observes a run into
//! [`Facts`](crate::facts::Facts) for the pure assembler.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use smtping_proto::sasl::Credentials;
use smtping_proto::session::QuitAfter;
use smtping_proto::{Address, AuthMechanism, Domain};

use crate::net::dns::IpFamilies;
use crate::target::{ConnectTo, Target, TargetError};
use crate::tls::{TlsOptions, VerifyMode};

mod all_mx;
mod dane;
mod enforcement;
mod follow;
mod plan;
mod retry;
mod run;
mod signals;
mod sweep;

pub(crate) use retry::words as retry_words;
pub use retry::{
    DEFAULT_RETRY_DEADLINE, DEFAULT_RETRY_SCHEDULE, MAX_RETRIES, MIN_RETRY_DELAY, RetryPolicy,
    RetryPolicyError,
};
pub use sweep::{ALL_PORTS, PortListError, SUBMISSION_PORTS, parse_port_list};

/// The implicit-TLS submission port (RFC 8314).
pub const SUBMISSIONS_PORT: u16 = 465;
/// Most MX hosts tried.
const MAX_MX_HOSTS: usize = 5;
/// Most connection attempts in one check.
const MAX_ATTEMPTS: usize = 10;
/// Most addresses `--all-mx` checks (over all MX hosts).
pub const MAX_ALL_MX_ADDRESSES: usize = 20;
/// Most ports one sweep checks.
pub const MAX_SWEEP_PORTS: usize = 16;
/// The pause between two connections of `--all-mx`, `--ports` and
/// `--probe-enforcement` to the same server (politeness).
pub const POLITE_PAUSE: Duration = Duration::from_millis(100);

/// How to use TLS (`--tls`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsMode {
    /// By port: implicit TLS on 465, opportunistic STARTTLS elsewhere.
    #[default]
    Auto,
    /// STARTTLS, required: a server without it fails the check.
    StartTls,
    /// TLS from the first byte.
    Implicit,
    /// Plaintext only.
    None,
}

impl TlsMode {
    /// `"auto"`, `"starttls"`, `"implicit"` or `"none"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::StartTls => "starttls",
            Self::Implicit => "implicit",
            Self::None => "none",
        }
    }
}

impl std::str::FromStr for TlsMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "auto" => Self::Auto,
            "starttls" => Self::StartTls,
            "implicit" | "tls" | "smtps" => Self::Implicit,
            "none" | "plain" => Self::None,
            _ => {
                return Err(format!(
                    "unknown TLS mode {s:?} (auto, starttls, implicit, none)"
                ));
            }
        })
    }
}

/// What to send after DATA.
#[derive(Clone, Debug, Default)]
enum MessageSpec {
    /// The built-in test message.
    #[default]
    Builtin,
    /// The built-in message padded to this many octets.
    Sized(usize),
    /// The caller's bytes.
    Raw(Vec<u8>),
}

/// A check of one target. Build it, then [`run`](Check::run) it.
///
/// ```no_run
/// use std::time::Duration;
/// use smtping_client::{Check, TlsMode};
/// use smtping_proto::session::QuitAfter;
/// use smtping_proto::Address;
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let report = Check::parse("mx.example.org:25")?
///     .tls(TlsMode::Auto)
///     .envelope(
///         Address::new("probe@example.com")?,
///         vec![Address::new("postmaster@example.org")?],
///     )
///     .quit_after(QuitAfter::Rcpt)
///     .command_timeout(Duration::from_secs(20))
///     .run()
///     .await;
/// println!("{} {}", report.verdict.as_str(), report.summary);
/// std::process::exit(report.exit_code());
/// # }
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct Check {
    target: Target,
    tls_mode: TlsMode,
    tls_options: TlsOptions,
    helo: Option<Domain>,
    resolvers: Vec<SocketAddr>,
    hosts_file: Option<PathBuf>,
    families: IpFamilies,
    credentials: Option<Credentials>,
    mechanism: Option<AuthMechanism>,
    allow_plaintext_auth: bool,
    allow_unverified_auth: bool,
    from: Option<Address>,
    to: Vec<Address>,
    message: MessageSpec,
    quit_after: Option<QuitAfter>,
    connect_timeout: Duration,
    command_timeout: Option<Duration>,
    redact: bool,
    pipelining: bool,
    relay_probe: bool,
    mx_port: Option<u16>,
    announce_size: bool,
    signals: bool,
    tls_scan: bool,
    dns_timeout: Option<Duration>,
    sending_ip: Option<std::net::IpAddr>,
    dnsbl: Vec<smtping_signals::DnsblZone>,
    connect_to: Vec<ConnectTo>,
    all_mx: bool,
    ports: Vec<u16>,
    probe_enforcement: bool,
    dane: bool,
    retry: Option<RetryPolicy>,
    trust_ad: bool,
    follow: Option<crate::follow::FollowThrough>,
    dkim: Option<std::sync::Arc<crate::dkim_sign::DkimSigner>>,
    progress: Option<crate::progress::ProgressSink>,
}

/// The envelope of the open-relay probe: reserved example domains (RFC 2606) that no
/// server should relay between.
pub const RELAY_PROBE_FROM: &str = "smtping-relay-probe@example.com";
/// See [`RELAY_PROBE_FROM`].
pub const RELAY_PROBE_TO: &str = "smtping-relay-probe@example.net";
/// The envelope sender of the STARTTLS enforcement probe (`--probe-enforcement`) unless
/// `--from` is given: a reserved example domain (RFC 2606).
pub const ENFORCEMENT_PROBE_FROM: &str = "smtping-enforcement-probe@example.com";
/// See [`ENFORCEMENT_PROBE_FROM`] (used unless `--to` is given).
pub const ENFORCEMENT_PROBE_TO: &str = "smtping-enforcement-probe@example.net";

impl Check {
    /// A check of `target` with defaults: TLS by port, system resolver, 10 s connect
    /// timeout, no AUTH, no transaction.
    pub fn new(target: Target) -> Self {
        let tls_options = TlsOptions::default();
        Self {
            target,
            tls_mode: TlsMode::Auto,
            tls_options,
            helo: None,
            resolvers: Vec::new(),
            hosts_file: None,
            families: IpFamilies::Both,
            credentials: None,
            mechanism: None,
            allow_plaintext_auth: false,
            allow_unverified_auth: false,
            from: None,
            to: Vec::new(),
            message: MessageSpec::Builtin,
            quit_after: None,
            connect_timeout: Duration::from_secs(10),
            command_timeout: None,
            redact: false,
            pipelining: true,
            relay_probe: false,
            mx_port: None,
            announce_size: true,
            signals: true,
            tls_scan: false,
            dns_timeout: None,
            sending_ip: None,
            dnsbl: Vec::new(),
            connect_to: Vec::new(),
            all_mx: false,
            ports: Vec::new(),
            probe_enforcement: false,
            dane: true,
            retry: None,
            trust_ad: false,
            follow: None,
            dkim: None,
            progress: None,
        }
    }

    /// Tells `sink` what the check waits for, before each long wait (the pause before a
    /// retry, the follow-through's polling, each port of a sweep) and when it is over: see
    /// [`progress`](crate::progress). The report does not depend on it.
    ///
    /// ```
    /// use smtping_client::Check;
    /// use smtping_client::progress::{ProgressEvent, ProgressSink};
    ///
    /// let check = Check::parse("mx.example.org")?.on_progress(ProgressSink::new(
    ///     |e: &ProgressEvent| {
    ///         if let ProgressEvent::Waiting(w) = e {
    ///             eprintln!("{w} (up to {} s)", w.up_to.as_secs());
    ///         }
    ///     },
    /// ));
    /// # let _ = check;
    /// # Ok::<(), smtping_client::TargetError>(())
    /// ```
    pub fn on_progress(mut self, sink: crate::progress::ProgressSink) -> Self {
        self.progress = Some(sink);
        self
    }

    /// Sends a progress event, when someone listens.
    pub(crate) fn progress(&self, event: crate::progress::ProgressEvent) {
        if let Some(sink) = &self.progress {
            sink.emit(&event);
        }
    }

    /// Parses `target` (see [`Target`]) and builds a check.
    pub fn parse(target: &str) -> Result<Self, TargetError> {
        Ok(Self::new(target.parse()?))
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Connects to this port instead (a mail domain then means "this host").
    pub fn port(mut self, port: u16) -> Self {
        self.target = self.target.with_port(port);
        self
    }

    /// TLS mode.
    pub fn tls(mut self, mode: TlsMode) -> Self {
        self.tls_mode = mode;
        self
    }

    /// Require TLS (`--require-tls`): with [`TlsMode::Auto`] on a STARTTLS port this means
    /// [`TlsMode::StartTls`].
    pub fn require_tls(mut self, on: bool) -> Self {
        if on && matches!(self.tls_mode, TlsMode::Auto | TlsMode::None) {
            self.tls_mode = if self.target.port() == SUBMISSIONS_PORT {
                TlsMode::Implicit
            } else {
                TlsMode::StartTls
            };
        }
        self
    }

    /// The EHLO name (default: our address as a literal, `[192.0.2.1]`).
    pub fn helo(mut self, name: Domain) -> Self {
        self.helo = Some(name);
        self
    }

    /// SNI and verification name instead of the host (`--sni`).
    pub fn sni(mut self, name: impl Into<String>) -> Self {
        self.tls_options.sni = Some(name.into());
        self
    }

    /// An extra PEM file of trust anchors (`--ca-file`).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.tls_options.ca_files.push(path.into());
        self
    }

    /// The whole TLS options (trust anchors, verify mode, …).
    pub fn tls_options(mut self, options: TlsOptions) -> Self {
        self.tls_options = options;
        self
    }

    /// Refuse bad certificates during the handshake instead of diagnosing them.
    pub fn strict_certificates(mut self, on: bool) -> Self {
        self.tls_options.verify_mode = if on {
            VerifyMode::Strict
        } else {
            VerifyMode::Diagnose
        };
        self
    }

    /// The deadline of one DNS query, retries included (`--dns-timeout`); default: the
    /// resolver configuration's own timeout and attempts.
    pub fn dns_timeout(mut self, timeout: Duration) -> Self {
        self.dns_timeout = Some(timeout);
        self
    }

    /// A DNS server to ask instead of the system's (repeatable, `--resolver`).
    pub fn resolver(mut self, server: SocketAddr) -> Self {
        self.resolvers.push(server);
        self
    }

    /// Reads host names from this hosts file instead of `/etc/hosts` (used only without
    /// [`resolver`](Check::resolver) servers, as the system resolver does).
    pub fn hosts_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.hosts_file = Some(path.into());
        self
    }

    /// IPv4 only, IPv6 only, or both (`-4`, `-6`).
    pub fn ip_families(mut self, families: IpFamilies) -> Self {
        self.families = families;
        self
    }

    /// Tests a login with these credentials.
    pub fn auth(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Uses exactly this SASL mechanism.
    pub fn auth_mechanism(mut self, mechanism: AuthMechanism) -> Self {
        self.mechanism = Some(mechanism);
        self
    }

    /// Allows PLAIN/LOGIN without TLS (exposes the password on the wire).
    pub fn allow_plaintext_auth(mut self, on: bool) -> Self {
        self.allow_plaintext_auth = on;
        self
    }

    /// Allows sending credentials over TLS whose certificate did not verify.
    pub fn allow_unverified_tls_auth(mut self, on: bool) -> Self {
        self.allow_unverified_auth = on;
        self
    }

    /// Runs a transaction from `from` to `to` (delivers the test message unless
    /// [`quit_after`](Check::quit_after) stops earlier).
    pub fn envelope(mut self, from: Address, to: Vec<Address>) -> Self {
        self.from = Some(from);
        self.to = to;
        self
    }

    /// Sends these bytes as the message.
    pub fn message(mut self, bytes: Vec<u8>) -> Self {
        self.message = MessageSpec::Raw(bytes);
        self
    }

    /// Pads the built-in message to `n` octets (size-limit tests, `--body-size`).
    pub fn body_size(mut self, n: usize) -> Self {
        self.message = MessageSpec::Sized(n);
        self
    }

    /// Stops after this step (`--quit-after`).
    pub fn quit_after(mut self, step: QuitAfter) -> Self {
        self.quit_after = Some(step);
        self
    }

    /// Connect deadline per address.
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Deadline for each reply: greeting, commands, the TLS handshake, and the reply after
    /// the final dot (plus 10 s per MiB of message).
    pub fn command_timeout(mut self, d: Duration) -> Self {
        self.command_timeout = Some(d);
        self
    }

    /// Masks address local parts in the transcript and recipients.
    pub fn redact(mut self, on: bool) -> Self {
        self.redact = on;
        self
    }

    /// Uses PIPELINING when offered (default on).
    pub fn pipelining(mut self, on: bool) -> Self {
        self.pipelining = on;
        self
    }

    /// After the check, opens a second connection and asks the server to relay from an
    /// outside domain to an outside domain without AUTH, stopping at RCPT (no message is
    /// sent). Only for servers you are authorised to test.
    pub fn relay_probe(mut self, on: bool) -> Self {
        self.relay_probe = on;
        self
    }

    /// Look at how a receiver sees this probe (`signals`: the sending IP's reverse DNS,
    /// the HELO name, SPF and DMARC of the MAIL FROM domain, blocklists when asked, the
    /// server's FCrDNS). Default on; the lookups that depend on the sending IP run only
    /// when it is public, given with [`sending_ip`](Check::sending_ip), or `--resolver`
    /// servers were named (a lab zone).
    pub fn signals(mut self, on: bool) -> Self {
        self.signals = on;
        self
    }

    /// After the session, probe the server's TLS versions and cipher suites with raw
    /// ClientHellos (`--tls-scan`): at most 16 more connections, 200 ms apart, graded like
    /// Internet.nl's mail TLS test (see [`crate::tls::scan`]).
    pub fn tls_scan(mut self, on: bool) -> Self {
        self.tls_scan = on;
        self
    }

    /// The address receivers see this probe's mail come from (behind NAT), instead of the
    /// connection's local address (`--sending-ip`).
    pub fn sending_ip(mut self, ip: std::net::IpAddr) -> Self {
        self.sending_ip = Some(ip);
        self
    }

    /// DNS blocklists to look the sending IP (and the MAIL FROM domain, for domain
    /// lists) up in (`--dnsbl`); nothing is queried without them.
    pub fn dnsbl(mut self, zones: impl IntoIterator<Item = smtping_signals::DnsblZone>) -> Self {
        self.dnsbl.extend(zones);
        self
    }

    /// Announce the message size with `SIZE=` when the server offers SIZE (default on).
    /// Off, an oversized message reaches the end of DATA and the server's size check there.
    pub fn announce_size(mut self, on: bool) -> Self {
        self.announce_size = on;
        self
    }

    /// Reaches `HOST:PORT` at `HOST2:PORT2` (`--connect-to`, curl's meaning, repeatable;
    /// the first matching rule wins) while `HOST` stays the name for SNI, certificate
    /// names and everything else. Applies to the MX hosts of a mail domain, to host and IP
    /// targets, to every `--all-mx` address, every port of a sweep and every probe.
    ///
    /// ```no_run
    /// use smtping_client::{Check, ConnectTo};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// // The new server before the DNS cut-over, its submission ports swept, and whether
    /// // it takes a transaction before STARTTLS.
    /// let rule: ConnectTo = "mx.example.org::192.0.2.10:".parse()?;
    /// let report = Check::parse("mx.example.org:25")?
    ///     .connect_to(rule)
    ///     .ports(smtping_client::parse_port_list("25,submission")?)
    ///     .probe_enforcement(true)
    ///     .run()
    ///     .await;
    /// if let Some(sweep) = &report.sweep {
    ///     println!("{}", sweep.conclusion);
    /// }
    /// println!("enforced: {:?}", report.tls.enforced);
    /// # Ok(())
    /// # }
    /// ```
    pub fn connect_to(mut self, rule: ConnectTo) -> Self {
        self.connect_to.push(rule);
        self
    }

    /// For a mail-domain target, checks every MX host (in preference order, at most 5)
    /// and each of its addresses (IPv4 and IPv6, at most [`MAX_ALL_MX_ADDRESSES`] in
    /// all): one session per address, sequentially, [`POLITE_PAUSE`] apart. The report's
    /// `hosts[]` has one entry per address, the worst decides the verdict; the top-level
    /// areas describe the first address that answered, as without `--all-mx`. Only the
    /// first session delivers a message: the others stop after RCPT (`--all-mx`).
    pub fn all_mx(mut self, on: bool) -> Self {
        self.all_mx = on;
        self
    }

    /// Sweeps these ports of the target host (`--ports`, at most [`MAX_SWEEP_PORTS`];
    /// see [`parse_port_list`]), each in its natural TLS mode (implicit on 465, STARTTLS
    /// elsewhere) and stopping after TLS; the report's `sweep` has each port's outcome and
    /// a conclusion. The target's own port is not connected to twice.
    pub fn ports(mut self, ports: impl IntoIterator<Item = u16>) -> Self {
        for p in ports {
            if !self.ports.contains(&p) && self.ports.len() < MAX_SWEEP_PORTS {
                self.ports.push(p);
            }
        }
        self
    }

    /// After the check, opens one more plaintext connection and tries MAIL FROM and RCPT
    /// TO before STARTTLS (stopping at RCPT, no DATA) to learn whether the server refuses
    /// a plaintext transaction (`--probe-enforcement`, `tls.enforced`). The envelope is
    /// the check's own (`--from`/`--to`), else [`ENFORCEMENT_PROBE_FROM`] →
    /// [`ENFORCEMENT_PROBE_TO`]. Not run with implicit TLS.
    pub fn probe_enforcement(mut self, on: bool) -> Self {
        self.probe_enforcement = on;
        self
    }

    /// DANE for a host reached by name (default on): when the resolver's AD bit is
    /// trusted (a validating resolver on loopback, or [`trust_ad`](Check::trust_ad)) and
    /// the host's address answer is DNSSEC-secure, look up `_PORT._tcp.<host>` TLSA and
    /// match it against the presented chain (`tls.dane`, RFC 7672). Nothing is asked
    /// otherwise, and never for an IP target.
    pub fn dane(mut self, on: bool) -> Self {
        self.dane = on;
        self
    }

    /// Believe the resolver's AD bit although it is not on loopback (`--trust-ad`), for
    /// [`dane`](Check::dane).
    pub fn trust_ad(mut self, on: bool) -> Self {
        self.trust_ad = on;
        self
    }

    /// Signs the built-in test message with this DKIM key (`--dkim-key`): the
    /// `DKIM-Signature` field is put on top before the message goes into the plan, so the
    /// receiver's verdict (the follow-through's `authentication_results`) reflects your
    /// real setup, and a receiver that records no `dkim=pass` for the signer's domain is
    /// a `receiver.dkim_not_pass` finding. Not with [`body_size`](Check::body_size) (the
    /// padded body is generated while it is sent) nor [`message`](Check::message) (the
    /// caller's bytes are sent as they are): those go unsigned.
    ///
    /// ```no_run
    /// use smtping_client::dkim_sign::DkimSigner;
    /// use smtping_client::{Address, Check};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let signer = DkimSigner::from_pem_file("/etc/dkim/s1.pem", "s1", "example.com")?;
    /// let report = Check::parse("example.org")?
    ///     .envelope(
    ///         Address::new("probe@example.com")?,
    ///         vec![Address::new("seed@example.org")?],
    ///     )
    ///     .dkim_signer(signer)
    ///     .run()
    ///     .await;
    /// # let _ = report;
    /// # Ok(()) }
    /// ```
    pub fn dkim_signer(mut self, signer: crate::dkim_sign::DkimSigner) -> Self {
        self.dkim = Some(std::sync::Arc::new(signer));
        self
    }

    /// Retry a deferred delivery (`--retry-deferred`) as a real MTA would: the same message
    /// to the same address after each wait of `policy`, one connection at a time, until it
    /// is accepted or bounced or the deadline passes. Every attempt is in
    /// `delivery.attempts`; the delivery reported is the last one's.
    ///
    /// ```
    /// use smtping_client::Check;
    /// use smtping_client::RetryPolicy;
    /// let check = Check::parse("mx.example.org")?.retry_deferred(RetryPolicy::default());
    /// # let _ = check;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retry_deferred(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// For a mail-domain target: connect to its MX hosts on this port instead of 25 (a lab
    /// whose MX listens elsewhere, or a test suite).
    pub fn mx_port(mut self, port: u16) -> Self {
        self.mx_port = Some(port);
        self
    }
}

#[cfg(test)]
mod tests;
