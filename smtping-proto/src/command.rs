//! SMTP commands, built from validated parts and encoded exactly.
//!
//! No command is concatenated from user text: addresses are [`Address`], names are
//! [`Domain`], and every ESMTP parameter goes through a builder that refuses CR, LF and NUL
//! (and anything else that would change the command's meaning) before a byte is sent.
//!
//! ```
//! use smtping_proto::command::{Body, Command, MailParams, Notify, RcptParams};
//! use smtping_proto::{Address, Domain};
//!
//! let from = Address::new("probe@example.org").unwrap();
//! let params = MailParams::new().size(2048).body(Body::EightBitMime).envid("id+1").unwrap();
//! assert_eq!(
//!     Command::Mail { from: &from, params: &params }.to_bytes(),
//!     b"MAIL FROM:<probe@example.org> SIZE=2048 BODY=8BITMIME ENVID=id+2B1\r\n"
//! );
//!
//! let to = Address::new("alice@example.net").unwrap();
//! let rcpt = RcptParams::new().notify(Notify::FAILURE | Notify::DELAY);
//! assert_eq!(
//!     Command::Rcpt { to: &to, params: &rcpt }.to_bytes(),
//!     b"RCPT TO:<alice@example.net> NOTIFY=FAILURE,DELAY\r\n"
//! );
//!
//! let name = Domain::ehlo_name("client.example.org").unwrap();
//! assert_eq!(Command::Ehlo(&name).to_bytes(), b"EHLO client.example.org\r\n");
//! ```

use core::fmt;
use core::ops::BitOr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

use crate::address::{Address, AddressError, Domain, check_line_safe};
use crate::ehlo::AuthMechanism;

/// Why a command parameter cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// An address or domain failed validation.
    #[error(transparent)]
    Address(#[from] AddressError),
    /// A parameter keyword or value breaks the ESMTP grammar (RFC 5321 §4.1.2).
    #[error("ESMTP parameter {name:?} is not valid: {reason}")]
    InvalidParameter {
        /// The parameter (or keyword) concerned.
        name: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// `BODY=` values (RFC 6152, RFC 3030).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Body {
    /// `BODY=7BIT`.
    SevenBit,
    /// `BODY=8BITMIME`.
    EightBitMime,
    /// `BODY=BINARYMIME` (requires BDAT).
    BinaryMime,
}

impl Body {
    /// The parameter value.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::SevenBit => "7BIT",
            Self::EightBitMime => "8BITMIME",
            Self::BinaryMime => "BINARYMIME",
        }
    }
}

/// `RET=` values (RFC 3461): what a bounce should return.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Ret {
    /// `RET=FULL`: the whole message.
    Full,
    /// `RET=HDRS`: headers only.
    Hdrs,
}

/// `NOTIFY=` conditions (RFC 3461 §4.1): a set of SUCCESS, FAILURE, DELAY, or NEVER.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Notify(u8);

impl Notify {
    /// `NEVER`: no DSN at all.
    pub const NEVER: Notify = Notify(0);
    /// `SUCCESS`.
    pub const SUCCESS: Notify = Notify(1);
    /// `FAILURE`.
    pub const FAILURE: Notify = Notify(2);
    /// `DELAY`.
    pub const DELAY: Notify = Notify(4);

    fn write(self, out: &mut Vec<u8>) {
        if self.0 == 0 {
            out.extend_from_slice(b"NEVER");
            return;
        }
        let mut first = true;
        for (bit, name) in [(1, "SUCCESS"), (2, "FAILURE"), (4, "DELAY")] {
            if self.0 & bit != 0 {
                if !first {
                    out.push(b',');
                }
                out.extend_from_slice(name.as_bytes());
                first = false;
            }
        }
    }
}

impl BitOr for Notify {
    type Output = Notify;
    fn bitor(self, rhs: Notify) -> Notify {
        Notify(self.0 | rhs.0)
    }
}

/// Checks an esmtp-keyword: `(ALPHA / DIGIT) *(ALPHA / DIGIT / "-")`.
fn check_keyword(k: &str) -> Result<(), CommandError> {
    let bad = |reason| CommandError::InvalidParameter {
        name: k.to_owned(),
        reason,
    };
    check_line_safe("parameter keyword", k.as_bytes())?;
    let b = k.as_bytes();
    if b.is_empty() {
        return Err(bad("the keyword is empty"));
    }
    if !b[0].is_ascii_alphanumeric() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return Err(bad(
            "keywords are letters, digits and '-' (starting with a letter or digit)",
        ));
    }
    Ok(())
}

