//! The public key in `p=`: its type and size, read from the DER without a crypto stack.
//!
//! RSA keys are published as a SubjectPublicKeyInfo (RFC 6376 §3.6.1, what
//! `openssl rsa -pubout` writes) or, by some signers, as a bare PKCS#1 `RSAPublicKey`;
//! both are accepted. Ed25519 keys are the raw 32 bytes (RFC 8463 §4.2); an Ed25519
//! SubjectPublicKeyInfo is tolerated and said to be one.
//!
//! The DER reader is a few dozen lines on purpose: it only needs to walk two SEQUENCEs,
//! an OID and an INTEGER, every length is checked against the bytes that remain, and it
//! never recurses — a full ASN.1 or crypto crate would bring far more code than the
//! question (what key is this, how many bits) needs.
//!
//! ```
//! use smtping_signals::dkim::key::{analyse_key, KeyType};
//!
//! // A 512-bit RSA key as `openssl rsa -pubout -outform DER | base64` prints it.
//! let p = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANaZd85T3mzIaycsQWfSGFdaFGd3Ioamvv3Pho3gKTd3\
//!          TihgJYCSUbc4e6PdUaL37sVkRcjF6X7smLFUGtwW3CECAwEAAQ==";
//! let key = analyse_key(None, p).unwrap();
//! assert_eq!((key.key_type, key.bits), (KeyType::Rsa, Some(512)));
//! ```

use base64::Engine as _;
use serde::Serialize;

/// Longest decoded key accepted (an RSA-16384 SPKI is about 2 KB).
pub const MAX_KEY_BYTES: usize = 4096;

/// `rsaEncryption`, 1.2.840.113549.1.1.1.
const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
/// `id-Ed25519`, 1.3.101.112.
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];

/// The algorithm of a DKIM key.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// RSA (RFC 6376, `k=rsa`, the default).
    Rsa,
    /// Ed25519 (RFC 8463, `k=ed25519`).
    Ed25519,
    /// A `k=` value this crate does not know.
    Unknown,
}

impl KeyType {
    /// `"rsa"`, `"ed25519"` or `"unknown"` (the JSON word).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Rsa => "rsa",
            Self::Ed25519 => "ed25519",
            Self::Unknown => "unknown",
        }
    }
}

/// How the key bytes were encoded.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyEncoding {
    /// A SubjectPublicKeyInfo (RFC 5280 §4.1), as RFC 6376 asks for RSA.
    Spki,
    /// A bare PKCS#1 `RSAPublicKey` (RFC 8017 §A.1.1).
    Pkcs1,
    /// Raw key bytes (Ed25519, RFC 8463).
    Raw,
}

/// What the key is.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// The algorithm.
    pub key_type: KeyType,
    /// The size: the RSA modulus length in bits, 256 for Ed25519, `None` when unknown.
    pub bits: Option<u32>,
    /// The encoding found.
    pub encoding: Option<KeyEncoding>,
}

/// A `p=` value that is not a usable key.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyError {
    /// Not base64.
    #[error("p= is not valid base64: {reason}")]
    Base64 {
        /// The decoder's complaint.
        reason: String,
    },
    /// Decodes to more than [`MAX_KEY_BYTES`].
    #[error("the key is {len} bytes, more than the {MAX_KEY_BYTES}-byte limit")]
    TooLong {
        /// Decoded length.
        len: usize,
    },
    /// Not a SubjectPublicKeyInfo nor a PKCS#1 RSA key.
    #[error("p= is not an RSA key (neither SubjectPublicKeyInfo nor PKCS#1 DER): {reason}")]
    BadDer {
        /// Where the DER went wrong.
        reason: String,
    },
    /// The SubjectPublicKeyInfo names another algorithm than `k=` says.
    #[error("k={declared} but the key is {found}")]
    AlgorithmMismatch {
        /// `k=` (or the default `rsa`).
        declared: String,
        /// The algorithm in the key.
        found: String,
    },
    /// An Ed25519 key that is not 32 bytes.
    #[error("an Ed25519 key is 32 bytes, this one is {len}")]
    Ed25519Length {
        /// Decoded length.
        len: usize,
    },
}

/// Decodes `p=` (whitespace already removed or not) and tells what key it is, given the
/// `k=` value (`None` means the default, `rsa`).
pub fn analyse_key(k: Option<&str>, p: &str) -> Result<KeyInfo, KeyError> {
    let compact: String = p.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.len() > MAX_KEY_BYTES * 2 {
        return Err(KeyError::TooLong {
            len: compact.len() / 4 * 3,
        });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|e| KeyError::Base64 {
            reason: e.to_string(),
        })?;
    if bytes.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLong { len: bytes.len() });
    }
    let declared = k.unwrap_or("rsa");
    if declared.eq_ignore_ascii_case("rsa") {
        rsa_key(&bytes)
    } else if declared.eq_ignore_ascii_case("ed25519") {
        ed25519_key(&bytes)
    } else {
        Ok(KeyInfo {
            key_type: KeyType::Unknown,
            bits: None,
            encoding: None,
        })
    }
}

