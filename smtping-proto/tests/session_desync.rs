//! Issue 11 at the session level: replies that arrive before the command they would
//! answer was handed out (unsolicited), pipelined groups whose replies cannot be matched,
//! the data phase after a refused MAIL, secrets echoed by the server, and the message as
//! a bounded stream.
//!
//! These cases depend on *when* bytes arrive relative to `Transmit`, so they are not
//! split-invariant and live here rather than in `tests/transcripts/`: each server chunk
//! is handed over only after the session was drained (its `Transmit`s taken), exactly as
//! a driver does.

use std::time::{Duration, Instant};

use smtping_proto::data::encode_body;
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    AuthPlan, DeliveryStatus, Envelope, ErrorKind, MAX_GENERATED_BODY, MechanismChoice, Message,
    Observation, Outcome, Output, Phase, Plan, Session, TestMessage, Timeouts, TlsPolicy,
};
use smtping_proto::{Address, AuthMechanism, Domain};

fn addr(a: &str) -> Address {
    Address::new(a).unwrap()
}

fn plan(pipelining: bool, to: &[&str]) -> Plan {
    Plan::new(Domain::ehlo_name("client.test").unwrap())
        .tls(TlsPolicy::None)
        .pipelining(pipelining)
        .envelope(Envelope::new(
            addr("probe@client.test"),
            to.iter().map(|a| addr(a)).collect(),
        ))
        .message(Message::Raw(b"Subject: t\r\n\r\nHello\r\n".to_vec()))
}

struct Run {
    outcome: Box<Outcome>,
    written: Vec<u8>,
}

/// Drains, then hands over each chunk in turn; ends with EOF.
fn drive(plan: Plan, chunks: &[&[u8]]) -> Run {
    let t = Instant::now();
    let mut s = Session::new(plan, t);
    let mut written = Vec::new();
    let drain = |s: &mut Session, w: &mut Vec<u8>| loop {
        match s.poll_output() {
            Output::Transmit(b) => w.extend_from_slice(&b),
            Output::Wait { .. } => return None,
            Output::Done(o) => return Some(o),
            Output::StartTls | Output::Event(_) => {}
        }
    };
    if let Some(outcome) = drain(&mut s, &mut written) {
        return Run { outcome, written };
    }
    for c in chunks {
        s.handle_input(c, t + Duration::from_millis(1));
        if let Some(outcome) = drain(&mut s, &mut written) {
            return Run { outcome, written };
        }
    }
    s.handle_eof(t + Duration::from_millis(2));
    let outcome = drain(&mut s, &mut written).expect("done after EOF");
    Run { outcome, written }
}

fn statuses(o: &Outcome) -> Vec<DeliveryStatus> {
    o.delivery.recipients.iter().map(|r| r.status).collect()
}

fn kind(o: &Outcome) -> Option<(Phase, ErrorKind)> {
    o.error.as_ref().map(|e| (e.phase, e.kind))
}

fn msg(o: &Outcome) -> String {
    o.error
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_default()
}

const GREETING: &[u8] = b"220 mx ESMTP\r\n";
const EHLO_PIPE: &[u8] = b"250-mx\r\n250 PIPELINING\r\n";
const EHLO: &[u8] = b"250 mx\r\n";

#[test]
fn reply_glued_to_the_greeting_is_unsolicited() {
    let r = drive(
        plan(true, &["a@x.test"]),
        &[b"220 mx ESMTP\r\n250-evil\r\n250 AUTH PLAIN\r\n"],
    );
    let o = &r.outcome;
    assert_eq!(
        kind(o),
        Some((Phase::Ehlo, ErrorKind::Protocol)),
        "{}",
        msg(o)
    );
    assert!(msg(o).starts_with("the server sent a reply before SMTPing sent the command it would answer (unsolicited reply at EHLO)"), "{}", msg(o));
    assert_eq!(
        o.observations,
        vec![Observation::UnsolicitedReply { phase: Phase::Ehlo }]
    );
    assert!(o.extensions.is_none());
    // The premature reply is evidence: in the transcript and on the error.
    assert!(o.transcript.to_string().contains("S: 250-evil"));
    assert_eq!(
        o.error.as_ref().unwrap().reply.as_ref().unwrap().code(),
        250
    );
}

