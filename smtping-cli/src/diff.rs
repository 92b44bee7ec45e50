//! `smtping diff BEFORE AFTER`: what changed between two JSON reports, each change better,
//! worse or neutral; exit 0 when nothing got worse, 1 when something did, 3 for bad input.
//! `smtping diff TARGET` (one argument that is not a file) or `smtping diff --last TARGET`
//! compares the last two runs of TARGET in the history (`smtping check --record`).

pub(crate) mod compare;

use std::io::Read;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Nothing got worse.
pub(crate) const EXIT_OK: i32 = 0;
/// At least one change is worse.
pub(crate) const EXIT_WORSE: i32 = 1;
/// A file could not be read or is not a report.
pub(crate) const EXIT_BAD_INPUT: i32 = 3;

/// The largest report file read (16 MiB).
pub(crate) const MAX_FILE: u64 = 16 * 1024 * 1024;

/// Arguments of `smtping diff`.
#[derive(Debug, clap::Args)]
#[command(after_help = "\
Examples:
  smtping check mx.example.org --json > before.json
  # … change the server …
  smtping check mx.example.org --json > after.json
  smtping diff before.json after.json      # exit 1 when something got worse

  smtping check mx.example.org --record    # e.g. from cron
  smtping diff mx.example.org              # the last two recorded runs
  smtping diff --last mx.example.org       # the same, even if a file has that name

A JSONL file (smtping check --jsonl) counts by its last line.")]
pub(crate) struct DiffArgs {
    /// The earlier report (JSON from `smtping check --json`, or JSONL: its last line); alone,
    /// a target whose last two runs in the history (`smtping check --record`) are compared.
    #[arg(value_name = "BEFORE|TARGET")]
    pub(crate) before: PathBuf,
    /// The later report.
    #[arg(value_name = "AFTER")]
    pub(crate) after: Option<PathBuf>,
    /// Compare the last two recorded runs of TARGET (the one argument).
    #[arg(long, conflicts_with = "after")]
    pub(crate) last: bool,
    /// The history file for the TARGET form (default as for `smtping history`).
    #[arg(long, value_name = "FILE")]
    pub(crate) history: Option<PathBuf>,
    /// Print `{changes[{area, field, before, after, direction, text}], worse}`.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Why a report file could not be used.
#[derive(Debug, thiserror::Error)]
pub(crate) enum LoadError {
    /// The file could not be opened or read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Larger than [`MAX_FILE`].
    #[error("{file}: larger than 16 MiB, not a report")]
    TooLarge {
        /// The file.
        file: String,
    },
    /// Not JSON.
    #[error("{file}: invalid JSON: {source}")]
    Json {
        /// The file.
        file: String,
        /// serde_json's description with line and column.
        source: serde_json::Error,
    },
    /// JSON, but not a SMTPing report.
    #[error("{file}: not a SMTPing report: {what}")]
    NotReport {
        /// The file.
        file: String,
        /// What is missing.
        what: &'static str,
    },
    /// The history of the TARGET form could not be used.
    #[error(transparent)]
    History(#[from] crate::history::HistoryError),
    /// The TARGET form needs two recorded runs.
    #[error(
        "{target}: {runs} run(s) recorded in {file}; two are needed (record them with smtping check {target} --record)"
    )]
    TooFewRuns {
        /// The target.
        target: String,
        /// How many runs there are.
        runs: usize,
        /// The history file.
        file: String,
    },
    /// One argument that is a file.
    #[error(
        "{file} is a report file: give a second one to compare it with (or --last {file} for the recorded runs of a target of that name)"
    )]
    OneFile {
        /// The file.
        file: String,
    },
}

