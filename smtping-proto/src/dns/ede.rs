//! Extended DNS Errors (RFC 8914): why a resolver failed, or what it did, as EDNS option
//! 15 carries it.

use std::fmt;

use hickory_proto::op::Message;
use hickory_proto::rr::rdata::opt::EdnsOption;

/// The EDNS option code of Extended DNS Errors (RFC 8914 §2).
pub const EDE_OPTION_CODE: u16 = 15;

/// At most this many Extended DNS Errors are kept from one response (more are ignored).
pub const MAX_EXTENDED_ERRORS: usize = 8;

/// Longest extra text kept, in characters (longer ones are shortened with `…`).
pub const MAX_EXTRA_TEXT: usize = 256;

/// One Extended DNS Error (RFC 8914): the INFO-CODE, its registry name and the
/// resolver's EXTRA-TEXT.
///
/// ```
/// use smtping_proto::dns::ExtendedDnsError;
///
/// let e = ExtendedDnsError::new(7, "signature of example.test/A expired");
/// assert_eq!(e.name, "Signature Expired");
/// assert!(e.is_dnssec_bogus());
/// assert_eq!(e.to_string(), "EDE 7 (Signature Expired): signature of example.test/A expired");
/// assert!(!ExtendedDnsError::new(22, "").is_dnssec_bogus());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ExtendedDnsError {
    /// The INFO-CODE (RFC 8914 §4; the IANA "Extended DNS Error Codes" registry).
    pub code: u16,
    /// The registry name of `code` (`"DNSSEC Bogus"`, …); `"Unassigned"` for codes the
    /// registry does not name.
    pub name: &'static str,
    /// The EXTRA-TEXT, lossy UTF-8, at most [`MAX_EXTRA_TEXT`] characters; empty when
    /// the resolver sent none.
    pub extra_text: String,
}

impl ExtendedDnsError {
    /// An error with `code` and its registry name; `extra_text` is shortened to
    /// [`MAX_EXTRA_TEXT`] characters.
    #[must_use]
    pub fn new(code: u16, extra_text: &str) -> Self {
        Self {
            code,
            name: ede_name(code),
            extra_text: shorten(extra_text),
        }
    }

    /// Decodes the option data (INFO-CODE, then EXTRA-TEXT); `None` when shorter than
    /// the two bytes of the code.
    #[must_use]
    pub fn decode(data: &[u8]) -> Option<Self> {
        let (code, text) = data.split_first_chunk::<2>()?;
        let text = String::from_utf8_lossy(text);
        // RFC 8914 §2: the text is not NUL-terminated, but some servers add one.
        Some(Self::new(
            u16::from_be_bytes(*code),
            text.trim_end_matches('\0'),
        ))
    }

    /// The code says DNSSEC validation failed for the answer: 6 DNSSEC Bogus, 7 Signature
    /// Expired, 8 Signature Not Yet Valid, 9 DNSKEY Missing, 10 RRSIGs Missing, 11 No
    /// Zone Key Bit Set, 12 NSEC Missing, 25 Signature Expired before Valid. With
    /// SERVFAIL this is a bogus answer, not an unreachable one.
    #[must_use]
    pub const fn is_dnssec_bogus(&self) -> bool {
        matches!(self.code, 6..=12 | 25)
    }
}

impl fmt::Display for ExtendedDnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EDE {} ({})", self.code, self.name)?;
        if !self.extra_text.is_empty() {
            write!(f, ": {}", self.extra_text)?;
        }
        Ok(())
    }
}

/// The Extended DNS Errors of one response: a slice, kept behind one pointer so that
/// [`DnsError`](super::DnsError) stays small (it is the error of every lookup).
///
/// ```
/// use smtping_proto::dns::{ExtendedDnsError, ExtendedErrors};
///
/// let none = ExtendedErrors::default();
/// assert!(none.is_empty());
/// let some: ExtendedErrors = vec![ExtendedDnsError::new(6, "")].into();
/// assert_eq!(some[0].name, "DNSSEC Bogus");
/// assert_eq!(some.iter().count(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ExtendedErrors(Option<Box<[ExtendedDnsError]>>);

impl ExtendedErrors {
    /// The errors, in the order received.
    #[must_use]
    pub fn as_slice(&self) -> &[ExtendedDnsError] {
        self.0.as_deref().unwrap_or(&[])
    }
}

impl From<Vec<ExtendedDnsError>> for ExtendedErrors {
    fn from(errors: Vec<ExtendedDnsError>) -> Self {
        if errors.is_empty() {
            Self(None)
        } else {
            Self(Some(errors.into_boxed_slice()))
        }
    }
}

impl std::ops::Deref for ExtendedErrors {
    type Target = [ExtendedDnsError];

    fn deref(&self) -> &[ExtendedDnsError] {
        self.as_slice()
    }
}

