//! DKIM signing of the test message (RFC 6376, RFC 8463), so that the receiver's verdict
//! reflects the user's real setup (`--dkim-key FILE --dkim-selector S [--dkim-domain D]`).
//!
//! [`DkimSigner::from_pem_file`] reads one private key, once: a PKCS#8 RSA key (`BEGIN
//! PRIVATE KEY`), a PKCS#1 RSA key (`BEGIN RSA PRIVATE KEY`) or a PKCS#8 Ed25519 key
//! (`openssl genpkey -algorithm ed25519`). The file's bytes and the decoded DER are
//! zeroized as soon as the key is loaded; the key itself lives inside `ring` and never
//! appears in `Debug`, in errors or in output.
//!
//! [`DkimSigner::sign`] returns a `DKIM-Signature` field to put on top of the message:
//! `a=rsa-sha256` or `a=ed25519-sha256`, `c=relaxed/relaxed` (canonicalization exactly as
//! RFC 6376 §3.4.2 and §3.4.4), `h=` every header that matters present in the message
//! (From, Sender, Reply-To, To, Cc, Subject, Date, Message-ID, In-Reply-To, References,
//! MIME-Version, Content-Type, Content-Transfer-Encoding, List-Id, List-Unsubscribe,
//! List-Unsubscribe-Post), each instance once, plus one more `from` so that a second From
//! added on the way breaks the signature (over-signing), `bh=`, `t=`, and `b=` computed
//! as RFC 6376 §3.7 says (Ed25519 signs the SHA-256 hash of the data, RFC 8463 §3). RSA
//! keys must be 2048 to 4096 bits (ring does not sign with shorter keys; RFC 8301 asks for
//! at least 1024 and recommends 2048).
//!
//! ```
//! use smtping_client::dkim_sign::{DkimAlgorithm, DkimSigner};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dkim/ed25519.pem");
//! let signer = DkimSigner::from_pem_file(key, "brisbane", "football.example.com")?;
//! assert_eq!(signer.algorithm(), DkimAlgorithm::Ed25519Sha256);
//! let message = b"From: Joe <joe@football.example.com>\r\nTo: suzie@shopping.example.net\r\n\
//! Subject: test\r\nMessage-ID: <t1@football.example.com>\r\n\r\nHi.\r\n";
//! let field = signer.sign_at(message, 1_528_637_909)?;
//! assert!(field.starts_with("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;"));
//! assert!(field.contains("d=football.example.com; s=brisbane; t=1528637909;"));
//! assert!(field.contains("h=from:to:subject:message-id:from;"));
//! assert!(!format!("{signer:?}").contains("PRIVATE"));
//! let signed = [field.as_bytes(), message].concat(); // what goes after DATA
//! # let _ = signed;
//! # Ok(()) }
//! ```

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ring::digest;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair};
use serde::Serialize;
use zeroize::Zeroizing;

/// The largest key file read: 64 KiB (an 8192-bit RSA key in PEM is under 7 KiB).
pub const MAX_KEY_FILE: u64 = 64 * 1024;

/// Header fields signed when present, in this order (lowercase).
pub const SIGNED_HEADERS: &[&str] = &[
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "list-id",
    "list-unsubscribe",
    "list-unsubscribe-post",
];

/// The signing algorithm, from the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DkimAlgorithm {
    /// `rsa-sha256` (RSASSA-PKCS1-v1_5 with SHA-256).
    RsaSha256,
    /// `ed25519-sha256` (RFC 8463).
    Ed25519Sha256,
}

impl DkimAlgorithm {
    /// The `a=` word.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::RsaSha256 => "rsa-sha256",
            Self::Ed25519Sha256 => "ed25519-sha256",
        }
    }
}

