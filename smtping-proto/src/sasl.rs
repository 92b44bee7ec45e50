//! SASL client responses for SMTP AUTH (RFC 4954): PLAIN, LOGIN, CRAM-MD5, XOAUTH2.
//!
//! Secrets live in [`zeroize::Zeroizing`] buffers that are wiped when dropped, and
//! [`Credentials`]' `Debug` output never shows them.
//!
//! ```
//! use smtping_proto::sasl::{Credentials, plain_response};
//!
//! let creds = Credentials::new("alice", "s3cret");
//! assert_eq!(&plain_response(&creds).unwrap()[..], b"\0alice\0s3cret");
//! assert!(!format!("{creds:?}").contains("s3cret"));
//! ```

use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use md5::Md5;
use zeroize::Zeroizing;

/// Why a SASL step cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SaslError {
    /// PLAIN separates fields with NUL, so none may contain one.
    #[error("the {0} contains a NUL byte, which the PLAIN mechanism cannot carry")]
    NulInField(&'static str),
    /// The server's 334 challenge is not valid base64.
    #[error("the server's AUTH challenge is not valid base64")]
    BadChallenge,
}

/// A user name and secret (password or OAuth token), with an optional authorisation
/// identity. The secret is wiped from memory on drop and never printed.
#[derive(Clone)]
pub struct Credentials {
    username: String,
    secret: Zeroizing<String>,
    authzid: Option<String>,
}

impl Credentials {
    /// Credentials for `username` with `secret`.
    #[must_use]
    pub fn new(username: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            secret: Zeroizing::new(secret.into()),
            authzid: None,
        }
    }

    /// Sets an authorisation identity (act as another user), sent by PLAIN.
    #[must_use]
    pub fn authzid(mut self, authzid: impl Into<String>) -> Self {
        self.authzid = Some(authzid.into());
        self
    }

    /// The user name (not secret; shown in reports).
    #[must_use]
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The secret. Callers must not log it.
    #[must_use]
    pub fn secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("secret", &"[redacted]")
            .field("authzid", &self.authzid)
            .finish()
    }
}

/// The PLAIN message `authzid NUL user NUL password` (RFC 4616).
pub fn plain_response(c: &Credentials) -> Result<Zeroizing<Vec<u8>>, SaslError> {
    let authzid = c.authzid.as_deref().unwrap_or("");
    for (name, field) in [
        ("authorisation identity", authzid),
        ("user name", c.username.as_str()),
        ("password", c.secret.as_str()),
    ] {
        if field.as_bytes().contains(&0) {
            return Err(SaslError::NulInField(name));
        }
    }
    let mut out = Zeroizing::new(Vec::with_capacity(
        authzid.len() + c.username.len() + c.secret.len() + 2,
    ));
    out.extend_from_slice(authzid.as_bytes());
    out.push(0);
    out.extend_from_slice(c.username.as_bytes());
    out.push(0);
    out.extend_from_slice(c.secret.as_bytes());
    Ok(out)
}

/// The XOAUTH2 message `user=U ^A auth=Bearer T ^A ^A` (Google and Microsoft).
#[must_use]
pub fn xoauth2_response(c: &Credentials) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(c.username.len() + c.secret.len() + 20));
    out.extend_from_slice(b"user=");
    out.extend_from_slice(c.username.as_bytes());
    out.extend_from_slice(b"\x01auth=Bearer ");
    out.extend_from_slice(c.secret.as_bytes());
    out.extend_from_slice(b"\x01\x01");
    out
}

/// Decodes the base64 text of a 334 challenge (surrounding spaces ignored).
pub fn decode_challenge(text: &[u8]) -> Result<Vec<u8>, SaslError> {
    let t = text.trim_ascii();
    if t == b"=" || t.is_empty() {
        return Ok(Vec::new());
    }
    BASE64.decode(t).map_err(|_| SaslError::BadChallenge)
}

/// The CRAM-MD5 response (RFC 2195): `user SP hex(HMAC-MD5(secret, challenge))`, where
/// `challenge_b64` is the 334 reply's text.
///
/// ```
/// use smtping_proto::sasl::{Credentials, cram_md5_response};
/// // The example of RFC 2195 §2.
/// let creds = Credentials::new("tim", "tanstaaftanstaaf");
/// let resp = cram_md5_response(&creds, b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+").unwrap();
/// assert_eq!(&resp[..], b"tim b913a602c7eda7a495b4e6e7334d3890");
/// ```
pub fn cram_md5_response(
    c: &Credentials,
    challenge_b64: &[u8],
) -> Result<Zeroizing<Vec<u8>>, SaslError> {
    let challenge = decode_challenge(challenge_b64)?;
    let mut mac = <Hmac<Md5> as Mac>::new_from_slice(c.secret.as_bytes())
        .map_err(|_| SaslError::BadChallenge)?;
    mac.update(&challenge);
    let digest = mac.finalize().into_bytes();
    let mut out = Zeroizing::new(Vec::with_capacity(c.username.len() + 33));
    out.extend_from_slice(c.username.as_bytes());
    out.push(b' ');
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in digest {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
