//! Unit tests of `data` (kept beside it, in its own file).

use super::*;

#[test]
fn stuffing_and_normalisation() {
    assert_eq!(encode_body(b""), b".\r\n");
    assert_eq!(encode_body(b"."), b"..\r\n.\r\n");
    assert_eq!(encode_body(b"a\r\n"), b"a\r\n.\r\n");
    assert_eq!(encode_body(b"a\rb\nc\r\n\r\n"), b"a\r\nb\r\nc\r\n\r\n.\r\n");
    assert_eq!(encode_body(b"\r\n.\r\n"), b"\r\n..\r\n.\r\n");
    assert_eq!(encode_body(b"x.y\n..z"), b"x.y\r\n...z\r\n.\r\n");
    assert_eq!(encode_body(b"\n\n"), b"\r\n\r\n.\r\n");
    assert_eq!(encode_body(b"\r\r"), b"\r\n\r\n.\r\n");
    assert_eq!(encode_body(b"\n\r"), b"\r\n\r\n.\r\n");
}

#[test]
fn chunk_boundaries() {
    let msg = b"a\r\n.b\r\n.\rc\n.";
    let whole = encode_body(msg);
    for split in 0..=msg.len() {
        let mut enc = DataEncoder::new();
        let mut out = Vec::new();
        enc.encode(&msg[..split], &mut out);
        enc.encode(&msg[split..], &mut out);
        enc.finish(&mut out);
        assert_eq!(out, whole, "split at {split}");
        assert_eq!(enc.bytes_written(), whole.len() as u64);
    }
    // one byte at a time
    let mut enc = DataEncoder::new();
    let mut out = Vec::new();
    for b in msg {
        enc.encode(&[*b], &mut out);
    }
    enc.finish(&mut out);
    assert_eq!(out, whole);
}

#[test]
fn decoder_round_trip_and_limits() {
    let msg = b"Subject: t\r\n\r\n.\r\n..x\nlast";
    let wire = encode_body(msg);
    let d = DataDecoder::new(1000).decode(&wire).unwrap().unwrap();
    assert_eq!(d.body, b"Subject: t\r\n\r\n.\r\n..x\r\nlast\r\n");
    assert_eq!(d.consumed, wire.len());
    assert_eq!(
        DataDecoder::new(1000).decode(&wire[..wire.len() - 1]),
        Ok(None)
    );
    assert_eq!(
        DataDecoder::new(10).decode(&wire),
        Err(DataError::TooLarge { limit: 10 })
    );
    assert_eq!(
        DataDecoder::new(4).decode(b"abcdefgh"),
        Err(DataError::TooLarge { limit: 4 })
    );
    // Bytes after the terminator are not consumed.
    let mut two = wire.clone();
    two.extend_from_slice(b"QUIT\r\n");
    assert_eq!(
        DataDecoder::new(1000)
            .decode(&two)
            .unwrap()
            .unwrap()
            .consumed,
        wire.len()
    );
}

#[test]
fn normalisation_helper() {
    assert_eq!(normalize_line_endings(b"a\rb\nc\r\nd"), b"a\r\nb\r\nc\r\nd");
}
