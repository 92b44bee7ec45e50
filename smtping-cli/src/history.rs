//! The run history: `smtping check --record` stores reports in an SQLite file, `smtping
//! history` sums them up per target, `smtping diff TARGET` compares the last two runs.
//!
//! - [`store`]: the SQLite file (WAL, busy timeout, migrations, refusal of foreign files).
//! - [`summary`]: the pure per-target aggregation.
//! - [`chart`]: the terminal sparkline and verdict strip.
//!
//! What is stored: the report JSON without the transcript and, unless `--record-full`, with
//! every address local part masked (`***@example.org`), the target included.

pub(crate) mod chart;
pub(crate) mod store;
pub(crate) mod summary;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use smtping_client::Report;

pub(crate) use store::{History, HistoryError};

/// Runs older than this are removed on each `smtping check --record`.
pub(crate) const DEFAULT_RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

/// Exit code of `smtping history` for a usable history.
pub(crate) const EXIT_OK: i32 = 0;
/// Exit code when the history cannot be read or the arguments are wrong.
pub(crate) const EXIT_UNUSABLE: i32 = 3;

/// The report as stored: no transcript; local parts masked everywhere unless `full`.
pub(crate) fn stored_form(report: &Report, full: bool) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Some(o) = v.as_object_mut() {
        o.insert("transcript".to_owned(), Value::Array(Vec::new()));
    }
    if !full {
        mask_strings(&mut v);
    }
    v
}

