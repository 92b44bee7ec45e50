//! Fuzz the IMAP seed session: any server bytes, in any chunks, after any greeting, never
//! panic, never grow the session past its limits, and the session always ends once the
//! server closes the connection. The password never shows in the transcript or error.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use smtping_proto::imap::{
    ImapLimits, ImapOutput, ImapSecret, ImapTls, SearchQuery, SeedPlan, SeedSession,
};

const PASSWORD: &str = "fuzz-secret-pw";

fuzz_target!(|input: (bool, u8, &[u8])| {
    let (starttls, chunk, bytes) = input;
    let mut plan = SeedPlan::new(
        "alice",
        ImapSecret::new(PASSWORD.into()),
        SearchQuery::MessageId("<id@example.org>".into()),
    );
    plan.tls = if starttls {
        ImapTls::StartTls { require: false }
    } else {
        ImapTls::Implicit
    };
    plan.allow_cleartext_auth = true;
    plan.cleanup = true;
    plan.limits = ImapLimits {
        max_total_bytes: 1 << 20,
        ..ImapLimits::default()
    };
    let now = Instant::now();
    let mut s = SeedSession::new(plan, now);
    let size = usize::from(chunk).max(1);
    let mut outcome = None;
    let drain = |s: &mut SeedSession, outcome: &mut Option<_>| {
        for _ in 0..10_000 {
            match s.poll_output() {
                ImapOutput::Wait { .. } => return,
                ImapOutput::StartTls => s.handle_tls_established(now),
                ImapOutput::Done(o) => {
                    if outcome.is_none() {
                        *outcome = Some(o);
                    }
                    return;
                }
                ImapOutput::Transmit(_) | ImapOutput::Event(_) => {}
            }
        }
        panic!("poll_output never waits");
    };
    for part in bytes.chunks(size) {
        s.handle_input(part, now);
        drain(&mut s, &mut outcome);
    }
    s.handle_eof(now);
    drain(&mut s, &mut outcome);
    s.handle_timeout(now + Duration::from_secs(3600));
    drain(&mut s, &mut outcome);
    assert!(s.is_done());
    let o = outcome.expect("a Done outcome");
    for line in &o.transcript {
        assert!(!line.text.contains(PASSWORD));
    }
    if let Some(e) = &o.error {
        assert!(!e.to_string().contains(PASSWORD));
    }
    if let Some(f) = &o.found {
        assert!(f.header.len() <= 256 * 1024);
    }
});
