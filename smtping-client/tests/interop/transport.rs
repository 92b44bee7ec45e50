//! Transport security in depth (issue 15) against real software: Unbound validating the
//! Knot-signed zone `secure.test` (and its bogus, expired and unsigned children), nginx serving
//! MTA-STS policies, the Postfix listener of the DANE MX hosts, `openssl s_server` and Postfix
//! offering TLS 1.0 at `@SECLEVEL=0`, Postfix's TLS 1.2-only listener, and the sweep host whose
//! port 25 a firewall rule drops.

use std::net::SocketAddr;

use smtping_client::domain::{DomainCheck, DomainReport};
use smtping_client::net::dns::Resolver;
use smtping_client::tls::TlsOptions;
use smtping_client::{Check, ConnectTo, Status};
use smtping_proto::dns::ResolverConfig;
use smtping_proto::session::QuitAfter;

use super::{CONNECT_TIMEOUT, Env, GUARD, assert_finding, finding_ids, json, run};
use smtping_client::Severity;

/// `smtping domain NAME` through Unbound (the validating resolver on loopback, whose AD bit
/// is trusted), with the test CA for the MTA-STS policy host and the MX hosts.
async fn domain(env: &Env, name: &str) -> DomainReport {
    let validator: SocketAddr = env.addr("VALIDATOR");
    let resolver = Resolver::new(ResolverConfig::new([validator]));
    let check = DomainCheck::new(name)
        .unwrap()
        .tls_options(TlsOptions::default().ca_file(env.ca()));
    match tokio::time::timeout(GUARD, check.run(&resolver)).await {
        Ok(report) => report,
        Err(_) => panic!("smtping domain {name} hung for {GUARD:?}"),
    }
}

fn domain_json(r: &DomainReport) -> serde_json::Value {
    serde_json::to_value(r).unwrap()
}

#[tokio::test]
async fn dnssec_secure_insecure_and_bogus_through_unbound() {
    let env = env_or_skip!();
    let secure = domain(&env, env.get("SECURE_DOMAIN")).await;
    let dnssec = secure.dnssec.as_ref().expect("dnssec area");
    assert_eq!(dnssec.domain, "secure", "{dnssec:?}");
    assert_eq!(dnssec.mx, "secure", "{dnssec:?}");
    assert!(
        !dnssec.hosts.is_empty() && dnssec.hosts.iter().all(|h| h.status == "secure"),
        "{dnssec:?}"
    );
    assert_eq!(dnssec.status, Status::Green);

    let unsigned = domain(&env, env.get("INSECURE_DOMAIN")).await;
    let dnssec = unsigned.dnssec.as_ref().expect("dnssec area");
    assert_eq!(dnssec.domain, "insecure", "{dnssec:?}");

    let bogus = domain(&env, env.get("BOGUS_DOMAIN")).await;
    let dnssec = bogus.dnssec.as_ref().expect("dnssec area");
    assert_eq!(dnssec.domain, "bogus", "{dnssec:?}");
    assert_eq!(dnssec.mx, "bogus", "{dnssec:?}");
    assert_eq!(dnssec.status, Status::Red);
    let v = domain_json(&bogus);
    let text = v.to_string();
    assert!(
        text.contains("EDE 6 (DNSSEC Bogus)") || text.contains("EDE 9 (DNSKEY Missing)"),
        "the bogus answer's Extended DNS Error explains it: {text}"
    );
}