/// Masks every address local part in every string of `v` (keys are field names: left).
fn mask_strings(v: &mut Value) {
    match v {
        Value::String(s) if s.contains('@') => {
            let masked = smtping_proto::session::redact_addresses(s);
            if masked != *s {
                *s = masked;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(mask_strings),
        Value::Object(o) => o.values_mut().for_each(mask_strings),
        _ => {}
    }
}

/// The target a run is filed under: the target as typed, trimmed, its local part masked
/// unless `full`.
pub(crate) fn target_key(input: &str, full: bool) -> String {
    let t = input.trim();
    if full {
        t.to_owned()
    } else {
        smtping_proto::session::redact_addresses(t)
    }
}

/// The keys a target typed on the command line may be filed under (as typed, and masked).
pub(crate) fn lookup_keys(target: &str) -> Vec<String> {
    let mut keys = vec![target_key(target, true)];
    let masked = target_key(target, false);
    if !keys.contains(&masked) {
        keys.push(masked);
    }
    keys
}

/// The history file for `--history` (or the default place), its directory created (0700)
/// when `create` and the default place is used.
pub(crate) fn resolve_path(explicit: Option<&Path>, create: bool) -> Result<PathBuf, HistoryError> {
    let path = store::default_path(
        explicit,
        std::env::var_os("XDG_DATA_HOME").as_deref(),
        std::env::var_os("HOME").as_deref(),
    )?;
    if create
        && explicit.is_none()
        && let Some(dir) = path.parent()
    {
        store::create_dir(dir)?;
    }
    Ok(path)
}

/// `7d`, `12h`, `30m`, `90s`, `2w` (a bare number is days): a span for `--since` and
/// `--older-than`, up to 100 years.
pub(crate) fn parse_age(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{t:?} is not a span of time (e.g. 7d, 12h, 30m, 2w)"))?;
    let unit_secs = match unit.trim() {
        "" | "d" => 86_400,
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "w" => 7 * 86_400,
        u => return Err(format!("unknown unit {u:?} in {t:?} (s, m, h, d or w)")),
    };
    let secs = n
        .checked_mul(unit_secs)
        .filter(|s| *s <= 100 * 366 * 86_400)
        .ok_or_else(|| format!("{t:?} is too long (at most 100 years)"))?;
    Ok(Duration::from_secs(secs))
}

/// Arguments of `smtping history`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  smtping check mx.example.org --record      # e.g. from cron, every 10 minutes
  smtping history                            # every target, the last 30 days
  smtping history mx.example.org --since 7d
  smtping history mx.example.org --json
  smtping diff mx.example.org                # the last two runs compared
  smtping history --purge --older-than 14d

Runs older than 30 days are removed on each smtping check --record. The file:
--history FILE, else $XDG_DATA_HOME/smtping/history.sqlite, else
~/.local/share/smtping/history.sqlite. See docs/history.md.")]
pub(crate) struct HistoryArgs {
    /// Only this target (as given to smtping check).
    pub(crate) target: Option<String>,
    /// Only the runs of this last span (7d, 12h, 30m, 2w; a bare number is days).
    #[arg(long, value_name = "SPAN", value_parser = parse_age)]
    pub(crate) since: Option<Duration>,
    /// Print `{targets[{target, runs, verdicts, delivery, cert_days, changes, …}]}`.
    #[arg(long, conflicts_with = "reports")]
    pub(crate) json: bool,
    /// Print the stored reports themselves, one JSON object a line, oldest first.
    #[arg(long)]
    pub(crate) reports: bool,
    /// The history file (default $XDG_DATA_HOME/smtping/history.sqlite, else
    /// ~/.local/share/smtping/history.sqlite).
    #[arg(long, value_name = "FILE")]
    pub(crate) history: Option<PathBuf>,
    /// Delete runs instead of showing them: those older than --older-than.
    #[arg(long, requires = "older_than", conflicts_with_all = ["json", "reports", "since", "target"])]
    pub(crate) purge: bool,
    /// With --purge: the age beyond which runs are deleted (14d, 12h, 2w).
    #[arg(long, value_name = "SPAN", value_parser = parse_age, requires = "purge")]
    pub(crate) older_than: Option<Duration>,
}

/// `history --json`.
#[derive(Debug, Serialize)]
struct HistoryJson<'a> {
    /// The file read.
    history: &'a str,
    /// Per target.
    targets: Vec<TargetJson>,
    /// Rows that could not be read (too large or not JSON).
    skipped: usize,
}

/// One target of `history --json`: the §10 fields plus the rest of the summary.
#[derive(Debug, Serialize)]
struct TargetJson {
    target: String,
    runs: u64,
    first: String,
    last: String,
    verdicts: summary::Verdicts,
    delivery: summary::Delivery,
    retries: summary::Retries,
    cert_days: std::collections::VecDeque<summary::CertPoint>,
    verdict_runs: std::collections::VecDeque<summary::VerdictPoint>,
    changes: std::collections::VecDeque<summary::ChangeSeen>,
    dropped: u64,
}

impl From<summary::TargetSummary> for TargetJson {
    fn from(s: summary::TargetSummary) -> Self {
        Self {
            first: summary::rfc3339(s.first),
            last: summary::rfc3339(s.last),
            target: s.target,
            runs: s.runs,
            verdicts: s.verdicts,
            delivery: s.delivery,
            retries: s.retries,
            cert_days: s.cert_days,
            verdict_runs: s.verdict_runs,
            changes: s.changes,
            dropped: s.dropped,
        }
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(String::new, |r| format!(" ({:.0}%)", r * 100.0))
}

/// The human output of one target. Stored texts quote servers: they are escaped here (no
/// raw control bytes), so the caller can print the result (with our ANSI colours) as is.
pub(crate) fn human(s: &summary::TargetSummary, style: chart::Style) -> String {
    use crate::render::term::escape_line;
    let mut out = String::new();
    let arrow = if style.unicode { "→" } else { "->" };
    let when = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms).map_or_else(
            || ms.to_string(),
            |d| d.format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    out.push_str(&format!(
        "{}: {} run{}, {} {arrow} {} UTC\n",
        escape_line(&s.target),
        s.runs,
        if s.runs == 1 { "" } else { "s" },
        when(s.first),
        when(s.last)
    ));
    let v = &s.verdicts;
    let mut verdicts = format!("{} green, {} amber, {} red", v.green, v.amber, v.red);
    if v.other > 0 {
        verdicts.push_str(&format!(", {} other", v.other));
    }
    out.push_str(&format!("  verdicts    {verdicts}\n"));
    let marks = chart::verdict_strip(s.verdict_runs.iter().map(|p| p.verdict.as_str()), style);
    let shown = s.verdict_runs.len().min(chart::WIDTH);
    let of = if shown < s.verdict_runs.len() {
        format!("  (last {shown})")
    } else {
        String::new()
    };
    out.push_str(&format!("  per run     {marks}{of}\n"));
    let d = &s.delivery;
    if d.accepted + d.deferred + d.bounced + d.unknown == 0 {
        out.push_str("  delivery    not tested\n");
    } else {
        let mut line = format!(
            "{} accepted{}, {} deferred{}, {} bounced{}",
            d.accepted,
            percent(d.rates.accepted),
            d.deferred,
            percent(d.rates.deferred),
            d.bounced,
            percent(d.rates.bounced)
        );
        if d.unknown > 0 {
            line.push_str(&format!(", {} without an answer", d.unknown));
        }
        out.push_str(&format!("  delivery    {line}\n"));
    }
    let r = &s.retries;
    if r.retried > 0 {
        out.push_str(&format!(
            "  greylisting {} of {} retried deliveries accepted{}\n",
            r.accepted,
            r.retried,
            percent(r.success_rate)
        ));
    }
    if let (Some(first), Some(last)) = (s.cert_days.front(), s.cert_days.back()) {
        let days: Vec<Option<i64>> = s.cert_days.iter().map(|p| Some(p.days)).collect();
        out.push_str(&format!(
            "  cert days   {}  {} {arrow} {} days left\n",
            chart::sparkline(&days, style),
            first.days,
            last.days
        ));
    }
    if s.changes.is_empty() {
        out.push_str("  changes     none\n");
    } else {
        out.push_str("  changes\n");
        for c in &s.changes {
            out.push_str(&format!(
                "    {}  {} {}\n",
                when(c.t),
                c.direction.marker(),
                escape_line(&c.what)
            ));
        }
    }
    out
}

/// Runs `smtping history`; returns the exit code.
pub(crate) fn run(args: &HistoryArgs) -> Result<i32, HistoryError> {
    let path = resolve_path(args.history.as_deref(), false)?;
    let mut history = History::open_existing(&path)?;
    let mut stdout = std::io::stdout().lock();
    use std::io::Write;
    if args.purge {
        let older = args.older_than.unwrap_or(DEFAULT_RETENTION);
        let n = history.purge(older)?;
        let _ = writeln!(
            stdout,
            "{}: removed {n} run{} older than {}",
            crate::render::term::escape_line(history.file()),
            if n == 1 { "" } else { "s" },
            humantime_days(older)
        );
        return Ok(EXIT_OK);
    }
    let since = args.since.map_or(0, |d| {
        store::now_ms().saturating_sub(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    });
    let keys = args.target.as_deref().map(lookup_keys).unwrap_or_default();
    if args.reports {
        let mut failed = false;
        history.each_run(&keys, since, |r| {
            if !failed {
                let line = crate::render::term::json_string(&r.report, false).unwrap_or_default();
                failed = writeln!(stdout, "{line}").is_err();
            }
        })?;
        return Ok(EXIT_OK);
    }
    let mut agg = summary::Aggregator::default();
    let skipped = history.each_run(&keys, since, |r| agg.push(r))?;
    let targets = agg.finish();
    let out = if args.json {
        let j = HistoryJson {
            history: history.file(),
            targets: targets.into_iter().map(TargetJson::from).collect(),
            skipped,
        };
        crate::render::term::json_string(&j, true).unwrap_or_default() + "\n"
    } else {
        let style = chart::Style::detect();
        let mut text = String::new();
        if targets.is_empty() {
            let file = crate::render::term::escape_line(history.file()).into_owned();
            text.push_str(&match &args.target {
                Some(t) => format!(
                    "no runs of {} recorded in {file}\n",
                    crate::render::term::escape_line(t)
                ),
                None => format!("no runs recorded in {file}\n"),
            });
        }
        for (i, s) in targets.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            text.push_str(&human(s, style));
        }
        if skipped > 0 {
            text.push_str(&format!(
                "({skipped} stored run(s) could not be read and were left out)\n"
            ));
        }
        text
    };
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    Ok(EXIT_OK)
}

fn humantime_days(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(86_400) {
        format!("{} days", s / 86_400)
    } else if s.is_multiple_of(3_600) {
        format!("{} hours", s / 3_600)
    } else {
        format!("{s} seconds")
    }
}

/// The `--record` side of `smtping check`: the open history and what to store.
#[derive(Debug)]
pub(crate) struct Recorder {
    history: History,
    full: bool,
}

impl Recorder {
    /// Opens (creating) the history for `--record` and applies the retention. Fails before
    /// any connection is made, naming the file.
    pub(crate) fn open(explicit: Option<&Path>, full: bool) -> Result<Self, HistoryError> {
        let path = resolve_path(explicit, true)?;
        let mut history = History::open(&path)?;
        history.purge(DEFAULT_RETENTION)?;
        Ok(Self { history, full })
    }

    /// Stores one report; a failure is a warning on stderr naming the file.
    pub(crate) fn record(&mut self, report: &Report) {
        if let Err(e) = self.history.record(report, self.full) {
            eprintln!(
                "smtping check: warning: the run was not recorded: {}",
                crate::render::term::escape_line(&e.to_string())
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("7d"), Ok(Duration::from_secs(7 * 86_400)));
        assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3_600)));
        assert_eq!(parse_age("30m"), Ok(Duration::from_secs(1_800)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("3"), Ok(Duration::from_secs(3 * 86_400)));
        assert!(parse_age("7y").unwrap_err().contains("unknown unit"));
        assert!(parse_age("d").unwrap_err().contains("not a span"));
        assert!(
            parse_age("99999999999999d")
                .unwrap_err()
                .contains("too long")
        );
    }

    #[test]
    fn keys_and_masking() {
        assert_eq!(target_key(" alice@example.org ", false), "***@example.org");
        assert_eq!(target_key("alice@example.org", true), "alice@example.org");
        assert_eq!(target_key("mx.example.org:25", false), "mx.example.org:25");
        assert_eq!(
            lookup_keys("alice@example.org"),
            ["alice@example.org", "***@example.org"]
        );
        assert_eq!(lookup_keys("mx.test"), ["mx.test"]);
        let mut v = serde_json::json!({"a": ["RCPT <bob@x.test> ok", 1], "b": {"c": "no address"}});
        mask_strings(&mut v);
        assert_eq!(v["a"][0], "RCPT <***@x.test> ok");
        assert_eq!(v["b"]["c"], "no address");
    }

    fn stored(t: i64, verdict: &str, days: i64, text: &str) -> store::StoredRun {
        store::StoredRun {
            id: t,
            target: "mx.test\u{1b}[2J".to_owned(),
            checked_at: t,
            verdict: verdict.to_owned(),
            delivery: "deferred".to_owned(),
            delivery_attempts: 2,
            cert_days: Some(days),
            report: serde_json::json!({
                "verdict": verdict, "target": {},
                "tls": {"established": true, "certificate": {"verification": "valid",
                        "days_remaining": days, "issuer": text}}
            }),
        }
    }

    #[test]
    fn the_human_view_charts_escapes_and_falls_back_to_ascii() {
        let mut a = summary::Aggregator::default();
        a.push(stored(0, "green", 10, "CA"));
        a.push(stored(60_000, "amber", 40, "CA \u{7}bell"));
        let s = &a.finish()[0];
        let uni = human(
            s,
            chart::Style {
                unicode: true,
                color: false,
            },
        );
        assert!(
            uni.starts_with("mx.test\\e[2J: 2 runs, 1970-01-01 00:00 → 1970-01-01 00:01 UTC\n"),
            "{uni}"
        );
        assert!(uni.contains("  per run     ✓!\n"), "{uni}");
        assert!(
            uni.contains("  delivery    0 accepted (0%), 2 deferred (100%), 0 bounced (0%)\n"),
            "{uni}"
        );
        assert!(
            uni.contains("  greylisting 0 of 2 retried deliveries accepted (0%)\n"),
            "{uni}"
        );
        assert!(
            uni.contains("  cert days   ▁█  10 → 40 days left\n"),
            "{uni}"
        );
        assert!(
            uni.contains("  + tls: certificate renewed (10 → 40 days left)"),
            "{uni}"
        );
        assert!(
            uni.contains("  ~ tls: certificate issuer CA → CA \\abell\n"),
            "{uni}"
        );
        assert!(uni.contains("  - verdict: green → amber\n"), "{uni}");
        assert!(!uni.contains('\u{7}') && !uni.contains('\u{1b}'), "{uni}");
        let ascii = human(s, chart::Style::default());
        assert!(ascii.contains("  per run     +!\n"), "{ascii}");
        assert!(
            ascii.contains("  cert days   _#  10 -> 40 days left\n"),
            "{ascii}"
        );
    }

    #[test]
    fn a_failed_write_is_a_warning_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let mut r = Recorder::open(Some(&path), false).unwrap();
        // Another process breaks the table under us.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("DROP TABLE runs").unwrap();
        drop(c);
        r.record(&Report::default());
        assert!(matches!(
            r.history.record(&Report::default(), false),
            Err(HistoryError::Sqlite {
                step: "storing the run",
                ..
            })
        ));
    }

    #[test]
    fn opening_for_record_applies_the_30_day_retention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.sqlite");
        let mut h = History::open(&path).unwrap();
        let day = 86_400_000;
        h.record_at(&Report::default(), false, store::now_ms() - 31 * day)
            .unwrap();
        h.record_at(&Report::default(), false, store::now_ms() - 29 * day)
            .unwrap();
        drop(h);
        let r = Recorder::open(Some(&path), false).unwrap();
        assert_eq!(r.history.count().unwrap(), 1);
    }

    #[test]
    fn default_places() {
        use std::ffi::OsStr;
        let p = store::default_path(
            None,
            Some(OsStr::new("/x/data")),
            Some(OsStr::new("/home/u")),
        );
        assert_eq!(p.unwrap(), Path::new("/x/data/smtping/history.sqlite"));
        // A relative XDG_DATA_HOME is ignored, as the XDG spec says.
        let p = store::default_path(None, Some(OsStr::new("rel")), Some(OsStr::new("/home/u")));
        assert_eq!(
            p.unwrap(),
            Path::new("/home/u/.local/share/smtping/history.sqlite")
        );
        let p = store::default_path(Some(Path::new("h.db")), None, None);
        assert_eq!(p.unwrap(), Path::new("h.db"));
        assert!(matches!(
            store::default_path(None, None, None),
            Err(HistoryError::NoPlace)
        ));
    }
}
