//! Unit tests of `config` (kept beside it, in its own file).

use super::*;

#[test]
fn empty_config_has_the_defaults_and_the_default_module() {
    let c = Config::parse("").unwrap();
    assert_eq!(c.limits, Limits::default());
    assert_eq!(c.limits.max_in_flight, 8);
    assert_eq!(c.limits.min_interval, Duration::from_secs(10));
    assert_eq!(c.limits.timeout_offset, Duration::from_millis(500));
    assert!(c.allow.is_none());
    let d = &c.modules["default"];
    assert_eq!(
        d.args.quit_after,
        Some(smtping_proto::session::QuitAfter::Tls)
    );
}

#[test]
fn limits_and_modules_are_read() {
    let c = Config::parse(
        r#"
allow_targets = ["MX.Example.org.", "*.example.net", "127.0.0.0/8", "::1"]
[limits]
max_in_flight = 2
min_interval = "0"
timeout_offset = 1
max_timeout = "20s"
[modules.starttls]
tls = "starttls"
quit_after = "ehlo"
no_signals = true
"#,
    )
    .unwrap();
    assert_eq!(c.limits.max_in_flight, 2);
    assert_eq!(c.limits.min_interval, Duration::ZERO);
    assert_eq!(c.limits.timeout_offset, Duration::from_secs(1));
    assert_eq!(c.limits.max_timeout, Some(Duration::from_secs(20)));
    assert!(c.modules.contains_key("default"));
    let m = &c.modules["starttls"];
    assert_eq!(m.args.tls, smtping_client::TlsMode::StartTls);
    assert!(m.args.no_signals);
    let allow = c.allow.unwrap();
    for ok in [
        "mx.example.org",
        "MX.EXAMPLE.ORG.",
        "a.example.net",
        "b.c.example.net",
        "127.0.0.1",
        "127.9.9.9",
        "::1",
        "[::1]",
    ] {
        assert!(allow.allows(ok), "{ok}");
    }
    for no in [
        "example.net",
        "xexample.net",
        "mx.example.org.evil",
        "128.0.0.1",
        "::2",
        "evil-example.net",
    ] {
        assert!(!allow.allows(no), "{no}");
    }
}

#[test]
fn a_config_may_redefine_default() {
    let c = Config::parse("[modules.default]\nquit_after = \"greeting\"\n").unwrap();
    assert_eq!(
        c.modules["default"].args.quit_after,
        Some(smtping_proto::session::QuitAfter::Greeting)
    );
}

#[test]
fn errors_name_the_table_and_key() {
    let cases = [
        ("nonsense = 1", "unknown key \"nonsense\" in the top level"),
        (
            "[limits]\nmax_inflight = 2",
            "unknown key \"max_inflight\" in [limits]",
        ),
        ("[limits]\nmax_in_flight = 0", "[limits] max_in_flight"),
        (
            "[limits]\nmin_interval = \"10 parsecs\"",
            "[limits] min_interval",
        ),
        ("[limits]\nmax_timeout = \"0s\"", "[limits] max_timeout"),
        ("allow_targets = [\"10.0.0.0/40\"]", "allow_targets[0]"),
        ("allow_targets = [\"bad host!\"]", "allow_targets[0]"),
        ("allow_targets = \"x\"", "allow_targets"),
        ("[modules.\"bad name\"]", "a module name"),
        ("modules = 3", "modules"),
        ("this is not toml", "not valid TOML"),
    ];
    for (text, want) in cases {
        let e = Config::parse(text).unwrap_err().to_string();
        assert!(e.contains(want), "{text:?} → {e}");
        assert!(!e.contains('\n'), "{e}");
    }
}

#[test]
fn network_matching() {
    let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(in_net(v4("10.1.2.3"), v4("10.0.0.0"), 8));
    assert!(!in_net(v4("11.1.2.3"), v4("10.0.0.0"), 8));
    assert!(in_net(v4("1.2.3.4"), v4("0.0.0.0"), 0));
    assert!(in_net(v4("::ffff:10.0.0.1"), v4("10.0.0.0"), 8));
    assert!(in_net(v4("2001:db8::1"), v4("2001:db8::"), 32));
    assert!(!in_net(v4("2001:db9::1"), v4("2001:db8::"), 32));
    assert!(!in_net(v4("10.0.0.1"), v4("::"), 0));
}

#[test]
fn a_missing_file_and_a_large_file_are_named() {
    let e = Config::load(Path::new("/nonexistent/smtping.toml")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/smtping.toml"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    std::fs::write(&big, "#".repeat(MAX_CONFIG as usize + 10)).unwrap();
    assert!(matches!(
        Config::load(&big),
        Err(ConfigError::TooLarge { .. })
    ));
}

#[test]
fn history_is_off_unless_record_is_true_and_its_keys_are_checked() {
    assert_eq!(Config::parse("").unwrap().history, None);
    assert_eq!(
        Config::parse("[history]\nrecord = false\n")
            .unwrap()
            .history,
        None
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.sqlite");
    let c = Config::parse(&format!(
        "[history]\nrecord = true\nfull = true\nfile = \"{}\"\n",
        file.display()
    ))
    .unwrap();
    assert_eq!(
        c.history,
        Some(HistorySettings {
            file: file.clone(),
            full: true
        })
    );
    assert!(file.exists(), "opened (created, migrated) at load");
    let e = Config::parse("[history]\nrecord = \"yes\"\n").unwrap_err();
    assert!(e.to_string().contains("[history] record"), "{e}");
    let e = Config::parse("[history]\nrecrod = true\n").unwrap_err();
    assert!(e.to_string().contains("recrod"), "{e}");
}
