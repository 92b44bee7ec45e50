//! Mimecast. Rejections link to Mimecast's SMTP error code page and carry a bracketed
//! reference such as `[a1B2c3.uk265]`.

use super::Rule;
use crate::model::{Provider, Reason::*};

const P: Option<Provider> = Some(Provider::Mimecast);

pub(super) const RULES: &[Rule] = &[
    Rule::new(P, "mimecast.spf", SpfFailed)
        .text(r"spf sender invalid")
        .explain("Mimecast rejected the message because SPF failed hard for the sending domain.")
        .fix("Authorise the sending IP in the envelope sender domain's SPF record.")
        .example("550 SPF Sender Invalid - envelope rejected - https://community.mimecast.com/docs/DOC-1369#550 [aB1cD2eF.uk33]"),
    Rule::new(P, "mimecast.dkim", DkimFailed)
        .text(r"dkim sender invalid")
        .explain("Mimecast rejected the message because its DKIM signature does not verify.")
        .fix("Check that the DKIM public key in DNS matches the private key used to sign.")
        .example("550 DKIM Sender Invalid - envelope rejected - https://community.mimecast.com/docs/DOC-1369#550 [gH3iJ4kL.uk45]"),
    Rule::new(P, "mimecast.dmarc", DmarcFailed)
        .text(r"dmarc sender invalid")
        .explain("Mimecast rejected the message because it failed the From domain's DMARC policy.")
        .fix("Make SPF or DKIM pass for a domain aligned with the From: header.")
        .example("550 DMARC Sender Invalid - envelope rejected - https://community.mimecast.com/docs/DOC-1369#550 [mN5oP6qR.uk12]"),
    Rule::new(P, "mimecast.greylisting", Greylisted)
        .text(r"internal resources are temporarily unavailable")
        .explain("Mimecast is greylisting the sender (or checking its reputation) and expects a retry.")
        .fix("Nothing to fix: your server retries after a few minutes and the retry is accepted.")
        .example("451 Internal resources are temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451 [sT7uV8wX.uk188]"),
    Rule::new(P, "mimecast.ip_reputation", BadReputation)
        .text(r"local ct ip reputation|ip reputation")
        .explain("Mimecast rejected the message because of the sending IP's poor reputation.")
        .fix("Ask the recipient to add a Permitted Senders policy, or request an IP review from Mimecast.")
        .example("550 Local CT IP Reputation - (reject) - https://community.mimecast.com/docs/DOC-1369#550 [yZ9aB0cD.uk77]"),
    Rule::new(P, "mimecast.rbl", Blocklisted)
        .text(r"ip temporarily blacklisted|sender address blocked|rejected by rbl|\brbl\b")
        .explain("Mimecast blocked the sending IP (a block list or a Blocked Senders policy).")
        .fix("Find which list names the IP and request removal, or ask the recipient to permit you.")
        .example("451 IP Temporarily Blacklisted - https://community.mimecast.com/docs/DOC-1369#451 [eF1gH2iJ.uk220]"),
    Rule::new(P, "mimecast.blocked_sender", SenderRejected)
        .text(r"administrative prohibition envelope blocked|envelope blocked - user (?:domain )?entry|block policy for (?:envelope|header) from|manually blocked senders")
        .explain("The recipient organisation blocks this sender address or domain in Mimecast.")
        .fix("Ask the recipient to remove you from their blocked senders.")
        .example("550 Administrative prohibition envelope blocked - https://community.mimecast.com/docs/DOC-1369#550 [kL3mN4oP.uk9]"),
    Rule::new(P, "mimecast.tls", TlsRequired)
        .text(r"route requires (?:encryption|tls|high-strength ciphers)")
        .explain("The recipient's Mimecast policy requires TLS (or a newer TLS version or stronger ciphers) for this route.")
        .fix("Enable STARTTLS with TLS 1.2 or newer and modern ciphers on the sending server.")
        .example("553 This route requires encryption (TLS) - https://community.mimecast.com/docs/DOC-1369#553 [qR5sT6uV.uk101]"),
    Rule::new(P, "mimecast.size", MessageTooLarge)
        .text(r"maximum email size exceeded|email size limit")
        .explain("The message exceeds the recipient's Mimecast size limit.")
        .fix("Send large files as links or reduce attachment size.")
        .example("554 Maximum email size exceeded - https://community.mimecast.com/docs/DOC-1369#554 [wX7yZ8aB.uk60]"),
    Rule::new(P, "mimecast.relay", RelayDenied)
        .text(r"open relay (?:is )?not allowed")
        .explain("Mimecast does not relay between two domains that are both outside this account.")
        .fix("Deliver to the recipient's own MX, or have Mimecast authorise your outbound IP.")
        .example("451 Open relay not allowed - https://community.mimecast.com/docs/DOC-1369#451 [cD9eF0gH.uk31]"),
    Rule::new(P, "mimecast.anti_spoofing", PolicyRejected)
        .text(r"anti-spoofing policy")
        .explain("Mimecast's anti-spoofing policy refused a message claiming to come from the recipient's own domain.")
        .fix("If the mail is legitimate, ask the recipient to add an anti-spoofing bypass for your IP.")
        .example("550 Rejected by header based Anti-Spoofing policy: someone@example.com - https://community.mimecast.com/docs/DOC-1369#550 [iJ1kL2mN.uk5]"),
    Rule::new(P, "mimecast.content_policy", ContentRejected)
        .text(r"content examination policy|attachment (?:management|blocked)")
        .explain("A Mimecast content examination policy of the recipient refused the message.")
        .fix("Ask the recipient which content policy matched; change attachments or wording accordingly.")
        .example("550 Message bounced due to Content Examination policy - https://community.mimecast.com/docs/DOC-1369#550 [oP3qR4sT.uk2]"),
    Rule::new(P, "mimecast.geo", PolicyRejected)
        .text(r"host network,? not allowed")
        .explain("The recipient's Mimecast policy refuses mail from the sending network or country.")
        .fix("Ask the recipient to allow your network, or send from another one.")
        .example("554 Host network, not allowed - https://community.mimecast.com/docs/DOC-1369#554 [uV5wX6yZ.uk15]"),
    Rule::new(P, "mimecast.auth", AuthFailed)
        .text(r"submitter failed to authenticate|incorrect authentication data")
        .explain("Mimecast refused the SMTP AUTH credentials.")
        .fix("Use the address and Mimecast cloud password of an internal user, or send on port 25 without AUTH.")
        .example("535 Incorrect authentication data - https://community.mimecast.com/docs/DOC-1369#535 [aB7cD8eF.uk40]"),
    Rule::new(P, "mimecast.invalid_recipient", MailboxUnknown)
        .text(r"invalid recipient|recipient unknown|user unknown")
        .explain("Mimecast's recipient validation says the address does not exist at the organisation.")
        .fix("Check the address for typos and remove it from your lists.")
        .example("550 Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 [gH9iJ0kL.uk7]"),
    Rule::new(P, "mimecast.too_many_connections", TooManyConnections)
        .text(r"account service is temporarily unavailable|exceeding outbound thread limit")
        .explain("Too many concurrent connections for this Mimecast account.")
        .fix("Open fewer parallel connections and let your server retry.")
        .example("451 Account Service is temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451 [mN1oP2qR.uk88]"),
    Rule::new(P, "mimecast.virus", VirusDetected)
        .text(r"virus (?:signature )?detected|message contains (?:a )?virus|malware")
        .explain("Mimecast found malware (or a spam score over its limit) in the message.")
        .fix("Remove the infected attachment and scan the sending system.")
        .example("554 Virus signature detected - https://community.mimecast.com/docs/DOC-1369#554 [sT3uV4wX.uk19]"),
    Rule::new(P, "mimecast.busy", SystemError)
        .text(r"unable to process (?:connection|command|an email) at this time|message ended early")
        .explain("Mimecast had a temporary processing problem.")
        .fix("Nothing to fix: your server will retry.")
        .example("451 Unable to process connection at this time - https://community.mimecast.com/docs/DOC-1369#451 [yZ5aB6cD.uk3]"),
];
