//! `--retry-deferred`: a deferred delivery retried as a real MTA would — the same message
//! (same Message-ID and Date) to the same address, never sooner than the schedule says, one
//! connection at a time, until it is accepted or bounced or the deadline passes.
//!
//! Each attempt is recorded (`delivery.attempts[{t_ms, outcome, reply}]`, the first one being
//! the check's own session) and the report's delivery is the last attempt's. The conclusion
//! names the pattern: "greylisted: accepted on attempt 2 after 31 s", "still deferred after 4
//! attempts over 30 min".

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use smtping_proto::session::{DeliveryStatus, Plan, Session};

use super::Check;
use crate::facts::{AttemptFacts, Facts, RetryFacts};
use crate::net::connect::AttemptOutcome;
use crate::progress::{ProgressEvent, Wait, WaitKind};
use crate::runtime::{Runtime, TlsHandshake};

/// The default wait before each retry: 30 s, 2 min, 10 min (then 10 min again).
pub const DEFAULT_RETRY_SCHEDULE: [Duration; 3] = [
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
];
/// The default deadline, from the first attempt: 30 min.
pub const DEFAULT_RETRY_DEADLINE: Duration = Duration::from_secs(30 * 60);
/// The shortest wait allowed between two attempts (politeness).
pub const MIN_RETRY_DELAY: Duration = Duration::from_secs(1);
/// At most this many retries, whatever the schedule and deadline.
pub const MAX_RETRIES: usize = 24;

/// When to retry a deferred delivery.
///
/// ```
/// use std::time::Duration;
/// use smtping_client::RetryPolicy;
///
/// let p = RetryPolicy::new(vec![Duration::from_secs(30), Duration::from_secs(120)], Duration::from_secs(600))?;
/// // The schedule's last wait repeats until the deadline.
/// let waits: Vec<u64> = p.waits().take(4).map(|d| d.as_secs()).collect();
/// assert_eq!(waits, [30, 120, 120, 120]);
/// assert!(RetryPolicy::new(vec![], Duration::from_secs(60)).is_err());
/// # Ok::<(), smtping_client::RetryPolicyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    schedule: Vec<Duration>,
    deadline: Duration,
}

/// Why a retry policy cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RetryPolicyError {
    /// No wait in the schedule.
    #[error("--retry-schedule is empty: give the waits before each retry, e.g. 30s,2m,10m")]
    Empty,
    /// A wait shorter than [`MIN_RETRY_DELAY`].
    #[error(
        "--retry-schedule: a wait of {0:?} is shorter than 1 s; retrying faster than a real MTA would only annoys the server"
    )]
    TooShort(Duration),
    /// The deadline does not leave room for one retry.
    #[error(
        "--retry-deadline {deadline:?} is shorter than the first wait {first:?}: no retry could happen"
    )]
    DeadlineTooShort {
        /// The deadline.
        deadline: Duration,
        /// The first wait.
        first: Duration,
    },
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            schedule: DEFAULT_RETRY_SCHEDULE.to_vec(),
            deadline: DEFAULT_RETRY_DEADLINE,
        }
    }
}

impl RetryPolicy {
    /// A schedule of waits (the last one repeats) and a deadline from the first attempt.
    ///
    /// # Errors
    ///
    /// [`RetryPolicyError`] for an empty schedule, a wait under [`MIN_RETRY_DELAY`], or a
    /// deadline shorter than the first wait.
    pub fn new(schedule: Vec<Duration>, deadline: Duration) -> Result<Self, RetryPolicyError> {
        let first = *schedule.first().ok_or(RetryPolicyError::Empty)?;
        if let Some(short) = schedule.iter().find(|d| **d < MIN_RETRY_DELAY) {
            return Err(RetryPolicyError::TooShort(*short));
        }
        if deadline < first {
            return Err(RetryPolicyError::DeadlineTooShort { deadline, first });
        }
        Ok(Self { schedule, deadline })
    }

    /// The schedule as given.
    #[must_use]
    pub fn schedule(&self) -> &[Duration] {
        &self.schedule
    }

    /// The deadline from the first attempt.
    #[must_use]
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The waits before each retry: the schedule, then its last wait again and again.
    pub fn waits(&self) -> impl Iterator<Item = Duration> + '_ {
        let last = self.schedule.last().copied().unwrap_or(MIN_RETRY_DELAY);
        self.schedule
            .iter()
            .copied()
            .chain(std::iter::repeat(last))
            .take(MAX_RETRIES)
    }
}

