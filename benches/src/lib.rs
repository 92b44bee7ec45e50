//! The shared corpus for SMTPing's benchmarks: greetings, EHLO replies from several MTAs,
//! and success and rejection replies (multi-line included), as real servers send them.
//!
//! The same bytes feed SMTPing, `smtp-proto` and `lettre` in `benches/parse.rs`, so the
//! figures in `docs/performance.md` compare like with like.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Greetings, command replies and rejections (every one a complete reply with CRLF,
/// accepted by all three parsers).
pub const REPLIES: &[&str] = &[
    "220 mx.google.com ESMTP a640c23a62f3a-a9a0f1b1c2dsi1234567ab.123 - gsmtp\r\n",
    "220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n",
    "220 AM0PR04CA0123.outlook.office365.com Microsoft ESMTP MAIL Service ready at Sat, 28 Nov 2026 05:30:00 +0000 [08DD0A1B2C3D4E5F]\r\n",
    "220-mx.example.net ESMTP Exim 4.97 Sat, 28 Nov 2026 05:30:00 +0000\r\n220-We do not authorize the use of this system to transport unsolicited,\r\n220 and/or bulk e-mail.\r\n",
    "250 2.1.0 Ok\r\n",
    "250 2.1.5 Ok\r\n",
    "354 End data with <CR><LF>.<CR><LF>\r\n",
    "250 2.0.0 Ok: queued as 4Zx7Jm0qJ7z9sWd\r\n",
    "250 2.0.0 OK  1732771800 a640c23a62f3a-a9a0f1b1c2dsi1234567ab.123 - gsmtp\r\n",
    "221 2.0.0 Bye\r\n",
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550-5.1.1 unnecessary spaces. For more information, go to\r\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a640c23a62f3a-a9a0f1b1c2dsi.123 - gsmtp\r\n",
    "550 5.7.606 Access denied, banned sending IP [192.0.2.10]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430) [AM0PR04CA0123.eurprd04.prod.outlook.com]\r\n",
    "451 4.7.1 <alice@example.org>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/example.org.html\r\n",
    "421-4.7.28 [192.0.2.10      15] Our system has detected an unusual rate of\r\n421-4.7.28 unsolicited mail originating from your IP address. To protect our\r\n421-4.7.28 users from spam, mail sent from your IP address has been temporarily\r\n421 4.7.28 rate limited. https://support.google.com/mail/answer/188131 - gsmtp\r\n",
    "552 5.3.4 Message size exceeds fixed limit\r\n",
    "554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10\r\n",
    "530 5.7.0 Must issue a STARTTLS command first\r\n",
    "535 5.7.8 Error: authentication failed: authentication failure\r\n",
    "553 5.7.1 <probe@example.com>: Sender address rejected: not owned by user alice\r\n",
];
// A bare `250` (legal, RFC 5321 §4.2) is left out: lettre refuses it, and the comparison
// needs input every parser accepts. SMTPing's own tests cover it.

/// EHLO replies as Postfix, Exim, Exchange Online, Gmail, Yahoo, Sendmail, OpenSMTPD and
/// Haraka send them, and the submission servers of Gmail (`smtp.gmail.com`) and Microsoft 365
/// (`smtp.office365.com`) after STARTTLS, as they answer in 2026 (client address replaced).
pub const EHLO: &[&str] = &[
    // Postfix
    "250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n",
    // Exim
    "250-mx.example.net Hello client.example.com [192.0.2.10]\r\n250-SIZE 52428800\r\n250-LIMITS MAILMAX=1000 RCPTMAX=50000\r\n250-8BITMIME\r\n250-PIPELINING\r\n250-PIPECONNECT\r\n250-AUTH PLAIN LOGIN\r\n250-CHUNKING\r\n250-STARTTLS\r\n250-SMTPUTF8\r\n250 HELP\r\n",
    // Exchange Online
    "250-AM0PR04CA0123.outlook.office365.com Hello [192.0.2.10]\r\n250-SIZE 157286400\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
    // Gmail
    "250-mx.google.com at your service, [192.0.2.10]\r\n250-SIZE 157286400\r\n250-8BITMIME\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
    // Yahoo
    "250-mta7004.mail.gq1.yahoo.com Hello client.example.com [192.0.2.10])\r\n250-PIPELINING\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-SIZE 41943040\r\n250 STARTTLS\r\n",
    // Sendmail
    "250-mail.example.com Hello client.example.com [192.0.2.10], pleased to meet you\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 20000000\r\n250-DSN\r\n250-ETRN\r\n250-AUTH DIGEST-MD5 CRAM-MD5 LOGIN PLAIN\r\n250-STARTTLS\r\n250-DELIVERBY\r\n250 HELP\r\n",
    // OpenSMTPD (submission, after TLS)
    "250-smtp.example.org Hello client.example.com [192.0.2.10], pleased to meet you\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 36700160\r\n250-DSN\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n",
    // Haraka, legacy AUTH=
    "250-haraka.example.org Hello client.example.com [192.0.2.10], Haraka is at your service.\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-SIZE 0\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-AUTH=PLAIN LOGIN CRAM-MD5\r\n250 STARTTLS\r\n",
    // Gmail submission (smtp.gmail.com:587, after STARTTLS)
    "250-smtp.gmail.com at your service, [192.0.2.10]\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n250-AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH\r\n250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
    // Microsoft 365 submission (smtp.office365.com:587, after STARTTLS)
    "250-PA7P264CA0123.outlook.office365.com Hello [192.0.2.10]\r\n250-SIZE 157286400\r\n250-PIPELINING\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-AUTH LOGIN XOAUTH2\r\n250-8BITMIME\r\n250-BINARYMIME\r\n250-CHUNKING\r\n250 SMTPUTF8\r\n",
];

/// Total bytes of a corpus, for throughput figures.
#[must_use]
pub fn corpus_bytes(corpus: &[&str]) -> u64 {
    corpus.iter().map(|s| s.len() as u64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every corpus entry is exactly one valid reply, and the EHLO ones parse as such.
    #[test]
    fn corpus_is_valid() {
        for s in REPLIES.iter().chain(EHLO) {
            let (r, used) = smtping_proto::parse_reply(s.as_bytes())
                .unwrap()
                .unwrap_or_else(|| panic!("incomplete: {s:?}"));
            assert_eq!(used, s.len(), "{s:?}");
            assert!(!r.has_bare_lf());
        }
        for s in EHLO {
            let (r, _) = smtping_proto::parse_reply(s.as_bytes()).unwrap().unwrap();
            let ext = smtping_proto::Extensions::from_ehlo(&r).unwrap();
            assert!(ext.keywords().count() >= 5, "{s:?}");
        }
    }
}
