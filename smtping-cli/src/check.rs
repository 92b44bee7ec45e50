//! `smtping check`: one target, or a batch with `--targets FILE`.

use std::io::{self, IsTerminal, Write};

use smtping_client::net::dns::IpFamilies;
use smtping_client::{Check, Report, Target, TlsMode};
use smtping_proto::sasl::Credentials;
use smtping_proto::session::QuitAfter;
use smtping_proto::{Address, AuthMechanism, Domain};

use crate::args::{CheckArgs, Format};
use crate::render;
use crate::render::card::{CardStyle, card};
use crate::thresholds::Thresholds;

mod batch;

/// Exit code for bad arguments and internal errors.
pub(crate) const EXIT_UNKNOWN: i32 = 3;

/// A user mistake, reported with exit code 3.
#[derive(Debug)]
pub(crate) struct UsageError(pub(crate) String);

/// Longest password file read.
const MAX_SECRET: u64 = 16 * 1024;
/// Largest `--body-size` (16 GiB): the protocol core's cap on a generated test message
/// (it is streamed filler, so memory does not grow with it; no real server takes more).
pub(crate) const MAX_BODY_SIZE: u64 = smtping_proto::session::MAX_GENERATED_BODY;

/// The password, wiped from memory when dropped.
type Secret = zeroize::Zeroizing<String>;

pub(crate) fn read_secret(args: &CheckArgs) -> Result<Option<Secret>, UsageError> {
    if args.auth_user.is_none() {
        return Ok(None);
    }
    if let Some(var) = &args.auth_password_env {
        return match std::env::var(var) {
            Ok(v) if !v.is_empty() => Ok(Some(Secret::new(v))),
            Ok(_) => Err(UsageError(format!(
                "the environment variable {var} is empty"
            ))),
            Err(_) => Err(UsageError(format!(
                "the environment variable {var} is not set (it should hold the password)"
            ))),
        };
    }
    if let Some(path) = &args.auth_password_file {
        use std::io::Read;
        let mut text = Secret::new(String::new());
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_SECRET).read_to_string(&mut text))
            .map_err(|e| {
                UsageError(format!(
                    "cannot read the password file {}: {e}",
                    path.display()
                ))
            })?;
        let first = Secret::new(text.lines().next().unwrap_or("").to_owned());
        if first.is_empty() {
            return Err(UsageError(format!(
                "the password file {} is empty",
                path.display()
            )));
        }
        return Ok(Some(first));
    }
    Err(UsageError(
        "--auth-user needs --auth-password-env VAR or --auth-password-file FILE (passwords are never taken on the command line)".into(),
    ))
}

/// Builds the check for one target from the arguments (validating every user string).
pub(crate) fn build(
    args: &CheckArgs,
    target: &str,
    secret: Option<&str>,
) -> Result<Check, UsageError> {
    let mut target: Target = target
        .parse()
        .map_err(|e| UsageError(format!("target: {e}")))?;
    if let Some(port) = args.port {
        target = target.with_port(port);
    }
    if args.require_tls && args.tls == TlsMode::None {
        return Err(UsageError(
            "--require-tls contradicts --tls none: choose one".into(),
        ));
    }
    let mut check = Check::new(target)
        .tls(args.tls)
        .require_tls(args.require_tls)
        .strict_certificates(args.strict_tls)
        .connect_timeout(args.connect_timeout)
        .redact(args.redact)
        .relay_probe(args.relay_probe)
        .announce_size(!args.no_size)
        .pipelining(!args.no_pipelining);
    if let Some(p) = args.mx_port {
        check = check.mx_port(p);
    }
    for rule in &args.connect_to {
        check = check.connect_to(rule.clone());
    }
    if args.all_mx {
        check = check.all_mx(true);
    }
    if let Some(p) = &args.ports {
        check = check.ports(p.0.iter().copied());
    }
    if args.tls_scan {
        check = check.tls_scan(true);
    }
    if args.probe_enforcement {
        check = check.probe_enforcement(true);
    }
    if let Some(h) = &args.helo {
        let d = Domain::ehlo_name(h).map_err(|e| UsageError(format!("--helo: {e}")))?;
        check = check.helo(d);
    }
    if let Some(s) = &args.sni {
        smtping_client::tls::server_name_for(s, None)
            .map_err(|e| UsageError(format!("--sni: {e}")))?;
        check = check.sni(s.clone());
    }
    for f in &args.ca_file {
        check = check.ca_file(f.clone());
    }
    if let Some(t) = args.dns_timeout {
        check = check.dns_timeout(t);
    }
    if args.no_signals {
        check = check.signals(false);
    }
    if args.retry_deferred {
        let policy =
            smtping_client::RetryPolicy::new(args.retry_schedule.0.clone(), args.retry_deadline)
                .map_err(|e| UsageError(e.to_string()))?;
        check = check.retry_deferred(policy);
    }
    if args.trust_ad {
        check = check.trust_ad(true);
    }
    if args.no_dane {
        check = check.dane(false);
    }
    if let Some(ip) = args.sending_ip {
        check = check.sending_ip(ip);
    }
    if !args.dnsbl.is_empty() {
        let zones = smtping_signals::dnsbl::parse_zones(args.dnsbl.iter().map(String::as_str))
            .map_err(|e| UsageError(format!("--dnsbl: {e}")))?;
        check = check.dnsbl(zones);
    }
    for r in &args.resolver {
        check = check.resolver(*r);
    }
    if args.ipv4 {
        check = check.ip_families(IpFamilies::V4Only);
    } else if args.ipv6 {
        check = check.ip_families(IpFamilies::V6Only);
    }
    if let (Some(user), Some(secret)) = (&args.auth_user, secret) {
        check = check
            .auth(Credentials::new(user.clone(), secret.to_owned()))
            .allow_plaintext_auth(args.auth_plaintext)
            .allow_unverified_tls_auth(args.auth_insecure_tls);
        if let Some(m) = &args.auth_mechanism {
            check = check.auth_mechanism(AuthMechanism::from_name(m));
        }
    }
    if let Some(from) = &args.from {
        let from = Address::new(from).map_err(|e| UsageError(format!("--from: {e}")))?;
        let to = args
            .to
            .iter()
            .map(|t| Address::new(t).map_err(|e| UsageError(format!("--to {t:?}: {e}"))))
            .collect::<Result<Vec<_>, _>>()?;
        if to.iter().any(Address::is_null) {
            return Err(UsageError("--to cannot be the null address <>".into()));
        }
        check = check.envelope(from, to);
    }
    if let Some(q) = args.quit_after {
        check = check.quit_after(q);
    }
    if let Some(n) = &args.body_size {
        check = check.body_size(parse_body_size(n)?);
    }
    if let Some(d) = args.command_timeout {
        check = check.command_timeout(d);
    }
    if let Some(follow) = seed_follow(args)? {
        check = check.follow_through(follow);
    }
    if let Some(signer) = dkim_signer(args)? {
        check = check.dkim_signer(signer);
    }
    Ok(check)
}

