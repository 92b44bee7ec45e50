//! A health-check endpoint in a service: `GET /health/smtp` runs an SMTPing check of your
//! mail relay and answers 200 with the JSON report when it is green or amber, 503 when red.
//!
//! ```text
//! cargo run -p smtping-examples --example health_check -- mx.example.org:25   # serve on 127.0.0.1:8025
//! curl -i http://127.0.0.1:8025/health/smtp
//! cargo run -p smtping-examples --example health_check                        # self-contained demo
//! ```
//!
//! Without a target it starts SMTPing's scripted test server on loopback, checks it through
//! its own endpoint once, prints the response and exits (that is what CI runs).

use std::time::Duration;

use smtping_client::{Check, Status};
use smtping_testkit::server::TestServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Runs one check and turns it into an HTTP response.
async fn health(target: &str) -> String {
    let (status, body) = match Check::parse(target) {
        Ok(check) => {
            let report = check
                .connect_timeout(Duration::from_secs(5))
                .command_timeout(Duration::from_secs(10))
                .run()
                .await;
            let status = if report.verdict == Status::Red {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            (status, serde_json::to_string(&report).unwrap_or_default())
        }
        Err(e) => (
            "500 Internal Server Error",
            format!("{{\"error\":\"{e}\"}}"),
        ),
    };
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Answers one HTTP request (just enough HTTP for a probe).
async fn serve(mut conn: TcpStream, target: &str) -> std::io::Result<()> {
    let mut buf = vec![0u8; 4096];
    let n = conn.read(&mut buf).await?;
    let request = String::from_utf8_lossy(&buf[..n]);
    let response = if request.starts_with("GET /health/smtp ") {
        health(target).await
    } else {
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned()
    };
    conn.write_all(response.as_bytes()).await?;
    conn.shutdown().await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = std::env::args().nth(1);
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    match target {
        Some(target) => {
            println!("serving http://{addr}/health/smtp for {target}");
            loop {
                let (conn, _) = listener.accept().await?;
                let target = target.clone();
                tokio::spawn(async move {
                    let _ = serve(conn, &target).await;
                });
            }
        }
        None => {
            // Self-contained: a loopback SMTP server, one request to our own endpoint.
            let smtp = TestServer::builder().start().await?;
            let target = smtp.addr().to_string();
            let server = tokio::spawn(async move {
                let (conn, _) = listener.accept().await?;
                serve(conn, &target).await
            });
            let mut client = TcpStream::connect(addr).await?;
            client
                .write_all(b"GET /health/smtp HTTP/1.1\r\nhost: localhost\r\n\r\n")
                .await?;
            let mut response = String::new();
            client.read_to_string(&mut response).await?;
            server.await??;
            let status_line = response.lines().next().unwrap_or_default();
            println!("{status_line}");
            let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
            let report: serde_json::Value = serde_json::from_str(body)?;
            println!(
                "verdict: {}  summary: {}",
                report["verdict"], report["summary"]
            );
            smtp.shutdown().await;
            Ok(())
        }
    }
}
