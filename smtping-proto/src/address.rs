//! Validated envelope addresses and domains (RFC 5321 §4.1.2, RFC 6531 for SMTPUTF8).
//!
//! Everything that ends up on the wire is validated here first: CR, LF and NUL are refused
//! anywhere (they would let user text inject a second command), and the grammar of
//! `Mailbox`, `Domain` and address literals is checked, so a typo is caught before a
//! server has to reject it.

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

/// Longest local part in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_PART: usize = 64;
/// Longest domain in octets (RFC 5321 §4.5.3.1.2).
pub const MAX_DOMAIN: usize = 255;
/// Longest path (`<local@domain>`, brackets included) in octets (RFC 5321 §4.5.3.1.3).
pub const MAX_PATH: usize = 256;

/// Why a string is not a usable address or domain.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AddressError {
    /// CR, LF or NUL: refused because it would end the command line early.
    #[error("{what} contains a forbidden {} at byte {position}: CR, LF and NUL could inject SMTP commands", byte_name(*.byte))]
    ForbiddenByte {
        /// What was being validated ("address", "domain", "EHLO name", …).
        what: &'static str,
        /// The offending byte.
        byte: u8,
        /// Its offset in the input.
        position: usize,
    },
    /// Empty input where something is required.
    #[error("{what} is empty")]
    Empty {
        /// What was being validated.
        what: &'static str,
    },
    /// Longer than RFC 5321 allows.
    #[error("{what} is {len} octets long; RFC 5321 allows at most {max}")]
    TooLong {
        /// What was being validated.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// No `@` between local part and domain.
    #[error("address {0:?} has no '@' between local part and domain")]
    MissingAt(String),
    /// The local part breaks the dot-string / quoted-string grammar.
    #[error("local part of {address:?} is not valid: {reason}")]
    InvalidLocalPart {
        /// The address.
        address: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The domain breaks the grammar.
    #[error("domain {domain:?} is not valid: {reason}")]
    InvalidDomain {
        /// The domain.
        domain: String,
        /// What is wrong.
        reason: &'static str,
    },
}

fn byte_name(b: u8) -> &'static str {
    match b {
        b'\r' => "CR",
        b'\n' => "LF",
        _ => "NUL",
    }
}

/// Refuses CR, LF and NUL anywhere in `s`.
pub(crate) fn check_line_safe(what: &'static str, s: &[u8]) -> Result<(), AddressError> {
    match memchr::memchr3(b'\r', b'\n', 0, s) {
        Some(position) => Err(AddressError::ForbiddenByte {
            what,
            byte: s[position],
            position,
        }),
        None => Ok(()),
    }
}

/// `atext` of RFC 5322 §3.2.3, extended with UTF-8 by RFC 6531.
fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b) || b >= 0x80
}

/// A validated domain or address literal: an EHLO/HELO argument or the right-hand side of an
/// address.
///
/// ```
/// use smtping_proto::Domain;
///
/// assert!(Domain::new("mx.example.org").is_ok());
/// assert!(Domain::new("[192.0.2.1]").is_ok());
/// assert!(Domain::new("[IPv6:2001:db8::1]").is_ok());
/// assert!(Domain::new("bücher.example").unwrap().is_utf8());
/// assert!(Domain::new("evil\r\nRSET").is_err());
/// assert!(Domain::new("-bad.example").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Domain {
    text: String,
    utf8: bool,
}

impl Domain {
    /// Validates a domain name (LDH labels of 1–63 octets, UTF-8 labels allowed for
    /// SMTPUTF8, one trailing dot removed) or an address literal (`[192.0.2.1]`,
    /// `[IPv6:2001:db8::1]`). Underscores are tolerated because real host names carry them.
    pub fn new(s: &str) -> Result<Self, AddressError> {
        Self::validate("domain", s)
    }

    /// The address literal of an IP address: `[192.0.2.1]` or `[IPv6:2001:db8::1]` (the
    /// EHLO name RFC 5321 §4.1.3 prescribes for a client without a name).
    ///
    /// ```
    /// # use smtping_proto::Domain;
    /// let d = Domain::literal("2001:db8::1".parse().unwrap());
    /// assert_eq!(d.as_str(), "[IPv6:2001:db8::1]");
    /// assert!(d.is_literal());
    /// ```
    #[must_use]
    pub fn literal(ip: core::net::IpAddr) -> Self {
        let text = match ip {
            core::net::IpAddr::V4(v4) => format!("[{v4}]"),
            core::net::IpAddr::V6(v6) => format!("[IPv6:{v6}]"),
        };
        Self { text, utf8: false }
    }

