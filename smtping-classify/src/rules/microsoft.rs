//! Microsoft: Outlook.com / Hotmail and Exchange Online (Microsoft 365). Exchange Online
//! has its own enhanced codes in 4.7.5xx–8xx and 5.7.5xx–9xx, and its consumer service
//! adds "S" codes such as `(S3150)` for network block lists. 5.1.10 means "recipient not
//! found" here, not the registry's null MX.

use super::{CodeMatch as C, Rule};
use crate::model::{Provider, Reason::*};

const P: Option<Provider> = Some(Provider::Microsoft);

pub(super) const RULES: &[Rule] = &[
    Rule::new(P, "microsoft.recipient_not_found", MailboxUnknown)
        .code(C::any(1, 10))
        .explain("Exchange Online uses 5.1.10 to say the recipient address was not found in the destination organisation.")
        .fix("Check the address; if it is correct, the recipient's admin must create or fix the mailbox or its proxy address.")
        .example("550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup [AM4PEPF00027A5C.eurprd04.prod.outlook.com]"),
    Rule::new(P, "microsoft.recipnotfound", MailboxUnknown)
        .text(r"resolver\.adr\.recip(?:ient)?notfound|recipient not found by smtp address lookup|requested action not taken: mailbox unavailable")
        .explain("Exchange says the recipient address does not exist in the organisation.")
        .fix("Check the address for typos and remove it from your lists if it is correct.")
        .example("550 5.1.1 RESOLVER.ADR.RecipNotFound; not found [DB5PEPF00014B8B.eurprd02.prod.outlook.com]"),
    Rule::new(P, "microsoft.dbeb_access_denied", MailboxUnknown)
        .code(C::any(4, 1))
        .text(r"recipient address rejected: access denied")
        .explain("Exchange Online's directory-based edge blocking says the recipient does not exist in the organisation.")
        .fix("Check the address; the recipient organisation only accepts mail for mailboxes that exist in its directory.")
        .example("550 5.4.1 Recipient address rejected: Access denied. For more information see https://aka.ms/EXOSmtpErrors [SN1PEPF0002636B.namprd02.prod.outlook.com]"),
    Rule::new(P, "microsoft.recipient_rejected", MailboxDisabled)
        .code(C::range(7, 504, 505))
        .explain("Exchange Online refused this recipient address (rejected or banned recipient).")
        .fix("Check the address with the recipient; Microsoft says this recipient cannot take mail now.")
        .example("550 5.7.505 Access denied, banned recipient [BN8NAM11FT052.eop-nam11.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.spam_abuse_account", BadReputation)
        .code(C::range(7, 501, 503))
        .explain("Exchange Online banned the sending account after detecting spam from it, usually because it was compromised.")
        .fix("Secure the account (reset credentials, remove malicious rules), then ask Microsoft 365 support to lift the block.")
        .example("550 5.7.501 Access denied, spam abuse detected. The sending account has been banned due to detected spam activity. [CO1NAM11FT006.eop-nam11.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.bad_helo", PolicyRejected)
        .code(C::any(7, 506))
        .explain("Exchange Online refused the EHLO name: the sender introduced itself as the receiving server, typical of spambots.")
        .fix("Configure the sending server to greet with its own fully qualified host name.")
        .example("550 5.7.506 Access denied, Bad HELO [BL2NAM02FT010.eop-nam02.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.blocked_by_recipient", Blocklisted)
        .code(C::any(7, 507))
        .explain("The recipient's organisation has blocked the sending IP address.")
        .fix("Contact the recipient organisation and ask it to remove your IP from its block list.")
        .example("550 5.7.507 Access denied, rejected by recipient [DM6NAM10FT019.eop-nam10.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.ipv6_limits", RateLimited)
        .code(C::any(7, 508))
        .explain("The sending IPv6 range sent more mail in a short time than Exchange Online permits.")
        .fix("Slow down sending over IPv6 or send over IPv4.")
        .example("550 5.7.508 Access denied, [2001:db8::25] has exceeded permitted limits within 2001:db8::/64 range [VI1EUR05FT044.eop-eur05.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.dmarc", DmarcFailed)
        .code(C::any(7, 509))
        .explain("The sender's From: domain does not pass DMARC verification at Exchange Online.")
        .fix("Make SPF or DKIM pass for a domain aligned with the From: header.")
        .example("550 5.7.509 Access denied, sending domain example.com does not pass DMARC verification and has a DMARC policy of reject. [SA2PEPF00001504.namprd04.prod.outlook.com]"),
    Rule::new(P, "microsoft.no_ipv6", PolicyRejected)
        .code(C::any(7, 510))
        .explain("The recipient's organisation does not accept email over IPv6.")
        .fix("Deliver to this domain over IPv4.")
        .example("550 5.7.510 Access denied, contoso.com does not accept email over IPv6 [DM3NAM03FT025.eop-NAM03.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.banned_sender", Blocklisted)
        .code(C::any(7, 511))
        .explain("Microsoft has banned the sending IP address.")
        .fix("Request delisting by mailing delist@messaging.microsoft.com with the full NDR and IP address.")
        .example("550 5.7.511 Access denied, banned sender[192.0.2.25]. To request removal from this list, forward this message to delist@messaging.microsoft.com. [CO1NAM04FT017.eop-NAM04.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.from_header", ContentRejected)
        .code(C::any(7, 512))
        .explain("The message has no valid From: header address, which Exchange Online requires (RFC 5322 §3.6.2).")
        .fix("Send a From: header with one valid address, e.g. Name <user@example.com>.")
        .example("550 5.7.512 Access denied, message must be RFC 5322 section 3.6.2 compliant and include a valid From address [DM6NAM12FT010.eop-nam12.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.customer_block_list", Blocklisted)
        .text(r"customer block ?list|blocked by .{1,100} using customer")
        .explain("The recipient's domain put the sending IP on its own custom block list in Exchange Online.")
        .fix("Ask the recipient organisation directly to remove your IP from its block list.")
        .example("550 5.7.513 Service unavailable, Client host [192.0.2.25] blocked by contoso.com using Customer Block list (AS16012607). [BN1NAM02FT040.eop-nam02.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.auth_level", SenderUnauthenticated)
        .code(C::any(7, 515))
        .explain("The From: domain does not meet Microsoft's authentication requirements (SPF, DKIM and DMARC) for high-volume senders.")
        .fix("Publish SPF, sign with DKIM and publish a DMARC record aligned with the From: domain.")
        .example("550 5.7.515 Access denied, sending domain example.com doesn't meet the required authentication level. To learn how to fix this see https://go.microsoft.com/fwlink/p/?linkid=2319303 Spf=Fail, Dkim=Fail, DMARC=Fail"),
    Rule::new(P, "microsoft.external_forwarding", PolicyRejected)
        .code(C::any(7, 520))
        .explain("The sender's Microsoft 365 organisation does not allow automatic forwarding to external addresses.")
        .fix("The sending organisation's admin must allow external forwarding in the outbound spam policy, or the user must stop forwarding.")
        .example("550 5.7.520 Access denied, Your organization does not allow external forwarding. Please contact your administrator for further assistance. AS(7555) [DM6NAM11FT005.eop-nam11.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.banned_sending_ip", Blocklisted)
        .code(C::range(7, 606, 649))
        .explain("Microsoft has put the sending IP address on its block list (banned sending IP).")
        .fix("Request removal at https://sender.office.com after fixing the cause (compromise, spam, poor list hygiene).")
        .example("550 5.7.606 Access denied, banned sending IP [192.0.2.25]. To request removal from this list please visit https://sender.office.com/ and follow the directions. For more information please go to http://go.microsoft.com/fwlink/?LinkID=526655 AS(1430)"),
    Rule::new(P, "microsoft.ip_reputation_rate", BadReputation)
        .code(C::exact(4, 7, 650))
        .explain("Exchange Online is rate limiting the sending IP because of its reputation.")
        .fix("Slow down, let your server retry, and enrol in Microsoft SNDS/JMRP to follow the IP's reputation.")
        .example("451 4.7.650 The mail server [192.0.2.25] has been temporarily rate limited due to IP reputation. For e-mail delivery information, see https://postmaster.live.com (S775)"),
    Rule::new(P, "microsoft.max_connections", TooManyConnections)
        .code(C::exact(4, 7, 652))
        .explain("The sending server opened more simultaneous connections than Exchange Online allows.")
        .fix("Lower the number of concurrent connections to Microsoft and let the server retry.")
        .example("451 4.7.652 The mail server [192.0.2.251] has exceeded the maximum number of connections. (S3115) [Name=Protocol Filter Agent][AGT=PFA]"),
    Rule::new(P, "microsoft.server_busy", RateLimited)
        .text(r"server busy\. please try again later from|pfa agent busy")
        .transient()
        .explain("Exchange Online is temporarily throttling mail from this sender.")
        .fix("Nothing to fix at once: let your server retry later and avoid bursts.")
        .example("451 4.7.500 Server busy. Please try again later from [192.0.2.2]. (AS761) [BN7NAM10FT005.eop-nam10.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.temporarily_restricted", BadReputation)
        .code(C::class_range(4, 7, 500, 899))
        .explain("Exchange Online detected suspicious activity from the sending IP and temporarily restricted it while it evaluates it.")
        .fix("Let your server retry; if it persists, check the IP's reputation (Microsoft SNDS) and request a review.")
        .example("451 4.7.500 Access denied, please try again later. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653. AS(842) [DM3NAM02FT012.eop-nam02.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.unregistered_domain", SenderRejected)
        .code(C::any(7, 750))
        .explain("The Microsoft 365 tenant sent mail from domains it has not registered and validated, and was blocked.")
        .fix("Add and verify every sending domain in the Microsoft 365 admin center, then ask support to lift the block.")
        .example("550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 [MW2NAM10FT003.eop-nam10.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.tenant_threshold", BadReputation)
        .code(C::class_range(5, 7, 700, 749))
        .explain("Microsoft refused mail from this tenant or IP because most of its traffic was judged suspicious (traffic not accepted).")
        .fix("Find and stop the abuse (compromised accounts, open relay), then contact Microsoft 365 support.")
        .example("550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 AS(7701) [DM6NAM11FT047.eop-nam11.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.transport_rule", PolicyRejected)
        .code(C::class_range(5, 7, 900, 999))
        .explain("A mail flow (transport) rule in the recipient's organisation rejected the message.")
        .fix("Ask the recipient organisation which of its mail flow rules applies.")
        .example("550 5.7.901 Delivery not authorized, message refused: blocked attachment policy [BN3NAM04FT021.eop-NAM04.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.network_block_list", Blocklisted)
        .text(r"on our block list|\(s3150\)|\(s3140\)|\(as3140\)|\(as3150\)")
        .explain("Outlook.com refuses mail from the sending IP's network, which is on its block list.")
        .fix("Ask your provider for a clean IP, or request mitigation through the Outlook.com sender support form.")
        .example("550 5.7.1 Unfortunately, messages from [192.0.2.44] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150). You can also refer your provider to http://mail.live.com/mail/troubleshooting.aspx#errors."),
    Rule::new(P, "microsoft.not_authenticated", AuthRequired)
        .text(r"client (?:was )?not authenticated|smtp ?client ?authentication is disabled")
        .explain("Exchange requires the client to authenticate before it accepts this mail.")
        .fix("Authenticate with SMTP AUTH (enabled for the mailbox) or send through a connector that accepts your IP.")
        .example("530 5.7.57 Client not authenticated to send mail [MN2PR05CA0046.namprd05.prod.outlook.com]"),
    Rule::new(P, "microsoft.auth_failed", AuthFailed)
        .text(r"authentication unsuccessful|5\.7\.139|user is locked by your organization's security defaults")
        .explain("Exchange Online refused the SMTP AUTH credentials.")
        .fix("Check the username and password (or use OAuth); SMTP AUTH may be disabled for the mailbox or blocked by security defaults.")
        .example("535 5.7.3 Authentication unsuccessful [SN4PR0501CA0054.namprd05.prod.outlook.com]"),
    Rule::new(P, "microsoft.send_as", SenderRejected)
        .text(r"not have permissions to send as this sender|sendasdenied")
        .explain("The authenticated account is not allowed to send as the given From or envelope sender address.")
        .fix("Send from the authenticated mailbox's own address, or grant Send As permission for the other address.")
        .example("550 5.7.60 SMTP; Client does not have permissions to send as this sender [BY2PR1001MB1094.namprd10.prod.outlook.com]"),
    Rule::new(P, "microsoft.relay_denied", RelayDenied)
        .text(r"unable to relay|tenantattribution; relay access denied")
        .explain("Exchange refused to relay this message: it does not accept mail for the recipient's domain from this client.")
        .fix("Send to the recipient's own MX, or configure an inbound connector / authenticated relay for your server.")
        .example("550 5.7.64 TenantAttribution; Relay Access Denied [SN1NAM02FT012.eop-nam02.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.restricted_recipient", PolicyRejected)
        .text(r"sender (?:was )?not authenticated (?:by organization|for (?:group|mailbox|public folder))|not in allowed-senders list|sender was not authenticated|not authorized to send to this recipient|delivery not authorized")
        .explain("The recipient (a group or mailbox) only accepts mail from authenticated or listed senders.")
        .fix("Ask the recipient organisation to allow external senders for this recipient or to add you to its allowed senders.")
        .example("550 5.7.133 RESOLVER.RST.SenderNotAuthenticatedForGroup; authentication required; Delivery restriction check failed because the sender was not authenticated when sending to this group [AM0PR04MB5123.eurprd04.prod.outlook.com]"),
    Rule::new(P, "microsoft.submission_quota", RateLimited)
        .text(r"submission quota exceeded|daily limit for message recipients|per hour message receive limit|recipient has exceeded their limit|recipient thread limit exceeded|messages to this recipient")
        .explain("A Microsoft sending or receiving limit was exceeded (daily recipients, submission quota or per-recipient rate).")
        .fix("Wait for the limit window to pass and spread sending over time; a sudden spike may mean a compromised account.")
        .example("554 5.2.2 mailbox full; STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Submission quota exceeded [HE1PR0701MB2348.eurprd07.prod.outlook.com]"),
    Rule::new(P, "microsoft.mailbox_full", MailboxFull)
        .text(r"mailbox full|quotaexceeded|mailbox size limit")
        .explain("The recipient's Exchange mailbox is over its storage quota.")
        .fix("Retry later or reach the recipient another way; they must clean up their mailbox.")
        .example("552 5.2.2 STOREDRV.Deliver; mailbox full [Hex=8004060C, Failure=Mailbox full] [AM0PR10MB3139.EURPRD10.PROD.OUTLOOK.COM]"),
    Rule::new(P, "microsoft.size_limit", MessageTooLarge)
        .text(r"recipsizelimit|message too large for this recipient|message size exceeds fixed maximum")
        .explain("The message is larger than the recipient's Exchange size limit.")
        .fix("Send large files as links or reduce the attachments' size.")
        .example("552 5.3.4 RESOLVER.RST.RecipSizeLimit; message too large for this recipient [SN6PR04MB4624.namprd04.prod.outlook.com]"),
    Rule::new(P, "microsoft.bare_lf", ContentRejected)
        .text(r"invalid characters|bare ?line ?feeds?|bare lf")
        .explain("Exchange Online refused the message because it contains bare line feed characters.")
        .fix("Make the sending software end every line with CRLF.")
        .example("550 5.6.11 SMTPSEND.BareLinefeedsAreIllegal; message contains bare linefeeds, which cannot be sent via DATA and receiving system does not support BDAT [DM6NAM12FT040.eop-nam12.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.content_filter", SpamDetected)
        .text(r"content filter agent quarantined|rejected as spam|spam content|identified as spam|high confidence spam")
        .explain("Exchange's content filter judged the message to be spam.")
        .fix("Review the content and links, and authenticate the mail with SPF, DKIM and DMARC.")
        .example("550 5.7.1 Message rejected as spam by Content Filtering. [AM5EUR02FT008.eop-EUR02.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.mta_sts_tls", TlsRequired)
        .text(r"failed mta-sts validation|starttls is required to send mail|starttls-not-supported|certificate-expired|tlsa-invalid|certificate-host-mismatch|dnssec-invalid")
        .explain("Exchange Online requires TLS (MTA-STS or DANE) for this route and the destination's TLS did not meet it.")
        .fix("The destination must offer STARTTLS with a valid certificate that matches its MTA-STS or DANE policy.")
        .example("451 4.4.317 Cannot connect to remote server [Message=451 5.7.3 STARTTLS is required to send mail] [LastAttemptedServerName=mx.contoso.com] [BN8NAM12FT035.eop-nam12.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.loop", SystemError)
        .text(r"routing loop detected|hop count exceeded|message expired|connection refused|dns query failed|suspiciousremoteservererror|message failed to be replicated")
        .explain("Exchange could not deliver because of a routing, connection or queue problem on the way to the destination.")
        .fix("Check that the destination's MX and mail server work and are reachable, and look for forwarding loops.")
        .example("550 5.4.14 Hop count exceeded - possible mail loop ATTR34 [DB3EUR04FT010.eop-eur04.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.spf", SpfFailed)
        .text(r"sender policy framework violation")
        .explain("Exchange Online refused the message because SPF failed for the sender domain.")
        .fix("Authorise the sending IP in the envelope sender domain's SPF record.")
        .example("550 5.7.23 The message was rejected because of Sender Policy Framework violation [CY4PR04MB0421.namprd04.prod.outlook.com]"),
    Rule::new(P, "microsoft.ipv6_unauthenticated", SenderUnauthenticated)
        .text(r"must pass either spf or dkim")
        .explain("Mail sent to Microsoft over IPv6 must pass SPF or DKIM, and this message passed neither.")
        .fix("Sign with DKIM and publish SPF covering the IPv6 address, or send over IPv4.")
        .example("450 4.7.26 Service unavailable, message sent over IPv6 [2001:db8::25] must pass either SPF or DKIM validation, this message is not signed [VI1EUR03FT055.eop-EUR03.prod.protection.outlook.com]"),
    Rule::new(P, "microsoft.ipv6_ptr", ReverseDns)
        .text(r"must have a reverse dns record")
        .explain("Microsoft requires a PTR record for IPv6 senders, and the sending address has none.")
        .fix("Set a PTR record for the sending IPv6 address.")
        .example("550 5.7.25 Access denied, the sending IPv6 address [2001:db8::25] must have a reverse DNS record [CO1NAM11FT010.eop-nam11.prod.protection.outlook.com]"),
];
