//! The vocabulary: outcomes, reasons, stages, providers, the classification context and
//! its result.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};
use smtping_proto::EnhancedCode;

/// What happened to the message (or the step) according to the server.
///
/// The outcome follows the basic reply code: 2xx and 3xx are [`Outcome::Accepted`],
/// 4xx [`Outcome::Deferred`], 5xx [`Outcome::Bounced`]. Text holding only an enhanced
/// status code takes the outcome from its class. Nothing to go on gives
/// [`Outcome::Unknown`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Outcome {
    /// The server took it (2xx, or a 3xx "go on").
    Accepted,
    /// Temporary refusal (4xx): a later retry may succeed.
    Deferred,
    /// Permanent refusal (5xx): the same attempt will fail again.
    Bounced,
    /// No reply code or enhanced code could be found.
    Unknown,
}

impl Outcome {
    /// Every outcome, in declaration order.
    pub const ALL: [Outcome; 4] = [
        Outcome::Accepted,
        Outcome::Deferred,
        Outcome::Bounced,
        Outcome::Unknown,
    ];

    /// The JSON string: `accepted`, `deferred`, `bounced` or `unknown`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::Deferred => "deferred",
            Outcome::Bounced => "bounced",
            Outcome::Unknown => "unknown",
        }
    }

    /// The outcome a basic reply code implies (2xx/3xx accepted, 4xx deferred, 5xx bounced).
    ///
    /// ```
    /// use smtping_classify::Outcome;
    /// assert_eq!(Outcome::from_code(250), Outcome::Accepted);
    /// assert_eq!(Outcome::from_code(354), Outcome::Accepted);
    /// assert_eq!(Outcome::from_code(451), Outcome::Deferred);
    /// assert_eq!(Outcome::from_code(550), Outcome::Bounced);
    /// assert_eq!(Outcome::from_code(199), Outcome::Unknown);
    /// ```
    #[must_use]
    pub const fn from_code(code: u16) -> Self {
        match code / 100 {
            2 | 3 => Outcome::Accepted,
            4 => Outcome::Deferred,
            5 => Outcome::Bounced,
            _ => Outcome::Unknown,
        }
    }

    /// The outcome an enhanced status code's class implies (2 accepted, 4 deferred,
    /// 5 bounced).
    #[must_use]
    pub const fn from_class(class: u8) -> Self {
        match class {
            2 => Outcome::Accepted,
            4 => Outcome::Deferred,
            5 => Outcome::Bounced,
            _ => Outcome::Unknown,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the names of a vocabulary.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} {value:?}: expected one of {expected}")]
pub struct ParseNameError {
    kind: &'static str,
    value: String,
    expected: &'static str,
}

impl ParseNameError {
    /// Which vocabulary was being parsed (`reason`, `stage`, `outcome`, `provider`).
    #[must_use]
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

impl FromStr for Outcome {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseNameError {
                kind: "outcome",
                value: s.to_owned(),
                expected: "accepted, deferred, bounced, unknown",
            })
    }
}

macro_rules! reasons {
    ($( $(#[$doc:meta])* $variant:ident = $name:literal, $meaning:literal, $explain:literal, $fix:literal; )*) => {
        /// Why the server answered as it did: the reason vocabulary of the design (§3).
        ///
        /// Serialised as snake_case strings (`"mailbox_unknown"`); [`Reason::as_str`],
        /// [`Display`](fmt::Display) and [`FromStr`] use the same names.
        ///
        /// ```
        /// use smtping_classify::Reason;
        /// let r: Reason = "spf_failed".parse().unwrap();
        /// assert_eq!(r, Reason::SpfFailed);
        /// assert_eq!(r.to_string(), "spf_failed");
        /// assert_eq!(serde_json::to_string(&r).unwrap(), "\"spf_failed\"");
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum Reason {
            $( $(#[$doc])* $variant, )*
        }

        impl Reason {
            /// Every reason, in vocabulary order.
            pub const ALL: &'static [Reason] = &[ $( Reason::$variant, )* ];

            /// The JSON string, e.g. `"mailbox_unknown"`.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $( Reason::$variant => $name, )* }
            }

            /// The short meaning from the vocabulary table.
            #[must_use]
            pub const fn meaning(self) -> &'static str {
                match self { $( Reason::$variant => $meaning, )* }
            }

            /// A default one-sentence explanation, used when no rule or code says more.
            #[must_use]
            pub const fn default_explanation(self) -> &'static str {
                match self { $( Reason::$variant => $explain, )* }
            }

            /// A default one-sentence remediation, used when no rule says more.
            #[must_use]
            pub const fn default_remediation(self) -> &'static str {
                match self { $( Reason::$variant => $fix, )* }
            }
        }
    };
}

