//! [`Script`]: byte-level server scripts for hostile and fault scenarios.

use std::fmt;
use std::time::Duration;

/// Default byte budget of a script: what it may write in one session.
pub const DEFAULT_SCRIPT_MAX_BYTES: u64 = 32 * 1024 * 1024;
/// Default time budget of a script: how long one session may last.
pub const DEFAULT_SCRIPT_MAX_DURATION: Duration = Duration::from_secs(30);

/// One step of a [`Script`].
///
/// ```
/// use std::time::Duration;
/// use smtping_testkit::server::{Script, Step};
///
/// let script = Script::from_steps([
///     Step::Send(b"220 mx.test ESMTP\r\n".to_vec()),
///     Step::ExpectLine(b"EHLO".to_vec()),
///     Step::Sleep(Duration::from_millis(10)),
///     Step::Close,
/// ]);
/// assert_eq!(script.steps().len(), 4);
/// ```
#[non_exhaustive]
#[derive(Clone, PartialEq, Eq)]
pub enum Step {
    /// Write these bytes in one write.
    Send(Vec<u8>),
    /// Write `bytes` `times` times (in large writes), e.g. a 10 MB line.
    Repeat {
        /// The bytes to repeat.
        bytes: Vec<u8>,
        /// How many times (`u64::MAX`: until the byte or time budget runs out).
        times: u64,
    },
    /// Write `prefix`, a decimal counter and `suffix` for the counter running from 1 to
    /// `count` (e.g. `250-X-KEYWORD-17\r\n`).
    Numbered {
        /// Before the number.
        prefix: Vec<u8>,
        /// After the number.
        suffix: Vec<u8>,
        /// How many lines (`u64::MAX`: until a budget runs out).
        count: u64,
    },
    /// Write the bytes one at a time, waiting `every` between them.
    Trickle {
        /// The bytes to trickle.
        bytes: Vec<u8>,
        /// The pause between two bytes.
        every: Duration,
    },
    /// Read one line from the client (bounded by the line limit). The script stops with
    /// [`SessionEnd::ScriptMismatch`](super::SessionEnd::ScriptMismatch) unless it starts with this prefix (ASCII
    /// case-insensitive; an empty prefix accepts any line).
    ExpectLine(Vec<u8>),
    /// Wait for at least one byte from the client and discard what arrived (e.g. a TLS
    /// ClientHello the script is about to answer with garbage).
    ReadAny,
    /// Read a message up to its final `.` line and discard it.
    ExpectData,
    /// Wait.
    Sleep(Duration),
    /// Perform the server side of a TLS handshake, with the certificate given by
    /// [`ServerTls`](super::ServerTls) (the session ends if none was configured).
    StartTls,
    /// From here on, answer every command like a permissive server: `250` to most,
    /// `354` to DATA (and read the message), `454` to STARTTLS, `502` to AUTH, `221` to
    /// QUIT and close. Every reply line ends with `line_ending` (`\r\n`, or `\n` for a
    /// bare-LF server).
    AnswerAll {
        /// The line terminator of every reply.
        line_ending: Vec<u8>,
    },
    /// Close the connection (TLS close_notify, then TCP FIN).
    Close,
    /// Read and discard whatever comes, never answer, until the client leaves or the
    /// script's time budget runs out.
    Hang,
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn shown(b: &[u8]) -> String {
            let cut = &b[..b.len().min(64)];
            let mut s = String::from_utf8_lossy(cut).escape_debug().to_string();
            if b.len() > 64 {
                s.push_str(&format!("…({} bytes)", b.len()));
            }
            s
        }
        match self {
            Self::Send(b) => write!(f, "Send({:?})", shown(b)),
            Self::Repeat { bytes, times } => write!(f, "Repeat({:?} × {times})", shown(bytes)),
            Self::Numbered {
                prefix,
                suffix,
                count,
            } => write!(
                f,
                "Numbered({:?}N{:?} × {count})",
                shown(prefix),
                shown(suffix)
            ),
            Self::Trickle { bytes, every } => {
                write!(f, "Trickle({:?} every {every:?})", shown(bytes))
            }
            Self::ExpectLine(p) => write!(f, "ExpectLine({:?})", shown(p)),
            Self::ReadAny => f.write_str("ReadAny"),
            Self::ExpectData => f.write_str("ExpectData"),
            Self::Sleep(d) => write!(f, "Sleep({d:?})"),
            Self::StartTls => f.write_str("StartTls"),
            Self::AnswerAll { line_ending } => write!(f, "AnswerAll({:?})", shown(line_ending)),
            Self::Close => f.write_str("Close"),
            Self::Hang => f.write_str("Hang"),
        }
    }
}

