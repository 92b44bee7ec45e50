//! Follow-through: did the message land in the seed mailboxes, in which folder, how long
//! after it was sent, and what did the receiver record (`Received`,
//! `Authentication-Results`)?
//!
//! [`FollowThrough`] polls each seed mailbox over IMAP ([`smtping_proto::imap`]) with
//! backoff until the message is found or the deadline passes. Only the test message is
//! read (its header block, `BODY.PEEK[HEADER]`, never the body, never marking it seen);
//! folders are opened read-only (EXAMINE); nothing is changed unless
//! [`FollowThrough::cleanup`] is asked for, and then only the test message, by UID.
//!
//! ```no_run
//! use std::time::Duration;
//! use smtping_client::follow::{FollowThrough, Password, SeedUrl};
//! use smtping_client::runtime::tokio::Tokio;
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let url = SeedUrl::parse("imaps://alice%40example.org@imap.example.org/INBOX,Junk")?;
//! let result = FollowThrough::new("<reset-123@app.example.org>")
//!     .seed(url, Password::from_env("SEED_PASSWORD")?)
//!     .timeout(Duration::from_secs(60))
//!     .run(&Tokio)
//!     .await;
//! let seed = &result.seeds[0];
//! assert!(seed.found, "{:?}", seed.error);
//! println!("landed in {:?} after {:?} ms", seed.folder, seed.latency_ms);
//! # Ok(()) }
//! ```

use core::fmt;
use std::time::{Duration, Instant, SystemTime};

use futures_util::future::join_all;
use serde::Serialize;
use smtping_proto::imap::{
    Cleanup, ImapErrorKind, ImapLimits, ImapStep, ImapTls, SearchQuery, SeedOutcome, SeedPlan,
    SeedSession,
};

use crate::ConnectTo;
use crate::net::dns::{Resolver, system_config};
use crate::report::Severity;
use crate::runtime::Runtime;
use crate::tls::{TlsOptions, TrustStore};

mod bounce;
mod driver;
mod seed;
#[cfg(test)]
mod tests;

pub use seed::{
    IMAP_PORT, IMAPS_PORT, MAX_PASSWORD_FILE, MAX_SEEDS_FILE, Password, PasswordError,
    PasswordSource, SeedEntry, SeedScheme, SeedUrl, SeedUrlError, SeedsFile, SeedsFileError,
};

pub use bounce::{BounceNotice, BounceResult, MAX_BOUNCE_NOTES};
use driver::{ConnectFailure, Endpoint};

/// The default time the seeds are polled for (`--seed-timeout`).
pub const DEFAULT_SEED_TIMEOUT: Duration = Duration::from_secs(300);
/// Poll times kept per seed ([`SeedResult::polls_ms`]).
pub const MAX_POLLS_KEPT: usize = 1000;
/// Header fields kept from one message.
pub const MAX_HEADER_FIELDS: usize = 1000;

/// When to poll again: `first`, then doubling, at most `max` apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PollSchedule {
    /// The wait after the first attempt.
    pub first: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for PollSchedule {
    /// 1 s, 2 s, 4 s, … capped at 30 s.
    fn default() -> Self {
        Self {
            first: Duration::from_secs(1),
            max: Duration::from_secs(30),
        }
    }
}

impl PollSchedule {
    /// The wait after attempt `n` (1-based).
    #[must_use]
    pub fn wait(&self, n: u32) -> Duration {
        let factor = 1u32
            .checked_shl(n.saturating_sub(1).min(20))
            .unwrap_or(u32::MAX);
        self.first.saturating_mul(factor).min(self.max)
    }
}

/// When the message was sent (the final dot), for the latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SentAt {
    /// On the runtime's clock.
    Instant(Instant),
    /// On the wall clock (a message SMTPing did not send: its Date header).
    System(SystemTime),
}

