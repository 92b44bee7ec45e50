//! The TLS probe reader on arbitrary server bytes, fed in two reads at a split chosen by
//! the first input byte: it must never panic, and never keep more than its byte cap.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::tls_probe::{ClientHelloSpec, ProbeVersion, ServerReader};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = usize::from(split).min(rest.len());
    let mut reader = ServerReader::new();
    if reader.push(&rest[..at]).is_ok() {
        let _ = reader.push(&rest[at..]);
    }
    let _ = reader.handle_eof();
    let spec = ClientHelloSpec::new(ProbeVersion::Tls12, vec![0xC02F, 0x0039, 0x0003]);
    let _ = reader.flight().verdict(&spec);
});