/// Checks an esmtp-value: `1*(%d33-60 / %d62-126)` (printable ASCII without '=' or space).
fn check_value(name: &str, v: &str) -> Result<(), CommandError> {
    check_line_safe("parameter value", v.as_bytes())?;
    if v.is_empty() || !v.bytes().all(|c| (33..=126).contains(&c) && c != b'=') {
        return Err(CommandError::InvalidParameter {
            name: name.to_owned(),
            reason: "values are printable ASCII without spaces or '='",
        });
    }
    Ok(())
}

/// xtext encoding (RFC 3461 §4): `+`, `=`, and bytes outside `!`..`~` become `+HH`.
fn xtext(input: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in input {
        if (33..=126).contains(&b) && b != b'+' && b != b'=' {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'+', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
        }
    }
}

/// Parameters of `MAIL FROM` (RFC 1870, 6152, 6531, 3461, 8689 and others).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailParams {
    size: Option<u64>,
    body: Option<Body>,
    smtputf8: bool,
    ret: Option<Ret>,
    envid: Option<String>,
    requiretls: bool,
    extra: Vec<(String, Option<String>)>,
}

impl MailParams {
    /// No parameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// `SIZE=n`: the message size announced (RFC 1870).
    #[must_use]
    pub fn size(mut self, n: u64) -> Self {
        self.size = Some(n);
        self
    }

    /// `BODY=`.
    #[must_use]
    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// `SMTPUTF8` (RFC 6531).
    #[must_use]
    pub fn smtputf8(mut self) -> Self {
        self.smtputf8 = true;
        self
    }

    /// `RET=` (RFC 3461).
    #[must_use]
    pub fn ret(mut self, ret: Ret) -> Self {
        self.ret = Some(ret);
        self
    }

    /// `ENVID=` (RFC 3461): printable ASCII, at most 100 characters, xtext-encoded on the
    /// wire.
    pub fn envid(mut self, id: &str) -> Result<Self, CommandError> {
        check_line_safe("ENVID", id.as_bytes())?;
        if id.is_empty() || id.len() > 100 || !id.bytes().all(|b| (32..=126).contains(&b)) {
            return Err(CommandError::InvalidParameter {
                name: "ENVID".into(),
                reason: "1 to 100 printable ASCII characters",
            });
        }
        self.envid = Some(id.to_owned());
        Ok(self)
    }

    /// `REQUIRETLS` (RFC 8689).
    #[must_use]
    pub fn requiretls(mut self) -> Self {
        self.requiretls = true;
        self
    }

    /// Any other parameter, `KEYWORD` or `KEYWORD=value`, validated against RFC 5321's
    /// esmtp-keyword and esmtp-value grammar.
    ///
    /// ```
    /// # use smtping_proto::command::MailParams;
    /// assert!(MailParams::new().extension("MT-PRIORITY", Some("3")).is_ok());
    /// assert!(MailParams::new().extension("X", Some("a b")).is_err());
    /// assert!(MailParams::new().extension("X\r\nRSET", None).is_err());
    /// ```
    pub fn extension(mut self, keyword: &str, value: Option<&str>) -> Result<Self, CommandError> {
        check_keyword(keyword)?;
        if let Some(v) = value {
            check_value(keyword, v)?;
        }
        self.extra
            .push((keyword.to_owned(), value.map(str::to_owned)));
        Ok(self)
    }

    /// The announced size, if any.
    #[must_use]
    pub fn announced_size(&self) -> Option<u64> {
        self.size
    }

    /// `true` when SMTPUTF8 is requested.
    #[must_use]
    pub fn wants_smtputf8(&self) -> bool {
        self.smtputf8
    }

    fn write(&self, out: &mut Vec<u8>) {
        if let Some(n) = self.size {
            out.extend_from_slice(b" SIZE=");
            out.extend_from_slice(n.to_string().as_bytes());
        }
        if let Some(b) = self.body {
            out.extend_from_slice(b" BODY=");
            out.extend_from_slice(b.as_str().as_bytes());
        }
        if self.smtputf8 {
            out.extend_from_slice(b" SMTPUTF8");
        }
        if let Some(r) = self.ret {
            out.extend_from_slice(match r {
                Ret::Full => b" RET=FULL",
                Ret::Hdrs => b" RET=HDRS",
            });
        }
        if let Some(id) = &self.envid {
            out.extend_from_slice(b" ENVID=");
            xtext(id.as_bytes(), out);
        }
        if self.requiretls {
            out.extend_from_slice(b" REQUIRETLS");
        }
        write_extra(&self.extra, out);
    }
}