/// What happened to the test message when cleanup was asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CleanupResult {
    /// Deleted with `UID EXPUNGE`.
    Expunged,
    /// Only flagged `\Deleted` (no UIDPLUS: plain EXPUNGE would remove other mail).
    FlaggedOnly,
    /// The cleanup failed; see the error.
    Failed,
}

/// The kind of a seed error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedErrorKind {
    /// No address, refused, unreachable.
    Connect,
    /// TLS handshake, certificate, or STARTTLS missing while required.
    Tls,
    /// The login was refused, or would have gone over cleartext, or no mechanism.
    Auth,
    /// A step timed out (a stalled server), or the deadline passed while connecting.
    Timeout,
    /// Every poll until the deadline worked, and none found the message.
    NotFound,
    /// The server closed the connection or an I/O error.
    Io,
    /// The server sent something invalid, unexplained, too large or injected.
    Protocol,
    /// The server refused a folder or a search.
    Rejected,
    /// The cleanup failed.
    Cleanup,
}

/// Why a seed gave no answer (or only part of one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeedError {
    /// The IMAP step (`"connect"`, `"greeting"`, `"starttls"`, `"login"`, `"examine"`,
    /// `"search"`, `"fetch"`, `"cleanup"`, …).
    pub step: String,
    /// The kind.
    pub kind: SeedErrorKind,
    /// In words (never a password).
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.step, self.message)
    }
}

/// One header field, unfolded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeaderField {
    /// The name as written.
    pub name: String,
    /// The value, unfolded (CRLF + whitespace → one space), trimmed.
    pub value: String,
}

/// What one seed mailbox said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SeedResult {
    /// The mailbox URL (no password).
    pub mailbox: String,
    /// Whether the message was found.
    pub found: bool,
    /// The folder it was found in.
    pub folder: Option<String>,
    /// Whether that folder is a junk folder (`\Junk`, or a junk name).
    pub junk: bool,
    /// From the send time to the poll that found it (an upper bound, within one poll
    /// interval); `None` without a send time.
    pub latency_ms: Option<u64>,
    /// The message's UID in that folder.
    pub uid: Option<u32>,
    /// The server's INTERNALDATE (RFC 3339).
    pub internal_date: Option<String>,
    /// The raw header block (bounded by the 256 KiB literal limit), lossy UTF-8.
    pub header: Option<String>,
    /// The header fields, unfolded, in message order.
    pub headers: Vec<HeaderField>,
    /// The raw `Received` values, in message order (newest first, oldest last).
    pub received: Vec<String>,
    /// The raw `Authentication-Results` values, in message order.
    pub authentication_results: Vec<String>,
    /// The folders searched in the last attempt.
    pub folders_searched: Vec<String>,
    /// Polls made.
    pub attempts: u32,
    /// When each poll started, in milliseconds after the send time (after the start of
    /// the follow-through without one); at most [`MAX_POLLS_KEPT`].
    pub polls_ms: Vec<u64>,
    /// When this seed's polling ended (found, failed or the deadline), on the same clock
    /// as [`polls_ms`](SeedResult::polls_ms).
    pub ended_ms: u64,
    /// Whether the last connection ran under TLS.
    pub tls: bool,
    /// The cleanup, when asked for and the message was found.
    pub cleanup: Option<CleanupResult>,
    /// Why the seed failed, when it did (the last attempt's error).
    pub error: Option<SeedError>,
}

impl SeedResult {
    /// The problems this result shows (for findings).
    #[must_use]
    pub fn problems(&self) -> Vec<FollowProblem> {
        let mut out = Vec::new();
        if let Some(e) = &self.error {
            out.push(match e.kind {
                SeedErrorKind::Connect | SeedErrorKind::Io => FollowProblem::SeedUnreachable,
                SeedErrorKind::Tls => FollowProblem::SeedTls,
                SeedErrorKind::Auth => FollowProblem::SeedAuth,
                SeedErrorKind::Protocol | SeedErrorKind::Rejected => FollowProblem::SeedProtocol,
                SeedErrorKind::Cleanup => FollowProblem::CleanupFailed,
                SeedErrorKind::NotFound => FollowProblem::NotFound,
                SeedErrorKind::Timeout => FollowProblem::SeedUnreachable,
            });
        } else if !self.found {
            out.push(FollowProblem::NotFound);
        }
        if self.found && self.junk {
            out.push(FollowProblem::LandedInJunk);
        }
        if self.cleanup == Some(CleanupResult::FlaggedOnly) {
            out.push(FollowProblem::CleanupFlaggedOnly);
        }
        out
    }
}

