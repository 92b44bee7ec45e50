//! Macro expansion (RFC 7208 §7): letters `s l o d i p v h c r t`, the digit and `r`
//! transformers, delimiters, `%% %_ %-`, URL-encoding for upper-case letters, and the
//! 253-byte shortening of an expanded domain-spec.

use std::fmt::Write as _;
use std::net::IpAddr;

use super::record::{MacroItem, MacroLetter, MacroString};

/// Everything a macro can refer to.
#[derive(Clone, Debug)]
pub(crate) struct MacroContext<'a> {
    pub(crate) local: &'a str,
    pub(crate) sender_domain: &'a str,
    pub(crate) domain: &'a str,
    pub(crate) ip: IpAddr,
    pub(crate) helo: &'a str,
    /// The validated name for `%{p}` (the caller resolves it first when the string uses it).
    pub(crate) validated: Option<&'a str>,
    pub(crate) receiver: &'a str,
    pub(crate) timestamp: u64,
}

/// Why a macro-string cannot be expanded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MacroError {
    /// `c`, `r` or `t` outside an explanation.
    ExpOnly(char),
    /// A digit transformer of 0.
    ZeroDigits,
}

impl std::fmt::Display for MacroError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ExpOnly(c) => write!(f, "macro %{{{c}}} is allowed only in explanation text"),
            Self::ZeroDigits => f.write_str("a macro transformer of 0 parts"),
        }
    }
}

/// The `i` form of an address: dotted quad, or 32 dotted nibbles for IPv6.
pub(crate) fn dotted_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let mut s = String::with_capacity(63);
            for byte in v6.octets() {
                for nibble in [byte >> 4, byte & 0xf] {
                    if !s.is_empty() {
                        s.push('.');
                    }
                    let _ = write!(s, "{nibble:x}");
                }
            }
            s
        }
    }
}

/// Expands `ms`; `exp` allows the explanation-only letters.
pub(crate) fn expand(
    ms: &MacroString,
    ctx: &MacroContext<'_>,
    exp: bool,
) -> Result<String, MacroError> {
    let mut out = String::new();
    for item in &ms.items {
        match item {
            MacroItem::Literal(t) => out.push_str(t),
            MacroItem::Percent => out.push('%'),
            MacroItem::Space => out.push(' '),
            MacroItem::UrlSpace => out.push_str("%20"),
            MacroItem::Macro(m) => {
                if m.letter.exp_only() && !exp {
                    return Err(MacroError::ExpOnly(m.letter.as_char()));
                }
                let raw: String = match m.letter {
                    MacroLetter::S => format!("{}@{}", ctx.local, ctx.sender_domain),
                    MacroLetter::L => ctx.local.to_owned(),
                    MacroLetter::O => ctx.sender_domain.to_owned(),
                    MacroLetter::D => ctx.domain.to_owned(),
                    MacroLetter::I => dotted_ip(ctx.ip),
                    MacroLetter::P => ctx.validated.unwrap_or("unknown").to_owned(),
                    MacroLetter::V => match ctx.ip {
                        IpAddr::V4(_) => "in-addr".to_owned(),
                        IpAddr::V6(_) => "ip6".to_owned(),
                    },
                    MacroLetter::H => ctx.helo.to_owned(),
                    MacroLetter::C => ctx.ip.to_string(),
                    MacroLetter::R => ctx.receiver.to_owned(),
                    MacroLetter::T => ctx.timestamp.to_string(),
                };
                let delims: &str = if m.delimiters.is_empty() {
                    "."
                } else {
                    &m.delimiters
                };
                let mut parts: Vec<&str> = raw.split(|c| delims.contains(c)).collect();
                if m.reverse {
                    parts.reverse();
                }
                if let Some(n) = m.digits {
                    if n == 0 {
                        return Err(MacroError::ZeroDigits);
                    }
                    let n = usize::try_from(n).unwrap_or(usize::MAX);
                    if n < parts.len() {
                        parts.drain(..parts.len() - n);
                    }
                }
                let joined = parts.join(".");
                if m.url_encode {
                    url_encode(&joined, &mut out);
                } else {
                    out.push_str(&joined);
                }
            }
        }
    }
    Ok(out)
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn url_encode(s: &str, out: &mut String) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
}

/// An expanded domain-spec shortened to 253 bytes by dropping left-hand labels (RFC 7208
/// §7.3), without a trailing dot.
pub(crate) fn shorten_domain(mut s: String) -> String {
    while s.ends_with('.') && s.len() > 1 {
        s.pop();
    }
    while s.len() > 253 {
        match s.find('.') {
            Some(i) => {
                s.drain(..=i);
            }
            None => break,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::super::record::macro_string;
    use super::*;

    fn ctx(ip: &str) -> MacroContext<'static> {
        MacroContext {
            local: "strong-bad",
            sender_domain: "email.example.com",
            domain: "email.example.com",
            ip: ip.parse().unwrap(),
            helo: "mx.example.org",
            validated: None,
            receiver: "unknown",
            timestamp: 1234,
        }
    }

    fn x(s: &str, ip: &str) -> String {
        expand(&macro_string(s, true).unwrap(), &ctx(ip), true).unwrap()
    }

    #[test]
    fn rfc7208_section_7_4_examples() {
        let v4 = "192.0.2.3";
        assert_eq!(x("%{s}", v4), "strong-bad@email.example.com");
        assert_eq!(x("%{o}", v4), "email.example.com");
        assert_eq!(x("%{d}", v4), "email.example.com");
        assert_eq!(x("%{d4}", v4), "email.example.com");
        assert_eq!(x("%{d3}", v4), "email.example.com");
        assert_eq!(x("%{d2}", v4), "example.com");
        assert_eq!(x("%{d1}", v4), "com");
        assert_eq!(x("%{dr}", v4), "com.example.email");
        assert_eq!(x("%{d2r}", v4), "example.email");
        assert_eq!(x("%{l}", v4), "strong-bad");
        assert_eq!(x("%{l-}", v4), "strong.bad");
        assert_eq!(x("%{lr}", v4), "strong-bad");
        assert_eq!(x("%{lr-}", v4), "bad.strong");
        assert_eq!(x("%{l1r-}", v4), "strong");
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}", v4),
            "3.2.0.192.in-addr._spf.example.com"
        );
        assert_eq!(
            x("%{lr-}.lp._spf.%{d2}", v4),
            "bad.strong.lp._spf.example.com"
        );
        assert_eq!(
            x("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", v4),
            "3.2.0.192.in-addr.strong.lp._spf.example.com"
        );
        assert_eq!(
            x("%{d2}.trusted-domains.example.net", v4),
            "example.com.trusted-domains.example.net"
        );
        assert_eq!(
            x("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"
        );
        assert_eq!(x("%{S}", v4), "strong-bad%40email.example.com");
        assert_eq!(x("a%%b%_c%-d", v4), "a%b c%20d");
        assert_eq!(x("%{c} %{t} %{r}", v4), "192.0.2.3 1234 unknown");
    }

    #[test]
    fn errors_and_shortening() {
        let ms = macro_string("%{c}", false).unwrap();
        assert_eq!(
            expand(&ms, &ctx("192.0.2.1"), false),
            Err(MacroError::ExpOnly('c'))
        );
        let ms = macro_string("%{d0}", false).unwrap();
        assert_eq!(
            expand(&ms, &ctx("192.0.2.1"), false),
            Err(MacroError::ZeroDigits)
        );
        let long = format!("{}.example.com", "a.".repeat(200));
        let s = shorten_domain(long);
        assert!(s.len() <= 253 && s.ends_with(".example.com") && !s.starts_with('.'));
    }
}
