use super::*;

#[test]
fn words_round_trip_through_serde_and_from_str() {
    fn check<T>(all: &[T])
    where
        T: Copy + fmt::Display + std::str::FromStr + PartialEq + fmt::Debug + Serialize,
        <T as std::str::FromStr>::Err: fmt::Debug,
    {
        for v in all {
            let word = v.to_string();
            assert_eq!(serde_json::to_string(v).unwrap(), format!("\"{word}\""));
            assert_eq!(word.parse::<T>().unwrap(), *v);
        }
    }
    check(TlsModeUsed::ALL);
    check(AttemptResult::ALL);
    check(DeliveryOutcome::ALL);
    check(Stage::ALL);
    check(ErrorKind::ALL);
    check(LoginOutcome::ALL);
    check(Direction::ALL);
}

#[test]
fn stages_have_the_phase_names() {
    for p in [
        Phase::Connect,
        Phase::Greeting,
        Phase::Ehlo,
        Phase::StartTls,
        Phase::TlsHandshake,
        Phase::Auth,
        Phase::Mail,
        Phase::Rcpt,
        Phase::Data,
        Phase::DataEnd,
        Phase::Rset,
        Phase::Quit,
    ] {
        assert_eq!(Stage::from(p).as_str(), p.as_str());
    }
}

#[test]
fn compares_with_its_word() {
    assert_eq!(DeliveryOutcome::Accepted, "accepted");
    assert!("bounced" == DeliveryOutcome::Bounced);
    assert!(ErrorKind::Timeout != "closed");
    assert!("nonsense".parse::<Stage>().is_err());
}
