//! Session properties: arbitrary server bytes never panic and always end in `Done`, memory
//! stays bounded, every phase's deadline fires and names its phase.

use std::time::{Duration, Instant};

use proptest::prelude::*;
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    AuthPlan, Envelope, ErrorKind, Message, Output, Phase, Plan, QuitAfter, Session,
    TlsEstablished, TlsPolicy,
};
use smtping_proto::{Address, Domain, ReplyLimits};

fn plan(tls: TlsPolicy, auth: bool, pipelining: bool) -> Plan {
    let mut p = Plan::new(Domain::ehlo_name("client.test").unwrap())
        .tls(tls)
        .pipelining(pipelining)
        .limits(
            ReplyLimits::default()
                .max_line_len(256)
                .max_lines(16)
                .max_reply_len(2048),
        )
        .envelope(Envelope::new(
            Address::new("a@client.test").unwrap(),
            vec![
                Address::new("b@example.org").unwrap(),
                Address::new("c@example.org").unwrap(),
            ],
        ))
        .message(Message::Raw(b"Subject: x\r\n\r\nbody\r\n".to_vec()));
    if auth {
        let mut a = AuthPlan::new(Credentials::new("u", "p"));
        a.allow_plaintext_without_tls = true;
        a.allow_unverified_tls = true;
        p = p.auth(a);
    }
    p
}

/// What the fake adapter does next.
#[derive(Debug, Clone)]
enum Action {
    Bytes(Vec<u8>),
    Reply(usize),
    Eof,
    Tick(u64),
    TlsOk,
    TlsFail,
    IoError,
}

/// Plausible replies so that random runs get deep into the dialogue.
const REPLIES: &[&[u8]] = &[
    b"220 mx ESMTP\r\n",
    b"250-mx\r\n250-PIPELINING\r\n250-STARTTLS\r\n250-SIZE 100\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n",
    b"250 ok\r\n",
    b"354 go\r\n",
    b"334 VXNlcm5hbWU6\r\n",
    b"235 ok\r\n",
    b"220 ready\r\n",
    b"550 5.1.1 no\r\n",
    b"451 4.7.1 later\r\n",
    b"421 4.7.0 bye\r\n",
    b"221 bye\r\n",
    b"503 5.5.1 sequence\r\n",
    b"250-a\r\n",
    b"250 a\n",
];

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Action::Bytes),
        8 => (0..REPLIES.len()).prop_map(Action::Reply),
        1 => Just(Action::Eof),
        2 => (0u64..120).prop_map(Action::Tick),
        2 => Just(Action::TlsOk),
        1 => Just(Action::TlsFail),
        1 => Just(Action::IoError),
    ]
}

