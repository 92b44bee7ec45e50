//! AUTH (RFC 4954): choosing the mechanism, the rules that keep credentials safe, and the
//! SASL rounds.
//!
//! Responses are computed from the plan's [`Credentials`], borrowed for each round, into
//! zeroized buffers; the credentials themselves are never copied.

use zeroize::Zeroizing;

use crate::command::Command;
use crate::ehlo::{AuthMechanism, AuthMechanisms, Extensions};
use crate::reply::OwnedReply;
use crate::sasl::{self, Credentials, SaslError};

use super::output::{AuthOutcome, ErrorKind, Event, Phase};
use super::plan::{AuthPlan, MechanismChoice};
use super::{Session, State};

/// Most 334 challenges answered in one AUTH exchange before giving up.
const MAX_AUTH_ROUNDS: u8 = 4;

/// The data of [`State::Auth`]: the mechanism in use and the challenges answered.
#[derive(Debug)]
pub(super) struct AuthRun {
    mechanism: AuthMechanism,
    rounds: u8,
}

impl Session {
    pub(super) fn start_auth(&mut self) {
        self.phase = Phase::Auth;
        let mechanism = match self.choose_mechanism() {
            Ok(Some(m)) => m,
            Ok(None) => {
                self.quit();
                return;
            }
            Err(msg) => {
                self.fail_then_quit(ErrorKind::Refused, None, msg);
                return;
            }
        };
        self.enter_phase(Phase::Auth, self.plan.timeouts.command);
        let Some(plan) = self.plan.auth.as_ref() else {
            return;
        };
        let initial = match initial_response(&mechanism, &plan.credentials) {
            Ok(ir) => ir,
            Err(msg) => {
                self.fail_then_quit(ErrorKind::Refused, None, msg);
                return;
            }
        };
        self.rec.send(Command::Auth {
            mechanism: &mechanism,
            initial_response: initial.as_deref().map(Vec::as_slice),
        });
        self.state = State::Auth(AuthRun {
            mechanism,
            rounds: 0,
        });
    }

    /// The mechanism to use (`None` without an AUTH plan), or why none may be used.
    fn choose_mechanism(&self) -> Result<Option<AuthMechanism>, String> {
        let Some(plan) = self.plan.auth.as_ref() else {
            return Ok(None);
        };
        let offered = self
            .rec
            .extensions()
            .map(Extensions::auth_mechanisms)
            .unwrap_or_default();
        let in_tls = self.rec.in_tls;
        if offered.is_empty() {
            let where_ = if in_tls { " after TLS" } else { "" };
            return Err(format!(
                "the server does not offer AUTH{where_}, so the login cannot be tested"
            ));
        }
        let choice = match &plan.mechanism {
            MechanismChoice::Exactly(m) if !offered.contains(m) => {
                let list = mechanism_list(offered);
                return Err(format!(
                    "AUTH {m} was asked for but the server offers only {list}"
                ));
            }
            MechanismChoice::Exactly(m) => m.clone(),
            MechanismChoice::Auto => {
                auto_mechanism(offered, in_tls || plan.allow_plaintext_without_tls)?
            }
        };
        self.credentials_may_go(&choice, plan)?;
        Ok(Some(choice))
    }

    /// Credentials go out neither in clear nor to a peer whose certificate did not
    /// verify, unless the plan explicitly allows it.
    fn credentials_may_go(&self, choice: &AuthMechanism, plan: &AuthPlan) -> Result<(), String> {
        let in_tls = self.rec.in_tls;
        if choice.is_plaintext() && !in_tls && !plan.allow_plaintext_without_tls {
            return Err(format!(
                "AUTH {choice} would send the password without TLS; refused (allow plaintext AUTH explicitly to test it anyway)"
            ));
        }
        let verified = self
            .rec
            .outcome()
            .and_then(|o| o.tls.as_ref())
            .is_some_and(|t| t.verified);
        if in_tls && !verified && !plan.allow_unverified_tls {
            return Err("the server's TLS certificate did not verify, so the credentials were not sent (allow unverified TLS explicitly, or pass the right CA)".into());
        }
        Ok(())
    }

    pub(super) fn on_auth(&mut self, reply: OwnedReply) {
        if reply.code() == 334 {
            self.on_challenge(reply);
        } else {
            self.on_auth_result(reply);
        }
    }