/// A byte-level server script: what a hostile or broken server does on each connection,
/// step by step, regardless of SMTP. Run it with
/// [`TestServerBuilder::script`](super::TestServerBuilder::script); ready-made
/// scenarios are in [`Hostile`](super::Hostile).
///
/// Every script is bounded: it writes at most [`max_bytes`](Script::max_bytes) bytes
/// (default 32 MiB) and lasts at most [`max_duration`](Script::max_duration) (default
/// 30 s), then closes. A client that disconnects simply ends it. The connection is closed
/// when the steps run out.
///
/// ```
/// use std::time::Duration;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
/// use smtping_testkit::server::{Script, TestServer};
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
/// let script = Script::new()
///     .send("220 mx.test ESMTP\r\n")
///     .expect_line("EHLO")
///     .send("250-a\r\n550 b\r\n") // mismatched continuation codes
///     .close();
/// let server = TestServer::builder().script(script).start().await?;
/// let mut client = tokio::net::TcpStream::connect(server.addr()).await?;
/// client.write_all(b"EHLO c.test\r\n").await?;
/// let mut all = Vec::new();
/// client.read_to_end(&mut all).await?;
/// assert_eq!(all, b"220 mx.test ESMTP\r\n250-a\r\n550 b\r\n");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Script {
    steps: Vec<Step>,
    max_bytes: u64,
    max_duration: Duration,
}

impl Default for Script {
    fn default() -> Self {
        Self::new()
    }
}

