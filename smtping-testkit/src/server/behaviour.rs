//! [`ServerStage`] and [`Behaviour`]: what the server does at each step and for each address.

use std::fmt;
use std::time::Duration;

use super::reply::ServerReply;

/// A point in the SMTP dialogue where a [`Behaviour`] can be set with
/// [`TestServerBuilder::on`](super::TestServerBuilder::on).
///
/// A stage's behaviour applies only once the command is valid in its state: a `RCPT`
/// before `MAIL` still gets `503 5.5.1`, whatever [`ServerStage::Rcpt`] says.
///
/// ```
/// use smtping_testkit::server::ServerStage;
/// assert_eq!(ServerStage::DataEnd.to_string(), "end of data");
/// assert_eq!(ServerStage::ALL.len(), 12);
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServerStage {
    /// The banner sent when a client connects (default `220 <hostname> ESMTP …`). A 2xx
    /// greeting opens the session; `421` closes it; any other code (e.g. `554`) leaves a
    /// session that answers `503` to everything but `QUIT` (RFC 5321 §3.1).
    Greeting,
    /// The reply to `EHLO` (default: the hostname and the extensions).
    Ehlo,
    /// The reply to `HELO` (default `250 <hostname>`).
    Helo,
    /// The reply to `STARTTLS` (default `220 2.0.0 Ready to start TLS`). A `220` is
    /// followed by the TLS handshake; any other reply leaves the session in plain text.
    StartTls,
    /// The first reply to `AUTH` (default: the SASL exchange). A configured 2xx counts as a
    /// successful login with no user name; anything else as a failure.
    Auth,
    /// The reply to `MAIL FROM` (default `250 2.1.0 Ok`). A 2xx opens the transaction.
    Mail,
    /// The reply to `RCPT TO` (default `250 2.1.5 Ok`). A 2xx adds the recipient.
    Rcpt,
    /// The reply to `DATA` (default `354 End data with <CR><LF>.<CR><LF>`). A 3xx reply
    /// makes the server read the message.
    Data,
    /// The reply after the final `.` of the message (default `250 2.0.0 Ok: queued as …`).
    /// A message over the size limit gets `552 5.3.4` instead.
    DataEnd,
    /// The reply to `RSET` (default `250 2.0.0 Ok`).
    Rset,
    /// The reply to `NOOP` (default `250 2.0.0 Ok`).
    Noop,
    /// The reply to `QUIT` (default `221 2.0.0 Bye`); the connection is closed after it.
    Quit,
}

impl ServerStage {
    /// Every stage, in dialogue order.
    pub const ALL: [Self; 12] = [
        Self::Greeting,
        Self::Ehlo,
        Self::Helo,
        Self::StartTls,
        Self::Auth,
        Self::Mail,
        Self::Rcpt,
        Self::Data,
        Self::DataEnd,
        Self::Rset,
        Self::Noop,
        Self::Quit,
    ];

    pub(crate) const fn index(self) -> usize {
        match self {
            Self::Greeting => 0,
            Self::Ehlo => 1,
            Self::Helo => 2,
            Self::StartTls => 3,
            Self::Auth => 4,
            Self::Mail => 5,
            Self::Rcpt => 6,
            Self::Data => 7,
            Self::DataEnd => 8,
            Self::Rset => 9,
            Self::Noop => 10,
            Self::Quit => 11,
        }
    }
}

impl fmt::Display for ServerStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Greeting => "greeting",
            Self::Ehlo => "EHLO",
            Self::Helo => "HELO",
            Self::StartTls => "STARTTLS",
            Self::Auth => "AUTH",
            Self::Mail => "MAIL",
            Self::Rcpt => "RCPT",
            Self::Data => "DATA",
            Self::DataEnd => "end of data",
            Self::Rset => "RSET",
            Self::Noop => "NOOP",
            Self::Quit => "QUIT",
        })
    }
}

/// What the server does after a behaviour's delay.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// What the server would do anyway.
    Normal,
    /// Send this reply (a `421` also closes the connection).
    Reply(ServerReply),
    /// Send this reply, then close.
    ReplyAndClose(ServerReply),
    /// Close the connection without a word.
    Disconnect,
    /// Never answer again; keep the connection open until the client leaves.
    Silent,
}

