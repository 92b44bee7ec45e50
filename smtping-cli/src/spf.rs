//! `smtping spf IP IDENTITY [--helo NAME]`: evaluate SPF (RFC 7208) for a client address
//! and a MAIL FROM address or domain, with the deciding term, the lookup counts and the
//! whole include/redirect tree.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::net::IpAddr;

use smtping_client::net::dns::Resolver;
use smtping_signals::spf::{SpfEvaluator, SpfOutput, SpfRequest, SpfResult, TreeNode};

use crate::args::DnsArgs;
use crate::check::{EXIT_UNKNOWN, UsageError};
use crate::render::term;

const AFTER_HELP: &str = "\
Examples:
  smtping spf 192.0.2.7 alice@example.org
  smtping spf 2001:db8::25 example.org --json
  smtping spf 192.0.2.7 '<>' --helo mx.example.org    # null sender: the HELO identity

Exit codes: 0 pass, 1 neutral, none or softfail, 2 fail, permerror or temperror,
3 bad arguments.";

/// Arguments of `smtping spf`.
#[derive(Clone, Debug, clap::Args)]
#[command(after_help = AFTER_HELP)]
pub(crate) struct SpfArgs {
    /// The SMTP client's address (IPv4 or IPv6).
    #[arg(value_name = "IP")]
    pub(crate) ip: IpAddr,

    /// The MAIL FROM address or its domain; `<>` (or an empty string) for the null sender,
    /// which checks postmaster@HELO.
    #[arg(value_name = "IDENTITY", allow_hyphen_values = true)]
    pub(crate) identity: String,

    /// The HELO/EHLO name (for %{h}, and the identity of the null sender); with no
    /// IDENTITY domain this is checked as the HELO identity (RFC 7208 §2.3).
    #[arg(long, value_name = "NAME")]
    pub(crate) helo: Option<String>,

    /// Check the HELO identity instead of MAIL FROM (RFC 7208 §2.3).
    #[arg(long, requires = "helo")]
    pub(crate) helo_scope: bool,

    #[command(flatten)]
    pub(crate) dns: DnsArgs,

    /// Print the result as one JSON object.
    #[arg(long)]
    pub(crate) json: bool,
}

/// The exit code of an SPF result (design.md §10).
pub(crate) const fn exit_code(result: SpfResult) -> i32 {
    match result {
        SpfResult::Pass => 0,
        SpfResult::Neutral | SpfResult::None | SpfResult::SoftFail => 1,
        _ => 2,
    }
}

/// Runs the command.
pub(crate) fn run(args: &SpfArgs) -> Result<i32, UsageError> {
    let identity = args.identity.trim();
    if identity.chars().any(char::is_control) || identity.len() > 512 {
        return Err(UsageError(
            "IDENTITY must be one MAIL FROM address or domain (no control characters, at most 512 bytes)".into(),
        ));
    }
    let helo = args.helo.as_deref().unwrap_or("unknown");
    if helo.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(UsageError(format!("--helo {helo:?} is not a host name")));
    }
    let null_sender = matches!(identity, "" | "<>");
    if null_sender && args.helo.is_none() {
        return Err(UsageError(
            "the null sender (<>) is checked as postmaster@HELO: give --helo NAME".into(),
        ));
    }
    let request = if args.helo_scope {
        SpfRequest::helo(args.ip, helo)
    } else {
        SpfRequest::mail_from(args.ip, identity, helo)
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let request = request.with_timestamp(now);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| UsageError(format!("cannot start the async runtime: {e}")))?;
    let resolver = Resolver::new(args.dns.config());
    let out = runtime
        .block_on(resolver.evaluate(SpfEvaluator::new(request)))
        .map(|(o, _)| o)
        .map_err(|e| UsageError(format!("SPF evaluation stopped: {e}")))?;
    let text = if args.json {
        let mut s = term::json_string(&out, true)
            .map_err(|e| UsageError(format!("cannot write JSON: {e}")))?;
        s.push('\n');
        s
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        human(&out, color)
    };
    let mut stdout = std::io::stdout().lock();
    if stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .is_err()
    {
        return Ok(EXIT_UNKNOWN);
    }
    Ok(exit_code(out.result))
}

/// The human form: the result line, why, the counts, the tree.
fn human(o: &SpfOutput, color: bool) -> String {
    let paint = |code: &str, t: &str| {
        if color {
            format!("\x1b[{code}m{t}\x1b[0m")
        } else {
            t.to_owned()
        }
    };
    let word = o.result.as_str().to_uppercase();
    let word = match exit_code(o.result) {
        0 => paint("1;32", &word),
        1 => paint("1;33", &word),
        _ => paint("1;31", &word),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "SPF {word}  {} for {} ({})",
        o.ip,
        term::escape(&o.identity),
        term::escape(&o.domain)
    );
    match &o.mechanism {
        Some(m) => {
            let at = o
                .mechanism_domain
                .as_deref()
                .filter(|d| *d != o.domain)
                .map_or_else(String::new, |d| format!(" in {}", term::escape(d)));
            let _ = writeln!(out, "  decided by   {}{at}", term::escape(m));
        }
        None if o.result == SpfResult::Neutral => {
            let _ = writeln!(out, "  decided by   no term matched (default neutral)");
        }
        None => {}
    }
    if let Some(e) = &o.error {
        let _ = writeln!(out, "  why          {}", term::escape(&e.to_string()));
    }
    if let Some(x) = &o.explanation {
        let _ = writeln!(out, "  explanation  {}", term::escape(x));
    }
    let _ = writeln!(
        out,
        "  lookups      {} of 10 DNS terms, {} of 2 void lookups",
        o.lookups, o.void_lookups
    );
    if let Some(root) = o.tree.first() {
        let _ = writeln!(out, "  tree");
        tree(&mut out, root, 0);
    }
    out
}

fn tree(out: &mut String, n: &TreeNode, depth: usize) {
    let pad = "  ".repeat(depth + 2);
    let via = n.via.map_or_else(String::new, |v| format!("{v}: "));
    let what = match (&n.record, &n.error) {
        (_, Some(e)) => format!("— {}", e),
        (Some(r), None) => r.clone(),
        (None, None) => "no record".into(),
    };
    let _ = writeln!(
        out,
        "{pad}{via}{} ({} lookups)  {}",
        term::escape(&n.domain),
        n.lookups,
        term::escape(&what)
    );
    if depth < 12 {
        for c in &n.children {
            tree(out, c, depth + 1);
        }
    }
}
