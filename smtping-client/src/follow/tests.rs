use std::time::Duration;

use super::*;

#[test]
fn seed_urls_parse_and_print_without_secrets() {
    let u = SeedUrl::parse("imaps://bob@[::1]:9993/INBOX,Junk%20E-mail").unwrap();
    assert_eq!(
        (u.scheme(), u.user(), u.host(), u.port()),
        (SeedScheme::Imaps, "bob", "::1", 9993)
    );
    assert_eq!(u.folders(), &["INBOX".to_owned(), "Junk E-mail".to_owned()]);
    assert_eq!(u.to_string(), "imaps://bob@[::1]:9993/INBOX,Junk%20E-mail");
    let u = SeedUrl::parse("imap://a%40b.example@imap.example.org").unwrap();
    assert_eq!(
        (u.port(), u.folder_choice()),
        (IMAP_PORT, smtping_proto::imap::FolderChoice::Auto)
    );
    assert_eq!(
        SeedUrl::parse("imaps://a@h.example").unwrap().port(),
        IMAPS_PORT
    );
    for bad in [
        "http://a@h",
        "imap://h.example",
        "imap://@h.example",
        "imap://a@h:0",
        "imap://a@h:99999",
        "imap://a@bad host",
        "imap://a%zz@h",
    ] {
        assert!(SeedUrl::parse(bad).is_err(), "{bad}");
    }
    let e = SeedUrl::parse("imap://alice:hunter2@h.example")
        .unwrap_err()
        .to_string();
    assert!(!e.contains("hunter2"), "{e}");
    assert!(e.contains("alice:****@h.example"), "{e}");
}

#[test]
fn seeds_files_name_password_sources_only() {
    let f = SeedsFile::parse(
        "[[seed]]\nurl = \"imaps://a@h.example/INBOX\"\npassword_file = \"/run/pw\"\n[[seed]]\nurl = \"imap://b@h.example\"\npassword_env = \"B_PW\"\n",
    )
    .unwrap();
    assert_eq!(f.seeds.len(), 2);
    assert_eq!(f.seeds[0].password, PasswordSource::File("/run/pw".into()));
    assert_eq!(f.seeds[1].url.user(), "b");
    let e = SeedsFile::parse("[[seed]]\nurl = \"imap://a@h.example\"\npassword = \"hunter2\"\n")
        .unwrap_err();
    assert!(
        matches!(e, SeedsFileError::InlinePassword { index: 1 }),
        "{e}"
    );
    assert!(!e.to_string().contains("hunter2"));
    let e = SeedsFile::parse("[[seed]]\nurl = \"imap://a@h.example\"\n").unwrap_err();
    assert!(matches!(e, SeedsFileError::PasswordSource { index: 1 }));
    let e = SeedsFile::parse("[[seed]]\nurl = \"imap://a@h.example\"\npassword_env = \"X\"\npasword_file = \"hunter2\"\n").unwrap_err();
    assert!(matches!(e, SeedsFileError::Toml(_)));
    assert!(!e.to_string().contains("hunter2"), "{e}");
    assert!(matches!(
        SeedsFile::parse("[[seed]]\nurl = \"ftp://x\"\npassword_env = \"X\"\n"),
        Err(SeedsFileError::Url { index: 1, .. })
    ));
}

