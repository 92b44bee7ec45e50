//! Behaviour of `classify` / `classify_text`: outcomes, reasons, providers, hard bounces,
//! ambiguous codes, and robustness.

use proptest::prelude::*;
use smtping_classify::{
    Classification, Context, Outcome, Provider, Reason, Stage, classify, classify_text, registry,
    rules,
};
use smtping_proto::{EnhancedCode, parse_reply};

fn text(t: &str) -> Classification {
    classify_text(t, &Context::default())
}

fn with(t: &str, ctx: Context<'_>) -> Classification {
    classify_text(t, &ctx)
}

#[test]
fn every_registry_code_classifies() {
    for e in registry::entries() {
        for (class, code) in [(4u8, 450u16), (5, 550)] {
            let t = format!("{code} {class}.{}.{} x", e.subject, e.detail);
            let c = text(&t);
            assert_eq!(c.code, Some(code), "{t}");
            assert_eq!(
                c.enhanced.map(|x| x.to_string()),
                Some(format!("{class}.{}.{}", e.subject, e.detail))
            );
            let expected = match e.reason {
                // A success meaning on a failure code, or "undefined": the basic code decides.
                Reason::Accepted | Reason::Unknown => Reason::Unknown,
                r => r,
            };
            assert_eq!(c.reason, expected, "{t}");
            let rule = c.matched_rule.clone().unwrap_or_default();
            if expected != Reason::Unknown {
                assert_eq!(
                    rule,
                    format!("registry.{class}.{}.{}", e.subject, e.detail),
                    "{t}"
                );
                assert_eq!(c.explanation, e.explanation, "{t}");
            }
            assert_eq!(c.outcome, Outcome::from_code(code));
        }
        let c = text(&format!("250 2.{}.{} ok", e.subject, e.detail));
        assert_eq!((c.outcome, c.reason), (Outcome::Accepted, Reason::Accepted));
    }
}

#[test]
fn outcomes_follow_the_basic_code() {
    let cases = [
        (
            "250 2.0.0 Ok: queued as 4Zx550abc",
            Outcome::Accepted,
            Reason::Accepted,
        ),
        (
            "251 2.1.5 User not local; will forward to <b@example.net>",
            Outcome::Accepted,
            Reason::Accepted,
        ),
        (
            "354 End data with <CR><LF>.<CR><LF>",
            Outcome::Accepted,
            Reason::Accepted,
        ),
        ("334 VXNlcm5hbWU6", Outcome::Accepted, Reason::Accepted),
        (
            "421 4.3.2 Service shutting down",
            Outcome::Deferred,
            Reason::ServiceUnavailable,
        ),
        (
            "451 4.3.0 Error: queue file write error",
            Outcome::Deferred,
            Reason::SystemError,
        ),
        (
            "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
            Outcome::Bounced,
            Reason::MailboxUnknown,
        ),
        (
            "554 5.7.1 Relay access denied",
            Outcome::Bounced,
            Reason::RelayDenied,
        ),
        ("hello there", Outcome::Unknown, Reason::Unknown),
        ("", Outcome::Unknown, Reason::Unknown),
    ];
    for (t, o, r) in cases {
        let c = text(t);
        assert_eq!((c.outcome, c.reason), (o, r), "{t}");
    }
    // Only an enhanced code: the class decides.
    let c = text("Status: 4.2.2");
    assert_eq!(
        (c.outcome, c.reason, c.code),
        (Outcome::Deferred, Reason::MailboxFull, None)
    );
    let c = text("2.0.0");
    assert_eq!(c.outcome, Outcome::Accepted);
}

#[test]
fn text_without_code_still_gets_a_reason() {
    let c = text(
        "Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.org.html",
    );
    assert_eq!(
        (c.outcome, c.reason),
        (Outcome::Unknown, Reason::Greylisted)
    );
    assert!(!c.hard);
}