impl Script {
    /// An empty script (it closes the connection at once) with the default budgets.
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// assert!(Script::new().steps().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            steps: Vec::new(),
            max_bytes: DEFAULT_SCRIPT_MAX_BYTES,
            max_duration: DEFAULT_SCRIPT_MAX_DURATION,
        }
    }

    /// A script made of `steps`.
    ///
    /// ```
    /// use smtping_testkit::server::{Script, Step};
    /// let s = Script::from_steps([Step::Hang]);
    /// assert_eq!(s.steps(), [Step::Hang]);
    /// ```
    #[must_use]
    pub fn from_steps(steps: impl IntoIterator<Item = Step>) -> Self {
        Self {
            steps: steps.into_iter().collect(),
            ..Self::new()
        }
    }

    /// Appends a step.
    ///
    /// ```
    /// use smtping_testkit::server::{Script, Step};
    /// let s = Script::new().step(Step::ReadAny);
    /// assert_eq!(s.steps().len(), 1);
    /// ```
    #[must_use]
    pub fn step(mut self, step: Step) -> Self {
        self.steps.push(step);
        self
    }

    /// Appends [`Step::Send`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().send("220 mx.test\r\n").send(b"\x00\xff\r\n");
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn send(self, bytes: impl AsRef<[u8]>) -> Self {
        self.step(Step::Send(bytes.as_ref().to_vec()))
    }

    /// Appends [`Step::Repeat`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let ten_mib_line = Script::new().send("220 ").repeat("x", 10 * 1024 * 1024);
    /// # let _ = ten_mib_line;
    /// ```
    #[must_use]
    pub fn repeat(self, bytes: impl AsRef<[u8]>, times: u64) -> Self {
        self.step(Step::Repeat {
            bytes: bytes.as_ref().to_vec(),
            times,
        })
    }

    /// Appends [`Step::Numbered`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().numbered("250-X", "\r\n", 3); // 250-X1, 250-X2, 250-X3
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn numbered(self, prefix: impl AsRef<[u8]>, suffix: impl AsRef<[u8]>, count: u64) -> Self {
        self.step(Step::Numbered {
            prefix: prefix.as_ref().to_vec(),
            suffix: suffix.as_ref().to_vec(),
            count,
        })
    }

    /// Appends [`Step::Trickle`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().trickle("220 slow\r\n", Duration::from_secs(1));
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn trickle(self, bytes: impl AsRef<[u8]>, every: Duration) -> Self {
        self.step(Step::Trickle {
            bytes: bytes.as_ref().to_vec(),
            every,
        })
    }

    /// Appends [`Step::ExpectLine`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().send("220 x\r\n").expect_line("EHLO").expect_line("");
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn expect_line(self, prefix: impl AsRef<[u8]>) -> Self {
        self.step(Step::ExpectLine(prefix.as_ref().to_vec()))
    }

    /// Appends [`Step::ReadAny`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().read_any().send(b"\x16\x03\x03garbage");
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn read_any(self) -> Self {
        self.step(Step::ReadAny)
    }

    /// Appends [`Step::ExpectData`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().expect_line("DATA").send("354 go\r\n").expect_data().hang();
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn expect_data(self) -> Self {
        self.step(Step::ExpectData)
    }

    /// Appends [`Step::Sleep`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().sleep(Duration::from_millis(100)).send("220 late\r\n");
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn sleep(self, duration: Duration) -> Self {
        self.step(Step::Sleep(duration))
    }

    /// Appends [`Step::StartTls`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().expect_line("STARTTLS").send("220 go\r\n").start_tls();
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn start_tls(self) -> Self {
        self.step(Step::StartTls)
    }

    /// Appends [`Step::AnswerAll`] with the given line ending.
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let bare_lf = Script::new().send("220 mx.test\n").answer_all("\n");
    /// # let _ = bare_lf;
    /// ```
    #[must_use]
    pub fn answer_all(self, line_ending: impl AsRef<[u8]>) -> Self {
        self.step(Step::AnswerAll {
            line_ending: line_ending.as_ref().to_vec(),
        })
    }

    /// Appends [`Step::Close`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().send("421 4.3.2 bye\r\n").close();
    /// # let _ = s;
    /// ```
    #[must_use]
    pub fn close(self) -> Self {
        self.step(Step::Close)
    }

    /// Appends [`Step::Hang`].
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let silent = Script::new().hang();
    /// # let _ = silent;
    /// ```
    #[must_use]
    pub fn hang(self) -> Self {
        self.step(Step::Hang)
    }

    /// Sets the most bytes the script writes per session (it stops there and closes).
    ///
    /// ```
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().repeat("250-x\r\n", u64::MAX).max_bytes(1 << 20);
    /// assert_eq!(s.byte_budget(), 1 << 20);
    /// ```
    #[must_use]
    pub fn max_bytes(mut self, bytes: u64) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// Sets how long one session of the script may last (it closes then).
    ///
    /// ```
    /// use std::time::Duration;
    /// use smtping_testkit::server::Script;
    /// let s = Script::new().hang().max_duration(Duration::from_secs(2));
    /// assert_eq!(s.time_budget(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn max_duration(mut self, duration: Duration) -> Self {
        self.max_duration = duration;
        self
    }

    /// The steps.
    ///
    /// ```
    /// use smtping_testkit::server::{Script, Step};
    /// assert_eq!(Script::new().close().steps(), [Step::Close]);
    /// ```
    #[must_use]
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The byte budget.
    ///
    /// ```
    /// use smtping_testkit::server::{Script, DEFAULT_SCRIPT_MAX_BYTES};
    /// assert_eq!(Script::new().byte_budget(), DEFAULT_SCRIPT_MAX_BYTES);
    /// ```
    #[must_use]
    pub const fn byte_budget(&self) -> u64 {
        self.max_bytes
    }

    /// The time budget.
    ///
    /// ```
    /// use smtping_testkit::server::{Script, DEFAULT_SCRIPT_MAX_DURATION};
    /// assert_eq!(Script::new().time_budget(), DEFAULT_SCRIPT_MAX_DURATION);
    /// ```
    #[must_use]
    pub const fn time_budget(&self) -> Duration {
        self.max_duration
    }
}
