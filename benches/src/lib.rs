//! Shared corpus for SMTPing's benchmarks.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
