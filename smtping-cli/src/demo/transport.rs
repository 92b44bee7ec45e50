//! The demo's transport scenes (issue 15): a port sweep from a network that filters port 25,
//! a submission server that takes a plaintext transaction, a TLS scan, and every MX host of
//! a domain. Each scene starts the loopback servers it needs and points the check's host
//! names at them with `--connect-to` rules, as a user testing a server before a DNS
//! cut-over would.

use std::time::Duration;

use smtping_client::ConnectTo;
use smtping_client::{Report, Status};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::DnsResponder;
use smtping_testkit::server::{Hostile, ServerTls, TestServer};

use super::{MX, demo_check};

/// The second MX host of [`BACKUP_DOMAIN`] (the demo zone gives it an address).
pub(super) const MX2: &str = "mx2.demo.test";
/// A domain with two MX hosts: [`MX`] and [`MX2`].
pub(super) const BACKUP_DOMAIN: &str = "backup.demo.test";

/// One transport scene.
pub(super) struct TransportScene {
    pub(super) title: &'static str,
    pub(super) story: &'static str,
    /// What the check must find, for the self-test at the end.
    pub(super) expect: fn(&Report) -> bool,
}

/// The transport scenes, in the order they are played.
pub(super) const TRANSPORT_SCENES: [TransportScene; 4] = [
    TransportScene {
        title: "Port 25 filtered on this network",
        story: "smtping check mx.demo.test:587 --ports 25,465,587: port 25 stays silent (as behind a provider that drops outbound 25) while the submission ports answer, so the sweep concludes a local block, not a dead server.",
        expect: |r| {
            r.sweep.as_ref().is_some_and(|s| {
                s.conclusion.contains("probably blocked on this network") && s.ports.len() == 3
            }) && r.finding("sweep.port25_blocked").is_some()
        },
    },
    TransportScene {
        title: "A submission port that takes mail before STARTTLS",
        story: "--probe-enforcement: one more session tries MAIL FROM and RCPT TO in plaintext, stops there and sends no data. This server accepts them, so a client that skips STARTTLS would send its mail in the clear.",
        expect: |r| {
            r.tls.enforced == Some(false)
                && r.finding("tls.not_enforced")
                    .is_some_and(|f| f.severity == smtping_client::Severity::Warning)
        },
    },
    TransportScene {
        title: "A TLS scan: versions and ciphers",
        story: "--tls-scan: hand-built ClientHellos ask whether the server still accepts SSL 3.0, TLS 1.0 or 1.1 and which TLS 1.2 cipher classes; each answer is graded like Internet.nl's mail test. This modern server refuses every legacy version and weak suite.",
        expect: |r| {
            r.tls.scan.as_ref().is_some_and(|s| {
                s["grade"].is_string()
                    && s["versions"].as_array().is_some_and(|v| {
                        v.iter()
                            .any(|e| e["version"] == "TLSv1.0" && e["accepted"] == false)
                    })
            }) && r.finding("tls.legacy_version").is_none()
        },
    },
    TransportScene {
        title: "Every MX host, not just the first",
        story: "smtping check backup.demo.test --all-mx: the primary MX is healthy, the backup MX (preference 20) presents an expired certificate. Mail fails over to it whenever the primary is busy, so the worst host decides the verdict.",
        expect: |r| {
            r.verdict == Status::Red
                && r.hosts.as_ref().is_some_and(|h| h.len() == 2)
                && r.finding("mx.host_failed").is_some()
        },
    },
];

fn rule(host: &str, port: u16, server: &TestServer) -> Result<ConnectTo, String> {
    format!("{host}:{port}:127.0.0.1:{}", server.addr().port())
        .parse()
        .map_err(|e: smtping_client::ConnectToError| e.to_string())
}

async fn start(builder: smtping_testkit::server::TestServerBuilder) -> Result<TestServer, String> {
    builder
        .start()
        .await
        .map_err(|e| format!("starting the demo server: {e}"))
}

/// Plays transport scene `i` (0-based): starts its servers, runs the check, stops them.
pub(super) async fn play(i: usize, pki: &TestPki, dns: &DnsResponder) -> Result<Report, String> {
    let cert = |scenario, names: &[&str]| {
        pki.server_cert(scenario, names)
            .map_err(|e| format!("making the demo certificate: {e}"))
    };
    let base = || {
        TestServer::builder().hostname(MX).extensions([
            "PIPELINING",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
        ])
    };
    match i {
        0 => {
            let silent = TestServer::hostile(Hostile::Silent)
                .await
                .map_err(|e| format!("starting the demo server: {e}"))?;
            let smtps =
                start(base().tls(ServerTls::implicit(cert(Scenario::Valid, &[MX])?))).await?;
            let submission =
                start(base().tls(ServerTls::starttls(cert(Scenario::Valid, &[MX])?))).await?;
            let check = demo_check(&format!("{MX}:587"), dns, pki)?
                .command_timeout(Duration::from_secs(1))
                .quit_after(smtping_proto::session::QuitAfter::Tls)
                .connect_to(rule(MX, 25, &silent)?)
                .connect_to(rule(MX, 465, &smtps)?)
                .connect_to(rule(MX, 587, &submission)?)
                .ports([25, 465, 587]);
            let report = check.run().await;
            for s in [silent, smtps, submission] {
                s.shutdown().await;
            }
            Ok(report)
        }
        1 => {
            let server =
                start(base().tls(ServerTls::starttls(cert(Scenario::Valid, &[MX])?))).await?;
            let check = demo_check(&format!("{MX}:587"), dns, pki)?
                .connect_to(rule(MX, 587, &server)?)
                .quit_after(smtping_proto::session::QuitAfter::Rcpt)
                .probe_enforcement(true);
            let report = check.run().await;
            server.shutdown().await;
            Ok(report)
        }
        2 => {
            let server =
                start(base().tls(ServerTls::starttls(cert(Scenario::Valid, &[MX])?))).await?;
            let check = demo_check(&format!("{MX}:25"), dns, pki)?
                .connect_to(rule(MX, 25, &server)?)
                .quit_after(smtping_proto::session::QuitAfter::Tls)
                .tls_scan(true);
            let report = check.run().await;
            server.shutdown().await;
            Ok(report)
        }
        _ => {
            let primary =
                start(base().tls(ServerTls::starttls(cert(Scenario::Valid, &[MX])?))).await?;
            let backup = start(
                base()
                    .hostname(MX2)
                    .tls(ServerTls::starttls(cert(Scenario::Expired, &[MX2])?)),
            )
            .await?;
            let check = demo_check(BACKUP_DOMAIN, dns, pki)?
                .connect_to(rule(MX, 25, &primary)?)
                .connect_to(rule(MX2, 25, &backup)?)
                .quit_after(smtping_proto::session::QuitAfter::Tls)
                .all_mx(true);
            let report = check.run().await;
            primary.shutdown().await;
            backup.shutdown().await;
            Ok(report)
        }
    }
}

/// The same checks as the scenes' expectations, against servers that behave otherwise, so
/// that a scene cannot pass by accident.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scene_has_a_story_that_names_its_option() {
        let options = ["--ports", "--probe-enforcement", "--tls-scan", "--all-mx"];
        for (scene, option) in TRANSPORT_SCENES.iter().zip(options) {
            assert!(scene.story.contains(option), "{}", scene.title);
        }
    }

    #[test]
    fn an_empty_report_meets_no_expectation() {
        let report = Report::default();
        for scene in &TRANSPORT_SCENES {
            assert!(!(scene.expect)(&report), "{}", scene.title);
        }
    }
}
