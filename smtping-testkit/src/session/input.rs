//! Received bytes: command lines (bounded), message data up to its final dot, and how a
//! line is recorded.

/// Longest command line kept in the session record.
pub(crate) const RECORDED_LINE_MAX: usize = 512;

/// A line read from the client.
#[derive(Debug)]
pub(crate) enum Line {
    /// The line without its LF (and without the CR before it).
    Complete(Vec<u8>),
    /// The line was longer than the limit; it was discarded.
    TooLong,
}

/// Bytes received and not consumed yet. Memory stays bounded: an over-long line is
/// forgotten as it arrives (only the fact that it was too long is kept).
#[derive(Debug)]
pub(crate) struct Input {
    buf: Vec<u8>,
    /// Prefix of `buf` already searched for LF.
    scanned: usize,
    /// Dropping the rest of an over-long line.
    discarding: bool,
    max_line: usize,
}

impl Input {
    pub(crate) fn new(max_line: usize) -> Self {
        Self {
            buf: Vec::new(),
            scanned: 0,
            discarding: false,
            max_line,
        }
    }

    /// Appends received bytes.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Bytes held.
    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    /// `true` when nothing is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// The next line (LF-terminated; a CR before the LF is removed), or `None` until one
    /// is complete.
    pub(crate) fn read_line(&mut self) -> Option<Line> {
        let Some(i) = self.buf[self.scanned..].iter().position(|&b| b == b'\n') else {
            self.scanned = self.buf.len();
            if self.buf.len() > self.max_line {
                // Keep memory bounded: forget the line, remember to skip to its end.
                self.buf.clear();
                self.scanned = 0;
                self.discarding = true;
            }
            return None;
        };
        let end = self.scanned + i;
        self.scanned = 0;
        if self.discarding {
            self.buf.drain(..=end);
            self.discarding = false;
            return Some(Line::TooLong);
        }
        let mut line: Vec<u8> = self.buf.drain(..=end).collect();
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > self.max_line {
            return Some(Line::TooLong);
        }
        Some(Line::Complete(line))
    }

    /// Forgets everything held; returns how many bytes were dropped.
    pub(crate) fn discard(&mut self) -> usize {
        let n = self.buf.len();
        self.buf.clear();
        self.scanned = 0;
        self.discarding = false;
        n
    }

    /// Feeds held bytes to a message being read; `true` once its final dot was consumed.
    pub(crate) fn read_data(&mut self, read: &mut DataRead) -> bool {
        let found = read.scanner.feed(&self.buf);
        let take = found.unwrap_or(self.buf.len());
        read.wire_len = read.wire_len.saturating_add(take);
        if let Some(kept) = read.wire.as_mut() {
            if kept.len() + take > read.cap {
                read.wire = None;
            } else {
                kept.extend_from_slice(&self.buf[..take]);
            }
        }
        self.buf.drain(..take);
        self.scanned = 0;
        found.is_some()
    }
}

/// Finds the end of DATA (a line holding only `.`, RFC 5321 §4.1.1.4) in a stream,
/// byte by byte, with the same line rules as [`smtping_proto::data::DataDecoder`]: lines
/// end at LF, a CR before the LF is part of the line ending.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct DataScanner {
    state: ScanState,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ScanState {
    #[default]
    LineStart,
    Dot,
    DotCr,
    Mid,
}

impl DataScanner {
    /// Feeds `bytes`; returns the offset just past the terminator if it ends inside them.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Option<usize> {
        for (i, &b) in bytes.iter().enumerate() {
            self.state = match (self.state, b) {
                (ScanState::Dot | ScanState::DotCr, b'\n') => {
                    self.state = ScanState::LineStart;
                    return Some(i + 1);
                }
                (_, b'\n') => ScanState::LineStart,
                (ScanState::LineStart, b'.') => ScanState::Dot,
                (ScanState::Dot, b'\r') => ScanState::DotCr,
                _ => ScanState::Mid,
            };
        }
        None
    }
}

/// A message being read: the wire bytes up to and including the terminator while they fit
/// `cap` (beyond that the data is read and dropped, so memory stays bounded).
#[derive(Debug)]
pub(crate) struct DataRead {
    scanner: DataScanner,
    /// The wire bytes so far, `None` once they exceeded the cap.
    pub(crate) wire: Option<Vec<u8>>,
    /// Wire bytes read in all.
    pub(crate) wire_len: usize,
    cap: usize,
}

impl DataRead {
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            scanner: DataScanner::default(),
            wire: Some(Vec::new()),
            wire_len: 0,
            cap,
        }
    }
}

/// A command line as recorded: lossy UTF-8, cut to [`RECORDED_LINE_MAX`] bytes, AUTH
/// payloads replaced.
pub(crate) fn recorded_line(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(&line[..line.len().min(RECORDED_LINE_MAX)]).into_owned();
    let mut words = text.splitn(3, ' ');
    match (words.next(), words.next(), words.next()) {
        (Some(verb), Some(mechanism), Some(_)) if verb.eq_ignore_ascii_case("AUTH") => {
            format!("{verb} {mechanism} [redacted]")
        }
        _ => text,
    }
}

#[cfg(test)]
mod tests;
