//! Property tests for the wire layer: round trips, stream splits, arbitrary input.

use proptest::prelude::*;
use smtping_proto::data::{DataDecoder, DataEncoder, encode_body, normalize_line_endings};
use smtping_proto::{Address, Command, Extensions, ReplyParser, ReplyProgress, parse_reply};

/// Text of one reply line: anything but CR and LF (NUL and 8-bit included).
fn line_text() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        any::<u8>().prop_filter("no CR/LF", |b| *b != b'\r' && *b != b'\n'),
        0..40,
    )
}

fn reply_code() -> impl Strategy<Value = u16> {
    (2u16..=5, 0u16..=5, 0u16..=9).prop_map(|(a, b, c)| a * 100 + b * 10 + c)
}

#[derive(Debug, Clone)]
struct ModelReply {
    code: u16,
    lines: Vec<Vec<u8>>,
    bare_last: bool,
}

fn model_reply() -> impl Strategy<Value = ModelReply> {
    (
        reply_code(),
        prop::collection::vec(line_text(), 1..6),
        any::<bool>(),
    )
        .prop_map(|(code, lines, bare_last)| ModelReply {
            code,
            bare_last: bare_last && lines.last().is_some_and(Vec::is_empty),
            lines,
        })
}

fn render(r: &ModelReply) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, l) in r.lines.iter().enumerate() {
        let last = i + 1 == r.lines.len();
        out.extend_from_slice(r.code.to_string().as_bytes());
        if last && r.bare_last {
            // bare "NNN"
        } else {
            out.push(if last { b' ' } else { b'-' });
            out.extend_from_slice(l);
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn render_then_parse_round_trips(r in model_reply()) {
        let wire = render(&r);
        let (reply, used) = parse_reply(&wire).unwrap().unwrap();
        prop_assert_eq!(used, wire.len());
        prop_assert_eq!(reply.code(), r.code);
        let lines: Vec<&[u8]> = reply.lines().collect();
        let expected: Vec<&[u8]> = r.lines.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(lines, expected);
        prop_assert!(!reply.has_bare_lf());
        // Display then re-encode reproduces the wire form for valid UTF-8 text.
        if r.lines.iter().all(|l| std::str::from_utf8(l).is_ok()) && !r.lines.last().is_some_and(Vec::is_empty) {
            let shown = reply.to_string().replace('\n', "\r\n") + "\r\n";
            prop_assert_eq!(shown.as_bytes(), &wire[..]);
        }
    }

    #[test]
    fn any_split_gives_the_same_replies(
        replies in prop::collection::vec(model_reply(), 1..5),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let wire: Vec<u8> = replies.iter().flat_map(render).collect();
        // One shot.
        let mut expected = Vec::new();
        let mut rest = &wire[..];
        while let Some((r, used)) = parse_reply(rest).unwrap() {
            expected.push((r.code(), r.as_bytes().to_vec()));
            rest = &rest[used..];
        }
        prop_assert_eq!(expected.len(), replies.len());
        // Fed in chunks through the resumable parser.
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        points.push(wire.len());
        points.sort_unstable();
        let parser = ReplyParser::new();
        let mut progress = ReplyProgress::default();
        let mut buf: Vec<u8> = Vec::new();
        let mut got = Vec::new();
        let mut fed = 0;
        for p in points {
            buf.extend_from_slice(&wire[fed..p]);
            fed = p;
            while let Some((r, used)) = parser.parse_resumable(&buf, &mut progress).unwrap() {
                got.push((r.code(), r.as_bytes().to_vec()));
                buf.drain(..used);
                progress = ReplyProgress::default();
            }
        }
        prop_assert!(buf.is_empty());
        prop_assert_eq!(got, expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let mut rest = &bytes[..];
        let mut rounds = 0;
        while let Ok(Some((r, used))) = parse_reply(rest) {
            prop_assert!(used > 0 && used <= rest.len());
            let _ = r.enhanced();
            let _ = r.text_lossy();
            let _ = r.to_string();
            if let Ok(ext) = Extensions::from_ehlo(&r) {
                let _ = ext.keywords().count();
                let _ = ext.size_limit();
            }
            rest = &rest[used..];
            rounds += 1;
            prop_assert!(rounds <= bytes.len());
        }
        let _ = DataDecoder::new(256).decode(&bytes);
    }

    #[test]
    fn arbitrary_ehlo_lines_never_panic(lines in prop::collection::vec(line_text(), 1..20)) {
        let r = ModelReply { code: 250, lines: lines.clone(), bare_last: false };
        let wire = render(&r);
        let (reply, _) = parse_reply(&wire).unwrap().unwrap();
        let ext = Extensions::from_ehlo(&reply).unwrap();
        prop_assert!(ext.keywords().count() < lines.len());
        for (k, _) in ext.keywords() {
            prop_assert!(ext.supports(k));
        }
    }

    #[test]
    fn data_round_trip(
        body in prop::collection::vec(prop::sample::select(vec![b'a', b'.', b'\r', b'\n', b' ', 0xff]), 0..200),
        split in any::<prop::sample::Index>(),
    ) {
        let wire = encode_body(&body);
        // chunked encoding is identical
        let at = split.index(body.len() + 1);
        let mut enc = DataEncoder::new();
        let mut chunked = Vec::new();
        enc.encode(&body[..at], &mut chunked);
        enc.encode(&body[at..], &mut chunked);
        enc.finish(&mut chunked);
        prop_assert_eq!(&chunked, &wire);
        // no bare CR or LF on the wire, and it ends with the terminator
        prop_assert!(wire.ends_with(b".\r\n"));
        for (i, b) in wire.iter().enumerate() {
            if *b == b'\n' { prop_assert_eq!(wire[i - 1], b'\r'); }
            if *b == b'\r' { prop_assert_eq!(wire.get(i + 1), Some(&b'\n')); }
        }
        // the terminator appears only at the end
        let decoded = DataDecoder::new(usize::MAX).decode(&wire).unwrap().unwrap();
        prop_assert_eq!(decoded.consumed, wire.len());
        let mut expected = normalize_line_endings(&body);
        if !expected.is_empty() && !expected.ends_with(b"\r\n") {
            expected.extend_from_slice(b"\r\n");
        }
        prop_assert_eq!(decoded.body, expected);
    }

    #[test]
    fn addresses_never_inject(s in "\\PC{0,12}[\r\n\0]?\\PC{0,12}") {
        if let Ok(a) = Address::new(&s) {
            let params = smtping_proto::command::RcptParams::new();
            let line = Command::Rcpt { to: &a, params: &params }.to_bytes();
            prop_assert!(line.ends_with(b"\r\n"));
            let body = &line[..line.len() - 2];
            prop_assert!(!body.iter().any(|b| matches!(b, b'\r' | b'\n' | 0)));
        }
        if s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
            prop_assert!(Address::new(&s).is_err());
        }
    }
}
