//! Blocklist (DNSBL/RBL) texts. These rules always apply: the text itself names the list,
//! which recognises its operator. Receivers running Postfix, Exim, Sendmail or a gateway
//! all quote the list zone (`zen.spamhaus.org`, `b.barracudacentral.org`, `bl.spamcop.net`).

use super::Rule;
use crate::model::{Provider, Reason::*};

const SPAMHAUS: Option<Provider> = Some(Provider::Spamhaus);
const BARRACUDA: Option<Provider> = Some(Provider::Barracuda);
const SPAMCOP: Option<Provider> = Some(Provider::Spamcop);
const SORBS: Option<Provider> = Some(Provider::Sorbs);
const UCEPROTECT: Option<Provider> = Some(Provider::Uceprotect);

pub(super) const RULES: &[Rule] = &[
    Rule::new(SPAMHAUS, "spamhaus.dbl", Blocklisted)
        .text(r"spamhaus.{0,40}\bdbl\b|\bdbl\.spamhaus|dbl\b.{0,40}spamhaus")
        .explain("A domain in the message (sender, links) is on the Spamhaus Domain Block List (DBL).")
        .fix("Look the domains up at spamhaus.org, remove or replace the listed ones (often a link shortener or tracking domain) and request removal if yours.")
        .example("554 5.7.1 Service unavailable; Sender address [news@promo.example] blocked using dbl.spamhaus.org; https://www.spamhaus.org/query/domain/promo.example"),
    Rule::new(SPAMHAUS, "spamhaus.pbl", Blocklisted)
        .text(r"spamhaus.{0,40}\bpbl\b|\bpbl\.spamhaus|pbl\b.{0,40}spamhaus")
        .explain("The sending IP is on the Spamhaus Policy Block List: a dynamic or end-user address that should not send mail directly.")
        .fix("Send through your provider's or ESP's authenticated smarthost instead of directly from this IP.")
        .example("550 5.7.1 Service unavailable; Client host [198.51.100.7] blocked using pbl.spamhaus.org; https://www.spamhaus.org/query/ip/198.51.100.7"),
    Rule::new(SPAMHAUS, "spamhaus.listed", Blocklisted)
        .text(r"spamhaus")
        .explain("The sending IP or domain is on a Spamhaus blocklist (SBL, XBL, CSS or ZEN).")
        .fix("Look the IP up at spamhaus.org/query, fix the cause it names (compromised host, spam) and request removal there.")
        .example("554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.25"),
    Rule::new(BARRACUDA, "barracuda.brbl", Blocklisted)
        .text(r"barracuda(?:central| reputation|networks\.com/reputation)|b\.barracudacentral\.org")
        .explain("The sending IP is on the Barracuda Reputation Block List.")
        .fix("Look the IP up at barracudacentral.org and request removal after fixing the cause.")
        .example("554 Service unavailable; Client host [192.0.2.25] blocked using Barracuda Reputation; http://www.barracudanetworks.com/reputation/?r=1&ip=192.0.2.25"),
    Rule::new(SPAMCOP, "spamcop.scbl", Blocklisted)
        .text(r"spamcop")
        .explain("The sending IP is on the SpamCop Blocking List, which lists IPs reported for spam recently.")
        .fix("Check the IP at spamcop.net; listings expire on their own about a day after reports stop, so stop the spam source.")
        .example("550 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using bl.spamcop.net; Blocked - see https://www.spamcop.net/bl.shtml?192.0.2.25"),
    Rule::new(SORBS, "sorbs.listed", Blocklisted)
        .text(r"\bsorbs\b|dnsbl\.sorbs\.net")
        .explain("The sending IP is on a SORBS blocklist.")
        .fix("Look the IP up at SORBS and request delisting after fixing the cause.")
        .example("554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using dnsbl.sorbs.net; Currently Sending Spam See: http://www.sorbs.net/lookup.shtml?192.0.2.25"),
    Rule::new(UCEPROTECT, "uceprotect.listed", Blocklisted)
        .text(r"uceprotect")
        .explain("The sending IP, or its network, is on an UCEPROTECT blocklist.")
        .fix("Check the IP at uceprotect.net; level 2/3 listings cover whole networks and need your provider to act.")
        .example("554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using dnsbl-1.uceprotect.net; IP 192.0.2.25 is UCEPROTECT-Level1 listed."),
    Rule::new(None, "dnsbl.blocked_using", Blocklisted)
        .text(r"blocked using [a-z0-9-]+(?:\.[a-z0-9-]+)+|(?:is|are) (?:listed|in a black ?list|in a block ?list) (?:at|on|in|by) [a-z0-9-]+(?:\.[a-z0-9-]+)+|listed (?:at|on|in|by) (?:the )?(?:[a-z0-9-]+\.)+[a-z]{2,}")
        .explain("The sending IP or a domain in the message is on a DNS blocklist the receiver uses.")
        .fix("Look the IP and domains up on the named list, fix the cause and request delisting.")
        .example("550 Rejected because 192.0.2.25 is in a black list at bl.example.net"),
    Rule::new(None, "dnsbl.generic", Blocklisted)
        .text(r"\b(?:dnsbl|rbl|rhsbl|uribl|surbl)\b|black ?listed|block ?listed|on (?:a|our|the|their) (?:[a-z]+ )?(?:black|block|deny|ban) ?list|in (?:a|our|the|their) (?:[a-z()]+ ){0,4}(?:black|block|deny) ?list")
        .explain("The receiver says the sending IP or a domain is on a blocklist, without naming a known one.")
        .fix("Check the IP and domains on the major blocklists, fix the cause and request delisting from the list that names you.")
        .example("550 5.7.1 Your IP address 192.0.2.25 is blacklisted. Contact the postmaster."),
];
