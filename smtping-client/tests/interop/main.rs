//! The interop suite: SMTPing's verdicts against real software nobody here wrote —
//! Postfix (STARTTLS, implicit TLS, SASL, access maps, size and recipient limits, an open
//! relay), postgrey (greylisting), Exim (a second implementation) and Knot DNS (MX, null
//! MX, implicit MX, NXDOMAIN) — all on loopback, started by `scripts/interop.sh`
//! (docs/interop.md describes every endpoint).
//!
//! Every test reads the endpoints from the env file named by `SMTPING_INTEROP_ENV`
//! (`KEY=VALUE` lines). When that variable is unset or the file is missing, each test
//! prints why it is skipped and passes, so `cargo test --workspace` runs anywhere.
//!
//! Each test asserts the [`Report`] — the same fields the JSON has — for one state,
//! and a few states are cross-checked with `swaks` (same reply code and outcome class).
//! Every check runs under a hang guard and every `swaks` run is killed after 40 s.
//!
//! ```sh
//! sudo scripts/interop.sh                      # setup, check, these tests, stop
//! SMTPING_INTEROP_ENV=/tmp/smtping-interop/env \
//!     cargo test -p smtping-client --test interop -- --test-threads=2
//! ```
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use serde_json::Value;
use smtping_classify::{Context, Reason, Stage, classify};
use smtping_client::runtime::tokio::drive_session;
use smtping_client::tls::Verification;
use smtping_client::{Check, Report, Severity, Status, TlsMode};
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    DeliveryStatus, Envelope, Message, Phase, Plan, QuitAfter, Session, Timeouts, TlsPolicy,
};
use smtping_proto::{Address, AuthMechanism, Domain};

/// Reply deadline of the checks (the real servers answer in milliseconds).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);
/// Connect deadline (loopback answers at once; the blackhole test sets its own).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Hang guard around one check (not a performance assertion).
const GUARD: Duration = Duration::from_secs(90);
/// Longest wait for a delivered message to appear in a Maildir.
const MAILDIR_WAIT: Duration = Duration::from_secs(30);
/// Longest run of one `swaks` process.
const SWAKS_LIMIT: Duration = Duration::from_secs(40);

// ---------------------------------------------------------------------------------------
// The environment

/// The endpoints written by `scripts/interop.sh setup`.
struct Env {
    vars: HashMap<String, String>,
}

/// Writes straight to the process's stderr, past the test harness's capture, so that
/// the reason for a skip is visible in a normal `cargo test` run.
fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

impl Env {
    /// The environment, or `None` (after saying why, once) when the servers are not set up.
    fn load() -> Option<Self> {
        static SKIP: Once = Once::new();
        let skip = |why: String| {
            SKIP.call_once(|| {
                say(&format!(
                    "interop: SKIP: {why}; these tests need real servers: run `sudo scripts/interop.sh` \
                     (or `setup`, then SMTPING_INTEROP_ENV=/tmp/smtping-interop/env cargo test -p \
                     smtping-client --test interop)"
                ));
            });
            None
        };
        let Some(path) = std::env::var_os("SMTPING_INTEROP_ENV") else {
            return skip("SMTPING_INTEROP_ENV is not set".into());
        };
        let path = PathBuf::from(path);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => return skip(format!("cannot read {}: {e}", path.display())),
        };
        let vars: HashMap<String, String> = text
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(
            vars.get("SMTPING_INTEROP_READY").map(String::as_str),
            Some("1"),
            "{} is incomplete: setup did not finish",
            path.display()
        );
        Some(Self { vars })
    }

    /// The value of `SMTPING_INTEROP_<key>`.
    fn get(&self, key: &str) -> &str {
        let full = format!("SMTPING_INTEROP_{key}");
        self.vars
            .get(&full)
            .unwrap_or_else(|| panic!("the interop env file has no {full}"))
    }

    fn addr(&self, key: &str) -> SocketAddr {
        self.get(key)
            .parse()
            .unwrap_or_else(|e| panic!("SMTPING_INTEROP_{key} is not ip:port: {e}"))
    }

    fn address(&self, key: &str) -> Address {
        Address::new(self.get(key)).unwrap()
    }

    fn ca(&self) -> &str {
        self.get("CA")
    }

    fn mx_host(&self) -> &str {
        self.get("MX_HOST")
    }

    fn size_limit(&self) -> u64 {
        self.get("SIZE_LIMIT").parse().unwrap()
    }

    /// A check of the endpoint `key` with the test root trusted and the MX name for SNI
    /// and verification (no certificate carries an IP address).
    fn check(&self, key: &str) -> Check {
        Check::parse(self.get(key))
            .unwrap()
            .ca_file(self.ca())
            .sni(self.mx_host())
            .connect_timeout(CONNECT_TIMEOUT)
            .command_timeout(COMMAND_TIMEOUT)
    }

    /// `check(key)` with a transaction from the test sender to `rcpt`, stopped after RCPT.
    fn rcpt_check(&self, key: &str, rcpt: &str) -> Check {
        self.check(key)
            .envelope(self.address("FROM"), vec![self.address(rcpt)])
            .quit_after(QuitAfter::Rcpt)
    }

    fn exim(&self) -> Check {
        self.check("EXIM").sni(self.get("EXIM_HOST"))
    }

    fn credentials(&self) -> Credentials {
        Credentials::new(self.get("USER"), self.get("PASSWORD"))
    }

    fn dns(&self) -> SocketAddr {
        self.addr("DNS")
    }

    /// A check of a DNS name (a mail domain: MX lookup) through Knot.
    fn domain_check(&self, key: &str) -> Check {
        Check::parse(self.get(key))
            .unwrap()
            .resolver(self.dns())
            .connect_timeout(CONNECT_TIMEOUT)
            .command_timeout(COMMAND_TIMEOUT)
    }
}

/// `let Some(env) = env!() else { return };` at the top of each test.
macro_rules! env_or_skip {
    () => {
        match Env::load() {
            Some(env) => env,
            None => return,
        }
    };
}

// ---------------------------------------------------------------------------------------
// Helpers

/// Runs a check in its own task under the hang guard; a panic inside fails the test.
async fn run(check: Check) -> Report {
    let task = tokio::spawn(check.run());
    match tokio::time::timeout(GUARD, task).await {
        Err(_) => panic!("the check hung for {GUARD:?}"),
        Ok(Err(e)) => panic!("the check panicked: {e}"),
        Ok(Ok(report)) => report,
    }
}

/// The report as the JSON a user sees.
fn json(r: &Report) -> Value {
    serde_json::to_value(r).unwrap()
}

/// The JSON value at `pointer` (RFC 6901), which must exist.
fn at<'a>(v: &'a Value, pointer: &str) -> &'a Value {
    v.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in the report JSON"))
}

fn assert_json(r: &Report, pointer: &str, want: impl Into<Value>) {
    let v = json(r);
    assert_eq!(*at(&v, pointer), want.into(), "{pointer} in {}", r.summary);
}

fn finding_ids(r: &Report) -> Vec<&str> {
    r.findings.iter().map(|f| f.id.as_str()).collect()
}

fn assert_finding(r: &Report, id: &str, severity: Severity) {
    let f = r
        .finding(id)
        .unwrap_or_else(|| panic!("no finding {id} in {:?} ({})", finding_ids(r), r.summary));
    assert_eq!(f.severity, severity, "{id}");
    assert!(!f.message.is_empty() && !f.remediation.is_empty(), "{id}");
}

