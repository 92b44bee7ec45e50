//! # smtping-client
//!
//! SMTPing's Check engine: runtime adapters (tokio, async-std) that drive the sans-IO
//! core over sockets and rustls, DNS transport, and the serde-serialisable report.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod net;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod tls;
