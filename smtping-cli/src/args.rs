//! Command-line arguments of `smtping check` (the others live beside their command).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use smtping_client::TlsMode;
use smtping_proto::session::QuitAfter;

/// Output formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// The human report card.
    #[default]
    Card,
    /// One JSON object (same as --json).
    Json,
    /// One status line with perfdata (Nagios/Icinga plugin output).
    Nagios,
    /// Prometheus text exposition.
    Prometheus,
    /// One self-contained HTML page: the SMTP Health card.
    Html,
}

/// The end of `smtping check --help`: examples first, as swaks' quick start has them.
const AFTER_HELP: &str = "\
Examples:
  smtping check example.org                 # MX lookup, EHLO, STARTTLS, the card
  smtping check postmaster@example.org      # the same for an address's domain
  smtping check mx.example.org --quit-after ehlo   # banner and extensions only
  smtping check example.org --from probe@example.com \\
      --to postmaster@example.org --quit-after rcpt  # would you take it? (no mail)
  smtping check smtp.example.org:587 --require-tls \\
      --auth-user alice --auth-password-env SMTP_PASSWORD --quit-after auth
  smtping check mx.example.org --format nagios -w 21,2s -c 7,5s
      # Nagios line: WARNING under 21 days left or over 2 s, CRITICAL 7 days / 5 s
  smtping check --targets mxes.txt --jsonl > results.jsonl

Exit codes: 0 green, 1 amber (works, with warnings), 2 red (unreachable, TLS
invalid, bounced, or a required step failed), 3 bad arguments or internal error.

Passwords are never taken on the command line: use --auth-password-env or
--auth-password-file. Every check, finding and option: docs/checks.md.";

