//! Typed questions, records and answers.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use hickory_proto::rr::RecordType as HickoryType;

/// The record types SMTPing asks for.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordType {
    /// IPv4 address (RFC 1035).
    A,
    /// IPv6 address (RFC 3596).
    Aaaa,
    /// Mail exchanger (RFC 1035, RFC 7505 null MX).
    Mx,
    /// Text strings: SPF, DMARC, DKIM, MTA-STS (RFC 1035).
    Txt,
    /// Reverse pointer (RFC 1035).
    Ptr,
    /// DANE certificate association (RFC 6698).
    Tlsa,
    /// Alias (RFC 1035); asked for directly, the chain is not followed.
    Cname,
}

impl RecordType {
    /// The mnemonic: `"A"`, `"AAAA"`, `"MX"`, `"TXT"`, `"PTR"`, `"TLSA"`, `"CNAME"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::Aaaa => "AAAA",
            Self::Mx => "MX",
            Self::Txt => "TXT",
            Self::Ptr => "PTR",
            Self::Tlsa => "TLSA",
            Self::Cname => "CNAME",
        }
    }

    /// The IANA type number.
    #[must_use]
    pub const fn code(self) -> u16 {
        match self {
            Self::A => 1,
            Self::Aaaa => 28,
            Self::Mx => 15,
            Self::Txt => 16,
            Self::Ptr => 12,
            Self::Tlsa => 52,
            Self::Cname => 5,
        }
    }

    pub(crate) fn to_hickory(self) -> HickoryType {
        match self {
            Self::A => HickoryType::A,
            Self::Aaaa => HickoryType::AAAA,
            Self::Mx => HickoryType::MX,
            Self::Txt => HickoryType::TXT,
            Self::Ptr => HickoryType::PTR,
            Self::Tlsa => HickoryType::TLSA,
            Self::Cname => HickoryType::CNAME,
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record type name that SMTPing does not query.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unsupported DNS record type {0:?} (supported: A, AAAA, MX, TXT, PTR, TLSA, CNAME)")]
pub struct UnsupportedRecordType(pub String);

impl FromStr for RecordType {
    type Err = UnsupportedRecordType;

    /// Case-insensitive mnemonic.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        const ALL: [RecordType; 7] = [
            RecordType::A,
            RecordType::Aaaa,
            RecordType::Mx,
            RecordType::Txt,
            RecordType::Ptr,
            RecordType::Tlsa,
            RecordType::Cname,
        ];
        ALL.into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnsupportedRecordType(s.chars().take(32).collect()))
    }
}

/// The transport a query went over.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Protocol {
    /// A UDP datagram.
    Udp,
    /// A TCP connection; messages carry a 2-byte length prefix on the wire (RFC 1035
    /// §4.2.2), which the adapter adds and strips.
    Tcp,
}

impl Protocol {
    /// `"udp"` or `"tcp"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was asked: a name and a type (class IN).
///
/// Names are kept in ASCII (IDNs as punycode) without the trailing dot; the root is `"."`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Question {
    /// The queried name, e.g. `example.com`.
    pub name: String,
    /// The queried type.
    pub record_type: RecordType,
}

impl fmt::Display for Question {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.name, self.record_type)
    }
}

/// MX data: preference and exchange host.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mx {
    /// Lower is preferred.
    pub preference: u16,
    /// The exchange host, without trailing dot; `"."` for the null MX (RFC 7505).
    pub exchange: String,
}

/// TXT data: the character-strings of one record, as received.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Txt {
    /// Each `<character-string>` (up to 255 bytes each), in order.
    pub strings: Vec<Vec<u8>>,
}

impl Txt {
    /// The strings concatenated without separator, as SPF (RFC 7208 §3.3) and DKIM read
    /// them.
    #[must_use]
    pub fn joined(&self) -> Vec<u8> {
        self.strings.concat()
    }

    /// [`joined`](Self::joined) as text, invalid UTF-8 replaced.
    #[must_use]
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.joined()).into_owned()
    }
}

/// TLSA data (RFC 6698), fields as numbers.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Tlsa {
    /// Certificate usage: 0 PKIX-TA, 1 PKIX-EE, 2 DANE-TA, 3 DANE-EE.
    pub usage: u8,
    /// Selector: 0 full certificate, 1 SubjectPublicKeyInfo.
    pub selector: u8,
    /// Matching type: 0 exact, 1 SHA-256, 2 SHA-512.
    pub matching: u8,
    /// Certificate association data.
    pub data: Vec<u8>,
}

