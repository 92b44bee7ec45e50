//! The sans-IO IMAP side of the follow-through (issue 16): log in to a seed mailbox, look
//! for one message read-only, fetch only its header block, optionally delete it, log out.
//!
//! [`SeedSession`] is a state machine in the style of [`crate::session`]: the caller pushes
//! bytes ([`SeedSession::handle_input`]), end of stream, the TLS result and time in, and pulls
//! [`ImapOutput`]s out. The framing, literals and AUTHENTICATE flow are `imap-next`'s; the
//! commands are `imap-types` values (never text concatenated from user input). On top this
//! module enforces: a byte budget for the whole session, a size limit for one literal and
//! one line, a limit on untagged responses per command, a deadline per step, the
//! STARTTLS response-injection check, and credentials that never reach the transcript or an
//! error (even when a server echoes them back).
//!
//! The dialogue: greeting → CAPABILITY → STARTTLS (for [`ImapTls::StartTls`] when offered)
//! → CAPABILITY → AUTHENTICATE PLAIN (SASL-IR when offered) or LOGIN (unless LOGINDISABLED;
//! never in cleartext unless [`SeedPlan::allow_cleartext_auth`]) → LIST (for
//! [`FolderChoice::Auto`]) → per folder EXAMINE, UID SEARCH → UID FETCH (UID INTERNALDATE
//! BODY.PEEK\[HEADER\]) of the newest match → cleanup (SELECT, UID STORE +FLAGS.SILENT
//! (\Deleted), UID EXPUNGE only with UIDPLUS) → LOGOUT.
//!
//! A bounce watch ([`SearchQuery::Text`]) differs after the search: per folder the newest
//! hits (at most [`ImapLimits::max_candidates`]) are sized with `UID FETCH … (UID
//! RFC822.SIZE)`, and each within [`ImapLimits::max_message`] is fetched whole with `UID
//! FETCH n (UID INTERNALDATE BODY.PEEK[])` (never setting `\Seen`), one at a time, into
//! [`SeedOutcome::candidates`]; larger ones land in [`SeedOutcome::skipped`] unread. A
//! server that announces a larger literal than the size it gave ends the session with
//! [`ImapErrorKind::LimitExceeded`] before the bytes are buffered.
//!
//! ```
//! use std::time::Instant;
//! use smtping_proto::imap::{ImapOutput, ImapSecret, ImapTls, SearchQuery, SeedPlan, SeedSession};
//!
//! let mut plan = SeedPlan::new("alice", ImapSecret::new("s3cret".into()),
//!     SearchQuery::MessageId("<id@example.org>".into()));
//! plan.tls = ImapTls::Implicit;
//! let now = Instant::now();
//! let mut session = SeedSession::new(plan, now);
//! session.handle_input(b"* OK ready\r\n", now);
//! match session.poll_output() {
//!     ImapOutput::Event(_) => {}
//!     other => panic!("{other:?}"),
//! }
//! let ImapOutput::Transmit(bytes) = session.poll_output() else { panic!() };
//! assert_eq!(&bytes[..], b"S1 CAPABILITY\r\n");
//! ```

use std::collections::VecDeque;
use std::num::NonZeroU32;
use std::time::Instant;

use imap_next::client::{Client, Event, Options};
use imap_next::imap_types::auth::{AuthMechanism, AuthenticateData};
use imap_next::imap_types::command::{Command, CommandBody};
use imap_next::imap_types::core::{AString, Charset, Tag, Vec1};
use imap_next::imap_types::fetch::{
    MacroOrMessageDataItemNames, MessageDataItem, MessageDataItemName, Section,
};
use imap_next::imap_types::flag::{Flag, StoreResponse, StoreType};
use imap_next::imap_types::mailbox::Mailbox;
use imap_next::imap_types::response::{
    Capability, Code, Data, GreetingKind, Status, StatusBody, StatusKind,
};
use imap_next::imap_types::search::SearchKey;
use imap_next::imap_types::sequence::SequenceSet;
use imap_next::{Interrupt, Io, State};
use zeroize::Zeroizing;

mod types;

pub use types::{
    CandidateMessage, Cleanup, Direction, FolderChoice, FoundMessage, ImapError, ImapErrorKind,
    ImapEvent, ImapLimits, ImapLine, ImapOutput, ImapSecret, ImapStep, ImapTls, JUNK_NAMES,
    MAX_SEARCH_TEXT, QueryError, SearchQuery, SeedOutcome, SeedPlan, SkippedMessage,
};
use types::{check_text, redact};

#[cfg(test)]
mod tests;

/// Where the dialogue is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Greeting,
    Capability,
    StartTls,
    AwaitTls,
    Auth,
    List,
    Examine(usize),
    Search(usize),
    Fetch {
        folder: usize,
        uid: u32,
        matches: usize,
    },
    /// `UID FETCH … (UID RFC822.SIZE)` of a bounce watch's candidates (newest first).
    Sizes {
        folder: usize,
        uids: Vec<u32>,
    },
    /// `UID FETCH uid (UID INTERNALDATE BODY.PEEK[])`; `queue` is what comes after.
    Body {
        folder: usize,
        uid: u32,
        queue: Vec<u32>,
    },
    CleanupSelect,
    CleanupStore,
    CleanupExpunge,
    Logout,
    Done,
}

impl Phase {
    fn step(&self) -> ImapStep {
        match self {
            Self::Greeting => ImapStep::Greeting,
            Self::Capability => ImapStep::Capability,
            Self::StartTls | Self::AwaitTls => ImapStep::Starttls,
            Self::Auth => ImapStep::Login,
            Self::List => ImapStep::List,
            Self::Examine(_) => ImapStep::Examine,
            Self::Search(_) => ImapStep::Search,
            Self::Fetch { .. } | Self::Sizes { .. } | Self::Body { .. } => ImapStep::Fetch,
            Self::CleanupSelect | Self::CleanupStore | Self::CleanupExpunge => ImapStep::Cleanup,
            Self::Logout | Self::Done => ImapStep::Logout,
        }
    }
}

