use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn dialogue(server: &ImapServer, script: &[u8]) -> String {
    let mut c = TcpStream::connect(server.addr()).await.unwrap();
    c.write_all(script).await.unwrap();
    let mut out = String::new();
    tokio::time::timeout(Duration::from_secs(10), c.read_to_string(&mut out))
        .await
        .unwrap()
        .unwrap();
    out
}

const MSG: &[u8] = b"Message-ID: <m1@example.org>\r\nFrom: App <app@example.org>\r\nSubject: Password\r\n reset\r\n\r\nbody text\r\n";

#[test]
fn searches_fetches_headers_only_and_expunges_by_uid() {
    rt().block_on(async {
        let server = ImapServer::builder().user("u", "p").junk_folder("Junk").start().await.unwrap();
        let keep = server.deliver("INBOX", b"Subject: other\r\n\r\nx\r\n");
        let uid = server.deliver("INBOX", MSG);
        let out = dialogue(
            &server,
            format!(
                "a LOGIN u p\r\nb LIST \"\" \"*\"\r\nc EXAMINE INBOX\r\nd UID SEARCH HEADER Message-ID <m1@example.org>\r\n\
                 e UID SEARCH SUBJECT \"password reset\" FROM app SINCE 1-Jan-2000\r\n\
                 f UID FETCH {uid} (UID INTERNALDATE BODY.PEEK[HEADER])\r\ng UID STORE {uid} +FLAGS.SILENT (\\Deleted)\r\n\
                 h SELECT INBOX\r\ni UID STORE {uid} +FLAGS.SILENT (\\Deleted)\r\nj UID EXPUNGE {uid}\r\nk LOGOUT\r\n"
            )
            .as_bytes(),
        )
        .await;
        assert!(out.contains("* LIST (\\HasNoChildren \\Junk) \"/\" \"Junk\""), "{out}");
        assert!(out.contains("c OK [READ-ONLY]"));
        assert!(out.contains(&format!("* SEARCH {uid}\r\nd OK")), "{out}");
        assert!(out.contains(&format!("* SEARCH {uid}\r\ne OK")), "{out}");
        assert!(out.contains("BODY[HEADER] {"), "{out}");
        assert!(!out.contains("body text"));
        assert!(out.contains("g NO read-only"));
        assert!(out.contains("j OK"));
        let left = server.messages("INBOX");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].uid, keep);
        assert_eq!(server.commands()[0], "a LOGIN u ****");
    });
}

#[test]
fn authenticate_plain_with_and_without_initial_response() {
    rt().block_on(async {
        let server = ImapServer::builder().user("u", "p").start().await.unwrap();
        // "\0u\0p" = AHUAcA==
        let out = dialogue(&server, b"a AUTHENTICATE PLAIN AHUAcA==\r\nb AUTHENTICATE PLAIN\r\nAHUAcA==\r\nc AUTHENTICATE PLAIN AHUAeA==\r\nd LOGOUT\r\n").await;
        assert!(out.contains("a OK"), "{out}");
        assert!(out.contains("+ \r\nb OK"), "{out}");
        assert!(out.contains("c NO"), "{out}");
        assert!(server.commands().iter().all(|c| !c.contains("AHUAcA")));
    });
}

#[test]
fn a_message_delivered_later_appears_later() {
    rt().block_on(async {
        let server = ImapServer::builder().user("u", "p").start().await.unwrap();
        server.deliver_after("Spam", MSG, Duration::from_millis(200));
        assert!(server.messages("Spam").is_empty());
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(server.messages("Spam").len(), 1);
    });
}

