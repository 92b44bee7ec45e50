//! Tests of the scripted loopback SMTP server (`smtping_testkit::server`), driven
//! by raw TCP and tokio-rustls clients. Loopback only; every wait is bounded.
//!
//! Run with `cargo test -p smtping-testkit --test test_server`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use smtping_proto::sasl::{Credentials, cram_md5_response, plain_response};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::server::{
    AuthConfig, Behaviour, Hostile, SaslMechanism, ServerError, ServerReply, ServerStage,
    ServerTls, SessionEnd, TestServer, hostile,
};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// Longest any single step of a test may take before it fails.
const STEP: Duration = Duration::from_secs(10);
/// How long a test waits to conclude that a server stays silent.
const QUIET: Duration = Duration::from_millis(300);
const GREETING: &str = "220 mx.test ESMTP SMTPing test server";

/// A line-oriented SMTP test client over any stream.
struct Client<S> {
    io: BufReader<S>,
}

impl Client<TcpStream> {
    async fn connect(addr: SocketAddr) -> Self {
        let tcp = timeout(STEP, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect");
        Self {
            io: BufReader::new(tcp),
        }
    }

    /// Upgrades to TLS after a 220 to STARTTLS (nothing may be buffered).
    async fn starttls(self, pki: &TestPki) -> Client<TlsStream<TcpStream>> {
        assert!(
            self.io.buffer().is_empty(),
            "bytes after the 220 to STARTTLS"
        );
        let tls = tls_connect(self.io.into_inner(), pki)
            .await
            .expect("TLS handshake");
        Client {
            io: BufReader::new(tls),
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> Client<S> {
    async fn send(&mut self, text: &str) {
        self.send_bytes(text.as_bytes()).await;
    }

    async fn send_bytes(&mut self, bytes: &[u8]) {
        timeout(STEP, async {
            self.io.get_mut().write_all(bytes).await?;
            self.io.get_mut().flush().await
        })
        .await
        .expect("write timed out")
        .expect("write");
    }

    /// One line without CRLF; `None` at end of stream.
    async fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let n = timeout(STEP, self.io.read_until(b'\n', &mut line))
            .await
            .expect("read timed out")
            .unwrap_or(0);
        if n == 0 {
            return None;
        }
        assert!(line.ends_with(b"\r\n"), "line without CRLF: {line:?}");
        line.truncate(line.len() - 2);
        Some(String::from_utf8(line).expect("UTF-8 reply"))
    }

    /// One whole reply, lines joined with `\n`.
    async fn reply(&mut self) -> String {
        let mut lines = Vec::new();
        loop {
            let line = self.line().await.expect("connection closed before a reply");
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line);
            if last {
                return lines.join("\n");
            }
        }
    }

    /// Sends a command and returns the reply.
    async fn cmd(&mut self, command: &str) -> String {
        self.send(&format!("{command}\r\n")).await;
        self.reply().await
    }

    /// `true` when the server closes the connection (reading nothing more).
    async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        match timeout(STEP, self.io.read_to_end(&mut rest)).await {
            Ok(Ok(_)) | Ok(Err(_)) => rest.is_empty(),
            Err(_) => false,
        }
    }

    /// `true` when nothing arrives for [`QUIET`] (and the connection is still open).
    async fn quiet(&mut self) -> bool {
        let mut byte = [0u8; 1];
        timeout(QUIET, self.io.read(&mut byte)).await.is_err()
    }
}

fn client_config(pki: &TestPki) -> Arc<ClientConfig> {
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(pki.root_store())
            .with_no_client_auth();
    Arc::new(config)
}

async fn tls_connect(tcp: TcpStream, pki: &TestPki) -> std::io::Result<TlsStream<TcpStream>> {
    let name = ServerName::try_from("mx.test").expect("name");
    timeout(
        STEP,
        TlsConnector::from(client_config(pki)).connect(name, tcp),
    )
    .await
    .map_err(|_| std::io::Error::other("TLS handshake timed out"))?
}

async fn start(builder: smtping_testkit::server::TestServerBuilder) -> TestServer {
    builder.start().await.expect("server starts")
}

/// Reads raw bytes until `n` arrived or the stream ends.
async fn read_n(tcp: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n);
    let mut buf = vec![0u8; 64 * 1024];
    timeout(STEP, async {
        while out.len() < n {
            let want = (n - out.len()).min(buf.len());
            match tcp.read(&mut buf[..want]).await {
                Ok(0) | Err(_) => break,
                Ok(k) => out.extend_from_slice(&buf[..k]),
            }
        }
    })
    .await
    .expect("read timed out");
    out
}

/// Reads raw bytes to the end of the stream.
async fn read_all(tcp: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = timeout(STEP, tcp.read_to_end(&mut out))
        .await
        .expect("the server did not close");
    out
}

async fn raw(addr: SocketAddr) -> TcpStream {
    timeout(STEP, TcpStream::connect(addr))
        .await
        .expect("connect timed out")
        .expect("connect")
}

async fn ended(server: &TestServer, count: usize) -> Vec<smtping_testkit::server::ReceivedSession> {
    server
        .wait_for_sessions(count, STEP)
        .await
        .expect("sessions ended in time")
}

