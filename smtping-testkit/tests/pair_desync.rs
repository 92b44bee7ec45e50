//! Issue 11, protocol core: replies that cannot be trusted (unsolicited, more than the
//! commands, or of the wrong kind for their command), the data phase after a refused
//! pipelined MAIL, and secrets a server echoes back. Each scenario is a scripted server
//! played against the client session in a [`Pair`] (simulated time, no sockets): what the
//! server writes before it has read the command is exactly what a real socket delivers
//! early.
//!
//! Run: `cargo test -p smtping-testkit --test pair_desync`.

use std::time::Duration;

use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    AuthPlan, DeliveryStatus, Envelope, ErrorKind, MechanismChoice, Message, Observation, Outcome,
    Phase, Plan, Timeouts, TlsPolicy,
};
use smtping_proto::{Address, AuthMechanism, Domain};
use smtping_testkit::pair::{Pair, PairRun};
use smtping_testkit::server::{Script, SessionEnd, TestServer};

const GREETING: &str = "220 mx.test ESMTP\r\n";
const EHLO_PIPELINING: &str = "250-mx.test\r\n250 PIPELINING\r\n";
const EHLO_PLAIN: &str = "250 mx.test\r\n";

fn addr(a: &str) -> Address {
    Address::new(a).unwrap()
}

fn plan(recipients: &[&str]) -> Plan {
    Plan::new(Domain::ehlo_name("client.test").unwrap())
        .tls(TlsPolicy::None)
        .timeouts(Timeouts::all(Duration::from_secs(30)))
        .envelope(Envelope::new(
            addr("probe@client.test"),
            recipients.iter().map(|r| addr(r)).collect(),
        ))
        .message(Message::Raw(b"Subject: test\r\n\r\nHello\r\n".to_vec()))
}

fn run(plan: Plan, script: Script) -> PairRun {
    let server = TestServer::builder().script(script).plan().unwrap();
    Pair::new(plan, server).capture(true).run().unwrap()
}

fn error_kind(o: &Outcome) -> Option<(Phase, ErrorKind)> {
    o.error.as_ref().map(|e| (e.phase, e.kind))
}

fn message(o: &Outcome) -> &str {
    o.error.as_ref().map_or("", |e| e.message.as_str())
}

fn recipients(o: &Outcome) -> Vec<DeliveryStatus> {
    o.delivery.recipients.iter().map(|r| r.status).collect()
}

fn unmatched(o: &Outcome) -> bool {
    o.observations
        .iter()
        .any(|x| matches!(x, Observation::RepliesUnmatched { .. }))
}

/// The whole unmatched-replies verdict: nothing is believed.
fn assert_unmatched(o: &Outcome) {
    assert_eq!(o.delivery.status, DeliveryStatus::Unknown, "{:?}", o.error);
    assert!(
        recipients(o).iter().all(|s| *s == DeliveryStatus::Unknown),
        "{:?}",
        recipients(o)
    );
    assert_eq!(o.error.as_ref().map(|e| e.kind), Some(ErrorKind::Protocol));
    assert!(unmatched(o), "{:?}", o.observations);
    assert!(o.delivery.reply.is_none(), "{:?}", o.delivery.reply);
}

#[test]
fn a_250_glued_to_the_greeting_is_not_the_ehlo_reply() {
    let script = Script::new()
        .send(format!("{GREETING}250-evil.test\r\n250 AUTH PLAIN\r\n"))
        .expect_line("EHLO")
        .answer_all("\r\n");
    let r = run(plan(&["a@mx.test"]), script);
    let o = &r.outcome;
    assert_eq!(
        error_kind(o),
        Some((Phase::Ehlo, ErrorKind::Protocol)),
        "{}",
        message(o)
    );
    assert!(
        message(o).contains("unsolicited reply at EHLO"),
        "{}",
        message(o)
    );
    assert!(
        o.observations
            .contains(&Observation::UnsolicitedReply { phase: Phase::Ehlo })
    );
    assert!(
        o.extensions.is_none(),
        "the injected reply became the EHLO reply"
    );
    assert_eq!(o.delivery.status, DeliveryStatus::NotTested);
}

#[test]
fn a_250_glued_to_the_354_is_not_the_final_dot_reply() {
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PLAIN)
        .expect_line("MAIL")
        .send("250 2.1.0 Ok\r\n")
        .expect_line("RCPT")
        .send("250 2.1.5 Ok\r\n")
        .expect_line("DATA")
        .send("354 go\r\n250 2.0.0 queued as FAKE\r\n")
        .expect_data()
        .send("550 5.7.1 message refused\r\n")
        .answer_all("\r\n");
    let r = run(plan(&["a@mx.test"]), script);
    let o = &r.outcome;
    assert_ne!(o.delivery.status, DeliveryStatus::Accepted);
    assert_eq!(o.delivery.status, DeliveryStatus::Unknown);
    assert_eq!(error_kind(o), Some((Phase::DataEnd, ErrorKind::Protocol)));
    assert!(
        message(o).contains("unsolicited reply at"),
        "{}",
        message(o)
    );
    assert!(o.observations.contains(&Observation::UnsolicitedReply {
        phase: Phase::DataEnd
    }));
    assert!(recipients(o).iter().all(|s| *s == DeliveryStatus::Unknown));
    // The message was not sent after bytes that cannot be trusted.
    let sent = String::from_utf8_lossy(&r.client_bytes);
    assert!(!sent.contains("Hello"), "{sent}");
}