impl fmt::Display for DkimAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the key could not be loaded or the message not signed. No variant carries key
/// material; each names the step and the cause.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DkimSignError {
    /// The key file could not be read.
    #[error("DKIM key: cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The key file is larger than [`MAX_KEY_FILE`].
    #[error("DKIM key: {path} is larger than {limit} bytes, which no private key is")]
    FileTooLarge {
        /// The file.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// No PEM block in the file.
    #[error(
        "DKIM key: {path} holds no PEM block (expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)"
    )]
    NotPem {
        /// The file.
        path: String,
    },
    /// A PEM block of a kind DKIM cannot use or this signer does not read.
    #[error("DKIM key: {path} holds a {label:?} PEM block; {hint}")]
    UnsupportedPem {
        /// The file.
        path: String,
        /// The PEM label (`ENCRYPTED PRIVATE KEY`, `EC PRIVATE KEY`, `PUBLIC KEY`, …).
        label: String,
        /// What to do.
        hint: &'static str,
    },
    /// The PEM body is not valid base64.
    #[error("DKIM key: the PEM block in {path} is not valid base64")]
    BadBase64 {
        /// The file.
        path: String,
    },
    /// ring refused the key (wrong structure, unsupported size, inconsistent values).
    #[error("DKIM key: {path} is not a usable {kind} key: {reason}")]
    BadKey {
        /// The file.
        path: String,
        /// What it was read as.
        kind: &'static str,
        /// ring's reason (`InvalidEncoding`, `TooSmall`, …).
        reason: String,
    },
    /// The selector is not a sequence of DNS labels.
    #[error(
        "DKIM signing: the selector {0:?} is not a DNS name (labels of letters, digits, '-' and '_')"
    )]
    InvalidSelector(String),
    /// The signing domain is not a domain name.
    #[error("DKIM signing: the domain {0:?} is not a domain name (use its A-label xn-- form)")]
    InvalidDomain(String),
    /// The message has no From field, which RFC 6376 §5.4 requires to be signed.
    #[error("DKIM signing: the message has no From header field")]
    NoFrom,
    /// The message does not start with a header block (a line that is neither a field nor
    /// a continuation came first).
    #[error(
        "DKIM signing: the message does not start with header fields (a line before the empty line is not a header field)"
    )]
    NoBody,
    /// The signing primitive failed.
    #[error("DKIM signing: the {0} signature could not be computed")]
    Sign(DkimAlgorithm),
}

enum Key {
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A loaded DKIM key with its selector and domain. `Debug` shows only the algorithm, key
/// size, selector and domain.
pub struct DkimSigner {
    key: Key,
    selector: String,
    domain: String,
    rng: SystemRandom,
}

impl fmt::Debug for DkimSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DkimSigner")
            .field("algorithm", &self.algorithm())
            .field("key_bits", &self.key_bits())
            .field("selector", &self.selector)
            .field("domain", &self.domain)
            .finish_non_exhaustive()
    }
}

impl DkimSigner {
    /// Reads the key at `path` (see the [module docs](self)) for `selector._domainkey.domain`.
    pub fn from_pem_file(
        path: impl AsRef<Path>,
        selector: &str,
        domain: &str,
    ) -> Result<Self, DkimSignError> {
        let path = path.as_ref();
        let shown = path.display().to_string();
        let read = |source| DkimSignError::Read {
            path: shown.clone(),
            source,
        };
        let file = std::fs::File::open(path).map_err(read)?;
        let mut pem = Zeroizing::new(Vec::new());
        file.take(MAX_KEY_FILE + 1)
            .read_to_end(&mut pem)
            .map_err(read)?;
        if pem.len() as u64 > MAX_KEY_FILE {
            return Err(DkimSignError::FileTooLarge {
                path: shown,
                limit: MAX_KEY_FILE,
            });
        }
        Self::from_pem(&pem, &shown, selector, domain)
    }