impl fmt::Display for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let waits: Vec<String> = self.schedule.iter().map(|d| words(*d)).collect();
        write!(
            f,
            "after {} until {}",
            waits.join(", "),
            words(self.deadline)
        )
    }
}

/// `31 s`, `2 min`, `1 h 5 min`.
pub(crate) fn words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=3599 if s.is_multiple_of(60) => format!("{} min", s / 60),
        120..=3599 => format!("{} min {} s", s / 60, s % 60),
        _ if s.is_multiple_of(3600) => format!("{} h", s / 3600),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl Check {
    /// The retries of a deferred delivery (see the [module](self) documentation): each one
    /// a new connection to `address` after its wait, the same plan (the same message), until
    /// the delivery is no longer deferred or the next wait would end past the deadline.
    /// The last attempt that ran becomes the check's session.
    pub(super) async fn observe_retries<R: Runtime>(
        &self,
        rt: &R,
        policy: &RetryPolicy,
        address: SocketAddr,
        plan: Plan,
        tls: Option<TlsHandshake>,
        facts: &mut Facts,
    ) {
        let Some(start) = facts.session_started else {
            return;
        };
        let deferred = |facts: &Facts| {
            facts
                .session
                .as_ref()
                .is_some_and(|s| s.outcome.delivery.status == DeliveryStatus::Deferred)
        };
        if !deferred(facts) {
            return;
        }
        // The main session is the first attempt.
        if let (Some(attempt), Some(run)) = (facts.attempts.last(), facts.session.as_ref()) {
            let d = &run.outcome.delivery;
            facts.retries.push(RetryFacts {
                at: Duration::ZERO,
                attempt: attempt.clone(),
                status: Some(d.status),
                reply: d.reply.clone(),
                error: run.outcome.error.as_ref().map(|e| e.message.clone()),
            });
        }
        let mut previous_end = rt.now();
        for wait in policy.waits() {
            let at = previous_end + wait;
            if at.saturating_duration_since(start) > policy.deadline {
                break;
            }
            let reply = facts.retries.last().and_then(|r| {
                r.reply
                    .as_ref()
                    .map(|r| r.to_string().lines().next().unwrap_or("").to_owned())
            });
            self.progress(ProgressEvent::Waiting(Wait::new(
                WaitKind::RetryDeferred {
                    attempt: u32::try_from(facts.retries.len() + 1).unwrap_or(u32::MAX),
                    reply,
                },
                at.saturating_duration_since(rt.now()),
            )));
            rt.sleep_until(at).await;
            self.progress(ProgressEvent::Done);
            let t = rt.now();
            let connected = rt.connect(address, self.connect_timeout).await;
            let elapsed = rt.now().saturating_duration_since(t);
            let at_ms = t.saturating_duration_since(start);
            previous_end = rt.now();
            match connected {
                Ok((stream, _local)) => {
                    let session = Session::new(plan.clone(), rt.now());
                    let run = rt.run_session(stream, session, tls.clone()).await;
                    previous_end = rt.now();
                    let d = &run.outcome.delivery;
                    facts.retries.push(RetryFacts {
                        at: at_ms,
                        attempt: AttemptFacts::new(
                            address,
                            AttemptOutcome::Connected,
                            elapsed,
                            None,
                        ),
                        status: Some(d.status),
                        reply: d.reply.clone(),
                        error: run.outcome.error.as_ref().map(|e| e.message.clone()),
                    });
                    // The report's session is the latest attempt that talked to the server.
                    facts.session = Some(run);
                    if !deferred(facts) {
                        break;
                    }
                }
                Err(e) => facts.retries.push(RetryFacts {
                    at: at_ms,
                    attempt: super::run::failed_attempt(address, &e, elapsed),
                    status: None,
                    reply: None,
                    error: Some(e.to_string()),
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_rules() {
        assert_eq!(
            RetryPolicy::new(vec![Duration::from_millis(500)], Duration::from_secs(9)),
            Err(RetryPolicyError::TooShort(Duration::from_millis(500)))
        );
        assert!(matches!(
            RetryPolicy::new(vec![Duration::from_secs(60)], Duration::from_secs(30)),
            Err(RetryPolicyError::DeadlineTooShort { .. })
        ));
        let p = RetryPolicy::default();
        assert_eq!(p.waits().count(), MAX_RETRIES);
        assert_eq!(p.to_string(), "after 30 s, 2 min, 10 min until 30 min");
        assert_eq!(words(Duration::from_secs(31)), "31 s");
        assert_eq!(words(Duration::from_secs(150)), "2 min 30 s");
        assert_eq!(words(Duration::from_secs(3900)), "1 h 5 min");
    }
}
