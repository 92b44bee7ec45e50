//! The SMTP dialogue of the test server as a state machine: EHLO/HELO, STARTTLS, AUTH
//! (in [`super::sasl`]), MAIL/RCPT/DATA with sequencing and SIZE, RSET, NOOP, QUIT, and
//! the scripted [`Behaviour`]s as data (a delay is a wake-up time, not a sleep).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use smtping_proto::Address;
use smtping_proto::data::DataDecoder;

mod sasl;

use super::{Closing, Conn, DataRead, Line, MAX_PUMP_STEPS, later, recorded_line};
use crate::server::behaviour::Action;
use crate::server::plan::{TlsKind, keyword_is};
use crate::server::{
    AuthAttempt, Behaviour, ReceivedMessage, ReceivedRecipient, ReceivedTransaction, ServerReply,
    ServerStage, SessionEnd,
};
use sasl::Sasl;

/// Counter for queue ids and CRAM-MD5 challenges.
pub(super) static SEQUENCE: AtomicU64 = AtomicU64::new(1);

/// What a behaviour resolved to.
#[derive(Debug)]
pub(super) enum Choice {
    Reply { reply: ServerReply, close: bool },
    Disconnect,
    Silent,
}

impl Choice {
    /// The code sent (0 when nothing is).
    pub(super) fn code(&self) -> u16 {
        match self {
            Self::Reply { reply, .. } => reply.code(),
            Self::Disconnect | Self::Silent => 0,
        }
    }

    pub(super) fn reply(reply: ServerReply) -> Self {
        Self::Reply {
            reply,
            close: false,
        }
    }

    /// What `behaviour` does instead of `default` (`None`: the default).
    pub(super) fn of(behaviour: Option<&Behaviour>, default: ServerReply) -> Self {
        let action = behaviour.map_or(&Action::Normal, |b| &b.action);
        match action {
            Action::Normal => Self::Reply {
                close: default.code() == 421,
                reply: default,
            },
            Action::Reply(reply) => Self::Reply {
                close: reply.code() == 421,
                reply: reply.clone(),
            },
            Action::ReplyAndClose(reply) => Self::Reply {
                reply: reply.clone(),
                close: true,
            },
            Action::Disconnect => Self::Disconnect,
            Action::Silent => Self::Silent,
        }
    }
}

/// What follows a reply (once its delay has passed): records and state changes.
#[derive(Debug)]
pub(super) enum After {
    Greeting,
    Hello {
        esmtp: bool,
    },
    StartTls,
    /// A configured AUTH outcome (no SASL exchange).
    AuthDecided(AuthAttempt),
    Mail(ReceivedTransaction),
    Rcpt(ReceivedRecipient),
    Data,
    DataEnd(ReceivedMessage),
    Rset,
    Noop,
    Quit,
}

/// Work waiting for a behaviour's delay.
#[derive(Debug)]
pub(super) enum Resume {
    Respond(Choice, After),
    /// A SASL exchange starts after the delay.
    Auth(Sasl),
}

#[derive(Debug, Default)]
pub(super) enum Mode {
    /// Nothing sent yet.
    #[default]
    Start,
    /// Implicit TLS is up: greet.
    Greet,
    Commands,
    Sasl(Sasl),
    Data(DataRead),
    Delayed {
        until: Instant,
        resume: Resume,
    },
    /// Fallen silent: read and drop everything until the client leaves.
    Silent,
}

/// The dialogue's state.
#[derive(Debug, Default)]
pub(crate) struct Smtp {
    pub(super) mode: Mode,
    /// HELO/EHLO accepted (since the last STARTTLS).
    greeted: bool,
    /// The greeting command was EHLO.
    pub(super) esmtp: bool,
    /// The greeting was negative (not 421): answer 503 to all but QUIT.
    no_service: bool,
    pub(super) authenticated: bool,
    /// A MAIL FROM was accepted and the transaction is open.
    pub(super) in_mail: bool,
    accepted_rcpts: usize,
}

impl Smtp {
    /// EHLO (not HELO) was accepted.
    pub(super) fn greeted_esmtp(&self) -> bool {
        self.greeted && self.esmtp
    }

