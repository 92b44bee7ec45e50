//! Network transport: DNS over UDP/TCP.

#[cfg(feature = "tokio")]
pub mod dns;
