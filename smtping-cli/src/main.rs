//! The `smtping` command.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod explain;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Can we talk to this mail server, and will it take this message?
#[derive(Debug, Parser)]
#[command(name = "smtping", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Classify a pasted SMTP reply, DSN diagnostic or bounce: outcome, reason, remedy.
    Explain(explain::ExplainArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                explain::EXIT_BAD_INPUT
            } else {
                0
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    let result = match &cli.command {
        Command::Explain(args) => {
            explain::run(args, std::io::stdin().lock(), std::io::stdout().lock())
        }
    };
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(explain::EXIT_BAD_INPUT as u8)),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("smtping: error: {e}");
            ExitCode::from(explain::EXIT_BAD_INPUT as u8)
        }
    }
}
