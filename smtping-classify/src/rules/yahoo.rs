//! Yahoo Inc. (Yahoo Mail, AOL, and the ISPs it hosts). Bracketed codes name the cause:
//! TSS04 / TS01–TS03 deferrals for volume or complaints, TSS09/TSS11 permanent deferrals,
//! PH01 policy, BL21/BL23 Spamhaus listings. 5.7.9 means "policy / unauthenticated" here,
//! not the registry's "authentication mechanism too weak".

use super::{CodeMatch as C, Rule};
use crate::model::{Provider, Reason::*};

const P: Option<Provider> = Some(Provider::Yahoo);

pub(super) const RULES: &[Rule] = &[
    Rule::new(P, "yahoo.user_unknown", MailboxUnknown)
        .text(r"dd this user doesn't have an? [a-z0-9.-]+ account|dd requested mailbox not found|mailbox not found")
        .explain("Yahoo says there is no account for this address.")
        .fix("Check the address for typos and remove it from your lists.")
        .example("554 delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [0] - mta1234.mail.gq1.yahoo.com"),
    Rule::new(P, "yahoo.disabled", MailboxDisabled)
        .text(r"is no longer valid|this mailbox is disabled|account is disabled")
        .explain("Yahoo says this account is disabled or no longer valid.")
        .fix("Stop sending to this address.")
        .example("554 delivery error: dd Sorry your message to olduser@yahoo.com cannot be delivered. This mailbox is disabled (554.30). - mta1004.mail.bf1.yahoo.com"),
    Rule::new(P, "yahoo.over_quota", MailboxFull)
        .text(r"account is over quota|mailbox is full")
        .explain("Yahoo says the recipient's mailbox is over quota.")
        .fix("Retry later; repeated over-quota bounces usually mean an abandoned mailbox.")
        .example("554 delivery error: dd Sorry, your message to full@yahoo.com cannot be delivered. This account is over quota. - mta1010.mail.ne1.yahoo.com"),
    Rule::new(P, "yahoo.permanently_deferred", BadReputation)
        .text(r"permanently deferred|\[tss09\]|\[tss11\]")
        .explain("Yahoo will not take mail from this sending IP at all for now (\"permanently deferred\"), because of its reputation or complaints.")
        .fix("Do not retry as is: fix list hygiene and complaint rates, then ask Yahoo for a review through its sender support.")
        .example("553 5.7.2 [TSS09] All messages from 192.0.2.25 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.tss04", BadReputation)
        .text(r"\[tss04\]|temporarily deferred due to (?:unexpected volume or )?user complaints|unexpected volume or user complaints|\[ts0[12]\]")
        .explain("Yahoo is deferring mail from this IP because of unexpected volume or user complaints.")
        .fix("Let your server retry; lower volume, remove unengaged recipients and watch complaint rates through Yahoo's feedback loop.")
        .example("421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.policy_unauthenticated", SenderUnauthenticated)
        .text(r"yahoo requires all senders to authenticate|sender is unauthenticated")
        .explain("Yahoo refused the message because it passed neither SPF nor DKIM.")
        .fix("Publish SPF and sign with DKIM for the sending domain.")
        .example("550 5.7.9 This mail has been blocked because the sender is unauthenticated. Yahoo requires all senders to authenticate with either SPF or DKIM."),
    Rule::new(P, "yahoo.policy", PolicyRejected)
        .text(r"\[ph01\]|not accepted for policy reasons")
        .explain("Yahoo refused the message for policy reasons (often DMARC or content), without saying which.")
        .fix("Check SPF, DKIM and DMARC alignment and the message content against Yahoo's sender requirements.")
        .example("554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.policy_579", PolicyRejected)
        .code(C::any(7, 9))
        .explain("Yahoo uses 5.7.9 for messages refused by policy, most often failed authentication (DMARC).")
        .fix("Authenticate the mail (SPF, DKIM, DMARC aligned with the From: domain) and follow Yahoo's sender requirements.")
        .example("554 5.7.9 Message refused. See https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.spamhaus", Blocklisted)
        .text(r"\[bl2\d\]|in spamhaus's list|spamhaus xbl")
        .explain("Yahoo refuses connections from this IP because it is on a Spamhaus list.")
        .fix("Look the IP up at Spamhaus, fix the cause and request removal; Yahoo follows the listing.")
        .example("553 5.7.1 [BL21] Connections will not be accepted from 192.0.2.25, because the ip is in Spamhaus's list; see https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.receiving_too_quickly", RateLimited)
        .text(r"user is receiving mail too quickly|max message per connection reached|excessive unknown recipients")
        .explain("Yahoo is limiting the rate of mail from this sender or to this recipient.")
        .fix("Let your server retry later and send fewer messages per connection.")
        .example("421 Max message per connection reached, closing transmission channel - yahoo.com"),
    Rule::new(P, "yahoo.unresolvable_from", SenderRejected)
        .text(r"unresolvable rfc\.?5321 (?:from )?domain|unresolvable from domain")
        .explain("Yahoo could not resolve the envelope sender's (MAIL FROM) domain in DNS.")
        .fix("Use an envelope sender domain with working DNS (MX or A records).")
        .example("451 Message temporarily deferred due to unresolvable RFC.5321 from domain; see https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.headers", ContentRejected)
        .text(r"headers are not rfc compliant")
        .explain("Yahoo refused the message because its headers are not RFC compliant.")
        .fix("Send exactly one From, Date and Message-ID header with valid syntax.")
        .example("554 Message not allowed - Headers are not RFC compliant[291]. See https://postmaster.yahooinc.com/error-codes"),
    Rule::new(P, "yahoo.relay", RelayDenied)
        .text(r"relaying denied")
        .explain("Yahoo's server does not relay for this recipient.")
        .fix("Deliver to the recipient domain's own MX hosts.")
        .example("550 relaying denied for <someone@example.net> - mta7.am0.yahoodns.net"),
    Rule::new(P, "yahoo.resources", ServiceUnavailable)
        .text(r"resources temporarily unavailable")
        .explain("Yahoo's servers are busy and temporarily not taking mail.")
        .fix("Nothing to fix: your server will retry.")
        .example("451 mta1001.mail.gq1.yahoo.com Resources temporarily unavailable. Please try again later [#4.16.1]."),
];
