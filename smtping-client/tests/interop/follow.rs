//! Follow-through (issue 16) against real servers on both sides: the suite's Postfix relays
//! from its submission port to the receiving MX in the network namespace `smtping-rx`
//! (Postfix with OpenDKIM, OpenDMARC and policyd-spf, Dovecot over IMAP with a Sieve rule
//! filing DMARC failures into Junk, postgrey for greylist@rx.test). See docs/interop.md.

use std::time::{Duration, Instant};

use smtping_classify::receiver::ReceiverVerdict;
use smtping_client::follow::{FollowThrough, Password, PollSchedule, SeedUrl, SentAt};
use smtping_client::runtime::tokio::Tokio;
use smtping_client::tls::TlsOptions;
use smtping_client::{Check, Report, RetryPolicy, Status};
use smtping_proto::Address;
use smtping_proto::session::QuitAfter;

use super::{COMMAND_TIMEOUT, CONNECT_TIMEOUT, Env, run, say};

/// The receiver's mailbox `user` (INBOX and Junk) as a seed URL; the IMAP host name is
/// resolved through Knot.
fn seed(env: &Env, user: &str) -> SeedUrl {
    let (_, port) = env.get("RX_IMAP").rsplit_once(':').unwrap();
    SeedUrl::parse(&format!(
        "imap://{}@{}:{port}/INBOX,Junk",
        user.replace('@', "%40"),
        env.get("RX_IMAP_HOST")
    ))
    .unwrap()
}

fn follow(
    env: &Env,
    message_id: &str,
    user: &str,
    timeout: Duration,
    sent: Instant,
) -> FollowThrough {
    FollowThrough::new(message_id)
        .seed(seed(env, user), Password::new(env.get("RX_PASSWORD")))
        .timeout(timeout)
        .sent_at(SentAt::Instant(sent))
        .tls_options(TlsOptions::default().ca_file(env.ca()))
        .resolvers(vec![env.dns()])
}

/// `true` (after saying why) when the receiver namespace was not set up.
fn no_receiver(env: &Env) -> bool {
    if env.get("RX_KIND") != "netns" {
        say(
            "interop: SKIP follow-through: no network namespace at setup (SMTPING_INTEROP_RX_KIND=none)",
        );
        return true;
    }
    false
}

/// The test message submitted to the suite's Postfix (AUTH on its submission port), which
/// relays it to the receiver.
fn submit(env: &Env, from: &str, to: &str) -> Check {
    env.check("POSTFIX_SUBMISSION")
        .auth(env.credentials())
        .envelope(Address::new(from).unwrap(), vec![Address::new(to).unwrap()])
}

fn accepted(r: &Report) -> String {
    assert_eq!(r.delivery.outcome.as_str(), "accepted", "{}", r.summary);
    r.delivery
        .message_id
        .clone()
        .expect("a Message-ID was sent")
}

#[tokio::test]
async fn relayed_mail_lands_in_inbox_with_spf_and_dmarc_pass() {
    let env = env_or_skip!();
    if no_receiver(&env) {
        return;
    }
    let sent = Instant::now();
    let r = run(submit(&env, env.get("TX_FROM"), env.get("RX_USER"))).await;
    let mid = accepted(&r);
    let result = follow(
        &env,
        &mid,
        env.get("RX_USER"),
        Duration::from_secs(60),
        sent,
    )
    .run(&Tokio)
    .await;
    let s = &result.seeds[0];
    assert!(s.found, "{s:?}");
    assert_eq!(s.folder.as_deref(), Some("INBOX"), "{s:?}");
    assert!(!s.junk);
    assert!(s.tls, "STARTTLS before LOGIN");
    say(&format!(
        "interop: follow-through INBOX: found after {:?} ms, {} poll(s)",
        s.latency_ms, s.attempts
    ));
    let header = s.header.as_deref().unwrap();
    let v = ReceiverVerdict::from_message(header.as_bytes(), Some("mx.rx.test"));
    assert_eq!(v.spf.as_ref().map(|r| r.as_str()), Some("pass"), "{v:?}");
    assert_eq!(
        v.dmarc.as_ref().map(|d| d.result.as_str()),
        Some("pass"),
        "{v:?}"
    );
    assert!(
        v.received.len() >= 2,
        "the relay's and the receiver's Received: {:?}",
        v.received
    );
}