/// The follow-through of one message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FollowResult {
    /// What was looked for (the Message-ID, or the criteria in words).
    pub query: String,
    /// One per seed, in the order given.
    pub seeds: Vec<SeedResult>,
    /// The bounce-mailbox watch ([`FollowThrough::bounce_mailbox`]), when one was given.
    pub bounce: Option<BounceResult>,
    /// The whole follow-through took this long.
    pub elapsed_ms: u64,
}

impl FollowResult {
    /// Whether every seed found the message.
    #[must_use]
    pub fn all_found(&self) -> bool {
        !self.seeds.is_empty() && self.seeds.iter().all(|s| s.found)
    }
}

/// A follow-through problem, as a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowProblem {
    /// The message did not arrive before the deadline.
    NotFound,
    /// It arrived in a junk folder.
    LandedInJunk,
    /// The seed could not be reached, dropped the connection, or stalled.
    SeedUnreachable,
    /// TLS with the seed failed or was not offered while required.
    SeedTls,
    /// The seed refused the login.
    SeedAuth,
    /// The seed misbehaved (invalid, oversized or injected responses) or refused a folder.
    SeedProtocol,
    /// Deleting the test message failed.
    CleanupFailed,
    /// The test message was only flagged `\Deleted` (no UIDPLUS).
    CleanupFlaggedOnly,
    /// Accepted at the final dot, then returned for good: a `failed` DSN arrived in the
    /// bounce mailbox (id `bounce.hard`, as
    /// [`BounceProblem::Hard`](smtping_classify::bounce::BounceProblem::Hard)).
    Bounced,
    /// Accepted, then reported `delayed` by a later server, no final word by the deadline
    /// (id `bounce.delayed`).
    BounceDelayed,
    /// The bounce mailbox could not be watched (unreachable, TLS, login, misbehaving).
    BounceWatchFailed,
    /// A candidate in the bounce mailbox was larger than the whole-message limit and was
    /// not read.
    BounceOversized,
}

impl FollowProblem {
    /// The stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::NotFound => "follow_through.not_found",
            Self::LandedInJunk => "follow_through.junk",
            Self::SeedUnreachable => "follow_through.seed_unreachable",
            Self::SeedTls => "follow_through.seed_tls",
            Self::SeedAuth => "follow_through.seed_auth",
            Self::SeedProtocol => "follow_through.seed_protocol",
            Self::CleanupFailed => "follow_through.cleanup_failed",
            Self::CleanupFlaggedOnly => "follow_through.cleanup_flagged_only",
            // The catalogue's ids for a DSN about the test message (smtping-classify).
            Self::Bounced => smtping_classify::bounce::BounceProblem::Hard.finding_id(),
            Self::BounceDelayed => smtping_classify::bounce::BounceProblem::Delayed.finding_id(),
            Self::BounceWatchFailed => "follow_through.bounce_watch_failed",
            Self::BounceOversized => "follow_through.bounce_oversized",
        }
    }

    /// How bad it is.
    #[must_use]
    pub const fn severity(&self) -> Severity {
        match self {
            Self::NotFound | Self::Bounced => Severity::Error,
            Self::BounceDelayed | Self::BounceWatchFailed => Severity::Warning,
            Self::BounceOversized => Severity::Info,
            Self::LandedInJunk
            | Self::SeedUnreachable
            | Self::SeedTls
            | Self::SeedAuth
            | Self::SeedProtocol
            | Self::CleanupFailed => Severity::Warning,
            Self::CleanupFlaggedOnly => Severity::Info,
        }
    }
}

