//! Heap held per in-flight check, with and without STARTTLS: a benchmark, not a test.
//!
//! ```text
//! cargo run --release -p smtping-benches --example check_memory -- 200
//! ```
//!
//! The example re-runs itself as a loopback test server in a child process (so only the
//! client's memory is counted), starts N checks that each stop in the middle of a
//! delivery (the server holds its reply to the final dot for a few seconds), samples the
//! heap in use while all of them are in flight, and prints the bytes per check above the
//! idle baseline, for a plaintext and a STARTTLS check. A counting global allocator
//! measures the heap; `docs/performance.md` lists the figures.

use std::alloc::System;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use smtping_client::tls::TlsOptions;
use smtping_client::{Check, TlsMode};
use smtping_proto::Address;
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::server::{Behaviour, ServerStage, ServerTls, TestServer};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// How long the server holds its reply to the final dot.
const HOLD: Duration = Duration::from_secs(4);

fn in_use() -> isize {
    let s = GLOBAL.stats();
    // bytes_reallocated is the net growth of reallocations (it may be negative).
    s.bytes_allocated as isize - s.bytes_deallocated as isize + s.bytes_reallocated
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let first = args.next().unwrap_or_else(|| "200".into());
    if first == "serve" {
        return serve();
    }
    let n: usize = first.parse()?;
    let mut child = Command::new(std::env::current_exe()?)
        .arg("serve")
        .stdout(Stdio::piped())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let addr: SocketAddr = lines.next().ok_or("no address")??.parse()?;
    let ca_path = lines.next().ok_or("no CA path")??;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    for (label, tls, native) in [
        ("plaintext", TlsMode::None, false),
        (
            "STARTTLS, webpki roots + --ca-file",
            TlsMode::StartTls,
            false,
        ),
        (
            "STARTTLS, + the OS trust store (the default)",
            TlsMode::StartTls,
            true,
        ),
    ] {
        let per_check = rt.block_on(measure(addr, &ca_path, tls, native, n))?;
        println!(
            "{label:>45}: {n} checks in flight, {:.1} KiB per check",
            per_check / 1024.0
        );
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

fn check(
    addr: SocketAddr,
    ca: &str,
    tls: TlsMode,
    native: bool,
) -> Result<Check, Box<dyn std::error::Error>> {
    Ok(Check::parse(&addr.to_string())?
        .tls(tls)
        .sni("mx.bench.test")
        .tls_options(
            TlsOptions::default()
                .use_native_roots(native)
                .sni("mx.bench.test")
                .ca_file(ca),
        )
        .command_timeout(Duration::from_secs(30))
        .envelope(
            Address::new("bench@example.com")?,
            vec![Address::new("postmaster@example.org")?],
        ))
}

/// Heap bytes per check while `n` checks wait for the reply to their final dot.
async fn measure(
    addr: SocketAddr,
    ca: &str,
    tls: TlsMode,
    native: bool,
    n: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    // One check first: lazily built statics (trust anchors, providers) are not per check.
    let _ = check(addr, ca, tls, native)?.run().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = in_use();
    let mut tasks = Vec::with_capacity(n);
    for _ in 0..n {
        let c = check(addr, ca, tls, native)?;
        tasks.push(tokio::spawn(c.run()));
    }
    // Every check is connected and waiting well before the server answers.
    tokio::time::sleep(HOLD / 2).await;
    let during = in_use();
    for t in tasks {
        let r = t.await?;
        if r.delivery.outcome != "accepted" {
            return Err(format!("a check did not deliver: {}", r.summary).into());
        }
    }
    Ok((during - before) as f64 / n as f64)
}

/// The child process: a STARTTLS test server that holds the final dot's reply.
fn serve() -> Result<(), Box<dyn std::error::Error>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let pki = TestPki::new()?;
        let cert = pki.server_cert(Scenario::Valid, &["mx.bench.test"])?;
        let dir = std::env::temp_dir().join(format!("smtping-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        let ca = dir.join("ca.pem");
        std::fs::write(&ca, pki.ca_cert_pem())?;
        let server = TestServer::builder()
            .hostname("mx.bench.test")
            .tls(ServerTls::starttls(cert))
            .extensions(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"])
            .max_connections(1024)
            .on(ServerStage::DataEnd, Behaviour::delay(HOLD))
            .start()
            .await?;
        let mut out = std::io::stdout();
        writeln!(out, "{}", server.addr())?;
        writeln!(out, "{}", ca.display())?;
        out.flush()?;
        // Until the parent kills it (bounded: at most a minute).
        tokio::time::sleep(Duration::from_secs(60)).await;
        server.shutdown().await;
        let _ = std::fs::remove_dir_all(&dir);
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
