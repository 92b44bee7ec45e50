//! The [`DomainReport`] of `smtping domain`: the posture of a mail domain, with the field
//! names of design.md §10 (a contract for JSON consumers).

use serde::{Deserialize, Serialize};

use crate::report::{Finding, Status};

/// The posture of a mail domain. See the [module docs](super).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DomainReport {
    /// SMTPing's version.
    pub version: String,
    /// The domain, normalised (lower case, ASCII, no trailing dot).
    pub domain: String,
    /// The worst area's status.
    pub verdict: Status,
    /// One sentence.
    pub summary: String,
    /// Mail exchangers.
    pub mx: MxSection,
    /// SPF (RFC 7208).
    pub spf: SpfSection,
    /// DKIM keys (RFC 6376).
    pub dkim: DkimSection,
    /// DMARC (RFC 7489, RFC 9989).
    pub dmarc: DmarcSection,
    /// PTR/FCrDNS of every MX address and DNS blocklists.
    pub reputation: ReputationSection,
    /// DNSSEC status of the domain, its MX answer and the MX hosts' addresses (absent
    /// when not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dnssec: Option<DnssecSection>,
    /// MTA-STS (RFC 8461) (absent when not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mta_sts: Option<MtaStsSection>,
    /// TLS-RPT (RFC 8460) (absent when not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_rpt: Option<TlsRptSection>,
    /// DANE (RFC 7672) (absent when not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dane: Option<DaneSection>,
    /// TLS of every MX address (absent when not evaluated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<TlsSection>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
    /// Per-area times.
    pub timings_ms: DomainTimings,
}

impl DomainReport {
    /// The monitoring exit code: 0 green, 1 amber, 2 red.
    #[must_use]
    pub fn exit_code(&self) -> i32 {
        self.verdict.exit_code()
    }

    /// The finding with this id, if any.
    #[must_use]
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.id == id)
    }
}

/// `mx`: the domain's mail exchangers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MxSection {
    /// Area status.
    pub status: Status,
    /// The domain publishes a null MX (RFC 7505): it accepts no mail.
    pub null_mx: bool,
    /// No MX: mail goes to the domain's own A/AAAA (RFC 5321 §5.1).
    pub implicit_mx: bool,
    /// The exchangers in preference order.
    pub hosts: Vec<MxHostInfo>,
    /// Why the MX lookup failed.
    pub error: Option<String>,
}

/// One MX host.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MxHostInfo {
    /// The exchange host.
    pub name: String,
    /// Lower is preferred.
    pub preference: u16,
    /// Its IPv4 and IPv6 addresses.
    pub addresses: Vec<String>,
    /// DNSSEC status of its addresses (`secure`, `insecure`, `bogus`, `unknown`), as in
    /// `dnssec.hosts`; `null` when the DNSSEC lookups failed.
    pub dnssec: Option<String>,
    /// Why its addresses could not be resolved.
    pub error: Option<String>,
}

/// One node of the SPF include/redirect tree.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpfNode {
    /// The domain whose record this is.
    pub domain: String,
    /// The record text (`null` when none was found).
    pub record: Option<String>,
    /// The record's terms as written.
    pub mechanisms: Vec<String>,
    /// Included and redirected records, in order.
    pub children: Vec<SpfNode>,
    /// Why this node could not be read.
    pub error: Option<String>,
}

