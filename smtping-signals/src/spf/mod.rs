//! SPF (RFC 7208): the record grammar, macro expansion, the sans-IO `check_host()`
//! evaluator with its include/redirect tree, and a static analysis of a record.
//!
//! ```
//! use smtping_signals::evaluate_with;
//! use smtping_signals::spf::{SpfEvaluator, SpfRequest, SpfResult};
//! use smtping_testkit::dns::{MemoryDns, Zone};
//!
//! let dns = MemoryDns::new(Zone::new().txt("example.com", "v=spf1 mx -all")
//!     .mx("example.com", 10, "mx.example.com")
//!     .a("mx.example.com", "192.0.2.25".parse()?))?;
//! let out = evaluate_with(
//!     SpfEvaluator::new(SpfRequest::mail_from("198.51.100.9".parse()?, "a@example.com", "h.example.org")),
//!     |q| dns.resolve(q),
//! )?;
//! assert_eq!(out.result, SpfResult::Fail);
//! assert_eq!(out.mechanism.as_deref(), Some("-all"));
//! assert!(out.explanation.is_some());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod analysis;
mod eval;
mod macros;
pub mod record;
mod result;

pub use analysis::{Severity, SpfProblem, all_qualifier, analyze, analyze_record};
pub use eval::{
    MAX_DNS_TERMS, MAX_NAMES, MAX_SPF_QUESTIONS, MAX_TREE_DEPTH, MAX_TREE_NODES, MAX_VOID_LOOKUPS,
    SpfEvaluator, SpfPolicy, SpfPolicyEvaluator, SpfRequest, default_explanation,
};
pub use result::{Scope, SpfError, SpfOutput, SpfResult, TreeNode};
