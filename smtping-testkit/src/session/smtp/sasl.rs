//! AUTH PLAIN, LOGIN and CRAM-MD5 (RFC 4954) as steps of the dialogue: each challenge
//! waits for the client's next line in [`Mode::Sasl`].

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{After, Choice, Mode, Resume, SEQUENCE, Smtp};
use super::{Conn, Line};
use crate::server::auth::{self, AuthConfig};
use crate::server::behaviour::Action;
use crate::server::{AuthAttempt, SaslMechanism, ServerReply, ServerStage};

/// A SASL exchange in progress.
#[derive(Debug)]
pub(crate) enum Sasl {
    /// About to start (after a delay): the mechanism and the initial response.
    Start {
        mechanism: SaslMechanism,
        initial: Option<Vec<u8>>,
        attempt: AuthAttempt,
    },
    /// Waiting for the PLAIN message.
    Plain { attempt: AuthAttempt },
    /// Waiting for the LOGIN user name.
    LoginUser { attempt: AuthAttempt },
    /// Waiting for the LOGIN password.
    LoginPassword { attempt: AuthAttempt, user: String },
    /// Waiting for the CRAM-MD5 answer to `challenge` (base64).
    Cram {
        attempt: AuthAttempt,
        challenge: String,
    },
}

/// The user (when known) and whether the credentials were right; `None` when the
/// exchange ended without a verdict (a reply has been queued).
type Verdict = Option<(Option<String>, bool)>;

impl Smtp {
    /// The AUTH command: checks, then the configured outcome or a SASL exchange.
    pub(super) fn auth(&mut self, conn: &mut Conn, rest: &str) {
        let settings = Arc::clone(&conn.settings);
        let Some(config) = settings.auth.as_ref() else {
            Self::bad_sequence(conn, "Error: authentication not enabled");
            return;
        };
        if !self.auth_allowed(conn, config) {
            return;
        }
        let mut words = rest.split(' ').filter(|w| !w.is_empty());
        let Some(name) = words.next() else {
            Self::syntax(conn, "Syntax: AUTH mechanism");
            return;
        };
        let initial = words.next().map(|w| w.as_bytes().to_vec());
        let attempt = AuthAttempt {
            mechanism: name.to_ascii_uppercase(),
            ..AuthAttempt::default()
        };
        let mechanism = SaslMechanism::from_name(name).filter(|m| config.offered().contains(m));
        let Some(mechanism) = mechanism else {
            conn.rec.update(|s| s.auth_attempts.push(attempt));
            conn.queue(&settings.reply(504, "5.5.4", "Unrecognized authentication type"));
            return;
        };
        let configured = settings.stage(ServerStage::Auth);
        if let Some(behaviour) = configured.filter(|b| b.action != Action::Normal) {
            let choice = Choice::of(Some(behaviour), ServerReply::new(535, ""));
            let resume = Resume::Respond(choice, After::AuthDecided(attempt));
            self.respond_with(conn, Some(behaviour), resume);
            return;
        }
        let start = Sasl::Start {
            mechanism,
            initial,
            attempt,
        };
        self.respond_with(conn, configured, Resume::Auth(start));
    }

    /// AUTH's preconditions; `false` when a reply has been queued.
    fn auth_allowed(&self, conn: &mut Conn, config: &AuthConfig) -> bool {
        if !self.greeted_esmtp() {
            Self::bad_sequence(conn, "Error: send EHLO first");
        } else if self.authenticated {
            Self::bad_sequence(conn, "Error: already authenticated");
        } else if self.in_mail {
            Self::bad_sequence(conn, "Error: MAIL transaction in progress");
        } else if config.require_tls && !conn.tls {
            let reply = conn
                .settings
                .reply(530, "5.7.0", "Must issue a STARTTLS command first");
            conn.queue(&reply);
        } else {
            return true;
        }
        false
    }

    /// Starts the exchange (after the configured delay, if any).
    pub(super) fn sasl_begin(&mut self, conn: &mut Conn, sasl: Sasl) {
        let Sasl::Start {
            mechanism,
            initial,
            attempt,
        } = sasl
        else {
            self.mode = Mode::Sasl(sasl);
            return;
        };
        let settings = Arc::clone(&conn.settings);
        let Some(config) = settings.auth.as_ref() else {
            return;
        };
        match (mechanism, initial) {
            (SaslMechanism::Plain, Some(initial)) => {
                let verdict = decode_initial(conn, &initial).map(|m| config.check_plain(&m));
                self.finish_auth(conn, attempt, verdict);
            }
            (SaslMechanism::Plain, None) => self.challenge(conn, "", Sasl::Plain { attempt }),
            (SaslMechanism::Login, Some(initial)) => match decode_initial(conn, &initial) {
                Some(user) => self.login_user(conn, attempt, &user),
                None => self.finish_auth(conn, attempt, None),
            },
            (SaslMechanism::Login, None) => {
                let prompt = auth::encode(b"Username:");
                self.challenge(conn, &prompt, Sasl::LoginUser { attempt });
            }
            (SaslMechanism::CramMd5, Some(_)) => {
                Self::syntax(conn, "CRAM-MD5 takes no initial response");
                self.finish_auth(conn, attempt, None);
            }
            (SaslMechanism::CramMd5, None) => {
                let challenge = auth::encode(cram_challenge(&settings.hostname).as_bytes());
                let next = Sasl::Cram {
                    attempt,
                    challenge: challenge.clone(),
                };
                self.challenge(conn, &challenge, next);
            }
        }
    }

