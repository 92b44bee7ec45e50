//! The [`Check`] builder: one target in, one [`Report`] out.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtping_proto::dns::{MxResolution, ResolverConfig};
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    AuthPlan, Envelope, MechanismChoice, Message, Plan, QuitAfter, Session, TestMessage, Timeouts,
    TlsPolicy,
};
use smtping_proto::{Address, AuthMechanism, Domain};

use crate::assemble::Assembler;
use crate::net::connect::AttemptOutcome;
use crate::net::dns::{IpFamilies, Resolver, system_config};
use crate::report::Report;
use crate::runtime::{Runtime, TlsHandshake};
use crate::target::{Target, TargetError, TargetKind};
use crate::tls::{TlsOptions, TrustStore, VerifyMode, client_config};

/// The implicit-TLS submission port (RFC 8314).
pub const SUBMISSIONS_PORT: u16 = 465;
/// Most MX hosts tried.
const MAX_MX_HOSTS: usize = 5;
/// Most connection attempts in one check.
const MAX_ATTEMPTS: usize = 10;

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
    pub(crate) target: Target,
    pub(crate) tls_mode: TlsMode,
    pub(crate) tls_options: TlsOptions,
    pub(crate) helo: Option<Domain>,
    pub(crate) resolvers: Vec<SocketAddr>,
    pub(crate) families: IpFamilies,
    pub(crate) credentials: Option<Credentials>,
    pub(crate) mechanism: Option<AuthMechanism>,
    pub(crate) allow_plaintext_auth: bool,
    pub(crate) allow_unverified_auth: bool,
    pub(crate) from: Option<Address>,
    pub(crate) to: Vec<Address>,
    message: MessageSpec,
    pub(crate) quit_after: Option<QuitAfter>,
    pub(crate) connect_timeout: Duration,
    pub(crate) command_timeout: Option<Duration>,
    pub(crate) redact: bool,
    pub(crate) pipelining: bool,
    pub(crate) relay_probe: bool,
    pub(crate) mx_port: Option<u16>,
    pub(crate) announce_size: bool,
}