    /// Reads a key from PEM text already in memory; `source` names it in errors. The
    /// caller keeps (and should zeroize) `pem`.
    pub fn from_pem(
        pem: &[u8],
        source: &str,
        selector: &str,
        domain: &str,
    ) -> Result<Self, DkimSignError> {
        let selector = check_name(selector)
            .ok_or_else(|| DkimSignError::InvalidSelector(selector.to_owned()))?;
        let domain_lc = check_name(domain)
            .filter(|d| !d.contains('_'))
            .ok_or_else(|| DkimSignError::InvalidDomain(domain.to_owned()))?;
        let (label, der) = pem_block(pem).ok_or_else(|| DkimSignError::NotPem {
            path: source.to_owned(),
        })?;
        let der = Zeroizing::new(B64.decode(&*der).map_err(|_| DkimSignError::BadBase64 {
            path: source.to_owned(),
        })?);
        let bad = |kind, e: ring::error::KeyRejected| DkimSignError::BadKey {
            path: source.to_owned(),
            kind,
            reason: e.to_string(),
        };
        let key = match label.as_str() {
            "RSA PRIVATE KEY" => {
                Key::Rsa(RsaKeyPair::from_der(&der).map_err(|e| bad("PKCS#1 RSA", e))?)
            }
            "PRIVATE KEY" => match Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
                Ok(k) => Key::Ed25519(k),
                Err(ed) => match RsaKeyPair::from_pkcs8(&der) {
                    Ok(k) => Key::Rsa(k),
                    Err(rsa) => {
                        return Err(DkimSignError::BadKey {
                            path: source.to_owned(),
                            kind: "PKCS#8 RSA or Ed25519",
                            reason: format!("as RSA: {rsa}; as Ed25519: {ed}"),
                        });
                    }
                },
            },
            other => {
                let hint = match other {
                    "ENCRYPTED PRIVATE KEY" => {
                        "decrypt it first (openssl pkey -in KEY -out PLAIN.pem); SMTPing does not ask for passphrases"
                    }
                    "EC PRIVATE KEY" => "DKIM has no ECDSA algorithm; use an RSA or Ed25519 key",
                    "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                        "this is the public half; give the private key"
                    }
                    _ => "expected PRIVATE KEY (PKCS#8 RSA or Ed25519) or RSA PRIVATE KEY (PKCS#1)",
                };
                return Err(DkimSignError::UnsupportedPem {
                    path: source.to_owned(),
                    label: other.to_owned(),
                    hint,
                });
            }
        };
        Ok(Self {
            key,
            selector,
            domain: domain_lc,
            rng: SystemRandom::new(),
        })
    }

    /// The algorithm the key signs with.
    #[must_use]
    pub fn algorithm(&self) -> DkimAlgorithm {
        match self.key {
            Key::Rsa(_) => DkimAlgorithm::RsaSha256,
            Key::Ed25519(_) => DkimAlgorithm::Ed25519Sha256,
        }
    }

    /// The key size in bits (256 for Ed25519).
    #[must_use]
    pub fn key_bits(&self) -> usize {
        match &self.key {
            Key::Rsa(k) => k.public().modulus_len() * 8,
            Key::Ed25519(_) => 256,
        }
    }

    /// The selector (`s=`).
    #[must_use]
    pub fn selector(&self) -> &str {
        &self.selector
    }

    /// The signing domain (`d=`), lowercase.
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// The public key as a DNS TXT record value (`v=DKIM1; k=rsa; p=…`), to publish at
    /// `selector._domainkey.domain` or to compare with what is published.
    #[must_use]
    pub fn dns_record(&self) -> String {
        match &self.key {
            Key::Rsa(k) => format!(
                "v=DKIM1; k=rsa; p={}",
                B64.encode(rsa_spki(k.public().as_ref()))
            ),
            Key::Ed25519(k) => format!(
                "v=DKIM1; k=ed25519; p={}",
                B64.encode(k.public_key().as_ref())
            ),
        }
    }

    /// Signs `message` (header block, empty line, body; CRLF or LF) at the current time.
    pub fn sign(&self, message: &[u8]) -> Result<String, DkimSignError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        self.sign_at(message, now)
    }

    /// Signs `message` with `t=` set to `unix_time`, returning the `DKIM-Signature` field
    /// (folded, ending with CRLF) to put before the message's first header field.
    pub fn sign_at(&self, message: &[u8], unix_time: u64) -> Result<String, DkimSignError> {
        let (fields, body) = split_message(message).ok_or(DkimSignError::NoBody)?;
        if !fields.iter().any(|f| f.name.eq_ignore_ascii_case(b"from")) {
            return Err(DkimSignError::NoFrom);
        }
        let mut names: Vec<&str> = Vec::new();
        for wanted in SIGNED_HEADERS {
            let n = fields
                .iter()
                .filter(|f| f.name.eq_ignore_ascii_case(wanted.as_bytes()))
                .count();
            names.extend(std::iter::repeat_n(*wanted, n));
        }
        names.push("from");
        let bh = B64.encode(digest::digest(&digest::SHA256, &relaxed_body(body)));
        let unsigned = format!(
            "DKIM-Signature: v=1; a={}; c=relaxed/relaxed;\r\n\td={}; s={}; t={};\r\n\th={};\r\n\tbh={};\r\n\tb=",
            self.algorithm(),
            self.domain,
            self.selector,
            unix_time,
            fold_list(&names),
            bh
        );
        let data = signing_input(&fields, &names, unsigned.as_bytes());
        let sig = B64.encode(self.sign_data(&data)?);
        let mut out = unsigned;
        for (n, chunk) in sig.as_bytes().chunks(64).enumerate() {
            if n > 0 {
                out.push_str("\r\n\t ");
            }
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        }
        out.push_str("\r\n");
        Ok(out)
    }

    /// Signs `message` and returns it with the `DKIM-Signature` field on top.
    pub fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>, DkimSignError> {
        let field = self.sign(message)?;
        Ok([field.as_bytes(), message].concat())
    }

    /// The signature over the hash input (RFC 6376 §3.7): RSASSA-PKCS1-v1_5-SHA256 of the
    /// data, or Ed25519 of its SHA-256 hash (RFC 8463 §3).
    fn sign_data(&self, data: &[u8]) -> Result<Vec<u8>, DkimSignError> {
        match &self.key {
            Key::Rsa(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &self.rng, data, &mut sig)
                    .map_err(|_| DkimSignError::Sign(DkimAlgorithm::RsaSha256))?;
                Ok(sig)
            }
            Key::Ed25519(k) => {
                let hash = digest::digest(&digest::SHA256, data);
                Ok(k.sign(hash.as_ref()).as_ref().to_vec())
            }
        }
    }
}