    /// Sends a 334 challenge and waits for the answer.
    fn challenge(&mut self, conn: &mut Conn, text: &str, next: Sasl) {
        // "334 " even when the challenge is empty (RFC 4954 §4).
        conn.out.extend_from_slice(b"334 ");
        conn.out.extend_from_slice(text.as_bytes());
        conn.out.extend_from_slice(b"\r\n");
        self.mode = Mode::Sasl(next);
    }

    fn login_user(&mut self, conn: &mut Conn, mut attempt: AuthAttempt, user: &[u8]) {
        let user = String::from_utf8_lossy(user).into_owned();
        attempt.user = Some(user.clone());
        let prompt = auth::encode(b"Password:");
        self.challenge(conn, &prompt, Sasl::LoginPassword { attempt, user });
    }

    /// The client's next SASL line; `false` while there is none.
    pub(super) fn next_sasl_line(&mut self, conn: &mut Conn, sasl: Sasl) -> bool {
        self.mode = Mode::Sasl(sasl);
        let Some(line) = conn.input.read_line() else {
            self.no_input(conn);
            return false;
        };
        let Mode::Sasl(sasl) = std::mem::replace(&mut self.mode, Mode::Commands) else {
            return true;
        };
        if !Self::count(conn, "Error: too many commands") {
            return false;
        }
        conn.rec.command("[redacted]".into());
        let settings = Arc::clone(&conn.settings);
        let answer = match line {
            Line::TooLong => {
                conn.queue(&settings.reply(500, "5.5.6", "Error: line too long"));
                None
            }
            Line::Complete(line) if line == b"*" => {
                conn.queue(&settings.reply(501, "5.7.0", "Authentication cancelled"));
                None
            }
            Line::Complete(line) => decode_initial(conn, &line),
        };
        self.sasl_answer(conn, sasl, answer);
        true
    }

    /// Goes on with the decoded answer (`None`: the exchange ended, a reply is queued).
    fn sasl_answer(&mut self, conn: &mut Conn, sasl: Sasl, answer: Option<Vec<u8>>) {
        let settings = Arc::clone(&conn.settings);
        let Some(config) = settings.auth.as_ref() else {
            return;
        };
        let (attempt, verdict) = match (sasl, answer) {
            (Sasl::LoginUser { attempt }, Some(user)) => {
                self.login_user(conn, attempt, &user);
                return;
            }
            (Sasl::Plain { attempt }, Some(m)) => (attempt, Some(config.check_plain(&m))),
            (Sasl::LoginPassword { attempt, user }, Some(password)) => {
                let ok = config.check(&user, &password);
                (attempt, Some((Some(user), ok)))
            }
            (Sasl::Cram { attempt, challenge }, Some(answer)) => {
                let verdict = config.check_cram_md5(challenge.as_bytes(), &answer);
                (attempt, Some(verdict))
            }
            (
                Sasl::Start { attempt, .. }
                | Sasl::Plain { attempt }
                | Sasl::LoginUser { attempt }
                | Sasl::LoginPassword { attempt, .. }
                | Sasl::Cram { attempt, .. },
                _,
            ) => (attempt, None),
        };
        self.finish_auth(conn, attempt, verdict);
    }

    fn finish_auth(&mut self, conn: &mut Conn, mut attempt: AuthAttempt, verdict: Verdict) {
        self.mode = Mode::Commands;
        if let Some((user, ok)) = verdict {
            attempt.user = user.clone();
            attempt.success = ok;
            let reply = if ok {
                self.authenticated = true;
                conn.rec.update(|s| s.auth_user = user);
                conn.settings
                    .reply(235, "2.7.0", "Authentication successful")
            } else {
                conn.settings
                    .reply(535, "5.7.8", "Authentication credentials invalid")
            };
            conn.queue(&reply);
        }
        conn.rec.update(|s| s.auth_attempts.push(attempt));
    }
}

/// Decodes base64; queues `501` and returns `None` when it is not base64.
fn decode_initial(conn: &mut Conn, text: &[u8]) -> Option<Vec<u8>> {
    let decoded = auth::decode(text);
    if decoded.is_none() {
        let reply = conn.settings.reply(501, "5.5.2", "Cannot decode response");
        conn.queue(&reply);
    }
    decoded
}

/// A fresh CRAM-MD5 challenge, `<sequence.counter@hostname>` (RFC 2195 asks for a unique
/// string; the core reads no clock, so a counter stands in for the timestamp).
pub(super) fn cram_challenge(hostname: &str) -> String {
    let n = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    let m = SEQUENCE.fetch_add(1, Ordering::Relaxed);
    format!("<{n}.{m}@{hostname}>")
}
