//! Seed mailbox URLs, password sources and the `--seeds` TOML file.

use core::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use smtping_proto::imap::{FolderChoice, ImapSecret};
use zeroize::{Zeroize, Zeroizing};

/// The IMAP port for `imap://` (STARTTLS).
pub const IMAP_PORT: u16 = 143;
/// The IMAP port for `imaps://` (implicit TLS).
pub const IMAPS_PORT: u16 = 993;
/// The largest password file read.
pub const MAX_PASSWORD_FILE: u64 = 4096;
/// The largest seeds file read.
pub const MAX_SEEDS_FILE: u64 = 1024 * 1024;

/// How the connection to a seed is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeedScheme {
    /// `imap://`: cleartext, STARTTLS when offered.
    Imap,
    /// `imaps://`: TLS from the first byte.
    Imaps,
}

/// A seed mailbox: `imap[s]://USER@HOST[:PORT][/FOLDER,…]`, the user percent-encoded.
///
/// ```
/// use smtping_client::follow::SeedUrl;
///
/// let url = SeedUrl::parse("imap://alice%40example.org@imap.example.org:1143/INBOX,Junk").unwrap();
/// assert_eq!(url.user(), "alice@example.org");
/// assert_eq!((url.host(), url.port()), ("imap.example.org", 1143));
/// assert_eq!(url.folders(), &["INBOX".to_owned(), "Junk".to_owned()]);
/// assert_eq!(url.to_string(), "imap://alice%40example.org@imap.example.org:1143/INBOX,Junk");
/// assert!(SeedUrl::parse("imap://alice:secret@host").is_err()); // no passwords in URLs
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SeedUrl {
    scheme: SeedScheme,
    user: String,
    host: String,
    port: u16,
    port_given: bool,
    folders: Vec<String>,
}

impl fmt::Debug for SeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SeedUrl({self})")
    }
}

/// Why a seed URL is not usable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SeedUrlError {
    /// Not `imap://` or `imaps://`.
    #[error("seed {0:?}: the URL must start with imap:// or imaps://")]
    Scheme(String),
    /// No `USER@`.
    #[error(
        "seed {0:?}: no user (imap[s]://USER@HOST[:PORT][/FOLDER,...], the user percent-encoded)"
    )]
    NoUser(String),
    /// A password in the URL.
    #[error(
        "seed {0:?}: a password in the URL is not accepted; use --seed-password-env, --seed-password-file or a --seeds file"
    )]
    PasswordInUrl(String),
    /// A bad percent escape.
    #[error("seed {0:?}: bad percent-encoding")]
    Percent(String),
    /// No host or a bad one.
    #[error("seed {0:?}: {1}")]
    Host(String, String),
    /// A bad port.
    #[error("seed {0:?}: the port {1:?} is not a number from 1 to 65535")]
    Port(String, String),
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn percent_encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl SeedUrl {
    /// Parses a seed URL.
    pub fn parse(input: &str) -> Result<Self, SeedUrlError> {
        let err_input = input.to_owned();
        let (scheme, rest) = if let Some(r) = input.strip_prefix("imaps://") {
            (SeedScheme::Imaps, r)
        } else if let Some(r) = input.strip_prefix("imap://") {
            (SeedScheme::Imap, r)
        } else {
            return Err(SeedUrlError::Scheme(err_input));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let Some(at) = authority.rfind('@') else {
            return Err(SeedUrlError::NoUser(err_input));
        };
        let (userinfo, hostport) = (&authority[..at], &authority[at + 1..]);
        if userinfo.contains(':') {
            return Err(SeedUrlError::PasswordInUrl(redact_url(input)));
        }
        let user =
            percent_decode(userinfo).ok_or_else(|| SeedUrlError::Percent(err_input.clone()))?;
        if user.is_empty() {
            return Err(SeedUrlError::NoUser(err_input));
        }
        let (host, port_text) = if let Some(r) = hostport.strip_prefix('[') {
            let Some(close) = r.find(']') else {
                return Err(SeedUrlError::Host(err_input, "unclosed [".into()));
            };
            let after = &r[close + 1..];
            (&r[..close], after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() {
            return Err(SeedUrlError::Host(err_input, "no host".into()));
        }
        if host.parse::<std::net::IpAddr>().is_err() && smtping_proto::Domain::new(host).is_err() {
            return Err(SeedUrlError::Host(
                err_input,
                format!("{host:?} is not a host name or IP address"),
            ));
        }
        let default_port = match scheme {
            SeedScheme::Imap => IMAP_PORT,
            SeedScheme::Imaps => IMAPS_PORT,
        };
        let (port, port_given) = match port_text {
            None => (default_port, false),
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => (n, true),
                _ => return Err(SeedUrlError::Port(err_input, p.to_owned())),
            },
        };
        let mut folders = Vec::new();
        for f in path.split(',').filter(|f| !f.is_empty()) {
            folders
                .push(percent_decode(f).ok_or_else(|| SeedUrlError::Percent(err_input.clone()))?);
        }
        Ok(Self {
            scheme,
            user,
            host: host.to_owned(),
            port,
            port_given,
            folders,
        })
    }

    /// `imap` or `imaps`.
    #[must_use]
    pub fn scheme(&self) -> SeedScheme {
        self.scheme
    }

    /// The login name (percent-decoded).
    #[must_use]
    pub fn user(&self) -> &str {
        &self.user
    }

    /// The host (without brackets).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port (143 or 993 unless given).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The folders given (empty: INBOX and the junk folders).
    #[must_use]
    pub fn folders(&self) -> &[String] {
        &self.folders
    }

    /// Whether `other` names the same mailbox (user, host in any case, port), whatever
    /// its folders.
    #[must_use]
    pub fn same_mailbox(&self, other: &SeedUrl) -> bool {
        self.user() == other.user()
            && self.host().eq_ignore_ascii_case(other.host())
            && self.port() == other.port()
    }

    /// The folders as the IMAP session's choice.
    #[must_use]
    pub fn folder_choice(&self) -> FolderChoice {
        if self.folders.is_empty() {
            FolderChoice::Auto
        } else {
            FolderChoice::Listed(self.folders.clone())
        }
    }
}

fn redact_url(input: &str) -> String {
    // imap://user:secret@host → imap://user:****@host
    let Some(scheme_end) = input.find("://") else {
        return "****".into();
    };
    let rest = &input[scheme_end + 3..];
    let auth_end = rest.find('/').unwrap_or(rest.len());
    let Some(at) = rest[..auth_end].rfind('@') else {
        return input.to_owned();
    };
    let user = rest[..at].split(':').next().unwrap_or("");
    format!("{}{user}:****{}", &input[..scheme_end + 3], &rest[at..])
}

impl fmt::Display for SeedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            SeedScheme::Imap => "imap",
            SeedScheme::Imaps => "imaps",
        };
        write!(f, "{scheme}://{}@", percent_encode(&self.user, b"!$&'*+=;"))?;
        if self.host.contains(':') {
            write!(f, "[{}]", self.host)?;
        } else {
            f.write_str(&self.host)?;
        }
        if self.port_given {
            write!(f, ":{}", self.port)?;
        }
        if !self.folders.is_empty() {
            let folders: Vec<String> = self
                .folders
                .iter()
                .map(|x| percent_encode(x, b"!$&'()*+;=:@[]"))
                .collect();
            write!(f, "/{}", folders.join(","))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for SeedUrl {
    type Err = SeedUrlError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A mailbox password: zeroized on drop, `****` in `Debug`.
#[derive(Clone)]
pub struct Password(Zeroizing<String>);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(****)")
    }
}

/// Why a password could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PasswordError {
    /// The variable is not set or not UTF-8.
    #[error("the environment variable {0} is not set (or not UTF-8)")]
    Env(String),
    /// The file could not be read.
    #[error("reading the password file {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_PASSWORD_FILE`] or not UTF-8.
    #[error("the password file {0} is not a UTF-8 text of at most 4096 bytes")]
    FileContent(PathBuf),
    /// Empty.
    #[error("the password from {0} is empty")]
    Empty(String),
}

