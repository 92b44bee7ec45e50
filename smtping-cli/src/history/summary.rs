//! The pure per-target aggregation of stored runs: verdict and delivery counts, greylisting
//! retry success, certificate days over time, and the changes seen between consecutive runs
//! (from [`crate::diff::compare`]). Runs arrive one at a time, ordered by target then time;
//! only the previous report of the current target is kept, and the series are capped.

use std::collections::VecDeque;

use serde::Serialize;
use serde_json::Value;

use super::store::StoredRun;
use crate::diff::compare::{self, Direction};

/// At most this many points per series (cert days, verdicts) and changes per target; the
/// oldest go first.
pub(crate) const MAX_POINTS: usize = 10_000;

/// Verdict counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Verdicts {
    /// Green runs.
    pub green: u64,
    /// Amber runs.
    pub amber: u64,
    /// Red runs.
    pub red: u64,
    /// Runs with another verdict word (grey, or one from a newer SMTPing).
    pub other: u64,
}

/// Shares of the runs that tried a delivery (0 to 1); `None` when none did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Rates {
    /// Accepted / tried.
    pub accepted: Option<f64>,
    /// Deferred / tried.
    pub deferred: Option<f64>,
    /// Bounced / tried.
    pub bounced: Option<f64>,
}

/// Delivery outcome counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Delivery {
    /// Accepted (2xx).
    pub accepted: u64,
    /// Deferred (4xx).
    pub deferred: u64,
    /// Bounced (5xx).
    pub bounced: u64,
    /// Broke off without a final answer.
    pub unknown: u64,
    /// No delivery asked for.
    pub not_tested: u64,
    /// The rates over the runs that tried a delivery.
    pub rates: Rates,
}

/// Greylisting: the runs that retried a deferral (`--retry-deferred`, more than one
/// delivery attempt) and how many of them ended accepted.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Retries {
    /// Runs with more than one delivery attempt.
    pub retried: u64,
    /// Of those, accepted in the end.
    pub accepted: u64,
    /// accepted / retried; `None` without retries.
    pub success_rate: Option<f64>,
}

/// The certificate's days left at one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct CertPoint {
    /// When (Unix ms).
    pub t: i64,
    /// Days left.
    pub days: i64,
}

/// The verdict of one run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct VerdictPoint {
    /// When (Unix ms).
    pub t: i64,
    /// The verdict word.
    pub verdict: String,
}

/// A change seen between a run and the one before it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ChangeSeen {
    /// When the later run was recorded (Unix ms).
    pub t: i64,
    /// The same instant, RFC 3339 UTC.
    pub time: String,
    /// The area (`tls`, `ehlo`, `delivery`, `findings`, …).
    pub area: &'static str,
    /// What changed, in words.
    pub what: String,
    /// The field (as in `smtping diff --json`).
    pub field: String,
    /// Better, worse or neutral.
    pub direction: Direction,
}

/// Everything `smtping history` says about one target.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct TargetSummary {
    /// The target as stored.
    pub target: String,
    /// How many runs.
    pub runs: u64,
    /// The first run (Unix ms).
    pub first: i64,
    /// The last run (Unix ms).
    pub last: i64,
    /// Verdict counts.
    pub verdicts: Verdicts,
    /// Delivery counts and rates.
    pub delivery: Delivery,
    /// Greylisting retry success.
    pub retries: Retries,
    /// Certificate days left per run that saw one.
    pub cert_days: VecDeque<CertPoint>,
    /// The verdict per run.
    pub verdict_runs: VecDeque<VerdictPoint>,
    /// The changes seen (worse and better, plus another certificate), oldest first.
    pub changes: VecDeque<ChangeSeen>,
    /// Points or changes dropped over [`MAX_POINTS`].
    pub dropped: u64,
}

impl TargetSummary {
    fn new(target: String, t: i64) -> Self {
        Self {
            target,
            runs: 0,
            first: t,
            last: t,
            verdicts: Verdicts::default(),
            delivery: Delivery::default(),
            retries: Retries::default(),
            cert_days: VecDeque::new(),
            verdict_runs: VecDeque::new(),
            changes: VecDeque::new(),
            dropped: 0,
        }
    }