    pub(crate) fn is_delayed(&self) -> bool {
        matches!(self.mode, Mode::Delayed { .. })
    }

    /// RFC 3207 §4.2: forget everything learnt before TLS.
    pub(crate) fn tls_established(&mut self) {
        self.greeted = false;
        self.esmtp = false;
        self.authenticated = false;
        self.reset_transaction();
        self.mode = match self.mode {
            Mode::Start => Mode::Greet,
            _ => Mode::Commands,
        };
    }

    /// Does all the work possible now.
    pub(crate) fn pump(&mut self, conn: &mut Conn) {
        for _ in 0..MAX_PUMP_STEPS {
            if conn.blocked() {
                return;
            }
            if conn.expired() {
                conn.finish(SessionEnd::SessionTimeout, Closing::Close);
                return;
            }
            if !self.step(conn) {
                return;
            }
        }
        // More work is left: ask to be called again at once.
        conn.wake = Some(conn.now);
    }

    /// One piece of work; `false` when the machine waits for input or time.
    fn step(&mut self, conn: &mut Conn) -> bool {
        match std::mem::take(&mut self.mode) {
            Mode::Start => {
                let settings = &conn.settings;
                if settings.tls_kind == TlsKind::Implicit && settings.tls_config.is_some() {
                    // Greets once the handshake is done (`tls_established`).
                    self.mode = Mode::Start;
                    conn.start_tls(true);
                    return false;
                }
                self.mode = Mode::Greet;
                true
            }
            Mode::Greet => {
                self.mode = Mode::Commands;
                let greeting = ServerReply::new(
                    220,
                    format!("{} ESMTP SMTPing test server", conn.settings.hostname),
                );
                let settings = std::sync::Arc::clone(&conn.settings);
                let behaviour = settings.stage(ServerStage::Greeting);
                self.respond(conn, behaviour, greeting, After::Greeting);
                true
            }
            Mode::Delayed { until, resume } => {
                if conn.now < until {
                    conn.wake = Some(until);
                    self.mode = Mode::Delayed { until, resume };
                    return false;
                }
                self.mode = Mode::Commands;
                conn.touch();
                match resume {
                    Resume::Respond(choice, after) => self.complete(conn, choice, after),
                    Resume::Auth(sasl) => self.sasl_begin(conn, sasl),
                }
                true
            }
            Mode::Silent => {
                self.mode = Mode::Silent;
                conn.input.discard();
                if conn.eof {
                    conn.finish(SessionEnd::ClientClosed, Closing::Close);
                }
                false
            }
            Mode::Commands => self.next_command(conn),
            Mode::Sasl(sasl) => self.next_sasl_line(conn, sasl),
            Mode::Data(read) => self.next_data(conn, read),
        }
    }

    /// No line is there: the client left, went idle, or we wait.
    pub(super) fn no_input(&mut self, conn: &mut Conn) {
        if conn.eof {
            conn.finish(SessionEnd::ClientClosed, Closing::Disconnect);
        } else if conn.await_input() {
            let reply = conn.settings.reply(
                421,
                "4.4.2",
                &format!("{} Error: timeout exceeded", conn.settings.hostname),
            );
            conn.queue(&reply);
            conn.finish(SessionEnd::IdleTimeout, Closing::Close);
        }
    }

    /// Counts a command line; past the limit the session ends with `421`.
    pub(super) fn count(conn: &mut Conn, text: &str) -> bool {
        if conn.count_command() {
            return true;
        }
        let reply = conn.settings.reply(421, "4.7.0", text);
        conn.queue(&reply);
        conn.finish(
            SessionEnd::LimitExceeded("too many commands".into()),
            Closing::Close,
        );
        false
    }

