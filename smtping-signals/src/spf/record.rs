//! The grammar of an SPF record (RFC 7208 §4.5, §4.6, §12): version, directives with
//! qualifiers, the eight mechanisms with domain-specs and dual CIDR lengths, the
//! `redirect`/`exp` modifiers and unknown modifiers, and macro-strings (§7.1).
//!
//! Parsing is total: every input yields a [`Record`] or a [`ParseError`] naming the byte
//! position and the term; nothing panics. [`Record`]'s `Display` renders a record that
//! parses back to the same value.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use nom::Parser;
use nom::branch::alt;
use nom::bytes::complete::{tag, tag_no_case, take_while, take_while1};
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{all_consuming, map, opt, value};
use nom::multi::many0;
use nom::sequence::delimited;

/// Longest record text the parser accepts (a TXT RRset cannot be longer on the wire).
pub const MAX_RECORD_LEN: usize = 65_535;

/// A parsed `v=spf1` record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The terms after the version, in order.
    pub terms: Vec<Term>,
}

/// A directive or a modifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Term {
    /// `[qualifier] mechanism`.
    Directive(Directive),
    /// `name=value`.
    Modifier(Modifier),
}

/// A qualifier and a mechanism.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Directive {
    /// The qualifier (`+` when none is written).
    pub qualifier: Qualifier,
    /// Whether the qualifier was written.
    pub explicit: bool,
    /// The mechanism.
    pub mechanism: Mechanism,
}

/// `+ - ~ ?` (serialised as `pass`, `fail`, `softfail`, `neutral`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Qualifier {
    /// `+`: pass.
    #[serde(rename = "pass")]
    Pass,
    /// `-`: fail.
    #[serde(rename = "fail")]
    Fail,
    /// `~`: softfail.
    #[serde(rename = "softfail")]
    SoftFail,
    /// `?`: neutral.
    #[serde(rename = "neutral")]
    Neutral,
}

impl Qualifier {
    /// The character.
    #[must_use]
    pub const fn as_char(self) -> char {
        match self {
            Self::Pass => '+',
            Self::Fail => '-',
            Self::SoftFail => '~',
            Self::Neutral => '?',
        }
    }
}

/// CIDR prefix lengths of `a` and `mx` (`/24//64`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DualCidr {
    /// IPv4 prefix (0–32; default 32).
    pub v4: Option<u8>,
    /// IPv6 prefix (0–128; default 128).
    pub v6: Option<u8>,
}

/// The eight mechanisms (RFC 7208 §5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// `all`.
    All,
    /// `include:domain-spec`.
    Include(MacroString),
    /// `a[:domain-spec][dual-cidr]`.
    A {
        /// The target (the current domain when `None`).
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `mx[:domain-spec][dual-cidr]`.
    Mx {
        /// The target (the current domain when `None`).
        domain: Option<MacroString>,
        /// Prefix lengths.
        cidr: DualCidr,
    },
    /// `ptr[:domain-spec]` (discouraged, RFC 7208 §5.5).
    Ptr(Option<MacroString>),
    /// `ip4:network[/len]`.
    Ip4 {
        /// The network.
        addr: Ipv4Addr,
        /// The prefix length (32 when `None`).
        prefix: Option<u8>,
    },
    /// `ip6:network[/len]`.
    Ip6 {
        /// The network.
        addr: Ipv6Addr,
        /// The prefix length (128 when `None`).
        prefix: Option<u8>,
    },
    /// `exists:domain-spec`.
    Exists(MacroString),
}

impl Mechanism {
    /// The mechanism's name, lower case.
    #[must_use]
    pub const fn name(&self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Include(_) => "include",
            Self::A { .. } => "a",
            Self::Mx { .. } => "mx",
            Self::Ptr(_) => "ptr",
            Self::Ip4 { .. } => "ip4",
            Self::Ip6 { .. } => "ip6",
            Self::Exists(_) => "exists",
        }
    }

    /// Whether evaluating it costs a DNS term (RFC 7208 §4.6.4).
    #[must_use]
    pub const fn queries_dns(&self) -> bool {
        !matches!(self, Self::All | Self::Ip4 { .. } | Self::Ip6 { .. })
    }
}

/// A modifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Modifier {
    /// `redirect=domain-spec`.
    Redirect(MacroString),
    /// `exp=domain-spec`.
    Exp(MacroString),
    /// Any other `name=macro-string` (ignored by evaluation).
    Unknown {
        /// The name as written.
        name: String,
        /// The value.
        value: MacroString,
    },
}

/// A macro-string: literals and macros (RFC 7208 §7.1).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MacroString {
    /// The pieces, in order.
    pub items: Vec<MacroItem>,
}

