//! A scripted IMAP4rev1 server on loopback, for the follow-through's seed mailboxes.
//!
//! [`ImapServer`] holds folders of raw messages (one may carry the `\Junk` special-use
//! attribute), users with passwords, and answers the commands a seed client needs:
//! CAPABILITY, NOOP, STARTTLS, LOGIN, AUTHENTICATE PLAIN (with or without SASL-IR), LIST,
//! EXAMINE, SELECT, UID SEARCH (HEADER, SUBJECT, FROM, SINCE, TEXT, ALL), UID FETCH of a
//! UID set (UID, INTERNALDATE, FLAGS, RFC822.SIZE, BODY.PEEK\[HEADER\], BODY\[HEADER\],
//! BODY.PEEK\[\], BODY\[\] which sets `\Seen`), UID STORE, UID EXPUNGE
//! (with UIDPLUS), EXPUNGE, LOGOUT. TLS uses the [`TestPki`](crate::TestPki)
//! certificates, as STARTTLS or implicit TLS. A test can deliver a message after a delay
//! ([`ImapServer::deliver_after`]) so a polling client is exercised, and read every
//! command received ([`ImapServer::commands`], credentials replaced by `****`). A bounce
//! mailbox holds delivery status notifications built with [`Dsn`]
//! ([`ImapServer::deliver_dsn`]).
//!
//! Hostile modes ([`ImapHostile`]) misbehave on purpose: a huge literal, endless untagged
//! responses, a stall after the greeting or in the middle of a FETCH, the password echoed
//! in a NO, bytes injected after the STARTTLS answer.
//!
//! ```
//! use smtping_testkit::imap::ImapServer;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let server = ImapServer::builder().user("alice", "pw").folder("INBOX").start().await?;
//! server.deliver("INBOX", b"Message-ID: <a@b>\r\nSubject: hi\r\n\r\nbody\r\n");
//! let mut c = tokio::net::TcpStream::connect(server.addr()).await?;
//! c.write_all(b"a LOGIN alice pw\r\nb LOGOUT\r\n").await?;
//! let mut all = String::new();
//! c.read_to_string(&mut all).await?;
//! assert!(all.contains("a OK"));
//! assert_eq!(server.commands(), vec!["a LOGIN alice ****", "b LOGOUT"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::ServerConfig;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

mod command;
mod dsn;
#[cfg(test)]
mod tests;

use command::{Token, tokenize};
pub use dsn::Dsn;

/// The longest command line accepted (bytes).
pub const MAX_COMMAND_LINE: usize = 64 * 1024;
/// How long a connection may stay silent before the server closes it.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// How the server protects connections.
#[derive(Clone, Debug, Default)]
pub enum ImapServerTls {
    /// Cleartext only.
    #[default]
    None,
    /// Cleartext, STARTTLS offered.
    StartTls(Arc<ServerConfig>),
    /// TLS from the first byte (port 993 style).
    Implicit(Arc<ServerConfig>),
}

/// Deliberate misbehaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImapHostile {
    /// UID FETCH of a header block or a whole message answers with a 1 GiB literal,
    /// streamed until the client hangs up (a size-only FETCH is answered honestly).
    HugeLiteral,
    /// After the greeting, untagged `* OK` lines without end.
    EndlessUntagged,
    /// The greeting, then silence.
    StallAfterGreeting,
    /// UID FETCH sends half its literal, then silence.
    StallMidFetch,
    /// LOGIN and AUTHENTICATE fail with a NO that repeats the password.
    EchoPasswordInNo,
    /// The STARTTLS answer is followed by an injected line in the same write.
    InjectAfterStarttls,
}

/// One stored message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMessage {
    /// Its UID.
    pub uid: u32,
    /// The raw message.
    pub raw: Vec<u8>,
    /// Its INTERNALDATE.
    pub internal_date: SystemTime,
    /// Its flags (`\Deleted`, …).
    pub flags: Vec<String>,
}

#[derive(Clone, Debug)]
struct Folder {
    name: String,
    junk: bool,
    next_uid: u32,
    messages: Vec<StoredMessage>,
}

#[derive(Debug, Default)]
struct Store {
    folders: Vec<Folder>,
    commands: Vec<String>,
}

#[derive(Clone, Debug)]
struct Config {
    users: Vec<(String, String)>,
    tls: ImapServerTls,
    uidplus: bool,
    auth_plain: bool,
    sasl_ir: bool,
    login_disabled: bool,
    hostile: Option<ImapHostile>,
}

