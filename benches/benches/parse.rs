//! Reply and EHLO parsing throughput: SMTPing side by side with `smtp-proto` and `lettre`,
//! on the same corpus in one run.
//!
//! Each benchmark parses every entry of the corpus once per iteration and reports bytes
//! per second. Every parser gets the work it needs to produce what a client uses: the
//! code, the enhanced code and the text for replies; the capabilities for EHLO. SMTPing's
//! EHLO is measured both ways: `Extensions::parse` (one pass from the bytes) and
//! `parse_reply` + `Extensions::from_ehlo` (`smtping-two-step`).
//!
//! Run: `cargo bench -p smtping-benches --bench parse`.

use std::hint::black_box;
use std::str::FromStr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use smtping_benches::{EHLO, REPLIES, corpus_bytes};

fn replies(c: &mut Criterion) {
    let mut g = c.benchmark_group("reply");
    g.throughput(Throughput::Bytes(corpus_bytes(REPLIES)));
    g.bench_function("smtping", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for s in REPLIES {
                let (r, used) = smtping_proto::parse_reply(black_box(s.as_bytes()))
                    .unwrap()
                    .unwrap();
                acc += u32::from(r.code()) + used as u32;
                acc += u32::from(r.enhanced().map_or(0, |e| e.detail()));
                for line in r.lines() {
                    acc += line.len() as u32;
                }
            }
            acc
        })
    });
    g.bench_function("smtp-proto", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for s in REPLIES {
                let mut rx = smtp_proto::response::parser::ResponseReceiver::default();
                let r = rx.parse(&mut black_box(s.as_bytes()).iter()).unwrap();
                acc += u32::from(r.code) + u32::from(r.esc[2]) + r.message.len() as u32;
            }
            acc
        })
    });
    g.bench_function("lettre", |b| {
        b.iter(|| {
            let mut acc = 0u32;
            for s in REPLIES {
                let r =
                    lettre::transport::smtp::response::Response::from_str(black_box(s)).unwrap();
                acc += u32::from(r.code().detail as u8);
                for line in r.message() {
                    acc += line.len() as u32;
                }
            }
            acc
        })
    });
    g.finish();
}

fn ehlo(c: &mut Criterion) {
    let mut g = c.benchmark_group("ehlo");
    g.throughput(Throughput::Bytes(corpus_bytes(EHLO)));
    g.bench_function("smtping", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for s in EHLO {
                let (ext, _) = smtping_proto::Extensions::parse(black_box(s.as_bytes()))
                    .unwrap()
                    .unwrap();
                acc += ext.server_name().len()
                    + ext.size().unwrap_or(0) as usize
                    + ext.auth_mechanisms().len()
                    + usize::from(ext.pipelining())
                    + usize::from(ext.starttls());
            }
            acc
        })
    });
    g.bench_function("smtping-two-step", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for s in EHLO {
                let (r, _) = smtping_proto::parse_reply(black_box(s.as_bytes()))
                    .unwrap()
                    .unwrap();
                let ext = smtping_proto::Extensions::from_ehlo(&r).unwrap();
                acc += ext.server_name().len()
                    + ext.size().unwrap_or(0) as usize
                    + ext.auth_mechanisms().len()
                    + usize::from(ext.pipelining())
                    + usize::from(ext.starttls());
            }
            acc
        })
    });
    g.bench_function("smtp-proto", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for s in EHLO {
                let r =
                    smtp_proto::EhloResponse::parse(&mut black_box(s.as_bytes()).iter()).unwrap();
                acc += r.hostname.len()
                    + r.size
                    + r.auth_mechanisms as usize
                    + r.capabilities as usize;
            }
            acc
        })
    });
    g.bench_function("lettre", |b| {
        b.iter(|| {
            let mut acc = 0usize;
            for s in EHLO {
                let r =
                    lettre::transport::smtp::response::Response::from_str(black_box(s)).unwrap();
                let info =
                    lettre::transport::smtp::extension::ServerInfo::from_response(&r).unwrap();
                acc +=
                    info.name().len()
                        + usize::from(info.supports_feature(
                            lettre::transport::smtp::extension::Extension::StartTls,
                        ));
            }
            acc
        })
    });
    g.finish();
}

criterion_group!(benches, replies, ehlo);
criterion_main!(benches);