fn rsa_key(bytes: &[u8]) -> Result<KeyInfo, KeyError> {
    let spki_error = match spki(bytes) {
        Ok((oid, key)) if oid == OID_RSA => {
            let bits = pkcs1_modulus_bits(key).map_err(|reason| KeyError::BadDer {
                reason: format!("RSAPublicKey in the SubjectPublicKeyInfo: {reason}"),
            })?;
            return Ok(KeyInfo {
                key_type: KeyType::Rsa,
                bits: Some(bits),
                encoding: Some(KeyEncoding::Spki),
            });
        }
        Ok((oid, _)) => {
            return Err(KeyError::AlgorithmMismatch {
                declared: "rsa".into(),
                found: oid_name(oid),
            });
        }
        Err(e) => e,
    };
    match pkcs1_modulus_bits(bytes) {
        Ok(bits) => Ok(KeyInfo {
            key_type: KeyType::Rsa,
            bits: Some(bits),
            encoding: Some(KeyEncoding::Pkcs1),
        }),
        Err(pkcs1_error) => Err(KeyError::BadDer {
            reason: format!("as SubjectPublicKeyInfo: {spki_error}; as PKCS#1: {pkcs1_error}"),
        }),
    }
}

fn ed25519_key(bytes: &[u8]) -> Result<KeyInfo, KeyError> {
    let ok = |encoding| KeyInfo {
        key_type: KeyType::Ed25519,
        bits: Some(256),
        encoding: Some(encoding),
    };
    if bytes.len() == 32 {
        return Ok(ok(KeyEncoding::Raw));
    }
    match spki(bytes) {
        Ok((oid, key)) if oid == OID_ED25519 && key.len() == 32 => Ok(ok(KeyEncoding::Spki)),
        Ok((oid, _)) if oid != OID_ED25519 => Err(KeyError::AlgorithmMismatch {
            declared: "ed25519".into(),
            found: oid_name(oid),
        }),
        _ => Err(KeyError::Ed25519Length { len: bytes.len() }),
    }
}

fn oid_name(oid: &[u8]) -> String {
    match oid {
        OID_RSA => "rsa".into(),
        OID_ED25519 => "ed25519".into(),
        _ => {
            let hex: Vec<String> = oid.iter().take(16).map(|b| format!("{b:02x}")).collect();
            format!("an algorithm with OID bytes {}", hex.join(":"))
        }
    }
}

/// One DER element: (tag, content, rest). Lengths are checked against the input; the
/// long form is limited to four length bytes.
fn element(input: &[u8]) -> Result<(u8, &[u8], &[u8]), &'static str> {
    let (&tag, rest) = input.split_first().ok_or("truncated (no tag)")?;
    if tag & 0x1F == 0x1F {
        return Err("multi-byte tags are not used in keys");
    }
    let (&first, rest) = rest.split_first().ok_or("truncated (no length)")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > 4 {
            return Err("unsupported length form");
        }
        if rest.len() < n {
            return Err("truncated length");
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err("length runs past the end");
    }
    Ok((tag, &rest[..len], &rest[len..]))
}

fn expect<'a>(
    input: &'a [u8],
    want: u8,
    what: &'static str,
) -> Result<(&'a [u8], &'a [u8]), &'static str> {
    let (tag, content, rest) = element(input)?;
    if tag != want {
        return Err(what);
    }
    Ok((content, rest))
}

/// `SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { OID, params }, BIT STRING }`:
/// (algorithm OID, key bytes).
fn spki(input: &[u8]) -> Result<(&[u8], &[u8]), &'static str> {
    let (outer, trailing) = expect(input, 0x30, "not a SEQUENCE")?;
    if !trailing.is_empty() {
        return Err("bytes after the key");
    }
    let (algorithm, rest) = expect(outer, 0x30, "no AlgorithmIdentifier SEQUENCE")?;
    let (oid, _params) = expect(algorithm, 0x06, "no algorithm OID")?;
    let (bits, rest) = expect(rest, 0x03, "no BIT STRING")?;
    if !rest.is_empty() {
        return Err("bytes after the BIT STRING");
    }
    match bits.split_first() {
        Some((0, key)) => Ok((oid, key)),
        _ => Err("BIT STRING with unused bits"),
    }
}