reasons! {
    /// The server took it.
    Accepted = "accepted", "the server took it",
        "The server accepted this step.",
        "Nothing to fix.";
    /// The recipient address does not exist.
    MailboxUnknown = "mailbox_unknown", "recipient address does not exist",
        "The receiving server says this mailbox does not exist.",
        "Check the address for typos and remove it from your lists if it is correct as written.";
    /// The account is disabled, suspended or inactive.
    MailboxDisabled = "mailbox_disabled", "account disabled, suspended or inactive",
        "The mailbox exists but is disabled, suspended or inactive and does not take mail.",
        "Stop sending to this address; ask the recipient for a working one if they still want mail.";
    /// The mailbox moved and left no forwarding address.
    MailboxMoved = "mailbox_moved", "moved, no forwarding address",
        "The mailbox has moved or changed owner and the server gives no forwarding address.",
        "Ask the recipient for their new address and update your records.";
    /// The mailbox is over quota.
    MailboxFull = "mailbox_full", "over quota",
        "The recipient's mailbox is full.",
        "Retry later or reach the recipient another way; repeated over-quota bounces usually mean an abandoned mailbox.";
    /// The recipient domain does not exist or cannot be routed.
    DomainUnknown = "domain_unknown", "recipient domain does not exist or cannot be routed",
        "The recipient's domain does not exist or mail for it cannot be routed.",
        "Check the domain part of the address for typos; if it is right, the domain's DNS (MX/A records) is broken.";
    /// The domain publishes a null MX (RFC 7505): it accepts no mail.
    NullMx = "null_mx", "domain publishes a null MX: accepts no mail",
        "The recipient's domain publishes a null MX record (RFC 7505): it accepts no email at all.",
        "Remove the address; this domain has declared that it never receives mail.";
    /// The address syntax is invalid.
    BadAddress = "bad_address", "address syntax invalid",
        "The address is not syntactically valid.",
        "Fix the address syntax (local-part@domain, no spaces or stray characters) before sending.";
    /// The envelope sender was refused.
    SenderRejected = "sender_rejected", "envelope sender refused (unknown/unresolvable domain, not owned, blocked sender)",
        "The server refused the envelope sender (MAIL FROM) address.",
        "Send from an address whose domain resolves and that you are allowed to use, and check that the sender is not blocked by the recipient.";
    /// Relaying is not permitted for this client.
    RelayDenied = "relay_denied", "relaying not permitted for this client",
        "The server does not accept mail for this recipient's domain from this client (relaying denied).",
        "Deliver to the recipient domain's own MX hosts, or authenticate to this server if it is your outbound relay.";
    /// The server requires SMTP AUTH first.
    AuthRequired = "auth_required", "server requires SMTP AUTH first",
        "The server requires the client to authenticate (SMTP AUTH) before it accepts this.",
        "Configure SMTP authentication with valid credentials, usually on the submission port 587 after STARTTLS.";
    /// Credentials or mechanism refused.
    AuthFailed = "auth_failed", "credentials or mechanism refused",
        "The server refused the authentication credentials or mechanism.",
        "Check the username, password or app password and use a mechanism the server offers over TLS.";
    /// The server or route requires encryption first.
    TlsRequired = "tls_required", "server (or route) requires encryption first",
        "The server or route requires an encrypted (TLS) connection for this.",
        "Enable STARTTLS (or implicit TLS) on the sending side with TLS 1.2 or newer.";
    /// SPF failed.
    SpfFailed = "spf_failed", "SPF check failed",
        "The sending IP address is not authorised by the sender domain's SPF record.",
        "Add the sending server's IP or include to the SPF record of the envelope sender domain and avoid SPF hard failures.";
    /// DKIM failed.
    DkimFailed = "dkim_failed", "DKIM check failed",
        "The message had no valid DKIM signature acceptable to the receiver.",
        "Sign outgoing mail with DKIM for your domain and check that the published key matches the signing key.";
    /// DMARC failed.
    DmarcFailed = "dmarc_failed", "DMARC check failed",
        "The message failed the From domain's DMARC policy (no aligned SPF or DKIM pass).",
        "Make SPF or DKIM pass for a domain aligned with the From: header and publish a DMARC record.";
    /// Must pass SPF or DKIM; several checks failed, none named.
    SenderUnauthenticated = "sender_unauthenticated", "must pass SPF or DKIM / several checks failed, none named",
        "The message was refused because it was not authenticated (SPF and/or DKIM did not pass).",
        "Publish SPF and sign with DKIM for the sending domain, aligned with the From: domain (DMARC).";
    /// Missing or mismatched PTR / FCrDNS.
    ReverseDns = "reverse_dns", "missing or mismatched PTR / FCrDNS",
        "The sending IP address has no reverse DNS (PTR) or it does not match forward DNS.",
        "Ask whoever controls the sending IP to set a PTR record to a host name that resolves back to the same IP.";
    /// IP or domain on a named blocklist.
    Blocklisted = "blocklisted", "IP or domain on a named blocklist",
        "The sending IP address or a domain in the message is on a blocklist the receiver uses.",
        "Look the IP and domains up on the named list, fix the cause (compromised host, spam, open relay) and request delisting.";
    /// Reputation-based refusal without a named list.
    BadReputation = "bad_reputation", "reputation-based refusal without a named list",
        "The receiver refused the mail because of the sender's reputation (IP, domain or complaint history).",
        "Reduce complaints and unknown recipients, warm up volume gradually and use the provider's postmaster tools to follow your reputation.";
    /// Volume, rate or quota limits.
    RateLimited = "rate_limited", "volume, rate or quota limits",
        "The receiver is limiting the rate or volume of mail from this sender or to this recipient.",
        "Slow down and let your server retry later; spread sending over time.";
    /// Concurrent connection limit.
    TooManyConnections = "too_many_connections", "concurrent connection limit",
        "The server refused because the client has too many simultaneous connections open.",
        "Lower the number of concurrent connections to this destination and retry.";
    /// Greylisting: retry later.
    Greylisted = "greylisted", "greylisting: retry later",
        "The server is greylisting: it temporarily refuses unknown senders and expects a retry.",
        "Nothing to fix: a normal mail server retries after a few minutes and the retry is accepted.";
    /// Content judged spam.
    SpamDetected = "spam_detected", "content judged spam",
        "The receiver's filter judged the message to be spam.",
        "Review the content, links and authentication of the message, and send only to people who asked for it.";
    /// Malware found.
    VirusDetected = "virus_detected", "malware found",
        "The receiver found malware or a dangerous attachment in the message.",
        "Remove the infected or executable attachment, scan the sending system, and resend.";
    /// Message format/headers not compliant or media refused.
    ContentRejected = "content_rejected", "message format/headers not compliant or media refused",
        "The message format, headers or attachments were refused.",
        "Make the message RFC 5322 compliant (From, Date, Message-ID headers, CRLF line ends) and avoid refused attachment types.";
    /// Local policy, nothing more specific said.
    PolicyRejected = "policy_rejected", "local policy, nothing more specific said",
        "The receiver refused the mail under a local policy without saying more.",
        "Contact the recipient's postmaster with the full rejection text to learn which policy applies.";
    /// Recipient limit.
    TooManyRecipients = "too_many_recipients", "recipient limit",
        "The message has more recipients than the server accepts in one transaction.",
        "Send to fewer recipients per message; your server should resend the rest in another transaction.";
    /// Size limit.
    MessageTooLarge = "message_too_large", "size limit",
        "The message is larger than the receiving server accepts.",
        "Reduce the message size (smaller or linked attachments) below the server's announced SIZE limit.";
    /// Server not accepting mail.
    ServiceUnavailable = "service_unavailable", "server not accepting mail (421 at greeting, 554 no service)",
        "The server is not accepting mail at the moment (or at all on this address).",
        "Retry later; if it persists, check that this is the right host and that the service is meant to take mail.";
    /// Remote internal or resource trouble.
    SystemError = "system_error", "remote internal or resource trouble",
        "The receiving system had an internal, resource or routing problem.",
        "Retry later; if it persists, tell the receiving postmaster, the fault is on their side.";
    /// Syntax or command-sequence error.
    ProtocolError = "protocol_error", "syntax or command-sequence error",
        "The server rejected a command as malformed or out of sequence.",
        "Check the SMTP client: commands, parameters and order must follow RFC 5321.";
    /// Not enough to tell.
    Unknown = "unknown", "not enough to tell",
        "The reply does not say enough to tell why.",
        "Read the full server text and, if unclear, ask the receiving postmaster.";
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Reason {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Reason::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseNameError {
                kind: "reason",
                value: s.to_owned(),
                expected: "a reason of the vocabulary, e.g. mailbox_unknown, spf_failed, rate_limited",
            })
    }
}

