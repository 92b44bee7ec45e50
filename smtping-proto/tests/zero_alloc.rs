//! The reply parser's budget: zero heap allocations per parsed reply.
//!
//! A counting global allocator wraps the system one; the test parses a realistic corpus
//! (greetings, EHLO replies, rejections, multi-line replies) many times and checks that
//! the parsing itself allocated nothing. It lives in its own test binary so no other test
//! thread allocates while it measures.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CORPUS: &[&[u8]] = &[
    b"220 mx.google.com ESMTP d9443c01a7336-2a1f1e9e0b0si1234567plq.123 - gsmtp\r\n",
    b"250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
    b"550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser\r\n",
    b"250 2.0.0 Ok: queued as 4Zx7Jm0qJ7z9sWd\r\n",
    b"451 4.7.1 <alice@example.org>: Recipient address rejected: Greylisted\r\n",
    b"250\r\n",
    b"354 End data with <CR><LF>.<CR><LF>\r\n",
    b"250 ok\n",
];

#[test]
fn parsing_a_reply_allocates_nothing() {
    // Warm up anything lazily initialised (none expected, but be fair).
    for buf in CORPUS {
        let _ = smtping_proto::parse_reply(buf);
    }
    // The allocator is process-wide: the test harness's own thread may allocate while we
    // measure (seen once under `cargo test --workspace`). Parsing is deterministic, so a
    // parser that allocated would do so in every round (at least once per reply, thousands
    // of times); a round with zero allocations proves it does not.
    let mut fewest = usize::MAX;
    for _ in 0..5 {
        let region = Region::new(GLOBAL);
        let mut lines = 0usize;
        let mut enhanced = 0usize;
        for _ in 0..1000 {
            for buf in CORPUS {
                let (reply, used) = smtping_proto::parse_reply(buf).unwrap().unwrap();
                assert_eq!(used, buf.len());
                lines += reply.lines().count();
                enhanced += usize::from(reply.enhanced().is_some());
                lines += reply.first_line().len() & 1;
            }
        }
        let stats = region.change();
        assert!(lines > 0 && enhanced == 3000);
        fewest = fewest.min(stats.allocations + stats.reallocations);
        if fewest == 0 {
            break;
        }
    }
    assert_eq!(
        fewest,
        0,
        "parse_reply allocated in every round of {} replies",
        1000 * CORPUS.len()
    );
}
