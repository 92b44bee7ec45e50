//! `smtping check`: one target, or a batch with `--targets FILE`.

use std::collections::HashMap;
use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smtping_client::net::dns::IpFamilies;
use smtping_client::{Check, Report, Status, Target, TlsMode};
use smtping_proto::sasl::Credentials;
use smtping_proto::{Address, AuthMechanism, Domain};
use tokio::sync::{Mutex, Semaphore};

use crate::args::{CheckArgs, Format};
use crate::render;
use crate::render::card::{CardStyle, card};

/// Exit code for bad arguments and internal errors.
pub(crate) const EXIT_UNKNOWN: i32 = 3;

/// A user mistake, reported with exit code 3.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

/// Longest password file read.
const MAX_SECRET: u64 = 16 * 1024;
/// Largest targets file read.
const MAX_TARGETS_FILE: u64 = 4 * 1024 * 1024;
/// Most targets in one batch.
const MAX_TARGETS: usize = 100_000;
/// Pause between two connections to the same host in batch mode.
const PER_HOST_PAUSE: Duration = Duration::from_millis(200);

/// The password, wiped from memory when dropped.
type Secret = zeroize::Zeroizing<String>;

fn read_secret(args: &CheckArgs) -> Result<Option<Secret>, UsageError> {
    if args.auth_user.is_none() {
        return Ok(None);
    }
    if let Some(var) = &args.auth_password_env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            Ok(_) => Err(UsageError(format!(
                "the environment variable {var} is empty"
            ))),
            Err(_) => Err(UsageError(format!(
                "the environment variable {var} is not set (it should hold the password)"
            ))),
        };
    }
    if let Some(path) = &args.auth_password_file {
        use std::io::Read;
        let mut text = Secret::new(String::new());
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SECRET).read_to_string(&mut text))
            .map_err(|e| {
                UsageError(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?;
        let first = Secret::new(text.lines().next().unwrap_or("").to_owned());
        if first.is_empty() {
            return Err(UsageError(format!(
                "the password file {} is empty",
                path.display()
            )));
        }
        return Ok(Some(first));
    }
    Err(UsageError(
        "--auth-user needs --auth-password-env VAR or --auth-password-file FILE (passwords are never taken on the command line)".into(),
    ))
}

/// Builds the check for one target from the arguments (validating every user string).
fn build(args: &CheckArgs, target: &str, secret: Option<&str>) -> Result<Check, UsageError> {
    let mut target: Target = target
        .parse()
        .map_err(|e| UsageError(format!("target: {e}")))?;
    if let Some(port) = args.port {
        target = target.with_port(port);
    }
    if args.require_tls && args.tls == TlsMode::None {
        return Err(UsageError(
            "--require-tls contradicts --tls none: choose one".into(),
        ));
    }
    let mut check = Check::new(target)
        .tls(args.tls)
        .require_tls(args.require_tls)
        .strict_certificates(args.strict_tls)
        .connect_timeout(args.connect_timeout)
        .redact(args.redact)
        .relay_probe(args.relay_probe)
        .announce_size(!args.no_size)
        .pipelining(!args.no_pipelining);
    if let Some(p) = args.mx_port {
        check = check.mx_port(p);
    }
    if let Some(h) = &args.helo {
        let d = Domain::ehlo_name(h).map_err(|e| UsageError(format!("--helo: {e}")))?;
        check = check.helo(d);
    }
    if let Some(s) = &args.sni {
        smtping_client::tls::server_name_for(s, None)
            .map_err(|e| UsageError(format!("--sni: {e}")))?;
        check = check.sni(s.clone());
    }
    for f in &args.ca_file {
        check = check.ca_file(f.clone());
    }
    for r in &args.resolver {
        check = check.resolver(*r);
    }
    if args.ipv4 {
        check = check.ip_families(IpFamilies::V4Only);
    } else if args.ipv6 {
        check = check.ip_families(IpFamilies::V6Only);
    }
    if let (Some(user), Some(secret)) = (&args.auth_user, secret) {
        check = check
            .auth(Credentials::new(user.clone(), secret.to_owned()))
            .allow_plaintext_auth(args.auth_plaintext)
            .allow_unverified_tls_auth(args.auth_insecure_tls);
        if let Some(m) = &args.auth_mechanism {
            check = check.auth_mechanism(AuthMechanism::from_name(m));
        }
    }
    if let Some(from) = &args.from {
        let from = Address::new(from).map_err(|e| UsageError(format!("--from: {e}")))?;
        let to = args
            .to
            .iter()
            .map(|t| Address::new(t).map_err(|e| UsageError(format!("--to {t:?}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if to.iter().any(Address::is_null) {
            return Err(UsageError("--to cannot be the null address <>".into()));
        }
        check = check.envelope(from, to);
    }
    if let Some(q) = args.quit_after {
        check = check.quit_after(q);
    }
    if let Some(n) = args.body_size {
        check = check.body_size(n);
    }
    if let Some(d) = args.command_timeout {
        check = check.command_timeout(d);
    }
    Ok(check)
}

/// A bad --ca-file is the user's mistake (exit 3), found before any connection.
fn validate_ca_files(args: &CheckArgs) -> Result<(), UsageError> {
    if args.ca_file.is_empty() {
        return Ok(());
    }
    let mut options = smtping_client::tls::TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false);
    for f in &args.ca_file {
        options = options.ca_file(f.clone());
    }
    smtping_client::tls::TrustStore::load(&options)
        .map(|_| ())
        .map_err(|e| UsageError(format!("--ca-file: {e}")))
}

fn color_ok() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn render_one(report: &Report, args: &CheckArgs) -> String {
    let format = if args.json {
        Format::Json
    } else {
        args.format.unwrap_or_default()
    };
    match format {
        Format::Json => render::json(report) + "\n",
        Format::Nagios => render::nagios::nagios(report) + "\n",
        Format::Prometheus => render::prometheus::exposition(report),
        Format::Card => card(
            report,
            CardStyle {
                color: color_ok(),
                transcript: args.transcript,
            },
        ),
    }
}

/// Runs `smtping check`; returns the exit code.
pub(crate) fn run(args: &CheckArgs) -> Result<i32, UsageError> {
    let secret = read_secret(args)?;
    validate_ca_files(args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    if let Some(file) = &args.targets {
        return runtime.block_on(batch(args, file, secret.as_deref().map(String::as_str)));
    }
    let target = args.target.as_deref().unwrap_or_default();
    let check = build(args, target, secret.as_deref().map(String::as_str))?;
    let report = runtime.block_on(check.run());
    let mut out = io::stdout().lock();
    let _ = out.write_all(render_one(&report, args).as_bytes());
    let _ = out.flush();
    Ok(report.exit_code())
}

fn read_targets(path: &Path) -> Result<Vec<String>, UsageError> {
    use std::io::Read;
    let mut text = String::new();
    let opened = if path == Path::new("-") {
        io::stdin().take(MAX_TARGETS_FILE).read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_TARGETS_FILE).read_to_string(&mut text))
    };
    opened.map_err(|e| {
        UsageError(format!(
            "cannot read the targets file {}: {e}",
            path.display()
        ))
    })?;
    let targets: Vec<String> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if targets.is_empty() {
        return Err(UsageError(format!("{} lists no target", path.display())));
    }
    if targets.len() > MAX_TARGETS {
        return Err(UsageError(format!(
            "{} lists {} targets; the limit is {MAX_TARGETS}",
            path.display(),
            targets.len()
        )));
    }
    Ok(targets)
}

/// Per-destination politeness: at most `per_host` connections at a time to one host,
/// with a short pause between them.
struct Politeness {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Politeness {
    async fn slot(&self, host: &str) -> Arc<Semaphore> {
        let mut map = self.hosts.lock().await;
        Arc::clone(
            map.entry(host.to_owned())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_host))),
        )
    }
}

