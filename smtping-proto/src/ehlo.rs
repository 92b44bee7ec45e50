//! EHLO capabilities (RFC 5321 §4.1.1.1 and the ESMTP extension RFCs).
//!
//! The first line of a 250 reply to EHLO names the server; every further line is
//! `keyword [params]`. Keywords are case-insensitive. [`Extensions`] gives typed access to
//! the extensions a client acts on and keeps every line, known or not, with its raw
//! parameters, so a report can show exactly what the server advertised.
//!
//! ```
//! use smtping_proto::{parse_reply, AuthMechanism, Extensions, SizeLimit};
//!
//! let buf = b"250-smtp.example.com Hello [192.0.2.7]\r\n\
//!             250-size 52428800\r\n\
//!             250-AUTH LOGIN PLAIN XOAUTH2\r\n\
//!             250-AUTH=LOGIN\r\n\
//!             250-X-MY-EXTENSION a=b c\r\n\
//!             250 CHUNKING\r\n";
//! let (reply, _) = parse_reply(buf).unwrap().unwrap();
//! let ext = Extensions::from_ehlo(&reply).unwrap();
//! assert_eq!(ext.server_name(), "smtp.example.com");
//! assert_eq!(ext.size_limit(), Some(SizeLimit::Max(52_428_800)));
//! assert!(ext.auth_mechanisms().contains(&AuthMechanism::XOAuth2));
//! assert!(ext.has_legacy_auth());
//! assert_eq!(ext.params("x-my-extension"), Some("a=b c"));
//! assert!(ext.chunking() && !ext.pipelining());
//! ```

use core::fmt;

use nom::character::complete::space0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::reply::{Reply, ReplyError, ReplyParser, ReplyProgress};

/// Why a reply cannot be read as EHLO capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EhloError {
    /// EHLO was not answered with 250: the server refused EHLO (try HELO) or failed.
    #[error("EHLO was answered with {code}, not 250: the server does not accept EHLO now")]
    NotAccepted {
        /// The reply code received.
        code: u16,
    },
}

/// Why [`Extensions::parse`] gave no capabilities: the bytes are not a valid reply, or
/// the reply is not 250.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EhloParseError {
    /// The reply grammar refused the bytes.
    #[error(transparent)]
    Reply(#[from] ReplyError),
    /// A valid reply, but not an acceptance of EHLO.
    #[error(transparent)]
    Ehlo(#[from] EhloError),
}

/// The ESMTP keywords SMTPing knows by name. Anything else is kept as an unknown keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Keyword {
    /// `SIZE` (RFC 1870).
    Size,
    /// `PIPELINING` (RFC 2920).
    Pipelining,
    /// `8BITMIME` (RFC 6152).
    EightBitMime,
    /// `SMTPUTF8` (RFC 6531).
    SmtpUtf8,
    /// `STARTTLS` (RFC 3207).
    StartTls,
    /// `AUTH` (RFC 4954), including the legacy `AUTH=` form.
    Auth,
    /// `DSN` (RFC 3461).
    Dsn,
    /// `CHUNKING` (RFC 3030).
    Chunking,
    /// `BINARYMIME` (RFC 3030).
    BinaryMime,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    EnhancedStatusCodes,
    /// `REQUIRETLS` (RFC 8689).
    RequireTls,
    /// `DELIVERBY` (RFC 2852).
    DeliverBy,
    /// `MT-PRIORITY` (RFC 6710).
    MtPriority,
    /// `LIMITS` (RFC 9422).
    Limits,
    /// `VRFY` (RFC 5321).
    Vrfy,
    /// `EXPN` (RFC 5321).
    Expn,
    /// `ETRN` (RFC 1985).
    Etrn,
    /// `ATRN` (RFC 2645).
    Atrn,
    /// `HELP` (RFC 5321).
    Help,
    /// `BURL` (RFC 4468).
    Burl,
    /// `FUTURERELEASE` (RFC 4865).
    FutureRelease,
    /// `NO-SOLICITING` (RFC 3865).
    NoSoliciting,
    /// `XCLIENT` (Postfix).
    Xclient,
    /// `XFORWARD` (Postfix).
    Xforward,
    /// `PIPECONNECT` (Exim's early pipelining).
    PipeConnect,
}

impl Keyword {
    const ALL: [Keyword; 25] = [
        Keyword::Size,
        Keyword::Pipelining,
        Keyword::EightBitMime,
        Keyword::SmtpUtf8,
        Keyword::StartTls,
        Keyword::Auth,
        Keyword::Dsn,
        Keyword::Chunking,
        Keyword::BinaryMime,
        Keyword::EnhancedStatusCodes,
        Keyword::RequireTls,
        Keyword::DeliverBy,
        Keyword::MtPriority,
        Keyword::Limits,
        Keyword::Vrfy,
        Keyword::Expn,
        Keyword::Etrn,
        Keyword::Atrn,
        Keyword::Help,
        Keyword::Burl,
        Keyword::FutureRelease,
        Keyword::NoSoliciting,
        Keyword::Xclient,
        Keyword::Xforward,
        Keyword::PipeConnect,
    ];

