//! The IANA "SMTP Enhanced Status Codes" registry (RFC 3463, RFC 5248 and later) and the
//! basic reply codes of RFC 5321 §4.2.2–4.2.3, each with a plain-language explanation.
//!
//! The table is Rust source (no build step). A unit test compares it, row by row, with the
//! copy of the registry kept in `shared/reference/iana-enhanced-status-codes.tsv`.
//!
//! ```
//! use smtping_classify::registry;
//! use smtping_proto::EnhancedCode;
//!
//! let code: EnhancedCode = "5.1.10".parse().unwrap();
//! let entry = registry::lookup(code).unwrap();
//! assert_eq!(entry.title, "Recipient address has null MX");
//! assert_eq!(entry.reference, "RFC 7505, RFC 7504");
//! assert_eq!(registry::class_title(5), Some("Permanent Failure"));
//! assert_eq!(registry::subject_title(1), Some("Addressing Status"));
//! assert_eq!(registry::basic(421).unwrap().meaning, "Service not available, closing transmission channel");
//! ```

use smtping_proto::EnhancedCode;

use crate::model::Reason;

/// How much an enhanced code alone says about the reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Strength {
    /// The code names a specific condition (`X.1.1` mailbox unknown): it decides the
    /// reason before generic text patterns are tried.
    Specific,
    /// The code is a catch-all (`X.7.1`, `X.Y.0`): servers use it for many conditions, so
    /// generic text patterns are tried first and the code's reason is only a fallback.
    Generic,
}

/// One row of the IANA registry, `X.subject.detail`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The subject (second number).
    pub subject: u16,
    /// The detail (third number).
    pub detail: u16,
    /// The registry title, as published.
    pub title: &'static str,
    /// The associated basic reply codes, as published (`"451, 550"`, `"any"`, `"-"`).
    pub basic: &'static str,
    /// The registry reference (`"RFC 3463"`).
    pub reference: &'static str,
    /// A plain-language sentence: what it means for the sender.
    pub explanation: &'static str,
    /// The reason this code implies on its own.
    pub reason: Reason,
    /// Whether the code is specific enough to decide the reason before text patterns.
    pub strength: Strength,
}

impl Entry {
    /// The code as the registry writes it, e.g. `"X.7.26"`.
    #[must_use]
    pub fn code(&self) -> String {
        format!("X.{}.{}", self.subject, self.detail)
    }
}

/// A basic reply code of RFC 5321 §4.2.2–4.2.3 (plus RFC 4954, 7504 and 3030 codes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BasicCode {
    /// The three-digit code.
    pub code: u16,
    /// The standard meaning, as the RFC words it.
    pub meaning: &'static str,
    /// A plain-language sentence.
    pub explanation: &'static str,
    /// Where it is defined.
    pub reference: &'static str,
}

/// The title of an enhanced code class (2, 4 or 5).
#[must_use]
pub const fn class_title(class: u8) -> Option<&'static str> {
    match class {
        2 => Some("Success"),
        4 => Some("Persistent Transient Failure"),
        5 => Some("Permanent Failure"),
        _ => None,
    }
}

/// A plain-language sentence for an enhanced code class.
#[must_use]
pub const fn class_explanation(class: u8) -> Option<&'static str> {
    match class {
        2 => Some("The action succeeded."),
        4 => Some(
            "A temporary failure: the same message may be accepted if sent again later, unchanged.",
        ),
        5 => Some("A permanent failure: sending the same message again will fail the same way."),
        _ => None,
    }
}

/// The title of an enhanced code subject (0–7).
#[must_use]
pub const fn subject_title(subject: u16) -> Option<&'static str> {
    match subject {
        0 => Some("Other or Undefined Status"),
        1 => Some("Addressing Status"),
        2 => Some("Mailbox Status"),
        3 => Some("Mail System Status"),
        4 => Some("Network and Routing Status"),
        5 => Some("Mail Delivery Protocol Status"),
        6 => Some("Message Content or Media Status"),
        7 => Some("Security or Policy Status"),
        _ => None,
    }
}

/// Looks up the registry row for a code, ignoring its class (`5.1.1` and `4.1.1` share
/// the row `X.1.1`). Codes outside the registry (`5.7.606`) return `None`.
#[must_use]
pub fn lookup(code: EnhancedCode) -> Option<&'static Entry> {
    lookup_parts(code.subject(), code.detail())
}

