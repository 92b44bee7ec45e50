//! The `smtping` command: can we talk to this mail server, and will it take this message?
//!
//! - `smtping check TARGET [options]`: a full check with a report card, JSON, Nagios or
//!   Prometheus output, and monitoring exit codes (0 green, 1 amber, 2 red, 3 unknown).
//! - `smtping explain [TEXT…]`: classify a pasted reply, DSN diagnostic or bounce.
//! - `smtping domain DOMAIN`: the posture of a mail domain (MX, SPF, DKIM, DMARC,
//!   reverse DNS, blocklists).
//! - `smtping spf IP IDENTITY`: evaluate SPF (RFC 7208) with the include tree.
//! - `smtping inbox --seed URL --message-id ID`: did a message land, and where?
//! - `smtping diff BEFORE AFTER` (or `smtping diff TARGET`): what changed between two JSON
//!   reports, or the last two recorded runs (exit 1 when worse).
//! - `smtping history [TARGET]`: the runs stored by `smtping check --record`, per target.
//! - `smtping serve`: a Prometheus exporter (`GET /probe?target=T&module=M`).
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
mod diff;
mod domain;
mod explain;
mod history;
mod inbox;
mod progress;
mod redact;
mod render;
mod serve;
mod spf;
mod thresholds;

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
    /// The posture of a mail domain: MX, SPF, DKIM, DMARC, reverse DNS and (with
    /// --dnsbl) blocklists.
    Domain(Box<domain::DomainArgs>),
    /// Evaluate SPF (RFC 7208) for a client IP and a MAIL FROM address or domain.
    Spf(Box<spf::SpfArgs>),
    /// The follow-through alone: did this message (not sent by SMTPing) land in the seed
    /// mailboxes, in which folder, and what did the receiver record?
    Inbox(Box<inbox::InboxArgs>),
    /// A tour of real-life situations against a built-in loopback server (no network).
    Demo(demo::DemoArgs),
    /// What changed between two JSON reports (or the last two recorded runs of a target),
    /// each change better, worse or neutral; exit 1 when something got worse.
    Diff(diff::DiffArgs),
    /// A Prometheus exporter: GET /probe?target=T&module=M runs one check and answers the
    /// text exposition (blackbox_exporter's probe_* series and smtping_*).
    Serve(serve::ServeArgs),
    /// The runs stored by `smtping check --record`: verdicts, delivery rates, certificate
    /// days and the changes seen, per target.
    History(history::HistoryArgs),
}

fn exit(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(3))
}

/// A clap error as one line: `smtping check: <what> (<tip>); see smtping check --help`.
fn usage_line(rendered: &str, sub: Option<&str>) -> String {
    let parts: Vec<String> = rendered
        .split("\n\n")
        .filter(|b| {
            let b = b.trim_start();
            !b.is_empty() && !b.starts_with("Usage:") && !b.starts_with("For more information")
        })
        .map(|b| {
            b.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut what = parts.first().cloned().unwrap_or_default();
    what = what.strip_prefix("error: ").unwrap_or(&what).to_owned();
    if parts.len() > 1 {
        what = format!("{what} ({})", parts[1..].join("; "));
    }
    let cmd = sub.map_or_else(|| "smtping".to_owned(), |s| format!("smtping {s}"));
    render::term::escape_line(&format!("{cmd}: {what}; see {cmd} --help")).into_owned()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and --version exit 0; argument errors exit 3 (monitoring "unknown"), not
            // clap's 2 (which a monitoring system would read as "critical"), in one line.
            if !e.use_stderr() {
                let _ = e.print();
                return exit(0);
            }
            if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                let _ = e.print();
            } else {
                let sub = std::env::args().nth(1).filter(|a| {
                    [
                        "check", "explain", "demo", "domain", "spf", "inbox", "diff", "serve",
                        "history",
                    ]
                    .contains(&a.as_str())
                });
                eprintln!("{}", usage_line(&e.render().to_string(), sub.as_deref()));
            }
            return exit(check::EXIT_UNKNOWN);
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
        Command::Domain(args) => match domain::run(args) {
            Ok(code) => exit(code),
            Err(check::UsageError(msg)) => {
                eprintln!("smtping domain: {}", render::term::escape_line(&msg));
                exit(check::EXIT_UNKNOWN)
            }
        },
        Command::Spf(args) => match spf::run(args) {
            Ok(code) => exit(code),
            Err(check::UsageError(msg)) => {
                eprintln!("smtping spf: {}", render::term::escape_line(&msg));
                exit(check::EXIT_UNKNOWN)
            }
        },
        Command::Inbox(args) => match inbox::run(args) {
            Ok(code) => exit(code),
            Err(check::UsageError(msg)) => {
                eprintln!("smtping inbox: {}", render::term::escape_line(&msg));
                exit(check::EXIT_UNKNOWN)
            }
        },
        Command::Diff(args) => match diff::run(args) {
            Ok(code) => exit(code),
            Err(e) => {
                eprintln!(
                    "smtping diff: {}",
                    render::term::escape_line(&e.to_string())
                );
                exit(diff::EXIT_BAD_INPUT)
            }
        },
        Command::Serve(args) => match serve::run(args) {
            Ok(code) => exit(code),
            Err(check::UsageError(msg)) => {
                eprintln!("smtping serve: {}", render::term::escape_line(&msg));
                exit(check::EXIT_UNKNOWN)
            }
        },
        Command::History(args) => match history::run(args) {
            Ok(code) => exit(code),
            Err(e) => {
                eprintln!(
                    "smtping history: {}",
                    render::term::escape_line(&e.to_string())
                );
                exit(history::EXIT_UNUSABLE)
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
