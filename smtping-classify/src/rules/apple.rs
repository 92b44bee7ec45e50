//! Apple iCloud Mail (icloud.com, me.com, mac.com, Hide My Email relays). `[CS01]`-style
//! codes come from its content filter, `[HME1]` from the Hide My Email relay.

use super::Rule;
use crate::model::{Provider, Reason::*};

const P: Option<Provider> = Some(Provider::Apple);

pub(super) const RULES: &[Rule] = &[
    Rule::new(P, "apple.hme_unauthenticated", SenderUnauthenticated)
        .text(r"\[hme\d*\]|failing both spf and dkim")
        .explain("iCloud's Hide My Email relay refused the message because it failed both SPF and DKIM.")
        .fix("Publish SPF and sign with DKIM for the sending domain.")
        .example("554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM authentication checks. See https://support.apple.com/en-us/HT204137 for mailing best practices"),
    Rule::new(P, "apple.hme_disabled", MailboxDisabled)
        .text(r"relay not permitted|privaterelay\.appleid\.com.{0,80}(?:not|disabled|deactivated)")
        .explain("The iCloud Hide My Email address was deactivated by its owner, so Apple no longer forwards mail to it.")
        .fix("Treat it as an unsubscribe: remove the address from your lists.")
        .example("550 5.7.1 <abc123xyz@privaterelay.appleid.com>: Relay not permitted for user. https://support.apple.com/en-us/HT204137"),
    Rule::new(P, "apple.dmarc", DmarcFailed)
        .text(r"rejected due to .{1,100} dmarc policy")
        .explain("iCloud refused the message because it failed the From domain's DMARC policy.")
        .fix("Make SPF or DKIM pass for a domain aligned with the From: header.")
        .example("554 5.7.1 Your message was rejected due to example.com's DMARC policy. See https://support.apple.com/en-us/HT204137 for mailing best practices"),
    Rule::new(P, "apple.content_filter", PolicyRejected)
        .text(r"\[cs\d\d\]|rejected due to local policy")
        .explain("iCloud's content and reputation filter (CS codes) refused the message under Apple's local policy.")
        .fix("Check authentication, list hygiene and links in the content; if it persists, contact iCloud postmaster with the full reply.")
        .example("550 5.7.1 [CS01] Message rejected due to local policy. Please visit https://support.apple.com/en-us/HT204137"),
    Rule::new(P, "apple.inactive", MailboxDisabled)
        .text(r"inactive email address")
        .explain("The iCloud address exists but its owner made it inactive.")
        .fix("Stop sending to this address unless the owner reactivates it.")
        .example("550 5.1.1 <someone@icloud.com>: inactive email address (in reply to RCPT TO command)"),
    Rule::new(P, "apple.user_unknown", MailboxUnknown)
        .text(r"user does not exist|unknown or illegal alias")
        .explain("iCloud says there is no such address.")
        .fix("Check the address for typos and remove it from your lists.")
        .example("550 5.1.1 <nobody@icloud.com>: user does not exist"),
    Rule::new(P, "apple.moved", MailboxMoved)
        .text(r"recipient no longer on server")
        .explain("iCloud says the recipient is no longer on this server.")
        .fix("Ask the recipient for their current address.")
        .example("550 5.1.6 recipient no longer on server: gone@me.com"),
    Rule::new(P, "apple.over_quota", MailboxFull)
        .text(r"user is over quota|mailbox is full")
        .explain("The recipient's iCloud storage is full.")
        .fix("Retry later or reach the recipient another way.")
        .example("552 5.2.2 <full@icloud.com>: user is over quota (in reply to RCPT TO command)"),
    Rule::new(P, "apple.excessive_volume", RateLimited)
        .text(r"deferred due to excessive volume")
        .explain("iCloud is deferring mail to this recipient because it receives too much mail at once.")
        .fix("Let your server retry later and avoid bursts to the same recipient.")
        .example("421 4.7.1 Messages to someone@icloud.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137"),
    Rule::new(P, "apple.too_many_errors", ProtocolError)
        .text(r"error: too many errors")
        .explain("iCloud closed the session because the client made too many protocol errors.")
        .fix("Check the client's SMTP dialogue for repeated invalid commands or recipients.")
        .example("421 4.7.0 mx01.mail.icloud.com Error: too many errors"),
    Rule::new(P, "apple.not_accepting", ServiceUnavailable)
        .text(r"not accepting connections|service unavailable - try again later")
        .explain("iCloud's inbound servers are not taking connections right now.")
        .fix("Nothing to fix: your server will retry; spread sending away from the top of the hour.")
        .example("451 4.7.1 Service unavailable - try again later (mx02.mail.icloud.com)"),
];