/// Builds an [`ImapServer`].
#[derive(Debug)]
pub struct ImapServerBuilder {
    config: Config,
    folders: Vec<Folder>,
}

impl ImapServerBuilder {
    /// A user and password.
    #[must_use]
    pub fn user(mut self, user: &str, password: &str) -> Self {
        self.config
            .users
            .push((user.to_owned(), password.to_owned()));
        self
    }

    /// A folder (INBOX exists always).
    #[must_use]
    pub fn folder(mut self, name: &str) -> Self {
        self.add_folder(name, false);
        self
    }

    /// A folder with the `\Junk` special-use attribute.
    #[must_use]
    pub fn junk_folder(mut self, name: &str) -> Self {
        self.add_folder(name, true);
        self
    }

    fn add_folder(&mut self, name: &str, junk: bool) {
        if let Some(f) = self.folders.iter_mut().find(|f| f.name == name) {
            f.junk |= junk;
        } else {
            self.folders.push(Folder {
                name: name.to_owned(),
                junk,
                next_uid: 1,
                messages: Vec::new(),
            });
        }
    }

    /// TLS (STARTTLS or implicit).
    #[must_use]
    pub fn tls(mut self, tls: ImapServerTls) -> Self {
        self.config.tls = tls;
        self
    }

    /// Offer UIDPLUS (default yes).
    #[must_use]
    pub fn uidplus(mut self, on: bool) -> Self {
        self.config.uidplus = on;
        self
    }

    /// Offer AUTH=PLAIN (default yes) and SASL-IR (default yes).
    #[must_use]
    pub fn auth_plain(mut self, plain: bool, sasl_ir: bool) -> Self {
        self.config.auth_plain = plain;
        self.config.sasl_ir = sasl_ir;
        self
    }

    /// Announce LOGINDISABLED (default no).
    #[must_use]
    pub fn login_disabled(mut self, on: bool) -> Self {
        self.config.login_disabled = on;
        self
    }

    /// Misbehave.
    #[must_use]
    pub fn hostile(mut self, hostile: ImapHostile) -> Self {
        self.config.hostile = Some(hostile);
        self
    }

    /// Binds 127.0.0.1 on an ephemeral port and starts serving.
    pub async fn start(self) -> io::Result<ImapServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let store = Arc::new(Mutex::new(Store {
            folders: self.folders,
            commands: Vec::new(),
        }));
        let config = Arc::new(self.config);
        let task = {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let _ = tcp.set_nodelay(true);
                    let store = Arc::clone(&store);
                    let config = Arc::clone(&config);
                    tokio::spawn(async move {
                        let _ = serve(tcp, store, config).await;
                    });
                }
            })
        };
        Ok(ImapServer { addr, store, task })
    }
}

/// A running IMAP test server; stops when dropped.
#[derive(Debug)]
pub struct ImapServer {
    addr: SocketAddr,
    store: Arc<Mutex<Store>>,
    task: JoinHandle<()>,
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn lock(store: &Mutex<Store>) -> MutexGuard<'_, Store> {
    store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl ImapServer {
    /// A builder with INBOX, no users, cleartext, UIDPLUS and AUTH=PLAIN with SASL-IR.
    #[must_use]
    pub fn builder() -> ImapServerBuilder {
        let mut b = ImapServerBuilder {
            config: Config {
                users: Vec::new(),
                tls: ImapServerTls::None,
                uidplus: true,
                auth_plain: true,
                sasl_ir: true,
                login_disabled: false,
                hostile: None,
            },
            folders: Vec::new(),
        };
        b.add_folder("INBOX", false);
        b
    }

    /// Where it listens.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Adds `raw` to `folder` now (creating the folder); returns its UID.
    pub fn deliver(&self, folder: &str, raw: &[u8]) -> u32 {
        self.deliver_at(folder, raw, SystemTime::now())
    }

    /// Adds `raw` to `folder` with the given INTERNALDATE; returns its UID.
    pub fn deliver_at(&self, folder: &str, raw: &[u8], internal_date: SystemTime) -> u32 {
        deliver_into(&self.store, folder, raw, internal_date)
    }

    /// Adds the delivery status notification `dsn` to `folder` now; returns its UID.
    pub fn deliver_dsn(&self, folder: &str, dsn: &Dsn) -> u32 {
        self.deliver(folder, &dsn.to_bytes())
    }

    /// Adds `raw` to `folder` after `delay` (in the background).
    pub fn deliver_after(&self, folder: &str, raw: &[u8], delay: Duration) {
        let store = Arc::clone(&self.store);
        let (folder, raw) = (folder.to_owned(), raw.to_vec());
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            deliver_into(&store, &folder, &raw, SystemTime::now());
        });
    }

    /// The messages of `folder`.
    #[must_use]
    pub fn messages(&self, folder: &str) -> Vec<StoredMessage> {
        lock(&self.store)
            .folders
            .iter()
            .find(|f| f.name == folder)
            .map(|f| f.messages.clone())
            .unwrap_or_default()
    }

    /// Every command received, in order, by all connections (passwords as `****`).
    #[must_use]
    pub fn commands(&self) -> Vec<String> {
        lock(&self.store).commands.clone()
    }
}