#[test]
fn the_same_replies_after_each_command_are_fine() {
    let r = drive(
        plan(false, &["a@x.test"]),
        &[
            GREETING,
            EHLO,
            b"250 ok\r\n",
            b"250 ok\r\n",
            b"354 go\r\n",
            b"250 queued\r\n",
            b"221 bye\r\n",
        ],
    );
    assert!(r.outcome.error.is_none(), "{:?}", r.outcome.error);
    assert_eq!(r.outcome.delivery.status, DeliveryStatus::Accepted);
}

#[test]
fn a_250_glued_to_the_354_is_never_the_final_dot_reply() {
    for pipelining in [false, true] {
        let ehlo = if pipelining { EHLO_PIPE } else { EHLO };
        let chunks: Vec<&[u8]> = if pipelining {
            vec![
                GREETING,
                ehlo,
                b"250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n",
                b"550 no\r\n",
            ]
        } else {
            vec![
                GREETING,
                ehlo,
                b"250 ok\r\n",
                b"250 ok\r\n",
                b"354 go\r\n250 queued\r\n",
                b"550 no\r\n",
            ]
        };
        let r = drive(plan(pipelining, &["a@x.test"]), &chunks);
        let o = &r.outcome;
        assert_eq!(
            o.delivery.status,
            DeliveryStatus::Unknown,
            "pipelining {pipelining}"
        );
        assert_eq!(statuses(o), vec![DeliveryStatus::Unknown]);
        assert_eq!(kind(o), Some((Phase::DataEnd, ErrorKind::Protocol)));
        let obs = if pipelining {
            Observation::RepliesUnmatched {
                phase: Phase::DataEnd,
            }
        } else {
            Observation::UnsolicitedReply {
                phase: Phase::DataEnd,
            }
        };
        assert!(o.observations.contains(&obs), "{:?}", o.observations);
        assert!(o.delivery.reply.is_none());
        // Nothing after DATA went out: not the message, not its final dot.
        assert!(
            r.written.ends_with(b"DATA\r\n"),
            "{:?}",
            String::from_utf8_lossy(&r.written)
        );
    }
}

#[test]
fn extra_reply_in_a_pipelined_group_shifts_nothing() {
    let r = drive(
        plan(true, &["nobody@x.test", "alice@x.test"]),
        &[
            GREETING,
            EHLO_PIPE,
            b"250 extra\r\n250 ok\r\n550 5.1.1 no\r\n250 ok\r\n354 go\r\n",
        ],
    );
    let o = &r.outcome;
    assert_eq!(o.delivery.status, DeliveryStatus::Unknown);
    assert_eq!(statuses(o), vec![DeliveryStatus::Unknown; 2]);
    assert!(o.delivery.recipients.iter().all(|r| r.rcpt_reply.is_none()));
    assert_eq!(kind(o).map(|k| k.1), Some(ErrorKind::Protocol));
    assert!(msg(o).contains("cannot be matched"), "{}", msg(o));
    assert!(
        o.observations
            .iter()
            .any(|x| matches!(x, Observation::RepliesUnmatched { .. }))
    );
}

#[test]
fn extra_reply_after_a_pipelined_group_without_data() {
    // quit_after=rcpt: MAIL and RCPT pipelined; a third reply in the same segment.
    let p = plan(true, &["a@x.test"]).quit_after(smtping_proto::session::QuitAfter::Rcpt);
    let r = drive(
        p,
        &[GREETING, EHLO_PIPE, b"250 ok\r\n250 ok\r\n550 5.1.1 no\r\n"],
    );
    let o = &r.outcome;
    assert_eq!(o.delivery.status, DeliveryStatus::Unknown);
    assert_eq!(statuses(o), vec![DeliveryStatus::Unknown]);
    assert!(
        o.observations
            .contains(&Observation::RepliesUnmatched { phase: Phase::Quit })
    );
}