/// `--redact` for the follow-through: the seed mailboxes' user (masked like an address) and
/// every address in what the receiver recorded (`***@example.org`).
pub(crate) fn redact_follow(report: &mut Report) {
    let Some(f) = report.follow_through.as_mut() else {
        return;
    };
    let bounce = f.bounce.as_ref().and_then(|b| b.mailbox.as_ref());
    let pairs: Vec<(String, String)> = f
        .seeds
        .iter()
        .map(|s| &s.mailbox)
        .chain(bounce)
        .filter_map(|mailbox| {
            let (scheme, rest) = mailbox.split_once("://")?;
            let (user, host) = rest.rsplit_once('@')?;
            let first = user.chars().next()?;
            Some((mailbox.clone(), format!("{scheme}://{first}…@{host}")))
        })
        .collect();
    let Ok(mut v) = serde_json::to_value(&*f) else {
        return;
    };
    fn walk(v: &mut serde_json::Value, pairs: &[(String, String)]) {
        match v {
            serde_json::Value::String(s) => {
                for (from, to) in pairs {
                    if s.contains(from.as_str()) {
                        *s = s.replace(from.as_str(), to);
                    }
                }
                let masked = smtping_proto::session::redact_addresses(s);
                if masked != *s {
                    *s = masked;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|x| walk(x, pairs)),
            serde_json::Value::Object(o) => o.values_mut().for_each(|x| walk(x, pairs)),
            _ => {}
        }
    }
    walk(&mut v, &pairs);
    if let Ok(back) = serde_json::from_value(v) {
        *f = back;
    }
}

/// `--dkim-key FILE --dkim-selector S [--dkim-domain D]` (the domain defaults to the
/// `--from` domain). The key is read here; errors name the file, never its content.
fn dkim_signer(
    args: &CheckArgs,
) -> Result<Option<smtping_client::dkim_sign::DkimSigner>, UsageError> {
    let Some(key) = &args.dkim_key else {
        return Ok(None);
    };
    let selector = args.dkim_selector.as_deref().unwrap_or_default();
    let from_domain = args
        .from
        .as_deref()
        .and_then(|f| f.trim_matches(['<', '>']).rsplit_once('@'))
        .map(|(_, d)| d.to_owned());
    let Some(domain) = args.dkim_domain.clone().or(from_domain) else {
        return Err(UsageError(
            "--dkim-key needs a signing domain: give --dkim-domain, or a --from address with a domain".into(),
        ));
    };
    smtping_client::dkim_sign::DkimSigner::from_pem_file(key, selector, &domain)
        .map(Some)
        .map_err(|e| UsageError(format!("--dkim-key: {e}")))
}

/// The follow-through of `--seed`/`--seeds` (`None` without seeds): it looks for the
/// test message SMTPing delivers, so it needs an envelope and the whole transaction.
fn seed_follow(
    args: &CheckArgs,
) -> Result<Option<smtping_client::follow::FollowThrough>, UsageError> {
    if args.seed.any() || args.bounce_mailbox.is_some() {
        let opt = if args.seed.any() {
            "--seed"
        } else {
            "--bounce-mailbox"
        };
        if args.from.is_none() {
            return Err(UsageError(format!(
                "{opt} looks for the test message SMTPing delivers: give --from and --to too"
            )));
        }
        if args.quit_after.is_some_and(|q| q < QuitAfter::Deliver) {
            return Err(UsageError(format!(
                "{opt} needs the message delivered: drop --quit-after"
            )));
        }
    }
    let reach = crate::inbox::SeedReach {
        ca_files: &args.ca_file,
        connect_to: &args.connect_to,
        resolvers: &args.resolver,
        require_tls: args.require_tls,
    };
    crate::inbox::follow_through(
        &args.seed,
        &reach,
        smtping_client::follow::FollowThrough::for_check(),
        args.bounce_mailbox.as_deref(),
    )
}

/// `--body-size N`: a whole number of bytes up to [`MAX_BODY_SIZE`]. Parsed here, not by
/// clap, so that every refusal is one line (and a number too large for u64 says the cap).
pub(crate) fn parse_body_size(s: &str) -> Result<usize, UsageError> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UsageError(format!(
            "--body-size {}: give a whole number of bytes (at most {MAX_BODY_SIZE}, 16 GiB)",
            crate::render::term::escape_line(s)
        )));
    }
    match t.parse::<u64>() {
        Ok(n) if n <= MAX_BODY_SIZE => usize::try_from(n)
            .map_err(|_| UsageError(format!("--body-size {t}: too large for this platform"))),
        _ => Err(UsageError(format!(
            "--body-size {t} is over the cap of {MAX_BODY_SIZE} bytes (16 GiB)"
        ))),
    }
}