/// `RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }`: the
/// modulus length in bits.
fn pkcs1_modulus_bits(input: &[u8]) -> Result<u32, &'static str> {
    let (seq, trailing) = expect(input, 0x30, "not a SEQUENCE")?;
    if !trailing.is_empty() {
        return Err("bytes after the key");
    }
    let (modulus, rest) = expect(seq, 0x02, "no modulus INTEGER")?;
    let (exponent, rest) = expect(rest, 0x02, "no exponent INTEGER")?;
    if !rest.is_empty() {
        return Err("bytes after the exponent");
    }
    if exponent.is_empty() {
        return Err("empty exponent");
    }
    if modulus.first().is_some_and(|b| b & 0x80 != 0) {
        return Err("negative modulus");
    }
    let significant: &[u8] = {
        let start = modulus
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(modulus.len());
        &modulus[start..]
    };
    let Some(first) = significant.first() else {
        return Err("zero modulus");
    };
    let bits = (significant.len() - 1) * 8 + (8 - first.leading_zeros() as usize);
    u32::try_from(bits).map_err(|_| "modulus too large")
}

#[cfg(test)]
pub(crate) mod vectors {
    //! Keys made with `openssl genrsa N`, `openssl rsa -pubout -outform DER` (SPKI),
    //! `openssl rsa -RSAPublicKey_out -outform DER` (PKCS#1) and
    //! `openssl genpkey -algorithm ed25519` (on 2026-12-01), base64.
    pub(crate) const RSA512_SPKI: &str = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBANaZd85T3mzIaycsQWfSGFdaFGd3Ioamvv3Pho3gKTd3TihgJYCSUbc4e6PdUaL37sVkRcjF6X7smLFUGtwW3CECAwEAAQ==";
    pub(crate) const RSA512_PKCS1: &str = "MEgCQQDWmXfOU95syGsnLEFn0hhXWhRndyKGpr79z4aN4Ck3d04oYCWAklG3OHuj3VGi9+7FZEXIxel+7JixVBrcFtwhAgMBAAE=";
    pub(crate) const RSA1024_SPKI: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDRpTuMyEJhJkqMXajibjLYKZ68J2G8XjHUjG3arCsd9B/Y9TkedbYA//UbAJJtiZtxDu0Sx+AyDtz+Jcbc1r5OiejRCT9ogMjCS2MMAI+V9gy3b83PIdB8XZwftvGkzxy+PE9ZI/FEIk5g8zz5DUpC/rL0Z7uBG+amXsan/+paFQIDAQAB";
    pub(crate) const RSA1024_PKCS1: &str = "MIGJAoGBANGlO4zIQmEmSoxdqOJuMtgpnrwnYbxeMdSMbdqsKx30H9j1OR51tgD/9RsAkm2Jm3EO7RLH4DIO3P4lxtzWvk6J6NEJP2iAyMJLYwwAj5X2DLdvzc8h0HxdnB+28aTPHL48T1kj8UQiTmDzPPkNSkL+svRnu4Eb5qZexqf/6loVAgMBAAE=";
    pub(crate) const RSA2048_SPKI: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwzMu4LzBVMqwatfwlyM5atu4FLBTlEqjdwW1ap5QN5kHd1M+BHGuCTtTcCsVun1mUPivILKEPNi0jPfp7WoMjpsLtrVFYibTrNz55/+webmUKPSWzsLpAZlxMsWDAjx40MZtHS5TUgI9p2jEUpQJe589/7KeBLw1ra+inNXiGriiFRtgQLZMJ2HVnrYMMnOqbXOUpl6imVvLFjvQfi0GOtCS4aSVnjH2ernWj726Nhw/duNjOs4VbuUBVfVYQq9jelNNoqDKu+e3+hAuqI7FmxaHbicH4FTh5tduEf7amhu8/CgzzYA8E1r1HZo2P0hOtmOFjjAr48E1lmIhRc/FCwIDAQAB";
    pub(crate) const RSA2048_PKCS1: &str = "MIIBCgKCAQEAwzMu4LzBVMqwatfwlyM5atu4FLBTlEqjdwW1ap5QN5kHd1M+BHGuCTtTcCsVun1mUPivILKEPNi0jPfp7WoMjpsLtrVFYibTrNz55/+webmUKPSWzsLpAZlxMsWDAjx40MZtHS5TUgI9p2jEUpQJe589/7KeBLw1ra+inNXiGriiFRtgQLZMJ2HVnrYMMnOqbXOUpl6imVvLFjvQfi0GOtCS4aSVnjH2ernWj726Nhw/duNjOs4VbuUBVfVYQq9jelNNoqDKu+e3+hAuqI7FmxaHbicH4FTh5tduEf7amhu8/CgzzYA8E1r1HZo2P0hOtmOFjjAr48E1lmIhRc/FCwIDAQAB";
    /// The Ed25519 SubjectPublicKeyInfo.
    pub(crate) const ED25519_SPKI: &str =
        "MCowBQYDK2VwAyEAksqPxJ3QwjTy9S8JjmD3ip2d6afh88ooUOAIQJItkyY=";
    /// The same key's raw 32 bytes (the SPKI's last 32 bytes), as RFC 8463 publishes it.
    pub(crate) const ED25519_RAW: &str = "ksqPxJ3QwjTy9S8JjmD3ip2d6afh88ooUOAIQJItkyY=";
}

