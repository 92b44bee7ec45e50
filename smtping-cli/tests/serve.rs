//! `smtping serve` as Prometheus uses it: the binary on 127.0.0.1 (`--listen 127.0.0.1:0`,
//! the bound address read from stderr's first line), scraped with a plain HTTP/1.1 client
//! against the scripted test servers.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use smtping_testkit::server::{Behaviour, TestServer};

// `Lab::check` (the check command) is not used here.
#[allow(dead_code)]
mod common;

use common::{Lab, NAME};

/// The running exporter, killed when dropped.
struct Serve {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The value of the series written exactly as `series` (name and labels).
    fn value(&self, series: &str) -> Option<f64> {
        self.body
            .lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }
}

impl Serve {
    fn start(config: Option<&Path>) -> Self {
        Self::start_with(config, &[])
    }

    fn start_with(config: Option<&Path>, extra: &[&str]) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_smtping"));
        cmd.args(["serve", "--listen", "127.0.0.1:0"]).args(extra);
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap());
        let mut first = String::new();
        lines.read_line(&mut first).unwrap();
        let addr = first
            .trim()
            .strip_prefix("smtping serve: listening on http://")
            .unwrap_or_else(|| panic!("first line: {first:?}"))
            .parse()
            .unwrap();
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut line = String::new();
            while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
                sink.lock().unwrap().push_str(&line);
                line.clear();
            }
        });
        Self {
            child,
            addr,
            stderr,
        }
    }

    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
        let mut s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut req =
            format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("Content-Length: 0\r\n\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.take(4 * 1024 * 1024).read_to_end(&mut raw).unwrap();
        let raw = String::from_utf8(raw).unwrap();
        let (head, body) = raw
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("{raw:?}"));
        let mut head = head.lines();
        let status = head
            .next()
            .unwrap()
            .split(' ')
            .nth(1)
            .unwrap()
            .parse()
            .unwrap();
        let headers = head
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        Answer {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    fn get(&self, path: &str) -> Answer {
        self.request("GET", path, &[])
    }

    fn log(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

/// A config file: `extra`, then `[limits]` with `min_interval = "0"` unless `extra` sets
/// limits itself, and a `starttls` module that trusts the lab's CA.
fn config(lab: &Lab, extra: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    let limits = if extra.contains("[limits]") {
        String::new()
    } else {
        "[limits]\nmin_interval = \"0\"\n".to_owned()
    };
    write!(
        f,
        "{extra}\n{limits}[modules.starttls]\ntls = \"starttls\"\nsni = \"{NAME}\"\nca_file = \"{}\"\nquit_after = \"tls\"\nno_signals = true\ncommand_timeout = \"5s\"\n",
        lab.ca.path().display()
    )
    .unwrap();
    f
}

/// A loopback port nothing listens on.
fn closed_port() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

fn probe_path(target: impl std::fmt::Display, module: &str) -> String {
    format!("/probe?target={target}&module={module}")
}

/// Polls `cond` (at most ~10 s) — for state another thread brings about.
fn eventually(mut cond: impl FnMut() -> bool) -> bool {
    for _ in 0..400 {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    false
}

#[test]
fn a_healthy_probe_succeeds_with_the_certificate_expiry() {
    let lab = Lab::new();
    let server: TestServer = lab.server(|b| b);
    let cfg = config(&lab, "");
    let serve = Serve::start(Some(cfg.path()));
    let a = serve.get(&probe_path(server.addr(), "starttls"));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(a.value("probe_success"), Some(1.0), "{}", a.body);
    assert_eq!(a.value("smtping_probe_timeout"), Some(0.0));
    assert_eq!(a.value("smtping_verdict"), Some(0.0), "{}", a.body);
    assert_eq!(a.value("smtping_area_status{area=\"tls\"}"), Some(0.0));
    assert_eq!(
        a.value("smtping_area_status{area=\"connectivity\"}"),
        Some(0.0)
    );
    assert_eq!(a.value("smtping_tls_established"), Some(1.0));
    assert_eq!(
        a.value("smtping_tls_certificate_valid{verification=\"valid\"}"),
        Some(1.0)
    );
    assert!(
        a.body.contains("smtping_tls_version_info{version=\"TLSv1."),
        "{}",
        a.body
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let expiry = a.value("probe_ssl_earliest_cert_expiry").unwrap();
    assert!(expiry > now, "{expiry} <= {now}");
    assert!(a.value("probe_duration_seconds").unwrap() > 0.0);
    assert!(
        a.body
            .contains("smtping_phase_duration_seconds{phase=\"tls_handshake\"}")
    );
    // The exporter counted it, and logged one line.
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_probes_total{module=\"starttls\",result=\"success\"}"),
        Some(1.0),
        "{}",
        m.body
    );
    assert_eq!(m.value("smtping_exporter_in_flight"), Some(0.0));
    assert!(
        eventually(|| serve.log().contains("result=success")),
        "{}",
        serve.log()
    );
    assert!(serve.log().contains("module=starttls"));
}

#[test]
fn a_refused_connection_fails_the_probe() {
    let lab = Lab::new();
    let cfg = config(&lab, "");
    let serve = Serve::start(Some(cfg.path()));
    let a = serve.get(&probe_path(closed_port(), "starttls"));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.value("probe_success"), Some(0.0), "{}", a.body);
    assert_eq!(a.value("smtping_verdict"), Some(2.0));
    assert_eq!(
        a.value("smtping_area_status{area=\"connectivity\"}"),
        Some(2.0)
    );
    assert_eq!(a.value("smtping_tls_established"), Some(0.0));
    assert!(!a.body.contains("probe_ssl_earliest_cert_expiry"));
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_probes_total{module=\"starttls\",result=\"failure\"}"),
        Some(1.0)
    );
}

#[test]
fn a_stalling_server_is_answered_within_the_scrape_deadline() {
    let lab = Lab::new();
    let server = lab.server(|b| b.greeting(Behaviour::silent()));
    let cfg = config(&lab, "");
    let serve = Serve::start(Some(cfg.path()));
    // The module waits up to 5 s a reply; the scrape allows 1.5 s minus the 0.5 s offset.
    let a = serve.request(
        "GET",
        &probe_path(server.addr(), "starttls"),
        &[("X-Prometheus-Scrape-Timeout-Seconds", "1.5")],
    );
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.value("probe_success"), Some(0.0), "{}", a.body);
    assert_eq!(a.value("smtping_probe_timeout"), Some(1.0), "{}", a.body);
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_probes_total{module=\"starttls\",result=\"timeout\"}"),
        Some(1.0)
    );
}

