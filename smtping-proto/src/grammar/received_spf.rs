//! `Received-SPF` header fields (RFC 7208 §9.1), as SPF verifiers write them.
//!
//! ```text
//! Received-SPF = [CFWS] result FWS [comment FWS] [ key-value-list ] CRLF
//! key-value-list = key-value-pair *( ";" [CFWS] key-value-pair ) [";"]
//! key-value-pair = key [CFWS] "=" ( dot-atom / quoted-string )
//! ```
//!
//! Keys are kept in order, lowercase; the common ones (`client-ip`, `envelope-from`,
//! `helo`, `receiver`, `identity`, `mechanism`, `problem`) have accessors. Values are read
//! tolerantly (anything up to `;` or whitespace, or a quoted string), so Debian's
//! policyd-spf `receiver=<UNKNOWN>` reads too.
//!
//! ```
//! use smtping_proto::grammar::auth_results::AuthResult;
//! use smtping_proto::grammar::received_spf::ReceivedSpf;
//!
//! let spf = ReceivedSpf::parse(b"Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1;\r\n helo=mail.example.com; envelope-from=alice@example.com; receiver=<UNKNOWN>").unwrap();
//! assert_eq!(spf.result, AuthResult::Pass);
//! assert_eq!(spf.comment.as_deref(), Some("mailfrom"));
//! assert_eq!(spf.client_ip(), Some("192.0.2.1"));
//! assert_eq!(spf.envelope_from(), Some("alice@example.com"));
//! assert_eq!(spf.get("receiver"), Some("<UNKNOWN>"));
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::auth_results::{AuthResult, sp};

/// Largest value accepted: 8 KiB.
pub const MAX_LEN: usize = 8 * 1024;
/// Most key-value pairs kept: 32.
pub const MAX_PAIRS: usize = 32;

/// Why a `Received-SPF` value could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceivedSpfError {
    /// Longer than [`MAX_LEN`].
    #[error("Received-SPF: the field is {len} bytes, over the {limit}-byte limit")]
    TooLong {
        /// The length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// No result word at the start.
    #[error("Received-SPF: the field does not start with a result word (pass, fail, softfail, …)")]
    NoResult,
}

/// A parsed `Received-SPF` field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedSpf {
    /// The result.
    pub result: AuthResult,
    /// The comment after the result, without parentheses.
    pub comment: Option<String>,
    /// The key-value pairs, keys lowercase, in order (at most [`MAX_PAIRS`]).
    pub pairs: Vec<(String, String)>,
    /// The whole value, unfolded and trimmed.
    pub raw: String,
}

impl ReceivedSpf {
    /// Reads a field value (the field name is accepted too).
    pub fn parse(value: &[u8]) -> Result<Self, ReceivedSpfError> {
        if value.len() > MAX_LEN {
            return Err(ReceivedSpfError::TooLong {
                len: value.len(),
                limit: MAX_LEN,
            });
        }
        let unfolded: Vec<u8> = value
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        let mut i = unfolded.as_slice();
        if let Some(colon) = i.iter().position(|&b| b == b':')
            && i[..colon]
                .trim_ascii()
                .eq_ignore_ascii_case(b"received-spf")
        {
            i = &i[colon + 1..];
        }
        let raw = String::from_utf8_lossy(i.trim_ascii()).into_owned();
        let (rest, _) = sp(i);
        let n = rest
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .unwrap_or(rest.len());
        if n == 0 {
            return Err(ReceivedSpfError::NoResult);
        }
        let result = AuthResult::from_word(&String::from_utf8_lossy(&rest[..n]));
        let (mut i, comments) = sp(&rest[n..]);
        let comment = comments
            .first()
            .map(|c| String::from_utf8_lossy(c).trim().into());
        let mut pairs = Vec::new();
        while !i.is_empty() && pairs.len() < MAX_PAIRS {
            let k = i
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
                .unwrap_or(i.len());
            let key = &i[..k];
            let (after, _) = sp(&i[k..]);
            if key.is_empty() || after.first() != Some(&b'=') {
                // Not a pair: skip to the next `;`.
                let skip = i.iter().position(|&b| b == b';').map_or(i.len(), |p| p + 1);
                i = sp(&i[skip..]).0;
                continue;
            }
            let (v, _) = sp(&after[1..]);
            let (value, rest) = if v.first() == Some(&b'"') {
                quoted(v)
            } else {
                let e = v
                    .iter()
                    .position(|&b| matches!(b, b';' | b' ' | b'\t'))
                    .unwrap_or(v.len());
                (String::from_utf8_lossy(&v[..e]).into_owned(), &v[e..])
            };
            pairs.push((String::from_utf8_lossy(key).to_ascii_lowercase(), value));
            let (rest, _) = sp(rest);
            i = rest.strip_prefix(b";").map_or(rest, |r| sp(r).0);
        }
        Ok(Self {
            result,
            comment,
            pairs,
            raw,
        })
    }