#[test]
fn basic_code_alone_with_stage() {
    let rcpt = Context::new().stage(Stage::Rcpt);
    let data = Context::new().stage(Stage::DataEnd);
    let greet = Context::new().stage(Stage::Greeting);
    let mail = Context::new().stage(Stage::Mail);
    assert_eq!(with("452", rcpt).reason, Reason::TooManyRecipients);
    assert_eq!(text("452").reason, Reason::SystemError);
    assert_eq!(with("552", data).reason, Reason::MessageTooLarge);
    assert_eq!(with("552", rcpt).reason, Reason::MailboxFull);
    assert_eq!(with("554", greet).reason, Reason::ServiceUnavailable);
    assert_eq!(with("553", mail).reason, Reason::SenderRejected);
    assert_eq!(with("553", rcpt).reason, Reason::BadAddress);
    assert_eq!(text("530").reason, Reason::AuthRequired);
    assert_eq!(text("535").reason, Reason::AuthFailed);
    assert_eq!(text("500").reason, Reason::ProtocolError);
    assert_eq!(text("556").reason, Reason::NullMx);
    let c = text("550");
    assert_eq!(
        (c.outcome, c.reason, c.matched_rule.as_deref()),
        (Outcome::Bounced, Reason::Unknown, Some("basic.550"))
    );
    assert!(c.explanation.contains("mailbox is unavailable"));
}

#[test]
fn hard_only_when_the_address_can_never_work() {
    let hard = [
        "550 5.1.1 <x@example.org>: User unknown",
        "550 5.1.2 Host unknown",
        "556 5.1.10 Recipient address has null MX",
        "550 5.1.6 Mailbox has moved",
        "501 5.1.3 Bad recipient address syntax",
    ];
    for t in hard {
        assert!(text(t).hard, "{t}");
    }
    let soft = [
        "450 4.1.1 <x@example.org>: Recipient address rejected: unverified address",
        "552 5.2.2 Mailbox full",
        "550 5.2.1 Mailbox disabled",
        "550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
        "550 5.7.23 SPF validation failed",
        "554 5.7.1 Message rejected as spam",
        "552 5.3.4 Message too big for system",
        "250 2.1.5 Ok",
        "Status: 5.1.1",
    ];
    for t in &soft[..soft.len() - 1] {
        assert!(!text(t).hard, "{t}");
    }
    // Text without a reply code but with a 5.x.x enhanced code is still a bounce.
    assert!(text(soft[soft.len() - 1]).hard);
}

#[test]
fn permanently_deferred_on_5xx_is_bounced_and_honest() {
    let c = text(
        "553 5.7.2 [TSS09] All messages from 192.0.2.25 will be permanently deferred; Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
    );
    assert_eq!(
        (c.outcome, c.reason, c.hard),
        (Outcome::Bounced, Reason::BadReputation, false)
    );
    assert_eq!(c.provider, Some(Provider::Yahoo));
    assert!(
        c.explanation
            .contains("5xx code makes this a permanent failure"),
        "{}",
        c.explanation
    );

    let c = text("550 5.7.1 Temporarily deferred, try again later");
    assert_eq!(c.outcome, Outcome::Bounced);
    assert!(c.explanation.contains("permanent failure"));

    let c = text(
        "421 4.7.1 [TS03] All messages from 192.0.2.25 will be permanently deferred; Retrying will NOT succeed.",
    );
    assert_eq!(
        (c.outcome, c.reason),
        (Outcome::Deferred, Reason::BadReputation)
    );
    assert!(
        c.explanation.contains("retrying will not help"),
        "{}",
        c.explanation
    );

    // No note when the words agree with the code.
    let c = text("550 5.1.1 User unknown");
    assert!(!c.explanation.contains('('));
}

