//! `smtping demo`: a tour of real-life situations, each played by SMTPing's scripted test
//! server on loopback and checked for real, printing the report card. No network needed.

use std::io::{self, IsTerminal, Write};
use std::net::Ipv4Addr;
use std::time::Duration;

use smtping_classify::Reason;
use smtping_client::tls::TlsOptions;
use smtping_client::{Check, Report, Status};
use smtping_proto::Address;
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::{DnsResponder, Zone};
use smtping_testkit::server::{
    AuthConfig, Behaviour, SaslMechanism, ServerStage, ServerTls, TestServer, TestServerBuilder,
};

use crate::render;
use crate::render::card::{CardStyle, card};

mod follow;
mod monitoring;
mod transport;

use transport::{BACKUP_DOMAIN, MX2, TRANSPORT_SCENES};

/// Every scene: the server scenes, the transport scenes, the follow-through, monitoring, and
/// the domain's posture.
const SCENE_COUNT: usize = SCENES.len() + TRANSPORT_SCENES.len() + 3;

/// Arguments of `smtping demo`.
#[derive(Clone, Debug, Default, clap::Args)]
pub(crate) struct DemoArgs {
    /// Show the SMTP dialogue of every check.
    #[arg(long)]
    pub(crate) transcript: bool,
    /// Print one JSON report per line instead of the cards.
    #[arg(long)]
    pub(crate) jsonl: bool,
    /// Run only this scenario (1-17).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=17))]
    pub(crate) only: Option<u8>,
}

/// A scene's heading, `3/17 An unknown mailbox`, bold and underlined on a colour terminal.
fn scene_heading(n: usize, of: usize, title: &str, color: bool) -> String {
    let heading = format!("{n}/{of} {title}");
    if color {
        format!("\x1b[1;4m{heading}\x1b[0m")
    } else {
        heading
    }
}

/// The demo's mail domain and MX host (served by the built-in DNS responder).
const DOMAIN: &str = "demo.test";
const MX: &str = "mx.demo.test";

struct Scene {
    title: &'static str,
    story: &'static str,
    /// What the check must find, for the self-test at the end.
    expect: fn(&Report) -> bool,
}

const SCENES: [Scene; 10] = [
    Scene {
        title: "A healthy mail server",
        story: "STARTTLS with a valid certificate, PIPELINING, the test message accepted.",
        expect: |r| r.verdict == Status::Green && r.delivery.outcome == "accepted",
    },
    Scene {
        title: "A certificate for the wrong name",
        story: "The server presents a certificate for another host: SMTPing completes the handshake to describe it, and marks it untrusted.",
        expect: |r| {
            r.tls
                .certificate
                .as_ref()
                .is_some_and(|c| c.verification.as_str() == "hostname_mismatch")
                && r.verdict == Status::Red
        },
    },
    Scene {
        title: "An unknown mailbox",
        story: "RCPT TO is refused with 550 5.1.1: a permanent bounce; retrying can never work.",
        expect: |r| {
            r.delivery.outcome == "bounced"
                && r.delivery.reason == Some(Reason::MailboxUnknown)
                && r.delivery.hard
        },
    },
    Scene {
        title: "Greylisting",
        story: "The first attempt gets 451 4.7.1: a temporary refusal that a real MTA retries later.",
        expect: |r| {
            r.delivery.outcome == "deferred" && r.delivery.reason == Some(Reason::Greylisted)
        },
    },
    Scene {
        title: "A size limit",
        story: "The server advertises SIZE 10000; SMTPing announces a 20 kB message and MAIL FROM is refused with 552.",
        expect: |r| {
            r.delivery.outcome == "bounced" && r.delivery.reason == Some(Reason::MessageTooLarge)
        },
    },
    Scene {
        title: "Authentication required",
        story: "A submission server refuses MAIL FROM with 530 until the client logs in.",
        expect: |r| {
            r.delivery.outcome == "bounced" && r.delivery.reason == Some(Reason::AuthRequired)
        },
    },
    Scene {
        title: "Rate limited",
        story: "The server says 421 4.7.28 after RCPT and closes: too much mail from this address, try later.",
        expect: |r| {
            r.delivery.outcome == "deferred" && r.delivery.reason == Some(Reason::RateLimited)
        },
    },
    Scene {
        title: "A STARTTLS response-injection attack",
        story: "Extra bytes arrive with the 220 to STARTTLS, before the handshake (CVE-2011-0411 class): SMTPing drops the connection.",
        expect: |r| r.finding("tls.injection").is_some() && r.verdict == Status::Red,
    },
    Scene {
        title: "A server that answers before it is asked",
        story: "A 250 reply offering AUTH PLAIN arrives glued to the greeting, before SMTPing sent EHLO: a reply no command can explain is never believed.",
        expect: |r| {
            r.finding("smtp.unsolicited_reply").is_some()
                && r.ehlo.is_none()
                && r.error.as_ref().is_some_and(|e| e.kind == "protocol")
                && r.verdict == Status::Red
        },
    },
    Scene {
        title: "Refused for SPF, and why",
        story: "The server refuses RCPT with 550 5.7.23 (SPF violation). SMTPing's signals evaluate SPF of the MAIL FROM domain for the sending IP (--sending-ip 198.51.100.7, as behind NAT) and point at the term that failed.",
        expect: |r| {
            r.delivery.reason == Some(Reason::SpfFailed)
                && r.signals.as_ref().is_some_and(|s| {
                    s.explains
                        .as_deref()
                        .is_some_and(|e| e.contains("fail via -all"))
                })
        },
    },
];