    /// The keyword as servers advertise it (upper case).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Keyword::Size => "SIZE",
            Keyword::Pipelining => "PIPELINING",
            Keyword::EightBitMime => "8BITMIME",
            Keyword::SmtpUtf8 => "SMTPUTF8",
            Keyword::StartTls => "STARTTLS",
            Keyword::Auth => "AUTH",
            Keyword::Dsn => "DSN",
            Keyword::Chunking => "CHUNKING",
            Keyword::BinaryMime => "BINARYMIME",
            Keyword::EnhancedStatusCodes => "ENHANCEDSTATUSCODES",
            Keyword::RequireTls => "REQUIRETLS",
            Keyword::DeliverBy => "DELIVERBY",
            Keyword::MtPriority => "MT-PRIORITY",
            Keyword::Limits => "LIMITS",
            Keyword::Vrfy => "VRFY",
            Keyword::Expn => "EXPN",
            Keyword::Etrn => "ETRN",
            Keyword::Atrn => "ATRN",
            Keyword::Help => "HELP",
            Keyword::Burl => "BURL",
            Keyword::FutureRelease => "FUTURERELEASE",
            Keyword::NoSoliciting => "NO-SOLICITING",
            Keyword::Xclient => "XCLIENT",
            Keyword::Xforward => "XFORWARD",
            Keyword::PipeConnect => "PIPECONNECT",
        }
    }

    /// Looks up an upper-case keyword.
    #[inline]
    fn from_upper(kw: &[u8]) -> Option<Self> {
        // Dispatch on length and first byte, then one comparison with a fixed-size name
        // (a few machine-word compares, no `memcmp` call).
        #[inline(always)]
        fn is<const N: usize>(kw: &[u8], name: &[u8; N], k: Keyword) -> Option<Keyword> {
            (kw == name).then_some(k)
        }
        match (kw.len(), *kw.first()?) {
            (3, b'D') => is(kw, b"DSN", Keyword::Dsn),
            (4, b'S') => is(kw, b"SIZE", Keyword::Size),
            (4, b'A') if kw[1] == b'U' => is(kw, b"AUTH", Keyword::Auth),
            (4, b'A') => is(kw, b"ATRN", Keyword::Atrn),
            (4, b'V') => is(kw, b"VRFY", Keyword::Vrfy),
            (4, b'E') if kw[1] == b'X' => is(kw, b"EXPN", Keyword::Expn),
            (4, b'E') => is(kw, b"ETRN", Keyword::Etrn),
            (4, b'H') => is(kw, b"HELP", Keyword::Help),
            (4, b'B') => is(kw, b"BURL", Keyword::Burl),
            (6, b'L') => is(kw, b"LIMITS", Keyword::Limits),
            (7, b'X') => is(kw, b"XCLIENT", Keyword::Xclient),
            (8, b'8') => is(kw, b"8BITMIME", Keyword::EightBitMime),
            (8, b'S') if kw[1] == b'M' => is(kw, b"SMTPUTF8", Keyword::SmtpUtf8),
            (8, b'S') => is(kw, b"STARTTLS", Keyword::StartTls),
            (8, b'C') => is(kw, b"CHUNKING", Keyword::Chunking),
            (8, b'X') => is(kw, b"XFORWARD", Keyword::Xforward),
            (9, b'D') => is(kw, b"DELIVERBY", Keyword::DeliverBy),
            (10, b'P') => is(kw, b"PIPELINING", Keyword::Pipelining),
            (10, b'B') => is(kw, b"BINARYMIME", Keyword::BinaryMime),
            (10, b'R') => is(kw, b"REQUIRETLS", Keyword::RequireTls),
            (11, b'M') => is(kw, b"MT-PRIORITY", Keyword::MtPriority),
            (11, b'P') => is(kw, b"PIPECONNECT", Keyword::PipeConnect),
            (13, b'F') => is(kw, b"FUTURERELEASE", Keyword::FutureRelease),
            (13, b'N') => is(kw, b"NO-SOLICITING", Keyword::NoSoliciting),
            (19, b'E') => is(kw, b"ENHANCEDSTATUSCODES", Keyword::EnhancedStatusCodes),
            _ => None,
        }
    }

    /// A known keyword that takes no typed parameters, alone on its line in upper case
    /// and followed by CRLF, at the start of `line` (the bytes after `250-`): the keyword
    /// and the length of the line's rest, CRLF included. Dispatch on the first two bytes,
    /// then one fixed-size comparison per candidate (a few word compares, no `memcmp`),
    /// and no search for the line's end.
    #[inline(always)]
    fn alone(line: &[u8]) -> Option<(Self, usize)> {
        #[inline(always)]
        fn is<const N: usize>(
            line: &[u8],
            whole: &[u8; N],
            k: Keyword,
        ) -> Option<(Keyword, usize)> {
            (line.get(..N)? == whole).then_some((k, N))
        }
        let [a, b, ..] = line else {
            return None;
        };
        match (*a, *b) {
            (b'P', _) => is(line, b"PIPELINING\r\n", Keyword::Pipelining)
                .or_else(|| is(line, b"PIPECONNECT\r\n", Keyword::PipeConnect)),
            (b'8', _) => is(line, b"8BITMIME\r\n", Keyword::EightBitMime),
            (b'S', b'T') => is(line, b"STARTTLS\r\n", Keyword::StartTls),
            (b'S', b'M') => is(line, b"SMTPUTF8\r\n", Keyword::SmtpUtf8),
            (b'E', b'N') => is(
                line,
                b"ENHANCEDSTATUSCODES\r\n",
                Keyword::EnhancedStatusCodes,
            ),
            (b'E', b'T') => is(line, b"ETRN\r\n", Keyword::Etrn),
            (b'E', b'X') => is(line, b"EXPN\r\n", Keyword::Expn),
            (b'D', b'S') => is(line, b"DSN\r\n", Keyword::Dsn),
            (b'C', _) => is(line, b"CHUNKING\r\n", Keyword::Chunking),
            (b'B', b'I') => is(line, b"BINARYMIME\r\n", Keyword::BinaryMime),
            (b'V', _) => is(line, b"VRFY\r\n", Keyword::Vrfy),
            (b'H', _) => is(line, b"HELP\r\n", Keyword::Help),
            (b'R', _) => is(line, b"REQUIRETLS\r\n", Keyword::RequireTls),
            (b'D', b'E') => is(line, b"DELIVERBY\r\n", Keyword::DeliverBy),
            _ => None,
        }
    }

    /// Looks up a keyword that has lower case (rare: servers advertise upper case).
    #[inline(never)]
    fn from_any_case(kw: &[u8]) -> Option<Self> {
        let mut upper = [0u8; 24];
        let buf = upper.get_mut(..kw.len())?; // longer than any known keyword
        buf.copy_from_slice(kw);
        buf.make_ascii_uppercase();
        Self::from_upper(buf)
    }

    const fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for Keyword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SASL mechanism advertised after `AUTH` (RFC 4954).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthMechanism {
    /// `PLAIN` (RFC 4616): user and password in clear inside TLS.
    Plain,
    /// `LOGIN`: user and password in two base64 steps (de-facto standard).
    Login,
    /// `CRAM-MD5` (RFC 2195): HMAC-MD5 challenge-response.
    CramMd5,
    /// `DIGEST-MD5` (RFC 2831, historic).
    DigestMd5,
    /// `XOAUTH2` (Google/Microsoft OAuth 2.0 bearer tokens).
    XOAuth2,
    /// `OAUTHBEARER` (RFC 7628).
    OAuthBearer,
    /// `SCRAM-SHA-1` (RFC 5802).
    ScramSha1,
    /// `SCRAM-SHA-256` (RFC 7677).
    ScramSha256,
    /// `GSSAPI` (Kerberos).
    Gssapi,
    /// `NTLM` (Microsoft).
    Ntlm,
    /// `EXTERNAL` (RFC 4422: client certificate).
    External,
    /// `ANONYMOUS` (RFC 4505).
    Anonymous,
    /// Any other mechanism, upper-cased as advertised.
    Other(Box<str>),
}

impl AuthMechanism {
    /// Parses a mechanism name case-insensitively.
    ///
    /// ```
    /// # use smtping_proto::AuthMechanism;
    /// assert_eq!(AuthMechanism::from_name("cram-md5"), AuthMechanism::CramMd5);
    /// assert_eq!(AuthMechanism::from_name("X-FOO").as_str(), "X-FOO");
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Self {
        Self::known(name.as_bytes())
            .unwrap_or_else(|| Self::Other(name.to_ascii_uppercase().into_boxed_str()))
    }

    /// A mechanism SMTPing knows by name, case-insensitively.
    #[inline]
    fn known(name: &[u8]) -> Option<Self> {
        known_mechanism(name).map(Self::from_index)
    }

    /// The known mechanism with index `i` (its bit in [`AuthMechanisms`]).
    fn from_index(i: u8) -> Self {
        match i {
            0 => Self::Plain,
            1 => Self::Login,
            2 => Self::CramMd5,
            3 => Self::DigestMd5,
            4 => Self::XOAuth2,
            5 => Self::OAuthBearer,
            6 => Self::ScramSha1,
            7 => Self::ScramSha256,
            8 => Self::Gssapi,
            9 => Self::Ntlm,
            10 => Self::External,
            _ => Self::Anonymous,
        }
    }

    /// The bit of a known mechanism in [`AuthMechanisms`], 0 for [`AuthMechanism::Other`].
    const fn bit(&self) -> u16 {
        let i = match self {
            Self::Plain => 0,
            Self::Login => 1,
            Self::CramMd5 => 2,
            Self::DigestMd5 => 3,
            Self::XOAuth2 => 4,
            Self::OAuthBearer => 5,
            Self::ScramSha1 => 6,
            Self::ScramSha256 => 7,
            Self::Gssapi => 8,
            Self::Ntlm => 9,
            Self::External => 10,
            Self::Anonymous => 11,
            Self::Other(_) => return 0,
        };
        1 << i
    }

    /// The mechanism name as sent in `AUTH <name>`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::CramMd5 => "CRAM-MD5",
            Self::DigestMd5 => "DIGEST-MD5",
            Self::XOAuth2 => "XOAUTH2",
            Self::OAuthBearer => "OAUTHBEARER",
            Self::ScramSha1 => "SCRAM-SHA-1",
            Self::ScramSha256 => "SCRAM-SHA-256",
            Self::Gssapi => "GSSAPI",
            Self::Ntlm => "NTLM",
            Self::External => "EXTERNAL",
            Self::Anonymous => "ANONYMOUS",
            Self::Other(s) => s,
        }
    }

    /// `true` for mechanisms that send the password itself (recoverably) over the
    /// channel: PLAIN and LOGIN. Offering them without TLS exposes passwords.
    #[must_use]
    pub fn is_plaintext(&self) -> bool {
        matches!(self, Self::Plain | Self::Login)
    }
}

/// A mechanism SMTPing knows, in upper case and followed by whitespace, at the start of
/// `p`: its index ([`AuthMechanism::from_index`]) and the name's length. Dispatch on the
/// first byte, then one fixed-size comparison; anything else (lower case, a longer name
/// such as `PLAIN-CLIENTTOKEN`) is left to [`known_mechanism`].
#[inline(always)]
fn mechanism_alone(p: &[u8]) -> Option<(u8, usize)> {
    #[inline(always)]
    fn is<const N: usize>(p: &[u8], name: &[u8; N], i: u8) -> Option<(u8, usize)> {
        // A short name and the byte after it in one word, when eight bytes are there.
        if N < 8
            && let Some(word) = p.first_chunk::<8>()
        {
            let mut want = [0u8; 8];
            want[..N].copy_from_slice(name);
            let w = u64::from_le_bytes(*word);
            let mask = (1u64 << (8 * N)) - 1;
            return (w & mask == u64::from_le_bytes(want) && is_space((w >> (8 * N)) as u8))
                .then_some((i, N));
        }
        (p.get(..N)? == name && is_space(*p.get(N)?)).then_some((i, N))
    }
    match *p.first()? {
        b'P' => is(p, b"PLAIN", 0),
        b'L' => is(p, b"LOGIN", 1),
        b'C' => is(p, b"CRAM-MD5", 2),
        b'D' => is(p, b"DIGEST-MD5", 3),
        b'X' => is(p, b"XOAUTH2", 4),
        b'O' => is(p, b"OAUTHBEARER", 5),
        b'S' => is(p, b"SCRAM-SHA-1", 6).or_else(|| is(p, b"SCRAM-SHA-256", 7)),
        b'G' => is(p, b"GSSAPI", 8),
        b'N' => is(p, b"NTLM", 9),
        b'E' => is(p, b"EXTERNAL", 10),
        b'A' => is(p, b"ANONYMOUS", 11),
        _ => None,
    }
}

