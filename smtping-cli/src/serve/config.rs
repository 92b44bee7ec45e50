//! The `smtping serve --config FILE` TOML: `[limits]`, `allow_targets` and `[modules.NAME]`.
//!
//! ```toml
//! allow_targets = ["mx.example.org", "*.example.net", "127.0.0.0/8"]
//!
//! [limits]
//! max_in_flight = 8       # probes running at once; more get 503
//! min_interval = "10s"    # per target and module; sooner gets 429
//! timeout_offset = "0.5s" # taken off X-Prometheus-Scrape-Timeout-Seconds
//! max_timeout = "20s"     # cap of every probe's deadline
//!
//! [modules.starttls]
//! tls = "starttls"
//! quit_after = "tls"
//! ca_file = "/etc/smtping/ca.pem"
//! ```
//!
//! Every error names the table and the key, and the whole file is refused: a reload with a
//! bad file keeps the configuration in force.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::module::Module;

/// Largest config file read.
const MAX_CONFIG: u64 = 1024 * 1024;
/// Longest module name (it becomes a label value and a query parameter).
const MAX_MODULE_NAME: usize = 64;
/// Most `allow_targets` entries.
const MAX_ALLOW: usize = 10_000;

/// Why a configuration was refused.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is over [`MAX_CONFIG`].
    #[error("the config file {} is over 1 MiB", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Not TOML.
    #[error("the config is not valid TOML: {0}")]
    Syntax(String),
    /// A key this file does not have.
    #[error("unknown key {key:?} in {table} (known: {known})")]
    UnknownKey {
        /// Where (`the top level`, `[limits]`).
        table: &'static str,
        /// The key.
        key: String,
        /// The keys that exist there.
        known: &'static str,
    },
    /// A value of the wrong type or out of range.
    #[error("{at}: {why}")]
    Value {
        /// `[limits] max_in_flight`, `allow_targets[2]`, …
        at: String,
        /// What is wrong and what is expected.
        why: String,
    },
    /// A module key that is not a check option, or a value the check refuses.
    #[error("module {module:?}, key {key:?}: {why}")]
    ModuleKey {
        /// The module.
        module: String,
        /// The key as written.
        key: String,
        /// Why.
        why: String,
    },
    /// The module's options together do not make a check.
    #[error("module {module:?}: {why}")]
    Module {
        /// The module.
        module: String,
        /// Why.
        why: String,
    },
}

/// The limits that keep a misconfigured scrape from hammering a server or the exporter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// Probes running at once; one more is answered 503.
    pub(crate) max_in_flight: usize,
    /// The shortest time between two probes of one target with one module (429 sooner).
    pub(crate) min_interval: Duration,
    /// Taken off the scrape timeout Prometheus sends, to leave time for the answer.
    pub(crate) timeout_offset: Duration,
    /// The longest any probe may run, whatever the scrape timeout says.
    pub(crate) max_timeout: Option<Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_in_flight: 8,
            min_interval: Duration::from_secs(10),
            timeout_offset: Duration::from_millis(500),
            max_timeout: None,
        }
    }
}

/// One `allow_targets` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AllowRule {
    /// A host or domain name, lower case, no trailing dot; or an IP address.
    Exact(String),
    /// `*.example.net`: any name under `.example.net` (not `example.net` itself).
    Suffix(String),
    /// An IP network (`127.0.0.0/8`, `2001:db8::/32`).
    Net(IpAddr, u8),
}

impl AllowRule {
    fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_end_matches('.').to_ascii_lowercase();
        if t.is_empty() {
            return Err("an empty entry".into());
        }
        if let Some((ip, len)) = t.split_once('/') {
            let ip: IpAddr = ip
                .parse()
                .map_err(|_| format!("{s:?}: {ip:?} is not an IP address"))?;
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let len: u8 = len
                .parse()
                .ok()
                .filter(|l| *l <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?;
            return Ok(Self::Net(ip, len));
        }
        if let Ok(ip) = t.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(Self::Net(ip, if ip.is_ipv4() { 32 } else { 128 }));
        }
        let (suffix, name) = match t.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, t.as_str()),
        };
        let ok = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && l.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !ok {
            return Err(format!(
                "{s:?} is not a host name, *.domain, IP address or IP/prefix"
            ));
        }
        Ok(if suffix {
            Self::Suffix(format!(".{name}"))
        } else {
            Self::Exact(name.to_owned())
        })
    }

    fn matches(&self, host: &str, ip: Option<IpAddr>) -> bool {
        match (self, ip) {
            (Self::Net(net, len), Some(ip)) => in_net(ip, *net, *len),
            (Self::Net(..), None) => false,
            (Self::Exact(name), None) => host == name,
            (Self::Suffix(suffix), None) => host.ends_with(suffix.as_str()),
            (Self::Exact(_) | Self::Suffix(_), Some(_)) => false,
        }
    }
}