// ---------------------------------------------------------------------------------------
// Healthy SMTP
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn healthy_delivery_dialogue_and_record() {
    let server = TestServer::start().await.expect("start");
    let mut c = Client::connect(server.addr()).await;
    assert_eq!(c.reply().await, GREETING);
    assert_eq!(
        c.cmd("EHLO client.test").await,
        "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250 ENHANCEDSTATUSCODES"
    );
    assert_eq!(
        c.cmd("MAIL FROM:<alice@example.test> BODY=8BITMIME").await,
        "250 2.1.0 Ok"
    );
    assert_eq!(
        c.cmd("RCPT TO:<bob@example.test> NOTIFY=NEVER").await,
        "250 2.1.5 Ok"
    );
    assert_eq!(c.cmd("DATA").await, "354 End data with <CR><LF>.<CR><LF>");
    c.send("Subject: hi\r\n\r\n..hidden dot\r\nbare lf\nlast\r\n.\r\n")
        .await;
    let queued = c.reply().await;
    assert!(queued.starts_with("250 2.0.0 Ok: queued as "), "{queued}");
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");
    assert!(c.closed().await);

    let sessions = ended(&server, 1).await;
    let s = &sessions[0];
    assert_eq!(s.id, 0);
    assert_eq!(s.client_name.as_deref(), Some("client.test"));
    assert!(s.esmtp && s.quit() && s.tls.is_none() && s.auth_user.is_none());
    assert_eq!(
        s.commands,
        [
            "EHLO client.test",
            "MAIL FROM:<alice@example.test> BODY=8BITMIME",
            "RCPT TO:<bob@example.test> NOTIFY=NEVER",
            "DATA",
            "QUIT"
        ]
    );
    assert_eq!(s.transactions.len(), 1);
    let t = &s.transactions[0];
    assert_eq!(t.mail_from, "alice@example.test");
    assert_eq!(t.mail_params, ["BODY=8BITMIME"]);
    assert_eq!(t.recipients.len(), 1);
    assert_eq!(t.recipients[0].address, "bob@example.test");
    assert_eq!(t.recipients[0].params, ["NOTIFY=NEVER"]);
    assert_eq!(t.recipients[0].code, 250);
    let m = t.message.as_ref().expect("message");
    assert_eq!(
        m.body,
        b"Subject: hi\r\n\r\n.hidden dot\r\nbare lf\r\nlast\r\n"
    );
    assert_eq!(m.size, m.body.len());
    assert!(m.stored && m.accepted() && t.is_delivered());
    assert_eq!(server.delivered().len(), 1);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn helo_and_null_sender() {
    let server = TestServer::start().await.expect("start");
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert_eq!(c.cmd("HELO old.client.test").await, "250 mx.test");
    assert_eq!(c.cmd("MAIL FROM:<>").await, "250 2.1.0 Ok");
    assert_eq!(c.cmd("RCPT TO:<x@example.test>").await, "250 2.1.5 Ok");
    assert_eq!(c.cmd("NOOP").await, "250 2.0.0 Ok");
    assert_eq!(c.cmd("RSET").await, "250 2.0.0 Ok");
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");
    let s = &ended(&server, 1).await[0];
    assert!(!s.esmtp);
    assert_eq!(s.client_name.as_deref(), Some("old.client.test"));
    assert_eq!(s.transactions[0].mail_from, "");
    assert!(s.transactions[0].message.is_none());
}

#[tokio::test]
async fn pipelined_commands_are_answered_in_order() {
    let server = start(TestServer::builder().recipient(
        "bob@example.test",
        Behaviour::reply(550, "5.1.1 no such user"),
    ))
    .await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    c.cmd("EHLO c.test").await;
    c.send(
        "MAIL FROM:<a@example.test>\r\nRCPT TO:<b@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n",
    )
    .await;
    assert_eq!(c.reply().await, "250 2.1.0 Ok");
    assert_eq!(c.reply().await, "250 2.1.5 Ok");
    assert_eq!(c.reply().await, "550 5.1.1 no such user");
    assert_eq!(c.reply().await, "354 End data with <CR><LF>.<CR><LF>");
    // The message, the next transaction and QUIT in one write as well.
    c.send(
        "body\r\n.\r\nRSET\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nQUIT\r\n",
    )
    .await;
    assert!(c.reply().await.starts_with("250 2.0.0 Ok: queued as"));
    assert_eq!(c.reply().await, "250 2.0.0 Ok");
    assert_eq!(c.reply().await, "250 2.1.0 Ok");
    assert_eq!(c.reply().await, "550 5.1.1 no such user");
    assert_eq!(c.reply().await, "554 5.5.1 Error: no valid recipients");
    assert_eq!(c.reply().await, "221 2.0.0 Bye");
    assert!(c.closed().await);
    let s = &ended(&server, 1).await[0];
    assert_eq!(s.transactions.len(), 2);
    assert_eq!(
        s.transactions[0].accepted_recipients().collect::<Vec<_>>(),
        ["b@example.test"]
    );
    assert_eq!(s.transactions[0].recipients[1].code, 550);
    assert_eq!(
        s.transactions[0].message.as_ref().unwrap().body,
        b"body\r\n"
    );
    assert!(s.transactions[1].message.is_none());
}

#[tokio::test]
async fn starttls_handshake_resets_state_and_ehlo_changes() {
    let pki = TestPki::new().expect("pki");
    let cert = pki
        .server_cert(Scenario::Valid, &["mx.test"])
        .expect("cert");
    let server = start(
        TestServer::builder()
            .tls(ServerTls::starttls(&cert))
            .auth(AuthConfig::new().user("alice", "secret").require_tls(true))
            .require_tls(true),
    )
    .await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert_eq!(
        c.cmd("EHLO c.test").await,
        "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250-ENHANCEDSTATUSCODES\n250 STARTTLS"
    );
    assert_eq!(
        c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==").await,
        "530 5.7.0 Must issue a STARTTLS command first"
    );
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test>").await,
        "530 5.7.0 Must issue a STARTTLS command first"
    );
    assert_eq!(c.cmd("STARTTLS extra").await, "501 5.5.4 Syntax: STARTTLS");
    assert_eq!(c.cmd("STARTTLS").await, "220 2.0.0 Ready to start TLS");
    let mut c = c.starttls(&pki).await;
    // State was reset: EHLO is needed again.
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test>").await,
        "503 5.5.1 Error: send HELO/EHLO first"
    );
    assert_eq!(
        c.cmd("EHLO c.test").await,
        "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250-ENHANCEDSTATUSCODES\n250 AUTH PLAIN LOGIN"
    );
    assert_eq!(
        c.cmd("STARTTLS").await,
        "503 5.5.1 Error: TLS already active"
    );
    assert_eq!(
        c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==").await,
        "235 2.7.0 Authentication successful"
    );
    assert_eq!(c.cmd("MAIL FROM:<a@example.test>").await, "250 2.1.0 Ok");
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");

    let s = &ended(&server, 1).await[0];
    let tls = s.tls.as_ref().expect("TLS recorded");
    assert!(!tls.implicit);
    assert_eq!(tls.sni.as_deref(), Some("mx.test"));
    assert!(tls.version.starts_with("TLSv1."), "{}", tls.version);
    assert!(!tls.cipher_suite.is_empty());
    assert_eq!(s.plaintext_after_starttls, 0);
    assert_eq!(s.auth_user.as_deref(), Some("alice"));
}

