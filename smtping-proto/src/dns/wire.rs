//! DNS messages over hickory-proto: query building and response reading.

use hickory_proto::op::{Edns, Message, MessageType, OpCode, Query, ResponseCode};
use hickory_proto::rr::{DNSClass, Name, RData, Record as HRecord};

use super::types::{Mx, Question, Record, RecordData, RecordType, Tlsa, Txt};

/// Longest CNAME chain followed inside one response.
pub const MAX_CNAME_DEPTH: usize = 8;

/// Longest name echoed back in an error.
const MAX_ECHO: usize = 300;

/// Checks and normalises a query name: ASCII (IDNs to punycode), fully qualified.
///
/// Returns the hickory name and the display form (no trailing dot).
pub(crate) fn normalise_name(input: &str) -> Result<(Name, String), String> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err("the name is empty".into());
    }
    // Far above any valid name (255 bytes on the wire, punycode included); refuses huge
    // inputs before any work is done on them.
    if trimmed.len() > 1024 {
        return Err(format!(
            "the name is {} bytes long (limit 253)",
            trimmed.len()
        ));
    }
    if trimmed == "." {
        return Ok((Name::root(), ".".into()));
    }
    if trimmed.starts_with('.') || trimmed.contains("..") {
        return Err("the name has an empty label".into());
    }
    if trimmed.bytes().any(|b| b.is_ascii_control() || b == b'\\') {
        return Err("the name contains a control character or a backslash".into());
    }
    // Labels are any bytes on the wire (RFC 2181 §11): SPF macros legitimately build names
    // with `%`, `:`, `/` or spaces (RFC 7208 §7.1 `%_`), which the host-name parser refuses.
    let mut name = match Name::from_str_relaxed(trimmed) {
        Ok(name) => name,
        Err(e) => Name::from_labels(trimmed.trim_end_matches('.').split('.').map(str::as_bytes))
            .map_err(|_| e.to_string())?,
    };
    name.set_fqdn(true);
    let display = display_name(&name);
    Ok((name, display))
}

/// The shortened input for errors.
pub(crate) fn echo(input: &str) -> String {
    input.chars().take(MAX_ECHO).collect()
}

/// A name as text: ASCII, no trailing dot, `"."` for the root.
pub(crate) fn display_name(name: &Name) -> String {
    if name.is_root() {
        return ".".into();
    }
    let mut s = name.to_ascii();
    if s.ends_with('.') {
        s.pop();
    }
    s
}

/// Encodes a recursive query for `name`/`record_type` with the given id.
///
/// `edns_payload`: advertise EDNS(0) with this UDP size. `request_ad`: set the AD bit.
pub(crate) fn build_query(
    id: u16,
    name: &Name,
    record_type: RecordType,
    edns_payload: Option<u16>,
    request_ad: bool,
) -> Result<Vec<u8>, String> {
    let mut msg = Message::new(id, MessageType::Query, OpCode::Query);
    msg.metadata.recursion_desired = true;
    msg.metadata.authentic_data = request_ad;
    let mut query = Query::query(name.clone(), record_type.to_hickory());
    query.set_query_class(DNSClass::IN);
    msg.add_query(query);
    if let Some(payload) = edns_payload {
        let mut edns = Edns::new();
        edns.set_max_payload(payload.max(512));
        msg.set_edns(edns);
    }
    msg.to_vec().map_err(|e| e.to_string())
}

/// The header fields needed before decoding: id and QR bit.
pub(crate) fn peek_header(bytes: &[u8]) -> Option<(u16, bool)> {
    match bytes {
        [a, b, flags, ..] if bytes.len() >= 12 => {
            Some((u16::from_be_bytes([*a, *b]), flags & 0x80 != 0))
        }
        _ => None,
    }
}

/// Why a decoded response does not belong to our question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mismatch {
    NotAResponse,
    Opcode,
    Question,
}