    fn finish(&mut self) {
        let d = &mut self.delivery;
        let tried = d.accepted + d.deferred + d.bounced + d.unknown;
        let rate = |n: u64| (tried > 0).then(|| n as f64 / tried as f64);
        d.rates = Rates {
            accepted: rate(d.accepted),
            deferred: rate(d.deferred),
            bounced: rate(d.bounced),
        };
        let r = &mut self.retries;
        r.success_rate = (r.retried > 0).then(|| r.accepted as f64 / r.retried as f64);
    }
}

fn push_capped<T>(q: &mut VecDeque<T>, item: T, dropped: &mut u64) {
    if q.len() >= MAX_POINTS {
        q.pop_front();
        *dropped += 1;
    }
    q.push_back(item);
}

/// A Unix-ms instant as RFC 3339 UTC to the second.
pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// Whether a change between consecutive runs is worth listing: worse or better ones, and a
/// different certificate issuer (another certificate, neither good nor bad). Days left
/// going down by one a day is not news.
fn noteworthy(c: &compare::Change) -> bool {
    c.direction != Direction::Neutral || c.field == "certificate.issuer"
}

/// Folds runs (ordered by target, then time) into per-target summaries.
#[derive(Debug, Default)]
pub(crate) struct Aggregator {
    done: Vec<TargetSummary>,
    current: Option<(TargetSummary, Value)>,
}

impl Aggregator {
    /// Adds the next run.
    pub(crate) fn push(&mut self, run: StoredRun) {
        let same = self
            .current
            .as_ref()
            .is_some_and(|(s, _)| s.target == run.target);
        if !same && let Some((mut s, _)) = self.current.take() {
            s.finish();
            self.done.push(s);
        }
        let (summary, previous) = match self.current.take() {
            Some((s, prev)) => (s, Some(prev)),
            None => (TargetSummary::new(run.target.clone(), run.checked_at), None),
        };
        let mut s = summary;
        s.runs += 1;
        s.last = run.checked_at;
        match run.verdict.as_str() {
            "green" => s.verdicts.green += 1,
            "amber" => s.verdicts.amber += 1,
            "red" => s.verdicts.red += 1,
            _ => s.verdicts.other += 1,
        }
        match run.delivery.as_str() {
            "accepted" => s.delivery.accepted += 1,
            "deferred" => s.delivery.deferred += 1,
            "bounced" => s.delivery.bounced += 1,
            "unknown" => s.delivery.unknown += 1,
            _ => s.delivery.not_tested += 1,
        }
        if run.delivery_attempts > 1 {
            s.retries.retried += 1;
            if run.delivery == "accepted" {
                s.retries.accepted += 1;
            }
        }
        let mut dropped = s.dropped;
        if let Some(days) = run.cert_days {
            push_capped(
                &mut s.cert_days,
                CertPoint {
                    t: run.checked_at,
                    days,
                },
                &mut dropped,
            );
        }
        push_capped(
            &mut s.verdict_runs,
            VerdictPoint {
                t: run.checked_at,
                verdict: run.verdict.clone(),
            },
            &mut dropped,
        );
        if let Some(prev) = &previous {
            for c in compare::compare(prev, &run.report).changes {
                if noteworthy(&c) {
                    push_capped(
                        &mut s.changes,
                        ChangeSeen {
                            t: run.checked_at,
                            time: rfc3339(run.checked_at),
                            area: c.area,
                            what: c.text,
                            field: c.field,
                            direction: c.direction,
                        },
                        &mut dropped,
                    );
                }
            }
        }
        s.dropped = dropped;
        self.current = Some((s, run.report));
    }

