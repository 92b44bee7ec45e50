//! Bounded memory against the memory-hungry hostile servers, measured in a process of
//! its own (this test binary holds a single test, so nothing else runs in it).
//!
//! The scenarios that try to make a client buffer without end run one after another
//! through the whole Check engine: a 10 MiB greeting line without CRLF, an endless
//! multi-line greeting, 200,000 EHLO keywords, and a 1-byte-per-second greeting with a
//! short timeout. Then the process's peak resident set (`VmHWM` in `/proc/self/status`,
//! Linux) must stay under [`CEILING_KIB`]. The peak covers everything in the process:
//! the test harness, the tokio runtime, the rustls configuration, the scripted server
//! that *sends* the hostile bytes, and the client that reads them.
//!
//! Run: `cargo test -p smtping-client --test hostile_memory`.
#![forbid(unsafe_code)]

use std::time::Duration;

use smtping_client::tls::TlsOptions;
use smtping_client::{Check, Report};
use smtping_proto::Address;
use smtping_testkit::server::{Hostile, TestServer};

/// The ceiling on the process's peak resident set, in KiB.
///
/// Measured on the 2-core Linux CI machine (debug build): about 6 MiB at start (test
/// harness), 11.6 MiB after the first scenario (tokio runtime threads, rustls and the
/// webpki roots, the scripted server), and 11.8 MiB peak after all four scenarios ran
/// three times each (no growth between rounds). The client reads 16 KiB at a time and
/// the parser keeps at most one reply (64 KiB, 512 lines of at most 4 KiB); the scripted
/// server streams its hostile bytes in chunks. Had the 10 MiB line been buffered, the
/// peak would be above 21 MiB (checked by adding a 10 MiB buffer to this test: 22.1 MiB,
/// caught). 20 MiB leaves 8 MiB (70 %) of margin for allocator and platform variation
/// while still catching any whole hostile payload kept in memory.
const CEILING_KIB: u64 = 20 * 1024;

/// Times each scenario runs (a leak would grow with repetitions).
const ROUNDS: usize = 3;

/// `VmHWM` (peak resident set) and `VmRSS` of this process, in KiB.
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").expect("read /proc/self/status");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/self/status"))
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// The client's deadlines against each scenario: 2 s, except for the trickled greeting,
/// which only waits for its deadline (it sends a byte a second, memory cannot grow): a
/// short one keeps the suite fast without changing what is measured.
fn timeout_for(scenario: Hostile) -> Duration {
    if scenario == Hostile::TrickleGreeting {
        Duration::from_millis(500)
    } else {
        Duration::from_secs(2)
    }
}

async fn run(scenario: Hostile) -> Report {
    let server = TestServer::hostile(scenario).await.unwrap();
    let mut tls = TlsOptions::default();
    tls.use_native_roots = false;
    let check = Check::parse(&server.addr().to_string())
        .unwrap()
        .tls_options(tls)
        .connect_timeout(Duration::from_secs(2))
        .command_timeout(timeout_for(scenario))
        .envelope(
            Address::new("probe@example.com").unwrap(),
            vec![Address::new("rcpt@example.org").unwrap()],
        );
    // Hang guard, not a performance assertion.
    let report = tokio::time::timeout(Duration::from_secs(30), check.run())
        .await
        .unwrap_or_else(|_| panic!("{scenario}: the check hung"));
    server.shutdown().await;
    report
}

#[test]
fn hostile_servers_cannot_make_the_client_use_much_memory() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (start_hwm, _) = memory_kib();
    let scenarios = [
        (Hostile::LongLine, "greeting", "limit_exceeded"),
        (Hostile::EndlessReply, "greeting", "limit_exceeded"),
        (Hostile::ManyEhloKeywords, "ehlo", "limit_exceeded"),
        (Hostile::TrickleGreeting, "greeting", "timeout"),
    ];
    for round in 0..ROUNDS {
        for (scenario, stage, kind) in scenarios {
            let report = rt.block_on(run(scenario));
            let e = report
                .error
                .as_ref()
                .unwrap_or_else(|| panic!("{scenario}: no error: {}", report.summary));
            assert_eq!(
                (e.stage.as_str(), e.kind.as_str()),
                (stage, kind),
                "{scenario}"
            );
            let (hwm, rss) = memory_kib();
            println!(
                "round {round} {:<20} VmHWM {hwm:>6} KiB  VmRSS {rss:>6} KiB",
                scenario.name()
            );
        }
    }
    drop(rt);
    let (hwm, _) = memory_kib();
    println!("peak resident set: {hwm} KiB (at start {start_hwm} KiB), ceiling {CEILING_KIB} KiB");
    assert!(
        hwm < CEILING_KIB,
        "peak resident set {hwm} KiB is over the {CEILING_KIB} KiB ceiling (it was {start_hwm} KiB at start)"
    );
}