/// What the test server does at a [`ServerStage`] or for one address: reply, wait, hang up or say
/// nothing.
///
/// A behaviour is an optional delay followed by an action. Build one with a constructor
/// (`reply`, `disconnect`, `silent`, …) or start with [`delay`](Behaviour::delay) and
/// finish with a `then_*` method. A [`ServerReply`] converts into a behaviour, so
/// `.on(ServerStage::Rcpt, ServerReply::new(550, "…"))` works.
///
/// Any reply with code `421` closes the connection after it is sent, as RFC 5321 §3.8
/// requires of a server that gives up.
///
/// ```
/// use std::time::Duration;
/// use smtping_testkit::server::Behaviour;
///
/// let bounce = Behaviour::reply(550, "5.1.1 <bob@example.test>: user unknown");
/// let slow_ok = Behaviour::delay(Duration::from_millis(200)).then_reply(250, "2.1.5 Ok");
/// let hang_up = Behaviour::disconnect();
/// let shutting_down = Behaviour::reply(421, "4.3.2 Service shutting down"); // closes too
/// # let _ = (bounce, slow_ok, hang_up, shutting_down);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Behaviour {
    pub(crate) delay: Duration,
    pub(crate) action: Action,
    /// Applies to the first this-many matching commands only.
    pub(crate) times: Option<usize>,
}

