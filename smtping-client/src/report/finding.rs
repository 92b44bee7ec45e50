//! Findings: the one catalogue of finding ids ([`FindingId`]), each with its default
//! severity and remediation beside it, and the [`Finding`] a report carries.
//!
//! Ids are dotted and stable (a contract, documented in `docs/checks.md`; a test checks
//! that every id here is documented there and every documented id exists here).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::enums::word_enum;

/// Severity of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be fixed.
    Warning,
    /// Breaks mail.
    Error,
}

impl Severity {
    /// `"info"`, `"warning"` or `"error"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

word_enum! {
    /// Every finding a check can report.
    ///
    /// ```
    /// use smtping_client::report::{FindingId, Severity};
    /// let id: FindingId = "tls.not_offered".parse()?;
    /// assert_eq!(id, FindingId::TlsNotOffered);
    /// assert_eq!(id.severity(), Severity::Warning);
    /// assert!(id.remediation().contains("STARTTLS"));
    /// # Ok::<(), smtping_client::report::UnknownWord>(())
    /// ```
    pub enum FindingId {
        /// The domain publishes a null MX (RFC 7505).
        DnsNullMx => "dns.null_mx",
        /// No MX records: mail goes to the domain's own address.
        DnsImplicitMx => "dns.implicit_mx",
        /// A null MX among real MX records.
        DnsNullMxMixed => "dns.null_mx_mixed",
        /// An MX exchange that is an IP address.
        DnsMxAddressLiteral => "dns.mx_address_literal",
        /// A public name that resolves to a loopback address.
        DnsLoopbackAddress => "dns.loopback_address",
        /// A name that resolves to 0.0.0.0 or ::.
        DnsUnspecifiedAddress => "dns.unspecified_address",
        /// Some connection attempts failed before one answered.
        ConnectPartialFailure => "connect.partial_failure",
        /// EHLO was refused and HELO used.
        SmtpEhloRefused => "smtp.ehlo_refused",
        /// Reply lines ended with a bare LF.
        SmtpBareLf => "smtp.bare_lf",
        /// An enhanced code of another class than its reply code.
        SmtpEnhancedCodeMismatch => "smtp.enhanced_code_mismatch",
        /// The test message is larger than the advertised SIZE.
        SmtpMessageExceedsSize => "smtp.message_exceeds_size",
        /// A 354 to DATA although every recipient was refused.
        SmtpDataWithoutRecipients => "smtp.data_without_recipients",
        /// QUIT got no 221.
        SmtpQuitNotAcknowledged => "smtp.quit_not_acknowledged",
        /// A reply arrived before the command it would answer.
        SmtpUnsolicitedReply => "smtp.unsolicited_reply",
        /// The transaction's replies cannot be matched to its commands.
        SmtpRepliesUnmatched => "smtp.replies_unmatched",
        /// No STARTTLS in the plaintext EHLO.
        TlsNotOffered => "tls.not_offered",
        /// STARTTLS response injection.
        TlsInjection => "tls.injection",
        /// STARTTLS advertised but refused.
        TlsStarttlsRefused => "tls.starttls_refused",
        /// The TLS handshake failed.
        TlsHandshakeFailed => "tls.handshake_failed",
        /// No TLS version SMTPing accepts (1.2 or 1.3).
        TlsWeakVersion => "tls.weak_version",
        /// TLS 1.2 negotiated: no TLS 1.3.
        TlsNoTls13 => "tls.no_tls13",
        /// The certificate does not verify.
        TlsCertificateInvalid => "tls.certificate_invalid",
        /// The certificate expires soon.
        TlsCertificateExpiring => "tls.certificate_expiring",
        /// AUTH PLAIN/LOGIN offered before TLS.
        AuthPlaintextOffered => "auth.plaintext_offered",
        /// A submission port relays without AUTH.
        AuthRequiredNotEnforced => "auth.required_not_enforced",
        /// Some recipients were refused.
        DeliveryPartial => "delivery.partial",
        /// An open relay.
        RelayOpen => "relay.open",
        /// The MX lookup failed (NXDOMAIN, SERVFAIL, timeout).
        DnsMxLookupFailed => "dns.mx_lookup_failed",
        /// An MX host has no A or AAAA record.
        DnsMxNoAddress => "dns.mx_no_address",
        /// The address has no reverse DNS (no PTR record).
        DnsNoPtr => "dns.no_ptr",
        /// No PTR name of the address resolves back to it (no forward-confirmed reverse DNS, FCrDNS).
        DnsFcrdnsMismatch => "dns.fcrdns_mismatch",
        /// The address has more than 10 PTR names.
        DnsPtrTooManyNames => "dns.ptr_too_many_names",
        /// A PTR target is not a host name.
        DnsPtrInvalidName => "dns.ptr_invalid_name",
        /// A PTR or forward lookup failed (timeout, SERVFAIL).
        DnsPtrTempFailure => "dns.ptr_temp_failure",
        /// The PTR name looks generic.
        DnsPtrGeneric => "dns.ptr_generic",
        /// The HELO name is neither a domain name nor an address literal.
        HeloInvalidSyntax => "helo.invalid_syntax",
        /// The HELO name is a single label or has an all-numeric top-level label.
        HeloNotFqdn => "helo.not_fqdn",
        /// The HELO name is localhost (or under localhost. / localdomain), which every machine calls itself.
        HeloLocalhost => "helo.localhost",
        /// The HELO name is an IP address without brackets (RFC 5321 requires an address literal).
        HeloBareAddress => "helo.bare_address",
        /// The HELO address literal is not the sending address.
        HeloLiteralMismatch => "helo.literal_mismatch",
        /// The HELO name has no A or AAAA record.
        HeloDoesNotResolve => "helo.does_not_resolve",
        /// The HELO name resolves, but not to the sending address.
        HeloMismatch => "helo.mismatch",
        /// The HELO name's lookup failed.
        HeloTempFailure => "helo.temp_failure",
        /// The address or domain is listed.
        DnsblListed => "dnsbl.listed",
        /// The list refused to answer (Spamhaus 127.255.255.254/.255, SURBL 127.0.0.1, DNS REFUSED).
        DnsblQueryRefused => "dnsbl.query_refused",
        /// The answer shows the zone is wrong, not the item (Spamhaus 127.255.255.252 typo, DBL 127.0.1.255 IP queried, any answer outside 127.0.0.0/8).
        DnsblZoneError => "dnsbl.zone_error",
        /// The blocklist lookup failed (timeout, SERVFAIL).
        DnsblTempFailure => "dnsbl.temp_failure",
        /// No query could be built (the domain is not a host name, or the query name is too long).
        DnsblInvalidQuery => "dnsbl.invalid_query",
        /// The domain has no SPF record.
        SpfNoRecord => "spf.no_record",
        /// More than one v=spf1 record.
        SpfMultipleRecords => "spf.multiple_records",
        /// The SPF record does not parse.
        SpfSyntaxError => "spf.syntax_error",
        /// +all lets any host on the Internet pass SPF for the domain.
        SpfPassAll => "spf.pass_all",
        /// ?all asserts nothing about unlisted hosts.
        SpfNeutralAll => "spf.neutral_all",
        /// The record has no all and no redirect.
        SpfNoAll => "spf.no_all",
        /// Terms after all are never evaluated.
        SpfTermsAfterAll => "spf.terms_after_all",
        /// Redirect= is ignored because the record has an all term.
        SpfRedirectIgnored => "spf.redirect_ignored",
        /// The ptr mechanism is slow, unreliable and discouraged by RFC 7208.
        SpfPtrUsed => "spf.ptr_used",
        /// An unknown modifier (ignored by receivers, but often a typo).
        SpfUnknownModifier => "spf.unknown_modifier",
        /// The include/redirect tree needs more than 10 DNS-querying terms.
        SpfTooManyLookups => "spf.too_many_lookups",
        /// The record is longer than 450 bytes.
        SpfRecordTooLong => "spf.record_too_long",
        /// An ip4/ip6 range has host bits set (it still matches the whole range).
        SpfHostBitsSet => "spf.host_bits_set",
        /// An include points at a domain without a usable SPF record.
        SpfBrokenInclude => "spf.broken_include",
        /// SPF of the domain gives fail, softfail or neutral for the sending address.
        SpfNotAuthorized => "spf.not_authorized",
        /// SPF evaluation ended in temperror or permerror for the sending address.
        SpfEvaluationError => "spf.evaluation_error",
        /// No DKIM key at any selector tried (the named ones, or the common list).
        DkimNoneFound => "dkim.none_found",
        /// A selector that was named has no key record.
        DkimSelectorNotFound => "dkim.selector_not_found",
        /// A selector cannot be a DNS name.
        DkimInvalidSelector => "dkim.invalid_selector",
        /// More selectors than SMTPing asks in one run.
        DkimTooManySelectors => "dkim.too_many_selectors",
        /// An RSA key under 1024 bits.
        DkimKeyTooShort => "dkim.key_too_short",
        /// An RSA key under 2048 bits (RFC 8301.
        DkimKeyWeak => "dkim.key_weak",
        /// T=y.
        DkimTesting => "dkim.testing",
        /// P= is empty.
        DkimRevoked => "dkim.revoked",
        /// The key record does not parse.
        DkimSyntax => "dkim.syntax",
        /// P= does not decode to a key of the stated type.
        DkimBadKey => "dkim.bad_key",
        /// K= names a key type receivers do not know.
        DkimUnknownKeyType => "dkim.unknown_key_type",
        /// H= allows only SHA-1, which RFC 8301 forbids for signing and verifying.
        DkimSha1Only => "dkim.sha1_only",
        /// S= does not include email.
        DkimNotForEmail => "dkim.not_for_email",
        /// Several key records at one selector.
        DkimMultipleRecords => "dkim.multiple_records",
        /// A selector lookup failed (timeout, SERVFAIL).
        DkimLookupFailed => "dkim.lookup_failed",
        /// _domainkey answered NXDOMAIN although a key exists below it.
        DkimNxdomainAboveKeys => "dkim.nxdomain_above_keys",
        /// The domain is not a valid name, so no DMARC record can be looked up.
        DmarcInvalidDomain => "dmarc.invalid_domain",
        /// No DMARC record at the domain nor at its organisational domain.
        DmarcMissing => "dmarc.missing",
        /// The DMARC lookup failed (timeout, SERVFAIL).
        DmarcLookupFailed => "dmarc.lookup_failed",
        /// Several DMARC records.
        DmarcMultipleRecords => "dmarc.multiple_records",
        /// V=DMARC1 is not the first tag.
        DmarcVersionNotFirst => "dmarc.version_not_first",
        /// The DMARC record does not parse.
        DmarcSyntax => "dmarc.syntax",
        /// A tag DMARC does not define (often a typo).
        DmarcUnknownTag => "dmarc.unknown_tag",
        /// A tag has a value DMARC does not allow.
        DmarcInvalidValue => "dmarc.invalid_value",
        /// No p= tag.
        DmarcMissingPolicy => "dmarc.missing_policy",
        /// A tag that RFC 9989 removed.
        DmarcRemovedTag => "dmarc.removed_tag",
        /// A rua/ruf entry is not a valid URI.
        DmarcInvalidReportUri => "dmarc.invalid_report_uri",
        /// More report URIs than SMTPing reads.
        DmarcTooManyReportUris => "dmarc.too_many_report_uris",
        /// P=none.
        DmarcPolicyNone => "dmarc.policy_none",
        /// Sp=none.
        DmarcSubdomainPolicyNone => "dmarc.subdomain_policy_none",
        /// Pct below 100.
        DmarcPctPartial => "dmarc.pct_partial",
        /// T=y (RFC 9989).
        DmarcTesting => "dmarc.testing",
        /// No aggregate report address.
        DmarcNoRua => "dmarc.no_rua",
        /// An external report destination has not authorised the domain.
        DmarcExternalRuaUnauthorized => "dmarc.external_rua_unauthorized",
        /// The authorisation of an external report destination could not be looked up.
        DmarcExternalRuaUnverified => "dmarc.external_rua_unverified",
        /// More external destinations than SMTPing verifies.
        DmarcTooManyExternalDestinations => "dmarc.too_many_external_destinations",
        /// The organisational domain by the public suffix list (RFC 7489) differs from the one the DNS tree walk (RFC 9989) finds.
        DmarcOrgDomainDiffers => "dmarc.org_domain_differs",
        /// RFC 7489 and RFC 9989 discovery find different policy records.
        DmarcDiscoveryDiffers => "dmarc.discovery_differs",
        /// The From domain publishes p=quarantine or p=reject and this probe has neither an aligned SPF pass nor an aligned DKIM signature.
        DmarcWouldFail => "dmarc.would_fail",
        /// --tls-scan.
        TlsLegacyVersion => "tls.legacy_version",
        /// --tls-scan.
        TlsNoModernVersion => "tls.no_modern_version",
        /// --tls-scan.
        TlsWeakCipher => "tls.weak_cipher",
        /// --tls-scan.
        TlsNoForwardSecrecy => "tls.no_forward_secrecy",
        /// --tls-scan.
        TlsNoServerPreference => "tls.no_server_preference",
        /// --tls-scan.
        TlsWeakCipherPreferred => "tls.weak_cipher_preferred",
        /// --tls-scan.
        TlsWeakKey => "tls.weak_key",
        /// --tls-scan.
        TlsWeakSignature => "tls.weak_signature",
        /// --tls-scan.
        TlsWeakKeyExchange => "tls.weak_key_exchange",
        /// --tls-scan.
        TlsScanIncomplete => "tls.scan_incomplete",
        /// A validating resolver answered SERVFAIL with a DNSSEC Extended DNS Error (RFC 8914) for the MX or an MX host's addresses.
        DnssecBogus => "dnssec.bogus",
        /// A DNSSEC-relevant lookup failed for another reason.
        DnssecLookupFailed => "dnssec.lookup_failed",
        /// The domain is signed but an MX host's addresses are not.
        DnssecMxHostInsecure => "dnssec.mx_host_insecure",
        /// The domain's MX answer carries no AD bit from the trusted validating resolver.
        DnssecInsecure => "dnssec.insecure",
        /// The AD bit of the resolver is not trusted (not on loopback and no --trust-ad).
        DnssecUntrustedResolver => "dnssec.untrusted_resolver",
        /// More than 10 MX hosts.
        DnssecTooManyHosts => "dnssec.too_many_hosts",
        /// Usable TLSA records exist and none matched the presented chain.
        DaneMismatch => "dane.mismatch",
        /// A DANE-TA record matched, but the chain, the names or the dates failed.
        DaneTaChainInvalid => "dane.ta_chain_invalid",
        /// Usable TLSA records exist and the server presented no certificate.
        DaneNoCertificate => "dane.no_certificate",
        /// The TLSA lookup of `_25._tcp.<mx>` failed (SERVFAIL, bogus, timeout).
        DaneTlsaLookupFailed => "dane.tlsa_lookup_failed",
        /// TLSA records exist and none is usable for SMTP (RFC 7672 §3.1.3).
        DaneNoUsableTlsa => "dane.no_usable_tlsa",
        /// A PKIX-TA(0) or PKIX-EE(1) record, which SMTP does not use.
        DanePkixUsage => "dane.pkix_usage",
        /// A TLSA record with an unknown selector or matching type, or a digest of the wrong length.
        DaneUnknownParameters => "dane.unknown_parameters",
        /// TLSA records answered without the AD bit.
        DaneTlsaInsecure => "dane.tlsa_insecure",
        /// Only one usable association.
        DaneNoRollover => "dane.no_rollover",
        /// More than 32 TLSA records.
        DaneTooManyRecords => "dane.too_many_records",
        /// The domain is not a valid name, so no MTA-STS record can be looked up.
        MtaStsInvalidDomain => "mta_sts.invalid_domain",
        /// No _mta-sts record.
        MtaStsNoTxt => "mta_sts.no_txt",
        /// The _mta-sts lookup failed (timeout, SERVFAIL).
        MtaStsLookupFailed => "mta_sts.lookup_failed",
        /// Several v=STSv1 records.
        MtaStsMultipleRecords => "mta_sts.multiple_records",
        /// The _mta-sts record does not parse.
        MtaStsTxtInvalid => "mta_sts.txt_invalid",
        /// The policy could not be fetched (DNS, connection, certificate, status, redirect, content type, size or time limit).
        MtaStsPolicyFetchFailed => "mta_sts.policy_fetch_failed",
        /// The policy file does not parse (RFC 8461 §3.2).
        MtaStsPolicyInvalid => "mta_sts.policy_invalid",
        /// Mode.
        MtaStsModeTesting => "mta_sts.mode_testing",
        /// Mode.
        MtaStsModeNone => "mta_sts.mode_none",
        /// Max_age under one week.
        MtaStsMaxAgeShort => "mta_sts.max_age_short",
        /// An MX host matches no mx.
        MtaStsMxNotCovered => "mta_sts.mx_not_covered",
        /// An MX host's certificate is not PKIX-valid for its name.
        MtaStsMxCertificateInvalid => "mta_sts.mx_certificate_invalid",
        /// The domain is not a valid name.
        TlsRptInvalidDomain => "tls_rpt.invalid_domain",
        /// No TLS-RPT record.
        TlsRptMissing => "tls_rpt.missing",
        /// The _smtp._tls lookup failed.
        TlsRptLookupFailed => "tls_rpt.lookup_failed",
        /// Several TLS-RPT records.
        TlsRptMultipleRecords => "tls_rpt.multiple_records",
        /// The TLS-RPT record does not parse.
        TlsRptInvalid => "tls_rpt.invalid",
        /// A rua URI with another scheme.
        TlsRptUnsupportedUri => "tls_rpt.unsupported_uri",
        /// A modifier from pre-RFC drafts (default=, match_subdomains=, scope=, accredit=) that receivers ignore.
        SpfDeprecatedModifier => "spf.deprecated_modifier",
        /// An included or redirected record ends in +all.
        SpfIncludePassAll => "spf.include_pass_all",
        /// The evaluation for an address hit the void-lookup (2) or MX-name (10) limit.
        SpfLimitExceeded => "spf.limit_exceeded",
        /// The server accepted MAIL FROM before STARTTLS (`--probe-enforcement`).
        TlsNotEnforced => "tls.not_enforced",
        /// Port 25 timed out while a submission port answered (`--ports`).
        SweepPort25Blocked => "sweep.port25_blocked",
        /// Another MX address than the one reported is not green (`--all-mx`).
        MxHostFailed => "mx.host_failed",
        /// Follow-through: the bounce mailbox (--bounce-mailbox) was unreachable, refused the login, failed TLS or misbehaved (a huge literal, an unexplained response).
        FollowThroughBounceWatchFailed => "follow_through.bounce_watch_failed",
        /// Follow-through: a candidate bounce was larger than the 256 KiB limit and was skipped unread.
        FollowThroughBounceOversized => "follow_through.bounce_oversized",
        /// Follow-through: every poll of a seed mailbox worked and none found the test message by the deadline.
        FollowThroughNotFound => "follow_through.not_found",
        /// Follow-through: the test message landed in a junk folder (\Junk or a junk name).
        FollowThroughJunk => "follow_through.junk",
        /// Follow-through: the seed mailbox could not be reached (DNS, connection, I/O error or a stalled step).
        FollowThroughSeedUnreachable => "follow_through.seed_unreachable",
        /// Follow-through: the TLS handshake or the certificate failed, or STARTTLS is missing while TLS is required.
        FollowThroughSeedTls => "follow_through.seed_tls",
        /// Follow-through: the login was refused, LOGINDISABLED without PLAIN, or the password would have gone in clear text.
        FollowThroughSeedAuth => "follow_through.seed_auth",
        /// Follow-through: an invalid or unexplained IMAP response, a limit exceeded, a STARTTLS injection, or a folder or search refused.
        FollowThroughSeedProtocol => "follow_through.seed_protocol",
        /// --seed-cleanup: SELECT, STORE or EXPUNGE was refused.
        FollowThroughCleanupFailed => "follow_through.cleanup_failed",
        /// --seed-cleanup: the test message was only flagged \Deleted, because UID EXPUNGE needs UIDPLUS.
        FollowThroughCleanupFlaggedOnly => "follow_through.cleanup_flagged_only",
        /// Follow-through: the delivered copy carries no trusted Authentication-Results and no Received-SPF.
        ReceiverNoAuthenticationResults => "receiver.no_authentication_results",
        /// Follow-through: the receiver recorded an spf= result other than pass (error for fail/permerror, else warning).
        ReceiverSpfNotPass => "receiver.spf_not_pass",
        /// Follow-through: SMTPing signed the message (--dkim-key) and the receiver recorded no dkim=pass for that domain.
        ReceiverDkimNotPass => "receiver.dkim_not_pass",
        /// Follow-through: the receiver recorded a dmarc= result other than pass (error for fail/permerror, else warning).
        ReceiverDmarcNotPass => "receiver.dmarc_not_pass",
        /// A bounce that refers to the test message says failed, or has a 5.x.x status.
        BounceHard => "bounce.hard",
        /// A delay notice that refers to the test message (action delayed, or a 4.x.x status).
        BounceDelayed => "bounce.delayed",
        /// --dkim-key: the selector's published p= is not the key's public half.
        DkimSignKeyMismatch => "dkim_sign.key_mismatch",
        /// --dkim-key: the signing domain and the From domain have different organisational domains, so DMARC cannot use the signature.
        DkimSignUnaligned => "dkim_sign.unaligned",
    }
}

impl FindingId {
    /// The severity this finding usually has (a few are raised by context, such as
    /// `tls.not_offered` with `--require-tls`).
    #[must_use]
    pub const fn severity(self) -> Severity {
        use Severity::{Error, Info, Warning};
        match self {
            Self::DnsImplicitMx
            | Self::SmtpMessageExceedsSize
            | Self::SmtpQuitNotAcknowledged
            | Self::TlsNoTls13 => Info,
            Self::ConnectPartialFailure
            | Self::DnsNullMxMixed
            | Self::DnsMxAddressLiteral
            | Self::DnsLoopbackAddress
            | Self::DnsUnspecifiedAddress
            | Self::SmtpEhloRefused
            | Self::SmtpBareLf
            | Self::SmtpEnhancedCodeMismatch
            | Self::SmtpDataWithoutRecipients
            | Self::TlsNotOffered
            | Self::TlsStarttlsRefused
            | Self::TlsCertificateExpiring
            | Self::AuthPlaintextOffered
            | Self::DeliveryPartial => Warning,
            Self::DnsNullMx
            | Self::SmtpUnsolicitedReply
            | Self::SmtpRepliesUnmatched
            | Self::TlsInjection
            | Self::TlsHandshakeFailed
            | Self::TlsWeakVersion
            | Self::TlsCertificateInvalid
            | Self::AuthRequiredNotEnforced
            | Self::RelayOpen => Error,
            Self::DnsPtrGeneric
            | Self::HeloMismatch
            | Self::HeloTempFailure
            | Self::DnsblTempFailure
            | Self::SpfRedirectIgnored
            | Self::SpfUnknownModifier
            | Self::SpfRecordTooLong
            | Self::SpfHostBitsSet
            | Self::DkimTooManySelectors
            | Self::DkimRevoked
            | Self::DkimNxdomainAboveKeys
            | Self::DmarcRemovedTag
            | Self::DmarcTooManyReportUris
            | Self::DmarcSubdomainPolicyNone
            | Self::DmarcNoRua
            | Self::DmarcExternalRuaUnverified
            | Self::DmarcTooManyExternalDestinations
            | Self::DmarcOrgDomainDiffers
            | Self::DmarcDiscoveryDiffers
            | Self::DmarcWouldFail
            | Self::TlsNoServerPreference
            | Self::TlsScanIncomplete
            | Self::DnssecInsecure
            | Self::DnssecUntrustedResolver
            | Self::DnssecTooManyHosts
            | Self::DaneNoRollover
            | Self::DaneTooManyRecords
            | Self::MtaStsNoTxt
            | Self::MtaStsModeTesting
            | Self::MtaStsMaxAgeShort
            | Self::FollowThroughCleanupFlaggedOnly
            | Self::ReceiverNoAuthenticationResults
            | Self::FollowThroughBounceOversized
            | Self::TlsRptMissing => Info,
            Self::DnsMxNoAddress
            | Self::DnsNoPtr
            | Self::DnsFcrdnsMismatch
            | Self::DnsPtrTooManyNames
            | Self::DnsPtrInvalidName
            | Self::DnsPtrTempFailure
            | Self::HeloNotFqdn
            | Self::HeloLocalhost
            | Self::HeloBareAddress
            | Self::HeloLiteralMismatch
            | Self::HeloDoesNotResolve
            | Self::DnsblQueryRefused
            | Self::DnsblZoneError
            | Self::DnsblInvalidQuery
            | Self::SpfNoRecord
            | Self::SpfNeutralAll
            | Self::SpfNoAll
            | Self::SpfTermsAfterAll
            | Self::SpfPtrUsed
            | Self::SpfNotAuthorized
            | Self::SpfEvaluationError
            | Self::DkimNoneFound
            | Self::DkimInvalidSelector
            | Self::DkimKeyWeak
            | Self::DkimTesting
            | Self::DkimUnknownKeyType
            | Self::DkimNotForEmail
            | Self::DkimMultipleRecords
            | Self::DkimLookupFailed
            | Self::DmarcLookupFailed
            | Self::DmarcVersionNotFirst
            | Self::DmarcUnknownTag
            | Self::DmarcInvalidValue
            | Self::DmarcInvalidReportUri
            | Self::DmarcPolicyNone
            | Self::DmarcPctPartial
            | Self::DmarcTesting
            | Self::DmarcExternalRuaUnauthorized
            | Self::SpfDeprecatedModifier => Warning,
            Self::DnsMxLookupFailed
            | Self::HeloInvalidSyntax
            | Self::DnsblListed
            | Self::SpfMultipleRecords
            | Self::SpfSyntaxError
            | Self::SpfPassAll
            | Self::SpfTooManyLookups
            | Self::SpfBrokenInclude
            | Self::DkimSelectorNotFound
            | Self::DkimKeyTooShort
            | Self::DkimSyntax
            | Self::DkimBadKey
            | Self::DkimSha1Only
            | Self::DmarcInvalidDomain
            | Self::DmarcMissing
            | Self::DmarcMultipleRecords
            | Self::DmarcSyntax
            | Self::DmarcMissingPolicy
            | Self::SpfIncludePassAll
            | Self::SpfLimitExceeded
            | Self::MxHostFailed
            | Self::DnssecBogus
            | Self::DaneMismatch
            | Self::DaneTaChainInvalid
            | Self::DaneNoCertificate
            | Self::DaneTlsaLookupFailed
            | Self::MtaStsInvalidDomain
            | Self::MtaStsMultipleRecords
            | Self::MtaStsTxtInvalid
            | Self::MtaStsPolicyFetchFailed
            | Self::MtaStsPolicyInvalid
            | Self::MtaStsMxNotCovered
            | Self::MtaStsMxCertificateInvalid
            | Self::TlsRptInvalidDomain
            | Self::TlsRptMultipleRecords
            | Self::FollowThroughNotFound
            | Self::ReceiverSpfNotPass
            | Self::ReceiverDkimNotPass
            | Self::ReceiverDmarcNotPass
            | Self::BounceHard
            | Self::DkimSignKeyMismatch
            | Self::TlsRptInvalid => Error,
            Self::TlsNotEnforced
            | Self::SweepPort25Blocked
            | Self::TlsLegacyVersion
            | Self::TlsNoModernVersion
            | Self::TlsWeakCipher
            | Self::TlsNoForwardSecrecy
            | Self::TlsWeakCipherPreferred
            | Self::TlsWeakKey
            | Self::TlsWeakSignature
            | Self::TlsWeakKeyExchange
            | Self::DnssecLookupFailed
            | Self::DnssecMxHostInsecure
            | Self::DaneNoUsableTlsa
            | Self::DanePkixUsage
            | Self::DaneUnknownParameters
            | Self::DaneTlsaInsecure
            | Self::MtaStsLookupFailed
            | Self::MtaStsModeNone
            | Self::TlsRptLookupFailed
            | Self::FollowThroughJunk
            | Self::FollowThroughSeedUnreachable
            | Self::FollowThroughSeedTls
            | Self::FollowThroughSeedAuth
            | Self::FollowThroughSeedProtocol
            | Self::FollowThroughCleanupFailed
            | Self::BounceDelayed
            | Self::DkimSignUnaligned
            | Self::FollowThroughBounceWatchFailed
            | Self::TlsRptUnsupportedUri => Warning,
        }
    }