fn write_extra(extra: &[(String, Option<String>)], out: &mut Vec<u8>) {
    for (k, v) in extra {
        out.push(b' ');
        out.extend_from_slice(k.as_bytes());
        if let Some(v) = v {
            out.push(b'=');
            out.extend_from_slice(v.as_bytes());
        }
    }
}

/// Parameters of `RCPT TO` (RFC 3461 and others).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RcptParams {
    notify: Option<Notify>,
    orcpt: Option<Address>,
    extra: Vec<(String, Option<String>)>,
}

impl RcptParams {
    /// No parameters.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// `NOTIFY=` (RFC 3461).
    #[must_use]
    pub fn notify(mut self, notify: Notify) -> Self {
        self.notify = Some(notify);
        self
    }

    /// `ORCPT=rfc822;<xtext>` (or `utf-8;` for a non-ASCII address, RFC 6533).
    #[must_use]
    pub fn orcpt(mut self, original: &Address) -> Self {
        self.orcpt = Some(original.clone());
        self
    }

    /// Any other parameter; see [`MailParams::extension`].
    pub fn extension(mut self, keyword: &str, value: Option<&str>) -> Result<Self, CommandError> {
        check_keyword(keyword)?;
        if let Some(v) = value {
            check_value(keyword, v)?;
        }
        self.extra
            .push((keyword.to_owned(), value.map(str::to_owned)));
        Ok(self)
    }

    fn write(&self, out: &mut Vec<u8>) {
        if let Some(n) = self.notify {
            out.extend_from_slice(b" NOTIFY=");
            n.write(out);
        }
        if let Some(a) = &self.orcpt {
            if a.needs_smtputf8() {
                // RFC 6533 utf-8-addr-xtext: non-ASCII kept, specials as \x{HH}.
                out.extend_from_slice(b" ORCPT=utf-8;");
                for c in a.as_str().chars() {
                    if c.is_ascii()
                        && ((c as u8) < 33 || c == '+' || c == '=' || c == '\\' || c == '\x7f')
                    {
                        out.extend_from_slice(format!("\\x{{{:02X}}}", c as u32).as_bytes());
                    } else {
                        let mut buf = [0u8; 4];
                        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    }
                }
            } else {
                out.extend_from_slice(b" ORCPT=rfc822;");
                xtext(a.as_str().as_bytes(), out);
            }
        }
        write_extra(&self.extra, out);
    }
}

