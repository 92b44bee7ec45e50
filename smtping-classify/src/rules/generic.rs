//! Default texts of common MTAs and filters (Postfix, Exim, Sendmail, Exchange on
//! premises, qmail, postgrey and other greylisters) plus generic wording any server may
//! use. These rules come after specific enhanced codes in the decision order, so they
//! decide mainly for replies with catch-all codes (`5.7.1`, `X.Y.0`) or none at all.
//! First match wins: specific phrasings come before broad ones.

use super::Rule;
use crate::model::Reason::*;

/// MTA texts unambiguous enough to decide before the enhanced code, because the code they
/// come with has another meaning in the registry (Exchange sends "Content Filter agent
/// quarantined" with 5.2.1, "mailbox disabled" in the registry).
pub(super) const EXACT_RULES: &[Rule] = &[
    Rule::new(None, "exchange.content_filter", SpamDetected)
        .text(r"content filter agent quarantined|content filter agent rejected")
        .explain("Exchange's content filter agent judged the message to be spam and quarantined or rejected it.")
        .fix("Review the content and authentication of the message; ask the recipient's admin to check the quarantine if it is wanted.")
        .example("550 5.2.1 Content Filter agent quarantined this message"),
    Rule::new(None, "exchange.submission_quota", RateLimited)
        .text(r"submission ?quota ?exceeded")
        .explain("The sending Exchange mailbox exceeded its submission quota (messages or recipients per period).")
        .fix("Wait for the quota window to pass and spread sending; a sudden spike may mean a compromised account.")
        .example("554 5.2.2 mailbox full; STOREDRV.Submission.Exception:SubmissionQuotaExceededException"),
    Rule::new(None, "exchange.starttls_required", TlsRequired)
        .text(r"starttls is required to send mail")
        .explain("The Exchange server requires STARTTLS before it accepts mail.")
        .fix("Enable STARTTLS on the sending side and issue it before MAIL FROM.")
        .example("530 5.7.3 STARTTLS is required to send mail [EX01.contoso.local]"),
    Rule::new(None, "exchange.auth_unsuccessful", AuthFailed)
        .text(r"authentication unsuccessful")
        .explain("The Exchange server refused the SMTP AUTH credentials.")
        .fix("Check the username and password, and that SMTP AUTH is enabled for the mailbox.")
        .example("535 5.7.3 Authentication unsuccessful"),
    Rule::new(None, "exchange.recipient_thread_limit", RateLimited)
        .text(r"recipient thread limit exceeded")
        .explain("The recipient's Exchange mailbox is receiving too many messages at once and is being throttled.")
        .fix("Nothing to fix: let your server retry later.")
        .example("432 4.3.2 STOREDRV.Deliver; recipient thread limit exceeded"),
    Rule::new(None, "exchange.rfc2606", BadAddress)
        .text(r"reserved by rfc ?2606|single label domains not accepted")
        .explain("Exchange refuses recipients in reserved (RFC 2606) or single-label domains.")
        .fix("Use a real, fully qualified recipient domain.")
        .example("501 5.1.3 Recipient address reserved by RFC 2606"),
];