#[tokio::test]
async fn plaintext_pipelined_after_starttls_is_discarded() {
    let pki = TestPki::new().expect("pki");
    let cert = pki
        .server_cert(Scenario::Valid, &["mx.test"])
        .expect("cert");
    let server = start(TestServer::builder().tls(ServerTls::starttls(cert))).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    c.cmd("EHLO c.test").await;
    c.send("STARTTLS\r\nNOOP\r\n").await;
    assert_eq!(c.reply().await, "220 2.0.0 Ready to start TLS");
    let mut c = c.starttls(&pki).await;
    // The NOOP never got an answer: the next reply is to EHLO.
    assert!(c.cmd("EHLO c.test").await.starts_with("250-mx.test"));
    c.cmd("QUIT").await;
    let s = &ended(&server, 1).await[0];
    assert_eq!(s.plaintext_after_starttls, b"NOOP\r\n".len());
}

#[tokio::test]
async fn implicit_tls_greets_after_the_handshake() {
    let pki = TestPki::new().expect("pki");
    let cert = pki
        .server_cert(Scenario::Valid, &["mx.test"])
        .expect("cert");
    let server = start(TestServer::builder().tls(ServerTls::implicit(cert))).await;
    let tls = tls_connect(raw(server.addr()).await, &pki)
        .await
        .expect("handshake");
    let mut c = Client {
        io: BufReader::new(tls),
    };
    assert_eq!(c.reply().await, GREETING);
    assert_eq!(
        c.cmd("EHLO c.test").await,
        "250-mx.test\n250-PIPELINING\n250-8BITMIME\n250 ENHANCEDSTATUSCODES"
    );
    assert_eq!(
        c.cmd("STARTTLS").await,
        "503 5.5.1 Error: TLS already active"
    );
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");
    let s = &ended(&server, 1).await[0];
    assert!(s.tls.as_ref().is_some_and(|t| t.implicit));
}

#[tokio::test]
async fn tls_handshake_failure_is_recorded() {
    let pki = TestPki::new().expect("pki");
    // A certificate from an issuer the client does not trust: the client aborts.
    let cert = pki
        .server_cert(Scenario::UntrustedIssuer, &["mx.test"])
        .expect("cert");
    let server = start(TestServer::builder().tls(ServerTls::implicit(cert))).await;
    assert!(tls_connect(raw(server.addr()).await, &pki).await.is_err());
    let s = &ended(&server, 1).await[0];
    assert!(
        matches!(s.end, Some(SessionEnd::TlsHandshake(_))),
        "{:?}",
        s.end
    );
}

// ---------------------------------------------------------------------------------------
// AUTH
// ---------------------------------------------------------------------------------------

fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn b64_decode(text: &str) -> Vec<u8> {
    smtping_proto::sasl::decode_challenge(text.as_bytes()).expect("base64")
}

async fn auth_server(mechanisms: &[SaslMechanism]) -> TestServer {
    start(
        TestServer::builder().auth(
            AuthConfig::new()
                .user("alice", "secret")
                .mechanisms(mechanisms.iter().copied()),
        ),
    )
    .await
}

async fn greeted(server: &TestServer) -> Client<TcpStream> {
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    let ehlo = c.cmd("EHLO c.test").await;
    assert!(ehlo.starts_with("250-"), "{ehlo}");
    c
}

#[tokio::test]
async fn auth_plain_success_is_recorded_without_secrets() {
    let server = auth_server(&[
        SaslMechanism::Plain,
        SaslMechanism::Login,
        SaslMechanism::CramMd5,
    ])
    .await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    let ehlo = c.cmd("EHLO c.test").await;
    assert!(ehlo.ends_with("\n250 AUTH PLAIN LOGIN CRAM-MD5"), "{ehlo}");
    let payload = b64(&plain_response(&Credentials::new("alice", "secret")).unwrap());
    assert_eq!(
        c.cmd(&format!("AUTH PLAIN {payload}")).await,
        "235 2.7.0 Authentication successful"
    );
    assert_eq!(
        c.cmd(&format!("AUTH PLAIN {payload}")).await,
        "503 5.5.1 Error: already authenticated"
    );
    c.cmd("QUIT").await;
    let s = &ended(&server, 1).await[0];
    assert_eq!(s.auth_user.as_deref(), Some("alice"));
    assert_eq!(s.commands[1], "AUTH PLAIN [redacted]");
    assert_eq!(s.auth_attempts.len(), 1);
    assert!(s.auth_attempts[0].success);
    assert_eq!(s.auth_attempts[0].mechanism, "PLAIN");
    let everything = format!("{:?}", server.received());
    assert!(!everything.contains("secret") && !everything.contains(&payload));
}

#[tokio::test]
async fn auth_plain_with_empty_challenge() {
    let server = auth_server(&[SaslMechanism::Plain]).await;
    let mut c = greeted(&server).await;
    c.send("AUTH PLAIN\r\n").await;
    // RFC 4954: "334 " followed by an empty challenge.
    assert_eq!(c.line().await.as_deref(), Some("334 "));
    let payload = b64(b"\0alice\0secret");
    assert_eq!(c.cmd(&payload).await, "235 2.7.0 Authentication successful");
    let s = &server.received()[0];
    assert_eq!(s.commands[1..], ["AUTH PLAIN", "[redacted]"]);
}

#[tokio::test]
async fn auth_login_success() {
    let server = auth_server(&[SaslMechanism::Login]).await;
    let mut c = greeted(&server).await;
    let prompt = c.cmd("AUTH LOGIN").await;
    assert_eq!(prompt, "334 VXNlcm5hbWU6");
    assert_eq!(b64_decode(&prompt[4..]), b"Username:");
    assert_eq!(c.cmd(&b64(b"alice")).await, "334 UGFzc3dvcmQ6");
    assert_eq!(
        c.cmd(&b64(b"secret")).await,
        "235 2.7.0 Authentication successful"
    );
    let s = &server.received()[0];
    assert_eq!(s.auth_user.as_deref(), Some("alice"));
    assert_eq!(s.commands[1..], ["AUTH LOGIN", "[redacted]", "[redacted]"]);
}

#[tokio::test]
async fn auth_login_with_initial_response() {
    let server = auth_server(&[SaslMechanism::Login]).await;
    let mut c = greeted(&server).await;
    assert_eq!(
        c.cmd(&format!("AUTH LOGIN {}", b64(b"alice"))).await,
        "334 UGFzc3dvcmQ6"
    );
    assert_eq!(
        c.cmd(&b64(b"secret")).await,
        "235 2.7.0 Authentication successful"
    );
}