/// Checks that a decoded message answers `name`/`record_type` (class IN).
///
/// An error response (not NOERROR/NXDOMAIN) with no question section is accepted: some
/// servers omit it on FORMERR/NOTIMP/REFUSED.
pub(crate) fn check_matches(
    msg: &Message,
    name: &Name,
    record_type: RecordType,
) -> Result<(), Mismatch> {
    if msg.metadata.message_type != MessageType::Response {
        return Err(Mismatch::NotAResponse);
    }
    if msg.metadata.op_code != OpCode::Query {
        return Err(Mismatch::Opcode);
    }
    match msg.queries.as_slice() {
        [q] if q.query_class() == DNSClass::IN
            && q.query_type() == record_type.to_hickory()
            && q.name() == name =>
        {
            Ok(())
        }
        [] if !matches!(
            msg.metadata.response_code,
            ResponseCode::NoError | ResponseCode::NXDomain
        ) =>
        {
            Ok(())
        }
        _ => Err(Mismatch::Question),
    }
}

/// The records of a NOERROR/NXDOMAIN answer section after following CNAMEs.
#[derive(Debug)]
pub(crate) struct Extracted {
    pub canonical: Name,
    pub chain: Vec<Record>,
    pub records: Vec<Record>,
}

/// Follows the CNAME chain from `qname` (bounded) and collects the records of
/// `record_type` owned by the final name. Records owned by other names are ignored.
pub(crate) fn extract_answer(
    msg: &Message,
    qname: &Name,
    record_type: RecordType,
) -> Result<Extracted, String> {
    let want = record_type.to_hickory();
    let mut current = qname.clone();
    let mut chain: Vec<Record> = Vec::new();
    for _ in 0..=MAX_CNAME_DEPTH {
        let records: Vec<Record> = msg
            .answers
            .iter()
            .filter(|r| r.dns_class == DNSClass::IN && r.record_type() == want && r.name == current)
            .filter_map(|r| convert(r, record_type))
            .collect();
        if !records.is_empty() || record_type == RecordType::Cname {
            return Ok(Extracted {
                canonical: current,
                chain,
                records,
            });
        }
        let alias = msg.answers.iter().find_map(|r| match &r.data {
            RData::CNAME(target) if r.dns_class == DNSClass::IN && r.name == current => {
                Some((r, target.0.clone()))
            }
            _ => None,
        });
        let Some((record, target)) = alias else {
            return Ok(Extracted {
                canonical: current,
                chain,
                records,
            });
        };
        let target_text = display_name(&target);
        if target == *qname
            || chain
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(&target_text))
        {
            return Err(format!("CNAME loop at {target_text}"));
        }
        chain.push(Record {
            name: display_name(&record.name),
            ttl: record.ttl,
            data: RecordData::Cname(target_text),
        });
        current = target;
    }
    Err(format!("CNAME chain longer than {MAX_CNAME_DEPTH}"))
}

/// The negative-caching TTL (RFC 2308 §5): min(SOA TTL, SOA MINIMUM) from the authority
/// section.
pub(crate) fn negative_ttl(msg: &Message) -> Option<u32> {
    msg.authorities.iter().find_map(|r| match &r.data {
        RData::SOA(soa) => Some(r.ttl.min(soa.minimum)),
        _ => None,
    })
}

fn convert(r: &HRecord, record_type: RecordType) -> Option<Record> {
    let data = match (&r.data, record_type) {
        (RData::A(a), RecordType::A) => RecordData::A(a.0),
        (RData::AAAA(a), RecordType::Aaaa) => RecordData::Aaaa(a.0),
        (RData::MX(mx), RecordType::Mx) => RecordData::Mx(Mx {
            preference: mx.preference,
            exchange: display_name(&mx.exchange),
        }),
        (RData::TXT(txt), RecordType::Txt) => RecordData::Txt(Txt {
            strings: txt.txt_data.iter().map(|s| s.to_vec()).collect(),
        }),
        (RData::PTR(ptr), RecordType::Ptr) => RecordData::Ptr(display_name(&ptr.0)),
        (RData::TLSA(t), RecordType::Tlsa) => RecordData::Tlsa(Tlsa {
            usage: t.cert_usage.into(),
            selector: t.selector.into(),
            matching: t.matching.into(),
            data: t.cert_data.clone(),
        }),
        (RData::CNAME(c), RecordType::Cname) => RecordData::Cname(display_name(&c.0)),
        _ => return None,
    };
    Some(Record {
        name: display_name(&r.name),
        ttl: r.ttl,
        data,
    })
}

/// The question as the public type.
pub(crate) fn question(display: &str, record_type: RecordType) -> Question {
    Question {
        name: display.to_owned(),
        record_type,
    }
}

#[cfg(test)]
mod tests;
