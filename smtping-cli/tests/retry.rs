//! `smtping check --retry-deferred` as a user runs it: a greylisted recipient accepted on
//! the retry (JSON and card), and a schedule the command refuses.

use predicates::prelude::*;
use smtping_testkit::server::Behaviour;

mod common;

use common::Lab;

const GREYLIST: &str = "4.7.1 <alice@example.test>: Recipient address rejected: Greylisted";

#[test]
fn a_greylisted_recipient_is_accepted_on_the_retry() {
    let lab = Lab::new();
    let server = lab.server(|b| {
        b.recipient(
            "alice@example.test",
            Behaviour::reply(451, GREYLIST).times(2),
        )
    });
    let output = lab
        .check(&server)
        .args(["--from", "probe@client.test", "--to", "alice@example.test"])
        .args(["--no-signals", "--retry-deferred", "--retry-schedule", "1s"])
        .args(["--retry-deadline", "20s", "--json"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    // Two pauses of a second each: stderr is a pipe here, so no progress line on it.
    assert!(
        output.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = output.stdout;
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let attempts = v["delivery"]["attempts"].as_array().unwrap();
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["deferred", "deferred", "accepted"], "{v}");
    assert!(
        v["delivery"]["retry_conclusion"]
            .as_str()
            .unwrap()
            .starts_with("greylisted: accepted on attempt 3 after "),
        "{v}"
    );
    assert_eq!(server.connections(), 3);

    let server = lab.server(|b| {
        b.recipient(
            "alice@example.test",
            Behaviour::reply(451, GREYLIST).times(1),
        )
    });
    lab.check(&server)
        .args(["--from", "probe@client.test", "--to", "alice@example.test"])
        .args(["--no-signals", "--retry-deferred", "--retry-schedule", "1s"])
        .assert()
        .code(0)
        .stdout(
            predicate::str::contains("greylisted: accepted on attempt 2 after")
                .and(predicate::str::contains("1. +0 s deferred 451")),
        );
}

#[test]
fn a_schedule_faster_than_a_second_is_refused() {
    let lab = Lab::new();
    let server = lab.server(|b| b);
    lab.check(&server)
        .args(["--from", "probe@client.test", "--to", "alice@example.test"])
        .args(["--retry-deferred", "--retry-schedule", "500ms,2m"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("shorter than 1 s"));
    assert_eq!(server.connections(), 0);
}