#[test]
fn extra_reply_one_at_a_time_is_unsolicited() {
    let r = drive(
        plan(false, &["a@x.test"]),
        &[GREETING, EHLO, b"250 ok\r\n250 extra\r\n", b"250 ok\r\n"],
    );
    let o = &r.outcome;
    assert_eq!(
        kind(o),
        Some((Phase::Rcpt, ErrorKind::Protocol)),
        "{}",
        msg(o)
    );
    assert!(
        msg(o).contains("unsolicited reply at RCPT TO"),
        "{}",
        msg(o)
    );
    assert_eq!(o.delivery.status, DeliveryStatus::Unknown);
    assert_eq!(statuses(o), vec![DeliveryStatus::Unknown]);
}

#[test]
fn a_2xx_to_data_is_the_wrong_kind() {
    for pipelining in [false, true] {
        let (ehlo, chunks): (&[u8], Vec<&[u8]>) = if pipelining {
            (EHLO_PIPE, vec![b"250 ok\r\n250 ok\r\n250 queued\r\n"])
        } else {
            (EHLO, vec![b"250 ok\r\n", b"250 ok\r\n", b"250 queued\r\n"])
        };
        let mut all = vec![GREETING, ehlo];
        all.extend(chunks);
        let r = drive(plan(pipelining, &["a@x.test"]), &all);
        let o = &r.outcome;
        assert_eq!(
            o.delivery.status,
            DeliveryStatus::Unknown,
            "pipelining {pipelining}"
        );
        assert_eq!(statuses(o), vec![DeliveryStatus::Unknown]);
        assert_eq!(kind(o), Some((Phase::Data, ErrorKind::Protocol)));
        assert!(
            o.observations
                .contains(&Observation::RepliesUnmatched { phase: Phase::Data })
        );
        assert!(o.delivery.reply.is_none());
        assert!(!r.written.windows(5).any(|w| w == b"Hello"));
    }
}

#[test]
fn a_354_to_mail_or_rcpt_leaves_no_deciding_reply() {
    for (chunks, phase) in [
        (vec![GREETING, EHLO, b"354 go\r\n" as &[u8]], Phase::Mail),
        (
            vec![GREETING, EHLO, b"250 ok\r\n", b"354 go\r\n"],
            Phase::Rcpt,
        ),
        (vec![GREETING, EHLO_PIPE, b"354 go\r\n"], Phase::Mail),
        (
            vec![GREETING, EHLO_PIPE, b"250 ok\r\n354 go\r\n"],
            Phase::Rcpt,
        ),
    ] {
        let pipelining = chunks[1] == EHLO_PIPE;
        let r = drive(plan(pipelining, &["a@x.test"]), &chunks);
        let o = &r.outcome;
        assert_eq!(o.delivery.status, DeliveryStatus::Unknown);
        assert_eq!(o.delivery.phase, Some(phase));
        assert!(o.delivery.reply.is_none(), "{:?}", o.delivery.reply);
        assert_eq!(statuses(o), vec![DeliveryStatus::Unknown]);
        assert_eq!(kind(o), Some((phase, ErrorKind::Protocol)));
        assert_eq!(
            o.error.as_ref().unwrap().reply.as_ref().unwrap().code(),
            354
        );
        assert!(
            o.observations
                .contains(&Observation::RepliesUnmatched { phase })
        );
    }
}

