use std::net::Ipv4Addr;

use smtping_proto::dns::{Question, RecordType};
use smtping_signals::{DriveError, Evaluator, Response};
use smtping_testkit::dns::{DnsResponder, Fault, Zone};

use crate::net::dns::Resolver;

fn q(name: &str, record_type: RecordType) -> Question {
    Question {
        name: name.into(),
        record_type,
    }
}

/// Asks a batch of questions (with duplicates in other spellings) at once, then one
/// that depends on the first answer.
struct Fanout {
    batch: Vec<Question>,
    answers: Vec<(String, bool)>,
    followed: bool,
    done: bool,
}

impl Evaluator for Fanout {
    type Output = Vec<(String, bool)>;

    fn poll_query(&mut self) -> Option<Question> {
        self.batch.pop()
    }

    fn handle_response(&mut self, question: &Question, response: &Response) {
        self.answers.push((question.name.clone(), response.is_ok()));
        if question.name == "a.example.test" && !self.followed {
            self.followed = true;
            self.batch.push(q("next.example.test", RecordType::A));
        }
        if question.name == "next.example.test" {
            self.done = true;
        }
    }

    fn poll_result(&mut self) -> Option<Self::Output> {
        (self.done && self.answers.len() >= 6).then(|| std::mem::take(&mut self.answers))
    }
}

#[tokio::test]
async fn questions_run_together_and_twins_are_asked_once() {
    let zone = Zone::new()
        .a("a.example.test", Ipv4Addr::new(192, 0, 2, 1))
        .a("next.example.test", Ipv4Addr::new(192, 0, 2, 2))
        .txt("t.example.test", "hello")
        .fault("slow.example.test", Fault::Drop);
    let dns = DnsResponder::start(zone).await.unwrap();
    let resolver = Resolver::new(
        dns.resolver_config()
            .with_timeout(std::time::Duration::from_millis(200))
            .with_attempts(1),
    );
    let evaluator = Fanout {
        batch: vec![
            q("a.example.test", RecordType::A),
            q("A.Example.Test.", RecordType::A),
            q("t.example.test", RecordType::Txt),
            q("slow.example.test", RecordType::A),
            q("missing.example.test", RecordType::A),
        ],
        answers: Vec::new(),
        followed: false,
        done: false,
    };
    let (answers, stats) = resolver.evaluate(evaluator).await.unwrap();
    assert_eq!(answers.len(), 6, "{answers:?}");
    assert!(answers.contains(&("t.example.test".into(), true)));
    assert!(answers.contains(&("slow.example.test".into(), false)));
    assert!(answers.contains(&("missing.example.test".into(), false)));
    assert_eq!(stats.queries, 5, "the twin spelling is not sent: {stats:?}");
    assert_eq!(stats.cached, 1);
    let sent: Vec<_> = dns.queries().into_iter().map(|s| s.name).collect();
    assert_eq!(sent.iter().filter(|n| *n == "a.example.test").count(), 1);
}

struct Silent;

impl Evaluator for Silent {
    type Output = ();
    fn poll_query(&mut self) -> Option<Question> {
        None
    }
    fn handle_response(&mut self, _: &Question, _: &Response) {}
    fn poll_result(&mut self) -> Option<()> {
        None
    }
}

#[tokio::test]
async fn an_evaluator_without_result_or_question_is_a_stall_not_a_hang() {
    let resolver = Resolver::with_servers(["127.0.0.1:9".parse().unwrap()]);
    assert_eq!(
        resolver.evaluate(Silent).await.unwrap_err(),
        DriveError::Stalled
    );
}
