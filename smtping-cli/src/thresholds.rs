//! `-w/--warning` and `-c/--critical`: monitoring thresholds for the certificate's days
//! remaining and the check's total response time, as `check_smtp`/`check_http` have.
//!
//! A threshold is a comma list of `cert=DAYS` (alert when fewer than DAYS days are left)
//! and `time=DURATION` (alert when the whole check took longer); a bare whole number is
//! certificate days and a bare duration with its unit is the time: `-w 21,2s -c 7,5s` is
//! `-w cert=21,time=2s -c cert=7,time=5s`. A breached threshold raises the verdict (never
//! lowers it: the engine's own warning at 14 days stays), adds a sentence to the summary
//! and so shows in every output and in the exit code. The Nagios perfdata carries the
//! thresholds as Monitoring Plugins ranges: `'cert_days_remaining'=824;21:;7:;0` (alert
//! below) and `'total'=0.072s;2;5;0` (alert above).

use std::time::Duration;

use smtping_client::{EXPIRY_WARNING_DAYS, FindingId, Report, Status};

use crate::args::parse_duration;

/// One level (warning or critical): what alerts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Level {
    /// Alert when fewer than this many days remain.
    pub(crate) cert_days: Option<i64>,
    /// Alert when the check took longer.
    pub(crate) time: Option<Duration>,
}

/// `-w`/`-c` as given (and the default certificate warning).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Thresholds {
    pub(crate) warning: Level,
    pub(crate) critical: Level,
}

impl Default for Thresholds {
    /// The engine's certificate warning (14 days), nothing else.
    fn default() -> Self {
        Self {
            warning: Level {
                cert_days: Some(EXPIRY_WARNING_DAYS),
                time: None,
            },
            critical: Level::default(),
        }
    }
}

const SYNTAX: &str =
    "give cert=DAYS and/or time=DURATION, comma-separated (e.g. 14, 2s, cert=14,time=2s)";

/// Parses one `-w`/`-c` value.
pub(crate) fn parse_level(s: &str) -> Result<Level, String> {
    let mut level = Level::default();
    for item in s.split(',').map(str::trim) {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim()),
            None if !item.is_empty() && item.bytes().all(|b| b.is_ascii_digit()) => {
                ("cert".to_owned(), item)
            }
            None if item.starts_with(|c: char| c.is_ascii_digit()) => ("time".to_owned(), item),
            None => return Err(format!("{item:?}: {SYNTAX}")),
        };
        match key.as_str() {
            "cert" | "days" => {
                let days: i64 = value
                    .parse()
                    .ok()
                    .filter(|d| (0..=3650).contains(d))
                    .ok_or_else(|| format!("cert={value}: a whole number of days, 0 to 3650"))?;
                level.cert_days = Some(days);
            }
            "time" => {
                let t = value.trim();
                if t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                    return Err(format!("time={t}: give the unit (e.g. {t}s or {t}ms)"));
                }
                level.time = Some(parse_duration(t).map_err(|e| format!("time: {e}"))?);
            }
            _ => return Err(format!("unknown threshold {key:?}: {SYNTAX}")),
        }
    }
    Ok(level)
}

impl Thresholds {
    /// From the arguments: `-w` replaces the default certificate warning only when it names
    /// `cert`.
    pub(crate) fn new(warning: Option<Level>, critical: Option<Level>) -> Result<Self, String> {
        let mut t = Self::default();
        if let Some(w) = warning {
            t.warning.time = w.time;
            if w.cert_days.is_some() {
                t.warning.cert_days = w.cert_days;
            }
        }
        if let Some(c) = critical {
            t.critical = c;
        }
        if let (Some(w), Some(c)) = (t.warning.cert_days, t.critical.cert_days)
            && c > w
        {
            return Err(format!(
                "-c cert={c} is above -w cert={w}: the critical level must alert later (fewer days)"
            ));
        }
        if let (Some(w), Some(c)) = (t.warning.time, t.critical.time)
            && c < w
        {
            return Err(format!(
                "-c time={c:?} is below -w time={w:?}: the critical level must alert later (slower)"
            ));
        }
        Ok(t)
    }

    /// What the thresholds say of this report: the state and why.
    fn breaches(&self, r: &Report) -> Vec<(Status, String)> {
        let mut out = Vec::new();
        if let Some(cert) = &r.tls.certificate {
            let days = cert.days_remaining;
            for (status, level, word) in [
                (Status::Red, self.critical, "critical"),
                (Status::Amber, self.warning, "warning"),
            ] {
                if let Some(min) = level.cert_days
                    && days < min
                {
                    out.push((
                        status,
                        format!("certificate expires in {days} days ({word}: fewer than {min})"),
                    ));
                    break;
                }
            }
        }
        let total = Duration::from_secs_f64(r.timings_ms.total.max(0.0) / 1000.0);
        for (status, level, word) in [
            (Status::Red, self.critical, "critical"),
            (Status::Amber, self.warning, "warning"),
        ] {
            if let Some(max) = level.time
                && total > max
            {
                out.push((
                    status,
                    format!(
                        "response time {:.3}s ({word}: over {:.3}s)",
                        total.as_secs_f64(),
                        max.as_secs_f64()
                    ),
                ));
                break;
            }
        }
        out
    }

    /// Raises the verdict for every breached threshold and says why in the summary (the
    /// default 14-day warning is the engine's own finding: not said twice).
    pub(crate) fn apply(&self, r: &mut Report) {
        let engine_warning = r.has(FindingId::TlsCertificateExpiring)
            && self.warning.cert_days == Some(EXPIRY_WARNING_DAYS);
        for (status, why) in self.breaches(r) {
            r.verdict = r.verdict.worst(status);
            if !(engine_warning && status == Status::Amber && why.starts_with("certificate")) {
                r.summary = format!("{}; {why}", r.summary);
            }
        }
    }

    /// The perfdata thresholds of `cert_days_remaining`: `warn;crit` as ranges (`14:;7:`).
    pub(crate) fn cert_perf(&self) -> String {
        let range = |d: Option<i64>| d.map(|d| format!("{d}:")).unwrap_or_default();
        format!(
            "{};{}",
            range(self.warning.cert_days),
            range(self.critical.cert_days)
        )
    }

    /// The perfdata thresholds of `total`: `warn;crit` in seconds (alert above).
    pub(crate) fn time_perf(&self) -> String {
        let secs = |t: Option<Duration>| {
            t.map(|t| format!("{}", t.as_secs_f64()))
                .unwrap_or_default()
        };
        format!("{};{}", secs(self.warning.time), secs(self.critical.time))
    }
}

#[cfg(test)]
mod tests;