#[tokio::test]
async fn auth_failures() {
    let server = start(
        TestServer::builder().auth(
            AuthConfig::new()
                .user("alice", "secret")
                .mechanisms([SaslMechanism::Plain, SaslMechanism::Login])
                .required(true),
        ),
    )
    .await;
    let mut c = greeted(&server).await;
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test>").await,
        "530 5.7.0 Authentication required"
    );
    assert_eq!(
        c.cmd(&format!("AUTH PLAIN {}", b64(b"\0alice\0wrong")))
            .await,
        "535 5.7.8 Authentication credentials invalid"
    );
    assert_eq!(c.cmd("AUTH LOGIN").await, "334 VXNlcm5hbWU6");
    assert_eq!(c.cmd(&b64(b"mallory")).await, "334 UGFzc3dvcmQ6");
    assert_eq!(
        c.cmd(&b64(b"secret")).await,
        "535 5.7.8 Authentication credentials invalid"
    );
    assert_eq!(c.cmd("AUTH LOGIN").await, "334 VXNlcm5hbWU6");
    assert_eq!(c.cmd("*").await, "501 5.7.0 Authentication cancelled");
    assert_eq!(
        c.cmd("AUTH PLAIN !!!").await,
        "501 5.5.2 Cannot decode response"
    );
    assert_eq!(
        c.cmd("AUTH CRAM-MD5").await,
        "504 5.5.4 Unrecognized authentication type"
    );
    assert_eq!(c.cmd("AUTH").await, "501 5.5.4 Syntax: AUTH mechanism");
    c.cmd("QUIT").await;
    let s = &ended(&server, 1).await[0];
    assert!(s.auth_user.is_none());
    let users: Vec<Option<&str>> = s.auth_attempts.iter().map(|a| a.user.as_deref()).collect();
    assert_eq!(users, [Some("alice"), Some("mallory"), None, None, None]);
    assert!(s.auth_attempts.iter().all(|a| !a.success));
    assert!(!format!("{s:?}").contains("wrong"));
}

#[tokio::test]
async fn auth_cram_md5() {
    let server = auth_server(&[SaslMechanism::CramMd5]).await;
    let mut c = greeted(&server).await;
    let challenge = c.cmd("AUTH CRAM-MD5").await;
    let challenge_b64 = challenge.strip_prefix("334 ").expect("334 challenge");
    let text = String::from_utf8(b64_decode(challenge_b64)).unwrap();
    assert!(
        text.starts_with('<') && text.ends_with("@mx.test>"),
        "{text}"
    );
    let answer = cram_md5_response(
        &Credentials::new("alice", "secret"),
        challenge_b64.as_bytes(),
    )
    .unwrap();
    assert_eq!(
        c.cmd(&b64(&answer)).await,
        "235 2.7.0 Authentication successful"
    );
    // A wrong answer on a second connection.
    let mut c = greeted(&server).await;
    let challenge = c.cmd("AUTH CRAM-MD5").await;
    let wrong = cram_md5_response(
        &Credentials::new("alice", "nope"),
        &challenge.as_bytes()[4..],
    )
    .unwrap();
    assert_eq!(
        c.cmd(&b64(&wrong)).await,
        "535 5.7.8 Authentication credentials invalid"
    );
}

#[tokio::test]
async fn auth_stage_override_and_disabled_auth() {
    let server = start(
        TestServer::builder()
            .auth(AuthConfig::new().user("alice", "secret"))
            .on(
                ServerStage::Auth,
                ServerReply::new(454, "4.7.0 Temporary authentication failure"),
            ),
    )
    .await;
    let mut c = greeted(&server).await;
    assert_eq!(
        c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==").await,
        "454 4.7.0 Temporary authentication failure"
    );
    let plain = TestServer::start().await.expect("start");
    let mut c = greeted(&plain).await;
    assert_eq!(
        c.cmd("AUTH PLAIN AGFsaWNlAHNlY3JldA==").await,
        "503 5.5.1 Error: authentication not enabled"
    );
}

// ---------------------------------------------------------------------------------------
// Programmed replies
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn per_recipient_and_per_stage_replies() {
    let server = start(
        TestServer::builder()
            .on(
                ServerStage::Rcpt,
                ServerReply::new(550, "5.7.1 Relaying denied"),
            )
            .recipient("ok@example.test", Behaviour::normal())
            .recipient(
                "<Unknown@Example.test>",
                ServerReply::new(550, "5.1.1 <unknown@example.test>: user unknown")
                    .line("5.1.1 see https://example.test/help"),
            )
            .recipient(
                "@greylist.test",
                Behaviour::reply(451, "4.7.1 Greylisted, try later"),
            )
            .recipient(
                "slow@example.test",
                Behaviour::delay(Duration::from_millis(50)).then_reply(250, "2.1.5 slow but ok"),
            )
            .sender(
                "@spammer.test",
                Behaviour::reply(550, "5.7.1 Sender blocked"),
            ),
    )
    .await;
    let mut c = greeted(&server).await;
    assert_eq!(
        c.cmd("MAIL FROM:<x@spammer.test>").await,
        "550 5.7.1 Sender blocked"
    );
    assert_eq!(c.cmd("MAIL FROM:<a@example.test>").await, "250 2.1.0 Ok");
    assert_eq!(c.cmd("RCPT TO:<ok@example.test>").await, "250 2.1.5 Ok");
    assert_eq!(
        c.cmd("RCPT TO:<UNKNOWN@example.TEST>").await,
        "550-5.1.1 <unknown@example.test>: user unknown\n550 5.1.1 see https://example.test/help"
    );
    assert_eq!(
        c.cmd("RCPT TO:<anyone@greylist.test>").await,
        "451 4.7.1 Greylisted, try later"
    );
    assert_eq!(
        c.cmd("RCPT TO:<slow@example.test>").await,
        "250 2.1.5 slow but ok"
    );
    assert_eq!(
        c.cmd("RCPT TO:<other@example.test>").await,
        "550 5.7.1 Relaying denied"
    );
    let t = &server.received()[0].transactions[0];
    let codes: Vec<u16> = t.recipients.iter().map(|r| r.code).collect();
    assert_eq!(codes, [250, 550, 451, 250, 550]);
    assert_eq!(
        t.accepted_recipients().collect::<Vec<_>>(),
        ["ok@example.test", "slow@example.test"]
    );
}

