//! Unit tests of `ehlo` (kept beside it, in its own file).

use super::*;
use crate::reply::parse_reply;

fn ext(buf: &[u8]) -> Extensions {
    let (r, _) = parse_reply(buf).unwrap().unwrap();
    Extensions::from_ehlo(&r).unwrap()
}

#[test]
fn postfix_style() {
    let e = ext(b"250-mail.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n250-SMTPUTF8\r\n250 CHUNKING\r\n");
    assert_eq!(e.server_name(), "mail.example.org");
    assert!(e.pipelining() && e.starttls() && e.enhanced_status_codes());
    assert!(e.eightbitmime() && e.dsn() && e.smtputf8() && e.chunking());
    assert!(e.has(Keyword::Vrfy) && e.has(Keyword::Etrn));
    assert_eq!(e.size(), Some(10_240_000));
    assert!(!e.auth());
    assert_eq!(e.keywords().count(), 10);
    assert_eq!(e.unknown().count(), 0);
    assert_eq!(e.known().count(), 10);
}

#[test]
fn case_insensitive_and_unknown_kept() {
    let e = ext(b"250-MX Hello\r\n250-pipelining\r\n250-Auth plain Login\r\n250-X-EXPS GSSAPI NTLM\r\n250-XEXCH50\r\n250 starttls\r\n");
    assert!(e.pipelining() && e.starttls());
    assert_eq!(
        e.auth_mechanisms().iter().collect::<Vec<_>>(),
        [AuthMechanism::Plain, AuthMechanism::Login]
    );
    let unknown: Vec<_> = e.unknown().collect();
    assert_eq!(unknown, [("X-EXPS", "GSSAPI NTLM"), ("XEXCH50", "")]);
    assert_eq!(e.params("x-exps"), Some("GSSAPI NTLM"));
}

#[test]
fn legacy_auth_merges() {
    let e = ext(b"250-mx\r\n250-AUTH=LOGIN PLAIN\r\n250-AUTH LOGIN CRAM-MD5\r\n250 OK\r\n");
    assert!(e.has_legacy_auth());
    assert_eq!(
        e.auth_mechanisms().iter().collect::<Vec<_>>(),
        [
            AuthMechanism::Login,
            AuthMechanism::Plain,
            AuthMechanism::CramMd5
        ]
    );
    assert!(e.auth_mechanisms().iter().any(|m| m.is_plaintext()));
    assert!(e.auth_mechanisms().has_plaintext());
}

#[test]
fn size_variants() {
    assert_eq!(
        ext(b"250-mx\r\n250 SIZE\r\n").size_limit(),
        Some(SizeLimit::NoFixedLimit)
    );
    assert_eq!(
        ext(b"250-mx\r\n250 SIZE 0\r\n").size_limit(),
        Some(SizeLimit::NoFixedLimit)
    );
    assert_eq!(
        ext(b"250-mx\r\n250 SIZE abc\r\n").size_limit(),
        Some(SizeLimit::Invalid)
    );
    assert_eq!(
        ext(b"250-mx\r\n250 SIZE -5\r\n").size_limit(),
        Some(SizeLimit::Invalid)
    );
    assert_eq!(
        ext(b"250-mx\r\n250 SIZE 999999999999999999999999999\r\n").size(),
        Some(u64::MAX)
    );
    assert_eq!(
        ext(b"250-mx\r\n250 SIZE  35882577 \r\n").size(),
        Some(35_882_577)
    );
    assert_eq!(ext(b"250 mx\r\n").size_limit(), None);
}