/// The index of a mechanism SMTPing knows by name ([`AuthMechanism::from_index`]),
/// case-insensitively: dispatch on length and first letter, then one comparison.
#[inline]
fn known_mechanism(name: &[u8]) -> Option<u8> {
    // Exact (servers send upper case) before the case-insensitive comparison; the
    // fixed-size name makes the first a few word compares.
    #[inline(always)]
    fn is<const N: usize>(name: &[u8], upper: &[u8; N], i: u8) -> Option<u8> {
        (name == upper || name.eq_ignore_ascii_case(upper)).then_some(i)
    }
    match (name.len(), name.first()? | 0x20) {
        (5, b'p') => is(name, b"PLAIN", 0),
        (5, b'l') => is(name, b"LOGIN", 1),
        (8, b'c') => is(name, b"CRAM-MD5", 2),
        (10, b'd') => is(name, b"DIGEST-MD5", 3),
        (7, b'x') => is(name, b"XOAUTH2", 4),
        (11, b'o') => is(name, b"OAUTHBEARER", 5),
        (11, b's') => is(name, b"SCRAM-SHA-1", 6),
        (13, b's') => is(name, b"SCRAM-SHA-256", 7),
        (6, b'g') => is(name, b"GSSAPI", 8),
        (4, b'n') => is(name, b"NTLM", 9),
        (8, b'e') => is(name, b"EXTERNAL", 10),
        (9, b'a') => is(name, b"ANONYMOUS", 11),
        _ => None,
    }
}

impl fmt::Display for AuthMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SASL mechanisms an EHLO reply advertised ([`Extensions::auth_mechanisms`]):
/// de-duplicated, in the order the `AUTH` and `AUTH=` lines name them.
///
/// A `Copy` view that borrows the [`Extensions`]: the known mechanisms are a bit set filled
/// while parsing (so [`AuthMechanisms::contains`] of a known one and, when every
/// mechanism is known, [`AuthMechanisms::len`] are a few instructions); the order and the
/// names of unknown mechanisms are read from the kept text by [`AuthMechanisms::iter`].
/// [`Default`] is the empty set (a server without `AUTH`).
///
/// ```
/// # use smtping_proto::{AuthMechanism, AuthMechanisms, Extensions};
/// let (ext, _) = Extensions::parse(b"250-mx\r\n250 AUTH PLAIN XOAUTH2\r\n").unwrap().unwrap();
/// let offered = ext.auth_mechanisms();
/// assert!(offered.contains(&AuthMechanism::XOAuth2) && !offered.is_empty());
/// assert_eq!(offered.iter().next(), Some(AuthMechanism::Plain));
/// assert!(AuthMechanisms::default().is_empty());
/// ```
#[derive(Clone, Copy, Default)]
pub struct AuthMechanisms<'a> {
    text: &'a str,
    known: u16,
    /// Distinct unknown mechanisms, or [`MANY_UNKNOWN`].
    unknown: u8,
}

/// Unknown mechanisms counted while parsing; more are counted when asked.
const UNKNOWN_SLOTS: usize = 4;
/// [`Extensions::auth_unknown`] when there were more than [`UNKNOWN_SLOTS`].
const MANY_UNKNOWN: u8 = u8::MAX;
impl<'a> AuthMechanisms<'a> {
    /// The mechanisms in order, each once. Unknown ones are upper-cased
    /// ([`AuthMechanism::Other`], which allocates its name).
    #[must_use]
    pub fn iter(&self) -> AuthMechanismsIter<'a> {
        AuthMechanismsIter {
            names: AuthNames::new(self.text),
            text: self.text,
            index: 0,
            seen: 0,
            known: self.known,
            unknown: self.unknown,
        }
    }

    /// How many mechanisms (without counting a repeated one twice).
    #[must_use]
    #[inline]
    pub fn len(&self) -> usize {
        if self.unknown == MANY_UNKNOWN {
            self.iter().count()
        } else {
            self.known.count_ones() as usize + usize::from(self.unknown)
        }
    }

    /// `true` when no mechanism was advertised.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.known == 0 && self.unknown == 0
    }

    /// `true` when the server offers `mechanism` (an unknown one compared by name,
    /// case-insensitively).
    #[must_use]
    pub fn contains(&self, mechanism: &AuthMechanism) -> bool {
        match mechanism {
            AuthMechanism::Other(name) => {
                self.unknown != 0
                    && AuthNames::new(self.text).any(|n| {
                        known_mechanism(n.as_bytes()).is_none() && n.eq_ignore_ascii_case(name)
                    })
            }
            known => self.known & known.bit() != 0,
        }
    }

    /// `true` when PLAIN or LOGIN is offered ([`AuthMechanism::is_plaintext`]).
    #[must_use]
    pub const fn has_plaintext(&self) -> bool {
        self.known & (AuthMechanism::Plain.bit() | AuthMechanism::Login.bit()) != 0
    }
}

impl<'a> IntoIterator for AuthMechanisms<'a> {
    type Item = AuthMechanism;
    type IntoIter = AuthMechanismsIter<'a>;

    fn into_iter(self) -> AuthMechanismsIter<'a> {
        self.iter()
    }
}

impl fmt::Debug for AuthMechanisms<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Iterator over [`AuthMechanisms`], in advertised order, each mechanism once.
#[derive(Clone)]
pub struct AuthMechanismsIter<'a> {
    names: AuthNames<'a>,
    text: &'a str,
    /// Names read so far (repeats included).
    index: usize,
    seen: u16,
    known: u16,
    unknown: u8,
}

impl fmt::Debug for AuthMechanismsIter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthMechanismsIter")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl Iterator for AuthMechanismsIter<'_> {
    type Item = AuthMechanism;

    fn next(&mut self) -> Option<AuthMechanism> {
        loop {
            if self.unknown == 0 && self.seen == self.known {
                return None; // every mechanism given: no need to read further
            }
            let name = self.names.next()?;
            self.index += 1;
            match known_mechanism(name.as_bytes()) {
                Some(i) => {
                    let bit = 1 << i;
                    if self.seen & bit == 0 {
                        self.seen |= bit;
                        return Some(AuthMechanism::from_index(i));
                    }
                }
                None => {
                    // Quadratic in the unknown names of one reply, as a list's
                    // `contains` would be; bounded by the reply size limit.
                    let repeated = AuthNames::new(self.text)
                        .take(self.index - 1)
                        .any(|n| n.eq_ignore_ascii_case(name));
                    if !repeated {
                        return Some(AuthMechanism::Other(name.to_ascii_uppercase().into()));
                    }
                }
            }
        }
    }
}

/// Every name on every `AUTH`/`AUTH=` line of an [`Extensions`] text, repeats included.
#[derive(Clone)]
struct AuthNames<'a> {
    lines: LineScanner<'a>,
    text: &'a str,
    words: core::str::SplitAsciiWhitespace<'a>,
}

impl<'a> AuthNames<'a> {
    fn new(text: &'a str) -> Self {
        let mut lines = LineScanner {
            text: text.as_bytes(),
            pos: 0,
        };
        let _ = lines.next_range(); // the greeting line
        Self {
            lines,
            text,
            words: "".split_ascii_whitespace(),
        }
    }
}

impl<'a> Iterator for AuthNames<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            if let Some(w) = self.words.next() {
                return Some(w);
            }
            let line = loop {
                if let Some(line) = self.lines.next_line()? {
                    break line;
                }
            };
            if &self.text[line.kw.0..line.kw.1] == "AUTH" {
                self.words = self.text[line.params.0..line.params.1].split_ascii_whitespace();
            }
        }
    }
}

/// What the `SIZE` keyword says (RFC 1870 §4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SizeLimit {
    /// `SIZE n` with n > 0: messages above n octets are refused.
    Max(u64),
    /// `SIZE 0` or `SIZE` with no value: the extension is supported, no fixed maximum.
    NoFixedLimit,
    /// A value that is not a number (`SIZE abc`): supported, limit unknown.
    Invalid,
}

impl SizeLimit {
    /// The maximum in octets when one is announced.
    #[must_use]
    pub const fn max(self) -> Option<u64> {
        match self {
            Self::Max(n) => Some(n),
            _ => None,
        }
    }
}

/// The `LIMITS` keyword's parameters (RFC 9422).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `RCPTMAX`: most recipients per transaction.
    pub rcpt_max: Option<u32>,
    /// `MAILMAX`: most transactions per session.
    pub mail_max: Option<u32>,
    /// `RCPTDOMAINMAX`: most recipient domains per transaction.
    pub rcpt_domain_max: Option<u32>,
}

