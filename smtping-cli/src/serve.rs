//! `smtping serve`: a Prometheus exporter in the manner of blackbox_exporter.
//!
//! `GET /probe?target=T&module=M[&debug=true]` runs one check with the module's options and
//! answers the text exposition (`probe_success`, `probe_duration_seconds`,
//! `probe_ssl_earliest_cert_expiry`, `smtping_*`); `/metrics` has the exporter's own series,
//! `/-/healthy` answers `OK`, `POST /-/reload` and SIGHUP read the config again. See
//! docs/monitoring.md.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::check::UsageError;

mod config;
mod exporter;
pub(crate) mod metrics;
mod module;

use config::Config;
use exporter::State;

/// Connections served at once (each holds a small buffer; more wait in the kernel's queue).
const MAX_CONNECTIONS: usize = 512;
/// Time a client gets to send a request's header.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The connection's read buffer, and so the largest request header (hyper's minimum is 8 KiB).
const MAX_HEADER_BUF: usize = 16 * 1024;

/// Arguments of `smtping serve`.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "\
Examples:
  smtping serve                                   # http://127.0.0.1:9125, module default
  smtping serve --listen 127.0.0.1:9125 --config /etc/smtping/serve.toml
  curl 'http://127.0.0.1:9125/probe?target=mx.example.org&module=default'

The config (TOML): [limits] max_in_flight, min_interval, timeout_offset, max_timeout;
allow_targets = [\"mx.example.org\", \"*.example.net\", \"192.0.2.0/24\"];
[modules.NAME] with the long options of smtping check, '_' for '-'. See docs/monitoring.md.")]
pub(crate) struct ServeArgs {
    /// Address to listen on (port 0: any free port; the first line on stderr says which).
    /// A non-loopback address lets anyone who reaches it make this machine probe: see
    /// docs/monitoring.md for a reverse proxy with auth and TLS, and allow_targets.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9125")]
    pub(crate) listen: SocketAddr,

    /// The TOML config: limits, allow_targets and modules (without it: module `default`
    /// only, any target).
    #[arg(long, value_name = "FILE")]
    pub(crate) config: Option<PathBuf>,

    /// No line per probe on stderr (start-up, reloads and errors are still logged).
    #[arg(long, short = 'q')]
    pub(crate) quiet: bool,
}

/// Runs the exporter until SIGINT or SIGTERM; returns the exit code.
pub(crate) fn run(args: &ServeArgs) -> Result<i32, UsageError> {
    let config = match &args.config {
        Some(path) => Config::load(path),
        None => Config::builtin(),
    }
    .map_err(|e| UsageError(e.to_string()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    let state = Arc::new(State::new(config, args.config.clone(), args.quiet));
    runtime.block_on(serve(args.listen, state))
}

/// The one-line warning for a listening address that is not loopback.
fn exposure_warning(local: SocketAddr) -> Option<String> {
    (!local.ip().is_loopback()).then(|| {
        format!(
            "smtping serve: warning: {local} is not a loopback address: anyone who reaches it can make this machine probe (restrict targets with allow_targets and put it behind a reverse proxy with auth and TLS: docs/monitoring.md)"
        )
    })
}

async fn serve(listen: SocketAddr, state: Arc<State>) -> Result<i32, UsageError> {
    use tokio::signal::unix::{SignalKind, signal};
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| UsageError(format!("cannot listen on {listen}: {e}")))?;
    let local = listener
        .local_addr()
        .map_err(|e| UsageError(format!("cannot listen on {listen}: {e}")))?;
    eprintln!("smtping serve: listening on http://{local}");
    if let Some(warning) = exposure_warning(local) {
        eprintln!("{warning}");
    }
    let signal_error = |e: std::io::Error| UsageError(format!("cannot watch signals: {e}"));
    let mut hup = signal(SignalKind::hangup()).map_err(signal_error)?;
    let mut term = signal(SignalKind::terminate()).map_err(signal_error)?;
    let mut int = signal(SignalKind::interrupt()).map_err(signal_error)?;
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // EMFILE and the like: back off briefly instead of spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                let Ok(permit) = Arc::clone(&connections).try_acquire_owned() else {
                    drop(stream); // over MAX_CONNECTIONS: closed at once
                    continue;
                };
                let state = Arc::clone(&state);
                tokio::spawn(async move {
                    let _permit = permit;
                    let service = hyper::service::service_fn(move |req| {
                        exporter::handle(Arc::clone(&state), req)
                    });
                    let conn = hyper::server::conn::http1::Builder::new()
                        .timer(hyper_util::rt::TokioTimer::new())
                        .header_read_timeout(HEADER_TIMEOUT)
                        .max_buf_size(MAX_HEADER_BUF)
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
                    let _ = conn.await;
                });
            }
            _ = hup.recv() => {
                let _ = state.reload();
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    eprintln!("smtping serve: stopped");
    Ok(0)
}

#[cfg(test)]
mod tests;
