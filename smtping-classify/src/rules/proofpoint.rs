//! Proofpoint (Protection Server, Essentials, hosted `pphosted.com` gateways, and the
//! Cloudmark filters Apple uses). Blocks point to `ipcheck.proofpoint.com` or the older
//! `dnsbl-lookup.cgi`; both name Proofpoint Dynamic Reputation (PDR).

use super::Rule;
use crate::model::{Provider, Reason::*};

const P: Option<Provider> = Some(Provider::Proofpoint);

pub(super) const RULES: &[Rule] = &[
    Rule::new(P, "proofpoint.pdr_deferred", BadReputation)
        .text(r"ipcheck\.proofpoint\.com|dnsbl-lookup")
        .transient()
        .explain("Proofpoint Dynamic Reputation is temporarily deferring mail from this IP because of its recent behaviour.")
        .fix("Let your server retry; check the IP at ipcheck.proofpoint.com and reduce volume to Proofpoint-protected domains.")
        .example("451 4.7.1 Deferred - see https://ipcheck.proofpoint.com/?ip=192.0.2.25"),
    Rule::new(P, "proofpoint.pdr_blocked", Blocklisted)
        .text(r"ipcheck\.proofpoint\.com|dnsbl-lookup|blocked by proofpoint")
        .explain("The sending IP is on Proofpoint's reputation block list (PDR).")
        .fix("Check the IP at ipcheck.proofpoint.com, fix the cause and request removal there (or at delist-request@proofpoint.com).")
        .example("554 5.7.0 Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.25"),
    Rule::new(P, "proofpoint.refused", Blocklisted)
        .text(r"mail from [^ ]+ refused|connection refused by proofpoint|refused - see")
        .explain("Proofpoint refused connections from this IP because of its reputation.")
        .fix("Check the IP at ipcheck.proofpoint.com and request a review after fixing the cause.")
        .example("550 5.7.1 Mail from 192.0.2.25 refused - see https://support.proofpoint.com/rbl-lookup.cgi?ip=192.0.2.25"),
    Rule::new(P, "proofpoint.spam", SpamDetected)
        .text(r"(?:message|mail) (?:blocked|rejected) (?:due to|as|because of) (?:spam|bulk)|spam content|spam detected")
        .explain("Proofpoint's filter judged the message to be spam.")
        .fix("Review content, links and authentication; ask the recipient to allowlist you in Proofpoint if the mail is wanted.")
        .example("550 5.7.1 Message blocked due to spam content in the message. (pphosted.com)"),
    Rule::new(P, "proofpoint.virus", VirusDetected)
        .text(r"virus (?:detected|found)|malware detected|infected")
        .explain("Proofpoint found malware in the message.")
        .fix("Remove the infected attachment and scan the sending system.")
        .example("554 5.7.1 Message rejected: virus detected (Proofpoint Protection Server)"),
    Rule::new(P, "proofpoint.policy", PolicyRejected)
        .text(r"rejected by (?:recipient|local|sender) policy|message rejected due to (?:local )?policy|recipient policy")
        .explain("A Proofpoint policy of the recipient organisation refused the message.")
        .fix("Ask the recipient organisation which Proofpoint policy applies.")
        .example("550 5.7.1 Message rejected by recipient policy - Proofpoint Essentials"),
];
