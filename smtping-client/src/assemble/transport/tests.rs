//! Unit tests of the sweep's conclusion and the enforcement reading (pure).

use super::*;

fn port(port: u16, outcome: AttemptResult) -> SweepPort {
    SweepPort {
        port,
        outcome,
        ..SweepPort::default()
    }
}

#[test]
fn conclusions_by_pattern() {
    use AttemptResult::{Connected, Refused, Reset, Timeout, Unreachable};
    let (s, c, blocked) = conclude(&[
        port(25, Timeout),
        port(465, Connected),
        port(587, Connected),
    ]);
    assert_eq!(s, Status::Amber);
    assert!(blocked);
    assert!(c.starts_with(
        "25 timed out while 465 and 587 answered: outbound port 25 is probably blocked"
    ));
    let (_, c, blocked) = conclude(&[port(25, Unreachable), port(587, Connected)]);
    assert!(
        blocked && c.starts_with("25 was unreachable while 587 answered"),
        "{c}"
    );
    // 25 refused while 587 answers: the server, not this network.
    let (_, c, blocked) = conclude(&[port(25, Refused), port(587, Connected)]);
    assert!(!blocked);
    assert_eq!(
        c,
        "587 answered; 25 refused the connection (nothing listening)"
    );
    // 25 timing out while only 2525 answers is not the submission pattern.
    let (_, _, blocked) = conclude(&[port(25, Timeout), port(2525, Connected)]);
    assert!(!blocked);
    let (s, c, _) = conclude(&[port(25, Timeout), port(465, Timeout), port(587, Timeout)]);
    assert_eq!(s, Status::Red);
    assert!(
        c.starts_with("25, 465 and 587 timed out: the host is down"),
        "{c}"
    );
    let (s, c, _) = conclude(&[port(25, Refused)]);
    assert_eq!(s, Status::Red);
    assert!(
        c.starts_with("25 refused the connection: the host is up"),
        "{c}"
    );
    let (_, c, _) = conclude(&[port(25, Reset), port(587, Timeout)]);
    assert_eq!(
        c,
        "no port answered: 587 timed out (filtered or down); 25 reset the connection"
    );
    let (s, c, _) = conclude(&[port(25, Connected)]);
    assert_eq!((s, c.as_str()), (Status::Green, "every port answered (25)"));
}

#[test]
fn tls_words_in_a_refusal() {
    for (code, text, tls) in [
        (530, "5.7.0 Must issue a STARTTLS command first", true),
        (530, "5.7.0 Authentication required", true),
        (554, "5.7.10 Encryption needed", true),
        (550, "5.7.1 Relaying denied", false),
        (451, "4.3.0 Try again later", false),
    ] {
        let wire = format!("{code} {text}\r\n");
        let (reply, _) = smtping_proto::parse_reply(wire.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(asks_for_tls(&reply.to_owned()), tls, "{code} {text}");
    }
}
