//! The server core ([`ServerSession`]) driven directly in simulated time: the tests of
//! `tests/test_server.rs` that waited real time to conclude "the server stays silent" or
//! "the delay passed" run here on a virtual clock, where silence, delays, idle timeouts
//! and time budgets are exact instead of approximate.
//!
//! Run: `cargo test -p smtping-testkit --test session_core`.

use std::time::{Duration, Instant};

use smtping_testkit::server::{
    Behaviour, Hostile, ReceivedSession, ServerStage, SessionEnd, TestServer, TestServerBuilder,
    hostile,
};
use smtping_testkit::session::{ServerOutput, ServerSession};

const GREETING: &str = "220 mx.test ESMTP SMTPing test server\r\n";

/// A server session and a virtual clock; the test plays the client.
struct Sim {
    server: ServerSession,
    start: Instant,
    now: Instant,
    /// The last `Wait` deadline.
    deadline: Option<Instant>,
    /// `Close` or `Disconnect`, once seen.
    closed: Option<ServerOutput>,
    /// `StartTls { implicit }`, once asked for.
    tls: Option<bool>,
    end: Option<SessionEnd>,
}

impl Sim {
    fn new(builder: TestServerBuilder) -> Self {
        let start = Instant::now();
        Self {
            server: ServerSession::new(&builder.plan().unwrap(), start),
            start,
            now: start,
            deadline: None,
            closed: None,
            tls: None,
            end: None,
        }
    }

    /// Takes everything the server does now; returns what it transmitted.
    fn drain(&mut self) -> String {
        let mut out = Vec::new();
        for _ in 0..100_000 {
            match self.server.poll_output() {
                ServerOutput::Transmit(bytes) => out.extend_from_slice(&bytes),
                ServerOutput::Wait { deadline } => {
                    self.deadline = deadline;
                    return String::from_utf8_lossy(&out).into_owned();
                }
                ServerOutput::StartTls { implicit } => self.tls = Some(implicit),
                ServerOutput::Done(end) => self.end = Some(end),
                other => self.closed = Some(other),
            }
        }
        panic!("the server never waits");
    }

    fn send(&mut self, text: &str) -> String {
        self.server.handle_input(text.as_bytes(), self.now);
        self.drain()
    }

    /// Lets `d` pass on the virtual clock, waking the server at each of its deadlines.
    fn wait(&mut self, d: Duration) -> String {
        let until = self.now + d;
        let mut out = self.drain();
        for _ in 0..100_000 {
            match self.deadline.filter(|&at| at <= until) {
                Some(at) => self.now = self.now.max(at),
                None => break,
            }
            self.server.handle_timeout(self.now);
            let more = self.drain();
            out.push_str(&more);
            if self.end.is_some() {
                break;
            }
        }
        if self.end.is_none() {
            self.now = until;
            self.server.handle_timeout(until);
            out.push_str(&self.drain());
        }
        out
    }

    /// The client closes the connection.
    fn leave(&mut self) -> String {
        self.server.handle_eof(self.now);
        self.wait(Duration::ZERO)
    }

    fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    fn record(&self) -> &ReceivedSession {
        self.server.record()
    }
}

/// Greets with EHLO and checks the dialogue opened.
fn greeted(builder: TestServerBuilder) -> Sim {
    let mut s = Sim::new(builder);
    assert_eq!(s.drain(), GREETING);
    assert!(s.send("EHLO c.test\r\n").starts_with("250-mx.test\r\n"));
    s
}

/// Moved from `tests/test_server.rs`: silence after the final dot, for a whole minute.
#[test]
fn silent_after_the_final_dot() {
    let mut s = greeted(TestServer::builder().on(ServerStage::DataEnd, Behaviour::silent()));
    s.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\n");
    assert_eq!(
        s.send("DATA\r\n"),
        "354 End data with <CR><LF>.<CR><LF>\r\n"
    );
    assert_eq!(s.send("hello\r\n.\r\n"), "");
    assert_eq!(s.wait(Duration::from_secs(60)), "", "silent");
    assert_eq!(s.send("QUIT\r\n"), "", "still ignored");
    assert_eq!(s.wait(Duration::from_secs(60)), "");
    assert!(s.closed.is_none());
    s.leave();
    assert_eq!(s.end, Some(SessionEnd::ClientClosed));
    let m = s.record().transactions[0].message.as_ref().unwrap();
    assert_eq!((m.code, m.body.as_slice()), (0, &b"hello\r\n"[..]));
}

/// A silent behaviour still ends at the session time limit.
#[test]
fn silence_ends_at_the_session_timeout() {
    let builder = TestServer::builder()
        .session_timeout(Duration::from_secs(90))
        .greeting(Behaviour::silent());
    let mut s = Sim::new(builder);
    assert_eq!(s.wait(Duration::from_secs(3600)), "");
    assert_eq!(s.end, Some(SessionEnd::SessionTimeout));
    assert_eq!(s.elapsed(), Duration::from_secs(90));
}