#[test]
fn refused_mail_then_354_ends_the_data_phase_before_quit() {
    let t = Instant::now();
    let mut s = Session::new(plan(true, &["a@x.test"]), t);
    let mut w = Vec::new();
    let feed = |s: &mut Session, b: &[u8], w: &mut Vec<u8>| {
        if !b.is_empty() {
            s.handle_input(b, t);
        }
        loop {
            match s.poll_output() {
                Output::Transmit(b) => w.extend_from_slice(&b),
                Output::Wait { deadline } => return (None, deadline),
                Output::Done(o) => return (Some(o), None),
                _ => {}
            }
        }
    };
    feed(&mut s, b"", &mut w);
    feed(&mut s, GREETING, &mut w);
    feed(&mut s, EHLO_PIPE, &mut w);
    let (_, deadline) = feed(
        &mut s,
        b"553 5.7.1 no\r\n503 5.5.1 need MAIL\r\n354 go\r\n",
        &mut w,
    );
    assert!(
        w.ends_with(b"DATA\r\n.\r\n"),
        "{:?}",
        String::from_utf8_lossy(&w)
    );
    assert_eq!(s.phase(), Phase::DataEnd);
    assert!(deadline.is_some());
    feed(&mut s, b"503 5.5.1 no transaction\r\n", &mut w);
    assert!(
        w.ends_with(b"DATA\r\n.\r\nQUIT\r\n"),
        "{:?}",
        String::from_utf8_lossy(&w)
    );
    let (o, _) = feed(&mut s, b"221 bye\r\n", &mut w);
    let o = o.unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.delivery.status, DeliveryStatus::Bounced);
    assert_eq!(o.delivery.reply.as_ref().unwrap().code(), 553);
    assert!(!o.observations.contains(&Observation::QuitNotAcknowledged));
}

#[test]
fn an_early_goodbye_after_the_final_dot_reply_changes_nothing() {
    let r = drive(
        plan(false, &["a@x.test"]),
        &[
            GREETING,
            EHLO,
            b"250 ok\r\n",
            b"250 ok\r\n",
            b"354 go\r\n",
            b"250 queued\r\n221 bye\r\n",
        ],
    );
    let o = &r.outcome;
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.delivery.status, DeliveryStatus::Accepted);
    assert_eq!(o.delivery.reply.as_ref().unwrap().code(), 250);
}

// ----- secrets echoed by the server ------------------------------------------------------

fn auth_plan(mechanism: AuthMechanism, user: &str, secret: &str) -> Plan {
    let mut a = AuthPlan::new(Credentials::new(user, secret));
    a.mechanism = MechanismChoice::Exactly(mechanism);
    a.allow_plaintext_without_tls = true;
    Plan::new(Domain::ehlo_name("client.test").unwrap())
        .tls(TlsPolicy::None)
        .auth(a)
}

/// Everything stored from server text, as one string.
fn everything(o: &Outcome) -> String {
    let mut s = format!("{}\n{:?}\n{:?}\n", o.transcript, o.auth, o.error);
    for r in [
        o.auth.as_ref().and_then(|a| a.reply.as_ref()),
        o.error.as_ref().and_then(|e| e.reply.as_ref()),
        o.greeting.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        s.push_str(&String::from_utf8_lossy(r.as_bytes()));
    }
    s
}

#[test]
fn echoed_plain_payload_is_redacted_everywhere() {
    // \0alice\0hunter2 = AGFsaWNlAGh1bnRlcjI=, hunter2 = aHVudGVyMg==
    let r = drive(
        auth_plan(AuthMechanism::Plain, "alice", "hunter2"),
        &[
            GREETING,
            b"250-mx\r\n250 AUTH PLAIN\r\n",
            b"535-5.7.8 you sent AGFsaWNlAGh1bnRlcjI=\r\n535 5.7.8 that is \0alice\0hunter2, hunter2 or aHVudGVyMg==\r\n",
            b"221 bye\r\n",
        ],
    );
    let all = everything(&r.outcome);
    for secret in ["hunter2", "AGFsaWNlAGh1bnRlcjI=", "aHVudGVyMg=="] {
        assert!(!all.contains(secret), "{secret} in {all}");
    }
    let reply = r.outcome.auth.as_ref().unwrap().reply.as_ref().unwrap();
    assert_eq!(reply.code(), 535);
    assert_eq!(reply.as_reply().line_count(), 2);
    assert_eq!(reply.enhanced().unwrap().to_string(), "5.7.8");
    assert_eq!(
        reply.text_lossy(),
        "5.7.8 you sent [redacted]\n5.7.8 that is [redacted], [redacted] or [redacted]"
    );
    // Client lines stay redacted too.
    assert!(
        r.outcome
            .transcript
            .to_string()
            .contains("C: AUTH PLAIN [redacted]")
    );
}

