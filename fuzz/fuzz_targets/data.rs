//! Fuzz the DATA encoder: for any body split into any two chunks, stuffing then
//! unstuffing gives back the CRLF-normalised body, and the wire form never contains a
//! bare CR, a bare LF, or an early terminator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::data::{DataDecoder, DataEncoder, encode_body, normalize_line_endings};

fuzz_target!(|input: (u16, &[u8])| {
    let (split, body) = input;
    let wire = encode_body(body);
    let at = usize::from(split) % (body.len() + 1);
    let mut enc = DataEncoder::new();
    let mut chunked = Vec::new();
    enc.encode(&body[..at], &mut chunked);
    enc.encode(&body[at..], &mut chunked);
    enc.finish(&mut chunked);
    assert_eq!(chunked, wire);
    for (i, b) in wire.iter().enumerate() {
        if *b == b'\n' {
            assert_eq!(wire[i - 1], b'\r');
        }
        if *b == b'\r' {
            assert_eq!(wire.get(i + 1), Some(&b'\n'));
        }
    }
    let decoded = DataDecoder::new(usize::MAX).decode(&wire).unwrap().unwrap();
    assert_eq!(decoded.consumed, wire.len());
    let mut expected = normalize_line_endings(body);
    if !expected.is_empty() && !expected.ends_with(b"\r\n") {
        expected.extend_from_slice(b"\r\n");
    }
    assert_eq!(decoded.body, expected);
});
