//! Runs SMTPing's scripted test server standalone on loopback, for trying a client by hand
//! (swaks, your application, `smtping check`) or for load tests of SMTPing itself.
//!
//! ```text
//! cargo run -p smtping-examples --example test_server -- 2525 60   # port 2525, stop after 60 s
//! smtping check 127.0.0.1:2525 --from a@example.com --to b@example.org
//! ```
//!
//! It accepts every message, answers `550 5.1.1` for `unknown@example.org` and `451 4.7.1`
//! for `greylist@example.org`, and prints what it received when it stops.

use std::time::Duration;

use smtping_testkit::server::{Behaviour, TestServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().map_or(Ok(0), |p| p.parse())?;
    let seconds: u64 = args.next().map_or(Ok(60), |s| s.parse())?;
    let server = TestServer::builder()
        .bind(([127, 0, 0, 1], port).into())
        .hostname("test.smtping.invalid")
        .extensions(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8"])
        .max_connections(256)
        .recipient(
            "unknown@example.org",
            Behaviour::reply(550, "5.1.1 no such user"),
        )
        .recipient(
            "greylist@example.org",
            Behaviour::reply(451, "4.7.1 Greylisted, try again later"),
        )
        .start()
        .await?;
    println!("listening on {} for {seconds} s", server.addr());
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let sessions = server.received();
    let messages = server.delivered().len();
    println!("{} sessions, {messages} messages delivered", sessions.len());
    server.shutdown().await;
    Ok(())
}
