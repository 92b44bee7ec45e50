//! What a seed session is asked to do, and what it reports.

use core::fmt;
use std::time::Duration;

use zeroize::{Zeroize, Zeroizing};

/// A mailbox password: zeroized on drop, never shown by `Debug`.
#[derive(Clone)]
pub struct ImapSecret(Zeroizing<String>);

impl ImapSecret {
    /// Wraps a password.
    #[must_use]
    pub fn new(password: String) -> Self {
        Self(Zeroizing::new(password))
    }

    /// The password (to build a command; never log it).
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ImapSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ImapSecret(****)")
    }
}

/// How the connection is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImapTls {
    /// The driver already completed a TLS handshake before the greeting (`imaps://`).
    Implicit,
    /// Cleartext connection; STARTTLS when the server offers it (`imap://`).
    StartTls {
        /// Refuse to go on when STARTTLS is not offered (`--require-tls`).
        require: bool,
    },
}

/// What to look for in each folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SearchQuery {
    /// `UID SEARCH HEADER Message-ID "<id>"` (angle brackets added when missing).
    MessageId(String),
    /// Every given criterion must match (`SUBJECT`, `FROM`, `SINCE`); none given means all.
    Criteria {
        /// Substring of the Subject header.
        subject: Option<String>,
        /// Substring of the From header.
        from: Option<String>,
        /// Internal date on or after this day (year, month, day).
        since: Option<(i32, u32, u32)>,
    },
    /// `UID SEARCH [SINCE <day>] TEXT "<text>"`: the candidates of a bounce watch. Each
    /// folder's newest hits (at most [`ImapLimits::max_candidates`]) are sized
    /// (`RFC822.SIZE`) and those within [`ImapLimits::max_message`] fetched whole
    /// (`BODY.PEEK[]`, never setting `\Seen`) into [`SeedOutcome::candidates`]. Build it
    /// with [`SearchQuery::text`], which refuses what cannot be searched for safely.
    Text {
        /// Text anywhere in the message (headers or body): the test message's Message-ID.
        text: String,
        /// Internal date on or after this day (year, month, day).
        since: Option<(i32, u32, u32)>,
    },
}

/// Why a [`SearchQuery::text`] cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Nothing to search for.
    #[error("the search text is empty")]
    Empty,
    /// CR, LF or NUL: it would end the command line (command injection).
    #[error("the search text holds a control character (CR, LF or NUL) at byte {0}")]
    ControlCharacter(usize),
    /// Longer than [`MAX_SEARCH_TEXT`] bytes.
    #[error("the search text is longer than {MAX_SEARCH_TEXT} bytes")]
    TooLong,
    /// Not a calendar date.
    #[error("{0:04}-{1:02}-{2:02} is not a date")]
    BadDate(i32, u32, u32),
}

/// The longest text a [`SearchQuery::Text`] may search for (a Message-ID is at most 998).
pub const MAX_SEARCH_TEXT: usize = 1000;

impl SearchQuery {
    /// A [`SearchQuery::Text`], checked: not empty, no CR/LF/NUL, at most
    /// [`MAX_SEARCH_TEXT`] bytes, a real date. Quotes and backslashes are allowed: the
    /// command quotes them.
    ///
    /// ```
    /// use smtping_proto::imap::{QueryError, SearchQuery};
    /// assert!(SearchQuery::text("<t1@example.org>", Some((2026, 12, 1))).is_ok());
    /// assert_eq!(
    ///     SearchQuery::text("x\r\nS9 DELETE INBOX", None),
    ///     Err(QueryError::ControlCharacter(1))
    /// );
    /// ```
    pub fn text(
        text: impl Into<String>,
        since: Option<(i32, u32, u32)>,
    ) -> Result<Self, QueryError> {
        let text = text.into();
        check_text(&text, since)?;
        Ok(Self::Text { text, since })
    }
}

