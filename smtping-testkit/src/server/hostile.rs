//! Ready-made hostile and broken servers ([`Hostile`]) as [`Script`]s.

use std::fmt;
use std::time::Duration;

use super::script::Script;

/// The greeting most scenarios open with.
const GREETING: &str = "220 mx.test ESMTP hostile test server\r\n";
/// An EHLO reply offering STARTTLS.
const EHLO_STARTTLS: &str = "250-mx.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
/// An EHLO reply without STARTTLS or PIPELINING.
const EHLO_PLAIN: &str = "250-mx.test\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n";

/// A hostile or broken server, for fault-injection suites (SMTPing's own and yours).
///
/// Each scenario is a [`Script`] (see [`script`](Hostile::script)); start one with
/// [`TestServer::hostile`](super::TestServer::hostile). Every script is bounded in bytes
/// and time, so a client that never gives up still sees the connection closed after at
/// most 30 s. Scenarios that answer commands follow a fixed dialogue (EHLO, then MAIL,
/// RCPT, DATA where needed); a client that sends something else ends the script with
/// [`SessionEnd::ScriptMismatch`](super::SessionEnd::ScriptMismatch).
///
/// ```
/// use smtping_testkit::server::Hostile;
///
/// for scenario in Hostile::ALL {
///     assert!(!scenario.script().steps().is_empty());
///     println!("{:<28} {}", scenario.name(), scenario.description());
/// }
/// assert_eq!(Hostile::LongLine.name(), "long_line");
/// ```
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Hostile {
    /// Accepts the connection and never says anything.
    Silent,
    /// Sends its greeting one byte per second.
    TrickleGreeting,
    /// A greeting that never ends: `220-…` continuation lines until the budget runs out.
    EndlessReply,
    /// A greeting line of 10 MiB without CRLF.
    LongLine,
    /// An EHLO reply with 200,000 keywords.
    ManyEhloKeywords,
    /// An EHLO reply whose lines carry different codes: `250-a` then `550 b`.
    MismatchedContinuation,
    /// A greeting with code `999`.
    InvalidCode,
    /// A greeting that is not a reply at all: `abc`.
    NonNumericCode,
    /// Every reply line ends with a bare LF instead of CRLF.
    BareLf,
    /// Replies holding NUL and Latin-1 (not UTF-8) bytes.
    NulAndLatin1,
    /// STARTTLS answered with `220` and, in the same write, `250 injected` before the
    /// handshake (the CVE-2011-0411 class). Then it does the handshake if the server has
    /// a certificate.
    StartTlsInjection,
    /// EHLO does not offer STARTTLS (a downgrade, for `--require-tls` tests).
    StartTlsNotOffered,
    /// An "implicit TLS" port that answers with a plain SMTP banner.
    ImplicitTlsBanner,
    /// An "implicit TLS" port that answers with random bytes.
    ImplicitTlsGarbage,
    /// STARTTLS answered `220`, then garbage instead of a ServerHello.
    StartTlsGarbage,
    /// Closes the connection right after receiving EHLO.
    CloseAfterEhlo,
    /// Accepts MAIL, then answers RCPT with `421 4.7.0` and closes.
    TempFailAfterRcpt,
    /// Takes the whole message, then never answers the final dot.
    NoReplyToFinalDot,
}

impl Hostile {
    /// Every scenario.
    pub const ALL: [Self; 18] = [
        Self::Silent,
        Self::TrickleGreeting,
        Self::EndlessReply,
        Self::LongLine,
        Self::ManyEhloKeywords,
        Self::MismatchedContinuation,
        Self::InvalidCode,
        Self::NonNumericCode,
        Self::BareLf,
        Self::NulAndLatin1,
        Self::StartTlsInjection,
        Self::StartTlsNotOffered,
        Self::ImplicitTlsBanner,
        Self::ImplicitTlsGarbage,
        Self::StartTlsGarbage,
        Self::CloseAfterEhlo,
        Self::TempFailAfterRcpt,
        Self::NoReplyToFinalDot,
    ];