fn assert_no_error(r: &Report) {
    assert!(r.error.is_none(), "{}: {:?}", r.summary, r.error);
}

fn assert_error(r: &Report, stage: &str, kind: &str) {
    let e = r
        .error
        .as_ref()
        .unwrap_or_else(|| panic!("no error in {}", r.summary));
    assert_eq!(
        (e.stage.as_str(), e.kind.as_str()),
        (stage, kind),
        "{}",
        e.message
    );
    assert_json(r, "/error/kind", kind);
    assert_json(r, "/error/stage", stage);
}

/// The deciding reply of the delivery: code and enhanced code.
fn delivery_reply(r: &Report) -> (u16, Option<&str>) {
    let reply = r
        .delivery
        .reply
        .as_ref()
        .unwrap_or_else(|| panic!("no delivery reply in {}", r.summary));
    (reply.code, reply.enhanced.as_deref())
}

/// A healthy TLS session with a certificate for `name`.
fn assert_tls_valid(r: &Report, name: &str) {
    let t = &r.tls;
    assert!(t.offered && t.established, "{}: {:?}", r.summary, t.error);
    assert_eq!(t.status, Status::Green, "{}", r.summary);
    assert_eq!(t.sni.as_deref(), Some(name));
    let c = t.certificate.as_ref().unwrap();
    assert_eq!(
        c.verification,
        Verification::Valid,
        "{:?}",
        t.verification_detail
    );
    assert!(c.sans.iter().any(|s| s == name), "{:?}", c.sans);
    assert!(c.days_remaining > 14, "{}", c.days_remaining);
    assert!(t.problems.is_empty(), "{:?}", t.problems);
    assert!(t.cipher_suite.is_some());
    assert_json(r, "/tls/certificate/verification", "valid");
}

