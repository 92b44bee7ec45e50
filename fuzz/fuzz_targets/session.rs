//! Drive a whole session with arbitrary server behaviour: the first byte picks the plan
//! (TLS policy, AUTH, pipelining, strictness, a generated message), the rest is a stream of actions: chunks of
//! server bytes, EOF, time passing, TLS results. The session must never panic, never hold
//! more than its limits allow, and always finish once time runs out.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    AuthPlan, Envelope, Message, Output, Plan, Session, TlsEstablished, TlsPolicy,
};
use smtping_proto::{Address, BareLfPolicy, Domain, ReplyLimits};

const LIMIT: usize = 4096;

fn plan(flags: u8) -> Plan {
    let tls = match flags & 3 {
        0 => TlsPolicy::None,
        1 => TlsPolicy::Opportunistic,
        2 => TlsPolicy::RequireStartTls,
        _ => TlsPolicy::Implicit,
    };
    let mut p = Plan::new(Domain::ehlo_name("fuzz.test").unwrap())
        .tls(tls)
        .pipelining(flags & 4 != 0)
        .limits(ReplyLimits::default().max_reply_len(LIMIT).max_lines(64).max_line_len(512))
        .envelope(Envelope::new(
            Address::new("a@fuzz.test").unwrap(),
            vec![Address::new("b@x.test").unwrap(), Address::new("c@x.test").unwrap()],
        ))
        .message(Message::Raw(b"Subject: f\r\n\r\n.body\r\n".to_vec()));
    if flags & 8 != 0 {
        let mut a = AuthPlan::new(Credentials::new("u", "p"));
        a.allow_plaintext_without_tls = flags & 16 != 0;
        a.allow_unverified_tls = true;
        p = p.auth(a);
    }
    if flags & 32 != 0 {
        p = p.bare_lf(BareLfPolicy::Refuse);
    }
    if flags & 64 != 0 {
        // A generated message streamed in chunks: memory must not follow its size.
        p = p.message(Message::Generated {
            header: b"Subject: f\r\n\r\n".to_vec(),
            filler: 1 << 20,
        });
    }
    p
}

fn settle(s: &mut Session) -> bool {
    for _ in 0..10_000 {
        assert!(s.buffered() <= LIMIT + 1024 + 512);
        match s.poll_output() {
            Output::Done(_) => return true,
            Output::Wait { .. } => return false,
            _ => {}
        }
    }
    panic!("poll_output never settled");
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else { return };
    let t0 = Instant::now();
    let mut now = t0;
    let mut s = Session::new(plan(flags), t0);
    if settle(&mut s) {
        return;
    }
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 8 {
            0 => s.handle_eof(now),
            1 => {
                now += Duration::from_secs(u64::from(op) / 2);
                s.handle_timeout(now);
            }
            2 => s.handle_tls_established(TlsEstablished { version: "TLSv1.3".into(), verified: op & 8 != 0 }, now),
            3 => s.handle_tls_failed("fuzz", now),
            _ => {
                let n = usize::from(op / 8).min(rest.len());
                let (chunk, tail) = rest.split_at(n);
                rest = tail;
                s.handle_input(chunk, now);
            }
        }
        if settle(&mut s) {
            return;
        }
    }
    for _ in 0..20 {
        now += Duration::from_secs(600);
        s.handle_timeout(now);
        if settle(&mut s) {
            return;
        }
    }
    panic!("session did not finish after time ran out");
});