    /// The scenario's script.
    ///
    /// ```
    /// use smtping_testkit::server::{Hostile, Step};
    /// assert_eq!(Hostile::Silent.script().steps(), [Step::Hang]);
    /// ```
    #[must_use]
    pub fn script(self) -> Script {
        match self {
            Self::Silent => silent(),
            Self::TrickleGreeting => trickle_greeting(Duration::from_secs(1)),
            Self::EndlessReply => endless_reply(),
            Self::LongLine => long_line(10 * 1024 * 1024),
            Self::ManyEhloKeywords => many_ehlo_keywords(200_000),
            Self::MismatchedContinuation => mismatched_continuation(),
            Self::InvalidCode => invalid_code(),
            Self::NonNumericCode => non_numeric_code(),
            Self::BareLf => bare_lf(),
            Self::NulAndLatin1 => nul_and_latin1(),
            Self::StartTlsInjection => starttls_injection(),
            Self::StartTlsNotOffered => starttls_not_offered(),
            Self::ImplicitTlsBanner => implicit_tls_banner(),
            Self::ImplicitTlsGarbage => implicit_tls_garbage(),
            Self::StartTlsGarbage => starttls_garbage(),
            Self::CloseAfterEhlo => close_after_ehlo(),
            Self::TempFailAfterRcpt => temp_fail_after_rcpt(),
            Self::NoReplyToFinalDot => no_reply_to_final_dot(),
        }
    }

    /// A stable snake_case name (for test names and reports).
    ///
    /// ```
    /// use smtping_testkit::server::Hostile;
    /// assert_eq!(Hostile::StartTlsInjection.name(), "starttls_injection");
    /// ```
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Silent => "silent",
            Self::TrickleGreeting => "trickle_greeting",
            Self::EndlessReply => "endless_reply",
            Self::LongLine => "long_line",
            Self::ManyEhloKeywords => "many_ehlo_keywords",
            Self::MismatchedContinuation => "mismatched_continuation",
            Self::InvalidCode => "invalid_code",
            Self::NonNumericCode => "non_numeric_code",
            Self::BareLf => "bare_lf",
            Self::NulAndLatin1 => "nul_and_latin1",
            Self::StartTlsInjection => "starttls_injection",
            Self::StartTlsNotOffered => "starttls_not_offered",
            Self::ImplicitTlsBanner => "implicit_tls_banner",
            Self::ImplicitTlsGarbage => "implicit_tls_garbage",
            Self::StartTlsGarbage => "starttls_garbage",
            Self::CloseAfterEhlo => "close_after_ehlo",
            Self::TempFailAfterRcpt => "temp_fail_after_rcpt",
            Self::NoReplyToFinalDot => "no_reply_to_final_dot",
        }
    }

    /// One sentence saying what the server does.
    ///
    /// ```
    /// use smtping_testkit::server::Hostile;
    /// assert!(Hostile::Silent.description().contains("never"));
    /// ```
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            Self::Silent => "accepts the connection and never sends a byte",
            Self::TrickleGreeting => "sends the greeting one byte per second",
            Self::EndlessReply => {
                "sends 220- continuation lines forever (until its budget runs out)"
            }
            Self::LongLine => "sends a 10 MiB greeting line without CRLF",
            Self::ManyEhloKeywords => "answers EHLO with 200,000 keywords",
            Self::MismatchedContinuation => "answers EHLO with 250-a then 550 b",
            Self::InvalidCode => "greets with the code 999",
            Self::NonNumericCode => "greets with 'abc' instead of a code",
            Self::BareLf => "ends every reply line with a bare LF",
            Self::NulAndLatin1 => "puts NUL and Latin-1 bytes in its replies",
            Self::StartTlsInjection => {
                "answers STARTTLS with 220 and an injected '250 injected' line in the same write, before TLS"
            }
            Self::StartTlsNotOffered => "does not offer STARTTLS",
            Self::ImplicitTlsBanner => "answers a TLS ClientHello with a plain SMTP banner",
            Self::ImplicitTlsGarbage => "answers a TLS ClientHello with random bytes",
            Self::StartTlsGarbage => {
                "answers STARTTLS with 220, then garbage instead of a ServerHello"
            }
            Self::CloseAfterEhlo => "closes the connection when EHLO arrives",
            Self::TempFailAfterRcpt => "answers RCPT with 421 4.7.0 and closes",
            Self::NoReplyToFinalDot => "reads the whole message and never answers the final dot",
        }
    }

    /// `true` when the client should connect with implicit TLS (TLS on connect) to meet
    /// this scenario.
    ///
    /// ```
    /// use smtping_testkit::server::Hostile;
    /// assert!(Hostile::ImplicitTlsGarbage.implicit_tls());
    /// assert!(!Hostile::StartTlsGarbage.implicit_tls());
    /// ```
    #[must_use]
    pub const fn implicit_tls(self) -> bool {
        matches!(self, Self::ImplicitTlsBanner | Self::ImplicitTlsGarbage)
    }
}

