//! Fuzz the toolkit's tag-value list grammar (RFC 6376 §3.2): never panic; the list read
//! in one shot equals the list read one `tag-spec` at a time; and writing the tags back as
//! `name=value;` and parsing again gives the same tags.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtping_proto::grammar::tag_value::{tag_list, tag_spec};

fuzz_target!(|data: &[u8]| {
    let one_shot = tag_list(data);
    // Step by step: tag-spec, then ";" and the next, until one fails.
    let mut tags = Vec::new();
    let mut rest = data;
    while let Ok((after, tag)) = tag_spec(rest) {
        tags.push(tag);
        rest = after;
        match rest.split_first() {
            Some((b';', after)) => rest = after,
            _ => break,
        }
    }
    let duplicate = tags
        .iter()
        .enumerate()
        .any(|(n, (name, _))| tags[..n].iter().any(|(o, _)| o == name));
    match &one_shot {
        Ok((_, list)) => {
            assert!(!duplicate);
            assert_eq!(list, &tags);
            let mut wire = Vec::new();
            for (name, value) in list {
                wire.extend_from_slice(name);
                wire.push(b'=');
                wire.extend_from_slice(value);
                wire.push(b';');
            }
            let (left, again) = tag_list(&wire).expect("re-serialised list parses");
            assert!(left.is_empty());
            assert_eq!(&again, list);
        }
        Err(_) => assert!(tags.is_empty() || duplicate),
    }
});
