//! The `_mta-sts.<domain>` TXT record (RFC 8461 §3.1).
//!
//! ```text
//! sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
//! sts-field-delim = *WSP ";" *WSP
//! sts-version     = %s"v=STSv1"
//! sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
//! sts-extension   = sts-ext-name "=" sts-ext-value
//! sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
//! sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
//! ```

use serde::Serialize;

/// Longest `id` value (RFC 8461 §3.1: 1 to 32 letters and digits).
pub const MAX_ID_LEN: usize = 32;

/// A parsed `v=STSv1` TXT record.
///
/// ```
/// use smtping_signals::mta_sts::parse_sts_record;
/// let rec = parse_sts_record(b"v=STSv1; id=20160831085700Z;")?;
/// assert_eq!(rec.id, "20160831085700Z");
/// assert!(rec.extensions.is_empty());
/// # Ok::<(), smtping_signals::mta_sts::StsRecordError>(())
/// ```
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StsRecord {
    /// The policy instance id (`id=`).
    pub id: String,
    /// Fields other than `v` and `id`, in record order (kept, ignored by senders).
    pub extensions: Vec<(String, String)>,
}

/// Why a `v=STSv1` TXT record is unusable.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StsRecordError {
    /// The record does not start with `v=STSv1`.
    #[error("the record does not start with v=STSv1")]
    NotSts,
    /// The record is not ASCII text.
    #[error("the record contains bytes that are not printable ASCII")]
    NotAscii,
    /// A field is not `name=value` with a valid name and value.
    #[error("field {field:?} is not a valid name=value pair")]
    BadField {
        /// The field (shortened).
        field: String,
    },
    /// A field appears twice.
    #[error("field {name:?} appears more than once")]
    Duplicate {
        /// The field name.
        name: String,
    },
    /// No `id=`.
    #[error("the record has no id= field")]
    MissingId,
    /// `id=` is not 1 to 32 letters and digits.
    #[error("id={id:?} is not 1 to 32 letters and digits")]
    BadId {
        /// The value (shortened).
        id: String,
    },
}

fn shorten(s: &str) -> String {
    s.chars().take(64).collect()
}

/// Whether a TXT record is an MTA-STS record: it starts with `v=STSv1` followed by the
/// end, `;` or white space (RFC 8461 §3.1: other records are discarded).
///
/// ```
/// use smtping_signals::mta_sts::is_sts_record;
/// assert!(is_sts_record(b"v=STSv1; id=1"));
/// assert!(!is_sts_record(b"v=STSv10; id=1"));
/// assert!(!is_sts_record(b"v=spf1 -all"));
/// ```
#[must_use]
pub fn is_sts_record(text: &[u8]) -> bool {
    text.strip_prefix(b"v=STSv1")
        .is_some_and(|rest| matches!(rest.first(), None | Some(b';' | b' ' | b'\t')))
}

fn is_ext_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.'))
}

fn is_ext_value(value: &str) -> bool {
    !value.is_empty()
        && value
            .bytes()
            .all(|c| matches!(c, 0x21..=0x3a | 0x3c | 0x3e..=0x7e))
}

