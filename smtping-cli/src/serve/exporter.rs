//! The HTTP side of `smtping serve`: routing, the `/probe` query, the limits, reloads.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{ALLOW, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::{Method, Request, Response, StatusCode};

use super::config::{Config, ConfigError};
use super::metrics::{self, Counters, ProbeResult, Rejection};
use crate::render::term::escape_line;

/// Longest query string taken.
pub(crate) const MAX_QUERY: usize = 4096;
/// Longest target taken.
const MAX_TARGET: usize = 1024;
/// The probe deadline when Prometheus sends no scrape timeout.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(30);
/// Shortest probe deadline (a smaller scrape timeout still gets this much).
const MIN_DEADLINE: Duration = Duration::from_millis(10);
/// Most remembered (target, module) pairs for `min_interval`.
const MAX_REMEMBERED: usize = 100_000;

/// The exposition's content type.
const EXPOSITION: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The response body type.
pub(crate) type Body = Full<Bytes>;

/// What every request shares.
#[derive(Debug)]
pub(crate) struct State {
    config: RwLock<Arc<Config>>,
    path: Option<PathBuf>,
    in_flight: AtomicUsize,
    last_probe: Mutex<HashMap<(String, String), Instant>>,
    counters: Mutex<Counters>,
    quiet: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A probe slot, given back when dropped.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl State {
    /// The state for `config`, read from `path` (reloads read it again).
    pub(crate) fn new(config: Config, path: Option<PathBuf>, quiet: bool) -> Self {
        Self {
            config: RwLock::new(Arc::new(config)),
            path,
            in_flight: AtomicUsize::new(0),
            last_probe: Mutex::new(HashMap::new()),
            counters: Mutex::new(Counters::default()),
            quiet,
        }
    }

    /// The configuration in force.
    pub(crate) fn config(&self) -> Arc<Config> {
        Arc::clone(&self.config.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reads the config file again; a bad file keeps the configuration in force. Logs the
    /// result on stderr either way.
    pub(crate) fn reload(&self) -> Result<usize, ConfigError> {
        let Some(path) = &self.path else {
            lock(&self.counters)
                .reloads
                .entry(true)
                .and_modify(|n| *n += 1)
                .or_insert(1);
            eprintln!("smtping serve: reload: no --config file, the built-in configuration stays");
            return Ok(self.config().modules.len());
        };
        match Config::load(path) {
            Ok(new) => {
                let modules = new.modules.len();
                *self.config.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(new);
                *lock(&self.counters).reloads.entry(true).or_default() += 1;
                eprintln!(
                    "smtping serve: reloaded {} ({modules} modules)",
                    path.display()
                );
                Ok(modules)
            }
            Err(e) => {
                *lock(&self.counters).reloads.entry(false).or_default() += 1;
                eprintln!(
                    "smtping serve: reload of {} failed, keeping the configuration in force: {}",
                    path.display(),
                    escape_line(&e.to_string())
                );
                Err(e)
            }
        }
    }

    fn reject(&self, why: Rejection) {
        *lock(&self.counters).rejected.entry(why).or_default() += 1;
    }

    fn try_slot(&self, max: usize) -> Option<Slot<'_>> {
        self.in_flight
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| Slot(&self.in_flight))
    }
}

fn text(status: StatusCode, body: impl Into<String>) -> Response<Body> {
    let mut body = body.into();
    if !body.ends_with('\n') {
        body.push('\n');
    }
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn with_header(mut r: Response<Body>, name: hyper::header::HeaderName, v: &str) -> Response<Body> {
    if let Ok(v) = HeaderValue::from_str(v) {
        r.headers_mut().insert(name, v);
    }
    r
}

/// One request.
pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let allowed = match req.uri().path() {
        "/probe" | "/metrics" | "/-/healthy" => "GET",
        "/-/reload" => "POST",
        _ => {
            state.reject(Rejection::NotFound);
            return Ok(text(
                StatusCode::NOT_FOUND,
                "not found: the paths are /probe?target=T&module=M, /metrics, /-/healthy and POST /-/reload",
            ));
        }
    };
    if req.method().as_str() != allowed {
        state.reject(Rejection::MethodNotAllowed);
        return Ok(with_header(
            text(
                StatusCode::METHOD_NOT_ALLOWED,
                format!("method not allowed: use {allowed}"),
            ),
            ALLOW,
            allowed,
        ));
    }
    Ok(match req.uri().path() {
        "/probe" => probe(&state, &req).await,
        "/metrics" => {
            let config = state.config();
            let body = metrics::exporter(
                &lock(&state.counters),
                state.in_flight.load(Ordering::Acquire),
                config.limits.max_in_flight,
            );
            exposition(body)
        }
        "/-/healthy" => text(StatusCode::OK, "OK"),
        _ => {
            debug_assert_eq!(req.method(), Method::POST);
            match state.reload() {
                Ok(n) => text(StatusCode::OK, format!("OK: {n} modules")),
                Err(e) => text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!(
                        "reload failed, the configuration in force stays: {}",
                        escape_line(&e.to_string())
                    ),
                ),
            }
        }
    })
}

