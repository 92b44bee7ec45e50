//! `Authentication-Results` header fields (RFC 8601), as receivers write them.
//!
//! [`AuthenticationResults::parse`] reads the field value (the part after
//! `Authentication-Results:`; the field name itself is accepted too), folded or not, and
//! returns the authserv-id, its optional version, and one [`MethodResult`] per `resinfo`:
//! `method[/version]=result`, an optional `reason=`, and the `ptype.property=value`
//! properties (`header.d`, `header.s`, `header.i`, `header.b`, `header.from`,
//! `smtp.mailfrom`, `smtp.helo`, `policy.*`, …). Comments are kept per result, unknown
//! methods and properties are kept, and the typed [`AuthResult`] has an
//! [`AuthResult::Other`] for result words outside the IANA registry.
//!
//! Real receivers stray from the grammar; the parser follows them where the meaning stays
//! plain: Microsoft 365 writes no authserv-id and bare `action=`/`reason=` words, Fastmail
//! writes `x-bits=2048`, Gmail writes base64 `header.b` values with `/` and `+`. A
//! `resinfo` that still does not parse is kept, raw, in
//! [`AuthenticationResults::unparsed`], and the others are read as usual.
//!
//! Input length, the number of results and of properties per result are bounded
//! ([`Limits`]); comments are read iteratively (no recursion on nesting).
//!
//! ```
//! use smtping_proto::grammar::auth_results::{AuthResult, AuthenticationResults};
//!
//! let ar = AuthenticationResults::parse(
//!     b"mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=Ab+/Cd;\r\n       \
//!       spf=pass (google.com: domain of a@example.com designates 192.0.2.1 as permitted sender) smtp.mailfrom=a@example.com;\r\n       \
//!       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com",
//! ).unwrap();
//! assert_eq!(ar.authserv_id, "mx.google.com");
//! assert_eq!(ar.spf().map(|r| &r.result), Some(&AuthResult::Pass));
//! let dkim = ar.dkim();
//! assert_eq!((dkim[0].domain, dkim[0].selector), (Some("example.com"), Some("20230601")));
//! let dmarc = ar.dmarc().unwrap();
//! assert_eq!(dmarc.header_from, Some("example.com"));
//! assert_eq!(dmarc.result.comments, ["p=REJECT sp=REJECT dis=NONE"]);
//! ```

use alloc::borrow::ToOwned;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use nom::bytes::complete::take_while1;
use nom::error::{Error, ErrorKind};
use nom::{Err, IResult, Parser};

/// Default largest field value accepted: 16 KiB (a header with a few dozen results and
/// ARC comments stays well under 4 KiB).
pub const DEFAULT_MAX_LEN: usize = 16 * 1024;
/// Default most results (`resinfo`s) in one field: 64.
pub const DEFAULT_MAX_RESULTS: usize = 64;
/// Default most properties in one result: 32.
pub const DEFAULT_MAX_PROPERTIES: usize = 32;
/// Deepest comment nesting read; deeper nesting makes the comment (and so its resinfo)
/// unparsable instead of recursing.
pub const MAX_COMMENT_DEPTH: usize = 16;

/// Bounds for [`AuthenticationResults::parse_with`].
///
/// ```
/// use smtping_proto::grammar::auth_results::{AuthResultsError, AuthenticationResults, Limits};
///
/// let limits = Limits { max_results: 1, ..Limits::default() };
/// let err = AuthenticationResults::parse_with(b"mx; spf=pass; dkim=pass", limits).unwrap_err();
/// assert_eq!(err, AuthResultsError::TooManyResults { limit: 1 });
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest field value, in bytes.
    pub max_len: usize,
    /// Most results in one field.
    pub max_results: usize,
    /// Most properties in one result.
    pub max_properties: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_len: DEFAULT_MAX_LEN,
            max_results: DEFAULT_MAX_RESULTS,
            max_properties: DEFAULT_MAX_PROPERTIES,
        }
    }
}

