//! The DATA body encoder (RFC 5321 §4.5.2) and its inverse.
//!
//! [`DataEncoder`] turns a message into what follows a `354` reply: every line ends with
//! CRLF (bare CR and bare LF are normalised to CRLF), a line starting with `.` gets a second
//! `.` (dot-stuffing), and [`DataEncoder::finish`] closes with `CRLF.CRLF`. It streams: the
//! message may arrive in chunks of any size, and a `.` that starts a line at a chunk
//! boundary is still stuffed.
//!
//! ```
//! use smtping_proto::data::{DataEncoder, encode_body};
//!
//! assert_eq!(encode_body(b"Hi\n.hidden\r\n."), b"Hi\r\n..hidden\r\n..\r\n.\r\n");
//!
//! let mut enc = DataEncoder::new();
//! let mut out = Vec::new();
//! enc.encode(b"line one\r", &mut out);
//! enc.encode(b"\n.line two", &mut out); // CR|LF split across chunks, then a dot
//! enc.finish(&mut out);
//! assert_eq!(out, b"line one\r\n..line two\r\n.\r\n");
//! ```

/// Where the encoder is within the current line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a line.
    LineStart,
    /// Just emitted CRLF for a CR; an LF arriving next belongs to it.
    AfterCr,
    /// Inside a line.
    Mid,
}

/// Streaming DATA encoder: dot-stuffing and CRLF normalisation over chunks.
#[derive(Clone, Debug)]
pub struct DataEncoder {
    state: State,
    written: u64,
}

impl Default for DataEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl DataEncoder {
    /// A new encoder, at the start of the first line.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            state: State::LineStart,
            written: 0,
        }
    }

    /// Encodes `chunk`, appending to `out`.
    pub fn encode(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let start_len = out.len();
        out.reserve(chunk.len() + chunk.len() / 32 + 4);
        let mut rest = chunk;
        while !rest.is_empty() {
            match self.state {
                State::AfterCr if rest[0] == b'\n' => {
                    // The LF of a CRLF whose CR ended the previous chunk or segment.
                    rest = &rest[1..];
                    self.state = State::LineStart;
                    continue;
                }
                State::AfterCr | State::LineStart => {
                    if rest[0] == b'.' {
                        out.push(b'.');
                    }
                    self.state = State::Mid;
                }
                State::Mid => {}
            }
            match memchr::memchr2(b'\r', b'\n', rest) {
                None => {
                    out.extend_from_slice(rest);
                    rest = &[];
                }
                Some(i) => {
                    out.extend_from_slice(&rest[..i]);
                    out.extend_from_slice(b"\r\n");
                    if rest[i] == b'\r' {
                        self.state = State::AfterCr;
                    } else {
                        self.state = State::LineStart;
                    }
                    rest = &rest[i + 1..];
                }
            }
        }
        self.written += (out.len() - start_len) as u64;
    }

    /// Ends the message: a CRLF if the last line is unfinished, then `.` CRLF.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        let start_len = out.len();
        if self.state == State::Mid {
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b".\r\n");
        self.state = State::LineStart;
        self.written += (out.len() - start_len) as u64;
    }

    /// Octets produced so far (what the server will count against its size limit, plus
    /// stuffing and the terminator).
    #[must_use]
    pub const fn bytes_written(&self) -> u64 {
        self.written
    }
}

/// Encodes a whole message for DATA, terminator included.
#[must_use]
pub fn encode_body(body: &[u8]) -> Vec<u8> {
    let mut enc = DataEncoder::new();
    let mut out = Vec::with_capacity(body.len() + 16);
    enc.encode(body, &mut out);
    enc.finish(&mut out);
    out
}

/// CRLF normalisation alone (bare CR and bare LF become CRLF), without stuffing: what the
/// receiving server stores once it has removed the stuffing. Used to check round trips.
#[must_use]
pub fn normalize_line_endings(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 8);
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'\r' => {
                out.extend_from_slice(b"\r\n");
                if body.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
            }
            b'\n' => out.extend_from_slice(b"\r\n"),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

/// Why DATA bytes cannot be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// The message grew past the limit before its terminator arrived.
    #[error("message data exceeds the {limit}-byte limit before the terminating CRLF.CRLF")]
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
}

/// What [`DataDecoder::decode`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The message with stuffing removed, each line ending in CRLF.
    pub body: Vec<u8>,
    /// Bytes of input used, terminator included.
    pub consumed: usize,
}

/// The receiving side of DATA: finds the `CRLF.CRLF` terminator and removes dot-stuffing,
/// with a size limit. The test server uses it; so do the round-trip tests and fuzz target.
///
/// ```
/// use smtping_proto::data::{DataDecoder, encode_body};
///
/// let wire = encode_body(b".a\nb");
/// let decoded = DataDecoder::new(1 << 20).decode(&wire).unwrap().unwrap();
/// assert_eq!(decoded.body, b".a\r\nb\r\n");
/// assert_eq!(decoded.consumed, wire.len());
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DataDecoder {
    limit: usize,
}

impl DataDecoder {
    /// A decoder that refuses messages larger than `limit` bytes on the wire.
    #[must_use]
    pub const fn new(limit: usize) -> Self {
        Self { limit }
    }

    /// Decodes from the start of the data (right after the 354 reply). `Ok(None)` means the
    /// terminator has not arrived yet. Lines end at LF; a CR before it is kept as part of
    /// the CRLF, so bare-LF lines come out as CRLF too.
    pub fn decode(&self, input: &[u8]) -> Result<Option<Decoded>, DataError> {
        let mut body = Vec::with_capacity(input.len().min(self.limit));
        let mut pos = 0;
        while let Some(i) = memchr::memchr(b'\n', &input[pos..]) {
            let line_end = pos + i;
            if line_end + 1 > self.limit {
                return Err(DataError::TooLarge { limit: self.limit });
            }
            let mut line = &input[pos..line_end];
            if let [head @ .., b'\r'] = line {
                line = head;
            }
            pos = line_end + 1;
            if line == b"." {
                return Ok(Some(Decoded {
                    body,
                    consumed: pos,
                }));
            }
            let line = line.strip_prefix(b".").unwrap_or(line);
            body.extend_from_slice(line);
            body.extend_from_slice(b"\r\n");
        }
        if input.len() > self.limit {
            return Err(DataError::TooLarge { limit: self.limit });
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests;
