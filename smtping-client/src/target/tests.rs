//! Unit tests of `target` (kept beside it, in its own file).

use super::*;

#[test]
fn forms() {
    let t: Target = "192.0.2.1".parse().unwrap();
    assert_eq!((t.port(), t.port_given()), (25, false));
    assert!(matches!(t.kind(), TargetKind::Ip(_)));
    let t: Target = "192.0.2.1:2525".parse().unwrap();
    assert_eq!(t.port(), 2525);
    let t: Target = "2001:db8::1".parse().unwrap();
    assert_eq!(t.to_string(), "[2001:db8::1]:25");
    let t: Target = "[::1]".parse().unwrap();
    assert_eq!(t.host(), "::1");
    let t: Target = "MX.Example.ORG.:25".parse().unwrap();
    assert_eq!((t.host(), t.kind()), ("mx.example.org", &TargetKind::Host));
    let t: Target = "localhost".parse().unwrap();
    assert_eq!(t.kind(), &TargetKind::Host);
    let t: Target = "example.org".parse::<Target>().unwrap().with_port(587);
    assert_eq!((t.kind(), t.port()), (&TargetKind::Host, 587));
    let t: Target = "user@[192.0.2.5]".parse().unwrap();
    assert_eq!(t.host(), "192.0.2.5");
}

#[test]
fn errors() {
    assert_eq!("".parse::<Target>(), Err(TargetError::Empty));
    assert!(matches!(
        "h.example:0".parse::<Target>(),
        Err(TargetError::BadPort(_))
    ));
    assert!(matches!(
        "h.example:99999".parse::<Target>(),
        Err(TargetError::BadPort(_))
    ));
    assert!(matches!(
        "[::1".parse::<Target>(),
        Err(TargetError::BadHost { .. })
    ));
    assert!(matches!(
        "[::1]x".parse::<Target>(),
        Err(TargetError::BadHost { .. })
    ));
    assert!(matches!(
        "exa mple.org".parse::<Target>(),
        Err(TargetError::BadHost { .. })
    ));
    assert!(matches!(
        "intranet".parse::<Target>(),
        Err(TargetError::BadHost { .. })
    ));
    assert!("intranet:25".parse::<Target>().is_ok());
    assert!(matches!(
        "a\r\nb.org".parse::<Target>(),
        Err(TargetError::BadHost { .. })
    ));
}

#[test]
fn connect_to_rules() {
    let r: ConnectTo = "MX.Example.org.:25:127.0.0.2:2525".parse().unwrap();
    assert_eq!(
        r.apply("mx.example.org", 25),
        Some(("127.0.0.2".into(), 2525))
    );
    assert_eq!(r.apply("mx.example.org.", 25).map(|x| x.1), Some(2525));
    assert_eq!(r.apply("other.example.org", 25), None);
    assert_eq!(r.apply("mx.example.org", 465), None);
    // Empty HOST2 keeps the host, empty PORT keeps any port.
    let r: ConnectTo = "mx.example.org:::2626".parse().unwrap();
    assert_eq!(
        r.apply("mx.example.org", 587),
        Some(("mx.example.org".into(), 2626))
    );
    let r: ConnectTo = "[2001:db8::1]:25:[::1]:".parse().unwrap();
    assert_eq!(r.apply("2001:db8::1", 25), Some(("::1".into(), 25)));
    assert_eq!(r.to_string(), "[2001:db8::1]:25:[::1]:");
    let first = [
        "a.test:25:127.0.0.1:1".parse::<ConnectTo>().unwrap(),
        "::127.0.0.2:".parse().unwrap(),
    ];
    assert_eq!(ConnectTo::first_match(&first, "a.test", 25).unwrap().1, 1);
    assert_eq!(
        ConnectTo::first_match(&first, "b.test", 9).unwrap(),
        ("127.0.0.2".into(), 9)
    );
}

#[test]
fn connect_to_errors() {
    assert!(matches!(
        "a:25:b".parse::<ConnectTo>(),
        Err(ConnectToError::Fields(_, 3))
    ));
    assert!(matches!(
        "a:0:b:1".parse::<ConnectTo>(),
        Err(ConnectToError::BadPort { field: "PORT", .. })
    ));
    assert!(matches!(
        "a:1:b:x".parse::<ConnectTo>(),
        Err(ConnectToError::BadPort { field: "PORT2", .. })
    ));
    assert!(matches!(
        "a:1:bad host:2".parse::<ConnectTo>(),
        Err(ConnectToError::BadHost { field: "HOST2", .. })
    ));
    assert!(matches!(
        "a:1::".parse::<ConnectTo>(),
        Err(ConnectToError::NoChange(_))
    ));
    let e = "a:1:[::1:2".parse::<ConnectTo>().unwrap_err().to_string();
    assert!(e.contains("--connect-to"), "{e}");
}