/// The IMAP framing as far as this module needs it: where lines end and how long a
/// literal is, so limits apply before the bytes are buffered and nothing is handed on
/// after a STARTTLS answer.
#[derive(Debug, Default)]
struct Framer {
    literal_remaining: u64,
    line: Vec<u8>,
    line_len: usize,
}

/// A seed-mailbox session; see the [module documentation](self).
pub struct SeedSession {
    plan: SeedPlan,
    client: Client,
    framer: Framer,
    phase: Phase,
    out: VecDeque<ImapOutput>,
    outcome: SeedOutcome,
    capabilities: Vec<String>,
    tag_counter: u32,
    current_tag: Option<String>,
    deadline: Instant,
    total_bytes: u64,
    untagged: usize,
    tls_active: bool,
    folders: Vec<String>,
    listed: Vec<(String, bool)>,
    search_hits: Vec<u32>,
    fetched: Option<FoundMessage>,
    sizes: Vec<(u32, u64)>,
    body_fetched: bool,
    plain_blob: Option<Zeroizing<Vec<u8>>>,
    plain_b64: Zeroizing<String>,
    transcript_full: bool,
    /// The latest time the caller gave.
    last_now: Instant,
}

impl core::fmt::Debug for SeedSession {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SeedSession")
            .field("user", &self.plan.user)
            .field("phase", &self.phase)
            .field("tls_active", &self.tls_active)
            .finish_non_exhaustive()
    }
}

fn client_for(limits: &ImapLimits, discard_greeting: bool) -> Client {
    let mut options = Options::default();
    options.crlf_relaxed = true;
    // One response holds at most one literal of interest plus its envelope.
    options.max_response_size = u32::try_from(limits.max_literal.max(limits.max_message))
        .unwrap_or(u32::MAX)
        .saturating_add(u32::try_from(limits.max_line).unwrap_or(u32::MAX))
        .saturating_add(1024);
    options.discard_greeting = discard_greeting;
    Client::new(options)
}

/// The `{N}` or `{N+}` at the end of a line (without its CRLF), if any.
fn literal_announcement(line: &[u8]) -> Option<u64> {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|b| *b == b'{')?;
    let digits = &inner[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    core::str::from_utf8(digits).ok()?.parse().ok()
}

fn status_word(kind: StatusKind) -> &'static str {
    match kind {
        StatusKind::Ok => "OK",
        StatusKind::No => "NO",
        StatusKind::Bad => "BAD",
    }
}