pub(super) const RULES: &[Rule] = &[
    // Greylisting.
    Rule::new(None, "postgrey.greylisted", Greylisted)
        .text(r"greylisted,? see |postgrey")
        .explain("postgrey is greylisting this sender: the first attempt from an unknown sender/recipient/IP triplet is refused on purpose.")
        .fix("Nothing to fix: a normal mail server retries after a few minutes and the retry is accepted.")
        .example("450 4.2.0 <alice@example.org>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html"),
    Rule::new(None, "greylist.generic", Greylisted)
        .text(r"gr[ae]y ?list|gr[ae]ylisting|please come back (?:later|in)|try again in \d+ (?:seconds|minutes)")
        .explain("The server is greylisting: it temporarily refuses unknown senders and expects a retry.")
        .fix("Nothing to fix: a normal mail server retries after a few minutes and the retry is accepted.")
        .example("451 4.7.1 Greylisting in action, please come back in 00:05:00"),
    // Decisive texts that say exactly what failed: also tried before a specific enhanced
    // code whose registry meaning disagrees (see `Rule::decisive`).
    Rule::new(None, "generic.recipient_not_found", MailboxUnknown)
        .text(r"resolver\.adr\.recip(?:ient)?notfound|\brecipient (?:(?:address|mailbox|user|e-?mail address) |[^ ]*@[^ ]+ )?not found\b|recipient address [^ ]+ does not exist|does not exist in (?:this|the recipient's) organi[sz]ation")
        .decisive()
        .explain("The receiving server (Exchange's directory lookup) says the recipient address does not exist.")
        .fix("Check the address for typos and remove it from your lists if it is correct as written.")
        .example("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup"),
    Rule::new(None, "generic.sending_limit", RateLimited)
        .text(r"\b(?:sender|sending|outgoing|outbound|daily|hourly|send|submission) (?:[a-z]+ ){0,2}(?:quota|limit)s? (?:[a-z]+ ){0,4}(?:exceeded|reached)|exceeded (?:its|the|your|their|his|her) (?:daily|hourly) (?:sending )?limit|max(?:imum)? (?:number of )?(?:e-?mails|messages) (?:allowed )?per (?:hour|day|minute)|number of (?:e-?mails|messages) .{0,40}per (?:day|hour|minute)|too much e-?mail in a short|too many (?:e-?mails|messages)(?: sent)? (?:per|in an?|in the last|within(?: the last)?) (?:[a-z0-9]+ )?(?:hours?|minutes?|days?|seconds?)")
        .decisive()
        .explain("The server refused because a sending limit (messages per hour or per day, or a sender quota) was reached.")
        .fix("Wait for the limit window to pass and spread sending over time; a sudden spike may mean a compromised account.")
        .example("550 5.4.6 <amy@example.com>: Recipient address rejected: Sender Daily Quota Exceeded"),
    Rule::new(None, "generic.reputation", BadReputation)
        .text(r"\breputation\b|(?:sender|trust) ?score .{0,30}(?:too )?low|low (?:trust|sender) ?score|complaint rate|(?:high|too many|excessive) (?:number of )?(?:[a-z]+ )?complaints|\bspam complaints|(?:ip|address|host|server|\d) (?:address )?(?:has been |is |was )?(?:temporarily )?blocked (?:[a-z,]+ ){0,3}(?:because|due to|for) (?:of )?(?:it )?(?:sent |sending |having sent )?(?:spam|abuse|complaints|unsolicited)")
        .decisive()
        .explain("The receiver refused because of the sending IP's or domain's reputation (complaints, spam rate, sender score), without naming a blocklist.")
        .fix("Reduce complaints and bounces, authenticate the mail, warm up new IPs, and check the IP's reputation with the receiver's postmaster tools.")
        .example("554 5.7.1 Rejected because of the poor reputation of the sending IP 192.0.2.25"),
    Rule::new(None, "generic.headers", ContentRejected)
        .text(r"message-?id header|(?:multiple|duplicate|more than one|two) (?:from|to|cc|subject|date|message-?id|sender|reply-to):? headers?|\b(?:from|to|subject|date|message-?id|sender) header (?:is )?(?:missing|malformed|invalid|contains more than one)|(?:no|missing|without an?(?: valid)?) (?:from|date|subject|message-?id|sender) header|(?:from|to|cc|subject|date|message-?id|sender) header (?:appears|occurs|is present) (?:twice|more than once|multiple times)|header (?:error|syntax)|invalid (?:from|date|subject|sender) header|headers? (?:are|is) not (?:rfc )?compliant")
        .decisive()
        .explain("The message headers are not RFC 5322 compliant (a missing, duplicated or malformed From, Date or Message-ID).")
        .fix("Send exactly one From, Date and Message-ID header with valid syntax.")
        .example("550 5.7.1 Messages without a valid Message-ID header are not accepted"),
    // Sender problems, before recipient wording that would also match.
    Rule::new(None, "exim.sender_verify", SenderRejected)
        .text(r"sender verify failed|verification failed for <|sender verification failed|could not (?:verify sender|complete sender verify)|sender address verification")
        .explain("The receiver tried to verify the envelope sender address and could not (the sender's domain or mailbox does not accept mail).")
        .fix("Send from an address that exists and whose domain's MX accepts mail, including bounces.")
        .example("550-Verification failed for <noreply@sender.example>\r\n550-Unrouteable address\r\n550 Sender verify failed"),
    Rule::new(None, "postfix.sender_rejected", SenderRejected)
        .text(r"sender address rejected|sender (?:address |domain )?(?:is )?(?:blocked|blacklisted|refused|denied|not allowed)|sender (?:domain )?(?:does not exist|not found|unknown)|unknown sender|bad sender|sender domain (?:must exist|must resolve|not found)|domain of sender address .{1,100} does not (?:exist|resolve)|mail from address (?:rejected|not allowed)|your envelope sender")
        .explain("The server refused the envelope sender (MAIL FROM) address or its domain.")
        .fix("Send from an address whose domain resolves in DNS and accepts mail, and that the recipient has not blocked.")
        .example("554 5.7.1 <noreply@nowhere.invalid>: Sender address rejected: Access denied"),
    Rule::new(None, "generic.null_mx_sender", SenderRejected)
        .text(r"sender .{0,100}null ?mx")
        .explain("The sender's domain publishes a null MX, so it could never receive replies or bounces.")
        .fix("Send from a domain that accepts mail.")
        .example("550 5.7.0 sender domain example.net has a null MX record and may not send mail"),
    // Authentication and encryption.
    Rule::new(None, "postfix.tls_required", TlsRequired)
        .text(r"must issue a starttls command first|starttls (?:is )?required|tls (?:is )?required|encryption (?:is )?required|requires? (?:a )?(?:secure|encrypted|tls) (?:connection|channel|transport)|must use (?:starttls|tls)|not over (?:an )?(?:encrypted|tls) connection|(?:wasn't|was not|not) sent over (?:an? )?(?:tls|encrypted|secure)|only over (?:an? )?(?:encrypted|tls|secure)|\buse tls\b|requiretls")
        .decisive()
        .explain("The server requires the client to switch to TLS (STARTTLS) before this command.")
        .fix("Enable STARTTLS on the sending side (TLS 1.2 or newer) and issue it before MAIL or AUTH.")
        .example("530 5.7.0 Must issue a STARTTLS command first"),
    // Relaying.
    Rule::new(None, "postfix.relay_denied", RelayDenied)
        .text(r"relay access denied|relaying denied|relay(?:ing)? (?:is )?not (?:permitted|allowed)|unable to relay|we do not relay|not permitted to relay|relay(?:ing)? prohibited|no relaying|list of allowed rcpthosts|not (?:a )?(?:local|hosted) domain|cannot relay|relay denied|relay not permitted|open relay")
        .explain("The server does not accept mail for this recipient's domain from this client (relaying denied).")
        .fix("Deliver to the recipient domain's own MX hosts, or authenticate if this server is your outbound relay.")
        .example("554 5.7.1 <someone@elsewhere.example>: Relay access denied"),
    Rule::new(None, "generic.auth_failed", AuthFailed)
        .text(r"authentication (?:failed|unsuccessful|credentials invalid)|incorrect authentication data|invalid (?:credentials|login|user ?name or password|password)|username and password not accepted|bad (?:user ?name|password)|authentication mechanism (?:is )?(?:too weak|not (?:supported|available))|unrecognized authentication type|sasl authentication failed|login failed|auth(?:entication)? rejected")
        .explain("The server refused the authentication credentials or mechanism.")
        .fix("Check the username and password (or app password) and use a mechanism the server offers over TLS.")
        .example("535 5.7.0 Error: authentication failed: authentication failure"),
    Rule::new(None, "generic.auth_required", AuthRequired)
        .text(r"authentication (?:is )?required|auth(?:entication)? first|must authenticate|please (?:log ?in|authenticate)|smtp auth(?:entication)? (?:is )?required|not authenticated|authentication is needed|sender must authenticate|requires authentication|relay requires authentication")
        .explain("The server requires SMTP AUTH before it accepts this.")
        .fix("Configure SMTP authentication, usually on port 587 after STARTTLS.")
        .example("530 5.7.0 Authentication required"),
    // Recipient domain and address problems.
    Rule::new(None, "generic.null_mx", NullMx)
        .text(r"null ?mx|does not accept mail \(nullmx\)|domain does not accept (?:e-?)?mail")
        .explain("The recipient's domain publishes a null MX record: it accepts no mail.")
        .fix("Remove the address; this domain has declared that it never receives mail.")
        .example("556 <user@parked.example>: Recipient address rejected: Domain parked.example does not accept mail (nullMX)"),
    Rule::new(None, "postfix.recipient_domain", DomainUnknown)
        .text(r"recipient address rejected: domain not found|host or domain name not found|name service error for name=|host unknown|domain (?:does not exist|not found|name not found|unknown)|no such domain|unknown domain|nxdomain|unrouteable (?:address|mail domain)|unroutable|no mx (?:record|host)|mx (?:record )?lookup failed|cannot route|unable to route|no route to domain|domain (?:is )?not (?:resolvable|reachable)|invalid domain")
        .explain("The recipient's domain does not exist in DNS or mail for it cannot be routed.")
        .fix("Check the domain part of the address for typos; if it is right, the domain's DNS is broken.")
        .example("550 Unrouteable address"),
    Rule::new(None, "generic.bad_address", BadAddress)
        .text(r"bad (?:recipient |destination )?(?:address|mailbox) syntax|(?:invalid|bad|illegal) (?:recipient )?address (?:syntax|format)|syntax error in (?:mailbox|address|recipient)|malformed (?:address|recipient|local[- ]part|domain)|missing or malformed|illegal (?:address|character in (?:address|local part))|address (?:is )?(?:not )?(?:valid )?rfc ?5321|recipient address must contain a domain|domain missing or malformed|unbalanced '<'|invalid address|not a valid (?:e-?mail )?address")
        .explain("The address is not a syntactically valid email address.")
        .fix("Fix the address syntax (local-part@domain, no spaces or stray characters).")
        .example("501 5.5.4 <bob@@example.org>: missing or malformed local part"),
    Rule::new(None, "generic.mailbox_moved", MailboxMoved)
        .text(r"no forwarding address|(?:mailbox|user|recipient|address) (?:has )?moved|user not local|no longer (?:on this server|at this address|with (?:us|the company))|has left the (?:company|organi[sz]ation)")
        .explain("The recipient's mailbox has moved and the server gives no forwarding address.")
        .fix("Ask the recipient for their new address and update your records.")
        .example("551 User not local; please try <bob@new.example>"),
    Rule::new(None, "generic.mailbox_disabled", MailboxDisabled)
        .text(r"(?:account|mailbox|user|address|recipient) (?:is |has been )?(?:disabled|deactivated|suspended|inactive|locked|frozen|expired|closed|terminated|blocked by its owner)|(?:disabled|inactive|suspended|deactivated|closed|expired) (?:account|mailbox|user|recipient|email address)|no longer (?:active|in use|valid|available)|mailbox (?:is )?(?:not )?(?:currently )?unavailable for delivery|not accepting (?:mail|messages) for this (?:user|mailbox)")
        .explain("The mailbox exists but is disabled, suspended or inactive and does not take mail.")
        .fix("Stop sending to this address; ask the recipient for a working one if they still want mail.")
        .example("550 5.2.0 <jane@example.org>: account has been disabled"),
    Rule::new(None, "generic.mailbox_full", MailboxFull)
        .text(r"mailbox (?:is )?full|over ?quota|quota (?:exceeded|exceed|full)|exceed(?:ed|s)? (?:the |his |her |their |its )?(?:storage|mailbox|disk) (?:quota|allocation|limit)|disk quota|(?:mailbox|inbox) (?:is )?(?:over|out of) (?:storage|space)|insufficient (?:disk )?space (?:in|for) (?:the )?mailbox|mail ?box size limit|not enough (?:space|storage) in mailbox")
        .explain("The recipient's mailbox is over its storage quota.")
        .fix("Retry later or reach the recipient another way; repeated over-quota bounces usually mean an abandoned mailbox.")
        .example("452 4.2.0 <carol@example.org>: Quota exceeded (mailbox for user is full)"),
    Rule::new(None, "postfix.user_unknown", MailboxUnknown)
        .text(r"user unknown|unknown user|no such (?:user|mailbox|recipient|account|address|local user)|recipient (?:address )?(?:unknown|not found|does not exist|invalid)|unknown (?:recipient|mailbox|local[- ]part|address|alias)|(?:mailbox|user|account|address|recipient|addressee) (?:does not|doesn't|did not) exist|(?:mailbox|user|account|addressee) (?:not found|unknown|not known|invalid)|invalid (?:mailbox|recipient|user)|not a valid (?:mailbox|recipient|user)|undeliverable address|address rejected: user|unrouteable local|this address no longer accepts mail|no mailbox here by that name|mailbox unavailable|not (?:our|a known) (?:customer|user)|addressee unknown|user doesn't have|doesn't have an? .{1,40} account|does not have an? (?:account|mailbox)")
        .explain("The receiving server says this mailbox does not exist.")
        .fix("Check the address for typos and remove it from your lists if it is correct as written.")
        .example("550 <bob@example.org>: Recipient address rejected: User unknown in local recipient table"),
    // Limits.
    Rule::new(None, "generic.too_many_recipients", TooManyRecipients)
        .text(r"too many (?:recipients|rcpt)|recipient limit|max(?:imum)? (?:number of )?recipients|recipients? (?:count )?(?:limit )?exceeded|exceeded (?:the )?(?:maximum )?(?:number of )?recipients")
        .explain("The message has more recipients than the server accepts in one transaction.")
        .fix("Send to fewer recipients per message; your server should resend the rest in another transaction.")
        .example("452 Error: too many recipients"),
    Rule::new(None, "generic.too_many_connections", TooManyConnections)
        .text(r"too many (?:concurrent |simultaneous |open |parallel )?(?:smtp )?(?:connections|sessions)|connection (?:limit|count) (?:exceeded|reached)|max(?:imum)? (?:number of )?(?:concurrent |simultaneous )?connections|concurrency limit|too many hosts|connection rate limit")
        .explain("The server refused because this client has too many connections open.")
        .fix("Lower the number of concurrent connections to this destination and retry.")
        .example("421 4.7.0 mx.example.org Error: too many connections from 192.0.2.25"),
    Rule::new(None, "generic.rate_limited", RateLimited)
        .text(r"rate ?limit|rate-limit|too (?:many|much) (?:mail|messages|emails|e-mails|recipients per)|sending (?:quota|limit|rate)|(?:hourly|daily) (?:sending )?(?:limit|quota)|throttl|slow down|receiving (?:mail )?too (?:quickly|fast)|message rate|too fast|(?:mail|message) flood|exceeded (?:the )?(?:message|sending|send) (?:limit|quota|rate)|limit (?:of|on) messages|temporarily (?:deferred|limited) due to (?:volume|rate)")
        .explain("The receiver is limiting the rate or volume of mail from this sender or to this recipient.")
        .fix("Slow down and let your server retry later; spread sending over time.")
        .example("450 4.7.1 Error: too much mail from 192.0.2.25"),
    Rule::new(None, "postfix.message_too_large", MessageTooLarge)
        .text(r"message (?:size|length) exceeds|message (?:is )?too (?:big|large)|(?:size|message) limit exceeded|exceeds? (?:the )?(?:maximum|max|fixed) (?:allowed )?(?:message )?size|maximum (?:message )?size (?:exceeded|limit)|mail size exceeds|too big for (?:system|this system)|size exceeds|message size .{0,40}(?:limit|exceed)|larger than (?:the )?(?:allowed|maximum)")
        .explain("The message is larger than the receiving server accepts.")
        .fix("Reduce the message size below the server's announced SIZE limit, for example by linking large files.")
        .example("552 5.3.0 Message size exceeds fixed limit"),
    // Authentication of the message.
    Rule::new(None, "generic.dmarc", DmarcFailed)
        .text(r"\bdmarc\b|(?:isn't|is not|not) aligned with")
        .decisive()
        .explain("The message failed the From domain's DMARC policy.")
        .fix("Make SPF or DKIM pass for a domain aligned with the From: header.")
        .example("550 5.7.1 Email rejected per DMARC policy for example.com"),
    Rule::new(None, "generic.unauthenticated", SenderUnauthenticated)
        .text(r"\bspf\b (?:or|and|nor|/) \bdkim\b|\bdkim\b (?:or|and|nor|/) \bspf\b|unauthenticated (?:mail|email|sender|message)|(?:sender|message) (?:is )?not authenticated|authentication checks? (?:failed|did not pass)|failed (?:sender )?authentication checks")
        .decisive()
        .explain("The message was refused because it was not authenticated (SPF and/or DKIM did not pass).")
        .fix("Publish SPF and sign with DKIM for the sending domain, aligned with the From: domain.")
        .example("550 5.7.1 Message rejected: neither SPF nor DKIM passed for example.com"),
    Rule::new(None, "generic.spf", SpfFailed)
        .text(r"\bspf\b|sender policy framework")
        .decisive()
        .explain("The sending IP is not authorised by the sender domain's SPF record.")
        .fix("Add the sending server's IP or include to the envelope sender domain's SPF record.")
        .example("550 5.7.1 <bob@example.org>: Recipient address rejected: Message rejected due to: SPF fail - not authorized. Please see http://www.openspf.net/Why?s=mfrom;id=alice@example.com;ip=192.0.2.25"),
    Rule::new(None, "generic.spf_wording", SpfFailed)
        .text(r"not (?:an? )?(?:authorized|designated|permitted) (?:sender|to send)|is not allowed to send mail from|designates .{1,60} as not permitted")
        .explain("The sending IP is not authorised by the sender domain's SPF record.")
        .fix("Add the sending server's IP or include to the envelope sender domain's SPF record.")
        .example("550 5.7.1 192.0.2.25 is not a designated sender for example.com"),
    Rule::new(None, "generic.dkim", DkimFailed)
        .text(r"\bdkim\b|domainkeys")
        .decisive()
        .explain("The message had no valid DKIM signature acceptable to the receiver.")
        .fix("Sign outgoing mail with DKIM and check that the published key matches the signing key.")
        .example("550 5.7.1 Message rejected: DKIM signature verification failed"),
    Rule::new(None, "generic.reverse_dns", ReverseDns)
        .text(r"reverse (?:dns|lookup|hostname|name)|\bptr\b|\brdns\b|fcrdns|cannot find your (?:reverse )?hostname|client host rejected: cannot find your|(?:ip|client) (?:name|hostname) lookup failed|hostname (?:does not|doesn't) resolve|no (?:reverse|ptr)|dns (?:name|hostname) (?:mismatch|does not match)")
        .decisive()
        .explain("The sending IP has no reverse DNS (PTR) or it does not match forward DNS.")
        .fix("Set a PTR record for the sending IP to a host name that resolves back to the same IP.")
        .example("450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.25]"),
    // Content. RFC 5322 named alone: after address rules (an "RFC 822 address" is an
    // address problem), before spam wording that header refusals often carry.
    Rule::new(None, "generic.rfc5322", ContentRejected)
        .text(r"(?:rfc|rfc-) ?(?:5322|2822|822)\b.{0,20}(?:complian|header|section)|(?:comply|compliant|conform) (?:with|to) rfc ?(?:5322|2822|822)")
        .explain("The message is not RFC 5322 compliant (header syntax, required or duplicated headers).")
        .fix("Send exactly one From, Date and Message-ID header with valid syntax.")
        .example("550 5.7.1 This message does not conform to RFC 5322 and was rejected as possible spam"),
    // Content.
    Rule::new(None, "generic.virus", VirusDetected)
        .text(r"virus|malware|infected|trojan|clamav|eicar|malicious (?:content|attachment|payload|file|url|link)|phishing")
        .explain("The receiver found malware or a dangerous attachment in the message.")
        .fix("Remove the infected or executable attachment, scan the sending system, and resend.")
        .example("554 5.7.1 Rejected: message contains a virus (Win.Test.EICAR_HDB-1)"),
    Rule::new(None, "generic.spam", SpamDetected)
        .text(r"\bspam\b|spammy|junk mail|unsolicited|bulk mail|spamassassin|spam score|looks like spam|considered (?:as )?spam|high probability of being spam|\buce\b|message (?:refused|rejected) as (?:junk|bulk)")
        .explain("The receiver's filter judged the message to be spam.")
        .fix("Review the content, links and authentication of the message, and send only to people who asked for it.")
        .example("550 5.7.1 Message rejected as spam by SpamAssassin (score 12.3)"),
    Rule::new(None, "generic.content", ContentRejected)
        .text(r"rfc ?(?:2|5)?822|rfc ?5322|(?:message|header|mime).{0,30}(?:malformed|invalid|not compliant|syntax error|corrupt)|bare ?(?:lf|linefeeds?|line feeds?|cr)|8-?bit (?:data|characters|content) (?:not|is not) (?:accepted|allowed)|attachment.{0,40}(?:not allowed|blocked|prohibited|forbidden|rejected)|(?:banned|prohibited|forbidden|blocked|dangerous) (?:file|attachment|content|extension|file ?type)|missing (?:from|date|message-id|required) header|duplicate header|line (?:is )?too long|message content rejected|content (?:rejected|not accepted|policy)|unacceptable content")
        .explain("The message format, headers or attachments were refused.")
        .fix("Make the message RFC 5322 compliant (From, Date, Message-ID, CRLF line ends) and avoid refused attachment types.")
        .example("554 5.6.0 Message rejected: header From is malformed"),
    // Server state and protocol.
    Rule::new(None, "generic.service_unavailable", ServiceUnavailable)
        .text(r"service (?:is )?(?:not available|unavailable|temporarily unavailable)|not accepting (?:mail|messages|network messages|connections)|server (?:is )?(?:shutting down|busy|overloaded|too busy)|too busy|no smtp service here|closing (?:transmission )?channel|temporarily unavailable|does not accept mail|maintenance")
        .explain("The server is not accepting mail at the moment.")
        .fix("Retry later; if it persists, check that this is the right host and that the service is meant to take mail.")
        .example("421 mail.example.org Service not available, closing transmission channel"),
    Rule::new(None, "generic.system_error", SystemError)
        .text(r"local error|internal (?:server )?error|temporary (?:server |local |system )?(?:error|failure|problem)|system (?:error|failure|problem)|resources? (?:temporarily )?unavailable|insufficient (?:system )?(?:storage|resources)|disk full|out of memory|timed? ?out|loop detected|mail loop|hop count exceeded|too many hops|configuration error|misconfigur|(?:database|directory|ldap|lookup) (?:error|failure|unavailable|lookup failed)|queue file write error|requested action aborted|transient (?:error|failure)|temporary lookup failure|unexpected error|processing error")
        .explain("The receiving system had an internal, resource or routing problem.")
        .fix("Retry later; if it persists, tell the receiving postmaster, the fault is on their side.")
        .example("451 4.3.0 Error: queue file write error"),
    Rule::new(None, "generic.protocol_error", ProtocolError)
        .text(r"syntax error|command unrecognized|unrecognized command|command not (?:recognized|implemented|allowed)|bad sequence of commands|(?:send|say) (?:helo|ehlo|mail|rcpt) first|need (?:mail|rcpt|helo|ehlo)(?: command)?|no valid recipients|unknown command|invalid command|improper use of smtp command pipelining|pipelining not|helo command rejected|need fully-qualified hostname|invalid (?:helo|ehlo)|too many (?:errors|invalid commands|bad commands)|parameter not (?:recognized|implemented)|protocol (?:error|violation)")
        .explain("The server rejected a command as malformed or out of sequence.")
        .fix("Check the SMTP client: commands, parameters and order must follow RFC 5321.")
        .example("503 5.5.1 Error: need RCPT command"),
    Rule::new(None, "generic.policy", PolicyRejected)
        .text(r"\bpolicy\b|not authori[sz]ed|access denied|administrative(?:ly)? prohibit|prohibited|denied|rejected by|refused|\bblocked\b|not allowed|forbidden|\bbanned\b|not permitted|\brejected\b")
        .explain("The receiver refused the mail under a local policy without saying more.")
        .fix("Contact the recipient's postmaster with the full rejection text to learn which policy applies.")
        .example("554 5.7.1 <mx.example.org[192.0.2.1]>: Client host rejected: Access denied"),
];