/// The capabilities a server announced in its reply to EHLO.
///
/// It owns one copy of the reply text (keywords upper-cased in place) and the typed values
/// computed in a single pass; [`Extensions::keywords`], [`Extensions::params`] and
/// [`Extensions::supports`] walk that copy on demand, so parsing costs one allocation
/// (the `AUTH` mechanisms are a bit set and a count; [`Extensions::auth_mechanisms`]
/// reads their order and unknown names from the copy).
#[derive(Clone, PartialEq, Eq)]
pub struct Extensions {
    /// The reply's bytes (lossy UTF-8), line prefixes and terminators included.
    text: String,
    /// Range of the first line's text.
    greeting: (u32, u32),
    /// End of the server name within the first line.
    name_end: u32,
    flags: u32,
    size: Option<SizeLimit>,
    /// The known `AUTH` mechanisms, one bit each ([`AuthMechanism::bit`]).
    auth_known: u16,
    /// How many distinct unknown `AUTH` mechanisms, [`MANY_UNKNOWN`] when too many to
    /// count while parsing ([`AuthMechanisms::len`] then counts them in the text).
    auth_unknown: u8,
    legacy_auth: bool,
    deliver_by: Option<Option<u64>>,
    limits: Option<Limits>,
    ignored_lines: u32,
}

/// One keyword line, located in [`Extensions::text`].
#[derive(Clone, Copy)]
struct Line {
    kw: (usize, usize),
    params: (usize, usize),
}

/// Iterates the keyword lines of `text` (skipping the first line and blank lines),
/// yielding `None` for a blank one so the caller can count it.
#[derive(Clone)]
struct LineScanner<'a> {
    text: &'a [u8],
    pos: usize,
}

impl LineScanner<'_> {
    /// The next line's text range (after `NNN-`, before CR/LF), or `None` at the end.
    fn next_range(&mut self) -> Option<(usize, usize)> {
        if self.pos >= self.text.len() {
            return None;
        }
        let rest = &self.text[self.pos..];
        let end = crate::reply::find_lf(rest).unwrap_or(rest.len());
        let start = self.pos;
        self.pos += end + 1;
        let mut stop = start + end;
        if stop > start && self.text[stop - 1] == b'\r' {
            stop -= 1;
        }
        Some(((start + 4).min(stop), stop))
    }

    /// The next keyword line; `Some(None)` for a blank line.
    fn next_line(&mut self) -> Option<Option<Line>> {
        let (start, stop) = self.next_range()?;
        let (start, stop) = trim_range(self.text, start, stop);
        if start == stop {
            return Some(None);
        }
        let line = &self.text[start..stop];
        let kw_len = line
            .iter()
            .position(|&b| matches!(b, b' ' | b'\t' | b'=' | b'\r'))
            .unwrap_or(line.len());
        if kw_len == 0 {
            return Some(None);
        }
        let p_start = (start + kw_len + 1).min(stop);
        let (p_start, p_stop) = trim_range(self.text, p_start, stop);
        Some(Some(Line {
            kw: (start, start + kw_len),
            params: (p_start, p_stop),
        }))
    }
}

const ENDS_KEYWORD: u8 = 1;
const LOWER: u8 = 2;
/// ASCII whitespace ([`u8::is_ascii_whitespace`]: space, tab, LF, form feed, CR).
const SPACE: u8 = 4;

/// Per-byte class for the keyword scan: bytes that end a keyword (space, tab, `=`, CR,
/// LF) and lower-case ASCII letters. A table lookup costs less than five comparisons.
static BYTE_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    t[b' ' as usize] = ENDS_KEYWORD;
    t[b'\t' as usize] = ENDS_KEYWORD;
    t[b'=' as usize] = ENDS_KEYWORD;
    t[b'\r' as usize] = ENDS_KEYWORD;
    t[b'\n' as usize] = ENDS_KEYWORD;
    t[b' ' as usize] |= SPACE;
    t[b'\t' as usize] |= SPACE;
    t[b'\n' as usize] |= SPACE;
    t[b'\r' as usize] |= SPACE;
    t[0x0c] = SPACE;
    let mut c = b'a';
    while c <= b'z' {
        t[c as usize] = LOWER;
        c += 1;
    }
    t
};

/// [`u8::is_ascii_whitespace`] as one table lookup.
#[inline(always)]
fn is_space(b: u8) -> bool {
    BYTE_CLASS[usize::from(b)] & SPACE != 0
}

/// The first ASCII whitespace at or after `i` (or the end): eight bytes at a time, each
/// word's lowest byte below `!` (SWAR, exact for the lowest) then checked with [`is_space`].
#[inline]
fn next_space(p: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(word) = p.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        let below = w.wrapping_sub(ONES * u64::from(b'!')) & !w & HIGH;
        if below == 0 {
            i += 8;
            continue;
        }
        let j = i + (below.trailing_zeros() / 8) as usize;
        if is_space(p[j]) {
            return j;
        }
        i = j + 1; // a control byte that is not whitespace: part of the name
    }
    while i < p.len() && !is_space(p[i]) {
        i += 1;
    }
    i
}

fn trim_range(text: &[u8], mut start: usize, mut stop: usize) -> (usize, usize) {
    while start < stop && matches!(text[start], b' ' | b'\t') {
        start += 1;
    }
    while stop > start && matches!(text[stop - 1], b' ' | b'\t') {
        stop -= 1;
    }
    (start, stop)
}

/// The one pass shared by [`Extensions::from_ehlo`] and [`Extensions::parse`]: each line
/// is classified as it arrives, over the reply's own bytes, so both paths give the same
/// result by construction; [`Builder::finish`] then makes the one owned copy.
#[derive(Default)]
struct Builder<'a> {
    greeting: (u32, u32),
    name_end: u32,
    flags: u32,
    size: Option<SizeLimit>,
    /// The known `AUTH` mechanisms, one bit each ([`AuthMechanism::bit`]).
    auth_known: u16,
    /// How many distinct unknown `AUTH` mechanisms ([`MANY_UNKNOWN`] past the slots).
    auth_unknown: u8,
    /// The distinct unknown mechanisms' names so far, to count each once.
    unknown_names: [&'a [u8]; UNKNOWN_SLOTS],
    legacy_auth: bool,
    deliver_by: Option<Option<u64>>,
    limits: Option<Limits>,
    ignored_lines: u32,
    /// A keyword had lower case: the copy is upper-cased line by line at the end.
    lower: bool,
    lines: u32,
}

impl<'a> Builder<'a> {
    /// One line of the reply, terminator included, as the reply grammar delimited it;
    /// `start` is its offset in the reply.
    #[inline]
    fn line(&mut self, start: usize, line: &'a [u8]) {
        self.lines += 1;
        if self.lines == 1 {
            self.first_line(start, line);
            return;
        }
        // `NNN-` or `NNN ` is four bytes; a bare `250` ends at the third.
        let head = if line.get(3).is_some_and(|b| *b == b'\r' || *b == b'\n') {
            3
        } else {
            4
        };
        let Ok((after, (kw, lower))) = keyword_line(line.get(head..).unwrap_or_default()) else {
            return;
        };
        if kw.is_empty() {
            self.ignored_lines += 1;
            return;
        }
        self.keyword(kw, lower, after);
    }

    /// The greeting line: the server name and the greeting text.
    #[inline]
    fn first_line(&mut self, start: usize, line: &[u8]) {
        let mut scan = LineScanner { text: line, pos: 0 };
        let (_, stop) = scan.next_range().unwrap_or((0, 0));
        self.greeting_line(start, line, stop);
    }

    /// The greeting line, `stop` being where its text ends (before the terminator).
    #[inline]
    fn greeting_line(&mut self, start: usize, line: &[u8], stop: usize) {
        // Servers send no blank after `250-` nor before CRLF: two looks, no loop.
        let (g0, g1) = match line.get(4..stop) {
            Some([first, .., last])
                if !matches!(first, b' ' | b'\t') && !matches!(last, b' ' | b'\t') =>
            {
                (4, stop)
            }
            _ => trim_range(line, 4.min(stop), stop),
        };
        self.greeting = ((start + g0) as u32, (start + g1) as u32);
        self.name_end =
            (start + crate::grammar::find_blank(&line[g0..g1]).map_or(g1, |i| g0 + i)) as u32;
    }

    /// [`Builder::greeting_line`] for the first line, `blank` being where its first space
    /// or tab is (found with its end): the server name ends there unless the text has
    /// blanks around it to trim.
    #[inline]
    fn greeting_with_blank(&mut self, line: &[u8], stop: usize, blank: Option<usize>) {
        match line.get(4..stop) {
            Some([first, .., last])
                if !matches!(first, b' ' | b'\t') && !matches!(last, b' ' | b'\t') =>
            {
                self.greeting = (4, stop as u32);
                self.name_end = blank.map_or(stop, |k| k) as u32;
            }
            _ => self.greeting_line(0, line, stop),
        }
    }

    /// A keyword line's keyword (not empty; `lower` when it has lower case) and what
    /// follows it up to and including the line's terminator.
    #[inline]
    fn keyword(&mut self, kw: &[u8], lower: bool, after: &'a [u8]) {
        let known = if lower {
            self.lower = true;
            Keyword::from_any_case(kw)
        } else {
            Keyword::from_upper(kw)
        };
        let Some(known) = known else {
            return;
        };
        self.known_keyword(known, after);
    }

    /// A known keyword, and what follows it up to and including the line's terminator.
    #[inline]
    fn known_keyword(&mut self, known: Keyword, after: &'a [u8]) {
        self.flags |= known.bit();
        if !matches!(
            known,
            Keyword::Size | Keyword::Auth | Keyword::DeliverBy | Keyword::Limits
        ) {
            return;
        }
        self.params(known, after);
    }