/// Why an `Authentication-Results` value could not be read. Each names the step and
/// the cause.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthResultsError {
    /// The value is longer than [`Limits::max_len`].
    #[error("Authentication-Results: the field is {len} bytes, over the {limit}-byte limit")]
    TooLong {
        /// The value's length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// More results than [`Limits::max_results`].
    #[error("Authentication-Results: more than {limit} results in one field")]
    TooManyResults {
        /// The limit.
        limit: usize,
    },
    /// A result with more properties than [`Limits::max_properties`].
    #[error("Authentication-Results: the {method} result has more than {limit} properties")]
    TooManyProperties {
        /// The method of the result.
        method: String,
        /// The limit.
        limit: usize,
    },
    /// No authserv-id and no result that could be read.
    #[error("Authentication-Results: the field has no authserv-id and no readable result")]
    Empty,
    /// The authserv-id is not a token or quoted string.
    #[error("Authentication-Results: the authserv-id at {at:?} is not a token or quoted string")]
    BadAuthservId {
        /// The text where the authserv-id was expected (at most 40 characters).
        at: String,
    },
}

/// A result word (the IANA "Email Authentication Result Names" registry), compared
/// case-insensitively.
///
/// ```
/// use smtping_proto::grammar::auth_results::AuthResult;
/// assert_eq!(AuthResult::from_word("SoftFail"), AuthResult::SoftFail);
/// assert_eq!(AuthResult::from_word("x-weird").as_str(), "x-weird");
/// assert!(AuthResult::Pass.is_pass());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AuthResult {
    /// `pass`.
    Pass,
    /// `fail`.
    Fail,
    /// `softfail` (SPF).
    SoftFail,
    /// `neutral`.
    Neutral,
    /// `none`.
    None,
    /// `temperror`.
    TempError,
    /// `permerror`.
    PermError,
    /// `policy`: the signature or check passed but local policy rejected it.
    Policy,
    /// `hardfail`: the legacy (RFC 5451) SPF word for `fail`.
    HardFail,
    /// `discard` (DKIM ADSP, historic).
    Discard,
    /// `nxdomain` (DKIM ADSP, historic).
    NxDomain,
    /// Any other word, lowercase.
    Other(String),
}

impl AuthResult {
    /// The result for `word` (any case).
    #[must_use]
    pub fn from_word(word: &str) -> Self {
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "pass" => Self::Pass,
            "fail" => Self::Fail,
            "softfail" => Self::SoftFail,
            "neutral" => Self::Neutral,
            "none" => Self::None,
            "temperror" => Self::TempError,
            "permerror" => Self::PermError,
            "policy" => Self::Policy,
            "hardfail" => Self::HardFail,
            "discard" => Self::Discard,
            "nxdomain" => Self::NxDomain,
            _ => Self::Other(lower),
        }
    }

    /// The lowercase word.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "fail",
            Self::SoftFail => "softfail",
            Self::Neutral => "neutral",
            Self::None => "none",
            Self::TempError => "temperror",
            Self::PermError => "permerror",
            Self::Policy => "policy",
            Self::HardFail => "hardfail",
            Self::Discard => "discard",
            Self::NxDomain => "nxdomain",
            Self::Other(w) => w,
        }
    }

    /// `true` for `pass`.
    #[must_use]
    pub fn is_pass(&self) -> bool {
        *self == Self::Pass
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for AuthResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Method {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl fmt::Display for AuthResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authentication method (the IANA method registry), compared case-insensitively.
///
/// ```
/// use smtping_proto::grammar::auth_results::Method;
/// assert_eq!(Method::from_word("DKIM"), Method::Dkim);
/// assert_eq!(Method::from_word("compauth"), Method::Other("compauth".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `spf` (RFC 7208).
    Spf,
    /// `dkim` (RFC 6376).
    Dkim,
    /// `dmarc` (RFC 7489).
    Dmarc,
    /// `arc` (RFC 8617).
    Arc,
    /// `iprev` (RFC 8601 §3).
    Iprev,
    /// `auth` (SMTP AUTH, RFC 8601).
    Auth,
    /// `dkim-atps` (RFC 6541).
    DkimAtps,
    /// `bimi`.
    Bimi,
    /// `sender-id` (historic).
    SenderId,
    /// Any other method, lowercase (`compauth`, `x-aligned-from`, …).
    Other(String),
}

impl Method {
    /// The method for `word` (any case).
    #[must_use]
    pub fn from_word(word: &str) -> Self {
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "spf" => Self::Spf,
            "dkim" => Self::Dkim,
            "dmarc" => Self::Dmarc,
            "arc" => Self::Arc,
            "iprev" => Self::Iprev,
            "auth" => Self::Auth,
            "dkim-atps" => Self::DkimAtps,
            "bimi" => Self::Bimi,
            "sender-id" => Self::SenderId,
            _ => Self::Other(lower),
        }
    }

    /// The lowercase word.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::Spf => "spf",
            Self::Dkim => "dkim",
            Self::Dmarc => "dmarc",
            Self::Arc => "arc",
            Self::Iprev => "iprev",
            Self::Auth => "auth",
            Self::DkimAtps => "dkim-atps",
            Self::Bimi => "bimi",
            Self::SenderId => "sender-id",
            Self::Other(w) => w,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `ptype.property=value` (or, as some receivers write, a bare `name=value`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    /// The ptype, lowercase: `header`, `smtp`, `body`, `policy`, … (empty for a bare
    /// `name=value` such as Microsoft's `action=none` or Fastmail's `x-bits=2048`).
    pub ptype: String,
    /// The property, lowercase: `d`, `s`, `i`, `b`, `from`, `mailfrom`, `helo`, ….
    pub property: String,
    /// The value as written (quotes removed, quoted pairs unescaped).
    pub value: String,
}

/// One result (`resinfo`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodResult {
    /// The method.
    pub method: Method,
    /// The method version (`dkim/1=pass`), when given.
    pub version: Option<u32>,
    /// The result.
    pub result: AuthResult,
    /// The `reason=` text, when given.
    pub reason: Option<String>,
    /// The properties, in order.
    pub properties: Vec<Property>,
    /// The comments inside this result, in order, without their outer parentheses.
    pub comments: Vec<String>,
}

