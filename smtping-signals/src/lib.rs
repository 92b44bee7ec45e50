//! Deliverability signals as sans-IO evaluators: how a receiver judges a sender, and
//! how a sender judges a receiver's transport security (DNSSEC status, DANE).
//!
//! Each evaluator is a small state machine that *asks* for DNS answers and never
//! performs I/O itself: it hands out [`Question`]s through
//! [`Evaluator::poll_query`], takes the answers through
//! [`Evaluator::handle_response`] (in any order), and yields its typed result from
//! [`Evaluator::poll_result`]. Every independent question is handed out before the
//! evaluator needs any answer, so a driver can ask them in parallel.
//!
//! Drivers: [`evaluate_with`] answers questions from a closure (tests, caches, the
//! testkit's in-memory `MemoryDns`); `smtping-client` drives the same evaluators over
//! tokio or async-std with its DNS transport.
//!
//! # Example: a toy evaluator answered from memory
//!
//! ```
//! use smtping_proto::dns::{Question, RecordType};
//! use smtping_signals::{evaluate_with, Evaluator, Response};
//!
//! /// Counts the MX records of a domain.
//! struct CountMx { asked: bool, count: Option<usize> }
//!
//! impl Evaluator for CountMx {
//!     type Output = usize;
//!     fn poll_query(&mut self) -> Option<Question> {
//!         (!std::mem::replace(&mut self.asked, true))
//!             .then(|| Question { name: "example.test".into(), record_type: RecordType::Mx })
//!     }
//!     fn handle_response(&mut self, _: &Question, response: &Response) {
//!         self.count = Some(response.as_ref().map_or(0, |a| a.mx().count()));
//!     }
//!     fn poll_result(&mut self) -> Option<usize> { self.count.take() }
//! }
//!
//! let dns = smtping_testkit::dns::MemoryDns::new(
//!     smtping_testkit::dns::Zone::new().mx("example.test", 10, "mx.example.test"),
//! )?;
//! let n = evaluate_with(CountMx { asked: false, count: None }, |q| dns.resolve(q))?;
//! assert_eq!(n, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod dane;
pub mod dkim;
pub mod dmarc;
pub mod dnsbl;
pub mod dnssec;
pub mod helo;
pub mod mta_sts;
mod query;
pub mod reverse;
pub mod spf;
pub mod tls_rpt;

pub use dane::{DaneOutcome, DaneProblem, DaneResult, DaneVerdict, verdict as dane_verdict};
pub use dnsbl::{DnsblEvaluator, DnsblProblem, DnsblResult, DnsblTarget, DnsblZone};
pub use dnssec::{
    AdTrust, DnssecEvaluator, DnssecOutcome, DnssecProblem, DnssecResult, DnssecStatus,
};
pub use helo::{HeloEvaluator, HeloProblem, HeloResult};
pub use mta_sts::{MtaStsEvaluator, MtaStsProblem, MtaStsReport, StsDiscovery};
pub use query::{DriveError, Evaluator, MAX_QUERIES, QueryCache, Response, evaluate_with};
pub use reverse::{AddressScope, PtrEvaluator, PtrProblem, PtrResult, address_scope};
pub use smtping_proto::dns::{Answer, DnsError, DnsErrorKind, Question, RecordType};
pub use tls_rpt::{TlsRptEvaluator, TlsRptProblem, TlsRptReport};

/// A name as the DNSSEC and DANE evaluators compare it: trimmed, lower case, no trailing
/// dot.
pub(crate) fn dane_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}