/// The SMTP step a reply answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Stage {
    /// TCP connect (no reply yet).
    Connect,
    /// The server's greeting banner.
    Greeting,
    /// EHLO or HELO.
    Ehlo,
    /// STARTTLS.
    Starttls,
    /// AUTH.
    Auth,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// The DATA command (before the body).
    Data,
    /// The end of the body (after `<CRLF>.<CRLF>`).
    DataEnd,
    /// QUIT.
    Quit,
}

impl Stage {
    /// Every stage, in session order.
    pub const ALL: [Stage; 10] = [
        Stage::Connect,
        Stage::Greeting,
        Stage::Ehlo,
        Stage::Starttls,
        Stage::Auth,
        Stage::Mail,
        Stage::Rcpt,
        Stage::Data,
        Stage::DataEnd,
        Stage::Quit,
    ];

    /// The JSON string, e.g. `"data_end"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Stage::Connect => "connect",
            Stage::Greeting => "greeting",
            Stage::Ehlo => "ehlo",
            Stage::Starttls => "starttls",
            Stage::Auth => "auth",
            Stage::Mail => "mail",
            Stage::Rcpt => "rcpt",
            Stage::Data => "data",
            Stage::DataEnd => "data_end",
            Stage::Quit => "quit",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = ParseNameError;

