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
