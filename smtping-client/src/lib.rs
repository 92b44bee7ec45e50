//! # smtping-client
//!
//! SMTPing's Check engine: it answers "can we talk?" and "will you take this?" for one
//! mail server and returns a serde-serialisable [`Report`]. Runtime adapters (tokio by
//! default, async-std/smol behind a feature) drive the sans-IO core of `smtping-proto`
//! over sockets and rustls; every reply is classified with `smtping-classify`.
//!
//! ```no_run
//! use smtping_client::Check;
//!
//! # async fn demo() -> Result<(), smtping_client::TargetError> {
//! let report = Check::parse("mx.example.org:25")?.run().await;
//! println!("{}: {}", report.verdict.as_str(), report.summary);
//! for f in &report.findings {
//!     println!("{} {}: {}", f.severity.as_str(), f.id, f.message);
//! }
//! # Ok(()) }
//! ```
//!
//! The engine runs one way: [`Check`] (options) → session [`Plan`](smtping_proto::session::Plan)
//! → the [`runtime`] runs DNS, connections and the session → [`facts::Facts`] → the pure
//! [`assemble::assemble`] → [`Report`] → render.
//!
//! - [`Check`]: the builder (TLS mode, AUTH test, envelope, quit-after, timeouts).
//! - [`Report`]: the result, with the JSON field names of the design (a contract); every
//!   enumeration in it is a typed enum ([`report::DeliveryOutcome`], [`FindingId`], …).
//! - [`facts`] and [`assemble`]: what a run saw, and the pure step that judges it.
//! - [`runtime`]: the primitives each runtime lends and the two loops written once over
//!   them; `runtime::tokio::drive_session` drives a session over a stream you already have.
//! - [`tls`]: certificate verdicts and inspection; [`net`]: DNS and connection attempts.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod assemble;
mod check;
pub mod dkim_sign;
pub mod domain;
pub mod facts;
pub mod follow;
pub mod net;
pub mod progress;
pub mod report;
pub mod runtime;
mod target;
mod time;
pub mod tls;

pub use assemble::EXPIRY_WARNING_DAYS;
pub use check::{
    ALL_PORTS, Check, DEFAULT_RETRY_DEADLINE, DEFAULT_RETRY_SCHEDULE, ENFORCEMENT_PROBE_FROM,
    ENFORCEMENT_PROBE_TO, MAX_ALL_MX_ADDRESSES, MAX_RETRIES, MAX_SWEEP_PORTS, MIN_RETRY_DELAY,
    POLITE_PAUSE, PortListError, RELAY_PROBE_FROM, RELAY_PROBE_TO, RetryPolicy, RetryPolicyError,
    SUBMISSION_PORTS, SUBMISSIONS_PORT, TlsMode, parse_port_list,
};
pub use report::{Finding, FindingId, Report, Severity, Status};
pub use target::{ConnectTo, ConnectToError, SMTP_PORT, Target, TargetError, TargetKind};
pub use time::rfc5322_date;

// What a check is built from, so that this crate is the only dependency an embedder needs.
pub use smtping_proto::sasl::Credentials;
pub use smtping_proto::session::QuitAfter;
pub use smtping_proto::{Address, AuthMechanism, Domain};

/// The README's examples, compiled as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