#[tokio::test]
async fn greylisting_with_times_then_success_on_retry() {
    let server = start(TestServer::builder().recipient(
        "new@example.test",
        Behaviour::reply(451, "4.7.1 Greylisted, try again later").times(1),
    ))
    .await;
    for expected in ["451 4.7.1 Greylisted, try again later", "250 2.1.5 Ok"] {
        let mut c = greeted(&server).await;
        c.cmd("MAIL FROM:<a@example.test>").await;
        assert_eq!(c.cmd("RCPT TO:<new@example.test>").await, expected);
        c.cmd("QUIT").await;
    }
}

#[tokio::test]
async fn data_stage_replies() {
    let server = start(TestServer::builder().on(
        ServerStage::DataEnd,
        ServerReply::new(554, "5.7.1 Message rejected as spam"),
    ))
    .await;
    let mut c = greeted(&server).await;
    c.cmd("MAIL FROM:<a@example.test>").await;
    c.cmd("RCPT TO:<b@example.test>").await;
    c.cmd("DATA").await;
    assert_eq!(
        c.cmd("spam\r\n.").await,
        "554 5.7.1 Message rejected as spam"
    );
    // The transaction is over whatever the reply.
    assert_eq!(
        c.cmd("RCPT TO:<b@example.test>").await,
        "503 5.5.1 Error: need MAIL command"
    );
    let t = &server.received()[0].transactions[0];
    let m = t.message.as_ref().unwrap();
    assert_eq!(m.code, 554);
    assert!(!t.is_delivered() && m.stored);
    assert!(server.delivered().is_empty());

    let refuse_data = start(
        TestServer::builder().on(ServerStage::Data, ServerReply::new(451, "4.3.0 Try later")),
    )
    .await;
    let mut c = greeted(&refuse_data).await;
    c.cmd("MAIL FROM:<a@example.test>").await;
    c.cmd("RCPT TO:<b@example.test>").await;
    assert_eq!(c.cmd("DATA").await, "451 4.3.0 Try later");
    assert_eq!(c.cmd("NOOP").await, "250 2.0.0 Ok");
}

// `greeting_behaviours` runs on the server core in simulated time: tests/session_core.rs.

#[tokio::test]
async fn disconnect_and_close_behaviours() {
    let server = start(
        TestServer::builder()
            .recipient("bye@example.test", Behaviour::disconnect())
            .recipient(
                "shutdown@example.test",
                Behaviour::reply(421, "4.3.2 Shutting down"),
            )
            .recipient(
                "go@example.test",
                Behaviour::reply_and_close(554, "5.7.1 Go away"),
            ),
    )
    .await;
    for (rcpt, reply) in [
        ("bye@example.test", None),
        ("shutdown@example.test", Some("421 4.3.2 Shutting down")),
        ("go@example.test", Some("554 5.7.1 Go away")),
    ] {
        let mut c = greeted(&server).await;
        c.cmd("MAIL FROM:<a@example.test>").await;
        c.send(&format!("RCPT TO:<{rcpt}>\r\n")).await;
        if let Some(text) = reply {
            assert_eq!(c.reply().await, text);
        }
        assert!(c.closed().await, "{rcpt}");
    }
    let sessions = ended(&server, 3).await;
    for s in &sessions {
        assert_eq!(s.end, Some(SessionEnd::ServerClosed));
    }
    let codes: Vec<u16> = sessions
        .iter()
        .map(|s| s.transactions[0].recipients[0].code)
        .collect();
    assert_eq!(codes, [0, 421, 554]);
}

// `silent_after_the_final_dot` runs on the server core in simulated time: tests/session_core.rs.

// ---------------------------------------------------------------------------------------
// Limits and sequencing
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn size_limit_via_size_parameter() {
    let server = start(TestServer::builder().max_message_size(100)).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    let ehlo = c.cmd("EHLO c.test").await;
    assert!(ehlo.ends_with("\n250 SIZE 100"), "{ehlo}");
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test> SIZE=101").await,
        "552 5.3.4 Message size exceeds fixed maximum message size"
    );
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test> SIZE=ten").await,
        "501 5.5.4 Bad SIZE parameter"
    );
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test> SIZE=100").await,
        "250 2.1.0 Ok"
    );
}

#[tokio::test]
async fn size_limit_via_body() {
    let server = start(TestServer::builder().max_message_size(100)).await;
    let mut c = greeted(&server).await;
    for body_len in [150usize, 50_000] {
        c.cmd("MAIL FROM:<a@example.test>").await;
        c.cmd("RCPT TO:<b@example.test>").await;
        assert_eq!(c.cmd("DATA").await, "354 End data with <CR><LF>.<CR><LF>");
        let mut body = "x".repeat(70).into_bytes();
        body.extend_from_slice(b"\r\n");
        let body = body.repeat(body_len / 72 + 1);
        c.send_bytes(&body).await;
        assert_eq!(
            c.cmd(".").await,
            "552 5.3.4 Message size exceeds fixed maximum message size"
        );
    }
    // The session goes on.
    assert_eq!(c.cmd("NOOP").await, "250 2.0.0 Ok");
    let s = &server.received()[0];
    for t in &s.transactions {
        let m = t.message.as_ref().unwrap();
        assert!(!m.stored && m.body.is_empty() && m.code == 552 && m.size > 100);
    }
}

