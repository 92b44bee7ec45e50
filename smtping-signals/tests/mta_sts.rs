//! MTA-STS and TLS-RPT: the TXT evaluators over the in-memory DNS, the policy parser,
//! the assessment, and the sans-IO HTTP reader at every byte split.

use proptest::prelude::*;
use smtping_signals::dkim::Status;
use smtping_signals::evaluate_with;
use smtping_signals::mta_sts::http::{
    HttpError, HttpLimits, HttpResponse, Progress, ResponseReader, is_text_plain,
};
use smtping_signals::mta_sts::{
    DiscoveryOutcome, FetchFailure, FetchFailureKind, MtaStsEvaluator, MtaStsProblem, MtaStsReport,
    MxHostCheck, PolicyError, StsDiscovery, StsMode, check_policy_response, parse_policy,
    parse_sts_record,
};
use smtping_signals::tls_rpt::{TlsRptEvaluator, TlsRptProblem};
use smtping_testkit::dns::{Fault, MemoryDns, Zone};

fn discover(zone: Zone, domain: &str) -> StsDiscovery {
    let dns = MemoryDns::new(zone).expect("memory dns");
    evaluate_with(MtaStsEvaluator::new(domain), |q| dns.resolve(q)).expect("evaluation")
}

fn ids(problems: &[MtaStsProblem]) -> Vec<&'static str> {
    problems.iter().map(MtaStsProblem::finding_id).collect()
}

const ENFORCE: &[u8] =
    b"version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmax_age: 604800\r\n";

// ---- TXT discovery -------------------------------------------------------------

#[test]
fn one_record_announces_a_policy() {
    let d = discover(
        Zone::new()
            .txt("_mta-sts.example.com", "v=STSv1; id=20160831085700Z;")
            .txt("_mta-sts.example.com", "some other record"),
        "Example.COM.",
    );
    assert_eq!(d.outcome, DiscoveryOutcome::Found);
    assert_eq!(
        d.parsed.as_ref().map(|r| r.id.as_str()),
        Some("20160831085700Z")
    );
    assert_eq!(
        d.policy_url().as_deref(),
        Some("https://mta-sts.example.com/.well-known/mta-sts.txt")
    );
    assert!(d.problems.is_empty());
}

#[test]
fn no_record_is_grey_and_no_txt() {
    let d = discover(Zone::new().txt("example.com", "v=spf1 -all"), "example.com");
    assert_eq!(d.outcome, DiscoveryOutcome::NoRecord);
    assert!(d.policy_host().is_none());
    let report = MtaStsReport::assess(d, None, &[]);
    assert_eq!(report.status, Status::Grey);
    assert_eq!(ids(&report.problems), ["mta_sts.no_txt"]);
}

#[test]
fn several_records_mean_no_policy() {
    let d = discover(
        Zone::new()
            .txt("_mta-sts.example.com", "v=STSv1; id=1")
            .txt("_mta-sts.example.com", "v=STSv1; id=2"),
        "example.com",
    );
    assert_eq!(d.outcome, DiscoveryOutcome::MultipleRecords);
    assert!(d.policy_url().is_none());
    let report = MtaStsReport::assess(d, None, &[]);
    assert_eq!(report.status, Status::Red);
    assert_eq!(ids(&report.problems), ["mta_sts.multiple_records"]);
    assert!(report.error.is_some());
}

#[test]
fn malformed_record_is_invalid() {
    let d = discover(
        Zone::new().txt("_mta-sts.example.com", "v=STSv1; id=has-dashes"),
        "example.com",
    );
    assert_eq!(d.outcome, DiscoveryOutcome::Invalid);
    assert_eq!(ids(&d.problems), ["mta_sts.txt_invalid"]);
}

#[test]
fn lookup_failure_is_grey() {
    let d = discover(
        Zone::new().fault("_mta-sts.example.com", Fault::ServFail),
        "example.com",
    );
    assert_eq!(d.outcome, DiscoveryOutcome::LookupFailed);
    let report = MtaStsReport::assess(d, None, &[]);
    assert_eq!(report.status, Status::Grey);
    assert_eq!(ids(&report.problems), ["mta_sts.lookup_failed"]);
}