impl fmt::Display for FollowProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotFound => "the message did not arrive in the seed mailbox before the deadline",
            Self::LandedInJunk => "the message landed in a junk folder",
            Self::SeedUnreachable => "the seed mailbox could not be reached, or its server stalled",
            Self::SeedTls => "TLS with the seed mailbox failed or was not offered",
            Self::SeedAuth => "the seed mailbox refused the login",
            Self::SeedProtocol => "the seed mailbox's IMAP server misbehaved or refused a folder",
            Self::CleanupFailed => "the test message could not be deleted from the seed mailbox",
            Self::CleanupFlaggedOnly => {
                "the test message was only flagged \\Deleted: the server lacks UIDPLUS"
            }
            Self::Bounced => {
                "the message was accepted at the final dot, then bounced: a later server returned it for good"
            }
            Self::BounceDelayed => {
                "the message was accepted, then reported delayed: a later server is still retrying it"
            }
            Self::BounceWatchFailed => "the bounce mailbox could not be watched",
            Self::BounceOversized => {
                "a message in the bounce mailbox was too large to read and was skipped"
            }
        })
    }
}

#[derive(Clone, Debug)]
struct Seed {
    url: SeedUrl,
    password: Password,
}

/// Polls seed mailboxes for one message; see the [module documentation](self).
#[derive(Clone, Debug)]
pub struct FollowThrough {
    query: SearchQuery,
    seeds: Vec<Seed>,
    timeout: Duration,
    schedule: PollSchedule,
    cleanup: bool,
    sent_at: Option<SentAt>,
    tls: TlsOptions,
    trust: Option<TrustStore>,
    connect_to: Vec<ConnectTo>,
    require_tls: bool,
    allow_cleartext_auth: bool,
    limits: ImapLimits,
    resolver_servers: Vec<std::net::SocketAddr>,
    bounce: Option<Seed>,
    envelope_id: Option<String>,
}

impl FollowThrough {
    fn with_query(query: SearchQuery) -> Self {
        Self {
            query,
            seeds: Vec::new(),
            timeout: DEFAULT_SEED_TIMEOUT,
            schedule: PollSchedule::default(),
            cleanup: false,
            sent_at: None,
            tls: TlsOptions::default(),
            trust: None,
            connect_to: Vec::new(),
            require_tls: false,
            allow_cleartext_auth: false,
            limits: ImapLimits::default(),
            resolver_servers: Vec::new(),
            bounce: None,
            envelope_id: None,
        }
    }

    /// A follow-through for [`Check::follow_through`](crate::Check::follow_through): seeds
    /// and options only; the check fills in the Message-ID it sent and the send time.
    #[must_use]
    pub fn for_check() -> Self {
        Self::with_query(SearchQuery::MessageId(String::new()))
    }

    /// The same follow-through looking for this Message-ID instead (the check sets the one
    /// it sent).
    #[must_use]
    pub fn message_id(mut self, message_id: impl Into<String>) -> Self {
        self.query = SearchQuery::MessageId(message_id.into());
        self
    }

    /// How long the follow-through polls (its deadline).
    #[must_use]
    pub fn timeout_value(&self) -> Duration {
        self.timeout
    }

    /// The seed mailboxes, as URLs without passwords, in the order given.
    #[must_use]
    pub fn mailboxes(&self) -> Vec<String> {
        self.seeds.iter().map(|s| s.url.to_string()).collect()
    }

    /// Looks for the message with this Message-ID (angle brackets optional).
    #[must_use]
    pub fn new(message_id: impl Into<String>) -> Self {
        Self::with_query(SearchQuery::MessageId(message_id.into()))
    }

    /// Looks for the newest message matching all the given criteria (`smtping inbox`):
    /// Subject and From substrings, internal date on or after `since` (year, month, day).
    #[must_use]
    pub fn search(
        subject: Option<String>,
        from: Option<String>,
        since: Option<(i32, u32, u32)>,
    ) -> Self {
        Self::with_query(SearchQuery::Criteria {
            subject,
            from,
            since,
        })
    }

