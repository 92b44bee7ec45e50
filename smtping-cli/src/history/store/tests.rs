use super::*;
use smtping_client::Status;
use smtping_client::report::{DeliveryOutcome, TranscriptEntry};

fn report(target: &str) -> Report {
    let mut r = Report::default();
    r.target.input = target.to_owned();
    r.verdict = Status::Green;
    r.delivery.outcome = DeliveryOutcome::Accepted;
    r.summary = "accepted for alice@example.org".to_owned();
    r.transcript.push(
        serde_json::from_value::<TranscriptEntry>(serde_json::json!({
            "t_ms": 1.0, "dir": "client", "tls": false, "line": "MAIL FROM:<alice@example.org>"
        }))
        .unwrap(),
    );
    r
}

fn version_of(path: &Path) -> i32 {
    let c = Connection::open(path).unwrap();
    c.query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_new_file_is_migrated_marked_and_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    // An empty file (as `touch` leaves it) counts as new too.
    std::fs::write(&path, b"").unwrap();
    let h = History::open(&path).unwrap();
    assert_eq!(h.count().unwrap(), 0);
    let mode: String = h
        .conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(h);
    assert_eq!(version_of(&path), SCHEMA_VERSION);
    let c = Connection::open(&path).unwrap();
    let app: i32 = c
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    assert_eq!(app, APPLICATION_ID);
    drop(c);
    // Opening again changes nothing.
    History::open(&path).unwrap();
    assert_eq!(version_of(&path), SCHEMA_VERSION);
}

#[test]
fn record_drops_the_transcript_and_masks_unless_full() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
    h.record_at(&report("bob@example.org"), false, 1_000)
        .unwrap();
    h.record_at(&report("bob@example.org"), true, 2_000)
        .unwrap();
    let masked = h.runs(&["***@example.org".to_owned()], 0).unwrap();
    assert_eq!(masked.len(), 1);
    let r = &masked[0];
    assert_eq!((r.checked_at, r.verdict.as_str()), (1_000, "green"));
    assert_eq!(r.delivery, "accepted");
    assert_eq!(r.report["transcript"], serde_json::json!([]));
    assert_eq!(r.report["summary"], "accepted for ***@example.org");
    assert_eq!(r.report["target"]["input"], "***@example.org");
    let full = h.runs(&["bob@example.org".to_owned()], 0).unwrap();
    assert_eq!(full.len(), 1);
    assert_eq!(full[0].report["summary"], "accepted for alice@example.org");
    assert_eq!(full[0].report["transcript"], serde_json::json!([]));
    assert_eq!(h.runs(&[], 1_500).unwrap().len(), 1);
    let last = h
        .last_runs(
            &["bob@example.org".to_owned(), "***@example.org".to_owned()],
            2,
        )
        .unwrap();
    let at: Vec<i64> = last.iter().map(|r| r.checked_at).collect();
    assert_eq!(at, [1_000, 2_000]);
}

#[test]
fn purge_removes_only_older_runs() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = History::open(&dir.path().join("h.sqlite")).unwrap();
    let now = now_ms();
    let day = 86_400_000;
    for age in [40, 31, 29, 1, 0] {
        h.record_at(&report("mx.test"), false, now - age * day)
            .unwrap();
    }
    assert_eq!(h.purge(Duration::from_secs(30 * 86_400)).unwrap(), 2);
    assert_eq!(h.count().unwrap(), 3);
    // Half a day: the runs of 29 days and 1 day ago go, today's stays.
    assert_eq!(h.purge(Duration::from_secs(86_400 / 2)).unwrap(), 2);
    assert_eq!(h.count().unwrap(), 1);
}

#[test]
fn a_file_that_is_not_sqlite_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    let text = b"my notes, not a database\n".repeat(100);
    std::fs::write(&path, &text).unwrap();
    let e = History::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("notes.txt is not an SMTPing history (not an SQLite database)"),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), text);
    assert!(!dir.path().join("notes.txt-wal").exists());
}