fn in_net(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    let (ip, net, bits) = match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (
            u128::from(u32::from(a)) << 96,
            u128::from(u32::from(b)) << 96,
            len,
        ),
        (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), len),
        // An IPv4-mapped IPv6 address against an IPv4 network.
        (IpAddr::V6(a), IpAddr::V4(b)) => match a.to_ipv4_mapped() {
            Some(a) => (
                u128::from(u32::from(a)) << 96,
                u128::from(u32::from(b)) << 96,
                len,
            ),
            None => return false,
        },
        (IpAddr::V4(_), IpAddr::V6(_)) => return false,
    };
    if bits == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(bits));
    ip & mask == net & mask
}

/// The `allow_targets` list: a probe's target must match one entry (by its host: the name as
/// given, or the IP address; a name is not resolved to match a network).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct AllowList(pub(crate) Vec<AllowRule>);

impl AllowList {
    /// Whether a target with this host (a name, or an IP address literal) is allowed.
    pub(crate) fn allows(&self, host: &str) -> bool {
        let host = host
            .trim_matches(['[', ']'])
            .trim_end_matches('.')
            .to_ascii_lowercase();
        let ip = host.parse::<IpAddr>().ok();
        self.0.iter().any(|r| r.matches(&host, ip))
    }
}

/// A whole configuration.
#[derive(Debug)]
pub(crate) struct Config {
    /// `[limits]`.
    pub(crate) limits: Limits,
    /// `allow_targets` (`None`: any target).
    pub(crate) allow: Option<AllowList>,
    /// `[modules.NAME]`, with the built-in `default` unless the file defines one.
    pub(crate) modules: BTreeMap<String, Module>,
    /// `[history]`: store every probe's report, as `smtping check --record` does.
    pub(crate) history: Option<HistorySettings>,
}

/// `[history] record = true`, `file = "…"` (default: the history `smtping check --record`
/// uses), `full = false` (true keeps address local parts, as `--record-full`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HistorySettings {
    /// The SQLite file, resolved and opened (migrated, checked) when the config is loaded.
    pub(crate) file: std::path::PathBuf,
    /// Keep address local parts.
    pub(crate) full: bool,
}

fn history(value: &toml::Value) -> Result<Option<HistorySettings>, ConfigError> {
    let Some(table) = value.as_table() else {
        return Err(ConfigError::Value {
            at: "history".into(),
            why: "should be a table: [history]".into(),
        });
    };
    let (mut record, mut file, mut full) = (false, None, false);
    for (key, v) in table {
        let at = format!("[history] {key}");
        let flag = |v: &toml::Value| {
            v.as_bool().ok_or_else(|| ConfigError::Value {
                at: at.clone(),
                why: "should be true or false".into(),
            })
        };
        match key.as_str() {
            "record" => record = flag(v)?,
            "full" => full = flag(v)?,
            "file" => {
                file = Some(std::path::PathBuf::from(v.as_str().ok_or_else(|| {
                    ConfigError::Value {
                        at: at.clone(),
                        why: "should be a file name".into(),
                    }
                })?));
            }
            _ => {
                return Err(ConfigError::UnknownKey {
                    table: "[history]",
                    key: key.clone(),
                    known: "record, file, full",
                });
            }
        }
    }
    if !record {
        return Ok(None);
    }
    let history_error = |e: crate::history::HistoryError| ConfigError::Value {
        at: "[history]".into(),
        why: e.to_string(),
    };
    let path = crate::history::resolve_path(file.as_deref(), true).map_err(history_error)?;
    // Opened now: a damaged or foreign file stops start-up (or the reload), not a probe;
    // the retention of `--record` applies here too.
    crate::history::History::open(&path)
        .and_then(|mut h| h.purge(crate::history::DEFAULT_RETENTION).map(|_| ()))
        .map_err(history_error)?;
    Ok(Some(HistorySettings { file: path, full }))
}

impl Config {
    /// The configuration without a file: default limits, any target, module `default`.
    pub(crate) fn builtin() -> Result<Self, ConfigError> {
        let mut modules = BTreeMap::new();
        modules.insert("default".to_owned(), Module::builtin_default()?);
        Ok(Self {
            limits: Limits::default(),
            allow: None,
            modules,
            history: None,
        })
    }

