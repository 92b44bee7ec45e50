//! One SMTP session of the test server (or one run of its script).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use smtping_proto::Address;
use smtping_proto::data::DataDecoder;
use tokio::net::TcpStream;
use tokio::time::{Instant, sleep_until};

use super::Recorder;
use super::auth::{self, SaslMechanism};
use super::behaviour::{Action, Behaviour, ServerStage};
use super::builder::{Settings, TlsKind, keyword_is};
use super::io::{Io, IoEnd, Line, read_data, recorded_line};
use super::record::{
    AuthAttempt, ReceivedMessage, ReceivedRecipient, ReceivedTransaction, SessionEnd,
};
use super::reply::ServerReply;
use super::script::Runner;

/// Counter for queue ids and CRAM-MD5 challenges.
static SEQUENCE: AtomicU64 = AtomicU64::new(1);

/// Serves one connection; returns how it ended.
pub(crate) async fn serve(tcp: TcpStream, settings: &Settings, rec: &Recorder) -> SessionEnd {
    let _ = tcp.set_nodelay(true);
    let now = Instant::now();
    if let Some(script) = &settings.script {
        let deadline = now + script.time_budget();
        let mut io = Io::new(tcp, deadline, None, settings.max_line_length);
        if let (TlsKind::Implicit, Some(config)) = (settings.tls_kind, &settings.tls_config) {
            match io.start_tls(config, true).await {
                Ok(info) => rec.update(|s| s.tls = Some(info)),
                Err(end) => return end,
            }
        }
        return Runner::new(&mut io, settings, rec, script.byte_budget())
            .run(script.steps())
            .await;
    }
    let io = Io::new(
        tcp,
        now + settings.session_timeout,
        Some(settings.idle_timeout),
        settings.max_line_length,
    );
    let mut session = Session {
        io,
        settings,
        rec,
        greeted: false,
        esmtp: false,
        no_service: false,
        authenticated: false,
        in_mail: false,
        accepted_rcpts: 0,
        commands: 0,
    };
    session.run().await
}

/// What a behaviour resolved to, once its delay has passed.
enum Choice {
    Reply { reply: ServerReply, close: bool },
    Disconnect,
    Silent,
}

impl Choice {
    /// The code sent (0 when nothing is).
    fn code(&self) -> u16 {
        match self {
            Self::Reply { reply, .. } => reply.code(),
            Self::Disconnect | Self::Silent => 0,
        }
    }
}

struct Session<'a> {
    io: Io,
    settings: &'a Settings,
    rec: &'a Recorder,
    /// HELO/EHLO accepted (since the last STARTTLS).
    greeted: bool,
    /// The greeting command was EHLO.
    esmtp: bool,
    /// The greeting was negative (not 421): answer 503 to all but QUIT.
    no_service: bool,
    authenticated: bool,
    /// A MAIL FROM was accepted and the transaction is open.
    in_mail: bool,
    accepted_rcpts: usize,
    commands: usize,
}

