//! The DKIM key record (RFC 6376 §3.6.1): a tag-value list with `v k p t s h n`.
//!
//! ```
//! use smtping_signals::dkim::record::parse_key_record;
//!
//! let rec = parse_key_record(b"v=DKIM1; k=rsa; t=y:s; p=MIGfMA0G CSqG").unwrap();
//! assert_eq!(rec.public_key, "MIGfMA0GCSqG"); // whitespace inside p= is folding, removed
//! assert!(rec.testing() && rec.strict());
//! assert!(parse_key_record(b"p=a; p=b").is_err()); // a duplicate tag invalidates it
//! ```

use nom::Parser;
use nom::combinator::opt;
use serde::Serialize;
use smtping_proto::grammar::rfc5322::fws;
use smtping_proto::grammar::tag_value::tag_spec;

/// Longest record text accepted (DKIM keys of 8192-bit RSA are about 1.4 KB).
pub const MAX_RECORD_LEN: usize = 8192;

/// At most this many tags in one record.
pub const MAX_TAGS: usize = 64;

/// A tag-value list that could not be read (RFC 6376 §3.2), shared by DKIM and DMARC.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TagListError {
    /// Not a tag-value list from this byte offset on.
    #[error("not a tag=value list at byte {offset} ({near:?})")]
    Syntax {
        /// Offset of the first byte that does not fit.
        offset: usize,
        /// Up to 16 characters from there.
        near: String,
    },
    /// A tag appears twice: the whole record is invalid (RFC 6376 §3.2).
    #[error("tag {tag:?} appears more than once (the record is invalid)")]
    DuplicateTag {
        /// The tag name.
        tag: String,
    },
    /// The record is longer than [`MAX_RECORD_LEN`].
    #[error("record of {len} bytes is longer than the {MAX_RECORD_LEN}-byte limit")]
    TooLong {
        /// Its length.
        len: usize,
    },
    /// More than [`MAX_TAGS`] tags.
    #[error("more than {MAX_TAGS} tags")]
    TooManyTags,
    /// Nothing but whitespace.
    #[error("the record is empty")]
    Empty,
}

/// Splits a tag-value list into `(name, value)` pairs, in order, with the proto
/// grammar's `tag-spec`. Empty specs between semicolons (`a=1;; b=2`) are tolerated, as
/// deployed verifiers do; anything else outside the grammar, a duplicate name, a record
/// over [`MAX_RECORD_LEN`] or over [`MAX_TAGS`] tags is an error.
pub(crate) fn split_tags(input: &[u8]) -> Result<Vec<(String, String)>, TagListError> {
    if input.len() > MAX_RECORD_LEN {
        return Err(TagListError::TooLong { len: input.len() });
    }
    let mut rest = input;
    let mut tags: Vec<(String, String)> = Vec::new();
    let syntax = |rest: &[u8]| TagListError::Syntax {
        offset: input.len() - rest.len(),
        near: String::from_utf8_lossy(&rest[..rest.len().min(16)]).into_owned(),
    };
    loop {
        if let Ok((r, _)) = opt(fws).parse(rest) {
            rest = r;
        }
        match rest.first() {
            None => break,
            Some(b';') => {
                rest = &rest[1..];
                continue;
            }
            Some(_) => {}
        }
        let Ok((r, (name, value))) = tag_spec(rest) else {
            return Err(syntax(rest));
        };
        // The grammar admits only printable ASCII in names and values.
        let name = String::from_utf8_lossy(name).into_owned();
        if tags.iter().any(|(n, _)| *n == name) {
            return Err(TagListError::DuplicateTag { tag: name });
        }
        if tags.len() == MAX_TAGS {
            return Err(TagListError::TooManyTags);
        }
        tags.push((name, String::from_utf8_lossy(value).into_owned()));
        rest = r;
        match rest.first() {
            None => break,
            Some(b';') => rest = &rest[1..],
            Some(_) => return Err(syntax(rest)),
        }
    }
    if tags.is_empty() {
        return Err(TagListError::Empty);
    }
    Ok(tags)
}

/// Removes folding whitespace (SP, HTAB, CR, LF) from a value.
pub(crate) fn strip_ws(value: &str) -> String {
    value
        .chars()
        .filter(|c| !matches!(c, ' ' | '\t' | '\r' | '\n'))
        .collect()
}

