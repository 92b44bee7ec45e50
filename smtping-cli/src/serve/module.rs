//! A `[modules.NAME]` table → the check's arguments.
//!
//! Each key is a long option of `smtping check` with `_` for `-`, and the table is parsed by
//! the check's own clap definition (`--key-with-dashes=value`; `true` is the bare flag,
//! `false` leaves it out, an array repeats the option), so every check option is a module key
//! and there is no second list to keep in sync. A module also takes `timeout`, the longest
//! one probe with it may run.

use std::time::Duration;

use clap::Parser;

use super::config::ConfigError;
use crate::args::CheckArgs;

/// Keys refused in a module, with the reason.
const REFUSED: &[(&str, &str)] = &[
    (
        "target",
        "the target comes from the probe's ?target= parameter",
    ),
    ("targets", "one probe checks one target (?target=)"),
    (
        "json",
        "the exporter chooses the output (debug=true gives JSON)",
    ),
    (
        "jsonl",
        "the exporter chooses the output (debug=true gives JSON)",
    ),
    (
        "format",
        "the exporter chooses the output (debug=true gives JSON)",
    ),
    (
        "transcript",
        "the exporter chooses the output (debug=true gives JSON)",
    ),
    ("record", "the exporter does not record to the history"),
    ("record_full", "the exporter does not record to the history"),
    ("history", "the exporter does not record to the history"),
    ("concurrency", "a batch option; one probe checks one target"),
    ("per_host", "a batch option; one probe checks one target"),
    (
        "per_host_interval",
        "a batch option; one probe checks one target",
    ),
];

/// Keys that would hold a password inline.
const INLINE_SECRETS: &[&str] = &["auth_password", "password", "seed_password", "secret"];

/// A stand-in target while parsing (the probe gives the real one to `check::build`).
const PLACEHOLDER: &str = "module.invalid";

/// The clap command a module is parsed with: exactly `smtping check`'s options.
#[derive(Debug, Parser)]
#[command(name = "module", no_binary_name = true)]
struct ModuleCli {
    #[command(flatten)]
    check: CheckArgs,
}

/// One module: the check's options and the serve-only `timeout`.
#[derive(Clone, Debug)]
pub(crate) struct Module {
    /// The module's name.
    pub(crate) name: String,
    /// The check's arguments (the target is a placeholder; see `check::build`).
    pub(crate) args: CheckArgs,
    /// The longest a probe with this module runs (`timeout = "15s"`).
    pub(crate) timeout: Option<Duration>,
}

impl Module {
    /// The built-in `default`: the check's defaults, quitting after TLS.
    pub(crate) fn builtin_default() -> Result<Self, ConfigError> {
        Ok(Self {
            name: "default".into(),
            args: parse("default", vec!["--quit-after=tls".into()], &[])?,
            timeout: None,
        })
    }

    /// The module of a `[modules.NAME]` table.
    pub(crate) fn from_table(name: &str, table: &toml::Table) -> Result<Self, ConfigError> {
        let key_error = |key: &str, why: String| ConfigError::ModuleKey {
            module: name.to_owned(),
            key: key.to_owned(),
            why,
        };
        let mut argv = Vec::new();
        let mut keys = Vec::new();
        let mut timeout = None;
        for (key, value) in table {
            if key == "timeout" {
                timeout = Some(super::config::duration(
                    &format!("module {name:?}, key \"timeout\""),
                    value,
                    false,
                )?);
                continue;
            }
            if let Some((_, why)) = REFUSED.iter().find(|(k, _)| k == key) {
                return Err(key_error(key, format!("not a module key: {why}")));
            }
            if INLINE_SECRETS.contains(&key.as_str()) {
                return Err(key_error(
                    key,
                    "passwords are never written in the config: use auth_password_env / auth_password_file (seed_password_env / seed_password_file for seeds)".into(),
                ));
            }
            if key.is_empty()
                || !key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            {
                return Err(key_error(
                    key,
                    "a key is a check option in lower case with '_' for '-' (e.g. quit_after)"
                        .into(),
                ));
            }
            let option = format!("--{}", key.replace('_', "-"));
            let before = argv.len();
            push_value(&mut argv, &option, value).map_err(|why| key_error(key, why))?;
            keys.extend(std::iter::repeat_n(key.clone(), argv.len() - before));
        }
        let args = parse(name, argv, &keys)?;
        Ok(Self {
            name: name.to_owned(),
            args,
            timeout,
        })
    }