#[test]
fn ambiguous_codes_depend_on_the_provider() {
    let google = Context::new().remote_host("gmail-smtp-in.l.google.com");
    let microsoft = Context::new()
        .recipient_domain("contoso.onmicrosoft.com")
        .remote_host("contoso-com.mail.protection.outlook.com");
    let yahoo = Context::new().recipient_domain("yahoo.com");

    // X.7.27: Gmail SPF failure vs. the registry's "sender has null MX".
    let t = "550 5.7.27 Message rejected";
    assert_eq!(with(t, google).reason, Reason::SpfFailed);
    assert_eq!(
        with(t, google).matched_rule.as_deref(),
        Some("google.spf_failed")
    );
    assert_eq!(text(t).reason, Reason::SenderRejected);
    // X.7.30: Gmail DKIM vs. REQUIRETLS.
    let t = "550 5.7.30 Message rejected";
    assert_eq!(with(t, google).reason, Reason::DkimFailed);
    assert_eq!(text(t).reason, Reason::TlsRequired);
    // X.7.29: Gmail "no TLS" vs. ARC failure.
    let t = "421 4.7.29 Rate limited";
    assert_eq!(with(t, google).reason, Reason::TlsRequired);
    assert_eq!(text(t).reason, Reason::SenderUnauthenticated);
    // X.1.10: Microsoft "recipient not found" vs. null MX.
    let t = "550 5.1.10 Recipient not found";
    assert_eq!(with(t, microsoft).reason, Reason::MailboxUnknown);
    assert_eq!(with(t, microsoft).provider, Some(Provider::Microsoft));
    // The words "recipient not found" name the condition, whoever sent them: they beat the
    // registry's null MX (issue 12). The bare code keeps the registry meaning.
    assert_eq!(text(t).reason, Reason::MailboxUnknown);
    assert_eq!(text("550 5.1.10").reason, Reason::NullMx);
    // X.7.9: Yahoo policy vs. "authentication mechanism too weak".
    let t = "554 5.7.9 Message not accepted";
    assert_eq!(with(t, yahoo).reason, Reason::PolicyRejected);
    assert_eq!(text(t).reason, Reason::AuthFailed);
    // X.7.26 text decides at Gmail: DMARC, SPF hard fail or plain unauthenticated.
    let dmarc = "550-5.7.26 Unauthenticated email from example.com is not accepted due to domain's DMARC policy. - gsmtp";
    assert_eq!(text(dmarc).reason, Reason::DmarcFailed);
    let spf = "550-5.7.26 The MAIL FROM domain [example.com] has an SPF record with a hard fail policy (-all) but it fails to pass SPF checks with the ip: [192.0.2.1]. - gsmtp";
    assert_eq!(text(spf).reason, Reason::SpfFailed);
    // 5.7.606 at Microsoft is a block list; the same text elsewhere is a policy refusal.
    let t = "550 5.7.606 Access denied, banned sending IP [192.0.2.1].";
    assert_eq!(with(t, microsoft).reason, Reason::Blocklisted);
    assert_eq!(text(t).reason, Reason::PolicyRejected);
    assert_eq!(text(t).provider, None);
    // 5.7.708 at Microsoft is reputation.
    assert_eq!(
        with(
            "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.",
            microsoft
        )
        .reason,
        Reason::BadReputation
    );
}

#[test]
fn provider_recognised_from_context_even_without_a_rule() {
    let c = with(
        "550 5.1.1 <x@gmail.com> no",
        Context::new().recipient_domain("x@gmail.com"),
    );
    assert_eq!(
        (c.reason, c.provider),
        (Reason::MailboxUnknown, Some(Provider::Google))
    );
    assert_eq!(c.matched_rule.as_deref(), Some("registry.5.1.1"));
    let c = with(
        "550 5.1.1 no",
        Context::new().recipient_domain("example.org"),
    );
    assert_eq!(c.provider, None);
}

#[test]
fn blocklists_are_recognised_anywhere() {
    let c = text(
        "host mx.example.org[192.0.2.1] said: 554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.25 (in reply to RCPT TO command)",
    );
    assert_eq!(
        (c.reason, c.provider, c.stage),
        (
            Reason::Blocklisted,
            Some(Provider::Spamhaus),
            Some(Stage::Rcpt)
        )
    );
    let c = text("550 5.7.1 Rejected: 192.0.2.25 listed at b.barracudacentral.org");
    assert_eq!(
        (c.reason, c.provider),
        (Reason::Blocklisted, Some(Provider::Barracuda))
    );
    let c = text("553 5.7.1 Blocked - see https://www.spamcop.net/bl.shtml?192.0.2.25");
    assert_eq!(c.provider, Some(Provider::Spamcop));
}