fn exposition(body: String) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(EXPOSITION));
    r
}

/// The parameters of `/probe`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ProbeQuery {
    /// `target=`.
    pub(crate) target: String,
    /// `module=` (`default` when absent).
    pub(crate) module: String,
    /// `debug=true`.
    pub(crate) debug: bool,
}

/// `%XX` and `+` decoded; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b.get(i + 1..i + 3)?;
                let hex = std::str::from_utf8(hex).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Parses the query of `/probe` (other parameters are ignored, as blackbox does).
pub(crate) fn parse_query(query: &str) -> Result<ProbeQuery, String> {
    let mut target = None;
    let mut module = None;
    let mut debug = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k).ok_or("a parameter name is not valid percent-encoding")?;
        let slot = match k.as_str() {
            "target" => &mut target,
            "module" => &mut module,
            "debug" => &mut debug,
            _ => continue,
        };
        if slot.is_some() {
            return Err(format!("{k}= is given twice"));
        }
        *slot = Some(
            percent_decode(v).ok_or_else(|| format!("{k}= is not valid percent-encoded UTF-8"))?,
        );
    }
    let target = target.unwrap_or_default().trim().to_owned();
    if target.is_empty() {
        return Err("missing target: /probe?target=HOST[:PORT]&module=NAME".into());
    }
    if target.len() > MAX_TARGET || target.chars().any(char::is_control) {
        return Err("bad target: too long or with control characters".into());
    }
    let debug = match debug.as_deref() {
        None | Some("false" | "0" | "") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(format!(
                "debug={} : use debug=true or debug=false",
                escape_line(other)
            ));
        }
    };
    Ok(ProbeQuery {
        target,
        module: module.unwrap_or_else(|| "default".into()),
        debug,
    })
}

