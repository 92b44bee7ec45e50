//! The demo's monitoring scene (issue 17): "Watched over time". The same target is checked
//! five times, each run recorded in a throwaway history file as `smtping check --record`
//! would (spread over five days); before the fifth run the server is "upgraded" and stops
//! advertising PIPELINING. The scene then shows what the monitoring commands say about it:
//! `smtping history` (five runs, one change, the certificate's days as a sparkline),
//! `smtping diff TARGET` (the last two runs: worse, exit 1), the Prometheus exposition that
//! `smtping serve` answers for the last run, and the HTML health card written to a file.

use std::fmt::Write as _;
use std::time::Duration;

use smtping_client::{ConnectTo, Report};
use smtping_testkit::certs::{Scenario, TestPki};
use smtping_testkit::dns::DnsResponder;
use smtping_testkit::server::{ServerTls, TestServer};

use super::{MX, demo_check};
use crate::history::{History, chart, human, lookup_keys, summary};

/// The scene's title and story.
pub(super) const MONITOR_SCENE: (&str, &str) = (
    "Watched over time: history, diff, Prometheus, the HTML card",
    "smtping check mx.demo.test:25 --record, once a day for five days (a throwaway history file here). Before the fifth run the server was upgraded and no longer advertises PIPELINING. smtping history shows the five runs and the change; smtping diff mx.demo.test:25 compares the last two runs and exits 1 (something got worse); smtping serve would answer Prometheus the exposition below for that run (probe_success stays 1: the server still works, only slower for pipelining clients); --format html writes the SMTP Health card.",
);

/// The target as typed, the history's key.
const TARGET: &str = "mx.demo.test:25";
const DAY_MS: i64 = 86_400_000;

/// What the scene produced: the last run's report and the monitoring commands' output.
pub(super) struct Played {
    /// The fifth run.
    pub(super) report: Report,
    /// What the scene prints after its story.
    pub(super) text: String,
    /// The self-test: five runs, a PIPELINING change for the worse, diff says worse,
    /// probe_success 1, the page written.
    pub(super) ok: bool,
}

/// A throwaway file removed when the scene ends (even on an error).
struct TempFile(std::path::PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Plays the scene.
pub(super) async fn play(pki: &TestPki, dns: &DnsResponder) -> Result<Played, String> {
    let cert = pki
        .server_cert(Scenario::Valid, &[MX])
        .map_err(|e| format!("making the demo certificate: {e}"))?;
    let server = |extensions: &'static [&'static str]| {
        TestServer::builder()
            .hostname(MX)
            .extensions(extensions.iter().copied())
            .tls(ServerTls::starttls(cert.clone()))
            .start()
    };
    let before = server(&["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"])
        .await
        .map_err(|e| format!("starting the demo server: {e}"))?;
    let after = server(&["8BITMIME", "ENHANCEDSTATUSCODES"])
        .await
        .map_err(|e| format!("starting the demo server: {e}"))?;
    let file = TempFile(std::env::temp_dir().join(format!(
        "smtping-demo-history-{}.sqlite",
        std::process::id()
    )));
    drop(TempFile(file.0.clone())); // a leftover of an earlier run
    let mut history = History::open(&file.0).map_err(|e| e.to_string())?;
    let now = crate::history::store::now_ms();
    let mut last = None;
    for day in 0..5_i64 {
        let server = if day < 4 { &before } else { &after };
        let rule: ConnectTo = format!("{MX}:25:127.0.0.1:{}", server.addr().port())
            .parse()
            .map_err(|e: smtping_client::ConnectToError| e.to_string())?;
        let report = demo_check(TARGET, dns, pki)?
            .connect_to(rule)
            .signals(false)
            .quit_after(smtping_proto::session::QuitAfter::Tls)
            .run()
            .await;
        history
            .record_at(&report, false, now - (4 - day) * DAY_MS)
            .map_err(|e| e.to_string())?;
        last = Some(report);
    }
    before.shutdown().await;
    after.shutdown().await;
    let report = last.ok_or("the scene ran no check")?;

    let mut text = String::new();
    // smtping history mx.demo.test:25
    let mut agg = summary::Aggregator::default();
    history
        .each_run(&lookup_keys(TARGET), 0, |r| agg.push(r))
        .map_err(|e| e.to_string())?;
    let targets = agg.finish();
    let _ = writeln!(text, "$ smtping history {TARGET}");
    let style = chart::Style::detect();
    for s in &targets {
        text.push_str(&human(s, style));
    }
    let history_ok = targets.first().is_some_and(|s| {
        s.runs == 5
            && s.changes.len() == 1
            && s.changes.iter().any(|c| c.what.contains("PIPELINING"))
    });

    // smtping diff mx.demo.test:25 (the last two runs)
    let mut runs = history
        .last_runs(&lookup_keys(TARGET), 2)
        .map_err(|e| e.to_string())?;
    let (Some(newer), Some(older)) = (runs.pop(), runs.pop()) else {
        return Err("the history has fewer than two runs".into());
    };
    // last_runs is newest first: `older` is the earlier of the two.
    let (b, a) = if older.checked_at <= newer.checked_at {
        (older.report, newer.report)
    } else {
        (newer.report, older.report)
    };
    let diff = crate::diff::compare::compare(&b, &a);
    let code = if diff.worse { 1 } else { 0 };
    let _ = writeln!(text, "\n$ smtping diff {TARGET}   # exit {code}");
    text.push_str(&crate::diff::compare::human(&diff));
    drop(history);

    // What smtping serve answers Prometheus for this run.
    let exposition = crate::serve::metrics::probe(Some(&report), false, Duration::from_millis(40));
    let _ = writeln!(
        text,
        "\n$ curl 'http://127.0.0.1:9125/probe?target={TARGET}&module=default'   # smtping serve (excerpt)"
    );
    let wanted = [
        "probe_success",
        "probe_ssl_earliest_cert_expiry",
        "smtping_verdict",
        "smtping_area_status",
        "smtping_tls_version_info",
    ];
    for line in exposition
        .lines()
        .filter(|l| !l.starts_with('#') && wanted.iter().any(|w| l.starts_with(w)))
    {
        let _ = writeln!(text, "{line}");
    }
    let probe_ok = exposition.lines().any(|l| l == "probe_success 1");

    // The HTML health card of the last run.
    let page = crate::render::html::page(&report);
    let html = std::env::temp_dir().join("smtping-demo-health.html");
    let page_ok = std::fs::write(&html, &page).is_ok();
    let _ = writeln!(
        text,
        "\n$ smtping check {TARGET} --format html > {}",
        html.display()
    );
    let _ = writeln!(
        text,
        "{}",
        if page_ok {
            format!(
                "wrote the SMTP Health card ({} bytes, no network or script needed): open it in a browser",
                page.len()
            )
        } else {
            "could not write the page (the temporary directory is not writable)".to_owned()
        }
    );
    Ok(Played {
        report,
        text,
        ok: history_ok && diff.worse && probe_ok && page_ok,
    })
}
