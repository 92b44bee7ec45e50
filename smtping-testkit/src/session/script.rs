//! The [`Script`](crate::server::Script) runner as a state machine: one step at a time,
//! large writes cut into chunks (so a 10 MiB line is never held at once), sleeps and
//! trickles as wake-up times.

use std::time::{Duration, Instant};

use super::{Closing, Conn, DataRead, Line, MAX_PUMP_STEPS, later, recorded_line};
use crate::server::plan::TlsKind;
use crate::server::{SessionEnd, Step};

/// Largest write a repeating step makes at once.
const WRITE_CHUNK: usize = 64 * 1024;

/// Where the current step is.
#[derive(Debug, Default)]
enum Progress {
    /// Not started.
    #[default]
    Fresh,
    /// Repetitions left.
    Repeat(u64),
    /// The next number.
    Numbered(u64),
    /// Bytes sent so far, and when the next may go.
    Trickle(usize, Option<Instant>),
    /// Sleeping until.
    Sleep(Instant),
    /// Reading a message.
    Data(DataRead),
    /// Answering every command; `Some` while reading a message.
    AnswerAll(Option<DataRead>),
}

/// What a step did.
enum Outcome {
    /// The step is complete: go to the next.
    Next,
    /// Output is pending or a wake-up is set: let the driver act, then continue.
    Yield,
    /// Waiting for input, time or the driver.
    Blocked,
}

/// A script's run on one connection.
#[derive(Debug)]
pub(crate) struct Runner {
    started: bool,
    index: usize,
    progress: Progress,
    /// Bytes the script may still write.
    budget: u64,
}

impl Runner {
    pub(crate) fn new(budget: u64) -> Self {
        Self {
            started: false,
            index: 0,
            progress: Progress::Fresh,
            budget,
        }
    }

    /// Runs steps until one waits.
    pub(crate) fn pump(&mut self, conn: &mut Conn) {
        if !self.started {
            self.started = true;
            if conn.settings.tls_kind == TlsKind::Implicit && conn.settings.tls_config.is_some() {
                conn.start_tls(true);
                return;
            }
        }
        let settings = std::sync::Arc::clone(&conn.settings);
        let Some(script) = settings.script.as_ref() else {
            return;
        };
        for _ in 0..MAX_PUMP_STEPS {
            if conn.blocked() {
                return;
            }
            if conn.expired() {
                conn.finish(SessionEnd::SessionTimeout, Closing::Close);
                return;
            }
            let Some(step) = script.steps().get(self.index) else {
                conn.finish(SessionEnd::ServerClosed, Closing::Close);
                return;
            };
            match self.step(conn, step) {
                Outcome::Next => {
                    self.index += 1;
                    self.progress = Progress::Fresh;
                }
                Outcome::Yield | Outcome::Blocked => return,
            }
        }
        conn.wake = Some(conn.now);
    }

    /// Writes within the byte budget; `false` when the session ended.
    fn write(&mut self, conn: &mut Conn, bytes: &[u8]) -> bool {
        if conn.eof {
            // The client is gone: nothing can be written any more.
            conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
            return false;
        }
        let allowed = usize::try_from(self.budget)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        self.budget -= allowed as u64;
        conn.out.extend_from_slice(&bytes[..allowed]);
        if allowed < bytes.len() {
            conn.finish(SessionEnd::ScriptBudget, Closing::Disconnect);
            return false;
        }
        true
    }

    /// The next client line: `Some(Some(line))`, `Some(None)` for an over-long line, or
    /// `None` while there is none (the session may have ended).
    fn read_line(conn: &mut Conn) -> Option<Option<Vec<u8>>> {
        let Some(line) = conn.input.read_line() else {
            if conn.eof {
                conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
            }
            return None;
        };
        if !conn.count_command() {
            conn.finish(
                SessionEnd::LimitExceeded("too many commands".into()),
                Closing::Disconnect,
            );
            return None;
        }
        match line {
            Line::Complete(line) => {
                conn.rec.command(recorded_line(&line));
                Some(Some(line))
            }
            Line::TooLong => {
                conn.rec.command("[line too long]".into());
                Some(None)
            }
        }
    }

