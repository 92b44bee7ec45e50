//! `smtping explain`: classify a pasted SMTP reply, DSN diagnostic or whole bounce.
//!
//! - `smtping explain "550 5.1.1 …"` prints outcome, reason, codes, explanation and
//!   remediation for people; with no TEXT the text is read from standard input (a whole
//!   bounce message is recognised and explained recipient by recipient).
//! - `--json` prints the `Classification` as one JSON object (for a whole bounce: an
//!   object with the parsed `report` and one classification per recipient).
//! - `--jsonl` reads JSON Lines from standard input, each line one JSON string (a reply as
//!   received, multi-line replies joined with CRLF, or a DSN diagnostic), and writes one
//!   JSON object per input line, in order. A line that is not a JSON string (a blank line
//!   included) gives `{"line": N, "error": "…"}` and processing continues.
//!
//! Exit codes: 0 success; 3 bad arguments or input (for `--jsonl`, after all lines were
//! answered, when at least one line was not a JSON string).

use std::io::{self, BufRead, IsTerminal, Read, Write};

use smtping_classify::dsn::{self, Report};
use smtping_classify::{Classification, Context, Outcome, Stage, classify_text, registry};

use crate::render::term;

/// Exit code: success.
pub(crate) const EXIT_OK: i32 = 0;
/// Exit code: bad arguments or input.
pub(crate) const EXIT_BAD_INPUT: i32 = 3;

/// Most bytes read from standard input for one text (1 MiB).
pub(crate) const MAX_INPUT: usize = 1024 * 1024;
/// Longest `--jsonl` input line (1 MiB).
pub(crate) const MAX_LINE: usize = 1024 * 1024;

/// What `--jsonl` expects, for its messages.
pub(crate) const JSONL_SHAPE: &str = r#"one JSON string per line, e.g. "550 5.1.1 no such user" (quotes included; a multi-line reply joined with \r\n)"#;

/// Arguments of `smtping explain`.
#[derive(Clone, Debug, Default, clap::Args)]
pub(crate) struct ExplainArgs {
    /// The reply or diagnostic text; several words are joined with spaces. Without it the
    /// text (or a whole bounce) is read from standard input.
    #[arg(value_name = "TEXT")]
    pub(crate) text: Vec<String>,
    /// Print the classification as one JSON object.
    #[arg(long, conflicts_with = "jsonl")]
    pub(crate) json: bool,
    /// Batch mode: read JSON Lines from standard input, one JSON string per line
    /// (`"550 5.1.1 no such user"`, quotes included; multi-line replies joined with \r\n),
    /// and write one JSON object per line.
    #[arg(long)]
    pub(crate) jsonl: bool,
    /// The SMTP step the reply answered (connect, greeting, ehlo, starttls, auth, mail,
    /// rcpt, data, data_end, quit).
    #[arg(long, value_name = "STAGE", value_parser = parse_stage)]
    pub(crate) stage: Option<Stage>,
    /// Host name of the server that replied (helps recognise the provider).
    #[arg(long, value_name = "HOST")]
    pub(crate) remote_host: Option<String>,
    /// Domain of the recipient (helps recognise the provider).
    #[arg(long, value_name = "DOMAIN")]
    pub(crate) recipient_domain: Option<String>,
}

fn parse_stage(s: &str) -> Result<Stage, String> {
    s.parse::<Stage>().map_err(|e| e.to_string())
}

impl ExplainArgs {
    fn context(&self) -> Context<'_> {
        let mut ctx = Context::new();
        if let Some(s) = self.stage {
            ctx = ctx.stage(s);
        }
        if let Some(h) = self.remote_host.as_deref() {
            ctx = ctx.remote_host(h);
        }
        if let Some(d) = self.recipient_domain.as_deref() {
            ctx = ctx.recipient_domain(d);
        }
        ctx
    }
}

