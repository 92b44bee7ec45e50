//! `smtping check --targets FILE`: many targets, streamed in and streamed out.
//!
//! - **Input**: the targets file is read one line at a time (at most [`MAX_LINE`] bytes a
//!   line, at most [`MAX_TARGETS`] targets); a line is never cut. A regular file is read
//!   twice: once to validate every line (a typo is exit 3 before the first connection),
//!   once to run. Standard input (`-`) or a pipe is read once, validated as it comes: a bad
//!   line stops the batch (checks already started finish and are printed) with exit 3.
//! - **Scheduling**: targets wait in one queue per host; a rotation of the hosts that may
//!   start a connection (fewer than `--per-host` of theirs running or pausing) feeds up to
//!   `--concurrency` checks, so a host at its limit never delays the others. After a check,
//!   its host's slot stays taken for `--per-host-interval` (politeness); the global slot is
//!   free at once. At most [`LOOKAHEAD`] targets are read ahead of the running checks.
//! - **Output**: `--jsonl` and `--format nagios` write each result as soon as its check ends
//!   (completion order) and keep nothing of the report: memory depends on `--concurrency`,
//!   not on the number of targets. `--json` (one array, in targets-file order) and
//!   `--format prometheus` buffer every report; the summary table keeps one short row per
//!   target (with `--jsonl` only the counts).

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use smtping_client::{Report, Status};
use tokio::sync::mpsc;

use super::{UsageError, build, color_ok};
use crate::args::{CheckArgs, Format};
use crate::explain::read_line_bounded;
use crate::render;
use crate::render::term;

/// Most targets in one batch.
pub(crate) const MAX_TARGETS: usize = 100_000;
/// Longest line of a targets file, comment included (bytes, without the line end).
pub(crate) const MAX_LINE: usize = 4096;
/// Most targets read ahead of the running checks (waiting in the per-host queues).
pub(crate) const LOOKAHEAD: usize = 4096;

/// One target line, as read.
#[derive(Debug)]
struct Line {
    /// Position among the targets (0-based): the order of `--json`.
    index: usize,
    /// Line number in the file (1-based), for messages.
    number: u64,
    /// The target, comment and blanks removed.
    text: String,
}

/// Reads target lines one at a time, with the limits.
struct Targets<R> {
    r: R,
    name: String,
    number: u64,
    count: usize,
    buf: Vec<u8>,
}

impl<R: BufRead> Targets<R> {
    fn new(r: R, path: &Path) -> Self {
        Self {
            r,
            name: path.display().to_string(),
            number: 0,
            count: 0,
            buf: Vec::new(),
        }
    }

    fn error(&self, what: impl std::fmt::Display) -> UsageError {
        UsageError(format!("{} line {}: {what}", self.name, self.number))
    }

    /// The next target; `None` at the end of the file.
    fn next_target(&mut self) -> Result<Option<Line>, UsageError> {
        loop {
            self.buf.clear();
            let read = read_line_bounded(&mut self.r, &mut self.buf, MAX_LINE).map_err(|e| {
                UsageError(format!("cannot read the targets file {}: {e}", self.name))
            })?;
            let Some(too_long) = read else {
                if self.count == 0 {
                    return Err(UsageError(format!("{} lists no target", self.name)));
                }
                return Ok(None);
            };
            self.number += 1;
            if too_long {
                return Err(self.error(format_args!(
                    "longer than {MAX_LINE} bytes, the limit for one line (nothing of it was checked)"
                )));
            }
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
            let text = std::str::from_utf8(&self.buf).map_err(|_| {
                self.error(format_args!("not UTF-8: {}", term::escape_bytes(&self.buf)))
            })?;
            let target = text.split('#').next().unwrap_or("").trim();
            if target.is_empty() {
                continue;
            }
            if self.count == MAX_TARGETS {
                return Err(UsageError(format!(
                    "{} lists more than {MAX_TARGETS} targets, the limit for one batch (split the file)",
                    self.name
                )));
            }
            let line = Line {
                index: self.count,
                number: self.number,
                text: target.to_owned(),
            };
            self.count += 1;
            return Ok(Some(line));
        }
    }
}