/// The checks of [`SearchQuery::text`] (also applied when the session builds the command).
pub(crate) fn check_text(text: &str, since: Option<(i32, u32, u32)>) -> Result<(), QueryError> {
    if text.trim().is_empty() {
        return Err(QueryError::Empty);
    }
    if let Some(i) = text.bytes().position(|b| matches!(b, b'\r' | b'\n' | 0)) {
        return Err(QueryError::ControlCharacter(i));
    }
    if text.len() > MAX_SEARCH_TEXT {
        return Err(QueryError::TooLong);
    }
    if let Some((y, m, d)) = since
        && chrono::NaiveDate::from_ymd_opt(y, m, d).is_none()
    {
        return Err(QueryError::BadDate(y, m, d));
    }
    Ok(())
}

/// Which folders are searched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FolderChoice {
    /// Exactly these, in this order (the URL's list).
    Listed(Vec<String>),
    /// INBOX, then the `\Junk` special-use folders and the usual junk names found by LIST.
    Auto,
}

/// The usual names of junk folders, looked for when no `\Junk` attribute says which.
pub const JUNK_NAMES: &[&str] = &[
    "Junk",
    "Spam",
    "Junk E-mail",
    "[Gmail]/Spam",
    "INBOX.Junk",
    "INBOX.Spam",
];

/// Limits on what the server may send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImapLimits {
    /// Every byte read in the session (default 8 MiB).
    pub max_total_bytes: u64,
    /// One literal, the header block included (default 256 KiB).
    pub max_literal: u64,
    /// One line outside literals (default 64 KiB).
    pub max_line: usize,
    /// Untagged responses while one command runs (default 5,000).
    pub max_untagged: usize,
    /// Lines kept in the transcript (default 2,000).
    pub max_transcript: usize,
    /// Time allowed for each command's answer (default 30 s).
    pub step_timeout: Duration,
    /// One whole message fetched by a [`SearchQuery::Text`] watch (default 256 KiB);
    /// larger ones are skipped ([`SeedOutcome::skipped`]), never read.
    pub max_message: u64,
    /// Candidates sized and fetched per folder by a [`SearchQuery::Text`] watch, newest
    /// first (default 5).
    pub max_candidates: usize,
}

impl Default for ImapLimits {
    fn default() -> Self {
        Self {
            max_total_bytes: 8 * 1024 * 1024,
            max_literal: 256 * 1024,
            max_line: 64 * 1024,
            max_untagged: 5_000,
            max_transcript: 2_000,
            step_timeout: Duration::from_secs(30),
            max_message: 256 * 1024,
            max_candidates: 5,
        }
    }
}

/// Everything a seed session needs.
#[derive(Clone, Debug)]
pub struct SeedPlan {
    /// Login name.
    pub user: String,
    /// Password.
    pub password: ImapSecret,
    /// Connection protection.
    pub tls: ImapTls,
    /// Send credentials over a cleartext connection (off by default; tests only).
    pub allow_cleartext_auth: bool,
    /// Folders to search.
    pub folders: FolderChoice,
    /// What to look for.
    pub query: SearchQuery,
    /// Delete the message found (`UID EXPUNGE` only with UIDPLUS; else only flagged).
    pub cleanup: bool,
    /// Limits.
    pub limits: ImapLimits,
}

impl SeedPlan {
    /// A plan searching INBOX and the junk folders for `query`, with STARTTLS required.
    #[must_use]
    pub fn new(user: impl Into<String>, password: ImapSecret, query: SearchQuery) -> Self {
        Self {
            user: user.into(),
            password,
            tls: ImapTls::StartTls { require: true },
            allow_cleartext_auth: false,
            folders: FolderChoice::Auto,
            query,
            cleanup: false,
            limits: ImapLimits::default(),
        }
    }
}

/// The step of the dialogue an error happened in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImapStep {
    /// Waiting for the greeting.
    Greeting,
    /// CAPABILITY.
    Capability,
    /// STARTTLS and the handshake.
    Starttls,
    /// LOGIN or AUTHENTICATE.
    Login,
    /// LIST.
    List,
    /// EXAMINE.
    Examine,
    /// UID SEARCH.
    Search,
    /// UID FETCH.
    Fetch,
    /// SELECT, UID STORE, UID EXPUNGE.
    Cleanup,
    /// LOGOUT.
    Logout,
}