    fn next_command(&mut self, conn: &mut Conn) -> bool {
        self.mode = Mode::Commands;
        let Some(line) = conn.input.read_line() else {
            self.no_input(conn);
            return false;
        };
        let limit = format!("{} Error: too many commands", conn.settings.hostname);
        if !Self::count(conn, &limit) {
            return false;
        }
        match line {
            Line::TooLong => {
                conn.rec.command("[line too long]".into());
                let reply = conn.settings.reply(500, "5.5.6", "Error: line too long");
                conn.queue(&reply);
            }
            Line::Complete(line) => {
                conn.rec.command(recorded_line(&line));
                self.command(conn, &line);
            }
        }
        true
    }

    fn next_data(&mut self, conn: &mut Conn, mut read: DataRead) -> bool {
        if conn.input.read_data(&mut read) {
            self.data_end(conn, read);
            return true;
        }
        self.mode = Mode::Data(read);
        self.no_input(conn);
        false
    }

    /// Replies now, or after the behaviour's delay.
    pub(super) fn respond(
        &mut self,
        conn: &mut Conn,
        behaviour: Option<&Behaviour>,
        default: ServerReply,
        after: After,
    ) {
        let choice = Choice::of(behaviour, default);
        self.respond_with(conn, behaviour, Resume::Respond(choice, after));
    }

    /// Resumes now, or after the behaviour's delay.
    pub(super) fn respond_with(
        &mut self,
        conn: &mut Conn,
        behaviour: Option<&Behaviour>,
        resume: Resume,
    ) {
        match behaviour.map(|b| b.delay).filter(|d| !d.is_zero()) {
            Some(delay) => {
                // A delay past the session's end ends the session then.
                let until = later(conn.now, delay).min(conn.deadline);
                self.mode = Mode::Delayed { until, resume };
            }
            None => match resume {
                Resume::Respond(choice, after) => self.complete(conn, choice, after),
                Resume::Auth(sasl) => self.sasl_begin(conn, sasl),
            },
        }
    }

    /// Carries out a choice and what follows it.
    pub(super) fn complete(&mut self, conn: &mut Conn, choice: Choice, after: After) {
        let code = choice.code();
        match &after {
            After::AuthDecided(attempt) => {
                let mut attempt = attempt.clone();
                attempt.success = code / 100 == 2;
                self.authenticated = attempt.success;
                conn.rec.update(|s| s.auth_attempts.push(attempt));
            }
            After::Rcpt(recipient) => {
                let mut recipient = recipient.clone();
                recipient.code = code;
                if conn.rec.charge(recipient.address.len() + 32) {
                    conn.rec.update(|s| {
                        if let Some(t) = s.transactions.last_mut() {
                            t.recipients.push(recipient);
                        }
                    });
                }
            }
            After::DataEnd(message) => {
                let mut message = message.clone();
                message.code = code;
                conn.rec.update(|s| {
                    if let Some(t) = s.transactions.last_mut() {
                        t.message = Some(message);
                    }
                });
            }
            _ => {}
        }
        match choice {
            Choice::Reply { reply, close } => {
                conn.queue(&reply);
                if close {
                    conn.finish(SessionEnd::ServerClosed, Closing::Close);
                    return;
                }
            }
            Choice::Disconnect => {
                conn.finish(SessionEnd::ServerClosed, Closing::Disconnect);
                return;
            }
            Choice::Silent => {
                self.mode = Mode::Silent;
                return;
            }
        }
        self.after(conn, code, after);
    }

    /// The state changes a sent reply implies.
    fn after(&mut self, conn: &mut Conn, code: u16, after: After) {
        let ok = code / 100 == 2;
        match after {
            After::Greeting => self.no_service = !ok,
            After::Hello { esmtp } if ok => {
                self.greeted = true;
                self.esmtp = esmtp;
            }
            After::StartTls if code == 220 => {
                let dropped = conn.input.discard();
                conn.rec.update(|s| s.plaintext_after_starttls += dropped);
                conn.start_tls(false);
            }
            After::Mail(transaction) if ok => {
                self.in_mail = true;
                self.accepted_rcpts = 0;
                let size = transaction.mail_from.len() + transaction.mail_params.len() * 16;
                if conn.rec.charge(size) {
                    conn.rec.update(|s| s.transactions.push(transaction));
                }
            }
            After::Rcpt(_) if ok => self.accepted_rcpts += 1,
            After::Data if code / 100 == 3 => {
                self.mode = Mode::Data(DataRead::new(conn.settings.data_cap))
            }
            After::Rset if ok => self.reset_transaction(),
            After::Quit => conn.finish(SessionEnd::Quit, Closing::Close),
            _ => {}
        }
    }