/// Looks up the registry row `X.subject.detail`.
#[must_use]
pub fn lookup_parts(subject: u16, detail: u16) -> Option<&'static Entry> {
    ENTRIES
        .binary_search_by(|e| (e.subject, e.detail).cmp(&(subject, detail)))
        .ok()
        .map(|i| &ENTRIES[i])
}

/// Every registry row, sorted by subject then detail.
#[must_use]
pub fn entries() -> &'static [Entry] {
    ENTRIES
}

/// Looks up a basic reply code.
#[must_use]
pub fn basic(code: u16) -> Option<&'static BasicCode> {
    BASIC
        .binary_search_by_key(&code, |b| b.code)
        .ok()
        .map(|i| &BASIC[i])
}

/// Every basic reply code known, sorted.
#[must_use]
pub fn basic_codes() -> &'static [BasicCode] {
    BASIC
}

/// A one-sentence description of an enhanced code: the registry explanation when it is
/// registered, else its class and subject titles.
///
/// ```
/// # use smtping_classify::registry::describe;
/// assert!(describe("5.1.1".parse().unwrap()).contains("does not exist"));
/// assert_eq!(
///     describe("5.7.606".parse().unwrap()),
///     "Permanent Failure, Security or Policy Status (5.7.606 is not in the IANA registry; its meaning is the server's own)."
/// );
/// ```
#[must_use]
pub fn describe(code: EnhancedCode) -> String {
    match lookup(code) {
        Some(e) => e.explanation.to_owned(),
        None => format!(
            "{}, {} ({} is not in the IANA registry; its meaning is the server's own).",
            class_title(code.class()).unwrap_or("Unknown class"),
            subject_title(code.subject()).unwrap_or("Unknown subject"),
            code
        ),
    }
}

macro_rules! entries {
    ($( ($s:literal, $d:literal, $title:literal, $basic:literal, $reference:literal, $reason:ident, $strength:ident, $explain:literal), )*) => {
        const ENTRIES: &[Entry] = &[
            $( Entry {
                subject: $s,
                detail: $d,
                title: $title,
                basic: $basic,
                reference: $reference,
                explanation: $explain,
                reason: Reason::$reason,
                strength: Strength::$strength,
            }, )*
        ];
    };
}