    /// Like [`Domain::new`], naming the EHLO argument in errors.
    pub fn ehlo_name(s: &str) -> Result<Self, AddressError> {
        Self::validate("EHLO name", s)
    }

    fn validate(what: &'static str, s: &str) -> Result<Self, AddressError> {
        check_line_safe(what, s.as_bytes())?;
        if s.is_empty() {
            return Err(AddressError::Empty { what });
        }
        let invalid = |reason| AddressError::InvalidDomain {
            domain: s.to_owned(),
            reason,
        };
        if let Some(inner) = s.strip_prefix('[') {
            let inner = inner
                .strip_suffix(']')
                .ok_or_else(|| invalid("address literal lacks its closing ']'"))?;
            let ok = if let Some(v6) = inner
                .strip_prefix("IPv6:")
                .or_else(|| inner.strip_prefix("ipv6:"))
            {
                v6.parse::<Ipv6Addr>().is_ok()
            } else {
                inner.parse::<Ipv4Addr>().is_ok()
            };
            if !ok {
                return Err(invalid("address literal is not an IPv4 or IPv6: address"));
            }
            return Ok(Self {
                text: s.to_owned(),
                utf8: false,
            });
        }
        let name = s.strip_suffix('.').unwrap_or(s);
        if name.is_empty() {
            return Err(invalid("it is only a dot"));
        }
        if name.len() > MAX_DOMAIN {
            return Err(AddressError::TooLong {
                what,
                len: name.len(),
                max: MAX_DOMAIN,
            });
        }
        let mut utf8 = false;
        for label in name.split('.') {
            if label.is_empty() {
                return Err(invalid("it has an empty label (two dots in a row)"));
            }
            if label.len() > 63 {
                return Err(invalid("a label is longer than 63 octets"));
            }
            let b = label.as_bytes();
            if b[0] == b'-' || b[b.len() - 1] == b'-' {
                return Err(invalid("a label starts or ends with '-'"));
            }
            for &c in b {
                if c >= 0x80 {
                    utf8 = true;
                } else if !(c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
                    return Err(invalid(
                        "only letters, digits, '-' and '_' are allowed in labels",
                    ));
                }
            }
        }
        Ok(Self {
            text: name.to_owned(),
            utf8,
        })
    }

    /// The domain as it will be sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `true` when the domain holds non-ASCII (U-label) characters, which needs SMTPUTF8.
    #[must_use]
    pub fn is_utf8(&self) -> bool {
        self.utf8
    }

    /// `true` for an address literal such as `[192.0.2.1]`.
    #[must_use]
    pub fn is_literal(&self) -> bool {
        self.text.starts_with('[')
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Domain({:?})", self.text)
    }
}

/// A validated envelope address: a mailbox `local@domain`, or the null reverse-path `<>`.
///
/// ```
/// use smtping_proto::Address;
///
/// let a = Address::new("alice+test@example.org").unwrap();
/// assert_eq!(a.to_string(), "<alice+test@example.org>");
/// assert_eq!(a.domain().unwrap().as_str(), "example.org");
/// assert!(Address::new("<>").unwrap().is_null());
/// assert!(Address::new("\"john doe\"@example.org").is_ok());
/// assert!(Address::new("用户@例子.广告").unwrap().needs_smtputf8());
/// assert!(Address::new("a@example.org>\r\nRCPT TO:<b@example.org").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Address {
    /// `local@domain`, or empty for `<>`.
    text: String,
    /// Offset of the `@` separating local part and domain.
    at: usize,
    domain: Option<Domain>,
    utf8: bool,
}

impl Address {
    /// The null reverse-path `<>` (used for bounces and for probes that must not bounce).
    #[must_use]
    pub fn null() -> Self {
        Self {
            text: String::new(),
            at: 0,
            domain: None,
            utf8: false,
        }
    }

