//! The follow-through's seeds from the command line (`--seed`, `--seeds FILE`, the
//! password sources), shared by `smtping check`, and `smtping inbox`: the follow-through
//! alone, for a message SMTPing did not send.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smtping_client::ConnectTo;
use smtping_client::facts::FollowFacts;
use smtping_client::follow::{FollowResult, FollowThrough, Password, SeedUrl, SeedsFile};
use smtping_client::tls::TlsOptions;

use crate::args::SeedArgs;
use crate::check::UsageError;

/// Where and how the seeds are reached: the options every connection of the command
/// shares (`--ca-file`, `--connect-to`, `--resolver`, `--require-tls`).
pub(crate) struct SeedReach<'a> {
    pub(crate) ca_files: &'a [PathBuf],
    pub(crate) connect_to: &'a [ConnectTo],
    pub(crate) resolvers: &'a [SocketAddr],
    pub(crate) require_tls: bool,
}

/// The follow-through the seed options describe (`None` without seeds or a bounce
/// mailbox). Every password is read here, once; a missing source is a usage error that
/// says what to give. `bounce` is `smtping check --bounce-mailbox`.
pub(crate) fn follow_through(
    seed: &SeedArgs,
    reach: &SeedReach<'_>,
    base: FollowThrough,
    bounce: Option<&str>,
) -> Result<Option<FollowThrough>, UsageError> {
    if !seed.any() && bounce.is_none() {
        if seed.seed_password_env.is_some() || seed.seed_password_file.is_some() {
            return Err(UsageError(
                "--seed-password-env/--seed-password-file need a --seed URL".into(),
            ));
        }
        if seed.seed_cleanup {
            return Err(UsageError(
                "--seed-cleanup needs a --seed URL or --seeds FILE".into(),
            ));
        }
        return Ok(None);
    }
    let mut ft = base
        .timeout(seed.seed_timeout)
        .cleanup(seed.seed_cleanup)
        .require_tls(reach.require_tls)
        .connect_to(reach.connect_to.to_vec())
        .resolvers(reach.resolvers.to_vec());
    let mut tls = TlsOptions::default();
    for f in reach.ca_files {
        tls = tls.ca_file(f.clone());
    }
    ft = ft.tls_options(tls);
    if !seed.seed.is_empty() {
        let password = match (&seed.seed_password_env, &seed.seed_password_file) {
            (Some(var), _) => Password::from_env(var),
            (None, Some(path)) => Password::from_file(path),
            (None, None) => {
                return Err(UsageError(
                    "--seed needs --seed-password-env VAR or --seed-password-file FILE (passwords are never taken on the command line)".into(),
                ));
            }
        }
        .map_err(|e| UsageError(format!("--seed password: {e}")))?;
        for url in &seed.seed {
            let parsed = SeedUrl::parse(url).map_err(|e| UsageError(format!("--seed: {e}")))?;
            ft = ft.seed(parsed, password.clone());
        }
    }
    let file = match &seed.seeds_file {
        Some(path) => Some(SeedsFile::load(path).map_err(|e| UsageError(format!("--seeds: {e}")))?),
        None => None,
    };
    ft = bounce_mailbox(ft, seed, bounce, file.as_ref())?;
    if let (Some(path), Some(file)) = (&seed.seeds_file, file) {
        if file.seeds.is_empty() && !ft.has_mailboxes() {
            return Err(UsageError(format!(
                "--seeds {}: the file names no [[seed]]",
                path.display()
            )));
        }
        for entry in file.seeds {
            let password = entry
                .password
                .read()
                .map_err(|e| UsageError(format!("--seeds {}: {e}", entry.url)))?;
            ft = ft.seed(entry.url, password);
        }
    }
    Ok(Some(ft))
}