/// Runs `smtping explain`, reading from `stdin` when needed and writing to `out`. Error
/// messages go to standard error. Returns the process exit code.
pub(crate) fn run(
    args: &ExplainArgs,
    mut stdin: impl BufRead,
    mut out: impl Write,
) -> io::Result<i32> {
    if args.jsonl {
        if !args.text.is_empty() {
            eprintln!(
                "smtping explain: error: --jsonl reads JSON Lines from standard input; do not also pass TEXT"
            );
            return Ok(EXIT_BAD_INPUT);
        }
        if io::stdin().is_terminal() {
            eprintln!(
                "smtping explain: reading JSON Lines from standard input: {JSONL_SHAPE}; end with Ctrl-D"
            );
        }
        return run_jsonl(args, &mut stdin, &mut out);
    }
    let text = if args.text.is_empty() {
        if io::stdin().is_terminal() {
            // Nothing was given: say what we wait for instead of hanging silently.
            eprintln!(
                "smtping explain: reading the reply, DSN diagnostic or bounce from standard input; paste it, then press Ctrl-D (or pass TEXT)"
            );
        }
        let mut buf = Vec::new();
        (&mut stdin)
            .take(MAX_INPUT as u64 + 1)
            .read_to_end(&mut buf)?;
        if buf.len() > MAX_INPUT {
            eprintln!("smtping explain: error: standard input is larger than {MAX_INPUT} bytes");
            return Ok(EXIT_BAD_INPUT);
        }
        String::from_utf8_lossy(&buf).into_owned()
    } else {
        args.text.join(" ")
    };
    if text.trim().is_empty() {
        eprintln!(
            "smtping explain: error: no text to explain (pass TEXT or pipe it on standard input)"
        );
        return Ok(EXIT_BAD_INPUT);
    }
    let ctx = args.context();
    // A whole bounce message: explain every recipient.
    if looks_like_dsn(&text)
        && let Ok(report) = dsn::parse(text.as_bytes())
    {
        let results = report.classify(&ctx);
        if args.json {
            write_json_report(&mut out, &report, &results)?;
        } else {
            let mut text = Vec::new();
            write_human_report(&mut text, &report, &results)?;
            write_for_people(&mut out, &text)?;
        }
        return Ok(EXIT_OK);
    }
    let c = classify_text(&text, &ctx);
    if args.json {
        term::write_json(&mut out, &c, false).map_err(io::Error::other)?;
        writeln!(out)?;
    } else {
        let mut text = Vec::new();
        write_human(&mut text, &c)?;
        write_for_people(&mut out, &text)?;
    }
    Ok(EXIT_OK)
}

/// Human output quotes the input (addresses, MTA names, message ids from a bounce):
/// controls are escaped so pasted text cannot drive the terminal.
fn write_for_people(out: &mut impl Write, text: &[u8]) -> io::Result<()> {
    out.write_all(term::escape(&String::from_utf8_lossy(text)).as_bytes())
}

fn looks_like_dsn(text: &str) -> bool {
    let head = text
        .get(..text.len().min(64 * 1024))
        .unwrap_or(text)
        .to_ascii_lowercase();
    head.contains("delivery-status")
        || (head.contains("final-recipient:") && head.contains("action:"))
}

fn run_jsonl(
    args: &ExplainArgs,
    stdin: &mut impl BufRead,
    out: &mut impl Write,
) -> io::Result<i32> {
    let ctx = args.context();
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut bad = 0u64;
    loop {
        line.clear();
        let Some(too_long) = read_line_bounded(stdin, &mut line, MAX_LINE)? else {
            break;
        };
        number += 1;
        // One answer per input line, always: a blank line is an error object too, so that
        // output line N answers input line N.
        let result = if too_long {
            Err(format!("line is longer than {MAX_LINE} bytes"))
        } else if line.iter().all(u8::is_ascii_whitespace) {
            Err(format!("blank line: expected {JSONL_SHAPE}"))
        } else {
            serde_json::from_slice::<String>(&line)
                .map_err(|e| format!("not a JSON string ({e}): expected {JSONL_SHAPE}"))
        };
        match result {
            Ok(text) => term::write_json(&mut *out, &classify_text(&text, &ctx), false),
            Err(error) => {
                bad += 1;
                term::write_json(
                    &mut *out,
                    &serde_json::json!({ "line": number, "error": error }),
                    false,
                )
            }
        }
        .map_err(io::Error::other)?;
        writeln!(out)?;
    }
    out.flush()?;
    if bad > 0 {
        eprintln!(
            "smtping explain: {bad} of {number} line(s) were not JSON strings (see their \"error\"); --jsonl expects {JSONL_SHAPE}"
        );
    }
    Ok(if bad > 0 { EXIT_BAD_INPUT } else { EXIT_OK })
}