#[test]
fn wrappers_and_stage() {
    let postfix = "<bob@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>:\n    Recipient address rejected: User unknown in virtual mailbox table (in reply to\n    RCPT TO command)";
    let c = text(postfix);
    assert_eq!(
        (c.code, c.reason, c.stage),
        (Some(550), Reason::MailboxUnknown, Some(Stage::Rcpt))
    );
    // The context stage wins over the text.
    let c = with(postfix, Context::new().stage(Stage::DataEnd));
    assert_eq!(c.stage, Some(Stage::DataEnd));

    let exim = "SMTP error from remote mail server after RCPT TO:<carol@example.net>:\n    550 5.1.1 <carol@example.net>: Recipient address rejected: User unknown";
    let c = text(exim);
    assert_eq!(
        (c.code, c.reason, c.stage),
        (Some(550), Reason::MailboxUnknown, Some(Stage::Rcpt))
    );

    let diag = "Diagnostic-Code: smtp; 552-5.2.2 The recipient's inbox is out of storage space and inactive. - gsmtp";
    let c = text(diag);
    assert_eq!(
        (c.reason, c.provider),
        (Reason::MailboxFull, Some(Provider::Google))
    );

    let multi = "550-5.7.1 [192.0.2.25] Our system has detected that this message is\r\n550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\r\n550 5.7.1 this message has been blocked. - gsmtp";
    assert_eq!(text(multi).reason, Reason::SpamDetected);
}

#[test]
fn numbers_in_text_do_not_fool_the_code() {
    let c = text("451 4.4.1 connect to 192.0.2.550 timed out");
    assert_eq!((c.code, c.outcome), (Some(451), Outcome::Deferred));
    let c = text("queued as 4Zx550abc on 2024-05-50 12:50:55");
    assert_eq!((c.code, c.outcome), (None, Outcome::Unknown));
    let c = text("host 550.example.org[192.0.2.1] said: 250 2.0.0 Ok: queued as 550ABC");
    assert_eq!((c.code, c.outcome), (Some(250), Outcome::Accepted));
    let c = text("delivery to 10.0.0.421 failed: 550 5.1.1 user unknown");
    assert_eq!(c.code, Some(550));
}

#[test]
fn mail_stage_makes_address_problems_the_senders() {
    let mail = Context::new().stage(Stage::Mail);
    let c = with("550 5.1.1 <ghost@example.com>... User unknown", mail);
    assert_eq!((c.reason, c.hard), (Reason::SenderRejected, false));
    let c = with("553 5.1.2 Domain of sender address does not exist", mail);
    assert_eq!(c.reason, Reason::SenderRejected);
}

#[test]
fn reply_and_text_agree() {
    for raw in [
        &b"550-5.7.26 This mail has been blocked because the sender is\r\n550-5.7.26 unauthenticated. Gmail requires all senders to authenticate with\r\n550 5.7.26 either SPF or DKIM. - gsmtp\r\n"[..],
        b"421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes\r\n",
        b"550 5.7.606 Access denied, banned sending IP [192.0.2.25]. To request removal from this list please visit https://sender.office.com/ and follow the directions.\r\n",
        b"250 2.0.0 Ok: queued as 4Zx550abc\r\n",
        b"452 4.5.3 Too many recipients\r\n",
    ] {
        let (reply, _) = parse_reply(raw).unwrap().unwrap();
        let a = classify(&reply, &Context::default());
        let b = text(std::str::from_utf8(raw).unwrap());
        assert_eq!(a, b, "{}", String::from_utf8_lossy(raw));
    }
}

