//! SPF record grammar: any bytes parse or fail without panicking, and a parsed record
//! re-rendered with `Display` parses back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_signals::spf::record::Record;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for candidate in [text.to_string(), format!("v=spf1 {text}")] {
        if let Ok(record) = Record::parse(&candidate) {
            let rendered = record.to_string();
            let again = Record::parse(&rendered).expect("a rendered record parses");
            assert_eq!(again, record, "render of {candidate:?} is {rendered:?}");
        }
    }
});