    /// Accepts the snake_case names plus a few spellings people use: `helo`, `tls`,
    /// `mail_from`, `rcpt_to`, `end_of_data`, `banner`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let stage = match norm.as_str() {
            "connect" => Stage::Connect,
            "greeting" | "banner" => Stage::Greeting,
            "ehlo" | "helo" => Stage::Ehlo,
            "starttls" | "tls" => Stage::Starttls,
            "auth" => Stage::Auth,
            "mail" | "mail_from" => Stage::Mail,
            "rcpt" | "rcpt_to" => Stage::Rcpt,
            "data" => Stage::Data,
            "data_end" | "end_of_data" | "dot" => Stage::DataEnd,
            "quit" => Stage::Quit,
            _ => {
                return Err(ParseNameError {
                    kind: "stage",
                    value: s.to_owned(),
                    expected: "connect, greeting, ehlo, starttls, auth, mail, rcpt, data, data_end, quit",
                });
            }
        };
        Ok(stage)
    }
}

/// A mail provider or blocklist operator recognised from the reply text, the remote host
/// name or the recipient domain. Serialised in lowercase (`"google"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Google (Gmail, Google Workspace).
    Google,
    /// Microsoft (Outlook.com, Hotmail, Exchange Online / Microsoft 365).
    Microsoft,
    /// Yahoo and AOL (Yahoo Inc.).
    Yahoo,
    /// Apple iCloud Mail.
    Apple,
    /// Proofpoint (and Proofpoint Essentials / Cloudmark).
    Proofpoint,
    /// Mimecast.
    Mimecast,
    /// The Spamhaus Project blocklists.
    Spamhaus,
    /// Barracuda Reputation Block List.
    Barracuda,
    /// SpamCop blocking list.
    Spamcop,
    /// SORBS.
    Sorbs,
    /// UCEPROTECT.
    Uceprotect,
}

impl Provider {
    /// Every provider.
    pub const ALL: [Provider; 11] = [
        Provider::Google,
        Provider::Microsoft,
        Provider::Yahoo,
        Provider::Apple,
        Provider::Proofpoint,
        Provider::Mimecast,
        Provider::Spamhaus,
        Provider::Barracuda,
        Provider::Spamcop,
        Provider::Sorbs,
        Provider::Uceprotect,
    ];

    /// The JSON string, e.g. `"microsoft"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Provider::Google => "google",
            Provider::Microsoft => "microsoft",
            Provider::Yahoo => "yahoo",
            Provider::Apple => "apple",
            Provider::Proofpoint => "proofpoint",
            Provider::Mimecast => "mimecast",
            Provider::Spamhaus => "spamhaus",
            Provider::Barracuda => "barracuda",
            Provider::Spamcop => "spamcop",
            Provider::Sorbs => "sorbs",
            Provider::Uceprotect => "uceprotect",
        }
    }

    /// A display name, e.g. `"Microsoft"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Provider::Google => "Google",
            Provider::Microsoft => "Microsoft",
            Provider::Yahoo => "Yahoo",
            Provider::Apple => "Apple iCloud",
            Provider::Proofpoint => "Proofpoint",
            Provider::Mimecast => "Mimecast",
            Provider::Spamhaus => "Spamhaus",
            Provider::Barracuda => "Barracuda",
            Provider::Spamcop => "SpamCop",
            Provider::Sorbs => "SORBS",
            Provider::Uceprotect => "UCEPROTECT",
        }
    }

    pub(crate) const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Provider {
    type Err = ParseNameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        Provider::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| ParseNameError {
                kind: "provider",
                value: s.to_owned(),
                expected: "google, microsoft, yahoo, apple, proofpoint, mimecast, spamhaus, barracuda, spamcop, sorbs, uceprotect",
            })
    }
}

