//! Unit tests of `batch` (kept beside it, in its own file).

use super::*;

fn lines(input: &[u8]) -> Result<Vec<(u64, String)>, String> {
    let mut t = Targets::new(input, Path::new("list"));
    let mut out = Vec::new();
    loop {
        match t.next_target() {
            Ok(Some(l)) => out.push((l.number, l.text)),
            Ok(None) => return Ok(out),
            Err(e) => return Err(e.0),
        }
    }
}

#[test]
fn lines_comments_crlf_and_limits() {
    assert_eq!(
        lines(b"# head\r\na.test\r\n\r\n  b.test:2525 # c\nc.test").unwrap(),
        [
            (2, "a.test".to_owned()),
            (4, "b.test:2525".to_owned()),
            (5, "c.test".to_owned())
        ]
    );
    assert_eq!(lines(b"# none\n\n").unwrap_err(), "list lists no target");
    let long = format!("a.test\n{}\n", "x".repeat(MAX_LINE + 1));
    let e = lines(long.as_bytes()).unwrap_err();
    assert!(e.starts_with("list line 2: longer than 4096 bytes"), "{e}");
    // Exactly at the limit is fine.
    let at = format!("{}\n", "x".repeat(MAX_LINE));
    assert_eq!(lines(at.as_bytes()).unwrap().len(), 1);
    let e = lines(b"a.test\nb\xff\x1b\n").unwrap_err();
    assert_eq!(e, r"list line 2: not UTF-8: b\xff\e");
}

fn pending(index: usize) -> Pending {
    Pending {
        line: Line {
            index,
            number: index as u64 + 1,
            text: String::new(),
        },
    }
}

#[test]
fn a_host_at_its_limit_is_skipped_not_waited_for() {
    let mut s = Scheduler::new(2);
    for i in 0..40 {
        s.push("a".into(), pending(i));
    }
    for i in 40..44 {
        s.push("b".into(), pending(i));
    }
    let mut started = Vec::new();
    while let Some((host, p)) = s.pop() {
        started.push((host, p.line.index));
    }
    // Two of each host: A is at its limit, B is not held back behind A's queue.
    assert_eq!(
        started,
        [
            ("a".to_owned(), 0),
            ("b".to_owned(), 40),
            ("a".to_owned(), 1),
            ("b".to_owned(), 41)
        ]
    );
    s.release("b");
    s.release("b");
    assert_eq!(
        s.pop().map(|(h, p)| (h, p.line.index)),
        Some(("b".into(), 42))
    );
    assert_eq!(
        s.pop().map(|(h, p)| (h, p.line.index)),
        Some(("b".into(), 43))
    );
    assert!(s.pop().is_none());
    s.release("b");
    s.release("b");
    assert!(!s.hosts.contains_key("b"), "an idle host is forgotten");
    s.release("a");
    assert_eq!(s.pop().map(|(_, p)| p.line.index), Some(2));
    assert_eq!(s.queued, 37);
    s.clear();
    assert!(s.pop().is_none());
}

#[test]
fn a_check_that_unwinds_still_frees_its_slots() {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let finish = Finish {
        tx: tx.clone(),
        index: 7,
        host: Some("a".into()),
    };
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _keep = finish;
        panic!("a bug in a check");
    }));
    assert!(unwound.is_err());
    let done = rx.try_recv().unwrap();
    assert_eq!((done.index, done.host.as_str()), (7, "a"));
    assert!(done.report.is_none());
    Finish {
        tx,
        index: 8,
        host: Some("b".into()),
    }
    .send(Report::default());
    let done = rx.try_recv().unwrap();
    assert!(done.report.is_some());
    assert!(rx.try_recv().is_err(), "sent once");
}