#[test]
fn bad_requests_get_400_404_and_405_with_a_reason() {
    let lab = Lab::new();
    let cfg = config(&lab, "");
    let serve = Serve::start(Some(cfg.path()));
    let a = serve.get(&probe_path("127.0.0.1:25", "nosuch"));
    assert_eq!(a.status, 400);
    assert!(a.body.contains("unknown module \"nosuch\""), "{}", a.body);
    assert!(a.body.contains("default, starttls"), "{}", a.body);
    assert_eq!(a.body.lines().count(), 1);
    let a = serve.get("/probe?module=starttls");
    assert_eq!(a.status, 400);
    assert!(a.body.contains("missing target"), "{}", a.body);
    let a = serve.get("/probe?target=bad%20host!");
    assert_eq!(a.status, 400);
    assert!(a.body.starts_with("bad target"), "{}", a.body);
    let a = serve.get(&format!("/probe?target={}", "a".repeat(5000)));
    assert_eq!(a.status, 414);
    let a = serve.get("/nothing");
    assert_eq!(a.status, 404);
    let a = serve.request("POST", "/probe?target=127.0.0.1", &[]);
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), Some("GET"));
    let a = serve.get("/-/reload");
    assert_eq!(a.status, 405);
    let a = serve.get("/-/healthy");
    assert_eq!((a.status, a.body.as_str()), (200, "OK\n"));
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_rejected_total{reason=\"unknown_module\"}"),
        Some(1.0),
        "{}",
        m.body
    );
    assert_eq!(
        m.value("smtping_exporter_rejected_total{reason=\"bad_request\"}"),
        Some(2.0)
    );
    assert_eq!(
        m.value("smtping_exporter_rejected_total{reason=\"not_found\"}"),
        Some(1.0)
    );
    assert_eq!(
        m.value("smtping_exporter_rejected_total{reason=\"method_not_allowed\"}"),
        Some(2.0)
    );
    assert!(m.body.contains("smtping_exporter_build_info{version=\""));
}

