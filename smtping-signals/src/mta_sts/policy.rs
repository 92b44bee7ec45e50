//! The MTA-STS policy file (RFC 8461 §3.2), parsed with nom, and MX host matching
//! (§4.1).
//!
//! ```text
//! sts-policy-record  = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP)
//!                      [sts-policy-term]
//! sts-policy-field   = key ":" *WSP value          ; version, mode, max_age, mx, extensions
//! sts-policy-term    = LF / CRLF
//! sts-policy-ext-name = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! sts-policy-vchar   = %x21-7E / UTF8-2 / UTF8-3 / UTF8-4
//! ```
//!
//! `version` (`STSv1`), `mode` and `max_age` are required exactly once, `mx` at least
//! once unless the mode is `none`; unknown keys are kept and otherwise ignored. Keys and
//! the values `STSv1`, `enforce`, `testing` and `none` are case-sensitive (`%s`). Empty
//! lines are tolerated (senders in the field accept them).

use std::fmt;

use nom::IResult;
use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while_m_n};
use nom::character::complete::char;
use nom::combinator::{eof, recognize};
use nom::sequence::pair;
use serde::{Serialize, Serializer};

/// Largest `max_age` (RFC 8461 §3.2: 31557600 seconds, about a year).
pub const MAX_MAX_AGE: u32 = 31_557_600;

/// `mode:` (RFC 8461 §5).
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StsMode {
    /// Senders refuse MX hosts that do not match or lack a valid certificate.
    Enforce,
    /// Senders deliver anyway and report failures (TLS-RPT).
    Testing,
    /// No policy (the way to retire MTA-STS).
    None,
}

impl StsMode {
    /// The policy word: `"enforce"`, `"testing"` or `"none"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Enforce => "enforce",
            Self::Testing => "testing",
            Self::None => "none",
        }
    }
}

impl fmt::Display for StsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `mx:` pattern: a host name, or `*.` and a domain (a wildcard of exactly one
/// leftmost label). Serialises as its text, e.g. `"*.example.net"`.
///
/// ```
/// use smtping_signals::mta_sts::MxPattern;
/// let p = MxPattern::parse("*.Example.NET")?;
/// assert!(p.matches("mx1.example.net."));
/// assert!(!p.matches("example.net"));
/// assert!(!p.matches("a.b.example.net"));
/// assert_eq!(p.to_string(), "*.example.net");
/// # Ok::<(), smtping_signals::mta_sts::PolicyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MxPattern {
    /// `*.` prefix.
    pub wildcard: bool,
    /// The domain (lowercase, no trailing dot).
    pub domain: String,
}

impl MxPattern {
    /// Parses a pattern: `["*."] Domain` (RFC 5321 `Domain`: letters, digits, hyphens;
    /// labels of at most 63 characters not starting or ending with a hyphen).
    pub fn parse(value: &str) -> Result<Self, PolicyError> {
        let bad = || PolicyError::BadMx {
            line: 0,
            value: shorten(value),
        };
        let (wildcard, domain) = match value.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let ok = !domain.is_empty()
            && domain.len() <= 253
            && domain.split('.').all(|l| {
                let b = l.as_bytes();
                !b.is_empty()
                    && b.len() <= 63
                    && b[0].is_ascii_alphanumeric()
                    && b[b.len() - 1].is_ascii_alphanumeric()
                    && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
            });
        if !ok {
            return Err(bad());
        }
        Ok(Self {
            wildcard,
            domain: domain.to_ascii_lowercase(),
        })
    }

    /// Whether an MX host name matches (RFC 8461 §4.1): case-insensitive, a trailing
    /// dot ignored, a wildcard standing for exactly one label.
    #[must_use]
    pub fn matches(&self, host: &str) -> bool {
        let host = host.strip_suffix('.').unwrap_or(host);
        if self.wildcard {
            match host.split_once('.') {
                Some((label, rest)) => {
                    !label.is_empty()
                        && !label.contains('*')
                        && rest.eq_ignore_ascii_case(&self.domain)
                }
                None => false,
            }
        } else {
            host.eq_ignore_ascii_case(&self.domain)
        }
    }
}

impl fmt::Display for MxPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wildcard {
            f.write_str("*.")?;
        }
        f.write_str(&self.domain)
    }
}