impl Session<'_> {
    async fn run(&mut self) -> SessionEnd {
        if self.settings.tls_kind == TlsKind::Implicit
            && let Some(config) = &self.settings.tls_config
        {
            match self.io.start_tls(config, true).await {
                Ok(info) => self.rec.update(|s| s.tls = Some(info)),
                Err(end) => return end,
            }
        }
        let greeting = ServerReply::new(
            220,
            format!("{} ESMTP SMTPing test server", self.settings.hostname),
        );
        match self
            .respond(self.settings.stage(ServerStage::Greeting), greeting)
            .await
        {
            Ok(code) if code / 100 != 2 => self.no_service = true,
            Ok(_) => {}
            Err(end) => return end,
        }
        loop {
            let line = match self.io.read_line().await {
                Ok(line) => line,
                Err(end) => return self.io_ended(end).await,
            };
            self.commands += 1;
            if self.commands > self.settings.max_commands {
                let reply = self.settings.reply(
                    421,
                    "4.7.0",
                    &format!("{} Error: too many commands", self.settings.hostname),
                );
                return self.close_with(reply, limit("too many commands")).await;
            }
            let result = match line {
                Line::TooLong => {
                    self.rec.command("[line too long]".into());
                    self.queue(self.settings.reply(500, "5.5.6", "Error: line too long"));
                    Ok(())
                }
                Line::Complete(line) => {
                    self.rec.command(recorded_line(&line));
                    self.command(&line).await
                }
            };
            if let Err(end) = result {
                return end;
            }
        }
    }

    /// The client went quiet, left or ran out of time.
    async fn io_ended(&mut self, end: IoEnd) -> SessionEnd {
        if matches!(end, IoEnd::Idle) {
            let reply = self.settings.reply(
                421,
                "4.4.2",
                &format!("{} Error: timeout exceeded", self.settings.hostname),
            );
            self.queue(reply);
            self.io.close().await;
        }
        end.into_session_end()
    }

    fn queue(&mut self, reply: ServerReply) {
        reply.render_into(&mut self.io.output);
    }

    async fn close_with(&mut self, reply: ServerReply, end: SessionEnd) -> SessionEnd {
        self.queue(reply);
        self.io.close().await;
        end
    }

    /// Waits out a behaviour's delay (flushing what is owed first).
    async fn wait(&mut self, behaviour: Option<&Behaviour>) -> Result<(), SessionEnd> {
        let Some(delay) = behaviour.map(|b| b.delay).filter(|d| !d.is_zero()) else {
            return Ok(());
        };
        self.io.flush().await.map_err(IoEnd::into_session_end)?;
        let until = Instant::now() + delay;
        if until >= self.io.deadline {
            sleep_until(self.io.deadline).await;
            self.io.close().await;
            return Err(SessionEnd::SessionTimeout);
        }
        sleep_until(until).await;
        Ok(())
    }

    fn choose(behaviour: Option<&Behaviour>, default: ServerReply) -> Choice {
        let action = behaviour.map_or(&Action::Normal, |b| &b.action);
        match action {
            Action::Normal => Choice::Reply {
                close: default.code() == 421,
                reply: default,
            },
            Action::Reply(reply) => Choice::Reply {
                close: reply.code() == 421,
                reply: reply.clone(),
            },
            Action::ReplyAndClose(reply) => Choice::Reply {
                reply: reply.clone(),
                close: true,
            },
            Action::Disconnect => Choice::Disconnect,
            Action::Silent => Choice::Silent,
        }
    }

    /// Carries out a choice: queues the reply (sent before the next read), or ends the
    /// session.
    async fn perform(&mut self, choice: Choice) -> Result<u16, SessionEnd> {
        match choice {
            Choice::Reply { reply, close } => {
                let code = reply.code();
                self.queue(reply);
                if close {
                    self.io.close().await;
                    return Err(SessionEnd::ServerClosed);
                }
                Ok(code)
            }
            Choice::Disconnect => {
                self.io.abort().await;
                Err(SessionEnd::ServerClosed)
            }
            Choice::Silent => {
                let end = self.io.drain_until_closed().await;
                self.io.close().await;
                Err(end.into_session_end())
            }
        }
    }

    /// Delay, choice and action in one; returns the code sent.
    async fn respond(
        &mut self,
        behaviour: Option<&Behaviour>,
        default: ServerReply,
    ) -> Result<u16, SessionEnd> {
        self.wait(behaviour).await?;
        self.perform(Self::choose(behaviour, default)).await
    }

    fn reset_transaction(&mut self) {
        self.in_mail = false;
        self.accepted_rcpts = 0;
    }

    fn bad_sequence(&mut self, text: &str) {
        self.queue(self.settings.reply(503, "5.5.1", text));
    }

    fn syntax(&mut self, text: &str) {
        self.queue(self.settings.reply(501, "5.5.4", text));
    }

    async fn command(&mut self, line: &[u8]) -> Result<(), SessionEnd> {
        let (verb, rest) = match line.iter().position(|&b| b == b' ') {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (line, &[][..]),
        };
        let verb = verb.to_ascii_uppercase();
        let rest = String::from_utf8_lossy(rest);
        let rest = rest.trim();
        if self.no_service && verb != b"QUIT" {
            self.bad_sequence("Error: no SMTP service here");
            return Ok(());
        }
        match verb.as_slice() {
            b"EHLO" | b"HELO" => self.hello(verb == b"EHLO", rest).await,
            b"STARTTLS" => self.starttls(rest).await,
            b"AUTH" => self.auth(rest).await,
            b"MAIL" => self.mail(rest).await,
            b"RCPT" => self.rcpt(rest).await,
            b"DATA" => self.data(rest).await,
            b"RSET" => {
                let code = self
                    .respond(
                        self.settings.stage(ServerStage::Rset),
                        self.settings.reply(250, "2.0.0", "Ok"),
                    )
                    .await?;
                if code / 100 == 2 {
                    self.reset_transaction();
                }
                Ok(())
            }
            b"NOOP" => {
                self.respond(
                    self.settings.stage(ServerStage::Noop),
                    self.settings.reply(250, "2.0.0", "Ok"),
                )
                .await?;
                Ok(())
            }
            b"QUIT" => {
                self.respond(
                    self.settings.stage(ServerStage::Quit),
                    self.settings.reply(221, "2.0.0", "Bye"),
                )
                .await?;
                self.io.close().await;
                Err(SessionEnd::Quit)
            }
            b"VRFY" | b"EXPN" | b"HELP" | b"TURN" | b"ETRN" => {
                self.queue(
                    self.settings
                        .reply(502, "5.5.1", "Error: command not implemented"),
                );
                Ok(())
            }
            _ => {
                self.queue(
                    self.settings
                        .reply(500, "5.5.2", "Error: command not recognized"),
                );
                Ok(())
            }
        }
    }

    fn ehlo_reply(&self) -> ServerReply {
        let s = self.settings;
        let mut lines = vec![s.hostname.clone()];
        lines.extend(s.extensions.iter().cloned());
        let listed = |keyword: &str| s.extensions.iter().any(|e| keyword_is(e, keyword));
        if s.tls_kind == TlsKind::StartTls && !self.io.is_tls() && !listed("STARTTLS") {
            lines.push("STARTTLS".into());
        }
        if let Some(auth) = &s.auth {
            let allowed = !auth.require_tls || self.io.is_tls();
            if allowed && !auth.offered().is_empty() && !listed("AUTH") {
                let names: Vec<&str> = auth.offered().iter().map(|m| m.name()).collect();
                lines.push(format!("AUTH {}", names.join(" ")));
            }
        }
        ServerReply::multiline(250, lines)
    }

    async fn hello(&mut self, esmtp: bool, name: &str) -> Result<(), SessionEnd> {
        if name.is_empty() {
            self.syntax(if esmtp {
                "Syntax: EHLO hostname"
            } else {
                "Syntax: HELO hostname"
            });
            return Ok(());
        }
        let name = name.split(' ').next().unwrap_or_default().to_owned();
        self.rec.update(|s| {
            s.client_name = Some(name);
            s.esmtp = esmtp;
        });
        self.reset_transaction();
        let (stage, default) = if esmtp {
            (ServerStage::Ehlo, self.ehlo_reply())
        } else {
            (
                ServerStage::Helo,
                ServerReply::new(250, self.settings.hostname.clone()),
            )
        };
        let code = self.respond(self.settings.stage(stage), default).await?;
        if code / 100 == 2 {
            self.greeted = true;
            self.esmtp = esmtp;
        }
        Ok(())
    }

    async fn starttls(&mut self, rest: &str) -> Result<(), SessionEnd> {
        if !rest.is_empty() {
            self.syntax("Syntax: STARTTLS");
            return Ok(());
        }
        if self.io.is_tls() {
            self.bad_sequence("Error: TLS already active");
            return Ok(());
        }
        let config = match (&self.settings.tls_config, self.settings.tls_kind) {
            (Some(config), TlsKind::StartTls) => config,
            _ => {
                self.queue(self.settings.reply(454, "4.7.0", "TLS not available"));
                return Ok(());
            }
        };
        let code = self
            .respond(
                self.settings.stage(ServerStage::StartTls),
                self.settings.reply(220, "2.0.0", "Ready to start TLS"),
            )
            .await?;
        if code != 220 {
            return Ok(());
        }
        self.io.flush().await.map_err(IoEnd::into_session_end)?;
        let dropped = self.io.discard_input();
        let info = self.io.start_tls(config, false).await?;
        self.rec.update(|s| {
            s.plaintext_after_starttls += dropped;
            s.tls = Some(info);
        });
        // RFC 3207 §4.2: forget everything learnt before TLS.
        self.greeted = false;
        self.esmtp = false;
        self.authenticated = false;
        self.reset_transaction();
        Ok(())
    }

    /// Reads one SASL line from the client; `None` after a reply has been queued (the
    /// exchange is over).
    async fn sasl_line(&mut self) -> Result<Option<Vec<u8>>, SessionEnd> {
        let line = match self.io.read_line().await {
            Ok(line) => line,
            Err(end) => return Err(self.io_ended(end).await),
        };
        self.commands += 1;
        if self.commands > self.settings.max_commands {
            let reply = self
                .settings
                .reply(421, "4.7.0", "Error: too many commands");
            return Err(self.close_with(reply, limit("too many commands")).await);
        }
        self.rec.command("[redacted]".into());
        match line {
            Line::TooLong => {
                self.queue(self.settings.reply(500, "5.5.6", "Error: line too long"));
                Ok(None)
            }
            Line::Complete(line) if line == b"*" => {
                self.queue(
                    self.settings
                        .reply(501, "5.7.0", "Authentication cancelled"),
                );
                Ok(None)
            }
            Line::Complete(line) => match auth::decode(&line) {
                Some(decoded) => Ok(Some(decoded)),
                None => {
                    self.queue(self.settings.reply(501, "5.5.2", "Cannot decode response"));
                    Ok(None)
                }
            },
        }
    }

    /// Decodes an initial response; queues `501` and returns `None` when it is not base64.
    fn decode_initial(&mut self, initial: &[u8]) -> Option<Vec<u8>> {
        let decoded = auth::decode(initial);
        if decoded.is_none() {
            self.queue(self.settings.reply(501, "5.5.2", "Cannot decode response"));
        }
        decoded
    }

    /// Sends a 334 challenge and reads the answer.
    async fn challenge(&mut self, text: &str) -> Result<Option<Vec<u8>>, SessionEnd> {
        // "334 " even when the challenge is empty (RFC 4954 §4).
        self.io.output.extend_from_slice(b"334 ");
        self.io.output.extend_from_slice(text.as_bytes());
        self.io.output.extend_from_slice(b"\r\n");
        self.sasl_line().await
    }

    async fn auth(&mut self, rest: &str) -> Result<(), SessionEnd> {
        let Some(config) = self.settings.auth.as_ref() else {
            self.bad_sequence("Error: authentication not enabled");
            return Ok(());
        };
        if !self.greeted || !self.esmtp {
            self.bad_sequence("Error: send EHLO first");
            return Ok(());
        }
        if self.authenticated {
            self.bad_sequence("Error: already authenticated");
            return Ok(());
        }
        if self.in_mail {
            self.bad_sequence("Error: MAIL transaction in progress");
            return Ok(());
        }
        if config.require_tls && !self.io.is_tls() {
            let reply = self
                .settings
                .reply(530, "5.7.0", "Must issue a STARTTLS command first");
            self.queue(reply);
            return Ok(());
        }
        let mut words = rest.split(' ').filter(|w| !w.is_empty());
        let Some(name) = words.next() else {
            self.syntax("Syntax: AUTH mechanism");
            return Ok(());
        };
        let initial = words.next().map(|w| w.as_bytes().to_vec());
        let mut attempt = AuthAttempt {
            mechanism: name.to_ascii_uppercase(),
            ..AuthAttempt::default()
        };
        let mechanism = SaslMechanism::from_name(name).filter(|m| config.offered().contains(m));
        let Some(mechanism) = mechanism else {
            self.rec.update(|s| s.auth_attempts.push(attempt));
            let reply = self
                .settings
                .reply(504, "5.5.4", "Unrecognized authentication type");
            self.queue(reply);
            return Ok(());
        };

        let configured = self.settings.stage(ServerStage::Auth);
        if let Some(behaviour) = configured.filter(|b| b.action != Action::Normal) {
            self.wait(Some(behaviour)).await?;
            let choice = Self::choose(Some(behaviour), ServerReply::new(535, ""));
            attempt.success = choice.code() / 100 == 2;
            self.authenticated = attempt.success;
            self.rec.update(|s| s.auth_attempts.push(attempt));
            self.perform(choice).await?;
            return Ok(());
        }
        self.wait(configured).await?;

        let outcome = match mechanism {
            SaslMechanism::Plain => {
                let message = match initial {
                    Some(initial) => self.decode_initial(&initial),
                    None => self.challenge("").await?,
                };
                message.map(|m| config.check_plain(&m))
            }
            SaslMechanism::Login => {
                let user = match initial {
                    Some(initial) => self.decode_initial(&initial),
                    None => self.challenge(&auth::encode(b"Username:")).await?,
                };
                match user {
                    Some(user) => {
                        let user = String::from_utf8_lossy(&user).into_owned();
                        attempt.user = Some(user.clone());
                        self.challenge(&auth::encode(b"Password:"))
                            .await?
                            .map(|password| {
                                let ok = config.check(&user, &password);
                                (Some(user), ok)
                            })
                    }
                    None => None,
                }
            }
            SaslMechanism::CramMd5 => {
                if initial.is_some() {
                    self.syntax("CRAM-MD5 takes no initial response");
                    None
                } else {
                    let challenge =
                        auth::encode(cram_challenge(&self.settings.hostname).as_bytes());
                    self.challenge(&challenge)
                        .await?
                        .map(|answer| config.check_cram_md5(challenge.as_bytes(), &answer))
                }
            }
        };
        if let Some((user, ok)) = outcome {
            attempt.user = user.clone();
            attempt.success = ok;
            if ok {
                self.authenticated = true;
                self.rec.update(|s| s.auth_user = user);
                self.queue(
                    self.settings
                        .reply(235, "2.7.0", "Authentication successful"),
                );
            } else {
                let reply = self
                    .settings
                    .reply(535, "5.7.8", "Authentication credentials invalid");
                self.queue(reply);
            }
        }
        self.rec.update(|s| s.auth_attempts.push(attempt));
        Ok(())
    }

    async fn mail(&mut self, rest: &str) -> Result<(), SessionEnd> {
        if !self.greeted {
            self.bad_sequence("Error: send HELO/EHLO first");
            return Ok(());
        }
        if self.in_mail {
            self.bad_sequence("Error: nested MAIL command");
            return Ok(());
        }
        if self.settings.require_tls && !self.io.is_tls() {
            let reply = self
                .settings
                .reply(530, "5.7.0", "Must issue a STARTTLS command first");
            self.queue(reply);
            return Ok(());
        }
        if self
            .settings
            .auth
            .as_ref()
            .is_some_and(|a| a.required && !self.authenticated)
        {
            self.queue(self.settings.reply(530, "5.7.0", "Authentication required"));
            return Ok(());
        }
        let Some(path) = strip_keyword(rest, "FROM:") else {
            self.syntax("Syntax: MAIL FROM:<address>");
            return Ok(());
        };
        let Some((address, params)) = split_path(path) else {
            self.queue(
                self.settings
                    .reply(501, "5.1.7", "Bad sender address syntax"),
            );
            return Ok(());
        };
        for param in &params {
            let Some(value) = strip_keyword(param, "SIZE=") else {
                continue;
            };
            let Ok(size) = value.parse::<u64>() else {
                self.syntax("Bad SIZE parameter");
                return Ok(());
            };
            if let Some(max) = self.settings.max_message_size
                && size > max as u64
            {
                let reply = self.settings.reply(
                    552,
                    "5.3.4",
                    "Message size exceeds fixed maximum message size",
                );
                self.queue(reply);
                return Ok(());
            }
        }
        let behaviour = self
            .settings
            .senders
            .find(&address)
            .or_else(|| self.settings.stage(ServerStage::Mail));
        let code = self
            .respond(behaviour, self.settings.reply(250, "2.1.0", "Ok"))
            .await?;
        if code / 100 == 2 {
            self.in_mail = true;
            self.accepted_rcpts = 0;
            let transaction = ReceivedTransaction {
                mail_from: address,
                mail_params: params,
                ..ReceivedTransaction::default()
            };
            let size = transaction.mail_from.len() + transaction.mail_params.len() * 16;
            if self.rec.charge(size) {
                self.rec.update(|s| s.transactions.push(transaction));
            }
        }
        Ok(())
    }

    async fn rcpt(&mut self, rest: &str) -> Result<(), SessionEnd> {
        if !self.in_mail {
            self.bad_sequence("Error: need MAIL command");
            return Ok(());
        }
        let Some(path) = strip_keyword(rest, "TO:") else {
            self.syntax("Syntax: RCPT TO:<address>");
            return Ok(());
        };
        let Some((address, params)) = split_path(path).filter(|(a, _)| !a.is_empty()) else {
            self.queue(
                self.settings
                    .reply(501, "5.1.3", "Bad recipient address syntax"),
            );
            return Ok(());
        };
        let mut recipient = ReceivedRecipient {
            address,
            params,
            code: 0,
        };
        let full = self
            .settings
            .max_recipients
            .is_some_and(|max| self.accepted_rcpts >= max);
        let choice = if full {
            Choice::Reply {
                reply: self
                    .settings
                    .reply(452, "4.5.3", "Error: too many recipients"),
                close: false,
            }
        } else {
            let behaviour = self
                .settings
                .recipients
                .find(&recipient.address)
                .or_else(|| self.settings.stage(ServerStage::Rcpt));
            self.wait(behaviour).await?;
            Self::choose(behaviour, self.settings.reply(250, "2.1.5", "Ok"))
        };
        recipient.code = choice.code();
        if self.rec.charge(recipient.address.len() + 32) {
            self.rec.update(|s| {
                if let Some(t) = s.transactions.last_mut() {
                    t.recipients.push(recipient);
                }
            });
        }
        let code = self.perform(choice).await?;
        if code / 100 == 2 {
            self.accepted_rcpts += 1;
        }
        Ok(())
    }

    async fn data(&mut self, rest: &str) -> Result<(), SessionEnd> {
        if !rest.is_empty() {
            self.syntax("Syntax: DATA");
            return Ok(());
        }
        if !self.in_mail {
            self.bad_sequence("Error: need MAIL command");
            return Ok(());
        }
        if self.accepted_rcpts == 0 {
            self.queue(
                self.settings
                    .reply(554, "5.5.1", "Error: no valid recipients"),
            );
            return Ok(());
        }
        let code = self
            .respond(
                self.settings.stage(ServerStage::Data),
                ServerReply::new(354, "End data with <CR><LF>.<CR><LF>"),
            )
            .await?;
        if code / 100 != 3 {
            return Ok(());
        }
        let read = match read_data(&mut self.io, self.settings.data_cap).await {
            Ok(read) => read,
            Err(end) => return Err(self.io_ended(end).await),
        };
        // The transaction ends with the final dot, whatever the reply (RFC 5321 §4.1.1.4).
        self.reset_transaction();
        let body = read.wire.and_then(|wire| {
            DataDecoder::new(self.settings.data_cap)
                .decode(&wire)
                .ok()
                .flatten()
                .map(|d| d.body)
        });
        let too_large = match (&body, self.settings.max_message_size) {
            (None, _) => true,
            (Some(body), Some(max)) => body.len() > max,
            (Some(_), None) => false,
        };
        let size = body.as_ref().map_or(read.wire_len, Vec::len);
        let choice = if too_large {
            Choice::Reply {
                reply: self.settings.reply(
                    552,
                    "5.3.4",
                    "Message size exceeds fixed maximum message size",
                ),
                close: false,
            }
        } else {
            let behaviour = self.settings.stage(ServerStage::DataEnd);
            self.wait(behaviour).await?;
            let id = SEQUENCE.fetch_add(1, Ordering::Relaxed);
            let default = self
                .settings
                .reply(250, "2.0.0", &format!("Ok: queued as {id:010X}"));
            Self::choose(behaviour, default)
        };
        let stored_body = body
            .filter(|b| !too_large && self.rec.charge(b.len()))
            .unwrap_or_default();
        let message = ReceivedMessage {
            stored: !stored_body.is_empty() || size == 0,
            body: stored_body,
            size,
            code: choice.code(),
        };
        self.rec.update(|s| {
            if let Some(t) = s.transactions.last_mut() {
                t.message = Some(message);
            }
        });
        self.perform(choice).await?;
        Ok(())
    }
}

fn limit(what: &str) -> SessionEnd {
    SessionEnd::LimitExceeded(what.to_owned())
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

/// A fresh CRAM-MD5 challenge, `<sequence.seconds@hostname>` (RFC 2195).
fn cram_challenge(hostname: &str) -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("<{n}.{seconds}@{hostname}>")
}

#[cfg(test)]
mod tests;