    fn step(&mut self, conn: &mut Conn, step: &Step) -> Outcome {
        match step {
            Step::Send(bytes) => self.written(conn, bytes),
            Step::Repeat { bytes, times } => self.repeat(conn, bytes, *times),
            Step::Numbered {
                prefix,
                suffix,
                count,
            } => self.numbered(conn, prefix, suffix, *count),
            Step::Trickle { bytes, every } => self.trickle(conn, bytes, *every),
            Step::ExpectLine(prefix) => Self::expect_line(conn, prefix),
            Step::ReadAny => {
                if conn.input.is_empty() {
                    if conn.eof {
                        conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
                    }
                    return Outcome::Blocked;
                }
                conn.input.discard();
                Outcome::Next
            }
            Step::ExpectData => self.expect_data(conn),
            Step::Sleep(d) => self.sleep(conn, *d),
            Step::StartTls => {
                if conn.settings.tls_config.is_none() {
                    let why =
                        "the script has a StartTls step but the server has no TLS certificate";
                    conn.finish(SessionEnd::Misconfigured(why.into()), Closing::Disconnect);
                    return Outcome::Blocked;
                }
                conn.start_tls(false);
                Outcome::Next
            }
            Step::AnswerAll { line_ending } => self.answer_all(conn, line_ending),
            Step::Close => {
                conn.finish(SessionEnd::ServerClosed, Closing::Close);
                Outcome::Blocked
            }
            Step::Hang => {
                conn.input.discard();
                if conn.eof {
                    conn.finish(SessionEnd::ClientClosed, Closing::Close);
                }
                Outcome::Blocked
            }
        }
    }

    /// One byte of a [`Step::Trickle`], or the wait before it.
    fn trickle(&mut self, conn: &mut Conn, bytes: &[u8], every: Duration) -> Outcome {
        let (sent, next) = match self.progress {
            Progress::Trickle(sent, next) => (sent, next),
            _ => (0, None),
        };
        let Some(&byte) = bytes.get(sent) else {
            return Outcome::Next;
        };
        if Self::client_gone(conn) {
            return Outcome::Blocked;
        }
        if let Some(at) = next.filter(|&at| conn.now < at) {
            conn.wake = Some(at);
            return Outcome::Blocked;
        }
        if !self.write(conn, &[byte]) {
            return Outcome::Blocked;
        }
        self.progress = Progress::Trickle(sent + 1, Some(later(conn.now, every)));
        Outcome::Yield
    }

    /// A [`Step::Sleep`]: a wake-up time.
    fn sleep(&mut self, conn: &mut Conn, d: Duration) -> Outcome {
        let until = match self.progress {
            Progress::Sleep(until) => until,
            _ => later(conn.now, d),
        };
        if conn.now >= until {
            return Outcome::Next;
        }
        if Self::client_gone(conn) {
            return Outcome::Blocked;
        }
        self.progress = Progress::Sleep(until);
        conn.wake = Some(until);
        Outcome::Blocked
    }

    /// While waiting to write: a client that left ends the script at once (nothing it
    /// could still be sent would arrive).
    fn client_gone(conn: &mut Conn) -> bool {
        if conn.eof {
            conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
        }
        conn.eof
    }

    fn written(&mut self, conn: &mut Conn, bytes: &[u8]) -> Outcome {
        if self.write(conn, bytes) {
            Outcome::Next
        } else {
            Outcome::Blocked
        }
    }

    /// One chunk of a [`Step::Repeat`].
    fn repeat(&mut self, conn: &mut Conn, bytes: &[u8], times: u64) -> Outcome {
        let left = match self.progress {
            Progress::Repeat(left) => left,
            _ => times,
        };
        if bytes.is_empty() || left == 0 {
            return Outcome::Next;
        }
        let per_chunk = (WRITE_CHUNK / bytes.len()).max(1);
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(per_chunk);
        let chunk = bytes.repeat(n);
        if !self.write(conn, &chunk) {
            return Outcome::Blocked;
        }
        self.progress = Progress::Repeat(left - n as u64);
        Outcome::Yield
    }