#[tokio::test]
async fn sequencing_and_syntax_errors() {
    let server = TestServer::start().await.expect("start");
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test>").await,
        "503 5.5.1 Error: send HELO/EHLO first"
    );
    assert_eq!(c.cmd("EHLO").await, "501 5.5.4 Syntax: EHLO hostname");
    c.cmd("EHLO c.test").await;
    assert_eq!(
        c.cmd("RCPT TO:<b@example.test>").await,
        "503 5.5.1 Error: need MAIL command"
    );
    assert_eq!(c.cmd("DATA").await, "503 5.5.1 Error: need MAIL command");
    assert_eq!(
        c.cmd("MAIL TO:<a@example.test>").await,
        "501 5.5.4 Syntax: MAIL FROM:<address>"
    );
    assert_eq!(
        c.cmd("MAIL FROM:<not an address>").await,
        "501 5.1.7 Bad sender address syntax"
    );
    assert_eq!(c.cmd("MAIL FROM:<a@example.test>").await, "250 2.1.0 Ok");
    assert_eq!(
        c.cmd("MAIL FROM:<a@example.test>").await,
        "503 5.5.1 Error: nested MAIL command"
    );
    assert_eq!(
        c.cmd("RCPT TO:<>").await,
        "501 5.1.3 Bad recipient address syntax"
    );
    assert_eq!(c.cmd("DATA").await, "554 5.5.1 Error: no valid recipients");
    assert_eq!(c.cmd("RSET").await, "250 2.0.0 Ok");
    assert_eq!(
        c.cmd("RCPT TO:<b@example.test>").await,
        "503 5.5.1 Error: need MAIL command"
    );
    assert_eq!(
        c.cmd("BDAT 10 LAST").await,
        "500 5.5.2 Error: command not recognized"
    );
    assert_eq!(
        c.cmd("VRFY root").await,
        "502 5.5.1 Error: command not implemented"
    );
    assert_eq!(c.cmd("").await, "500 5.5.2 Error: command not recognized");
    // A line over the limit is dropped and answered; memory stays bounded.
    let long = format!("NOOP {}", "x".repeat(1 << 20));
    assert_eq!(c.cmd(&long).await, "500 5.5.6 Error: line too long");
    assert_eq!(c.cmd("NOOP").await, "250 2.0.0 Ok");
    let s = &server.received()[0];
    assert!(s.commands.contains(&"[line too long]".to_owned()));
}

#[tokio::test]
async fn no_enhanced_codes_unless_advertised() {
    let server = start(TestServer::builder().extensions(["PIPELINING"])).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert_eq!(c.cmd("EHLO c.test").await, "250-mx.test\n250 PIPELINING");
    assert_eq!(c.cmd("MAIL FROM:<a@example.test>").await, "250 Ok");
    assert_eq!(c.cmd("QUIT").await, "221 Bye");
}

#[tokio::test]
async fn recipient_limit() {
    let server = start(TestServer::builder().max_recipients(2)).await;
    let mut c = greeted(&server).await;
    c.cmd("MAIL FROM:<a@example.test>").await;
    assert_eq!(c.cmd("RCPT TO:<1@example.test>").await, "250 2.1.5 Ok");
    assert_eq!(c.cmd("RCPT TO:<2@example.test>").await, "250 2.1.5 Ok");
    assert_eq!(
        c.cmd("RCPT TO:<3@example.test>").await,
        "452 4.5.3 Error: too many recipients"
    );
}

#[tokio::test]
async fn command_limit_closes_the_session() {
    let server = start(TestServer::builder().max_commands(3)).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    for _ in 0..3 {
        assert_eq!(c.cmd("NOOP").await, "250 2.0.0 Ok");
    }
    assert_eq!(
        c.cmd("NOOP").await,
        "421 4.7.0 mx.test Error: too many commands"
    );
    assert!(c.closed().await);
    assert!(matches!(
        ended(&server, 1).await[0].end,
        Some(SessionEnd::LimitExceeded(_))
    ));
}

#[tokio::test]
async fn connection_limit() {
    let server = start(TestServer::builder().max_connections(1)).await;
    let mut first = Client::connect(server.addr()).await;
    assert_eq!(first.reply().await, GREETING);
    let mut second = Client::connect(server.addr()).await;
    assert_eq!(
        second.reply().await,
        "421 4.7.0 mx.test Error: too many connections, try again later"
    );
    assert!(second.closed().await);
    assert_eq!(server.refused_connections(), 1);
    assert_eq!(first.cmd("QUIT").await, "221 2.0.0 Bye");
}

#[tokio::test]
async fn idle_client_gets_421() {
    let server = start(TestServer::builder().idle_timeout(Duration::from_millis(100))).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert_eq!(c.reply().await, "421 4.4.2 mx.test Error: timeout exceeded");
    assert!(c.closed().await);
    assert_eq!(
        ended(&server, 1).await[0].end,
        Some(SessionEnd::IdleTimeout)
    );
}

#[tokio::test]
async fn client_leaving_mid_data_is_recorded() {
    let server = TestServer::start().await.expect("start");
    let mut c = greeted(&server).await;
    c.cmd("MAIL FROM:<a@example.test>").await;
    c.cmd("RCPT TO:<b@example.test>").await;
    c.cmd("DATA").await;
    c.send("half a message").await;
    drop(c);
    let s = &ended(&server, 1).await[0];
    assert_eq!(s.end, Some(SessionEnd::ClientClosed));
    assert!(s.transactions[0].message.is_none());
}

// ---------------------------------------------------------------------------------------
// Lifecycle and binding
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn shutdown_releases_the_port_and_cuts_connections() {
    let server = TestServer::start().await.expect("start");
    let addr = server.addr();
    let mut c = Client::connect(addr).await;
    c.reply().await;
    server.shutdown().await;
    assert!(c.closed().await);
    assert!(TcpStream::connect(addr).await.is_err());
    let rebound = tokio::net::TcpListener::bind(addr).await;
    assert!(rebound.is_ok(), "{rebound:?}");
}

#[tokio::test]
async fn drop_releases_the_port() {
    let server = TestServer::start().await.expect("start");
    let addr = server.addr();
    drop(server);
    let mut refused = false;
    for _ in 0..200 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "the port still accepts connections after drop");
}

#[tokio::test]
async fn non_loopback_addresses_are_refused() {
    for addr in [
        "0.0.0.0:0",
        "192.0.2.1:25",
        "[::]:0",
        "[::ffff:127.0.0.1]:0",
    ] {
        let result = TestServer::builder()
            .bind(addr.parse().unwrap())
            .start()
            .await;
        match result {
            Err(ServerError::NotLoopback { addr: refused }) => {
                assert_eq!(refused, addr.parse::<SocketAddr>().unwrap());
            }
            other => panic!("{addr}: {other:?}"),
        }
    }
    let ok = TestServer::builder()
        .bind("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .expect("127.0.0.1 is allowed");
    assert!(ok.addr().ip().is_loopback());
    // ::1 when the machine has IPv6 loopback.
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        let v6 = TestServer::builder().ipv6().start().await.expect("::1");
        let mut c = Client::connect(v6.addr()).await;
        assert_eq!(c.reply().await, GREETING);
    }
}

