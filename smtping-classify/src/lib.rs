//! # smtping-classify
//!
//! Pure decoding of SMTP outcomes: reply codes, the IANA enhanced status code registry,
//! reasons, provider-specific rules and DSNs. No I/O. (Filled by issue #4.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]
