//! Fuzz the DSN parser and the classifier: arbitrary bytes must never panic, a parsed
//! report must respect the limits, and every classification must be self-consistent.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_classify::dsn::{self, DsnParser};
use smtping_classify::{Classification, Context, Outcome, Reason, classify_text};

fn check(c: &Classification) {
    assert!(!c.explanation.is_empty() && !c.remediation.is_empty());
    if c.hard {
        assert_eq!(c.outcome, Outcome::Bounced);
    }
    if c.outcome == Outcome::Accepted {
        assert_eq!(c.reason, Reason::Accepted);
    }
    if let (Some(code), Some(e)) = (c.code, c.enhanced) {
        assert_eq!(u16::from(e.class()), code / 100);
    }
}

fuzz_target!(|data: &[u8]| {
    let ctx = Context::default();
    if let Ok(report) = dsn::parse(data) {
        assert!(!report.recipients.is_empty());
        assert!(report.recipients.len() <= dsn::DEFAULT_MAX_RECIPIENTS);
        for c in report.classify(&ctx) {
            check(&c);
        }
    }
    // Tight limits must fail cleanly, never panic.
    let _ = DsnParser::new()
        .max_input(256)
        .max_recipients(2)
        .max_depth(1)
        .parse(data);
    // The same bytes as free text.
    let text = String::from_utf8_lossy(data);
    check(&classify_text(&text, &ctx));
});