    /// The parameters of the keywords with typed values.
    #[inline(never)]
    fn params(&mut self, known: Keyword, after: &'a [u8]) {
        let delimiter = after.first().copied();
        // `SIZE` reads the first word and `AUTH` splits at ASCII whitespace: the blanks
        // and the terminator around the parameters are whitespace, so both read the bytes
        // after the delimiter untrimmed and find what the trimmed parameters hold.
        let tail = after.get(1..).unwrap_or_default();
        if known == Keyword::Size {
            self.size = Some(parse_size(tail));
            return;
        }
        if known == Keyword::Auth {
            self.legacy_auth |= delimiter == Some(b'=');
            self.auth_names(tail);
            return;
        }
        if known == Keyword::Limits {
            // Split at ASCII whitespace like `AUTH`: the untrimmed bytes read the same.
            self.limits = Some(parse_limits(tail));
            return;
        }
        let stop = after.len() - usize::from(after.last() == Some(&b'\n'));
        let (p0, p1) = trim_range(after, 1.min(stop), stop);
        let p1 = if p1 > p0 && after[p1 - 1] == b'\r' {
            trim_range(after, p0, p1 - 1).1
        } else {
            p1
        };
        let Ok(params) = core::str::from_utf8(&after[p0..p1]) else {
            return;
        };
        // The one keyword left with typed parameters.
        self.deliver_by = Some(
            params
                .split_ascii_whitespace()
                .next()
                .and_then(|v| v.parse().ok()),
        );
    }

    /// The `AUTH` names, split at ASCII whitespace as `AuthNames` splits the kept text.
    #[inline]
    fn auth_names(&mut self, params: &'a [u8]) {
        let mut i = 0;
        while i < params.len() {
            if is_space(params[i]) {
                i += 1;
                continue;
            }
            if let Some((bit, len)) = mechanism_alone(&params[i..]) {
                self.auth_known |= 1 << bit;
                i += len + 1; // and the whitespace after it
                continue;
            }
            let start = i;
            i = next_space(params, i + 1);
            let name = &params[start..i];
            match known_mechanism(name) {
                Some(bit) => self.auth_known |= 1 << bit,
                None => self.unknown_mechanism(name),
            }
        }
    }

    /// The names of an `AUTH` line in the one-scan path, from after `AUTH ` (or `AUTH=`):
    /// what [`Builder::auth_names`] finds in them, and their length up to and including
    /// the CRLF that ends the line, which needs no search. `None` for what the line-based
    /// path reads instead: a line that ends otherwise (bare LF, the end of the buffer),
    /// other whitespace than spaces and tabs between names, or too long a line.
    #[inline]
    fn auth_line(&mut self, names: &'a [u8]) -> Option<usize> {
        let mut i = 0;
        loop {
            // Most names are known, upper case and followed by one space: compared whole
            // with the byte after them, and the space skipped.
            if let Some((bit, len)) = mechanism_alone(names.get(i..)?) {
                self.auth_known |= 1 << bit;
                i += len;
                i += usize::from(names.get(i) == Some(&b' '));
                continue;
            }
            match *names.get(i)? {
                b' ' | b'\t' => i += 1,
                b'\r' => break,
                b if is_space(b) => return None, // LF or form feed
                _ => {
                    let start = i;
                    i = next_space(names, i + 1);
                    let name = &names[start..i];
                    match known_mechanism(name) {
                        Some(bit) => self.auth_known |= 1 << bit,
                        None => self.unknown_mechanism(name),
                    }
                }
            }
        }
        // `250-AUTH ` and the names: the line's text, within the limit.
        (names.get(i + 1) == Some(&b'\n') && 9 + i <= crate::reply::DEFAULT_MAX_LINE_LEN)
            .then_some(i + 2)
    }

    /// The pairs of a `LIMITS` line in the one-scan path, from after `LIMITS `: what
    /// [`parse_limits`] finds in them, and their length up to and including the CRLF.
    /// `None` for what the line-based path reads instead, as for [`Builder::auth_line`].
    #[inline]
    fn limits_line(&mut self, pairs: &[u8]) -> Option<usize> {
        let mut limits = Limits::default();
        let mut i = 0;
        loop {
            match *pairs.get(i)? {
                b' ' | b'\t' => i += 1,
                b'\r' => break,
                b if is_space(b) => return None, // LF or form feed
                _ => {
                    let start = i;
                    i = next_space(pairs, i + 1);
                    limit_pair(&mut limits, &pairs[start..i]);
                }
            }
        }
        // `250-LIMITS ` and the pairs: the line's text, within the limit.
        if pairs.get(i + 1) != Some(&b'\n') || 11 + i > crate::reply::DEFAULT_MAX_LINE_LEN {
            return None;
        }
        self.limits = Some(limits);
        Some(i + 2)
    }

    /// Counts an unknown mechanism once: its name is kept in a slot to recognise a repeat;
    /// past the slots the count is given up ([`MANY_UNKNOWN`]).
    #[cold]
    fn unknown_mechanism(&mut self, name: &'a [u8]) {
        let n = usize::from(self.auth_unknown);
        if n > UNKNOWN_SLOTS {
            return;
        }
        if self.unknown_names[..n.min(UNKNOWN_SLOTS)]
            .iter()
            .any(|seen| seen.eq_ignore_ascii_case(name))
        {
            return;
        }
        if n == UNKNOWN_SLOTS {
            self.auth_unknown = MANY_UNKNOWN;
            return;
        }
        self.unknown_names[n] = name;
        self.auth_unknown += 1;
    }

    /// Classifies every line of `raw` (a reply's bytes).
    fn over(raw: &'a [u8]) -> Self {
        let mut b = Self::default();
        let mut pos = 0;
        while pos < raw.len() {
            let end = crate::grammar::find_lf(&raw[pos..]).map_or(raw.len(), |i| pos + i + 1);
            b.line(pos, &raw[pos..end]);
            pos = end;
        }
        b
    }

    /// The owned copy of `raw` (the bytes the lines came from) and the values found.
    #[inline]
    fn finish(self, raw: &[u8]) -> Extensions {
        // The one UTF-8 check of the whole reply, with SIMD (`simdutf8`: an ASCII test of
        // 64 bytes per step where `core::str::from_utf8` takes 16).
        match simdutf8::basic::from_utf8(raw) {
            Ok(s) if !self.lower => self.build(s.to_owned()),
            _ => self.finish_rare(raw),
        }
    }

    /// [`Builder::finish`] for 8-bit text or keywords with lower case.
    #[cold]
    #[inline(never)]
    fn finish_rare(self, raw: &[u8]) -> Extensions {
        let lower = self.lower;
        let mut ext = match core::str::from_utf8(raw) {
            Ok(s) => self.build(s.to_owned()),
            Err(_) => {
                // Classify the lossy copy, whose offsets differ.
                let text = String::from_utf8_lossy(raw).into_owned();
                let mut ext = Builder::over(text.as_bytes()).build(String::new());
                ext.text = text;
                ext
            }
        };
        if lower {
            upper_case_keywords(&mut ext.text);
        }
        ext
    }

    /// The values found, with `text` as the kept copy.
    #[inline]
    fn build(self, text: String) -> Extensions {
        let b = self;
        Extensions {
            text,
            greeting: b.greeting,
            name_end: b.name_end,
            flags: b.flags,
            size: b.size,
            auth_known: b.auth_known,
            auth_unknown: b.auth_unknown,
            legacy_auth: b.legacy_auth,
            deliver_by: b.deliver_by,
            limits: b.limits,
            ignored_lines: b.ignored_lines,
        }
    }
}

/// Upper-cases each keyword line's keyword in place (every line but the first).
fn upper_case_keywords(text: &mut String) {
    let mut ranges = Vec::new();
    {
        let mut scan = LineScanner {
            text: text.as_bytes(),
            pos: 0,
        };
        let _ = scan.next_range();
        while let Some(line) = scan.next_line() {
            if let Some(l) = line {
                ranges.push(l.kw);
            }
        }
    }
    for (a, b) in ranges {
        text[a..b].make_ascii_uppercase();
    }
}

/// `ehlo-line = *WSP ehlo-keyword` (RFC 5321 §4.1.1.1, leading blanks tolerated): the
/// keyword and whether it has lower case. The keyword ends at a space, tab, `=` (legacy
/// `AUTH=`), CR or LF.
#[inline]
fn keyword_line(i: &[u8]) -> IResult<&[u8], (&[u8], bool)> {
    preceded(space0, keyword).parse(i)
}

