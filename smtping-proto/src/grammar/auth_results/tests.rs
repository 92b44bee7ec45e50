use super::*;
use alloc::format;
use proptest::prelude::*;

fn parse(s: &str) -> AuthenticationResults {
    AuthenticationResults::parse(s.as_bytes()).unwrap()
}

// RFC 8601 appendix B.2: no checks done.
#[test]
fn rfc8601_b2_none_with_version() {
    let ar = parse("example.org 1; none");
    assert_eq!(ar.authserv_id, "example.org");
    assert_eq!(ar.version, Some(1));
    assert!(ar.none);
    assert!(ar.results.is_empty());
    assert_eq!(ar.to_string(), "example.org 1; none");
}

// B.3: a single SPF result.
#[test]
fn rfc8601_b3_spf() {
    let ar = parse("example.com;\r\n                  spf=pass smtp.mailfrom=example.net");
    let spf = ar.spf().unwrap();
    assert_eq!(spf.result, AuthResult::Pass);
    assert_eq!(spf.property("smtp", "mailfrom"), Some("example.net"));
}

// B.4: SMTP AUTH and SPF, then iprev in a second field.
#[test]
fn rfc8601_b4_auth_and_iprev() {
    let ar = parse(
        "example.com;\r\n auth=pass (cram-md5) smtp.auth=sender@example.net;\r\n spf=pass smtp.mailfrom=example.net",
    );
    assert_eq!(ar.results.len(), 2);
    assert_eq!(ar.results[0].method, Method::Auth);
    assert_eq!(ar.results[0].comments, ["cram-md5"]);
    assert_eq!(
        ar.results[0].property("smtp", "auth"),
        Some("sender@example.net")
    );
    let ar = parse("example.com; iprev=pass\r\n policy.iprev=192.0.2.200");
    assert_eq!(ar.results[0].method, Method::Iprev);
    assert_eq!(
        ar.results[0].property("policy", "iprev"),
        Some("192.0.2.200")
    );
}

// B.5: sender-id and DKIM.
#[test]
fn rfc8601_b5_sender_id_and_dkim() {
    let ar = parse(
        "example.com;\r\n          sender-id=fail header.from=example.com;\r\n          dkim=pass (good signature) header.d=example.com",
    );
    assert_eq!(ar.results[0].method, Method::SenderId);
    assert_eq!(ar.results[0].result, AuthResult::Fail);
    let dkim = ar.dkim();
    assert_eq!(dkim.len(), 1);
    assert_eq!(dkim[0].domain, Some("example.com"));
    assert_eq!(dkim[0].result.comments, ["good signature"]);
}

// B.6: reasons as quoted strings, domain from header.i.
#[test]
fn rfc8601_b6_reasons_and_identities() {
    let ar = parse(
        "example.com;\r\n          dkim=pass reason=\"good signature\"\r\n            header.i=@mail-router.example.net;\r\n          dkim=fail reason=\"bad signature\"\r\n            header.i=@newyork.example.com",
    );
    let dkim = ar.dkim();
    assert_eq!(dkim.len(), 2);
    assert_eq!(dkim[0].result.reason.as_deref(), Some("good signature"));
    assert_eq!(dkim[0].identity, Some("@mail-router.example.net"));
    assert_eq!(dkim[0].domain, Some("mail-router.example.net"));
    assert_eq!(dkim[1].result.result, AuthResult::Fail);
    assert_eq!(dkim[1].domain, Some("newyork.example.com"));
}

// B.7: two signatures told apart by header.b.
#[test]
fn rfc8601_b7_header_b() {
    let ar = parse(
        "mail-router.example.net;\r\n dkim=pass (good signature) header.d=newyork.example.com\r\n       header.b=oINEO8hg;\r\n dkim=fail (bad signature) header.d=mail-router.example.net\r\n       header.b=EToRSuvU",
    );
    let dkim = ar.dkim();
    assert_eq!(dkim[0].signature, Some("oINEO8hg"));
    assert_eq!(dkim[1].signature, Some("EToRSuvU"));
}

#[test]
fn gmail() {
    let ar = parse(
        "mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 header.b=\"kX0/4+Qs\";\r\n       arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com dmarc=pass fromdomain=example.com);\r\n       spf=pass (google.com: domain of alice@example.com designates 209.85.220.41 as permitted sender) smtp.mailfrom=alice@example.com;\r\n       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com",
    );
    assert_eq!(ar.authserv_id, "mx.google.com");
    assert!(ar.unparsed.is_empty());
    assert_eq!(ar.results.len(), 4);
    assert_eq!(ar.dkim()[0].signature, Some("kX0/4+Qs"));
    assert_eq!(ar.arc().unwrap().result, AuthResult::Pass);
    assert!(ar.arc().unwrap().comments[0].starts_with("i=1 spf=pass"));
    assert!(ar.spf().unwrap().comments[0].contains("designates 209.85.220.41"));
    assert_eq!(ar.dmarc().unwrap().header_from, Some("example.com"));
}