entries! {
    (0, 0, "Other undefined Status", "any", "RFC 3463", Unknown, Generic,
        "An unspecified status: the code itself says nothing about the cause, only the text can."),
    (1, 0, "Other address status", "-", "RFC 3463", BadAddress, Generic,
        "Something is wrong with one of the addresses, without saying what."),
    (1, 1, "Bad destination mailbox address", "451, 550", "RFC 3463", MailboxUnknown, Specific,
        "The mailbox part of the recipient address does not exist on the destination system."),
    (1, 2, "Bad destination system address", "-", "RFC 3463", DomainUnknown, Specific,
        "The recipient's domain (the part after @) does not exist or cannot accept mail."),
    (1, 3, "Bad destination mailbox address syntax", "501", "RFC 3463", BadAddress, Specific,
        "The recipient address is not syntactically valid."),
    (1, 4, "Destination mailbox address ambiguous", "-", "RFC 3463", BadAddress, Specific,
        "The recipient address matches more than one mailbox at the destination, so it cannot be delivered."),
    (1, 5, "Destination address valid", "250", "RFC 3463", Accepted, Specific,
        "The recipient address is valid and was accepted."),
    (1, 6, "Destination mailbox has moved, No forwarding address", "-", "RFC 3463", MailboxMoved, Specific,
        "The recipient's mailbox has moved and no forwarding address is known."),
    (1, 7, "Bad sender's mailbox address syntax", "-", "RFC 3463", SenderRejected, Specific,
        "The sender (MAIL FROM) address is not syntactically valid."),
    (1, 8, "Bad sender's system address", "451, 501", "RFC 3463", SenderRejected, Specific,
        "The sender's domain does not exist or cannot receive replies, so the server refuses the sender."),
    (1, 9, "Message relayed to non-compliant mailer", "-", "RFC 3886", Accepted, Specific,
        "The message was passed on to a system that may not return delivery status notifications."),
    (1, 10, "Recipient address has null MX", "556", "RFC 7505, RFC 7504", NullMx, Specific,
        "The recipient's domain publishes a null MX record: it declares that it accepts no mail."),
    (2, 0, "Other or undefined mailbox status", "-", "RFC 3463", Unknown, Generic,
        "The mailbox exists but something about it prevents delivery, without saying what."),
    (2, 1, "Mailbox disabled, not accepting messages", "-", "RFC 3463", MailboxDisabled, Specific,
        "The mailbox exists but is disabled and does not accept messages."),
    (2, 2, "Mailbox full", "552", "RFC 3463", MailboxFull, Specific,
        "The recipient's mailbox is over its storage quota."),
    (2, 3, "Message length exceeds administrative limit", "552", "RFC 3463", MessageTooLarge, Specific,
        "The message is larger than this mailbox or site allows."),
    (2, 4, "Mailing list expansion problem", "450, 452", "RFC 3463", SystemError, Specific,
        "The recipient is a mailing list that could not be expanded to its members."),
    (3, 0, "Other or undefined mail system status", "221, 250, 421, 451, 550, 554", "RFC 3463", SystemError, Generic,
        "The destination mail system has a problem, without saying what."),
    (3, 1, "Mail system full", "452", "RFC 3463", SystemError, Specific,
        "The destination system is out of storage space."),
    (3, 2, "System not accepting network messages", "453, 521", "RFC 3463, RFC 7504", ServiceUnavailable, Specific,
        "The destination system is not accepting mail from the network (shutting down, or never takes mail)."),
    (3, 3, "System not capable of selected features", "-", "RFC 3463", ProtocolError, Specific,
        "The destination system does not support a feature the message or command requires."),
    (3, 4, "Message too big for system", "552, 554", "RFC 3463", MessageTooLarge, Specific,
        "The message is larger than the destination system accepts."),
    (3, 5, "System incorrectly configured", "-", "RFC 3463", SystemError, Specific,
        "The destination system is misconfigured and cannot take the message."),
    (3, 6, "Requested priority was changed", "250, 251", "RFC 6710", Accepted, Specific,
        "The message was accepted, but with a different priority than requested."),
    (4, 0, "Other or undefined network or routing status", "-", "RFC 3463", SystemError, Generic,
        "A network or routing problem occurred, without saying what."),
    (4, 1, "No answer from host", "451", "RFC 3463", SystemError, Specific,
        "The next mail server did not answer the connection attempt."),
    (4, 2, "Bad connection", "421", "RFC 3463", SystemError, Specific,
        "The connection to the next mail server was lost or broken."),
    (4, 3, "Directory server failure", "451, 550", "RFC 3463", SystemError, Specific,
        "A directory (DNS, LDAP) lookup the server needed failed."),
    (4, 4, "Unable to route", "-", "RFC 3463", DomainUnknown, Specific,
        "The system could not find where to deliver mail for the recipient's domain."),
    (4, 5, "Mail system congestion", "451", "RFC 3463", ServiceUnavailable, Specific,
        "The mail system is congested and is not taking more mail for now."),
    (4, 6, "Routing loop detected", "-", "RFC 3463", SystemError, Specific,
        "The message was passed around in a loop between servers and was stopped."),
    (4, 7, "Delivery time expired", "-", "RFC 3463", SystemError, Specific,
        "The message could not be delivered before its time in the queue ran out."),
    (5, 0, "Other or undefined protocol status", "220, 250-253, 451, 452, 454, 458, 459, 501-503, 554", "RFC 3463", ProtocolError, Generic,
        "An SMTP protocol problem occurred, without saying what."),
    (5, 1, "Invalid command", "430, 500, 501, 503, 530, 550, 554, 555", "RFC 3463", ProtocolError, Generic,
        "The server does not know the command or does not accept it at this point of the session."),
    (5, 2, "Syntax error", "500, 501, 502, 550, 555", "RFC 3463", ProtocolError, Generic,
        "A command was not syntactically valid."),
    (5, 3, "Too many recipients", "451", "RFC 3463", TooManyRecipients, Specific,
        "The message has more recipients than the server accepts at once."),
    (5, 4, "Invalid command arguments", "451, 501-504, 550, 555", "RFC 3463", ProtocolError, Generic,
        "A command's arguments or parameters are not valid."),
    (5, 5, "Wrong protocol version", "-", "RFC 3463", ProtocolError, Specific,
        "The two systems do not speak a compatible protocol version."),
    (5, 6, "Authentication Exchange line is too long", "500", "RFC 4954", AuthFailed, Specific,
        "An AUTH exchange line was longer than the server accepts."),
    (6, 0, "Other or undefined media error", "-", "RFC 3463", ContentRejected, Generic,
        "Something about the message content or format was refused, without saying what."),
    (6, 1, "Media not supported", "-", "RFC 3463", ContentRejected, Specific,
        "The message contains a media type the destination does not support."),
    (6, 2, "Conversion required and prohibited", "-", "RFC 3463", ContentRejected, Specific,
        "The message would need converting for the destination, but conversion is not allowed."),
    (6, 3, "Conversion required but not supported", "554", "RFC 3463", ContentRejected, Specific,
        "The message would need converting for the destination, and no conversion is available."),
    (6, 4, "Conversion with loss performed", "250", "RFC 3463", Accepted, Specific,
        "The message was delivered, but converting it lost some content."),
    (6, 5, "Conversion Failed", "-", "RFC 3463", ContentRejected, Specific,
        "Converting the message for the destination failed."),
    (6, 6, "Message content not available", "554", "RFC 4468", ContentRejected, Specific,
        "Content the message referred to (for BURL) could not be fetched."),
    (6, 7, "Non-ASCII addresses not permitted for that sender/recipient", "553, 550", "RFC 6531", BadAddress, Specific,
        "An address contains non-ASCII characters, which this server or recipient does not accept."),
    (6, 8, "UTF-8 string reply is required, but not permitted by the SMTP client", "252, 553, 550", "RFC 6531", ContentRejected, Specific,
        "The server would need to answer in UTF-8, but the client did not enable SMTPUTF8."),
    (6, 9, "UTF-8 header message cannot be transferred to one or more recipients, so the message must be rejected", "550", "RFC 6531", ContentRejected, Specific,
        "The message has UTF-8 headers that cannot be passed to one or more recipients."),
    (6, 10, "(deprecated; duplicate of X.6.8)", "-", "RFC 6531", ContentRejected, Specific,
        "A deprecated duplicate of X.6.8: a UTF-8 reply was needed but not permitted."),
    (7, 0, "Other or undefined security status", "220, 235, 450, 454, 500, 501, 503, 504, 530, 535, 550", "RFC 3463", PolicyRejected, Generic,
        "A security or policy check refused the action, without saying which."),
    (7, 1, "Delivery not authorized, message refused", "451, 454, 502, 503, 533, 550, 551", "RFC 3463", PolicyRejected, Generic,
        "The sender is not authorised to send this message to this recipient; the server's policy refused it."),
    (7, 2, "Mailing list expansion prohibited", "550", "RFC 3463", PolicyRejected, Specific,
        "The sender is not allowed to send to this mailing list."),
    (7, 3, "Security conversion required but not possible", "-", "RFC 3463", PolicyRejected, Specific,
        "The message would need a security conversion (e.g. encryption) that is not possible."),
    (7, 4, "Security features not supported", "504", "RFC 3463", PolicyRejected, Specific,
        "A security feature the message or command asks for is not supported."),
    (7, 5, "Cryptographic failure", "-", "RFC 3463", PolicyRejected, Specific,
        "A cryptographic operation on the message (signature, decryption) failed."),
    (7, 6, "Cryptographic algorithm not supported", "-", "RFC 3463", PolicyRejected, Specific,
        "The message uses a cryptographic algorithm the destination does not support."),
    (7, 7, "Message integrity failure", "-", "RFC 3463", ContentRejected, Specific,
        "The message failed an integrity check: it may have been altered in transit."),
    (7, 8, "Authentication credentials invalid", "535, 554", "RFC 4954", AuthFailed, Specific,
        "The username or password given with AUTH is wrong."),
    (7, 9, "Authentication mechanism is too weak", "534", "RFC 4954", AuthFailed, Specific,
        "The AUTH mechanism chosen is too weak for this server's policy."),
    (7, 10, "Encryption Needed", "523", "RFC 5248", TlsRequired, Specific,
        "The server requires an encrypted connection for this."),
    (7, 11, "Encryption required for requested authentication mechanism", "524, 538", "RFC 4954", TlsRequired, Specific,
        "This AUTH mechanism may only be used over an encrypted (TLS) connection."),
    (7, 12, "A password transition is needed", "422, 432", "RFC 4954", AuthFailed, Specific,
        "The account's password must be changed (or set up) before it can authenticate."),
    (7, 13, "User Account Disabled", "525", "RFC 5248", MailboxDisabled, Specific,
        "The account is disabled."),
    (7, 14, "Trust relationship required", "535, 554", "RFC 5248", AuthRequired, Specific,
        "The server requires a trust relationship (authentication) with the client that does not exist."),
    (7, 15, "Priority Level is too low", "450, 550", "RFC 6710", PolicyRejected, Specific,
        "The message's priority is too low for the server to accept it now."),
    (7, 16, "Message is too big for the specified priority", "552", "RFC 6710", MessageTooLarge, Specific,
        "The message is too large for the priority it was sent with."),
    (7, 17, "Mailbox owner has changed", "5XX", "RFC 7293", MailboxMoved, Specific,
        "The mailbox now belongs to someone else than the intended recipient (Require-Recipient-Valid-Since)."),
    (7, 18, "Domain owner has changed", "5XX", "RFC 7293", MailboxMoved, Specific,
        "The recipient's domain changed owner since the address was known valid (Require-Recipient-Valid-Since)."),
    (7, 19, "RRVS test cannot be completed", "5XX", "RFC 7293", PolicyRejected, Specific,
        "The server cannot check the Require-Recipient-Valid-Since condition, so it refuses the message."),
    (7, 20, "No passing DKIM signature found", "550", "RFC 7372, RFC 6376", DkimFailed, Specific,
        "The message had no DKIM signature that verified."),
    (7, 21, "No acceptable DKIM signature found", "550", "RFC 7372, RFC 6376", DkimFailed, Specific,
        "The message had DKIM signatures, but none acceptable to the receiver's policy."),
    (7, 22, "No valid author-matched DKIM signature found", "550", "RFC 7372, RFC 6376", DkimFailed, Specific,
        "No valid DKIM signature matched the author (From:) domain."),
    (7, 23, "SPF validation failed", "550", "RFC 7372, RFC 7208", SpfFailed, Specific,
        "The sending IP is not authorised by the sender domain's SPF record."),
    (7, 24, "SPF validation error", "451, 550", "RFC 7372, RFC 7208", SpfFailed, Specific,
        "The sender domain's SPF record could not be evaluated (DNS error or broken record)."),
    (7, 25, "Reverse DNS validation failed", "550", "RFC 7372", ReverseDns, Specific,
        "The sending IP's reverse DNS (PTR) is missing or does not match forward DNS."),
    (7, 26, "Multiple authentication checks failed", "550", "RFC 7372", SenderUnauthenticated, Specific,
        "Several sender authentication checks (SPF, DKIM, reverse DNS) failed."),
    (7, 27, "Sender address has null MX", "550", "RFC 7505", SenderRejected, Specific,
        "The sender's domain publishes a null MX, so it could never receive replies or bounces."),
    (7, 28, "Mail flood detected", "-", "draft-levine-mailbomb-header", RateLimited, Specific,
        "The receiver detected a flood of messages (mail bombing) and is refusing more."),
    (7, 29, "ARC validation failure", "550", "RFC 8617", SenderUnauthenticated, Specific,
        "The message's ARC (Authenticated Received Chain) did not validate."),
    (7, 30, "REQUIRETLS support required", "550", "RFC 8689", TlsRequired, Specific,
        "The message requires REQUIRETLS, which a server on the path does not support."),
}

