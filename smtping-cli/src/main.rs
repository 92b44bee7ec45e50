//! The `smtping` command: can we talk to this mail server, and will it take this message?
//!
//! - `smtping check TARGET [options]`: a full check with a report card, JSON, Nagios or
//!   Prometheus output, and monitoring exit codes (0 green, 1 amber, 2 red, 3 unknown).
//! - `smtping explain [TEXT…]`: classify a pasted reply, DSN diagnostic or bounce.
//! - `smtping demo`: a tour of real-life situations against a built-in loopback server.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// Doc comments here are also the --help text, which writes [IPv6]:port literally.
#![allow(rustdoc::broken_intra_doc_links)]

mod args;
mod check;
#[cfg(feature = "demo")]
mod demo;
// Without the test bench, `smtping demo` says so and exits 3.
#[cfg(not(feature = "demo"))]
#[path = "demo_disabled.rs"]
mod demo;
mod explain;
mod redact;
mod render;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Can we talk to this mail server, and will it take this message?
#[derive(Debug, Parser)]
#[command(name = "smtping", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a mail server: DNS, TCP, greeting, EHLO, TLS, AUTH and (with --from/--to) a
    /// delivery test.
    Check(Box<args::CheckArgs>),
    /// Classify a pasted SMTP reply, DSN diagnostic or bounce: outcome, reason, remedy.
    Explain(explain::ExplainArgs),
    /// A tour of real-life situations against a built-in loopback server (no network).
    Demo(demo::DemoArgs),
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(3))
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version exit 0; argument errors exit 3 (monitoring "unknown").
            let code = if e.use_stderr() {
                check::EXIT_UNKNOWN
            } else {
                0
            };
            let _ = e.print();
            return exit(code);
        }
    };
    match &cli.command {
        Command::Check(args) => match check::run(args) {
            Ok(code) => exit(code),
            Err(check::UsageError(msg)) => {
                // The message may quote a target line or a file name: no raw controls.
                eprintln!("smtping check: {}", render::term::escape_line(&msg));
                exit(check::EXIT_UNKNOWN)
            }
        },
        Command::Demo(args) => match demo::run(args) {
            Ok(code) => exit(code),
            Err(msg) => {
                eprintln!("smtping demo: {msg}");
                exit(check::EXIT_UNKNOWN)
            }
        },
        Command::Explain(args) => {
            match explain::run(args, std::io::stdin().lock(), std::io::stdout().lock()) {
                Ok(code) => exit(code),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("smtping explain: {e}");
                    exit(explain::EXIT_BAD_INPUT)
                }
            }
        }
    }
}
