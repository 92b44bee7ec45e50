//! Classification throughput: classifications per second on a mixed corpus.
//!
//! - `classify/text`: `classify_text` over free text — every rule's realistic example
//!   (provider, blocklist and MTA texts) plus the shared reply corpus as raw text.
//! - `classify/reply`: `parse_reply` + `classify` over the shared reply corpus.
//! - `classify/dsn`: parsing a Postfix-style bounce and classifying its recipients.
//!
//! Run: `cargo bench -p smtping-benches --bench classify` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smtping_benches::REPLIES;
use smtping_classify::{Context, Outcome, classify, classify_text, dsn, rules};

const BOUNCE: &str = "From: MAILER-DAEMON@mx.sender.example\r\n\
Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"4Zx550abc.1735689600/mx.sender.example\"\r\n\
\r\n\
--4Zx550abc.1735689600/mx.sender.example\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
<bob@gmail.com>: host gmail-smtp-in.l.google.com[192.0.2.26] said: 550-5.1.1 The email account that you tried to reach does not exist. - gsmtp (in reply to RCPT TO command)\r\n\
\r\n\
--4Zx550abc.1735689600/mx.sender.example\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.sender.example\r\n\
Arrival-Date: Wed,  1 Jan 2025 00:00:00 +0000 (UTC)\r\n\
\r\n\
Final-Recipient: rfc822; bob@gmail.com\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Remote-MTA: dns; gmail-smtp-in.l.google.com\r\n\
Diagnostic-Code: smtp; 550-5.1.1 The email account that you tried to reach does\r\n\tnot exist. - gsmtp\r\n\
\r\n\
Final-Recipient: rfc822; carol@example.org\r\n\
Action: delayed\r\n\
Status: 4.2.2\r\n\
Diagnostic-Code: smtp; 452 4.2.2 <carol@example.org>: Quota exceeded (mailbox for user is full)\r\n\
\r\n\
--4Zx550abc.1735689600/mx.sender.example\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
Message-ID: <original-1@sender.example>\r\n\
\r\n\
--4Zx550abc.1735689600/mx.sender.example--\r\n";

fn text_corpus() -> Vec<&'static str> {
    let mut corpus: Vec<&'static str> = rules::all().map(|r| r.example).collect();
    corpus.extend_from_slice(REPLIES);
    corpus.extend_from_slice(&[
        "host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)",
        "SMTP error from remote mail server after RCPT TO:<carol@example.net>:\n    550 5.1.1 <carol@example.net>: Recipient address rejected: User unknown",
        "smtp; 550 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org",
        "Status: 5.1.1",
        "connection to 192.0.2.550 timed out, queue id 4Zx550abc",
    ]);
    corpus
}

fn classify_text_bench(c: &mut Criterion) {
    let corpus = text_corpus();
    let ctx = Context::default();
    // Warm the lazily compiled rule set outside the measurement.
    let _ = classify_text("550 5.1.1 warm-up", &ctx);
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(corpus.len() as u64));
    g.bench_function("text", |b| {
        b.iter(|| {
            let mut bounced = 0u32;
            for t in &corpus {
                let c = classify_text(black_box(t), &ctx);
                bounced += u32::from(c.outcome == Outcome::Bounced);
            }
            bounced
        })
    });
    g.finish();
}

fn classify_reply_bench(c: &mut Criterion) {
    let ctx = Context::default();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(REPLIES.len() as u64));
    g.bench_function("reply", |b| {
        b.iter(|| {
            let mut hard = 0u32;
            for s in REPLIES {
                if let Ok(Some((reply, _))) = smtping_proto::parse_reply(black_box(s.as_bytes())) {
                    hard += u32::from(classify(&reply, &ctx).hard);
                }
            }
            hard
        })
    });
    g.finish();
}

fn dsn_bench(c: &mut Criterion) {
    let ctx = Context::default();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(1));
    g.bench_function("dsn", |b| {
        b.iter(|| {
            let report =
                dsn::parse(black_box(BOUNCE.as_bytes())).map_or(0, |r| r.classify(&ctx).len());
            black_box(report)
        })
    });
    g.finish();
}

criterion_group!(
    benches,
    classify_text_bench,
    classify_reply_bench,
    dsn_bench
);
criterion_main!(benches);