impl ImapStep {
    /// The step's word (`"greeting"`, `"starttls"`, …).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Greeting => "greeting",
            Self::Capability => "capability",
            Self::Starttls => "starttls",
            Self::Login => "login",
            Self::List => "list",
            Self::Examine => "examine",
            Self::Search => "search",
            Self::Fetch => "fetch",
            Self::Cleanup => "cleanup",
            Self::Logout => "logout",
        }
    }
}

impl fmt::Display for ImapStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the session failed (the step is in [`ImapError`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImapErrorKind {
    /// The step's answer did not come in time.
    Timeout,
    /// The server closed the connection.
    Eof,
    /// An I/O error (in words).
    Io(String),
    /// The server said NO, BAD or BYE (text redacted of the credentials).
    Rejected {
        /// `"NO"`, `"BAD"` or `"BYE"`.
        status: &'static str,
        /// The server's text.
        text: String,
    },
    /// Something the server sent is not valid IMAP, or not explained by the command running.
    Protocol(String),
    /// A limit was exceeded (which one, in words).
    LimitExceeded(String),
    /// STARTTLS is required but was not offered, or the handshake failed.
    Tls(String),
    /// Bytes arrived after the STARTTLS answer and before the handshake (injection).
    Injection,
    /// Credentials would go over a cleartext connection.
    CleartextAuthRefused,
    /// Neither AUTHENTICATE PLAIN nor LOGIN is allowed by the server.
    NoAuthMechanism,
    /// A folder or query cannot be put into a command.
    InvalidArgument(String),
}

impl fmt::Display for ImapErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("the server did not answer in time"),
            Self::Eof => f.write_str("the server closed the connection"),
            Self::Io(e) => write!(f, "I/O error: {e}"),
            Self::Rejected { status, text } => write!(f, "the server answered {status}: {text}"),
            Self::Protocol(e) => write!(f, "protocol error: {e}"),
            Self::LimitExceeded(e) => write!(f, "limit exceeded: {e}"),
            Self::Tls(e) => write!(f, "TLS: {e}"),
            Self::Injection => f.write_str(
                "bytes arrived after the STARTTLS answer and before the handshake \
                 (response injection); connection dropped",
            ),
            Self::CleartextAuthRefused => {
                f.write_str("refusing to send the password over a cleartext connection")
            }
            Self::NoAuthMechanism => f.write_str(
                "the server offers neither AUTHENTICATE PLAIN nor LOGIN (LOGINDISABLED)",
            ),
            Self::InvalidArgument(e) => write!(f, "invalid argument: {e}"),
        }
    }
}

/// A failed seed session: the step and the cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("IMAP {step}: {kind}")]
pub struct ImapError {
    /// Where.
    pub step: ImapStep,
    /// Why.
    pub kind: ImapErrorKind,
    /// The folder concerned, when there was one.
    pub folder: Option<String>,
}

/// The message found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundMessage {
    /// The folder it is in.
    pub folder: String,
    /// Its UID there.
    pub uid: u32,
    /// The server's INTERNALDATE, RFC 3339.
    pub internal_date: Option<String>,
    /// The INTERNALDATE as Unix seconds.
    pub internal_date_unix: Option<i64>,
    /// The header block (`BODY.PEEK[HEADER]`), at most [`ImapLimits::max_literal`] bytes.
    pub header: Vec<u8>,
    /// How many messages matched in that folder (the newest, highest UID, is reported).
    pub matches: usize,
}

/// A whole message fetched by a [`SearchQuery::Text`] watch (a bounce candidate).
#[derive(Clone, PartialEq, Eq)]
pub struct CandidateMessage {
    /// The folder it is in.
    pub folder: String,
    /// Its UID there.
    pub uid: u32,
    /// The server's INTERNALDATE, RFC 3339.
    pub internal_date: Option<String>,
    /// The INTERNALDATE as Unix seconds.
    pub internal_date_unix: Option<i64>,
    /// The whole message (`BODY.PEEK[]`), at most [`ImapLimits::max_message`] bytes.
    pub message: Vec<u8>,
}

