//! What the receiver recorded: its `Authentication-Results` verdict on the test message,
//! read from the delivered copy's headers (design.md §10 `follow_through.seeds[]
//! .authentication_results{spf, dkim[{result, domain, selector}], dmarc, arc, raw}` and
//! `received[]`), and the problems it shows.
//!
//! Which fields to believe (RFC 8601 §5, §7.2): a message can carry
//! `Authentication-Results` written by any earlier hop, or forged by the sender. The
//! verdict uses only the fields whose authserv-id is the trusted one: the one given, or
//! else the authserv-id of the topmost field (the last receiver writes its fields on top,
//! one per milter as OpenDKIM, OpenDMARC and policyd-spf do). Microsoft 365 writes no
//! authserv-id; its fields count when the topmost one has none either.
//!
//! ```
//! use smtping_classify::receiver::{ReceiverProblem, ReceiverVerdict};
//! use smtping_proto::grammar::auth_results::AuthResult;
//!
//! let delivered = b"Authentication-Results: mx.example.org; dmarc=fail (p=reject) header.from=example.com\r\n\
//! Authentication-Results: mx.example.org; dkim=pass header.d=example.com header.s=s1\r\n\
//! Authentication-Results: mx.example.org; spf=fail smtp.mailfrom=example.com\r\n\
//! Authentication-Results: forged.example; spf=pass smtp.mailfrom=example.com\r\n\
//! Received: from out.example.com (out.example.com [192.0.2.1]) by mx.example.org with ESMTPS id 1; Tue, 1 Dec 2026 14:02:07 +0000\r\n\
//! From: a@example.com\r\n\r\nbody";
//! let v = ReceiverVerdict::from_message(delivered, None);
//! assert_eq!(v.authserv_id.as_deref(), Some("mx.example.org"));
//! assert_eq!(v.spf, Some(AuthResult::Fail)); // not the forged pass below
//! assert_eq!(v.dkim[0].domain.as_deref(), Some("example.com"));
//! assert_eq!(v.received[0].from_ip.as_deref(), Some("192.0.2.1"));
//! let ids: Vec<_> = v.problems(Some("example.com")).iter().map(|p| p.finding_id()).collect();
//! assert_eq!(ids, ["receiver.spf_not_pass", "receiver.dmarc_not_pass"]);
//! ```

use core::fmt;

use serde::Serialize;
use smtping_proto::grammar::auth_results::{AuthResult, AuthenticationResults};
use smtping_proto::grammar::headers::HeaderBlock;
use smtping_proto::grammar::received::Received;

/// Most `Authentication-Results` fields kept raw.
const MAX_RAW: usize = 16;

/// One DKIM verdict of the receiver.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DkimVerdict {
    /// The result.
    pub result: AuthResult,
    /// The signing domain (`header.d`, else from `header.i`).
    pub domain: Option<String>,
    /// The selector (`header.s`).
    pub selector: Option<String>,
}

/// The receiver's DMARC verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DmarcVerdict {
    /// The result.
    pub result: AuthResult,
    /// The author domain evaluated (`header.from`).
    pub header_from: Option<String>,
}

/// What the receiver recorded about the message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReceiverVerdict {
    /// The trusted authserv-id (`None` when no field was found, or Microsoft 365's empty one).
    pub authserv_id: Option<String>,
    /// The SPF result (the `Received-SPF` field's when no trusted `spf=` was written).
    pub spf: Option<AuthResult>,
    /// `smtp.mailfrom` of the SPF result.
    pub spf_domain: Option<String>,
    /// Every DKIM result, one per signature.
    pub dkim: Vec<DkimVerdict>,
    /// The DMARC result.
    pub dmarc: Option<DmarcVerdict>,
    /// The ARC result.
    pub arc: Option<AuthResult>,
    /// The trusted `Authentication-Results` values, unfolded, as written (at most 16).
    pub raw: Vec<String>,
    /// `Authentication-Results` fields not used: another authserv-id, or unreadable.
    pub ignored: usize,
    /// The `Received` hops, the last first.
    pub received: Vec<Received>,
}

impl ReceiverVerdict {
    /// Reads a delivered message (or its header block). `trusted` names the receiver's
    /// authserv-id; `None` trusts the topmost field's.
    #[must_use]
    pub fn from_message(message: &[u8], trusted: Option<&str>) -> Self {
        Self::from_headers(&HeaderBlock::parse(message), trusted)
    }