impl Serialize for MxPattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A valid MTA-STS policy.
///
/// ```
/// use smtping_signals::mta_sts::{parse_policy, StsMode};
/// let policy = parse_policy(
///     b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n",
/// )?;
/// assert_eq!(policy.mode, StsMode::Enforce);
/// assert_eq!(policy.max_age, 604_800);
/// assert!(policy.matches("mx2.example.net"));
/// assert!(!policy.matches("mx.example.org"));
/// # Ok::<(), smtping_signals::mta_sts::PolicyError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StsPolicy {
    /// `mode:`.
    pub mode: StsMode,
    /// `max_age:` in seconds.
    pub max_age: u32,
    /// The `mx:` patterns, in file order.
    pub mx: Vec<MxPattern>,
    /// Unknown keys and their values, in file order (ignored by senders).
    pub extensions: Vec<(String, String)>,
}

impl StsPolicy {
    /// Whether `host` matches any `mx:` pattern.
    #[must_use]
    pub fn matches(&self, host: &str) -> bool {
        self.mx.iter().any(|p| p.matches(host))
    }
}

/// Why a policy file is invalid (senders then treat the domain as having no policy).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PolicyError {
    /// A line is not `key: value` (bad key, control character, invalid UTF-8, …).
    #[error("line {line}: not a valid \"key: value\" line ({reason})")]
    Syntax {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A key that must appear once appears again.
    #[error("line {line}: {key} appears more than once")]
    Duplicate {
        /// 1-based line number of the repetition.
        line: usize,
        /// The key.
        key: String,
    },
    /// A required key is missing.
    #[error("the policy has no {key} line")]
    Missing {
        /// The key.
        key: String,
    },
    /// `version` is not `STSv1`.
    #[error("version {value:?} is not STSv1")]
    BadVersion {
        /// The value (shortened).
        value: String,
    },
    /// `mode` is not `enforce`, `testing` or `none`.
    #[error("mode {value:?} is not enforce, testing or none")]
    BadMode {
        /// The value (shortened).
        value: String,
    },
    /// `max_age` is not 1 to 10 digits up to 31557600.
    #[error("max_age {value:?} is not a number of seconds from 0 to 31557600")]
    BadMaxAge {
        /// The value (shortened).
        value: String,
    },
    /// An `mx` value is not a host name or `*.` domain.
    #[error("line {line}: mx {value:?} is not a host name or a *. wildcard")]
    BadMx {
        /// 1-based line number (0 outside a file).
        line: usize,
        /// The value (shortened).
        value: String,
    },
    /// The mode is `enforce` or `testing` but there is no `mx` line.
    #[error("mode {mode} needs at least one mx line")]
    NoMx {
        /// The mode.
        mode: StsMode,
    },
}

fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

/// `sts-policy-ext-name`: a letter or digit, then up to 31 of letters, digits, `_-.`.
fn key(input: &[u8]) -> IResult<&[u8], &[u8]> {
    recognize(pair(
        take_while_m_n(1, 1, |c: u8| c.is_ascii_alphanumeric()),
        take_while_m_n(0, 31, |c: u8| {
            c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')
        }),
    ))
    .parse(input)
}

/// `key ":" *WSP value`, the value running to the line end (CR or LF).
fn field(input: &[u8]) -> IResult<&[u8], (&[u8], &[u8])> {
    let (input, k) = key(input)?;
    let (input, _) = char(':').parse(input)?;
    let (input, _) = take_while(|c| c == b' ' || c == b'\t').parse(input)?;
    let (input, v) = take_till(|c| c == b'\r' || c == b'\n').parse(input)?;
    Ok((input, (k, v)))
}

/// `sts-policy-term` or the end of the file.
fn term(input: &[u8]) -> IResult<&[u8], &[u8]> {
    alt((tag("\r\n"), tag("\n"), eof)).parse(input)
}

/// A value's characters: VCHAR, space and tab inside, UTF-8; trailing WSP removed.
fn value_text(raw: &[u8]) -> Result<&str, &'static str> {
    let text = std::str::from_utf8(raw).map_err(|_| "invalid UTF-8")?;
    let text = text.trim_end_matches([' ', '\t']);
    if text.is_empty() {
        return Err("empty value");
    }
    if text.chars().any(|c| c.is_control() && c != '\t') {
        return Err("control character in the value");
    }
    Ok(text)
}