/// The data of one record.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RecordData {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// A mail exchanger.
    Mx(Mx),
    /// Text strings.
    Txt(Txt),
    /// A reverse-pointer target host (no trailing dot).
    Ptr(String),
    /// A DANE association.
    Tlsa(Tlsa),
    /// An alias target (no trailing dot).
    Cname(String),
}

impl RecordData {
    /// The type of this data.
    #[must_use]
    pub fn record_type(&self) -> RecordType {
        match self {
            Self::A(_) => RecordType::A,
            Self::Aaaa(_) => RecordType::Aaaa,
            Self::Mx(_) => RecordType::Mx,
            Self::Txt(_) => RecordType::Txt,
            Self::Ptr(_) => RecordType::Ptr,
            Self::Tlsa(_) => RecordType::Tlsa,
            Self::Cname(_) => RecordType::Cname,
        }
    }
}

/// One resource record.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Record {
    /// Owner name (no trailing dot).
    pub name: String,
    /// Time to live, seconds.
    pub ttl: u32,
    /// The data.
    pub data: RecordData,
}

/// A positive answer: the records of the asked type at the end of the CNAME chain.
///
/// Never empty: an empty NOERROR answer is [`DnsError::NoData`](super::DnsError::NoData).
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// What was asked.
    pub question: Question,
    /// The server that answered.
    pub server: SocketAddr,
    /// The transport of the answer.
    pub protocol: Protocol,
    /// The response code (0, NOERROR).
    pub rcode: u16,
    /// The AD bit: the resolver says it validated the data with DNSSEC. Believe it only
    /// over a trusted path (see [`ResolverConfig::trust_ad`](super::ResolverConfig::trust_ad)).
    pub authentic_data: bool,
    /// The name the records belong to: the question's name, or the end of the CNAME chain.
    pub canonical_name: String,
    /// The CNAME records followed, in order (empty without aliases).
    pub cname_chain: Vec<Record>,
    /// The records of the asked type, in the order received.
    pub records: Vec<Record>,
    /// The Extended DNS Errors of the response (RFC 8914), e.g. 3 "Stale Answer"; empty
    /// without the EDNS option.
    pub extended_errors: super::ExtendedErrors,
}

impl Answer {
    /// The smallest TTL among the records and the CNAME chain: how long the whole answer
    /// may be cached.
    #[must_use]
    pub fn min_ttl(&self) -> u32 {
        self.records
            .iter()
            .chain(&self.cname_chain)
            .map(|r| r.ttl)
            .min()
            .unwrap_or(0)
    }

    /// The data of each record.
    pub fn data(&self) -> impl Iterator<Item = &RecordData> {
        self.records.iter().map(|r| &r.data)
    }

    /// The addresses of A and AAAA records.
    pub fn ip_addrs(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.data().filter_map(|d| match d {
            RecordData::A(a) => Some(IpAddr::V4(*a)),
            RecordData::Aaaa(a) => Some(IpAddr::V6(*a)),
            _ => None,
        })
    }

    /// The MX records.
    pub fn mx(&self) -> impl Iterator<Item = &Mx> {
        self.data().filter_map(|d| match d {
            RecordData::Mx(m) => Some(m),
            _ => None,
        })
    }

    /// The TXT records.
    pub fn txt(&self) -> impl Iterator<Item = &Txt> {
        self.data().filter_map(|d| match d {
            RecordData::Txt(t) => Some(t),
            _ => None,
        })
    }

    /// The PTR targets.
    pub fn ptr(&self) -> impl Iterator<Item = &str> {
        self.data().filter_map(|d| match d {
            RecordData::Ptr(p) => Some(p.as_str()),
            _ => None,
        })
    }

    /// The TLSA records.
    pub fn tlsa(&self) -> impl Iterator<Item = &Tlsa> {
        self.data().filter_map(|d| match d {
            RecordData::Tlsa(t) => Some(t),
            _ => None,
        })
    }

    /// The CNAME targets (only when the question asked for CNAME).
    pub fn cname(&self) -> impl Iterator<Item = &str> {
        self.data().filter_map(|d| match d {
            RecordData::Cname(c) => Some(c.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests;