#[tokio::test]
async fn dmarc_failure_lands_in_junk_with_spf_fail_visible() {
    let env = env_or_skip!();
    if no_receiver(&env) {
        return;
    }
    let sent = Instant::now();
    let r = run(submit(&env, env.get("TX_FROM_NOSPF"), env.get("RX_USER"))).await;
    let mid = accepted(&r);
    let result = follow(
        &env,
        &mid,
        env.get("RX_USER"),
        Duration::from_secs(60),
        sent,
    )
    .run(&Tokio)
    .await;
    let s = &result.seeds[0];
    assert!(s.found, "{s:?}");
    assert_eq!(s.folder.as_deref(), Some("Junk"), "{s:?}");
    assert!(s.junk);
    let ids: Vec<&str> = s.problems().iter().map(|p| p.finding_id()).collect();
    assert!(ids.contains(&"follow_through.junk"), "{ids:?}");
    let v =
        ReceiverVerdict::from_message(s.header.as_deref().unwrap().as_bytes(), Some("mx.rx.test"));
    assert_eq!(v.spf.as_ref().map(|r| r.as_str()), Some("fail"), "{v:?}");
    assert_eq!(
        v.dmarc.as_ref().map(|d| d.result.as_str()),
        Some("fail"),
        "{v:?}"
    );
}

#[tokio::test]
async fn a_discarded_message_is_never_found_by_the_deadline() {
    let env = env_or_skip!();
    if no_receiver(&env) {
        return;
    }
    let sent = Instant::now();
    let r = run(submit(&env, env.get("TX_FROM"), env.get("RX_LOST"))).await;
    let mid = accepted(&r);
    let t = Instant::now();
    let result = follow(&env, &mid, env.get("RX_LOST"), Duration::from_secs(6), sent)
        .poll_schedule(PollSchedule::default())
        .run(&Tokio)
        .await;
    let s = &result.seeds[0];
    assert!(!s.found, "{s:?}");
    // Every poll worked; the only "error" is the deadline passing without a match.
    let error = s
        .error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_default();
    assert!(error.starts_with("not found within 6 s"), "{error}");
    let ids: Vec<&str> = s.problems().iter().map(|p| p.finding_id()).collect();
    assert!(ids.contains(&"follow_through.not_found"), "{ids:?}");
    // Bounded by the deadline (a guard, not a performance assertion).
    assert!(t.elapsed() < Duration::from_secs(60));
}

/// postgrey on the receiver greylists greylist@rx.test for 20 s; `--retry-deferred` with a
/// 25 s wait gets through on the second attempt, straight to the receiving MX.
#[tokio::test]
async fn greylisted_by_postgrey_then_accepted_on_the_retry() {
    let env = env_or_skip!();
    if no_receiver(&env) {
        return;
    }
    // A sender never seen before (postgrey folds digits, so letters): a new triplet.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let local: String = format!("{nanos:08x}")
        .bytes()
        .map(|b| {
            char::from(if b.is_ascii_digit() {
                b - b'0' + b'g'
            } else {
                b
            })
        })
        .collect();
    let check = Check::parse(env.get("RX_MX"))
        .unwrap()
        .ca_file(env.ca())
        .sni(env.get("RX_MX_HOST"))
        .connect_timeout(CONNECT_TIMEOUT)
        .command_timeout(COMMAND_TIMEOUT)
        .envelope(
            Address::new(&format!("grey-{local}@tx.test")).unwrap(),
            vec![Address::new(env.get("RX_GREYLIST")).unwrap()],
        )
        .quit_after(QuitAfter::Rcpt)
        .retry_deferred(
            RetryPolicy::new(vec![Duration::from_secs(25)], Duration::from_secs(120)).unwrap(),
        );
    let r = run(check).await;
    let outcomes: Vec<&str> = r
        .delivery
        .attempts
        .iter()
        .map(|a| a.outcome.as_str())
        .collect();
    assert_eq!(outcomes, ["deferred", "accepted"], "{:?}", r.delivery);
    assert_eq!(
        r.delivery.attempts[0].reply.as_ref().map(|x| x.code),
        Some(450)
    );
    let conclusion = r.delivery.retry_conclusion.as_deref().unwrap();
    assert!(
        conclusion.starts_with("greylisted: accepted on attempt 2 after "),
        "{conclusion}"
    );
    assert_eq!(r.delivery.status, Status::Green);
    say(&format!("interop: retry: {conclusion}"));
}