#[tokio::test]
async fn tlsa_records_of_the_mx_hosts_on_the_signed_zone() {
    let env = env_or_skip!();
    let report = domain(&env, env.get("SECURE_DOMAIN")).await;
    let dane = report.dane.as_ref().expect("dane area");
    let names: Vec<&str> = dane.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "mx-dane.secure.test",
            "mx-roll.secure.test",
            "mx-ta.secure.test"
        ],
        "{dane:?}"
    );
    assert!(
        dane.hosts.iter().all(|h| h.usable && h.error.is_none()),
        "{dane:?}"
    );
    let roll = &dane.hosts[1];
    assert_eq!(roll.tlsa.len(), 2, "two 3 1 1 records for the rollover");
    assert_eq!(
        roll.tlsa[0].data.to_ascii_lowercase().len(),
        64,
        "SHA-256 association data in hex"
    );
    let want = env.get("TLSA_SECURE_311").to_ascii_lowercase();
    assert!(
        roll.tlsa
            .iter()
            .any(|t| t.data.to_ascii_lowercase() == want),
        "{roll:?} has the current key's digest {want}"
    );

    // PKIX usages only: "TLSA present but none usable" (RFC 7672 section 3.1.3).
    let pkix = domain(&env, "dane-pkix.secure.test").await;
    let dane = pkix.dane.as_ref().expect("dane area");
    assert_eq!(dane.hosts.len(), 1);
    assert!(!dane.hosts[0].usable, "{dane:?}");
    assert!(
        pkix.findings
            .iter()
            .any(|f| f.id.as_str().starts_with("dane.")),
        "{:?}",
        pkix.findings
    );

    // Signed, no TLSA: DANE does not apply; nothing is red because of it.
    let none = domain(&env, "dane-none.secure.test").await;
    let dane = none.dane.as_ref().expect("dane area");
    assert!(dane.hosts.iter().all(|h| h.tlsa.is_empty()), "{dane:?}");
    assert_ne!(dane.status, Status::Red, "{dane:?}");
}

#[tokio::test]
async fn mta_sts_policies_served_by_nginx() {
    let env = env_or_skip!();
    let enforce = domain(&env, env.get("SECURE_DOMAIN")).await;
    let sts = enforce.mta_sts.as_ref().expect("mta_sts area");
    assert_eq!(sts.mode.as_deref(), Some("enforce"), "{sts:?}");
    assert_eq!(sts.txt_id.as_deref(), Some("20261201T000000Z"));
    assert!(sts.max_age.is_some_and(|a| a > 0), "{sts:?}");
    assert!(!sts.mx_patterns.is_empty(), "{sts:?}");
    assert!(sts.hosts.iter().all(|h| h.matched), "{sts:?}");
    assert!(sts.error.is_none(), "{sts:?}");
    let rpt = enforce.tls_rpt.as_ref().expect("tls_rpt area");
    assert_eq!(rpt.rua.len(), 2, "{rpt:?}");

    let testing = domain(&env, "testing.secure.test").await;
    let sts = testing.mta_sts.as_ref().expect("mta_sts area");
    assert_eq!(sts.mode.as_deref(), Some("testing"), "{sts:?}");

    let nomatch = domain(&env, "nomatch.secure.test").await;
    let sts = nomatch.mta_sts.as_ref().expect("mta_sts area");
    assert!(sts.hosts.iter().any(|h| !h.matched), "{sts:?}");
    assert_eq!(
        sts.status,
        Status::Red,
        "enforce and the MX is not covered: {sts:?}"
    );

    // Strict HTTPS: 404, a redirect, the wrong content type and a certificate for another
    // name each mean "no policy", with the reason.
    for (name, words) in [
        ("missing.secure.test", "404"),
        ("redirect.secure.test", "301"),
        ("ctype.secure.test", "text/html"),
        ("badcert.secure.test", "certificate"),
    ] {
        let r = domain(&env, name).await;
        let sts = r.mta_sts.as_ref().expect("mta_sts area");
        let error = sts.error.as_deref().unwrap_or_default();
        assert!(sts.mode.is_none(), "{name}: {sts:?}");
        assert!(
            error.contains(words),
            "{name}: {error:?} should mention {words}"
        );
    }

    // Exactly one v=STSv1 TXT record (RFC 8461 section 3.1).
    let two = domain(&env, "twotxt.secure.test").await;
    let sts = two.mta_sts.as_ref().expect("mta_sts area");
    assert!(sts.mode.is_none(), "{sts:?}");
    assert!(
        two.findings
            .iter()
            .any(|f| f.id.as_str().starts_with("mta_sts.")),
        "{:?}",
        two.findings
    );
}

