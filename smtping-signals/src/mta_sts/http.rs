//! A sans-IO HTTP/1.1 client for one GET: the request bytes, and a response reader fed
//! with whatever the socket gives (any split), bounded in memory.
//!
//! The status line and headers are parsed with `httparse`; the body is framed here:
//! `Transfer-Encoding: chunked`, `Content-Length`, or delimited by the end of the
//! connection (RFC 9112 §6.3), and never longer than [`HttpLimits::max_body`]. Interim
//! `1xx` responses are skipped. Only what the MTA-STS fetch needs: no keep-alive, no
//! compression, no redirects.
//!
//! ```
//! use smtping_signals::mta_sts::http::{get_request, HttpLimits, Progress, ResponseReader};
//!
//! let request = get_request("mta-sts.example.com", "/.well-known/mta-sts.txt")?;
//! assert!(request.starts_with(b"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: mta-sts.example.com\r\n"));
//!
//! let mut reader = ResponseReader::new(HttpLimits::default());
//! assert_eq!(reader.push(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-")?, Progress::NeedMore);
//! assert_eq!(reader.push(b"Length: 5\r\n\r\nhel")?, Progress::NeedMore);
//! assert_eq!(reader.head().map(|h| h.status), Some(200));
//! assert_eq!(reader.push(b"lo")?, Progress::Complete);
//! let response = reader.take_response().expect("complete");
//! assert_eq!(response.body, b"hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use serde::Serialize;

/// How much of a response is read.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpLimits {
    /// Status line and headers together (default 16 KiB).
    pub max_head: usize,
    /// Header fields (default 64).
    pub max_headers: usize,
    /// The decoded body (default 64 KiB, RFC 8461 §3.3's policy size limit).
    pub max_body: usize,
}

impl Default for HttpLimits {
    fn default() -> Self {
        Self {
            max_head: 16 * 1024,
            max_headers: 64,
            max_body: 64 * 1024,
        }
    }
}

/// Longest chunk-size line, extensions included.
const MAX_CHUNK_LINE: usize = 1024;
/// Longest trailer section.
const MAX_TRAILERS: usize = 16 * 1024;

/// Why a response cannot be read, or a request not built.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HttpError {
    /// The host or path would break the request line (space, control character, empty).
    #[error("cannot build the request: {what} {value:?} contains characters not allowed there")]
    BadRequestPart {
        /// `"host"` or `"path"`.
        what: &'static str,
        /// The value (shortened).
        value: String,
    },
    /// The status line or headers are not HTTP/1.x.
    #[error("malformed response head: {reason}")]
    MalformedHead {
        /// httparse's words.
        reason: String,
    },
    /// The head is longer than the limit.
    #[error("the response head is longer than {limit} bytes")]
    HeadTooLarge {
        /// The limit.
        limit: usize,
    },
    /// More header fields than the limit.
    #[error("the response has more than {limit} header fields")]
    TooManyHeaders {
        /// The limit.
        limit: usize,
    },
    /// `Content-Length` is not a number, or two differ.
    #[error("invalid Content-Length header")]
    BadContentLength,
    /// A transfer coding other than `chunked` alone.
    #[error("unsupported Transfer-Encoding {value:?}")]
    UnsupportedTransferEncoding {
        /// The header value (shortened).
        value: String,
    },
    /// The chunked body is malformed.
    #[error("malformed chunked body: {reason}")]
    BadChunk {
        /// What is wrong.
        reason: &'static str,
    },
    /// The body is (or announces itself) longer than the limit.
    #[error("the body is larger than {limit} bytes")]
    BodyTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The connection ended before the response was complete.
    #[error("the connection closed before the end of the {stage}")]
    Truncated {
        /// `"head"` or `"body"`.
        stage: &'static str,
    },
}

/// Builds `GET path HTTP/1.1` for `host` with `Connection: close` and
/// `Accept: text/plain`.
pub fn get_request(host: &str, path: &str) -> Result<Vec<u8>, HttpError> {
    let clean = |what: &'static str, value: &str| {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_graphic()) {
            Err(HttpError::BadRequestPart {
                what,
                value: value.chars().take(64).collect(),
            })
        } else {
            Ok(())
        }
    };
    clean("host", host)?;
    clean("path", path)?;
    if !path.starts_with('/') {
        return Err(HttpError::BadRequestPart {
            what: "path",
            value: path.chars().take(64).collect(),
        });
    }
    Ok(format!(
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: smtping/{}\r\nAccept: text/plain\r\nConnection: close\r\n\r\n",
        env!("CARGO_PKG_VERSION")
    )
    .into_bytes())
}