impl MacroString {
    /// Whether any piece is a macro with this letter.
    #[must_use]
    pub fn uses(&self, letter: MacroLetter) -> bool {
        self.items
            .iter()
            .any(|i| matches!(i, MacroItem::Macro(m) if m.letter == letter))
    }
}

/// A piece of a macro-string.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MacroItem {
    /// Literal text.
    Literal(String),
    /// `%{…}`.
    Macro(MacroExpand),
    /// `%%`.
    Percent,
    /// `%_` (a space).
    Space,
    /// `%-` (`%20`).
    UrlSpace,
}

/// The letters of §7.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MacroLetter {
    /// `s`: the sender.
    S,
    /// `l`: its local-part.
    L,
    /// `o`: its domain.
    O,
    /// `d`: the current domain.
    D,
    /// `i`: the client IP (dotted, nibbles for IPv6).
    I,
    /// `p`: the validated domain name of the IP (discouraged).
    P,
    /// `v`: `in-addr` or `ip6`.
    V,
    /// `h`: the HELO domain.
    H,
    /// `c`: the client IP, readable (exp only).
    C,
    /// `r`: the receiving domain (exp only).
    R,
    /// `t`: the timestamp (exp only).
    T,
}

impl MacroLetter {
    fn from_char(c: char) -> Option<Self> {
        Some(match c.to_ascii_lowercase() {
            's' => Self::S,
            'l' => Self::L,
            'o' => Self::O,
            'd' => Self::D,
            'i' => Self::I,
            'p' => Self::P,
            'v' => Self::V,
            'h' => Self::H,
            'c' => Self::C,
            'r' => Self::R,
            't' => Self::T,
            _ => return None,
        })
    }

    /// The letter, lower case.
    #[must_use]
    pub const fn as_char(self) -> char {
        match self {
            Self::S => 's',
            Self::L => 'l',
            Self::O => 'o',
            Self::D => 'd',
            Self::I => 'i',
            Self::P => 'p',
            Self::V => 'v',
            Self::H => 'h',
            Self::C => 'c',
            Self::R => 'r',
            Self::T => 't',
        }
    }

    /// Allowed only in explanation text (`c`, `r`, `t`).
    #[must_use]
    pub const fn exp_only(self) -> bool {
        matches!(self, Self::C | Self::R | Self::T)
    }
}

/// `%{letter digits r delimiters}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MacroExpand {
    /// The letter.
    pub letter: MacroLetter,
    /// Written in upper case: URL-encode the expansion.
    pub url_encode: bool,
    /// Keep this many right-hand parts (`Some(0)` is an error at expansion).
    pub digits: Option<u32>,
    /// The `r` transformer: reverse the parts.
    pub reverse: bool,
    /// The delimiters (default `.` when empty).
    pub delimiters: String,
}

/// A record that does not parse: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("syntax error at byte {position} in term {term:?}: {reason}")]
pub struct ParseError {
    /// Byte offset of the offending term in the record.
    pub position: usize,
    /// The term (shortened when long).
    pub term: String,
    /// What is wrong.
    pub reason: &'static str,
}

/// Whether `text` is an SPF version 1 record: `v=spf1` (any case) followed by a space or
/// the end (RFC 7208 §4.5).
#[must_use]
pub fn is_spf1(text: &[u8]) -> bool {
    text.len() >= 6
        && text[..6].eq_ignore_ascii_case(b"v=spf1")
        && text.get(6).is_none_or(|&b| b == b' ')
}