impl Password {
    /// A password from a string.
    #[must_use]
    pub fn new(password: impl Into<String>) -> Self {
        Self(Zeroizing::new(password.into()))
    }

    /// The value of environment variable `name`.
    pub fn from_env(name: &str) -> Result<Self, PasswordError> {
        let v = std::env::var(name).map_err(|_| PasswordError::Env(name.to_owned()))?;
        if v.is_empty() {
            return Err(PasswordError::Empty(format!("${name}")));
        }
        Ok(Self::new(v))
    }

    /// The first line of `path` (a trailing newline is not part of the password).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, PasswordError> {
        use std::io::Read;
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| PasswordError::File {
            path: path.to_owned(),
            source,
        })?;
        let mut bytes = Zeroizing::new(Vec::new());
        file.take(MAX_PASSWORD_FILE + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| PasswordError::File {
                path: path.to_owned(),
                source,
            })?;
        if bytes.len() as u64 > MAX_PASSWORD_FILE {
            return Err(PasswordError::FileContent(path.to_owned()));
        }
        let text =
            std::str::from_utf8(&bytes).map_err(|_| PasswordError::FileContent(path.to_owned()))?;
        let line = text.lines().next().unwrap_or("");
        if line.is_empty() {
            return Err(PasswordError::Empty(path.display().to_string()));
        }
        Ok(Self::new(line))
    }

    pub(crate) fn secret(&self) -> ImapSecret {
        ImapSecret::new(self.0.as_str().to_owned())
    }
}

/// Where a seed's password comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordSource {
    /// An environment variable.
    Env(String),
    /// A file (its first line).
    File(PathBuf),
}

impl PasswordSource {
    /// Reads the password.
    pub fn read(&self) -> Result<Password, PasswordError> {
        match self {
            Self::Env(name) => Password::from_env(name),
            Self::File(path) => Password::from_file(path),
        }
    }
}

/// One entry of a seeds file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedEntry {
    /// The mailbox.
    pub url: SeedUrl,
    /// Its password source.
    pub password: PasswordSource,
}

