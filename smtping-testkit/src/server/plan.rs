//! [`ServerPlan`]: a validated test-server configuration, the data every session of it
//! plays (behaviours per stage and address, limits, TLS), with no listener.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rustls::ServerConfig;

use super::auth::AuthConfig;
use super::behaviour::{Behaviour, ServerStage};
use super::reply::ServerReply;
use super::script::Script;

/// `true` when the EHLO line `line` is the keyword `keyword`.
pub(crate) fn keyword_is(line: &str, keyword: &str) -> bool {
    line.split([' ', '='])
        .next()
        .is_some_and(|k| k.eq_ignore_ascii_case(keyword))
}

/// Lower case, surrounding spaces and angle brackets removed.
pub(crate) fn normalise_address(address: &str) -> String {
    let t = address.trim();
    let t = t
        .strip_prefix('<')
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(t);
    t.to_ascii_lowercase()
}

/// A configured behaviour and how often it has been used.
#[derive(Debug)]
pub(crate) struct Rule {
    behaviour: Behaviour,
    used: AtomicUsize,
}

impl Rule {
    pub(crate) fn new(behaviour: Behaviour) -> Self {
        Self {
            behaviour,
            used: AtomicUsize::new(0),
        }
    }

    /// The behaviour, counting one use; `None` once its [`Behaviour::times`] are spent.
    fn take(&self) -> Option<&Behaviour> {
        let Some(limit) = self.behaviour.times else {
            return Some(&self.behaviour);
        };
        self.used
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |used| {
                (used < limit).then_some(used + 1)
            })
            .ok()
            .map(|_| &self.behaviour)
    }
}

/// Per-address behaviours.
#[derive(Debug, Default)]
pub(crate) struct AddressRules {
    pub(crate) exact: HashMap<String, Rule>,
    pub(crate) domains: HashMap<String, Rule>,
}

impl AddressRules {
    /// The behaviour for `address` (as received, without brackets): the exact rule, else
    /// the domain rule (a rule whose uses are spent is skipped). Counts one use.
    pub(crate) fn find(&self, address: &str) -> Option<&Behaviour> {
        let key = address.to_ascii_lowercase();
        self.exact.get(&key).and_then(Rule::take).or_else(|| {
            let domain = key.rsplit_once('@')?.1;
            self.domains.get(domain).and_then(Rule::take)
        })
    }
}

/// TLS setting without the certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TlsKind {
    None,
    StartTls,
    Implicit,
}

/// The checked configuration a running server uses.
/// A validated test-server configuration, shared by every session made from it
/// (behaviours limited with [`Behaviour::times`] count across them). Made by
/// [`TestServerBuilder::plan`](super::TestServerBuilder::plan).
///
/// ```
/// use std::time::Instant;
/// use smtping_testkit::server::TestServer;
/// use smtping_testkit::session::ServerSession;
/// let plan = TestServer::builder().plan()?;
/// let (a, b) = (ServerSession::new(&plan, Instant::now()), plan.session(Instant::now()));
/// # let _ = (a, b);
/// # Ok::<(), smtping_testkit::server::ServerError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ServerPlan {
    pub(crate) settings: Arc<Settings>,
}

impl ServerPlan {
    pub(crate) fn settings(&self) -> &Arc<Settings> {
        &self.settings
    }
}

pub(crate) struct Settings {
    pub(crate) hostname: String,
    pub(crate) tls_kind: TlsKind,
    pub(crate) tls_config: Option<Arc<ServerConfig>>,
    pub(crate) extensions: Vec<String>,
    pub(crate) enhanced_codes: bool,
    pub(crate) auth: Option<AuthConfig>,
    pub(crate) require_tls: bool,
    pub(crate) stages: [Option<Rule>; 12],
    pub(crate) recipients: AddressRules,
    pub(crate) senders: AddressRules,
    pub(crate) max_message_size: Option<usize>,
    pub(crate) max_recipients: Option<usize>,
    pub(crate) max_connections: usize,
    pub(crate) max_line_length: usize,
    pub(crate) max_commands: usize,
    /// Most wire bytes of one message kept in memory.
    pub(crate) data_cap: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) session_timeout: Duration,
    pub(crate) script: Option<Script>,
}

impl Settings {
    /// The behaviour configured for `stage` (counting one use).
    pub(crate) fn stage(&self, stage: ServerStage) -> Option<&Behaviour> {
        self.stages[stage.index()].as_ref().and_then(Rule::take)
    }

    /// A default reply: the enhanced code is included only when ENHANCEDSTATUSCODES is
    /// advertised.
    pub(crate) fn reply(&self, code: u16, enhanced: &str, text: &str) -> ServerReply {
        if self.enhanced_codes {
            ServerReply::new(code, format!("{enhanced} {text}"))
        } else {
            ServerReply::new(code, text)
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("hostname", &self.hostname)
            .field("tls", &self.tls_kind)
            .field("extensions", &self.extensions)
            .field("auth", &self.auth)
            .field("script", &self.script)
            .finish_non_exhaustive()
    }
}