impl fmt::Display for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Accepts and never speaks ([`Hostile::Silent`]).
///
/// ```
/// use smtping_testkit::server::hostile;
/// assert_eq!(hostile::silent().steps().len(), 1);
/// ```
#[must_use]
pub fn silent() -> Script {
    Script::new().hang()
}

/// Sends the greeting one byte every `every` ([`Hostile::TrickleGreeting`] uses one
/// second), then answers permissively. The first byte goes out at once.
///
/// ```
/// use std::time::Duration;
/// use smtping_testkit::server::hostile;
/// let fast = hostile::trickle_greeting(Duration::from_millis(10));
/// # let _ = fast;
/// ```
#[must_use]
pub fn trickle_greeting(every: Duration) -> Script {
    Script::new()
        .trickle("220 mx.test ESMTP trickling\r\n", every)
        .answer_all("\r\n")
}

/// A multi-line greeting that never ends ([`Hostile::EndlessReply`]); the script's byte
/// and time budgets stop it.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::endless_reply().max_bytes(1 << 20);
/// # let _ = s;
/// ```
#[must_use]
pub fn endless_reply() -> Script {
    Script::new()
        .send("220-mx.test ESMTP endless\r\n")
        .numbered("220-line ", "\r\n", u64::MAX)
}

/// A greeting line of `bytes` bytes without CRLF, then silence ([`Hostile::LongLine`]
/// uses 10 MiB).
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::long_line(64 * 1024);
/// # let _ = s;
/// ```
#[must_use]
pub fn long_line(bytes: u64) -> Script {
    Script::new()
        .send("220 ")
        .repeat("x", bytes.saturating_sub(4))
        .hang()
}

/// An EHLO reply with `count` keywords ([`Hostile::ManyEhloKeywords`] uses 200,000),
/// then permissive answers.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::many_ehlo_keywords(1_000);
/// # let _ = s;
/// ```
#[must_use]
pub fn many_ehlo_keywords(count: u64) -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send("250-mx.test\r\n")
        .numbered("250-X-KEYWORD-", "\r\n", count)
        .send("250 8BITMIME\r\n")
        .answer_all("\r\n")
}

/// `250-a` then `550 b` in answer to EHLO ([`Hostile::MismatchedContinuation`]), then
/// permissive answers.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::mismatched_continuation();
/// # let _ = s;
/// ```
#[must_use]
pub fn mismatched_continuation() -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send("250-a\r\n550 b\r\n")
        .answer_all("\r\n")
}

/// Greets with `999 x` ([`Hostile::InvalidCode`]), then permissive answers.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::invalid_code();
/// # let _ = s;
/// ```
#[must_use]
pub fn invalid_code() -> Script {
    Script::new()
        .send("999 x invalid reply code\r\n")
        .answer_all("\r\n")
}

/// Greets with `abc` ([`Hostile::NonNumericCode`]), then permissive answers.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::non_numeric_code();
/// # let _ = s;
/// ```
#[must_use]
pub fn non_numeric_code() -> Script {
    Script::new().send("abc not a reply\r\n").answer_all("\r\n")
}

/// A server whose every reply line ends with a bare LF ([`Hostile::BareLf`]); otherwise
/// it accepts everything.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::bare_lf();
/// # let _ = s;
/// ```
#[must_use]
pub fn bare_lf() -> Script {
    Script::new()
        .send("220 mx.test ESMTP bare LF\n")
        .answer_all("\n")
}