/// A `--seeds` TOML file:
///
/// ```toml
/// [[seed]]
/// url = "imaps://alice%40example.org@imap.example.org/INBOX,Junk"
/// password_env = "SEED_ALICE"
///
/// [[seed]]
/// url = "imap://bob@127.0.0.1:1143"
/// password_file = "/run/secrets/bob"
///
/// # The bounce mailbox (`--bounce-mailbox`): watched for DSNs, not searched as a seed.
/// [bounce]
/// url = "imaps://bounces%40app.example.org@imap.example.org/INBOX"
/// password_env = "BOUNCE_PW"
/// ```
///
/// ```
/// use smtping_client::follow::{PasswordSource, SeedsFile};
/// let file = SeedsFile::parse("[[seed]]\nurl = \"imaps://a@h.example\"\npassword_env = \"PW\"\n").unwrap();
/// assert_eq!(file.seeds[0].password, PasswordSource::Env("PW".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct SeedsFile {
    /// The seeds, in file order.
    pub seeds: Vec<SeedEntry>,
    /// The `[bounce]` table: the bounce mailbox and its password source.
    pub bounce: Option<SeedEntry>,
}

impl SeedsFile {
    /// The password source the file names for `url`'s mailbox (same user, host and port):
    /// the `[bounce]` entry's, else a `[[seed]]` entry's.
    #[must_use]
    pub fn password_for(&self, url: &SeedUrl) -> Option<&PasswordSource> {
        self.bounce
            .iter()
            .chain(self.seeds.iter())
            .find(|e| e.url.same_mailbox(url))
            .map(|e| &e.password)
    }
}

/// Why a seeds file is not usable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeedsFileError {
    /// Reading failed.
    #[error("reading the seeds file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Larger than [`MAX_SEEDS_FILE`].
    #[error("the seeds file {0} is larger than 1 MiB")]
    TooLarge(PathBuf),
    /// Not valid TOML of the expected shape.
    #[error("the seeds file is not valid: {0}")]
    Toml(String),
    /// A seed's URL.
    #[error("seed {index} in the seeds file: {source}")]
    Url {
        /// 1-based.
        index: usize,
        /// Why.
        source: SeedUrlError,
    },
    /// A seed names no or two password sources.
    #[error("seed {index} in the seeds file: give exactly one of password_env or password_file")]
    PasswordSource {
        /// 1-based.
        index: usize,
    },
    /// The `[bounce]` table is not usable (why, in words).
    #[error("[bounce] in the seeds file: {0}")]
    Bounce(String),
    /// A password key in the file itself.
    #[error(
        "seed {index} in the seeds file: passwords are not accepted in the file; name an environment variable (password_env) or a file (password_file)"
    )]
    InlinePassword {
        /// 1-based.
        index: usize,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    seed: Vec<RawSeed>,
    bounce: Option<RawSeed>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    url: String,
    password_env: Option<String>,
    password_file: Option<PathBuf>,
    password: Option<toml::Value>,
}

fn entry(index: usize, mut s: RawSeed) -> Result<SeedEntry, SeedsFileError> {
    if let Some(mut p) = s.password.take() {
        if let toml::Value::String(v) = &mut p {
            v.zeroize();
        }
        return Err(SeedsFileError::InlinePassword { index });
    }
    let url = SeedUrl::parse(&s.url).map_err(|source| SeedsFileError::Url { index, source })?;
    let password = match (s.password_env, s.password_file) {
        (Some(e), None) => PasswordSource::Env(e),
        (None, Some(f)) => PasswordSource::File(f),
        _ => return Err(SeedsFileError::PasswordSource { index }),
    };
    Ok(SeedEntry { url, password })
}

impl SeedsFile {
    /// Parses the TOML text.
    pub fn parse(text: &str) -> Result<Self, SeedsFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            // The TOML error quotes the offending line, which may hold a password.
            let mut m = e.message().to_owned();
            if let Some(span) = e.span() {
                m.push_str(&format!(" (at bytes {}..{})", span.start, span.end));
            }
            SeedsFileError::Toml(m)
        })?;
        let mut seeds = Vec::new();
        for (i, s) in raw.seed.into_iter().enumerate() {
            seeds.push(entry(i + 1, s)?);
        }
        let bounce = match raw.bounce {
            None => None,
            Some(b) => Some(entry(0, b).map_err(|e| {
                SeedsFileError::Bounce(e.to_string().replace("seed 0 in the seeds file: ", ""))
            })?),
        };
        Ok(Self { seeds, bounce })
    }

    /// Reads and parses `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SeedsFileError> {
        use std::io::Read;
        let path = path.as_ref();
        let read_err = |source| SeedsFileError::Read {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read_err)?;
        let mut text = String::new();
        file.take(MAX_SEEDS_FILE + 1)
            .read_to_string(&mut text)
            .map_err(|source| SeedsFileError::Read {
                path: path.to_owned(),
                source,
            })?;
        if text.len() as u64 > MAX_SEEDS_FILE {
            return Err(SeedsFileError::TooLarge(path.to_owned()));
        }
        Self::parse(&text)
    }
}