#[test]
fn microsoft_365_without_authserv_id() {
    let ar = parse(
        "spf=pass (sender IP is 209.85.128.54)\r\n smtp.mailfrom=gmail.com; dkim=pass (signature was verified)\r\n header.d=gmail.com;dmarc=pass action=none header.from=gmail.com;compauth=pass\r\n reason=100",
    );
    assert_eq!(ar.authserv_id, "");
    assert_eq!(ar.results.len(), 4);
    assert_eq!(
        ar.spf().unwrap().property("smtp", "mailfrom"),
        Some("gmail.com")
    );
    let dmarc = ar.dmarc().unwrap();
    assert_eq!(dmarc.result.property("", "action"), Some("none"));
    assert_eq!(dmarc.header_from, Some("gmail.com"));
    let compauth = &ar.results[3];
    assert_eq!(compauth.method, Method::Other("compauth".into()));
    assert_eq!(compauth.reason.as_deref(), Some("100"));
    // MS "not signed" form.
    let ar = parse(
        "spf=none (sender IP is 192.0.2.7) smtp.mailfrom=example.org; dkim=none (message not signed) header.d=none;dmarc=none action=none header.from=example.org;compauth=fail reason=001",
    );
    assert_eq!(ar.dkim()[0].result.result, AuthResult::None);
    assert_eq!(ar.results[3].result, AuthResult::Fail);
}

#[test]
fn fastmail() {
    let ar = parse(
        "mx1.messagingengine.com;\r\n    dkim=pass (2048-bit rsa key sha256) header.d=example.com header.i=@example.com header.b=AbCd1234 header.a=rsa-sha256 header.s=fm1 x-bits=2048;\r\n    dmarc=pass policy.published-domain-policy=none policy.applied-disposition=none policy.evaluated-disposition=none (p=none,d=none,d.eval=none) policy.policy-from=p header.from=example.com;\r\n    iprev=pass smtp.remote-ip=66.111.4.25 (out1-smtp.messagingengine.com);\r\n    spf=pass smtp.mailfrom=alice@example.com smtp.helo=out1-smtp.messagingengine.com;\r\n    x-aligned-from=pass (Address match);\r\n    x-me-sender=none;\r\n    arc=none (no signatures)",
    );
    assert!(ar.unparsed.is_empty(), "{:?}", ar.unparsed);
    assert_eq!(ar.results.len(), 7);
    let dkim = ar.dkim();
    assert_eq!(dkim[0].selector, Some("fm1"));
    assert_eq!(dkim[0].result.property("", "x-bits"), Some("2048"));
    let dmarc = ar.dmarc().unwrap();
    assert_eq!(
        dmarc.result.property("policy", "published-domain-policy"),
        Some("none")
    );
    assert_eq!(dmarc.result.comments, ["p=none,d=none,d.eval=none"]);
    assert_eq!(ar.results[4].method, Method::Other("x-aligned-from".into()));
    assert_eq!(ar.arc().unwrap().result, AuthResult::None);
}

#[test]
fn debian_opendkim_opendmarc_policyd_spf() {
    let ar = parse(
        "mx.example.org;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com header.a=rsa-sha256 header.s=mail header.b=Qm9vdHM=",
    );
    let dkim = ar.dkim();
    assert_eq!(
        (dkim[0].domain, dkim[0].selector),
        (Some("example.com"), Some("mail"))
    );
    assert_eq!(dkim[0].result.comments, ["2048-bit key; unprotected"]);
    let ar = parse("mx.example.org; dmarc=pass (p=none dis=none) header.from=example.com");
    assert_eq!(ar.dmarc().unwrap().header_from, Some("example.com"));
    let ar = parse(
        "mx.example.org; spf=pass (sender SPF authorized) smtp.mailfrom=example.com (client-ip=192.0.2.1; helo=mail.example.com; envelope-from=alice@example.com; receiver=<UNKNOWN>)",
    );
    let spf = ar.spf().unwrap();
    assert_eq!(spf.property("smtp", "mailfrom"), Some("example.com"));
    assert_eq!(spf.comments.len(), 2);
    // OpenDKIM's field name left in, and a bad signature.
    let ar = parse(
        "Authentication-Results: mx.example.org (amavis); dkim=fail reason=\"signature verification failed\" (1024-bit key) header.d=example.net header.i=@example.net header.b=\"x\"",
    );
    assert_eq!(ar.authserv_id, "mx.example.org");
    assert_eq!(ar.comments, ["amavis"]);
    assert_eq!(ar.dkim()[0].result.result, AuthResult::Fail);
}

