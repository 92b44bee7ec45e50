//! The SQLite store of the run history: one `runs` table, WAL mode, a busy timeout so that
//! several writers (`smtping serve` and a cron'd `smtping check --record`) wait for each
//! other instead of failing, and ordered migrations tracked in `PRAGMA user_version`.
//!
//! A file is recognised as an SMTPing history by `PRAGMA application_id` ([`APPLICATION_ID`]).
//! Anything else — a file that is not SQLite, another program's database, a damaged file —
//! is refused with [`HistoryError::NotHistory`] and left exactly as it was.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use serde_json::Value;
use smtping_client::Report;

/// `PRAGMA application_id` of an SMTPing history ("SMTp" in ASCII).
pub(crate) const APPLICATION_ID: i32 = 0x534d_5470;

/// How long a writer waits for another one before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest stored report read back (bytes of JSON); bigger rows are skipped.
pub(crate) const MAX_REPORT: i64 = 16 * 1024 * 1024;

/// The schema migrations, in order: migration `n` (0-based) takes `user_version` from `n` to
/// `n + 1`. Never edit one that shipped; append.
const MIGRATIONS: &[&str] = &[
    // 1: the runs.
    "CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        target TEXT NOT NULL,
        checked_at INTEGER NOT NULL,
        verdict TEXT NOT NULL,
        delivery TEXT NOT NULL,
        delivery_attempts INTEGER NOT NULL,
        cert_days INTEGER,
        full INTEGER NOT NULL,
        report TEXT NOT NULL
    );
    CREATE INDEX runs_by_target ON runs (target, checked_at);
    CREATE INDEX runs_by_time ON runs (checked_at);",
];

/// The schema version this SMTPing writes and reads.
pub(crate) const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// Why the history could not be used. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HistoryError {
    /// Neither `--history`, `XDG_DATA_HOME` nor `HOME` gives a place.
    #[error("no place for the history: give --history FILE, or set XDG_DATA_HOME or HOME")]
    NoPlace,
    /// The directory of the default file could not be created.
    #[error("cannot create the history directory {dir}: {source}")]
    Dir {
        /// The directory.
        dir: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Reading a history that does not exist.
    #[error("{file}: no history yet (record runs with smtping check --record)")]
    Missing {
        /// The file.
        file: String,
    },
    /// The file exists but cannot be read (permissions, a directory).
    #[error("cannot read the history {file}: {source}")]
    Unreadable {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not SQLite, another program's database, or damaged: left untouched.
    #[error("{file} is not an SMTPing history ({why}); it was left untouched")]
    NotHistory {
        /// The file.
        file: String,
        /// What was found instead.
        why: String,
    },
    /// Written by a newer SMTPing.
    #[error(
        "{file} has history schema {found}, newer than this smtping reads ({supported}): upgrade smtping, or give another --history file"
    )]
    Newer {
        /// The file.
        file: String,
        /// Its schema version.
        found: i32,
        /// The newest this build knows.
        supported: i32,
    },
    /// An SQLite operation failed.
    #[error("{file}: {step}: {source}")]
    Sqlite {
        /// The file.
        file: String,
        /// What we were doing.
        step: &'static str,
        /// SQLite's error.
        source: rusqlite::Error,
    },
}

/// One stored run.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StoredRun {
    /// Row id (increasing with insertion).
    pub id: i64,
    /// The target as typed (local part masked unless recorded with `--record-full`).
    pub target: String,
    /// When it was recorded, Unix milliseconds.
    pub checked_at: i64,
    /// The verdict word.
    pub verdict: String,
    /// The delivery outcome word.
    pub delivery: String,
    /// How many delivery attempts (`delivery.attempts`) it made.
    pub delivery_attempts: i64,
    /// The leaf certificate's days left, if a certificate was seen.
    pub cert_days: Option<i64>,
    /// The report JSON as stored.
    pub report: Value,
}

/// The run history: an open SQLite connection.
#[derive(Debug)]
pub(crate) struct History {
    conn: Connection,
    file: String,
}

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The header of every SQLite 3 database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Refuses, before SQLite touches it, a non-empty file that is not SQLite.
fn check_magic(path: &Path, file: &str) -> Result<(), HistoryError> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        // Missing: SQLite creates it (or says why it cannot).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => {
            return Err(HistoryError::Unreadable {
                file: file.to_owned(),
                source,
            });
        }
    };
    let mut head = Vec::with_capacity(16);
    if let Err(source) = f.take(16).read_to_end(&mut head) {
        return Err(HistoryError::Unreadable {
            file: file.to_owned(),
            source,
        });
    }
    if head.is_empty() || head.as_slice() == SQLITE_MAGIC {
        return Ok(());
    }
    Err(HistoryError::NotHistory {
        file: file.to_owned(),
        why: "not an SQLite database".to_owned(),
    })
}