impl SeedSession {
    /// A session that waits for the server's greeting (after the TLS handshake for
    /// [`ImapTls::Implicit`]).
    #[must_use]
    pub fn new(plan: SeedPlan, now: Instant) -> Self {
        let client = client_for(&plan.limits, false);
        let tls_active = plan.tls == ImapTls::Implicit;
        let deadline = now + plan.limits.step_timeout;
        let mut blob = Zeroizing::new(Vec::new());
        blob.push(0);
        blob.extend_from_slice(plan.user.as_bytes());
        blob.push(0);
        blob.extend_from_slice(plan.password.expose().as_bytes());
        let plain_b64 = Zeroizing::new(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            &blob[..],
        ));
        Self {
            client,
            framer: Framer::default(),
            phase: Phase::Greeting,
            out: VecDeque::new(),
            outcome: SeedOutcome {
                tls: tls_active,
                ..SeedOutcome::default()
            },
            capabilities: Vec::new(),
            tag_counter: 0,
            current_tag: None,
            deadline,
            total_bytes: 0,
            untagged: 0,
            tls_active,
            folders: Vec::new(),
            listed: Vec::new(),
            search_hits: Vec::new(),
            fetched: None,
            sizes: Vec::new(),
            body_fetched: false,
            plain_blob: Some(blob),
            plain_b64,
            transcript_full: false,
            last_now: now,
            plan,
        }
    }

    /// Whether the session is over.
    #[must_use]
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// The next thing to do. Call until [`ImapOutput::Wait`] or [`ImapOutput::Done`].
    pub fn poll_output(&mut self) -> ImapOutput {
        if self.out.is_empty() && self.phase != Phase::Done && self.phase != Phase::AwaitTls {
            self.pump();
        }
        if let Some(o) = self.out.pop_front() {
            return o;
        }
        if self.phase == Phase::Done {
            // Done was handed out already; keep answering with an empty outcome.
            return ImapOutput::Done(Box::default());
        }
        ImapOutput::Wait {
            deadline: self.deadline,
        }
    }

    /// Bytes read from the server (any split).
    pub fn handle_input(&mut self, bytes: &[u8], now: Instant) {
        self.last_now = now;
        if self.phase == Phase::Done {
            return;
        }
        if self.phase == Phase::AwaitTls {
            if !bytes.is_empty() {
                self.fail(ImapErrorKind::Injection);
            }
            return;
        }
        self.total_bytes = self.total_bytes.saturating_add(bytes.len() as u64);
        if self.total_bytes > self.plan.limits.max_total_bytes {
            let limit = self.plan.limits.max_total_bytes;
            self.fail(ImapErrorKind::LimitExceeded(format!(
                "the server sent more than {limit} bytes in this session"
            )));
            return;
        }
        let mut rest = bytes;
        while !rest.is_empty() {
            if self.phase == Phase::Done {
                return;
            }
            if self.phase == Phase::AwaitTls {
                self.fail(ImapErrorKind::Injection);
                return;
            }
            if self.framer.literal_remaining > 0 {
                let n = usize::try_from(self.framer.literal_remaining)
                    .unwrap_or(usize::MAX)
                    .min(rest.len());
                self.client.enqueue_input(&rest[..n]);
                self.framer.literal_remaining -= n as u64;
                rest = &rest[n..];
                continue;
            }
            let (chunk, complete) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..=i], true),
                None => (rest, false),
            };
            rest = &rest[chunk.len()..];
            self.framer.line_len += chunk.len();
            if self.framer.line_len > self.plan.limits.max_line {
                let limit = self.plan.limits.max_line;
                self.fail(ImapErrorKind::LimitExceeded(format!(
                    "a line longer than {limit} bytes"
                )));
                return;
            }
            self.framer.line.extend_from_slice(chunk);
            self.client.enqueue_input(chunk);
            if complete {
                self.line_complete(now);
            }
        }
    }

    fn line_complete(&mut self, now: Instant) {
        let line = core::mem::take(&mut self.framer.line);
        self.framer.line_len = 0;
        let announced = literal_announcement(&line);
        let text = String::from_utf8_lossy(&line);
        // Redacted before it is cut, so no part of a secret survives the cut.
        let mut text = self.redact(text.trim_end_matches(['\r', '\n']));
        if let Some(n) = announced {
            let limit = self.literal_limit();
            if n > limit {
                self.fail(ImapErrorKind::LimitExceeded(format!(
                    "a literal of {n} bytes (limit {limit})"
                )));
                return;
            }
            self.framer.literal_remaining = n;
            text.push_str(" …");
        }
        if text.len() > 1024 {
            let mut cut = 1024;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            text.push('…');
        }
        self.record(Direction::Received, &text);
        if announced.is_some() {
            return;
        }
        self.pump_at(now);
    }

    /// The largest literal the current step may receive: a whole message while fetching a
    /// bounce candidate, else [`ImapLimits::max_literal`].
    fn literal_limit(&self) -> u64 {
        match self.phase {
            Phase::Body { .. } => self.plan.limits.max_message,
            _ => self.plan.limits.max_literal,
        }
    }

    fn record(&mut self, direction: Direction, text: &str) {
        if self.transcript_full {
            return;
        }
        if self.outcome.transcript.len() >= self.plan.limits.max_transcript {
            self.transcript_full = true;
            self.outcome.transcript.push(ImapLine {
                direction,
                tls: self.tls_active,
                text: "… (transcript truncated)".into(),
            });
            return;
        }
        let text = self.redact(text);
        self.outcome.transcript.push(ImapLine {
            direction,
            tls: self.tls_active,
            text,
        });
    }

    fn redact(&self, text: &str) -> String {
        redact(text, &[self.plan.password.expose(), &self.plain_b64])
    }

    /// The server closed the connection.
    pub fn handle_eof(&mut self, _now: Instant) {
        match self.phase {
            Phase::Done => {}
            Phase::Logout => self.finish(),
            _ => self.fail(ImapErrorKind::Eof),
        }
    }

    /// Reading or writing failed.
    pub fn handle_io_error(&mut self, reason: &str, _now: Instant) {
        if self.phase == Phase::Logout {
            self.finish();
        } else if self.phase != Phase::Done {
            self.fail(ImapErrorKind::Io(reason.to_owned()));
        }
    }

    /// Time passed: fails the current step once its deadline has passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.phase != Phase::Done && now >= self.deadline {
            if self.phase == Phase::Logout {
                self.finish();
            } else {
                self.fail(ImapErrorKind::Timeout);
            }
        }
    }

    /// The handshake asked for by [`ImapOutput::StartTls`] completed.
    pub fn handle_tls_established(&mut self, now: Instant) {
        self.last_now = now;
        if self.phase != Phase::AwaitTls {
            return;
        }
        self.tls_active = true;
        self.outcome.tls = true;
        self.capabilities.clear();
        self.client = client_for(&self.plan.limits, true);
        self.framer = Framer::default();
        self.send(
            now,
            Phase::Capability,
            CommandBody::Capability,
            "CAPABILITY",
        );
    }

    /// The handshake failed.
    pub fn handle_tls_failed(&mut self, reason: &str, _now: Instant) {
        if self.phase != Phase::Done {
            self.phase = Phase::AwaitTls;
            self.fail(ImapErrorKind::Tls(reason.to_owned()));
        }
    }

    fn pump(&mut self) {
        let now = self.last_now;
        self.pump_at(now);
    }

    fn pump_at(&mut self, now: Instant) {
        loop {
            if matches!(self.phase, Phase::Done | Phase::AwaitTls) {
                return;
            }
            match self.client.next() {
                Ok(event) => self.on_event(event, now),
                Err(Interrupt::Io(Io::Output(bytes))) => {
                    self.out
                        .push_back(ImapOutput::Transmit(Zeroizing::new(bytes)));
                }
                Err(Interrupt::Io(Io::NeedMoreInput)) => return,
                Err(Interrupt::Error(e)) => {
                    let kind = match e {
                        imap_next::client::Error::ResponseTooLong { .. } => {
                            ImapErrorKind::LimitExceeded("a response too long".into())
                        }
                        other => ImapErrorKind::Protocol(other.to_string()),
                    };
                    self.fail(kind);
                    return;
                }
            }
        }
    }

    fn next_tag(&mut self) -> String {
        self.tag_counter += 1;
        format!("S{}", self.tag_counter)
    }

    fn send(&mut self, now: Instant, phase: Phase, body: CommandBody<'static>, shown: &str) {
        let tag = self.next_tag();
        let command = match Tag::try_from(tag.clone()) {
            Ok(t) => Command { tag: t, body },
            Err(e) => {
                self.fail(ImapErrorKind::Protocol(e.to_string()));
                return;
            }
        };
        if shown.contains("****") {
            self.record(Direction::Sent, &format!("{tag} {shown}"));
        } else {
            // What goes on the wire (literals included as sent), not a rendering.
            let wire =
                imap_codec::encode::Encoder::encode(&imap_codec::CommandCodec::default(), &command)
                    .dump();
            let text = String::from_utf8_lossy(&wire);
            let text = text.trim_end_matches(['\r', '\n']).to_owned();
            self.record(Direction::Sent, &text);
        }
        self.phase = phase;
        self.current_tag = Some(tag);
        self.untagged = 0;
        self.deadline = now + self.plan.limits.step_timeout;
        let _ = self.client.enqueue_command(command);
    }

    fn fail(&mut self, kind: ImapErrorKind) {
        if self.phase == Phase::Done {
            return;
        }
        let step = self.phase.step();
        let folder = match &self.phase {
            Phase::Examine(i)
            | Phase::Search(i)
            | Phase::Fetch { folder: i, .. }
            | Phase::Sizes { folder: i, .. }
            | Phase::Body { folder: i, .. } => self.folders.get(*i).cloned(),
            Phase::CleanupSelect | Phase::CleanupStore | Phase::CleanupExpunge => {
                self.fetched.as_ref().map(|f| f.folder.clone())
            }
            _ => None,
        };
        let kind = match kind {
            ImapErrorKind::Rejected { status, text } => ImapErrorKind::Rejected {
                status,
                text: self.redact(&text),
            },
            ImapErrorKind::Protocol(t) => ImapErrorKind::Protocol(self.redact(&t)),
            other => other,
        };
        if step == ImapStep::Cleanup {
            self.outcome.cleanup = Some(Cleanup::Failed);
        }
        self.outcome.error = Some(ImapError { step, kind, folder });
        self.finish();
    }

    fn finish(&mut self) {
        if self.phase == Phase::Done {
            return;
        }
        self.phase = Phase::Done;
        self.outcome.found = self.fetched.take();
        self.outcome.capabilities = self.capabilities.clone();
        self.outcome.folders_searched.dedup();
        self.plain_blob = None;
        let outcome = core::mem::take(&mut self.outcome);
        self.out.push_back(ImapOutput::Done(Box::new(outcome)));
    }

    fn has_cap(&self, name: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(name))
    }

    fn set_caps(&mut self, caps: &Vec1<Capability<'_>>) {
        self.capabilities = caps.as_ref().iter().map(ToString::to_string).collect();
    }

    fn count_untagged(&mut self) -> bool {
        self.untagged += 1;
        if self.untagged > self.plan.limits.max_untagged {
            let limit = self.plan.limits.max_untagged;
            self.fail(ImapErrorKind::LimitExceeded(format!(
                "more than {limit} untagged responses to one command"
            )));
            return false;
        }
        true
    }

    fn on_event(&mut self, event: Event, now: Instant) {
        match event {
            Event::GreetingReceived { greeting } => {
                if self.phase != Phase::Greeting {
                    self.fail(ImapErrorKind::Protocol("a second greeting".into()));
                    return;
                }
                if let Some(Code::Capability(caps)) = &greeting.code {
                    self.set_caps(caps);
                }
                self.out.push_back(ImapOutput::Event(ImapEvent::Greeting));
                match greeting.kind {
                    GreetingKind::Bye => self.fail(ImapErrorKind::Rejected {
                        status: "BYE",
                        text: greeting.text.to_string(),
                    }),
                    GreetingKind::PreAuth => {
                        if !self.tls_active
                            && matches!(self.plan.tls, ImapTls::StartTls { require: true })
                        {
                            self.fail(ImapErrorKind::Tls(
                                "the server pre-authenticated a cleartext connection, \
                                 STARTTLS is no longer possible"
                                    .into(),
                            ));
                            return;
                        }
                        self.outcome.auth = Some("PREAUTH");
                        self.after_auth(now);
                    }
                    GreetingKind::Ok => {
                        self.send(
                            now,
                            Phase::Capability,
                            CommandBody::Capability,
                            "CAPABILITY",
                        );
                    }
                }
            }
            Event::CommandSent { .. } | Event::AuthenticateStarted { .. } => {}
            Event::CommandRejected { status, .. } => self.on_status(status, now),
            Event::AuthenticateContinuationRequestReceived { .. } => {
                let blob = self
                    .plain_blob
                    .as_ref()
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                if self
                    .client
                    .set_authenticate_data(AuthenticateData::r#continue(blob))
                    .is_err()
                {
                    self.fail(ImapErrorKind::Protocol(
                        "an unexpected continuation request".into(),
                    ));
                }
            }
            Event::AuthenticateStatusReceived { status, .. } => self.on_status(status, now),
            Event::IdleCommandSent { .. }
            | Event::IdleAccepted { .. }
            | Event::IdleRejected { .. }
            | Event::IdleDoneSent { .. }
            | Event::ContinuationRequestReceived { .. } => {
                self.fail(ImapErrorKind::Protocol(
                    "a continuation request no command asked for".into(),
                ));
            }
            Event::DataReceived { data } => {
                if self.count_untagged() {
                    self.on_data(data);
                }
            }
            Event::StatusReceived { status } => self.on_status(status, now),
        }
    }

    fn on_data(&mut self, data: Data<'static>) {
        match data {
            Data::Capability(caps) => self.set_caps(&caps),
            Data::Exists(_) | Data::Recent(_) | Data::Flags(_) | Data::Expunge(_) => {}
            Data::List { items, mailbox, .. } if self.phase == Phase::List => {
                let name = mailbox_name(&mailbox);
                let junk = items
                    .iter()
                    .any(|i| i.to_string().eq_ignore_ascii_case("\\Junk"));
                let noselect = items.iter().any(|i| {
                    let s = i.to_string();
                    s.eq_ignore_ascii_case("\\Noselect") || s.eq_ignore_ascii_case("\\NonExistent")
                });
                if !noselect && self.listed.len() < 10_000 {
                    self.listed.push((name, junk));
                }
            }
            Data::Search(uids, ..) if matches!(self.phase, Phase::Search(_)) => {
                if self.search_hits.len() + uids.len() > 100_000 {
                    self.fail(ImapErrorKind::LimitExceeded(
                        "more than 100000 search results".into(),
                    ));
                    return;
                }
                self.search_hits.extend(uids.iter().map(|u| u.get()));
            }
            Data::Fetch { items, .. } => self.on_fetch(items),
            other => {
                let what = self.redact(&format!("{other:?}"));
                let what: String = what.chars().take(60).collect();
                self.fail(ImapErrorKind::Protocol(format!(
                    "an untagged response the {} step does not explain: {what}",
                    self.phase.step()
                )));
            }
        }
    }

    fn on_fetch(&mut self, items: Vec1<MessageDataItem<'static>>) {
        if matches!(self.phase, Phase::Sizes { .. } | Phase::Body { .. }) {
            self.on_candidate_fetch(items);
            return;
        }
        let Phase::Fetch {
            folder,
            uid,
            matches,
        } = self.phase.clone()
        else {
            // Unsolicited FETCH (flag changes) may come at any time; anything else may not.
            if items
                .as_ref()
                .iter()
                .all(|i| matches!(i, MessageDataItem::Flags(_) | MessageDataItem::Uid(_)))
            {
                return;
            }
            self.fail(ImapErrorKind::Protocol(format!(
                "a FETCH response during the {} step",
                self.phase.step()
            )));
            return;
        };
        let mut got_uid = None;
        let mut header = None;
        let mut date = None;
        for item in items.into_iter() {
            match item {
                MessageDataItem::Uid(u) => got_uid = Some(u.get()),
                MessageDataItem::BodyExt {
                    section: Some(Section::Header(None)),
                    data,
                    ..
                } => {
                    header = Some(
                        data.into_option()
                            .map(|c| c.into_owned())
                            .unwrap_or_default(),
                    )
                }
                MessageDataItem::InternalDate(d) => date = Some(d),
                _ => {}
            }
        }
        if got_uid != Some(uid) {
            if header.is_none() {
                return; // a flag update for another message
            }
            self.fail(ImapErrorKind::Protocol(format!(
                "a header block for UID {got_uid:?}, asked for UID {uid}"
            )));
            return;
        }
        let Some(header) = header else { return };
        if header.len() as u64 > self.plan.limits.max_literal {
            self.fail(ImapErrorKind::LimitExceeded("the header block".into()));
            return;
        }
        self.fetched = Some(FoundMessage {
            folder: self.folders.get(folder).cloned().unwrap_or_default(),
            uid,
            internal_date: date.as_ref().map(|d| d.as_ref().to_rfc3339()),
            internal_date_unix: date.as_ref().map(|d| d.as_ref().timestamp()),
            header,
            matches,
        });
    }

    fn on_status(&mut self, status: Status<'static>, now: Instant) {
        match status {
            Status::Untagged(body) => {
                if self.count_untagged()
                    && let Some(Code::Capability(caps)) = &body.code
                {
                    self.set_caps(caps);
                }
            }
            Status::Bye(bye) => {
                if self.phase == Phase::Logout {
                    return;
                }
                self.fail(ImapErrorKind::Rejected {
                    status: "BYE",
                    text: bye.text.to_string(),
                });
            }
            Status::Tagged(tagged) => {
                let tag: &str = tagged.tag.as_ref();
                if self.current_tag.as_deref() != Some(tag) {
                    self.fail(ImapErrorKind::Protocol(format!(
                        "an answer tagged {tag:?} to no command of ours"
                    )));
                    return;
                }
                self.current_tag = None;
                self.on_tagged(tagged.body, now);
            }
        }
    }

    fn on_tagged(&mut self, body: StatusBody<'static>, now: Instant) {
        if let Some(Code::Capability(caps)) = &body.code {
            self.set_caps(caps);
        }
        let ok = body.kind == StatusKind::Ok;
        let rejected = || ImapErrorKind::Rejected {
            status: status_word(body.kind),
            text: body.text.to_string(),
        };
        match self.phase.clone() {
            Phase::Greeting | Phase::AwaitTls | Phase::Done => {}
            Phase::Capability => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                self.after_capability(now);
            }
            Phase::StartTls => {
                if !ok {
                    if matches!(self.plan.tls, ImapTls::StartTls { require: true }) {
                        self.fail(rejected());
                    } else {
                        self.authenticate(now);
                    }
                    return;
                }
                self.phase = Phase::AwaitTls;
                self.deadline = now + self.plan.limits.step_timeout;
                self.out.push_back(ImapOutput::StartTls);
            }
            Phase::Auth => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                self.after_auth(now);
            }
            Phase::List => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                self.choose_folders();
                self.examine(now, 0);
            }
            Phase::Examine(i) => {
                if !ok {
                    let name = self.folders.get(i).cloned().unwrap_or_default();
                    let text = self.redact(body.text.as_ref());
                    self.outcome.folder_errors.push((name, text));
                    self.examine(now, i + 1);
                    return;
                }
                self.search(now, i);
            }
            Phase::Search(i) => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                let hits = core::mem::take(&mut self.search_hits);
                if matches!(self.plan.query, SearchQuery::Text { .. }) {
                    self.size_candidates(now, i, hits);
                    return;
                }
                match hits.iter().max().and_then(|u| NonZeroU32::new(*u)) {
                    None => self.examine(now, i + 1),
                    Some(uid) => self.fetch(now, i, uid, hits.len()),
                }
            }
            Phase::Fetch { folder, uid, .. } => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                if self.fetched.is_none() {
                    // Expunged between SEARCH and FETCH: go on with the next folder.
                    self.examine(now, folder + 1);
                    return;
                }
                self.out.push_back(ImapOutput::Event(ImapEvent::Found {
                    folder: self.folders.get(folder).cloned().unwrap_or_default(),
                    uid,
                }));
                if self.plan.cleanup {
                    let name = self.folders.get(folder).cloned().unwrap_or_default();
                    match Mailbox::try_from(name.clone()) {
                        Ok(m) => self.send(
                            now,
                            Phase::CleanupSelect,
                            CommandBody::select(m).unwrap_or(CommandBody::Noop),
                            &format!("SELECT {}", quote(&name)),
                        ),
                        Err(e) => self.fail(ImapErrorKind::InvalidArgument(e.to_string())),
                    }
                } else {
                    self.logout(now);
                }
            }
            Phase::Sizes { folder, uids } => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                let sizes = core::mem::take(&mut self.sizes);
                let mut queue = Vec::new();
                for uid in uids {
                    // No size: expunged since the search.
                    let Some((_, size)) = sizes.iter().find(|(u, _)| *u == uid) else {
                        continue;
                    };
                    if *size > self.plan.limits.max_message {
                        self.outcome.skipped.push(SkippedMessage {
                            folder: self.folders.get(folder).cloned().unwrap_or_default(),
                            uid,
                            size: *size,
                        });
                    } else {
                        queue.push(uid);
                    }
                }
                queue.reverse(); // popped from the end: newest first
                self.next_body(now, folder, queue);
            }
            Phase::Body { folder, queue, .. } => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                self.next_body(now, folder, queue);
            }
            Phase::CleanupSelect => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                let uid = self.fetched.as_ref().map_or(0, |f| f.uid);
                let Some(uid) = NonZeroU32::new(uid) else {
                    self.logout(now);
                    return;
                };
                match CommandBody::store(
                    SequenceSet::from(uid),
                    StoreType::Add,
                    StoreResponse::Silent,
                    vec![Flag::Deleted],
                    true,
                ) {
                    Ok(body) => self.send(
                        now,
                        Phase::CleanupStore,
                        body,
                        &format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"),
                    ),
                    Err(e) => self.fail(ImapErrorKind::InvalidArgument(format!("{e:?}"))),
                }
            }
            Phase::CleanupStore => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                let uid = self.fetched.as_ref().map_or(0, |f| f.uid);
                match NonZeroU32::new(uid) {
                    Some(uid) if self.has_cap("UIDPLUS") => self.send(
                        now,
                        Phase::CleanupExpunge,
                        CommandBody::ExpungeUid {
                            sequence_set: SequenceSet::from(uid),
                        },
                        &format!("UID EXPUNGE {uid}"),
                    ),
                    _ => {
                        self.outcome.cleanup = Some(Cleanup::FlaggedOnly);
                        self.logout(now);
                    }
                }
            }
            Phase::CleanupExpunge => {
                if !ok {
                    self.fail(rejected());
                    return;
                }
                self.outcome.cleanup = Some(Cleanup::Expunged);
                self.logout(now);
            }
            Phase::Logout => self.finish(),
        }
    }

    fn after_capability(&mut self, now: Instant) {
        if !self.tls_active
            && let ImapTls::StartTls { require } = self.plan.tls
        {
            if self.has_cap("STARTTLS") {
                self.send(now, Phase::StartTls, CommandBody::StartTLS, "STARTTLS");
                return;
            }
            if require {
                self.phase = Phase::StartTls;
                self.fail(ImapErrorKind::Tls(
                    "the server does not offer STARTTLS and TLS is required".into(),
                ));
                return;
            }
        }
        self.authenticate(now);
    }

    fn authenticate(&mut self, now: Instant) {
        if !self.tls_active && !self.plan.allow_cleartext_auth {
            self.phase = Phase::Auth;
            self.fail(ImapErrorKind::CleartextAuthRefused);
            return;
        }
        if self.has_cap("AUTH=PLAIN") {
            self.outcome.auth = Some("AUTHENTICATE PLAIN");
            let body = if self.has_cap("SASL-IR") {
                let blob = self
                    .plain_blob
                    .as_ref()
                    .map(|b| b.to_vec())
                    .unwrap_or_default();
                CommandBody::authenticate_with_ir(AuthMechanism::Plain, blob)
            } else {
                CommandBody::authenticate(AuthMechanism::Plain)
            };
            self.send(now, Phase::Auth, body, "AUTHENTICATE PLAIN ****");
            return;
        }
        if self.has_cap("LOGINDISABLED") {
            self.phase = Phase::Auth;
            self.fail(ImapErrorKind::NoAuthMechanism);
            return;
        }
        self.outcome.auth = Some("LOGIN");
        let user = self.plan.user.clone();
        let password = self.plan.password.expose().to_owned();
        match CommandBody::login(user.clone(), password) {
            Ok(body) => self.send(
                now,
                Phase::Auth,
                body,
                &format!("LOGIN {} ****", atom_or_quote(&user)),
            ),
            Err(_) => {
                self.phase = Phase::Auth;
                self.fail(ImapErrorKind::InvalidArgument(
                    "the user name or password cannot be sent with LOGIN".into(),
                ));
            }
        }
    }

    fn after_auth(&mut self, now: Instant) {
        if let Some(auth) = self.outcome.auth {
            self.out
                .push_back(ImapOutput::Event(ImapEvent::Authenticated(auth)));
        }
        self.plain_blob = None;
        match &self.plan.folders {
            FolderChoice::Listed(list) => {
                self.folders = list.clone();
                self.examine(now, 0);
            }
            FolderChoice::Auto => match CommandBody::list("", "*") {
                Ok(body) => self.send(now, Phase::List, body, "LIST \"\" \"*\""),
                Err(e) => self.fail(ImapErrorKind::InvalidArgument(format!("{e:?}"))),
            },
        }
    }

    fn choose_folders(&mut self) {
        let mut folders = vec!["INBOX".to_owned()];
        for (name, junk) in &self.listed {
            if *junk && !folders.iter().any(|f| f.eq_ignore_ascii_case(name)) {
                folders.push(name.clone());
            }
        }
        for wanted in JUNK_NAMES {
            if let Some((name, _)) = self
                .listed
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(wanted))
                && !folders.iter().any(|f| f.eq_ignore_ascii_case(name))
            {
                folders.push(name.clone());
            }
        }
        self.folders = folders;
    }

    fn examine(&mut self, now: Instant, index: usize) {
        let Some(name) = self.folders.get(index).cloned() else {
            self.logout(now);
            return;
        };
        let body = match Mailbox::try_from(name.clone())
            .map(|m| CommandBody::examine(m).unwrap_or(CommandBody::Noop))
        {
            Ok(b) => b,
            Err(e) => {
                self.outcome
                    .folder_errors
                    .push((name, format!("not a valid mailbox name: {e}")));
                self.examine(now, index + 1);
                return;
            }
        };
        self.outcome.folders_searched.push(name.clone());
        self.out
            .push_back(ImapOutput::Event(ImapEvent::Searching(name.clone())));
        self.send(
            now,
            Phase::Examine(index),
            body,
            &format!("EXAMINE {}", quote(&name)),
        );
    }

    fn search(&mut self, now: Instant, index: usize) {
        self.search_hits.clear();
        let (keys, shown, utf8) = match search_keys(&self.plan.query) {
            Ok(k) => k,
            Err(e) => {
                self.phase = Phase::Search(index);
                self.fail(ImapErrorKind::InvalidArgument(e));
                return;
            }
        };
        let charset = if utf8 {
            Charset::try_from("UTF-8").ok()
        } else {
            None
        };
        let shown = if utf8 {
            format!("UID SEARCH CHARSET UTF-8 {shown}")
        } else {
            format!("UID SEARCH {shown}")
        };
        self.send(
            now,
            Phase::Search(index),
            CommandBody::search(charset, keys, true),
            &shown,
        );
    }

    fn fetch(&mut self, now: Instant, folder: usize, uid: NonZeroU32, matches: usize) {
        let items = MacroOrMessageDataItemNames::MessageDataItemNames(vec![
            MessageDataItemName::Uid,
            MessageDataItemName::InternalDate,
            MessageDataItemName::BodyExt {
                section: Some(Section::Header(None)),
                partial: None,
                peek: true,
            },
        ]);
        match CommandBody::fetch(SequenceSet::from(uid), items, true) {
            Ok(body) => self.send(
                now,
                Phase::Fetch {
                    folder,
                    uid: uid.get(),
                    matches,
                },
                body,
                &format!("UID FETCH {uid} (UID INTERNALDATE BODY.PEEK[HEADER])"),
            ),
            Err(e) => self.fail(ImapErrorKind::InvalidArgument(format!("{e:?}"))),
        }
    }

    fn logout(&mut self, now: Instant) {
        self.send(now, Phase::Logout, CommandBody::Logout, "LOGOUT");
    }

    /// A bounce watch's search answered: size its newest hits, or go on.
    fn size_candidates(&mut self, now: Instant, folder: usize, mut hits: Vec<u32>) {
        hits.sort_unstable_by(|a, b| b.cmp(a));
        hits.dedup();
        hits.truncate(self.plan.limits.max_candidates);
        let set: Vec<NonZeroU32> = hits.iter().filter_map(|u| NonZeroU32::new(*u)).collect();
        let Ok(sequence) = SequenceSet::try_from(set) else {
            self.examine(now, folder + 1);
            return;
        };
        let shown = hits
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let items = MacroOrMessageDataItemNames::MessageDataItemNames(vec![
            MessageDataItemName::Uid,
            MessageDataItemName::Rfc822Size,
        ]);
        self.sizes.clear();
        match CommandBody::fetch(sequence, items, true) {
            Ok(body) => self.send(
                now,
                Phase::Sizes { folder, uids: hits },
                body,
                &format!("UID FETCH {shown} (UID RFC822.SIZE)"),
            ),
            Err(e) => self.fail(ImapErrorKind::InvalidArgument(format!("{e:?}"))),
        }
    }

    /// Fetches the next candidate of `queue` whole, or goes on with the next folder.
    fn next_body(&mut self, now: Instant, folder: usize, mut queue: Vec<u32>) {
        let Some(uid) = queue.pop().and_then(NonZeroU32::new) else {
            self.examine(now, folder + 1);
            return;
        };
        let items = MacroOrMessageDataItemNames::MessageDataItemNames(vec![
            MessageDataItemName::Uid,
            MessageDataItemName::InternalDate,
            MessageDataItemName::BodyExt {
                section: None,
                partial: None,
                peek: true,
            },
        ]);
        self.body_fetched = false;
        match CommandBody::fetch(SequenceSet::from(uid), items, true) {
            Ok(body) => self.send(
                now,
                Phase::Body {
                    folder,
                    uid: uid.get(),
                    queue,
                },
                body,
                &format!("UID FETCH {uid} (UID INTERNALDATE BODY.PEEK[])"),
            ),
            Err(e) => self.fail(ImapErrorKind::InvalidArgument(format!("{e:?}"))),
        }
    }

    /// A FETCH answer during a bounce watch's sizing or whole-message fetch.
    fn on_candidate_fetch(&mut self, items: Vec1<MessageDataItem<'static>>) {
        let mut got_uid = None;
        let mut size = None;
        let mut body = None;
        let mut date = None;
        for item in items.into_iter() {
            match item {
                MessageDataItem::Uid(u) => got_uid = Some(u.get()),
                MessageDataItem::Rfc822Size(n) => size = Some(u64::from(n)),
                MessageDataItem::BodyExt {
                    section: None,
                    data,
                    ..
                } => {
                    body = Some(
                        data.into_option()
                            .map(|c| c.into_owned())
                            .unwrap_or_default(),
                    );
                }
                MessageDataItem::InternalDate(d) => date = Some(d),
                _ => {}
            }
        }
        match self.phase.clone() {
            Phase::Sizes { uids, .. } => {
                if let (Some(uid), Some(size)) = (got_uid, size)
                    && uids.contains(&uid)
                    && !self.sizes.iter().any(|(u, _)| *u == uid)
                {
                    self.sizes.push((uid, size));
                }
            }
            Phase::Body { folder, uid, .. } => {
                let Some(message) = body else { return };
                if got_uid != Some(uid) || self.body_fetched {
                    self.fail(ImapErrorKind::Protocol(format!(
                        "a message body for UID {got_uid:?}, asked for UID {uid}"
                    )));
                    return;
                }
                if message.len() as u64 > self.plan.limits.max_message {
                    self.fail(ImapErrorKind::LimitExceeded("a whole message".into()));
                    return;
                }
                self.body_fetched = true;
                self.out.push_back(ImapOutput::Event(ImapEvent::Found {
                    folder: self.folders.get(folder).cloned().unwrap_or_default(),
                    uid,
                }));
                self.outcome.candidates.push(CandidateMessage {
                    folder: self.folders.get(folder).cloned().unwrap_or_default(),
                    uid,
                    internal_date: date.as_ref().map(|d| d.as_ref().to_rfc3339()),
                    internal_date_unix: date.as_ref().map(|d| d.as_ref().timestamp()),
                    message,
                });
            }
            _ => {}
        }
    }
}