#[test]
fn a_damaged_database_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    {
        let mut h = History::open(&path).unwrap();
        h.record_at(&report("mx.test"), false, 1).unwrap();
    }
    // Keep the magic, destroy the header fields and the schema page.
    let mut bytes = std::fs::read(&path).unwrap();
    for b in bytes.iter_mut().skip(16).take(4000) {
        *b = 0xA5;
    }
    std::fs::write(&path, &bytes).unwrap();
    let e = History::open(&path).unwrap_err();
    assert!(
        matches!(
            e,
            HistoryError::NotHistory { .. } | HistoryError::Sqlite { .. }
        ),
        "{e:?}"
    );
    let text = e.to_string();
    assert!(text.contains("h.sqlite"), "{text}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let c = Connection::open(&path).unwrap();
    c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(c);
    let before = std::fs::read(&path).unwrap();
    let e = History::open(&path).unwrap_err().to_string();
    assert!(
        e.contains("other.db is not an SMTPing history (an SQLite database of another program)"),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    drop(History::open(&path).unwrap());
    let c = Connection::open(&path).unwrap();
    c.execute_batch(&format!("PRAGMA user_version = {}", SCHEMA_VERSION + 1))
        .unwrap();
    drop(c);
    let e = History::open(&path).unwrap_err();
    assert!(
        matches!(e, HistoryError::Newer { found, .. } if found == SCHEMA_VERSION + 1),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("newer than this smtping reads"),
        "{e}"
    );
    assert_eq!(version_of(&path), SCHEMA_VERSION + 1);
}

#[test]
fn reading_a_missing_history_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.sqlite");
    let e = History::open_existing(&path).unwrap_err().to_string();
    assert!(e.contains("none.sqlite: no history yet"), "{e}");
    assert!(!path.exists());
}

#[test]
fn two_writers_at_once_both_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let per_writer = 50;
    let threads: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                // Each opens on its own (the first may create and migrate the file).
                let mut h = History::open(&path).expect("open");
                for i in 0..per_writer {
                    h.record_at(&report(&format!("w{w}.test")), false, i)
                        .expect("a write waits for the other writer");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let h = History::open(&path).unwrap();
    assert_eq!(h.count().unwrap(), 2 * per_writer);
    assert_eq!(h.runs(&["w1.test".to_owned()], 0).unwrap().len(), 50);
}

#[test]
fn oversized_or_broken_rows_are_skipped_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.sqlite");
    let mut h = History::open(&path).unwrap();
    h.record_at(&report("mx.test"), false, 1).unwrap();
    h.conn
        .execute(
            "INSERT INTO runs (target, checked_at, verdict, delivery, delivery_attempts, cert_days, full, report)
             VALUES ('mx.test', 2, 'green', 'accepted', 1, NULL, 0, 'not json')",
            [],
        )
        .unwrap();
    let mut seen = 0;
    let skipped = h.each_run(&[], 0, |_| seen += 1).unwrap();
    assert_eq!((seen, skipped), (1, 1));
}

#[test]
fn a_directory_is_unreadable_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let e = History::open(dir.path()).unwrap_err();
    assert!(matches!(e, HistoryError::Unreadable { .. }), "{e:?}");
    assert!(e.to_string().starts_with("cannot read the history "), "{e}");
}

/// Two processes recording their first check into a new history at the same moment: the
/// one that does not migrate must not mistake the file, half-way through the other's
/// migration, for another program's database, nor fail to switch it to WAL mode while
/// the other has it open. Many fresh files, both opens released together, so the window is
/// hit often: with the header read pragma by pragma, 4 of 30 runs of 40 files failed; with
/// the WAL switch failing on a busy file, 18 of 30.
#[test]
fn first_opens_at_once_agree_on_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..150 {
        let path = dir.path().join(format!("h{round}.sqlite"));
        let start = std::sync::Arc::new(std::sync::Barrier::new(2));
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let (path, start) = (path.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    History::open(&path).map(|_| ()).map_err(|e| e.to_string())
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), Ok(()), "round {round}");
        }
    }
}