/// Parses a policy file (the body of `/.well-known/mta-sts.txt`), CRLF or LF line ends.
///
/// ```
/// use smtping_signals::mta_sts::{parse_policy, PolicyError};
/// let err = parse_policy(b"version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n").unwrap_err();
/// assert!(matches!(err, PolicyError::NoMx { .. }));
/// ```
pub fn parse_policy(input: &[u8]) -> Result<StsPolicy, PolicyError> {
    let mut rest = input;
    let mut line = 0usize;
    let mut version_seen = false;
    let mut mode: Option<StsMode> = None;
    let mut max_age: Option<u32> = None;
    let mut mx: Vec<MxPattern> = Vec::new();
    let mut extensions: Vec<(String, String)> = Vec::new();
    while !rest.is_empty() {
        line += 1;
        // Tolerated empty line.
        if let Ok((after, _)) =
            alt((tag::<_, _, nom::error::Error<&[u8]>>("\r\n"), tag("\n"))).parse(rest)
        {
            rest = after;
            continue;
        }
        let syntax = |reason: &str| PolicyError::Syntax {
            line,
            reason: reason.to_owned(),
        };
        let (after, (k, v)) = field(rest)
            .map_err(|_| syntax("expected a key of letters, digits, '_', '-' or '.', then ':'"))?;
        let (after, _) = term(after).map_err(|_| syntax("a CR not followed by LF"))?;
        rest = after;
        // The key is ASCII by construction.
        let k = String::from_utf8_lossy(k);
        let v = value_text(v).map_err(syntax)?;
        let duplicate = |key: &str| PolicyError::Duplicate {
            line,
            key: key.to_owned(),
        };
        match &*k {
            "version" => {
                if version_seen {
                    return Err(duplicate("version"));
                }
                if v != "STSv1" {
                    return Err(PolicyError::BadVersion { value: shorten(v) });
                }
                version_seen = true;
            }
            "mode" => {
                if mode.is_some() {
                    return Err(duplicate("mode"));
                }
                mode = Some(match v {
                    "enforce" => StsMode::Enforce,
                    "testing" => StsMode::Testing,
                    "none" => StsMode::None,
                    _ => return Err(PolicyError::BadMode { value: shorten(v) }),
                });
            }
            "max_age" => {
                if max_age.is_some() {
                    return Err(duplicate("max_age"));
                }
                let bad = || PolicyError::BadMaxAge { value: shorten(v) };
                if v.is_empty() || v.len() > 10 || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                let n: u64 = v.parse().map_err(|_| bad())?;
                if n > u64::from(MAX_MAX_AGE) {
                    return Err(bad());
                }
                max_age = Some(u32::try_from(n).map_err(|_| bad())?);
            }
            "mx" => {
                let pattern = MxPattern::parse(v).map_err(|_| PolicyError::BadMx {
                    line,
                    value: shorten(v),
                })?;
                if !mx.contains(&pattern) {
                    mx.push(pattern);
                }
            }
            other => extensions.push((other.to_owned(), v.to_owned())),
        }
    }
    if !version_seen {
        return Err(PolicyError::Missing {
            key: "version".into(),
        });
    }
    let mode = mode.ok_or(PolicyError::Missing { key: "mode".into() })?;
    let max_age = max_age.ok_or(PolicyError::Missing {
        key: "max_age".into(),
    })?;
    if mx.is_empty() && mode != StsMode::None {
        return Err(PolicyError::NoMx { mode });
    }
    Ok(StsPolicy {
        mode,
        max_age,
        mx,
        extensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_EXAMPLE: &str = "version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800\n";

    #[test]
    fn rfc_example_lf_and_crlf() {
        let lf = parse_policy(RFC_EXAMPLE.as_bytes()).unwrap();
        let crlf = parse_policy(RFC_EXAMPLE.replace('\n', "\r\n").as_bytes()).unwrap();
        assert_eq!(lf, crlf);
        assert_eq!(lf.mx.len(), 3);
        assert_eq!(lf.mx[1].to_string(), "*.example.net");
        // Without the final line end.
        let bare = RFC_EXAMPLE.trim_end();
        assert_eq!(parse_policy(bare.as_bytes()).unwrap(), lf);
    }

    #[test]
    fn rfc_matching_examples() {
        // §4.1: "*.example.com" matches "mx1.example.com" but not "example.com" nor
        // "foo.bar.example.com".
        let p = MxPattern::parse("*.example.com").unwrap();
        assert!(p.matches("mx1.example.com"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches("foo.bar.example.com"));
        let exact = MxPattern::parse("mail.example.com").unwrap();
        assert!(exact.matches("MAIL.example.com."));
        assert!(!exact.matches("xmail.example.com"));
    }

    #[test]
    fn mixed_line_ends_and_trailing_space() {
        let p =
            parse_policy(b"version: STSv1\r\nmode:testing  \nmx: a.test\t\r\nmax_age: 0").unwrap();
        assert_eq!(p.mode, StsMode::Testing);
        assert_eq!(p.max_age, 0);
    }

    #[test]
    fn unknown_keys_are_kept() {
        let p = parse_policy(b"version: STSv1\nmode: none\nmax_age: 10\nfuture_key: some value\n")
            .unwrap();
        assert!(p.mx.is_empty());
        assert_eq!(
            p.extensions,
            vec![("future_key".to_string(), "some value".to_string())]
        );
    }

    #[test]
    fn invalid_policies() {
        type Check = fn(&PolicyError) -> bool;
        let cases: &[(&str, Check)] = &[
            (
                "mode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Missing { key } if key == "version"),
            ),
            (
                "version: STSv1\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Missing { key } if key == "mode"),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: a.test\n",
                |e| matches!(e, PolicyError::Missing { key } if key == "max_age"),
            ),
            (
                "version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::BadVersion { .. }),
            ),
            (
                "version: stsv1\nmode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::BadVersion { .. }),
            ),
            (
                "version: STSv1\nmode: Enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::BadMode { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmode: testing\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Duplicate { line: 3, .. }),
            ),
            (
                "version: STSv1\nversion: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Duplicate { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\nmax_age: 2\n",
                |e| matches!(e, PolicyError::Duplicate { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n",
                |e| matches!(e, PolicyError::BadMaxAge { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n",
                |e| matches!(e, PolicyError::BadMaxAge { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 00000000001\n",
                |e| matches!(e, PolicyError::BadMaxAge { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: *.*.a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::BadMx { line: 3, .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: mail*.a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::BadMx { .. }),
            ),
            (
                "version: STSv1\nmode: enforce\nmx: a.test.\nmax_age: 1\n",
                |e| matches!(e, PolicyError::BadMx { .. }),
            ),
            ("version: STSv1\nmode: enforce\nmax_age: 1\n", |e| {
                matches!(e, PolicyError::NoMx { .. })
            }),
            (
                "version STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Syntax { line: 1, .. }),
            ),
            (
                "version: STSv1\rmode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Syntax { line: 1, .. }),
            ),
            ("version: STSv1\nmode:\nmx: a.test\nmax_age: 1\n", |e| {
                matches!(e, PolicyError::Syntax { line: 2, .. })
            }),
            (
                " version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 1\n",
                |e| matches!(e, PolicyError::Syntax { line: 1, .. }),
            ),
            ("<html>not a policy</html>", |e| {
                matches!(e, PolicyError::Syntax { line: 1, .. })
            }),
        ];
        for (text, check) in cases {
            let err = parse_policy(text.as_bytes()).unwrap_err();
            assert!(check(&err), "{text:?} gave {err:?}");
        }
    }

    #[test]
    fn utf8_values_and_invalid_bytes() {
        assert!(
            parse_policy("version: STSv1\nmode: none\nmax_age: 1\nnote: grüße\n".as_bytes())
                .is_ok()
        );
        assert!(matches!(
            parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\nnote: \xff\n"),
            Err(PolicyError::Syntax { line: 4, .. })
        ));
        assert!(matches!(
            parse_policy(b"version: STSv1\nmode: none\nmax_age: 1\nnote: a\x01b\n"),
            Err(PolicyError::Syntax { line: 4, .. })
        ));
    }
}