#[test]
fn targets_outside_the_allow_list_are_refused() {
    let lab = Lab::new();
    let cfg = config(&lab, "allow_targets = [\"mx.allowed.test\", \"127.0.0.2\"]");
    let serve = Serve::start(Some(cfg.path()));
    let a = serve.get(&probe_path("127.0.0.1:2525", "starttls"));
    assert_eq!(a.status, 400);
    assert!(a.body.contains("not allowed"), "{}", a.body);
    let a = serve.get(&probe_path("alice@evil.test", "starttls"));
    assert_eq!(a.status, 400);
    assert!(!a.body.contains("alice"), "{}", a.body);
    // An allowed address is probed (nothing listens there: a failure, not a refusal).
    let a = serve.get(&probe_path(
        format!("127.0.0.2:{}", closed_port().port()),
        "starttls",
    ));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.value("probe_success"), Some(0.0));
}

#[test]
fn a_target_probed_again_too_soon_gets_429() {
    let lab = Lab::new();
    let cfg = config(&lab, "[limits]\nmin_interval = \"60s\"");
    let serve = Serve::start(Some(cfg.path()));
    let target = closed_port();
    assert_eq!(serve.get(&probe_path(target, "starttls")).status, 200);
    let a = serve.get(&probe_path(target, "starttls"));
    assert_eq!(a.status, 429, "{}", a.body);
    let left: u64 = a.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&left), "{left}");
    assert!(a.body.contains("min_interval"), "{}", a.body);
    // Another module is another key.
    assert_eq!(serve.get(&probe_path(target, "default")).status, 200);
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_rejected_total{reason=\"rate_limited\"}"),
        Some(1.0)
    );
}

#[test]
fn probes_over_max_in_flight_get_503() {
    let lab = Lab::new();
    let stall = lab.server(|b| b.greeting(Behaviour::silent()));
    let cfg = config(&lab, "[limits]\nmax_in_flight = 1\nmin_interval = \"0\"");
    let serve = Arc::new(Serve::start(Some(cfg.path())));
    let first = {
        let serve = Arc::clone(&serve);
        let path = probe_path(stall.addr(), "starttls");
        std::thread::spawn(move || {
            serve.request(
                "GET",
                &path,
                &[("X-Prometheus-Scrape-Timeout-Seconds", "4")],
            )
        })
    };
    assert!(eventually(|| serve
        .get("/metrics")
        .value("smtping_exporter_in_flight")
        == Some(1.0)));
    let a = serve.get(&probe_path(closed_port(), "starttls"));
    assert_eq!(a.status, 503, "{}", a.body);
    assert_eq!(a.header("retry-after"), Some("1"));
    let first = first.join().unwrap();
    assert_eq!(
        first.value("smtping_probe_timeout"),
        Some(1.0),
        "{}",
        first.body
    );
    // The slot is back.
    assert_eq!(
        serve.get(&probe_path(closed_port(), "starttls")).status,
        200
    );
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_rejected_total{reason=\"over_capacity\"}"),
        Some(1.0)
    );
}

