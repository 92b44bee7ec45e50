//! # smtping-client
//!
//! SMTPing's Check engine: runtime adapters (tokio, async-std) that drive the sans-IO
//! core over sockets and rustls, DNS transport, and the serde-serialisable report.
//! (Filled by issue #5.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]