/// `a:b:c`, folded before a name that would make the line long.
fn fold_list(names: &[&str]) -> String {
    let mut out = String::new();
    let mut line = 0;
    for (n, name) in names.iter().enumerate() {
        if n > 0 {
            out.push(':');
            line += 1;
            if line + name.len() > 70 {
                out.push_str("\r\n\t ");
                line = 0;
            }
        }
        out.push_str(name);
        line += name.len();
    }
    out
}

/// A selector or domain: dot-separated labels of letters, digits, `-` and `_`, lowercase.
fn check_name(s: &str) -> Option<String> {
    let ok = !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    ok.then(|| s.to_ascii_lowercase())
}

/// The first PEM block: (label, base64 body with whitespace removed), both zeroized.
fn pem_block(pem: &[u8]) -> Option<(String, Zeroizing<Vec<u8>>)> {
    const BEGIN: &[u8] = b"-----BEGIN ";
    let start = pem.windows(BEGIN.len()).position(|w| w == BEGIN)? + BEGIN.len();
    let label_len = pem[start..].windows(5).position(|w| w == b"-----")?;
    let label = std::str::from_utf8(&pem[start..start + label_len])
        .ok()?
        .to_owned();
    let body_start = start + label_len + 5;
    let end_marker = format!("-----END {label}-----");
    let body_len = pem[body_start..]
        .windows(end_marker.len())
        .position(|w| w == end_marker.as_bytes())?;
    let body = &pem[body_start..body_start + body_len];
    // Skip RFC 1421 headers (Proc-Type:, DEK-Info:) so encrypted keys get the right error.
    let mut b64 = Zeroizing::new(Vec::with_capacity(body.len()));
    if body.contains(&b':') {
        return Some(("ENCRYPTED PRIVATE KEY".to_owned(), b64));
    }
    b64.extend(body.iter().copied().filter(|b| !b.is_ascii_whitespace()));
    Some((label, b64))
}

/// A PKCS#1 `RSAPublicKey` wrapped as the `SubjectPublicKeyInfo` DKIM's `p=` holds.
fn rsa_spki(pkcs1: &[u8]) -> Vec<u8> {
    fn der_len(n: usize, out: &mut Vec<u8>) {
        if n < 0x80 {
            out.push(n as u8);
        } else {
            let bytes: Vec<u8> = n
                .to_be_bytes()
                .into_iter()
                .skip_while(|b| *b == 0)
                .collect();
            out.push(0x80 | bytes.len() as u8);
            out.extend(bytes);
        }
    }
    const ALG: &[u8] = &[
        0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
    ];
    let mut bit_string = vec![0x03];
    der_len(pkcs1.len() + 1, &mut bit_string);
    bit_string.push(0);
    bit_string.extend_from_slice(pkcs1);
    let mut out = vec![0x30];
    der_len(ALG.len() + bit_string.len(), &mut out);
    out.extend_from_slice(ALG);
    out.extend(bit_string);
    out
}

/// One raw header field: its name and its whole text (name, colon, value, folding),
/// without the final line break.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawField<'a> {
    pub(crate) name: &'a [u8],
    pub(crate) raw: &'a [u8],
}

