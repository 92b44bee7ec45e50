//! Google (Gmail and Google Workspace). Replies end in `- gsmtp`; Workspace admin rules
//! add `- gcdp`. Google gives its own meaning to several registry codes: 5.7.27 SPF,
//! 5.7.29 no TLS, 5.7.30 DKIM, 5.7.32 and 5.7.40 DMARC, 4.7.28 rate limiting.

use super::{CodeMatch as C, Rule};
use crate::model::{Provider, Reason::*};

const P: Option<Provider> = Some(Provider::Google);

pub(super) const RULES: &[Rule] = &[
    Rule::new(P, "google.mailbox_unknown", MailboxUnknown)
        .text(r"email account that you tried to reach does not exist|no such user here")
        .explain("Gmail says the Google account for this address does not exist.")
        .fix("Check the address for typos and remove it from your lists; Gmail addresses ignore dots but not other differences.")
        .example("550-5.1.1 The email account that you tried to reach does not exist. Please try\r\n550-5.1.1 double-checking the recipient's email address for typos or\r\n550-5.1.1 unnecessary spaces. For more information, go to\r\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser d2e1a72fcca58-7c0a2d0 - gsmtp"),
    Rule::new(P, "google.mailbox_disabled", MailboxDisabled)
        .text(r"email account that you tried to reach is (?:disabled|inactive)|account (?:has been|is) disabled")
        .explain("Gmail says the Google account exists but is disabled or inactive.")
        .fix("Stop sending to this address; an inactive Google account rarely comes back.")
        .example("550-5.2.1 The email account that you tried to reach is inactive. For more\r\n550 5.2.1 information, go to https://support.google.com/mail/?p=DisabledUser 6a1803df08f44-4a3b5 - gsmtp"),
    Rule::new(P, "google.mailbox_full", MailboxFull)
        .text(r"inbox is out of storage space|account that you tried to reach is over quota|out of storage")
        .explain("Gmail says the recipient's Google storage is full.")
        .fix("Retry later or reach the recipient another way; they must free Google storage before mail arrives.")
        .example("452-4.2.2 The recipient's inbox is out of storage space. Please direct the\r\n452 4.2.2 recipient to https://support.google.com/mail/?p=OverQuotaTemp 5b1f17b1804b1-45 - gsmtp"),
    Rule::new(P, "google.recipient_rate", RateLimited)
        .text(r"receiving mail (?:too quickly|at a rate that)")
        .explain("Gmail says this recipient is receiving mail faster than it accepts.")
        .fix("Let your server retry later and avoid bursts to the same recipient.")
        .example("450-4.2.1 The user you are trying to contact is receiving mail too quickly.\r\n450 4.2.1 Please resend your message at a later time. x1si - gsmtp"),
    Rule::new(P, "google.dmarc_policy", DmarcFailed)
        .text(r"not accepted due to domain's dmarc policy|dmarcrejection")
        .explain("Gmail refused the message because it failed the From domain's DMARC policy.")
        .fix("Make SPF or DKIM pass for a domain aligned with the From: header, or send through a service authorised by that domain.")
        .example("550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's\r\n550-5.7.26 DMARC policy. Please contact the administrator of example.com domain if\r\n550 5.7.26 this was a legitimate mail. https://support.google.com/mail/?p=DmarcRejection - gsmtp"),
    Rule::new(P, "google.spf_suspicious", SpfFailed)
        .text(r"spf record of the sending domain has one or more suspicious entries")
        .explain("Gmail distrusts the sending domain's SPF record (it has suspicious entries such as +all or overly broad ranges).")
        .fix("Tighten the SPF record: list only your real senders and end it with ~all or -all.")
        .example("451-4.7.24 The SPF record of the sending domain has one or more suspicious\r\n451 4.7.24 entries. To protect our users from spam, mail sent from your IP address has been temporarily rate limited. - gsmtp"),
    Rule::new(P, "google.spf_failed", SpfFailed)
        .code(C::any(7, 27))
        .explain("Gmail uses 5.7.27/4.7.27 to say SPF did not pass for the envelope sender domain.")
        .fix("Publish an SPF record that authorises the sending IP for the envelope sender (Return-Path) domain.")
        .example("421-4.7.27 Your email has been rate limited because SPF authentication didn't\r\n421 4.7.27 pass for this message. https://support.google.com/mail/?p=RateLimitedSPF - gsmtp"),
    Rule::new(P, "google.spf_hardfail", SpfFailed)
        .text(r"fails to pass spf checks|spf record with a hard fail|spf authentication didn't pass|senders to authenticate (?:their email )?with spf")
        .explain("Gmail says SPF failed for the sending domain, whose record ends in -all.")
        .fix("Add the sending IP or service to the envelope sender domain's SPF record.")
        .example("550-5.7.26 This message fails to pass SPF checks for an SPF record with a hard\r\n550-5.7.26 fail policy (-all). To best protect our users from spam and phishing,\r\n550 5.7.26 the message has been blocked. https://support.google.com/mail/answer/81126 - gsmtp"),
    Rule::new(P, "google.dkim_failed", DkimFailed)
        .code(C::any(7, 30))
        .explain("Gmail uses 5.7.30/4.7.30 to say DKIM did not pass: the message was not signed, or the signature did not verify.")
        .fix("Sign outgoing mail with DKIM for your domain and check the published public key.")
        .example("550-5.7.30 This mail has been blocked because DKIM does not pass. Gmail requires\r\n550 5.7.30 all large senders to authenticate with DKIM. - gsmtp"),
    Rule::new(P, "google.dkim_text", DkimFailed)
        .text(r"senders to authenticate (?:their email )?with dkim|because dkim does not pass")
        .explain("Gmail says DKIM did not pass for this message.")
        .fix("Sign outgoing mail with DKIM for your domain and check the published public key.")
        .example("421-4.7.0 Gmail requires all bulk email senders to authenticate their email with DKIM.\r\n421 4.7.0 Authentication results: DKIM = did not pass - gsmtp"),
    Rule::new(P, "google.no_tls", TlsRequired)
        .code(C::any(7, 29))
        .explain("Gmail uses 5.7.29/4.7.29 to say the message was not sent over TLS, which it requires of bulk senders.")
        .fix("Enable STARTTLS on the sending server for connections to Gmail.")
        .example("421-4.7.29 Your email has been rate limited because this message wasn't sent\r\n421 4.7.29 over a TLS connection. Gmail requires all bulk email senders to use TLS/SSL for SMTP connections. - gsmtp"),
    Rule::new(P, "google.tls_required_domain", TlsRequired)
        .text(r"tls required for rcpt domain|must issue a starttls command first")
        .explain("The Google Workspace domain requires TLS for mail sent to it.")
        .fix("Enable STARTTLS on the sending server.")
        .example("421 4.7.0 TLS required for RCPT domain, closing connection. l12si - gsmtp"),
    Rule::new(P, "google.dmarc_alignment", DmarcFailed)
        .code(C::any(7, 32))
        .explain("Gmail uses 5.7.32/4.7.32 to say the From: domain is not aligned with the authenticated SPF or DKIM domain (DMARC).")
        .fix("Sign with DKIM for the From: domain (or send with an aligned envelope sender) so DMARC passes.")
        .example("550-5.7.32 Your email has been blocked because the sender is unauthenticated.\r\n550 5.7.32 The From: header isn't aligned with either the authenticated SPF or DKIM organizational domain. - gsmtp"),
    Rule::new(P, "google.dmarc_missing", DmarcFailed)
        .code(C::any(7, 40))
        .explain("Gmail uses 5.7.40/4.7.40 to say the sending domain has no DMARC record or no DMARC policy, which it requires of bulk senders.")
        .fix("Publish a DMARC record (at least v=DMARC1; p=none) at _dmarc.<your domain>.")
        .example("421-4.7.40 Your email has been rate limited because the sending domain doesn't\r\n421 4.7.40 have a DMARC record. Gmail requires all bulk email senders to add a DMARC record to their sending domain. - gsmtp"),
    Rule::new(P, "google.unauthenticated", SenderUnauthenticated)
        .text(r"sender is unauthenticated|authenticate with either spf or dkim|does not have authentication information|fails to pass authentication checks")
        .explain("Gmail refused the message because it passed neither SPF nor DKIM.")
        .fix("Publish SPF and sign with DKIM for the sending domain; Gmail requires at least one to pass.")
        .example("550-5.7.26 This mail has been blocked because the sender is unauthenticated.\r\n550-5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM.\r\n550 5.7.26 https://support.google.com/mail/?p=UnauthenticatedError - gsmtp"),
    Rule::new(P, "google.reverse_dns", ReverseDns)
        .text(r"does not have a ptr record|ptr record setup|corresponding forward dns entry does not")
        .explain("Gmail says the sending IP has no PTR record or its forward DNS does not point back to it.")
        .fix("Set a PTR record for the sending IP to a host name whose A/AAAA record is that IP.")
        .example("550-5.7.25 The IP address sending this message does not have a PTR record setup, or\r\n550 5.7.25 the corresponding forward DNS entry does not point to the sending IP. - gsmtp"),
    Rule::new(P, "google.rate_limited", RateLimited)
        .code(C::exact(4, 7, 28))
        .explain("Gmail is temporarily rate limiting mail from this IP, domain or netblock because of an unusual rate of mail.")
        .fix("Slow down, let your server retry, and check Google Postmaster Tools for spam rate and reputation.")
        .example("421-4.7.28 Gmail has detected an unusual rate of mail originating from your IP address.\r\n421 4.7.28 To protect our users from spam, mail has been temporarily rate limited. - gsmtp"),
    Rule::new(P, "google.unsolicited_rate", BadReputation)
        .text(r"unusual rate of (?:unsolicited )?mail")
        .permanent()
        .explain("Gmail blocked the mail because of an unusual rate of unsolicited mail from this sender.")
        .fix("Stop the volume, send only to people who asked for mail, and follow Google Postmaster Tools before resuming.")
        .example("550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating\r\n550 5.7.1 from your IP address. To protect our users from spam, mail sent from your IP address has been blocked. - gsmtp"),
    Rule::new(P, "google.low_reputation", BadReputation)
        .text(r"very low reputation of the sending (?:ip|domain)")
        .explain("Gmail refused the message because of the very low reputation of the sending IP or domain.")
        .fix("Reduce complaints and bounces, authenticate the mail, and watch the reputation in Google Postmaster Tools.")
        .example("550-5.7.1 Our system has detected that this message is likely suspicious due to the\r\n550 5.7.1 very low reputation of the sending IP address. - gsmtp"),
    Rule::new(P, "google.spam", SpamDetected)
        .text(r"likely unsolicited mail|suspicious due to the nature of the content|likely suspicious due to|has been blocked because of (?:spam|the content)")
        .explain("Gmail's filters judged the message to be spam or suspicious content.")
        .fix("Review content and links, make sure recipients opted in, and authenticate the mail with SPF, DKIM and DMARC.")
        .example("550-5.7.1 Our system has detected that this message is likely unsolicited mail. To\r\n550 5.7.1 reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp"),
    Rule::new(P, "google.security_issue", VirusDetected)
        .text(r"content presents a potential security issue|potential security issue|message was blocked because its content")
        .explain("Gmail blocked the message because its content, usually an attachment, presents a security risk.")
        .fix("Remove executable or macro attachments (also inside archives) and share such files by link instead.")
        .example("552-5.7.0 This message was blocked because its content presents a potential\r\n552 5.7.0 security issue. https://support.google.com/mail/?p=BlockedMessage - gsmtp"),
    Rule::new(P, "google.not_rfc5322", ContentRejected)
        .text(r"not rfc ?5322 compliant|(?:comply|compliant) with rfc ?5322|missing a valid message-?id header|(?:multiple|more than one) (?:from|to|subject|date|message-?id) headers?")
        .explain("Gmail refused the message because its headers are not RFC 5322 compliant.")
        .fix("Send exactly one From, Date and Message-ID header with valid syntax.")
        .example("550-5.7.1 [192.0.2.25] Messages missing a valid Message-ID header are not\r\n550 5.7.1 accepted. https://support.google.com/mail/?p=RfcMessageNonCompliant - gsmtp"),
    Rule::new(P, "google.too_large", MessageTooLarge)
        .text(r"exceeded google's message size limit|exceeds google's message size limit|exceeds google's limit of")
        .explain("The message is larger than Gmail accepts (25 MB for attachments).")
        .fix("Send large files as links rather than attachments.")
        .example("552-5.3.4 Your message exceeded Google's message size limits. For more information,\r\n552 5.3.4 go to https://support.google.com/mail/?p=MaxSizeError - gsmtp"),
    Rule::new(P, "google.header_too_large", ContentRejected)
        .text(r"header size limit|bytes per individual header")
        .explain("A message header exceeds Gmail's header size limits.")
        .fix("Shorten the oversized header (often a huge To/Cc list or a custom header).")
        .example("552-5.3.4 Your message exceeded Google's message header size limits. - gsmtp"),
    Rule::new(P, "google.too_many_recipients", TooManyRecipients)
        .text(r"too many recipients")
        .explain("The message has more recipients than Gmail accepts in one transaction.")
        .fix("Send to fewer recipients per transaction; your server should resend the rest.")
        .example("452-4.5.3 Your message has too many recipients. For more information regarding\r\n452 4.5.3 Google's sending limits, go to https://support.google.com/mail/?p=TooManyRecipientsError - gsmtp"),
    Rule::new(P, "google.relay_denied", RelayDenied)
        .text(r"mail relay denied|invalid credentials for relay")
        .explain("Google's SMTP relay refused the mail because the sending IP or domain is not registered in the Workspace relay settings.")
        .fix("Register the sending IP in the Workspace SMTP relay settings or authenticate with SMTP AUTH.")
        .example("550-5.7.1 Invalid credentials for relay [192.0.2.25]. The IP address you've\r\n550 5.7.1 registered in your Workspace SMTP Relay service doesn't match the domain of the account this email is being sent from. - gsmtp"),
    Rule::new(P, "google.ip_not_allowed", PolicyRejected)
        .text(r"ip not in whitelist for rcpt domain")
        .explain("The Google Workspace domain only accepts mail from an allowlist of IP addresses, and this one is not on it.")
        .fix("Ask the recipient's Workspace admin to add your sending IP, or send through their approved gateway.")
        .example("421 4.7.0 IP not in whitelist for RCPT domain, closing connection. a1si - gsmtp"),
    Rule::new(P, "google.admin_policy", PolicyRejected)
        .text(r"\bgcdp\b|violates .{0,80} email policy")
        .explain("A rule set by the recipient's Google Workspace administrator refused the message.")
        .fix("Ask the recipient organisation which of its mail policies the message violated.")
        .example("550 5.7.1 This message violates example.com email policy. - gcdp 20250101 - gsmtp"),
    Rule::new(P, "google.helo_invalid", ProtocolError)
        .text(r"helo/ehlo argument is invalid|empty helo/ehlo argument")
        .explain("Gmail refused the EHLO/HELO name as invalid.")
        .fix("Configure the sending server to greet with its fully qualified host name.")
        .example("501-5.5.4 HELO/EHLO argument is invalid. For more information, go to\r\n501 5.5.4 https://support.google.com/mail/?p=helo - gsmtp"),
    Rule::new(P, "google.mail_loop", SystemError)
        .text(r"exceeded \d+ hops|mail loop")
        .explain("Gmail stopped the message because it passed through too many servers, which usually means a forwarding loop.")
        .fix("Check forwarding rules on both sides for a loop.")
        .example("554-5.4.6 Message exceeded 50 hops, this may indicate a mail loop. For more\r\n554 5.4.6 information, go to https://support.google.com/mail/?p=MailLoop - gsmtp"),
    Rule::new(P, "google.temporary", SystemError)
        .text(r"temporarily rejected message|temporary system problem|connection expired")
        .transient()
        .explain("Gmail had a temporary problem and asks for a retry.")
        .fix("Nothing to fix: your server will retry.")
        .example("451-4.3.0 Mail server temporarily rejected message. For more information, go to\r\n451 4.3.0 https://support.google.com/mail/?p=TempFail - gsmtp"),
    Rule::new(P, "google.dos_limit", RateLimited)
        .text(r"try again later, closing connection")
        .explain("Gmail is limiting this client (too many connections or commands) and closed the connection.")
        .fix("Open fewer parallel connections to Gmail and let your server retry later.")
        .example("421-4.7.0 Try again later, closing connection. (EHLO) For more information, go to\r\n421 4.7.0 https://support.google.com/a/answer/3221692 - gsmtp"),
];