#[test]
fn passwords_come_from_files_and_never_show() {
    let dir = std::env::temp_dir().join(format!("smtping-follow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pw");
    std::fs::write(&path, "s3cret pass\n").unwrap();
    let p = Password::from_file(&path).unwrap();
    assert_eq!(p.secret().expose(), "s3cret pass");
    assert_eq!(format!("{p:?}"), "Password(****)");
    std::fs::write(&path, vec![b'x'; 5000]).unwrap();
    assert!(matches!(
        Password::from_file(&path),
        Err(PasswordError::FileContent(_))
    ));
    std::fs::write(&path, "\n").unwrap();
    assert!(matches!(
        Password::from_file(&path),
        Err(PasswordError::Empty(_))
    ));
    let _ = std::fs::remove_dir_all(&dir);
    assert!(matches!(
        Password::from_env("SMTPING_SURELY_UNSET_VARIABLE_42"),
        Err(PasswordError::Env(_))
    ));
    let ft = FollowThrough::new("<a@b>").seed(
        SeedUrl::parse("imap://a@h.example").unwrap(),
        Password::new("hunter2"),
    );
    assert!(!format!("{ft:?}").contains("hunter2"));
}

#[test]
fn the_poll_schedule_doubles_and_caps() {
    let s = PollSchedule::default();
    let waits: Vec<u64> = (1..=7).map(|n| s.wait(n).as_secs()).collect();
    assert_eq!(waits, vec![1, 2, 4, 8, 16, 30, 30]);
    assert_eq!(s.wait(u32::MAX), Duration::from_secs(30));
}

#[test]
fn headers_unfold_in_order() {
    let h = unfold_headers(
        "Received: from a\r\n\tby b\r\nX: 1\r\nReceived: from c\r\n\r\nbody: no\r\n",
    );
    assert_eq!(h.len(), 3);
    assert_eq!(h[0].value, "from a by b");
    assert_eq!(values(&h, "received"), vec!["from a by b", "from c"]);
    let many = "X: y\r\n".repeat(MAX_HEADER_FIELDS + 10);
    assert_eq!(unfold_headers(&many).len(), MAX_HEADER_FIELDS);
}

#[test]
fn every_problem_has_an_id_a_severity_and_words() {
    let all = [
        FollowProblem::NotFound,
        FollowProblem::LandedInJunk,
        FollowProblem::SeedUnreachable,
        FollowProblem::SeedTls,
        FollowProblem::SeedAuth,
        FollowProblem::SeedProtocol,
        FollowProblem::CleanupFailed,
        FollowProblem::CleanupFlaggedOnly,
        FollowProblem::Bounced,
        FollowProblem::BounceDelayed,
        FollowProblem::BounceWatchFailed,
        FollowProblem::BounceOversized,
    ];
    let mut ids: Vec<&str> = all.iter().map(FollowProblem::finding_id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
    assert!(
        ids.iter()
            .all(|i| i.starts_with("follow_through.") || i.starts_with("bounce."))
    );
    assert_eq!(FollowProblem::Bounced.finding_id(), "bounce.hard");
    assert_eq!(FollowProblem::BounceDelayed.finding_id(), "bounce.delayed");
    assert_eq!(FollowProblem::NotFound.severity(), Severity::Error);
    assert_eq!(FollowProblem::Bounced.severity(), Severity::Error);
    assert_eq!(FollowProblem::BounceDelayed.severity(), Severity::Warning);
    assert!(all.iter().all(|p| !p.to_string().is_empty()));
}

#[test]
fn a_seeds_file_names_the_bounce_mailbox_and_its_password_source() {
    let file = SeedsFile::parse(
        "[[seed]]\nurl = \"imaps://a@h.example/INBOX\"\npassword_env = \"PW_A\"\n\
         [bounce]\nurl = \"imaps://bounces%40s.example@h.example\"\npassword_file = \"/run/b\"\n",
    )
    .unwrap();
    let bounce = file.bounce.as_ref().unwrap();
    assert_eq!(bounce.url.user(), "bounces@s.example");
    let other_folders = SeedUrl::parse("imaps://bounces%40s.example@H.example/Junk").unwrap();
    assert_eq!(
        file.password_for(&other_folders),
        Some(&PasswordSource::File("/run/b".into()))
    );
    let seed = SeedUrl::parse("imaps://a@h.example").unwrap();
    assert_eq!(
        file.password_for(&seed),
        Some(&PasswordSource::Env("PW_A".into()))
    );
    let elsewhere = SeedUrl::parse("imaps://a@h.example:994").unwrap();
    assert_eq!(file.password_for(&elsewhere), None);
    let e = SeedsFile::parse("[bounce]\nurl = \"imaps://b@h\"\npassword = \"hunter2\"\n")
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("[bounce] in the seeds file:") && !e.contains("hunter2"),
        "{e}"
    );
}

#[test]
fn a_bounce_mailbox_password_never_shows() {
    let url = SeedUrl::parse("imaps://bounces%40a.example@imap.a.example/INBOX").unwrap();
    let ft = FollowThrough::new("<t@a.example>").bounce_mailbox(url, Password::new("hunter2-b"));
    assert!(ft.has_mailboxes());
    assert_eq!(
        ft.bounce_mailbox_url().as_deref(),
        Some("imaps://bounces%40a.example@imap.a.example/INBOX")
    );
    assert!(!format!("{ft:?}").contains("hunter2"));
    assert!(ft.mailboxes().is_empty(), "the bounce mailbox is no seed");
}