/// Splits a colon-separated list (`h=sha1:sha256`, `t=y:s`) into trimmed, non-empty items.
pub(crate) fn colon_list(value: &str) -> Vec<String> {
    value
        .split(':')
        .map(strip_ws)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A DKIM key record read from `selector._domainkey.domain`.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DkimKeyRecord {
    /// `v=`: `DKIM1` when present (it must then be the first tag).
    pub version: Option<String>,
    /// `k=`: the key type as written (default `rsa`).
    pub key_type: Option<String>,
    /// `p=`: the base64 key with whitespace removed; empty means revoked.
    pub public_key: String,
    /// `t=` flags (`y` testing, `s` strict), unknown flags kept.
    pub flags: Vec<String>,
    /// `s=` service types (default `*`).
    pub service_types: Vec<String>,
    /// `h=` acceptable hash algorithms (default: all).
    pub hash_algorithms: Vec<String>,
    /// `n=` notes for humans.
    pub notes: Option<String>,
    /// Tags this parser does not know, kept as `(name, value)` (RFC 6376: ignored).
    pub unknown_tags: Vec<(String, String)>,
}

impl DkimKeyRecord {
    /// `t=y`: the domain is testing DKIM (verifiers must not treat failures differently).
    #[must_use]
    pub fn testing(&self) -> bool {
        self.flags.iter().any(|f| f == "y")
    }

    /// `t=s`: the `i=` domain must equal `d=` (no subdomains).
    #[must_use]
    pub fn strict(&self) -> bool {
        self.flags.iter().any(|f| f == "s")
    }

    /// `p=` is empty: the key was revoked (RFC 6376 §3.6.1).
    #[must_use]
    pub fn revoked(&self) -> bool {
        self.public_key.is_empty()
    }

    /// The key serves email: `s=` absent, or containing `*` or `email`.
    #[must_use]
    pub fn for_email(&self) -> bool {
        self.service_types.is_empty() || self.service_types.iter().any(|s| s == "*" || s == "email")
    }
}

/// A DKIM key record that cannot be used.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DkimRecordError {
    /// The tag list itself is broken.
    #[error(transparent)]
    TagList(#[from] TagListError),
    /// `v=` is present but not `DKIM1`, or not the first tag.
    #[error("v={found:?}: the version must be DKIM1 and the first tag")]
    BadVersion {
        /// What was found (`v` not first: the value anyway).
        found: String,
    },
    /// No `p=` tag (required, even if empty).
    #[error("no p= tag (required; an empty p= revokes the key)")]
    MissingKey,
}

/// Parses the text of a DKIM key TXT record (the strings joined).
pub fn parse_key_record(text: &[u8]) -> Result<DkimKeyRecord, DkimRecordError> {
    let tags = split_tags(text)?;
    let mut record = DkimKeyRecord {
        version: None,
        key_type: None,
        public_key: String::new(),
        flags: Vec::new(),
        service_types: Vec::new(),
        hash_algorithms: Vec::new(),
        notes: None,
        unknown_tags: Vec::new(),
    };
    let mut key = None;
    for (n, (name, value)) in tags.into_iter().enumerate() {
        match name.as_str() {
            "v" => {
                if n != 0 || value != "DKIM1" {
                    return Err(DkimRecordError::BadVersion { found: value });
                }
                record.version = Some(value);
            }
            "k" => record.key_type = Some(strip_ws(&value)),
            "p" => key = Some(strip_ws(&value)),
            "t" => record.flags = colon_list(&value),
            "s" => record.service_types = colon_list(&value),
            "h" => record.hash_algorithms = colon_list(&value),
            "n" => record.notes = Some(value),
            _ => record.unknown_tags.push((name, value)),
        }
    }
    record.public_key = key.ok_or(DkimRecordError::MissingKey)?;
    Ok(record)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_tags_and_defaults() {
        let r = parse_key_record(
            b"v=DKIM1; k=ed25519; h=sha256; s=email; t=s; n=hello there; x_foo=bar; p=AAAA",
        )
        .unwrap();
        assert_eq!(r.version.as_deref(), Some("DKIM1"));
        assert_eq!(r.key_type.as_deref(), Some("ed25519"));
        assert_eq!(r.hash_algorithms, ["sha256"]);
        assert_eq!(r.service_types, ["email"]);
        assert!(r.strict() && !r.testing() && r.for_email() && !r.revoked());
        assert_eq!(r.notes.as_deref(), Some("hello there"));
        assert_eq!(r.unknown_tags, [("x_foo".into(), "bar".into())]);
        let bare = parse_key_record(b"p=AAAA").unwrap();
        assert!(bare.version.is_none() && bare.key_type.is_none() && bare.for_email());
    }

    #[test]
    fn revoked_and_missing_key() {
        assert!(parse_key_record(b"v=DKIM1; p=").unwrap().revoked());
        assert_eq!(
            parse_key_record(b"v=DKIM1; k=rsa"),
            Err(DkimRecordError::MissingKey)
        );
    }

    #[test]
    fn version_must_be_first_and_dkim1() {
        assert!(matches!(
            parse_key_record(b"p=AA; v=DKIM1"),
            Err(DkimRecordError::BadVersion { .. })
        ));
        assert!(matches!(
            parse_key_record(b"v=DKIM2; p=AA"),
            Err(DkimRecordError::BadVersion { .. })
        ));
    }

    #[test]
    fn duplicates_and_syntax_errors() {
        assert_eq!(
            parse_key_record(b"p=AA; t=y; p=BB"),
            Err(DkimRecordError::TagList(TagListError::DuplicateTag {
                tag: "p".into()
            }))
        );
        assert!(matches!(
            parse_key_record(b"p=AA; =x"),
            Err(DkimRecordError::TagList(TagListError::Syntax {
                offset: 6,
                ..
            }))
        ));
        assert!(matches!(
            parse_key_record("p=AA; n=caf\u{e9}".as_bytes()),
            Err(DkimRecordError::TagList(TagListError::Syntax { .. }))
        ));
        assert_eq!(
            parse_key_record(b"  "),
            Err(DkimRecordError::TagList(TagListError::Empty))
        );
        let long = vec![b'a'; MAX_RECORD_LEN + 1];
        assert!(matches!(
            parse_key_record(&long),
            Err(DkimRecordError::TagList(TagListError::TooLong { .. }))
        ));
    }

    #[test]
    fn empty_specs_and_folding_tolerated() {
        let r = parse_key_record(b"v=DKIM1;; k=rsa;\r\n p=AB\r\n CD ;").unwrap();
        assert_eq!(r.public_key, "ABCD");
    }

    #[test]
    fn services_other_than_email() {
        assert!(!parse_key_record(b"s=tlsrpt; p=AA").unwrap().for_email());
        assert!(parse_key_record(b"s=tlsrpt:*; p=AA").unwrap().for_email());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let _ = parse_key_record(&text);
        }

        #[test]
        fn never_panics_on_tag_like_text(text in "[a-zA-Z=; \t\r\n:*0-9+/]{0,200}") {
            let _ = parse_key_record(text.as_bytes());
        }
    }
}