impl MethodResult {
    /// The value of `ptype.property` (case-insensitive), the first one if repeated.
    ///
    /// ```
    /// use smtping_proto::grammar::auth_results::AuthenticationResults;
    /// let ar = AuthenticationResults::parse(b"mx; spf=pass smtp.MailFrom=a@example.org").unwrap();
    /// assert_eq!(ar.results[0].property("smtp", "mailfrom"), Some("a@example.org"));
    /// ```
    #[must_use]
    pub fn property(&self, ptype: &str, property: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|p| {
                p.ptype.eq_ignore_ascii_case(ptype) && p.property.eq_ignore_ascii_case(property)
            })
            .map(|p| p.value.as_str())
    }
}

/// A `dkim` result with its signing domain and selector, from [`AuthenticationResults::dkim`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DkimResult<'a> {
    /// The result itself.
    pub result: &'a MethodResult,
    /// `header.d`, else the domain of `header.i`.
    pub domain: Option<&'a str>,
    /// `header.s`.
    pub selector: Option<&'a str>,
    /// `header.i`.
    pub identity: Option<&'a str>,
    /// `header.b` (the first characters of the signature, to tell signatures apart).
    pub signature: Option<&'a str>,
}

/// A `dmarc` result with the author domain it evaluated, from [`AuthenticationResults::dmarc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmarcResult<'a> {
    /// The result itself.
    pub result: &'a MethodResult,
    /// `header.from`.
    pub header_from: Option<&'a str>,
}

/// A parsed `Authentication-Results` field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthenticationResults {
    /// The authserv-id: who did the checks (`mx.google.com`). Empty when the receiver
    /// wrote none (Microsoft 365).
    pub authserv_id: String,
    /// The authres-version after the authserv-id, when given.
    pub version: Option<u32>,
    /// Comments around the authserv-id, without parentheses.
    pub comments: Vec<String>,
    /// The results, in order (empty for `none`).
    pub results: Vec<MethodResult>,
    /// `true` when the field says `none` (no checks were done).
    pub none: bool,
    /// Results that did not parse, raw (unfolded), in order.
    pub unparsed: Vec<String>,
    /// The whole value, unfolded (CR and LF replaced by spaces) and trimmed, lossy UTF-8.
    pub raw: String,
}