/// Arguments of `smtping check`.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct CheckArgs {
    /// What to check: a mail domain (MX lookup), an e-mail address (its domain's MX), a
    /// host, host:port, an IP or [IPv6]:port.
    #[arg(
        help_heading = "Target",
        value_name = "TARGET",
        required_unless_present = "targets"
    )]
    pub(crate) target: Option<String>,

    /// Port (overrides the target's; a mail domain then means that host).
    #[arg(help_heading = "Target", long, short = 'p', value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) port: Option<u16>,

    /// For a mail-domain target: connect to its MX hosts on this port instead of 25.
    #[arg(help_heading = "Target", long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..), conflicts_with = "port")]
    pub(crate) mx_port: Option<u16>,

    /// auto (implicit on 465, STARTTLS elsewhere), starttls (required), implicit, none.
    #[arg(help_heading = "TLS", long, value_name = "MODE", default_value = "auto", value_parser = parse_tls)]
    pub(crate) tls: TlsMode,

    /// Fail (red) when TLS cannot be used.
    #[arg(help_heading = "TLS", long)]
    pub(crate) require_tls: bool,

    /// Refuse a certificate that does not verify during the handshake (default: complete
    /// the handshake and report the certificate's problems).
    #[arg(help_heading = "TLS", long)]
    pub(crate) strict_tls: bool,

    /// EHLO name (default: our address as a literal, e.g. [192.0.2.7]).
    #[arg(help_heading = "Target", long, value_name = "NAME")]
    pub(crate) helo: Option<String>,

    /// Server name for SNI and certificate checks instead of the host.
    #[arg(help_heading = "TLS", long, value_name = "NAME")]
    pub(crate) sni: Option<String>,

    /// Extra trust anchors (PEM); repeatable.
    #[arg(help_heading = "TLS", long, value_name = "FILE")]
    pub(crate) ca_file: Vec<PathBuf>,

    /// DNS server instead of /etc/resolv.conf (IP, IP:PORT or [IPv6]:PORT); repeatable.
    #[arg(help_heading = "Target", long, value_name = "IP[:PORT]", value_parser = parse_resolver)]
    pub(crate) resolver: Vec<SocketAddr>,

    /// Deadline of one DNS query, retries included (e.g. 5s, 800ms).
    #[arg(help_heading = "Target", long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) dns_timeout: Option<Duration>,

    /// The address your mail leaves from, when it is not this machine's (NAT): the
    /// signals (PTR, SPF, blocklists) are evaluated for it.
    #[arg(help_heading = "Signals", long, value_name = "IP")]
    pub(crate) sending_ip: Option<std::net::IpAddr>,

    /// Look the sending IP (IP lists) and the MAIL FROM domain (`domain:ZONE` lists) up
    /// in this DNS blocklist, or `default` for the built-in list; repeatable. Nothing is
    /// queried without it.
    #[arg(help_heading = "Signals", long, value_name = "ZONE|default")]
    pub(crate) dnsbl: Vec<String>,

    /// Skip the signals (how a receiver sees this probe: reverse DNS, HELO, SPF, DMARC).
    #[arg(help_heading = "Signals", long, conflicts_with_all = ["sending_ip", "dnsbl"])]
    pub(crate) no_signals: bool,

    /// Trust the AD bit (DNSSEC-validated) of a resolver that is not on loopback, for
    /// `tls.dane` (the TLSA records of the host, asked only on secure answers).
    #[arg(help_heading = "TLS", long)]
    pub(crate) trust_ad: bool,

    /// Do not look up the host's TLSA records (`tls.dane`).
    #[arg(help_heading = "TLS", long)]
    pub(crate) no_dane: bool,

    /// IPv4 only.
    #[arg(help_heading = "Target", short = '4', conflicts_with = "ipv6")]
    pub(crate) ipv4: bool,

    /// IPv6 only.
    #[arg(help_heading = "Target", short = '6')]
    pub(crate) ipv6: bool,

    /// Test a login as this user.
    #[arg(help_heading = "Auth", long, value_name = "USER")]
    pub(crate) auth_user: Option<String>,

    /// Read the password (or token) from this environment variable.
    #[arg(
        help_heading = "Auth",
        long,
        value_name = "VAR",
        requires = "auth_user",
        conflicts_with = "auth_password_file"
    )]
    pub(crate) auth_password_env: Option<String>,

    /// Read the password (or token) from the first line of this file.
    #[arg(
        help_heading = "Auth",
        long,
        value_name = "FILE",
        requires = "auth_user"
    )]
    pub(crate) auth_password_file: Option<PathBuf>,

    /// SASL mechanism (PLAIN, LOGIN, CRAM-MD5, XOAUTH2); default: the best one offered.
    #[arg(
        help_heading = "Auth",
        long,
        value_name = "MECH",
        requires = "auth_user"
    )]
    pub(crate) auth_mechanism: Option<String>,

    /// Allow PLAIN/LOGIN without TLS (sends the password in clear: lab servers only).
    #[arg(help_heading = "Auth", long, requires = "auth_user")]
    pub(crate) auth_plaintext: bool,

    /// Allow sending credentials over TLS whose certificate did not verify.
    #[arg(help_heading = "Auth", long, requires = "auth_user")]
    pub(crate) auth_insecure_tls: bool,

    /// Envelope sender for the delivery test (`<>` for the null sender).
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "ADDRESS",
        requires = "to"
    )]
    pub(crate) from: Option<String>,

    /// Envelope recipient; repeatable. Without --quit-after the test message is delivered;
    /// --quit-after rcpt asks without sending; `--quit-after data` stops after the server's
    /// 354 and closes without the final dot: nothing is delivered.
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "ADDRESS",
        requires = "from"
    )]
    pub(crate) to: Vec<String>,

    /// Stop after this step: connect, greeting, ehlo, tls, auth, mail, rcpt, data (after
    /// the server's 354, without the final dot: nothing is delivered).
    #[arg(help_heading = "Envelope", long, value_name = "STEP", value_parser = parse_quit_after)]
    pub(crate) quit_after: Option<QuitAfter>,

    /// Retry a deferred delivery as a real MTA would (the same message, one connection at a
    /// time, never sooner than --retry-schedule), until it is accepted or bounced or
    /// --retry-deadline passes; every attempt is reported.
    #[arg(help_heading = "Envelope", long, requires = "to")]
    pub(crate) retry_deferred: bool,

    /// The waits before each retry, comma-separated; the last one repeats.
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "DURATIONS",
        default_value = "30s,2m,10m",
        requires = "retry_deferred",
        value_parser = parse_durations
    )]
    pub(crate) retry_schedule: DurationList,

    /// Give up retrying this long after the first attempt.
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "DURATION",
        default_value = "30m",
        requires = "retry_deferred",
        value_parser = parse_duration
    )]
    pub(crate) retry_deadline: Duration,

    /// Do not announce the message size with SIZE= (the server then checks it after DATA).
    #[arg(help_heading = "Envelope", long, requires = "to")]
    pub(crate) no_size: bool,

    /// Pad the test message to N bytes (size-limit tests); at most 17179869184 (16 GiB).
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "N",
        requires = "to",
        allow_hyphen_values = true
    )]
    pub(crate) body_size: Option<String>,

    /// Connect timeout per address (e.g. 10, 10s, 500ms).
    #[arg(help_heading = "Timeouts", long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub(crate) connect_timeout: Duration,

    /// Deadline for each reply (e.g. 30, 30s).
    #[arg(help_heading = "Timeouts", long, value_name = "DURATION", value_parser = parse_duration)]
    pub(crate) command_timeout: Option<Duration>,

    /// Do not pipeline MAIL/RCPT/DATA even when offered.
    #[arg(help_heading = "Envelope", long)]
    pub(crate) no_pipelining: bool,

    /// Print the report as one JSON object (with --targets: one JSON array in targets-file
    /// order, printed at the end: it keeps every report in memory; see --jsonl).
    #[arg(help_heading = "Output", long, conflicts_with_all = ["format", "jsonl"])]
    pub(crate) json: bool,

    /// Batch mode: one JSON report per line, written as each check ends (completion
    /// order; `target.input` says which line); keeps nothing once written.
    #[arg(
        help_heading = "Output",
        long,
        requires = "targets",
        conflicts_with = "format"
    )]
    pub(crate) jsonl: bool,

    /// Output format: card, json, nagios, prometheus, html.
    #[arg(help_heading = "Output", long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<Format>,

    /// Show the SMTP dialogue (S:/C: lines, TLS marked).
    #[arg(help_heading = "Output", long)]
    pub(crate) transcript: bool,

    /// Also probe for an open relay: MAIL from an outside domain to an outside domain
    /// without AUTH, stopped at RCPT (no message is sent). Only on servers you may test.
    #[arg(help_heading = "Envelope", long)]
    pub(crate) relay_probe: bool,

    /// Reach HOST:PORT at HOST2:PORT2 instead (curl's meaning, repeatable; an empty HOST or
    /// PORT matches any, an empty HOST2 or PORT2 keeps the original), while HOST stays the
    /// name for SNI, certificate checks and everything else: test a new server before the
    /// DNS cut-over.
    #[arg(help_heading = "Target", long = "connect-to", value_name = "HOST:PORT:HOST2:PORT2", value_parser = parse_connect_to)]
    pub(crate) connect_to: Vec<smtping_client::ConnectTo>,

    /// For a mail domain: check every MX host and each of its addresses (IPv4 and IPv6),
    /// one session per address, one after the other; the worst decides the verdict.
    #[arg(help_heading = "Transport", long, conflicts_with = "port")]
    pub(crate) all_mx: bool,

    /// Sweep these ports of the target host, each in its natural TLS mode (465 implicit,
    /// others STARTTLS): 25,465,587,2525, submission (465,587) or all.
    #[arg(help_heading = "Transport", long, value_name = "PORTS", value_parser = parse_ports)]
    pub(crate) ports: Option<PortList>,

    /// Also try MAIL FROM and RCPT TO in plaintext before STARTTLS (stopping at RCPT, no
    /// message) to learn whether the server refuses a plaintext transaction
    /// (tls.enforced). Uses --from/--to, else a reserved test envelope.
    #[arg(help_heading = "Transport", long)]
    pub(crate) probe_enforcement: bool,

    /// After the check, probe which TLS versions (SSLv3 to TLS 1.3) and cipher classes the
    /// server accepts with raw ClientHellos, graded like Internet.nl (at most 16 more
    /// connections, 200 ms apart; no message is sent).
    #[arg(help_heading = "Transport", long)]
    pub(crate) tls_scan: bool,

    /// Mask addresses in every output: local parts in the transcript and replies
    /// (***@example.org), an address target (a…@example.org), and the recipients, numbered
    /// in --to order (a…@example.org #1).
    #[arg(help_heading = "Output", long)]
    pub(crate) redact: bool,

    /// Warning thresholds: cert=DAYS (fewer days left) and/or time=DURATION (slower check),
    /// comma-separated; a bare number is days, a bare duration time (-w 21,2s). Default
    /// cert=14.
    #[arg(help_heading = "Output", short = 'w', long, value_name = "THRESHOLDS", value_parser = crate::thresholds::parse_level)]
    pub(crate) warning: Option<crate::thresholds::Level>,

    /// Critical thresholds, same syntax (-c 7,5s): red, exit 2.
    #[arg(help_heading = "Output", short = 'c', long, value_name = "THRESHOLDS", value_parser = crate::thresholds::parse_level)]
    pub(crate) critical: Option<crate::thresholds::Level>,

    /// Check every target in FILE (one per line, `#` comments, `-` for standard input; at
    /// most 100000 targets and 4096 bytes a line); see --concurrency.
    #[arg(
        help_heading = "Batch",
        long,
        value_name = "FILE",
        conflicts_with = "target"
    )]
    pub(crate) targets: Option<PathBuf>,

    /// Checks run at once in batch mode (memory grows with this, not with the number of
    /// targets, except for --json and --format prometheus, which keep every report).
    #[arg(help_heading = "Batch", long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) concurrency: u16,

    /// Connections at once to one host in batch mode (politeness: raise only for servers
    /// you own). A host at its limit never delays the others.
    #[arg(help_heading = "Batch", long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) per_host: u16,

    /// Pause after each check before its host gets the connection slot back, in batch mode
    /// (politeness; 0 for servers you own). One host then takes about per-host checks per
    /// (check time + interval).
    #[arg(help_heading = "Batch", long, value_name = "DURATION", default_value = "200ms", value_parser = parse_interval)]
    pub(crate) per_host_interval: Duration,

    /// Store the report in the run history (see `smtping history`): without the transcript,
    /// address local parts masked (***@example.org); runs older than 30 days are removed.
    /// Every report of a batch is stored.
    #[arg(help_heading = "History", long)]
    pub(crate) record: bool,

    /// With --record: store the report as printed (addresses unmasked; the transcript is
    /// still left out).
    #[arg(help_heading = "History", long, requires = "record")]
    pub(crate) record_full: bool,

    /// The history file (default $XDG_DATA_HOME/smtping/history.sqlite, else
    /// ~/.local/share/smtping/history.sqlite).
    #[arg(
        help_heading = "History",
        long,
        value_name = "FILE",
        requires = "record"
    )]
    pub(crate) history: Option<PathBuf>,

    /// The follow-through (`--seed`).
    #[command(flatten)]
    pub(crate) seed: SeedArgs,

    /// Watch this mailbox (usually the --from's) for a bounce of the test message after
    /// delivery: imap[s]://USER@HOST[:PORT][/FOLDER,…] like --seed, read-only, until a
    /// failed DSN or --seed-timeout (a delayed one is noted and watching goes on). The
    /// password: the --seeds file's [bounce] (or matching [[seed]]) entry, else
    /// --seed-password-env/--seed-password-file.
    #[arg(help_heading = "Follow-through", long, value_name = "URL")]
    pub(crate) bounce_mailbox: Option<String>,

    /// Sign the test message with this DKIM private key (PEM: PKCS#8 RSA or Ed25519, or
    /// PKCS#1 RSA); read once, never printed.
    #[arg(help_heading = "Envelope", long, value_name = "FILE", requires_all = ["dkim_selector", "to"], conflicts_with = "body_size")]
    pub(crate) dkim_key: Option<PathBuf>,

    /// The DKIM selector (s=) of --dkim-key.
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "SELECTOR",
        requires = "dkim_key"
    )]
    pub(crate) dkim_selector: Option<String>,

    /// The DKIM signing domain (d=); default the --from domain.
    #[arg(
        help_heading = "Envelope",
        long,
        value_name = "DOMAIN",
        requires = "dkim_key"
    )]
    pub(crate) dkim_domain: Option<String>,
}

