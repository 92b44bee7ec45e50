//! What the test server records about each connection: [`ReceivedSession`] and its parts.

use std::fmt;
use std::net::SocketAddr;

/// Sessions kept in [`TestServer::received`](super::TestServer::received); later ones are served but not recorded.
pub const MAX_RECORDED_SESSIONS: usize = 1024;
/// Bytes of command lines and message bodies the server keeps in all (beyond, bodies are
/// marked not stored and command lines are no longer recorded).
pub const MAX_RECORDED_BYTES: usize = 64 * 1024 * 1024;

/// Everything the server saw on one connection, returned by
/// [`TestServer::received`](super::TestServer::received).
///
/// The record is updated as the dialogue goes, before each reply is sent: once the client
/// has read a reply, everything up to the command it answers is recorded. AUTH payloads
/// are replaced by `[redacted]` and passwords are never stored.
///
/// ```
/// use std::time::Duration;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use smtping_testkit::server::TestServer;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let server = TestServer::builder().start().await?;
/// let mut client = tokio::net::TcpStream::connect(server.addr()).await?;
/// client.write_all(b"EHLO client.test\r\nQUIT\r\n").await?;
/// let mut all = Vec::new();
/// client.read_to_end(&mut all).await?; // the server closes after 221
///
/// let sessions = server.received();
/// assert_eq!(sessions.len(), 1);
/// assert_eq!(sessions[0].client_name.as_deref(), Some("client.test"));
/// assert_eq!(sessions[0].commands, ["EHLO client.test", "QUIT"]);
/// assert!(sessions[0].tls.is_none() && sessions[0].auth_user.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceivedSession {
    /// The connection's number on this server, from 0 in accept order.
    pub id: usize,
    /// The client's address.
    pub peer: Option<SocketAddr>,
    /// The argument of the last `EHLO` or `HELO`.
    pub client_name: Option<String>,
    /// `true` when the last greeting command was `EHLO`, `false` for `HELO`.
    pub esmtp: bool,
    /// The TLS session, once a handshake (STARTTLS or implicit) completed.
    pub tls: Option<ReceivedTls>,
    /// Plain-text bytes the client sent after `STARTTLS` and before the handshake (the
    /// server discards them, RFC 3207 §4.2; a careful client sends none).
    pub plaintext_after_starttls: usize,
    /// The user name of the successful AUTH, if any (never the password).
    pub auth_user: Option<String>,
    /// Every AUTH attempt, in order.
    pub auth_attempts: Vec<AuthAttempt>,
    /// Command lines in order, without CRLF (AUTH payloads `[redacted]`, lines cut to
    /// 512 bytes, message data not included).
    pub commands: Vec<String>,
    /// Mail transactions: one per accepted `MAIL FROM`.
    pub transactions: Vec<ReceivedTransaction>,
    /// How the session ended; `None` while it is open (or when the server shut down).
    pub end: Option<SessionEnd>,
}

impl ReceivedSession {
    /// Messages the server accepted (2xx after the final dot), with their envelopes.
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedSession;
    /// assert_eq!(ReceivedSession::default().delivered().count(), 0);
    /// ```
    pub fn delivered(&self) -> impl Iterator<Item = &ReceivedTransaction> {
        self.transactions.iter().filter(|t| t.is_delivered())
    }

    /// `true` when the client ended the session with `QUIT`.
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedSession;
    /// assert!(!ReceivedSession::default().quit());
    /// ```
    #[must_use]
    pub fn quit(&self) -> bool {
        self.end == Some(SessionEnd::Quit)
    }
}

/// The TLS session of a connection.
///
/// ```
/// use smtping_testkit::server::ReceivedTls;
/// let info = ReceivedTls::default();
/// assert!(!info.implicit && info.sni.is_none());
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceivedTls {
    /// `true` for implicit TLS (handshake on connect), `false` after STARTTLS.
    pub implicit: bool,
    /// The protocol version, e.g. `"TLSv1.3"`.
    pub version: String,
    /// The cipher suite, e.g. `"TLS13_AES_128_GCM_SHA256"`.
    pub cipher_suite: String,
    /// The server name the client asked for (SNI), if any.
    pub sni: Option<String>,
}

/// One AUTH attempt.
///
/// ```
/// use smtping_testkit::server::{AuthAttempt, SaslMechanism};
/// let mut a = AuthAttempt::default();
/// a.mechanism = "PLAIN".into();
/// assert_eq!(SaslMechanism::from_name(&a.mechanism), Some(SaslMechanism::Plain));
/// assert!(!a.success);
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthAttempt {
    /// The mechanism named by the client, upper-cased.
    pub mechanism: String,
    /// The user name the client gave, when the exchange got that far.
    pub user: Option<String>,
    /// `true` when the server answered 235.
    pub success: bool,
}

/// A mail transaction: the envelope and, if DATA got that far, the message.
///
/// ```
/// use smtping_testkit::server::ReceivedTransaction;
/// let t = ReceivedTransaction::default();
/// assert!(!t.is_delivered() && t.accepted_recipients().next().is_none());
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceivedTransaction {
    /// The reverse-path without brackets (empty for the null sender `<>`).
    pub mail_from: String,
    /// The `MAIL FROM` parameters as sent (e.g. `SIZE=1234`, `BODY=8BITMIME`).
    pub mail_params: Vec<String>,
    /// Every `RCPT TO`, accepted or not, in order.
    pub recipients: Vec<ReceivedRecipient>,
    /// The message, once DATA was answered with 3xx and the final dot arrived.
    pub message: Option<ReceivedMessage>,
}

