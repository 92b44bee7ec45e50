//! `smtping domain DOMAIN`: the posture of a mail domain (MX, SPF, DKIM, DMARC, reverse
//! DNS, blocklists, DNSSEC, DANE, MTA-STS, TLS-RPT and the TLS of every MX address) as a
//! card or JSON, with monitoring exit codes.

use std::io::{IsTerminal, Write};
use std::net::IpAddr;

use smtping_client::domain::DomainCheck;
use smtping_client::net::dns::Resolver;

use crate::args::DnsArgs;
use crate::check::{EXIT_UNKNOWN, UsageError};
use crate::render;

/// Output formats of `smtping domain`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DomainFormat {
    /// The human card.
    #[default]
    Card,
    /// One JSON object (same as --json).
    Json,
}

const AFTER_HELP: &str = "\
Examples:
  smtping domain example.org
  smtping domain example.org --dkim-selector selector1 --dkim-selector google
  smtping domain example.org --sending-ip 192.0.2.7      # SPF verdict for that IP
  smtping domain example.org --dnsbl default --json      # also the MX addresses on blocklists
  smtping domain example.org --tls-scan                  # TLS versions and ciphers of every MX
  smtping domain example.org --no-connect                # DNS only, no connection to the MX

Every MX address (at most 4 per host, 10 hosts) gets one connection to port 25: EHLO,
STARTTLS, a verified handshake (--ca-file adds trust anchors), QUIT. Its certificate
chain decides DANE (TLSA matched) and MTA-STS (certificate valid).

Exit codes: 0 green, 1 amber (works, with warnings), 2 red (mail to or from this domain
is likely to fail: no MX, SPF permerror, broken DMARC, a listed MX), 3 bad arguments.
Blocklists are queried only with --dnsbl. Every check and finding: docs/checks.md.";

/// Arguments of `smtping domain`.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct DomainArgs {
    /// The mail domain (e.g. example.org).
    #[arg(value_name = "DOMAIN")]
    pub(crate) domain: String,

    /// DKIM selector to look up; repeatable (default: a short list of common selectors).
    #[arg(long, value_name = "SELECTOR")]
    pub(crate) dkim_selector: Vec<String>,

    /// An IP the domain sends from: SPF is evaluated for it; repeatable.
    #[arg(long, value_name = "IP")]
    pub(crate) sending_ip: Vec<IpAddr>,

    /// DNS blocklist zone to look the MX addresses (IP lists) and the domain and MX names
    /// (domain lists: `domain:ZONE`) up in, or `default` for the built-in list
    /// (docs/checks.md); repeatable. Nothing is queried without it.
    #[arg(long, value_name = "ZONE|default")]
    pub(crate) dnsbl: Vec<String>,

    #[command(flatten)]
    pub(crate) dns: DnsArgs,

    /// Believe the resolver's AD bit although it is not on loopback (DNSSEC, DANE).
    #[arg(long)]
    pub(crate) trust_ad: bool,

    /// Extra trust anchors (PEM) for the TLS connections made (the MX hosts, the MTA-STS
    /// policy host); repeatable.
    #[arg(long, value_name = "FILE")]
    pub(crate) ca_file: Vec<std::path::PathBuf>,

    /// Reach HOST:PORT at HOST2:PORT2 instead (curl's meaning; e.g. an MX host's port 25
    /// or the MTA-STS policy host mta-sts.example.org:443 on a test server); repeatable.
    #[arg(long = "connect-to", value_name = "HOST:PORT:HOST2:PORT2", value_parser = parse_connect_to)]
    pub(crate) connect_to: Vec<smtping_client::ConnectTo>,

    /// DNS only: do not connect to the MX hosts (no `tls` section; DANE's `matched` and
    /// MTA-STS's `certificate_valid` stay unknown).
    #[arg(long, conflicts_with = "tls_scan")]
    pub(crate) no_connect: bool,

    /// Also scan the TLS versions and ciphers of every MX address (at most 16 more
    /// connections per address, paced).
    #[arg(long)]
    pub(crate) tls_scan: bool,

    /// Connect deadline per MX address.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = crate::args::parse_duration)]
    pub(crate) connect_timeout: std::time::Duration,

    /// Deadline of each reply at the MX addresses (greeting, EHLO, STARTTLS, handshake).
    #[arg(long, value_name = "DURATION", value_parser = crate::args::parse_duration)]
    pub(crate) command_timeout: Option<std::time::Duration>,

    /// Print the report as one JSON object.
    #[arg(long, conflicts_with = "format")]
    pub(crate) json: bool,

    /// Output format: card, json.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<DomainFormat>,
}

/// Runs the command; the exit code follows the verdict.
pub(crate) fn run(args: &DomainArgs) -> Result<i32, UsageError> {
    let mut check = DomainCheck::new(&args.domain).map_err(|e| UsageError(e.to_string()))?;
    for s in &args.dkim_selector {
        let s = s.trim();
        if s.is_empty() || s.len() > 63 || !s.split('.').all(valid_label) {
            return Err(UsageError(format!(
                "--dkim-selector {s:?} is not a selector (letters, digits, '-' and '_', labels of at most 63 characters)"
            )));
        }
        check = check.dkim_selector(s);
    }
    for ip in &args.sending_ip {
        check = check.sending_ip(*ip);
    }
    let zones = smtping_signals::dnsbl::parse_zones(args.dnsbl.iter().map(String::as_str))
        .map_err(|e| UsageError(format!("--dnsbl: {e}")))?;
    for zone in zones {
        check = check.dnsbl_zone(zone);
    }
    if args.trust_ad {
        check = check.trust_ad(true);
    }
    let mut tls = smtping_client::tls::TlsOptions::default();
    for f in &args.ca_file {
        if !f.is_file() {
            return Err(UsageError(format!(
                "--ca-file {}: no such file",
                f.display()
            )));
        }
        tls = tls.ca_file(f.clone());
    }
    check = check.tls_options(tls);
    for rule in &args.connect_to {
        check = check.connect_to(rule.clone());
    }
    check = check
        .connect(!args.no_connect)
        .tls_scan(args.tls_scan)
        .connect_timeout(args.connect_timeout);
    if let Some(t) = args.command_timeout {
        check = check.command_timeout(t);
    }
    let config = args.dns.config();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    let report = runtime.block_on(check.run(&Resolver::new(config)));
    let format = if args.json {
        DomainFormat::Json
    } else {
        args.format.unwrap_or_default()
    };
    let out = match format {
        DomainFormat::Json => render::term::json_string(&report, true)
            .map(|mut s| {
                s.push('\n');
                s
            })
            .map_err(|e| UsageError(format!("cannot write JSON: {e}")))?,
        DomainFormat::Card => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            render::domain::domain_card(&report, color)
        }
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return Ok(EXIT_UNKNOWN);
    }
    Ok(report.exit_code())
}

/// A DNS label as selectors and zones use them (underscores allowed).
pub(crate) fn valid_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn parse_connect_to(s: &str) -> Result<smtping_client::ConnectTo, String> {
    s.parse::<smtping_client::ConnectTo>()
        .map_err(|e| e.to_string())
}
