//! Unit tests of `auth` (kept beside it, in its own file).

use super::*;
use smtping_proto::sasl::plain_response;

#[test]
fn base64_round_trip() {
    for input in [&b""[..], b"f", b"fo", b"foo", b"foob", b"fooba", b"foobar"] {
        let e = encode(input);
        assert_eq!(decode(e.as_bytes()).unwrap(), input, "{e}");
    }
    assert_eq!(encode(b"Username:"), "VXNlcm5hbWU6");
    assert_eq!(encode(b"Password:"), "UGFzc3dvcmQ6");
}

#[test]
fn plain_and_cram() {
    let auth = AuthConfig::new().user("tim", "tanstaaftanstaaf");
    let good = plain_response(&Credentials::new("tim", "tanstaaftanstaaf")).unwrap();
    assert_eq!(auth.check_plain(&good), (Some("tim".into()), true));
    let bad = plain_response(&Credentials::new("tim", "x")).unwrap();
    assert_eq!(auth.check_plain(&bad), (Some("tim".into()), false));
    assert_eq!(auth.check_plain(b"nonul"), (None, false));
    let other =
        plain_response(&Credentials::new("tim", "tanstaaftanstaaf").authzid("root")).unwrap();
    assert!(!auth.check_plain(&other).1);

    let challenge = b"PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
    assert_eq!(
        auth.check_cram_md5(challenge, b"tim b913a602c7eda7a495b4e6e7334d3890"),
        (Some("tim".into()), true)
    );
    assert!(
        !auth
            .check_cram_md5(challenge, b"tim b913a602c7eda7a495b4e6e7334d3891")
            .1
    );
    assert!(!auth.check_cram_md5(challenge, b"nobody").1);
}