macro_rules! basics {
    ($( ($code:literal, $meaning:literal, $reference:literal, $explain:literal), )*) => {
        const BASIC: &[BasicCode] = &[
            $( BasicCode { code: $code, meaning: $meaning, reference: $reference, explanation: $explain }, )*
        ];
    };
}

basics! {
    (211, "System status, or system help reply", "RFC 5321", "A status or help reply."),
    (214, "Help message", "RFC 5321", "Help text for a human reader."),
    (220, "<domain> Service ready", "RFC 5321", "The server is ready to talk."),
    (221, "<domain> Service closing transmission channel", "RFC 5321", "The server is closing the connection normally."),
    (235, "Authentication successful", "RFC 4954", "Authentication succeeded."),
    (250, "Requested mail action okay, completed", "RFC 5321", "The server accepted this step."),
    (251, "User not local; will forward to <forward-path>", "RFC 5321", "The recipient is elsewhere; the server accepted the message and will forward it."),
    (252, "Cannot VRFY user, but will accept message and attempt delivery", "RFC 5321", "The server will not confirm the address but accepts the message and will try to deliver it."),
    (334, "Server challenge (AUTH continuation)", "RFC 4954", "The server waits for the next step of the authentication exchange."),
    (354, "Start mail input; end with <CRLF>.<CRLF>", "RFC 5321", "The server accepted DATA and waits for the message body."),
    (421, "Service not available, closing transmission channel", "RFC 5321", "The server is not available now and is closing the connection; try again later."),
    (432, "A password transition is needed", "RFC 4954", "The account's password must be changed before authenticating."),
    (450, "Requested mail action not taken: mailbox unavailable", "RFC 5321", "The mailbox is not available right now (busy, or blocked for policy reasons); try again later."),
    (451, "Requested action aborted: local error in processing", "RFC 5321", "The server had a local problem processing this; try again later."),
    (452, "Requested action not taken: insufficient system storage", "RFC 5321", "The server is short of storage, or (at RCPT) has taken too many recipients; try again later."),
    (453, "You have no mail", "RFC 8437", "There is no mail to deliver (ATRN/ETRN)."),
    (454, "Temporary authentication failure / TLS not available due to temporary reason", "RFC 4954, RFC 3207", "Authentication or TLS is temporarily unavailable; try again later."),
    (455, "Server unable to accommodate parameters", "RFC 5321", "The server cannot handle the MAIL or RCPT parameters right now."),
    (458, "Unable to queue messages for node", "RFC 1985", "The server cannot queue mail for that node (ETRN)."),
    (459, "Node not allowed", "RFC 1985", "The node is not allowed (ETRN)."),
    (500, "Syntax error, command unrecognized", "RFC 5321", "The server did not recognise the command (or the line was too long)."),
    (501, "Syntax error in parameters or arguments", "RFC 5321", "A command's parameters or arguments are malformed."),
    (502, "Command not implemented", "RFC 5321", "The server does not implement this command."),
    (503, "Bad sequence of commands", "RFC 5321", "The command came out of order (or authentication is needed first)."),
    (504, "Command parameter not implemented", "RFC 5321", "The server does not implement this parameter (or AUTH mechanism)."),
    (521, "Host does not accept mail", "RFC 7504", "This host never accepts mail."),
    (523, "Encryption needed", "RFC 5248", "The server requires encryption for this."),
    (524, "Encryption required for requested authentication mechanism", "RFC 4954", "This AUTH mechanism may only be used over TLS."),
    (525, "User account disabled", "RFC 5248", "The account is disabled."),
    (530, "Authentication required", "RFC 4954", "The server requires authentication (or another precondition such as STARTTLS) first."),
    (534, "Authentication mechanism is too weak", "RFC 4954", "The AUTH mechanism is too weak for this server."),
    (535, "Authentication credentials invalid", "RFC 4954", "The username or password was refused."),
    (538, "Encryption required for requested authentication mechanism", "RFC 4954", "This AUTH mechanism may only be used over TLS."),
    (550, "Requested action not taken: mailbox unavailable", "RFC 5321", "The server refused: the mailbox is unavailable (not found, no access, or refused for policy reasons)."),
    (551, "User not local; please try <forward-path>", "RFC 5321", "The recipient is not here; the server names where to send instead."),
    (552, "Requested mail action aborted: exceeded storage allocation", "RFC 5321", "A storage limit was exceeded: the mailbox is full or the message too large."),
    (553, "Requested action not taken: mailbox name not allowed", "RFC 5321", "The address is not allowed (bad syntax or not permitted)."),
    (554, "Transaction failed (or, at connection open, no SMTP service here)", "RFC 5321", "The transaction failed; at connection time it means the server offers no SMTP service to this client."),
    (555, "MAIL FROM/RCPT TO parameters not recognized or not implemented", "RFC 5321", "The server does not know a MAIL or RCPT parameter the client sent."),
    (556, "Domain does not accept mail", "RFC 7504", "The recipient's domain does not accept mail (null MX)."),
}

#[cfg(test)]
mod tests;