fn mailbox_name(mailbox: &Mailbox<'_>) -> String {
    match mailbox {
        Mailbox::Inbox => "INBOX".to_owned(),
        Mailbox::Other(other) => String::from_utf8_lossy(other.as_ref()).into_owned(),
    }
}

fn atom_or_quote(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"@.-_+".contains(&b))
    {
        s.to_owned()
    } else {
        quote(s)
    }
}

fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

fn astring(s: &str, what: &str) -> Result<AString<'static>, String> {
    AString::try_from(s.to_owned()).map_err(|e| format!("the {what} cannot be searched for: {e}"))
}

/// The SEARCH keys of a query, how they look in the transcript, and whether they need
/// `CHARSET UTF-8`.
fn search_keys(query: &SearchQuery) -> Result<(Vec1<SearchKey<'static>>, String, bool), String> {
    match query {
        SearchQuery::MessageId(id) => {
            let id = id.trim();
            let id = if id.starts_with('<') && id.ends_with('>') {
                id.to_owned()
            } else {
                format!("<{id}>")
            };
            let utf8 = !id.is_ascii();
            let key = SearchKey::Header(
                astring("Message-ID", "header name")?,
                astring(&id, "Message-ID")?,
            );
            Ok((
                Vec1::from(key),
                format!("HEADER Message-ID {}", quote(&id)),
                utf8,
            ))
        }
        SearchQuery::Criteria {
            subject,
            from,
            since,
        } => {
            let mut keys = Vec::new();
            let mut shown = Vec::new();
            let mut utf8 = false;
            if let Some(s) = subject {
                utf8 |= !s.is_ascii();
                keys.push(SearchKey::Subject(astring(s, "subject")?));
                shown.push(format!("SUBJECT {}", quote(s)));
            }
            if let Some(f) = from {
                utf8 |= !f.is_ascii();
                keys.push(SearchKey::From(astring(f, "sender")?));
                shown.push(format!("FROM {}", quote(f)));
            }
            if let Some((y, m, d)) = since {
                let date = chrono::NaiveDate::from_ymd_opt(*y, *m, *d)
                    .ok_or_else(|| format!("{y}-{m}-{d} is not a date"))?;
                let imap_date = imap_next::imap_types::datetime::NaiveDate::try_from(date)
                    .map_err(|e| format!("{date} cannot be searched for: {e}"))?;
                keys.push(SearchKey::Since(imap_date));
                shown.push(format!("SINCE {}", date.format("%d-%b-%Y")));
            }
            if keys.is_empty() {
                keys.push(SearchKey::All);
                shown.push("ALL".into());
            }
            let keys = Vec1::try_from(keys).map_err(|_| "no search key".to_owned())?;
            Ok((keys, shown.join(" "), utf8))
        }
        SearchQuery::Text { text, since } => {
            // Checked again here: the variant can be built without `SearchQuery::text`.
            check_text(text, *since).map_err(|e| e.to_string())?;
            let mut keys = Vec::new();
            let mut shown = Vec::new();
            if let Some((y, m, d)) = since {
                let date = chrono::NaiveDate::from_ymd_opt(*y, *m, *d)
                    .ok_or_else(|| format!("{y}-{m}-{d} is not a date"))?;
                let imap_date = imap_next::imap_types::datetime::NaiveDate::try_from(date)
                    .map_err(|e| format!("{date} cannot be searched for: {e}"))?;
                keys.push(SearchKey::Since(imap_date));
                shown.push(format!("SINCE {}", date.format("%d-%b-%Y")));
            }
            keys.push(SearchKey::Text(astring(text, "text")?));
            shown.push(format!("TEXT {}", quote(text)));
            let keys = Vec1::try_from(keys).map_err(|_| "no search key".to_owned())?;
            Ok((keys, shown.join(" "), !text.is_ascii()))
        }
    }
}