fn open(path: &Path) -> Result<Box<dyn BufRead + Send>, UsageError> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::new(io::stdin())));
    }
    File::open(path)
        .map(|f| Box::new(BufReader::with_capacity(64 * 1024, f)) as Box<dyn BufRead + Send>)
        .map_err(|e| {
            UsageError(format!(
                "cannot read the targets file {}: {e}",
                path.display()
            ))
        })
}

/// The check of one line, or the usage error naming the line.
fn build_line(
    args: &CheckArgs,
    file: &Path,
    line: &Line,
    secret: Option<&str>,
) -> Result<smtping_client::Check, UsageError> {
    build(args, &line.text, secret)
        .map_err(|e| UsageError(format!("{} line {}: {}", file.display(), line.number, e.0)))
}

/// Validates a whole regular file without keeping it; returns the number of targets.
fn validate(args: &CheckArgs, file: &Path, secret: Option<&str>) -> Result<usize, UsageError> {
    let mut targets = Targets::new(open(file)?, file);
    while let Some(line) = targets.next_target()? {
        drop(build_line(args, file, &line, secret)?);
    }
    Ok(targets.count)
}

/// One queued target.
struct Pending {
    line: Line,
}

/// A host's queue and how many of its slots are taken (running or pausing).
#[derive(Default)]
struct HostQueue {
    queue: VecDeque<Pending>,
    taken: usize,
    in_ready: bool,
}

/// Per-host queues and the rotation of hosts that may start a check now.
struct Scheduler {
    per_host: usize,
    hosts: HashMap<String, HostQueue>,
    /// Hosts with a queued target and a free slot, in rotation order.
    ready: VecDeque<String>,
    queued: usize,
}

impl Scheduler {
    fn new(per_host: usize) -> Self {
        Self {
            per_host,
            hosts: HashMap::new(),
            ready: VecDeque::new(),
            queued: 0,
        }
    }

    fn push(&mut self, host: String, p: Pending) {
        let h = self.hosts.entry(host.clone()).or_default();
        h.queue.push_back(p);
        self.queued += 1;
        if !h.in_ready && h.taken < self.per_host {
            h.in_ready = true;
            self.ready.push_back(host);
        }
    }

    /// The next target to start, from the next host in the rotation.
    fn pop(&mut self) -> Option<(String, Pending)> {
        let host = self.ready.pop_front()?;
        let h = self.hosts.get_mut(&host)?;
        let p = h.queue.pop_front()?;
        self.queued -= 1;
        h.taken += 1;
        if !h.queue.is_empty() && h.taken < self.per_host {
            self.ready.push_back(host.clone());
        } else {
            h.in_ready = false;
        }
        Some((host, p))
    }

    /// A slot of `host` is free again.
    fn release(&mut self, host: &str) {
        let Some(h) = self.hosts.get_mut(host) else {
            return;
        };
        h.taken = h.taken.saturating_sub(1);
        if h.queue.is_empty() {
            if h.taken == 0 {
                self.hosts.remove(host);
            }
        } else if !h.in_ready {
            h.in_ready = true;
            self.ready.push_back(host.to_owned());
        }
    }

    /// Drops every queued target (the batch stops).
    fn clear(&mut self) {
        for h in self.hosts.values_mut() {
            h.queue.clear();
            h.in_ready = false;
        }
        self.ready.clear();
        self.queued = 0;
    }
}

/// A check ended: its global slot is free; its host slot after the interval. `report` is
/// `None` when the check panicked (a bug: the batch then exits 3, it never hangs).
struct Done {
    index: usize,
    host: String,
    report: Option<Box<Report>>,
}

/// Sends the check's [`Done`], also when its task unwinds.
struct Finish {
    tx: mpsc::UnboundedSender<Done>,
    index: usize,
    host: Option<String>,
}

impl Finish {
    fn send(mut self, report: Report) {
        if let Some(host) = self.host.take() {
            let _ = self.tx.send(Done {
                index: self.index,
                host,
                report: Some(Box::new(report)),
            });
        }
    }
}