impl History {
    /// Opens (creating when missing) the history at `path` and brings its schema up to
    /// date. Refuses a damaged or foreign file and one from a newer schema.
    pub(crate) fn open(path: &Path) -> Result<Self, HistoryError> {
        Self::open_with(path, true)
    }

    /// Opens an existing history (for reading: `smtping history`, `smtping diff TARGET`).
    pub(crate) fn open_existing(path: &Path) -> Result<Self, HistoryError> {
        Self::open_with(path, false)
    }

    fn open_with(path: &Path, create: bool) -> Result<Self, HistoryError> {
        let file = path.display().to_string();
        if !create && !path.exists() {
            return Err(HistoryError::Missing { file });
        }
        check_magic(path, &file)?;
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let sql = |step: &'static str| {
            let file = file.clone();
            move |source| HistoryError::Sqlite { file, step, source }
        };
        let conn = Connection::open_with_flags(path, flags).map_err(sql("cannot open"))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(sql("setting the busy timeout"))?;
        let mut this = Self { conn, file };
        this.check_and_migrate()?;
        Ok(this)
    }

    /// Maps an SQLite error of reading the header pragmas: "not a database" and
    /// corruption become [`HistoryError::NotHistory`].
    fn classify(&self, step: &'static str, source: rusqlite::Error) -> HistoryError {
        use rusqlite::ErrorCode;
        match source.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                HistoryError::NotHistory {
                    file: self.file.clone(),
                    why: source.to_string(),
                }
            }
            _ => HistoryError::Sqlite {
                file: self.file.clone(),
                step,
                source,
            },
        }
    }

    /// Verifies the file is ours and applies the missing migrations, in one immediate
    /// transaction (so two processes opening a new file at once migrate it once).
    fn check_and_migrate(&mut self) -> Result<(), HistoryError> {
        // Read-only first: a foreign or newer file is never written to.
        let (app, version, objects) = self.header()?;
        self.judge(app, version, objects)?;
        if version == SCHEMA_VERSION {
            return self.set_wal();
        }
        let file = self.file.clone();
        let err = |step: &'static str| {
            let file = file.clone();
            move |source| HistoryError::Sqlite { file, step, source }
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err("locking for the schema migration"))?;
        // Again under the lock: another process may have migrated meanwhile.
        let version: i32 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(err("reading the schema version"))?;
        let app: i32 = tx
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(err("reading the application id"))?;
        let start = usize::try_from(version).unwrap_or(usize::MAX);
        if (app != APPLICATION_ID && app != 0) || start > MIGRATIONS.len() {
            drop(tx);
            let (app, version, objects) = self.header()?;
            return self.judge(app, version, objects);
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(start) {
            tx.execute_batch(m).map_err(err("migrating the schema"))?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))
                .map_err(err("migrating the schema"))?;
        }
        tx.execute_batch(&format!("PRAGMA application_id = {APPLICATION_ID}"))
            .map_err(err("marking the file"))?;
        tx.commit()
            .map_err(err("committing the schema migration"))?;
        self.set_wal()
    }

    /// The application id, the schema version and how many schema objects there are, read
    /// in one statement: one snapshot of the file. Read one by one, another process's
    /// migration could commit between two reads and the mix (no application id yet, but
    /// tables) would look like another program's database.
    fn header(&self) -> Result<(i32, i32, i64), HistoryError> {
        self.conn
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id), \
                        (SELECT user_version FROM pragma_user_version), \
                        (SELECT count(*) FROM sqlite_master)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .map_err(|e| self.classify("reading the header", e))
    }

    /// Ours (or empty) and not newer, else the error.
    fn judge(&self, app: i32, version: i32, objects: i64) -> Result<(), HistoryError> {
        let fresh = app == 0 && version == 0 && objects == 0;
        if !fresh && app != APPLICATION_ID {
            return Err(HistoryError::NotHistory {
                file: self.file.clone(),
                why: if app == 0 {
                    "an SQLite database of another program".to_owned()
                } else {
                    format!("an SQLite database of another program, application id {app:#x}")
                },
            });
        }
        if version > SCHEMA_VERSION {
            return Err(HistoryError::Newer {
                file: self.file.clone(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version < 0 {
            return Err(HistoryError::NotHistory {
                file: self.file.clone(),
                why: format!("schema version {version}"),
            });
        }
        Ok(())
    }

    /// Switches the file to WAL mode (readers and a writer at once), once: the mode is kept
    /// in the file.
    fn set_wal(&self) -> Result<(), HistoryError> {
        use rusqlite::ErrorCode;
        match self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
        {
            // A file on a system without shared memory may refuse WAL and keep its
            // mode: it still works.
            Ok(_) => Ok(()),
            // Another process has the file open this instant (SQLite does not wait for a
            // mode change): it still works in the mode it has, and whichever open gets the
            // file alone switches it.
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
                ) =>
            {
                Ok(())
            }
            Err(source) => Err(HistoryError::Sqlite {
                file: self.file.clone(),
                step: "switching to WAL mode",
                source,
            }),
        }
    }

    /// The file, for messages.
    pub(crate) fn file(&self) -> &str {
        &self.file
    }

    fn sql_err(&self, step: &'static str) -> impl Fn(rusqlite::Error) -> HistoryError + '_ {
        move |source| HistoryError::Sqlite {
            file: self.file.clone(),
            step,
            source,
        }
    }

    /// Stores one report now: without the transcript, and with every address local part
    /// masked unless `full`. Returns the row id.
    pub(crate) fn record(&mut self, report: &Report, full: bool) -> Result<i64, HistoryError> {
        self.record_at(report, full, now_ms())
    }

    /// [`History::record`] at a given time (Unix ms).
    pub(crate) fn record_at(
        &mut self,
        report: &Report,
        full: bool,
        at_ms: i64,
    ) -> Result<i64, HistoryError> {
        let value = super::stored_form(report, full);
        let target = super::target_key(&report.target.input, full);
        let text = value.to_string();
        let cert_days = report.tls.certificate.as_ref().map(|c| c.days_remaining);
        let attempts = i64::try_from(report.delivery.attempts.len()).unwrap_or(i64::MAX);
        self.conn
            .execute(
                "INSERT INTO runs (target, checked_at, verdict, delivery, delivery_attempts, cert_days, full, report)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    target,
                    at_ms,
                    report.verdict.as_str(),
                    report.delivery.outcome.as_str(),
                    attempts,
                    cert_days,
                    full,
                    text
                ],
            )
            .map_err(self.sql_err("storing the run"))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Deletes the runs recorded before `before_ms` (Unix ms); returns how many.
    pub(crate) fn purge_before(&mut self, before_ms: i64) -> Result<usize, HistoryError> {
        self.conn
            .execute("DELETE FROM runs WHERE checked_at < ?1", params![before_ms])
            .map_err(self.sql_err("purging old runs"))
    }

    /// Deletes the runs older than `older_than`; returns how many.
    pub(crate) fn purge(&mut self, older_than: Duration) -> Result<usize, HistoryError> {
        let age = i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX);
        self.purge_before(now_ms().saturating_sub(age))
    }

    /// Calls `each` with every run of `targets` (every target when empty) recorded at or
    /// after `since_ms`, ordered by target then time; one report in memory at a time.
    /// Rows whose report is larger than [`MAX_REPORT`] or not JSON are skipped and
    /// counted in the returned number.
    pub(crate) fn each_run(
        &self,
        targets: &[String],
        since_ms: i64,
        mut each: impl FnMut(StoredRun),
    ) -> Result<usize, HistoryError> {
        let mut sql = String::from(
            "SELECT id, target, checked_at, verdict, delivery, delivery_attempts, cert_days,
                    CASE WHEN length(report) <= ?1 THEN report END
             FROM runs WHERE checked_at >= ?2",
        );
        if !targets.is_empty() {
            sql.push_str(" AND target IN (");
            for i in 0..targets.len() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
                sql.push_str(&(i + 3).to_string());
            }
            sql.push(')');
        }
        sql.push_str(" ORDER BY target, checked_at, id");
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.sql_err("reading the runs"))?;
        let mut values: Vec<rusqlite::types::Value> = vec![MAX_REPORT.into(), since_ms.into()];
        values.extend(targets.iter().map(|t| t.clone().into()));
        let mut rows = stmt
            .query(rusqlite::params_from_iter(values))
            .map_err(self.sql_err("reading the runs"))?;
        let mut skipped = 0;
        while let Some(row) = rows.next().map_err(self.sql_err("reading the runs"))? {
            let text: Option<String> = row.get(7).map_err(self.sql_err("reading a run"))?;
            let Some(report) = text.and_then(|t| serde_json::from_str::<Value>(&t).ok()) else {
                skipped += 1;
                continue;
            };
            let run = StoredRun {
                id: row.get(0).map_err(self.sql_err("reading a run"))?,
                target: row.get(1).map_err(self.sql_err("reading a run"))?,
                checked_at: row.get(2).map_err(self.sql_err("reading a run"))?,
                verdict: row.get(3).map_err(self.sql_err("reading a run"))?,
                delivery: row.get(4).map_err(self.sql_err("reading a run"))?,
                delivery_attempts: row.get(5).map_err(self.sql_err("reading a run"))?,
                cert_days: row.get(6).map_err(self.sql_err("reading a run"))?,
                report,
            };
            each(run);
        }
        Ok(skipped)
    }

    /// Every run of `targets` since `since_ms`, oldest first (see [`History::each_run`]).
    /// The API `smtping serve` will record and read through.
    #[cfg_attr(not(test), expect(dead_code, reason = "for smtping serve's history"))]
    pub(crate) fn runs(
        &self,
        targets: &[String],
        since_ms: i64,
    ) -> Result<Vec<StoredRun>, HistoryError> {
        let mut out = Vec::new();
        self.each_run(targets, since_ms, |r| out.push(r))?;
        Ok(out)
    }

    /// The last `n` runs of `targets`, oldest first.
    pub(crate) fn last_runs(
        &self,
        targets: &[String],
        n: usize,
    ) -> Result<Vec<StoredRun>, HistoryError> {
        let mut sql = String::from("SELECT id FROM runs WHERE target IN (");
        for i in 0..targets.len() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            sql.push_str(&(i + 1).to_string());
        }
        sql.push_str(") ORDER BY checked_at DESC, id DESC LIMIT ");
        sql.push_str(&n.to_string());
        let mut stmt = self
            .conn
            .prepare(&sql)
            .map_err(self.sql_err("reading the runs"))?;
        let ids: Vec<i64> = stmt
            .query_map(rusqlite::params_from_iter(targets.iter()), |r| r.get(0))
            .map_err(self.sql_err("reading the runs"))?
            .collect::<Result<_, _>>()
            .map_err(self.sql_err("reading the runs"))?;
        let Some(oldest) = ids.last().copied() else {
            return Ok(Vec::new());
        };
        let since: i64 = self
            .conn
            .query_row(
                "SELECT checked_at FROM runs WHERE id = ?1",
                params![oldest],
                |r| r.get(0),
            )
            .optional()
            .map_err(self.sql_err("reading the runs"))?
            .unwrap_or(0);
        let mut out = Vec::new();
        self.each_run(targets, since, |r| {
            if ids.contains(&r.id) {
                out.push(r);
            }
        })?;
        out.sort_by_key(|r| (r.checked_at, r.id));
        Ok(out)
    }

    /// How many runs are stored.
    #[cfg_attr(not(test), expect(dead_code, reason = "for smtping serve's history"))]
    pub(crate) fn count(&self) -> Result<i64, HistoryError> {
        self.conn
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))
            .map_err(self.sql_err("counting the runs"))
    }
}

/// The history file: `--history FILE`, else `$XDG_DATA_HOME/smtping/history.sqlite` (an
/// absolute XDG_DATA_HOME only, as the XDG spec says), else
/// `$HOME/.local/share/smtping/history.sqlite`.
pub(crate) fn default_path(
    explicit: Option<&Path>,
    xdg_data_home: Option<&std::ffi::OsStr>,
    home: Option<&std::ffi::OsStr>,
) -> Result<PathBuf, HistoryError> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    let xdg = xdg_data_home.map(PathBuf::from).filter(|p| p.is_absolute());
    let base = match xdg {
        Some(x) => x,
        None => home
            .map(PathBuf::from)
            .filter(|p| !p.as_os_str().is_empty())
            .ok_or(HistoryError::NoPlace)?
            .join(".local/share"),
    };
    Ok(base.join("smtping").join("history.sqlite"))
}

/// Creates the default file's directory, mode 0700 (the history names the servers you check).
pub(crate) fn create_dir(dir: &Path) -> Result<(), HistoryError> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|source| HistoryError::Dir {
        dir: dir.display().to_string(),
        source,
    })
}

#[cfg(test)]
mod tests;