#[test]
fn json_contract() {
    let c = with(
        "550 5.7.606 Access denied, banned sending IP [192.0.2.25]",
        Context::new()
            .remote_host("contoso-com.mail.protection.outlook.com")
            .stage(Stage::Rcpt),
    );
    let v = serde_json::to_value(&c).unwrap();
    for k in [
        "outcome",
        "reason",
        "code",
        "enhanced",
        "hard",
        "provider",
        "explanation",
        "remediation",
        "stage",
        "matched_rule",
    ] {
        assert!(v.get(k).is_some(), "missing {k}");
    }
    assert_eq!(v["outcome"], "bounced");
    assert_eq!(v["reason"], "blocklisted");
    assert_eq!(v["enhanced"], "5.7.606");
    assert_eq!(v["provider"], "microsoft");
    assert_eq!(v["stage"], "rcpt");
    assert_eq!(v["matched_rule"], "microsoft.banned_sending_ip");
    let back: Classification = serde_json::from_value(v).unwrap();
    assert_eq!(back, c);
    let none = serde_json::to_value(text("hello")).unwrap();
    assert!(none["enhanced"].is_null() && none["code"].is_null() && none["provider"].is_null());
    assert!(serde_json::from_str::<Classification>(r#"{"outcome":"bounced","reason":"unknown","code":null,"enhanced":"9.9.9","hard":false,"provider":null,"explanation":"","remediation":"","stage":null,"matched_rule":null}"#).is_err());
}

#[test]
fn vocabulary_names_round_trip() {
    let names: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(
        names,
        [
            "accepted",
            "mailbox_unknown",
            "mailbox_disabled",
            "mailbox_moved",
            "mailbox_full",
            "domain_unknown",
            "null_mx",
            "bad_address",
            "sender_rejected",
            "relay_denied",
            "auth_required",
            "auth_failed",
            "tls_required",
            "spf_failed",
            "dkim_failed",
            "dmarc_failed",
            "sender_unauthenticated",
            "reverse_dns",
            "blocklisted",
            "bad_reputation",
            "rate_limited",
            "too_many_connections",
            "greylisted",
            "spam_detected",
            "virus_detected",
            "content_rejected",
            "policy_rejected",
            "too_many_recipients",
            "message_too_large",
            "service_unavailable",
            "system_error",
            "protocol_error",
            "unknown",
        ]
    );
    for r in Reason::ALL {
        assert_eq!(r.to_string().parse::<Reason>().unwrap(), *r);
        assert_eq!(serde_json::to_string(r).unwrap(), format!("\"{r}\""));
        assert!(r.default_explanation().ends_with('.') && r.default_remediation().ends_with('.'));
    }
    for s in Stage::ALL {
        assert_eq!(s.as_str().parse::<Stage>().unwrap(), s);
        assert_eq!(serde_json::to_string(&s).unwrap(), format!("\"{s}\""));
    }
    assert_eq!("HELO".parse::<Stage>().unwrap(), Stage::Ehlo);
    assert_eq!("end-of-data".parse::<Stage>().unwrap(), Stage::DataEnd);
    for o in Outcome::ALL {
        assert_eq!(o.as_str().parse::<Outcome>().unwrap(), o);
    }
    for p in Provider::ALL {
        assert_eq!(p.as_str().parse::<Provider>().unwrap(), p);
        assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
    }
    let err = "nope".parse::<Reason>().unwrap_err();
    assert_eq!(err.kind(), "reason");
    assert!(err.to_string().contains("nope"));
}

#[test]
fn rule_counts_per_table() {
    let mut total = 0;
    for t in rules::TABLES {
        assert!(
            t.rules.len() >= 6,
            "{} has only {} rules",
            t.name,
            t.rules.len()
        );
        total += t.rules.len();
    }
    assert_eq!(total, rules::all().count());
}

#[test]
fn huge_input_is_bounded() {
    let mut big = String::from("550 5.1.1 ");
    big.push_str(&"user unknown ".repeat(20_000));
    let c = text(&big);
    assert_eq!((c.code, c.reason), (Some(550), Reason::MailboxUnknown));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
        let c = text(&s);
        prop_assert!(!c.explanation.is_empty());
        prop_assert!(!c.remediation.is_empty());
        if c.hard { prop_assert_eq!(c.outcome, Outcome::Bounced); }
        if c.outcome == Outcome::Accepted { prop_assert_eq!(c.reason, Reason::Accepted); }
    }

    #[test]
    fn arbitrary_reply_like_text_never_panics(code in 200u16..600, sep in "[ -]", e in "[245]\\.[0-9]{1,3}\\.[0-9]{1,3}", rest in "[ -~\\r\\n]{0,200}") {
        let s = format!("{code}{sep}{e} {rest}");
        let c = text(&s);
        if code / 100 >= 2 && code / 100 <= 5 && (code / 10) % 10 <= 5 {
            prop_assert_eq!(c.code, Some(code));
        }
        if let (Some(en), Some(found)) = (c.enhanced, c.code) {
            prop_assert_eq!(u16::from(en.class()), found / 100);
        }
    }

    #[test]
    fn arbitrary_bytes_as_reply_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut buf = b"550 ".to_vec();
        buf.extend(bytes.iter().map(|b| if *b == b'\n' || *b == b'\r' { b' ' } else { *b }));
        buf.extend_from_slice(b"\r\n");
        if let Ok(Some((reply, _))) = parse_reply(&buf) {
            let c = classify(&reply, &Context::default());
            prop_assert_eq!(c.outcome, Outcome::Bounced);
        }
    }

    #[test]
    fn enhanced_codes_of_any_value(class in prop::sample::select(vec![4u8, 5]), subject in 0u16..1000, detail in 0u16..1000) {
        let e = EnhancedCode::new(class, subject, detail).unwrap();
        let c = text(&format!("{}50 {e} text", class));
        prop_assert_eq!(c.enhanced, Some(e));
    }
}

