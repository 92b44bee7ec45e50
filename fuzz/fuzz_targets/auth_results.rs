//! Fuzz the Authentication-Results (RFC 8601) parser, the header block splitter and the
//! Received parser: arbitrary bytes never panic, limits hold, and what the parser reads
//! prints in a canonical form that reads back to the same results (round trip).
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::grammar::auth_results::{AuthenticationResults, DEFAULT_MAX_RESULTS, Limits};
use smtping_proto::grammar::headers::{HeaderBlock, HeaderLimits};
use smtping_proto::grammar::received::Received;

fuzz_target!(|data: &[u8]| {
    if let Ok(ar) = AuthenticationResults::parse(data) {
        assert!(ar.results.len() <= DEFAULT_MAX_RESULTS);
        // Round trip: the canonical form parses, to the same results (comments and
        // unparsed pieces are not printed), and prints the same again.
        let text = ar.to_string();
        let wide = Limits { max_len: usize::MAX, ..Limits::default() };
        let back = AuthenticationResults::parse_with(text.as_bytes(), wide)
            .unwrap_or_else(|e| panic!("{text:?} does not parse back: {e}"));
        let strip = |a: &AuthenticationResults| {
            a.results
                .iter()
                .cloned()
                .map(|mut r| {
                    r.comments.clear();
                    r
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&back), strip(&ar), "{text:?}");
        assert_eq!(back.authserv_id, ar.authserv_id);
        assert_eq!(back.to_string(), text);
        let _ = (ar.spf(), ar.dkim(), ar.dmarc(), ar.arc());
    }
    let limits = HeaderLimits { max_bytes: 4096, max_fields: 16, max_value: 512 };
    let block = HeaderBlock::parse_with(data, limits);
    assert!(block.fields.len() <= 16);
    for r in block.received() {
        assert!(r.raw.len() <= data.len() * 3);
    }
    let _ = block.authentication_results();
    let _ = Received::parse(&String::from_utf8_lossy(data));
});
