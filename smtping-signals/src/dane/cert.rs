//! What DANE needs from a certificate: its exact DER, its SubjectPublicKeyInfo, issuer
//! and subject, names, validity. Parsed with `x509-parser`; nothing here trusts it.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

/// One certificate of the presented chain, as far as it could be read.
#[derive(Clone, Debug)]
pub(crate) struct CertInfo<'a> {
    /// The certificate's DER, exactly its bytes (trailing garbage cut off).
    pub(crate) der: &'a [u8],
    /// The parsed fields, or why the certificate could not be parsed.
    pub(crate) parsed: Result<Parsed<'a>, String>,
}

/// The fields DANE looks at (validity and basic constraints are left to webpki).
#[derive(Clone, Debug)]
pub(crate) struct Parsed<'a> {
    pub(crate) spki: &'a [u8],
    pub(crate) subject: &'a [u8],
    pub(crate) issuer: &'a [u8],
    /// `subjectAltName` dNSName entries, lower case, no trailing dot.
    pub(crate) dns_names: Vec<String>,
    /// Subject common names (used only without dNSName, RFC 7672 §3.2.3 via RFC 6125).
    pub(crate) common_names: Vec<String>,
}

/// At most this many names are read from one certificate.
const MAX_NAMES: usize = 256;

pub(crate) fn read(der: &[u8]) -> CertInfo<'_> {
    match X509Certificate::from_der(der) {
        Ok((rest, cert)) => {
            let used = der.len() - rest.len();
            let der = &der[..used];
            CertInfo {
                der,
                parsed: Ok(fields(&cert)),
            }
        }
        Err(e) => CertInfo {
            der,
            parsed: Err(format!("the certificate could not be parsed: {e}")),
        },
    }
}

fn fields<'a>(cert: &X509Certificate<'a>) -> Parsed<'a> {
    let tbs = &cert.tbs_certificate;
    let mut dns_names = Vec::new();
    if let Ok(Some(san)) = tbs.subject_alternative_name() {
        for name in san.value.general_names.iter().take(MAX_NAMES) {
            if let GeneralName::DNSName(n) = name {
                dns_names.push(normalise(n));
            }
        }
    }
    let common_names = tbs
        .subject
        .iter_common_name()
        .take(MAX_NAMES)
        .filter_map(|cn| cn.as_str().ok().map(normalise))
        .collect();
    Parsed {
        spki: tbs.subject_pki.raw,
        subject: tbs.subject.as_raw(),
        issuer: tbs.issuer.as_raw(),
        dns_names,
        common_names,
    }
}

pub(crate) fn normalise(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// RFC 7672 §3.2.3 (RFC 6125 rules): a presented name matches a reference name exactly,
/// or as a wildcard `*` that is the whole left-most label and stands for exactly one
/// label.
pub(crate) fn name_matches(presented: &str, reference: &str) -> bool {
    let reference = normalise(reference);
    if presented.is_empty() || reference.is_empty() {
        return false;
    }
    if presented == reference {
        return true;
    }
    match (presented.strip_prefix("*."), reference.split_once('.')) {
        (Some(base), Some((first, rest))) => {
            !first.is_empty() && !base.is_empty() && base.contains('.') && base == rest
        }
        _ => false,
    }
}

impl Parsed<'_> {
    /// The names the certificate is for: dNSName entries, else the common names.
    pub(crate) fn names(&self) -> &[String] {
        if self.dns_names.is_empty() {
            &self.common_names
        } else {
            &self.dns_names
        }
    }

    pub(crate) fn matches_any(&self, references: &[&str]) -> bool {
        self.names()
            .iter()
            .any(|p| references.iter().any(|r| name_matches(p, r)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_cover_one_label_only() {
        assert!(name_matches("mx.example.test", "MX.Example.Test."));
        assert!(name_matches("*.example.test", "mx.example.test"));
        assert!(!name_matches("*.example.test", "a.mx.example.test"));
        assert!(!name_matches("*.example.test", "example.test"));
        assert!(
            !name_matches("*.test", "example.test"),
            "no wildcard over a TLD"
        );
        assert!(!name_matches("m*.example.test", "mx.example.test"));
        assert!(!name_matches("", "mx.example.test"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read(b"\x30\x03\x02\x01").parsed.is_err());
        assert!(read(b"").parsed.is_err());
    }
}