    /// Reads and checks `path` (every module is built once, so its files and password
    /// sources are checked now, not at the first probe).
    pub(crate) fn load(path: &Path) -> Result<Self, ConfigError> {
        use std::io::Read;
        let read = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let mut text = String::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_CONFIG + 1).read_to_string(&mut text))
            .map_err(read)?;
        if text.len() as u64 > MAX_CONFIG {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
            });
        }
        Self::parse(&text)
    }

    /// Parses and checks a configuration's text.
    pub(crate) fn parse(text: &str) -> Result<Self, ConfigError> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(one_line(&e.to_string())))?;
        let mut config = Self::builtin()?;
        for (key, value) in &table {
            match key.as_str() {
                "limits" => config.limits = limits(value)?,
                "allow_targets" => config.allow = Some(allow_list(value)?),
                "history" => config.history = history(value)?,
                "modules" => {
                    let Some(modules) = value.as_table() else {
                        return Err(ConfigError::Value {
                            at: "modules".into(),
                            why: "should be tables: [modules.NAME]".into(),
                        });
                    };
                    for (name, body) in modules {
                        check_module_name(name)?;
                        let Some(body) = body.as_table() else {
                            return Err(ConfigError::Value {
                                at: format!("modules.{name}"),
                                why: "should be a table of check options".into(),
                            });
                        };
                        let module = Module::from_table(name, body)?;
                        module.validate()?;
                        config.modules.insert(name.clone(), module);
                    }
                }
                _ => {
                    return Err(ConfigError::UnknownKey {
                        table: "the top level",
                        key: key.clone(),
                        known: "limits, allow_targets, modules, history",
                    });
                }
            }
        }
        Ok(config)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_module_name(name: &str) -> Result<(), ConfigError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_MODULE_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ConfigError::Value {
            at: format!("modules.{name:?}"),
            why: format!(
                "a module name is 1 to {MAX_MODULE_NAME} letters, digits, '_', '-' or '.'"
            ),
        })
    }
}

fn limits(value: &toml::Value) -> Result<Limits, ConfigError> {
    let Some(table) = value.as_table() else {
        return Err(ConfigError::Value {
            at: "limits".into(),
            why: "should be a table: [limits]".into(),
        });
    };
    let mut limits = Limits::default();
    for (key, v) in table {
        let at = format!("[limits] {key}");
        match key.as_str() {
            "max_in_flight" => {
                limits.max_in_flight = v
                    .as_integer()
                    .filter(|n| (1..=1024).contains(n))
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(|| ConfigError::Value {
                        at,
                        why: "should be a whole number from 1 to 1024".into(),
                    })?;
            }
            "min_interval" => limits.min_interval = duration(&at, v, true)?,
            "timeout_offset" => limits.timeout_offset = duration(&at, v, true)?,
            "max_timeout" => limits.max_timeout = Some(duration(&at, v, false)?),
            _ => {
                return Err(ConfigError::UnknownKey {
                    table: "[limits]",
                    key: key.clone(),
                    known: "max_in_flight, min_interval, timeout_offset, max_timeout",
                });
            }
        }
    }
    Ok(limits)
}

/// A duration: `"10s"`, `"500ms"`, `"2m"` (as the check's options), or a number of
/// seconds; `0` only where `zero` allows it. At most one hour.
pub(crate) fn duration(at: &str, v: &toml::Value, zero: bool) -> Result<Duration, ConfigError> {
    let bad = |why: String| ConfigError::Value {
        at: at.to_owned(),
        why,
    };
    let secs = match v {
        toml::Value::Integer(n) => *n as f64,
        toml::Value::Float(f) => *f,
        toml::Value::String(s) => {
            let t = s.trim();
            let num = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
            if num.parse::<f64>() == Ok(0.0) && matches!(&t[num.len()..], "" | "s" | "ms" | "m") {
                0.0
            } else {
                return crate::args::parse_duration(t).map_err(bad);
            }
        }
        _ => {
            return Err(bad(
                "should be a duration such as \"10s\" or \"500ms\"".into()
            ));
        }
    };
    if secs == 0.0 && zero {
        return Ok(Duration::ZERO);
    }
    if !(0.001..=3600.0).contains(&secs) {
        return Err(bad(format!(
            "{secs} s is out of range ({}1ms to 1h)",
            if zero { "0 or " } else { "" }
        )));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn allow_list(value: &toml::Value) -> Result<AllowList, ConfigError> {
    let Some(items) = value.as_array() else {
        return Err(ConfigError::Value {
            at: "allow_targets".into(),
            why: "should be an array of names, *.domains, IPs or IP/prefix networks".into(),
        });
    };
    if items.len() > MAX_ALLOW {
        return Err(ConfigError::Value {
            at: "allow_targets".into(),
            why: format!("at most {MAX_ALLOW} entries"),
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("allow_targets[{i}]");
            let s = item.as_str().ok_or_else(|| ConfigError::Value {
                at: at.clone(),
                why: "should be a string".into(),
            })?;
            AllowRule::parse(s).map_err(|why| ConfigError::Value { at, why })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(AllowList)
}

#[cfg(test)]
mod tests;