/// Waits (bounded) until a file under `dir/new` or `dir/cur` contains `needle`.
fn find_in_maildir(dir: &Path, needle: &str) -> Option<PathBuf> {
    let deadline = Instant::now() + MAILDIR_WAIT;
    loop {
        for sub in ["new", "cur"] {
            let Ok(entries) = std::fs::read_dir(dir.join(sub)) else {
                continue;
            };
            for entry in entries.flatten().take(10_000) {
                let path = entry.path();
                if std::fs::read_to_string(&path).is_ok_and(|t| t.contains(needle)) {
                    return Some(path);
                }
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A message of about `bytes` octets (headers and 76-character lines).
fn big_message(bytes: usize) -> Vec<u8> {
    let mut m =
        b"From: <tester@interop.test>\r\nTo: <alice@interop.test>\r\nSubject: size test\r\n\r\n"
            .to_vec();
    let line = [b'x'; 76];
    while m.len() < bytes {
        m.extend_from_slice(&line);
        m.extend_from_slice(b"\r\n");
    }
    m
}

// ---------------------------------------------------------------------------------------
// swaks

/// What swaks did: its exit code and its transcript.
struct Swaks {
    code: Option<i32>,
    out: String,
}

impl Swaks {
    /// Runs `swaks ARGS` (bounded); `None` (after saying so) when swaks is missing.
    fn run(args: &[&str]) -> Option<Self> {
        let child = Command::new("swaks")
            .args(["--timeout", "15", "--helo", "interop-test.invalid"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match child {
            Ok(c) => c,
            Err(e) => {
                say(&format!(
                    "interop: swaks cross-check skipped: cannot run swaks: {e}"
                ));
                return None;
            }
        };
        let deadline = Instant::now() + SWAKS_LIMIT;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("swaks {args:?} ran longer than {SWAKS_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(25));
        };
        let mut out = String::new();
        if let Some(mut s) = child.stdout.take() {
            let _ = s.read_to_string(&mut out);
        }
        if let Some(mut s) = child.stderr.take() {
            let _ = s.read_to_string(&mut out);
        }
        Some(Self {
            code: status.code(),
            out,
        })
    }

    /// The first server reply (code, enhanced code) after the last client line that
    /// starts with `command` (swaks marks client lines ` -> ` / ` ~> `, server lines
    /// `<-  `, `<~  `, errors `<** ` / `<~* `).
    fn reply_to(&self, command: &str) -> Option<(u16, Option<String>)> {
        let mut seen = false;
        let mut got = None;
        for line in self.out.lines() {
            if let Some(sent) = line
                .strip_prefix(" -> ")
                .or_else(|| line.strip_prefix(" ~> "))
            {
                if sent.to_ascii_uppercase().starts_with(command) {
                    seen = true;
                    got = None;
                }
                continue;
            }
            if !seen || got.is_some() || !line.starts_with('<') {
                continue;
            }
            let rest = line.trim_start_matches(['<', '-', '~', '*']).trim_start();
            let code: Option<u16> = rest.get(..3).and_then(|c| c.parse().ok());
            if let Some(code) = code {
                let enhanced = rest
                    .get(4..)
                    .and_then(|t| t.split_whitespace().next())
                    .filter(|w| {
                        w.split('.').count() == 3
                            && w.chars().all(|c| c.is_ascii_digit() || c == '.')
                    })
                    .map(str::to_owned);
                got = Some((code, enhanced));
            }
        }
        got
    }

    fn tls_started(&self) -> bool {
        self.out.contains("=== TLS started")
    }
}

/// `--server HOST --port PORT` for an `ip:port` endpoint.
fn swaks_server(env: &Env, key: &str) -> Vec<String> {
    let a = env.addr(key);
    vec![
        "--server".into(),
        a.ip().to_string(),
        "--port".into(),
        a.port().to_string(),
    ]
}

/// STARTTLS with chain verification against the test root (swaks 20201014 checks the
/// chain, not the host name).
fn swaks_tls(env: &Env) -> Vec<String> {
    vec![
        "--tls".into(),
        "--tls-verify".into(),
        "--tls-ca-path".into(),
        env.ca().into(),
        "--tls-sni".into(),
        env.mx_host().into(),
    ]
}

fn swaks(parts: &[Vec<String>]) -> Option<Swaks> {
    let args: Vec<String> = parts.concat();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    Swaks::run(&refs)
}

fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------
// Connected + TLS

/// The main MX over STARTTLS with a valid chain: every area green, and the report says
/// what Postfix really announced.
#[tokio::test]
async fn starttls_with_a_valid_certificate_is_green() {
    let env = env_or_skip!();
    let r = run(env.check("POSTFIX_STARTTLS")).await;
    assert_no_error(&r);
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    assert_eq!(r.exit_code(), 0);
    assert!(r.findings.is_empty(), "{:?}", finding_ids(&r));
    let c = &r.connectivity;
    assert_eq!(c.status, Status::Green);
    assert_eq!(c.attempts.len(), 1);
    assert_eq!(c.attempts[0].outcome, "connected");
    assert_eq!(c.connected_to.as_deref(), Some(env.get("POSTFIX_STARTTLS")));
    let g = c.greeting.as_ref().unwrap();
    assert_eq!(g.code, 220);
    assert!(
        g.text.starts_with("mx.interop.test ESMTP Postfix"),
        "{}",
        g.text
    );
    let e = r.ehlo.as_ref().unwrap();
    assert_eq!(e.server_name, "mx.interop.test");
    assert_eq!(e.size, Some(env.size_limit()));
    assert!(e.pipelining && e.starttls && e.smtputf8 && e.eightbitmime && e.chunking && e.dsn);
    assert!(
        e.keywords.iter().any(|k| k == "SIZE 20000"),
        "{:?}",
        e.keywords
    );
    assert_eq!(e.auth_mechanisms, ["PLAIN", "LOGIN"]);
    assert!(!e.helo_fallback);
    assert_eq!(
        (r.tls.mode.as_str(), r.tls.version.map(|v| v.as_str())),
        ("starttls", Some("TLSv1.3"))
    );
    assert_tls_valid(&r, env.mx_host());
    let cert = r.tls.certificate.as_ref().unwrap();
    assert_eq!(cert.chain_length, 2, "leaf + intermediate");
    assert!(cert.subject.contains("mx.interop.test"), "{}", cert.subject);
    // AUTH only after TLS (smtpd_tls_auth_only): nothing offered in clear.
    assert!(r.auth.mechanisms_before_tls.is_empty());
    assert_eq!(r.auth.mechanisms_after_tls, ["PLAIN", "LOGIN"]);
    assert_eq!(
        (r.auth.status, r.auth.login.outcome.as_str()),
        (Status::Green, "not_tested")
    );
    assert_eq!(r.delivery.outcome, "not_tested");
    assert_json(&r, "/verdict", "green");
    assert_json(&r, "/target/tls_mode", "starttls");
    assert_json(&r, "/error", Value::Null);
    assert_json(&r, "/connectivity/attempts/0/outcome", "connected");
    let starttls = r
        .transcript
        .iter()
        .position(|t| t.dir == "client" && t.line == "STARTTLS")
        .unwrap();
    assert!(
        r.transcript[starttls + 2..].iter().all(|t| t.tls),
        "everything after the handshake is in TLS"
    );
    assert!(r.timings_ms.tls_handshake.is_some() && r.timings_ms.greeting.is_some());
}

#[tokio::test]
async fn starttls_over_ipv6() {
    let env = env_or_skip!();
    let r = run(env.check("POSTFIX_STARTTLS6")).await;
    assert_no_error(&r);
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    assert_eq!(r.connectivity.connected_to.as_deref(), Some("[::1]:10025"));
    assert_tls_valid(&r, env.mx_host());
}

/// A host name resolved through Knot (A and AAAA): SNI and verification use that name.
#[tokio::test]
async fn host_name_resolved_through_knot() {
    let env = env_or_skip!();
    let port = env.addr("POSTFIX_STARTTLS").port();
    let check = Check::parse(&format!("{}:{port}", env.mx_host()))
        .unwrap()
        .resolver(env.dns())
        .ca_file(env.ca())
        .command_timeout(COMMAND_TIMEOUT);
    let r = run(check).await;
    assert_no_error(&r);
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    let dns = &r.connectivity.dns;
    let mut addresses = dns.addresses.clone();
    addresses.sort();
    assert_eq!(
        addresses,
        [format!("127.0.0.1:{port}"), format!("[::1]:{port}")]
    );
    assert!(dns.mx.is_empty() && dns.error.is_none());
    assert!(r.timings_ms.dns.is_some());
    assert_tls_valid(&r, env.mx_host());

    // A CNAME to the MX host: followed; verified under the name given with --sni.
    let check = Check::parse(&format!("{}:{port}", env.get("DNS_CNAME")))
        .unwrap()
        .resolver(env.dns())
        .ca_file(env.ca())
        .sni(env.mx_host());
    let r = run(check).await;
    assert_no_error(&r);
    assert_tls_valid(&r, env.mx_host());
    // Without --sni the name checked is the CNAME itself, which the certificate does not
    // carry: an honest hostname_mismatch.
    let check = Check::parse(&format!("{}:{port}", env.get("DNS_CNAME")))
        .unwrap()
        .resolver(env.dns())
        .ca_file(env.ca());
    let r = run(check).await;
    assert_eq!(
        r.tls.certificate.as_ref().unwrap().verification,
        Verification::HostnameMismatch
    );
    assert_eq!(r.verdict, Status::Red);
}

#[tokio::test]
async fn implicit_tls() {
    let env = env_or_skip!();
    let r = run(env.check("POSTFIX_IMPLICIT").tls(TlsMode::Implicit)).await;
    assert_no_error(&r);
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    assert_eq!(r.tls.mode, "implicit");
    assert_json(&r, "/target/tls_mode", "implicit");
    assert_tls_valid(&r, env.mx_host());
    assert_eq!(r.connectivity.greeting.as_ref().unwrap().code, 220);
    assert!(!r.ehlo.as_ref().unwrap().starttls);
    assert!(r.auth.mechanisms_before_tls.is_empty());
    assert_eq!(r.auth.mechanisms_after_tls, ["PLAIN", "LOGIN"]);
    // The greeting itself came inside TLS.
    assert!(
        r.transcript
            .iter()
            .filter(|t| t.dir != "info")
            .all(|t| t.tls)
    );
}

#[tokio::test]
async fn tls12_only_listener() {
    let env = env_or_skip!();
    let r = run(env.check("POSTFIX_TLS12")).await;
    assert_no_error(&r);
    assert_eq!(r.tls.version.map(|v| v.as_str()), Some("TLSv1.2"));
    assert_tls_valid(&r, env.mx_host());
    assert_finding(&r, "tls.no_tls13", Severity::Info);
    assert_eq!(
        r.verdict,
        Status::Green,
        "an info finding does not lower the verdict"
    );
}

// ---------------------------------------------------------------------------------------
// Certificates: each verdict against its real Postfix listener

#[tokio::test]
async fn every_certificate_verdict_from_real_postfix() {
    let env = env_or_skip!();
    let cases = [
        (
            "TLS_MISMATCH",
            Verification::HostnameMismatch,
            "hostname_mismatch",
        ),
        ("TLS_EXPIRED", Verification::Expired, "expired"),
        ("TLS_SELFSIGNED", Verification::SelfSigned, "self_signed"),
        (
            "TLS_INCOMPLETE",
            Verification::IncompleteChain,
            "incomplete_chain",
        ),
        (
            "TLS_UNTRUSTED",
            Verification::UntrustedIssuer,
            "untrusted_issuer",
        ),
        (
            "TLS_NOTYETVALID",
            Verification::NotYetValid,
            "not_yet_valid",
        ),
    ];
    for (key, verdict, name) in cases {
        let r = run(env.check(key)).await;
        let what = format!("{key}: {}", r.summary);
        // Diagnosed, not just refused: the handshake completes so the chain is described,
        // and the verdict still says it is untrusted.
        assert!(r.tls.established, "{what}");
        let cert = r.tls.certificate.as_ref().unwrap();
        assert_eq!(
            cert.verification, verdict,
            "{what}: {:?}",
            r.tls.verification_detail
        );
        assert!(
            r.tls.problems.contains(&verdict),
            "{what}: {:?}",
            r.tls.problems
        );
        assert_eq!(r.tls.status, Status::Red, "{what}");
        assert_eq!(r.verdict, Status::Red, "{what}");
        assert_eq!(r.exit_code(), 2, "{what}");
        assert_finding(&r, "tls.certificate_invalid", Severity::Error);
        assert_no_error(&r);
        assert_json(&r, "/tls/certificate/verification", name);
        match verdict {
            Verification::HostnameMismatch => {
                assert!(
                    cert.sans.iter().any(|s| s == env.get("MISMATCH_HOST")),
                    "{what}"
                );
            }
            Verification::Expired => assert!(cert.days_remaining < 0, "{what}"),
            Verification::NotYetValid => assert!(cert.not_before.starts_with("2099"), "{what}"),
            Verification::SelfSigned | Verification::IncompleteChain => {
                assert_eq!(cert.chain_length, 1, "{what}");
            }
            _ => {}
        }
    }
    // The valid listener verified under another name is a mismatch too.
    let r = run(env.check("TLS_VALID").sni("other.interop.test")).await;
    assert_eq!(
        r.tls.certificate.as_ref().unwrap().verification,
        Verification::HostnameMismatch
    );
    assert_eq!(r.tls.sni.as_deref(), Some("other.interop.test"));
}

/// `--strict-certificates`: a bad certificate stops the handshake, with a classified
/// error instead of a description.
#[tokio::test]
async fn strict_certificates_refuse_during_the_handshake() {
    let env = env_or_skip!();
    let r = run(env.check("TLS_EXPIRED").strict_certificates(true)).await;
    assert_error(&r, "tls_handshake", "tls_handshake");
    assert!(!r.tls.established);
    assert!(r.tls.error.is_some());
    assert_finding(&r, "tls.handshake_failed", Severity::Error);
    assert_eq!((r.tls.status, r.verdict), (Status::Red, Status::Red));
    // The valid chain passes strict mode.
    let r = run(env.check("TLS_VALID").strict_certificates(true)).await;
    assert_no_error(&r);
    assert_tls_valid(&r, env.mx_host());
}

/// No STARTTLS at all: a warning by default, an error (and a stop before MAIL) with
/// --require-tls. AUTH offered in clear is reported.
#[tokio::test]
async fn starttls_not_offered() {
    let env = env_or_skip!();
    let r = run(env.check("POSTFIX_PLAIN")).await;
    assert_no_error(&r);
    assert!(!r.tls.offered && !r.tls.established);
    assert!(!r.ehlo.as_ref().unwrap().starttls);
    assert_finding(&r, "tls.not_offered", Severity::Warning);
    assert_finding(&r, "auth.plaintext_offered", Severity::Warning);
    assert_eq!(r.auth.mechanisms_before_tls, ["PLAIN", "LOGIN"]);
    assert_eq!(
        (r.tls.status, r.auth.status),
        (Status::Amber, Status::Amber)
    );
    assert_eq!((r.verdict, r.exit_code()), (Status::Amber, 1));

    let r = run(env.rcpt_check("POSTFIX_PLAIN", "RCPT_OK").require_tls(true)).await;
    assert_error(&r, "starttls", "tls_unavailable");
    assert_finding(&r, "tls.not_offered", Severity::Error);
    assert_eq!(r.delivery.outcome, "not_tested");
    assert!(!r.transcript.iter().any(|t| t.line.starts_with("MAIL")));
    assert_eq!(r.verdict, Status::Red);
}

// ---------------------------------------------------------------------------------------
// Cannot talk

#[tokio::test]
async fn connection_refused() {
    let env = env_or_skip!();
    let r = run(env.check("REFUSED")).await;
    assert_eq!(r.connectivity.attempts.len(), 1);
    assert_eq!(r.connectivity.attempts[0].outcome, "refused");
    assert_json(&r, "/connectivity/attempts/0/outcome", "refused");
    assert_error(&r, "connect", "refused");
    assert_eq!(
        (r.connectivity.status, r.verdict),
        (Status::Red, Status::Red)
    );
    assert!(r.connectivity.greeting.is_none() && r.ehlo.is_none());
    assert_eq!(r.tls.status, Status::Grey);
}

/// SYNs dropped by nftables/iptables: a real connect timeout, told apart from refused.
#[tokio::test]
async fn connect_timeout_on_a_blackholed_port() {
    let env = env_or_skip!();
    if env.get("BLACKHOLE").is_empty() {
        say(
            "interop: blackhole test skipped: no firewall rule could be set (SMTPING_INTEROP_BLACKHOLE is empty)",
        );
        return;
    }
    let r = run(env
        .check("BLACKHOLE")
        .connect_timeout(Duration::from_secs(1)))
    .await;
    assert_eq!(r.connectivity.attempts[0].outcome, "timeout");
    assert_json(&r, "/connectivity/attempts/0/outcome", "timeout");
    assert_error(&r, "connect", "timeout");
    assert_eq!(r.verdict, Status::Red);
}

/// Accepts and says nothing: a greeting timeout, not a connect timeout.
#[tokio::test]
async fn silent_server_is_a_greeting_timeout() {
    let env = env_or_skip!();
    let r = run(env.check("SILENT").command_timeout(Duration::from_secs(2))).await;
    assert_eq!(r.connectivity.attempts[0].outcome, "connected");
    assert_error(&r, "greeting", "timeout");
    assert_eq!(
        (r.connectivity.status, r.verdict),
        (Status::Red, Status::Red)
    );
}

// ---------------------------------------------------------------------------------------
// AUTH

/// The submission listener refuses MAIL without AUTH: 530, reason auth_required for the
/// transaction and for each recipient.
#[tokio::test]
async fn submission_without_auth_is_530() {
    let env = env_or_skip!();
    let r = run(env.rcpt_check("POSTFIX_SUBMISSION", "RCPT_OUTSIDE")).await;
    assert_no_error(&r);
    let d = &r.delivery;
    assert_eq!(
        (d.outcome.as_str(), d.stage.map(|s| s.as_str())),
        ("bounced", Some("mail"))
    );
    assert_eq!(delivery_reply(&r), (530, Some("5.7.0")));
    assert_eq!(d.reason, Some(Reason::AuthRequired));
    assert!(!d.hard, "authenticating fixes it");
    assert_eq!(d.recipients.len(), 1);
    assert_eq!(d.recipients[0].reason, Some(Reason::AuthRequired));
    assert_json(&r, "/delivery/reason", "auth_required");
    assert_eq!(r.verdict, Status::Red);
}

#[tokio::test]
async fn auth_success_235_and_failure_535() {
    let env = env_or_skip!();
    for mechanism in [AuthMechanism::Plain, AuthMechanism::Login] {
        let r = run(env
            .check("POSTFIX_SUBMISSION")
            .auth(env.credentials())
            .auth_mechanism(mechanism.clone())
            .quit_after(QuitAfter::Auth))
        .await;
        assert_no_error(&r);
        let l = &r.auth.login;
        assert!(l.tested);
        assert_eq!(l.mechanism.as_deref(), Some(mechanism.as_str()));
        assert_eq!(l.outcome, "success");
        let reply = l.reply.as_ref().unwrap();
        assert_eq!(
            (reply.code, reply.enhanced.as_deref()),
            (235, Some("2.7.0"))
        );
        assert_eq!((r.auth.status, r.verdict), (Status::Green, Status::Green));
        assert!(
            !serde_json::to_string(&r)
                .unwrap()
                .contains(env.get("PASSWORD"))
        );

        let wrong = Credentials::new(env.get("USER"), "not-the-password");
        let r = run(env
            .check("POSTFIX_SUBMISSION")
            .auth(wrong)
            .auth_mechanism(mechanism.clone())
            .quit_after(QuitAfter::Auth))
        .await;
        assert_error(&r, "auth", "rejected");
        let l = &r.auth.login;
        assert_eq!(l.outcome, "failure");
        let reply = l.reply.as_ref().unwrap();
        assert_eq!(
            (reply.code, reply.enhanced.as_deref()),
            (535, Some("5.7.8"))
        );
        assert_eq!((r.auth.status, r.verdict), (Status::Red, Status::Red));
    }
    // Authenticated, the submission port relays to an outside domain.
    let r = run(env
        .rcpt_check("POSTFIX_SUBMISSION", "RCPT_OUTSIDE")
        .auth(env.credentials()))
    .await;
    assert_no_error(&r);
    assert_eq!(r.auth.login.outcome, "success");
    assert_eq!(r.delivery.outcome, "accepted");
    assert_eq!(delivery_reply(&r), (250, Some("2.1.5")));
}

/// The client's own refusals: no PLAIN/LOGIN in clear unless allowed, no credentials over
/// a certificate that did not verify.
#[tokio::test]
async fn credentials_are_not_sent_unprotected() {
    let env = env_or_skip!();
    let r = run(env
        .check("POSTFIX_PLAIN")
        .auth(env.credentials())
        .quit_after(QuitAfter::Auth))
    .await;
    assert_error(&r, "auth", "refused_by_client");
    assert_eq!(r.auth.login.outcome, "refused_by_client");
    assert!(!r.transcript.iter().any(|t| t.line.starts_with("AUTH")));

    let r = run(env
        .check("POSTFIX_PLAIN")
        .auth(env.credentials())
        .allow_plaintext_auth(true)
        .quit_after(QuitAfter::Auth))
    .await;
    assert_no_error(&r);
    assert_eq!(r.auth.login.outcome, "success");
    assert_eq!(
        r.auth.status,
        Status::Amber,
        "a login in clear text is never green"
    );
    assert!(
        !serde_json::to_string(&r)
            .unwrap()
            .contains(env.get("PASSWORD"))
    );

    let r = run(env
        .check("TLS_MISMATCH")
        .auth(env.credentials())
        .quit_after(QuitAfter::Auth))
    .await;
    assert_error(&r, "auth", "refused_by_client");
    assert!(r.tls.established);
    assert!(!r.transcript.iter().any(|t| t.line.starts_with("AUTH")));
}

// ---------------------------------------------------------------------------------------
// Size

/// SIZE announced in MAIL FROM: Postfix refuses at MAIL and no message is sent.
#[tokio::test]
async fn size_exceeded_announced_with_size() {
    let env = env_or_skip!();
    let over = usize::try_from(env.size_limit()).unwrap() + 10_000;
    let check = env
        .check("POSTFIX_STARTTLS")
        .envelope(env.address("FROM"), vec![env.address("RCPT_OK")])
        .body_size(over);
    let r = run(check).await;
    assert_no_error(&r);
    let d = &r.delivery;
    assert_eq!(
        (d.outcome.as_str(), d.stage.map(|s| s.as_str())),
        ("bounced", Some("mail"))
    );
    assert_eq!(delivery_reply(&r), (552, Some("5.3.4")));
    assert_eq!(d.reason, Some(Reason::MessageTooLarge));
    assert_eq!(d.recipients[0].reason, Some(Reason::MessageTooLarge));
    assert!(d.message_id.is_none(), "the message was never sent");
    assert_finding(&r, "smtp.message_exceeds_size", Severity::Info);
    assert!(
        r.transcript
            .iter()
            .any(|t| t.line.contains(&format!("SIZE={}", over / 1000)))
    );
    assert_json(&r, "/delivery/reason", "message_too_large");
    assert_eq!(r.verdict, Status::Red);
}

/// The body over the limit without SIZE= (the Check always announces SIZE when the
/// server offers it, so this drives the session directly with `announce_size` off):
/// Postfix reads the message and refuses it after the final dot; Exim likewise.
#[tokio::test]
async fn size_exceeded_in_the_body() {
    let env = env_or_skip!();
    let over = usize::try_from(env.size_limit()).unwrap() + 10_000;
    for (key, want_enhanced) in [("POSTFIX_STARTTLS", Some("5.3.4")), ("EXIM", None)] {
        let mut envelope = Envelope::new(env.address("FROM"), vec![env.address("RCPT_OK")]);
        envelope.options.announce_size = false;
        let plan = Plan::new(Domain::ehlo_name("interop-test.invalid").unwrap())
            .tls(TlsPolicy::None)
            .timeouts(Timeouts::all(COMMAND_TIMEOUT))
            .envelope(envelope)
            .message(Message::Raw(big_message(over)));
        let stream = tokio::net::TcpStream::connect(env.addr(key)).await.unwrap();
        let session = Session::new(plan, Instant::now());
        let run = tokio::time::timeout(GUARD, drive_session(session, stream, None))
            .await
            .expect("the session hung");
        let o = &run.outcome;
        assert!(o.error.is_none(), "{key}: {:?}", o.error);
        let d = &o.delivery;
        assert_eq!(
            (d.status, d.phase),
            (DeliveryStatus::Bounced, Some(Phase::DataEnd)),
            "{key}"
        );
        assert!(
            d.message_bytes > over as u64,
            "{key}: the whole body went out"
        );
        let mail = d.mail_reply.as_ref().unwrap();
        assert_eq!(mail.code(), 250, "{key}: MAIL without SIZE= is accepted");
        let reply = d.reply.as_ref().unwrap();
        assert_eq!(reply.code(), 552, "{key}");
        assert_eq!(
            reply.enhanced().map(|e| e.to_string()).as_deref(),
            want_enhanced,
            "{key}"
        );
        let c = classify(&reply.as_reply(), &Context::new().stage(Stage::DataEnd));
        assert_eq!(
            c.reason,
            Reason::MessageTooLarge,
            "{key}: {}",
            reply.text_lossy()
        );
    }
}

// ---------------------------------------------------------------------------------------
// Recipient replies (Postfix access maps)

/// Every reply the access maps give, with outcome, code, enhanced code and the reason
/// smtping-classify decides (asserted where the text leaves no doubt).
#[tokio::test]
async fn temporary_and_permanent_recipient_failures() {
    let env = env_or_skip!();
    // (recipient key, outcome, code, enhanced, reason, hard)
    let cases: [(&str, &str, u16, &str, Reason, bool); 9] = [
        (
            "RCPT_450",
            "deferred",
            450,
            "4.7.1",
            Reason::Greylisted,
            false,
        ),
        (
            "RCPT_421",
            "deferred",
            421,
            "4.3.2",
            Reason::ServiceUnavailable,
            false,
        ),
        (
            "RCPT_451",
            "deferred",
            451,
            "4.3.0",
            Reason::SystemError,
            false,
        ),
        (
            "RCPT_550",
            "bounced",
            550,
            "5.2.1",
            Reason::MailboxDisabled,
            false,
        ),
        (
            "RCPT_552",
            "bounced",
            552,
            "5.2.2",
            Reason::MailboxFull,
            false,
        ),
        (
            "RCPT_553",
            "bounced",
            553,
            "5.1.3",
            Reason::BadAddress,
            true,
        ),
        (
            "RCPT_554",
            "bounced",
            554,
            "5.7.1",
            Reason::PolicyRejected,
            false,
        ),
        (
            "RCPT_UNKNOWN",
            "bounced",
            550,
            "5.1.1",
            Reason::MailboxUnknown,
            true,
        ),
        (
            "RCPT_OUTSIDE",
            "bounced",
            554,
            "5.7.1",
            Reason::RelayDenied,
            false,
        ),
    ];
    for (key, outcome, code, enhanced, reason, hard) in cases {
        let r = run(env.rcpt_check("POSTFIX_STARTTLS", key)).await;
        let what = format!("{key}: {}", r.summary);
        let d = &r.delivery;
        assert_eq!(
            (d.outcome.as_str(), d.stage.map(|s| s.as_str())),
            (outcome, Some("rcpt")),
            "{what}"
        );
        assert_eq!(delivery_reply(&r), (code, Some(enhanced)), "{what}");
        assert_eq!(d.reason, Some(reason), "{what}");
        assert_eq!(d.hard, hard, "{what}");
        assert_eq!(d.recipients[0].outcome, outcome, "{what}");
        assert_eq!(d.recipients[0].reason, Some(reason), "{what}");
        assert!(d.explanation.is_some() && d.remediation.is_some(), "{what}");
        assert_json(&r, "/delivery/outcome", outcome);
        let want_status = if outcome == "deferred" {
            Status::Amber
        } else {
            Status::Red
        };
        assert_eq!(d.status, want_status, "{what}");
        assert!(r.tls.established, "{what}");
        if code == 421 {
            // Postfix closes after 421: the session ends there, the error names the stage,
            // and a deferral keeps the verdict amber.
            assert_error(&r, "rcpt", "rejected");
            assert_eq!(r.verdict, Status::Amber, "{what}");
        } else {
            assert_no_error(&r);
            assert_eq!(r.verdict, want_status, "{what}");
        }
    }
    // A refused sender: Postfix delays the verdict to RCPT (smtpd_delay_reject).
    let r = run(env
        .check("POSTFIX_STARTTLS")
        .envelope(env.address("FROM_BLOCKED"), vec![env.address("RCPT_OK")])
        .quit_after(QuitAfter::Rcpt))
    .await;
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(delivery_reply(&r), (553, Some("5.7.1")));
    assert_eq!(r.delivery.reason, Some(Reason::SenderRejected));
}

/// Six recipients where five are allowed: five accepted, the sixth deferred with 452,
/// reported as a partial delivery.
#[tokio::test]
async fn recipient_limit_is_a_partial_delivery() {
    let env = env_or_skip!();
    let limit: usize = env.get("RCPT_LIMIT").parse().unwrap();
    let to: Vec<Address> = (0..=limit)
        .map(|i| env.address(if i % 2 == 0 { "RCPT_OK" } else { "RCPT_OK2" }))
        .collect();
    let r = run(env
        .check("POSTFIX_STARTTLS")
        .envelope(env.address("FROM"), to)
        .quit_after(QuitAfter::Rcpt))
    .await;
    assert_no_error(&r);
    let d = &r.delivery;
    assert_eq!(d.outcome, "accepted", "{}", r.summary);
    assert_eq!(d.recipients.len(), limit + 1);
    assert!(
        d.recipients[..limit]
            .iter()
            .all(|x| x.outcome == "accepted")
    );
    let last = &d.recipients[limit];
    assert_eq!(last.outcome, "deferred");
    let reply = last.reply.as_ref().unwrap();
    assert_eq!(
        (reply.code, reply.enhanced.as_deref()),
        (452, Some("4.5.3"))
    );
    assert_eq!(last.reason, Some(Reason::TooManyRecipients));
    assert_finding(&r, "delivery.partial", Severity::Warning);
    assert_eq!((d.status, r.verdict), (Status::Amber, Status::Amber));
}

/// Real greylisting by postgrey (delay one hour: every try in a run is greylisted).
#[tokio::test]
async fn greylisting_by_postgrey() {
    let env = env_or_skip!();
    let r = run(env.rcpt_check("POSTFIX_GREYLIST", "RCPT_OK")).await;
    assert_no_error(&r);
    let d = &r.delivery;
    assert_eq!(
        (d.outcome.as_str(), d.stage.map(|s| s.as_str())),
        ("deferred", Some("rcpt"))
    );
    assert_eq!(delivery_reply(&r), (450, Some("4.2.0")));
    assert_eq!(d.reason, Some(Reason::Greylisted));
    assert!(!d.hard);
    assert_json(&r, "/delivery/reason", "greylisted");
    assert_eq!(r.verdict, Status::Amber);
}

/// The encrypt-only listener: MAIL before STARTTLS is refused with 530 (tls_required);
/// with STARTTLS the same envelope is accepted.
#[tokio::test]
async fn tls_required_listener() {
    let env = env_or_skip!();
    let r = run(env
        .rcpt_check("POSTFIX_ENCRYPT", "RCPT_OK")
        .tls(TlsMode::None))
    .await;
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(r.delivery.stage.map(|s| s.as_str()), Some("mail"));
    assert_eq!(delivery_reply(&r), (530, Some("5.7.0")));
    assert_eq!(r.delivery.reason, Some(Reason::TlsRequired));
    let r = run(env.rcpt_check("POSTFIX_ENCRYPT", "RCPT_OK")).await;
    assert_no_error(&r);
    assert_eq!(r.delivery.outcome, "accepted");
    assert_tls_valid(&r, env.mx_host());
}

// ---------------------------------------------------------------------------------------
// Relay

/// The open-relay probe: open on the open-relay listener (finding relay.open, red),
/// closed on the MX (554 5.7.1 at RCPT) and on the submission listener (530 at MAIL).
#[tokio::test]
async fn open_relay_probe() {
    let env = env_or_skip!();
    let r = run(env.check("POSTFIX_OPENRELAY").relay_probe(true)).await;
    let relay = r.relay.as_ref().unwrap();
    assert!(relay.tested && relay.open, "{relay:?}");
    assert_eq!(relay.stage.map(|s| s.as_str()), Some("rcpt"));
    assert_eq!(relay.reply.as_ref().unwrap().code, 250);
    assert_finding(&r, "relay.open", Severity::Error);
    assert_eq!(r.verdict, Status::Red);
    assert_json(&r, "/relay/open", true);
    assert!(r.summary.contains("OPEN RELAY"), "{}", r.summary);
    // The probe stops at RCPT: the relay's log has no DATA from us (nothing was queued
    // for the outside domain by this session; checked through the transcript here).
    assert!(relay.error.is_none());

    let r = run(env.check("POSTFIX_STARTTLS").relay_probe(true)).await;
    let relay = r.relay.as_ref().unwrap();
    assert!(relay.tested && !relay.open, "{relay:?}");
    assert_eq!(relay.stage.map(|s| s.as_str()), Some("rcpt"));
    let reply = relay.reply.as_ref().unwrap();
    assert_eq!(
        (reply.code, reply.enhanced.as_deref()),
        (554, Some("5.7.1"))
    );
    assert!(reply.text.contains("Relay access denied"), "{}", reply.text);
    assert!(r.finding("relay.open").is_none());
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);

    let r = run(env.check("POSTFIX_SUBMISSION").relay_probe(true)).await;
    let relay = r.relay.as_ref().unwrap();
    assert!(!relay.open);
    assert_eq!(relay.stage.map(|s| s.as_str()), Some("mail"));
    assert_eq!(relay.reply.as_ref().unwrap().code, 530);
    assert!(r.finding("relay.open").is_none());
}

// ---------------------------------------------------------------------------------------
// Delivery

/// A real delivery: accepted after the final dot, and the message is in alice's Maildir,
/// found by the Message-ID the report gives.
#[tokio::test]
async fn delivery_lands_in_the_maildir() {
    let env = env_or_skip!();
    let r = run(env
        .check("POSTFIX_STARTTLS")
        .envelope(env.address("FROM"), vec![env.address("RCPT_OK")]))
    .await;
    assert_no_error(&r);
    let d = &r.delivery;
    assert_eq!(
        (d.outcome.as_str(), d.stage.map(|s| s.as_str())),
        ("accepted", Some("data_end"))
    );
    assert_eq!(delivery_reply(&r), (250, Some("2.0.0")));
    assert!(d.reply.as_ref().unwrap().text.contains("queued as"));
    assert_eq!(d.reason, Some(Reason::Accepted));
    assert_eq!((d.status, r.verdict), (Status::Green, Status::Green));
    let id = d.message_id.clone().unwrap();
    let maildir = Path::new(env.get("MAILDIR")).join("alice");
    let file = tokio::task::spawn_blocking({
        let id = id.clone();
        move || find_in_maildir(&maildir, &id)
    })
    .await
    .unwrap();
    let file = file.unwrap_or_else(|| panic!("{id} did not arrive in alice's Maildir"));
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains("X-Mailer: SMTPing"));
}

// ---------------------------------------------------------------------------------------
// DNS through Knot

/// Whether something answers on port 25 of `ip` (the MX hosts resolve to loopback and
/// the suite serves nothing there, so attempts should be refused).
fn port_25_open(ip: &str) -> bool {
    let addr: SocketAddr = format!("{ip}:25").parse().unwrap();
    std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}

#[tokio::test]
async fn mx_resolution_through_knot() {
    let env = env_or_skip!();
    let r = run(env.domain_check("DNS_MX")).await;
    let dns = &r.connectivity.dns;
    let mx: Vec<(u16, &str)> = dns
        .mx
        .iter()
        .map(|m| (m.preference, m.host.as_str()))
        .collect();
    assert_eq!(mx, [(10, "mx.interop.test"), (20, "mx2.interop.test")]);
    assert!(!dns.null_mx && !dns.implicit_mx);
    // MX order: both addresses of mx.interop.test, then mx2's; the port is 25 for a mail
    // domain.
    let tried: Vec<&str> = r
        .connectivity
        .attempts
        .iter()
        .map(|a| a.address.as_str())
        .collect();
    assert_eq!(tried.len(), 3, "{tried:?}");
    let mut first_two = tried[..2].to_vec();
    first_two.sort_unstable();
    assert_eq!(first_two, ["127.0.0.1:25", "[::1]:25"]);
    assert_eq!(tried[2], "127.0.0.2:25");
    if port_25_open("127.0.0.1") || port_25_open("127.0.0.2") {
        say("interop: something listens on port 25 of loopback: attempt outcomes not asserted");
    } else {
        assert!(
            r.connectivity
                .attempts
                .iter()
                .all(|a| a.outcome == "refused")
        );
        assert_error(&r, "connect", "refused");
        assert!(
            r.error
                .as_ref()
                .unwrap()
                .message
                .contains("all 3 addresses failed")
        );
    }

    // Every MX refuses: mx2 only.
    let r = run(env.domain_check("DNS_DEADMX")).await;
    assert_eq!(r.connectivity.dns.mx.len(), 1);
    assert_eq!(r.connectivity.dns.mx[0].host, "mx2.interop.test");
    assert_eq!(r.connectivity.attempts[0].address, "127.0.0.2:25");
}

/// Null MX (asked over IPv6 to Knot): the domain accepts no mail: bounced, hard, no
/// connection attempted.
#[tokio::test]
async fn null_mx() {
    let env = env_or_skip!();
    let check = Check::parse(env.get("DNS_NULLMX"))
        .unwrap()
        .resolver(env.addr("DNS6"))
        .command_timeout(COMMAND_TIMEOUT);
    let r = run(check).await;
    assert!(r.connectivity.dns.null_mx);
    assert!(r.connectivity.attempts.is_empty());
    assert_error(&r, "dns", "dns");
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(r.delivery.reason, Some(Reason::NullMx));
    assert!(r.delivery.hard);
    assert_finding(&r, "dns.null_mx", Severity::Error);
    assert_json(&r, "/connectivity/dns/null_mx", true);
    assert_eq!(r.verdict, Status::Red);
}

#[tokio::test]
async fn implicit_mx_nxdomain_and_dangling_mx() {
    let env = env_or_skip!();
    let r = run(env.domain_check("DNS_NOMX")).await;
    assert!(r.connectivity.dns.implicit_mx);
    assert!(r.connectivity.dns.mx.is_empty());
    assert_finding(&r, "dns.implicit_mx", Severity::Info);
    assert_eq!(r.connectivity.dns.addresses, ["127.0.0.1:25"]);
    assert_eq!(r.connectivity.attempts[0].address, "127.0.0.1:25");

    let r = run(env.domain_check("DNS_NXDOMAIN")).await;
    assert_error(&r, "dns", "dns");
    assert!(r.connectivity.attempts.is_empty());
    let err = r.connectivity.dns.error.as_deref().unwrap();
    assert!(err.contains("NXDOMAIN"), "{err}");
    assert_eq!(
        (r.connectivity.status, r.verdict),
        (Status::Red, Status::Red)
    );

    // An MX whose host does not exist: the MX is listed, the address lookup fails.
    let r = run(env.domain_check("DNS_DANGLING")).await;
    assert_eq!(r.connectivity.dns.mx[0].host, "nowhere.interop.test");
    assert_error(&r, "dns", "dns");
    assert!(r.connectivity.attempts.is_empty());
}

// ---------------------------------------------------------------------------------------
// Exim: a second implementation

#[tokio::test]
async fn exim_starttls_unknown_user_relay_and_size() {
    let env = env_or_skip!();
    let exim_host = env.get("EXIM_HOST");
    let r = run(env.exim()).await;
    assert_no_error(&r);
    assert_eq!(r.verdict, Status::Green, "{}", r.summary);
    let g = r.connectivity.greeting.as_ref().unwrap();
    assert!(g.text.contains("ESMTP Exim"), "{}", g.text);
    let e = r.ehlo.as_ref().unwrap();
    assert_eq!(e.server_name, exim_host);
    assert_eq!(e.size, Some(env.size_limit()));
    assert!(e.auth_mechanisms.is_empty(), "Exim here offers no AUTH");
    assert_eq!(r.auth.status, Status::Grey);
    assert_tls_valid(&r, exim_host);

    let r6 = run(Check::parse(env.get("EXIM6"))
        .unwrap()
        .ca_file(env.ca())
        .sni(exim_host))
    .await;
    assert_no_error(&r6);
    assert_tls_valid(&r6, exim_host);

    let r = run(env
        .exim()
        .envelope(env.address("FROM"), vec![env.address("RCPT_UNKNOWN")])
        .quit_after(QuitAfter::Rcpt))
    .await;
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(delivery_reply(&r), (550, Some("5.1.1")));
    assert_eq!(r.delivery.reason, Some(Reason::MailboxUnknown));
    assert!(r.delivery.hard);

    let r = run(env
        .exim()
        .envelope(env.address("FROM"), vec![env.address("RCPT_OUTSIDE")])
        .quit_after(QuitAfter::Rcpt))
    .await;
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(delivery_reply(&r), (550, Some("5.7.1")));
    assert_eq!(r.delivery.reason, Some(Reason::RelayDenied));

    let r = run(env.exim().relay_probe(true)).await;
    let relay = r.relay.as_ref().unwrap();
    assert!(relay.tested && !relay.open, "{relay:?}");
    assert_eq!(relay.reply.as_ref().unwrap().code, 550);

    // SIZE=: Exim refuses at MAIL, without an enhanced code (no ENHANCEDSTATUSCODES).
    let over = usize::try_from(env.size_limit()).unwrap() + 10_000;
    let r = run(env
        .exim()
        .envelope(env.address("FROM"), vec![env.address("RCPT_OK")])
        .body_size(over))
    .await;
    assert_eq!(r.delivery.outcome, "bounced");
    assert_eq!(r.delivery.stage.map(|s| s.as_str()), Some("mail"));
    assert_eq!(delivery_reply(&r), (552, None));
    assert_eq!(r.delivery.reason, Some(Reason::MessageTooLarge));
}

#[tokio::test]
async fn exim_delivery_lands_in_its_maildir() {
    let env = env_or_skip!();
    let r = run(env
        .exim()
        .envelope(env.address("FROM"), vec![env.address("RCPT_OK")]))
    .await;
    assert_no_error(&r);
    assert_eq!(r.delivery.outcome, "accepted");
    assert_eq!(r.delivery.stage.map(|s| s.as_str()), Some("data_end"));
    assert_eq!(delivery_reply(&r), (250, None));
    assert_eq!(r.verdict, Status::Green);
    let id = r.delivery.message_id.clone().unwrap();
    let maildir = Path::new(env.get("EXIM_MAILDIR")).join("alice");
    let found = tokio::task::spawn_blocking({
        let id = id.clone();
        move || find_in_maildir(&maildir, &id)
    })
    .await
    .unwrap();
    assert!(
        found.is_some(),
        "{id} did not arrive in Exim's Maildir for alice"
    );
}

// ---------------------------------------------------------------------------------------
// Cross-checks with swaks: the same server, the same question, the same answer

/// The reply code SMTPing reports for the transaction, as swaks sees it after RCPT.
#[tokio::test]
async fn swaks_agrees_on_recipient_replies() {
    let env = env_or_skip!();
    let cases = [
        ("POSTFIX_STARTTLS", "RCPT_UNKNOWN"),
        ("POSTFIX_STARTTLS", "RCPT_OUTSIDE"),
        ("POSTFIX_STARTTLS", "RCPT_451"),
        ("POSTFIX_STARTTLS", "RCPT_OK"),
        ("POSTFIX_GREYLIST", "RCPT_OK"),
        ("EXIM", "RCPT_UNKNOWN"),
    ];
    for (server, rcpt) in cases {
        let what = format!("{server} {rcpt}");
        let mut args = vec![
            swaks_server(&env, server),
            strings(&[
                "--from",
                env.get("FROM"),
                "--to",
                env.get(rcpt),
                "--quit-after",
                "RCPT",
            ]),
        ];
        if server != "EXIM" {
            args.push(swaks_tls(&env));
        }
        let Some(sw) = swaks(&args) else { return };
        let (code, enhanced) = sw
            .reply_to("RCPT TO")
            .unwrap_or_else(|| panic!("{what}: no RCPT reply in swaks' output:\n{}", sw.out));
        let check = if server == "EXIM" {
            env.exim()
        } else {
            env.check(server)
        };
        let r = run(check
            .envelope(env.address("FROM"), vec![env.address(rcpt)])
            .quit_after(QuitAfter::Rcpt))
        .await;
        let ours = delivery_reply(&r);
        assert_eq!(ours.0, code, "{what}: SMTPing {} vs swaks {code}", ours.0);
        assert_eq!(ours.1, enhanced.as_deref(), "{what}");
        let class = match code / 100 {
            2 => "accepted",
            4 => "deferred",
            _ => "bounced",
        };
        assert_eq!(r.delivery.outcome, class, "{what}");
        say(&format!(
            "interop: swaks agrees: {what}: {code} {} -> {class}",
            enhanced.unwrap_or_default()
        ));
    }
}

/// TLS and AUTH as swaks sees them: a verified chain on the valid listener, a refused one
/// on the expired listener; 235 and 535 with the same credentials.
#[tokio::test]
async fn swaks_agrees_on_tls_and_auth() {
    let env = env_or_skip!();
    // TLS: swaks verifies the chain (not the name): valid vs expired.
    for (key, trusted) in [
        ("TLS_VALID", true),
        ("TLS_EXPIRED", false),
        ("TLS_SELFSIGNED", false),
    ] {
        let Some(sw) = swaks(&[
            swaks_server(&env, key),
            swaks_tls(&env),
            strings(&["--quit-after", "EHLO"]),
        ]) else {
            return;
        };
        let swaks_ok = sw.tls_started() && sw.code == Some(0);
        assert_eq!(swaks_ok, trusted, "{key}: swaks says:\n{}", sw.out);
        let r = run(env.check(key)).await;
        let ours = r.tls.certificate.as_ref().unwrap().verification == Verification::Valid;
        assert_eq!(ours, trusted, "{key}: {}", r.summary);
    }
    // AUTH on the submission listener. swaks takes the password as an argument (visible
    // in `ps` for a moment): acceptable for this throwaway loopback account only.
    for (password, code) in [(env.get("PASSWORD"), 235), ("not-the-password", 535)] {
        let Some(sw) = swaks(&[
            swaks_server(&env, "POSTFIX_SUBMISSION"),
            swaks_tls(&env),
            strings(&[
                "--auth",
                "PLAIN",
                "--auth-user",
                env.get("USER"),
                "--auth-password",
                password,
                "--quit-after",
                "AUTH",
            ]),
        ]) else {
            return;
        };
        let (swaks_code, _) = sw
            .reply_to("AUTH")
            .unwrap_or_else(|| panic!("no AUTH reply in swaks' output:\n{}", sw.out));
        assert_eq!(swaks_code, code, "swaks");
        let r = run(env
            .check("POSTFIX_SUBMISSION")
            .auth(Credentials::new(env.get("USER"), password))
            .auth_mechanism(AuthMechanism::Plain)
            .quit_after(QuitAfter::Auth))
        .await;
        assert_eq!(r.auth.login.reply.as_ref().unwrap().code, code);
    }
    // Refused port: swaks cannot connect either.
    let Some(sw) = swaks(&[
        swaks_server(&env, "REFUSED"),
        strings(&["--quit-after", "CONNECT"]),
    ]) else {
        return;
    };
    assert_ne!(
        sw.code,
        Some(0),
        "swaks connected to the refused port:\n{}",
        sw.out
    );
    assert!(sw.out.contains("Connection refused"), "{}", sw.out);
    let r = run(env.check("REFUSED")).await;
    assert_eq!(r.connectivity.attempts[0].outcome, "refused");
}

mod follow;
mod transport;