    /// What to do about it, in one sentence.
    #[must_use]
    pub const fn remediation(self) -> &'static str {
        match self {
            Self::DnsNullMx => {
                "If this domain should receive mail, replace the null MX (MX 0 .) with real MX records."
            }
            Self::DnsImplicitMx => "Publish an MX record so that the mail route is explicit.",
            Self::DnsNullMxMixed => {
                "Remove the MX 0 . record if the domain receives mail, or remove the other MX records if it does not."
            }
            Self::DnsMxAddressLiteral => {
                "Point the MX at a host name with A/AAAA records (mx.example.org), never at an address."
            }
            Self::DnsLoopbackAddress => {
                "Publish the server's public address; if you are testing a new server, use a .test name or --resolver with a lab zone."
            }
            Self::DnsUnspecifiedAddress => {
                "Publish the server's real address in the A/AAAA record (0.0.0.0 and :: are placeholders, not hosts)."
            }
            Self::ConnectPartialFailure => {
                "Check the addresses that failed: other senders may try them first."
            }
            Self::SmtpEhloRefused => {
                "Enable ESMTP on the server or on the firewall/proxy in front of it."
            }
            Self::SmtpBareLf => {
                "Fix the server (or proxy) to send CRLF line endings; strict clients refuse bare LF."
            }
            Self::SmtpEnhancedCodeMismatch => {
                "Fix the server's reply texts so that the enhanced code's class matches the reply code (RFC 3463)."
            }
            Self::SmtpMessageExceedsSize => {
                "Expected when testing the size limit; otherwise send a smaller --body-size."
            }
            Self::SmtpDataWithoutRecipients => {
                "Report it to the server's vendor: a pipelining client could send content that is then dropped."
            }
            Self::SmtpUnsolicitedReply => {
                "Fix the server (or the proxy or filter in front of it) so that it answers each command once, after the command; never trust a server that talks ahead."
            }
            Self::SmtpRepliesUnmatched => {
                "Fix the server's PIPELINING support (RFC 2920: one reply per command, in order); test again with --no-pipelining to see each reply on its own."
            }
            Self::SmtpQuitNotAcknowledged => {
                "Nothing to do unless the server's logs show lost sessions."
            }
            Self::TlsNotOffered => {
                "Enable STARTTLS with a certificate for the MX host name (Postfix: smtpd_tls_security_level = may, smtpd_tls_chain_files)."
            }
            Self::TlsInjection => {
                "Upgrade the server (or the proxy in front of it) so that it discards pipelined plaintext at STARTTLS."
            }
            Self::TlsStarttlsRefused => {
                "Check the server's TLS certificate and key files and its TLS log lines."
            }
            Self::TlsHandshakeFailed => {
                "Check the server's TLS configuration (protocol versions, ciphers, certificate and key)."
            }
            Self::TlsWeakVersion => {
                "Enable TLS 1.2 and 1.3 on the server (OpenSSL: MinProtocol = TLSv1.2; Postfix: smtpd_tls_protocols = >=TLSv1.2)."
            }
            Self::TlsNoTls13 => {
                "Enable TLS 1.3 (OpenSSL 1.1.1 or newer) for faster, safer handshakes."
            }
            Self::TlsCertificateInvalid => {
                "Install a certificate that a public CA issued for the server's name, with the whole chain."
            }
            Self::TlsCertificateExpiring => {
                "Renew the certificate now (and check that automatic renewal works)."
            }
            Self::AuthPlaintextOffered => {
                "Offer AUTH only after STARTTLS (Postfix: smtpd_tls_auth_only = yes; Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}})."
            }
            Self::AuthRequiredNotEnforced => {
                "Require authentication before relaying on submission ports (Postfix: smtpd_relay_restrictions = permit_sasl_authenticated, reject)."
            }
            Self::DeliveryPartial => {
                "See each recipient's reply and reason in the delivery area (recipients[] in the JSON)."
            }
            Self::RelayOpen => {
                "Restrict relaying to your own networks and authenticated users (Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination)."
            }
            Self::DnsMxLookupFailed => {
                "Fix the domain's DNS (its name servers must answer MX queries) or, if the name is wrong, check the spelling."
            }
            Self::DnsMxNoAddress => {
                "Publish A/AAAA records for every MX host, or remove the MX records that point nowhere."
            }
            Self::DnsNoPtr => {
                "Ask whoever owns the address block (hosting provider or ISP) for a PTR record naming the mail server."
            }
            Self::DnsFcrdnsMismatch => {
                "Give the PTR name an A/AAAA record with this address, or point the PTR at a name that has one."
            }
            Self::DnsPtrTooManyNames => "Keep one PTR record per address.",
            Self::DnsPtrInvalidName => {
                "Make the PTR target a valid host name (letters, digits and hyphens)."
            }
            Self::DnsPtrTempFailure => {
                "Check the reverse and forward zones' name servers, then run the check again."
            }
            Self::DnsPtrGeneric => {
                "Give the mail server its own PTR name (such as mail.example.com) instead of the provider's generic one."
            }
            Self::HeloInvalidSyntax => {
                "Announce the mail server's fully qualified host name in HELO/EHLO."
            }
            Self::HeloNotFqdn => {
                "Announce a fully qualified domain name (mail.example.com), not a bare host name."
            }
            Self::HeloLocalhost => "Announce the server's public host name, not localhost.",
            Self::HeloBareAddress => {
                "Use a host name, or an address literal in brackets ([192.0.2.7])."
            }
            Self::HeloLiteralMismatch => {
                "Announce the address the mail leaves from, or a host name that resolves to it."
            }
            Self::HeloDoesNotResolve => {
                "Publish an A/AAAA record for the HELO name (ideally the same name as the PTR)."
            }
            Self::HeloMismatch => {
                "Announce a name that resolves to the sending address (ideally its PTR name)."
            }
            Self::HeloTempFailure => {
                "Check the DNS of the HELO name's zone, then run the check again."
            }
            Self::DnsblListed => {
                "Find and stop the cause (compromised account, open relay, bad list hygiene), then request delisting from the list's operator."
            }
            Self::DnsblQueryRefused => {
                "Query the list through your own resolver (not a public one), or use the operator's registered or paid access."
            }
            Self::DnsblZoneError => {
                "Fix the zone name, or stop using a list that answers every name."
            }
            Self::DnsblTempFailure => {
                "Run the check again; the listing status is unknown until the list answers."
            }
            Self::DnsblInvalidQuery => "Pass a valid domain name to domain blocklists.",
            Self::SpfNoRecord => {
                "Publish a TXT record \"v=spf1 … -all\" listing the hosts that send for the domain (or \"v=spf1 -all\" if it sends no mail)."
            }
            Self::SpfMultipleRecords => {
                "Merge the SPF records into one TXT record starting with v=spf1."
            }
            Self::SpfSyntaxError => {
                "Correct the record's syntax (the message says where it breaks)."
            }
            Self::SpfPassAll => "Replace +all with -all (or ~all) after listing the real senders.",
            Self::SpfNeutralAll => {
                "End the record with -all (or ~all while testing) so that unlisted hosts fail."
            }
            Self::SpfNoAll => "End the record with -all (or ~all) so that unlisted hosts fail.",
            Self::SpfTermsAfterAll => {
                "Move the terms before all (they are never evaluated after it)."
            }
            Self::SpfRedirectIgnored => {
                "Remove redirect= from a record that has an all term (it is ignored)."
            }
            Self::SpfPtrUsed => {
                "Replace ptr with ip4/ip6 or a mechanisms (RFC 7208 §5.5 says do not use ptr)."
            }
            Self::SpfUnknownModifier => "Remove the unknown modifier, or check its spelling.",
            Self::SpfTooManyLookups => {
                "Flatten includes or remove unused ones so that the whole tree needs at most 10 DNS lookups."
            }
            Self::SpfRecordTooLong => {
                "Shorten the record (split into includes) so that it fits one 512-byte UDP answer."
            }
            Self::SpfHostBitsSet => {
                "Write the network address of the range (192.0.2.0/24, not 192.0.2.7/24)."
            }
            Self::SpfBrokenInclude => {
                "Fix or remove the include whose domain has no valid SPF record."
            }
            Self::SpfNotAuthorized => {
                "Add the sending address to the domain's SPF record (ip4:/ip6:/include:), or send through a host that is listed."
            }
            Self::SpfEvaluationError => {
                "Fix the record (permerror) or the domain's DNS (temperror); the message says which."
            }
            Self::DkimNoneFound => {
                "Name your selectors with --dkim-selector (they are in the DKIM-Signature s= tag of a sent message), or publish a key and sign outgoing mail."
            }
            Self::DkimSelectorNotFound => {
                "Publish the selector's key at selector._domainkey.domain, or fix the selector name in the signer."
            }
            Self::DkimInvalidSelector => {
                "Give selectors as DNS labels (letters, digits, hyphens, dots)."
            }
            Self::DkimTooManySelectors => "Ask for at most 32 selectors at once.",
            Self::DkimKeyTooShort => {
                "Generate a 2048-bit RSA key (or Ed25519 alongside it) and publish it under a new selector."
            }
            Self::DkimKeyWeak => "Rotate to a 2048-bit RSA key under a new selector.",
            Self::DkimTesting => {
                "Remove t=y once signing works, so that receivers act on the signatures."
            }
            Self::DkimRevoked => {
                "Remove the record when no message signed with that key is still in transit."
            }
            Self::DkimSyntax => "Correct the key record's tag list (tag=value; pairs).",
            Self::DkimBadKey => {
                "Publish the public key again (base64 of the SubjectPublicKeyInfo, without line breaks or quotes inside)."
            }
            Self::DkimUnknownKeyType => "Use k=rsa or k=ed25519.",
            Self::DkimSha1Only => "Allow sha256 (h=sha256, or drop h=) and sign with rsa-sha256.",
            Self::DkimNotForEmail => "Set s=email or s=* (or drop s=).",
            Self::DkimMultipleRecords => "Keep exactly one TXT record at the selector.",
            Self::DkimLookupFailed => "Check the domain's name servers, then run the check again.",
            Self::DkimNxdomainAboveKeys => {
                "Make sure _domainkey answers NOERROR when keys exist below it (RFC 8020)."
            }
            Self::DmarcInvalidDomain => "Give a valid domain name.",
            Self::DmarcMissing => {
                "Publish _dmarc.domain TXT \"v=DMARC1; p=none; rua=mailto:…\" and tighten p= once reports look clean."
            }
            Self::DmarcLookupFailed => "Check the domain's name servers, then run the check again.",
            Self::DmarcMultipleRecords => "Keep exactly one v=DMARC1 record at _dmarc.domain.",
            Self::DmarcVersionNotFirst => "Start the record with v=DMARC1.",
            Self::DmarcSyntax => "Correct the record's tag list (tag=value; pairs).",
            Self::DmarcUnknownTag => "Remove the unknown tag or check its spelling.",
            Self::DmarcInvalidValue => "Use a value the tag allows (the message names it).",
            Self::DmarcMissingPolicy => "Add p=none, p=quarantine or p=reject.",
            Self::DmarcRemovedTag => "Remove the tag: RFC 9989 dropped it (pct, rf, ri).",
            Self::DmarcInvalidReportUri => "Give report destinations as mailto: URIs.",
            Self::DmarcTooManyReportUris => "Keep to a few report destinations.",
            Self::DmarcPolicyNone => {
                "Move to p=quarantine, then p=reject, once aggregate reports show your legitimate mail passing."
            }
            Self::DmarcSubdomainPolicyNone => {
                "Set sp=quarantine or sp=reject if subdomains do not send mail."
            }
            Self::DmarcPctPartial => "Raise pct to 100 (or drop it) once the policy is proven.",
            Self::DmarcTesting => "Remove t=y once the policy is proven.",
            Self::DmarcNoRua => "Add rua=mailto:… to receive aggregate reports.",
            Self::DmarcExternalRuaUnauthorized => {
                "Ask the destination to publish domain._report._dmarc.destination TXT \"v=DMARC1\", or use an address in your own domain."
            }
            Self::DmarcExternalRuaUnverified => {
                "Run the check again; the authorisation lookup failed."
            }
            Self::DmarcTooManyExternalDestinations => "Use fewer external report destinations.",
            Self::DmarcOrgDomainDiffers => {
                "Nothing to fix unless the two should agree; check the record at each organisational domain."
            }
            Self::DmarcDiscoveryDiffers => {
                "Publish the policy where both discovery methods find it (at the domain itself)."
            }
            Self::DmarcWouldFail => {
                "Send from an address SPF authorises for the From domain, or sign the mail with the domain's DKIM key, or use a From domain you control."
            }
            Self::TlsLegacyVersion => {
                "Disable SSLv3, TLS 1.0 and TLS 1.1 and offer TLS 1.2 and 1.3 (Postfix: smtpd_tls_protocols = >=TLSv1.2)."
            }
            Self::TlsNoModernVersion => "Enable TLS 1.2 and TLS 1.3.",
            Self::TlsWeakCipher => {
                "Remove NULL, anonymous, EXPORT, RC4, DES/3DES and static-RSA cipher suites from the server's list."
            }
            Self::TlsNoForwardSecrecy => "Enable ECDHE cipher suites (and TLS 1.3).",
            Self::TlsNoServerPreference => {
                "Let the server choose the cipher suite (Postfix: tls_preempt_cipherlist = yes)."
            }
            Self::TlsWeakCipherPreferred => "Put the strongest suites first in the server's order.",
            Self::TlsWeakKey => "Use an RSA key of 3072 bits or more, or an ECDSA P-256/P-384 key.",
            Self::TlsWeakSignature => "Reissue the certificate signed with SHA-256 or better.",
            Self::TlsWeakKeyExchange => {
                "Use X25519, P-256 or P-384, and DH primes of 3072 bits or more."
            }
            Self::TlsScanIncomplete => "Run the scan again; some probes got no usable answer.",
            Self::DnssecBogus => {
                "Re-sign the zone or fix the DS record at the parent; validating resolvers refuse the answer."
            }
            Self::DnssecLookupFailed => "Check the name's authoritative servers, then run again.",
            Self::DnssecMxHostInsecure => "Host the MX in a signed zone, so that DANE can apply.",
            Self::DnssecInsecure => "Sign the zone and publish its DS record at the parent.",
            Self::DnssecUntrustedResolver => {
                "Use a validating resolver on loopback (--resolver 127.0.0.1) or say --trust-ad for one you trust."
            }
            Self::DnssecTooManyHosts => "Publish fewer MX hosts.",
            Self::DaneMismatch => {
                "Update the TLSA records to the certificate the server presents (or deploy the certificate they name)."
            }
            Self::DaneTaChainInvalid => {
                "Serve a chain that validates from the DANE-TA certificate, names the MX host and is within its dates."
            }
            Self::DaneNoCertificate => "Configure a certificate on the server.",
            Self::DaneTlsaLookupFailed => {
                "Fix the DNS of the TLSA name; DANE senders defer mail while it fails."
            }
            Self::DaneNoUsableTlsa => "Publish a 3 1 1 (DANE-EE) or 2 1 1 (DANE-TA) record.",
            Self::DanePkixUsage => {
                "Replace usage 0/1 records with 3 1 1 or 2 1 1 (RFC 7672 §3.1.3)."
            }
            Self::DaneUnknownParameters => {
                "Use selector 0/1 and matching type 0/1/2 with a digest of the right length."
            }
            Self::DaneTlsaInsecure => "Sign the zone that holds the TLSA records.",
            Self::DaneNoRollover => {
                "Publish the next key's TLSA record beside the current one before rotating (RFC 7671 §8.1)."
            }
            Self::DaneTooManyRecords => "Publish fewer TLSA records.",
            Self::MtaStsInvalidDomain => "Give a valid domain name.",
            Self::MtaStsNoTxt => {
                "Publish _mta-sts.<domain> TXT \"v=STSv1; id=…\" and a policy at https://mta-sts.<domain>/.well-known/mta-sts.txt."
            }
            Self::MtaStsLookupFailed => "Fix the DNS servers so that _mta-sts answers.",
            Self::MtaStsMultipleRecords => "Keep exactly one v=STSv1 record.",
            Self::MtaStsTxtInvalid => "Publish \"v=STSv1; id=<1-32 letters and digits>\".",
            Self::MtaStsPolicyFetchFailed => {
                "Serve the policy over HTTPS with a trusted certificate for mta-sts.<domain>, status 200, text/plain, no redirect."
            }
            Self::MtaStsPolicyInvalid => {
                "Fix the policy file: version, one mode, one max_age, mx lines, key: value per line."
            }
            Self::MtaStsModeTesting => {
                "Switch to mode: enforce once TLS-RPT reports show no failures."
            }
            Self::MtaStsModeNone => "Use testing or enforce, or retire MTA-STS completely.",
            Self::MtaStsMaxAgeShort => "Raise max_age to weeks (for example 1209600).",
            Self::MtaStsMxNotCovered => {
                "Add the MX host (or a *. pattern) to the policy and change the id."
            }
            Self::MtaStsMxCertificateInvalid => {
                "Install a certificate that names the MX host and chains to a public CA."
            }
            Self::TlsRptInvalidDomain => "Give a valid domain name.",
            Self::TlsRptMissing => {
                "Publish _smtp._tls.<domain> TXT \"v=TLSRPTv1; rua=mailto:…\" to receive TLS failure reports."
            }
            Self::TlsRptLookupFailed => "Fix the DNS servers so that _smtp._tls answers.",
            Self::TlsRptMultipleRecords => "Keep exactly one v=TLSRPTv1 record.",
            Self::TlsRptInvalid => {
                "Publish \"v=TLSRPTv1; rua=<comma-separated mailto: or https: URIs>\"."
            }
            Self::TlsRptUnsupportedUri => "Use only mailto: or https: report destinations.",
            Self::SpfDeprecatedModifier => {
                "Remove the modifier (default=deny means: end the record with -all)."
            }
            Self::SpfIncludePassAll => {
                "Stop including the record, or get its owner to replace +all."
            }
            Self::TlsNotEnforced => {
                "Refuse mail transactions before STARTTLS on submission ports (Postfix: smtpd_tls_security_level = encrypt in master.cf for submission; Exim: a MAIL ACL that denies unless $tls_in_cipher is set)."
            }
            Self::SweepPort25Blocked => {
                "Send through the submission port (587 or 465) with AUTH, or through a relay; or ask the network's provider to open outbound port 25. Check from another network to tell a local block from a server-side filter."
            }
            Self::FollowThroughNotFound => {
                "Check the delivery reply, the receiver's logs and filters, and greylisting; raise --seed-timeout if the receiver is slow."
            }
            Self::FollowThroughJunk => {
                "Fix SPF, DKIM and DMARC alignment, the content or the sending reputation (the receiver's Authentication-Results say which failed)."
            }
            Self::FollowThroughSeedUnreachable => {
                "Check the IMAP host, port, firewall and --connect-to; polling retries until the deadline."
            }
            Self::FollowThroughSeedTls => {
                "Make the IMAP server's certificate valid for the URL's host (--ca-file for a private CA), or use imaps://."
            }
            Self::FollowThroughSeedAuth => {
                "Fix the seed user (percent-encoded in the URL) or the password source, or use TLS."
            }
            Self::FollowThroughSeedProtocol => {
                "Treat the IMAP server or path as misbehaving; check the folder names."
            }
            Self::FollowThroughCleanupFailed => {
                "Delete the test message by hand and check that the account may write."
            }
            Self::FollowThroughCleanupFlaggedOnly => {
                "Nothing to do: the next expunge removes it (the server has no UIDPLUS)."
            }
            Self::ReceiverNoAuthenticationResults => {
                "Add Authentication-Results at the receiver (OpenDKIM, OpenDMARC, policyd-spf), or use a seed at a provider that writes them."
            }
            Self::ReceiverSpfNotPass => {
                "Add the sending IP to the MAIL FROM domain's SPF record, or send through a host it lists."
            }
            Self::ReceiverDkimNotPass => {
                "Publish the signer's key at selector._domainkey.domain, and make sure nothing changes the signed headers or body on the way."
            }
            Self::ReceiverDmarcNotPass => {
                "Make SPF or DKIM pass for a domain aligned with the From domain, and publish DMARC."
            }
            Self::BounceHard => {
                "Fix the address, or the cause the remote server's diagnostic names, before sending again."
            }
            Self::BounceDelayed => {
                "Read the diagnostic (greylisting, an unreachable MX) and watch for a later bounce."
            }
            Self::DkimSignKeyMismatch => {
                "Publish the key's record (DkimSigner::dns_record) or give the key that matches the selector."
            }
            Self::DkimSignUnaligned => {
                "Sign with a d= under the From domain's organisational domain."
            }
            Self::FollowThroughBounceWatchFailed => {
                "Check the bounce mailbox's URL, password, TLS and server; the error names the IMAP step."
            }
            Self::FollowThroughBounceOversized => {
                "Raise ImapLimits::max_message if bounces carry large attachments, or read that mailbox by hand."
            }
            Self::MxHostFailed => {
                "Fix or remove the failing MX host: senders try every MX, and mail queued for a broken one is delayed or bounced."
            }
            Self::SpfLimitExceeded => {
                "Remove terms whose lookups return nothing, or bring the MX hosts under 10."
            }
        }
    }
}

/// Something worth telling, with a stable dotted id (`tls.not_offered`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// Stable id.
    pub id: FindingId,
    /// Severity.
    pub severity: Severity,
    /// What was found.
    pub message: String,
    /// How to fix it.
    pub remediation: String,
}

impl Finding {
    /// A finding with the id's own severity and remediation.
    ///
    /// ```
    /// use smtping_client::report::{Finding, FindingId, Severity};
    /// let f = Finding::new(FindingId::SmtpBareLf, "bare LF after EHLO");
    /// assert_eq!(f.severity, Severity::Warning);
    /// assert_eq!(f.id, "smtp.bare_lf");
    /// ```
    #[must_use]
    pub fn new(id: FindingId, message: impl Into<String>) -> Self {
        Self {
            id,
            severity: id.severity(),
            message: message.into(),
            remediation: id.remediation().to_owned(),
        }
    }

    /// The same finding with another severity (raised or lowered by context).
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// The same finding with a more specific remediation.
    #[must_use]
    pub fn remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = remediation.into();
        self
    }
}

#[cfg(test)]
mod tests;