fn deliver_into(store: &Mutex<Store>, folder: &str, raw: &[u8], internal_date: SystemTime) -> u32 {
    let mut store = lock(store);
    if !store.folders.iter().any(|f| f.name == folder) {
        store.folders.push(Folder {
            name: folder.to_owned(),
            junk: false,
            next_uid: 1,
            messages: Vec::new(),
        });
    }
    let Some(f) = store.folders.iter_mut().find(|f| f.name == folder) else {
        return 0;
    };
    let uid = f.next_uid;
    f.next_uid += 1;
    f.messages.push(StoredMessage {
        uid,
        raw: raw.to_vec(),
        internal_date,
        flags: Vec::new(),
    });
    uid
}

/// One SEARCH key as a test on a message.
type Criterion = Box<dyn Fn(&StoredMessage) -> bool>;

/// What one connection is doing.
struct Conn {
    store: Arc<Mutex<Store>>,
    config: Arc<Config>,
    tls: bool,
    user: Option<String>,
    selected: Option<(String, bool)>,
    buf: Vec<u8>,
}

enum After {
    Continue,
    StartTls,
    Close,
    Stall,
    Flood(Vec<u8>),
}

async fn serve(tcp: TcpStream, store: Arc<Mutex<Store>>, config: Arc<Config>) -> io::Result<()> {
    let mut conn = Conn {
        store,
        config: Arc::clone(&config),
        tls: false,
        user: None,
        selected: None,
        buf: Vec::new(),
    };
    match &config.tls {
        ImapServerTls::Implicit(cfg) => {
            let mut tls = TlsAcceptor::from(Arc::clone(cfg)).accept(tcp).await?;
            conn.tls = true;
            let _ = run(&mut tls, &mut conn, true).await?;
            Ok(())
        }
        ImapServerTls::StartTls(cfg) => {
            let mut tcp = tcp;
            if run(&mut tcp, &mut conn, true).await? {
                let mut tls = TlsAcceptor::from(Arc::clone(cfg)).accept(tcp).await?;
                conn.tls = true;
                conn.buf.clear();
                let _ = run(&mut tls, &mut conn, false).await?;
            }
            Ok(())
        }
        ImapServerTls::None => {
            let mut tcp = tcp;
            let _ = run(&mut tcp, &mut conn, true).await?;
            Ok(())
        }
    }
}

/// Serves until LOGOUT, EOF or STARTTLS (returns `true` for the latter).
async fn run<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    conn: &mut Conn,
    greet: bool,
) -> io::Result<bool> {
    if greet {
        s.write_all(b"* OK [CAPABILITY IMAP4rev1] smtping-testkit IMAP ready\r\n")
            .await?;
        match conn.config.hostile {
            Some(ImapHostile::StallAfterGreeting) => return stall(s).await,
            Some(ImapHostile::EndlessUntagged) => {
                return flood(s, b"* OK still thinking\r\n".to_vec()).await;
            }
            _ => {}
        }
    }
    loop {
        let Some(line) = read_command(s, conn).await? else {
            return Ok(false);
        };
        let (reply, after) = conn.handle(&line);
        s.write_all(&reply).await?;
        s.flush().await?;
        match after {
            After::Continue => {}
            After::StartTls => return Ok(true),
            After::Close => {
                let _ = s.shutdown().await;
                return Ok(false);
            }
            After::Stall => return stall(s).await,
            After::Flood(bytes) => return flood(s, bytes).await,
        }
    }
}

async fn stall<S: AsyncRead + Unpin>(s: &mut S) -> io::Result<bool> {
    let mut sink = [0u8; 1024];
    loop {
        match tokio::time::timeout(IDLE_TIMEOUT, s.read(&mut sink)).await {
            Ok(Ok(0) | Err(_)) | Err(_) => return Ok(false),
            Ok(Ok(_)) => {}
        }
    }
}

