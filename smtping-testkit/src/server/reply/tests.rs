//! Unit tests of `reply` (kept beside it, in its own file).

use super::*;

#[test]
fn rendering_is_exact() {
    assert_eq!(
        ServerReply::new(220, "mx ESMTP").render(),
        b"220 mx ESMTP\r\n"
    );
    assert_eq!(ServerReply::new(250, "").render(), b"250\r\n");
    assert_eq!(
        ServerReply::multiline(250, Vec::<String>::new()).render(),
        b"250\r\n"
    );
    assert_eq!(
        ServerReply::new(250, "").line("x").render(),
        b"250-\r\n250 x\r\n"
    );
}

#[test]
fn validation() {
    assert_eq!(
        ServerReply::new(600, "x").validate(),
        Err(ServerReplyError::Code(600))
    );
    assert_eq!(ServerReply::new(200, "x").validate(), Ok(()));
    assert_eq!(ServerReply::new(599, "x").validate(), Ok(()));
    assert_eq!(
        ServerReply::new(250, "a\rb").validate(),
        Err(ServerReplyError::LineBreak {
            line: 0,
            byte: b'\r'
        })
    );
    assert!(
        ServerReplyError::LineBreak {
            line: 0,
            byte: b'\r'
        }
        .to_string()
        .contains("CR")
    );
}