impl AuthenticationResults {
    /// Parses a field value with the default [`Limits`].
    pub fn parse(value: &[u8]) -> Result<Self, AuthResultsError> {
        Self::parse_with(value, Limits::default())
    }

    /// Parses a field value with `limits`.
    pub fn parse_with(value: &[u8], limits: Limits) -> Result<Self, AuthResultsError> {
        if value.len() > limits.max_len {
            return Err(AuthResultsError::TooLong {
                len: value.len(),
                limit: limits.max_len,
            });
        }
        let unfolded: Vec<u8> = value
            .iter()
            .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
            .collect();
        let mut input = unfolded.as_slice();
        if let Some(colon) = input.iter().position(|&b| b == b':')
            && input[..colon]
                .trim_ascii()
                .eq_ignore_ascii_case(b"authentication-results")
        {
            input = &input[colon + 1..];
        }
        let mut out = Self {
            raw: String::from_utf8_lossy(input.trim_ascii()).into_owned(),
            ..Self::default()
        };
        let (mut i, comments) = sp(input);
        push_comments(&mut out.comments, &comments);
        if i.is_empty() {
            return Err(AuthResultsError::Empty);
        }
        if looks_like_methodspec(i) {
            // No authserv-id (Microsoft 365): the first result follows directly.
            i = out.result_or_skip(i, limits)?;
        } else {
            let (rest, id) = value_text(i).map_err(|_| AuthResultsError::BadAuthservId {
                at: String::from_utf8_lossy(&i[..i.len().min(40)]).into_owned(),
            })?;
            out.authserv_id = id;
            let (rest, comments) = sp(rest);
            push_comments(&mut out.comments, &comments);
            i = rest;
            if let Ok((rest, v)) = digits(i) {
                out.version = Some(v);
                let (rest, comments) = sp(rest);
                push_comments(&mut out.comments, &comments);
                i = rest;
            }
        }
        loop {
            let (rest, comments) = sp(i);
            push_comments(&mut out.comments, &comments);
            i = rest;
            match i.first() {
                None => break,
                Some(b';') => {
                    let (rest, comments) = sp(&i[1..]);
                    push_comments(&mut out.comments, &comments);
                    i = rest;
                    if i.is_empty() {
                        break;
                    }
                    if let Some(rest) = none_keyword(i) {
                        out.none = true;
                        i = rest;
                        continue;
                    }
                    i = out.result_or_skip(i, limits)?;
                }
                Some(_) => {
                    // Text where a `;` was expected: keep it raw and resynchronise.
                    let (skipped, rest) = skip_to_semicolon(i);
                    out.push_unparsed(skipped);
                    i = rest;
                }
            }
        }
        if out.authserv_id.is_empty() && out.results.is_empty() {
            // No authserv-id, and not one result could be read: nothing says who checked
            // what.
            return Err(AuthResultsError::Empty);
        }
        Ok(out)
    }