#[test]
fn record_through_cname() {
    let d = discover(
        Zone::new()
            .cname("_mta-sts.example.com", "_mta-sts.provider.test")
            .txt("_mta-sts.provider.test", "v=STSv1; id=abc"),
        "example.com",
    );
    assert_eq!(d.outcome, DiscoveryOutcome::Found);
}

#[test]
fn invalid_domain_asks_nothing() {
    let dns = MemoryDns::new(Zone::new()).unwrap();
    let d = evaluate_with(MtaStsEvaluator::new("bad domain"), |q| dns.resolve(q)).unwrap();
    assert_eq!(d.outcome, DiscoveryOutcome::InvalidDomain);
    assert!(dns.queries().is_empty());
}

// ---- assessment ----------------------------------------------------------------

fn found() -> StsDiscovery {
    discover(
        Zone::new().txt("_mta-sts.example.com", "v=STSv1; id=20160831085700Z;"),
        "example.com",
    )
}

#[test]
fn enforce_policy_with_covered_valid_hosts_is_green() {
    let hosts = [
        MxHostCheck::new("mail.example.com.", Some(true)),
        MxHostCheck::new("mx2.example.net", Some(true)),
    ];
    let report = MtaStsReport::assess(found(), Some(Ok(ENFORCE)), &hosts);
    assert_eq!(report.status, Status::Green, "{:?}", report.problems);
    assert_eq!(report.txt_id.as_deref(), Some("20160831085700Z"));
    assert_eq!(report.mode, Some(StsMode::Enforce));
    assert_eq!(report.max_age, Some(604_800));
    assert!(report.hosts.iter().all(|h| h.matched));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["mode"], "enforce");
    assert_eq!(json["mx_patterns"][1], "*.example.net");
    assert_eq!(json["hosts"][0]["name"], "mail.example.com");
    assert_eq!(json["hosts"][0]["certificate_valid"], true);
    assert_eq!(json["status"], "green");
    assert!(json["error"].is_null());
}

#[test]
fn uncovered_host_under_enforce_is_red() {
    let hosts = [
        MxHostCheck::new("mail.example.com", Some(true)),
        MxHostCheck::new("a.b.example.net", None),
    ];
    let report = MtaStsReport::assess(found(), Some(Ok(ENFORCE)), &hosts);
    assert_eq!(report.status, Status::Red);
    assert_eq!(ids(&report.problems), ["mta_sts.mx_not_covered"]);
    assert!(!report.hosts[1].matched);
}

#[test]
fn invalid_certificate_under_testing_is_amber() {
    let policy = b"version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 86400\n";
    let hosts = [MxHostCheck::new("mail.example.com", Some(false))];
    let report = MtaStsReport::assess(found(), Some(Ok(policy)), &hosts);
    assert_eq!(report.status, Status::Amber);
    assert_eq!(
        ids(&report.problems),
        [
            "mta_sts.mode_testing",
            "mta_sts.max_age_short",
            "mta_sts.mx_certificate_invalid"
        ]
    );
}

#[test]
fn mode_none_matches_nothing_and_warns() {
    let policy = b"version: STSv1\nmode: none\nmax_age: 60\n";
    let hosts = [MxHostCheck::new("mail.example.com", Some(false))];
    let report = MtaStsReport::assess(found(), Some(Ok(policy)), &hosts);
    assert_eq!(report.status, Status::Amber);
    assert_eq!(ids(&report.problems), ["mta_sts.mode_none"]);
}

#[test]
fn fetch_failure_and_invalid_policy_are_red() {
    let failure = FetchFailure::new(FetchFailureKind::Redirect, "HTTP 301").with_status(301);
    let report = MtaStsReport::assess(found(), Some(Err(failure)), &[]);
    assert_eq!(report.status, Status::Red);
    assert_eq!(ids(&report.problems), ["mta_sts.policy_fetch_failed"]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["problems"][0]["failure"]["kind"], "redirect");

    let report = MtaStsReport::assess(found(), Some(Ok(b"<html></html>")), &[]);
    assert_eq!(report.status, Status::Red);
    assert_eq!(ids(&report.problems), ["mta_sts.policy_invalid"]);
    assert!(report.error.unwrap().contains("line 1"));
}

