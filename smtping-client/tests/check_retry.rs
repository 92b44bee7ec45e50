//! `--retry-deferred` against the scripted test server: a greylisted recipient accepted on
//! the retry, a deferral that never clears, a deferral that turns into a bounce, and a
//! delivery that needs no retry. Waits are the shortest allowed (1 s).

use std::time::Duration;

use serde_json::Value;
use smtping_client::{Check, Report, RetryPolicy, Status};
use smtping_proto::Address;
use smtping_testkit::server::{Behaviour, TestServer};

const GREYLIST: &str = "4.7.1 <alice@example.test>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/example.test.html";

fn check(server: &TestServer, policy: RetryPolicy) -> Check {
    Check::new(server.addr().to_string().parse().unwrap())
        .tls(smtping_client::TlsMode::None)
        .signals(false)
        .command_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(3))
        .envelope(
            Address::new("probe@client.test").unwrap(),
            vec![Address::new("alice@example.test").unwrap()],
        )
        .retry_deferred(policy)
}

fn policy(waits: &[u64], deadline: u64) -> RetryPolicy {
    RetryPolicy::new(
        waits.iter().map(|s| Duration::from_secs(*s)).collect(),
        Duration::from_secs(deadline),
    )
    .unwrap()
}

fn outcomes(r: &Report) -> Vec<String> {
    let v: Value = serde_json::to_value(r).unwrap();
    v["delivery"]["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["outcome"].as_str().unwrap_or("?").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn greylisted_then_accepted_on_the_retry() {
    let server = TestServer::builder()
        .recipient(
            "alice@example.test",
            Behaviour::reply(451, GREYLIST).times(1),
        )
        .start()
        .await
        .unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let sink = smtping_client::progress::ProgressSink::new(move |e| {
        log.lock().unwrap().push(e.clone());
    });
    let r = check(&server, policy(&[1], 30))
        .on_progress(sink)
        .run()
        .await;
    assert_eq!(outcomes(&r), ["deferred", "accepted"], "{:?}", r.delivery);
    // The pause before the retry was announced with the deferring reply, then closed.
    {
        use smtping_client::progress::{ProgressEvent, WaitKind};
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2, "{seen:?}");
        let ProgressEvent::Waiting(w) = &seen[0] else {
            panic!("{seen:?}")
        };
        assert!(
            matches!(&w.kind, WaitKind::RetryDeferred { attempt: 2, reply: Some(r) } if r.starts_with("451 4.7.1 ")),
            "{w:?}"
        );
        assert!(w.up_to <= Duration::from_secs(1), "{w:?}");
        assert_eq!(seen[1], ProgressEvent::Done);
    }
    assert_eq!(r.delivery.outcome.as_str(), "accepted");
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    let conclusion = r.delivery.retry_conclusion.as_deref().unwrap();
    assert!(
        conclusion.starts_with("greylisted: accepted on attempt 2 after "),
        "{conclusion}"
    );
    let v: Value = serde_json::to_value(&r).unwrap();
    assert_eq!(v["delivery"]["attempts"][0]["t_ms"], 0);
    assert!(v["delivery"]["attempts"][1]["t_ms"].as_u64().unwrap() >= 1000);
    assert_eq!(v["delivery"]["attempts"][0]["reply"]["code"], 451);
    assert_eq!(v["delivery"]["attempts"][1]["reply"]["code"], 250);
    // One connection per attempt, one at a time, and the same message both times.
    assert_eq!(server.connections(), 2);
    let delivered = server.delivered();
    assert_eq!(delivered.len(), 1, "only the retry reached the final dot");
    let mid = r.delivery.message_id.clone().unwrap();
    let text = delivered[0].message.as_ref().unwrap().text();
    assert!(text.contains(&mid), "{text}");
}

#[tokio::test]
async fn a_deferral_that_never_clears_stops_at_the_deadline() {
    let server = TestServer::builder()
        .recipient("alice@example.test", Behaviour::reply(451, GREYLIST))
        .start()
        .await
        .unwrap();
    let r = check(&server, policy(&[1, 1], 3)).run().await;
    let o = outcomes(&r);
    assert!(o.len() >= 2 && o.iter().all(|x| x == "deferred"), "{o:?}");
    assert_eq!(r.delivery.outcome.as_str(), "deferred");
    let conclusion = r.delivery.retry_conclusion.as_deref().unwrap();
    assert!(
        conclusion.starts_with(&format!(
            "greylisted: still deferred after {} attempts over ",
            o.len()
        )),
        "{conclusion}"
    );
    assert_eq!(server.connections(), o.len());
}

#[tokio::test]
async fn a_deferral_for_another_reason_is_named() {
    let server = TestServer::builder()
        .recipient(
            "alice@example.test",
            Behaviour::reply(452, "4.2.2 <alice@example.test>: Mailbox full").times(1),
        )
        .start()
        .await
        .unwrap();
    let r = check(&server, policy(&[1], 10)).run().await;
    assert_eq!(outcomes(&r), ["deferred", "accepted"]);
    let conclusion = r.delivery.retry_conclusion.clone().unwrap();
    assert!(
        conclusion.starts_with("deferred (") && conclusion.contains("): accepted on attempt 2"),
        "{conclusion}"
    );
}

#[tokio::test]
async fn nothing_to_retry_when_the_first_attempt_is_accepted() {
    let server = TestServer::start().await.unwrap();
    let r = check(&server, policy(&[1], 10)).run().await;
    assert!(r.delivery.attempts.is_empty());
    assert_eq!(r.delivery.retry_conclusion, None);
    assert_eq!(server.connections(), 1);
}