#[test]
fn echoed_xoauth2_and_cram_md5_responses_are_redacted() {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let xo = b"user=alice\x01auth=Bearer tok3n-xyz\x01\x01";
    let echo = format!(
        "535 5.7.8 {} / {}\r\n",
        b64(xo),
        String::from_utf8_lossy(xo)
    );
    let r = drive(
        auth_plan(AuthMechanism::XOAuth2, "alice", "tok3n-xyz"),
        &[
            GREETING,
            b"250-mx\r\n250 AUTH XOAUTH2\r\n",
            echo.as_bytes(),
            b"221 bye\r\n",
        ],
    );
    let all = everything(&r.outcome);
    assert!(
        !all.contains("tok3n-xyz") && !all.contains(&b64(xo)),
        "{all}"
    );

    // RFC 2195's example: the response line to this challenge.
    let challenge = "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
    let line = "tim b913a602c7eda7a495b4e6e7334d3890";
    let echo = format!("535 5.7.8 {} = {line}\r\n", b64(line.as_bytes()));
    let r = drive(
        auth_plan(AuthMechanism::CramMd5, "tim", "tanstaaftanstaaf"),
        &[
            GREETING,
            b"250-mx\r\n250 AUTH CRAM-MD5\r\n",
            format!("334 {challenge}\r\n").as_bytes(),
            echo.as_bytes(),
            b"221 bye\r\n",
        ],
    );
    let all = everything(&r.outcome);
    assert!(
        !all.contains("b913a602c7eda7a495b4e6e7334d3890") && !all.contains(&b64(line.as_bytes())),
        "{all}"
    );
    assert!(all.contains("535 5.7.8 [redacted] = [redacted]"), "{all}");
}

#[test]
fn without_credentials_server_text_is_untouched() {
    let r = drive(
        plan(false, &["a@x.test"]),
        &[
            b"220 mx hunter2 ESMTP\r\n",
            EHLO,
            b"550 5.1.1 no\r\n",
            b"221 bye\r\n",
        ],
    );
    assert_eq!(
        r.outcome.greeting.as_ref().unwrap().text_lossy(),
        "mx hunter2 ESMTP"
    );
}

// ----- the message as a stream -------------------------------------------------------------

fn message_plan(message: Message) -> Plan {
    Plan::new(Domain::ehlo_name("client.test").unwrap())
        .tls(TlsPolicy::None)
        .timeouts(Timeouts::default())
        .envelope(Envelope::new(
            addr("probe@client.test"),
            vec![addr("a@x.test")],
        ))
        .message(message)
}

/// What [`stream_through`] saw.
struct Streamed {
    outcome: Option<Box<Outcome>>,
    /// Bytes after the 354, final dot included.
    counted: u64,
    /// The largest single `Transmit`.
    largest: usize,
    /// The peak of `Session::buffered()`.
    peak: usize,
    /// The MAIL command line.
    mail: String,
    /// The deadline once the final dot went out, from the start.
    deadline: Duration,
    /// The message bytes, when asked to keep them.
    kept: Vec<u8>,
}