/// The status line and headers of a response.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// The reason phrase (lossy UTF-8).
    pub reason: String,
    /// Header fields in order: lowercase name, raw value.
    pub headers: Vec<(String, Vec<u8>)>,
}

impl ResponseHead {
    /// The first value of a header (case-insensitive name).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// `Content-Type` as text (lossy), if present.
    #[must_use]
    pub fn content_type(&self) -> Option<String> {
        self.header("content-type")
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
    }

    /// `Location` as text (lossy), if present.
    #[must_use]
    pub fn location(&self) -> Option<String> {
        self.header("location")
            .map(|v| String::from_utf8_lossy(v).trim().to_owned())
    }
}

/// A complete response.
#[non_exhaustive]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status line and headers.
    pub head: ResponseHead,
    /// The decoded body.
    pub body: Vec<u8>,
}

/// What [`ResponseReader::push`] reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// More bytes (or the end of the connection) are needed.
    NeedMore,
    /// The response is complete: take it with [`ResponseReader::take_response`].
    Complete,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Framing {
    Length(usize),
    Chunked,
    Close,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Head,
    Body(Framing),
    ChunkSize,
    ChunkData(usize),
    ChunkDataEnd,
    Trailers,
    Complete,
    Failed,
}

/// Reads one HTTP/1.x response from bytes pushed in any split (see the
/// [module documentation](self)).
#[derive(Debug)]
pub struct ResponseReader {
    limits: HttpLimits,
    state: State,
    /// Unparsed bytes: the head, a chunk-size line or trailers.
    pending: Vec<u8>,
    head: Option<ResponseHead>,
    body: Vec<u8>,
    trailer_bytes: usize,
    /// The error that ended reading, returned again by later calls.
    error: Option<HttpError>,
}

impl ResponseReader {
    /// A reader with these limits.
    #[must_use]
    pub fn new(limits: HttpLimits) -> Self {
        Self {
            limits,
            state: State::Head,
            pending: Vec::new(),
            head: None,
            body: Vec::new(),
            trailer_bytes: 0,
            error: None,
        }
    }

    /// The head, once it has been read (available before the body is complete, so a
    /// caller can stop early on a status it does not want).
    #[must_use]
    pub fn head(&self) -> Option<&ResponseHead> {
        self.head.as_ref()
    }

    /// The response, once [`Progress::Complete`] was returned.
    pub fn take_response(&mut self) -> Option<HttpResponse> {
        if self.state != State::Complete {
            return None;
        }
        Some(HttpResponse {
            head: self.head.take()?,
            body: std::mem::take(&mut self.body),
        })
    }

    fn fail(&mut self, e: HttpError) -> Result<Progress, HttpError> {
        self.state = State::Failed;
        self.pending = Vec::new();
        self.error = Some(e.clone());
        Err(e)
    }

