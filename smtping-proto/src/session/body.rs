//! The message after the `354`, as a stream of bounded chunks.
//!
//! The session never holds the encoded message: [`BodyStream`] produces the next chunk
//! (dot-stuffed, CRLF-normalised, at most [`MAX_CHUNK`] bytes) each time the driver polls,
//! and the driver writes it before polling again, which is the back-pressure. The total
//! size is known before the first byte goes out (MAIL's `SIZE=` and the end-of-data
//! deadline need it): [`Message::Raw`] is counted in one pass without copying, and
//! [`Message::Generated`] is arithmetic.

use crate::data::DataEncoder;

use super::message::FILLER_LINE;
use super::plan::Message;

/// The most bytes in one `Transmit` of the message.
pub(super) const MAX_CHUNK: usize = 64 * 1024;

/// Raw input taken per step: the encoding at most doubles it (bare CR or LF become CRLF,
/// a dot line gets a second dot), plus the 5 bytes of `CRLF . CRLF`.
const RAW_STEP: usize = (MAX_CHUNK - 5) / 2;

const TERMINATOR: &[u8] = b".\r\n";

/// [`FILLER_LINE`] repeated, long enough to copy a whole chunk from any column.
const PERIOD_LINES: usize = MAX_CHUNK / FILLER_LINE.len() + 2;
const PERIOD_LEN: usize = PERIOD_LINES * FILLER_LINE.len();
static PERIOD: [u8; PERIOD_LEN] = {
    let mut a = [0u8; PERIOD_LEN];
    let mut i = 0;
    while i < PERIOD_LEN {
        a[i] = FILLER_LINE[i % FILLER_LINE.len()];
        i += 1;
    }
    a
};

/// Where the stream reads from.
#[derive(Debug)]
enum Source {
    /// [`Message::Raw`], encoded on the fly from this offset of the plan's bytes.
    Raw { pos: usize, enc: DataEncoder },
    /// [`Message::Generated`]: the encoded header, whole filler lines, the filler's last
    /// (short) line, then the terminator.
    Generated {
        header: Vec<u8>,
        full: u64,
        tail: Vec<u8>,
    },
}

/// The encoded message being sent.
#[derive(Debug)]
pub(super) struct BodyStream {
    source: Source,
    total: u64,
    sent: u64,
}

/// `filler` octets of [`generated_body`](super::generated_body) as the encoder writes
/// them: whole lines as they are, then the last line (a lone LF becomes CRLF).
fn filler_parts(filler: u64) -> (u64, Vec<u8>) {
    let line = FILLER_LINE.len() as u64;
    let full = filler / line * line;
    let rest = (filler - full) as usize;
    let tail = match rest {
        0 => Vec::new(),
        1 => b"\r\n".to_vec(),
        _ => [&FILLER_LINE[..rest - 2], b"\r\n"].concat(),
    };
    (full, tail)
}

/// The header of a generated message, encoded and ending at the start of a line.
fn encoded_header(header: &[u8]) -> Vec<u8> {
    let mut enc = DataEncoder::new();
    let mut out = Vec::with_capacity(header.len() + 8);
    enc.encode(header, &mut out);
    if !out.is_empty() && !out.ends_with(b"\r\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Octets `raw` takes once encoded, terminator included, counted in bounded steps.
fn raw_encoded_len(raw: &[u8]) -> u64 {
    let mut enc = DataEncoder::new();
    let mut scratch = Vec::with_capacity(MAX_CHUNK);
    for piece in raw.chunks(RAW_STEP) {
        scratch.clear();
        enc.encode(piece, &mut scratch);
    }
    scratch.clear();
    enc.finish(&mut scratch);
    enc.bytes_written()
}

impl BodyStream {
    /// A stream of `message`, ready for its first chunk.
    pub(super) fn new(message: &Message) -> Self {
        match message {
            Message::Raw(raw) => Self {
                total: raw_encoded_len(raw),
                source: Source::Raw {
                    pos: 0,
                    enc: DataEncoder::new(),
                },
                sent: 0,
            },
            Message::Generated { header, filler } => {
                let header = encoded_header(header);
                let (full, tail) = filler_parts(*filler);
                Self {
                    total: header.len() as u64 + full + tail.len() as u64 + 3,
                    source: Source::Generated { header, full, tail },
                    sent: 0,
                }
            }
        }
    }

    /// Octets of the whole encoded message, final `CRLF.CRLF` included.
    pub(super) fn total(&self) -> u64 {
        self.total
    }

    /// `true` once the last chunk (with the final dot) was produced.
    pub(super) fn is_done(&self) -> bool {
        self.sent >= self.total
    }

    /// The next chunk (at most [`MAX_CHUNK`] bytes); `raw` is the plan's message, for
    /// [`Message::Raw`].
    pub(super) fn next_chunk(&mut self, message: Option<&Message>) -> Vec<u8> {
        let remaining = self.total - self.sent;
        let cap = usize::try_from(remaining).map_or(MAX_CHUNK, |r| r.min(MAX_CHUNK));
        let mut out = Vec::with_capacity(cap);
        match &mut self.source {
            Source::Raw { pos, enc } => {
                let raw = match message {
                    Some(Message::Raw(b)) => &b[..],
                    _ => &[][..],
                };
                while *pos < raw.len() && out.len() + RAW_STEP * 2 + 5 <= MAX_CHUNK {
                    let end = raw.len().min(*pos + RAW_STEP);
                    enc.encode(&raw[*pos..end], &mut out);
                    *pos = end;
                }
                if *pos >= raw.len() {
                    enc.finish(&mut out);
                }
            }
            Source::Generated { header, full, tail } => {
                let h = header.len() as u64;
                let filler_end = h + *full + tail.len() as u64;
                while out.len() < cap {
                    let pos = self.sent + out.len() as u64;
                    let room = cap - out.len();
                    if pos < h {
                        let at = pos as usize;
                        let n = room.min(header.len() - at);
                        out.extend_from_slice(&header[at..at + n]);
                    } else if pos < h + *full {
                        let col = ((pos - h) % FILLER_LINE.len() as u64) as usize;
                        let left = usize::try_from(h + *full - pos).unwrap_or(usize::MAX);
                        let n = room.min(left).min(PERIOD_LEN - col);
                        out.extend_from_slice(&PERIOD[col..col + n]);
                    } else if pos < filler_end {
                        let at = (pos - h - *full) as usize;
                        let n = room.min(tail.len() - at);
                        out.extend_from_slice(&tail[at..at + n]);
                    } else {
                        let at = (pos - filler_end) as usize;
                        let n = room.min(TERMINATOR.len() - at);
                        out.extend_from_slice(&TERMINATOR[at..at + n]);
                    }
                }
            }
        }
        self.sent += out.len() as u64;
        debug_assert!(out.len() <= MAX_CHUNK && self.sent <= self.total);
        out
    }
}
