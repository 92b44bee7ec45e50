//! `signals`: how a receiver sees this probe — the sending IP and its reverse DNS, the
//! HELO name, SPF and DMARC of the MAIL FROM domain, blocklists (when asked), and the
//! server's own identity (design.md §10).

use serde::{Deserialize, Serialize};

use super::Status;

/// Where the sending IP came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum SendingIpSource {
    /// The local address of the connection (what the server saw, unless NAT is between).
    #[default]
    Socket,
    /// `--sending-ip` (behind NAT, or the address production mail leaves from).
    Option,
}

/// Reverse DNS of the sending IP or the server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PtrSignal {
    /// PTR names.
    pub names: Vec<String>,
    /// A PTR name resolves back to the address.
    pub fcrdns: bool,
    /// Why it was not looked up or failed (`null` when it worked).
    pub error: Option<String>,
}

/// The HELO/EHLO name SMTPing used, as a receiver checks it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct HeloSignal {
    /// The name or address literal sent.
    pub name: String,
    /// A fully qualified domain name (an address literal is not).
    pub fqdn: bool,
    /// An address literal (`[192.0.2.7]`).
    pub address_literal: bool,
    /// The name has A/AAAA records.
    pub resolves: bool,
    /// The name (or the literal) matches the sending IP.
    pub matches_ip: bool,
    /// Why the check could not be made.
    pub error: Option<String>,
}

/// SPF of the MAIL FROM domain for the sending IP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SpfSignal {
    /// The MAIL FROM domain (or the HELO name for the null sender).
    pub domain: String,
    /// `pass`, `fail`, `softfail`, `neutral`, `none`, `temperror` or `permerror`.
    pub result: String,
    /// The term that decided.
    pub mechanism: Option<String>,
    /// The explanation a failing domain gives (`exp=`), or why it errored.
    pub explanation: Option<String>,
}

/// DMARC posture of the From domain and how this message would align.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DmarcSignal {
    /// The From domain.
    pub domain: String,
    /// `none`, `quarantine`, `reject`, or `null` without a record.
    pub policy: Option<String>,
    /// SPF passes for a domain aligned with From.
    pub spf_aligned: bool,
    /// A DKIM signature aligned with From (SMTPing's test message is unsigned unless a
    /// key is given).
    pub dkim_aligned: bool,
    /// Why the record could not be read.
    pub error: Option<String>,
}

/// One blocklist answer about the sending IP.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DnsblSignal {
    /// The list's zone.
    pub zone: String,
    /// The name asked.
    pub query: String,
    /// Listed.
    pub listed: bool,
    /// Return codes.
    pub codes: Vec<String>,
    /// What they mean.
    pub meaning: Option<String>,
    /// A failed or refused query (never a listing).
    pub error: Option<String>,
}

impl DnsblSignal {
    /// One evaluator answer as reported: the list's documented meaning of its codes, or,
    /// for a list SMTPing does not document, the reason its TXT record gives.
    pub(crate) fn from_result(b: &smtping_signals::DnsblResult) -> Self {
        let codes: Vec<String> = b.codes.iter().map(ToString::to_string).collect();
        let meaning = match (&b.meaning, &b.reason) {
            (Some(m), Some(r)) if m.contains("not documented") => {
                Some(format!("{} ({r})", codes.join(", ")))
            }
            (Some(m), _) => Some(m.clone()),
            (None, Some(r)) => Some(format!("{} ({r})", codes.join(", "))),
            (None, None) => None,
        };
        Self {
            zone: b.zone.clone(),
            query: b.query.clone(),
            listed: b.listed,
            codes,
            meaning,
            error: b.error.clone(),
        }
    }
}

/// The server's own identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ServerIdentity {
    /// The host name in the 220 greeting.
    pub banner_name: Option<String>,
    /// The host name in the EHLO reply.
    pub ehlo_name: Option<String>,
    /// The address connected to resolves back and forth (PTR → A/AAAA).
    pub fcrdns: Option<bool>,
    /// Its PTR names.
    pub ptr_names: Vec<String>,
}

/// `signals`: how a receiver sees this probe.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignalsInfo {
    /// Area status.
    pub status: Status,
    /// The address the message would come from.
    pub sending_ip: Option<String>,
    /// `socket` or `option`.
    pub sending_ip_source: SendingIpSource,
    /// A private, loopback or otherwise non-public address: receivers on the Internet
    /// see another one (NAT), so give `--sending-ip`.
    pub private_address: bool,
    /// The sending IP's scope (`public`, `private`, `loopback`, `shared`, …).
    pub address_scope: Option<String>,
    /// Reverse DNS of the sending IP.
    pub ptr: Option<PtrSignal>,
    /// The HELO name used.
    pub helo: Option<HeloSignal>,
    /// SPF (with `--from`).
    pub spf: Option<SpfSignal>,
    /// DMARC (with `--from`).
    pub dmarc: Option<DmarcSignal>,
    /// Blocklists (with `--dnsbl`).
    pub dnsbl: Vec<DnsblSignal>,
    /// The server's identity.
    pub server: ServerIdentity,
    /// For a refusal for SPF, reverse DNS, a blocklist or DMARC: the signal behind it.
    pub explains: Option<String>,
    /// Evaluations that could not finish.
    pub errors: Vec<String>,
}