fn drive(
    mut s: Session,
    actions: &[Action],
) -> (Option<Box<smtping_proto::session::Outcome>>, usize) {
    let t0 = Instant::now();
    let mut now = t0;
    let mut max_buffered = 0;
    let drain =
        |s: &mut Session, max: &mut usize| -> Option<Box<smtping_proto::session::Outcome>> {
            for _ in 0..1000 {
                *max = (*max).max(s.buffered());
                match s.poll_output() {
                    Output::Transmit(b) => assert!(!b.is_empty()),
                    Output::Done(o) => return Some(o),
                    Output::Wait { .. } => return None,
                    Output::StartTls | Output::Event(_) => {}
                }
            }
            panic!("poll_output never settled");
        };
    if let Some(o) = drain(&mut s, &mut max_buffered) {
        return (Some(o), max_buffered);
    }
    for a in actions {
        match a {
            Action::Bytes(b) => s.handle_input(b, now),
            Action::Reply(i) => s.handle_input(REPLIES[*i], now),
            Action::Eof => s.handle_eof(now),
            Action::Tick(secs) => {
                now += Duration::from_secs(*secs);
                s.handle_timeout(now);
            }
            Action::TlsOk => s.handle_tls_established(
                TlsEstablished {
                    version: "TLSv1.3".into(),
                    verified: true,
                },
                now,
            ),
            Action::TlsFail => s.handle_tls_failed("alert", now),
            Action::IoError => s.handle_io_error("reset", now),
        }
        if let Some(o) = drain(&mut s, &mut max_buffered) {
            return (Some(o), max_buffered);
        }
    }
    // Whatever state it is in, enough time always ends it.
    for _ in 0..20 {
        now += Duration::from_secs(600);
        s.handle_timeout(now);
        if let Some(o) = drain(&mut s, &mut max_buffered) {
            return (Some(o), max_buffered);
        }
    }
    (None, max_buffered)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_server_behaviour_always_ends(
        tls in prop::sample::select(vec![TlsPolicy::None, TlsPolicy::Opportunistic, TlsPolicy::RequireStartTls, TlsPolicy::Implicit]),
        auth in any::<bool>(),
        pipelining in any::<bool>(),
        actions in prop::collection::vec(action(), 0..40),
    ) {
        let s = Session::new(plan(tls, auth, pipelining), Instant::now());
        let (outcome, max_buffered) = drive(s, &actions);
        let o = outcome.expect("a session always ends once time runs out");
        // Memory: never more than one reply's limit plus one input chunk plus our commands.
        prop_assert!(max_buffered <= 2048 + 64 + 512, "buffered {max_buffered}");
        // Accepted needs a 2xx to the final dot (or to RCPT when stopping there).
        if o.delivery.status == smtping_proto::session::DeliveryStatus::Accepted {
            let r = o.delivery.reply.as_ref().expect("accepted has a reply");
            prop_assert_eq!(r.code() / 100, 2);
            // The plan sends a message: only a reply to its final dot can accept it.
            prop_assert_eq!(o.delivery.phase, Some(Phase::DataEnd));
        }
        // A reply that decides nothing is never shown as the deciding one.
        if let Some(r) = &o.delivery.reply {
            prop_assert!(matches!(r.code() / 100, 2 | 4 | 5), "{:?}", r);
        }
        prop_assert!(o.transcript.lines().len() <= 2000);
    }
}

/// Feeds `script`; a handshake asked for before the last chunk is completed, one asked
/// for after it is left hanging (so the handshake deadline can be tested).
fn run_until(s: &mut Session, script: &[&[u8]], t: Instant) {
    let mut pending_tls = false;
    for bytes in script {
        loop {
            match s.poll_output() {
                Output::Wait { .. } => break,
                Output::Done(o) => panic!("ended early: {:?}", o.error),
                Output::StartTls => pending_tls = true,
                _ => {}
            }
        }
        if pending_tls {
            pending_tls = false;
            s.handle_tls_established(
                TlsEstablished {
                    version: "TLSv1.3".into(),
                    verified: true,
                },
                t,
            );
            while !matches!(s.poll_output(), Output::Wait { .. }) {}
        }
        s.handle_input(bytes, t);
    }
}

fn timeout_outcome(mut s: Session, t: Instant) -> (ErrorKind, Phase, Option<Instant>) {
    let deadline = loop {
        match s.poll_output() {
            Output::Wait { deadline } => break deadline,
            Output::Done(o) => panic!("ended early: {:?}", o.error),
            Output::StartTls => {}
            _ => {}
        }
    };
    let d = deadline.expect("a deadline while waiting");
    s.handle_timeout(d - Duration::from_millis(1));
    assert!(
        matches!(s.poll_output(), Output::Wait { .. }),
        "fired early"
    );
    s.handle_timeout(d);
    loop {
        if let Output::Done(o) = s.poll_output() {
            let e = o.error.expect("a timeout error");
            let _ = t;
            return (e.kind, e.phase, deadline);
        }
    }
}