    /// Builds the module's check once for a stand-in target: every value the check parses
    /// later (addresses, names, key and CA files, password sources) is checked at start-up.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        self.check_for("192.0.2.1", false)
            .map(|_| ())
            .map_err(|e| ConfigError::Module {
                module: self.name.clone(),
                why: e,
            })
    }

    /// The check of this module for `target` (the password read now, so a rotated
    /// password file is picked up), with `--redact` when `redact`; the error is one line.
    pub(crate) fn check_for(
        &self,
        target: &str,
        redact: bool,
    ) -> Result<smtping_client::Check, String> {
        let mut args = self.args.clone();
        args.redact |= redact;
        args.thresholds()?;
        crate::check::validate_ca_files(&args).map_err(|e| e.0)?;
        let secret = crate::check::read_secret(&args).map_err(|e| e.0)?;
        crate::check::build(&args, target, secret.as_deref().map(String::as_str)).map_err(|e| e.0)
    }
}

/// `option=value` arguments for one key's value.
fn push_value(argv: &mut Vec<String>, option: &str, value: &toml::Value) -> Result<(), String> {
    match value {
        toml::Value::Boolean(true) => argv.push(option.to_owned()),
        toml::Value::Boolean(false) => {}
        toml::Value::Array(items) => {
            for item in items {
                if matches!(
                    item,
                    toml::Value::Array(_) | toml::Value::Table(_) | toml::Value::Boolean(_)
                ) {
                    return Err("an array holds strings or numbers".into());
                }
                push_value(argv, option, item)?;
            }
        }
        toml::Value::String(s) => argv.push(format!("{option}={s}")),
        toml::Value::Integer(n) => argv.push(format!("{option}={n}")),
        toml::Value::Float(f) => argv.push(format!("{option}={f}")),
        toml::Value::Datetime(_) | toml::Value::Table(_) => {
            return Err("should be a string, number, boolean or array".into());
        }
    }
    Ok(())
}

/// Parses a module's arguments with the check's clap definition; an error names the key.
fn parse(module: &str, argv: Vec<String>, keys: &[String]) -> Result<CheckArgs, ConfigError> {
    let full = std::iter::once(PLACEHOLDER.to_owned()).chain(argv.iter().cloned());
    match ModuleCli::try_parse_from(full) {
        Ok(cli) => Ok(cli.check),
        Err(e) => {
            let why = crate::usage_line(&e.render().to_string(), None);
            let why = why
                .strip_prefix("smtping: ")
                .unwrap_or(&why)
                .trim_end_matches("; see smtping --help")
                .to_owned();
            let invalid = e
                .get(clap::error::ContextKind::InvalidArg)
                .map(ToString::to_string)
                .unwrap_or_default();
            // The key whose option clap names (`--ca-file <FILE>` → ca_file).
            let key = keys.iter().find(|k| {
                let opt = format!("--{}", k.replace('_', "-"));
                invalid == opt
                    || invalid.starts_with(&format!("{opt} "))
                    || invalid.starts_with(&format!("{opt}="))
            });
            Err(match key {
                Some(key) => ConfigError::ModuleKey {
                    module: module.to_owned(),
                    key: key.clone(),
                    why,
                },
                None => ConfigError::Module {
                    module: module.to_owned(),
                    why,
                },
            })
        }
    }
}

#[cfg(test)]
mod tests;