    /// A 334: answer it from the borrowed credentials, or cancel.
    fn on_challenge(&mut self, reply: OwnedReply) {
        let State::Auth(run) = &mut self.state else {
            return;
        };
        run.rounds += 1;
        if run.rounds > MAX_AUTH_ROUNDS {
            self.rec.send(Command::AuthCancel);
            self.close_phase();
            self.fail_then_quit(
                ErrorKind::Protocol,
                Some(reply),
                format!("the server sent more than {MAX_AUTH_ROUNDS} AUTH challenges"),
            );
            return;
        }
        let Some(plan) = self.plan.auth.as_ref() else {
            return;
        };
        let challenge = reply.lines().next().unwrap_or_default();
        match round_response(&run.mechanism, run.rounds, &plan.credentials, challenge) {
            Ok(r) => {
                if run.mechanism == AuthMechanism::CramMd5 {
                    // A replayable answer to this challenge: never shown if echoed.
                    self.redactor.add(&r);
                }
                self.rec.send(Command::AuthResponse(&r));
            }
            Err(e) => {
                let msg = format!("AUTH {}: {e}", run.mechanism.as_str());
                self.rec.send(Command::AuthCancel);
                self.close_phase();
                self.fail_then_quit(ErrorKind::Protocol, Some(reply), msg);
            }
        }
    }

    /// 235 or a refusal: AUTH is over.
    fn on_auth_result(&mut self, reply: OwnedReply) {
        let State::Auth(run) = &self.state else {
            return;
        };
        let mechanism = run.mechanism.clone();
        self.close_phase();
        let code = reply.code();
        let success = code == 235;
        let refusal = (!success).then(|| {
            format!(
                "AUTH {mechanism} was refused with {code}: {}",
                reply.text_lossy()
            )
        });
        if let Some(o) = self.rec.outcome_mut() {
            o.auth = Some(AuthOutcome {
                mechanism: Some(mechanism),
                success,
                reply: Some(reply.clone()),
            });
        }
        self.rec.event(Event::Authenticated { success });
        if let Some(msg) = refusal {
            self.fail_then_quit(ErrorKind::Rejected, Some(reply), msg);
            return;
        }
        self.rec.reached(Phase::Auth);
        self.quit_or_transaction();
    }
}

/// The strongest suitable offered mechanism: PLAIN, LOGIN, then CRAM-MD5; the plaintext
/// ones only when `plaintext_ok`.
fn auto_mechanism(
    offered: AuthMechanisms<'_>,
    plaintext_ok: bool,
) -> Result<AuthMechanism, String> {
    [
        AuthMechanism::Plain,
        AuthMechanism::Login,
        AuthMechanism::CramMd5,
    ]
    .into_iter()
    .find(|m| offered.contains(m) && (plaintext_ok || !m.is_plaintext()))
    .ok_or_else(|| {
        let list = mechanism_list(offered);
        let why = if offered.has_plaintext() && !plaintext_ok {
            " without TLS (PLAIN and LOGIN would expose the password; allow plaintext AUTH explicitly to test it anyway)"
        } else {
            ""
        };
        format!("no usable AUTH mechanism{why}: the server offers {list}")
    })
}

/// The initial response sent with `AUTH` (PLAIN, XOAUTH2), `None` for the mechanisms
/// that wait for a challenge, or why the mechanism cannot be used.
fn initial_response(
    mechanism: &AuthMechanism,
    creds: &Credentials,
) -> Result<Option<Zeroizing<Vec<u8>>>, String> {
    match mechanism {
        AuthMechanism::Plain => sasl::plain_response(creds)
            .map(Some)
            .map_err(|e| format!("AUTH PLAIN: {e}")),
        AuthMechanism::XOAuth2 => Ok(Some(sasl::xoauth2_response(creds))),
        AuthMechanism::Login | AuthMechanism::CramMd5 => Ok(None),
        other => Err(format!(
            "AUTH {other} is not supported by SMTPing (PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 are)"
        )),
    }
}

/// The answer to challenge number `round` (from 1).
fn round_response(
    mechanism: &AuthMechanism,
    round: u8,
    creds: &Credentials,
    challenge: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SaslError> {
    match mechanism {
        AuthMechanism::Login => {
            let field = if round == 1 {
                creds.username()
            } else {
                creds.secret()
            };
            Ok(Zeroizing::new(field.as_bytes().to_vec()))
        }
        AuthMechanism::CramMd5 => sasl::cram_md5_response(creds, challenge),
        AuthMechanism::Plain => sasl::plain_response(creds),
        // XOAUTH2 sends its error as a 334 challenge; an empty line ends it.
        _ => Ok(Zeroizing::new(Vec::new())),
    }
}

fn mechanism_list(m: AuthMechanisms<'_>) -> String {
    m.iter()
        .map(|m| m.as_str().to_owned())
        .collect::<Vec<_>>()
        .join(", ")
}