#[test]
fn not_fetched_is_grey() {
    let report = MtaStsReport::assess(found(), None, &[]);
    assert_eq!(report.status, Status::Grey);
    assert_eq!(report.txt_id.as_deref(), Some("20160831085700Z"));
}

// ---- policy parser -------------------------------------------------------------

#[test]
fn rfc_8461_policy_example() {
    // RFC 8461 §3.2.
    let p = parse_policy(
        b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\nmax_age: 604800",
    )
    .unwrap();
    assert_eq!(p.mode, StsMode::Enforce);
    assert_eq!(
        p.mx.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["mail.example.com", "*.example.net", "backupmx.example.com"]
    );
    // RFC 8461 §4.1's matching examples.
    assert!(p.matches("mx1.example.net"));
    assert!(!p.matches("example.net"));
    assert!(!p.matches("foo.bar.example.net"));
    // §3.1's TXT example.
    assert_eq!(
        parse_sts_record(b"v=STSv1; id=20160831085700Z;")
            .unwrap()
            .id,
        "20160831085700Z"
    );
}

#[test]
fn max_age_bounds() {
    let with = |age: &str| {
        parse_policy(format!("version: STSv1\nmode: none\nmax_age: {age}\n").as_bytes())
    };
    assert_eq!(with("0").unwrap().max_age, 0);
    assert_eq!(with("31557600").unwrap().max_age, 31_557_600);
    assert!(matches!(
        with("31557601"),
        Err(PolicyError::BadMaxAge { .. })
    ));
    assert!(matches!(
        with("9999999999"),
        Err(PolicyError::BadMaxAge { .. })
    ));
    assert!(matches!(with("1e5"), Err(PolicyError::BadMaxAge { .. })));
}

proptest! {
    #[test]
    fn policy_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_policy(&bytes);
        let _ = parse_sts_record(&bytes);
        let _ = smtping_signals::tls_rpt::parse_tlsrpt_record(&bytes);
    }

    #[test]
    fn policy_lines_never_panic(lines in proptest::collection::vec(
        "(version|mode|mx|max_age|x_y)[:]?[ ]?(STSv1|enforce|testing|none|[*][.]a[.]test|[0-9]{1,11}|[ -~]{0,12})",
        0..8,
    ), crlf in any::<bool>()) {
        let text = lines.join(if crlf { "\r\n" } else { "\n" });
        if let Ok(p) = parse_policy(text.as_bytes()) {
            prop_assert!(p.max_age <= 31_557_600);
            prop_assert!(p.mode == StsMode::None || !p.mx.is_empty());
        }
    }

    #[test]
    fn http_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..1024), cut in 0usize..1024) {
        let mut reader = ResponseReader::new(HttpLimits::default());
        let cut = cut.min(bytes.len());
        let _ = reader.push(&bytes[..cut]);
        let _ = reader.push(&bytes[cut..]);
        let _ = reader.push_eof();
        let _ = reader.take_response();
    }
}

// ---- HTTP reader ---------------------------------------------------------------

/// Reads `wire` split in two at every position (and byte by byte), then EOF when
/// `eof`; every way must give the same result.
fn read_every_split(wire: &[u8], eof: bool) -> Result<HttpResponse, HttpError> {
    let run = |parts: &[&[u8]]| -> Result<HttpResponse, HttpError> {
        let mut reader = ResponseReader::new(HttpLimits::default());
        let mut progress = Progress::NeedMore;
        for part in parts {
            progress = reader.push(part)?;
        }
        if eof && progress == Progress::NeedMore {
            reader.push_eof()?;
        } else if progress == Progress::NeedMore {
            return Err(HttpError::Truncated { stage: "test" });
        }
        Ok(reader.take_response().expect("complete response"))
    };
    let whole = run(&[wire]);
    for cut in 0..=wire.len() {
        let (a, b) = wire.split_at(cut);
        assert_eq!(run(&[a, b]), whole, "split at {cut}");
    }
    let bytes: Vec<&[u8]> = wire.chunks(1).collect();
    assert_eq!(run(&bytes), whole, "byte by byte");
    whole
}

#[test]
fn content_length_body() {
    let wire = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 28\r\n\r\nversion: STSv1\nmode: enforce";
    let r = read_every_split(wire, false).unwrap();
    assert_eq!(r.head.status, 200);
    assert_eq!(r.body, b"version: STSv1\nmode: enforce");
    assert!(is_text_plain(&r.head.content_type().unwrap()));
    assert_eq!(check_policy_response(&r).unwrap(), r.body.as_slice());
}