/// The last scene: not a server but a mail domain's posture (`smtping domain`).
const DOMAIN_SCENE: (&str, &str) = (
    "A mail domain's posture",
    "smtping domain demo.test: MX, SPF with its include tree, a DKIM key, DMARC with an external report address that never agreed to receive reports, the reverse DNS of the MX address; then transport security: DNSSEC-signed answers, the MX host's TLS with a DANE TLSA record its certificate matches, an MTA-STS policy in enforce mode fetched over HTTPS, and TLS-RPT.",
);

/// The posture scene's MX host: its answers are DNSSEC-signed (the AD bit), and it has a
/// TLSA record for port 25 (the other scenes' hosts are unsigned, so their checks do not
/// look for DANE).
const POSTURE_MX: &str = "mail.demo.test";
/// The MTA-STS policy host of demo.test.
const POLICY_HOST: &str = "mta-sts.demo.test";
/// The policy the demo's HTTPS server serves.
const POLICY: &str = "version: STSv1\nmode: enforce\nmx: mail.demo.test\nmax_age: 604800\n";

/// A 2048-bit RSA public key for the demo's DKIM selector (made with openssl).
const DEMO_DKIM_KEY: &str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAwzMu4LzBVMqwatfwlyM5atu4FLBTlEqjdwW1ap5QN5kHd1M+BHGuCTtTcCsVun1mUPivILKEPNi0jPfp7WoMjpsLtrVFYibTrNz55/+webmUKPSWzsLpAZlxMsWDAjx40MZtHS5TUgI9p2jEUpQJe589/7KeBLw1ra+inNXiGriiFRtgQLZMJ2HVnrYMMnOqbXOUpl6imVvLFjvQfi0GOtCS4aSVnjH2ernWj726Nhw/duNjOs4VbuUBVfVYQq9jelNNoqDKu+e3+hAuqI7FmxaHbicH4FTh5tduEf7amhu8/CgzzYA8E1r1HZo2P0hOtmOFjjAr48E1lmIhRc/FCwIDAQAB";