/// The sweep host: a firewall rule drops port 25; 465, 587 and 2525 reach Postfix.
#[tokio::test]
async fn port_sweep_with_port_25_filtered() {
    let env = env_or_skip!();
    if env.get("SWEEP_KIND") == "none" {
        eprintln!("interop: SKIP port sweep: no nftables/iptables at setup");
        return;
    }
    let host = env.get("SWEEP_HOST");
    let check = Check::parse(&format!("{host}:587"))
        .unwrap()
        .resolver(env.dns())
        .ca_file(env.ca())
        .sni(env.mx_host())
        .connect_timeout(std::time::Duration::from_secs(3))
        .command_timeout(std::time::Duration::from_secs(5))
        .quit_after(QuitAfter::Tls)
        .ports([25, 465, 587, 2525]);
    let report = run(check).await;
    let sweep = report.sweep.as_ref().expect("sweep");
    let v = json(&report);
    let outcome = |port: u16| {
        v["sweep"]["ports"]
            .as_array()
            .and_then(|ports| ports.iter().find(|p| p["port"] == port))
            .map(|p| p["outcome"].clone())
    };
    assert_eq!(outcome(25).unwrap(), "timeout", "{sweep:?}");
    for port in [465, 587, 2525] {
        assert_eq!(outcome(port).unwrap(), "connected", "{port}: {sweep:?}");
    }
    assert!(
        sweep.conclusion.starts_with(
            "25 timed out while 465, 587 and 2525 answered: outbound port 25 is probably blocked"
        ),
        "{}",
        sweep.conclusion
    );
    assert_finding(&report, "sweep.port25_blocked", Severity::Warning);
}

/// Postfix refuses MAIL before STARTTLS on its "encrypt" listener, and takes it on the
/// ordinary one.
#[tokio::test]
async fn starttls_enforcement_probe() {
    let env = env_or_skip!();
    let enforced = run(env.check("POSTFIX_ENCRYPT").probe_enforcement(true)).await;
    assert_eq!(enforced.tls.enforced, Some(true), "{:?}", enforced.tls);
    assert!(!finding_ids(&enforced).contains(&"tls.not_enforced"));

    let open = run(env.check("POSTFIX_STARTTLS").probe_enforcement(true)).await;
    assert_eq!(open.tls.enforced, Some(false), "{:?}", open.tls);
    assert_finding(&open, "tls.not_enforced", Severity::Warning);
}

