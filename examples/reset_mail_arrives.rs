//! "The password reset mail arrives within 60 s" as a test of your own application: after
//! your code sends the mail, [`FollowThrough`] polls the seed mailbox over IMAP until the
//! message (found by its Message-ID) is there, and tells where it landed, how long it took
//! and what the receiver recorded.
//!
//! Here the mailbox is SMTPing's testkit IMAP server (implicit TLS with the test PKI) and
//! "your application" delivers the mail 2 s after the start:
//!
//! ```text
//! cargo run -p smtping-examples --example reset_mail_arrives
//! ```
//!
//! Against a real mailbox, parse `imaps://USER@HOST/INBOX,Junk` with [`SeedUrl::parse`],
//! take the password from [`Password::from_env`] and drop the `trust`/`connect_to` lines.

use std::time::{Duration, Instant};

use smtping_client::ConnectTo;
use smtping_client::follow::{FollowThrough, Password, SeedUrl, SentAt};
use smtping_client::runtime::tokio::Tokio;
use smtping_client::tls::TrustStore;
use smtping_testkit::imap::{ImapServer, ImapServerTls};
use smtping_testkit::{Scenario, TestPki};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The seed mailbox.
    let pki = TestPki::new()?;
    let config = pki
        .server_cert(Scenario::Valid, &["imap.example.test"])?
        .server_config()?;
    let server = ImapServer::builder()
        .user("seed@example.test", "seed-password")
        .junk_folder("Junk")
        .tls(ImapServerTls::Implicit(config))
        .start()
        .await?;

    // "Your application" sends the reset mail.
    let message_id = "<reset-1234@app.example.test>";
    let sent = Instant::now();
    server.deliver_after(
        "INBOX",
        format!(
            "Authentication-Results: mx.example.test; dkim=pass header.d=app.example.test\r\n\
             Received: from app.example.test by mx.example.test; Tue, 1 Dec 2026 10:00:00 +0000\r\n\
             Message-ID: {message_id}\r\nSubject: Reset your password\r\n\r\nhttps://app.example.test/reset/secret-token\r\n"
        )
        .as_bytes(),
        Duration::from_secs(2),
    );

    // The check.
    let port = server.addr().port();
    let url = SeedUrl::parse(&format!(
        "imaps://seed%40example.test@imap.example.test:{port}"
    ))?;
    let result = FollowThrough::new(message_id)
        .seed(url, Password::new("seed-password"))
        .trust(TrustStore::from_roots(pki.root_store()))
        .connect_to(vec![
            format!("imap.example.test:{port}:127.0.0.1:{port}").parse::<ConnectTo>()?,
        ])
        .sent_at(SentAt::Instant(sent))
        .timeout(Duration::from_secs(60))
        .run(&Tokio)
        .await;

    let seed = &result.seeds[0];
    if !seed.found {
        return Err(format!("the reset mail did not arrive: {:?}", seed.error).into());
    }
    println!(
        "arrived in {} after {} ms ({} polls)",
        seed.folder.as_deref().unwrap_or("?"),
        seed.latency_ms.unwrap_or(0),
        seed.attempts
    );
    for ar in &seed.authentication_results {
        println!("Authentication-Results: {ar}");
    }
    assert!(
        seed.authentication_results
            .iter()
            .any(|a| a.contains("dkim=pass"))
    );
    assert!(!seed.junk, "the reset mail landed in junk");
    Ok(())
}