/// The demo's DNS: the mail domain, its MX, SPF, DKIM, DMARC and reverse DNS, and the
/// probe's sender domain.
fn demo_zone(tlsa: &[u8]) -> Zone {
    Zone::new()
        .mx(DOMAIN, 10, POSTURE_MX)
        .a(POSTURE_MX, Ipv4Addr::LOCALHOST)
        .tlsa(&format!("_25._tcp.{POSTURE_MX}"), 3, 1, 1, tlsa)
        .txt(
            &format!("_mta-sts.{DOMAIN}"),
            "v=STSv1; id=20261201T000000Z;",
        )
        .a(POLICY_HOST, Ipv4Addr::LOCALHOST)
        .txt(
            &format!("_smtp._tls.{DOMAIN}"),
            "v=TLSRPTv1; rua=mailto:tlsrpt@demo.test",
        )
        // demo.test is signed (a validating resolver would set AD), except the hosts the
        // server scenes use.
        .authentic_data_at(DOMAIN, true)
        .authentic_data_at(MX, false)
        .authentic_data_at(MX2, false)
        .authentic_data_at(BACKUP_DOMAIN, false)
        .a(MX, Ipv4Addr::LOCALHOST)
        .mx(BACKUP_DOMAIN, 10, MX)
        .mx(BACKUP_DOMAIN, 20, MX2)
        .a(MX2, Ipv4Addr::LOCALHOST)
        .ptr(std::net::IpAddr::V4(Ipv4Addr::LOCALHOST), MX)
        .txt(DOMAIN, "v=spf1 mx include:_spf.demo.test -all")
        .txt("_spf.demo.test", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt(
            "s1._domainkey.demo.test",
            &format!("v=DKIM1; k=rsa; p={DEMO_DKIM_KEY}"),
        )
        .txt(
            "_dmarc.demo.test",
            "v=DMARC1; p=quarantine; rua=mailto:dmarc@reports.example",
        )
        .txt("smtping.example", "v=spf1 ip4:192.0.2.0/24 -all")
        .txt("_dmarc.smtping.example", "v=DMARC1; p=reject")
}

async fn server(i: usize, pki: &TestPki) -> Result<TestServer, String> {
    let cert = |scenario| {
        pki.server_cert(scenario, &[MX])
            .map_err(|e| format!("making the demo certificate: {e}"))
    };
    let base = || {
        TestServer::builder().hostname(MX).extensions([
            "PIPELINING",
            "8BITMIME",
            "ENHANCEDSTATUSCODES",
            "SMTPUTF8",
        ])
    };
    let starttls = |b: TestServerBuilder, scenario| -> Result<TestServerBuilder, String> {
        Ok(b.tls(ServerTls::starttls(cert(scenario)?)))
    };
    let builder = match i {
        0 => starttls(base(), Scenario::Valid)?,
        1 => starttls(base(), Scenario::HostnameMismatch)?,
        2 => starttls(base(), Scenario::Valid)?.recipient(
            "nobody@demo.test",
            Behaviour::reply(550, "5.1.1 <nobody@demo.test>: Recipient address rejected: User unknown in virtual mailbox table"),
        ),
        3 => starttls(base(), Scenario::Valid)?.on(
            ServerStage::Rcpt,
            Behaviour::reply(451, "4.7.1 <postmaster@demo.test>: Recipient address rejected: Greylisted, see https://postgrey.schweikert.ch/help/demo.test.html"),
        ),
        4 => starttls(base(), Scenario::Valid)?.max_message_size(10_000),
        5 => starttls(base(), Scenario::Valid)?
            .auth(AuthConfig::new().user("alice", "not-used").mechanisms([SaslMechanism::Plain]).required(true)),
        6 => starttls(base(), Scenario::Valid)?.on(
            ServerStage::Rcpt,
            Behaviour::reply(421, "4.7.28 [127.0.0.1] Our system has detected an unusual rate of unsolicited mail originating from your IP address. Try again later."),
        ),
        9 => starttls(base(), Scenario::Valid)?.on(
            ServerStage::Rcpt,
            Behaviour::reply(550, "5.7.23 The message was rejected because of Sender Policy Framework violation"),
        ),
        7 => {
            return TestServer::builder()
                .hostile(smtping_testkit::server::Hostile::StartTlsInjection)
                .start()
                .await
                .map_err(|e| format!("starting the demo server: {e}"));
        }
        _ => {
            let script = smtping_testkit::server::Script::new()
                .send("220 mx.demo.test ESMTP\r\n250-mx.demo.test\r\n250 AUTH PLAIN\r\n")
                .answer_all("\r\n");
            return TestServer::builder()
                .script(script)
                .start()
                .await
                .map_err(|e| format!("starting the demo server: {e}"));
        }
    };
    builder
        .start()
        .await
        .map_err(|e| format!("starting the demo server: {e}"))
}

fn check_for(
    i: usize,
    server: &TestServer,
    dns: &DnsResponder,
    pki: &TestPki,
) -> Result<Check, String> {
    let mut check = demo_check(&format!("{MX}:{}", server.addr().port()), dns, pki)?;
    if i == 2 {
        let from = Address::new("probe@smtping.example").map_err(|e| e.to_string())?;
        let to = Address::new("nobody@demo.test").map_err(|e| e.to_string())?;
        check = check.envelope(from, vec![to]);
    }
    if i == 4 {
        check = check.body_size(20_000);
    }
    if i == 9 {
        check = check
            .sending_ip(Ipv4Addr::new(198, 51, 100, 7).into())
            .quit_after(smtping_proto::session::QuitAfter::Rcpt);
    }
    Ok(check)
}

/// A check of `target` as every scene runs it: the demo's DNS, only the demo CA trusted,
/// short timeouts, and the test envelope `probe@smtping.example` → `postmaster@demo.test`.
fn demo_check(target: &str, dns: &DnsResponder, pki: &TestPki) -> Result<Check, String> {
    let from = Address::new("probe@smtping.example").map_err(|e| e.to_string())?;
    let to = Address::new("postmaster@demo.test").map_err(|e| e.to_string())?;
    Ok(Check::parse(target)
        .map_err(|e| e.to_string())?
        .resolver(dns.addr())
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der()),
        )
        .command_timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(5))
        .envelope(from, vec![to]))
}