impl Drop for Finish {
    fn drop(&mut self) {
        if let Some(host) = self.host.take() {
            let _ = self.tx.send(Done {
                index: self.index,
                host,
                report: None,
            });
        }
    }
}

/// What the summary table needs of one report.
struct Row {
    index: usize,
    input: String,
    verdict: Status,
    total_ms: f64,
    summary: String,
}

impl Row {
    fn of(index: usize, r: &Report) -> Self {
        let summary = r
            .summary
            .split_once(": ")
            .map_or(r.summary.as_str(), |x| x.1);
        Self {
            index,
            input: term::escape_line(&r.target.input)
                .chars()
                .take(48)
                .collect(),
            verdict: r.verdict,
            total_ms: r.timings_ms.total,
            summary: term::escape_line(&summary.chars().take(100).collect::<String>()).into_owned(),
        }
    }
}

/// Runs a batch; returns the exit code (the worst verdict).
pub(crate) async fn run(
    args: &CheckArgs,
    file: &Path,
    secret: Option<&str>,
    recorder: Option<&mut crate::history::Recorder>,
) -> Result<i32, UsageError> {
    let regular = file != Path::new("-") && std::fs::metadata(file).is_ok_and(|m| m.is_file());
    // A regular file is validated whole before the first connection.
    let total = if regular {
        Some(validate(args, file, secret)?)
    } else {
        None
    };
    let mut lines = spawn_reader(open(file)?, file);
    let started = Instant::now();
    let (event_tx, mut events) = mpsc::unbounded_channel::<Done>();
    let mut batch = Batch::new(args, file, secret, total, event_tx);
    batch.recorder = recorder;
    let mut out = io::stdout().lock();
    loop {
        batch.start_ready();
        if batch.input_done && batch.running == 0 && batch.sched.queued == 0 {
            break;
        }
        let want_input = !batch.input_done && batch.sched.queued < LOOKAHEAD;
        let next_free = batch.pauses.front().map(|(at, _)| *at);
        tokio::select! {
            Some(done) = events.recv() => batch.on_done(done, &mut out),
            () = sleep_until(next_free) => batch.on_pauses_over(),
            line = lines.recv(), if want_input => batch.on_line(line),
            // Unreachable (the event sender lives in the batch); never spin.
            else => break,
        }
    }
    drop(lines);
    batch.finish(&mut out, started)
}

/// The reader thread: one line at a time, a bounded channel ahead of the scheduler.
fn spawn_reader(
    reader: Box<dyn BufRead + Send>,
    file: &Path,
) -> mpsc::Receiver<Result<Line, UsageError>> {
    let (line_tx, lines) = mpsc::channel::<Result<Line, UsageError>>(256);
    let path = file.to_owned();
    std::thread::spawn(move || {
        let mut targets = Targets::new(reader, &path);
        loop {
            let next = targets.next_target();
            let stop = !matches!(next, Ok(Some(_)));
            let item = match next {
                Ok(Some(line)) => Ok(line),
                Ok(None) => break,
                Err(e) => Err(e),
            };
            if line_tx.blocking_send(item).is_err() || stop {
                break;
            }
        }
    });
    lines
}

/// A progress bar on a terminal (none on a pipe).
fn progress_bar(total: Option<usize>, jsonl: bool) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = match total {
        Some(n) => indicatif::ProgressBar::new(n as u64),
        None => indicatif::ProgressBar::no_length(),
    };
    if !jsonl {
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} checked, {elapsed} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    }
    Some(bar)
}

