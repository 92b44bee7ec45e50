//! `delivery.attempts[]` and the retry conclusion of a `--retry-deferred` check.

use smtping_classify::{Context, Reason, Stage, classify};
use smtping_proto::session::DeliveryStatus;

use super::reply_info;
use crate::check::retry_words;
use crate::facts::RetryFacts;
use crate::report::{DeliveryAttempt, DeliveryOutcome, Report};

/// Fills `delivery.attempts` and `delivery.retry_conclusion` from the attempts (the main
/// session's first); the delivery itself is already the last attempt's.
pub(super) fn attempts(report: &mut Report, retries: &[RetryFacts]) {
    let Some(first) = retries.first() else {
        return;
    };
    report.delivery.attempts = retries
        .iter()
        .map(|r| DeliveryAttempt {
            t_ms: u64::try_from(r.at.as_millis()).unwrap_or(u64::MAX),
            outcome: r.status.map_or(DeliveryOutcome::Unknown, Into::into),
            reply: r.reply.as_ref().map(reply_info),
            error: r.error.clone(),
        })
        .collect();
    let n = retries.len();
    let last = &retries[n - 1];
    let after = retry_words(last.at);
    let why = first.reply.as_ref().map(|r| {
        let ctx = Context::new().stage(Stage::Rcpt);
        classify(&r.as_reply(), &ctx).reason
    });
    let first_words = match why {
        Some(Reason::Greylisted) => "greylisted".to_owned(),
        Some(reason) => format!("deferred ({})", reason.as_str()),
        None => "deferred".to_owned(),
    };
    report.delivery.retry_conclusion = Some(match last.status {
        Some(DeliveryStatus::Accepted) => {
            format!("{first_words}: accepted on attempt {n} after {after}")
        }
        Some(DeliveryStatus::Bounced) => {
            format!("{first_words}, then bounced on attempt {n} after {after}")
        }
        Some(DeliveryStatus::Deferred) => {
            format!("{first_words}: still deferred after {n} attempts over {after}")
        }
        _ => format!(
            "{first_words}, then attempt {n} after {after} failed: {}",
            last.error.as_deref().unwrap_or("no answer")
        ),
    });
}
