//! Fuzz `Extensions::from_ehlo` with arbitrary EHLO replies: never panic, and every
//! keyword reported must be found again by `supports`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::{Extensions, parse_reply};

fuzz_target!(|data: &[u8]| {
    // Make most inputs a well-formed 250 reply so the fuzzer explores keyword parsing.
    let mut wire = Vec::with_capacity(data.len() + 64);
    let lines: Vec<&[u8]> = data.split(|b| *b == b'\n').take(600).collect();
    for (i, line) in lines.iter().enumerate() {
        wire.extend_from_slice(if i + 1 == lines.len() { b"250 " } else { b"250-" });
        wire.extend(line.iter().filter(|b| **b != b'\r'));
        wire.extend_from_slice(b"\r\n");
    }
    if let Ok(Some((reply, _))) = parse_reply(&wire) {
        if let Ok(ext) = Extensions::from_ehlo(&reply) {
            for (k, _) in ext.keywords() {
                assert!(ext.supports(k));
            }
            let _ = (ext.size(), ext.size_limit(), ext.auth_mechanisms().len(), ext.limits());
            let _ = ext.server_name();
        }
    }
    if let Ok(Some((reply, _))) = parse_reply(data) {
        let _ = Extensions::from_ehlo(&reply);
    }
});
