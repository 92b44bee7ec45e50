use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::*;

const HEADER: &str = "Received: from a by b; Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <t1@example.org>\r\nSubject: hi\r\n\r\n";

fn plan(tls: ImapTls) -> SeedPlan {
    let mut p = SeedPlan::new(
        "alice",
        ImapSecret::new("hunter2-pw".into()),
        SearchQuery::MessageId("t1@example.org".into()),
    );
    p.tls = tls;
    p
}

/// A script: the greeting, then per expected client line (its start) the server's answer.
/// `{TAG}` in an answer is replaced by the command's tag.
struct Script {
    greeting: String,
    steps: Vec<(&'static str, String)>,
}

fn fetch_answer() -> String {
    format!(
        "* 1 FETCH (UID 7 INTERNALDATE \"01-Dec-2026 10:00:05 +0000\" BODY[HEADER] {{{}}}\r\n{HEADER})\r\n{{TAG}} OK done\r\n",
        HEADER.len()
    )
}

fn happy_script() -> Script {
    Script {
        greeting: "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS] hi\r\n".into(),
        steps: vec![
            ("CAPABILITY", "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS\r\n{TAG} OK caps\r\n".into()),
            ("AUTHENTICATE PLAIN", "{TAG} OK logged in\r\n".into()),
            ("LIST", "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\HasNoChildren \\Junk) \"/\" Spammy\r\n* LIST () \"/\" Junk\r\n{TAG} OK list\r\n".into()),
            ("EXAMINE INBOX", "* 3 EXISTS\r\n* OK [UIDVALIDITY 1] v\r\n{TAG} OK [READ-ONLY] ex\r\n".into()),
            ("UID SEARCH", "* SEARCH\r\n{TAG} OK s\r\n".into()),
            ("EXAMINE Spammy", "* 1 EXISTS\r\n{TAG} OK [READ-ONLY] ex\r\n".into()),
            ("UID SEARCH", "* SEARCH 5 7\r\n{TAG} OK s\r\n".into()),
            ("UID FETCH 7", fetch_answer()),
            ("LOGOUT", "* BYE bye\r\n{TAG} OK out\r\n".into()),
        ],
    }
}

/// Runs `script` feeding every server answer split at `split` (mod its length).
fn run(plan: SeedPlan, script: &Script, split: usize) -> (SeedOutcome, Vec<String>) {
    let now = Instant::now();
    let mut s = SeedSession::new(plan, now);
    let mut sent = Vec::new();
    let feed = |s: &mut SeedSession, text: &str| {
        let b = text.as_bytes();
        let k = if b.is_empty() { 0 } else { split % b.len() };
        s.handle_input(&b[..k], now);
        s.handle_input(&b[k..], now);
    };
    feed(&mut s, &script.greeting);
    let mut step = 0;
    loop {
        match s.poll_output() {
            ImapOutput::Transmit(bytes) => {
                let line = String::from_utf8_lossy(&bytes).into_owned();
                sent.push(line.clone());
                let (tag, rest) = line.split_once(' ').unwrap();
                let Some((expect, answer)) = script.steps.get(step) else {
                    panic!("unexpected command {line:?}")
                };
                assert!(rest.starts_with(expect), "expected {expect}, got {line:?}");
                step += 1;
                let answer = answer.replace("{TAG}", tag);
                feed(&mut s, &answer);
            }
            ImapOutput::StartTls => s.handle_tls_established(now),
            ImapOutput::Event(_) => {}
            ImapOutput::Wait { .. } => {
                s.handle_eof(now);
            }
            ImapOutput::Done(o) => return (*o, sent),
        }
    }
}

#[test]
fn finds_the_message_in_the_junk_folder_at_every_split() {
    let script = happy_script();
    let max = script.steps.iter().map(|s| s.1.len()).max().unwrap();
    for split in 0..=max {
        let (o, sent) = run(plan(ImapTls::Implicit), &script, split);
        assert_eq!(o.error, None, "split {split}: {:?}", o.transcript);
        let f = o.found.expect("found");
        assert_eq!(f.folder, "Spammy");
        assert_eq!(f.uid, 7);
        assert_eq!(f.matches, 2);
        assert_eq!(f.header, HEADER.as_bytes());
        assert_eq!(f.internal_date_unix, Some(1_796_119_205));
        assert_eq!(o.folders_searched, vec!["INBOX", "Spammy"]);
        assert!(sent.iter().any(|l| l.contains("BODY.PEEK[HEADER]")));
        assert!(
            sent.iter()
                .any(|l| l.contains("HEADER Message-ID <t1@example.org>"))
        );
        assert!(
            sent.iter()
                .all(|l| !l.contains("EXPUNGE") && !l.starts_with("SELECT"))
        );
    }
}

#[test]
fn byte_by_byte_input_works() {
    let script = happy_script();
    let now = Instant::now();
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    for b in script.greeting.as_bytes() {
        s.handle_input(&[*b], now);
    }
    let mut step = 0;
    let outcome = loop {
        match s.poll_output() {
            ImapOutput::Transmit(bytes) => {
                let line = String::from_utf8_lossy(&bytes).into_owned();
                let tag = line.split(' ').next().unwrap().to_owned();
                let answer = script.steps[step].1.replace("{TAG}", &tag);
                step += 1;
                for b in answer.as_bytes() {
                    s.handle_input(&[*b], now);
                }
            }
            ImapOutput::Done(o) => break o,
            ImapOutput::Wait { .. } => panic!("stuck"),
            _ => {}
        }
    };
    assert_eq!(outcome.found.unwrap().uid, 7);
}

#[test]
fn the_password_never_reaches_the_transcript_or_errors() {
    let script = Script {
        greeting: "* OK hi\r\n".into(),
        steps: vec![
            (
                "CAPABILITY",
                "* CAPABILITY IMAP4rev1\r\n{TAG} OK caps\r\n".into(),
            ),
            (
                "LOGIN",
                "{TAG} NO bad password hunter2-pw for alice\r\n".into(),
            ),
        ],
    };
    let (o, sent) = run(plan(ImapTls::Implicit), &script, 3);
    assert!(sent[1].contains("hunter2-pw"), "the command carries it");
    let err = o.error.unwrap();
    assert_eq!(err.step, ImapStep::Login);
    let shown = err.to_string();
    assert!(!shown.contains("hunter2-pw"), "{shown}");
    assert!(shown.contains("****"));
    for line in &o.transcript {
        assert!(!line.text.contains("hunter2-pw"), "{line:?}");
    }
    assert!(o.transcript.iter().any(|l| l.text == "S2 LOGIN alice ****"));
}

#[test]
fn starttls_then_auth_and_injection_is_refused() {
    let script = Script {
        greeting: "* OK hi\r\n".into(),
        steps: vec![
            (
                "CAPABILITY",
                "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n{TAG} OK c\r\n".into(),
            ),
            ("STARTTLS", "{TAG} OK begin\r\n".into()),
            (
                "CAPABILITY",
                "* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{TAG} OK c\r\n".into(),
            ),
            ("AUTHENTICATE PLAIN", "+ \r\n{TAG} OK in\r\n".into()),
            ("", "{TAG} OK in\r\n".into()),
        ],
    };
    // The continuation answer for AUTHENTICATE without SASL-IR: the blob is sent after "+".
    let now = Instant::now();
    let mut s = SeedSession::new(plan(ImapTls::StartTls { require: true }), now);
    s.handle_input(script.greeting.as_bytes(), now);
    let mut sent = Vec::new();
    let mut tls = false;
    let mut outcome = None;
    for _ in 0..40 {
        match s.poll_output() {
            ImapOutput::Transmit(b) => {
                let line = String::from_utf8_lossy(&b).into_owned();
                sent.push(line.clone());
                let tag = line.split(' ').next().unwrap().to_owned();
                let answer = match sent.len() {
                    1 => script.steps[0].1.replace("{TAG}", &tag),
                    2 => script.steps[1].1.replace("{TAG}", &tag),
                    3 => script.steps[2].1.replace("{TAG}", &tag),
                    4 => "+ \r\n".to_owned(),
                    5 => "S4 OK in\r\n".to_owned(),
                    _ => {
                        s.handle_eof(now);
                        continue;
                    }
                };
                s.handle_input(answer.as_bytes(), now);
            }
            ImapOutput::StartTls => {
                tls = true;
                s.handle_tls_established(now);
            }
            ImapOutput::Done(o) => {
                outcome = Some(o);
                break;
            }
            _ => {}
        }
    }
    assert!(tls);
    assert_eq!(sent[3], "S4 AUTHENTICATE PLAIN\r\n");
    assert_eq!(sent[4].trim_end(), "AGFsaWNlAGh1bnRlcjItcHc=");
    let o = outcome.unwrap();
    assert!(o.tls);
    assert_eq!(o.auth, Some("AUTHENTICATE PLAIN"));
    assert!(o.transcript.iter().all(|l| !l.text.contains("AGFsaWNl")));

    // Injection: bytes after the STARTTLS OK in the same read.
    let mut s = SeedSession::new(plan(ImapTls::StartTls { require: true }), now);
    s.handle_input(b"* OK hi\r\n", now);
    let _ = s.poll_output();
    let _ = s.poll_output();
    s.handle_input(b"* CAPABILITY IMAP4rev1 STARTTLS\r\nS1 OK c\r\n", now);
    let _ = s.poll_output();
    s.handle_input(b"S2 OK begin\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n", now);
    let o = drain(&mut s);
    assert_eq!(o.error.unwrap().kind, ImapErrorKind::Injection);
}

fn drain(s: &mut SeedSession) -> SeedOutcome {
    for _ in 0..100 {
        if let ImapOutput::Done(o) = s.poll_output() {
            return *o;
        }
    }
    panic!("not done")
}

#[test]
fn no_starttls_with_require_tls_fails_before_credentials() {
    let now = Instant::now();
    let mut s = SeedSession::new(plan(ImapTls::StartTls { require: true }), now);
    s.handle_input(b"* OK hi\r\n", now);
    let _ = s.poll_output();
    let _ = s.poll_output();
    s.handle_input(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nS1 OK c\r\n", now);
    let o = drain(&mut s);
    let e = o.error.unwrap();
    assert_eq!(e.step, ImapStep::Starttls);
    assert!(matches!(e.kind, ImapErrorKind::Tls(_)));

    // Without require: cleartext auth is still refused unless allowed.
    let mut s = SeedSession::new(plan(ImapTls::StartTls { require: false }), now);
    s.handle_input(b"* OK hi\r\n", now);
    let _ = s.poll_output();
    let _ = s.poll_output();
    s.handle_input(b"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\nS1 OK c\r\n", now);
    let o = drain(&mut s);
    assert_eq!(o.error.unwrap().kind, ImapErrorKind::CleartextAuthRefused);
}

#[test]
fn cleanup_expunges_by_uid_with_uidplus_and_only_flags_without() {
    for uidplus in [true, false] {
        let caps = if uidplus {
            "IMAP4rev1 AUTH=PLAIN SASL-IR UIDPLUS"
        } else {
            "IMAP4rev1 AUTH=PLAIN SASL-IR"
        };
        let mut steps = vec![
            (
                "CAPABILITY",
                format!("* CAPABILITY {caps}\r\n{{TAG}} OK c\r\n"),
            ),
            ("AUTHENTICATE", "{TAG} OK in\r\n".into()),
            ("EXAMINE INBOX", "{TAG} OK e\r\n".into()),
            ("UID SEARCH", "* SEARCH 7\r\n{TAG} OK s\r\n".into()),
            ("UID FETCH 7", fetch_answer()),
            ("SELECT INBOX", "{TAG} OK sel\r\n".into()),
            (
                "UID STORE 7 +FLAGS.SILENT (\\Deleted)",
                "{TAG} OK st\r\n".into(),
            ),
        ];
        if uidplus {
            steps.push(("UID EXPUNGE 7", "* 1 EXPUNGE\r\n{TAG} OK x\r\n".into()));
        }
        steps.push(("LOGOUT", "* BYE b\r\n{TAG} OK o\r\n".into()));
        let script = Script {
            greeting: "* OK hi\r\n".into(),
            steps,
        };
        let mut p = plan(ImapTls::Implicit);
        p.cleanup = true;
        p.folders = FolderChoice::Listed(vec!["INBOX".into()]);
        let max = script.steps.iter().map(|s| s.1.len()).max().unwrap();
        for split in 0..max {
            let (o, _) = run(p.clone(), &script, split);
            assert_eq!(o.error, None, "split {split}");
            assert_eq!(
                o.cleanup,
                Some(if uidplus {
                    Cleanup::Expunged
                } else {
                    Cleanup::FlaggedOnly
                })
            );
        }
        let (o, sent) = run(p, &script, 5);
        assert_eq!(o.error, None);
        assert_eq!(
            o.cleanup,
            Some(if uidplus {
                Cleanup::Expunged
            } else {
                Cleanup::FlaggedOnly
            })
        );
        assert!(
            sent.iter()
                .all(|l| !l.contains(" EXPUNGE\r\n") || l.contains("UID EXPUNGE"))
        );
    }
}

#[test]
fn unexplained_untagged_replies_and_foreign_tags_are_protocol_errors() {
    for bad in [
        "* SEARCH 1 2\r\n",
        "X9 OK whose\r\n",
        "* LIST () \"/\" x\r\n",
    ] {
        let now = Instant::now();
        let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
        s.handle_input(b"* OK hi\r\n", now);
        let _ = s.poll_output();
        let _ = s.poll_output();
        s.handle_input(bad.as_bytes(), now);
        let o = drain(&mut s);
        let e = o.error.unwrap();
        assert_eq!(e.step, ImapStep::Capability, "{bad}");
        assert!(matches!(e.kind, ImapErrorKind::Protocol(_)), "{bad}: {e}");
    }
}

#[test]
fn limits_end_the_session() {
    let now = Instant::now();
    // A huge literal is refused as soon as it is announced.
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    s.handle_input(b"* OK hi\r\n", now);
    let _ = s.poll_output();
    let _ = s.poll_output();
    s.handle_input(b"* CAPABILITY {99999999999}\r\n", now);
    let e = drain(&mut s).error.unwrap();
    assert!(matches!(e.kind, ImapErrorKind::LimitExceeded(_)), "{e}");
    // Endless untagged responses.
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    s.handle_input(b"* OK hi\r\n", now);
    let _ = s.poll_output();
    let _ = s.poll_output();
    for _ in 0..6000 {
        s.handle_input(b"* OK still here\r\n", now);
    }
    let e = drain(&mut s).error.unwrap();
    assert!(matches!(e.kind, ImapErrorKind::LimitExceeded(_)), "{e}");
    // A line without end.
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    for _ in 0..100 {
        s.handle_input(&[b'a'; 1024], now);
    }
    let e = drain(&mut s).error.unwrap();
    assert_eq!(e.step, ImapStep::Greeting);
    assert!(matches!(e.kind, ImapErrorKind::LimitExceeded(_)), "{e}");
}

#[test]
fn a_stalled_server_times_out_naming_the_step() {
    let now = Instant::now();
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    s.handle_input(b"* OK hi\r\n", now);
    let _ = s.poll_output();
    let _ = s.poll_output();
    let ImapOutput::Wait { deadline } = s.poll_output() else {
        panic!()
    };
    s.handle_timeout(deadline - Duration::from_millis(1));
    assert!(!s.is_done());
    s.handle_timeout(deadline);
    let e = drain(&mut s).error.unwrap();
    assert_eq!(
        (e.step, e.kind),
        (ImapStep::Capability, ImapErrorKind::Timeout)
    );
}

#[test]
fn the_query_form_searches_subject_from_since() {
    let (keys, shown, utf8) = search_keys(&SearchQuery::Criteria {
        subject: Some("Password reset".into()),
        from: Some("noreply@example.org".into()),
        since: Some((2026, 12, 1)),
    })
    .unwrap();
    assert_eq!(keys.as_ref().len(), 3);
    assert_eq!(
        shown,
        "SUBJECT \"Password reset\" FROM \"noreply@example.org\" SINCE 01-Dec-2026"
    );
    assert!(!utf8);
    assert!(
        search_keys(&SearchQuery::Criteria {
            subject: None,
            from: None,
            since: Some((2026, 2, 30))
        })
        .is_err()
    );
}

#[test]
fn debug_never_shows_the_password() {
    let p = plan(ImapTls::Implicit);
    assert!(!format!("{p:?}").contains("hunter2"));
    let s = SeedSession::new(p, Instant::now());
    assert!(!format!("{s:?}").contains("hunter2"));
}

proptest! {
    #[test]
    fn arbitrary_server_bytes_never_panic_and_end(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..200), 0..30)) {
        let now = Instant::now();
        let mut s = SeedSession::new(plan(ImapTls::StartTls { require: false }), now);
        for c in &chunks {
            s.handle_input(c, now);
            for _ in 0..50 {
                match s.poll_output() {
                    ImapOutput::Wait { .. } | ImapOutput::Done(_) => break,
                    ImapOutput::StartTls => s.handle_tls_established(now),
                    _ => {}
                }
            }
        }
        s.handle_eof(now);
        let mut done = false;
        for _ in 0..50 {
            if let ImapOutput::Done(_) = s.poll_output() { done = true; break; }
        }
        prop_assert!(done || s.is_done());
    }