/// Runs a delivery of `message` against a fake server that counts the message bytes
/// (keeping only the last five to spot the final dot unless `keep`).
fn stream_through(message: Message, keep: bool) -> Streamed {
    let t = Instant::now();
    let mut s = Session::new(message_plan(message), t);
    let mut in_data = false;
    let mut dot_sent = false;
    let mut tail: Vec<u8> = Vec::new();
    let mut r = Streamed {
        outcome: None,
        counted: 0,
        largest: 0,
        peak: 0,
        mail: String::new(),
        deadline: Duration::ZERO,
        kept: Vec::new(),
    };
    let mut commands = String::new();
    let mut script: std::collections::VecDeque<&[u8]> = [
        GREETING,
        b"250-mx\r\n250 SIZE 0\r\n" as &[u8],
        b"250 ok\r\n",
        b"250 ok\r\n",
        b"354 go\r\n",
    ]
    .into_iter()
    .collect();
    loop {
        r.peak = r.peak.max(s.buffered());
        match s.poll_output() {
            Output::Transmit(b) => {
                r.largest = r.largest.max(b.len());
                if in_data {
                    r.counted += b.len() as u64;
                    if keep {
                        r.kept.extend_from_slice(&b);
                    }
                    tail.extend_from_slice(&b[b.len().saturating_sub(5)..]);
                    let cut = tail.len().saturating_sub(5);
                    tail.drain(..cut);
                    if tail == b"\r\n.\r\n" || r.counted == 3 && tail == b".\r\n" {
                        in_data = false;
                        dot_sent = true;
                        script.push_back(b"250 queued\r\n");
                        script.push_back(b"221 bye\r\n");
                    }
                } else {
                    commands.push_str(&String::from_utf8_lossy(&b));
                }
            }
            Output::Wait { deadline } => {
                if dot_sent && r.deadline == Duration::ZERO {
                    r.deadline = deadline.unwrap() - t;
                }
                let next = script.pop_front().expect("the session waits for nothing");
                in_data |= next.starts_with(b"354");
                s.handle_input(next, t);
            }
            Output::Done(o) => {
                r.outcome = Some(o);
                r.mail = commands
                    .lines()
                    .find(|l| l.starts_with("MAIL"))
                    .unwrap_or("")
                    .to_owned();
                return r;
            }
            Output::StartTls | Output::Event(_) => {}
        }
    }
}

#[test]
fn ten_gib_generated_body_streams_in_bounded_memory() {
    let from = addr("probe@client.test");
    let to = vec![addr("a@x.test")];
    let n: usize = 10 << 30;
    let message = TestMessage::new(&from, &to, "Sat, 28 Nov 2026 05:30:00 +0000", "<1@x>")
        .body_size(n)
        .message();
    let r = stream_through(message, false);
    let o = r.outcome.unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(o.delivery.status, DeliveryStatus::Accepted);
    assert_eq!(o.delivery.message_bytes, r.counted);
    assert!(
        r.counted >= n as u64 && r.counted < n as u64 + 8,
        "{}",
        r.counted
    );
    assert!(r.largest <= 64 * 1024, "{}", r.largest);
    assert!(r.peak <= 64 * 1024, "{}", r.peak);
    assert_eq!(
        r.mail,
        format!("MAIL FROM:<probe@client.test> SIZE={}", r.counted - 3)
    );
    // 10 s per MiB by default: 10 GiB is more than a day.
    assert!(
        r.deadline > Duration::from_secs(10 * 10 * 1024),
        "{:?}",
        r.deadline
    );
}

#[test]
fn generated_stream_equals_the_built_message() {
    let from = addr("probe@client.test");
    let to = vec![addr("a@x.test"), addr("b@x.test")];
    for n in (0..700).chain([1000, 4095, 65_536, 65_537, 200_001, 300_000]) {
        let tm =
            TestMessage::new(&from, &to, "Sat, 28 Nov 2026 05:30:00 +0000", "<1@x>").body_size(n);
        let expected = encode_body(&tm.build());
        let r = stream_through(tm.message(), true);
        assert_eq!(r.kept, expected, "size {n}");
        assert_eq!(r.counted, expected.len() as u64);
        let o = r.outcome.unwrap();
        assert_eq!(o.delivery.message_bytes, expected.len() as u64);
        assert!(r.largest <= 64 * 1024);
    }
}

#[test]
fn raw_messages_stream_in_bounded_chunks_too() {
    let mut body = Vec::new();
    for i in 0..40_000u32 {
        body.extend_from_slice(if i % 3 == 0 { b".dot\n" } else { b"line\r\n" });
    }
    body.extend_from_slice(b"\n\n\n.");
    let expected = encode_body(&body);
    let r = stream_through(Message::Raw(body), true);
    let o = r.outcome.unwrap();
    assert!(o.error.is_none(), "{:?}", o.error);
    assert_eq!(r.kept, expected);
    assert_eq!(r.counted, expected.len() as u64);
    assert!(
        r.largest <= 64 * 1024 && r.peak <= 64 * 1024,
        "{} {}",
        r.largest,
        r.peak
    );
}

