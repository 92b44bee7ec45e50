//! The sans-IO query interface every evaluator speaks, and the synchronous driver.

use std::collections::{HashMap, VecDeque};

use smtping_proto::dns::{Answer, DnsError, Question};

/// The answer to one question: records, or why there are none.
pub type Response = Result<Answer, DnsError>;

/// At most this many distinct questions per evaluation, whatever the evaluator asks (a
/// safety net: the evaluators bound themselves far below it, e.g. SPF's 10 DNS terms).
pub const MAX_QUERIES: usize = 512;

/// A sans-IO evaluator that needs DNS answers.
///
/// The driver's loop, in this order:
/// 1. drain [`poll_query`](Self::poll_query) and start every question (the evaluator
///    hands out all questions it can already ask, so they can run in parallel);
/// 2. check [`poll_result`](Self::poll_result): once it is `Some`, the evaluation is
///    over (questions still in flight are abandoned);
/// 3. wait for any one answer, pass it to [`handle_response`](Self::handle_response),
///    and go to 1.
///
/// An evaluator never reads a clock: the driver owns the deadline and answers a question
/// it could not finish with a [`DnsError::Timeout`].
pub trait Evaluator {
    /// The typed result.
    type Output;

    /// The next question to ask, if any is ready.
    fn poll_query(&mut self) -> Option<Question>;

    /// The response to a question handed out earlier.
    fn handle_response(&mut self, question: &Question, response: &Response);

    /// The result, once the evaluation is complete (taken: later calls may return `None`).
    fn poll_result(&mut self) -> Option<Self::Output>;
}

/// The one TXT question of a single-lookup evaluator (MTA-STS, TLS-RPT): handed out
/// once, and recognised when its answer comes back (names compared without case or
/// trailing dot).
#[derive(Clone, Debug, Default)]
pub(crate) struct TxtQuestion {
    question: Option<Question>,
    asked: bool,
}

impl TxtQuestion {
    /// The TXT question for `name`.
    pub(crate) fn new(name: String) -> Self {
        Self {
            question: Some(Question {
                name,
                record_type: smtping_proto::dns::RecordType::Txt,
            }),
            asked: false,
        }
    }

    /// No question at all (the evaluator already has its result).
    pub(crate) fn none() -> Self {
        Self::default()
    }

    /// The question, the first time only.
    pub(crate) fn poll(&mut self) -> Option<Question> {
        if std::mem::replace(&mut self.asked, true) {
            return None;
        }
        self.question.clone()
    }

    /// `question` is the one this asked.
    pub(crate) fn is_answered_by(&self, question: &Question) -> bool {
        self.question.as_ref().is_some_and(|q| {
            q.record_type == question.record_type
                && q.name
                    .trim_end_matches('.')
                    .eq_ignore_ascii_case(question.name.trim_end_matches('.'))
        })
    }
}

/// The driver could not bring an evaluation to its end.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DriveError {
    /// The evaluator asked more than [`MAX_QUERIES`] distinct questions.
    #[error("the evaluation asked more than {limit} DNS questions and was stopped")]
    TooManyQueries {
        /// The limit.
        limit: usize,
    },
    /// The evaluator has no result and no question left (a bug in the evaluator).
    #[error("the evaluation stopped without a result (no DNS question left to answer)")]
    Stalled,
}

/// The responses of one evaluation, by question: a question asked twice is answered
/// once. Drivers use it to deduplicate; it also counts the distinct questions.
#[derive(Clone, Debug, Default)]
pub struct QueryCache {
    responses: HashMap<Question, Response>,
}

impl QueryCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The response already known for `question`.
    #[must_use]
    pub fn get(&self, question: &Question) -> Option<&Response> {
        self.responses.get(&normalised(question))
    }

    /// Stores a response.
    pub fn insert(&mut self, question: &Question, response: Response) {
        self.responses.insert(normalised(question), response);
    }

    /// Distinct questions answered so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// No question answered yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

/// Names compare case-insensitively and without a trailing dot.
fn normalised(question: &Question) -> Question {
    let name = question.name.trim_end_matches('.').to_ascii_lowercase();
    Question {
        name: if name.is_empty() { ".".into() } else { name },
        record_type: question.record_type,
    }
}

/// Drives `evaluator` to its result, answering each question with `resolve` (called
/// once per distinct question, in the order asked).
///
/// ```
/// use smtping_proto::dns::{Question, RecordType};
/// use smtping_signals::{evaluate_with, Evaluator, Response, DriveError};
///
/// /// Never finishes: asks forever.
/// struct Greedy(u32);
/// impl Evaluator for Greedy {
///     type Output = ();
///     fn poll_query(&mut self) -> Option<Question> {
///         self.0 += 1;
///         Some(Question { name: format!("n{}.test", self.0), record_type: RecordType::A })
///     }
///     fn handle_response(&mut self, _: &Question, _: &Response) {}
///     fn poll_result(&mut self) -> Option<()> { None }
/// }
/// let dns = smtping_testkit::dns::MemoryDns::new(smtping_testkit::dns::Zone::new())?;
/// let err = evaluate_with(Greedy(0), |q| dns.resolve(q)).unwrap_err();
/// assert!(matches!(err, DriveError::TooManyQueries { .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn evaluate_with<E: Evaluator>(
    mut evaluator: E,
    mut resolve: impl FnMut(&Question) -> Response,
) -> Result<E::Output, DriveError> {
    let mut cache = QueryCache::new();
    let mut pending: VecDeque<Question> = VecDeque::new();
    let mut asked = 0usize;
    loop {
        while let Some(question) = evaluator.poll_query() {
            asked += 1;
            if asked > MAX_QUERIES {
                return Err(DriveError::TooManyQueries { limit: MAX_QUERIES });
            }
            pending.push_back(question);
        }
        if let Some(output) = evaluator.poll_result() {
            return Ok(output);
        }
        let Some(question) = pending.pop_front() else {
            return Err(DriveError::Stalled);
        };
        let response = match cache.get(&question) {
            Some(known) => known.clone(),
            None => {
                let fresh = resolve(&question);
                cache.insert(&question, fresh.clone());
                fresh
            }
        };
        evaluator.handle_response(&question, &response);
    }
}