/// Parses an MTA-STS TXT record (the joined strings of one TXT record).
///
/// ```
/// use smtping_signals::mta_sts::{parse_sts_record, StsRecordError};
/// assert_eq!(parse_sts_record(b"v=STSv1"), Err(StsRecordError::MissingId));
/// assert!(matches!(parse_sts_record(b"v=STSv1; id=not-alnum"), Err(StsRecordError::BadId { .. })));
/// let rec = parse_sts_record(b"v=STSv1;id=abc;ext.1=x")?;
/// assert_eq!(rec.extensions, vec![("ext.1".to_string(), "x".to_string())]);
/// # Ok::<(), StsRecordError>(())
/// ```
pub fn parse_sts_record(text: &[u8]) -> Result<StsRecord, StsRecordError> {
    if !is_sts_record(text) {
        return Err(StsRecordError::NotSts);
    }
    let text = std::str::from_utf8(text).map_err(|_| StsRecordError::NotAscii)?;
    if !text
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        return Err(StsRecordError::NotAscii);
    }
    let mut id: Option<String> = None;
    let mut extensions: Vec<(String, String)> = Vec::new();
    let mut fields = text.split(';').map(|f| f.trim_matches([' ', '\t']));
    // The version field, checked above.
    let _ = fields.next();
    let fields: Vec<&str> = fields.collect();
    let last = fields.len().saturating_sub(1);
    for (i, field) in fields.into_iter().enumerate() {
        if field.is_empty() {
            // Only a trailing delimiter may leave an empty field.
            if i == last {
                continue;
            }
            return Err(StsRecordError::BadField {
                field: String::new(),
            });
        }
        let Some((name, value)) = field.split_once('=') else {
            return Err(StsRecordError::BadField {
                field: shorten(field),
            });
        };
        if name == "id" {
            if id.is_some() {
                return Err(StsRecordError::Duplicate { name: "id".into() });
            }
            if value.is_empty()
                || value.len() > MAX_ID_LEN
                || !value.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                return Err(StsRecordError::BadId { id: shorten(value) });
            }
            id = Some(value.to_owned());
        } else if name == "v" {
            return Err(StsRecordError::Duplicate { name: "v".into() });
        } else if is_ext_name(name) && is_ext_value(value) {
            if extensions.iter().any(|(n, _)| n == name) {
                return Err(StsRecordError::Duplicate {
                    name: shorten(name),
                });
            }
            if extensions.len() < 32 {
                extensions.push((name.to_owned(), value.to_owned()));
            }
        } else {
            return Err(StsRecordError::BadField {
                field: shorten(field),
            });
        }
    }
    Ok(StsRecord {
        id: id.ok_or(StsRecordError::MissingId)?,
        extensions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example() {
        let rec = parse_sts_record(b"v=STSv1; id=20160831085700Z;").unwrap();
        assert_eq!(rec.id, "20160831085700Z");
    }

    #[test]
    fn delimiters_and_whitespace() {
        assert_eq!(parse_sts_record(b"v=STSv1 ;\tid=a1 ; ").unwrap().id, "a1");
        assert!(parse_sts_record(b"v=STSv1;;id=a1").is_err());
        assert!(parse_sts_record(b"v=STSv1; id=a1;;").is_err());
    }

    #[test]
    fn id_bounds() {
        let ok = format!("v=STSv1; id={}", "a".repeat(32));
        assert!(parse_sts_record(ok.as_bytes()).is_ok());
        let long = format!("v=STSv1; id={}", "a".repeat(33));
        assert!(matches!(
            parse_sts_record(long.as_bytes()),
            Err(StsRecordError::BadId { .. })
        ));
        assert!(matches!(
            parse_sts_record(b"v=STSv1; id="),
            Err(StsRecordError::BadId { .. })
        ));
        assert!(matches!(
            parse_sts_record(b"v=STSv1; id=1; id=2"),
            Err(StsRecordError::Duplicate { .. })
        ));
    }

    #[test]
    fn version_must_come_first_and_exactly() {
        assert_eq!(
            parse_sts_record(b"id=1; v=STSv1"),
            Err(StsRecordError::NotSts)
        );
        assert_eq!(
            parse_sts_record(b"v=stsv1; id=1"),
            Err(StsRecordError::NotSts)
        );
        assert!(is_sts_record(b"v=STSv1"));
    }

    #[test]
    fn bad_extension() {
        assert!(matches!(
            parse_sts_record(b"v=STSv1; id=1; -x=y"),
            Err(StsRecordError::BadField { .. })
        ));
        assert!(matches!(
            parse_sts_record(b"v=STSv1; id=1; x=a=b"),
            Err(StsRecordError::BadField { .. })
        ));
        assert!(matches!(
            parse_sts_record(b"v=STSv1; id=1; junk"),
            Err(StsRecordError::BadField { .. })
        ));
    }
}