    #[test]
    fn arbitrary_lines_after_the_greeting_never_panic(lines in proptest::collection::vec("[ -~]{0,80}", 0..20)) {
        let now = Instant::now();
        let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
        s.handle_input(b"* OK hi\r\n", now);
        for l in &lines {
            s.handle_input(format!("{l}\r\n").as_bytes(), now);
            let _ = s.poll_output();
        }
        s.handle_timeout(now + Duration::from_secs(3600));
        prop_assert!(s.is_done() || matches!(s.poll_output(), ImapOutput::Done(_)));
    }
}

#[test]
fn a_password_across_the_transcript_cut_is_still_redacted() {
    let now = Instant::now();
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    let line = format!("* OK {}hunter2-pw\r\n", "x".repeat(1015));
    s.handle_input(line.as_bytes(), now);
    s.handle_eof(now);
    let o = drain(&mut s);
    for l in &o.transcript {
        assert!(
            !l.text.contains("hunter2") && !l.text.contains("hunt"),
            "{}",
            &l.text[1000..]
        );
    }
}

#[test]
fn preauth_skips_login_and_bye_greeting_is_a_rejection() {
    let script = Script {
        greeting: "* PREAUTH [CAPABILITY IMAP4rev1] welcome\r\n".into(),
        steps: vec![
            ("EXAMINE INBOX", "{TAG} OK e\r\n".into()),
            ("UID SEARCH", "* SEARCH\r\n{TAG} OK s\r\n".into()),
            ("LOGOUT", "* BYE b\r\n{TAG} OK o\r\n".into()),
        ],
    };
    let mut p = plan(ImapTls::Implicit);
    p.folders = FolderChoice::Listed(vec!["INBOX".into()]);
    let (o, sent) = run(p, &script, 2);
    assert_eq!(o.error, None);
    assert_eq!(o.auth, Some("PREAUTH"));
    assert!(o.found.is_none());
    assert!(
        sent.iter()
            .all(|l| !l.contains("LOGIN") && !l.contains("AUTHENTICATE"))
    );

    let now = Instant::now();
    let mut s = SeedSession::new(plan(ImapTls::Implicit), now);
    s.handle_input(b"* BYE too busy\r\n", now);
    let e = drain(&mut s).error.unwrap();
    assert_eq!(e.step, ImapStep::Greeting);
    assert!(
        matches!(e.kind, ImapErrorKind::Rejected { status: "BYE", .. }),
        "{e}"
    );
}