/// Splits a message into its raw header fields and its body (after the empty line).
/// `None` when there is no empty line (or end of input right after the headers, which
/// counts as an empty body).
pub(crate) fn split_message(msg: &[u8]) -> Option<(Vec<RawField<'_>>, &[u8])> {
    let mut fields: Vec<(usize, usize)> = Vec::new();
    let mut pos = 0;
    loop {
        if pos >= msg.len() {
            // Headers only, no empty line: an empty body (RFC 5322 allows it).
            break;
        }
        let (line_end, next) = match memchr_lf(&msg[pos..]) {
            Some(n) => {
                let end = if n > 0 && msg[pos + n - 1] == b'\r' {
                    pos + n - 1
                } else {
                    pos + n
                };
                (end, pos + n + 1)
            }
            None => (msg.len(), msg.len()),
        };
        if line_end == pos {
            let to_field = |&(s, e): &(usize, usize)| {
                let raw = &msg[s..e];
                let colon = raw.iter().position(|&b| b == b':').unwrap_or(raw.len());
                RawField {
                    name: raw[..colon].trim_ascii(),
                    raw,
                }
            };
            return Some((fields.iter().map(to_field).collect(), &msg[next..]));
        }
        if matches!(msg[pos], b' ' | b'\t') {
            match fields.last_mut() {
                Some(f) => f.1 = line_end,
                None => return None,
            }
        } else if msg[pos..line_end].contains(&b':') {
            fields.push((pos, line_end));
        } else {
            return None;
        }
        pos = next;
    }
    let fields = fields
        .iter()
        .map(|&(s, e)| {
            let raw = &msg[s..e];
            let colon = raw.iter().position(|&b| b == b':').unwrap_or(raw.len());
            RawField {
                name: raw[..colon].trim_ascii(),
                raw,
            }
        })
        .collect();
    Some((fields, &msg[msg.len()..]))
}

fn memchr_lf(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// The fields `names` selects (RFC 6376 §5.4.2): for each name, the last instance not
/// yet used, bottom up; a name with no instance left selects nothing.
pub(crate) fn select_headers<'a>(fields: &[RawField<'a>], names: &[&str]) -> Vec<RawField<'a>> {
    let mut used = vec![false; fields.len()];
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let name = name.trim();
        if let Some(n) = (0..fields.len())
            .rev()
            .find(|&n| !used[n] && fields[n].name.eq_ignore_ascii_case(name.as_bytes()))
        {
            used[n] = true;
            out.push(fields[n]);
        }
    }
    out
}

/// Relaxed header canonicalization (RFC 6376 §3.4.2), without the final CRLF: the name
/// lowercased, folding removed, whitespace runs made one space, whitespace around the
/// colon and at the end removed.
pub(crate) fn relaxed_header(raw: &[u8]) -> Vec<u8> {
    let colon = raw.iter().position(|&b| b == b':').unwrap_or(raw.len());
    let mut out: Vec<u8> = raw[..colon]
        .trim_ascii()
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    out.push(b':');
    let mut space = false;
    let mut started = false;
    for &b in raw.get(colon + 1..).unwrap_or_default() {
        match b {
            b'\r' | b'\n' => {}
            b' ' | b'\t' => space = true,
            _ => {
                if space && started {
                    out.push(b' ');
                }
                space = false;
                started = true;
                out.push(b);
            }
        }
    }
    out
}