/// A client command. Encode with [`Command::encode`]; every variant ends with CRLF.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command<'a> {
    /// `EHLO name`.
    Ehlo(&'a Domain),
    /// `HELO name`.
    Helo(&'a Domain),
    /// `STARTTLS`.
    StartTls,
    /// `AUTH mechanism [initial-response]`; the response is given raw and sent base64-encoded
    /// (an empty one as `=`, RFC 4954 §4).
    Auth {
        /// The SASL mechanism.
        mechanism: &'a AuthMechanism,
        /// The initial response, raw (not yet base64).
        initial_response: Option<&'a [u8]>,
    },
    /// A response line to a 334 challenge: raw bytes, sent base64-encoded.
    AuthResponse(&'a [u8]),
    /// `*`: abandon the AUTH exchange.
    AuthCancel,
    /// `MAIL FROM:<address> params`.
    Mail {
        /// The reverse-path (`<>` allowed).
        from: &'a Address,
        /// ESMTP parameters.
        params: &'a MailParams,
    },
    /// `RCPT TO:<address> params`.
    Rcpt {
        /// The forward-path.
        to: &'a Address,
        /// ESMTP parameters.
        params: &'a RcptParams,
    },
    /// `DATA`.
    Data,
    /// `BDAT size [LAST]` (RFC 3030); the chunk's bytes follow unchanged.
    Bdat {
        /// Octets in the chunk.
        size: u64,
        /// `true` for the last chunk.
        last: bool,
    },
    /// `RSET`.
    Rset,
    /// `NOOP`.
    Noop,
    /// `QUIT`.
    Quit,
}

impl Command<'_> {
    /// Appends the command line, CRLF included, to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Self::Ehlo(d) => {
                out.extend_from_slice(b"EHLO ");
                out.extend_from_slice(d.as_str().as_bytes());
            }
            Self::Helo(d) => {
                out.extend_from_slice(b"HELO ");
                out.extend_from_slice(d.as_str().as_bytes());
            }
            Self::StartTls => out.extend_from_slice(b"STARTTLS"),
            Self::Auth {
                mechanism,
                initial_response,
            } => {
                out.extend_from_slice(b"AUTH ");
                out.extend_from_slice(mechanism.as_str().as_bytes());
                if let Some(ir) = initial_response {
                    out.push(b' ');
                    if ir.is_empty() {
                        out.push(b'=');
                    } else {
                        base64_into(ir, out);
                    }
                }
            }
            Self::AuthResponse(data) => base64_into(data, out),
            Self::AuthCancel => out.push(b'*'),
            Self::Mail { from, params } => {
                out.extend_from_slice(b"MAIL FROM:<");
                out.extend_from_slice(from.as_str().as_bytes());
                out.push(b'>');
                params.write(out);
            }
            Self::Rcpt { to, params } => {
                out.extend_from_slice(b"RCPT TO:<");
                out.extend_from_slice(to.as_str().as_bytes());
                out.push(b'>');
                params.write(out);
            }
            Self::Data => out.extend_from_slice(b"DATA"),
            Self::Bdat { size, last } => {
                out.extend_from_slice(b"BDAT ");
                out.extend_from_slice(size.to_string().as_bytes());
                if *last {
                    out.extend_from_slice(b" LAST");
                }
            }
            Self::Rset => out.extend_from_slice(b"RSET"),
            Self::Noop => out.extend_from_slice(b"NOOP"),
            Self::Quit => out.extend_from_slice(b"QUIT"),
        }
        out.extend_from_slice(b"\r\n");
    }

    /// The encoded command as a new vector.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        self.encode(&mut out);
        out
    }

    /// `true` for commands that carry credentials (AUTH and its responses): transcripts
    /// must redact them.
    #[must_use]
    pub const fn is_sensitive(&self) -> bool {
        matches!(
            self,
            Self::Auth {
                initial_response: Some(_),
                ..
            } | Self::AuthResponse(_)
        )
    }

    /// The command verb (`"MAIL"`, `"RCPT"`, …), for logs and error messages.
    #[must_use]
    pub const fn verb(&self) -> &'static str {
        match self {
            Self::Ehlo(_) => "EHLO",
            Self::Helo(_) => "HELO",
            Self::StartTls => "STARTTLS",
            Self::Auth { .. } | Self::AuthResponse(_) | Self::AuthCancel => "AUTH",
            Self::Mail { .. } => "MAIL",
            Self::Rcpt { .. } => "RCPT",
            Self::Data => "DATA",
            Self::Bdat { .. } => "BDAT",
            Self::Rset => "RSET",
            Self::Noop => "NOOP",
            Self::Quit => "QUIT",
        }
    }
}

impl fmt::Display for Command<'_> {
    /// The command line without CRLF; AUTH payloads are shown as `[redacted]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auth {
                mechanism,
                initial_response: Some(_),
            } => write!(f, "AUTH {mechanism} [redacted]"),
            Self::AuthResponse(_) => f.write_str("[redacted]"),
            _ => {
                let bytes = self.to_bytes();
                f.write_str(&String::from_utf8_lossy(&bytes[..bytes.len() - 2]))
            }
        }
    }
}