impl ReceivedTransaction {
    /// Recipients the server accepted (2xx).
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedTransaction;
    /// assert_eq!(ReceivedTransaction::default().accepted_recipients().count(), 0);
    /// ```
    pub fn accepted_recipients(&self) -> impl Iterator<Item = &str> {
        self.recipients
            .iter()
            .filter(|r| r.accepted())
            .map(|r| r.address.as_str())
    }

    /// `true` when a message was received and accepted with 2xx.
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedTransaction;
    /// assert!(!ReceivedTransaction::default().is_delivered());
    /// ```
    #[must_use]
    pub fn is_delivered(&self) -> bool {
        self.message.as_ref().is_some_and(ReceivedMessage::accepted)
    }
}

/// One `RCPT TO` and the server's answer.
///
/// ```
/// use smtping_testkit::server::ReceivedRecipient;
/// let mut r = ReceivedRecipient::default();
/// r.code = 550;
/// assert!(!r.accepted());
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceivedRecipient {
    /// The forward-path without brackets.
    pub address: String,
    /// The `RCPT TO` parameters as sent (e.g. `NOTIFY=NEVER`).
    pub params: Vec<String>,
    /// The reply code sent (0 when the connection was closed or the server fell silent
    /// instead).
    pub code: u16,
}

impl ReceivedRecipient {
    /// `true` for a 2xx reply.
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedRecipient;
    /// let mut r = ReceivedRecipient::default();
    /// r.code = 250;
    /// assert!(r.accepted());
    /// ```
    #[must_use]
    pub fn accepted(&self) -> bool {
        self.code / 100 == 2
    }
}

/// A message received after DATA, dot-stuffing removed, every line ending in CRLF.
///
/// ```
/// use smtping_testkit::server::ReceivedMessage;
/// let mut m = ReceivedMessage::default();
/// m.body = b"Subject: hi\r\n\r\nHello\r\n".to_vec();
/// m.code = 250;
/// assert_eq!(m.text(), "Subject: hi\r\n\r\nHello\r\n");
/// assert!(m.accepted());
/// ```
#[non_exhaustive]
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ReceivedMessage {
    /// The decoded message (empty when not `stored`).
    pub body: Vec<u8>,
    /// Its size in bytes after decoding (or, when it was too large to keep, the bytes
    /// read on the wire).
    pub size: usize,
    /// `false` when the body was not kept: over the size limit or the server's recording
    /// budget.
    pub stored: bool,
    /// The reply code sent after the final dot (0 when the server disconnected or fell
    /// silent instead).
    pub code: u16,
}

impl ReceivedMessage {
    /// The body as text (invalid UTF-8 replaced).
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedMessage;
    /// assert_eq!(ReceivedMessage::default().text(), "");
    /// ```
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// `true` when the server answered the final dot with 2xx.
    ///
    /// ```
    /// use smtping_testkit::server::ReceivedMessage;
    /// assert!(!ReceivedMessage::default().accepted());
    /// ```
    #[must_use]
    pub fn accepted(&self) -> bool {
        self.code / 100 == 2
    }
}

impl fmt::Debug for ReceivedMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 256;
        let shown = &self.body[..self.body.len().min(SHOWN)];
        f.debug_struct("ReceivedMessage")
            .field("size", &self.size)
            .field("stored", &self.stored)
            .field("code", &self.code)
            .field("body", &String::from_utf8_lossy(shown))
            .field("body_truncated_in_debug", &(self.body.len() > SHOWN))
            .finish()
    }
}

/// How a session ended.
///
/// ```
/// use smtping_testkit::server::SessionEnd;
/// assert_eq!(SessionEnd::Quit.to_string(), "the client sent QUIT");
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    /// The client sent `QUIT` and got `221`.
    Quit,
    /// The client closed the connection (or it broke) without `QUIT`.
    ClientClosed,
    /// The server closed it on purpose: a `421`, a disconnect behaviour, a script's
    /// `Close` step or the end of a script.
    ServerClosed,
    /// The client sent nothing for the idle timeout (`421 4.4.2` sent).
    IdleTimeout,
    /// The session ran longer than the session time limit.
    SessionTimeout,
    /// A limit was hit (too many commands, …); the text says which.
    LimitExceeded(String),
    /// The TLS handshake failed; the text is rustls' error.
    TlsHandshake(String),
    /// A script's `ExpectLine` got another line (the script stopped there).
    ScriptMismatch {
        /// The prefix the script expected.
        expected: String,
        /// The line received (lossy, cut to 512 bytes).
        got: String,
    },
    /// A script's byte budget ran out.
    ScriptBudget,
    /// A script or configuration problem (e.g. a `StartTls` step without TLS configured).
    Misconfigured(String),
}

impl fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Quit => f.write_str("the client sent QUIT"),
            Self::ClientClosed => f.write_str("the client closed the connection"),
            Self::ServerClosed => f.write_str("the server closed the connection"),
            Self::IdleTimeout => f.write_str("the client was idle too long"),
            Self::SessionTimeout => f.write_str("the session time limit passed"),
            Self::LimitExceeded(what) => write!(f, "limit exceeded: {what}"),
            Self::TlsHandshake(e) => write!(f, "TLS handshake failed: {e}"),
            Self::ScriptMismatch { expected, got } => {
                write!(
                    f,
                    "script expected a line starting {expected:?}, got {got:?}"
                )
            }
            Self::ScriptBudget => f.write_str("the script's byte budget ran out"),
            Self::Misconfigured(what) => write!(f, "misconfigured: {what}"),
        }
    }
}