#[test]
fn a_listed_folder_the_server_refuses_is_skipped_and_reported() {
    let script = Script {
        greeting: "* OK hi\r\n".into(),
        steps: vec![
            (
                "CAPABILITY",
                "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n{TAG} OK c\r\n".into(),
            ),
            ("AUTHENTICATE", "{TAG} OK in\r\n".into()),
            (
                "EXAMINE Nope",
                "{TAG} NO [NONEXISTENT] no such folder\r\n".into(),
            ),
            ("EXAMINE INBOX", "{TAG} OK e\r\n".into()),
            ("UID SEARCH", "* SEARCH 7\r\n{TAG} OK s\r\n".into()),
            ("UID FETCH 7", fetch_answer()),
            ("LOGOUT", "{TAG} OK o\r\n".into()),
        ],
    };
    let mut p = plan(ImapTls::Implicit);
    p.folders = FolderChoice::Listed(vec!["Nope".into(), "INBOX".into()]);
    let (o, _) = run(p, &script, 4);
    assert_eq!(o.error, None);
    assert_eq!(o.found.unwrap().folder, "INBOX");
    assert_eq!(o.folder_errors.len(), 1);
    assert_eq!(o.folder_errors[0].0, "Nope");
}

const DSN: &str = "From: MAILER-DAEMON@example.org\r\nSubject: Undelivered Mail\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.org\r\n\r\nFinal-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--B\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <t1@example.org>\r\n\r\n--B--\r\n";
const OTHER: &str = "Subject: re: <t1@example.org>\r\n\r\nhello\r\n";