    /// [`ReceiverVerdict::from_message`] over an already split header block.
    #[must_use]
    pub fn from_headers(headers: &HeaderBlock, trusted: Option<&str>) -> Self {
        let mut out = Self {
            received: headers.received(),
            ..Self::default()
        };
        let parsed: Vec<(&str, Option<AuthenticationResults>)> = headers
            .get_all("authentication-results")
            .map(|v| (v, AuthenticationResults::parse(v.as_bytes()).ok()))
            .collect();
        let trusted_id: Option<String> = trusted.map(str::to_owned).or_else(|| {
            parsed
                .iter()
                .find_map(|(_, a)| a.as_ref().map(|a| a.authserv_id.clone()))
        });
        for (raw, ar) in &parsed {
            let Some(ar) = ar.as_ref().filter(|a| {
                trusted_id
                    .as_deref()
                    .is_some_and(|t| a.authserv_id.eq_ignore_ascii_case(t))
            }) else {
                out.ignored += 1;
                continue;
            };
            if out.raw.len() < MAX_RAW {
                out.raw.push(raw.trim().to_owned());
            }
            if out.spf.is_none()
                && let Some(spf) = ar.spf()
            {
                out.spf = Some(spf.result.clone());
                out.spf_domain = spf.property("smtp", "mailfrom").map(str::to_owned);
            }
            for d in ar.dkim() {
                out.dkim.push(DkimVerdict {
                    result: d.result.result.clone(),
                    domain: d.domain.map(str::to_owned),
                    selector: d.selector.map(str::to_owned),
                });
            }
            if out.dmarc.is_none()
                && let Some(d) = ar.dmarc()
            {
                out.dmarc = Some(DmarcVerdict {
                    result: d.result.result.clone(),
                    header_from: d.header_from.map(str::to_owned),
                });
            }
            if out.arc.is_none() {
                out.arc = ar.arc().map(|a| a.result.clone());
            }
        }
        if !out.raw.is_empty() {
            out.authserv_id = trusted_id.filter(|t| !t.is_empty());
        }
        if out.spf.is_none()
            && let Some(Ok(rs)) = headers.received_spf().into_iter().next()
        {
            out.spf = Some(rs.result.clone());
            out.spf_domain = rs.envelope_from().map(|e| {
                e.trim_matches(['<', '>'])
                    .rsplit('@')
                    .next()
                    .unwrap_or(e)
                    .to_owned()
            });
        }
        out
    }

    /// The problems the verdict shows. `signed_domain` is the `d=` SMTPing signed the test
    /// message with (`--dkim-domain`), if it did.
    #[must_use]
    pub fn problems(&self, signed_domain: Option<&str>) -> Vec<ReceiverProblem> {
        let mut out = Vec::new();
        if self.raw.is_empty() && self.spf.is_none() {
            out.push(ReceiverProblem::NoAuthenticationResults);
            return out;
        }
        if let Some(r) = self.spf.as_ref().filter(|r| !r.is_pass()) {
            out.push(ReceiverProblem::SpfNotPass { result: r.clone() });
        }
        if let Some(d) = signed_domain {
            let ours = self.dkim.iter().filter(|v| {
                v.domain
                    .as_deref()
                    .is_some_and(|x| x.eq_ignore_ascii_case(d))
            });
            let mut seen = false;
            let mut passed = false;
            let mut result = AuthResult::None;
            for v in ours {
                seen = true;
                passed |= v.result.is_pass();
                result = v.result.clone();
            }
            if !passed {
                out.push(ReceiverProblem::DkimSignatureNotPass {
                    domain: d.to_ascii_lowercase(),
                    result: if seen { result } else { AuthResult::None },
                });
            }
        }
        if let Some(d) = self.dmarc.as_ref().filter(|d| !d.result.is_pass()) {
            out.push(ReceiverProblem::DmarcNotPass {
                result: d.result.clone(),
                header_from: d.header_from.clone(),
            });
        }
        out
    }
}

/// How bad a [`ReceiverProblem`] is (the report's finding severities).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Should be looked at.
    Warning,
    /// Receivers will treat the mail as unauthenticated.
    Error,
}

/// A problem in what the receiver recorded, with its finding id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReceiverProblem {
    /// The delivered copy has no trusted `Authentication-Results` (or `Received-SPF`).
    NoAuthenticationResults,
    /// The receiver's SPF result is not `pass`.
    SpfNotPass {
        /// The result.
        result: AuthResult,
    },
    /// SMTPing signed the message, and the receiver did not record a `dkim=pass` for that
    /// domain (`none`: no result for it at all).
    DkimSignatureNotPass {
        /// The signing domain.
        domain: String,
        /// The receiver's result for it.
        result: AuthResult,
    },
    /// The receiver's DMARC result is not `pass`.
    DmarcNotPass {
        /// The result.
        result: AuthResult,
        /// `header.from`.
        header_from: Option<String>,
    },
}

