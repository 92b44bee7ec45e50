//! [`TestServerBuilder`] and [`ServerTls`]: how a test server is configured.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;

use super::auth::AuthConfig;
use super::behaviour::{Action, Behaviour, ServerStage};
use super::plan::{
    AddressRules, Rule, ServerPlan, Settings, TlsKind, keyword_is, normalise_address,
};
use super::script::Script;
use super::{Hostile, ServerError, TestServer};
use crate::certs::ServerCert;

/// Default most simultaneous connections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;
/// Default longest command line in bytes (CRLF not counted).
pub const DEFAULT_MAX_LINE_LENGTH: usize = 4096;
/// Default most commands per session.
pub const DEFAULT_MAX_COMMANDS: usize = 1000;
/// Default most message bytes read per message when no
/// [`max_message_size`](TestServerBuilder::max_message_size) is set.
pub const DEFAULT_MAX_DATA_BYTES: usize = 16 * 1024 * 1024;
/// Default time a client may stay idle between commands.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Default longest session.
pub const DEFAULT_SESSION_TIMEOUT: Duration = Duration::from_secs(300);

/// The certificate and key a TLS-enabled test server presents: a [`ServerCert`] from the
/// test PKI or any rustls [`ServerConfig`].
///
/// ```
/// use smtping_testkit::certs::{Scenario, TestPki};
/// use smtping_testkit::server::TlsIdentity;
///
/// let pki = TestPki::new()?;
/// let cert = pki.server_cert(Scenario::Valid, &["mx.test"])?;
/// let from_cert = TlsIdentity::from(&cert);
/// let from_config = TlsIdentity::from(cert.server_config()?);
/// # let _ = (from_cert, from_config);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TlsIdentity(Identity);

#[derive(Clone)]
enum Identity {
    Cert(Box<ServerCert>),
    Config(Arc<ServerConfig>),
}

impl TlsIdentity {
    pub(crate) fn config(&self) -> Result<Arc<ServerConfig>, ServerError> {
        match &self.0 {
            Identity::Cert(cert) => cert
                .server_config()
                .map_err(|source| ServerError::Tls { source }),
            Identity::Config(config) => Ok(Arc::clone(config)),
        }
    }
}

impl From<ServerCert> for TlsIdentity {
    fn from(cert: ServerCert) -> Self {
        Self(Identity::Cert(Box::new(cert)))
    }
}

impl From<&ServerCert> for TlsIdentity {
    fn from(cert: &ServerCert) -> Self {
        Self(Identity::Cert(Box::new(cert.clone())))
    }
}

impl From<Arc<ServerConfig>> for TlsIdentity {
    fn from(config: Arc<ServerConfig>) -> Self {
        Self(Identity::Config(config))
    }
}

impl From<ServerConfig> for TlsIdentity {
    fn from(config: ServerConfig) -> Self {
        Self(Identity::Config(Arc::new(config)))
    }
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Identity::Cert(cert) => f.debug_tuple("TlsIdentity").field(cert).finish(),
            Identity::Config(_) => f.write_str("TlsIdentity(ServerConfig)"),
        }
    }
}

/// Whether and how the server speaks TLS.
///
/// ```
/// use smtping_testkit::certs::{Scenario, TestPki};
/// use smtping_testkit::server::ServerTls;
///
/// let pki = TestPki::new()?;
/// let cert = pki.server_cert(Scenario::Valid, &["mx.test"])?;
/// let submission = ServerTls::starttls(&cert); // port 587 style
/// let submissions = ServerTls::implicit(cert); // port 465 style
/// assert!(matches!(ServerTls::default(), ServerTls::None));
/// # let _ = (submission, submissions);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default)]
pub enum ServerTls {
    /// Plain text only; STARTTLS is not offered (and answered `454 4.7.0`).
    #[default]
    None,
    /// STARTTLS offered in EHLO before TLS (RFC 3207).
    StartTls(TlsIdentity),
    /// TLS from the first byte (RFC 8314), then the SMTP greeting.
    Implicit(TlsIdentity),
}