/// The registry name of an Extended DNS Error code (RFC 8914 §5.2 and the later IANA
/// assignments); `"Unassigned"` otherwise.
#[must_use]
pub const fn ede_name(code: u16) -> &'static str {
    match code {
        0 => "Other Error",
        1 => "Unsupported DNSKEY Algorithm",
        2 => "Unsupported DS Digest Type",
        3 => "Stale Answer",
        4 => "Forged Answer",
        5 => "DNSSEC Indeterminate",
        6 => "DNSSEC Bogus",
        7 => "Signature Expired",
        8 => "Signature Not Yet Valid",
        9 => "DNSKEY Missing",
        10 => "RRSIGs Missing",
        11 => "No Zone Key Bit Set",
        12 => "NSEC Missing",
        13 => "Cached Error",
        14 => "Not Ready",
        15 => "Blocked",
        16 => "Censored",
        17 => "Filtered",
        18 => "Prohibited",
        19 => "Stale NXDomain Answer",
        20 => "Not Authoritative",
        21 => "Not Supported",
        22 => "No Reachable Authority",
        23 => "Network Error",
        24 => "Invalid Data",
        25 => "Signature Expired before Valid",
        26 => "Too Early",
        27 => "Unsupported NSEC3 Iterations Value",
        28 => "Unable to conform to policy",
        29 => "Synthesized",
        _ => "Unassigned",
    }
}

/// The Extended DNS Errors of a response's OPT record, in order, bounded.
pub(crate) fn extended_errors(msg: &Message) -> ExtendedErrors {
    let Some(edns) = &msg.edns else {
        return ExtendedErrors::default();
    };
    edns.options()
        .as_ref()
        .iter()
        .filter_map(|(code, option)| match option {
            EdnsOption::Unknown(c, data)
                if *c == EDE_OPTION_CODE && u16::from(*code) == EDE_OPTION_CODE =>
            {
                ExtendedDnsError::decode(data)
            }
            _ => None,
        })
        .take(MAX_EXTENDED_ERRORS)
        .collect::<Vec<_>>()
        .into()
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_EXTRA_TEXT {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(MAX_EXTRA_TEXT - 1).collect();
    s.push('…');
    s
}

/// `"; EDE 6 (DNSSEC Bogus): …"` for error messages, empty without errors.
pub(crate) fn suffix(errors: &[ExtendedDnsError]) -> String {
    let mut out = String::new();
    for e in errors {
        out.push_str("; ");
        out.push_str(&e.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_proto::op::{Edns, MessageType, OpCode};

    #[test]
    fn decodes_code_and_text_and_bounds_them() {
        let e =
            ExtendedDnsError::decode(b"\x00\x06validation failure <bogus.test. A IN>\0").unwrap();
        assert_eq!(
            (e.code, e.name, e.extra_text.as_str()),
            (6, "DNSSEC Bogus", "validation failure <bogus.test. A IN>")
        );
        assert_eq!(ExtendedDnsError::decode(b"\x00"), None);
        assert_eq!(
            ExtendedDnsError::decode(b"\x00\x16").unwrap().extra_text,
            ""
        );
        assert_eq!(
            ExtendedDnsError::decode(b"\x01\x00x").unwrap().name,
            "Unassigned"
        );
        let long = format!("\x00\x00{}", "é".repeat(1000));
        let e = ExtendedDnsError::decode(long.as_bytes()).unwrap();
        assert_eq!(e.extra_text.chars().count(), MAX_EXTRA_TEXT);
        let bad = ExtendedDnsError::decode(b"\x00\x09\xff\xfe").unwrap();
        assert_eq!(bad.extra_text, "\u{fffd}\u{fffd}");
    }

    #[test]
    fn bogus_codes() {
        let bogus: Vec<u16> = (0..40)
            .filter(|c| ExtendedDnsError::new(*c, "").is_dnssec_bogus())
            .collect();
        assert_eq!(bogus, [6, 7, 8, 9, 10, 11, 12, 25]);
    }

    #[test]
    fn read_from_a_message_round_trip() {
        let mut m = Message::new(1, MessageType::Response, OpCode::Query);
        assert!(extended_errors(&m).is_empty());
        let mut edns = Edns::new();
        for i in 0..12u16 {
            let mut data = (6 + i).to_be_bytes().to_vec();
            data.extend_from_slice(b"why");
            edns.options_mut().insert(EdnsOption::Unknown(15, data));
        }
        edns.options_mut()
            .insert(EdnsOption::Unknown(3, b"ns1".to_vec()));
        m.set_edns(edns);
        let decoded = Message::from_vec(&m.to_vec().unwrap()).unwrap();
        let errors = extended_errors(&decoded);
        assert_eq!(errors.len(), MAX_EXTENDED_ERRORS);
        assert_eq!(errors[0], ExtendedDnsError::new(6, "why"));
        assert_eq!(errors[1].name, "Signature Expired");
        assert_eq!(suffix(&errors[..1]), "; EDE 6 (DNSSEC Bogus): why");
    }
}
