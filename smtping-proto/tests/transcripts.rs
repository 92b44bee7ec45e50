//! Transcript tests: every `tests/transcripts/*.txt` dialogue is replayed against the
//! session with the server's bytes delivered whole, one byte at a time, and split at every
//! possible point. Every run must produce exactly the client bytes in the file and the same
//! outcome, which must match the file's `@expect` line.
//!
//! File format (one directive per line):
//!
//! ```text
//! # comment
//! @plan tls=opportunistic from=a@x.test to=b@y.test,c@y.test message=simple ...
//! S: a server line (CRLF appended)       S~ raw server bytes with escapes (\r \n \x00)
//! C: an expected client line (CRLF)      C~ raw expected client bytes with escapes
//! T: verified | unverified | fail        the adapter's TLS handshake result
//! W: 31s                                 advance the clock and call handle_timeout
//! E:                                     the server closes the connection
//! @expect delivery=accepted error=none ...
//! ```

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use smtping_proto::command::Notify;
use smtping_proto::sasl::Credentials;
use smtping_proto::session::{
    AuthPlan, DsnRequest, Envelope, MechanismChoice, Message, Outcome, Output, Plan, QuitAfter,
    Session, Timeouts, TlsEstablished, TlsPolicy,
};
use smtping_proto::{Address, AuthMechanism, BareLfPolicy, Domain, ReplyLimits};

#[derive(Debug, Clone)]
enum Step {
    Server(Vec<u8>),
    Client(Vec<u8>),
    Tls(String),
    Wait(Duration),
    Eof,
}

#[derive(Debug)]
struct Script {
    name: String,
    plan: BTreeMap<String, String>,
    expect: Vec<(String, String)>,
    steps: Vec<Step>,
}

fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'r' => out.push(b'\r'),
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' if i + 3 < b.len() => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 4;
                    continue;
                }
                other => panic!("bad escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn parse_kv(s: &str) -> Vec<(String, String)> {
    s.split_whitespace()
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn parse_script(path: &Path) -> Script {
    let text = fs::read_to_string(path).unwrap();
    let mut script = Script {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        plan: BTreeMap::new(),
        expect: Vec::new(),
        steps: Vec::new(),
    };
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("@plan") {
            script.plan.extend(parse_kv(rest));
            continue;
        }
        if let Some(rest) = line.strip_prefix("@expect") {
            script.expect.extend(parse_kv(rest));
            continue;
        }
        let (tag, body) = line.split_at(2.min(line.len()));
        let body = body.strip_prefix(' ').unwrap_or(body);
        let step = match tag {
            "S:" => Step::Server([body.as_bytes(), b"\r\n"].concat()),
            "S~" => Step::Server(unescape(body)),
            "C:" => Step::Client([body.as_bytes(), b"\r\n"].concat()),
            "C~" => Step::Client(unescape(body)),
            "T:" => Step::Tls(body.trim().to_owned()),
            "W:" => {
                let secs: f64 = body.trim().trim_end_matches('s').parse().unwrap();
                Step::Wait(Duration::from_secs_f64(secs))
            }
            "E:" => Step::Eof,
            _ => panic!("{}: bad line {line:?}", script.name),
        };
        // Merge consecutive server or client chunks into one block.
        match (script.steps.last_mut(), &step) {
            (Some(Step::Server(a)), Step::Server(b)) => a.extend_from_slice(b),
            (Some(Step::Client(a)), Step::Client(b)) => a.extend_from_slice(b),
            _ => script.steps.push(step),
        }
    }
    script
}