impl ServerTls {
    /// STARTTLS with `identity`.
    ///
    /// ```
    /// use smtping_testkit::certs::{Scenario, TestPki};
    /// use smtping_testkit::server::ServerTls;
    /// let pki = TestPki::new()?;
    /// let mode = ServerTls::starttls(pki.server_cert(Scenario::Expired, &["mx.test"])?);
    /// # let _ = mode;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn starttls(identity: impl Into<TlsIdentity>) -> Self {
        Self::StartTls(identity.into())
    }

    /// Implicit TLS with `identity`.
    ///
    /// ```
    /// use smtping_testkit::certs::{Scenario, TestPki};
    /// use smtping_testkit::server::ServerTls;
    /// let pki = TestPki::new()?;
    /// let mode = ServerTls::implicit(pki.server_cert(Scenario::Valid, &["mx.test"])?);
    /// # let _ = mode;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn implicit(identity: impl Into<TlsIdentity>) -> Self {
        Self::Implicit(identity.into())
    }
}

/// Configures and starts a [`TestServer`]. Get one with [`TestServer::builder`].
///
/// Defaults: `127.0.0.1` on an ephemeral port, hostname `mx.test`, no TLS, no AUTH, EHLO
/// lists `PIPELINING`, `8BITMIME` and `ENHANCEDSTATUSCODES`, every stage answers like a
/// healthy server, no size or recipient limit; at most 64 connections, 1000 commands per
/// session, 4096-byte command lines, 60 s idle, 300 s per session.
///
/// ```
/// use std::time::Duration;
/// use smtping_testkit::server::{AuthConfig, Behaviour, ServerReply, ServerStage, TestServer};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let server = TestServer::builder()
///     .hostname("mx.test")
///     .extensions(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"])
///     .auth(AuthConfig::new().user("alice", "secret"))
///     .max_message_size(20_000) // advertised as SIZE 20000, enforced with 552 5.3.4
///     .max_recipients(10) // the 11th RCPT gets 452 4.5.3
///     .recipient("unknown@example.test", Behaviour::reply(550, "5.1.1 no such user"))
///     .recipient("@greylist.test", Behaviour::reply(451, "4.7.1 Greylisted"))
///     .on(ServerStage::DataEnd, Behaviour::delay(Duration::from_millis(10)))
///     .start()
///     .await?;
/// assert!(server.addr().ip().is_loopback());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until start() is awaited"]
pub struct TestServerBuilder {
    bind: SocketAddr,
    hostname: String,
    tls: ServerTls,
    extensions: Vec<String>,
    auth: Option<AuthConfig>,
    require_tls: bool,
    stages: Vec<(ServerStage, Behaviour)>,
    recipients: Vec<(String, Behaviour)>,
    senders: Vec<(String, Behaviour)>,
    max_message_size: Option<usize>,
    max_recipients: Option<usize>,
    max_connections: usize,
    max_line_length: usize,
    max_commands: usize,
    max_data_bytes: usize,
    idle_timeout: Duration,
    session_timeout: Duration,
    script: Option<Script>,
}

impl Default for TestServerBuilder {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            hostname: "mx.test".to_owned(),
            tls: ServerTls::None,
            extensions: ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"]
                .map(str::to_owned)
                .to_vec(),
            auth: None,
            require_tls: false,
            stages: Vec::new(),
            recipients: Vec::new(),
            senders: Vec::new(),
            max_message_size: None,
            max_recipients: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_line_length: DEFAULT_MAX_LINE_LENGTH,
            max_commands: DEFAULT_MAX_COMMANDS,
            max_data_bytes: DEFAULT_MAX_DATA_BYTES,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            session_timeout: DEFAULT_SESSION_TIMEOUT,
            script: None,
        }
    }
}