    /// Feeds bytes received from the server. Bytes after a complete response are
    /// ignored; after an error every call returns the error again.
    pub fn push(&mut self, mut input: &[u8]) -> Result<Progress, HttpError> {
        loop {
            match self.state {
                State::Complete => return Ok(Progress::Complete),
                State::Failed => return Err(self.failed()),
                State::Head => {
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    let room = self.limits.max_head.saturating_sub(self.pending.len());
                    let take = input.len().min(room.max(1));
                    self.pending.extend_from_slice(&input[..take]);
                    match self.parse_head() {
                        Ok(Some(used)) => {
                            // What follows the head belongs to the body: feed it on.
                            let mut rest = self.pending.split_off(used.min(self.pending.len()));
                            rest.extend_from_slice(&input[take..]);
                            self.pending = Vec::new();
                            return self.push(&rest);
                        }
                        Ok(None) => {
                            if self.pending.len() >= self.limits.max_head {
                                return self.fail(HttpError::HeadTooLarge {
                                    limit: self.limits.max_head,
                                });
                            }
                            input = &input[take..];
                        }
                        Err(e) => return self.fail(e),
                    }
                }
                State::Body(Framing::Length(remaining)) => {
                    if remaining == 0 {
                        self.state = State::Complete;
                        continue;
                    }
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    let take = input.len().min(remaining);
                    self.body.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    self.state = State::Body(Framing::Length(remaining - take));
                }
                State::Body(Framing::Close) => {
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    if self.body.len() + input.len() > self.limits.max_body {
                        return self.fail(HttpError::BodyTooLarge {
                            limit: self.limits.max_body,
                        });
                    }
                    self.body.extend_from_slice(input);
                    input = &[];
                }
                State::Body(Framing::Chunked) => self.state = State::ChunkSize,
                State::ChunkSize => {
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    match memchr_lf(input) {
                        Some(i) => {
                            self.pending.extend_from_slice(&input[..i]);
                            input = &input[i + 1..];
                            if self.pending.len() > MAX_CHUNK_LINE {
                                return self.fail(HttpError::BadChunk {
                                    reason: "chunk-size line too long",
                                });
                            }
                            let size = match parse_chunk_size(&self.pending) {
                                Ok(size) => size,
                                Err(reason) => return self.fail(HttpError::BadChunk { reason }),
                            };
                            self.pending.clear();
                            if size == 0 {
                                self.state = State::Trailers;
                            } else if self.body.len().saturating_add(size) > self.limits.max_body {
                                return self.fail(HttpError::BodyTooLarge {
                                    limit: self.limits.max_body,
                                });
                            } else {
                                self.state = State::ChunkData(size);
                            }
                        }
                        None => {
                            self.pending.extend_from_slice(input);
                            input = &[];
                            if self.pending.len() > MAX_CHUNK_LINE {
                                return self.fail(HttpError::BadChunk {
                                    reason: "chunk-size line too long",
                                });
                            }
                        }
                    }
                }
                State::ChunkData(remaining) => {
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    let take = input.len().min(remaining);
                    self.body.extend_from_slice(&input[..take]);
                    input = &input[take..];
                    self.state = if remaining == take {
                        State::ChunkDataEnd
                    } else {
                        State::ChunkData(remaining - take)
                    };
                }
                State::ChunkDataEnd => {
                    // CRLF (or a bare LF) after the chunk data.
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    match (self.pending.as_slice(), input[0]) {
                        ([], b'\r') => {
                            self.pending.push(b'\r');
                            input = &input[1..];
                        }
                        (_, b'\n') => {
                            self.pending.clear();
                            input = &input[1..];
                            self.state = State::ChunkSize;
                        }
                        _ => {
                            return self.fail(HttpError::BadChunk {
                                reason: "chunk data not followed by CRLF",
                            });
                        }
                    }
                }
                State::Trailers => {
                    if input.is_empty() {
                        return Ok(Progress::NeedMore);
                    }
                    let (line_end, rest) = match memchr_lf(input) {
                        Some(i) => (Some(i), &input[i + 1..]),
                        None => (None, &[][..]),
                    };
                    let part = &input[..line_end.unwrap_or(input.len())];
                    self.trailer_bytes = self.trailer_bytes.saturating_add(part.len() + 1);
                    if self.trailer_bytes > MAX_TRAILERS {
                        return self.fail(HttpError::BadChunk {
                            reason: "trailer section too long",
                        });
                    }
                    // Only whether the line is empty matters: keep at most its CR.
                    if self.pending.len() < 2 {
                        self.pending.extend(part.iter().take(2));
                    }
                    input = rest;
                    if line_end.is_some() {
                        let empty = self.pending.is_empty() || self.pending.as_slice() == b"\r";
                        self.pending.clear();
                        if empty {
                            self.state = State::Complete;
                        }
                    }
                }
            }
        }
    }

    /// The server closed the connection: completes a close-delimited body, and is an
    /// error anywhere else before the response is complete.
    pub fn push_eof(&mut self) -> Result<Progress, HttpError> {
        match self.state {
            State::Complete => Ok(Progress::Complete),
            State::Body(Framing::Close) => {
                self.state = State::Complete;
                Ok(Progress::Complete)
            }
            State::Head => self.fail(HttpError::Truncated { stage: "head" }),
            State::Failed => Err(self.failed()),
            _ => self.fail(HttpError::Truncated { stage: "body" }),
        }
    }

    fn failed(&self) -> HttpError {
        self.error
            .clone()
            .unwrap_or(HttpError::Truncated { stage: "body" })
    }