#[test]
fn chunked_body_with_extensions_and_trailers() {
    let wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n5;ext=1\r\nhello\r\n7\r\n, world\r\n0\r\nX-Trailer: yes\r\n\r\n";
    let r = read_every_split(wire, false).unwrap();
    assert_eq!(r.body, b"hello, world");
}

#[test]
fn close_delimited_body() {
    let wire = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nversion: STSv1\n";
    let r = read_every_split(wire, true).unwrap();
    assert_eq!(r.body, b"version: STSv1\n");
}

#[test]
fn interim_response_is_skipped() {
    let wire =
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!";
    let r = read_every_split(wire, false).unwrap();
    assert_eq!(r.head.status, 404);
    assert_eq!(r.body, b"no!");
    assert_eq!(
        check_policy_response(&r).unwrap_err().kind,
        FetchFailureKind::HttpStatus
    );
}

#[test]
fn redirect_and_content_type_are_refused() {
    let r = read_every_split(
        b"HTTP/1.1 302 Found\r\nLocation: https://other.test/\r\nContent-Length: 0\r\n\r\n",
        false,
    )
    .unwrap();
    let failure = check_policy_response(&r).unwrap_err();
    assert_eq!(failure.kind, FetchFailureKind::Redirect);
    assert_eq!(failure.status, Some(302));
    let r = read_every_split(
        b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n",
        false,
    )
    .unwrap();
    assert_eq!(
        check_policy_response(&r).unwrap_err().kind,
        FetchFailureKind::ContentType
    );
}