/// The bounce mailbox: `--bounce-mailbox URL`, else the seeds file's `[bounce]`; its
/// password from the file's entry for that mailbox, else `--seed-password-env/-file`.
fn bounce_mailbox(
    ft: FollowThrough,
    seed: &SeedArgs,
    bounce: Option<&str>,
    file: Option<&SeedsFile>,
) -> Result<FollowThrough, UsageError> {
    let url = match bounce {
        Some(u) => SeedUrl::parse(u).map_err(|e| UsageError(format!("--bounce-mailbox: {e}")))?,
        None => match file.and_then(|f| f.bounce.as_ref()) {
            Some(entry) => entry.url.clone(),
            None => return Ok(ft),
        },
    };
    let password = match file.and_then(|f| f.password_for(&url)) {
        Some(source) => source.read(),
        None => match (&seed.seed_password_env, &seed.seed_password_file) {
            (Some(var), _) => Password::from_env(var),
            (None, Some(path)) => Password::from_file(path),
            (None, None) => {
                return Err(UsageError(
                    "--bounce-mailbox needs a password source: --seed-password-env VAR, --seed-password-file FILE, or a [bounce] entry in the --seeds file (passwords are never taken on the command line)".into(),
                ));
            }
        },
    }
    .map_err(|e| UsageError(format!("--bounce-mailbox password: {e}")))?;
    Ok(ft.bounce_mailbox(url, password))
}

/// Arguments of `smtping inbox`.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = "\
Examples:
  smtping inbox --seed imaps://alice%40example.org@imap.example.org \\
      --seed-password-env SEED_PW --message-id '<reset-123@app.example.org>'
  smtping inbox --seeds seeds.toml --subject 'Password reset' --from noreply@app.example.org \\
      --since 2h --json

Exit codes: 0 found in INBOX, 1 found in a junk folder, 2 not found or a seed error,
3 bad arguments.")]
pub(crate) struct InboxArgs {
    /// The seed mailboxes.
    #[command(flatten)]
    pub(crate) seed: SeedArgs,

    /// Look for the message with this Message-ID (angle brackets optional).
    #[arg(long, value_name = "ID", conflicts_with_all = ["subject", "from", "since"], required_unless_present_any = ["subject", "from"])]
    pub(crate) message_id: Option<String>,

    /// Look for the newest message whose Subject contains this.
    #[arg(long, value_name = "TEXT")]
    pub(crate) subject: Option<String>,

    /// … and whose From contains this.
    #[arg(long, value_name = "TEXT")]
    pub(crate) from: Option<String>,

    /// … that arrived within this long (e.g. 30m, 12h, 2d; default 1d).
    #[arg(long, value_name = "DURATION", value_parser = parse_since)]
    pub(crate) since: Option<Duration>,

    /// Extra trust anchors (PEM) for the IMAP servers; repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Vec<PathBuf>,

    /// Reach HOST:PORT at HOST2:PORT2 instead (curl's meaning, repeatable).
    #[arg(long = "connect-to", value_name = "HOST:PORT:HOST2:PORT2", value_parser = parse_connect_to)]
    pub(crate) connect_to: Vec<ConnectTo>,

    /// DNS server for the seed hosts (IP, IP:PORT or [IPv6]:PORT); repeatable.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_resolver)]
    pub(crate) resolver: Vec<SocketAddr>,

    /// Refuse imap:// seeds that do not offer STARTTLS.
    #[arg(long)]
    pub(crate) require_tls: bool,

    /// Print the follow-through as one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

fn parse_connect_to(s: &str) -> Result<ConnectTo, String> {
    s.parse()
        .map_err(|e: smtping_client::ConnectToError| e.to_string())
}

fn parse_resolver(s: &str) -> Result<SocketAddr, String> {
    smtping_proto::dns::ResolverConfig::parse_server(s).map_err(|e| e.to_string())
}

/// `30m`, `12h`, `2d`, `90s` (at most 400 days).
fn parse_since(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 30m, 12h, 2d)"))?;
    let secs = match unit {
        "s" => n,
        "m" | "" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (s, m, h or d)")),
    };
    if secs == 0 || secs > 400 * 86_400 {
        return Err(format!("{s:?} is out of range (1s to 400d)"));
    }
    Ok(Duration::from_secs(secs))
}

/// The civil date (UTC) of a time, for IMAP SEARCH SINCE.
fn civil_date(t: SystemTime) -> (i32, u32, u32) {
    // Howard Hinnant's days_from_civil inverse.
    let days = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs() / 86_400).unwrap_or(0));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        i32::try_from(year).unwrap_or(1970),
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// For a message SMTPing did not send: from its `Date` to its arrival in the mailbox
/// (the server's INTERNALDATE), in milliseconds; `None` when either is missing or
/// unreadable, or the Date is in the future of the arrival (a wrong clock).
fn delivery_latency(seed: &smtping_client::follow::SeedResult) -> Option<u64> {
    let arrived = chrono::DateTime::parse_from_rfc3339(seed.internal_date.as_deref()?).ok()?;
    let date = seed
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("Date"))?;
    let sent = chrono::DateTime::parse_from_rfc2822(date.value.trim()).ok()?;
    u64::try_from((arrived - sent).num_milliseconds()).ok()
}