#[test]
fn other_registered_keywords() {
    let e = ext(b"250-mx\r\n250-DELIVERBY 240\r\n250-MT-PRIORITY MIXER\r\n250-LIMITS RCPTMAX=100 MAILMAX=10 RCPTDOMAINMAX=5 FOO=1\r\n250-REQUIRETLS\r\n250-BINARYMIME\r\n250-XCLIENT NAME ADDR PROTO HELO\r\n250-PIPECONNECT\r\n250-HELP\r\n250 DELIVERBY\r\n");
    assert_eq!(e.deliver_by(), Some(None)); // the last DELIVERBY line wins for the typed value
    assert_eq!(e.params("DELIVERBY"), Some("240")); // raw params: the first line
    assert_eq!(e.mt_priority(), Some("MIXER"));
    assert_eq!(
        e.limits(),
        Some(Limits {
            rcpt_max: Some(100),
            mail_max: Some(10),
            rcpt_domain_max: Some(5)
        })
    );
    assert!(e.requiretls() && e.binarymime() && e.has(Keyword::PipeConnect));
    assert!(e.has(Keyword::Help));
    assert_eq!(
        e.xclient_attributes().unwrap().collect::<Vec<_>>(),
        ["NAME", "ADDR", "PROTO", "HELO"]
    );
}

#[test]
fn odd_lines_never_panic() {
    let e = ext(b"250-\r\n250-   \r\n250-\t\r\n250-=\r\n250-SIZE=\r\n250 \xff\xfe\r\n");
    assert_eq!(e.server_name(), "");
    assert_eq!(e.ignored_lines(), 3);
    assert!(e.supports("SIZE"));
    assert_eq!(e.size_limit(), Some(SizeLimit::NoFixedLimit));
    assert_eq!(e.keywords().count(), 2);
    let e = ext(b"250\r\n");
    assert_eq!(e.keywords().count(), 0);
    assert_eq!(e.greeting(), "");
}

#[test]
fn refused_ehlo() {
    let (r, _) = parse_reply(b"502 5.5.2 Error: command not recognized\r\n")
        .unwrap()
        .unwrap();
    assert_eq!(
        Extensions::from_ehlo(&r),
        Err(EhloError::NotAccepted { code: 502 })
    );
}

#[test]
fn keyword_table_round_trips() {
    for k in Keyword::ALL {
        assert_eq!(Keyword::from_upper(k.as_str().as_bytes()), Some(k));
    }
}

#[test]
fn a_bare_cr_mid_line_ends_the_keyword_everywhere() {
    let e = ext(b"250-mx\r\n250-SMTPUTF8\rX\r\n250 SIZE\r100\r\n");
    assert!(e.smtputf8());
    assert!(e.supports("SMTPUTF8"));
    assert_eq!(e.params("SMTPUTF8"), Some("X"));
    assert_eq!(e.size(), Some(100));
    assert_eq!(e.params("size"), Some("100"));
}

#[test]
fn one_pass_parse_matches_both_steps() {
    let buf = b"250-mx.example.org Hi\r\n250-auth=login\r\n250-AUTH PLAIN\r\n250 x-foo bar\r\n221 bye\r\n";
    let (e, used) = Extensions::parse(buf).unwrap().unwrap();
    assert_eq!(e, ext(buf));
    assert_eq!(&buf[used..], b"221 bye\r\n");
    assert_eq!(
        Extensions::parse(b"554 5.7.1 no\r\n"),
        Err(EhloParseError::Ehlo(EhloError::NotAccepted { code: 554 }))
    );
    assert!(matches!(
        Extensions::parse(b"250-a\r\n251 b\r\n"),
        Err(EhloParseError::Reply(
            crate::ReplyError::CodeMismatch { .. }
        ))
    ));
    assert_eq!(Extensions::parse(b"250-a\r\n250 b"), Ok(None));
}

#[test]
fn auth_mechanisms_view() {
    let e = ext(b"250-mx\r\n250-AUTH login X-A plain x-a\r\n250-AUTH=LOGIN X-B X-C X-D\r\n250 AUTH X-E x-b NTLM\r\n");
    let auth = e.auth_mechanisms();
    let names: Vec<String> = auth.iter().map(|m| m.to_string()).collect();
    assert_eq!(
        names,
        ["LOGIN", "X-A", "PLAIN", "X-B", "X-C", "X-D", "X-E", "NTLM"]
    );
    // Five distinct unknown names: more than the parser counts, so `len` counts the text.
    assert_eq!(auth.len(), 8);
    assert!(auth.contains(&AuthMechanism::from_name("x-e")));
    assert!(auth.contains(&AuthMechanism::Ntlm) && !auth.contains(&AuthMechanism::CramMd5));
    assert!(!auth.contains(&AuthMechanism::from_name("X-F")));
    assert!(auth.has_plaintext() && !auth.is_empty());
    assert_eq!(format!("{auth:?}").matches("Other").count(), 5);

    let e = ext(b"250-mx\r\n250-AUTH X-A x-a XOAUTH2\r\n250 AUTH X-A\r\n");
    assert_eq!(e.auth_mechanisms().len(), 2);
    assert!(!e.auth_mechanisms().has_plaintext());
    let e = ext(b"250-mx\r\n250 SIZE 10\r\n");
    assert!(e.auth_mechanisms().is_empty() && !e.auth());
    assert_eq!(e.auth_mechanisms().iter().count(), 0);
}