    /// Adds a seed mailbox.
    #[must_use]
    pub fn seed(mut self, url: SeedUrl, password: Password) -> Self {
        self.seeds.push(Seed { url, password });
        self
    }

    /// Also watches this mailbox (usually the MAIL FROM's) for a delivery status
    /// notification about the message (`--bounce-mailbox`), concurrently with the seeds
    /// and with the same backoff and deadline. A `failed` notice ends the watch; a
    /// `delayed` one is recorded and the watch goes on. Read-only: candidates are fetched
    /// with `BODY.PEEK[]`, nothing is flagged or deleted.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use smtping_client::follow::{FollowThrough, Password, SeedUrl};
    /// use smtping_client::runtime::tokio::Tokio;
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let bounces = SeedUrl::parse("imaps://bounces%40app.example.org@imap.example.org/INBOX")?;
    /// let result = FollowThrough::new("<reset-123@app.example.org>")
    ///     .bounce_mailbox(bounces, Password::from_env("BOUNCE_PASSWORD")?)
    ///     .timeout(Duration::from_secs(120))
    ///     .run(&Tokio)
    ///     .await;
    /// let watch = result.bounce.as_ref().unwrap();
    /// assert!(!watch.bounced(), "bounced: {:?}", watch.notice().map(|n| n.dsn.to_string()));
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn bounce_mailbox(mut self, url: SeedUrl, password: Password) -> Self {
        self.bounce = Some(Seed { url, password });
        self
    }

    /// The ENVID given at `MAIL FROM` (as sent, xtext-encoded), when the server offered
    /// DSN: a report whose `Original-Envelope-Id` is this one matches even without the
    /// returned headers.
    #[must_use]
    pub fn envelope_id(mut self, envid: Option<String>) -> Self {
        self.envelope_id = envid;
        self
    }

    /// The bounce mailbox, as a URL without password.
    #[must_use]
    pub fn bounce_mailbox_url(&self) -> Option<String> {
        self.bounce.as_ref().map(|s| s.url.to_string())
    }

    /// Whether there is anything to poll (a seed or a bounce mailbox).
    #[must_use]
    pub fn has_mailboxes(&self) -> bool {
        !self.seeds.is_empty() || self.bounce.is_some()
    }

