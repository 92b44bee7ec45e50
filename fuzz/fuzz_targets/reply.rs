//! Fuzz `parse_reply` and the configurable parser: arbitrary server bytes must never
//! panic, byte counts must be exact, and the strict parser must agree with the tolerant
//! one whenever the input has no bare LF.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::{BareLfPolicy, ReplyLimits, ReplyParser, ReplyProgress, parse_reply};

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let mut n = 0usize;
    while let Ok(Some((reply, used))) = parse_reply(rest) {
        assert!(used > 0 && used <= rest.len());
        assert_eq!(reply.as_bytes().len(), used);
        assert!((200..600).contains(&reply.code()));
        assert_eq!(reply.lines().count(), reply.line_count());
        let _ = reply.text_lossy();
        let strict = ReplyParser::new().bare_lf(BareLfPolicy::Refuse).parse(rest);
        if !reply.has_bare_lf() {
            assert_eq!(strict.ok().flatten().map(|(_, u)| u), Some(used));
        }
        rest = &rest[used..];
        n += 1;
        assert!(n <= data.len());
    }
    // Byte-at-a-time resumable parsing agrees with one-shot parsing.
    let parser = ReplyParser::new().limits(ReplyLimits::default().max_line_len(64).max_lines(8).max_reply_len(256));
    // The same verdict either way: the same reply and byte count, or an error. Which error
    // is reported may depend on how much had arrived (the first violation noticed: with
    // fewer bytes the reply-size limit can trip before the line-length limit, or a limit
    // before a bad code at the very end of the window), so errors are compared as errors.
    let key = |r: Result<Option<usize>, smtping_proto::ReplyError>| r.map_err(|_| ());
    let one_shot = key(parser.parse(data).map(|o| o.map(|(_, u)| u)));
    let mut progress = ReplyProgress::default();
    let mut result = Ok(None);
    for end in 0..=data.len() {
        result = key(parser.parse_resumable(&data[..end], &mut progress).map(|o| o.map(|(_, u)| u)));
        if !matches!(result, Ok(None)) {
            break;
        }
    }
    assert_eq!(result, one_shot);
});