/// Relaxed body canonicalization (RFC 6376 §3.4.4): whitespace runs made one space,
/// whitespace at line ends removed, empty lines at the end removed, every line ending
/// with CRLF (a bare LF counts as a line end); an empty body stays empty.
pub(crate) fn relaxed_body(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut empty_lines = 0usize;
    let mut lines = body.split(|&b| b == b'\n').peekable();
    while let Some(line) = lines.next() {
        if lines.peek().is_none() && line.is_empty() {
            break; // the split after the final LF
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut canon = Vec::with_capacity(line.len());
        let mut space = false;
        for &b in line {
            if b == b' ' || b == b'\t' {
                space = true;
            } else {
                if space {
                    canon.push(b' ');
                }
                space = false;
                canon.push(b);
            }
        }
        if canon.is_empty() {
            empty_lines += 1;
            continue;
        }
        for _ in 0..empty_lines {
            out.extend_from_slice(b"\r\n");
        }
        empty_lines = 0;
        out.extend_from_slice(&canon);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// The data the signature covers (RFC 6376 §3.7): each selected field canonicalized with
/// CRLF, then the `DKIM-Signature` field with an empty `b=`, canonicalized, no CRLF.
pub(crate) fn signing_input(
    fields: &[RawField<'_>],
    names: &[&str],
    unsigned_signature: &[u8],
) -> Vec<u8> {
    let mut data = Vec::new();
    for f in select_headers(fields, names) {
        data.extend(relaxed_header(f.raw));
        data.extend_from_slice(b"\r\n");
    }
    data.extend(relaxed_header(unsigned_signature));
    data
}

/// A problem with the DKIM key given to sign the test message, with its finding id.
///
/// ```
/// use smtping_client::dkim_sign::DkimKeyProblem;
/// use smtping_client::report::Severity;
/// let p = DkimKeyProblem::KeyMismatch { selector: "s1".into(), domain: "example.com".into() };
/// assert_eq!(p.finding_id(), "dkim_sign.key_mismatch");
/// assert_eq!(p.severity(), Severity::Error);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum DkimKeyProblem {
    /// The key given does not match the public key published at the selector, so every
    /// receiver will see `dkim=fail`.
    KeyMismatch {
        /// The selector.
        selector: String,
        /// The domain.
        domain: String,
    },
    /// The test message was signed for a domain that is not the From domain's
    /// organisational domain, so the signature cannot give DMARC alignment.
    Unaligned {
        /// `d=`.
        signing_domain: String,
        /// The From domain.
        from_domain: String,
    },
}

impl DkimKeyProblem {
    /// The stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::KeyMismatch { .. } => "dkim_sign.key_mismatch",
            Self::Unaligned { .. } => "dkim_sign.unaligned",
        }
    }

    /// How bad it is.
    #[must_use]
    pub const fn severity(&self) -> crate::report::Severity {
        match self {
            Self::KeyMismatch { .. } => crate::report::Severity::Error,
            Self::Unaligned { .. } => crate::report::Severity::Warning,
        }
    }

    /// Whether the key in `signer` matches a published DKIM key record (`v=DKIM1; k=…;
    /// p=…`, as the TXT answer at `selector._domainkey.domain` reads): `Some(problem)`
    /// when the `p=` differs.
    ///
    /// ```
    /// use smtping_client::dkim_sign::{DkimKeyProblem, DkimSigner};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dkim/ed25519.pem");
    /// let signer = DkimSigner::from_pem_file(key, "brisbane", "football.example.com")?;
    /// assert_eq!(DkimKeyProblem::check_published(&signer, &signer.dns_record()), None);
    /// assert!(DkimKeyProblem::check_published(&signer, "v=DKIM1; k=ed25519; p=AAAA").is_some());
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn check_published(signer: &DkimSigner, record: &str) -> Option<Self> {
        let ours = signer.dns_record();
        let p = |r: &str| {
            r.split(';')
                .filter_map(|t| t.split_once('='))
                .find(|(k, _)| k.trim() == "p")
                .map(|(_, v)| v.split_whitespace().collect::<String>())
        };
        (p(&ours) != p(record)).then(|| Self::KeyMismatch {
            selector: signer.selector.clone(),
            domain: signer.domain.clone(),
        })
    }
}

impl DkimKeyProblem {
    /// Whether a signature by `signer` can align (relaxed, RFC 7489 §3.1.1) with the
    /// From domain `from_domain`: the same organisational domain (public suffix list).
    ///
    /// ```
    /// use smtping_client::dkim_sign::{DkimKeyProblem, DkimSigner};
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let key = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dkim/ed25519.pem");
    /// let signer = DkimSigner::from_pem_file(key, "s", "mail.example.com")?;
    /// assert_eq!(DkimKeyProblem::check_alignment(&signer, "example.com"), None);
    /// assert_eq!(
    ///     DkimKeyProblem::check_alignment(&signer, "example.net").map(|p| p.finding_id()),
    ///     Some("dkim_sign.unaligned")
    /// );
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn check_alignment(signer: &DkimSigner, from_domain: &str) -> Option<Self> {
        use smtping_signals::dmarc::org_domain_psl;
        let from = from_domain
            .trim()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let aligned = match (org_domain_psl(&signer.domain), org_domain_psl(&from)) {
            (Some(a), Some(b)) => a == b,
            _ => signer.domain == from,
        };
        (!aligned).then(|| Self::Unaligned {
            signing_domain: signer.domain.clone(),
            from_domain: from,
        })
    }
}

impl fmt::Display for DkimKeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::KeyMismatch { selector, domain } => write!(
                f,
                "the DKIM key given does not match the public key published at {selector}._domainkey.{domain}: receivers will see dkim=fail"
            ),
            Self::Unaligned {
                signing_domain,
                from_domain,
            } => write!(
                f,
                "the test message is signed for {signing_domain}, which does not align with the From domain {from_domain}: the signature cannot pass DMARC"
            ),
        }
    }
}

#[cfg(test)]
mod tests;