    /// Validates `local@domain` (surrounding `<` `>` accepted and removed; `<>` or an empty
    /// string is the null path).
    pub fn new(s: &str) -> Result<Self, AddressError> {
        check_line_safe("address", s.as_bytes())?;
        let inner = match s.strip_prefix('<') {
            Some(rest) => rest
                .strip_suffix('>')
                .ok_or_else(|| AddressError::InvalidLocalPart {
                    address: s.to_owned(),
                    reason: "'<' without a closing '>'",
                })?,
            None => s,
        };
        if inner.is_empty() {
            return Ok(Self::null());
        }
        if inner.len() + 2 > MAX_PATH {
            return Err(AddressError::TooLong {
                what: "address",
                len: inner.len(),
                max: MAX_PATH - 2,
            });
        }
        let at = local_part_end(inner)?;
        let local = &inner[..at];
        if local.len() > MAX_LOCAL_PART {
            return Err(AddressError::TooLong {
                what: "local part",
                len: local.len(),
                max: MAX_LOCAL_PART,
            });
        }
        let domain = Domain::new(&inner[at + 1..])?;
        if domain.as_str().len() + at + 1 != inner.len() {
            // A trailing dot was dropped from the domain: rebuild the text.
            let text = format!("{local}@{}", domain.as_str());
            let utf8 = !text.is_ascii();
            return Ok(Self {
                text,
                at,
                domain: Some(domain),
                utf8,
            });
        }
        Ok(Self {
            utf8: !inner.is_ascii(),
            text: inner.to_owned(),
            at,
            domain: Some(domain),
        })
    }

    /// `true` for the null path `<>`.
    #[must_use]
    pub fn is_null(&self) -> bool {
        self.text.is_empty()
    }

    /// `local@domain` without brackets (empty for `<>`).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The local part (empty for `<>`).
    #[must_use]
    pub fn local_part(&self) -> &str {
        &self.text[..self.at]
    }

    /// The domain (`None` for `<>`).
    #[must_use]
    pub fn domain(&self) -> Option<&Domain> {
        self.domain.as_ref()
    }

    /// `true` when the address holds non-ASCII characters, which requires the server's
    /// SMTPUTF8 extension (RFC 6531).
    #[must_use]
    pub fn needs_smtputf8(&self) -> bool {
        self.utf8
    }

    /// The address with its local part replaced by `***` for transcripts and reports
    /// (`***@example.org`); `<>` stays `<>`.
    #[must_use]
    pub fn redacted(&self) -> String {
        match &self.domain {
            Some(d) => format!("***@{d}"),
            None => String::new(),
        }
    }
}

/// Finds the `@` ending the local part, checking the dot-string / quoted-string grammar.
fn local_part_end(s: &str) -> Result<usize, AddressError> {
    let b = s.as_bytes();
    let bad = |reason| AddressError::InvalidLocalPart {
        address: s.to_owned(),
        reason,
    };
    if b.first() == Some(&b'"') {
        // Quoted-string: qtextSMTP or quoted-pair, up to the closing quote.
        let mut i = 1;
        while i < b.len() {
            match b[i] {
                b'\\' => {
                    if i + 1 >= b.len() || !(0x20..=0x7e).contains(&b[i + 1]) {
                        return Err(bad("a backslash must escape a printable ASCII character"));
                    }
                    i += 2;
                }
                b'"' => {
                    return if b.get(i + 1) == Some(&b'@') {
                        if i == 1 {
                            Err(bad("the quoted local part is empty"))
                        } else {
                            Ok(i + 1)
                        }
                    } else {
                        Err(bad("the closing quote must be followed by '@'"))
                    };
                }
                c if (0x20..=0x7e).contains(&c) || c >= 0x80 => i += 1,
                _ => return Err(bad("control characters are not allowed")),
            }
        }
        return Err(bad("the opening quote is never closed"));
    }
    let at = memchr::memrchr(b'@', b).ok_or_else(|| AddressError::MissingAt(s.to_owned()))?;
    let local = &b[..at];
    if local.is_empty() {
        return Err(bad("it is empty"));
    }
    if local[0] == b'.' || local[local.len() - 1] == b'.' {
        return Err(bad("it starts or ends with '.'"));
    }
    let mut prev_dot = false;
    for &c in local {
        if c == b'.' {
            if prev_dot {
                return Err(bad("it has two dots in a row"));
            }
            prev_dot = true;
        } else if is_atext(c) {
            prev_dot = false;
        } else {
            return Err(bad(
                "it has a character that needs quoting (space, '@', '<', '>', ',', ';', ':', '\\', '\"', '(', ')', '[', ']')",
            ));
        }
    }
    Ok(at)
}

impl fmt::Display for Address {
    /// `<local@domain>`, or `<>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{}>", self.text)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address(<{}>)", self.text)
    }
}

impl core::str::FromStr for Address {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl core::str::FromStr for Domain {
    type Err = AddressError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

#[cfg(test)]
mod tests;