/// A running batch: the scheduler, the checks in flight, and what the output keeps.
struct Batch<'a> {
    args: &'a CheckArgs,
    file: &'a Path,
    secret: Option<&'a str>,
    format: Format,
    progress: Option<indicatif::ProgressBar>,
    event_tx: mpsc::UnboundedSender<Done>,
    /// Host slots in their politeness pause, by the time they are free again (the interval
    /// is constant, so this is in time order). A timer here rather than a sleeping task:
    /// a task keeps the whole size of a check's future until it ends.
    pauses: VecDeque<(tokio::time::Instant, String)>,
    sched: Scheduler,
    running: usize,
    input_done: bool,
    failure: Option<UsageError>,
    worst: Status,
    counts: [usize; 3],
    done: usize,
    lost: usize,
    rows: Vec<Row>,
    kept: Vec<(usize, Report)>,
    keep_reports: bool,
    /// The rows of the `--format html` table page (small, unlike whole reports).
    html_rows: Vec<render::html::batch::BatchRow>,
    /// `-w`/`-c` (validated before the batch started).
    thresholds: crate::thresholds::Thresholds,
    /// `--record`: every report is stored.
    recorder: Option<&'a mut crate::history::Recorder>,
}

impl<'a> Batch<'a> {
    fn new(
        args: &'a CheckArgs,
        file: &'a Path,
        secret: Option<&'a str>,
        total: Option<usize>,
        event_tx: mpsc::UnboundedSender<Done>,
    ) -> Self {
        let format = if args.json {
            Format::Json
        } else {
            args.format.unwrap_or_default()
        };
        Self {
            args,
            file,
            secret,
            format,
            progress: progress_bar(total, args.jsonl),
            event_tx,
            pauses: VecDeque::new(),
            sched: Scheduler::new(usize::from(args.per_host)),
            running: 0,
            input_done: false,
            failure: None,
            worst: Status::Green,
            counts: [0; 3],
            done: 0,
            lost: 0,
            rows: Vec::new(),
            kept: Vec::new(),
            html_rows: Vec::new(),
            keep_reports: !args.jsonl && matches!(format, Format::Json | Format::Prometheus),
            thresholds: args.thresholds().unwrap_or_default(),
            recorder: None,
        }
    }

    /// Stops reading and starting: after a bad line, or when stdout is gone.
    fn stop(&mut self, error: Option<UsageError>) {
        if let Some(e) = error {
            self.failure.get_or_insert(e);
        }
        self.sched.clear();
        self.input_done = true;
    }

    /// Starts queued targets while global slots are free and some host may start one.
    fn start_ready(&mut self) {
        while self.running < usize::from(self.args.concurrency) {
            let Some((host, p)) = self.sched.pop() else {
                break;
            };
            let check = match build_line(self.args, self.file, &p.line, self.secret) {
                Ok(c) => c,
                Err(e) => {
                    // Only if the file changed since it was validated.
                    self.stop(Some(e));
                    self.sched.release(&host);
                    break;
                }
            };
            self.running += 1;
            let finish = Finish {
                tx: self.event_tx.clone(),
                index: p.line.index,
                host: Some(host),
            };
            tokio::spawn(async move {
                let report = check.run().await;
                finish.send(report);
            });
        }
    }

    /// A check ended: free its slots, write or keep its result.
    fn on_done(&mut self, done: Done, out: &mut impl Write) {
        let Done {
            index,
            host,
            report,
        } = done;
        self.running -= 1;
        self.done += 1;
        let interval = self.args.per_host_interval;
        if interval.is_zero() {
            self.sched.release(&host);
        } else {
            self.pauses
                .push_back((tokio::time::Instant::now() + interval, host));
        }
        if let Some(bar) = &self.progress {
            bar.inc(1);
        }
        let Some(mut report) = report else {
            self.lost += 1;
            return;
        };
        if self.args.redact {
            crate::redact::apply(&mut report, self.args.from.as_deref(), &self.args.to);
            crate::check::redact_follow(&mut report);
        }
        self.thresholds.apply(&mut report);
        if let Some(r) = self.recorder.as_deref_mut() {
            r.record(&report);
        }
        self.worst = self.worst.worst(report.verdict);
        self.counts[report.verdict.exit_code().clamp(0, 2) as usize] += 1;
        let written = if self.args.jsonl {
            writeln!(out, "{}", render::json_line(&report))
        } else if self.format == Format::Nagios {
            writeln!(out, "{}", render::nagios::nagios(&report, &self.thresholds))
        } else {
            Ok(())
        };
        if written.is_err() {
            // stdout is gone (e.g. `| head`): start nothing more.
            self.stop(None);
        }
        if !self.args.jsonl {
            self.rows.push(Row::of(index, &report));
        }
        if self.format == Format::Html && !self.args.jsonl {
            self.html_rows
                .push(render::html::batch::BatchRow::of(index, &report));
        }
        if self.keep_reports {
            self.kept.push((index, *report));
        }
    }