/// A bad --ca-file is the user's mistake (exit 3), found before any connection.
pub(crate) fn validate_ca_files(args: &CheckArgs) -> Result<(), UsageError> {
    if args.ca_file.is_empty() {
        return Ok(());
    }
    let mut options = smtping_client::tls::TlsOptions::default()
        .use_native_roots(false)
        .use_webpki_roots(false);
    for f in &args.ca_file {
        options = options.ca_file(f.clone());
    }
    smtping_client::tls::TrustStore::load(&options)
        .map(|_| ())
        .map_err(|e| UsageError(format!("--ca-file: {e}")))
}

pub(crate) fn color_ok() -> bool {
    io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn render_one(report: &Report, args: &CheckArgs, t: &Thresholds) -> String {
    let format = if args.json {
        Format::Json
    } else {
        args.format.unwrap_or_default()
    };
    match format {
        Format::Json => render::json(report) + "\n",
        Format::Nagios => render::nagios::nagios(report, t) + "\n",
        Format::Prometheus => render::prometheus::exposition(report),
        Format::Html => render::html::page(report),
        Format::Card => card(
            report,
            CardStyle {
                color: color_ok(),
                transcript: args.transcript,
                envelope: args.from.is_some(),
            },
        ),
    }
}

/// Runs `smtping check`; returns the exit code.
pub(crate) fn run(args: &CheckArgs) -> Result<i32, UsageError> {
    if let Some(n) = &args.body_size {
        parse_body_size(n)?;
    }
    let thresholds = args.thresholds().map_err(UsageError)?;
    let secret = read_secret(args)?;
    validate_ca_files(args)?;
    seed_follow(args)?; // every seed option and password checked before any connection
    dkim_signer(args)?; // and the DKIM key
    // The history too: a file we cannot use is exit 3 before any connection.
    let mut recorder = if args.record {
        Some(
            crate::history::Recorder::open(args.history.as_deref(), args.record_full)
                .map_err(|e| UsageError(format!("--record: {e}")))?,
        )
    } else {
        None
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    if let Some(file) = &args.targets {
        return runtime.block_on(batch::run(
            args,
            file,
            secret.as_deref().map(String::as_str),
            recorder.as_mut(),
        ));
    }
    let target = args.target.as_deref().unwrap_or_default();
    let mut check = build(args, target, secret.as_deref().map(String::as_str))?;
    // What a long wait is waiting for, on a terminal's stderr (never on a pipe).
    let mut progress = None;
    if let Some((sink, display)) = crate::progress::TerminalProgress::start() {
        check = check.on_progress(sink);
        progress = Some(display);
    }
    let mut report = runtime.block_on(check.run());
    if let Some(p) = progress {
        p.finish();
    }
    if args.redact {
        crate::redact::apply(&mut report, args.from.as_deref(), &args.to);
        redact_follow(&mut report);
    }
    thresholds.apply(&mut report);
    if let Some(r) = recorder.as_mut() {
        r.record(&report);
    }
    let mut out = io::stdout().lock();
    let _ = out.write_all(render_one(&report, args, &thresholds).as_bytes());
    let _ = out.flush();
    Ok(report.exit_code())
}
