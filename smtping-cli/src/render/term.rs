//! Text made safe for a terminal: the one place where server-provided (and user-provided)
//! text is escaped before it is printed for people.
//!
//! A greeting, an EHLO reply, a certificate field or a DNS name is whatever the other side
//! chose to send. Printed raw, `ESC [ 2 J` clears the screen, `ESC ] 0 ; … BEL` retitles
//! the window, BS and CR overwrite what was printed before (a red verdict can be made to
//! look green), and a C1 control (U+0080–U+009F) is CSI on some terminals. So every human
//! renderer shows such characters as visible escapes:
//!
//! | character                     | shown as          |
//! |-------------------------------|-------------------|
//! | ESC, BEL, BS, HT, LF, VT, FF, CR, NUL | `\e \a \b \t \n \v \f \r \0` |
//! | other C0 controls, DEL, C1 controls   | `\u{1f}`, `\u{7f}`, `\u{9b}` |
//! | bidirectional overrides and isolates  | `\u{202e}` (they reorder what follows) |
//! | an invalid UTF-8 byte (from bytes)    | `\xNN`            |
//!
//! [`escape`] keeps LF (multi-line text such as a reply stays multi-line); [`escape_line`]
//! escapes LF too, for text that must stay on one line. [`report`] applies [`escape`] to
//! every string of a [`Report`] (field by field, through its serde form, so a field added
//! later is covered without touching this file). JSON output stays exact: [`write_json`]
//! lets serde escape C0 controls and additionally writes DEL, C1 and bidi controls as
//! `\u00XX` escapes, which decode to the same string.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use serde::Serialize;
use smtping_client::Report;

/// Whether `c` must not reach a terminal raw (LF aside, see [`escape`]).
fn dangerous(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// Bidirectional formatting characters: they reorder the text that follows them.
fn is_bidi(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '\x1b' => out.push_str("\\e"),
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\t' => out.push_str("\\t"),
        '\n' => out.push_str("\\n"),
        '\x0b' => out.push_str("\\v"),
        '\x0c' => out.push_str("\\f"),
        '\r' => out.push_str("\\r"),
        '\0' => out.push_str("\\0"),
        c => {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
}

fn escape_with(s: &str, keep_lf: bool) -> Cow<'_, str> {
    let needs = |c: char| dangerous(c) && !(keep_lf && c == '\n');
    if !s.chars().any(needs) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if needs(c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with every control character escaped except LF (see the [module docs](self)).
pub(crate) fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, true)
}

/// `s` with every control character escaped, LF included: it stays on one line.
pub(crate) fn escape_line(s: &str) -> Cow<'_, str> {
    escape_with(s, false)
}

/// Bytes as text for a terminal: valid UTF-8 as [`escape_line`] shows it, each byte of an
/// invalid sequence as `\xNN`.
pub(crate) fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape_line(chunk.valid()));
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

fn escape_value(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::String(s) => match escape(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(e) => {
                *s = e;
                true
            }
        },
        serde_json::Value::Array(a) => a.iter_mut().fold(false, |acc, x| escape_value(x) | acc),
        serde_json::Value::Object(o) => o.values_mut().fold(false, |acc, x| escape_value(x) | acc),
        _ => false,
    }
}

/// The report with every string escaped for a terminal (borrowed when nothing needed it).
/// `None` only if the report could not be rebuilt from its escaped form; the caller then
/// escapes its whole output instead.
pub(crate) fn report(r: &Report) -> Option<Cow<'_, Report>> {
    escaped(r)
}

/// Any serialisable value with every string escaped for a terminal (see [`report`]).
pub(crate) fn escaped<T>(r: &T) -> Option<Cow<'_, T>>
where
    T: Serialize + serde::de::DeserializeOwned + Clone,
{
    let mut v = serde_json::to_value(r).ok()?;
    if !escape_value(&mut v) {
        return Some(Cow::Borrowed(r));
    }
    serde_json::from_value(v).ok().map(Cow::Owned)
}

/// A serde_json formatter that also writes DEL, C1 and bidi controls as `\uXXXX`: the
/// JSON decodes to exactly the same strings, and its bytes hold no terminal control.
struct Safe<F>(F);

macro_rules! forward {
    ($($name:ident $(, $arg:ident : $ty:ty)*;)*) => {
        $(
            fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W $(, $arg: $ty)*) -> io::Result<()> {
                self.0.$name(w $(, $arg)*)
            }
        )*
    };
}

impl<F: serde_json::ser::Formatter> serde_json::ser::Formatter for Safe<F> {
    forward! {
        begin_array; end_array;
        begin_array_value, first: bool;
        end_array_value;
        begin_object; end_object;
        begin_object_key, first: bool;
        end_object_key;
        begin_object_value; end_object_value;
    }

    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|(_, c)| dangerous(*c)) {
            self.0.write_string_fragment(w, &rest[..i])?;
            write!(w, "\\u{:04x}", u32::from(c))?;
            rest = &rest[i + c.len_utf8()..];
        }
        self.0.write_string_fragment(w, rest)
    }
}

/// Writes `value` as JSON (pretty or on one line) with [`Safe`] escapes.
pub(crate) fn write_json<W: io::Write, T: Serialize + ?Sized>(
    w: W,
    value: &T,
    pretty: bool,
) -> serde_json::Result<()> {
    if pretty {
        let mut ser = serde_json::Serializer::with_formatter(
            w,
            Safe(serde_json::ser::PrettyFormatter::new()),
        );
        value.serialize(&mut ser)
    } else {
        let mut ser =
            serde_json::Serializer::with_formatter(w, Safe(serde_json::ser::CompactFormatter));
        value.serialize(&mut ser)
    }
}

/// [`write_json`] into a `String`.
pub(crate) fn json_string<T: Serialize + ?Sized>(
    value: &T,
    pretty: bool,
) -> serde_json::Result<String> {
    let mut buf = Vec::new();
    write_json(&mut buf, value, pretty)?;
    // serde_json writes UTF-8 only.
    Ok(String::from_utf8(buf).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
}

#[cfg(test)]
mod tests;