fn base64_into(data: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(
        start + base64::encoded_len(data.len(), true).unwrap_or(0),
        0,
    );
    let written = BASE64.encode_slice(data, &mut out[start..]).unwrap_or(0);
    out.truncate(start + written);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(c: Command<'_>) -> String {
        String::from_utf8(c.to_bytes()).unwrap()
    }

    #[test]
    fn simple_commands() {
        assert_eq!(s(Command::StartTls), "STARTTLS\r\n");
        assert_eq!(s(Command::Data), "DATA\r\n");
        assert_eq!(s(Command::Rset), "RSET\r\n");
        assert_eq!(s(Command::Noop), "NOOP\r\n");
        assert_eq!(s(Command::Quit), "QUIT\r\n");
        assert_eq!(
            s(Command::Bdat {
                size: 1000,
                last: false
            }),
            "BDAT 1000\r\n"
        );
        assert_eq!(
            s(Command::Bdat {
                size: 0,
                last: true
            }),
            "BDAT 0 LAST\r\n"
        );
        let d = Domain::ehlo_name("[127.0.0.1]").unwrap();
        assert_eq!(s(Command::Helo(&d)), "HELO [127.0.0.1]\r\n");
    }

    #[test]
    fn mail_parameters() {
        let from = Address::null();
        let p = MailParams::new()
            .size(10)
            .body(Body::BinaryMime)
            .smtputf8()
            .ret(Ret::Hdrs)
            .envid("a b=c+d")
            .unwrap()
            .requiretls()
            .extension("MT-PRIORITY", Some("-3"))
            .unwrap()
            .extension("XFLAG", None)
            .unwrap();
        assert_eq!(
            s(Command::Mail {
                from: &from,
                params: &p
            }),
            "MAIL FROM:<> SIZE=10 BODY=BINARYMIME SMTPUTF8 RET=HDRS ENVID=a+20b+3Dc+2Bd REQUIRETLS MT-PRIORITY=-3 XFLAG\r\n"
        );
        assert_eq!(p.announced_size(), Some(10));
        assert!(p.wants_smtputf8());
    }

    #[test]
    fn parameter_validation() {
        assert!(MailParams::new().envid("").is_err());
        assert!(MailParams::new().envid("x\r\n").is_err());
        assert!(MailParams::new().envid(&"x".repeat(101)).is_err());
        assert!(MailParams::new().envid("é").is_err());
        assert!(MailParams::new().extension("", None).is_err());
        assert!(MailParams::new().extension("-X", None).is_err());
        assert!(MailParams::new().extension("X_Y", None).is_err());
        assert!(MailParams::new().extension("X", Some("")).is_err());
        assert!(MailParams::new().extension("X", Some("a=b")).is_err());
        assert!(matches!(
            RcptParams::new().extension("X", Some("a\nb")),
            Err(CommandError::Address(AddressError::ForbiddenByte {
                byte: b'\n',
                ..
            }))
        ));
    }

    #[test]
    fn rcpt_parameters() {
        let to = Address::new("a@b.example").unwrap();
        let orig = Address::new("x+y=z@c.example").unwrap();
        let p = RcptParams::new()
            .notify(Notify::SUCCESS | Notify::FAILURE | Notify::DELAY)
            .orcpt(&orig);
        assert_eq!(
            s(Command::Rcpt {
                to: &to,
                params: &p
            }),
            "RCPT TO:<a@b.example> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;x+2By+3Dz@c.example\r\n"
        );
        let p = RcptParams::new().notify(Notify::NEVER);
        assert_eq!(
            s(Command::Rcpt {
                to: &to,
                params: &p
            }),
            "RCPT TO:<a@b.example> NOTIFY=NEVER\r\n"
        );
        let utf = Address::new("jöran+1@bücher.example").unwrap();
        let p = RcptParams::new().orcpt(&utf);
        assert_eq!(
            s(Command::Rcpt {
                to: &utf,
                params: &p
            }),
            "RCPT TO:<jöran+1@bücher.example> ORCPT=utf-8;jöran\\x{2B}1@bücher.example\r\n"
        );
    }

    #[test]
    fn auth_commands_and_redaction() {
        let plain = AuthMechanism::Plain;
        let c = Command::Auth {
            mechanism: &plain,
            initial_response: Some(b"\0user\0secret"),
        };
        assert_eq!(s(c), "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n");
        assert!(c.is_sensitive());
        assert_eq!(c.to_string(), "AUTH PLAIN [redacted]");
        let c = Command::Auth {
            mechanism: &plain,
            initial_response: Some(b""),
        };
        assert_eq!(s(c), "AUTH PLAIN =\r\n");
        let login = AuthMechanism::Login;
        let c = Command::Auth {
            mechanism: &login,
            initial_response: None,
        };
        assert_eq!(s(c), "AUTH LOGIN\r\n");
        assert!(!c.is_sensitive());
        let r = Command::AuthResponse(b"secret");
        assert_eq!(s(r), "c2VjcmV0\r\n");
        assert_eq!(r.to_string(), "[redacted]");
        assert_eq!(s(Command::AuthCancel), "*\r\n");
        assert_eq!(Command::AuthCancel.verb(), "AUTH");
    }

    #[test]
    fn display_matches_wire_without_crlf() {
        let to = Address::new("a@b.example").unwrap();
        let p = RcptParams::new();
        assert_eq!(
            Command::Rcpt {
                to: &to,
                params: &p
            }
            .to_string(),
            "RCPT TO:<a@b.example>"
        );
    }
}
