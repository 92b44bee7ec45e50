//! The demo's follow-through scene (issue 16): "Did it land?". The check delivers its test
//! message to the loopback SMTP server while a task plays the receiving side: it copies
//! each message that server accepted into the loopback IMAP server's INBOX, with the
//! `Authentication-Results` field a receiver would write, and the check's `--seed` finds
//! it there. The receiver also forwards a copy to an address that no longer exists; the
//! next server refuses it and a DSN (`550 5.1.1`) comes back to the sender's mailbox a
//! little later, where `--bounce-mailbox` finds it: accepted at the dot, bounced later.

use std::sync::Arc;
use std::time::Duration;

use smtping_client::follow::{FollowThrough, Password, PollSchedule, SeedUrl};
use smtping_client::tls::TlsOptions;
use smtping_client::{ConnectTo, Report, Status};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::DnsResponder;
use smtping_testkit::imap::{Dsn, ImapServer, ImapServerTls};
use smtping_testkit::server::{ServerTls, TestServer};

use super::{MX, demo_check};

/// The seed mailbox's IMAP host (reached on loopback through `--connect-to`).
const IMAP_HOST: &str = "imap.demo.test";
/// The seed mailbox (the check's recipient is delivered into it).
const SEED_USER: &str = "postmaster@demo.test";
/// What the demo's receiver records about each message.
const VERDICT: &[u8] = b"Authentication-Results: mx.demo.test; spf=pass smtp.mailfrom=smtping.example;\r\n dkim=none; dmarc=pass header.from=smtping.example\r\n";
/// How long the demo's receiver takes to file a message.
const FILING_DELAY: Duration = Duration::from_millis(400);
/// The sender's mailbox, where bounces come back (the check's MAIL FROM).
const BOUNCE_USER: &str = "probe@smtping.example";
/// Its folder on the demo's IMAP server.
const BOUNCE_FOLDER: &str = "Bounces";
/// The forwarded copy's recipient, gone.
const GONE: &str = "old-alias@gone.example";
/// How long after the final dot the bounce comes back.
const BOUNCE_DELAY: Duration = Duration::from_millis(1200);

/// The scene's title and story.
pub(super) const FOLLOW_SCENE: (&str, &str) = (
    "Did it land?",
    "--seed imap://postmaster%40demo.test@imap.demo.test --bounce-mailbox imap://probe%40smtping.example@imap.demo.test/Bounces: after the 250 at the final dot, SMTPing logs in to a seed mailbox over IMAP (STARTTLS, read-only) and polls it for the test message's Message-ID. The receiver files it in INBOX a moment later with spf=pass dkim=none dmarc=pass: the card shows where it landed, how long after the final dot, and the receiver's verdict. It also forwards a copy to an address that is gone: a second later a 550 5.1.1 DSN arrives in the sender's mailbox, which SMTPing watches at the same time. Accepted at the dot, bounced later: red, with the bounce line.",
);

/// What the check must find.
pub(super) fn expect(r: &Report) -> bool {
    r.follow_through.as_ref().is_some_and(|f| {
        f.status == Status::Red
            && f.seeds.first().is_some_and(|s| {
                s.found
                    && s.folder.as_deref() == Some("INBOX")
                    && s.authentication_results.dmarc.as_deref() == Some("pass")
            })
            && f.bounce.as_ref().is_some_and(|b| {
                b.found
                    && b.dsn
                        .as_ref()
                        .is_some_and(|d| d.hard && d.status.as_deref() == Some("5.1.1"))
            })
    })
}

/// Plays the scene: starts the SMTP and IMAP servers and the copier, runs the check.
pub(super) async fn play(pki: &TestPki, dns: &DnsResponder) -> Result<Report, String> {
    let cert = |names: &[&str]| {
        pki.server_cert(Scenario::Valid, names)
            .map_err(|e| format!("making the demo certificate: {e}"))
    };
    let smtp = TestServer::builder()
        .hostname(MX)
        .extensions(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"])
        .tls(ServerTls::starttls(cert(&[MX])?))
        .start()
        .await
        .map_err(|e| format!("starting the demo server: {e}"))?;
    let imap_config = cert(&[IMAP_HOST])?
        .server_config()
        .map_err(|e| format!("making the demo IMAP TLS configuration: {e}"))?;
    // A demo-only password for a mailbox that exists in this process alone.
    let password = format!("demo-{:x}", std::process::id());
    let imap = ImapServer::builder()
        .user(SEED_USER, &password)
        .user(BOUNCE_USER, &password)
        .junk_folder("Junk")
        .folder(BOUNCE_FOLDER)
        .tls(ImapServerTls::StartTls(imap_config))
        .start()
        .await
        .map_err(|e| format!("starting the demo IMAP server: {e}"))?;
    let smtp = Arc::new(smtp);
    let imap = Arc::new(imap);
    let copier = tokio::spawn(copy_into_inbox(Arc::clone(&smtp), Arc::clone(&imap)));
    let port = imap.addr().port();
    let seed = SeedUrl::parse(&format!("imap://postmaster%40demo.test@{IMAP_HOST}:{port}"))
        .map_err(|e| e.to_string())?;
    let bounces = SeedUrl::parse(&format!(
        "imap://probe%40smtping.example@{IMAP_HOST}:{port}/{BOUNCE_FOLDER}"
    ))
    .map_err(|e| e.to_string())?;
    let rule: ConnectTo = format!("{IMAP_HOST}:{port}:127.0.0.1:{port}")
        .parse()
        .map_err(|e: smtping_client::ConnectToError| e.to_string())?;
    let follow = FollowThrough::for_check()
        .seed(seed, Password::new(password.clone()))
        .bounce_mailbox(bounces, Password::new(password))
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der()),
        )
        .connect_to(vec![rule])
        .poll_schedule(PollSchedule {
            first: Duration::from_millis(200),
            max: Duration::from_millis(500),
        })
        .timeout(Duration::from_secs(10));
    let report = demo_check(&format!("{MX}:{}", smtp.addr().port()), dns, pki)?
        .follow_through(follow)
        .run()
        .await;
    copier.abort();
    Ok(report)
}

/// The receiving side: every message the SMTP server accepted goes into INBOX with the
/// receiver's verdict on top, [`FILING_DELAY`] later; the forwarded copy's bounce comes
/// back to the sender's mailbox [`BOUNCE_DELAY`] later.
async fn copy_into_inbox(smtp: Arc<TestServer>, imap: Arc<ImapServer>) {
    let mut copied = 0;
    loop {
        let delivered = smtp.delivered();
        for t in delivered.iter().skip(copied) {
            if let Some(m) = &t.message {
                let raw = [VERDICT, m.body.as_slice()].concat();
                imap.deliver_after("INBOX", &raw, FILING_DELAY);
                if let Some(id) = message_id(&m.body) {
                    let mut dsn = Dsn::failed(&id, GONE);
                    dsn.reporting_mta = "mx.demo.test".into();
                    dsn.remote_mta = Some("mx.gone.example".into());
                    imap.deliver_after(BOUNCE_FOLDER, &dsn.to_bytes(), BOUNCE_DELAY);
                }
            }
            copied += 1;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The `Message-ID` of a message's header block.
fn message_id(raw: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(raw);
    text.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("Message-ID")
            .then(|| value.trim().to_owned())
    })
}