async fn batch(args: &CheckArgs, file: &Path, secret: Option<&str>) -> Result<i32, UsageError> {
    let targets = read_targets(file)?;
    // Validate every line first: a typo is a usage error, not a red check.
    let mut checks = Vec::with_capacity(targets.len());
    for (i, t) in targets.iter().enumerate() {
        let check = build(args, t, secret)
            .map_err(|e| UsageError(format!("{} line {}: {}", file.display(), i + 1, e.0)))?;
        checks.push(check);
    }
    let started = Instant::now();
    let global = Arc::new(Semaphore::new(usize::from(args.concurrency)));
    let polite = Arc::new(Politeness {
        per_host: usize::from(args.per_host),
        hosts: Mutex::new(HashMap::new()),
    });
    let progress = if io::stderr().is_terminal() && !args.jsonl {
        let bar = indicatif::ProgressBar::new(checks.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} checked, {elapsed} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        Some(bar)
    } else if io::stderr().is_terminal() {
        Some(indicatif::ProgressBar::new(checks.len() as u64))
    } else {
        None
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(usize, Report)>(64);
    for (i, check) in checks.into_iter().enumerate() {
        let global = Arc::clone(&global);
        let polite = Arc::clone(&polite);
        let tx = tx.clone();
        tokio::spawn(async move {
            let host = check.target().host().to_owned();
            let per_host = polite.slot(&host).await;
            let Ok(_g) = global.acquire_owned().await else {
                return;
            };
            let Ok(_h) = per_host.acquire_owned().await else {
                return;
            };
            let report = check.run().await;
            tokio::time::sleep(PER_HOST_PAUSE).await;
            let _ = tx.send((i, report)).await;
        });
    }
    drop(tx);
    let mut reports: Vec<Option<Report>> = (0..targets.len()).map(|_| None).collect();
    let mut out = io::stdout().lock();
    let format = args.format.unwrap_or_default();
    while let Some((i, report)) = rx.recv().await {
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        if args.jsonl {
            let _ = writeln!(out, "{}", render::json_line(&report));
        } else if format == Format::Nagios {
            let _ = writeln!(out, "{}", render::nagios::nagios(&report));
        }
        reports[i] = Some(report);
    }
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    let reports: Vec<Report> = reports.into_iter().flatten().collect();
    if (args.json || format == Format::Json) && !args.jsonl {
        // One JSON array, in the order of the targets file.
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&reports).unwrap_or_else(|_| "[]".into())
        );
    }
    if format == Format::Prometheus && !args.jsonl {
        let _ = out.write_all(render::prometheus::exposition_many(&reports).as_bytes());
    }
    let table = summary_table(&reports, started.elapsed(), color_ok() && !args.jsonl);
    if args.jsonl || args.json || format != Format::Card {
        eprint!("{table}");
    } else {
        let _ = out.write_all(table.as_bytes());
    }
    let _ = out.flush();
    let worst = reports
        .iter()
        .map(|r| r.verdict)
        .fold(Status::Green, Status::worst);
    Ok(worst.exit_code())
}

