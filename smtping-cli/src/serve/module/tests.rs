//! Unit tests of `module` (kept beside it, in its own file).

use super::*;

fn table(text: &str) -> toml::Table {
    toml::from_str(text).unwrap()
}

#[test]
fn keys_become_check_options() {
    let m = Module::from_table(
        "m",
        &table(
            r#"
tls = "implicit"
port = 465
require_tls = true
no_pipelining = false
ca_file = ["/a.pem", "/b.pem"]
from = "probe@example.com"
to = ["a@example.org", "b@example.org"]
connect_timeout = "3s"
timeout = "12s"
helo = "--odd"
"#,
        ),
    )
    .unwrap();
    let a = &m.args;
    assert_eq!(a.tls, smtping_client::TlsMode::Implicit);
    assert_eq!(a.port, Some(465));
    assert!(a.require_tls);
    assert!(!a.no_pipelining);
    assert_eq!(a.ca_file.len(), 2);
    assert_eq!(a.from.as_deref(), Some("probe@example.com"));
    assert_eq!(a.to, ["a@example.org", "b@example.org"]);
    assert_eq!(a.connect_timeout, Duration::from_secs(3));
    assert_eq!(a.helo.as_deref(), Some("--odd"));
    assert_eq!(m.timeout, Some(Duration::from_secs(12)));
}

#[test]
fn the_default_module_quits_after_tls() {
    let m = Module::builtin_default().unwrap();
    assert_eq!(
        m.args.quit_after,
        Some(smtping_proto::session::QuitAfter::Tls)
    );
    assert_eq!(m.args.tls, smtping_client::TlsMode::Auto);
    m.validate().unwrap();
}

fn err(text: &str) -> String {
    let e = Module::from_table("mod1", &table(text))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("module \"mod1\""), "{e}");
    assert!(!e.contains('\n'), "{e}");
    e
}

#[test]
fn unknown_keys_and_bad_values_name_the_key() {
    let e = err("no_such_option = 1");
    assert!(e.contains("key \"no_such_option\""), "{e}");
    let e = err("quit_after = \"sometime\"");
    assert!(e.contains("key \"quit_after\""), "{e}");
    let e = err("port = 0");
    assert!(e.contains("key \"port\""), "{e}");
    let e = err("require_tls = \"yes\"");
    assert!(e.contains("key \"require_tls\""), "{e}");
    let e = err("Quit-After = \"tls\"");
    assert!(e.contains("lower case"), "{e}");
    let e = err("to = [[\"a\"]]");
    assert!(e.contains("key \"to\""), "{e}");
    let e = err("tls = { mode = \"x\" }");
    assert!(e.contains("key \"tls\""), "{e}");
}

#[test]
fn output_and_target_keys_are_refused() {
    for key in [
        "target = \"x\"",
        "targets = \"f\"",
        "json = true",
        "format = \"json\"",
        "record = true",
    ] {
        let e = err(key);
        assert!(e.contains("not a module key"), "{key}: {e}");
    }
}

#[test]
fn inline_passwords_are_refused_without_echoing_them() {
    for key in ["auth_password", "seed_password", "password"] {
        let e = err(&format!("{key} = \"hunter2\""));
        assert!(e.contains("never written in the config"), "{e}");
        assert!(!e.contains("hunter2"), "{e}");
    }
}

#[test]
fn validation_builds_the_check() {
    // --auth-user without a password source: refused at start-up.
    let m = Module::from_table("a", &table("auth_user = \"alice\"")).unwrap();
    let e = m.validate().unwrap_err().to_string();
    assert!(e.contains("module \"a\""), "{e}");
    assert!(e.contains("auth-password-env"), "{e}");
    // A password variable that is not set.
    let m = Module::from_table(
        "b",
        &table("auth_user = \"alice\"\nauth_password_env = \"SMTPING_SERVE_TEST_UNSET_VAR\""),
    )
    .unwrap();
    let e = m.validate().unwrap_err().to_string();
    assert!(e.contains("SMTPING_SERVE_TEST_UNSET_VAR"), "{e}");
    // A CA file that does not exist.
    let m = Module::from_table("c", &table("ca_file = \"/nonexistent/ca.pem\"")).unwrap();
    assert!(m.validate().unwrap_err().to_string().contains("ca-file"));
    // A bad --from address.
    let m = Module::from_table(
        "d",
        &table("from = \"not an address\"\nto = \"a@b.example\""),
    )
    .unwrap();
    assert!(m.validate().unwrap_err().to_string().contains("--from"));
}
