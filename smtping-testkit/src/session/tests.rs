//! Unit tests of the server core (kept beside it, in their own file).

use std::time::{Duration, Instant};

use super::*;
use crate::server::{Behaviour, ServerStage, TestServer};

fn session(builder: crate::server::TestServerBuilder) -> (ServerSession, Instant) {
    let now = Instant::now();
    (ServerSession::new(&builder.plan().unwrap(), now), now)
}

fn drain(s: &mut ServerSession) -> (Vec<u8>, ServerOutput) {
    let mut out = Vec::new();
    for _ in 0..1000 {
        match s.poll_output() {
            ServerOutput::Transmit(b) => out.extend_from_slice(&b),
            other => return (out, other),
        }
    }
    panic!("never stops transmitting");
}

#[test]
fn done_is_returned_once_then_wait_forever() {
    let (mut s, now) = session(TestServer::builder());
    let _ = drain(&mut s);
    s.handle_input(b"QUIT\r\n", now);
    let (bytes, next) = drain(&mut s);
    assert_eq!(bytes, b"221 2.0.0 Bye\r\n");
    assert_eq!(next, ServerOutput::Close);
    assert_eq!(s.poll_output(), ServerOutput::Done(SessionEnd::Quit));
    assert_eq!(s.poll_output(), ServerOutput::Wait { deadline: None });
    assert!(s.is_finished());
    assert_eq!(s.record().end, Some(SessionEnd::Quit));
}

#[test]
fn the_wait_deadline_is_the_idle_timeout_while_reading() {
    let builder = TestServer::builder().idle_timeout(Duration::from_secs(7));
    let (mut s, now) = session(builder);
    let (_, wait) = drain(&mut s);
    assert_eq!(
        wait,
        ServerOutput::Wait {
            deadline: Some(now + Duration::from_secs(7))
        }
    );
    assert_eq!(s.io_deadline(now), now + Duration::from_secs(7));
}

#[test]
fn input_is_not_wanted_while_delayed_or_when_much_is_held() {
    let builder =
        TestServer::builder().on(ServerStage::Helo, Behaviour::delay(Duration::from_secs(1)));
    let (mut s, now) = session(builder);
    let _ = drain(&mut s);
    assert!(s.wants_input());
    s.handle_input(b"HELO c\r\n", now);
    let _ = drain(&mut s);
    assert!(!s.wants_input(), "delayed");
    s.handle_timeout(now + Duration::from_secs(1));
    let (bytes, _) = drain(&mut s);
    assert_eq!(bytes, b"250 mx.test\r\n");
    assert!(s.wants_input());
    s.handle_input(&vec![b'x'; INPUT_HIGH_WATER], now);
    assert!(!s.wants_input(), "enough held until the core reads it");
    let _ = drain(&mut s);
    assert!(s.wants_input(), "the over-long line was dropped");
}

#[test]
fn a_stalled_write_ends_the_session() {
    let (mut s, now) = session(TestServer::builder());
    let _ = drain(&mut s);
    s.handle_stalled(now + Duration::from_secs(1));
    assert_eq!(drain(&mut s).1, ServerOutput::Disconnect);
    assert_eq!(s.poll_output(), ServerOutput::Done(SessionEnd::IdleTimeout));
}

#[test]
fn a_failed_handshake_ends_the_session() {
    let pki = crate::certs::TestPki::new().unwrap();
    let cert = pki
        .server_cert(crate::certs::Scenario::Valid, &["mx.test"])
        .unwrap();
    let (mut s, now) = session(TestServer::builder().tls(crate::server::ServerTls::implicit(cert)));
    assert_eq!(s.poll_output(), ServerOutput::StartTls { implicit: true });
    s.handle_input(b"EHLO early\r\n", now);
    s.handle_tls_failed("bad record", now);
    assert_eq!(drain(&mut s).1, ServerOutput::Disconnect);
    let end = SessionEnd::TlsHandshake("bad record".into());
    assert_eq!(s.poll_output(), ServerOutput::Done(end));
    assert!(s.record().commands.is_empty());
}