/// Runs the demo; returns the exit code (0 when every scenario behaved as expected).
pub(crate) fn run(args: &DemoArgs) -> Result<i32, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    rt.block_on(tour(args))
}

async fn tour(args: &DemoArgs) -> Result<i32, String> {
    let pki = TestPki::new().map_err(|e| format!("making the demo PKI: {e}"))?;
    // The posture scene's MX certificate comes first: its TLSA record is in the zone.
    let posture_cert = pki
        .server_cert(Scenario::Valid, &[POSTURE_MX])
        .map_err(|e| format!("making the demo certificate: {e}"))?;
    let tlsa = posture_cert
        .chain
        .first()
        .and_then(|leaf| smtping_signals::dane::association_data(leaf, 1, 1))
        .ok_or("the demo certificate has no public key to pin")?;
    let dns = DnsResponder::start(demo_zone(&tlsa))
        .await
        .map_err(|e| format!("starting the demo DNS server: {e}"))?;
    let color =
        io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut out = io::stdout().lock();
    if !args.jsonl {
        let _ = writeln!(
            out,
            "SMTPing demo: each scene is played by the built-in test server on 127.0.0.1\n\
             (a DNS responder serves {DOMAIN}, a test CA signs the certificates) and checked for real.\n"
        );
    }
    let mut failures = Vec::new();
    for (i, scene) in SCENES.iter().enumerate() {
        if args.only.is_some_and(|n| usize::from(n) != i + 1) {
            continue;
        }
        let server = server(i, &pki).await?;
        let report = check_for(i, &server, &dns, &pki)?.run().await;
        server.shutdown().await;
        if args.jsonl {
            let _ = writeln!(out, "{}", render::json_line(&report));
        } else {
            let _ = writeln!(
                out,
                "{}\n{}\n",
                scene_heading(i + 1, SCENE_COUNT, scene.title, color),
                scene.story
            );
            let _ = write!(
                out,
                "{}",
                card(
                    &report,
                    CardStyle {
                        color,
                        transcript: args.transcript,
                        envelope: false,
                    }
                )
            );
            let _ = writeln!(out);
        }
        if !(scene.expect)(&report) {
            failures.push(format!(
                "scene {} ({}): {}",
                i + 1,
                scene.title,
                report.summary
            ));
        }
    }
    for (j, scene) in TRANSPORT_SCENES.iter().enumerate() {
        let n = SCENES.len() + j + 1;
        if args.only.is_some_and(|only| usize::from(only) != n) {
            continue;
        }
        let report = transport::play(j, &pki, &dns).await?;
        if args.jsonl {
            let _ = writeln!(out, "{}", render::json_line(&report));
        } else {
            let _ = writeln!(
                out,
                "{}\n{}\n",
                scene_heading(n, SCENE_COUNT, scene.title, color),
                scene.story
            );
            let _ = write!(
                out,
                "{}",
                card(
                    &report,
                    CardStyle {
                        color,
                        transcript: args.transcript,
                        envelope: false,
                    }
                )
            );
            let _ = writeln!(out);
        }
        if !(scene.expect)(&report) {
            failures.push(format!("scene {n} ({}): {}", scene.title, report.summary));
        }
    }
    let n = SCENE_COUNT - 2;
    if args.only.is_none_or(|only| usize::from(only) == n) {
        let report = follow::play(&pki, &dns).await?;
        if args.jsonl {
            let _ = writeln!(out, "{}", render::json_line(&report));
        } else {
            let (title, story) = follow::FOLLOW_SCENE;
            let _ = writeln!(
                out,
                "{}\n{}\n",
                scene_heading(n, SCENE_COUNT, title, color),
                story
            );
            let style = CardStyle {
                color,
                transcript: args.transcript,
                envelope: false,
            };
            let _ = write!(out, "{}", card(&report, style));
            let _ = writeln!(out);
        }
        if !follow::expect(&report) {
            failures.push(format!(
                "scene {n} ({}): {}",
                follow::FOLLOW_SCENE.0,
                report.summary
            ));
        }
    }
    let n = SCENE_COUNT - 1;
    if args.only.is_none_or(|only| usize::from(only) == n) {
        let played = monitoring::play(&pki, &dns).await?;
        if args.jsonl {
            let _ = writeln!(out, "{}", render::json_line(&played.report));
        } else {
            let (title, story) = monitoring::MONITOR_SCENE;
            let _ = writeln!(
                out,
                "{}\n{}\n",
                scene_heading(n, SCENE_COUNT, title, color),
                story
            );
            let _ = writeln!(out, "{}", played.text);
        }
        if !played.ok {
            failures.push(format!(
                "scene {n} ({}): {}",
                monitoring::MONITOR_SCENE.0,
                played.report.summary
            ));
        }
    }
    if args.only.is_none_or(|n| usize::from(n) == SCENE_COUNT) {
        domain_scene(
            args,
            &dns,
            &pki,
            posture_cert,
            color,
            &mut out,
            &mut failures,
        )
        .await;
    }
    let _ = out.flush();
    if failures.is_empty() {
        if !args.jsonl {
            let _ = writeln!(
                out,
                "Every scene behaved as expected. Try it on a real server: smtping check example.org"
            );
        }
        Ok(0)
    } else {
        for f in &failures {
            eprintln!("smtping demo: unexpected result in {f}");
        }
        Ok(1)
    }
}