impl Record {
    /// Parses a record text (which must start with `v=spf1`).
    ///
    /// ```
    /// use smtping_signals::spf::record::{Mechanism, Record, Term};
    /// let r = Record::parse("v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all")?;
    /// assert_eq!(r.terms.len(), 3);
    /// assert!(matches!(&r.terms[2], Term::Directive(d) if d.mechanism == Mechanism::All));
    /// assert_eq!(r.to_string(), "v=spf1 ip4:192.0.2.0/24 include:_spf.example.com -all");
    /// # Ok::<(), smtping_signals::spf::record::ParseError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        let err = |position: usize, term: &str, reason| ParseError {
            position,
            term: term.chars().take(64).collect(),
            reason,
        };
        if text.len() > MAX_RECORD_LEN {
            return Err(err(0, "", "record longer than 65535 bytes"));
        }
        if !is_spf1(text.as_bytes()) {
            return Err(err(0, text, "not a v=spf1 record"));
        }
        let mut terms = Vec::new();
        let mut redirect = false;
        let mut exp = false;
        let mut pos = 6;
        for token in text[6..].split(' ') {
            let at = pos;
            pos += token.len() + 1;
            if token.is_empty() {
                continue;
            }
            let term = parse_term(token).map_err(|reason| err(at, token, reason))?;
            match &term {
                Term::Modifier(Modifier::Redirect(_)) if std::mem::replace(&mut redirect, true) => {
                    return Err(err(at, token, "redirect= given twice"));
                }
                Term::Modifier(Modifier::Exp(_)) if std::mem::replace(&mut exp, true) => {
                    return Err(err(at, token, "exp= given twice"));
                }
                _ => {}
            }
            terms.push(term);
        }
        Ok(Self { terms })
    }

    /// The `redirect=` target, if any.
    #[must_use]
    pub fn redirect(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Redirect(m)) => Some(m),
            _ => None,
        })
    }

    /// The `exp=` domain-spec, if any.
    #[must_use]
    pub fn exp(&self) -> Option<&MacroString> {
        self.terms.iter().find_map(|t| match t {
            Term::Modifier(Modifier::Exp(m)) => Some(m),
            _ => None,
        })
    }

    /// The directives, in order.
    pub fn directives(&self) -> impl Iterator<Item = &Directive> {
        self.terms.iter().filter_map(|t| match t {
            Term::Directive(d) => Some(d),
            Term::Modifier(_) => None,
        })
    }

    /// DNS-querying terms in this record (include, a, mx, ptr, exists, redirect).
    #[must_use]
    pub fn dns_terms(&self) -> u32 {
        let n = self
            .directives()
            .filter(|d| d.mechanism.queries_dns())
            .count()
            + usize::from(self.redirect().is_some());
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

fn parse_term(token: &str) -> Result<Term, &'static str> {
    if !token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err("control, space or non-ASCII character");
    }
    let b = token.as_bytes();
    // A modifier: name "=" …, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
    let name_len = b
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
        .count();
    if name_len > 0 && b[0].is_ascii_alphabetic() && b.get(name_len) == Some(&b'=') {
        let name = &token[..name_len];
        let value = &token[name_len + 1..];
        let lower = name.to_ascii_lowercase();
        return Ok(Term::Modifier(match lower.as_str() {
            "redirect" => Modifier::Redirect(domain_spec(value)?),
            "exp" => Modifier::Exp(domain_spec(value)?),
            _ => Modifier::Unknown {
                name: name.to_owned(),
                value: macro_string(value, false)?,
            },
        }));
    }
    let (qualifier, explicit, rest) = match b[0] {
        b'+' => (Qualifier::Pass, true, &token[1..]),
        b'-' => (Qualifier::Fail, true, &token[1..]),
        b'~' => (Qualifier::SoftFail, true, &token[1..]),
        b'?' => (Qualifier::Neutral, true, &token[1..]),
        _ => (Qualifier::Pass, false, token),
    };
    let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    let (name, args) = rest.split_at(name_len);
    let lower = name.to_ascii_lowercase();
    let colon = args.strip_prefix(':');
    let mechanism = match lower.as_str() {
        "all" if args.is_empty() => Mechanism::All,
        "all" => return Err("all takes no argument"),
        "include" => Mechanism::Include(domain_spec(colon.ok_or("include needs :domain")?)?),
        "exists" => Mechanism::Exists(domain_spec(colon.ok_or("exists needs :domain")?)?),
        "a" | "mx" => {
            let (spec, cidr) = split_dual_cidr(args)?;
            let domain = match spec {
                "" => None,
                s => Some(domain_spec(
                    s.strip_prefix(':').ok_or("expected :domain or /cidr")?,
                )?),
            };
            if lower == "a" {
                Mechanism::A { domain, cidr }
            } else {
                Mechanism::Mx { domain, cidr }
            }
        }
        "ptr" => Mechanism::Ptr(match args {
            "" => None,
            s => Some(domain_spec(s.strip_prefix(':').ok_or("expected :domain")?)?),
        }),
        "ip4" => {
            let net = colon.ok_or("ip4 needs :address")?;
            let (addr, prefix) = match net.split_once('/') {
                Some((a, p)) => (a, Some(cidr_len(p, 32)?)),
                None => (net, None),
            };
            let addr = ip4_network(addr).ok_or("invalid IPv4 address")?;
            Mechanism::Ip4 { addr, prefix }
        }
        "ip6" => {
            let net = colon.ok_or("ip6 needs :address")?;
            let (addr, prefix) = match net.split_once('/') {
                Some((a, p)) => (a, Some(cidr_len(p, 128)?)),
                None => (net, None),
            };
            let addr = addr.parse().map_err(|_| "invalid IPv6 address")?;
            Mechanism::Ip6 { addr, prefix }
        }
        _ => return Err("unknown mechanism"),
    };
    Ok(Term::Directive(Directive {
        qualifier,
        explicit,
        mechanism,
    }))
}