#[test]
fn every_phase_deadline_names_its_phase() {
    let t = Instant::now();
    let ehlo: &[u8] = b"250-mx\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n";
    let ehlo_tls: &[u8] = b"250-mx\r\n250 AUTH PLAIN\r\n";
    let cases: Vec<(Plan, Vec<&[u8]>, Phase)> = vec![
        (plan(TlsPolicy::None, false, false), vec![], Phase::Greeting),
        (
            plan(TlsPolicy::None, false, false),
            vec![b"220 mx\r\n"],
            Phase::Ehlo,
        ),
        (
            plan(TlsPolicy::Opportunistic, false, false),
            vec![b"220 mx\r\n", ehlo],
            Phase::StartTls,
        ),
        (
            plan(TlsPolicy::Opportunistic, false, false),
            vec![b"220 mx\r\n", ehlo, b"220 go\r\n"],
            Phase::TlsHandshake,
        ),
        (
            plan(TlsPolicy::Implicit, false, false),
            vec![],
            Phase::TlsHandshake,
        ),
        (
            plan(TlsPolicy::Opportunistic, true, false),
            vec![b"220 mx\r\n", ehlo, b"220 go\r\n", ehlo_tls],
            Phase::Auth,
        ),
        (
            plan(TlsPolicy::Opportunistic, false, false),
            vec![b"220 mx\r\n", ehlo, b"220 go\r\n"],
            Phase::TlsHandshake,
        ),
        (
            plan(TlsPolicy::None, false, false),
            vec![b"220 mx\r\n", b"250 mx\r\n"],
            Phase::Mail,
        ),
        (
            plan(TlsPolicy::None, false, false),
            vec![b"220 mx\r\n", b"250 mx\r\n", b"250 ok\r\n"],
            Phase::Rcpt,
        ),
        (
            plan(TlsPolicy::None, false, true),
            vec![
                b"220 mx\r\n",
                b"250-mx\r\n250 PIPELINING\r\n",
                b"250 ok\r\n250 ok\r\n",
            ],
            Phase::Rcpt,
        ),
        (
            plan(TlsPolicy::None, false, false),
            vec![
                b"220 mx\r\n",
                b"250 mx\r\n",
                b"250 ok\r\n",
                b"250 ok\r\n",
                b"250 ok\r\n",
            ],
            Phase::Data,
        ),
        (
            plan(TlsPolicy::None, false, false),
            vec![
                b"220 mx\r\n",
                b"250 mx\r\n",
                b"250 ok\r\n",
                b"250 ok\r\n",
                b"250 ok\r\n",
                b"354 go\r\n",
            ],
            Phase::DataEnd,
        ),
        (
            plan(TlsPolicy::None, false, false),
            vec![
                b"220 mx\r\n",
                b"250 mx\r\n",
                b"250 ok\r\n",
                b"550 no\r\n",
                b"550 no\r\n",
            ],
            Phase::Rset,
        ),
    ];
    for (i, (p, script, phase)) in cases.into_iter().enumerate() {
        let mut s = Session::new(p, t);
        run_until(&mut s, &script, t);
        let (kind, got, _) = timeout_outcome(s, t);
        assert_eq!((kind, got), (ErrorKind::Timeout, phase), "case {i}");
    }
}

#[test]
fn data_end_deadline_scales_with_size() {
    let t = Instant::now();
    let deadline_for = |n: usize| {
        let p = plan(TlsPolicy::None, false, false)
            .message(Message::Raw(smtping_proto::session::generated_body(n)));
        let mut s = Session::new(p, t);
        run_until(
            &mut s,
            &[
                b"220 mx\r\n",
                b"250 mx\r\n",
                b"250 ok\r\n",
                b"250 ok\r\n",
                b"250 ok\r\n",
                b"354 go\r\n",
            ],
            t,
        );
        loop {
            if let Output::Wait { deadline } = s.poll_output() {
                break deadline.unwrap() - t;
            }
        }
    };
    let small = deadline_for(100);
    let big = deadline_for(8 * 1024 * 1024);
    assert!(
        big >= small + Duration::from_secs(70),
        "{small:?} vs {big:?}"
    );
}

#[test]
fn quit_after_connect_sends_nothing() {
    let p = plan(TlsPolicy::Opportunistic, false, true).quit_after(QuitAfter::Connect);
    let mut s = Session::new(p, Instant::now());
    match s.poll_output() {
        Output::Done(o) => assert!(o.error.is_none() && o.transcript.lines().is_empty()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn quit_timeout_keeps_the_outcome() {
    let t = Instant::now();
    let p = plan(TlsPolicy::None, false, false).quit_after(QuitAfter::Greeting);
    let mut s = Session::new(p, t);
    run_until(&mut s, &[b"220 mx\r\n"], t);
    let deadline = loop {
        if let Output::Wait { deadline } = s.poll_output() {
            break deadline.unwrap();
        }
    };
    assert_eq!(deadline - t, Duration::from_secs(5));
    s.handle_timeout(deadline);
    loop {
        if let Output::Done(o) = s.poll_output() {
            assert!(o.error.is_none());
            break;
        }
    }
}
