//! Unit tests of `sasl` (kept beside it, in its own file).

use super::*;

#[test]
fn plain_with_authzid_and_nul_refused() {
    let c = Credentials::new("u", "p").authzid("admin");
    assert_eq!(&plain_response(&c).unwrap()[..], b"admin\0u\0p");
    let c = Credentials::new("u\0x", "p");
    assert_eq!(
        plain_response(&c).unwrap_err(),
        SaslError::NulInField("user name")
    );
}

#[test]
fn xoauth2_layout() {
    let c = Credentials::new(
        "someuser@example.com",
        "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
    );
    assert_eq!(
        &xoauth2_response(&c)[..],
        b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
    );
}

#[test]
fn challenges() {
    assert_eq!(decode_challenge(b" VXNlcm5hbWU6 ").unwrap(), b"Username:");
    assert_eq!(decode_challenge(b"").unwrap(), b"");
    assert_eq!(
        decode_challenge(b"!!").unwrap_err(),
        SaslError::BadChallenge
    );
    let c = Credentials::new("u", "p");
    assert!(cram_md5_response(&c, b"***").is_err());
}

#[test]
fn debug_hides_secret() {
    let c = Credentials::new("bob", "hunter2");
    let d = format!("{c:?}");
    assert!(d.contains("bob") && !d.contains("hunter2"));
}