/// The exit code of `smtping inbox`: 0 found in INBOX everywhere, 1 found (some in a junk
/// folder), 2 not found or an error.
fn exit_code(result: &FollowResult) -> i32 {
    if !result.all_found() {
        2
    } else if result.seeds.iter().any(|s| s.junk) {
        1
    } else {
        0
    }
}

/// Runs `smtping inbox`; returns the exit code.
pub(crate) fn run(args: &InboxArgs) -> Result<i32, UsageError> {
    if !args.seed.any() {
        return Err(UsageError(
            "give a seed mailbox: --seed URL (with --seed-password-env or --seed-password-file) or --seeds FILE".into(),
        ));
    }
    let base = match &args.message_id {
        Some(id) if id.trim().is_empty() => {
            return Err(UsageError("--message-id is empty".into()));
        }
        Some(id) => FollowThrough::new(id.trim()),
        None => {
            let since = SystemTime::now()
                .checked_sub(args.since.unwrap_or(Duration::from_secs(86_400)))
                .unwrap_or(UNIX_EPOCH);
            FollowThrough::search(
                args.subject.clone(),
                args.from.clone(),
                Some(civil_date(since)),
            )
        }
    };
    let reach = SeedReach {
        ca_files: &args.ca_file,
        connect_to: &args.connect_to,
        resolvers: &args.resolver,
        require_tls: args.require_tls,
    };
    let Some(ft) = follow_through(&args.seed, &reach, base, None)? else {
        return Err(UsageError("give a seed mailbox".into()));
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    // On a terminal: what is being waited for and how long is left (the search polls until
    // it finds the message or its deadline).
    let progress = crate::progress::TerminalProgress::start().map(|(sink, display)| {
        use smtping_client::progress::{ProgressEvent, Wait, WaitKind};
        sink.emit(&ProgressEvent::Waiting(Wait::new(
            WaitKind::FollowThrough {
                mailboxes: ft.mailboxes().len(),
            },
            ft.timeout_value(),
        )));
        display
    });
    let mut result = runtime.block_on(ft.run(&smtping_client::runtime::tokio::Tokio));
    if let Some(p) = progress {
        p.finish();
    }
    for seed in &mut result.seeds {
        seed.latency_ms = delivery_latency(seed);
    }
    let code = exit_code(&result);
    let mut facts = FollowFacts::default();
    facts.result = Some(result);
    let mut info = smtping_client::assemble::follow_through_info(&facts);
    // No final dot here: the timeline's "accepted" entry means nothing for a message
    // SMTPing did not send.
    info.timeline
        .retain(|e| e.event != smtping_client::report::follow::FollowEvent::Accepted);
    let text = if args.json {
        term_json(&info)
    } else {
        crate::render::follow::card(&info, crate::check::color_ok())
    };
    let mut out = io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    Ok(code)
}

fn term_json(info: &smtping_client::report::follow::FollowThroughInfo) -> String {
    crate::render::term::json_string(info, true).unwrap_or_else(|e| {
        format!("{{\"error\":{{\"stage\":\"output\",\"kind\":\"internal\",\"message\":\"{e}\"}}}}")
    }) + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(UNIX_EPOCH), (1970, 1, 1));
        let t = UNIX_EPOCH + Duration::from_secs(1_795_843_800); // 28 Nov 2026
        assert_eq!(civil_date(t), (2026, 11, 28));
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 29 Feb 2000
        assert_eq!(civil_date(leap), (2000, 2, 29));
    }

    #[test]
    fn since_durations() {
        assert_eq!(parse_since("2d"), Ok(Duration::from_secs(172_800)));
        assert_eq!(parse_since("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_since("30"), Ok(Duration::from_secs(1800)));
        assert!(parse_since("0d").is_err());
        assert!(parse_since("1w").is_err());
        assert!(parse_since("999d").is_err());
    }
}