/// The test message signed with the tx.test key (`--dkim-key`): the receiver's OpenDKIM
/// verifies it against the published record and OpenDMARC passes it on the aligned signature,
/// even for a MAIL FROM domain whose SPF fails. The whole path runs through the check engine:
/// delivery, then the follow-through seed, then the receiver's verdict in the report.
#[tokio::test]
async fn a_dkim_signed_message_passes_at_the_receiver_rsa_and_ed25519() {
    let env = env_or_skip!();
    if no_receiver(&env) {
        return;
    }
    for (key, selector) in [
        (env.get("TX_DKIM_RSA_KEY"), env.get("TX_DKIM_RSA_SELECTOR")),
        (env.get("TX_DKIM_ED_KEY"), env.get("TX_DKIM_ED_SELECTOR")),
    ] {
        let signer = smtping_client::dkim_sign::DkimSigner::from_pem_file(
            key,
            selector,
            env.get("TX_DOMAIN"),
        )
        .unwrap();
        let seeds = FollowThrough::for_check()
            .seed(
                seed(&env, env.get("RX_USER")),
                Password::new(env.get("RX_PASSWORD")),
            )
            .timeout(Duration::from_secs(60))
            .tls_options(TlsOptions::default().ca_file(env.ca()))
            .resolvers(vec![env.dns()]);
        let check = submit(&env, env.get("TX_FROM"), env.get("RX_USER"))
            .resolver(env.dns())
            .dkim_signer(signer)
            .follow_through(seeds);
        let r = run(check).await;
        accepted(&r);
        // The probe's own signals count the signature: aligned DKIM, so no "would fail".
        let dmarc = r.signals.as_ref().and_then(|s| s.dmarc.as_ref());
        assert!(dmarc.is_some_and(|d| d.dkim_aligned), "{dmarc:?}");
        assert!(
            !r.findings
                .iter()
                .any(|f| f.id.as_str() == "dmarc.would_fail"),
            "{:?}",
            r.findings
        );
        let f = r.follow_through.as_ref().expect("follow_through area");
        let s = &f.seeds[0];
        assert!(s.found, "{selector}: {f:?}");
        assert_eq!(s.folder.as_deref(), Some("INBOX"), "{selector}: {f:?}");
        let ar = &s.authentication_results;
        let dkim: Vec<(&str, Option<&str>, Option<&str>)> = ar
            .dkim
            .iter()
            .map(|d| {
                (
                    d.result.as_str(),
                    d.domain.as_deref(),
                    d.selector.as_deref(),
                )
            })
            .collect();
        assert!(
            dkim.contains(&("pass", Some("tx.test"), Some(selector))),
            "{selector}: {ar:?}"
        );
        assert_eq!(ar.dmarc.as_deref(), Some("pass"), "{selector}: {ar:?}");
        assert_eq!(f.status, Status::Green, "{selector}: {f:?}");
        say(&format!(
            "interop: follow-through, DKIM {selector}: found in INBOX after {:?} ms",
            s.latency_ms
        ));
    }
}

/// Accepted by the relay then bounced by the receiver: the suite's Postfix takes the message
/// for nobody@rx.test at the final dot, the receiving MX refuses the recipient (550 5.1.1),
/// and the relay's DSN comes back to bounces@rx.test (filed into Junk by the receiver's
/// Sieve rule: MAILER-DAEMON@interop.test fails DMARC). The check engine watches that
/// mailbox (`--bounce-mailbox`) and the report says hard, 5.1.1, red.
#[tokio::test]
async fn accepted_by_the_relay_then_bounced_by_the_receiver() {
    let env = env_or_skip!();
    if no_receiver(&env) {
        return;
    }
    let watch = FollowThrough::for_check()
        .bounce_mailbox(
            seed(&env, env.get("RX_BOUNCES")),
            Password::new(env.get("RX_PASSWORD")),
        )
        .timeout(Duration::from_secs(120))
        .tls_options(TlsOptions::default().ca_file(env.ca()))
        .resolvers(vec![env.dns()]);
    let check = submit(&env, env.get("RX_BOUNCES"), env.get("RX_UNKNOWN")).follow_through(watch);
    let r = run(check).await;
    accepted(&r);
    let f = r.follow_through.as_ref().expect("follow_through area");
    let b = f.bounce.as_ref().expect("the bounce watch");
    assert!(b.watched && b.found, "{f:?}");
    let dsn = b.dsn.as_ref().unwrap();
    assert!(dsn.hard, "{dsn:?}");
    assert_eq!(dsn.status.as_deref(), Some("5.1.1"), "{dsn:?}");
    assert_eq!(dsn.action.as_deref(), Some("failed"), "{dsn:?}");
    assert_eq!(dsn.reason.as_deref(), Some("mailbox_unknown"), "{dsn:?}");
    // The relay (Postfix) offers DSN: MAIL carried an ENVID, and its DSN was tied to the
    // message by the Original-Envelope-Id it returned.
    assert_eq!(
        b.matched_by,
        Some(smtping_classify::bounce::MatchedBy::EnvelopeId),
        "{b:?}"
    );
    assert_eq!(f.status, Status::Red, "{f:?}");
    assert!(
        f.findings.iter().any(|x| x.id == "bounce.hard"),
        "{:?}",
        f.findings
    );
    let line = b.line(f.accepted_at.as_deref());
    assert!(
        line.contains(", bounced at ") && line.ends_with("(hard)"),
        "{line}"
    );
    say(&format!(
        "interop: bounce: found after {:?} ms, {} poll(s): {line}",
        b.latency_ms, b.attempts
    ));
}