async fn flood<S: AsyncWrite + Unpin>(s: &mut S, unit: Vec<u8>) -> io::Result<bool> {
    let mut chunk = Vec::with_capacity(16 * 1024);
    while chunk.len() + unit.len() <= 16 * 1024 {
        chunk.extend_from_slice(&unit);
    }
    let until = tokio::time::Instant::now() + IDLE_TIMEOUT;
    while tokio::time::Instant::now() < until {
        if s.write_all(&chunk).await.is_err() {
            break;
        }
    }
    Ok(false)
}

/// Reads one command: a line, with its literals (answering `+` to synchronising ones).
async fn read_command<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    conn: &mut Conn,
) -> io::Result<Option<Vec<u8>>> {
    let mut command = Vec::new();
    loop {
        // One line.
        let line = loop {
            if let Some(i) = conn.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = conn.buf.drain(..=i).collect();
                break line;
            }
            if conn.buf.len() > MAX_COMMAND_LINE {
                s.write_all(b"* BYE line too long\r\n").await?;
                return Ok(None);
            }
            let mut chunk = [0u8; 4096];
            let n = match tokio::time::timeout(IDLE_TIMEOUT, s.read(&mut chunk)).await {
                Ok(r) => r?,
                Err(_) => return Ok(None),
            };
            if n == 0 {
                return Ok(None);
            }
            conn.buf.extend_from_slice(&chunk[..n]);
        };
        let trimmed = line
            .strip_suffix(b"\r\n")
            .or_else(|| line.strip_suffix(b"\n"))
            .unwrap_or(&line);
        command.extend_from_slice(trimmed);
        // A literal at the end?
        let Some(open) = trimmed.iter().rposition(|b| *b == b'{') else {
            return Ok(Some(command));
        };
        let inner = &trimmed[open + 1..];
        let Some(inner) = inner.strip_suffix(b"}") else {
            return Ok(Some(command));
        };
        let (digits, sync) = match inner.strip_suffix(b"+") {
            Some(d) => (d, false),
            None => (inner, true),
        };
        let Some(len) = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse::<usize>().ok())
        else {
            return Ok(Some(command));
        };
        if len > MAX_COMMAND_LINE {
            s.write_all(b"* BYE literal too large\r\n").await?;
            return Ok(None);
        }
        if sync {
            s.write_all(b"+ go ahead\r\n").await?;
            s.flush().await?;
        }
        command.extend_from_slice(b"\r\n");
        while conn.buf.len() < len {
            let mut chunk = [0u8; 4096];
            let n = match tokio::time::timeout(IDLE_TIMEOUT, s.read(&mut chunk)).await {
                Ok(r) => r?,
                Err(_) => return Ok(None),
            };
            if n == 0 {
                return Ok(None);
            }
            conn.buf.extend_from_slice(&chunk[..n]);
        }
        command.extend(conn.buf.drain(..len));
    }
}

/// A UID set (`3`, `3,9,12`, `2:5`, `7:*`) as inclusive ranges; at most 1,000 parts.
fn uid_set(text: &str) -> Option<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    for part in text.split(',').take(1000) {
        let one = |s: &str| {
            if s == "*" {
                Some(u32::MAX)
            } else {
                s.parse::<u32>().ok()
            }
        };
        let (a, b) = match part.split_once(':') {
            Some((a, b)) => (one(a)?, one(b)?),
            None => (one(part)?, one(part)?),
        };
        out.push((a.min(b), a.max(b)));
    }
    Some(out)
}

fn header_block(raw: &[u8]) -> &[u8] {
    if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
        return &raw[..i + 4];
    }
    if let Some(i) = raw.windows(2).position(|w| w == b"\n\n") {
        return &raw[..i + 2];
    }
    raw
}

/// The unfolded values of header `name` in `raw`.
fn header_values(raw: &[u8], name: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(header_block(raw)).into_owned();
    let mut values: Vec<String> = Vec::new();
    let mut current: Option<String> = None;
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(c) = current.as_mut() {
                c.push(' ');
                c.push_str(line.trim());
            }
            continue;
        }
        if let Some(c) = current.take() {
            values.push(c);
        }
        if let Some((field, value)) = line.split_once(':')
            && field.trim().eq_ignore_ascii_case(name)
        {
            current = Some(value.trim().to_owned());
        }
    }
    if let Some(c) = current {
        values.push(c);
    }
    values
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Days since 1970-01-01 to (year, month 1-12, day).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