impl TestServerBuilder {
    /// Listens on `addr` (default `127.0.0.1:0`, an ephemeral port). Only loopback
    /// addresses are allowed: [`start`](Self::start) refuses others with
    /// [`ServerError::NotLoopback`].
    ///
    /// ```
    /// use smtping_testkit::server::{ServerError, TestServer};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let refused = TestServer::builder().bind("0.0.0.0:0".parse()?).start().await;
    /// assert!(matches!(refused, Err(ServerError::NotLoopback { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Listens on `[::1]` (an ephemeral port) instead of `127.0.0.1`.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().ipv6();
    /// # let _ = builder;
    /// ```
    pub fn ipv6(self) -> Self {
        self.bind(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)))
    }

    /// The name in the greeting and the first EHLO line (default `mx.test`).
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().hostname("smtp.example.test");
    /// # let _ = builder;
    /// ```
    pub fn hostname(mut self, name: impl Into<String>) -> Self {
        self.hostname = name.into();
        self
    }

    /// Plain, STARTTLS or implicit TLS (default plain).
    ///
    /// ```
    /// use smtping_testkit::certs::{Scenario, TestPki};
    /// use smtping_testkit::server::{TestServer, ServerTls};
    /// let pki = TestPki::new()?;
    /// let cert = pki.server_cert(Scenario::Valid, &["mx.test"])?;
    /// let builder = TestServer::builder().tls(ServerTls::starttls(cert));
    /// # let _ = builder;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn tls(mut self, mode: ServerTls) -> Self {
        self.tls = mode;
        self
    }

    /// The extensions EHLO lists, replacing the defaults, verbatim (`"SIZE 10240"`,
    /// `"DSN"`, …). The server adds `STARTTLS` (plain connections with
    /// [`ServerTls::StartTls`]), `AUTH …` (when [`auth`](Self::auth) allows it in the
    /// current state) and `SIZE n` (with [`max_message_size`](Self::max_message_size))
    /// unless you list them yourself. Enhanced status codes appear in the default replies
    /// only when `ENHANCEDSTATUSCODES` is listed.
    ///
    /// The server enforces only what it is configured to: listing `SIZE 10` without
    /// `max_message_size` advertises a limit it does not apply (useful for lying-server
    /// tests).
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().extensions(["PIPELINING", "SMTPUTF8", "DSN"]);
    /// # let _ = builder;
    /// ```
    pub fn extensions<I, S>(mut self, extensions: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.extensions = extensions.into_iter().map(Into::into).collect();
        self
    }

    /// Adds one extension to the EHLO list.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().extension("SMTPUTF8");
    /// # let _ = builder;
    /// ```
    pub fn extension(mut self, extension: impl Into<String>) -> Self {
        self.extensions.push(extension.into());
        self
    }

    /// Enables SMTP AUTH.
    ///
    /// ```
    /// use smtping_testkit::server::{AuthConfig, SaslMechanism, TestServer};
    /// let builder = TestServer::builder()
    ///     .auth(AuthConfig::new().user("alice", "secret").mechanisms([SaslMechanism::Plain]));
    /// # let _ = builder;
    /// ```
    pub fn auth(mut self, auth: AuthConfig) -> Self {
        self.auth = Some(auth);
        self
    }

    /// When `true`, `MAIL` before STARTTLS gets `530 5.7.0 Must issue a STARTTLS command
    /// first` (a server that requires encryption).
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().require_tls(true);
    /// # let _ = builder;
    /// ```
    pub fn require_tls(mut self, on: bool) -> Self {
        self.require_tls = on;
        self
    }

    /// What the server does at `stage` (replacing an earlier setting for that stage).
    /// Per-address rules ([`recipient`](Self::recipient), [`sender`](Self::sender)) take
    /// precedence for RCPT and MAIL.
    ///
    /// ```
    /// use smtping_testkit::server::{Behaviour, ServerReply, ServerStage, TestServer};
    /// let builder = TestServer::builder()
    ///     .on(ServerStage::Rcpt, ServerReply::new(550, "5.7.1 Relaying denied"))
    ///     .on(ServerStage::DataEnd, Behaviour::silent());
    /// # let _ = builder;
    /// ```
    pub fn on(mut self, stage: ServerStage, behaviour: impl Into<Behaviour>) -> Self {
        self.stages.retain(|(s, _)| *s != stage);
        self.stages.push((stage, behaviour.into()));
        self
    }

    /// The greeting: same as `.on(ServerStage::Greeting, behaviour)`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::{Behaviour, TestServer};
    /// let busy = TestServer::builder().greeting(Behaviour::reply(421, "4.7.0 Try again later"));
    /// let slow = TestServer::builder().greeting(Behaviour::delay(Duration::from_millis(500)));
    /// let mute = TestServer::builder().greeting(Behaviour::silent());
    /// # let _ = (busy, slow, mute);
    /// ```
    pub fn greeting(self, behaviour: impl Into<Behaviour>) -> Self {
        self.on(ServerStage::Greeting, behaviour)
    }

    /// What the server does when `RCPT TO` names `address` (ASCII case-insensitive), or,
    /// when `address` starts with `@`, any address at that domain. An exact address
    /// wins over a domain; a later rule for the same key replaces an earlier one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::{Behaviour, TestServer};
    /// let builder = TestServer::builder()
    ///     .recipient("bob@example.test", Behaviour::reply(550, "5.1.1 <bob@example.test>: user unknown"))
    ///     .recipient("full@example.test", Behaviour::reply(452, "4.2.2 Mailbox full"))
    ///     .recipient("slow@example.test", Behaviour::delay(Duration::from_millis(200)).then_reply(250, "2.1.5 Ok"))
    ///     .recipient("bye@example.test", Behaviour::disconnect())
    ///     .recipient("@blocked.test", Behaviour::reply(554, "5.7.1 Blocked"));
    /// # let _ = builder;
    /// ```
    pub fn recipient(
        mut self,
        address: impl Into<String>,
        behaviour: impl Into<Behaviour>,
    ) -> Self {
        self.recipients.push((address.into(), behaviour.into()));
        self
    }

    /// What the server does when `MAIL FROM` names `address` (same matching as
    /// [`recipient`](Self::recipient); `""` or `"<>"` is the null sender).
    ///
    /// ```
    /// use smtping_testkit::server::{Behaviour, TestServer};
    /// let builder = TestServer::builder()
    ///     .sender("@spammer.test", Behaviour::reply(550, "5.7.1 Sender blocked"))
    ///     .sender("<>", Behaviour::reply(550, "5.7.1 No bounces here"));
    /// # let _ = builder;
    /// ```
    pub fn sender(mut self, address: impl Into<String>, behaviour: impl Into<Behaviour>) -> Self {
        self.senders.push((address.into(), behaviour.into()));
        self
    }

    /// The largest message accepted, in bytes: `MAIL FROM … SIZE=n` above it gets
    /// `552 5.3.4` at once, and a body above it gets `552 5.3.4` after the final dot.
    /// EHLO advertises `SIZE n` unless the extension list has its own `SIZE`.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().max_message_size(10 * 1024);
    /// # let _ = builder;
    /// ```
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = Some(bytes);
        self
    }

    /// The most recipients accepted per transaction; the next `RCPT` gets
    /// `452 4.5.3 Error: too many recipients`.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().max_recipients(2);
    /// # let _ = builder;
    /// ```
    pub fn max_recipients(mut self, count: usize) -> Self {
        self.max_recipients = Some(count);
        self
    }

    /// The most simultaneous connections (default 64); a connection beyond gets
    /// `421 4.7.0 … too many connections` and is closed.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().max_connections(2);
    /// # let _ = builder;
    /// ```
    pub fn max_connections(mut self, count: usize) -> Self {
        self.max_connections = count;
        self
    }

    /// The longest command line (default 4096 bytes, CRLF not counted); a longer one is
    /// discarded and answered `500 5.5.6 Error: line too long`.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().max_line_length(512);
    /// # let _ = builder;
    /// ```
    pub fn max_line_length(mut self, bytes: usize) -> Self {
        self.max_line_length = bytes;
        self
    }

    /// The most command lines per session (default 1000); then `421 4.7.0` and close.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().max_commands(50);
    /// # let _ = builder;
    /// ```
    pub fn max_commands(mut self, count: usize) -> Self {
        self.max_commands = count;
        self
    }

    /// The most message bytes read into memory when no
    /// [`max_message_size`](Self::max_message_size) is set (default 16 MiB); a larger
    /// message is read, dropped and answered `552 5.3.4`.
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().max_data_bytes(1 << 20);
    /// # let _ = builder;
    /// ```
    pub fn max_data_bytes(mut self, bytes: usize) -> Self {
        self.max_data_bytes = bytes;
        self
    }

    /// How long the server waits for the next command (default 60 s), then sends
    /// `421 4.4.2` and closes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().idle_timeout(Duration::from_secs(5));
    /// # let _ = builder;
    /// ```
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// The longest a session may last, silent behaviours included (default 300 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().session_timeout(Duration::from_secs(10));
    /// # let _ = builder;
    /// ```
    pub fn session_timeout(mut self, timeout: Duration) -> Self {
        self.session_timeout = timeout;
        self
    }

    /// Plays `script` on every connection instead of SMTP (hostile and fault scenarios).
    /// The hostname, TLS identity (for `StartTls` steps; with [`ServerTls::Implicit`] the
    /// handshake comes first), line and command limits still apply; the script's own
    /// budgets bound each session.
    ///
    /// ```
    /// use smtping_testkit::server::{Hostile, TestServer};
    /// let builder = TestServer::builder().script(Hostile::EndlessReply.script());
    /// # let _ = builder;
    /// ```
    pub fn script(mut self, script: Script) -> Self {
        self.script = Some(script);
        self
    }

    /// Plays a ready-made [`Hostile`] scenario: same as `.script(scenario.script())`.
    ///
    /// ```
    /// use smtping_testkit::server::{Hostile, TestServer};
    /// let builder = TestServer::builder().hostile(Hostile::BareLf);
    /// # let _ = builder;
    /// ```
    pub fn hostile(self, scenario: Hostile) -> Self {
        self.script(scenario.script())
    }

    /// Checks the configuration, binds the listener and starts serving.
    ///
    /// # Errors
    ///
    /// [`ServerError::NotLoopback`] for a non-loopback address, [`ServerError::Bind`]
    /// when the port is taken, [`ServerError::InvalidReply`] for a bad configured reply,
    /// [`ServerError::Tls`] when the certificate cannot be used,
    /// [`ServerError::InvalidSetting`] for other bad settings.
    ///
    /// ```
    /// use smtping_testkit::server::{ServerReply, ServerError, ServerStage, TestServer};
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
    /// let bad = TestServer::builder().on(ServerStage::Rcpt, ServerReply::new(700, "x")).start().await;
    /// assert!(matches!(bad, Err(ServerError::InvalidReply { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn start(self) -> Result<TestServer, ServerError> {
        let bind = self.bind;
        if !bind.ip().is_loopback() {
            return Err(ServerError::NotLoopback { addr: bind });
        }
        let plan = self.plan()?;
        TestServer::launch(bind, plan.settings).await
    }

    /// Validates and compiles the configuration without listening anywhere: the
    /// [`ServerPlan`] makes [`ServerSession`](crate::session::ServerSession)s, for
    /// [`Pair`](crate::pair::Pair) or your own driver. The bind address is not used.
    ///
    /// # Errors
    ///
    /// Those of [`start`](Self::start), except the ones about the address.
    ///
    /// ```
    /// use std::time::Instant;
    /// use smtping_testkit::server::TestServer;
    /// use smtping_testkit::session::{ServerOutput, ServerSession};
    ///
    /// let plan = TestServer::builder().hostname("mx.example.test").plan()?;
    /// let mut session = ServerSession::new(&plan, Instant::now());
    /// assert!(matches!(session.poll_output(), ServerOutput::Transmit(b) if b.starts_with(b"220 mx.example.test")));
    /// # Ok::<(), smtping_testkit::server::ServerError>(())
    /// ```
    pub fn plan(self) -> Result<ServerPlan, ServerError> {
        Ok(ServerPlan {
            settings: Arc::new(self.compile()?),
        })
    }

    fn compile(self) -> Result<Settings, ServerError> {
        let invalid = |what: String| Err(ServerError::InvalidSetting(what));
        if self.max_connections == 0 {
            return invalid("max_connections must be at least 1".into());
        }
        if self.max_line_length < 64 {
            return invalid("max_line_length must be at least 64 bytes".into());
        }
        if self.max_commands == 0 {
            return invalid("max_commands must be at least 1".into());
        }
        if self.idle_timeout.is_zero() || self.session_timeout.is_zero() {
            return invalid("timeouts must be longer than zero".into());
        }
        if line_unsafe(&self.hostname) || self.hostname.is_empty() {
            return invalid(format!(
                "hostname {:?} must be non-empty without CR, LF or spaces",
                self.hostname
            ));
        }
        for ext in &self.extensions {
            if ext.is_empty() || ext.contains(['\r', '\n']) {
                return invalid(format!(
                    "EHLO extension {ext:?} must be non-empty without CR or LF"
                ));
            }
        }

        let mut stages: [Option<Rule>; 12] = Default::default();
        for (stage, behaviour) in self.stages {
            check_behaviour(&behaviour, || format!("stage {stage}"))?;
            stages[stage.index()] = Some(Rule::new(behaviour));
        }
        let recipients = compile_rules(self.recipients, "recipient")?;
        let senders = compile_rules(self.senders, "sender")?;

        let (tls_kind, tls_config) = match &self.tls {
            ServerTls::None => (TlsKind::None, None),
            ServerTls::StartTls(id) => (TlsKind::StartTls, Some(id.config()?)),
            ServerTls::Implicit(id) => (TlsKind::Implicit, Some(id.config()?)),
        };

        let mut extensions = self.extensions;
        if let Some(max) = self.max_message_size
            && !extensions.iter().any(|e| keyword_is(e, "SIZE"))
        {
            extensions.push(format!("SIZE {max}"));
        }
        let enhanced_codes = extensions
            .iter()
            .any(|e| keyword_is(e, "ENHANCEDSTATUSCODES"));
        let data_cap = match self.max_message_size {
            Some(max) => max
                .saturating_mul(2)
                .saturating_add(1024)
                .min(self.max_data_bytes.max(max)),
            None => self.max_data_bytes,
        };
        Ok(Settings {
            hostname: self.hostname,
            tls_kind,
            tls_config,
            extensions,
            enhanced_codes,
            auth: self.auth,
            require_tls: self.require_tls,
            stages,
            recipients,
            senders,
            max_message_size: self.max_message_size,
            max_recipients: self.max_recipients,
            max_connections: self.max_connections,
            max_line_length: self.max_line_length,
            max_commands: self.max_commands,
            data_cap,
            idle_timeout: self.idle_timeout,
            session_timeout: self.session_timeout,
            script: self.script,
        })
    }
}