#[test]
fn one_extra_250_in_a_pipelined_group_matches_nothing() {
    // The real answers: MAIL 250, first RCPT 550, second RCPT 250, DATA 354; an extra
    // 250 in front shifts them all (the refused recipient would look accepted).
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PIPELINING)
        .expect_line("MAIL")
        .expect_line("RCPT")
        .expect_line("RCPT")
        .expect_line("DATA")
        .send("250 2.0.0 extra\r\n250 2.1.0 Ok\r\n550 5.1.1 no such user\r\n250 2.1.5 Ok\r\n354 go\r\n")
        .answer_all("\r\n");
    let r = run(plan(&["nobody@mx.test", "alice@mx.test"]), script);
    assert_unmatched(&r.outcome);
    assert!(r.outcome.delivery.pipelined);
}

#[test]
fn one_extra_250_after_a_pipelined_group_matches_nothing() {
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PIPELINING)
        .expect_line("MAIL")
        .expect_line("RCPT")
        .expect_line("RCPT")
        .expect_line("DATA")
        .send("250 2.1.0 Ok\r\n550 5.1.1 no such user\r\n250 2.1.5 Ok\r\n354 go\r\n250 2.0.0 extra\r\n")
        .answer_all("\r\n");
    let r = run(plan(&["nobody@mx.test", "alice@mx.test"]), script);
    assert_unmatched(&r.outcome);
    let sent = String::from_utf8_lossy(&r.client_bytes);
    assert!(!sent.contains("Hello"), "{sent}");
}

#[test]
fn one_extra_250_without_pipelining_matches_nothing() {
    // One command at a time, the extra reply arriving after RCPT went out: it is taken
    // for the RCPT reply, and the real RCPT reply (a 2xx) then answers DATA, which is
    // the wrong kind of reply for DATA.
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PLAIN)
        .expect_line("MAIL")
        .send("250 2.1.0 Ok\r\n")
        .expect_line("RCPT")
        .send("250 2.0.0 extra\r\n")
        .expect_line("DATA")
        .send("250 2.1.5 Ok\r\n354 go\r\n")
        .answer_all("\r\n");
    let r = run(plan(&["alice@mx.test"]), script);
    assert_unmatched(&r.outcome);
    assert!(!r.outcome.delivery.pipelined);
}

#[test]
fn a_250_to_data_is_never_a_delivery() {
    for pipelining in [false, true] {
        let ehlo = if pipelining {
            EHLO_PIPELINING
        } else {
            EHLO_PLAIN
        };
        let script = Script::new()
            .send(GREETING)
            .expect_line("EHLO")
            .send(ehlo)
            .expect_line("MAIL")
            .send("250 2.1.0 Ok\r\n")
            .expect_line("RCPT")
            .send("250 2.1.5 Ok\r\n")
            .expect_line("DATA")
            .send("250 2.0.0 Ok: queued as FAKE\r\n")
            .answer_all("\r\n");
        let r = run(plan(&["alice@mx.test"]), script);
        assert_unmatched(&r.outcome);
        assert!(
            message(&r.outcome).contains("DATA"),
            "{}",
            message(&r.outcome)
        );
    }
}

#[test]
fn a_354_to_mail_decides_nothing() {
    for pipelining in [false, true] {
        let ehlo = if pipelining {
            EHLO_PIPELINING
        } else {
            EHLO_PLAIN
        };
        let script = Script::new()
            .send(GREETING)
            .expect_line("EHLO")
            .send(ehlo)
            .expect_line("MAIL")
            .send("354 go ahead\r\n")
            .answer_all("\r\n");
        let r = run(plan(&["alice@mx.test"]), script);
        let o = &r.outcome;
        assert_unmatched(o);
        assert_eq!(o.delivery.phase, Some(Phase::Mail));
        assert!(message(o).contains("354"), "{}", message(o));
    }
}

