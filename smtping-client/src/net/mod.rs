//! Network transport: DNS over UDP/TCP and TCP connection attempts.

pub mod connect;
pub mod dns;
pub mod evaluate;
pub mod hosts;
pub mod https;