    /// Reads one resinfo at `i` (after the `;`), or keeps it raw in `unparsed`.
    fn result_or_skip<'a>(
        &mut self,
        i: &'a [u8],
        limits: Limits,
    ) -> Result<&'a [u8], AuthResultsError> {
        if self.results.len() >= limits.max_results {
            return Err(AuthResultsError::TooManyResults {
                limit: limits.max_results,
            });
        }
        match resinfo(i, limits.max_properties) {
            Ok((rest, r)) => {
                self.results.push(r);
                Ok(rest)
            }
            Err(ResinfoError::TooManyProperties(method)) => {
                Err(AuthResultsError::TooManyProperties {
                    method,
                    limit: limits.max_properties,
                })
            }
            Err(ResinfoError::Syntax) => {
                let (skipped, rest) = skip_to_semicolon(i);
                self.push_unparsed(skipped);
                Ok(rest)
            }
        }
    }

    fn push_unparsed(&mut self, skipped: &[u8]) {
        let text = String::from_utf8_lossy(skipped.trim_ascii()).into_owned();
        if !text.is_empty() && self.unparsed.len() < DEFAULT_MAX_RESULTS {
            self.unparsed.push(text);
        }
    }

    /// The results of `method`, in order.
    pub fn results_of<'a>(
        &'a self,
        method: &'a Method,
    ) -> impl Iterator<Item = &'a MethodResult> + 'a {
        self.results.iter().filter(move |r| r.method == *method)
    }

    /// The first `spf` result.
    #[must_use]
    pub fn spf(&self) -> Option<&MethodResult> {
        self.results_of(&Method::Spf).next()
    }

    /// Every `dkim` result (one per signature checked), with domain and selector.
    #[must_use]
    pub fn dkim(&self) -> Vec<DkimResult<'_>> {
        self.results_of(&Method::Dkim)
            .map(|r| {
                let identity = r.property("header", "i");
                DkimResult {
                    result: r,
                    domain: r
                        .property("header", "d")
                        .or_else(|| identity.and_then(|i| i.rsplit_once('@')).map(|(_, d)| d)),
                    selector: r.property("header", "s"),
                    identity,
                    signature: r.property("header", "b"),
                }
            })
            .collect()
    }

    /// The first `dmarc` result, with `header.from`.
    #[must_use]
    pub fn dmarc(&self) -> Option<DmarcResult<'_>> {
        self.results_of(&Method::Dmarc).next().map(|r| DmarcResult {
            result: r,
            header_from: r.property("header", "from"),
        })
    }

    /// The first `arc` result.
    #[must_use]
    pub fn arc(&self) -> Option<&MethodResult> {
        self.results_of(&Method::Arc).next()
    }
}

impl fmt::Display for AuthenticationResults {
    /// The field value in canonical form: `id [version]; method=result reason="…"
    /// ptype.property=value …` (comments and unparsed results left out), or `id; none`;
    /// without an authserv-id, the results alone (`spf=pass; dkim=pass`, as Microsoft 365
    /// writes them). It parses back to the same results.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bare = self.authserv_id.is_empty();
        if !bare {
            if self.authserv_id.bytes().all(is_token_byte) {
                f.write_str(&self.authserv_id)?;
            } else {
                write_quoted(f, &self.authserv_id)?;
            }
            if let Some(v) = self.version {
                write!(f, " {v}")?;
            }
        }
        if self.none && self.results.is_empty() {
            return f.write_str(if bare { "none" } else { "; none" });
        }
        for (n, r) in self.results.iter().enumerate() {
            if !(bare && n == 0) {
                f.write_str("; ")?;
            }
            write!(f, "{}", r.method)?;
            if let Some(v) = r.version {
                write!(f, "/{v}")?;
            }
            write!(f, "={}", r.result)?;
            if let Some(reason) = &r.reason {
                f.write_str(" reason=")?;
                write_value(f, reason)?;
            }
            for p in &r.properties {
                if p.ptype.is_empty() {
                    write!(f, " {}=", p.property)?;
                } else {
                    write!(f, " {}.{}=", p.ptype, p.property)?;
                }
                write_value(f, &p.value)?;
            }
        }
        Ok(())
    }
}

/// Writes `v` bare when it reads back as one pvalue, quoted otherwise.
fn write_value(f: &mut fmt::Formatter<'_>, v: &str) -> fmt::Result {
    if !v.is_empty() && v.bytes().all(is_pvalue_byte) {
        return f.write_str(v);
    }
    write_quoted(f, v)
}

/// Writes `v` as a quoted string.
fn write_quoted(f: &mut fmt::Formatter<'_>, v: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in v.chars() {
        if c == '"' || c == '\\' {
            f.write_str("\\")?;
        }
        write!(f, "{c}")?;
    }
    f.write_str("\"")
}

enum ResinfoError {
    Syntax,
    TooManyProperties(String),
}

impl<E> From<Err<E>> for ResinfoError {
    fn from(_: Err<E>) -> Self {
        Self::Syntax
    }
}