#[test]
fn the_generated_body_cap_is_documented() {
    assert_eq!(MAX_GENERATED_BODY, 16 << 30);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// The generated stream is byte for byte the dot-stuffed `build()` output.
    #[test]
    fn generated_stream_is_the_encoded_build(n in 0usize..300_000, subject in "[ -~]{0,40}") {
        let from = addr("probe@client.test");
        let to = vec![addr("a@x.test")];
        let tm = TestMessage::new(&from, &to, "Sat, 28 Nov 2026 05:30:00 +0000", "<p@x>")
            .subject(&subject)
            .body_size(n);
        let expected = encode_body(&tm.build());
        let r = stream_through(tm.message(), true);
        proptest::prop_assert_eq!(r.kept.len(), expected.len());
        proptest::prop_assert!(r.kept == expected);
        proptest::prop_assert!(r.largest <= 64 * 1024);
    }
}

#[test]
fn a_generated_message_above_the_cap_is_refused_before_mail() {
    let t = Instant::now();
    let mut s = Session::new(
        message_plan(Message::Generated {
            header: b"Subject: big\r\n\r\n".to_vec(),
            filler: MAX_GENERATED_BODY + 1,
        }),
        t,
    );
    let mut w = Vec::new();
    let mut done = None;
    for chunk in [GREETING, EHLO, b"221 bye\r\n"] {
        loop {
            match s.poll_output() {
                Output::Transmit(b) => w.extend_from_slice(&b),
                Output::Wait { .. } => break,
                Output::Done(o) => {
                    done = Some(o);
                    break;
                }
                _ => {}
            }
        }
        if done.is_some() {
            break;
        }
        s.handle_input(chunk, t);
    }
    let o = done.unwrap_or_else(|| {
        loop {
            match s.poll_output() {
                Output::Done(o) => break o,
                Output::Transmit(b) => w.extend_from_slice(&b),
                Output::Wait { .. } => panic!("still waiting"),
                _ => {}
            }
        }
    });
    assert_eq!(
        kind(&o),
        Some((Phase::Mail, ErrorKind::Refused)),
        "{}",
        msg(&o)
    );
    assert!(!String::from_utf8_lossy(&w).contains("MAIL"));
}

#[test]
fn an_early_421_still_ends_the_session_as_a_421() {
    let r = drive(
        plan(false, &["a@x.test"]),
        &[
            GREETING,
            EHLO,
            b"250 ok\r\n",
            b"250 ok\r\n",
            b"354 go\r\n421 4.3.2 shutting down\r\n",
        ],
    );
    let o = &r.outcome;
    assert_eq!(
        kind(o),
        Some((Phase::DataEnd, ErrorKind::Rejected)),
        "{}",
        msg(o)
    );
    assert_ne!(o.delivery.status, DeliveryStatus::Accepted);
    assert!(
        r.written.ends_with(b"DATA\r\n"),
        "the message went out after the 421"
    );
}

#[test]
fn redaction_never_touches_reply_codes() {
    // A secret that looks like a code: only the text after `NNN-`/`NNN ` is cleaned.
    let r = drive(
        auth_plan(AuthMechanism::Plain, "u", "250"),
        &[
            GREETING,
            b"250-mx\r\n250 AUTH PLAIN\r\n",
            b"535-5.7.8 no 250\r\n535 5.7.8 250250\r\n",
            b"221 bye\r\n",
        ],
    );
    let reply = r.outcome.auth.as_ref().unwrap().reply.clone().unwrap();
    assert_eq!(reply.code(), 535);
    assert_eq!(
        reply.text_lossy(),
        "5.7.8 no [redacted]\n5.7.8 [redacted][redacted]"
    );
    assert!(
        r.outcome
            .extensions
            .as_ref()
            .unwrap()
            .auth_mechanisms()
            .len()
            == 1
    );
}