    pub(super) fn reset_transaction(&mut self) {
        self.in_mail = false;
        self.accepted_rcpts = 0;
    }

    pub(super) fn bad_sequence(conn: &mut Conn, text: &str) {
        let reply = conn.settings.reply(503, "5.5.1", text);
        conn.queue(&reply);
    }

    pub(super) fn syntax(conn: &mut Conn, text: &str) {
        let reply = conn.settings.reply(501, "5.5.4", text);
        conn.queue(&reply);
    }

    fn command(&mut self, conn: &mut Conn, line: &[u8]) {
        let (verb, rest) = match line.iter().position(|&b| b == b' ') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &[][..]),
        };
        let verb = verb.to_ascii_uppercase();
        let rest = String::from_utf8_lossy(rest);
        let rest = rest.trim();
        if self.no_service && verb != b"QUIT" {
            Self::bad_sequence(conn, "Error: no SMTP service here");
            return;
        }
        let settings = std::sync::Arc::clone(&conn.settings);
        let simple = |stage, code, enhanced, text| {
            (settings.stage(stage), settings.reply(code, enhanced, text))
        };
        match verb.as_slice() {
            b"EHLO" | b"HELO" => self.hello(conn, verb == b"EHLO", rest),
            b"STARTTLS" => self.starttls(conn, rest),
            b"AUTH" => self.auth(conn, rest),
            b"MAIL" => self.mail(conn, rest),
            b"RCPT" => self.rcpt(conn, rest),
            b"DATA" => self.data(conn, rest),
            b"RSET" => {
                let (behaviour, reply) = simple(ServerStage::Rset, 250, "2.0.0", "Ok");
                self.respond(conn, behaviour, reply, After::Rset);
            }
            b"NOOP" => {
                let (behaviour, reply) = simple(ServerStage::Noop, 250, "2.0.0", "Ok");
                self.respond(conn, behaviour, reply, After::Noop);
            }
            b"QUIT" => {
                let (behaviour, reply) = simple(ServerStage::Quit, 221, "2.0.0", "Bye");
                self.respond(conn, behaviour, reply, After::Quit);
            }
            b"VRFY" | b"EXPN" | b"HELP" | b"TURN" | b"ETRN" => {
                let reply = settings.reply(502, "5.5.1", "Error: command not implemented");
                conn.queue(&reply);
            }
            _ => {
                let reply = settings.reply(500, "5.5.2", "Error: command not recognized");
                conn.queue(&reply);
            }
        }
    }

    fn ehlo_reply(conn: &Conn) -> ServerReply {
        let s = &conn.settings;
        let mut lines = vec![s.hostname.clone()];
        lines.extend(s.extensions.iter().cloned());
        let listed = |keyword: &str| s.extensions.iter().any(|e| keyword_is(e, keyword));
        if s.tls_kind == TlsKind::StartTls && !conn.tls && !listed("STARTTLS") {
            lines.push("STARTTLS".into());
        }
        if let Some(auth) = &s.auth {
            let allowed = !auth.require_tls || conn.tls;
            if allowed && !auth.offered().is_empty() && !listed("AUTH") {
                let names: Vec<&str> = auth.offered().iter().map(|m| m.name()).collect();
                lines.push(format!("AUTH {}", names.join(" ")));
            }
        }
        ServerReply::multiline(250, lines)
    }

    fn hello(&mut self, conn: &mut Conn, esmtp: bool, name: &str) {
        if name.is_empty() {
            let text = if esmtp {
                "Syntax: EHLO hostname"
            } else {
                "Syntax: HELO hostname"
            };
            Self::syntax(conn, text);
            return;
        }
        let name = name.split(' ').next().unwrap_or_default().to_owned();
        conn.rec.update(|s| {
            s.client_name = Some(name);
            s.esmtp = esmtp;
        });
        self.reset_transaction();
        let (stage, default) = if esmtp {
            (ServerStage::Ehlo, Self::ehlo_reply(conn))
        } else {
            let hostname = conn.settings.hostname.clone();
            (ServerStage::Helo, ServerReply::new(250, hostname))
        };
        let settings = std::sync::Arc::clone(&conn.settings);
        self.respond(conn, settings.stage(stage), default, After::Hello { esmtp });
    }

    fn starttls(&mut self, conn: &mut Conn, rest: &str) {
        if !rest.is_empty() {
            Self::syntax(conn, "Syntax: STARTTLS");
            return;
        }
        if conn.tls {
            Self::bad_sequence(conn, "Error: TLS already active");
            return;
        }
        let settings = std::sync::Arc::clone(&conn.settings);
        if settings.tls_config.is_none() || settings.tls_kind != TlsKind::StartTls {
            conn.queue(&settings.reply(454, "4.7.0", "TLS not available"));
            return;
        }
        let reply = settings.reply(220, "2.0.0", "Ready to start TLS");
        self.respond(
            conn,
            settings.stage(ServerStage::StartTls),
            reply,
            After::StartTls,
        );
    }

    /// Checks MAIL's preconditions and SIZE; `false` when a reply has been queued.
    fn mail_allowed(&self, conn: &mut Conn) -> bool {
        let settings = std::sync::Arc::clone(&conn.settings);
        if !self.greeted {
            Self::bad_sequence(conn, "Error: send HELO/EHLO first");
        } else if self.in_mail {
            Self::bad_sequence(conn, "Error: nested MAIL command");
        } else if settings.require_tls && !conn.tls {
            conn.queue(&settings.reply(530, "5.7.0", "Must issue a STARTTLS command first"));
        } else if settings
            .auth
            .as_ref()
            .is_some_and(|a| a.required && !self.authenticated)
        {
            conn.queue(&settings.reply(530, "5.7.0", "Authentication required"));
        } else {
            return true;
        }
        false
    }

    fn mail(&mut self, conn: &mut Conn, rest: &str) {
        if !self.mail_allowed(conn) {
            return;
        }
        let settings = std::sync::Arc::clone(&conn.settings);
        let Some(path) = strip_keyword(rest, "FROM:") else {
            Self::syntax(conn, "Syntax: MAIL FROM:<address>");
            return;
        };
        let Some((address, params)) = split_path(path) else {
            conn.queue(&settings.reply(501, "5.1.7", "Bad sender address syntax"));
            return;
        };
        for param in &params {
            let Some(value) = strip_keyword(param, "SIZE=") else {
                continue;
            };
            let Ok(size) = value.parse::<u64>() else {
                Self::syntax(conn, "Bad SIZE parameter");
                return;
            };
            if let Some(max) = settings.max_message_size
                && size > max as u64
            {
                conn.queue(&too_large(conn));
                return;
            }
        }
        let behaviour = settings
            .senders
            .find(&address)
            .or_else(|| settings.stage(ServerStage::Mail));
        let transaction = ReceivedTransaction {
            mail_from: address,
            mail_params: params,
            ..ReceivedTransaction::default()
        };
        let reply = settings.reply(250, "2.1.0", "Ok");
        self.respond(conn, behaviour, reply, After::Mail(transaction));
    }

    fn rcpt(&mut self, conn: &mut Conn, rest: &str) {
        if !self.in_mail {
            Self::bad_sequence(conn, "Error: need MAIL command");
            return;
        }
        let settings = std::sync::Arc::clone(&conn.settings);
        let Some(path) = strip_keyword(rest, "TO:") else {
            Self::syntax(conn, "Syntax: RCPT TO:<address>");
            return;
        };
        let Some((address, params)) = split_path(path).filter(|(a, _)| !a.is_empty()) else {
            conn.queue(&settings.reply(501, "5.1.3", "Bad recipient address syntax"));
            return;
        };
        let full = settings
            .max_recipients
            .is_some_and(|max| self.accepted_rcpts >= max);
        let behaviour = if full {
            None
        } else {
            settings
                .recipients
                .find(&address)
                .or_else(|| settings.stage(ServerStage::Rcpt))
        };
        let default = if full {
            settings.reply(452, "4.5.3", "Error: too many recipients")
        } else {
            settings.reply(250, "2.1.5", "Ok")
        };
        let recipient = ReceivedRecipient {
            address,
            params,
            code: 0,
        };
        self.respond(conn, behaviour, default, After::Rcpt(recipient));
    }

    fn data(&mut self, conn: &mut Conn, rest: &str) {
        if !rest.is_empty() {
            Self::syntax(conn, "Syntax: DATA");
            return;
        }
        if !self.in_mail {
            Self::bad_sequence(conn, "Error: need MAIL command");
            return;
        }
        let settings = std::sync::Arc::clone(&conn.settings);
        if self.accepted_rcpts == 0 {
            conn.queue(&settings.reply(554, "5.5.1", "Error: no valid recipients"));
            return;
        }
        let reply = ServerReply::new(354, "End data with <CR><LF>.<CR><LF>");
        self.respond(conn, settings.stage(ServerStage::Data), reply, After::Data);
    }

    fn data_end(&mut self, conn: &mut Conn, read: DataRead) {
        self.mode = Mode::Commands;
        // The transaction ends with the final dot, whatever the reply (RFC 5321 §4.1.1.4).
        self.reset_transaction();
        let settings = std::sync::Arc::clone(&conn.settings);
        let body = read.wire.and_then(|wire| {
            DataDecoder::new(settings.data_cap)
                .decode(&wire)
                .ok()
                .flatten()
                .map(|d| d.body)
        });
        let too_large_body = match (&body, settings.max_message_size) {
            (None, _) => true,
            (Some(body), Some(max)) => body.len() > max,
            (Some(_), None) => false,
        };
        let size = body.as_ref().map_or(read.wire_len, Vec::len);
        let stored_body = body
            .filter(|b| !too_large_body && conn.rec.charge(b.len()))
            .unwrap_or_default();
        let message = ReceivedMessage {
            stored: !stored_body.is_empty() || size == 0,
            body: stored_body,
            size,
            code: 0,
        };
        if too_large_body {
            let choice = Choice::reply(too_large(conn));
            self.complete(conn, choice, After::DataEnd(message));
            return;
        }
        let id = SEQUENCE.fetch_add(1, Ordering::Relaxed);
        let default = settings.reply(250, "2.0.0", &format!("Ok: queued as {id:010X}"));
        let behaviour = settings.stage(ServerStage::DataEnd);
        self.respond(conn, behaviour, default, After::DataEnd(message));
    }
}