/// Reads one line (without the LF) into `buf`, keeping at most `max` bytes. Returns
/// `None` at end of input, else whether the line was longer than `max` (the excess is
/// discarded).
pub(crate) fn read_line_bounded(
    r: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> io::Result<Option<bool>> {
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok(seen_any.then_some(too_long));
        }
        seen_any = true;
        let (part, done) = match memchr_newline(chunk) {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        let room = max.saturating_sub(buf.len());
        if part.len() > room {
            too_long = true;
        }
        buf.extend_from_slice(&part[..part.len().min(room)]);
        let used = done.unwrap_or(chunk.len());
        r.consume(used);
        if done.is_some() {
            return Ok(Some(too_long));
        }
    }
}

fn memchr_newline(b: &[u8]) -> Option<usize> {
    b.iter().position(|c| *c == b'\n')
}

fn outcome_line(c: &Classification) -> String {
    match c.outcome {
        Outcome::Accepted => "accepted".to_owned(),
        Outcome::Deferred => "deferred (temporary: a later retry may succeed)".to_owned(),
        Outcome::Bounced if c.hard => {
            "bounced (hard: this address will never accept mail; do not retry)".to_owned()
        }
        Outcome::Bounced => {
            "bounced (permanent for this attempt; not a hard bounce: fixing the cause can make a new attempt succeed)"
                .to_owned()
        }
        _ => "unknown (no SMTP reply code or enhanced status code found)".to_owned(),
    }
}

fn code_line(c: &Classification) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(code) = c.code {
        match registry::basic(code) {
            Some(b) => parts.push(format!("{code} ({})", b.meaning)),
            None => parts.push(code.to_string()),
        }
    }
    if let Some(e) = c.enhanced {
        match registry::lookup(e) {
            Some(entry) => parts.push(format!("{e} (IANA: {}, {})", entry.title, entry.reference)),
            None => parts.push(format!("{e} (not in the IANA registry)")),
        }
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn write_human(out: &mut impl Write, c: &Classification) -> io::Result<()> {
    writeln!(out, "outcome:      {}", outcome_line(c))?;
    writeln!(out, "reason:       {} ({})", c.reason, c.reason.meaning())?;
    if let Some(codes) = code_line(c) {
        writeln!(out, "code:         {codes}")?;
    }
    if let Some(p) = c.provider {
        writeln!(out, "provider:     {} ({p})", p.name())?;
    }
    if let Some(s) = c.stage {
        writeln!(out, "stage:        {s}")?;
    }
    writeln!(out, "explanation:  {}", c.explanation)?;
    writeln!(out, "remediation:  {}", c.remediation)?;
    if let Some(rule) = &c.matched_rule {
        writeln!(out, "rule:         {rule}")?;
    }
    Ok(())
}

fn write_human_report(
    out: &mut impl Write,
    report: &Report,
    results: &[Classification],
) -> io::Result<()> {
    write!(out, "delivery status notification")?;
    if let Some(m) = &report.reporting_mta {
        write!(out, " from {}", m.value)?;
    }
    writeln!(out, ", {} recipient(s)", results.len())?;
    if let Some(id) = &report.message_id {
        writeln!(out, "original message-id: {id}")?;
    }
    if let Some(id) = &report.original_envelope_id {
        writeln!(out, "original envelope-id: {id}")?;
    }
    for (r, c) in report.recipients.iter().zip(results) {
        writeln!(out)?;
        writeln!(
            out,
            "recipient:    {}",
            r.address().unwrap_or("(not given)")
        )?;
        write_human(out, c)?;
    }
    Ok(())
}

fn write_json_report(
    out: &mut impl Write,
    report: &Report,
    results: &[Classification],
) -> io::Result<()> {
    let recipients: Vec<serde_json::Value> = report
        .recipients
        .iter()
        .zip(results)
        .map(|(r, c)| {
            let mut v = serde_json::to_value(c).unwrap_or_default();
            if let Some(obj) = v.as_object_mut() {
                obj.insert("recipient".to_owned(), r.address().into());
            }
            v
        })
        .collect();
    let doc = serde_json::json!({ "report": report, "recipients": recipients });
    term::write_json(&mut *out, &doc, false).map_err(io::Error::other)?;
    writeln!(out)
}

#[cfg(test)]
mod tests;