/// `01-Dec-2026 10:00:05 +0000`.
fn imap_date_time(t: SystemTime) -> String {
    let secs = unix_seconds(t);
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    format!(
        "{d:02}-{}-{y:04} {:02}:{:02}:{:02} +0000",
        MONTHS[(m as usize).saturating_sub(1) % 12],
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `1-Dec-2026` → days since the epoch.
fn parse_imap_date(s: &str) -> Option<i64> {
    let mut parts = s.split('-');
    let d: u32 = parts.next()?.parse().ok()?;
    let mon = parts.next()?;
    let y: i64 = parts.next()?.parse().ok()?;
    let m = MONTHS
        .iter()
        .position(|x| x.eq_ignore_ascii_case(mon))
        .map(|i| i as u32 + 1)?;
    Some(days_from_civil(y, m, d))
}

fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

impl Conn {
    fn log(&self, text: String) {
        let mut store = lock(&self.store);
        if store.commands.len() < 100_000 {
            store.commands.push(text);
        }
    }

    fn capabilities(&self) -> String {
        let mut caps = vec!["IMAP4rev1"];
        if !self.tls && matches!(self.config.tls, ImapServerTls::StartTls(_)) {
            caps.push("STARTTLS");
        }
        if self.config.auth_plain {
            caps.push("AUTH=PLAIN");
        }
        if self.config.sasl_ir {
            caps.push("SASL-IR");
        }
        if self.config.login_disabled {
            caps.push("LOGINDISABLED");
        }
        if self.config.uidplus {
            caps.push("UIDPLUS");
        }
        caps.join(" ")
    }

    fn check_password(&self, user: &str, password: &str) -> bool {
        self.config
            .users
            .iter()
            .any(|(u, p)| u == user && p == password)
    }

    fn handle(&mut self, line: &[u8]) -> (Vec<u8>, After) {
        if let Some(rest) = line.strip_prefix(b"\0AUTH ") {
            let text = String::from_utf8_lossy(rest).into_owned();
            let (tag, blob) = text.split_once(' ').unwrap_or((&text, ""));
            self.log(format!("{tag} (AUTHENTICATE response) ****"));
            if blob.trim() == "*" {
                return (
                    format!("{tag} BAD cancelled\r\n").into_bytes(),
                    After::Continue,
                );
            }
            return self.plain(tag, blob.trim());
        }
        let tokens = tokenize(line);
        let mut it = tokens.iter();
        let (Some(Token::Atom(tag)), Some(Token::Atom(cmd))) = (it.next(), it.next()) else {
            self.log(String::from_utf8_lossy(line).chars().take(200).collect());
            return (b"* BAD no tag or command\r\n".to_vec(), After::Continue);
        };
        let tag = tag.clone();
        let cmd = cmd.to_ascii_uppercase();
        let args: Vec<&Token> = it.collect();
        let shown = match cmd.as_str() {
            "LOGIN" => format!(
                "{tag} LOGIN {} ****",
                args.first().map(|t| t.text()).unwrap_or_default()
            ),
            "AUTHENTICATE" => format!(
                "{tag} AUTHENTICATE {}{}",
                args.first().map(|t| t.text()).unwrap_or_default(),
                if args.len() > 1 { " ****" } else { "" }
            ),
            _ => String::from_utf8_lossy(line).chars().take(200).collect(),
        };
        self.log(shown);
        let ok = |text: &str| format!("{tag} OK {text}\r\n").into_bytes();
        let no = |text: &str| format!("{tag} NO {text}\r\n").into_bytes();
        let bad = |text: &str| format!("{tag} BAD {text}\r\n").into_bytes();
        match cmd.as_str() {
            "CAPABILITY" => (
                format!("* CAPABILITY {}\r\n{tag} OK done\r\n", self.capabilities()).into_bytes(),
                After::Continue,
            ),
            "NOOP" => (ok("done"), After::Continue),
            "LOGOUT" => (
                format!("* BYE see you\r\n{tag} OK logged out\r\n").into_bytes(),
                After::Close,
            ),
            "STARTTLS" => {
                if self.tls || !matches!(self.config.tls, ImapServerTls::StartTls(_)) {
                    return (bad("STARTTLS not available"), After::Continue);
                }
                let mut reply = ok("begin TLS now");
                if self.config.hostile == Some(ImapHostile::InjectAfterStarttls) {
                    reply.extend_from_slice(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n");
                }
                (reply, After::StartTls)
            }
            "LOGIN" => {
                if self.config.login_disabled {
                    return (no("LOGIN is disabled"), After::Continue);
                }
                let (Some(u), Some(p)) = (args.first(), args.get(1)) else {
                    return (bad("LOGIN user password"), After::Continue);
                };
                self.login(&tag, &u.text(), &p.text())
            }
            "AUTHENTICATE" => {
                let mech = args.first().map(|t| t.text().to_ascii_uppercase());
                if mech.as_deref() != Some("PLAIN") || !self.config.auth_plain {
                    return (no("unsupported mechanism"), After::Continue);
                }
                let Some(ir) = args.get(1) else {
                    // The blob comes on the next line; the shell reads it as a "command".
                    self.pending_auth(&tag);
                    return (b"+ \r\n".to_vec(), After::Continue);
                };
                self.plain(&tag, &ir.text())
            }
            _ if self.user.is_none() => (no("log in first"), After::Continue),
            "LIST" => {
                let store = lock(&self.store);
                let mut out = String::new();
                for f in &store.folders {
                    let attrs = if f.junk {
                        "\\HasNoChildren \\Junk"
                    } else {
                        "\\HasNoChildren"
                    };
                    out.push_str(&format!("* LIST ({attrs}) \"/\" {}\r\n", quoted(&f.name)));
                }
                out.push_str(&format!("{tag} OK listed\r\n"));
                (out.into_bytes(), After::Continue)
            }
            "EXAMINE" | "SELECT" => {
                let Some(name) = args.first().map(|t| t.text()) else {
                    return (bad("which mailbox?"), After::Continue);
                };
                let store = lock(&self.store);
                let Some(f) = store.folders.iter().find(|f| {
                    f.name == name || (name.eq_ignore_ascii_case("INBOX") && f.name == "INBOX")
                }) else {
                    return (no("no such mailbox"), After::Continue);
                };
                let rw = cmd == "SELECT";
                let reply = format!(
                    "* FLAGS (\\Seen \\Deleted)\r\n* {} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 1] ok\r\n* OK [UIDNEXT {}] ok\r\n{tag} OK [{}] opened\r\n",
                    f.messages.len(),
                    f.next_uid,
                    if rw { "READ-WRITE" } else { "READ-ONLY" }
                );
                let fname = f.name.clone();
                drop(store);
                self.selected = Some((fname, rw));
                (reply.into_bytes(), After::Continue)
            }
            "EXPUNGE" => {
                let Some((folder, true)) = self.selected.clone() else {
                    return (no("not selected read-write"), After::Continue);
                };
                let mut store = lock(&self.store);
                let mut out = String::new();
                if let Some(f) = store.folders.iter_mut().find(|f| f.name == folder) {
                    while let Some(i) = f
                        .messages
                        .iter()
                        .position(|m| m.flags.iter().any(|x| x == "\\Deleted"))
                    {
                        f.messages.remove(i);
                        out.push_str(&format!("* {} EXPUNGE\r\n", i + 1));
                    }
                }
                out.push_str(&format!("{tag} OK expunged\r\n"));
                (out.into_bytes(), After::Continue)
            }
            "UID" => self.uid_command(&tag, &args),
            _ => (bad("unknown command"), After::Continue),
        }
    }

    fn login(&mut self, tag: &str, user: &str, password: &str) -> (Vec<u8>, After) {
        if self.config.hostile == Some(ImapHostile::EchoPasswordInNo) {
            return (
                format!("{tag} NO [AUTHENTICATIONFAILED] wrong password {password} for {user}\r\n")
                    .into_bytes(),
                After::Continue,
            );
        }
        if self.check_password(user, password) {
            self.user = Some(user.to_owned());
            (
                format!(
                    "{tag} OK [CAPABILITY {}] logged in\r\n",
                    self.capabilities()
                )
                .into_bytes(),
                After::Continue,
            )
        } else {
            (
                format!("{tag} NO [AUTHENTICATIONFAILED] invalid credentials\r\n").into_bytes(),
                After::Continue,
            )
        }
    }

    fn plain(&mut self, tag: &str, b64: &str) -> (Vec<u8>, After) {
        let Some(blob) = command::base64_decode(b64) else {
            return (
                format!("{tag} BAD not base64\r\n").into_bytes(),
                After::Continue,
            );
        };
        let parts: Vec<&[u8]> = blob.split(|b| *b == 0).collect();
        let [_, user, password] = parts.as_slice() else {
            return (
                format!("{tag} BAD not a PLAIN response\r\n").into_bytes(),
                After::Continue,
            );
        };
        let user = String::from_utf8_lossy(user).into_owned();
        let password = String::from_utf8_lossy(password).into_owned();
        self.login(tag, &user, &password)
    }

    fn uid_command(&mut self, tag: &str, args: &[&Token]) -> (Vec<u8>, After) {
        let bad = |t: &str| (format!("{tag} BAD {t}\r\n").into_bytes(), After::Continue);
        let Some((folder, rw)) = self.selected.clone() else {
            return (
                format!("{tag} NO select a mailbox first\r\n").into_bytes(),
                After::Continue,
            );
        };
        let Some(sub) = args.first().map(|t| t.text().to_ascii_uppercase()) else {
            return bad("UID what?");
        };
        let rest = &args[1..];
        match sub.as_str() {
            "SEARCH" => {
                let store = lock(&self.store);
                let Some(f) = store.folders.iter().find(|f| f.name == folder) else {
                    return bad("mailbox gone");
                };
                let mut keys = rest.iter().map(|t| t.text()).peekable();
                let mut criteria: Vec<Criterion> = Vec::new();
                while let Some(k) = keys.next() {
                    match k.to_ascii_uppercase().as_str() {
                        "CHARSET" => {
                            keys.next();
                        }
                        "ALL" => {}
                        "HEADER" => {
                            let (Some(name), Some(value)) = (keys.next(), keys.next()) else {
                                return bad("HEADER name value");
                            };
                            let value = value.to_ascii_lowercase();
                            criteria.push(Box::new(move |m| {
                                header_values(&m.raw, &name)
                                    .iter()
                                    .any(|v| v.to_ascii_lowercase().contains(&value))
                            }));
                        }
                        h @ ("SUBJECT" | "FROM") => {
                            let Some(value) = keys.next() else {
                                return bad("SUBJECT/FROM value");
                            };
                            let value = value.to_ascii_lowercase();
                            let name = if h == "SUBJECT" { "Subject" } else { "From" };
                            criteria.push(Box::new(move |m| {
                                header_values(&m.raw, name)
                                    .iter()
                                    .any(|v| v.to_ascii_lowercase().contains(&value))
                            }));
                        }
                        "TEXT" => {
                            let Some(value) = keys.next() else {
                                return bad("TEXT value");
                            };
                            let value = value.to_ascii_lowercase().into_bytes();
                            criteria.push(Box::new(move |m| {
                                !value.is_empty()
                                    && m.raw
                                        .to_ascii_lowercase()
                                        .windows(value.len())
                                        .any(|w| w == value.as_slice())
                            }));
                        }
                        "SINCE" => {
                            let Some(day) = keys.next().as_deref().and_then(parse_imap_date) else {
                                return bad("SINCE date");
                            };
                            criteria.push(Box::new(move |m| {
                                unix_seconds(m.internal_date).div_euclid(86_400) >= day
                            }));
                        }
                        _ => return bad("search key not supported"),
                    }
                }
                let uids: Vec<String> = f
                    .messages
                    .iter()
                    .filter(|m| criteria.iter().all(|c| c(m)))
                    .map(|m| m.uid.to_string())
                    .collect();
                let sep = if uids.is_empty() { "" } else { " " };
                (
                    format!("* SEARCH{sep}{}\r\n{tag} OK searched\r\n", uids.join(" "))
                        .into_bytes(),
                    After::Continue,
                )
            }
            "FETCH" => {
                let Some(set) = rest.first().and_then(|t| uid_set(&t.text())) else {
                    return bad("UID FETCH takes a UID set");
                };
                let items = rest
                    .get(1)
                    .map(|t| t.text().to_ascii_uppercase())
                    .unwrap_or_default();
                let whole = items.contains("BODY[]") || items.contains("BODY.PEEK[]");
                let seen = items.contains("BODY[]") || items.contains("BODY[HEADER]");
                let mut store = lock(&self.store);
                let Some(f) = store.folders.iter_mut().find(|f| f.name == folder) else {
                    return bad("mailbox gone");
                };
                let mut out = Vec::new();
                for (seq, m) in f.messages.iter_mut().enumerate() {
                    if !set.iter().any(|(a, b)| (*a..=*b).contains(&m.uid)) {
                        continue;
                    }
                    let (seq, uid) = (seq + 1, m.uid);
                    let section = if whole { "BODY[]" } else { "BODY[HEADER]" };
                    if items.contains("BODY") {
                        match self.config.hostile {
                            Some(ImapHostile::HugeLiteral) => {
                                let head = format!(
                                    "* {seq} FETCH (UID {uid} {section} {{1073741824}}\r\n"
                                );
                                out.extend_from_slice(head.as_bytes());
                                return (out, After::Flood(vec![b'a'; 1024]));
                            }
                            Some(ImapHostile::StallMidFetch) => {
                                let head = format!(
                                    "* {seq} FETCH (UID {uid} {section} {{100}}\r\nReceived: fr"
                                );
                                out.extend_from_slice(head.as_bytes());
                                return (out, After::Stall);
                            }
                            _ => {}
                        }
                    }
                    if seen && rw && !m.flags.iter().any(|x| x == "\\Seen") {
                        m.flags.push("\\Seen".into());
                    }
                    out.extend_from_slice(format!("* {seq} FETCH (UID {uid}").as_bytes());
                    if items.contains("INTERNALDATE") {
                        out.extend_from_slice(
                            format!(" INTERNALDATE \"{}\"", imap_date_time(m.internal_date))
                                .as_bytes(),
                        );
                    }
                    if items.contains("RFC822.SIZE") {
                        out.extend_from_slice(format!(" RFC822.SIZE {}", m.raw.len()).as_bytes());
                    }
                    if items.contains("FLAGS") {
                        out.extend_from_slice(format!(" FLAGS ({})", m.flags.join(" ")).as_bytes());
                    }
                    let body = if whole {
                        Some(&m.raw[..])
                    } else if items.contains("[HEADER]") {
                        Some(header_block(&m.raw))
                    } else {
                        None
                    };
                    if let Some(b) = body {
                        out.extend_from_slice(format!(" {section} {{{}}}\r\n", b.len()).as_bytes());
                        out.extend_from_slice(b);
                    }
                    out.extend_from_slice(b")\r\n");
                }
                out.extend_from_slice(format!("{tag} OK fetched\r\n").as_bytes());
                (out, After::Continue)
            }
            "STORE" => {
                if !rw {
                    return (
                        format!("{tag} NO read-only\r\n").into_bytes(),
                        After::Continue,
                    );
                }
                let Some(uid) = rest.first().and_then(|t| t.text().parse::<u32>().ok()) else {
                    return bad("UID STORE takes one UID here");
                };
                let op = rest
                    .get(1)
                    .map(|t| t.text().to_ascii_uppercase())
                    .unwrap_or_default();
                let flags: Vec<String> = rest
                    .get(2)
                    .map(|t| {
                        t.text()
                            .trim_matches(['(', ')'])
                            .split_whitespace()
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default();
                let mut store = lock(&self.store);
                if let Some(m) = store
                    .folders
                    .iter_mut()
                    .find(|f| f.name == folder)
                    .and_then(|f| f.messages.iter_mut().find(|m| m.uid == uid))
                {
                    if op.starts_with('+') {
                        for fl in flags {
                            if !m.flags.contains(&fl) {
                                m.flags.push(fl);
                            }
                        }
                    } else if op.starts_with('-') {
                        m.flags.retain(|x| !flags.contains(x));
                    } else {
                        m.flags = flags;
                    }
                }
                (format!("{tag} OK stored\r\n").into_bytes(), After::Continue)
            }
            "EXPUNGE" => {
                if !self.config.uidplus {
                    return bad("UIDPLUS not offered");
                }
                if !rw {
                    return (
                        format!("{tag} NO read-only\r\n").into_bytes(),
                        After::Continue,
                    );
                }
                let Some(uid) = rest.first().and_then(|t| t.text().parse::<u32>().ok()) else {
                    return bad("UID EXPUNGE takes one UID here");
                };
                let mut store = lock(&self.store);
                let mut out = String::new();
                if let Some(f) = store.folders.iter_mut().find(|f| f.name == folder)
                    && let Some(i) = f
                        .messages
                        .iter()
                        .position(|m| m.uid == uid && m.flags.iter().any(|x| x == "\\Deleted"))
                {
                    f.messages.remove(i);
                    out.push_str(&format!("* {} EXPUNGE\r\n", i + 1));
                }
                out.push_str(&format!("{tag} OK expunged\r\n"));
                (out.into_bytes(), After::Continue)
            }
            _ => bad("UID command not supported"),
        }
    }
}

impl Conn {
    /// AUTHENTICATE without an initial response: the next line read is the blob; it is
    /// marked with a NUL-prefixed pseudo command that no client can send.
    fn pending_auth(&mut self, tag: &str) {
        self.buf.splice(0..0, format!("\0AUTH {tag} ").into_bytes());
    }
}