/// RFC 7208 ip4-network: four dec-octets without leading zeros.
fn ip4_network(s: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = s.split('.');
    for o in &mut octets {
        let p = parts.next()?;
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if p.len() > 1 && p.starts_with('0') {
            return None;
        }
        *o = p.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(octets))
}

/// `"0" / %x31-39 0*2DIGIT` up to `max`.
fn cidr_len(s: &str, max: u8) -> Result<u8, &'static str> {
    let ok = !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'));
    let n: u16 = if ok {
        s.parse().map_err(|_| "bad CIDR length")?
    } else {
        return Err("bad CIDR length");
    };
    u8::try_from(n)
        .ok()
        .filter(|&n| n <= max)
        .ok_or("CIDR length out of range")
}

/// Splits `[:domain][/v4][//v6]` into the domain part and the lengths.
fn split_dual_cidr(args: &str) -> Result<(&str, DualCidr), &'static str> {
    let mut cidr = DualCidr::default();
    let mut rest = args;
    if let Some(i) = rest.rfind("//") {
        let digits = &rest[i + 2..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            cidr.v6 = Some(cidr_len(digits, 128)?);
            rest = &rest[..i];
        }
    }
    if let Some(i) = rest.rfind('/') {
        let digits = &rest[i + 1..];
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            cidr.v4 = Some(cidr_len(digits, 32)?);
            rest = &rest[..i];
        }
    }
    if rest.ends_with('/') && (cidr.v4.is_some() || cidr.v6.is_some() || rest.len() > 1) {
        return Err("bad CIDR length");
    }
    Ok((rest, cidr))
}

/// `domain-spec = macro-string domain-end`; `domain-end = ("." toplabel ["."]) / macro-expand`.
fn domain_spec(s: &str) -> Result<MacroString, &'static str> {
    if s.is_empty() {
        return Err("empty domain-spec");
    }
    let ms = macro_string(s, false)?;
    if ms
        .items
        .iter()
        .any(|i| matches!(i, MacroItem::Macro(m) if m.letter.exp_only()))
    {
        return Err("macros c, r and t are allowed only in explanation text");
    }
    match ms.items.last() {
        Some(MacroItem::Macro(_) | MacroItem::Percent | MacroItem::Space | MacroItem::UrlSpace) => {
            Ok(ms)
        }
        Some(MacroItem::Literal(text)) => {
            let t = text.strip_suffix('.').unwrap_or(text);
            match t.rsplit_once('.') {
                Some((_, top)) if is_toplabel(top) => Ok(ms),
                None if is_toplabel(t) && ms.items.len() > 1 => {
                    Err("domain-spec must end in .toplabel")
                }
                _ => Err("domain-spec must end in .toplabel or a macro"),
            }
        }
        None => Err("empty domain-spec"),
    }
}

/// `toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )`.
fn is_toplabel(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    if b.contains(&b'-') {
        b[0].is_ascii_alphanumeric() && b[b.len() - 1].is_ascii_alphanumeric()
    } else {
        b.iter().any(u8::is_ascii_alphabetic)
    }
}

/// Parses a macro-string. With `spaces`, SP is literal (the explanation string).
pub(crate) fn macro_string(s: &str, spaces: bool) -> Result<MacroString, &'static str> {
    let mut item = alt((
        map(
            take_while1(move |c: char| c != '%' && (c != ' ' || spaces)),
            |t: &str| MacroItem::Literal(t.to_owned()),
        ),
        value(MacroItem::Percent, tag("%%")),
        value(MacroItem::Space, tag("%_")),
        value(MacroItem::UrlSpace, tag("%-")),
        map(
            delimited(
                tag("%{"),
                (
                    one_of("slodipvhcrtSLODIPVHCRT"),
                    opt(digit1),
                    opt(tag_no_case("r")),
                    take_while(|c: char| ".-+,/_=".contains(c)),
                ),
                char('}'),
            ),
            |(letter, digits, r, delims): (char, Option<&str>, Option<&str>, &str)| {
                MacroItem::Macro(MacroExpand {
                    // `one_of` only yields the letters above.
                    letter: MacroLetter::from_char(letter).unwrap_or(MacroLetter::D),
                    url_encode: letter.is_ascii_uppercase(),
                    digits: digits.map(|d| d.parse::<u32>().unwrap_or(u32::MAX)),
                    reverse: r.is_some(),
                    delimiters: delims.to_owned(),
                })
            },
        ),
    ));
    let (_, items) = all_consuming(many0(|i| item.parse(i)))
        .parse(s)
        .map_err(|_: nom::Err<nom::error::Error<&str>>| "invalid macro (a lone % or a bad %{…})")?;
    if s.bytes()
        .any(|b| !((0x21..=0x7e).contains(&b) || (spaces && b == b' ')))
    {
        return Err("control, space or non-ASCII character");
    }
    Ok(MacroString { items })
}