fn too_large(conn: &Conn) -> ServerReply {
    conn.settings.reply(
        552,
        "5.3.4",
        "Message size exceeds fixed maximum message size",
    )
}

/// `text` without the ASCII case-insensitive prefix `keyword` (and spaces after it).
fn strip_keyword<'t>(text: &'t str, keyword: &str) -> Option<&'t str> {
    let head = text.get(..keyword.len())?;
    head.eq_ignore_ascii_case(keyword)
        .then(|| text[keyword.len()..].trim_start())
}

/// Splits `<address> PARAM PARAM…` into the address (validated, without brackets, empty
/// for `<>`) and the parameters. A path without brackets is tolerated.
fn split_path(text: &str) -> Option<(String, Vec<String>)> {
    let (path, rest) = if text.starts_with('<') {
        let end = closing_bracket(text)?;
        (&text[..=end], &text[end + 1..])
    } else {
        match text.find(' ') {
            Some(i) => (&text[..i], &text[i..]),
            None => (text, ""),
        }
    };
    if !rest.is_empty() && !rest.starts_with(' ') {
        return None;
    }
    let address = Address::new(path).ok()?;
    let params = rest
        .split(' ')
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    Some((address.as_str().to_owned(), params))
}

/// The index of the `>` closing the path that starts at 0, skipping quoted strings.
fn closing_bracket(text: &str) -> Option<usize> {
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests;
