//! Unit tests of `builder` (kept beside it, in its own file).

use super::*;
use crate::server::ServerReply;

#[test]
fn address_rules() {
    let rules = compile_rules(
        vec![
            ("<Bob@Example.test>".into(), Behaviour::reply(550, "a")),
            ("@example.test".into(), Behaviour::reply(451, "b")),
            ("bob@example.test".into(), Behaviour::reply(552, "c")),
        ],
        "recipient",
    )
    .unwrap();
    let code = |a: &str| {
        rules
            .find(a)
            .and_then(|b| b.configured_reply())
            .map(ServerReply::code)
    };
    assert_eq!(code("BOB@example.TEST"), Some(552));
    assert_eq!(code("alice@EXAMPLE.test"), Some(451));
    assert_eq!(code("alice@other.test"), None);
    assert!(compile_rules(vec![("@".into(), Behaviour::normal())], "x").is_err());
}

#[test]
fn limited_rules_fall_back() {
    let rules = compile_rules(
        vec![
            ("a@x.test".into(), Behaviour::reply(451, "grey").times(2)),
            ("@x.test".into(), Behaviour::reply(550, "no")),
        ],
        "recipient",
    )
    .unwrap();
    let code = |a: &str| {
        rules
            .find(a)
            .and_then(|b| b.configured_reply())
            .map(ServerReply::code)
    };
    assert_eq!(code("a@x.test"), Some(451));
    assert_eq!(code("a@x.test"), Some(451));
    assert_eq!(code("a@x.test"), Some(550));
    assert_eq!(code("a@x.test"), Some(550));
}

#[test]
fn keywords() {
    assert!(keyword_is("SIZE 100", "size"));
    assert!(keyword_is("AUTH=LOGIN", "AUTH"));
    assert!(!keyword_is("SIZEX", "SIZE"));
}

#[test]
fn settings_validation() {
    let bad = TestServerBuilder::default().hostname("a b").compile();
    assert!(matches!(bad, Err(ServerError::InvalidSetting(_))));
    let bad = TestServerBuilder::default().extension("X\r\nY").compile();
    assert!(matches!(bad, Err(ServerError::InvalidSetting(_))));
    let ok = TestServerBuilder::default()
        .max_message_size(100)
        .compile()
        .unwrap();
    assert!(ok.extensions.contains(&"SIZE 100".to_owned()));
    assert_eq!(ok.data_cap, 1224);
    let own = TestServerBuilder::default()
        .extension("SIZE 5")
        .max_message_size(100)
        .compile()
        .unwrap();
    assert_eq!(
        own.extensions
            .iter()
            .filter(|e| keyword_is(e, "SIZE"))
            .count(),
        1
    );
}