/// The keyword itself, a hand-tuned nom primitive: it ends at a space, tab, `=`, CR or LF
/// (or the end of input) and reports whether it has lower case, in one pass. Eight bytes
/// at a time (SWAR on a `u64`) skip the bytes that can be neither (upper case, digits,
/// `-` and most punctuation); each byte that might be is classified with one table
/// lookup, as the whole keyword would be without the word loop.
#[inline]
fn keyword(i: &[u8]) -> IResult<&[u8], (&[u8], bool)> {
    let mut lower = 0u8;
    let mut n = 0;
    loop {
        // Skip the plain bytes of whole words.
        while let Some(word) = i.get(n..n + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let flagged = maybe_special(u64::from_le_bytes(w));
            if flagged == 0 {
                n += 8;
            } else {
                n += (flagged.trailing_zeros() / 8) as usize;
                break;
            }
        }
        let Some(&b) = i.get(n) else {
            break;
        };
        let class = BYTE_CLASS[usize::from(b)];
        if class & ENDS_KEYWORD != 0 {
            break;
        }
        lower |= class;
        n += 1;
    }
    Ok((&i[n..], (&i[..n], lower & LOWER != 0)))
}

/// For each byte of `w` that may end a keyword or be lower case (below `-`, `=`, `a` and
/// above, 8-bit), the high bit of that byte; exact for the lowest such byte, which is
/// all [`keyword`] uses (a borrow can only flag bytes above a flagged one).
#[inline]
const fn maybe_special(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let high = w & HIGH;
    let x = w & !HIGH; // seven bits per byte: the additions below cannot carry
    let below_dash = !(x + ONES * (0x80 - b'-' as u64)) & HIGH;
    let lower_or_above = (x + ONES * (0x80 - b'a' as u64)) & HIGH;
    let eq = x ^ (ONES * b'=' as u64);
    let equals = eq.wrapping_sub(ONES) & !eq & HIGH;
    high | below_dash | lower_or_above | equals
}

/// `250-` or `250 `: the head of every line the one-scan path takes (anything else,
/// including a bare `250`, goes to the general path). The four bytes are read as one
/// little-endian word and compared with the two heads.
#[inline(always)]
fn head_250(i: &[u8]) -> IResult<&[u8], u8> {
    const DASH_250: u32 = u32::from_le_bytes(*b"250-");
    const SPACE_250: u32 = u32::from_le_bytes(*b"250 ");
    match i.split_first_chunk::<4>() {
        Some((head, rest)) => match u32::from_le_bytes(*head) {
            DASH_250 => Ok((rest, b'-')),
            SPACE_250 => Ok((rest, b' ')),
            _ => Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Tag,
            ))),
        },
        None => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Tag,
        ))),
    }
}

/// The EHLO reply as nearly every server sends it, in one scan from the bytes: every line
/// `250-` or `250 ` and ended by CRLF, every keyword line starting with its keyword, within
/// the default limits. `None` at the first line it does not take, and the caller runs the
/// general path ([`ReplyParser`] and [`Builder::line`]), which gives the same result on
/// every input this path accepts.
///
/// The greeting's server name and its line's end come from one search (the first blank or
/// LF, then the LF after that blank). Each keyword line's head is read as one word
/// ([`head_250`]), and the lines are taken by their most common shapes first, each without
/// searching for its end: a known keyword without typed parameters alone on its line
/// ([`Keyword::alone`]: the keyword and CRLF compared whole, most lines of a real reply),
/// `SIZE` and a number ([`number_crlf`]: the number's end is the line's), and `AUTH` and
/// `LIMITS` read up to the CRLF after their last name or pair ([`Builder::auth_line`],
/// [`Builder::limits_line`]). Any other line's end is found with the one LF searcher set
/// up for the whole reply, and its keyword is looked up with [`Keyword::from_upper`] or
/// read by the keyword scan ([`keyword`]) within the line already delimited.
fn one_scan(buf: &[u8]) -> Option<(Extensions, usize)> {
    let mut b = Builder::default();
    let (_, sep) = head_250(buf).ok()?;
    let lf = crate::grammar::LfSearcher::new();
    // The server name's end and the line's in one scan: the first blank or LF after the
    // head, then the LF after that blank.
    let stop = 4 + crate::grammar::find_blank_or_lf(&buf[4..])?;
    let (blank, end) = if buf[stop] == b'\n' {
        (None, stop)
    } else {
        (Some(stop), stop + 1 + lf.find(&buf[stop + 1..])?)
    };
    // CRLF (`head_250` saw four bytes before it), within the line limit.
    if buf[end - 1] != b'\r' || end - 1 > crate::reply::DEFAULT_MAX_LINE_LEN {
        return None;
    }
    let mut pos = end + 1;
    b.lines = 1;
    b.greeting_with_blank(&buf[..end - 1], end - 1, blank);
    let mut last = sep == b' ';
    // The line count is checked once at the end: every line takes at least seven bytes,
    // so the loop stays within the buffer, and too many lines go to the general path.
    while !last {
        let rest = &buf[pos..];
        // Most lines are a known keyword without parameters, alone: compared whole,
        // terminator included, their end needs no search.
        let (tail, sep) = head_250(rest).ok()?;
        last = sep == b' ';
        b.lines += 1;
        if let Some((known, len)) = Keyword::alone(tail) {
            b.flags |= known.bit();
            if known == Keyword::DeliverBy {
                b.deliver_by = Some(None); // what `Builder::params` finds in no parameters
            }
            pos += 4 + len;
            continue;
        }
        // `SIZE` and a number, the next most common line: the number's end is the line's.
        if let [b'S', b'I', b'Z', b'E', b' ', digits @ ..] = tail
            && let Some((value, len)) = number_crlf(digits)
        {
            b.flags |= Keyword::Size.bit();
            b.size = Some(match value {
                0 => SizeLimit::NoFixedLimit,
                n => SizeLimit::Max(n),
            });
            pos += 9 + len;
            continue;
        }
        // `AUTH` and its names, read up to the CRLF after the last one.
        if let [
            b'A',
            b'U',
            b'T',
            b'H',
            delimiter @ (b' ' | b'='),
            names @ ..,
        ] = tail
        {
            let len = b.auth_line(names)?;
            b.flags |= Keyword::Auth.bit();
            b.legacy_auth |= *delimiter == b'=';
            pos += 9 + len;
            continue;
        }
        // `LIMITS` and its pairs (Exim), read up to the CRLF after the last one.
        if let [b'L', b'I', b'M', b'I', b'T', b'S', b' ', pairs @ ..] = tail {
            let len = b.limits_line(pairs)?;
            b.flags |= Keyword::Limits.bit();
            pos += 11 + len;
            continue;
        }
        let end = lf.find(rest)?;
        // At least one keyword byte, and CRLF.
        let [_, _, _, _, _, .., b'\r', b'\n'] = &rest[..end + 1] else {
            return None;
        };
        let content_len = end - 1;
        if content_len > crate::reply::DEFAULT_MAX_LINE_LEN {
            return None;
        }
        let text = &rest[4..content_len];
        if let Some(known) = Keyword::from_upper(text) {
            b.known_keyword(known, &rest[content_len..end + 1]);
        } else {
            let (after, (kw, lower)) = keyword(text).ok()?;
            // The scan stops at the end of the text, a space, tab or `=`; a CR inside
            // the line (not its CRLF) goes to the general path.
            if kw.is_empty() || after.first() == Some(&b'\r') {
                return None;
            }
            let after = &rest[4 + kw.len()..end + 1];
            b.keyword(kw, lower, after);
        }
        pos += end + 1;
    }
    if pos > crate::reply::DEFAULT_MAX_REPLY_LEN
        || b.lines as usize > crate::reply::DEFAULT_MAX_LINES
    {
        return None;
    }
    Some((b.finish(&buf[..pos]), pos))
}

impl Extensions {
    /// Reads the capabilities from a 250 reply to EHLO.
    ///
    /// Keyword lines that are empty or only whitespace are skipped and counted
    /// ([`Extensions::ignored_lines`]); nothing a server sends makes this panic. A caller
    /// that has not parsed the reply yet can use [`Extensions::parse`], which does the
    /// reply grammar and this in one pass.
    pub fn from_ehlo(reply: &Reply<'_>) -> Result<Self, EhloError> {
        if reply.code() != 250 {
            return Err(EhloError::NotAccepted { code: reply.code() });
        }
        let raw = reply.as_bytes();
        if let Some((ext, used)) = one_scan(raw)
            && used == raw.len()
        {
            return Ok(ext);
        }
        Ok(Builder::over(raw).finish(raw))
    }

    /// Parses the first complete reply in `buf` and its EHLO capabilities in one pass:
    /// each line is validated by the reply grammar ([`ReplyParser`]'s defaults, exactly
    /// what [`parse_reply`](crate::parse_reply) checks) and classified as it is read.
    ///
    /// Gives the same result as [`parse_reply`](crate::parse_reply) followed by
    /// [`Extensions::from_ehlo`]: `Ok(None)` when more bytes are needed, the reply error,
    /// or [`EhloError::NotAccepted`] for a valid reply that is not 250. One allocation
    /// (the text), `AUTH` included; nothing is allocated
    /// while the reply is incomplete.
    ///
    /// ```
    /// use smtping_proto::Extensions;
    ///
    /// let buf = b"250-mx.example.org\r\n250-SIZE 1000\r\n250 STARTTLS\r\n";
    /// let (ext, used) = Extensions::parse(buf).unwrap().unwrap();
    /// assert_eq!((ext.size(), ext.starttls(), used), (Some(1000), true, buf.len()));
    /// assert!(Extensions::parse(&buf[..20]).unwrap().is_none());
    /// ```
    pub fn parse(buf: &[u8]) -> Result<Option<(Self, usize)>, EhloParseError> {
        if let Some(done) = one_scan(buf) {
            return Ok(Some(done));
        }
        Self::parse_general(buf)
    }