/// The SPF verdict for one sending IP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpfIpResult {
    /// The sending IP.
    pub ip: String,
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror` or `permerror`.
    pub result: String,
    /// The term that decided (`"-all"`, `"ip4:192.0.2.0/24"`), `null` for a default.
    pub mechanism: Option<String>,
}

/// `spf`: the domain's SPF record.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpfSection {
    /// Area status.
    pub status: Status,
    /// The record.
    pub record: Option<String>,
    /// The qualifier of the top record's `all` (`"-all"`, `"~all"`, `"?all"`, `"+all"`).
    pub all: Option<String>,
    /// DNS terms counted for the limit of 10 (RFC 7208 §4.6.4), over the whole tree.
    pub lookups: u32,
    /// Lookups that returned nothing (limit 2).
    pub void_lookups: u32,
    /// The include/redirect tree.
    pub tree: Option<SpfNode>,
    /// The verdict for each `--sending-ip`.
    pub results: Vec<SpfIpResult>,
    /// Why the record could not be evaluated.
    pub error: Option<String>,
}

/// One DKIM selector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DkimSelectorInfo {
    /// The selector.
    pub selector: String,
    /// A key record was found.
    pub found: bool,
    /// `rsa`, `ed25519` or another `k=`.
    pub key_type: Option<String>,
    /// Key size in bits.
    pub key_bits: Option<u32>,
    /// `t=y`: the domain is testing DKIM.
    pub testing: bool,
    /// `p=` empty: the key was revoked.
    pub revoked: bool,
    /// What is wrong with the record or the lookup.
    pub error: Option<String>,
}

/// `dkim`: the keys of the selectors asked for (or the common ones).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DkimSection {
    /// Area status.
    pub status: Status,
    /// `_domainkey.<domain>` exists (RFC 8020: NXDOMAIN there means no selector exists).
    pub domainkey_exists: Option<bool>,
    /// Whether the selectors were named (`--dkim-selector`) or guessed from the common
    /// list.
    pub selectors_guessed: bool,
    /// The selectors asked.
    pub selectors_tried: Vec<String>,
    /// The selectors.
    pub selectors: Vec<DkimSelectorInfo>,
}

/// An external report destination and whether it agreed to receive reports.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ExternalDestination {
    /// The destination domain.
    pub destination: String,
    /// `<domain>._report._dmarc.<destination>` holds `v=DMARC1`.
    pub authorized: bool,
}

/// `dmarc`: the domain's policy.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DmarcSection {
    /// Area status.
    pub status: Status,
    /// The record text.
    pub record: Option<String>,
    /// Where the record was found (`_dmarc.<domain>` or the organisational domain's).
    pub record_domain: Option<String>,
    /// `p=`: `none`, `quarantine` or `reject`.
    pub policy: Option<String>,
    /// `sp=`.
    pub subdomain_policy: Option<String>,
    /// `pct=` (default 100).
    pub pct: Option<u8>,
    /// `adkim=`: `r` or `s`.
    pub adkim: Option<String>,
    /// `aspf=`: `r` or `s`.
    pub aspf: Option<String>,
    /// Aggregate report URIs.
    pub rua: Vec<String>,
    /// Failure report URIs.
    pub ruf: Vec<String>,
    /// The organisational domain per RFC 7489 (public suffix list).
    pub org_domain: Option<String>,
    /// The organisational domain per RFC 9989's DNS tree walk.
    pub org_domain_rfc9989: Option<String>,
    /// External report destinations and their authorisation.
    pub external_rua: Vec<ExternalDestination>,
    /// Why the record could not be read.
    pub error: Option<String>,
}

/// PTR/FCrDNS of one address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PtrInfo {
    /// The address.
    pub ip: String,
    /// Its PTR names.
    pub names: Vec<String>,
    /// A PTR name resolves back to the address (forward-confirmed reverse DNS).
    pub fcrdns: bool,
    /// Why the lookup failed.
    pub error: Option<String>,
}

/// One blocklist query: the same shape as a check's `signals.dnsbl[]`.
pub use crate::report::signals::DnsblSignal as DnsblInfo;

/// `reputation`: reverse DNS of the MX addresses and blocklists.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReputationSection {
    /// Area status.
    pub status: Status,
    /// PTR/FCrDNS of every MX address.
    pub ptr: Vec<PtrInfo>,
    /// Blocklist queries (only with `--dnsbl`).
    pub dnsbl: Vec<DnsblInfo>,
}

/// Per-area times in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(missing_docs)]
pub struct DomainTimings {
    pub mx: Option<f64>,
    pub spf: Option<f64>,
    pub dkim: Option<f64>,
    pub dmarc: Option<f64>,
    pub reputation: Option<f64>,
    pub transport: Option<f64>,
    pub tls: Option<f64>,
    pub total: f64,
}

/// DNSSEC status of one name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DnssecHost {
    /// The MX host.
    pub name: String,
    /// `secure`, `insecure`, `bogus` or `unknown`.
    pub status: String,
}

/// `dnssec`: what a validating resolver said.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DnssecSection {
    /// Area status.
    pub status: Status,
    /// The domain's own answer: `secure`, `insecure`, `bogus` or `unknown`.
    pub domain: String,
    /// The MX answer.
    pub mx: String,
    /// Each MX host's address answers.
    pub hosts: Vec<DnssecHost>,
    /// Why the status is unknown (e.g. the resolver is not trusted to validate).
    pub error: Option<String>,
}

/// One MX host against the MTA-STS policy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MtaStsHost {
    /// The MX host.
    pub name: String,
    /// It matches an `mx:` pattern.
    pub matched: bool,
    /// Its certificate is valid for its name (PKIX), when checked.
    pub certificate_valid: Option<bool>,
}

/// `mta_sts`: the policy and how the MX hosts fit it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MtaStsSection {
    /// Area status.
    pub status: Status,
    /// The `id=` of the `_mta-sts` TXT record.
    pub txt_id: Option<String>,
    /// `enforce`, `testing` or `none`.
    pub mode: Option<String>,
    /// `max_age` in seconds.
    pub max_age: Option<u64>,
    /// The `mx:` patterns.
    pub mx_patterns: Vec<String>,
    /// Each MX host.
    pub hosts: Vec<MtaStsHost>,
    /// Why the policy could not be read.
    pub error: Option<String>,
}

/// `tls_rpt`: where TLS failure reports go.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TlsRptSection {
    /// Area status.
    pub status: Status,
    /// The `_smtp._tls` record.
    pub record: Option<String>,
    /// Its `rua` destinations.
    pub rua: Vec<String>,
}

/// One TLSA record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TlsaInfo {
    /// Certificate usage (0–3).
    pub usage: u8,
    /// Selector (0 full certificate, 1 SubjectPublicKeyInfo).
    pub selector: u8,
    /// Matching type (0 exact, 1 SHA-256, 2 SHA-512).
    pub matching: u8,
    /// The association data, hex.
    pub data: String,
}

/// DANE of one MX host.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DaneHost {
    /// The MX host.
    pub name: String,
    /// Its TLSA records.
    pub tlsa: Vec<TlsaInfo>,
    /// At least one record is usable for SMTP (DANE-TA or DANE-EE).
    pub usable: bool,
    /// The presented chain matched a usable record (`null` when not connected).
    pub matched: Option<bool>,
    /// Why the TLSA lookup or the match failed.
    pub error: Option<String>,
}

/// `dane`: TLSA records of the MX hosts and whether the servers match them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DaneSection {
    /// Area status.
    pub status: Status,
    /// Each MX host.
    pub hosts: Vec<DaneHost>,
}

/// TLS of one MX address.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TlsHost {
    /// The MX host.
    pub name: String,
    /// The address connected to.
    pub address: String,
    /// The port.
    pub port: u16,
    /// TLS was established.
    pub established: bool,
    /// The version.
    pub version: Option<String>,
    /// The certificate as in a check report.
    pub certificate: Option<crate::tls::CertificateSummary>,
    /// The address answered on TCP.
    pub connected: bool,
    /// The server offered STARTTLS.
    pub starttls: bool,
    /// This address's chain against the host's TLSA records: `true` matched, `false`
    /// failed (or no TLS where DANE requires it), `null` when DANE does not apply.
    pub dane_matched: Option<bool>,
    /// Traffic light of this address.
    pub status: Status,
    /// Why no TLS session was made.
    pub error: Option<String>,
    /// The version and cipher scan of this address (`--tls-scan`; absent otherwise), as
    /// a check's `tls.scan`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<serde_json::Value>,
}

/// `tls`: every MX address's TLS (absent with `--no-connect`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TlsSection {
    /// Area status.
    pub status: Status,
    /// Each MX address.
    pub hosts: Vec<TlsHost>,
}
