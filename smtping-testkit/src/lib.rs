//! # smtping-testkit
//!
//! SMTPing's test bench (crate docs are completed below).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod certs;
pub mod dns;
pub mod pair;
pub mod server;
pub mod session;

pub use certs::{Scenario, TestPki};
pub use pair::{Pair, PairError, PairRun, SimulatedTls};
pub use server::{
    AuthConfig, Behaviour, Hostile, ReceivedSession, SaslMechanism, Script, ServerPlan,
    ServerReply, ServerStage, ServerTls, SessionEnd, TestServer, TestServerBuilder,
};
pub use session::{ServerOutput, ServerSession};
