//! Test helpers: certificates made with rcgen, a loopback DNS responder.
pub mod certs;
pub mod dns;
pub mod server;