/// The reference meaning of `auth_mechanisms()`: every name of every `AUTH` line of the
/// kept text, de-duplicated, in order.
fn auth_reference(e: &Extensions) -> Vec<AuthMechanism> {
    let mut out: Vec<AuthMechanism> = Vec::new();
    for (_, p) in e.keywords().filter(|(k, _)| *k == "AUTH") {
        for name in p.split_ascii_whitespace() {
            let m = AuthMechanism::from_name(name);
            if !out.contains(&m) {
                out.push(m);
            }
        }
    }
    out
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn auth_agrees(e: &Extensions) -> Result<(), TestCaseError> {
        let reference = auth_reference(e);
        let auth = e.auth_mechanisms();
        prop_assert_eq!(auth.iter().collect::<Vec<_>>(), reference.clone());
        prop_assert_eq!(auth.len(), reference.len());
        prop_assert_eq!(auth.is_empty(), reference.is_empty());
        prop_assert_eq!(e.auth(), !reference.is_empty());
        for m in &reference {
            prop_assert!(auth.contains(m));
        }
        prop_assert_eq!(
            auth.has_plaintext(),
            reference.iter().any(AuthMechanism::is_plaintext)
        );
        Ok(())
    }

    /// A line's text: keyword-ish bytes, blanks, `=`, a stray CR, 8-bit bytes.
    fn text() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b"AUTHSIZEpipelngstarlsx-=0123456789".to_vec()),
                2 => Just(b' '),
                1 => Just(b'\t'),
                1 => Just(b'\r'),
                1 => any::<u8>().prop_filter("no LF", |b| *b != b'\n'),
            ],
            0..24,
        )
    }

    fn ehlo() -> impl Strategy<Value = Vec<u8>> {
        (
            prop::collection::vec(text(), 1..8),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(lines, bare_lf, bare_last)| {
                let mut out = Vec::new();
                let n = lines.len();
                for (i, l) in lines.iter().enumerate() {
                    let last = i + 1 == n;
                    if last && bare_last {
                        out.extend_from_slice(b"250");
                    } else {
                        out.extend_from_slice(if last { b"250 " } else { b"250-" });
                        out.extend_from_slice(l);
                    }
                    out.extend_from_slice(if bare_lf && i % 2 == 1 {
                        b"\n"
                    } else {
                        b"\r\n"
                    });
                }
                out
            })
    }

    /// Replies of the common shape (the one-scan path's): real keywords in any case,
    /// parameters of the kinds servers send, now and then a line the path leaves to the
    /// general one.
    fn common_ehlo() -> impl Strategy<Value = Vec<u8>> {
        let keyword = prop::sample::select(vec![
            "SIZE",
            "AUTH",
            "auth",
            "AUTH=",
            "PIPELINING",
            "8BITMIME",
            "STARTTLS",
            "DSN",
            "LIMITS",
            "DELIVERBY",
            "SmtpUtf8",
            "X-EXPS",
            "XEXCH50",
            "CHUNKING",
            "HELP",
            "ENHANCEDSTATUSCODES",
            "BINARYMIME",
            "PIPECONNECT",
            "PIPELININGX",
            "DS",
            "VRFY",
            "ETRN",
            "EXPN",
            "REQUIRETLS",
            "SIZE ",
            "",
        ]);
        let params = prop::sample::select(vec![
            "",
            " 10240000",
            " 0",
            "  35882577 ",
            " 999999999999999999999999",
            " abc",
            " PLAIN LOGIN",
            " login CRAM-MD5 XOAUTH2 plain-clienttoken",
            "\tGSSAPI NTLM",
            " RCPTMAX=100 MAILMAX=10",
            " rcptmax=+5 RCPTDOMAINMAX=3\tMAILMAX=",
            "=RCPTMAX=1",
            " MAILMAX=4294967296 MailMax=2 RCPTMAX=7x",
            " 240",
            " x\ry",
            "PLAIN",
            " \u{e9}t\u{e9}",
            " 1",
            " 00000000",
            " 12345678",
            " 1234567890123456",
            " 12345678901234567",
            " 123456789012345678901",
            "  7",
            " 7 ",
            " 7x",
            " SCRAM-SHA-1 SCRAM-SHA-256 OAUTHBEARER ANONYMOUS EXTERNAL",
            " DIGEST-MD5 XOAUTH PLAIN-CLIENTTOKEN GSSAPIX NTLM\tLOGIN",
            " PLAIN  LOGIN\x0cCRAM-MD5\x0bXOAUTH2",
        ]);
        let line = (keyword, params, 0..20u8).prop_map(|(k, p, odd)| {
            let mut l = Vec::new();
            l.extend_from_slice(k.as_bytes());
            l.extend_from_slice(p.as_bytes());
            match odd {
                0 => l.insert(0, b' '),
                1 => l.push(b'\r'),
                2 => l.push(0xff),
                _ => {}
            }
            l
        });
        (prop::collection::vec(line, 0..10), any::<bool>()).prop_map(|(lines, bare_lf)| {
            let mut out = b"250-mx.example.org Hello [192.0.2.1]\r\n".to_vec();
            let n = lines.len();
            for (i, l) in lines.iter().enumerate() {
                out.extend_from_slice(if i + 1 == n { b"250 " } else { b"250-" });
                out.extend_from_slice(l);
                out.extend_from_slice(if bare_lf && i == 3 { b"\n" } else { b"\r\n" });
            }
            if n == 0 {
                out.extend_from_slice(b"250 OK\r\n");
            }
            out
        })
    }

    proptest! {
        /// The word-at-a-time keyword scan equals the byte-at-a-time definition: up to the
        /// first space, tab, `=`, CR or LF, with "has lower case" over those bytes.
        #[test]
        fn keyword_scan_equals_byte_loop(
            bytes in prop::collection::vec(
                prop_oneof![
                    4 => prop::sample::select(b"ABCXYZ019-.abz_=@`{ \t\r\n".to_vec()),
                    1 => any::<u8>(),
                ],
                0..40,
            )
        ) {
            let end = bytes
                .iter()
                .position(|b| matches!(b, b' ' | b'\t' | b'=' | b'\r' | b'\n'))
                .unwrap_or(bytes.len());
            let lower = bytes[..end].iter().any(u8::is_ascii_lowercase);
            let (rest, (kw, has_lower)) = keyword(&bytes).unwrap();
            prop_assert_eq!(kw, &bytes[..end]);
            prop_assert_eq!(rest, &bytes[end..]);
            prop_assert_eq!(has_lower, lower);
        }

        /// The byte-level `LIMITS` reader equals the definition on text: split at ASCII
        /// whitespace, then at the first `=`, names case-insensitive, values as
        /// `u32::from_str` reads them, the last pair winning.
        #[test]
        fn limits_bytes_equal_the_text_definition(
            pairs in prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "RCPTMAX", "rcptmax", "MailMax", "RCPTDOMAINMAX", "RCPTMAXX", "X", "",
                    ]),
                    prop::sample::select(vec!["=", "", "=="]),
                    prop_oneof![
                        prop::sample::select(vec![
                            "0", "+7", "+", "-1", "4294967295", "4294967296", "00012", "1e3",
                            "", "12\u{e9}",
                        ])
                        .prop_map(str::to_owned),
                        any::<u32>().prop_map(|n| n.to_string()),
                    ],
                    prop::sample::select(vec![" ", "\t", "  ", "\r\n", "\x0c"]),
                ),
                0..6,
            )
        ) {
            let mut text = String::new();
            for (name, eq, value, blank) in &pairs {
                text.push_str(name);
                text.push_str(eq);
                text.push_str(value);
                text.push_str(blank);
            }
            let mut reference = Limits::default();
            for pair in text.split_ascii_whitespace() {
                let Some((name, value)) = pair.split_once('=') else {
                    continue;
                };
                let value = value.parse().ok();
                if name.eq_ignore_ascii_case("RCPTMAX") {
                    reference.rcpt_max = value;
                } else if name.eq_ignore_ascii_case("MAILMAX") {
                    reference.mail_max = value;
                } else if name.eq_ignore_ascii_case("RCPTDOMAINMAX") {
                    reference.rcpt_domain_max = value;
                }
            }
            prop_assert_eq!(parse_limits(text.as_bytes()), reference);
        }

        /// The one-scan path and the general path agree on common-shaped replies.
        #[test]
        fn one_scan_equals_general(buf in common_ehlo()) {
            let one = Extensions::parse(&buf);
            prop_assert_eq!(&one, &Extensions::parse_general(&buf));
            let (r, _) = crate::parse_reply(&buf).unwrap().unwrap();
            let general = Builder::over(r.as_bytes()).finish(r.as_bytes());
            if let Ok(Some((e, _))) = &one {
                auth_agrees(e)?;
            }
            prop_assert_eq!(Extensions::from_ehlo(&r).unwrap(), general);
        }


        /// `Extensions::parse` (one pass) and `parse_reply` + `from_ehlo` agree on every
        /// EHLO text, accepted or refused, and `supports` agrees with the typed flags.
        #[test]
        fn one_pass_equals_two_steps(buf in ehlo()) {
            let two = match crate::parse_reply(&buf) {
                Ok(Some((r, used))) => Ok(Some((Extensions::from_ehlo(&r).unwrap(), used))),
                Ok(None) => Ok(None),
                Err(e) => Err(EhloParseError::Reply(e)),
            };
            let one = Extensions::parse(&buf);
            prop_assert_eq!(&one, &two);
            // The one-scan path (taken whenever the reply has the common shape) and the
            // general path agree.
            prop_assert_eq!(&one, &Extensions::parse_general(&buf));
            if let Ok(Some((r, _))) = crate::parse_reply(&buf) {
                let general = Builder::over(r.as_bytes()).finish(r.as_bytes());
                prop_assert_eq!(Extensions::from_ehlo(&r).ok(), (r.code() == 250).then_some(general));
            }
            if let Ok(Some((e, _))) = one {
                auth_agrees(&e)?;
                for k in e.known() {
                    prop_assert!(e.supports(k.as_str()), "{:?} flagged but not found", k);
                }
                for (kw, _) in e.keywords() {
                    if let Some(k) = Keyword::from_upper(kw.as_bytes()) {
                        prop_assert!(e.has(k));
                    }
                }
            }
        }
    }
}