/// The envelope of the open-relay probe: reserved example domains (RFC 2606) that no
/// server should relay between.
pub const RELAY_PROBE_FROM: &str = "smtping-relay-probe@example.com";
/// See [`RELAY_PROBE_FROM`].
pub const RELAY_PROBE_TO: &str = "smtping-relay-probe@example.net";

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

    /// A DNS server to ask instead of the system's (repeatable, `--resolver`).
    pub fn resolver(mut self, server: SocketAddr) -> Self {
        self.resolvers.push(server);
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

    /// Announce the message size with `SIZE=` when the server offers SIZE (default on).
    /// Off, an oversized message reaches the end of DATA and the server's size check there.
    pub fn announce_size(mut self, on: bool) -> Self {
        self.announce_size = on;
        self
    }

    /// For a mail-domain target: connect to its MX hosts on this port instead of 25 (a lab
    /// whose MX listens elsewhere, or a test suite).
    pub fn mx_port(mut self, port: u16) -> Self {
        self.mx_port = Some(port);
        self
    }

    /// The TLS policy this check will use.
    pub(crate) fn tls_policy(&self) -> TlsPolicy {
        match self.tls_mode {
            TlsMode::Auto if self.target.port() == SUBMISSIONS_PORT => TlsPolicy::Implicit,
            TlsMode::Auto => TlsPolicy::Opportunistic,
            TlsMode::StartTls => TlsPolicy::RequireStartTls,
            TlsMode::Implicit => TlsPolicy::Implicit,
            TlsMode::None => TlsPolicy::None,
        }
    }

    fn resolver_config(&self) -> ResolverConfig {
        if self.resolvers.is_empty() {
            system_config()
        } else {
            ResolverConfig::new(self.resolvers.iter().copied())
        }
    }

    /// Runs the check on tokio.
    #[cfg(feature = "tokio")]
    pub async fn run(self) -> Report {
        self.run_on(&crate::runtime::tokio::Tokio).await
    }

    /// Runs the check on any [`Runtime`].
    pub async fn run_on<R: Runtime>(self, rt: &R) -> Report {
        let started = rt.now();
        let mut asm = Assembler::new(&self);
        // Trust anchors first: a bad --ca-file is found before any connection.
        let trust = if self.uses_tls() {
            match TrustStore::load(&self.tls_options) {
                Ok(t) => Some(t),
                Err(e) => {
                    asm.tls_setup_error(&e.to_string());
                    return asm.finish(rt.now().saturating_duration_since(started));
                }
            }
        } else {
            None
        };
        let Some(candidates) = self.resolve(rt, &mut asm).await else {
            return asm.finish(rt.now().saturating_duration_since(started));
        };
        let mut connected = None;
        for (addr, host) in candidates.into_iter().take(MAX_ATTEMPTS) {
            let t = rt.now();
            let result = rt.connect(addr, self.connect_timeout).await;
            let elapsed = rt.now().saturating_duration_since(t);
            match result {
                Ok((stream, local)) => {
                    asm.attempt(addr, AttemptOutcome::Connected, elapsed, None);
                    connected = Some((stream, local, addr, host));
                    break;
                }
                Err(e) => {
                    let outcome = AttemptOutcome::from_error(&e);
                    let msg = outcome.advice(&addr.to_string(), addr.port(), elapsed);
                    let detail = if outcome == AttemptOutcome::Error {
                        format!("{msg}: {e}")
                    } else {
                        msg
                    };
                    asm.attempt(addr, outcome, elapsed, Some(detail));
                }
            }
        }
        let Some((stream, local, addr, host)) = connected else {
            asm.no_connection();
            return asm.finish(rt.now().saturating_duration_since(started));
        };
        let (plan, message_id) = self.plan(local.ip());
        asm.set_message_id(message_id);
        let tls = match self.tls_handshake(trust.as_ref(), &host, &mut asm) {
            Ok(tls) => tls,
            Err(()) => return asm.finish(rt.now().saturating_duration_since(started)),
        };
        asm.connected(addr, &host, plan.message.is_some());
        let session = Session::new(plan, rt.now());
        let run = rt.run_session(stream, session, tls.clone()).await;
        asm.session(run);
        if self.relay_probe {
            match rt.connect(addr, self.connect_timeout).await {
                Ok((stream, local)) => {
                    let session = Session::new(self.relay_plan(local.ip()), rt.now());
                    let run = rt.run_session(stream, session, tls).await;
                    asm.relay(&run, self.target.port());
                }
                Err(e) => asm.relay_error(format!("could not reconnect to {addr}: {e}")),
            }
        }
        asm.finish(rt.now().saturating_duration_since(started))
    }

    /// The relay probe's plan: same TLS policy, no AUTH, outside to outside, stop at RCPT.
    fn relay_plan(&self, local: IpAddr) -> Plan {
        let ehlo = self.helo.clone().unwrap_or_else(|| address_literal(local));
        let from = Address::new(RELAY_PROBE_FROM).unwrap_or_else(|_| Address::null());
        let to = Address::new(RELAY_PROBE_TO).map_or_else(|_| Vec::new(), |a| vec![a]);
        let mut plan = Plan::new(ehlo)
            .tls(match self.tls_policy() {
                TlsPolicy::RequireStartTls => TlsPolicy::Opportunistic,
                p => p,
            })
            .pipelining(self.pipelining)
            .envelope(Envelope::new(from, to))
            .quit_after(QuitAfter::Rcpt);
        if let Some(d) = self.command_timeout {
            plan = plan.timeouts(Timeouts::all(d));
        }
        plan
    }

    /// DNS: the addresses to try, each with the host name it belongs to (for SNI and
    /// certificate checks).
    async fn resolve<R: Runtime>(
        &self,
        rt: &R,
        asm: &mut Assembler,
    ) -> Option<Vec<(SocketAddr, String)>> {
        let port = match (self.target.kind(), self.mx_port) {
            (TargetKind::MailDomain, Some(p)) => p,
            _ => self.target.port(),
        };
        let host = self.target.host().to_owned();
        if let TargetKind::Ip(ip) = self.target.kind() {
            return Some(vec![(SocketAddr::new(*ip, port), host)]);
        }
        let resolver = Resolver::with_transport(self.resolver_config(), rt.dns());
        let t = rt.now();
        let mut hosts: Vec<String> = Vec::new();
        if *self.target.kind() == TargetKind::MailDomain {
            match resolver.lookup_mx(&host).await {
                Ok(MxResolution::NullMx { .. }) => {
                    asm.null_mx(rt.now().saturating_duration_since(t));
                    return None;
                }
                Ok(MxResolution::Implicit { host: h }) => {
                    asm.implicit_mx();
                    hosts.push(h);
                }
                Ok(MxResolution::Hosts { hosts: list, .. }) => {
                    asm.mx(list
                        .iter()
                        .map(|m| (m.preference, m.host.clone()))
                        .collect());
                    hosts.extend(list.into_iter().take(MAX_MX_HOSTS).map(|m| m.host));
                }
                Ok(_) => {}
                Err(e) => {
                    asm.dns_error(
                        format!("MX lookup for {host} failed: {e}"),
                        rt.now().saturating_duration_since(t),
                    );
                    return None;
                }
            }
        } else {
            hosts.push(host.clone());
        }
        let mut out = Vec::new();
        let mut last_error = None;
        for h in &hosts {
            let ips = resolver.lookup_ip(h, self.families).await;
            match ips.into_result() {
                Ok(list) => out.extend(
                    list.into_iter()
                        .map(|ip| (SocketAddr::new(ip, port), h.clone())),
                ),
                Err(e) => last_error = Some(format!("address lookup for {h} failed: {e}")),
            }
        }
        let elapsed = rt.now().saturating_duration_since(t);
        if out.is_empty() {
            let msg = last_error.unwrap_or_else(|| format!("{host} has no usable address"));
            asm.dns_error(msg, elapsed);
            return None;
        }
        asm.dns_done(out.iter().map(|(a, _)| a.to_string()).collect(), elapsed);
        Some(out)
    }

    /// `true` when this check may need TLS (its trust anchors are loaded up front).
    fn uses_tls(&self) -> bool {
        let stops_before_tls = self.quit_after.is_some_and(|q| q <= QuitAfter::Ehlo)
            && self.tls_policy() != TlsPolicy::Implicit;
        self.tls_policy() != TlsPolicy::None && !stops_before_tls
    }

    fn tls_handshake(
        &self,
        trust: Option<&TrustStore>,
        host: &str,
        asm: &mut Assembler,
    ) -> Result<Option<TlsHandshake>, ()> {
        let Some(trust) = trust else {
            return Ok(None);
        };
        let setup = client_config(&self.tls_options, trust).and_then(|setup| {
            let name = self.tls_options.server_name(host)?;
            Ok((setup, name))
        });
        match setup {
            Ok((setup, name)) => Ok(Some(TlsHandshake {
                config: setup.config,
                server_name: name.server_name,
                sni: name.sni,
                verification: setup.verification,
            })),
            Err(e) => {
                asm.tls_setup_error(&e.to_string());
                Err(())
            }
        }
    }

    fn plan(&self, local: IpAddr) -> (Plan, Option<String>) {
        let ehlo = self.helo.clone().unwrap_or_else(|| address_literal(local));
        let mut message_id = None;
        let mut plan = Plan::new(ehlo.clone())
            .tls(self.tls_policy())
            .pipelining(self.pipelining)
            .redact_addresses(self.redact);
        if let Some(d) = self.command_timeout {
            let t = Timeouts {
                greeting: d,
                command: d,
                tls_handshake: d,
                data_end_base: d,
                ..Timeouts::default()
            };
            plan = plan.timeouts(t);
        }
        if let Some(creds) = &self.credentials {
            let mut a = AuthPlan::new(creds.clone());
            if let Some(m) = &self.mechanism {
                a.mechanism = MechanismChoice::Exactly(m.clone());
            }
            a.allow_plaintext_without_tls = self.allow_plaintext_auth;
            a.allow_unverified_tls = self.allow_unverified_auth;
            plan = plan.auth(a);
        }
        if let Some(from) = &self.from
            && !self.to.is_empty()
        {
            plan = plan.envelope(Envelope::new(from.clone(), self.to.clone()));
            if self.quit_after.is_none_or(|q| q >= QuitAfter::Data) {
                let (bytes, id) = self.message_bytes(&ehlo);
                message_id = id;
                plan = plan.message(Message::Raw(bytes));
            }
        }
        if let Some(q) = self.quit_after {
            plan = plan.quit_after(q);
        }
        (plan, message_id)
    }

    /// The message and, for the built-in one, its Message-ID.
    fn message_bytes(&self, ehlo: &Domain) -> (Vec<u8>, Option<String>) {
        let from = self.from.clone().unwrap_or_else(Address::null);
        let id = message_id(ehlo);
        let date = rfc5322_date(SystemTime::now());
        let base = TestMessage::new(&from, &self.to, &date, &id);
        match &self.message {
            MessageSpec::Builtin => (base.build(), Some(id)),
            MessageSpec::Sized(n) => (base.body_size(*n).build(), Some(id)),
            MessageSpec::Raw(b) => (b.clone(), None),
        }
    }
}

fn address_literal(ip: IpAddr) -> Domain {
    Domain::literal(ip)
}

/// A unique Message-ID: time, process and a counter, at the EHLO domain.
pub(crate) fn message_id(ehlo: &Domain) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let domain = if ehlo.is_literal() {
        "smtping.invalid".to_owned()
    } else {
        ehlo.as_str().to_owned()
    };
    format!("<smtping.{nanos:x}.{}.{n}@{domain}>", std::process::id())
}

/// An RFC 5322 date in UTC: `Sat, 28 Nov 2026 05:30:00 +0000`.
#[must_use]
pub fn rfc5322_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests;