/// Moved from `tests/test_server.rs`: 421 and 554 greetings, a delayed one (now to the
/// microsecond) and a silent one.
#[test]
fn greeting_behaviours() {
    let mut busy =
        Sim::new(TestServer::builder().greeting(Behaviour::reply(421, "4.7.0 Try again later")));
    assert_eq!(busy.drain(), "421 4.7.0 Try again later\r\n");
    assert_eq!(busy.closed, Some(ServerOutput::Close));
    assert_eq!(busy.end, Some(SessionEnd::ServerClosed));

    let mut no_service =
        Sim::new(TestServer::builder().greeting(Behaviour::reply(554, "5.3.2 No service")));
    assert_eq!(no_service.drain(), "554 5.3.2 No service\r\n");
    assert_eq!(
        no_service.send("EHLO c.test\r\n"),
        "503 5.5.1 Error: no SMTP service here\r\n"
    );
    assert_eq!(no_service.send("QUIT\r\n"), "221 2.0.0 Bye\r\n");
    assert_eq!(no_service.closed, Some(ServerOutput::Close));

    let mut slow =
        Sim::new(TestServer::builder().greeting(Behaviour::delay(Duration::from_millis(50))));
    assert_eq!(slow.wait(Duration::from_millis(49)), "");
    assert_eq!(slow.wait(Duration::from_millis(1)), GREETING);

    let mut mute = Sim::new(TestServer::builder().greeting(Behaviour::silent()));
    assert_eq!(mute.wait(Duration::from_secs(60)), "");
    mute.leave();
    assert_eq!(mute.end, Some(SessionEnd::ClientClosed));
}

/// Replies owed before a delayed one go out first; the delayed one at its time.
#[test]
fn pipelined_replies_are_flushed_before_a_delay() {
    let mut s = greeted(
        TestServer::builder().on(ServerStage::Rcpt, Behaviour::delay(Duration::from_secs(5))),
    );
    let now = s.send("MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n");
    assert_eq!(now, "250 2.1.0 Ok\r\n");
    assert!(!s.server.wants_input(), "no reading while delayed");
    assert_eq!(s.wait(Duration::from_millis(4_999)), "");
    assert_eq!(
        s.wait(Duration::from_millis(1)),
        "250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
    );
}

/// The idle timeout, exactly (the loopback test keeps the real timer covered).
#[test]
fn idle_client_gets_421_at_the_idle_timeout() {
    let mut s = Sim::new(TestServer::builder().idle_timeout(Duration::from_millis(100)));
    assert_eq!(s.drain(), GREETING);
    assert_eq!(s.wait(Duration::from_millis(99)), "");
    assert_eq!(
        s.send("NOOP\r\n"),
        "250 2.0.0 Ok\r\n",
        "input restarts the idle clock"
    );
    assert_eq!(s.wait(Duration::from_millis(99)), "");
    assert_eq!(
        s.wait(Duration::from_millis(1)),
        "421 4.4.2 mx.test Error: timeout exceeded\r\n"
    );
    assert_eq!(s.closed, Some(ServerOutput::Close));
    assert_eq!(s.end, Some(SessionEnd::IdleTimeout));
    assert_eq!(s.elapsed(), Duration::from_millis(199));
}

/// Moved from `tests/test_server.rs`: no reply to the final dot, the client leaves.
#[test]
fn hostile_no_reply_to_final_dot() {
    let mut s = Sim::new(TestServer::builder().hostile(Hostile::NoReplyToFinalDot));
    assert!(s.drain().starts_with("220 "));
    s.send("EHLO c.test\r\n");
    s.send("MAIL FROM:<a@example.test>\r\n");
    s.send("RCPT TO:<b@example.test>\r\n");
    assert_eq!(
        s.send("DATA\r\n"),
        "354 End data with <CR><LF>.<CR><LF>\r\n"
    );
    assert_eq!(s.send("Subject: x\r\n\r\n..body\r\n.\r\n"), "");
    assert_eq!(s.wait(Duration::from_secs(10)), "", "quiet");
    s.leave();
    assert_eq!(s.end, Some(SessionEnd::ClientClosed));
    assert_eq!(
        s.record().commands,
        [
            "EHLO c.test",
            "MAIL FROM:<a@example.test>",
            "RCPT TO:<b@example.test>",
            "DATA"
        ]
    );
}