/// The probe's deadline: the scrape timeout Prometheus sends minus `timeout_offset` (the
/// whole timeout when it is not longer than the offset), 30 s without the header, capped by
/// the module's `timeout` and `[limits] max_timeout`.
pub(crate) fn deadline(
    header: Option<&str>,
    offset: Duration,
    module: Option<Duration>,
    max: Option<Duration>,
) -> Duration {
    let scrape = header
        .and_then(|h| h.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(|s| Duration::from_secs_f64(s.min(3600.0)));
    let mut d = match scrape {
        Some(s) if s > offset => s - offset,
        Some(s) => s,
        None => DEFAULT_DEADLINE,
    };
    for cap in [module, max].into_iter().flatten() {
        d = d.min(cap);
    }
    d.max(MIN_DEADLINE)
}

/// `alice@example.org` → `***@example.org` for the log.
fn log_target(t: &str) -> String {
    let masked = match t.rsplit_once('@') {
        Some((_, domain)) => format!("***@{domain}"),
        None => t.to_owned(),
    };
    escape_line(&masked).into_owned()
}

async fn probe(state: &State, req: &Request<Incoming>) -> Response<Body> {
    let query = req.uri().query().unwrap_or("");
    if query.len() > MAX_QUERY {
        state.reject(Rejection::QueryTooLong);
        return text(
            StatusCode::URI_TOO_LONG,
            format!("the query is over {MAX_QUERY} bytes"),
        );
    }
    let q = match parse_query(query) {
        Ok(q) => q,
        Err(why) => {
            state.reject(Rejection::BadRequest);
            return text(StatusCode::BAD_REQUEST, why);
        }
    };
    let config = state.config();
    let Some(module) = config.modules.get(&q.module) else {
        state.reject(Rejection::UnknownModule);
        let known: Vec<&str> = config.modules.keys().map(String::as_str).collect();
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "unknown module {:?} (known: {})",
                escape_line(&q.module),
                known.join(", ")
            ),
        );
    };
    let target: smtping_client::Target = match q.target.parse() {
        Ok(t) => t,
        Err(e) => {
            state.reject(Rejection::BadRequest);
            return text(
                StatusCode::BAD_REQUEST,
                format!("bad target {:?}: {e}", escape_line(&q.target)),
            );
        }
    };
    if let Some(allow) = &config.allow
        && !allow.allows(target.host())
    {
        state.reject(Rejection::NotAllowed);
        return text(
            StatusCode::BAD_REQUEST,
            format!(
                "target {:?} is not allowed: its host is not in allow_targets",
                log_target(&q.target)
            ),
        );
    }
    let key = (q.target.to_ascii_lowercase(), q.module.clone());
    let min_interval = config.limits.min_interval;
    let slot = {
        let mut last = lock(&state.last_probe);
        if let Some(at) = last.get(&key) {
            let since = at.elapsed();
            if since < min_interval {
                drop(last);
                state.reject(Rejection::RateLimited);
                let left = (min_interval - since).as_secs_f64().ceil().max(1.0) as u64;
                return with_header(
                    text(
                        StatusCode::TOO_MANY_REQUESTS,
                        format!(
                            "too soon: this target was probed with module {} {:.1}s ago; {left}s left of min_interval",
                            q.module,
                            since.as_secs_f64()
                        ),
                    ),
                    RETRY_AFTER,
                    &left.to_string(),
                );
            }
        }
        let Some(slot) = state.try_slot(config.limits.max_in_flight) else {
            drop(last);
            state.reject(Rejection::OverCapacity);
            return with_header(
                text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    format!(
                        "busy: {} probes in flight (max_in_flight)",
                        config.limits.max_in_flight
                    ),
                ),
                RETRY_AFTER,
                "1",
            );
        };
        if last.len() >= MAX_REMEMBERED {
            last.retain(|_, at| at.elapsed() < min_interval);
            if last.len() >= MAX_REMEMBERED {
                last.clear();
            }
        }
        last.insert(key, Instant::now());
        slot
    };
    let header = req
        .headers()
        .get("x-prometheus-scrape-timeout-seconds")
        .and_then(|v| v.to_str().ok());
    let budget = deadline(
        header,
        config.limits.timeout_offset,
        module.timeout,
        config.limits.max_timeout,
    );
    let check = match module.check_for(&q.target, q.debug) {
        Ok(c) => c,
        Err(why) => {
            drop(slot);
            eprintln!("smtping serve: module {}: {}", q.module, escape_line(&why));
            return text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("module {}: {}", q.module, escape_line(&why)),
            );
        }
    };
    let started = Instant::now();
    let outcome = tokio::time::timeout(budget, check.run()).await;
    let elapsed = started.elapsed();
    drop(slot);
    let mut report = outcome.ok();
    if let (Some(h), Some(r)) = (&config.history, report.as_ref()) {
        record(h.clone(), r.clone()).await;
    }
    if let Some(r) = report.as_mut() {
        if let Ok(t) = module.args.thresholds() {
            t.apply(r);
        }
        if q.debug {
            crate::redact::apply(r, module.args.from.as_deref(), &module.args.to);
            crate::check::redact_follow(r);
        }
    }
    let result = match &report {
        None => ProbeResult::Timeout,
        Some(r) if metrics::success(Some(r)) => ProbeResult::Success,
        Some(_) => ProbeResult::Failure,
    };
    *lock(&state.counters)
        .probes
        .entry((q.module.clone(), result))
        .or_default() += 1;
    if !state.quiet {
        eprintln!(
            "smtping serve: probe module={} target={} result={} verdict={} duration={:.3}s",
            q.module,
            log_target(&q.target),
            result.as_str(),
            report.as_ref().map_or("none", |r| r.verdict.as_str()),
            elapsed.as_secs_f64()
        );
    }
    if q.debug {
        let body = match &report {
            Some(r) => crate::render::json(r) + "\n",
            None => format!(
                "{{\"error\":{{\"stage\":\"probe\",\"kind\":\"timeout\",\"message\":\"the probe ran out of its {:.3} s deadline\"}}}}\n",
                budget.as_secs_f64()
            ),
        };
        let mut r = Response::new(Full::new(Bytes::from(body)));
        r.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return r;
    }
    exposition(metrics::probe(report.as_ref(), report.is_none(), elapsed))
}

/// Stores a probe's report in the history (`[history] record = true`), off the async
/// threads (SQLite may wait for another writer); a failure is one line on stderr, never a
/// failed probe.
async fn record(settings: super::config::HistorySettings, report: smtping_client::Report) {
    let stored = tokio::task::spawn_blocking(move || {
        crate::history::History::open(&settings.file)
            .and_then(|mut h| h.record(&report, settings.full).map(|_| ()))
    })
    .await;
    let why = match stored {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(e) => e.to_string(),
    };
    eprintln!(
        "smtping serve: warning: the probe was not recorded: {}",
        escape_line(&why)
    );
}

#[cfg(test)]
mod tests;
