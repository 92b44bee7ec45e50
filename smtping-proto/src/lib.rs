//! # smtping-proto
//!
//! The sans-IO SMTP client core of [SMTPing](https://github.com/smtping/smtping): it
//! parses what a mail server says and builds what a client sends, without sockets,
//! async runtimes, clocks or TLS libraries. The caller moves bytes; this crate decides.
//!
//! - [`parse_reply`] / [`ReplyParser`]: streaming, zero-copy reply parser with limits
//!   (RFC 5321 §4.2), enhanced status codes ([`EnhancedCode`], RFC 3463/2034).
//! - [`Extensions::from_ehlo`]: typed EHLO capabilities, unknown keywords kept.
//! - [`command`]: commands built from validated parts; CR, LF and NUL are refused before
//!   anything is sent.
//! - [`data`]: the DATA body encoder (dot-stuffing, CRLF normalisation, streaming).
//! - [`sasl`]: AUTH responses (PLAIN, LOGIN, CRAM-MD5, XOAUTH2) with zeroized secrets.
//! - [`session`]: the whole client dialogue as a deterministic state machine.
//! - [`tls_probe`]: raw ClientHellos for SSLv3 to TLS 1.3 and a reader of the server's
//!   first flight (the legacy-TLS scan; no TLS library).
//! - [`imap`]: the seed-mailbox IMAP session of the follow-through (find one message
//!   read-only, fetch its header block).
//! - [`dns`]: DNS queries and answers (feature `dns`).
//! - [`grammar`]: the shared [`nom`] pieces the grammars above and the record parsers to
//!   come are built from.
//!
//! ```
//! use smtping_proto::{parse_reply, Extensions};
//!
//! let ehlo = b"250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250 STARTTLS\r\n";
//! let (reply, used) = parse_reply(ehlo).unwrap().unwrap();
//! assert_eq!(used, ehlo.len());
//! let ext = Extensions::from_ehlo(&reply).unwrap();
//! assert_eq!(ext.size(), Some(35_882_577));
//! assert!(ext.supports("pipelining") && ext.starttls());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

pub mod address;
pub mod command;
pub mod data;
#[cfg(feature = "dns")]
pub mod dns;
pub mod ehlo;
pub mod enhanced;
pub mod grammar;
pub mod imap;
pub mod reply;
pub mod sasl;
pub mod session;
pub mod tls_probe;

pub use address::{Address, AddressError, Domain};
pub use command::{Command, CommandError};
pub use ehlo::{
    AuthMechanism, AuthMechanisms, AuthMechanismsIter, EhloError, EhloParseError, Extensions,
    Keyword, Limits, SizeLimit,
};
pub use enhanced::{EnhancedCode, EnhancedCodeError};
pub use reply::{
    BareLfPolicy, Lines, OwnedReply, Reply, ReplyError, ReplyLimits, ReplyParser, ReplyProgress,
    Snippet, parse_reply,
};
