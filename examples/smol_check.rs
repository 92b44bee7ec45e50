//! A Check on smol: the async-std adapter (`futures-io` + `futures-rustls`) run by
//! `smol::block_on`, with no tokio on the client side.
//!
//! ```text
//! cargo run -p smtping-examples --example smol_check
//! ```
//!
//! It starts SMTPing's scripted test server on loopback (STARTTLS with a certificate from a
//! throw-away test CA; `bob@example.test` does not exist), then checks two deliveries
//! through it and prints each verdict and summary. Offline: loopback only.
//!
//! The test server is tokio-based, so it runs on a tokio runtime in a background thread;
//! the client side is only smol and async-std's sockets (their `async-io` reactor works
//! from any executor). In your own code that is just:
//!
//! ```text
//! let report = smol::block_on(Check::parse("mx.example.org:25")?.run_on(&AsyncStd));
//! ```

use std::error::Error;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use smtping_client::Address;
use smtping_client::runtime::async_std::AsyncStd;
use smtping_client::tls::TlsOptions;
use smtping_client::{Check, TlsMode};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::server::{Behaviour, ServerTls, TestServer, TestServerBuilder};

/// The test server on its own thread and tokio runtime; stopped when dropped.
struct BackgroundServer {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl BackgroundServer {
    fn start(builder: TestServerBuilder) -> Result<Self, Box<dyn Error>> {
        let (ready_tx, ready_rx) = mpsc::channel::<Result<SocketAddr, String>>();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(format!("cannot start tokio: {e}")));
                    return;
                }
            };
            rt.block_on(async move {
                match builder.start().await {
                    Ok(server) => {
                        let _ = ready_tx.send(Ok(server.addr()));
                        // Serve until main says stop (or goes away).
                        let _ = stop_rx.await;
                        server.shutdown().await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("cannot start the test server: {e}")));
                    }
                }
            });
        });
        let addr = ready_rx.recv_timeout(Duration::from_secs(10))??;
        Ok(Self {
            addr,
            stop: Some(stop_tx),
            thread: Some(thread),
        })
    }
}

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let pki = TestPki::new()?;
    let server = BackgroundServer::start(
        TestServer::builder()
            .tls(ServerTls::starttls(
                pki.server_cert(Scenario::Valid, &["mx.test"])?,
            ))
            .recipient(
                "bob@example.test",
                Behaviour::reply(
                    550,
                    "5.1.1 <bob@example.test>: Recipient address rejected: User unknown",
                ),
            ),
    )?;
    println!("test server on {}\n", server.addr);

    // Trust only the test CA: no OS store, no Mozilla roots.
    let trust = TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false)
        .root(pki.ca_cert_der());

    let mut accepted = 0;
    for to in ["alice@example.test", "bob@example.test"] {
        let check = Check::parse(&server.addr.to_string())?
            .tls(TlsMode::StartTls)
            .tls_options(trust.clone())
            .envelope(Address::new("probe@example.com")?, vec![Address::new(to)?])
            .connect_timeout(Duration::from_secs(5))
            .command_timeout(Duration::from_secs(5));

        let report = smol::block_on(check.run_on(&AsyncStd));

        println!("RCPT TO:<{to}>");
        println!("  verdict:  {}", report.verdict.as_str());
        println!("  summary:  {}", report.summary);
        println!(
            "  tls:      {} ({})",
            report.tls.version.map(|v| v.as_str()).unwrap_or("none"),
            report
                .tls
                .certificate
                .as_ref()
                .map_or("no certificate", |c| c.verification.as_str())
        );
        let reply = report
            .delivery
            .reply
            .as_ref()
            .map(|r| format!("{} {}", r.code, r.enhanced.as_deref().unwrap_or("")))
            .unwrap_or_default();
        println!(
            "  delivery: {} {} ({})",
            report.delivery.outcome,
            reply.trim_end(),
            report.delivery.reason.map_or("-", |r| r.as_str())
        );
        if let Some(e) = &report.error {
            println!("  error:    {} at {}: {}", e.kind, e.stage, e.message);
        }
        println!();
        if report.delivery.outcome == "accepted" {
            accepted += 1;
        }
    }
    drop(server);

    // alice is accepted, bob bounces: anything else means the adapter is broken.
    if accepted == 1 {
        Ok(())
    } else {
        Err(format!("expected one accepted delivery, got {accepted}").into())
    }
}