#[test]
fn body_limits() {
    // Announced too large: refused at the head.
    let mut reader = ResponseReader::new(HttpLimits::default());
    assert_eq!(
        reader.push(b"HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n"),
        Err(HttpError::BodyTooLarge { limit: 65536 })
    );
    // Close-delimited, growing past the limit.
    let mut reader = ResponseReader::new(HttpLimits::default());
    reader.push(b"HTTP/1.1 200 OK\r\n\r\n").unwrap();
    let chunk = vec![b'a'; 4096];
    let mut result = Ok(Progress::NeedMore);
    for _ in 0..17 {
        result = reader.push(&chunk);
        if result.is_err() {
            break;
        }
    }
    assert_eq!(result, Err(HttpError::BodyTooLarge { limit: 65536 }));
    // Chunked, growing past the limit.
    let mut reader = ResponseReader::new(HttpLimits::default());
    reader
        .push(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    assert_eq!(
        reader.push(b"10001\r\n"),
        Err(HttpError::BodyTooLarge { limit: 65536 })
    );
}

#[test]
fn malformed_responses() {
    let err = |wire: &[u8], eof: bool| read_every_split(wire, eof).unwrap_err();
    assert!(matches!(
        err(b"SMTP/1.0 220 hi\r\n\r\n", false),
        HttpError::MalformedHead { .. }
    ));
    assert!(matches!(
        err(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", true),
        HttpError::Truncated { stage: "body" }
    ));
    assert!(matches!(
        err(b"HTTP/1.1 200 OK\r\n", true),
        HttpError::Truncated { stage: "head" }
    ));
    assert!(matches!(
        err(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
            false
        ),
        HttpError::BadContentLength
    ));
    assert!(matches!(
        err(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            false
        ),
        HttpError::UnsupportedTransferEncoding { .. }
    ));
    assert!(matches!(
        err(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            false
        ),
        HttpError::BadChunk { .. }
    ));
    assert!(matches!(
        err(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX",
            false
        ),
        HttpError::BadChunk { .. }
    ));
    // A head that never ends.
    let mut reader = ResponseReader::new(HttpLimits::default());
    let mut got = Ok(Progress::NeedMore);
    reader.push(b"HTTP/1.1 200 OK\r\n").unwrap();
    for _ in 0..2000 {
        got = reader.push(b"X-Long: aaaaaaaaaa\r\n");
        if got.is_err() {
            break;
        }
    }
    assert!(matches!(
        got,
        Err(HttpError::HeadTooLarge { .. } | HttpError::TooManyHeaders { .. })
    ));
}

// ---- TLS-RPT -------------------------------------------------------------------

#[test]
fn tls_rpt_record_and_problems() {
    let run = |zone: Zone| {
        let dns = MemoryDns::new(zone).unwrap();
        evaluate_with(TlsRptEvaluator::new("example.com"), |q| dns.resolve(q)).unwrap()
    };
    let ok = run(Zone::new().txt(
        "_smtp._tls.example.com",
        "v=TLSRPTv1; rua=mailto:tlsrpt@example.com, https://r.example.com/v1",
    ));
    assert_eq!(ok.status, Status::Green);
    assert_eq!(
        ok.rua,
        ["mailto:tlsrpt@example.com", "https://r.example.com/v1"]
    );
    let json = serde_json::to_value(&ok).unwrap();
    assert_eq!(json["rua"][1], "https://r.example.com/v1");
    assert!(json["record"].as_str().unwrap().starts_with("v=TLSRPTv1"));

    let missing = run(Zone::new());
    assert_eq!(missing.status, Status::Grey);
    assert_eq!(missing.problems[0].finding_id(), "tls_rpt.missing");

    let two = run(Zone::new()
        .txt(
            "_smtp._tls.example.com",
            "v=TLSRPTv1; rua=mailto:a@example.com",
        )
        .txt(
            "_smtp._tls.example.com",
            "v=TLSRPTv1; rua=mailto:b@example.com",
        ));
    assert_eq!(two.status, Status::Red);
    assert!(matches!(
        two.problems[0],
        TlsRptProblem::MultipleRecords { count: 2, .. }
    ));

    let bad = run(Zone::new().txt("_smtp._tls.example.com", "v=TLSRPTv1; ruf=mailto:a@b.test"));
    assert_eq!(bad.status, Status::Red);
    assert_eq!(bad.problems[0].finding_id(), "tls_rpt.invalid");

    let ftp = run(Zone::new().txt("_smtp._tls.example.com", "v=TLSRPTv1; rua=ftp://x.test/"));
    assert_eq!(ftp.status, Status::Amber);
    assert_eq!(ftp.problems[0].finding_id(), "tls_rpt.unsupported_uri");

    let failed = run(Zone::new().fault("_smtp._tls.example.com", Fault::ServFail));
    assert_eq!(failed.status, Status::Grey);
    assert_eq!(failed.problems[0].finding_id(), "tls_rpt.lookup_failed");
}

/// A response carrying `body` with framing `kind` (0 length, 1 chunked in pieces of
/// `piece` bytes, 2 close-delimited).
fn framed(body: &[u8], kind: u8, piece: usize) -> Vec<u8> {
    let mut out = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n".to_vec();
    match kind {
        0 => {
            out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
            out.extend_from_slice(body);
        }
        1 => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
            for chunk in body.chunks(piece.max(1)) {
                out.extend_from_slice(format!("{:X}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
        }
        _ => {
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(body);
        }
    }
    out
}

proptest! {
    #[test]
    fn http_reader_any_framing_any_splits(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        kind in 0u8..3,
        piece in 1usize..64,
        cuts in proptest::collection::vec(0usize..2000, 0..6),
    ) {
        let wire = framed(&body, kind, piece);
        let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c % (wire.len() + 1)).collect();
        cuts.sort_unstable();
        let mut reader = ResponseReader::new(HttpLimits::default());
        let mut start = 0;
        let mut progress = Progress::NeedMore;
        for cut in cuts.into_iter().chain([wire.len()]) {
            progress = reader.push(&wire[start..cut]).unwrap();
            start = cut;
        }
        if progress == Progress::NeedMore {
            prop_assert_eq!(kind, 2);
            progress = reader.push_eof().unwrap();
        }
        prop_assert_eq!(progress, Progress::Complete);
        prop_assert_eq!(reader.take_response().unwrap().body, body);
    }
}

#[test]
fn an_error_is_sticky() {
    let mut reader = ResponseReader::new(HttpLimits::default());
    let first = reader
        .push(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")
        .unwrap_err();
    assert_eq!(first, HttpError::BadContentLength);
    assert_eq!(reader.push(b"more"), Err(first.clone()));
    assert_eq!(reader.push_eof(), Err(first));
    assert!(reader.take_response().is_none());
}
