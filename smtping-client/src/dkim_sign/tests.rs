use super::*;
use ring::signature::{self, UnparsedPublicKey};

fn key(name: &str) -> String {
    format!("{}/tests/data/dkim/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// RFC 8463 appendix A.3: the signed message, both signatures.
const RFC8463: &str = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r
 d=football.example.com; i=@football.example.com;\r
 q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r
 subject : date : message-id : from : subject : date;\r
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
 b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r
 Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r
DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r
 d=football.example.com; i=@football.example.com;\r
 q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r
 date : message-id : from : subject : date;\r
 bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r
 b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r
 DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r
 dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r
From: Joe SixPack <joe@football.example.com>\r
To: Suzie Q <suzie@shopping.example.net>\r
Subject: Is dinner ready?\r
Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r
Message-ID: <20030712040037.46341.5F8J@football.example.com>\r
\r
Hi.\r
\r
We lost the game.  Are you hungry yet?\r
\r
Joe.\r
";

const RFC8463_RSA_SPKI: &str = "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB";
const RFC8463_ED25519: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/// A signature field's tags, its `b=` (whitespace removed), and the field with `b=` emptied.
struct Parsed {
    names: Vec<String>,
    bh: String,
    b: Vec<u8>,
    unsigned: Vec<u8>,
    a: String,
}

fn parse_signature(raw: &[u8]) -> Parsed {
    let colon = raw.iter().position(|&c| c == b':').unwrap();
    let (_, tags) =
        smtping_proto::grammar::tag_value::tag_list(raw[colon + 1..].trim_ascii()).unwrap();
    let tag = |n: &str| {
        let v = tags.iter().find(|t| t.0 == n.as_bytes()).unwrap().1;
        v.iter()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|&c| c as char)
            .collect::<String>()
    };
    // `b=` is the tag preceded by `;` and whitespace (not the `b` of `bh=`).
    let mut at = None;
    for n in 1..raw.len() - 1 {
        if &raw[n..n + 2] == b"b=" {
            let before = raw[..n].iter().rev().find(|c| !c.is_ascii_whitespace());
            if before == Some(&b';') {
                at = Some(n + 2);
            }
        }
    }
    let at = at.unwrap();
    let end = raw[at..]
        .iter()
        .position(|&c| c == b';')
        .map_or(raw.len(), |e| at + e);
    let unsigned = [&raw[..at], &raw[end..]].concat();
    Parsed {
        names: tag("h").split(':').map(str::to_owned).collect(),
        bh: tag("bh"),
        b: B64.decode(tag("b")).unwrap(),
        unsigned,
        a: tag("a"),
    }
}

/// Verifies signature number `index` of `msg` with a raw Ed25519 key or an RSA
/// `RSAPublicKey`: the body hash and the signature, over this module's canonicalization.
fn verify(msg: &[u8], index: usize, public: &[u8]) -> bool {
    let (fields, body) = split_message(msg).unwrap();
    let sig = fields
        .iter()
        .filter(|f| f.name.eq_ignore_ascii_case(b"dkim-signature"))
        .nth(index)
        .unwrap();
    let p = parse_signature(sig.raw);
    if B64.encode(digest::digest(&digest::SHA256, &relaxed_body(body))) != p.bh {
        return false;
    }
    let names: Vec<&str> = p.names.iter().map(String::as_str).collect();
    let data = signing_input(&fields, &names, &p.unsigned);
    match p.a.as_str() {
        "ed25519-sha256" => {
            let hash = digest::digest(&digest::SHA256, &data);
            UnparsedPublicKey::new(&signature::ED25519, public)
                .verify(hash.as_ref(), &p.b)
                .is_ok()
        }
        "rsa-sha256" => UnparsedPublicKey::new(
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            public,
        )
        .verify(&data, &p.b)
        .is_ok(),
        other => panic!("algorithm {other}"),
    }
}

/// The `RSAPublicKey` inside a 1024-bit `SubjectPublicKeyInfo`.
fn spki_to_pkcs1(spki_b64: &str) -> Vec<u8> {
    let spki = B64.decode(spki_b64).unwrap();
    let prefix = [
        0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
        0x01, 0x05, 0x00, 0x03, 0x81, 0x8d, 0x00,
    ];
    assert_eq!(&spki[..prefix.len()], prefix);
    spki[prefix.len()..].to_vec()
}

#[test]
fn rfc8463_body_hash() {
    let (_, body) = split_message(RFC8463.as_bytes()).unwrap();
    assert_eq!(
        B64.encode(digest::digest(&digest::SHA256, &relaxed_body(body))),
        "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8="
    );
}

#[test]
fn rfc8463_rsa_signature_verifies_over_our_canonicalization() {
    assert!(verify(
        RFC8463.as_bytes(),
        1,
        &spki_to_pkcs1(RFC8463_RSA_SPKI)
    ));
    // And our SPKI wrapping of the same public key is the published p=.
    assert_eq!(
        B64.encode(rsa_spki(&spki_to_pkcs1(RFC8463_RSA_SPKI))),
        RFC8463_RSA_SPKI
    );
}

#[test]
fn rfc8463_ed25519_signature_byte_for_byte() {
    let signer =
        DkimSigner::from_pem_file(key("ed25519.pem"), "brisbane", "football.example.com").unwrap();
    assert_eq!(
        signer.dns_record(),
        format!("v=DKIM1; k=ed25519; p={RFC8463_ED25519}")
    );
    let (fields, _) = split_message(RFC8463.as_bytes()).unwrap();
    let p = parse_signature(fields[0].raw);
    let names: Vec<&str> = p.names.iter().map(String::as_str).collect();
    let data = signing_input(&fields, &names, &p.unsigned);
    // Ed25519 is deterministic: the same key over the same canonical data gives the
    // RFC's bytes.
    assert_eq!(
        B64.encode(signer.sign_data(&data).unwrap()),
        B64.encode(&p.b)
    );
    assert!(verify(
        RFC8463.as_bytes(),
        0,
        &B64.decode(RFC8463_ED25519).unwrap()
    ));
}

fn test_message() -> Vec<u8> {
    b"From: Alice <alice@example.com>\r\n\
To: bob@example.org\r\n\
Subject:  SMTPing \t delivery test\r\n\
\t(folded)\r\n\
Date: Tue, 01 Dec 2026 14:02:07 +0000\r\n\
Message-ID: <smtping.7f3a@example.com>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
X-Not-Signed: yes\r\n\
\r\n\
Hello  world \r\n\
\r\n\
.dot line\r\n\
\r\n\
\r\n"
        .to_vec()
}

fn rsa_public(signer: &DkimSigner) -> Vec<u8> {
    match &signer.key {
        Key::Rsa(k) => k.public().as_ref().to_vec(),
        Key::Ed25519(k) => k.public_key().as_ref().to_vec(),
    }
}

#[test]
fn rsa_round_trip_in_both_encodings() {
    let pkcs8 =
        DkimSigner::from_pem_file(key("rsa2048-pkcs8.pem"), "s2048", "Example.COM").unwrap();
    let pkcs1 =
        DkimSigner::from_pem_file(key("rsa2048-pkcs1.pem"), "s2048", "example.com").unwrap();
    assert_eq!(
        (pkcs8.algorithm(), pkcs8.key_bits()),
        (DkimAlgorithm::RsaSha256, 2048)
    );
    assert_eq!(pkcs8.domain(), "example.com");
    let msg = test_message();
    let a = pkcs8.sign_at(&msg, 1_764_597_727).unwrap();
    let b = pkcs1.sign_at(&msg, 1_764_597_727).unwrap();
    assert_eq!(
        a, b,
        "PKCS#1 v1.5 is deterministic and both files hold one key"
    );
    assert!(
        a.contains("h=from:to:subject:date:message-id:mime-version:content-type:from;"),
        "{a}"
    );
    assert!(a.contains("t=1764597727;"));
    assert!(a.lines().all(|l| l.len() <= 78), "{a}");
    let signed = [a.as_bytes(), &msg].concat();
    let public = rsa_public(&pkcs8);
    assert!(verify(&signed, 0, &public));
    // What a relay does keeps it valid: a Received on top, refolding, trailing spaces.
    let relayed = [
        b"Received: from x by y; Tue, 01 Dec 2026 14:02:08 +0000\r\n".as_slice(),
        &signed,
    ]
    .concat();
    assert!(verify(&relayed, 0, &public));
    let refolded = String::from_utf8(signed.clone())
        .unwrap()
        .replace("Subject:  SMTPing", "Subject:\r\n\tSMTPing");
    assert!(verify(refolded.as_bytes(), 0, &public));
    // What a forger does breaks it.
    let body = String::from_utf8(signed.clone())
        .unwrap()
        .replace("Hello", "Hallo");
    assert!(!verify(body.as_bytes(), 0, &public));
    let second_from = String::from_utf8(signed.clone())
        .unwrap()
        .replace("To: bob", "From: mallory@evil.example\r\nTo: bob");
    assert!(!verify(second_from.as_bytes(), 0, &public));
    let unsigned_header = String::from_utf8(signed)
        .unwrap()
        .replace("X-Not-Signed: yes", "X-Not-Signed: no");
    assert!(verify(unsigned_header.as_bytes(), 0, &public));
}

#[test]
fn ed25519_round_trip_with_an_openssl_key() {
    let signer =
        DkimSigner::from_pem_file(key("ed25519-generated.pem"), "ed", "example.com").unwrap();
    assert_eq!(
        (signer.algorithm(), signer.key_bits()),
        (DkimAlgorithm::Ed25519Sha256, 256)
    );
    let msg = test_message();
    let signed = signer.sign_message(&msg).unwrap();
    assert!(signed.starts_with(b"DKIM-Signature: v=1; a=ed25519-sha256;"));
    assert!(verify(&signed, 0, &rsa_public(&signer)));
}

#[test]
fn relaxed_canonicalization_edges() {
    assert_eq!(
        relaxed_header(b"SubJect :  a \t b  \r\n\t c  "),
        b"subject:a b c"
    );
    assert_eq!(relaxed_header(b"Subject: a: b"), b"subject:a: b");
    assert_eq!(relaxed_header(b"X:"), b"x:");
    assert_eq!(relaxed_body(b" a  \t b \r\n\r\n\r\n"), b" a b\r\n");
    assert_eq!(relaxed_body(b""), b"");
    assert_eq!(relaxed_body(b"\r\n\r\n"), b"");
    assert_eq!(relaxed_body(b" \t\r\n"), b"");
    assert_eq!(relaxed_body(b"no break"), b"no break\r\n");
    assert_eq!(relaxed_body(b"a\n\nb\n"), b"a\r\n\r\nb\r\n");
    let (fields, body) = split_message(b"A: 1\r\nB: 2\r\n  more\r\nA: 3\r\n\r\nbody").unwrap();
    assert_eq!(fields.len(), 3);
    assert_eq!(body, b"body");
    let picked: Vec<&[u8]> = select_headers(&fields, &["a", "a", "a", "b"])
        .iter()
        .map(|f| f.raw)
        .collect();
    assert_eq!(picked, [&b"A: 3"[..], b"A: 1", b"B: 2\r\n  more"]);
    assert!(split_message(b" continuation first\r\n\r\n").is_none());
    assert!(split_message(b"not a header\r\n\r\n").is_none());
    assert_eq!(split_message(b"A: 1\r\n").unwrap().1, b"");
}

#[test]
fn refusals_name_the_cause_and_never_show_the_key() {
    let err = |name: &str| DkimSigner::from_pem_file(key(name), "s", "example.com").unwrap_err();
    assert!(
        matches!(err("encrypted.pem"), DkimSignError::UnsupportedPem { ref label, .. } if label == "ENCRYPTED PRIVATE KEY")
    );
    let ec = err("ec.pem");
    assert!(ec.to_string().contains("ECDSA"), "{ec}");
    let short = err("rfc8463-rsa1024-pkcs1.pem");
    assert!(matches!(short, DkimSignError::BadKey { .. }), "{short}");
    assert!(matches!(err("README.md"), DkimSignError::NotPem { .. }));
    assert!(matches!(err("missing.pem"), DkimSignError::Read { .. }));
    let pem = std::fs::read_to_string(key("rsa2048-pkcs1.pem")).unwrap();
    let body_line = pem.lines().nth(3).unwrap();
    for e in [short, ec] {
        assert!(!e.to_string().contains(body_line) && !format!("{e:?}").contains(body_line));
    }
    let public = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    assert!(
        DkimSigner::from_pem(public.as_bytes(), "inline", "s", "example.com")
            .unwrap_err()
            .to_string()
            .contains("public half")
    );
    let garbage = "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
    assert!(matches!(
        DkimSigner::from_pem(garbage.as_bytes(), "inline", "s", "example.com"),
        Err(DkimSignError::BadBase64 { .. })
    ));
    let junk = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
    assert!(matches!(
        DkimSigner::from_pem(junk.as_bytes(), "inline", "s", "example.com"),
        Err(DkimSignError::BadKey { .. })
    ));
    for bad in ["s;x=1", "", "a..b", "-a", "s s"] {
        assert!(
            matches!(
                DkimSigner::from_pem_file(key("ed25519.pem"), bad, "example.com"),
                Err(DkimSignError::InvalidSelector(_))
            ),
            "{bad}"
        );
    }
    for bad in ["bücher.example", "exa mple.com", "_dmarc.example.com"] {
        assert!(
            matches!(
                DkimSigner::from_pem_file(key("ed25519.pem"), "s", bad),
                Err(DkimSignError::InvalidDomain(_))
            ),
            "{bad}"
        );
    }
    let signer = DkimSigner::from_pem_file(key("rsa2048-pkcs8.pem"), "s", "example.com").unwrap();
    let debug = format!("{signer:?}");
    assert!(
        debug.contains("RsaSha256") && debug.contains("2048") && !debug.contains("MII"),
        "{debug}"
    );
    assert!(matches!(
        signer.sign(b"Subject: x\r\n\r\nbody"),
        Err(DkimSignError::NoFrom)
    ));
    assert!(matches!(
        signer.sign(b"garbage"),
        Err(DkimSignError::NoBody)
    ));
}

#[test]
fn published_key_check() {
    let signer = DkimSigner::from_pem_file(key("rsa2048-pkcs8.pem"), "s", "example.com").unwrap();
    let rec = signer.dns_record();
    assert!(rec.starts_with("v=DKIM1; k=rsa; p=MIIBIjAN"), "{rec}");
    // The same p= split over TXT strings (spaces) still matches.
    let spaced = rec.replacen("p=MII", "p=MI I", 1);
    assert_eq!(DkimKeyProblem::check_published(&signer, &spaced), None);
    let other = DkimSigner::from_pem_file(key("ed25519.pem"), "s", "example.com").unwrap();
    let p = DkimKeyProblem::check_published(&signer, &other.dns_record()).unwrap();
    assert_eq!(p.finding_id(), "dkim_sign.key_mismatch");
    assert!(p.to_string().contains("s._domainkey.example.com"));
}

/// An independent verifier: dkimpy (`pip install dkimpy pynacl`), with the DNS answer
/// given in-process. Skipped, with the reason printed, when python3 or dkimpy is absent.
#[test]
fn dkimpy_verifies_our_signatures() {
    let probe = std::process::Command::new("python3")
        .args(["-c", "import dkim, nacl"])
        .output();
    match probe {
        Ok(o) if o.status.success() => {}
        Ok(o) => {
            eprintln!(
                "skipped: dkimpy or pynacl not importable ({})",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return;
        }
        Err(e) => {
            eprintln!("skipped: python3 not found ({e})");
            return;
        }
    }
    let dir = std::env::temp_dir().join(format!("smtping-dkimpy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (file, selector) in [
        ("rsa2048-pkcs8.pem", "rsa"),
        ("rsa2048-pkcs1.pem", "rsa1"),
        ("ed25519.pem", "ed"),
        ("ed25519-generated.pem", "ed2"),
    ] {
        let signer = DkimSigner::from_pem_file(key(file), selector, "example.com").unwrap();
        let signed = signer.sign_message(&test_message()).unwrap();
        let msg_path = dir.join(format!("{selector}.eml"));
        std::fs::write(&msg_path, &signed).unwrap();
        let script = format!(
            "import dkim,sys\nrec=b'{}'\ndef dns(name, timeout=5):\n    return rec if name==b'{selector}._domainkey.example.com.' else None\nm=open(sys.argv[1],'rb').read()\nsys.exit(0 if dkim.verify(m, dnsfunc=dns) else 1)\n",
            signer.dns_record()
        );
        let out = std::process::Command::new("python3")
            .args(["-c", &script, msg_path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "dkimpy refused the {file} signature: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // dkimpy must also refuse a tampered copy (the check is real).
        let tampered = String::from_utf8(signed).unwrap().replace("Hello", "Hallo");
        std::fs::write(&msg_path, tampered).unwrap();
        let out = std::process::Command::new("python3")
            .args(["-c", &script, msg_path.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "dkimpy accepted a tampered {file} message"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