/// `parse_size` reads eight digits at a time: every length around the word size, a
/// non-digit in any position of a word, and the overflow point agree with a reference
/// computed digit by digit.
#[test]
fn size_eight_digits_at_a_time_agrees_with_a_digit_loop() {
    fn reference(params: &[u8]) -> SizeLimit {
        let word = params
            .split(u8::is_ascii_whitespace)
            .find(|w| !w.is_empty());
        let Some(word) = word else {
            return SizeLimit::NoFixedLimit;
        };
        if !word.iter().all(u8::is_ascii_digit) {
            return SizeLimit::Invalid;
        }
        let mut n: u128 = 0;
        for d in word {
            n = (n * 10 + u128::from(d - b'0')).min(u128::from(u64::MAX) + 1);
        }
        match n {
            0 => SizeLimit::NoFixedLimit,
            n if n > u128::from(u64::MAX) => SizeLimit::Max(u64::MAX),
            n => SizeLimit::Max(n as u64),
        }
    }
    let digits = b"98765432109876543210987654321";
    for len in 0..digits.len() {
        for tail in [&b""[..], b" ", b"\r\n", b" 12", b"x", b":"] {
            let mut p = digits[..len].to_vec();
            p.extend_from_slice(tail);
            assert_eq!(
                parse_size(&p),
                reference(&p),
                "{:?}",
                String::from_utf8_lossy(&p)
            );
            for bad in 0..len {
                for b in [b'/', b':', b'a', 0x80, b'0' + 0x10] {
                    let mut q = p.clone();
                    q[bad] = b;
                    assert_eq!(parse_size(&q), reference(&q), "{q:?}");
                }
            }
        }
    }
    assert_eq!(
        parse_size(b"18446744073709551615"),
        SizeLimit::Max(u64::MAX)
    );
    assert_eq!(
        parse_size(b"18446744073709551614"),
        SizeLimit::Max(u64::MAX - 1)
    );
    assert_eq!(
        parse_size(b"18446744073709551616"),
        SizeLimit::Max(u64::MAX)
    );
    assert_eq!(parse_size(b"0000000000000000000000001"), SizeLimit::Max(1));
}