#[test]
fn hostile_modes_misbehave() {
    rt().block_on(async {
        let server = ImapServer::builder()
            .user("u", "p")
            .hostile(ImapHostile::EchoPasswordInNo)
            .start()
            .await
            .unwrap();
        let out = dialogue(&server, b"a LOGIN u p-secret\r\nb LOGOUT\r\n").await;
        assert!(
            out.contains("a NO [AUTHENTICATIONFAILED] wrong password p-secret"),
            "{out}"
        );

        let server = ImapServer::builder()
            .user("u", "p")
            .hostile(ImapHostile::HugeLiteral)
            .start()
            .await
            .unwrap();
        let uid = server.deliver("INBOX", MSG);
        let mut c = TcpStream::connect(server.addr()).await.unwrap();
        c.write_all(
            format!("a LOGIN u p\r\nb EXAMINE INBOX\r\nc UID FETCH {uid} (BODY.PEEK[HEADER])\r\n")
                .as_bytes(),
        )
        .await
        .unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 65536];
        while got.len() < 200_000 {
            let n = c.read(&mut buf).await.unwrap();
            assert!(n > 0);
            got.extend_from_slice(&buf[..n]);
        }
        assert!(String::from_utf8_lossy(&got).contains("{1073741824}"));
    });
}

#[test]
fn dates_are_imap_dates() {
    let t = UNIX_EPOCH + Duration::from_secs(1_796_119_205);
    assert_eq!(imap_date_time(t), "01-Dec-2026 10:00:05 +0000");
    assert_eq!(parse_imap_date("1-Dec-2026"), Some(1_796_119_205 / 86_400));
    assert_eq!(parse_imap_date("1-Foo-2026"), None);
    let now = SystemTime::now();
    let days = unix_seconds(now).div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    assert_eq!(days_from_civil(y, m, d), days);
}

#[test]
fn tokens_cover_quotes_lists_literals_and_brackets() {
    let t = command::tokenize(
        b"a UID FETCH 5 (UID BODY.PEEK[HEADER.FIELDS (A B)]) \"q \\\" x\" {3}\r\nabc tail",
    );
    let texts: Vec<String> = t.iter().map(command::Token::text).collect();
    assert_eq!(
        texts,
        vec![
            "a",
            "UID",
            "FETCH",
            "5",
            "(UID BODY.PEEK[HEADER.FIELDS (A B)])",
            "q \" x",
            "abc",
            "tail"
        ]
    );
}

#[test]
fn holds_a_dsn_found_by_text_sized_and_fetched_whole_without_seen() {
    rt().block_on(async {
        let server = ImapServer::builder().user("u", "p").start().await.unwrap();
        let other = server.deliver("INBOX", b"Subject: other\r\n\r\nx\r\n");
        let uid = server.deliver_dsn("INBOX", &Dsn::failed("<m1@example.org>", "nobody@rx.test"));
        let raw = server.messages("INBOX")[1].raw.clone();
        let text = String::from_utf8(raw.clone()).unwrap();
        assert!(text.contains("multipart/report; report-type=delivery-status"));
        assert!(text.contains("Status: 5.1.1"));
        let out = dialogue(
            &server,
            format!(
                "a LOGIN u p\r\nb EXAMINE INBOX\r\nc UID SEARCH SINCE 1-Jan-2000 TEXT \"<M1@example.org>\"\r\n\
                 d UID FETCH {other}:{uid} (UID RFC822.SIZE)\r\ne UID FETCH {uid} (UID INTERNALDATE BODY.PEEK[])\r\n\
                 f SELECT INBOX\r\ng UID FETCH {uid} (UID BODY.PEEK[])\r\nh LOGOUT\r\n"
            )
            .as_bytes(),
        )
        .await;
        assert!(out.contains(&format!("* SEARCH {uid}\r\nc OK")), "{out}");
        assert!(out.contains(&format!("UID {other} RFC822.SIZE 21)")), "{out}");
        assert!(out.contains(&format!("UID {uid} RFC822.SIZE {})", raw.len())), "{out}");
        assert!(out.contains(&format!("BODY[] {{{}}}\r\n", raw.len())), "{out}");
        assert!(server.messages("INBOX")[1].flags.is_empty(), "PEEK never sets \\Seen");
    });
}
