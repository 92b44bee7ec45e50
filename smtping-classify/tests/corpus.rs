//! A realistic corpus: replies and bounce diagnostics as providers and MTAs send them,
//! with the reason, outcome and provider each must get.

use smtping_classify::{Context, Outcome, Provider, Reason, classify_text};

struct Case {
    text: &'static str,
    host: Option<&'static str>,
    outcome: Outcome,
    reason: Reason,
    provider: Option<Provider>,
}

const fn case(
    text: &'static str,
    outcome: Outcome,
    reason: Reason,
    provider: Option<Provider>,
) -> Case {
    Case {
        text,
        host: None,
        outcome,
        reason,
        provider,
    }
}

const fn at(
    host: &'static str,
    text: &'static str,
    outcome: Outcome,
    reason: Reason,
    provider: Option<Provider>,
) -> Case {
    Case {
        text,
        host: Some(host),
        outcome,
        reason,
        provider,
    }
}

use Outcome::{Accepted as A, Bounced as B, Deferred as D};
use Provider::*;
use Reason::*;

const CORPUS: &[Case] = &[
    // Google
    case(
        "550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550 5.1.1 double-checking the recipient's email address. - gsmtp",
        B,
        MailboxUnknown,
        Some(Google),
    ),
    case(
        "550 5.7.1 [192.0.2.1] Messages missing a valid messageId header are not accepted. - gsmtp",
        B,
        ContentRejected,
        Some(Google),
    ),
    case(
        "421-4.7.0 [192.0.2.1 15] Our system has detected that this message is suspicious due to the very low reputation of the sending IP address. - gsmtp",
        D,
        BadReputation,
        Some(Google),
    ),
    case(
        "550-5.7.25 [2001:db8::1] The IP address sending this message does not have a PTR record setup. - gsmtp",
        B,
        ReverseDns,
        Some(Google),
    ),
    at(
        "aspmx.l.google.com",
        "550 5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy.",
        B,
        DmarcFailed,
        Some(Google),
    ),
    at(
        "aspmx.l.google.com",
        "452 4.2.2 The email account that you tried to reach is over quota.",
        D,
        MailboxFull,
        Some(Google),
    ),
    case(
        "421 4.7.28 [192.0.2.25] Gmail has detected an unusual rate of mail originating from your IP Netblock 192.0.2.0/24. To protect our users from spam, mail has been temporarily rate limited. - gsmtp",
        D,
        RateLimited,
        Some(Google),
    ),
    // Microsoft
    case(
        "550 5.7.1 Unfortunately, messages from [203.0.113.44] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3140). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors. [DB3EUR04FT003.eop-eur04.prod.protection.outlook.com]",
        B,
        Blocklisted,
        Some(Microsoft),
    ),
    case(
        "550 5.5.0 Requested action not taken: mailbox unavailable (3150004201:1A0C:...) [BN3NAM04FT010.eop-NAM04.prod.protection.outlook.com]",
        B,
        MailboxUnknown,
        Some(Microsoft),
    ),
    at(
        "contoso-com.mail.protection.outlook.com",
        "451 4.7.500 Access denied, please try again later. AS(842)",
        D,
        BadReputation,
        Some(Microsoft),
    ),
    at(
        "contoso-com.mail.protection.outlook.com",
        "550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains.",
        B,
        SenderRejected,
        Some(Microsoft),
    ),
    case(
        "451 4.7.650 The mail server [198.51.100.1] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)",
        D,
        BadReputation,
        Some(Microsoft),
    ),
    case(
        "Remote Server returned '550 5.4.1 [trinik@dhs.example]: Recipient address rejected: Access denied [CY1GCC01FT007.eop-gcc01.prod.protection.outlook.com]'",
        B,
        MailboxUnknown,
        Some(Microsoft),
    ),
    // Yahoo / AOL
    case(
        "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
        D,
        BadReputation,
        Some(Yahoo),
    ),
    case(
        "421 4.7.0 [TS01] Messages from 192.0.2.25 temporarily deferred due to user complaints - 4.16.55.1; see https://help.yahoo.com/kb/postmaster",
        D,
        BadReputation,
        Some(Yahoo),
    ),
    at(
        "mx-aol.mail.gm0.yahoodns.net",
        "554 5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes",
        B,
        PolicyRejected,
        Some(Yahoo),
    ),
    case(
        "552 1 Requested mail action aborted, mailbox not found - mta1001.mail.bf1.yahoo.com",
        B,
        MailboxUnknown,
        Some(Yahoo),
    ),
    // Apple
    case(
        "550 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137",
        B,
        PolicyRejected,
        Some(Apple),
    ),
    case(
        "554 5.7.0 Blocked - see https://support.proofpoint.com/dnsbl-lookup.cgi?ip=192.0.2.1 (mx01.mail.icloud.com)",
        B,
        Blocklisted,
        Some(Proofpoint),
    ),
    case(
        "550 5.7.1 Your email was rejected due to having a domain present in the Spamhaus DBL -- see https://www.spamhaus.org/dbl/ (icloud.com)",
        B,
        Blocklisted,
        Some(Spamhaus),
    ),
    // Proofpoint / Mimecast
    at(
        "mx0a-00123.pphosted.com",
        "554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.1",
        B,
        Blocklisted,
        Some(Proofpoint),
    ),
    case(
        "550 Rejected by header based Blocked Senders - block policy for Header From - https://community.mimecast.com/docs/DOC-1369#550 [XYZ.uk250]",
        B,
        SenderRejected,
        Some(Mimecast),
    ),
    case(
        "451 Internal resources are temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451 [abc.us123]",
        D,
        Greylisted,
        Some(Mimecast),
    ),
    // Blocklists
    case(
        "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using b.barracudacentral.org; http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.25",
        B,
        Blocklisted,
        Some(Barracuda),
    ),
    case(
        "550 5.7.1 Mail from 192.0.2.25 refused because it is listed by bl.spamcop.net",
        B,
        Blocklisted,
        Some(Spamcop),
    ),
    case(
        "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using bl.mailspike.net",
        B,
        Blocklisted,
        None,
    ),
    // Postfix / Exim / Sendmail / Exchange / qmail / greylisting
    case(
        "host mail.example.org[192.0.2.1] said: 450 4.7.1 <alice@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html (in reply to RCPT TO command)",
        D,
        Greylisted,
        None,
    ),
    case(
        "451 4.7.1 Please try again later (TEMPFAIL)",
        D,
        PolicyRejected,
        None,
    ),
    case(
        "450 4.1.8 <noreply@nowhere.invalid>: Sender address rejected: Domain not found",
        D,
        SenderRejected,
        None,
    ),
    case(
        "550 5.1.1 <nobody@example.org>... User unknown",
        B,
        MailboxUnknown,
        None,
    ),
    case(
        "553 5.3.0 <x@example.org>... No such user here",
        B,
        MailboxUnknown,
        None,
    ),
    case(
        "550 5.7.1 <bob@other.example>... Relaying denied. Proper authentication required.",
        B,
        RelayDenied,
        None,
    ),
    case(
        "SMTP error from remote mail server after end of data:\n    552 Message size exceeds maximum permitted",
        B,
        MessageTooLarge,
        None,
    ),
    case(
        "SMTP error from remote mail server after MAIL FROM:<a@b.example> SIZE=2048:\n    421 Too many concurrent SMTP connections; please try again later.",
        D,
        TooManyConnections,
        None,
    ),
    case(
        "550 5.2.1 Content Filter agent quarantined this message",
        B,
        SpamDetected,
        None,
    ),
    case("535 5.7.3 Authentication unsuccessful", B, AuthFailed, None),
    case(
        "550 sorry, no mailbox here by that name. (#5.1.1)",
        B,
        MailboxUnknown,
        None,
    ),
    case(
        "553 sorry, that domain isn't in my list of allowed rcpthosts (#5.7.1)",
        B,
        RelayDenied,
        None,
    ),
    case(
        "552 5.2.2 <carol@example.org> Mailbox is full / Quota exceeded",
        B,
        MailboxFull,
        None,
    ),
    case(
        "550 5.7.1 Email rejected per DMARC policy for example.com (reject)",
        B,
        DmarcFailed,
        None,
    ),
    case(
        "554 5.7.1 Rejected: Infected: Win.Trojan.Agent-12345 FOUND",
        B,
        VirusDetected,
        None,
    ),
    case("250 2.0.0 Ok: queued as 4Zx550abc", A, Accepted, None),
    case(
        "250 2.6.0 <20250101@example.com> [InternalId=1234, Hostname=EX01.contoso.local] Queued mail for delivery",
        A,
        Accepted,
        None,
    ),
    case("554 5.7.1 Spam message rejected", B, SpamDetected, None),
    case(
        "554 5.6.1 Body type not supported by Remote Host",
        B,
        ContentRejected,
        None,
    ),
];

#[test]
fn corpus() {
    let mut failures = Vec::new();
    for c in CORPUS {
        let ctx = match c.host {
            Some(h) => Context::new().remote_host(h),
            None => Context::new(),
        };
        let got = classify_text(c.text, &ctx);
        if (got.outcome, got.reason, got.provider) != (c.outcome, c.reason, c.provider) {
            failures.push(format!(
                "{:?}\n   expected {:?}/{:?}/{:?}, got {:?}/{:?}/{:?} via {:?}",
                c.text,
                c.outcome,
                c.reason,
                c.provider,
                got.outcome,
                got.reason,
                got.provider,
                got.matched_rule
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        CORPUS.len(),
        failures.join("\n")
    );
}