/// Parses the text of a report file: one JSON object, or JSONL whose last non-empty line counts.
pub(crate) fn parse(file: &str, text: &str) -> Result<Value, LoadError> {
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(whole) => {
            let last = text.lines().rev().find(|l| !l.trim().is_empty());
            let several = text.lines().filter(|l| !l.trim().is_empty()).count() > 1;
            match last {
                Some(line) if several => {
                    serde_json::from_str::<Value>(line).map_err(|source| LoadError::Json {
                        file: format!("{file} (last line)"),
                        source,
                    })?
                }
                _ => {
                    return Err(LoadError::Json {
                        file: file.to_owned(),
                        source: whole,
                    });
                }
            }
        }
    };
    let file = file.to_owned();
    let Some(obj) = value.as_object() else {
        return Err(LoadError::NotReport {
            file,
            what: "the JSON is not an object",
        });
    };
    if !obj.get("verdict").is_some_and(Value::is_string) {
        return Err(LoadError::NotReport {
            file,
            what: "no \"verdict\" string",
        });
    }
    if !obj.get("target").is_some_and(Value::is_object) {
        return Err(LoadError::NotReport {
            file,
            what: "no \"target\" object",
        });
    }
    Ok(value)
}

/// Reads and parses one report file, at most [`MAX_FILE`] bytes.
pub(crate) fn load(path: &Path) -> Result<Value, LoadError> {
    let file = path.display().to_string();
    let f = std::fs::File::open(path).map_err(|source| LoadError::Read {
        file: file.clone(),
        source,
    })?;
    let mut bytes = Vec::new();
    f.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| LoadError::Read {
            file: file.clone(),
            source,
        })?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(LoadError::TooLarge { file });
    }
    let text = String::from_utf8_lossy(&bytes);
    parse(&file, &text)
}

/// Runs `smtping diff`: prints the changes, returns the exit code.
pub(crate) fn run(args: &DiffArgs) -> Result<i32, LoadError> {
    let (before, after) = match &args.after {
        Some(after) => (load(&args.before)?, load(after)?),
        None if !args.last && args.before.is_file() => {
            return Err(LoadError::OneFile {
                file: args.before.display().to_string(),
            });
        }
        None => last_two(args)?,
    };
    let diff = compare::compare(&before, &after);
    let out = if args.json {
        crate::render::term::json_string(&diff, true).unwrap_or_default() + "\n"
    } else {
        // Texts quote server-given values (issuer, reasons): no raw control bytes.
        compare::human(&diff)
            .lines()
            .map(|l| crate::render::term::escape_line(l).into_owned() + "\n")
            .collect()
    };
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    Ok(if diff.worse { EXIT_WORSE } else { EXIT_OK })
}

/// The last two recorded runs of the target given as the one argument.
fn last_two(args: &DiffArgs) -> Result<(Value, Value), LoadError> {
    let target = args.before.to_string_lossy().into_owned();
    let path = crate::history::resolve_path(args.history.as_deref(), false)?;
    let history = crate::history::History::open_existing(&path)?;
    let mut runs = history.last_runs(&crate::history::lookup_keys(&target), 2)?;
    if runs.len() < 2 {
        return Err(LoadError::TooFewRuns {
            target,
            runs: runs.len(),
            file: history.file().to_owned(),
        });
    }
    let after = runs.pop().map(|r| r.report).unwrap_or_default();
    let before = runs.pop().map(|r| r.report).unwrap_or_default();
    Ok((before, after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_takes_the_last_jsonl_line_and_names_problems() {
        let a = r#"{"verdict":"green","target":{}}"#;
        let b = r#"{"verdict":"red","target":{}}"#;
        let v = parse("x.jsonl", &format!("{a}\n{b}\n\n")).unwrap();
        assert_eq!(v["verdict"], "red");
        let e = parse("bad.json", "{\"verdict\": ").unwrap_err().to_string();
        assert!(e.starts_with("bad.json: invalid JSON: EOF"), "{e}");
        assert!(e.contains("line 1"), "{e}");
        let e = parse("arr.json", "[1]").unwrap_err().to_string();
        assert_eq!(
            e,
            "arr.json: not a SMTPing report: the JSON is not an object"
        );
        let e = parse("o.json", "{}").unwrap_err().to_string();
        assert_eq!(e, "o.json: not a SMTPing report: no \"verdict\" string");
        let e = parse("l.jsonl", &format!("{a}\nnot json\n"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("l.jsonl (last line): invalid JSON"), "{e}");
    }

    #[test]
    fn load_caps_the_size() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.json");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_FILE + 1).unwrap();
        let e = load(&big).unwrap_err().to_string();
        assert!(
            e.ends_with("big.json: larger than 16 MiB, not a report"),
            "{e}"
        );
        let e = load(&dir.path().join("missing.json"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing.json: cannot read"), "{e}");
    }
}
