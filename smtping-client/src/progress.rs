//! What a running check is waiting for, for a progress display.
//!
//! A check spends most of its time talking, a few milliseconds per step. Three steps can wait
//! much longer, on purpose: the pause before retrying a deferred delivery
//! ([`Check::retry_deferred`](crate::Check::retry_deferred)), the polling of seed mailboxes
//! until the message lands ([`Check::follow_through`](crate::Check::follow_through)), and each
//! port of a sweep ([`Check::ports`](crate::Check::ports)) that may have to time out. Before
//! each of them the check sends a [`ProgressEvent::Waiting`] to the sink given to
//! [`Check::on_progress`](crate::Check::on_progress) — what it waits for and the longest it
//! may take — and a [`ProgressEvent::Done`] after it. The sink is called on the check's task:
//! keep it quick (set a value, send on a channel).
//!
//! ```
//! use std::sync::{Arc, Mutex};
//! use smtping_client::progress::{ProgressEvent, ProgressSink};
//!
//! let seen = Arc::new(Mutex::new(Vec::new()));
//! let log = seen.clone();
//! let sink = ProgressSink::new(move |e: &ProgressEvent| {
//!     if let ProgressEvent::Waiting(w) = e {
//!         log.lock().unwrap().push(w.to_string());
//!     }
//! });
//! # let _ = sink;
//! ```

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// What the check waits for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitKind {
    /// The pause before retrying a deferred delivery.
    RetryDeferred {
        /// The attempt that comes after the pause (2 = the first retry).
        attempt: u32,
        /// The deferring reply (`450 4.2.0 Greylisted`), as one line.
        reply: Option<String>,
    },
    /// Polling the seed mailboxes (and the bounce mailbox) until the message lands.
    FollowThrough {
        /// How many mailboxes are watched.
        mailboxes: usize,
    },
    /// One port of a sweep: connect, greeting, EHLO, TLS.
    PortSweep {
        /// The port.
        port: u16,
        /// Its place in the sweep (1-based).
        index: usize,
        /// How many ports the sweep has.
        of: usize,
    },
}

/// A wait: what and for at most how long (from the moment the event is sent).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Wait {
    /// What the check waits for.
    pub kind: WaitKind,
    /// The longest it may take.
    pub up_to: Duration,
}

impl Wait {
    /// A wait of `kind` for at most `up_to`.
    pub fn new(kind: WaitKind, up_to: Duration) -> Self {
        Self { kind, up_to }
    }
}

impl fmt::Display for Wait {
    /// One line without the time left (a display adds its own countdown).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            WaitKind::RetryDeferred { attempt, reply } => {
                write!(f, "deferred; waiting to try again (attempt {attempt})")?;
                if let Some(r) = reply {
                    let short: String = r.chars().take(60).collect();
                    write!(f, " after {short}")?;
                }
                Ok(())
            }
            WaitKind::FollowThrough { mailboxes: 1 } => {
                f.write_str("waiting for the message to land in the seed mailbox")
            }
            WaitKind::FollowThrough { mailboxes } => write!(
                f,
                "waiting for the message to land in {mailboxes} mailboxes"
            ),
            WaitKind::PortSweep { port, index, of } => {
                write!(f, "trying port {port} ({index} of {of})")
            }
        }
    }
}

/// What a check tells its progress sink.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A wait begins.
    Waiting(Wait),
    /// The wait announced last is over.
    Done,
}

/// Where a check sends its [`ProgressEvent`]s (cheap to clone).
#[derive(Clone)]
pub struct ProgressSink(Arc<dyn Fn(&ProgressEvent) + Send + Sync>);

impl ProgressSink {
    /// A sink calling `f` for each event.
    pub fn new(f: impl Fn(&ProgressEvent) + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Sends one event.
    pub fn emit(&self, event: &ProgressEvent) {
        (self.0)(event);
    }
}

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_a_sentence() {
        let w = Wait::new(
            WaitKind::RetryDeferred {
                attempt: 2,
                reply: Some("450 4.2.0 Greylisted".into()),
            },
            Duration::from_secs(30),
        );
        assert_eq!(
            w.to_string(),
            "deferred; waiting to try again (attempt 2) after 450 4.2.0 Greylisted"
        );
        let w = Wait::new(
            WaitKind::FollowThrough { mailboxes: 2 },
            Duration::from_secs(300),
        );
        assert_eq!(
            w.to_string(),
            "waiting for the message to land in 2 mailboxes"
        );
        let w = Wait::new(
            WaitKind::PortSweep {
                port: 465,
                index: 2,
                of: 4,
            },
            Duration::from_secs(10),
        );
        assert_eq!(w.to_string(), "trying port 465 (2 of 4)");
        assert_eq!(
            format!("{:?}", ProgressSink::new(|_| {})),
            "ProgressSink(..)"
        );
    }
}