/// `resinfo` after its `;`: `methodspec [reasonspec] *propspec`, comments collected.
fn resinfo(i: &[u8], max_properties: usize) -> Result<(&[u8], MethodResult), ResinfoError> {
    let mut comments = Vec::new();
    let (i, method) = keyword(i)?;
    let (mut i, c) = sp(i);
    comments.extend(c);
    let mut version = None;
    if let Some(rest) = i.strip_prefix(b"/") {
        let (rest, c) = sp(rest);
        comments.extend(c);
        let (rest, v) = digits(rest)?;
        version = Some(v);
        let (rest, c) = sp(rest);
        comments.extend(c);
        i = rest;
    }
    let i = i.strip_prefix(b"=").ok_or(ResinfoError::Syntax)?;
    let (i, c) = sp(i);
    comments.extend(c);
    let (mut i, result) = keyword(i)?;
    let method = Method::from_word(&latin(method));
    let mut r = MethodResult {
        method,
        version,
        result: AuthResult::from_word(&latin(result)),
        reason: None,
        properties: Vec::new(),
        comments: Vec::new(),
    };
    loop {
        let (rest, c) = sp(i);
        comments.extend(c);
        i = rest;
        if i.is_empty() || i[0] == b';' {
            break;
        }
        let (rest, name) = keyword(i)?;
        let (rest, c) = sp(rest);
        comments.extend(c);
        let (rest, property) = if let Some(rest) = rest.strip_prefix(b".") {
            let (rest, c) = sp(rest);
            comments.extend(c);
            let (rest, p) = keyword(rest)?;
            let (rest, c) = sp(rest);
            comments.extend(c);
            (rest, Some(p))
        } else {
            (rest, None)
        };
        let rest = rest.strip_prefix(b"=").ok_or(ResinfoError::Syntax)?;
        let (rest, c) = sp(rest);
        comments.extend(c);
        let (rest, value) = pvalue(rest)?;
        i = rest;
        match property {
            None if name.eq_ignore_ascii_case(b"reason") && r.reason.is_none() => {
                r.reason = Some(value);
            }
            _ => {
                if r.properties.len() >= max_properties {
                    return Err(ResinfoError::TooManyProperties(r.method.to_string()));
                }
                let (ptype, property) = match property {
                    Some(p) => (
                        latin(name).to_ascii_lowercase(),
                        latin(p).to_ascii_lowercase(),
                    ),
                    None => (String::new(), latin(name).to_ascii_lowercase()),
                };
                r.properties.push(Property {
                    ptype,
                    property,
                    value,
                });
            }
        }
    }
    push_comments(&mut r.comments, &comments);
    Ok((i, r))
}

fn push_comments(into: &mut Vec<String>, comments: &[&[u8]]) {
    for c in comments {
        if into.len() >= DEFAULT_MAX_PROPERTIES {
            return;
        }
        into.push(String::from_utf8_lossy(c).trim().to_owned());
    }
}

fn latin(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Whitespace and comments (iterative, nesting bounded); returns the comments' inner text.
/// Stops before an unterminated or too deeply nested comment.
pub(crate) fn sp(mut i: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let mut comments = Vec::new();
    loop {
        let start = i
            .iter()
            .position(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        i = &i[start.unwrap_or(i.len())..];
        if i.first() != Some(&b'(') {
            return (i, comments);
        }
        match comment_end(i) {
            Some(end) => {
                comments.push(&i[1..end - 1]);
                i = &i[end..];
            }
            None => return (i, comments),
        }
    }
}

/// The length of the comment at the start of `i` (which begins with `(`), parentheses
/// included; `None` when unterminated or nested deeper than [`MAX_COMMENT_DEPTH`].
fn comment_end(i: &[u8]) -> Option<usize> {
    let mut depth = 0usize;
    let mut n = 0;
    while n < i.len() {
        match i[n] {
            b'\\' => n += 1,
            b'(' => {
                depth += 1;
                if depth > MAX_COMMENT_DEPTH {
                    return None;
                }
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(n + 1);
                }
            }
            _ => {}
        }
        n += 1;
    }
    None
}

/// Skips to the next top-level `;` (outside comments and quotes): (skipped, rest at `;`).
fn skip_to_semicolon(i: &[u8]) -> (&[u8], &[u8]) {
    let mut n = 0;
    let mut depth = 0usize;
    let mut quoted = false;
    while n < i.len() {
        match i[n] {
            b'\\' => n += 1,
            b'"' if depth == 0 => quoted = !quoted,
            b'(' if !quoted => depth += 1,
            b')' if !quoted => depth = depth.saturating_sub(1),
            b';' if !quoted && depth == 0 => return (&i[..n], &i[n..]),
            _ => {}
        }
        n += 1;
    }
    (i, &i[i.len()..])
}

const fn is_keyword_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// `Keyword` (an ldh-str; `_` accepted as receivers write it).
fn keyword(i: &[u8]) -> IResult<&[u8], &[u8]> {
    take_while1(is_keyword_byte).parse(i)
}

/// `1*DIGIT`, at most 9 digits.
fn digits(i: &[u8]) -> IResult<&[u8], u32> {
    let (rest, d) = take_while1(|b: u8| b.is_ascii_digit()).parse(i)?;
    if d.len() > 9 {
        return Err(Err::Error(Error::new(i, ErrorKind::TooLarge)));
    }
    let v = d.iter().fold(0u32, |v, b| v * 10 + u32::from(b - b'0'));
    Ok((rest, v))
}

/// RFC 2045 `token` bytes: printable ASCII except tspecials; 8-bit bytes tolerated.
const fn is_token_byte(b: u8) -> bool {
    (b > 0x20 && b != 0x7f)
        && !matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b'@'
                | b','
                | b';'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'='
        )
}