#[test]
fn method_versions_and_case() {
    let ar = parse(
        "MX.example.org; DKIM/1=PASS Header.D=Example.COM; spf = softfail smtp . mailfrom = x@y",
    );
    assert_eq!(ar.results[0].version, Some(1));
    assert_eq!(ar.results[0].result, AuthResult::Pass);
    assert_eq!(ar.dkim()[0].domain, Some("Example.COM"));
    assert_eq!(ar.spf().unwrap().result, AuthResult::SoftFail);
    assert_eq!(ar.spf().unwrap().property("smtp", "mailfrom"), Some("x@y"));
}

#[test]
fn bad_results_are_kept_raw_and_the_rest_read() {
    let ar = parse("mx; spf; dkim=pass header.d=a.example; =x; hardfail=; dmarc=fail");
    assert_eq!(ar.results.len(), 2);
    assert_eq!(ar.unparsed, ["spf", "=x", "hardfail="]);
    assert_eq!(ar.dmarc().unwrap().result.result, AuthResult::Fail);
}

#[test]
fn limits_are_enforced() {
    let long = "a".repeat(DEFAULT_MAX_LEN + 1);
    assert!(matches!(
        AuthenticationResults::parse(long.as_bytes()),
        Err(AuthResultsError::TooLong { .. })
    ));
    let many: String = (0..100).map(|_| "; spf=pass").collect();
    assert_eq!(
        AuthenticationResults::parse(format!("mx{many}").as_bytes()),
        Err(AuthResultsError::TooManyResults { limit: 64 })
    );
    let props: String = (0..40).map(|n| format!(" smtp.p{n}=v")).collect();
    assert!(matches!(
        AuthenticationResults::parse(format!("mx; spf=pass{props}").as_bytes()),
        Err(AuthResultsError::TooManyProperties { .. })
    ));
    assert_eq!(
        AuthenticationResults::parse(b"  "),
        Err(AuthResultsError::Empty)
    );
    // Deeply nested comments are not recursed into.
    let nested = format!("mx; spf=pass {}x{}", "(".repeat(5000), ")".repeat(5000));
    let ar = AuthenticationResults::parse(nested.as_bytes()).unwrap();
    assert!(ar.results.is_empty());
    assert_eq!(ar.unparsed.len(), 1);
}

fn word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9-]{0,8}"
}

proptest! {
    #[test]
    fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = AuthenticationResults::parse(&bytes);
    }

    #[test]
    fn display_round_trips(
        id in "|[a-z]{1,8}(\\.[a-z]{1,8}){0,2}|\"[ -~]{0,10}\"",
        results in proptest::collection::vec(
            (word(), word(), proptest::option::of("[ -~]{0,12}"),
             proptest::collection::vec((word(), word(), "[ -~]{0,12}"), 0..4)),
            1..5),
    ) {
        let ar = AuthenticationResults {
            authserv_id: id.trim_matches('"').to_owned(),
            results: results.into_iter().map(|(m, r, reason, props)| MethodResult {
                reason,
                properties: props.into_iter().map(|(t, p, v)| Property { ptype: t, property: p, value: v }).collect(),
                ..MethodResult::new(Method::from_word(&m), AuthResult::from_word(&r))
            }).collect(),
            ..AuthenticationResults::default()
        };
        let text = ar.to_string();
        let back = AuthenticationResults::parse(text.as_bytes()).unwrap();
        prop_assert_eq!(&back.results, &ar.results, "{}", text);
        prop_assert_eq!(back.to_string(), text);
    }
}

proptest! {
    /// The fuzz target's property over text that looks like the grammar: whatever parses
    /// prints in a canonical form that parses back to the same results.
    #[test]
    fn parsed_text_round_trips(s in "[a-z0-9.;=()\"\\\\ /@_\t\r\n-]{0,80}|(mx|spf|dkim|none|reason|header|smtp|d|\\.|=|;|\\(|\\)|\"|\\\\| |pass|x@y|/|1|\\xff){0,30}") {
        if let Ok(ar) = AuthenticationResults::parse(s.as_bytes()) {
            let text = ar.to_string();
            let back = AuthenticationResults::parse(text.as_bytes());
            prop_assert!(back.is_ok(), "{:?} -> {:?}: {:?}", s, text, back);
            let back = back.unwrap();
            let strip = |a: &AuthenticationResults| a.results.iter().cloned().map(|mut r| { r.comments.clear(); r }).collect::<Vec<_>>();
            prop_assert_eq!(strip(&back), strip(&ar), "{:?} -> {:?}", s, text);
            prop_assert_eq!(&back.authserv_id, &ar.authserv_id);
            prop_assert_eq!(back.to_string(), text);
        }
    }
}