/// The seed mailboxes of the follow-through (`smtping check --seed`, `smtping inbox`).
#[derive(Clone, Debug, Default, clap::Args)]
pub(crate) struct SeedArgs {
    /// A seed mailbox to look for the test message in, after delivery:
    /// imap[s]://USER@HOST[:PORT][/FOLDER,…] (the user percent-encoded, e.g.
    /// imaps://alice%40example.org@imap.example.org/INBOX,Junk; no folders: INBOX and the
    /// junk folders); repeatable. imap:// uses STARTTLS when offered (--require-tls
    /// refuses cleartext).
    #[arg(help_heading = "Follow-through", long = "seed", value_name = "URL")]
    pub(crate) seed: Vec<String>,

    /// Read the password of every --seed (and of smtping check's --bounce-mailbox) from this
    /// environment variable.
    #[arg(
        help_heading = "Follow-through",
        long,
        value_name = "VAR",
        conflicts_with = "seed_password_file"
    )]
    pub(crate) seed_password_env: Option<String>,

    /// Read the password of every --seed (and of smtping check's --bounce-mailbox) from the
    /// first line of this file.
    #[arg(help_heading = "Follow-through", long, value_name = "FILE")]
    pub(crate) seed_password_file: Option<PathBuf>,

    /// Seed mailboxes from a TOML file ([[seed]] url = "…", password_env = "…" or
    /// password_file = "…"; never a password itself).
    #[arg(help_heading = "Follow-through", long = "seeds", value_name = "FILE")]
    pub(crate) seeds_file: Option<PathBuf>,

    /// How long to keep looking in the seeds, and for a bounce in smtping check's
    /// --bounce-mailbox (e.g. 90s, 5m; at most 1h).
    #[arg(help_heading = "Follow-through", long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub(crate) seed_timeout: Duration,

    /// Delete the test message from the seed once found (only that message, by UID).
    #[arg(help_heading = "Follow-through", long)]
    pub(crate) seed_cleanup: bool,
}