/// Issue 12: text that names the cause beats a specific code's registry meaning, and a
/// quoted inner reply decides for a wrapper code — but neither reaches further than that.
#[test]
fn decisive_text_and_inner_replies_stay_in_their_lane() {
    // Named checks beat the registry; agreeing text keeps the registry's decision.
    let c = text("550 5.7.30 Rejected: message was not DKIM signed");
    assert_eq!(
        (c.reason, c.matched_rule.as_deref()),
        (Reason::DkimFailed, Some("generic.dkim"))
    );
    let c = text("550 5.7.26 Authentication checks failed: SPF and DKIM both did not pass");
    assert_eq!(
        (c.reason, c.matched_rule.as_deref()),
        (Reason::SenderUnauthenticated, Some("registry.5.7.26"))
    );
    assert_eq!(
        text("550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown")
            .matched_rule
            .as_deref(),
        Some("registry.5.1.1")
    );
    // Wording close to a decisive rule that means something else.
    assert_eq!(
        text("550 5.1.2 Recipient domain not found").reason,
        Reason::DomainUnknown
    );
    assert_eq!(
        text("553 5.1.3 Address is not RFC 822 compliant").reason,
        Reason::BadAddress
    );
    assert_ne!(
        text("454 4.7.0 TLS not available due to local problem").reason,
        Reason::TlsRequired
    );
    assert_eq!(
        text("552 5.2.2 Mailbox full; quota exceeded").reason,
        Reason::MailboxFull
    );
    // A sender verification that quotes the sender's 5.1.1 stays a sender problem.
    let c = text(
        "450 4.1.7 <x@sender.example>: Sender address rejected: unverified address: host mx.sender.example[192.0.2.1] said: 550 5.1.1 <x@sender.example>: Recipient address rejected: User unknown",
    );
    assert_eq!(c.reason, Reason::SenderRejected);
    // Inner replies: after a wrapper code, and after a Postfix "said:" outer reply.
    let c =
        text("554 5.4.7 Delivery expired; last error: 550 5.1.1 <bob@example.net>: user unknown");
    assert_eq!(
        (c.outcome, c.reason, c.hard, c.matched_rule.as_deref()),
        (
            Outcome::Bounced,
            Reason::MailboxUnknown,
            true,
            Some("inner.5.1.1")
        )
    );
    assert_eq!(c.enhanced.unwrap().to_string(), "5.4.7");
    let c = text(
        "host smtp.example.net[192.0.2.3] said: 530 5.7.0 Authentication required; previous attempt said: 535 5.7.8 Bad credentials",
    );
    assert_eq!(
        (c.reason, c.matched_rule.as_deref()),
        (Reason::AuthFailed, Some("inner.535"))
    );
    // A DSN's own Diagnostic-Code and Status are not inner replies.
    let c = text("Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: user unknown\nStatus: 5.1.1");
    assert_eq!(c.matched_rule.as_deref(), Some("registry.5.1.1"));
    // A bare 530 is still "authenticate first".
    assert_eq!(
        text("530 5.7.0 Authentication required").reason,
        Reason::AuthRequired
    );
}