fn build_plan(kv: &BTreeMap<String, String>) -> Plan {
    let get = |k: &str| kv.get(k).map(String::as_str);
    let mut plan = Plan::new(Domain::ehlo_name(get("ehlo").unwrap_or("client.test")).unwrap());
    plan = plan.tls(match get("tls").unwrap_or("none") {
        "none" => TlsPolicy::None,
        "opportunistic" => TlsPolicy::Opportunistic,
        "starttls" => TlsPolicy::RequireStartTls,
        "implicit" => TlsPolicy::Implicit,
        other => panic!("tls={other}"),
    });
    if let Some(from) = get("from") {
        let from = Address::new(from).unwrap();
        let to = get("to")
            .unwrap_or("")
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|a| Address::new(a).unwrap())
            .collect();
        let mut env = Envelope::new(from, to);
        if let Some(n) = get("notify") {
            env.options.dsn = Some(DsnRequest {
                notify: Some(match n {
                    "never" => Notify::NEVER,
                    _ => Notify::FAILURE | Notify::DELAY,
                }),
                ret: None,
                envid: get("envid").map(str::to_owned),
            });
        }
        env.options.requiretls = get("requiretls") == Some("yes");
        plan = plan.envelope(env);
    }
    match get("message") {
        None | Some("none") => {}
        Some("simple") => {
            plan = plan.message(Message::Raw(
                b"Subject: test\r\n\r\nHello.\r\n.dot line\r\n".to_vec(),
            ));
        }
        Some("8bit") => {
            plan = plan.message(Message::Raw(
                "Subject: t\r\n\r\ncafé\r\n".as_bytes().to_vec(),
            ))
        }
        Some(other) => {
            let n: usize = other.strip_prefix("size:").unwrap().parse().unwrap();
            plan = plan.message(Message::Raw(smtping_proto::session::generated_body(n)));
        }
    }
    if let Some(q) = get("quit_after") {
        plan = plan.quit_after(q.parse::<QuitAfter>().unwrap());
    }
    if let Some(auth) = get("auth") {
        let mut parts = auth.split(':');
        let creds = Credentials::new(parts.next().unwrap(), parts.next().unwrap());
        let mut a = AuthPlan::new(creds);
        if let Some(m) = parts.next() {
            a.mechanism = MechanismChoice::Exactly(AuthMechanism::from_name(m));
        }
        a.allow_plaintext_without_tls = get("auth_plaintext") == Some("yes");
        a.allow_unverified_tls = get("auth_unverified") == Some("yes");
        plan = plan.auth(a);
    }
    if get("pipelining") == Some("no") {
        plan = plan.pipelining(false);
    }
    if let Some(t) = get("timeout") {
        let secs: u64 = t.trim_end_matches('s').parse().unwrap();
        plan = plan.timeouts(Timeouts::all(Duration::from_secs(secs)));
    }
    if get("strict") == Some("yes") {
        plan = plan.bare_lf(BareLfPolicy::Refuse);
    }
    if let Some(n) = get("max_lines") {
        plan = plan.limits(ReplyLimits::default().max_lines(n.parse().unwrap()));
    }
    if get("redact") == Some("yes") {
        plan = plan.redact_addresses(true);
    }
    plan
}

/// How server blocks are cut.
#[derive(Clone, Copy, Debug)]
enum Feed {
    Whole,
    ByteByByte,
    /// Split the whole server stream once at this offset.
    SplitAt(usize),
}

struct Run {
    outcome: Box<Outcome>,
    client: Vec<u8>,
}

fn drain(
    session: &mut Session,
    written: &mut Vec<u8>,
    tls_requested: &mut bool,
) -> Option<Box<Outcome>> {
    for _ in 0..10_000 {
        match session.poll_output() {
            Output::Transmit(b) => written.extend_from_slice(&b),
            Output::StartTls => *tls_requested = true,
            Output::Event(_) => {}
            Output::Wait { .. } => return None,
            Output::Done(o) => return Some(o),
        }
    }
    panic!("poll_output did not settle");
}

