//! Unit tests of `command` (kept beside it, in its own file).

use super::*;

fn s(c: Command<'_>) -> String {
    String::from_utf8(c.to_bytes()).unwrap()
}

#[test]
fn simple_commands() {
    assert_eq!(s(Command::StartTls), "STARTTLS\r\n");
    assert_eq!(s(Command::Data), "DATA\r\n");
    assert_eq!(s(Command::Rset), "RSET\r\n");
    assert_eq!(s(Command::Noop), "NOOP\r\n");
    assert_eq!(s(Command::Quit), "QUIT\r\n");
    assert_eq!(
        s(Command::Bdat {
            size: 1000,
            last: false
        }),
        "BDAT 1000\r\n"
    );
    assert_eq!(
        s(Command::Bdat {
            size: 0,
            last: true
        }),
        "BDAT 0 LAST\r\n"
    );
    let d = Domain::ehlo_name("[127.0.0.1]").unwrap();
    assert_eq!(s(Command::Helo(&d)), "HELO [127.0.0.1]\r\n");
}

#[test]
fn mail_parameters() {
    let from = Address::null();
    let p = MailParams::new()
        .size(10)
        .body(Body::BinaryMime)
        .smtputf8()
        .ret(Ret::Hdrs)
        .envid("a b=c+d")
        .unwrap()
        .requiretls()
        .extension("MT-PRIORITY", Some("-3"))
        .unwrap()
        .extension("XFLAG", None)
        .unwrap();
    assert_eq!(
        s(Command::Mail {
            from: &from,
            params: &p
        }),
        "MAIL FROM:<> SIZE=10 BODY=BINARYMIME SMTPUTF8 RET=HDRS ENVID=a+20b+3Dc+2Bd REQUIRETLS MT-PRIORITY=-3 XFLAG\r\n"
    );
    assert_eq!(p.announced_size(), Some(10));
    assert!(p.wants_smtputf8());
}

#[test]
fn parameter_validation() {
    assert!(MailParams::new().envid("").is_err());
    assert!(MailParams::new().envid("x\r\n").is_err());
    assert!(MailParams::new().envid(&"x".repeat(101)).is_err());
    assert!(MailParams::new().envid("é").is_err());
    assert!(MailParams::new().extension("", None).is_err());
    assert!(MailParams::new().extension("-X", None).is_err());
    assert!(MailParams::new().extension("X_Y", None).is_err());
    assert!(MailParams::new().extension("X", Some("")).is_err());
    assert!(MailParams::new().extension("X", Some("a=b")).is_err());
    assert!(matches!(
        RcptParams::new().extension("X", Some("a\nb")),
        Err(CommandError::Address(AddressError::ForbiddenByte {
            byte: b'\n',
            ..
        }))
    ));
}

#[test]
fn rcpt_parameters() {
    let to = Address::new("a@b.example").unwrap();
    let orig = Address::new("x+y=z@c.example").unwrap();
    let p = RcptParams::new()
        .notify(Notify::SUCCESS | Notify::FAILURE | Notify::DELAY)
        .orcpt(&orig);
    assert_eq!(
        s(Command::Rcpt {
            to: &to,
            params: &p
        }),
        "RCPT TO:<a@b.example> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;x+2By+3Dz@c.example\r\n"
    );
    let p = RcptParams::new().notify(Notify::NEVER);
    assert_eq!(
        s(Command::Rcpt {
            to: &to,
            params: &p
        }),
        "RCPT TO:<a@b.example> NOTIFY=NEVER\r\n"
    );
    let utf = Address::new("jöran+1@bücher.example").unwrap();
    let p = RcptParams::new().orcpt(&utf);
    assert_eq!(
        s(Command::Rcpt {
            to: &utf,
            params: &p
        }),
        "RCPT TO:<jöran+1@bücher.example> ORCPT=utf-8;jöran\\x{2B}1@bücher.example\r\n"
    );
}

#[test]
fn auth_commands_and_redaction() {
    let plain = AuthMechanism::Plain;
    let c = Command::Auth {
        mechanism: &plain,
        initial_response: Some(b"\0user\0secret"),
    };
    assert_eq!(s(c), "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n");
    assert!(c.is_sensitive());
    assert_eq!(c.to_string(), "AUTH PLAIN [redacted]");
    let c = Command::Auth {
        mechanism: &plain,
        initial_response: Some(b""),
    };
    assert_eq!(s(c), "AUTH PLAIN =\r\n");
    let login = AuthMechanism::Login;
    let c = Command::Auth {
        mechanism: &login,
        initial_response: None,
    };
    assert_eq!(s(c), "AUTH LOGIN\r\n");
    assert!(!c.is_sensitive());
    let r = Command::AuthResponse(b"secret");
    assert_eq!(s(r), "c2VjcmV0\r\n");
    assert_eq!(r.to_string(), "[redacted]");
    assert_eq!(s(Command::AuthCancel), "*\r\n");
    assert_eq!(Command::AuthCancel.verb(), "AUTH");
}

#[test]
fn display_matches_wire_without_crlf() {
    let to = Address::new("a@b.example").unwrap();
    let p = RcptParams::new();
    assert_eq!(
        Command::Rcpt {
            to: &to,
            params: &p
        }
        .to_string(),
        "RCPT TO:<a@b.example>"
    );
}
