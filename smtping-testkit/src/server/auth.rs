//! [`AuthConfig`]: SMTP AUTH on the test server (RFC 4954), server side.

use std::fmt;

use smtping_proto::sasl::{Credentials, cram_md5_response, decode_challenge};

/// A SASL mechanism the test server can serve.
///
/// ```
/// use smtping_testkit::server::SaslMechanism;
/// assert_eq!(SaslMechanism::CramMd5.name(), "CRAM-MD5");
/// assert_eq!(SaslMechanism::from_name("login"), Some(SaslMechanism::Login));
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaslMechanism {
    /// `PLAIN` (RFC 4616): `authzid NUL user NUL password`, base64.
    Plain,
    /// `LOGIN`: user name and password in two base64 steps.
    Login,
    /// `CRAM-MD5` (RFC 2195): an HMAC-MD5 answer to a challenge.
    CramMd5,
}

impl SaslMechanism {
    /// Every mechanism the server supports.
    pub const ALL: [Self; 3] = [Self::Plain, Self::Login, Self::CramMd5];

    /// The name as advertised in EHLO.
    ///
    /// ```
    /// use smtping_testkit::server::SaslMechanism;
    /// assert_eq!(SaslMechanism::Plain.name(), "PLAIN");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Plain => "PLAIN",
            Self::Login => "LOGIN",
            Self::CramMd5 => "CRAM-MD5",
        }
    }

    /// The mechanism named `name` (case-insensitive), if the server supports it.
    ///
    /// ```
    /// use smtping_testkit::server::SaslMechanism;
    /// assert_eq!(SaslMechanism::from_name("cram-md5"), Some(SaslMechanism::CramMd5));
    /// assert_eq!(SaslMechanism::from_name("XOAUTH2"), None);
    /// ```
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|m| m.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for SaslMechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SMTP AUTH settings: accounts, mechanisms and policy.
///
/// By default PLAIN and LOGIN are offered, AUTH is allowed before TLS, and mail is
/// accepted without logging in. Passwords never appear in `Debug` output or in what the
/// server records.
///
/// ```
/// use smtping_testkit::server::{AuthConfig, SaslMechanism};
///
/// let auth = AuthConfig::new()
///     .user("alice", "secret")
///     .mechanisms([SaslMechanism::Plain, SaslMechanism::Login, SaslMechanism::CramMd5])
///     .require_tls(true) // not offered, and 530 5.7.0, before STARTTLS
///     .required(true); // MAIL without a login gets 530 5.7.0 Authentication required
/// assert!(!format!("{auth:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AuthConfig {
    pub(crate) users: Vec<(String, String)>,
    pub(crate) mechanisms: Vec<SaslMechanism>,
    pub(crate) require_tls: bool,
    pub(crate) required: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl AuthConfig {
    /// No accounts, PLAIN and LOGIN offered, allowed before TLS, not required.
    ///
    /// ```
    /// use smtping_testkit::server::{AuthConfig, SaslMechanism};
    /// let auth = AuthConfig::new();
    /// assert_eq!(auth.offered(), [SaslMechanism::Plain, SaslMechanism::Login]);
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self {
            users: Vec::new(),
            mechanisms: vec![SaslMechanism::Plain, SaslMechanism::Login],
            require_tls: false,
            required: false,
        }
    }

    /// Adds an account (a second call for the same user replaces the password).
    ///
    /// ```
    /// use smtping_testkit::server::AuthConfig;
    /// let auth = AuthConfig::new().user("alice", "secret").user("bob", "hunter2");
    /// # let _ = auth;
    /// ```
    #[must_use]
    pub fn user(mut self, name: impl Into<String>, password: impl Into<String>) -> Self {
        let name = name.into();
        let password = password.into();
        match self.users.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = password,
            None => self.users.push((name, password)),
        }
        self
    }

    /// The mechanisms offered, in this order (duplicates removed).
    ///
    /// ```
    /// use smtping_testkit::server::{AuthConfig, SaslMechanism};
    /// let auth = AuthConfig::new().mechanisms([SaslMechanism::CramMd5]);
    /// assert_eq!(auth.offered(), [SaslMechanism::CramMd5]);
    /// ```
    #[must_use]
    pub fn mechanisms(mut self, mechanisms: impl IntoIterator<Item = SaslMechanism>) -> Self {
        self.mechanisms.clear();
        for m in mechanisms {
            if !self.mechanisms.contains(&m) {
                self.mechanisms.push(m);
            }
        }
        self
    }

    /// When `true`, AUTH is neither advertised nor accepted before STARTTLS (the reply is
    /// `530 5.7.0 Must issue a STARTTLS command first`).
    ///
    /// ```
    /// use smtping_testkit::server::AuthConfig;
    /// let auth = AuthConfig::new().require_tls(true);
    /// # let _ = auth;
    /// ```
    #[must_use]
    pub fn require_tls(mut self, on: bool) -> Self {
        self.require_tls = on;
        self
    }

    /// When `true`, `MAIL` before a successful AUTH gets `530 5.7.0 Authentication
    /// required` (a submission server).
    ///
    /// ```
    /// use smtping_testkit::server::AuthConfig;
    /// let auth = AuthConfig::new().user("alice", "secret").required(true);
    /// # let _ = auth;
    /// ```
    #[must_use]
    pub fn required(mut self, on: bool) -> Self {
        self.required = on;
        self
    }

    /// The mechanisms offered.
    ///
    /// ```
    /// use smtping_testkit::server::{AuthConfig, SaslMechanism};
    /// assert!(AuthConfig::new().offered().contains(&SaslMechanism::Plain));
    /// ```
    #[must_use]
    pub fn offered(&self) -> &[SaslMechanism] {
        &self.mechanisms
    }

    pub(crate) fn password(&self, user: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|(n, _)| n == user)
            .map(|(_, p)| p.as_str())
    }

    /// Checks a user name and password.
    pub(crate) fn check(&self, user: &str, password: &[u8]) -> bool {
        self.password(user)
            .is_some_and(|p| p.as_bytes() == password)
    }

    /// Checks a decoded PLAIN message; returns the user name it carries (if any) and
    /// whether the login succeeds.
    pub(crate) fn check_plain(&self, message: &[u8]) -> (Option<String>, bool) {
        let mut parts = message.split(|&b| b == 0);
        let (Some(authzid), Some(user), Some(password), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return (None, false);
        };
        let Ok(user) = std::str::from_utf8(user) else {
            return (None, false);
        };
        let authz_ok = authzid.is_empty() || authzid == user.as_bytes();
        let ok = authz_ok && self.check(user, password);
        (Some(user.to_owned()), ok)
    }

    /// Checks a decoded CRAM-MD5 answer (`user SP hex-digest`) to `challenge_b64`.
    pub(crate) fn check_cram_md5(
        &self,
        challenge_b64: &[u8],
        answer: &[u8],
    ) -> (Option<String>, bool) {
        let Some(space) = answer.iter().rposition(|&b| b == b' ') else {
            return (None, false);
        };
        let Ok(user) = std::str::from_utf8(&answer[..space]) else {
            return (None, false);
        };
        let ok = self.password(user).is_some_and(|password| {
            cram_md5_response(&Credentials::new(user, password), challenge_b64)
                .is_ok_and(|expected| expected[..] == *answer)
        });
        (Some(user.to_owned()), ok)
    }
}

impl fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let users: Vec<&str> = self.users.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("AuthConfig")
            .field("users", &users)
            .field("passwords", &"[redacted]")
            .field("mechanisms", &self.mechanisms)
            .field("require_tls", &self.require_tls)
            .field("required", &self.required)
            .finish()
    }
}

/// Decodes a client's base64 SASL line; `None` when it is not base64.
pub(crate) fn decode(line: &[u8]) -> Option<Vec<u8>> {
    decode_challenge(line).ok()
}

/// Standard base64 with padding.
pub(crate) fn encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let sextet = |shift: u32| char::from(ALPHABET[((n >> shift) & 63) as usize]);
        out.push(sextet(18));
        out.push(sextet(12));
        out.push(if chunk.len() > 1 { sextet(6) } else { '=' });
        out.push(if chunk.len() > 2 { sextet(0) } else { '=' });
    }
    out
}

#[cfg(test)]
mod tests;