#[tokio::test]
async fn invalid_configuration_is_refused() {
    let bad_code = TestServer::builder()
        .recipient("a@b.test", ServerReply::new(700, "nope"))
        .start()
        .await;
    assert!(matches!(bad_code, Err(ServerError::InvalidReply { .. })));
    let injected = TestServer::builder()
        .on(
            ServerStage::Mail,
            Behaviour::reply(250, "ok\r\n250 smuggled"),
        )
        .start()
        .await;
    let err = injected.expect_err("CRLF in a reply line");
    assert!(err.to_string().contains("stage MAIL"), "{err}");
    let zero = TestServer::builder().max_connections(0).start().await;
    assert!(matches!(zero, Err(ServerError::InvalidSetting(_))));
}

// ---------------------------------------------------------------------------------------
// Hostile scripts
// ---------------------------------------------------------------------------------------

async fn hostile_server(scenario: Hostile) -> TestServer {
    TestServer::hostile(scenario).await.expect("start")
}

#[tokio::test]
async fn hostile_silent() {
    let server = hostile_server(Hostile::Silent).await;
    let mut c = Client::connect(server.addr()).await;
    assert!(c.quiet().await);
    drop(c);
    assert_eq!(
        ended(&server, 1).await[0].end,
        Some(SessionEnd::ClientClosed)
    );
}

#[tokio::test]
async fn hostile_trickle_greeting() {
    let server = hostile_server(Hostile::TrickleGreeting).await;
    let mut tcp = raw(server.addr()).await;
    assert_eq!(read_n(&mut tcp, 1).await, b"2");
    drop(tcp);
    // The whole line, trickled fast.
    let fast =
        start(TestServer::builder().script(hostile::trickle_greeting(Duration::from_millis(2))))
            .await;
    let mut c = Client::connect(fast.addr()).await;
    assert_eq!(c.reply().await, "220 mx.test ESMTP trickling");
    assert_eq!(c.cmd("EHLO c.test").await, "250-mx.test\n250 8BITMIME");
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");
    assert_eq!(ended(&fast, 1).await[0].end, Some(SessionEnd::Quit));
}

#[tokio::test]
async fn hostile_endless_reply_is_bounded() {
    let server = hostile_server(Hostile::EndlessReply).await;
    let mut c = Client::connect(server.addr()).await;
    assert_eq!(c.line().await.as_deref(), Some("220-mx.test ESMTP endless"));
    for n in 1..=1000 {
        assert_eq!(c.line().await, Some(format!("220-line {n}")));
    }
    drop(c);
    // With a small budget the server stops by itself.
    let budget = 64 * 1024;
    let small =
        start(TestServer::builder().script(hostile::endless_reply().max_bytes(budget))).await;
    let mut tcp = raw(small.addr()).await;
    let all = read_all(&mut tcp).await;
    assert_eq!(all.len() as u64, budget);
    assert_eq!(
        ended(&small, 1).await[0].end,
        Some(SessionEnd::ScriptBudget)
    );
}

#[tokio::test]
async fn hostile_long_line() {
    let server = hostile_server(Hostile::LongLine).await;
    let mut tcp = raw(server.addr()).await;
    let first = read_n(&mut tcp, 1 << 20).await;
    assert_eq!(first.len(), 1 << 20);
    assert!(first.starts_with(b"220 xxxx"));
    assert!(!first.contains(&b'\n'));
}

#[tokio::test]
async fn hostile_many_ehlo_keywords() {
    let server = hostile_server(Hostile::ManyEhloKeywords).await;
    let mut tcp = raw(server.addr()).await;
    tcp.write_all(b"EHLO c.test\r\n").await.unwrap();
    let tail = b"250 8BITMIME\r\n";
    let mut lines = 0usize;
    let mut last = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    timeout(STEP, async {
        loop {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "closed early");
            lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
            last.extend_from_slice(&buf[..n]);
            let keep = last.len().saturating_sub(64);
            last.drain(..keep);
            if last.ends_with(tail) {
                break;
            }
        }
    })
    .await
    .expect("EHLO reply in time");
    // Greeting, "250-mx.test", 200,000 keywords, "250 8BITMIME".
    assert_eq!(lines, 200_003);
}

#[tokio::test]
async fn hostile_mismatched_continuation() {
    let server = hostile_server(Hostile::MismatchedContinuation).await;
    let mut tcp = raw(server.addr()).await;
    let greeting = b"220 mx.test ESMTP hostile test server\r\n";
    assert_eq!(read_n(&mut tcp, greeting.len()).await, greeting);
    tcp.write_all(b"EHLO c.test\r\n").await.unwrap();
    assert_eq!(read_n(&mut tcp, 14).await, b"250-a\r\n550 b\r\n");
}

#[tokio::test]
async fn hostile_invalid_codes() {
    for (scenario, first) in [
        (Hostile::InvalidCode, &b"999 x invalid reply code\r\n"[..]),
        (Hostile::NonNumericCode, b"abc not a reply\r\n"),
    ] {
        let server = hostile_server(scenario).await;
        let mut tcp = raw(server.addr()).await;
        assert_eq!(read_n(&mut tcp, first.len()).await, first, "{scenario}");
    }
}

#[tokio::test]
async fn hostile_bare_lf() {
    let server = hostile_server(Hostile::BareLf).await;
    let mut tcp = raw(server.addr()).await;
    let greeting = b"220 mx.test ESMTP bare LF\n";
    assert_eq!(read_n(&mut tcp, greeting.len()).await, greeting);
    tcp.write_all(b"EHLO c.test\r\n").await.unwrap();
    let ehlo = b"250-mx.test\n250 8BITMIME\n";
    assert_eq!(read_n(&mut tcp, ehlo.len()).await, ehlo);
    tcp.write_all(b"QUIT\r\n").await.unwrap();
    assert_eq!(read_all(&mut tcp).await, b"221 2.0.0 Bye\n");
}

#[tokio::test]
async fn hostile_nul_and_latin1() {
    let server = hostile_server(Hostile::NulAndLatin1).await;
    let mut tcp = raw(server.addr()).await;
    let greeting = b"220 mx.test ESMTP caf\xe9 \x00 ready\r\n";
    assert_eq!(read_n(&mut tcp, greeting.len()).await, greeting);
    tcp.write_all(b"EHLO c.test\r\n").await.unwrap();
    let ehlo = b"250-mx.test gr\xfc\xdf \x00\r\n250 8BITMIME\r\n";
    assert_eq!(read_n(&mut tcp, ehlo.len()).await, ehlo);
}