/// Without a client leaving, the final-dot script gives up at its 30 s budget.
#[test]
fn hostile_scripts_end_at_their_time_budget() {
    let mut s = Sim::new(
        TestServer::builder().script(hostile::silent().max_duration(Duration::from_millis(100))),
    );
    assert_eq!(s.wait(Duration::from_secs(1)), "");
    assert_eq!(
        (s.end.clone(), s.elapsed()),
        (Some(SessionEnd::SessionTimeout), Duration::from_millis(100))
    );
    assert_eq!(s.closed, Some(ServerOutput::Close));

    let mut dot = Sim::new(TestServer::builder().hostile(Hostile::NoReplyToFinalDot));
    dot.drain();
    for line in [
        "EHLO c\r\n",
        "MAIL FROM:<a@b.test>\r\n",
        "RCPT TO:<c@d.test>\r\n",
        "DATA\r\n",
        ".\r\n",
    ] {
        dot.send(line);
    }
    dot.wait(Duration::from_secs(3600));
    assert_eq!(
        (dot.end.clone(), dot.elapsed()),
        (Some(SessionEnd::SessionTimeout), Duration::from_secs(30))
    );
}

/// The trickled greeting: one byte per second, to the second.
#[test]
fn trickle_greeting_sends_one_byte_per_interval() {
    let mut s = Sim::new(TestServer::builder().hostile(Hostile::TrickleGreeting));
    assert_eq!(s.drain(), "2");
    assert_eq!(s.wait(Duration::from_millis(999)), "");
    assert_eq!(s.wait(Duration::from_millis(1)), "2");
    assert_eq!(s.wait(Duration::from_secs(1)), "0");
    // A client that leaves ends the trickle at once, not at the next byte.
    s.leave();
    assert_eq!(s.end, Some(SessionEnd::ClientClosed));
    assert_eq!(s.elapsed(), Duration::from_secs(2));
}

/// A 10 MiB line goes out one bounded chunk at a time (the core never holds it).
#[test]
fn long_writes_are_chunked() {
    let mut s = Sim::new(TestServer::builder().hostile(Hostile::LongLine));
    let mut total = 0usize;
    let mut largest = 0usize;
    for _ in 0..10_000 {
        match s.server.poll_output() {
            ServerOutput::Transmit(b) => {
                largest = largest.max(b.len());
                total += b.len();
            }
            ServerOutput::Wait { .. } | ServerOutput::Done(_) => break,
            _ => {}
        }
    }
    assert!(total >= 10 << 20, "{total}");
    assert!(largest <= 64 * 1024 + 16, "{largest}");
}

/// Every scenario survives a client that sends a line and vanishes: it ends, at once or
/// at its budget, never hangs.
#[test]
fn every_hostile_scenario_survives_a_vanishing_client() {
    for scenario in Hostile::ALL {
        let mut s = Sim::new(TestServer::builder().hostile(scenario));
        s.wait(Duration::ZERO);
        s.send("EHLO c.test\r\n");
        s.leave();
        s.wait(Duration::from_secs(3600));
        assert!(s.end.is_some(), "{scenario}: {:?}", s.record());
        assert!(
            s.elapsed() <= Duration::from_secs(30),
            "{scenario}: {:?}",
            s.elapsed()
        );
    }
}

/// STARTTLS on the core: the 220, then the handshake request; plaintext pipelined after
/// STARTTLS is dropped and counted; after TLS the client must greet again.
#[test]
fn starttls_asks_for_the_handshake_and_resets_the_dialogue() {
    let pki = smtping_testkit::certs::TestPki::new().unwrap();
    let cert = pki
        .server_cert(smtping_testkit::certs::Scenario::Valid, &["mx.test"])
        .unwrap();
    let mut s =
        greeted(TestServer::builder().tls(smtping_testkit::server::ServerTls::starttls(cert)));
    assert_eq!(
        s.send("STARTTLS\r\nMAIL FROM:<x@y.test>\r\n"),
        "220 2.0.0 Ready to start TLS\r\n"
    );
    assert_eq!(s.tls, Some(false));
    assert_eq!(s.record().plaintext_after_starttls, 22);
    let info = smtping_testkit::server::ReceivedTls::default();
    s.server.handle_tls_established(info, s.now);
    assert_eq!(
        s.send("MAIL FROM:<a@b.test>\r\n"),
        "503 5.5.1 Error: send HELO/EHLO first\r\n"
    );
    assert!(s.record().tls.is_some());
}

/// A line longer than the limit is answered 500 and never buffered whole.
#[test]
fn over_long_lines_are_refused_without_buffering() {
    let mut s = greeted(TestServer::builder());
    let chunk = "x".repeat(16 * 1024);
    for _ in 0..64 {
        assert_eq!(s.send(&chunk), "");
    }
    assert_eq!(s.send("\r\n"), "500 5.5.6 Error: line too long\r\n");
    assert_eq!(
        s.record().commands.last().map(String::as_str),
        Some("[line too long]")
    );
}
