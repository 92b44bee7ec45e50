//! Fuzz the EHLO grammar: `Extensions::parse` (one pass from the bytes),
//! `Extensions::parse_general` (the same without the one-scan path for the common reply
//! shape) and `parse_reply` + `Extensions::from_ehlo` with arbitrary EHLO replies. Never
//! panic; all three paths give the same result; every keyword reported is found again by `supports`, and
//! every flagged keyword too; and the one-pass parser fed a growing prefix byte by byte
//! gives the one-shot verdict.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::{EhloParseError, Extensions, Keyword, parse_reply};

fn two_step(buf: &[u8]) -> Result<Option<(Extensions, usize)>, EhloParseError> {
    match parse_reply(buf) {
        Ok(Some((r, used))) => Extensions::from_ehlo(&r)
            .map(|e| Some((e, used)))
            .map_err(EhloParseError::from),
        Ok(None) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn check(buf: &[u8]) {
    let one = Extensions::parse(buf);
    assert_eq!(one, two_step(buf));
    assert_eq!(one, Extensions::parse_general(buf));
    if let Ok(Some((ext, _))) = &one {
        for (k, _) in ext.keywords() {
            assert!(ext.supports(k));
        }
        for k in ext.known() {
            assert!(ext.supports(k.as_str()), "{k:?}");
        }
        let unknown: Vec<&str> = ext.unknown().map(|(k, _)| k).collect();
        for (k, _) in ext.keywords() {
            if !unknown.contains(&k) {
                assert!(ext.known().any(|kw: Keyword| kw.as_str() == k), "{k}");
            }
        }
        let _ = (
            ext.size(),
            ext.size_limit(),
            ext.auth_mechanisms().len(),
            ext.limits(),
        );
        let _ = ext.server_name();
    }
}

fuzz_target!(|data: &[u8]| {
    // Make most inputs a well-formed 250 reply so the fuzzer explores keyword parsing.
    let mut wire = Vec::with_capacity(data.len() + 64);
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').take(600).collect();
    for (i, line) in lines.iter().enumerate() {
        wire.extend_from_slice(if i + 1 == lines.len() {
            b"250 "
        } else {
            b"250-"
        });
        wire.extend(line.iter().filter(|b| **b != b'\r'));
        wire.extend_from_slice(b"\r\n");
    }
    check(&wire);
    check(data);
    // Byte by byte: the first prefix that is not "need more" gives the one-shot verdict.
    if wire.len() <= 4096 {
        let key = |r: Result<Option<(Extensions, usize)>, EhloParseError>| r.map_err(|_| ());
        let one_shot = key(Extensions::parse(&wire));
        let mut result = Ok(None);
        for end in 0..=wire.len() {
            result = key(Extensions::parse(&wire[..end]));
            if !matches!(result, Ok(None)) {
                break;
            }
        }
        assert_eq!(result, one_shot);
    }
});