fn run(script: &Script, feed: Feed) -> Run {
    let t0 = Instant::now();
    let mut now = t0;
    let mut session = Session::new(build_plan(&script.plan), t0);
    let mut written = Vec::new();
    let mut checked = 0usize;
    let mut tls_requested = false;
    let mut done = drain(&mut session, &mut written, &mut tls_requested);
    let mut server_offset = 0usize;
    let ctx = |what: &str| format!("{} ({feed:?}): {what}", script.name);
    for step in &script.steps {
        match step {
            Step::Server(bytes) => {
                let cut: Vec<&[u8]> = match feed {
                    Feed::Whole => vec![bytes],
                    Feed::ByteByByte => bytes.chunks(1).collect(),
                    Feed::SplitAt(k) if k > server_offset && k < server_offset + bytes.len() => {
                        let (a, b) = bytes.split_at(k - server_offset);
                        vec![a, b]
                    }
                    Feed::SplitAt(_) => vec![bytes],
                };
                server_offset += bytes.len();
                for part in cut {
                    if done.is_some() {
                        break;
                    }
                    session.handle_input(part, now);
                    done = drain(&mut session, &mut written, &mut tls_requested);
                }
            }
            Step::Client(expected) => {
                let got = &written[checked..];
                assert!(
                    got.starts_with(expected),
                    "{}",
                    ctx(&format!(
                        "client wrote {:?}, expected {:?}",
                        String::from_utf8_lossy(got),
                        String::from_utf8_lossy(expected)
                    ))
                );
                checked += expected.len();
            }
            Step::Tls(_) if done.is_some() => {}
            Step::Tls(how) => {
                assert!(
                    tls_requested,
                    "{}",
                    ctx("TLS step but the session did not ask for a handshake")
                );
                tls_requested = false;
                match how.as_str() {
                    "fail" => session.handle_tls_failed("peer sent a fatal alert", now),
                    v => session.handle_tls_established(
                        TlsEstablished {
                            version: "TLSv1.3".into(),
                            verified: v == "verified",
                        },
                        now,
                    ),
                }
                done = drain(&mut session, &mut written, &mut tls_requested);
            }
            Step::Wait(d) => {
                now += *d;
                if done.is_none() {
                    session.handle_timeout(now);
                    done = drain(&mut session, &mut written, &mut tls_requested);
                }
            }
            Step::Eof => {
                if done.is_none() {
                    session.handle_eof(now);
                    done = drain(&mut session, &mut written, &mut tls_requested);
                }
            }
        }
    }
    let outcome = done.unwrap_or_else(|| panic!("{}", ctx("the session did not finish")));
    assert_eq!(
        written.len(),
        checked,
        "{}",
        ctx(&format!(
            "client wrote more than the transcript shows: {:?}",
            String::from_utf8_lossy(&written[checked..])
        ))
    );
    Run {
        outcome,
        client: written,
    }
}