impl SeedArgs {
    /// Any seed given.
    pub(crate) fn any(&self) -> bool {
        !self.seed.is_empty() || self.seeds_file.is_some()
    }
}

/// The DNS options every command that looks things up shares.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct DnsArgs {
    /// DNS server instead of /etc/resolv.conf (IP, IP:PORT or [IPv6]:PORT); repeatable.
    #[arg(help_heading = "DNS", long, value_name = "IP[:PORT]", value_parser = parse_resolver)]
    pub(crate) resolver: Vec<SocketAddr>,

    /// Deadline of one DNS query, retries included (e.g. 5s, 800ms).
    #[arg(help_heading = "DNS", long, value_name = "DURATION", default_value = "5s", value_parser = parse_duration)]
    pub(crate) dns_timeout: Duration,
}

impl DnsArgs {
    /// Attempts per query within `--dns-timeout` (the first and one retry).
    const ATTEMPTS: u8 = 2;

    /// The resolver configuration: `--resolver` servers or the system's, each query
    /// bounded by `--dns-timeout` in all.
    pub(crate) fn config(&self) -> smtping_proto::dns::ResolverConfig {
        let base = if self.resolver.is_empty() {
            smtping_client::net::dns::system_config()
        } else {
            smtping_proto::dns::ResolverConfig::new(self.resolver.iter().copied())
        };
        let servers = base.effective_nameservers().len().max(1);
        let tries = u32::from(Self::ATTEMPTS) * u32::try_from(servers).unwrap_or(1);
        base.with_attempts(Self::ATTEMPTS)
            .with_timeout(self.dns_timeout / tries.max(1))
    }
}

