//! TLS probes without a TLS library: a ClientHello built byte by byte for SSL 3.0, TLS 1.0,
//! 1.1, 1.2 or 1.3, and a reader of the server's first flight.
//!
//! rustls speaks only TLS 1.2 and 1.3 and would refuse to offer weak suites, so whether a
//! server still accepts SSLv3, TLS 1.0, RC4 or EXPORT suites is asked directly: send one
//! hello, read the ServerHello (version, suite, extensions), the Certificate (in clear up to
//! TLS 1.2: the leaf's DER), the ServerKeyExchange (ECDHE group, DHE prime size) up to
//! ServerHelloDone — or the alert that refuses — then hang up. No keys are ever computed.
//!
//! Sans-IO like the rest of the crate: no sockets, no clock, no RNG (the caller passes the
//! seed for the random). Every length read from the server is bounds-checked and the reader
//! keeps at most [`ReaderLimits::max_total`] bytes.
//!
//! ```
//! use smtping_proto::tls_probe::{
//!     ClientHelloSpec, ProbeVersion, ReadStatus, ServerReader, SuiteClass, Verdict, suite_codes,
//! };
//!
//! // Does the server accept RC4 with TLS 1.0?
//! let spec = ClientHelloSpec::new(ProbeVersion::Tls10, suite_codes(|s| s.class == SuiteClass::Rc4))
//!     .server_name("mx.example.org");
//! let hello = spec.build(&[42; 32])?;
//! # let _ = hello;
//! // … write `hello`, then feed what the server sends:
//! let mut reader = ServerReader::new();
//! let answer = [21, 3, 1, 0, 2, 2, 40]; // fatal handshake_failure
//! assert_eq!(reader.push(&answer)?, ReadStatus::Complete);
//! assert!(matches!(reader.flight().verdict(&spec), Some(Verdict::Refused(_))));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod hello;
mod reader;
mod suites;

pub use hello::{
    ClientHelloSpec, DEFAULT_GROUPS, HelloError, MAX_SERVER_NAME, MAX_SUITES, ProbeVersion,
    RENEGOTIATION_SCSV, SIGNATURE_ALGORITHMS, group,
};
pub use reader::{
    Alert, AlertDescription, AlertLevel, CertificateMessage, KeyExchangeParams, ReadError,
    ReadStatus, ReaderLimits, ServerFlight, ServerHello, ServerReader, Verdict,
};
pub use suites::{
    Authentication, BulkCipher, KeyExchange, Mac, SUITES, SuiteClass, SuiteInfo, suite,
    suite_codes, suite_name,
};