    /// The value of `key` (case-insensitive), the first if repeated.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// `client-ip`.
    #[must_use]
    pub fn client_ip(&self) -> Option<&str> {
        self.get("client-ip")
    }

    /// `envelope-from`.
    #[must_use]
    pub fn envelope_from(&self) -> Option<&str> {
        self.get("envelope-from")
    }

    /// `helo`.
    #[must_use]
    pub fn helo(&self) -> Option<&str> {
        self.get("helo")
    }

    /// `identity` (`mailfrom`, `helo`).
    #[must_use]
    pub fn identity(&self) -> Option<&str> {
        self.get("identity")
    }
}

/// A quoted string (starting at `"`), unescaped; unterminated runs to the end.
fn quoted(i: &[u8]) -> (String, &[u8]) {
    let mut out = Vec::new();
    let mut n = 1;
    while n < i.len() {
        match i[n] {
            b'\\' if n + 1 < i.len() => {
                out.push(i[n + 1]);
                n += 2;
            }
            b'"' => return (String::from_utf8_lossy(&out).into_owned(), &i[n + 1..]),
            b => {
                out.push(b);
                n += 1;
            }
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), &i[i.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7208_examples() {
        let s = ReceivedSpf::parse(b"pass (mybox.example.org: domain of\r\n myname@example.com designates 192.0.2.1 as\r\n permitted sender)\r\n    receiver=mybox.example.org; client-ip=192.0.2.1;\r\n    envelope-from=\"myname@example.com\"; helo=foo.example.com;").unwrap();
        assert_eq!(s.result, AuthResult::Pass);
        assert!(
            s.comment
                .as_deref()
                .unwrap()
                .contains("designates 192.0.2.1")
        );
        assert_eq!(s.envelope_from(), Some("myname@example.com"));
        assert_eq!(s.helo(), Some("foo.example.com"));
        assert_eq!(s.get("RECEIVER"), Some("mybox.example.org"));
        let s = ReceivedSpf::parse(b"fail (mybox.example.org: domain of\r\n myname@example.com does not designate\r\n 192.0.2.1 as permitted sender)\r\n identity=mailfrom; client-ip=192.0.2.1;\r\n envelope-from=<myname@example.com>;").unwrap();
        assert_eq!(s.result, AuthResult::Fail);
        assert_eq!(s.identity(), Some("mailfrom"));
        assert_eq!(s.envelope_from(), Some("<myname@example.com>"));
    }

    #[test]
    fn gmail_and_bad_input() {
        let s = ReceivedSpf::parse(b"Received-SPF: softfail (google.com: domain of transitioning a@example.com does not designate 192.0.2.9 as permitted sender) client-ip=192.0.2.9;").unwrap();
        assert_eq!(s.result, AuthResult::SoftFail);
        assert_eq!(s.client_ip(), Some("192.0.2.9"));
        assert_eq!(
            ReceivedSpf::parse(b"  (c) "),
            Err(ReceivedSpfError::NoResult)
        );
        let s = ReceivedSpf::parse(b"none junk; =x; a=\"unterminated").unwrap();
        assert_eq!(s.result, AuthResult::None);
        assert_eq!(s.pairs, [("a".into(), "unterminated".into())]);
        assert!(matches!(
            ReceivedSpf::parse(&[b'a'; MAX_LEN + 1]),
            Err(ReceivedSpfError::TooLong { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            if let Ok(s) = ReceivedSpf::parse(&bytes) {
                proptest::prop_assert!(s.pairs.len() <= MAX_PAIRS);
            }
        }
    }
}