impl CheckArgs {
    /// The `-w`/`-c` thresholds (a critical level below its warning is a usage error).
    pub(crate) fn thresholds(&self) -> Result<crate::thresholds::Thresholds, String> {
        crate::thresholds::Thresholds::new(self.warning, self.critical)
    }
}

/// A parsed `--ports` list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PortList(pub(crate) Vec<u16>);

fn parse_ports(s: &str) -> Result<PortList, String> {
    smtping_client::parse_port_list(s)
        .map(PortList)
        .map_err(|e| e.to_string())
}

fn parse_connect_to(s: &str) -> Result<smtping_client::ConnectTo, String> {
    s.parse()
        .map_err(|e: smtping_client::ConnectToError| e.to_string())
}

fn parse_tls(s: &str) -> Result<TlsMode, String> {
    s.parse()
}

fn parse_quit_after(s: &str) -> Result<QuitAfter, String> {
    s.parse::<QuitAfter>().map_err(|_| {
        format!("unknown step {s:?}: use connect, greeting, ehlo, tls, auth, mail, rcpt or data")
    })
}

fn parse_resolver(s: &str) -> Result<SocketAddr, String> {
    smtping_proto::dns::ResolverConfig::parse_server(s).map_err(|e| e.to_string())
}

/// `--per-host-interval`: like [`parse_duration`], and `0` (no pause) allowed.
fn parse_interval(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let num = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if num.parse::<f64>() == Ok(0.0) && matches!(&t[num.len()..], "" | "s" | "ms" | "m") {
        return Ok(Duration::ZERO);
    }
    parse_duration(s)
}

/// `10`, `10s`, `1.5s`, `500ms`, `2m`.
/// Durations given as one comma-separated list (`--retry-schedule 30s,2m,10m`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct DurationList(pub(crate) Vec<Duration>);

fn parse_durations(s: &str) -> Result<DurationList, String> {
    s.split(',')
        .map(|part| parse_duration(part.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map(DurationList)
}

pub(crate) fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 10, 10s, 500ms, 2m)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (ms, s or m)")),
    };
    if !(0.001..=3600.0).contains(&secs) {
        return Err(format!("{s:?} is out of range (1ms to 1h)"));
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests;