/// A pvalue's unquoted bytes, as receivers write them: anything but whitespace, `;`,
/// parentheses and quotes (so `@example.com`, `a@b`, base64 `header.b` values).
const fn is_pvalue_byte(b: u8) -> bool {
    b > 0x20 && b != 0x7f && !matches!(b, b';' | b'(' | b')' | b'"')
}

/// `value = token / quoted-string`, as text (quotes removed, pairs unescaped).
fn value_text(i: &[u8]) -> IResult<&[u8], String> {
    if i.first() == Some(&b'"') {
        return quoted(i);
    }
    let (rest, t) = take_while1(is_token_byte).parse(i)?;
    Ok((rest, latin(t)))
}

/// `pvalue`: a quoted string or a run of [`is_pvalue_byte`]s (possibly empty, as
/// `header.d=` is sometimes written).
fn pvalue(i: &[u8]) -> IResult<&[u8], String> {
    if i.first() == Some(&b'"') {
        return quoted(i);
    }
    let n = i
        .iter()
        .position(|&b| !is_pvalue_byte(b))
        .unwrap_or(i.len());
    Ok((&i[n..], latin(&i[..n])))
}

/// A quoted string at `i` (which starts with `"`), unescaped. 8-bit bytes tolerated.
fn quoted(i: &[u8]) -> IResult<&[u8], String> {
    let mut out = Vec::new();
    let mut n = 1;
    while n < i.len() {
        match i[n] {
            b'\\' if n + 1 < i.len() => {
                out.push(i[n + 1]);
                n += 2;
            }
            b'"' => return Ok((&i[n + 1..], String::from_utf8_lossy(&out).into_owned())),
            b => {
                out.push(b);
                n += 1;
            }
        }
    }
    Err(Err::Error(Error::new(i, ErrorKind::Char)))
}

/// `keyword [CFWS] ("=" / "/")`: the start of a methodspec rather than an authserv-id.
fn looks_like_methodspec(i: &[u8]) -> bool {
    let Ok((rest, _)) = keyword(i) else {
        return false;
    };
    let (rest, _) = sp(rest);
    matches!(rest.first(), Some(b'=' | b'/'))
}

/// `none` followed by the end or a `;`.
fn none_keyword(i: &[u8]) -> Option<&[u8]> {
    let (rest, k) = keyword(i).ok()?;
    if !k.eq_ignore_ascii_case(b"none") {
        return None;
    }
    let (rest, _) = sp(rest);
    (rest.is_empty() || rest[0] == b';').then_some(rest)
}

impl MethodResult {
    /// A result with no properties, reason or comments (for building expectations and
    /// reports).
    #[must_use]
    pub fn new(method: Method, result: AuthResult) -> Self {
        Self {
            method,
            version: None,
            result,
            reason: None,
            properties: Vec::new(),
            comments: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;