impl fmt::Display for MacroString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for item in &self.items {
            match item {
                MacroItem::Literal(t) => f.write_str(t)?,
                MacroItem::Percent => f.write_str("%%")?,
                MacroItem::Space => f.write_str("%_")?,
                MacroItem::UrlSpace => f.write_str("%-")?,
                MacroItem::Macro(m) => {
                    let c = m.letter.as_char();
                    let c = if m.url_encode {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    };
                    write!(f, "%{{{c}")?;
                    if let Some(d) = m.digits {
                        write!(f, "{d}")?;
                    }
                    if m.reverse {
                        f.write_str("r")?;
                    }
                    write!(f, "{}}}", m.delimiters)?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for DualCidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v4) = self.v4 {
            write!(f, "/{v4}")?;
        }
        if let Some(v6) = self.v6 {
            write!(f, "//{v6}")?;
        }
        Ok(())
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())?;
        match self {
            Self::All => Ok(()),
            Self::Include(d) | Self::Exists(d) => write!(f, ":{d}"),
            Self::A { domain, cidr } | Self::Mx { domain, cidr } => {
                if let Some(d) = domain {
                    write!(f, ":{d}")?;
                }
                write!(f, "{cidr}")
            }
            Self::Ptr(d) => match d {
                Some(d) => write!(f, ":{d}"),
                None => Ok(()),
            },
            Self::Ip4 { addr, prefix } => {
                write!(f, ":{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
            Self::Ip6 { addr, prefix } => {
                write!(f, ":{addr}")?;
                prefix.map_or(Ok(()), |p| write!(f, "/{p}"))
            }
        }
    }
}

impl fmt::Display for Directive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.explicit {
            write!(f, "{}", self.qualifier.as_char())?;
        }
        write!(f, "{}", self.mechanism)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Directive(d) => write!(f, "{d}"),
            Self::Modifier(Modifier::Redirect(d)) => write!(f, "redirect={d}"),
            Self::Modifier(Modifier::Exp(d)) => write!(f, "exp={d}"),
            Self::Modifier(Modifier::Unknown { name, value }) => write!(f, "{name}={value}"),
        }
    }
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("v=spf1")?;
        for t in &self.terms {
            write!(f, " {t}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_mechanism_and_renders_back() {
        let text = "v=spf1 +all -include:_spf.example.com ~a a:mail.example.com/24//64 mx/28 \
                    ?ptr ptr:example.org ip4:192.0.2.0/24 ip6:2001:db8::/32 \
                    exists:%{ir}.%{v}._spf.%{d} redirect=_spf.example.net exp=exp.%{d} foo.bar=%{L}x";
        let r = Record::parse(text).unwrap();
        assert_eq!(r.terms.len(), 13);
        assert_eq!(Record::parse(&r.to_string()).unwrap(), r);
        assert_eq!(r.dns_terms(), 8);
        assert!(matches!(
            &r.terms[3],
            Term::Directive(Directive {
                mechanism: Mechanism::A {
                    cidr: DualCidr {
                        v4: Some(24),
                        v6: Some(64)
                    },
                    ..
                },
                ..
            })
        ));
    }

    #[test]
    fn rejects_with_positions() {
        let e = Record::parse("v=spf1 a -bogus").unwrap_err();
        assert_eq!((e.position, e.term.as_str()), (9, "-bogus"));
        assert!(
            Record::parse("v=spf1 a:1.2.3.4").is_err(),
            "numeric toplabel"
        );
        assert!(Record::parse("v=spf1 ip4:1.2.3.4/33").is_err());
        assert!(Record::parse("v=spf1 ip4:01.2.3.4").is_err());
        assert!(Record::parse("v=spf1 a:%{x}.example.com").is_err());
        assert!(Record::parse("v=spf1 a:50%.example.com").is_err());
        assert!(Record::parse("v=spf1 redirect=a.com redirect=b.com").is_err());
        assert!(Record::parse("v=spf1 include:").is_err());
        assert!(Record::parse("v=spf1 all:x").is_err());
        assert!(!is_spf1(b"v=spf1mx"));
        assert!(is_spf1(b"V=SPF1"));
    }
}
