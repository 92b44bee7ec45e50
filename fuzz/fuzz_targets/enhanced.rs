//! Fuzz the enhanced-status-code grammar (RFC 3463 §2) alone: `EnhancedCode::parse_prefix`
//! and `FromStr` against a byte-by-byte reference written from the RFC's ABNF, the code
//! read whole equals the code read with trailing text, `Display` round-trips, and the
//! reply parser reports the same code (or mismatch) for a reply line carrying the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::{EnhancedCode, parse_reply};

/// `class "." subject "." detail` with class 2, 4 or 5 and one to three digits each for
/// subject and detail: the code and the bytes it used, or `None`.
fn reference(t: &[u8]) -> Option<((u8, u16, u16), usize)> {
    let class = match t.first()? {
        c @ (b'2' | b'4' | b'5') => c - b'0',
        _ => return None,
    };
    if t.get(1) != Some(&b'.') {
        return None;
    }
    let digits = |from: usize| -> Option<(u16, usize)> {
        let n = t[from..].iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 3 {
            return None;
        }
        let v = t[from..from + n]
            .iter()
            .fold(0u16, |v, b| v * 10 + u16::from(b - b'0'));
        Some((v, from + n))
    };
    let (subject, at) = digits(2)?;
    if t.get(at) != Some(&b'.') {
        return None;
    }
    let (detail, end) = digits(at + 1)?;
    Some(((class, subject, detail), end))
}

fn parts(c: EnhancedCode) -> (u8, u16, u16) {
    (c.class(), c.subject(), c.detail())
}

fuzz_target!(|data: &[u8]| {
    // parse_prefix: the reference, followed by nothing, a space or a tab.
    let expected =
        reference(data).filter(|&(_, used)| matches!(data.get(used), None | Some(b' ' | b'\t')));
    let got = EnhancedCode::parse_prefix(data);
    assert_eq!(got.map(|(c, used)| (parts(c), used)), expected);

    // FromStr: the whole text and nothing else.
    if let Ok(s) = core::str::from_utf8(data) {
        let whole = reference(data).filter(|&(_, used)| used == data.len());
        assert_eq!(
            s.parse::<EnhancedCode>().ok().map(parts),
            whole.map(|(p, _)| p)
        );
    }

    if let Some((code, used)) = got {
        // Whole vs with trailing text.
        let mut longer = data[..used].to_vec();
        longer.extend_from_slice(b" trailing text");
        assert_eq!(EnhancedCode::parse_prefix(&longer), Some((code, used)));
        assert_eq!(
            EnhancedCode::parse_prefix(&data[..used]),
            Some((code, used))
        );
        // Display round-trips (leading zeros are not kept, the value is).
        let shown = code.to_string();
        assert_eq!(shown.parse::<EnhancedCode>(), Ok(code));
        let (class, subject, detail) = parts(code);
        assert_eq!(EnhancedCode::new(class, subject, detail), Some(code));
    }

    // The reply parser: a `550 <text>` line reports the code when its class is 5 and as a
    // mismatch otherwise (no CR or LF in the text, so the line is one line).
    if !data.contains(&b'\r') && !data.contains(&b'\n') && data.len() <= 1000 {
        let mut line = b"550 ".to_vec();
        line.extend_from_slice(data);
        line.extend_from_slice(b"\r\n");
        let (reply, used) = parse_reply(&line).unwrap().unwrap();
        assert_eq!(used, line.len());
        let code = got.map(|(c, _)| c);
        assert_eq!(reply.enhanced(), code.filter(|c| c.class() == 5));
        assert_eq!(reply.enhanced_mismatch(), code.filter(|c| c.class() != 5));
    }
});