fn check_expectations(script: &Script, o: &Outcome) {
    let name = &script.name;
    for (k, v) in &script.expect {
        let v = v.as_str();
        match k.as_str() {
            "delivery" => assert_eq!(o.delivery.status.as_str(), v, "{name}: delivery"),
            "delivery_phase" => assert_eq!(
                o.delivery.phase.map_or("none", |p| p.as_str()),
                v,
                "{name}: delivery phase"
            ),
            "delivery_code" => assert_eq!(
                o.delivery
                    .reply
                    .as_ref()
                    .map_or(0, |r| r.code())
                    .to_string(),
                v,
                "{name}: delivery code"
            ),
            "error" => assert_eq!(
                o.error.as_ref().map_or("none", |e| e.kind.as_str()),
                v,
                "{name}: error kind ({:?})",
                o.error
            ),
            "error_phase" => assert_eq!(
                o.error.as_ref().map_or("none", |e| e.phase.as_str()),
                v,
                "{name}: error phase ({:?})",
                o.error
            ),
            "error_code" => assert_eq!(
                o.error
                    .as_ref()
                    .and_then(|e| e.reply.as_ref())
                    .map_or(0, |r| r.code())
                    .to_string(),
                v,
                "{name}: error reply code"
            ),
            "error_says" => {
                let msg = o
                    .error
                    .as_ref()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                assert!(
                    msg.contains(&v.replace('_', " ")),
                    "{name}: error message {msg:?} lacks {v:?}"
                );
            }
            "rcpt" => {
                let got: Vec<&str> = o
                    .delivery
                    .recipients
                    .iter()
                    .map(|r| r.status.as_str())
                    .collect();
                assert_eq!(got.join(","), v, "{name}: recipients");
            }
            "auth" => {
                let got = match &o.auth {
                    None => "none",
                    Some(a) if a.success => "success",
                    Some(_) => "failure",
                };
                assert_eq!(got, v, "{name}: auth");
            }
            "tls" => assert_eq!(if o.tls.is_some() { "yes" } else { "no" }, v, "{name}: tls"),
            "helo" => assert_eq!(
                if o.used_helo { "yes" } else { "no" },
                v,
                "{name}: HELO fallback"
            ),
            "pipelined" => assert_eq!(
                if o.delivery.pipelined { "yes" } else { "no" },
                v,
                "{name}: pipelined"
            ),
            "observation" => {
                let names: Vec<String> = o
                    .observations
                    .iter()
                    .map(|x| {
                        format!("{x:?}")
                            .split([' ', '{', '('])
                            .next()
                            .unwrap_or("")
                            .to_owned()
                    })
                    .collect();
                assert!(
                    names.iter().any(|n| n == v),
                    "{name}: observation {v} not in {names:?}"
                );
            }
            "no_observation" => assert!(o.observations.is_empty(), "{name}: {:?}", o.observations),
            "transcript_has" => {
                let t = o.transcript.to_string();
                let needle = v.replace('_', " ");
                assert!(
                    t.contains(&needle),
                    "{name}: transcript lacks {needle:?}:\n{t}"
                );
            }
            "transcript_lacks" => {
                let t = o.transcript.to_string();
                let needle = v.replace('_', " ");
                assert!(
                    !t.contains(&needle),
                    "{name}: transcript shows {needle:?}:\n{t}"
                );
            }
            "message_bytes" => assert_eq!(
                o.delivery.message_bytes.to_string(),
                v,
                "{name}: message bytes"
            ),
            "ext_after_tls" => assert_eq!(
                if o.extensions_tls.is_some() {
                    "yes"
                } else {
                    "no"
                },
                v,
                "{name}: EHLO after TLS"
            ),
            other => panic!("{name}: unknown expectation {other}"),
        }
    }
}

fn summary(o: &Outcome) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{}",
        o.delivery.status,
        o.error.as_ref().map(|e| (e.kind, e.phase)),
        o.delivery
            .recipients
            .iter()
            .map(|r| r.status)
            .collect::<Vec<_>>(),
        o.observations,
        o.transcript
    )
}

fn transcript_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/transcripts");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_transcript_at_every_split() {
    let files = transcript_files();
    assert!(
        files.len() >= 30,
        "expected the transcript corpus, found {}",
        files.len()
    );
    let mut runs = 0usize;
    for path in files {
        let script = parse_script(&path);
        assert!(!script.expect.is_empty(), "{}: no @expect", script.name);
        let reference = run(&script, Feed::Whole);
        check_expectations(&script, &reference.outcome);
        let expected = summary(&reference.outcome);
        let total: usize = script
            .steps
            .iter()
            .map(|s| if let Step::Server(b) = s { b.len() } else { 0 })
            .sum();
        let mut feeds = vec![Feed::ByteByByte];
        feeds.extend((1..total).map(Feed::SplitAt));
        for feed in feeds {
            let r = run(&script, feed);
            assert_eq!(
                r.client, reference.client,
                "{}: client bytes differ with {feed:?}",
                script.name
            );
            assert_eq!(
                summary(&r.outcome),
                expected,
                "{}: outcome differs with {feed:?}",
                script.name
            );
            runs += 1;
        }
    }
    assert!(runs > 1000);
}