    /// The summaries, in target order.
    pub(crate) fn finish(mut self) -> Vec<TargetSummary> {
        if let Some((mut s, _)) = self.current.take() {
            s.finish();
            self.done.push(s);
        }
        self.done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(
        target: &str,
        t: i64,
        verdict: &str,
        delivery: &str,
        attempts: i64,
        report: Value,
    ) -> StoredRun {
        let cert_days = report["tls"]["certificate"]["days_remaining"].as_i64();
        StoredRun {
            id: t,
            target: target.to_owned(),
            checked_at: t,
            verdict: verdict.to_owned(),
            delivery: delivery.to_owned(),
            delivery_attempts: attempts,
            cert_days,
            report,
        }
    }

    fn report(pipelining: bool, days: i64, issuer: &str) -> Value {
        let mut kw = vec!["SIZE 1000"];
        if pipelining {
            kw.push("PIPELINING");
        }
        json!({
            "verdict": "green",
            "target": {"input": "mx.test"},
            "ehlo": {"keywords": kw, "pipelining": pipelining},
            "tls": {"established": true, "version": "TLSv1.3",
                    "certificate": {"verification": "valid", "days_remaining": days, "issuer": issuer}},
            "findings": []
        })
    }

    #[test]
    fn counts_rates_retries_and_changes_per_target() {
        let mut a = Aggregator::default();
        a.push(run(
            "a.test",
            1000,
            "green",
            "accepted",
            1,
            report(true, 30, "CA"),
        ));
        a.push(run(
            "a.test",
            2000,
            "amber",
            "deferred",
            3,
            report(true, 29, "CA"),
        ));
        a.push(run(
            "a.test",
            3000,
            "green",
            "accepted",
            2,
            report(false, 28, "CA"),
        ));
        a.push(run(
            "a.test",
            4000,
            "red",
            "bounced",
            1,
            report(false, 90, "New CA"),
        ));
        a.push(run(
            "b.test",
            1500,
            "green",
            "not_tested",
            0,
            report(true, 10, "CA"),
        ));
        let out = a.finish();
        assert_eq!(out.len(), 2);
        let s = &out[0];
        assert_eq!(s.target, "a.test");
        assert_eq!((s.runs, s.first, s.last), (4, 1000, 4000));
        assert_eq!(
            s.verdicts,
            Verdicts {
                green: 2,
                amber: 1,
                red: 1,
                other: 0
            }
        );
        assert_eq!(
            (s.delivery.accepted, s.delivery.deferred, s.delivery.bounced),
            (2, 1, 1)
        );
        assert_eq!(s.delivery.rates.accepted, Some(0.5));
        assert_eq!(s.delivery.rates.bounced, Some(0.25));
        // Two runs retried, one of them ended accepted.
        assert_eq!((s.retries.retried, s.retries.accepted), (2, 1));
        assert_eq!(s.retries.success_rate, Some(0.5));
        let days: Vec<i64> = s.cert_days.iter().map(|p| p.days).collect();
        assert_eq!(days, [30, 29, 28, 90]);
        // 30 → 29 is not news; PIPELINING lost at 3000; renewal and new issuer at 4000.
        let seen: Vec<(i64, &str, Direction)> = s
            .changes
            .iter()
            .map(|c| (c.t, c.field.as_str(), c.direction))
            .collect();
        assert!(
            seen.contains(&(3000, "extensions.PIPELINING", Direction::Worse)),
            "{seen:?}"
        );
        assert!(
            seen.contains(&(4000, "certificate.days_remaining", Direction::Better)),
            "{seen:?}"
        );
        assert!(
            seen.contains(&(4000, "certificate.issuer", Direction::Neutral)),
            "{seen:?}"
        );
        assert!(!seen.iter().any(|(t, _, _)| *t == 2000), "{seen:?}");
        assert_eq!(s.changes[0].time, "1970-01-01T00:00:03Z");
        let b = &out[1];
        assert_eq!((b.target.as_str(), b.runs), ("b.test", 1));
        assert!(b.changes.is_empty());
        assert_eq!(b.delivery.rates.accepted, None);
        assert_eq!(b.retries.success_rate, None);
    }

    #[test]
    fn series_are_capped() {
        let mut q = VecDeque::new();
        let mut dropped = 0;
        for i in 0..MAX_POINTS + 5 {
            push_capped(&mut q, i, &mut dropped);
        }
        assert_eq!(q.len(), MAX_POINTS);
        assert_eq!(dropped, 5);
        assert_eq!(q.front(), Some(&5));
    }
}