#[test]
fn a_bad_reload_keeps_the_old_config_and_sighup_loads_a_good_one() {
    let lab = Lab::new();
    let cfg = config(
        &lab,
        "[modules.one]\nquit_after = \"connect\"\nno_signals = true",
    );
    let serve = Serve::start(Some(cfg.path()));
    let target = closed_port();
    assert_eq!(serve.get(&probe_path(target, "one")).status, 200);
    std::fs::write(cfg.path(), "[modules.one]\nno_such_option = 1\n").unwrap();
    let a = serve.request("POST", "/-/reload", &[]);
    assert_eq!(a.status, 500, "{}", a.body);
    assert!(a.body.contains("no_such_option"), "{}", a.body);
    assert!(
        serve.log().contains("keeping the configuration in force")
            || eventually(|| serve.log().contains("keeping the configuration in force"))
    );
    assert_eq!(
        serve.get(&probe_path(target, "one")).status,
        200,
        "old config kept"
    );
    std::fs::write(
        cfg.path(),
        "[limits]\nmin_interval = \"0\"\n[modules.two]\nquit_after = \"connect\"\nno_signals = true\n",
    )
    .unwrap();
    let hup = Command::new("kill")
        .args(["-HUP", &serve.child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    assert!(
        eventually(|| serve.get(&probe_path(target, "two")).status == 200),
        "{}",
        serve.log()
    );
    assert_eq!(serve.get(&probe_path(target, "one")).status, 400);
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_config_reload_total{result=\"failure\"}"),
        Some(1.0)
    );
    assert_eq!(
        m.value("smtping_exporter_config_reload_total{result=\"success\"}"),
        Some(1.0)
    );
}

#[test]
fn debug_returns_the_redacted_json_report() {
    let lab = Lab::new();
    let server = lab.server(|b| b);
    let mut cfg = config(&lab, "");
    write!(
        cfg,
        "[modules.rcpt]\ntls = \"starttls\"\nsni = \"{NAME}\"\nca_file = \"{}\"\nfrom = \"probe@client.test\"\nto = \"alice@example.test\"\nquit_after = \"rcpt\"\nno_signals = true\n",
        lab.ca.path().display()
    )
    .unwrap();
    let serve = Serve::start(Some(cfg.path()));
    let a = serve.get(&format!("{}&debug=true", probe_path(server.addr(), "rcpt")));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.header("content-type"), Some("application/json"));
    let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
    assert_eq!(v["verdict"], "green", "{}", a.body);
    assert_eq!(v["delivery"]["outcome"], "accepted");
    assert!(!a.body.contains("alice@"), "local part shown: {}", a.body);
    assert!(!a.body.contains("probe@client.test"), "{}", a.body);
}

#[test]
fn a_bad_config_stops_start_up_naming_the_module_and_key() {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    writeln!(f, "[modules.m1]\nquit_after = \"never\"").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_smtping"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(f.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("module \"m1\", key \"quit_after\""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn without_a_config_the_default_module_probes() {
    let serve = Serve::start(None);
    let a = serve.get(&format!("/probe?target={}", closed_port()));
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.value("probe_success"), Some(0.0));
    let m = serve.get("/metrics");
    assert_eq!(
        m.value("smtping_exporter_probes_total{module=\"default\",result=\"failure\"}"),
        Some(1.0)
    );
    assert_eq!(m.value("smtping_exporter_max_in_flight"), Some(8.0));
}

#[test]
fn quiet_leaves_out_the_probe_lines() {
    let serve = Serve::start_with(None, &["--quiet"]);
    let target = closed_port();
    assert_eq!(serve.get(&format!("/probe?target={target}")).status, 200);
    // A reload line is logged even with --quiet: once it is there, so would the probe's be.
    assert_eq!(serve.request("POST", "/-/reload", &[]).status, 200);
    assert!(
        eventually(|| serve.log().contains("reload")),
        "{}",
        serve.log()
    );
    assert!(!serve.log().contains("probe module="), "{}", serve.log());
}

#[test]
fn with_history_every_probe_is_recorded_for_smtping_history() {
    let lab = Lab::new();
    let server = lab.server(|b| b);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("history.sqlite");
    let cfg = config(
        &lab,
        &format!("[history]\nrecord = true\nfile = \"{}\"\n", file.display()),
    );
    let serve = Serve::start(Some(cfg.path()));
    // The file exists (created, migrated) as soon as the config is loaded.
    assert!(file.exists());
    for _ in 0..2 {
        let a = serve.get(&probe_path(server.addr(), "starttls"));
        assert_eq!(a.value("probe_success"), Some(1.0), "{}", a.body);
    }
    let target = server.addr().to_string();
    let mut runs = 0;
    assert!(eventually(|| {
        let out = Command::new(env!("CARGO_BIN_EXE_smtping"))
            .args(["history", &target, "--json", "--history"])
            .arg(&file)
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        runs = v["targets"][0]["runs"].as_u64().unwrap_or(0);
        runs == 2
    }));
    assert_eq!(runs, 2);
    assert!(!serve.log().contains("not recorded"), "{}", serve.log());

    // A file that is not a history stops start-up with the file named.
    let bad = dir.path().join("not-a-history.sqlite");
    std::fs::write(&bad, b"hello, this is not SQLite").unwrap();
    let cfg = config(
        &lab,
        &format!("[history]\nrecord = true\nfile = \"{}\"\n", bad.display()),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_smtping"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(cfg.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("[history]") && err.contains("not-a-history.sqlite"),
        "{err}"
    );
    assert_eq!(std::fs::read(&bad).unwrap(), b"hello, this is not SQLite");
}
