//! Drives the sans-IO deliverability evaluators of [`smtping_signals`] (SPF, DKIM,
//! DMARC, PTR, HELO, DNSBL) over a [`Resolver`]: their questions run concurrently (at
//! most [`MAX_IN_FLIGHT`] at once), each distinct question is asked once per evaluation.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use smtping_proto::dns::Question;
use smtping_signals::{DriveError, Evaluator, MAX_QUERIES, QueryCache, Response};

use super::dns::{DnsTransport, Resolver};

/// Questions of one evaluation in flight at once: enough to ask a DMARC record, a few
/// DKIM selectors and an SPF include together, few enough to stay polite to a resolver.
pub const MAX_IN_FLIGHT: usize = 8;

/// What an evaluation cost.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvaluationStats {
    /// Distinct questions sent to the resolver.
    pub queries: usize,
    /// Questions answered from the evaluation's cache (asked twice).
    pub cached: usize,
    /// From the first question to the result.
    pub elapsed: Duration,
}

type InFlight<'a> = Pin<Box<dyn Future<Output = (Question, Response)> + Send + 'a>>;

impl<T: DnsTransport> Resolver<T> {
    /// Drives `evaluator` to its result, asking its questions over this resolver.
    ///
    /// ```no_run
    /// use smtping_client::net::dns::Resolver;
    /// # async fn demo<E: smtping_signals::Evaluator + Send>(evaluator: E)
    /// #     -> Result<(), smtping_signals::DriveError> where E::Output: std::fmt::Debug {
    /// let resolver = Resolver::with_servers(["127.0.0.1:53".parse().unwrap()]);
    /// let (result, stats) = resolver.evaluate(evaluator).await?;
    /// println!("{result:?} after {} queries", stats.queries);
    /// # Ok(()) }
    /// ```
    pub async fn evaluate<E>(
        &self,
        mut evaluator: E,
    ) -> Result<(E::Output, EvaluationStats), DriveError>
    where
        E: Evaluator + Send,
    {
        let started = self.transport().now();
        let mut stats = EvaluationStats::default();
        let mut cache = QueryCache::new();
        let mut waiting: VecDeque<Question> = VecDeque::new();
        let mut in_flight: FuturesUnordered<InFlight<'_>> = FuturesUnordered::new();
        let mut asked = 0usize;
        let mut flying: Vec<Question> = Vec::new();
        let mut parked: Vec<Question> = Vec::new();
        loop {
            while let Some(question) = evaluator.poll_query() {
                asked += 1;
                if asked > MAX_QUERIES {
                    return Err(DriveError::TooManyQueries { limit: MAX_QUERIES });
                }
                if let Some(known) = cache.get(&question) {
                    let known = known.clone();
                    stats.cached += 1;
                    evaluator.handle_response(&question, &known);
                } else {
                    waiting.push_back(question);
                }
            }
            if let Some(output) = evaluator.poll_result() {
                stats.elapsed = self.transport().now().saturating_duration_since(started);
                return Ok((output, stats));
            }
            while in_flight.len() < MAX_IN_FLIGHT {
                let Some(question) = waiting.pop_front() else {
                    break;
                };
                if let Some(known) = cache.get(&question) {
                    // Asked again while the first was waiting: answered since.
                    let known = known.clone();
                    stats.cached += 1;
                    evaluator.handle_response(&question, &known);
                    continue;
                }
                if flying.iter().any(|f| same_question(f, &question)) {
                    // The same question is on the wire: answer this one with it.
                    parked.push(question);
                    continue;
                }
                flying.push(question.clone());
                stats.queries += 1;
                in_flight.push(Box::pin(async move {
                    let outcome = self.query(&question.name, question.record_type).await;
                    (question, outcome.result)
                }));
            }
            let Some((question, response)) = in_flight.next().await else {
                if waiting.is_empty() && parked.is_empty() {
                    return Err(DriveError::Stalled);
                }
                waiting.extend(parked.drain(..));
                continue;
            };
            flying.retain(|f| !same_question(f, &question));
            cache.insert(&question, response.clone());
            evaluator.handle_response(&question, &response);
            let (twins, others): (Vec<_>, Vec<_>) =
                parked.drain(..).partition(|p| same_question(p, &question));
            parked = others;
            for twin in twins {
                stats.cached += 1;
                evaluator.handle_response(&twin, &response);
            }
        }
    }
}

/// Names compare case-insensitively, with or without the trailing dot.
fn same_question(a: &Question, b: &Question) -> bool {
    a.record_type == b.record_type
        && a.name
            .trim_end_matches('.')
            .eq_ignore_ascii_case(b.name.trim_end_matches('.'))
}

#[cfg(test)]
mod tests;