fn bounce_plan() -> SeedPlan {
    let mut p = SeedPlan::new(
        "alice",
        ImapSecret::new("hunter2-pw".into()),
        SearchQuery::text("<t1@example.org>", Some((2026, 11, 30))).unwrap(),
    );
    p.tls = ImapTls::Implicit;
    p.folders = FolderChoice::Listed(vec!["INBOX".into()]);
    p
}

fn body_answer(uid: u32, text: &str) -> String {
    format!(
        "* {uid} FETCH (UID {uid} INTERNALDATE \"01-Dec-2026 10:00:40 +0000\" BODY[] {{{}}}\r\n{text})\r\n{{TAG}} OK done\r\n",
        text.len()
    )
}

fn bounce_script() -> Script {
    Script {
        greeting: "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR] hi\r\n".into(),
        steps: vec![
            (
                "CAPABILITY",
                "* CAPABILITY IMAP4rev1 AUTH=PLAIN SASL-IR\r\n{TAG} OK caps\r\n".into(),
            ),
            ("AUTHENTICATE PLAIN", "{TAG} OK logged in\r\n".into()),
            (
                "EXAMINE INBOX",
                "* 3 EXISTS\r\n{TAG} OK [READ-ONLY] ex\r\n".into(),
            ),
            (
                "UID SEARCH SINCE \"30-Nov-2026\" TEXT <t1@example.org>",
                "* SEARCH 3 12 9\r\n{TAG} OK s\r\n".into(),
            ),
            (
                "UID FETCH 3,9,12 (UID RFC822.SIZE)",
                format!(
                    "* 1 FETCH (UID 3 RFC822.SIZE {})\r\n* 2 FETCH (UID 9 RFC822.SIZE {})\r\n* 3 FETCH (UID 12 RFC822.SIZE 999999)\r\n* 3 FETCH (FLAGS (\\Seen))\r\n{{TAG}} OK f\r\n",
                    OTHER.len(),
                    DSN.len()
                ),
            ),
            (
                "UID FETCH 9 (UID INTERNALDATE BODY.PEEK[])",
                body_answer(9, DSN),
            ),
            (
                "UID FETCH 3 (UID INTERNALDATE BODY.PEEK[])",
                body_answer(3, OTHER),
            ),
            ("LOGOUT", "* BYE bye\r\n{TAG} OK out\r\n".into()),
        ],
    }
}