    /// [`Extensions::parse`] without its one-scan path for the common reply shape: the
    /// reply grammar line by line and the general classifier. Always the same result as
    /// [`Extensions::parse`]; public for the fuzz target that checks so.
    #[doc(hidden)]
    pub fn parse_general(buf: &[u8]) -> Result<Option<(Self, usize)>, EhloParseError> {
        const PARSER: ReplyParser = ReplyParser::new();
        let mut b = Builder::default();
        let parsed = PARSER.parse_lines(buf, &mut ReplyProgress::default(), |code, start, line| {
            if code == 250 {
                b.line(start, line);
            }
        });
        match parsed {
            Ok(Some((reply, used))) if reply.code() == 250 => {
                Ok(Some((b.finish(reply.as_bytes()), used)))
            }
            Ok(Some((reply, _))) => Err(EhloParseError::Ehlo(EhloError::NotAccepted {
                code: reply.code(),
            })),
            Ok(None) => Ok(None),
            Err(e) => Err(EhloParseError::Reply(e)),
        }
    }

    /// Capabilities of a server that answered HELO (RFC 5321 §4.1.1.1: no extensions):
    /// the reply's first line as greeting, no keywords, whatever the code.
    ///
    /// ```
    /// # use smtping_proto::{parse_reply, Extensions};
    /// let (r, _) = parse_reply(b"250 mx.example.org Hello\r\n").unwrap().unwrap();
    /// let ext = Extensions::without_keywords(&r);
    /// assert_eq!(ext.server_name(), "mx.example.org");
    /// assert_eq!(ext.keywords().count(), 0);
    /// ```
    #[must_use]
    pub fn without_keywords(reply: &Reply<'_>) -> Self {
        let first = reply.first_line();
        let text = String::from_utf8_lossy(first).trim().to_owned();
        // A text without LF: the line scanner sees only the greeting line.
        let len = text.len() as u32;
        let name_end = text.find([' ', '\t']).map_or(len, |i| i as u32);
        Self {
            text,
            greeting: (0, len),
            name_end,
            flags: 0,
            size: None,
            auth_known: 0,
            auth_unknown: 0,
            legacy_auth: false,
            deliver_by: None,
            limits: None,
            ignored_lines: 0,
        }
    }

    fn lines(&self) -> impl Iterator<Item = Line> + '_ {
        let mut scan = LineScanner {
            text: self.text.as_bytes(),
            pos: 0,
        };
        let _ = scan.next_range(); // the greeting line
        core::iter::from_fn(move || scan.next_line()).flatten()
    }

    /// The server's name: the first word of the first line (RFC 5321 `Domain` or address
    /// literal, as the server wrote it).
    #[must_use]
    #[inline]
    pub fn server_name(&self) -> &str {
        &self.text[self.greeting.0 as usize..self.name_end as usize]
    }

    /// The whole first line (server name and greeting text).
    #[must_use]
    pub fn greeting(&self) -> &str {
        &self.text[self.greeting.0 as usize..self.greeting.1 as usize]
    }

    /// `true` when the server advertised `keyword` (case-insensitive), known or not.
    ///
    /// ```
    /// # use smtping_proto::{parse_reply, Extensions};
    /// let (r, _) = parse_reply(b"250-mx\r\n250-X-Custom 1\r\n250 StartTLS\r\n").unwrap().unwrap();
    /// let ext = Extensions::from_ehlo(&r).unwrap();
    /// assert!(ext.supports("STARTTLS") && ext.supports("x-custom") && !ext.supports("SIZE"));
    /// ```
    #[must_use]
    pub fn supports(&self, keyword: &str) -> bool {
        self.find(keyword).is_some()
    }

    /// `true` when the server advertised a known keyword.
    #[must_use]
    pub const fn has(&self, keyword: Keyword) -> bool {
        self.flags & keyword.bit() != 0
    }

    /// The raw parameters of `keyword` (case-insensitive), `Some("")` when it has none,
    /// `None` when it was not advertised. With repeated keywords, the first wins.
    #[must_use]
    pub fn params(&self, keyword: &str) -> Option<&str> {
        self.find(keyword)
            .map(|l| &self.text[l.params.0..l.params.1])
    }

    fn find(&self, keyword: &str) -> Option<Line> {
        self.lines()
            .find(|l| self.text[l.kw.0..l.kw.1].eq_ignore_ascii_case(keyword))
    }

    /// Every keyword line in order: (upper-cased keyword, raw parameters).
    pub fn keywords(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.lines().map(|l| {
            (
                &self.text[l.kw.0..l.kw.1],
                &self.text[l.params.0..l.params.1],
            )
        })
    }

    /// The keywords SMTPing does not know, with their raw parameters.
    pub fn unknown(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.keywords()
            .filter(|(k, _)| Keyword::from_upper(k.as_bytes()).is_none())
    }

    /// The known keywords advertised.
    pub fn known(&self) -> impl Iterator<Item = Keyword> + '_ {
        Keyword::ALL.into_iter().filter(|k| self.has(*k))
    }

    /// Keyword lines that were empty or only whitespace.
    #[must_use]
    pub const fn ignored_lines(&self) -> u32 {
        self.ignored_lines
    }

    /// What `SIZE` says, if advertised.
    #[must_use]
    pub const fn size_limit(&self) -> Option<SizeLimit> {
        self.size
    }

    /// The fixed maximum message size in octets, when `SIZE n` with n > 0 was advertised.
    /// A value too large for `u64` saturates to `u64::MAX`.
    #[must_use]
    pub const fn size(&self) -> Option<u64> {
        match self.size {
            Some(SizeLimit::Max(n)) => Some(n),
            _ => None,
        }
    }

    /// SASL mechanisms from every `AUTH` and `AUTH=` line, de-duplicated, in order: a
    /// small borrowing view (a bit set of the known mechanisms over the kept text) with
    /// [`AuthMechanisms::contains`], [`AuthMechanisms::len`] and [`AuthMechanisms::iter`].
    ///
    /// ```
    /// # use smtping_proto::{AuthMechanism, Extensions};
    /// let buf = b"250-mx\r\n250-AUTH LOGIN x-foo PLAIN\r\n250 AUTH=LOGIN\r\n";
    /// let (ext, _) = Extensions::parse(buf).unwrap().unwrap();
    /// let auth = ext.auth_mechanisms();
    /// assert_eq!(auth.len(), 3);
    /// assert!(auth.contains(&AuthMechanism::Plain));
    /// let names: Vec<String> = auth.iter().map(|m| m.to_string()).collect();
    /// assert_eq!(names, ["LOGIN", "X-FOO", "PLAIN"]);
    /// ```
    #[must_use]
    #[inline]
    pub fn auth_mechanisms(&self) -> AuthMechanisms<'_> {
        AuthMechanisms {
            text: &self.text,
            known: self.auth_known,
            unknown: self.auth_unknown,
        }
    }

    /// `true` when the legacy `AUTH=` form was advertised (old Outlook clients).
    #[must_use]
    pub const fn has_legacy_auth(&self) -> bool {
        self.legacy_auth
    }

    /// `DELIVERBY` (RFC 2852): `Some(Some(s))` with the minimum by-time in seconds,
    /// `Some(None)` when advertised without one.
    #[must_use]
    pub const fn deliver_by(&self) -> Option<Option<u64>> {
        self.deliver_by
    }

    /// `LIMITS` (RFC 9422) parameters, if advertised.
    #[must_use]
    pub const fn limits(&self) -> Option<Limits> {
        self.limits
    }

    /// `MT-PRIORITY` (RFC 6710) policy name, `Some("")` when advertised without one.
    #[must_use]
    pub fn mt_priority(&self) -> Option<&str> {
        self.params("MT-PRIORITY")
    }

    /// `XCLIENT` attribute names, when advertised.
    pub fn xclient_attributes(&self) -> Option<impl Iterator<Item = &str> + '_> {
        self.params("XCLIENT").map(str::split_ascii_whitespace)
    }

    /// `PIPELINING` (RFC 2920).
    #[must_use]
    pub const fn pipelining(&self) -> bool {
        self.has(Keyword::Pipelining)
    }

    /// `STARTTLS` (RFC 3207).
    #[must_use]
    pub const fn starttls(&self) -> bool {
        self.has(Keyword::StartTls)
    }

    /// `SMTPUTF8` (RFC 6531).
    #[must_use]
    pub const fn smtputf8(&self) -> bool {
        self.has(Keyword::SmtpUtf8)
    }

    /// `8BITMIME` (RFC 6152).
    #[must_use]
    pub const fn eightbitmime(&self) -> bool {
        self.has(Keyword::EightBitMime)
    }

    /// `CHUNKING` (RFC 3030).
    #[must_use]
    pub const fn chunking(&self) -> bool {
        self.has(Keyword::Chunking)
    }

    /// `BINARYMIME` (RFC 3030).
    #[must_use]
    pub const fn binarymime(&self) -> bool {
        self.has(Keyword::BinaryMime)
    }

    /// `DSN` (RFC 3461).
    #[must_use]
    pub const fn dsn(&self) -> bool {
        self.has(Keyword::Dsn)
    }

    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    #[must_use]
    pub const fn enhanced_status_codes(&self) -> bool {
        self.has(Keyword::EnhancedStatusCodes)
    }

    /// `REQUIRETLS` (RFC 8689).
    #[must_use]
    pub const fn requiretls(&self) -> bool {
        self.has(Keyword::RequireTls)
    }

    /// `AUTH` with at least one mechanism.
    #[must_use]
    pub const fn auth(&self) -> bool {
        self.auth_known != 0 || self.auth_unknown != 0
    }
}

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extensions")
            .field("server_name", &self.server_name())
            .field("keywords", &self.keywords().collect::<Vec<_>>())
            .finish()
    }
}