#[tokio::test]
async fn hostile_starttls_injection() {
    let injected = b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n";
    // Without a certificate the script stops after the injection.
    let server = hostile_server(Hostile::StartTlsInjection).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert!(c.cmd("EHLO c.test").await.ends_with("\n250 STARTTLS"));
    c.send("STARTTLS\r\n").await;
    let mut rest = Vec::new();
    timeout(STEP, c.io.read_to_end(&mut rest))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rest, injected, "both lines arrive together, then the close");
    assert!(matches!(
        ended(&server, 1).await[0].end,
        Some(SessionEnd::Misconfigured(_))
    ));

    // With a certificate a (vulnerable) client that goes on gets a real handshake.
    let pki = TestPki::new().expect("pki");
    let cert = pki
        .server_cert(Scenario::Valid, &["mx.test"])
        .expect("cert");
    let server = start(
        TestServer::builder()
            .tls(ServerTls::starttls(cert))
            .hostile(Hostile::StartTlsInjection),
    )
    .await;
    let mut tcp = raw(server.addr()).await;
    let greeting = read_n(&mut tcp, 39).await;
    assert!(greeting.starts_with(b"220 mx.test"));
    tcp.write_all(b"EHLO c.test\r\n").await.unwrap();
    let ehlo = b"250-mx.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
    assert_eq!(read_n(&mut tcp, ehlo.len()).await, ehlo);
    tcp.write_all(b"STARTTLS\r\n").await.unwrap();
    assert_eq!(read_n(&mut tcp, injected.len()).await, injected);
    let tls = tls_connect(tcp, &pki)
        .await
        .expect("handshake after injection");
    let mut c = Client {
        io: BufReader::new(tls),
    };
    assert_eq!(c.cmd("EHLO c.test").await, "250-mx.test\n250 8BITMIME");
    assert_eq!(c.cmd("QUIT").await, "221 2.0.0 Bye");
    assert!(ended(&server, 1).await[0].tls.is_some());
}

#[tokio::test]
async fn hostile_starttls_not_offered() {
    let server = hostile_server(Hostile::StartTlsNotOffered).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    let ehlo = c.cmd("EHLO c.test").await;
    assert_eq!(ehlo, "250-mx.test\n250-8BITMIME\n250 ENHANCEDSTATUSCODES");
    assert_eq!(c.cmd("STARTTLS").await, "454 4.7.0 TLS not available");
}

#[tokio::test]
async fn hostile_implicit_tls_banner_and_garbage() {
    let pki = TestPki::new().expect("pki");
    for scenario in [Hostile::ImplicitTlsBanner, Hostile::ImplicitTlsGarbage] {
        assert!(scenario.implicit_tls());
        let server = hostile_server(scenario).await;
        assert!(
            tls_connect(raw(server.addr()).await, &pki).await.is_err(),
            "{scenario}: handshake must fail"
        );
    }
    let banner = hostile_server(Hostile::ImplicitTlsBanner).await;
    let mut tcp = raw(banner.addr()).await;
    assert!(read_n(&mut tcp, 4).await.starts_with(b"220 "));
    let garbage = hostile_server(Hostile::ImplicitTlsGarbage).await;
    let mut tcp = raw(garbage.addr()).await;
    let bytes = read_all(&mut tcp).await;
    assert_eq!(bytes.len(), 4096);
    assert_ne!(bytes[0], 0x16, "must not look like a TLS handshake record");
}

#[tokio::test]
async fn hostile_starttls_garbage() {
    let pki = TestPki::new().expect("pki");
    let server = hostile_server(Hostile::StartTlsGarbage).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    assert!(c.cmd("EHLO c.test").await.ends_with("\n250 STARTTLS"));
    assert_eq!(c.cmd("STARTTLS").await, "220 2.0.0 Ready to start TLS");
    assert!(tls_connect(c.io.into_inner(), &pki).await.is_err());
}

#[tokio::test]
async fn hostile_close_after_ehlo() {
    let server = hostile_server(Hostile::CloseAfterEhlo).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    c.send("EHLO c.test\r\n").await;
    assert!(c.closed().await);
}

#[tokio::test]
async fn hostile_temp_fail_after_rcpt() {
    let server = hostile_server(Hostile::TempFailAfterRcpt).await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    c.cmd("EHLO c.test").await;
    assert_eq!(c.cmd("MAIL FROM:<a@example.test>").await, "250 2.1.0 Ok");
    assert_eq!(
        c.cmd("RCPT TO:<b@example.test>").await,
        "421 4.7.0 mx.test Service not available, closing transmission channel"
    );
    assert!(c.closed().await);
}

// `hostile_no_reply_to_final_dot` runs on the server core in simulated time: tests/session_core.rs.

#[tokio::test]
async fn every_hostile_scenario_starts_and_survives_a_vanishing_client() {
    for scenario in Hostile::ALL {
        let server = hostile_server(scenario).await;
        // Connect, send a little, vanish: the server must neither panic nor hang.
        let mut tcp = raw(server.addr()).await;
        let _ = tcp.write_all(b"EHLO c.test\r\n").await;
        drop(tcp);
        let sessions = ended(&server, 1).await;
        assert!(sessions[0].end.is_some(), "{scenario}");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn script_mismatch_and_time_budget() {
    let server = start(
        TestServer::builder().script(
            smtping_testkit::server::Script::new()
                .send("220 x\r\n")
                .expect_line("EHLO")
                .send("250 x\r\n"),
        ),
    )
    .await;
    let mut c = Client::connect(server.addr()).await;
    c.reply().await;
    c.send("HELO c.test\r\n").await;
    assert!(c.closed().await);
    assert_eq!(
        ended(&server, 1).await[0].end,
        Some(SessionEnd::ScriptMismatch {
            expected: "EHLO".into(),
            got: "HELO c.test".into()
        })
    );

    let hang = start(
        TestServer::builder().script(hostile::silent().max_duration(Duration::from_millis(100))),
    )
    .await;
    let mut c = Client::connect(hang.addr()).await;
    assert!(
        c.closed().await,
        "the script's time budget closes the connection"
    );
    assert_eq!(
        ended(&hang, 1).await[0].end,
        Some(SessionEnd::SessionTimeout)
    );
}