    /// How long to keep polling (default 5 minutes); bounds everything, stalls included.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The backoff between polls (default 1 s doubling to 30 s).
    #[must_use]
    pub fn poll_schedule(mut self, schedule: PollSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Delete the test message once found (`--seed-cleanup`).
    #[must_use]
    pub fn cleanup(mut self, cleanup: bool) -> Self {
        self.cleanup = cleanup;
        self
    }

    /// When the message was sent, for `latency_ms`.
    #[must_use]
    pub fn sent_at(mut self, sent_at: SentAt) -> Self {
        self.sent_at = Some(sent_at);
        self
    }

    /// TLS versions and extra roots (`--ca-file`).
    #[must_use]
    pub fn tls_options(mut self, tls: TlsOptions) -> Self {
        self.tls = tls;
        self
    }

    /// The trust anchors (default: loaded from the TLS options).
    #[must_use]
    pub fn trust(mut self, trust: TrustStore) -> Self {
        self.trust = Some(trust);
        self
    }

    /// `--connect-to` rules.
    #[must_use]
    pub fn connect_to(mut self, rules: Vec<ConnectTo>) -> Self {
        self.connect_to = rules;
        self
    }

    /// Refuse `imap://` seeds whose server does not offer STARTTLS (`--require-tls`).
    #[must_use]
    pub fn require_tls(mut self, require: bool) -> Self {
        self.require_tls = require;
        self
    }

    /// Send passwords over cleartext connections (never by default; for tests).
    #[must_use]
    pub fn allow_cleartext_auth(mut self, allow: bool) -> Self {
        self.allow_cleartext_auth = allow;
        self
    }

    /// The IMAP limits (sizes, untagged responses, time per step).
    #[must_use]
    pub fn limits(mut self, limits: ImapLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Resolve seed hosts with these servers (`--resolver`; default the system's).
    #[must_use]
    pub fn resolvers(mut self, servers: Vec<std::net::SocketAddr>) -> Self {
        self.resolver_servers = servers;
        self
    }

    fn describe_query(&self) -> String {
        match &self.query {
            SearchQuery::MessageId(id) => id.clone(),
            SearchQuery::Text { text, .. } => format!("text {text:?}"),
            SearchQuery::Criteria {
                subject,
                from,
                since,
            } => {
                let mut parts = Vec::new();
                if let Some(s) = subject {
                    parts.push(format!("subject {s:?}"));
                }
                if let Some(f) = from {
                    parts.push(format!("from {f:?}"));
                }
                if let Some((y, m, d)) = since {
                    parts.push(format!("since {y:04}-{m:02}-{d:02}"));
                }
                if parts.is_empty() {
                    "any message".into()
                } else {
                    parts.join(", ")
                }
            }
        }
    }

    /// Polls every seed (concurrently; one connection per mailbox at a time) until the
    /// message is found or the timeout passes.
    pub async fn run<R: Runtime>(&self, rt: &R) -> FollowResult {
        let started = rt.now();
        let deadline = started + self.timeout;
        let config = if self.resolver_servers.is_empty() {
            system_config()
        } else {
            smtping_proto::dns::ResolverConfig::new(self.resolver_servers.clone())
        };
        let resolver = Resolver::with_transport(config, rt.dns());
        let trust = match &self.trust {
            Some(t) => Ok(t.clone()),
            None => TrustStore::load(&self.tls).map_err(|e| e.to_string()),
        };
        let seeds = self.seeds.iter().map(|seed| {
            let trust = trust.clone();
            let resolver = &resolver;
            async move {
                match trust {
                    Ok(trust) => {
                        let endpoint = Endpoint {
                            resolver,
                            tls: &self.tls,
                            trust: &trust,
                            connect_to: &self.connect_to,
                        };
                        self.poll_seed(rt, &endpoint, seed, deadline).await
                    }
                    Err(e) => self.empty_result(
                        seed,
                        Some(SeedError {
                            step: "connect".into(),
                            kind: SeedErrorKind::Tls,
                            message: format!("cannot load the trust anchors: {e}"),
                        }),
                    ),
                }
            }
        });
        let bounce = async {
            let seed = self.bounce.as_ref()?;
            Some(match &trust {
                Ok(trust) => {
                    let endpoint = Endpoint {
                        resolver: &resolver,
                        tls: &self.tls,
                        trust,
                        connect_to: &self.connect_to,
                    };
                    self.poll_bounce(rt, &endpoint, seed, deadline).await
                }
                Err(e) => {
                    let mut r = BounceResult::failed(
                        seed.url.to_string(),
                        SeedError {
                            step: "connect".into(),
                            kind: SeedErrorKind::Tls,
                            message: format!("cannot load the trust anchors: {e}"),
                        },
                    );
                    r.ended_ms = 0;
                    r
                }
            })
        };
        // The seeds and the bounce watch run together; the follow-through ends when both do.
        let (seeds, bounce) = futures_util::future::join(join_all(seeds), bounce).await;
        FollowResult {
            query: self.describe_query(),
            seeds,
            bounce,
            elapsed_ms: millis(rt.now().saturating_duration_since(started)),
        }
    }

    fn empty_result(&self, seed: &Seed, error: Option<SeedError>) -> SeedResult {
        SeedResult {
            mailbox: seed.url.to_string(),
            found: false,
            folder: None,
            junk: false,
            latency_ms: None,
            uid: None,
            internal_date: None,
            header: None,
            headers: Vec::new(),
            received: Vec::new(),
            authentication_results: Vec::new(),
            folders_searched: Vec::new(),
            attempts: 0,
            polls_ms: Vec::new(),
            ended_ms: 0,
            tls: false,
            cleanup: None,
            error,
        }
    }

    fn plan(&self, seed: &Seed, left: Duration) -> SeedPlan {
        let mut plan = SeedPlan::new(seed.url.user(), seed.password.secret(), self.query.clone());
        plan.tls = match seed.url.scheme() {
            SeedScheme::Imaps => ImapTls::Implicit,
            SeedScheme::Imap => ImapTls::StartTls {
                require: self.require_tls,
            },
        };
        plan.allow_cleartext_auth = self.allow_cleartext_auth;
        plan.folders = seed.url.folder_choice();
        plan.cleanup = self.cleanup;
        plan.limits = self.limits;
        plan.limits.step_timeout = plan
            .limits
            .step_timeout
            .min(left.max(Duration::from_millis(1)));
        plan
    }

    async fn poll_seed<R: Runtime, T: crate::net::dns::DnsTransport>(
        &self,
        rt: &R,
        endpoint: &Endpoint<'_, T>,
        seed: &Seed,
        deadline: Instant,
    ) -> SeedResult {
        let mut result = self.empty_result(seed, None);
        let base = match self.sent_at {
            Some(SentAt::Instant(i)) => i,
            _ => rt.now(),
        };
        loop {
            let now = rt.now();
            let left = deadline.saturating_duration_since(now);
            if left.is_zero() {
                if result.error.is_none() {
                    result.error = Some(SeedError {
                        step: "search".into(),
                        kind: SeedErrorKind::NotFound,
                        message: format!(
                            "not found within {} s ({} poll{})",
                            self.timeout.as_secs(),
                            result.attempts,
                            if result.attempts == 1 { "" } else { "s" }
                        ),
                    });
                }
                result.ended_ms = millis(now.saturating_duration_since(base));
                return result;
            }
            result.attempts += 1;
            if result.polls_ms.len() < MAX_POLLS_KEPT {
                result
                    .polls_ms
                    .push(millis(now.saturating_duration_since(base)));
            }
            let session = SeedSession::new(self.plan(seed, left), now);
            let retry = match driver::attempt(rt, endpoint, &seed.url, session, deadline).await {
                Err(failure) => {
                    let (error, retry) = connect_error(failure);
                    result.error = Some(error);
                    retry
                }
                Ok(outcome) => {
                    let found_at = rt.now();
                    self.absorb(
                        &mut result,
                        outcome,
                        found_at,
                        seed.url.folders().is_empty(),
                    )
                }
            };
            if result.found || !retry {
                result.ended_ms = millis(rt.now().saturating_duration_since(base));
                return result;
            }
            let wait = self.schedule.wait(result.attempts);
            let next = (rt.now() + wait).min(deadline);
            rt.sleep_until(next).await;
        }
    }

    /// Folds one session's outcome into the result; returns whether polling should go on.
    fn absorb(
        &self,
        result: &mut SeedResult,
        outcome: SeedOutcome,
        found_at: Instant,
        auto_folders: bool,
    ) -> bool {
        result.tls = outcome.tls;
        result.folders_searched = outcome.folders_searched;
        result.cleanup = outcome.cleanup.map(|c| match c {
            Cleanup::Expunged => CleanupResult::Expunged,
            Cleanup::FlaggedOnly => CleanupResult::FlaggedOnly,
            Cleanup::Failed => CleanupResult::Failed,
        });
        let retry = match &outcome.error {
            None => {
                result.error = None;
                true
            }
            Some(e) => {
                let (error, retry) = seed_error(e);
                result.error = Some(error);
                retry
            }
        };
        if result.error.is_none() && !outcome.folder_errors.is_empty() && outcome.found.is_none() {
            let (folder, text) = &outcome.folder_errors[0];
            result.error = Some(SeedError {
                step: "examine".into(),
                kind: SeedErrorKind::Rejected,
                message: format!("the server would not open {folder:?}: {text}"),
            });
        }
        if let Some(found) = outcome.found {
            result.found = true;
            result.junk = if auto_folders {
                // Automatic folders are INBOX and the junk folders, nothing else.
                !found.folder.eq_ignore_ascii_case("INBOX")
            } else {
                is_junk_name(&found.folder)
            };
            result.folder = Some(found.folder);
            result.uid = Some(found.uid);
            result.internal_date = found.internal_date;
            result.latency_ms = self.sent_at.map(|s| match s {
                SentAt::Instant(i) => millis(found_at.saturating_duration_since(i)),
                SentAt::System(t) => {
                    millis(SystemTime::now().duration_since(t).unwrap_or_default())
                }
            });
            let text = String::from_utf8_lossy(&found.header).into_owned();
            result.headers = unfold_headers(&text);
            result.received = values(&result.headers, "Received");
            result.authentication_results = values(&result.headers, "Authentication-Results");
            result.header = Some(text);
        }
        retry
    }
}

/// A session's error as a seed error, and whether polling should go on.
fn seed_error(e: &smtping_proto::imap::ImapError) -> (SeedError, bool) {
    let kind = match (&e.kind, e.step) {
        (ImapErrorKind::Timeout, _) => SeedErrorKind::Timeout,
        (ImapErrorKind::Eof | ImapErrorKind::Io(_), _) => SeedErrorKind::Io,
        (ImapErrorKind::Tls(_), _) => SeedErrorKind::Tls,
        (ImapErrorKind::CleartextAuthRefused | ImapErrorKind::NoAuthMechanism, _) => {
            SeedErrorKind::Auth
        }
        (_, ImapStep::Login) => SeedErrorKind::Auth,
        (_, ImapStep::Cleanup) => SeedErrorKind::Cleanup,
        (ImapErrorKind::Rejected { .. }, _) => SeedErrorKind::Rejected,
        _ => SeedErrorKind::Protocol,
    };
    let error = SeedError {
        step: e.step.as_str().into(),
        kind,
        message: match &e.folder {
            Some(f) => format!("{} (folder {f:?})", e.kind),
            None => e.kind.to_string(),
        },
    };
    // Passing trouble is polled through; a refusal or a misbehaving server is not.
    (
        error,
        matches!(kind, SeedErrorKind::Timeout | SeedErrorKind::Io),
    )
}

/// A connection failure as a seed error, and whether polling should go on.
fn connect_error(failure: ConnectFailure) -> (SeedError, bool) {
    let (kind, message) = match failure {
        ConnectFailure::Resolve(m) | ConnectFailure::Connect(m) => (SeedErrorKind::Connect, m),
        ConnectFailure::Tls(m) => (SeedErrorKind::Tls, m),
        ConnectFailure::Timeout => (
            SeedErrorKind::Timeout,
            "the deadline passed while connecting".into(),
        ),
    };
    (
        SeedError {
            step: "connect".into(),
            kind,
            message,
        },
        kind == SeedErrorKind::Connect,
    )
}

fn is_junk_name(folder: &str) -> bool {
    smtping_proto::imap::JUNK_NAMES
        .iter()
        .any(|n| n.eq_ignore_ascii_case(folder))
        || folder.to_ascii_lowercase().contains("spam")
        || folder.to_ascii_lowercase().contains("junk")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn values(headers: &[HeaderField], name: &str) -> Vec<String> {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.clone())
        .collect()
}

/// The header fields of a header block, unfolded, in order; at most
/// [`MAX_HEADER_FIELDS`].
#[must_use]
pub fn unfold_headers(block: &str) -> Vec<HeaderField> {
    let mut out: Vec<HeaderField> = Vec::new();
    for line in block.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = out.last_mut() {
                if !last.value.is_empty() {
                    last.value.push(' ');
                }
                last.value.push_str(line.trim());
            }
            continue;
        }
        if out.len() >= MAX_HEADER_FIELDS {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push(HeaderField {
                name: name.trim().to_owned(),
                value: value.trim().to_owned(),
            });
        }
    }
    out
}