/// `smtping domain demo.test --dkim-selector s1`, with the MX host and the MTA-STS policy
/// host reached on loopback servers through `--connect-to`.
async fn posture(
    dns: &DnsResponder,
    pki: &TestPki,
    mx_cert: smtping_testkit::certs::ServerCert,
) -> Result<smtping_client::domain::DomainReport, String> {
    let start = |e: smtping_testkit::server::ServerError| format!("starting the demo server: {e}");
    let mx = TestServer::builder()
        .hostname(POSTURE_MX)
        .extensions(["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"])
        .tls(ServerTls::starttls(mx_cert))
        .start()
        .await
        .map_err(start)?;
    let policy_cert = pki
        .server_cert(Scenario::Valid, &[POLICY_HOST])
        .map_err(|e| format!("making the demo certificate: {e}"))?;
    let https = smtping_testkit::https::HttpsServer::builder(policy_cert)
        .route(
            "/.well-known/mta-sts.txt",
            smtping_testkit::https::HttpsResponse::mta_sts_policy(POLICY),
        )
        .start()
        .await
        .map_err(start)?;
    let rule = |host: &str, port: u16, to: std::net::SocketAddr| {
        format!("{host}:{port}:127.0.0.1:{}", to.port())
            .parse::<smtping_client::ConnectTo>()
            .map_err(|e| e.to_string())
    };
    let check = smtping_client::domain::DomainCheck::new(DOMAIN)
        .map_err(|e| e.to_string())?
        .dkim_selector("s1")
        .tls_options(
            TlsOptions::default()
                .use_native_roots(false)
                .use_webpki_roots(false)
                .root(pki.ca_cert_der()),
        )
        .connect_to(rule(POSTURE_MX, 25, mx.addr())?)
        .connect_to(rule(POLICY_HOST, 443, https.addr())?);
    let resolver = smtping_client::net::dns::Resolver::new(dns.resolver_config());
    let report = check.run(&resolver).await;
    mx.shutdown().await;
    https.shutdown().await;
    Ok(report)
}