#[cfg(test)]
mod tests {
    use super::vectors::*;
    use super::*;

    fn bits(k: Option<&str>, p: &str) -> (KeyType, Option<u32>, Option<KeyEncoding>) {
        let info = analyse_key(k, p).unwrap();
        (info.key_type, info.bits, info.encoding)
    }

    #[test]
    fn rsa_sizes_in_both_encodings() {
        use KeyEncoding::{Pkcs1, Spki};
        use KeyType::Rsa;
        assert_eq!(bits(None, RSA512_SPKI), (Rsa, Some(512), Some(Spki)));
        assert_eq!(bits(None, RSA512_PKCS1), (Rsa, Some(512), Some(Pkcs1)));
        assert_eq!(
            bits(Some("rsa"), RSA1024_SPKI),
            (Rsa, Some(1024), Some(Spki))
        );
        assert_eq!(bits(None, RSA1024_PKCS1), (Rsa, Some(1024), Some(Pkcs1)));
        assert_eq!(bits(None, RSA2048_SPKI), (Rsa, Some(2048), Some(Spki)));
        assert_eq!(
            bits(Some("RSA"), RSA2048_PKCS1),
            (Rsa, Some(2048), Some(Pkcs1))
        );
    }

    #[test]
    fn ed25519_raw_and_spki() {
        use KeyType::Ed25519;
        assert_eq!(
            bits(Some("ed25519"), ED25519_RAW),
            (Ed25519, Some(256), Some(KeyEncoding::Raw))
        );
        assert_eq!(
            bits(Some("ed25519"), ED25519_SPKI),
            (Ed25519, Some(256), Some(KeyEncoding::Spki))
        );
        assert_eq!(
            analyse_key(Some("ed25519"), RSA1024_SPKI),
            Err(KeyError::AlgorithmMismatch {
                declared: "ed25519".into(),
                found: "rsa".into()
            })
        );
        assert_eq!(
            analyse_key(Some("ed25519"), "AAAA"),
            Err(KeyError::Ed25519Length { len: 3 })
        );
    }

    #[test]
    fn mismatch_unknown_and_garbage() {
        assert!(matches!(
            analyse_key(None, ED25519_SPKI),
            Err(KeyError::AlgorithmMismatch { .. })
        ));
        assert_eq!(bits(Some("dsa"), "AAAA"), (KeyType::Unknown, None, None));
        assert!(matches!(
            analyse_key(None, "!!!"),
            Err(KeyError::Base64 { .. })
        ));
        assert!(matches!(
            analyse_key(None, "AAAA"),
            Err(KeyError::BadDer { .. })
        ));
        // A truncated SPKI: every length is checked.
        let cut = &RSA2048_SPKI[..200];
        assert!(analyse_key(None, cut).is_err());
        let huge = "A".repeat(MAX_KEY_BYTES * 2 + 4);
        assert!(matches!(
            analyse_key(None, &huge),
            Err(KeyError::TooLong { .. })
        ));
    }

    #[test]
    fn whitespace_inside_the_key_is_ignored() {
        let spaced: String = RSA1024_SPKI
            .as_bytes()
            .chunks(60)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(analyse_key(None, &spaced).unwrap().bits, Some(1024));
    }

    #[test]
    fn der_lengths_are_bounded() {
        // SEQUENCE claiming 2^32-1 bytes.
        assert!(element(&[0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]).is_err());
        assert!(element(&[0x30, 0x85, 0, 0, 0, 0, 1]).is_err());
        assert!(element(&[0x30]).is_err());
        assert!(element(&[0x1F, 0x01, 0x00]).is_err());
        assert_eq!(
            pkcs1_modulus_bits(&[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x03]),
            Err("zero modulus")
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_bytes(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let p = base64::engine::general_purpose::STANDARD.encode(&bytes);
            let _ = analyse_key(None, &p);
            let _ = analyse_key(Some("ed25519"), &p);
        }

        #[test]
        fn never_panics_on_text(p in "[A-Za-z0-9+/= ]{0,300}") {
            let _ = analyse_key(None, &p);
        }
    }
}
