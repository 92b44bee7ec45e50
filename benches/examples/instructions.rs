//! Runs one parser over the benchmark corpus many times, for instruction counting with
//! `valgrind --tool=callgrind` (repeatable on a busy machine, unlike wall-clock time):
//!
//! ```text
//! cargo build --release -p smtping-benches --example instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/instructions ehlo-smtping 1000
//! ```
//!
//! Targets: reply-smtping, reply-smtp-proto, reply-lettre, ehlo-smtping (one pass),
//! ehlo-smtping-two-step (`parse_reply` + `from_ehlo`), ehlo-smtp-proto, ehlo-lettre. The total instruction count divided by the iterations gives instructions per
//! corpus pass; `docs/performance.md` lists them.

use std::hint::black_box;
use std::str::FromStr;

use smtping_benches::{EHLO, REPLIES};

fn main() {
    let mut args = std::env::args().skip(1);
    let target = args.next().unwrap_or_else(|| "reply-smtping".into());
    let n: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut acc = 0usize;
    for _ in 0..n {
        acc += match target.as_str() {
            "reply-smtping" => REPLIES
                .iter()
                .map(|s| {
                    let (r, _) = smtping_proto::parse_reply(black_box(s.as_bytes()))
                        .unwrap()
                        .unwrap();
                    // The enhanced code too, as a client reads it (and as the
                    // criterion bench does): `Reply::enhanced` may parse lazily.
                    r.lines().map(<[u8]>::len).sum::<usize>()
                        + usize::from(r.code())
                        + r.enhanced().map_or(0, |e| usize::from(e.detail()))
                })
                .sum::<usize>(),
            "reply-smtp-proto" => REPLIES
                .iter()
                .map(|s| {
                    let mut rx = smtp_proto::response::parser::ResponseReceiver::default();
                    let r = rx.parse(&mut black_box(s.as_bytes()).iter()).unwrap();
                    r.message.len() + usize::from(r.code)
                })
                .sum(),
            "reply-lettre" => REPLIES
                .iter()
                .map(|s| {
                    let r = lettre::transport::smtp::response::Response::from_str(black_box(s))
                        .unwrap();
                    r.message().map(str::len).sum::<usize>()
                })
                .sum(),
            "ehlo-smtping" => EHLO
                .iter()
                .map(|s| {
                    let (e, _) = smtping_proto::Extensions::parse(black_box(s.as_bytes()))
                        .unwrap()
                        .unwrap();
                    e.server_name().len() + usize::from(e.pipelining()) + e.auth_mechanisms().len()
                })
                .sum(),
            "ehlo-smtping-two-step" => EHLO
                .iter()
                .map(|s| {
                    let (r, _) = smtping_proto::parse_reply(black_box(s.as_bytes()))
                        .unwrap()
                        .unwrap();
                    let e = smtping_proto::Extensions::from_ehlo(&r).unwrap();
                    e.server_name().len() + usize::from(e.pipelining()) + e.auth_mechanisms().len()
                })
                .sum(),
            "ehlo-smtp-proto" => EHLO
                .iter()
                .map(|s| {
                    let r = smtp_proto::EhloResponse::parse(&mut black_box(s.as_bytes()).iter())
                        .unwrap();
                    r.hostname.len() + r.capabilities as usize
                })
                .sum(),
            "ehlo-lettre" => EHLO
                .iter()
                .map(|s| {
                    let r = lettre::transport::smtp::response::Response::from_str(black_box(s))
                        .unwrap();
                    let i =
                        lettre::transport::smtp::extension::ServerInfo::from_response(&r).unwrap();
                    i.name().len()
                })
                .sum(),
            other => {
                eprintln!("unknown target {other}");
                std::process::exit(2);
            }
        };
    }
    println!("{target}: {n} passes, checksum {acc}");
}