impl Behaviour {
    /// Do what a healthy server would (useful to exempt one recipient from a stage-wide
    /// rule).
    ///
    /// ```
    /// use smtping_testkit::server::{Behaviour, ServerReply, ServerStage, TestServer};
    /// let builder = TestServer::builder()
    ///     .on(ServerStage::Rcpt, ServerReply::new(550, "5.7.1 Relaying denied"))
    ///     .recipient("postmaster@mx.test", Behaviour::normal());
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub const fn normal() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Normal,
            times: None,
        }
    }

    /// Reply with `code` and one line of `text`.
    ///
    /// ```
    /// use smtping_testkit::server::Behaviour;
    /// let greylist = Behaviour::reply(451, "4.7.1 Greylisted, try again in 5 minutes");
    /// # let _ = greylist;
    /// ```
    #[must_use]
    pub fn reply(code: u16, text: impl Into<String>) -> Self {
        Self::respond(ServerReply::new(code, text))
    }

    /// Reply with a prepared (possibly multi-line) [`ServerReply`].
    ///
    /// ```
    /// use smtping_testkit::server::{Behaviour, ServerReply};
    /// let b = Behaviour::respond(ServerReply::new(554, "5.7.1 Rejected").line("5.7.1 See policy"));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn respond(reply: ServerReply) -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Reply(reply),
            times: None,
        }
    }

    /// Reply, then close the connection (e.g. `554` and hang up).
    ///
    /// ```
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::reply_and_close(554, "5.7.1 Go away");
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn reply_and_close(code: u16, text: impl Into<String>) -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::ReplyAndClose(ServerReply::new(code, text)),
            times: None,
        }
    }

    /// Close the connection without replying (replies already owed to earlier pipelined
    /// commands are sent first).
    ///
    /// ```
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::disconnect();
    /// # let _ = b;
    /// ```
    #[must_use]
    pub const fn disconnect() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Disconnect,
            times: None,
        }
    }

    /// Never reply again: the connection stays open, anything the client sends is read and
    /// discarded, until the client closes it, the session time limit passes or the server
    /// shuts down.
    ///
    /// ```
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::silent();
    /// # let _ = b;
    /// ```
    #[must_use]
    pub const fn silent() -> Self {
        Self {
            delay: Duration::ZERO,
            action: Action::Silent,
            times: None,
        }
    }

    /// Wait `delay`, then do what a healthy server would; chain a `then_*` method to do
    /// something else after the wait.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Behaviour;
    /// let slow_greeting = Behaviour::delay(Duration::from_millis(300));
    /// let slow_bounce = Behaviour::delay(Duration::from_millis(300)).then_reply(550, "5.1.1 No");
    /// # let _ = (slow_greeting, slow_bounce);
    /// ```
    #[must_use]
    pub const fn delay(delay: Duration) -> Self {
        Self {
            delay,
            action: Action::Normal,
            times: None,
        }
    }

    /// After the delay, reply with `code` and `text`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::delay(Duration::from_millis(50)).then_reply(250, "2.1.5 Ok");
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn then_reply(self, code: u16, text: impl Into<String>) -> Self {
        self.then_respond(ServerReply::new(code, text))
    }

    /// After the delay, send `reply`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::{Behaviour, ServerReply};
    /// let b = Behaviour::delay(Duration::from_millis(50)).then_respond(ServerReply::new(250, "Ok"));
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn then_respond(self, reply: ServerReply) -> Self {
        Self {
            action: Action::Reply(reply),
            ..self
        }
    }

    /// After the delay, reply and close.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::delay(Duration::from_millis(50)).then_reply_and_close(554, "5.3.0 Bye");
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn then_reply_and_close(self, code: u16, text: impl Into<String>) -> Self {
        Self {
            action: Action::ReplyAndClose(ServerReply::new(code, text)),
            ..self
        }
    }

    /// After the delay, close without replying.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::delay(Duration::from_millis(50)).then_disconnect();
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn then_disconnect(self) -> Self {
        Self {
            action: Action::Disconnect,
            ..self
        }
    }

    /// After the delay, fall silent (see [`silent`](Behaviour::silent)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Behaviour;
    /// let b = Behaviour::delay(Duration::from_millis(50)).then_silent();
    /// # let _ = b;
    /// ```
    #[must_use]
    pub fn then_silent(self) -> Self {
        Self {
            action: Action::Silent,
            ..self
        }
    }

    /// Applies this behaviour to the first `n` matching commands only (counted across
    /// all connections of the server); later ones get what they would get without it.
    /// Made for greylisting and other "fails, then works on retry" tests.
    ///
    /// ```
    /// use smtping_testkit::server::{Behaviour, TestServer};
    /// // The first RCPT for new@example.test is greylisted, the retry is accepted.
    /// let builder = TestServer::builder().recipient(
    ///     "new@example.test",
    ///     Behaviour::reply(451, "4.7.1 Greylisted, try again later").times(1),
    /// );
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    /// The delay before the action.
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Behaviour;
    /// assert_eq!(Behaviour::delay(Duration::from_secs(1)).delay_duration(), Duration::from_secs(1));
    /// assert_eq!(Behaviour::silent().delay_duration(), Duration::ZERO);
    /// ```
    #[must_use]
    pub const fn delay_duration(&self) -> Duration {
        self.delay
    }

    /// The reply this behaviour sends, if it sends a configured one.
    ///
    /// ```
    /// use smtping_testkit::server::Behaviour;
    /// assert_eq!(Behaviour::reply(550, "no").configured_reply().map(|r| r.code()), Some(550));
    /// assert!(Behaviour::disconnect().configured_reply().is_none());
    /// ```
    #[must_use]
    pub const fn configured_reply(&self) -> Option<&ServerReply> {
        match &self.action {
            Action::Reply(r) | Action::ReplyAndClose(r) => Some(r),
            _ => None,
        }
    }
}

impl Default for Behaviour {
    fn default() -> Self {
        Self::normal()
    }
}

impl From<ServerReply> for Behaviour {
    fn from(reply: ServerReply) -> Self {
        Self::respond(reply)
    }
}

impl fmt::Debug for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Behaviour");
        if !self.delay.is_zero() {
            d.field("delay", &self.delay);
        }
        match &self.action {
            Action::Normal => d.field("action", &"normal"),
            Action::Reply(r) => d.field("reply", &r.to_string()),
            Action::ReplyAndClose(r) => d.field("reply_and_close", &r.to_string()),
            Action::Disconnect => d.field("action", &"disconnect"),
            Action::Silent => d.field("action", &"silent"),
        };
        if let Some(n) = self.times {
            d.field("times", &n);
        }
        d.finish()
    }
}