#[test]
fn a_bounce_watch_sizes_then_fetches_whole_candidates_newest_first_at_every_split() {
    let script = bounce_script();
    let max = script.steps.iter().map(|s| s.1.len()).max().unwrap();
    for split in 0..=max {
        let (o, sent) = run(bounce_plan(), &script, split);
        assert_eq!(o.error, None, "split {split}: {:?}", o.transcript);
        assert_eq!(o.found, None);
        let got: Vec<_> = o
            .candidates
            .iter()
            .map(|c| (c.uid, c.message.as_slice()))
            .collect();
        assert_eq!(got, [(9, DSN.as_bytes()), (3, OTHER.as_bytes())]);
        assert_eq!(o.candidates[0].internal_date_unix, Some(1_796_119_240));
        assert_eq!(
            o.skipped,
            [SkippedMessage {
                folder: "INBOX".into(),
                uid: 12,
                size: 999_999
            }]
        );
        assert!(
            sent.iter().any(|l| l.contains("TEXT <t1@example.org>")),
            "{sent:?}"
        );
        // Never a plain BODY[] (it would set \Seen), never a change.
        assert!(
            sent.iter()
                .all(|l| !l.contains(" BODY[") && !l.contains("STORE") && !l.contains("SELECT"))
        );
        assert!(!format!("{:?}", o.candidates).contains("Reporting-MTA"));
    }
}

