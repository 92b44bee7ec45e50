//! Sans-IO DNS: queries and answers over hickory-proto, no sockets, no clock.
//!
//! - [`Lookup`]: one question driven to a typed result. The caller sends its
//!   [`Transmit`]s, passes datagrams, TCP messages and the time back in, and reads the
//!   [`result`](Lookup::result). Retries, server rotation, TC→TCP fallback, EDNS
//!   fallback and spoofing checks live here; adapters only move bytes.
//! - [`ResolverConfig`]: nameservers and options; [`ResolverConfig::from_resolv_conf`]
//!   parses `resolv.conf(5)` text, [`ResolverConfig::parse_server`] a `--resolver`
//!   address.
//! - [`Answer`] (records of A, AAAA, MX, TXT, PTR, TLSA or CNAME, with TTLs, the AD bit
//!   and the CNAME chain) or a [`DnsError`] that tells NXDOMAIN, no data, SERVFAIL,
//!   REFUSED, timeout and malformed answers apart, naming the query and the server;
//!   both carry the response's RFC 8914 [`ExtendedDnsError`]s.
//! - [`MxResolution::from_lookup`]: preference order, null MX (RFC 7505) and the
//!   implicit MX (RFC 5321 §5.1) as a pure function; [`reverse_name`] builds PTR names.
//!
//! Names are treated as fully qualified: `search`/`ndots` are parsed but not applied,
//! because SMTPing resolves mail domains and MX hosts, never short names.
//!
//! # Example: a lookup against a canned response, without sockets
//!
//! ```
//! use std::time::{Duration, Instant};
//! use hickory_proto::op::Message;
//! use hickory_proto::rr::{rdata::MX, Name, RData, Record};
//! use smtping_proto::dns::{Lookup, MxResolution, Protocol, RecordType, ResolverConfig};
//!
//! let server = "192.0.2.53:53".parse().unwrap();
//! let config = ResolverConfig::new([server]).with_timeout(Duration::from_secs(2));
//! let t0 = Instant::now();
//! let mut lookup = Lookup::new("example.org", RecordType::Mx, &config, t0, 0x5eed);
//!
//! // The core asks for one UDP datagram to the server …
//! let tx = lookup.poll_transmit().unwrap();
//! assert_eq!((tx.server, tx.protocol), (server, Protocol::Udp));
//! assert_eq!(lookup.poll_timeout(), Some(t0 + Duration::from_secs(2)));
//!
//! // … a server (here: hickory-proto in the test) answers it …
//! let query = Message::from_vec(&tx.payload).unwrap();
//! let mut response = query.clone().into_response();
//! response.metadata.recursion_available = true;
//! let owner = Name::from_ascii("example.org.").unwrap();
//! let exchange = Name::from_ascii("mx1.example.org.").unwrap();
//! response.add_answer(Record::from_rdata(owner, 300, RData::MX(MX::new(10, exchange))));
//! let datagram = response.to_vec().unwrap();
//!
//! // … and the adapter passes the datagram back in.
//! let _ = lookup.handle_udp(server, &datagram, t0 + Duration::from_millis(12));
//! let answer = lookup.result().unwrap().as_ref().unwrap();
//! assert_eq!(answer.mx().next().unwrap().exchange, "mx1.example.org");
//! assert_eq!(answer.min_ttl(), 300);
//! assert_eq!(lookup.elapsed(), Some(Duration::from_millis(12)));
//!
//! let routing = MxResolution::from_lookup(lookup.result().unwrap(), None).unwrap();
//! assert_eq!(routing.hosts()[0].host, "mx1.example.org");
//! ```

mod config;
mod ede;
mod error;
mod lookup;
mod mx;
mod ptr;
mod rng;
mod types;
mod wire;

#[cfg(test)]
mod tests;

pub use config::{
    DEFAULT_ATTEMPTS, DEFAULT_EDNS_PAYLOAD, DEFAULT_TIMEOUT, DNS_PORT, MAX_ATTEMPTS,
    MAX_NAMESERVERS, MAX_TIMEOUT, MIN_TIMEOUT, RESOLV_CONF_MAX_NAMESERVERS, ResolverConfig,
    ResolverConfigError,
};
pub use ede::{
    EDE_OPTION_CODE, ExtendedDnsError, ExtendedErrors, MAX_EXTENDED_ERRORS, MAX_EXTRA_TEXT,
    ede_name,
};
pub use error::{DnsError, DnsErrorKind, rcode_name};
pub use lookup::{IgnoreReason, Lookup, LookupStats, MAX_TRANSMISSIONS, Received, Transmit};
pub use mx::{MAX_MX_HOSTS, MxHost, MxResolution};
pub use ptr::reverse_name;
pub use types::{
    Answer, Mx, Protocol, Question, Record, RecordData, RecordType, Tlsa, Txt,
    UnsupportedRecordType,
};
pub use wire::MAX_CNAME_DEPTH;