fn line_unsafe(s: &str) -> bool {
    s.contains(['\r', '\n', ' '])
}

fn check_behaviour(behaviour: &Behaviour, at: impl FnOnce() -> String) -> Result<(), ServerError> {
    if let Action::Reply(reply) | Action::ReplyAndClose(reply) = &behaviour.action {
        reply
            .validate()
            .map_err(|source| ServerError::InvalidReply { at: at(), source })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;

fn compile_rules(rules: Vec<(String, Behaviour)>, what: &str) -> Result<AddressRules, ServerError> {
    let mut compiled = AddressRules::default();
    for (pattern, behaviour) in rules {
        check_behaviour(&behaviour, || format!("{what} {pattern:?}"))?;
        let key = normalise_address(&pattern);
        if let Some(domain) = key.strip_prefix('@') {
            if domain.is_empty() {
                return Err(ServerError::InvalidSetting(format!(
                    "{what} rule {pattern:?} names no domain"
                )));
            }
            compiled
                .domains
                .insert(domain.to_owned(), Rule::new(behaviour));
        } else {
            compiled.exact.insert(key, Rule::new(behaviour));
        }
    }
    Ok(compiled)
}

impl TestServer {
    /// A builder with the defaults (see [`TestServerBuilder`]).
    ///
    /// ```
    /// use smtping_testkit::server::TestServer;
    /// let builder = TestServer::builder().hostname("mx.example.test");
    /// # let _ = builder;
    /// ```
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }
}
