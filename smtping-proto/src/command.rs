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
mod tests;