fn summary_table(reports: &[Report], elapsed: Duration, color: bool) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let width = reports
        .iter()
        .map(|r| r.target.input.chars().count())
        .max()
        .unwrap_or(6)
        .clamp(6, 48);
    let _ = writeln!(s, "{:<width$}  VERDICT     TOTAL  SUMMARY", "TARGET");
    let mut counts = [0usize; 3];
    for r in reports {
        let v = r.verdict.as_str().to_uppercase();
        let v = if color {
            let code = match r.verdict {
                Status::Green => "32",
                Status::Amber => "33",
                _ => "31",
            };
            format!("\x1b[{code}m{v:<6}\x1b[0m")
        } else {
            format!("{v:<6}")
        };
        counts[r.verdict.exit_code().clamp(0, 2) as usize] += 1;
        let summary = r
            .summary
            .split_once(": ")
            .map_or(r.summary.as_str(), |x| x.1);
        let _ = writeln!(
            s,
            "{:<width$}  {v}  {:>9}  {}",
            r.target.input.chars().take(width).collect::<String>(),
            format!("{:.0} ms", r.timings_ms.total),
            summary.chars().take(100).collect::<String>()
        );
    }
    let _ = writeln!(
        s,
        "{} targets in {:.1} s: {} green, {} amber, {} red",
        reports.len(),
        elapsed.as_secs_f64(),
        counts[0],
        counts[1],
        counts[2]
    );
    s
}