impl ReceiverProblem {
    /// The stable finding id.
    #[must_use]
    pub const fn finding_id(&self) -> &'static str {
        match self {
            Self::NoAuthenticationResults => "receiver.no_authentication_results",
            Self::SpfNotPass { .. } => "receiver.spf_not_pass",
            Self::DkimSignatureNotPass { .. } => "receiver.dkim_not_pass",
            Self::DmarcNotPass { .. } => "receiver.dmarc_not_pass",
        }
    }

    /// How bad it is: `fail`-like results are errors, `softfail`, `neutral`, `none` and
    /// temporary errors warnings.
    #[must_use]
    pub fn severity(&self) -> Severity {
        let by_result = |r: &AuthResult| match r {
            AuthResult::Fail
            | AuthResult::HardFail
            | AuthResult::PermError
            | AuthResult::Policy => Severity::Error,
            _ => Severity::Warning,
        };
        match self {
            Self::NoAuthenticationResults => Severity::Info,
            Self::SpfNotPass { result } | Self::DmarcNotPass { result, .. } => by_result(result),
            Self::DkimSignatureNotPass { .. } => Severity::Error,
        }
    }
}

impl fmt::Display for ReceiverProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAuthenticationResults => f.write_str(
                "the delivered copy carries no Authentication-Results from the receiver: its verdict is unknown",
            ),
            Self::SpfNotPass { result } => write!(f, "the receiver recorded spf={result} for the test message"),
            Self::DkimSignatureNotPass { domain, result: AuthResult::None } => write!(
                f,
                "the test message was signed for {domain}, but the receiver recorded no DKIM result for it"
            ),
            Self::DkimSignatureNotPass { domain, result } => write!(
                f,
                "the test message was signed for {domain}, and the receiver recorded dkim={result} for it"
            ),
            Self::DmarcNotPass {
                result,
                header_from: Some(d),
            } => write!(f, "the receiver recorded dmarc={result} for {d}"),
            Self::DmarcNotPass { result, .. } => write!(f, "the receiver recorded dmarc={result}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microsoft_style_without_authserv_id() {
        let msg = b"Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.com; dkim=pass (signature was verified) header.d=example.com;dmarc=pass action=none header.from=example.com;compauth=pass reason=100\r\n\r\n";
        let v = ReceiverVerdict::from_message(msg, None);
        assert_eq!(v.authserv_id, None);
        assert_eq!(v.spf, Some(AuthResult::Pass));
        assert_eq!(
            v.dmarc.as_ref().unwrap().header_from.as_deref(),
            Some("example.com")
        );
        assert!(v.problems(Some("example.com")).is_empty());
    }

    #[test]
    fn trusted_id_given_and_received_spf_fallback() {
        let msg = b"Authentication-Results: relay.example; dkim=fail header.d=example.com\r\n\
Authentication-Results: MX.example.org; dkim=pass header.d=example.com header.s=s1\r\n\
Received-SPF: Softfail (mailfrom) identity=mailfrom; client-ip=192.0.2.1; envelope-from=<a@example.com>\r\n\r\n";
        let v = ReceiverVerdict::from_message(msg, Some("mx.example.org"));
        assert_eq!(v.ignored, 1);
        assert_eq!(v.dkim.len(), 1);
        assert_eq!(v.spf, Some(AuthResult::SoftFail));
        assert_eq!(v.spf_domain.as_deref(), Some("example.com"));
        let p = v.problems(Some("example.com"));
        assert_eq!(
            p,
            [ReceiverProblem::SpfNotPass {
                result: AuthResult::SoftFail
            }]
        );
        assert_eq!(p[0].severity(), Severity::Warning);
        // Signed for another domain: no result for it.
        let p = v.problems(Some("other.example"));
        assert_eq!(p[1].finding_id(), "receiver.dkim_not_pass");
        assert!(p[1].to_string().contains("no DKIM result"));
    }

    #[test]
    fn nothing_recorded() {
        let v = ReceiverVerdict::from_message(b"From: a@example.com\r\n\r\n", None);
        assert_eq!(v.problems(None), [ReceiverProblem::NoAuthenticationResults]);
        let json = serde_json::to_value(&v).unwrap();
        assert!(json["spf"].is_null());
        let v =
            ReceiverVerdict::from_message(b"Authentication-Results: mx; spf=fail\r\n\r\n", None);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["spf"], "fail");
        assert_eq!(v.problems(None)[0].severity(), Severity::Error);
    }
}