    /// Parses the head in `pending`: `Ok(Some(len))` once complete.
    fn parse_head(&mut self) -> Result<Option<usize>, HttpError> {
        loop {
            let mut headers = vec![httparse::EMPTY_HEADER; self.limits.max_headers];
            let mut response = httparse::Response::new(&mut headers);
            let used = match response.parse(&self.pending) {
                Ok(httparse::Status::Complete(used)) => used,
                Ok(httparse::Status::Partial) => return Ok(None),
                Err(httparse::Error::TooManyHeaders) => {
                    return Err(HttpError::TooManyHeaders {
                        limit: self.limits.max_headers,
                    });
                }
                Err(e) => {
                    return Err(HttpError::MalformedHead {
                        reason: e.to_string(),
                    });
                }
            };
            let status = response.code.unwrap_or(0);
            let head = ResponseHead {
                status,
                reason: String::from_utf8_lossy(response.reason.unwrap_or("").as_bytes())
                    .into_owned(),
                headers: response
                    .headers
                    .iter()
                    .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
                    .collect(),
            };
            if (100..200).contains(&status) && status != 101 {
                // An interim response: drop it and read the next head from the rest.
                self.pending.drain(..used);
                if self.pending.is_empty() {
                    return Ok(None);
                }
                continue;
            }
            let framing = framing_of(&head, self.limits.max_body)?;
            self.head = Some(head);
            self.state = State::Body(framing);
            return Ok(Some(used));
        }
    }
}

fn memchr_lf(b: &[u8]) -> Option<usize> {
    b.iter().position(|&c| c == b'\n')
}

/// Hex size before any `;` extension; a trailing CR is removed.
fn parse_chunk_size(line: &[u8]) -> Result<usize, &'static str> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let size = line.split(|&c| c == b';').next().unwrap_or(&[]);
    let size = trim(size);
    if size.is_empty() || size.len() > 8 || !size.iter().all(u8::is_ascii_hexdigit) {
        return Err("invalid chunk size");
    }
    let text = std::str::from_utf8(size).map_err(|_| "invalid chunk size")?;
    usize::from_str_radix(text, 16).map_err(|_| "invalid chunk size")
}

fn trim(b: &[u8]) -> &[u8] {
    let start = b
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(b.len());
    let end = b
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

/// The body framing of a response to a GET (RFC 9112 §6.3).
fn framing_of(head: &ResponseHead, max_body: usize) -> Result<Framing, HttpError> {
    if head.status == 204 || head.status == 304 {
        return Ok(Framing::Length(0));
    }
    let encodings: Vec<&[u8]> = head
        .headers
        .iter()
        .filter(|(n, _)| n == "transfer-encoding")
        .map(|(_, v)| v.as_slice())
        .collect();
    if !encodings.is_empty() {
        let joined = encodings.join(&b","[..]);
        let codings: Vec<&[u8]> = joined
            .split(|&c| c == b',')
            .map(trim)
            .filter(|c| !c.is_empty())
            .collect();
        if codings.len() == 1 && codings[0].eq_ignore_ascii_case(b"chunked") {
            return Ok(Framing::Chunked);
        }
        return Err(HttpError::UnsupportedTransferEncoding {
            value: String::from_utf8_lossy(&joined).chars().take(64).collect(),
        });
    }
    let mut length: Option<usize> = None;
    for (_, v) in head.headers.iter().filter(|(n, _)| n == "content-length") {
        for part in v.split(|&c| c == b',') {
            let part = trim(part);
            if part.is_empty() || part.len() > 19 || !part.iter().all(u8::is_ascii_digit) {
                return Err(HttpError::BadContentLength);
            }
            let n: u64 = std::str::from_utf8(part)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or(HttpError::BadContentLength)?;
            let n = usize::try_from(n).unwrap_or(usize::MAX);
            if length.is_some_and(|l| l != n) {
                return Err(HttpError::BadContentLength);
            }
            length = Some(n);
        }
    }
    match length {
        Some(n) if n > max_body => Err(HttpError::BodyTooLarge { limit: max_body }),
        Some(n) => Ok(Framing::Length(n)),
        None => Ok(Framing::Close),
    }
}

/// Whether a `Content-Type` value is `text/plain` (parameters such as `charset`
/// allowed; case-insensitive).
///
/// ```
/// use smtping_signals::mta_sts::http::is_text_plain;
/// assert!(is_text_plain("text/plain"));
/// assert!(is_text_plain("Text/Plain; charset=utf-8"));
/// assert!(!is_text_plain("text/html"));
/// assert!(!is_text_plain("text/plainx"));
/// ```
#[must_use]
pub fn is_text_plain(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("text/plain"))
}