impl fmt::Debug for CandidateMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The mailbox's content is not the session's to print.
        f.debug_struct("CandidateMessage")
            .field("folder", &self.folder)
            .field("uid", &self.uid)
            .field("internal_date", &self.internal_date)
            .field("bytes", &self.message.len())
            .finish_non_exhaustive()
    }
}

/// A candidate not fetched because it is larger than [`ImapLimits::max_message`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedMessage {
    /// The folder it is in.
    pub folder: String,
    /// Its UID there.
    pub uid: u32,
    /// Its `RFC822.SIZE`.
    pub size: u64,
}

/// What happened to the message when cleanup was asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cleanup {
    /// Flagged `\Deleted` and removed with `UID EXPUNGE` (UIDPLUS).
    Expunged,
    /// Flagged `\Deleted` only: the server lacks UIDPLUS and plain EXPUNGE would remove
    /// other deleted messages too.
    FlaggedOnly,
    /// The cleanup failed (the session's error says why).
    Failed,
}

/// The direction of a transcript line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    Sent,
    /// Server to client.
    Received,
}

/// One transcript line (credentials replaced by `****`, literals summarised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImapLine {
    /// Direction.
    pub direction: Direction,
    /// Whether TLS protected it.
    pub tls: bool,
    /// The text.
    pub text: String,
}

/// The end of a seed session.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SeedOutcome {
    /// The message, when found (not for [`SearchQuery::Text`]: see `candidates`).
    pub found: Option<FoundMessage>,
    /// The whole messages a [`SearchQuery::Text`] watch fetched, folder by folder, newest
    /// first in each.
    pub candidates: Vec<CandidateMessage>,
    /// The candidates larger than [`ImapLimits::max_message`], not fetched.
    pub skipped: Vec<SkippedMessage>,
    /// The folders searched, in order.
    pub folders_searched: Vec<String>,
    /// Listed folders the server refused to open (name, server text).
    pub folder_errors: Vec<(String, String)>,
    /// The cleanup, when asked and something was found.
    pub cleanup: Option<Cleanup>,
    /// The last capabilities seen.
    pub capabilities: Vec<String>,
    /// Whether the session ran under TLS.
    pub tls: bool,
    /// `"AUTHENTICATE PLAIN"`, `"LOGIN"` or `"PREAUTH"`, once authenticated.
    pub auth: Option<&'static str>,
    /// Why the session failed, when it did.
    pub error: Option<ImapError>,
    /// The dialogue.
    pub transcript: Vec<ImapLine>,
}

/// What a seed session tells its caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImapEvent {
    /// The greeting arrived.
    Greeting,
    /// Authenticated (by which means).
    Authenticated(&'static str),
    /// A folder is being searched.
    Searching(String),
    /// The message was found.
    Found {
        /// The folder.
        folder: String,
        /// Its UID.
        uid: u32,
    },
}

/// What to do next.
#[derive(Debug)]
pub enum ImapOutput {
    /// Write these bytes (they may hold credentials: never log them; zeroize after use).
    Transmit(Zeroizing<Vec<u8>>),
    /// Start the TLS handshake now, then call `handle_tls_established` or
    /// `handle_tls_failed`.
    StartTls,
    /// Something happened.
    Event(ImapEvent),
    /// Wait for input or the deadline (then call `handle_timeout`).
    Wait {
        /// When the current step times out.
        deadline: std::time::Instant,
    },
    /// Over: close the connection.
    Done(Box<SeedOutcome>),
}

/// Replaces every occurrence of each secret in `text` by `****`.
pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if !s.is_empty() && out.contains(s) {
            let mut replaced = out.replace(s, "****");
            core::mem::swap(&mut out, &mut replaced);
            replaced.zeroize();
        }
    }
    out
}