    /// Frees the host slots whose politeness pause is over.
    fn on_pauses_over(&mut self) {
        let now = tokio::time::Instant::now();
        while let Some((at, host)) = self.pauses.pop_front() {
            if at > now {
                self.pauses.push_front((at, host));
                break;
            }
            self.sched.release(&host);
        }
    }

    /// A line from the reader (or its end, or a bad line).
    fn on_line(&mut self, line: Option<Result<Line, UsageError>>) {
        match line {
            None => self.input_done = true,
            Some(Err(e)) => self.stop(Some(e)),
            Some(Ok(line)) => match build_line(self.args, self.file, &line, self.secret) {
                // Built again when it starts: a queued target is its line only.
                Ok(check) => {
                    let host = check.target().host().to_ascii_lowercase();
                    self.sched.push(host, Pending { line });
                }
                Err(e) => self.stop(Some(e)),
            },
        }
    }

    /// Writes what was kept (the `--json` array, the Prometheus text, the summary table).
    fn finish(self, out: &mut impl Write, started: Instant) -> Result<i32, UsageError> {
        if let Some(bar) = &self.progress {
            bar.finish_and_clear();
        }
        if let Some(e) = self.failure {
            let _ = out.flush();
            return Err(e);
        }
        let mut kept = self.kept;
        kept.sort_unstable_by_key(|(i, _)| *i);
        let reports: Vec<Report> = kept.into_iter().map(|(_, r)| r).collect();
        let jsonl = self.args.jsonl;
        if self.format == Format::Json && !jsonl {
            // One JSON array, in the order of the targets file.
            let _ = writeln!(
                out,
                "{}",
                term::json_string(&reports, true).unwrap_or_else(|_| "[]".into())
            );
        }
        if self.format == Format::Prometheus && !jsonl {
            let _ = out.write_all(render::prometheus::exposition_many(&reports).as_bytes());
        }
        if self.format == Format::Html && !jsonl {
            let page = render::html::batch::page(&self.html_rows, self.counts, started.elapsed());
            let _ = out.write_all(page.as_bytes());
        }
        let mut rows = self.rows;
        rows.sort_unstable_by_key(|r| r.index);
        let table = summary_table(
            &rows,
            self.done,
            self.counts,
            started.elapsed(),
            color_ok() && !jsonl,
        );
        if jsonl || self.format != Format::Card {
            eprint!("{table}");
        } else {
            let _ = out.write_all(table.as_bytes());
        }
        let _ = out.flush();
        if self.lost > 0 {
            return Err(UsageError(format!(
                "internal error: {} check(s) ended without a report (a bug: please report it)",
                self.lost
            )));
        }
        Ok(self.worst.exit_code())
    }
}

/// Sleeps until `at`; forever without one.
async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

fn summary_table(
    rows: &[Row],
    done: usize,
    counts: [usize; 3],
    elapsed: Duration,
    color: bool,
) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if !rows.is_empty() {
        let width = rows
            .iter()
            .map(|r| r.input.chars().count())
            .max()
            .unwrap_or(6)
            .clamp(6, 48);
        let _ = writeln!(s, "{:<width$}  VERDICT     TOTAL  SUMMARY", "TARGET");
        for r in rows {
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
            let _ = writeln!(
                s,
                "{:<width$}  {v}  {:>9}  {}",
                r.input,
                format!("{:.0} ms", r.total_ms),
                r.summary
            );
        }
    }
    let _ = writeln!(
        s,
        "{done} targets in {:.1} s: {} green, {} amber, {} red",
        elapsed.as_secs_f64(),
        counts[0],
        counts[1],
        counts[2]
    );
    s
}

#[cfg(test)]
mod tests;
