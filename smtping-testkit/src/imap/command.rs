//! The server's reading of a command line: atoms, quoted strings, literals and
//! parenthesised lists (kept whole).

/// One argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// An atom (brackets included: `BODY.PEEK[HEADER]`).
    Atom(String),
    /// A quoted string, unescaped.
    Quoted(String),
    /// A literal's bytes.
    Literal(String),
    /// A parenthesised list, as written.
    List(String),
}

impl Token {
    /// The argument's text.
    pub(crate) fn text(&self) -> String {
        match self {
            Self::Atom(s) | Self::Quoted(s) | Self::Literal(s) | Self::List(s) => s.clone(),
        }
    }
}

/// Splits a command (literals inlined after their `{N}\r\n`) into tokens.
pub(crate) fn tokenize(line: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < line.len() {
        match line[i] {
            b' ' | b'\r' | b'\n' => i += 1,
            b'"' => {
                let mut s = Vec::new();
                i += 1;
                while i < line.len() && line[i] != b'"' {
                    if line[i] == b'\\' && i + 1 < line.len() {
                        i += 1;
                    }
                    s.push(line[i]);
                    i += 1;
                }
                i += 1;
                out.push(Token::Quoted(String::from_utf8_lossy(&s).into_owned()));
            }
            b'(' => {
                let start = i;
                let mut depth = 0usize;
                while i < line.len() {
                    match line[i] {
                        b'(' => depth += 1,
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                i += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                out.push(Token::List(
                    String::from_utf8_lossy(&line[start..i.min(line.len())]).into_owned(),
                ));
            }
            b'{' => {
                let close = line[i..].iter().position(|b| *b == b'}').map(|p| p + i);
                let len = close.and_then(|c| {
                    let digits = line[i + 1..c].strip_suffix(b"+").unwrap_or(&line[i + 1..c]);
                    std::str::from_utf8(digits).ok()?.parse::<usize>().ok()
                });
                match (close, len) {
                    (Some(c), Some(len)) => {
                        let start = (c + 3).min(line.len()); // `}\r\n`
                        let end = (start + len).min(line.len());
                        out.push(Token::Literal(
                            String::from_utf8_lossy(&line[start..end]).into_owned(),
                        ));
                        i = end;
                    }
                    _ => {
                        out.push(Token::Atom(
                            String::from_utf8_lossy(&line[i..]).into_owned(),
                        ));
                        i = line.len();
                    }
                }
            }
            _ => {
                let start = i;
                let mut depth = 0usize;
                while i < line.len() {
                    match line[i] {
                        b'[' => depth += 1,
                        b']' => depth = depth.saturating_sub(1),
                        b' ' | b'\r' | b'\n' if depth == 0 => break,
                        _ => {}
                    }
                    i += 1;
                }
                out.push(Token::Atom(
                    String::from_utf8_lossy(&line[start..i]).into_owned(),
                ));
            }
        }
    }
    out
}

/// Standard base64, padding optional.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
        .or_else(|| {
            base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(s.trim())
                .ok()
        })
}