#[test]
fn a_bounce_watch_keeps_at_most_max_candidates() {
    let mut plan = bounce_plan();
    plan.limits.max_candidates = 2;
    let mut script = bounce_script();
    script.steps[4].0 = "UID FETCH 9,12 (UID RFC822.SIZE)";
    script.steps.remove(6);
    let (o, _) = run(plan, &script, 0);
    assert_eq!(o.error, None, "{:?}", o.transcript);
    assert_eq!(o.candidates.len(), 1);
    assert_eq!(o.skipped.len(), 1);
}

#[test]
fn a_literal_larger_than_max_message_ends_the_session_before_it_is_read() {
    let mut script = bounce_script();
    // The server lied about the size: the literal is refused as soon as it is announced.
    script.steps[5].1 = "* 2 FETCH (UID 9 BODY[] {10000000}\r\n".into();
    script.steps.truncate(6);
    let (o, _) = run(bounce_plan(), &script, 3);
    let e = o.error.expect("an error");
    assert_eq!(e.step, ImapStep::Fetch);
    assert_eq!(e.folder.as_deref(), Some("INBOX"));
    assert!(matches!(e.kind, ImapErrorKind::LimitExceeded(_)), "{e}");
    assert!(o.candidates.is_empty());
}

#[test]
fn search_text_refuses_injection_and_quotes_what_it_allows() {
    assert_eq!(
        SearchQuery::text("<a@b>\r\nS9 LOGOUT", None),
        Err(QueryError::ControlCharacter(5))
    );
    assert_eq!(SearchQuery::text("  ", None), Err(QueryError::Empty));
    assert_eq!(
        SearchQuery::text("x".repeat(MAX_SEARCH_TEXT + 1), None),
        Err(QueryError::TooLong)
    );
    assert_eq!(
        SearchQuery::text("<a@b>", Some((2026, 2, 30))),
        Err(QueryError::BadDate(2026, 2, 30))
    );
    // Built without the checks: the session refuses at the search step.
    let (_, shown, _) = search_keys(&SearchQuery::Text {
        text: "a\"b\\c".into(),
        since: None,
    })
    .unwrap();
    assert_eq!(shown, "TEXT \"a\\\"b\\\\c\"");
    assert!(
        search_keys(&SearchQuery::Text {
            text: "a\nb".into(),
            since: None
        })
        .is_err()
    );
    let mut plan = bounce_plan();
    plan.query = SearchQuery::Text {
        text: "x\r\nS9 DELETE INBOX".into(),
        since: None,
    };
    let mut script = bounce_script();
    script.steps.truncate(3);
    let (o, sent) = run(plan, &script, 0);
    let e = o.error.unwrap();
    assert_eq!(e.step, ImapStep::Search);
    assert!(matches!(e.kind, ImapErrorKind::InvalidArgument(_)));
    assert!(sent.iter().all(|l| !l.contains("DELETE")));
}

proptest! {
    #[test]
    fn a_bounce_watch_survives_arbitrary_answers(chunks in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..20)) {
        let now = Instant::now();
        let mut s = SeedSession::new(bounce_plan(), now);
        s.handle_input(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n", now);
        for c in &chunks {
            let _ = s.poll_output();
            s.handle_input(c, now);
        }
        s.handle_eof(now);
        let o = drain(&mut s);
        prop_assert!(o.error.is_some() || s.is_done());
    }
}
