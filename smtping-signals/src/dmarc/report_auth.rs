//! External report destinations (RFC 7489 §7.1, RFC 9990 §3): a `rua`/`ruf` address
//! whose domain is not in the policy domain's organisation must be authorised by the
//! destination, with a TXT record at `<policy-domain>._report._dmarc.<destination>`
//! that starts with `v=DMARC1`.
//!
//! ```
//! use smtping_signals::dmarc::report_auth::{authorization_name, needs_authorization};
//!
//! assert!(!needs_authorization("example.com", "reports.example.com"));
//! assert!(needs_authorization("example.com", "vendor.test"));
//! assert_eq!(authorization_name("example.com", "vendor.test").as_deref(),
//!            Some("example.com._report._dmarc.vendor.test"));
//! ```

use serde::Serialize;

use super::org_domain::{normalise, org_domain_psl};
use super::record::is_dmarc_record;
use crate::dkim::is_dns_name;

/// At most this many distinct external destinations are verified.
pub const MAX_EXTERNAL_DESTINATIONS: usize = 8;

/// `true` when reports for `policy_domain` sent to `destination` need the
/// destination's consent: the two have different organisational domains (RFC 7489).
#[must_use]
pub fn needs_authorization(policy_domain: &str, destination: &str) -> bool {
    let (p, d) = (normalise(policy_domain), normalise(destination));
    let org = |n: &str| org_domain_psl(n).unwrap_or_else(|| n.to_string());
    org(&p) != org(&d)
}

/// The name to ask: `<policy-domain>._report._dmarc.<destination>`; `None` when it would
/// not be a valid DNS name (too long).
#[must_use]
pub fn authorization_name(policy_domain: &str, destination: &str) -> Option<String> {
    let name = format!(
        "{}._report._dmarc.{}",
        normalise(policy_domain),
        normalise(destination)
    );
    is_dns_name(&name).then_some(name)
}

/// `true` when one of the TXT texts at the authorisation name starts with `v=DMARC1`.
#[must_use]
pub fn authorizes<'a>(texts: impl IntoIterator<Item = &'a [u8]>) -> bool {
    texts.into_iter().any(is_dmarc_record)
}

/// One external destination and whether it agreed.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExternalDestination {
    /// The destination domain.
    pub destination: String,
    /// The name asked.
    pub name: String,
    /// A `v=DMARC1` record was found there. `false` also when the lookup failed (see
    /// `error`).
    pub authorized: bool,
    /// The tags (`rua` and/or `ruf`) that send reports there.
    pub tags: Vec<String>,
    /// The lookup failed (temporary DNS error): authorisation is unknown.
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_rules() {
        assert!(!needs_authorization("Example.com.", "example.COM"));
        assert!(!needs_authorization(
            "sub.example.co.uk",
            "rep.example.co.uk"
        ));
        assert!(needs_authorization("a.co.uk", "b.co.uk"));
        assert!(authorizes([&b"v=DMARC1"[..], b"other"]));
        assert!(!authorizes([&b"v=spf1 -all"[..]]));
        assert!(!authorizes(std::iter::empty()));
        let long = "a".repeat(200);
        assert_eq!(
            authorization_name(&format!("{long}.test"), &format!("{long}.test")),
            None
        );
    }
}