fn scan_versions(report: &smtping_client::Report) -> Vec<(String, Option<bool>)> {
    let v = json(report);
    v["tls"]["scan"]["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("no tls.scan.versions: {}", v["tls"]))
        .iter()
        .map(|e| {
            (
                e["version"].as_str().unwrap().to_owned(),
                e["accepted"].as_bool(),
            )
        })
        .collect()
}

fn accepted(versions: &[(String, Option<bool>)], version: &str) -> Option<bool> {
    versions
        .iter()
        .find(|(v, _)| v == version)
        .and_then(|(_, a)| *a)
}

/// `openssl s_server` (implicit TLS, TLS 1.0-1.2 at @SECLEVEL=0) and Postfix's TLS 1.2-only
/// STARTTLS listener: the raw ClientHello probes see what rustls cannot speak.
#[tokio::test]
async fn tls_scan_of_the_legacy_and_the_tls12_only_servers() {
    let env = env_or_skip!();
    let legacy = Check::parse(env.get("LEGACY_TLS"))
        .unwrap()
        .tls(smtping_client::TlsMode::Implicit)
        .ca_file(env.ca())
        .sni(env.mx_host())
        .connect_timeout(CONNECT_TIMEOUT)
        .command_timeout(std::time::Duration::from_secs(10))
        .quit_after(QuitAfter::Tls)
        .tls_scan(true);
    let report = run(legacy).await;
    let versions = scan_versions(&report);
    assert_eq!(accepted(&versions, "TLSv1.0"), Some(true), "{versions:?}");
    assert_eq!(accepted(&versions, "TLSv1.1"), Some(true), "{versions:?}");
    assert_eq!(accepted(&versions, "TLSv1.2"), Some(true), "{versions:?}");
    assert_eq!(accepted(&versions, "SSLv3"), Some(false), "{versions:?}");
    let ids = finding_ids(&report);
    assert!(ids.contains(&"tls.legacy_version"), "{ids:?}");
    assert!(
        ids.contains(&"tls.weak_cipher"),
        "anon and NULL suites at SECLEVEL 0: {ids:?}"
    );
    let v = json(&report);
    assert_eq!(
        v["tls"]["scan"]["grade"], "insufficient",
        "{}",
        v["tls"]["scan"]
    );

    let tls12 = run(env
        .check("POSTFIX_TLS12")
        .quit_after(QuitAfter::Tls)
        .tls_scan(true))
    .await;
    let versions = scan_versions(&tls12);
    assert_eq!(accepted(&versions, "TLSv1.2"), Some(true), "{versions:?}");
    assert_eq!(accepted(&versions, "TLSv1.1"), Some(false), "{versions:?}");
    assert_eq!(accepted(&versions, "TLSv1.0"), Some(false), "{versions:?}");
    assert_eq!(accepted(&versions, "TLSv1.3"), Some(false), "{versions:?}");
    assert!(!finding_ids(&tls12).contains(&"tls.legacy_version"));
}

/// `--connect-to` keeps the name for SNI and the certificate while the connection goes to
/// another address: the DANE MX host's name, reached at Postfix's own port.
#[tokio::test]
async fn connect_to_keeps_the_name_for_the_certificate() {
    let env = env_or_skip!();
    let mx: SocketAddr = env.addr("SECURE_MX");
    let rule: ConnectTo = format!("mx-dane.secure.test:25:127.0.0.1:{}", mx.port())
        .parse()
        .unwrap();
    let check = Check::parse("mx-dane.secure.test")
        .unwrap()
        .resolver(env.addr("VALIDATOR"))
        .ca_file(env.ca())
        .connect_timeout(CONNECT_TIMEOUT)
        .quit_after(QuitAfter::Tls)
        .connect_to(rule);
    let report = run(check).await;
    assert_eq!(report.tls.status, Status::Green, "{:?}", report.tls);
    let v = json(&report);
    assert_eq!(
        v["tls"]["certificate"]["verification"], "valid",
        "{}",
        v["tls"]
    );
    assert_eq!(
        v["connectivity"]["attempts"][0]["address"],
        format!("127.0.0.1:{}", mx.port())
    );
}

/// `smtping domain` on the signed zone: every MX host's address (127.0.0.37:25, which the
/// firewall forwards to Postfix's DANE listener) over STARTTLS, its chain matched against the
/// host's TLSA records (DANE-EE, a rollover pair, DANE-TA), and the MTA-STS policy's
/// certificate check from the same handshakes.
#[tokio::test]
async fn every_mx_of_the_signed_zone_over_tls_with_dane_matched() {
    let env = env_or_skip!();
    if env.get("SWEEP_KIND") == "none" {
        eprintln!(
            "interop: SKIP domain TLS: no nftables/iptables at setup (127.0.0.37:25 needs DNAT)"
        );
        return;
    }
    let report = domain(&env, env.get("SECURE_DOMAIN")).await;
    let tls = report.tls.as_ref().expect("tls area");
    let names: Vec<&str> = tls.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "mx-dane.secure.test",
            "mx-roll.secure.test",
            "mx-ta.secure.test"
        ],
        "{tls:?}"
    );
    for h in &tls.hosts {
        assert!(h.established, "{h:?}");
        assert_eq!(h.port, 25);
        assert_eq!(h.dane_matched, Some(true), "{h:?}");
        let v = serde_json::to_value(h).unwrap();
        assert_eq!(v["certificate"]["verification"], "valid", "{v}");
    }
    assert_eq!(tls.status, Status::Green, "{tls:?}");
    let dane = report.dane.as_ref().expect("dane area");
    assert!(
        dane.hosts.iter().all(|h| h.matched == Some(true)),
        "{dane:?}"
    );
    assert_eq!(dane.status, Status::Green, "{dane:?}");
    let sts = report.mta_sts.as_ref().expect("mta_sts area");
    assert!(
        sts.hosts.iter().all(|h| h.certificate_valid == Some(true)),
        "{sts:?}"
    );

    // The TLSA record that does not match the presented chain: red, whatever MTA-STS says.
    let mismatch = domain(&env, "dane-mismatch.secure.test").await;
    let dane = mismatch.dane.as_ref().expect("dane area");
    assert_eq!(dane.hosts[0].matched, Some(false), "{dane:?}");
    assert_eq!(dane.status, Status::Red);
    assert!(
        mismatch
            .findings
            .iter()
            .any(|f| f.id.as_str() == "dane.mismatch"),
        "{:?}",
        mismatch.findings
    );
    assert_eq!(mismatch.verdict, Status::Red);

    // Two MX hosts, one matching and one not: the worst decides.
    let mixed = domain(&env, "mixed.secure.test").await;
    let matched: Vec<Option<bool>> = mixed
        .tls
        .as_ref()
        .map(|t| t.hosts.iter().map(|h| h.dane_matched).collect())
        .unwrap_or_default();
    assert_eq!(matched, [Some(true), Some(false)], "{:?}", mixed.tls);
    assert_eq!(mixed.verdict, Status::Red);
}