#[test]
fn refused_mail_with_354_to_data_ends_the_data_phase_before_quit() {
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PIPELINING)
        .expect_line("MAIL")
        .expect_line("RCPT")
        .expect_line("DATA")
        .send("553 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n354 go\r\n")
        .expect_line(".")
        .send("503 5.5.1 no transaction\r\n")
        .expect_line("QUIT")
        .send("221 bye\r\n")
        .close();
    let r = run(plan(&["alice@mx.test"]), script);
    let o = &r.outcome;
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.delivery.status, DeliveryStatus::Bounced);
    assert_eq!(o.delivery.phase, Some(Phase::Mail));
    assert!(
        r.client_elapsed < Duration::from_secs(1),
        "QUIT waited inside the data phase: {:?}",
        r.client_elapsed
    );
    assert_eq!(r.server_end, SessionEnd::ServerClosed, "{}", r.server_end);
    let sent = String::from_utf8_lossy(&r.client_bytes);
    assert!(sent.ends_with("DATA\r\n.\r\nQUIT\r\n"), "{sent}");
    assert!(!o.observations.contains(&Observation::QuitNotAcknowledged));
}

#[test]
fn a_final_dot_reply_glued_to_a_221_keeps_the_delivery() {
    // An early goodbye after a real answer to the final dot changes nothing.
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PLAIN)
        .expect_line("MAIL")
        .send("250 2.1.0 Ok\r\n")
        .expect_line("RCPT")
        .send("250 2.1.5 Ok\r\n")
        .expect_line("DATA")
        .send("354 go\r\n")
        .expect_data()
        .send("250 2.0.0 queued\r\n221 2.0.0 bye\r\n")
        .close();
    let r = run(plan(&["alice@mx.test"]), script);
    let o = &r.outcome;
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.delivery.status, DeliveryStatus::Accepted);
}

fn auth_plan(user: &str, pass: &str, mechanism: AuthMechanism) -> Plan {
    let mut a = AuthPlan::new(Credentials::new(user, pass));
    a.mechanism = MechanismChoice::Exactly(mechanism);
    a.allow_plaintext_without_tls = true;
    Plan::new(Domain::ehlo_name("client.test").unwrap())
        .tls(TlsPolicy::None)
        .auth(a)
}

/// Everything of the outcome a person or a program sees, as text.
fn shown(r: &PairRun) -> String {
    let o = &r.outcome;
    let mut all = format!(
        "{}\n{:?}\n{:?}\n{:?}\n",
        o.transcript, o.auth, o.error, r.events
    );
    if let Some(e) = &o.error {
        all.push_str(&e.message);
        if let Some(reply) = &e.reply {
            all.push_str(&String::from_utf8_lossy(reply.as_bytes()));
        }
    }
    if let Some(reply) = o.auth.as_ref().and_then(|a| a.reply.as_ref()) {
        all.push_str(&String::from_utf8_lossy(reply.as_bytes()));
    }
    all
}

#[test]
fn a_535_echoing_the_auth_plain_payload_leaks_nothing() {
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send("250-mx.test\r\n250 AUTH PLAIN LOGIN\r\n")
        .expect_line("AUTH PLAIN")
        .send("535-5.7.8 bad credentials AGFsaWNlAGh1bnRlcjI= (\0alice\0hunter2)\r\n535 5.7.8 password hunter2 aHVudGVyMg== refused\r\n")
        .expect_line("QUIT")
        .send("221 bye\r\n")
        .close();
    let r = run(auth_plan("alice", "hunter2", AuthMechanism::Plain), script);
    let o = &r.outcome;
    assert_eq!(error_kind(o).map(|e| e.1), Some(ErrorKind::Rejected));
    let all = shown(&r);
    for secret in [
        "hunter2",
        "AGFsaWNlAGh1bnRlcjI=",
        "aHVudGVyMg==",
        "\0alice\0",
    ] {
        assert!(!all.contains(secret), "{secret:?} shown in:\n{all}");
    }
    assert!(all.contains("[redacted]"), "{all}");
    // The reply stays a reply: code, enhanced code and the rest of the text.
    let reply = o.auth.as_ref().and_then(|a| a.reply.as_ref()).unwrap();
    assert_eq!(reply.code(), 535);
    assert_eq!(reply.enhanced().unwrap().to_string(), "5.7.8");
    assert!(reply.text_lossy().contains("bad credentials"));
}

#[test]
fn a_535_echoing_the_auth_login_password_leaks_nothing() {
    let script = Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send("250-mx.test\r\n250 AUTH LOGIN\r\n")
        .expect_line("AUTH LOGIN")
        .send("334 VXNlcm5hbWU6\r\n")
        .expect_line("")
        .send("334 UGFzc3dvcmQ6\r\n")
        .expect_line("")
        .send("535 5.7.8 got aHVudGVyMg== i.e. hunter2\r\n")
        .expect_line("QUIT")
        .send("221 bye\r\n")
        .close();
    let r = run(auth_plan("alice", "hunter2", AuthMechanism::Login), script);
    let all = shown(&r);
    for secret in ["hunter2", "aHVudGVyMg=="] {
        assert!(!all.contains(secret), "{secret:?} shown in:\n{all}");
    }
}