/// Replies with NUL and Latin-1 bytes ([`Hostile::NulAndLatin1`]): in the greeting and
/// the EHLO reply; then permissive answers.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::nul_and_latin1();
/// # let _ = s;
/// ```
#[must_use]
pub fn nul_and_latin1() -> Script {
    Script::new()
        .send(b"220 mx.test ESMTP caf\xe9 \x00 ready\r\n")
        .expect_line("EHLO")
        .send(b"250-mx.test gr\xfc\xdf \x00\r\n250 8BITMIME\r\n")
        .answer_all("\r\n")
}

/// STARTTLS response injection ([`Hostile::StartTlsInjection`], the CVE-2011-0411 class):
/// `220 2.0.0 Ready to start TLS\r\n250 injected\r\n` in one write, before the handshake.
/// A correct client drops the connection. If the server has a certificate
/// ([`ServerTls`](super::ServerTls)) the handshake follows for clients that go on; without
/// one the session ends there.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::starttls_injection();
/// # let _ = s;
/// ```
#[must_use]
pub fn starttls_injection() -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_STARTTLS)
        .expect_line("STARTTLS")
        .send("220 2.0.0 Ready to start TLS\r\n250 injected\r\n")
        .start_tls()
        .answer_all("\r\n")
}

/// EHLO without STARTTLS ([`Hostile::StartTlsNotOffered`]); STARTTLS anyway gets `454`.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::starttls_not_offered();
/// # let _ = s;
/// ```
#[must_use]
pub fn starttls_not_offered() -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PLAIN)
        .answer_all("\r\n")
}

/// A plain SMTP banner where a TLS ServerHello should be ([`Hostile::ImplicitTlsBanner`]).
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::implicit_tls_banner();
/// # let _ = s;
/// ```
#[must_use]
pub fn implicit_tls_banner() -> Script {
    Script::new().send(GREETING).hang()
}

/// 4 KiB of pseudo-random bytes (fixed seed) where a ServerHello should be
/// ([`Hostile::ImplicitTlsGarbage`]), then close.
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::implicit_tls_garbage();
/// # let _ = s;
/// ```
#[must_use]
pub fn implicit_tls_garbage() -> Script {
    Script::new().send(garbage(4096)).close()
}

/// STARTTLS answered `220`, then, once the client's ClientHello arrives, garbage instead
/// of a ServerHello ([`Hostile::StartTlsGarbage`]).
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::starttls_garbage();
/// # let _ = s;
/// ```
#[must_use]
pub fn starttls_garbage() -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_STARTTLS)
        .expect_line("STARTTLS")
        .send("220 2.0.0 Ready to start TLS\r\n")
        .read_any()
        .send(garbage(4096))
        .close()
}

/// Closes the connection as soon as EHLO arrives ([`Hostile::CloseAfterEhlo`]).
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::close_after_ehlo();
/// # let _ = s;
/// ```
#[must_use]
pub fn close_after_ehlo() -> Script {
    Script::new().send(GREETING).expect_line("EHLO").close()
}

/// Accepts MAIL, answers RCPT with `421 4.7.0` and closes ([`Hostile::TempFailAfterRcpt`]).
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::temp_fail_after_rcpt();
/// # let _ = s;
/// ```
#[must_use]
pub fn temp_fail_after_rcpt() -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PLAIN)
        .expect_line("MAIL")
        .send("250 2.1.0 Ok\r\n")
        .expect_line("RCPT")
        .send("421 4.7.0 mx.test Service not available, closing transmission channel\r\n")
        .close()
}

/// Accepts the envelope and the message, then never answers the final dot
/// ([`Hostile::NoReplyToFinalDot`]).
///
/// ```
/// use smtping_testkit::server::hostile;
/// let s = hostile::no_reply_to_final_dot();
/// # let _ = s;
/// ```
#[must_use]
pub fn no_reply_to_final_dot() -> Script {
    Script::new()
        .send(GREETING)
        .expect_line("EHLO")
        .send(EHLO_PLAIN)
        .expect_line("MAIL")
        .send("250 2.1.0 Ok\r\n")
        .expect_line("RCPT")
        .send("250 2.1.5 Ok\r\n")
        .expect_line("DATA")
        .send("354 End data with <CR><LF>.<CR><LF>\r\n")
        .expect_data()
        .hang()
}

/// `len` pseudo-random bytes from a fixed-seed xorshift generator (deterministic).
fn garbage(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect()
}

#[cfg(test)]
mod tests;