    /// One chunk of a [`Step::Numbered`].
    fn numbered(&mut self, conn: &mut Conn, prefix: &[u8], suffix: &[u8], count: u64) -> Outcome {
        let first = match self.progress {
            Progress::Numbered(next) => next,
            _ => 1,
        };
        if first > count || first == 0 {
            return Outcome::Next;
        }
        let mut chunk = Vec::with_capacity(WRITE_CHUNK + 64);
        let mut n = first;
        let mut next = Some(first);
        while chunk.len() < WRITE_CHUNK && n <= count {
            chunk.extend_from_slice(prefix);
            chunk.extend_from_slice(n.to_string().as_bytes());
            chunk.extend_from_slice(suffix);
            next = n.checked_add(1);
            match next {
                Some(m) => n = m,
                None => break,
            }
        }
        if !self.write(conn, &chunk) {
            return Outcome::Blocked;
        }
        // `0` marks the end after u64::MAX.
        self.progress = Progress::Numbered(next.unwrap_or(0));
        Outcome::Yield
    }

    fn expect_line(conn: &mut Conn, prefix: &[u8]) -> Outcome {
        let Some(got) = Self::read_line(conn) else {
            return Outcome::Blocked;
        };
        let got = got.unwrap_or_default();
        let matches = got.len() >= prefix.len() && got[..prefix.len()].eq_ignore_ascii_case(prefix);
        if matches {
            return Outcome::Next;
        }
        let end = SessionEnd::ScriptMismatch {
            expected: String::from_utf8_lossy(prefix).into_owned(),
            got: recorded_line(&got),
        };
        conn.finish(end, Closing::Disconnect);
        Outcome::Blocked
    }

    fn expect_data(&mut self, conn: &mut Conn) -> Outcome {
        let mut read = match std::mem::take(&mut self.progress) {
            Progress::Data(read) => read,
            _ => DataRead::new(0),
        };
        if conn.input.read_data(&mut read) {
            return Outcome::Next;
        }
        if conn.eof {
            conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
        }
        self.progress = Progress::Data(read);
        Outcome::Blocked
    }

    /// The permissive responder of [`Step::AnswerAll`]: one command (or the end of a
    /// message) per call.
    fn answer_all(&mut self, conn: &mut Conn, eol: &[u8]) -> Outcome {
        if let Progress::AnswerAll(Some(mut read)) = std::mem::take(&mut self.progress) {
            if !conn.input.read_data(&mut read) {
                if conn.eof {
                    conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
                }
                self.progress = Progress::AnswerAll(Some(read));
                return Outcome::Blocked;
            }
            self.progress = Progress::AnswerAll(None);
            return self.answer(conn, b"250 2.0.0 Ok", eol);
        }
        self.progress = Progress::AnswerAll(None);
        let Some(line) = Self::read_line(conn) else {
            return Outcome::Blocked;
        };
        let Some(line) = line else {
            return self.answer(conn, b"500 5.5.6 line too long", eol);
        };
        let verb = line
            .split(|&b| b == b' ')
            .next()
            .map(|v| v.to_ascii_uppercase())
            .unwrap_or_default();
        let host = conn.settings.hostname.clone();
        match verb.as_slice() {
            b"EHLO" => {
                let ehlo = [format!("250-{host}").as_bytes(), eol, b"250 8BITMIME"].concat();
                self.answer(conn, &ehlo, eol)
            }
            b"HELO" => self.answer(conn, format!("250 {host}").as_bytes(), eol),
            b"STARTTLS" => self.answer(conn, b"454 4.7.0 TLS not available", eol),
            b"AUTH" => self.answer(conn, b"502 5.5.1 AUTH not available", eol),
            b"DATA" => {
                self.progress = Progress::AnswerAll(Some(DataRead::new(0)));
                self.answer(conn, b"354 go ahead", eol)
            }
            b"QUIT" => {
                if self.write(conn, &[&b"221 2.0.0 Bye"[..], eol].concat()) {
                    conn.finish(SessionEnd::Quit, Closing::Close);
                }
                Outcome::Blocked
            }
            _ => self.answer(conn, b"250 2.0.0 Ok", eol),
        }
    }

    /// Writes one reply line of [`Step::AnswerAll`] and stays in that step.
    fn answer(&mut self, conn: &mut Conn, line: &[u8], eol: &[u8]) -> Outcome {
        if self.write(conn, &[line, eol].concat()) {
            Outcome::Yield
        } else {
            Outcome::Blocked
        }
    }
}