/// What the caller knows besides the reply: all optional.
///
/// ```
/// use smtping_classify::{Context, Stage};
/// let ctx = Context::new()
///     .stage(Stage::Rcpt)
///     .remote_host("gmail-smtp-in.l.google.com")
///     .recipient_domain("gmail.com");
/// assert_eq!(ctx.stage, Some(Stage::Rcpt));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Context<'a> {
    /// The step the reply answered; free text may also reveal it (Postfix's "in reply to
    /// RCPT TO command"), used only when this is `None`.
    pub stage: Option<Stage>,
    /// The host name of the server that replied (e.g. an MX host).
    pub remote_host: Option<&'a str>,
    /// The recipient's domain.
    pub recipient_domain: Option<&'a str>,
}

impl<'a> Context<'a> {
    /// An empty context.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            stage: None,
            remote_host: None,
            recipient_domain: None,
        }
    }

    /// Sets the stage.
    #[must_use]
    pub const fn stage(mut self, stage: Stage) -> Self {
        self.stage = Some(stage);
        self
    }

    /// Sets the remote host name.
    #[must_use]
    pub const fn remote_host(mut self, host: &'a str) -> Self {
        self.remote_host = Some(host);
        self
    }

    /// Sets the recipient domain (an address `user@domain` is accepted too).
    #[must_use]
    pub const fn recipient_domain(mut self, domain: &'a str) -> Self {
        self.recipient_domain = Some(domain);
        self
    }
}

/// The answer: outcome, reason, codes, provider and one sentence each of explanation and
/// remediation.
///
/// JSON field names are a contract: `outcome`, `reason`, `code`, `enhanced`, `hard`,
/// `provider`, `explanation`, `remediation` (plus `stage` and `matched_rule`).
///
/// ```
/// use smtping_classify::{classify_text, Context, Outcome, Reason};
/// let c = classify_text("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown", &Context::default());
/// let json = serde_json::to_value(&c).unwrap();
/// assert_eq!(json["outcome"], "bounced");
/// assert_eq!(json["reason"], "mailbox_unknown");
/// assert_eq!(json["code"], 550);
/// assert_eq!(json["enhanced"], "5.1.1");
/// assert_eq!(json["hard"], true);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Classification {
    /// Accepted, deferred, bounced or unknown (from the reply code).
    pub outcome: Outcome,
    /// Why, from the reason vocabulary.
    pub reason: Reason,
    /// The basic reply code, when one was found.
    pub code: Option<u16>,
    /// The enhanced status code (serialised as `"5.7.606"`), when one was found and its
    /// class agrees with the reply code.
    #[serde(with = "enhanced_serde")]
    pub enhanced: Option<EnhancedCode>,
    /// `true` when retrying this recipient can never succeed (see the crate docs).
    pub hard: bool,
    /// The provider whose rule matched, or that was recognised.
    pub provider: Option<Provider>,
    /// One sentence: what the server meant.
    pub explanation: String,
    /// One sentence: what to do about it.
    pub remediation: String,
    /// The stage the reply answered (from the context or the text), when known.
    pub stage: Option<Stage>,
    /// The id of the rule that decided the reason (`"google.spf_failed"`,
    /// `"registry.5.1.1"`, `"basic.552"`), for audit; `None` when nothing matched.
    pub matched_rule: Option<String>,
}

impl Classification {
    /// `true` for [`Outcome::Accepted`].
    #[must_use]
    pub fn is_accepted(&self) -> bool {
        self.outcome == Outcome::Accepted
    }
}

pub(crate) mod enhanced_serde {
    use serde::{Deserialize, Deserializer, Serializer};
    use smtping_proto::EnhancedCode;

    pub(crate) fn serialize<S: Serializer>(
        code: &Option<EnhancedCode>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match code {
            Some(c) => s.collect_str(c),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<EnhancedCode>, D::Error> {
        let text: Option<std::borrow::Cow<'de, str>> = Option::deserialize(d)?;
        match text {
            None => Ok(None),
            Some(t) => t.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}