/// The posture scene: `smtping domain demo.test --dkim-selector s1` on the demo zone.
async fn domain_scene(
    args: &DemoArgs,
    dns: &DnsResponder,
    pki: &TestPki,
    mx_cert: smtping_testkit::certs::ServerCert,
    color: bool,
    out: &mut impl Write,
    failures: &mut Vec<String>,
) {
    let n = SCENE_COUNT;
    let report = match posture(dns, pki, mx_cert).await {
        Ok(report) => report,
        Err(e) => {
            failures.push(format!("scene {n}: {e}"));
            return;
        }
    };
    if args.jsonl {
        let _ = writeln!(
            out,
            "{}",
            render::term::json_string(&report, false).unwrap_or_default()
        );
    } else {
        let (title, story) = DOMAIN_SCENE;
        let _ = writeln!(out, "{}\n{}\n", scene_heading(n, n, title, color), story);
        let _ = write!(out, "{}", render::domain::domain_card(&report, color));
        let _ = writeln!(out);
    }
    let expected = report.spf.all.as_deref() == Some("-all")
        && report
            .dkim
            .selectors
            .iter()
            .any(|s| s.key_bits == Some(2048))
        && report.dmarc.policy.as_deref() == Some("quarantine")
        && report.finding("dmarc.external_rua_unauthorized").is_some()
        && report.reputation.ptr.first().is_some_and(|p| p.fcrdns)
        && report.dnssec.as_ref().is_some_and(|d| d.domain == "secure")
        && report
            .dane
            .as_ref()
            .is_some_and(|d| d.hosts.first().is_some_and(|h| h.matched == Some(true)))
        && report.mta_sts.as_ref().is_some_and(|m| {
            m.mode.as_deref() == Some("enforce")
                && m.hosts
                    .first()
                    .is_some_and(|h| h.certificate_valid == Some(true))
        })
        && report
            .tls
            .as_ref()
            .is_some_and(|t| t.hosts.len() == 1 && t.hosts[0].established);
    if !expected {
        failures.push(format!(
            "scene {n} ({}): {}",
            DOMAIN_SCENE.0, report.summary
        ));
    }
}
