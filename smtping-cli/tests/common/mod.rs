//! What the CLI tests share: a STARTTLS test server on its own runtime (the binary runs in
//! another process) and `smtping check` pointed at it, trusting the test CA only through
//! `--ca-file`.

use std::io::Write;
use std::time::Duration;

use assert_cmd::Command;
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::server::{ServerTls, TestServer, TestServerBuilder};

/// The test server's name (its certificate's, and the `--sni` sent).
pub(crate) const NAME: &str = "mx.test";

/// A test PKI, its CA as a PEM file, and a runtime for the servers.
pub(crate) struct Lab {
    pub rt: tokio::runtime::Runtime,
    pub pki: TestPki,
    pub ca: tempfile::NamedTempFile,
}

impl Lab {
    pub(crate) fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let pki = TestPki::new().unwrap();
        let mut ca = tempfile::NamedTempFile::new().unwrap();
        ca.write_all(pki.ca_cert_pem().as_bytes()).unwrap();
        Self { rt, pki, ca }
    }

    /// A STARTTLS server for [`NAME`] with the builder's default extensions, configured
    /// further by `configure`.
    pub(crate) fn server(
        &self,
        configure: impl FnOnce(TestServerBuilder) -> TestServerBuilder,
    ) -> TestServer {
        let cert = self.pki.server_cert(Scenario::Valid, &[NAME]).unwrap();
        let builder = TestServer::builder()
            .hostname(NAME)
            .tls(ServerTls::starttls(cert));
        self.rt.block_on(configure(builder).start()).unwrap()
    }

    /// `smtping check <server>` with `--sni`, `--ca-file`, a 5 s command timeout and no
    /// colour.
    pub(crate) fn check(&self, server: &TestServer) -> Command {
        let mut cmd = Command::cargo_bin("smtping").unwrap();
        cmd.arg("check")
            .arg(server.addr().to_string())
            .arg("--sni")
            .arg(NAME)
            .arg("--ca-file")
            .arg(self.ca.path())
            .arg("--command-timeout")
            .arg("5s")
            .env("NO_COLOR", "1")
            .timeout(Duration::from_secs(60));
        cmd
    }
}
