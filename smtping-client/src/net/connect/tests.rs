//! Unit tests of `connect` (kept beside it, in its own file).

use super::*;

#[test]
fn error_kinds() {
    use io::ErrorKind as K;
    for (k, o) in [
        (K::ConnectionRefused, AttemptOutcome::Refused),
        (K::TimedOut, AttemptOutcome::Timeout),
        (K::HostUnreachable, AttemptOutcome::Unreachable),
        (K::NetworkUnreachable, AttemptOutcome::Unreachable),
        (K::ConnectionReset, AttemptOutcome::Reset),
        (K::PermissionDenied, AttemptOutcome::Error),
    ] {
        assert_eq!(AttemptOutcome::from_error(&io::Error::from(k)), o);
    }
    assert!(
        AttemptOutcome::Timeout
            .advice("192.0.2.1:587", 587, Duration::from_secs(10))
            .contains("timed out after 10 s")
    );
    assert_eq!(human_duration(Duration::from_millis(1500)), "1.5 s");
}