/// `next_space` (the AUTH name split) stops where a byte-by-byte `is_ascii_whitespace`
/// search does, with control bytes that are not whitespace inside names.
#[test]
fn next_space_agrees_with_a_byte_loop() {
    let alphabet = [
        b'A', b'-', b' ', b'\t', b'\r', b'\n', 0x0c, 0x0b, 0x01, 0x1f, 0x80, b'!',
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..2000 {
        let len = (seed % 40) as usize;
        let p: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        for i in 0..=p.len() {
            let expected = p[i..]
                .iter()
                .position(u8::is_ascii_whitespace)
                .map_or(p.len(), |j| i + j);
            assert_eq!(next_space(&p, i), expected, "{p:?} from {i}");
        }
        seed = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    }
}

/// `number_crlf` (the one-scan path's `SIZE` number) finds what a digit-by-digit reading
/// finds: every length around the two words it reads, a non-digit in any position, and
/// what follows the number; `parse_size` of the same bytes gives the same limit.
#[test]
fn size_number_word_at_a_time_agrees_with_a_digit_loop() {
    fn reference(p: &[u8]) -> Option<(u64, usize)> {
        let n = p.iter().take_while(|b| b.is_ascii_digit()).count();
        if n == 0 || n > 15 || p.len() < 8 || (n >= 10 && p.len() < 16) {
            return None; // what the word-at-a-time reader leaves to the general path
        }
        if p.get(n..n + 2) != Some(b"\r\n") {
            return None;
        }
        let v = p[..n]
            .iter()
            .fold(0u64, |v, d| v * 10 + u64::from(d - b'0'));
        Some((v, n + 2))
    }
    let digits = b"98765432109876543210";
    for len in 0..digits.len() {
        for tail in [
            &b"\r\n250-PIPELINING\r\n"[..],
            b"\r\n",
            b"\r\n250 X\r\n",
            b" \r\n250 X\r\n",
            b"x\r\n250-DSN\r\n",
            b"\n250-DSN\r\n",
        ] {
            let mut p = digits[..len].to_vec();
            p.extend_from_slice(tail);
            let got = number_crlf(&p);
            assert_eq!(got, reference(&p), "{:?}", String::from_utf8_lossy(&p));
            if let Some((v, n)) = got {
                let expected = if v == 0 {
                    SizeLimit::NoFixedLimit
                } else {
                    SizeLimit::Max(v)
                };
                assert_eq!(parse_size(&p[..n]), expected);
            }
            for bad in 0..len {
                for b in [b'/', b':', b'a', 0x80, b'0' + 0x10, b'0' - 0x10, 0xb0] {
                    let mut q = p.clone();
                    q[bad] = b;
                    assert_eq!(number_crlf(&q), reference(&q), "{q:?}");
                }
            }
        }
    }
    assert_eq!(number_crlf(b"0\r\n250 DSN"), Some((0, 3)));
    assert_eq!(number_crlf(b"000000000000012\r\n"), Some((12, 17)));
    assert_eq!(number_crlf(b"0000000000000012\r\n"), None);
}

/// `mechanism_alone` (the one-scan path's `AUTH` names) recognises a name exactly when
/// `known_mechanism` does for the upper-case name followed by whitespace, and never
/// otherwise.
#[test]
fn mechanism_alone_agrees_with_known_mechanism() {
    let names = [
        "PLAIN",
        "LOGIN",
        "CRAM-MD5",
        "DIGEST-MD5",
        "XOAUTH2",
        "OAUTHBEARER",
        "SCRAM-SHA-1",
        "SCRAM-SHA-256",
        "GSSAPI",
        "NTLM",
        "EXTERNAL",
        "ANONYMOUS",
        "XOAUTH",
        "PLAIN-CLIENTTOKEN",
        "plain",
        "Login",
        "SCRAM-SHA-1-PLUS",
        "SCRAM-SHA-2",
        "NTLMX",
        "P",
        "",
    ];
    for name in names {
        for after in [
            &b" "[..],
            b"\t",
            b"\r\n",
            b"\x0c",
            b"",
            b"-",
            b"X",
            b"=",
            b"\x0b",
        ] {
            let expected = (name.bytes().all(|b| !b.is_ascii_lowercase())
                && after.first().is_some_and(u8::is_ascii_whitespace))
            .then(|| known_mechanism(name.as_bytes()).map(|i| (i, name.len())))
            .flatten();
            // Short names are compared in one word when eight bytes are there: with
            // and without more bytes after them.
            for more in [&b""[..], b"LOGIN\r\n250 DSN\r\n"] {
                let mut p = name.as_bytes().to_vec();
                p.extend_from_slice(after);
                if !after.is_empty() {
                    p.extend_from_slice(more);
                }
                assert_eq!(mechanism_alone(&p), expected, "{name:?} then {p:?}");
            }
        }
    }
}

/// `Keyword::alone` (whole-line compare) recognises a keyword line exactly when it is a
/// known keyword without typed parameters, in upper case, followed by CRLF.
#[test]
fn keyword_alone_agrees_with_the_lookup() {
    for k in Keyword::ALL {
        let typed = matches!(k, Keyword::Size | Keyword::Auth | Keyword::Limits);
        for after in [
            &b"\r\n"[..],
            b"\r\n250 HELP\r\n",
            b" x\r\n",
            b"\r",
            b"\n",
            b"X\r\n",
            b"",
        ] {
            let mut p = k.as_str().as_bytes().to_vec();
            p.extend_from_slice(after);
            let got = Keyword::alone(&p);
            let listed = !typed
                && !matches!(
                    k,
                    Keyword::MtPriority
                        | Keyword::Atrn
                        | Keyword::Burl
                        | Keyword::FutureRelease
                        | Keyword::NoSoliciting
                        | Keyword::Xclient
                        | Keyword::Xforward
                );
            let whole = after.starts_with(b"\r\n");
            assert_eq!(
                got,
                (listed && whole).then_some((k, k.as_str().len() + 2)),
                "{k:?} then {after:?}"
            );
        }
        let lower = k.as_str().to_ascii_lowercase();
        assert_eq!(Keyword::alone(format!("{lower}\r\n").as_bytes()), None);
    }
}

/// Each of `lines` after each of `heads` (a keyword line's start), ended in each way and
/// followed by each kind of next line, after a greeting: the one-scan and the line-based
/// paths agree, and `check` sees each parsed result.
fn keyword_line_agrees(heads: [&str; 2], lines: &[&str], check: impl Fn(&[u8], &Extensions)) {
    for line in lines {
        for next in ["250-DSN\r\n250 SIZE 5\r\n", "250 DSN\r\n", ""] {
            for end in ["\r\n", "\n", ""] {
                for head in heads {
                    let buf = format!("250-mx.example.org\r\n{head}{line}{end}{next}");
                    let buf = buf.as_bytes();
                    let one = Extensions::parse(buf);
                    assert_eq!(one, Extensions::parse_general(buf), "{buf:?}");
                    if let Ok(Some((e, _))) = &one {
                        check(buf, e);
                    }
                }
            }
        }
    }
}

/// The one-scan path reads an `AUTH` line to its CRLF without searching for it: every
/// way such a line can end or be odd gives what the line-based path gives.
#[test]
fn auth_line_agrees_with_the_general_path() {
    let long = format!(" {}", "PLAIN ".repeat(200));
    let lines = [
        " PLAIN LOGIN",
        "=PLAIN LOGIN",
        " PLAIN\nLOGIN",
        " PLAIN",
        " PLAIN ",
        " PLAIN\t",
        " \tLOGIN  PLAIN\t",
        " PLAIN\rLOGIN",
        " PLAIN\r",
        " PLAIN\x0cLOGIN",
        " PLAIN\x0bLOGIN",
        " XOAUTH PLAIN-CLIENTTOKEN xoauth2 Plain",
        " X1 X2 X3 X4 X5 X6 X1",
        " PLAIN \u{e9}",
        "",
        " ",
        long.as_str(),
    ];
    keyword_line_agrees(["250-AUTH", "250-auth"], &lines, |buf, e| {
        let got = e.auth_mechanisms().iter().collect::<Vec<_>>();
        assert_eq!(got, auth_reference(e), "{buf:?}");
    });
}

/// The same for a `LIMITS` line, read to its CRLF by the one-scan path.
#[test]
fn limits_line_agrees_with_the_general_path() {
    let long = format!(" {}", "MAILMAX=1 ".repeat(120));
    let lines = [
        " MAILMAX=1000 RCPTMAX=50000",
        " RCPTMAX=100 MAILMAX=10 RCPTDOMAINMAX=5 FOO=1",
        " rcptmax=7\tMailMax=+3",
        " MAILMAX=4294967295 RCPTMAX=4294967296",
        " MAILMAX=0000000001 RCPTMAX=999999999",
        " MAILMAX= RCPTMAX=+ RCPTDOMAINMAX=-1",
        " MAILMAX=1\nRCPTMAX=2",
        " MAILMAX=1\rRCPTMAX=2",
        " MAILMAX=1\x0cRCPTMAX=2",
        " MAILMAX=1 ",
        " MAILMAX=1\t",
        " RCPTMAX=5 RCPTMAX=6",
        " RCPTMAX=1\u{e9}",
        " MAILMAX",
        "",
        " ",
        "=MAILMAX=3",
        long.as_str(),
    ];
    keyword_line_agrees(["250-LIMITS", "250-limits"], &lines, |buf, e| {
        if let Some(params) = e.params("LIMITS") {
            assert_eq!(e.limits(), Some(parse_limits(params.as_bytes())), "{buf:?}");
        }
    });
}

/// The one-scan path finds the server name's end with the greeting line's end: every
/// shape of greeting gives what the line-based path gives.
#[test]
fn greeting_scan_agrees_with_the_general_path() {
    let greetings = [
        "mx.example.org",
        "mx.example.org Hello [192.0.2.1]",
        "AM0PR04CA0123.outlook.office365.com Hello [192.0.2.10]",
        "mx\tHello",
        " mx Hello",
        "\tmx",
        "mx ",
        "mx\t",
        "mx  Hello  ",
        "m",
        "",
        " ",
        "  \t ",
        "mx\rx y",
        "mx.example.org\u{e9} Hello",
        "a-very-long-server-name-without-any-blank.example.org",
        "a-very-long-server-name-without-any-blank.example.org Hello x",
    ];
    for g in greetings {
        for rest in ["250-PIPELINING\r\n250 SIZE 5\r\n", ""] {
            for (head, end) in [
                ("250-", "\r\n"),
                ("250 ", "\r\n"),
                ("250-", "\n"),
                ("250-", ""),
            ] {
                let head = if rest.is_empty() { "250 " } else { head };
                let buf = format!("{head}{g}{end}{rest}");
                let buf = buf.as_bytes();
                let one = Extensions::parse(buf);
                assert_eq!(one, Extensions::parse_general(buf), "{buf:?}");
                if let Ok(Some((e, _))) = one {
                    let two = Extensions::parse_general(buf).unwrap().unwrap().0;
                    assert_eq!(e.server_name(), two.server_name(), "{buf:?}");
                    assert_eq!(e.greeting(), two.greeting(), "{buf:?}");
                    if end == "\r\n" && !g.contains('\r') {
                        let trimmed = g.trim_matches([' ', '\t']);
                        let name = trimmed.split([' ', '\t']).next().unwrap_or_default();
                        assert_eq!(e.server_name(), name, "{buf:?}");
                    }
                }
            }
        }
    }
}