/// `SIZE [number]` (RFC 1870): the first whitespace-separated word, all digits. Over bytes,
/// in one loop, so the common case needs no UTF-8 check and no overflow check per digit.
fn parse_size(params: &[u8]) -> SizeLimit {
    let mut i = 0;
    while i < params.len() && params[i].is_ascii_whitespace() {
        i += 1;
    }
    if i == params.len() {
        return SizeLimit::NoFixedLimit;
    }
    let mut n = 0u64;
    let mut overflow = false;
    // Eight digits at a time (SWAR on a `u64`) while the value cannot overflow; SIZE
    // values are eight or nine digits.
    while n <= (u64::MAX - 99_999_999) / 100_000_000
        && let Some(word) = params.get(i..i + 8)
    {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let w = u64::from_le_bytes(w);
        if !all_digits(w) {
            break;
        }
        n = n * 100_000_000 + eight_digits(w);
        i += 8;
    }
    while let Some(&b) = params.get(i) {
        let digit = b.wrapping_sub(b'0');
        if digit > 9 {
            if b.is_ascii_whitespace() {
                break;
            }
            return SizeLimit::Invalid;
        }
        if n <= (u64::MAX - 9) / 10 {
            n = n * 10 + u64::from(digit);
        } else {
            match n
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(digit)))
            {
                Some(v) => n = v,
                None => overflow = true,
            }
        }
        i += 1;
    }
    match n {
        // All digits but too large for u64: larger than any message we could send.
        _ if overflow => SizeLimit::Max(u64::MAX),
        0 => SizeLimit::NoFixedLimit,
        n => SizeLimit::Max(n),
    }
}

/// A number of one to fifteen ASCII digits and the CRLF right after it, at the start of
/// `p`: its value and length, CRLF included (`None` otherwise, and when fewer than eight
/// bytes follow a word of digits that is not followed by CRLF or by one digit and CRLF:
/// [`parse_size`] then reads the line). Eight bytes at a time: the digits of each word are
/// found and converted together, without a loop per digit.
#[inline(always)]
fn number_crlf(p: &[u8]) -> Option<(u64, usize)> {
    let (first, n0) = digit_word(p.get(..8)?);
    let (value, n) = if n0 < 8 {
        (first, n0)
    } else {
        // Eight or nine digits, most `SIZE` values: the bytes after the word, compared.
        if p.get(8..10) == Some(b"\r\n") {
            return Some((first, 10));
        }
        if let Some(&[d @ b'0'..=b'9', b'\r', b'\n']) = p.get(8..11) {
            return Some((first * 10 + u64::from(d - b'0'), 11));
        }
        let (second, n1) = digit_word(p.get(8..16)?);
        if n1 == 8 {
            return None; // sixteen digits or more: rare, the general path reads them
        }
        (first * POW10[n1] + second, 8 + n1)
    };
    (n > 0 && p.get(n..n + 2) == Some(b"\r\n")).then_some((value, n + 2))
}

/// `10^n` for `n` in `0..8`.
const POW10: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// The leading ASCII digits of an eight-byte `word` (the first digit in its first byte):
/// their value and how many there are (`0..=8`). SWAR on a `u64`: each byte's distance
/// from `0` is a digit exactly when adding `0x76` to its low seven bits leaves the high
/// bit clear and the byte had none (no byte can carry into the next).
#[inline(always)]
fn digit_word(word: &[u8]) -> (u64, usize) {
    const HIGH: u64 = DIGIT_ONES * 0x80;
    const ZEROS: u64 = DIGIT_ONES * b'0' as u64;
    let mut w = [0u8; 8];
    w.copy_from_slice(word);
    let w = u64::from_le_bytes(w);
    let x = w ^ ZEROS;
    let not_digit = (((x & !HIGH) + DIGIT_ONES * 0x76) | x) & HIGH;
    let n = (not_digit.trailing_zeros() / 8) as usize;
    match n {
        0 => (0, 0),
        8 => (eight_digits(w), 8),
        // The digits moved to the top bytes, `0`s below them: the same value.
        _ => (eight_digits((w << (64 - 8 * n)) | (ZEROS >> (8 * n))), n),
    }
}

const DIGIT_ONES: u64 = 0x0101_0101_0101_0101;

/// `true` when all eight bytes of `w` are ASCII digits: the high nibble is 3 and adding
/// 6 keeps it 3 (no byte can carry into the next once the first test holds).
#[inline]
const fn all_digits(w: u64) -> bool {
    const F0: u64 = DIGIT_ONES * 0xF0;
    w & F0 == DIGIT_ONES * 0x30 && w.wrapping_add(DIGIT_ONES * 6) & F0 == DIGIT_ONES * 0x30
}

/// The value of eight ASCII digits loaded little-endian (the first digit in the lowest
/// byte): pairs, then quadruples, then the whole, with three multiplications.
#[inline]
const fn eight_digits(w: u64) -> u64 {
    const MASK: u64 = 0x0000_00FF_0000_00FF;
    const MUL1: u64 = 100 + (1_000_000 << 32);
    const MUL2: u64 = 1 + (10_000 << 32);
    let v = w.wrapping_sub(DIGIT_ONES * b'0' as u64);
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    (v & MASK)
        .wrapping_mul(MUL1)
        .wrapping_add(((v >> 16) & MASK).wrapping_mul(MUL2))
        >> 32
}

/// The `LIMITS` parameters (RFC 9422 §3): `NAME=value` pairs split at ASCII whitespace,
/// names case-insensitive, a later pair winning over an earlier one; a value that is not
/// a `u32` leaves its limit unset. Read from the bytes, so the terminator may be included.
fn parse_limits(params: &[u8]) -> Limits {
    let mut limits = Limits::default();
    let mut i = 0;
    while i < params.len() {
        if is_space(params[i]) {
            i += 1;
            continue;
        }
        let start = i;
        i = next_space(params, i + 1);
        limit_pair(&mut limits, &params[start..i]);
    }
    limits
}

/// One `NAME=value` pair of `LIMITS` (no whitespace in it), into `limits`.
#[inline]
fn limit_pair(limits: &mut Limits, pair: &[u8]) {
    // Servers send the names in upper case: `RCPTMAX=` and `MAILMAX=` are one word each.
    let (slot, value) = match pair.split_first_chunk::<8>() {
        Some((b"RCPTMAX=", value)) => (&mut limits.rcpt_max, value),
        Some((b"MAILMAX=", value)) => (&mut limits.mail_max, value),
        _ => {
            let Some(eq) = pair.iter().position(|b| *b == b'=') else {
                return;
            };
            let name = &pair[..eq];
            let slot = if name.eq_ignore_ascii_case(b"RCPTMAX") {
                &mut limits.rcpt_max
            } else if name.eq_ignore_ascii_case(b"MAILMAX") {
                &mut limits.mail_max
            } else if name.eq_ignore_ascii_case(b"RCPTDOMAINMAX") {
                &mut limits.rcpt_domain_max
            } else {
                return;
            };
            (slot, &pair[eq + 1..])
        }
    };
    *slot = decimal_u32(value);
}

/// What `u32::from_str` accepts: an optional `+`, then at least one decimal digit, the
/// value within `u32`.
#[inline]
fn decimal_u32(value: &[u8]) -> Option<u32> {
    let digits = value.strip_prefix(b"+").unwrap_or(value);
    if digits.is_empty() {
        return None;
    }
    // Nine digits cannot overflow: no check per digit for them.
    let mut n = 0u32;
    if digits.len() <= 9 {
        for d in digits {
            let d = d.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            n = n * 10 + u32::from(d);
        }
        return Some(n);
    }
    for d in digits {
        let d = d.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u32::from(d))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests;
